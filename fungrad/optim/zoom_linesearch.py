"""A zoom line search for the strong Wolfe conditions, as optax's `scale_by_zoom_linesearch`.

The search looks for a step size ``s`` along the update direction ``u`` from ``x`` with

- sufficient decrease: ``f(x + s u) <= f(x) + slope_rtol * s * <u, grad f(x)> + tol``, or,
  once the value is within ``approx_dec_rtol * |f(x)|`` of ``f(x)``, Hager and Zhang's
  approximate decrease ``<grad f(x + s u), u> <= (2 slope_rtol - 1) <grad f(x), u>``,
  which still works where rounding hides the decrease in values;
- small curvature: ``|<grad f(x + s u), u>| <= curv_rtol * |<grad f(x), u>| + tol``.

It runs in two phases (Nocedal and Wright, Numerical Optimization, Algorithms 3.5 and 3.6).
While no interval is known to hold a good step, the trial grows by `increase_factor` from
the initial guess; a trial that fails the decrease test, does not lower the value, or has
a non-negative slope closes an interval. Then each trial is the minimiser of a cubic
through the interval's ends and the previous end (kept only inside the middle 60% of the
interval), else of a quadratic (middle 80%), else the midpoint, and the interval shrinks
around the best end. Every trial costs one ``value_and_grad`` of the objective; its
slope is ``<grad, u>``. When no trial meets both conditions, the search falls back on
the best trial that decreased enough (or stays put when every value was inf or nan).

The whole search is one `lax.while_loop` over fixed-shape scalars and gradients, so it
runs eagerly and under `jit`.
"""

from __future__ import annotations

import inspect
import numbers
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

import fungrad.numpy as fnp
from fungrad import debug, lax
from fungrad.optim.base import GradientTransformationExtraArgs
from fungrad.optim.leafwise import astype_like, map_leaves, tree_select
from fungrad.transforms.api import value_and_grad
from fungrad.tree_util import tree_leaves, tree_map

__all__ = ["scale_by_zoom_linesearch", "ScaleByZoomLinesearchState", "ZoomLinesearchInfo"]

NAME = "scale_by_zoom_linesearch"


class ZoomLinesearchInfo(NamedTuple):
    """What the last search did: its number of trials, and the last trial's errors.

    A positive `decrease_error` means no trial decreased the objective enough (the step
    taken may raise it); a positive `curvature_error` alone is milder (for example a
    `max_learning_rate` too small for the curvature condition).

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> state = optim.scale_by_zoom_linesearch(15).init({'w': np.zeros(2)})
        >>> isinstance(state.info, optim.ZoomLinesearchInfo)
        True
        >>> state.info._fields
        ('num_linesearch_steps', 'decrease_error', 'curvature_error')
    """

    num_linesearch_steps: Any
    decrease_error: Any
    curvature_error: Any


class ScaleByZoomLinesearchState(NamedTuple):
    """The accepted step size, the objective's value and gradient there, and info.

    `value` and `grad` are what `value_and_grad_from_state` reuses at the next step.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> fun = lambda w: ((w - 1.0) ** 2).sum()
        >>> tx = optim.scale_by_zoom_linesearch(15, initial_guess_strategy="one")
        >>> w = np.zeros(2)
        >>> _, state = tx.update(np.ones(2), tx.init(w), w, value=fun(w), grad=-2 * (1 - w),
        ...                      value_fn=fun)
        >>> isinstance(state, optim.ScaleByZoomLinesearchState)
        True
        >>> float(state.learning_rate), float(state.value), state.grad.tolist()
        (1.0, 0.0, [0.0, 0.0])
    """

    learning_rate: Any
    value: Any
    grad: Any
    info: Any


class _Search(NamedTuple):
    """The loop carry: the last trial, the interval [low, high] (unordered), the fallback."""

    count: Any
    stepsize: Any
    value: Any
    grad: Any
    slope: Any
    decrease_error: Any
    curvature_error: Any
    bracketed: Any  # an interval holding a good step is known (the zoom phase)
    done: Any
    failed: Any
    low: Any  # the end with the lower value
    value_low: Any
    slope_low: Any
    high: Any
    value_high: Any
    slope_high: Any
    ref: Any  # the previous end, the cubic's third point
    value_ref: Any
    safe_stepsize: Any  # the best trial with sufficient decrease (0: none yet)
    safe_value: Any
    safe_grad: Any


def value_fn_kwargs(name: str, given: tuple, value_fn: Callable, extra_args: dict) -> dict:
    """A line search's checks of its update arguments: `given` (params, value, grad) and
    `value_fn` must be there; returns the `extra_args` for `value_fn` (a TypeError naming
    `name` for any it does not take)."""
    if value_fn is None or any(x is None for x in given):
        raise TypeError(
            f"{name}: update() needs params and the keyword arguments value=, grad= and "
            "value_fn= (the objective's value and gradient at params, and the objective)."
        )
    if not extra_args:
        return {}
    parameters = inspect.signature(value_fn).parameters
    takes_any = any(p.kind is p.VAR_KEYWORD for p in parameters.values())
    unused = [k for k in extra_args if not takes_any and k not in parameters]
    if unused:
        raise TypeError(
            f"{name}: the extra keyword arguments {sorted(unused)} are not parameters of "
            "value_fn; pass only what value_fn takes."
        )
    return extra_args


# --- Interpolation, guarded so that degenerate intervals give "no point" without warnings ---


def _guarded(denominator: Any) -> tuple[Any, Any]:
    """`denominator` with zeros (and non-finite values) replaced by 1, and whether it was ok."""
    ok = fnp.isfinite(denominator) & (denominator != 0.0)
    return fnp.where(ok, denominator, 1.0), ok


def _finite(*values: Any) -> Any:
    ok = fnp.isfinite(values[0])
    for v in values[1:]:
        ok = ok & fnp.isfinite(v)
    return ok


def _cubic_minimiser(a, fa, da, b, fb, c, fc) -> tuple[Any, Any]:
    """The local minimiser of the cubic with value `fa` and slope `da` at `a` through
    ``(b, fb)`` and ``(c, fc)``, and whether it exists."""
    ok = _finite(a, fa, da, b, fb, c, fc)
    a, fa, da, b, fb, c, fc = (fnp.where(ok, v, w) for v, w in zip(
        (a, fa, da, b, fb, c, fc), (0.0, 0.0, -1.0, 1.0, 0.0, 2.0, 0.0), strict=True))
    # p(x) = k3 (x - a)^3 + k2 (x - a)^2 + da (x - a) + fa; solve for k3, k2 from b and c.
    hb, hc = b - a, c - a
    rb, rc = fb - fa - da * hb, fc - fa - da * hc
    det, ok_det = _guarded(hb * hb * hc * hc * (hb - hc))
    k3 = (hc * hc * rb - hb * hb * rc) / det
    k2 = (hb * hb * hb * rc - hc * hc * hc * rb) / det
    radical = k2 * k2 - 3.0 * k3 * da
    lead, ok_lead = _guarded(3.0 * k3)
    ok = ok & ok_det & ok_lead & (radical >= 0.0)
    root = fnp.sqrt(fnp.where(ok, radical, 0.0))
    return a + (root - k2) / lead, ok


def _quadratic_minimiser(a, fa, da, b, fb) -> tuple[Any, Any]:
    """The critical point of the parabola with value `fa` and slope `da` at `a` through
    ``(b, fb)``, and whether it exists."""
    ok = _finite(a, fa, da, b, fb)
    a, fa, da, b, fb = (fnp.where(ok, v, w) for v, w in zip(
        (a, fa, da, b, fb), (0.0, 0.0, -1.0, 1.0, 0.0), strict=True))
    h = b - a
    h2, ok_h = _guarded(h * h)
    curvature, ok_curvature = _guarded(2.0 * (fb - fa - da * h) / h2)
    return a - da / curvature, ok & ok_h & ok_curvature


def _inside(x: Any, ok: Any, left: Any, right: Any, margin: Any) -> Any:
    return ok & (x > left + margin) & (x < right - margin)


# --- One search ----------------------------------------------------------------------------


class _Settings(NamedTuple):
    max_steps: int
    max_stepsize: Any
    tol: Any
    increase_factor: Any
    slope_rtol: Any
    curv_rtol: Any
    approx_dec_rtol: Any
    precision: Any


class _Line(NamedTuple):
    """What is fixed during one search: the start, the direction, and the objective."""

    params: Any
    updates: Any
    value0: Any
    slope0: Any
    guess: Any
    value_and_grad_fn: Callable
    dtype: np.dtype


def _slope(grad: Any, updates: Any) -> Any:
    """The derivative of ``s -> f(x + s u)``: the real part of ``<grad, u>``."""
    leaves = [fnp.sum(g * u) for g, u in zip(tree_leaves(grad), tree_leaves(updates),
                                              strict=True)]
    return fnp.real(sum(leaves[1:], leaves[0]) if leaves else fnp.asarray(0.0))


def _nan_to_inf(error: Any) -> Any:
    """Only violations count (negative errors are 0); nan is the worst violation."""
    return fnp.where(fnp.isnan(error), np.inf, fnp.maximum(error, 0.0))


def _errors(cfg: _Settings, line: _Line, t, value, slope) -> tuple[Any, Any]:
    """The decrease and curvature errors of the trial `t` (0 where a condition holds)."""
    decrease = value - line.value0 - cfg.slope_rtol * t * line.slope0
    if cfg.approx_dec_rtol is not None:
        # Hager and Zhang's approximate condition, trusted only near the start's value.
        approx = fnp.maximum(slope - (2.0 * cfg.slope_rtol - 1.0) * line.slope0,
                             value - line.value0 - cfg.approx_dec_rtol * fnp.abs(line.value0))
        decrease = fnp.minimum(approx, decrease)
    curvature = fnp.abs(slope) - cfg.curv_rtol * fnp.abs(line.slope0)
    return _nan_to_inf(decrease), _nan_to_inf(curvature)


def _next_trial(cfg: _Settings, line: _Line, c: _Search) -> tuple[Any, Any, Any]:
    """The next step size to try, whether it is capped at max_stepsize, and whether the
    interval is already below the precision."""
    grown = fnp.where(c.count == 0, line.guess, cfg.increase_factor * c.stepsize)
    capped = fnp.asarray(False)
    if cfg.max_stepsize is not None:
        capped = grown >= cfg.max_stepsize
        grown = fnp.minimum(grown, cfg.max_stepsize)
    width = fnp.abs(c.high - c.low)
    left = fnp.minimum(c.low, c.high)
    right = fnp.maximum(c.low, c.high)
    cubic, ok_cubic = _cubic_minimiser(c.low, c.value_low, c.slope_low, c.high, c.value_high,
                                       c.ref, c.value_ref)
    use_cubic = _inside(cubic, ok_cubic, left, right, 0.2 * width)
    quad, ok_quad = _quadratic_minimiser(c.low, c.value_low, c.slope_low, c.high, c.value_high)
    use_quad = _inside(quad, ok_quad, left, right, 0.1 * width)
    inner = fnp.where(use_cubic, cubic, fnp.where(use_quad, quad, 0.5 * (c.low + c.high)))
    trial = fnp.where(c.bracketed, inner, grown)
    return trial, capped & ~c.bracketed, c.bracketed & (width <= cfg.precision)


def _expand(c: _Search, t, value, slope, decrease, good, capped, tol) -> dict:
    """Algorithm 3.5's bookkeeping: does the trial `t` close an interval with the last?"""
    to_high = (decrease > 0.0) | ((value >= c.value) & (c.count > 0))
    to_low = (slope >= 0.0) & ~to_high
    new, prev = (t, value, slope), (c.stepsize, c.value, c.slope)
    low = [fnp.where(to_low, n, p) for n, p in zip(new, prev, strict=True)]
    high = [fnp.where(to_low, p, n) for n, p in zip(new, prev, strict=True)]
    bracketed = to_high | to_low | good
    return dict(low=low, high=high, ref=low[:2], bracketed=bracketed,
                done=good | (capped & ~bracketed), keep_safe=decrease <= tol)


def _shrink(c: _Search, t, value, slope, decrease, good, tol) -> dict:
    """Algorithm 3.6's bookkeeping: which end of the interval the trial `t` replaces."""
    to_high = (decrease > 0.0) | (value >= c.value_low)
    low_to_high = (slope * (c.high - c.low) >= 0.0) & ~to_high
    new, low, high = (t, value, slope), (c.low, c.value_low, c.slope_low), \
        (c.high, c.value_high, c.slope_high)
    new_high = [fnp.where(to_high, n, fnp.where(low_to_high, lo, h))
                for n, lo, h in zip(new, low, high, strict=True)]
    new_low = [fnp.where(to_high, lo, n) for n, lo in zip(new, low, strict=True)]
    moved_high = to_high | low_to_high
    ref = [fnp.where(moved_high, h, lo) for h, lo in zip(high[:2], low[:2], strict=True)]
    return dict(low=new_low, high=new_high, ref=ref, bracketed=c.bracketed, done=good,
                keep_safe=(decrease <= tol) & (value < c.safe_value))


def _step(cfg: _Settings, line: _Line, c: _Search) -> _Search:
    """One trial: choose the step, evaluate the objective there, update the interval."""
    t, capped, too_small = _next_trial(cfg, line, c)
    trial_params = tree_map(lambda p, u: astype_like(p + t * u, p), line.params, line.updates)
    value, grad = line.value_and_grad_fn(trial_params)
    value = fnp.asarray(fnp.real(value), dtype=line.dtype)
    grad = tree_map(astype_like, grad, line.updates)
    slope = fnp.asarray(_slope(grad, line.updates), dtype=line.dtype)
    decrease, curvature = _errors(cfg, line, t, value, slope)
    good = fnp.maximum(decrease, curvature) <= cfg.tol
    grow = _expand(c, t, value, slope, decrease, good, capped, cfg.tol)
    zoom = _shrink(c, t, value, slope, decrease, good, cfg.tol)
    pick = tree_select(c.bracketed, zoom, grow)
    keep_safe = pick.pop("keep_safe")
    safe = tree_select(keep_safe, (t, value, grad), (c.safe_stepsize, c.safe_value, c.safe_grad))
    out_of_steps = (c.count + 1 >= cfg.max_steps) | (too_small & (safe[0] > 0.0))
    as_dtype = lambda x: fnp.asarray(x, dtype=line.dtype)  # noqa: E731
    return _Search(
        count=c.count + 1, stepsize=as_dtype(t), value=value, grad=grad, slope=slope,
        decrease_error=as_dtype(decrease), curvature_error=as_dtype(curvature),
        bracketed=fnp.asarray(pick["bracketed"]), done=fnp.asarray(pick["done"]),
        failed=out_of_steps & ~pick["done"],
        low=as_dtype(pick["low"][0]), value_low=as_dtype(pick["low"][1]),
        slope_low=as_dtype(pick["low"][2]), high=as_dtype(pick["high"][0]),
        value_high=as_dtype(pick["high"][1]), slope_high=as_dtype(pick["high"][2]),
        ref=as_dtype(pick["ref"][0]), value_ref=as_dtype(pick["ref"][1]),
        safe_stepsize=as_dtype(safe[0]), safe_value=as_dtype(safe[1]), safe_grad=safe[2],
    )


def _start(line: _Line, grad: Any) -> _Search:
    zero = np.asarray(0.0, dtype=line.dtype)
    inf = np.asarray(np.inf, dtype=line.dtype)
    false = np.asarray(False)
    v, s = line.value0, line.slope0
    return _Search(
        count=np.asarray(0, dtype=np.int32), stepsize=zero, value=v, grad=grad, slope=s,
        decrease_error=inf, curvature_error=inf, bracketed=false, done=false, failed=false,
        low=zero, value_low=v, slope_low=s, high=zero, value_high=v, slope_high=s,
        ref=zero, value_ref=v, safe_stepsize=zero, safe_value=v, safe_grad=grad,
    )


def _fall_back(c: _Search) -> tuple[Any, Any, Any]:
    """The step, value and gradient to keep: the last trial when it met both conditions,
    else the best one with sufficient decrease, else (every value inf or nan) no step."""
    use_safe = c.failed & ((c.safe_stepsize > 0.0) | fnp.isinf(c.decrease_error))
    return tree_select(use_safe, (c.safe_stepsize, c.safe_value, c.safe_grad),
                       (c.stepsize, c.value, c.grad))


def _report(count, value0, slope0, stepsize, decrease, curvature, failed, safe, tol) -> None:
    """verbose=True: say why the search did not meet both conditions (called with values)."""
    if not failed and max(float(decrease), float(curvature)) <= tol:
        return
    lines = [f"{NAME}: after {int(count)} trials (value {float(value0):.6g}, slope "
             f"{float(slope0):.6g}) the last trial step {float(stepsize):.6g} has decrease "
             f"error {float(decrease):.3g} and curvature error {float(curvature):.3g}."]
    if not failed:
        lines.append("  max_learning_rate was reached before the curvature condition held; "
                     "the step is max_learning_rate.")
    elif float(slope0) >= 0.0:
        lines.append("  The update is not a descent direction (slope >= 0 at step 0).")
    elif float(safe) > 0.0:
        lines.append(f"  Taking step {float(safe):.6g}, which decreases the objective "
                     "enough but does not meet the curvature condition.")
    elif np.isinf(float(decrease)):
        lines.append("  Every trial gave an inf or nan value: no step is taken.")
    else:
        lines.append("  No trial decreased the objective enough: taking an unsafe step "
                     "(raise max_linesearch_steps, or check the objective's scaling).")
    print("\n".join(lines))


# --- The transformation ----------------------------------------------------------------------


def _real(arg: str, value: Any, *, low: float | None = None, strict: bool = False,
          optional: bool = False, low_name: str | None = None) -> None:
    """A TypeError/ValueError naming the argument unless `value` is a real number >= low."""
    if optional and value is None:
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{NAME}: {arg} must be a real number, got {value!r} "
                        f"({type(value).__name__}).")
    if np.isnan(value) or (low is not None and (value <= low if strict else value < low)):
        bound = f"{low_name} ({low})" if low_name else str(low)
        bound = f"> {bound}" if strict else f">= {bound}"
        raise ValueError(f"{NAME}: {arg} must be {bound}, got {value!r}.")


def _check_arguments(max_linesearch_steps, max_learning_rate, tol, increase_factor, slope_rtol,
                     curv_rtol, approx_dec_rtol, stepsize_precision, initial_guess_strategy,
                     verbose) -> None:
    steps = max_linesearch_steps
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or steps < 1:
        raise ValueError(f"{NAME}: max_linesearch_steps must be an int >= 1, got {steps!r}.")
    _real("max_learning_rate", max_learning_rate, low=0.0, strict=True, optional=True)
    _real("tol", tol, low=0.0)
    _real("increase_factor", increase_factor, low=1.0, strict=True)
    _real("slope_rtol", slope_rtol, low=0.0)
    _real("curv_rtol", curv_rtol, low=slope_rtol, strict=True, low_name="slope_rtol")
    _real("approx_dec_rtol", approx_dec_rtol, low=0.0, optional=True)
    _real("stepsize_precision", stepsize_precision, low=0.0)
    if initial_guess_strategy not in ("one", "keep"):
        raise ValueError(f"{NAME}: initial_guess_strategy must be 'one' or 'keep', got "
                         f"{initial_guess_strategy!r}.")
    if not isinstance(verbose, bool | np.bool_):
        raise TypeError(f"{NAME}: verbose must be a bool, got {verbose!r}.")


def scale_by_zoom_linesearch(  # noqa: PLR0913, PLR0917 (optax's signature)
    max_linesearch_steps: int,
    max_learning_rate: float | None = None,
    tol: float = 0.0,
    increase_factor: float = 2.0,
    slope_rtol: float = 1e-4,
    curv_rtol: float = 0.9,
    approx_dec_rtol: float | None = 1e-6,
    stepsize_precision: float = 1e-5,
    initial_guess_strategy: str = "keep",
    verbose: bool = False,
) -> GradientTransformationExtraArgs:
    """Scale the updates by a step size meeting the strong Wolfe conditions (a zoom search).

    See the module docstring for the conditions and the algorithm.

    Args:
      max_linesearch_steps: the most trials (each one ``value_and_grad`` of the objective).
      max_learning_rate: the largest step tried (None: unbounded). Too small a cap can
        make the curvature condition unreachable; the cap is then taken.
      tol: absolute slack in both conditions.
      increase_factor: the trial's growth per step while no interval is known (> 1).
      slope_rtol: the sufficient-decrease constant (Armijo's ``c1``).
      curv_rtol: the curvature constant (Wolfe's ``c2``, > slope_rtol; ``inf`` skips the
        curvature condition, leaving an interpolating backtracking search).
      approx_dec_rtol: how near the start's value (relative to ``|f(x)|``) the trial value
        must be for the approximate decrease condition to count (None: Armijo only).
      stepsize_precision: once the interval is narrower than this and some trial decreased
        the objective enough, that trial is taken.
      initial_guess_strategy: the first trial: ``"one"`` (suits quasi-Newton directions,
        e.g. `lbfgs`) or ``"keep"`` (the last accepted step, suits gradient descent).
      verbose: print why a search did not meet both conditions (also under `jit`).

    Returns:
      A `GradientTransformationExtraArgs` with a `ScaleByZoomLinesearchState`; call
      ``update(updates, state, params, value=f(params), grad=grad f(params), value_fn=f,
      **value_fn_kwargs)``. The keyword arguments `value_fn` takes are passed to it.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> import fungrad as fg
        >>> def fun(w, target):  # extra arguments reach value_fn as keywords
        ...     return ((w - target) ** 2).sum()
        >>> tx = optim.chain(optim.sgd(1.0), optim.scale_by_zoom_linesearch(15))
        >>> w, target = np.zeros(2), np.array([2.0, -1.0])
        >>> state = tx.init(w)
        >>> value, grad = fg.value_and_grad(fun)(w, target)
        >>> updates, state = tx.update(grad, state, w, value=value, grad=grad, value_fn=fun,
        ...                            target=target)
        >>> optim.apply_updates(w, updates).tolist()
        [2.0, -1.0]
        >>> float(state[1].learning_rate), int(state[1].info.num_linesearch_steps)
        (0.5, 2)
    """
    _check_arguments(max_linesearch_steps, max_learning_rate, tol, increase_factor, slope_rtol,
                     curv_rtol, approx_dec_rtol, stepsize_precision, initial_guess_strategy,
                     verbose)
    cfg = _Settings(int(max_linesearch_steps), max_learning_rate, tol, increase_factor,
                    slope_rtol, curv_rtol, approx_dec_rtol, stepsize_precision)

    def init(params):
        dtype = _value_dtype(params)
        inf = np.asarray(np.inf, dtype=dtype)
        return ScaleByZoomLinesearchState(
            learning_rate=np.asarray(1.0, dtype=dtype), value=inf,
            grad=map_leaves(NAME, fnp.zeros_like, ("params", params)),
            info=ZoomLinesearchInfo(np.asarray(0, dtype=np.int32), inf, inf),
        )

    def update(updates, state, params=None, *, value=None, grad=None, value_fn=None,
               **extra_args):
        kwargs = value_fn_kwargs(NAME, (params, value, grad), value_fn, extra_args)
        line = _line(cfg, params, updates, value, grad, value_fn, kwargs,
                     state.learning_rate if initial_guess_strategy == "keep" else 1.0)
        grad = map_leaves(NAME, astype_like, ("grad", grad), ("params", params))
        final = lax.while_loop(lambda c: ~(c.done | c.failed),
                               lambda c: _step(cfg, line, c), _start(line, grad))
        stepsize, new_value, new_grad = _fall_back(final)
        if verbose:
            debug.callback(_report, final.count, line.value0, line.slope0, final.stepsize,
                           final.decrease_error, final.curvature_error, final.failed,
                           final.safe_stepsize, tol)
        new_updates = tree_map(lambda u: astype_like(stepsize * u, u), updates)
        info = ZoomLinesearchInfo(final.count, final.decrease_error, final.curvature_error)
        return new_updates, ScaleByZoomLinesearchState(
            learning_rate=stepsize, value=new_value, grad=new_grad, info=info)

    return GradientTransformationExtraArgs(init, update)


def _value_dtype(params: Any) -> np.dtype:
    """The real dtype of the first leaf (float64 for integer leaves)."""
    leaves = tree_leaves(params)
    dtype = np.dtype(leaves[0].dtype) if leaves else np.dtype(np.float64)
    return np.finfo(dtype).dtype if dtype.kind in "fc" else np.dtype(np.float64)


def _line(cfg, params, updates, value, grad, value_fn, kwargs, guess) -> _Line:
    dtype = _value_dtype(params)
    map_leaves(NAME, lambda u, p: u, ("updates", updates), ("params", params))
    return _Line(
        params=params, updates=updates,
        value0=fnp.asarray(fnp.real(value), dtype=dtype),
        slope0=fnp.asarray(_slope(grad, updates), dtype=dtype),
        guess=fnp.asarray(guess, dtype=dtype),
        value_and_grad_fn=value_and_grad(lambda p: value_fn(p, **kwargs)), dtype=dtype,
    )
