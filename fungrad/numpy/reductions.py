"""Reductions of fungrad.numpy: sum, mean, prod, max, min, var, std, argmax, all, cumsum...

Signatures follow ``jax.numpy``: ``axis`` is an int, a negative int, a tuple or None (all
axes); ``keepdims`` keeps reduced axes with length 1; ``dtype`` sets the accumulation dtype.
Like NumPy (and JAX with x64), sums and products of booleans and small integers accumulate
in 64-bit integers, and means and variances of integers are float64. ``where=`` (a boolean
mask broadcast against the input) reduces over the selected entries only, as in NumPy and
JAX: masked entries get no gradient. ``out`` is not supported (arrays are immutable).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "sum",
    "mean",
    "prod",
    "max",
    "min",
    "amax",
    "amin",
    "ptp",
    "var",
    "std",
    "average",
    "nansum",
    "argmax",
    "argmin",
    "all",
    "any",
    "cumsum",
    "cumprod",
]

from fungrad import lax
from fungrad.core import Tracer, get_aval, shape_of
from fungrad.dtypes import accumulation_dtype, is_inexact, real_dtype
from fungrad.errors import ShapeError, user_site
from fungrad.numpy.complex_parts import abs_squared
from fungrad.numpy.promotion import as_operand, broadcast_to_shape, promote_dtypes, to_dtype
from fungrad.numpy.shape import normalize_axes, normalize_axis
from fungrad.numpy.unsupported_arguments import IMMUTABLE, reject_unsupported

_FLOAT = np.dtype(np.float64)


# ---------------------------------------------------------------------------------------
# Shared argument handling


def _reduced_axes(fn: str, a, axis) -> tuple[int, ...]:
    """Sorted non-negative axes to reduce (all of them for None)."""
    ndim = len(shape_of(a))
    if axis is None:
        return tuple(range(ndim))
    if type(axis) is int and -ndim <= axis < ndim:  # the common case, without the checks
        return (axis % ndim,)
    return tuple(sorted(normalize_axes(fn, axis, ndim)))


def _keep(out, in_shape: tuple[int, ...], axes: tuple[int, ...], keepdims: bool):
    """Reinsert reduced axes with length 1 when ``keepdims``."""
    if not keepdims:
        return out
    return lax.reshape(out, tuple(1 if i in axes else n for i, n in enumerate(in_shape)))


def _unsupported(fn: str, **args) -> None:
    reject_unsupported(fn, IMMUTABLE, "use the return value", **args)


def _dtype(x) -> np.dtype:
    if type(x) is np.ndarray:
        return x.dtype
    if isinstance(x, Tracer):
        return x.aval.dtype
    return np.dtype(get_aval(x).dtype)


def _accumulation_dtype(dtype: np.dtype) -> np.dtype:
    """NumPy's sum/prod dtype: booleans and narrow integers widen to 64 bits."""
    if dtype.kind == "b" or (dtype.kind == "i" and dtype.itemsize < 8):
        return np.dtype(np.int64)
    if dtype.kind == "u" and dtype.itemsize < 8:
        return np.dtype(np.uint64)
    return dtype


def _inexact_dtype(dtype: np.dtype) -> np.dtype:
    return dtype if is_inexact(dtype) else _FLOAT


def where_mask(fn: str, a, where):
    """``where=`` as a boolean mask of ``a``'s shape (None when it is not given)."""
    if where is None:
        return None
    mask = as_operand(where)
    if _dtype(mask) != np.bool_:
        raise ValueError(f"fnp.{fn}: where= must be a boolean mask, got dtype {_dtype(mask)}; "
                        "pass a comparison such as `x > 0` (or `mask.astype(bool)`)")
    shape, m_shape = shape_of(a), shape_of(mask)
    try:
        if np.broadcast_shapes(m_shape, shape) != shape:
            raise ValueError
    except ValueError:
        raise ShapeError(f"fnp.{fn}: where= of shape {m_shape} does not broadcast to the "
                         f"input's shape {shape} (trailing axes must match or be 1)"
                         f"\n  at {user_site()}") from None
    return broadcast_to_shape(mask, shape)


def _fill_unselected(a, mask, fill):
    """``a`` where ``mask`` holds, ``fill`` (a scalar, cast to ``a``'s dtype) elsewhere."""
    if mask is None:
        return a
    return lax.select_n(mask, to_dtype(as_operand(fill), _dtype(a)), a)


def _selected_count(mask, axes: tuple[int, ...], dtype: np.dtype):
    """The number of selected entries over ``axes`` (kept as length 1), in ``dtype``."""
    count = lax.reduce_sum(to_dtype(mask, dtype), axes)
    shape = shape_of(mask)
    return lax.reshape(count, tuple(1 if i in axes else n for i, n in enumerate(shape)))


def _count(shape: tuple[int, ...], axes: tuple[int, ...]) -> int:
    count = 1  # a loop: np.prod of a list costs several calls on every mean and max
    for i in axes:
        count *= int(shape[i])
    return count


def _with_initial(fn: str, out, initial, combine):
    """Combine a reduction with a scalar ``initial`` value (NumPy's ``initial=``)."""
    if initial is None:
        return out
    initial = as_operand(initial)
    if shape_of(initial) != ():
        raise ShapeError(f"fnp.{fn}: initial must be a scalar, got shape {shape_of(initial)}"
                         f"\n  at {user_site()}")
    return combine(out, to_dtype(initial, _dtype(out)))


# ---------------------------------------------------------------------------------------
# Sums, products, means


def sum(a, axis=None, dtype=None, out=None, keepdims: bool = False, initial=None,  # noqa: A001, PLR0917
        where=None, promote_integers: bool = True):
    """Sum of array elements over ``axis``, like ``jax.numpy.sum``.

    Args:
        a: array-like input.
        axis: int, tuple of ints, or None (all axes).
        dtype: accumulation and result dtype (default: ``a``'s, with booleans and narrow
            integers widened to 64 bits).
        keepdims: keep reduced axes with length 1.
        initial: a scalar added to the sum.
        where: a boolean mask broadcast to ``a``'s shape: only selected entries are summed.
        promote_integers: widen narrow integers (as NumPy does) when ``dtype`` is None.

    Returns:
        The sum.

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> import fungrad.numpy as fnp
        >>> x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> fnp.sum(x, axis=0)
        array([5., 7., 9.])
        >>> fnp.sum(x).item()
        21.0
        >>> fg.grad(fnp.sum)(np.array([1.0, 2.0]))
        Array([1., 1.])
    """
    if out is not None:
        _unsupported("sum", out=out)
    a = _cast_for_accumulation(as_operand(a), dtype, promote_integers)
    if where is not None:
        a = _fill_unselected(a, where_mask("sum", a, where), 0)
    axes = _reduced_axes("sum", a, axis)
    result = lax.reduce_sum(a, axes)
    if initial is not None:
        result = _with_initial("sum", result, initial, lax.add)
    return _keep(result, shape_of(a), axes, keepdims) if keepdims else result


def _cast_for_accumulation(a, dtype, promote_integers: bool = True):
    if dtype is not None:
        return to_dtype(a, np.dtype(dtype))
    if promote_integers:
        dtype = _dtype(a)
        acc = _accumulation_dtype(dtype)
        if acc == dtype and (type(a) is np.ndarray or isinstance(a, Tracer)):
            return a  # what to_dtype returns for them (a Python scalar becomes a NumPy one)
        return to_dtype(a, acc)
    return a


def prod(a, axis=None, dtype=None, out=None, keepdims: bool = False, initial=None,  # noqa: PLR0917
         where=None, promote_integers: bool = True):
    """Product of array elements over ``axis``; exact derivatives where ``a`` has zeros.

    Args:
        a: array-like input.
        axis: int, tuple of ints, or None (all axes).
        dtype: accumulation and result dtype (narrow integers widen to 64 bits by default).
        keepdims: keep reduced axes with length 1.
        initial: a scalar multiplied into the product.
        where: a boolean mask broadcast to ``a``'s shape: only selected entries count.
        promote_integers: widen narrow integers (as NumPy does) when ``dtype`` is None.

    Returns:
        The product.

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> import fungrad.numpy as fnp
        >>> fnp.prod(np.array([[1.0, 2.0], [3.0, 4.0]]), axis=1)
        array([ 2., 12.])
        >>> fg.grad(fnp.prod)(np.array([0.0, 2.0, 3.0]))
        Array([6., 0., 0.])
    """
    if out is not None:
        _unsupported("prod", out=out)
    a = _cast_for_accumulation(as_operand(a), dtype, promote_integers)
    if where is not None:
        a = _fill_unselected(a, where_mask("prod", a, where), 1)
    axes = _reduced_axes("prod", a, axis)
    result = _with_initial("prod", lax.reduce_prod(a, axes), initial, lax.mul)
    return _keep(result, shape_of(a), axes, keepdims)


def nansum(a, axis=None, dtype=None, out=None, keepdims: bool = False, initial=None,  # noqa: PLR0917
           where=None):
    """Sum treating NaNs as zero (their derivative is zero), like ``numpy.nansum``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.nansum(np.array([1.0, np.nan, 2.0])).item()
        3.0
    """
    a = as_operand(a)
    if is_inexact(_dtype(a)):
        a = lax.select_n(lax.ne(a, a), a, _dtype(a).type(0))
    return sum(a, axis, dtype, out, keepdims, initial, where)


def mean(a, axis=None, dtype=None, out=None, keepdims: bool = False, *, where=None):
    """Arithmetic mean over ``axis``; integer inputs give float64, like ``numpy.mean``.

    Args:
        a: array-like input.
        axis: int, tuple of ints, or None (all axes).
        dtype: computation and result dtype (default: ``a``'s if inexact, else float64).
        keepdims: keep reduced axes with length 1.
        where: a boolean mask broadcast to ``a``'s shape: the mean of the selected entries
            (NaN where none is selected).

    Returns:
        The mean (NaN for an empty reduction).

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> import fungrad.numpy as fnp
        >>> x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> fnp.mean(x, axis=0)
        array([2.5, 3.5, 4.5])
        >>> fg.grad(fnp.mean)(np.array([1.0, 2.0, 3.0, 4.0]))
        Array([0.25, 0.25, 0.25, 0.25])
    """
    if out is not None:
        _unsupported("mean", out=out)
    a = as_operand(a)
    dtype = _inexact_dtype(_dtype(a)) if dtype is None else np.dtype(dtype)
    compute = accumulation_dtype(dtype)  # float32 for 16-bit floats, as in JAX
    a = to_dtype(a, compute)
    axes = _reduced_axes("mean", a, axis)
    if where is not None:
        mask = where_mask("mean", a, where)
        total = _keep(lax.reduce_sum(_fill_unselected(a, mask, 0), axes), shape_of(a), axes,
                      True)
        result = to_dtype(divide_or_nan(total, _selected_count(mask, axes, real_dtype(compute))),
                          dtype)
        return result if keepdims else lax.reshape(result, _reduced_shape(shape_of(a), axes))
    total = lax.reduce_sum(a, axes)
    result = to_dtype(lax.div(total, compute.type(_count(shape_of(a), axes))), dtype)
    return _keep(result, shape_of(a), axes, keepdims) if keepdims else result


_mean = mean  # var's and std's parameter ``mean`` (JAX's name) hides the function


def _reduced_shape(shape, axes) -> tuple[int, ...]:
    return tuple(n for i, n in enumerate(shape) if i not in axes)


def divide_or_nan(total, count):
    """``total / count``, NaN where ``count`` is not positive (no selected entry, or no
    degree of freedom left), without forming 0 / 0."""
    positive = lax.gt(count, _dtype(count).type(0))
    safe = lax.select_n(positive, to_dtype(as_operand(1), _dtype(count)), count)
    quotient = lax.div(total, to_dtype(safe, _dtype(total)))
    if not is_inexact(_dtype(total)):  # an integer dtype=: a truncated quotient, no nan
        return quotient
    return lax.select_n(positive, to_dtype(as_operand(np.nan), _dtype(total)), quotient)


def average(a, axis=None, weights=None, returned: bool = False, keepdims: bool = False):
    """Weighted average over ``axis``, like ``numpy.average``.

    Args:
        a: array-like input.
        axis: int, tuple of ints, or None (all axes).
        weights: None (plain mean), an array shaped like ``a``, or a 1-D array as long as
            ``a`` along an int ``axis``.
        returned: also return the sum of the weights (broadcast like the average).
        keepdims: keep reduced axes with length 1.

    Returns:
        The average, or ``(average, sum_of_weights)`` if ``returned``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.average(np.array([1.0, 2.0, 4.0]), weights=np.array([1.0, 1.0, 2.0])).item()
        2.75
    """
    a = as_operand(a)
    if weights is None:
        avg = mean(a, axis, keepdims=keepdims)
        if not returned:
            return avg
        count = _dtype(avg).type(_count(shape_of(a), _reduced_axes("average", a, axis)))
        return avg, broadcast_to_shape(count, shape_of(avg))
    a, weights = promote_dtypes("average", a, as_operand(weights))
    dtype = _inexact_dtype(_dtype(a))
    a, weights = to_dtype(a, dtype), to_dtype(weights, dtype)
    weights = _weights_like(a, weights, axis)
    axes = _reduced_axes("average", a, axis)
    total_weight = lax.reduce_sum(weights, axes)
    avg = lax.div(lax.reduce_sum(lax.mul(a, weights), axes), total_weight)
    avg = _keep(avg, shape_of(a), axes, keepdims)
    if returned:
        return avg, _keep(total_weight, shape_of(a), axes, keepdims)
    return avg


def _weights_like(a, weights, axis):
    """Broadcast 1-D ``weights`` along ``axis`` to ``a``'s shape (or check equal shapes)."""
    a_shape, w_shape = shape_of(a), shape_of(weights)
    if w_shape == a_shape:
        return weights
    if axis is None or not isinstance(axis, int) or len(w_shape) != 1:
        raise ShapeError(
            f"fnp.average: weights of shape {w_shape} differ from a's shape {a_shape}; pass "
            "weights shaped like a, or 1-D weights together with an int axis"
            f"\n  at {user_site()}")
    ax = normalize_axis("average", axis, len(a_shape))
    if w_shape[0] != a_shape[ax]:
        raise ShapeError(
            f"fnp.average: 1-D weights of length {w_shape[0]} do not match axis {axis} of a "
            f"(shape {a_shape}, length {a_shape[ax]})\n  at {user_site()}")
    return lax.broadcast_in_dim(weights, a_shape, (ax,))


def var(a, axis=None, dtype=None, out=None, ddof=0, keepdims: bool = False, *,  # noqa: PLR0917
        where=None, mean=None, correction=None):  # noqa: A002 (JAX's name)
    """Variance over ``axis``: mean of squared deviations, divided by ``N - ddof``.

    Args:
        a: array-like input (real or complex; the variance of complex input is real).
        axis: int, tuple of ints, or None (all axes).
        dtype: computation dtype (default: ``a``'s if inexact, else float64).
        ddof: delta degrees of freedom (``correction`` is the array-API name for it).
        keepdims: keep reduced axes with length 1.
        where: a boolean mask broadcast to ``a``'s shape: the variance of the selected
            entries (NaN where fewer than ``ddof + 1`` are selected).
        mean: the mean, if already computed (shaped as ``fnp.mean(..., keepdims=True)``
            gives it): used instead of computing it again.

    Returns:
        The variance.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.var(np.array([1.0, 2.0, 3.0, 4.0])).item()
        1.25
    """
    _unsupported("var", out=out)
    ddof = _resolve_correction("var", ddof, correction)
    a = as_operand(a)
    dtype = _inexact_dtype(_dtype(a)) if dtype is None else np.dtype(dtype)
    out_dtype, dtype = real_dtype(dtype), accumulation_dtype(dtype)  # 16-bit: float32 inside
    # An integer dtype= computes in integers (the mean and the quotient truncate), but the
    # result is floating, as JAX's (its nan for no degrees of freedom promotes it).
    out_dtype = _inexact_dtype(out_dtype)
    a = to_dtype(a, dtype)
    axes = _reduced_axes("var", a, axis)
    shape = shape_of(a)
    mask = where_mask("var", a, where)
    if mean is not None:
        centre = _given_mean("var", mean, shape, axes, dtype)
    elif mask is None:
        centre = lax.broadcast_in_dim(lax.div(lax.reduce_sum(a, axes),
                                              dtype.type(_count(shape, axes))),
                                      shape, _kept(shape, axes))
    else:
        centre = broadcast_to_shape(_mean(a, axes, dtype, keepdims=True, where=mask),
                                    shape)
    deviation = abs_squared(lax.sub(a, centre))  # |x - mean|^2: real for complex
    squares = lax.reduce_sum(_fill_unselected(deviation, mask, 0), axes)
    if mask is not None:
        count = _selected_count(mask, axes, real_dtype(dtype))
        count = lax.reshape(count, _reduced_shape(shape, axes))
        result = divide_or_nan(squares, lax.sub(count, real_dtype(dtype).type(ddof)))
        return _keep(to_dtype(result, out_dtype), shape, axes, keepdims)
    divisor = _count(shape, axes) - ddof
    real = real_dtype(dtype).type
    # ddof >= N: no degrees of freedom left, nan as in JAX (N - ddof < 0 once gave a
    # variance of -0.0; NumPy warns and gives inf or nan).
    # Derivatives as JAX's (which selects nan over squares / divisor) past ddof == N: 0 (a
    # built nan, independent of the input). At ddof == N, JAX's discarded 0 / 0 makes its VJP
    # nan (its JVP is 0); forming that 0 / 0 would warn, so both are nan here.
    if divisor > 0:
        result = lax.div(squares, real(divisor))
    elif divisor == 0:
        result = lax.mul(squares, real(np.nan))
    else:
        # nan with a zero derivative, on the operand's device (nan * x is quiet)
        result = lax.mul(lax.stop_gradient(squares), real(np.nan))
    return _keep(to_dtype(result, out_dtype), shape, axes, keepdims)


def _given_mean(fn: str, mean, shape, axes, dtype):
    """The ``mean=`` argument of var/std, broadcast to the input's shape."""
    mean = to_dtype(as_operand(mean), dtype)
    kept_shape = tuple(1 if i in axes else n for i, n in enumerate(shape))
    m_shape = shape_of(mean)
    if m_shape not in (kept_shape, ()) and m_shape != _reduced_shape(shape, axes):
        raise ShapeError(f"fnp.{fn}: mean= has shape {m_shape}; for an input of shape {shape} "
                         f"reduced over axes {axes} it must have shape {kept_shape} (what "
                         f"fnp.mean(..., keepdims=True) returns)\n  at {user_site()}")
    if m_shape and m_shape != kept_shape:
        mean = lax.reshape(mean, kept_shape)
    return broadcast_to_shape(mean, shape)


def _kept(shape, axes) -> tuple[int, ...]:
    return tuple(i for i in range(len(shape)) if i not in axes)


def _resolve_correction(fn: str, ddof, correction):
    if correction is None:
        return ddof
    if ddof != 0:
        raise ValueError(f"fnp.{fn}: pass ddof or correction, not both (they are one setting)")
    return correction


def std(a, axis=None, dtype=None, out=None, ddof=0, keepdims: bool = False, *,  # noqa: PLR0917
        where=None, mean=None, correction=None):  # noqa: A002 (JAX's name)
    """Standard deviation over ``axis``: ``sqrt(var(...))`` with the same arguments.

    Conventions at a zero variance: where each slice has one element (and ``ddof=0``, no
    ``where=``) the standard deviation is identically 0, so its derivative is 0 (JAX gives
    nan there). Where
    a slice of several elements happens to be constant, std has a kink (like ``|x|`` at 0)
    and the derivative is nan, as JAX.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.std(np.array([1.0, 2.0, 3.0, 4.0])).item()
        1.118033988749895
        >>> fnp.std(np.array([1.0, 2.0, 3.0, 4.0]), ddof=1).item()
        1.2909944487358056
    """
    _unsupported("std", out=out)
    variance = var(a, axis, dtype, None, ddof, keepdims, where=where, mean=mean,
                   correction=correction)
    a = as_operand(a)
    if (where is None and _count(shape_of(a), _reduced_axes("std", a, axis)) == 1
            and not (ddof or correction)):
        # a constant function of a: zero derivative (stopped before sqrt, whose derivative
        # at 0 would be formed as 0 / 0 and discarded)
        variance = lax.stop_gradient(variance)
    return lax.sqrt(variance)


# ---------------------------------------------------------------------------------------
# Extremes


def _extreme(fn: str, lax_reduce, combine, a, *, axis, out, keepdims, initial, where):
    _unsupported(fn, out=out)
    a = as_operand(a)
    axes = _reduced_axes(fn, a, axis)
    shape = shape_of(a)
    if where is not None:
        if initial is None:
            raise ValueError(f"fnp.{fn}: where= needs initial=: {fn} has no identity to give "
                             "the entries the mask leaves out (as in NumPy and JAX); pass "
                             "initial=-fnp.inf for max or fnp.inf for min, say")
        a = _fill_unselected(a, where_mask(fn, a, where), initial)
    if initial is None and _count(shape, axes) == 0:
        raise ValueError(f"fnp.{fn}: zero-size reduction over axis={axis} of an array of "
                         f"shape {shape}: there is no identity; pass initial=...")
    result = lax_reduce(a, axes)
    if initial is not None:
        result = _with_initial(fn, result, initial, combine)
    return _keep(result, shape, axes, keepdims) if keepdims else result


def max(a, axis=None, out=None, keepdims: bool = False, initial=None,  # noqa: A001, PLR0917
        where=None):
    """Maximum over ``axis``; tied maxima share the gradient evenly (as in JAX).

    Args:
        a: array-like input.
        axis: int, tuple of ints, or None (all axes).
        keepdims: keep reduced axes with length 1.
        initial: a scalar lower bound of the result (required for empty reductions and
            with ``where=``).
        where: a boolean mask broadcast to ``a``'s shape: only selected entries count.

    Returns:
        The maximum (NaN if any reduced element is NaN).

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> import fungrad.numpy as fnp
        >>> x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> fnp.max(x, axis=0)
        array([4., 5., 6.])
        >>> fg.grad(fnp.max)(np.array([1.0, 3.0, 3.0]))
        Array([0. , 0.5, 0.5])
    """
    return _extreme("max", lax.reduce_max, lax.max, a, axis=axis, out=out, keepdims=keepdims,
                    initial=initial, where=where)


def min(a, axis=None, out=None, keepdims: bool = False, initial=None,  # noqa: A001, PLR0917
        where=None):
    """Minimum over ``axis``; tied minima share the gradient evenly (as in JAX).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> fnp.min(x, axis=1)
        array([1., 4.])
    """
    return _extreme("min", lax.reduce_min, lax.min, a, axis=axis, out=out, keepdims=keepdims,
                    initial=initial, where=where)


amax = max
amin = min


def ptp(a, axis=None, out=None, keepdims: bool = False):
    """Range (maximum minus minimum) over ``axis``, like ``numpy.ptp``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> fnp.ptp(x, axis=1)
        array([2., 2.])
    """
    a = as_operand(a)
    return lax.sub(max(a, axis, out, keepdims), min(a, axis, out, keepdims))


def _arg_extreme(fn: str, lax_arg, a, *, axis, out, keepdims):
    _unsupported(fn, out=out)
    a = as_operand(a)
    in_shape = shape_of(a)
    if axis is None:
        a = lax.reshape(a, (_count(in_shape, tuple(range(len(in_shape)))),))
        index_axis, axes = 0, tuple(range(len(in_shape)))
    else:
        index_axis = normalize_axis(fn, axis, len(in_shape))
        axes = (index_axis,)
    if shape_of(a)[index_axis] == 0:
        raise ValueError(f"fnp.{fn}: attempt to get {fn} of an empty sequence (array of "
                         f"shape {in_shape}, axis={axis})")
    return _keep(lax_arg(a, index_axis, np.int64), in_shape, axes, bool(keepdims))


def argmax(a, axis=None, out=None, keepdims=None):
    """Index of the first maximum along ``axis`` (of the flattened array if None).

    Args:
        a: array-like input.
        axis: an int, or None to search the flattened array.
        keepdims: keep the reduced axis (all axes, for None) with length 1.

    Returns:
        int64 indices.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> fnp.argmax(x, axis=1)
        array([2, 2])
        >>> int(fnp.argmax(x))
        5
    """
    return _arg_extreme("argmax", lax.argmax, a, axis=axis, out=out, keepdims=keepdims)


def argmin(a, axis=None, out=None, keepdims=None):
    """Index of the first minimum along ``axis`` (of the flattened array if None).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> fnp.argmin(x, axis=0)
        array([0, 0, 0])
    """
    return _arg_extreme("argmin", lax.argmin, a, axis=axis, out=out, keepdims=keepdims)


# ---------------------------------------------------------------------------------------
# Truth tests


def _truth(fn: str, lax_reduce, a, *, axis, out, keepdims, where):
    _unsupported(fn, out=out)
    a = as_operand(a)
    if _dtype(a) != np.bool_:
        a = lax.ne(a, _dtype(a).type(0))
    if where is not None:  # unselected entries are the identity: True for all, False for any
        a = _fill_unselected(a, where_mask(fn, a, where), fn == "all")
    axes = _reduced_axes(fn, a, axis)
    return _keep(lax_reduce(a, axes), shape_of(a), axes, keepdims)


def all(a, axis=None, out=None, keepdims: bool = False, *, where=None):  # noqa: A001
    """True where every element over ``axis`` is nonzero (NaN counts as nonzero).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.all(np.array([[True, False], [True, True]]), axis=1)
        array([False,  True])
    """
    return _truth("all", lax.reduce_and, a, axis=axis, out=out, keepdims=keepdims, where=where)


def any(a, axis=None, out=None, keepdims: bool = False, *, where=None):  # noqa: A001
    """True where some element over ``axis`` is nonzero (NaN counts as nonzero).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.any(np.array([[True, False], [False, False]]), axis=1)
        array([ True, False])
    """
    return _truth("any", lax.reduce_or, a, axis=axis, out=out, keepdims=keepdims, where=where)


# ---------------------------------------------------------------------------------------
# Cumulative sums and products


def _cumulative(fn: str, lax_fn, a, *, axis, dtype, out):
    _unsupported(fn, out=out)
    a = as_operand(a)
    if dtype is not None:
        a = to_dtype(a, np.dtype(dtype))
    elif _dtype(a) == np.bool_:
        a = to_dtype(a, np.dtype(np.int64))  # JAX and NumPy count booleans as integers
    if axis is None:
        a = lax.reshape(a, (_count(shape_of(a), tuple(range(len(shape_of(a))))),))
        axis = 0
    return lax_fn(a, normalize_axis(fn, axis, len(shape_of(a))))


def cumsum(a, axis=None, dtype=None, out=None):
    """Cumulative sum along ``axis`` (of the flattened array if None), like ``jnp.cumsum``.

    Args:
        a: array-like input.
        axis: an int, or None to accumulate over the flattened array.
        dtype: accumulation and result dtype (default: ``a``'s; booleans become int64).

    Returns:
        An array of ``a``'s shape (1-D for ``axis=None``).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> fnp.cumsum(x, axis=1)
        array([[ 1.,  3.,  6.],
               [ 4.,  9., 15.]])
    """
    return _cumulative("cumsum", lax.cumsum, a, axis=axis, dtype=dtype, out=out)


def cumprod(a, axis=None, dtype=None, out=None):
    """Cumulative product along ``axis`` (of the flattened array if None); zeros are fine.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.cumprod(np.array([1.0, 2.0, 3.0, 4.0]))
        array([ 1.,  2.,  6., 24.])
    """
    return _cumulative("cumprod", lax.cumprod, a, axis=axis, dtype=dtype, out=out)
