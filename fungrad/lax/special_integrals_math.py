"""NumPy evaluation of the integral special functions behind ``fungrad.lax.special_integrals``.

Float64 arrays in and out (the primitives cast float32 operands in and out). Each function
states its method and regions; all were derived from the defining integrals:

- ``expn(n, x) = integral_1^inf e^(-x t) / t^n dt`` (``exp1`` is ``n = 1``): for
  ``x <= 1`` the power series (with the ``log`` term at ``k = n - 1``); beyond, the continued
  fraction ``e^-x / (x + n - 1 n / (x + n + 2 - 2 (n + 1) / (x + n + 4 - ...)))`` by the
  modified Lentz method. The same fraction at ``z = i x`` gives ``sici`` for ``x > 4``.
- ``expi(x)``: ``-exp1(-x)`` for ``x < 0``; for ``0 < x <= 40`` the series
  ``gamma + log x + sum x^k / (k k!)`` (positive terms); beyond, the asymptotic series
  ``e^x / x sum k! / x^k`` (its smallest term at x = 40 is 7e-17 relative).
- ``dawsn(x) = e^(-x^2) integral_0^x e^(t^2) dt``: ``e^(-x^2) sum x^(2k+1) / (k! (2k+1))``
  (positive terms) for ``|x| < 6.5``, the asymptotic series ``1/(2x) sum (2k-1)!! / (2x^2)^k``
  beyond (its smallest term is below 1e-18 there).
- ``spence(x) = Li2(1 - x)`` for ``x >= 0``: the series ``Li2(u) = sum u^k / k^2`` on
  ``|u| <= 1/2``, reached through the reflection ``Li2(u) + Li2(1-u) = pi^2/6 - log u
  log(1-u)`` and Landen's ``Li2(u) = -Li2(u / (u - 1)) - log(1 - u)^2 / 2``.
- ``sici``: the power series for ``|x| <= 4``, ``-E1(i x)`` from the continued fraction beyond.
- ``fresnel``: the power series for ``|x| <= 1.6``; beyond, ``C + i S = (1 + i)/2 erf(z)``,
  ``z = (1 - i) sqrt(pi) x / 2``, with ``erfc(z)`` from its Laplace continued fraction.
- ``owens_t(h, a)``: for ``|a| <= 1`` Gauss-Legendre quadrature of
  ``e^(-h^2 (1 + t^2) / 2) / (1 + t^2)`` over ``[0, min(|a|, 9 / |h|)]`` (the rest is below
  e^-40 relative); for ``|a| > 1`` the identity ``T(h, a) = (P(h) Q(ah) + P(ah) Q(h)) / 2 -
  T(ah, 1/a)`` with the normal tails ``P``, ``Q`` from ``erfc``.
"""

from __future__ import annotations

import math

import numpy as np

from fungrad.lax import special_math

EULER = 0.57721566490153286061
_TINY = 1e-300
_EPS = 3e-16


def _lentz(b0, a_of, b_of, max_terms: int = 5000):
    """``b0 + a_1 / (b_1 + a_2 / (b_2 + ...))`` by the modified Lentz method, elementwise.

    ``a_of(k, i)``/``b_of(k, i)`` give the k-th coefficients of the flat elements ``i``;
    an element leaves the iteration once converged (so it stops collecting rounding, and
    the slow ones near a method's boundary do not make the whole array iterate).
    """
    out = np.where(b0 == 0, _TINY, b0).ravel()
    active = np.arange(out.size)
    f = out.copy()
    c, d = f.copy(), np.zeros_like(f)
    for k in range(1, max_terms + 1):
        if not active.size:
            break
        a, b = a_of(k, active), b_of(k, active)
        d = b + a * d
        d = 1.0 / np.where(d == 0, _TINY, d)
        c = b + a / c
        c = np.where(c == 0, _TINY, c)
        delta = c * d
        f = f * delta
        converged = np.abs(delta - 1.0) < _EPS
        if converged.any():
            out[active[converged]] = f[converged]
            keep = ~converged
            active, f, c, d = active[keep], f[keep], c[keep], d[keep]
    out[active] = f
    return out.reshape(np.shape(b0))


def _expn_fraction(n, z):
    """``e^z E_n(z)`` for ``Re z > 0`` (real ``z > 1`` or ``z = i x``, ``x > 4``)."""
    zf = np.ravel(z)
    nf = np.broadcast_to(n, np.shape(z)).ravel()
    return 1.0 / _lentz(z + n, lambda k, i: -k * (nf[i] + k - 1.0),
                        lambda k, i: zf[i] + nf[i] + 2.0 * k)


def _expn_series(n, x):
    """``E_n(x)`` for ``0 < x <= 1`` and integer ``n >= 1``, from its power series."""
    psi = special_math.digamma(n)
    total = np.zeros_like(x)
    term = np.ones_like(x)  # (-x)^k / k!
    for k in range(0, 60):
        if k > 0:
            term = term * (-x) / k
        skip = n - 1 == k
        total = total - np.where(skip, 0.0, term / np.where(skip, 1.0, k - n + 1.0))
        total = total + np.where(skip, term * (psi - np.log(x)), 0.0)
    return total


def expn(n: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``E_n(x)`` for integer ``n >= 0`` and ``x >= 0``; nan for other ``n`` or ``x < 0``."""
    n, x = np.broadcast_arrays(np.asarray(n, np.float64), np.asarray(x, np.float64))
    out = np.full(x.shape, np.nan)
    ok = (n >= 0) & (n == np.round(n)) & (x >= 0)
    zero = ok & (x == 0)
    out[zero] = np.where(n[zero] > 1, 1.0 / np.where(n[zero] > 1, n[zero] - 1.0, 1.0), np.inf)
    n0 = ok & (n == 0) & (x > 0)
    with np.errstate(over="ignore", under="ignore"):
        out[n0] = np.exp(-x[n0]) / x[n0]
    small = ok & (n >= 1) & (x > 0) & (x <= 1)
    out[small] = _expn_series(n[small], x[small])
    large = ok & (n >= 1) & (x > 1) & np.isfinite(x)
    with np.errstate(under="ignore"):
        out[large] = np.exp(-x[large]) * _expn_fraction(n[large], x[large])
    out[ok & (x == np.inf)] = 0.0
    return out


def exp1(x: np.ndarray) -> np.ndarray:
    """``E_1(x)`` for ``x >= 0`` (``inf`` at 0); nan for ``x < 0`` (as SciPy's real exp1)."""
    x = np.asarray(x, np.float64)
    return expn(np.ones_like(x), x)


_EXPI_SERIES_BELOW = 40.0


def expi(x: np.ndarray) -> np.ndarray:
    """``Ei(x)``, the principal value of ``integral_-inf^x e^t / t dt`` (``-inf`` at 0)."""
    x = np.asarray(x, np.float64)
    out = np.full(x.shape, np.nan)
    neg = x < 0
    out[neg] = -exp1(-x[neg])
    out[x == 0] = -np.inf
    mid = (x > 0) & (x <= _EXPI_SERIES_BELOW)
    xm = x[mid]
    total, term = np.zeros_like(xm), np.ones_like(xm)
    for k in range(1, 160):
        term = term * xm / k
        total = total + term / k
    out[mid] = EULER + np.log(xm) + total
    big = (x > _EXPI_SERIES_BELOW) & np.isfinite(x)
    xb = x[big]
    total, term = np.ones_like(xb), np.ones_like(xb)
    for k in range(1, int(_EXPI_SERIES_BELOW)):
        term = term * k / xb
        total = total + term
    with np.errstate(over="ignore"):
        out[big] = np.exp(xb) / xb * total
    out[x == np.inf] = np.inf
    return out


_DAWSN_SERIES_BELOW = 6.5


def dawsn(x: np.ndarray) -> np.ndarray:
    """Dawson's integral ``e^(-x^2) integral_0^x e^(t^2) dt``; odd, ``1/(2x)`` far out."""
    x = np.asarray(x, np.float64)
    out = np.empty_like(x)
    inner = np.abs(x) < _DAWSN_SERIES_BELOW
    xi = x[inner]
    x2 = xi * xi
    term = xi.copy()  # x^(2k+1) / k!
    total = term.copy()
    for k in range(1, 200):
        term = term * x2 / k
        total = total + term / (2 * k + 1)
    out[inner] = np.exp(-x2) * total
    outer = ~inner  # also nan and +-inf
    xo = x[outer]
    with np.errstate(over="ignore"):
        inv = 1.0 / (2.0 * xo * xo)
    term, total = np.ones_like(xo), np.ones_like(xo)
    for k in range(1, 30):
        term = term * (2 * k - 1) * inv
        total = total + term
    out[outer] = total / (2.0 * xo)
    return out


_LI2_TERMS = 60  # 0.5^60 / 60^2 < 1e-21


def _li2_series(u):
    """``Li2(u) = sum u^k / k^2`` for ``|u| <= 1/2``."""
    total = np.zeros_like(u)
    for k in range(_LI2_TERMS, 0, -1):
        total = (total + 1.0 / (k * k)) * u
    return total


def _li2_upper(w):
    """``Li2(w)`` for ``1/3 <= w < 1``, by the reflection when ``w > 1/2``."""
    low = w <= 0.5
    v = np.where(low, w, 1.0 - w)
    with np.errstate(divide="ignore", invalid="ignore"):
        reflected = math.pi ** 2 / 6 - np.log(w) * np.log1p(-w) - _li2_series(v)
    return np.where(low, _li2_series(v), reflected)


def spence(x: np.ndarray) -> np.ndarray:
    """``spence(x) = integral_1^x log(t) / (1 - t) dt = Li2(1 - x)`` for ``x >= 0``."""
    x = np.asarray(x, np.float64)
    out = np.full(x.shape, np.nan)
    mid = (x >= 0.5) & (x <= 1.5)
    out[mid] = _li2_series(1.0 - x[mid])
    low = (x > 0) & (x < 0.5)
    xl = x[low]
    out[low] = math.pi ** 2 / 6 - np.log(xl) * np.log1p(-xl) - _li2_series(xl)
    out[x == 0] = math.pi ** 2 / 6
    high = (x > 1.5) & np.isfinite(x)
    xh = x[high]
    out[high] = -_li2_upper(1.0 - 1.0 / xh) - 0.5 * np.log(xh) ** 2
    return out  # nan at inf, as SciPy and JAX


_SICI_SERIES_BELOW = 4.0


def _sici(x):
    """``(Si(x), Ci(x))``; ``Ci`` of ``|x|`` for negative ``x`` (the real part, as SciPy)."""
    x = np.asarray(x, np.float64)
    ax = np.abs(x)
    si, ci = np.empty_like(x), np.empty_like(x)
    small = ax <= _SICI_SERIES_BELOW
    xs = ax[small]
    x2 = xs * xs
    term = xs.copy()  # (-1)^k x^(2k+1) / (2k+1)!
    s_total = term.copy()
    even = np.ones_like(xs)  # (-1)^k x^(2k) / (2k)!
    c_total = np.zeros_like(xs)
    for k in range(1, 40):
        even = -even * x2 / ((2 * k - 1) * (2 * k))
        c_total = c_total + even / (2 * k)
        term = -term * x2 / ((2 * k) * (2 * k + 1))
        s_total = s_total + term / (2 * k + 1)
    si[small] = s_total
    with np.errstate(divide="ignore"):
        ci[small] = EULER + np.log(xs) + c_total
    large = ~small & np.isfinite(ax)
    z = 1j * ax[large]
    e1 = np.exp(-z) * _expn_fraction(1.0, z)
    si[large] = math.pi / 2 + e1.imag
    ci[large] = -e1.real
    si[ax == np.inf] = math.pi / 2
    ci[ax == np.inf] = np.where(x[ax == np.inf] > 0, 0.0, np.nan)  # nan at -inf, as SciPy
    si[np.isnan(x)] = np.nan
    ci[np.isnan(x)] = np.nan
    return np.copysign(si, x), ci


def sici_si(x: np.ndarray) -> np.ndarray:
    """The sine integral ``Si(x) = integral_0^x sin(t) / t dt``."""
    return _sici(x)[0]


def sici_ci(x: np.ndarray) -> np.ndarray:
    """The cosine integral ``Ci(|x|) = gamma + log|x| + integral_0^|x| (cos t - 1) / t dt``."""
    return _sici(x)[1]


_FRESNEL_SERIES_BELOW = 1.6
_SQRT_PI = math.sqrt(math.pi)


def _fresnel(x):
    """``(S(x), C(x))`` with SciPy's normalization ``S(x) = integral_0^x sin(pi t^2 / 2)``."""
    x = np.asarray(x, np.float64)
    ax = np.abs(x)
    s, c = np.empty_like(x), np.empty_like(x)
    small = ax <= _FRESNEL_SERIES_BELOW
    xs = ax[small]
    # C + i S = sum_k (i pi/2)^k x^(2k+1) / (k! (2k+1))
    p = xs * xs * (math.pi / 2)
    term = xs.astype(np.complex128)
    total = term.copy()
    for k in range(1, 40):
        term = term * (1j * p) / k
        total = total + term / (2 * k + 1)
    s[small], c[small] = total.imag, total.real
    large = ~small & np.isfinite(ax)
    z = (1 - 1j) * (_SQRT_PI / 2) * ax[large]
    # erfc(z) = e^(-z^2) / (sqrt(pi) (z + (1/2) / (z + 1 / (z + (3/2) / (z + ...)))))
    # with e^(-z^2) = e^(i pi x^2 / 2), its phase taken mod 4 to keep it exact
    zf = z.ravel()
    frac = _lentz(z, lambda k, i: 0.5 * k, lambda k, i: zf[i])
    phase = (ax[large] * ax[large]) % 4.0
    erfc = np.exp(1j * (math.pi / 2) * phase) / (_SQRT_PI * frac)
    out = (0.5 + 0.5j) * (1.0 - erfc)
    s[large], c[large] = out.imag, out.real
    s[ax == np.inf] = 0.5
    c[ax == np.inf] = 0.5
    s[np.isnan(x)] = np.nan
    c[np.isnan(x)] = np.nan
    return np.copysign(s, x), np.copysign(c, x)


def fresnel_s(x: np.ndarray) -> np.ndarray:
    """The Fresnel sine integral ``integral_0^x sin(pi t^2 / 2) dt``."""
    return _fresnel(x)[0]


def fresnel_c(x: np.ndarray) -> np.ndarray:
    """The Fresnel cosine integral ``integral_0^x cos(pi t^2 / 2) dt``."""
    return _fresnel(x)[1]


_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(64)
_T_SPAN = 9.0  # integrand below e^-40.5 of its value at 0 past t = 9 / |h|


def _owens_t_small_a(h, a):
    """``T(h, a)`` for ``h >= 0`` and ``0 <= a <= 1``, by Gauss-Legendre quadrature."""
    with np.errstate(divide="ignore"):
        top = np.minimum(a, _T_SPAN / h)
    t = 0.5 * top[..., None] * (_NODES + 1.0)
    one_t2 = 1.0 + t * t
    with np.errstate(under="ignore"):
        f = np.exp(-0.5 * (h * h)[..., None] * one_t2) / one_t2
    return 0.5 * top * (f @ _WEIGHTS) / (2.0 * math.pi)


def _upper_tail(h):
    """``Q(h) = P(-h)``, the standard normal upper tail."""
    return 0.5 * special_math.erfc(h / math.sqrt(2.0))


def owens_t(h: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Owen's T function ``T(h, a) = 1/(2 pi) integral_0^a e^(-h^2 (1+t^2)/2) / (1+t^2) dt``."""
    h, a = np.broadcast_arrays(np.asarray(h, np.float64), np.asarray(a, np.float64))
    ah, aa = np.abs(h), np.abs(a)  # T is even in h and odd in a
    out = np.full(h.shape, np.nan)
    small = aa <= 1
    out[small] = _owens_t_small_a(ah[small], aa[small])
    big = aa > 1
    hb, ab = ah[big], aa[big]
    with np.errstate(invalid="ignore"):
        hab = hb * ab
        q_h, q_ah = _upper_tail(hb), _upper_tail(hab)
        bracket = 0.5 * ((1.0 - q_h) * q_ah + (1.0 - q_ah) * q_h)
        rest = _owens_t_small_a(np.where(np.isnan(hab), 0.0, hab), 1.0 / ab)
    out[big] = np.where(np.isnan(hab), np.where(hb == 0, 0.25, 0.5 * q_h), bracket - rest)
    out = np.asarray(np.copysign(out, a))
    out[np.isnan(h) | np.isnan(a)] = np.nan
    return out
