"""The chi-squared distribution: ``stats.chi2.logpdf(x, df, loc=0, scale=1)`` and friends.

Chi-squared with ``df`` degrees of freedom is the gamma distribution with shape ``df / 2``
and scale 2 (times ``scale``).
"""

from __future__ import annotations

from fungrad.scipy.stats import gamma
from fungrad.scipy.stats.location_scale import floats


def _as_gamma(name, x, df, loc, scale):
    x, df, loc, scale = floats(name, x, df, loc, scale)
    return x, 0.5 * df, loc, 2 * scale


def logpdf(x, df, loc=0, scale=1):
    """The log density of chi-squared with ``df`` degrees of freedom."""
    return gamma.logpdf(*_as_gamma("chi2.logpdf", x, df, loc, scale))


def pdf(x, df, loc=0, scale=1):
    """The chi-squared density."""
    return gamma.pdf(*_as_gamma("chi2.pdf", x, df, loc, scale))


def cdf(x, df, loc=0, scale=1):
    """The chi-squared CDF."""
    return gamma.cdf(*_as_gamma("chi2.cdf", x, df, loc, scale))


def logcdf(x, df, loc=0, scale=1):
    """The log of the chi-squared CDF."""
    return gamma.logcdf(*_as_gamma("chi2.logcdf", x, df, loc, scale))


def sf(x, df, loc=0, scale=1):
    """The chi-squared survival function."""
    return gamma.sf(*_as_gamma("chi2.sf", x, df, loc, scale))


def logsf(x, df, loc=0, scale=1):
    """The log of the chi-squared survival function."""
    return gamma.logsf(*_as_gamma("chi2.logsf", x, df, loc, scale))
