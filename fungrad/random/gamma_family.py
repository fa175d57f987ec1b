"""The gamma family of samplers: ``gamma``, ``loggamma``, ``beta``, ``dirichlet``,
``chisquare``, ``t`` and ``f``, all differentiable in their shape parameters.

Gamma samples are drawn by inversion: ``z = P^-1(a, u)`` for uniform noise ``u``, where
``P(a, .)`` is the regularized lower incomplete gamma function (``lax.igamma``). So a sample
is a smooth function of ``a`` for fixed noise, and its derivative is the implicit
(reparameterised) gradient that JAX's ``random_gamma_grad`` computes:

    dz/da = -(dP/da)(a, z) / (dP/dz)(a, z)

The inversion is the primitive ``log_igamma_inv`` (it returns ``log z``, so shapes
``a << 1``, whose samples underflow, still give finite log-samples, and ``beta`` and
``dirichlet`` normalise in log space). Newton steps on ``log z`` from a Wilson-Hilferty or
small-``z`` first guess, kept inside a bracket, solve ``P(a, z) = u`` below the median and
``Q(a, z) = 1 - u`` above it, so both tails keep their digits.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from fungrad import dtypes
from fungrad import numpy as fnp
from fungrad.array_module import on_host
from fungrad.core import Primitive, ShapedArray, Tracer, check_same_shapes, shape_of
from fungrad.errors import ShapeError
from fungrad.interpreters.batching import defbroadcasting
from fungrad.interpreters.jvp import defjvp
from fungrad.lax import special_math
from fungrad.lax.special import digamma, erf_inv, igamma_grad_a, lgamma
from fungrad.random import _check_broadcast, _float_dtype, _open_unit, _operand, _sample
from fungrad.random.keys import Shape, shape_tuple

__all__ = ["gamma", "loggamma", "beta", "dirichlet", "chisquare", "t", "f"]

DTypeLike = Any
_NEWTON_STEPS = 100
_TOL = 1e-13  # on the step in log z: Newton's next error is about its square

# --- The inverse of P(a, .) in log space ---------------------------------------------------


def _first_guess(a: np.ndarray, u: np.ndarray) -> np.ndarray:
    """``log z`` near the root: the small-z power law for a < 1, Wilson-Hilferty above."""
    guess = np.empty_like(a)
    small = a < 1.0
    aa, uu = a[small], u[small]
    c = 1.0 - aa * (0.253 + 0.12 * aa)  # P(a, 1) roughly: where the power law stops
    power = np.log(uu / c) / aa
    exp_tail = np.log1p(-np.log((1.0 - uu) / (1.0 - c)))
    guess[small] = np.where(uu < c, power, exp_tail)
    aa, uu = a[~small], u[~small]
    normal = math.sqrt(2.0) * special_math.erf_inv(2.0 * uu - 1.0)
    base = 1.0 - 1.0 / (9.0 * aa) + normal / (3.0 * np.sqrt(aa))
    power = (np.log(uu) + special_math.lgamma(aa + 1.0)) / aa
    # P(a, z) <= z^a / Gamma(a + 1), so the power law's root is a lower bound on the root.
    wilson_hilferty = np.log(aa) + 3.0 * np.log(np.maximum(base, 1e-3))
    guess[~small] = np.maximum(wilson_hilferty, power)
    return guess


def _residual(a, t, u):
    """``P(a, e^t) - u`` (below the median) or ``(1 - u) - Q(a, e^t)``: increasing in t."""
    z, lower = np.exp(t), u <= 0.5
    r = np.empty_like(a)
    r[lower] = special_math.igamma(a[lower], z[lower]) - u[lower]
    r[~lower] = (1.0 - u[~lower]) - special_math.igammac(a[~lower], z[~lower])
    slope = np.exp(a * t - z - special_math.lgamma(a))  # dP/dt = z * density
    return r, slope


def _log_igamma_inv_kernel(a: np.ndarray, u: np.ndarray) -> np.ndarray:
    """``log P^-1(a, u)`` on float64 arrays; nan outside a > 0, 0 <= u <= 1."""
    with np.errstate(all="ignore"):  # the unused branches of np.where overflow harmlessly
        return _log_igamma_inv_newton(a, u)


def _log_igamma_inv_newton(a, u):
    shape = np.broadcast_shapes(np.shape(a), np.shape(u))
    a, u = (np.array(np.broadcast_to(v, shape), dtype=np.float64).ravel() for v in (a, u))
    out = np.full(a.shape, np.nan)
    ok = (a > 0) & (a < np.inf)
    out[ok & (u == 0)], out[ok & (u == 1)] = -np.inf, np.inf
    inside = ok & (u > 0) & (u < 1)
    # Below z = e^-700, P(a, z) = z^a / Gamma(a + 1) to double precision (the next term is
    # a z / (a + 1)), so the power law is the root there; such z underflow (a << 1).
    with_power_law = np.where(inside, (np.log(u) + special_math.lgamma(a + 1.0)) / a, 0.0)
    tiny = inside & (with_power_law < -700.0)
    out[tiny] = with_power_law[tiny]
    active = np.flatnonzero(inside & ~tiny)
    t = _first_guess(a[active], u[active])
    lo, hi = np.full_like(t, -np.inf), np.full_like(t, np.inf)
    for _ in range(_NEWTON_STEPS):
        if active.size == 0:
            break
        aa, uu = a[active], u[active]
        r, slope = _residual(aa, t, uu)
        lo, hi = np.where(r < 0, np.maximum(lo, t), lo), np.where(r > 0, np.minimum(hi, t), hi)
        new = t - np.clip(r / slope, -1.0, 1.0)  # at most a factor e per step
        # A step that leaves the bracket (or overflows) bisects it, or walks out by e^2. A
        # step below t's ulp lands on the bracket's end: that is convergence, not leaving.
        outside = ~((new >= lo) & (new <= hi))
        bisect = np.where(np.isfinite(lo) & np.isfinite(hi), 0.5 * (lo + hi),
                          np.where(np.isfinite(lo), t + 2.0, t - 2.0))
        new = np.where(outside, bisect, new)
        done = (np.abs(new - t) <= _TOL * np.maximum(1.0, np.abs(t))) | (r == 0)
        out[active[done]] = np.where(r[done] == 0, t[done], new[done])
        keep = ~done
        active, t, lo, hi = active[keep], new[keep], lo[keep], hi[keep]
    out[active] = t  # not converged in the step budget: the best iterate
    return out.reshape(shape)


@on_host  # a NumPy kernel with masked updates: runs on the host copy of device operands
def _impl(a, u):
    dtype = np.result_type(a, u)
    out = _log_igamma_inv_kernel(a, u).astype(dtype)
    return out[()] if out.ndim == 0 else out


def _abstract_eval(a: ShapedArray, u: ShapedArray) -> ShapedArray:
    shape = check_same_shapes("log_igamma_inv", a, u)
    dtype = np.result_type(a.dtype, u.dtype)
    if not dtypes.is_floating(dtype):
        raise TypeError(f"fungrad log_igamma_inv: expected floating-point operands, got {dtype}.")
    return ShapedArray(shape, dtype, a.weak_type and u.weak_type)


log_igamma_inv_p = Primitive("log_igamma_inv")
log_igamma_inv_p.def_impl(_impl)
log_igamma_inv_p.def_abstract_eval(_abstract_eval)
defbroadcasting(log_igamma_inv_p)


def log_igamma_inv(a, u):
    """``log z`` where ``igamma(a, z) = u``: the log of the gamma(a) quantile of `u`.

    Differentiable once in `a` (via ``random_gamma_grad``) and to any order in `u`.
    """
    return log_igamma_inv_p.bind(a, u)


def _log_density_times_z(a, log_z):
    """``log(z * dP/dz) = a log z - z - lgamma(a)``."""
    return a * log_z - fnp.exp(log_z) - lgamma(a)


def random_gamma_grad(a, x):
    """``dx/da`` for a gamma(a) sample `x` with its noise held fixed: ``-(dP/da) / (dP/dx)``.

    Args:
      a: the shape parameter(s), positive floats.
      x: samples of gamma(a), broadcast against `a`.

    Returns:
      The implicit derivative, like JAX's ``lax.random_gamma_grad``.
    """
    a, x = fnp.broadcast_arrays(fnp.asarray(a), fnp.asarray(x))
    return -igamma_grad_a(a, x) * x / fnp.exp(_log_density_times_z(a, fnp.log(x)))


def _log_sample_grad_a(a, log_z):
    """``d(log z)/da = (dz/da) / z``; where z underflows (log z < -700), the derivative of
    the power law ``log z = (log u + lgamma(a + 1)) / a`` that the kernel solved there."""
    tiny = log_z < -700.0
    safe = fnp.where(tiny, fnp.zeros_like(log_z), log_z)  # no 0/0 in the unused branch
    z = fnp.exp(safe)
    return fnp.where(tiny, (digamma(a + 1.0) - log_z) / a, random_gamma_grad(a, z) / z)


# d(log z)/du = 1 / (z * density), evaluated in log space.
defjvp(log_igamma_inv_p,
       lambda t, ans, a, u: t * _log_sample_grad_a(a, ans),
       lambda t, ans, a, u: t / fnp.exp(_log_density_times_z(a, ans)))

# --- Samplers ---------------------------------------------------------------------------


def _param_shape(fn: str, shape, **params) -> tuple[int, ...]:
    """`shape`, or the parameters' broadcast shape; each parameter must broadcast to it."""
    shapes = {name: tuple(shape_of(p)) for name, p in params.items()}
    if shape is None:
        try:
            return np.broadcast_shapes(*shapes.values())
        except ValueError:
            listed = ", ".join(f"{name} {s}" for name, s in shapes.items())
            raise ShapeError(
                f"{fn}: the parameters' shapes ({listed}) do not broadcast together."
            ) from None
    shape = shape_tuple(fn, shape)
    for name, s in shapes.items():
        _check_broadcast(fn, name, s, shape)
    return shape


def _log_gamma_noise(xp, u, a):
    """``log`` of gamma(a) samples from open-unit noise `u` (float64), a broadcast to u."""
    a = xp.broadcast_to(xp.asarray(a, dtype=np.float64), np.shape(u))
    if xp is np:
        return _log_igamma_inv_kernel(a, u)
    return log_igamma_inv(a, u)


def _check_positive(fn: str, name: str, x) -> None:
    if not isinstance(x, Tracer) and np.any(np.asarray(x) <= 0):
        raise ValueError(f"{fn}: {name} must be positive, got {np.asarray(x)!r:.80}.")


def loggamma(key: np.ndarray, a: Any, shape: Shape | None = None,
             dtype: DTypeLike = None) -> np.ndarray:
    """Logarithms of gamma(a) samples, finite even where the samples underflow (a << 1).

    Args:
      key: a PRNG key.
      a: the shape parameter, positive, scalar or array; may be traced and differentiated.
      shape: the result's shape; defaults to `a`'s shape, which must broadcast to it.
      dtype: a floating dtype (default float64).

    Returns:
      An array of `shape` and `dtype`.

    Example:
        >>> import numpy as np
        >>> from fungrad import random
        >>> key = random.key(0)
        >>> x = random.loggamma(key, 0.01, (5,))
        >>> bool(np.isfinite(x).all())
        True
    """
    fn, a = "loggamma", _operand(a)
    dtype = _float_dtype(fn, np.float64 if dtype is None else dtype)
    shape = _param_shape(fn, shape, a=a)
    _check_positive(fn, "a", a)
    finish = lambda xp, u, a: xp.asarray(_log_gamma_noise(xp, u, a), dtype=dtype)
    return _sample(fn, key, lambda k: _open_unit(k, shape), finish, a)


def gamma(key: np.ndarray, a: Any, shape: Shape | None = None,
          dtype: DTypeLike = None) -> np.ndarray:
    """Gamma(a, 1) samples, differentiable in `a` (the implicit reparameterised gradient).

    >>> import fungrad as fg
    >>> k = fg.random.key(0)
    >>> bool(fg.grad(lambda a: gamma(k, a))(2.0) > 0)
    True

    Args:
      key: a PRNG key.
      a: the shape parameter, positive, scalar or array; may be traced and differentiated.
      shape: the result's shape; defaults to `a`'s shape, which must broadcast to it.
      dtype: a floating dtype (default float64).

    Returns:
      An array of `shape` and `dtype`, non-negative (0 only where a sample underflows).
    """
    fn, a = "gamma", _operand(a)
    dtype = _float_dtype(fn, np.float64 if dtype is None else dtype)
    shape = _param_shape(fn, shape, a=a)
    _check_positive(fn, "a", a)
    finish = lambda xp, u, a: xp.asarray(xp.exp(_log_gamma_noise(xp, u, a)), dtype=dtype)
    return _sample(fn, key, lambda k: _open_unit(k, shape), finish, a)


def beta(key: np.ndarray, a: Any, b: Any, shape: Shape | None = None,
         dtype: DTypeLike = None) -> np.ndarray:
    """Beta(a, b) samples, ``X / (X + Y)`` for gamma samples X, Y; differentiable in a, b.

    Args:
      key: a PRNG key.
      a: the first shape parameter, positive; may be traced.
      b: the second shape parameter, positive; may be traced.
      shape: the result's shape; defaults to the broadcast shape of `a` and `b`.
      dtype: a floating dtype (default float64).

    Returns:
      An array of `shape` and `dtype` in [0, 1].

    Example:
        >>> import fungrad as fg
        >>> from fungrad import random
        >>> key = random.key(0)
        >>> x = random.beta(key, 2.0, 3.0, (10000,))
        >>> bool(abs(x.mean() - 0.4) < 0.01)
        True
        >>> fg.grad(lambda a: random.beta(key, a, 3.0))(2.0).shape
        ()
    """
    fn, a, b = "beta", _operand(a), _operand(b)
    dtype = _float_dtype(fn, np.float64 if dtype is None else dtype)
    shape = _param_shape(fn, shape, a=a, b=b)
    _check_positive(fn, "a", a)
    _check_positive(fn, "b", b)

    def finish(xp, u, a, b):
        log_x, log_y = _log_gamma_noise(xp, u[0], a), _log_gamma_noise(xp, u[1], b)
        # X / (X + Y) in log space: no underflow of X and Y themselves, no overflow
        return xp.asarray(xp.exp(log_x - xp.logaddexp(log_x, log_y)), dtype=dtype)

    return _sample(fn, key, lambda k: _open_unit(k, (2, *shape)), finish, a, b)


def dirichlet(key: np.ndarray, alpha: Any, shape: Shape | None = None,
              dtype: DTypeLike = None) -> np.ndarray:
    """Dirichlet(alpha) samples: normalised gamma samples; differentiable in `alpha`.

    Args:
      key: a PRNG key.
      alpha: concentrations, positive, of shape ``(..., k)``; may be traced.
      shape: the batch shape; defaults to ``alpha.shape[:-1]``, which must broadcast to it.
      dtype: a floating dtype (default float64).

    Returns:
      An array of shape ``(*shape, k)`` whose last axis sums to 1.

    Example:
        >>> import numpy as np
        >>> from fungrad import random
        >>> key = random.key(0)
        >>> x = random.dirichlet(key, np.array([1.0, 2.0, 3.0]), (1000,))
        >>> x.shape, bool(np.allclose(x.sum(-1), 1))
        ((1000, 3), True)
    """
    fn, alpha = "dirichlet", _operand(alpha)
    dtype = _float_dtype(fn, np.float64 if dtype is None else dtype)
    ashape = tuple(shape_of(alpha))
    if not ashape:
        raise ShapeError(f"{fn}: alpha must have at least one axis (the categories), got a scalar.")
    batch = ashape[:-1] if shape is None else shape_tuple(fn, shape)
    _check_broadcast(fn, "alpha (without its last axis)", ashape[:-1], batch)
    _check_positive(fn, "alpha", alpha)
    full = (*batch, ashape[-1])

    def finish(xp, u, alpha):
        log_g = _log_gamma_noise(xp, u, xp.broadcast_to(alpha, full))
        shifted = log_g - xp.max(log_g, axis=-1, keepdims=True)  # a softmax of the log-samples
        weights = xp.exp(shifted)
        return xp.asarray(weights / xp.sum(weights, axis=-1, keepdims=True), dtype=dtype)

    return _sample(fn, key, lambda k: _open_unit(k, full), finish, alpha)


def chisquare(key: np.ndarray, df: Any, shape: Shape | None = None,
              dtype: DTypeLike = None) -> np.ndarray:
    """Chi-square samples with `df` degrees of freedom: ``2 * gamma(df / 2)``.

    Args:
      key: a PRNG key.
      df: degrees of freedom, positive; may be traced.
      shape: the result's shape; defaults to `df`'s shape.
      dtype: a floating dtype (default float64).

    Returns:
      An array of `shape` and `dtype`.

    Example:
        >>> from fungrad import random
        >>> key = random.key(0)
        >>> x = random.chisquare(key, 4.0, (10000,))
        >>> bool(abs(x.mean() - 4) < 0.1)
        True
    """
    fn, df = "chisquare", _operand(df)
    dtype = _float_dtype(fn, np.float64 if dtype is None else dtype)
    shape = _param_shape(fn, shape, df=df)
    _check_positive(fn, "df", df)
    finish = lambda xp, u, df: xp.asarray(2.0 * xp.exp(_log_gamma_noise(xp, u, df / 2.0)),
                                          dtype=dtype)
    return _sample(fn, key, lambda k: _open_unit(k, shape), finish, df)


def t(key: np.ndarray, df: Any, shape: Shape | None = None, dtype: DTypeLike = None) -> np.ndarray:
    """Student's t samples: ``N / sqrt(chisquare(df) / df)``.

    Args:
      key: a PRNG key.
      df: degrees of freedom, positive; may be traced.
      shape: the result's shape; defaults to `df`'s shape.
      dtype: a floating dtype (default float64).

    Returns:
      An array of `shape` and `dtype`.

    Example:
        >>> from fungrad import random
        >>> key = random.key(0)
        >>> x = random.t(key, 5.0, (10000,))
        >>> bool(abs(x.mean()) < 0.05), bool(abs(x.var() - 5 / 3) < 0.2)
        (True, True)
    """
    fn, df = "t", _operand(df)
    dtype = _float_dtype(fn, np.float64 if dtype is None else dtype)
    shape = _param_shape(fn, shape, df=df)
    _check_positive(fn, "df", df)

    def finish(xp, u, df):
        # The normal comes from the first half of the noise by inversion (no second key).
        normal = math.sqrt(2.0) * _erf_inv(xp, 2.0 * u[0] - 1.0)
        log_g = _log_gamma_noise(xp, u[1], df / 2.0)
        return xp.asarray(normal * xp.sqrt(df / 2.0) * xp.exp(-0.5 * log_g), dtype=dtype)

    return _sample(fn, key, lambda k: _open_unit(k, (2, *shape)), finish, df)


def _erf_inv(xp, y):
    return special_math.erf_inv(y) if xp is np else erf_inv(y)


def f(key: np.ndarray, dfnum: Any, dfden: Any, shape: Shape | None = None,
      dtype: DTypeLike = None) -> np.ndarray:
    """F-distribution samples: ``(X1 / dfnum) / (X2 / dfden)`` for chi-square X1, X2.

    Args:
      key: a PRNG key.
      dfnum: numerator degrees of freedom, positive; may be traced.
      dfden: denominator degrees of freedom, positive; may be traced.
      shape: the result's shape; defaults to the parameters' broadcast shape.
      dtype: a floating dtype (default float64).

    Returns:
      An array of `shape` and `dtype`.

    Example:
        >>> from fungrad import random
        >>> key = random.key(0)
        >>> x = random.f(key, 5.0, 10.0, (10000,))
        >>> bool(x.min() > 0), bool(abs(x.mean() - 10 / 8) < 0.05)
        (True, True)
    """
    fn, dfnum, dfden = "f", _operand(dfnum), _operand(dfden)
    dtype = _float_dtype(fn, np.float64 if dtype is None else dtype)
    shape = _param_shape(fn, shape, dfnum=dfnum, dfden=dfden)
    _check_positive(fn, "dfnum", dfnum)
    _check_positive(fn, "dfden", dfden)

    def finish(xp, u, dfnum, dfden):
        log_num = _log_gamma_noise(xp, u[0], dfnum / 2.0)
        log_den = _log_gamma_noise(xp, u[1], dfden / 2.0)
        return xp.asarray(xp.exp(log_num - log_den) * dfden / dfnum, dtype=dtype)

    return _sample(fn, key, lambda k: _open_unit(k, (2, *shape)), finish, dfnum, dfden)
