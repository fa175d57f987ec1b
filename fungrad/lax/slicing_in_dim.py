"""Slicing along one axis: dynamic_slice_in_dim, dynamic_update_slice_in_dim,
dynamic_index_in_dim, dynamic_update_index_in_dim and index_in_dim (JAX's conveniences over
the slicing primitives).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "dynamic_slice_in_dim",
    "dynamic_update_slice_in_dim",
    "dynamic_index_in_dim",
    "dynamic_update_index_in_dim",
    "index_in_dim",
]

from fungrad.core import concrete_or_none, is_literal, shape_of
from fungrad.lax.dynamic_slicing import check_start, dynamic_slice, dynamic_update_slice
from fungrad.lax.elementwise import max as lax_max
from fungrad.lax.shape_ops import expand_dims, slice_in_dim, squeeze


def _axis(fn: str, axis: int, shape) -> int:
    ndim = len(shape)
    if not -ndim <= axis < ndim:
        raise ValueError(f"lax.{fn}: axis={axis} is out of range for an operand of shape "
                         f"{shape}")
    return axis % ndim


def _start(fn: str, index, allow_negative_indices: bool, size: int):
    check_start(fn, "the start index", index)
    if type(index) is int or (is_literal(index) and not isinstance(index, np.ndarray)):
        index = np.int64(index)
    if allow_negative_indices:
        return index  # dynamic_slice counts negative starts from the end
    known = concrete_or_none(index)
    if known is not None and int(known) < 0:
        raise ValueError(f"lax.{fn}: index {int(known)} is out of bounds for an axis of size "
                         f"{size} with allow_negative_indices=False")
    return lax_max(index, index.dtype.type(0))  # a traced start: clamp as dynamic_slice does


def _starts(shape, axis: int, start):
    zero = np.zeros((), getattr(start, "dtype", np.int64))[()]
    return [start if d == axis else zero for d in range(len(shape))]


def dynamic_slice_in_dim(operand, start_index, slice_size: int, axis: int = 0, *,
                         allow_negative_indices: bool = True):
    """``slice_size`` elements from (possibly traced) ``start_index`` along ``axis``.

    The start is clamped so the slice stays in bounds; a negative start counts from the end
    unless ``allow_negative_indices=False`` (then a concrete negative start is an error and a
    traced one is clamped to 0).

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> from fungrad import lax
        >>> fg.jit(lambda i: lax.dynamic_slice_in_dim(np.arange(6.0), i, 2))(3)
        Array([3., 4.])
    """
    shape = shape_of(operand)
    axis = _axis("dynamic_slice_in_dim", axis, shape)
    sizes = [int(slice_size) if d == axis else n for d, n in enumerate(shape)]
    start = _start("dynamic_slice_in_dim", start_index, allow_negative_indices, shape[axis])
    return dynamic_slice(operand, _starts(shape, axis, start), sizes)


def dynamic_update_slice_in_dim(operand, update, start_index, axis: int, *,
                                allow_negative_indices: bool = True):
    """``operand`` with ``update`` written from (possibly traced) ``start_index`` on ``axis``.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.dynamic_update_slice_in_dim(np.zeros(5), np.ones(2), 1, axis=0)
        array([0., 1., 1., 0., 0.])
    """
    shape = shape_of(operand)
    axis = _axis("dynamic_update_slice_in_dim", axis, shape)
    start = _start("dynamic_update_slice_in_dim", start_index, allow_negative_indices,
                   shape[axis])
    return dynamic_update_slice(operand, update, _starts(shape, axis, start))


def dynamic_index_in_dim(operand, index, axis: int = 0, keepdims: bool = True, *,
                         allow_negative_indices: bool = True):
    """Element ``index`` (possibly traced) along ``axis``; ``keepdims=False`` drops the axis.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.dynamic_index_in_dim(np.arange(6.0).reshape(2, 3), 1, axis=1, keepdims=False)
        array([1., 4.])
    """
    axis = _axis("dynamic_index_in_dim", axis, shape_of(operand))
    out = dynamic_slice_in_dim(operand, index, 1, axis,
                               allow_negative_indices=allow_negative_indices)
    return out if keepdims else squeeze(out, (axis,))


def dynamic_update_index_in_dim(operand, update, index, axis: int, *,
                                allow_negative_indices: bool = True):
    """``operand`` with ``update`` written at (possibly traced) ``index`` along ``axis``.

    ``update`` has ``operand``'s shape with ``axis`` of size 1, or without ``axis``.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.dynamic_update_index_in_dim(np.zeros((3, 2)), np.ones(2), -1, axis=0)
        array([[0., 0.],
               [0., 0.],
               [1., 1.]])
    """
    shape = shape_of(operand)
    axis = _axis("dynamic_update_index_in_dim", axis, shape)
    if len(shape_of(update)) == len(shape) - 1:
        update = expand_dims(update, (axis,))
    return dynamic_update_slice_in_dim(operand, update, index, axis,
                                       allow_negative_indices=allow_negative_indices)


def index_in_dim(operand, index: int, axis: int = 0, keepdims: bool = True):
    """Element ``index`` (a static int; negative counts from the end) along ``axis``.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.index_in_dim(np.arange(6.0).reshape(2, 3), -1, axis=0)
        array([[3., 4., 5.]])
    """
    shape = shape_of(operand)
    axis = _axis("index_in_dim", axis, shape)
    n = shape[axis]
    if not -n <= index < n:
        raise IndexError(f"lax.index_in_dim: index {index} is out of bounds for axis {axis} "
                         f"of size {n} (shape {shape})")
    index %= n
    out = slice_in_dim(operand, index, index + 1, axis=axis)
    return out if keepdims else squeeze(out, (axis,))
