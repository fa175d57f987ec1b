"""The negative binomial distribution: ``stats.nbinom.logpmf(k, n, p, loc=0)`` and ``pmf``.

``k - loc`` counts the failures before the ``n``-th success (``n`` need not be whole).
As in JAX, ``k`` is not checked to be whole: only ``k < loc`` is outside the support.
"""

from __future__ import annotations

import numpy as np

import fungrad.numpy as fnp
from fungrad import lax
from fungrad.scipy import special
from fungrad.scipy.stats.location_scale import floats


def logpmf(k, n, p, loc=0):
    """``gammaln(y + n) - gammaln(n) - gammaln(y + 1) + n log p + y log(1 - p)`` for
    ``y = k - loc >= 0``, else ``-inf``.

    Example:
        >>> from fungrad.scipy import stats
        >>> round(float(stats.nbinom.pmf(1.0, 2.0, 0.5)), 12)  # C(2, 1) 0.5^2 0.5
        0.25
    """
    k, n, p, loc = floats("nbinom.logpmf", k, n, p, loc)
    inside = ~(k < loc)  # nan stays inside, so that it propagates
    y = fnp.where(inside, k - loc, 0.0)
    comb = lax.lgamma(y + n) - lax.lgamma(n) - lax.lgamma(y + 1)
    out = comb + special.xlogy(n, p) + special.xlog1py(y, -p)
    return fnp.where(inside, out, -np.inf)


def pmf(k, n, p, loc=0):
    """The negative binomial probability mass function."""
    return fnp.exp(logpmf(k, n, p, loc))
