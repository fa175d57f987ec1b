"""The Dirichlet distribution: ``stats.dirichlet.logpdf(x, alpha)`` and ``pdf``.

``alpha`` has shape ``(K,)``; ``x`` has shape ``(K, ...)`` or ``(K - 1, ...)`` (then the last
coordinate is ``1 - sum``), as in JAX. Points off the simplex (an entry <= 0, or a sum more
than 1e-6 from 1) have density 0.
"""

from __future__ import annotations

import numpy as np

import fungrad.numpy as fnp
from fungrad import lax
from fungrad.errors import ShapeError
from fungrad.scipy import special
from fungrad.scipy.special import _floats


def logpdf(x, alpha):
    """``sum((alpha - 1) log x) - (sum gammaln(alpha) - gammaln(sum alpha))`` on the simplex."""
    x, alpha = (_floats("dirichlet.logpdf", v) for v in (x, alpha))
    x, alpha = fnp.asarray(x), fnp.asarray(alpha)
    if alpha.ndim != 1:
        raise ShapeError(f"fungrad.scipy.stats.dirichlet.logpdf: `alpha` must be 1-D, got "
                         f"shape {alpha.shape}")
    k = alpha.shape[0]
    if x.ndim == 0 or x.shape[0] not in (k, k - 1):
        raise ShapeError(f"fungrad.scipy.stats.dirichlet.logpdf: `x` must have {k} or "
                         f"{k - 1} entries along axis 0 (alpha has shape {alpha.shape}), got "
                         f"shape {x.shape}")
    if x.dtype != alpha.dtype:
        dtype = np.result_type(x.dtype, alpha.dtype)
        x, alpha = x.astype(dtype), alpha.astype(dtype)
    if x.shape[0] == k - 1:
        x = fnp.concatenate([x, 1 - fnp.sum(x, axis=0, keepdims=True)], axis=0)
    alpha_col = fnp.reshape(alpha, (k,) + (1,) * (x.ndim - 1))
    on_simplex = fnp.all(x > 0, axis=0) & (fnp.abs(fnp.sum(x, axis=0) - 1) < 1e-6)
    safe_x = fnp.where(x > 0, x, 1.0)
    norm = fnp.sum(lax.lgamma(alpha)) - lax.lgamma(fnp.sum(alpha))
    out = fnp.sum(special.xlogy(alpha_col - 1, safe_x), axis=0) - norm
    return fnp.where(on_simplex, out, -np.inf)


def pdf(x, alpha):
    """The Dirichlet density."""
    return fnp.exp(logpdf(x, alpha))
