"""Tests of fungrad.nn layers: shapes, dtypes, NumPy references, gradients, vmap vs loops."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad import nn
from fungrad.errors import ShapeError
from fungrad.test_util import check_grads

F64 = np.float64


def keys(n, seed=0):
    return fg.random.split(fg.random.key(seed), n)


def rand(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


def assert_vmap_matches_loop(f, xs, rtol=1e-10):
    batched = np.asarray(fg.vmap(f)(xs))
    looped = np.stack([np.asarray(f(x)) for x in xs])
    np.testing.assert_allclose(batched, looped, rtol=rtol, atol=1e-12)


# --- Linear, Embedding, Lambda -----------------------------------------------------------


def test_linear_forward_matches_numpy():
    layer = nn.Linear(3, 4, key=fg.random.key(0))
    assert layer.weight.dtype == np.float32 and layer.weight.shape == (3, 4)
    x = rand(2, 5, 3).astype(np.float32)
    y = layer(x)
    assert y.shape == (2, 5, 4) and y.dtype == np.float32
    np.testing.assert_allclose(y, x @ layer.weight + layer.bias, rtol=1e-6)
    limit = 1 / math.sqrt(3)
    assert np.all(np.abs(layer.weight) <= limit) and np.all(np.abs(layer.bias) <= limit)


def test_linear_without_bias_and_float64():
    layer = nn.Linear(3, 2, use_bias=False, key=fg.random.key(1), dtype=F64)
    assert layer.bias is None and layer.weight.dtype == F64
    x = rand(3)
    np.testing.assert_allclose(layer(x), x @ layer.weight)


def test_linear_grads_and_vmap():
    layer = nn.Linear(3, 2, key=fg.random.key(0), dtype=F64)
    check_grads(lambda m, x: m(x), (layer, rand(4, 3)), order=2)
    assert_vmap_matches_loop(layer, rand(5, 3))


def test_linear_shape_error_names_the_layer_and_shapes():
    layer = nn.Linear(3, 2, key=fg.random.key(0))
    with pytest.raises(ShapeError,
                       match=r"Linear: x of shape \(4, 5\) must end with the axes \(3\)"):
        layer(np.ones((4, 5), np.float32))


def test_embedding_lookup_grad_and_vmap():
    emb = nn.Embedding(6, 3, key=fg.random.key(0), dtype=F64)
    ids = np.array([[0, 5, 5], [2, 0, 1]])
    out = emb(ids)
    assert out.shape == (2, 3, 3)
    np.testing.assert_array_equal(out, emb.weight[ids])
    g = fg.grad(lambda m: fnp.sum(m(ids)))(emb)
    expected = np.zeros((6, 3))
    np.add.at(expected, ids, 1.0)
    np.testing.assert_array_equal(g.weight, expected)  # repeated ids accumulate
    check_grads(lambda m: m(ids) ** 2, (emb,), order=2)
    assert_vmap_matches_loop(emb, ids)
    with pytest.raises(TypeError, match="Embedding: indices must be integers"):
        emb(np.ones(2))


def test_lambda_and_identity():
    assert nn.Identity()(3.0) == 3.0
    lam = nn.Lambda(nn.relu)
    assert fg.tree_util.tree_leaves(lam) == []
    np.testing.assert_array_equal(lam(np.array([-1.0, 2.0])), [0.0, 2.0])


# --- Conv2d and pooling ------------------------------------------------------------------


def same_pads(size, k, stride, dilation=1):
    out = -(-size // stride)
    total = max((out - 1) * stride + (k - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


def conv_reference(x, w, b, stride, pads, dilation, groups):
    """Direct NHWC/HWIO convolution with explicit loops (small sizes only)."""
    (sh, sw), (dh, dw) = stride, dilation
    kh, kw, cin_g, cout = w.shape
    xp = np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)))
    n, hp, wp, _ = xp.shape
    oh = (hp - (kh - 1) * dh - 1) // sh + 1
    ow = (wp - (kw - 1) * dw - 1) // sw + 1
    out = np.zeros((n, oh, ow, cout))
    cout_g = cout // groups
    for i, j, o in itertools.product(range(oh), range(ow), range(cout)):
        g = o // cout_g
        patch = xp[:, i * sh:i * sh + (kh - 1) * dh + 1:dh, j * sw:j * sw + (kw - 1) * dw + 1:dw,
                   g * cin_g:(g + 1) * cin_g]
        out[:, i, j, o] = np.einsum("nhwc,hwc->n", patch, w[..., o])
    return out if b is None else out + b


CONV_CONFIGS = [
    dict(kernel_size=3),
    dict(kernel_size=(3, 2), stride=2),
    dict(kernel_size=3, padding="VALID", dilation=2),
    dict(kernel_size=2, padding=1, groups=2),
    dict(kernel_size=3, padding=((1, 0), (2, 1)), stride=(1, 2), use_bias=False),
    dict(kernel_size=3, padding=(0, 1), groups=4, out_channels=8),  # depthwise
]


def _config_id(cfg):
    return ",".join(f"{k}={v}" for k, v in cfg.items())


@pytest.mark.parametrize("cfg", CONV_CONFIGS, ids=_config_id)
def test_conv2d_matches_direct_loops(cfg):
    cfg = dict(cfg)
    out_channels = cfg.pop("out_channels", 6)
    conv = nn.Conv2d(4, out_channels, key=fg.random.key(0), dtype=F64, **cfg)
    x = rand(2, 7, 6, 4)
    kh, kw = conv.kernel_size
    if conv.padding == "SAME":
        pads = (same_pads(7, kh, conv.stride[0], conv.dilation[0]),
                same_pads(6, kw, conv.stride[1], conv.dilation[1]))
    elif conv.padding == "VALID":
        pads = ((0, 0), (0, 0))
    else:
        pads = conv.padding
    ref = conv_reference(x, np.asarray(conv.weight), conv.bias, conv.stride, pads,
                         conv.dilation, conv.groups)
    np.testing.assert_allclose(conv(x), ref, rtol=1e-10, atol=1e-12)


def test_conv2d_dtype_shapes_and_leading_axes():
    conv = nn.Conv2d(3, 5, 3, key=fg.random.key(0))
    assert conv.weight.shape == (3, 3, 3, 5) and conv.weight.dtype == np.float32
    x = rand(2, 3, 8, 8, 3).astype(np.float32)
    y = conv(x)
    assert y.shape == (2, 3, 8, 8, 5) and y.dtype == np.float32
    np.testing.assert_allclose(conv(x[1, 2]), y[1, 2], rtol=1e-5, atol=1e-6)  # one image


def test_conv2d_grads_and_vmap():
    conv = nn.Conv2d(2, 3, 3, stride=2, key=fg.random.key(0), dtype=F64)
    check_grads(lambda m, x: m(x), (conv, rand(2, 5, 5, 2)), order=2)
    assert_vmap_matches_loop(conv, rand(3, 5, 5, 2))


def test_conv2d_errors():
    with pytest.raises(ValueError, match="Conv2d: groups=3 must divide in_channels=4"):
        nn.Conv2d(4, 6, 3, groups=3, key=fg.random.key(0))
    with pytest.raises(ValueError, match="Conv2d: padding must be"):
        nn.Conv2d(4, 6, 3, padding="FULL", key=fg.random.key(0))
    conv = nn.Conv2d(4, 6, 3, key=fg.random.key(0))
    with pytest.raises(ShapeError, match=r"Conv2d: x of shape \(2, 5, 5, 3\) has 3 channels"):
        conv(np.ones((2, 5, 5, 3), np.float32))
    with pytest.raises(ShapeError, match="Conv2d: x must be an image"):
        conv(np.ones((5, 4), np.float32))


def pool_reference(x, k, stride, pads, kind):
    fill = -np.inf if kind == "max" else 0.0
    xp = np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)), constant_values=fill)
    oh = (xp.shape[1] - k[0]) // stride[0] + 1
    ow = (xp.shape[2] - k[1]) // stride[1] + 1
    out = np.zeros((x.shape[0], oh, ow, x.shape[3]))
    for i, j in itertools.product(range(oh), range(ow)):
        win = xp[:, i * stride[0]:i * stride[0] + k[0], j * stride[1]:j * stride[1] + k[1]]
        out[:, i, j] = win.max(axis=(1, 2)) if kind == "max" else win.mean(axis=(1, 2))
    return out


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("kernel,stride,padding,pads", [
    (2, None, "VALID", ((0, 0), (0, 0))),
    (3, 2, 1, ((1, 1), (1, 1))),
    ((2, 3), (1, 2), "SAME", ((0, 1), (1, 1))),
])
def test_pooling_matches_direct_loops(kind, kernel, stride, padding, pads):
    layer_type = nn.MaxPool2d if kind == "max" else nn.AvgPool2d
    layer = layer_type(kernel, stride, padding)
    x = rand(2, 6, 5, 3)
    expected = pool_reference(x, layer.kernel_size, layer.stride, pads, kind)
    np.testing.assert_allclose(layer(x), expected, rtol=1e-12)
    assert fg.tree_util.tree_leaves(layer) == []
    check_grads(layer, (x[:1, :4, :4, :2],), order=2)
    assert_vmap_matches_loop(layer, x)


def test_pooling_float32_and_single_image():
    x = rand(4, 4, 2).astype(np.float32)
    y = nn.MaxPool2d(2)(x)
    assert y.shape == (2, 2, 2) and y.dtype == np.float32
    np.testing.assert_array_equal(y, x.reshape(2, 2, 2, 2, 2).max(axis=(1, 3)))
    assert nn.AvgPool2d(2)(x).dtype == np.float32


# --- Dropout -----------------------------------------------------------------------------


def test_dropout_keep_rate_and_scaling():
    x = np.ones(200_000)
    y = nn.Dropout(0.3)(x, key=fg.random.key(0))
    kept = y != 0
    # keep rate 0.7 within ~6 binomial standard deviations (sd ~ 0.001)
    assert abs(kept.mean() - 0.7) < 0.006
    np.testing.assert_allclose(y[kept], 1 / 0.7)
    assert abs(y.mean() - 1.0) < 0.01  # unbiased in expectation


def test_dropout_is_deterministic_per_key():
    drop = nn.Dropout(0.5)
    x = rand(1000)
    k1, k2 = keys(2)
    np.testing.assert_array_equal(drop(x, key=k1), drop(x, key=k1))
    assert np.any(drop(x, key=k1) != drop(x, key=k2))


def test_dropout_off_cases_and_missing_key():
    x = rand(10)
    assert nn.Dropout(0.5)(x, inference=True) is x
    assert nn.Dropout(0.5, inference=True)(x) is x
    assert nn.Dropout(0.0)(x) is x
    np.testing.assert_array_equal(nn.Dropout(1.0)(x, key=fg.random.key(0)), np.zeros(10))
    with pytest.raises(ValueError, match="Dropout: called in training mode without a key"):
        nn.Dropout(0.5)(x)
    with pytest.raises(ValueError, match=r"Dropout: p must be a probability in \[0, 1\]"):
        nn.Dropout(1.5)
    # inference=False at call time overrides an inference layer
    y = nn.Dropout(0.5, inference=True)(x, key=fg.random.key(0), inference=False)
    assert np.any(y == 0)


def test_dropout_grad_and_vmap_with_split_keys():
    drop = nn.Dropout(0.4)
    x = rand(6, 50)
    k = fg.random.key(2)
    g = fg.grad(lambda x: fnp.sum(drop(x, key=k)))(x[0])
    mask = np.asarray(drop(np.ones(50), key=k)) != 0
    np.testing.assert_allclose(g, mask / 0.6)
    check_grads(lambda x: drop(x, key=k), (x[0],), order=2)
    ks = keys(6, seed=5)
    batched = fg.vmap(lambda x, k: drop(x, key=k))(x, ks)
    looped = np.stack([drop(xi, key=ki) for xi, ki in zip(x, ks)])
    np.testing.assert_array_equal(batched, looped)


# --- LayerNorm and BatchNorm -------------------------------------------------------------


def test_layernorm_matches_numpy():
    x = rand(3, 4, 5) * 3 + 1
    for shape in (5, (4, 5)):
        ln = nn.LayerNorm(shape, dtype=F64)
        axes = (-1,) if shape == 5 else (-2, -1)
        mean = x.mean(axis=axes, keepdims=True)
        var = x.var(axis=axes, keepdims=True)
        np.testing.assert_allclose(ln(x), (x - mean) / np.sqrt(var + 1e-5), rtol=1e-12)
    ln = nn.LayerNorm(5, use_weight=False, use_bias=False)
    assert ln.weight is None and ln.bias is None and fg.tree_util.tree_leaves(ln) == []
    assert nn.LayerNorm(5)(x.astype(np.float32)).dtype == np.float32
    with pytest.raises(ShapeError, match=r"LayerNorm: x of shape \(3, 4, 5\) must end with"):
        nn.LayerNorm((3, 5))(x)


def test_layernorm_grads_and_vmap():
    ln = nn.LayerNorm(4, dtype=F64)
    ln = fg.tree_util.tree_map(lambda p: p + rand(*p.shape, seed=1), ln)  # non-trivial affine
    check_grads(lambda m, x: m(x), (ln, rand(3, 4)), order=2)
    assert_vmap_matches_loop(ln, rand(5, 2, 4))


def test_batchnorm_training_statistics_and_state_update():
    bn = nn.BatchNorm(3, momentum=0.9, dtype=F64)
    state = bn.initial_state()
    assert isinstance(state, nn.BatchNormState)
    np.testing.assert_array_equal(state.mean, np.zeros(3))
    np.testing.assert_array_equal(state.var, np.ones(3))
    x = rand(8, 5, 3) * np.array([1.0, 2.0, 5.0]) + np.array([0.0, -1.0, 4.0])
    y, new = bn(x, state)
    np.testing.assert_allclose(y.mean(axis=(0, 1)), 0.0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=(0, 1)), 1.0, rtol=1e-4)  # var / (var + eps)
    np.testing.assert_allclose(new.mean, 0.1 * x.mean(axis=(0, 1)), rtol=1e-12)
    np.testing.assert_allclose(new.var, 0.9 + 0.1 * x.var(axis=(0, 1)), rtol=1e-12)


def test_batchnorm_train_vs_inference():
    bn = nn.BatchNorm(2, momentum=0.5, dtype=F64)
    x = rand(16, 2) * 3 + 2
    state = bn.initial_state()
    for _ in range(30):  # running stats converge to the batch stats
        _, state = bn(x, state)
    y_train, _ = bn(x, state)
    y_inf, same = bn(x, state, inference=True)
    assert same is state
    np.testing.assert_allclose(y_inf, (x - state.mean) / np.sqrt(state.var + 1e-5), rtol=1e-12)
    np.testing.assert_allclose(y_inf, y_train, rtol=1e-6, atol=1e-6)
    # with fresh running stats, inference is (almost) the identity and differs from training
    y_fresh, _ = bn(x, bn.initial_state(), inference=True)
    np.testing.assert_allclose(y_fresh, x / np.sqrt(1 + 1e-5), rtol=1e-12)
    assert not np.allclose(y_fresh, y_train)
    # inference on one example works (no batch axis needed); training needs a batch axis
    np.testing.assert_allclose(bn(x[0], state, inference=True)[0], y_inf[0], rtol=1e-12)
    with pytest.raises(ShapeError, match="BatchNorm: in training mode x needs a batch axis"):
        bn(x[0], state)


def test_batchnorm_grads_and_vmap_over_groups():
    bn = nn.BatchNorm(3, dtype=F64)
    bn = fg.tree_util.tree_map(lambda p: p + rand(*p.shape, seed=2), bn)
    state = bn.initial_state()
    check_grads(lambda m, x: m(x, state), (bn, rand(5, 3)), order=2)
    check_grads(lambda m, x: m(x, state, inference=True)[0], (bn, rand(5, 3)), order=2)
    groups = rand(4, 6, 3)
    out, states = fg.vmap(lambda x: bn(x, state))(groups)
    for g in range(4):
        y, s = bn(groups[g], state)
        np.testing.assert_allclose(out[g], y, rtol=1e-12)
        np.testing.assert_allclose(states.mean[g], s.mean, rtol=1e-12)


# --- LSTM --------------------------------------------------------------------------------


def np_sigmoid(z):
    return 1 / (1 + np.exp(-z))


def lstm_reference(cell, xs, h, c):
    w_ih, w_hh, b = (np.asarray(a) for a in (cell.weight_ih, cell.weight_hh, cell.bias))
    ys = []
    for x in xs:
        z = x @ w_ih + h @ w_hh + b
        i, f, g, o = np.split(z, 4, axis=-1)
        c = np_sigmoid(f) * c + np_sigmoid(i) * np.tanh(g)
        h = np_sigmoid(o) * np.tanh(c)
        ys.append(h)
    return np.stack(ys), h, c


def test_lstm_matches_a_numpy_loop():
    lstm = nn.LSTM(3, 4, key=fg.random.key(0), dtype=F64)
    xs = rand(6, 2, 3)
    ys, (h, c) = lstm(xs)
    ref_ys, ref_h, ref_c = lstm_reference(lstm.cell, xs, np.zeros((2, 4)), np.zeros((2, 4)))
    np.testing.assert_allclose(ys, ref_ys, rtol=1e-12)
    np.testing.assert_allclose(h, ref_h, rtol=1e-12)
    np.testing.assert_allclose(c, ref_c, rtol=1e-12)
    h0, c0 = rand(2, 4, seed=1), rand(2, 4, seed=2)
    ys, (h, c) = lstm(xs, (h0, c0))
    ref_ys, ref_h, ref_c = lstm_reference(lstm.cell, xs, h0, c0)
    np.testing.assert_allclose(ys, ref_ys, rtol=1e-12)
    np.testing.assert_allclose(c, ref_c, rtol=1e-12)


def test_lstm_cell_step_and_dtype():
    cell = nn.LSTMCell(3, 5, key=fg.random.key(1))
    assert cell.weight_ih.shape == (3, 20) and cell.weight_hh.shape == (5, 20)
    x = rand(2, 7, 3).astype(np.float32)
    h = c = np.zeros((2, 7, 5), np.float32)
    h1, c1 = cell(x, (h, c))
    assert h1.shape == (2, 7, 5) and h1.dtype == np.float32
    _, ref_h, ref_c = lstm_reference(cell, x[None], h, c)
    np.testing.assert_allclose(h1, ref_h, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(c1, ref_c, rtol=1e-5, atol=1e-6)
    with pytest.raises(ShapeError, match=r"LSTMCell: state\[0\] \(h\) of shape \(2, 7, 4\)"):
        cell(x, (np.zeros((2, 7, 4)), c))
    assert nn.LSTMCell(3, 5, use_bias=False, key=fg.random.key(1)).bias is None


def test_lstm_grads_and_vmap_per_sequence():
    lstm = nn.LSTM(2, 3, key=fg.random.key(0), dtype=F64)
    check_grads(lambda m, xs: m(xs), (lstm, rand(3, 2, 2)), order=2)
    seqs = rand(4, 5, 2)  # 4 sequences of length 5, one per example
    assert_vmap_matches_loop(lambda xs: lstm(xs)[0], seqs)
    batched_time_major = lstm(np.swapaxes(seqs, 0, 1))[0]
    np.testing.assert_allclose(np.swapaxes(batched_time_major, 0, 1),
                               fg.vmap(lambda xs: lstm(xs)[0])(seqs), rtol=1e-12)


# --- MultiheadAttention ------------------------------------------------------------------


def attention_reference(mha, q, k, v, mask=None, causal=False):
    def proj(layer, x):
        return x @ np.asarray(layer.weight) + np.asarray(layer.bias)

    def heads(x):
        *lead, s, f = x.shape
        return np.swapaxes(x.reshape(*lead, s, mha.num_heads, f // mha.num_heads), -2, -3)

    qh, kh, vh = heads(proj(mha.query_proj, q)), heads(proj(mha.key_proj, k)), heads(
        proj(mha.value_proj, v))
    logits = qh @ np.swapaxes(kh, -1, -2) / np.sqrt(qh.shape[-1])
    full = np.ones(logits.shape, bool)
    if mask is not None:
        full &= np.broadcast_to(mask, logits.shape)
    if causal:
        full &= np.tril(np.ones(logits.shape[-2:], bool))
    logits = np.where(full, logits, -1e300)
    w = np.exp(logits - logits.max(-1, keepdims=True))
    w /= w.sum(-1, keepdims=True)
    out = np.swapaxes(w @ vh, -2, -3)
    out = out.reshape(*out.shape[:-2], -1)
    return proj(mha.output_proj, out)


def test_attention_matches_numpy():
    mha = nn.MultiheadAttention(2, 6, key_size=4, value_size=5, output_size=3,
                                key=fg.random.key(0), dtype=F64)
    q, k, v = rand(2, 4, 6, seed=1), rand(2, 7, 4, seed=2), rand(2, 7, 5, seed=3)
    out = mha(q, k, v)
    assert out.shape == (2, 4, 3)
    np.testing.assert_allclose(out, attention_reference(mha, q, k, v), rtol=1e-10)
    mask = rand(2, 1, 4, 7, seed=4) > 0  # per example and query, shared by heads
    np.testing.assert_allclose(mha(q, k, v, mask), attention_reference(mha, q, k, v, mask),
                               rtol=1e-10)
    f32 = nn.MultiheadAttention(2, 6, key=fg.random.key(0))
    x = rand(3, 6).astype(np.float32)
    assert f32(x, x, x).dtype == np.float32


def test_attention_causal_mask_ignores_the_future():
    mha = nn.MultiheadAttention(2, 4, key=fg.random.key(1), dtype=F64)
    x = rand(6, 4)
    out = mha(x, x, x, causal=True)
    np.testing.assert_allclose(out, attention_reference(mha, x, x, x, causal=True), rtol=1e-10)
    for t in range(5):
        changed = x.copy()
        changed[t + 1:] += rand(5 - t, 4, seed=t + 10) * 10
        new = mha(changed, changed, changed, causal=True)
        np.testing.assert_allclose(new[: t + 1], out[: t + 1], rtol=1e-12)
        assert not np.allclose(new[t + 1:], out[t + 1:])
    # the Jacobian of output t w.r.t. inputs after t is exactly zero
    jac = fg.jacrev(lambda x: mha(x, x, x, causal=True))(x)  # (6, 4, 6, 4)
    for t in range(6):
        assert np.all(jac[t, :, t + 1:] == 0)
        assert np.any(jac[t, :, : t + 1] != 0)


def test_attention_fully_masked_row_is_finite():
    mha = nn.MultiheadAttention(1, 2, key=fg.random.key(0), dtype=F64)
    x = rand(3, 2) * 1e3
    mask = np.array([[True, True, False], [False, False, False], [True, False, True]])
    out = mha(x, x, x, mask)
    assert np.all(np.isfinite(out))
    g = fg.grad(lambda x: fnp.sum(mha(x, x, x, mask)))(x)
    assert np.all(np.isfinite(g))


def test_attention_grads_vmap_and_errors():
    mha = nn.MultiheadAttention(2, 4, key=fg.random.key(2), dtype=F64)
    x = rand(3, 4)
    check_grads(lambda m, x: m(x, x, x, causal=True), (mha, x), order=2)
    assert_vmap_matches_loop(lambda x: mha(x, x, x, causal=True), rand(3, 5, 4))
    with pytest.raises(ValueError, match="num_heads=3 must be positive and divide query_size=4"):
        nn.MultiheadAttention(3, 4, key=fg.random.key(0))
    with pytest.raises(ShapeError, match="mask of shape \\(2, 2\\) does not broadcast"):
        mha(x, x, x, np.ones((2, 2), bool))
    with pytest.raises(TypeError, match="mask must be boolean"):
        mha(x, x, x, np.ones((3, 3)))
    with pytest.raises(ShapeError, match="same sequence length"):
        mha(x, x, rand(4, 4))


# --- Sequential --------------------------------------------------------------------------


def test_sequential_calls_layers_in_order():
    k1, k2 = keys(2)
    l1, l2 = nn.Linear(3, 4, key=k1, dtype=F64), nn.Linear(4, 2, key=k2, dtype=F64)
    seq = nn.Sequential([l1, nn.tanh, l2])
    assert isinstance(seq.layers[1], nn.Lambda) and len(seq) == 3
    x = rand(5, 3)
    np.testing.assert_allclose(seq(x), l2(np.tanh(l1(x))), rtol=1e-12)
    np.testing.assert_allclose(seq[:2](x), np.tanh(l1(x)), rtol=1e-12)
    assert seq[2] is l2
    check_grads(lambda m, x: m(x), (seq, x), order=2)
    assert_vmap_matches_loop(seq, x)


def test_sequential_splits_keys_for_layers_that_take_one():
    seq = nn.Sequential([nn.Dropout(0.5), nn.relu, nn.Dropout(0.5)])
    x = rand(100) + 5.0  # positive, so relu keeps everything
    k = fg.random.key(7)
    k0, _, k2 = fg.random.split(k, 3)
    expected = nn.Dropout(0.5)(nn.Dropout(0.5)(x, key=k0), key=k2)
    np.testing.assert_array_equal(seq(x, key=k), expected)
    with pytest.raises(ValueError, match="without a key") as info:
        seq(x)
    assert ".layers[0]" in "".join(getattr(info.value, "__notes__", [".layers[0]"]))
    with pytest.raises(TypeError, match=r"Sequential: layers\[1\] is not callable"):
        nn.Sequential([nn.relu, 3])


# --- jit ---------------------------------------------------------------------------------


def _jit_cases():
    k = fg.random.key(0)
    return {
        "linear": (nn.Linear(3, 2, key=k, dtype=F64), rand(4, 3)),
        "conv": (nn.Conv2d(2, 3, 3, stride=2, key=k, dtype=F64), rand(2, 5, 5, 2)),
        "maxpool": (nn.MaxPool2d(2, padding="SAME"), rand(2, 5, 5, 2)),
        "layernorm": (nn.LayerNorm(3, dtype=F64), rand(4, 3)),
        "lstm": (nn.Sequential([nn.LSTM(3, 4, key=k, dtype=F64), lambda out: out[0]]),
                 rand(5, 2, 3)),
        "sequential": (nn.Sequential([nn.Linear(3, 4, key=k, dtype=F64), nn.gelu]), rand(2, 3)),
    }


@pytest.mark.parametrize("name", list(_jit_cases()))
def test_layers_under_jit(name):
    layer, x = _jit_cases()[name]
    apply = fg.jit(lambda m, x: m(x))
    np.testing.assert_allclose(apply(layer, x), layer(x), rtol=1e-12)
    loss = lambda m, x: fnp.sum(m(x) ** 2)  # noqa: E731
    jitted = fg.jit(fg.grad(loss, argnums=(0, 1)))(layer, x)
    eager = fg.grad(loss, argnums=(0, 1))(layer, x)
    for a, b in zip(fg.tree_util.tree_leaves(jitted), fg.tree_util.tree_leaves(eager)):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
