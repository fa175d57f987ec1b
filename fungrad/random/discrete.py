"""Discrete samplers by inversion of their CDFs: poisson, binomial, multinomial, geometric.

Each sample is the smallest k whose CDF reaches a uniform variate, found by bisection on k
with the CDF written through an incomplete gamma or beta function: exact up to the rounding
of those functions (relative error near 1e-14) for any rate or number of trials, at a cost
of ``log2(range)`` CDF evaluations per sample. The counts are not differentiable; their
parameters (except geometric's ``p``) must be concrete.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fungrad.errors import ShapeError
from fungrad.lax import special_math
from fungrad.random import _concrete_array, _float_dtype, _open_unit, _operand, _sample
from fungrad.random.gamma_family import _param_shape
from fungrad.random.keys import Shape, shape_tuple

__all__ = ["poisson", "binomial", "multinomial", "geometric"]

DTypeLike = Any
_EPS = 2.0 ** -54
_MAX_STEPS = 100000


def _int_dtype(fn: str, dtype) -> np.dtype:
    dt = np.dtype(np.int64 if dtype is None else dtype)
    if dt.kind not in "iu":
        raise TypeError(f"{fn}: dtype must be an integer dtype, got {dt}.")
    return dt


def _poisson_quantile(lam: np.ndarray, u: np.ndarray) -> np.ndarray:
    """The smallest k with ``P(X <= k) = Q(k + 1, lam) >= u``, by bisection on k."""
    lo = np.zeros(u.shape)  # P(X <= lo - 1) < u always holds for lo = 0
    hi = np.ceil(lam + 40.0 * np.sqrt(lam) + 40.0)  # P(X > hi) is far below 2**-53
    positive = lam > 0
    while np.any(hi > lo):
        mid = np.floor(0.5 * (lo + hi))
        cdf = special_math.igammac(mid + 1.0, np.where(positive, lam, 1.0))
        below = positive & (cdf < u)
        lo, hi = np.where(below, mid + 1.0, lo), np.where(below, hi, mid)
        hi = np.where(positive, hi, 0.0)
    return lo


def poisson(key: np.ndarray, lam: Any, shape: Shape | None = None,
            dtype: DTypeLike = None) -> np.ndarray:
    """Poisson samples with rate `lam`, by inverting the CDF ``Q(k + 1, lam)``.

    Exact up to the rounding of the CDF (relative error near 1e-15), for any rate.

    Args:
      key: a PRNG key.
      lam: the rate, non-negative, scalar or array; concrete.
      shape: the result's shape; defaults to `lam`'s shape, which must broadcast to it.
      dtype: an integer dtype (default int64).

    Returns:
      An array of `shape` and `dtype`.

    Example:
        >>> from fungrad import random
        >>> key = random.key(0)
        >>> x = random.poisson(key, 3.0, (10000,))
        >>> bool(abs(x.mean() - 3) < 0.1), bool(abs(x.var() - 3) < 0.2)
        (True, True)
    """
    fn, dt = "poisson", _int_dtype("poisson", dtype)
    like = (lam,)
    lam = _concrete_array(fn, "lam", lam, np.float64)
    if np.any(~(lam >= 0)) or np.any(np.isinf(lam)):
        raise ValueError(f"{fn}: lam must be finite and non-negative, got {lam!r:.80}.")
    shape = _param_shape(fn, shape, lam=lam)
    lam_full = np.broadcast_to(lam, shape)

    def draw(k):
        with np.errstate(all="ignore"):
            return _poisson_quantile(lam_full, _open_unit(k, shape)).astype(dt)

    return _sample(fn, key, draw, like=like)


def geometric(key: np.ndarray, p: Any, shape: Shape | None = None,
              dtype: DTypeLike = None) -> np.ndarray:
    """Geometric samples: the number of Bernoulli(p) trials up to the first success (>= 1).

    Args:
      key: a PRNG key.
      p: the success probability, in (0, 1]; may be traced (the result has no derivative).
      shape: the result's shape; defaults to `p`'s shape.
      dtype: an integer dtype (default int64).

    Returns:
      An array of `shape` and `dtype`.

    Example:
        >>> from fungrad import random
        >>> key = random.key(0)
        >>> x = random.geometric(key, 0.25, (10000,))
        >>> int(x.min()), bool(abs(x.mean() - 4) < 0.2)
        (1, True)
    """
    fn, p, dt = "geometric", _operand(p, "geometric", "p"), _int_dtype("geometric", dtype)
    shape = _param_shape(fn, shape, p=p)

    def finish(xp, log_u, p):
        trials = xp.floor(log_u / xp.log1p(-p)) + 1.0
        return xp.asarray(xp.where(p >= 1.0, 1.0, trials), dtype=dt)

    return _sample(fn, key, lambda k: np.log(_open_unit(k, shape)), finish, p)


# --- The regularized incomplete beta function --------------------------------------------


def _betainc_fraction(a, b, x):
    """``I_x(a, b)`` for ``x < (a + 1) / (a + b + 2)``, by the modified Lentz method on the
    continued fraction ``1 / (1 + d_1 / (1 + d_2 / (1 + ...)))`` with
    ``d_2m = m (b - m) x / ((a + 2m - 1)(a + 2m))`` and
    ``d_2m+1 = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1))``."""
    tiny = 1e-300
    guard = lambda v: np.where(np.abs(v) < tiny, tiny, v)
    c, d = np.ones_like(x), 1.0 / guard(1.0 - (a + b) * x / (a + 1.0))
    h = d.copy()
    active = np.arange(x.size)
    for m in range(1, _MAX_STEPS):
        aa, bb, xx = a[active], b[active], x[active]
        cc, dd = c[active], d[active]
        even = m * (bb - m) * xx / ((aa + 2 * m - 1.0) * (aa + 2 * m))
        dd = 1.0 / guard(1.0 + even * dd)
        cc = guard(1.0 + even / cc)
        step = dd * cc
        odd = -(aa + m) * (aa + bb + m) * xx / ((aa + 2 * m) * (aa + 2 * m + 1.0))
        dd = 1.0 / guard(1.0 + odd * dd)
        cc = guard(1.0 + odd / cc)
        step2 = dd * cc
        h[active] *= step * step2
        c[active], d[active] = cc, dd
        active = active[np.abs(step2 - 1.0) > _EPS]
        if active.size == 0:
            break
    log_front = (a * np.log(x) + b * np.log1p(-x) - special_math.lgamma(a)
                 - special_math.lgamma(b) + special_math.lgamma(a + b))
    return np.exp(log_front) * h / a


def _betainc(a, b, x):
    """The regularized incomplete beta function ``I_x(a, b)``, a, b > 0, 0 <= x <= 1."""
    a, b, x = (np.array(v, dtype=np.float64).ravel() for v in np.broadcast_arrays(a, b, x))
    out = np.where(x <= 0, 0.0, 1.0)
    inside = (x > 0) & (x < 1)
    direct = inside & (x < (a + 1.0) / (a + b + 2.0))
    flipped = inside & ~direct  # I_x(a, b) = 1 - I_(1-x)(b, a) converges there
    out[direct] = _betainc_fraction(a[direct], b[direct], x[direct])
    out[flipped] = 1.0 - _betainc_fraction(b[flipped], a[flipped], 1.0 - x[flipped])
    return out


def _binomial_quantile(n: np.ndarray, p: np.ndarray, u: np.ndarray) -> np.ndarray:
    """The smallest k with ``P(X <= k) = I_(1-p)(n - k, k + 1) >= u``, by bisection."""
    lo, hi = np.zeros(u.shape), n.astype(np.float64)
    while np.any(hi > lo):
        mid = np.floor(0.5 * (lo + hi))
        active = hi > lo
        cdf = np.ones(u.shape)
        nn, pp, kk = n[active], p[active], mid[active]
        cdf[active] = _betainc(np.maximum(nn - kk, 1e-300), kk + 1.0, 1.0 - pp)
        below = active & (cdf < u)
        lo, hi = np.where(below, mid + 1.0, lo), np.where(active & ~below, mid, hi)
    return lo


def _trials(fn: str, n) -> np.ndarray:
    n = _concrete_array(fn, "n", n, np.float64)
    if np.any(~(n >= 0)) or np.any(n != np.floor(n)) or np.any(np.isinf(n)):
        raise ValueError(f"{fn}: n must hold non-negative whole numbers, got {n!r:.80}.")
    return n


def _probability(fn: str, p) -> np.ndarray:
    p = _concrete_array(fn, "p", p, np.float64)
    if np.any(~((p >= 0) & (p <= 1))):
        raise ValueError(f"{fn}: p must lie in [0, 1], got {p!r:.80}.")
    return p


def binomial(key: np.ndarray, n: Any, p: Any, shape: Shape | None = None,
             dtype: DTypeLike = None) -> np.ndarray:
    """Binomial samples: successes in `n` trials of probability `p`, by CDF inversion.

    Args:
      key: a PRNG key.
      n: the number of trials, non-negative whole numbers; concrete.
      p: the success probability, in [0, 1]; concrete.
      shape: the result's shape; defaults to the broadcast shape of `n` and `p`.
      dtype: a floating dtype for the counts (default float64, as in JAX).

    Returns:
      An array of `shape` and `dtype` holding whole numbers in ``[0, n]``.

    Example:
        >>> from fungrad import random
        >>> key = random.key(0)
        >>> x = random.binomial(key, 10, 0.5, (10000,))
        >>> bool(x.min() >= 0), bool(x.max() <= 10), bool(abs(x.mean() - 5) < 0.1)
        (True, True, True)
    """
    fn, dtype = "binomial", _float_dtype("binomial", np.float64 if dtype is None else dtype)
    like = (n, p)
    n, p = _trials(fn, n), _probability(fn, p)
    shape = _param_shape(fn, shape, n=n, p=p)
    n_full, p_full = np.broadcast_to(n, shape).ravel(), np.broadcast_to(p, shape).ravel()

    def draw(k):
        u = _open_unit(k, shape).ravel()
        with np.errstate(all="ignore"):
            return _binomial_quantile(n_full, p_full, u).reshape(shape).astype(dtype)

    return _sample(fn, key, draw, like=like)


def multinomial(key: np.ndarray, n: Any, p: Any, *, shape: Shape | None = None,
                dtype: DTypeLike = None, unroll: int | bool = 1) -> np.ndarray:
    """Multinomial counts of `n` trials over the categories on `p`'s last axis.

    Drawn as a chain of binomials: category i gets ``Binomial(remaining, p_i / sum_(j>=i)
    p_j)``, so `p` need not be normalised.

    Args:
      key: a PRNG key.
      n: the number of trials, broadcastable to the batch shape; concrete.
      p: non-negative category weights, shape ``(..., k)``; concrete.
      shape: the full result shape ``(*batch, k)`` (as JAX 0.10.2 treats it); defaults to
        `p`'s shape.
      dtype: a floating dtype for the counts (default float64, as in JAX).
      unroll: accepted for JAX compatibility; the chain is a NumPy loop.

    Returns:
      An array of `shape` whose last axis sums to `n`.

    Example:
        >>> import numpy as np
        >>> from fungrad import random
        >>> key = random.key(0)
        >>> counts = random.multinomial(key, 100, np.array([0.2, 0.3, 0.5]))
        >>> int(counts.sum())
        100
    """
    del unroll  # a JAX scan option
    fn, dtype = "multinomial", _float_dtype("multinomial", np.float64 if dtype is None else dtype)
    like = (n, p)
    n = _trials(fn, n)
    p = _concrete_array(fn, "p", p, np.float64)
    if p.ndim == 0 or np.any(~(p >= 0)) or np.any(np.isinf(p)):
        raise ValueError(f"{fn}: p must be finite, non-negative weights on its last axis, got "
                         f"{p!r:.80}.")
    shape = tuple(p.shape) if shape is None else shape_tuple(fn, shape)
    if not shape or shape[-1] != p.shape[-1]:
        raise ShapeError(f"{fn}: shape {shape} must end with the number of categories "
                         f"{p.shape[-1]} (p's last axis).")
    try:
        n_full, p_full = np.broadcast_to(n, shape[:-1]), np.broadcast_to(p, shape)
    except ValueError:
        raise ShapeError(f"{fn}: n of shape {n.shape} and p of shape {p.shape} do not "
                         f"broadcast to shape {shape}.") from None
    remaining = np.cumsum(p_full[..., ::-1], axis=-1)[..., ::-1]
    ratios = np.clip(p_full / np.where(remaining == 0, 1.0, remaining), 0.0, 1.0)

    def draw(k):
        u = _open_unit(k, shape)
        counts, left = np.empty(shape), n_full.astype(np.float64).ravel()
        with np.errstate(all="ignore"):
            for i in range(shape[-1]):
                c = _binomial_quantile(left, ratios[..., i].ravel(), u[..., i].ravel())
                counts[..., i], left = c.reshape(shape[:-1]), left - c
        return counts.astype(dtype)

    return _sample(fn, key, draw, like=like)
