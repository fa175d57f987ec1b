"""The Poisson distribution: ``stats.poisson.logpmf(k, mu, loc=0)``, ``pmf`` and ``cdf``.

JAX's ``poisson.entropy`` is not provided.
"""

from __future__ import annotations

import numpy as np

import fungrad.numpy as fnp
from fungrad import lax
from fungrad.scipy import special
from fungrad.scipy.stats.location_scale import floats


def logpmf(k, mu, loc=0):
    """``k log(mu) - gammaln(k + 1) - mu`` at whole ``k - loc >= 0``, else ``-inf``."""
    k, mu, loc = floats("poisson.logpmf", k, mu, loc)
    y = k - loc
    out = special.xlogy(y, mu) - lax.lgamma(y + 1) - mu
    return fnp.where((y < 0) | (fnp.round(k) != k), -np.inf, out)


def pmf(k, mu, loc=0):
    """The Poisson probability mass function."""
    return fnp.exp(logpmf(k, mu, loc))


def cdf(k, mu, loc=0):
    """``P(K <= k) = gammaincc(floor(k - loc) + 1, mu)`` (0 below ``loc``)."""
    k, mu, loc = floats("poisson.cdf", k, mu, loc)
    y = k - loc
    return fnp.where(y < 0, 0.0, special.gammaincc(fnp.floor(fnp.where(y < 0, 0.0, y)) + 1, mu))
