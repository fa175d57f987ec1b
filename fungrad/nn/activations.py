"""Activation functions and their log-space relatives, with JAX's names (`jax.nn`).

Each one is exact at the extremes and has finite gradients there: ``softplus(1000.0)`` is
1000, ``sigmoid(-1000.0)`` is 0, ``log_softmax`` of huge logits is finite. Softmax-like
functions subtract the (gradient-stopped) maximum first; this changes nothing
mathematically, as they are invariant to that shift, so the derivatives stay exact.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from fungrad import lax
from fungrad import numpy as fnp

__all__ = [
    "relu", "gelu", "sigmoid", "log_sigmoid", "tanh", "softplus", "silu", "swish",
    "leaky_relu", "elu", "softmax", "log_softmax", "logsumexp", "one_hot",
]

Array = Any
Axis = int | tuple[int, ...] | None


def _float(x) -> Array:
    """`x` as an array of a floating dtype (integers become float64, as in NumPy)."""
    x = fnp.asarray(x)
    return x if np.dtype(x.dtype).kind in "fc" else fnp.asarray(x, dtype=np.float64)


def relu(x: Array) -> Array:
    """Rectified linear unit, ``max(x, 0)``; its derivative at 0 is 0, as in JAX.

    Args:
      x: an array.

    Returns:
      An array like `x`.
    """
    x = fnp.asarray(x)
    return fnp.where(x > 0, x, fnp.zeros_like(x))


def sigmoid(x: Array) -> Array:
    """Logistic sigmoid ``1 / (1 + exp(-x))``.

    Args:
      x: an array.

    Returns:
      An array like `x`, in [0, 1].
    """
    return lax.logistic(_float(x))


def log_sigmoid(x: Array) -> Array:
    """``log(sigmoid(x)) = -softplus(-x)``, exact for large negative `x`.

    Args:
      x: an array.

    Returns:
      An array like `x`, at most 0.
    """
    return -softplus(-_float(x))


def tanh(x: Array) -> Array:
    """Hyperbolic tangent.

    Args:
      x: an array.

    Returns:
      An array like `x`, in [-1, 1].
    """
    return fnp.tanh(x)


def softplus(x: Array) -> Array:
    """``log(1 + exp(x))``, computed without overflow; its derivative is ``sigmoid(x)``.

    Args:
      x: an array.

    Returns:
      An array like `x`, positive.

    >>> float(softplus(1000.0))
    1000.0
    """
    x = _float(x)
    return fnp.logaddexp(x, fnp.zeros_like(x))


def silu(x: Array) -> Array:
    """Sigmoid linear unit ``x * sigmoid(x)`` (also called swish).

    Args:
      x: an array.

    Returns:
      An array like `x`.
    """
    x = _float(x)
    return x * sigmoid(x)


swish = silu  # JAX's other name for the same function


def leaky_relu(x: Array, negative_slope: float = 0.01) -> Array:
    """``x`` where ``x >= 0``, else ``negative_slope * x``.

    Args:
      x: an array.
      negative_slope: the slope for negative inputs.

    Returns:
      An array like `x`.
    """
    x = _float(x)
    return fnp.where(x >= 0, x, negative_slope * x)


def elu(x: Array, alpha: float = 1.0) -> Array:
    """Exponential linear unit: ``x`` where ``x > 0``, else ``alpha * (exp(x) - 1)``.

    Args:
      x: an array.
      alpha: the value approached as ``x -> -inf`` is ``-alpha``.

    Returns:
      An array like `x`.
    """
    x = _float(x)
    # expm1 sees only non-positive values, so the unused branch cannot overflow and
    # poison the gradient with inf * 0.
    negative = fnp.where(x > 0, fnp.zeros_like(x), x)
    return fnp.where(x > 0, x, alpha * fnp.expm1(negative))


def gelu(x: Array, approximate: bool = True) -> Array:
    """Gaussian error linear unit ``x * Phi(x)``, with Phi the standard normal CDF.

    Args:
      x: an array.
      approximate: True (the default, as in JAX) uses the tanh approximation
        ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``; False the exact erf form.

    Returns:
      An array like `x`.
    """
    x = _float(x)
    if approximate:
        inner = math.sqrt(2.0 / math.pi) * (x + 0.044715 * x * x * x)
        return 0.5 * x * (1.0 + fnp.tanh(inner))
    return 0.5 * x * lax.erfc(x * (-1.0 / math.sqrt(2.0)))  # erfc: exact in the tail


# --- Softmax family ----------------------------------------------------------------------


def _stopped_max(x: Array, axis: Axis) -> Array:
    """The max over `axis` (kept), as a constant, and 0 where it is not finite."""
    m = lax.stop_gradient(fnp.max(x, axis=axis, keepdims=True))
    return fnp.where(fnp.isfinite(m), m, fnp.zeros_like(m))


def logsumexp(a: Array, axis: Axis = None, keepdims: bool = False) -> Array:
    """``log(sum(exp(a), axis))``, without overflow; its gradient is ``softmax(a)``.

    Args:
      a: an array.
      axis: the axis or axes to reduce; None reduces all.
      keepdims: keep the reduced axes with length 1.

    Returns:
      The reduced array. All ``-inf`` along the axis gives ``-inf``.

    >>> float(logsumexp(np.array([1000.0, 1000.0])))  # 1000 + log 2
    1000.6931471805599
    """
    a = _float(a)
    m = _stopped_max(a, axis)
    out = fnp.log(fnp.sum(fnp.exp(a - m), axis=axis, keepdims=True)) + m
    return out if keepdims else fnp.squeeze(out, axis=_squeeze_axes(a, axis))


def _squeeze_axes(a: Array, axis: Axis) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(a.ndim))
    return (axis,) if isinstance(axis, int) else tuple(axis)


def softmax(x: Array, axis: Axis = -1) -> Array:
    """``exp(x) / sum(exp(x), axis)``, computed stably.

    Args:
      x: an array of logits.
      axis: the axis (or axes) that sums to one.

    Returns:
      Probabilities, an array like `x`.
    """
    x = _float(x)
    unnormalized = fnp.exp(x - _stopped_max(x, axis))
    return unnormalized / fnp.sum(unnormalized, axis=axis, keepdims=True)


def log_softmax(x: Array, axis: Axis = -1) -> Array:
    """``x - logsumexp(x, axis)``: log-probabilities, finite for huge logits.

    Args:
      x: an array of logits.
      axis: the axis (or axes) to normalise over.

    Returns:
      An array like `x`.
    """
    x = _float(x)
    shifted = x - _stopped_max(x, axis)
    return shifted - fnp.log(fnp.sum(fnp.exp(shifted), axis=axis, keepdims=True))


def one_hot(x: Array, num_classes: int, *, dtype: Any = np.float64, axis: int = -1) -> Array:
    """One-hot encode integer class indices.

    Args:
      x: an integer array of class indices; out-of-range indices give all zeros.
      num_classes: the length of the new axis.
      dtype: the result's dtype.
      axis: where the new axis goes.

    Returns:
      An array with one more axis than `x`, 1 at each index and 0 elsewhere.

    >>> one_hot(np.array([0, 2]), 3).tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    """
    x = fnp.asarray(x)
    classes = fnp.arange(num_classes)
    hot = fnp.expand_dims(x, -1) == classes
    return fnp.moveaxis(fnp.asarray(hot, dtype=dtype), -1, axis)
