"""``lax.top_k``: the ``k`` largest entries along an axis and their indices; and
``approx_max_k`` / ``approx_min_k``, answered exactly.

A stable ``argsort`` of an order-reversing transform of the operand (negation for floats,
bitwise not for integers, which cannot overflow), sliced to ``k`` and gathered: ties keep
the lower index first, as in JAX, and the values' derivative is the gather's.
"""

from __future__ import annotations

import numpy as np

__all__ = ["top_k", "approx_max_k", "approx_min_k"]

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


def _approx_k(fn: str, operand, k: int, reduction_dimension: int, recall_target: float,
              aggregate_to_topk: bool, reverse: bool):
    if not 0 < recall_target <= 1:
        raise ValueError(f"lax.{fn}: recall_target={recall_target} must be in (0, 1]")
    shape = shape_of(operand)
    if not aggregate_to_topk and shape and -len(shape) <= reduction_dimension < len(shape):
        k = shape[reduction_dimension]  # every candidate, sorted, as JAX on CPU returns
    if not reverse:
        values, indices = top_k(operand, k, axis=reduction_dimension)
        return [values, indices]
    flip = bitwise_not if get_aval(operand).dtype.kind in "iub" else neg
    values, indices = top_k(flip(operand), k, axis=reduction_dimension)
    return [flip(values), indices]


def approx_max_k(operand, k: int, reduction_dimension: int = -1, recall_target: float = 0.95,
                 reduction_input_size_override: int = -1, aggregate_to_topk: bool = True):
    """The ``k`` largest entries along ``reduction_dimension`` and their (int32) indices.

    JAX's TPU algorithm trades recall for speed; ``recall_target`` is a lower bound on the
    recall, and fungrad's answer is exact (recall 1: ``top_k``'s). Ties keep the lower index
    first. ``reduction_input_size_override`` is accepted and ignored; with
    ``aggregate_to_topk=False`` every entry comes back, sorted (as JAX on CPU).

    Returns:
        ``[values, indices]`` (a list, as JAX's).

    Example:
        >>> import numpy as np
        >>> approx_max_k(np.array([1.0, 5.0, 3.0]), 2)
        [array([5., 3.]), array([1, 2], dtype=int32)]
    """
    del reduction_input_size_override
    return _approx_k("approx_max_k", operand, k, reduction_dimension, recall_target,
                     aggregate_to_topk, reverse=False)


def approx_min_k(operand, k: int, reduction_dimension: int = -1, recall_target: float = 0.95,
                 reduction_input_size_override: int = -1, aggregate_to_topk: bool = True):
    """The ``k`` smallest entries along ``reduction_dimension`` (ascending) and their indices.

    Exact, as :func:`approx_max_k` (whose arguments it takes).

    Example:
        >>> import numpy as np
        >>> approx_min_k(np.array([1.0, 5.0, 3.0]), 2)
        [array([1., 3.]), array([0, 2], dtype=int32)]
    """
    del reduction_input_size_override
    return _approx_k("approx_min_k", operand, k, reduction_dimension, recall_target,
                     aggregate_to_topk, reverse=True)
