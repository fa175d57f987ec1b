"""Table rows: fungrad.scipy.stats against jax.scipy.stats.

Each distribution's functions are rows of the drawn point and drawn parameters (``loc``,
``scale`` and shapes), so derivatives in the parameters are checked too, except where
JAX's are not defined (the beta CDF in ``a`` and ``b``: closed over). Discrete
distributions take their counts as fixed integer arrays (``Const``; promoted to float like
JAX's, and not differentiated).
"""

import numpy as np

from fungrad.scipy import stats as fst
from tests.tables.spec import A, Case, Const, Int, Pos

S = (3, 4)
SHAPES = np.broadcast_to(np.array([0.8, 1.5, 2.5, 6.0]), S).copy()
SECOND = np.broadcast_to(np.array([[0.9], [2.0], [4.5]]), S).copy()
COUNTS = np.array([[0, 1, 2, 3], [4, 0, 7, 1], [2, 5, 0, 6]])
TRIALS = COUNTS + np.array([[0], [2], [5]])


def _jst(dist, fn, *fixed, keywords=None):
    """The reference ``jax.scipy.stats.<dist>.<fn>``, with ``fixed`` appended to the
    drawn arguments."""

    def ref(jnp, lax):
        import jax.scipy.stats as jst

        f = getattr(getattr(jst, dist), fn)
        return lambda *args: f(*args, *fixed, **(keywords or {}))

    return ref


def _rows(dist, fns, args, fixed=(), suffix="", **kw):
    cases = []
    for fn in fns:
        f = getattr(getattr(fst, dist), fn)
        cases.append(Case(f"scipy.stats.{dist}.{fn}{suffix}",
                          lambda *a, f=f, fixed=fixed: f(*a, *fixed), args,
                          jax=_jst(dist, fn, *fixed), **kw))
    return cases


def _jax_stats(make):
    """A ``jax=`` reference built from the module jax.scipy.stats: ``make(jst)``."""

    def ref(jnp, lax):
        import jax.scipy.stats as jst

        return make(jst)

    return ref


def _on_simplex(stats, fn, total):
    """``dirichlet.<fn>`` at ``x`` normalized to sum to ``total`` (1, or less than 1 for
    the ``K - 1`` form)."""
    return lambda x, alpha: getattr(stats.dirichlet, fn)(total * x / x.sum(0), alpha)


def _mvn(stats, fn):
    """``multivariate_normal.<fn>`` with the covariance ``b b^T + 2 I`` (positive definite)."""

    def f(x, mean, b):
        cov = b @ b.swapaxes(-1, -2) + 2 * np.eye(b.shape[-1])
        return getattr(stats.multivariate_normal, fn)(x, mean, cov)

    return f


LOC, SCALE = A(*S, low=-1, high=1), Pos(*S, low=0.5, high=2)

# JAX 0.10.2's gumbel logpdf and ppf are not differentiable (they call ``xlogy(-1, .)``,
# whose JVP multiplies by the integer's float0 tangent), so their references are JAX's
# formulas written out; tests/test_scipy_stats_support.py compares the values with
# jax.scipy.stats' own.
_GUMBEL_REFERENCES = {
    ("gumbel_r", "logpdf"): lambda jnp: lambda x, loc, scale: (
        -(x - loc) / scale - jnp.exp(-(x - loc) / scale) - jnp.log(scale)),
    ("gumbel_l", "logpdf"): lambda jnp: lambda x, loc, scale: (
        (x - loc) / scale - jnp.exp((x - loc) / scale) - jnp.log(scale)),
    ("gumbel_r", "ppf"): lambda jnp: lambda p, loc, scale: loc - scale * jnp.log(-jnp.log(p)),
    ("gumbel_l", "ppf"): lambda jnp: lambda p, loc, scale: (
        loc + scale * jnp.log(-jnp.log1p(-p))),
}
_GUMBEL_ARGS = {
    ("gumbel_r", "logpdf"): [A(*S, low=-3, high=4), LOC, SCALE],
    ("gumbel_l", "logpdf"): [A(*S, low=-4, high=3), LOC, SCALE],
    ("gumbel_r", "ppf"): [Pos(*S, low=0.05, high=0.95), LOC, SCALE],
    ("gumbel_l", "ppf"): [Pos(*S, low=0.05, high=0.95), LOC, SCALE],
}
CONT = ("pdf", "logpdf", "cdf", "sf")

CASES = [
    *_rows("norm", CONT + ("logcdf", "logsf"), [A(*S, low=-4, high=4), LOC, SCALE]),
    *_rows("norm", ("logcdf",), [A(*S, low=-38, high=-10)], suffix="_tail", rtol=1e-8),
    *_rows("norm", ("ppf", "isf"), [Pos(*S, low=0.02, high=0.98), LOC, SCALE]),
    *_rows("t", ("pdf", "logpdf"), [A(*S, low=-4, high=4), Pos(*S, low=0.5, high=8), LOC,
                                    SCALE]),
    *_rows("gamma", CONT + ("logcdf", "logsf"), [Pos(*S, low=1.2, high=6),
                                                 Pos(*S, low=0.5, high=5)], fixed=(0.2, 1.5),
           order=1),
    *_rows("gamma", ("pdf", "logpdf", "cdf"), [Pos(*S, low=0.2, high=6)], fixed=(SHAPES,),
           suffix="_x"),
    *_rows("chi2", CONT + ("logcdf", "logsf"), [Pos(*S, low=0.5, high=8)], fixed=(SHAPES * 2,)),
    *_rows("beta", ("pdf", "logpdf"), [Pos(*S, low=0.1, high=0.9), Pos(*S, low=0.5, high=4),
                                       Pos(*S, low=0.5, high=4)]),
    *_rows("beta", ("cdf", "sf", "logcdf", "logsf"), [Pos(*S, low=0.1, high=0.9)],
           fixed=(SHAPES, SECOND), rtol=1e-10),
    *_rows("expon", CONT + ("logcdf", "logsf"), [Pos(*S, low=0.3, high=4), A(*S, low=-0.2,
                                                                               high=0.2), SCALE]),
    *_rows("expon", ("ppf",), [Pos(*S, low=0.05, high=0.95), LOC, SCALE]),
    *_rows("laplace", ("pdf", "logpdf", "cdf"), [A(*S, low=-4, high=4), LOC, SCALE]),
    *_rows("cauchy", CONT + ("logcdf", "logsf"), [A(*S, low=-4, high=4), LOC, SCALE]),
    *_rows("cauchy", ("ppf", "isf"), [Pos(*S, low=0.05, high=0.95), LOC, SCALE]),
    *_rows("logistic", ("pdf", "logpdf", "cdf", "sf"), [A(*S, low=-6, high=6), LOC, SCALE]),
    *_rows("logistic", ("ppf", "isf"), [Pos(*S, low=0.05, high=0.95), LOC, SCALE]),
    *_rows("uniform", ("pdf", "logpdf", "cdf"), [Pos(*S, low=0.1, high=0.9),
                                                 A(*S, low=-0.05, high=0.05),
                                                 Pos(*S, low=1.0, high=2.0)]),
    *_rows("uniform", ("ppf",), [Pos(*S, low=0.05, high=0.95), LOC, SCALE]),
    *_rows("poisson", ("pmf", "logpmf", "cdf"), [Const(COUNTS), Pos(*S, low=0.5, high=6)]),
    *_rows("bernoulli", ("pmf", "logpmf"), [Const(np.minimum(COUNTS, 1)),
                                            Pos(*S, low=0.1, high=0.9)]),
    *_rows("bernoulli", ("cdf",), [Const(np.minimum(COUNTS, 1.0) - 0.5),
                                   Pos(*S, low=0.1, high=0.9)]),
    *_rows("bernoulli", ("ppf",), [Pos(*S, low=0.05, high=0.95), Pos(*S, low=0.1, high=0.9)],
           diff=False),
    *_rows("binom", ("pmf", "logpmf"), [Const(COUNTS), Const(TRIALS),
                                        Pos(*S, low=0.1, high=0.9)]),
    *_rows("geom", ("pmf", "logpmf"), [Const(COUNTS + 1), Pos(*S, low=0.1, high=0.9)]),
    *_rows("nbinom", ("pmf", "logpmf"), [Const(COUNTS), Pos(*S, low=0.5, high=4),
                                         Pos(*S, low=0.1, high=0.9)]),
    *_rows("pareto", ("logpdf", "logsf"), [Pos(*S, low=2.5, high=8), Pos(*S, low=0.5, high=4),
                                           A(*S, low=-0.25, high=0.25), SCALE]),
    *_rows("pareto", ("ppf",), [Pos(*S, low=0.05, high=0.95), Pos(*S, low=0.5, high=4)]),
    *_rows("gumbel_r", ("logsf",), [A(*S, low=-3, high=4), LOC, SCALE]),
    *_rows("gumbel_l", ("logcdf",), [A(*S, low=-4, high=3), LOC, SCALE]),
    *[Case(f"scipy.stats.{dist}.{fn}", getattr(getattr(fst, dist), fn), args,
           jax=lambda jnp, lax, dist=dist, fn=fn: _GUMBEL_REFERENCES[dist, fn](jnp))
      for (dist, fn), args in _GUMBEL_ARGS.items()],
    *_rows("truncnorm", ("logpdf", "logcdf", "logsf"),
           [A(*S, low=-0.5, high=0.5), A(*S, low=-3, high=-1.5), Pos(*S, low=1.5, high=3),
            A(*S, low=-0.2, high=0.2), SCALE]),
    *_rows("truncnorm", ("logcdf",), [Pos(*S, low=2.2, high=2.8), Pos(*S, low=1.5, high=2),
                                      Pos(*S, low=3, high=4)], suffix="_tail"),
    *_rows("vonmises", ("logpdf", "pdf"), [A(*S, low=-3, high=3), Pos(*S, low=0.3, high=5)]),
    # JAX 0.10.2's betaln is off by up to ~6e-7 in float64 (ours agrees with SciPy's to
    # 1e-14; tests/test_scipy_stats_support.py checks the values against SciPy's)
    *_rows("betabinom", ("pmf", "logpmf"), [Const(COUNTS), Const(TRIALS),
                                            Pos(*S, low=0.5, high=4), Pos(*S, low=0.5, high=4)],
           rtol=3e-6),
    *_rows("gennorm", ("logpdf",), [Pos(*S, low=0.3, high=3), Pos(*S, low=1.2, high=4)]),
    # order 1: gammainc's second derivative in its first argument does not exist (JAX's)
    *_rows("gennorm", ("cdf",), [A(*S, low=-3, high=-0.3), Pos(*S, low=1.2, high=4)],
           order=1),
    *_rows("wrapcauchy", ("logpdf", "pdf"), [Pos(*S, low=0.1, high=6.1),
                                             Pos(*S, low=0.1, high=0.9)]),
    *_rows("multinomial", ("logpmf", "pmf"), [Const(COUNTS[1]), Const(COUNTS[1].sum()),
                                              Pos(4, low=0.1, high=0.5)]),
    Case("scipy.stats.sem", fst.sem, [A(5, 3)], jax=_jax_stats(lambda jst: jst.sem)),
    Case("scipy.stats.sem_flat_ddof0", lambda a: fst.sem(a, None, 0, keepdims=True), [A(5, 3)],
         jax=_jax_stats(lambda jst: lambda a: jst.sem(a, None, 0, keepdims=True))),
    Case("scipy.stats.rankdata_ties", lambda a: fst.rankdata(a, axis=1),
         [Int(4, 6, low=0, high=3)], diff=False,
         jax=_jax_stats(lambda jst: lambda a: jst.rankdata(a, axis=1))),
    Case("scipy.stats.rankdata_dense_flat", lambda a: fst.rankdata(a, "dense"),
         [Int(3, 5, low=0, high=4)], diff=False,
         jax=_jax_stats(lambda jst: lambda a: jst.rankdata(a, "dense"))),
    Case("scipy.stats.mode", lambda a: tuple(fst.mode(a)), [Int(7, 3, low=0, high=3)],
         diff=False, jax=_jax_stats(lambda jst: lambda a: tuple(jst.mode(a)))),
    Case("scipy.stats.dirichlet.logpdf", _on_simplex(fst, "logpdf", 1.0),
         [Pos(4, 3, low=0.2, high=1), Pos(4, low=0.5, high=3)],
         jax=_jax_stats(lambda jst: _on_simplex(jst, "logpdf", 1.0))),
    Case("scipy.stats.dirichlet.pdf_k_minus_1", _on_simplex(fst, "pdf", 0.3),
         [Pos(3, low=0.2, high=1), Pos(4, low=0.5, high=3)],
         jax=_jax_stats(lambda jst: _on_simplex(jst, "pdf", 0.3))),
    *[Case(f"scipy.stats.multivariate_normal.{fn}{suffix}", _mvn(fst, fn), args,
           jax=_jax_stats(lambda jst, fn=fn: _mvn(jst, fn)))
      for fn in ("logpdf", "pdf")
      for suffix, args in [("", [A(3), A(3), A(3, 3, low=-1, high=1)]),
                           ("_batch", [A(2, 3), A(3), A(2, 3, 3, low=-1, high=1)])]],
    Case("scipy.stats.multivariate_normal.logpdf_scalar_cov",
         lambda x, mean, c: fst.multivariate_normal.logpdf(x, mean, c[0] ** 2 + 0.5),
         [A(2, 3), A(3), A(1)],
         jax=_jax_stats(lambda jst: lambda x, mean, c: jst.multivariate_normal.logpdf(
             x, mean, c[0] ** 2 + 0.5))),
]


# gaussian_kde: densities and integrals, differentiable in the points, the dataset and the
# weights (a dataset of 2 x 6 points, evaluated at 2 x 4)
def _kde(stats, method, **kw):
    def fn(dataset, points, weights):
        kde = stats.gaussian_kde(dataset, weights=weights, **kw)
        return getattr(kde, method)(points)

    return fn


CASES += [
    *[Case(f"scipy.stats.gaussian_kde.{method}{suffix}", _kde(fst, method, **kw),
           [A(2, 6), A(2, 4), Pos(6, low=0.5, high=2)],
           jax=_jax_stats(lambda jst, method=method, kw=kw: _kde(jst, method, **kw)))
      for method in ("logpdf", "evaluate")
      for suffix, kw in [("", {}), ("_silverman", {"bw_method": "silverman"}),
                         ("_scalar", {"bw_method": 0.6})]],
    Case("scipy.stats.gaussian_kde.integrate_box_1d",
         lambda data, lo, hi: fst.gaussian_kde(data).integrate_box_1d(lo[0], hi[0]),
         [A(7), A(1, low=-2, high=-0.5), A(1, low=0.1, high=2)],
         jax=_jax_stats(lambda jst: lambda data, lo, hi: jst.gaussian_kde(
             data).integrate_box_1d(lo[0], hi[0]))),
    Case("scipy.stats.gaussian_kde.integrate_gaussian",
         lambda data, mean: fst.gaussian_kde(data).integrate_gaussian(mean, np.eye(2) * 0.7),
         [A(2, 5), A(2)],
         jax=_jax_stats(lambda jst: lambda data, mean: jst.gaussian_kde(
             data).integrate_gaussian(mean, np.eye(2) * 0.7))),
    Case("scipy.stats.gaussian_kde.integrate_kde",
         lambda a, b: fst.gaussian_kde(a).integrate_kde(fst.gaussian_kde(b)),
         [A(2, 5), A(2, 4)],
         jax=_jax_stats(lambda jst: lambda a, b: jst.gaussian_kde(a).integrate_kde(
             jst.gaussian_kde(b)))),
]
