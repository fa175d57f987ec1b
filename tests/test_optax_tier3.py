"""fungrad.optim's last optax 0.2.8 names against optax (JAX with x64): state aliases,
stateful schedules, `normalize_by_update_norm`, the ``optax.tree`` functions, the newer
losses and the ``optax.transforms`` namespace.

Transformations run a few steps on one gradient sequence in both libraries and compare
updates and states (values, structure, dtypes); functions compare values and, where
optax's are differentiable, ``fg.grad`` against ``jax.grad``.
"""

from __future__ import annotations

import ast
import inspect
import pathlib

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
import fungrad.optim as optim
from fungrad.errors import ShapeError
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


# --- 3. losses -------------------------------------------------------------------------------


def _loss_inputs(seed=0):
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(4, 5)), rng.normal(size=(4, 5))
    probs = rng.dirichlet(np.ones(5), size=4)
    labels = np.array([0, 3, 4, 1])
    signs = np.where(rng.uniform(size=(4, 5)) > 0.5, 1.0, -1.0)
    seg = rng.normal(size=(2, 3, 3, 4))
    seg_targets = np.eye(4)[rng.integers(0, 4, size=(2, 3, 3))]
    return dict(x=x, y=y, p=probs, labels=labels, signs=signs, seg=seg, seg_t=seg_targets,
                mask=rng.uniform(size=(4, 5)) > 0.3, z=rng.normal(size=(4, 5)))


LOSSES = [  # (name, args from the inputs, keyword arguments, which args to differentiate)
    ("kl_divergence_with_log_targets", lambda d: (np.log(d["p"]), np.log(d["p"][::-1])), {},
     (0, 1)),
    ("kl_divergence_with_log_targets", lambda d: (np.log(d["p"]), np.log(d["p"][::-1])),
     dict(axis=0, where=_loss_inputs()["mask"]), (0, 1)),
    ("multiclass_hinge_loss", lambda d: (d["x"], d["labels"]), {}, (0,)),
    ("multiclass_perceptron_loss", lambda d: (d["x"], d["labels"]), {}, (0,)),
    ("perceptron_loss", lambda d: (d["x"], d["signs"]), {}, (0,)),
    ("poly_loss_cross_entropy", lambda d: (d["x"], d["p"]), {}, (0, 1)),
    ("poly_loss_cross_entropy", lambda d: (d["x"], d["p"]), dict(epsilon=-1.0, axis=0), (0,)),
    ("poly_loss_cross_entropy", lambda d: (d["x"], d["p"]), dict(where=_loss_inputs()["mask"]),
     (0,)),
    ("triplet_margin_loss", lambda d: (d["x"], d["y"], d["z"]), {}, (0, 1, 2)),
    ("triplet_margin_loss", lambda d: (d["x"], d["y"], 0.3 * d["z"]),
     dict(axis=0, norm_degree=4, margin=0.5, eps=1e-3), (0, 1, 2)),
    ("sparsemax_loss", lambda d: (2 * d["x"], d["signs"] > 0), {}, (0,)),
    ("multiclass_sparsemax_loss", lambda d: (d["x"], d["labels"]), {}, (0,)),
    ("ranking_softmax_loss", lambda d: (d["x"], d["p"]), {}, (0,)),
    ("ranking_softmax_loss", lambda d: (d["x"], d["p"]),
     dict(where=_loss_inputs()["mask"], weights=np.arange(5.0)), (0,)),
    ("ranking_softmax_loss", lambda d: (d["x"], d["p"]),
     dict(where=np.array([[True] * 5, [False] * 5, [True, False] * 2 + [True], [True] * 5])),
     (0,)),
    ("dice_loss", lambda d: (d["seg"], d["seg_t"]), {}, (0,)),
    ("dice_loss", lambda d: (d["seg"], d["seg_t"]),
     dict(alpha=0.3, beta=0.7, reduction="none", ignore_background=True,
          class_weights=np.array([1.0, 2.0, 0.5, 1.0])), (0,)),
    ("dice_loss", lambda d: (d["seg"][..., 0], d["seg_t"][..., 0]), dict(reduction="sum"), (0,)),
    ("dice_loss", lambda d: (d["seg"], d["seg_t"]), dict(axis=(1,), smooth=0.1), (0,)),
    ("binary_dice_loss", lambda d: (d["x"], (d["signs"] > 0).astype(float)), {}, (0,)),
    ("binary_dice_loss", lambda d: (d["x"][..., None], (d["signs"] > 0)[..., None] * 1.0),
     dict(smooth=0.5), (0,)),
    ("multiclass_generalized_dice_loss", lambda d: (d["seg"], d["seg_t"]), {}, (0,)),
    ("multiclass_generalized_dice_loss", lambda d: (d["seg"], d["seg_t"]),
     dict(ignore_background=True, smooth=0.1), (0,)),
]


def _jax_args(args):
    return tuple(jnp.asarray(np.asarray(a)) for a in args)


@pytest.mark.parametrize("name,build,kwargs,diff", LOSSES, ids=[r[0] for r in LOSSES])
def test_loss_matches_optax(name, build, kwargs, diff):
    args = build(_loss_inputs())
    ours = getattr(optim.losses, name)
    assert ours is getattr(fg.nn.losses, name)
    theirs = getattr(optax.losses, name)
    jkw = {k: jnp.asarray(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    close(ours(*args, **kwargs), theirs(*_jax_args(args), **jkw), rtol=1e-6, atol=1e-12,
          what=name)
    for i in diff:
        def f_ours(a, i=i):
            return fnp.sum(ours(*args[:i], a, *args[i + 1:], **kwargs))

        def f_theirs(a, i=i):
            jargs = _jax_args(args)
            return jnp.sum(theirs(*jargs[:i], a, *jargs[i + 1:], **jkw))

        close(fg.grad(f_ours)(np.asarray(args[i])), jax.grad(f_theirs)(jnp.asarray(args[i])),
              rtol=1e-6, atol=1e-10, what=f"{name} grad {i}")


def test_losses_keep_float32():
    d = _loss_inputs()
    x32, p32 = d["x"].astype(np.float32), d["p"].astype(np.float32)
    for name, args in (("poly_loss_cross_entropy", (x32, p32)),
                       ("triplet_margin_loss", (x32, x32[::-1], x32 * 2)),
                       ("kl_divergence_with_log_targets", (x32, x32[::-1])),
                       ("dice_loss", (d["seg"].astype(np.float32),
                                      d["seg_t"].astype(np.float32))),
                       ("ranking_softmax_loss", (x32, p32))):
        ours = getattr(optim.losses, name)(*args)
        theirs = getattr(optax.losses, name)(*_jax_args(args))
        close(ours, theirs, rtol=1e-5, what=name)


def test_fenchel_young_loss_matches_optax():
    d = _loss_inputs()
    scores, targets = d["x"].reshape(2, 2, 5), d["p"].reshape(2, 2, 5)
    ours = optim.losses.make_fenchel_young_loss(fg.nn.logsumexp)
    theirs = optax.losses.make_fenchel_young_loss(jax.scipy.special.logsumexp)
    close(ours(scores, targets), theirs(jnp.asarray(scores), jnp.asarray(targets)))
    g = fg.grad(lambda s: fnp.sum(ours(s, targets)))(scores)
    gj = jax.grad(lambda s: jnp.sum(theirs(s, jnp.asarray(targets))))(jnp.asarray(scores))
    close(g, gj, rtol=1e-10)
    # the softmax cross entropy is logsumexp's Fenchel-Young loss (one-hot targets)
    hot = np.eye(5)[d["labels"]]
    close(ours(d["x"], hot), optax.losses.softmax_cross_entropy(jnp.asarray(d["x"]),
                                                               jnp.asarray(hot)))
    with pytest.raises(TypeError, match="make_fenchel_young_loss: max_fun must be a function"):
        optim.losses.make_fenchel_young_loss("logsumexp")


def test_sparsemax_losses_are_zero_at_their_targets():
    scores = np.array([[5.0, 0.0, -1.0], [0.2, 0.1, 0.0]])
    loss = optim.losses.multiclass_sparsemax_loss(scores, np.array([0, 2]))
    assert float(loss[0]) == 0.0 and float(loss[1]) > 0
    assert optim.losses.sparsemax_loss(np.array([3.0, -3.0]), np.array([1, 0])).tolist() == [
        0.0, 0.0]


def test_new_loss_errors():
    losses = optim.losses
    with pytest.raises(ShapeError, match="multiclass_hinge_loss: labels must be integer class"):
        losses.multiclass_hinge_loss(np.ones((2, 3)), np.ones(2))
    with pytest.raises(ShapeError, match=r"multiclass_perceptron_loss: labels .* \(2,\)"):
        losses.multiclass_perceptron_loss(np.ones((2, 3)), np.zeros(3, int))
    with pytest.raises(ShapeError, match="multiclass_sparsemax_loss: scores must be"):
        losses.multiclass_sparsemax_loss(np.ones(3), np.zeros((), int))
    with pytest.raises(ShapeError, match="perceptron_loss: predictor_outputs of shape"):
        losses.perceptron_loss(np.ones(3), np.ones(2))
    with pytest.raises(TypeError, match="triplet_margin_loss: negatives must be floating"):
        losses.triplet_margin_loss(np.ones((2, 2)), np.ones((2, 2)), np.ones((2, 2), int))
    with pytest.raises(TypeError, match="kl_divergence_with_log_targets: log_targets must be"):
        losses.kl_divergence_with_log_targets(np.ones(2), np.ones(2, int))
    with pytest.raises(TypeError, match="poly_loss_cross_entropy: labels must be floating"):
        losses.poly_loss_cross_entropy(np.ones((2, 3)), np.ones((2, 3), int))
    with pytest.raises(TypeError, match="ranking_softmax_loss: logits must be floating"):
        losses.ranking_softmax_loss(np.ones((2, 3), int), np.ones((2, 3)))
    with pytest.raises(ValueError, match="dice_loss: reduction must be one of"):
        losses.dice_loss(np.ones((1, 2, 2)), np.ones((1, 2, 2)), reduction="avg")
    with pytest.raises(ValueError, match="dice_loss: with apply_softmax=False, predictions"):
        losses.dice_loss(np.ones((1, 2, 2)), np.ones((1, 2, 2)), apply_softmax=False)
    with pytest.raises(ShapeError, match="dice_loss: class_weights must be one weight"):
        losses.dice_loss(np.ones((1, 2, 2)), np.ones((1, 2, 2)), class_weights=np.ones((2, 1)))
    with pytest.raises(ShapeError, match="dice_loss: predictions of shape"):
        losses.dice_loss(np.ones((1, 2, 3)), np.ones((1, 2, 2)))


@pytest.mark.parametrize("name", sorted({r[0] for r in LOSSES} | {"make_fenchel_young_loss"}))
def test_loss_signature_matches_optax(name):
    ours = inspect.signature(getattr(optim.losses, name)).parameters.values()
    theirs = inspect.signature(getattr(optax.losses, name)).parameters.values()
    assert [(p.name, p.kind) for p in ours] == [(p.name, p.kind) for p in theirs]


# --- 4. optax.transforms ---------------------------------------------------------------------

OPTAX_TRANSFORMS = sorted(n for n in dir(optax.transforms) if not n.startswith("_"))


def test_transforms_namespace_has_every_optax_transforms_name():
    assert len(OPTAX_TRANSFORMS) >= 45
    missing = [n for n in OPTAX_TRANSFORMS if not hasattr(optim.transforms, n)]
    assert not missing, f"fungrad.optim.transforms lacks {missing}"


@pytest.mark.parametrize("name", OPTAX_TRANSFORMS)
def test_transforms_name_is_the_top_level_object(name):
    ours, theirs = getattr(optim.transforms, name), getattr(optax.transforms, name)
    if hasattr(optax, name):
        assert getattr(optim, name) is ours
    if hasattr(theirs, "_fields"):
        assert ours._fields == theirs._fields
    elif inspect.isfunction(theirs) and inspect.isfunction(ours):
        assert [p.name for p in inspect.signature(ours).parameters.values()] == [
            p.name for p in inspect.signature(theirs).parameters.values()]


def _optim_imports(module: str) -> set[str]:
    path = pathlib.Path(optim.__file__).parent / (module.rsplit(".", maxsplit=1)[-1] + ".py")
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("fungrad.optim."):
            found.add(node.module)
    return found


def test_the_re_exported_modules_do_not_import_transforms():
    """transforms.py imports its optax.transforms names from their homes; none of those
    (nor what they import in fungrad.optim) may import transforms back: no cycle."""
    seen, todo = set(), sorted(_optim_imports("fungrad.optim.transforms"))
    while todo:
        module = todo.pop()
        if module in seen or not module.count(".") == 2:
            continue
        seen.add(module)
        todo += sorted(_optim_imports(module))
    assert "fungrad.optim.moments" in seen and "fungrad.optim.monitoring" in seen
    assert "fungrad.optim.transforms" not in seen


def test_unitwise_clip_matches_optax():
    rng = np.random.default_rng(6)
    g = rng.normal(size=(3, 4))
    norm, max_norm = optim.unitwise_norm(g), np.full((3, 4), 1.2)
    close(optim.transforms.unitwise_clip(norm, max_norm, g),
          optax.transforms.unitwise_clip(jnp.asarray(norm), jnp.asarray(max_norm),
                                         jnp.asarray(g)))

    def f(lib, lib_np):
        return lambda x: lib_np.sum(lib.transforms.unitwise_clip(
            lib.transforms.unitwise_norm(x), 0.9 * lib_np.ones_like(x), x, div_eps=1e-3) ** 2)

    close(fg.grad(f(optim, fnp))(g), jax.grad(f(optax, jnp))(jnp.asarray(g)), rtol=1e-10)
    with pytest.raises(ShapeError, match="unitwise_clip: g_norm, max_norm and grad must have"):
        optim.transforms.unitwise_clip(norm, 1.0, g)


def test_condition_fn_protocol_types_the_conditions():
    cond: optim.transforms.ConditionFn = lambda step, **extra_args: step >= 2
    make = lambda lib: lib.transforms.conditionally_transform(lib.sgd(0.1), cond)  # noqa: E731
    run_both(make)
    assert list(inspect.signature(optim.transforms.ConditionFn.__call__).parameters) == list(
        inspect.signature(optax.transforms.ConditionFn.__call__).parameters)
