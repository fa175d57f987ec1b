"""Random pytrees (as ``optax.tree_utils``' random functions): one key per leaf, noise
shaped like each leaf.

fungrad keys are plain ``uint32`` arrays of shape ``(2,)`` (see `fungrad.random`), so a
tree of keys is a tree of such arrays and "unwrapping" typed keys changes nothing.

>>> import numpy as np
>>> from fungrad import random
>>> noise = tree_random_like(random.key(0), {'a': np.zeros(2), 'b': np.zeros((), np.float32)})
>>> noise['a'].shape, noise['b'].dtype
((2,), dtype('float32'))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import fungrad.random as frandom
from fungrad.core import Tracer, get_aval
from fungrad.random.keys import check_key
from fungrad.tree_util import tree_flatten, tree_map, tree_structure, tree_unflatten

__all__ = ["tree_split_key_like", "tree_random_like", "tree_unwrap_random_key_data"]

PyTree = Any


def tree_split_key_like(rng_key: Any, target_tree: PyTree) -> PyTree:
    """`rng_key` split into one key per leaf of `target_tree`, in its structure.

    Args:
      rng_key: a PRNG key (``fungrad.random.key(seed)``); do not reuse it afterwards.
      target_tree: the pytree whose structure the keys take.

    Returns:
      A pytree of keys: leaf i holds ``fungrad.random.split(rng_key, n)[i]``.

    Example:
        >>> import numpy as np
        >>> from fungrad import random
        >>> keys = tree_split_key_like(random.key(0), {'a': np.ones(3), 'b': np.ones(2)})
        >>> keys['a'].shape, bool((keys['a'] != keys['b']).any())
        ((2,), True)
    """
    if not isinstance(rng_key, Tracer):  # a traced key (under vmap) is checked by split
        check_key("tree_split_key_like", rng_key)
    treedef = tree_structure(target_tree)
    keys = frandom.split(rng_key, treedef.num_leaves)
    return tree_unflatten(treedef, list(keys))


def tree_random_like(
    rng_key: Any,
    target_tree: PyTree,
    sampler: Callable[[Any, tuple, Any], Any] = frandom.normal,
    dtype: Any = None,
) -> PyTree:
    """Random leaves shaped like `target_tree`'s: ``sampler(key, leaf.shape, dtype)``.

    Args:
      rng_key: a PRNG key, split into one key per leaf (`tree_split_key_like`).
      target_tree: the pytree of arrays whose structure and shapes the result takes.
      sampler: ``(key, shape, dtype) -> array``, by default ``fungrad.random.normal``.
      dtype: the dtype passed to `sampler` (None: each leaf's own).

    Returns:
      A pytree of `target_tree`'s structure.

    Example:
        >>> import numpy as np
        >>> from fungrad import random
        >>> tree = tree_random_like(random.key(1), {'w': np.zeros((2, 3))}, random.uniform)
        >>> tree['w'].shape, bool(((0 <= tree['w']) & (tree['w'] < 1)).all())
        ((2, 3), True)
    """
    if not callable(sampler):
        raise TypeError(f"tree_random_like: sampler must be a function (key, shape, dtype) -> "
                        f"array such as fungrad.random.normal, got {type(sampler).__name__}.")
    leaves, treedef = tree_flatten(target_tree)
    keys = tree_flatten(tree_split_key_like(rng_key, target_tree))[0]
    out = []
    for leaf, k in zip(leaves, keys, strict=True):
        aval = get_aval(leaf)
        out.append(sampler(k, tuple(aval.shape), aval.dtype if dtype is None else dtype))
    return tree_unflatten(treedef, out)


def tree_unwrap_random_key_data(input_tree: PyTree) -> PyTree:
    """`input_tree` with its keys as raw ``uint32`` data (``fungrad.random.key_data``).

    fungrad keys already are their data, so every leaf comes back as it is; the function
    exists so that code written for JAX's typed keys runs.

    Example:
        >>> from fungrad import random
        >>> tree_unwrap_random_key_data({'k': random.key(3)})['k'].tolist()
        [0, 3]
    """
    return tree_map(lambda x: x, input_tree)
