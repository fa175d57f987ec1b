"""fungrad.optim against optax 0.2.8, one table per kind of object.

Transformations: each row builds the same transformation from either library; both run
10 steps on one fixed gradient sequence over a small float64 pytree, and the parameters
must agree to 1e-6 at every step. Schedules are compared at 50 steps, losses on random
inputs (values, and fungrad's gradients against ``jax.grad`` of optax's loss), and
signatures parameter by parameter.
"""

from __future__ import annotations

import enum
import inspect

import numpy as np
import pytest

import fungrad as fg
import fungrad.nn as fnn
import fungrad.numpy as fnp
import fungrad.optim as optim
from fungrad.errors import ShapeError
from fungrad.tree_util import tree_leaves, tree_map

optax = pytest.importorskip("optax")
jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy

STEPS = 10


def params0():
    rng = np.random.default_rng(0)
    return {"w": rng.normal(size=(3, 4)), "b": rng.normal(size=(4,)), "s": np.array(0.7)}


def grad_sequence(params, n=STEPS, seed=1):
    rng = np.random.default_rng(seed)
    return [tree_map(lambda p: rng.normal(size=np.shape(p)), params) for _ in range(n)]


def assert_close(actual, expected, rtol=1e-6, atol=1e-7, what=""):
    la, le = tree_leaves(actual), tree_leaves(expected)
    assert len(la) == len(le), what
    for a, e in zip(la, le, strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(e), rtol=rtol, atol=atol,
                                   err_msg=what)


def run_both(make, params=None, grads=None, extra=None):
    """Run ``make(optim)`` and ``make(optax)`` over one gradient sequence; compare params."""
    params = params0() if params is None else params
    grads = grad_sequence(params) if grads is None else grads
    ours, theirs = make(optim), make(optax)
    s_ours, s_theirs = ours.init(params), theirs.init(tree_map(jnp.asarray, params))
    p_ours, p_theirs = params, tree_map(jnp.asarray, params)
    for step, g in enumerate(grads):
        u, s_ours = ours.update(g, s_ours, p_ours, **(extra(optim, p_ours) if extra else {}))
        v, s_theirs = theirs.update(tree_map(jnp.asarray, g), s_theirs, p_theirs,
                                    **(extra(optax, p_theirs) if extra else {}))
        p_ours, p_theirs = optim.apply_updates(p_ours, u), optax.apply_updates(p_theirs, v)
        assert_close(p_ours, p_theirs, what=f"params after step {step}")
        assert all(np.all(np.isfinite(np.asarray(x))) for x in tree_leaves(p_ours)), step
    return s_ours, s_theirs


def _mask(p):
    return {k: np.ndim(v) > 1 for k, v in p.items()}


TRANSFORMS = [
    ("lion", lambda m: m.lion(1e-2)),
    ("lion_mask", lambda m: m.lion(1e-2, b1=0.8, weight_decay=0.1, mask=_mask)),
    ("nadam", lambda m: m.nadam(0.05)),
    ("nadamw", lambda m: m.nadamw(0.05, weight_decay=0.01)),
    ("radam", lambda m: m.radam(0.05)),
    ("radam_low_threshold", lambda m: m.radam(0.05, threshold=4.5, nesterov=True)),
    ("adamax", lambda m: m.adamax(0.05)),
    ("amsgrad", lambda m: m.amsgrad(0.05)),
    ("amsgrad_no_correction", lambda m: m.amsgrad(0.05, bias_correction_nu=False)),
    ("adabelief", lambda m: m.adabelief(0.05)),
    ("adabelief_nesterov", lambda m: m.adabelief(0.05, nesterov=True)),
    ("adafactor", lambda m: m.adafactor(0.05)),
    ("adafactor_factored", lambda m: m.adafactor(0.05, min_dim_size_to_factor=2,
                                                   momentum=0.9, dtype_momentum=np.float64,
                                                   weight_decay_rate=0.01)),
    ("adafactor_no_scale", lambda m: m.adafactor(multiply_by_parameter_scale=False,
                                                   clipping_threshold=None)),
    ("ema", lambda m: m.chain(m.ema(0.9), m.scale(-0.1))),
    ("ema_biased", lambda m: m.chain(m.ema(0.8, debias=False), m.scale(-0.1))),
    ("apply_every", lambda m: m.chain(m.apply_every(3), m.sgd(0.1))),
    ("zero_nans", lambda m: m.chain(m.zero_nans(), m.sgd(0.1))),
    ("adaptive_grad_clip", lambda m: m.chain(m.adaptive_grad_clip(0.1), m.sgd(0.5))),
    ("partition", lambda m: m.partition(
        {"a": m.adam(0.1), "s": m.sgd(0.2, momentum=0.9)},
        {"w": "a", "b": "s", "s": "a"})),
    ("multi_transform_fn", lambda m: m.multi_transform(
        {"mat": m.lion(1e-2), "vec": m.set_to_zero()},
        lambda p: {k: "mat" if np.ndim(v) > 1 else "vec" for k, v in p.items()})),
    ("freeze", lambda m: m.chain(m.freeze({"w": True, "b": False, "s": False}), m.adam(0.1))),
    ("flatten", lambda m: m.flatten(m.adam(0.1))),
    ("sgd_accumulator_dtype", lambda m: m.sgd(0.1, momentum=0.9, accumulator_dtype=np.float64)),
    ("adam_mu_dtype", lambda m: m.adam(0.1, mu_dtype=np.float64)),
    ("adamw_positional_mu_dtype", lambda m: m.adamw(0.1, 0.9, 0.99, 1e-8, 0.0, None, 0.1)),
    ("rmsprop_bias_correction", lambda m: m.rmsprop(0.05, bias_correction=True)),
    ("rmsprop_centered_bias_correction",
     lambda m: m.rmsprop(0.05, centered=True, bias_correction=True)),
    ("lbfgs_no_linesearch", lambda m: m.lbfgs(0.1, memory_size=3, linesearch=None)),
    ("lbfgs_unscaled", lambda m: m.lbfgs(0.1, memory_size=4, scale_init_precond=False,
                                         linesearch=None)),
    ("schedule_free_sgd", lambda m: m.contrib.schedule_free_sgd(0.1, warmup_steps=3,
                                                               weight_decay=0.01)),
    ("schedule_free_adamw", lambda m: m.contrib.schedule_free_adamw(0.05, weight_decay=0.01)),
    ("schedule_free_lion", lambda m: m.contrib.schedule_free(
        m.lion(m.linear_schedule(0.01, 0.001, 6)), m.linear_schedule(0.01, 0.001, 6))),
    ("normalize", lambda m: m.chain(m.contrib.normalize(), m.sgd(0.1))),
    ("normalize_by_update_norm", lambda m: m.chain(m.normalize_by_update_norm(-0.1, eps=1e-3))),
    ("inject_adam", lambda m: m.inject_hyperparams(m.adam)(learning_rate=0.1, b1=0.8)),
    ("inject_schedule", lambda m: m.inject_hyperparams(m.sgd)(
        learning_rate=m.linear_schedule(0.1, 0.01, 5), momentum=0.9)),
    ("yogi", lambda m: m.yogi(0.05)),
    ("yogi_blocks", lambda m: m.chain(m.scale_by_yogi(0.8, 0.9, 1e-2, 1e-6, 0.1), m.scale(-0.05))),
    ("adadelta", lambda m: m.adadelta(0.5)),
    ("adadelta_decay", lambda m: m.adadelta(1.0, rho=0.8, weight_decay=0.01,
                                            weight_decay_mask=_mask)),
    ("adadelta_no_rate", lambda m: m.chain(m.adadelta(), m.scale(-10.0))),
    ("novograd", lambda m: m.novograd(0.1)),
    ("novograd_decay", lambda m: m.novograd(0.1, b1=0.8, b2=0.5, eps_root=1e-6,
                                            weight_decay=0.01)),
    ("adan", lambda m: m.adan(0.05)),
    ("adan_decay", lambda m: m.adan(0.05, weight_decay=0.01, mask=_mask)),
    ("rprop", lambda m: m.rprop(0.01)),
    ("rprop_bounds", lambda m: m.rprop(0.01, eta_minus=0.3, eta_plus=1.5, min_step_size=5e-3,
                                       max_step_size=0.02)),
    ("lars", lambda m: m.lars(0.5, weight_decay=0.01)),
    ("lars_masks", lambda m: m.lars(0.5, weight_decay=0.01, weight_decay_mask=_mask,
                                    trust_ratio_mask=_mask, nesterov=True)),
    ("fromage", lambda m: m.fromage(0.1)),
    ("fromage_schedule", lambda m: m.fromage(m.linear_schedule(0.2, 0.05, 6))),
    ("sign_sgd", lambda m: m.sign_sgd(0.01)),
    ("signum", lambda m: m.signum(0.01, beta=0.8)),
    ("noisy_sgd_no_noise", lambda m: m.noisy_sgd(0.1, eta=0.0, key=0)),
    ("optimistic_gradient_descent", lambda m: m.optimistic_gradient_descent(0.1, 0.5, 0.8)),
    ("optimistic_adam_v2", lambda m: m.optimistic_adam_v2(0.05, alpha=0.9, beta=0.5)),
    ("adamaxw", lambda m: m.adamaxw(0.05, weight_decay=0.01)),
    ("adamaxw_mask", lambda m: m.adamaxw(0.05, weight_decay=0.1, mask=_mask)),
    ("scale_by_sign", lambda m: m.chain(m.scale_by_sign(), m.scale(-0.01))),
    ("scale_by_param_block_norm", lambda m: m.chain(m.scale_by_param_block_norm(0.5),
                                                     m.sgd(0.05))),
    ("centralize", lambda m: m.chain(m.centralize(), m.sgd(0.1))),
    ("keep_params_nonnegative", lambda m: m.chain(m.sgd(0.5), m.keep_params_nonnegative())),
    ("conditionally_transform", lambda m: m.chain(
        m.conditionally_transform(m.adam(0.1), lambda step: step % 3 != 1), m.scale(0.1))),
    ("conditionally_mask", lambda m: m.conditionally_mask(m.sgd(0.1, momentum=0.9),
                                                          lambda step: step % 4 >= 2)),
    ("named_chain", lambda m: m.named_chain(("clip", m.clip_by_global_norm(1.0)),
                                            ("adam", m.adam(0.1)))),
    ("distance_over_gradients", lambda m: m.chain(
        m.scale_by_distance_over_gradients(reps_rel=1e-2), m.scale(-1.0))),
    ("distance_over_gradients_f64", lambda m: m.chain(
        m.scale_by_distance_over_gradients(1e-3, 1e-6, np.float64, -0.5))),
]


@pytest.mark.parametrize("make", [r[1] for r in TRANSFORMS], ids=[r[0] for r in TRANSFORMS])
def test_transformation_matches_optax(make):
    grads = grad_sequence(params0())
    grads[4] = tree_map(lambda g: 30.0 * g, grads[4])  # a step above the clipping thresholds
    run_both(make, grads=grads)


SM3_ROWS = [
    ("sm3", lambda m: m.sm3(0.1)),
    ("sm3_decay", lambda m: m.chain(m.scale_by_sm3(0.8, 0.9), m.scale(-0.1))),
]


@pytest.mark.parametrize("make", [r[1] for r in SM3_ROWS], ids=[r[0] for r in SM3_ROWS])
def test_sm3_matches_optax(make):
    """optax's SM3 fails on scalar leaves (ours keeps one accumulator there): no 's' leaf."""
    params = {k: v for k, v in params0().items() if k != "s"}
    params["t"] = np.random.default_rng(3).normal(size=(2, 3, 2))
    grads = grad_sequence(params)
    grads[4] = tree_map(lambda g: 30.0 * g, grads[4])
    run_both(make, params=params, grads=grads)


def test_sm3_scalar_leaf_and_zero_gradient():
    opt = optim.sm3(0.1)
    params = {"s": np.array(1.0), "v": np.ones(3)}
    u, state = opt.update({"s": np.array(2.0), "v": np.array([0.0, 1.0, 0.0])},
                          opt.init(params), params)
    np.testing.assert_allclose(u["s"], -0.1 * 0.1 * 2.0 / np.sqrt(4.0 + 1e-8))
    assert u["v"][0] == 0.0 and np.isfinite(u["v"]).all()  # 0 accumulator: no step, no NaN
    assert [a.shape for a in state[0].mu["s"]] == [()]


def test_polyak_sgd_matches_optax():
    def value(lib, p):
        return {"value": 1.0 + float(np.sum(np.asarray(p["w"]) ** 2))}

    for kwargs in ({}, dict(max_learning_rate=0.3, scaling=0.5, f_min=0.5, eps=0.1,
                            variant="sps+")):
        run_both(lambda m, kw=kwargs: m.polyak_sgd(**kw), extra=value)


def test_polyak_needs_value_and_zero_gradient_gives_zero_step():
    opt = optim.polyak_sgd()
    g = {"w": np.zeros(2)}
    with pytest.raises(ValueError, match="scale_by_polyak: update.. needs the objective"):
        opt.update(g, opt.init(g))
    u, _ = opt.update(g, opt.init(g), value=3.0)
    assert np.all(u["w"] == 0.0)
    with pytest.raises(ValueError, match="scale_by_polyak: variant must be"):
        optim.scale_by_polyak(variant="sps-")


def test_optimistic_adam_deprecated_matches_optax():
    with pytest.warns(DeprecationWarning, match="optimistic_adam_v2"):
        run_both(lambda m: m.optimistic_adam(0.05, optimism=0.02))
    with pytest.raises(ValueError, match="optimistic_adam: learning_rate cannot be a schedule"), \
            pytest.warns(DeprecationWarning):
        optim.optimistic_adam(lambda c: 0.1)


def test_zero_nans_records_which_leaves_had_nans():
    params = params0()
    grads = grad_sequence(params, 3)
    grads[1]["b"][2] = np.nan
    s_ours, s_theirs = run_both(lambda m: m.chain(m.zero_nans(), m.sgd(0.1)), grads=grads[:2])
    assert bool(s_ours[0].found_nan["b"]) and not bool(s_ours[0].found_nan["w"])
    assert_close(s_ours[0].found_nan, s_theirs[0].found_nan)


def test_inject_hyperparams_state_matches_optax():
    make = lambda m: m.inject_hyperparams(m.adam)(  # noqa: E731
        learning_rate=m.exponential_decay(0.1, 2, 0.5), b2=0.95)
    s_ours, s_theirs = run_both(make)
    assert sorted(s_ours.hyperparams) == sorted(s_theirs.hyperparams)
    for key in s_theirs.hyperparams:
        np.testing.assert_allclose(np.asarray(s_ours.hyperparams[key]),
                                   np.asarray(s_theirs.hyperparams[key]), rtol=1e-6,
                                   err_msg=key)
    assert int(s_ours.count) == int(s_theirs.count) == STEPS


def test_inject_hyperparams_set_learning_rate():
    """Setting a hyperparameter in the state changes the next steps, as in optax."""
    params, grads = params0(), grad_sequence(params0(), 4)
    results = []
    for lib in (optim, optax):
        opt = lib.inject_hyperparams(lib.sgd)(learning_rate=0.1)
        state = opt.init(params)
        p = params
        for i, g in enumerate(grads):
            if i == 2:
                state.hyperparams["learning_rate"] = np.asarray(0.5)
            u, state = opt.update(g, state, p)
            p = lib.apply_updates(p, u)
        assert float(state.hyperparams["learning_rate"]) == 0.5
        results.append(p)
    assert_close(results[0], results[1])
    # 2 steps at 0.1, 2 at 0.5:
    expected = tree_map(lambda p0, *gs: p0 - 0.1 * (gs[0] + gs[1]) - 0.5 * (gs[2] + gs[3]),
                        params, *grads)
    assert_close(results[0], expected, rtol=1e-12)


def test_inject_hyperparams_static_args_error():
    with pytest.raises(ValueError, match="inject_hyperparams: static_args .*'nope'"):
        optim.inject_hyperparams(optim.adam, static_args="nope")


def test_lookahead_matches_optax():
    for reset in (False, True):
        ours = optim.lookahead(optim.adam(0.1), 3, 0.5, reset_state=reset)
        theirs = optax.lookahead(optax.adam(0.1), 3, 0.5, reset_state=reset)
        p_ours = optim.LookaheadParams.init_synced(params0())
        p_theirs = optax.LookaheadParams.init_synced(tree_map(jnp.asarray, params0()))
        s_ours, s_theirs = ours.init(p_ours), theirs.init(p_theirs)
        for step, g in enumerate(grad_sequence(params0())):
            u, s_ours = ours.update(g, s_ours, p_ours)
            v, s_theirs = theirs.update(tree_map(jnp.asarray, g), s_theirs, p_theirs)
            p_ours, p_theirs = optim.apply_updates(p_ours, u), optax.apply_updates(p_theirs, v)
            assert_close(p_ours, p_theirs, what=f"reset={reset} step {step}")


def test_lookahead_needs_lookahead_params():
    opt = optim.lookahead(optim.sgd(0.1), 2, 0.5)
    with pytest.raises(TypeError, match="lookahead: update.. needs params as a LookaheadParams"):
        opt.update({"w": np.ones(1)}, opt.init({"w": np.ones(1)}), {"w": np.ones(1)})
    with pytest.raises(ValueError, match="lookahead: sync_period must be >= 1"):
        optim.lookahead(optim.sgd(0.1), 0, 0.5)


def test_multisteps_skip_not_finite_matches_optax():
    params = params0()
    grads = grad_sequence(params, 8)
    grads[2]["w"][0, 0] = np.inf
    ours = optim.MultiSteps(optim.adam(0.1), 2, should_skip_update_fn=optim.skip_not_finite)
    theirs = optax.MultiSteps(optax.adam(0.1), 2, should_skip_update_fn=optax.skip_not_finite,
                              accumulator_dtype=jnp.float64)
    s_ours, s_theirs = ours.init(params), theirs.init(params)
    p_ours = p_theirs = params
    for g in grads:
        u, s_ours = ours.update(g, s_ours, p_ours)
        v, s_theirs = theirs.update(g, s_theirs, p_theirs)
        p_ours, p_theirs = optim.apply_updates(p_ours, u), optax.apply_updates(p_theirs, v)
        assert_close(p_ours, p_theirs)
    assert int(s_ours.skip_state["num_not_finite"]) == 0
    assert int(s_ours.gradient_step) == int(s_theirs.gradient_step)


def test_add_noise_statistics_and_schedule():
    """fungrad's PRNG differs from JAX's, so the noise is checked by its law, not its bits."""
    opt = optim.add_noise(eta=0.04, gamma=0.5, key=0)
    zeros = {"a": np.zeros(20000)}
    state = opt.init(zeros)
    for t in (1, 2, 3):
        u, state = opt.update(zeros, state)
        expected_std = (0.04 / t**0.5) ** 0.5
        assert abs(float(np.std(u["a"])) / expected_std - 1) < 0.03
        assert abs(float(np.mean(u["a"]))) < 4 * expected_std / np.sqrt(20000)
    again, _ = opt.update(zeros, opt.init(zeros))
    first, _ = opt.update(zeros, opt.init(zeros))
    np.testing.assert_array_equal(again["a"], first["a"])  # deterministic in the key
    with pytest.raises(ValueError, match="add_noise: needs a key"):
        optim.add_noise(0.1, 0.5)


def quadratic_value(p):
    a = np.array([[3.0, 0.5, 0.0], [0.5, 2.0, 0.3], [0.0, 0.3, 1.0]])
    x = p["x"]
    return 0.5 * x @ (a @ x) - x.sum() + 0.25 * (p["y"] ** 2).sum() + (x[0] * p["y"][0]) ** 2


def _quadratic_params():
    return {"x": np.array([1.0, -2.0, 0.5]), "y": np.array([1.5, -0.5])}


@pytest.mark.parametrize("linesearch", ["backtracking", "backtracking_store_grad"])
def test_lbfgs_with_backtracking_matches_optax(linesearch):
    store = linesearch.endswith("store_grad")

    def make(m):
        return m.lbfgs(memory_size=5, linesearch=m.scale_by_backtracking_linesearch(
            max_backtracking_steps=15, store_grad=store))

    ours, theirs = make(optim), make(optax)
    def jvalue(p):
        a = jnp.array([[3.0, 0.5, 0.0], [0.5, 2.0, 0.3], [0.0, 0.3, 1.0]])
        x = p["x"]
        return 0.5 * x @ (a @ x) - x.sum() + 0.25 * (p["y"] ** 2).sum() + (x[0] * p["y"][0]) ** 2

    p_ours = _quadratic_params()
    p_theirs = tree_map(jnp.asarray, p_ours)
    s_ours, s_theirs = ours.init(p_ours), theirs.init(p_theirs)
    vg_ours = optim.value_and_grad_from_state(quadratic_value) if store else None
    for step in range(STEPS):
        if store:
            v, g = vg_ours(p_ours, state=s_ours)
        else:
            v, g = fg.value_and_grad(quadratic_value)(p_ours)
        u, s_ours = ours.update(g, s_ours, p_ours, value=v, grad=g, value_fn=quadratic_value)
        vt, gt = jax.value_and_grad(jvalue)(p_theirs)
        ut, s_theirs = theirs.update(gt, s_theirs, p_theirs, value=vt, grad=gt, value_fn=jvalue)
        p_ours, p_theirs = optim.apply_updates(p_ours, u), optax.apply_updates(p_theirs, ut)
        assert_close(p_ours, p_theirs, rtol=1e-6, atol=1e-8, what=f"step {step}")
    assert float(quadratic_value(p_ours)) < float(quadratic_value(_quadratic_params()))


def test_lbfgs_default_converges_with_value_and_grad_from_state():
    opt = optim.lbfgs()
    params = _quadratic_params()
    state = opt.init(params)
    vg = optim.value_and_grad_from_state(quadratic_value)
    for _ in range(30):
        value, grad = vg(params, state=state)
        updates, state = opt.update(grad, state, params, value=value, grad=grad,
                                    value_fn=quadratic_value)
        params = optim.apply_updates(params, updates)
    assert float(optim.tree_utils.tree_norm(fg.grad(quadratic_value)(params))) < 1e-6


def test_linesearch_errors():
    ls = optim.scale_by_backtracking_linesearch(5)
    p = {"x": np.ones(2)}
    with pytest.raises(TypeError, match="scale_by_backtracking_linesearch: update.. needs"):
        ls.update(p, ls.init(p), p)
    with pytest.raises(ValueError, match="value_and_grad_from_state: the state holds no"):
        optim.value_and_grad_from_state(lambda q: 0.0)(p, state=optim.sgd(0.1).init(p))
    with pytest.raises(ValueError, match="scale_by_lbfgs: memory_size must be an int >= 1"):
        optim.scale_by_lbfgs(0)


# --- Schedules -----------------------------------------------------------------------------

SCHEDULES = [
    ("warmup_exponential_decay_schedule",
     dict(init_value=0.0, peak_value=1.0, warmup_steps=10, transition_steps=5, decay_rate=0.7,
          transition_begin=3, staircase=True, end_value=0.05)),
    ("warmup_exponential_decay_schedule",
     dict(init_value=0.1, peak_value=1.0, warmup_steps=5, transition_steps=8, decay_rate=0.5)),
    ("warmup_constant_schedule", dict(init_value=0.0, peak_value=2.0, warmup_steps=7)),
    ("sgdr_schedule", dict(cosine_kwargs=[
        dict(init_value=0.0, peak_value=1.0, warmup_steps=3, decay_steps=15),
        dict(init_value=0.1, peak_value=0.5, warmup_steps=2, decay_steps=20, end_value=0.01)])),
    ("cosine_onecycle_schedule", dict(transition_steps=40, peak_value=1.0)),
    ("cosine_onecycle_schedule", dict(transition_steps=30, peak_value=0.3, pct_start=0.5,
                                      div_factor=10.0, final_div_factor=100.0)),
    ("linear_onecycle_schedule", dict(transition_steps=40, peak_value=1.0)),
    ("linear_onecycle_schedule", dict(transition_steps=25, peak_value=2.0, pct_start=0.2,
                                      pct_final=0.6)),
    ("piecewise_interpolate_schedule", dict(interpolate_type="linear", init_value=1.0,
                                            boundaries_and_scales={5: 0.5, 20: 0.1, 30: 4.0})),
    ("piecewise_interpolate_schedule", dict(interpolate_type="cosine", init_value=2.0,
                                            boundaries_and_scales={10: 0.5, 40: 0.0})),
    ("piecewise_interpolate_schedule", dict(interpolate_type="linear", init_value=0.3)),
]


@pytest.mark.parametrize("name,kwargs", SCHEDULES, ids=[s[0] for s in SCHEDULES])
def test_schedule_matches_optax(name, kwargs):
    ours, theirs = getattr(optim, name)(**kwargs), getattr(optax, name)(**kwargs)
    for count in range(50):
        np.testing.assert_allclose(float(ours(np.int32(count))), float(theirs(count)),
                                   rtol=1e-6, atol=1e-12, err_msg=f"{name} at {count}")


def test_schedule_errors():
    with pytest.raises(ValueError, match="piecewise_interpolate_schedule: interpolate_type"):
        optim.piecewise_interpolate_schedule("cubic", 1.0)
    with pytest.raises(ValueError, match="piecewise_interpolate_schedule: scales must be >= 0"):
        optim.piecewise_interpolate_schedule("linear", 1.0, {3: -1.0})
    with pytest.raises(ValueError, match="cosine_onecycle_schedule: transition_steps must be"):
        optim.cosine_onecycle_schedule(0, 1.0)


# --- Losses --------------------------------------------------------------------------------


def _rng_inputs(seed=0):
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(4, 5)), rng.normal(size=(4, 5))
    probs = rng.dirichlet(np.ones(5), size=4)
    probs[0, 1] = 0.0
    probs[0] /= probs[0].sum()
    labels01 = (rng.uniform(size=(4, 5)) > 0.5).astype(np.float64)
    signs = 2.0 * labels01 - 1.0
    return x, y, probs, labels01, signs


LOSSES = [  # (name, args builder from the inputs, keyword arguments, which args to differentiate)
    ("huber_loss", lambda x, y, p, l01, s: (3 * x, y), dict(delta=1.5), (0, 1)),
    ("huber_loss", lambda x, y, p, l01, s: (x,), {}, (0,)),
    ("cosine_similarity", lambda x, y, p, l01, s: (x, y), {}, (0, 1)),
    ("cosine_similarity", lambda x, y, p, l01, s: (x, y), dict(axis=0, epsilon=1e-3), (0, 1)),
    ("cosine_distance", lambda x, y, p, l01, s: (x, y), {}, (0, 1)),
    ("kl_divergence", lambda x, y, p, l01, s: (np.log(np.abs(x) + 0.1), p), {}, (0,)),
    ("hinge_loss", lambda x, y, p, l01, s: (x + 0.01, s), {}, (0,)),
    ("smooth_labels", lambda x, y, p, l01, s: (p, 0.1), {}, (0,)),
    ("sigmoid_focal_loss", lambda x, y, p, l01, s: (4 * x, l01), {}, (0,)),
    ("sigmoid_focal_loss", lambda x, y, p, l01, s: (x, 0.8 * l01 + 0.1),
     dict(alpha=0.25, gamma=1.5), (0,)),
    ("safe_softmax_cross_entropy", lambda x, y, p, l01, s: (x, p), {}, (0,)),
    ("softmax_cross_entropy", lambda x, y, p, l01, s: (x, p), {}, (0,)),
    ("softmax_cross_entropy", lambda x, y, p, l01, s: (x, p), dict(axis=0), (0,)),
    ("softmax_cross_entropy", lambda x, y, p, l01, s: (x, p),
     dict(where=_rng_inputs()[3] > 0), (0,)),
    ("softmax_cross_entropy_with_integer_labels",
     lambda x, y, p, l01, s: (x, np.array([0, 3, 4, 1])), {}, (0,)),
    ("softmax_cross_entropy_with_integer_labels",
     lambda x, y, p, l01, s: (x, np.array([0, 3, 2, 1, 1])), dict(axis=0), (0,)),
    ("softmax_cross_entropy_with_integer_labels",
     lambda x, y, p, l01, s: (x, np.array([0, 3, 4, 1])),
     dict(where=np.array([[1, 1, 0, 1, 1]] * 3 + [[0] * 5], bool)), (0,)),
    ("log_cosh", lambda x, y, p, l01, s: (30 * x, y), {}, (0, 1)),
    ("log_cosh", lambda x, y, p, l01, s: (x,), {}, (0,)),
    ("convex_kl_divergence", lambda x, y, p, l01, s: (np.log(np.abs(x) + 0.1), p), {}, (0,)),
    ("generalized_kl_divergence", lambda x, y, p, l01, s: (x, np.abs(y)), dict(axis=0), (0, 1)),
    ("generalized_kl_divergence", lambda x, y, p, l01, s: (x, p),
     dict(where=_rng_inputs()[3] > 0), (0,)),
    ("ntxent", lambda x, y, p, l01, s: (x, np.array([0, 1, 0, 1])), {}, (0,)),
    ("ntxent", lambda x, y, p, l01, s: (x, np.array([2, 2, 2, 5])), dict(temperature=0.5), (0,)),
    ("ntxent", lambda x, y, p, l01, s: (np.concatenate([x, -x]), np.array([0, 1, 2, 3] * 2)),
     dict(temperature=1.0), (0,)),
    ("kl_divergence_with_log_targets", lambda x, y, p, l01, s: (x, np.log(p + 0.1)), {},
     (0, 1)),
    ("kl_divergence_with_log_targets", lambda x, y, p, l01, s: (x, y),
     dict(axis=0, where=_rng_inputs()[3] > 0), (0, 1)),
    ("poly_loss_cross_entropy", lambda x, y, p, l01, s: (x, p), {}, (0,)),
    ("poly_loss_cross_entropy", lambda x, y, p, l01, s: (x, p), dict(epsilon=-0.5, axis=0),
     (0,)),
    ("poly_loss_cross_entropy", lambda x, y, p, l01, s: (x, p),
     dict(where=_rng_inputs()[3] > 0), (0,)),
    ("perceptron_loss", lambda x, y, p, l01, s: (x + 0.01, s), {}, (0,)),
    ("multiclass_hinge_loss", lambda x, y, p, l01, s: (x, np.array([0, 3, 4, 1])), {}, (0,)),
    ("multiclass_perceptron_loss", lambda x, y, p, l01, s: (x, np.array([2, 3, 0, 1])), {},
     (0,)),
]


def _to_jax(args):
    return tuple(jnp.asarray(a) if isinstance(a, np.ndarray) else a for a in args)


@pytest.mark.filterwarnings("ignore:.*convex_kl_divergence is deprecated:DeprecationWarning")
@pytest.mark.parametrize("name,build,kwargs,diff", LOSSES, ids=[r[0] for r in LOSSES])
def test_loss_matches_optax(name, build, kwargs, diff):
    args = build(*_rng_inputs())
    if name == "convex_kl_divergence":  # deprecated in optax and here: both warn
        with pytest.warns(DeprecationWarning, match="generalized_kl_divergence"):
            optim.convex_kl_divergence(*args, **kwargs)
    ours = getattr(fnn.losses, name)
    theirs = getattr(optax.losses, name)
    assert getattr(optim.losses, name) is ours
    assert getattr(optim, name, None) is (ours if hasattr(optax, name) else None)
    np.testing.assert_allclose(np.asarray(ours(*args, **kwargs)),
                               np.asarray(theirs(*_to_jax(args), **kwargs)), rtol=1e-6,
                               atol=1e-12)
    for i in diff:
        def f_ours(a, i=i):
            return fnp.sum(ours(*args[:i], a, *args[i + 1:], **kwargs))

        def f_theirs(a, i=i):
            jargs = _to_jax(args)
            return jnp.sum(theirs(*jargs[:i], a, *jargs[i + 1:], **kwargs))

        np.testing.assert_allclose(np.asarray(fg.grad(f_ours)(args[i])),
                                   np.asarray(jax.grad(f_theirs)(jnp.asarray(args[i]))),
                                   rtol=1e-6, atol=1e-10, err_msg=f"{name} grad {i}")


def test_safe_softmax_cross_entropy_with_minus_inf_logits():
    logits = np.array([[0.0, -np.inf, 1.0]])
    labels = np.array([[0.5, 0.0, 0.5]])
    ours = optim.safe_softmax_cross_entropy(logits, labels)
    theirs = optax.losses.safe_softmax_cross_entropy(jnp.asarray(logits), jnp.asarray(labels))
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=1e-12)
    assert np.all(np.isfinite(np.asarray(fg.grad(
        lambda z: fnp.sum(optim.safe_softmax_cross_entropy(z, labels)))(logits))[:, [0, 2]]))


def _ctc_inputs():
    rng = np.random.default_rng(3)
    logits = rng.normal(size=(3, 8, 5))
    logit_paddings = np.zeros((3, 8))
    logit_paddings[1, 6:] = 1.0
    labels = np.array([[1, 2, 2, 3], [4, 1, 0, 0], [3, 3, 1, 2]])
    label_paddings = np.zeros((3, 4))
    label_paddings[1, 2:] = 1.0
    label_paddings[2, 3] = 1.0
    return logits, logit_paddings, labels, label_paddings


def test_ctc_loss_matches_optax():
    logits, lpad, labels, ypad = _ctc_inputs()
    ours = fnn.losses.ctc_loss(logits, lpad, labels, ypad)
    theirs = optax.losses.ctc_loss(*map(jnp.asarray, (logits, lpad, labels, ypad)))
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=1e-6)
    g_ours = fg.grad(lambda z: fnp.sum(fnn.losses.ctc_loss(z, lpad, labels, ypad)))(logits)
    g_theirs = jax.grad(lambda z: jnp.sum(optax.losses.ctc_loss(
        z, jnp.asarray(lpad), jnp.asarray(labels), jnp.asarray(ypad))))(jnp.asarray(logits))
    np.testing.assert_allclose(np.asarray(g_ours), np.asarray(g_theirs), rtol=1e-6, atol=1e-10)
    blank2 = fnn.losses.ctc_loss(logits, lpad, labels + 0, ypad, blank_id=4)
    np.testing.assert_allclose(
        np.asarray(blank2),
        np.asarray(optax.losses.ctc_loss(*map(jnp.asarray, (logits, lpad, labels, ypad)),
                                         blank_id=4)), rtol=1e-6)


def test_loss_errors():
    with pytest.raises(TypeError, match="huber_loss: predictions must be floating point"):
        optim.huber_loss(np.arange(3))
    with pytest.raises(ShapeError, match="cosine_similarity: predictions of shape"):
        optim.cosine_similarity(np.ones((2, 3)), np.ones((3, 2)))
    with pytest.raises(ShapeError, match="ctc_loss: logits must be"):
        optim.ctc_loss(np.ones((2, 3)), np.zeros((2,)), np.ones((2, 1), int), np.zeros((2, 1)))


# --- Trees, types, signatures, errors --------------------------------------------------------


def test_tree_utils_match_optax():
    a, b = params0(), grad_sequence(params0(), 1)[0]
    ja, jb = tree_map(jnp.asarray, a), tree_map(jnp.asarray, b)
    tu, otu = optim.tree_utils, optax.tree_utils
    assert_close(tu.tree_add(a, b, a), otu.tree_add(ja, jb, ja))
    assert_close(tu.tree_sub(a, b), otu.tree_sub(ja, jb))
    assert_close(tu.tree_mul(a, b), otu.tree_mul(ja, jb))
    assert_close(tu.tree_scalar_mul(0.3, a), otu.tree_scale(0.3, ja))
    assert_close(tu.tree_add_scale(a, 0.3, b), otu.tree_add_scale(ja, 0.3, jb))
    for kw in ({}, {"squared": True}, {"ord": 1}, {"ord": "inf"}):
        np.testing.assert_allclose(float(tu.tree_norm(a, **kw)), float(otu.tree_norm(ja, **kw)))
    np.testing.assert_allclose(float(tu.tree_l2_norm(a)), float(otu.tree_norm(ja)))
    np.testing.assert_allclose(float(tu.tree_vdot(a, b)), float(otu.tree_vdot(ja, jb)))
    np.testing.assert_allclose(float(tu.tree_sum(a)), float(otu.tree_sum(ja)))
    np.testing.assert_allclose(float(tu.tree_max(a)), float(otu.tree_max(ja)))
    assert tu.tree_size(a) == otu.tree_size(ja) == 17
    assert_close(tu.tree_zeros_like(a), otu.tree_zeros_like(ja))
    assert_close(tu.tree_ones_like(a), otu.tree_ones_like(ja))
    assert_close(tu.tree_full_like(a, 2.5), otu.tree_full_like(ja, 2.5))
    assert_close(tu.tree_clip(a, -0.5, 0.5), otu.tree_clip(ja, -0.5, 0.5))
    assert_close(tu.tree_update_moment(b, a, 0.9, 2), otu.tree_update_moment(jb, ja, 0.9, 2))
    assert_close(tu.tree_bias_correction(a, 0.9, 3), otu.tree_bias_correction(ja, 0.9, 3))
    assert optim.tree.add is tu.tree_add and optim.tree.norm is tu.tree_norm
    with pytest.raises(ValueError, match="tree_dtype: the leaves have several dtypes"):
        tu.tree_dtype({"a": np.ones(1), "b": np.ones(1, np.float32)})


def test_state_search_matches_optax():
    # tree_get/tree_set/tree_get_all_with_path find values by dict key, NamedTuple field
    # or NamedTuple type name, with NamedTupleKey path entries, as optax.tree_utils does.
    tu, otu = optim.tree_utils, optax.tree_utils
    ours = optim.chain(optim.adam(1.0), optim.scale_by_schedule(lambda c: 1.0)).init(np.ones(2))
    theirs = optax.chain(optax.adam(1.0), optax.scale_by_schedule(lambda c: 1.0)).init(
        jnp.ones(2))

    def described(found):
        return [(tuple(str(e) for e in path), type(v).__name__ if isinstance(v, tuple)
                 else np.asarray(v).tolist()) for path, v in found]

    for key in ("count", "mu", "ScaleByAdamState", "absent"):
        assert described(tu.tree_get_all_with_path(ours, key)) == described(
            otu.tree_get_all_with_path(theirs, key))
    nested = {"a": {"b": {"b": 1}}, "c": [2, {"b": 5}], "d": None}
    assert [(repr(p), v) for p, v in tu.tree_get_all_with_path(nested, "b")] == [
        (repr(p), v) for p, v in otu.tree_get_all_with_path(nested, "b")]
    assert tu.tree_set(nested, b=7) == otu.tree_set(nested, b=7)
    schedule_only = lambda path, v: path[-1].tuple_name == "ScaleByScheduleState"  # noqa: E731
    assert int(tu.tree_get(ours, "count", filtering=schedule_only)) == 0
    assert tu.tree_get(ours, "absent", default=3) == 3
    with pytest.raises(KeyError, match="found 2 values named 'count'"):
        tu.tree_get(ours, "count")
    with pytest.raises(KeyError, match="no value named 'absent'"):
        tu.tree_set(ours, absent=1)
    adam = optim.adam(1.0).init(np.ones(2))
    assert int(tu.tree_get(tu.tree_set(adam, count=np.int32(5)), "count")) == 5
    assert type(tu.tree_set(adam, count=np.int32(5))[0]).__name__ == "ScaleByAdamState"


def test_types_and_extra_args():
    assert issubclass(optim.GradientTransformationExtraArgs, optim.GradientTransformation)
    assert isinstance(optim.chain(optim.sgd(0.1)), optim.GradientTransformationExtraArgs)
    for name in ("OptState", "Params", "Updates"):
        assert hasattr(optim, name)
    seen = {}

    def update(updates, state, params=None, **extra):
        seen.update(extra)
        return updates, state

    tx = optim.GradientTransformationExtraArgs(optim.init_empty_state, update)
    opt = optim.chain(optim.scale(2.0), tx, optim.masked(tx, {"w": True}))
    opt.update({"w": np.ones(1)}, opt.init({"w": np.ones(1)}), None, value=3.0)
    assert seen == {"value": 3.0}
    seen.clear()
    multi = optim.MultiSteps(optim.chain(tx), every_k_schedule=1)
    multi.update({"w": np.ones(1)}, multi.init({"w": np.ones(1)}), None, grad=4.0)
    assert seen == {"grad": 4.0}


NEW_NAMES = (
    "inject_hyperparams inject_stateful_hyperparams normalize_by_update_norm "
    "multi_transform lion nadam nadamw radam adafactor adamax amsgrad "
    "adabelief warmup_exponential_decay_schedule warmup_constant_schedule sgdr_schedule "
    "cosine_onecycle_schedule linear_onecycle_schedule piecewise_interpolate_schedule ema "
    "apply_every zero_nans skip_not_finite add_noise huber_loss cosine_similarity "
    "cosine_distance kl_divergence hinge_loss smooth_labels sigmoid_focal_loss "
    "safe_softmax_cross_entropy ctc_loss lookahead adaptive_grad_clip partition freeze "
    "flatten lbfgs scale_by_lbfgs value_and_grad_from_state scale_by_backtracking_linesearch "
    "scale_by_zoom_linesearch "
    "scale_by_lion scale_by_radam scale_by_amsgrad scale_by_belief scale_by_adamax "
    "scale_by_factored_rms clip_by_block_rms scale_by_param_block_rms "
    "sgd adam adamw rmsprop adagrad lamb scale_by_adam scale_by_rms scale_by_stddev "
    "scale_by_rss scale_by_trust_ratio trace add_decayed_weights scale scale_by_schedule "
    "scale_by_learning_rate clip clip_by_global_norm masked apply_if_finite MultiSteps "
    "chain with_extra_args_support losses.softmax_cross_entropy "
    "losses.softmax_cross_entropy_with_integer_labels "
    "yogi adadelta novograd sm3 adan rprop lars fromage sign_sgd signum noisy_sgd polyak_sgd "
    "optimistic_gradient_descent optimistic_adam optimistic_adam_v2 adamaxw "
    "scale_by_sign scale_by_yogi scale_by_novograd scale_by_adadelta "
    "scale_by_optimistic_gradient scale_by_polyak scale_by_rprop scale_by_sm3 scale_by_adan "
    "scale_by_distance_over_gradients scale_by_param_block_norm "
    "safe_norm safe_increment safe_int32_increment safe_root_mean_squares "
    "scale_gradient centralize keep_params_nonnegative skip_large_updates conditionally_mask "
    "conditionally_transform incremental_update periodic_update bias_correction update_moment "
    "update_infinity_moment update_moment_per_elem_norm tree_map_params named_chain "
    "per_example_global_norm_clip per_example_layer_norm_clip "
    "losses.log_cosh losses.convex_kl_divergence losses.generalized_kl_divergence losses.ntxent "
    "log_cosh convex_kl_divergence generalized_kl_divergence ntxent "
    "losses.kl_divergence_with_log_targets losses.poly_loss_cross_entropy "
    "losses.perceptron_loss losses.multiclass_hinge_loss losses.multiclass_perceptron_loss "
    "microbatch selective_transform snapshot measure_with_ema monitor "
    "microbatching.micro_vmap microbatching.micro_grad microbatching.reshape_batch_axis "
    "power_iteration matrix_inverse_pth_root nnls multi_normal second_order.hvp "
    "second_order.hessian_diag second_order.fisher_diag perturbations.make_perturbed_fun "
    "assignment.hungarian_algorithm assignment.base_hungarian_algorithm "
    "ctc_loss_with_forward_probs losses.ctc_loss_with_forward_probs "
    "experimental.aggregating.process experimental.aggregating.average_per_element_updates "
    "experimental.aggregating.accumulate_avg_updates "
    "experimental.aggregating.average_incrementally_updates "
    "experimental.aggregating.get_batch_size_from_per_elt_updates "
    "experimental.aggregating.get_per_element_mean_and_sum_sq_diff_grads "
    "experimental.aggregating.track_per_element_mean_and_variance_with_ema "
    "experimental.aggregating.get_unbiased_mean_and_variance_ema "
    "experimental.aggregating.add_mean_variance_to_opt "
    + " ".join("projections." + n for n in dir(optax.projections) if n.startswith("projection_"))
).split()


def _parameters(f):
    return [(p.name, p.kind, p.default if p.default is not p.empty else "<required>")
            for p in inspect.signature(f).parameters.values()]


@pytest.mark.parametrize("name", NEW_NAMES)
def test_signature_matches_optax(name):
    ours, theirs = optim, optax
    for part in name.split("."):
        ours, theirs = getattr(ours, part), getattr(theirs, part)
    ours, theirs = _parameters(ours), _parameters(theirs)
    assert [p[:2] for p in ours] == [p[:2] for p in theirs]
    for (pname, _, d_ours), (_, _, d_theirs) in zip(ours, theirs, strict=True):
        if name == "lbfgs" and pname == "linesearch":
            continue  # a transformation object: tests/test_optim_zoom.py compares its iterates
        if name == "MultiSteps" and pname == "accumulator_dtype":
            continue  # ours defaults to the params' dtype (README: differences)
        if name == "adafactor" and pname == "dtype_momentum":
            assert np.dtype(d_ours) == np.dtype(d_theirs)
            continue
        if name == "perturbations.make_perturbed_fun" and pname == "noise":
            assert type(d_ours).__name__ == type(d_theirs).__name__ == "Gumbel"
            continue
        if isinstance(d_theirs, enum.Enum):  # optax's own enum (AccumulationType): by name
            assert (type(d_ours).__name__, d_ours.name) == (type(d_theirs).__name__,
                                                            d_theirs.name)
            continue
        if callable(d_theirs) and callable(d_ours):
            continue  # default functions (e.g. Adafactor's decay) are ours, not optax's
        assert d_ours == d_theirs, f"{name}: default of {pname}"


def test_submodules_exist():
    import fungrad.optim.contrib  # noqa: F401, PLC0415
    import fungrad.optim.losses as optim_losses  # noqa: PLC0415

    assert optim_losses.ctc_loss is fnn.losses.ctc_loss
    assert optim.losses is optim_losses


def test_clear_errors_name_optimizer_and_argument():
    with pytest.raises(ValueError, match="scale_by_lion: mode must be"):
        optim.scale_by_lion(mode="soft")
    with pytest.raises(TypeError, match="partition: transforms must be a mapping"):
        optim.partition([optim.sgd(0.1)], {"w": 0})
    opt = optim.partition({"a": optim.sgd(0.1)}, {"w": "a", "b": "c"})
    with pytest.raises(ValueError, match=r"partition: the labels \['c'\] have no transformation"):
        opt.init({"w": np.ones(1), "b": np.ones(1)})
    with pytest.raises(ValueError, match="apply_every: k must be >= 1"):
        optim.apply_every(0)
    with pytest.raises(ValueError, match="adaptive_grad_clip: update.. needs the current"):
        t = optim.adaptive_grad_clip(0.1)
        t.update({"w": np.ones(2)}, t.init(None))
    with pytest.raises(ValueError, match="scale_by_factored_rms: update.. needs the current"):
        t = optim.scale_by_factored_rms()
        t.update({"w": np.ones(2)}, t.init({"w": np.ones(2)}))


@pytest.mark.parametrize("name", ["sgd", "adam", "adamw", "lion", "nadam", "radam", "adamax",
                                  "amsgrad", "adabelief", "adafactor", "lbfgs", "rmsprop"])
def test_bad_learning_rate_type_names_optimizer_and_argument(name):
    for bad, kind in (("0.1", "str"), (np.ones(2), "shape"), (True, "bool")):
        with pytest.raises(TypeError, match=f"{name}: learning_rate must be a real scalar.*{kind}"):
            getattr(optim, name)(learning_rate=bad)
    getattr(optim, name)(learning_rate=np.float32(0.1))  # NumPy scalars are fine
    with pytest.raises(TypeError, match="adamw: weight_decay must be a real scalar"):
        optim.adamw(0.1, weight_decay="big")


def test_schedule_free_eval_params_match_optax():
    make = lambda m: m.contrib.schedule_free_adamw(0.05)  # noqa: E731
    s_ours, s_theirs = run_both(make)
    p = params0()
    assert_close(optim.contrib.schedule_free_eval_params(s_ours, p),
                 optax.contrib.schedule_free_eval_params(s_theirs, tree_map(jnp.asarray, p)))
    with pytest.raises(ValueError, match="schedule_free_eval_params: state must be a"):
        optim.contrib.schedule_free_eval_params(optim.sgd(0.1).init(p), p)


@pytest.mark.parametrize("name", ["schedule_free", "schedule_free_sgd", "schedule_free_adamw",
                                  "schedule_free_eval_params", "normalize"])
def test_contrib_signature_matches_optax(name):
    ours = _parameters(getattr(optim.contrib, name))
    theirs = _parameters(getattr(optax.contrib, name))
    assert ours == theirs


# --- Under transforms: jvp (traced updates) and vmap (batched gradient sequences) ----------

TRACEABLE = ["lion", "nadam", "radam", "adamax", "amsgrad", "adabelief", "adafactor",
             "adafactor_factored", "ema", "apply_every", "zero_nans", "adaptive_grad_clip",
             "partition", "freeze", "flatten", "lbfgs_no_linesearch", "inject_adam",
             "schedule_free_adamw", "rmsprop_bias_correction", "yogi", "adadelta_decay",
             "novograd_decay", "adan_decay", "rprop_bounds", "lars_masks", "fromage_schedule",
             "sign_sgd", "signum", "optimistic_gradient_descent", "optimistic_adam_v2",
             "adamaxw_mask", "scale_by_param_block_norm", "distance_over_gradients",
             "centralize", "keep_params_nonnegative", "conditionally_transform",
             "conditionally_mask", "named_chain"]
_BY_NAME = dict(TRANSFORMS)


def _run(opt, params, grads_seq):
    state = opt.init(params)
    for g in grads_seq:
        u, state = opt.update(g, state, params)
        params = optim.apply_updates(params, u)
    return params


@pytest.mark.parametrize("name", TRACEABLE)
def test_traced_updates_equal_eager(name):
    opt = _BY_NAME[name](optim)
    params, grads = params0(), grad_sequence(params0(), 6)
    eager = _run(opt, params, grads)
    traced, _ = fg.jvp(lambda g0: _run(opt, params, [g0, *grads[1:]]), (grads[0],), (grads[0],))
    assert_close(traced, eager, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", TRACEABLE)
def test_vmap_over_gradient_sequences(name):
    opt = _BY_NAME[name](optim)
    params = params0()
    seqs = [grad_sequence(params, 6, seed=s) for s in (1, 2)]
    stacked = [tree_map(lambda a, b: np.stack([a, b]), g1, g2) for g1, g2 in zip(*seqs)]
    batched = fg.vmap(lambda gs: _run(opt, params, gs))(stacked)
    for i, seq in enumerate(seqs):
        assert_close(tree_map(lambda x, i=i: x[i], batched), _run(opt, params, seq),
                     rtol=1e-12, atol=1e-14)


JITTED = ["conditionally_transform", "conditionally_mask", "named_chain",
          "yogi", "adadelta_decay", "novograd_decay", "adan_decay", "rprop_bounds", "lars_masks",
          "fromage_schedule", "signum", "optimistic_gradient_descent", "optimistic_adam_v2",
          "adamaxw_mask", "scale_by_param_block_norm", "distance_over_gradients"]


@pytest.mark.parametrize("name", JITTED)
def test_jitted_updates_equal_eager(name):
    opt = _BY_NAME[name](optim)
    step = fg.jit(lambda g, s, p: opt.update(g, s, p))
    params, grads = params0(), grad_sequence(params0(), 5)
    p_eager = p_jit = params
    s_eager = s_jit = opt.init(params)
    for g in grads:
        u, s_eager = opt.update(g, s_eager, p_eager)
        v, s_jit = step(g, s_jit, p_jit)
        p_eager, p_jit = optim.apply_updates(p_eager, u), optim.apply_updates(p_jit, v)
        assert_close(p_jit, p_eager, rtol=1e-12, atol=1e-14)


def test_sm3_and_polyak_under_jit():
    params = {"w": np.ones((3, 2)), "b": np.zeros(2)}
    grads = grad_sequence(params, 3)
    for opt, extra in ((optim.sm3(0.1), {}), (optim.polyak_sgd(0.5), {"value": 2.0})):
        step = fg.jit(lambda g, s, p, opt=opt, extra=extra: opt.update(g, s, p, **extra))
        s_e = s_j = opt.init(params)
        for g in grads:
            u, s_e = opt.update(g, s_e, params, **extra)
            v, s_j = step(g, s_j, params)
            assert_close(v, u, rtol=1e-12, atol=1e-14)


def test_skip_large_updates_in_multisteps_matches_optax():
    import functools  # noqa: PLC0415

    params = params0()
    grads = grad_sequence(params, 8)
    grads[3] = tree_map(lambda g: 10.0 * g, grads[3])
    s_ours = s_theirs = None
    p_ours = p_theirs = params
    ours = optim.MultiSteps(optim.adam(0.1), 2, should_skip_update_fn=functools.partial(
        optim.skip_large_updates, max_squared_norm=100.0))
    theirs = optax.MultiSteps(optax.adam(0.1), 2, should_skip_update_fn=functools.partial(
        optax.skip_large_updates, max_squared_norm=100.0), accumulator_dtype=jnp.float64)
    s_ours, s_theirs = ours.init(params), theirs.init(params)
    for g in grads:
        u, s_ours = ours.update(g, s_ours, p_ours)
        v, s_theirs = theirs.update(g, s_theirs, p_theirs)
        p_ours, p_theirs = optim.apply_updates(p_ours, u), optax.apply_updates(p_theirs, v)
        assert_close(p_ours, p_theirs)
    skip, info = optim.skip_large_updates(grads[3], 0, None, 100.0)
    skip_t, info_t = optax.skip_large_updates(tree_map(jnp.asarray, grads[3]), 0, None, 100.0)
    assert bool(skip) and bool(skip_t)
    np.testing.assert_allclose(float(info["norm_squared"]), float(info_t["norm_squared"]))


def test_target_updates_match_optax():
    new, old = params0(), grad_sequence(params0(), 1)[0]
    for lib_args in ((0.3,), (1.0,)):
        assert_close(optim.incremental_update(new, old, *lib_args),
                     optax.incremental_update(new, old, *lib_args), rtol=1e-12)
    for step in (3, 4, 6):
        assert_close(optim.periodic_update(new, old, np.int32(step), 3),
                     optax.periodic_update(new, old, step, 3))
    jitted = fg.jit(optim.periodic_update)(new, old, np.int32(6), 3)
    assert_close(jitted, new)
    with pytest.raises(ValueError, match="incremental_update: new_tensors and old_tensors"):
        optim.incremental_update({"a": np.ones(1)}, {"b": np.ones(1)}, 0.5)


def _per_example():
    rng = np.random.default_rng(5)
    return {"w": rng.normal(size=(6, 3, 2)), "b": 0.1 * rng.normal(size=(6, 2))}


@pytest.mark.parametrize("kind", ["global", "layer_uniform", "layer_sized"])
def test_per_example_clipping_matches_optax(kind):
    g = _per_example()
    g["b"][2] = 0.0
    g["w"][2] = 0.0  # an all-zero example (norm 0: multiplier 1, no NaN)
    if kind == "global":
        ours, theirs = (lib.per_example_global_norm_clip(g, 1.5) for lib in (optim, optax))
    else:
        uniform = kind == "layer_uniform"
        ours, theirs = (lib.per_example_layer_norm_clip(g, 1.5, uniform) for lib in
                        (optim, optax))
    assert_close(ours[0], theirs[0], rtol=1e-10)
    assert_close(ours[1], theirs[1])
    g_ours = fg.grad(lambda x: fnp.sum(optim.per_example_global_norm_clip(
        {"w": x}, 1.0)[0]["w"] ** 2))(g["w"])
    assert np.isfinite(np.asarray(g_ours)).all()
    w = _per_example()["w"]  # no zero example: optax's gradient is NaN there
    grad_ours = fg.grad(lambda x: fnp.sum(optim.per_example_global_norm_clip(
        {"w": x}, 1.0)[0]["w"] ** 2))(w)
    grad_theirs = jax.grad(lambda x: jnp.sum(optax.per_example_global_norm_clip(
        {"w": x}, 1.0)[0]["w"] ** 2))(jnp.asarray(w))
    np.testing.assert_allclose(np.asarray(grad_ours), np.asarray(grad_theirs), rtol=1e-8)
    with pytest.raises(ValueError, match="per_example_global_norm_clip: every leaf of grads"):
        optim.per_example_global_norm_clip({"a": np.ones((3, 2)), "b": np.ones((2,))}, 1.0)


def test_tree_map_params_matches_optax():
    params = params0()
    for make in (lambda m: m.adam(0.1), lambda m: m.sgd(0.1, momentum=0.9),
                 lambda m: m.chain(m.scale_by_adan(), m.scale(-1.0))):
        p = {k: v for k, v in params.items() if k != "s"}
        ours_opt, theirs_opt = make(optim), make(optax)
        ours = optim.tree_map_params(ours_opt, lambda x, y: x + 2.0 * y, ours_opt.init(p), p,
                                     transform_non_params=lambda v: v)
        theirs = optax.tree_map_params(theirs_opt, lambda x, y: x + 2.0 * y,
                                       theirs_opt.init(p), p, transform_non_params=lambda v: v)
        assert_close(ours, theirs)
    opt = optim.adam(0.1)
    counts = optim.tree_map_params(opt, lambda x: x, opt.init(params),
                                   transform_non_params=lambda v: v + 5)
    assert int(counts[0].count) == 5 and np.all(counts[0].mu["w"] == 0)


def test_numerics_match_optax():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3, 4))
    x[1] = 0.0
    for kwargs in ({}, dict(axis=1), dict(axis=1, keepdims=True), dict(ord=1, axis=0),
                   dict(ord="fro")):
        for m in (0.5, 1e-6):
            np.testing.assert_allclose(
                np.asarray(optim.safe_norm(x, m, **kwargs)),
                np.asarray(optax.safe_norm(jnp.asarray(x), m, **kwargs)), rtol=1e-12)
            g_ours = fg.grad(lambda a, m=m, kw=kwargs: fnp.sum(optim.safe_norm(a, m, **kw)))(x)
            g_theirs = jax.grad(lambda a, m=m, kw=kwargs: jnp.sum(optax.safe_norm(a, m, **kw)))(
                jnp.asarray(x))
            np.testing.assert_allclose(np.asarray(g_ours), np.asarray(g_theirs), rtol=1e-10,
                                       atol=1e-14)
    for a in (x, np.zeros(3)):
        np.testing.assert_allclose(float(optim.safe_root_mean_squares(a, 0.1)),
                                   float(optax.safe_root_mean_squares(jnp.asarray(a), 0.1)))
        assert np.isfinite(np.asarray(fg.grad(
            lambda v: optim.safe_root_mean_squares(v, 0.1))(a))).all()
    for c in (np.int32(3), np.int32(2**31 - 1), np.float32(2.0), np.int8(127)):
        assert optim.safe_increment(c) == optax.safe_increment(c)
        assert np.asarray(optim.safe_increment(c)).dtype == c.dtype
    assert int(optim.safe_int32_increment(np.int32(2**31 - 1))) == 2**31 - 1
    with pytest.raises(ValueError, match="safe_increment: count has dtype bool"):
        optim.safe_increment(np.bool_(True))
    m, g = params0(), grad_sequence(params0(), 1)[0]
    assert_close(optim.update_moment(g, m, 0.9, 2), optax.update_moment(g, m, 0.9, 2))
    assert_close(optim.update_moment_per_elem_norm(g, m, 0.9, 2),
                 optax.update_moment_per_elem_norm(g, m, 0.9, 2))
    assert_close(optim.update_infinity_moment(g, m, 0.9, 1e-3),
                 optax.update_infinity_moment(g, m, 0.9, 1e-3))
    assert_close(optim.bias_correction(m, 0.9, np.int32(3)),
                 optax.bias_correction(m, 0.9, jnp.int32(3)))


def test_scale_gradient_matches_optax():
    x = np.array([1.0, -2.0, 3.0])
    for scale in (0.0, 0.5, 1.0, -2.0):
        def f_ours(a, scale=scale):
            return fnp.sum(optim.scale_gradient({"a": a ** 2}, scale)["a"] * a)

        def f_theirs(a, scale=scale):
            return jnp.sum(optax.scale_gradient({"a": a ** 2}, scale)["a"] * a)

        np.testing.assert_allclose(float(f_ours(x)), float(f_theirs(jnp.asarray(x))))
        np.testing.assert_allclose(np.asarray(fg.grad(f_ours)(x)),
                                   np.asarray(jax.grad(f_theirs)(jnp.asarray(x))), rtol=1e-12)
    traced = fg.grad(lambda a: fnp.sum(fg.jit(lambda b: optim.scale_gradient(b, 0.25))(a)))(x)
    np.testing.assert_allclose(np.asarray(traced), 0.25)


def test_conditional_and_named_chain_errors():
    with pytest.raises(ValueError, match="named_chain: the names must be distinct"):
        optim.named_chain(("a", optim.sgd(0.1)), ("a", optim.sgd(0.1)))
    with pytest.raises(TypeError, match="named_chain: argument 0 must be a"):
        optim.named_chain(optim.sgd(0.1))
    t = optim.conditionally_mask(optim.sgd(0.1), lambda step: np.ones(2, bool))
    with pytest.raises(ValueError, match="conditionally_mask: should_transform_fn must return"):
        t.update({"w": np.ones(1)}, t.init({"w": np.ones(1)}))
    seen = []
    t = optim.conditionally_transform(optim.sgd(0.1), lambda step, value: seen.append(value)
                                      or value > 1.0, forward_extra_args=True)
    u, _ = t.update({"w": np.ones(1)}, t.init({"w": np.ones(1)}), value=0.5)
    assert seen == [0.5] and u["w"].tolist() == [1.0]
    t = optim.keep_params_nonnegative()
    with pytest.raises(ValueError, match="keep_params_nonnegative: update.. needs the current"):
        t.update({"w": np.ones(1)}, t.init(None))


def test_new_losses_under_jit_and_errors():
    x, y, p, _, _ = _rng_inputs()
    labels = np.array([0, 1, 0, 1])
    np.testing.assert_allclose(float(fg.jit(optim.ntxent)(x, labels)),
                               float(optim.ntxent(x, labels)), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(fg.jit(optim.log_cosh)(x, y)),
                               np.asarray(optim.log_cosh(x, y)), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(fg.jit(optim.generalized_kl_divergence)(x, p)),
                               np.asarray(optim.generalized_kl_divergence(x, p)), rtol=1e-12)
    with pytest.raises(ShapeError, match="ntxent: embeddings must be .n, d. and labels"):
        optim.ntxent(x, np.array([0, 1]))
    with pytest.raises(TypeError, match="log_cosh: predictions must be floating point"):
        optim.log_cosh(np.arange(3))
    with pytest.raises(ShapeError, match="generalized_kl_divergence: log_predictions of shape"):
        optim.generalized_kl_divergence(x, p[:2])


@pytest.mark.parametrize("name", ["scale_by_novograd", "scale_by_distance_over_gradients",
                                  "scale_by_param_block_norm"])
def test_blocks_needing_params_say_so(name):
    t = getattr(optim, name)()
    g = {"w": np.ones(2)}
    with pytest.raises(ValueError, match=f"{name}: update.. needs the current parameters"):
        t.update(g, t.init(g))
    with pytest.raises(ValueError, match=f"{name}: .*different"):
        t.update(g, t.init(g), {"w": np.ones(3)})
