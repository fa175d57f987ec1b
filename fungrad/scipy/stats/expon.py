"""The exponential distribution: ``stats.expon.logpdf(x, loc=0, scale=1)`` and friends."""

from __future__ import annotations

import math

import numpy as np

import fungrad.numpy as fnp
from fungrad.scipy.stats.location_scale import floats, standardized

_LOG_2 = math.log(2.0)


def _split(name, x, loc, scale):
    y, scale = standardized(name, x, loc, scale)
    inside = y >= 0
    return fnp.where(inside, y, 0.0), inside, scale


def logpdf(x, loc=0, scale=1):
    """``-y - log(scale)`` for ``y = (x - loc) / scale >= 0``, else ``-inf``."""
    y, inside, scale = _split("expon.logpdf", x, loc, scale)
    return fnp.where(inside, -y - fnp.log(scale), -np.inf)


def pdf(x, loc=0, scale=1):
    """The exponential density."""
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    """``1 - exp(-y)`` (as ``-expm1(-y)``), 0 below ``loc``."""
    y, inside, _ = _split("expon.cdf", x, loc, scale)
    return fnp.where(inside, -fnp.expm1(-y), 0.0)


def logcdf(x, loc=0, scale=1):
    """``log(1 - exp(-y))`` (as ``log(-expm1(-y))`` below ``y = log 2``, ``log1p(-exp(-y))``
    above), ``-inf`` below ``loc``."""
    y, inside, _ = _split("expon.logcdf", x, loc, scale)
    near = y < _LOG_2
    positive = y > 0  # cdf > 0; at and below loc the log is -inf, formed without log(0)
    out = fnp.where(near, fnp.log(-fnp.expm1(-fnp.where(near & positive, y, 1.0))),
                    fnp.log1p(-fnp.exp(-fnp.where(near, 1.0, y))))
    return fnp.where(positive, out, -np.inf)


def sf(x, loc=0, scale=1):
    """The survival function ``exp(-y)`` (1 below ``loc``)."""
    y, inside, _ = _split("expon.sf", x, loc, scale)
    return fnp.where(inside, fnp.exp(-y), 1.0)


def logsf(x, loc=0, scale=1):
    """``-y`` (0 below ``loc``)."""
    y, inside, _ = _split("expon.logsf", x, loc, scale)
    return fnp.where(inside, -y, 0.0)


def ppf(q, loc=0, scale=1):
    """The quantile function ``loc - scale log1p(-q)``; nan outside ``[0, 1]``."""
    q, loc, scale = floats("expon.ppf", q, loc, scale)
    inside = (q >= 0) & (q <= 1)
    return fnp.where(inside, loc - scale * fnp.log1p(-fnp.where(inside, q, 0.0)), np.nan)
