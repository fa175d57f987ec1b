"""Normalization layers: `LayerNorm` (per example) and `BatchNorm` (across the batch).

`BatchNorm` has running statistics. They are not hidden in the layer: the layer makes an
initial `BatchNormState`, and each call takes a state and returns the next one, so the
layer stays a pure function.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from fungrad import numpy as fnp
from fungrad.errors import ShapeError
from fungrad.nn.linear import check_features
from fungrad.nn.module import Module, check_size

__all__ = ["LayerNorm", "BatchNorm", "BatchNormState"]

Array = Any


def _normalize(x: Array, mean: Array, var: Array, eps: float) -> Array:
    return (x - mean) / fnp.sqrt(var + eps)


class LayerNorm(Module):
    """Normalise each example over its trailing axes to mean 0 and variance 1, then scale.

    ``y = (x - mean) / sqrt(var + eps) * weight + bias``, with mean and (biased) variance
    over the last ``len(shape)`` axes, and `weight`/`bias` of that shape.

    >>> LayerNorm(3)(np.array([1.0, 2.0, 3.0])).round(3)
    array([-1.225,  0.   ,  1.225])
    """

    weight: Array | None
    bias: Array | None
    shape: tuple[int, ...]
    eps: float

    def __init__(self, shape: int | tuple[int, ...], eps: float = 1e-5, use_weight: bool = True,
                 use_bias: bool = True, *, dtype: Any = np.float32):
        """Build the layer.

        Args:
          shape: the trailing shape to normalise over (an int for one axis).
          eps: added to the variance, for stability.
          use_weight: learn a scale (initially ones); otherwise `weight` is None.
          use_bias: learn an offset (initially zeros); otherwise `bias` is None.
          dtype: the parameters' dtype.
        """
        dims = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
        self.shape = tuple(check_size("LayerNorm", "shape", d) for d in dims)
        self.eps = float(eps)
        self.weight = fnp.ones(self.shape, dtype=dtype) if use_weight else None
        self.bias = fnp.zeros(self.shape, dtype=dtype) if use_bias else None

    def __call__(self, x: Array) -> Array:
        """Normalise `x`.

        Args:
          x: an array of shape ``(..., *shape)``.

        Returns:
          An array of the same shape.
        """
        check_features("LayerNorm", "x", x, self.shape)
        axes = tuple(range(-len(self.shape), 0))
        mean = fnp.mean(x, axis=axes, keepdims=True)
        var = fnp.mean(fnp.square(x - mean), axis=axes, keepdims=True)
        y = _normalize(x, mean, var, self.eps)
        if self.weight is not None:
            y = y * self.weight
        return y if self.bias is None else y + self.bias


class BatchNormState(NamedTuple):
    """Running statistics of a `BatchNorm` layer, one entry per feature.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> state = nn.BatchNorm(2, dtype=np.float64).initial_state()
        >>> state
        BatchNormState(mean=Array([0., 0.]), var=Array([1., 1.]))
        >>> _, state = nn.BatchNorm(2, dtype=np.float64)(np.array([[0.0, 1.0], [2.0, 5.0]]), state)
        >>> state.mean
        Array([0.01, 0.03])
    """

    mean: Array
    var: Array


class BatchNorm(Module):
    """Normalise each feature (the last axis) over all other axes, i.e. over the batch.

    Training mode (the default) normalises with the statistics of the batch itself and
    returns the running statistics moved towards them:
    ``new = momentum * old + (1 - momentum) * batch`` (biased batch variance).
    Inference mode normalises with the running statistics and returns the state unchanged.
    A learned per-feature `weight` and `bias` are then applied.

    >>> bn = BatchNorm(2, dtype=np.float64)
    >>> state = bn.initial_state()
    >>> y, state = bn(np.array([[0.0, 1.0], [2.0, 5.0]]), state)
    >>> y.round(3)
    array([[-1., -1.],
           [ 1.,  1.]])

    Under `fg.vmap`, the statistics are those of each mapped slice (vmap has no notion
    of a batch axis to share statistics across).
    """

    weight: Array
    bias: Array
    num_features: int
    momentum: float
    eps: float

    def __init__(self, num_features: int, momentum: float = 0.99, eps: float = 1e-5, *,
                 dtype: Any = np.float32):
        """Build the layer.

        Args:
          num_features: size of the input's last axis.
          momentum: weight of the old running statistics in each update.
          eps: added to the variance, for stability.
          dtype: the dtype of the parameters and of the running statistics.
        """
        num_features = check_size("BatchNorm", "num_features", num_features)
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"BatchNorm: momentum must be in [0, 1], got {momentum!r}.")
        self.num_features, self.momentum, self.eps = int(num_features), float(momentum), float(eps)
        self.weight = fnp.ones((self.num_features,), dtype=dtype)
        self.bias = fnp.zeros((self.num_features,), dtype=dtype)

    def initial_state(self) -> BatchNormState:
        """The running statistics before any training: mean 0, variance 1.

        Returns:
          A `BatchNormState` of arrays of shape ``(num_features,)``.
        """
        dtype = self.weight.dtype
        n = (self.num_features,)
        return BatchNormState(fnp.zeros(n, dtype=dtype), fnp.ones(n, dtype=dtype))

    def __call__(self, x: Array, state: BatchNormState, *,
                 inference: bool = False) -> tuple[Array, BatchNormState]:
        """Normalise `x` and update the running statistics.

        Args:
          x: an array of shape ``(..., num_features)``; in training mode it needs at least
            one axis before the features to take statistics over.
          state: the running statistics, e.g. from `initial_state`.
          inference: use the running statistics instead of the batch's.

        Returns:
          ``(y, new_state)``, `y` of `x`'s shape.
        """
        check_features("BatchNorm", "x", x, (self.num_features,))
        self._check_state(state)
        if inference:
            y = _normalize(x, state.mean, state.var, self.eps)
            return y * self.weight + self.bias, state
        axes = tuple(range(fnp.ndim(x) - 1))
        if not axes:
            raise ShapeError(
                f"BatchNorm: in training mode x needs a batch axis before the features, got "
                f"shape {tuple(fnp.shape(x))}. Pass a batch (..., {self.num_features}), or "
                "inference=True to use the running statistics."
            )
        mean = fnp.mean(x, axis=axes)
        var = fnp.mean(fnp.square(x - mean), axis=axes)
        y = _normalize(x, mean, var, self.eps) * self.weight + self.bias
        m = self.momentum
        new_state = BatchNormState(m * state.mean + (1.0 - m) * mean,
                                   m * state.var + (1.0 - m) * var)
        return y, new_state

    def _check_state(self, state) -> None:
        """Raise unless ``state`` is a `BatchNormState` with one entry per feature."""
        fix = "pass bn.initial_state() or the state the previous call returned"
        if not isinstance(state, BatchNormState):
            raise TypeError(
                f"BatchNorm({self.num_features}): state must be a BatchNormState(mean, var), "
                f"got {type(state).__name__} ({state!r:.60}); {fix}.")
        for field in BatchNormState._fields:
            value = getattr(state, field)
            shape = tuple(value.shape) if hasattr(value, "shape") else np.shape(value)
            if shape != (self.num_features,):
                raise ShapeError(
                    f"BatchNorm({self.num_features}): state.{field} has shape {shape}, but the "
                    f"layer has {self.num_features} features and needs shape "
                    f"({self.num_features},); {fix} (a state from another layer size does "
                    "not fit).")
