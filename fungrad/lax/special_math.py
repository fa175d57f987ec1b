"""NumPy evaluation of the special functions behind ``fungrad.lax.special``.

Every function here takes and returns float64 arrays; the primitives cast float32 operands
in and out. The methods need no tabulated coefficients beyond the Bernoulli numbers:

- ``erf`` near 0 is its Maclaurin series; ``erfc`` from 1/2 to 8 is the scaled function
  ``erfcx(x) = exp(x^2) erfc(x)`` expanded in Taylor series around a grid of centres, whose
  coefficients follow from the ODE ``y' = 2 x y - 2/sqrt(pi)`` and whose values come from
  the Laplace continued fraction summed deeply once, at import; beyond 8 that continued
  fraction converges in a few dozen terms.
- ``lgamma`` and ``digamma`` use their asymptotic (Stirling) series above 10, the
  recurrences ``G(x+1) = x G(x)`` to reach a short series around 2 (or around digamma's
  positive zero) below, and the reflection formulas for negative ``x``.
- ``polygamma(n, x) = (-1)^(n+1) n! zeta(n+1, x)`` with the Hurwitz zeta summed by
  Euler-Maclaurin; reflection again for negative ``x``.
- ``erf_inv`` refines a closed-form first guess by Halley steps on erf (or erfc).
- ``igamma``/``igammac``: the power series of P below ``x = a + 1``, Legendre's continued
  fraction of Q above, each carrying its derivative in ``a``.

The series constants (zeta values at integers and at digamma's zero) are computed at
import by the Hurwitz zeta below, so every number in this file can be re-derived here.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

_SQRT_PI = math.sqrt(math.pi)
_LOG_PI = math.log(math.pi)
_EULER_GAMMA = 0.5772156649015329
# B_2, B_4, ..., B_20: the Bernoulli numbers of the Stirling and Euler-Maclaurin series.
_BERNOULLI = [Fraction(1, 6), Fraction(-1, 30), Fraction(1, 42), Fraction(-1, 30),
              Fraction(5, 66), Fraction(-691, 2730), Fraction(7, 6), Fraction(-3617, 510),
              Fraction(43867, 798), Fraction(-174611, 330)]


def _horner(coefs, x):
    """``sum(coefs[k] * x**k)``, coefficients in increasing order."""
    out = np.full_like(x, coefs[-1])
    for c in coefs[-2::-1]:
        out = out * x + c
    return out


# ---------------------------------------------------------------------------------------
# erf, erfc

_ERF_SERIES = [2.0 / _SQRT_PI * (-1) ** k / (math.factorial(k) * (2 * k + 1)) for k in range(22)]
_GRID_START, _GRID_STEP, _GRID_END = 0.5, 1.0 / 8.0, 8.0  # Taylor centres for erfcx
_GRID_TERMS = 14
_TAIL_DEPTH = 40  # continued-fraction depth above _GRID_END (converged to 1e-17)


def _erfcx_fraction(x, depth: int):
    """``exp(x^2) erfc(x)`` for ``x > 0`` by the Laplace continued fraction, summed backward."""
    d = x
    for k in range(depth, 0, -1):
        d = x + (k / 2.0) / d
    return 1.0 / (_SQRT_PI * d)


def _erfcx_taylor_table() -> np.ndarray:
    """Taylor coefficients of erfcx around each grid centre (rows), from its ODE."""
    centres = np.arange(_GRID_START, _GRID_END + _GRID_STEP / 2, _GRID_STEP)
    table = np.zeros((len(centres), _GRID_TERMS))
    table[:, 0] = _erfcx_fraction(centres, 4000)
    table[:, 1] = 2.0 * centres * table[:, 0] - 2.0 / _SQRT_PI
    for n in range(1, _GRID_TERMS - 1):
        table[:, n + 1] = (2.0 * centres * table[:, n] + 2.0 * table[:, n - 1]) / (n + 1)
    return table


_ERFCX_TABLE = _erfcx_taylor_table()


def _erfcx_grid(x):
    """erfcx on [1/2, 8]: Taylor series around the nearest grid centre (|h| <= 1/16)."""
    idx = np.rint((x - _GRID_START) / _GRID_STEP).astype(np.intp)
    h = x - (_GRID_START + idx * _GRID_STEP)
    rows = _ERFCX_TABLE[idx]
    out = rows[..., -1]
    for n in range(_GRID_TERMS - 2, -1, -1):
        out = out * h + rows[..., n]
    return out


def _exp_neg_square(x):
    """``exp(-x^2)`` without the rounding error of ``x*x`` (up to 6e-14 relative at x=25)."""
    hi = np.rint(x * 65536.0) / 65536.0  # few enough bits that hi*hi is exact below 2^10
    return np.exp(-hi * hi) * np.exp(-(x - hi) * (x + hi))


def _erfc_large(a):
    """erfc(a) for ``a >= 1/2``."""
    out = np.zeros_like(a)
    grid = a < _GRID_END
    out[grid] = _erfcx_grid(a[grid])
    tail = ~grid & (a < 27.5)  # erfc(27.3) underflows float64
    out[tail] = _erfcx_fraction(a[tail], _TAIL_DEPTH)
    return out * np.where(a < 27.5, _exp_neg_square(np.minimum(a, 27.5)), 0.0)


# |x| below which erf is its series: erf up to 1; erfc = 1 - erf only up to 1/2, where
# erfc >= 0.48 loses no digits to the subtraction.
_ERF_SERIES_BELOW, _ERFC_SERIES_BELOW = 1.0, 0.5


def _erf_small(x):
    """erf on ``|x| < 1`` by its Maclaurin series."""
    return x * _horner(_ERF_SERIES, x * x)


def erf(x: np.ndarray) -> np.ndarray:
    """The error function, relative error below 1e-15."""
    x = np.asarray(x, dtype=np.float64)
    a = np.abs(x)
    small = a < _ERF_SERIES_BELOW
    out = np.empty_like(x)
    out[small] = _erf_small(x[small])
    big = ~small
    out[big] = np.copysign(1.0 - _erfc_large(a[big]), x[big])
    out[np.isnan(x)] = np.nan
    return out


def erfc(x: np.ndarray) -> np.ndarray:
    """The complementary error function, relative error below 1e-15 (tails included)."""
    x = np.asarray(x, dtype=np.float64)
    a = np.abs(x)
    small = a < _ERFC_SERIES_BELOW
    out = np.empty_like(x)
    out[small] = 1.0 - _erf_small(x[small])
    big = ~small
    tail = _erfc_large(a[big])
    out[big] = np.where(x[big] > 0, tail, 2.0 - tail)
    out[np.isnan(x)] = np.nan
    return out


def erf_inv(y: np.ndarray) -> np.ndarray:
    """The inverse error function on [-1, 1] (±inf at ±1, nan outside), relative error ~1e-16.

    A closed-form first guess (Winitzki's, about 2e-3 relative) refined by Halley steps on
    ``erf(x) = |y|``, or on ``erfc(x) = 1 - |y|`` above 0.5 so the tail keeps its digits.
    """
    y = np.asarray(y, dtype=np.float64)
    s = np.abs(y)
    inside = s < 1.0
    s_in = s[inside]
    upper = s_in > 0.5
    log_w = np.where(upper, np.log((1.0 - s_in) * (1.0 + s_in)), np.log1p(-s_in * s_in))
    a = 0.147
    u = 2.0 / (math.pi * a) + 0.5 * log_w
    x = np.sqrt(np.sqrt(u * u - log_w / a) - u)
    for _ in range(3):
        r = np.where(upper, (1.0 - s_in) - erfc(x), erf(x) - s_in)
        dx = r / (2.0 / _SQRT_PI * np.exp(-x * x))
        x = x - dx / (1.0 + x * dx)
    out = np.where(s == 1.0, np.inf, np.nan)
    out[inside] = x
    return np.copysign(out, y)


# ---------------------------------------------------------------------------------------
# The Hurwitz zeta function (for polygamma and the series constants below)

_ZETA_SHIFT = 12.0  # sum terms directly until q >= this, then Euler-Maclaurin


def hurwitz_zeta(s, q):
    """``sum_k (q + k)^-s`` for ``s > 1`` and ``q > 0``, relative error ~1e-15."""
    s = np.asarray(s, dtype=np.float64)
    a = np.asarray(q, dtype=np.float64) + np.zeros_like(s)
    total = np.zeros_like(a)
    for _ in range(int(_ZETA_SHIFT)):
        near = a < _ZETA_SHIFT
        total = total + np.where(near, a ** -np.where(near, s, 0.0), 0.0)
        a = np.where(near, a + 1.0, a)
    total = total + a ** (1.0 - s) / (s - 1.0) + 0.5 * a ** -s
    # Euler-Maclaurin: B_2j / (2j)! * s (s+1) ... (s+2j-2) * a^(-s-2j+1)
    factor = s * a ** (-s - 1.0)
    for j, b in enumerate(_BERNOULLI, start=1):
        total = total + float(b / math.factorial(2 * j)) * factor
        factor = factor * (s + 2 * j - 1) * (s + 2 * j) / (a * a)
    return total


# ---------------------------------------------------------------------------------------
# sin(pi x), cos(pi x) with exact argument reduction


def _reduce_half_period(x):
    """``x - 2 round(x/2)``, exact, in [-1, 1]; then folded to ``a`` in [0, 1/2]."""
    r = x - 2.0 * np.round(0.5 * x)
    a = np.abs(r)
    flip = a > 0.5
    return r, np.where(flip, 1.0 - a, a), flip


def sinpi(x):
    """``sin(pi x)``, exact reduction so large arguments and integers come out right."""
    r, a, _ = _reduce_half_period(x)
    return np.copysign(np.sin(np.pi * a), r)


def cospi(x):
    """``cos(pi x)``, exact reduction; exactly 0 at half-integers."""
    _, a, flip = _reduce_half_period(x)
    c = np.where(a < 0.25, np.cos(np.pi * a), np.sin(np.pi * (0.5 - a)))
    return np.where(flip, -c, c)


# ---------------------------------------------------------------------------------------
# lgamma

_STIRLING_FROM = 10.0
_LGAMMA_STIRLING = [float(b / (2 * k * (2 * k - 1))) for k, b in enumerate(_BERNOULLI[:8], 1)]
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
_ZETA_MINUS_ONE = hurwitz_zeta(np.arange(2.0, 40.0), 2.0)  # zeta(k) - 1 for k = 2, 3, ...
# lgamma(2 + z) = (1 - gamma) z + sum_k (-1)^k (zeta(k) - 1) / k z^k, |z| < 2
_LGAMMA_AT_2 = [0.0, 1.0 - _EULER_GAMMA] + [
    (-1) ** k * _ZETA_MINUS_ONE[k - 2] / k for k in range(2, 40)]


def _lgamma_stirling(x):
    """lgamma for ``x >= 10``: Stirling's series (8 terms, error below 1e-17 relative)."""
    inv = 1.0 / x
    series = inv * _horner(_LGAMMA_STIRLING, inv * inv)
    return (x - 0.5) * (np.log(x) - 1.0) + (_HALF_LOG_2PI - 0.5) + series


def _lgamma_positive(x):
    """lgamma for ``x > 0``: shift into [1.5, 2.5) and use the series around 2."""
    out = np.empty_like(x)
    big = x >= _STIRLING_FROM
    out[big] = _lgamma_stirling(x[big])
    a = x[~big]
    log_shift = np.zeros_like(a)  # lgamma(x) = lgamma(a) + log_shift after shifting
    for _ in range(8):  # down, exactly: lgamma(a) = lgamma(a - 1) + log(a - 1)
        down = a >= 2.5
        log_shift = log_shift + np.log(np.where(down, a - 1.0, 1.0))
        a = np.where(down, a - 1.0, a)
    # Up: lgamma(a) = lgamma(a + 1) - log(a). The series variable z = a - 2 is formed
    # without rounding a + 1, which would cost 1e-13 relative near the zero at 1.
    one_up, two_up = (a >= 0.5) & (a < 1.5), a < 0.5
    z = np.where(one_up, a - 1.0, np.where(two_up, a, a - 2.0))
    log_shift = log_shift - np.log(np.where(one_up | two_up, a, 1.0))
    log_shift = log_shift - np.log1p(np.where(two_up, a, 0.0))
    out[~big] = _horner(_LGAMMA_AT_2, z) + log_shift
    return out


def lgamma(x: np.ndarray) -> np.ndarray:
    """``log|Gamma(x)|``; +inf at 0, the negative integers and ±inf (as JAX)."""
    x = np.asarray(x, dtype=np.float64)
    out = np.full_like(x, np.inf)
    pos = (x > 0) & (x < np.inf)
    out[pos] = _lgamma_positive(x[pos])
    neg = (x < 0) & (x > -np.inf)
    xn = x[neg]
    sin = np.abs(sinpi(xn))
    with np.errstate(divide="ignore"):
        # lgamma(x) = log(pi / |sin(pi x)|) - lgamma(1 - x); poles give +inf
        val = np.where(sin > 0, _LOG_PI - np.log(sin) - _lgamma_positive(1.0 - xn), np.inf)
    out[neg] = val
    out[np.isnan(x)] = np.nan
    return out


# ---------------------------------------------------------------------------------------
# digamma

_DIGAMMA_ROOT = 1.4616321449683623  # the positive zero, split in two parts:
_DIGAMMA_ROOT_LO = float(Fraction("1.461632144968362341262659542325721328468")
                         - Fraction(_DIGAMMA_ROOT))
_ROOT_HALF_WIDTH = 0.5
# digamma(x0 + h) = sum_n (-1)^(n+1) zeta(n + 1, x0) h^n, converging for |h| < x0
_DIGAMMA_AT_ROOT = [0.0] + [float((-1) ** (n + 1) * hurwitz_zeta(n + 1.0, _DIGAMMA_ROOT))
                            for n in range(1, 41)]
_DIGAMMA_ASYMPTOTIC = [float(b / (2 * k)) for k, b in enumerate(_BERNOULLI[:8], 1)]


def _digamma_positive(x):
    """digamma for ``x > 0``: asymptotic series above 10 after the upward recurrence."""
    near_root = np.abs(x - _DIGAMMA_ROOT) < _ROOT_HALF_WIDTH
    a = x.copy()
    shift = np.zeros_like(x)  # digamma(x) = digamma(a) - shift
    for _ in range(int(_STIRLING_FROM)):
        up = a < _STIRLING_FROM
        shift = shift + np.where(up, 1.0 / np.where(up, a, 1.0), 0.0)
        a = np.where(up, a + 1.0, a)
    inv2 = (1.0 / a) ** 2
    out = np.log(a) - 0.5 / a - inv2 * _horner(_DIGAMMA_ASYMPTOTIC, inv2) - shift
    h = (x[near_root] - _DIGAMMA_ROOT) - _DIGAMMA_ROOT_LO
    out[near_root] = _horner(_DIGAMMA_AT_ROOT, h)
    return out


def digamma(x: np.ndarray) -> np.ndarray:
    """The digamma function; nan at 0, the negative integers and -inf (as JAX)."""
    x = np.asarray(x, dtype=np.float64)
    out = np.full_like(x, np.nan)
    pos = x > 0
    out[pos] = _digamma_positive(x[pos])
    out[x == np.inf] = np.inf
    neg = (x < 0) & (x > -np.inf)
    xn = x[neg]
    sin = sinpi(xn)
    with np.errstate(divide="ignore", invalid="ignore"):
        # digamma(x) = digamma(1 - x) - pi cot(pi x)
        val = _digamma_positive(1.0 - xn) - np.pi * cospi(xn) / sin
    out[neg] = np.where(sin != 0, val, np.nan)
    return out


# ---------------------------------------------------------------------------------------
# polygamma


def _cot_derivative(n: int, c):
    """``P_n(c)`` with ``d^n/dx^n cot(pi x) = pi^n P_n(cot(pi x))``.

    ``P_0(c) = c`` and ``P_(k+1) = -(1 + c^2) P_k'``: ``P_n`` has only powers of the parity
    of ``n + 1``, all with the sign ``(-1)^n``, evaluated by Horner's rule in ``c^2`` so that
    an infinite ``c`` (next to a pole) gives an infinite result rather than ``0 * inf``.
    """
    p = np.polynomial.Polynomial([0.0, 1.0])
    for _ in range(n):
        p = -np.polynomial.Polynomial([1.0, 0.0, 1.0]) * p.deriv()
    even = p.coef[(n + 1) % 2::2]
    out = _horner(list(even), c * c)
    return c * out if n % 2 == 0 else out


def _polygamma_order(n: int, x):
    """polygamma of integer order ``n >= 1``; at the poles +inf (n odd) or nan (n even)."""
    out = np.full_like(x, np.inf if n % 2 else np.nan)
    # n! overflows float64 above n = 170 (those orders overflow to ±inf or nan)
    sign_fact = (-1.0) ** (n + 1) * (float(math.factorial(n)) if n <= 170 else math.inf)
    pos = x > 0
    with np.errstate(over="ignore"):
        out[pos] = sign_fact * hurwitz_zeta(n + 1.0, x[pos])
    neg = (x < 0) & (x > -np.inf)
    xn = x[neg]
    sin = sinpi(xn)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # reflection, differentiated n times: psi(x) = psi(1 - x) - pi cot(pi x)
        cot = cospi(xn) / sin
        reflected = (-1.0) ** n * sign_fact * hurwitz_zeta(n + 1.0, 1.0 - xn)
        val = reflected - math.pi ** (n + 1) * _cot_derivative(n, cot)
    out[neg] = np.where(sin != 0, val, out[neg])
    out[x == np.inf] = 0.0
    out[x == -np.inf] = np.nan
    out[np.isnan(x)] = np.nan
    return out


def polygamma(m: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The ``m``-th derivative of digamma, elementwise; nan where ``m`` is not a whole number."""
    m, x = np.broadcast_arrays(np.asarray(m, dtype=np.float64), np.asarray(x, dtype=np.float64))
    out = np.full(x.shape, np.nan)
    whole = (m >= 0) & (m == np.floor(m)) & np.isfinite(m)
    for n in np.unique(m[whole]):
        sel = m == n
        out[sel] = digamma(x[sel]) if n == 0 else _polygamma_order(int(n), x[sel])
    return out


# ---------------------------------------------------------------------------------------
# The regularized incomplete gamma functions P(a, x), Q(a, x) = 1 - P and dP/da
#
# Below x = a + 1 the power series of P converges fast; above, Legendre's continued
# fraction of Q does. Both carry their derivative with respect to a alongside (forward
# mode by hand): the series terms through a running harmonic sum, the fraction through
# the derivatives of its convergents' three-term recurrences.

_IGAMMA_EPS = 2.0 ** -54
_IGAMMA_MAX_STEPS = 10000


def _exp_of_sum(*terms):
    """``exp(sum(terms))``, the sum's rounding errors kept (Knuth's two-sum) and applied.

    The incomplete gamma prefactor ``exp(a log x - x - lgamma(a))`` would otherwise lose
    up to ``|x| * 1e-16`` relative (8e-14 at x = 700) to the rounding of the sum alone.
    """
    total, error = np.zeros_like(terms[0]), np.zeros_like(terms[0])
    for t in terms:
        s = total + t
        back = s - total
        error = error + ((total - (s - back)) + (t - back))
        total = s
    return np.exp(total) * np.exp(np.where(np.isfinite(error), error, 0.0))


def _igamma_series(a, x):
    """``(P, dP/da)`` for ``x < a + 1``: ``P = x^a e^-x / Gamma(a+1) * sum_n t_n``.

    ``t_n = x^n / ((a+1)...(a+n))`` and ``dt_n/da = -t_n * sum_(k<=n) 1/(a+k)``.
    """
    total, d_total = np.ones_like(a), np.zeros_like(a)
    term, harmonic = np.ones_like(a), np.zeros_like(a)
    active = np.arange(a.size)
    for n in range(1, _IGAMMA_MAX_STEPS):
        aa, xx = a[active], x[active]
        term[active] *= xx / (aa + n)
        harmonic[active] += 1.0 / (aa + n)
        d_term = -term[active] * harmonic[active]
        total[active] += term[active]
        d_total[active] += d_term
        done = (term[active] <= _IGAMMA_EPS * total[active]) & (
            np.abs(d_term) <= _IGAMMA_EPS * np.abs(d_total[active]))
        active = active[~done]
        if active.size == 0:
            break
    pre = _exp_of_sum(a * np.log(x), -x, -lgamma(a + 1.0))
    d_log_pre = np.log(x) - digamma(a + 1.0)
    return pre * total, pre * (d_log_pre * total + d_total)


def _igammac_fraction(a, x):
    """``(Q, dQ/da)`` for ``x >= a + 1``: ``Q = x^a e^-x / Gamma(a) / G`` with Legendre's
    fraction ``G = b_0 + a_1/(b_1 + a_2/(b_2 + ...))``, ``b_n = x + 2n + 1 - a``,
    ``a_n = n (a - n)``, summed through its convergents ``A_n / B_n``."""
    shape = a.shape
    prev_a, cur_a = np.ones(shape), x + 1.0 - a  # A_-1, A_0
    prev_b, cur_b = np.zeros(shape), np.ones(shape)  # B_-1, B_0
    prev_da, cur_da = np.zeros(shape), -np.ones(shape)  # d/da of A_-1, A_0
    prev_db, cur_db = np.zeros(shape), np.zeros(shape)
    frac, d_frac = cur_b / cur_a, np.zeros(shape)  # 1/G and its derivative
    active = np.arange(a.size)
    for n in range(1, _IGAMMA_MAX_STEPS):
        aa, xx = a[active], x[active]
        an, bn = n * (aa - n), xx + 2.0 * n + 1.0 - aa
        pa, ca, pb, cb = prev_a[active], cur_a[active], prev_b[active], cur_b[active]
        pda, cda, pdb, cdb = prev_da[active], cur_da[active], prev_db[active], cur_db[active]
        new_a, new_b = bn * ca + an * pa, bn * cb + an * pb
        new_da = -ca + bn * cda + n * pa + an * pda
        new_db = -cb + bn * cdb + n * pb + an * pdb
        scale = 1.0 / new_a  # rescale so that A_n = 1 (the ratios are unchanged)
        prev_a[active], cur_a[active] = ca * scale, 1.0
        prev_b[active], cur_b[active] = cb * scale, new_b * scale
        prev_da[active], cur_da[active] = cda * scale, new_da * scale
        prev_db[active], cur_db[active] = cdb * scale, new_db * scale
        new_frac = new_b * scale
        new_d_frac = cur_db[active] - new_frac * cur_da[active]
        done = (np.abs(new_frac - frac[active]) <= _IGAMMA_EPS * np.abs(new_frac)) & (
            np.abs(new_d_frac - d_frac[active]) <= _IGAMMA_EPS * np.abs(new_d_frac))
        frac[active], d_frac[active] = new_frac, new_d_frac
        active = active[~done]
        if active.size == 0:
            break
    pre = _exp_of_sum(a * np.log(x), -x, -lgamma(a))
    q = pre * frac
    return q, q * (np.log(x) - digamma(a)) + pre * d_frac


def _incomplete_gamma(a, x):
    """``(P, Q, dP/da)`` on broadcast float64 arrays, with JAX's conventions at the edges."""
    a, x = (np.array(v, dtype=np.float64).ravel() for v in np.broadcast_arrays(a, x))
    p, q, dp = np.full_like(a, np.nan), np.full_like(a, np.nan), np.full_like(a, np.nan)
    ok = (a > 0) & (a < np.inf) & (x > 0) & (x < np.inf)
    series = ok & (x < a + 1.0)
    p[series], dp[series] = _igamma_series(a[series], x[series])
    q[series] = 1.0 - p[series]
    fraction = ok & ~series
    q[fraction], dq = _igammac_fraction(a[fraction], x[fraction])
    p[fraction], dp[fraction] = 1.0 - q[fraction], -dq
    finite_a = (a > 0) & (a < np.inf)
    p[finite_a & (x == 0)], q[finite_a & (x == 0)], dp[finite_a & (x == 0)] = 0.0, 1.0, 0.0
    p[finite_a & (x == np.inf)], q[finite_a & (x == np.inf)] = 1.0, 0.0
    p[(a == 0) & (x > 0)], q[(a == 0) & (x > 0)] = 1.0, 0.0
    return p, q, dp


def igamma(a, x):
    """The regularized lower incomplete gamma function ``P(a, x)``."""
    shape = np.broadcast_shapes(np.shape(a), np.shape(x))
    return _incomplete_gamma(a, x)[0].reshape(shape)


def igammac(a, x):
    """The regularized upper incomplete gamma function ``Q(a, x) = 1 - P(a, x)``."""
    shape = np.broadcast_shapes(np.shape(a), np.shape(x))
    return _incomplete_gamma(a, x)[1].reshape(shape)


def igamma_grad_a(a, x):
    """``dP(a, x)/da``."""
    shape = np.broadcast_shapes(np.shape(a), np.shape(x))
    return _incomplete_gamma(a, x)[2].reshape(shape)
