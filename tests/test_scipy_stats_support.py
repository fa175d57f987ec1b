"""fungrad.scipy.stats' newer distributions at their support edges and bad parameters.

Every function is compared with jax.scipy.stats on points that include the ends of the
support, the points outside it, infinities, nan and invalid parameters (JAX's -inf/0/nan
conventions), with scipy.stats in the tails where JAX loses digits, and float32 inputs
stay float32. The smooth-range derivatives, vmap and jit are the table rows'
(tests/tables/scipy_stats.py).
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import scipy.stats as sst

import fungrad as fg
from fungrad.scipy import stats

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
import jax.scipy.stats as jst  # noqa: E402

INF, NAN = np.inf, np.nan
EDGE_X = np.array([-INF, -30.0, -1.0, 0.0, 0.5, 1.0, 1.5, 2.0, 7.0, 40.0, INF, NAN])
QS = np.array([-0.1, 0.0, 1e-300, 1e-10, 0.3, 0.999, 1.0, 1.5, NAN])


def _compare(dist, fn, *args):
    """Ours against JAX's (nan where JAX's is nan, and equal to 1e-12), or, where JAX loses
    digits in a tail, against SciPy's (to 1e-10), point by point."""
    with np.errstate(all="ignore"):
        got = np.asarray(getattr(getattr(stats, dist), fn)(*args))
        # one compiled program per call (eager JAX compiles each of its ops: seconds)
        want = np.asarray(jax.jit(getattr(getattr(jst, dist), fn))(*args))
        scipy_ref = np.asarray(getattr(getattr(sst, dist), fn)(*args))
    assert got.dtype == want.dtype and got.shape == want.shape, f"{dist}.{fn}"
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want), err_msg=f"{dist}.{fn} nan")
    close = (np.isclose(got, want, rtol=1e-12, atol=1e-300, equal_nan=True)
             | np.isclose(got, scipy_ref, rtol=1e-10, atol=1e-300))
    assert close.all(), (f"{dist}.{fn} at {np.broadcast_arrays(*args)[0][~close]}: ours "
                         f"{got[~close]}, JAX {want[~close]}, SciPy {scipy_ref[~close]}")
    return got


@pytest.mark.parametrize("dist, fns, x, params", [
    ("geom", ["logpmf", "pmf"], EDGE_X, (0.3,)),
    ("geom", ["logpmf", "pmf"], np.array([1.0, 2.0, 3.0, 2.0, 2.0]),
     (np.array([1.0, 0.5, 1.2, -0.1, NAN]),)),
    ("geom", ["logpmf"], np.array([0.0, 2.0, 3.0]), (0.3, 1.0)),
    ("nbinom", ["logpmf", "pmf"], EDGE_X, (2.5, 0.3)),
    ("nbinom", ["logpmf", "pmf"], np.array([0.0, 0.0, 2.0, 2.0, 2.0]),
     (np.array([1.0, 3.0, 0.5, 2.0, 2.0]), np.array([1.0, 1.0, 0.5, 0.0, 1.0]))),
    ("nbinom", ["logpmf"], np.array([1.0, 2.0, 5.0]), (2.0, 0.4, 2.0)),
    ("pareto", ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"], EDGE_X, (2.5,)),
    ("pareto", ["logpdf", "cdf", "logcdf", "logsf"], EDGE_X, (0.7, 0.5, 1.5)),
    ("pareto", ["ppf"], QS, (2.5, 0.1, 2.0)),
    ("gumbel_r", ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"], EDGE_X * 20, (0.3, 1.5)),
    ("gumbel_r", ["logpdf", "cdf", "logsf"], np.array([0.5, 0.5]), (0.0, np.array([0.0, -1.0]))),
    ("gumbel_r", ["ppf"], QS, (0.3, 1.5)),
    ("gumbel_l", ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"], EDGE_X * 20, (0.3, 1.5)),
    ("gumbel_l", ["logpdf", "cdf", "logsf"], np.array([0.5, 0.5]), (0.0, np.array([0.0, -1.0]))),
    ("gumbel_l", ["ppf"], QS, (0.3, 1.5)),
    *[("truncnorm", ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"], EDGE_X[:-1], bounds)
      for bounds in [(-1.0, 2.0, 0.2, 1.3), (-INF, 0.5), (1.5, INF, 0.2, 1.3), (-INF, INF),
                     (5.0, 6.0), (-30.0, -29.0), (-INF, -3.0), (40.0, INF), (2.0, 1.0),
                     (1.0, 1.0)]],
    ("truncnorm", ["logpdf"], np.array([0.0, NAN]), (-1.0, 1.0)),
    ("vonmises", ["logpdf", "pdf"], EDGE_X[1:-2], (2.0,)),
    ("vonmises", ["logpdf", "pdf"], np.array([1.0, 1.0, 1.0, 1.0, 1.0, 1.0, NAN]),
     (np.array([-1.0, 0.0, 1e-3, 50.0, 1e5, INF, 1.0]),)),
    ("betabinom", ["logpmf", "pmf"], EDGE_X, (5.0, 1.5, 2.5)),
    ("betabinom", ["logpmf"], EDGE_X, (4.0, 0.5, 0.7, 2.0)),
    ("betabinom", ["logpmf"], np.array([0.0, 0.0, 1.0, 1.0, 1.0, 1.0]),
     (np.array([0.0, 2.0, -1.0, 2.0, 2.0, NAN]), np.array([1.0, 1.0, 1.0, 0.0, 1.0, 1.0]),
      np.array([1.0, 1.0, 1.0, 1.0, -1.0, 1.0]))),
    ("gennorm", ["logpdf", "pdf", "cdf"], EDGE_X, (1.5,)),
    ("gennorm", ["logpdf", "cdf"], np.array([-2.0, 0.5, 3.0]), (np.array([0.5, 1.0, 8.0]),)),
    ("wrapcauchy", ["logpdf", "pdf"], np.array([-0.1, 0.0, 1.0, np.pi, 2 * np.pi, 7.0]), (0.3,)),
])
def test_values_match_jax_at_the_edges(dist, fns, x, params):
    for fn in fns:
        _compare(dist, fn, x, *params)


def _exact(f):
    """``f`` over mpmath numbers at 40 digits, on the exact value of each double."""
    def at(x, *params):
        with mpmath.workdps(40):
            return np.array([float(f(mpmath.mpf(float(v)), *map(mpmath.mpf, params)))
                             for v in np.atleast_1d(x)])

    return at


@pytest.mark.parametrize("dist, fn, x, params, exact", [
    ("gumbel_r", "logsf", [30.0, 300.0], (),
     lambda x: mpmath.log(-mpmath.expm1(-mpmath.exp(-x)))),
    ("gumbel_r", "sf", [30.0, 300.0], (), lambda x: -mpmath.expm1(-mpmath.exp(-x))),
    ("gumbel_l", "logcdf", [-30.0, -300.0], (),
     lambda x: mpmath.log(-mpmath.expm1(-mpmath.exp(x)))),
    ("gumbel_l", "cdf", [-30.0, -300.0], (), lambda x: -mpmath.expm1(-mpmath.exp(x))),
    ("pareto", "cdf", [1.0 + 1e-12, 1.0 + 1e-6], (2.5,), lambda x, b: 1 - x ** -b),
    ("pareto", "logcdf", [1.0 + 1e-12, 1.0 + 1e-6], (2.5,), lambda x, b: mpmath.log(1 - x ** -b)),
    ("pareto", "ppf", [1e-17, 1e-9], (2.5,), lambda q, b: (1 - q) ** (-1 / b)),
    ("truncnorm", "logpdf", [-38.0, -37.5], (-38.0, -37.0),  # mass ~1e-314 below -37
     lambda x, a, b: -x * x / 2 - mpmath.log(mpmath.sqrt(2 * mpmath.pi))
     - mpmath.log(mpmath.ncdf(b) - mpmath.ncdf(a))),
    ("truncnorm", "logsf", [1.0, 1.5], (-2.0, 2.0),
     lambda x, a, b: mpmath.log((mpmath.ncdf(b) - mpmath.ncdf(x))
                                / (mpmath.ncdf(b) - mpmath.ncdf(a)))),
])
def test_tails_keep_their_digits(dist, fn, x, params, exact):
    """Where JAX's formulas cancel (``1 - exp(...)``, ``1 - y^-b``), ours keep the digits."""
    got = getattr(getattr(stats, dist), fn)(np.array(x), *params)
    np.testing.assert_allclose(got, _exact(exact)(x, *params), rtol=1e-13)


@pytest.mark.parametrize("x, c", [(1.0, 0.0), (1.0, 1.0), (1.0, -0.5), (1.0, NAN), (NAN, 0.3)])
def test_wrapcauchy_outside_jax_conventions(x, c):
    """JAX's: nan unless ``0 < c < 1``; a nan ``x`` is outside ``[0, 2 pi]`` (``-inf``)."""
    got = stats.wrapcauchy.logpdf(x, c)
    np.testing.assert_array_equal(got, np.asarray(jst.wrapcauchy.logpdf(x, c)))


def test_multinomial_counts_per_row():
    """Each row of ``x`` is its own draw (JAX 0.10.2 compares the sum of all of ``x`` with
    ``n``, so its batched rows are all ``-inf``); 1-D ``x`` agrees with JAX."""
    x = np.array([[1, 2, 0], [0, 0, 3], [1, 1, 0], [4, 0, -1]])
    p = np.array([0.2, 0.5, 0.3])
    got = stats.multinomial.logpmf(x, 3, p)
    want = [float(jst.multinomial.logpmf(row, 3, p)) for row in x]
    np.testing.assert_allclose(got, want, rtol=1e-13)
    np.testing.assert_allclose(got[:3], sst.multinomial.logpmf(x[:3], 3, p), rtol=1e-13)
    assert got[2] == -np.inf


def test_sample_summaries_against_jax_and_scipy():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 4, (3, 5, 4)).astype(float)
    with_nan = x.copy()
    with_nan[1, 2, 3] = NAN
    for a in (x, with_nan, x.astype(int)):
        for method in ("average", "min", "max", "dense", "ordinal"):
            for axis in (None, 0, -1):
                got = stats.rankdata(a, method, axis=axis)
                want = np.asarray(jst.rankdata(a, method, axis=axis))
                assert got.dtype == want.dtype
                np.testing.assert_array_equal(got, want, err_msg=f"{method} axis={axis}")
        for axis in (None, 0, 1):
            for keepdims in (False, True):
                got, want = stats.mode(a, axis, keepdims=keepdims), jst.mode(a, axis,
                                                                         keepdims=keepdims)
                for ours, theirs in zip(got, want):
                    theirs = np.asarray(theirs)
                    assert np.asarray(ours).dtype == theirs.dtype
                    np.testing.assert_array_equal(ours, theirs)
        for axis in (None, 0, 1):
            for policy in ("propagate", "omit"):
                np.testing.assert_allclose(
                    stats.sem(a, axis, 1, policy, keepdims=True),
                    jst.sem(a, axis, 1, policy, keepdims=True), rtol=1e-13)
    np.testing.assert_allclose(stats.sem(x, 1, ddof=0), sst.sem(x, 1, ddof=0), rtol=1e-13)
    np.testing.assert_array_equal(stats.rankdata(x, axis=2), sst.rankdata(x, axis=2))
    assert stats.sem(np.ones(3, np.float32)).dtype == np.float32
    nan_mode = stats.mode(np.array([1.0, NAN, NAN, 2.0]))  # nans count together, as JAX's
    assert np.isnan(nan_mode.mode) and nan_mode.count == 2


def test_sample_summaries_of_empty_and_scalar_inputs():
    for a, axis in [(np.zeros((0, 3)), 0), (np.zeros((3, 0)), 1), (3.0, 0), (3.0, None)]:
        for ours, theirs in zip(stats.mode(a, axis), jst.mode(a, axis)):
            np.testing.assert_array_equal(ours, np.asarray(theirs))
    np.testing.assert_array_equal(stats.rankdata(3.0), [1.0])


def test_rankdata_and_mode_under_vmap_and_jit():
    x = np.random.default_rng(1).integers(0, 3, (4, 6)).astype(float)
    np.testing.assert_array_equal(fg.vmap(stats.rankdata)(x), stats.rankdata(x, axis=1))
    np.testing.assert_array_equal(fg.jit(lambda a: stats.mode(a, 1).mode)(x),
                                  stats.mode(x, 1).mode)
    np.testing.assert_allclose(fg.grad(lambda a: stats.sem(a, None))(np.array([1.0, 2.0, 4.0])),
                               jax.grad(lambda a: jst.sem(a, None))(np.array([1.0, 2.0, 4.0])))


@pytest.mark.parametrize("call, error, words", [
    (lambda: stats.multinomial.logpmf(np.array([1.0, 2.0]), 3, np.array([0.5, 0.5])),
     ValueError, ["multinomial.logpmf", "`x`", "float64", "integer"]),
    (lambda: stats.multinomial.logpmf(np.array([1, 2]), 3.0, np.array([0.5, 0.5])),
     ValueError, ["multinomial.logpmf", "`n`", "integer"]),
    (lambda: stats.rankdata(np.ones(3), "mean"), ValueError, ["rankdata", "method", "'mean'"]),
    (lambda: stats.rankdata(np.ones(3), nan_policy="omit"), NotImplementedError,
     ["rankdata", "nan_policy", "'omit'"]),
    (lambda: stats.rankdata(np.ones(3), nan_policy="skip"), ValueError,
     ["rankdata", "nan_policy", "'skip'"]),
    (lambda: stats.mode(np.ones(3), nan_policy="raise"), NotImplementedError,
     ["mode", "nan_policy"]),
    (lambda: stats.mode(np.ones((2, 3)), axis=2), ValueError, ["mode", "axis=2", "rank 2"]),
    (lambda: stats.rankdata(np.ones((2, 3)), axis=-3), ValueError, ["rankdata", "axis=-3"]),
    (lambda: stats.sem(np.ones(3), nan_policy="raise"), ValueError,
     ["sem", "nan_policy", "'raise'", "'omit'"]),
    (lambda: stats.sem(np.ones((2, 3)), axis=1.5), TypeError, ["sem", "`axis`", "1.5"]),
])
def test_errors_name_function_and_argument(call, error, words):
    with pytest.raises(error) as info:
        call()
    for word in words:
        assert word in str(info.value), f"{word!r} not in {str(info.value)!r}"


@pytest.mark.parametrize("fn", ["cdf", "logcdf", "sf", "logsf"])
def test_truncnorm_cdf_of_nan_is_nan(fn):
    """JAX 0.10.2 gives 0 or 1 here (its ``select`` falls through to a default); SciPy's
    and ours are nan."""
    out = getattr(stats.truncnorm, fn)(np.array([NAN, 0.0]), -1.0, 1.0)
    assert np.isnan(out[0]) and not np.isnan(out[1])


def test_truncnorm_derivatives_stay_finite_with_infinite_bounds():
    for a, b in [(-INF, 0.5), (-INF, -3.0), (1.5, INF), (-INF, INF)]:
        for fn in ["logpdf", "logcdf", "logsf"]:
            f = getattr(stats.truncnorm, fn)
            x = 0.5 * (max(a, -5.0) + min(b, 5.0))
            grads = fg.grad(lambda x, loc, scale: f(x, a, b, loc, scale),
                            argnums=(0, 1, 2))(x, 0.0, 1.0)
            assert np.isfinite(grads).all(), (a, b, fn, grads)
            want = jax.grad(lambda x, loc, scale: getattr(jst.truncnorm, fn)(
                x, a, b, loc, scale), argnums=(0, 1, 2))(x, 0.0, 1.0)
            np.testing.assert_allclose(grads, want, rtol=1e-9)


@pytest.mark.parametrize("call", [
    lambda dt: stats.geom.logpmf(dt(3), dt(0.3)),
    lambda dt: stats.nbinom.pmf(dt(3), dt(2.5), dt(0.3)),
    lambda dt: stats.pareto.logcdf(dt(3), dt(2.5)),
    lambda dt: stats.pareto.ppf(dt(0.3), dt(2.5)),
    lambda dt: stats.gumbel_r.logsf(dt(0.3)),
    lambda dt: stats.gumbel_l.ppf(dt(0.3), dt(1.0), dt(2.0)),
    lambda dt: stats.truncnorm.logcdf(dt(0.3), dt(-1.0), dt(2.0)),
    lambda dt: stats.truncnorm.pdf(dt(0.3), dt(-np.inf), dt(2.0)),
    lambda dt: stats.vonmises.logpdf(dt(0.3), dt(2.0)),
    lambda dt: stats.betabinom.logpmf(dt(2), dt(5), dt(1.5), dt(2.5)),
    lambda dt: stats.gennorm.cdf(dt(0.3), dt(1.5)),
    lambda dt: stats.wrapcauchy.pdf(dt(0.3), dt(0.5)),
    lambda dt: stats.multinomial.logpmf(np.array([1, 2]), 3, np.array([0.3, 0.7], dt)),
])
def test_float32_stays_float32(call):
    assert call(np.float32).dtype == np.float32
    assert call(np.float64).dtype == np.float64


@pytest.mark.parametrize("dist, fn, x, params", [
    ("geom", "logpmf", 0.0, (0.3,)),  # outside the support: zero derivative in p
    ("nbinom", "logpmf", -1.0, (2.0, 0.3)),
    ("pareto", "logpdf", 0.5, (2.5,)),
    ("pareto", "logsf", 0.5, (2.5,)),
    ("pareto", "cdf", 0.5, (2.5,)),
    ("truncnorm", "logpdf", 3.0, (-1.0, 2.0, 0.0, 1.0)),
    ("truncnorm", "logcdf", 3.0, (-1.0, 2.0, 0.0, 1.0)),
    ("truncnorm", "logsf", -3.0, (-1.0, 2.0, 0.0, 1.0)),
    ("betabinom", "logpmf", 7.0, (5.0, 1.5, 2.5)),
    ("wrapcauchy", "logpdf", 7.0, (0.5,)),
])
def test_derivatives_outside_the_support_are_zero_not_nan(dist, fn, x, params):
    f = getattr(getattr(stats, dist), fn)
    grads = fg.grad(lambda *p: f(x, *p), argnums=tuple(range(len(params))))(*params)
    np.testing.assert_array_equal(grads, np.zeros(len(params)))
