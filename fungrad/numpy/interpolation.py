"""One-dimensional piecewise-linear interpolation: ``fnp.interp`` (differentiable in ``x``,
``xp`` and ``fp``)."""

from __future__ import annotations

import numpy as np

from fungrad.core import shape_of
from fungrad.errors import ShapeError
from fungrad.numpy.creation import zeros_like
from fungrad.numpy.dtypes import result_type
from fungrad.numpy.indexing import take
from fungrad.numpy.joining import concatenate
from fungrad.numpy.math import (
    absolute,
    greater,
    less,
    less_equal,
    maximum,
    minimum,
    remainder,
    where,
)
from fungrad.numpy.promotion import as_operand, to_dtype
from fungrad.numpy.searching import searchsorted
from fungrad.numpy.sorting import argsort

__all__ = ["interp"]


def interp(x, xp, fp, left=None, right=None, period=None):
    """The piecewise-linear interpolant through ``(xp, fp)`` evaluated at ``x``.

    Args:
        x: where to evaluate (any shape).
        xp: increasing 1-D sample points (any order with ``period``).
        fp: 1-D sample values, as long as ``xp``.
        left, right: the value for ``x < xp[0]`` / ``x > xp[-1]`` (default ``fp[0]`` /
            ``fp[-1]``), or ``"extrapolate"`` to continue the end segments.
        period: the period of a periodic ``xp`` (``left``/``right`` are then ignored).

    Returns:
        An array shaped like ``x`` in the inexact dtype of the inputs.

    Example:
        >>> import fungrad.numpy as fnp
        >>> fnp.interp(fnp.array([0.5, 3.0]), fnp.array([0.0, 1.0, 2.0]),
        ...            fnp.array([0.0, 10.0, 0.0])).tolist()
        [5.0, 0.0]
    """
    x, xp, fp = (as_operand(v) for v in (x, xp, fp))
    if len(shape_of(xp)) != 1 or shape_of(xp) != shape_of(fp) or not shape_of(xp)[0]:
        raise ShapeError(f"fnp.interp: xp and fp must be non-empty 1-D arrays of one length, "
                         f"got shapes {shape_of(xp)} and {shape_of(fp)}")
    dtype = _inexact_dtype(x, xp, fp)
    x, xp, fp = (to_dtype(v, dtype) for v in (x, xp, fp))
    if period is not None:
        xp, fp, x = _periodic(x, xp, fp, period)
    n = shape_of(xp)[0]
    # The segment [xp[hi - 1], xp[hi]] holds x; the end segments extend outwards.
    hi = minimum(maximum(searchsorted(xp, x, side="right"), 1), max(n - 1, 1))
    lo = hi - 1
    if n == 1:
        hi = lo = zeros_like(hi)
    x_lo, x_hi, f_lo, f_hi = take(xp, lo), take(xp, hi), take(fp, lo), take(fp, hi)
    dx = x_hi - x_lo
    flat = less_equal(absolute(dx), np.spacing(np.finfo(dtype).eps))  # repeated points
    slope = (f_hi - f_lo) / where(flat, 1, dx)
    f = where(flat, f_lo, f_lo + (x - x_lo) * slope)
    if period is not None:
        return f
    if not _extrapolate(left):
        f = where(less(x, take(xp, 0)), take(fp, 0) if left is None else left, f)
    if not _extrapolate(right):
        f = where(greater(x, take(xp, n - 1)), take(fp, n - 1) if right is None else right, f)
    return f


def _inexact_dtype(*args) -> np.dtype:
    dtype = result_type(*args)
    if dtype.kind == "c":
        raise TypeError("fnp.interp: complex input is not supported (as jax.numpy)")
    return dtype if dtype.kind == "f" else np.dtype(np.float64)


def _extrapolate(bound) -> bool:
    if isinstance(bound, str):
        if bound != "extrapolate":
            raise ValueError(f"fnp.interp: left/right must be a value or 'extrapolate', got "
                             f"{bound!r}")
        return True
    return False


def _periodic(x, xp, fp, period):
    """Wrap into one period and pad each end with the other end's sample."""
    period = absolute(as_operand(period))
    if shape_of(period) != ():
        raise ShapeError(f"fnp.interp: period must be a scalar, got shape {shape_of(period)}")
    x, xp = remainder(x, period), remainder(xp, period)
    order = argsort(xp)
    xp, fp = take(xp, order), take(fp, order)
    n = shape_of(xp)[0]
    xp = concatenate([take(xp, [n - 1]) - period, xp, take(xp, [0]) + period])
    fp = concatenate([take(fp, [n - 1]), fp, take(fp, [0])])
    return xp, fp, x
