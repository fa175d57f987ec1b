"""Target-network updates (as optax's ``incremental_update``/``periodic_update``):
move a copy of the parameters towards the online ones, smoothly or every few steps.

>>> import numpy as np, fungrad.optim as optim
>>> optim.incremental_update({'w': np.ones(2)}, {'w': np.zeros(2)}, 0.25)['w'].tolist()
[0.25, 0.25]
"""

from __future__ import annotations

from typing import Any

import fungrad.numpy as fnp
from fungrad.optim.leafwise import astype_like, map_leaves, tree_select

__all__ = ["incremental_update", "periodic_update"]


def incremental_update(new_tensors: Any, old_tensors: Any, step_size: Any) -> Any:
    """Polyak averaging: ``step_size * new + (1 - step_size) * old``, leafwise.

    Args:
      new_tensors: the latest values (e.g. the online network's params).
      old_tensors: the running values (e.g. the target network's), same structure.
      step_size: the weight of the new values, in [0, 1].

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> optim.incremental_update({'w': np.array([4.0])}, {'w': np.array([0.0])}, 0.5)
        {'w': array([2.])}
    """
    return map_leaves(
        "incremental_update",
        lambda new, old: astype_like(step_size * new + (1.0 - step_size) * old, old),
        ("new_tensors", new_tensors), ("old_tensors", old_tensors))


def periodic_update(new_tensors: Any, old_tensors: Any, steps: Any, update_period: Any) -> Any:
    """`new_tensors` at the steps that are multiples of `update_period`, else `old_tensors`.

    Args:
      new_tensors, old_tensors: pytrees of one structure.
      steps: the current step (an integer scalar, may be traced).
      update_period: how often to copy the new values.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> new, old = {'w': np.ones(1)}, {'w': np.zeros(1)}
        >>> [optim.periodic_update(new, old, s, 3)['w'].tolist() for s in (2, 3)]
        [[0.0], [1.0]]
    """
    map_leaves("periodic_update", lambda a, b: None, ("new_tensors", new_tensors),
               ("old_tensors", old_tensors))  # one structure, one shape per leaf
    return tree_select(fnp.mod(steps, update_period) == 0, new_tensors, old_tensors)
