"""Clipping: bound the updates elementwise (`clip`) or by their global norm."""

from __future__ import annotations

from typing import Any

import fungrad.numpy as fnp
from fungrad.optim.base import GradientTransformation, init_empty_state
from fungrad.optim.leafwise import concrete_bool, map_leaves, scalar_like, weak_scalar
from fungrad.tree_util import tree_flatten

__all__ = ["global_norm", "clip", "clip_by_global_norm"]



def global_norm(updates: Any) -> Any:
    """The L2 norm of all leaves of `updates` taken together, ``sqrt(sum(x**2))``.

    Args:
      updates: a pytree of real arrays.

    Returns:
      A scalar (0.0 for a tree without leaves).

    >>> import numpy as np
    >>> float(global_norm({'a': np.array([3.0]), 'b': np.array([[4.0]])}))
    5.0
    """
    total = 0.0
    for leaf in tree_flatten(updates)[0]:
        # vdot reduces without materialising leaf**2.
        total = fnp.add(total, fnp.vdot(leaf, leaf))
    return fnp.sqrt(total)


def clip(max_delta: float) -> GradientTransformation:
    """Clip every update element to ``[-max_delta, max_delta]``.

    Args:
      max_delta: the bound (> 0).

    Returns:
      A stateless `GradientTransformation`.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> grads = {'w': np.array([1.0, -2.0])}
        >>> t = optim.clip(1.5)
        >>> t.update(grads, t.init(None))[0]['w']
        array([ 1. , -1.5])
    """
    max_delta = weak_scalar(max_delta)

    def clipped(g):
        bound = scalar_like(max_delta, g)
        return fnp.clip(g, -bound, bound)

    def update(updates, state, params=None):
        del params
        return map_leaves("clip", clipped, ("updates", updates)), state

    return GradientTransformation(init_empty_state, update)


def clip_by_global_norm(max_norm: float) -> GradientTransformation:
    """Rescale the updates so that their `global_norm` is at most `max_norm`.

    Args:
      max_norm: the largest norm let through unchanged.

    Returns:
      A stateless `GradientTransformation`: updates with a larger norm ``n`` are
      multiplied by ``max_norm / n``; others are returned as they are.

    >>> import numpy as np
    >>> t = clip_by_global_norm(1.0)
    >>> t.update({'w': np.array([3.0, 4.0])}, t.init(None))[0]['w']
    array([0.6, 0.8])
    """
    max_norm = weak_scalar(max_norm)

    def update(updates, state, params=None):
        del params
        norm = global_norm(updates)
        small = fnp.less(norm, max_norm)
        known = concrete_bool(small)
        if known:
            return updates, state
        factor = fnp.divide(max_norm, norm)
        if known is None:
            factor = fnp.where(small, 1.0, factor)
        new = map_leaves(
            "clip_by_global_norm",
            lambda g: fnp.multiply(g, scalar_like(factor, g)),
            ("updates", updates),
        )
        return new, state

    return GradientTransformation(init_empty_state, update)
