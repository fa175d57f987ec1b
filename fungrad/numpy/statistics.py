"""Order statistics and NaN-ignoring reductions of fungrad.numpy: median, quantile,
percentile (and their nan* forms), nanmean, nanvar, nanstd, nanmax, nanmin.

Quantiles sort along the reduced axes and gather the neighbouring order statistics, so
their derivative flows to the one or two elements the result interpolates between (and,
for ``method="linear"``, to ``q`` through the interpolation weight), as in ``jax.numpy``.
The nan* functions replace NaNs by a neutral value *before* computing, so NaN entries get
a zero derivative and never poison the others.
"""

from __future__ import annotations

import numpy as np

from fungrad.array_module import constant_like
from fungrad.core import concrete_or_none, get_aval, shape_of
from fungrad.dtypes import real_dtype
from fungrad.errors import ConcretizationError, ShapeError
from fungrad.lax import complex as _complex
from fungrad.numpy.complex_parts import abs_squared, conj, imag, real
from fungrad.numpy.contractions import matmul
from fungrad.numpy.creation import zeros
from fungrad.numpy.indexing import IndexUpdateRef, take_along_axis
from fungrad.numpy.joining import concatenate
from fungrad.numpy.math import (
    isnan,
    less,
    less_equal,
    logical_and,
    logical_not,
    maximum,
    minimum,
    sqrt,
)
from fungrad.numpy.math import where as _where
from fungrad.numpy.matrix_parts import diagonal
from fungrad.numpy.promotion import as_operand, promote_dtypes, to_dtype
from fungrad.numpy.reductions import any as _any
from fungrad.numpy.reductions import (
    argmax,
    argmin,
    cumprod,
    cumsum,
    divide_or_nan,
    prod,
    where_mask,
)
from fungrad.numpy.reductions import max as _max
from fungrad.numpy.reductions import mean as _mean
from fungrad.numpy.reductions import min as _min
from fungrad.numpy.reductions import sum as _sum
from fungrad.numpy.reductions import var as _var
from fungrad.numpy.reshaping import broadcast_to, moveaxis, normalize_axes, reshape, transpose
from fungrad.numpy.rounding import ceil, clip, floor
from fungrad.numpy.sorting import sort
from fungrad.numpy.unsupported_arguments import reject_sharding, reject_unsupported

__all__ = ["quantile", "percentile", "median", "nanquantile", "nanpercentile", "nanmedian",
           "nanmean", "nanvar", "nanstd", "nanmax", "nanmin", "nanprod", "nanargmax",
           "nanargmin", "nancumsum", "nancumprod", "cov", "corrcoef", "bincount"]

_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")
_INDEX = np.dtype(np.int64)


def _unsupported(fn: str, **args) -> None:
    reject_unsupported(fn, None, "leave it at its default", **args)


def _inexact_pair(fn: str, a, q):
    """Promote ``a`` and ``q`` to their common inexact dtype (float64 for integers)."""
    da, dq = get_aval(a), get_aval(q)
    if da.dtype.kind == "c" or dq.dtype.kind == "c":
        raise TypeError(f"fnp.{fn}: complex input ({da.dtype}, q {dq.dtype}) has no order; "
                        "pass real arrays (as jax.numpy)")
    if not da.weak_type and da.dtype.kind == "f":
        dtype = np.dtype(da.dtype) if dq.weak_type else np.promote_types(da.dtype, dq.dtype)
    elif dq.dtype.kind == "f" and not dq.weak_type:
        dtype = np.dtype(dq.dtype)
    else:
        dtype = np.dtype(np.float64)
    return to_dtype(a, dtype), to_dtype(q, dtype), dtype


def _to_last_axis(fn: str, a, axis):
    """Move the reduced axes of ``a`` to the end and merge them into one.

    Returns the rearranged array and the keepdims shape of the reduction.
    """
    shape = shape_of(a)
    axes = tuple(range(len(shape))) if axis is None else normalize_axes(fn, axis, len(shape))
    rest = [d for d in range(len(shape)) if d not in axes]
    kept_shape = tuple(1 if d in axes else n for d, n in enumerate(shape))
    n = int(np.prod([shape[d] for d in axes], dtype=np.int64))
    if n == 0:
        raise ShapeError(f"fnp.{fn}: the reduction over axis={axis} of an array of shape "
                         f"{shape} is empty; quantiles need at least one element")
    a = transpose(a, (*rest, *sorted(axes)))
    return reshape(a, tuple(shape[d] for d in rest) + (n,)), kept_shape


def _quantile(fn: str, a, q, axis, method: str, keepdims: bool, ignore_nan: bool):
    if method not in _METHODS:
        raise ValueError(f"fnp.{fn}: method={method!r} is not one of {', '.join(_METHODS)}")
    a, q, dtype = _inexact_pair(fn, as_operand(a), as_operand(q))
    q_shape = shape_of(q)
    if len(q_shape) > 1:
        raise ShapeError(f"fnp.{fn}: q must be a scalar or 1-D, got shape {q_shape}")
    a, kept_shape = _to_last_axis(fn, a, axis)
    values = sort(a, axis=-1)  # NaNs sort last
    rest = shape_of(values)[:-1]
    q_col = reshape(q, (1,) * len(rest) + (q_shape[0] if q_shape else 1,))
    if ignore_nan:
        count = _sum(logical_not(isnan(values)), axis=-1, keepdims=True)
        last = to_dtype(count, dtype) - 1
        q_col = constant_like(q_col, last)  # a host q (0-d: moves like a scalar) on a's device
    else:
        last = dtype.type(shape_of(values)[-1] - 1)
        q_col = constant_like(q_col, values)
    position = q_col * last
    low, high = floor(position), ceil(position)
    weight = position - low
    low, high = [maximum(minimum(i, last), 0).astype(_INDEX) for i in (low, high)]
    low_value = take_along_axis(values, _broadcast_index(low, rest), axis=-1)
    high_value = take_along_axis(values, _broadcast_index(high, rest), axis=-1)
    result = _interpolate(method, low_value, high_value, weight)
    if not ignore_nan:
        result = _where(_any(isnan(values), axis=-1, keepdims=True), dtype.type(np.nan), result)
    result = moveaxis(result, -1, 0) if q_shape else reshape(result, rest)
    if keepdims:
        result = reshape(result, q_shape + (kept_shape if axis is not None
                                            else (1,) * len(kept_shape)))
    return result


def _broadcast_index(index, rest: tuple):
    return broadcast_to(index, rest + shape_of(index)[-1:])


def _interpolate(method: str, low_value, high_value, weight):
    if method == "lower":
        return low_value
    if method == "higher":
        return high_value
    if method == "midpoint":
        return (low_value + high_value) * 0.5
    if method == "nearest":  # ties (weight 0.5) take the lower neighbour, as jax.numpy
        return _where(less_equal(weight, 0.5), low_value, high_value)
    return low_value * (1 - weight) + high_value * weight


def quantile(a, q, axis=None, out=None, overwrite_input: bool = False,  # noqa: PLR0917
             method: str = "linear", keepdims: bool = False, *, weights=None):
    """The ``q``-th quantiles of ``a`` over ``axis`` (``q`` in [0, 1]), like
    ``jax.numpy.quantile``.

    Args:
        a: real array-like input; a NaN in a reduced slice makes that result NaN.
        q: a scalar or 1-D array of quantiles (may be traced; differentiable for "linear").
        axis: int, tuple of ints, or None (all axes).
        method: "linear", "lower", "higher", "midpoint" or "nearest" (ties to the lower
            neighbour, as JAX).
        keepdims: keep reduced axes with length 1.

    Returns:
        An array of shape ``q.shape + reduced shape``, in the inexact dtype of ``a`` and
        ``q`` (float64 for integer input).

    Example:
        >>> import fungrad.numpy as fnp
        >>> float(fnp.quantile(fnp.array([1.0, 3.0, 2.0, 4.0]), 0.5))
        2.5
    """
    _unsupported("quantile", out=out, weights=weights)
    return _quantile("quantile", a, q, axis, method, keepdims, ignore_nan=False)


def percentile(a, q, axis=None, out=None, overwrite_input: bool = False,  # noqa: PLR0917
               method: str = "linear", keepdims: bool = False, *, weights=None,
               out_sharding=None):
    """The ``q``-th percentiles of ``a`` (``q`` in [0, 100]); see :func:`quantile`.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> float(fnp.percentile(np.array([1.0, 2.0, 3.0, 4.0]), 50))
        2.5
        >>> fnp.percentile(np.array([[1.0, 5.0], [3.0, 7.0]]), 25, axis=1).tolist()
        [2.0, 4.0]
    """
    _unsupported("percentile", out=out, weights=weights)
    reject_sharding("percentile", out_sharding=out_sharding)
    return _quantile("percentile", a, as_operand(q) / 100, axis, method, keepdims,
                     ignore_nan=False)


def median(a, axis=None, out=None, overwrite_input: bool = False, keepdims: bool = False):
    """The median of ``a`` over ``axis`` (mean of the two middle values for even counts).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> float(fnp.median(np.array([3.0, 1.0, 2.0, 10.0])))
        2.5
        >>> fnp.median(np.array([[1.0, 5.0], [3.0, 7.0]]), axis=0).tolist()
        [2.0, 6.0]
    """
    _unsupported("median", out=out)
    return _quantile("median", a, 0.5, axis, "midpoint", keepdims, ignore_nan=False)


def nanquantile(a, q, axis=None, out=None, overwrite_input: bool = False,  # noqa: PLR0917
                method: str = "linear", keepdims: bool = False, *, weights=None):
    """:func:`quantile` ignoring NaNs (NaN where a slice is all NaN).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> float(fnp.nanquantile(np.array([1.0, np.nan, 3.0, 5.0]), 0.5))
        3.0
    """
    _unsupported("nanquantile", out=out, weights=weights)
    return _quantile("nanquantile", a, q, axis, method, keepdims, ignore_nan=True)


def nanpercentile(a, q, axis=None, out=None, overwrite_input: bool = False,  # noqa: PLR0917
                  method: str = "linear", keepdims: bool = False, *, weights=None):
    """:func:`percentile` ignoring NaNs (NaN where a slice is all NaN).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> float(fnp.nanpercentile(np.array([1.0, np.nan, 3.0, 5.0]), 25))
        2.0
    """
    _unsupported("nanpercentile", out=out, weights=weights)
    return _quantile("nanpercentile", a, as_operand(q) / 100, axis, method, keepdims,
                     ignore_nan=True)


def nanmedian(a, axis=None, out=None, overwrite_input: bool = False, keepdims: bool = False):
    """:func:`median` ignoring NaNs (NaN where a slice is all NaN).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> float(fnp.nanmedian(np.array([4.0, np.nan, 1.0, 2.0])))
        2.0
    """
    _unsupported("nanmedian", out=out)
    return _quantile("nanmedian", a, 0.5, axis, "midpoint", keepdims, ignore_nan=True)


# ---------------------------------------------------------------------------------------
# NaN-ignoring moments and extremes


def _valid_and_clean(a, fill, where=None):
    """Which entries of ``a`` count (not NaN, and selected by ``where=`` if given), and ``a``
    with the others replaced by ``fill``."""
    a = as_operand(a)
    if get_aval(a).dtype.kind not in "fc":
        if where is None:
            return None, a
        valid = broadcast_to(where, shape_of(a))
    else:
        valid = logical_not(isnan(a))
        if where is not None:
            valid = logical_and(valid, where)
    return valid, _where(valid, a, fill)


def nanmean(a, axis=None, dtype=None, out=None, keepdims: bool = False,  # noqa: PLR0917
            where=None):  # noqa: F811 (jax.numpy's name)
    """The mean over ``axis`` of the non-NaN entries (NaN where a slice is all NaN).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> float(fnp.nanmean(np.array([1.0, np.nan, 3.0])))
        2.0
    """
    _unsupported("nanmean", out=out)
    valid, clean = _valid_and_clean(a, 0, _checked_mask("nanmean", a, where))
    if valid is None:
        return _mean(clean, axis, dtype, keepdims=keepdims)
    if dtype is not None:
        clean = to_dtype(clean, np.dtype(dtype))
    count = _sum(valid, axis, keepdims=keepdims)
    total = _sum(clean, axis, keepdims=keepdims)
    return divide_or_nan(total, to_dtype(count, real_dtype(get_aval(total).dtype)))


def nanvar(a, axis=None, dtype=None, out=None, ddof=0, keepdims: bool = False,  # noqa: PLR0917
           where=None, mean=None):  # noqa: A002 (jax.numpy's names)
    """The variance over ``axis`` of the non-NaN entries, divided by ``count - ddof``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> float(fnp.nanvar(np.array([1.0, np.nan, 3.0])))
        1.0
        >>> float(fnp.nanvar(np.array([1.0, np.nan, 3.0]), ddof=1))
        2.0
    """
    _unsupported("nanvar", out=out)
    valid, clean = _valid_and_clean(a, 0, _checked_mask("nanvar", a, where))
    if valid is None:  # an integer dtype= keeps its dtype here, as in jax.numpy (not in var)
        result = _var(clean, axis, dtype, ddof=ddof, keepdims=keepdims, mean=mean)
        return result if dtype is None else to_dtype(result, real_dtype(np.dtype(dtype)))
    if dtype is not None:
        clean = to_dtype(clean, np.dtype(dtype))
    count = to_dtype(_sum(valid, axis, keepdims=True), real_dtype(get_aval(clean).dtype))
    centre = divide_or_nan(_sum(clean, axis, keepdims=True), count) if mean is None else mean
    deviation = _where(valid, clean - centre, 0)
    squares = _sum(abs_squared(deviation), axis, keepdims=keepdims)
    if not keepdims:
        count = reshape(count, shape_of(squares))
    return divide_or_nan(squares, count - ddof)


def nanstd(a, axis=None, dtype=None, out=None, ddof=0, keepdims: bool = False,  # noqa: PLR0917
           where=None, mean=None):  # noqa: A002 (jax.numpy's names)
    """The standard deviation over ``axis`` of the non-NaN entries: ``sqrt(nanvar)``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> float(fnp.nanstd(np.array([1.0, np.nan, 3.0])))
        1.0
    """
    return sqrt(nanvar(a, axis, dtype, out, ddof, keepdims, where, mean))


def _nan_extreme(fn: str, reduce, fill, a, axis, out, keepdims, initial, where):
    _unsupported(fn, out=out)
    if where is not None and initial is None:
        raise ValueError(f"fnp.{fn}: where= needs initial=: {fn} has no identity to give the "
                         "entries the mask leaves out (as in NumPy and JAX)")
    valid, clean = _valid_and_clean(a, fill, _checked_mask(fn, a, where))
    result = reduce(clean, axis, keepdims=keepdims, initial=initial)
    if valid is None:
        return result
    all_nan = logical_not(_any(valid, axis, keepdims=keepdims))
    if initial is not None:
        return result  # initial is the value of an all-NaN slice
    return _where(all_nan, np.dtype(get_aval(result).dtype).type(np.nan), result)


def nanmax(a, axis=None, out=None, keepdims: bool = False, initial=None,  # noqa: PLR0917
           where=None):  # noqa: F811 (jax.numpy's name)
    """The maximum over ``axis`` ignoring NaNs (NaN where a slice is all NaN).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> float(fnp.nanmax(np.array([1.0, np.nan, 3.0])))
        3.0
        >>> fnp.nanmax(np.array([[1.0, np.nan], [np.nan, 4.0]]), axis=0).tolist()
        [1.0, 4.0]
    """
    return _nan_extreme("nanmax", _max, -np.inf, a, axis, out, keepdims, initial, where)


def nanmin(a, axis=None, out=None, keepdims: bool = False, initial=None,  # noqa: PLR0917
           where=None):  # noqa: F811 (jax.numpy's name)
    """The minimum over ``axis`` ignoring NaNs (NaN where a slice is all NaN).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> float(fnp.nanmin(np.array([1.0, np.nan, 3.0])))
        1.0
    """
    return _nan_extreme("nanmin", _min, np.inf, a, axis, out, keepdims, initial, where)



def nanprod(a, axis=None, dtype=None, out=None, keepdims: bool = False,  # noqa: PLR0917
            initial=None, where=None):  # noqa: F811 (jax.numpy's name)
    """The product over ``axis`` of the non-NaN entries (NaNs count as 1).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> float(fnp.nanprod(np.array([2.0, np.nan, 3.0])))
        6.0
    """
    _unsupported("nanprod", out=out)
    clean = _valid_and_clean(a, 1, _checked_mask("nanprod", a, where))[1]
    return prod(clean, axis, dtype, keepdims=keepdims, initial=initial)


def _checked_mask(fn: str, a, where):
    """``where=`` checked (boolean, broadcastable to ``a``) as the reductions check it."""
    return None if where is None else where_mask(fn, as_operand(a), where)


def _nan_arg_extreme(fn: str, arg_reduce, fill, a, axis, out, keepdims):
    _unsupported(fn, out=out)
    valid, clean = _valid_and_clean(a, fill)
    index = arg_reduce(clean, axis, keepdims=keepdims)
    if valid is None:
        return index
    # An all-NaN slice has no answer: -1, as jax.numpy (NumPy raises).
    all_nan = logical_not(_any(valid, axis, keepdims=bool(keepdims)))
    return _where(all_nan, -1, index)


def nanargmax(a, axis=None, out=None, keepdims=None):
    """The index of the largest non-NaN entry over ``axis`` (-1 for an all-NaN slice).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> int(fnp.nanargmax(np.array([1.0, np.nan, 3.0, 2.0])))
        2
    """
    return _nan_arg_extreme("nanargmax", argmax, -np.inf, a, axis, out, keepdims)


def nanargmin(a, axis=None, out=None, keepdims=None):
    """The index of the smallest non-NaN entry over ``axis`` (-1 for an all-NaN slice).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> int(fnp.nanargmin(np.array([np.nan, 4.0, 1.0])))
        2
    """
    return _nan_arg_extreme("nanargmin", argmin, np.inf, a, axis, out, keepdims)


def nancumsum(a, axis=None, dtype=None, out=None):
    """Running sums along ``axis`` (flattened for None), NaNs counting as 0.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.nancumsum(np.array([1.0, np.nan, 3.0])).tolist()
        [1.0, 1.0, 4.0]
    """
    _unsupported("nancumsum", out=out)
    return cumsum(_valid_and_clean(a, 0)[1], axis, dtype)


def nancumprod(a, axis=None, dtype=None, out=None):
    """Running products along ``axis`` (flattened for None), NaNs counting as 1.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.nancumprod(np.array([2.0, np.nan, 3.0])).tolist()
        [2.0, 2.0, 6.0]
    """
    _unsupported("nancumprod", out=out)
    return cumprod(_valid_and_clean(a, 1)[1], axis, dtype)


# ---------------------------------------------------------------------------------------
# Covariance, correlation, counting


def _observations(fn: str, x, rowvar: bool, dtype):
    """``x`` as a 2-D (variables, observations) array in an inexact dtype."""
    x = as_operand(x)
    shape = shape_of(x)
    if len(shape) > 2:
        raise ShapeError(f"fnp.{fn}: x must be 1-D or 2-D, got shape {shape}")
    if len(shape) < 2:
        x = reshape(x, (1, -1) if shape else (1, 1))
    elif not rowvar:
        x = transpose(x)
    kind = np.dtype(get_aval(x).dtype)
    target = np.dtype(dtype) if dtype is not None else (
        kind if kind.kind in "fc" else np.dtype(np.float64))
    return to_dtype(x, target)


def cov(m, y=None, rowvar: bool = True, bias: bool = False, ddof=None,  # noqa: PLR0917
        fweights=None, aweights=None, dtype=None):
    """The covariance matrix of the variables in the rows of ``m`` (columns if not
    ``rowvar``), like ``numpy.cov``.

    Args:
        m: 1-D or 2-D observations; ``y`` adds more variables.
        bias: normalise by N (default N - 1); ``ddof`` overrides both.
        fweights, aweights: integer frequency and real reliability weights per observation.
        dtype: the computation dtype (default: the inputs' inexact dtype).

    Returns:
        A (variables, variables) matrix, or a scalar for a single variable.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> x = np.array([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]])
        >>> fnp.cov(x).tolist()
        [[1.0, -1.0], [-1.0, 1.0]]
        >>> fnp.cov(x, bias=True).round(6).tolist()
        [[0.666667, -0.666667], [-0.666667, 0.666667]]
    """
    x = _observations("cov", m, rowvar, dtype)
    if y is not None:
        other = _observations("cov", y, rowvar, dtype)
        x, other = promote_dtypes("cov", x, other)
        x = concatenate([x, other], 0)
    n = shape_of(x)[1]
    ddof = (0 if bias else 1) if ddof is None else ddof
    w = _observation_weights(fweights, aweights, n)
    real_dt = real_dtype(get_aval(x).dtype)
    if w is None:
        w_sum, fact = real_dt.type(n), real_dt.type(n) - ddof
        centre = _mean(x, axis=1, keepdims=True)
        xw = x - centre
    else:
        w = to_dtype(w, real_dt)
        w_sum = _sum(w)
        centre = _sum(x * w, axis=1, keepdims=True) / w_sum
        xw = (x - centre) * w
        if aweights is None:
            fact = w_sum - ddof
        else:
            fact = w_sum - ddof * _sum(w * to_dtype(as_operand(aweights), real_dt)) / w_sum
    out = matmul(xw, conj(transpose(x - centre))) / fact
    return reshape(out, ()) if shape_of(out) == (1, 1) else out


def _observation_weights(fweights, aweights, n: int):
    w = None
    for name, weights in (("fweights", fweights), ("aweights", aweights)):
        if weights is None:
            continue
        weights = as_operand(weights)
        if shape_of(weights) != (n,):
            raise ShapeError(f"fnp.cov: {name} must be 1-D with one weight per observation "
                             f"({n}), got shape {shape_of(weights)}")
        w = weights if w is None else w * weights
    return w


def corrcoef(x, y=None, rowvar: bool = True, dtype=None):
    """The correlation coefficients ``cov[i, j] / sqrt(cov[i, i] cov[j, j])`` of the
    variables in the rows of ``x`` (real parts clipped to [-1, 1], as NumPy).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> x = np.array([[0.0, 1.0, 2.0], [1.0, 3.0, 5.0], [2.0, 1.0, 0.0]])
        >>> fnp.corrcoef(x).round(6).tolist()
        [[1.0, 1.0, -1.0], [1.0, 1.0, -1.0], [-1.0, -1.0, 1.0]]
    """
    c = cov(x, y, rowvar, dtype=dtype)
    if shape_of(c) == ():
        return c / c
    std = sqrt(real(diagonal(c)))
    c = c / reshape(std, (-1, 1)) / reshape(std, (1, -1))
    if np.dtype(get_aval(c).dtype).kind == "c":
        return _complex(clip(real(c), -1, 1), clip(imag(c), -1, 1))
    return clip(c, -1, 1)


def bincount(x, weights=None, minlength: int = 0, *, length: int | None = None,
             out_sharding=None):
    """How often each value ``0, 1, ...`` occurs in the non-negative integers ``x`` (or
    the sum of ``weights`` at each value).

    Args:
        x: a 1-D integer array; negative values count as 0 (as JAX).
        weights: per-element weights (differentiable), shaped like ``x``.
        minlength: the least length of the result.
        length: the exact length (values at or beyond it are dropped); required when ``x``
            is traced under jit or vmap.

    Returns:
        The counts (int64) or weight sums, of length ``max(x) + 1`` or more.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.bincount(np.array([0, 1, 1, 3])).tolist()
        [1, 2, 0, 1]
        >>> fnp.bincount(np.array([0, 1, 1]), weights=np.array([0.5, 1.0, 2.0]), length=3).tolist()
        [0.5, 3.0, 0.0]
    """
    reject_sharding("bincount", out_sharding=out_sharding)
    x = as_operand(x)
    kind = np.dtype(get_aval(x).dtype).kind
    if len(shape_of(x)) != 1 or kind not in "iub":
        raise TypeError(f"fnp.bincount: x must be a 1-D integer array, got "
                        f"{get_aval(x).str_short()}")
    if length is None:
        value = concrete_or_none(x)
        if value is None:
            raise ConcretizationError(
                f"fnp.bincount: the largest value of a traced {get_aval(x).str_short()} is "
                "not known while tracing, and it decides the result's length. Pass "
                "length=N, as in jax.numpy.bincount, or call bincount outside jit/vmap.")
        length = max(int(np.max(value, initial=-1)) + 1, int(minlength))
    x = maximum(x, 0)
    inside = less(x, length)
    if weights is None:
        values = _where(inside, 1, 0).astype(np.dtype(np.int64))
        dtype = np.dtype(np.int64)
    else:
        weights = as_operand(weights)
        if shape_of(weights) != shape_of(x):
            raise ShapeError(f"fnp.bincount: weights of shape {shape_of(weights)} must be "
                             f"shaped like x {shape_of(x)}")
        dtype = np.dtype(get_aval(weights).dtype)
        values = _where(inside, weights, 0)
    index = minimum(x, max(length - 1, 0))
    # (IndexUpdateRef, not .at: a device array, e.g. cupy.ndarray, has no .at)
    return IndexUpdateRef(constant_like(zeros(length, dtype), values), index).add(values)
