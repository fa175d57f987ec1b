"""No NumPy RuntimeWarnings from library code on ordinary and extreme-but-valid inputs.

Every call below runs under ``warnings.simplefilter("error")``, so a stray "overflow
encountered in exp" or "invalid value encountered in multiply" from any module fails the
test. The inputs are ordinary points and the far ends of each function's domain where its
value (and derivative) is finite or a documented limit: ``nn.sigmoid(-1000.)``,
``softplus(1e4)``, ``log_softmax`` of huge logits, ``xlogy(0, 0)``, ``entr(0)``...

Elementwise primitives themselves (``fnp.log(0.)``, ``fnp.exp(1000.)``) warn like NumPy;
that is documented in the README ("Where fungrad differs") and not tested here.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad import nn
from fungrad.scipy import special as fss

EXTREME = np.array([-1e30, -1e4, -1000.0, -100.0, -50.0, -1.0, -1e-300, -0.0, 0.0, 1e-300,
                    0.5, 1.0, 50.0, 100.0, 1000.0, 1e4, 1e30])
# float32 overflows exp at 88.7: these are extreme for it
EXTREME32 = np.array([-1e4, -1000.0, -100.0, -90.0, -1.0, 0.0, 1.0, 90.0, 100.0, 1000.0, 1e4],
                     dtype=np.float32)
POSITIVE = np.array([1e-300, 1e-10, 0.3, 0.7, 50.0, 800.0, 1e4, 1e30])


def quiet(f, *args, **kwargs):
    """``f(*args, **kwargs)`` with every warning turned into an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return f(*args, **kwargs)


def elementwise_grad(f):
    return fg.vmap(fg.grad(f))


ACTIVATIONS = ["relu", "gelu", "sigmoid", "log_sigmoid", "tanh", "softplus", "silu", "swish",
               "leaky_relu", "elu", "relu6", "selu", "celu", "mish", "hard_tanh",
               "hard_sigmoid", "hard_silu", "hard_swish", "soft_sign", "squareplus",
               "sparse_plus", "identity"]


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_values_and_gradients(name):
    f = getattr(nn, name)
    values = np.asarray(quiet(f, EXTREME))
    grads = np.asarray(quiet(elementwise_grad(f), EXTREME))
    assert np.all(np.isfinite(values)), (name, values)
    assert np.all(np.isfinite(grads)), (name, grads)
    values32 = np.asarray(quiet(f, EXTREME32))
    grads32 = np.asarray(quiet(elementwise_grad(f), EXTREME32))
    assert values32.dtype == np.float32 and np.all(np.isfinite(values32)), (name, values32)
    assert np.all(np.isfinite(grads32)), (name, grads32)


@pytest.mark.parametrize("name", ["relu", "gelu", "sigmoid", "softplus", "silu", "elu",
                                  "mish", "log_sigmoid"])
def test_activation_under_jit(name):
    f = getattr(nn, name)
    values = np.asarray(quiet(fg.jit(f), EXTREME))
    grads = np.asarray(quiet(fg.jit(elementwise_grad(f)), EXTREME))
    assert np.all(np.isfinite(values)) and np.all(np.isfinite(grads)), name


def test_named_extremes():
    assert quiet(nn.sigmoid, -1000.0) == 0.0
    assert quiet(nn.sigmoid, 1000.0) == 1.0
    assert quiet(nn.softplus, 1e4) == 1e4
    assert quiet(nn.softplus, -1e4) == 0.0
    assert quiet(nn.log_sigmoid, -1e4) == -1e4
    assert quiet(fg.grad(nn.softplus), 1e4) == 1.0
    assert quiet(fg.grad(nn.sigmoid), -1000.0) == 0.0
    assert quiet(fss.expit, -1000.0) == 0.0


def test_log1mexp_positive_inputs():
    values = np.asarray(quiet(nn.log1mexp, POSITIVE))
    grads = np.asarray(quiet(elementwise_grad(nn.log1mexp), POSITIVE))
    assert np.all(np.isfinite(values)) and np.all(np.isfinite(grads))


HUGE_LOGITS = np.array([[1e4, -1e4, 0.0], [1000.0, 1000.0, -1000.0], [-1e30, 1e30, 0.0]])
MASKED_LOGITS = np.array([[0.0, -np.inf, 1.0], [-np.inf, 5.0, -np.inf]])


@pytest.mark.parametrize("module", [nn, fss], ids=["nn", "scipy.special"])
@pytest.mark.parametrize("name", ["softmax", "log_softmax", "logsumexp"])
def test_softmax_family_huge_and_masked_logits(module, name):
    f = getattr(module, name)
    out = np.asarray(quiet(f, HUGE_LOGITS, axis=-1))
    assert np.all(np.isfinite(out)), (name, out)
    g = quiet(fg.grad(lambda x: fnp.sum(f(x, axis=-1) * np.arange(1.0, 1.0 + out.size)
                                        .reshape(out.shape))), HUGE_LOGITS)
    assert np.all(np.isfinite(np.asarray(g))), (name, g)
    masked = np.asarray(quiet(f, MASKED_LOGITS, axis=-1))
    assert not np.any(np.isnan(masked)), (name, masked)


def test_logsumexp_all_masked_and_cancelling():
    # an all-masked row (where=) or a cancelling weighted sum is -inf without a log(0) warning
    assert quiet(nn.logsumexp, np.array([-np.inf, 1.0]), where=np.array([True, False])) == -np.inf
    out, sign = quiet(nn.logsumexp, np.array([0.0, 0.0]), b=np.array([1.0, -1.0]),
                      return_sign=True)
    assert out == -np.inf and sign == 0.0
    assert quiet(nn.logsumexp, np.array([1.0, 2.0]), where=np.array([False, False])) == -np.inf


def test_losses_at_huge_logits():
    labels = np.array([0, 1, 2])
    one_hot = nn.one_hot(labels, 3)
    for loss in (nn.softmax_cross_entropy(HUGE_LOGITS, one_hot),
                 nn.softmax_cross_entropy(HUGE_LOGITS, labels),
                 nn.softmax_cross_entropy_with_integer_labels(HUGE_LOGITS, labels)):
        assert np.all(np.isfinite(np.asarray(loss)))
    quiet(nn.softmax_cross_entropy, HUGE_LOGITS, one_hot)
    quiet(nn.softmax_cross_entropy_with_integer_labels, HUGE_LOGITS, labels)
    g = quiet(fg.grad(lambda z: fnp.sum(nn.softmax_cross_entropy(z, one_hot))), HUGE_LOGITS)
    assert np.all(np.isfinite(np.asarray(g)))
    # masked classes (-inf logits) with zero weight cost nothing
    masked_labels = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    loss = np.asarray(quiet(nn.softmax_cross_entropy, MASKED_LOGITS, masked_labels))
    assert np.all(np.isfinite(loss))
    binary = np.array([0.0, 1.0, 0.0, 1.0, 1.0, 0.0])
    logits = np.array([-1e4, 1e4, 1e4, -1e4, 0.0, 1e30])
    for f in (nn.sigmoid_binary_cross_entropy, nn.binary_cross_entropy_with_logits):
        v = np.asarray(quiet(f, logits, binary))
        np.testing.assert_allclose(v, [0.0, 0.0, 1e4, 1e4, np.log(2.0), 1e30])
        g = np.asarray(quiet(fg.grad(lambda z, f=f: fnp.sum(f(z, binary))), logits))
        assert np.all(np.isfinite(g))
    x = np.array([-1e4, 0.0, 3.0, 1e100])
    for f in (nn.squared_error, nn.l2_loss):
        assert np.all(np.isfinite(np.asarray(quiet(f, x))))
    assert np.isfinite(quiet(nn.mse, x, x[::-1]))


def test_scipy_special_at_zero():
    zeros, ys = np.array([0.0, 0.0, 0.0, 2.0]), np.array([0.0, 2.0, np.inf, 0.5])
    np.testing.assert_array_equal(quiet(fss.xlogy, zeros, ys)[:3], 0.0)
    assert quiet(fss.xlogy, 0.0, 0.0) == 0.0
    assert quiet(fss.xlog1py, 0.0, -1.0) == 0.0
    assert quiet(fss.xlog1py, 0.0, -5.0) == 0.0
    np.testing.assert_array_equal(quiet(fss.entr, np.array([0.0, -1.0])), [0.0, -np.inf])
    assert quiet(fss.rel_entr, 0.0, 0.0) == 0.0
    assert quiet(fss.rel_entr, 1.0, 0.0) == np.inf
    assert quiet(fss.kl_div, 0.0, 0.0) == 0.0
    # derivatives away from the singular point (0, 0) stay quiet too
    g = quiet(fg.grad(lambda y: fnp.sum(fss.xlogy(np.array([0.0, 1.0]), y))),
              np.array([2.0, 3.0]))
    np.testing.assert_allclose(g, [0.0, 1.0 / 3.0])
    quiet(fg.grad(fss.entr), 0.5)


def test_scipy_special_tails():
    assert quiet(fss.expit, -1e4) == 0.0 and quiet(fss.expit, 1e4) == 1.0
    assert quiet(fss.ndtr, -37.0) > 0.0
    assert np.isfinite(quiet(fss.log_ndtr, -40.0)) and quiet(fss.log_ndtr, 40.0) == 0.0
    assert np.isfinite(quiet(fss.log_ndtr, -1e10))
    for dtype in (np.float32, np.float64):  # -inf: exact -inf, slope +inf (-x), no log(0)
        x = dtype(-np.inf)
        assert quiet(fss.log_ndtr, x) == -np.inf and quiet(fg.grad(fss.log_ndtr), x) == np.inf
        assert quiet(fg.grad(fg.grad(fss.log_ndtr)), x) == -1.0
    assert np.isfinite(quiet(fss.erfcx, -20.0)) and np.isfinite(quiet(fss.erfcx, 1e4))
    assert np.isfinite(quiet(fss.i0e, 1e4)) and np.isfinite(quiet(fss.i1e, -1e4))
    assert np.isfinite(quiet(fss.gammaln, 1e300))
    assert quiet(fss.ndtri, 1e-300) < -37.0
    assert np.isfinite(quiet(fss.betaln, 1e10, 1e-3))
    assert quiet(fss.comb, 3.0, 5.0) == 0.0 and quiet(fss.comb, -1.0, 2.0) == 0.0
    assert quiet(fss.factorial, -3.0) == 0.0
    for f, x in ((fss.log_ndtr, -40.0), (fss.ndtr, -30.0), (fss.expit, -1e4),
                 (fss.erfcx, 1e4), (fss.gammaln, 1e10)):
        assert np.isfinite(quiet(fg.grad(f), x)), f


def test_numpy_functions_at_extremes():
    big = np.array([1e4, -1e4, 0.0])
    np.testing.assert_allclose(quiet(fnp.logaddexp, big, -big), [1e4, 1e4, np.log(2.0)])
    assert quiet(fnp.logaddexp, -np.inf, -np.inf) == -np.inf
    assert np.all(np.isfinite(quiet(fg.grad(lambda x: fnp.sum(fnp.logaddexp(x, -x))), big)))
    np.testing.assert_allclose(quiet(fnp.tanh, big), [1.0, -1.0, 0.0])
    assert quiet(fnp.exp, -1e4) == 0.0  # underflow is silent, as in NumPy
    assert quiet(fnp.hypot, 0.0, 0.0) == 0.0
    assert quiet(fnp.arctan2, 0.0, 0.0) == 0.0
    assert quiet(fnp.sqrt, 0.0) == 0.0
    assert quiet(fnp.std, np.ones(4)) == 0.0
    assert quiet(fnp.linalg.norm, np.zeros(3)) == 0.0
    assert quiet(fnp.power, 0.0, 2.0) == 0.0
    assert quiet(fg.grad(lambda x: fnp.power(x, 2.0)), 0.0) == 0.0
    assert quiet(fg.grad(lambda x: x ** 2), 0.0) == 0.0
    assert quiet(fg.grad(fnp.abs), 0.0) == 1.0
    assert np.all(np.isfinite(quiet(fnp.log, np.array([1e-300, 1e300]))))
    assert quiet(fnp.log1p, -0.999999) < 0.0 and quiet(fnp.expm1, 700.0) > 0.0
    assert np.isfinite(quiet(fnp.exp, 709.0)) and np.isfinite(quiet(fnp.cosh, 710.0))
