"""Mapping a function over an array's slices: ``fnp.apply_along_axis`` and
``fnp.vectorize`` (by ``vmap``, as in ``jax.numpy``: the function is traced once per call,
and the result is differentiable), and ``fnp.apply_over_axes`` (a reduction applied axis
after axis)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

import numpy as np

from fungrad.core import shape_of
from fungrad.errors import ShapeError
from fungrad.numpy.promotion import as_operand
from fungrad.numpy.reshaping import broadcast_to, expand_dims, moveaxis, normalize_axis

__all__ = ["apply_along_axis", "apply_over_axes", "vectorize"]


def apply_along_axis(func1d: Callable, axis: int, arr, *args, **kwargs):
    """``func1d`` applied to every 1-D slice of ``arr`` along ``axis``.

    The slices are batched with ``vmap`` (``func1d`` must be traceable, as in JAX). Each
    result of ``func1d`` takes the place of the slice: a scalar removes ``axis``, an array
    puts its axes there.

    Example:
        >>> import fungrad.numpy as fnp
        >>> x = fnp.arange(6.0).reshape(2, 3)
        >>> fnp.apply_along_axis(lambda v: v[0] * v[-1], 1, x).tolist()
        [0.0, 15.0]
    """
    arr = as_operand(arr)
    nd = len(shape_of(arr))
    axis = normalize_axis("apply_along_axis", axis, nd)

    def one(v):
        return func1d(v, *args, **kwargs)

    mapped = one
    for _ in range(nd - 1):
        mapped = _vmap()(mapped)
    out = mapped(moveaxis(arr, axis, -1))
    core = len(shape_of(out)) - (nd - 1)
    if core == 0:
        return out
    lead = nd - 1
    return moveaxis(out, tuple(range(lead, lead + core)), tuple(range(axis, axis + core)))


def apply_over_axes(func: Callable, a, axes):
    """``func(a, axis)`` applied for each axis in ``axes`` in turn, keeping the rank: a
    result one rank lower gets the axis back (of length 1), as with ``keepdims``.

    Args:
        func: called as ``func(array, axis)``; returns an array of the same rank or one
            rank lower (a reduction such as ``fnp.sum``).
        a: the array.
        axes: an axis or a sequence of axes (static ints).

    Returns:
        An array of ``a``'s rank.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.apply_over_axes(fnp.sum, np.arange(24).reshape(2, 3, 4), [0, 2]).tolist()
        [[[60], [92], [124]]]
    """
    a = as_operand(a)
    nd = len(shape_of(a))
    for axis in ([axes] if np.ndim(axes) == 0 else axes):
        axis = normalize_axis("apply_over_axes", axis, nd)
        out = as_operand(func(a, axis))
        rank = len(shape_of(out))
        if rank == nd - 1:
            out = expand_dims(out, axis)
        elif rank != nd:
            raise ShapeError(f"fnp.apply_over_axes: func(a, {axis}) returned shape "
                             f"{shape_of(out)} for a of shape {shape_of(a)}; it must keep the "
                             "rank or remove one axis")
        a = out
    return a


_DIMS = r"\(\s*(?:\w+(?:\s*,\s*\w+)*)?\s*\)"
_SIGNATURE = re.compile(rf"^{_DIMS}(?:\s*,\s*{_DIMS})*\s*->\s*{_DIMS}$")


def _parse_signature(signature: str) -> tuple[list, tuple]:
    """``"(m,n),(n)->(m)"`` as ``([("m", "n"), ("n",)], ("m",))`` (one output only)."""
    if not _SIGNATURE.match(signature):
        raise ValueError(f"fnp.vectorize: signature {signature!r} is not of the form "
                         "'(m,n),(n)->(m)' (one output; tuples of outputs are not supported)")
    inputs, output = signature.split("->")
    groups = re.findall(r"\(([^)]*)\)", inputs)
    core = [tuple(d.strip() for d in g.split(",") if d.strip()) for g in groups]
    out = tuple(d.strip() for d in output.strip()[1:-1].split(",") if d.strip())
    return core, out


def vectorize(pyfunc: Callable, *, excluded=frozenset(), signature: str | None = None):
    """``pyfunc`` made to broadcast over arrays like a NumPy ufunc (``jax.numpy.vectorize``).

    Without ``signature`` ``pyfunc`` sees scalars; with a gufunc signature such as
    ``"(n),(n)->()"`` it sees the core dimensions named there and maps over the leading
    (broadcast) ones. Arguments in ``excluded`` (positions or keyword names) are passed
    through unchanged.

    Example:
        >>> import fungrad.numpy as fnp
        >>> dot = fnp.vectorize(lambda a, b: (a * b).sum(), signature="(n),(n)->()")
        >>> dot(fnp.ones((2, 3)), fnp.arange(3.0)).tolist()
        [3.0, 3.0]
    """
    core_in, core_out = _parse_signature(signature) if signature is not None else (None, ())
    excluded = frozenset(excluded)

    @functools.wraps(pyfunc)
    def wrapped(*args, **kwargs):
        mapped_pos = [i for i in range(len(args)) if i not in excluded]
        mapped_kw = sorted(k for k in kwargs if k not in excluded)
        operands = [as_operand(args[i]) for i in mapped_pos] + \
            [as_operand(kwargs[k]) for k in mapped_kw]
        cores = core_in if core_in is not None else [()] * len(operands)
        if len(cores) != len(operands):
            raise TypeError(f"fnp.vectorize: the signature names {len(cores)} inputs, but "
                            f"{len(operands)} arrays were passed (mark others excluded)")
        loop_shapes = []
        for k, (x, dims) in enumerate(zip(operands, cores)):
            shape = shape_of(x)
            if len(shape) < len(dims):
                raise ShapeError(f"fnp.vectorize: input {k} of shape {shape} has fewer "
                                 f"dimensions than its core dimensions {dims}")
            loop_shapes.append(shape[:len(shape) - len(dims)])
        loop = np.broadcast_shapes(*loop_shapes)
        operands = [broadcast_to(x, loop + shape_of(x)[len(s):])
                    for x, s in zip(operands, loop_shapes)]

        def call(*flat):
            full = list(args)
            for i, x in zip(mapped_pos, flat):
                full[i] = x
            kw = dict(kwargs)
            kw.update(zip(mapped_kw, flat[len(mapped_pos):]))
            return pyfunc(*full, **kw)

        mapped = call
        for _ in loop:
            mapped = _vmap()(mapped)
        return mapped(*operands)

    return wrapped


def _vmap():
    # Imported when called: fungrad.transforms imports fungrad.numpy (for its array type),
    # so a module-level import here would close a cycle through fungrad.numpy's __init__.
    from fungrad.transforms.vmap_api import vmap  # noqa: PLC0415

    return vmap
