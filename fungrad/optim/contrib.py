"""Part of ``optax.contrib``: schedule-free optimizers and `normalize`.

Schedule-free learning (Defazio et al., 2024) replaces a decaying schedule by an average
of iterates: the optimizer keeps the base iterate `z` in its state, the params it returns
are an interpolation ``y`` of `z` and the running average ``x``; evaluate the model at
``schedule_free_eval_params(state, params)`` (the average ``x``).

The rest of optax.contrib (Muon, Prodigy, SAM, D-Adaptation, COCOB, Sophia...) is not
here; see the README's differences section.

>>> import numpy as np
>>> opt = schedule_free_sgd(learning_rate=0.5)
>>> params = np.array([2.0])
>>> state = opt.init(params)
>>> for _ in range(50):
...     updates, state = opt.update(2 * params, state, params)  # gradient of x**2
...     params = params + updates
>>> bool(abs(schedule_free_eval_params(state, params)[0]) < 1e-3)
True
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

import fungrad.numpy as fnp
from fungrad.core import get_aval
from fungrad.optim.aliases import sgd
from fungrad.optim.base import (
    EmptyState,
    GradientTransformation,
    GradientTransformationExtraArgs,
    ScalarOrSchedule,
    chain,
    check_scalar_or_schedule,
    with_extra_args_support,
)
from fungrad.optim.leafwise import astype_like, increment
from fungrad.optim.schedules import warmup_constant_schedule
from fungrad.optim.transforms import add_decayed_weights, scale_by_learning_rate, scale_by_rms
from fungrad.optim.tree_utils import tree_dtype, tree_norm
from fungrad.tree_util import tree_map

__all__ = [
    "schedule_free",
    "schedule_free_sgd",
    "schedule_free_adamw",
    "schedule_free_eval_params",
    "ScheduleFreeState",
    "normalize",
    "NormalizeState",
]


class ScheduleFreeState(NamedTuple):
    """Schedule-free state: `b1`, the weight sum, step count, largest rate so far, the base
    optimizer's state and the base iterate `z`."""

    b1: Any
    weight_sum: Any
    step_count: Any
    max_lr: Any
    base_optimizer_state: Any
    z: Any


def schedule_free_eval_params(state: ScheduleFreeState, params: Any) -> Any:
    """The averaged iterate ``x = (y - (1 - b1) z) / b1``: the params to evaluate at."""
    b1, z = getattr(state, "b1", None), getattr(state, "z", None)
    if b1 is None or z is None:
        raise ValueError("schedule_free_eval_params: state must be a ScheduleFreeState (the "
                         f"state of a schedule_free optimizer), got {type(state).__name__}.")
    return tree_map(lambda y, zi: (y - (1.0 - b1) * zi) / b1, params, z)


def schedule_free(
    base_optimizer: GradientTransformation,
    learning_rate: ScalarOrSchedule,
    b1: float = 0.9,
    weight_lr_power: float = 2.0,
    state_dtype: Any = None,
) -> GradientTransformationExtraArgs:
    """Turn `base_optimizer` into its schedule-free version.

    Args:
      base_optimizer: the optimizer of the base iterate `z` (its learning rate included).
      learning_rate: the same rate (or schedule), used to weight the average.
      b1: the interpolation between the average and `z` where gradients are taken.
      weight_lr_power: iterates are averaged with weights ``max_lr ** weight_lr_power``.
      state_dtype: the dtype of `z` (None: the params').

    Returns:
      A `GradientTransformationExtraArgs` with a `ScheduleFreeState`; ``update`` needs
      `params`.
    """
    check_scalar_or_schedule("schedule_free", "learning_rate", learning_rate)
    base_optimizer = with_extra_args_support(base_optimizer)

    def init(params):
        dtype = tree_dtype(params, "lowest")
        z = tree_map(lambda p: fnp.array(p, dtype=state_dtype), params)
        return ScheduleFreeState(
            b1=fnp.asarray(b1, dtype=dtype), weight_sum=fnp.zeros((), dtype=dtype),
            step_count=fnp.ones((), dtype=np.int32), max_lr=fnp.zeros((), dtype=dtype),
            base_optimizer_state=base_optimizer.init(params), z=z,
        )

    def update(grads, state, params=None, **extra_args):
        if params is None:
            raise ValueError("schedule_free: update() needs the current parameters: call "
                             "update(grads, state, params).")
        dtype = get_aval(state.max_lr).dtype
        lr = learning_rate(state.step_count) if callable(learning_rate) else learning_rate
        max_lr = fnp.maximum(state.max_lr, fnp.asarray(lr, dtype=dtype))
        weight = max_lr**weight_lr_power
        total = state.weight_sum + weight
        # weight / total, with 0 for the first steps where both are 0 (a zero rate).
        empty = fnp.equal(total, 0)
        ck = fnp.where(empty, 0.0, weight / fnp.where(empty, 1.0, total))
        ck = fnp.where(fnp.isnan(weight) | fnp.isnan(total), np.nan, ck)
        base_updates, base_state = base_optimizer.update(
            grads, state.base_optimizer_state, params, **extra_args
        )
        z = tree_map(lambda zi, u: astype_like(zi + u, zi), state.z, base_updates)
        x_prev = tree_map(lambda y, zi: (y - (1.0 - b1) * zi) / b1, params, state.z)
        x = tree_map(lambda xi, zi: (1.0 - ck) * xi + ck * zi, x_prev, z)
        updates = tree_map(lambda xi, zi, y: astype_like(b1 * xi + (1.0 - b1) * zi - y, y),
                           x, z, params)
        return updates, ScheduleFreeState(
            b1=state.b1, weight_sum=total, step_count=increment(state.step_count),
            max_lr=max_lr, base_optimizer_state=base_state, z=z,
        )

    return GradientTransformationExtraArgs(init, update)


def schedule_free_sgd(  # noqa: PLR0917 (optax's signature)
    learning_rate: float = 1.0,
    warmup_steps: int | None = None,
    b1: float = 0.9,
    weight_decay: float | None = None,
    weight_lr_power: float = 2.0,
    state_dtype: Any = None,
) -> GradientTransformationExtraArgs:
    """Schedule-free SGD: `schedule_free` of `sgd`, with an optional constant warmup."""
    if warmup_steps is not None:
        learning_rate = warmup_constant_schedule(0, learning_rate, warmup_steps)
    optimizer = sgd(learning_rate)
    if weight_decay is not None:
        optimizer = chain(add_decayed_weights(weight_decay), optimizer)
    return schedule_free(optimizer, learning_rate=learning_rate, b1=b1,
                         weight_lr_power=weight_lr_power, state_dtype=state_dtype)


def schedule_free_adamw(  # noqa: PLR0913, PLR0917 (optax's signature)
    learning_rate: float = 0.0025,
    warmup_steps: int | None = None,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    weight_lr_power: float = 2.0,
    state_dtype: Any = None,
) -> GradientTransformationExtraArgs:
    """Schedule-free AdamW: `schedule_free` of bias-corrected RMS scaling + weight decay."""
    if warmup_steps is not None:
        learning_rate = warmup_constant_schedule(0, learning_rate, warmup_steps)
    optimizer = chain(
        scale_by_rms(decay=b2, eps=eps, eps_in_sqrt=False, bias_correction=True),
        add_decayed_weights(weight_decay),
        scale_by_learning_rate(learning_rate),
    )
    return schedule_free(optimizer, learning_rate=learning_rate, b1=b1,
                         weight_lr_power=weight_lr_power, state_dtype=state_dtype)


class NormalizeState(EmptyState):
    """`normalize` keeps no state."""


def normalize() -> GradientTransformation:
    """Divide the updates by their global L2 norm.

    Returns:
      A stateless `GradientTransformation`.
    """

    def init(params):
        del params
        return NormalizeState()

    def update(updates, state, params=None):
        del params
        norm = tree_norm(updates)
        return tree_map(lambda g: g / norm, updates), state

    return GradientTransformation(init, update)
