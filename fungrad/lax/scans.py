"""``lax.map``, ``lax.associative_scan`` and ``lax.cumlogsumexp``, composed of existing
primitives.

``map`` is a ``scan`` with no carry (optionally over chunks of ``batch_size`` examples,
each chunk ``vmap``-ed). ``associative_scan`` is the parallel prefix scan built from
strided slices, the combining function and concatenation: ``log2(n)`` levels, each
combining neighbouring pairs; its derivatives, batching and ``jit`` come from the slicing
primitives and whatever ``fn`` binds. ``cumlogsumexp`` is an associative scan of a
log-add-exp that shifts by the larger operand.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["map", "associative_scan", "cumlogsumexp"]

import numpy as np

from fungrad.core import get_aval, shape_of
from fungrad.errors import ShapeError
from fungrad.lax.comparison import select_n
from fungrad.lax.derived_ops import full_like
from fungrad.lax.elementwise import add, exp, is_finite, log, max, sub  # noqa: A004
from fungrad.lax.loops import scan
from fungrad.lax.shape_ops import concatenate, expand_dims, reshape, rev, slice_in_dim
from fungrad.tree_util import tree_flatten, tree_map, tree_structure, tree_unflatten


def _leading_size(fn: str, leaves) -> int:
    sizes = {shape_of(x)[0] if shape_of(x) else None for x in leaves}
    if None in sizes or len(sizes) != 1:
        shapes = [shape_of(x) for x in leaves]
        raise ValueError(f"lax.{fn}: every leaf of xs needs the same leading axis size; got "
                         f"shapes {shapes}")
    return sizes.pop()


def map(f: Callable, xs: Any, *, batch_size: int | None = None) -> Any:  # noqa: A001
    """Apply ``f`` to each slice of ``xs`` along its leading axis; stack the results.

    With ``batch_size``, ``f`` is ``vmap``-ed over chunks of that many slices (the
    remainder, if any, is one smaller chunk), trading memory for speed.

    Example:
        >>> import numpy as np
        >>> map(lambda x: x.sum(), np.arange(6.0).reshape(3, 2))
        array([1., 5., 9.])
    """
    leaves, treedef = tree_flatten(xs)
    n = _leading_size("map", leaves)
    if batch_size is None or batch_size <= 1 or n == 0:
        return scan(lambda _, x: ((), f(x)), (), xs)[1]
    from fungrad.transforms.vmap_api import vmap  # noqa: PLC0415 (transforms import lax)

    bs = min(int(batch_size), n)
    full = n - n % bs
    head = [reshape(slice_in_dim(x, 0, full), (full // bs, bs, *shape_of(x)[1:]))
            for x in leaves]
    ys = scan(lambda _, x: ((), vmap(f)(x)), (), tree_unflatten(treedef, head))[1]
    ys = tree_map(lambda y: reshape(y, (full, *shape_of(y)[2:])), ys)
    if full == n:
        return ys
    tail = vmap(f)(tree_unflatten(treedef, [slice_in_dim(x, full, n) for x in leaves]))
    return tree_map(lambda a, b: concatenate([a, b], 0), ys, tail)


def _interleave(evens, odds, axis: int):
    """``[e0, o0, e1, o1, ...]`` along ``axis`` (``evens`` may be one longer)."""
    n_odd = shape_of(odds)[axis]
    last = None
    if shape_of(evens)[axis] > n_odd:
        last = slice_in_dim(evens, n_odd, n_odd + 1, axis=axis)
        evens = slice_in_dim(evens, 0, n_odd, axis=axis)
    pairs = concatenate([expand_dims(evens, (axis + 1,)), expand_dims(odds, (axis + 1,))],
                        axis + 1)
    shape = shape_of(evens)
    out = reshape(pairs, (*shape[:axis], 2 * n_odd, *shape[axis + 1:]))
    return out if last is None else concatenate([out, last], axis)


def associative_scan(fn: Callable, elems: Any, reverse: bool = False, axis: int = 0) -> Any:
    """Inclusive prefix scan of ``elems`` along ``axis`` with an associative ``fn``.

    Args:
        fn: ``fn(a, b)`` combining two pytrees shaped like ``elems`` (with the scanned axis
            kept, of any length): it must be associative and work elementwise along it.
        elems: a pytree of arrays with equal sizes along ``axis``.
        reverse: scan from the end (``out[i]`` combines ``elems[i:]``).
        axis: the scanned axis.

    Returns:
        A pytree like ``elems``: ``out[i] = fn(... fn(elems[0], elems[1]) ..., elems[i])``.

    Example:
        >>> import numpy as np
        >>> associative_scan(lambda a, b: a + b, np.arange(5.0))
        array([ 0.,  1.,  3.,  6., 10.])
    """
    leaves, treedef = tree_flatten(elems)
    if not leaves:
        return elems
    ndim = len(shape_of(leaves[0]))
    if not -ndim <= axis < ndim:
        raise ValueError(f"lax.associative_scan: axis={axis} is out of range for elems of "
                         f"shape {shape_of(leaves[0])}")
    axis %= ndim
    sizes = {shape_of(x)[axis] if len(shape_of(x)) > axis else None for x in leaves}
    if len(sizes) != 1 or None in sizes:
        raise ValueError(f"lax.associative_scan: every leaf of elems needs the same size along "
                         f"axis {axis}; got shapes {[shape_of(x) for x in leaves]}")
    if reverse:
        leaves = [rev(x, (axis,)) for x in leaves]

    def combine(a, b):
        out = fn(tree_unflatten(treedef, a), tree_unflatten(treedef, b))
        out_leaves, out_tree = tree_flatten(out)
        if out_tree != treedef:
            raise TypeError(f"lax.associative_scan: fn returned a {tree_structure(out)}, but "
                            f"elems is a {treedef}; fn must return elems' structure.")
        return out_leaves

    def prefix(xs):
        n = shape_of(xs[0])[axis]
        if n < 2:
            return xs
        firsts = [slice_in_dim(x, 0, n - 1, 2, axis) for x in xs]
        seconds = [slice_in_dim(x, 1, n, 2, axis) for x in xs]
        odds = prefix(combine(firsts, seconds))  # results at positions 1, 3, 5, ...
        later = [slice_in_dim(x, 2, n, 2, axis) for x in xs]  # elems at 2, 4, ...
        if later and shape_of(later[0])[axis]:
            m = shape_of(later[0])[axis]
            evens = combine([slice_in_dim(o, 0, m, axis=axis) for o in odds], later)
            evens = [concatenate([slice_in_dim(x, 0, 1, axis=axis), e], axis)
                     for x, e in zip(xs, evens)]
        else:
            evens = [slice_in_dim(x, 0, 1, axis=axis) for x in xs]
        return [_interleave(e, o, axis) for e, o in zip(evens, odds)]

    out = prefix(leaves)
    if reverse:
        out = [rev(x, (axis,)) for x in out]
    return tree_unflatten(treedef, out)


def _log_add_exp(a, b):
    """``log(exp(a) + exp(b))``: ``top + log(exp(a - top) + exp(b - top))`` holds for any
    ``top``, so its derivative is exact (0.5/0.5 at ties) although ``max`` picks ``top``.
    Where ``top`` is infinite it is the result, and the shifted terms see zeros instead
    (no ``inf - inf``)."""
    top = max(a, b)
    finite = is_finite(top)
    zeros = full_like(top, 0)
    shift = select_n(finite, zeros, top)
    za = select_n(finite, zeros, sub(a, shift))
    zb = select_n(finite, zeros, sub(b, shift))
    return select_n(finite, top, add(shift, log(add(exp(za), exp(zb)))))


def cumlogsumexp(operand, axis: int = 0, reverse: bool = False):
    """``log(cumsum(exp(operand)))`` along ``axis``, without overflow or underflow.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.cumlogsumexp(np.array([0.0, 0.0, 1000.0])).round(4).tolist()
        [0.0, 0.6931, 1000.0]
    """
    dtype = get_aval(operand).dtype
    if not np.issubdtype(dtype, np.floating):
        raise TypeError(f"lax.cumlogsumexp: operand must be floating, got {dtype}; convert "
                        "it with lax.convert_element_type first.")
    ndim = len(shape_of(operand))
    if not -ndim <= axis < ndim:
        raise ShapeError(f"lax.cumlogsumexp: axis {axis} is out of range for an operand of "
                         f"shape {shape_of(operand)}")
    return associative_scan(_log_add_exp, operand, reverse=reverse, axis=axis % ndim)
