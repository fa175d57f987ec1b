"""The Bernoulli distribution: ``stats.bernoulli.logpmf(k, p, loc=0)``, ``pmf``, ``cdf``,
``ppf``."""

from __future__ import annotations

import numpy as np

import fungrad.numpy as fnp
from fungrad.scipy import special
from fungrad.scipy.stats.location_scale import floats


def logpmf(k, p, loc=0):
    """``k log p + (1 - k) log(1 - p)`` for ``k - loc`` in ``[0, 1]``, else ``-inf``."""
    k, p, loc = floats("bernoulli.logpmf", k, p, loc)
    y = k - loc
    out = special.xlogy(y, p) + special.xlog1py(1 - y, -p)
    return fnp.where((y < 0) | (y > 1), -np.inf, out)


def pmf(k, p, loc=0):
    """The Bernoulli probability mass function."""
    return fnp.exp(logpmf(k, p, loc))


def cdf(k, p):
    """``P(K <= k)``: 0 below 0, ``1 - p`` on ``[0, 1)``, 1 from 1; nan for a bad ``p``."""
    k, p = floats("bernoulli.cdf", k, p)
    bad = fnp.isnan(k) | fnp.isnan(p) | (p < 0) | (p > 1)
    out = fnp.where(k < 0, 0.0, fnp.where(k < 1, 1 - p, 1.0))
    return fnp.where(bad, np.nan, out)


def ppf(q, p):
    """The smallest ``k`` in ``{0, 1}`` with ``cdf(k) >= q``; nan for a bad ``q`` or ``p``."""
    q, p = floats("bernoulli.ppf", q, p)
    bad = fnp.isnan(q) | fnp.isnan(p) | (p < 0) | (p > 1) | (q < 0) | (q > 1)
    return fnp.where(bad, np.nan, fnp.where(q <= 1 - p, 0.0, 1.0))
