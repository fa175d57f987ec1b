"""Special-function primitives behind ``fungrad.scipy.special``: erfcx, erfc_inv,
bessel_i0e, bessel_i1e, betainc and zeta.

Built with the family constructor of ``fungrad.lax.special`` (float operands, evaluated in
float64 and rounded back; broadcasting batching rule); the numerics are in
``fungrad.lax.special_scipy_math``. Each JVP follows its primitive. Accuracy in float64
against SciPy/mpmath: about 1e-16 relative for erfcx (SciPy's own erfcx is off by 6e-14
near x = -24) and for erfc_inv down to the smallest subnormal (SciPy returns inf at 5e-324);
4e-15 for bessel_i0e and bessel_i1e; about 1e-13 for betainc with a, b up to 50.
"""

from __future__ import annotations

import math

from fungrad.interpreters.jvp import defjvp
from fungrad.kernels.cpu.lowering import cpu_declined
from fungrad.lax import special_scipy_math
from fungrad.lax.comparison import eq, select_n
from fungrad.lax.elementwise import _const, add, div, exp, log, mul, sign, sub
from fungrad.lax.special import lgamma, special_primitive

__all__ = [
    "erfcx_p",
    "erfc_inv_p",
    "bessel_i0e_p",
    "bessel_i1e_p",
    "betainc_p",
    "zeta_p",
    "erfcx",
    "erfc_inv",
    "bessel_i0e",
    "bessel_i1e",
    "betainc",
    "zeta",
]

# ---------------------------------------------------------------------------------------
# The scaled complementary error function and the inverse of erfc

erfcx_p = special_primitive("erfcx", special_scipy_math.erfcx)
erfc_inv_p = special_primitive("erfc_inv", special_scipy_math.erfc_inv)


def erfcx(x):
    """The scaled complementary error function ``exp(x^2) erfc(x)``, elementwise.

    Finite and accurate for large ``x`` (about ``1 / (x sqrt(pi))``), where ``erfc``
    underflows; overflows to ``inf`` below about -26.6.

    >>> round(float(erfcx(30.0)) * 30 * math.sqrt(math.pi), 6)
    0.999445
    """
    return erfcx_p.bind(x)


def erfc_inv(x):
    """The inverse of ``erfc`` on ``[0, 2]``: ``erfc(erfc_inv(x)) == x``.

    ``inf`` at 0, ``-inf`` at 2, nan outside ``[0, 2]``. Accurate in both tails (to the
    smallest subnormal), where ``erf_inv(1 - x)`` would have lost every digit.

    >>> round(float(erfc_inv(1e-300)), 12)
    26.209469960516
    """
    return erfc_inv_p.bind(x)


_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
# erfcx' = 2 x erfcx(x) - 2/sqrt(pi); erfc_inv' = -sqrt(pi)/2 exp(erfc_inv(x)^2)
defjvp(erfcx_p, lambda t, ans, x: mul(
    t, sub(mul(_const(2.0, x), mul(x, ans)), _const(_TWO_OVER_SQRT_PI, x))))
defjvp(erfc_inv_p, lambda t, ans, x: mul(
    t, mul(_const(-1.0 / _TWO_OVER_SQRT_PI, x), exp(mul(ans, ans)))))

# ---------------------------------------------------------------------------------------
# Exponentially scaled modified Bessel functions

bessel_i0e_p = special_primitive("bessel_i0e", special_scipy_math.bessel_i0e)
bessel_i1e_p = special_primitive("bessel_i1e", special_scipy_math.bessel_i1e)


def bessel_i0e(x):
    """``exp(-|x|) I_0(x)``, the exponentially scaled modified Bessel function of order 0.

    >>> round(float(bessel_i0e(1.0)), 14)
    0.46575960759364
    """
    return bessel_i0e_p.bind(x)


def bessel_i1e(x):
    """``exp(-|x|) I_1(x)``, the exponentially scaled modified Bessel function of order 1.

    >>> round(float(bessel_i1e(1.0)), 15)
    0.207910415349708
    """
    return bessel_i1e_p.bind(x)


def _i1e_over_x(x, i1e_x):
    """``i1e(x) / x``, with its limit 1/2 at 0 (the other branch never sees x = 0)."""
    zero = eq(x, _const(0, x))
    safe = select_n(zero, x, _const(1, x))
    return select_n(zero, div(i1e_x, safe), _const(0.5, x))


# i0e' = i1e - sign(x) i0e;  i1e' = i0e - sign(x) i1e - i1e / x
defjvp(bessel_i0e_p, lambda t, ans, x: mul(t, sub(bessel_i1e(x), mul(sign(x), ans))))
defjvp(bessel_i1e_p, lambda t, ans, x: mul(
    t, sub(sub(bessel_i0e(x), mul(sign(x), ans)), _i1e_over_x(x, ans))))

# ---------------------------------------------------------------------------------------
# The regularized incomplete beta function

betainc_p = special_primitive("regularized_incomplete_beta", special_scipy_math.betainc,
                              arity=3)


def betainc(a, b, x):
    """The regularized incomplete beta function ``I_x(a, b)``, elementwise.

    ``I_x(a, b) = integral_0^x t^(a-1) (1-t)^(b-1) dt / B(a, b)``, for ``a, b > 0`` and
    ``0 <= x <= 1`` (nan elsewhere). Differentiable in ``x`` to any order; not in ``a`` or
    ``b`` (as in JAX).

    >>> round(float(betainc(2.0, 3.0, 0.5)), 15)
    0.6875
    """
    return betainc_p.bind(a, b, x)


def _betainc_ab_jvp(t, ans, a, b, x):
    raise ValueError("fungrad lax.betainc: no derivative with respect to `a` or `b` (JAX "
                     "has none either); differentiate with respect to `x`, or pass `a` and "
                     "`b` through lax.stop_gradient")


def _betainc_density(a, b, x):
    """``dI/dx = x^(a-1) (1-x)^(b-1) / B(a, b)``, as one exponential."""
    one = _const(1, x)
    log_b = sub(add(lgamma(a), lgamma(b)), lgamma(add(a, b)))
    return exp(sub(add(mul(sub(a, one), log(x)), mul(sub(b, one), log(sub(one, x)))), log_b))


defjvp(betainc_p, _betainc_ab_jvp, _betainc_ab_jvp,
       lambda t, ans, a, b, x: mul(t, _betainc_density(a, b, x)))

# ---------------------------------------------------------------------------------------
# The Hurwitz zeta function

zeta_p = special_primitive("zeta", special_scipy_math.zeta, arity=2)


def zeta(x, q):
    """The Hurwitz zeta function ``zeta(x, q) = sum_(k>=0) (q + k)^-x``, elementwise.

    ``inf`` at ``x = 1``, nan for ``x < 1`` (as JAX). Differentiable in ``q``
    (``d/dq zeta(x, q) = -x zeta(x + 1, q)``), not in ``x`` (as JAX).

    >>> round(float(zeta(2.0, 1.0)), 15)  # pi^2 / 6
    1.644934066848226
    """
    return zeta_p.bind(x, q)


def _zeta_x_jvp(t, ans, x, q):
    raise ValueError("fungrad lax.zeta: no derivative with respect to `x` (JAX has none "
                     "either); differentiate with respect to `q`, or pass `x` through "
                     "lax.stop_gradient")


defjvp(zeta_p, _zeta_x_jvp,
       lambda t, ans, x, q: mul(t, mul(sub(_const(0, x), x), zeta(add(x, _const(1, x)), q))))

# The kernels' table of elementwise primitives without a Numba rule (the coverage report).
_NO_NUMBA = "no Numba implementation; runs its NumPy impl (fungrad.lax.special_scipy_math)"
for _prim in (erfcx_p, erfc_inv_p, bessel_i0e_p, bessel_i1e_p, betainc_p, zeta_p):
    cpu_declined[_prim] = _NO_NUMBA
