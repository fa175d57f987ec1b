"""``fnp.pad``: padding an array by jax.numpy's modes and keywords.

Pad widths are static. Each mode pads one axis after another (so corners take the values
the earlier axes made, as in NumPy and JAX):

* "constant" and "empty" are one ``lax.pad`` (the constant may be traced);
* "edge", "wrap" and even "reflect"/"symmetric" are a static index pattern along the
  axis, taken by ``take_static`` as a few slices and revs;
* odd "reflect"/"symmetric" reflect through the edge value, one mirrored block at a time;
* "maximum", "mean", "median", "minimum" repeat a statistic of the first/last
  ``stat_length`` entries; "linear_ramp" runs linearly from ``end_values`` to the edge;
* a callable ``mode`` maps each zero-padded 1-D slice along each axis in turn.

Every mode is differentiable in the array.
"""

from __future__ import annotations

import numpy as np

from fungrad import lax
from fungrad.core import get_aval, shape_of
from fungrad.numpy.creation import linspace
from fungrad.numpy.function_mapping import apply_along_axis
from fungrad.numpy.math import subtract
from fungrad.numpy.promotion import as_operand, to_dtype
from fungrad.numpy.rearranging import flip, take_static
from fungrad.numpy.reductions import max as _max
from fungrad.numpy.reductions import mean as _mean
from fungrad.numpy.reductions import min as _min
from fungrad.numpy.reshaping import broadcast_to, check_integers, is_scalar
from fungrad.numpy.rounding import round as _round
from fungrad.numpy.statistics import median as _median

__all__ = ["pad"]

# The keyword arguments each mode takes (jax.numpy.pad's table).
_MODE_KEYWORDS = {
    "constant": {"constant_values"}, "empty": set(), "edge": set(), "wrap": set(),
    "linear_ramp": {"end_values"}, "maximum": {"stat_length"}, "mean": {"stat_length"},
    "median": {"stat_length"}, "minimum": {"stat_length"}, "reflect": {"reflect_type"},
    "symmetric": {"reflect_type"},
}
_KEYWORDS = set().union(*_MODE_KEYWORDS.values())
_STATISTICS = {"maximum": _max, "mean": _mean, "median": _median, "minimum": _min}


def pad(array, pad_width, mode: str = "constant", **kwargs):
    """Pad an array, like ``jax.numpy.pad`` (NumPy's modes and keywords).

    Args:
        array: array-like.
        pad_width: an int, ``(before, after)``, or one ``(before, after)`` per axis.
        mode: "constant" (the default), "edge", "wrap", "reflect", "symmetric",
            "linear_ramp", "maximum", "mean", "median", "minimum", "empty" (zeros), or a
            function ``mode(vector, (before, after), axis, kwargs)`` that returns each 1-D
            slice of the zero-padded array along ``axis`` with its padding filled in (as
            jax.numpy; NumPy's writes into ``vector`` instead).
        **kwargs: the keyword of the mode, each in any ``pad_width`` form:
            ``constant_values`` ("constant"; 0 by default; may be traced),
            ``end_values`` ("linear_ramp"; 0 by default), ``stat_length`` (the statistic
            modes; None: the whole axis) and ``reflect_type`` ("reflect", "symmetric":
            "even", the default, or "odd", which reflects through the edge value).
            A callable ``mode`` gets them all, as its ``kwargs``.

    Returns:
        The padded array (for integer arrays, "mean" and "median" round half to even).

    Raises:
        TypeError: for a keyword no mode takes (as jax.numpy).
        ValueError: for a keyword that ``mode`` does not take (as jax.numpy).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.pad(np.array([1, 2]), (1, 2))
        array([0, 1, 2, 0, 0])
        >>> fnp.pad(np.array([1, 2, 3]), 2, mode='reflect')
        array([3, 2, 1, 2, 3, 2, 1])
        >>> fnp.pad(np.array([1.0, 5.0]), 2, mode='linear_ramp', end_values=(-1, 9))
        array([-1.,  0.,  1.,  5.,  7.,  9.])
    """
    if not callable(mode):
        _check_keywords(mode, kwargs)
    x = as_operand(array)
    nd = len(shape_of(x))
    widths = _pairs("pad_width", pad_width, nd)
    if callable(mode):
        return _pad_with_function(x, widths, mode, kwargs)
    if mode == "empty":
        mode = "constant"
    if mode == "constant":
        return _pad_constant(x, widths, kwargs.get("constant_values", 0))
    for ax, (before, after) in enumerate(widths):
        if (before or after) and shape_of(x)[ax] == 0:
            raise ValueError(f"fnp.pad: cannot pad an empty axis {ax} with mode={mode!r}")
    if mode in _STATISTICS:
        return _pad_statistic(x, widths, mode, kwargs.get("stat_length"))
    if mode == "linear_ramp":
        return _pad_linear_ramp(x, widths, kwargs.get("end_values", 0))
    if kwargs.get("reflect_type", "even") == "odd":
        return _pad_odd_reflection(x, widths, mode == "symmetric")
    for ax, (before, after) in enumerate(widths):
        if before or after:
            index = np.pad(np.arange(shape_of(x)[ax]), (before, after), mode=mode)
            x = take_static(x, index, ax)
    return x


def _check_keywords(mode, kwargs: dict) -> None:
    unknown = sorted(set(kwargs) - _KEYWORDS)
    if unknown:
        raise TypeError(f"fnp.pad got unexpected keyword arguments {unknown}; it takes "
                        f"{sorted(_KEYWORDS)} (each with its mode), as jax.numpy.pad")
    if mode not in _MODE_KEYWORDS:
        raise NotImplementedError(f"fnp.pad: mode={mode!r} is not supported; use one of "
                                  f"{sorted(_MODE_KEYWORDS)} or a function")
    misplaced = sorted(set(kwargs) - _MODE_KEYWORDS[mode])
    if misplaced:
        takes = sorted(_MODE_KEYWORDS[mode]) or "no keyword arguments"
        raise ValueError(f"fnp.pad: mode={mode!r} takes {takes}, not {misplaced}")
    if kwargs.get("reflect_type", "even") not in ("even", "odd"):
        raise ValueError(f"fnp.pad: reflect_type must be 'even' or 'odd', got "
                         f"{kwargs['reflect_type']!r}")


def _pairs(arg: str, value, nd: int) -> np.ndarray:
    """``value`` (an int, ``(before, after)``, or one pair per axis) as an (nd, 2) array of
    non-negative ints."""
    try:
        pairs = np.broadcast_to(np.asarray(value, dtype=np.int64), (nd, 2))
    except (ValueError, TypeError):
        raise ValueError(f"fnp.pad: {arg}={value!r} must be an int, (before, after), or one "
                         f"(before, after) per axis of the array (rank {nd})") from None
    check_integers("fnp.pad", arg, value)
    if np.asarray(value).dtype == bool:  # check_integers takes bools; NumPy and JAX do not
        raise TypeError(f"fnp.pad: {arg} must be integers, got booleans {value!r}; pass ints "
                        "(True is 1, False is 0).")
    if (pairs < 0).any():
        raise ValueError(f"fnp.pad: {arg} must be non-negative, got {value}")
    return pairs


def _pad_constant(x, widths, constant_values):
    dtype = get_aval(x).dtype
    nd = len(widths)
    if is_scalar(constant_values):
        value = to_dtype(as_operand(constant_values), dtype)
        return lax.pad(x, value, [(int(b), int(a), 0) for b, a in widths])
    values = np.broadcast_to(np.asarray(constant_values), (nd, 2))
    for ax in range(nd):
        for side in (0, 1):
            config = [(0, 0, 0)] * nd
            config[ax] = (int(widths[ax][0]), 0, 0) if side == 0 else (0, int(widths[ax][1]), 0)
            x = lax.pad(x, dtype.type(values[ax][side]), config)
    return x


def _pad_with_function(x, widths, func, kwargs: dict):
    x = _pad_constant(x, widths, 0)
    for ax, (before, after) in enumerate(widths):
        x = apply_along_axis(func, ax, x, (int(before), int(after)), ax, kwargs)
    return x


def _block(x, ax: int, count: int):
    """``x`` (size 1 along ``ax``) repeated ``count`` times along ``ax``."""
    shape = list(shape_of(x))
    shape[ax] = count
    return broadcast_to(x, tuple(shape))


def _pad_statistic(x, widths, mode: str, stat_length):
    dtype = get_aval(x).dtype
    nd = len(widths)
    lengths = None if stat_length is None else _pairs("stat_length", stat_length, nd)
    if lengths is not None and (lengths == 0).any():
        raise ValueError(f"fnp.pad: stat_length={stat_length!r} has a 0, and the statistic of "
                         "no entries has no value; pass lengths >= 1 (or None: the whole axis)")
    for ax, (before, after) in enumerate(widths):
        n = shape_of(x)[ax]
        first, last = (n, n) if lengths is None else (min(int(v), n) for v in lengths[ax])
        sides = []
        for start, stop, count in ((0, first, before), (n - last, n, after)):
            stat = _STATISTICS[mode](lax.slice_in_dim(x, start, stop, 1, ax), axis=ax,
                                     keepdims=True)
            if dtype.kind in "iu":  # NumPy's and JAX's rule: integer means are rounded
                stat = _round(stat)
            sides.append(_block(to_dtype(stat, dtype), ax, int(count)))
        x = lax.concatenate([sides[0], x, sides[1]], ax)
    return x


def _pad_linear_ramp(x, widths, end_values):
    dtype = get_aval(x).dtype
    ends = np.broadcast_to(np.asarray(end_values), (len(widths), 2))
    for ax, (before, after) in enumerate(widths):
        n = shape_of(x)[ax]
        edges = (lax.squeeze(lax.slice_in_dim(x, 0, 1, 1, ax), (ax,)),
                 lax.squeeze(lax.slice_in_dim(x, n - 1, n, 1, ax), (ax,)))
        ramps = [linspace(ends[ax][side], edges[side], int(count), endpoint=False,
                          dtype=dtype, axis=ax) for side, count in enumerate((before, after))]
        x = lax.concatenate([ramps[0], x, flip(ramps[1], ax)], ax)
    return x


def _pad_odd_reflection(x, widths, symmetric: bool):
    """Reflect through the edge: each mirrored block is ``2 * edge - block``, where the
    edge is the outermost entry so far (NumPy's and JAX's "odd" reflect_type)."""
    for ax, (before, after) in enumerate(widths):
        n = shape_of(x)[ax]
        skip = 0 if symmetric or n == 1 else 1  # "reflect" does not repeat the edge
        for at_start, left in ((True, int(before)), (False, int(after))):
            while left > 0:
                count = min(left, n - skip)
                size = shape_of(x)[ax]
                lo, hi = (skip, skip + count) if at_start else (size - skip - count,
                                                                 size - skip)
                edge = lax.slice_in_dim(x, 0, 1, 1, ax) if at_start else \
                    lax.slice_in_dim(x, size - 1, size, 1, ax)
                block = flip(lax.slice_in_dim(x, lo, hi, 1, ax), ax)
                block = subtract(_block(edge, ax, count) * 2, block)
                x = lax.concatenate([block, x] if at_start else [x, block], ax)
                left -= count
    return x
