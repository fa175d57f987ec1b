"""fungrad.scipy: signatures against jax.scipy, values against SciPy at edge points, errors.

The table rows (tests/tables/scipy_*.py) check derivatives, vmap and jit against JAX on
smooth ranges; this file checks what they cannot: the tails, the special points, the
conventions at poles and the error messages.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import scipy.linalg as sl
import scipy.signal as ssig
import scipy.special as sp
import scipy.stats as sst

import fungrad as fg
from fungrad.scipy import integrate, linalg, signal, special, stats

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
import jax.scipy as jsp  # noqa: E402

DISTRIBUTIONS = ["norm", "t", "gamma", "beta", "chi2", "poisson", "dirichlet",
                 "multivariate_normal", "expon", "laplace", "cauchy", "logistic", "uniform",
                 "bernoulli", "binom", "geom", "nbinom", "pareto", "gumbel_l", "gumbel_r",
                 "truncnorm", "vonmises", "betabinom", "gennorm", "wrapcauchy", "multinomial"]


def _params(fn):
    return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]


def _public_functions(module):
    return {n: getattr(module, n) for n in dir(module)
            if not n.startswith("_") and inspect.isfunction(getattr(module, n))
            and getattr(module, n).__module__ == module.__name__}


# ---------------------------------------------------------------------------------------
# The package and its signatures


def test_both_import_forms_work():
    assert fg.scipy.special.erf is special.erf
    from fungrad.scipy import stats as imported

    assert imported.norm.logpdf is stats.norm.logpdf


@pytest.mark.parametrize("module, anchor", [
    (special, jsp.special), (linalg, jsp.linalg), (signal, jsp.signal),
    (integrate, jsp.integrate)])
def test_signatures_match_jax(module, anchor):
    import jax.scipy.special  # noqa: F401  (the submodules load on import)

    names = [n for n in module.__all__ if n not in ("erfcinv",)]  # erfcinv: SciPy only
    for name in names:
        ours = getattr(module, name)
        theirs = getattr(anchor, name, None)
        if theirs is None and name == "psi":
            continue  # psi is SciPy's alias of digamma; JAX has digamma only
        assert theirs is not None, f"{module.__name__}.{name} has no JAX counterpart"
        assert _params(ours) == _params(theirs), f"{module.__name__}.{name}"


@pytest.mark.parametrize("dist", DISTRIBUTIONS)
def test_distribution_functions_and_signatures_match_jax(dist):
    import jax.scipy.stats as jst

    ours = _public_functions(getattr(stats, dist))
    theirs = getattr(jst, dist)
    missing = [n for n in ours if not hasattr(theirs, n)]
    assert not missing, f"stats.{dist} has functions JAX lacks: {missing}"
    for name, fn in ours.items():
        assert _params(fn) == _params(getattr(theirs, name)), f"stats.{dist}.{name}"


# ---------------------------------------------------------------------------------------
# special: tails and special points


def _rel(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300))


def test_ndtri_near_0_and_1():
    p = np.array([1e-300, 1e-100, 1e-20, 1e-8, 0.3, 0.5, 0.9, 1 - 1e-10, 1 - 2 ** -53])
    assert _rel(special.ndtri(p), sp.ndtri(p)) < 1e-14
    np.testing.assert_array_equal(special.ndtri(np.array([0.0, 1.0, -0.1, 1.1, np.nan])),
                                  [-np.inf, np.inf, np.nan, np.nan, np.nan])


def test_erfcinv_tails():
    y = np.array([1e-300, 1e-30, 0.01, 0.7, 1.0, 1.3, 1.99, 2 - 1e-12])
    assert _rel(special.erfcinv(y)[y != 1.0], sp.erfcinv(y)[y != 1.0]) < 1e-14
    assert special.erfcinv(np.array([1.0]))[0] == 0.0
    # the smallest subnormal: erfc(27.2133) is 5e-324 (SciPy returns inf)
    assert 27.21 < special.erfcinv(np.array([5e-324]))[0] < 27.22


def test_log_ndtr_far_tails():
    import mpmath

    x = np.array([-1e5, -1000.0, -40.0, -20.0, -5.0, 0.0, 3.0, 8.0, 30.0])
    with mpmath.workdps(40):
        ref = np.array([float(mpmath.log(mpmath.ncdf(v)) if v <= 0 else
                              mpmath.log1p(-mpmath.ncdf(-v))) for v in x])
    got = special.log_ndtr(x)
    np.testing.assert_allclose(got, ref, rtol=5e-14, atol=0)  # x / sqrt(2) rounds
    # its derivative ~ -x in the lower tail, finite at -40
    assert abs(fg.grad(special.log_ndtr)(-40.0) - 40.0249) < 1e-3


def test_xlogy_and_xlog1py_conventions():
    np.testing.assert_array_equal(special.xlogy(np.array([0.0, 0.0, 2.0]),
                                                np.array([0.0, np.nan, np.e])),
                                  [0.0, np.nan, 2.0])
    assert special.xlog1py(0.0, -1.0) == 0.0
    # JAX's derivative at (0, 0): log(0) = -inf in x, 0/0 = nan in y (which NumPy warns of)
    with np.errstate(divide="ignore", invalid="ignore"):
        dx, dy = fg.grad(special.xlogy, argnums=(0, 1))(0.0, 0.0)
    assert dx == -np.inf and np.isnan(dy)
    assert fg.grad(special.xlogy, argnums=1)(0.0, 1.0) == 0.0


def test_entropy_family_edges():
    np.testing.assert_array_equal(special.entr(np.array([0.0, -1.0])), [0.0, -np.inf])
    p, q = np.array([0.0, 0.0, 1.0, 1.0, -1.0]), np.array([0.0, 1.0, 0.0, 2.0, 1.0])
    np.testing.assert_allclose(special.rel_entr(p, q), sp.rel_entr(p, q))
    np.testing.assert_allclose(special.kl_div(p, q), sp.kl_div(p, q))


def test_gamma_family_against_scipy():
    x = np.array([-3.5, -1.5, -0.5, 0.1, 1.0, 4.5, 20.0])
    assert _rel(special.gamma(x), sp.gamma(x)) < 1e-13
    assert _rel(special.gammaln(x), sp.gammaln(x)) < 1e-13
    assert np.isnan(special.gamma(np.array([-2.0]))[0])
    a, b = np.array([0.5, 2.0, -0.5, 3.0]), np.array([1.5, 3.0, 1.5, 0.25])
    assert _rel(special.beta(a, b), sp.beta(a, b)) < 1e-13
    n, k = np.array([5.0, 5.0, 5.0, -1.0, 10.0]), np.array([2.0, 6.0, -1.0, 1.0, 3.0])
    np.testing.assert_allclose(special.comb(n, k), sp.comb(n, k), rtol=1e-13)
    np.testing.assert_allclose(special.factorial(np.array([-1.0, 0.0, 5.0])), [0.0, 1.0, 120.0])
    np.testing.assert_allclose(special.multigammaln(np.array([2.5, 4.0]), 3),
                               sp.multigammaln(np.array([2.5, 4.0]), 3), rtol=1e-14)
    np.testing.assert_allclose(special.poch(np.array([1.0, 2.5]), np.array([3.0, 1.5])),
                               sp.poch(np.array([1.0, 2.5]), np.array([3.0, 1.5])), rtol=1e-13)


def test_incomplete_functions_against_scipy():
    rng = np.random.default_rng(0)
    a, b, x = rng.uniform(0.1, 30, 500), rng.uniform(0.1, 30, 500), rng.uniform(0, 1, 500)
    np.testing.assert_allclose(special.betainc(a, b, x), sp.betainc(a, b, x),
                               rtol=1e-11, atol=1e-300)
    np.testing.assert_array_equal(special.betainc(np.array([2.0, 2.0, -1.0]),
                                                  np.array([3.0, 3.0, 1.0]),
                                                  np.array([0.0, 1.0, 0.5])), [0.0, 1.0, np.nan])
    z = rng.uniform(0.1, 20, 100)
    np.testing.assert_allclose(special.gammaincc(a[:100], z), sp.gammaincc(a[:100], z),
                               rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(special.zeta(np.array([2.0, 3.5, 1.1]), np.array([1.0, 0.3, 4.0])),
                               sp.zeta(np.array([2.0, 3.5, 1.1]), np.array([1.0, 0.3, 4.0])),
                               rtol=1e-13)


def test_bessel_against_scipy_and_derivatives_at_0():
    x = np.array([-700.0, -30.0, -20.0, -1e-5, 0.0, 0.3, 5.0, 19.9, 20.1, 100.0, 700.0])
    for ours, ref in [(special.i0e, sp.i0e), (special.i1e, sp.i1e)]:
        np.testing.assert_allclose(ours(x), ref(x), rtol=5e-15, atol=1e-300)
    small = x[np.abs(x) <= 30]
    np.testing.assert_allclose(special.i0(small), sp.i0(small), rtol=5e-15)
    np.testing.assert_allclose(special.i1(small), sp.i1(small), rtol=5e-15)
    # I0'(0) = I1(0) = 0 and I1'(0) = 1/2 (JAX's i0 gives 1 here, from |x|'s derivative)
    assert fg.grad(special.i0)(0.0) == 0.0
    assert fg.grad(special.i1)(0.0) == 0.5
    assert fg.grad(special.i1)(2.0) == pytest.approx(sp.i0(2.0) - sp.i1(2.0) / 2.0, rel=1e-14)


def test_erfcx_against_scipy():
    x = np.array([-26.0, -5.0, -0.3, 0.0, 0.49, 0.5, 3.0, 7.99, 8.0, 50.0, 1e10, np.inf])
    np.testing.assert_allclose(special.erfcx(x), sp.erfcx(x), rtol=1e-13)
    assert special.erfcx(np.array([-np.inf]))[0] == np.inf


def test_logsumexp_options_against_scipy():
    a = np.array([[1.0, 2.0, -np.inf], [1000.0, 1000.0, 3.0]])
    b = np.array([[1.0, -3.0, 1.0], [0.5, 0.5, 0.0]])
    np.testing.assert_allclose(special.logsumexp(a, axis=1), sp.logsumexp(a, axis=1))
    for got, ref in zip(special.logsumexp(a, axis=1, b=b, return_sign=True),
                        sp.logsumexp(a, axis=1, b=b, return_sign=True)):
        np.testing.assert_allclose(got, ref)
    assert np.isnan(special.logsumexp(a[0], b=b[0]))  # a negative sum without return_sign
    mask = np.array([[True, False, False], [False, False, False]])
    np.testing.assert_allclose(special.logsumexp(a, axis=1, where=mask), [1.0, -np.inf])
    np.testing.assert_allclose(special.softmax(a[1]), sp.softmax(a[1]))
    np.testing.assert_allclose(special.log_softmax(a, axis=0), sp.log_softmax(a, axis=0))


@pytest.mark.parametrize("name", ["sem", "mode", "rankdata"])
def test_sample_summaries_match_jax_signatures(name):
    import jax.scipy.stats as jst

    assert _params(getattr(stats, name)) == _params(getattr(jst, name))


# ---------------------------------------------------------------------------------------
# stats against scipy.stats


@pytest.mark.parametrize("dist, fns, x, args", [
    ("norm", ["pdf", "logpdf", "cdf", "logcdf", "sf", "logsf"],
     np.array([-40.0, -3.0, 0.0, 2.5, 40.0]), (0.5, 2.0)),
    ("norm", ["ppf", "isf"], np.array([1e-300, 1e-10, 0.3, 0.999]), (0.5, 2.0)),
    ("t", ["pdf", "logpdf"], np.array([-30.0, -1.0, 0.0, 4.0]), (2.5, 0.5, 1.5)),
    ("gamma", ["pdf", "logpdf", "cdf", "sf", "logcdf", "logsf"],
     np.array([-1.0, 0.1, 1.0, 5.0, 30.0]), (2.5, 0.0, 1.5)),
    ("beta", ["pdf", "logpdf", "cdf", "sf", "logcdf", "logsf"],
     np.array([-0.5, 0.01, 0.5, 0.99, 1.5]), (2.0, 3.5)),
    ("chi2", ["pdf", "logpdf", "cdf", "sf"], np.array([0.1, 1.0, 4.0, 50.0]), (3.0,)),
    ("expon", ["pdf", "logpdf", "cdf", "logcdf", "sf", "logsf"],
     np.array([-1.0, 1e-8, 1.0, 30.0]), (0.0, 2.0)),
    ("expon", ["ppf"], np.array([0.0, 1e-10, 0.5, 0.999]), (1.0, 2.0)),
    ("laplace", ["pdf", "logpdf", "cdf"], np.array([-30.0, -1.0, 0.5, 20.0]), (0.5, 2.0)),
    ("cauchy", ["pdf", "logpdf", "cdf", "logcdf", "sf", "logsf"],
     np.array([-100.0, -1.0, 0.0, 3.0]), (0.5, 2.0)),
    ("cauchy", ["ppf", "isf"], np.array([0.01, 0.5, 0.9]), (0.5, 2.0)),
    ("logistic", ["pdf", "logpdf", "cdf", "sf"], np.array([-800.0, -2.0, 0.0, 40.0]), (0.5, 2.0)),
    ("logistic", ["ppf", "isf"], np.array([0.01, 0.5, 0.9]), (0.5, 2.0)),
    ("uniform", ["pdf", "logpdf", "cdf"], np.array([-1.0, 0.5, 1.0, 2.5, 3.0]), (0.5, 2.0)),
    ("uniform", ["ppf"], np.array([0.0, 0.3, 1.0]), (0.5, 2.0)),
])
def test_continuous_distributions_against_scipy(dist, fns, x, args):
    for fn in fns:
        with np.errstate(all="ignore"):
            ref = getattr(getattr(sst, dist), fn)(x, *args)
        got = getattr(getattr(stats, dist), fn)(x, *args)
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-300, err_msg=f"{dist}.{fn}")


def test_discrete_distributions_against_scipy():
    k = np.array([-1.0, 0.0, 1.0, 3.0, 7.0, 2.5])
    np.testing.assert_allclose(stats.poisson.logpmf(k, 2.5), sst.poisson.logpmf(k, 2.5),
                               rtol=1e-13)
    np.testing.assert_allclose(stats.poisson.cdf(k, 2.5), sst.poisson.cdf(k, 2.5), rtol=1e-13)
    np.testing.assert_allclose(stats.binom.pmf(k[:5], 7, 0.3), sst.binom.pmf(k[:5], 7, 0.3),
                               rtol=1e-12)
    np.testing.assert_allclose(stats.binom.pmf(np.array([0.0, 5.0]), 5, np.array([0.0, 1.0])),
                               [1.0, 1.0])
    np.testing.assert_allclose(stats.bernoulli.pmf(np.array([0.0, 1.0, 2.0]), 0.3),
                               [0.7, 0.3, 0.0], rtol=1e-15)
    np.testing.assert_allclose(stats.bernoulli.cdf(np.array([-1.0, 0.5, 1.0]), 0.3),
                               [0.0, 0.7, 1.0])
    np.testing.assert_array_equal(stats.bernoulli.ppf(np.array([0.5, 0.8, 1.5]), 0.3),
                                  [0.0, 1.0, np.nan])


def test_multivariate_distributions_against_scipy():
    rng = np.random.default_rng(3)
    b = rng.normal(size=(3, 3))
    cov, mean, x = b @ b.T + np.eye(3), rng.normal(size=3), rng.normal(size=(4, 3))
    np.testing.assert_allclose(stats.multivariate_normal.logpdf(x, mean, cov),
                               sst.multivariate_normal.logpdf(x, mean, cov), rtol=1e-13)
    np.testing.assert_allclose(stats.multivariate_normal.logpdf(x, mean, 2.0),
                               sst.multivariate_normal.logpdf(x, mean, 2.0 * np.eye(3)),
                               rtol=1e-13)
    alpha, p = np.array([0.5, 2.0, 3.0]), np.array([0.2, 0.3, 0.5])
    np.testing.assert_allclose(stats.dirichlet.logpdf(p, alpha),
                               sst.dirichlet.logpdf(p, alpha), rtol=1e-13)
    assert stats.dirichlet.logpdf(np.array([0.5, 0.6, 0.1]), alpha) == -np.inf


# ---------------------------------------------------------------------------------------
# linalg and signal against SciPy


def test_linalg_against_scipy():
    rng = np.random.default_rng(5)
    a = rng.normal(size=(5, 5))
    p, l_, u = linalg.lu(a)
    for got, ref in zip((p, l_, u), sl.lu(a)):
        np.testing.assert_allclose(got, ref, atol=1e-14)
    packed, piv = linalg.lu_factor(a)
    ref_packed, ref_piv = sl.lu_factor(a)
    np.testing.assert_allclose(packed, ref_packed, atol=1e-14)
    np.testing.assert_array_equal(piv, ref_piv)
    assert piv.dtype == np.int32
    np.testing.assert_allclose(linalg.expm(8 * a), sl.expm(8 * a), rtol=1e-11)
    spd = a @ a.T + np.eye(5)
    np.testing.assert_allclose(linalg.sqrtm(spd), sl.sqrtm(spd), atol=1e-12)
    assert linalg.sqrtm(spd).dtype == np.complex128  # complex, as JAX's
    np.testing.assert_allclose(linalg.solve(np.triu(spd), a[:, 0], assume_a="pos"),
                               sl.solve(spd, a[:, 0]), rtol=1e-12)
    np.testing.assert_allclose(linalg.block_diag(a[:2, :3], 1.0, np.ones(2)),
                               sl.block_diag(a[:2, :3], 1.0, np.ones(2)))


def test_lu_pivots_per_example_under_vmap_and_jit():
    rng = np.random.default_rng(6)
    batch = rng.normal(size=(4, 3, 3))
    packed, piv = fg.jit(fg.vmap(linalg.lu_factor))(batch)
    for i in range(4):
        ref_packed, ref_piv = sl.lu_factor(batch[i])
        np.testing.assert_allclose(packed[i], ref_packed, atol=1e-14)
        np.testing.assert_array_equal(piv[i], ref_piv)


def test_lu_solve_trans_takes_only_codes_as_scipy_and_jax():
    # trans='T' was accepted (solve_triangular's letters); SciPy's and JAX's lu_solve take
    # 0, 1 or 2 only and raise ValueError
    a = np.array([[4.0, 2.0], [2.0, 3.0]])
    factors = linalg.lu_factor(a)
    for trans in ("T", "C", "N", 3):
        with pytest.raises(ValueError, match=r"lu_solve: `trans` must be 0, 1 or 2"):
            linalg.lu_solve(factors, np.ones(2), trans=trans)
    np.testing.assert_allclose(linalg.lu_solve(factors, np.ones(2), trans=1),
                               sl.lu_solve(sl.lu_factor(a), np.ones(2), trans=1))
    assert linalg.solve_triangular(np.triu(a), np.ones(2), trans="T").shape == (2,)


@pytest.mark.parametrize("shapes", [((9,), (4,)), ((4,), (9,)), ((6, 7), (3, 2)),
                                    ((2, 3), (4, 5)), ((4, 3, 5), (2, 3, 2))])
def test_signal_against_scipy(shapes):
    rng = np.random.default_rng(7)
    a, b = rng.normal(size=shapes[0]), rng.normal(size=shapes[1])
    for fn in ("convolve", "correlate") + (("convolve2d", "correlate2d") if a.ndim == 2 else ()):
        for mode in ("full", "same", "valid"):
            try:
                ref = getattr(ssig, fn)(a, b, mode=mode)
            except ValueError:
                continue  # SciPy's 2-D valid mode needs one input to contain the other
            np.testing.assert_allclose(getattr(signal, fn)(a, b, mode=mode), ref,
                                       atol=1e-13, err_msg=f"{fn} {mode}")


def test_trapezoid_against_scipy():
    import scipy.integrate as si

    y, x = np.random.default_rng(8).normal(size=(3, 6)), np.linspace(0, 2, 6) ** 2
    np.testing.assert_allclose(integrate.trapezoid(y, x), si.trapezoid(y, x))
    np.testing.assert_allclose(integrate.trapezoid(y, dx=0.3, axis=0),
                               si.trapezoid(y, dx=0.3, axis=0))


# ---------------------------------------------------------------------------------------
# errors name the function, the argument and the fix


@pytest.mark.parametrize("call, error, words", [
    (lambda: special.log_ndtr(1.0, series_order=40), ValueError, ["log_ndtr", "series_order"]),
    (lambda: special.multigammaln(2.0, 2.5), TypeError, ["multigammaln", "`d`"]),
    (lambda: special.factorial(3.0, exact=True), NotImplementedError, ["factorial", "exact"]),
    (lambda: special.zeta(2.0), NotImplementedError, ["zeta", "q=1.0"]),
    (lambda: special.erf(np.array([1j])), TypeError, ["erf", "complex"]),
    (lambda: special.logsumexp(np.ones((2, 2)), axis=2), Exception, ["logsumexp", "axis 2"]),
    (lambda: fg.grad(special.betainc)(2.0, 3.0, 0.5), ValueError, ["betainc", "`a`"]),
    (lambda: fg.grad(special.zeta)(2.0, 1.0), ValueError, ["zeta", "`x`", "`q`"]),
    (lambda: linalg.solve_triangular(np.eye(2), np.ones(2), trans="X"), ValueError,
     ["solve_triangular", "trans"]),
    (lambda: linalg.solve(np.eye(3), np.ones(2)), Exception, ["solve", "`b`", "(3, 3)"]),
    (lambda: linalg.solve(np.eye(3), np.ones(3), assume_a="tri"), ValueError, ["assume_a"]),
    (lambda: linalg.lu(np.ones(3)), Exception, ["lu", "`a`", "(3,)"]),
    (lambda: linalg.inv(np.ones((2, 3))), Exception, ["inv", "(..., n, n)", "(2, 3)"]),
    (lambda: linalg.eigh(np.eye(2), np.eye(2)), NotImplementedError, ["eigh", "b=None"]),
    (lambda: linalg.qr(np.eye(2), pivoting=True), NotImplementedError, ["qr", "pivoting"]),
    (lambda: linalg.qr(np.eye(2), mode="raw"), ValueError, ["qr", "mode"]),
    (lambda: linalg.sqrtm(np.eye(2), blocksize=2), ValueError, ["sqrtm", "blocksize"]),
    (lambda: signal.convolve(np.ones(3), np.ones((2, 2))), Exception,
     ["convolve", "same rank", "(3,)", "(2, 2)"]),
    (lambda: signal.convolve(np.ones(3), np.ones(2), mode="circular"), ValueError,
     ["convolve", "mode"]),
    (lambda: signal.convolve(np.ones(3), np.ones(2), method="spectral"), ValueError,
     ["convolve", "method"]),
    (lambda: signal.convolve2d(np.ones((3, 3)), np.ones((2, 2)), boundary="wrap"),
     NotImplementedError, ["convolve2d", "boundary"]),
    (lambda: signal.convolve2d(np.ones(3), np.ones(2)), Exception, ["convolve2d", "2-D"]),
    (lambda: signal.convolve(np.ones((3, 4)), np.ones((4, 3)), mode="valid"), Exception,
     ["convolve", "valid", "(3, 4)", "(4, 3)"]),
    (lambda: integrate.trapezoid(np.ones(4), np.ones(3)), Exception,
     ["trapezoid", "`x`", "3", "4"]),
    (lambda: stats.dirichlet.logpdf(np.ones(3) / 3, np.ones((3, 1))), Exception,
     ["dirichlet", "`alpha`"]),
    (lambda: stats.dirichlet.logpdf(np.ones(5) / 5, np.ones(3)), Exception,
     ["dirichlet", "`x`", "(5,)"]),
    (lambda: stats.multivariate_normal.logpdf(np.ones(3), np.ones(3), np.eye(2)), Exception,
     ["multivariate_normal", "`cov`", "(2, 2)"]),
    (lambda: stats.multivariate_normal.logpdf(np.ones(2), np.ones(2), np.eye(2),
                                              allow_singular=True),
     NotImplementedError, ["allow_singular"]),
])
def test_errors_name_function_and_argument(call, error, words):
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
