"""``lax.top_k``: the ``k`` largest entries along an axis and their indices.

A stable ``argsort`` of an order-reversing transform of the operand (negation for floats,
bitwise not for integers, which cannot overflow), sliced to ``k`` and gathered: ties keep
the lower index first, as in JAX, and the values' derivative is the gather's.
"""

from __future__ import annotations

import numpy as np

__all__ = ["top_k"]

from fungrad.core import get_aval, shape_of
from fungrad.lax.comparison import convert_element_type
from fungrad.lax.elementwise import bitwise_not, neg
from fungrad.lax.gather_scatter import take_along_axis
from fungrad.lax.shape_ops import slice_in_dim
from fungrad.lax.sorting import argsort


def top_k(operand, k: int, *, axis: int = -1):
    """Return ``(values, indices)`` of the ``k`` largest entries along ``axis``, descending.

    Args:
        operand: an array of rank >= 1 (float, integer or bool).
        k: how many entries to keep, ``0 <= k <= operand.shape[axis]``.
        axis: the axis to search (default the last).

    Returns:
        ``values`` (operand's dtype) and ``indices`` (int32), with ``axis`` of size ``k``.
        Differentiable in ``operand`` through ``values``.

    Example:
        >>> import numpy as np
        >>> top_k(np.array([1.0, 4.0, 2.0, 4.0]), 2)
        (array([4., 4.]), array([1, 3], dtype=int32))
    """
    shape = shape_of(operand)
    ndim = len(shape)
    if ndim == 0 or not -ndim <= axis < ndim:
        raise ValueError(f"lax.top_k: axis={axis} is out of range for an operand of shape "
                         f"{shape} (top_k needs rank >= 1)")
    axis %= ndim
    k = int(k)
    if not 0 <= k <= shape[axis]:
        raise ValueError(f"lax.top_k: k={k} must be between 0 and the size {shape[axis]} of "
                         f"axis {axis} (operand shape {shape})")
    dtype = get_aval(operand).dtype
    if dtype.kind in "iub":
        keys = bitwise_not(operand)
    else:
        keys = neg(operand)
    order = slice_in_dim(argsort(keys, axis, np.int64), 0, k, axis=axis)
    values = take_along_axis(operand, order, axis)
    return values, convert_element_type(order, np.int32)
