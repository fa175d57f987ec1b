"""Finite differences of fungrad.numpy: ``diff`` (linear, so differentiable)."""

from __future__ import annotations

import numpy as np

from fungrad.core import get_aval, shape_of
from fungrad.numpy.joining import concatenate
from fungrad.numpy.math import not_equal
from fungrad.numpy.promotion import as_operand, broadcast_to_shape
from fungrad.numpy.reshaping import normalize_axis, static_int

__all__ = ["diff"]


def diff(a, n: int = 1, axis: int = -1, prepend=None, append=None):
    """The ``n``-th discrete difference ``a[i + 1] - a[i]`` along ``axis``.

    Args:
        a: an array of rank >= 1.
        n: how many times to difference (0 returns ``a``).
        axis: the axis to difference along.
        prepend, append: values joined to ``a`` along ``axis`` first; a scalar is
            broadcast to one slice.

    Returns:
        An array ``n`` shorter than ``a`` (with prepend/append) along ``axis``. Booleans
        give ``a[i + 1] != a[i]``, as NumPy.

    Example:
        >>> import fungrad.numpy as fnp
        >>> fnp.diff(fnp.array([1.0, 4.0, 9.0, 16.0]), n=2).tolist()
        [2.0, 2.0]
    """
    a = as_operand(a)
    n = static_int("diff", "n", n)
    if n < 0:
        raise ValueError(f"fnp.diff: n must be non-negative, got {n}")
    shape = shape_of(a)
    if not shape:
        raise ValueError("fnp.diff: a rank-0 array has no axis to difference; pass an "
                         "array of rank >= 1")
    axis = normalize_axis("diff", axis, len(shape))
    ends = [_as_slices(v, shape, axis) for v in (prepend, append)]
    if prepend is not None or append is not None:
        a = concatenate([x for x in (ends[0], a, ends[1]) if x is not None], axis)
    boolean = np.dtype(get_aval(a).dtype) == np.bool_
    for _ in range(n):
        length = shape_of(a)[axis]
        later = _along(a, axis, slice(1, None))
        earlier = _along(a, axis, slice(0, max(length - 1, 0)))
        a = not_equal(later, earlier) if boolean else later - earlier
    return a


def _as_slices(value, shape, axis: int):
    """``prepend``/``append`` as an array of ``a``'s rank (a scalar fills one slice)."""
    if value is None:
        return None
    value = as_operand(value)
    if shape_of(value) == ():
        return broadcast_to_shape(value, shape[:axis] + (1,) + shape[axis + 1:])
    return value


def _along(a, axis: int, part: slice):
    return a[(slice(None),) * axis + (part,)]
