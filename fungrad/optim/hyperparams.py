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
import warnings
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

import numpy as np

import fungrad.numpy as fnp
from fungrad.core import get_aval
from fungrad.optim.base import (
    GradientTransformation,
    GradientTransformationExtraArgs,
    Schedule,
    StatefulSchedule,
    with_extra_args_support,
)
from fungrad.optim.leafwise import increment
from fungrad.tree_util import tree_leaves

__all__ = ["inject_hyperparams", "inject_stateful_hyperparams", "InjectHyperparamsState",
           "InjectStatefulHyperparamsState", "WrappedSchedule"]


class InjectStatefulHyperparamsState(NamedTuple):
    """The state of an `inject_hyperparams` optimizer.

    Attributes:
      count: updates made so far (int32).
      hyperparams: ``{name: value}`` for every numeric and scheduled argument; the values
        the last update used (numeric ones may be set here between updates).
      hyperparams_states: ``{name: schedule state}`` for each scheduled argument (a
        `WrappedScheduleState` for a plain schedule).
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


class InjectHyperparamsState(NamedTuple):
    """optax's older state of `inject_hyperparams`, without schedule states (kept for code
    that names it; `inject_hyperparams` returns an `InjectStatefulHyperparamsState`).

    Example:
        >>> from fungrad import optim
        >>> optim.InjectHyperparamsState._fields
        ('count', 'hyperparams', 'inner_state')
    """

    count: Any
    hyperparams: Any
    inner_state: Any


class WrappedScheduleState(NamedTuple):
    """The state of a `WrappedSchedule`: the step count (int32)."""

    count: Any


class WrappedSchedule:
    """A plain schedule of the step count as a `StatefulSchedule` (its state is the count).

    Args:
      schedule_fn: ``count -> value``.

    Example:
        >>> from fungrad import optim
        >>> s = optim.WrappedSchedule(optim.linear_schedule(1.0, 0.0, 4))
        >>> state = s.update(s.init())
        >>> int(state.count), float(s(state))
        (1, 0.75)
    """

    def __init__(self, schedule_fn: Schedule):
        if not callable(schedule_fn):
            raise TypeError(f"WrappedSchedule: schedule_fn must be a function of the step "
                            f"count, got {type(schedule_fn).__name__} ({schedule_fn!r:.60}); "
                            "for a constant pass optim.constant_schedule(value).")
        self.schedule_fn = schedule_fn

    def init(self) -> WrappedScheduleState:
        """The count 0."""
        return WrappedScheduleState(count=fnp.zeros((), dtype=np.int32))

    def update(self, state: WrappedScheduleState, **extra_args: Any) -> WrappedScheduleState:
        """The count plus one (saturating)."""
        del extra_args
        return WrappedScheduleState(count=increment(state.count))

    def __call__(self, state: WrappedScheduleState, **extra_args: Any) -> Any:
        """``schedule_fn(state.count)``."""
        del extra_args
        return self.schedule_fn(state.count)


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
        elif isinstance(value, StatefulSchedule):
            scheduled[name] = value
        elif callable(value):
            scheduled[name] = WrappedSchedule(value)
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
        they are); all other callables are schedules: a `StatefulSchedule` as it is,
        a plain function of the step count as a `WrappedSchedule`.
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
            schedule_states = {k: f.init() for k, f in scheduled.items()}
            hparams.update({k: _as_hyperparam(f(schedule_states[k]), dtype)
                            for k, f in scheduled.items()})
            return InjectStatefulHyperparamsState(
                count=zero, hyperparams=hparams, hyperparams_states=schedule_states,
                inner_state=build(hparams).init(params),
            )

        def update(updates, state, params=None, **extra_args):
            dtype = _highest_float(params if params is not None else updates, hyperparam_dtype)
            hparams = {k: _as_hyperparam(v, dtype) for k, v in state.hyperparams.items()}
            hparams.update({
                k: _as_hyperparam(f(state.hyperparams_states[k], **extra_args), dtype)
                for k, f in scheduled.items()
            })
            updates, inner_state = build(hparams).update(
                updates, state.inner_state, params, **extra_args
            )
            return updates, InjectStatefulHyperparamsState(
                count=increment(state.count), hyperparams=hparams,
                hyperparams_states={k: f.update(state.hyperparams_states[k], **extra_args)
                                    for k, f in scheduled.items()},
                inner_state=inner_state,
            )

        return GradientTransformationExtraArgs(init, update)

    return wrapped


def inject_stateful_hyperparams(
    inner_factory: Callable[..., GradientTransformation],
    static_args: str | Iterable[str] = (),
    hyperparam_dtype: Any = None,
) -> Callable[..., GradientTransformationExtraArgs]:
    """`inject_hyperparams` under optax's deprecated name (it warns, as optax does).

    Args:
      inner_factory, static_args, hyperparam_dtype: as for `inject_hyperparams`.

    Returns:
      What ``inject_hyperparams(inner_factory, static_args, hyperparam_dtype)`` returns.

    Example:
        >>> import warnings
        >>> from fungrad import optim
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     factory = optim.inject_stateful_hyperparams(optim.sgd)
        >>> caught[0].category.__name__
        'DeprecationWarning'
        >>> factory(learning_rate=0.1).init({}).hyperparams['learning_rate'].tolist()
        0.1
    """
    warnings.warn("inject_stateful_hyperparams is deprecated, use inject_hyperparams "
                  "instead", DeprecationWarning, stacklevel=2)
    return inject_hyperparams(inner_factory, static_args, hyperparam_dtype)
