"""The multivariate normal: ``stats.multivariate_normal.logpdf(x, mean, cov)`` and ``pdf``.

``mean`` has shape ``(..., n)`` and ``cov`` shape ``(..., n, n)`` (a Cholesky factor is
taken), or a rank-0 ``cov`` (``cov * I``); a rank-0 ``mean`` is the 1-D normal. Leading axes
broadcast.
"""

from __future__ import annotations

import math

import fungrad.numpy as fnp
from fungrad import lax
from fungrad.errors import ShapeError
from fungrad.scipy.special import _floats

_LOG_2PI = math.log(2 * math.pi)


def logpdf(x, mean, cov, allow_singular=None):
    """The log density; ``allow_singular`` must be None (not implemented, as in JAX)."""
    if allow_singular is not None:
        raise NotImplementedError("fungrad.scipy.stats.multivariate_normal.logpdf: "
                                  "allow_singular is not implemented; leave it None")
    x, mean, cov = (fnp.asarray(_floats("multivariate_normal.logpdf", v))
                    for v in (x, mean, cov))
    if mean.ndim == 0:
        return -0.5 * (x - mean) ** 2 / cov - 0.5 * (_LOG_2PI + fnp.log(cov))
    n = mean.shape[-1]
    y = x - mean
    if cov.ndim == 0:
        return -0.5 * fnp.sum(y * y, axis=-1) / cov - 0.5 * n * (_LOG_2PI + fnp.log(cov))
    if cov.ndim < 2 or cov.shape[-2:] != (n, n):
        raise ShapeError(f"fungrad.scipy.stats.multivariate_normal.logpdf: `cov` must have "
                         f"shape (..., {n}, {n}) to match `mean` {mean.shape}, got "
                         f"{cov.shape}")
    batch = fnp.broadcast_shapes(y.shape[:-1], cov.shape[:-2])
    y = fnp.broadcast_to(y, (*batch, n))
    chol = lax.cholesky(fnp.broadcast_to(cov, (*batch, n, n)))
    z = lax.triangular_solve(chol, y[..., None], left_side=True, lower=True)[..., 0]
    log_det = fnp.sum(fnp.log(fnp.diagonal(chol, axis1=-2, axis2=-1)), axis=-1)
    return -0.5 * fnp.sum(z * z, axis=-1) - 0.5 * n * _LOG_2PI - log_det


def pdf(x, mean, cov):
    """The multivariate normal density."""
    return fnp.exp(logpdf(x, mean, cov))
