"""Tests for fungrad.tree_util: round trips, structures, key paths, and error messages."""

import collections
import dataclasses
import doctest
import operator

import numpy as np
import pytest

from fungrad import tree_util as tu
from fungrad.tree_util import (
    DictKey,
    FlattenedIndexKey,
    GetAttrKey,
    SequenceKey,
)

Point = collections.namedtuple("Point", ["x", "y"])
OtherPoint = collections.namedtuple("OtherPoint", ["x", "y"])


class Box:
    """A custom node registered without keys: children (a, b), aux `tag`."""

    def __init__(self, a, b, tag="box"):
        self.a, self.b, self.tag = a, b, tag

    def __eq__(self, other):
        return type(other) is Box and (self.a, self.b, self.tag) == (other.a, other.b, other.tag)

    __hash__ = None


tu.register_pytree_node(Box, lambda b: ((b.a, b.b), b.tag), lambda tag, ch: Box(*ch, tag=tag))


class Named:
    """A custom node registered with keys: children under attribute-style names."""

    def __init__(self, **items):
        self.items = items

    def __eq__(self, other):
        return type(other) is Named and self.items == other.items

    __hash__ = None


tu.register_pytree_with_keys(
    Named,
    lambda n: ([(GetAttrKey(k), v) for k, v in sorted(n.items.items())], tuple(sorted(n.items))),
    lambda names, children: Named(**dict(zip(names, children))),
)


@tu.register_pytree_node_class
class Pair:
    def __init__(self, first, second):
        self.first, self.second = first, second

    def tree_flatten(self):
        return (self.first, self.second), None

    @classmethod
    def tree_unflatten(cls, aux, children):
        return cls(*children)

    def __eq__(self, other):
        return type(other) is Pair and (self.first, self.second) == (other.first, other.second)

    __hash__ = None


@tu.register_dataclass
@dataclasses.dataclass
class Layer:
    w: object
    b: object
    activation: str = dataclasses.field(default="relu", metadata={"static": True})


@dataclasses.dataclass
class Explicit:
    x: object
    n: int


tu.register_dataclass(Explicit, data_fields=["x"], meta_fields=["n"])


NESTED = {
    "b": [1, None, (2, Point(3, 4))],
    "a": collections.OrderedDict([("z", 5), ("y", [])]),
    "c": collections.defaultdict(list, {"k": 6}),
    "d": Box(7, [8]),
    "e": Layer(w=9, b=10),
}


# --- Round trips -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tree",
    [
        1.5,
        np.arange(3.0),
        None,
        (),
        [],
        {},
        (1,),
        (1, 2),
        [1, [2, [3]]],
        {"b": 1, "a": 2},
        collections.OrderedDict([("b", 1), ("a", 2)]),
        collections.defaultdict(int, {"b": 1, "a": 2}),
        Point(1, (2, 3)),
        Box(1, {"q": 2}),
        Named(u=1, v=[2]),
        Pair(1, (2,)),
        Layer(1, 2, "tanh"),
        Explicit(x=[1, 2], n=3),
        NESTED,
    ],
    # repr without memory addresses, so parallel workers collect identical test ids
    ids=lambda tree: __import__('re').sub(r' at 0x[0-9a-f]+', '', repr(tree)),
)
def test_round_trip(tree):
    leaves, treedef = tu.tree_flatten(tree)
    rebuilt = tu.tree_unflatten(treedef, leaves)
    assert type(rebuilt) is type(tree)
    assert tu.tree_structure(rebuilt) == treedef
    assert all(a is b for a, b in zip(tu.tree_leaves(rebuilt), leaves))
    assert treedef.num_leaves == len(leaves)


def test_nested_leaves_order():
    # a: OrderedDict (z then y), b: list, c: defaultdict, d: Box, e: Layer.
    assert tu.tree_leaves(NESTED) == [5, 1, 2, 3, 4, 6, 7, 8, 9, 10]


def test_unflatten_accepts_any_iterable():
    treedef = tu.tree_structure([1, (2, 3)])
    assert tu.tree_unflatten(treedef, iter("abc")) == ["a", ("b", "c")]
    assert treedef.unflatten(x * 2 for x in (1, 2, 3)) == [2, (4, 6)]


def test_single_leaf():
    x = np.ones(2)
    leaves, treedef = tu.tree_flatten(x)
    assert leaves[0] is x
    assert treedef == tu.tree_structure(0.0)
    assert repr(treedef) == "PyTreeDef(*)"
    assert treedef.num_leaves == 1 and treedef.num_nodes == 1
    assert tu.tree_unflatten(treedef, ["y"]) == "y"


# --- None, dicts, namedtuples ------------------------------------------------------------


def test_none_is_a_node_not_a_leaf():
    assert tu.tree_leaves([None, 1]) == [1]
    assert tu.tree_leaves(None) == []
    treedef = tu.tree_structure(None)
    assert repr(treedef) == "PyTreeDef(None)"
    assert treedef.num_leaves == 0 and treedef.num_nodes == 1
    assert tu.tree_unflatten(treedef, []) is None
    assert tu.tree_map(lambda x: x + 1, {"a": None, "b": 1}) == {"a": None, "b": 2}


def test_none_can_be_a_leaf_via_is_leaf():
    leaves, treedef = tu.tree_flatten([None, 1], is_leaf=lambda x: x is None)
    assert leaves == [None, 1]
    assert repr(treedef) == "PyTreeDef([*, *])"


def test_dict_sorted_and_unflattened_in_sorted_order():
    leaves, treedef = tu.tree_flatten({"b": 1, "a": 2, "c": 3})
    assert leaves == [2, 1, 3]
    assert list(treedef.unflatten(leaves)) == ["a", "b", "c"]
    assert tu.tree_structure({"b": 1, "a": 2}) == tu.tree_structure({"a": 0, "b": 0})


def test_dict_with_unsortable_keys_raises():
    with pytest.raises(ValueError, match="cannot sort the keys"):
        tu.tree_flatten({1: "a", "b": 2})


def test_ordered_dict_keeps_insertion_order():
    tree = collections.OrderedDict([("b", 1), ("a", 2)])
    leaves, treedef = tu.tree_flatten(tree)
    assert leaves == [1, 2]
    rebuilt = treedef.unflatten(leaves)
    assert isinstance(rebuilt, collections.OrderedDict) and list(rebuilt) == ["b", "a"]
    assert treedef != tu.tree_structure(collections.OrderedDict([("a", 2), ("b", 1)]))
    assert treedef != tu.tree_structure({"b": 1, "a": 2})
    assert repr(treedef) == "PyTreeDef(OrderedDict({'b': *, 'a': *}))"


def test_defaultdict_keeps_factory_and_sorts_keys():
    tree = collections.defaultdict(list, {"b": 1, "a": 2})
    leaves, treedef = tu.tree_flatten(tree)
    assert leaves == [2, 1]
    rebuilt = treedef.unflatten(leaves)
    assert isinstance(rebuilt, collections.defaultdict) and rebuilt.default_factory is list
    assert dict(rebuilt) == {"a": 2, "b": 1}
    assert treedef != tu.tree_structure(collections.defaultdict(dict, {"b": 1, "a": 2}))
    assert treedef != tu.tree_structure({"b": 1, "a": 2})
    assert repr(treedef) == "PyTreeDef(defaultdict(<class 'list'>, {'a': *, 'b': *}))"


def test_namedtuple_keeps_its_type():
    leaves, treedef = tu.tree_flatten(Point(1, [2]))
    assert leaves == [1, 2]
    assert treedef.unflatten(["p", "q"]) == Point("p", ["q"])
    assert type(treedef.unflatten([0, 0])) is Point
    assert repr(treedef) == "PyTreeDef(Point(x=*, y=[*]))"
    assert tu.tree_structure(Point(1, 2)) != tu.tree_structure(OtherPoint(1, 2))
    assert tu.tree_structure(Point(1, 2)) != tu.tree_structure((1, 2))


def test_unregistered_types_are_leaves():
    class Thing:
        pass

    thing = Thing()
    assert tu.tree_leaves([thing, "str", b"bytes", 3j]) == [thing, "str", b"bytes", 3j]
    assert tu.tree_leaves({"s": {1, 2}}) == [{1, 2}]


# --- Registration ------------------------------------------------------------------------


def test_register_pytree_node_custom_node():
    treedef = tu.tree_structure(Box(1, [2, 3], tag="t"))
    assert repr(treedef) == "PyTreeDef(CustomNode(Box[t], [*, [*, *]]))"
    assert treedef.unflatten([4, 5, 6]) == Box(4, [5, 6], tag="t")
    assert treedef != tu.tree_structure(Box(1, [2, 3], tag="other"))
    paths = [p for p, _ in tu.tree_flatten_with_path(Box(1, [2]))[0]]
    assert paths == [(FlattenedIndexKey(0),), (FlattenedIndexKey(1), SequenceKey(0))]


def test_register_twice_raises_naming_the_type():
    class Once:
        pass

    tu.register_pytree_node(Once, lambda x: ((), None), lambda aux, ch: Once())
    with pytest.raises(ValueError, match="Once"):
        tu.register_pytree_node(Once, lambda x: ((), None), lambda aux, ch: Once())
    with pytest.raises(ValueError, match="tuple"):
        tu.register_pytree_node(tuple, lambda x: (x, None), lambda aux, ch: tuple(ch))
    with pytest.raises(ValueError, match="Box"):
        tu.register_pytree_with_keys(Box, lambda b: ((), None), lambda aux, ch: None)


def test_register_pytree_node_with_keys_func():
    class Cell:
        def __init__(self, h, c):
            self.h, self.c = h, c

    tu.register_pytree_node(
        Cell,
        lambda x: ((x.h, x.c), None),
        lambda aux, ch: Cell(*ch),
        flatten_with_keys_func=lambda x: (((GetAttrKey("h"), x.h), (GetAttrKey("c"), x.c)), None),
    )
    paths = [tu.keystr(p) for p, _ in tu.tree_leaves_with_path([Cell(1, 2)])]
    assert paths == ["[0].h", "[0].c"]


def test_register_pytree_with_keys():
    tree = Named(v=[1, 2], u=3)
    assert tu.tree_leaves(tree) == [3, 1, 2]
    assert [tu.keystr(p) for p, _ in tu.tree_leaves_with_path(tree)] == [".u", ".v[0]", ".v[1]"]
    assert tu.tree_map(lambda x: x * 10, tree) == Named(u=30, v=[10, 20])


def test_register_pytree_node_class():
    assert tu.tree_leaves(Pair(1, (2, 3))) == [1, 2, 3]
    assert tu.tree_map(str, Pair(1, 2)) == Pair("1", "2")
    assert repr(tu.tree_structure(Pair(1, 2))) == "PyTreeDef(CustomNode(Pair[None], [*, *]))"


def test_register_dataclass_inferred_fields():
    layer = Layer(w=np.ones(2), b=3.0, activation="tanh")
    leaves, treedef = tu.tree_flatten(layer)
    assert len(leaves) == 2 and leaves[1] == 3.0
    rebuilt = treedef.unflatten(["W", "B"])
    assert rebuilt == Layer("W", "B", "tanh")
    assert repr(treedef) == "PyTreeDef(CustomNode(Layer[('tanh',)], [*, *]))"
    paths = [tu.keystr(p) for p, _ in tu.tree_leaves_with_path({"l": layer})]
    assert paths == ["['l'].w", "['l'].b"]


def test_register_dataclass_meta_fields_take_part_in_equality():
    assert tu.tree_structure(Layer(1, 2, "relu")) == tu.tree_structure(Layer(3, 4, "relu"))
    assert tu.tree_structure(Layer(1, 2, "relu")) != tu.tree_structure(Layer(1, 2, "tanh"))
    assert hash(tu.tree_structure(Layer(1, 2))) == hash(tu.tree_structure(Layer(5, 6)))
    assert tu.tree_structure(Explicit([1], 2)) != tu.tree_structure(Explicit([1], 3))
    assert tu.tree_leaves(Explicit(x=[1, 2], n=3)) == [1, 2]


def test_register_dataclass_unhashable_meta_fails_on_hash():
    @dataclasses.dataclass
    class WithList:
        x: object
        opts: list = dataclasses.field(metadata={"static": True})

    tu.register_dataclass(WithList)
    treedef = tu.tree_structure(WithList(1, [1]))
    with pytest.raises(TypeError, match="must be hashable"):
        hash(treedef)


def test_register_dataclass_errors():
    @dataclasses.dataclass
    class D:
        a: int
        b: int

    with pytest.raises(TypeError, match="both data_fields and meta_fields"):
        tu.register_dataclass(D, data_fields=["a"])
    with pytest.raises(ValueError, match=r"missing \['b'\]"):
        tu.register_dataclass(D, data_fields=["a"], meta_fields=[])
    with pytest.raises(ValueError, match=r"unknown \['c'\]"):
        tu.register_dataclass(D, data_fields=["a", "b"], meta_fields=["c"])
    with pytest.raises(TypeError, match="not a dataclass"):
        tu.register_dataclass(type("Plain", (), {}))


def test_register_dataclass_on_plain_class_with_explicit_fields():
    class Plain:
        def __init__(self, x, k):
            self.x, self.k = x, k

    assert tu.register_dataclass(Plain, ["x"], ["k"]) is Plain
    rebuilt = tu.tree_map(lambda v: v + 1, Plain(1, "k"))
    assert (rebuilt.x, rebuilt.k) == (2, "k")


# --- PyTreeDef ---------------------------------------------------------------------------


def test_treedef_equality_and_hash():
    a = tu.tree_structure({"x": [1, 2], "y": (3, None)})
    b = tu.tree_structure({"y": ("p", None), "x": ["q", "r"]})
    assert a == b and hash(a) == hash(b)
    assert {a: "cached"}[b] == "cached"
    assert a != tu.tree_structure({"x": [1, 2], "y": (3, 4)})
    assert a != tu.tree_structure({"x": (1, 2), "y": (3, None)})
    assert tu.tree_structure([1, 2]) != tu.tree_structure((1, 2))
    assert tu.tree_structure([1]) != tu.tree_structure([[1]])
    assert a != "not a treedef"


def test_treedef_is_immutable():
    treedef = tu.tree_structure([1, 2])
    with pytest.raises(AttributeError):
        treedef.num_leaves = 3
    with pytest.raises(AttributeError):
        treedef.extra = 1


def test_treedef_counts_and_children():
    treedef = tu.tree_structure((1, {"a": 2, "b": [3, None]}))
    assert treedef.num_leaves == 3
    assert treedef.num_nodes == 7  # tuple, leaf, dict, leaf, list, leaf, None
    children = treedef.children()
    assert children == tu.treedef_children(treedef)
    assert [repr(c) for c in children] == ["PyTreeDef(*)", "PyTreeDef({'a': *, 'b': [*, None]})"]


@pytest.mark.parametrize(
    "tree, expected",
    [
        ((1, {"a": 2, "b": [3, None]}), "PyTreeDef((*, {'a': *, 'b': [*, None]}))"),
        ((1,), "PyTreeDef((*,))"),
        ((), "PyTreeDef(())"),
        ([], "PyTreeDef([])"),
        ({}, "PyTreeDef({})"),
        (Point(1, 2), "PyTreeDef(Point(x=*, y=*))"),
        ({1: "a", 2: "b"}, "PyTreeDef({1: *, 2: *})"),
        ([Box(1, 2)], "PyTreeDef([CustomNode(Box[box], [*, *])])"),
    ],
)
def test_treedef_repr(tree, expected):
    assert repr(tu.tree_structure(tree)) == expected


def test_treedef_helpers():
    assert tu.treedef_is_leaf(tu.tree_structure(1.0))
    assert not tu.treedef_is_leaf(tu.tree_structure([1.0]))
    # As in JAX, any single-node structure counts, childless containers included.
    assert tu.treedef_is_leaf(tu.tree_structure(None))
    assert tu.treedef_is_leaf(tu.tree_structure([]))
    tup = tu.treedef_tuple([tu.tree_structure(1), tu.tree_structure([1, 2])])
    assert tup == tu.tree_structure((0, [0, 0]))
    assert tu.treedef_tuple([]) == tu.tree_structure(())
    with pytest.raises(TypeError, match="element 1"):
        tu.treedef_tuple([tu.tree_structure(1), [1]])


def test_flatten_up_to():
    treedef = tu.tree_structure({"a": 0, "b": [0, 0]})
    subtrees = treedef.flatten_up_to({"a": (1, 2), "b": [{"c": 3}, None]})
    assert subtrees == [(1, 2), {"c": 3}, None]


def test_flatten_up_to_mismatch_message():
    treedef = tu.tree_structure({"a": 0, "b": [0, 0]})
    with pytest.raises(ValueError) as info:
        treedef.flatten_up_to({"a": 1, "b": [1, 2, 3]})
    message = str(info.value)
    assert message.startswith("PyTreeDef.flatten_up_to:")
    assert "['b']" in message
    assert "a list of 2 children" in message and "a list of 3 children" in message
    assert "PyTreeDef({'a': *, 'b': [*, *]})" in message
    assert "PyTreeDef({'a': *, 'b': [*, *, *]})" in message


# --- Key paths ---------------------------------------------------------------------------


def test_key_classes():
    assert str(SequenceKey(0)) == "[0]"
    assert str(DictKey("a")) == "['a']"
    assert str(DictKey(1)) == "[1]"
    assert str(GetAttrKey("w")) == ".w"
    assert str(FlattenedIndexKey(2)) == "[2]"
    assert len({SequenceKey(0), SequenceKey(0), DictKey(0)}) == 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        SequenceKey(0).idx = 1


def test_flatten_with_path_and_keystr():
    tree = {"a": [Point(x=1, y=2)], "b": (3, None), "c": collections.OrderedDict(z=4)}
    pairs, treedef = tu.tree_flatten_with_path(tree)
    assert treedef == tu.tree_structure(tree)
    assert [leaf for _, leaf in pairs] == tu.tree_leaves(tree)
    assert pairs[0][0] == (DictKey("a"), SequenceKey(0), GetAttrKey("x"))
    assert [tu.keystr(p) for p, _ in pairs] == [
        "['a'][0].x",
        "['a'][0].y",
        "['b'][0]",
        "['c']['z']",
    ]
    assert tu.tree_leaves_with_path(tree) == pairs


def test_keystr_simple_and_separator():
    path = (DictKey("a"), SequenceKey(0), GetAttrKey("w"), FlattenedIndexKey(1))
    assert tu.keystr(path) == "['a'][0].w[1]"
    assert tu.keystr(path, simple=True, separator="/") == "a/0/w/1"
    assert tu.keystr(()) == ""


def test_flatten_with_path_is_leaf():
    pairs, _ = tu.tree_flatten_with_path(
        {"a": (1, 2), "b": 3}, is_leaf=lambda x: isinstance(x, tuple)
    )
    assert pairs == [((DictKey("a"),), (1, 2)), ((DictKey("b"),), 3)]


# --- tree_map and friends ----------------------------------------------------------------


def test_tree_map_single_and_multi():
    tree = {"a": 1, "b": (2, [3]), "c": None}
    assert tu.tree_map(lambda x: x * 2, tree) == {"a": 2, "b": (4, [6]), "c": None}
    other = {"a": 10, "b": (20, [30]), "c": None}
    third = {"a": 100, "b": (200, [300]), "c": None}
    assert tu.tree_map(lambda x, y, z: x + y + z, tree, other, third) == {
        "a": 111,
        "b": (222, [333]),
        "c": None,
    }


def test_tree_map_is_leaf():
    tree = [(1, 2), (3, 4)]
    assert tu.tree_map(sum, tree, is_leaf=lambda x: isinstance(x, tuple)) == [3, 7]
    rest = [("a", "b"), ("c", "d")]
    result = tu.tree_map(lambda x, y: (x, y), tree, rest, is_leaf=lambda x: isinstance(x, tuple))
    assert result == [((1, 2), ("a", "b")), ((3, 4), ("c", "d"))]


def test_tree_map_with_path():
    tree = {"a": [1, 2], "b": Point(3, 4)}
    result = tu.tree_map_with_path(lambda p, x, y: f"{tu.keystr(p)}={x + y}", tree, tree)
    assert result == {"a": ["['a'][0]=2", "['a'][1]=4"], "b": Point("['b'].x=6", "['b'].y=8")}


def test_tree_reduce():
    tree = [1, (2, {"a": 3})]
    assert tu.tree_reduce(operator.add, tree) == 6
    assert tu.tree_reduce(operator.add, tree, 10) == 16
    assert tu.tree_reduce(operator.add, [], 10) == 10
    assert tu.tree_reduce(operator.add, [1]) == 1
    assert tu.tree_reduce(
        lambda acc, x: acc + [x], [(1, 2)], [], is_leaf=lambda x: isinstance(x, tuple)
    ) == [(1, 2)]
    with pytest.raises(TypeError, match="tree_reduce: the tree has no leaves"):
        tu.tree_reduce(operator.add, [None, {}])


def test_tree_all_and_all_leaves():
    assert tu.tree_all([True, (1, {"a": "x"})])
    assert not tu.tree_all([True, (0, {})])
    assert tu.tree_all([])
    assert tu.tree_all([[1], [0]], is_leaf=lambda x: isinstance(x, list))
    assert tu.all_leaves([1, "a", np.ones(2)])
    assert not tu.all_leaves([1, [2]])
    assert not tu.all_leaves([None])
    assert tu.all_leaves([[1]], is_leaf=lambda x: isinstance(x, list))


def test_tree_transpose():
    outer = tu.tree_structure([0, 0, 0])
    inner = tu.tree_structure({"a": 0, "b": 0})
    tree = [{"a": 1, "b": 2}, {"a": 3, "b": 4}, {"a": 5, "b": 6}]
    expected = {"a": [1, 3, 5], "b": [2, 4, 6]}
    assert tu.tree_transpose(outer, inner, tree) == expected
    assert tu.tree_transpose(outer, None, tree) == expected
    assert tu.tree_transpose(inner, outer, expected) == tree


def test_tree_transpose_mismatch():
    outer = tu.tree_structure([0, 0])
    inner = tu.tree_structure((0, 0))
    with pytest.raises(ValueError) as info:
        tu.tree_transpose(outer, inner, [(1, 2), (3, 4, 5)])
    message = str(info.value)
    assert message.startswith("tree_transpose:")
    assert "[1]" in message and "a tuple of 3 children" in message


def test_broadcast_prefix():
    full = {"x": [1, 2], "y": {"p": 3, "q": (4, 5)}, "z": None}
    assert tu.broadcast_prefix(0, full) == [0] * 5
    assert tu.broadcast_prefix({"x": 0, "y": 1, "z": 2}, full) == [0, 0, 1, 1, 1]
    assert tu.broadcast_prefix({"x": None, "y": {"p": 1, "q": None}, "z": None}, full) == [
        None,
        None,
        1,
        None,
        None,
    ]
    assert tu.broadcast_prefix(None, [1, [2]]) == [None, None]
    assert tu.broadcast_prefix((0, 1), ([1, 2], 3)) == [0, 0, 1]
    assert tu.broadcast_prefix([(0, 1)], [[1, 2]], is_leaf=lambda x: isinstance(x, tuple)) == [
        (0, 1),
        (0, 1),
    ]


def test_broadcast_prefix_mismatch_message():
    with pytest.raises(ValueError) as info:
        tu.broadcast_prefix({"a": 0, "b": [0, 0]}, {"a": [1, 2], "b": [3]})
    message = str(info.value)
    assert message.startswith("broadcast_prefix: full tree does not have prefix tree as a prefix")
    assert "at key path ['b']:" in message
    assert "prefix tree has a list of 2 children, full tree has a list of 1 children" in message
    assert "prefix tree: PyTreeDef({'a': *, 'b': [*, *]})" in message
    assert "full tree: PyTreeDef({'a': [*, *], 'b': [*]})" in message


# --- Error messages ----------------------------------------------------------------------


def test_tree_map_mismatch_message_leaf_vs_list():
    tree0 = {"a": 1, "b": [2, 3]}
    tree1 = {"a": 1, "b": [2, [3, 4]]}
    with pytest.raises(ValueError) as info:
        tu.tree_map(lambda x, y: x, tree0, tree1)
    message = str(info.value)
    assert message == (
        "tree_map: tree 1 does not match the structure of tree 0 at key path ['b'][1]: "
        "tree 0 has a leaf, tree 1 has a list of 2 children.\n"
        "  tree 0: PyTreeDef({'a': *, 'b': [*, *]})\n"
        "  tree 1: PyTreeDef({'a': *, 'b': [*, [*, *]]})"
    )


def test_tree_map_mismatch_names_the_right_tree():
    with pytest.raises(ValueError) as info:
        tu.tree_map(lambda *xs: 0, [1, 2], [1, 2], [1, (2,)])
    message = str(info.value)
    assert "tree 2 does not match the structure of tree 0 at key path [1]" in message
    assert "tree 0 has a leaf, tree 2 has a tuple of 1 children" in message


def test_tree_map_mismatch_dict_keys():
    with pytest.raises(ValueError) as info:
        tu.tree_map(
            lambda x, y: x, {"a": 1, "n": {"b": 2, "c": 3}}, {"a": 1, "n": {"c": 3, "d": 4}}
        )
    message = str(info.value)
    assert "at key path ['n']:" in message
    assert "tree 0 has a dict with keys ['b', 'c']" in message
    assert "tree 1 has a dict with keys ['c', 'd']" in message
    assert "tree 1 is missing keys ['b'] and has extra keys ['d']" in message
    assert "tree 0: PyTreeDef({'a': *, 'n': {'b': *, 'c': *}})" in message
    assert "tree 1: PyTreeDef({'a': *, 'n': {'c': *, 'd': *}})" in message


def test_tree_map_none_against_leaf():
    with pytest.raises(ValueError) as info:
        tu.tree_map(lambda x, y: x, {"a": None}, {"a": 1})
    assert "at key path ['a']: tree 0 has None, tree 1 has a leaf." in str(info.value)


def test_tree_map_mismatch_types_and_aux():
    with pytest.raises(
        ValueError, match=r"<root>: tree 0 has a list of 2 children, tree 1 has a tuple"
    ):
        tu.tree_map(lambda x, y: x, [1, 2], (1, 2))
    with pytest.raises(ValueError, match=r"tree 0 has a Point namedtuple.*tree 1 has a OtherPoint"):
        tu.tree_map(lambda x, y: x, Point(1, 2), OtherPoint(1, 2))
    with pytest.raises(ValueError, match=r"\[0\]: tree 0 has a Box node with aux data 'p'"):
        tu.tree_map(lambda x, y: x, [Box(1, 2, "p")], [Box(1, 2, "q")])


def test_tree_map_with_path_mismatch_message():
    with pytest.raises(ValueError) as info:
        tu.tree_map_with_path(lambda p, x, y: x, {"a": [1]}, {"a": [1, 2]})
    message = str(info.value)
    assert message.startswith("tree_map_with_path: tree 1 does not match")
    assert "['a']" in message and "PyTreeDef({'a': [*, *]})" in message


def test_tree_unflatten_wrong_leaf_count():
    treedef = tu.tree_structure([1, (2, 3)])
    with pytest.raises(
        ValueError, match="expected 3 leaves for PyTreeDef\\(\\[\\*, \\(\\*, \\*\\)\\]\\), got 2"
    ):
        tu.tree_unflatten(treedef, [1, 2])
    with pytest.raises(ValueError, match="expected 3 leaves.*got 4"):
        treedef.unflatten([1, 2, 3, 4])
    with pytest.raises(TypeError, match="the arguments are \\(treedef, leaves\\)"):
        tu.tree_unflatten([1, 2, 3], treedef)


# --- Docstring examples and JAX parity ---------------------------------------------------


def test_docstring_examples():
    failures, _ = doctest.testmod(tu)
    assert failures == 0


def _import_jax_tree_util():
    try:
        import jax.tree_util as jtu
    except Exception:  # noqa: BLE001 - jax may be absent or half-installed; either way skip
        pytest.skip("jax is not importable")
    return jtu


JAX_EXAMPLES = [
    {"b": [1, None, (2, 3)], "a": 4},
    [Point(1, {"x": 2}), (), [None], {}],
    collections.OrderedDict([("z", 1), ("a", [2, 3])]),
    collections.defaultdict(list, {"q": 1, "p": (2, 3)}),
    (1, {"a": [2, {"b": 3}], "c": Point(4, 5)}),
    None,
    7,
]


def test_matches_jax_tree_util():
    jtu = _import_jax_tree_util()
    for tree in JAX_EXAMPLES:
        assert tu.tree_leaves(tree) == jtu.tree_leaves(tree)
        ours = [tu.keystr(p) for p, _ in tu.tree_flatten_with_path(tree)[0]]
        theirs = [jtu.keystr(p) for p, _ in jtu.tree_flatten_with_path(tree)[0]]
        assert ours == theirs
        assert tu.tree_map(str, tree) == jtu.tree_map(str, tree)
    for a in JAX_EXAMPLES + [
        {"a": 4, "b": [0, None, (0, 0)]},
        (1, 2),
        [1, 2],
        OtherPoint(1, {"x": 2}),
    ]:
        for b in JAX_EXAMPLES + [Point(1, {"x": 2})]:
            ours = tu.tree_structure(a) == tu.tree_structure(b)
            theirs = jtu.tree_structure(a) == jtu.tree_structure(b)
            assert ours == theirs, (a, b)
