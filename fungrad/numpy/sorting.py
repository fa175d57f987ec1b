"""Sorting in fungrad.numpy: sort, argsort and lexsort (stable, NaNs last), like
``jax.numpy``."""

from __future__ import annotations

import numpy as np

__all__ = ["sort", "argsort", "lexsort"]

from fungrad import lax
from fungrad.core import shape_of
from fungrad.lax.sorting import reverse_along
from fungrad.numpy.indexing import take_along_axis
from fungrad.numpy.promotion import as_operand
from fungrad.numpy.shape import normalize_axis


def _prepare(fn: str, a, axis, kind, order):
    """Flatten for ``axis=None`` and return ``(operand, non-negative axis)``."""
    if order is not None:
        raise NotImplementedError(f"fnp.{fn}: `order` (structured arrays) is not supported")
    del kind  # every sort is stable; the algorithm is not selectable
    a = as_operand(a)
    shape = shape_of(a)
    if axis is None:
        a = lax.reshape(a, (int(np.prod(shape, dtype=np.int64)),))
        return a, 0
    if shape == ():
        raise ValueError(f"fnp.{fn}: cannot sort a rank-0 array along axis {axis}; "
                         "pass axis=None or an array of rank >= 1")
    return a, normalize_axis(fn, axis, len(shape))


def sort(a, axis=-1, kind=None, order=None, *, stable: bool = True,
         descending: bool = False):
    """Sort ``a`` along ``axis`` (flattened if None); the gradient follows each element.

    Args:
        a: array-like input.
        axis: the axis to sort along, or None to sort the flattened array.
        kind, stable: accepted for NumPy compatibility; sorting is always stable.
        descending: sort from largest to smallest.

    Returns:
        The sorted array.

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> import fungrad.numpy as fnp
        >>> fnp.sort(np.array([[3.0, 1.0], [2.0, 5.0]]), axis=0)
        array([[2., 1.],
               [3., 5.]])
        >>> fg.grad(lambda x: fnp.sort(x)[0])(np.array([3.0, 1.0, 2.0]))
        Array([0., 1., 0.])
    """
    a, axis = _prepare("sort", a, axis, kind, order)
    ascending = lax.sort(a, axis)
    # Like JAX, equal elements (and so their gradients) come out in reverse order here.
    return reverse_along(ascending, axis) if descending else ascending


def argsort(a, axis=-1, kind=None, order=None, *, stable: bool = True,
            descending: bool = False, dtype=None):
    """Indices that stably sort ``a`` along ``axis`` (of the flattened array if None).

    Args:
        a: array-like input.
        axis: the axis to sort along, or None to sort the flattened array.
        kind, stable: accepted for NumPy compatibility; sorting is always stable.
        descending: order from largest to smallest; equal elements keep their order.
        dtype: integer dtype of the result (default int64).

    Returns:
        Integer indices shaped like ``a`` (1-D for ``axis=None``).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.argsort(np.array([3.0, 1.0, 2.0]))
        array([1, 2, 0])
        >>> fnp.argsort(np.array([3.0, 1.0, 2.0]), descending=True)
        array([0, 2, 1])
    """
    a, axis = _prepare("argsort", a, axis, kind, order)
    index_dtype = np.dtype(np.int64 if dtype is None else dtype)
    if not descending:
        return lax.argsort(a, axis, index_dtype)
    # Stable-sorting the reversed array and reversing that order gives descending values
    # with equal elements in their original order; n - 1 - i maps back to a's positions.
    flipped = reverse_along(lax.argsort(reverse_along(a, axis), axis, index_dtype), axis)
    last = index_dtype.type(shape_of(a)[axis] - 1)
    return lax.sub(last, flipped)


def lexsort(keys, axis: int = -1):
    """Indices that sort by several keys: the last key is the primary one, earlier keys
    break its ties (stably), like ``numpy.lexsort``.

    Args:
        keys: a sequence of arrays of one shape (or a 2-D array, one key per row).
        axis: the axis to sort along.

    Returns:
        int64 indices, shaped like each key.

    >>> lexsort((np.array([2, 1, 1]), np.array([0, 1, 0]))).tolist()
    [2, 0, 1]
    """
    keys = [as_operand(k) for k in keys]
    if not keys:
        raise TypeError("fnp.lexsort: need at least one key")
    shape = shape_of(keys[0])
    if any(shape_of(k) != shape for k in keys) or not shape:
        raise ValueError(f"fnp.lexsort: keys must be arrays of one shape and rank >= 1, got "
                         f"{[shape_of(k) for k in keys]}")
    axis = normalize_axis("lexsort", axis, len(shape))
    index_dtype = np.dtype(np.int64)
    # Stable sorts from the least significant key up: each keeps the earlier order on ties.
    order = lax.argsort(keys[0], axis, index_dtype)
    for key in keys[1:]:
        step = lax.argsort(take_along_axis(key, order, axis), axis, index_dtype)
        order = take_along_axis(order, step, axis)
    return order
