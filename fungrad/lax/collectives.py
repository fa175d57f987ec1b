"""Collectives over named axes: psum, pmean, pmax, pmin, all_gather, psum_scatter, ppermute,
axis_index, axis_size.

A collective refers to axes by name; ``fg.vmap(f, axis_name="i")`` binds the name ``i`` to
its batch axis. Each collective is a primitive whose ``axes``/``axis_name`` parameter says
which names it uses (``batching.collective_axes``). The batch trace that owns a name runs
the primitive's *collective rule*, which reduces, gathers or permutes over the batch axis
(an unbatched operand stands for the same value on every lane); a batch trace that does
not own the name batches it like any other operation. Under ``jit`` collectives are IR
equations; evaluating one with no owner of its name raises ``NameError`` (unbound axis).

Derivatives follow JAX's vmap semantics: ``psum`` is linear and its transpose is ``psum``
(the cotangents of all lanes add up), ``all_gather`` and ``psum_scatter`` transpose into
each other, ``ppermute`` into the inverse permutation. ``pmax``/``pmin`` (which JAX does
not differentiate) pass the tangent of the lane that attains the extreme, ties sharing it
evenly, like ``reduce_max``.

A future ``pmap`` backend is one more owner of names: it would push ``(name, size)`` frames
on ``batching.axis_env`` and implement the collective rules with communication.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "psum_p",
    "psum",
    "pmean",
    "pmax_p",
    "pmax",
    "pmin_p",
    "pmin",
    "all_gather_p",
    "all_gather",
    "psum_scatter_p",
    "psum_scatter",
    "ppermute_p",
    "ppermute",
    "axis_index_p",
    "axis_index",
    "axis_size",
]

from fungrad.core import Primitive, ShapedArray, get_aval, shape_of
from fungrad.errors import ShapeError
from fungrad.interpreters.batching import (
    axis_frame,
    batching_rules,
    bdim_to_front,
    bound_axis_names,
    collective_axes,
    collective_rules,
    defvectorized,
    move_axis,
)
from fungrad.interpreters.jvp import defjvp_zero, jvp_rules, zeros_like_aval
from fungrad.interpreters.linearize import deflinear
from fungrad.lax.comparison import convert_element_type, eq, select_n
from fungrad.lax.creation import iota
from fungrad.lax.elementwise import add, div, mul
from fungrad.lax.reductions import reduce_max, reduce_min, reduce_sum
from fungrad.lax.shape_ops import concatenate, reshape, slice_in_dim
from fungrad.tree_util import tree_map

# ---------------------------------------------------------------------------------------
# Names: normalisation and the unbound-name error


def _names(fn: str, axis_name) -> tuple:
    names = tuple(axis_name) if isinstance(axis_name, (tuple, list)) else (axis_name,)
    for n in names:
        try:
            hash(n)
        except TypeError:
            raise TypeError(f"lax.{fn}: axis_name must be a hashable name (or a tuple of "
                            f"names), got {n!r:.60}") from None
    return names


def _unbound(fn: str, name) -> NameError:
    bound = bound_axis_names()
    known = f"the bound names are {bound}" if bound else "no axis name is bound here"
    return NameError(
        f"lax.{fn}: unbound axis name {name!r} ({known}). Collectives refer to the axis of an "
        f"enclosing fg.vmap(f, axis_name={name!r}); call {fn} inside such a vmap.")


def _size(fn: str, name) -> int:
    frame = axis_frame(name)
    if frame is None:
        raise _unbound(fn, name)
    return frame[1]


def _single(fn: str, axis_name):
    names = _names(fn, axis_name)
    if len(names) != 1:
        raise NotImplementedError(
            f"lax.{fn}: axis_name={axis_name!r} names {len(names)} axes; under vmap {fn} "
            "supports one axis name (as in JAX). Nest the calls, one name each.")
    _size(fn, names[0])
    return names[0]


def _raise_unbound(fn: str, names):
    def impl(*args, **params):
        raise _unbound(fn, names(params)[0])

    return impl


def _check_groups(fn: str, axis_index_groups):
    if axis_index_groups is not None:
        raise NotImplementedError(f"lax.{fn}: axis_index_groups is not supported by fungrad "
                                  "(vmap semantics has no device groups); pass None.")


def _collective(name: str, abstract_eval, names) -> Primitive:
    prim = Primitive(name)
    prim.def_impl(_raise_unbound(name, names))
    prim.def_abstract_eval(abstract_eval)
    collective_axes[prim] = names
    return prim


def _axes_param(params):
    return params["axes"]


def _name_param(params):
    return (params["axis_name"],)


def _same_aval(fn: str):
    def rule(x, *, axes):
        for n in axes:
            _size(fn, n)
        return x

    return rule


def _scaled(x, size: int):
    """``x`` summed over ``size`` lanes that all hold it."""
    return mul(x, get_aval(x).dtype.type(size))


# ---------------------------------------------------------------------------------------
# psum, pmax, pmin: reductions over the named axes (the result is the same on every lane)

psum_p = _collective("psum", _same_aval("psum"), _axes_param)
pmax_p = _collective("pmax", _same_aval("pmax"), _axes_param)
pmin_p = _collective("pmin", _same_aval("pmin"), _axes_param)


def _reducing_rule(prim, reduce, unbatched):
    def rule(name, size, vals, dims, *, axes):
        (x,), (d,) = vals, dims
        out = unbatched(x, size) if d is None else reduce(x, (d,))
        rest = tuple(n for n in axes if n != name)
        return (prim.bind(out, axes=rest) if rest else out), None

    collective_rules[prim] = rule
    batching_rules[prim] = lambda vals, dims, **params: (prim.bind(*vals, **params), dims[0])


_reducing_rule(psum_p, reduce_sum, _scaled)
_reducing_rule(pmax_p, reduce_max, lambda x, size: x)
_reducing_rule(pmin_p, reduce_min, lambda x, size: x)
deflinear(psum_p, lambda ct, x, *, axes: [psum_p.bind(ct, axes=axes)])


def _extreme_jvp(prim):
    def rule(primals, tangents, *, axes):
        (x,), (t,) = primals, tangents
        ans = prim.bind(x, axes=axes)
        hit = eq(x, ans)
        count = psum_p.bind(convert_element_type(hit, get_aval(x).dtype), axes=axes)
        picked = select_n(hit, zeros_like_aval(get_aval(t)), t)
        return ans, div(psum_p.bind(picked, axes=axes), count)

    jvp_rules[prim] = rule


_extreme_jvp(pmax_p)
_extreme_jvp(pmin_p)


def _over_leaves(prim, fn: str, x, axis_name, axis_index_groups):
    _check_groups(fn, axis_index_groups)
    names = _names(fn, axis_name)
    for n in names:
        _size(fn, n)
    return tree_map(lambda leaf: prim.bind(leaf, axes=names), x)


def psum(x: Any, axis_name: Any, *, axis_index_groups=None) -> Any:
    """Sum ``x`` (a pytree) over the lanes of the named axis (or tuple of axes).

    Example:
        >>> import numpy as np, fungrad as fg, fungrad.lax as lax
        >>> fg.vmap(lambda v: v / lax.psum(v, "i"), axis_name="i")(np.array([1.0, 3.0]))
        Array([0.25, 0.75])
    """
    return _over_leaves(psum_p, "psum", x, axis_name, axis_index_groups)


def pmean(x: Any, axis_name: Any, *, axis_index_groups=None) -> Any:
    """Average ``x`` (a pytree) over the lanes of the named axis (or tuple of axes).

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> from fungrad import lax
        >>> fg.vmap(lambda v: lax.pmean(v, 'i'), axis_name='i')(np.arange(1.0, 4.0))
        Array([2., 2., 2.])
    """
    total = psum(x, axis_name, axis_index_groups=axis_index_groups)
    n = axis_size(axis_name)
    return tree_map(lambda s: div(s, get_aval(s).dtype.type(n)), total)


def pmax(x: Any, axis_name: Any, *, axis_index_groups=None) -> Any:
    """Maximum of ``x`` (a pytree) over the lanes of the named axis (or tuple of axes).

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> from fungrad import lax
        >>> fg.vmap(lambda v: lax.pmax(v, 'i'), axis_name='i')(np.arange(1.0, 4.0))
        Array([3., 3., 3.])
    """
    return _over_leaves(pmax_p, "pmax", x, axis_name, axis_index_groups)


def pmin(x: Any, axis_name: Any, *, axis_index_groups=None) -> Any:
    """Minimum of ``x`` (a pytree) over the lanes of the named axis (or tuple of axes).

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> from fungrad import lax
        >>> fg.vmap(lambda v: lax.pmin(v, 'i'), axis_name='i')(np.arange(1.0, 4.0))
        Array([1., 1., 1.])
    """
    return _over_leaves(pmin_p, "pmin", x, axis_name, axis_index_groups)


# ---------------------------------------------------------------------------------------
# all_gather and psum_scatter (each other's transposes)


def _all_gather_abstract_eval(x, *, axis_name, axis, tiled):
    size = _size("all_gather", axis_name)
    shape = list(x.shape)
    if tiled:
        shape[axis] *= size
    else:
        shape.insert(axis, size)
    return ShapedArray(tuple(shape), x.dtype, x.weak_type)


def check_blocks(fn: str, x, axis_name, arg: str, dim: int, tiled: bool) -> int:
    """The axis size, after checking that ``x`` splits along ``dim`` into one block per lane
    (untiled: the dimension equals the axis size; tiled: it is a multiple of it)."""
    size = _size(fn, axis_name)
    n = x.shape[dim]
    if (tiled and n % size) or (not tiled and n != size):
        need = f"a multiple of {size}" if tiled else f"equal to {size}"
        raise ShapeError(
            f"lax.{fn}: operand {x.str_short()} has size {n} along {arg}={dim}, which must be "
            f"{need} (the size of axis {axis_name!r}{', tiled=True' if tiled else ''}).")
    return size


def _psum_scatter_abstract_eval(x, *, axis_name, scatter_dimension, tiled):
    size = check_blocks("psum_scatter", x, axis_name, "scatter_dimension", scatter_dimension,
                        tiled)
    shape = list(x.shape)
    if tiled:
        shape[scatter_dimension] //= size
    else:
        del shape[scatter_dimension]
    return ShapedArray(tuple(shape), x.dtype, x.weak_type)


all_gather_p = _collective("all_gather", _all_gather_abstract_eval, _name_param)
psum_scatter_p = _collective("psum_scatter", _psum_scatter_abstract_eval, _name_param)


def _merge_axes(x, axis: int):
    shape = shape_of(x)
    return reshape(x, (*shape[:axis], shape[axis] * shape[axis + 1], *shape[axis + 2:]))


def _all_gather_collective(name, size, vals, dims, *, axis_name, axis, tiled):
    (x,), (d,) = vals, dims
    x = move_axis(bdim_to_front(x, d, size), 0, axis)
    return (_merge_axes(x, axis) if tiled else x), None


def _psum_scatter_collective(name, size, vals, dims, *, axis_name, scatter_dimension, tiled):
    (x,), (d,) = vals, dims
    total = _scaled(x, size) if d is None else reduce_sum(x, (d,))
    if tiled:  # lane k keeps block k: split the dimension into (size, block)
        shape = shape_of(total)
        sd = scatter_dimension
        total = reshape(total, (*shape[:sd], size, shape[sd] // size, *shape[sd + 1:]))
    return total, scatter_dimension


def _gather_batch(vals, dims, *, axis_name, axis, tiled):
    x = move_axis(vals[0], dims[0], 0)
    return all_gather_p.bind(x, axis_name=axis_name, axis=axis + 1, tiled=tiled), 0


def _scatter_batch(vals, dims, *, axis_name, scatter_dimension, tiled):
    x = move_axis(vals[0], dims[0], 0)
    return psum_scatter_p.bind(x, axis_name=axis_name, scatter_dimension=scatter_dimension + 1,
                               tiled=tiled), 0


collective_rules[all_gather_p] = _all_gather_collective
collective_rules[psum_scatter_p] = _psum_scatter_collective
batching_rules[all_gather_p] = _gather_batch
batching_rules[psum_scatter_p] = _scatter_batch
deflinear(all_gather_p, lambda ct, x, *, axis_name, axis, tiled: [psum_scatter_p.bind(
    ct, axis_name=axis_name, scatter_dimension=axis, tiled=tiled)])
deflinear(psum_scatter_p, lambda ct, x, *, axis_name, scatter_dimension, tiled: [
    all_gather_p.bind(ct, axis_name=axis_name, axis=scatter_dimension, tiled=tiled)])


def _axis_arg(fn: str, name: str, value: int, ndim: int, shape) -> int:
    if not -ndim <= value < ndim:
        raise ValueError(f"lax.{fn}: {name}={value} is out of range for an operand of shape "
                         f"{shape} (valid: {-ndim} to {ndim - 1})")
    return value % ndim


def all_gather(x: Any, axis_name: Any, *, axis_index_groups=None, axis: int = 0,
               tiled: bool = False, to: str = "varying") -> Any:
    """Stack the lanes' values of ``x`` (a pytree) along a new axis ``axis``.

    With ``tiled=True`` they are concatenated along the existing axis ``axis`` instead.
    ``to`` is accepted for JAX compatibility (there is no sharding to vary).

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> from fungrad import lax
        >>> fg.vmap(lambda v: lax.all_gather(v, 'i'), axis_name='i')(np.arange(1.0, 4.0))
        Array([[1., 2., 3.],
               [1., 2., 3.],
               [1., 2., 3.]])
    """
    _check_groups("all_gather", axis_index_groups)
    name = _single("all_gather", axis_name)

    def gather(leaf):
        ndim = len(shape_of(leaf)) + (0 if tiled else 1)
        a = _axis_arg("all_gather", "axis", axis, ndim, shape_of(leaf))
        return all_gather_p.bind(leaf, axis_name=name, axis=a, tiled=bool(tiled))

    return tree_map(gather, x)


def psum_scatter(x: Any, axis_name: Any, *, scatter_dimension: int = 0, axis_index_groups=None,
                 tiled: bool = False) -> Any:
    """Sum ``x`` over the lanes and give lane ``k`` block ``k`` along ``scatter_dimension``.

    Without ``tiled`` the dimension's size must equal the axis size and is removed; with
    ``tiled=True`` it must be a multiple and is divided by the axis size.

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> from fungrad import lax
        >>> fg.vmap(lambda v: lax.psum_scatter(v, 'i'), axis_name='i')(np.eye(3))
        Array([1., 1., 1.])
    """
    _check_groups("psum_scatter", axis_index_groups)
    name = _single("psum_scatter", axis_name)

    def scatter(leaf):
        sd = _axis_arg("psum_scatter", "scatter_dimension", scatter_dimension,
                       len(shape_of(leaf)), shape_of(leaf))
        _psum_scatter_abstract_eval(get_aval(leaf), axis_name=name, scatter_dimension=sd,
                                    tiled=tiled)  # eager calls check the shape here
        return psum_scatter_p.bind(leaf, axis_name=name, scatter_dimension=sd,
                                   tiled=bool(tiled))

    return tree_map(scatter, x)


# ---------------------------------------------------------------------------------------
# ppermute: lane dst receives lane src's value for each (src, dst); others receive zeros


def _ppermute_abstract_eval(x, *, axis_name, perm):
    size = _size("ppermute", axis_name)
    for src, dst in perm:
        if not (0 <= src < size and 0 <= dst < size):
            raise ValueError(f"lax.ppermute: perm pair ({src}, {dst}) is out of range for "
                             f"axis {axis_name!r} of size {size}")
    return x


ppermute_p = _collective("ppermute", _ppermute_abstract_eval, _name_param)


def _ppermute_collective(name, size, vals, dims, *, axis_name, perm):
    (x,), (d,) = vals, dims
    x = bdim_to_front(x, d, size)
    source = {dst: src for src, dst in perm}
    zero = None
    pieces = []
    for dst in range(size):
        if dst in source:
            pieces.append(slice_in_dim(x, source[dst], source[dst] + 1, axis=0))
            continue
        if zero is None:
            zero = zeros_like_aval(get_aval(x).update(shape=(1, *shape_of(x)[1:])))
        pieces.append(zero)
    return (pieces[0] if size == 1 else concatenate(pieces, 0)), 0


collective_rules[ppermute_p] = _ppermute_collective
defvectorized(ppermute_p)
deflinear(ppermute_p, lambda ct, x, *, axis_name, perm: [ppermute_p.bind(
    ct, axis_name=axis_name, perm=tuple((dst, src) for src, dst in perm))])


def ppermute(x: Any, axis_name: Any, perm) -> Any:
    """Send lane ``src``'s value of ``x`` (a pytree) to lane ``dst`` for each ``(src, dst)``.

    Lanes that are no pair's destination receive zeros. Each lane may appear at most once
    as a source and once as a destination.

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> from fungrad import lax
        >>> ring = [(0, 1), (1, 2), (2, 0)]
        >>> fg.vmap(lambda v: lax.ppermute(v, 'i', perm=ring), axis_name='i')(np.arange(1.0, 4.0))
        Array([3., 1., 2.])
    """
    name = _single("ppermute", axis_name)
    pairs = tuple((int(s), int(d)) for s, d in perm)
    for i, side in enumerate(("source", "destination")):
        seen = [p[i] for p in pairs]
        if len(set(seen)) != len(seen):
            raise ValueError(f"lax.ppermute: perm {list(pairs)} repeats a {side} lane; each "
                             "lane sends and receives at most once.")
    _ppermute_abstract_eval(None, axis_name=name, perm=pairs)  # checks the lanes' range
    return tree_map(lambda leaf: ppermute_p.bind(leaf, axis_name=name, perm=pairs), x)


# ---------------------------------------------------------------------------------------
# axis_index, axis_size


def _axis_index_abstract_eval(*, axis_name):
    _size("axis_index", axis_name)
    return ShapedArray((), np.dtype(np.int32), False)


axis_index_p = _collective("axis_index", _axis_index_abstract_eval, _name_param)
collective_rules[axis_index_p] = lambda name, size, vals, dims, *, axis_name: (
    iota(np.int32, size), 0)
# axis_index has no operands, so no batch trace ever sees it batched: the rule exists for
# the coverage table and binds it unchanged (a trace that does not own the name).
batching_rules[axis_index_p] = lambda vals, dims, **params: (axis_index_p.bind(**params), None)
defjvp_zero(axis_index_p)


def axis_index(axis_name: Any):
    """Return this lane's index (int32) along the named axis.

    For a tuple of names the index is row-major over them (the first name varies slowest).

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> from fungrad import lax
        >>> fg.vmap(lambda v: lax.axis_index('i'), axis_name='i')(np.arange(1.0, 4.0))
        Array([0, 1, 2], dtype=int32)
    """
    names = _names("axis_index", axis_name)
    index = None
    for n in names:
        _size("axis_index", n)
        i = axis_index_p.bind(axis_name=n)
        index = i if index is None else add(mul(index, np.int32(_size("axis_index", n))), i)
    return index


def axis_size(axis_name: Any) -> int:
    """Return the size of the named axis (the product of sizes for a tuple of names).

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> from fungrad import lax
        >>> fg.vmap(lambda v: v * lax.axis_size('i'), axis_name='i')(np.arange(1.0, 4.0))
        Array([3., 6., 9.])
    """
    size = 1
    for n in _names("axis_size", axis_name):
        size *= _size("axis_size", n)
    return size
