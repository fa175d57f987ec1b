"""``stats.gaussian_kde``: a Gaussian kernel density estimate, as ``jax.scipy.stats``'.

A pytree (its leaves, in JAX's order: ``neff``, ``dataset``, ``weights``, ``covariance``,
``inv_cov``), so it passes through ``jit``, ``vmap`` and ``grad``; everything is composed of
fnp operations, so densities and integrals are differentiable in the points and in the
dataset (and weights).
"""

from __future__ import annotations

import math

import fungrad.numpy as fnp
from fungrad import lax
from fungrad import random as _random
from fungrad.errors import ShapeError
from fungrad.nn.softmax import logsumexp
from fungrad.scipy.special_operands import floats as _floats
from fungrad.tree_util import register_pytree_node_class

__all__ = ["gaussian_kde"]

_LOG_2PI = math.log(2 * math.pi)


def _as_2d(name: str, value):
    """``value`` as a float array of at least 2 dimensions (a vector becomes one row)."""
    out = fnp.asarray(_floats(name, value))
    if out.ndim > 2:
        raise ShapeError(f"fungrad.scipy.stats.gaussian_kde: `{name}` must have at most 2 "
                         f"dimensions (d, n), got shape {out.shape}")
    return fnp.atleast_2d(out)


def _weighted_covariance(dataset, weights):
    """The weighted sample covariance (NumPy's ``cov`` with ``aweights``), ``(d, d)``."""
    mean = fnp.sum(dataset * weights, axis=1, keepdims=True)
    centered = dataset - mean
    return (centered * weights) @ centered.T / (1.0 - fnp.sum(weights * weights))


def _gaussian_log_terms(x, y, cov):
    """``log N(x_i; y_j, cov)`` for ``x`` of shape ``(d, m)`` and ``y`` ``(d, n)``: ``(m, n)``."""
    d = x.shape[0]
    chol = lax.cholesky(cov)
    diff = x[:, :, None] - y[:, None, :]  # (d, m, n)
    z = lax.triangular_solve(chol, diff.reshape(d, -1), left_side=True, lower=True)
    quad = fnp.sum(z * z, axis=0).reshape(x.shape[1], y.shape[1])
    log_det = 2.0 * fnp.sum(fnp.log(fnp.diagonal(chol)))
    return -0.5 * (quad + d * _LOG_2PI + log_det)


@register_pytree_node_class
class gaussian_kde:  # noqa: N801 (SciPy's and JAX's name)
    """A Gaussian kernel density estimate of ``dataset`` (shape ``(d, n)``, or ``(n,)``).

    ``bw_method``: ``"scott"`` (the default), ``"silverman"``, a scalar factor, or a
    callable of the estimate returning the factor. ``weights`` (shape ``(n,)``) are
    normalized to sum to 1. The kernel covariance is the (weighted) data covariance times
    the factor squared.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import stats
        >>> kde = stats.gaussian_kde(np.array([-1.0, 0.0, 0.5, 2.0]))
        >>> kde.evaluate(np.array([0.0, 1.0]))
        Array([0.26851977, 0.22354751])
        >>> round(float(kde.integrate_box_1d(-np.inf, np.inf)), 12)
        1.0
    """

    def __init__(self, dataset, bw_method=None, weights=None):
        dataset = _as_2d("dataset", dataset)
        if dataset.size <= 1:
            raise ValueError("fungrad.scipy.stats.gaussian_kde: `dataset` input should have "
                             f"multiple elements, got shape {dataset.shape}")
        d, n = dataset.shape
        if weights is None:
            weights = fnp.full_like(dataset[0], 1.0 / n)  # on the dataset's device
        else:
            weights = fnp.asarray(_floats("weights", weights)).astype(dataset.dtype)
            if weights.shape != (n,):
                raise ShapeError(f"fungrad.scipy.stats.gaussian_kde: `weights` must have "
                                 f"shape ({n},) to match `dataset` {dataset.shape}, got "
                                 f"{weights.shape}")
            weights = weights / fnp.sum(weights)
        self.dataset, self.weights = dataset, weights
        self.neff = 1.0 / fnp.sum(weights * weights)
        self._data_covariance = _weighted_covariance(dataset, weights)
        self.set_bandwidth(bw_method)

    # ---- the pytree ------------------------------------------------------------------
    def tree_flatten(self):
        return (self.neff, self.dataset, self.weights, self.covariance, self.inv_cov), None

    @classmethod
    def tree_unflatten(cls, aux, children):
        out = object.__new__(cls)
        out.neff, out.dataset, out.weights, out.covariance, out.inv_cov = children
        out._data_covariance = None  # set_bandwidth needs it: rebuilt from the dataset
        return out

    @property
    def d(self) -> int:
        return self.dataset.shape[0]

    @property
    def n(self) -> int:
        return self.dataset.shape[1]

    # ---- the bandwidth ---------------------------------------------------------------
    def scotts_factor(self):
        """``neff^(-1 / (d + 4))``."""
        return self.neff ** (-1.0 / (self.d + 4))

    def silverman_factor(self):
        """``(neff (d + 2) / 4)^(-1 / (d + 4))``."""
        return (self.neff * (self.d + 2) / 4.0) ** (-1.0 / (self.d + 4))

    def set_bandwidth(self, bw_method=None):
        """Set the bandwidth factor in place (as SciPy; JAX's raises NotImplementedError).

        ``bw_method`` as in the constructor. Recomputes ``covariance`` and ``inv_cov``.
        """
        if bw_method is None or (isinstance(bw_method, str) and bw_method == "scott"):
            factor = self.scotts_factor()
        elif isinstance(bw_method, str) and bw_method == "silverman":
            factor = self.silverman_factor()
        elif callable(bw_method):
            factor = bw_method(self)
        elif not isinstance(bw_method, str) and fnp.ndim(bw_method) == 0:
            factor = bw_method
        else:
            raise ValueError("fungrad.scipy.stats.gaussian_kde: `bw_method` should be "
                             f"'scott', 'silverman', a scalar, or a callable; got "
                             f"{bw_method!r}")
        if self._data_covariance is None:
            self._data_covariance = _weighted_covariance(self.dataset, self.weights)
        self.factor = factor
        self.covariance = self._data_covariance * factor ** 2
        self.inv_cov = fnp.linalg.inv(self.covariance)

    # ---- densities -------------------------------------------------------------------
    def _points(self, points):
        points = _as_2d("points", points)
        if points.shape[0] != self.d:
            if points.shape[0] == 1 and points.shape[1] == self.d:
                return points.reshape(self.d, 1)
            raise ShapeError(f"fungrad.scipy.stats.gaussian_kde: points have dimension "
                             f"{points.shape[0]}, dataset has dimension {self.d} (pass "
                             f"points of shape ({self.d}, m))")
        return points

    def logpdf(self, x):
        """The log density at ``x`` (shape ``(d, m)``), computed without underflow."""
        terms = _gaussian_log_terms(self._points(x), self.dataset, self.covariance)
        return logsumexp(terms + fnp.log(self.weights), axis=1)

    def evaluate(self, points):
        """The density at ``points`` (shape ``(d, m)``, or ``(m,)`` when ``d == 1``)."""
        return fnp.exp(self.logpdf(points))

    __call__ = evaluate
    pdf = evaluate

    # ---- integrals -------------------------------------------------------------------
    def integrate_gaussian(self, mean, cov):
        """``integral kde(x) N(x; mean, cov) dx``."""
        mean = fnp.reshape(fnp.asarray(_floats("mean", mean)), (self.d, 1))
        cov = fnp.reshape(fnp.asarray(_floats("cov", cov)), (self.d, self.d))
        terms = _gaussian_log_terms(mean, self.dataset, self.covariance + cov)
        return fnp.sum(self.weights * fnp.exp(terms[0]))

    def integrate_box_1d(self, low, high):
        """``integral_low^high kde(x) dx`` of a 1-D estimate (ValueError otherwise)."""
        if self.d != 1:
            raise ValueError("fungrad.scipy.stats.gaussian_kde.integrate_box_1d: only 1-D "
                             f"estimates are handled, this one has d={self.d}")
        sigma = fnp.sqrt(self.covariance[0, 0])
        data = self.dataset[0]
        upper = lax.erfc((data - high) / (sigma * math.sqrt(2.0)))
        lower = lax.erfc((data - low) / (sigma * math.sqrt(2.0)))
        return 0.5 * fnp.sum(self.weights * (upper - lower))

    def integrate_box(self, low_bounds, high_bounds, maxpts=None):
        """Not implemented for d > 1 (as JAX): use ``integrate_box_1d`` for 1-D."""
        raise NotImplementedError("fungrad.scipy.stats.gaussian_kde.integrate_box: only 1-D "
                                  "box integrations are supported; use `integrate_box_1d`")

    def integrate_kde(self, other):
        """``integral kde(x) other(x) dx`` for another ``gaussian_kde`` of the same d."""
        if other.d != self.d:
            raise ValueError(f"fungrad.scipy.stats.gaussian_kde.integrate_kde: the estimates "
                             f"have dimensions {self.d} and {other.d}; they must agree")
        terms = _gaussian_log_terms(self.dataset, other.dataset,
                                    self.covariance + other.covariance)
        return fnp.sum(self.weights[:, None] * other.weights[None, :] * fnp.exp(terms))

    # ---- sampling --------------------------------------------------------------------
    def resample(self, key, shape=()):
        """Draw ``shape`` samples with a fungrad random ``key``: shape ``(d, *shape)``.

        Each picks a data point by its weight and adds kernel noise ``N(0, covariance)``;
        differentiable in the dataset (the reparametrized noise).
        """
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        pick_key, noise_key = _random.split(key)
        index = _random.choice(pick_key, self.n, shape=shape, p=self.weights)
        chol = lax.cholesky(self.covariance)
        noise = _random.normal(noise_key, (*shape, self.d), dtype=self.dataset.dtype)
        return self.dataset[:, index] + fnp.moveaxis(noise @ chol.T, -1, 0)
