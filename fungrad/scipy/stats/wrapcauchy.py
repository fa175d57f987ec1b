"""The wrapped Cauchy distribution on ``[0, 2 pi]``: ``stats.wrapcauchy.logpdf(x, c)`` and
``pdf``.

As in JAX the results are nan unless ``0 < c < 1``, and ``-inf`` for ``x`` outside
``[0, 2 pi]``.
"""

from __future__ import annotations

import math

import numpy as np

import fungrad.numpy as fnp
from fungrad.scipy.stats.location_scale import floats

_LOG_2PI = math.log(2 * math.pi)


def logpdf(x, c):
    """``log(1 - c^2) - log(2 pi) - log(1 + c^2 - 2 c cos x)``.

    Example:
        >>> import math
        >>> from fungrad.scipy import stats
        >>> round(float(stats.wrapcauchy.pdf(math.pi, 0.5)) * 2 * math.pi, 12)  # 0.75 / 2.25
        0.333333333333
    """
    x, c = floats("wrapcauchy.logpdf", x, c)
    ok = (c > 0) & (c < 1)
    inside = (x >= 0) & (x <= 2 * math.pi)
    c = fnp.where(ok, c, 0.5)  # the formula sees only the points it is finite at
    x = fnp.where(inside, x, 0.0)
    out = fnp.log1p(-c * c) - _LOG_2PI - fnp.log(1 + c * c - 2 * c * fnp.cos(x))
    return fnp.where(ok, fnp.where(inside, out, -np.inf), np.nan)


def pdf(x, c):
    """The wrapped Cauchy density."""
    return fnp.exp(logpdf(x, c))
