"""Samplers built from uniform and normal noise by a closed form or an inverse CDF: laplace,
logistic, cauchy, lognormal, multivariate_normal, orthogonal, rademacher, ball,
generalized_normal, pareto, weibull_min, rayleigh, maxwell, double_sided_maxwell,
triangular and wald.

Parameters documented as "may be traced" are applied after the noise is drawn, so the
samples are differentiable in them (the reparameterisation).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from fungrad import numpy as fnp
from fungrad.core import shape_of
from fungrad.errors import ShapeError
from fungrad.lax import special_math
from fungrad.random import (
    _box_muller,
    _concrete_array,
    _float_dtype,
    _open_unit,
    _operand,
    _sample,
)
from fungrad.random.gamma_family import _log_igamma_inv_kernel, _param_shape
from fungrad.random.keys import Shape, concrete_int, sample_words, shape_tuple

__all__ = [
    "laplace", "logistic", "cauchy", "lognormal", "multivariate_normal", "orthogonal",
    "rademacher", "ball", "generalized_normal", "pareto",
    "weibull_min", "rayleigh", "maxwell", "double_sided_maxwell", "triangular", "wald",
]

DTypeLike = Any


def _dtype(fn: str, dtype) -> np.dtype:
    return _float_dtype(fn, np.float64 if dtype is None else dtype)


def _normals(k: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    return _box_muller(k, math.prod(shape)).reshape(shape)


def _noise_only(fn: str, key, shape, dtype, transform):
    """Samples ``transform(u)`` of open-unit noise, for samplers without parameters."""
    shape, dtype = shape_tuple(fn, shape), _dtype(fn, dtype)
    return _sample(fn, key, lambda k: transform(_open_unit(k, shape)).astype(dtype))


# --- Location-scale families without parameters --------------------------------------------


def laplace(key: np.ndarray, shape: Shape = (), dtype: DTypeLike = None) -> np.ndarray:
    """Standard Laplace samples (density ``exp(-|x|) / 2``), by inverting the CDF.

    Args:
      key: a PRNG key.
      shape: the result's shape.
      dtype: a floating dtype (default float64).

    Returns:
      An array of `shape` and `dtype`.

    Example:
        >>> from fungrad import random
        >>> key = random.key(0)
        >>> x = random.laplace(key, (10000,))
        >>> bool(abs(x.mean()) < 0.05), bool(abs(x.var() - 2) < 0.15)
        (True, True)
    """
    def transform(u):
        centred = u - 0.5  # never 0: u is an odd multiple of 2**-53
        return -np.sign(centred) * np.log1p(-2.0 * np.abs(centred))

    return _noise_only("laplace", key, shape, dtype, transform)


def logistic(key: np.ndarray, shape: Shape = (), dtype: DTypeLike = None) -> np.ndarray:
    """Standard logistic samples, ``log(u / (1 - u))``.

    Args:
      key: a PRNG key.
      shape: the result's shape.
      dtype: a floating dtype (default float64).

    Returns:
      An array of `shape` and `dtype`.

    Example:
        >>> import numpy as np
        >>> from fungrad import random
        >>> key = random.key(0)
        >>> x = random.logistic(key, (10000,))
        >>> bool(abs(x.var() - np.pi ** 2 / 3) < 0.2)
        True
    """
    return _noise_only("logistic", key, shape, dtype, lambda u: np.log(u) - np.log1p(-u))


def cauchy(key: np.ndarray, shape: Shape = (), dtype: DTypeLike = None) -> np.ndarray:
    """Standard Cauchy samples, ``tan(pi (u - 1/2))``.

    Args:
      key: a PRNG key.
      shape: the result's shape.
      dtype: a floating dtype (default float64).

    Returns:
      An array of `shape` and `dtype`.

    Example:
        >>> import numpy as np
        >>> from fungrad import random
        >>> key = random.key(0)
        >>> x = random.cauchy(key, (10000,))
        >>> bool(abs(np.median(x)) < 0.05)
        True
    """
    return _noise_only("cauchy", key, shape, dtype, lambda u: np.tan(np.pi * (u - 0.5)))


def maxwell(key: np.ndarray, shape: Shape = (), dtype: DTypeLike = None) -> np.ndarray:
    """Maxwell samples: the length of a standard normal 3-vector.

    Args:
      key: a PRNG key.
      shape: the result's shape.
      dtype: a floating dtype (default float64).

    Returns:
      An array of `shape` and `dtype`, positive.

    Example:
        >>> import numpy as np
        >>> from fungrad import random
        >>> key = random.key(0)
        >>> x = random.maxwell(key, (10000,))
        >>> bool(x.min() > 0), bool(abs(x.mean() - 2 * np.sqrt(2 / np.pi)) < 0.05)
        (True, True)
    """
    fn, shape, dtype = "maxwell", shape_tuple("maxwell", shape), _dtype("maxwell", dtype)
    draw = lambda k: np.linalg.norm(_normals(k, (*shape, 3)), axis=-1).astype(dtype)
    return _sample(fn, key, draw)


def double_sided_maxwell(key: np.ndarray, loc: Any, scale: Any, shape: Shape = (),
                         dtype: DTypeLike = None) -> np.ndarray:
    """``loc + scale * S * M`` for a random sign S and a Maxwell sample M.

    Args:
      key: a PRNG key.
      loc: the centre; may be traced.
      scale: the scale, positive; may be traced.
      shape: the result's shape; the parameters broadcast to it.
      dtype: a floating dtype (default float64).

    Returns:
      An array of `shape` and `dtype`.

    Example:
        >>> from fungrad import random
        >>> key = random.key(0)
        >>> x = random.double_sided_maxwell(key, 0.0, 1.0, (10000,))
        >>> bool(abs(x.mean()) < 0.1), bool(abs(x.var() - 3) < 0.2)
        (True, True)
    """
    fn, dtype = "double_sided_maxwell", _dtype("double_sided_maxwell", dtype)
    loc = _operand(loc, "double_sided_maxwell", "loc")
    scale = _operand(scale, "double_sided_maxwell", "scale")
    shape = _param_shape(fn, shape, loc=loc, scale=scale)

    def draw(k):
        normals = _normals(k, (*shape, 4))  # three for the length, one for the sign
        return np.where(normals[..., 3] < 0, -1.0, 1.0) * np.linalg.norm(normals[..., :3], axis=-1)

    finish = lambda xp, m, loc, scale: xp.asarray(loc + scale * m, dtype=dtype)
    return _sample(fn, key, draw, finish, loc, scale)


# --- Parameterised continuous families ----------------------------------------------------


def lognormal(key: np.ndarray, sigma: Any = 1.0, shape: Shape | None = None,
              dtype: DTypeLike = None) -> np.ndarray:
    """Log-normal samples, ``exp(sigma * N)``.

    Args:
      key: a PRNG key.
      sigma: the standard deviation of the logarithm; may be traced.
      shape: the result's shape; defaults to `sigma`'s shape.
      dtype: a floating dtype (default float64).

    Returns:
      An array of `shape` and `dtype`, positive.

    Example:
        >>> import numpy as np
        >>> from fungrad import random
        >>> key = random.key(0)
        >>> x = random.lognormal(key, 0.5, (10000,))
        >>> bool(x.min() > 0), bool(abs(np.log(x).std() - 0.5) < 0.02)
        (True, True)
    """
    fn = "lognormal"
    sigma = _operand(sigma, "lognormal", "sigma")
    dtype = _dtype("lognormal", dtype)
    shape = _param_shape(fn, shape, sigma=sigma)
    finish = lambda xp, z, sigma: xp.asarray(xp.exp(sigma * z), dtype=dtype)
    return _sample(fn, key, lambda k: _normals(k, shape), finish, sigma)


def pareto(key: np.ndarray, b: Any, shape: Shape | None = None,
           dtype: DTypeLike = None) -> np.ndarray:
    """Pareto samples with shape `b` and scale 1 (density ``b / x^(b+1)`` for x >= 1).

    Args:
      key: a PRNG key.
      b: the shape parameter, positive; may be traced.
      shape: the result's shape; defaults to `b`'s shape.
      dtype: a floating dtype (default float64).

    Returns:
      An array of `shape` and `dtype`, at least 1.

    Example:
        >>> from fungrad import random
        >>> key = random.key(0)
        >>> x = random.pareto(key, 3.0, (10000,))
        >>> bool(x.min() >= 1), bool(abs(x.mean() - 1.5) < 0.05)
        (True, True)
    """
    fn, b, dtype = "pareto", _operand(b, "pareto", "b"), _dtype("pareto", dtype)
    shape = _param_shape(fn, shape, b=b)
    finish = lambda xp, e, b: xp.asarray(xp.exp(e / b), dtype=dtype)
    return _sample(fn, key, lambda k: -np.log(_open_unit(k, shape)), finish, b)


def weibull_min(key: np.ndarray, scale: Any, concentration: Any, shape: Shape = (),
                dtype: DTypeLike = None) -> np.ndarray:
    """Weibull samples, ``scale * E^(1/concentration)`` for standard exponential E.

    Args:
      key: a PRNG key.
      scale: the scale, positive; may be traced.
      concentration: the shape parameter, positive; may be traced.
      shape: the result's shape; the parameters broadcast to it.
      dtype: a floating dtype (default float64).

    Returns:
      An array of `shape` and `dtype`, positive.

    Example:
        >>> from fungrad import random
        >>> key = random.key(0)
        >>> x = random.weibull_min(key, 1.0, 1.0, (10000,))
        >>> bool(abs(x.mean() - 1) < 0.05)
        True
    """
    fn, dtype = "weibull_min", _dtype("weibull_min", dtype)
    scale = _operand(scale, "weibull_min", "scale")
    concentration = _operand(concentration, "weibull_min", "concentration")
    shape = _param_shape(fn, shape, scale=scale, concentration=concentration)

    def finish(xp, e, scale, c):
        return xp.asarray(scale * xp.exp(xp.log(e) / c), dtype=dtype)

    return _sample(fn, key, lambda k: -np.log(_open_unit(k, shape)), finish, scale, concentration)


def rayleigh(key: np.ndarray, scale: Any, shape: Shape | None = None,
             dtype: DTypeLike = None) -> np.ndarray:
    """Rayleigh samples, ``scale * sqrt(2 E)`` for standard exponential E.

    Args:
      key: a PRNG key.
      scale: the scale, positive; may be traced.
      shape: the result's shape; defaults to `scale`'s shape.
      dtype: a floating dtype (default float64).

    Returns:
      An array of `shape` and `dtype`, positive.

    Example:
        >>> import numpy as np
        >>> from fungrad import random
        >>> key = random.key(0)
        >>> x = random.rayleigh(key, 2.0, (10000,))
        >>> bool(abs(x.mean() - 2 * np.sqrt(np.pi / 2)) < 0.05)
        True
    """
    fn, scale, dtype = "rayleigh", _operand(scale, "rayleigh", "scale"), _dtype("rayleigh", dtype)
    shape = _param_shape(fn, shape, scale=scale)
    draw = lambda k: np.sqrt(-2.0 * np.log(_open_unit(k, shape)))
    return _sample(fn, key, draw, lambda xp, r, scale: xp.asarray(scale * r, dtype=dtype), scale)


def triangular(key: np.ndarray, left: Any, mode: Any, right: Any, shape: Shape | None = None,
               dtype: DTypeLike = None) -> np.ndarray:
    """Triangular samples on ``[left, right]`` peaking at `mode`, by inverting the CDF.

    Args:
      key: a PRNG key.
      left: the lower limit; may be traced.
      mode: the peak, ``left <= mode <= right``; may be traced.
      right: the upper limit; may be traced.
      shape: the result's shape; defaults to the parameters' broadcast shape.
      dtype: a floating dtype (default float64).

    Returns:
      An array of `shape` and `dtype`.

    Example:
        >>> from fungrad import random
        >>> key = random.key(0)
        >>> x = random.triangular(key, 0.0, 1.0, 4.0, (10000,))
        >>> bool(x.min() >= 0), bool(x.max() <= 4), bool(abs(x.mean() - 5 / 3) < 0.05)
        (True, True, True)
    """
    fn, dtype = "triangular", _dtype("triangular", dtype)
    left = _operand(left, "triangular", "left")
    mode = _operand(mode, "triangular", "mode")
    right = _operand(right, "triangular", "right")
    shape = _param_shape(fn, shape, left=left, mode=mode, right=right)

    def finish(xp, u, left, mode, right):
        width = right - left
        cut = (mode - left) / width
        rising = left + xp.sqrt(u * width * (mode - left))
        falling = right - xp.sqrt((1.0 - u) * width * (right - mode))
        return xp.asarray(xp.where(u < cut, rising, falling), dtype=dtype)

    return _sample(fn, key, lambda k: _open_unit(k, shape), finish, left, mode, right)


def wald(key: np.ndarray, mean: Any, shape: Shape | None = None,
         dtype: DTypeLike = None) -> np.ndarray:
    """Wald (inverse Gaussian) samples with the given `mean` and shape 1.

    Uses the transformation of Michael, Schucany and Haas (1976): one normal and one
    uniform per sample.

    Args:
      key: a PRNG key.
      mean: the mean, positive; may be traced.
      shape: the result's shape; defaults to `mean`'s shape.
      dtype: a floating dtype (default float64).

    Returns:
      An array of `shape` and `dtype`, positive.

    Example:
        >>> from fungrad import random
        >>> key = random.key(0)
        >>> x = random.wald(key, 2.0, (10000,))
        >>> bool(x.min() > 0), bool(abs(x.mean() - 2) < 0.1)
        (True, True)
    """
    fn, mean, dtype = "wald", _operand(mean, "wald", "mean"), _dtype("wald", dtype)
    shape = _param_shape(fn, shape, mean=mean)

    def draw(k):
        noise = _box_muller(k, 2 * math.prod(shape)).reshape(2, *shape)
        return np.stack([noise[0] ** 2, 0.5 * (1.0 + special_math.erf(noise[1] / math.sqrt(2)))])

    def finish(xp, noise, mu):
        y, u = noise[0], noise[1]
        my = mu * y
        # mu + mu^2 y / 2 - mu/2 sqrt(4 mu y + (mu y)^2), written without cancellation
        x = mu / (1.0 + 0.5 * my + 0.5 * xp.sqrt(my * (4.0 + my)))
        return xp.asarray(xp.where(u <= mu / (mu + x), x, mu * mu / x), dtype=dtype)

    return _sample(fn, key, draw, finish, mean)


# --- Multivariate samplers -----------------------------------------------------------------


def _mvn_factor(cov, method: str):
    """A matrix F with ``F F^T = cov`` by `method`."""
    if method == "cholesky":
        return fnp.linalg.cholesky(cov)
    if method == "eigh":
        w, v = fnp.linalg.eigh(cov)
        return v * fnp.sqrt(fnp.maximum(w, 0.0))[..., None, :]
    u, s, _ = fnp.linalg.svd(cov)
    return u * fnp.sqrt(s)[..., None, :]


def multivariate_normal(key: np.ndarray, mean: Any, cov: Any,  # noqa: PLR0917 (JAX's order)
                        shape: Shape | None = None, dtype: DTypeLike = None,
                        method: str = "cholesky") -> np.ndarray:
    """Multivariate normal samples, ``mean + F z`` with ``F F^T = cov``.

    Args:
      key: a PRNG key.
      mean: the mean, shape ``(..., n)``; may be traced.
      cov: the covariance, shape ``(..., n, n)``, symmetric positive (semi-)definite; may be
        traced.
      shape: the batch shape; defaults to the broadcast of ``mean.shape[:-1]`` and
        ``cov.shape[:-2]``, which must broadcast to it.
      dtype: a floating dtype (default float64).
      method: how to factor `cov`: ``"cholesky"`` (positive definite), ``"eigh"`` or
        ``"svd"`` (both allow singular covariances).

    Returns:
      An array of shape ``(*shape, n)``.

    Example:
        >>> import numpy as np
        >>> from fungrad import random
        >>> key = random.key(0)
        >>> cov = np.array([[1.0, 0.8], [0.8, 1.0]])
        >>> x = random.multivariate_normal(key, np.zeros(2), cov, (10000,))
        >>> x.shape, bool(np.allclose(np.cov(x.T), cov, atol=0.05))
        ((10000, 2), True)
    """
    fn, dtype = "multivariate_normal", _dtype("multivariate_normal", dtype)
    if method not in ("cholesky", "eigh", "svd"):
        raise ValueError(f"{fn}: method must be 'cholesky', 'eigh' or 'svd', got {method!r}.")
    mean = _operand(mean, "multivariate_normal", "mean")
    cov = _operand(cov, "multivariate_normal", "cov")
    mshape, cshape = tuple(shape_of(mean)), tuple(shape_of(cov))
    if len(mshape) < 1 or len(cshape) < 2 or cshape[-2:] != (mshape[-1],) * 2:
        raise ShapeError(
            f"{fn}: mean must have shape (..., n) and cov (..., n, n); got mean {mshape} and "
            f"cov {cshape}."
        )
    n = mshape[-1]
    batch = _param_shape(fn, shape, **{"mean (without its last axis)": np.empty(mshape[:-1]),
                                        "cov (without its last two axes)": np.empty(cshape[:-2])})

    def finish(xp, z, mean, cov):
        factor = _mvn_factor(cov, method)
        return fnp.asarray(mean + fnp.einsum("...ij,...j->...i", factor, z), dtype=dtype)

    return _sample(fn, key, lambda k: _normals(k, (*batch, n)), finish, mean, cov)


def orthogonal(key: np.ndarray, n: int, shape: Shape = (), dtype: DTypeLike = None,
               m: int | None = None) -> np.ndarray:
    """Uniformly (Haar) distributed orthogonal matrices, or semi-orthogonal ``n x m`` ones.

    The Q factor of a Gaussian matrix, with the signs of R's diagonal divided out.

    Args:
      key: a PRNG key.
      n: the number of rows.
      shape: the batch shape.
      dtype: a floating dtype (default float64).
      m: the number of columns (default `n`); orthonormal columns if ``m <= n``, rows if not.

    Returns:
      An array of shape ``(*shape, n, m)``.

    Example:
        >>> import numpy as np
        >>> from fungrad import random
        >>> key = random.key(0)
        >>> q = random.orthogonal(key, 3)
        >>> bool(np.allclose(q @ q.T, np.eye(3)))
        True
    """
    fn, shape, dtype = "orthogonal", shape_tuple("orthogonal", shape), _dtype("orthogonal", dtype)
    n = concrete_int(fn, "n", n)
    m = n if m is None else concrete_int(fn, "m", m)
    tall, short = max(n, m), min(n, m)

    def draw(k):
        q, r = np.linalg.qr(_normals(k, (*shape, tall, short)))
        signs = np.sign(np.diagonal(r, axis1=-2, axis2=-1))
        q = q * np.where(signs == 0, 1.0, signs)[..., None, :]
        return (q if n >= m else np.swapaxes(q, -1, -2)).astype(dtype)

    return _sample(fn, key, draw)


def rademacher(key: np.ndarray, shape: Shape = (), dtype: DTypeLike = None) -> np.ndarray:
    """Random signs: -1 or +1 with equal probability.

    Args:
      key: a PRNG key.
      shape: the result's shape.
      dtype: the result's dtype (default int64).

    Returns:
      An array of `shape` and `dtype`.

    Example:
        >>> from fungrad import random
        >>> key = random.key(0)
        >>> sorted(set(random.rademacher(key, (100,)).tolist()))
        [-1, 1]
    """
    fn, shape = "rademacher", shape_tuple("rademacher", shape)
    dt = np.dtype(np.int64 if dtype is None else dtype)
    draw = lambda k: (2 * (sample_words(k, shape) >> np.uint64(63)).astype(np.int64) - 1)
    return _sample(fn, key, lambda k: draw(k).astype(dt))


def _generalized_normal(noise: np.ndarray, p: float) -> np.ndarray:
    """Samples of density ``exp(-|x|^p) / (2 Gamma(1 + 1/p))`` from open-unit noise of shape
    ``(..., 2)``: a random sign times gamma(1/p)^(1/p)."""
    log_g = _log_igamma_inv_kernel(np.full(noise.shape[:-1], 1.0 / p), noise[..., 0])
    return np.where(noise[..., 1] < 0.5, -1.0, 1.0) * np.exp(log_g / p)


def _positive_float(fn: str, name: str, value) -> float:
    v = float(_concrete_array(fn, name, value))
    if not v > 0:
        raise ValueError(f"{fn}: {name} must be a positive number, got {v}.")
    return v


def generalized_normal(key: np.ndarray, p: float, shape: Shape = (),
                       dtype: DTypeLike = None) -> np.ndarray:
    """Generalized normal samples, density proportional to ``exp(-|x|^p)``.

    Args:
      key: a PRNG key.
      p: the exponent, positive (2 gives normal / sqrt(2), 1 the Laplace distribution).
      shape: the result's shape.
      dtype: a floating dtype (default float64).

    Returns:
      An array of `shape` and `dtype`.

    Example:
        >>> from fungrad import random
        >>> key = random.key(0)
        >>> x = random.generalized_normal(key, 2.0, (10000,))
        >>> bool(abs(x.var() - 0.5) < 0.05)
        True
    """
    fn, shape = "generalized_normal", shape_tuple("generalized_normal", shape)
    dtype, p = _dtype(fn, dtype), _positive_float(fn, "p", p)
    draw = lambda k: _generalized_normal(_open_unit(k, (*shape, 2)), p).astype(dtype)
    return _sample(fn, key, draw)


def ball(key: np.ndarray, d: int, p: float = 2, shape: Shape = (),
         dtype: DTypeLike = None) -> np.ndarray:
    """Points uniformly distributed in the unit ``p``-norm ball of dimension `d`.

    ``g / (sum |g|^p + E)^(1/p)`` for generalized-normal ``g`` and standard exponential E
    (Barthe, Guedon, Mendelson and Naor, 2005).

    Args:
      key: a PRNG key.
      d: the dimension.
      p: the norm's exponent, positive.
      shape: the batch shape.
      dtype: a floating dtype (default float64).

    Returns:
      An array of shape ``(*shape, d)``.

    Example:
        >>> import numpy as np
        >>> from fungrad import random
        >>> key = random.key(0)
        >>> x = random.ball(key, 3, shape=(1000,))
        >>> x.shape, bool((np.linalg.norm(x, axis=-1) <= 1).all())
        ((1000, 3), True)
    """
    fn, shape, dtype = "ball", shape_tuple("ball", shape), _dtype("ball", dtype)
    d, p = concrete_int(fn, "d", d), _positive_float(fn, "p", p)

    def draw(k):
        noise = _open_unit(k, (*shape, 2 * d + 1))
        g = _generalized_normal(noise[..., : 2 * d].reshape(*shape, d, 2), p)
        total = np.sum(np.abs(g) ** p, axis=-1) - np.log(noise[..., 2 * d])
        return (g / total[..., None] ** (1.0 / p)).astype(dtype)

    return _sample(fn, key, draw)
