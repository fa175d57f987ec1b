"""`inject_hyperparams`: an optimizer's numeric arguments kept in its state.

``opt = inject_hyperparams(adam)(learning_rate=1e-3)`` builds an optimizer whose
``state.hyperparams['learning_rate']`` holds the rate as an array: read it to log it, set
it (``state.hyperparams['learning_rate'] = ...``) to change it between steps, or pass a
schedule to have it recomputed every step. The inner optimizer is rebuilt from the
current values at every update, which is cheap since factories only build closures.

>>> import numpy as np, fungrad.optim as optim
>>> opt = optim.inject_hyperparams(optim.sgd)(learning_rate=0.1)
>>> state = opt.init({'w': np.ones(2)})
>>> state.hyperparams['learning_rate'] = np.asarray(0.5)
>>> updates, state = opt.update({'w': np.ones(2)}, state)
>>> updates['w'].tolist()
[-0.5, -0.5]
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

import numpy as np

import fungrad.numpy as fnp
from fungrad.core import get_aval
from fungrad.optim.base import (
    GradientTransformation,
    GradientTransformationExtraArgs,
    with_extra_args_support,
)
from fungrad.optim.leafwise import increment
from fungrad.tree_util import tree_leaves

__all__ = ["inject_hyperparams", "InjectHyperparamsState", "InjectStatefulHyperparamsState"]


class InjectStatefulHyperparamsState(NamedTuple):
    """The state of an `inject_hyperparams` optimizer.

    Attributes:
      count: updates made so far (int32).
      hyperparams: ``{name: value}`` for every numeric and scheduled argument; the values
        the last update used (numeric ones may be set here between updates).
      hyperparams_states: ``{name: count}`` for each scheduled argument.
      inner_state: the inner optimizer's state.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> opt = optim.inject_hyperparams(optim.sgd)(learning_rate=0.1)
        >>> state = opt.init({'w': np.zeros(2)})
        >>> isinstance(state, optim.InjectStatefulHyperparamsState)
        True
        >>> state._fields
        ('count', 'hyperparams', 'hyperparams_states', 'inner_state')
    """

    count: Any
    hyperparams: Any
    hyperparams_states: Any
    inner_state: Any


InjectHyperparamsState = InjectStatefulHyperparamsState


def _highest_float(params: Any, override: Any) -> np.dtype | None:
    if override is not None:
        return np.dtype(override)
    dtypes = [get_aval(x).dtype for x in tree_leaves(params)]
    floats = [d for d in dtypes if d.kind == "f"]
    return max(floats, key=lambda d: d.itemsize) if floats else None


def _as_hyperparam(value: Any, dtype: np.dtype | None) -> Any:
    """A numeric hyperparameter as a scalar array; floats in `dtype` (if given)."""
    out = fnp.asarray(value)
    if dtype is not None and np.dtype(get_aval(out).dtype).kind == "f":
        out = fnp.asarray(out, dtype=dtype)
    return out


def _split_arguments(inner_signature, static_args, args, kwargs):
    bound = inner_signature.bind(*args, **kwargs)
    bound.apply_defaults()
    scheduled, numeric, other = {}, {}, {}
    for name, value in bound.arguments.items():
        if name in static_args or isinstance(value, bool):
            other[name] = value
        elif callable(value):
            scheduled[name] = value
        elif isinstance(value, int | float | np.ndarray | np.generic) or hasattr(value, "aval"):
            numeric[name] = value
        else:
            other[name] = value
    return scheduled, numeric, other


def inject_hyperparams(
    inner_factory: Callable[..., GradientTransformation],
    static_args: str | Iterable[str] = (),
    hyperparam_dtype: Any = None,
) -> Callable[..., GradientTransformationExtraArgs]:
    """Wrap an optimizer factory so that its numeric arguments live in the state.

    Args:
      inner_factory: a function returning a `GradientTransformation` (``optim.adam``...).
      static_args: names of arguments that are callables but not schedules (kept as
        they are); all other callables are treated as schedules of the step count.
      hyperparam_dtype: the dtype of float hyperparameters (None: the params' widest
        float dtype).

    Returns:
      A factory with `inner_factory`'s arguments (schedules allowed for numeric ones)
      returning a `GradientTransformationExtraArgs` with an
      `InjectStatefulHyperparamsState`.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> opt = optim.inject_hyperparams(optim.sgd)(learning_rate=0.1)
        >>> params = {'w': np.array([1.0, -1.0])}
        >>> state = opt.init(params)
        >>> float(state.hyperparams['learning_rate'])
        0.1
        >>> state.hyperparams['learning_rate'] = 0.5
        >>> updates, state = opt.update({'w': np.array([0.5, -2.0])}, state, params)
        >>> np.round(updates['w'], 6).tolist()
        [-0.25, 1.0]
    """
    static_args = {static_args} if isinstance(static_args, str) else set(static_args)
    inner_signature = inspect.signature(inner_factory)
    unknown = static_args - set(inner_signature.parameters)
    if unknown:
        raise ValueError(
            f"inject_hyperparams: static_args {sorted(unknown)} are not parameters of "
            f"{getattr(inner_factory, '__name__', inner_factory)!s}; its parameters are "
            f"{list(inner_signature.parameters)}."
        )

    @functools.wraps(inner_factory)
    def wrapped(*args, **kwargs) -> GradientTransformationExtraArgs:
        scheduled, numeric, other = _split_arguments(inner_signature, static_args, args, kwargs)

        def build(hparams):
            return with_extra_args_support(inner_factory(**other, **hparams))

        def init(params):
            dtype = _highest_float(params, hyperparam_dtype)
            zero = fnp.zeros((), dtype=np.int32)
            hparams = {k: _as_hyperparam(v, dtype) for k, v in numeric.items()}
            hparams.update({k: _as_hyperparam(f(zero), dtype) for k, f in scheduled.items()})
            return InjectStatefulHyperparamsState(
                count=zero, hyperparams=hparams,
                hyperparams_states={k: zero for k in scheduled},
                inner_state=build(hparams).init(params),
            )

        def update(updates, state, params=None, **extra_args):
            dtype = _highest_float(params if params is not None else updates, hyperparam_dtype)
            hparams = {k: _as_hyperparam(v, dtype) for k, v in state.hyperparams.items()}
            hparams.update({
                k: _as_hyperparam(f(state.hyperparams_states[k]), dtype)
                for k, f in scheduled.items()
            })
            updates, inner_state = build(hparams).update(
                updates, state.inner_state, params, **extra_args
            )
            return updates, InjectStatefulHyperparamsState(
                count=increment(state.count), hyperparams=hparams,
                hyperparams_states={k: increment(c) for k, c in state.hyperparams_states.items()},
                inner_state=inner_state,
            )

        return GradientTransformationExtraArgs(init, update)

    return wrapped
