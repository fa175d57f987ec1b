"""Zeros are built, never computed: exact derivatives at infinities, kinks and singular points.

``x * 0`` turns inf and nan into nan, so a rule that makes a zero tangent or cotangent by a
multiplication (or picks one with a 0/1 mask) leaks nan from the side that was not chosen.
Each test pins the exact value (JAX's where JAX is right; the differences are stated).
"""

from __future__ import annotations

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad import lax

INF = np.inf
# Every test here evaluates primitives at infinities and singular points on purpose, where
# NumPy warns (log(0), 1 / 0, inf * 0): those RuntimeWarnings are expected, not errors.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def _eq(actual, expected):
    np.testing.assert_array_equal(np.asarray(actual), np.asarray(expected))


def test_where_gives_zero_cotangent_to_unselected_side_under_inf_cotangent():
    w = np.array([INF, INF])
    g = fg.grad(lambda x: fnp.sum(fnp.where(x > 0, x, 1.0) * w))(np.array([-1.0, 1.0]))
    _eq(g, [0.0, INF])  # JAX: [0, inf]; x * 0 made it [nan, inf]
    g = fg.grad(lambda x: fnp.sum(fnp.where(x > 0, x, 2 * x) * w))(np.array([-1.0, 1.0]))
    _eq(g, [INF, INF])


def test_where_with_inf_value_on_unselected_side():
    # The unselected side's value is inf; its derivative never reaches x.
    g = fg.grad(lambda x: fnp.sum(fnp.where(x < 1e300, x, x * 2)))(np.array([INF, 1.0]))
    _eq(g, [2.0, 1.0])
    g = fg.grad(lambda y: fnp.sum(fnp.where(np.array([True, False]), np.array([INF, 1.0]), y)))
    _eq(g(np.array([1.0, 2.0])), [0.0, 1.0])
    # The selected side is log(0) = -inf: its derivative inf is right (JAX: inf too).
    g = fg.grad(lambda x: fnp.sum(fnp.where(x > 0, x, fnp.log(x))))(np.array([0.0, 1.0, 2.0]))
    _eq(g, [INF, 1.0, 1.0])


def test_selections_under_inf_cotangents():
    w = np.array([INF, INF, -INF])
    x = np.array([-1.0, 0.0, 1.0])
    _eq(fg.grad(lambda x: fnp.sum(fg.nn.relu(x) * w))(x), [0.0, 0.0, -INF])
    _eq(fg.grad(lambda x: fnp.sum(fnp.abs(x) * w))(x), [-INF, INF, -INF])
    _eq(fg.grad(lambda x: fnp.sum(fnp.remainder(x, 0.7) * w))(x), [INF, INF, -INF])
    # clip (a maximum and a minimum): the bound that wins takes nothing from x. JAX: nan.
    _eq(fg.grad(lambda x: fnp.sum(fnp.clip(x, -0.5, 0.5) * w))(x), [0.0, INF, 0.0])


def test_max_min_do_not_leak_the_losers_inf_tangent():
    # JAX multiplies by a 0/1 mask here and gives nan.
    _, t = fg.jvp(lax.max, (2.0, 1.0), (1.0, INF))
    _eq(t, 1.0)
    _, t = fg.jvp(lax.min, (2.0, 1.0), (INF, 3.0))
    _eq(t, 3.0)
    _, t = fg.jvp(lax.max, (1.0, 1.0), (1.0, 3.0))
    _eq(t, 2.0)  # a tie: half of each tangent, as JAX
    _, t = fg.jvp(fnp.max, (np.array([1.0, 3.0, 3.0]),), (np.array([INF, 1.0, 2.0]),))
    _eq(t, 1.5)
    _, t = fg.jvp(lambda x: lax.cummax(x, 0), (np.array([3.0, 1.0]),), (np.array([1.0, INF]),))
    _eq(t, [1.0, 1.0])


def test_maximum_reverse_mode_with_and_without_ties():
    # Eager linearization takes a shorter path when no element ties (the weight is 1); the
    # values must be those of the general one: inf cotangents of the losers stay out, and
    # ties split the cotangent evenly.
    w = np.array([INF, 1.0, -INF, 2.0])
    for x, want in [(np.array([-1.0, 0.5, 3.0, 2.0]), [0.0, 1.0, -INF, 2.0]),  # no tie
                    (np.array([-1.0, 0.0, 3.0, 0.0]), [0.0, 0.5, -INF, 1.0])]:  # ties at 0
        _eq(fg.grad(lambda x: fnp.sum(fnp.maximum(x, 0.0) * w))(x), want)
        _eq(fg.grad(lambda x: fnp.sum(fnp.minimum(-x, 0.0) * -w))(x), want)
        _eq(fg.grad(lambda x: fnp.sum(fg.jit(fnp.maximum)(x, 0.0) * w))(x), want)
    # A tie of two differentiated operands: half to each.
    _eq(fg.grad(lambda a, b: fnp.sum(fnp.maximum(a, b)), argnums=(0, 1))(
        np.array([1.0, 2.0]), np.array([1.0, 0.0])), ([0.5, 1.0], [0.5, 0.0]))


def test_power_with_zero_exponent_has_zero_derivative():
    _eq(fg.grad(lambda x: x ** 0.0)(0.0), 0.0)  # JAX: nan (float exponent), 0 for int
    _eq(fg.grad(lambda x: lax.pow(x, 0.0))(0.0), 0.0)
    _eq(fg.grad(fg.grad(lambda x: x ** 0.0))(0.0), 0.0)
    _eq(fg.grad(lambda x: x ** 0)(0.0), 0.0)
    _, t = fg.jvp(lambda x: lax.integer_pow(x, 0), (2.0,), (INF,))
    _eq(t, 0.0)  # a symbolic zero: even an inf tangent gives 0, as JAX
    # 0 ** y: zero derivative in y for y > 0, y * 0 ** (y - 1) in x, as JAX
    _eq(fg.grad(lax.pow, argnums=(0, 1))(0.0, 2.0), (0.0, 0.0))
    _eq(fg.grad(lax.pow, argnums=(0, 1))(0.0, 1.0), (1.0, 0.0))
    _eq(fg.grad(lax.pow, argnums=(0, 1))(0.0, 0.5), (INF, 0.0))


def test_std_of_one_element_is_constant():
    # std of one element is identically 0, so its derivative is 0 (JAX: nan, from sqrt's
    # inf derivative at 0 times a zero tangent). A constant slice of several elements is a
    # kink of std: nan there, as JAX.
    _eq(fg.grad(fnp.std)(np.array([1.0])), [0.0])
    _eq(fg.grad(lambda x: fnp.sum(fnp.std(x, axis=1)))(np.array([[1.0], [2.0]])), [[0.0], [0.0]])
    _eq(fg.grad(fnp.var)(np.array([1.0])), [0.0])
    assert np.isnan(fg.grad(fnp.std)(np.array([1.5, 1.5]))).all()


def test_hypot_second_derivative_at_ties():
    r3 = 8.0 ** 1.5  # |(2, 2)| ** 3
    h = fg.hessian(fnp.hypot, argnums=(0, 1))(2.0, 2.0)
    expected = [[4 / r3, -4 / r3], [-4 / r3, 4 / r3]]  # [[y², -xy], [-xy, x²]] / r³
    np.testing.assert_allclose(np.array(h, dtype=float), expected, rtol=1e-14)
    assert abs(expected[0][0] - 0.1767766952966369) < 1e-15
    h = fg.hessian(fnp.hypot, argnums=(0, 1))(3.0, 4.0)
    np.testing.assert_allclose(np.array(h, dtype=float), [[0.128, -0.096], [-0.096, 0.072]],
                               rtol=1e-14)


def test_hypot_at_origin_and_far_from_it():
    _eq(fg.grad(fnp.hypot, argnums=(0, 1))(0.0, 0.0), (0.5, 0.5))  # JAX's convention
    _eq(fg.grad(fnp.hypot, argnums=(0, 1))(0.0, 3.0), (0.0, 1.0))
    _eq(fg.grad(fnp.hypot, argnums=(0, 1))(1e-300, 0.0), (1.0, 0.0))  # JAX: nan (underflow)


def test_norms_at_zero_follow_jax():
    z = np.zeros(3)
    assert np.isnan(fg.grad(fnp.linalg.norm)(z)).all()
    _eq(fg.grad(lambda x: fnp.linalg.norm(x, 1))(z), [1.0, 1.0, 1.0])
    np.testing.assert_allclose(fg.grad(lambda x: fnp.linalg.norm(x, INF))(z), [1 / 6] * 3)
    np.testing.assert_allclose(fg.grad(lambda x: fnp.linalg.norm(x, -INF))(z), [1 / 3] * 3)
    g = fg.grad(lambda x: fnp.linalg.norm(x, 2))(np.zeros((2, 3)))
    np.testing.assert_allclose(g, [[0.25, 0, 0], [0, 0.25, 0]])


def test_vmap_pad_with_infinite_padding_value():
    x = np.array([[1.0, INF], [2.0, 3.0]])
    out = fg.vmap(lambda x, v: lax.pad(x, v, [(1, 1, 0)]))(x, np.array([0.0, -INF]))
    _eq(out, [[0.0, 1.0, INF, 0.0], [-INF, 2.0, 3.0, -INF]])


def test_einsum_diagonal_ignores_inf_off_the_diagonal():
    m = np.array([[1.0, INF], [0.0, 2.0]])
    _eq(fnp.einsum("ii->i", m), [1.0, 2.0])
    _eq(fnp.einsum("ii", m), 3.0)


@pytest.mark.parametrize("fun", [lambda x: fnp.where(x > 0, x, 0.0), fg.nn.relu, fnp.abs,
                                 lambda x: fnp.maximum(x, 0.0)])
def test_selection_cotangents_under_jit_and_vmap(fun):
    x = np.array([-1.0, 0.0, 2.0])
    w = np.array([INF, INF, INF])

    def loss(x):
        return fnp.sum(fun(x) * w)

    want = fg.grad(loss)(x)
    assert not np.isnan(np.asarray(want)[0])
    _eq(fg.jit(fg.grad(loss))(x), want)
    _eq(fg.vmap(fg.grad(loss))(np.stack([x, x])), np.stack([want, want]))
