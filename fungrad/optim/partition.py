"""Transformations over parts of the parameter tree: `partition`, `freeze`, `flatten`.

`partition` (also `multi_transform`) gives each group of parameters, named by a label
per leaf, its own transformation; `freeze` zeroes the updates of some leaves; `flatten`
runs a transformation on all leaves concatenated into one vector.

>>> import numpy as np, fungrad.optim as optim
>>> opt = optim.partition({'fast': optim.sgd(1.0), 'still': optim.set_to_zero()},
...                       {'w': 'fast', 'b': 'still'})
>>> params = {'w': np.ones(2), 'b': np.ones(2)}
>>> updates, _ = opt.update({'w': np.ones(2), 'b': np.ones(2)}, opt.init(params), params)
>>> updates['w'].tolist(), updates['b'].tolist()
([-1.0, -1.0], [0.0, 0.0])
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any, NamedTuple

import numpy as np

import fungrad.numpy as fnp
from fungrad.optim.base import (
    GradientTransformation,
    GradientTransformationExtraArgs,
    set_to_zero,
    with_extra_args_support,
)
from fungrad.optim.wrappers import masked
from fungrad.tree_util import tree_flatten, tree_leaves, tree_map

__all__ = ["partition", "multi_transform", "PartitionState", "MultiTransformState", "freeze",
           "flatten"]


class PartitionState(NamedTuple):
    """One inner state per label: ``{label: MaskedState}``.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> tfs = {'fast': optim.sgd(1.0), 'slow': optim.sgd(0.1)}
        >>> tx = optim.partition(tfs, {'a': 'fast', 'b': 'slow'})
        >>> state = tx.init({'a': np.zeros(2), 'b': np.zeros(2)})
        >>> isinstance(state, optim.PartitionState)
        True
        >>> sorted(state.inner_states)
        ['fast', 'slow']
    """

    inner_states: Any


MultiTransformState = PartitionState  # optax's older name, as multi_transform is partition's


def _labels_of(param_labels: Any, tree: Any) -> Any:
    return param_labels(tree) if callable(param_labels) else param_labels


def partition(
    transforms: Mapping[Hashable, GradientTransformation],
    param_labels: Any,
    *,
    mask_compatible_extra_args: bool = False,
) -> GradientTransformationExtraArgs:
    """Apply ``transforms[label]`` to the leaves labelled `label`.

    Args:
      transforms: ``{label: transformation}``.
      param_labels: a pytree of labels with the params' structure (or a prefix of it),
        or a function ``params -> such a pytree``.
      mask_compatible_extra_args: as in `masked`.

    Returns:
      A `GradientTransformationExtraArgs` with a `PartitionState`.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> tfs = {'fast': optim.sgd(1.0), 'slow': optim.sgd(0.1)}
        >>> tx = optim.partition(tfs, {'a': 'fast', 'b': 'slow'})
        >>> params = {'a': np.zeros(2), 'b': np.zeros(2)}
        >>> state = tx.init(params)
        >>> updates, state = tx.update({'a': np.ones(2), 'b': np.ones(2)}, state, params)
        >>> updates['a'].tolist(), np.round(updates['b'], 6).tolist()
        ([-1.0, -1.0], [-0.1, -0.1])
        >>> optim.multi_transform is optim.partition
        True
    """
    if not isinstance(transforms, Mapping):
        raise TypeError(
            f"partition: transforms must be a mapping {{label: transformation}}, got a "
            f"{type(transforms).__name__}."
        )

    def group(labels, label):
        return masked(
            transforms[label], tree_map(lambda x: x == label, labels),
            mask_compatible_extra_args=mask_compatible_extra_args,
        )

    def init(params):
        labels = _labels_of(param_labels, params)
        missing = sorted({str(x) for x in tree_leaves(labels)} - {str(k) for k in transforms})
        if missing:
            raise ValueError(
                f"partition: the labels {missing} have no transformation; transforms has "
                f"the labels {sorted(str(k) for k in transforms)}. Add one for each label."
            )
        return PartitionState({k: group(labels, k).init(params) for k in transforms})

    def update(updates, state, params=None, **extra_args):
        labels = _labels_of(param_labels, updates)
        new_states = {}
        for k in transforms:
            updates, new_states[k] = group(labels, k).update(
                updates, state.inner_states[k], params, **extra_args
            )
        return updates, PartitionState(new_states)

    return GradientTransformationExtraArgs(init, update)


multi_transform = partition  # optax's older name for the same function


def freeze(mask: Any) -> GradientTransformationExtraArgs:
    """Zero the updates of the leaves where `mask` is True (they stay where they are).

    Args:
      mask: a bool, a pytree of bools (or a prefix), or a function of the params.

    Returns:
      ``masked(set_to_zero(), mask)``.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> tx = optim.chain(optim.sgd(0.1), optim.freeze({'a': True, 'b': False}))
        >>> params = {'a': np.zeros(2), 'b': np.zeros(2)}
        >>> state = tx.init(params)
        >>> updates, state = tx.update({'a': np.ones(2), 'b': np.ones(2)}, state, params)
        >>> updates['a'].tolist(), np.round(updates['b'], 6).tolist()
        ([0.0, 0.0], [-0.1, -0.1])
    """
    return masked(set_to_zero(), mask)


def _concatenate(tree: Any) -> Any:
    leaves = tree_leaves(tree)
    if not leaves:
        return fnp.zeros((0,))
    return fnp.concatenate([fnp.reshape(leaf, (-1,)) for leaf in leaves])


def _split_like(flat: Any, like: Any) -> Any:
    leaves, treedef = tree_flatten(like)
    out, start = [], 0
    for leaf in leaves:
        size = int(np.prod(fnp.shape(leaf)))
        out.append(fnp.reshape(flat[start:start + size], fnp.shape(leaf)))
        start += size
    return treedef.unflatten(out)


def flatten(inner: GradientTransformation) -> GradientTransformationExtraArgs:
    """Run `inner` on one vector: all leaves raveled and concatenated.

    Useful for transformations whose cost is per leaf (fewer, larger operations) or that
    need one vector (say a preconditioner over all parameters).

    Args:
      inner: the transformation of the flat vector.

    Returns:
      A `GradientTransformationExtraArgs` whose state is `inner`'s state of the vector.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> tx = optim.flatten(optim.sgd(0.1))
        >>> params = {'a': np.zeros(2), 'b': np.zeros(())}
        >>> state = tx.init(params)
        >>> updates, state = tx.update({'a': np.ones(2), 'b': np.array(2.0)}, state, params)
        >>> np.round(updates['a'], 6).tolist(), round(float(updates['b']), 6)
        ([-0.1, -0.1], -0.2)
    """
    inner = with_extra_args_support(inner)

    def init(params):
        return inner.init(_concatenate(params))

    def update(updates, state, params=None, **extra_args):
        flat_params = None if params is None else _concatenate(params)
        flat, state = inner.update(_concatenate(updates), state, flat_params, **extra_args)
        return _split_like(flat, updates), state

    return GradientTransformationExtraArgs(init, update)
