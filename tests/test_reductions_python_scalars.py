"""Reductions of Python scalars (``fg.grad(fnp.max)(3.5)``): values and gradients as JAX's."""

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp

DIFFERENTIABLE = ["max", "min", "amax", "amin", "sum", "nansum", "mean", "average", "prod",
                  "var", "ptp"]
NON_DIFFERENTIABLE = ["argmax", "argmin", "all", "any", "cumsum", "cumprod"]


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_reduction_of_python_float_value_and_grads(name):
    f = getattr(fnp, name)
    expected_grad = 0.0 if name in ("var", "ptp") else 1.0
    expected_value = 0.0 if name in ("var", "ptp") else 3.5
    assert float(f(3.5)) == expected_value
    assert float(fg.grad(f)(3.5)) == expected_grad
    assert float(fg.grad(fg.grad(f))(3.5)) == 0.0
    assert float(fg.jit(fg.grad(f))(3.5)) == expected_grad
    np.testing.assert_array_equal(fg.vmap(fg.grad(f))(np.array([1.0, 2.0])),
                                  [expected_grad] * 2)
    _, f_vjp = fg.vjp(f, 3.5)
    assert float(f_vjp(1.0)[0]) == expected_grad
    assert float(fg.jvp(f, (3.5,), (2.0,))[1]) == 2.0 * expected_grad


@pytest.mark.parametrize("x", [3.5, 2, True])
@pytest.mark.parametrize("name", DIFFERENTIABLE + NON_DIFFERENTIABLE)
def test_reduction_of_python_scalar_matches_jax(name, x):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    f, jf = getattr(fnp, name), getattr(jax.numpy, name)
    if name == "ptp" and type(x) is bool:  # both reject boolean subtraction
        with pytest.raises(TypeError):
            f(x)
        with pytest.raises(TypeError):
            jf(x)
        return
    np.testing.assert_array_equal(f(x), np.asarray(jf(x)))
    if type(x) is float and name in DIFFERENTIABLE:
        np.testing.assert_array_equal(fg.grad(f)(x), np.asarray(jax.grad(jf)(x)))
