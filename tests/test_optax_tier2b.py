"""fungrad.optim's remaining optax tier-2 names against optax 0.2.8 (JAX with x64).

Transformations run several steps on one gradient sequence in both libraries and compare
updates and states; functions compare values (and derivatives where optax's are
differentiable); random ones (perturbations) compare statistics, as fungrad's random bits
differ from JAX's.
"""

from __future__ import annotations

import inspect
import typing

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
import fungrad.optim as optim
from fungrad.tree_util import tree_leaves, tree_map, tree_structure
from tests.full_marks import keep_first

optax = pytest.importorskip("optax")
jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy


def close(a, b, rtol=1e-6, atol=1e-8, what=""):
    la, lb = tree_leaves(a), jax.tree.leaves(b)
    assert len(la) == len(lb), f"{what}: {len(la)} leaves vs {len(lb)}"
    for x, y in zip(la, lb, strict=True):
        np.testing.assert_allclose(np.asarray(x), np.asarray(y), rtol=rtol, atol=atol,
                                   err_msg=what)


def params0():
    rng = np.random.default_rng(0)
    return {"w": rng.normal(size=(3, 4)), "b": rng.normal(size=(4,))}


def run_both(make, steps=6, params=None, check_state=True):
    """Run ``make(optim)`` and ``make(optax)`` for `steps`; compare updates and states."""
    params = params0() if params is None else params
    rng = np.random.default_rng(1)
    ours, theirs = make(optim), make(optax)
    s_o, s_t = ours.init(params), theirs.init(tree_map(jnp.asarray, params))
    p_o, p_t = params, tree_map(jnp.asarray, params)
    for step in range(steps):
        g = tree_map(lambda p: rng.normal(size=np.shape(p)), params)
        u_o, s_o = ours.update(g, s_o, p_o)
        u_t, s_t = theirs.update(tree_map(jnp.asarray, g), s_t, p_t)
        close(u_o, u_t, what=f"updates at step {step}")
        if check_state:
            close(s_o, s_t, what=f"state at step {step}")
        p_o, p_t = optim.apply_updates(p_o, u_o), optax.apply_updates(p_t, u_t)
    return s_o, s_t


# --- 1. type names ---------------------------------------------------------------------

def test_type_names_are_protocols_and_alias():
    for name in ("TransformInitFn", "TransformUpdateFn", "TransformUpdateExtraArgsFn"):
        ours, theirs = getattr(optim, name), getattr(optax, name)
        assert typing.Protocol in ours.__mro__ and typing.Protocol in theirs.__mro__
        assert list(inspect.signature(ours.__call__).parameters) == list(
            inspect.signature(theirs.__call__).parameters)
    assert optim.MaskOrFn is not None and typing.get_args(optim.MaskOrFn)


# --- 2. monitoring, selective_transform, microbatching -----------------------------------

def test_snapshot_matches_optax():
    def make(lib):
        return lib.chain(lib.sgd(0.1, momentum=0.9),
                         lib.snapshot("norm", lambda u: lib.tree.norm(u)),
                         lib.clip_by_global_norm(0.05))
    s_o, s_t = run_both(make)
    assert float(optim.tree_utils.tree_get(s_o, "norm")) == pytest.approx(
        float(optax.tree.get(s_t, "norm")), rel=1e-12)
    assert type(s_o[1]).__name__ == type(s_t[1]).__name__ == "SnapshotState"
    assert s_o[1]._fields == s_t[1]._fields


@pytest.mark.parametrize("debias", [True, False])
def test_monitor_and_measure_with_ema_match_optax(debias):
    def make(lib):
        return lib.chain(
            lib.sgd(0.1, momentum=0.9),
            lib.monitor({"norm": lib.tree.norm,
                         "clipped": lib.measure_with_ema(lambda u: lib.tree.norm(u) > 0.6,
                                                         decay=0.9, debias=debias),
                         "mean_ema": lib.measure_with_ema(lambda u: u["w"].mean(0), 0.8)}),
            lib.clip_by_global_norm(1.5))
    s_o, s_t = run_both(make, steps=8)
    assert s_o[1]._fields == s_t[1]._fields == ("measurements", "measure_states")
    m = s_o[1].measurements
    assert 0 < float(m["clipped"]) < 1  # a fraction: the bool measurement is averaged


def test_measure_with_ema_accumulator_dtype_matches_optax():
    s_o, s_t = run_both(lambda lib: lib.monitor(
        {"n": lib.measure_with_ema(lib.tree.norm, 0.9, accumulator_dtype=jnp.float32)}),
        steps=3)
    assert np.asarray(s_o.measure_states[0][1].ema).dtype == np.float32
    assert s_t.measure_states[0][1].ema.dtype == jnp.float32


def test_monitor_init_and_errors():
    state = optim.monitor({"n": optim.tree.norm}).init(params0())
    ref = optax.monitor({"n": optax.tree.norm}).init(tree_map(jnp.asarray, params0()))
    assert state.measurements == ref.measurements == {}
    with pytest.raises(TypeError, match="monitor: the measure 'n' must be a function"):
        optim.monitor({"n": 3.0})
    with pytest.raises(TypeError, match="monitor: measures must be a dict"):
        optim.monitor([optim.tree.norm])


@pytest.mark.parametrize("mask", [{"w": True, "b": False}, False, True])
def test_selective_transform_matches_optax(mask):
    run_both(lambda lib: lib.selective_transform(lib.adam(0.1), freeze_mask=mask))


def test_selective_transform_frozen_leaves_get_no_state():
    tx = optim.selective_transform(optim.adam(0.1), freeze_mask={"w": True, "b": False})
    state = tx.init(params0())
    mu = state.inner_states["train"].inner_state[0].mu
    assert type(mu["w"]).__name__ == "MaskedNode"
    with pytest.raises(TypeError, match="selective_transform: optimizer must be"):
        optim.selective_transform(lambda g: g, freeze_mask=True)


KIND = optim.microbatching.AccumulationType


def _both_kinds(names):
    return (tuple(getattr(KIND, n) for n in names),
            tuple(getattr(optax.microbatching.AccumulationType, n) for n in names))


@pytest.mark.parametrize("size", [1, 2, 3, 6])
def test_microbatch_matches_optax(size):
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(6, 3)), rng.normal(size=(2, 6))

    def fun(lib_np):
        return lambda w, x, *, y: (x @ w, lib_np.sum(x) * y.T, lib_np.mean(x ** 2), x[:, 0])

    w = rng.normal(size=(3,))
    ours_acc, theirs_acc = _both_kinds(["CONCAT", "SUM", "MEAN", "RUNNING_MEAN"])
    ours = optim.microbatch(fun(fnp), argnums=1, microbatch_size=size, accumulator=ours_acc,
                            argnames="y", in_axes=(0, 1))(w, x, y=y)
    theirs = optax.microbatch(fun(jnp), argnums=1, microbatch_size=size,
                              accumulator=theirs_acc, argnames="y", in_axes=(0, 1))(
        jnp.asarray(w), jnp.asarray(x), y=jnp.asarray(y))
    close(ours, theirs, rtol=1e-12)
    np.testing.assert_allclose(ours[0], x @ w, rtol=1e-12)  # CONCAT keeps the rows order


def test_microbatch_num_real_microbatches_prefix_accumulator_and_none():
    x = np.arange(8.0)

    def fun(lib_np):
        return lambda x: {"s": lib_np.sum(x), "c": x * 2}

    ours = optim.microbatch(fun(fnp), 0, 2, {"s": KIND.SUM, "c": KIND.CONCAT},
                            num_real_microbatches=3)(x)
    qtype = optax.microbatching.AccumulationType
    theirs = optax.microbatch(fun(jnp), 0, 2, {"s": qtype.SUM, "c": qtype.CONCAT},
                              num_real_microbatches=3)(jnp.asarray(x))
    close(ours, theirs, rtol=1e-12)
    f = fun(fnp)
    assert optim.microbatch(f, 0, None) is f
    traced = fg.jit(optim.microbatch(fnp.sum, 0, 4, KIND.MEAN))(x)
    assert float(traced) == pytest.approx(float(optax.microbatch(jnp.sum, 0, 4, qtype.MEAN)(
        jnp.asarray(x))))


def test_microbatch_is_differentiable():
    rng = np.random.default_rng(3)
    x, w = rng.normal(size=(6, 3)), rng.normal(size=(3,))

    def loss(lib, lib_np):
        inner = lib.microbatch(lambda w, x: lib_np.sum((x @ w) ** 2), 1, 2)
        return lambda w: inner(w, x)

    close(fg.grad(loss(optim, fnp))(w), jax.grad(loss(optax, jnp))(jnp.asarray(w)),
          rtol=1e-10)


def test_microbatch_errors():
    with pytest.raises(ValueError, match="batch_size=5 must be divisible by microbatch_size=2"):
        optim.microbatch(fnp.sum, 0, 2)(np.ones(5))
    with pytest.raises(ValueError, match="different sizes"):
        optim.microbatch(lambda a, b: a + b, (0, 1), 2)(np.ones(4), np.ones(6))
    with pytest.raises(ValueError, match="MEAN accumulator needs floating-point"):
        optim.microbatch(fnp.sum, 0, 2, KIND.MEAN)(np.arange(4))
    with pytest.raises(ValueError, match="unknown accumulator"):
        optim.microbatch(fnp.sum, 0, 2, "sum")(np.ones(4))


@pytest.mark.parametrize("kind", ["CONCAT", "SUM", "MEAN"])
@pytest.mark.parametrize("size", [None, 2])
def test_micro_vmap_matches_optax(kind, size):
    rng = np.random.default_rng(4)
    x, c = rng.normal(size=(4, 3)), rng.normal(size=(3,))
    ours = optim.microbatching.micro_vmap(lambda x, c: x * c + 1, in_axes=(0, None),
                                          microbatch_size=size,
                                          accumulator=getattr(KIND, kind))(x, c)
    theirs = optax.microbatching.micro_vmap(
        lambda x, c: x * c + 1, in_axes=(0, None), microbatch_size=size,
        accumulator=getattr(optax.microbatching.AccumulationType, kind))(
        jnp.asarray(x), jnp.asarray(c))
    close(ours, theirs, rtol=1e-12)


@pytest.mark.parametrize("keep_batch_dim", [True, False])
def test_micro_grad_matches_optax(keep_batch_dim):
    rng = np.random.default_rng(5)
    feats, targets, w = rng.normal(size=(6, 2)), rng.normal(size=(6,)), rng.normal(size=(2,))

    def make(lib, lib_np):
        def loss(w, x, y):
            d = x @ w - y
            return 0.5 * lib_np.mean(d ** 2), lib_np.sum(d)
        kind = lib.microbatching.AccumulationType
        return lib.microbatching.micro_grad(
            loss, has_aux=True, batch_argnums=(1, 2), keep_batch_dim=keep_batch_dim,
            microbatch_size=3, accumulator=kind.MEAN,
            transform_fn=lambda g: (g, g ** 2), metrics_fn=lambda g: lib_np.sum(g ** 2))

    ours = make(optim, fnp)(w, feats, targets)
    theirs = make(optax, jnp)(*map(jnp.asarray, (w, feats, targets)))
    close(ours, theirs, rtol=1e-10)
    assert type(ours[1]).__name__ == "Aux" and ours[1]._fields == theirs[1]._fields


def test_reshape_batch_axis_matches_optax():
    x = np.arange(24.0).reshape(2, 6, 2)
    close(optim.microbatching.reshape_batch_axis(x, 3, axis=1),
          optax.microbatching.reshape_batch_axis(jnp.asarray(x), 3, axis=1))


# --- 3. projections ----------------------------------------------------------------------

def _tree(seed, scale=1.0):
    rng = np.random.default_rng(seed)
    return {"a": scale * rng.normal(size=(3, 2)), "b": scale * rng.normal(size=(4,))}


def _a_tree(seed):
    rng = np.random.default_rng(seed + 100)
    return {"a": rng.normal(size=(3, 2)), "b": rng.normal(size=(4,))}


PROJECTIONS = [
    ("projection_non_negative", {}),
    ("projection_box", {"lower": -0.5, "upper": 0.7}),
    ("projection_hypercube", {"scale": 0.8}),
    ("projection_simplex", {}),
    ("projection_simplex", {"scale": 2.5}),
    ("projection_l1_sphere", {"scale": 1.5}),
    ("projection_l1_ball", {}),
    ("projection_l1_ball", {"scale": 100.0}),
    ("projection_l2_sphere", {"scale": 2.0}),
    ("projection_l2_ball", {}),
    ("projection_l2_ball", {"scale": 100.0}),
    ("projection_linf_ball", {"scale": 0.6}),
    ("projection_vector", "a"),
    ("projection_hyperplane", "ab"),
    ("projection_halfspace", "ab"),
    ("projection_halfspace", "ab-inside"),
]


def _call(lib, name, kwargs, x, seed):
    fn = getattr(lib.projections, name)
    if lib is optax and name in ("projection_box", "projection_hypercube"):
        # optax's need bounds of the tree's structure (scalars fail on a dict); ours
        # broadcast a scalar bound to every leaf, so compare leaf by leaf
        return jax.tree.map(lambda leaf: fn(leaf, **kwargs), x)
    if isinstance(kwargs, dict):
        return fn(x, **kwargs)
    a = tree_map(jnp.asarray, _a_tree(seed)) if lib is optax else _a_tree(seed)
    if kwargs == "a":
        return fn(x, a)
    return fn(x, a, 100.0 if kwargs.endswith("inside") else 0.3)


@pytest.mark.parametrize("name,kwargs", PROJECTIONS)
def test_projection_values_and_derivatives_match_optax(name, kwargs):
    for seed in range(3):
        x = _tree(seed, scale=0.7)
        xj = tree_map(jnp.asarray, x)
        ours, theirs = _call(optim, name, kwargs, x, seed), _call(optax, name, kwargs, xj, seed)
        close(ours, theirs, rtol=1e-10, atol=1e-12, what=f"{name} value")
        assert tree_structure(ours) == tree_structure(x)
        t = _tree(seed + 50)
        _, jvp_o = fg.jvp(lambda x: _call(optim, name, kwargs, x, seed), (x,), (t,))
        _, jvp_t = jax.jvp(lambda x: _call(optax, name, kwargs, x, seed), (xj,),
                           (tree_map(jnp.asarray, t),))
        close(jvp_o, jvp_t, rtol=1e-9, atol=1e-12, what=f"{name} jvp")
        _, vjp_o = fg.vjp(lambda x: _call(optim, name, kwargs, x, seed), x)
        _, vjp_t = jax.vjp(lambda x: _call(optax, name, kwargs, x, seed), xj)
        close(vjp_o(t), vjp_t(tree_map(jnp.asarray, t)), rtol=1e-9, atol=1e-12,
              what=f"{name} vjp")


def test_projection_simplex_lands_on_simplex_and_jits():
    x = _tree(7)
    out = fg.jit(optim.projections.projection_simplex)(x)
    leaves = np.concatenate([np.ravel(v) for v in tree_leaves(out)])
    assert leaves.min() >= 0 and leaves.sum() == pytest.approx(1.0)
    assert sorted(n for n in dir(optim.projections) if n.startswith("projection_")) == sorted(
        n for n in dir(optax.projections) if n.startswith("projection_"))


def test_projection_box_with_tree_bounds_matches_optax():
    x, lo = _tree(1), tree_map(lambda v: v - 0.3, _tree(2, 0.1))
    hi = tree_map(lambda v: v + 0.6, lo)
    close(optim.projections.projection_box(x, lo, hi),
          optax.projections.projection_box(*(tree_map(jnp.asarray, t) for t in (x, lo, hi))))


# --- 3b. linear algebra, second order, multi_normal, perturbations, assignment ----------

def _spd(n, seed):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n, n))
    return a @ a.T + 0.5 * np.eye(n)


@pytest.mark.parametrize("seed", range(3))
def test_power_iteration_matches_optax(seed):
    m, v0 = _spd(5, seed), np.random.default_rng(seed).normal(size=5)
    ours = optim.power_iteration(m, v0=v0, num_iters=30, error_tolerance=1e-9)
    theirs = optax.power_iteration(jnp.asarray(m), v0=jnp.asarray(v0), num_iters=30,
                                   error_tolerance=1e-9)
    close(ours, theirs, rtol=1e-9, atol=1e-12)
    # a function and a pytree start vector; the default start (fungrad's random bits)
    mvp = lambda v: {"x": m @ v["x"]}  # noqa: E731
    ours = optim.power_iteration(mvp, v0={"x": v0}, num_iters=300)
    theirs = optax.power_iteration(lambda v: {"x": jnp.asarray(m) @ v["x"]},
                                   v0={"x": jnp.asarray(v0)}, num_iters=300)
    close(ours, theirs, rtol=1e-9, atol=1e-12)
    value, vector = optim.power_iteration(m, num_iters=2000, error_tolerance=1e-12)
    assert float(value) == pytest.approx(np.linalg.eigvalsh(m)[-1], rel=1e-8)
    with pytest.raises(ValueError, match="power_iteration: v0 must be given"):
        optim.power_iteration(mvp)


@pytest.mark.parametrize("p", [1, 2, 4, 8])
@pytest.mark.parametrize("n", [1, 4])
def test_matrix_inverse_pth_root_matches_optax(p, n):
    m = _spd(n, p)
    ours = optim.matrix_inverse_pth_root(m, p)
    theirs = optax.matrix_inverse_pth_root(jnp.asarray(m), p)
    close(ours[0], theirs[0], rtol=1e-7, atol=1e-10)
    assert float(ours[1]) == pytest.approx(float(theirs[1]), abs=1e-9)
    if n > 1:
        np.testing.assert_allclose(np.linalg.matrix_power(np.asarray(ours[0]), p)
                                   @ (m + 1e-6 * np.linalg.eigvalsh(m)[-1] * np.eye(n)),
                                   np.eye(n), atol=1e-5)


@pytest.mark.parametrize("k", [None, 3])
def test_nnls_matches_optax_and_is_differentiable(k):
    rng = np.random.default_rng(6)
    a = rng.normal(size=(8, 4))
    b = rng.normal(size=(8,) if k is None else (8, k))
    close(optim.nnls(a, b, iters=50), optax.nnls(jnp.asarray(a), jnp.asarray(b), iters=50),
          rtol=1e-9, atol=1e-12)
    close(optim.nnls(a, b, 20, L=30.0), optax.nnls(jnp.asarray(a), jnp.asarray(b), 20, L=30.0),
          rtol=1e-9, atol=1e-12)
    g_o = fg.grad(lambda b: fnp.sum(optim.nnls(a, b, 30) ** 2))(b)
    g_t = jax.grad(lambda b: jnp.sum(optax.nnls(jnp.asarray(a), b, 30) ** 2))(jnp.asarray(b))
    close(g_o, g_t, rtol=1e-8, atol=1e-12)
    with pytest.raises(ValueError, match="nnls: A must be"):
        optim.nnls(a, np.ones(3), 5)


def test_second_order_matches_optax():
    rng = np.random.default_rng(7)
    params = {"w": rng.normal(size=(3, 2)), "b": rng.normal(size=(2,))}
    x, y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))

    def loss(lib_np):
        return lambda p, x, y: lib_np.sum(lib_np.tanh(x @ p["w"] + p["b"]) - y) ** 2

    pj, xj, yj = tree_map(jnp.asarray, params), jnp.asarray(x), jnp.asarray(y)
    v = rng.normal(size=8)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # optax 0.2.8 deprecates these
        close(optim.second_order.hvp(loss(fnp), v, params, x, y),
              optax.second_order.hvp(loss(jnp), jnp.asarray(v), pj, xj, yj), rtol=1e-9)
        close(optim.second_order.hessian_diag(loss(fnp), params, x, y),
              optax.second_order.hessian_diag(loss(jnp), pj, xj, yj), rtol=1e-9)
        close(optim.second_order.fisher_diag(loss(fnp), params, x, y),
              optax.second_order.fisher_diag(loss(jnp), pj, xj, yj), rtol=1e-9)
    with pytest.raises(ValueError, match="hvp: v must be a 1-D array"):
        optim.second_order.hvp(loss(fnp), np.ones(3), params, x, y)


def test_multi_normal_matches_optax():
    loc, log_scale = np.array([0.5, -1.0, 2.0]), np.array([0.1, -0.3, 0.7])
    ours, theirs = optim.multi_normal(loc, log_scale), optax.multi_normal(
        jnp.asarray(loc), jnp.asarray(log_scale))
    x = np.random.default_rng(8).normal(size=(4, 3))
    close(ours.log_prob(x), theirs.log_prob(jnp.asarray(x)), rtol=1e-12)
    close(ours.params, theirs.params)
    close(ours.log_scale, theirs.log_scale)
    g_o = fg.grad(lambda ls: optim.multi_normal(loc, ls).log_prob(x).sum())(log_scale)
    g_t = jax.grad(lambda ls: optax.multi_normal(jnp.asarray(loc), ls).log_prob(
        jnp.asarray(x)).sum())(jnp.asarray(log_scale))
    close(g_o, g_t, rtol=1e-10)
    draws = np.asarray(ours.sample((20000,), fg.random.PRNGKey(0)))
    assert draws.shape == (20000, 3)
    np.testing.assert_allclose(draws.mean(0), loc, atol=0.05)
    np.testing.assert_allclose(draws.std(0), np.exp(log_scale), rtol=0.03)


def _argmax_one_hot(lib_np):
    return lambda x: lib_np.asarray(x == lib_np.max(x), dtype=float)


@pytest.mark.parametrize("noise", ["Gumbel", "Normal"])
@pytest.mark.parametrize("use_baseline", keep_first([True, False], 1))
def test_perturbed_fun_statistics_match_optax(noise, use_baseline):
    """fungrad's draws differ from JAX's: compare the estimates and their gradients to
    optax's within a few Monte-Carlo standard errors (each averaged over 8 keys)."""
    x = np.array([0.3, 0.5, -0.2, 0.45])
    n = 4000

    def estimates(lib, lib_np, key_fn, grad_fn, xs):
        f = lib.perturbations.make_perturbed_fun(
            _argmax_one_hot(lib_np), num_samples=n, sigma=0.3,
            noise=getattr(lib.perturbations, noise)(), use_baseline=use_baseline)
        vals = [np.asarray(f(key_fn(s), xs)) for s in range(8)]
        grads = [np.asarray(grad_fn(lambda x, s=s: f(key_fn(s), x)[1])(xs)) for s in range(8)]
        return np.mean(vals, 0), np.mean(grads, 0), np.std(grads, 0) / np.sqrt(8)

    v_o, g_o, se_o = estimates(optim, fnp, fg.random.PRNGKey, fg.grad, x)
    v_t, g_t, se_t = estimates(optax, jnp, jax.random.PRNGKey, jax.grad, jnp.asarray(x))
    np.testing.assert_allclose(v_o, v_t, atol=0.02)
    assert v_o.sum() == pytest.approx(1.0)
    tol = 5 * np.sqrt(se_o ** 2 + se_t ** 2) + 0.02
    assert np.all(np.abs(g_o - g_t) < tol), (g_o, g_t, tol)
    assert g_o[1] > 0 and g_o[2] < 0


def test_perturbations_noise_objects_match_optax():
    z = np.linspace(-2, 2, 7)
    for name in ("Normal", "Gumbel"):
        close(getattr(optim.perturbations, name)().log_prob(z),
              getattr(optax.perturbations, name)().log_prob(jnp.asarray(z)), rtol=1e-12)
    draws = np.asarray(optim.perturbations.Gumbel().sample(fg.random.PRNGKey(3), (40000,)))
    assert draws.mean() == pytest.approx(np.euler_gamma, abs=0.03)
    with pytest.raises(TypeError, match="make_perturbed_fun: noise must have sample"):
        optim.perturbations.make_perturbed_fun(lambda x: x, noise="gumbel")


@pytest.mark.parametrize("shape", [(4, 4), (3, 6), (6, 3), (1, 5), (5, 1), (7, 7)])
@pytest.mark.parametrize("name", ["hungarian_algorithm", "base_hungarian_algorithm"])
def test_assignment_matches_optax_exactly(shape, name):
    for seed in range(4):
        cost = np.random.default_rng(seed).normal(size=shape)
        ours = getattr(optim.assignment, name)(cost)
        theirs = getattr(optax.assignment, name)(jnp.asarray(cost))
        for a, b in zip(ours, theirs, strict=True):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
        jitted = fg.jit(getattr(optim.assignment, name))(cost)
        for a, b in zip(jitted, ours, strict=True):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_assignment_costs_with_ties_and_integers():
    from itertools import permutations
    rng = np.random.default_rng(9)
    for _ in range(20):
        cost = rng.integers(0, 4, size=(5, 5))
        i, j = optim.assignment.hungarian_algorithm(cost)
        best = min(sum(cost[r, c] for r, c in enumerate(p)) for p in permutations(range(5)))
        ti, tj = optax.assignment.hungarian_algorithm(jnp.asarray(cost))
        assert int(cost[i, j].sum()) == best == int(np.asarray(cost)[ti, tj].sum())
        assert sorted(np.asarray(i).tolist()) == sorted(np.asarray(j).tolist()) == list(range(5))
    empty = optim.assignment.hungarian_algorithm(np.zeros((0, 3)))
    assert [np.asarray(e).shape for e in empty] == [(0,), (0,)]
    with pytest.raises(ValueError, match="hungarian_algorithm: cost_matrix must be 2-D"):
        optim.assignment.hungarian_algorithm(np.ones(3))


# --- 4. ctc_loss_with_forward_probs ------------------------------------------------------

def _ctc_inputs(seed):
    rng = np.random.default_rng(seed)
    batch, steps, classes, max_len = 3, 7, 5, 4
    logits = rng.normal(size=(batch, steps, classes))
    logit_pad = np.zeros((batch, steps))
    logit_pad[1, 5:] = 1.0
    labels = rng.integers(1, classes, size=(batch, max_len))
    labels[2, 1] = labels[2, 0]  # a repeated label
    label_pad = np.zeros((batch, max_len))
    label_pad[0, 3:] = 1.0
    label_pad[1, 2:] = 1.0
    return logits, logit_pad, labels, label_pad


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("blank_id", [0, 2])
def test_ctc_loss_with_forward_probs_matches_optax(seed, blank_id):
    args = _ctc_inputs(seed)
    ours = optim.ctc_loss_with_forward_probs(*args, blank_id=blank_id)
    theirs = optax.ctc_loss_with_forward_probs(*map(jnp.asarray, args), blank_id=blank_id)
    close(ours, theirs, rtol=1e-9, atol=1e-9)
    assert [np.shape(o) for o in ours] == [t.shape for t in theirs]
    close(ours[0], optim.ctc_loss(*args, blank_id=blank_id), rtol=1e-12)
    assert optim.losses.ctc_loss_with_forward_probs is fg.nn.ctc_loss_with_forward_probs

    def loss(lib, logits):
        out = lib.ctc_loss_with_forward_probs(logits, *args[1:], blank_id=blank_id)
        return out[0].sum() + 1e-3 * out[2][3].sum()

    close(fg.grad(lambda lg: loss(optim, lg))(args[0]),
          jax.grad(lambda lg: loss(optax, lg))(jnp.asarray(args[0])), rtol=1e-7, atol=1e-9)


def test_ctc_loss_with_forward_probs_errors_name_the_function():
    logits, logit_pad, labels, label_pad = _ctc_inputs(0)
    with pytest.raises(Exception, match="ctc_loss_with_forward_probs: logits must be"):
        optim.ctc_loss_with_forward_probs(logits[0], logit_pad, labels, label_pad)


# --- 5. experimental.aggregating ---------------------------------------------------------

def _run_per_example(make, steps=6, batch=4, axis=0, rtol=1e-10):
    params = params0()
    rng = np.random.default_rng(11)
    ours, theirs = make(optim), make(optax)
    s_o, s_t = ours.init(params), theirs.init(tree_map(jnp.asarray, params))
    p_o, p_t = params, tree_map(jnp.asarray, params)
    for step in range(steps):
        g = tree_map(lambda p: np.moveaxis(rng.normal(size=(batch, *np.shape(p))), 0, axis),
                     params)
        u_o, s_o = ours.update(g, s_o, p_o)
        u_t, s_t = theirs.update(tree_map(jnp.asarray, g), s_t, p_t)
        close(u_o, u_t, rtol=rtol, what=f"updates at step {step}")
        close(s_o, s_t, rtol=rtol, what=f"state at step {step}")
        p_o, p_t = optim.apply_updates(p_o, u_o), optax.apply_updates(p_t, u_t)
    return s_o, s_t


@pytest.mark.parametrize("steps", [1, 3])
def test_add_mean_variance_to_opt_matches_optax(steps):
    # with accumulation optax's sample size is an int32 array and JAX computes
    # 1 / (sample_size - 1) in float32 (even with x64); fungrad's is float64
    rtol = 1e-10 if steps == 1 else 1e-7
    s_o, s_t = _run_per_example(lambda lib: lib.experimental.aggregating.add_mean_variance_to_opt(
        lib.adam(0.1), ema_decay=0.8, accumulation_steps=steps), steps=7, rtol=rtol)
    close(optim.experimental.aggregating.get_unbiased_mean_and_variance_ema(s_o),
          optax.experimental.aggregating.get_unbiased_mean_and_variance_ema(s_t), rtol=rtol)


@pytest.mark.parametrize("axis,steps", [(0, 1), (0, 2), (None, 3)])
def test_process_with_average_incrementally_matches_optax(axis, steps):
    def make(lib):
        agg = lib.experimental.aggregating
        return agg.process(lib.identity(), agg.average_incrementally_updates(axis, steps),
                           lib.sgd(0.1, momentum=0.9))

    if axis is None:  # already aggregated updates: one example per call
        run_both(make, steps=6)
    else:
        _run_per_example(make)


def test_aggregators_are_aggregators_and_errors():
    agg = optim.experimental.aggregating
    assert isinstance(agg.average_per_element_updates(), agg.Aggregator)
    assert isinstance(agg.process(optim.identity(), agg.average_per_element_updates(),
                                  optim.identity()), agg.Aggregator)
    assert not isinstance(agg.process(optim.identity(), optim.identity(), optim.identity()),
                          agg.Aggregator)
    s_o = _run_per_example(lambda lib: lib.experimental.aggregating.process(
        lib.identity(), lib.experimental.aggregating.get_per_element_mean_and_sum_sq_diff_grads(
            per_elt_axis=1, accumulation_steps=2), lib.chain(lib.identity()),
        aggregator_has_aux=True),
        axis=1)
    assert s_o
    with pytest.raises(ValueError, match="accumulation_steps must be >= 1"):
        agg.accumulate_avg_updates(0)
    with pytest.raises(ValueError, match="one batch size"):
        agg.get_batch_size_from_per_elt_updates({"a": np.ones(3), "b": np.ones(4)}, 0)
    with pytest.raises(ValueError, match="has no PerElementMeanAndVarianceEMAState"):
        agg.get_unbiased_mean_and_variance_ema(optim.sgd(0.1).init(np.ones(2)))
    assert sorted(agg.__all__) == sorted(
        n for n in dir(optax.experimental.aggregating)
        if not n.startswith("_") and n not in {"Any", "NamedTuple", "Protocol", "Sequence",
                                               "base", "jax", "jnp", "math", "tree", "utils",
                                               "PerElementUpdates", "AggregatedUpdates",
                                               "MaybeAxis"})


def test_every_optax_tier2_target_name_exists():
    import os
    import re
    here = os.path.dirname(__file__)
    shared = os.path.join(here, "..", "..", "shared", "api-targets.md")
    text = open(shared if os.path.exists(shared) else os.path.join(here, "api_targets.md")).read()
    section = next(s for s in re.split(r"^## ", text, flags=re.M) if s.startswith("optax vs"))
    names = re.findall(r"`([^`]+)`", re.search(r"tier 2:(.*)", section).group(1))
    assert names and not [n for n in names if not hasattr(optim, n)]
    assert not [n for n in names if not hasattr(optax, n)]


def test_assignment_under_vmap_matches_optax():
    costs = np.random.default_rng(12).normal(size=(3, 4, 5))
    ours = fg.vmap(optim.assignment.hungarian_algorithm)(costs)
    theirs = jax.vmap(optax.assignment.hungarian_algorithm)(jnp.asarray(costs))
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
