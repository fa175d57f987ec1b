"""The Laplace distribution: ``stats.laplace.logpdf(x, loc=0, scale=1)``, ``pdf``, ``cdf``."""

from __future__ import annotations

import math

import fungrad.numpy as fnp
from fungrad.scipy.stats.location_scale import standardized


def logpdf(x, loc=0, scale=1):
    """``-|y| - log(2 scale)`` (the derivative at ``x = loc`` is that of ``|y|`` there: +1)."""
    y, scale = standardized("laplace.logpdf", x, loc, scale)
    return -fnp.abs(y) - math.log(2.0) - fnp.log(scale)


def pdf(x, loc=0, scale=1):
    """The Laplace density."""
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    """``exp(y) / 2`` below ``loc``, ``1 - exp(-y) / 2`` above."""
    y, _ = standardized("laplace.cdf", x, loc, scale)
    below = y < 0
    return fnp.where(below, 0.5 * fnp.exp(fnp.where(below, y, 0.0)),
                     1 - 0.5 * fnp.exp(-fnp.where(below, 0.0, y)))
