"""lax tier-2 names compared with JAX 0.10.2 (x64 on): scatter_sub and scatter_apply
(values, grad, vmap, jit). The collectives all_to_all/pswapaxes/pshuffle are rows of
tests/test_collectives.py (vmap) and tests/test_distributed.py's CASES (pmap)."""

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad import lax as flax
from fungrad.errors import ShapeError
from fungrad.test_util import check_grads

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jnp, jlax = jax.numpy, jax.lax

RNG = np.random.default_rng(3)
SPEC0 = (("array", 0),)


def _close(a, b, tol=1e-12):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, a.dtype, b.shape, b.dtype)
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def _dnums_rows():
    """JAX's dimension numbers of ``x.at[idx]`` for one integer array on axis 0."""
    return jlax.ScatterDimensionNumbers(update_window_dims=(1,), inserted_window_dims=(0,),
                                        scatter_dims_to_operand_dims=(0,))


# ---------------------------------------------------------------------------------------
# scatter_sub

X = RNG.standard_normal((5, 3))
IDX = np.array([3, 0, 3, 1])  # a repeat: updates accumulate
UPD = RNG.standard_normal((4, 3))


def _sub_ours(x, u, idx=IDX):
    return flax.scatter_sub(x, u, [idx], SPEC0)


def _sub_jax(x, u, idx=IDX):
    return jlax.scatter_sub(x, jnp.asarray(idx)[:, None], u, _dnums_rows())


def test_scatter_sub_values_jit_and_dtypes():
    _close(_sub_ours(X, UPD), _sub_jax(X, UPD))
    _close(fg.jit(_sub_ours)(X, UPD), _sub_jax(X, UPD))
    xi, ui = np.arange(15, dtype=np.int32).reshape(5, 3), np.ones((4, 3), np.int32)
    _close(_sub_ours(xi, ui), _sub_jax(xi, ui))
    xu, uu = np.zeros((5, 3), np.uint8), np.full((4, 3), 3, np.uint8)  # wraps around
    _close(_sub_ours(xu, uu), _sub_jax(xu, uu))
    # a traced index
    _close(fg.jit(lambda i: _sub_ours(X, UPD, i))(IDX), _sub_jax(X, UPD))


def test_scatter_sub_derivatives_and_vmap():
    w = RNG.standard_normal(X.shape)
    for argnums in (0, 1, (0, 1)):
        got = fg.grad(lambda x, u: fnp.sum(_sub_ours(x, u) ** 2 * w), argnums)(X, UPD)
        want = jax.grad(lambda x, u: jnp.sum(_sub_jax(x, u) ** 2 * w), argnums)(X, UPD)
        for g, e in zip(fg.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want)):
            _close(g, e)
    check_grads(_sub_ours, (X, UPD), order=2)
    us = np.stack([UPD, 2 * UPD])
    _close(fg.vmap(_sub_ours, in_axes=(None, 0))(X, us),
           jax.vmap(_sub_jax, in_axes=(None, 0))(X, us))
    idxs = np.array([IDX, IDX[::-1]])
    _close(fg.vmap(lambda i: _sub_ours(X, UPD, i))(idxs),
           jax.vmap(lambda i: _sub_jax(X, UPD, i))(idxs))


def test_scatter_sub_error_names_the_shapes():
    with pytest.raises(ShapeError, match=r"scatter_add: updates of shape \(2, 3\) differ"):
        flax.scatter_sub(X, UPD[:2], [IDX], SPEC0)


# ---------------------------------------------------------------------------------------
# scatter_apply: once per occurrence, as JAX


def _apply_jax(x, idx, func):
    dn = jlax.ScatterDimensionNumbers(update_window_dims=(), inserted_window_dims=(0,),
                                      scatter_dims_to_operand_dims=(0,))
    return jlax.scatter_apply(x, jnp.asarray(idx)[:, None], func, dn, update_shape=idx.shape)


@pytest.mark.parametrize("idx", [np.array([1, 1, 3]), np.array([4, 0, 0, 0, 2]),
                                 np.array([2]), np.array([], np.int64)], ids=str)
def test_scatter_apply_values_repeat_per_occurrence(idx):
    x = np.linspace(0.1, 0.9, 5)

    def ours(v, i=idx):
        return flax.scatter_apply(v, [i], lambda t: fnp.sin(t) + 1.0, SPEC0)

    want = _apply_jax(x, idx, lambda t: jnp.sin(t) + 1.0)
    _close(ours(x), want)
    _close(fg.jit(ours)(x), want)
    if idx.size:
        _close(fg.jit(lambda i: ours(x, i))(idx), want)  # traced indices: masked rounds
    xs = np.stack([x, x[::-1]])
    _close(fg.vmap(ours)(xs), jax.vmap(lambda v: _apply_jax(v, idx, lambda t: jnp.sin(t) + 1))(
        xs))


def test_scatter_apply_integers_and_2d_index():
    x = np.arange(12, dtype=np.int32).reshape(3, 4)
    spec = (("array", 0), ("slice", None, None, None))
    got = flax.scatter_apply(x, [np.array([2, 0, 2])], lambda t: t * 2, spec)
    dn = jlax.ScatterDimensionNumbers(update_window_dims=(1,), inserted_window_dims=(0,),
                                      scatter_dims_to_operand_dims=(0,))
    want = jlax.scatter_apply(x, jnp.array([[2], [0], [2]]), lambda t: t * 2, dn,
                              update_shape=(3, 4))
    _close(got, want)


def test_scatter_apply_is_differentiable():
    """JAX's scatter_apply has no derivative; ours composes gather/scatter/select."""
    x = np.linspace(0.1, 0.9, 5)
    idx = np.array([1, 1, 3])
    f = lambda v: flax.scatter_apply(v, [idx], fnp.sin, SPEC0)  # noqa: E731
    check_grads(f, (x,), order=2)
    g = fg.grad(lambda v: fnp.sum(f(v)))(x)
    want = np.ones(5)
    want[1] = np.cos(np.sin(x[1])) * np.cos(x[1])
    want[3] = np.cos(x[3])
    _close(g, want)
    traced = fg.grad(lambda v: fnp.sum(fg.jit(lambda u, i: flax.scatter_apply(
        u, [i], fnp.sin, SPEC0))(v, idx)))(x)
    _close(traced, want)


def test_scatter_apply_errors():
    with pytest.raises(NotImplementedError, match="scatter_apply: mode='clip'.*x.at"):
        flax.scatter_apply(np.zeros(3), [np.array([0])], fnp.sin, SPEC0, mode="clip")
    with pytest.raises(ShapeError, match=r"scatter_apply: update_shape=\(2,\) differs"):
        flax.scatter_apply(np.zeros(3), [np.array([0])], fnp.sin, SPEC0, update_shape=(2,))
