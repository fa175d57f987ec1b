"""Tests of fungrad.nn.module: Modules as frozen dataclass pytrees, partition and combine."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad import nn
from fungrad.errors import ShapeError
from fungrad.test_util import check_grads
from fungrad.tree_util import (
    keystr,
    tree_flatten_with_path,
    tree_leaves,
    tree_map,
    tree_structure,
)


class Affine(nn.Module):
    """A Module with a generated __init__ and every kind of field."""

    weight: np.ndarray
    bias: np.ndarray | None
    name: str = "affine"
    activation: object = None

    def __call__(self, x):
        y = x @ self.weight
        y = y if self.bias is None else y + self.bias
        return y if self.activation is None else self.activation(y)


class Counted(nn.Module):
    """A Module with a custom __init__, an integer array field and a list of Modules."""

    layers: list
    counts: np.ndarray
    scale: float

    def __init__(self, sizes, *, key, scale=2.0):
        keys = fg.random.split(key, len(sizes) - 1)
        self.layers = [nn.Linear(a, b, key=k, dtype=np.float64)
                       for a, b, k in zip(sizes[:-1], sizes[1:], keys)]
        self.counts = np.arange(3)
        self.scale = scale

    def __call__(self, x):
        for layer in self.layers:
            x = fnp.tanh(layer(x))
        return self.scale * x


def _paths(tree):
    return [keystr(p) for p, _ in tree_flatten_with_path(tree)[0]]


def test_module_is_dataclass_and_pytree():
    m = Affine(np.ones((2, 3)), np.zeros(3), "a", fnp.tanh)
    assert dataclasses.is_dataclass(m)
    assert [f.name for f in dataclasses.fields(m)] == ["weight", "bias", "name", "activation"]
    assert _paths(m) == [".weight", ".bias"]
    leaves = tree_leaves(m)
    assert leaves[0] is m.weight and leaves[1] is m.bias
    # static fields are in the treedef and are compared by equality
    assert tree_structure(m) == tree_structure(Affine(np.ones((2, 3)), np.zeros(3), "a", fnp.tanh))
    assert tree_structure(m) != tree_structure(Affine(np.ones((2, 3)), np.zeros(3), "b", fnp.tanh))
    assert hash(tree_structure(m)) == hash(tree_structure(m))


def test_none_field_is_an_empty_child():
    m = Affine(np.ones((2, 3)), None)
    assert _paths(m) == [".weight"]
    np.testing.assert_allclose(m(np.ones(2)), [2.0, 2.0, 2.0])


def test_custom_init_nested_key_paths():
    m = Counted([3, 4, 2], key=fg.random.key(0))
    assert _paths(m) == [  # fields in declaration order
        ".layers[0].weight", ".layers[0].bias", ".layers[1].weight", ".layers[1].bias",
        ".counts",
    ]
    assert m(np.ones(3)).shape == (2,)


def test_unflatten_round_trip_does_not_call_init():
    m = Counted([3, 4, 2], key=fg.random.key(0))
    doubled = tree_map(lambda x: 2 * x, m)
    assert type(doubled) is Counted and doubled.scale == 2.0
    np.testing.assert_array_equal(doubled.counts, 2 * np.arange(3))
    np.testing.assert_array_equal(doubled.layers[1].weight, 2 * m.layers[1].weight)


def test_structure_is_kept_when_leaves_become_non_arrays():
    # Which fields are children is decided at construction and travels with the treedef,
    # so replacing arrays by ints (as in vmap in_axes trees) keeps the structure.
    m = Counted([3, 4, 2], key=fg.random.key(0))
    axes = tree_map(lambda x: 0, m)
    assert tree_structure(axes) == tree_structure(m)
    assert axes.layers[0].weight == 0


def test_module_is_frozen():
    m = Affine(np.ones((2, 3)), np.zeros(3))
    with pytest.raises(dataclasses.FrozenInstanceError, match="Affine.*'weight'.*immutable"):
        m.weight = np.zeros((2, 3))
    with pytest.raises(dataclasses.FrozenInstanceError):
        del m.bias
    c = Counted([2, 2], key=fg.random.key(1))
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.scale = 3.0
    lin = nn.Linear(2, 2, key=fg.random.key(0))
    with pytest.raises(dataclasses.FrozenInstanceError):
        lin.weight = lin.weight


def test_subclass_with_super_init_can_still_assign():
    class Scaled(nn.Linear):
        gain: float

        def __init__(self, n, gain, *, key):
            super().__init__(n, n, key=key)
            self.gain = gain

        def __call__(self, x):
            return self.gain * super().__call__(x)

    s = Scaled(2, 3.0, key=fg.random.key(0))
    assert _paths(s) == [".weight", ".bias"]
    assert tree_structure(s) != tree_structure(Scaled(2, 4.0, key=fg.random.key(0)))
    base = nn.Linear(2, 2, key=fg.random.key(0))
    np.testing.assert_allclose(s(np.ones(2, np.float32)), 3.0 * base(np.ones(2, np.float32)),
                               rtol=1e-6)


def test_forced_static_field():
    class Table(nn.Module):
        values: np.ndarray = dataclasses.field(metadata={"static": True})

    with pytest.raises(TypeError, match="static field 'values'.*unhashable"):
        Table(np.ones(2))


def test_containers_are_children():
    class Bag(nn.Module):
        items: list
        table: dict
        sizes: tuple

    bag = Bag([], {"w": np.ones(2), "n": 3}, (2, 3))
    assert _paths(bag) == [".table['n']", ".table['w']"]
    assert tree_structure(bag) != tree_structure(Bag([], {"w": np.ones(2), "n": 3}, (2, 4)))
    assert tree_structure(Bag([], {}, ())) == tree_structure(Bag([], {}, ()))


def test_unhashable_static_field_error():
    class Bad(nn.Module):
        sizes: list

    with pytest.raises(TypeError, match="Bad: the static field 'sizes'.*tuple"):
        Bad([1, 2])
    assert tree_structure(Bad((1, 2))) == tree_structure(Bad((1, 2)))


def test_init_that_forgets_a_field():
    class Forgetful(nn.Module):
        a: np.ndarray
        b: int

        def __init__(self):
            self.a = np.ones(2)

    with pytest.raises(AttributeError, match=r"Forgetful.__init__ did not set the field 'b'"):
        Forgetful()


def test_is_array_predicates():
    assert nn.is_array(np.zeros(2)) and nn.is_array(np.float32(1.0))
    assert nn.is_array(fnp.array([1, 2]))
    assert not nn.is_array(1.0) and not nn.is_array([np.zeros(2)]) and not nn.is_array(None)
    assert nn.is_inexact_array(np.zeros(2)) and not nn.is_inexact_array(np.arange(2))
    seen = []
    fg.grad(lambda x: seen.append(nn.is_inexact_array(x)) or fnp.sum(x))(np.ones(2))
    assert seen == [True]


def test_partition_combine_round_trip():
    m = Counted([3, 4, 2], key=fg.random.key(0))
    params, static = nn.partition(m, nn.is_inexact_array)
    assert params.counts is None and static.layers[0].weight is None
    assert _paths(params) == _paths(m)[:-1]
    assert len(tree_leaves(static)) == 1
    back = nn.combine(params, static)
    assert tree_structure(back) == tree_structure(m)
    for a, b in zip(tree_leaves(back), tree_leaves(m)):
        assert a is b


def test_partition_with_a_filter_tree():
    m = Counted([3, 4, 2], key=fg.random.key(0))
    tree = {"model": m, "extra": {"w": np.ones(2), "n": np.arange(2)}}
    spec = {"model": nn.is_inexact_array, "extra": False}  # a prefix of the tree
    first, rest = nn.partition(tree, spec)
    assert first["model"].layers[0].weight is m.layers[0].weight
    assert first["model"].counts is None and first["extra"]["w"] is None
    assert rest["model"].counts is m.counts and rest["extra"]["n"] is tree["extra"]["n"]
    with pytest.raises(TypeError, match="filter_spec leaves must be bools or callables"):
        nn.partition(tree, {"model": 1, "extra": True})


def test_grad_wrt_partitioned_params_of_a_model_with_an_int_field():
    m = Counted([3, 4, 2], key=fg.random.key(0))
    x = np.linspace(-1.0, 1.0, 3)
    params, static = nn.partition(m, nn.is_inexact_array)

    def loss(p):
        return fnp.sum(nn.combine(p, static)(x) ** 2)

    grads = fg.grad(loss)(params)
    assert tree_structure(grads) == tree_structure(params)
    assert grads.layers[0].weight.shape == (3, 4) and grads.counts is None
    check_grads(loss, (params,), order=2)
    with pytest.raises(TypeError, match="int"):
        fg.grad(lambda model: fnp.sum(model(x)))(m)  # the int field is not differentiable


def test_key_paths_in_structure_errors():
    k = fg.random.key(0)
    a = nn.Sequential([nn.Linear(3, 4, key=k), nn.relu])
    b = nn.Sequential([nn.Linear(3, 5, key=k), nn.relu])
    with pytest.raises(ValueError, match=r"key path \.layers\[0\].*out_features', 4.*5"):
        tree_map(lambda x, y: x, a, b)


def test_key_paths_in_layer_errors():
    k1, k2 = fg.random.split(fg.random.key(0))
    model = nn.Sequential([nn.Linear(3, 4, key=k1), nn.relu, nn.Linear(5, 2, key=k2)])
    with pytest.raises(ShapeError) as info:
        model(np.ones((2, 3), np.float32))
    text = str(info.value) + "".join(getattr(info.value, "__notes__", []))
    assert "Linear: x of shape (2, 4) must end with the axes (5)" in text
    assert ".layers[2]" in text


def test_vmap_over_keys_builds_an_ensemble():
    keys = fg.random.split(fg.random.key(3), 4)
    ensemble = fg.vmap(lambda k: nn.Linear(3, 2, key=k))(keys)
    assert ensemble.weight.shape == (4, 3, 2) and ensemble.bias.shape == (4, 2)
    x = np.ones((5, 3), np.float32)
    out = fg.vmap(lambda m: m(x))(ensemble)
    for i, k in enumerate(keys):
        np.testing.assert_allclose(out[i], nn.Linear(3, 2, key=k)(x), rtol=1e-6)


def test_repr_shows_shapes():
    text = repr(nn.Linear(3, 2, key=fg.random.key(0)))
    assert text == "Linear(weight=float32[3, 2], bias=float32[2], in_features=3, out_features=2)"


def test_partition_with_a_module_shaped_bool_filter():
    # A Module is callable, but as a filter_spec it is a pytree of bools, not a predicate.
    from fungrad import nn, random
    from fungrad.tree_util import tree_map

    m = nn.Linear(2, 3, key=random.key(0))
    params, static = nn.partition(m, tree_map(lambda _: True, m))
    assert params.weight is m.weight
    none_params, _ = nn.partition(m, tree_map(lambda _: False, m))
    assert none_params.weight is None
    assert nn.combine(params, static).weight is m.weight
