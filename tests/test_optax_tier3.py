"""fungrad.optim's last optax 0.2.8 names against optax (JAX with x64): state aliases,
stateful schedules, `normalize_by_update_norm`, the ``optax.tree`` functions, the newer
losses and the ``optax.transforms`` namespace.

Transformations run a few steps on one gradient sequence in both libraries and compare
updates and states (values, structure, dtypes); functions compare values and, where
optax's are differentiable, ``fg.grad`` against ``jax.grad``.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
import fungrad.optim as optim
from fungrad.tree_util import tree_leaves, tree_map, tree_structure
from tests.test_optax_tier2b import close as close_values
from tests.test_optax_tier2b import jax, jnp, optax


def close(a, b, rtol=1e-6, atol=1e-8, what=""):
    """`close_values`, and the leaves' dtypes agree too."""
    close_values(a, b, rtol=rtol, atol=atol, what=what)
    for x, y in zip(tree_leaves(a), jax.tree.leaves(b), strict=True):
        assert np.asarray(x).dtype == np.asarray(y).dtype, f"{what}: dtypes"


def same_structure(ours, theirs):
    """Both states have the same NamedTuple/dict nesting (type names and fields)."""
    if isinstance(ours, tuple) and hasattr(ours, "_fields"):
        assert type(ours).__name__ == type(theirs).__name__
        assert ours._fields == theirs._fields
    if isinstance(ours, dict):
        assert sorted(ours) == sorted(theirs)
        for k in ours:
            same_structure(ours[k], theirs[k])
    elif isinstance(ours, tuple | list):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs, strict=True):
            same_structure(a, b)


def params0(dtype=np.float64):
    rng = np.random.default_rng(0)
    return {"w": rng.normal(size=(3, 4)).astype(dtype), "b": rng.normal(size=(4,)).astype(dtype)}


def run_both(make, steps=5, params=None, extra=None, rtol=1e-6):
    """Run ``make(optim)`` and ``make(optax)``; compare updates and states at every step."""
    params = params0() if params is None else params
    rng = np.random.default_rng(1)
    ours, theirs = make(optim), make(optax)
    s_o, s_t = ours.init(params), theirs.init(tree_map(jnp.asarray, params))
    same_structure(s_o, s_t)
    for step in range(steps):
        g = tree_map(lambda p: rng.normal(size=np.shape(p)).astype(p.dtype), params)
        kw = extra(step) if extra else {}
        u_o, s_o = ours.update(g, s_o, params, **kw)
        u_t, s_t = theirs.update(tree_map(jnp.asarray, g), s_t, tree_map(jnp.asarray, params),
                                 **kw)
        close(u_o, u_t, rtol=rtol, what=f"updates at step {step}")
        close(s_o, s_t, rtol=rtol, what=f"state at step {step}")
        same_structure(s_o, s_t)
    return s_o, s_t


# --- 1. top-level names and schedules ------------------------------------------------------

EMPTY_STATE_ALIASES = ["AdaptiveGradClipState", "ClipByGlobalNormState", "ClipState",
                       "ScaleByTrustRatioState", "ScaleState"]


@pytest.mark.parametrize("name", EMPTY_STATE_ALIASES)
def test_empty_state_aliases_are_empty_state(name):
    assert getattr(optax, name) is optax.EmptyState
    assert getattr(optim, name) is optim.EmptyState


def test_named_state_aliases_match_optax():
    assert optim.MultiTransformState is optim.PartitionState
    assert optax.MultiTransformState is optax.PartitionState
    assert optim.ScaleByRStdDevState._fields == optax.ScaleByRStdDevState._fields == ("mu", "nu")
    state = optim.scale_by_stddev().init(params0())
    assert isinstance(state, optim.ScaleByRStdDevState)
    for name in ("ShouldSkipUpdateFunction", "StatefulSchedule"):
        ours = getattr(optim, name) if hasattr(optim, name) else getattr(optim.schedules, name)
        theirs = getattr(optax, name) if hasattr(optax, name) else getattr(optax.schedules, name)
        assert [m for m in ("__call__", "init", "update") if hasattr(theirs, m)] == [
            m for m in ("__call__", "init", "update") if hasattr(ours, m)]
    assert isinstance(optim.WrappedSchedule(lambda c: c), optim.schedules.StatefulSchedule)
    assert not isinstance(lambda c: c, optim.schedules.StatefulSchedule)


@pytest.mark.parametrize("kwargs", [{}, {"scale_factor": -0.1}, {"scale_factor": 2.0, "eps": 0.5}])
def test_normalize_by_update_norm_matches_optax(kwargs):
    run_both(lambda lib: lib.normalize_by_update_norm(**kwargs))


def test_normalize_by_update_norm_float32_zero_and_errors():
    s_o, _ = run_both(lambda lib: lib.normalize_by_update_norm(-1.0), params=params0(np.float32))
    tx = optim.normalize_by_update_norm()
    u, _ = tx.update({"w": np.zeros(3)}, tx.init(None))
    assert u["w"].tolist() == [0.0, 0.0, 0.0]
    g = fg.grad(lambda w: fnp.sum(tx.update({"w": w}, tx.init(None))[0]["w"] ** 3))(
        np.array([1.0, 2.0]))
    gj = jax.grad(lambda w: jnp.sum(optax.normalize_by_update_norm().update(
        {"w": w}, optax.EmptyState())[0]["w"] ** 3))(jnp.array([1.0, 2.0]))
    close(g, gj, rtol=1e-10)
    with pytest.raises(TypeError, match="normalize_by_update_norm: scale_factor must be a real"):
        optim.normalize_by_update_norm("1.0")
    with pytest.raises(TypeError, match="normalize_by_update_norm: got a state of type"):
        tx.update({"w": np.ones(2)}, optim.sgd(0.1).init({"w": np.ones(2)}))


SCHEDULE_NAMES = ["InjectHyperparamsState", "InjectStatefulHyperparamsState",
                  "StatefulSchedule", "WrappedSchedule", "inject_hyperparams",
                  "inject_stateful_hyperparams"]


@pytest.mark.parametrize("name", SCHEDULE_NAMES)
def test_schedules_namespace_offers_inject(name):
    assert hasattr(optax.schedules, name)
    ours = getattr(optim.schedules, name)
    if hasattr(optax, name):
        assert getattr(optim, name) is ours
    theirs = getattr(optax.schedules, name)
    if hasattr(theirs, "_fields"):
        assert ours._fields == theirs._fields


def test_inject_hyperparams_schedule_state_matches_optax():
    # float32 params: optax's schedules return float32 for an int32 count (JAX's int32 / int)
    # and inject_hyperparams keeps that strong dtype; fungrad casts to the params' dtype.
    make = lambda lib: lib.inject_hyperparams(lib.adam)(  # noqa: E731
        learning_rate=lib.linear_schedule(0.1, 0.01, 3), b1=0.8)
    s_o, s_t = run_both(make, params=params0(np.float32), rtol=1e-5)
    assert type(s_o.hyperparams_states["learning_rate"]).__name__ == "WrappedScheduleState"
    assert int(s_o.hyperparams_states["learning_rate"].count) == 5


class _Plateau:
    """A stateful schedule of both libraries: the rate halves when `loss` grows."""

    def __init__(self, lib_np):
        self.np = lib_np

    def init(self):
        return {"rate": self.np.asarray(0.1), "best": self.np.asarray(np.inf)}

    def update(self, state, *, loss, **extra):
        worse = loss > state["best"]
        return {"rate": self.np.where(worse, state["rate"] / 2, state["rate"]),
                "best": self.np.minimum(state["best"], loss)}

    def __call__(self, state, **extra):
        return state["rate"]


def test_inject_hyperparams_stateful_schedule_matches_optax():
    losses = [3.0, 2.0, 2.5, 1.0, 1.5]
    make = lambda lib: lib.inject_hyperparams(lib.sgd)(  # noqa: E731
        learning_rate=_Plateau(fnp if lib is optim else jnp), momentum=0.5)
    s_o, _ = run_both(make, extra=lambda step: {"loss": losses[step]})
    assert float(s_o.hyperparams_states["learning_rate"]["rate"]) == pytest.approx(0.025)


def test_inject_stateful_hyperparams_warns_as_optax():
    with pytest.warns(DeprecationWarning, match="use inject_hyperparams"):
        optax.inject_stateful_hyperparams(optax.sgd)
    with pytest.warns(DeprecationWarning, match="use inject_hyperparams"):
        factory = optim.inject_stateful_hyperparams(optim.sgd)
    tx = factory(learning_rate=0.1)
    assert isinstance(tx.init(params0()), optim.InjectStatefulHyperparamsState)


def test_wrapped_schedule_matches_optax_and_errors():
    ours = optim.WrappedSchedule(optim.exponential_decay(1.0, 2, 0.5))
    theirs = optax.WrappedSchedule(optax.exponential_decay(1.0, 2, 0.5))
    s_o, s_t = ours.init(), theirs.init()
    for _ in range(4):  # values only: fnp's int32 / int is float64, jnp's float32
        np.testing.assert_allclose(ours(s_o), theirs(s_t), rtol=1e-7)
        close(s_o, s_t)
        s_o, s_t = ours.update(s_o), theirs.update(s_t)
    with pytest.raises(TypeError, match="WrappedSchedule: schedule_fn must be a function"):
        optim.WrappedSchedule(0.1)


# --- 2. optax.tree ---------------------------------------------------------------------------

TREE_NAMES = ["get", "set", "get_all_with_path", "map_params", "real", "conj", "batch_shape",
              "random_like", "split_key_like", "unwrap_random_key_data"]


@pytest.mark.parametrize("name", TREE_NAMES)
def test_tree_names_are_the_tree_utils_functions(name):
    ours = getattr(optim.tree, name)
    assert ours is getattr(optim.tree_utils, f"tree_{name}")
    assert getattr(optax.tree, name) is getattr(optax.tree_utils, f"tree_{name}")
    assert [p.name for p in inspect.signature(ours).parameters.values()] == [
        p.name for p in inspect.signature(getattr(optax.tree, name)).parameters.values()]


def _complex_tree():
    rng = np.random.default_rng(4)
    return {"z": rng.normal(size=(2, 3)) + 1j * rng.normal(size=(2, 3)),
            "x": rng.normal(size=(3,)).astype(np.float32), "n": np.arange(3)}


def test_real_conj_batch_shape_match_optax():
    tree = _complex_tree()
    jtree = tree_map(jnp.asarray, tree)
    close(optim.tree.real(tree), optax.tree.real(jtree))
    close(optim.tree.conj(tree), optax.tree.conj(jtree))
    for shape in ((), (2,), (2, 1)):
        close(optim.tree.batch_shape(tree, shape), optax.tree.batch_shape(jtree, shape))
    w = np.random.default_rng(5).normal(size=(2, 3))
    g = fg.grad(lambda x: fnp.sum(optim.tree.batch_shape({"x": x}, (2,))["x"] * w))(w[0])
    gj = jax.grad(lambda x: jnp.sum(optax.tree.batch_shape({"x": x}, (2,))["x"] * w))(
        jnp.asarray(w[0]))
    close(g, gj, rtol=1e-12)
    z = tree["z"]
    g = fg.grad(lambda a: fnp.sum(optim.tree.real(optim.tree.conj({"z": a * z}))["z"]))(1.5)
    gj = jax.grad(lambda a: jnp.sum(optax.tree.real(optax.tree.conj({"z": a * z}))["z"]))(1.5)
    close(g, gj, rtol=1e-12)
    with pytest.raises(TypeError, match="tree_batch_shape: shape must be a tuple of ints"):
        optim.tree.batch_shape(tree, 2)


def test_get_set_map_params_through_tree():
    opt = optim.adam(0.1)
    state = opt.init(params0())
    theirs = optax.adam(0.1).init(tree_map(jnp.asarray, params0()))
    assert int(optim.tree.get(state, "count")) == int(optax.tree.get(theirs, "count")) == 0
    assert int(optim.tree.get(optim.tree.set(state, count=np.int32(3)), "count")) == 3
    assert [str(k) for k in optim.tree.get_all_with_path(state, "mu")[0][0]] == [
        str(k) for k in optax.tree.get_all_with_path(theirs, "mu")[0][0]]
    doubled = optim.tree.map_params(opt, lambda p: p + 2.0, state)
    doubled_t = optax.tree.map_params(optax.adam(0.1), lambda p: p + 2.0, theirs)
    close(doubled, doubled_t)


def test_split_key_like_and_random_like():
    key = fg.random.key(0)
    target = {"a": np.zeros((2, 3)), "b": [np.zeros(4, np.float32), np.zeros((), np.float32)]}
    keys = optim.tree.split_key_like(key, target)
    ref = fg.random.split(key, 3)
    assert tree_structure(keys) == tree_structure(target)
    assert [k.tolist() for k in tree_leaves(keys)] == ref.tolist()
    jkeys = optax.tree.split_key_like(jax.random.key(0), tree_map(jnp.asarray, target))
    assert jax.tree.structure(jkeys) == jax.tree.structure(tree_map(jnp.asarray, target))
    noise = optim.tree.random_like(key, target)
    jnoise = optax.tree.random_like(jax.random.key(0), tree_map(jnp.asarray, target))
    for a, b in zip(tree_leaves(noise), jax.tree.leaves(jnoise), strict=True):
        assert (a.shape, a.dtype) == (b.shape, b.dtype)
    np.testing.assert_array_equal(noise["a"], fg.random.normal(ref[0], (2, 3)))
    uniform = optim.tree.random_like(key, target, fg.random.uniform, dtype=np.float64)
    assert all(x.dtype == np.float64 for x in tree_leaves(uniform))
    big = optim.tree.random_like(fg.random.key(1), {"w": np.zeros(20000)})["w"]
    assert abs(big.mean()) < 0.05 and abs(big.std() - 1) < 0.05
    with pytest.raises(TypeError, match="tree_split_key_like: expected a PRNG key"):
        optim.tree.split_key_like(0, target)
    with pytest.raises(TypeError, match="tree_random_like: sampler must be a function"):
        optim.tree.random_like(key, target, sampler="normal")


def test_random_like_under_vmap_of_keys():
    keys = fg.random.split(fg.random.key(2), 3)
    draws = fg.vmap(lambda k: optim.tree.random_like(k, {"w": np.zeros(4)})["w"])(keys)
    assert draws.shape == (3, 4)
    np.testing.assert_array_equal(draws[1], optim.tree.random_like(keys[1],
                                                                   {"w": np.zeros(4)})["w"])


def test_unwrap_random_key_data():
    tree = {"k": fg.random.key(3), "x": np.ones(2)}
    out = optim.tree.unwrap_random_key_data(tree)
    assert out["k"].tolist() == fg.random.key_data(tree["k"]).tolist() == [0, 3]
    jout = optax.tree.unwrap_random_key_data({"k": jax.random.key(3), "x": jnp.ones(2)})
    assert jout["k"].dtype == out["k"].dtype == np.uint32 and jout["k"].shape == (2,)

