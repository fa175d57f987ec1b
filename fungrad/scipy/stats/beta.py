"""The beta distribution: ``stats.beta.logpdf(x, a, b, loc=0, scale=1)`` and friends.

The CDF and survival function go through ``special.betainc``: differentiable in ``x``,
``loc`` and ``scale``, not in ``a`` or ``b`` (as in JAX).
"""

from __future__ import annotations

import numpy as np

import fungrad.numpy as fnp
from fungrad.scipy import special
from fungrad.scipy.stats.location_scale import log_of_probability, standardized


def logpdf(x, a, b, loc=0, scale=1):
    """``(a-1) log y + (b-1) log(1-y) - betaln(a, b) - log(scale)`` on ``[0, 1]``, else
    ``-inf``; nan where ``a``, ``b`` or ``scale`` is not positive."""
    y, scale, a, b = standardized("beta.logpdf", x, loc, scale, a, b)
    inside = (y >= 0) & (y <= 1)
    y = fnp.where(inside, y, 0.5)
    out = (special.xlogy(a - 1, y) + special.xlog1py(b - 1, -y) - special.betaln(a, b)
           - fnp.log(scale))
    out = fnp.where(inside, out, -np.inf)
    return fnp.where((a <= 0) | (b <= 0) | (scale <= 0), np.nan, out)


def pdf(x, a, b, loc=0, scale=1):
    """The beta density."""
    return fnp.exp(logpdf(x, a, b, loc, scale))


def cdf(x, a, b, loc=0, scale=1):
    """The beta CDF ``betainc(a, b, clip(y, 0, 1))``."""
    y, _, a, b = standardized("beta.cdf", x, loc, scale, a, b)
    return special.betainc(a, b, fnp.clip(y, 0.0, 1.0))


def logcdf(x, a, b, loc=0, scale=1):
    """The log of the beta CDF (from the survival function where the CDF is near 1)."""
    return log_of_probability(cdf(x, a, b, loc, scale), sf(x, a, b, loc, scale))


def sf(x, a, b, loc=0, scale=1):
    """The survival function ``betainc(b, a, 1 - y)``, accurate near ``y = 1``."""
    y, _, a, b = standardized("beta.sf", x, loc, scale, a, b)
    return special.betainc(b, a, 1 - fnp.clip(y, 0.0, 1.0))


def logsf(x, a, b, loc=0, scale=1):
    """The log of the survival function (from the CDF where it is near 1)."""
    return log_of_probability(sf(x, a, b, loc, scale), cdf(x, a, b, loc, scale))
