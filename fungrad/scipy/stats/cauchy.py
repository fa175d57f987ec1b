"""The Cauchy distribution: ``stats.cauchy.logpdf(x, loc=0, scale=1)`` and friends."""

from __future__ import annotations

import math

import fungrad.numpy as fnp
from fungrad.scipy.stats.location_scale import floats, standardized


def logpdf(x, loc=0, scale=1):
    """``-log(pi scale) - log1p(y^2)``."""
    y, scale = standardized("cauchy.logpdf", x, loc, scale)
    return -math.log(math.pi) - fnp.log(scale) - fnp.log1p(y * y)


def pdf(x, loc=0, scale=1):
    """The Cauchy density."""
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    """``1/2 + arctan(y) / pi``."""
    y, _ = standardized("cauchy.cdf", x, loc, scale)
    return 0.5 + fnp.arctan(y) / math.pi


def logcdf(x, loc=0, scale=1):
    """The log of the CDF."""
    return fnp.log(cdf(x, loc, scale))


def sf(x, loc=0, scale=1):
    """The survival function ``1/2 - arctan(y) / pi``."""
    y, _ = standardized("cauchy.sf", x, loc, scale)
    return 0.5 - fnp.arctan(y) / math.pi


def logsf(x, loc=0, scale=1):
    """The log of the survival function."""
    return fnp.log(sf(x, loc, scale))


def ppf(q, loc=0, scale=1):
    """The quantile function ``loc + scale tan(pi (q - 1/2))``."""
    q, loc, scale = floats("cauchy.ppf", q, loc, scale)
    return loc + scale * fnp.tan(math.pi * (q - 0.5))


def isf(q, loc=0, scale=1):
    """The inverse survival function ``loc + scale tan(pi (1/2 - q))``."""
    q, loc, scale = floats("cauchy.isf", q, loc, scale)
    return loc + scale * fnp.tan(math.pi * (0.5 - q))
