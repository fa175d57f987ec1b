"""lax.special values against scipy.special over wide grids, and the edge-case conventions.

Bounds are relative errors, stated per test. SciPy is the reference on wide grids where it
is itself accurate; where it is not (the far erfc tail, where it rounds ``x*x``; lgamma
near its zeros at 1 and 2; digamma and polygamma next to negative poles, all off by 1e-14
to 1e-11) the reference is mpmath at 30 digits. At negative x, near the zeros of lgamma
and digamma, the bound is on the error relative to the size of the reflection formula's
terms. float32 results must be within one float32 ulp of SciPy's float64 value. Poles,
infinities, nan and signed zeros follow JAX (checked against JAX too when installed).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import fungrad as fg
import fungrad.nn as fnn
from fungrad import lax

sc = pytest.importorskip("scipy.special")

RNG = np.random.default_rng(20260)


def _relative_error(got, want, scale=None):
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    den = np.abs(want) if scale is None else np.maximum(scale, np.abs(want))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(got == want, 0.0, np.abs(got - want) / den)


def _assert_relative(got, want, bound, x, name, scale=None):
    got, want = np.asarray(got), np.asarray(want)
    err = _relative_error(got, want, scale)
    worst = int(np.argmax(err))
    assert np.all(err <= bound), (f"{name}: relative error {err.flat[worst]:.3g} > "
                                  f"{np.broadcast_to(bound, err.shape).flat[worst]:g} at "
                                  f"x={x.flat[worst]!r}: got {got.flat[worst]!r}, "
                                  f"reference {want.flat[worst]!r}")


def _mpmath(fn, x):
    """30-digit reference values of ``fn(mpmath)`` (a function) at each float in ``x``."""
    mp = pytest.importorskip("mpmath")
    f = fn(mp)
    with mp.workdps(30):
        return np.array([float(f(mp.mpf(float(v)))) for v in x])


def _grid(low, high, n=20001):
    return np.concatenate([np.linspace(low, high, n), RNG.uniform(low, high, n)])


def _log_grid(low_exp, high_exp, n=4001):
    return 10.0 ** np.linspace(low_exp, high_exp, n)


# ---------------------------------------------------------------------------------------
# float64 accuracy


def test_erf_accuracy():
    x = np.concatenate([_grid(-6, 6), _log_grid(-300, 0.7), -_log_grid(-300, 0.7)])
    _assert_relative(lax.erf(x), sc.erf(x), 2e-15, x, "erf")


def test_erfc_accuracy_including_the_tail():
    x = np.concatenate([_grid(-6, 26), _log_grid(-300, 1.4)])
    want = sc.erfc(x)
    normal = want > np.finfo(np.float64).tiny  # SciPy flushes the subnormal tail to 0
    x, want = x[normal], want[normal]
    # SciPy's own error grows like x^2 * 1.1e-16 in the tail (6e-14 at x = 25)
    bound = 3e-15 + 1.5e-16 * np.maximum(x, 0) ** 2
    _assert_relative(lax.erfc(x), want, bound, x, "erfc vs scipy")
    tail = RNG.uniform(5, 26.5, 400)
    _assert_relative(lax.erfc(tail), _mpmath(lambda mp: mp.erfc, tail), 2e-15, tail,
                     "erfc vs mpmath")
    assert float(lax.erfc(10.0)) == pytest.approx(2.088487583762545e-45, rel=1e-15)
    assert float(lax.erfc(25.0)) == pytest.approx(8.300172571196522e-274, rel=1e-14)


def test_erf_inv_accuracy_including_near_one():
    y = np.concatenate([_grid(-0.999, 0.999), 1 - _log_grid(-16, -0.3), _log_grid(-300, -1)])
    y = np.concatenate([y, -y])
    _assert_relative(lax.erf_inv(y), sc.erfinv(y), 1e-15, y, "erf_inv")
    np.testing.assert_allclose(sc.erf(lax.erf_inv(y)), y, rtol=8e-16, atol=0)


def test_lgamma_accuracy_for_positive_x():
    x = np.concatenate([_grid(1e-3, 30), _log_grid(-300, 305)])
    away = (x < 0.5) | (x > 3)  # SciPy loses digits between (8e-13 relative near 1 and 2)
    _assert_relative(lax.lgamma(x[away]), sc.gammaln(x[away]), 2e-15, x[away], "lgamma")
    near = np.concatenate([RNG.uniform(0.5, 3, 600),
                           1 + _log_grid(-15, -2, 50), 2 - _log_grid(-15, -2, 50)])
    _assert_relative(lax.lgamma(near), _mpmath(lambda mp: mp.loggamma, near), 1e-15, near,
                     "lgamma on [0.5, 3], zeros at 1 and 2 included")
    assert lax.lgamma(np.array([1.0, 2.0])).tolist() == [0.0, 0.0]


def _negative_grid(n=600):
    x = -np.concatenate([RNG.uniform(1e-6, 40, n), RNG.uniform(1e-6, 3, n)])
    return x[x != np.round(x)]


def test_lgamma_for_negative_x():
    x = _negative_grid()
    got, want = lax.lgamma(x), _mpmath(lambda mp: lambda v: mp.log(abs(mp.gamma(v))), x)
    # reflection: lgamma(x) = log(pi / |sin(pi x)|) - lgamma(1 - x)
    scale = np.abs(np.log(np.pi / np.abs(np.sin(np.pi * x)))) + np.abs(sc.gammaln(1 - x))
    _assert_relative(got, want, 2e-15, x, "lgamma(x < 0), relative to the terms", scale)
    away = np.abs(want) > 0.1  # away from lgamma's zeros the error is relative
    _assert_relative(got[away], want[away], 2e-14, x[away], "lgamma(x < 0)")


def test_digamma_accuracy_for_positive_x():
    x = np.concatenate([_grid(1e-3, 30), _grid(1.2, 1.8, 4001), _log_grid(-300, 307)])
    _assert_relative(lax.digamma(x), sc.psi(x), 5e-15, x, "digamma")
    root = 1.4616321449683623  # the zero: psi(root) is about 1e-17, so absolute there
    assert abs(float(lax.digamma(root))) < 1e-16


def test_digamma_for_negative_x():
    x = _negative_grid()
    got, want = lax.digamma(x), _mpmath(lambda mp: mp.digamma, x)
    scale = np.abs(np.pi / np.tan(np.pi * x)) + np.abs(sc.psi(1 - x))
    _assert_relative(got, want, 4e-15, x, "digamma(x < 0), relative to the terms", scale)
    away = np.abs(want) > 0.1
    _assert_relative(got[away], want[away], 2e-14, x[away], "digamma(x < 0)")


@pytest.mark.parametrize("n", [1, 2, 3, 4, 6])
def test_polygamma_accuracy(n):
    x = np.concatenate([_grid(1e-3, 30, 4001), _log_grid(-3, 30, 401)])
    _assert_relative(lax.polygamma(float(n), x), sc.polygamma(n, x), 3e-15, x,
                     f"polygamma({n})")
    neg = -RNG.uniform(0.01, 10, 300)
    want = _mpmath(lambda mp: lambda v: mp.polygamma(n, v), neg)
    _assert_relative(lax.polygamma(float(n), neg), want, 4e-15, neg, f"polygamma({n}, x < 0)")


def test_polygamma_orders_elementwise():
    m = np.array([0.0, 1.0, 2.0, 5.0, 1.5, -1.0])
    x = np.full(6, 2.5)
    want = [sc.psi(2.5), *(sc.polygamma(k, 2.5) for k in (1, 2, 5)), np.nan, np.nan]
    np.testing.assert_allclose(lax.polygamma(m, x), want, rtol=3e-15)


def _shape_grid(low, high, n=3000):
    a = RNG.uniform(low, high, n)
    return a, a * RNG.uniform(0.01, 3.0, n)  # x on both sides of a + 1


# SciPy itself is off by up to 8e-14 near a = 0.5, x = 1 (see the mpmath test below)
@pytest.mark.parametrize("low, high, bound", [(1e-3, 1, 1e-13), (1, 10, 2e-14),
                                              (10, 100, 5e-13)])
def test_igamma_and_igammac_accuracy(low, high, bound):
    a, x = _shape_grid(low, high)
    p, q = lax.igamma(a, x), lax.igammac(a, x)
    want_p, want_q = sc.gammainc(a, x), sc.gammaincc(a, x)
    big_p, big_q = want_p > 1e-300, want_q > 1e-300
    _assert_relative(p[big_p], want_p[big_p], bound, x[big_p], "igamma")
    # igammac below x = a + 1 is 1 - igamma: relative to max(Q, 1/2) there
    upper = (x >= a + 1) & big_q
    _assert_relative(q[upper], want_q[upper], bound, x[upper], "igammac")
    np.testing.assert_allclose(q, want_q, rtol=bound, atol=1e-15)


def test_igamma_and_igammac_against_mpmath():
    a, x = _shape_grid(1e-3, 10, 200)
    lower = _mpmath_pairs(lambda mp, u, v: mp.gammainc(u, 0, v, regularized=True), a, x)
    upper = _mpmath_pairs(lambda mp, u, v: mp.gammainc(u, v, mp.inf, regularized=True), a, x)
    _assert_relative(lax.igamma(a, x), lower, 1e-14, x, "igamma")
    fraction = x >= a + 1  # below, igammac is 1 - igamma (bounded by atol)
    _assert_relative(lax.igammac(a, x)[fraction], upper[fraction], 1e-14, x[fraction],
                     "igammac")
    np.testing.assert_allclose(lax.igammac(a, x), upper, rtol=1e-14, atol=2e-16)


def _mpmath_pairs(fn, a, x, digits=30):
    mp = pytest.importorskip("mpmath")
    with mp.workdps(digits):
        return np.array([float(fn(mp, mp.mpf(float(u)), mp.mpf(float(v))))
                         for u, v in zip(a, x)])


def test_igamma_grad_a_against_mpmath():
    a, x = _shape_grid(0.05, 8, 150)
    want = _mpmath_pairs(lambda mp, u, v: mp.diff(
        lambda s: mp.gammainc(s, 0, v, regularized=True), u), a, x, digits=40)
    _assert_relative(lax.igamma_grad_a(a, x), want, 1e-13, x, "igamma_grad_a")
    np.testing.assert_allclose(fg.grad(lax.igammac)(1.5, 2.0), -lax.igamma_grad_a(1.5, 2.0),
                               rtol=1e-15)


def test_igamma_edges_match_jax():
    a = np.array([0.0, 0.0, 1.0, -1.0, 1.0, INF, 1.0, 2.0, 1.0, NAN, 3.0])
    x = np.array([0.0, 1.0, 0.0, 1.0, -1.0, 1.0, INF, NAN, 0.0, 1.0, INF])
    want_p = [NAN, 1.0, 0.0, NAN, NAN, NAN, 1.0, NAN, 0.0, NAN, 1.0]
    np.testing.assert_array_equal(lax.igamma(a, x), want_p)
    np.testing.assert_array_equal(lax.igammac(a, x), 1.0 - np.array(want_p))
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    for name in ("igamma", "igammac", "igamma_grad_a"):
        np.testing.assert_array_equal(getattr(lax, name)(a, x),
                                      np.asarray(getattr(jax.lax, name)(a, x)), err_msg=name)


def test_igammac_upper_tail_keeps_its_digits():
    x = np.array([50.0, 200.0, 700.0])
    _assert_relative(lax.igammac(1.0, x), np.exp(-x), 4e-15, x, "igammac(1, x)")


def test_second_derivative_in_a_is_a_clear_error():
    with pytest.raises(NotImplementedError, match="igamma_grad_a: the second derivative"):
        fg.grad(fg.grad(lax.igamma))(1.5, 2.0)


# ---------------------------------------------------------------------------------------
# float32


@pytest.mark.parametrize("name, ref, low, high", [
    ("erf", sc.erf, -5, 5), ("erfc", sc.erfc, -5, 9), ("erf_inv", sc.erfinv, -0.999, 0.999),
    ("lgamma", sc.gammaln, 1e-3, 50), ("digamma", sc.psi, 1e-3, 50),
    ("igamma", lambda x: sc.gammainc(2.5, x), 1e-3, 20),
    ("igammac", lambda x: sc.gammaincc(2.5, x), 1e-3, 20),
])
def test_float32_within_one_ulp(name, ref, low, high):
    x = _grid(low, high, 4001).astype(np.float32)
    fn = getattr(lax, name)
    got = fn(np.float32(2.5), x) if name.startswith("igamma") else fn(x)
    assert got.dtype == np.float32
    want = ref(x.astype(np.float64))
    ulp = np.spacing(np.abs(want).astype(np.float32)).astype(np.float64)
    assert np.max(np.abs(got - want) / ulp) <= 1.0


# ---------------------------------------------------------------------------------------
# Conventions: poles, infinities, nan, signed zeros (JAX's)

INF, NAN = np.inf, np.nan
EDGES = {
    "erf": ([0.0, -0.0, INF, -INF, NAN], [0.0, -0.0, 1.0, -1.0, NAN]),
    "erfc": ([0.0, -0.0, INF, -INF, NAN, 30.0], [1.0, 1.0, 0.0, 2.0, NAN, 0.0]),
    "erf_inv": ([0.0, -0.0, 1.0, -1.0, 1.5, -2.0, NAN], [0.0, -0.0, INF, -INF, NAN, NAN, NAN]),
    "lgamma": ([0.0, -0.0, -1.0, -7.0, INF, -INF, NAN, 1.0, 2.0, 3e305],
               [INF, INF, INF, INF, INF, INF, NAN, 0.0, 0.0, INF]),
    "digamma": ([0.0, -0.0, -1.0, -7.0, INF, -INF, NAN],
                [NAN, NAN, NAN, NAN, INF, NAN, NAN]),
}


@pytest.mark.parametrize("name", sorted(EDGES))
def test_edge_values(name):
    x, want = (np.array(v) for v in EDGES[name])
    got = getattr(lax, name)(x)
    np.testing.assert_array_equal(got, want)
    zeros = want == 0
    assert np.signbit(got[zeros]).tolist() == np.signbit(want[zeros]).tolist()


@pytest.mark.parametrize("name", sorted(EDGES))
def test_edge_values_match_jax(name):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    x = np.array(EDGES[name][0])
    np.testing.assert_array_equal(getattr(lax, name)(x), np.asarray(getattr(jax.lax, name)(x)))


def test_polygamma_at_poles_matches_jax():
    x = np.array([0.0, -1.0, -3.0])
    assert np.all(lax.polygamma(1.0, x) == np.inf)
    assert np.all(np.isnan(lax.polygamma(2.0, x)))
    assert np.all(lax.polygamma(3.0, x) == np.inf)


def test_no_numpy_warnings_at_extremes():
    x = np.array([0.0, -0.0, -1.0, 1e-310, -1e-310, 1e308, -1e308, INF, -INF, NAN, 40.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in ["erf", "erfc", "erf_inv", "lgamma", "digamma", "logistic"]:
            getattr(lax, name)(x)
        for n in (1.0, 2.0):
            lax.polygamma(n, x)
        for name in ("igamma", "igammac", "igamma_grad_a"):
            getattr(lax, name)(x, x[::-1])


def test_integer_operands_are_rejected_with_the_function_name():
    with pytest.raises(TypeError, match="lax.lgamma: expected floating-point operands"):
        lax.lgamma(np.arange(3))


def test_no_derivative_with_respect_to_polygamma_order():
    with pytest.raises(ValueError, match="polygamma: no derivative with respect to the order"):
        fg.grad(lambda m: lax.polygamma(m, 2.0))(1.0)


# ---------------------------------------------------------------------------------------
# Derivatives at special points


def test_derivative_values():
    np.testing.assert_allclose(fg.grad(lax.erf)(0.0), 2 / np.sqrt(np.pi), rtol=1e-15)
    np.testing.assert_allclose(fg.grad(lax.erf_inv)(0.0), np.sqrt(np.pi) / 2, rtol=1e-15)
    assert fg.grad(lax.erf_inv)(1.0) == np.inf
    np.testing.assert_allclose(fg.grad(lax.lgamma)(1.0), -np.euler_gamma, rtol=1e-15)
    np.testing.assert_allclose(fg.grad(lax.digamma)(1.0), np.pi**2 / 6, rtol=1e-15)
    np.testing.assert_allclose(fg.grad(fg.grad(lax.digamma))(-2.5), sc.polygamma(2, -2.5),
                               rtol=1e-14)


# ---------------------------------------------------------------------------------------
# logistic and the users of erfc


def test_logistic_is_stable_and_keeps_float32():
    x = np.array([-1000.0, -745.0, -30.0, 0.0, 30.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = lax.logistic(x)
        got32 = lax.logistic(x.astype(np.float32))
    _assert_relative(got[2:], sc.expit(x[2:]), 2e-16, x[2:], "logistic")
    assert got[0] == 0.0 and got[1] == 5e-324  # exp(-745), subnormal (SciPy flushes to 0)
    assert got32.dtype == np.float32
    np.testing.assert_allclose(got32, sc.expit(x).astype(np.float32), rtol=1e-6, atol=0)


def test_exact_gelu_stages_a_few_equations():
    ir = fg.make_ir(lambda x: fnn.gelu(x, approximate=False))(np.ones(3))
    assert len(ir.eqns) <= 10
    assert "erfc" in [eqn.prim.name for eqn in ir.eqns]


def test_exact_gelu_deep_tail():
    x = np.array([-36.0, -30.0, -10.0])  # erfc(36 / sqrt(2)) = 2e-283, still normal
    np.testing.assert_allclose(fnn.gelu(x, approximate=False),
                               0.5 * x * sc.erfc(-x / np.sqrt(2)), rtol=1e-13, atol=0)
