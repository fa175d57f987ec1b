"""Deeply nested pytrees: fine to a few hundred levels; deeper, an error that says the tree
is too deep and how to raise the limit (never a bare RecursionError from deep inside)."""

import sys

import numpy as np
import pytest

import fungrad as fg
from fungrad.tree_util import tree_flatten, tree_leaves, tree_map, tree_structure
from fungrad.tree_util.structure import PyTreeDepthError


def _deep(depth, kind):
    t = np.ones(2)
    for _ in range(depth):
        t = [t] if kind == "list" else {"a": t} if kind == "dict" else (t,)
    return t


def _first(t):
    return tree_leaves(t)[0]


OPERATIONS = {
    "flatten": lambda t: tree_flatten(t),
    "tree_map": lambda t: tree_map(lambda x: x + 1, t),
    "repr": lambda t: repr(tree_structure(t)),
    "eq_hash": lambda t: (tree_structure(t) == tree_structure(t), hash(tree_structure(t))),
    "jit": lambda t: fg.jit(lambda u: tree_map(lambda x: x * 2, u))(t),
    "grad": lambda t: fg.grad(lambda u: _first(u).sum())(t),
    "vmap": lambda t: fg.vmap(lambda u: _first(u).sum())(t),
}


@pytest.mark.parametrize("kind", ["list", "dict", "tuple"])
@pytest.mark.parametrize("op", sorted(OPERATIONS))
def test_moderately_deep_trees_work(kind, op):
    OPERATIONS[op](_deep(200, kind))


@pytest.mark.parametrize("op", sorted(OPERATIONS))
def test_too_deep_trees_say_so_and_name_the_fix(op):
    with pytest.raises(PyTreeDepthError) as info:
        OPERATIONS[op](_deep(3000, "list"))
    message = str(info.value)
    assert "nested too deeply" in message and "sys.setrecursionlimit" in message


def test_raising_the_limit_as_the_message_says_makes_depth_500_work():
    tree = _deep(500, "dict")
    with pytest.raises(PyTreeDepthError):
        fg.jit(lambda u: tree_map(lambda x: x * 2, u))(tree)
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(4 * old)
    try:
        out = fg.jit(lambda u: tree_map(lambda x: x * 2, u))(tree)
        np.testing.assert_array_equal(_first(out), 2 * np.ones(2))
        assert tree_structure(out) == tree_structure(tree)
    finally:
        sys.setrecursionlimit(old)
