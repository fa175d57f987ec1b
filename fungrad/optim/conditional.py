"""Transformations applied only at some steps, or to some updates (as optax's).

`conditionally_transform` and `conditionally_mask` run an inner transformation when
``should_transform_fn(step)`` holds (passing the updates through, or zeroing them,
otherwise); `skip_large_updates` is a `MultiSteps` skip rule. A known condition runs one
branch; a traced one (under jit or vmap) runs both and selects, as ``lax.cond`` would.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any, NamedTuple, Protocol

import numpy as np

import fungrad.numpy as fnp
from fungrad.optim.base import (
    GradientTransformation,
    GradientTransformationExtraArgs,
    check_state,
    with_extra_args_support,
)
from fungrad.optim.leafwise import concrete_bool, increment, tree_select
from fungrad.tree_util import tree_leaves, tree_map

__all__ = [
    "ConditionFn",
    "conditionally_transform",
    "ConditionallyTransformState",
    "conditionally_mask",
    "ConditionallyMaskState",
    "skip_large_updates",
    "named_chain",
]


class ConditionFn(Protocol):
    """The type of a condition of `conditionally_transform` / `conditionally_mask`:
    ``f(step, **extra_args) -> bool scalar`` (whether the inner transformation runs).

    Example:
        >>> from fungrad import optim
        >>> every_other: optim.ConditionFn = lambda step, **extra_args: step % 2 == 0
        >>> every_other(4)
        True
    """

    def __call__(self, step: Any, **extra_args: Any) -> Any:
        """Whether to run the inner transformation at `step` (an int32 counter)."""


class ConditionallyTransformState(NamedTuple):
    """The inner transformation's state and the number of steps taken (int32).

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> t = optim.conditionally_transform(optim.sgd(0.1), lambda step: step > 0)
        >>> t.init({'w': np.zeros(2)})._fields
        ('inner_state', 'step')
    """

    inner_state: Any
    step: Any


class ConditionallyMaskState(NamedTuple):
    """The number of steps taken (int32) and the inner transformation's state.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> t = optim.conditionally_mask(optim.sgd(0.1), lambda step: step > 0)
        >>> t.init({'w': np.zeros(2)})._fields
        ('step', 'inner_state')
    """

    step: Any
    inner_state: Any


def _conditional_step(name, inner, should_transform_fn, forward_extra_args, state, updates,
                      params, extra_args, otherwise):
    """``(updates, inner_state)`` of the inner update where the condition holds, else
    ``(otherwise(updates), state.inner_state)``."""
    condition = should_transform_fn(state.step, **(extra_args if forward_extra_args else {}))
    if getattr(condition, "shape", ()) != ():
        raise ValueError(
            f"{name}: should_transform_fn must return a scalar boolean, got shape "
            f"{tuple(condition.shape)}.")
    known = concrete_bool(condition)
    if known is False:
        return otherwise(updates), state.inner_state
    new, inner_state = inner.update(updates, state.inner_state, params, **extra_args)
    if known is None:
        new = tree_select(condition, new, otherwise(updates))
        inner_state = tree_select(condition, inner_state, state.inner_state)
    return new, inner_state


def conditionally_transform(
    inner: GradientTransformation,
    should_transform_fn: Callable[..., Any],
    forward_extra_args: bool = False,
) -> GradientTransformationExtraArgs:
    """Run `inner` only at the steps where ``should_transform_fn(step)`` holds.

    At other steps the updates pass through unchanged and `inner`'s state is kept.

    Args:
      inner: the transformation to run conditionally.
      should_transform_fn: ``step -> bool scalar`` (step counts from 0); with
        `forward_extra_args`, it also receives the update's extra keyword arguments.
      forward_extra_args: pass ``update(..., **extra_args)`` on to `should_transform_fn`.

    Returns:
      A `GradientTransformationExtraArgs` with a `ConditionallyTransformState`.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> t = optim.conditionally_transform(optim.scale(10.0), lambda step: step % 2 == 1)
        >>> state = t.init({'w': np.zeros(1)})
        >>> for _ in range(3):
        ...     u, state = t.update({'w': np.ones(1)}, state)
        ...     print(u['w'].tolist())
        [1.0]
        [10.0]
        [1.0]
    """
    name = "conditionally_transform"
    inner = with_extra_args_support(inner)

    def init(params):
        return ConditionallyTransformState(inner_state=inner.init(params),
                                           step=fnp.zeros((), dtype=np.int32))

    def update(updates, state, params=None, **extra_args):
        check_state(name, state, ConditionallyTransformState)
        new, inner_state = _conditional_step(name, inner, should_transform_fn,
                                             forward_extra_args, state, updates, params,
                                             extra_args, lambda u: u)
        return new, ConditionallyTransformState(inner_state, increment(state.step))

    return GradientTransformationExtraArgs(init, update)


def conditionally_mask(
    inner: GradientTransformation,
    should_transform_fn: Callable[..., Any],
    forward_extra_args: bool = False,
) -> GradientTransformationExtraArgs:
    """Run `inner` only at the steps where ``should_transform_fn(step)`` holds, else
    return zero updates (and keep `inner`'s state).

    Args:
      inner, should_transform_fn, forward_extra_args: as in `conditionally_transform`.

    Returns:
      A `GradientTransformationExtraArgs` with a `ConditionallyMaskState`.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> t = optim.conditionally_mask(optim.sgd(1.0), lambda step: step >= 1)
        >>> state = t.init({'w': np.zeros(1)})
        >>> for _ in range(2):
        ...     u, state = t.update({'w': np.ones(1)}, state)
        ...     print(u['w'].tolist())
        [0.0]
        [-1.0]
    """
    name = "conditionally_mask"
    inner = with_extra_args_support(inner)

    def init(params):
        return ConditionallyMaskState(step=fnp.zeros((), dtype=np.int32),
                                      inner_state=inner.init(params))

    def update(updates, state, params=None, **extra_args):
        check_state(name, state, ConditionallyMaskState)
        new, inner_state = _conditional_step(
            name, inner, should_transform_fn, forward_extra_args, state, updates, params,
            extra_args, lambda u: tree_map(fnp.zeros_like, u))
        return new, ConditionallyMaskState(increment(state.step), inner_state)

    return GradientTransformationExtraArgs(init, update)


def skip_large_updates(updates: Any, gradient_step: Any, params: Any,
                       max_squared_norm: Any) -> tuple[Any, dict]:
    """A `MultiSteps` skip rule: skip updates whose squared global norm reaches
    `max_squared_norm` (or is NaN).

    Use it as ``should_skip_update_fn=functools.partial(skip_large_updates,
    max_squared_norm=...)``.

    Returns:
      ``(should_skip, {'should_skip': ..., 'norm_squared': ...})``.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> skip, info = optim.skip_large_updates({'w': np.array([3.0, 4.0])}, 0, None, 20.0)
        >>> bool(skip), float(info['norm_squared'])
        (True, 25.0)
    """
    del gradient_step, params
    norm_sq = fnp.asarray(0.0)
    for leaf in tree_leaves(updates):
        norm_sq = norm_sq + fnp.sum(fnp.square(leaf))
    should_skip = fnp.logical_not(norm_sq < max_squared_norm)
    return should_skip, {"should_skip": should_skip, "norm_squared": norm_sq}


def named_chain(*args: tuple[str, GradientTransformation]) -> GradientTransformationExtraArgs:
    """`chain` whose state is an ordered dict keyed by the names given with each member.

    Args:
      *args: ``(name, transformation)`` pairs, with distinct names.

    Returns:
      A `GradientTransformationExtraArgs`; its state maps each name to its member's state.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> opt = optim.named_chain(('clip', optim.clip(1.0)), ('sgd', optim.sgd(0.1)))
        >>> list(opt.init({'w': np.zeros(2)}))
        ['clip', 'sgd']
    """
    for i, arg in enumerate(args):
        if not (isinstance(arg, tuple) and len(arg) == 2 and isinstance(arg[0], str)):
            raise TypeError(f"named_chain: argument {i} must be a (name, transformation) "
                            f"pair, got {type(arg).__name__}.")
    names = [name for name, _ in args]
    if len(names) != len(set(names)):
        raise ValueError(f"named_chain: the names must be distinct, got {names}.")
    transforms = [(name, with_extra_args_support(t)) for name, t in args]

    def init(params):
        return OrderedDict((name, t.init(params)) for name, t in transforms)

    def update(updates, state, params=None, **extra_args):
        missing = [name for name in names if name not in state]
        if missing:
            raise ValueError(f"named_chain: the state has no entry for {missing}; make it "
                             "with this named_chain's init(params).")
        new_state = OrderedDict()
        for name, t in transforms:
            updates, new_state[name] = t.update(updates, state[name], params, **extra_args)
        return updates, new_state

    return GradientTransformationExtraArgs(init, update)
