"""``fg.tree``: the short names of the pytree functions (JAX's ``jax.tree`` module).

``fg.tree.map(f, tree)`` is ``fg.tree_util.tree_map(f, tree)``, and so on; parameter names
and defaults are JAX's. See :mod:`fungrad.tree_util` for registration and key paths.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

from fungrad import tree_util
from fungrad.tree_util import _MISSING as _NO_INITIALIZER
from fungrad.tree_util import PyTreeDef, T

__all__ = ["map", "leaves", "structure", "flatten", "unflatten", "reduce", "all",
           "transpose", "map_with_path", "leaves_with_path", "flatten_with_path",
           "broadcast", "reduce_associative", "static"]

IsLeaf = Callable[[Any], bool] | None


def map(f: Callable[..., Any], tree: Any, *rest: Any, is_leaf: IsLeaf = None) -> Any:  # noqa: A001
    """Apply ``f`` leafwise across pytrees of one structure (``tree_util.tree_map``).

    >>> import fungrad as fg
    >>> fg.tree.map(lambda x, y: x + y, {'a': 1, 'b': 2}, {'a': 10, 'b': 20})
    {'a': 11, 'b': 22}
    """
    return tree_util.tree_map(f, tree, *rest, is_leaf=is_leaf)


def leaves(tree: Any, is_leaf: IsLeaf = None) -> list:
    """Return the leaves of ``tree`` in flattening order (``tree_util.tree_leaves``).

    Example:
        >>> import numpy as np
        >>> from fungrad import tree
        >>> params = {'w': np.ones(2), 'b': [0.5, (1.0, 2.0)]}
        >>> tree.leaves(params)
        [0.5, 1.0, 2.0, array([1., 1.])]
    """
    return tree_util.tree_leaves(tree, is_leaf)


def structure(tree: Any, is_leaf: IsLeaf = None) -> PyTreeDef:
    """Return the structure of ``tree`` (``tree_util.tree_structure``).

    Example:
        >>> import numpy as np
        >>> from fungrad import tree
        >>> tree.structure({'w': np.ones(2), 'b': [0.0, 1.0]})
        PyTreeDef({'b': [*, *], 'w': *})
    """
    return tree_util.tree_structure(tree, is_leaf)


def flatten(tree: Any, is_leaf: IsLeaf = None) -> tuple[list, PyTreeDef]:
    """Return ``(leaves, treedef)`` of ``tree`` (``tree_util.tree_flatten``).

    Example:
        >>> import numpy as np
        >>> from fungrad import tree
        >>> params = {'w': np.ones(2), 'b': [0.5, (1.0, 2.0)]}
        >>> leaves, treedef = tree.flatten(params)
        >>> leaves
        [0.5, 1.0, 2.0, array([1., 1.])]
        >>> treedef
        PyTreeDef({'b': [*, (*, *)], 'w': *})
    """
    return tree_util.tree_flatten(tree, is_leaf)


def unflatten(treedef: PyTreeDef, leaves: Iterable[Any]) -> Any:
    """Build the pytree of structure ``treedef`` from ``leaves`` (``tree_util.tree_unflatten``).

    Example:
        >>> from fungrad import tree
        >>> treedef = tree.structure({'w': 0, 'b': (0, 0)})
        >>> tree.unflatten(treedef, [1, 2, 3])
        {'b': (1, 2), 'w': 3}
    """
    return tree_util.tree_unflatten(treedef, leaves)


def reduce(function: Callable[[T, Any], T], tree: Any, initializer: Any = _NO_INITIALIZER,
           is_leaf: IsLeaf = None) -> T:
    """Fold ``function`` over the leaves of ``tree``, left to right (``tree_util.tree_reduce``).

    Example:
        >>> from fungrad import tree
        >>> tree.reduce(lambda total, x: total + x, {'a': 1, 'b': [2, 3]})
        6
        >>> tree.reduce(max, [3, (7, 1)], 0)
        7
    """
    return tree_util.tree_reduce(function, tree, initializer, is_leaf)


def all(tree: Any, *, is_leaf: IsLeaf = None) -> bool:  # noqa: A001
    """Whether every leaf of ``tree`` is truthy (``tree_util.tree_all``).

    Example:
        >>> from fungrad import tree
        >>> tree.all({'a': True, 'b': [1, 2]})
        True
        >>> tree.all([True, 0])
        False
    """
    return tree_util.tree_all(tree, is_leaf)


def transpose(outer_treedef: PyTreeDef, inner_treedef: PyTreeDef | None,
              pytree_to_transpose: Any) -> Any:
    """Turn an outer-of-inner pytree into an inner-of-outer one (``tree_util.tree_transpose``).

    Example:
        >>> from fungrad import tree
        >>> outer = tree.structure([0, 0])
        >>> inner = tree.structure({'a': 0, 'b': 0})
        >>> tree.transpose(outer, inner, [{'a': 1, 'b': 2}, {'a': 3, 'b': 4}])
        {'a': [1, 3], 'b': [2, 4]}
    """
    return tree_util.tree_transpose(outer_treedef, inner_treedef, pytree_to_transpose)


def map_with_path(f: Callable[..., Any], tree: Any, *rest: Any,
                  is_leaf: Callable[..., bool] | None = None,
                  is_leaf_takes_path: bool = False) -> Any:
    """Like :func:`map`, with each leaf's key path as ``f``'s first argument.

    Example:
        >>> from fungrad import tree_util
        >>> from fungrad import tree
        >>> tree.map_with_path(lambda path, x: f'{tree_util.keystr(path)}={x}', {'a': 1, 'b': [2]})
        {'a': "['a']=1", 'b': ["['b'][0]=2"]}
    """
    return tree_util.tree_map_with_path(f, tree, *rest, is_leaf=is_leaf,
                                        is_leaf_takes_path=is_leaf_takes_path)


def leaves_with_path(tree: Any, is_leaf: Callable[..., bool] | None = None,
                     is_leaf_takes_path: bool = False) -> list:
    """Return the ``(key_path, leaf)`` pairs of ``tree`` (``tree_util.tree_leaves_with_path``).

    Example:
        >>> from fungrad import tree_util
        >>> from fungrad import tree
        >>> [(tree_util.keystr(p), x) for p, x in tree.leaves_with_path({'a': 1, 'b': (2,)})]
        [("['a']", 1), ("['b'][0]", 2)]
    """
    return tree_util.tree_leaves_with_path(tree, is_leaf, is_leaf_takes_path)


def flatten_with_path(tree: Any, is_leaf: Callable[..., bool] | None = None,
                      is_leaf_takes_path: bool = False) -> tuple[list, PyTreeDef]:
    """Return ``([(key_path, leaf), ...], treedef)`` (``tree_util.tree_flatten_with_path``).

    Example:
        >>> from fungrad import tree_util
        >>> from fungrad import tree
        >>> pairs, treedef = tree.flatten_with_path({'a': 1, 'b': [2, 3]})
        >>> [(tree_util.keystr(path), leaf) for path, leaf in pairs]
        [("['a']", 1), ("['b'][0]", 2), ("['b'][1]", 3)]
    """
    return tree_util.tree_flatten_with_path(tree, is_leaf, is_leaf_takes_path)


def broadcast(prefix_tree: Any, full_tree: Any, is_leaf: IsLeaf = None) -> Any:
    """Repeat each leaf of ``prefix_tree`` over ``full_tree``'s subtree under it.

    >>> import fungrad as fg
    >>> fg.tree.broadcast((1, 2), ((3, 4), 5))
    ((1, 1), 2)
    """
    return tree_util.tree_broadcast(prefix_tree, full_tree, is_leaf)


def reduce_associative(operation: Callable[[T, T], T], tree: Any, *,
                       identity: Any = _NO_INITIALIZER, is_leaf: IsLeaf = None) -> T:
    """Combine the leaves of ``tree`` with an associative ``operation``, pairwise as a tree.

    Unlike :func:`reduce`, the leaves are combined in a balanced tree of calls (depth
    about ``log2(n)``, the same grouping as JAX's), so long sums stay shallow.

    Args:
      operation: an associative ``(a, b) -> c``.
      tree: the pytree.
      identity: returned for a tree without leaves (otherwise that is a TypeError).
      is_leaf: optional predicate marking subtrees to keep as leaves.

    >>> import fungrad as fg
    >>> fg.tree.reduce_associative(lambda a, b: (a, b), [1, 2, 3, 4, 5])
    ((1, 2), (3, (4, 5)))
    """
    return tree_util.tree_reduce_associative(operation, tree, identity=identity,
                                             is_leaf=is_leaf)


def static(**kwargs) -> Any:
    """A dataclass field marked static for ``tree_util.register_dataclass``.

    Takes the arguments of ``dataclasses.field``; adds ``metadata={'static': True}``.

    Example:
        >>> import numpy as np
        >>> from fungrad import tree_util
        >>> from fungrad import tree
        >>> import dataclasses
        >>> @dataclasses.dataclass
        ... class Layer:
        ...     w: np.ndarray
        ...     act: str = tree.static(default='relu')
        >>> _ = tree_util.register_dataclass(Layer)
        >>> tree.leaves(Layer(w=np.ones(2)))
        [array([1., 1.])]
    """
    metadata = dict(kwargs.pop("metadata", None) or {})
    metadata["static"] = True
    return dataclasses.field(metadata=metadata, **kwargs)
