"""custom_jvp / custom_vjp with nondiff_argnums that are not a prefix, on every path.

JAX's semantics: the function and custom_vjp's ``fwd`` see the arguments in their original
order; the rules (``jvp``, ``bwd``) see the nondiff arguments first, in order, then the rest.
Each case is written once over a namespace ``(api, np)`` and run with fungrad and with JAX.
"""

from functools import partial

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp

A, B, N = 2.0, 5.0, 3  # nondiff values


def make_jvp_fn(api, npm):
    """a*x + b*y**2 with a, b nondiff at positions 0 and 2; the rule checks its arguments."""

    @partial(api.custom_jvp, nondiff_argnums=(0, 2))
    def f(a, x, b, y):
        return a * x + b * y * y

    @f.defjvp
    def f_jvp(a, b, primals, tangents):
        assert (a, b) == (A, B), (a, b)  # nondiff first, in order
        (x, y), (tx, ty) = primals, tangents
        return f(a, x, b, y), a * tx + 2.0 * b * y * ty

    return lambda x, y: f(A, x, B, y)


def make_vjp_fn(api, npm):
    """x**n * y with n nondiff at position 1; fwd sees the original order, bwd sees n first."""

    @partial(api.custom_vjp, nondiff_argnums=(1,))
    def g(x, n, y):
        return x**n * y

    def g_fwd(x, n, y):
        assert n == N, n
        return g(x, n, y), (x, y)

    def g_bwd(n, res, ct):
        assert n == N, n
        x, y = res
        return (n * x ** (n - 1) * y * ct, x**n * ct)

    g.defvjp(g_fwd, g_bwd)
    return lambda x, y: g(x, N, y)


def exact_jvp_fn(x, y):
    return A * x + B * y * y


def exact_vjp_fn(x, y):
    return x**N * y


def _paths(api, npm, fn):
    """Every path a custom function goes through, as arrays (one dict per path)."""
    xs, ys = npm.arange(1.0, 4.0), npm.arange(2.0, 5.0)
    out = {
        "call": fn(1.5, 2.5),
        "grad": api.grad(fn, argnums=(0, 1))(1.5, 2.5),
        "vjp": api.vjp(fn, 1.5, 2.5)[1](1.0),
        "vmap": api.vmap(fn)(xs, ys),
        "jit": api.jit(fn)(1.5, 2.5),
        "jit_grad": api.jit(api.grad(fn, argnums=(0, 1)))(1.5, 2.5),
        "vmap_grad": api.vmap(api.grad(fn, argnums=(0, 1)))(xs, ys),
        "grad_grad": api.grad(api.grad(fn))(1.5, 2.5),
    }
    return out


def _as_numpy(tree):
    return [np.asarray(leaf) for leaf in fg.tree_util.tree_leaves(tree)]


@pytest.mark.parametrize("make, exact", [(make_jvp_fn, exact_jvp_fn),
                                         (make_vjp_fn, exact_vjp_fn)])
def test_nondiff_argnums_every_path_matches_exact(make, exact):
    got = _paths(fg, fnp, make(fg, fnp))
    want = _paths(fg, fnp, exact)
    for path in got:
        for g, w in zip(_as_numpy(got[path]), _as_numpy(want[path])):
            np.testing.assert_allclose(g, w, rtol=1e-12, err_msg=path)


def test_custom_jvp_nondiff_argnums_jvp_path():
    fn = make_jvp_fn(fg, fnp)
    out, t = fg.jvp(fn, (1.5, 2.5), (1.0, 1.0))
    np.testing.assert_allclose(out, exact_jvp_fn(1.5, 2.5))
    np.testing.assert_allclose(t, A + 2.0 * B * 2.5)
    out, t = fg.jit(lambda x, y: fg.jvp(fn, (x, y), (1.0, 1.0)))(1.5, 2.5)
    np.testing.assert_allclose(t, A + 2.0 * B * 2.5)


@pytest.mark.parametrize("make", [make_jvp_fn, make_vjp_fn])
def test_nondiff_argnums_every_path_matches_jax(make):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    got = _paths(fg, fnp, make(fg, fnp))
    want = _paths(jax, jax.numpy, make(jax, jax.numpy))
    for path in got:
        for g, w in zip(_as_numpy(got[path]), jax.tree_util.tree_leaves(want[path])):
            np.testing.assert_allclose(g, np.asarray(w), rtol=1e-12, err_msg=path)


def test_custom_jvp_nondiff_argnums_single_middle_argument():
    @partial(fg.custom_jvp, nondiff_argnums=(1,))
    def f(x, name, y):
        assert name == "tag"
        return x * y

    @f.defjvp
    def f_jvp(name, primals, tangents):
        assert name == "tag"
        (x, y), (tx, ty) = primals, tangents
        return f(x, name, y), tx * y + x * ty

    assert f(2.0, "tag", 3.0) == 6.0
    assert fg.grad(lambda x, y: f(x, "tag", y), argnums=(0, 1))(2.0, 3.0) == (3.0, 2.0)


def test_defjvps_with_nondiff_argnums_is_an_error_as_in_jax():
    @partial(fg.custom_jvp, nondiff_argnums=(0,))
    def f(k, x):
        return k * x

    with pytest.raises(TypeError, match=r"defjvps of `.*f` can't be used with nondiff_argnums"):
        f.defjvps(lambda t, ans, k, x: k * t)
