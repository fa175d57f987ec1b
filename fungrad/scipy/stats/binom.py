"""The binomial distribution: ``stats.binom.logpmf(k, n, p, loc=0)`` and ``pmf``."""

from __future__ import annotations

import numpy as np

import fungrad.numpy as fnp
from fungrad import lax
from fungrad.scipy import special
from fungrad.scipy.stats.location_scale import floats


def logpmf(k, n, p, loc=0):
    """``log comb(n, y) + y log p + (n - y) log(1 - p)`` for ``y = k - loc`` in
    ``[0, n]``, else ``-inf`` (0 where the outcome is certain, as JAX)."""
    k, n, p, loc = floats("binom.logpmf", k, n, p, loc)
    y = k - loc
    comb = lax.lgamma(n + 1) - (lax.lgamma(y + 1) + lax.lgamma(n - y + 1))
    linear = special.xlogy(y, p) + special.xlog1py(n - y, -p)
    out = fnp.where(((y == 0) & (n == 0)) | (linear == 0), 0.0, comb + linear)
    return fnp.where((k >= loc) & (k < loc + n + 1), out, -np.inf)


def pmf(k, n, p, loc=0):
    """The binomial probability mass function."""
    return fnp.exp(logpmf(k, n, p, loc))
