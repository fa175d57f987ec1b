"""Schedules: pure functions from the step count to a value (a learning rate, a decay...).

A transformation that takes a schedule keeps the count in its state and calls the schedule
with it, so the n-th update (counting from 0) uses ``schedule(n)``. Schedules are written
with fungrad.numpy, so they accept Python ints, NumPy ints and traced counts alike.

>>> lr = warmup_cosine_decay_schedule(0.0, peak_value=1.0, warmup_steps=10, decay_steps=110)
>>> float(lr(5)), float(lr(10)), float(lr(110))
(0.5, 1.0, 0.0)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import fungrad.numpy as fnp
from fungrad.optim.base import Schedule, StatefulSchedule
from fungrad.optim.hyperparams import (  # optax.schedules offers these too
    InjectHyperparamsState,
    InjectStatefulHyperparamsState,
    WrappedSchedule,
    inject_hyperparams,
    inject_stateful_hyperparams,
)
from fungrad.optim.leafwise import weak_scalar

__all__ = [
    "constant_schedule",
    "linear_schedule",
    "polynomial_schedule",
    "piecewise_constant_schedule",
    "exponential_decay",
    "cosine_decay_schedule",
    "warmup_cosine_decay_schedule",
    "join_schedules",
    "warmup_constant_schedule",
    "warmup_exponential_decay_schedule",
    "sgdr_schedule",
    "piecewise_interpolate_schedule",
    "linear_onecycle_schedule",
    "cosine_onecycle_schedule",
    "constant",
    "linear",
    "piecewise_constant",
    "cosine_decay",
    "warmup_cosine_decay",
    "StatefulSchedule",
    "WrappedSchedule",
    "InjectHyperparamsState",
    "InjectStatefulHyperparamsState",
    "inject_hyperparams",
    "inject_stateful_hyperparams",
]


def _check_numbers(fn: str, **values) -> None:
    """Raise naming the schedule and argument for a value that is not a real number."""
    for name, value in values.items():
        weak_scalar(value, f"{fn}: {name}")


def constant_schedule(value: float) -> Schedule:
    """The schedule that is always `value`.

    Args:
      value: the constant.

    Returns:
      ``count -> value``.

    Example:
        >>> from fungrad import optim
        >>> optim.constant_schedule(0.1)(1000)
        0.1
    """
    _check_numbers("constant_schedule", value=value)
    return lambda count: value


def polynomial_schedule(
    init_value: float,
    end_value: float,
    power: float,
    transition_steps: int,
    transition_begin: int = 0,
) -> Schedule:
    """From `init_value` to `end_value` along ``(1 - t)**power`` over `transition_steps`.

    Args:
      init_value: the value up to step `transition_begin`.
      end_value: the value from ``transition_begin + transition_steps`` on.
      power: the polynomial's power (1 for linear).
      transition_steps: the length of the transition; <= 0 gives a constant `init_value`.
      transition_begin: the step at which the transition starts (negative counts as 0).

    Returns:
      The schedule.

    Example:
        >>> from fungrad import optim
        >>> s = optim.polynomial_schedule(1.0, 0.0, power=2, transition_steps=10)
        >>> [float(s(i)) for i in (0, 5, 10, 20)]
        [1.0, 0.25, 0.0, 0.0]
    """
    _check_numbers("polynomial_schedule", init_value=init_value, end_value=end_value,
                   power=power, transition_steps=transition_steps,
                   transition_begin=transition_begin)
    if transition_steps <= 0:
        return constant_schedule(init_value)
    transition_begin = max(transition_begin, 0)

    def schedule(count):
        done = fnp.clip(fnp.subtract(count, transition_begin), 0, transition_steps)
        remaining = 1 - done / transition_steps
        return (init_value - end_value) * remaining**power + end_value

    return schedule


def linear_schedule(
    init_value: float, end_value: float, transition_steps: int, transition_begin: int = 0
) -> Schedule:
    """From `init_value` to `end_value` linearly over `transition_steps`.

    Args:
      init_value: the value up to step `transition_begin`.
      end_value: the value from ``transition_begin + transition_steps`` on.
      transition_steps: the length of the ramp; <= 0 gives a constant `init_value`.
      transition_begin: the step at which the ramp starts.

    Returns:
      The schedule.

    >>> float(linear_schedule(1.0, 0.0, transition_steps=4)(1))
    0.75
    """
    return polynomial_schedule(init_value, end_value, 1, transition_steps, transition_begin)


def piecewise_constant_schedule(
    init_value: float, boundaries_and_scales: dict[int, float] | None = None
) -> Schedule:
    """`init_value`, multiplied by ``scale`` from each boundary step on.

    Args:
      init_value: the value before the first boundary.
      boundaries_and_scales: ``{step: scale}``; from `step` on, the value is multiplied
        by `scale` (>= 0), cumulatively across boundaries.

    Returns:
      The schedule.

    >>> s = piecewise_constant_schedule(1.0, {2: 0.5, 4: 0.1})
    >>> [round(float(s(n)), 6) for n in range(6)]
    [1.0, 1.0, 0.5, 0.5, 0.05, 0.05]
    """
    _check_numbers("piecewise_constant_schedule", init_value=init_value)
    items = sorted((boundaries_and_scales or {}).items())
    for step, scale in items:
        _check_numbers("piecewise_constant_schedule", boundary=step, scale=scale)
    for step, scale in items:
        if scale < 0:
            raise ValueError(
                f"piecewise_constant_schedule: scales must be >= 0, got {scale} at step {step}."
            )

    def schedule(count):
        value = init_value
        for step, scale in items:
            value = fnp.where(fnp.less(count, step), value, value * scale)
        return value

    return schedule


def exponential_decay(  # noqa: PLR0917 (optax's signature)
    init_value: float,
    transition_steps: int,
    decay_rate: float,
    transition_begin: int = 0,
    staircase: bool = False,
    end_value: float | None = None,
) -> Schedule:
    """``init_value * decay_rate ** ((count - transition_begin) / transition_steps)``.

    Args:
      init_value: the value up to step `transition_begin`.
      transition_steps: steps per factor of `decay_rate`; <= 0 gives a constant.
      decay_rate: the factor per `transition_steps` (0 gives a constant `init_value`).
      transition_begin: the step at which decay starts (negative counts as 0).
      staircase: decay in whole steps of `transition_steps` (floor of the exponent).
      end_value: a floor (for ``decay_rate < 1``) or ceiling (for ``> 1``) on the value.

    Returns:
      The schedule.

    >>> float(exponential_decay(1.0, transition_steps=2, decay_rate=0.5)(4))
    0.25
    """
    _check_numbers("exponential_decay", init_value=init_value,
                   transition_steps=transition_steps, decay_rate=decay_rate,
                   transition_begin=transition_begin)
    if end_value is not None:
        _check_numbers("exponential_decay", end_value=end_value)
    if transition_steps <= 0 or decay_rate == 0:
        return constant_schedule(init_value)
    transition_begin = max(transition_begin, 0)
    bound = None if end_value is None else (fnp.maximum if decay_rate < 1 else fnp.minimum)

    def schedule(count):
        elapsed = fnp.subtract(count, transition_begin)
        exponent = elapsed / transition_steps
        if staircase:
            exponent = fnp.floor(exponent)
        value = fnp.where(
            fnp.less_equal(elapsed, 0), init_value, init_value * fnp.power(decay_rate, exponent)
        )
        return value if bound is None else bound(value, end_value)

    return schedule


def cosine_decay_schedule(
    init_value: float, decay_steps: int, alpha: float = 0.0, exponent: float = 1.0
) -> Schedule:
    """Half a cosine from `init_value` down to ``alpha * init_value`` over `decay_steps`.

    Args:
      init_value: the value at step 0.
      decay_steps: steps until the final value (> 0); constant afterwards.
      alpha: the final value as a fraction of `init_value`.
      exponent: raise the cosine factor to this power.

    Returns:
      The schedule.

    >>> float(cosine_decay_schedule(1.0, decay_steps=10)(5))
    0.5
    """
    _check_numbers("cosine_decay_schedule", init_value=init_value, decay_steps=decay_steps,
                   alpha=alpha, exponent=exponent)
    if not decay_steps > 0:
        raise ValueError(f"cosine_decay_schedule: decay_steps must be > 0, got {decay_steps}.")

    def schedule(count):
        done = fnp.minimum(count, decay_steps)
        cosine = 0.5 * (1 + fnp.cos(math.pi * done / decay_steps))
        return init_value * ((1 - alpha) * cosine**exponent + alpha)

    return schedule


def join_schedules(schedules: Sequence[Schedule], boundaries: Sequence[int]) -> Schedule:
    """Run ``schedules[i]`` from ``boundaries[i-1]`` on, each restarted at count 0.

    Args:
      schedules: the pieces, one more than `boundaries`.
      boundaries: the steps at which the next piece takes over.

    Returns:
      The joined schedule.

    Example:
        >>> from fungrad import optim
        >>> parts = [optim.constant_schedule(1.0), optim.linear_schedule(1.0, 0.0, 10)]
        >>> s = optim.join_schedules(parts, [5])
        >>> [float(s(i)) for i in (0, 5, 10, 15)]
        [1.0, 1.0, 0.5, 0.0]
    """
    if len(schedules) != len(boundaries) + 1:
        raise ValueError(
            f"join_schedules: needs one more schedule than boundaries, got "
            f"{len(schedules)} schedules and {len(boundaries)} boundaries."
        )

    def schedule(count):
        value = schedules[0](count)
        for boundary, piece in zip(boundaries, schedules[1:], strict=True):
            later = piece(fnp.subtract(count, boundary))
            value = fnp.where(fnp.less(count, boundary), value, later)
        return value

    return schedule


def warmup_cosine_decay_schedule(  # noqa: PLR0917 (optax's signature)
    init_value: float,
    peak_value: float,
    warmup_steps: int,
    decay_steps: int,
    end_value: float = 0.0,
    exponent: float = 1.0,
) -> Schedule:
    """A linear warmup to `peak_value`, then a cosine decay to `end_value`.

    Args:
      init_value: the value at step 0.
      peak_value: the value at the end of the warmup.
      warmup_steps: the warmup's length.
      decay_steps: the total length, warmup included (``> warmup_steps``).
      end_value: the value from `decay_steps` on.
      exponent: as in `cosine_decay_schedule`.

    Returns:
      The schedule.

    Example:
        >>> from fungrad import optim
        >>> s = optim.warmup_cosine_decay_schedule(0.0, 1.0, warmup_steps=10, decay_steps=110)
        >>> [round(float(s(i)), 6) for i in (0, 5, 10, 60, 110)]
        [0.0, 0.5, 1.0, 0.5, 0.0]
    """
    peak_value, end_value = weak_scalar(peak_value), weak_scalar(end_value)
    alpha = 0.0 if peak_value == 0 else end_value / peak_value
    warmup = linear_schedule(init_value, peak_value, warmup_steps)
    decay = cosine_decay_schedule(peak_value, decay_steps - warmup_steps, alpha, exponent)
    return join_schedules([warmup, decay], [warmup_steps])


def warmup_constant_schedule(init_value: float, peak_value: float, warmup_steps: int) -> Schedule:
    """A linear warmup from `init_value` to `peak_value`, then constant.

    Args:
      init_value: the value at step 0.
      peak_value: the value from `warmup_steps` on.
      warmup_steps: the warmup's length.

    Returns:
      The schedule.

    Example:
        >>> from fungrad import optim
        >>> s = optim.warmup_constant_schedule(0.0, peak_value=1.0, warmup_steps=4)
        >>> [float(s(i)) for i in (0, 2, 4, 100)]
        [0.0, 0.5, 1.0, 1.0]
    """
    return linear_schedule(init_value, peak_value, warmup_steps)


def warmup_exponential_decay_schedule(  # noqa: PLR0917 (optax's signature)
    init_value: float,
    peak_value: float,
    warmup_steps: int,
    transition_steps: int,
    decay_rate: float,
    transition_begin: int = 0,
    staircase: bool = False,
    end_value: float | None = None,
) -> Schedule:
    """A linear warmup to `peak_value`, then `exponential_decay` from it.

    Args:
      init_value: the value at step 0.
      peak_value: the value at the end of the warmup.
      warmup_steps: the warmup's length.
      transition_steps, decay_rate, transition_begin, staircase, end_value: as in
        `exponential_decay`, counted from the end of the warmup.

    Returns:
      The schedule.

    Example:
        >>> from fungrad import optim
        >>> s = optim.warmup_exponential_decay_schedule(0.0, 1.0, 2, transition_steps=1,
        ...                                             decay_rate=0.5)
        >>> [float(s(i)) for i in (0, 1, 2, 3, 4)]
        [0.0, 0.5, 1.0, 0.5, 0.25]
    """
    return join_schedules(
        [linear_schedule(init_value, peak_value, warmup_steps),
         exponential_decay(peak_value, transition_steps, decay_rate, transition_begin,
                           staircase, end_value)],
        [warmup_steps],
    )


def sgdr_schedule(cosine_kwargs: Iterable[dict]) -> Schedule:
    """SGD with warm restarts (Loshchilov & Hutter, 2017): warmup-cosine cycles in a row.

    Args:
      cosine_kwargs: one dict of `warmup_cosine_decay_schedule` arguments per cycle; each
        cycle lasts its ``decay_steps``.

    Returns:
      The schedule.

    >>> s = sgdr_schedule([dict(init_value=0.0, peak_value=1.0, warmup_steps=2,
    ...                         decay_steps=4)] * 2)
    >>> [round(float(s(n)), 3) for n in range(8)]
    [0.0, 0.5, 1.0, 0.5, 0.0, 0.5, 1.0, 0.5]
    """
    schedules, boundaries, step = [], [], 0
    for kwargs in cosine_kwargs:
        schedules.append(warmup_cosine_decay_schedule(**kwargs))
        step += kwargs["decay_steps"]
        boundaries.append(step)
    if not schedules:
        raise ValueError("sgdr_schedule: cosine_kwargs must hold at least one cycle's dict.")
    return join_schedules(schedules, boundaries[:-1])


def _interpolate(kind: str, start, end, pct):
    if kind == "linear":
        return (end - start) * pct + start
    return end + (start - end) / 2.0 * (fnp.cos(math.pi * pct) + 1)


def piecewise_interpolate_schedule(
    interpolate_type: str, init_value: float, boundaries_and_scales: dict[int, float] | None = None
) -> Schedule:
    """Interpolate (linearly or along a half cosine) between values set at boundary steps.

    The value at ``boundaries[i]`` is `init_value` times the product of the scales up to
    it; between boundaries it is interpolated; from the last boundary on it is constant.

    Args:
      interpolate_type: 'linear' or 'cosine'.
      init_value: the value at step 0.
      boundaries_and_scales: ``{step: scale}`` with scales >= 0.

    Returns:
      The schedule.

    >>> s = piecewise_interpolate_schedule('linear', 1.0, {4: 0.5})
    >>> [float(s(n)) for n in (0, 2, 4, 9)]
    [1.0, 0.75, 0.5, 0.5]
    """
    name = "piecewise_interpolate_schedule"
    if interpolate_type not in ("linear", "cosine"):
        raise ValueError(f"{name}: interpolate_type must be 'linear' or 'cosine', got "
                         f"{interpolate_type!r}.")
    items = sorted((boundaries_and_scales or {}).items())
    if any(scale < 0 for _, scale in items):
        raise ValueError(f"{name}: scales must be >= 0, got {dict(items)}.")
    bounds = [0] + [b for b, _ in items]
    values = [init_value]
    for _, scale in items:
        values.append(values[-1] * scale)

    def schedule(count):
        value = fnp.where(fnp.less_equal(bounds[-1], count), values[-1], 0.0)
        for lo, hi, start, end in zip(bounds[:-1], bounds[1:], values[:-1], values[1:],
                                      strict=True):
            pct = fnp.subtract(count, lo) / max(hi - lo, 1)
            inside = fnp.logical_and(fnp.less_equal(lo, count), fnp.less(count, hi))
            value = value + fnp.where(inside, _interpolate(interpolate_type, start, end, pct), 0.0)
        return value

    return schedule


def _onecycle_check(name: str, transition_steps: int) -> None:
    if transition_steps <= 0:
        raise ValueError(f"{name}: transition_steps must be > 0, got {transition_steps}.")


def linear_onecycle_schedule(  # noqa: PLR0917 (optax's signature)
    transition_steps: int,
    peak_value: float,
    pct_start: float = 0.3,
    pct_final: float = 0.85,
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
) -> Schedule:
    """The one-cycle policy (Smith & Topin, 2017) with linear pieces.

    Up from ``peak_value / div_factor`` to `peak_value` over the first `pct_start` of
    `transition_steps`, back down by `pct_final`, then to
    ``peak_value / div_factor / final_div_factor`` at `transition_steps`.

    Returns:
      The schedule.

    Example:
        >>> from fungrad import optim
        >>> s = optim.linear_onecycle_schedule(transition_steps=100, peak_value=1.0)
        >>> [round(float(s(i)), 6) for i in (0, 30, 85, 100)]
        [0.04, 1.0, 0.04, 4e-06]
    """
    _onecycle_check("linear_onecycle_schedule", transition_steps)
    return piecewise_interpolate_schedule(
        "linear", peak_value / div_factor,
        {int(pct_start * transition_steps): div_factor,
         int(pct_final * transition_steps): 1.0 / div_factor,
         transition_steps: 1.0 / final_div_factor},
    )


def cosine_onecycle_schedule(
    transition_steps: int,
    peak_value: float,
    pct_start: float = 0.3,
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
) -> Schedule:
    """The one-cycle policy with half-cosine pieces.

    Up from ``peak_value / div_factor`` to `peak_value` over the first `pct_start` of
    `transition_steps`, then down to ``peak_value / (div_factor * final_div_factor)``.

    Returns:
      The schedule.

    Example:
        >>> from fungrad import optim
        >>> s = optim.cosine_onecycle_schedule(transition_steps=100, peak_value=1.0)
        >>> [round(float(s(i)), 6) for i in (0, 15, 30, 100)]
        [0.04, 0.52, 1.0, 4e-06]
    """
    _onecycle_check("cosine_onecycle_schedule", transition_steps)
    return piecewise_interpolate_schedule(
        "cosine", peak_value / div_factor,
        {int(pct_start * transition_steps): div_factor,
         int(transition_steps): 1.0 / (div_factor * final_div_factor)},
    )


# Short names for the same functions.
constant = constant_schedule
linear = linear_schedule
piecewise_constant = piecewise_constant_schedule
cosine_decay = cosine_decay_schedule
warmup_cosine_decay = warmup_cosine_decay_schedule
