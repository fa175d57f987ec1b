"""Integral special functions behind ``fungrad.scipy.special``: the exponential integrals
(expn, exp1, expi), Dawson's integral, Spence's function, the sine/cosine and Fresnel
integrals and Owen's T.

Built with the family constructor of ``fungrad.lax.special`` (float operands, evaluated in
float64 and rounded back; broadcasting batching rule); the numerics and their regions are in
``fungrad.lax.special_integrals_math``. Each JVP is the integrand (or its closed form), so
every function is differentiable to any order. ``sici`` and ``fresnel`` are two primitives
each (one per result), so that each result has its own derivative.
"""

from __future__ import annotations

import math

from fungrad.interpreters.jvp import defjvp
from fungrad.kernels.cpu.lowering import cpu_declined
from fungrad.lax import special_integrals_math as _math
from fungrad.lax.comparison import eq, select_n
from fungrad.lax.elementwise import _const, add, cos, div, exp, log, mul, neg, sin, sub
from fungrad.lax.special import erf, special_primitive

__all__ = [
    "expn_p", "exp1_p", "expi_p", "dawsn_p", "spence_p", "sici_si_p", "sici_ci_p",
    "fresnel_s_p", "fresnel_c_p", "owens_t_p",
    "expn", "exp1", "expi", "dawsn", "spence", "sici_si", "sici_ci", "fresnel_s",
    "fresnel_c", "owens_t",
]

expn_p = special_primitive("expn", _math.expn, arity=2)
exp1_p = special_primitive("exp1", _math.exp1)
expi_p = special_primitive("expi", _math.expi)
dawsn_p = special_primitive("dawsn", _math.dawsn)
spence_p = special_primitive("spence", _math.spence)
sici_si_p = special_primitive("sici_si", _math.sici_si)
sici_ci_p = special_primitive("sici_ci", _math.sici_ci)
fresnel_s_p = special_primitive("fresnel_s", _math.fresnel_s)
fresnel_c_p = special_primitive("fresnel_c", _math.fresnel_c)
owens_t_p = special_primitive("owens_t", _math.owens_t, arity=2)


def expn(n, x):
    """The generalized exponential integral ``E_n(x) = integral_1^inf e^(-xt) / t^n dt``.

    For integer ``n >= 0`` and ``x >= 0`` (nan otherwise; ``E_n(0) = 1/(n-1)`` for
    ``n > 1``, ``inf`` for ``n <= 1``). ``n`` is a float operand holding an integer.

    >>> round(float(expn(2.0, 1.0)), 15)
    0.148495506775922
    """
    return expn_p.bind(n, x)


def exp1(x):
    """``E_1(x) = integral_x^inf e^-t / t dt`` for ``x >= 0``; nan for ``x < 0``.

    >>> round(float(exp1(1.0)), 15)
    0.21938393439552
    """
    return exp1_p.bind(x)


def expi(x):
    """``Ei(x)``, the principal value of ``integral_-inf^x e^t / t dt`` (``-inf`` at 0).

    >>> round(float(expi(1.0)), 14)
    1.89511781635594
    """
    return expi_p.bind(x)


def dawsn(x):
    """Dawson's integral ``e^(-x^2) integral_0^x e^(t^2) dt``.

    >>> round(float(dawsn(1.0)), 15)
    0.538079506912768
    """
    return dawsn_p.bind(x)


def spence(x):
    """Spence's function ``integral_1^x log(t) / (1 - t) dt = Li2(1 - x)``, ``x >= 0``.

    >>> round(float(spence(0.0)) * 6 / math.pi ** 2, 15)
    1.0
    """
    return spence_p.bind(x)


def sici_si(x):
    """The sine integral ``Si(x) = integral_0^x sin(t) / t dt``.

    >>> round(float(sici_si(1.0)), 15)
    0.946083070367183
    """
    return sici_si_p.bind(x)


def sici_ci(x):
    """The cosine integral ``Ci(|x|) = gamma + log|x| + integral_0^|x| (cos t - 1)/t dt``.

    >>> round(float(sici_ci(1.0)), 15)
    0.337403922900968
    """
    return sici_ci_p.bind(x)


def fresnel_s(x):
    """The Fresnel sine integral ``integral_0^x sin(pi t^2 / 2) dt``.

    >>> round(float(fresnel_s(1.0)), 15)
    0.438259147390355
    """
    return fresnel_s_p.bind(x)


def fresnel_c(x):
    """The Fresnel cosine integral ``integral_0^x cos(pi t^2 / 2) dt``.

    >>> round(float(fresnel_c(1.0)), 15)
    0.779893400376823
    """
    return fresnel_c_p.bind(x)


def owens_t(h, a):
    """Owen's T ``T(h, a) = 1/(2 pi) integral_0^a e^(-h^2 (1+t^2)/2) / (1+t^2) dt``.

    >>> round(float(owens_t(0.0, 1.0)), 15)  # atan(1) / (2 pi)
    0.125
    """
    return owens_t_p.bind(h, a)


def _safe_ratio(num, x, at_zero):
    """``num / x``, with ``at_zero`` where ``x == 0`` (the other branch never sees 0)."""
    zero = eq(x, _const(0, x))
    return select_n(zero, div(num, select_n(zero, x, _const(1, x))), _const(at_zero, x))


def _expn_x_jvp(t, ans, n, x):
    # E_n' = -E_(n-1) for n >= 1; E_0 = e^-x / x has E_0' = -E_0 (1 + 1/x)
    first = eq(n, _const(0, n))
    lower = expn(select_n(first, sub(n, _const(1, n)), _const(0, n)), x)
    e0 = mul(ans, add(_const(1, x), div(_const(1, x), x)))
    return mul(t, neg(select_n(first, lower, e0)))


# n holds an integer: the function is piecewise constant in it (as JAX, a zero derivative)
defjvp(expn_p, None, _expn_x_jvp)
defjvp(exp1_p, lambda t, ans, x: mul(t, neg(div(exp(neg(x)), x))))
defjvp(expi_p, lambda t, ans, x: mul(t, div(exp(x), x)))
defjvp(dawsn_p, lambda t, ans, x: mul(t, sub(_const(1, x), mul(_const(2, x), mul(x, ans)))))


def _spence_jvp(t, ans, x):
    """``d/dx spence = log(x) / (1 - x)``, with its limit -1 at ``x = 1``."""
    one = _const(1, x)
    at_one = eq(x, one)
    safe = select_n(at_one, x, _const(2, x))
    return mul(t, select_n(at_one, div(log(safe), sub(one, safe)), _const(-1, x)))


defjvp(spence_p, _spence_jvp)
defjvp(sici_si_p, lambda t, ans, x: mul(t, _safe_ratio(sin(x), x, 1.0)))
defjvp(sici_ci_p, lambda t, ans, x: mul(t, _safe_ratio(cos(x), x, math.inf)))


def _half_pi_square(x):
    return mul(_const(math.pi / 2, x), mul(x, x))


defjvp(fresnel_s_p, lambda t, ans, x: mul(t, sin(_half_pi_square(x))))
defjvp(fresnel_c_p, lambda t, ans, x: mul(t, cos(_half_pi_square(x))))

_INV_2_SQRT_2PI = 1.0 / (2.0 * math.sqrt(2.0 * math.pi))


def _owens_t_h_jvp(t, ans, h, a):
    """``dT/dh = -e^(-h^2/2) erf(a h / sqrt 2) / (2 sqrt(2 pi))``."""
    gauss = exp(mul(_const(-0.5, h), mul(h, h)))
    return mul(t, mul(_const(-_INV_2_SQRT_2PI, h),
                      mul(gauss, erf(mul(_const(math.sqrt(0.5), h), mul(a, h))))))


def _owens_t_a_jvp(t, ans, h, a):
    """``dT/da = e^(-h^2 (1 + a^2) / 2) / (2 pi (1 + a^2))``."""
    one_a2 = add(_const(1, a), mul(a, a))
    return mul(t, div(exp(mul(_const(-0.5, a), mul(mul(h, h), one_a2))),
                      mul(_const(2 * math.pi, a), one_a2)))


defjvp(owens_t_p, _owens_t_h_jvp, _owens_t_a_jvp)

PRIMITIVES = (expn_p, exp1_p, expi_p, dawsn_p, spence_p, sici_si_p, sici_ci_p, fresnel_s_p,
              fresnel_c_p, owens_t_p)
# The kernels' table of elementwise primitives without a Numba rule (the coverage report).
for _prim in PRIMITIVES:
    cpu_declined[_prim] = ("no Numba implementation; runs its NumPy impl "
                           "(fungrad.lax.special_integrals_math)")
