"""Pytrees: nested containers taken apart into a flat list of leaves and a structure.

This is the public module (`from fungrad.tree_util import tree_map`, as in JAX). It holds
the functions built on flattening (`tree_map`, `tree_reduce`, `tree_transpose`,
`broadcast_prefix`, treedef helpers) and re-exports the rest, which lives by concept in
`fungrad.tree_util.registry` (key path entries, node kinds, registration) and
`fungrad.tree_util.structure` (`PyTreeDef`, flatten and unflatten, key paths, mismatch errors).

Leaves are opaque: these modules never look inside them, so they need no NumPy.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

from fungrad.tree_util.partial import Partial
from fungrad.tree_util.registry import (
    TUPLE_KIND,
    DictKey,
    FlattenedIndexKey,
    GetAttrKey,
    IsLeaf,
    KeyEntry,
    KeyPath,
    PyTree,
    SequenceKey,
    T,
    is_tree_node,
    keystr,
    kind_of,
    register_dataclass,
    register_pytree_node,
    register_pytree_node_class,
    register_pytree_with_keys,
    register_pytree_with_keys_class,
    register_static,
)
from fungrad.tree_util.structure import (
    PyTreeDef,
    compose_treedefs,
    leaves_like,
    subtrees_up_to,
    tree_flatten,
    tree_flatten_with_path,
    tree_leaves,
    tree_leaves_with_path,
    tree_structure,
    tree_unflatten,
)

__all__ = [
    "PyTree", "PyTreeDef", "IsLeaf", "KeyEntry", "KeyPath",
    "SequenceKey", "DictKey", "GetAttrKey", "FlattenedIndexKey", "keystr",
    "register_pytree_node", "register_pytree_with_keys", "register_pytree_node_class",
    "register_dataclass", "register_pytree_with_keys_class", "register_static", "is_tree_node",
    "Partial", "tree_broadcast",
    "tree_flatten", "tree_leaves", "tree_structure", "tree_unflatten",
    "tree_flatten_with_path", "tree_leaves_with_path",
    "tree_map", "tree_map_with_path", "tree_reduce", "tree_all", "all_leaves",
    "tree_transpose", "broadcast_prefix",
    "treedef_is_leaf", "treedef_children", "treedef_tuple",
    "flatten_one_level", "flatten_one_level_with_keys", "tree_reduce_associative",
]

# --- One level of a node ------------------------------------------------------------------


def _node_kind(fn_name: str, tree: PyTree):
    kind = kind_of(tree)
    if kind is None:
        raise ValueError(f"{fn_name}: a {type(tree).__name__} is a leaf, not a pytree node; "
                         "pass a container (tuple, list, dict, None, a namedtuple or a "
                         "registered class), or register its type with register_pytree_node.")
    return kind


def flatten_one_level(tree: PyTree) -> tuple[Iterable[Any], Any]:
    """Take the root node of `tree` apart one level: its children and its aux data.

    Children are returned as they are (not flattened further); a leaf is an error.

    >>> flatten_one_level({'b': 1, 'a': (2, 3)})
    ([(2, 3), 1], ('a', 'b'))
    >>> flatten_one_level(None)
    ((), None)
    """
    return _node_kind("flatten_one_level", tree).flatten(tree)


def flatten_one_level_with_keys(tree: PyTree) -> tuple[Iterable[tuple[KeyEntry, Any]], Any]:
    """Like `flatten_one_level`, with each child paired with its key entry.

    >>> flatten_one_level_with_keys({'b': 1, 'a': 2})
    ([(DictKey(key='a'), 2), (DictKey(key='b'), 1)], ('a', 'b'))
    """
    return _node_kind("flatten_one_level_with_keys", tree).flatten_with_keys(tree)


# --- Mapping, reducing, transposing ------------------------------------------------------


def tree_map(f: Callable[..., Any], tree: PyTree, *rest: PyTree, is_leaf: IsLeaf = None) -> PyTree:
    """Apply `f` leafwise across pytrees of one structure.

    Args:
      f: called as ``f(leaf, *rest_leaves)`` at each leaf position.
      tree: the pytree whose structure the result has.
      *rest: more pytrees, each with exactly `tree`'s structure; otherwise ValueError
        naming the first differing key path and both structures.
      is_leaf: optional predicate marking subtrees to keep as leaves, in every tree.

    Returns:
      A pytree of `tree`'s structure holding f's results.

    >>> tree_map(lambda x, y: x + y, {'a': 1, 'b': (2, None)}, {'a': 10, 'b': (20, None)})
    {'a': 11, 'b': (22, None)}
    """
    if not callable(f):
        raise TypeError(f"tree_map: f must be a function of the leaves, got {f!r:.40} (type "
                        f"{type(f).__name__}); the function comes first: tree_map(f, tree).")
    leaves, treedef = tree_flatten(tree, is_leaf)
    others = [leaves_like(treedef, r, is_leaf, "tree_map", i) for i, r in enumerate(rest, 1)]
    return treedef.unflatten(map(f, leaves, *others))


def tree_map_with_path(
    f: Callable[..., Any], tree: PyTree, *rest: PyTree, is_leaf: Callable[..., bool] | None = None,
    is_leaf_takes_path: bool = False,
) -> PyTree:
    """Like `tree_map`, with the key path as the first argument of `f`.

    Args:
      f: called as ``f(key_path, leaf, *rest_leaves)`` at each leaf position.
      tree: the pytree whose structure the result has.
      *rest: more pytrees, each with exactly `tree`'s structure.
      is_leaf: optional predicate marking subtrees to keep as leaves, in every tree.
      is_leaf_takes_path: call ``is_leaf(key_path, subtree)`` instead of ``is_leaf(subtree)``.

    Returns:
      A pytree of `tree`'s structure holding f's results.

    Example:
        >>> from fungrad import tree_util
        >>> def scale_w(path, x):
        ...     return x * 10 if tree_util.keystr(path) == "['w']" else x
        >>> tree_util.tree_map_with_path(scale_w, {'w': 1.0, 'b': 2.0})
        {'b': 2.0, 'w': 10.0}
    """
    pairs, treedef = tree_flatten_with_path(tree, is_leaf, is_leaf_takes_path)
    fn = "tree_map_with_path"
    others = [subtrees_up_to(treedef, r, fn, ("tree 0", f"tree {i}")) if is_leaf_takes_path
              else leaves_like(treedef, r, is_leaf, fn, i) for i, r in enumerate(rest, 1)]
    return treedef.unflatten(map(f, [p for p, _ in pairs], [x for _, x in pairs], *others))


class _Missing:
    def __repr__(self) -> str:
        return "<no initializer>"


_MISSING: Any = _Missing()


def tree_reduce(
    function: Callable[[T, Any], T], tree: PyTree, initializer: T = _MISSING, is_leaf: IsLeaf = None
) -> T:
    """Fold `function` over the leaves of `tree`, left to right.

    Args:
      function: ``(accumulated, leaf) -> accumulated``.
      tree: the pytree.
      initializer: optional starting value; required when `tree` has no leaves.
      is_leaf: optional predicate marking subtrees to keep as leaves.

    Returns:
      The folded value.

    >>> tree_reduce(lambda a, b: a + b, [1, (2, 3)], 100)
    106
    """
    leaves = tree_leaves(tree, is_leaf)
    if initializer is not _MISSING:
        return functools.reduce(function, leaves, initializer)
    if not leaves:
        raise TypeError("tree_reduce: the tree has no leaves; pass an initializer.")
    return functools.reduce(function, leaves)


def tree_reduce_associative(
    operation: Callable[[T, T], T], tree: PyTree, *, identity: T = _MISSING,
    is_leaf: IsLeaf = None,
) -> T:
    """Combine the leaves of `tree` with an associative `operation`, pairwise in halves.

    The leaves keep their order, but the grouping is a balanced tree (depth log2 of the
    number of leaves) rather than a left fold, so `operation` must be associative.

    Args:
      operation: ``(a, b) -> c``, associative.
      tree: the pytree.
      identity: the result for a tree without leaves (required then).
      is_leaf: optional predicate marking subtrees to keep as leaves.

    Returns:
      The combined value.

    >>> tree_reduce_associative(lambda a, b: a + b, {'x': 'a', 'y': ['b', 'c']})
    'abc'
    >>> tree_reduce_associative(lambda a, b: a + b, [], identity=0)
    0
    """
    leaves = tree_leaves(tree, is_leaf)
    if not leaves:
        if identity is _MISSING:
            raise TypeError("tree_reduce_associative: the tree has no leaves; pass identity= "
                            "(the value an empty reduction returns).")
        return identity

    def combine(lo: int, hi: int):
        if hi - lo == 1:
            return leaves[lo]
        mid = (lo + hi) // 2
        return operation(combine(lo, mid), combine(mid, hi))

    return combine(0, len(leaves))


def tree_all(tree: PyTree, is_leaf: IsLeaf = None) -> bool:
    """Whether every leaf of `tree` is truthy.

    Args:
      tree: the pytree.
      is_leaf: optional predicate marking subtrees to keep as leaves.

    Returns:
      True when all leaves are truthy, including when there are none.

    Example:
        >>> from fungrad import tree_util
        >>> tree_util.tree_all([True, {'a': 1}])
        True
        >>> tree_util.tree_all([True, {'a': 0}])
        False
    """
    return all(tree_leaves(tree, is_leaf))


def all_leaves(iterable: Iterable[Any], is_leaf: IsLeaf = None) -> bool:
    """Whether every element of `iterable` is a leaf.

    Args:
      iterable: the objects to test; None is a node, not a leaf.
      is_leaf: optional predicate marking extra objects as leaves.

    Returns:
      True when each element is a leaf.

    Example:
        >>> import numpy as np
        >>> from fungrad import tree_util
        >>> tree_util.all_leaves([1.0, np.ones(2)])
        True
        >>> tree_util.all_leaves([1.0, (2.0,)])
        False
    """
    return all((is_leaf is not None and is_leaf(x)) or kind_of(x) is None for x in iterable)


def tree_transpose(
    outer_treedef: PyTreeDef, inner_treedef: PyTreeDef | None, pytree_to_transpose: PyTree
) -> PyTree:
    """Turn an outer-of-inner pytree into an inner-of-outer one.

    Args:
      outer_treedef: the structure of the outer level.
      inner_treedef: the structure under each outer leaf; None to take the first one's.
      pytree_to_transpose: an `outer_treedef` pytree with an `inner_treedef` pytree at
        each leaf.

    Returns:
      An `inner_treedef` pytree with an `outer_treedef` pytree at each leaf.

    >>> tree_transpose(tree_structure([0, 0]), tree_structure((0, 0)), [(1, 2), (3, 4)])
    ([1, 3], [2, 4])
    """
    fn, labels = "tree_transpose", ("expected structure", "pytree_to_transpose")
    if inner_treedef is None:
        first = subtrees_up_to(outer_treedef, pytree_to_transpose, fn, labels)
        if not first:
            raise ValueError(f"{fn}: cannot infer inner_treedef: outer_treedef has no leaves.")
        inner_treedef = tree_structure(first[0])
    full_treedef = compose_treedefs(outer_treedef, inner_treedef)
    flat = subtrees_up_to(full_treedef, pytree_to_transpose, fn, labels)
    # `flat` is outer-major: entry i * n_inner + j is inner leaf j of outer leaf i.
    n_inner = inner_treedef.num_leaves
    return inner_treedef.unflatten(
        outer_treedef.unflatten(flat[j::n_inner]) for j in range(n_inner)
    )


def broadcast_prefix(prefix_tree: PyTree, full_tree: PyTree, is_leaf: IsLeaf = None) -> list[Any]:
    """Repeat each leaf of `prefix_tree` once per leaf of the `full_tree` subtree under it.

    This spreads per-argument settings, such as vmap's in_axes, over every leaf. Here a
    None in `prefix_tree` counts as a leaf, so it spreads None over its whole subtree.

    Args:
      prefix_tree: a pytree whose structure is a prefix of `full_tree`'s; otherwise
        ValueError naming the key path and both structures.
      full_tree: the full pytree.
      is_leaf: optional predicate marking subtrees of `prefix_tree` to keep as leaves.

    Returns:
      A list with one entry per leaf of `full_tree`.

    >>> broadcast_prefix((0, None), ([1, 2], {'a': 3}))
    [0, 0, None]
    """

    def prefix_leaf(x):
        return x is None or (is_leaf is not None and is_leaf(x))

    prefix_leaves, prefix_def = tree_flatten(prefix_tree, prefix_leaf)
    labels = ("prefix tree", "full tree")
    subtrees = subtrees_up_to(prefix_def, full_tree, "broadcast_prefix", labels)
    result: list[Any] = []
    for leaf, subtree in zip(prefix_leaves, subtrees, strict=True):
        result.extend([leaf] * len(tree_leaves(subtree)))
    return result


def tree_broadcast(prefix_tree: PyTree, full_tree: PyTree, is_leaf: IsLeaf = None) -> PyTree:
    """Return `prefix_tree` with each leaf repeated over the `full_tree` subtree under it.

    Args:
      prefix_tree: a pytree whose structure is a prefix of `full_tree`'s.
      full_tree: the pytree whose structure the result has.
      is_leaf: optional predicate marking subtrees to keep as leaves (in both trees).

    Returns:
      A pytree with `full_tree`'s structure (as far as `prefix_tree` reaches: a leaf of
      `prefix_tree` replaces its whole subtree's leaves by copies of itself).

    >>> tree_broadcast((1, {'a': 2}), ((3, 4), {'a': [5, 6]}))
    ((1, 1), {'a': [2, 2]})
    """
    prefix_leaves, prefix_def = tree_flatten(prefix_tree, is_leaf)
    labels = ("prefix_tree", "full_tree")
    subtrees = subtrees_up_to(prefix_def, full_tree, "tree_broadcast", labels)
    spread = [tree_map(lambda _, v=leaf: v, sub, is_leaf=is_leaf)
              for leaf, sub in zip(prefix_leaves, subtrees, strict=True)]
    return prefix_def.unflatten(spread)


# --- Treedef helpers ---------------------------------------------------------------------


def treedef_is_leaf(treedef: PyTreeDef) -> bool:
    """Whether `treedef` is a single node.

    Args:
      treedef: the structure.

    Returns:
      True for a leaf and, as in JAX, for a childless node such as None or [].

    Example:
        >>> from fungrad import tree_util
        >>> tree_util.treedef_is_leaf(tree_util.tree_structure(1.0))
        True
        >>> tree_util.treedef_is_leaf(tree_util.tree_structure([1.0]))
        False
    """
    return treedef.num_nodes == 1


def treedef_children(treedef: PyTreeDef) -> list[PyTreeDef]:
    """The structures of the root node's children.

    Args:
      treedef: the structure.

    Returns:
      One `PyTreeDef` per child.

    Example:
        >>> from fungrad import tree_util
        >>> tree_util.treedef_children(tree_util.tree_structure({'a': 1, 'b': (2, 3)}))
        [PyTreeDef(*), PyTreeDef((*, *))]
    """
    return treedef.children()


def treedef_tuple(treedefs: Iterable[PyTreeDef]) -> PyTreeDef:
    """The structure of a tuple whose children have the given structures.

    Args:
      treedefs: the children's structures.

    Returns:
      The tuple's `PyTreeDef`.

    >>> treedef_tuple([tree_structure(1), tree_structure([1, 2])])
    PyTreeDef((*, [*, *]))
    """
    treedefs = list(treedefs)
    for i, td in enumerate(treedefs):
        if not isinstance(td, PyTreeDef):
            raise TypeError(
                f"treedef_tuple: element {i} is a {type(td).__name__}, not a PyTreeDef."
            )
    return PyTreeDef(TUPLE_KIND, None, treedefs)


# doctest.testmod(fungrad.tree_util) finds only functions defined in this module; list the
# re-exported ones too, so the whole public API's examples run as one module's.
__test__ = {
    name: obj for name, obj in globals().items()
    if name in __all__ and getattr(obj, "__module__", None) in (
        "fungrad.tree_util.registry", "fungrad.tree_util.structure", "fungrad.tree_util.partial")
}
