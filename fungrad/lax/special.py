"""Special-function primitives: erf, erfc, erf_inv, lgamma, digamma, polygamma, igamma,
igammac and igamma_grad_a.

Names and conventions follow ``jax.lax`` (at poles, infinities and nan too; each function
says where SciPy differs). Operands are floating point; float32 operands are evaluated in
float64 and rounded back, so results are within one float32 ulp. The float64 numerics
(``fungrad.lax.special_math``, NumPy arrays only) reach, against 30-digit references:
relative error below about 2e-15 for erf, erfc (tails included), erf_inv, lgamma (x > 0)
and polygamma; 5e-15 for digamma (x > 0, its zero at 1.4616 included) and for igamma and
igammac with ``a <= 10``. At negative ``x`` the reflection formulas keep the absolute error
near 1e-15 times the size of their terms, so the relative error grows near the zeros of
lgamma and digamma there. Subnormal operands are honoured (JAX on CPU flushes them to 0).
Each primitive's rules sit next to it: the family constructor registers impl,
abstract_eval and batching; the JVP follows the primitive.
"""

from __future__ import annotations

import math

import numpy as np

from fungrad import core, dtypes
from fungrad.array_module import on_host
from fungrad.core import Primitive, ShapedArray
from fungrad.interpreters.batching import defbroadcasting, defvectorized
from fungrad.interpreters.jvp import defjvp
from fungrad.lax import special_math
from fungrad.lax.elementwise import _const, add, exp, log, mul, neg, sub

__all__ = [
    "erf_p",
    "erfc_p",
    "erf_inv_p",
    "lgamma_p",
    "digamma_p",
    "polygamma_p",
    "igamma_p",
    "igammac_p",
    "igamma_grad_a_p",
    "erf",
    "erfc",
    "erf_inv",
    "lgamma",
    "digamma",
    "polygamma",
    "igamma",
    "igammac",
    "igamma_grad_a",
]

# ---------------------------------------------------------------------------------------
# Constructor: a float-only elementwise primitive evaluated in float64


def _check_float(name: str, dtype) -> None:
    if not dtypes.is_floating(dtype):  # bfloat16 too (evaluated in float64, rounded)
        raise TypeError(f"fungrad lax.{name}: expected floating-point operands, got {dtype}; "
                        "convert them first, e.g. with x.astype(np.float64)")


def _float64_impl(name: str, fn):
    """Run the float64 kernel ``fn`` and round the result back to the operands' dtype."""

    @on_host  # fungrad's own NumPy kernels (host tables, masked updates): see on_host
    def impl(*args):
        dtype = np.result_type(*[core.get_aval(a).dtype for a in args])
        _check_float(name, dtype)
        # Poles, overflow and nan follow the documented conventions, without NumPy warnings.
        with np.errstate(all="ignore"):
            out = fn(*[np.asarray(a, dtype=np.float64) for a in args])
        out = out.astype(dtype, copy=False)
        return out[()] if out.ndim == 0 else out

    return impl


def _abstract_eval(name: str):
    def rule(*avals: ShapedArray) -> ShapedArray:
        shape = core.check_same_shapes(name, *avals)
        dtype = core.check_same_dtypes(name, *avals)
        _check_float(name, dtype)
        return ShapedArray(shape, dtype, all(a.weak_type for a in avals))

    return rule


def special_primitive(name: str, fn, arity: int = 1) -> Primitive:
    """An elementwise float primitive computed by the float64 NumPy kernel ``fn``.

    Registers what the family shares: the impl, the float-only shape/dtype rule and the
    batching rule (vectorized for one operand, broadcasting for two).
    """
    prim = Primitive(name)
    prim.def_impl(_float64_impl(name, fn))
    prim.def_abstract_eval(_abstract_eval(name))
    prim.elementwise = True
    (defvectorized if arity == 1 else defbroadcasting)(prim)
    return prim


# ---------------------------------------------------------------------------------------
# The error function family

erf_p = special_primitive("erf", special_math.erf)
erfc_p = special_primitive("erfc", special_math.erfc)
erf_inv_p = special_primitive("erf_inv", special_math.erf_inv)


def erf(x):
    """The error function ``2/sqrt(pi) * integral_0^x exp(-t^2) dt``, elementwise.

    Relative error below 1e-15 in float64; ``erf(±inf) = ±1``, ``erf(-0.0) = -0.0``.

    >>> float(erf(0.5))
    0.5204998778130465
    """
    return erf_p.bind(x)


def erfc(x):
    """The complementary error function ``1 - erf(x)``, accurate in the upper tail.

    Relative error below 1e-15 in float64 wherever the result is a normal number, e.g.
    ``erfc(10) = 2.088487583762545e-45`` (``1 - erf(10)`` would give 0); ``erfc(-inf) = 2``.

    >>> f"{float(erfc(10.0)):.12e}"
    '2.088487583763e-45'
    """
    return erfc_p.bind(x)


def erf_inv(x):
    """The inverse error function on ``[-1, 1]``: ``erf(erf_inv(x)) == x``.

    ``erf_inv(±1) = ±inf`` and nan outside ``[-1, 1]``, as in JAX. Relative error below
    1e-15 in float64, also as ``x`` approaches ±1 (computed from ``1 - |x|``, exact there).

    >>> float(erf_inv(0.5))
    0.4769362762044699
    """
    return erf_inv_p.bind(x)


_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
defjvp(erf_p, lambda t, ans, x: mul(t, mul(_const(_TWO_OVER_SQRT_PI, x), exp(neg(mul(x, x))))))
defjvp(erfc_p,
       lambda t, ans, x: mul(t, mul(_const(-_TWO_OVER_SQRT_PI, x), exp(neg(mul(x, x))))))
defjvp(erf_inv_p,
       lambda t, ans, x: mul(t, mul(_const(1.0 / _TWO_OVER_SQRT_PI, ans), exp(mul(ans, ans)))))

# ---------------------------------------------------------------------------------------
# The gamma function family

lgamma_p = special_primitive("lgamma", special_math.lgamma)
digamma_p = special_primitive("digamma", special_math.digamma)
polygamma_p = special_primitive("polygamma", special_math.polygamma, arity=2)


def lgamma(x):
    """``log|Gamma(x)|``, elementwise (the log of the gamma function's absolute value).

    ``+inf`` at 0, the negative integers and ``±inf`` (JAX's convention; SciPy's gammaln
    gives ``-inf`` at ``-inf``). Relative error below 1e-15 in float64 for ``x > 0``, the
    zeros at 1 and 2 included; for ``x < 0`` absolute error about 1e-15 (through
    ``log(pi / |sin(pi x)|) - lgamma(1 - x)``).

    >>> float(lgamma(0.5))
    0.5723649429247001
    """
    return lgamma_p.bind(x)


def digamma(x):
    """The digamma function ``psi(x) = d/dx lgamma(x)``, elementwise.

    ``nan`` at 0 (either sign), at the negative integers and at ``-inf``, as JAX gives
    (SciPy returns ``-inf`` at ``+0`` and ``+inf`` at ``-0``); ``digamma(inf) = inf``.
    Relative error below 5e-15 in float64 for ``x > 0``, including around the zero at
    1.4616...; for ``x < 0`` absolute error about 1e-15 times ``|psi(1 - x)|``.

    >>> round(float(digamma(1.0)), 14)  # minus the Euler-Mascheroni constant
    -0.57721566490153
    """
    return digamma_p.bind(x)


def polygamma(m, x):
    """The ``m``-th derivative of digamma, ``psi^(m)(x)``, elementwise.

    ``m`` holds whole numbers in the dtype of ``x`` (``m = 0`` is digamma); a rank-0 ``m``
    broadcasts, and a Python number is converted to ``x``'s dtype. ``nan`` where ``m`` is
    not a whole number; at the poles (0 and the negative integers) ``+inf`` for odd ``m``
    and ``nan`` for even ``m``, as JAX gives; 0 at ``x = inf`` (JAX: nan for even ``m``).
    Relative error about 2e-15 in float64 for moderate ``m`` (tested to 6), at negative
    ``x`` too, by reflection (JAX's values there go wrong, even in sign, below about -20);
    orders above 170 overflow. Differentiable in ``x`` only.

    >>> round(float(polygamma(1.0, 1.0)), 15)  # pi^2 / 6
    1.644934066848226
    """
    if isinstance(m, (int, float)):
        m = _const(m, x)
    return polygamma_p.bind(m, x)


def _polygamma_m_jvp(t, ans, m, x):
    raise ValueError("fungrad lax.polygamma: no derivative with respect to the order `m` "
                     "(whole numbers only); differentiate with respect to `x`, or pass `m` "
                     "through lax.stop_gradient")


defjvp(lgamma_p, lambda t, ans, x: mul(t, digamma(x)))
defjvp(digamma_p, lambda t, ans, x: mul(t, polygamma(_const(1, x), x)))
defjvp(polygamma_p, _polygamma_m_jvp,
       lambda t, ans, m, x: mul(t, polygamma(add(m, _const(1, m)), x)))

# ---------------------------------------------------------------------------------------
# The regularized incomplete gamma functions

igamma_p = special_primitive("igamma", special_math.igamma, arity=2)
igammac_p = special_primitive("igammac", special_math.igammac, arity=2)
igamma_grad_a_p = special_primitive("igamma_grad_a", special_math.igamma_grad_a, arity=2)

def igamma(a, x):
    """The regularized lower incomplete gamma function ``P(a, x)``, elementwise.

    ``P(a, x) = 1/Gamma(a) * integral_0^x t^(a-1) exp(-t) dt``: a power series below
    ``x = a + 1``, one minus Legendre's continued fraction for the upper function above.
    Differentiable in ``x`` to any order and in ``a`` once (through igamma_grad_a).
    The lower function is nan where ``a < 0``, ``x < 0``, ``a = inf`` or ``a = x = 0``; 1 at
    ``a = 0 < x``, as in JAX. Relative error about 5e-15 in float64 for ``a <= 10``,
    growing roughly like ``a * 1e-15`` beyond (the factor ``exp(a log x - x - lgamma(a))``).

    >>> round(float(igamma(1.0, 2.0)), 15)  # 1 - exp(-2)
    0.864664716763387
    """
    return igamma_p.bind(a, x)


def igammac(a, x):
    """The regularized upper incomplete gamma function ``Q(a, x) = 1 - P(a, x)``.

    Computed directly (not as ``1 - P``) above ``x = a + 1``, so its upper tail keeps its
    digits: ``igammac(1, 50) = exp(-50)``. Below ``x = a + 1`` it is ``1 - P``, so where it
    is much smaller than 1 there (``a < 1``) its relative error grows like ``1e-16 / Q``.
    Differentiable like igamma.
    The upper function is nan where ``a < 0``, ``x < 0``, ``a = inf`` or ``a = x = 0``; 0 at
    ``a = 0 < x``, as in JAX. Relative error about 5e-15 in float64 for ``a <= 10``,
    growing roughly like ``a * 1e-15`` beyond (the factor ``exp(a log x - x - lgamma(a))``).

    >>> bool(abs(igammac(1.0, 50.0) / np.exp(-50.0) - 1) < 1e-15)
    True
    """
    return igammac_p.bind(a, x)


def igamma_grad_a(a, x):
    """``d/da igamma(a, x)``, elementwise; summed alongside igamma's series and fraction.

    Differentiable in ``x``; its own derivative in ``a`` (the second ``a``-derivative of
    igamma) is not implemented, as in JAX. nan at ``x = inf``, 0 at ``x = 0``.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.igamma_grad_a(np.array([1.0, 2.0]), np.array([1.0, 1.0]))
        array([-0.43172971, -0.27619605])
    """
    return igamma_grad_a_p.bind(a, x)


def _igamma_density(a, x):
    """``dP/dx = x^(a-1) exp(-x) / Gamma(a)``, as one exponential (no overflow of x^(a-1))."""
    return exp(sub(sub(mul(sub(a, _const(1, a)), log(x)), x), lgamma(a)))


def _igamma_grad_a_of_a(t, ans, a, x):
    raise NotImplementedError(
        "fungrad lax.igamma_grad_a: the second derivative of igamma/igammac with respect "
        "to `a` is not implemented (JAX lacks it too); differentiate once in `a`, or pass "
        "`a` through lax.stop_gradient in the inner derivative")


defjvp(igamma_p, lambda t, ans, a, x: mul(t, igamma_grad_a(a, x)),
       lambda t, ans, a, x: mul(t, _igamma_density(a, x)))
defjvp(igammac_p, lambda t, ans, a, x: neg(mul(t, igamma_grad_a(a, x))),
       lambda t, ans, a, x: neg(mul(t, _igamma_density(a, x))))
# d/dx dP/da = d/da dP/dx = dP/dx * (log x - digamma(a))
defjvp(igamma_grad_a_p, _igamma_grad_a_of_a,
       lambda t, ans, a, x: mul(t, mul(_igamma_density(a, x), sub(log(x), digamma(a)))))
