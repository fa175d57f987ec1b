"""lax tier-1 API beyond the table rows: map, associative_scan, top_k, reduce, custom_root,
custom_linear_solve, Precision, signatures (against jax.lax) and errors."""

import inspect

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad import lax as flax
from fungrad.errors import CustomRuleError, ShapeError

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jnp, jlax = jax.numpy, jax.lax

RNG = np.random.default_rng(0)
NAMES = ("psum pmean pmax pmin all_gather psum_scatter ppermute axis_index axis_size map "
         "all_to_all pswapaxes pshuffle rng_uniform rng_bit_generator "
         "associative_scan top_k rsqrt square reciprocal clamp select full_like "
         "dynamic_slice_in_dim dynamic_update_slice_in_dim dynamic_index_in_dim index_in_dim "
         "batch_matmul conv conv_transpose custom_root custom_linear_solve reduce fori_loop "
         "dot_general dot sort_key_val cumlogsumexp population_count clz bitcast_convert_type "
         "reduce_precision split tile stack unstack broadcast_like mulhi dtype "
         "with_sharding_constraint bessel_i0e bessel_i1e betainc zeta "
         "broadcast_shapes broadcast_to_rank collapse "
         "dynamic_update_index_in_dim index_take reduce_xor optimization_barrier empty "
         "nextafter approx_max_k approx_min_k conv_with_general_padding "
         "conv_general_dilated_patches conv_general_dilated_local conv_shape_tuple "
         "conv_general_shape_tuple conv_transpose_shape_tuple reduce_window_shape_tuple "
         "conv_general_permutations conv_dimension_numbers ragged_dot ragged_dot_general "
         "RaggedDotDimensionNumbers").split()


def _close(a, b):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_signature_matches_jax(name):
    def params(fun):
        return [(p.name, p.kind, p.default) for p in inspect.signature(fun).parameters.values()]

    assert params(getattr(flax, name)) == params(getattr(jlax, name))


# ---------------------------------------------------------------------------------------
# map


def test_map_pytrees_and_batch_size_remainder():
    xs = {"a": RNG.standard_normal((7, 2)), "b": RNG.standard_normal(7)}

    def f(np_):
        return lambda t: (np_.sin(t["a"]) * t["b"], t["b"] ** 2)

    want = jlax.map(f(jnp), xs)
    for bs in [None, 1, 3, 7, 10]:
        got = flax.map(f(fnp), xs, batch_size=bs)
        for g, w in zip(got, want):
            _close(g, w)


def test_map_runs_as_one_scan_equation():
    ir = fg.make_ir(lambda x: flax.map(fnp.sin, x))(np.ones((4, 2)))
    assert [e.prim.name for e in ir.eqns] == ["scan"]


def test_map_errors():
    with pytest.raises(ValueError, match="lax.map: every leaf of xs"):
        flax.map(lambda t: t[0], (np.ones(3), np.ones(4)))


# ---------------------------------------------------------------------------------------
# associative_scan


def _affine(a, b):
    return (a[0] * b[0], a[1] * b[0] + b[1])


@pytest.mark.parametrize("n", [1, 2, 3, 4, 7, 16, 17])
@pytest.mark.parametrize("reverse", [False, True])
def test_associative_scan_matches_jax(n, reverse):
    elems = (RNG.uniform(0.5, 1.5, (3, n)), RNG.standard_normal((3, n)))
    got = flax.associative_scan(_affine, elems, reverse=reverse, axis=-1)
    want = jlax.associative_scan(_affine, elems, reverse=reverse, axis=1)
    for g, w in zip(got, want):
        _close(g, w)


def test_associative_scan_depth_is_logarithmic():
    ir = fg.make_ir(lambda x: flax.associative_scan(flax.add, x))(np.ones(64))
    adds = sum(e.prim.name == "add" for e in ir.eqns)
    assert adds <= 2 * 6  # two combines per level, log2(64) levels


def test_associative_scan_errors():
    with pytest.raises(TypeError, match="associative_scan: fn returned"):
        flax.associative_scan(lambda a, b: (a, b), np.ones(4))
    with pytest.raises(ValueError, match="axis=2 is out of range"):
        flax.associative_scan(flax.add, np.ones((2, 3)), axis=2)
    with pytest.raises(ValueError, match="same size along axis 0"):
        flax.associative_scan(flax.add, (np.ones(3), np.ones(4)))


# ---------------------------------------------------------------------------------------
# top_k


def test_top_k_ties_integers_and_gradient():
    x = np.array([[1.0, 4.0, 2.0, 4.0], [3.0, 3.0, 3.0, 0.0]])
    for got, want in zip(flax.top_k(x, 3), jlax.top_k(x, 3)):
        np.testing.assert_array_equal(got, want)
    ints = np.array([5, -3, 7, 7, np.iinfo(np.int32).min], np.int32)
    for got, want in zip(flax.top_k(ints, 5), jlax.top_k(ints, 5)):
        np.testing.assert_array_equal(got, want)
    assert flax.top_k(x, 2)[1].dtype == np.int32
    y = RNG.standard_normal((3, 5))
    _close(fg.grad(lambda v: fnp.sum(flax.top_k(v, 2)[0] ** 2))(y),
           jax.grad(lambda v: jnp.sum(jlax.top_k(v, 2)[0] ** 2))(y))
    assert flax.top_k(x, 0)[0].shape == (2, 0)


def test_sort_key_val_matches_jax_and_moves_value_tangents():
    keys = np.array([[3, 1, 2, 1], [0, 2, 2, 1]])
    vals = RNG.standard_normal((2, 4))
    for dim in (-1, 0):
        for g, w in zip(flax.sort_key_val(keys, vals, dim), jlax.sort_key_val(keys, vals, dim)):
            np.testing.assert_array_equal(g, w)
    grad = fg.grad(lambda v: flax.sort_key_val(keys[0], v)[1][0] * 2.0)(vals[0])
    np.testing.assert_array_equal(grad, [0.0, 2.0, 0.0, 0.0])  # the first key 1 is at 1


@pytest.mark.parametrize("axis,reverse", [(0, False), (1, True), (1, False), (0, True)])
def test_cumlogsumexp_matches_jax_with_infinities_and_derivatives(axis, reverse):
    x = np.array([[-np.inf, -np.inf, 0.0, np.inf], [1.0, 2.0, -1000.0, 3.0],
                  [700.0, 700.0, -2.0, 0.5]])
    _close(flax.cumlogsumexp(x, axis, reverse), jlax.cumlogsumexp(x, axis, reverse))
    y = x[1:]

    def loss(lax_):
        return lambda y: (lax_.cumlogsumexp(y, axis, reverse) ** 2).sum()

    _close(fg.grad(loss(flax))(y), jax.grad(loss(jlax))(y))
    _close(fg.jit(fg.vmap(lambda r: flax.cumlogsumexp(r, 0, reverse)))(y),
           jax.vmap(lambda r: jlax.cumlogsumexp(r, 0, reverse))(y))
    _close(fg.grad(lambda a: flax.cumlogsumexp(a)[-1])(np.ones(2)), [0.5, 0.5])  # a tie


def test_top_k_errors():
    with pytest.raises(ValueError, match="k=5 must be between 0 and the size 4"):
        flax.top_k(np.ones((2, 4)), 5)
    with pytest.raises(ValueError, match="rank >= 1"):
        flax.top_k(np.float64(1.0), 1)


# ---------------------------------------------------------------------------------------
# reduce


@pytest.mark.parametrize(("comp", "init", "prim"), [
    (lambda a, b: a + b, 0.0, "reduce_sum"),
    (flax.mul, 1.0, "reduce_prod"),
    (lambda a, b: flax.max(a, b), -np.inf, "reduce_max"),
    (flax.min, np.inf, "reduce_min"),
])
def test_reduce_recognises_monoids(comp, init, prim):
    x = RNG.standard_normal((3, 4))
    ir = fg.make_ir(lambda v: flax.reduce(v, init, comp, (1,)))(x)
    assert [e.prim.name for e in ir.eqns] == [prim]


def test_reduce_booleans_and_fallbacks():
    b = RNG.random((3, 4)) < 0.5
    np.testing.assert_array_equal(flax.reduce(b, True, flax.bitwise_and, (1,)), b.all(1))
    np.testing.assert_array_equal(flax.reduce(b, False, flax.bitwise_or, (0,)), b.any(0))
    x = RNG.standard_normal((5, 3, 2))
    # a non-identity init and a computation that is no single primitive
    _close(flax.reduce(x, 2.0, flax.add, (0, 2)), jlax.reduce(x, 2.0, jlax.add, (0, 2)))
    _close(flax.reduce(x, 0.0, lambda a, b: fnp.maximum(a, b) + 0.0, (0,)), x.max(0).clip(0))
    pair = flax.reduce((x, x * 2), (0.0, 0.0), lambda a, c: (a[0] + c[0], a[1] + c[1]), (1,))
    _close(pair[1], 2 * x.sum(1))
    _close(flax.reduce(np.ones((0, 2)), 0.5, lambda a, c: a + c * 1.0, (0,)), [0.5, 0.5])


def test_reduce_errors():
    with pytest.raises(TypeError, match="init_values has structure"):
        flax.reduce((np.ones(3), np.ones(3)), 0.0, flax.add, (0,))
    with pytest.raises(ValueError, match="out of range"):
        flax.reduce(np.ones(3), 0.0, flax.add, (1,))


# ---------------------------------------------------------------------------------------
# custom_linear_solve


def _cg(matvec, b, iters=30):
    """Conjugate gradients in a while_loop (fungrad cannot reverse-differentiate that)."""

    def cond(state):
        return state[4] < iters

    def body(state):
        x, r, p, rs, i = state
        ap = matvec(p)
        alpha = rs / fnp.maximum(fnp.vdot(p, ap), 1e-300)
        x, r = x + alpha * p, r - alpha * ap
        rs_new = fnp.vdot(r, r)
        return x, r, r + (rs_new / fnp.maximum(rs, 1e-300)) * p, rs_new, i + 1

    zero = fnp.zeros_like(b)
    return flax.while_loop(cond, body, (zero, b, b, fnp.vdot(b, b), 0))[0]


def test_custom_linear_solve_differentiates_the_solution_not_the_iterations():
    m = RNG.standard_normal((4, 4))
    spd = m @ m.T + 4 * np.eye(4)
    b = RNG.standard_normal(4)

    def ours(s, b):
        a = spd * s
        return flax.custom_linear_solve(lambda x: a @ x, b, _cg, symmetric=True)

    def theirs(s, b):
        return jnp.linalg.solve(spd * s, b)

    for argnums in [0, 1]:
        _close(fg.grad(lambda s, b: fnp.sum(ours(s, b) ** 3), argnums)(1.5, b),
               jax.grad(lambda s, b: jnp.sum(theirs(s, b) ** 3), argnums)(1.5, b))
    _close(fg.jvp(ours, (1.5, b), (1.0, b))[1], jax.jvp(theirs, (1.5, b), (1.0, b))[1])
    _close(fg.vmap(ours, (0, None))(np.array([1.0, 2.0]), b),
           jax.vmap(theirs, (0, None))(np.array([1.0, 2.0]), b))
    _close(fg.jit(fg.grad(lambda s: fnp.sum(ours(s, b))))(1.5),
           jax.grad(lambda s: jnp.sum(theirs(s, b)))(1.5))


def test_custom_linear_solve_pytrees_and_aux():
    a = np.diag([2.0, 4.0])

    def matvec(x):
        return {"u": a @ x["u"], "v": 3.0 * x["v"]}

    def solve(mv, r):
        return {"u": r["u"] / np.diag(a), "v": r["v"] / 3.0}, fnp.sum(r["u"])

    b = {"u": np.array([2.0, 8.0]), "v": np.array(6.0)}
    x, aux = flax.custom_linear_solve(matvec, b, solve, symmetric=True, has_aux=True)
    _close(x["u"], [1.0, 2.0])
    _close(x["v"], 2.0)
    _close(aux, 10.0)
    g = fg.grad(lambda b: flax.custom_linear_solve(matvec, b, solve, symmetric=True,
                                                   has_aux=True)[0]["u"].sum())(b)
    _close(g["u"], [0.5, 0.25])


def test_custom_linear_solve_errors():
    a = np.diag([2.0, 4.0])

    def solve(mv, r):
        return r / np.diag(a)

    with pytest.raises(CustomRuleError, match="needs transpose_solve"):
        fg.grad(lambda b: flax.custom_linear_solve(lambda x: a @ x, b, solve).sum())(np.ones(2))
    with pytest.raises(TypeError, match="matvec returned"):
        flax.custom_linear_solve(lambda x: (x, x), np.ones(2), solve)
    # forward mode needs no transpose_solve
    _close(fg.jvp(lambda b: flax.custom_linear_solve(lambda x: a @ x, b, solve),
                  (np.ones(2),), (np.ones(2),))[1], [0.5, 0.25])


# ---------------------------------------------------------------------------------------
# custom_root


def _vector_root(np_, lax, jacfwd, while_loop):
    def fp(theta):
        def f(x):
            return np_.tanh(x) + theta * x - 1.0

        def newton(f, x):
            def step(state):
                x, i = state
                return x - np_.linalg.solve(jacfwd(f)(x), f(x)), i + 1

            x, _ = while_loop(lambda s: s[1] < 20, step, (x, 0))
            return x, f(x)

        def tangent_solve(g, y):
            return np_.linalg.solve(jacfwd(g)(y), y)

        return lax.custom_root(f, np_.zeros(3), newton, tangent_solve, has_aux=True)

    return fp


def test_custom_root_matches_jax_through_a_while_loop_solver():
    theta = np.array([1.0, 2.0, 3.0])
    ours = _vector_root(fnp, flax, fg.jacfwd, flax.while_loop)
    theirs = _vector_root(jnp, jlax, jax.jacfwd, jlax.while_loop)
    (x, resid), (want, _) = ours(theta), theirs(theta)
    _close(x, want)
    assert np.abs(resid).max() < 1e-12
    for jac_ours, jac_theirs in [(fg.jacrev, jax.jacrev), (fg.jacfwd, jax.jacfwd)]:
        _close(jac_ours(lambda t: ours(t)[0])(theta), jac_theirs(lambda t: theirs(t)[0])(theta))
    batch = np.stack([theta, theta + 1])
    _close(fg.vmap(lambda t: ours(t)[0])(batch), jax.vmap(lambda t: theirs(t)[0])(batch))


def test_custom_root_second_derivative():
    def sqrt_newton(np_, lax):
        def f(a):
            newton = lambda g, x: lax.fori_loop(0, 40, lambda i, x: x - g(x) / (2 * x), x)  # noqa: E731
            return lax.custom_root(lambda x: x * x - a, 1.0, newton, lambda g, y: y / g(1.0))

        return f

    _close(fg.grad(fg.grad(sqrt_newton(fnp, flax)))(4.0),
           jax.grad(jax.grad(sqrt_newton(jnp, jlax)))(4.0))


def test_custom_root_errors():
    with pytest.raises(TypeError, match="custom_root: f returned"):
        flax.custom_root(lambda x: (x, x), 1.0, lambda f, x: x, lambda g, y: y)
    with pytest.raises(TypeError, match="custom_root: solve returned"):
        flax.custom_root(lambda x: x, 1.0, lambda f, x: (x, x), lambda g, y: y)


# ---------------------------------------------------------------------------------------
# Precision, small conveniences, errors


def test_precision_is_accepted_and_ignored():
    x, w = RNG.standard_normal((2, 3)), RNG.standard_normal((3, 4))
    dims = (((1,), (0,)), ((), ()))
    for p in [None, flax.Precision.HIGHEST, flax.Precision("tensorfloat32"), "highest"]:
        _close(flax.dot_general(x, w, dims, precision=p), x @ w)
    assert flax.Precision("bfloat16") is flax.Precision.DEFAULT
    img, k = RNG.standard_normal((1, 4, 4, 2)), RNG.standard_normal((3, 3, 2, 1))
    _close(flax.conv(img, k, (1, 1), "SAME", precision=flax.Precision.HIGH),
           flax.conv(img, k, (1, 1), "SAME"))
    _close(flax.batch_matmul(x[None], w[None], flax.Precision.HIGHEST)[0], x @ w)


def test_fori_loop_unroll_is_accepted():
    for unroll in [None, 1, 3, True]:
        assert flax.fori_loop(0, 4, lambda i, c: c + i, 0.0, unroll=unroll) == 6.0


def test_convenience_errors():
    with pytest.raises(ShapeError, match="lax.clamp: min has shape"):
        flax.clamp(np.zeros(2), np.zeros(3), 1.0)
    with pytest.raises(ShapeError, match="lax.batch_matmul"):
        flax.batch_matmul(np.ones((2, 3, 4)), np.ones((3, 4, 2)))
    with pytest.raises(IndexError, match="lax.index_in_dim: index 3"):
        flax.index_in_dim(np.ones((2, 3)), 3, 1)
    with pytest.raises(ValueError, match="lax.dynamic_slice_in_dim: axis=2"):
        flax.dynamic_slice_in_dim(np.ones((2, 3)), 0, 1, 2)
    with pytest.raises(ValueError, match="conv_transpose: padding must be"):
        flax.conv_transpose(np.ones((1, 4, 2)), np.ones((3, 2, 2)), (2,), "FULL",
                            dimension_numbers=("NWC", "WIO", "NWC"))


def test_dynamic_slice_in_dim_negative_indices():
    x = np.arange(10.0)
    _close(flax.dynamic_slice_in_dim(x, -3, 2), [7.0, 8.0])
    with pytest.raises(ValueError, match="index -3 is out of bounds"):
        flax.dynamic_slice_in_dim(x, -3, 2, allow_negative_indices=False)
    _close(flax.dynamic_slice_in_dim(x, 3, 2, allow_negative_indices=False), [3.0, 4.0])
    _close(flax.dynamic_index_in_dim(x, np.int32(-1), keepdims=False), 9.0)
