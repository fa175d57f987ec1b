"""Sorting primitives and the axis-wise gather they differentiate through.

``sort`` and ``argsort`` order an operand along one dimension (stably, NaNs last, like
NumPy). The JVP of ``sort`` takes the tangent's elements in the sorted order: that is
``gather_along_axis`` (``numpy.take_along_axis``), a primitive linear in its operand whose
transpose is ``scatter_add_along_axis``. Cumulative and reduction rules reuse them to shift
and reverse arrays along an axis.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "sort_p",
    "sort",
    "argsort_p",
    "argsort",
    "gather_along_axis_p",
    "gather_along_axis",
    "scatter_add_along_axis_p",
    "scatter_add_along_axis",
]

from fungrad.core import Primitive, ShapedArray, shape_of
from fungrad.errors import ShapeError
from fungrad.lax.comparison import select_n
from fungrad.lax.shape_ops import broadcast_in_dim
from fungrad.transforms.jvp import Zero, defjvp_zero, jvp_rules
from fungrad.transforms.linearize import deflinear_in_first


def _check_axis(name: str, x: ShapedArray, axis: int) -> None:
    if not 0 <= axis < x.ndim:
        raise ShapeError(f"{name}: axis {axis} is out of range for an operand of shape "
                         f"{x.shape}; pass 0 <= axis < {x.ndim}")


def _canonical_axis(axis: int, ndim: int) -> int:
    axis = int(axis)
    return axis + ndim if axis < 0 else axis


# ---------------------------------------------------------------------------------------
# gather_along_axis: out[..., i, ...] = x[..., idx[..., i, ...], ...]

gather_along_axis_p = Primitive("gather_along_axis")


def _gather_impl(x, idx, *, axis):
    return np.take_along_axis(x, idx, axis)


def _gather_abstract_eval(x, idx, *, axis):
    _check_axis("gather_along_axis", x, axis)
    ok = idx.ndim == x.ndim and all(
        i == axis or idx.shape[i] in (1, x.shape[i]) for i in range(x.ndim))
    if not ok:
        raise ShapeError(
            f"gather_along_axis: indices of shape {idx.shape} do not fit an operand of shape "
            f"{x.shape} along axis {axis}; indices need the operand's rank, and off the axis "
            "each dimension must equal the operand's or be 1")
    if idx.dtype.kind not in "iu":
        raise TypeError(f"fungrad gather_along_axis: indices must be integers, got {idx.dtype}")
    shape = tuple(idx.shape[i] if i == axis else x.shape[i] for i in range(x.ndim))
    return ShapedArray(shape, x.dtype, x.weak_type)


def gather_along_axis(x, idx, axis: int):
    """Take elements of ``x`` along ``axis`` at ``idx``, like ``numpy.take_along_axis``.

    Args:
        x: the operand (rank >= 1).
        idx: in-range integer indices of ``x``'s rank; off ``axis`` each dimension equals
            ``x``'s or is 1 (broadcast).
        axis: a non-negative axis of ``x``.

    Returns:
        An array shaped like ``x`` except along ``axis``, where it has ``idx``'s length.
    """
    return gather_along_axis_p.bind(x, idx, axis=int(axis))


gather_along_axis_p.def_impl(_gather_impl)
gather_along_axis_p.def_abstract_eval(_gather_abstract_eval)
deflinear_in_first(gather_along_axis_p, lambda ct, x, idx, *, axis: [
    scatter_add_along_axis(ct, idx, axis, x.aval.shape[axis]), None])

# ---------------------------------------------------------------------------------------
# scatter_add_along_axis: the transpose of gather_along_axis

scatter_add_along_axis_p = Primitive("scatter_add_along_axis")


def _scatter_add_impl(y, idx, *, axis, size):
    y = np.asarray(y)
    shape = list(y.shape)
    shape[axis] = size
    out = np.zeros(shape, y.dtype)
    positions = list(np.ogrid[tuple(slice(n) for n in y.shape)])
    positions[axis] = np.broadcast_to(idx, y.shape)
    np.add.at(out, tuple(positions), y)  # add.at accumulates repeated indices
    return out


def _scatter_add_abstract_eval(y, idx, *, axis, size):
    _check_axis("scatter_add_along_axis", y, axis)
    ok = idx.ndim == y.ndim and all(n in (1, y.shape[i]) for i, n in enumerate(idx.shape))
    if not ok or idx.shape[axis] != y.shape[axis]:
        raise ShapeError(
            f"scatter_add_along_axis: indices of shape {idx.shape} do not fit updates of "
            f"shape {y.shape}; indices need the updates' length along axis {axis}, and "
            "elsewhere each dimension must equal the updates' or be 1")
    shape = tuple(size if i == axis else n for i, n in enumerate(y.shape))
    return ShapedArray(shape, y.dtype, y.weak_type)


def scatter_add_along_axis(y, idx, axis: int, size: int):
    """Add ``y`` into zeros of length ``size`` along ``axis`` at ``idx`` (repeats accumulate).

    Args:
        y: the updates.
        idx: integer indices in ``[0, size)``, shaped like ``y`` (off ``axis`` dimensions may
            be 1).
        axis: a non-negative axis of ``y``.
        size: the output's length along ``axis``.

    Returns:
        An array shaped like ``y`` except ``size`` along ``axis``.
    """
    return scatter_add_along_axis_p.bind(y, idx, axis=int(axis), size=int(size))


scatter_add_along_axis_p.def_impl(_scatter_add_impl)
scatter_add_along_axis_p.def_abstract_eval(_scatter_add_abstract_eval)
deflinear_in_first(scatter_add_along_axis_p, lambda ct, y, idx, *, axis, size: [
    gather_along_axis(ct, idx, axis), None])

# ---------------------------------------------------------------------------------------
# Shifts and reversals along an axis, built on gather_along_axis


def positions_along(shape: tuple[int, ...], axis: int):
    """Return int64 indices along ``axis``, broadcast to ``shape`` (a constant)."""
    return broadcast_in_dim(np.arange(shape[axis], dtype=np.int64), shape, (axis,))


def shift_along(x, axis: int, offset: int, fill):
    """Return ``y`` with ``y[i] = x[i - offset]`` along ``axis``; ``fill`` where out of range.

    Args:
        x: the operand.
        axis: a non-negative axis of ``x``.
        offset: how far to move elements (positive: toward higher indices).
        fill: a rank-0 value of ``x``'s dtype for the vacated positions.
    """
    shape = shape_of(x)
    n = shape[axis]
    index = np.arange(n, dtype=np.int64) - offset
    vacated = (index < 0) | (index >= n)
    idx = _along(np.clip(index, 0, max(n - 1, 0)), shape, axis)
    moved = gather_along_axis(x, idx, axis)
    return select_n(broadcast_in_dim(vacated, shape, (axis,)), moved, fill)


def reverse_along(x, axis: int):
    """Return ``x`` with its elements along ``axis`` in reverse order."""
    shape = shape_of(x)
    return gather_along_axis(x, _along(np.arange(shape[axis] - 1, -1, -1), shape, axis), axis)


def _along(index: np.ndarray, shape, axis: int) -> np.ndarray:
    """A constant index array of ``shape``'s rank: ``index`` on ``axis``, size 1 elsewhere."""
    dims = [1] * len(shape)
    dims[axis] = len(index)
    return index.astype(np.int64).reshape(dims)


# ---------------------------------------------------------------------------------------
# argsort and sort (stable; NaNs sort last)

argsort_p = Primitive("argsort")
argsort_p.def_impl(lambda x, *, dimension, index_dtype:
                   np.argsort(x, axis=dimension, kind="stable").astype(index_dtype, copy=False))


def _argsort_abstract_eval(x, *, dimension, index_dtype):
    _check_axis("argsort", x, dimension)
    return ShapedArray(x.shape, index_dtype)


argsort_p.def_abstract_eval(_argsort_abstract_eval)
defjvp_zero(argsort_p)


def argsort(x, dimension: int = -1, index_dtype=np.int64):
    """Return the indices that stably sort ``x`` along ``dimension`` (NaNs last).

    Args:
        x: the operand (rank >= 1).
        dimension: the axis to sort along (negative counts from the end).
        index_dtype: integer dtype of the result.

    Returns:
        Integer indices shaped like ``x``.
    """
    dimension = _canonical_axis(dimension, len(shape_of(x)))
    return argsort_p.bind(x, dimension=dimension, index_dtype=np.dtype(index_dtype))


sort_p = Primitive("sort")
sort_p.def_impl(lambda x, *, dimension: np.sort(x, axis=dimension, kind="stable"))


def _sort_abstract_eval(x, *, dimension):
    _check_axis("sort", x, dimension)
    return x


sort_p.def_abstract_eval(_sort_abstract_eval)


def sort(x, dimension: int = -1):
    """Sort ``x`` along ``dimension`` in ascending order (stable; NaNs last).

    Args:
        x: the operand (rank >= 1).
        dimension: the axis to sort along (negative counts from the end).

    Returns:
        The sorted array; its derivative moves each tangent with its element.
    """
    return sort_p.bind(x, dimension=_canonical_axis(dimension, len(shape_of(x))))


def _sort_jvp(primals, tangents, *, dimension):
    (x,), (t,) = primals, tangents
    ans = sort(x, dimension)
    if isinstance(t, Zero):
        return ans, Zero.like_primal(ans)
    # The sort permutation is piecewise constant in x, so the tangent just follows it.
    return ans, gather_along_axis(t, argsort(x, dimension), dimension)


jvp_rules[sort_p] = _sort_jvp


# ---------------------------------------------------------------------------------------
# Batching rules

from fungrad.transforms.vmap import (  # noqa: E402
    batch_size,
    batching_rules,
    bdim_to_front,
    defreducer,
    move_axis,
)

defreducer(sort_p, axes_param="dimension")
defreducer(argsort_p, axes_param="dimension")


def _index_to_front(idx, d):
    """Batched indices get their batch axis first; unbatched ones a size-1 leading axis."""
    if d is not None:
        return move_axis(idx, d, 0)
    shape = shape_of(idx)
    return broadcast_in_dim(idx, (1, *shape), tuple(range(1, len(shape) + 1)))


def _along_axis_batch(prim: Primitive):
    """gather/scatter along an axis: batch axes first (indices broadcast as size 1)."""

    def rule(vals, dims, **params):
        (x, idx), (dx, di) = vals, dims
        x = bdim_to_front(x, dx, batch_size(vals, dims))
        params = {**params, "axis": params["axis"] + 1}
        return prim.bind(x, _index_to_front(idx, di), **params), 0

    return rule


batching_rules[gather_along_axis_p] = _along_axis_batch(gather_along_axis_p)
batching_rules[scatter_add_along_axis_p] = _along_axis_batch(scatter_add_along_axis_p)
