"""Summaries of samples: ``stats.sem``, ``stats.mode`` and ``stats.rankdata``, as JAX has
them at the top of ``jax.scipy.stats``.

``mode`` and ``rankdata`` sort along the axis and find runs of equal values with a
cumulative max/min of run boundaries (O(n log n), no data-dependent shapes), so they work
under ``vmap`` and ``jit``. Their values are counts and ranks: piecewise constant, with
zero derivatives. ``sem`` is differentiable.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

import fungrad.numpy as fnp
from fungrad import lax
from fungrad.errors import ShapeError
from fungrad.scipy.special import _floats

_NAN_POLICIES = ("propagate", "omit", "raise")


class ModeResult(NamedTuple):
    """``stats.mode``'s result: the most common value and how often it occurs."""

    mode: Any
    count: Any


def _axis(name: str, axis, ndim: int) -> int:
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"fungrad.scipy.stats.{name}: `axis` must be an int or None, got "
                        f"{axis!r}")
    if not -ndim <= axis < ndim:
        raise ShapeError(f"fungrad.scipy.stats.{name}: axis={axis} is out of range for an "
                         f"array of rank {ndim} (valid: {-ndim} to {ndim - 1}, or None)")
    return int(axis) % ndim


def _only_propagate(name: str, nan_policy: str) -> None:
    if nan_policy not in _NAN_POLICIES:
        raise ValueError(f"fungrad.scipy.stats.{name}: nan_policy={nan_policy!r} is not one "
                         f"of {_NAN_POLICIES}")
    if nan_policy != "propagate":
        raise NotImplementedError(
            f"fungrad.scipy.stats.{name}: nan_policy={nan_policy!r} is not implemented (as "
            f"in JAX: a traced array cannot be checked for nan); use 'propagate' and "
            f"remove or check the nans before the call")


def sem(a, axis: int | None = 0, ddof: int = 1, nan_policy: str = "propagate", *,
        keepdims: bool = False):
    """The standard error of the mean, ``std(a, ddof) / sqrt(n)``, along ``axis``.

    ``nan_policy="omit"`` leaves the nans out of both the deviation and ``n``.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import stats
        >>> round(float(stats.sem(np.array([1.0, 2.0, 4.0]))), 6)  # sqrt(7/3) / sqrt(3)
        0.881917
    """
    b = fnp.asarray(_floats("sem", a))
    if axis is not None:
        axis = _axis("sem", axis, b.ndim)
    if nan_policy == "propagate":
        size = b.size if axis is None else b.shape[axis]
        return b.std(axis, ddof=ddof, keepdims=keepdims) / np.sqrt(size).astype(b.dtype)
    if nan_policy == "omit":
        count = fnp.sum(~fnp.isnan(b), axis=axis, keepdims=keepdims).astype(b.dtype)
        return fnp.nanstd(b, axis=axis, ddof=ddof, keepdims=keepdims) / fnp.sqrt(count)
    raise ValueError(f"fungrad.scipy.stats.sem: nan_policy={nan_policy!r} is not supported; "
                     f"use 'propagate' or 'omit'")


def _runs(s):
    """For ``s`` sorted along its last axis: each position's run of equal values (nans
    equal to each other), as ``(first, last)`` indices and the run-start marks."""
    n = s.shape[-1]
    differs = (s[..., 1:] != s[..., :-1]) & ~(fnp.isnan(s[..., 1:]) & fnp.isnan(s[..., :-1]))
    edge = fnp.ones((*s.shape[:-1], 1), dtype=bool)
    starts = fnp.concatenate([edge, differs], axis=-1)
    ends = fnp.concatenate([differs, edge], axis=-1)
    index = fnp.broadcast_to(fnp.arange(n), s.shape)
    first = lax.cummax(fnp.where(starts, index, 0), axis=s.ndim - 1)
    last = lax.cummin(fnp.where(ends, index, n), axis=s.ndim - 1, reverse=True)
    return first, last, starts


def mode(a, axis: int | None = 0, nan_policy: str = "propagate", keepdims: bool = False):
    """The most common value along ``axis`` (the smallest of a tie) and its count.

    An empty axis gives a nan mode with count 0, as in JAX.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import stats
        >>> result = stats.mode(np.array([[1, 2, 2], [3, 3, 1]]), axis=1)
        >>> result.mode.tolist(), result.count.tolist()
        ([2, 3], [2, 2])
    """
    _only_propagate("mode", nan_policy)
    x = fnp.atleast_1d(fnp.asarray(a))
    if axis is None:
        moved, shape = fnp.ravel(x)[None], (1,) * x.ndim if keepdims else ()
    else:
        axis = _axis("mode", axis, x.ndim)
        rest = x.shape[:axis] + x.shape[axis + 1:]
        moved = fnp.moveaxis(x, axis, -1).reshape(math.prod(rest), x.shape[axis])
        shape = (x.shape[:axis] + ((1,) if keepdims else ()) + x.shape[axis + 1:])
    if moved.shape[-1] == 0:
        return ModeResult(fnp.full(shape, np.nan), fnp.zeros(shape))
    s = fnp.sort(moved, axis=-1)
    first, last, _ = _runs(s)
    counts = last - first + 1
    best = fnp.argmax(counts, axis=-1)[:, None]  # the first maximum: the smallest value
    values = fnp.take_along_axis(s, best, axis=-1)[:, 0]
    return ModeResult(values.reshape(shape), fnp.max(counts, axis=-1).reshape(shape))


_RANK_METHODS = ("average", "min", "max", "dense", "ordinal")


def _ranks_along_last_axis(x, method: str):
    order = fnp.argsort(x, axis=-1, stable=True)
    inverse = fnp.argsort(order, axis=-1, stable=True)
    if method == "ordinal":
        ranks = inverse + 1
    else:
        s = fnp.take_along_axis(x, order, axis=-1)
        first, last, starts = _runs(s)
        by_run = {"dense": lambda: fnp.cumsum(starts, axis=-1), "min": lambda: first + 1,
                  "max": lambda: last + 1, "average": lambda: 0.5 * (first + last) + 1}
        ranks = fnp.take_along_axis(by_run[method](), inverse, axis=-1)
    ranks = ranks.astype(np.float64)
    return fnp.where(fnp.any(fnp.isnan(x), axis=-1, keepdims=True), np.nan, ranks)


def rankdata(a, method: str = "average", *, axis: int | None = None,
             nan_policy: str = "propagate"):
    """The ranks (from 1) of ``a``'s values; ties by ``method``: ``"average"``, ``"min"``,
    ``"max"``, ``"dense"`` or ``"ordinal"``.

    With ``axis=None`` the flattened array is ranked; otherwise each slice along ``axis``.
    A slice with a nan ranks as all nan.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import stats
        >>> stats.rankdata(np.array([3.0, 1.0, 2.0, 2.0]))
        array([4. , 1. , 2.5, 2.5])
    """
    _only_propagate("rankdata", nan_policy)
    if method not in _RANK_METHODS:
        raise ValueError(f"fungrad.scipy.stats.rankdata: method={method!r} is not one of "
                         f"{_RANK_METHODS}")
    x = fnp.asarray(a)
    if axis is None:
        return _ranks_along_last_axis(fnp.ravel(x), method)
    axis = _axis("rankdata", axis, x.ndim)
    out = _ranks_along_last_axis(fnp.moveaxis(x, axis, -1), method)
    return fnp.moveaxis(out, -1, axis)
