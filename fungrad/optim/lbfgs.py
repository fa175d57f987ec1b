"""L-BFGS and a backtracking line search, as in optax.

`scale_by_lbfgs` preconditions the gradient with the two-loop recursion over the last
`memory_size` parameter and gradient differences. `scale_by_backtracking_linesearch`
shrinks the step until the Armijo sufficient-decrease condition holds; it needs the
objective: ``update(updates, state, params, value=v, grad=g, value_fn=f)``.
`value_and_grad_from_state` reuses the value and gradient that the line search stored.

`lbfgs`'s default line search is optax's: the zoom (strong Wolfe) search of
`fungrad.optim.zoom_linesearch`, with 20 trials and a first trial step of 1.

>>> import numpy as np, fungrad.optim as optim
>>> f = lambda p: ((p - 3.0) ** 2).sum()
>>> opt = optim.lbfgs()
>>> params = np.zeros(2)
>>> state = opt.init(params)
>>> vg = optim.value_and_grad_from_state(f)
>>> for _ in range(5):
...     value, grad = vg(params, state=state)
...     updates, state = opt.update(grad, state, params, value=value, grad=grad, value_fn=f)
...     params = optim.apply_updates(params, updates)
>>> np.round(params, 6).tolist()
[3.0, 3.0]
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

import fungrad.numpy as fnp
from fungrad import lax
from fungrad.optim.base import (
    GradientTransformation,
    GradientTransformationExtraArgs,
    ScalarOrSchedule,
    chain,
    check_scalar_or_schedule,
    identity,
)
from fungrad.optim.clipping import global_norm
from fungrad.optim.leafwise import (
    astype_like,
    concrete_bool,
    increment,
    map_leaves,
    step_number,
    tree_select,
)
from fungrad.optim.transforms import scale, scale_by_learning_rate
from fungrad.optim.zoom_linesearch import scale_by_zoom_linesearch, value_fn_kwargs
from fungrad.transforms.api import value_and_grad
from fungrad.tree_util import tree_leaves, tree_map

__all__ = [
    "scale_by_lbfgs",
    "ScaleByLBFGSState",
    "lbfgs",
    "scale_by_backtracking_linesearch",
    "ScaleByBacktrackingLinesearchState",
    "BacktrackingLinesearchInfo",
    "value_and_grad_from_state",
]


def _vdot(a: Any, b: Any) -> Any:
    total = 0.0
    for x, y in zip(tree_leaves(a), tree_leaves(b), strict=True):
        total = total + fnp.vdot(x, y)
    return fnp.asarray(total)


def _add_scaled(x: Any, s: Any, y: Any) -> Any:
    """``x + s * y`` leafwise, in `x`'s dtypes."""
    return tree_map(lambda a, b: astype_like(a + s * b, a), x, y)


# --- scale_by_lbfgs ----------------------------------------------------------------------------


class ScaleByLBFGSState(NamedTuple):
    """L-BFGS memory.

    Attributes:
      count: updates made so far (int32).
      params, updates: the previous step's params and gradient.
      diff_params_memory, diff_updates_memory: per leaf, the last `memory_size`
        differences stacked on a leading axis (a ring buffer).
      weights_memory: ``1 / <dp, dg>`` for each stored pair (0 for an empty slot).

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> state = optim.scale_by_lbfgs().init({'w': np.zeros(2)})
        >>> isinstance(state, optim.ScaleByLBFGSState)
        True
        >>> state._fields
        ('count', 'params', 'updates', 'diff_params_memory', 'diff_updates_memory',
         'weights_memory')
    """

    count: Any
    params: Any
    updates: Any
    diff_params_memory: Any
    diff_updates_memory: Any
    weights_memory: Any


def _set_row(memory: Any, row: int, value: Any) -> Any:
    """`memory` with ``memory[row] = value``, leafwise, without mutating it."""

    def put(m, v):
        hit = fnp.reshape(fnp.equal(fnp.arange(m.shape[0]), row), (-1,) + (1,) * (m.ndim - 1))
        return astype_like(fnp.where(hit, fnp.expand_dims(v, 0), m), m)

    return tree_map(put, memory, value)


def _row(memory: Any, row: int) -> Any:
    return tree_map(lambda m: m[row], memory)


def _two_loop(updates, dp_memory, dg_memory, rhos, identity_scale, start, memory_size):
    """The L-BFGS two-loop recursion, oldest slot at `start` (an int, or traced under jit)."""
    slots = [(start + k) % memory_size for k in range(memory_size)]  # oldest first
    alphas = [None] * memory_size
    vec = updates
    for k in reversed(range(memory_size)):
        alphas[k] = rhos[slots[k]] * _vdot(_row(dp_memory, slots[k]), vec)
        vec = _add_scaled(vec, -alphas[k], _row(dg_memory, slots[k]))
    vec = tree_map(lambda v: astype_like(identity_scale * v, v), vec)
    for k in range(memory_size):
        beta = rhos[slots[k]] * _vdot(_row(dg_memory, slots[k]), vec)
        vec = _add_scaled(vec, alphas[k] - beta, _row(dp_memory, slots[k]))
    return vec


def _identity_scale(count, curvature, dg, updates):
    """The initial inverse Hessian's scale: ``<dp, dg> / <dg, dg>``, and at the first
    step ``min(1, 1 / ||g||)``. A traced count (under jit) computes both and selects."""

    def later():
        denominator = _vdot(dg, dg)
        return fnp.where(denominator > 0.0, curvature / fnp.where(
            denominator > 0.0, denominator, 1.0), 1.0)

    def first():
        norm = global_norm(updates)
        return fnp.where(norm > 0.0, fnp.minimum(1.0, 1.0 / fnp.where(norm > 0.0, norm, 1.0)),
                         1.0)

    known = concrete_bool(count > 0)
    if known is not None:
        return later() if known else first()
    return fnp.where(count > 0, later(), first())


def scale_by_lbfgs(
    memory_size: int = 10, scale_init_precond: bool = True
) -> GradientTransformation:
    """Precondition the updates by the L-BFGS inverse-Hessian estimate.

    Args:
      memory_size: how many past (params, gradient) differences to keep (>= 1).
      scale_init_precond: scale the initial inverse Hessian by ``<dp, dg> / <dg, dg>``
        (and the first step by ``min(1, 1 / ||g||)``), as Nocedal & Wright suggest.

    Returns:
      A `GradientTransformation` with a `ScaleByLBFGSState`; ``update`` needs `params`.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> tx = optim.scale_by_lbfgs()
        >>> params = {'w': np.array([1.0, -1.0])}
        >>> state = tx.init(params)
        >>> updates, state = tx.update({'w': np.array([0.5, -2.0])}, state, params)
        >>> updates, state = tx.update({'w': np.array([0.5, -2.0])}, state, params)
        >>> np.round(updates['w'], 6).tolist()
        [0.5, -2.0]
    """
    if not isinstance(memory_size, int) or memory_size < 1:
        raise ValueError(
            f"scale_by_lbfgs: memory_size must be an int >= 1, got {memory_size!r}."
        )
    name = "scale_by_lbfgs"

    def init(params):
        stacked = map_leaves(
            name, lambda p: fnp.zeros((memory_size,) + tuple(p.shape), dtype=p.dtype),
            ("params", params),
        )
        zeros = map_leaves(name, fnp.zeros_like, ("params", params))
        return ScaleByLBFGSState(
            count=fnp.zeros((), dtype=np.int32), params=zeros, updates=zeros,
            diff_params_memory=stacked, diff_updates_memory=stacked,
            weights_memory=fnp.zeros(memory_size),
        )

    def update(updates, state, params=None):
        if params is None:
            raise ValueError(f"{name}: update() needs the current parameters: call "
                             "update(updates, state, params).")
        count = step_number(state.count)
        dp = map_leaves(name, fnp.subtract, ("params", params), ("state.params", state.params))
        dg = map_leaves(name, fnp.subtract, ("updates", updates), ("state.updates", state.updates))
        curvature = _vdot(dg, dp)
        weight = fnp.where(curvature == 0.0, 0.0, 1.0 / fnp.where(curvature == 0.0, 1.0, curvature))
        # The first step has no previous point: store an empty pair.
        dp, dg, weight = tree_select(count == 0, tree_map(fnp.zeros_like, (dp, dg, weight)),
                                     (dp, dg, weight))
        prev = (count - 1) % memory_size
        dp_memory = _set_row(state.diff_params_memory, prev, dp)
        dg_memory = _set_row(state.diff_updates_memory, prev, dg)
        rhos = _set_row(state.weights_memory, prev, weight)
        identity_scale = (_identity_scale(count, curvature, dg, updates) if scale_init_precond
                          else 1.0)
        new = _two_loop(updates, dp_memory, dg_memory, rhos, identity_scale,
                        count % memory_size, memory_size)
        return new, ScaleByLBFGSState(
            count=increment(state.count), params=params, updates=updates,
            diff_params_memory=dp_memory, diff_updates_memory=dg_memory, weights_memory=rhos,
        )

    return GradientTransformation(init, update)


# --- Backtracking line search -----------------------------------------------------------------


class BacktrackingLinesearchInfo(NamedTuple):
    """What the last search did: its number of trials and its final decrease error.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> state = optim.scale_by_backtracking_linesearch(15).init({'w': np.zeros(2)})
        >>> isinstance(state.info, optim.BacktrackingLinesearchInfo)
        True
        >>> state.info._fields
        ('num_linesearch_steps', 'decrease_error')
    """

    num_linesearch_steps: Any
    decrease_error: Any


class ScaleByBacktrackingLinesearchState(NamedTuple):
    """The accepted step size, the objective's value (and gradient) there, and info.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> state = optim.scale_by_backtracking_linesearch(15).init({'w': np.zeros(2)})
        >>> isinstance(state, optim.ScaleByBacktrackingLinesearchState)
        True
        >>> state._fields
        ('learning_rate', 'value', 'grad', 'info')
    """

    learning_rate: Any
    value: Any
    grad: Any
    info: Any


def scale_by_backtracking_linesearch(  # noqa: PLR0913, PLR0917 (optax's signature)
    max_backtracking_steps: int,
    slope_rtol: float = 1e-4,
    decrease_factor: float = 0.8,
    increase_factor: float = 1.5,
    max_learning_rate: float = 1.0,
    atol: float = 0.0,
    rtol: float = 0.0,
    store_grad: bool = False,
    verbose: bool = False,
) -> GradientTransformationExtraArgs:
    """Scale the updates by the largest tried step that decreases the objective enough.

    Starting from ``min(increase_factor * last_step, max_learning_rate)``, the step is
    multiplied by `decrease_factor` until ``f(x + s u) <= (1 + rtol) f(x) + s *
    slope_rtol * <u, grad> + atol`` (at most `max_backtracking_steps` times). A search
    that only finds non-finite values returns a zero step.

    Args:
      max_backtracking_steps: the most step reductions.
      slope_rtol: the Armijo constant.
      decrease_factor: the step's reduction per trial.
      increase_factor: the first trial's growth over the last accepted step.
      max_learning_rate: the largest step tried.
      atol, rtol: absolute and relative slack in the decrease condition.
      store_grad: also compute and store the gradient at the accepted point (for
        `value_and_grad_from_state`).
      verbose: print a line when the search fails.

    Returns:
      A `GradientTransformationExtraArgs`; ``update(updates, state, params, *, value,
      grad, value_fn, **value_fn_kwargs)``. Runs eagerly (the trials are a Python loop).

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> fun = lambda p: ((p['w'] - 2.0) ** 2).sum()
        >>> tx = optim.scale_by_backtracking_linesearch(max_backtracking_steps=15)
        >>> params = {'w': np.zeros(2)}
        >>> state = tx.init(params)
        >>> updates, grad = {'w': np.array([4.0, 4.0])}, {'w': np.array([-4.0, -4.0])}
        >>> updates, state = tx.update(updates, state, params, value=fun(params), grad=grad,
        ...                            value_fn=fun)
        >>> np.round(updates['w'], 6).tolist()
        [3.2, 3.2]
        >>> float(state.learning_rate)
        0.8
    """
    name = "scale_by_backtracking_linesearch"

    def init(params):
        dtype = np.dtype(tree_leaves(params)[0].dtype)
        dtype = np.finfo(dtype).dtype if dtype.kind in "fc" else np.dtype(np.float64)
        return ScaleByBacktrackingLinesearchState(
            learning_rate=np.asarray(1.0, dtype=dtype), value=np.asarray(np.inf, dtype=dtype),
            grad=map_leaves(name, fnp.zeros_like, ("params", params)) if store_grad else None,
            info=BacktrackingLinesearchInfo(np.asarray(0), np.asarray(np.inf, dtype=dtype)),
        )

    def decrease_error(step, slope, value, new_value):
        err = float(new_value) - (1.0 + rtol) * float(value) - step * slope_rtol * float(slope)
        return math.inf if math.isnan(err) else max(err, 0.0)

    def update(updates, state, params=None, *, value=None, grad=None, value_fn=None,
               **extra_args):
        kwargs = value_fn_kwargs(name, (params, value, grad), value_fn, extra_args)
        slope = _vdot(updates, grad)
        step = min(increase_factor * float(state.learning_rate), max_learning_rate)
        error, new_value, new_grad, trials = math.inf, value, state.grad, 0
        while not error <= atol and trials <= max_backtracking_steps:
            if trials > 0:
                step *= decrease_factor
            trial = _add_scaled(params, step, updates)
            if store_grad:
                new_value, trial_grad = value_and_grad(lambda p: value_fn(p, **kwargs))(trial)
            else:
                new_value = value_fn(trial, **kwargs)
            error = decrease_error(step, slope, value, new_value)
            if store_grad and (error <= atol or trials == max_backtracking_steps):
                new_grad = trial_grad
            trials += 1
        if verbose and error > atol:
            print(f"{name}: no step size gave sufficient decrease (value {float(value)}, "
                  f"slope {float(slope)}, last step {step}, decrease error {error}).")
        accepted = 0.0 if math.isinf(error) else step
        dtype = state.learning_rate.dtype
        new_updates = tree_map(lambda u: astype_like(accepted * u, u), updates)
        info = BacktrackingLinesearchInfo(np.asarray(trials), np.asarray(error, dtype=dtype))
        return new_updates, ScaleByBacktrackingLinesearchState(
            learning_rate=np.asarray(accepted, dtype=dtype),
            value=np.asarray(new_value, dtype=dtype), grad=new_grad if store_grad else None,
            info=info,
        )

    return GradientTransformationExtraArgs(init, update)


# --- lbfgs and the value/grad reuse --------------------------------------------------------------


# optax's default: a zoom search whose first trial is the full quasi-Newton step.
_DEFAULT_LINESEARCH = scale_by_zoom_linesearch(max_linesearch_steps=20,
                                               initial_guess_strategy="one")


def lbfgs(
    learning_rate: ScalarOrSchedule | None = None,
    memory_size: int = 10,
    scale_init_precond: bool = True,
    linesearch: GradientTransformation | None = _DEFAULT_LINESEARCH,
) -> GradientTransformationExtraArgs:
    """L-BFGS: `scale_by_lbfgs`, a descent sign (or learning rate), then a line search.

    Args:
      learning_rate: a scale for the preconditioned step (None: 1).
      memory_size, scale_init_precond: as in `scale_by_lbfgs`.
      linesearch: a line search transformation, or None for none. The default, as in
        optax, is ``scale_by_zoom_linesearch(max_linesearch_steps=20,
        initial_guess_strategy="one")``.

    Returns:
      A `GradientTransformationExtraArgs`; with a line search, call ``update(grad, state,
      params, value=..., grad=..., value_fn=...)``.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> opt = optim.lbfgs()
        >>> fun = lambda p: ((p['w'] - 2.0) ** 2).sum()
        >>> vg = optim.value_and_grad_from_state(fun)
        >>> params = {'w': np.zeros(2)}
        >>> state = opt.init(params)
        >>> for _ in range(3):
        ...     v, g = vg(params, state=state)
        ...     updates, state = opt.update(g, state, params, value=v, grad=g, value_fn=fun)
        ...     params = optim.apply_updates(params, updates)
        ...
        >>> np.round(params['w'], 6).tolist()
        [2.0, 2.0]
    """
    check_scalar_or_schedule("lbfgs", "learning_rate", learning_rate, optional=True)
    return chain(
        scale_by_lbfgs(memory_size=memory_size, scale_init_precond=scale_init_precond),
        scale(-1.0) if learning_rate is None else scale_by_learning_rate(learning_rate),
        identity() if linesearch is None else linesearch,
    )


def _find_field(tree: Any, field: str) -> tuple[bool, Any]:
    """The first NamedTuple field called `field` in a nested state, depth first."""
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):
        if field in tree._fields:
            return True, getattr(tree, field)
        children = list(tree)
    elif isinstance(tree, tuple | list):
        children = list(tree)
    elif isinstance(tree, dict):
        children = list(tree.values())
    else:
        return False, None
    for child in children:
        found, value = _find_field(child, field)
        if found:
            return True, value
    return False, None


def value_and_grad_from_state(value_fn: Callable[..., Any]) -> Callable[..., tuple[Any, Any]]:
    """``value_and_grad(value_fn)`` that reuses the value and gradient stored in a state.

    Args:
      value_fn: the objective, ``value_fn(params, *args, **kwargs)``.

    Returns:
      ``f(params, *args, state, **kwargs) -> (value, grad)``: the line search's stored
      value and gradient when they are finite (the line search computed them at these
      params), else computed afresh.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> opt = optim.lbfgs()
        >>> fun = lambda p: ((p['w'] - 2.0) ** 2).sum()
        >>> vg = optim.value_and_grad_from_state(fun)
        >>> params = {'w': np.zeros(2)}
        >>> state = opt.init(params)
        >>> for _ in range(3):
        ...     v, g = vg(params, state=state)
        ...     updates, state = opt.update(g, state, params, value=v, grad=g, value_fn=fun)
        ...     params = optim.apply_updates(params, updates)
        ...
        >>> np.round(params['w'], 6).tolist()
        [2.0, 2.0]
    """
    def value_and_grad_reusing(params, *fn_args, state, **fn_kwargs):
        has_value, value = _find_field(state, "value")
        has_grad, grad = _find_field(state, "grad")
        if not has_value or not has_grad or value is None or grad is None:
            raise ValueError(
                "value_and_grad_from_state: the state holds no stored value and gradient; "
                "use a line search that stores them (scale_by_zoom_linesearch, or "
                "scale_by_backtracking_linesearch(..., store_grad=True))."
            )
        finite = fnp.isfinite(value)
        known = concrete_bool(finite)
        if known is not None:
            return (value, grad) if known else value_and_grad(value_fn)(
                params, *fn_args, **fn_kwargs)

        def recompute():  # traced (under jit): the choice is made when the program runs
            v, g = value_and_grad(value_fn)(params, *fn_args, **fn_kwargs)
            return astype_like(v, value), tree_map(astype_like, g, grad)

        return lax.cond(finite, lambda: (value, grad), recompute)

    return value_and_grad_reusing
