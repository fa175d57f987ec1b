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
