"""Aggregators of per-example updates (optax.experimental.aggregating).

An `Aggregator` is a transformation whose ``update`` takes per-example updates (each leaf
with extra example axes, say from ``vmap(grad)``) and returns one aggregated update:
the mean (`average_per_element_updates`), the mean accumulated over several calls
(`average_incrementally_updates`), or the mean with the within-batch sum of squared
deviations (`get_per_element_mean_and_sum_sq_diff_grads`). `process` puts one between a
pre- and a post-processing transformation; `add_mean_variance_to_opt` uses that to track
moving averages of the gradient's mean and variance next to an optimizer.

>>> import numpy as np
>>> from fungrad import optim
>>> agg = optim.experimental.aggregating
>>> tx = agg.process(optim.identity(), agg.average_per_element_updates(), optim.sgd(1.0))
>>> per_example = {'w': np.array([[1.0, 2.0], [3.0, 4.0]])}
>>> params = {'w': np.zeros(2)}
>>> updates, _ = tx.update(per_example, tx.init(params), params)
>>> updates['w'].tolist()
[-2.0, -3.0]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple, Protocol

import numpy as np

import fungrad.numpy as fnp
from fungrad import lax
from fungrad.optim.base import (
    GradientTransformation,
    GradientTransformationExtraArgs,
    chain,
    identity,
    init_empty_state,
)
from fungrad.optim.numerics import safe_int32_increment
from fungrad.optim.state_search import tree_get
from fungrad.optim.tree_utils import tree_scale, tree_where, tree_zeros_like
from fungrad.tree_util import tree_leaves, tree_map

__all__ = [
    "AggregatorUpdateFn",
    "Aggregator",
    "process",
    "average_per_element_updates",
    "AccumulateAvgUpdatesState",
    "accumulate_avg_updates",
    "average_incrementally_updates",
    "get_batch_size_from_per_elt_updates",
    "PerElementMeanAndSumSqDiffGradsState",
    "get_per_element_mean_and_sum_sq_diff_grads",
    "PerElementMeanAndVarianceEMAState",
    "track_per_element_mean_and_variance_with_ema",
    "get_unbiased_mean_and_variance_ema",
    "add_mean_variance_to_opt",
]

PerElementUpdates = Any
AggregatedUpdates = Any
MaybeAxis = int | Sequence[int] | None


class AggregatorUpdateFn(Protocol):
    """The type of an `Aggregator`'s ``update``:
    ``update(per_elt_updates, state, params=None, **extra_args) -> (aggregated, state)``.

    Example:
        >>> from fungrad import optim
        >>> fn: optim.experimental.aggregating.AggregatorUpdateFn = (
        ...     optim.experimental.aggregating.average_per_element_updates().update)
    """

    def __call__(self, per_elt_updates: PerElementUpdates, state: Any, params: Any = None,
                 **extra_args: Any) -> tuple[AggregatedUpdates, Any]:
        """The aggregated updates and the new state."""


class Aggregator(GradientTransformationExtraArgs):
    """A transformation from per-example updates to one aggregated update.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> agg = optim.experimental.aggregating.average_per_element_updates()
        >>> isinstance(agg, optim.experimental.aggregating.Aggregator)
        True
        >>> agg.update(np.array([[1.0], [3.0]]), agg.init(None))[0].tolist()
        [2.0]
    """


def process(preprocessor: GradientTransformation, aggregator: GradientTransformation,
            postprocessor: GradientTransformation,
            aggregator_has_aux: bool = False) -> GradientTransformationExtraArgs:
    """``preprocessor`` (per example), then ``aggregator``, then ``postprocessor``.

    The postprocessor runs only when the aggregator's state says ``ready`` (an
    accumulating aggregator is ready every k-th call); otherwise the updates are zeros.
    With `aggregator_has_aux` the aggregator returns ``(updates, aux_dict)`` and the
    dict's entries are passed to the postprocessor as extra keyword arguments.

    Returns:
      An `Aggregator` if `aggregator` is one, else a `GradientTransformationExtraArgs`;
      its state is ``(pre_state, aggregator_state, post_state)``.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> agg = optim.experimental.aggregating
        >>> tx = agg.process(optim.clip(1.0), agg.average_per_element_updates(),
        ...                  optim.scale(-1.0))
        >>> out, _ = tx.update(np.array([[0.5], [3.0]]), tx.init(np.zeros(1)))
        >>> out.tolist()
        [-0.75]
    """
    def init(params):
        return preprocessor.init(params), aggregator.init(params), postprocessor.init(params)

    def update(per_elt, states, params=None, **extra_args):
        pre_state, agg_state, post_state = states
        per_elt, pre_state = preprocessor.update(per_elt, pre_state, params, **extra_args)
        aggregated, agg_state = aggregator.update(per_elt, agg_state, params, **extra_args)
        if aggregator_has_aux:
            aggregated, aux = aggregated
            extra_args = extra_args | aux
        ready = tree_get(agg_state, "ready", True)
        updates, post_state = lax.cond(
            ready,
            lambda g, s, p, kw: postprocessor.update(g, s, p, **kw),
            lambda g, s, p, kw: (tree_zeros_like(g), s),
            aggregated, post_state, params, extra_args)
        return updates, (pre_state, agg_state, post_state)

    kind = Aggregator if isinstance(aggregator, Aggregator) else GradientTransformationExtraArgs
    return kind(init, update)


def average_per_element_updates(per_elt_axis: int | Sequence[int] = 0) -> Aggregator:
    """The mean of the per-example updates over `per_elt_axis`.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> agg = optim.experimental.aggregating.average_per_element_updates(per_elt_axis=1)
        >>> agg.update(np.array([[1.0, 3.0]]), agg.init(None))[0].tolist()
        [2.0]
    """
    axis = per_elt_axis if isinstance(per_elt_axis, int) else tuple(per_elt_axis)

    def update(per_elt, state, params=None):
        del params
        return tree_map(lambda x: fnp.mean(x, axis=axis), per_elt), state

    return Aggregator(init_empty_state, update)


class AccumulateAvgUpdatesState(NamedTuple):
    """`accumulate_avg_updates`'s state: calls since the last output, whether this call
    output the average, and the running average.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> optim.experimental.aggregating.accumulate_avg_updates(2).init(np.zeros(1))._fields
        ('micro_step', 'ready', 'avg_grad')
    """

    micro_step: Any
    ready: Any
    avg_grad: Any


def accumulate_avg_updates(accumulation_steps: int) -> GradientTransformation:
    """Average the updates of `accumulation_steps` calls; output it on the last of them
    (zeros on the others) and start again.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> tx = optim.experimental.aggregating.accumulate_avg_updates(2)
        >>> state = tx.init(np.zeros(1))
        >>> out, state = tx.update(np.array([1.0]), state)
        >>> out.tolist(), bool(state.ready)
        ([0.0], False)
        >>> out, state = tx.update(np.array([3.0]), state)
        >>> out.tolist(), bool(state.ready)
        ([2.0], True)
    """
    if accumulation_steps < 1:
        raise ValueError(f"accumulate_avg_updates: accumulation_steps must be >= 1, got "
                         f"{accumulation_steps}.")
    if accumulation_steps == 1:
        return identity()

    def init(params):
        return AccumulateAvgUpdatesState(np.asarray(0), np.asarray(False),
                                         tree_zeros_like(params))

    def update(updates, state, params=None):
        del params
        step = state.micro_step + 1
        avg = tree_map(lambda u, a: a + (u - a) / step, updates, state.avg_grad)
        done = AccumulateAvgUpdatesState(np.asarray(0), np.asarray(True), tree_zeros_like(avg))
        going = AccumulateAvgUpdatesState(step, np.asarray(False), avg)
        return tree_where(step == accumulation_steps, (avg, done),
                          (tree_zeros_like(avg), going))

    return GradientTransformation(init, update)


def average_incrementally_updates(per_elt_axis: MaybeAxis,
                                  accumulation_steps: int) -> GradientTransformation:
    """The mean over the example axes (None: updates are already aggregated), then
    accumulated over `accumulation_steps` calls.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> agg = optim.experimental.aggregating.average_incrementally_updates(0, 1)
        >>> agg.update(np.array([[1.0], [5.0]]), agg.init(np.zeros(1)))[0].tolist()
        [3.0]
    """
    if per_elt_axis is None:
        return accumulate_avg_updates(accumulation_steps)
    both = chain(average_per_element_updates(per_elt_axis),
                 accumulate_avg_updates(accumulation_steps))
    return Aggregator(both.init, both.update)


def get_batch_size_from_per_elt_updates(per_elt_updates: Any,
                                        per_elt_axis: int | Sequence[int]) -> int:
    """The number of examples: the size of `per_elt_axis` (the product over several),
    which must agree across the leaves.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> optim.experimental.aggregating.get_batch_size_from_per_elt_updates(
        ...     {'a': np.ones((4, 2)), 'b': np.ones((4,))}, 0)
        4
    """
    def size(leaf):
        shape = fnp.shape(leaf)
        if isinstance(per_elt_axis, int):
            return shape[per_elt_axis]
        return math.prod(shape[i] for i in per_elt_axis)

    sizes = [size(leaf) for leaf in tree_leaves(per_elt_updates)]
    if any(s != sizes[0] for s in sizes):
        raise ValueError(f"get_batch_size_from_per_elt_updates: the per-element updates "
                         f"must have one batch size along axis {per_elt_axis}; got {sizes}.")
    return sizes[0]


class PerElementMeanAndSumSqDiffGradsState(NamedTuple):
    """The accumulating state of `get_per_element_mean_and_sum_sq_diff_grads`.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> agg = optim.experimental.aggregating
        >>> agg.get_per_element_mean_and_sum_sq_diff_grads(0, 2).init(np.zeros(1))._fields
        ('micro_step', 'ready', 'mean_grads', 'sum_sq_diff_grads')
    """

    micro_step: Any
    ready: Any
    mean_grads: Any
    sum_sq_diff_grads: Any


def _mean_and_sum_sq(per_elt, axis):
    axis = axis if isinstance(axis, int) else tuple(axis)
    means = tree_map(lambda x: fnp.mean(x, axis=axis, keepdims=True), per_elt)
    sum_sq = tree_map(lambda x, m: fnp.sum(fnp.square(x - m), axis=axis), per_elt, means)
    return tree_map(lambda m: fnp.squeeze(m, axis=axis), means), sum_sq


def get_per_element_mean_and_sum_sq_diff_grads(
        per_elt_axis: int | Sequence[int] = 0,
        accumulation_steps: int = 1) -> Aggregator:
    """The mean of the per-example updates and, as aux, their sum of squared deviations
    and the sample size; over `accumulation_steps` calls they are merged exactly (Chan
    et al.'s parallel update) and output on the last call.

    Returns:
      An `Aggregator` whose update returns ``(mean, {'sum_sq_diff_grads': ...,
      'sample_size': n})`` (use ``process(..., aggregator_has_aux=True)``).

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> agg = optim.experimental.aggregating.get_per_element_mean_and_sum_sq_diff_grads()
        >>> (mean, aux), _ = agg.update(np.array([[1.0], [3.0]]), agg.init(np.zeros(1)))
        >>> mean.tolist(), aux['sum_sq_diff_grads'].tolist(), aux['sample_size']
        ([2.0], [2.0], 2)
    """
    def one_batch(per_elt, state, params=None):
        del params
        size = get_batch_size_from_per_elt_updates(per_elt, per_elt_axis)
        mean, sum_sq = _mean_and_sum_sq(per_elt, per_elt_axis)
        return (mean, {"sum_sq_diff_grads": sum_sq, "sample_size": size}), state

    if accumulation_steps == 1:
        return Aggregator(init_empty_state, one_batch)

    def init(params):
        return PerElementMeanAndSumSqDiffGradsState(
            np.asarray(0, np.int32), np.asarray(False), tree_zeros_like(params),
            tree_zeros_like(params))

    def update(per_elt, state, params=None):
        del params
        size = get_batch_size_from_per_elt_updates(per_elt, per_elt_axis)
        step = state.micro_step + 1
        batch_mean, batch_sum_sq = _mean_and_sum_sq(per_elt, per_elt_axis)
        delta = tree_map(lambda b, m: b - m, batch_mean, state.mean_grads)
        mean = tree_map(lambda m, d: m + d / step, state.mean_grads, delta)
        factor = state.micro_step * size / step
        sum_sq = tree_map(lambda a, s, d: a + s + d ** 2 * factor,
                          state.sum_sq_diff_grads, batch_sum_sq, delta)
        out = (mean, {"sum_sq_diff_grads": sum_sq, "sample_size": size * step})
        done = PerElementMeanAndSumSqDiffGradsState(
            np.asarray(0, np.int32), np.asarray(True), tree_zeros_like(mean),
            tree_zeros_like(sum_sq))
        going = PerElementMeanAndSumSqDiffGradsState(step, np.asarray(False), mean, sum_sq)
        return tree_where(step == accumulation_steps, (out, done),
                          (tree_zeros_like(out), going))

    return Aggregator(init, update)


class PerElementMeanAndVarianceEMAState(NamedTuple):
    """`track_per_element_mean_and_variance_with_ema`'s state.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> agg = optim.experimental.aggregating
        >>> agg.track_per_element_mean_and_variance_with_ema().init(np.zeros(1))._fields
        ('count', 'ema_decay', 'mean_grads_ema', 'variance_grads_ema')
    """

    count: Any
    ema_decay: Any
    mean_grads_ema: Any
    variance_grads_ema: Any


def track_per_element_mean_and_variance_with_ema(
        ema_decay: Any = 0.9) -> GradientTransformationExtraArgs:
    """Moving averages of the mean updates and of their sample variance
    ``sum_sq_diff_grads / (sample_size - 1)`` (given as extra arguments); updates pass
    through.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> tx = optim.experimental.aggregating.track_per_element_mean_and_variance_with_ema(0.5)
        >>> _, state = tx.update(np.array([2.0]), tx.init(np.zeros(1)),
        ...                      sum_sq_diff_grads=np.array([4.0]), sample_size=3)
        >>> state.mean_grads_ema.tolist(), state.variance_grads_ema.tolist()
        ([1.0], [1.0])
    """
    def init(params):
        return PerElementMeanAndVarianceEMAState(
            np.zeros((), np.int32), fnp.asarray(ema_decay), tree_zeros_like(params),
            tree_zeros_like(params))

    def update(updates, state, params=None, *, sum_sq_diff_grads, sample_size):
        del params

        def mix(x, y):
            return (1.0 - ema_decay) * x + ema_decay * y

        mean = tree_map(mix, updates, state.mean_grads_ema)
        variance = tree_map(mix, tree_scale(1 / (sample_size - 1), sum_sq_diff_grads),
                            state.variance_grads_ema)
        return updates, state._replace(count=safe_int32_increment(state.count),
                                       mean_grads_ema=mean, variance_grads_ema=variance)

    return GradientTransformationExtraArgs(init, update)


def get_unbiased_mean_and_variance_ema(state: Any) -> tuple[Any, Any]:
    """The debiased moving averages ``(mean, variance)`` from the
    `PerElementMeanAndVarianceEMAState` inside an optimizer state.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> agg = optim.experimental.aggregating
        >>> tx = agg.add_mean_variance_to_opt(optim.sgd(0.1), ema_decay=0.5)
        >>> params = np.zeros(1)
        >>> _, state = tx.update(np.array([[1.0], [3.0]]), tx.init(params), params)
        >>> [m.tolist() for m in agg.get_unbiased_mean_and_variance_ema(state)]
        [[2.0], [2.0]]
    """
    found = tree_get(state, "PerElementMeanAndVarianceEMAState", None)
    if found is None:
        raise ValueError("get_unbiased_mean_and_variance_ema: the state has no "
                         "PerElementMeanAndVarianceEMAState; make the optimizer with "
                         "add_mean_variance_to_opt(...).")
    correction = 1 - found.ema_decay ** found.count
    return (tree_map(lambda x: x / correction, found.mean_grads_ema),
            tree_map(lambda x: x / correction, found.variance_grads_ema))


def add_mean_variance_to_opt(opt: GradientTransformation, ema_decay: Any = 0.9,
                             per_elt_axis: int | Sequence[int] = 0,
                             accumulation_steps: int = 1) -> GradientTransformationExtraArgs:
    """`opt` on the mean of per-example gradients, with moving averages of the gradient's
    mean and variance kept in the state (read them with
    `get_unbiased_mean_and_variance_ema`).

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> tx = optim.experimental.aggregating.add_mean_variance_to_opt(optim.sgd(1.0))
        >>> params = np.zeros(1)
        >>> updates, _ = tx.update(np.array([[1.0], [3.0]]), tx.init(params), params)
        >>> updates.tolist()
        [-2.0]
    """
    return process(
        preprocessor=identity(),
        aggregator=get_per_element_mean_and_sum_sq_diff_grads(per_elt_axis,
                                                              accumulation_steps),
        postprocessor=chain(track_per_element_mean_and_variance_with_ema(ema_decay), opt),
        aggregator_has_aux=True)
