"""fungrad.experimental.ode.odeint against closed forms, JAX's odeint and finite differences."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.experimental.ode import odeint as jax_odeint

import fungrad as fg
import fungrad.numpy as fnp
from fungrad.experimental.ode import odeint
from fungrad.test_util import check_grads

jax.config.update("jax_enable_x64", True)

T = np.linspace(0.0, 3.0, 5)
Y0 = np.array([1.0, 0.0])


def pendulum(lib):
    def fun(y, t, a, b):
        return lib.stack([y[1], -a * lib.sin(y[0]) - b * y[1] + 0.1 * lib.cos(t)])
    return fun


def test_closed_forms():
    ys = odeint(lambda y, t, k: -k * y, np.array([1.0, 2.0]), T, 0.7)
    np.testing.assert_allclose(ys, np.exp(-0.7 * T)[:, None] * [1.0, 2.0], rtol=1e-7)
    tree = odeint(lambda y, t: {"x": y["v"], "v": -y["x"]},
                  {"x": np.array(1.0), "v": np.array(0.0)}, T)
    np.testing.assert_allclose(tree["x"], np.cos(T), atol=1e-7)
    np.testing.assert_allclose(tree["v"], -np.sin(T), atol=1e-7)
    # time-dependent right-hand side: y' = t, y = t^2 / 2
    np.testing.assert_allclose(odeint(lambda y, t: t + 0 * y, np.array(0.0), T), T ** 2 / 2,
                               atol=1e-10)


def test_values_and_gradients_match_jax():
    ys = odeint(pendulum(fnp), Y0, T, 2.0, 0.3)
    np.testing.assert_allclose(ys, jax_odeint(pendulum(jnp), Y0, T, 2.0, 0.3), atol=1e-7)

    def loss(lib, ode):
        return lambda y0, t, a, b: lib.sum(ode(pendulum(lib), y0, t, a, b)[1:] ** 2)

    got = fg.grad(loss(fnp, odeint), argnums=(0, 1, 2, 3))(Y0, T, 2.0, 0.3)
    want = jax.grad(loss(jnp, jax_odeint), argnums=(0, 1, 2, 3))(Y0, T, 2.0, 0.3)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, atol=1e-6)


def test_adjoint_gradient_matches_finite_differences():
    def f(y0, a):
        return odeint(lambda y, t, a: fnp.tanh(a * y) - 0.5 * y, y0, T, a)

    check_grads(f, (np.array([0.3, -0.8]), np.array(1.5)), order=1, modes=("rev",),
                atol=1e-5, rtol=1e-5)


def test_jit_vmap_and_vmap_of_grad():
    jitted = fg.jit(lambda y0, a: odeint(pendulum(fnp), y0, T, a, 0.3))
    np.testing.assert_allclose(jitted(Y0, 2.0), odeint(pendulum(fnp), Y0, T, 2.0, 0.3),
                               atol=1e-12)
    a = np.array([1.0, 2.0, 3.0])
    batched = fg.vmap(lambda a: odeint(pendulum(fnp), Y0, T, a, 0.3)[-1])(a)
    np.testing.assert_allclose(batched, [odeint(pendulum(fnp), Y0, T, x, 0.3)[-1] for x in a],
                               atol=1e-7)
    per_a = fg.vmap(fg.grad(lambda a: fnp.sum(odeint(pendulum(fnp), Y0, T, a, 0.3)[-1])))(a)
    want = jax.vmap(jax.grad(lambda a: jnp.sum(jax_odeint(pendulum(jnp), Y0, T, a, 0.3)[-1])))(a)
    np.testing.assert_allclose(per_a, want, atol=1e-6)


def test_float32_and_options():
    ys = odeint(lambda y, t: -y, np.ones(2, np.float32), T.astype(np.float32), rtol=1e-5,
                atol=1e-5)
    assert ys.dtype == np.float32
    np.testing.assert_allclose(ys[:, 0], np.exp(-T), rtol=1e-4)
    # hmax bounds the step; mxstep=1 cannot reach t[1]: nan from there on, as JAX
    np.testing.assert_allclose(odeint(lambda y, t: -y, np.array(1.0), T, hmax=0.01), np.exp(-T),
                               rtol=1e-7)
    short = odeint(lambda y, t: -y, np.array(1.0), T, mxstep=1)
    assert short[0] == 1.0 and np.isnan(short[1:]).all()


@pytest.mark.parametrize("call, error, pattern", [
    (lambda: odeint(lambda y, t: -y, np.array([1, 2]), T), TypeError, "leaf 0 has dtype int64"),
    (lambda: odeint(lambda y, t: -y, np.ones(2), np.ones((2, 2))), ValueError, "must be 1-D"),
    (lambda: odeint(None, np.ones(2), T), TypeError, "func must be callable"),
    (lambda: odeint(lambda y, t: -y, np.ones(2), T, rtol=np.ones(1)), TypeError, "rtol"),
])
def test_errors(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


def test_also_in_scipy_integrate():
    from fungrad.scipy import integrate

    assert integrate.odeint is odeint
