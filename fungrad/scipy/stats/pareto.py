"""The Pareto distribution with shape ``b``: ``stats.pareto.logpdf(x, b, loc=0, scale=1)``
and friends.

The support is ``x >= loc + scale`` (``y = (x - loc) / scale >= 1``). Everything goes
through ``log y``, so the CDF near the lower end and the survival function in the far tail
keep their digits.
"""

from __future__ import annotations

import numpy as np

import fungrad.numpy as fnp
from fungrad.scipy.stats.location_scale import floats


def _log_y(name, x, b, loc, scale):
    """``(log y, inside, b, scale)``, with ``log y`` formed only at points of the support."""
    x, b, loc, scale = floats(name, x, b, loc, scale)
    inside = ~(x < loc + scale)  # nan stays inside, so that it propagates
    y = fnp.where(inside, (x - loc) / scale, 1.0)
    return fnp.log(y), inside, b, scale


def logpdf(x, b, loc=0, scale=1):
    """``log b - log scale - (b + 1) log y`` on the support, ``-inf`` below it.

    Example:
        >>> from fungrad.scipy import stats
        >>> round(float(stats.pareto.pdf(2.0, 3.0)), 12)  # 3 / 2^4
        0.1875
    """
    log_y, inside, b, scale = _log_y("pareto.logpdf", x, b, loc, scale)
    return fnp.where(inside, fnp.log(b) - fnp.log(scale) - (b + 1) * log_y, -np.inf)


def pdf(x, b, loc=0, scale=1):
    """The Pareto density ``b / (scale y^(b + 1))``."""
    return fnp.exp(logpdf(x, b, loc, scale))


def cdf(x, b, loc=0, scale=1):
    """``1 - y^(-b)`` (as ``-expm1(-b log y)``), 0 below the support."""
    log_y, inside, b, _ = _log_y("pareto.cdf", x, b, loc, scale)
    return fnp.where(inside, -fnp.expm1(-b * log_y), 0.0)


def logcdf(x, b, loc=0, scale=1):
    """``log(1 - y^(-b))``; ``-inf`` at and below ``loc + scale``."""
    log_y, inside, b, _ = _log_y("pareto.logcdf", x, b, loc, scale)
    positive = inside & ~(log_y <= 0)
    out = fnp.log(-fnp.expm1(-b * fnp.where(positive, log_y, 1.0)))
    return fnp.where(positive, out, -np.inf)


def sf(x, b, loc=0, scale=1):
    """The survival function ``y^(-b)`` (1 below the support)."""
    return fnp.exp(logsf(x, b, loc, scale))


def logsf(x, b, loc=0, scale=1):
    """``-b log y`` (0 below the support)."""
    log_y, inside, b, _ = _log_y("pareto.logsf", x, b, loc, scale)
    return fnp.where(inside, -b * log_y, 0.0)


def ppf(q, b, loc=0, scale=1):
    """The quantile function ``loc + scale (1 - q)^(-1/b)``; nan outside ``[0, 1]``."""
    q, b, loc, scale = floats("pareto.ppf", q, b, loc, scale)
    inside = (q >= 0) & (q <= 1)
    tail = fnp.where(inside & (q < 1), 1 - q, 1.0)
    out = fnp.where(q < 1, loc + scale * fnp.exp(-fnp.log(tail) / b), np.inf)
    return fnp.where(inside, out, np.nan)
