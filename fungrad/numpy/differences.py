"""Finite differences and sums of fungrad.numpy: ``diff``, ``ediff1d``, ``gradient``, the
trapezoid rule ``trapezoid`` (differentiable in the values and the sample points) and the
phase unwrapping ``unwrap`` (whose corrections are piecewise constant: derivative 1)."""

from __future__ import annotations

import numpy as np

from fungrad.core import get_aval, shape_of
from fungrad.numpy.joining import concatenate
from fungrad.numpy.math import (
    absolute,
    equal,
    greater,
    less,
    logical_and,
    not_equal,
    remainder,
    where,
)
from fungrad.numpy.promotion import as_operand, broadcast_to_shape, promote_dtypes, to_dtype
from fungrad.numpy.reductions import cumsum
from fungrad.numpy.reductions import sum as _sum
from fungrad.numpy.reshaping import normalize_axis, ravel, reshape, static_int

__all__ = ["diff", "ediff1d", "trapezoid", "gradient", "unwrap"]


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
    n = static_int("diff", "n", n, strict=True)
    if n < 0:
        raise ValueError(f"fnp.diff: n must be non-negative, got {n}")
    shape = shape_of(a)
    if not shape:
        raise ValueError("fnp.diff: a rank-0 array has no axis to difference; pass an "
                         "array of rank >= 1")
    axis = normalize_axis("diff", axis, len(shape))
    ends = [_as_slices(a, v, shape, axis) for v in (prepend, append)]
    if prepend is not None or append is not None:
        a = concatenate([x for x in (ends[0], a, ends[1]) if x is not None], axis)
    boolean = np.dtype(get_aval(a).dtype) == np.bool_
    for _ in range(n):
        length = shape_of(a)[axis]
        later = _along(a, axis, slice(1, None))
        earlier = _along(a, axis, slice(0, max(length - 1, 0)))
        a = not_equal(later, earlier) if boolean else later - earlier
    return a


def _as_slices(a, value, shape, axis: int):
    """``prepend``/``append`` as an array of ``a``'s rank (a scalar fills one slice). A
    Python scalar is weak: it takes ``a``'s dtype by NEP 50 (0 beside float32 stays float32,
    as in NumPy and JAX), before broadcasting makes it an array."""
    if value is None:
        return None
    if type(value) in (bool, int, float, complex):
        value = promote_dtypes("diff", a, value)[1]
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


def gradient(f, *varargs, axis=None, edge_order=None):
    """The derivative of the samples ``f`` along each axis by finite differences: central
    (second order, also for uneven spacing) inside, one-sided (first order) at the ends.

    Args:
        f: the samples (each differentiated axis needs length >= 2).
        *varargs: the spacing: nothing (1), one scalar for all axes, or one scalar or 1-D
            coordinate array per axis.
        axis: the axes to differentiate along (all for None).
        edge_order: only the default (first-order ends) is supported, as in JAX.

    Returns:
        One array per axis (a list), or a single array when there is one axis.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.gradient(np.array([1.0, 4.0, 9.0, 16.0])).tolist()
        [3.0, 4.0, 6.0, 7.0]
        >>> fnp.gradient(np.array([1.0, 4.0, 9.0]), 0.5).tolist()
        [6.0, 8.0, 10.0]
    """
    if edge_order is not None and edge_order != 1:
        raise NotImplementedError("fnp.gradient: edge_order=2 is not supported (as in "
                                  "jax.numpy); the ends are first-order differences")
    f = as_operand(f)
    shape = shape_of(f)
    axes = tuple(range(len(shape))) if axis is None else tuple(
        normalize_axis("gradient", a, len(shape)) for a in
        (axis if isinstance(axis, (tuple, list)) else (axis,)))
    if len(varargs) == 0:
        spacings = [1.0] * len(axes)
    elif len(varargs) == 1 and len(shape_of(varargs[0])) == 0:
        spacings = [varargs[0]] * len(axes)
    elif len(varargs) == len(axes):
        spacings = list(varargs)
    else:
        raise TypeError(f"fnp.gradient: {len(varargs)} spacings for {len(axes)} axes; pass "
                        "none, one scalar, or one per axis")
    out = [_gradient_along(f, ax, h) for ax, h in zip(axes, spacings)]
    return out[0] if len(out) == 1 else out


def _gradient_along(f, axis: int, spacing):
    n = shape_of(f)[axis]
    if n < 2:
        raise ValueError(f"fnp.gradient: axis {axis} of f (shape {shape_of(f)}) has length "
                         f"{n}; it needs at least 2 samples")
    spacing = as_operand(spacing)
    nd = len(shape_of(f))

    def part(start, stop):
        return _along(f, axis, slice(start, stop))

    if shape_of(spacing) == ():
        first = (part(1, 2) - part(0, 1)) / spacing
        last = (part(n - 1, n) - part(n - 2, n - 1)) / spacing
        inner = (part(2, n) - part(0, n - 2)) / (2 * spacing)
    else:
        if shape_of(spacing) != (n,):
            raise ValueError(f"fnp.gradient: coordinates of shape {shape_of(spacing)} for an "
                             f"axis of length {n}; pass one coordinate per sample")
        steps = reshape(diff(spacing), (1,) * axis + (n - 1,) + (1,) * (nd - axis - 1))
        h_lo, h_hi = _along(steps, axis, slice(0, n - 2)), _along(steps, axis, slice(1, n - 1))
        first = (part(1, 2) - part(0, 1)) / _along(steps, axis, slice(0, 1))
        last = (part(n - 1, n) - part(n - 2, n - 1)) / _along(steps, axis, slice(n - 2, n - 1))
        # The second-order three-point formula for uneven steps h_lo (left) and h_hi (right).
        inner = (part(2, n) * h_lo ** 2 - part(0, n - 2) * h_hi ** 2
                 + part(1, n - 1) * (h_hi ** 2 - h_lo ** 2)) / (h_lo * h_hi * (h_lo + h_hi))
    return concatenate([first, inner, last] if n > 2 else [first, last], axis)


def ediff1d(ary, to_end=None, to_begin=None):
    """The differences between consecutive elements of the flattened ``ary``, with
    optional values before and after.

    Args:
        ary: an array (flattened).
        to_end: values appended after the differences.
        to_begin: values put before them.

    Returns:
        A 1-D array of ``ary``'s dtype.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.ediff1d(np.array([1, 2, 4, 7]), to_begin=-9).tolist()
        [-9, 1, 2, 3]
    """
    flat = ravel(as_operand(ary))
    dtype = np.dtype(get_aval(flat).dtype)
    parts = [] if to_begin is None else [to_dtype(ravel(as_operand(to_begin)), dtype)]
    parts.append(diff(flat))
    if to_end is not None:
        parts.append(to_dtype(ravel(as_operand(to_end)), dtype))
    return concatenate(parts) if len(parts) > 1 else parts[0]


def unwrap(p, discont=None, axis: int = -1, period=2 * np.pi):
    """``p`` with jumps larger than ``discont`` between neighbours along ``axis`` removed by
    adding multiples of ``period`` (phase unwrapping).

    Args:
        p: an array of rank >= 1 (integers become float64, as in jax.numpy).
        discont: the smallest jump that is corrected (default and minimum ``period / 2``).
        axis: the axis to unwrap along.
        period: the size of the range the values wrap around in.

    Returns:
        A float array shaped like ``p``; its derivative with respect to ``p`` is 1.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.unwrap(np.array([0.0, 3.0, 6.5])).round(6).tolist()
        [0.0, 3.0, 0.216815]
    """
    p = as_operand(p)
    if np.dtype(get_aval(p).dtype).kind not in "fc":
        p = to_dtype(p, np.dtype(np.float64))
    if not shape_of(p):
        raise ValueError("fnp.unwrap: a rank-0 array has no axis to unwrap along; pass an "
                         "array of rank >= 1")
    axis = normalize_axis("unwrap", axis, len(shape_of(p)))
    p, period = promote_dtypes("unwrap", p, as_operand(period))
    half = period / 2
    step = diff(p, axis=axis)
    # The jump mapped into [-period/2, period/2); a jump of exactly +period/2 stays +.
    wrapped = remainder(step + half, period) - half
    wrapped = where(logical_and(equal(wrapped, -half), greater(step, 0)), half, wrapped)
    threshold = half if discont is None else discont
    correction = where(less(absolute(step), threshold), 0, wrapped - step)
    length = shape_of(p)[axis]
    head = _along(p, axis, slice(0, 1))
    rest = _along(p, axis, slice(1, length)) + cumsum(correction, axis)
    return concatenate([head, rest], axis)
