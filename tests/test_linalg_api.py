"""fnp.linalg's general-matrix functions beyond the primitive table: signatures, batching of
the eig and pinv primitives, derivatives JAX lacks or gets through other paths, errors."""

import inspect

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad.errors import ConcretizationError, ShapeError
from fungrad.test_util import check_grads

rng = np.random.default_rng(5)
G = rng.uniform(-1, 1, (4, 3, 3)) + 3 * np.eye(3)
R = rng.uniform(-1, 1, (4, 5, 3))


@pytest.mark.parametrize("name", sorted(fnp.linalg.__all__))
def test_signatures_match_jax(name):
    jnp = pytest.importorskip("jax.numpy")

    def params(f):
        return [(p.name, p.kind, p.default) for p in inspect.signature(f).parameters.values()]

    assert params(getattr(fnp.linalg, name)) == params(getattr(jnp.linalg, name))


@pytest.mark.parametrize("in_axes", [0, 1, 2])
def test_vmap_of_eig_and_pinv(in_axes):
    stacked = np.moveaxis(G, 0, in_axes)
    w = fg.vmap(fnp.linalg.eigvals, in_axes=in_axes)(stacked)
    np.testing.assert_allclose(w, np.stack([np.linalg.eigvals(g) for g in G]).astype(complex))
    stacked = np.moveaxis(R, 0, in_axes)
    p = fg.vmap(fnp.linalg.pinv, in_axes=in_axes)(stacked)
    np.testing.assert_allclose(p, np.stack([np.linalg.pinv(r) for r in R]), atol=1e-12)


@pytest.mark.parametrize("fun", [
    lambda a: fnp.linalg.cond(a),
    lambda a: fnp.linalg.cond(a, 1),
    lambda a: fnp.linalg.matrix_power(a, -3),
    lambda a: fnp.linalg.multi_dot([a, a.T, a]),
    lambda a: fnp.linalg.lstsq(a, a[:, 0])[:2],
    lambda a: fnp.linalg.matrix_rank(a),
    lambda a: fnp.linalg.matrix_norm(a, ord="nuc"),
    lambda a: fnp.linalg.vector_norm(a, axis=(0, 1), ord=3),
], ids=["cond", "cond_1", "matrix_power", "multi_dot", "lstsq", "matrix_rank", "nuc",
        "vector_norm"])
def test_vmap_matches_loop(fun):
    for in_axes in (0, 2):
        out = fg.vmap(fun, in_axes=in_axes)(np.moveaxis(G, 0, in_axes))
        loop = [fun(g) for g in G]
        for leaf, *examples in zip(fg.tree_util.tree_leaves(out),
                                   *(fg.tree_util.tree_leaves(x) for x in loop)):
            np.testing.assert_allclose(leaf, np.stack(examples), atol=1e-12)


def test_vmap_of_grad_of_eig_and_pinv():
    def loss(a):
        return fnp.sum(fnp.real(fnp.linalg.eigvals(a)) ** 2) + fnp.sum(fnp.linalg.pinv(a) ** 2)

    batched = fg.vmap(fg.grad(loss))(G)
    for g, out in zip(G, batched):
        np.testing.assert_allclose(out, fg.grad(loss)(g), atol=1e-12)


def test_eigvals_second_derivatives():
    # JAX raises here (its eigenvalue JVP needs eigenvector derivatives to differentiate again).
    check_grads(lambda a: fnp.linalg.eigvals(a), (G[0],), order=2, modes=("fwd", "rev"))
    hess = fg.hessian(lambda a: fnp.real(fnp.linalg.eigvals(a)).sum())(G[0])
    assert hess.shape == (3, 3, 3, 3) and np.all(np.isfinite(hess))


def test_eigvals_derivatives_at_a_repeated_eigenvalue():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    a, t = np.diag([1.0, 1.0, 2.0]), rng.standard_normal((3, 3))
    with np.errstate(all="raise"):  # the eigenvector terms (1 / 0) are never formed
        ours = fg.jvp(fnp.linalg.eigvals, (a,), (t,))[1]
        grad = fg.grad(lambda m: fnp.real(fnp.linalg.eigvals(m)).sum())(a)
    np.testing.assert_allclose(ours, jax.jvp(jax.numpy.linalg.eigvals, (a,), (t,))[1])
    np.testing.assert_allclose(grad, np.eye(3), atol=1e-12)


def test_eig_dtypes_and_reconstruction():
    w, v = fnp.linalg.eig(G)
    assert w.dtype == v.dtype == np.complex128
    np.testing.assert_allclose(G @ v, v * w[..., None, :], atol=1e-12)
    assert fnp.linalg.eigvals(G.astype(np.float32)).dtype == np.complex64


def test_eig_of_non_finite_input_is_nan():
    bad = G[0].copy()
    bad[0, 0] = np.nan
    w, v = fnp.linalg.eig(bad)
    assert np.all(np.isnan(w)) and np.all(np.isnan(v))


def test_pinv_derivative_at_equal_singular_values():
    # Through the SVD this divides by s_i^2 - s_j^2 = 0; the pinv rule has no such term.
    q = 2 * np.linalg.qr(rng.uniform(-1, 1, (3, 3)))[0]
    check_grads(fnp.linalg.pinv, (q,), order=2)
    np.testing.assert_allclose(fg.jacfwd(fnp.linalg.pinv)(q), fg.jacfwd(fnp.linalg.inv)(q),
                               atol=1e-12)


def test_lstsq_matches_numpy():
    b = rng.standard_normal((5, 2))
    for ours, ref in zip(fnp.linalg.lstsq(R[0], b), np.linalg.lstsq(R[0], b)):
        np.testing.assert_allclose(ours, ref, atol=1e-12)


def test_matrix_power_grad_matches_product_rule():
    a = G[0]
    g = fg.grad(lambda m: fnp.sum(fnp.linalg.matrix_power(m, 3)))(a)
    ones = np.ones((3, 3))
    expected = ones @ (a @ a).T + a.T @ ones @ a.T + (a @ a).T @ ones
    np.testing.assert_allclose(g, expected, atol=1e-12)


def test_numpy_functions_dispatch_under_grad():
    g = fg.grad(lambda a: np.linalg.cond(a) + np.linalg.matrix_norm(a))(G[0])
    ref = fg.grad(lambda a: fnp.linalg.cond(a) + fnp.linalg.matrix_norm(a))(G[0])
    np.testing.assert_allclose(g, ref)


# ---------------------------------------------------------------------------------------
# Errors


def test_pinv_errors():
    with pytest.raises(ShapeError, match=r"fnp\.linalg\.pinv: rtol must be a scalar.*"
                                         r"shape \(4,\)"):
        fnp.linalg.pinv(G, rtol=np.ones(4))
    with pytest.raises(ConcretizationError, match=r"fnp\.linalg\.pinv: rtol must be static, "
                                                  r"but it is a traced value ~?f64\[\]"):
        fg.jit(lambda a, t: fnp.linalg.pinv(a, rtol=t))(G[0], 0.1)
    with pytest.raises(ValueError, match=r"only one of rtol and rcond"):
        fnp.linalg.pinv(G, rtol=0.1, rcond=0.1)
    with pytest.raises(ShapeError, match=r"fnp\.linalg\.pinv: expected a \(stack of\) square"):
        fnp.linalg.pinv(R, hermitian=True)


def test_lstsq_errors():
    with pytest.raises(ShapeError, match=r"fnp\.linalg\.lstsq: .*got a \(4, 3, 3\)"):
        fnp.linalg.lstsq(G, np.ones(3))
    with pytest.raises(ShapeError, match=r"got a \(5, 3\) and b \(4,\)"):
        fnp.linalg.lstsq(R[0], np.ones(4))
    with pytest.raises(ConcretizationError, match=r"numpy_resid=True needs a concrete rank"):
        fg.jit(lambda a, b: fnp.linalg.lstsq(a, b, numpy_resid=True))(R[0], np.ones(5))


def test_matrix_power_errors():
    with pytest.raises(TypeError, match=r"fnp\.linalg\.matrix_power: the exponent n must be "
                                        r"an integer, got 1\.5"):
        fnp.linalg.matrix_power(G, 1.5)
    with pytest.raises(ShapeError, match=r"square matrices .*got shape \(4, 5, 3\)"):
        fnp.linalg.matrix_power(R, 2)


def test_other_errors():
    with pytest.raises(ShapeError, match=r"fnp\.linalg\.cond: p=1 needs square matrices"):
        fnp.linalg.cond(R, 1)
    with pytest.raises(ShapeError, match=r"fnp\.linalg\.cond: needs non-empty matrices"):
        fnp.linalg.cond(np.ones(3))
    with pytest.raises(ValueError, match=r"multi_dot: needs at least two arrays"):
        fnp.linalg.multi_dot([G[0]])
    with pytest.raises(ShapeError, match=r"multi_dot: .*got shapes \[\(3, 3\), \(5, 3\)\]"):
        fnp.linalg.multi_dot([G[0], R[0]])
    with pytest.raises(ValueError, match=r"vector_norm: ord='fro' names a matrix norm"):
        fnp.linalg.vector_norm(G, ord="fro")
    with pytest.raises(ShapeError, match=r"fnp\.linalg\.eig: expected a \(stack of\) square"):
        fnp.linalg.eig(R)
    with pytest.raises(ValueError, match=r"only one of tol and rtol"):
        fnp.linalg.matrix_rank(G, 0.1, tol=0.1)
