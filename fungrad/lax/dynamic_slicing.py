"""Dynamic slicing primitives: ``dynamic_slice`` and ``dynamic_update_slice``.

Both take one rank-0 integer start index per dimension as operands (so starts may be
traced) and static sizes. Like JAX, a negative start counts from the end once, and starts
are then clamped so that the slice stays in bounds. ``dynamic_update_slice`` never mutates
its operand: it writes into a copy. Under vmap with batched starts, both become a gather or
scatter (``fungrad.lax.gather_scatter``) that picks each example's window.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "dynamic_slice_p",
    "dynamic_slice",
    "dynamic_update_slice_p",
    "dynamic_update_slice",
]

from fungrad import core
from fungrad.core import Primitive, ShapedArray, get_aval
from fungrad.errors import ShapeError
from fungrad.interpreters.batching import batch_size, batching_rules, bdim_to_front, move_axis
from fungrad.interpreters.jvp import jvp_rules, zeros_like_aval
from fungrad.interpreters.linearize import deflinear_in_first, is_linear, transpose_rules
from fungrad.lax.comparison import convert_element_type, lt, select_n
from fungrad.lax.creation import broadcasted_iota
from fungrad.lax.elementwise import add
from fungrad.lax.elementwise import max as lax_max
from fungrad.lax.elementwise import min as lax_min
from fungrad.lax.gather_scatter import gather, scatter
from fungrad.lax.index_spec import (
    as_indexable,
    linear_jvp_skipping_indices,
    operand_aval,
    writable_copy,
    zeros_array,
)
from fungrad.lax.shape_ops import broadcast_in_dim

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
    operand = as_indexable(operand)
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


def dynamic_slice(operand, start_indices, slice_sizes, *, allow_negative_indices=True):
    """Slice of ``slice_sizes`` starting at (possibly traced) ``start_indices``.

    A negative start counts from the end (``start + dim``); then starts are clamped to
    ``[0, dim - size]`` so the slice stays in bounds, like JAX.

    Args:
        operand: the array to slice.
        start_indices: one rank-0 integer (array, scalar or tracer) per dimension.
        slice_sizes: static sizes, one per dimension.
        allow_negative_indices: True (JAX's default) lets a negative start count from the
            end; False treats starts as non-negative (a static negative start is an error,
            a traced one is clamped to 0). A bool, or one per dimension.

    Returns:
        The slice, of shape ``slice_sizes``.

    Example:
        >>> dynamic_slice(np.arange(5.0), [np.int64(4)], (2,))  # start clamped to 3
        array([3., 4.])
    """
    starts = _starts("dynamic_slice", start_indices, allow_negative_indices)
    return dynamic_slice_p.bind(operand, *starts, slice_sizes=tuple(int(k) for k in slice_sizes))


def check_start(fn: str, what: str, start) -> None:
    """A TypeError naming ``lax.fn`` for a float, complex or bool start index (JAX's rule):
    the eager impl would truncate it (or read True as 1), and only the abstract evaluation
    (under jit) checked."""
    dtype = get_aval(start).dtype
    if dtype.kind in "fcb":
        shown = start.aval.str_short() if isinstance(start, core.Tracer) else repr(start)
        raise TypeError(f"lax.{fn}: {what} must be an integer, got {shown} ({dtype}); pass "
                        "an int, or an integer array (.astype(int)).")


def _starts(fn: str, start_indices, allow_negative_indices) -> list:
    """Start indices for the primitives, which count negative starts from the end; where
    negative starts are not allowed, a static one is an error and a traced one is 0."""
    starts = [np.int64(s) if type(s) is int else s for s in start_indices]
    allow = (allow_negative_indices if isinstance(allow_negative_indices, (list, tuple))
             else [allow_negative_indices] * len(starts))
    if len(allow) != len(starts):
        raise ValueError(f"lax.{fn}: allow_negative_indices has {len(allow)} entries for "
                         f"{len(starts)} start indices; give a bool or one per dimension.")
    out = []
    for d, (s, ok) in enumerate(zip(starts, allow)):
        check_start(fn, f"start index {d}", s)
        if not ok:
            value = core.concrete_or_none(s)
            if value is not None and int(value) < 0:
                raise ValueError(f"lax.{fn}: start index {int(value)} of dimension {d} is "
                                 "negative and allow_negative_indices is False.")
            s = s if value is not None else lax_max(s, convert_element_type(0, get_aval(s).dtype))
        out.append(s)
    return out


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
    out = writable_copy(operand)
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


def dynamic_update_slice(operand, update, start_indices, *, allow_negative_indices=True):
    """Copy of ``operand`` with ``update`` written at (possibly traced) ``start_indices``.

    A negative start counts from the end (``start + dim``); then starts are clamped to
    ``[0, dim - update_dim]`` so the update stays in bounds, like JAX.

    Args:
        operand: the array to update (never mutated).
        update: the values to write; same rank and dtype as ``operand``.
        start_indices: one rank-0 integer (array, scalar or tracer) per dimension.
        allow_negative_indices: as for :func:`dynamic_slice`.

    Returns:
        The updated copy, of ``operand``'s shape.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.dynamic_update_slice(np.zeros((2, 4)), np.ones((1, 2)), (1, 2))
        array([[0., 0., 0., 0.],
               [0., 0., 1., 1.]])
    """
    starts = _starts("dynamic_update_slice", start_indices, allow_negative_indices)
    return dynamic_update_slice_p.bind(operand, update, *starts)


def _dynamic_update_slice_transpose(ct, operand, update, *starts):
    upd_shape = operand_aval(update).shape
    ct_dtype = get_aval(ct).dtype
    ct_op = (dynamic_update_slice(ct, zeros_array(upd_shape, ct_dtype), starts)
             if is_linear(operand) else None)
    ct_upd = dynamic_slice(ct, starts, upd_shape) if is_linear(update) else None
    return [ct_op, ct_upd] + [None] * len(starts)


dynamic_update_slice_p.def_impl(_dynamic_update_slice_impl)
dynamic_update_slice_p.def_abstract_eval(_dynamic_update_slice_abstract_eval)
dynamic_update_slice_p.linear = True
jvp_rules[dynamic_update_slice_p] = linear_jvp_skipping_indices(dynamic_update_slice_p)
transpose_rules[dynamic_update_slice_p] = _dynamic_update_slice_transpose

# ---------------------------------------------------------------------------------------
# Batching. Unbatched starts keep one slice primitive (the batch axis rides along in
# front); batched starts become one gather/scatter of each example's clamped window.


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
