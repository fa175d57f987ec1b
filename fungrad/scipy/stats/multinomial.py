"""The multinomial distribution: ``stats.multinomial.logpmf(x, n, p)`` and ``pmf``.

``x`` holds the counts of the categories along its last axis and ``p`` their
probabilities; ``x`` and ``n`` must be integer arrays (as in JAX). Counts that do not sum
to ``n`` have probability 0. Differentiable in ``p``.
"""

from __future__ import annotations

import numpy as np

import fungrad.numpy as fnp
from fungrad import lax
from fungrad.scipy import special
from fungrad.scipy.stats.location_scale import floats


def logpmf(x, n, p):
    """``gammaln(n + 1) + sum(x log p - gammaln(x + 1))`` over the last axis where the
    counts sum to ``n``, else ``-inf``.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import stats
        >>> round(float(stats.multinomial.pmf(np.array([1, 1]), 2, np.array([0.5, 0.5]))), 12)
        0.5
    """
    x, n = fnp.asarray(x), fnp.asarray(n)
    dtypes = (np.dtype(x.dtype), np.dtype(n.dtype))
    if dtypes[0].kind not in "iu" or dtypes[1].kind not in "iu":
        raise ValueError(f"fungrad.scipy.stats.multinomial.logpmf: `x` and `n` must be "
                         f"integer arrays (counts), got x.dtype={dtypes[0]}, "
                         f"n.dtype={dtypes[1]}; cast them with .astype(int)")
    (p,) = floats("multinomial.logpmf", p)
    # counts take p's float dtype (as in JAX), so float32 p stays float32
    x, n, p = floats("multinomial.logpmf", lax.convert_element_type(x, p.dtype),
                     lax.convert_element_type(n, p.dtype), p)
    total = fnp.sum(x, axis=-1)
    # fnp's functions, not operators: a rank-0 `n` placed on a device is a bare device array
    terms = fnp.subtract(special.xlogy(x, p), lax.lgamma(fnp.add(x, 1.0)))
    out = fnp.add(lax.lgamma(fnp.add(n, 1.0)), fnp.sum(terms, axis=-1))
    return fnp.where(fnp.equal(total, n), out, -np.inf)


def pmf(x, n, p):
    """The multinomial probability mass function."""
    return fnp.exp(logpmf(x, n, p))
