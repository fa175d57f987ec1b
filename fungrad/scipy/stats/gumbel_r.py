"""The right-skewed Gumbel distribution (of maxima): ``stats.gumbel_r.logpdf(x, loc=0,
scale=1)`` and friends.

With ``z = (x - loc) / scale`` the CDF is ``exp(-exp(-z))``. As in JAX, everything but
``ppf`` is nan where ``scale <= 0``; ``ppf`` is nan outside the open interval ``(0, 1)``.
"""

from __future__ import annotations

import math

import numpy as np

import fungrad.numpy as fnp
from fungrad.scipy.stats.location_scale import floats, standardized

_LOG_2 = math.log(2.0)


def _z(name, x, loc, scale):
    z, scale = standardized(name, x, loc, scale)
    ok = scale > 0
    return fnp.where(ok, z, 0.0), ok, scale


def _log1mexp(t):
    """``log(1 - exp(-t))`` for ``t >= 0``: from ``expm1`` below ``log 2``, ``log1p`` above
    (each branch sees only the values it is accurate and finite at)."""
    near = t < _LOG_2
    positive = ~(t <= 0)  # nan takes the log1p branch and propagates
    out = fnp.where(near, fnp.log(-fnp.expm1(-fnp.where(near & positive, t, 1.0))),
                    fnp.log1p(-fnp.exp(-fnp.where(near, 1.0, t))))
    return fnp.where(positive, out, -np.inf)


def logpdf(x, loc=0, scale=1):
    """``-z - exp(-z) - log(scale)``.

    Example:
        >>> from fungrad.scipy import stats
        >>> float(stats.gumbel_r.logpdf(0.0))  # -0 - exp(0)
        -1.0
    """
    z, ok, scale = _z("gumbel_r.logpdf", x, loc, scale)
    return fnp.where(ok, -z - fnp.exp(-z) - fnp.log(fnp.where(ok, scale, 1.0)), np.nan)


def pdf(x, loc=0, scale=1):
    """The Gumbel density."""
    return fnp.exp(logpdf(x, loc, scale))


def logcdf(x, loc=0, scale=1):
    """``-exp(-z)``."""
    z, ok, _ = _z("gumbel_r.logcdf", x, loc, scale)
    return fnp.where(ok, -fnp.exp(-z), np.nan)


def cdf(x, loc=0, scale=1):
    """``exp(-exp(-z))``."""
    return fnp.exp(logcdf(x, loc, scale))


def logsf(x, loc=0, scale=1):
    """``log(1 - exp(-exp(-z)))``, accurate in both tails."""
    z, ok, _ = _z("gumbel_r.logsf", x, loc, scale)
    return fnp.where(ok, _log1mexp(fnp.exp(-z)), np.nan)


def sf(x, loc=0, scale=1):
    """``1 - exp(-exp(-z))`` (as ``-expm1(-exp(-z))``, accurate in the upper tail)."""
    z, ok, _ = _z("gumbel_r.sf", x, loc, scale)
    return fnp.where(ok, -fnp.expm1(-fnp.exp(-z)), np.nan)


def ppf(p, loc=0, scale=1):
    """The quantile function ``loc - scale log(-log p)`` on ``0 < p < 1``, else nan."""
    p, loc, scale = floats("gumbel_r.ppf", p, loc, scale)
    ok = (p > 0) & (p < 1)
    return fnp.where(ok, loc - scale * fnp.log(-fnp.log(fnp.where(ok, p, 0.5))), np.nan)
