"""``fungrad.scipy.stats``: probability distributions, like ``jax.scipy.stats``.

One submodule per distribution, with JAX's functions and parameter names:
``stats.norm.logpdf(x, loc=0, scale=1)``. Everything is differentiable (in ``x`` and in the
parameters, except where a special function is not: betainc in ``a``, ``b``) and works
under ``vmap`` and ``jit``.
"""

from fungrad.scipy.stats import (  # noqa: F401
    bernoulli,
    beta,
    betabinom,
    binom,
    cauchy,
    chi2,
    descriptive,
    dirichlet,
    expon,
    gamma,
    gennorm,
    geom,
    gumbel_l,
    gumbel_r,
    laplace,
    logistic,
    multinomial,
    multivariate_normal,
    nbinom,
    norm,
    pareto,
    poisson,
    t,
    truncnorm,
    uniform,
    vonmises,
    wrapcauchy,
)
from fungrad.scipy.stats.descriptive import mode, rankdata, sem  # noqa: F401
from fungrad.scipy.stats.kde import gaussian_kde  # noqa: F401
