"""Dense layers: `Linear` (an affine map) and `Embedding` (a lookup table)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from fungrad import numpy as fnp
from fungrad import random
from fungrad.errors import ShapeError
from fungrad.nn.module import Module, check_size

__all__ = ["Linear", "Embedding", "Identity", "Lambda"]

Array = Any


def check_features(layer: str, name: str, x: Any, expected: tuple[int, ...]) -> None:
    """Raise a ShapeError unless the trailing axes of `x` equal `expected`."""
    shape = tuple(fnp.shape(x))
    if len(shape) < len(expected) or shape[len(shape) - len(expected):] != expected:
        dims = ", ".join(map(str, expected))
        raise ShapeError(
            f"{layer}: {name} of shape {shape} must end with the axes ({dims}); the layer was "
            f"built for that size. Reshape the input or build the layer for its size."
        )


class Linear(Module):
    """Affine map ``x @ weight + bias`` over the last axis: ``(..., in) -> (..., out)``.

    The weight is stored ``(in_features, out_features)`` (JAX/Flax layout). Weight and
    bias are drawn uniformly from ``[-1/sqrt(in), 1/sqrt(in))`` (PyTorch's default).

    >>> import fungrad as fg
    >>> layer = Linear(3, 2, key=fg.random.key(0))
    >>> layer(np.ones((5, 3), np.float32)).shape
    (5, 2)
    """

    weight: Array
    bias: Array | None
    in_features: int
    out_features: int

    def __init__(self, in_features: int, out_features: int, use_bias: bool = True, *,
                 key: Any, dtype: Any = np.float32):
        """Build the layer.

        Args:
          in_features: size of the input's last axis.
          out_features: size of the output's last axis.
          use_bias: add a learned bias (otherwise `bias` is None).
          key: a PRNG key for the initial parameters.
          dtype: the parameters' dtype.
        """
        in_features = check_size("Linear", "in_features", in_features, 0)
        out_features = check_size("Linear", "out_features", out_features, 0)
        w_key, b_key = random.split(key)
        limit = 1.0 / math.sqrt(max(in_features, 1))
        self.weight = random.uniform(w_key, (in_features, out_features), dtype, -limit, limit)
        self.bias = (random.uniform(b_key, (out_features,), dtype, -limit, limit)
                     if use_bias else None)
        self.in_features, self.out_features = in_features, out_features

    def __call__(self, x: Array) -> Array:
        """Apply the layer.

        Args:
          x: an array of shape ``(..., in_features)``.

        Returns:
          An array of shape ``(..., out_features)``.
        """
        check_features("Linear", "x", x, (self.in_features,))
        y = fnp.matmul(x, self.weight)
        return y if self.bias is None else y + self.bias


class Embedding(Module):
    """A table of vectors, looked up by integer index: ``(...) -> (..., embedding_size)``.

    Rows start as standard normal samples.

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> from fungrad import nn
        >>> table = nn.Embedding(10, 4, key=fg.random.key(0))
        >>> table(np.array([[1, 2, 3]])).shape
        (1, 3, 4)
    """

    weight: Array

    def __init__(self, num_embeddings: int, embedding_size: int, *, key: Any,
                 dtype: Any = np.float32):
        """Build the table.

        Args:
          num_embeddings: number of rows (the vocabulary size).
          embedding_size: length of each vector.
          key: a PRNG key for the initial table.
          dtype: the table's dtype.
        """
        num_embeddings = check_size("Embedding", "num_embeddings", num_embeddings)
        embedding_size = check_size("Embedding", "embedding_size", embedding_size, 0)
        self.weight = random.normal(key, (num_embeddings, embedding_size), dtype)

    def __call__(self, indices: Array) -> Array:
        """Look up rows.

        Args:
          indices: an integer array of any shape, with values in ``[0, num_embeddings)``.

        Returns:
          An array of shape ``indices.shape + (embedding_size,)``.
        """
        dtype = np.dtype(fnp.asarray(indices).dtype)
        if dtype.kind not in "iu":
            raise TypeError(f"Embedding: indices must be integers, got dtype {dtype}.")
        return fnp.take(self.weight, indices, axis=0)


class Identity(Module):
    """The identity layer: returns its input.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> nn.Identity()(np.array([1.0, 2.0]))
        array([1., 2.])
    """

    def __call__(self, x: Array) -> Array:
        """Return `x` unchanged."""
        return x


class Lambda(Module):
    """A layer that calls a function with no parameters, e.g. an activation.

    The function is a static field, so it is not a pytree leaf and transforms ignore it.
    `Sequential` wraps plain functions in `Lambda` for you.

    >>> float(Lambda(fnp.tanh)(0.0))
    0.0
    """

    fn: Any

    def __call__(self, x: Array) -> Array:
        """Return ``fn(x)``."""
        return self.fn(x)
