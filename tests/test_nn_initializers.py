"""Tests of fungrad.nn.initializers: statistics on large samples, fans, orthogonality."""

from __future__ import annotations

import math

import numpy as np
import pytest

import fungrad as fg
from fungrad.nn import initializers as init

KEY = fg.random.key(0)


def test_zeros_ones_constant():
    z = init.zeros(KEY, (2, 3))
    assert z.shape == (2, 3) and z.dtype == np.float32 and not z.any()
    o = init.ones(KEY, (4,), np.float64)
    assert o.dtype == np.float64 and np.all(o == 1)
    c = init.constant(0.5)(KEY, (2, 2))
    assert c.dtype == np.float32 and np.all(c == 0.5)


def test_normal_uniform_truncated_normal_statistics():
    n = (400, 500)
    x = init.normal(0.1)(KEY, n)
    assert x.dtype == np.float32 and x.shape == n
    assert abs(x.mean()) < 0.002 and abs(x.std() - 0.1) < 0.002
    u = init.uniform(0.3)(KEY, n, np.float64)
    assert u.dtype == np.float64 and u.min() >= 0.0 and u.max() < 0.3
    assert abs(u.mean() - 0.15) < 0.002
    t = init.truncated_normal(2.0)(KEY, n)
    assert np.all(np.abs(t) <= 4.0)
    # std of a standard normal truncated to [-2, 2] is 0.8796
    assert abs(t.std() - 2.0 * 0.87962566) < 0.01


FANS = {  # shape: (fan_in, fan_out)
    (300, 200): (300, 200),
    (3, 5, 40, 60): (3 * 5 * 40, 3 * 5 * 60),  # HWIO conv kernel: receptive field 15
}

PRESETS = [  # name, scale, mode
    ("glorot_normal", 1.0, "fan_avg"), ("glorot_uniform", 1.0, "fan_avg"),
    ("xavier_normal", 1.0, "fan_avg"), ("xavier_uniform", 1.0, "fan_avg"),
    ("he_normal", 2.0, "fan_in"), ("he_uniform", 2.0, "fan_in"),
    ("kaiming_normal", 2.0, "fan_in"), ("kaiming_uniform", 2.0, "fan_in"),
    ("lecun_normal", 1.0, "fan_in"), ("lecun_uniform", 1.0, "fan_in"),
]


@pytest.mark.parametrize("shape", list(FANS), ids=str)
@pytest.mark.parametrize("name,scale,mode", PRESETS, ids=[p[0] for p in PRESETS])
def test_variance_scaling_presets(name, scale, mode, shape):
    fan_in, fan_out = FANS[shape]
    n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
    w = getattr(init, name)()(KEY, shape)
    assert w.shape == shape and w.dtype == np.float32
    var = float(np.var(w.astype(np.float64)))
    # relative sampling error of a variance on >= 60k draws is < 1%; allow 5%
    assert abs(var / (scale / n) - 1) < 0.05, (var, scale / n)
    limit = math.sqrt(3 * scale / n)
    if name.endswith("uniform"):
        assert np.abs(w).max() <= limit and np.abs(w).max() > 0.99 * limit
    else:  # truncated at two (corrected) standard deviations
        assert np.abs(w).max() <= 2 * math.sqrt(scale / n) / 0.87962566 + 1e-6


@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan_avg"])
@pytest.mark.parametrize("distribution", ["normal", "uniform", "truncated_normal"])
def test_variance_scaling_modes_and_axes(mode, distribution):
    # weights stored (out, in) with a batch axis: tell the initializer where the axes are
    shape = (4, 150, 250)
    f = init.variance_scaling(3.0, mode, distribution, in_axis=2, out_axis=1, batch_axis=0)
    w = f(KEY, shape, np.float64)
    n = {"fan_in": 250, "fan_out": 150, "fan_avg": 200}[mode]
    assert abs(np.var(w) / (3.0 / n) - 1) < 0.05


def test_initializers_are_deterministic_per_key():
    f = init.he_normal()
    np.testing.assert_array_equal(f(KEY, (5, 5)), f(KEY, (5, 5)))
    assert np.any(f(KEY, (5, 5)) != f(fg.random.key(1), (5, 5)))


@pytest.mark.parametrize("shape", [(6, 6), (10, 4), (4, 10), (3, 3, 2, 8)], ids=str)
def test_orthogonal(shape):
    w = np.asarray(init.orthogonal(scale=2.0)(KEY, shape, np.float64))
    assert w.shape == shape
    m = w.reshape(-1, shape[-1])  # rows x columns
    if m.shape[0] >= m.shape[1]:
        np.testing.assert_allclose(m.T @ m, 4.0 * np.eye(m.shape[1]), atol=1e-12)
    else:
        np.testing.assert_allclose(m @ m.T, 4.0 * np.eye(m.shape[0]), atol=1e-12)
    assert init.orthogonal()(KEY, shape).dtype == np.float32


def test_orthogonal_column_axis():
    w = np.asarray(init.orthogonal(column_axis=0)(KEY, (5, 8), np.float64))
    np.testing.assert_allclose(w @ w.T, np.eye(5), atol=1e-12)  # the 5 columns along axis 0


def test_initializer_errors():
    with pytest.raises(ValueError, match="variance_scaling: cannot tell fan-in"):
        init.glorot_normal()(KEY, (5,))
    with pytest.raises(ValueError, match="mode must be one of"):
        init.variance_scaling(1.0, "fan_sideways", "normal")
    with pytest.raises(ValueError, match="distribution must be one of"):
        init.variance_scaling(1.0, "fan_in", "cauchy")
    with pytest.raises(TypeError, match="normal: dtype must be a real floating dtype"):
        init.normal()(KEY, (2, 2), np.int32)
    with pytest.raises(ValueError, match="axis 3 is out of range for a weight of shape"):
        init.variance_scaling(1.0, "fan_in", "normal", in_axis=3)(KEY, (2, 2))
    with pytest.raises(ValueError, match="orthogonal: needs a shape of at least 2 axes"):
        init.orthogonal()(KEY, (4,))


def test_initializers_under_vmap_over_keys():
    keys = fg.random.split(KEY, 3)
    for f in (init.glorot_uniform(), init.orthogonal(), init.normal(1.0)):
        batched = fg.vmap(lambda k, f=f: f(k, (4, 3)))(keys)
        np.testing.assert_allclose(batched, np.stack([f(k, (4, 3)) for k in keys]), rtol=1e-6)


@pytest.mark.parametrize("name", ["glorot_normal", "he_uniform", "lecun_normal"])
def test_variances_match_jax(name):
    jax = pytest.importorskip("jax")
    for shape in [(300, 200), (3, 3, 40, 60)]:
        ours = np.asarray(getattr(init, name)()(KEY, shape, np.float64))
        theirs = np.asarray(getattr(jax.nn.initializers, name)()(jax.random.PRNGKey(0), shape))
        assert abs(np.var(ours) / np.var(theirs) - 1) < 0.06
