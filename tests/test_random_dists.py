"""fungrad.random distributions: moments and Kolmogorov-Smirnov tests against scipy.stats at
fixed seeds, shapes/dtypes/broadcasting, jit and vmap, and gamma's implicit gradient.

Every test uses fixed keys, so a pass is reproducible; the KS threshold p > 1e-3 would be
crossed by a correct sampler one seed in a thousand, a wrong one fails it at these sizes.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special as sc
import scipy.stats as st

import fungrad as fg
from fungrad import random as fr
from fungrad.errors import ShapeError

N = 20_000
KEY = fr.key(42)

# name: (draw(key, n) -> samples, scipy distribution)
CONTINUOUS = {
    "gamma_0.3": (lambda k, n: fr.gamma(k, 0.3, (n,)), st.gamma(0.3)),
    "gamma_2.5": (lambda k, n: fr.gamma(k, 2.5, (n,)), st.gamma(2.5)),
    "gamma_150": (lambda k, n: fr.gamma(k, 150.0, (n,)), st.gamma(150.0)),
    "loggamma_0.05": (lambda k, n: fr.loggamma(k, 0.05, (n,)), st.loggamma(0.05)),
    "beta": (lambda k, n: fr.beta(k, 0.7, 2.5, (n,)), st.beta(0.7, 2.5)),
    "dirichlet_marginal": (lambda k, n: fr.dirichlet(k, np.array([0.5, 1.5, 3.0]), (n,))[:, 1],
                           st.beta(1.5, 3.5)),
    "chisquare": (lambda k, n: fr.chisquare(k, 3.0, (n,)), st.chi2(3.0)),
    "t": (lambda k, n: fr.t(k, 4.0, (n,)), st.t(4.0)),
    "f": (lambda k, n: fr.f(k, 4.0, 7.0, (n,)), st.f(4.0, 7.0)),
    "laplace": (lambda k, n: fr.laplace(k, (n,)), st.laplace()),
    "logistic": (lambda k, n: fr.logistic(k, (n,)), st.logistic()),
    "cauchy": (lambda k, n: fr.cauchy(k, (n,)), st.cauchy()),
    "lognormal": (lambda k, n: fr.lognormal(k, 0.6, (n,)), st.lognorm(0.6)),
    "pareto": (lambda k, n: fr.pareto(k, 3.0, (n,)), st.pareto(3.0)),
    "weibull_min": (lambda k, n: fr.weibull_min(k, 2.0, 1.5, (n,)),
                    st.weibull_min(1.5, scale=2.0)),
    "rayleigh": (lambda k, n: fr.rayleigh(k, 2.0, (n,)), st.rayleigh(scale=2.0)),
    "maxwell": (lambda k, n: fr.maxwell(k, (n,)), st.maxwell()),
    "double_sided_maxwell_abs": (
        lambda k, n: np.abs(fr.double_sided_maxwell(k, 1.0, 2.0, (n,)) - 1.0),
        st.maxwell(scale=2.0)),
    "triangular": (lambda k, n: fr.triangular(k, -1.0, 0.5, 2.0, (n,)),
                   st.triang(0.5, loc=-1.0, scale=3.0)),
    "wald": (lambda k, n: fr.wald(k, 1.5, (n,)), st.invgauss(1.5)),
    "generalized_normal": (lambda k, n: fr.generalized_normal(k, 1.5, (n,)), st.gennorm(1.5)),
    "mvn_marginal": (lambda k, n: fr.multivariate_normal(
        k, np.array([1.0, -2.0]), np.array([[2.0, 0.6], [0.6, 1.0]]), (n,))[:, 1],
        st.norm(-2.0, 1.0)),
    "orthogonal_entry": (lambda k, n: fr.orthogonal(k, 3, (n // 4,))[:, 0, 0] * np.sqrt(3),
                         # an entry of a Haar matrix in O(3) is uniform on (-1, 1)
                         st.uniform(-np.sqrt(3), 2 * np.sqrt(3))),
    "ball_radius_l2": (lambda k, n: np.linalg.norm(fr.ball(k, 3, 2, (n,)), axis=-1) ** 3,
                       st.uniform()),
    "ball_radius_l1": (lambda k, n: np.abs(fr.ball(k, 2, 1, (n,))).sum(-1) ** 2, st.uniform()),
}


@pytest.mark.parametrize("name", sorted(CONTINUOUS))
def test_continuous_ks_and_moments(name):
    draw, dist = CONTINUOUS[name]
    x = np.asarray(draw(KEY, N))
    assert np.all(np.isfinite(x))
    assert st.kstest(x, dist.cdf).pvalue > 1e-3
    mean, var = dist.stats()
    if np.isfinite(var) and name != "cauchy":
        se = np.sqrt(var / len(x))
        assert abs(x.mean() - mean) < 5 * se, (x.mean(), mean)
        if np.isfinite(dist.stats("k")):  # the variance's error needs the fourth moment
            var_se = var * np.sqrt((2 + float(dist.stats("k"))) / len(x))
            assert abs(x.var() - var) < 5 * var_se, (x.var(), var)


def test_double_sided_maxwell_is_symmetric():
    x = np.asarray(fr.double_sided_maxwell(KEY, 1.0, 2.0, (N,))) - 1.0
    assert st.ks_2samp(x, -x).pvalue > 1e-3


def test_ks_fails_for_the_wrong_distribution():
    x = np.asarray(fr.gamma(KEY, 2.5, (N,)))
    assert st.kstest(x, st.gamma(2.6).cdf).pvalue < 1e-3


DISCRETE = {
    "poisson_3.5": (lambda k, n: fr.poisson(k, 3.5, (n,)), st.poisson(3.5)),
    "poisson_0.1": (lambda k, n: fr.poisson(k, 0.1, (n,)), st.poisson(0.1)),
    "poisson_2e4": (lambda k, n: fr.poisson(k, 2e4, (n,)), st.poisson(2e4)),
    "geometric": (lambda k, n: fr.geometric(k, 0.3, (n,)), st.geom(0.3)),
    "rademacher": (lambda k, n: (fr.rademacher(k, (n,)) + 1) // 2, st.bernoulli(0.5)),
    "binomial_10": (lambda k, n: fr.binomial(k, 10, 0.3, (n,)).astype(np.int64),
                    st.binom(10, 0.3)),
    "binomial_1000": (lambda k, n: fr.binomial(k, 1000, 0.01, (n,)).astype(np.int64),
                      st.binom(1000, 0.01)),
    "binomial_200": (lambda k, n: fr.binomial(k, 200.0, 0.7, (n,)).astype(np.int64),
                     st.binom(200, 0.7)),
    "multinomial_marginal": (
        lambda k, n: fr.multinomial(k, 20.0, np.array([2.0, 3.0, 5.0]), shape=(n, 3))[:, 1]
        .astype(np.int64), st.binom(20, 0.3)),
}


@pytest.mark.parametrize("name", sorted(DISCRETE))
def test_discrete_frequencies_and_moments(name):
    draw, dist = DISCRETE[name]
    x = np.asarray(draw(KEY, N))
    assert x.dtype == np.int64
    # chi-square test on the bins with expected count >= 20, the rest pooled in the tails
    support = np.arange(int(dist.ppf(1e-9)), int(dist.ppf(1 - 1e-9)) + 2)
    expected = dist.pmf(support) * N
    keep = expected >= 20
    observed = np.array([np.sum(x == v) for v in support[keep]])
    rest = N - observed.sum()
    f_obs, f_exp = np.append(observed, rest), np.append(expected[keep], N - expected[keep].sum())
    if f_exp[-1] < 1e-6:
        f_obs, f_exp = f_obs[:-1], f_exp[:-1]
    assert st.chisquare(f_obs, f_exp * f_obs.sum() / f_exp.sum()).pvalue > 1e-3
    mean, var = dist.stats()
    assert abs(x.mean() - mean) < 5 * np.sqrt(var / N)


def test_binomial_and_multinomial_edges():
    x = np.asarray(fr.binomial(KEY, np.array([0.0, 7.0, 7.0]), np.array([0.5, 0.0, 1.0]),
                               (50, 3)))
    assert x.dtype == np.float64
    np.testing.assert_array_equal(x, np.broadcast_to([0.0, 0.0, 7.0], (50, 3)))
    counts = np.asarray(fr.multinomial(KEY, np.array([5.0, 12.0]),
                                       np.array([[0.5, 0.0, 0.5], [0.1, 0.2, 0.7]])))
    assert counts.shape == (2, 3) and counts[0, 1] == 0
    np.testing.assert_array_equal(counts.sum(-1), [5.0, 12.0])
    many = np.asarray(fr.multinomial(KEY, 30.0, np.array([0.2, 0.3, 0.5]), shape=(4000, 3)))
    np.testing.assert_allclose(np.cov(many.T)[0, 1], -30 * 0.2 * 0.3, rtol=0.1)


def test_poisson_edge_rates():
    assert np.all(np.asarray(fr.poisson(KEY, 0.0, (100,))) == 0)
    x = np.asarray(fr.poisson(KEY, np.array([0.0, 1.0, 1e6]), (2000, 3)))
    assert np.all(x[:, 0] == 0) and abs(x[:, 2].mean() - 1e6) < 5 * np.sqrt(1e6 / 2000)


# --- Shapes, dtypes, broadcasting -----------------------------------------------------------


def test_parameter_broadcasting_and_dtypes():
    a = np.array([[0.5], [2.0], [9.0]])
    x = np.asarray(fr.gamma(KEY, a, (3, 5000)))
    assert x.shape == (3, 5000) and x.dtype == np.float64
    np.testing.assert_allclose(x.mean(axis=1), a[:, 0], rtol=0.06)
    assert fr.gamma(KEY, a).shape == (3, 1)
    assert fr.gamma(KEY, 2.0, (4,), dtype=np.float32).dtype == np.float32
    assert fr.beta(KEY, np.ones(3), np.ones((2, 1))).shape == (2, 3)
    assert fr.dirichlet(KEY, np.ones((2, 4))).shape == (2, 4)
    assert fr.dirichlet(KEY, np.ones(4), (5, 2)).shape == (5, 2, 4)
    np.testing.assert_allclose(np.asarray(fr.dirichlet(KEY, np.ones(4), (5,))).sum(-1), 1.0)
    assert fr.multivariate_normal(KEY, np.zeros((3, 2)), np.eye(2)).shape == (3, 2)
    assert fr.multivariate_normal(KEY, np.zeros(2), np.eye(2), (4, 3)).shape == (4, 3, 2)
    assert fr.orthogonal(KEY, 3, (2,), m=5).shape == (2, 3, 5)
    assert fr.ball(KEY, 3, shape=(7,)).shape == (7, 3)
    assert fr.poisson(KEY, np.array([1.0, 2.0])).shape == (2,)
    assert fr.rademacher(KEY, (3,), dtype=np.int8).dtype == np.int8
    assert fr.poisson(KEY, 3.0, (2,), dtype=np.int32).dtype == np.int32
    for name in ("laplace", "logistic", "cauchy", "maxwell"):
        out = getattr(fr, name)(KEY, (2, 3), dtype=np.float32)
        assert out.shape == (2, 3) and out.dtype == np.float32


@pytest.mark.parametrize("method", ["cholesky", "eigh", "svd"])
def test_multivariate_normal_covariance(method):
    cov = np.array([[2.0, 0.6, 0.1], [0.6, 1.0, -0.3], [0.1, -0.3, 0.5]])
    x = np.asarray(fr.multivariate_normal(KEY, np.array([1.0, 0.0, -1.0]), cov, (40_000,),
                                          method=method))
    np.testing.assert_allclose(x.mean(0), [1.0, 0.0, -1.0], atol=0.03)
    np.testing.assert_allclose(np.cov(x.T), cov, atol=0.04)


def test_multivariate_normal_singular_covariance_with_eigh():
    cov = np.array([[1.0, 1.0], [1.0, 1.0]])
    x = np.asarray(fr.multivariate_normal(KEY, np.zeros(2), cov, (100,), method="eigh"))
    np.testing.assert_allclose(x[:, 0], x[:, 1], atol=1e-7)


def test_orthogonal_is_orthogonal():
    q = np.asarray(fr.orthogonal(KEY, 4, (3,)))
    np.testing.assert_allclose(q @ np.swapaxes(q, -1, -2), np.broadcast_to(np.eye(4), (3, 4, 4)),
                               atol=1e-12)
    wide = np.asarray(fr.orthogonal(KEY, 2, m=5))
    np.testing.assert_allclose(wide @ wide.T, np.eye(2), atol=1e-12)


def test_small_shape_gamma_and_beta_stay_finite():
    a = 1e-3
    logs = np.asarray(fr.loggamma(KEY, a, (2000,)))
    assert np.all(np.isfinite(logs)) and logs.min() < -745  # would underflow as samples
    b = np.asarray(fr.beta(KEY, a, a, (2000,)))
    assert np.all((b >= 0) & (b <= 1)) and abs(b.mean() - 0.5) < 0.05


# --- jit and vmap ---------------------------------------------------------------------------

SAMPLERS = {
    "gamma": lambda k, p: fr.gamma(k, p, (3,)),
    "beta": lambda k, p: fr.beta(k, p, 2.0 * p, (3,)),
    "dirichlet": lambda k, p: fr.dirichlet(k, fg.numpy.stack([p, p + 1.0, 2.0 * p])),
    "lognormal": lambda k, p: fr.lognormal(k, p, (3,)),
    "mvn": lambda k, p: fr.multivariate_normal(k, fg.numpy.stack([p, -p]),
                                               np.array([[2.0, 0.5], [0.5, 1.0]]) * p),
    "t": lambda k, p: fr.t(k, p + 2.0, (3,)),
    "pareto": lambda k, p: fr.pareto(k, p, (3,)),
    "weibull_min": lambda k, p: fr.weibull_min(k, p, 1.5, (3,)),
    "triangular": lambda k, p: fr.triangular(k, -p, 0.0, p, (3,)),
    "wald": lambda k, p: fr.wald(k, p, (3,)),
    "double_sided_maxwell": lambda k, p: fr.double_sided_maxwell(k, p, 2.0 * p, (3,)),
    "geometric": lambda k, p: fr.geometric(k, p / 4.0, (3,)),
    "laplace": lambda k, p: p * fr.laplace(k, (3,)),
    "cauchy": lambda k, p: p * fr.cauchy(k, (3,)),
    "orthogonal": lambda k, p: p * fr.orthogonal(k, 3),
    "ball": lambda k, p: p * fr.ball(k, 2, 1.5, (3,)),
    "rademacher": lambda k, p: p * fr.rademacher(k, (3,)),
    "poisson": lambda k, p: p * fr.poisson(k, 2.5, (3,)),
    "binomial": lambda k, p: p * fr.binomial(k, 12, 0.4, (3,)),
    "multinomial": lambda k, p: p * fr.multinomial(k, 9, np.array([0.3, 0.7])),
}


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_jit_matches_eager(name):
    f = SAMPLERS[name]
    np.testing.assert_allclose(fg.jit(f)(KEY, 1.5), f(KEY, 1.5), rtol=1e-12)


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_vmap_over_keys_matches_loop(name):
    f = SAMPLERS[name]
    keys = fr.split(KEY, 4)
    batched = np.asarray(fg.vmap(lambda k: f(k, 1.5))(keys))
    np.testing.assert_allclose(batched, np.stack([f(k, 1.5) for k in keys]), rtol=1e-12)
    assert not np.allclose(batched[0], batched[1])  # each key its own draw


@pytest.mark.parametrize("name", ["gamma", "beta", "dirichlet", "t", "pareto", "wald"])
def test_vmap_over_parameters_matches_loop(name):
    f = SAMPLERS[name]
    ps = np.array([0.7, 1.5, 3.0])
    batched = np.asarray(fg.vmap(lambda p: f(KEY, p))(ps))
    np.testing.assert_allclose(batched, np.stack([f(KEY, p) for p in ps]), rtol=1e-10)


def test_key_data_round_trip():
    keys = fr.split(KEY, 3)
    data = fr.key_data(keys)
    assert data.dtype == np.uint32 and data.shape == (3, 2)
    back = fr.wrap_key_data(data)
    np.testing.assert_array_equal(fr.normal(back[1], (4,)), fr.normal(keys[1], (4,)))
    assert fg.jit(fr.key_data)(KEY).tolist() == KEY.tolist()
    with pytest.raises(TypeError, match="key_data: keys must be a uint32 array"):
        fr.key_data(np.zeros(3))
    with pytest.raises(ValueError, match="impl=None"):
        fr.wrap_key_data(data, impl="rbg")


# --- Gamma's implicit gradient --------------------------------------------------------------

SHAPES = np.array([0.05, 0.3, 1.0, 2.5, 12.0, 150.0])


def _inverse_cdf_derivative(a, z, h=1e-6):
    """d/da of z(a) = gammaincinv(a, u) at fixed u = gammainc(a, z), by central differences."""
    u = sc.gammainc(a, z)
    step = h * a
    return (sc.gammaincinv(a + step, u) - sc.gammaincinv(a - step, u)) / (2 * step)


def _implicit_derivative_mpmath(a, z):
    """-(dF/da) / pdf(z) with the incomplete gamma integral in 30-digit arithmetic."""
    import mpmath

    mpmath.mp.dps = 30
    a, z = mpmath.mpf(float(a)), mpmath.mpf(float(z))
    cdf = lambda s: mpmath.gammainc(s, 0, z, regularized=True)
    d_cdf = mpmath.diff(cdf, a)
    pdf = z ** (a - 1) * mpmath.exp(-z) / mpmath.gamma(a)
    return float(-d_cdf / pdf)


def test_gamma_gradient_matches_inverse_cdf_and_mpmath():
    keys = fr.split(KEY, 3)
    for k in keys:
        z = np.asarray(fr.gamma(k, SHAPES))
        grad = np.asarray(fg.grad(lambda a: fr.gamma(k, a).sum())(SHAPES))
        np.testing.assert_allclose(grad, _inverse_cdf_derivative(SHAPES, z), rtol=1e-5)
        exact = [_implicit_derivative_mpmath(a, zi) for a, zi in zip(SHAPES, z)]
        np.testing.assert_allclose(grad, exact, rtol=1e-9)


def test_random_gamma_grad_formula():
    from fungrad.random.gamma_family import random_gamma_grad

    z = np.array([0.01, 0.7, 3.0, 140.0])
    a = np.array([0.2, 1.0, 2.0, 150.0])
    exact = [_implicit_derivative_mpmath(ai, zi) for ai, zi in zip(a, z)]
    np.testing.assert_allclose(random_gamma_grad(a, z), exact, rtol=1e-9)


def test_gamma_gradient_forward_mode_jit_and_vmap():
    f = lambda a: fr.gamma(KEY, a, (4,))
    a = 2.5
    rev = fg.jacrev(f)(a)
    np.testing.assert_allclose(fg.jacfwd(f)(a), rev, rtol=1e-12)
    np.testing.assert_allclose(fg.jit(fg.jacrev(f))(a), rev, rtol=1e-12)
    per_key = fg.vmap(lambda k: fg.grad(lambda a: fr.gamma(k, a))(a))(fr.split(KEY, 3))
    loop = [fg.grad(lambda a: fr.gamma(k, a))(a) for k in fr.split(KEY, 3)]
    np.testing.assert_allclose(per_key, loop, rtol=1e-12)


def test_gamma_gradient_gives_unbiased_mean_gradient():
    # d/da E[z] = 1 for gamma(a): the average pathwise derivative estimates it
    grads = np.asarray(fg.grad(lambda a: fr.gamma(KEY, a, (N,)).mean())(1.7))
    assert abs(grads - 1.0) < 0.02


def test_loggamma_gradient_where_samples_underflow():
    from fungrad.random.gamma_family import _log_igamma_inv_kernel

    u = np.array([1e-10, 0.01, 0.3, 0.9])
    for a in (0.002, 0.02, 0.5):
        shapes = np.full_like(u, a)
        grad = fg.vmap(fg.grad(fr.gamma_family.log_igamma_inv))(shapes, u)
        h = 1e-6 * a
        fd = (_log_igamma_inv_kernel(shapes + h, u) - _log_igamma_inv_kernel(shapes - h, u))
        np.testing.assert_allclose(grad, fd / (2 * h), rtol=1e-5)
    jac = np.asarray(fg.jacrev(lambda al: fr.dirichlet(KEY, al))(np.array([0.005, 0.01, 2.0])))
    assert np.all(np.isfinite(jac))


def test_beta_and_dirichlet_gradients_match_finite_differences():
    def beta_mean(a):
        return fr.beta(KEY, a, 2.0, (2000,)).mean()

    h = 1e-5
    fd = (beta_mean(1.3 + h) - beta_mean(1.3 - h)) / (2 * h)
    np.testing.assert_allclose(fg.grad(beta_mean)(1.3), fd, rtol=1e-5)
    alpha = np.array([0.8, 1.5, 3.0])
    jac = np.asarray(fg.jacrev(lambda al: fr.dirichlet(KEY, al))(alpha))
    for j in range(3):
        e = np.zeros(3)
        e[j] = h
        col = (np.asarray(fr.dirichlet(KEY, alpha + e)) - np.asarray(fr.dirichlet(KEY, alpha - e)))
        np.testing.assert_allclose(jac[:, j], col / (2 * h), rtol=1e-5, atol=1e-9)
    np.testing.assert_allclose(jac.sum(0), 0.0, atol=1e-12)  # the simplex constraint


def test_reparameterised_gradients_of_location_scale_samplers():
    e = np.asarray(fr.lognormal(KEY, 1.0, (5,)))
    np.testing.assert_allclose(fg.grad(lambda s: fr.lognormal(KEY, s, (5,)).sum())(1.0),
                               np.sum(e * np.log(e)), rtol=1e-12)
    mean, cov = np.array([1.0, 2.0]), np.array([[2.0, 0.5], [0.5, 1.0]])
    jac = fg.jacrev(lambda m: fr.multivariate_normal(KEY, m, cov, (3,)))(mean)
    np.testing.assert_allclose(jac, np.broadcast_to(np.eye(2), (3, 2, 2)), atol=1e-14)


# --- Errors ---------------------------------------------------------------------------------


def test_errors_name_function_and_argument():
    with pytest.raises(ValueError, match="gamma: a must be positive"):
        fr.gamma(KEY, -1.0)
    with pytest.raises(ShapeError, match="gamma: a of shape \\(3,\\) does not broadcast"):
        fr.gamma(KEY, np.ones(3), (2,))
    with pytest.raises(ShapeError, match="dirichlet: alpha must have at least one axis"):
        fr.dirichlet(KEY, 1.0)
    with pytest.raises(ShapeError, match="multivariate_normal: mean must have shape"):
        fr.multivariate_normal(KEY, np.zeros(3), np.eye(2))
    with pytest.raises(ValueError, match="method must be"):
        fr.multivariate_normal(KEY, np.zeros(2), np.eye(2), method="qr")
    with pytest.raises(ValueError, match="poisson: lam must be finite and non-negative"):
        fr.poisson(KEY, -1.0)
    with pytest.raises(TypeError, match="poisson: lam is a traced value"):
        fg.jit(lambda lam: fr.poisson(KEY, lam))(2.0)
    with pytest.raises(TypeError, match="poisson: dtype must be an integer dtype"):
        fr.poisson(KEY, 1.0, dtype=np.float64)
    with pytest.raises(ValueError, match="binomial: n must hold non-negative whole numbers"):
        fr.binomial(KEY, 2.5, 0.5)
    with pytest.raises(ValueError, match="binomial: p must lie in"):
        fr.binomial(KEY, 3, 1.5)
    with pytest.raises(ShapeError, match="multinomial: shape \\(4,\\) must end with"):
        fr.multinomial(KEY, 3, np.ones(3), shape=(4,))
    with pytest.raises(ValueError, match="ball: p must be a positive number"):
        fr.ball(KEY, 2, p=0.0)
