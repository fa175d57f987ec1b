"""The geometric distribution on ``1, 2, ...``: ``stats.geom.logpmf(k, p, loc=0)`` and
``pmf``.

``k - loc`` counts the trials up to and including the first success. As in JAX, ``k`` is
not checked to be whole: only ``k - loc <= 0`` is outside the support.
"""

from __future__ import annotations

import numpy as np

import fungrad.numpy as fnp
from fungrad.scipy import special
from fungrad.scipy.stats.location_scale import floats


def logpmf(k, p, loc=0):
    """``(y - 1) log(1 - p) + log p`` for ``y = k - loc >= 1``; ``-inf`` for ``y <= 0``.

    Example:
        >>> from fungrad.scipy import stats
        >>> float(stats.geom.pmf(2.0, 0.25))  # first failure, then success: 0.75 * 0.25
        0.1875
    """
    k, p, loc = floats("geom.logpmf", k, p, loc)
    y = k - loc
    inside = ~(y <= 0)  # nan stays inside, so that it propagates
    y = fnp.where(inside, y, 1.0)  # the formula never sees the outside points
    out = special.xlog1py(y - 1, -p) + fnp.log(p)
    return fnp.where(inside, out, -np.inf)


def pmf(k, p, loc=0):
    """The geometric probability mass function ``(1 - p)^(y - 1) p``."""
    return fnp.exp(logpmf(k, p, loc))
