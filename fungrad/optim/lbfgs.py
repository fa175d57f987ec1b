"""L-BFGS and a backtracking line search, as in optax.

`scale_by_lbfgs` preconditions the gradient with the two-loop recursion over the last
`memory_size` parameter and gradient differences. `scale_by_backtracking_linesearch`
shrinks the step until the Armijo sufficient-decrease condition holds; it needs the
objective: ``update(updates, state, params, value=v, grad=g, value_fn=f)``.
`value_and_grad_from_state` reuses the value and gradient that the line search stored.

Unlike optax, `lbfgs`'s default line search is this backtracking search (storing the
gradient), not optax's zoom (strong Wolfe) search, which fungrad does not have.

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

import inspect
import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

import fungrad.numpy as fnp
from fungrad.optim.base import (
    GradientTransformation,
    GradientTransformationExtraArgs,
    ScalarOrSchedule,
    chain,
    check_scalar_or_schedule,
    identity,
)
from fungrad.optim.clipping import global_norm
from fungrad.optim.leafwise import astype_like, concrete_bool, increment, map_leaves
from fungrad.optim.transforms import scale, scale_by_learning_rate
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
    """The L-BFGS two-loop recursion, oldest slot at `start`."""
    order = [(start + i) % memory_size for i in range(memory_size)]
    alphas = {}
    vec = updates
    for i in reversed(order):
        alphas[i] = rhos[i] * _vdot(_row(dp_memory, i), vec)
        vec = _add_scaled(vec, -alphas[i], _row(dg_memory, i))
    vec = tree_map(lambda v: astype_like(identity_scale * v, v), vec)
    for i in order:
        beta = rhos[i] * _vdot(_row(dg_memory, i), vec)
        vec = _add_scaled(vec, alphas[i] - beta, _row(dp_memory, i))
    return vec


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
        count = int(state.count)
        dp = map_leaves(name, fnp.subtract, ("params", params), ("state.params", state.params))
        dg = map_leaves(name, fnp.subtract, ("updates", updates), ("state.updates", state.updates))
        curvature = _vdot(dg, dp)
        weight = fnp.where(curvature == 0.0, 0.0, 1.0 / fnp.where(curvature == 0.0, 1.0, curvature))
        if count == 0:
            dp, dg = tree_map(fnp.zeros_like, dp), tree_map(fnp.zeros_like, dg)
            weight = fnp.zeros_like(weight)
        prev = (count - 1) % memory_size
        dp_memory = _set_row(state.diff_params_memory, prev, dp)
        dg_memory = _set_row(state.diff_updates_memory, prev, dg)
        rhos = _set_row(state.weights_memory, prev, weight)
        if scale_init_precond and count > 0:
            denominator = _vdot(dg, dg)
            identity_scale = fnp.where(denominator > 0.0, curvature / fnp.where(
                denominator > 0.0, denominator, 1.0), 1.0)
        elif scale_init_precond:
            identity_scale = fnp.minimum(1.0, 1.0 / global_norm(updates))
        else:
            identity_scale = 1.0
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


def _value_fn_kwargs(name: str, value_fn: Callable, extra_args: dict) -> dict:
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
        if value is None or grad is None or value_fn is None or params is None:
            raise TypeError(
                f"{name}: update() needs params and the keyword arguments value=, grad= and "
                "value_fn= (the objective's value and gradient at params, and the objective)."
            )
        kwargs = _value_fn_kwargs(name, value_fn, extra_args)
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


# A backtracking search that stores the gradient, so value_and_grad_from_state can reuse it.
_DEFAULT_LINESEARCH = scale_by_backtracking_linesearch(max_backtracking_steps=20, store_grad=True)


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
      linesearch: a line search transformation, or None for none. The default is a
        backtracking search storing the gradient (optax's default is a zoom search).

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
                "use a line search that stores them (scale_by_backtracking_linesearch("
                "..., store_grad=True))."
            )
        if concrete_bool(fnp.isfinite(value)):
            return value, grad
        return value_and_grad(value_fn)(params, *fn_args, **fn_kwargs)

    return value_and_grad_reusing
