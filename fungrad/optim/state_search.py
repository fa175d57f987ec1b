"""Finding and replacing values in optimizer states by name (``optax.tree_utils.tree_get``).

An optimizer state is a pytree of NamedTuples (``ScaleByAdamState(count, mu, nu)``), dicts
(``inject_hyperparams``' ``hyperparams``) and tuples (``chain``). These functions look a
value up by a *name*: a dict key, a NamedTuple field, or a NamedTuple's own type name, at
any depth, so ``tree_get(state, "count")`` reads Adam's step count without spelling out
where ``chain`` put it. Paths name NamedTuple fields with :class:`NamedTupleKey`, which
records the tuple's type too, so a ``filtering(path, value)`` callable can tell apart equal
field names of different states.

>>> import numpy as np
>>> from fungrad import optim
>>> state = optim.adam(0.1).init({'w': np.ones(2)})
>>> int(tree_get(state, 'count'))
0
>>> int(tree_get(tree_set(state, count=np.int32(4)), 'count'))
4
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from fungrad.tree_util import DictKey, GetAttrKey, tree_flatten_with_path, tree_unflatten

__all__ = ["NamedTupleKey", "tree_get_all_with_path", "tree_get", "tree_set"]

PyTree = Any
Filtering = Callable[[tuple, Any], bool]


@dataclasses.dataclass(frozen=True)
class NamedTupleKey:
    """A path entry for the field ``name`` of a NamedTuple of type ``tuple_name``."""

    tuple_name: str
    name: str

    def __str__(self) -> str:
        return f"{self.tuple_name}.{self.name}"


def _is_namedtuple(x) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def _children(node) -> tuple[list, Any]:
    """``([(entry, child), ...], treedef)`` one level below ``node`` (none for a leaf)."""
    if _is_namedtuple(node):
        name = type(node).__name__
        entries = [(NamedTupleKey(name, f), getattr(node, f)) for f in type(node)._fields]
        return entries, None
    pairs, treedef = tree_flatten_with_path(node, is_leaf=lambda x: x is not node)
    if len(pairs) == 1 and pairs[0][0] == () and pairs[0][1] is node:
        return [], None  # a leaf
    return [(path[0], child) for path, child in pairs], treedef


def _entry_name(entry) -> Any:
    if isinstance(entry, (NamedTupleKey, GetAttrKey)):
        return entry.name
    if isinstance(entry, DictKey):
        return entry.key
    return None


def _matches(path: tuple, node, key) -> bool:
    named = bool(path) and _entry_name(path[-1]) == key
    return named or (_is_namedtuple(node) and type(node).__name__ == key)


def tree_get_all_with_path(tree: PyTree, key: Any, filtering: Filtering | None = None
                           ) -> list[tuple[tuple, Any]]:
    """Every ``(path, value)`` in ``tree`` whose name is ``key``, outermost first.

    Args:
        tree: the pytree to search (typically an optimizer state).
        key: a dict key, a NamedTuple field name, or a NamedTuple type name.
        filtering: an optional ``filtering(path, value) -> bool`` keeping some matches.

    Returns:
        The outermost matches in tree order, then (as optax lists them) the matches found
        inside those, level by level.

    Example:
        >>> found = tree_get_all_with_path({'a': {'b': 1}, 'c': [2, {'b': 5}]}, 'b')
        >>> [(len(path), value) for path, value in found]
        [(2, 1), (3, 5)]
    """
    def outermost(path, node) -> list:
        """Matches at or below ``node`` that are not inside another match."""
        if _matches(path, node, key):
            return [(path, node)]
        return [m for entry, child in _children(node)[0]
                for m in outermost((*path, entry), child)]

    found, level = [], outermost((), tree)
    while level:
        found += level
        level = [m for path, node in level for entry, child in _children(node)[0]
                 for m in outermost((*path, entry), child)]
    return [(path, node) for path, node in found
            if filtering is None or filtering(path, node)]


def tree_get(tree: PyTree, key: Any, default: Any = None,
             filtering: Filtering | None = None) -> Any:
    """The one value in ``tree`` named ``key`` (see :func:`tree_get_all_with_path`).

    Returns:
        That value, or ``default`` when nothing is named ``key``.

    Raises:
        KeyError: when several values are named ``key`` (narrow them with ``filtering``).

    Example:
        >>> tree_get({'lr': 0.1, 'inner': {'momentum': 0.9}}, 'momentum')
        0.9
    """
    found = tree_get_all_with_path(tree, key, filtering)
    if len(found) > 1:
        paths = ", ".join("".join(f"[{e}]" for e in p) for p, _ in found)
        raise KeyError(f"tree_get: found {len(found)} values named {key!r} (at {paths}); pass "
                       "filtering=lambda path, value: ... to pick one.")
    return found[0][1] if found else default


def tree_set(tree: PyTree, filtering: Filtering | None = None, /, **kwargs: Any) -> PyTree:
    """A copy of ``tree`` with every value named by a keyword replaced by that keyword's value.

    Raises:
        KeyError: when a keyword names nothing in ``tree`` (after ``filtering``).

    Example:
        >>> tree_set({'lr': 0.1, 'inner': {'momentum': 0.9}}, momentum=0.5)
        {'inner': {'momentum': 0.5}, 'lr': 0.1}
    """
    missing = [k for k in kwargs if not tree_get_all_with_path(tree, k, filtering)]
    if missing:
        raise KeyError(f"tree_set: no value named {missing[0]!r} in the tree"
                       + (" passes the filtering" if filtering is not None else "") + ".")

    def rebuild(path, node):
        for k, v in kwargs.items():
            if _matches(path, node, k) and (filtering is None or filtering(path, node)):
                return v
        entries, treedef = _children(node)
        if not entries:
            return node
        new = [rebuild((*path, entry), child) for entry, child in entries]
        if treedef is None:  # a NamedTuple
            return type(node)(*new)
        return tree_unflatten(treedef, new)

    return rebuild((), tree)
