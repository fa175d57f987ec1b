"""NumPy evaluation of the special functions behind ``fungrad.lax.special_scipy``.

Float64 arrays in and out (the primitives cast float32 operands in and out). Methods:

- ``erfcx(x) = exp(x^2) erfc(x)``: for ``x >= 1/2`` the Taylor grid and Laplace continued
  fraction that ``special_math.erfc`` already uses (before it multiplies by ``exp(-x^2)``),
  below that ``erfc(x) / exp(-x^2)`` with the exponent split so that ``x^2`` is not rounded.
- ``erfc_inv``: ``erf_inv(1 - y)`` on ``[1/2, 3/2]`` (``1 - y`` is exact there); in the tails
  Newton steps on ``log erfc(x) = log erfcx(x) - x^2 = log y``, which stay accurate down to
  the smallest subnormal ``y``.
- ``bessel_i0e``/``bessel_i1e`` (``exp(-|x|) I_nu(x)``): the power series of ``I_nu`` (all
  terms positive, so no cancellation) up to ``|x| = 20``, Hankel's asymptotic series beyond.
- ``betainc`` (the regularized incomplete beta ``I_x(a, b)``): its continued fraction,
  evaluated by the modified Lentz method on whichever of ``x`` and ``1 - x`` converges
  faster, with the prefactor ``x^a (1-x)^b / (a B(a, b))`` as one exponential.
- ``zeta``: the Hurwitz zeta series of ``special_math`` (direct terms, then Euler-Maclaurin).
"""

from __future__ import annotations

import math

import numpy as np

from fungrad.lax import special_math

_SQRT_PI = math.sqrt(math.pi)

# ---------------------------------------------------------------------------------------
# erfcx and the inverse complementary error function


def erfcx(x: np.ndarray) -> np.ndarray:
    """``exp(x^2) erfc(x)``; ``inf`` below about -26.6, where it overflows."""
    x = np.asarray(x, dtype=np.float64)
    out = np.empty_like(x)
    grid = (x >= special_math._GRID_START) & (x < special_math._GRID_END)
    out[grid] = special_math._erfcx_grid(x[grid])
    tail = x >= special_math._GRID_END
    out[tail] = special_math._erfcx_fraction(x[tail], special_math._TAIL_DEPTH)
    low = ~(grid | tail)  # x < 1/2 and nan
    out[low] = special_math.erfc(x[low]) / special_math._exp_neg_square(x[low])
    out[x == -np.inf] = np.inf
    return out


def _erfc_inv_tail(y):
    """``erfc_inv(y)`` for ``0 < y < 1/2`` (a positive result)."""
    log_y = np.log(y)
    log_w = log_y + np.log(2.0 - y)  # log(1 - (1 - y)^2), with no cancellation
    a = 0.147  # Winitzki's closed-form guess, about 2e-3 relative
    u = 2.0 / (math.pi * a) + 0.5 * log_w
    x = np.sqrt(np.sqrt(u * u - log_w / a) - u)
    for _ in range(4):
        scaled = erfcx(x)
        # f(x) = log erfc(x) - log y, f'(x) = -2 / (sqrt(pi) erfcx(x))
        x = x + (np.log(scaled) - x * x - log_y) * (0.5 * _SQRT_PI * scaled)
    return x


def erfc_inv(y: np.ndarray) -> np.ndarray:
    """The inverse of erfc on ``[0, 2]``: ``inf`` at 0, ``-inf`` at 2, nan outside."""
    y = np.asarray(y, dtype=np.float64)
    out = np.full_like(y, np.nan)
    mid = (y >= 0.5) & (y <= 1.5)
    out[mid] = special_math.erf_inv(1.0 - y[mid])
    low = (y > 0.0) & (y < 0.5)
    out[low] = _erfc_inv_tail(y[low])
    high = (y > 1.5) & (y < 2.0)
    out[high] = -_erfc_inv_tail(2.0 - y[high])  # 2 - y is exact there
    out[y == 0.0] = np.inf
    out[y == 2.0] = -np.inf
    return out


# ---------------------------------------------------------------------------------------
# Exponentially scaled modified Bessel functions of orders 0 and 1

_BESSEL_SERIES_BELOW = 20.0
_BESSEL_SERIES_TERMS = 60  # term ratio (x/2)^2 / (k (k + nu)) < 0.12 past k = 58 at x = 20
_BESSEL_HANKEL_TERMS = 18  # smallest term near k = 2x = 40; 18 terms reach 1e-17 at x = 20


def _bessel_ie_series(nu: int, a):
    """``exp(-a) I_nu(a)`` for ``0 <= a <= 20``: ``sum_k (a/2)^(2k+nu) / (k! (k+nu)!)``."""
    half = 0.5 * a
    q = half * half
    term = half ** nu / math.factorial(nu)
    total = term
    for k in range(1, _BESSEL_SERIES_TERMS):
        term = term * q / (k * (k + nu))
        total = total + term
    return total * np.exp(-a)


def _bessel_ie_hankel(nu: int, a):
    """``exp(-a) I_nu(a)`` for large ``a``: ``sum_k (-1)^k c_k(nu) / a^k / sqrt(2 pi a)`` with
    ``c_k = prod_(j<=k) (4 nu^2 - (2j-1)^2) / (k! 8^k)``."""
    mu = 4.0 * nu * nu
    term = np.ones_like(a)
    total = term
    for k in range(1, _BESSEL_HANKEL_TERMS):
        term = -term * (mu - (2 * k - 1) ** 2) / (k * 8.0 * a)
        total = total + term
    return total / np.sqrt(2.0 * math.pi * a)


def _bessel_ie(nu: int, x):
    x = np.asarray(x, dtype=np.float64)
    a = np.abs(x)
    out = np.empty_like(x)
    small = a <= _BESSEL_SERIES_BELOW
    out[small] = _bessel_ie_series(nu, a[small])
    big = a > _BESSEL_SERIES_BELOW  # nan is in neither
    out[big] = _bessel_ie_hankel(nu, a[big])
    out[np.isnan(x)] = np.nan
    return out if nu == 0 else np.copysign(out, x)


def bessel_i0e(x: np.ndarray) -> np.ndarray:
    """``exp(-|x|) I_0(x)``, even in ``x``."""
    return _bessel_ie(0, x)


def bessel_i1e(x: np.ndarray) -> np.ndarray:
    """``exp(-|x|) I_1(x)``, odd in ``x``."""
    return _bessel_ie(1, x)


# ---------------------------------------------------------------------------------------
# The regularized incomplete beta function

_BETAINC_STEPS = 500
_TINY = 1e-300


def _betainc_fraction(a, b, x):
    """``I_x(a, b)`` by its continued fraction, for ``x < (a + 1) / (a + b + 2)``."""
    log_pre = (a * np.log(x) + b * np.log1p(-x) - np.log(a)
               - (special_math.lgamma(a) + special_math.lgamma(b) - special_math.lgamma(a + b)))
    c = np.ones_like(x)
    d = 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / np.where(np.abs(d) < _TINY, _TINY, d)
    frac = d.copy()
    active = np.arange(x.size)
    for m in range(1, _BETAINC_STEPS):
        aa, bb, xx = a[active], b[active], x[active]
        cc, dd, ff = c[active], d[active], frac[active]
        for coef in (m * (bb - m) * xx / ((aa + 2 * m - 1) * (aa + 2 * m)),
                     -(aa + m) * (aa + bb + m) * xx / ((aa + 2 * m) * (aa + 2 * m + 1))):
            dd = 1.0 + coef * dd
            dd = 1.0 / np.where(np.abs(dd) < _TINY, _TINY, dd)
            cc = 1.0 + coef / cc
            cc = np.where(np.abs(cc) < _TINY, _TINY, cc)
            step = cc * dd
            ff = ff * step
        c[active], d[active], frac[active] = cc, dd, ff
        active = active[np.abs(step - 1.0) > 2e-16]
        if active.size == 0:
            break
    return np.exp(log_pre) * frac


def betainc(a: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``I_x(a, b)`` for ``a, b > 0`` and ``0 <= x <= 1``; nan elsewhere (as JAX gives)."""
    shape = np.broadcast_shapes(np.shape(a), np.shape(b), np.shape(x))
    a, b, x = (np.array(v, dtype=np.float64).ravel()
               for v in np.broadcast_arrays(a, b, x))
    out = np.full_like(x, np.nan)
    ok = (a > 0) & (b > 0) & (a < np.inf) & (b < np.inf) & (x > 0) & (x < 1)
    direct = ok & (x < (a + 1.0) / (a + b + 2.0))
    out[direct] = _betainc_fraction(a[direct], b[direct], x[direct])
    mirror = ok & ~direct
    out[mirror] = 1.0 - _betainc_fraction(b[mirror], a[mirror], 1.0 - x[mirror])
    edge = (a > 0) & (b > 0)
    out[edge & (x == 0)] = 0.0
    out[edge & (x == 1)] = 1.0
    return out.reshape(shape)


# ---------------------------------------------------------------------------------------
# The Hurwitz zeta function (its series is special_math's, shared with polygamma)


def zeta(x: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``sum_k (q + k)^-x``: inf at ``x = 1``, nan for ``x < 1`` and nan operands."""
    shape = np.broadcast_shapes(np.shape(x), np.shape(q))
    x, q = (np.array(v, dtype=np.float64).ravel() for v in np.broadcast_arrays(x, q))
    out = np.full_like(x, np.nan)
    ok = x > 1
    out[ok] = special_math.hurwitz_zeta(x[ok], q[ok])
    out[x == 1] = np.inf
    return out.reshape(shape)
