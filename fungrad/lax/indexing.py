"""Indexing primitives: dynamic_slice, dynamic_update_slice, gather and the scatter family.

``gather`` and the scatters express NumPy indexing directly rather than XLA's general
dimension numbers: a static, hashable ``index_spec`` describes the index expression, and the
integer index arrays are operands after the data operand(s), so indices may be traced.
``index_spec`` is a tuple whose entries are

* ``("int", i)``: a static integer index (negative counts from the end, like NumPy);
* ``("slice", start, stop, step)``: a basic slice (each field an int or None);
* ``("newaxis",)`` and ``("ellipsis",)``: ``None`` and ``...``;
* ``("array", k)``: the k-th index operand, an integer array (rank 0 allowed).

The impls rebuild the NumPy index tuple and apply it, so results follow NumPy's basic and
advanced indexing rules exactly (negative indices wrap; out-of-range ones raise IndexError).
Scatters never mutate their operand: they update a copy. Repeated indices accumulate in
``scatter_add``/``scatter_mul``/``scatter_min``/``scatter_max`` (``np.ufunc.at``); in
``scatter`` one of the repeated updates wins (the last one, with NumPy).
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = [
    "dynamic_slice_p",
    "dynamic_slice",
    "dynamic_update_slice_p",
    "dynamic_update_slice",
    "gather_p",
    "gather",
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
from fungrad.core import Primitive, ShapedArray, get_aval
from fungrad.errors import ShapeError
from fungrad.lax.comparison import convert_element_type, eq, select_n
from fungrad.lax.elementwise import add, div, mul
from fungrad.transforms.jvp import Zero, add_tangents, instantiate, jvp_rules, zeros_like_aval
from fungrad.transforms.linearize import deflinear_in_first, is_linear, transpose_rules

# ---------------------------------------------------------------------------------------
# Helpers shared by the family


def _as_array(x):
    """Rank-0 literals (Python or NumPy scalars) as arrays, so that they can be indexed."""
    return np.asarray(x) if core.is_literal(x) else x


def _writable_copy(x):
    """A fresh, writable copy of ``x``: scatters update it and never touch their input."""
    return x.copy() if isinstance(x, np.ndarray) or not core.is_literal(x) else np.array(x)


def _aval(x) -> ShapedArray:
    """The abstract value of a transpose-rule operand, linear or not."""
    return x.aval if is_linear(x) else get_aval(x)


def _zeros(shape, dtype):
    return zeros_like_aval(ShapedArray(shape, dtype))


def _linear_jvp_skipping_indices(prim: Primitive):
    """JVP of a primitive linear jointly in operands 0 and 1 (the rest are indices)."""

    def rule(primals, tangents, **params):
        ans = prim.bind(*primals, **params)
        t_op, t_upd = tangents[0], tangents[1]
        if isinstance(t_op, Zero) and isinstance(t_upd, Zero):
            return ans, Zero.like_primal(ans)
        ts = instantiate(t_op, primals[0]), instantiate(t_upd, primals[1])
        return ans, prim.bind(*ts, *primals[2:], **params)

    return rule


# ---------------------------------------------------------------------------------------
# dynamic_slice: operand[s0:s0+k0, s1:s1+k1, ...] with traced starts, clamped in bounds


def _check_starts(name: str, operand: ShapedArray, starts) -> None:
    if len(starts) != operand.ndim:
        raise ShapeError(f"{name}: got {len(starts)} start indices for an operand of shape "
                         f"{operand.shape}; pass one rank-0 integer per dimension.")
    for i, s in enumerate(starts):
        if s.shape != () or s.dtype.kind not in "iu":
            raise ShapeError(f"{name}: start index {i} must be a rank-0 integer, got "
                             f"{s.str_short()}")


def _clamped_slices(shape, starts, sizes) -> tuple:
    """Slices of ``sizes`` at ``starts``: a negative start counts from the end (once), then
    each start is clamped so that the slice stays in bounds (JAX's semantics)."""
    out = []
    for start, n, k in zip(starts, shape, sizes, strict=True):
        s = int(start)
        begin = min(max(s + n if s < 0 else s, 0), n - k)
        out.append(slice(begin, begin + k))
    return tuple(out)


dynamic_slice_p = Primitive("dynamic_slice")


def _fits(shape, starts, sizes) -> bool:
    """Cheap eager check (NumPy slicing would silently truncate a bad request)."""
    return len(starts) == len(shape) == len(sizes) and all(
        0 <= k <= n for k, n in zip(sizes, shape, strict=True))


def _dynamic_slice_impl(operand, *starts, slice_sizes):
    operand = _as_array(operand)
    if not _fits(operand.shape, starts, slice_sizes):
        _dynamic_slice_abstract_eval(get_aval(operand), *map(get_aval, starts),
                                     slice_sizes=slice_sizes)
    return operand[_clamped_slices(operand.shape, starts, slice_sizes)]


def _dynamic_slice_abstract_eval(operand, *starts, slice_sizes):
    _check_starts("dynamic_slice", operand, starts)
    if len(slice_sizes) != operand.ndim or any(
            not 0 <= k <= n for k, n in zip(slice_sizes, operand.shape, strict=True)):
        raise ShapeError(f"dynamic_slice: slice_sizes {slice_sizes} do not fit an operand of "
                         f"shape {operand.shape} (one size per dimension, 0 <= size <= dim).")
    return ShapedArray(slice_sizes, operand.dtype, operand.weak_type)


def dynamic_slice(operand, start_indices, slice_sizes):
    """Slice of ``slice_sizes`` starting at (possibly traced) ``start_indices``.

    A negative start counts from the end (``start + dim``); then starts are clamped to
    ``[0, dim - size]`` so the slice stays in bounds, like JAX.

    Args:
        operand: the array to slice.
        start_indices: one rank-0 integer (array, scalar or tracer) per dimension.
        slice_sizes: static sizes, one per dimension.

    Returns:
        The slice, of shape ``slice_sizes``.

    Example:
        >>> dynamic_slice(np.arange(5.0), [np.int64(4)], (2,))  # start clamped to 3
        array([3., 4.])
    """
    starts = [np.int64(s) if type(s) is int else s for s in start_indices]
    return dynamic_slice_p.bind(operand, *starts, slice_sizes=tuple(int(k) for k in slice_sizes))


def _dynamic_slice_transpose(ct, operand, *starts, slice_sizes):
    zeros = zeros_like_aval(operand.aval)
    return [dynamic_update_slice(zeros, ct, starts)] + [None] * len(starts)


dynamic_slice_p.def_impl(_dynamic_slice_impl)
dynamic_slice_p.def_abstract_eval(_dynamic_slice_abstract_eval)
deflinear_in_first(dynamic_slice_p, _dynamic_slice_transpose)

# ---------------------------------------------------------------------------------------
# dynamic_update_slice: a copy of operand with ``update`` written at (clamped) starts

dynamic_update_slice_p = Primitive("dynamic_update_slice")


def _dynamic_update_slice_impl(operand, update, *starts):
    out = _writable_copy(operand)
    if not _fits(out.shape, starts, core.shape_of(update)):
        _dynamic_update_slice_abstract_eval(get_aval(out), get_aval(update),
                                            *map(get_aval, starts))
    out[_clamped_slices(out.shape, starts, core.shape_of(update))] = update
    return out


def _dynamic_update_slice_abstract_eval(operand, update, *starts):
    _check_starts("dynamic_update_slice", operand, starts)
    if update.ndim != operand.ndim or any(
            k > n for k, n in zip(update.shape, operand.shape, strict=True)):
        raise ShapeError(f"dynamic_update_slice: update of shape {update.shape} does not fit "
                         f"in an operand of shape {operand.shape} (same rank, no larger dims).")
    dtype = core.check_same_dtypes("dynamic_update_slice", operand, update)
    return ShapedArray(operand.shape, dtype, operand.weak_type and update.weak_type)


def dynamic_update_slice(operand, update, start_indices):
    """Copy of ``operand`` with ``update`` written at (possibly traced) ``start_indices``.

    A negative start counts from the end (``start + dim``); then starts are clamped to
    ``[0, dim - update_dim]`` so the update stays in bounds, like JAX.

    Args:
        operand: the array to update (never mutated).
        update: the values to write; same rank and dtype as ``operand``.
        start_indices: one rank-0 integer (array, scalar or tracer) per dimension.

    Returns:
        The updated copy, of ``operand``'s shape.
    """
    starts = [np.int64(s) if type(s) is int else s for s in start_indices]
    return dynamic_update_slice_p.bind(operand, update, *starts)


def _dynamic_update_slice_transpose(ct, operand, update, *starts):
    upd_shape = _aval(update).shape
    ct_dtype = get_aval(ct).dtype
    ct_op = (dynamic_update_slice(ct, _zeros(upd_shape, ct_dtype), starts)
             if is_linear(operand) else None)
    ct_upd = dynamic_slice(ct, starts, upd_shape) if is_linear(update) else None
    return [ct_op, ct_upd] + [None] * len(starts)


dynamic_update_slice_p.def_impl(_dynamic_update_slice_impl)
dynamic_update_slice_p.def_abstract_eval(_dynamic_update_slice_abstract_eval)
dynamic_update_slice_p.linear = True
jvp_rules[dynamic_update_slice_p] = _linear_jvp_skipping_indices(dynamic_update_slice_p)
transpose_rules[dynamic_update_slice_p] = _dynamic_update_slice_transpose

# ---------------------------------------------------------------------------------------
# index_spec: the static description of a NumPy index expression


def build_index(index_spec: tuple, indices) -> tuple:
    """Rebuild the NumPy index tuple described by ``index_spec`` and its index operands."""
    out = []
    for entry in index_spec:
        kind = entry[0]
        if kind == "array":
            out.append(indices[entry[1]])
        elif kind == "int":
            out.append(entry[1])
        elif kind == "slice":
            out.append(slice(*entry[1:]))
        else:
            out.append(None if kind == "newaxis" else Ellipsis)
    return tuple(out)


def describe_index(index_spec: tuple, index_avals) -> str:
    """Render ``index_spec`` readably, e.g. ``[1:, ::-1, None, i64[3]]``."""
    parts = []
    for entry in index_spec:
        kind = entry[0]
        if kind == "array":
            parts.append(index_avals[entry[1]].str_short())
        elif kind == "int":
            parts.append(str(entry[1]))
        elif kind == "slice":
            start, stop, step = ("" if v is None else str(v) for v in entry[1:])
            parts.append(f"{start}:{stop}" + (f":{step}" if step else ""))
        else:
            parts.append("None" if kind == "newaxis" else "...")
    return "[" + ", ".join(parts) + "]"


_SPEC_ARITY = {"int": 2, "slice": 4, "newaxis": 1, "ellipsis": 1, "array": 2}


def _check_index_spec(name: str, index_spec, indices) -> None:
    if not isinstance(index_spec, tuple) or not all(
            isinstance(e, tuple) and e and _SPEC_ARITY.get(e[0]) == len(e) for e in index_spec):
        raise TypeError(f"fungrad {name}: index_spec {index_spec!r} is malformed; see the "
                        "fungrad.lax.indexing module docstring for its entries.")
    used = sorted(e[1] for e in index_spec if e[0] == "array")
    if used != list(range(len(indices))):
        raise TypeError(f"fungrad {name}: index_spec {index_spec} refers to index operands "
                        f"{used}, but {len(indices)} were given (each must be used once).")
    for i, aval in enumerate(indices):
        if aval.dtype.kind not in "iu":
            raise TypeError(f"fungrad {name}: index operand {i} has dtype {aval.dtype}; index "
                            "arrays must be integers (fungrad.numpy converts boolean masks).")


@functools.lru_cache(maxsize=4096)
def indexed_shape(name: str, shape: tuple, index_spec: tuple, index_shapes: tuple) -> tuple:
    """The shape of ``x[index]`` for ``x`` of ``shape``, by NumPy's own rules.

    Indexes a zero-strided dummy (no memory per element) with zero index arrays.
    """
    dummy = np.lib.stride_tricks.as_strided(np.zeros(1, np.int8), shape, (0,) * len(shape))
    zero = np.zeros(1, np.intp)
    fake = [np.lib.stride_tricks.as_strided(zero, s, (0,) * len(s)) for s in index_shapes]
    try:
        return dummy[build_index(index_spec, fake)].shape
    except (IndexError, ValueError, TypeError) as err:
        avals = [ShapedArray(s, np.intp) for s in index_shapes]
        raise ShapeError(f"{name}: index {describe_index(index_spec, avals)} is invalid for an "
                         f"operand of shape {shape}: {err}") from None


def _indexed_aval(name: str, operand: ShapedArray, indices, index_spec) -> tuple:
    _check_index_spec(name, index_spec, indices)
    return indexed_shape(name, operand.shape, index_spec, tuple(i.shape for i in indices))


# ---------------------------------------------------------------------------------------
# gather: operand[index]

gather_p = Primitive("gather")


def _gather_impl(operand, *indices, index_spec):
    return _as_array(operand)[build_index(index_spec, indices)]


def _gather_abstract_eval(operand, *indices, index_spec):
    shape = _indexed_aval("gather", operand, indices, index_spec)
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

# ---------------------------------------------------------------------------------------
# The scatters: a copy of operand with updates combined in at the index


def _scatter_primitive(name: str, combine) -> Primitive:
    """A scatter that applies ``combine(out, index, updates)`` to a copy of the operand."""
    prim = Primitive(name)

    def impl(operand, updates, *indices, index_spec):
        out = _writable_copy(operand)
        combine(out, build_index(index_spec, indices), updates)
        return out

    def abstract_eval(operand, updates, *indices, index_spec):
        shape = _indexed_aval(name, operand, indices, index_spec)
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
scatter_add_p = _scatter_primitive("scatter_add", np.add.at)
scatter_mul_p = _scatter_primitive("scatter_mul", np.multiply.at)
scatter_min_p = _scatter_primitive("scatter_min", np.minimum.at)
scatter_max_p = _scatter_primitive("scatter_max", np.maximum.at)


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
    """
    return _bind_scatter(scatter_p, operand, updates, indices, index_spec)


def scatter_add(operand, updates, indices, index_spec):
    """Copy of ``operand`` with ``updates`` added at the index; repeated indices accumulate.

    Arguments are as for :func:`scatter`.
    """
    return _bind_scatter(scatter_add_p, operand, updates, indices, index_spec)


def scatter_mul(operand, updates, indices, index_spec):
    """Copy of ``operand`` multiplied by ``updates`` at the index (repeats multiply).

    Arguments are as for :func:`scatter`. The derivative with respect to ``updates`` needs
    unique indices (as in JAX): with concrete repeated indices it raises
    NotImplementedError; with traced indices uniqueness is assumed, not checked.
    """
    return _bind_scatter(scatter_mul_p, operand, updates, indices, index_spec)


def scatter_min(operand, updates, indices, index_spec):
    """Copy of ``operand`` with ``out[index] = minimum(out[index], updates)``.

    Arguments are as for :func:`scatter`. Repeated indices are fine; the derivative at ties
    is split evenly among the tying operand element and updates.
    """
    return _bind_scatter(scatter_min_p, operand, updates, indices, index_spec)


def scatter_max(operand, updates, indices, index_spec):
    """Copy of ``operand`` with ``out[index] = maximum(out[index], updates)``.

    Arguments are as for :func:`scatter`. Repeated indices are fine; the derivative at ties
    is split evenly among the tying operand element and updates.
    """
    return _bind_scatter(scatter_max_p, operand, updates, indices, index_spec)


# scatter_add: linear jointly in operand and updates


def _scatter_add_transpose(ct, operand, updates, *indices, index_spec):
    ct_op = ct if is_linear(operand) else None
    ct_upd = gather(ct, indices, index_spec) if is_linear(updates) else None
    return [ct_op, ct_upd] + [None] * len(indices)


scatter_add_p.linear = True
jvp_rules[scatter_add_p] = _linear_jvp_skipping_indices(scatter_add_p)
transpose_rules[scatter_add_p] = _scatter_add_transpose


# scatter (set): linear jointly; only the winning update of a repeated index gets a cotangent


def _winning_updates(operand_shape, updates_shape, indices, index_spec):
    """Boolean mask over updates: True for the update that ends up in the output."""
    ids = np.arange(int(np.prod(updates_shape, dtype=np.int64))).reshape(updates_shape)
    owners = scatter(np.full(operand_shape, -1, np.int64), ids, indices, index_spec)
    return eq(gather(owners, indices, index_spec), ids)


def _scatter_transpose(ct, operand, updates, *indices, index_spec):
    upd_shape = _aval(updates).shape
    ct_dtype = get_aval(ct).dtype
    ct_op = ct_upd = None
    if is_linear(operand):
        ct_op = scatter(ct, _zeros(upd_shape, ct_dtype), indices, index_spec)
    if is_linear(updates):
        ct_upd = gather(ct, indices, index_spec)
        if indices:  # basic indexing never repeats an element
            wins = _winning_updates(_aval(operand).shape, upd_shape, indices, index_spec)
            ct_upd = select_n(wins, _zeros(upd_shape, ct_dtype), ct_upd)
    return [ct_op, ct_upd] + [None] * len(indices)


scatter_p.linear = True
jvp_rules[scatter_p] = _linear_jvp_skipping_indices(scatter_p)
transpose_rules[scatter_p] = _scatter_transpose


# scatter_mul: out = operand * P, where P is the product of the updates landing on each element


def _check_unique(operand, indices, index_spec) -> None:
    concrete = [core.concrete_or_none(i) for i in indices]
    if not indices or any(c is None for c in concrete):
        return  # basic indexing is injective; traced indices are assumed unique
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
        factor = scatter_mul(np.ones(get_aval(operand).shape, dtype), updates, indices,
                             index_spec)
        out = mul(t_op, factor)
    if not isinstance(t_upd, Zero):
        _check_unique(operand, indices, index_spec)
        scaled = mul(t_upd, gather(operand, indices, index_spec))
        zeros = _zeros(get_aval(ans).shape, get_aval(scaled).dtype)
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
        op_wins = convert_element_type(eq(operand, ans), aval.dtype)
        upd_wins = convert_element_type(eq(updates, gather(ans, indices, index_spec)),
                                        aval.dtype)
        count = add(op_wins, scatter_add(_zeros(aval.shape, aval.dtype), upd_wins, indices,
                                         index_spec))
        out = Zero.like_primal(ans)
        if not isinstance(t_op, Zero):
            out = mul(t_op, op_wins)
        if not isinstance(t_upd, Zero):
            scaled = mul(t_upd, upd_wins)
            zeros = _zeros(aval.shape, get_aval(scaled).dtype)
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

from fungrad.lax.comparison import lt  # noqa: E402
from fungrad.lax.creation import broadcasted_iota  # noqa: E402
from fungrad.lax.elementwise import max as lax_max  # noqa: E402
from fungrad.lax.elementwise import min as lax_min  # noqa: E402
from fungrad.lax.shape_ops import broadcast_in_dim, reshape, transpose  # noqa: E402
from fungrad.transforms.vmap import batch_size, batching_rules, bdim_to_front, move_axis  # noqa: E402

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


def _batched_slice_indices(starts, dims, shape, sizes, size):
    """Index arrays selecting each example's clamped window (the batch axis first).

    Index array ``i`` has shape ``(size, 1, ..., sizes[i], ..., 1)``, so together they
    broadcast to ``(size, *sizes)``.
    """
    out = []
    for axis, (start, d, n, k) in enumerate(zip(starts, dims, shape, sizes, strict=True)):
        full = (size, *(k if a == axis else 1 for a in range(len(shape))))
        s = broadcast_in_dim(convert_element_type(start, np.int64), full,
                             (0,) if d is not None else ())
        s = select_n(lt(s, np.int64(0)), s, add(s, np.int64(n)))  # negative: from the end
        s = lax_min(lax_max(s, np.int64(0)), np.int64(n - k))
        out.append(add(s, broadcasted_iota(np.int64, full, axis + 1)))
    return out


def _dynamic_slice_batch(vals, dims, *, slice_sizes):
    operand, *starts = vals
    size = batch_size(vals, dims)
    if all(d is None for d in dims[1:]):
        operand = move_axis(operand, dims[0], 0)
        return dynamic_slice(operand, [np.int64(0), *starts], (size, *slice_sizes)), 0
    shape = core.shape_of(operand)
    if dims[0] is not None:
        shape = shape[: dims[0]] + shape[dims[0] + 1:]
        operand = move_axis(operand, dims[0], 0)
    indices = _batched_slice_indices(starts, dims[1:], shape, slice_sizes, size)
    spec = tuple(("array", i) for i in range(len(indices)))
    if dims[0] is not None:
        indices.append(broadcasted_iota(np.int64, (size, *(1,) * len(shape)), 0))
        spec = (("array", len(indices) - 1),) + spec
    return gather(operand, indices, spec), 0


batching_rules[dynamic_slice_p] = _dynamic_slice_batch


def _dynamic_update_slice_batch(vals, dims):
    operand, update, *starts = vals
    size = batch_size(vals, dims)
    operand = bdim_to_front(operand, dims[0], size)
    update = bdim_to_front(update, dims[1], size)
    if all(d is None for d in dims[2:]):
        return dynamic_update_slice(operand, update, [np.int64(0), *starts]), 0
    shape, upd_shape = core.shape_of(operand)[1:], core.shape_of(update)[1:]
    indices = _batched_slice_indices(starts, dims[2:], shape, upd_shape, size)
    indices.append(broadcasted_iota(np.int64, (size, *(1,) * len(shape)), 0))
    spec = (("array", len(indices) - 1),) + tuple(("array", i) for i in range(len(shape)))
    return scatter(operand, update, indices, spec), 0


batching_rules[dynamic_update_slice_p] = _dynamic_update_slice_batch
