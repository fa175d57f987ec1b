"""Sorting in fungrad.numpy: sort, argsort and lexsort (stable, NaNs last), partition and
argpartition, and sort_complex, like ``jax.numpy``."""

from __future__ import annotations

import numpy as np

__all__ = ["sort", "argsort", "lexsort", "partition", "argpartition", "sort_complex"]

from fungrad import lax
from fungrad.core import get_aval, shape_of
from fungrad.lax.sorting import reverse_along
from fungrad.numpy.indexing import take_along_axis
from fungrad.numpy.promotion import as_operand, to_dtype
from fungrad.numpy.reshaping import static_int
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


def _kth(fn: str, a, kth, axis: int):
    """``a``, the non-negative axis and ``kth`` checked against its length."""
    a = as_operand(a)
    if shape_of(a) == ():
        raise ValueError(f"fnp.{fn}: a rank-0 array cannot be partitioned; pass an array of "
                         "rank >= 1")
    axis = normalize_axis(fn, axis, len(shape_of(a)))
    n = shape_of(a)[axis]
    k = static_int(fn, "kth", kth, strict=True)
    if not -n <= k < n:
        raise ValueError(f"fnp.{fn}: kth={k} is out of range for axis {axis} of length {n}")
    return a, axis


def partition(a, kth: int, axis: int = -1):
    """``a`` rearranged along ``axis`` so that the element at position ``kth`` is the one a
    sort would put there, with no larger element before it and no smaller one after.

    fungrad returns the sorted array, which satisfies this (NumPy and JAX leave the order
    within each side unspecified); the gradient follows each element.

    Args:
        a: an array of rank >= 1.
        kth: the position (a static int; negative counts from the end).
        axis: the axis to partition along.

    Returns:
        An array shaped like ``a``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.partition(np.array([5.0, 1.0, 4.0, 2.0]), 1)[1].item()
        2.0
    """
    a, axis = _kth("partition", a, kth, axis)
    return lax.sort(a, axis)


def argpartition(a, kth: int, axis: int = -1):
    """The indices that would partition ``a`` at ``kth`` along ``axis`` (see
    :func:`partition`; fungrad's are those of a stable sort).

    Args:
        a: an array of rank >= 1.
        kth: the position (a static int; negative counts from the end).
        axis: the axis to partition along.

    Returns:
        int64 indices shaped like ``a``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.argpartition(np.array([5.0, 1.0, 4.0, 2.0]), 1)[1].item()
        3
    """
    a, axis = _kth("argpartition", a, kth, axis)
    return lax.argsort(a, axis, np.dtype(np.int64))


def sort_complex(a):
    """``a`` sorted along its last axis by real part, then imaginary part, as complex.

    Args:
        a: an array of rank >= 1 (real input becomes complex).

    Returns:
        A complex array shaped like ``a``; the gradient follows each element.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.sort_complex(np.array([1 + 2j, 1 - 1j, 3 + 0j])).tolist()
        [(1-1j), (1+2j), (3+0j)]
    """
    a = as_operand(a)
    dtype = np.dtype(get_aval(a).dtype)
    a = to_dtype(a, np.result_type(dtype, np.complex64))  # NumPy's: int8 -> complex64
    axis = len(shape_of(a)) - 1
    if axis < 0:
        raise ValueError("fnp.sort_complex: a must have rank >= 1")
    order = lexsort((lax.imag(a), lax.real(a)), axis=axis)
    return take_along_axis(a, order, axis)
