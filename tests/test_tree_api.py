"""``fg.tree`` (JAX's ``jax.tree``), the tree_util additions (``Partial``,
``register_static``, ``register_pytree_with_keys_class``, ``tree_broadcast``,
``is_tree_node``) and ``fg.flatten_util.ravel_pytree``, each against JAX 0.10.2."""

import dataclasses
import functools
import inspect

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad import tree_util as tu
from fungrad.flatten_util import ravel_pytree
from fungrad.test_util import check_grads

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")
jax.config.update("jax_enable_x64", True)
jtu = jax.tree_util

TREE = {"a": [1, (2, 3)], "b": None, "c": {"d": 4}}

# --- signatures ---------------------------------------------------------------------------

TREE_NAMES = ["map", "leaves", "structure", "flatten", "unflatten", "reduce", "all",
              "transpose", "map_with_path", "leaves_with_path", "flatten_with_path",
              "broadcast", "reduce_associative", "static"]
TREE_UTIL_NAMES = ["Partial", "register_static", "register_pytree_with_keys_class",
                   "tree_broadcast", "is_tree_node", "tree_map_with_path",
                   "tree_flatten_with_path", "tree_leaves_with_path"]


def _params(fn):
    return [(p.name, p.kind) for p in inspect.signature(fn).parameters.values()]


@pytest.mark.parametrize("name", TREE_NAMES)
def test_tree_signature_matches_jax(name):
    assert _params(getattr(fg.tree, name)) == _params(getattr(jax.tree, name))


@pytest.mark.parametrize("name", TREE_UTIL_NAMES)
def test_tree_util_signature_matches_jax(name):
    ours, ref = getattr(tu, name), getattr(jtu, name)
    if name == "Partial":
        ours, ref = ours.__new__, ref.__new__
    assert _params(ours) == _params(ref)


# --- fg.tree behaviour, against jax.tree -----------------------------------------------


def test_tree_functions_match_jax():
    assert fg.tree.leaves(TREE) == jax.tree.leaves(TREE)
    assert fg.tree.map(lambda x: x * 10, TREE) == jax.tree.map(lambda x: x * 10, TREE)
    assert fg.tree.map(lambda x, y: x + y, TREE, TREE) == jax.tree.map(
        lambda x, y: x + y, TREE, TREE)
    leaves, td = fg.tree.flatten(TREE)
    assert leaves == jax.tree.flatten(TREE)[0]
    assert fg.tree.unflatten(td, [0] * len(leaves)) == jax.tree.map(lambda _: 0, TREE)
    assert fg.tree.structure(TREE) == td and td.num_leaves == 4
    assert fg.tree.reduce(lambda a, b: a + b, TREE) == 10
    assert fg.tree.reduce(lambda a, b: a + b, TREE, 5) == jax.tree.reduce(
        lambda a, b: a + b, TREE, 5)
    assert fg.tree.all([1, (True, 2)]) and not fg.tree.all([1, (0, 2)])
    is_pair = lambda x: isinstance(x, tuple)  # noqa: E731
    assert fg.tree.leaves(TREE, is_leaf=is_pair) == jax.tree.leaves(TREE, is_leaf=is_pair)
    assert fg.tree.all([[0]], is_leaf=lambda x: x == [0])


def test_tree_transpose_matches_jax():
    outer, inner = fg.tree.structure([0, 0]), fg.tree.structure((0, 0))
    ref = jax.tree.transpose(jax.tree.structure([0, 0]), jax.tree.structure((0, 0)),
                             [(1, 2), (3, 4)])
    assert fg.tree.transpose(outer, inner, [(1, 2), (3, 4)]) == ref == ([1, 3], [2, 4])


def test_tree_paths_match_jax():
    ours = [(tu.keystr(p), x) for p, x in fg.tree.leaves_with_path(TREE)]
    ref = [(jtu.keystr(p), x) for p, x in jax.tree.leaves_with_path(TREE)]
    assert ours == ref
    assert [tu.keystr(p) for p, _ in fg.tree.flatten_with_path(TREE)[0]] == [k for k, _ in ref]
    mapped = fg.tree.map_with_path(lambda p, x: f"{tu.keystr(p)}={x}", TREE)
    assert mapped == jax.tree.map_with_path(lambda p, x: f"{jtu.keystr(p)}={x}", TREE)


def test_is_leaf_takes_path_matches_jax():
    def stop_at_a(path, x):
        return len(path) == 1 and path[0].key == "a"

    ours = fg.tree.leaves_with_path(TREE, is_leaf=stop_at_a, is_leaf_takes_path=True)
    ref = jax.tree.leaves_with_path(TREE, is_leaf=stop_at_a, is_leaf_takes_path=True)
    assert [(tu.keystr(p), x) for p, x in ours] == [(jtu.keystr(p), x) for p, x in ref]
    count = lambda p, x, *r: len(p)  # noqa: E731
    assert fg.tree.map_with_path(count, TREE, TREE, is_leaf=stop_at_a,
                                 is_leaf_takes_path=True) == \
        jax.tree.map_with_path(count, TREE, TREE, is_leaf=stop_at_a, is_leaf_takes_path=True)


def test_broadcast_matches_jax():
    for prefix, full in [((1, 2), ((3, 4), 5)), ((1, {"a": 2}), ((3, 4), {"a": [5, 6]})),
                         (0, {"x": [1, 2], "y": 3})]:
        assert fg.tree.broadcast(prefix, full) == jax.tree.broadcast(prefix, full)
        assert tu.tree_broadcast(prefix, full) == jtu.tree_broadcast(prefix, full)
    with pytest.raises(ValueError, match="tree_broadcast: full_tree does not have "
                                         "prefix_tree as a prefix"):
        fg.tree.broadcast((1, 2, 3), (4, 5))


@pytest.mark.parametrize("n", range(1, 10))
def test_reduce_associative_groups_as_jax(n):
    pair = lambda a, b: (a, b)  # noqa: E731
    assert fg.tree.reduce_associative(pair, list(range(n))) == \
        jax.tree.reduce_associative(pair, list(range(n)))


def test_reduce_associative_identity():
    assert fg.tree.reduce_associative(lambda a, b: a + b, [], identity=0) == 0
    with pytest.raises(TypeError, match="pass identity="):
        fg.tree.reduce_associative(lambda a, b: a + b, [])


def test_static_field():
    @functools.partial(tu.register_dataclass)
    @dataclasses.dataclass
    class Op:
        x: np.ndarray
        kind: str = fg.tree.static(default="add")

    leaves, td = fg.tree.flatten(Op(np.ones(2)))
    assert len(leaves) == 1 and fg.tree.unflatten(td, leaves).kind == "add"
    assert dataclasses.fields(Op)[1].metadata["static"] is True


# --- tree_util additions ------------------------------------------------------------------


def test_partial_is_a_pytree_like_jax():
    def f(a, b, c=0.0):
        return a * b + c

    p = tu.Partial(f, 2.0, c=1.0)
    assert p(3.0) == 7.0
    assert fg.tree.leaves(p) == jax.tree.leaves(jtu.Partial(f, 2.0, c=1.0)) == [2.0, 1.0]
    doubled = fg.tree.map(lambda x: x * 2, p)
    assert isinstance(doubled, tu.Partial) and doubled.func is f and doubled(3.0) == 14.0
    assert fg.tree.structure(p) == fg.tree.structure(tu.Partial(f, 5.0, c=0.0))
    assert fg.tree.structure(p) != fg.tree.structure(tu.Partial(lambda *a: 0, 5.0, c=0.0))
    merged = tu.Partial(tu.Partial(f, 2.0), 3.0)
    assert merged.func is f and merged.args == (2.0, 3.0)
    # a plain functools.partial keeps its arguments bound (not leaves), as in JAX
    plain = tu.Partial(functools.partial(f, 10.0), 1.0)
    assert fg.tree.leaves(plain) == [1.0] and plain() == 10.0


def test_partial_crosses_transforms():
    def apply(p, x):
        return p(x)

    scale = tu.Partial(lambda w, x: w * x, np.array([1.0, 2.0]))
    np.testing.assert_allclose(fg.jit(apply)(scale, np.ones(2)), [1.0, 2.0])
    grads = fg.grad(lambda p: fnp.sum(apply(p, np.array([3.0, 4.0]))))(scale)
    assert isinstance(grads, tu.Partial)
    np.testing.assert_allclose(grads.args[0], [3.0, 4.0])
    with pytest.raises(TypeError, match="func must be callable"):
        tu.Partial(3)


def test_register_static():
    @tu.register_static
    class Config:
        def __init__(self, n):
            self.n = n

        def __eq__(self, other):
            return isinstance(other, Config) and other.n == self.n

        def __hash__(self):
            return hash(self.n)

    tree = {"c": Config(3), "x": 1.0}
    leaves, td = fg.tree.flatten(tree)
    assert leaves == [1.0] and fg.tree.unflatten(td, [2.0])["c"].n == 3
    assert fg.tree.structure({"c": Config(3), "x": 0}) == td
    assert fg.tree.structure({"c": Config(4), "x": 0}) != td
    out = fg.jit(lambda t: t["x"] * t["c"].n)(tree)
    assert float(out) == 3.0
    assert tu.is_tree_node(Config)


def test_register_pytree_with_keys_class():
    @tu.register_pytree_with_keys_class
    class Pair:
        def __init__(self, a, b):
            self.a, self.b = a, b

        def tree_flatten_with_keys(self):
            return [(tu.GetAttrKey("a"), self.a), (tu.GetAttrKey("b"), self.b)], None

        @classmethod
        def tree_unflatten(cls, aux, children):
            return cls(*children)

    paths = [tu.keystr(p) for p, _ in fg.tree.leaves_with_path(Pair(1, [2]))]
    assert paths == [".a", ".b[0]"]
    assert fg.tree.map(lambda x: x + 1, Pair(1, 2)).b == 3
    with pytest.raises(TypeError, match="has no method tree_flatten_with_keys"):
        tu.register_pytree_with_keys_class(type("Bare", (), {}))


def test_is_tree_node_matches_jax():
    import collections

    point = collections.namedtuple("Point", "x y")
    for typ in (list, tuple, dict, type(None), collections.OrderedDict, point, int, float,
                np.ndarray, str):
        assert tu.is_tree_node(typ) == jtu.is_tree_node(typ), typ
    with pytest.raises(TypeError, match="pass type"):
        tu.is_tree_node([1])


# --- ravel_pytree -------------------------------------------------------------------------


def test_ravel_pytree_matches_jax():
    from jax.flatten_util import ravel_pytree as jax_ravel

    tree = {"w": np.arange(6.0).reshape(2, 3), "b": (np.float64(1.5), np.ones(2))}
    flat, unravel = ravel_pytree(tree)
    ref_flat, _ = jax_ravel(tree)
    np.testing.assert_array_equal(flat, ref_flat)
    assert type(flat) is fg.Array and flat.shape == (9,)
    back = unravel(flat)
    assert fg.tree.structure(back) == fg.tree.structure(tree)
    for a, b in zip(fg.tree.leaves(back), fg.tree.leaves(tree)):
        np.testing.assert_array_equal(a, b)
        assert np.shape(a) == np.shape(b)


@pytest.mark.parametrize("leaves", [
    (np.ones(2, np.float32), np.arange(3)),
    (np.ones(2, np.float32), np.ones(1, np.float16)),
    (np.arange(2, dtype=np.int32), np.array([True, False])),
    (np.ones(2, np.float32), 2.0),
    (np.ones(2), np.ones(1, np.complex64)),
])
def test_ravel_pytree_promotes_like_jax(leaves):
    from jax.flatten_util import ravel_pytree as jax_ravel

    flat, unravel = ravel_pytree(list(leaves))
    assert flat.dtype == jax_ravel(list(leaves))[0].dtype
    for a, b in zip(unravel(flat), leaves):
        assert np.asarray(a).dtype == np.asarray(b).dtype


def test_ravel_pytree_empty_and_errors():
    flat, unravel = ravel_pytree({})
    assert flat.shape == (0,) and unravel(flat) == {}
    flat, unravel = ravel_pytree([np.ones(3)])
    with pytest.raises(ValueError, match=r"expected a 1-D array of shape \(3,\), got shape"):
        unravel(np.ones(4))
    with pytest.raises(TypeError, match="expected an array of dtype float64"):
        unravel(np.ones(3, np.float32))
    with pytest.raises(TypeError, match=r"ravel_pytree: leaf\[0\] is a str"):
        ravel_pytree(["x"])


def test_ravel_pytree_is_differentiable_and_traceable():
    params = {"w": np.ones((2, 2)), "b": np.arange(3.0)}
    flat, unravel = ravel_pytree(params)

    def loss(v):
        p = unravel(v)
        return fnp.sum(fnp.sin(p["w"])) + fnp.sum(p["b"] ** 2)

    check_grads(loss, (np.asarray(flat),), order=2)
    np.testing.assert_allclose(fg.jit(loss)(flat), loss(flat))
    grads = fg.grad(lambda p: fnp.sum(ravel_pytree(p)[0] ** 2))(params)
    np.testing.assert_allclose(grads["b"], 2 * params["b"])
    batched = fg.vmap(lambda v: unravel(v)["b"])(np.stack([flat, flat * 2]))
    np.testing.assert_allclose(batched, [[0, 1, 2], [0, 2, 4]])
