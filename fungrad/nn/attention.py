"""`MultiheadAttention`: scaled dot-product attention with several heads."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from fungrad import numpy as fnp
from fungrad import random
from fungrad.errors import ShapeError
from fungrad.nn.activations import softmax
from fungrad.nn.linear import Linear, check_features
from fungrad.nn.module import Module

__all__ = ["MultiheadAttention"]

Array = Any


def _split_heads(x: Array, num_heads: int) -> Array:
    """``(..., seq, heads * d) -> (..., heads, seq, d)``."""
    shape = tuple(fnp.shape(x))
    x = fnp.reshape(x, (*shape[:-1], num_heads, shape[-1] // num_heads))
    return fnp.swapaxes(x, -2, -3)


def _merge_heads(x: Array) -> Array:
    """``(..., heads, seq, d) -> (..., seq, heads * d)``."""
    x = fnp.swapaxes(x, -2, -3)
    shape = tuple(fnp.shape(x))
    return fnp.reshape(x, (*shape[:-2], shape[-2] * shape[-1]))


def _check_mask(mask: Any, logits_shape: tuple[int, ...]) -> Array:
    mask = fnp.asarray(mask)
    if np.dtype(mask.dtype) != np.bool_:
        raise TypeError(
            f"MultiheadAttention: mask must be boolean (True = attend), got dtype {mask.dtype}."
        )
    try:
        np.broadcast_shapes(tuple(mask.shape), logits_shape)
    except ValueError:
        raise ShapeError(
            f"MultiheadAttention: mask of shape {tuple(mask.shape)} does not broadcast to "
            f"(..., heads, q_seq, k_seq) = {logits_shape}."
        ) from None
    return mask


def _attend(query: Array, key: Array, value: Array, mask: Any, is_causal: bool) -> Array:
    """``softmax(q k^T / sqrt(d)) v`` per head, with an optional boolean mask.

    (Heads come before the sequence axis here, unlike `jax.nn.dot_product_attention`.)

    Args:
      query: ``(..., heads, q_seq, d)``.
      key: ``(..., heads, k_seq, d)``.
      value: ``(..., heads, k_seq, d_v)``.
      mask: booleans broadcastable to ``(..., heads, q_seq, k_seq)``; False entries get no
        weight. A query row with no True entry attends uniformly.
      is_causal: also mask keys after each query position (key j > query i).

    Returns:
      ``(..., heads, q_seq, d_v)``.
    """
    d = fnp.shape(query)[-1]
    logits = fnp.matmul(query, fnp.swapaxes(key, -1, -2)) * (1.0 / math.sqrt(max(d, 1)))
    shape = tuple(fnp.shape(logits))
    if is_causal:
        causal = fnp.tril(fnp.ones(shape[-2:], dtype=bool))
        mask = causal if mask is None else fnp.logical_and(_check_mask(mask, shape), causal)
    if mask is not None:
        lowest = np.finfo(np.dtype(logits.dtype)).min  # finite: a fully masked row stays finite
        logits = fnp.where(_check_mask(mask, shape), logits, lowest)
    return fnp.matmul(softmax(logits, axis=-1), value)


class MultiheadAttention(Module):
    """Multi-head attention: project, attend per head, concatenate, project.

    Inputs are ``(..., seq, features)``; query, key and value may have different lengths
    and feature sizes (key and value share a length). Each head has size
    ``query_size // num_heads`` for queries/keys and for values.

    >>> import fungrad as fg
    >>> mha = MultiheadAttention(2, 8, key=fg.random.key(0))
    >>> x = np.ones((3, 5, 8), np.float32)   # batch 3, sequence 5
    >>> mha(x, x, x, causal=True).shape
    (3, 5, 8)
    """

    query_proj: Linear
    key_proj: Linear
    value_proj: Linear
    output_proj: Linear
    num_heads: int

    def __init__(  # noqa: PLR0917 (equinox's signature)
        self, num_heads: int, query_size: int, key_size: int | None = None,
        value_size: int | None = None, output_size: int | None = None, use_bias: bool = True,
        *, key: Any, dtype: Any = np.float32,
    ):
        """Build the layer.

        Args:
          num_heads: number of heads; must divide `query_size`.
          query_size: feature size of the query.
          key_size: feature size of the key (default `query_size`).
          value_size: feature size of the value (default `query_size`).
          output_size: feature size of the output (default `query_size`).
          use_bias: give the four projections biases.
          key: a PRNG key for the initial parameters.
          dtype: the parameters' dtype.
        """
        if num_heads < 1 or query_size % num_heads:
            raise ValueError(
                f"MultiheadAttention: num_heads={num_heads} must be positive and divide "
                f"query_size={query_size}."
            )
        key_size = query_size if key_size is None else key_size
        value_size = query_size if value_size is None else value_size
        output_size = query_size if output_size is None else output_size
        kq, kk, kv, ko = random.split(key, 4)
        width = query_size  # num_heads * head size
        self.query_proj = Linear(query_size, width, use_bias, key=kq, dtype=dtype)
        self.key_proj = Linear(key_size, width, use_bias, key=kk, dtype=dtype)
        self.value_proj = Linear(value_size, width, use_bias, key=kv, dtype=dtype)
        self.output_proj = Linear(width, output_size, use_bias, key=ko, dtype=dtype)
        self.num_heads = num_heads

    def __call__(self, query: Array, key_: Array, value: Array, mask: Any = None, *,
                 causal: bool = False) -> Array:
        """Attend from `query` to `key_`/`value`.

        Args:
          query: ``(..., q_seq, query_size)``.
          key_: ``(..., k_seq, key_size)``.
          value: ``(..., k_seq, value_size)``.
          mask: booleans (True = attend) broadcastable to ``(..., heads, q_seq, k_seq)``.
          causal: query position i attends only to key positions ``j <= i``.

        Returns:
          ``(..., q_seq, output_size)``.
        """
        check_features("MultiheadAttention", "query", query, (self.query_proj.in_features,))
        check_features("MultiheadAttention", "key_", key_, (self.key_proj.in_features,))
        check_features("MultiheadAttention", "value", value, (self.value_proj.in_features,))
        k_len, v_len = fnp.shape(key_)[-2:-1], fnp.shape(value)[-2:-1]
        if k_len != v_len:
            raise ShapeError(
                f"MultiheadAttention: key_ of shape {tuple(fnp.shape(key_))} and value of shape "
                f"{tuple(fnp.shape(value))} must have the same sequence length (axis -2)."
            )
        q = _split_heads(self.query_proj(query), self.num_heads)
        k = _split_heads(self.key_proj(key_), self.num_heads)
        v = _split_heads(self.value_proj(value), self.num_heads)
        out = _attend(q, k, v, mask, causal)
        return self.output_proj(_merge_heads(out))
