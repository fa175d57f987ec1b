"""NumPy functions called on tracers: dispatched to fungrad.numpy, or fungrad's explanation."""

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad.errors import TracerArrayConversionError

X = np.array([0.5, 1.0, 2.0])


@pytest.mark.parametrize("transform", ["grad", "jit", "vmap"])
def test_numpy_ufuncs_and_functions_on_tracers_match_fungrad_numpy(transform):
    def with_np(x):
        return np.sum(np.exp(x) * np.sin(x)) + np.linalg.norm(np.maximum(x, 1.0))

    def with_fnp(x):
        return fnp.sum(fnp.exp(x) * fnp.sin(x)) + fnp.linalg.norm(fnp.maximum(x, 1.0))

    t = {"grad": fg.grad, "jit": fg.jit, "vmap": lambda f: fg.vmap(f, in_axes=1)}[transform]
    xs = X if transform != "vmap" else np.stack([X, 2 * X])
    np.testing.assert_allclose(t(with_np)(xs), t(with_fnp)(xs), rtol=1e-13)


def test_numpy_operators_with_a_numpy_left_operand_still_trace():
    w = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(fg.grad(lambda x: (w * x + w @ x - (w < x)).sum())(X), 4 * w)
    np.testing.assert_allclose(fg.jit(lambda x: np.concatenate([x, w]))(X), np.r_[X, w])


def _error(f):
    with pytest.raises(TracerArrayConversionError) as info:
        fg.jit(f)(X)
    return str(info.value)


def test_missing_numpy_function_names_it_and_the_fix():
    msg = _error(lambda x: np.gcd(x, x))
    assert msg.startswith("np.gcd was called on a traced value f64[3] (inside the jit of")
    assert "fungrad.numpy has no `gcd`" in msg
    msg = _error(lambda x: np.linalg.tensorinv(x))
    assert msg.startswith("np.linalg.tensorinv was called") and "no `linalg.tensorinv`" in msg


def test_ufunc_keywords_and_methods_are_not_dispatched_and_say_what_to_call():
    assert "call fungrad.numpy.exp directly" in _error(lambda x: np.exp(x, dtype=np.float32))
    assert "`np.add.reduce` is not dispatched" in _error(lambda x: np.add.reduce(x))
    assert "write `x = x + tracer`" in _error(lambda x: np.exp(x, out=np.empty(3)))

    def inplace(x):
        a = np.zeros(3)
        a += x  # NumPy's in-place add writes into `a` (JAX: an error too)
        return a

    assert _error(inplace).startswith("np.add was called on a traced value")


def test_numpy_asarray_of_a_tracer_still_explains():
    with pytest.raises(TracerArrayConversionError, match=r"Cannot convert a traced value"):
        fg.jit(lambda x: np.asarray(x))(X)


def test_numpy_ufunc_on_tracer_matches_jax_values():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)

    def f(x):
        return np.tanh(x) * np.exp(x)  # NumPy's names on traced values

    ours = fg.grad(lambda x: fnp.sum(f(x)))(X)
    ref = jax.grad(lambda x: jax.numpy.sum(jax.numpy.tanh(x) * jax.numpy.exp(x)))(X)
    np.testing.assert_allclose(ours, np.asarray(ref), rtol=1e-13)
