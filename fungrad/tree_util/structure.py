"""Pytree structures: `PyTreeDef`, flattening and unflattening, key paths, mismatches.

Every transform's front end flattens its arguments, transforms the flat function, and
unflattens the results, so `tree_flatten` is on the hot path of every call. The design
follows from that: flattening is a tight recursion over the node kinds of
`fungrad.tree_util.registry` that handles leaf children inline, and a lone leaf never reaches
the recursion. Key paths, which only errors and the `*_with_path` functions need, take a
separate, slower route so the common route pays nothing for them. When two structures
disagree, the errors name the first differing key path and show both structures.

The public API is `fungrad.tree_util`, which re-exports the public names here.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterable
from typing import Any

from fungrad.tree_util.registry import (
    LIST_KIND,
    NAMEDTUPLE_KIND,
    NONE_KIND,
    TUPLE_KIND,
    IsLeaf,
    KeyPath,
    NodeKind,
    PyTree,
    keystr,
    kind_of,
    registry,
)

# --- Depth ------------------------------------------------------------------------------


class PyTreeDepthError(RecursionError):
    """A pytree nested more deeply than Python's recursion limit lets fungrad walk."""


def too_deep(fn_name: str, err: RecursionError) -> PyTreeDepthError:
    """The error for a RecursionError met while walking a pytree in ``fn_name``."""
    if isinstance(err, PyTreeDepthError):
        return err
    limit = sys.getrecursionlimit()
    return PyTreeDepthError(
        f"{fn_name}: the pytree is nested too deeply to walk within Python's recursion limit "
        f"({limit}; each level of nesting takes a few frames). Nest less deeply (for example "
        f"a flat list of layers rather than each layer inside the previous one), or raise "
        f"the limit: `import sys; sys.setrecursionlimit({4 * limit})`."
    )


def depth_guarded(fn_name: str) -> Callable:
    """Decorate a pytree walk so that running out of stack raises `PyTreeDepthError`."""

    def wrap(fn):
        @functools.wraps(fn)
        def guarded(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except RecursionError as err:
                raise too_deep(fn_name, err) from None

        return guarded

    return wrap


# --- PyTreeDef ---------------------------------------------------------------------------


class PyTreeDef:
    """The structure of a pytree: node types, their aux data, and where the leaves go.

    Immutable and hashable; equal when node types, aux data and children are all equal.
    Made by `tree_flatten` and `tree_structure`, not by hand.

    Example:
        >>> from fungrad import tree_util
        >>> treedef = tree_util.tree_structure({'w': 1.0, 'b': (2.0, 3.0)})
        >>> treedef
        PyTreeDef({'b': (*, *), 'w': *})
        >>> treedef.num_leaves
        3
        >>> treedef.unflatten([10, 20, 30])
        {'b': (10, 20), 'w': 30}
    """

    __slots__ = ("_kind", "_aux", "_children", "_num_leaves", "_num_nodes", "_hash")

    def __init__(self, kind: NodeKind | None, aux: Any, children: Iterable[PyTreeDef]):
        self._kind, self._aux, self._children, self._hash = kind, aux, tuple(children), None
        num_leaves, num_nodes = (1, 1) if kind is None else (0, 1)
        for child in self._children:
            num_leaves += child._num_leaves
            num_nodes += child._num_nodes
        self._num_leaves, self._num_nodes = num_leaves, num_nodes

    @property
    def num_leaves(self) -> int:
        """Number of leaves."""
        return self._num_leaves

    @property
    def num_nodes(self) -> int:
        """Number of nodes, leaves included."""
        return self._num_nodes

    def children(self) -> list[PyTreeDef]:
        """The treedefs of the root node's children."""
        return list(self._children)

    def unflatten(self, leaves: Iterable[Any]) -> PyTree:
        """Build a pytree of this structure; same as ``tree_unflatten(self, leaves)``."""
        return _unflatten(self, leaves, "PyTreeDef.unflatten")

    def flatten_up_to(self, tree: PyTree) -> list[Any]:
        """Flatten `tree` only as deep as this structure goes.

        Args:
          tree: a pytree that has this structure as a prefix.

        Returns:
          The subtrees of `tree` at this structure's leaf positions.
        """
        return subtrees_up_to(self, tree, "PyTreeDef.flatten_up_to", ("treedef", "tree"))

    @depth_guarded("PyTreeDef.__repr__")
    def __repr__(self) -> str:
        return f"PyTreeDef({_show(self)})"

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, PyTreeDef):
            return NotImplemented
        try:  # (a try costs nothing until it catches, on the hot path of jit's cache)
            return (
                self._kind is other._kind
                and self._num_nodes == other._num_nodes
                and self._num_leaves == other._num_leaves
                and bool(self._aux == other._aux)
                and self._children == other._children
            )
        except RecursionError as err:
            raise too_deep("PyTreeDef.__eq__", err) from None

    def __hash__(self) -> int:
        if self._hash is None:
            try:
                self._hash = hash((self._kind, self._aux, self._children))
            except RecursionError as err:
                raise too_deep("PyTreeDef.__hash__", err) from None
            except TypeError as e:
                raise TypeError(
                    f"PyTreeDef: cannot hash {self!r} ({e}); the aux data of every node "
                    "(dataclass meta fields, custom aux_data) must be hashable."
                ) from None
        return self._hash


LEAF = PyTreeDef(None, None, ())


def _show(td: PyTreeDef) -> str:
    if td._kind is None:
        return "*"
    return td._kind.show(td._aux, [_show(c) for c in td._children])


@depth_guarded("compose_treedefs")
def compose_treedefs(outer: PyTreeDef, inner: PyTreeDef) -> PyTreeDef:
    """`outer` with every leaf replaced by `inner`."""
    if outer._kind is None:
        return inner
    return PyTreeDef(outer._kind, outer._aux, [compose_treedefs(c, inner) for c in outer._children])


# --- Flatten and unflatten ---------------------------------------------------------------


def _flatten_node(kind: NodeKind, x, leaves: list, is_leaf: IsLeaf) -> PyTreeDef:
    children, aux = kind.flatten(x)
    child_defs = []
    for child in children:
        # Leaf children are handled here, not by a recursive call: most children are
        # leaves, and the calls would dominate flattening a dict of arrays.
        if is_leaf is not None and is_leaf(child):
            child_kind = None
        else:
            child_kind = registry.get(type(child))
            if child_kind is None and isinstance(child, tuple):
                child_kind = kind_of(child)
        if child_kind is None:
            leaves.append(child)
            child_defs.append(LEAF)
        else:
            child_defs.append(_flatten_node(child_kind, child, leaves, is_leaf))
    return PyTreeDef(kind, aux, child_defs)


def tree_flatten(tree: PyTree, is_leaf: IsLeaf = None) -> tuple[list[Any], PyTreeDef]:
    """Flatten a pytree into its leaves and its structure.

    Args:
      tree: the pytree. None is a node with no children, not a leaf.
      is_leaf: optional predicate; a subtree for which it returns True is kept as a leaf.

    Returns:
      ``(leaves, treedef)``; dict children come in sorted-key order.

    >>> tree_flatten({'b': [1, None], 'a': 2})
    ([2, 1], PyTreeDef({'a': *, 'b': [*, None]}))
    """
    # Fast path for a lone array or scalar, the most common argument of all.
    if is_leaf is None and type(tree) not in registry and not isinstance(tree, tuple):
        return [tree], LEAF
    kind = None if is_leaf is not None and is_leaf(tree) else kind_of(tree)
    if kind is None:
        return [tree], LEAF
    leaves: list[Any] = []
    try:
        return leaves, _flatten_node(kind, tree, leaves, is_leaf)
    except RecursionError as err:
        raise too_deep("tree_flatten", err) from None


def tree_leaves(tree: PyTree, is_leaf: IsLeaf = None) -> list[Any]:
    """The leaves of a pytree, in flattening order.

    Args:
      tree: the pytree.
      is_leaf: optional predicate marking subtrees to keep as leaves.

    Returns:
      The list of leaves.

    >>> tree_leaves([None, 1, (2, {'x': 3})])
    [1, 2, 3]
    """
    return tree_flatten(tree, is_leaf)[0]


def tree_structure(tree: PyTree, is_leaf: IsLeaf = None) -> PyTreeDef:
    """The structure of a pytree.

    Args:
      tree: the pytree.
      is_leaf: optional predicate marking subtrees to keep as leaves.

    Returns:
      Its `PyTreeDef`.

    Example:
        >>> from fungrad import tree_util
        >>> tree_util.tree_structure((1.0, {'a': None, 'b': [2.0]}))
        PyTreeDef((*, {'a': None, 'b': [*]}))
    """
    return tree_flatten(tree, is_leaf)[1]


def _build(td: PyTreeDef, leaf_iter) -> PyTree:
    children = [next(leaf_iter) if c._kind is None else _build(c, leaf_iter) for c in td._children]
    return td._kind.unflatten(td._aux, children)


@depth_guarded("tree_unflatten")
def _unflatten(treedef: PyTreeDef, leaves: Iterable[Any], fn_name: str) -> PyTree:
    if not isinstance(treedef, PyTreeDef):
        raise TypeError(
            f"{fn_name}: expected a PyTreeDef, got {type(treedef).__name__}; "
            "the arguments are (treedef, leaves)."
        )
    leaves = list(leaves)
    if len(leaves) != treedef._num_leaves:
        raise ValueError(
            f"{fn_name}: expected {treedef._num_leaves} leaves for {treedef!r}, got {len(leaves)}."
        )
    return leaves[0] if treedef._kind is None else _build(treedef, iter(leaves))


def tree_unflatten(treedef: PyTreeDef, leaves: Iterable[Any]) -> PyTree:
    """Rebuild a pytree from its structure and leaves; the inverse of `tree_flatten`.

    Args:
      treedef: the structure.
      leaves: exactly ``treedef.num_leaves`` leaves; otherwise ValueError.

    Returns:
      The pytree.

    Example:
        >>> from fungrad import tree_util
        >>> leaves, treedef = tree_util.tree_flatten({'w': 1.0, 'b': (2.0, 3.0)})
        >>> tree_util.tree_unflatten(treedef, [x * 10 for x in leaves])
        {'b': (20.0, 30.0), 'w': 10.0}
    """
    return _unflatten(treedef, leaves, "tree_unflatten")


def _flatten_with_path(x, path: KeyPath, out: list, is_leaf, takes_path: bool) -> PyTreeDef:
    stop = is_leaf is not None and (is_leaf(path, x) if takes_path else is_leaf(x))
    kind = None if stop else kind_of(x)
    if kind is None:
        out.append((path, x))
        return LEAF
    pairs, aux = kind.flatten_with_keys(x)
    return PyTreeDef(kind, aux, [_flatten_with_path(c, (*path, k), out, is_leaf, takes_path)
                                 for k, c in pairs])


@depth_guarded("tree_flatten_with_path")
def tree_flatten_with_path(
    tree: PyTree, is_leaf: Callable[..., bool] | None = None, is_leaf_takes_path: bool = False
) -> tuple[list[tuple[KeyPath, Any]], PyTreeDef]:
    """Flatten a pytree, pairing each leaf with its key path.

    Args:
      tree: the pytree.
      is_leaf: optional predicate marking subtrees to keep as leaves.
      is_leaf_takes_path: call ``is_leaf(key_path, subtree)`` instead of ``is_leaf(subtree)``.

    Returns:
      ``([(key_path, leaf), ...], treedef)``.

    >>> [keystr(p) for p, _ in tree_flatten_with_path({'a': [1, 2]})[0]]
    ["['a'][0]", "['a'][1]"]
    """
    out: list[tuple[KeyPath, Any]] = []
    treedef = _flatten_with_path(tree, (), out, is_leaf, is_leaf_takes_path)
    return out, treedef


def tree_leaves_with_path(
    tree: PyTree, is_leaf: Callable[..., bool] | None = None, is_leaf_takes_path: bool = False
) -> list[tuple[KeyPath, Any]]:
    """The ``(key_path, leaf)`` pairs of a pytree, in flattening order.

    Args:
      tree: the pytree.
      is_leaf: optional predicate marking subtrees to keep as leaves.
      is_leaf_takes_path: call ``is_leaf(key_path, subtree)`` instead of ``is_leaf(subtree)``.

    Returns:
      The list of pairs.

    Example:
        >>> from fungrad import tree_util
        >>> pairs = tree_util.tree_leaves_with_path({'w': 1.0, 'b': [2.0]})
        >>> [(tree_util.keystr(path), leaf) for path, leaf in pairs]
        [("['b'][0]", 2.0), ("['w']", 1.0)]
    """
    return tree_flatten_with_path(tree, is_leaf, is_leaf_takes_path)[0]


# --- Structure mismatches ----------------------------------------------------------------


def _describe(kind: NodeKind | None, aux: Any, num_children: int) -> str:
    if kind is None or kind is NONE_KIND:
        return "a leaf" if kind is None else "None"
    if kind.dict_keys is not None:
        return f"a {kind.name} with keys {list(kind.dict_keys(aux))!r}"
    if kind is NAMEDTUPLE_KIND:
        return f"a {aux.__name__} namedtuple of {num_children} children"
    if kind in (TUPLE_KIND, LIST_KIND):
        return f"a {kind.name} of {num_children} children"
    return f"a {kind.name} node with aux data {aux!r} and {num_children} children"


def _key_difference(kind: NodeKind, ref_aux, aux, label: str) -> str:
    ref_keys, keys = list(kind.dict_keys(ref_aux)), list(kind.dict_keys(aux))
    missing = [k for k in ref_keys if k not in keys]
    extra = [k for k in keys if k not in ref_keys]
    if not missing and not extra:
        return " (same keys; the order or default_factory differs)"
    return f" ({label} is missing keys {missing!r} and has extra keys {extra!r})"


def _first_difference(td: PyTreeDef, tree, is_leaf: IsLeaf, *, strict: bool, labels, path=()):
    """The first ``(key_path, explanation)`` where `tree` departs from `td`, or None.

    With `strict`, a leaf of `td` must meet a leaf of `tree`; otherwise it meets anything.
    """
    if td._kind is None and not strict:
        return None
    kind = None if is_leaf is not None and is_leaf(tree) else kind_of(tree)
    if kind is None and td._kind is None:
        return None
    pairs, aux = kind.flatten_with_keys(tree) if kind is not None else ([], None)
    if kind is not td._kind or len(pairs) != len(td._children) or not bool(aux == td._aux):
        ref_desc = _describe(td._kind, td._aux, len(td._children))
        desc = _describe(kind, aux, len(pairs))
        if kind is td._kind and kind.dict_keys is not None:
            desc += _key_difference(kind, td._aux, aux, labels[1])
        return path, f"{labels[0]} has {ref_desc}, {labels[1]} has {desc}."
    for (key, child), child_td in zip(pairs, td._children, strict=True):
        found = _first_difference(
            child_td, child, is_leaf, strict=strict, labels=labels, path=(*path, key)
        )
        if found is not None:
            return found
    return None


def _mismatch_error(fn_name, labels, ref_td, tree, *, is_leaf, strict) -> ValueError:
    found = _first_difference(ref_td, tree, is_leaf, strict=strict, labels=labels)
    path, why = found if found is not None else ((), "the structures differ.")
    relation = f"match the structure of {labels[0]}" if strict else f"have {labels[0]} as a prefix"
    return ValueError(
        f"{fn_name}: {labels[1]} does not {relation} at key path {keystr(path) or '<root>'}: "
        f"{why}\n  {labels[0]}: {ref_td!r}\n  {labels[1]}: {tree_structure(tree, is_leaf)!r}"
    )


def _collect_up_to(td: PyTreeDef, tree, out: list) -> bool:
    """Append the subtrees of `tree` at `td`'s leaves to `out`; False on a mismatch."""
    kind = td._kind
    if kind is None:
        out.append(tree)
        return True
    if kind_of(tree) is not kind:
        return False
    children, aux = kind.flatten(tree)
    children = list(children)
    if len(children) != len(td._children) or not bool(aux == td._aux):
        return False
    return all(_collect_up_to(c_td, c, out) for c_td, c in zip(td._children, children, strict=True))


@depth_guarded("flatten_up_to")
def subtrees_up_to(td: PyTreeDef, tree, fn_name: str, labels) -> list[Any]:
    """The subtrees of `tree` at `td`'s leaves; a ValueError naming `fn_name` on a mismatch."""
    out: list[Any] = []
    if not _collect_up_to(td, tree, out):
        raise _mismatch_error(fn_name, labels, td, tree, is_leaf=None, strict=False)
    return out


def leaves_like(treedef: PyTreeDef, tree, is_leaf: IsLeaf, fn_name: str, index: int) -> list:
    """The leaves of `tree`, which must have exactly `treedef`'s structure."""
    leaves, other = tree_flatten(tree, is_leaf)
    if other != treedef:
        labels = ("tree 0", f"tree {index}")
        raise _mismatch_error(fn_name, labels, treedef, tree, is_leaf=is_leaf, strict=True)
    return leaves
