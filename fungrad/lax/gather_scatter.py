"""Indexing primitives: ``gather`` (``operand[index]``) and the scatter family.

Both take a static ``index_spec`` (see ``fungrad.lax.index_spec``) and the integer index
arrays it refers to as operands after the data operand(s), so indices may be traced.
Scatters never mutate their operand: they update a copy. Repeated indices accumulate in
``scatter_add``/``scatter_mul``/``scatter_min``/``scatter_max`` (``np.ufunc.at``); in
``scatter`` one of the repeated updates wins (the last one, with NumPy).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "gather_p",
    "gather",
    "index_take",
    "scatter_p",
    "scatter",
    "scatter_add_p",
    "scatter_add",
    "scatter_mul_p",
    "scatter_mul",
    "scatter_min_p",
    "scatter_min",
    "scatter_max_p",
    "scatter_max",
]

from fungrad import core
from fungrad.array_module import constant_like, get_array_module, scatter_at, to_host
from fungrad.core import Primitive, ShapedArray, get_aval
from fungrad.errors import ShapeError
from fungrad.interpreters.batching import batch_size, batching_rules, bdim_to_front, move_axis
from fungrad.interpreters.jvp import Zero, add_tangents, jvp_rules, zeros_like_aval
from fungrad.interpreters.linearize import deflinear_in_first, is_linear, transpose_rules
from fungrad.lax.comparison import convert_element_type, eq, select_n
from fungrad.lax.creation import broadcasted_iota
from fungrad.lax.elementwise import add, div, mul
from fungrad.lax.index_spec import (
    as_indexable,
    build_index,
    checked_indexed_shape,
    describe_index,
    indexed_shape,
    linear_jvp_skipping_indices,
    operand_aval,
    writable_copy,
    zeros_array,
)
from fungrad.lax.shape_ops import reshape, transpose

# ---------------------------------------------------------------------------------------
# gather: operand[index]

gather_p = Primitive("gather")


def _gather_impl(operand, *indices, index_spec):
    return as_indexable(operand)[build_index(index_spec, indices)]


def _gather_abstract_eval(operand, *indices, index_spec):
    shape = checked_indexed_shape("gather", operand, indices, index_spec)
    return ShapedArray(shape, operand.dtype, operand.weak_type)


def gather(operand, indices, index_spec):
    """``operand[index]`` for the NumPy index described by ``index_spec`` and ``indices``.

    Args:
        operand: the array to index.
        indices: the integer index arrays that ``("array", k)`` entries refer to.
        index_spec: the static index expression (see the module docstring).

    Returns:
        The indexed array, shaped by NumPy's basic and advanced indexing rules.

    Example:
        >>> gather(np.arange(6.0).reshape(2, 3), [np.array([2, 0])],
        ...        (("slice", None, None, -1), ("array", 0)))
        array([[5., 3.],
               [2., 0.]])
    """
    return gather_p.bind(operand, *indices, index_spec=tuple(index_spec))


def _gather_transpose(ct, operand, *indices, index_spec):
    # Repeated indices read one element several times, so their cotangents accumulate.
    zeros = zeros_like_aval(operand.aval)
    return [scatter_add(zeros, ct, indices, index_spec)] + [None] * len(indices)


gather_p.def_impl(_gather_impl)
gather_p.def_abstract_eval(_gather_abstract_eval)
deflinear_in_first(gather_p, _gather_transpose)


def take_along_axis(x, idx, axis: int):
    """``numpy.take_along_axis(x, idx, axis)`` as one gather, for rules written in lax.

    Every other axis is indexed by a constant iota, so the gather's transpose (a
    ``scatter_add``), batching and higher derivatives all come from ``gather`` itself.

    Args:
        x: the operand (rank >= 1).
        idx: in-range integer indices of ``x``'s rank; off ``axis`` each dimension equals
            ``x``'s or is 1 (broadcast).
        axis: a non-negative axis of ``x``.

    Returns:
        An array shaped like ``x`` except along ``axis``, where it has ``idx``'s length.

    Example:
        >>> take_along_axis(np.array([[10., 20., 30.]]), np.array([[2, 0]]), 1)
        array([[30., 10.]])
    """
    shape, idx_shape = core.shape_of(x), core.shape_of(idx)
    rank = len(shape)
    if len(idx_shape) != rank or not 0 <= axis < rank or any(
            d != axis and idx_shape[d] not in (1, n) for d, n in enumerate(shape)):
        raise ShapeError(
            f"take_along_axis: indices of shape {idx_shape} do not fit an operand of shape "
            f"{shape} along axis {axis}; pass 0 <= axis < {rank} and indices of the "
            "operand's rank whose other dimensions equal the operand's or are 1")
    grid = [idx if d == axis else np.arange(n, dtype=np.int64).reshape(
        (1,) * d + (n,) + (1,) * (rank - d - 1)) for d, n in enumerate(shape)]
    return gather(x, grid, tuple(("array", d) for d in range(rank)))


def index_take(src, idxs, axes):
    """``src`` indexed by one integer array per axis in ``axes`` (JAX's ``lax.index_take``).

    ``out[i, ...] = src[..., idxs[0][i] at axes[0], idxs[1][i] at axes[1], ...]``: the
    indexed axes become one leading axis of the indices' (broadcast) shape, followed by the
    other axes of ``src`` in order. Indices must be in bounds.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.index_take(np.arange(12).reshape(3, 4), (np.array([0, 2]),), (1,))
        array([[ 0,  4,  8],
               [ 2,  6, 10]])
    """
    shape = core.shape_of(src)
    idxs, axes = tuple(idxs), tuple(int(a) for a in axes)
    if len(idxs) != len(axes) or len(set(axes)) != len(axes) or any(
            not 0 <= a < len(shape) for a in axes):
        raise ShapeError(f"index_take: axes={axes} must be distinct axes of src (shape "
                         f"{shape}), one per index array ({len(idxs)} given)")
    rest = tuple(d for d in range(len(shape)) if d not in axes)
    order = axes + rest
    moved = src if order == tuple(range(len(shape))) else transpose(src, order)
    return gather(moved, list(idxs), tuple(("array", i) for i in range(len(idxs))))


# ---------------------------------------------------------------------------------------
# The scatters: a copy of operand with updates combined in at the index


def _scatter_primitive(name: str, combine) -> Primitive:
    """A scatter that applies ``combine(out, index, updates)`` to a copy of the operand."""
    prim = Primitive(name)

    def impl(operand, updates, *indices, index_spec):
        out = writable_copy(operand)
        combine(out, build_index(index_spec, indices), updates)
        return out

    def abstract_eval(operand, updates, *indices, index_spec):
        shape = checked_indexed_shape(name, operand, indices, index_spec)
        if updates.shape != shape:
            raise ShapeError(
                f"{name}: updates of shape {updates.shape} differ from the indexed shape "
                f"{shape} of an operand of shape {operand.shape} at index "
                f"{describe_index(index_spec, indices)}. fungrad.numpy's x.at[...] "
                "broadcasts updates for you.")
        dtype = core.check_same_dtypes(name, operand, updates)
        return ShapedArray(operand.shape, dtype, operand.weak_type and updates.weak_type)

    prim.def_impl(impl)
    prim.def_abstract_eval(abstract_eval)
    return prim


def _set_items(out, index, updates):
    out[index] = updates


scatter_p = _scatter_primitive("scatter", _set_items)
def _combine_at(ufunc: str):
    # np.<ufunc>.at on NumPy; cupyx.scatter_add/min/max on CuPy (see array_module.scatter_at)
    return lambda out, index, updates: scatter_at(get_array_module(out), ufunc, out, index,
                                                  updates)


scatter_add_p = _scatter_primitive("scatter_add", _combine_at("add"))
scatter_mul_p = _scatter_primitive("scatter_mul", _combine_at("multiply"))
scatter_min_p = _scatter_primitive("scatter_min", _combine_at("minimum"))
scatter_max_p = _scatter_primitive("scatter_max", _combine_at("maximum"))


def _bind_scatter(prim, operand, updates, indices, index_spec):
    return prim.bind(operand, updates, *indices, index_spec=tuple(index_spec))


def scatter(operand, updates, indices, index_spec):
    """Copy of ``operand`` with ``out[index] = updates`` (NumPy's ``__setitem__``).

    ``updates`` has exactly the indexed shape and ``operand``'s dtype. With repeated
    indices, one of the updates wins (the last, as in NumPy), and derivatives flow to that
    one only.

    Args:
        operand: the array to update (never mutated).
        updates: the values to write.
        indices: the integer index arrays that ``("array", k)`` entries refer to.
        index_spec: the static index expression (see the module docstring).

    Returns:
        The updated copy.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.scatter(np.zeros(4), np.array([5.0, 7.0]), [np.array([1, 3])], (('array', 0),))
        array([0., 5., 0., 7.])
    """
    return _bind_scatter(scatter_p, operand, updates, indices, index_spec)


def scatter_add(operand, updates, indices, index_spec):
    """Copy of ``operand`` with ``updates`` added at the index; repeated indices accumulate.

    Arguments are as for :func:`scatter`.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.scatter_add(np.zeros(4), np.ones(3), [np.array([0, 2, 2])], (('array', 0),))
        array([1., 0., 2., 0.])
    """
    return _bind_scatter(scatter_add_p, operand, updates, indices, index_spec)


def scatter_mul(operand, updates, indices, index_spec):
    """Copy of ``operand`` multiplied by ``updates`` at the index (repeats multiply).

    Arguments are as for :func:`scatter`. The derivative with respect to ``updates`` needs
    unique indices (as in JAX): with concrete repeated indices it raises
    NotImplementedError; with traced indices uniqueness is assumed, not checked.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.scatter_mul(np.ones(3), np.array([2.0, 3.0]), [np.array([1, 1])], (('array', 0),))
        array([1., 6., 1.])
    """
    return _bind_scatter(scatter_mul_p, operand, updates, indices, index_spec)


def scatter_min(operand, updates, indices, index_spec):
    """Copy of ``operand`` with ``out[index] = minimum(out[index], updates)``.

    Arguments are as for :func:`scatter`. Repeated indices are fine; the derivative at ties
    is split evenly among the tying operand element and updates.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> spec, indices = (('array', 0),), [np.array([0, 1, 1])]
        >>> lax.scatter_min(np.zeros(3), np.array([-1.0, 4.0, -2.0]), indices, spec)
        array([-1., -2.,  0.])
    """
    return _bind_scatter(scatter_min_p, operand, updates, indices, index_spec)


def scatter_max(operand, updates, indices, index_spec):
    """Copy of ``operand`` with ``out[index] = maximum(out[index], updates)``.

    Arguments are as for :func:`scatter`. Repeated indices are fine; the derivative at ties
    is split evenly among the tying operand element and updates.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> spec, indices = (('array', 0),), [np.array([0, 1, 1])]
        >>> lax.scatter_max(np.zeros(3), np.array([-1.0, 4.0, 2.0]), indices, spec)
        array([0., 4., 0.])
    """
    return _bind_scatter(scatter_max_p, operand, updates, indices, index_spec)


# scatter_add: linear jointly in operand and updates


def _scatter_add_transpose(ct, operand, updates, *indices, index_spec):
    ct_op = ct if is_linear(operand) else None
    ct_upd = gather(ct, indices, index_spec) if is_linear(updates) else None
    return [ct_op, ct_upd] + [None] * len(indices)


scatter_add_p.linear = True
jvp_rules[scatter_add_p] = linear_jvp_skipping_indices(scatter_add_p)
transpose_rules[scatter_add_p] = _scatter_add_transpose


# scatter (set): linear jointly; only the winning update of a repeated index gets a cotangent


def _winning_updates(operand_shape, updates_shape, indices, index_spec):
    """Boolean mask over updates: True for the update that ends up in the output."""
    ids = np.arange(int(np.prod(updates_shape, dtype=np.int64))).reshape(updates_shape)
    owners = scatter(np.full(operand_shape, -1, np.int64), ids, indices, index_spec)
    return eq(gather(owners, indices, index_spec), ids)


def _scatter_transpose(ct, operand, updates, *indices, index_spec):
    upd_shape = operand_aval(updates).shape
    ct_dtype = get_aval(ct).dtype
    ct_op = ct_upd = None
    if is_linear(operand):
        ct_op = scatter(ct, zeros_array(upd_shape, ct_dtype), indices, index_spec)
    if is_linear(updates):
        ct_upd = gather(ct, indices, index_spec)
        if indices:  # basic indexing never repeats an element
            wins = _winning_updates(operand_aval(operand).shape, upd_shape, indices, index_spec)
            ct_upd = select_n(wins, zeros_array(upd_shape, ct_dtype), ct_upd)
    return [ct_op, ct_upd] + [None] * len(indices)


scatter_p.linear = True
jvp_rules[scatter_p] = linear_jvp_skipping_indices(scatter_p)
transpose_rules[scatter_p] = _scatter_transpose


# scatter_mul: out = operand * P, where P is the product of the updates landing on each element


def _check_unique(operand, indices, index_spec) -> None:
    concrete = [core.concrete_or_none(i) for i in indices]
    if not indices or any(c is None for c in concrete):
        return  # basic indexing is injective; traced indices are assumed unique
    concrete = [to_host(c) for c in concrete]  # a check on the host: one small transfer
    shape = get_aval(operand).shape
    ones = np.ones(indexed_shape("scatter_mul", shape, index_spec,
                                 tuple(np.shape(c) for c in concrete)), np.int64)
    counts = scatter_add_p.impl(np.zeros(shape, np.int64), ones, *concrete,
                                index_spec=index_spec)
    if counts.size and counts.max() > 1:
        raise NotImplementedError(
            "scatter_mul (x.at[...].multiply/divide/power): the derivative with respect to the "
            "updates is implemented only for unique indices (as in JAX), and this index "
            "repeats elements. Combine repeated updates first (e.g. multiply them together) "
            "or differentiate with respect to x only.")


def _scatter_mul_jvp(primals, tangents, *, index_spec):
    operand, updates, *indices = primals
    t_op, t_upd = tangents[0], tangents[1]
    ans = scatter_mul(operand, updates, indices, index_spec)
    out = Zero.like_primal(ans)
    if not isinstance(t_op, Zero):
        dtype = get_aval(ans).dtype
        ones = constant_like(np.ones(get_aval(operand).shape, dtype), operand)
        factor = scatter_mul(ones, updates, indices, index_spec)
        out = mul(t_op, factor)
    if not isinstance(t_upd, Zero):
        _check_unique(operand, indices, index_spec)
        scaled = mul(t_upd, gather(operand, indices, index_spec))
        zeros = zeros_array(get_aval(ans).shape, get_aval(scaled).dtype)
        out = add_tangents(out, scatter_add(zeros, scaled, indices, index_spec))
    return ans, out


jvp_rules[scatter_mul_p] = _scatter_mul_jvp


# scatter_min / scatter_max: the tangent of the winner; ties (and repeats) split evenly


def _scatter_extremal_jvp(prim: Primitive):
    def rule(primals, tangents, *, index_spec):
        operand, updates, *indices = primals
        t_op, t_upd = tangents[0], tangents[1]
        ans = _bind_scatter(prim, operand, updates, indices, index_spec)
        aval = get_aval(ans)
        op_wins = eq(operand, ans)
        upd_wins = eq(updates, gather(ans, indices, index_spec))
        count = add(convert_element_type(op_wins, aval.dtype),
                    scatter_add(zeros_array(aval.shape, aval.dtype),
                                convert_element_type(upd_wins, aval.dtype), indices, index_spec))
        # Losers' tangents are selected away, not multiplied by 0 (inf * 0 is nan).
        out = Zero.like_primal(ans)
        if not isinstance(t_op, Zero):
            out = select_n(op_wins, zeros_like_aval(get_aval(t_op)), t_op)
        if not isinstance(t_upd, Zero):
            scaled = select_n(upd_wins, zeros_like_aval(get_aval(t_upd)), t_upd)
            zeros = zeros_array(aval.shape, get_aval(scaled).dtype)
            out = add_tangents(out, scatter_add(zeros, scaled, indices, index_spec))
        return ans, div(out, count)

    return rule


jvp_rules[scatter_min_p] = _scatter_extremal_jvp(scatter_min_p)
jvp_rules[scatter_max_p] = _scatter_extremal_jvp(scatter_max_p)

# ---------------------------------------------------------------------------------------
# Batching. Every rule stays one indexing primitive: a batched operand gets a leading full
# slice (or, when indices are batched too, a leading iota index array that pairs each
# example with its own indices); batched index arrays carry the batch axis in front of their
# broadcast shape. Where NumPy then places the batch axis is read off its own rules.


_FULL = ("slice", None, None, None)


def _marker_position(name, shape, spec, index_shapes) -> int:
    """Position in ``x[index]``'s shape of the one axis of size ``max + 1`` in the inputs.

    The dummy arrays are zero-strided, so the large marker size costs no memory.
    """
    return indexed_shape(name, shape, spec, index_shapes).index(
        max(d for s in (shape, *index_shapes) for d in s))


class _Batched:
    """A batched index expression: new index operands and spec, and the output layout.

    The operand (batch axis at 0 when ``operand_batched``) gets a leading full slice, or,
    when some index is batched, a leading iota index array pairing each example with its
    own indices; batched index arrays get the batch axis in front of their broadcast shape.
    NumPy may then put the advanced-index block elsewhere than in one example's result:
    ``perm`` (or None) transposes the batched result to the example's layout, with the
    batch axis at ``bdim``.
    """

    def __init__(self, name, operand, indices, *, operand_batched, dims, index_spec, size):
        example = core.shape_of(operand)[1:] if operand_batched else core.shape_of(operand)
        shapes = [core.shape_of(i) for i in indices]
        ex_shapes = [s[:d] + s[d + 1:] if d is not None else s
                     for s, d in zip(shapes, dims, strict=True)]
        self.perm, spec = None, tuple(index_spec)
        marker = max((size, *example, *(d for s in shapes for d in s))) + 1
        if all(d is None for d in dims):
            self.indices = list(indices)
            self.spec = ((_FULL,) if operand_batched else ()) + spec
            big = (marker, *example) if operand_batched else example
            self.bdim = _marker_position(name, big, self.spec, tuple(shapes))
            return
        block = np.broadcast_shapes(*ex_shapes)
        self.indices = [i if d is None else _batch_in_front(i, d, len(block))
                        for i, d in zip(indices, dims, strict=True)]
        if operand_batched:
            self.indices.append(broadcasted_iota(np.int64, (size, *(1,) * len(block)), 0))
            spec = (("array", len(self.indices) - 1), *spec)
        self.spec = spec
        new_shapes = [(marker, *block)] * len(self.indices)
        big = (marker, *example) if operand_batched else example
        start = _marker_position(name, big, spec, tuple(new_shapes))
        want = _marker_position(name, example, tuple(index_spec),
                                ((marker, *block),) * len(indices))
        self.bdim = want
        if start != want:
            rank = len(indexed_shape(name, big, spec, tuple(new_shapes)))
            moved = list(range(start, start + 1 + len(block)))
            rest = [a for a in range(rank) if a not in moved]
            self.perm = tuple(rest[:want] + moved + rest[want:])


def _batch_in_front(idx, d, rank):
    """Index array with its batch axis first, padded so its example axes right-align."""
    front = move_axis(idx, d, 0)
    shape = core.shape_of(front)
    return reshape(front, (shape[0], *(1,) * (rank + 1 - len(shape)), *shape[1:]))


def _gather_batch(vals, dims, *, index_spec):
    operand, *indices = vals
    size = batch_size(vals, dims)
    batched = dims[0] is not None
    if batched:
        operand = move_axis(operand, dims[0], 0)
    b = _Batched("gather", operand, indices, operand_batched=batched, dims=dims[1:],
                 index_spec=index_spec, size=size)
    out = gather(operand, b.indices, b.spec)
    return (out if b.perm is None else transpose(out, b.perm)), b.bdim


batching_rules[gather_p] = _gather_batch


def _scatter_batch(prim: Primitive):
    def rule(vals, dims, *, index_spec):
        operand, updates, *indices = vals
        size = batch_size(vals, dims)
        operand = bdim_to_front(operand, dims[0], size)
        b = _Batched(prim.name, operand, indices, operand_batched=True, dims=dims[2:],
                     index_spec=index_spec, size=size)
        updates = move_axis(bdim_to_front(updates, dims[1], size), 0, b.bdim)
        if b.perm is not None:
            updates = transpose(updates, tuple(int(a) for a in np.argsort(b.perm)))
        return prim.bind(operand, updates, *b.indices, index_spec=b.spec), 0

    return rule


for _p in (scatter_p, scatter_add_p, scatter_mul_p, scatter_min_p, scatter_max_p):
    batching_rules[_p] = _scatter_batch(_p)
