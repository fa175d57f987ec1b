"""optim.scale_by_zoom_linesearch and lbfgs's default line search, against optax 0.2.8.

Our search makes the same choices as optax's (the same trial sequence: growth by
`increase_factor`, then cubic / quadratic / bisection inside the interval with the same
margins, the same interval updates and the same fallback), so the iterates of `lbfgs()`
must agree to 1e-6 at every step, with the same number of trials per step. Optax runs
under ``jax.jit`` (eagerly it would compile its while loop at every step); ours eagerly.
"""

from __future__ import annotations

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
import fungrad.optim as optim
from fungrad.tree_util import tree_leaves, tree_map

optax = pytest.importorskip("optax")
jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy


# --- Problems, written once over a namespace (fnp or jnp) ----------------------------------


def quadratic(np_):
    a = np.array([[3.0, 0.5, 0.0], [0.5, 2.0, 0.3], [0.0, 0.3, 1.0]])

    def f(p):
        x = p["x"]
        return 0.5 * x @ (np_.asarray(a) @ x) - x.sum() + 0.25 * (p["y"] ** 2).sum() \
            + (x[0] * p["y"][0]) ** 2
    return f, {"x": np.array([1.0, -2.0, 0.5]), "y": np.array([1.5, -0.5])}


def rosenbrock(n):
    def make(np_):
        def f(x):
            return (100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2).sum()
        x0 = np.full(n, -1.2)
        x0[1::2] = 1.0
        return f, x0
    return make


def logistic(np_):
    rng = np.random.default_rng(0)
    xs = rng.normal(size=(60, 5))
    ys = np.sign(xs @ np.array([1.0, -2.0, 0.5, 0.0, 1.5]) + 0.3 * rng.normal(size=60))

    def f(w):
        margins = np_.asarray(ys) * (np_.asarray(xs) @ w)
        return np_.logaddexp(0.0, -margins).mean() + 1e-3 * (w ** 2).sum()
    return f, np.zeros(5)


# (problem, steps compared, whether it converges within them). Along Rosenbrock's valley
# L-BFGS amplifies rounding about tenfold every 4 steps (1e-16 at step 0, 1e-8 at step 42,
# 1e-6 at step 54, with the same trials throughout), so 10 dims are compared for 40 steps.
PROBLEMS = {"quadratic": (quadratic, 20, True), "rosenbrock2": (rosenbrock(2), 40, True),
            "rosenbrock10": (rosenbrock(10), 40, False), "logistic": (logistic, 20, True)}


def grad_norm(f, p):
    return float(np.sqrt(sum(float((np.asarray(g) ** 2).sum()) for g in
                             tree_leaves(fg.grad(f)(p)))))


def run_ours(opt, f, p, steps, jit=False):
    vg = optim.value_and_grad_from_state(f)

    def step(p, s):
        v, g = vg(p, state=s)
        u, s = opt.update(g, s, p, value=v, grad=g, value_fn=f)
        return optim.apply_updates(p, u), s

    step = fg.jit(step) if jit else step
    s, out = opt.init(p), []
    for _ in range(steps):
        p, s = step(p, s)
        out.append((p, s))
    return out


def run_optax(opt, f, p, steps):
    vg = optax.value_and_grad_from_state(f)

    @jax.jit
    def step(p, s):
        v, g = vg(p, state=s)
        u, s = opt.update(g, s, p, value=v, grad=g, value_fn=f)
        return optax.apply_updates(p, u), s

    p = tree_map(jnp.asarray, p)
    s, out = opt.init(p), []
    for _ in range(steps):
        p, s = step(p, s)
        out.append((p, s))
    return out


def assert_tree_close(a, b, what, tol=1e-6):
    for x, y in zip(tree_leaves(a), tree_leaves(b), strict=True):
        np.testing.assert_allclose(np.asarray(x), np.asarray(y), rtol=tol, atol=tol,
                                   err_msg=what)


@pytest.mark.parametrize("problem", sorted(PROBLEMS))
def test_lbfgs_default_matches_optax_iterates_and_trials(problem):
    make, steps, converges = PROBLEMS[problem]
    f_ours, p0 = make(fnp)
    f_theirs, _ = make(jnp)
    ours = run_ours(optim.lbfgs(), f_ours, p0, steps)
    theirs = run_optax(optax.lbfgs(), f_theirs, p0, steps)
    for k, ((p, s), (pt, st)) in enumerate(zip(ours, theirs, strict=True)):
        assert_tree_close(p, pt, f"{problem}: params at step {k}")
        assert_tree_close(s[-1].learning_rate, st[-1].learning_rate, f"{problem}: step size {k}")
        if grad_norm(f_ours, ours[k - 1][0] if k else p0) > 1e-9:
            # Past convergence the trials decide on rounding-level differences.
            assert int(s[-1].info.num_linesearch_steps) == int(
                st[-1].info.num_linesearch_steps), f"{problem}: trials at step {k}"
    if converges:
        assert grad_norm(f_ours, ours[-1][0]) < 1e-5, problem
    assert float(f_ours(ours[-1][0])) < 0.5 * float(f_ours(p0)), problem


def test_sgd_with_keep_and_extra_args_matches_optax():
    def make(np_):
        def f(w, x, y):
            return 0.5 * ((x @ w - y) ** 2).sum() + 0.1 * (w ** 4).sum()
        return f

    rng = np.random.default_rng(3)
    x, y, w0 = rng.normal(size=(8, 3)), rng.normal(size=8), np.ones(3)
    kw = dict(max_linesearch_steps=15, increase_factor=1.5, curv_rtol=0.5)

    def run(m, f, w, xa, ya):
        opt = m.chain(m.sgd(1.0), m.scale_by_zoom_linesearch(**kw))
        s, out = opt.init(w), []
        for _ in range(8):
            v, g = (jax if m is optax else fg).value_and_grad(f)(w, xa, ya)
            u, s = opt.update(g, s, w, value=v, grad=g, value_fn=f, x=xa, y=ya)
            w = m.apply_updates(w, u)
            out.append((w, float(s[1].learning_rate), int(s[1].info.num_linesearch_steps)))
        return out

    ours = run(optim, make(fnp), w0, x, y)
    theirs = run(optax, jax.jit(make(jnp)), jnp.asarray(w0), jnp.asarray(x), jnp.asarray(y))
    for k, ((w, lr, n), (wt, lrt, nt)) in enumerate(zip(ours, theirs, strict=True)):
        assert_tree_close(w, wt, f"step {k}")
        assert (n, round(lr, 8)) == (nt, round(lrt, 8)), f"step {k}"
    assert len({lr for _, lr, _ in ours}) > 1  # "keep" grows and shrinks the step


# --- The conditions hold for accepted steps ----------------------------------------------


@pytest.mark.parametrize("approx_dec_rtol", [None, 1e-6])
def test_accepted_steps_meet_the_strong_wolfe_conditions(approx_dec_rtol):
    f, x = rosenbrock(10)(fnp)
    c1, c2 = 1e-4, 0.9
    ls = optim.scale_by_zoom_linesearch(30, slope_rtol=c1, curv_rtol=c2,
                                        approx_dec_rtol=approx_dec_rtol,
                                        initial_guess_strategy="one")
    opt = optim.lbfgs(linesearch=ls)
    s, accepted = opt.init(x), 0
    for _ in range(40):
        v, g = fg.value_and_grad(f)(x)
        u, s = opt.update(g, s, x, value=v, grad=g, value_fn=f)
        info, lr = s[-1].info, float(s[-1].learning_rate)
        if float(info.decrease_error) == 0.0 and float(info.curvature_error) == 0.0:
            direction = np.asarray(u) / lr
            x_new = x + lr * direction
            v_new, g_new = fg.value_and_grad(f)(x_new)
            slope0, slope = float(g @ direction), float(g_new @ direction)
            assert slope0 < 0.0
            armijo = float(v_new) <= float(v) + c1 * lr * slope0
            if approx_dec_rtol is None:
                assert armijo
            else:  # or Hager and Zhang's approximate decrease, near the start's value
                approx = (slope <= (2 * c1 - 1) * slope0
                          and float(v_new) <= float(v) + approx_dec_rtol * abs(float(v)))
                assert armijo or approx
            assert abs(slope) <= c2 * abs(slope0)
            np.testing.assert_allclose(float(s[-1].value), float(v_new), rtol=1e-12)
            np.testing.assert_allclose(np.asarray(s[-1].grad), np.asarray(g_new), rtol=1e-12)
            accepted += 1
        x = optim.apply_updates(x, u)
    assert accepted >= 30


# --- jit ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("problem", ["quadratic", "rosenbrock10"])
def test_lbfgs_under_jit_equals_eager(problem):
    f, p0 = PROBLEMS[problem][0](fnp)
    eager = run_ours(optim.lbfgs(memory_size=4), f, p0, 15)
    jitted = run_ours(optim.lbfgs(memory_size=4), f, p0, 15, jit=True)
    for k, ((p, s), (pj, sj)) in enumerate(zip(eager, jitted, strict=True)):
        assert_tree_close(p, pj, f"step {k}", tol=1e-12)
        assert int(s[-1].info.num_linesearch_steps) == int(sj[-1].info.num_linesearch_steps)


def test_zoom_under_jit_keeps_the_state_shapes():
    f, x0 = rosenbrock(4)(fnp)
    opt = optim.chain(optim.sgd(1e-3), optim.scale_by_zoom_linesearch(10, verbose=True))
    state = opt.init(x0)
    out = run_ours(opt, f, x0, 6, jit=True)
    for a, b in zip(tree_leaves(state), tree_leaves(out[-1][1]), strict=True):
        assert (np.shape(a), np.dtype(a.dtype)) == (np.shape(b), np.dtype(b.dtype))
    assert float(f(out[-1][0])) < float(f(x0))


# --- Fallbacks and verbose -------------------------------------------------------------------


def _one_search(m, f, x, u, **kw):
    ls = m.scale_by_zoom_linesearch(**kw)
    v, g = (jax if m is optax else fg).value_and_grad(f)(x)
    return ls.update(u, ls.init(x), x, value=v, grad=g, value_fn=f)


def test_boundary_falls_back_to_a_decreasing_step_like_optax(capsys):
    def make(np_):
        # Linear up to a wall: the slope never shrinks, so curvature cannot be met.
        return lambda x: np_.where(x < 1.0, -3.0 * x, np_.inf).sum()

    x, u = np.array([0.0]), np.array([10.0])
    ours = _one_search(optim, make(fnp), x, u, max_linesearch_steps=30, verbose=True)
    printed = capsys.readouterr().out
    theirs = _one_search(optax, make(jnp), jnp.asarray(x), jnp.asarray(u),
                         max_linesearch_steps=30)
    assert_tree_close(ours[0], theirs[0], "updates")
    assert int(ours[1].info.num_linesearch_steps) == int(theirs[1].info.num_linesearch_steps)
    # info describes the last trial (beyond the wall here), as optax's does.
    for name in ("decrease_error", "curvature_error"):
        assert float(getattr(ours[1].info, name)) == float(getattr(theirs[1].info, name))
    assert 0.0999 < float(ours[1].learning_rate) < 0.1  # the best trial short of the wall
    assert "scale_by_zoom_linesearch: after" in printed
    assert "decreases the objective enough but does not meet the curvature" in printed


def test_all_nonfinite_trials_take_no_step(capsys):
    def make(np_):
        return lambda x: np_.where(x <= 0.0, -x, np_.inf).sum()

    x, u = np.zeros(2), np.ones(2)
    updates, state = _one_search(optim, make(fnp), x, u, max_linesearch_steps=8, verbose=True)
    _, theirs = _one_search(optax, make(jnp), jnp.asarray(x), jnp.asarray(u),
                            max_linesearch_steps=8)
    assert float(state.learning_rate) == 0.0 == float(theirs.learning_rate)
    assert np.all(np.asarray(updates) == 0.0)
    assert int(state.info.num_linesearch_steps) == 8 == int(theirs.info.num_linesearch_steps)
    assert np.isinf(float(state.info.decrease_error))
    assert "Every trial gave an inf or nan value" in capsys.readouterr().out


def test_max_learning_rate_caps_the_step_and_verbose_says_so(capsys):
    f = lambda x: ((x - 10.0) ** 2).sum()  # noqa: E731
    x = np.zeros(1)
    u = -fg.grad(f)(x) / 1000.0
    updates, state = _one_search(optim, f, x, u, max_linesearch_steps=10,
                                 max_learning_rate=3.0, verbose=True)
    assert float(state.learning_rate) == 3.0
    assert float(state.info.curvature_error) > 0.0 == float(state.info.decrease_error)
    assert "max_learning_rate was reached" in capsys.readouterr().out
    _one_search(optim, f, x, -fg.grad(f)(x), max_linesearch_steps=10, verbose=True)
    assert capsys.readouterr().out == ""  # a successful search prints nothing


def test_verbose_prints_under_jit(capsys):
    f = lambda x: fnp.where(x <= 0.0, -x, fnp.inf).sum()  # noqa: E731
    ls = optim.scale_by_zoom_linesearch(5, verbose=True)
    x = np.zeros(2)

    @fg.jit
    def search(x):
        v, g = fg.value_and_grad(f)(x)
        return ls.update(np.ones(2), ls.init(x), x, value=v, grad=g, value_fn=f)[0]

    search(x)
    search(x)
    assert capsys.readouterr().out.count("Every trial gave an inf or nan value") == 2


# --- Errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    (dict(max_linesearch_steps=0), ValueError, "max_linesearch_steps must be an int >= 1"),
    (dict(max_linesearch_steps=2.5), ValueError, "max_linesearch_steps must be an int"),
    (dict(max_linesearch_steps=True), ValueError, "max_linesearch_steps must be an int"),
    (dict(initial_guess_strategy="two"), ValueError, "initial_guess_strategy must be 'one'"),
    (dict(increase_factor=1.0), ValueError, "increase_factor must be > 1"),
    (dict(curv_rtol=1e-5), ValueError, r"curv_rtol must be > slope_rtol \(0.0001\)"),
    (dict(max_learning_rate=0.0), ValueError, "max_learning_rate must be > 0"),
    (dict(tol="small"), TypeError, "tol must be a real number, got 'small'"),
    (dict(approx_dec_rtol=-1.0), ValueError, "approx_dec_rtol must be >= 0"),
    (dict(verbose="yes"), TypeError, "verbose must be a bool"),
])
def test_bad_arguments_name_the_function_and_argument(kwargs, error, match):
    kwargs = {"max_linesearch_steps": 10, **kwargs}
    with pytest.raises(error, match="scale_by_zoom_linesearch: " + match):
        optim.scale_by_zoom_linesearch(**kwargs)


def test_update_errors_name_the_function_and_argument():
    ls = optim.scale_by_zoom_linesearch(5)
    x = {"w": np.ones(2)}
    with pytest.raises(TypeError, match=r"scale_by_zoom_linesearch: update\(\) needs params"):
        ls.update(x, ls.init(x), x, value=1.0, grad=x)
    f = lambda p, data: (p["w"] * data).sum()  # noqa: E731
    with pytest.raises(TypeError, match=r"scale_by_zoom_linesearch: the extra keyword "
                                        r"arguments \['batch'\] are not parameters"):
        ls.update(x, ls.init(x), x, value=1.0, grad=x, value_fn=f, batch=1)
    with pytest.raises(ValueError, match="scale_by_zoom_linesearch: .*updates"):
        ls.update({"v": np.ones(2)}, ls.init(x), x, value=1.0, grad=x, value_fn=f, data=1)
