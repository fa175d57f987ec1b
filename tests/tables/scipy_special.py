"""Table rows: fungrad.scipy.special against jax.scipy.special.

Ranges stay 0.1 away from poles and branch points so that central differences never
straddle one; rows in the far tails (``_tail``) check values, JVPs and VJPs against JAX only
(``order=0``), since central differences cannot resolve derivatives that vary by orders of
magnitude within a step. Special points (``xlogy`` at 0) use ``Point``.
"""

import numpy as np

from fungrad.scipy import special as fss
from tests.tables.spec import FP_WARNINGS, A, Case, Const, Point, Pos

S = (3, 4)
SHAPES = np.broadcast_to(np.array([0.5, 1.0, 2.5, 6.0]), S).copy()  # a, per column
SECOND = np.broadcast_to(np.array([[0.7], [2.0], [4.5]]), S).copy()  # b, per row
ORDERS = np.broadcast_to(np.array([0, 1, 2, 3]), S).copy()  # polygamma's n (ints)
ZERO_POINTS = np.array([[0.0, 0.0, 0.0, 1.5], [0.0, 2.0, 0.5, 0.0], [1.0, 0.0, 3.0, 2.0]])
Y_POINTS = np.array([[0.0, 1.0, 2.5, 0.5], [0.3, 0.0, 1.0, 4.0], [2.0, 0.7, 0.2, 1.0]])


def _jss(name):
    """The jax.scipy.special function ``name`` (imported when JAX is)."""

    def ref(jnp, lax):
        import jax.scipy.special as jss

        return getattr(jss, name)

    return ref


def _row(name, args, suffix="", jax_name=None, **kw):
    return Case(f"scipy.special.{name}{suffix}", getattr(fss, name), args,
                jax=_jss(jax_name or name), **kw)


def _erfcinv_reference(jnp, lax):
    import jax.scipy.special as jss

    return lambda y: jss.ndtri(0.5 * y) * -np.sqrt(0.5)


def _jax(make):
    """A ``jax=`` reference built from the module jax.scipy.special: ``make(jss)``."""

    def ref(jnp, lax):
        import jax.scipy.special as jss

        return make(jss)

    return ref


CASES = [
    _row("erf", [A(*S, low=-3, high=3)]),
    _row("erfc", [A(*S, low=-3, high=3)]),
    _row("erfinv", [A(*S, low=-0.9, high=0.9)]),
    Case("scipy.special.erfcinv", fss.erfcinv, [Pos(*S, low=0.1, high=1.9)],
         jax=_erfcinv_reference),
    Case("scipy.special.erfcinv_tail", fss.erfcinv, [Pos(*S, low=1e-12, high=1e-6)],
         jax=_erfcinv_reference, order=0, rtol=1e-12),
    _row("erfcx", [A(*S, low=-3, high=10)]),
    _row("erfcx", [Pos(*S, low=20, high=500)], "_tail"),
    _row("expit", [A(*S, low=-5, high=5)]),
    _row("logit", [Pos(*S, low=0.05, high=0.95)]),
    _row("gammaln", [Pos(*S, low=0.2, high=6)]),
    _row("loggamma", [Pos(*S, low=0.2, high=6)]),
    _row("gamma", [Pos(*S, low=0.2, high=4)]),
    _row("gamma", [A(*S, low=-0.9, high=-0.1)], "_neg"),
    _row("gamma", [A(*S, low=-2.9, high=-2.1)], "_neg3"),
    _row("gammasgn", [A(*S, low=-3.9, high=3.9)], diff=False),
    _row("digamma", [Pos(*S, low=0.3, high=6)]),
    _row("psi", [Pos(*S, low=0.3, high=6)], jax_name="digamma"),
    Case("scipy.special.polygamma", lambda x: fss.polygamma(ORDERS, x), [Pos(*S, low=0.5, high=4)],
         jax=_jax(lambda jss: lambda x: jss.polygamma(ORDERS, x))),
    Case("scipy.special.multigammaln", lambda a: fss.multigammaln(a, 3),
         [Pos(*S, low=1.2, high=5)],
         jax=_jax(lambda jss: lambda a: jss.multigammaln(a, 3))),
    _row("betaln", [Pos(*S, low=0.3, high=5), Pos(*S, low=0.3, high=5)]),
    _row("beta", [Pos(*S, low=0.3, high=5), Pos(*S, low=0.3, high=5)]),
    _row("beta", [A(*S, low=-0.9, high=-0.1), Pos(*S, low=1.2, high=3)], "_neg"),
    # betainc: differentiable in x only (a and b closed over), both sides of the mirror point
    Case("scipy.special.betainc_x", lambda x: fss.betainc(SHAPES, SECOND, x),
         [Pos(*S, low=0.05, high=0.95)],
         jax=_jax(lambda jss: lambda x: jss.betainc(SHAPES, SECOND, x)), rtol=1e-11),
    Case("scipy.special.betainc_values", fss.betainc,
         [Pos(*S, low=0.3, high=20), Pos(*S, low=0.3, high=20), Pos(*S, low=0.01, high=0.99)],
         jax=_jss("betainc"), diff=False, rtol=1e-11),
    Case("scipy.special.gammainc_x", lambda x: fss.gammainc(SHAPES, x), [Pos(*S, low=0.2, high=9)],
         jax=_jax(lambda jss: lambda x: jss.gammainc(SHAPES, x))),
    Case("scipy.special.gammaincc_a_x", fss.gammaincc,
         [Pos(*S, low=0.3, high=6), Pos(*S, low=0.2, high=9)], jax=_jss("gammaincc"), order=1),
    _row("xlogy", [A(*S), Pos(*S, low=0.2, high=3)]),
    _row("xlog1py", [A(*S), A(*S, low=-0.8, high=2)]),
    # x == 0 (with y == 0 too): value 0, derivatives as JAX defines them (-inf, nan)
    # (the values are quiet; the derivatives at (0, 0) are log(0) and 0 / 0, which warn)
    _row("xlogy", [Point(ZERO_POINTS), Point(Y_POINTS)], "_zero", order=0, tags=(FP_WARNINGS,)),
    _row("xlog1py", [Point(ZERO_POINTS), Point(Y_POINTS - 1)], "_zero", order=0,
         tags=(FP_WARNINGS,)),
    _row("ndtr", [A(*S, low=-5, high=5)]),
    _row("ndtr", [A(*S, low=-30, high=-8)], "_tail", atol=1e-300, order=0),
    _row("ndtri", [Pos(*S, low=0.02, high=0.98)]),
    _row("ndtri", [Pos(*S, low=1e-12, high=1e-4)], "_tail", order=0, rtol=1e-9),
    _row("log_ndtr", [A(*S, low=-6, high=6)]),
    # JAX's asymptotic series (series_order=3) is off by up to 2e-11 in value and 3e-9 in
    # derivative here; fungrad's values agree with mpmath to 1 ulp (tests/test_scipy.py)
    _row("log_ndtr", [A(*S, low=-40, high=-15)], "_tail", rtol=1e-8),
    _row("entr", [Pos(*S, low=0.1, high=3)]),
    _row("entr", [Point(np.abs(ZERO_POINTS))], "_zero", order=0, tags=(FP_WARNINGS,)),
    _row("kl_div", [Pos(*S, low=0.1, high=3), Pos(*S, low=0.1, high=3)]),
    _row("rel_entr", [Pos(*S, low=0.1, high=3), Pos(*S, low=0.1, high=3)]),
    _row("rel_entr", [Point(ZERO_POINTS), Point(Y_POINTS)], "_zero", order=0, diff=False),
    _row("i0", [A(*S, low=-6, high=6)]),
    _row("i0e", [A(*S, low=-6, high=6)]),
    _row("i1", [A(*S, low=-6, high=6)]),
    _row("i1e", [A(*S, low=-6, high=6)]),
    # at 0, to third (i0: fourth) order: i1'''(0) was 1/2 and i0's fourth derivative 1/2
    # (both are 3/8). JAX's i1''(0) is 1 and its i0'(0) is 1 (from |x|): i0's row is not
    # compared with JAX
    _row("i1", [Point([0.0, 0.0, 1.0])], "_at_zero", order=3),
    Case("scipy.special.i0_at_zero", fss.i0, [Point([0.0, 0.0, 1.0])], order=4),
    _row("i0e", [Pos(*S, low=18, high=200)], "_large"),
    _row("i1e", [A(*S, low=-200, high=-18)], "_large"),
    _row("logsumexp", [A(*S, low=-5, high=5)]),
    Case("scipy.special.logsumexp_axis_b", lambda a, b: fss.logsumexp(a, axis=1, b=b),
         [A(*S, low=-5, high=5), Pos(*S, low=0.1, high=2)],
         jax=_jax(lambda jss: lambda a, b: jss.logsumexp(a, axis=1, b=b))),
    Case("scipy.special.logsumexp_sign", lambda a, b: fss.logsumexp(a, axis=0, b=b,
                                                                    return_sign=True),
         [A(*S, low=-2, high=2), Const(np.array([[1.0, -3.0, 0.5, -1.0], [0.2, 1.0, -2.0, 1.0],
                                                 [-0.5, 2.0, 1.0, 3.0]]))],
         jax=_jax(lambda jss: lambda a, b: jss.logsumexp(a, axis=0, b=b, return_sign=True))),
    Case("scipy.special.logsumexp_where", lambda a: fss.logsumexp(
        a, axis=-1, keepdims=True, where=Y_POINTS > 0.6), [A(*S, low=-5, high=5)],
         jax=_jax(lambda jss: lambda a: jss.logsumexp(a, axis=-1, keepdims=True,
                                                      where=Y_POINTS > 0.6))),
    _row("softmax", [A(*S, low=-5, high=5)]),
    Case("scipy.special.softmax_axis", lambda x: fss.softmax(x, axis=1), [A(*S, low=-5, high=5)],
         jax=_jax(lambda jss: lambda x: jss.softmax(x, axis=1))),
    _row("log_softmax", [A(*S, low=-5, high=5)]),
    Case("scipy.special.log_softmax_axis", lambda x: fss.log_softmax(x, axis=0),
         [A(*S, low=-5, high=5)],
         jax=_jax(lambda jss: lambda x: jss.log_softmax(x, axis=0))),
    _row("factorial", [Pos(*S, low=0.3, high=5)]),
    _row("comb", [Pos(*S, low=3, high=6), Pos(*S, low=0.5, high=2.5)]),
    Case("scipy.special.comb_repetition", lambda n, k: fss.comb(n, k, repetition=True),
         [Pos(*S, low=2, high=5), Pos(*S, low=0.5, high=2.5)],
         jax=_jax(lambda jss: lambda n, k: jss.comb(n, k, repetition=True))),
    _row("poch", [Pos(*S, low=0.3, high=4), Pos(*S, low=0.3, high=3)]),
    Case("scipy.special.zeta_q", lambda q: fss.zeta(SHAPES + 1.5, q), [Pos(*S, low=0.3, high=5)],
         jax=_jax(lambda jss: lambda q: jss.zeta(SHAPES + 1.5, q))),
    # float32: the new primitives evaluate in float64 and round (values, JVPs, VJPs vs JAX)
    *[_row(name, [arg], "_f32", rtol=1e-5, atol=1e-6, order=0)
      for name, arg in [("erfcx", A(*S, low=-2, high=8, dtype="float32")),
                        ("i0e", A(*S, low=-8, high=8, dtype="float32")),
                        ("i1e", A(*S, low=-8, high=8, dtype="float32")),
                        ("ndtri", Pos(*S, low=0.05, high=0.95, dtype="float32")),
                        ("log_ndtr", A(*S, low=-8, high=4, dtype="float32"))]],
]

# Box-Cox: lmbda drawn away from 0 (the lmbda == 0 branch is its own row, with JAX's zero
# derivative in lmbda there: the power branch's limit is not taken).
LAMBDAS = np.array([[0.0, 0.5, -1.0, 2.0], [0.0, 1.0, 0.25, -0.5], [1.5, 0.0, -2.0, 3.0]])
CASES += [
    _row("boxcox", [Pos(*S, low=0.2, high=3.0), A(*S, low=0.3, high=2.0)]),
    _row("boxcox", [Pos(*S, low=0.2, high=3.0), Const(LAMBDAS)], "_lambda_points", order=0),
    _row("boxcox1p", [A(*S, low=-0.7, high=2.0), A(*S, low=-2.0, high=-0.3)]),
    _row("boxcox1p", [A(*S, low=-0.7, high=2.0), Const(LAMBDAS)], "_lambda_points",
         order=0),
]

# The integral functions (fungrad.lax.special_integrals). expn's n is an integer operand
# (zero derivative, as JAX), held constant; x stays off 0 (log singularities) and 1 (where
# spence's derivative has its removable point).
CASES += [
    _row("exp1", [Pos(*S, low=0.2, high=5)]),
    _row("exp1", [Pos(*S, low=20, high=600)], "_tail", order=0, atol=1e-300),
    _row("expi", [Pos(*S, low=0.5, high=30)]),
    _row("expi", [A(*S, low=-8, high=-0.2)], "_negative"),
    _row("expn", [Const(ORDERS), Pos(*S, low=0.2, high=5)]),
    _row("expn", [Const(ORDERS + 2), Pos(*S, low=0.5, high=3)], "_higher"),
    _row("dawsn", [A(*S, low=-8, high=8)]),
    # JAX's spence derivative is nan on (1, 2] (tests/test_scipy_special2.py checks ours
    # there against log(x) / (1 - x)); the rows stay outside it
    _row("spence", [Pos(*S, low=0.1, high=0.95)]),
    _row("spence", [Pos(*S, low=2.05, high=6)], "_above_two"),
    _row("spence", [Pos(*S, low=10, high=1e4)], "_large", order=0),
    _row("sici", [A(*S, low=-10, high=10)]),
    _row("fresnel", [A(*S, low=-4, high=4)]),
    _row("owens_t", [A(*S, low=-3, high=3), A(*S, low=-3, high=3)]),
    *[_row(name, args, "_f32", rtol=1e-5, atol=1e-6, order=0)
      for name, args in [("exp1", [Pos(*S, low=0.2, high=5, dtype="float32")]),
                         ("expi", [A(*S, low=-5, high=5, dtype="float32")]),
                         ("dawsn", [A(*S, low=-5, high=5, dtype="float32")]),
                         ("spence", [Pos(*S, low=2.1, high=4, dtype="float32")]),
                         ("sici", [A(*S, low=-8, high=8, dtype="float32")]),
                         ("fresnel", [A(*S, low=-3, high=3, dtype="float32")])]],
    # (JAX's owens_t returns float64 for float32 operands; tests/test_scipy_special2.py
    # checks fungrad's float32 owens_t against SciPy)
]

# bessel_jn: fnp's backward recurrence, stacked orders 0..v (z off 0, where JAX's is nan)
CASES += [
    Case("scipy.special.bessel_jn", lambda z: fss.bessel_jn(z, v=3), [Pos(*S, low=0.2, high=12)],
         jax=_jax(lambda jss: lambda z: jss.bessel_jn(z, v=3))),
    Case("scipy.special.bessel_jn_negative", lambda z: fss.bessel_jn(z, v=2, n_iter=30),
         [A(*S, low=-8, high=-0.2)],
         jax=_jax(lambda jss: lambda z: jss.bessel_jn(z, v=2, n_iter=30))),
]

# hyp1f1: fnp's series, differentiable in a, b and x (as JAX's)
CASES += [
    _row("hyp1f1", [Pos(*S, low=0.3, high=3), Pos(*S, low=0.5, high=4), A(*S, low=-3, high=3)]),
    # far on the negative axis JAX's values are off by 1e-6 and more (1e-4 at x = -30;
    # tests/test_scipy_special2.py checks fungrad's against SciPy): finite differences only
    Case("scipy.special.hyp1f1_negative", fss.hyp1f1,
         [Pos(*S, low=0.3, high=2), Pos(*S, low=2, high=5), A(*S, low=-25, high=-8)], order=1),
]
