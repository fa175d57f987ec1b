"""Pytrees: nested containers taken apart into a flat list of leaves and a structure.

Every transform's front end flattens its arguments, transforms the flat function, and
unflattens the results, so `tree_flatten` is on the hot path of every call. The design
follows from that: a dict maps each node type to a `_NodeKind` (how to take that node apart
and put it back), flattening is a tight recursion that handles leaf children inline, and a
lone leaf never reaches the recursion. Key paths, which only errors and the `*_with_path`
functions need, take a separate, slower route so the common route pays nothing for them.

Leaves are opaque: this module never looks inside them, so it needs no NumPy.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any, TypeVar

PyTree = Any
T = TypeVar("T")
IsLeaf = Callable[[Any], bool] | None
KeyEntry = Any  # SequenceKey, DictKey, GetAttrKey, FlattenedIndexKey, or a custom node's own
KeyPath = tuple[KeyEntry, ...]

# --- Key path entries --------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SequenceKey:
    """Key path entry for a tuple or list child: ``[0]``."""

    idx: int

    def __str__(self) -> str:
        return f"[{self.idx!r}]"


@dataclasses.dataclass(frozen=True)
class DictKey:
    """Key path entry for a dict, OrderedDict or defaultdict child: ``['a']``."""

    key: Hashable

    def __str__(self) -> str:
        return f"[{self.key!r}]"


@dataclasses.dataclass(frozen=True)
class GetAttrKey:
    """Key path entry for a namedtuple or dataclass field: ``.w``."""

    name: str

    def __str__(self) -> str:
        return f".{self.name}"


@dataclasses.dataclass(frozen=True)
class FlattenedIndexKey:
    """Key path entry for the i-th child of a custom node registered without keys: ``[0]``."""

    key: int

    def __str__(self) -> str:
        return f"[{self.key!r}]"


_KEY_FIELD = {SequenceKey: "idx", DictKey: "key", GetAttrKey: "name", FlattenedIndexKey: "key"}


def keystr(keys: KeyPath, *, simple: bool = False, separator: str = "") -> str:
    """Render a key path as a string.

    Args:
      keys: a key path, as produced by `tree_flatten_with_path`.
      simple: render each entry bare (``a``, ``0``, ``w``) instead of as indexing syntax.
      separator: placed between entries.

    Returns:
      The key path as a string.

    >>> path = (DictKey('a'), SequenceKey(0), GetAttrKey('w'))
    >>> keystr(path), keystr(path, simple=True, separator='/')
    ("['a'][0].w", 'a/0/w')
    """
    if not simple:
        return separator.join(map(str, keys))
    fields = [_KEY_FIELD.get(type(k)) for k in keys]
    return separator.join(
        str(k if f is None else getattr(k, f)) for k, f in zip(keys, fields, strict=True)
    )


# --- Node kinds and the registry ---------------------------------------------------------


@dataclasses.dataclass(frozen=True, eq=False, slots=True)
class _NodeKind:
    """How one pytree node type is taken apart, put back together, and shown.

    `flatten(x) -> (children, aux)`; `unflatten(aux, children_list) -> x`;
    `show(aux, child_strings) -> str`; `key_entries(aux, children) -> keys`, unless
    `with_keys(x) -> ((key, child) pairs, aux)` is given; `dict_keys(aux)` only for dict-like
    nodes, so mismatch errors can list missing and extra keys.
    """

    name: str
    flatten: Callable
    unflatten: Callable
    show: Callable
    key_entries: Callable | None = None
    with_keys: Callable | None = None
    dict_keys: Callable | None = None

    def flatten_with_keys(self, x) -> tuple[list[tuple[KeyEntry, Any]], Any]:
        if self.with_keys is not None:
            pairs, aux = self.with_keys(x)
            return list(pairs), aux
        children, aux = self.flatten(x)
        children = list(children)
        return list(zip(self.key_entries(aux, children), children, strict=True)), aux


def _sorted_keys(d: dict) -> tuple:
    # Sorting makes {'a': 1, 'b': 2} and {'b': 2, 'a': 1} one structure, as in JAX.
    try:
        return tuple(sorted(d))
    except TypeError as e:
        raise ValueError(
            f"tree_flatten: cannot sort the keys {list(d)!r} of a {type(d).__name__} ({e}). "
            "Use keys of one comparable type, or an OrderedDict to keep insertion order."
        ) from None


def _dict_flatten(d):
    keys = _sorted_keys(d)
    return [d[k] for k in keys], keys


def _defaultdict_flatten(d):
    children, keys = _dict_flatten(d)
    return children, (d.default_factory, keys)


def _show_items(keys, parts) -> str:
    return "{" + ", ".join(f"{k!r}: {p}" for k, p in zip(keys, parts, strict=True)) + "}"


def _show_namedtuple(aux, parts) -> str:
    return (
        f"{aux.__name__}({', '.join(f'{f}={p}' for f, p in zip(aux._fields, parts, strict=True))})"
    )


def _itself(x):
    return x, None


def _positions(aux, children):
    return map(SequenceKey, range(len(children)))


_TUPLE = _NodeKind(
    "tuple",
    _itself,
    lambda a, c: tuple(c),
    lambda a, p: f"({', '.join(p)}{',' if len(p) == 1 else ''})",
    _positions,
)
_LIST = _NodeKind("list", _itself, lambda a, c: c, lambda a, p: f"[{', '.join(p)}]", _positions)
_NONE = _NodeKind("None", lambda x: ((), None), lambda a, c: None, lambda a, p: "None", _positions)
_DICT = _NodeKind(
    "dict",
    _dict_flatten,
    lambda a, c: dict(zip(a, c, strict=True)),
    _show_items,
    lambda a, c: map(DictKey, a),
    dict_keys=lambda a: a,
)
_ORDERED_DICT = _NodeKind(
    "OrderedDict",
    lambda d: (list(d.values()), tuple(d)),
    lambda a, c: collections.OrderedDict(zip(a, c, strict=True)),
    lambda a, p: f"OrderedDict({_show_items(a, p)})",
    lambda a, c: map(DictKey, a),
    dict_keys=lambda a: a,
)
_DEFAULT_DICT = _NodeKind(
    "defaultdict",
    _defaultdict_flatten,
    lambda a, c: collections.defaultdict(a[0], zip(a[1], c, strict=True)),
    lambda a, p: f"defaultdict({a[0]!r}, {_show_items(a[1], p)})",
    lambda a, c: map(DictKey, a[1]),
    dict_keys=lambda a: a[1],
)
# One kind serves every namedtuple class. The class is the aux data, so two namedtuple
# classes with the same fields still give different structures.
_NAMEDTUPLE = _NodeKind(
    "namedtuple",
    lambda x: (x, type(x)),
    lambda a, c: a(*c),
    _show_namedtuple,
    lambda a, c: map(GetAttrKey, a._fields),
)

_registry: dict[type, _NodeKind] = {
    tuple: _TUPLE,
    list: _LIST,
    type(None): _NONE,
    dict: _DICT,
    collections.OrderedDict: _ORDERED_DICT,
    collections.defaultdict: _DEFAULT_DICT,
}


def _kind_of(x) -> _NodeKind | None:
    """The node kind of `x`, or None when `x` is a leaf."""
    kind = _registry.get(type(x))
    if kind is None and isinstance(x, tuple) and hasattr(x, "_fields"):
        return _NAMEDTUPLE
    return kind


def _register(fn_name: str, nodetype: type, flatten, unflatten, with_keys=None) -> None:
    if not isinstance(nodetype, type):
        raise TypeError(f"{fn_name}: expected a class to register, got {nodetype!r}.")
    if nodetype in _registry:
        raise ValueError(f"{fn_name}: {nodetype!r} is already registered as a pytree node type.")
    name = nodetype.__name__
    _registry[nodetype] = _NodeKind(
        name,
        flatten,
        lambda aux, children: unflatten(aux, tuple(children)),
        lambda aux, parts: f"CustomNode({name}[{aux}], [{', '.join(parts)}])",
        lambda aux, children: map(FlattenedIndexKey, range(len(children))),
        with_keys,
    )


def register_pytree_node(
    nodetype: type,
    flatten_func: Callable[[Any], tuple[Iterable[Any], Any]],
    unflatten_func: Callable[[Any, Iterable[Any]], Any],
    flatten_with_keys_func: Callable[[Any], tuple[Iterable[tuple[Any, Any]], Any]] | None = None,
) -> None:
    """Make instances of `nodetype` pytree nodes instead of leaves.

    Args:
      nodetype: the class to register; registering a class twice raises ValueError.
      flatten_func: ``x -> (children, aux_data)``; aux_data is static and must be hashable.
      unflatten_func: ``(aux_data, children) -> x``; children arrive as a tuple.
      flatten_with_keys_func: optional ``x -> ((key, child) pairs, aux_data)``; without it
        children get `FlattenedIndexKey` entries in key paths.

    Returns:
      None.
    """
    _register(
        "register_pytree_node", nodetype, flatten_func, unflatten_func, flatten_with_keys_func
    )


def register_pytree_with_keys(
    nodetype: type,
    flatten_with_keys: Callable[[Any], tuple[Iterable[tuple[Any, Any]], Any]],
    unflatten_func: Callable[[Any, Iterable[Any]], Any],
    flatten_func: Callable[[Any], tuple[Iterable[Any], Any]] | None = None,
) -> None:
    """Make instances of `nodetype` pytree nodes whose children have their own key entries.

    Args:
      nodetype: the class to register; registering a class twice raises ValueError.
      flatten_with_keys: ``x -> ((key, child) pairs, aux_data)``.
      unflatten_func: ``(aux_data, children) -> x``; children arrive as a tuple.
      flatten_func: optional faster ``x -> (children, aux_data)`` for plain flattening.

    Returns:
      None.
    """
    if flatten_func is None:

        def flatten_func(x):
            pairs, aux = flatten_with_keys(x)
            return [child for _, child in pairs], aux

    _register(
        "register_pytree_with_keys", nodetype, flatten_func, unflatten_func, flatten_with_keys
    )


def register_pytree_node_class(cls: type[T]) -> type[T]:
    """Class decorator: register `cls` through its `tree_flatten` and `tree_unflatten`.

    Args:
      cls: a class with a method ``tree_flatten(self) -> (children, aux_data)`` and a
        classmethod ``tree_unflatten(cls, aux_data, children)``.

    Returns:
      `cls`, now registered.
    """
    _register("register_pytree_node_class", cls, lambda x: x.tree_flatten(), cls.tree_unflatten)
    return cls


def _dataclass_fields(nodetype, data_fields, meta_fields) -> tuple[list[str], list[str]]:
    fn = "register_dataclass"
    if (data_fields is None) != (meta_fields is None):
        raise TypeError(f"{fn}: pass both data_fields and meta_fields, or neither to infer them.")
    if data_fields is None:
        if not dataclasses.is_dataclass(nodetype):
            raise TypeError(
                f"{fn}: {nodetype!r} is not a dataclass; pass data_fields and meta_fields."
            )
        fields = [f for f in dataclasses.fields(nodetype) if f.init]
        static = [f.name for f in fields if f.metadata.get("static", False)]
        return [f.name for f in fields if f.name not in static], static
    data, meta = list(data_fields), list(meta_fields)
    given = set(data) | set(meta)
    if len(given) != len(data) + len(meta):
        raise ValueError(
            f"{fn}: a field is listed twice in data_fields={data}, meta_fields={meta}."
        )
    if dataclasses.is_dataclass(nodetype):
        expected = {f.name for f in dataclasses.fields(nodetype) if f.init}
        if given != expected:
            raise ValueError(
                f"{fn}: data_fields and meta_fields of {nodetype.__name__} must name exactly "
                f"its init fields; missing {sorted(expected - given)}, "
                f"unknown {sorted(given - expected)}."
            )
    return data, meta


def register_dataclass(
    nodetype: type[T],
    data_fields: Sequence[str] | None = None,
    meta_fields: Sequence[str] | None = None,
) -> type[T]:
    """Register a dataclass: data fields become children, meta fields static aux data.

    Args:
      nodetype: the class; it is rebuilt by calling it with every field as a keyword.
      data_fields: names of the fields holding children.
      meta_fields: names of the static fields, part of the structure (must be hashable).
        With both None, a field with ``metadata={"static": True}`` is meta, others are data.

    Returns:
      `nodetype`, so this works as a decorator.
    """
    data, meta = _dataclass_fields(nodetype, data_fields, meta_fields)

    def flatten(x):
        return [getattr(x, n) for n in data], tuple(getattr(x, n) for n in meta)

    def flatten_with_keys(x):
        return [(GetAttrKey(n), getattr(x, n)) for n in data], tuple(getattr(x, n) for n in meta)

    def unflatten(aux, children):
        return nodetype(
            **dict(zip(data, children, strict=True)), **dict(zip(meta, aux, strict=True))
        )

    _register("register_dataclass", nodetype, flatten, unflatten, flatten_with_keys)
    return nodetype


# --- PyTreeDef ---------------------------------------------------------------------------


class PyTreeDef:
    """The structure of a pytree: node types, their aux data, and where the leaves go.

    Immutable and hashable; equal when node types, aux data and children are all equal.
    Made by `tree_flatten` and `tree_structure`, not by hand.
    """

    __slots__ = ("_kind", "_aux", "_children", "_num_leaves", "_num_nodes", "_hash")

    def __init__(self, kind: _NodeKind | None, aux: Any, children: Iterable[PyTreeDef]):
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
        return _flatten_up_to(self, tree, "PyTreeDef.flatten_up_to", ("treedef", "tree"))

    def __repr__(self) -> str:
        return f"PyTreeDef({_show(self)})"

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, PyTreeDef):
            return NotImplemented
        return (
            self._kind is other._kind
            and self._num_nodes == other._num_nodes
            and self._num_leaves == other._num_leaves
            and bool(self._aux == other._aux)
            and self._children == other._children
        )

    def __hash__(self) -> int:
        if self._hash is None:
            try:
                self._hash = hash((self._kind, self._aux, self._children))
            except TypeError as e:
                raise TypeError(
                    f"PyTreeDef: cannot hash {self!r} ({e}); the aux data of every node "
                    "(dataclass meta fields, custom aux_data) must be hashable."
                ) from None
        return self._hash


_LEAF = PyTreeDef(None, None, ())


def _show(td: PyTreeDef) -> str:
    if td._kind is None:
        return "*"
    return td._kind.show(td._aux, [_show(c) for c in td._children])


def _compose(outer: PyTreeDef, inner: PyTreeDef) -> PyTreeDef:
    """`outer` with every leaf replaced by `inner`."""
    if outer._kind is None:
        return inner
    return PyTreeDef(outer._kind, outer._aux, [_compose(c, inner) for c in outer._children])


# --- Flatten and unflatten ---------------------------------------------------------------


def _flatten_node(kind: _NodeKind, x, leaves: list, is_leaf: IsLeaf) -> PyTreeDef:
    children, aux = kind.flatten(x)
    child_defs = []
    for child in children:
        # Leaf children are handled here, not by a recursive call: most children are
        # leaves, and the calls would dominate flattening a dict of arrays.
        if is_leaf is not None and is_leaf(child):
            child_kind = None
        else:
            child_kind = _registry.get(type(child))
            if child_kind is None and isinstance(child, tuple):
                child_kind = _kind_of(child)
        if child_kind is None:
            leaves.append(child)
            child_defs.append(_LEAF)
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
    if is_leaf is None and type(tree) not in _registry and not isinstance(tree, tuple):
        return [tree], _LEAF
    kind = None if is_leaf is not None and is_leaf(tree) else _kind_of(tree)
    if kind is None:
        return [tree], _LEAF
    leaves: list[Any] = []
    return leaves, _flatten_node(kind, tree, leaves, is_leaf)


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
    """
    return tree_flatten(tree, is_leaf)[1]


def _build(td: PyTreeDef, leaf_iter) -> PyTree:
    children = [next(leaf_iter) if c._kind is None else _build(c, leaf_iter) for c in td._children]
    return td._kind.unflatten(td._aux, children)


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
    """
    return _unflatten(treedef, leaves, "tree_unflatten")


def _flatten_with_path(x, path: KeyPath, out: list, is_leaf: IsLeaf) -> PyTreeDef:
    kind = None if is_leaf is not None and is_leaf(x) else _kind_of(x)
    if kind is None:
        out.append((path, x))
        return _LEAF
    pairs, aux = kind.flatten_with_keys(x)
    return PyTreeDef(kind, aux, [_flatten_with_path(c, (*path, k), out, is_leaf) for k, c in pairs])


def tree_flatten_with_path(
    tree: PyTree, is_leaf: IsLeaf = None
) -> tuple[list[tuple[KeyPath, Any]], PyTreeDef]:
    """Flatten a pytree, pairing each leaf with its key path.

    Args:
      tree: the pytree.
      is_leaf: optional predicate marking subtrees to keep as leaves.

    Returns:
      ``([(key_path, leaf), ...], treedef)``.

    >>> [keystr(p) for p, _ in tree_flatten_with_path({'a': [1, 2]})[0]]
    ["['a'][0]", "['a'][1]"]
    """
    out: list[tuple[KeyPath, Any]] = []
    treedef = _flatten_with_path(tree, (), out, is_leaf)
    return out, treedef


def tree_leaves_with_path(tree: PyTree, is_leaf: IsLeaf = None) -> list[tuple[KeyPath, Any]]:
    """The ``(key_path, leaf)`` pairs of a pytree, in flattening order.

    Args:
      tree: the pytree.
      is_leaf: optional predicate marking subtrees to keep as leaves.

    Returns:
      The list of pairs.
    """
    return tree_flatten_with_path(tree, is_leaf)[0]


# --- Structure mismatches ----------------------------------------------------------------


def _describe(kind: _NodeKind | None, aux: Any, num_children: int) -> str:
    if kind is None or kind is _NONE:
        return "a leaf" if kind is None else "None"
    if kind.dict_keys is not None:
        return f"a {kind.name} with keys {list(kind.dict_keys(aux))!r}"
    if kind is _NAMEDTUPLE:
        return f"a {aux.__name__} namedtuple of {num_children} children"
    if kind in (_TUPLE, _LIST):
        return f"a {kind.name} of {num_children} children"
    return f"a {kind.name} node with aux data {aux!r} and {num_children} children"


def _key_difference(kind: _NodeKind, ref_aux, aux, label: str) -> str:
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
    kind = None if is_leaf is not None and is_leaf(tree) else _kind_of(tree)
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
    if _kind_of(tree) is not kind:
        return False
    children, aux = kind.flatten(tree)
    children = list(children)
    if len(children) != len(td._children) or not bool(aux == td._aux):
        return False
    return all(_collect_up_to(c_td, c, out) for c_td, c in zip(td._children, children, strict=True))


def _flatten_up_to(td: PyTreeDef, tree, fn_name: str, labels) -> list[Any]:
    out: list[Any] = []
    if not _collect_up_to(td, tree, out):
        raise _mismatch_error(fn_name, labels, td, tree, is_leaf=None, strict=False)
    return out


def _leaves_like(treedef: PyTreeDef, tree, is_leaf: IsLeaf, fn_name: str, index: int) -> list:
    """The leaves of `tree`, which must have exactly `treedef`'s structure."""
    leaves, other = tree_flatten(tree, is_leaf)
    if other != treedef:
        labels = ("tree 0", f"tree {index}")
        raise _mismatch_error(fn_name, labels, treedef, tree, is_leaf=is_leaf, strict=True)
    return leaves


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
    leaves, treedef = tree_flatten(tree, is_leaf)
    others = [_leaves_like(treedef, r, is_leaf, "tree_map", i) for i, r in enumerate(rest, 1)]
    return treedef.unflatten(map(f, leaves, *others))


def tree_map_with_path(
    f: Callable[..., Any], tree: PyTree, *rest: PyTree, is_leaf: IsLeaf = None
) -> PyTree:
    """Like `tree_map`, with the key path as the first argument of `f`.

    Args:
      f: called as ``f(key_path, leaf, *rest_leaves)`` at each leaf position.
      tree: the pytree whose structure the result has.
      *rest: more pytrees, each with exactly `tree`'s structure.
      is_leaf: optional predicate marking subtrees to keep as leaves, in every tree.

    Returns:
      A pytree of `tree`'s structure holding f's results.
    """
    pairs, treedef = tree_flatten_with_path(tree, is_leaf)
    fn = "tree_map_with_path"
    others = [_leaves_like(treedef, r, is_leaf, fn, i) for i, r in enumerate(rest, 1)]
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


def tree_all(tree: PyTree, is_leaf: IsLeaf = None) -> bool:
    """Whether every leaf of `tree` is truthy.

    Args:
      tree: the pytree.
      is_leaf: optional predicate marking subtrees to keep as leaves.

    Returns:
      True when all leaves are truthy, including when there are none.
    """
    return all(tree_leaves(tree, is_leaf))


def all_leaves(iterable: Iterable[Any], is_leaf: IsLeaf = None) -> bool:
    """Whether every element of `iterable` is a leaf.

    Args:
      iterable: the objects to test; None is a node, not a leaf.
      is_leaf: optional predicate marking extra objects as leaves.

    Returns:
      True when each element is a leaf.
    """
    return all((is_leaf is not None and is_leaf(x)) or _kind_of(x) is None for x in iterable)


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
        first = _flatten_up_to(outer_treedef, pytree_to_transpose, fn, labels)
        if not first:
            raise ValueError(f"{fn}: cannot infer inner_treedef: outer_treedef has no leaves.")
        inner_treedef = tree_structure(first[0])
    flat = _flatten_up_to(_compose(outer_treedef, inner_treedef), pytree_to_transpose, fn, labels)
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
    subtrees = _flatten_up_to(prefix_def, full_tree, "broadcast_prefix", labels)
    result: list[Any] = []
    for leaf, subtree in zip(prefix_leaves, subtrees, strict=True):
        result.extend([leaf] * len(tree_leaves(subtree)))
    return result


# --- Treedef helpers ---------------------------------------------------------------------


def treedef_is_leaf(treedef: PyTreeDef) -> bool:
    """Whether `treedef` is a single node.

    Args:
      treedef: the structure.

    Returns:
      True for a leaf and, as in JAX, for a childless node such as None or [].
    """
    return treedef.num_nodes == 1


def treedef_children(treedef: PyTreeDef) -> list[PyTreeDef]:
    """The structures of the root node's children.

    Args:
      treedef: the structure.

    Returns:
      One `PyTreeDef` per child.
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
    return PyTreeDef(_TUPLE, None, treedefs)
