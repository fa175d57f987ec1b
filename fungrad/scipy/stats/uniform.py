"""The uniform distribution on ``[loc, loc + scale]``: ``stats.uniform.logpdf(x, loc=0,
scale=1)``, ``pdf``, ``cdf`` and ``ppf``."""

from __future__ import annotations

import numpy as np

import fungrad.numpy as fnp
from fungrad.scipy.stats.location_scale import floats


def logpdf(x, loc=0, scale=1):
    """``-log(scale)`` on ``[loc, loc + scale]``, ``-inf`` outside."""
    x, loc, scale = floats("uniform.logpdf", x, loc, scale)
    inside = (x >= loc) & (x <= loc + scale)
    return fnp.where(inside, -fnp.log(scale), -np.inf)


def pdf(x, loc=0, scale=1):
    """The uniform density."""
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    """``clip((x - loc) / scale, 0, 1)``."""
    x, loc, scale = floats("uniform.cdf", x, loc, scale)
    y = (x - loc) / scale
    return fnp.where(y < 0, 0.0, fnp.where(y > 1, 1.0, y))


def ppf(q, loc=0, scale=1):
    """``loc + q scale`` for ``q`` in ``[0, 1]``, nan outside."""
    q, loc, scale = floats("uniform.ppf", q, loc, scale)
    return fnp.where((q >= 0) & (q <= 1), loc + q * scale, np.nan)
