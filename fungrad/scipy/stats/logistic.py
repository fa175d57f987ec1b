"""The logistic distribution: ``stats.logistic.logpdf(x, loc=0, scale=1)`` and friends.

``ppf`` and ``isf`` name their probability argument ``x``, as JAX does.
"""

from __future__ import annotations

import fungrad.numpy as fnp
from fungrad.scipy import special
from fungrad.scipy.stats.location_scale import floats, standardized


def logpdf(x, loc=0, scale=1):
    """``-|y| - 2 log1p(exp(-|y|)) - log(scale)`` (stable for large ``|y|``)."""
    y, scale = standardized("logistic.logpdf", x, loc, scale)
    a = fnp.abs(y)
    return -a - 2 * fnp.log1p(fnp.exp(-a)) - fnp.log(scale)


def pdf(x, loc=0, scale=1):
    """The logistic density."""
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    """``expit(y)``."""
    y, _ = standardized("logistic.cdf", x, loc, scale)
    return special.expit(y)


def sf(x, loc=0, scale=1):
    """``expit(-y)``."""
    y, _ = standardized("logistic.sf", x, loc, scale)
    return special.expit(-y)


def ppf(x, loc=0, scale=1):
    """The quantile function ``loc + scale logit(x)``."""
    x, loc, scale = floats("logistic.ppf", x, loc, scale)
    return loc + scale * special.logit(x)


def isf(x, loc=0, scale=1):
    """The inverse survival function ``loc - scale logit(x)``."""
    x, loc, scale = floats("logistic.isf", x, loc, scale)
    return loc - scale * special.logit(x)
