"""Measurements of the updates kept in the optimizer state: `snapshot`, `monitor`,
`measure_with_ema`; and `selective_transform` (train some leaves, freeze the rest).

A measurement is a function of the updates (say their global norm). Put the transformation
inside a `chain` at the point where the updates should be measured; the value lands in the
state under its name, where ``optim.tree_utils.tree_get(state, name)`` finds it. The updates
pass through unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

import fungrad.numpy as fnp
from fungrad.optim.base import (
    GradientTransformation,
    GradientTransformationExtraArgs,
    chain,
    set_to_zero,
    stateless,
    with_extra_args_support,
)
from fungrad.optim.moments import EmaState
from fungrad.optim.numerics import safe_increment
from fungrad.optim.partition import partition
from fungrad.optim.tree_utils import tree_bias_correction, tree_cast, tree_update_moment
from fungrad.tree_util import tree_map

__all__ = [
    "SnapshotState",
    "snapshot",
    "MonitorState",
    "monitor",
    "measure_with_ema",
    "selective_transform",
]


class SnapshotState(NamedTuple):
    """The state of `snapshot`: ``{measure_name: measurement}``.

    Example:
        >>> import numpy as np

import fungrad.numpy as fnp
        >>> from fungrad import optim
        >>> optim.snapshot('n', optim.tree.norm).init(np.ones(4))
        SnapshotState(measurement={'n': ...2.0...})
    """

    measurement: dict[str, Any]


def _check_measure(fn: str, name: str, measure: Any) -> None:
    if not callable(measure):
        raise TypeError(
            f"{fn}: the measure {name!r} must be a function of the updates (say "
            f"optim.tree.norm) or, in monitor, a GradientTransformation; got a "
            f"{type(measure).__name__} ({measure!r:.60}).")


def snapshot(measure_name: str, measure: Callable[[Any], Any]) -> GradientTransformation:
    """Store ``measure(updates)`` in the state under `measure_name`; updates pass through.

    Useful to look at the updates between two steps of a chain (say the norm before
    clipping). `init` stores ``measure(params)``.

    Args:
      measure_name: the name to find the value by (``tree_utils.tree_get(state, name)``).
      measure: a function of the updates returning a pytree of arrays.

    Returns:
      A `GradientTransformation` with a `SnapshotState`.

    Example:
        >>> import numpy as np

import fungrad.numpy as fnp
        >>> from fungrad import optim
        >>> tx = optim.chain(optim.sgd(0.1), optim.snapshot('norm', optim.tree.norm),
        ...                  optim.clip_by_global_norm(0.05))
        >>> params = np.array([1.0, 2.0, 3.0])
        >>> updates, state = tx.update(2 * params, tx.init(params))
        >>> round(float(optim.tree_utils.tree_get(state, 'norm')), 4)
        0.7483
    """
    _check_measure("snapshot", measure_name, measure)

    def init(params):
        return SnapshotState({measure_name: measure(params)})

    def update(updates, state, params=None):
        del state, params
        return updates, SnapshotState({measure_name: measure(updates)})

    return GradientTransformation(init, update)


class MonitorState(NamedTuple):
    """The state of `monitor`: the latest measurements by name (empty before the first
    update) and each measuring transformation's own state, in the order of the names.

    Example:
        >>> import numpy as np

import fungrad.numpy as fnp
        >>> from fungrad import optim
        >>> optim.monitor({'n': optim.tree.norm}).init(np.ones(2))
        MonitorState(measurements={}, measure_states=(EmptyState(),))
    """

    measurements: dict[str, Any]
    measure_states: tuple


def monitor(measures: dict[str, Any]) -> GradientTransformationExtraArgs:
    """Record several measurements of the updates, some of them stateful.

    Each value of `measures` is a function of the updates (stateless, like `snapshot`) or
    a transformation whose *output* is the measurement (say `measure_with_ema`, a moving
    average). The updates pass through unchanged.

    Args:
      measures: ``{name: function of the updates or GradientTransformation}``.

    Returns:
      A `GradientTransformationExtraArgs` with a `MonitorState`; extra arguments of
      ``update`` go to the measuring transformations.

    Example:
        >>> import numpy as np

import fungrad.numpy as fnp
        >>> from fungrad import optim
        >>> tx = optim.chain(
        ...     optim.sgd(0.1, momentum=0.9),
        ...     optim.monitor({'norm': optim.tree.norm,
        ...                    'clipped': optim.measure_with_ema(
        ...                        lambda u: optim.tree.norm(u) > 1.0, decay=0.9)}),
        ...     optim.clip_by_global_norm(1.0))
        >>> params = np.array([1.0, 2.0, 3.0])
        >>> state = tx.init(params)
        >>> for _ in range(2):
        ...     updates, state = tx.update(2 * params, state)
        ...     params = optim.apply_updates(params, updates)
        >>> get = optim.tree_utils.tree_get
        >>> round(float(get(state, 'norm')), 4), round(float(get(state, 'clipped')), 4)
        (1.2722, 0.5263)
    """
    if not isinstance(measures, dict):
        raise TypeError(f"monitor: measures must be a dict {{name: measure}}, got a "
                        f"{type(measures).__name__}.")
    txs = {}
    for name, measure in measures.items():
        if isinstance(measure, GradientTransformation):
            txs[name] = with_extra_args_support(measure)
            continue
        _check_measure("monitor", name, measure)
        txs[name] = with_extra_args_support(stateless(lambda u, _, m=measure: m(u)))
    names = tuple(txs)

    def init(params):
        return MonitorState({}, tuple(txs[n].init(params) for n in names))

    def update(updates, state, params=None, **extra_args):
        values, states = {}, []
        for name, inner in zip(names, state.measure_states, strict=True):
            values[name], new = txs[name].update(updates, inner, params, **extra_args)
            states.append(new)
        return updates, MonitorState(values, tuple(states))

    return GradientTransformationExtraArgs(init, update)


def measure_with_ema(measure: Callable[[Any], Any], decay: Any, debias: bool = True,
                     accumulator_dtype: Any | None = None) -> GradientTransformationExtraArgs:
    """The exponential moving average of ``measure(updates)`` as the output (for `monitor`).

    Unlike `ema`, the average's dtype follows the arithmetic (a bool measurement such as
    ``norm > 1`` averages as a float), unless `accumulator_dtype` fixes it, as optax's.

    Args:
      measure: a function of the updates returning a pytree of arrays.
      decay: the average's decay rate.
      debias: divide by ``1 - decay**count`` (the bias from starting at zero).
      accumulator_dtype: the average's dtype in the state (None: as computed).

    Returns:
      ``chain(stateless(measure), <ema>)``: its update returns the (debiased) average and
      its state is ``(EmptyState(), EmaState(count, ema))``.

    Example:
        >>> import numpy as np

import fungrad.numpy as fnp
        >>> from fungrad import optim
        >>> tx = optim.measure_with_ema(optim.tree.norm, decay=0.5)
        >>> state = tx.init(np.zeros(2))
        >>> avg, state = tx.update(np.array([3.0, 4.0]), state)
        >>> avg, state = tx.update(np.array([0.0, 1.0]), state)
        >>> round(float(avg), 4), round(float(state[1].ema), 4)
        (2.3333, 1.75)
    """
    _check_measure("measure_with_ema", "measure", measure)

    def init(params):
        zeros = tree_map(lambda x: fnp.zeros_like(x, dtype=accumulator_dtype), measure(params))
        return EmaState(count=np.zeros((), np.int32), ema=zeros)

    def update(updates, state, params=None):
        del params
        new = tree_update_moment(updates, state.ema, decay, order=1)
        count = safe_increment(state.count)
        out = tree_bias_correction(new, decay, count) if debias else new
        return out, EmaState(count=count, ema=tree_cast(new, accumulator_dtype))

    return chain(stateless(lambda updates, _: measure(updates)),
                 GradientTransformation(init, update))


def selective_transform(optimizer: GradientTransformation, *,
                        freeze_mask: Any) -> GradientTransformationExtraArgs:
    """Run `optimizer` on the leaves where `freeze_mask` is False; zero the others.

    Unlike ``chain(optimizer, freeze(mask))``, the frozen leaves get no optimizer state:
    this is ``partition({'train': optimizer, 'freeze': set_to_zero()}, labels)``.

    Args:
      optimizer: the transformation of the trained leaves.
      freeze_mask: a static bool (freeze all or nothing) or a pytree of bools shaped like
        the params (True: frozen).

    Returns:
      A `GradientTransformationExtraArgs` with a `PartitionState`.

    Example:
        >>> import numpy as np

import fungrad.numpy as fnp
        >>> from fungrad import optim
        >>> tx = optim.selective_transform(optim.sgd(0.1), freeze_mask={'a': True, 'b': False})
        >>> params = {'a': np.zeros(2), 'b': np.zeros(2)}
        >>> updates, _ = tx.update({'a': np.ones(2), 'b': np.ones(2)}, tx.init(params), params)
        >>> updates['a'].tolist(), np.round(updates['b'], 6).tolist()
        ([0.0, 0.0], [-0.1, -0.1])
    """
    if not isinstance(optimizer, GradientTransformation):
        raise TypeError(f"selective_transform: optimizer must be a GradientTransformation "
                        f"(say optim.adam(1e-3)), got a {type(optimizer).__name__}.")

    def labels(params):
        del params
        return tree_map(lambda m: "freeze" if m else "train", freeze_mask)

    return partition({"train": optimizer, "freeze": set_to_zero()}, param_labels=labels)
