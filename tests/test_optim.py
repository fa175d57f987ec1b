"""Tests of fungrad.optim: one table of optimizers, run through every check.

Each row of OPTIMIZERS is ``(name, factory, kwargs, rosenbrock)``: the factory's name in
both fungrad.optim and optax, its keyword arguments (schedules written as `Sched`
placeholders so that each library builds its own), and the ``(learning_rate, tolerance)``
that reach the Rosenbrock minimum's neighbourhood in 400 steps.
"""

from __future__ import annotations

import copy
import dataclasses
import warnings
from typing import Any, NamedTuple

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
import fungrad.optim as optim
from fungrad.errors import MissingRuleError
from fungrad.tree_util import register_dataclass, tree_leaves, tree_map, tree_structure


class Sched(NamedTuple):
    """A schedule by name and keyword arguments, built in either library."""

    name: str
    kwargs: dict


def _mask_all_but_b(params):
    return {k: k != "b" for k in params}


class Row(NamedTuple):
    name: str
    factory: str
    kwargs: dict
    rosenbrock: tuple[Any, float]


OPTIMIZERS = [
    Row("sgd", "sgd", dict(learning_rate=0.1), (2e-3, 0.2)),
    Row("sgd_momentum", "sgd", dict(learning_rate=0.02, momentum=0.9), (2e-3, 1e-3)),
    Row("sgd_nesterov", "sgd", dict(learning_rate=0.02, momentum=0.9, nesterov=True),
        (1e-3, 1e-2)),
    Row("adam", "adam", dict(learning_rate=0.05), (0.02, 1e-5)),
    Row("nadam", "adam", dict(learning_rate=0.05, nesterov=True, eps_root=1e-12),
        (0.02, 1e-3)),
    Row("adamw_masked", "adamw", dict(learning_rate=0.05, weight_decay=1e-4, mask=_mask_all_but_b),
        (0.02, 1e-5)),
    Row("rmsprop", "rmsprop", dict(learning_rate=0.05), (5e-3, 0.1)),
    Row("rmsprop_centered", "rmsprop",
        dict(learning_rate=0.01, centered=True, momentum=0.5, nesterov=True), (5e-3, 5e-2)),
    Row("rmsprop_eps_outside", "rmsprop",
        dict(learning_rate=0.05, eps_in_sqrt=False, initial_scale=0.1), (5e-3, 0.1)),
    Row("adagrad", "adagrad", dict(learning_rate=0.5), (0.2, 0.1)),
    Row("lamb", "lamb",
        dict(learning_rate=Sched("cosine_decay_schedule", dict(init_value=0.1, decay_steps=200)),
             weight_decay=1e-4),
        (Sched("cosine_decay_schedule", dict(init_value=0.05, decay_steps=400)), 1e-2)),
    Row("adam_exponential_decay", "adam",
        dict(learning_rate=Sched("exponential_decay",
                                 dict(init_value=0.1, transition_steps=100, decay_rate=0.5))),
        (0.02, 1e-5)),
    Row("sgd_warmup_cosine", "sgd",
        dict(learning_rate=Sched("warmup_cosine_decay_schedule",
                                 dict(init_value=0.0, peak_value=0.1, warmup_steps=10,
                                      decay_steps=200)),
             momentum=0.9),
        (2e-3, 1e-3)),
]
IDS = [row.name for row in OPTIMIZERS]


def build(module, factory: str, kwargs: dict, **overrides):
    """The optimizer `factory` from `module` (fungrad.optim or optax) with `kwargs`."""
    kwargs = {**kwargs, **overrides}
    resolved = {
        k: getattr(module, v.name)(**v.kwargs) if isinstance(v, Sched) else v
        for k, v in kwargs.items()
    }
    return getattr(module, factory)(**resolved)


def run(opt, params, grads_seq):
    """Apply `opt` over a sequence of gradients; return final params and all updates."""
    state = opt.init(params)
    updates_seq = []
    for grads in grads_seq:
        updates, state = opt.update(grads, state, params)
        params = optim.apply_updates(params, updates)
        updates_seq.append(updates)
    return params, updates_seq, state


def descend(opt, loss, params, steps):
    state = opt.init(params)
    grad = fg.grad(loss)
    for _ in range(steps):
        updates, state = opt.update(grad(params), state, params)
        params = optim.apply_updates(params, updates)
    return params


def random_params(dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    return {"w": rng.normal(size=(3, 4)).astype(dtype), "b": rng.normal(size=(4,)).astype(dtype)}


def random_grads(params, n, seed=1):
    rng = np.random.default_rng(seed)
    return [tree_map(lambda p: rng.normal(size=p.shape).astype(p.dtype), params) for _ in range(n)]


def assert_trees_close(actual, expected, rtol=1e-6, atol=1e-12):
    assert tree_structure(actual) == tree_structure(expected)
    for a, e in zip(tree_leaves(actual), tree_leaves(expected), strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(e), rtol=rtol, atol=atol)


# --- Convergence ----------------------------------------------------------------------------

A_DIAG = np.array([1.0, 3.0, 10.0])
TARGET = np.array([1.0, -2.0, 0.5])


def quadratic(p):
    return 0.5 * fnp.sum(A_DIAG * (p["w"] - TARGET) ** 2) + 0.5 * fnp.sum((p["b"] + 1.0) ** 2)


def rosenbrock(p):
    x, y = p["xy"][0], p["xy"][1]
    return (1 - x) ** 2 + 100.0 * (y - x * x) ** 2


@pytest.mark.parametrize("row", OPTIMIZERS, ids=IDS)
def test_converges_on_quadratic(row):
    opt = build(optim, row.factory, row.kwargs)
    params = descend(opt, quadratic, {"w": np.zeros(3), "b": np.zeros(2)}, 200)
    assert float(quadratic(params)) < 1e-4  # from 8.75


@pytest.mark.parametrize("row", OPTIMIZERS, ids=IDS)
def test_converges_on_rosenbrock(row):
    learning_rate, tol = row.rosenbrock
    opt = build(optim, row.factory, row.kwargs, learning_rate=learning_rate)
    params = descend(opt, rosenbrock, {"xy": np.array([0.0, 0.0])}, 400)
    assert float(rosenbrock(params)) < tol  # from 1.0


# --- Against optax ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def optax():
    optax = pytest.importorskip("optax")
    import jax  # noqa: PLC0415

    jax.config.update("jax_enable_x64", True)
    return optax


def compare_with_optax(make, optax, params, grads_seq, rtol=1e-6):
    """Run the same gradients through ``make(optim)`` and ``make(optax)``; updates must agree."""
    import jax  # noqa: PLC0415

    ours, theirs = make(optim), make(optax)
    theirs_update = jax.jit(theirs.update)  # compiles once instead of dispatching per op
    s_ours, s_theirs = ours.init(params), theirs.init(params)
    p_ours = p_theirs = params
    for step, grads in enumerate(grads_seq):
        u_ours, s_ours = ours.update(grads, s_ours, p_ours)
        u_theirs, s_theirs = theirs_update(grads, s_theirs, p_theirs)
        u_theirs = tree_map(np.asarray, u_theirs)
        try:
            assert_trees_close(u_ours, u_theirs, rtol=rtol)
        except AssertionError as err:
            raise AssertionError(f"updates differ from optax's at step {step}") from err
        p_ours = optim.apply_updates(p_ours, u_ours)
        p_theirs = tree_map(np.asarray, optax.apply_updates(p_theirs, u_theirs))


@pytest.mark.parametrize("row", OPTIMIZERS, ids=IDS)
def test_optimizer_matches_optax(row, optax):
    params = random_params()
    compare_with_optax(
        lambda mod: build(mod, row.factory, row.kwargs), optax, params, random_grads(params, 6)
    )


def _multisteps(mod):
    extra = {} if mod is optim else {"accumulator_dtype": np.float64}
    return mod.MultiSteps(mod.adam(0.1), every_k_schedule=3, **extra).gradient_transformation()


BLOCKS = [  # (name, builder of a transformation from either library)
    ("clip_by_global_norm", lambda m: m.chain(m.clip_by_global_norm(1.0), m.sgd(0.1))),
    ("clip", lambda m: m.chain(m.clip(0.5), m.scale(-0.1))),
    ("trace", lambda m: m.trace(decay=0.5, nesterov=True)),
    ("scale_by_rss", lambda m: m.scale_by_rss(initial_accumulator_value=0.0, eps=0.0)),
    ("scale_by_stddev", lambda m: m.scale_by_stddev(decay=0.8, initial_scale=1.0)),
    ("scale_by_trust_ratio", lambda m: m.scale_by_trust_ratio(0.1, 0.5, 1e-3)),
    ("decay_schedule", lambda m: m.add_decayed_weights(m.linear_schedule(0.1, 0.0, 4))),
    ("decay_masked", lambda m: m.add_decayed_weights(0.1, mask={"w": True, "b": False})),
    ("masked_adam", lambda m: m.masked(m.adam(0.1), lambda p: {"w": True, "b": False})),
    ("set_to_zero", lambda m: m.chain(m.set_to_zero(), m.sgd(0.1))),
    ("apply_if_finite", lambda m: m.apply_if_finite(m.adam(0.1), 2)),
    ("multisteps", _multisteps),
    ("scale_by_learning_rate", lambda m: m.scale_by_learning_rate(0.3, flip_sign=False)),
]


@pytest.mark.parametrize("make", [b[1] for b in BLOCKS], ids=[b[0] for b in BLOCKS])
def test_building_block_matches_optax(make, optax):
    params = random_params()
    grads = random_grads(params, 7)
    grads[2] = tree_map(lambda g: 5.0 * g, grads[2])  # above the clipping thresholds
    compare_with_optax(make, optax, params, grads)


SCHEDULES = [
    ("constant_schedule", dict(value=0.3)),
    ("linear_schedule", dict(init_value=1.0, end_value=0.1, transition_steps=10,
                             transition_begin=3)),
    ("polynomial_schedule", dict(init_value=1.0, end_value=0.1, power=2, transition_steps=10)),
    ("piecewise_constant_schedule", dict(init_value=1.0,
                                         boundaries_and_scales={12: 0.1, 4: 0.5})),
    ("exponential_decay", dict(init_value=1.0, transition_steps=3, decay_rate=0.5)),
    ("exponential_decay", dict(init_value=1.0, transition_steps=3, decay_rate=0.5,
                               transition_begin=2, staircase=True, end_value=0.2)),
    ("exponential_decay", dict(init_value=1.0, transition_steps=4, decay_rate=1.5,
                               end_value=2.0)),
    ("cosine_decay_schedule", dict(init_value=2.0, decay_steps=10, alpha=0.1)),
    ("cosine_decay_schedule", dict(init_value=2.0, decay_steps=10, exponent=2.0)),
    ("warmup_cosine_decay_schedule", dict(init_value=0.0, peak_value=1.0, warmup_steps=5,
                                          decay_steps=15, end_value=0.1)),
]


@pytest.mark.parametrize("name,kwargs", SCHEDULES, ids=[s[0] for s in SCHEDULES])
def test_schedule_matches_optax(name, kwargs, optax):
    ours, theirs = getattr(optim, name)(**kwargs), getattr(optax, name)(**kwargs)
    for count in range(20):
        np.testing.assert_allclose(
            float(ours(np.int32(count))), float(theirs(count)), rtol=1e-12, atol=1e-15,
            err_msg=f"{name} at count {count}",
        )


# --- Hand-computed expectations -----------------------------------------------------------


def first_two_updates(opt):
    params = {"x": np.array([1.0, -1.0])}
    grads = [{"x": np.array([2.0, -0.5])}, {"x": np.array([4.0, 1.0])}]
    _, updates, _ = run(opt, params, grads)
    return [u["x"] for u in updates]


def test_sgd_by_hand():
    u1, u2 = first_two_updates(optim.sgd(0.1))
    np.testing.assert_allclose(u1, [-0.2, 0.05])
    np.testing.assert_allclose(u2, [-0.4, -0.1])


def test_momentum_by_hand():
    # trace t = g + 0.9 t: t1 = g1 = [2, -0.5]; t2 = [4 + 1.8, 1 - 0.45] = [5.8, 0.55].
    u1, u2 = first_two_updates(optim.sgd(0.1, momentum=0.9))
    np.testing.assert_allclose(u1, [-0.2, 0.05])
    np.testing.assert_allclose(u2, [-0.58, -0.055])
    # Nesterov steps along g + 0.9 t: [2 + 1.8, -0.5 - 0.45], [4 + 5.22, 1 + 0.495].
    u1, u2 = first_two_updates(optim.sgd(0.1, momentum=0.9, nesterov=True))
    np.testing.assert_allclose(u1, [-0.38, 0.095])
    np.testing.assert_allclose(u2, [-0.922, -0.1495])


def test_adam_by_hand():
    u1, u2 = first_two_updates(optim.adam(0.1))
    # Step 1: mu_hat = g and nu_hat = g**2, so the step is -lr * g / (|g| + eps).
    np.testing.assert_allclose(u1, [-0.1 * 2 / (2 + 1e-8), 0.1 * 0.5 / (0.5 + 1e-8)], rtol=1e-14)
    # Step 2, first coordinate: mu = 0.9*0.2 + 0.1*4 = 0.58, nu = 0.999*0.004 + 0.001*16
    # = 0.019996; corrections 1 - 0.9**2 = 0.19 and 1 - 0.999**2 = 0.001999.
    # Second: mu = 0.9*(-0.05) + 0.1*1 = 0.055, nu = 0.999*0.00025 + 0.001 = 0.00124975.
    mu_hat = np.array([0.58, 0.055]) / 0.19
    nu_hat = np.array([0.019996, 0.00124975]) / 0.001999
    np.testing.assert_allclose(u2, -0.1 * mu_hat / (np.sqrt(nu_hat) + 1e-8), rtol=1e-12)
    np.testing.assert_allclose(u2, [-0.0965182, -0.03661035], rtol=1e-6)


def test_apply_updates_keeps_param_dtype():
    params = {"w": np.ones(2, np.float32), "none": None}
    new = optim.apply_updates(params, {"w": np.full(2, -0.5), "none": None})
    assert new["w"].dtype == np.float32 and new["none"] is None
    np.testing.assert_allclose(new["w"], [0.5, 0.5])


# --- Dtypes, state structure, purity ------------------------------------------------------


@pytest.mark.parametrize("row", OPTIMIZERS, ids=IDS)
def test_float32_stays_float32(row):
    params = random_params(np.float32)
    opt = build(optim, row.factory, row.kwargs)
    new_params, updates_seq, state = run(opt, params, random_grads(params, 3))
    for leaf in tree_leaves((new_params, updates_seq)):
        assert leaf.dtype == np.float32
    for leaf in tree_leaves(state):
        assert leaf.dtype in (np.float32, np.int32), leaf.dtype


@pytest.mark.parametrize("row", OPTIMIZERS, ids=IDS)
def test_state_structure_is_stable(row):
    params = random_params()
    opt = build(optim, row.factory, row.kwargs)
    state = opt.init(params)
    signature = [(np.shape(x), np.asarray(x).dtype) for x in tree_leaves(state)]
    for grads in random_grads(params, 3):
        _, state = opt.update(grads, state, params)
        assert tree_structure(state) == tree_structure(opt.init(params))
        assert [(np.shape(x), np.asarray(x).dtype) for x in tree_leaves(state)] == signature


@pytest.mark.parametrize("row", OPTIMIZERS, ids=IDS)
def test_update_mutates_nothing(row):
    params = random_params()
    grads_seq = random_grads(params, 3)
    opt = build(optim, row.factory, row.kwargs)
    state = opt.init(params)
    for grads in grads_seq:
        before = copy.deepcopy((grads, state, params))
        updates, new_state = opt.update(grads, state, params)
        assert_trees_close((grads, state, params), before, rtol=0, atol=0)
        state, params = new_state, optim.apply_updates(params, updates)


@pytest.mark.parametrize("row", OPTIMIZERS, ids=IDS)
def test_traced_path_equals_eager_path(row):
    # Under jvp the updates are tracers, so every in-place fast path falls back to fnp.
    params = random_params()
    grads_seq = random_grads(params, 3)
    opt = build(optim, row.factory, row.kwargs)
    eager = run(opt, params, grads_seq)[0]
    traced, _ = fg.jvp(lambda g0: run(opt, params, [g0, *grads_seq[1:]])[0],
                       (grads_seq[0],), (grads_seq[0],))
    assert_trees_close(traced, eager, rtol=1e-13)


@pytest.mark.parametrize("row", OPTIMIZERS, ids=IDS)
def test_vmap_over_gradient_sequences(row):
    params = random_params()
    seqs = [random_grads(params, 2, seed=s) for s in (1, 2)]
    opt = build(optim, row.factory, row.kwargs)
    stacked = [tree_map(lambda a, b: np.stack([a, b]), g1, g2) for g1, g2 in zip(*seqs)]
    try:
        batched = fg.vmap(lambda gs: run(opt, params, gs)[0])(stacked)
    except MissingRuleError as err:
        pytest.skip(f"a primitive lacks its batching rule: {err}")
    for i, seq in enumerate(seqs):
        assert_trees_close(tree_map(lambda x: x[i], batched), run(opt, params, seq)[0], rtol=1e-12)


def test_gradient_through_the_learning_rate():
    params = {"x": np.array([1.0, -2.0])}

    def final_loss(lr):
        out = descend(optim.adam(lr), lambda p: fnp.sum(p["x"] ** 2), params, 3)
        return fnp.sum(out["x"] ** 2)

    h = 1e-6
    numeric = (float(final_loss(0.1 + h)) - float(final_loss(0.1 - h))) / (2 * h)
    np.testing.assert_allclose(float(fg.grad(final_loss)(0.1)), numeric, rtol=1e-6)


@register_dataclass
@dataclasses.dataclass(frozen=True)
class Linear:
    w: Any
    b: Any
    activation: str = dataclasses.field(default="relu", metadata={"static": True})


def test_module_params_keep_their_class():
    params = Linear(np.ones((2, 2)), np.zeros(2))
    grads = Linear(np.full((2, 2), 0.5), np.full(2, 0.5))
    opt = optim.adamw(0.1, weight_decay=0.1, mask=Linear(True, False))
    state = opt.init(params)
    updates, state = opt.update(grads, state, params)
    new = optim.apply_updates(params, updates)
    assert isinstance(new, Linear) and new.activation == "relu"
    # Adam's first step is -lr * sign(g); w also decays by lr * wd * w.
    np.testing.assert_allclose(new.w, 1 - 0.1 * (1 + 0.1 * 1), rtol=1e-7)
    np.testing.assert_allclose(new.b, -0.1, rtol=1e-7)


# --- Schedules read the count from the state ----------------------------------------------


def test_nth_update_uses_schedule_of_n_minus_one():
    seen = []

    def schedule(count):
        seen.append(int(count))
        return 0.1 * (count + 1)

    opt = optim.sgd(schedule)
    _, updates, state = run(opt, {"x": np.ones(2)}, [{"x": np.ones(2)}] * 3)
    assert seen == [0, 1, 2]
    np.testing.assert_allclose(updates[2]["x"], -0.3)
    assert int(state[1].count) == 3 and state[1].count.dtype == np.int32


def test_schedule_short_names_are_the_same_functions():
    assert optim.cosine_decay is optim.cosine_decay_schedule
    assert optim.warmup_cosine_decay is optim.warmup_cosine_decay_schedule
    assert optim.linear is optim.linear_schedule and optim.constant is optim.constant_schedule
    assert optim.piecewise_constant is optim.piecewise_constant_schedule
    s = optim.piecewise_constant(1.0, {2: 0.5, 4: 0.1})
    assert [round(float(s(n)), 6) for n in range(6)] == [1.0, 1.0, 0.5, 0.5, 0.05, 0.05]


def test_schedules_accept_traced_counts():
    schedule = optim.warmup_cosine_decay_schedule(0.0, 1.0, 5, 15)
    counts = np.arange(20, dtype=np.int32)
    batched = fg.vmap(schedule)(counts)
    np.testing.assert_allclose(batched, [float(schedule(c)) for c in counts], rtol=1e-14)


# --- MultiSteps, masks, apply_if_finite, clipping ------------------------------------------


def test_multisteps_equals_one_step_on_the_mean_gradient():
    params = random_params()
    micro = random_grads(params, 8)
    acc = optim.MultiSteps(optim.adam(0.1), every_k_schedule=4)
    _, acc_updates, state = run(acc, params, micro)
    means = [tree_map(lambda *g: np.mean(g, axis=0), *micro[i:i + 4]) for i in (0, 4)]
    _, ref_updates, _ = run(optim.adam(0.1), params, means)
    for i, u in enumerate(acc_updates):
        if i % 4 != 3:
            assert all(np.all(leaf == 0) for leaf in tree_leaves(u))
    assert_trees_close(acc_updates[3], ref_updates[0], rtol=1e-12)
    assert_trees_close(acc_updates[7], ref_updates[1], rtol=1e-12)
    assert int(state.gradient_step) == 2 and int(state.mini_step) == 0
    assert bool(acc.has_updated(state))


def test_multisteps_with_traced_micro_step():
    # A batched mini_step makes the accumulate-or-step choice per example (fnp.where).
    params = random_params()
    opt = optim.MultiSteps(optim.sgd(0.5), every_k_schedule=2)
    g = random_grads(params, 1)[0]
    state = opt.init(params)
    states = tree_map(lambda x: np.stack([x, x]), state)
    states = states._replace(mini_step=np.array([0, 1], np.int32))
    updates, new = fg.vmap(lambda s: opt.update(g, s, params))(states)
    assert np.all(updates["w"][0] == 0)
    np.testing.assert_allclose(updates["w"][1], -0.5 * g["w"] / 2)  # mean of (0, g)
    np.testing.assert_array_equal(new.mini_step, [1, 0])
    np.testing.assert_array_equal(new.gradient_step, [0, 1])


def test_masked_trace_keeps_state_only_for_selected_leaves():
    params = {"head": {"w": np.ones(2), "b": np.ones(1)}, "body": np.ones(3)}
    mask = {"head": {"w": True, "b": False}, "body": False}  # a prefix would do as well
    opt = optim.masked(optim.trace(0.9), mask)
    state = opt.init(params)
    assert len(tree_leaves(state)) == 1
    grads = tree_map(lambda p: 2 * p, params)
    updates, state = opt.update(grads, state, params)
    updates, state = opt.update(grads, state, params)
    np.testing.assert_allclose(updates["head"]["w"], 2 + 0.9 * 2)
    np.testing.assert_allclose(updates["head"]["b"], 2)
    np.testing.assert_allclose(updates["body"], 2)


def test_mask_prefix_and_callable():
    params = {"layer": {"w": np.ones((2, 2)), "b": np.ones(2)}, "scale": np.ones(())}
    grads = tree_map(np.zeros_like, params)
    for mask in ({"layer": True, "scale": False},
                 lambda p: tree_map(lambda x: x.ndim > 0, p)):
        opt = optim.add_decayed_weights(0.5, mask=mask)
        updates, _ = opt.update(grads, opt.init(params), params)
        np.testing.assert_allclose(updates["layer"]["w"], 0.5)
        np.testing.assert_allclose(updates["layer"]["b"], 0.5)
        np.testing.assert_allclose(updates["scale"], 0.0)


def test_apply_if_finite_skips_nan_steps():
    params = {"x": np.ones(2)}
    good, bad = {"x": np.ones(2)}, {"x": np.array([1.0, np.nan])}
    opt = optim.apply_if_finite(optim.sgd(0.1, momentum=0.9), max_consecutive_errors=2)
    state = opt.init(params)
    _, state = opt.update(good, state, params)
    inner_before = state.inner_state
    updates, state = opt.update(bad, state, params)
    np.testing.assert_array_equal(updates["x"], 0.0)
    assert state.inner_state is inner_before
    assert int(state.notfinite_count) == 1 and not bool(state.last_finite)
    updates, state = opt.update(good, state, params)
    np.testing.assert_allclose(updates["x"], -0.1 * (1 + 0.9))
    assert int(state.notfinite_count) == 0 and int(state.total_notfinite) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for _ in range(2):
            _, state = opt.update(bad, state, params)
        updates, state = opt.update(bad, state, params)  # the third in a row goes through
    assert np.isnan(updates["x"][1]) and int(state.total_notfinite) == 4


def test_clip_by_global_norm():
    updates = {"a": np.array([3.0, 0.0]), "b": np.array([[4.0]])}
    assert float(optim.global_norm(updates)) == 5.0
    opt = optim.clip_by_global_norm(1.0)
    clipped, _ = opt.update(updates, opt.init(None))
    np.testing.assert_allclose(clipped["a"], [0.6, 0.0])
    np.testing.assert_allclose(clipped["b"], [[0.8]])
    np.testing.assert_allclose(float(optim.global_norm(clipped)), 1.0)
    unclipped, _ = optim.clip_by_global_norm(10.0).update(updates, optim.EmptyState())
    assert unclipped["a"] is updates["a"]


def test_clip_by_global_norm_traced_norm():
    opt = optim.clip_by_global_norm(1.0)
    x = np.array([3.0, 4.0])
    value, tangent = fg.jvp(lambda v: opt.update({"a": v}, opt.init(None))[0]["a"], (x,), (x,))
    np.testing.assert_allclose(value, [0.6, 0.8])
    np.testing.assert_allclose(tangent, 0.0, atol=1e-15)  # scaling x leaves x/|x| unchanged


# --- Errors ----------------------------------------------------------------------------------


def test_structure_mismatch_names_transform_and_key_path():
    params = {"w": np.ones(2), "b": np.ones(1)}
    opt = optim.adam(0.1)
    state = opt.init(params)
    with pytest.raises(ValueError, match=r"scale_by_adam: updates and state\.mu .*\['c'\]"):
        opt.update({"w": np.ones(2), "b": np.ones(1), "c": np.ones(1)}, state, params)


def test_shape_mismatch_names_key_path_and_shapes():
    opt = optim.sgd(0.1, momentum=0.9)
    state = opt.init({"w": np.ones(3)})
    with pytest.raises(ValueError, match=r"trace: .*\['w'\].*\(2,\).*\(3,\)"):
        opt.update({"w": np.ones(2)}, state)


def test_other_errors():
    with pytest.raises(ValueError, match="chain: the state must be a tuple of 2"):
        optim.adam(0.1).update({"w": np.ones(1)}, optim.EmptyState())
    with pytest.raises(TypeError, match="chain: argument 0"):
        optim.chain(optim.scale)
    with pytest.raises(ValueError, match="scale_by_trust_ratio: update\\(\\) needs"):
        optim.scale_by_trust_ratio().update({"w": np.ones(1)}, optim.EmptyState())
    with pytest.raises(ValueError, match="masked: the mask must have the structure"):
        opt = optim.masked(optim.scale(2.0), {"w": True, "z": False})
        opt.init({"w": np.ones(1), "b": np.ones(1)})
    with pytest.raises(ValueError, match="apply_updates: params and updates"):
        optim.apply_updates({"w": np.ones(1)}, {"v": np.ones(1)})
    with pytest.raises(ValueError, match="MultiSteps: every_k_schedule must be >= 1"):
        optim.MultiSteps(optim.sgd(0.1), 0)
