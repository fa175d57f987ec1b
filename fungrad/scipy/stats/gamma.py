"""The gamma distribution with shape ``a``: ``stats.gamma.logpdf(x, a, loc=0, scale=1)``."""

from __future__ import annotations

import numpy as np

import fungrad.numpy as fnp
from fungrad import lax
from fungrad.scipy import special
from fungrad.scipy.stats.location_scale import log_of_probability, standardized


def logpdf(x, a, loc=0, scale=1):
    """``(a - 1) log y - y - gammaln(a) - log(scale)`` for ``y = (x - loc) / scale >= 0``;
    ``-inf`` below ``loc``."""
    y, scale, a = standardized("gamma.logpdf", x, loc, scale, a)
    inside = y >= 0
    y = fnp.where(inside, y, 1.0)  # the other branch never sees y < 0
    out = special.xlogy(a - 1, y) - y - lax.lgamma(a) - fnp.log(scale)
    return fnp.where(inside, out, -np.inf)


def pdf(x, a, loc=0, scale=1):
    """The gamma density."""
    return fnp.exp(logpdf(x, a, loc, scale))


def cdf(x, a, loc=0, scale=1):
    """The gamma CDF ``gammainc(a, max(y, 0))``."""
    y, _, a = standardized("gamma.cdf", x, loc, scale, a)
    return special.gammainc(a, fnp.where(y > 0, y, 0.0))


def logcdf(x, a, loc=0, scale=1):
    """The log of the gamma CDF (from the survival function where the CDF is near 1)."""
    return log_of_probability(cdf(x, a, loc, scale), sf(x, a, loc, scale))


def sf(x, a, loc=0, scale=1):
    """The survival function ``gammaincc(a, y)`` (1 below ``loc``)."""
    y, _, a = standardized("gamma.sf", x, loc, scale, a)
    return fnp.where(y < 0, 1.0, special.gammaincc(a, fnp.where(y > 0, y, 0.0)))


def logsf(x, a, loc=0, scale=1):
    """The log of the survival function (from the CDF where it is near 1)."""
    return log_of_probability(sf(x, a, loc, scale), cdf(x, a, loc, scale))
