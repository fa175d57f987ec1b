"""The floating-point representation of numbers in fungrad.numpy: ``frexp`` (mantissa and
exponent), ``nextafter`` (the neighbouring float) and ``spacing`` (the gap to it).

``nextafter`` binds ``lax.nextafter`` (NumPy's ufunc) after promoting and broadcasting;
``spacing`` is built on it. ``frexp`` is composed from fnp's math without bit casts: the
exponent is ``floor(log2 |x|) + 1``, corrected by one where ``log2`` rounds across a power
of two, and scalings by powers of two are exact (each factor ``2**k`` is split in two, so
that neither overflows). The results equal NumPy's for every finite, infinite, NaN and
subnormal input.

Derivatives: the mantissa of ``frexp`` is ``x * 2**-e`` with ``e`` piecewise constant, so
its derivative is ``2**-e`` (as jax.numpy's); ``spacing`` is piecewise constant (derivative
0). ``nextafter(x1, x2)`` is ``x1`` plus a piecewise-constant step, so its derivative is 1
in ``x1`` and 0 in ``x2``; jax.numpy has no derivative rule for it (an error there).
"""

from __future__ import annotations

import numpy as np

from fungrad import lax
from fungrad.core import get_aval
from fungrad.numpy.math import (
    absolute,
    equal,
    greater_equal,
    isfinite,
    less,
    log2,
    logical_and,
    logical_not,
    power,
    where,
)
from fungrad.numpy.promotion import as_operand, inexact_pair, to_dtype
from fungrad.numpy.reshaping import broadcast_arrays
from fungrad.numpy.rounding import floor

__all__ = ["frexp", "nextafter", "spacing"]

_EXPONENT_DTYPE = np.dtype(np.int32)  # NumPy's and JAX's dtype for frexp's exponent


def _real(fn: str, x):
    """``x`` as an operand, refused when complex (a Python scalar passes as it is)."""
    if type(x) in (int, bool, float):
        return x
    x = as_operand(x)
    if np.dtype(get_aval(x).dtype).kind == "c":
        raise TypeError(f"fnp.{fn}: complex input has no binary exponent (NumPy and JAX "
                        f"refuse it too); pass the real and imaginary parts separately")
    return x


def _real_float(fn: str, x):
    """``x`` as a real floating array (integers and bools become float64; a Python int or
    bool a Python float, weak)."""
    if type(x) in (int, bool):
        return float(x)
    x = _real(fn, x)
    dtype = np.dtype(get_aval(x).dtype)
    return x if dtype.kind == "f" or dtype.name == "bfloat16" else to_dtype(
        x, np.dtype(np.float64))


def _times_power_of_two(x, k):
    """``x * 2**k`` for a float array ``k`` of whole numbers, exactly: ``2**k`` is applied
    in two halves, so that neither factor overflows or underflows where the product fits."""
    half = floor(k * 0.5)
    return x * power(2.0, half) * power(2.0, k - half)


def _exponent(x):
    """The float exponent ``e`` with ``|x| = m 2**e``, ``0.5 <= m < 1`` (for finite nonzero
    ``x``; 0 elsewhere), and the mask of finite nonzero entries."""
    regular = logical_and(isfinite(x), logical_not(equal(x, 0)))
    magnitude = where(regular, absolute(x), 1)
    e = floor(log2(magnitude)) + 1
    m = _times_power_of_two(magnitude, -e)  # log2 may round across a power of two
    e = where(greater_equal(m, 1), e + 1, where(less(m, 0.5), e - 1, e))
    return where(regular, e, 0), regular


def frexp(x, /) -> tuple:
    """The mantissa and exponent of ``x``: ``x = mantissa * 2**exponent``.

    Args:
        x: a real array (integers become float64).

    Returns:
        ``(mantissa, exponent)``: the mantissa has ``x``'s float dtype and ``0.5 <=
        |mantissa| < 1`` (it is ``x`` itself for 0, inf and NaN); the exponent is int32
        (0 for 0, inf and NaN).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> m, e = fnp.frexp(np.array([3.0, -0.5, 0.0]))
        >>> m.tolist(), e.tolist()
        ([0.75, -0.5, 0.0], [2, 0, 0])
    """
    x = _real_float("frexp", x)
    e, regular = _exponent(x)
    mantissa = where(regular, _times_power_of_two(x, -e), x)
    return mantissa, to_dtype(e, _EXPONENT_DTYPE)


def nextafter(x, y, /):
    """The next floating-point value after ``x`` in the direction of ``y``, elementwise.

    Args:
        x, y: real arrays, broadcast together (integers become float64).

    Returns:
        An array of the common float dtype; ``y`` where the two are equal, NaN where
        either is NaN. Its derivative is 1 in ``x`` and 0 in ``y`` (jax.numpy has none).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> bool(fnp.nextafter(1.0, 2.0) - 1.0 == np.finfo(np.float64).eps)
        True
        >>> fnp.nextafter(np.array([0.0, 1.0]), np.array([-1.0, 1.0])).tolist()
        [-5e-324, 1.0]
    """
    # promoted first (NEP 50), then made inexact: a bool array or a Python int beside
    # float32 stays float32 (as in NumPy and JAX), and nextafter(x32, 3) steps in float32
    x, y = inexact_pair("nextafter", _real("nextafter", x), _real("nextafter", y))
    return lax.nextafter(*broadcast_arrays(x, y))


def spacing(x, /):
    """The distance from ``x`` to the next float away from zero, with ``x``'s sign.

    Args:
        x: a real array (integers become float64).

    Returns:
        ``nextafter(x, copysign(inf, x)) - x`` (NaN for inf and NaN); ``spacing(1.0)`` is
        the machine epsilon.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.spacing(np.array([1.0, -1.0])).tolist() == [2.0 ** -52, -(2.0 ** -52)]
        True
    """
    x = _real_float("spacing", x)
    finite = isfinite(x)
    safe = where(finite, x, 0)  # inf - inf would warn; the result there is NaN anyway
    inf = np.dtype(get_aval(x).dtype).type(np.inf)
    direction = where(less(safe, 0), -inf, inf)
    gap = nextafter(safe, direction) - safe
    return where(finite, gap, np.nan)
