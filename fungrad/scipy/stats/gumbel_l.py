"""The left-skewed Gumbel distribution (of minima): ``stats.gumbel_l.logpdf(x, loc=0,
scale=1)`` and friends.

``gumbel_l`` at ``x`` is ``gumbel_r`` at ``-x`` with ``-loc`` (its CDF is ``gumbel_r``'s
survival function and back), so the tails keep the accuracy of ``gumbel_r``'s.
"""

from __future__ import annotations

import numpy as np

import fungrad.numpy as fnp
from fungrad.scipy.stats import gumbel_r
from fungrad.scipy.stats.location_scale import floats


def _mirrored(name, x, loc, scale):
    x, loc, scale = floats(name, x, loc, scale)
    return -x, -loc, scale


def logpdf(x, loc=0, scale=1):
    """``z - exp(z) - log(scale)`` with ``z = (x - loc) / scale``; nan where ``scale <= 0``.

    Example:
        >>> from fungrad.scipy import stats
        >>> float(stats.gumbel_l.logpdf(0.0))  # 0 - exp(0)
        -1.0
    """
    return gumbel_r.logpdf(*_mirrored("gumbel_l.logpdf", x, loc, scale))


def pdf(x, loc=0, scale=1):
    """The Gumbel (minimum) density."""
    return gumbel_r.pdf(*_mirrored("gumbel_l.pdf", x, loc, scale))


def cdf(x, loc=0, scale=1):
    """``1 - exp(-exp(z))``, accurate in the lower tail."""
    return gumbel_r.sf(*_mirrored("gumbel_l.cdf", x, loc, scale))


def logcdf(x, loc=0, scale=1):
    """``log(1 - exp(-exp(z)))``, accurate in both tails."""
    return gumbel_r.logsf(*_mirrored("gumbel_l.logcdf", x, loc, scale))


def sf(x, loc=0, scale=1):
    """``exp(-exp(z))``."""
    return gumbel_r.cdf(*_mirrored("gumbel_l.sf", x, loc, scale))


def logsf(x, loc=0, scale=1):
    """``-exp(z)``."""
    return gumbel_r.logcdf(*_mirrored("gumbel_l.logsf", x, loc, scale))


def ppf(p, loc=0, scale=1):
    """The quantile function ``loc + scale log(-log1p(-p))`` on ``0 < p < 1``, else nan."""
    p, loc, scale = floats("gumbel_l.ppf", p, loc, scale)
    ok = (p > 0) & (p < 1)
    return fnp.where(ok, loc + scale * fnp.log(-fnp.log1p(-fnp.where(ok, p, 0.5))), np.nan)
