"""Student's t distribution: ``stats.t.logpdf(x, df, loc=0, scale=1)`` and ``pdf``."""

from __future__ import annotations

import math

import fungrad.numpy as fnp
from fungrad import lax
from fungrad.scipy.stats.location_scale import standardized


def logpdf(x, df, loc=0, scale=1):
    """The log density of Student's t with ``df`` degrees of freedom."""
    y, scale, df = standardized("t.logpdf", x, loc, scale, df)
    half = 0.5 * (df + 1)
    norm = lax.lgamma(half) - lax.lgamma(0.5 * df) - 0.5 * fnp.log(df * math.pi)
    return norm - fnp.log(scale) - half * fnp.log1p(y * y / df)


def pdf(x, df, loc=0, scale=1):
    """The density of Student's t."""
    return fnp.exp(logpdf(x, df, loc, scale))
