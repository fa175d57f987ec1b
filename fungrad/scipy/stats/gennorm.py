"""The generalized normal distribution with shape ``beta``: ``stats.gennorm.logpdf(x,
beta)``, ``pdf`` and ``cdf``.

``beta = 2`` is the normal with variance 1/2, ``beta = 1`` the Laplace distribution. As
in JAX there is no ``loc`` or ``scale``.
"""

from __future__ import annotations

import fungrad.numpy as fnp
from fungrad import lax
from fungrad.scipy import special
from fungrad.scipy.stats.location_scale import floats


def logpdf(x, beta):
    """``log(beta / 2) - gammaln(1 / beta) - |x|^beta``.

    Example:
        >>> from fungrad.scipy import stats
        >>> round(float(stats.gennorm.logpdf(0.0, 1.0)), 12)  # Laplace: log(1/2)
        -0.69314718056
    """
    x, beta = floats("gennorm.logpdf", x, beta)
    return fnp.log(0.5 * beta) - lax.lgamma(1 / beta) - fnp.abs(x) ** beta


def pdf(x, beta):
    """The generalized normal density."""
    return fnp.exp(logpdf(x, beta))


def cdf(x, beta):
    """``(1 + sign(x) gammainc(1 / beta, |x|^beta)) / 2``."""
    x, beta = floats("gennorm.cdf", x, beta)
    return 0.5 * (1 + fnp.sign(x) * special.gammainc(1 / beta, fnp.abs(x) ** beta))


