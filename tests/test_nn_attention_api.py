"""nn.dot_product_attention against jax.nn.dot_product_attention and a float64 reference.

jax.nn.dot_product_attention always takes its softmax in float32, so it agrees with
fungrad's float64 attention to about 1e-7; the tight float64 comparison (values and both
derivative modes) is against the same formula written with jax.numpy in float64.
"""

from __future__ import annotations

import numpy as np
import pytest

import fungrad as fg
from fungrad import nn
from fungrad.errors import ShapeError

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy

RNG = np.random.default_rng(0)
B, T, S, N, H = 2, 5, 6, 4, 3


def _inputs(kv_heads=N, rank=4):
    q = RNG.normal(size=(B, T, N, H))
    k, v = RNG.normal(size=(2, B, S, kv_heads, H))
    if rank == 3:
        return q[0], k[0], v[0]
    return q, k, v


def _jax_reference(q, k, v, bias=None, mask=None, *, scale=None, is_causal=False,
                   query_seq_lengths=None, key_value_seq_lengths=None, local_window_size=None):
    """The attention formula in float64 jax.numpy (repeat kv heads, mask, softmax)."""
    squeeze = q.ndim == 3
    if squeeze:
        q, k, v = q[None], k[None], v[None]
    group = q.shape[2] // k.shape[2]
    k, v = jnp.repeat(k, group, axis=2), jnp.repeat(v, group, axis=2)
    scale = 1.0 / np.sqrt(q.shape[-1]) if scale is None else scale
    logits = jnp.einsum("btnh,bsnh->bnts", q, k) * scale
    if bias is not None:
        logits = logits + bias
    t, s = logits.shape[-2:]
    keep = jnp.ones(logits.shape, bool)
    if mask is not None:
        keep = keep & mask
    qi, kj = np.arange(t)[:, None], np.arange(s)[None, :]
    if is_causal:
        keep = keep & (kj <= qi)
    if local_window_size is not None:
        left, right = local_window_size
        keep = keep & (qi <= kj + left) & (qi >= kj - right)
    if query_seq_lengths is not None:
        keep = keep & (np.arange(t)[None, None, :, None] < query_seq_lengths[:, None, None, None])
    if key_value_seq_lengths is not None:
        keep = keep & (np.arange(s)[None, None, None, :]
                       < key_value_seq_lengths[:, None, None, None])
    logits = jnp.where(keep, logits, np.finfo(np.float64).min)
    out = jnp.einsum("bnts,bsnh->btnh", jax.nn.softmax(logits, axis=-1), v)
    if query_seq_lengths is not None:
        out = out * (np.arange(t)[None, :] < query_seq_lengths[:, None])[:, :, None, None]
    return out[0] if squeeze else out


LENGTHS = dict(query_seq_lengths=np.array([3, 5], np.int32),
               key_value_seq_lengths=np.array([4, 2], np.int32))
CONFIGS = {
    "plain": dict(),
    "bias": dict(bias=RNG.normal(size=(1, N, T, S))),
    "mask": dict(mask=RNG.random((B, 1, T, S)) > 0.3),
    "bias_and_mask": dict(bias=RNG.normal(size=(B, N, 1, S)), mask=RNG.random((1, N, T, S)) > 0.3),
    "causal": dict(is_causal=True),
    "window": dict(local_window_size=(1, 2)),
    "lengths": LENGTHS,
    "scale": dict(scale=0.3),
    "causal_mask_row_fully_masked": dict(is_causal=True, mask=np.zeros((1, 1, T, S), bool)),
}


@pytest.mark.parametrize("kv_heads", [N, 2, 1], ids=["mha", "gqa", "mqa"])
@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_matches_jax_values_and_grads(config, kv_heads):
    q, k, v = _inputs(kv_heads)
    kw = dict(CONFIGS[config])
    out = nn.dot_product_attention(q, k, v, **kw)
    assert out.shape == q.shape and out.dtype == np.float64
    # jax.nn's own function: float32 softmax, so agreement to float32 precision only
    jax_kw = {**kw, "local_window_size": kw.get("local_window_size")}
    np.testing.assert_allclose(out, jax.nn.dot_product_attention(q, k, v, **jax_kw),
                               rtol=1e-5, atol=1e-6)
    ref = lambda q, k, v: _jax_reference(q, k, v, **kw)
    np.testing.assert_allclose(out, ref(q, k, v), rtol=1e-12, atol=1e-13)
    ct = RNG.normal(size=out.shape)
    ours = fg.vjp(lambda q, k, v: nn.dot_product_attention(q, k, v, **kw), q, k, v)[1](ct)
    theirs = jax.vjp(ref, q, k, v)[1](ct)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    tangents = tuple(RNG.normal(size=x.shape) for x in (q, k, v))
    _, t_ours = fg.jvp(lambda q, k, v: nn.dot_product_attention(q, k, v, **kw), (q, k, v),
                       tangents)
    _, t_theirs = jax.jvp(ref, (q, k, v), tangents)
    np.testing.assert_allclose(t_ours, t_theirs, rtol=1e-10, atol=1e-12)


def test_bias_gradient_matches_jax():
    q, k, v = _inputs(2)
    bias = RNG.normal(size=(B, N, T, S))
    g = fg.grad(lambda b: nn.dot_product_attention(q, k, v, b, is_causal=True).sum())(bias)
    g_ref = jax.grad(lambda b: _jax_reference(q, k, v, b, is_causal=True).sum())(bias)
    np.testing.assert_allclose(g, g_ref, rtol=1e-10, atol=1e-12)


def test_rank3_inputs_and_int_window():
    q, k, v = _inputs(2, rank=3)
    out = nn.dot_product_attention(q, k, v, local_window_size=1)
    assert out.shape == q.shape
    np.testing.assert_allclose(out, _jax_reference(q, k, v, local_window_size=(1, 1)),
                               rtol=1e-12, atol=1e-13)


def test_padded_queries_output_zeros_and_residual():
    q, k, v = _inputs()
    out, lse = nn.dot_product_attention(q, k, v, return_residual=True, **LENGTHS)
    assert np.all(out[0, 3:] == 0) and np.any(out[0, :3] != 0)
    _, lse_jax = jax.nn.dot_product_attention(q, k, v, return_residual=True, **LENGTHS)
    assert lse.shape == (B, T, N)
    # masked rows hold the large negative constant, which differs between float32 and float64
    np.testing.assert_allclose(lse[0, :3], np.asarray(lse_jax)[0, :3], rtol=1e-5)


def test_jit_and_vmap():
    q, k, v = _inputs(2)
    f = lambda q, k, v: nn.dot_product_attention(q, k, v, is_causal=True)
    np.testing.assert_allclose(fg.jit(f)(q, k, v), f(q, k, v), rtol=1e-12)
    batched = fg.vmap(f)(q, k, v)  # vmap over B with rank-3 examples
    np.testing.assert_allclose(batched, f(q, k, v), rtol=1e-12)


def test_errors_name_the_argument():
    q, k, v = _inputs()
    with pytest.raises(ShapeError, match="multiple of the number of key/value heads"):
        nn.dot_product_attention(q[:, :, :3], k, v)
    with pytest.raises(ShapeError, match="value must have the shape of key"):
        nn.dot_product_attention(q, k, v[:, :4])
    with pytest.raises(TypeError, match="mask must be boolean"):
        nn.dot_product_attention(q, k, v, mask=np.ones((1, 1, T, S)))
    with pytest.raises(ShapeError, match="bias of shape"):
        nn.dot_product_attention(q, k, v, bias=np.ones((1, 1, T, S + 1)))
    with pytest.raises(TypeError, match="query_seq_lengths"):
        nn.dot_product_attention(q, k, v, query_seq_lengths=np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="implementation"):
        nn.dot_product_attention(q, k, v, implementation="cudnn")
