"""More elementwise functions of fungrad.numpy: sinc, i0 (the Bessel function NumPy
exports), signbit, copysign, fmax/fmin (NaN-ignoring extremes), heaviside, logaddexp2,
float_power, isposinf/isneginf, isreal and isscalar, all composed from fnp's math and lax
(so they differentiate where jax.numpy's do).
"""

from __future__ import annotations

import math

import numpy as np

from fungrad import lax
from fungrad.core import Tracer, get_aval, shape_of
from fungrad.lax import special_scipy
from fungrad.numpy.complex_parts import imag
from fungrad.numpy.math import (
    absolute,
    arctan2,
    equal,
    exp,
    floor_divide,
    greater,
    isnan,
    less,
    logaddexp,
    logical_and,
    logical_or,
    maximum,
    minimum,
    negative,
    power,
    remainder,
    sign,
    sin,
    where,
)
from fungrad.numpy.promotion import (
    as_inexact,
    as_operand,
    inexact_pair,
    promote_dtypes,
    to_dtype,
)
from fungrad.numpy.rounding import trunc
from fungrad.numpy.unsupported_arguments import reject_out_where

__all__ = ["sinc", "i0", "signbit", "copysign", "fmax", "fmin", "heaviside", "logaddexp2",
           "float_power", "isposinf", "isneginf", "isreal", "isscalar", "iterable", "divmod",
           "modf", "ldexp"]

_LN2 = float(np.log(2.0))
_SERIES_BELOW = 1e-3  # |x| where sinc's Taylor series is exact to double precision


def sinc(x, /):
    """``sin(pi x) / (pi x)``, with ``sinc(0) == 1``.

    Near 0 a Taylor polynomial replaces the quotient, so every derivative at 0 is right
    (``sinc''(0) = -pi**2 / 3``), as JAX's series rule gives.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.sinc(np.array([0.0, 0.5, 1.0])).round(6).tolist()
        [1.0, 0.63662, 0.0]
    """
    x = as_inexact(x)
    near_zero = less(absolute(x), _SERIES_BELOW)
    safe = where(near_zero, 1, x)  # the quotient branch never sees 0
    quotient = sin(np.pi * safe) / (np.pi * safe)
    u = (np.pi * x) ** 2
    series = 1 - u / 6 + u * u / 120 - u * u * u / 5040
    return where(near_zero, series, quotient)


def abs_without_kink(x):
    """``|x|`` as ``x sign(x)``: the same values, derivative 0 at 0 (so i0'(0) = 0)."""
    return x * lax.stop_gradient(sign(x))


def with_series_at_zero(x, coefficients, general):
    """``general(x)``, but for ``|x| < 0.1`` the polynomial ``sum(c_k x**k)`` (Taylor's, to
    degree 10: exact to double rounding there), so that the derivatives of every order up
    to 10 are exact at and near 0. ``general`` alone, built on ``|x|`` and ``i1e(x) / x``,
    got the odd orders of i0 and the even ones of i1 at 0 from sign(0) = 0 conventions (the
    third derivative of i1 at 0 was 1/2, not 3/8), and lost digits to cancellation beside
    0. The general branch sees 1 there (no 0 / 0, no tangent).
    """
    near = less(absolute(x), _SERIES_RADIUS)
    series = 0.0
    for c in reversed(coefficients):  # Horner
        series = series * x + c
    return where(near, series, general(where(near, 1.0, x)))


_SERIES_RADIUS = 0.1
# Taylor coefficients at 0 (degree 10): I0 = sum x^2k / (4^k k!^2), I1 = sum x^(2k+1) /
# (2^(2k+1) k! (k+1)!); the first omitted terms are below 1e-21 of the sum for |x| < 0.1
_I0_SERIES = tuple(0.0 if k % 2 else 1.0 / (4.0 ** (k // 2) * math.factorial(k // 2) ** 2)
                   for k in range(11))
_I1_SERIES = tuple(0.0 if k % 2 == 0 else 1.0 / (2.0 ** k * math.factorial(k // 2)
                                                 * math.factorial(k // 2 + 1))
                   for k in range(11))


def i0(x):
    """The modified Bessel function of the first kind of order 0, elementwise.

    Args:
        x: a real array (integers become float64).

    Returns:
        ``I_0(x)``, computed as ``i0e(x) exp(|x|)`` (its Taylor series for ``|x| < 0.1``);
        its derivative is ``I_1(x)`` (0 at 0), and the higher ones are exact at 0 too.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.i0(np.array([0.0, 1.0])).round(6).tolist()
        [1.0, 1.266066]
    """
    x = as_inexact(x)
    if np.dtype(get_aval(x).dtype).kind == "c":
        raise TypeError("fnp.i0: complex input is not supported (as in jax.numpy); pass a "
                        "real array")
    return with_series_at_zero(
        x, _I0_SERIES, lambda y: special_scipy.bessel_i0e(y) * exp(abs_without_kink(y)))


def i1(x):
    """``I_1(x)`` of a real float array, as ``i1e(x) exp(|x|)`` (its Taylor series for
    ``|x| < 0.1``, so that every derivative is exact at 0): ``scipy.special.i1``."""
    return with_series_at_zero(
        x, _I1_SERIES, lambda y: special_scipy.bessel_i1e(y) * exp(abs_without_kink(y)))


def signbit(x, /):
    """True where the sign bit of ``x`` is set: negative numbers and -0.0.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.signbit(np.array([-1.0, -0.0, 0.0, 2.0])).tolist()
        [True, True, False, False]
    """
    x = as_operand(x)
    dtype = np.dtype(get_aval(x).dtype)
    if dtype.kind == "b":
        return equal(x, np.logical_not(x))  # all False, shaped like x
    if dtype.kind in "iu":
        return less(x, 0)
    # atan2(x, -1) is -pi for x = -0.0 and +pi for +0.0: the sign bit of a zero, no bit casts.
    negative_zero = logical_and(equal(x, 0), less(arctan2(x, -1.0), 0))
    return logical_or(less(x, 0), negative_zero)


def copysign(x1, x2, /):
    """``|x1|`` with the sign of ``x2`` (including the sign of -0.0).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.copysign(np.array([1.0, -2.0]), np.array([-0.0, 3.0])).tolist()
        [-1.0, 2.0]
    """
    x1, x2 = inexact_pair("copysign", x1, x2)
    magnitude = absolute(x1)
    return where(signbit(x2), negative(magnitude), magnitude)


def fmax(x1, x2):
    """Elementwise maximum ignoring NaNs (NaN only where both are NaN).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.fmax(np.array([1.0, np.nan, np.nan]), np.array([2.0, 3.0, np.nan])).tolist()
        [2.0, 3.0, nan]
    """
    x1, x2 = promote_dtypes("fmax", as_operand(x1), as_operand(x2))
    return where(isnan(x2), x1, where(isnan(x1), x2, maximum(x1, x2)))


def fmin(x1, x2):
    """Elementwise minimum ignoring NaNs (NaN only where both are NaN).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.fmin(np.array([1.0, np.nan, np.nan]), np.array([2.0, 3.0, np.nan])).tolist()
        [1.0, 3.0, nan]
    """
    x1, x2 = promote_dtypes("fmin", as_operand(x1), as_operand(x2))
    return where(isnan(x2), x1, where(isnan(x1), x2, minimum(x1, x2)))


def heaviside(x1, x2, /):
    """The step function: 0 for ``x1 < 0``, ``x2`` at ``x1 == 0``, 1 for ``x1 > 0``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.heaviside(np.array([-1.0, 0.0, 2.0]), 0.5).tolist()
        [0.0, 0.5, 1.0]
    """
    x1, x2 = inexact_pair("heaviside", x1, x2)
    return where(less(x1, 0), 0, where(greater(x1, 0), 1, x2))


def logaddexp2(x1, x2, /, out=None, where=None):
    """``log2(2**x1 + 2**x2)``, computed stably (``out``/``where`` must be None, as in jnp).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.logaddexp2(np.array([1.0, 3.0]), np.array([1.0, 1.0])).round(6).tolist()
        [2.0, 3.321928]
    """
    if out is not None or where is not None:
        reject_out_where("logaddexp2", out, where)
    x1, x2 = inexact_pair("logaddexp2", x1, x2)
    return logaddexp(x1 * _LN2, x2 * _LN2) / _LN2


def float_power(x, y, /):
    """``x ** y`` in the operands' common inexact dtype, as jax.numpy (integers and booleans
    become float64; float32 stays float32, where NumPy widens to float64).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> r = fnp.float_power(np.array([2, 3]), 2)
        >>> r.dtype, r.tolist()
        (dtype('float64'), [4.0, 9.0])
    """
    return power(*inexact_pair("float_power", x, y))


def isposinf(x, /, out=None):
    """True where ``x`` is +inf.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.isposinf(np.array([np.inf, -np.inf, 1.0])).tolist()
        [True, False, False]
    """
    return _is_inf("isposinf", x, out, np.inf)


def isneginf(x, /, out=None):
    """True where ``x`` is -inf.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.isneginf(np.array([np.inf, -np.inf, 1.0])).tolist()
        [False, True, False]
    """
    return _is_inf("isneginf", x, out, -np.inf)


def _is_inf(fn: str, x, out, value):
    if out is not None:
        raise NotImplementedError(f"fnp.{fn}: `out` is not supported (arrays are immutable)")
    x = as_operand(x)
    if np.dtype(get_aval(x).dtype).kind == "c":
        raise TypeError(f"fnp.{fn}: complex input has no sign of infinity (as NumPy)")
    return equal(x, value)


def isreal(x):
    """True where the imaginary part of ``x`` is zero (everywhere for real input).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.isreal(np.array([1 + 0j, 1 + 2j])).tolist()
        [True, False]
    """
    return equal(imag(as_operand(x)), 0)


def isscalar(element) -> bool:
    """Whether ``element`` is a scalar: a Python or NumPy scalar, or a rank-0 array or
    tracer (as ``jax.numpy.isscalar``, which counts rank-0 arrays as scalars).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.isscalar(3.0), fnp.isscalar(np.array(3.0)), fnp.isscalar(np.array([3.0]))
        (True, True, False)
    """
    if isinstance(element, (bool, int, float, complex, np.generic)):
        return True
    if isinstance(element, (np.ndarray, Tracer)):
        return shape_of(element) == ()
    return False


iterable = np.iterable  # whether iter(y) works: a question about Python objects (as jax.numpy)


def divmod(x1, x2, /) -> tuple:  # noqa: A001 (jax.numpy's name)
    """``(x1 // x2, x1 % x2)``, elementwise (floor division and Python's remainder).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> q, r = fnp.divmod(np.array([7, -7]), 3)
        >>> q.tolist(), r.tolist()
        ([2, -3], [1, 2])
    """
    return floor_divide(x1, x2), remainder(x1, x2)


def modf(x, /, out=None) -> tuple:
    """The fractional and integral parts of ``x`` (both with ``x``'s sign).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> frac, whole = fnp.modf(np.array([2.5, -1.25]))
        >>> frac.tolist(), whole.tolist()
        ([0.5, -0.25], [2.0, -1.0])
    """
    if out is not None:
        raise NotImplementedError("fnp.modf: `out` is not supported (arrays are immutable)")
    x = as_inexact(x)
    whole = trunc(x)
    return x - whole, whole


def ldexp(x1, x2, /):
    """``x1 * 2 ** x2`` for integer ``x2``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.ldexp(np.array([1.0, 3.0]), np.array([3, -1])).tolist()
        [8.0, 1.5]
    """
    x2 = as_operand(x2)
    if np.dtype(get_aval(x2).dtype).kind not in "iub":
        raise TypeError(f"fnp.ldexp: x2 must be an integer array, got dtype "
                        f"{get_aval(x2).dtype}")
    x1 = as_inexact(x1)
    return x1 * power(2.0, to_dtype(x2, np.dtype(get_aval(x1).dtype)))
