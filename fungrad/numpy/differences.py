"""Finite differences and sums of fungrad.numpy: ``diff`` and the trapezoid rule
``trapezoid`` (differentiable in the values and the sample points)."""

from __future__ import annotations

import numpy as np

from fungrad.core import get_aval, shape_of
from fungrad.numpy.joining import concatenate
from fungrad.numpy.math import not_equal
from fungrad.numpy.promotion import as_operand, broadcast_to_shape
from fungrad.numpy.reductions import sum as _sum
from fungrad.numpy.reshaping import normalize_axis, reshape, static_int

__all__ = ["diff", "trapezoid"]


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


def trapezoid(y, x=None, dx=1.0, axis: int = -1):
    """The integral of ``y`` along ``axis`` by the trapezoid rule.

    Args:
        y: the sampled values.
        x: the sample points (1-D along ``axis``, or shaped like ``y``); if None the
            samples are ``dx`` apart.
        dx: the spacing when ``x`` is None.
        axis: the axis to integrate along.

    Example:
        >>> import fungrad.numpy as fnp
        >>> float(fnp.trapezoid(fnp.array([0.0, 1.0, 4.0]), dx=0.5))
        1.5
    """
    y = as_operand(y)
    shape = shape_of(y)
    if not shape:
        raise ValueError("fnp.trapezoid: y is rank 0; pass samples along an axis")
    axis = normalize_axis("trapezoid", axis, len(shape))
    if x is None:
        widths = dx
    else:
        x = as_operand(x)
        if len(shape_of(x)) == 1:  # one set of points, placed along `axis`
            if shape_of(x)[0] != shape[axis]:
                raise ValueError(f"fnp.trapezoid: x has {shape_of(x)[0]} points but y has "
                                 f"{shape[axis]} along axis {axis}")
            x = reshape(x, (1,) * axis + (shape[axis],) + (1,) * (len(shape) - axis - 1))
        widths = diff(x, axis=axis)
    heights = _along(y, axis, slice(1, None)) + _along(y, axis, slice(0, shape[axis] - 1))
    return _sum(heights * widths, axis=axis) * 0.5
