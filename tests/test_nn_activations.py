"""Tests of fungrad.nn activations: NumPy/SciPy references, extremes, gradients, JAX."""

from __future__ import annotations

import math

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad import nn
from fungrad.test_util import check_grads

X = np.linspace(-6.0, 6.0, 25) + 0.01  # avoid the kinks at exactly 0
EXTREMES = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
_erfc = np.vectorize(math.erfc)


def np_sigmoid(x):
    return np.exp(-np.logaddexp(0.0, -x))


REFERENCES = {
    "relu": lambda x: np.maximum(x, 0),
    "sigmoid": np_sigmoid,
    "log_sigmoid": lambda x: -np.logaddexp(0.0, -x),
    "tanh": np.tanh,
    "softplus": lambda x: np.logaddexp(x, 0.0),
    "silu": lambda x: x * np_sigmoid(x),
    "swish": lambda x: x * np_sigmoid(x),
    "leaky_relu": lambda x: np.where(x >= 0, x, 0.01 * x),
    "elu": lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
    "gelu": lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3))),
    "gelu_exact": lambda x: 0.5 * x * _erfc(-x / np.sqrt(2)),
}


def activation(name):
    if name == "gelu_exact":
        return lambda x: nn.gelu(x, approximate=False)
    return getattr(nn, name)


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_activation_values_and_grads(name):
    f = activation(name)
    np.testing.assert_allclose(f(X), REFERENCES[name](X), rtol=1e-12, atol=1e-15)
    check_grads(f, (X,), order=2)
    assert f(X.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_activation_extremes_are_exact_and_gradients_finite(name):
    f = activation(name)
    with np.errstate(over="ignore"):
        expected = REFERENCES[name](EXTREMES)
    np.testing.assert_allclose(f(EXTREMES), expected, rtol=1e-15)
    grads = fg.vmap(fg.grad(f))(EXTREMES)
    assert np.all(np.isfinite(grads)), grads
    second = fg.vmap(fg.grad(fg.grad(f)))(EXTREMES)
    assert np.all(np.isfinite(second)), second


def test_special_values():
    assert float(nn.softplus(1000.0)) == 1000.0
    assert float(nn.sigmoid(-1000.0)) == 0.0
    assert float(fg.grad(nn.softplus)(1000.0)) == 1.0
    assert float(fg.grad(nn.relu)(0.0)) == 0.0  # as in JAX
    assert float(nn.gelu(0.0, approximate=False)) == 0.0
    np.testing.assert_allclose(fg.grad(lambda x: nn.gelu(x, approximate=False))(0.0), 0.5)
    assert float(nn.leaky_relu(-2.0, negative_slope=0.2)) == pytest.approx(-0.4)
    assert float(nn.elu(-1e3, alpha=2.0)) == -2.0


def test_exact_gelu_against_scipy_erf_over_a_wide_range():
    special = pytest.importorskip("scipy.special")
    x = np.linspace(-12, 12, 2001)
    expected = 0.5 * x * special.erfc(-x / np.sqrt(2))
    np.testing.assert_allclose(nn.gelu(x, approximate=False), expected, rtol=1e-12, atol=1e-15)
    density = np.exp(-x * x / 2) / np.sqrt(2 * np.pi)
    grad_expected = 0.5 * special.erfc(-x / np.sqrt(2)) + x * density
    np.testing.assert_allclose(fg.vmap(fg.grad(lambda t: nn.gelu(t, False)))(x), grad_expected,
                               rtol=1e-12, atol=1e-15)


def np_log_softmax(x, axis):
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


@pytest.mark.parametrize("axis", [-1, 0, (0, 2)])
def test_softmax_family_matches_numpy(axis):
    x = np.random.default_rng(0).normal(size=(3, 4, 5)) * 3
    np.testing.assert_allclose(nn.log_softmax(x, axis), np_log_softmax(x, axis), rtol=1e-13)
    np.testing.assert_allclose(nn.softmax(x, axis), np.exp(np_log_softmax(x, axis)), rtol=1e-13)
    lse = np.log(np.exp(x).sum(axis=axis))
    np.testing.assert_allclose(nn.logsumexp(x, axis), lse, rtol=1e-13)
    np.testing.assert_allclose(nn.logsumexp(x, axis, keepdims=True),
                               np.log(np.exp(x).sum(axis=axis, keepdims=True)), rtol=1e-13)
    for f in (nn.softmax, nn.log_softmax, nn.logsumexp):
        check_grads(lambda x: f(x, axis), (x,), order=2)


def test_softmax_family_with_huge_logits():
    x = np.array([[1e4, 0.0, -1e4], [1e300, 1e300, 0.0]])
    log_p = nn.log_softmax(x)
    assert np.all(np.isfinite(log_p[0])) and log_p[0, 0] == 0.0 and log_p[0, 1] == -1e4
    np.testing.assert_allclose(nn.softmax(x)[1], [0.5, 0.5, 0.0])
    np.testing.assert_allclose(nn.logsumexp(np.array([1000.0, 1000.0])), 1000 + np.log(2))
    g = fg.grad(nn.logsumexp)(np.array([1000.0, 1000.0, -1000.0]))
    np.testing.assert_allclose(g, [0.5, 0.5, 0.0])
    g = fg.grad(lambda x: fnp.sum(nn.log_softmax(x)[:, 0]))(x[:1])
    assert np.all(np.isfinite(g))
    # every entry -inf: logsumexp is -inf, and its gradient has no NaN from inf - inf
    assert nn.logsumexp(np.array([-np.inf, -np.inf])) == -np.inf
    np.testing.assert_allclose(fg.grad(nn.logsumexp)(np.array([-np.inf, 0.0])), [0.0, 1.0])


def test_one_hot():
    out = nn.one_hot(np.array([[0, 2], [1, 7]]), 3)
    assert out.shape == (2, 2, 3)
    np.testing.assert_array_equal(out[1, 1], [0, 0, 0])  # out of range
    np.testing.assert_array_equal(out[0, 1], [0, 0, 1])
    assert nn.one_hot(np.array([1]), 2, dtype=np.float32, axis=0).shape == (2, 1)


def test_activations_under_vmap():
    x = np.random.default_rng(1).normal(size=(4, 6))
    for f in (nn.softmax, nn.log_softmax, nn.gelu, nn.silu, nn.logsumexp):
        np.testing.assert_allclose(fg.vmap(f)(x), np.stack([f(r) for r in x]), rtol=1e-13)


@pytest.fixture(scope="module")
def jax_nn():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    return jax


@pytest.mark.parametrize("name", ["relu", "sigmoid", "log_sigmoid", "softplus", "silu",
                                  "swish", "leaky_relu", "elu", "gelu", "tanh"])
def test_matches_jax_nn(name, jax_nn):
    jax = jax_nn
    ours, theirs = getattr(nn, name), getattr(jax.nn, name)
    x = np.concatenate([X, EXTREMES])
    np.testing.assert_allclose(ours(x), np.asarray(theirs(x)), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(fg.vmap(fg.grad(ours))(x),
                               np.asarray(jax.vmap(jax.grad(theirs))(x)), rtol=1e-12, atol=1e-13)


def test_exact_gelu_and_softmax_match_jax(jax_nn):
    jax = jax_nn
    np.testing.assert_allclose(nn.gelu(X, approximate=False),
                               np.asarray(jax.nn.gelu(X, approximate=False)), rtol=1e-12)
    x = np.random.default_rng(2).normal(size=(3, 5)) * 10
    for name in ("softmax", "log_softmax", "logsumexp"):
        kwargs = {"axis": 0}
        np.testing.assert_allclose(getattr(nn, name)(x, **kwargs),
                                   np.asarray(getattr(jax.nn, name)(x, **kwargs)), rtol=1e-13)


def test_softmax_of_an_empty_axis_is_empty_as_jax():
    # fnp.max raised (no identity for an empty reduction)
    for x, axis in [(np.zeros((0, 3)), 0), (np.zeros((3, 0)), -1), (np.zeros(0), None)]:
        for fn in (nn.softmax, nn.log_softmax):
            assert fn(x, axis=axis).shape == x.shape
            assert fg.grad(lambda v, fn=fn, axis=axis: fn(v, axis=axis).sum())(x).shape == x.shape


def test_hard_tanh_and_relu_keep_integers_as_jax():
    # hard_tanh made integers float64 and relu kept booleans (jax.nn: int32 stays int32, a
    # boolean becomes int64 beside the weak int bounds)
    i = np.array([-3, 0, 2], np.int32)
    out = nn.hard_tanh(i)
    assert out.dtype == np.int32 and out.tolist() == [-1, 0, 1]
    b = np.array([True, False])
    assert nn.hard_tanh(b).dtype == np.int64 and nn.hard_tanh(b).tolist() == [1, 0]
    assert nn.relu(b).dtype == np.int64 and nn.relu(b).tolist() == [1, 0]
    assert fg.jit(nn.hard_tanh)(i).dtype == np.int32
