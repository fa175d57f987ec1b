"""Scaled dot-product attention: `dot_product_attention` (jax.nn's function, ``B T N H``
layout) and the `MultiheadAttention` layer."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from fungrad import lax, random
from fungrad import numpy as fnp
from fungrad.errors import ShapeError
from fungrad.nn.linear import Linear, check_features
from fungrad.nn.module import Module, check_size
from fungrad.nn.softmax import logsumexp, softmax

__all__ = ["dot_product_attention", "MultiheadAttention"]

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
    """`dot_product_attention` for the heads-first layout of `MultiheadAttention`.

    Args:
      query: ``(..., heads, q_seq, d)``.
      key: ``(..., heads, k_seq, d)``.
      value: ``(..., heads, k_seq, d)``.
      mask: booleans broadcastable to ``(..., heads, q_seq, k_seq)``; False entries get no
        weight. A query row with no True entry attends uniformly.
      is_causal: also mask keys after each query position (key j > query i).

    Returns:
      ``(..., heads, q_seq, d)``.
    """
    *lead, heads, t, _ = fnp.shape(query)
    s = fnp.shape(key)[-2]
    logits_shape = (*lead, heads, t, s)

    def btnh(x):  # (..., heads, seq, d) -> (batch, seq, heads, d)
        return fnp.swapaxes(fnp.reshape(x, (-1, *fnp.shape(x)[-3:])), 1, 2)

    if mask is not None:
        mask = fnp.broadcast_to(_check_mask(mask, logits_shape), logits_shape)
        mask = fnp.reshape(mask, (-1, heads, t, s))
    out = dot_product_attention(btnh(query), btnh(key), btnh(value), mask=mask,
                                is_causal=is_causal)
    return fnp.reshape(fnp.swapaxes(out, 1, 2), (*lead, heads, t, fnp.shape(value)[-1]))


# --- dot_product_attention ----------------------------------------------------------------

_FN = "dot_product_attention"


def _as_4d(name: str, x: Any, dtype=None) -> Array:
    """`x` with leading axes of length 1 added up to rank 4."""
    x = fnp.asarray(x) if dtype is None else fnp.asarray(x, dtype=dtype)
    if x.ndim > 4:
        raise ShapeError(f"{_FN}: {name} must have at most 4 axes, got shape {tuple(x.shape)}.")
    return fnp.reshape(x, (1,) * (4 - x.ndim) + tuple(x.shape))


def _check_qkv(query: Array, key: Array, value: Array) -> tuple[int, int, int]:
    """``(B, N, K)``: batch, query heads and key/value heads, after checking the layouts."""
    b, s, k, h = key.shape
    if tuple(value.shape) != (b, s, k, h):
        raise ShapeError(
            f"{_FN}: value must have the shape of key (B, S, K, H) = {tuple(key.shape)}, got "
            f"{tuple(value.shape)}."
        )
    if query.shape[0] != b or query.shape[3] != h:
        raise ShapeError(
            f"{_FN}: query (B, T, N, H) = {tuple(query.shape)} must share B and H with key "
            f"(B, S, K, H) = {tuple(key.shape)}."
        )
    n = query.shape[2]
    if n % k:
        raise ShapeError(
            f"{_FN}: the number of query heads ({n}) must be a multiple of the number of "
            f"key/value heads ({k}), for grouped-query attention."
        )
    if np.dtype(query.dtype) != np.dtype(key.dtype) or np.dtype(key.dtype) != np.dtype(value.dtype):
        raise TypeError(
            f"{_FN}: query, key and value must have one dtype, got {query.dtype}, {key.dtype} "
            f"and {value.dtype}; cast them first."
        )
    return b, n, k


def _check_logit_shaped(name: str, x: Array, logits_shape: tuple[int, ...]) -> None:
    try:
        ok = np.broadcast_shapes(tuple(x.shape), logits_shape) == logits_shape
    except ValueError:
        ok = False
    if not ok:
        raise ShapeError(
            f"{_FN}: {name} of shape {tuple(x.shape)} does not broadcast to the logits' shape "
            f"(B, N, T, S) = {logits_shape}."
        )


def _lengths(name: str, lengths: Any, b: int) -> Array:
    lengths = fnp.asarray(lengths)
    if np.dtype(lengths.dtype).kind not in "iu" or tuple(lengths.shape) != (b,):
        raise TypeError(
            f"{_FN}: {name} must be an integer array of shape (B,) = ({b},), one length per "
            f"batch entry, got a {lengths.dtype} array of shape {tuple(lengths.shape)}."
        )
    return lengths


def _structural_mask(t: int, s: int, is_causal: bool, window) -> Array | None:
    """The causal and local-window masks, ``(T, S)`` booleans (True = attend)."""
    q_pos, k_pos = np.arange(t)[:, None], np.arange(s)[None, :]
    keep = np.ones((t, s), dtype=bool)
    if is_causal:
        keep &= k_pos <= q_pos
    if window is not None:
        left, right = (window, window) if isinstance(window, (int, np.integer)) else window
        keep &= (q_pos <= k_pos + left) & (q_pos >= k_pos - right)
    return None if keep.all() else keep


def _combined_mask(mask, logits_shape, is_causal, window, q_lengths, kv_lengths):
    """All masks as one boolean array broadcastable to the logits, or None."""
    b, _, t, s = logits_shape
    parts = []
    if mask is not None:
        mask = _as_4d("mask", mask)
        if np.dtype(mask.dtype) != np.bool_:
            raise TypeError(f"{_FN}: mask must be boolean (True = attend), got {mask.dtype}; "
                            "pass an additive mask as bias instead.")
        _check_logit_shaped("mask", mask, logits_shape)
        parts.append(mask)
    structural = _structural_mask(t, s, is_causal, window)
    if structural is not None:
        parts.append(fnp.asarray(structural))
    if q_lengths is not None:
        lengths = _lengths("query_seq_lengths", q_lengths, b)
        parts.append(fnp.arange(t)[None, None, :, None] < lengths[:, None, None, None])
    if kv_lengths is not None:
        lengths = _lengths("key_value_seq_lengths", kv_lengths, b)
        parts.append(fnp.arange(s)[None, None, None, :] < lengths[:, None, None, None])
    if not parts:
        return None
    combined = parts[0]
    for part in parts[1:]:
        combined = fnp.logical_and(combined, part)
    return combined


def dot_product_attention(  # noqa: PLR0913 (jax.nn's signature)
    query: Array, key: Array, value: Array, bias: Array | None = None,
    mask: Array | None = None, *, scale: float | None = None, is_causal: bool = False,
    query_seq_lengths: Array | None = None, key_value_seq_lengths: Array | None = None,
    local_window_size: int | tuple[int, int] | None = None,
    implementation: str | None = None, return_residual: bool = False,
) -> Array:
    """``softmax(scale * q k^T + bias, masked) v`` per head, in jax.nn's ``B T N H`` layout.

    With ``K < N`` key/value heads it is grouped-query attention: query head ``n`` attends
    with key/value head ``n // (N // K)``. Masked logits are replaced by the dtype's most
    negative finite number, so a query row with nothing to attend to weighs every key
    equally (as in JAX). Unlike JAX, which always takes the softmax in float32, the
    softmax runs in the inputs' dtype (float64 inputs keep float64 precision).

    Args:
      query: ``(B, T, N, H)`` or ``(T, N, H)``.
      key: ``(B, S, K, H)`` or ``(S, K, H)``; `N` must be a multiple of `K`.
      value: the shape of `key`.
      bias: added to the logits; broadcastable to ``(B, N, T, S)``.
      mask: booleans broadcastable to ``(B, N, T, S)``; True = attend.
      scale: multiplies the logits; default ``1 / sqrt(H)``.
      is_causal: query position i attends only to key positions ``j <= i``.
      query_seq_lengths: ``(B,)`` integers: queries at positions ``>= length`` attend to
        nothing and output zeros.
      key_value_seq_lengths: ``(B,)`` integers: keys at positions ``>= length`` are masked.
      local_window_size: ``(left, right)`` (or one int for both): query i attends only to
        keys ``i - left <= j <= i + right``.
      implementation: None or ``"xla"`` (fungrad has one implementation).
      return_residual: also return the logsumexp of the masked logits, ``(B, T, N)`` (or
        ``(T, N)``), gradient-stopped.

    Returns:
      An array of `query`'s shape, or ``(output, residual)`` with `return_residual`.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> q = k = v = np.ones((2, 5, 4, 8))  # (batch, sequence, heads, head size)
        >>> nn.dot_product_attention(q, k, v, is_causal=True).shape
        (2, 5, 4, 8)
    """
    if implementation not in (None, "xla"):
        raise ValueError(f"{_FN}: implementation must be None or 'xla' in fungrad (NumPy "
                         f"backend), got {implementation!r}.")
    out_shape = tuple(fnp.shape(query))
    if len(out_shape) not in (3, 4):
        raise ShapeError(f"{_FN}: query must be (B, T, N, H) or (T, N, H), got {out_shape}.")
    q, k, v = _as_4d("query", query), _as_4d("key", key), _as_4d("value", value)
    b, n, kv_heads = _check_qkv(q, k, v)
    if kv_heads != n:  # grouped-query attention: repeat each key/value head for its group
        k, v = (fnp.repeat(x, n // kv_heads, axis=2) for x in (k, v))
    h = q.shape[3]
    scale = 1.0 / math.sqrt(h) if scale is None else scale
    logits = fnp.einsum("btnh,bsnh->bnts", q, k) * scale
    if bias is not None:
        bias = _as_4d("bias", bias)
        _check_logit_shaped("bias", bias, tuple(logits.shape))
        logits = logits + bias
    keep = _combined_mask(mask, tuple(logits.shape), is_causal, local_window_size,
                          query_seq_lengths, key_value_seq_lengths)
    if keep is not None:
        lowest = np.finfo(np.dtype(logits.dtype)).min
        logits = fnp.where(keep, logits, lowest)
    out = fnp.einsum("bnts,bsnh->btnh", softmax(logits, axis=-1), v)
    if query_seq_lengths is not None:  # padded query rows output zeros
        rows = fnp.arange(q.shape[1])[None, :] < fnp.asarray(query_seq_lengths)[:, None]
        out = out * fnp.asarray(rows, dtype=out.dtype)[:, :, None, None]
    out = fnp.reshape(out, out_shape)
    if not return_residual:
        return out
    residual = fnp.swapaxes(lax.stop_gradient(logsumexp(logits, axis=-1)), 1, 2)
    return out, fnp.reshape(residual, out_shape[:-1])


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
        num_heads = check_size("MultiheadAttention", "num_heads", num_heads)
        query_size = check_size("MultiheadAttention", "query_size", query_size)
        key_size, value_size, output_size = (
            None if size is None else check_size("MultiheadAttention", name, size)
            for name, size in (("key_size", key_size), ("value_size", value_size),
                               ("output_size", output_size)))
        if query_size % num_heads:
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
