"""The function ``vjp`` returns is a pytree of its residuals (JAX's ``Partial``-like VJP
object), so it crosses ``jit`` boundaries; and ``fwd_and_bwd`` built on it."""

from __future__ import annotations

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad.tree_util import tree_leaves, tree_map, tree_structure

X = np.linspace(0.1, 1.2, 12).reshape(3, 4)
W = np.linspace(-1.0, 1.0, 20).reshape(4, 5)
CT = np.linspace(0.5, 2.0, 15).reshape(3, 5)


def f(x, w):
    return fnp.tanh(x @ w) * 2.0


def test_leaves_are_the_residuals_and_rebuilt_copies_agree():
    y, pullback = fg.vjp(f, X, W)
    leaves = tree_leaves(pullback)
    assert leaves and all(isinstance(a, np.ndarray) for a in leaves)
    copy = tree_map(lambda a: a, pullback)
    assert tree_structure(copy) == tree_structure(pullback)
    for a, b in zip(copy(CT), pullback(CT)):
        np.testing.assert_allclose(a, b)
    # rebuilt from other residual values, it computes with them (it is not a closure)
    doubled = tree_map(lambda a: a * 0.0, pullback)
    assert all(not np.any(c) for c in doubled(CT))
    assert "vjp function of `f`" in repr(pullback)


def test_returned_from_jit_and_passed_into_jit():
    eager_y, eager_pb = fg.vjp(f, X, W)
    y, pullback = fg.jit(lambda x, w: fg.vjp(f, x, w))(X, W)
    np.testing.assert_allclose(y, eager_y)
    for a, b in zip(pullback(CT), eager_pb(CT)):
        np.testing.assert_allclose(a, b)
    apply = fg.jit(lambda pb, ct: pb(ct))
    for a, b in zip(apply(eager_pb, CT), eager_pb(CT)):
        np.testing.assert_allclose(a, b)
    apply(eager_pb, CT * 2)
    assert apply._cache_size() == 1  # the same pullback: one trace


def test_matches_jax_values():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    def jf(x, w):
        return jnp.tanh(x @ w) * 2.0

    _, jpb = jax.jit(lambda x, w: jax.vjp(jf, x, w))(X, W)
    _, pb = fg.jit(lambda x, w: fg.vjp(f, x, w))(X, W)
    for a, b in zip(pb(CT), jpb(CT)):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_cotangent_structure_is_still_checked():
    _, pullback = fg.vjp(f, X, W)
    with pytest.raises(ValueError, match="vjp of `f`: the cotangent must have the structure"):
        pullback((CT, CT))
    with pytest.raises(ValueError, match=r"cotangent has shape \(5,\)"):
        pullback(np.ones(5))


def test_as_custom_vjp_residual():
    @fg.custom_vjp
    def g(x):
        return fnp.sin(x)

    def g_fwd(x):
        y, pullback = fg.vjp(fnp.sin, x)
        return y, pullback

    def g_bwd(pullback, ct):
        return pullback(ct * 3.0)

    g.defvjp(g_fwd, g_bwd)
    x = np.array([0.3, 1.1])
    np.testing.assert_allclose(fg.grad(lambda x: fnp.sum(g(x)))(x), 3.0 * np.cos(x))
    np.testing.assert_allclose(fg.jit(fg.grad(lambda x: fnp.sum(g(x))))(x), 3.0 * np.cos(x))


def test_fwd_and_bwd_compiles_bwd_once():
    fwd, bwd = fg.fwd_and_bwd(lambda x, w: x @ w, argnums=(0, 1))
    for _ in range(3):
        y, res = fwd(X, W)
        cx, cw = bwd(res, CT)
    np.testing.assert_allclose(y, X @ W)
    np.testing.assert_allclose(cx, CT @ W.T)
    np.testing.assert_allclose(cw, X.T @ CT)
    assert bwd._cache_size() == 1 and fwd._cache_size() == 1


@pytest.mark.parametrize("jitted", [True, False])
def test_fwd_and_bwd_argnums_and_aux(jitted):
    fwd, bwd = fg.fwd_and_bwd(lambda x, y: x * y, argnums=0, jitted=jitted)
    y, res = fwd(2.0, 3.0)
    assert float(y) == 6.0 and float(bwd(res, 1.0)) == 3.0  # an int argnums: one cotangent
    fwd, bwd = fg.fwd_and_bwd(lambda x, y: (x * y, {"a": x}), argnums=(1,), has_aux=True,
                              jitted=jitted)
    y, res, aux = fwd(2.0, 3.0)
    assert float(aux["a"]) == 2.0
    (cy,) = bwd(res, 1.0)
    assert float(cy) == 2.0


def test_fwd_and_bwd_bad_argnums():
    fwd, _ = fg.fwd_and_bwd(lambda x: x, argnums=3, jitted=False)
    with pytest.raises(ValueError, match=r"fwd_and_bwd of `.*<lambda>`: argnums=3 is out of"):
        fwd(1.0)
    with pytest.raises(TypeError, match="fwd_and_bwd: expected a function to transform, got 3"):
        fg.fwd_and_bwd(3, argnums=0)


def test_linearize_jvp_function_is_a_pytree_too():
    y, f_jvp = fg.linearize(f, X, W)
    tx, tw = np.ones_like(X), np.full_like(W, 0.5)
    expected = f_jvp(tx, tw)
    y2, f_jvp2 = fg.jit(lambda x, w: fg.linearize(f, x, w))(X, W)
    np.testing.assert_allclose(y2, y)
    np.testing.assert_allclose(f_jvp2(tx, tw), expected)
    np.testing.assert_allclose(fg.jit(lambda fj, a, b: fj(a, b))(f_jvp, tx, tw), expected)
    np.testing.assert_allclose(tree_map(lambda a: a, f_jvp)(tx, tw), expected)
    with pytest.raises(ValueError, match="f_jvp expects tangents with the structure"):
        f_jvp(tx)
    assert "linearized jvp of `f`" in repr(f_jvp)
