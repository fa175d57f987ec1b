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

from fungrad import dtypes, lax
from fungrad import numpy as fnp
from fungrad.core import Tracer
from fungrad.numpy.reshaping import check_integers

__all__ = [
    "relu", "gelu", "sigmoid", "log_sigmoid", "tanh", "softplus", "silu", "swish",
    "leaky_relu", "elu", "one_hot",
    "relu6", "selu", "celu", "glu", "mish", "hard_tanh", "standardize", "identity",
    "hard_sigmoid", "hard_silu", "hard_swish", "soft_sign", "squareplus", "log1mexp",
    "sparse_plus", "sparse_sigmoid",
]

Array = Any
Axis = int | tuple[int, ...] | None


def float_operand(x) -> Array:
    """`x` as an array of a floating dtype (integers become float64, as in NumPy)."""
    x = fnp.asarray(x)
    return x if dtypes.is_inexact(x.dtype) else fnp.asarray(x, dtype=np.float64)


def relu(x: Array) -> Array:
    """Rectified linear unit, ``max(x, 0)``; its derivative at 0 is 0, as in JAX.

    Args:
      x: an array.

    Returns:
      An array like `x`.

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> from fungrad import nn
        >>> x = np.array([-2.0, 0.0, 3.0])
        >>> nn.relu(x)
        array([0., 0., 3.])
        >>> fg.grad(nn.relu)(0.0)
        Array(0.)
    """
    x = fnp.asarray(x)
    if x.dtype == np.bool_:  # JAX's maximum(x, 0): a weak int beside bool gives int64
        x = x.astype(np.int64)
    return fnp.where(x > 0, x, fnp.zeros_like(x))


def sigmoid(x: Array) -> Array:
    """Logistic sigmoid ``1 / (1 + exp(-x))``.

    Args:
      x: an array.

    Returns:
      An array like `x`, in [0, 1].

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> from fungrad import nn
        >>> nn.sigmoid(np.array([-1000.0, 0.0, 1000.0]))
        array([0. , 0.5, 1. ])
        >>> fg.grad(nn.sigmoid)(0.0)
        Array(0.25)
    """
    return lax.logistic(float_operand(x))


def log_sigmoid(x: Array) -> Array:
    """``log(sigmoid(x)) = -softplus(-x)``, exact for large negative `x`.

    Args:
      x: an array.

    Returns:
      An array like `x`, at most 0.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> nn.log_sigmoid(np.array([-1000.0, 0.0, 1000.0])).round(6).tolist()
        [-1000.0, -0.693147, -0.0]
    """
    return -softplus(-float_operand(x))


def tanh(x: Array) -> Array:
    """Hyperbolic tangent.

    Args:
      x: an array.

    Returns:
      An array like `x`, in [-1, 1].

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> x = np.array([-2.0, 0.0, 3.0])
        >>> nn.tanh(x)
        array([-0.96402758,  0.        ,  0.99505475])
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
    x = float_operand(x)
    return fnp.logaddexp(x, fnp.zeros_like(x))


def silu(x: Array) -> Array:
    """Sigmoid linear unit ``x * sigmoid(x)`` (also called swish).

    Args:
      x: an array.

    Returns:
      An array like `x`.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> x = np.array([-2.0, 0.0, 3.0])
        >>> nn.silu(x)
        Array([-0.23840584,  0.        ,  2.85772238])
    """
    x = float_operand(x)
    return x * sigmoid(x)


swish = silu  # JAX's other name for the same function


def leaky_relu(x: Array, negative_slope: float = 0.01) -> Array:
    """``x`` where ``x >= 0``, else ``negative_slope * x``.

    Args:
      x: an array.
      negative_slope: the slope for negative inputs.

    Returns:
      An array like `x`.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> x = np.array([-2.0, 0.0, 3.0])
        >>> nn.leaky_relu(x)
        array([-0.02,  0.  ,  3.  ])
        >>> nn.leaky_relu(x, negative_slope=0.5)
        array([-1.,  0.,  3.])
    """
    x = float_operand(x)
    return fnp.where(x >= 0, x, negative_slope * x)


def elu(x: Array, alpha: float = 1.0) -> Array:
    """Exponential linear unit: ``x`` where ``x > 0``, else ``alpha * (exp(x) - 1)``.

    Args:
      x: an array.
      alpha: the value approached as ``x -> -inf`` is ``-alpha``.

    Returns:
      An array like `x`.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> x = np.array([-2.0, 0.0, 3.0])
        >>> nn.elu(x)
        array([-0.86466472,  0.        ,  3.        ])
    """
    x = float_operand(x)
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

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> x = np.array([-2.0, 0.0, 3.0])
        >>> nn.gelu(x)
        Array([-0.04540231,  0.        ,  2.99636261])
        >>> nn.gelu(x, approximate=False)
        Array([-0.04550026,  0.        ,  2.99595031])
    """
    x = float_operand(x)
    if approximate:
        inner = math.sqrt(2.0 / math.pi) * (x + 0.044715 * x * x * x)
        return 0.5 * x * (1.0 + fnp.tanh(inner))
    return 0.5 * x * lax.erfc(x * (-1.0 / math.sqrt(2.0)))  # erfc: exact in the tail


def _clamp(x: Array, low: float, high: float) -> Array:
    """`x` clamped to [low, high]; the derivative is 0 at both ends, as in JAX."""
    inside = fnp.logical_and(x > low, x < high)
    edge = fnp.where(x <= low, fnp.full_like(x, low), fnp.full_like(x, high))
    return fnp.where(inside, x, edge)


def relu6(x: Array) -> Array:
    """``min(max(x, 0), 6)``; the derivative is 0 at 0 and at 6, as in JAX.

    Args:
      x: an array.

    Returns:
      An array like `x`, in [0, 6].

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> nn.relu6(np.array([-1.0, 3.0, 9.0]))
        array([0., 3., 6.])
    """
    return _clamp(float_operand(x), 0.0, 6.0)


def hard_tanh(x: Array) -> Array:
    """``x`` clamped to [-1, 1].

    Args:
      x: an array.

    Returns:
      An array like `x`, in [-1, 1].

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> nn.hard_tanh(np.array([-2.0, 0.5, 2.0]))
        array([-1. ,  0.5,  1. ])
    """
    x = fnp.asarray(x)
    if fnp.issubdtype(x.dtype, fnp.inexact):
        return _clamp(x, -1.0, 1.0)
    # integers keep their dtype and booleans become int64, as JAX's where(x > 1, 1, ...)
    return fnp.where(x > 1, 1, fnp.where(x < -1, -1, x))


def hard_sigmoid(x: Array) -> Array:
    """``relu6(x + 3) / 6``: a piecewise-linear sigmoid.

    Args:
      x: an array.

    Returns:
      An array like `x`, in [0, 1].

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> nn.hard_sigmoid(np.array([-4.0, 0.0, 1.5, 4.0]))
        array([0.  , 0.5 , 0.75, 1.  ])
    """
    return relu6(float_operand(x) + 3.0) / 6.0


def hard_silu(x: Array) -> Array:
    """``x * hard_sigmoid(x)`` (also called hard_swish).

    Args:
      x: an array.

    Returns:
      An array like `x`.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> nn.hard_silu(np.array([-4.0, 0.0, 1.5, 4.0]))
        Array([-0.   ,  0.   ,  1.125,  4.   ])
    """
    x = float_operand(x)
    return x * hard_sigmoid(x)


hard_swish = hard_silu  # JAX's other name for the same function


def celu(x: Array, alpha: Any = 1.0) -> Array:
    """Continuously differentiable ELU: ``x`` where ``x > 0``, else ``alpha * expm1(x / alpha)``.

    Args:
      x: an array.
      alpha: the value approached as ``x -> -inf`` is ``-alpha``.

    Returns:
      An array like `x`.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> x = np.array([-2.0, 0.0, 3.0])
        >>> nn.celu(x)
        array([-0.86466472,  0.        ,  3.        ])
    """
    x = float_operand(x)
    negative = fnp.where(x > 0, fnp.zeros_like(x), x)  # no overflow in the unused branch
    return fnp.where(x > 0, x, alpha * fnp.expm1(negative / alpha))


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(x: Array) -> Array:
    """Scaled ELU, ``scale * elu(x, alpha)`` with the self-normalising constants.

    Args:
      x: an array.

    Returns:
      An array like `x`.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> x = np.array([-2.0, 0.0, 3.0])
        >>> nn.selu(x)
        array([-1.52016647,  0.        ,  3.15210296])
    """
    return _SELU_SCALE * elu(x, _SELU_ALPHA)


def glu(x: Array, axis: int = -1) -> Array:
    """Gated linear unit: split `x` in two halves along `axis`, ``a * sigmoid(b)``.

    Args:
      x: an array whose `axis` has even length.
      axis: the axis to split.

    Returns:
      An array like `x` with `axis` halved.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> nn.glu(np.array([1.0, 2.0, 0.0, 100.0]))
        Array([0.5, 2. ])
    """
    x = float_operand(x)
    size = fnp.shape(x)[axis]
    if size % 2:
        raise ValueError(
            f"glu: axis {axis} of x (shape {tuple(fnp.shape(x))}) must have even length to "
            "split into a value half and a gate half."
        )
    a, b = fnp.split(x, 2, axis=axis)
    return a * sigmoid(b)


def mish(x: Array) -> Array:
    """``x * tanh(softplus(x))``.

    Args:
      x: an array.

    Returns:
      An array like `x`.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> x = np.array([-2.0, 0.0, 3.0])
        >>> nn.mish(x)
        Array([-0.25250148,  0.        ,  2.986535  ])
    """
    x = float_operand(x)
    return x * fnp.tanh(softplus(x))


def identity(x: Array) -> Array:
    """`x` itself, as an array.

    Args:
      x: an array.

    Returns:
      `x`.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> nn.identity(np.array([1.0, -1.0]))
        Array([ 1., -1.])
    """
    return fnp.asarray(x)


def soft_sign(x: Array) -> Array:
    """``x / (|x| + 1)``.

    Args:
      x: an array.

    Returns:
      An array like `x`, in (-1, 1).

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> x = np.array([-2.0, 0.0, 3.0])
        >>> nn.soft_sign(x)
        Array([-0.66666667,  0.        ,  0.75      ])
    """
    x = float_operand(x)
    return x / (fnp.abs(x) + 1.0)


def squareplus(x: Array, b: Any = 4) -> Array:
    """``(x + sqrt(x^2 + b)) / 2``, a smooth relu; no cancellation for large negative `x`.

    Args:
      x: an array.
      b: the smoothness, non-negative.

    Returns:
      An array like `x`, positive.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> x = np.array([-2.0, 0.0, 3.0])
        >>> nn.squareplus(x)
        array([0.41421356, 1.        , 3.30277564])
    """
    x = float_operand(x)
    sqrt_b = fnp.sqrt(fnp.asarray(b, dtype=x.dtype))
    # For x < 0, x + root cancels: x + root = b / (root - x). Each branch sees only its
    # own sign of x, so neither divides by 0 (hypot: no overflow of x^2).
    pos = fnp.where(x >= 0, x, fnp.zeros_like(x))
    neg = fnp.where(x >= 0, -fnp.ones_like(x), x)
    upper = 0.5 * (pos + fnp.hypot(pos, sqrt_b))
    lower = 0.5 * b / (fnp.hypot(neg, sqrt_b) - neg)
    return fnp.where(x >= 0, upper, lower)


def log1mexp(x: Array) -> Array:
    """``log(1 - exp(-x))`` for ``x > 0``, accurate at both ends (Maechler 2012).

    Args:
      x: an array of positive values.

    Returns:
      An array like `x`, negative.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> nn.log1mexp(np.array([1e-10, 1.0, 50.0]))
        array([-2.30258509e+01, -4.58675145e-01, -1.92874985e-22])
    """
    x = float_operand(x)
    # Each branch sees only its own range, so neither evaluates log(0) for the other.
    near = fnp.where(x > math.log(2.0), fnp.full_like(x, 1.0), x)
    far = fnp.where(x > math.log(2.0), x, fnp.full_like(x, 1.0))
    return fnp.where(x > math.log(2.0), fnp.log1p(-fnp.exp(-far)), fnp.log(-fnp.expm1(-near)))


def sparse_plus(x: Array) -> Array:
    """0 for ``x <= -1``, ``x`` for ``x >= 1``, ``(x + 1)^2 / 4`` between.

    Args:
      x: an array.

    Returns:
      An array like `x`, non-negative.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> nn.sparse_plus(np.array([-2.0, 0.0, 2.0]))
        array([0.  , 0.25, 2.  ])
    """
    x = float_operand(x)
    middle = 0.25 * fnp.square(_clamp(x, -1.0, 1.0) + 1.0)
    return fnp.where(x <= -1.0, fnp.zeros_like(x), fnp.where(x >= 1.0, x, middle))


def sparse_sigmoid(x: Array) -> Array:
    """0 for ``x <= -1``, 1 for ``x >= 1``, ``(x + 1) / 2`` between: ``sparse_plus``'s slope.

    At ``x = +-1`` the gradient is 1/4, the mean of the one-sided slopes (as JAX's clip).

    Args:
      x: an array.

    Returns:
      An array like `x`, in [0, 1].

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> nn.sparse_sigmoid(np.array([-2.0, 0.0, 0.5, 2.0]))
        Array([0.  , 0.5 , 0.75, 1.  ])
    """
    return 0.5 * fnp.clip(float_operand(x) + 1.0, 0.0, 2.0)


def standardize(x: Array, axis: Axis = -1, mean: Any = None,  # noqa: PLR0917 (JAX's order)
                variance: Any = None, epsilon: Any = 1e-5, where: Any = None, *,
                algorithm: str = "fast") -> Array:
    """``(x - mean) / sqrt(variance + epsilon)`` over `axis`.

    Args:
      x: an array.
      axis: the axis or axes to normalise over.
      mean: the mean to subtract (default: the mean of `x` over `axis`).
      variance: the variance to divide by (default: that of `x` over `axis`).
      epsilon: added to the variance.
      where: booleans selecting the elements that enter the mean and variance.
      algorithm: how the default variance is computed: ``"fast"`` is
        ``mean(x^2) - mean(x)^2`` clipped at 0 (JAX's default); ``"stable"`` the two-pass
        ``mean((x - mean)^2)``.

    Returns:
      An array like `x`.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> nn.standardize(np.array([1.0, 2.0, 3.0]))
        Array([-1.22473569,  0.        ,  1.22473569])
    """
    if algorithm not in ("fast", "stable"):
        raise ValueError(f"standardize: algorithm must be 'fast' or 'stable', got {algorithm!r}.")
    x = float_operand(x)
    if mean is None:
        mean = _masked_mean(x, axis, where)
    if variance is None:
        if algorithm == "stable":
            variance = _masked_mean(fnp.square(x - mean), axis, where)
        else:
            variance = _masked_mean(fnp.square(x), axis, where) - fnp.square(mean)
            variance = fnp.maximum(variance, 0.0)  # the one-pass formula can round below 0
    return (x - mean) / fnp.sqrt(variance + epsilon)


def _masked_mean(x: Array, axis: Axis, where: Any) -> Array:
    """The mean over `axis` (kept) of the entries of `x` where `where` is True."""
    if where is None:
        return fnp.mean(x, axis, keepdims=True)
    where = fnp.broadcast_to(fnp.asarray(where, dtype=bool), fnp.shape(x))
    total = fnp.sum(fnp.where(where, x, fnp.zeros_like(x)), axis, keepdims=True)
    return total / fnp.sum(fnp.asarray(where, dtype=x.dtype), axis, keepdims=True)


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
    _check_num_classes(num_classes)
    x = fnp.asarray(x)
    classes = fnp.arange(num_classes)
    hot = fnp.expand_dims(x, -1) == classes
    return fnp.moveaxis(fnp.asarray(hot, dtype=dtype), -1, axis)


def _check_num_classes(num_classes) -> None:
    """JAX's rule: a non-negative integer (``fnp.arange`` would truncate 2.5 to 3 classes
    and make none for -1). A traced count is left to ``fnp.arange``, which names it."""
    if isinstance(num_classes, Tracer):
        return
    check_integers("one_hot", "num_classes", num_classes)
    if num_classes < 0:
        raise TypeError(f"one_hot: num_classes must be >= 0 (the length of the new axis), got "
                        f"{num_classes}.")
