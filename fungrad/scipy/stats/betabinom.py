"""The beta-binomial distribution: ``stats.betabinom.logpmf(k, n, a, b, loc=0)`` and ``pmf``.

``k`` is floored (as in JAX). The support is ``0 <= floor(k) - loc <= n``; the results are
nan where ``n < 0``, ``a <= 0`` or ``b <= 0``. Differentiable in ``a`` and ``b``.
"""

from __future__ import annotations

import numpy as np

import fungrad.numpy as fnp
from fungrad.scipy import special
from fungrad.scipy.stats.location_scale import floats


def logpmf(k, n, a, b, loc=0):
    """``log comb(n, y) + betaln(y + a, n - y + b) - betaln(a, b)`` for ``y = floor(k) - loc``
    in ``[0, n]``, else ``-inf``.

    Example:
        >>> from fungrad.scipy import stats
        >>> round(float(stats.betabinom.pmf(1.0, 2.0, 1.0, 1.0)), 12)  # uniform on {0, 1, 2}
        0.333333333333
    """
    k, n, a, b, loc = floats("betabinom.logpmf", k, n, a, b, loc)
    y = fnp.floor(k) - loc
    bad = (n < 0) | (a <= 0) | (b <= 0)
    outside = (y < 0) | (y > n)
    y = fnp.where(outside, 0.0, y)  # the formula never sees the outside points
    n, a, b = (fnp.where(bad, 1.0, v) for v in (n, a, b))
    log_comb = -(fnp.log1p(n) + special.betaln(n - y + 1, y + 1))
    out = log_comb + special.betaln(y + a, n - y + b) - special.betaln(a, b)
    out = fnp.where((y == 0) & (n == 0), 0.0, out)
    return fnp.where(bad, np.nan, fnp.where(outside, -np.inf, out))


def pmf(k, n, a, b, loc=0):
    """The beta-binomial probability mass function."""
    return fnp.exp(logpmf(k, n, a, b, loc))
