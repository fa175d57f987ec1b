"""``tree_map_params``: map a function over the parts of an optimizer state that mirror
the parameters (Adam's `mu` and `nu`, say), leaving the rest (step counts) alone.

The transformation's ``init`` is run on a placeholder, an empty pytree node: the places
the placeholder lands in the resulting state are the params-shaped subtrees.

>>> import numpy as np, fungrad.optim as optim
>>> opt = optim.adam(0.1)
>>> state = opt.init({'w': np.ones(2)})
>>> doubled = optim.tree_map_params(opt, lambda p: p + 2.0, state)
>>> doubled[0].mu['w'].tolist(), int(doubled[0].count)
([2.0, 2.0], 0)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fungrad.tree_util import register_pytree_node_class, tree_flatten, tree_map

__all__ = ["tree_map_params"]


@register_pytree_node_class
class _ParamsPlaceholder:
    """An empty pytree node that stands for the parameters while ``init`` runs."""

    def tree_flatten(self):
        return (), None

    @classmethod
    def tree_unflatten(cls, aux, children):
        del aux, children
        return cls()


def _is_placeholder(x: Any) -> bool:
    return isinstance(x, _ParamsPlaceholder)


def tree_map_params(
    initable: Any,
    f: Callable[..., Any],
    state: Any,
    /,
    *rest: Any,
    transform_non_params: Callable[..., Any] | None = None,
    is_leaf: Callable[[Any], bool] | None = None,
) -> Any:
    """Apply `f` to the leaves of the params-shaped parts of `state`.

    Args:
      initable: the transformation that made `state` (or its ``init`` function).
      f: called on each leaf of each params-shaped subtree, with the matching leaves of
        `rest`.
      state: the optimizer state.
      *rest: pytrees with the parameters' structure, passed leafwise to `f`.
      transform_non_params: applied to every other leaf of the state (None: kept).
      is_leaf: as in `tree_map`, for the params-shaped subtrees.

    Returns:
      A state of the same structure.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> opt = optim.sgd(0.1, momentum=0.9)
        >>> state = opt.init({'w': np.ones(2)})
        >>> optim.tree_map_params(opt, lambda p: p.shape, state)[0].trace
        {'w': (2,)}
    """
    init = getattr(initable, "init", initable)
    if not callable(init):
        raise TypeError(f"tree_map_params: initable must be a transformation or an init "
                        f"function, got {type(initable).__name__}.")
    skeleton = init(_ParamsPlaceholder())

    def map_part(marker, value):
        if _is_placeholder(marker):
            return tree_map(f, value, *rest, is_leaf=is_leaf)
        return value if transform_non_params is None else transform_non_params(value)

    markers, treedef = tree_flatten(skeleton, is_leaf=_is_placeholder)
    parts = treedef.flatten_up_to(state)
    return treedef.unflatten([map_part(m, v) for m, v in zip(markers, parts)])
