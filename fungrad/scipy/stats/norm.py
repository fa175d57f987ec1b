"""The normal distribution: ``stats.norm.logpdf(x, loc=0, scale=1)`` and friends."""

from __future__ import annotations

import math

import fungrad.numpy as fnp
from fungrad.scipy import special
from fungrad.scipy.stats.location_scale import floats, standardized

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


def logpdf(x, loc=0, scale=1):
    """The log of the normal density ``-(x - loc)^2 / (2 scale^2) - log(scale sqrt(2 pi))``."""
    y, scale = standardized("norm.logpdf", x, loc, scale)
    return -0.5 * y * y - fnp.log(scale) - _LOG_SQRT_2PI


def pdf(x, loc=0, scale=1):
    """The normal density."""
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    """The normal CDF (``special.ndtr`` of the standardized ``x``)."""
    y, _ = standardized("norm.cdf", x, loc, scale)
    return special.ndtr(y)


def logcdf(x, loc=0, scale=1):
    """The log of the normal CDF, accurate in the far lower tail."""
    y, _ = standardized("norm.logcdf", x, loc, scale)
    return special.log_ndtr(y)


def sf(x, loc=0, scale=1):
    """The survival function ``1 - cdf``, accurate in the upper tail."""
    y, _ = standardized("norm.sf", x, loc, scale)
    return special.ndtr(-y)


def logsf(x, loc=0, scale=1):
    """The log of the survival function, accurate in the far upper tail."""
    y, _ = standardized("norm.logsf", x, loc, scale)
    return special.log_ndtr(-y)


def ppf(q, loc=0, scale=1):
    """The quantile function (inverse CDF) ``loc + scale ndtri(q)``."""
    q, loc, scale = floats("norm.ppf", q, loc, scale)
    return loc + scale * special.ndtri(q)


def isf(q, loc=0, scale=1):
    """The inverse survival function ``loc - scale ndtri(q)``."""
    q, loc, scale = floats("norm.isf", q, loc, scale)
    return loc - scale * special.ndtri(q)
