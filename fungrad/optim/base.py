"""The optimizer protocol: `GradientTransformation`, `chain`, `apply_updates`.

An optimizer is a pair of pure functions. ``init(params)`` returns a state (a NamedTuple of
arrays); ``update(updates, state, params=None)`` returns ``(new_updates, new_state)``.
Nothing is mutated, so the same state can be reused, saved, or differentiated through.
Building blocks are small transformations of the gradient pytree; optimizers are
``chain(...)`` of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, Protocol, runtime_checkable

import fungrad.numpy as fnp
from fungrad.core import get_aval
from fungrad.optim.leafwise import map_leaves, unquote_hint

__all__ = [
    "GradientTransformation",
    "GradientTransformationExtraArgs",
    "with_extra_args_support",
    "OptState",
    "Params",
    "Updates",
    "EmptyState",
    "init_empty_state",
    "check_state",
    "Schedule",
    "ScalarOrSchedule",
    "StatefulSchedule",
    "MaskOrFn",
    "TransformInitFn",
    "TransformUpdateFn",
    "TransformUpdateExtraArgsFn",
    "identity",
    "set_to_zero",
    "stateless",
    "stateless_with_tree_map",
    "chain",
    "apply_updates",
    "check_scalar_or_schedule",
]

PyTree = Any
OptState = Any
"""An optimizer state: a pytree (usually NamedTuples of arrays)."""
Params = Any
"""A parameter pytree."""
Updates = Any
"""A gradient or update pytree, of the parameters' structure."""
Schedule = Callable[[Any], Any]
"""A pure function of the step count (an int array) returning a scalar."""
ScalarOrSchedule = float | Schedule
MaskOrFn = Any | Callable[[Params], Any] | None
"""A mask argument (``masked``, ``adamw``'s ``mask``...): None, a pytree of bools shaped
like the parameters (or a prefix of them), or a function of the parameters returning one."""


@runtime_checkable
class StatefulSchedule(Protocol):
    """A schedule with a state of its own: ``init() -> state``,
    ``update(state, **extra_args) -> state`` and ``schedule(state, **extra_args) -> value``.

    `inject_hyperparams` takes one wherever it takes a schedule; a plain schedule is wrapped
    as a `WrappedSchedule`, whose state is the step count.

    Example:
        >>> from fungrad import optim
        >>> isinstance(optim.WrappedSchedule(optim.constant_schedule(0.1)),
        ...            optim.StatefulSchedule)
        True
    """

    def init(self) -> Any:
        """The schedule's initial state."""

    def update(self, state: Any, **extra_args: Any) -> Any:
        """The state after one more step."""

    def __call__(self, state: Any, **extra_args: Any) -> Any:
        """The schedule's value at `state`."""


class TransformInitFn(Protocol):
    """The type of a transformation's ``init``: ``init(params) -> state``.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> init: optim.TransformInitFn = optim.sgd(0.1).init
        >>> init({'w': np.ones(2)})
        (EmptyState(), EmptyState())
    """

    def __call__(self, params: Params) -> OptState:
        """The initial state of the transformation for parameters `params`."""


class TransformUpdateFn(Protocol):
    """The type of a transformation's ``update``:
    ``update(updates, state, params=None) -> (updates, state)``.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> update: optim.TransformUpdateFn = optim.scale(2.0).update
        >>> update({'w': np.ones(2)}, optim.EmptyState())[0]['w'].tolist()
        [2.0, 2.0]
    """

    def __call__(self, updates: Updates, state: OptState,
                 params: Params | None = None) -> tuple[Updates, OptState]:
        """The transformed updates and the new state."""


class TransformUpdateExtraArgsFn(Protocol):
    """The type of a `GradientTransformationExtraArgs`'s ``update``:
    ``update(updates, state, params=None, **extra_args) -> (updates, state)``.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> def update(updates, state, params=None, *, value, **extra_args):
        ...     return updates, state
        >>> fn: optim.TransformUpdateExtraArgsFn = update
        >>> fn({'w': np.ones(1)}, optim.EmptyState(), value=1.0)[0]['w'].tolist()
        [1.0]
    """

    def __call__(self, updates: Updates, state: OptState, params: Params | None = None,
                 **extra_args: Any) -> tuple[Updates, OptState]:
        """The transformed updates and the new state; `extra_args` such as ``value=``."""


class GradientTransformation(NamedTuple):
    """A pure optimizer building block: ``init(params) -> state`` and
    ``update(updates, state, params=None) -> (updates, state)``.

    >>> import numpy as np, fungrad.optim as optim
    >>> opt = optim.sgd(learning_rate=0.1)
    >>> params = {'w': np.ones(2)}
    >>> state = opt.init(params)
    >>> updates, state = opt.update({'w': np.full(2, 2.0)}, state, params)
    >>> optim.apply_updates(params, updates)['w']
    array([0.8, 0.8])
    """

    init: Callable[[PyTree], Any]
    update: Callable[..., tuple[PyTree, Any]]


def check_scalar_or_schedule(fn: str, arg: str, value: Any, *, optional: bool = False) -> None:
    """Raise a TypeError naming `fn` and `arg` unless `value` is a real scalar or a schedule.

    Args:
      fn: the optimizer or transformation being built (for the message).
      arg: the argument's name.
      value: a Python or NumPy real scalar, a 0-d array or tracer, or a callable.
      optional: whether None is allowed.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> optim.check_scalar_or_schedule('sgd', 'learning_rate', 0.1)
        >>> optim.check_scalar_or_schedule('sgd', 'learning_rate', lambda count: 0.1)
        >>> optim.check_scalar_or_schedule('sgd', 'learning_rate', 'fast')
        Traceback (most recent call last):
            ...
        TypeError: sgd: learning_rate must be a real scalar (a float) or a ...
    """
    if callable(value) or (optional and value is None):
        return
    if isinstance(value, bool):
        kind = "a bool"
    elif isinstance(value, int | float):
        return
    else:
        try:
            aval = get_aval(value)
        except TypeError:
            aval = None
        if aval is not None and aval.shape == () and aval.dtype.kind in "iuf":
            return
        kind = (f"an array of shape {aval.shape} and dtype {aval.dtype}" if aval is not None
                else f"a {type(value).__name__} ({value!r:.40})")
    raise TypeError(
        f"{fn}: {arg} must be a real scalar (a float) or a schedule (a function of the step "
        f"count such as optim.cosine_decay_schedule(...)), got {kind}{unquote_hint(value)}."
        + (" None is allowed too." if optional else "")
    )


class GradientTransformationExtraArgs(GradientTransformation):
    """A `GradientTransformation` whose ``update`` takes extra keyword arguments.

    ``update(updates, state, params=None, **extra_args)``: `chain` passes the extra
    arguments (say ``value=``, ``grad=``, ``value_fn=`` for a line search) to the members
    that are of this type and drops them for plain `GradientTransformation` members.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> tx = optim.with_extra_args_support(optim.sgd(0.1))
        >>> isinstance(tx, optim.GradientTransformationExtraArgs)
        True
        >>> params = {'w': np.ones(2)}
        >>> updates, _ = tx.update({'w': np.ones(2)}, tx.init(params), params, value=1.0)
        >>> np.round(updates['w'], 6).tolist()
        [-0.1, -0.1]
    """


def with_extra_args_support(tx: GradientTransformation) -> GradientTransformationExtraArgs:
    """`tx` as a `GradientTransformationExtraArgs` that ignores extra keyword arguments.

    Args:
      tx: a transformation (returned as it is when it already takes extra arguments).

    Returns:
      A `GradientTransformationExtraArgs`.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> tx = optim.with_extra_args_support(optim.scale(2.0))
        >>> params = {'w': np.ones(2)}
        >>> updates, _ = tx.update({'w': np.ones(2)}, tx.init(params), params, value=1.0)
        >>> updates['w'].tolist()
        [2.0, 2.0]
        >>> optim.with_extra_args_support(tx) is tx
        True
    """
    if isinstance(tx, GradientTransformationExtraArgs):
        return tx

    def update(updates, state, params=None, **extra_args):
        del extra_args
        return tx.update(updates, state, params)

    return GradientTransformationExtraArgs(tx.init, update)


class EmptyState(NamedTuple):
    """The state of a transformation that keeps none.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> optim.identity().init({'w': np.ones(2)})
        EmptyState()
    """


def check_state(transform: str, state: Any, state_type: type | tuple[type, ...]) -> None:
    """Raise unless ``state`` is the state ``transform`` keeps (not another optimizer's);
    ``state_type`` may be a tuple of the types its variants keep.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> optim.check_state('sgd', optim.TraceState(trace={}), optim.TraceState)
        >>> optim.check_state('sgd', optim.EmptyState(), optim.TraceState)
        Traceback (most recent call last):
            ...
        TypeError: sgd: got a state of type EmptyState (EmptyState()), but ...
    """
    types = state_type if isinstance(state_type, tuple) else (state_type,)
    if type(state) not in types:
        raise TypeError(
            f"{transform}: got a state of type {type(state).__name__} ({state!r:.80}), but "
            f"{transform} keeps a {' or '.join(t.__name__ for t in types)} state. It was "
            "made by another "
            "optimizer's or transformation's init (e.g. adam's state passed to sgd's update); "
            "make it with this optimizer's own init(params).")


def init_empty_state(params: PyTree) -> EmptyState:
    """The `init` of a transformation that keeps no state.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> optim.init_empty_state({'w': np.ones(2)})
        EmptyState()
    """
    del params
    return EmptyState()


def identity() -> GradientTransformation:
    """A transformation that returns the updates unchanged.

    Returns:
      A stateless `GradientTransformation`.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> grads = {'w': np.array([1.0, -2.0])}
        >>> optim.identity().update(grads, optim.EmptyState())[0]['w']
        array([ 1., -2.])
    """

    def update(updates, state, params=None):
        check_state("identity", state, EmptyState)
        del params
        return updates, state

    return GradientTransformation(init_empty_state, update)


def set_to_zero() -> GradientTransformation:
    """A transformation that replaces every update by zeros (freezes parameters).

    Returns:
      A stateless `GradientTransformation`; combine with `masked` to freeze a subset.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> grads = {'w': np.array([1.0, -2.0])}
        >>> optim.set_to_zero().update(grads, optim.EmptyState())[0]['w']
        Array([0., 0.])
    """

    def update(updates, state, params=None):
        check_state("set_to_zero", state, EmptyState)
        del params
        return map_leaves("set_to_zero", fnp.zeros_like, ("updates", updates)), state

    return GradientTransformation(init_empty_state, update)


def stateless(f: Callable[[PyTree, PyTree | None], PyTree]) -> GradientTransformation:
    """A stateless transformation from a function of the whole update pytree.

    Args:
      f: ``f(updates, params) -> new_updates``; `params` may be None.

    Returns:
      A `GradientTransformation` with an `EmptyState`.

    >>> import numpy as np
    >>> halve = stateless(lambda u, p: {k: v / 2 for k, v in u.items()})
    >>> halve.update({'w': np.ones(2)}, halve.init(None))[0]['w']
    array([0.5, 0.5])
    """

    def update(updates, state, params=None):
        check_state("stateless", state, EmptyState)
        return f(updates, params), state

    return GradientTransformation(init_empty_state, update)


def stateless_with_tree_map(f: Callable[[Any, Any], Any]) -> GradientTransformation:
    """A stateless transformation applying ``f(update, param)`` leafwise.

    Args:
      f: called on each update leaf and its param leaf (None when no params are passed).

    Returns:
      A `GradientTransformation` with an `EmptyState`.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> params = {'w': np.array([1.0, 1.0])}
        >>> grads = {'w': np.array([1.0, -2.0])}
        >>> t = optim.stateless_with_tree_map(lambda g, p: g + 0.1 * p)
        >>> t.update(grads, t.init(params), params)[0]['w']
        array([ 1.1, -1.9])
    """

    def update(updates, state, params=None):
        check_state("stateless_with_tree_map", state, EmptyState)
        if params is None:
            new = map_leaves("stateless_with_tree_map", lambda u: f(u, None), ("updates", updates))
        else:
            new = map_leaves(
                "stateless_with_tree_map", f, ("updates", updates), ("params", params)
            )
        return new, state

    return GradientTransformation(init_empty_state, update)


def chain(*args: GradientTransformation) -> GradientTransformationExtraArgs:
    """Apply transformations one after another; the state is a tuple of their states.

    Args:
      *args: objects with ``init`` and ``update`` (GradientTransformation, MultiSteps).

    Returns:
      A `GradientTransformationExtraArgs` whose update feeds each transform's output to
      the next; extra keyword arguments go to the members that accept them.

    >>> import fungrad.optim as optim
    >>> opt = optim.chain(optim.clip_by_global_norm(1.0), optim.scale_by_adam(),
    ...                   optim.scale_by_learning_rate(1e-3))
    """
    transforms = args
    for i, t in enumerate(transforms):
        if not (callable(getattr(t, "init", None)) and callable(getattr(t, "update", None))):
            raise TypeError(
                f"chain: argument {i} is a {type(t).__name__}, not a GradientTransformation "
                "(an object with init and update). Call the factory, e.g. optim.scale(0.1)."
            )

    def init(params):
        return tuple(t.init(params) for t in transforms)

    def update(updates, state, params=None, **extra_args):
        if not isinstance(state, tuple) or len(state) != len(transforms):
            got = f"a tuple of {len(state)}" if isinstance(state, tuple) else type(state).__name__
            raise ValueError(
                f"chain: the state must be a tuple of {len(transforms)} states, one per "
                f"transform, but got {got}. Make it with this chain's init(params)."
            )
        new_states = []
        for t, s in zip(transforms, state, strict=True):
            if isinstance(t, GradientTransformationExtraArgs):
                updates, new_s = t.update(updates, s, params, **extra_args)
            else:
                updates, new_s = t.update(updates, s, params)
            new_states.append(new_s)
        return updates, tuple(new_states)

    return GradientTransformationExtraArgs(init, update)


def _apply_leaf(p, u):
    out = fnp.add(p, u)
    dtype = get_aval(p).dtype
    # Mixed precision (float32 params, float64 updates) must not change the params' dtype.
    return out if get_aval(out).dtype == dtype else fnp.asarray(out, dtype=dtype)


def apply_updates(params: PyTree, updates: PyTree) -> PyTree:
    """``params + updates`` leafwise, keeping each parameter's dtype.

    Args:
      params: the parameter pytree.
      updates: a pytree of the same structure and shapes (the output of ``update``).

    Returns:
      The new parameters; inputs are not modified.

    >>> import numpy as np
    >>> new = apply_updates({'w': np.ones(2, np.float32)}, {'w': np.full(2, -0.5)})
    >>> new['w'].dtype, new['w'].tolist()
    (dtype('float32'), [0.5, 0.5])
    """
    return map_leaves("apply_updates", _apply_leaf, ("params", params), ("updates", updates))
