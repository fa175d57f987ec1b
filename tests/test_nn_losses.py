"""Tests of fungrad.nn.losses: NumPy references, optax, extremes, gradients."""

from __future__ import annotations

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad import nn
from fungrad.errors import ShapeError
from fungrad.test_util import check_grads

RNG = np.random.default_rng(0)
LOGITS = RNG.normal(size=(4, 3, 5)) * 2
LABELS = RNG.integers(0, 5, size=(4, 3))
PROBS = np.exp(RNG.normal(size=(4, 3, 5)))
PROBS /= PROBS.sum(-1, keepdims=True)


def np_log_softmax(x):
    m = x.max(-1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(-1, keepdims=True))


def test_softmax_cross_entropy_integer_labels():
    expected = -np.take_along_axis(np_log_softmax(LOGITS), LABELS[..., None], -1)[..., 0]
    for f in (nn.softmax_cross_entropy, nn.softmax_cross_entropy_with_integer_labels):
        out = f(LOGITS, LABELS)
        assert out.shape == (4, 3)
        np.testing.assert_allclose(out, expected, rtol=1e-13)
    # equals the one-hot form
    np.testing.assert_allclose(nn.softmax_cross_entropy(LOGITS, nn.one_hot(LABELS, 5)), expected,
                               rtol=1e-13)
    g = fg.grad(lambda z: fnp.sum(nn.softmax_cross_entropy(z, LABELS)))(LOGITS)
    np.testing.assert_allclose(g, np.exp(np_log_softmax(LOGITS)) - nn.one_hot(LABELS, 5),
                               atol=1e-14)
    check_grads(lambda z: nn.softmax_cross_entropy(z, LABELS), (LOGITS,), order=2)


def test_softmax_cross_entropy_probabilities():
    expected = -(PROBS * np_log_softmax(LOGITS)).sum(-1)
    np.testing.assert_allclose(nn.softmax_cross_entropy(LOGITS, PROBS), expected, rtol=1e-13)
    check_grads(nn.softmax_cross_entropy, (LOGITS, PROBS), order=2)


def test_cross_entropy_extremes():
    logits = np.array([[1e4, 0.0, -1e4], [0.0, -np.inf, 1.0]])
    labels = np.array([2, 0])
    out = nn.softmax_cross_entropy(logits, labels)
    np.testing.assert_allclose(out, [2e4, np.log(1 + np.e)], rtol=1e-13)
    g = fg.grad(lambda z: fnp.sum(nn.softmax_cross_entropy(z, labels)))(logits)
    assert np.all(np.isfinite(g))
    # a -inf logit with zero probability weight contributes nothing, not NaN
    probs = np.array([[0.0, 0.0, 1.0], [0.5, 0.0, 0.5]])
    assert np.all(np.isfinite(nn.softmax_cross_entropy(logits, probs)))
    g = fg.grad(lambda z: fnp.sum(nn.softmax_cross_entropy(z, probs)))(logits)
    assert np.all(np.isfinite(g))


def test_cross_entropy_errors():
    with pytest.raises(ShapeError, match=r"labels of shape \(4,\) must have the shape of logits"):
        nn.softmax_cross_entropy(LOGITS, LABELS[:, 0])
    with pytest.raises(ShapeError, match=r"softmax_cross_entropy: labels of shape \(4, 3, 4\)"):
        nn.softmax_cross_entropy(LOGITS, PROBS[..., :4])
    with pytest.raises(TypeError, match="labels must be integers"):
        nn.softmax_cross_entropy_with_integer_labels(LOGITS, PROBS[..., 0])


def test_regression_losses():
    p, t = RNG.normal(size=(5, 2)), RNG.normal(size=(5, 2))
    np.testing.assert_allclose(nn.squared_error(p, t), (p - t) ** 2, rtol=1e-15)
    np.testing.assert_allclose(nn.squared_error(p), p**2, rtol=1e-15)
    np.testing.assert_allclose(nn.l2_loss(p, t), 0.5 * (p - t) ** 2, rtol=1e-15)
    np.testing.assert_allclose(nn.l2_loss(p), 0.5 * p**2, rtol=1e-15)
    np.testing.assert_allclose(nn.mse(p, t), np.mean((p - t) ** 2), rtol=1e-15)
    check_grads(nn.mse, (p, t), order=2)
    check_grads(nn.l2_loss, (p, t), order=2)
    with pytest.raises(ShapeError, match=r"mse: predictions of shape \(5, 2\) and targets of "
                                         r"shape \(5,\) must have the same shape"):
        nn.mse(p, t[:, 0])


def test_binary_cross_entropy_with_logits():
    x = RNG.normal(size=(6, 3)) * 3
    z = (RNG.random(size=(6, 3)) > 0.5).astype(float)
    sig = 1 / (1 + np.exp(-x))
    expected = -(z * np.log(sig) + (1 - z) * np.log(1 - sig))
    np.testing.assert_allclose(nn.binary_cross_entropy_with_logits(x, z), expected, rtol=1e-12)
    assert nn.sigmoid_binary_cross_entropy is nn.binary_cross_entropy_with_logits
    g = fg.grad(lambda x: fnp.sum(nn.binary_cross_entropy_with_logits(x, z)))(x)
    np.testing.assert_allclose(g, sig - z, atol=1e-14)
    check_grads(nn.binary_cross_entropy_with_logits, (x, RNG.random(size=(6, 3))), order=2)
    # booleans as labels, huge logits, and the kink-free gradient at 0
    big = np.array([1000.0, -1000.0, 1000.0, 0.0])
    labels = np.array([True, False, False, True])
    out = nn.binary_cross_entropy_with_logits(big, labels)
    np.testing.assert_allclose(out, [0.0, 0.0, 1000.0, np.log(2)], rtol=1e-15)
    g = fg.grad(lambda x: fnp.sum(nn.binary_cross_entropy_with_logits(x, labels)))(big)
    np.testing.assert_allclose(g, [0.0, 0.0, 1.0, -0.5])


def test_losses_under_vmap():
    per_example = fg.vmap(nn.softmax_cross_entropy)(LOGITS, LABELS)
    np.testing.assert_allclose(per_example, nn.softmax_cross_entropy(LOGITS, LABELS), rtol=1e-14)
    grads = fg.vmap(fg.grad(lambda z, y: fnp.sum(nn.softmax_cross_entropy(z, y))))(LOGITS, PROBS)
    loop = np.stack([fg.grad(lambda z: fnp.sum(nn.softmax_cross_entropy(z, y)))(z)
                     for z, y in zip(LOGITS, PROBS)])
    np.testing.assert_allclose(grads, loop, rtol=1e-13)


@pytest.fixture(scope="module")
def optax():
    optax = pytest.importorskip("optax")
    import jax  # noqa: PLC0415

    jax.config.update("jax_enable_x64", True)
    return optax


def test_matches_optax(optax):
    ours_theirs = [
        (nn.softmax_cross_entropy(LOGITS, PROBS), optax.softmax_cross_entropy(LOGITS, PROBS)),
        (nn.softmax_cross_entropy_with_integer_labels(LOGITS, LABELS),
         optax.softmax_cross_entropy_with_integer_labels(LOGITS, LABELS)),
        (nn.l2_loss(LOGITS, PROBS), optax.l2_loss(LOGITS, PROBS)),
        (nn.squared_error(LOGITS, PROBS), optax.squared_error(LOGITS, PROBS)),
        (nn.binary_cross_entropy_with_logits(LOGITS, PROBS),
         optax.sigmoid_binary_cross_entropy(LOGITS, PROBS)),
    ]
    for ours, theirs in ours_theirs:
        np.testing.assert_allclose(ours, np.asarray(theirs), rtol=1e-12, atol=1e-14)
