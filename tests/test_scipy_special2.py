"""fungrad.scipy.special's later names (integrals, hypergeometric, ...) and stats.gaussian_kde
against SciPy (accuracy) and JAX (behaviour); derivatives through the table rows in
tests/tables/scipy_special.py."""

from __future__ import annotations

import numpy as np
import pytest

import fungrad as fg
from fungrad.scipy import special

sp = pytest.importorskip("scipy.special")

# small, moderate, large and negative arguments, and the special points
GRID = np.concatenate([-np.logspace(-6, 3, 200), [0.0], np.logspace(-8, np.log10(700), 1500),
                       [np.inf, -np.inf, np.nan]])


def _rel(ours, ref, where=None):
    """The largest relative error of ``ours`` against ``ref`` where ``ref`` is finite and
    nonzero; nan, inf and zero must agree exactly."""
    ours, ref = np.asarray(ours, np.float64), np.asarray(ref, np.float64)
    special_points = ~np.isfinite(ref) | (ref == 0)
    np.testing.assert_array_equal(ours[special_points], ref[special_points])
    keep = ~special_points if where is None else ~special_points & where
    return np.max(np.abs(ours[keep] - ref[keep]) / np.abs(ref[keep]))


# ---------------------------------------------------------------------------------------
# the integral functions: accuracy against SciPy


@pytest.mark.parametrize("name, bound", [
    ("exp1", 1e-14), ("dawsn", 2e-14), ("spence", 5e-15)])
def test_unary_integrals_match_scipy(name, bound):
    with np.errstate(all="ignore"):
        ref = getattr(sp, name)(GRID)
    assert _rel(getattr(special, name)(GRID), ref) < bound


def test_expi_matches_scipy_away_from_its_root():
    ours, ref = np.asarray(special.expi(GRID)), sp.expi(GRID)
    near_root = np.abs(GRID - 0.3725) < 0.01
    # SciPy's own expi is off by 2e-14 near x = 41 (test_against_mpmath_where_scipy_is_off)
    assert _rel(ours, ref, where=~near_root) < 3e-14
    assert np.max(np.abs(ours[near_root] - ref[near_root])) < 3e-16


def test_against_mpmath_where_scipy_is_off():
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 40
    for x in [40.544512802830866, 41.22559901819801, 0.3695672646851923]:
        assert float(special.expi(x)) == pytest.approx(float(mpmath.ei(x)), rel=5e-15)
    for x in [0.0105840689996822, 1e-5]:  # SciPy's dawsn: 2e-15 off near 0
        ref = mpmath.sqrt(mpmath.pi) / 2 * mpmath.exp(-x * x) * mpmath.erfi(x)
        assert float(special.dawsn(x)) == pytest.approx(float(ref), rel=3e-16)
    assert float(special.expn(100, 50.0)) == pytest.approx(float(mpmath.expint(100, 50)),
                                                           rel=1e-15)  # SciPy: 1e-7 off
    h, a = 7.5737391758950094, 0.0016102620275609393  # SciPy's owens_t: 1e-14 off
    ref = mpmath.quad(lambda t: mpmath.exp(-h * h * (1 + t * t) / 2) / (1 + t * t), [0, a])
    assert float(special.owens_t(h, a)) == pytest.approx(float(ref / (2 * mpmath.pi)),
                                                         rel=1e-15)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, 10, 30])
def test_expn_matches_scipy(n):
    assert _rel(special.expn(n, GRID), sp.expn(n, GRID)) < 1e-14


def test_expn_rejects_fractional_and_negative_orders_with_nan():
    out = special.expn(np.array([2.5, -1.0, 2.0]), 1.0)
    assert np.isnan(out[:2]).all() and out[2] == pytest.approx(sp.expn(2, 1.0), rel=1e-15)


def test_sici_matches_scipy():
    si, ci = (np.asarray(v) for v in special.sici(GRID))
    ref_si, ref_ci = sp.sici(GRID)
    assert _rel(si, ref_si) < 2e-15
    # Ci has zeros (0.6165, 3.384, 6.4, ...): relative there, absolute near them
    near_zero = np.abs(ref_ci) < 0.1
    assert np.max(np.abs(ci[near_zero] - ref_ci[near_zero])) < 1e-15
    assert _rel(ci, ref_ci, where=~near_zero) < 1e-14


def test_fresnel_matches_scipy():
    s, c = special.fresnel(GRID)
    ref_s, ref_c = sp.fresnel(GRID)
    assert _rel(s, ref_s) < 5e-15 and _rel(c, ref_c) < 5e-15


def test_owens_t_matches_scipy():
    h = np.concatenate([-np.logspace(-3, 1.5, 30), [0.0], np.logspace(-3, 1.5, 30)])
    a = np.concatenate([-np.logspace(-3, 3, 30), [0.0], np.logspace(-3, 3, 30), [np.inf]])
    hh, aa = np.meshgrid(h, a)
    ours, ref = special.owens_t(hh, aa), sp.owens_t(hh, aa)
    # SciPy is off by 1e-14 at h = 7.6, a = 0.0016 (test_against_mpmath_where_scipy_is_off)
    assert _rel(ours, ref, where=np.abs(hh) <= 10) < 2e-14
    assert _rel(ours, ref) < 5e-14  # the far tail: erfc of a rounded h / sqrt(2)


@pytest.mark.parametrize("fn, ref, x", [
    (special.exp1, sp.exp1, np.linspace(0.1, 20, 50)),
    (special.expi, sp.expi, np.linspace(-10, 10, 50)),
    (special.dawsn, sp.dawsn, np.linspace(-10, 10, 50)),
    (special.spence, sp.spence, np.linspace(0, 10, 50)),
    (lambda x: special.sici(x)[0], lambda x: sp.sici(x)[0], np.linspace(-10, 10, 50)),
    (lambda x: special.fresnel(x)[1], lambda x: sp.fresnel(x)[1], np.linspace(-5, 5, 50)),
    (lambda x: special.owens_t(x, x[::-1]), lambda x: sp.owens_t(x, x[::-1]),
     np.linspace(-3, 3, 50)),
])
def test_float32_is_float64_rounded(fn, ref, x):
    out = np.asarray(fn(x.astype(np.float32)))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, ref(x.astype(np.float32).astype(np.float64)), rtol=2e-7,
                               atol=1e-37)


# ---------------------------------------------------------------------------------------
# the integral functions: derivatives and JAX's behaviour


def test_derivatives_are_the_integrands():
    x = np.array([0.3, 1.0, 1.5, 2.0, 7.0])
    dx = fg.vmap(fg.grad(lambda v: special.expn(3, v)))(x)
    np.testing.assert_allclose(dx, -sp.expn(2, x), rtol=1e-14)
    np.testing.assert_allclose(fg.vmap(fg.grad(special.exp1))(x), -np.exp(-x) / x, rtol=1e-14)
    # spence' = log(x) / (1 - x), also on (1, 2], where JAX's derivative is nan
    np.testing.assert_allclose(fg.vmap(fg.grad(special.spence))(x[x != 1.0]),
                               np.log(x[x != 1.0]) / (1 - x[x != 1.0]), rtol=1e-14)
    assert fg.grad(special.spence)(1.0) == -1.0
    assert fg.grad(lambda v: special.sici(v)[0])(0.0) == 1.0
    np.testing.assert_allclose(fg.vmap(fg.grad(lambda v: special.fresnel(v)[0]))(x),
                               np.sin(np.pi * x * x / 2), rtol=1e-14)
    # E_0 = e^-x / x: its derivative is -E_0 (1 + 1/x) (JAX's is nan)
    np.testing.assert_allclose(fg.grad(lambda v: special.expn(0, v))(2.0),
                               -np.exp(-2.0) / 2.0 * 1.5, rtol=1e-15)
    assert fg.grad(special.expn)(2.0, 1.0) == 0.0  # n: zero derivative (as JAX)


def test_owens_t_derivatives_match_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.scipy.special as jss

    for h, a in [(0.5, 0.7), (-1.2, 3.0), (2.0, -0.4)]:
        ours = fg.grad(special.owens_t, argnums=(0, 1))(h, a)
        theirs = jax.grad(jss.owens_t, argnums=(0, 1))(h, a)
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_values_at_special_points():
    assert special.expi(0.0) == -np.inf  # JAX: nan
    assert special.expn(2, 0.0) == 1.0  # E_n(0) = 1 / (n - 1); JAX: 1 / n
    assert special.expn(1, 0.0) == np.inf and special.exp1(0.0) == np.inf
    assert np.isnan(special.exp1(-1.0)) and np.isnan(special.spence(-0.5))
    assert special.spence(1.0) == 0.0 and special.spence(0.0) == pytest.approx(np.pi ** 2 / 6)
    assert special.owens_t(0.0, 1.0) == pytest.approx(0.125, rel=1e-15)
    assert special.owens_t(0.0, np.inf) == 0.25 and special.owens_t(np.inf, 1.0) == 0.0
    assert [float(v) for v in special.sici(np.inf)] == [np.pi / 2, 0.0]
    assert [float(v) for v in special.fresnel(-np.inf)] == [-0.5, -0.5]


@pytest.mark.parametrize("name, args", [
    ("exp1", (1.5 + 0j,)), ("owens_t", (1.0, 1j)), ("sici", (1j,))])
def test_complex_operands_are_refused_with_the_name(name, args):
    with pytest.raises(TypeError, match=name):
        getattr(special, name)(*args)


def test_jit_and_vmap_give_the_eager_values():
    x = np.linspace(0.2, 6, 7)
    for fn in (special.exp1, special.expi, special.dawsn, special.spence,
               lambda v: special.sici(v)[1], lambda v: special.fresnel(v)[0],
               lambda v: special.expn(2, v), lambda v: special.owens_t(v, v - 1)):
        np.testing.assert_array_equal(fg.jit(fn)(x), fn(x))
        np.testing.assert_array_equal(fg.vmap(fn)(x), fn(x))


# ---------------------------------------------------------------------------------------
# bernoulli and bessel_jn


def test_bernoulli_is_exact_then_rounded():
    mpmath = pytest.importorskip("mpmath")
    ours = np.asarray(special.bernoulli(260))
    assert ours.shape == (261,) and ours[1] == -0.5
    for k in range(259):
        assert ours[k] == float(mpmath.bernoulli(k)) or (k == 1 and ours[k] == -0.5)
    assert ours[260] == -np.inf and ours[259] == 0.0  # B_260 overflows float64
    # SciPy's own values are off by up to 2e-12 (JAX's B_4 is -0.03333325)
    ref = sp.bernoulli(100)
    np.testing.assert_allclose(ours[:101], ref, rtol=1e-11)


@pytest.mark.parametrize("n, error", [(-1, ValueError), (2.5, TypeError)])
def test_bernoulli_refuses_bad_n(n, error):
    with pytest.raises(error, match="bernoulli.*`n`"):
        special.bernoulli(n)


def test_bessel_jn_matches_scipy():
    z = np.array([0.0, 1e-300, 1e-31, 1e-8, 0.3, 1.0, 5.0, 10.0, 20.0, -3.0, -17.0])
    ours = np.asarray(special.bessel_jn(z, v=6))
    assert ours.shape == (7, 11)
    np.testing.assert_allclose(ours, sp.jv(np.arange(7)[:, None], z), rtol=0, atol=3e-16)
    # relative where J_k is not tiny
    big = special.bessel_jn(np.array([30.0, 45.0]), v=4, n_iter=80)
    np.testing.assert_allclose(big, sp.jv(np.arange(5)[:, None], [30.0, 45.0]), atol=1e-15)


def test_bessel_jn_derivative_and_float32():
    # J_1' = J_0 - J_1 / z
    x = np.array([0.5, 2.0, 9.0])
    d = fg.vmap(fg.grad(lambda z: special.bessel_jn(z, v=1)[1]))(x)
    np.testing.assert_allclose(d, sp.jvp(1, x), rtol=1e-13)
    out = special.bessel_jn(x.astype(np.float32), v=2)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, sp.jv(np.arange(3)[:, None], x), rtol=1e-5, atol=1e-6)


def test_bessel_jn_refuses_bad_orders():
    with pytest.raises(TypeError, match="bessel_jn.*`v`"):
        special.bessel_jn(1.0, v=2.0)
    with pytest.raises(ValueError, match="bessel_jn.*v >= 0"):
        special.bessel_jn(1.0, v=-1)


# ---------------------------------------------------------------------------------------
# stats.gaussian_kde (values vs SciPy here; derivatives and JAX in tests/tables/scipy_stats)

from fungrad.scipy import stats  # noqa: E402

st = pytest.importorskip("scipy.stats")
RNG = np.random.default_rng(7)
DATA = RNG.normal(size=(2, 40))
WEIGHTS = RNG.uniform(0.2, 1.0, size=40)
POINTS = RNG.normal(size=(2, 9)) * 2


@pytest.mark.parametrize("bw", [None, "scott", "silverman", 0.4, lambda k: k.neff ** -0.3])
def test_gaussian_kde_matches_scipy(bw):
    ours = stats.gaussian_kde(DATA, bw_method=bw, weights=WEIGHTS)
    ref = st.gaussian_kde(DATA, bw_method=bw, weights=WEIGHTS)
    np.testing.assert_allclose(ours.covariance, ref.covariance, rtol=1e-13)
    np.testing.assert_allclose(ours.inv_cov, ref.inv_cov, rtol=1e-12)
    assert float(ours.neff) == pytest.approx(ref.neff, rel=1e-14)
    assert (ours.d, ours.n) == (2, 40)
    for method in ("evaluate", "pdf", "logpdf", "__call__"):
        np.testing.assert_allclose(getattr(ours, method)(POINTS), getattr(ref, method)(POINTS),
                                   rtol=1e-12, err_msg=method)
    np.testing.assert_allclose(ours.integrate_gaussian(np.ones(2), np.eye(2) * 0.5),
                               ref.integrate_gaussian(np.ones(2), np.eye(2) * 0.5), rtol=1e-12)
    other = st.gaussian_kde(DATA[:, :7])
    np.testing.assert_allclose(ours.integrate_kde(stats.gaussian_kde(DATA[:, :7])),
                               ref.integrate_kde(other), rtol=1e-12)


def test_gaussian_kde_one_dimensional():
    ours, ref = stats.gaussian_kde(DATA[0]), st.gaussian_kde(DATA[0])
    x = np.linspace(-4, 4, 11)
    np.testing.assert_allclose(ours(x), ref(x), rtol=1e-12)
    np.testing.assert_allclose(ours.logpdf(np.array([60.0])), ref.logpdf([60.0]), rtol=1e-12)
    for lo, hi in [(-1.0, 0.5), (-np.inf, 0.0), (-np.inf, np.inf)]:
        assert float(ours.integrate_box_1d(lo, hi)) == pytest.approx(
            ref.integrate_box_1d(lo, hi), rel=1e-12)
    assert ours.pdf(0.3).shape == (1,)


def test_gaussian_kde_set_bandwidth_and_pytree():
    kde = stats.gaussian_kde(DATA)
    kde.set_bandwidth("silverman")
    np.testing.assert_allclose(kde.covariance, st.gaussian_kde(DATA, "silverman").covariance,
                               rtol=1e-13)
    leaves, treedef = fg.tree_util.tree_flatten(kde)
    assert [np.shape(v) for v in leaves] == [(), (2, 40), (40,), (2, 2), (2, 2)]
    rebuilt = fg.tree_util.tree_unflatten(treedef, leaves)
    rebuilt.set_bandwidth(0.5)  # after unflattening too
    np.testing.assert_allclose(rebuilt.covariance, st.gaussian_kde(DATA, 0.5).covariance,
                               rtol=1e-13)
    jitted = fg.jit(lambda k, p: k.logpdf(p))(kde, POINTS)
    np.testing.assert_allclose(jitted, kde.logpdf(POINTS), rtol=1e-14)
    # the gradient of a density in the dataset is a gaussian_kde of cotangents
    grads = fg.grad(lambda k: k.logpdf(POINTS).sum())(kde)
    assert isinstance(grads, stats.gaussian_kde) and grads.dataset.shape == (2, 40)


def test_gaussian_kde_resample():
    kde = stats.gaussian_kde(DATA, weights=WEIGHTS)
    key = fg.random.key(3)
    draws = np.asarray(kde.resample(key, (20000,)))
    assert draws.shape == (2, 20000)
    assert kde.resample(key).shape == (2,) and kde.resample(key, (3, 4)).shape == (2, 3, 4)
    np.testing.assert_array_equal(kde.resample(key, (5,)), kde.resample(key, (5,)))
    mean = (DATA * WEIGHTS).sum(1) / WEIGHTS.sum()
    np.testing.assert_allclose(draws.mean(axis=1), mean, atol=0.03)
    # the sample covariance is the data's plus the kernel's
    expected = np.cov(DATA, aweights=WEIGHTS, bias=True) + np.asarray(kde.covariance)
    np.testing.assert_allclose(np.cov(draws), expected, atol=0.05)
    # differentiable in the dataset: each draw moves with its data point
    g = fg.grad(lambda d: stats.gaussian_kde(d).resample(key, (50,))[0].sum())(DATA)
    assert g.shape == DATA.shape and np.isfinite(g).all() and np.asarray(g)[0].sum() != 0


@pytest.mark.parametrize("call, error, words", [
    (lambda: stats.gaussian_kde(np.array([1.0])), ValueError, ["multiple elements"]),
    (lambda: stats.gaussian_kde(DATA, bw_method="foo"), ValueError, ["bw_method", "foo"]),
    (lambda: stats.gaussian_kde(DATA, weights=np.ones(3)), fg.errors.ShapeError,
     ["weights", "(40,)"]),
    (lambda: stats.gaussian_kde(DATA).evaluate(np.zeros((3, 2))), fg.errors.ShapeError,
     ["dimension 3", "dimension 2"]),
    (lambda: stats.gaussian_kde(DATA).integrate_box_1d(0.0, 1.0), ValueError, ["1-D"]),
    (lambda: stats.gaussian_kde(DATA).integrate_box([0, 0], [1, 1]), NotImplementedError,
     ["integrate_box_1d"]),
    (lambda: stats.gaussian_kde(DATA).integrate_kde(stats.gaussian_kde(DATA[0])), ValueError,
     ["dimensions 2 and 1"]),
])
def test_gaussian_kde_errors_name_the_problem(call, error, words):
    with pytest.raises(error) as info:
        call()
    assert all(w in str(info.value) for w in words), str(info.value)


# ---------------------------------------------------------------------------------------
# hyp1f1


def test_hyp1f1_matches_scipy():
    a = np.array([0.1, 0.5, 1.0, 2.5, 5.0, 10.0])[:, None, None]
    b = np.array([0.1, 0.5, 1.0, 2.5, 5.0, 10.0])[None, :, None]
    x = np.linspace(-60, 60, 121)[None, None, :]
    ours, ref = np.asarray(special.hyp1f1(a, b, x)), sp.hyp1f1(a, b, x)
    no_zeros = np.broadcast_to((x >= 0) | (b >= a), ref.shape)  # 1F1 has no zeros there
    assert _rel(ours, ref, where=no_zeros) < 2e-13
    # where it has zeros (x < 0 < b < a): absolute to the size of the largest term
    scale = np.broadcast_to(np.exp(np.abs(x)), ref.shape)
    assert np.max((np.abs(ours - ref) / scale)[~no_zeros]) < 1e-13
    assert special.hyp1f1(-2.0, 2.5, 1.0) == pytest.approx(sp.hyp1f1(-2.0, 2.5, 1.0), rel=1e-15)
    assert special.hyp1f1(1.0, -2.0, 1.0) == np.inf  # a pole of b (as JAX and SciPy)
    assert special.hyp1f1(np.float32(1), np.float32(2), np.float32(3)).dtype == np.float32


def test_hyp1f1_derivatives_match_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.scipy.special as jss

    for args in [(1.5, 2.5, -3.0), (0.4, 1.2, 2.0), (3.0, 0.7, 5.0)]:
        ours = fg.grad(special.hyp1f1, argnums=(0, 1, 2))(*args)
        theirs = jax.grad(jss.hyp1f1, argnums=(0, 1, 2))(*args)
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    # d/dx 1F1(a; b; x) = a/b 1F1(a+1; b+1; x)
    assert fg.grad(special.hyp1f1, argnums=2)(1.5, 2.5, 4.0) == pytest.approx(
        1.5 / 2.5 * sp.hyp1f1(2.5, 3.5, 4.0), rel=1e-13)
