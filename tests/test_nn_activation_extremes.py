"""The jax.nn-parity activations at extreme inputs: exact values, finite gradients and no
NumPy RuntimeWarnings (the unused branch of every `where` sees safe values)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import fungrad as fg
from fungrad import nn

BIG = np.array([-1e300, -1e10, -50.0, -1.0, 0.0, 1.0, 50.0, 1e10, 1e300])
POSITIVE = np.array([1e-300, 1e-10, 0.3, np.log(2.0), 0.7, 50.0, 800.0, 1e300])

NAMES = ["relu6", "selu", "celu", "mish", "hard_tanh", "hard_sigmoid", "hard_silu",
         "soft_sign", "squareplus", "sparse_plus", "identity"]


@pytest.mark.parametrize("name", NAMES)
def test_large_inputs_are_finite_without_warnings(name):
    f = getattr(nn, name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values = np.asarray(f(BIG))
        grads = np.asarray(fg.vmap(fg.grad(f))(BIG))
    assert np.all(np.isfinite(values)) and np.all(np.isfinite(grads))


def test_squareplus_has_no_cancellation_for_large_negative_inputs():
    x = np.array([-1e3, -1e10])
    exact = 2.0 / (np.sqrt(x * x + 4.0) - x)  # (x + sqrt(x^2 + 4)) / 2 without cancellation
    np.testing.assert_allclose(nn.squareplus(x), exact, rtol=1e-14)
    np.testing.assert_allclose(nn.squareplus(np.array([-1e300])), [1e-300], rtol=1e-14)
    np.testing.assert_allclose(nn.squareplus(np.array([1e300])), [1e300], rtol=1e-15)


def test_log1mexp_both_ends():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values = np.asarray(nn.log1mexp(POSITIVE))
        grads = np.asarray(fg.vmap(fg.grad(nn.log1mexp))(POSITIVE))
    np.testing.assert_allclose(values[:2], np.log(POSITIVE[:2]), rtol=1e-9)  # log(x) near 0
    np.testing.assert_allclose(values[5], -np.exp(-50.0), rtol=1e-15)
    assert values[-1] == 0.0 and np.all(np.isfinite(grads))


def test_glu_rejects_an_odd_axis():
    with pytest.raises(ValueError, match="glu: axis -1 .* must have even length"):
        nn.glu(np.ones((2, 3)))


def test_standardize_rejects_an_unknown_algorithm():
    with pytest.raises(ValueError, match="standardize: algorithm must be"):
        nn.standardize(np.ones(3), algorithm="welford")
