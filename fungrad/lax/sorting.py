"""Sorting primitives, and the shifts and reversals along an axis that other rules share.

``sort`` and ``argsort`` order an operand along one dimension (stably, NaNs last, like
NumPy). The JVP of ``sort`` takes the tangent's elements in the sorted order: a
``take_along_axis`` of the tangent at ``argsort(x)``, which is one ``gather`` (so its
transpose, batching and higher derivatives are gather's). Cumulative and reduction rules
reuse ``shift_along`` (a gather too) and ``reverse_along`` (``rev``).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "sort_p",
    "sort",
    "argsort_p",
    "argsort",
    "sort_key_val",
]

from fungrad.array_module import get_array_module
from fungrad.core import Primitive, ShapedArray, shape_of
from fungrad.errors import ShapeError
from fungrad.interpreters.batching import defreducer
from fungrad.interpreters.jvp import Zero, defjvp_zero, jvp_rules
from fungrad.lax.comparison import select_n
from fungrad.lax.gather_scatter import take_along_axis
from fungrad.lax.shape_ops import broadcast_in_dim, rev


def _check_axis(name: str, x: ShapedArray, axis: int) -> None:
    if not 0 <= axis < x.ndim:
        raise ShapeError(f"{name}: axis {axis} is out of range for an operand of shape "
                         f"{x.shape}; pass 0 <= axis < {x.ndim}")


def _canonical_axis(axis: int, ndim: int) -> int:
    axis = int(axis)
    return axis + ndim if axis < 0 else axis


# ---------------------------------------------------------------------------------------
# Shifts and reversals along an axis


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
    moved = take_along_axis(x, idx, axis)
    return select_n(broadcast_in_dim(vacated, shape, (axis,)), moved, fill)


def reverse_along(x, axis: int):
    """Return ``x`` with its elements along ``axis`` in reverse order."""
    return rev(x, (axis,))


def _along(index: np.ndarray, shape, axis: int) -> np.ndarray:
    """A constant index array of ``shape``'s rank: ``index`` on ``axis``, size 1 elsewhere."""
    dims = [1] * len(shape)
    dims[axis] = len(index)
    return index.astype(np.int64).reshape(dims)


# ---------------------------------------------------------------------------------------
# argsort and sort (stable; NaNs sort last)

argsort_p = Primitive("argsort")
def _stable(xp) -> dict:
    # CuPy's sort and argsort are stable radix sorts and take no ``kind`` but None.
    return {"kind": "stable"} if xp is np else {}


def _argsort_impl(x, *, dimension, index_dtype):
    xp = get_array_module(x)
    return xp.argsort(x, axis=dimension, **_stable(xp)).astype(index_dtype, copy=False)


argsort_p.def_impl(_argsort_impl)


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

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.argsort(np.array([3.0, np.nan, 1.0, 2.0]))
        array([2, 3, 0, 1])
    """
    dimension = _canonical_axis(dimension, len(shape_of(x)))
    return argsort_p.bind(x, dimension=dimension, index_dtype=np.dtype(index_dtype))


sort_p = Primitive("sort")
sort_p.def_impl(lambda x, *, dimension: get_array_module(x).sort(
    x, axis=dimension, **_stable(get_array_module(x))))


def _sort_abstract_eval(x, *, dimension):
    _check_axis("sort", x, dimension)
    return x


sort_p.def_abstract_eval(_sort_abstract_eval)


def sort(operand, dimension: int = -1, is_stable: bool = True, num_keys: int = 1):
    """Sort ``operand`` along ``dimension`` in ascending order (stable; NaNs last).

    Args:
        operand: the array (rank >= 1), or a sequence of arrays of one shape: then all are
            permuted together, ordered by the first ``num_keys`` of them (the first is the
            primary key; later keys break its ties), and a tuple is returned, as in JAX.
        dimension: the axis to sort along (negative counts from the end).
        is_stable: accepted for JAX compatibility; fungrad's sort is always stable.
        num_keys: how many leading operands are sort keys (with a sequence operand).

    Returns:
        The sorted array (or tuple); its derivative moves each tangent with its element.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.sort(np.array([3.0, np.nan, 1.0, 2.0]))
        array([ 1.,  2.,  3., nan])
        >>> keys, values = lax.sort((np.array([2, 1, 2]), np.array([10.0, 20.0, 30.0])))
        >>> keys.tolist(), values.tolist()
        ([1, 2, 2], [20.0, 10.0, 30.0])
    """
    del is_stable  # always stable
    if isinstance(operand, (list, tuple)):
        return _sort_together(tuple(operand), dimension, num_keys)
    if num_keys != 1:
        raise ValueError(f"lax.sort: num_keys={num_keys} needs a sequence of operands (the "
                         "keys first); a single array is its own key (num_keys=1).")
    return sort_p.bind(operand, dimension=_canonical_axis(dimension, len(shape_of(operand))))


def sort_key_val(keys, values, dimension: int = -1, is_stable: bool = True) -> tuple:
    """Sort ``keys`` along ``dimension`` and permute ``values`` with them (JAX's shorthand
    for ``sort((keys, values), num_keys=1)``).

    Returns:
        ``(sorted_keys, values_in_that_order)``; stable, so equal keys keep their order.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> k, v = lax.sort_key_val(np.array([3, 1, 2]), np.array([10.0, 20.0, 30.0]))
        >>> k.tolist(), v.tolist()
        ([1, 2, 3], [20.0, 30.0, 10.0])
    """
    return sort((keys, values), dimension=dimension, is_stable=is_stable, num_keys=1)


def _sort_together(operands: tuple, dimension: int, num_keys: int) -> tuple:
    if not operands or not 1 <= num_keys <= len(operands):
        raise ValueError(f"lax.sort: num_keys={num_keys} must be between 1 and the number of "
                         f"operands ({len(operands)}).")
    shapes = [tuple(shape_of(x)) for x in operands]
    if len(set(shapes)) != 1 or not shapes[0]:
        raise ShapeError(f"lax.sort: the operands must have one shape of rank >= 1, got "
                         f"{shapes}.")
    axis = _canonical_axis(dimension, len(shapes[0]))
    # Stable sorts from the least significant key up: each keeps the earlier order on ties.
    order = argsort(operands[num_keys - 1], axis)
    for key in reversed(operands[:num_keys - 1]):
        order = take_along_axis(order, argsort(take_along_axis(key, order, axis), axis), axis)
    return tuple(take_along_axis(x, order, axis) for x in operands)


def _sort_jvp(primals, tangents, *, dimension):
    (x,), (t,) = primals, tangents
    ans = sort(x, dimension)
    if isinstance(t, Zero):
        return ans, Zero.like_primal(ans)
    # The sort permutation is piecewise constant in x, so the tangent just follows it.
    return ans, take_along_axis(t, argsort(x, dimension), dimension)


jvp_rules[sort_p] = _sort_jvp


# ---------------------------------------------------------------------------------------
# Batching rules

defreducer(sort_p, axes_param="dimension")
defreducer(argsort_p, axes_param="dimension")
