"""Pytree node kinds: key path entries, the registry of node types, and registration.

A dict maps each node type to a `NodeKind`: how to take that node apart and put it back,
how to show it, and which key path entries its children get. The built-in containers
(tuple, list, None, dict, OrderedDict, defaultdict and every namedtuple class) have kinds
here; `register_pytree_node` and its siblings add user classes. Flattening and the
`PyTreeDef` structure live in `fungrad.tree_util.structure`; the public API is
`fungrad.tree_util`, which re-exports both.
"""

from __future__ import annotations

import collections
import dataclasses
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
    """Key path entry for a tuple or list child: ``[0]``.

    Example:
        >>> from fungrad import tree_util
        >>> tree_util.tree_leaves_with_path([5, 6])[1][0]
        (SequenceKey(idx=1),)
    """

    idx: int

    def __str__(self) -> str:
        return f"[{self.idx!r}]"


@dataclasses.dataclass(frozen=True)
class DictKey:
    """Key path entry for a dict, OrderedDict or defaultdict child: ``['a']``.

    Example:
        >>> from fungrad import tree_util
        >>> tree_util.keystr((tree_util.DictKey('w'),))
        "['w']"
        >>> tree_util.tree_leaves_with_path({'w': 1})[0][0]
        (DictKey(key='w'),)
    """

    key: Hashable

    def __str__(self) -> str:
        return f"[{self.key!r}]"


@dataclasses.dataclass(frozen=True)
class GetAttrKey:
    """Key path entry for a namedtuple or dataclass field: ``.w``.

    Example:
        >>> from fungrad import tree_util
        >>> from typing import NamedTuple
        >>> class Point(NamedTuple):
        ...     x: float
        ...     y: float
        >>> [tree_util.keystr(path) for path, _ in tree_util.tree_leaves_with_path(Point(1.0, 2.0))]
        ['.x', '.y']
    """

    name: str

    def __str__(self) -> str:
        return f".{self.name}"


@dataclasses.dataclass(frozen=True)
class FlattenedIndexKey:
    """Key path entry for the i-th child of a custom node registered without keys: ``[0]``.

    Example:
        >>> from fungrad import tree_util
        >>> tree_util.keystr((tree_util.FlattenedIndexKey(2),))
        '[2]'
    """

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
class NodeKind:
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
        """Take `x` apart into ``((key entry, child) pairs, aux)``."""
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


TUPLE_KIND = NodeKind(
    "tuple",
    _itself,
    lambda a, c: tuple(c),
    lambda a, p: f"({', '.join(p)}{',' if len(p) == 1 else ''})",
    _positions,
)
LIST_KIND = NodeKind("list", _itself, lambda a, c: c, lambda a, p: f"[{', '.join(p)}]", _positions)
NONE_KIND = NodeKind(
    "None", lambda x: ((), None), lambda a, c: None, lambda a, p: "None", _positions
)
DICT_KIND = NodeKind(
    "dict",
    _dict_flatten,
    lambda a, c: dict(zip(a, c, strict=True)),
    _show_items,
    lambda a, c: map(DictKey, a),
    dict_keys=lambda a: a,
)
ORDERED_DICT_KIND = NodeKind(
    "OrderedDict",
    lambda d: (list(d.values()), tuple(d)),
    lambda a, c: collections.OrderedDict(zip(a, c, strict=True)),
    lambda a, p: f"OrderedDict({_show_items(a, p)})",
    lambda a, c: map(DictKey, a),
    dict_keys=lambda a: a,
)
DEFAULT_DICT_KIND = NodeKind(
    "defaultdict",
    _defaultdict_flatten,
    lambda a, c: collections.defaultdict(a[0], zip(a[1], c, strict=True)),
    lambda a, p: f"defaultdict({a[0]!r}, {_show_items(a[1], p)})",
    lambda a, c: map(DictKey, a[1]),
    dict_keys=lambda a: a[1],
)
# One kind serves every namedtuple class. The class is the aux data, so two namedtuple
# classes with the same fields still give different structures.
NAMEDTUPLE_KIND = NodeKind(
    "namedtuple",
    lambda x: (x, type(x)),
    lambda a, c: a(*c),
    _show_namedtuple,
    lambda a, c: map(GetAttrKey, a._fields),
)

registry: dict[type, NodeKind] = {
    tuple: TUPLE_KIND,
    list: LIST_KIND,
    type(None): NONE_KIND,
    dict: DICT_KIND,
    collections.OrderedDict: ORDERED_DICT_KIND,
    collections.defaultdict: DEFAULT_DICT_KIND,
}


def kind_of(x) -> NodeKind | None:
    """The node kind of `x`, or None when `x` is a leaf."""
    kind = registry.get(type(x))
    if kind is None and isinstance(x, tuple) and hasattr(x, "_fields"):
        return NAMEDTUPLE_KIND
    return kind


# What each function argument of the register_* functions computes, for their errors.
_FUNCTION_SIGNATURES = {
    "flatten_func": "x -> (children, aux_data)",
    "unflatten_func": "(aux_data, children) -> x",
    "flatten_with_keys": "x -> ((key, child) pairs, aux_data)",
    "flatten_with_keys_func": "x -> ((key, child) pairs, aux_data)",
}


def _check_functions(fn_name: str, optional: tuple[str, ...], **functions) -> None:
    """A TypeError naming the argument unless each function is callable (or None, for the
    ``optional`` ones): a string registered as flatten_func would fail only at the first
    flatten, far from the registration."""
    for arg, f in functions.items():
        if not callable(f) and not (f is None and arg in optional):
            raise TypeError(f"{fn_name}: {arg} must be a function "
                            f"{_FUNCTION_SIGNATURES[arg]}, got {f!r:.60} (a "
                            f"{type(f).__name__}); pass a function or a lambda.")


def _register(fn_name: str, nodetype: type, flatten, unflatten, with_keys=None) -> None:
    if not isinstance(nodetype, type):
        raise TypeError(f"{fn_name}: expected a class to register, got {nodetype!r}.")
    if nodetype in registry:
        raise ValueError(f"{fn_name}: {nodetype!r} is already registered as a pytree node type.")
    name = nodetype.__name__
    registry[nodetype] = NodeKind(
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

    Example:
        >>> from fungrad import tree_util
        >>> class Pair:
        ...     def __init__(self, a, b):
        ...         self.a, self.b = a, b
        >>> tree_util.register_pytree_node(
        ...     Pair, lambda p: ((p.a, p.b), None), lambda aux, children: Pair(*children))
        >>> tree_util.tree_leaves(Pair(1.0, [2.0, 3.0]))
        [1.0, 2.0, 3.0]
        >>> tree_util.tree_map(lambda x: x * 2, Pair(1.0, 2.0)).b
        4.0
    """
    _check_functions("register_pytree_node", ("flatten_with_keys_func",),
                     flatten_func=flatten_func, unflatten_func=unflatten_func,
                     flatten_with_keys_func=flatten_with_keys_func)
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

    Example:
        >>> from fungrad import tree_util
        >>> class Pair:
        ...     def __init__(self, a, b):
        ...         self.a, self.b = a, b
        >>> def flatten_with_keys(p):
        ...     return ((tree_util.GetAttrKey('a'), p.a), (tree_util.GetAttrKey('b'), p.b)), None
        >>> tree_util.register_pytree_with_keys(
        ...     Pair, flatten_with_keys, lambda aux, children: Pair(*children))
        >>> [tree_util.keystr(k) for k, _ in tree_util.tree_leaves_with_path(Pair(1.0, 2.0))]
        ['.a', '.b']
    """
    _check_functions("register_pytree_with_keys", ("flatten_func",),
                     flatten_with_keys=flatten_with_keys, unflatten_func=unflatten_func,
                     flatten_func=flatten_func)
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

    Example:
        >>> import fungrad as fg
        >>> from fungrad import tree_util
        >>> @tree_util.register_pytree_node_class
        ... class Scaled:
        ...     def __init__(self, value, scale):
        ...         self.value, self.scale = value, scale
        ...     def tree_flatten(self):
        ...         return (self.value,), self.scale
        ...     @classmethod
        ...     def tree_unflatten(cls, scale, children):
        ...         return cls(children[0], scale)
        >>> fg.grad(lambda s: s.value * s.scale)(Scaled(2.0, 3.0)).value
        Array(3.)
    """
    _register("register_pytree_node_class", cls, lambda x: x.tree_flatten(), cls.tree_unflatten)
    return cls


def register_pytree_with_keys_class(cls: type[T]) -> type[T]:
    """Class decorator: register `cls` through `tree_flatten_with_keys` and `tree_unflatten`.

    Args:
      cls: a class with a method ``tree_flatten_with_keys(self) -> ((key, child) pairs,
        aux_data)``, a classmethod ``tree_unflatten(cls, aux_data, children)`` and
        optionally a faster ``tree_flatten(self) -> (children, aux_data)``.

    Returns:
      `cls`, now registered.

    Example:
        >>> from fungrad import tree_util
        >>> @tree_util.register_pytree_with_keys_class
        ... class Box:
        ...     def __init__(self, v):
        ...         self.v = v
        ...     def tree_flatten_with_keys(self):
        ...         return ((tree_util.GetAttrKey('v'), self.v),), None
        ...     @classmethod
        ...     def tree_unflatten(cls, aux, children):
        ...         return cls(*children)
        >>> tree_util.keystr(tree_util.tree_leaves_with_path(Box(1.0))[0][0])
        '.v'
    """
    fn = "register_pytree_with_keys_class"
    for method in ("tree_flatten_with_keys", "tree_unflatten"):
        if not callable(getattr(cls, method, None)):
            raise TypeError(f"{fn}: {cls!r} has no method {method}; define it (see the "
                            "docstring) or use register_pytree_node_class.")
    flatten = getattr(cls, "tree_flatten", None)
    register_pytree_with_keys(
        cls, lambda x: x.tree_flatten_with_keys(), cls.tree_unflatten,
        None if flatten is None else (lambda x: x.tree_flatten()))
    return cls


def register_static(cls: type[T]) -> type[T]:
    """Register `cls` as a pytree node with no children: its instances are structure.

    An instance is kept in the treedef (so it must be hashable, and equal instances give
    equal structures); transforms see it as a static value, not an array.

    Args:
      cls: the class to register.

    Returns:
      `cls`, so this works as a decorator.

    Example:
        >>> from fungrad import tree_util
        >>> @tree_util.register_static
        ... class Config:
        ...     def __init__(self, depth):
        ...         self.depth = depth
        >>> tree_util.tree_leaves([1.0, Config(3)])
        [1.0]
    """
    _register("register_static", cls, lambda x: ((), x), lambda aux, children: aux)
    return cls


def is_tree_node(typ: type) -> bool:
    """Whether instances of the class `typ` are pytree nodes (not leaves).

    Args:
      typ: a class, e.g. ``list`` or a registered class.

    Returns:
      True for registered node types (tuple, list, dict, None's type, namedtuples...).

    Example:
        >>> import numpy as np
        >>> from fungrad import tree_util
        >>> tree_util.is_tree_node(dict), tree_util.is_tree_node(np.ndarray)
        (True, False)
    """
    if not isinstance(typ, type):
        raise TypeError(f"is_tree_node: expected a class, got a {type(typ).__name__} "
                        f"({typ!r:.40}); pass type(x).")
    return typ in registry or (issubclass(typ, tuple) and hasattr(typ, "_fields"))


def _dataclass_fields(nodetype, data_fields, meta_fields,
                      drop_fields=()) -> tuple[list[str], list[str]]:
    fn = "register_dataclass"
    drop = set(drop_fields)
    if (data_fields is None) != (meta_fields is None):
        raise TypeError(f"{fn}: pass both data_fields and meta_fields, or neither to infer them.")
    if data_fields is None:
        if not dataclasses.is_dataclass(nodetype):
            raise TypeError(
                f"{fn}: {nodetype!r} is not a dataclass; pass data_fields and meta_fields."
            )
        fields = [f for f in dataclasses.fields(nodetype) if f.init and f.name not in drop]
        static = [f.name for f in fields if f.metadata.get("static", False)]
        return [f.name for f in fields if f.name not in static], static
    data, meta = list(data_fields), list(meta_fields)
    given = set(data) | set(meta)
    if len(given) != len(data) + len(meta):
        raise ValueError(
            f"{fn}: a field is listed twice in data_fields={data}, meta_fields={meta}."
        )
    if dataclasses.is_dataclass(nodetype):
        expected = {f.name for f in dataclasses.fields(nodetype) if f.init} - drop
        if given != expected:
            raise ValueError(
                f"{fn}: data_fields and meta_fields of {nodetype.__name__} must name exactly "
                f"its init fields (less drop_fields); missing {sorted(expected - given)} "
                f"(list them in drop_fields to leave them out of the pytree), "
                f"unknown {sorted(given - expected)}."
            )
    return data, meta


def register_dataclass(
    nodetype: type[T],
    data_fields: Sequence[str] | None = None,
    meta_fields: Sequence[str] | None = None,
    drop_fields: Sequence[str] = (),
) -> type[T]:
    """Register a dataclass: data fields become children, meta fields static aux data.

    Args:
      nodetype: the class; it is rebuilt by calling it with every field as a keyword.
      data_fields: names of the fields holding children.
      meta_fields: names of the static fields, part of the structure (must be hashable).
        With both None, a field with ``metadata={"static": True}`` is meta, others are data.
      drop_fields: init fields left out of the pytree (as in JAX): not flattened, and given
        their defaults when the node is rebuilt.

    Returns:
      `nodetype`, so this works as a decorator.

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> import fungrad.numpy as fnp
        >>> from fungrad import tree_util
        >>> import dataclasses
        >>> @dataclasses.dataclass
        ... class Dense:
        ...     w: np.ndarray
        ...     b: np.ndarray
        ...     name: str
        >>> _ = tree_util.register_dataclass(Dense, data_fields=['w', 'b'], meta_fields=['name'])
        >>> fg.grad(lambda m: fnp.sum(m.w) + fnp.sum(m.b))(Dense(np.ones(2), np.zeros(1), 'fc')).w
        Array([1., 1.])
    """
    if isinstance(drop_fields, str):
        raise TypeError("register_dataclass: drop_fields must be a sequence of field names, "
                        f"got the string {drop_fields!r} (write [{drop_fields!r}])")
    data, meta = _dataclass_fields(nodetype, data_fields, meta_fields, drop_fields)

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
