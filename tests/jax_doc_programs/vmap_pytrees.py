"""Doc programs: "Automatic vectorization" and "Working with pytrees": in_axes/out_axes,
per-example gradients, named axes, custom nodes, key paths.

Each takes the namespace ``ns`` (tests/test_jax_doc_programs.py) and returns a pytree.
"""

from __future__ import annotations

import dataclasses
import functools
from collections import namedtuple

import numpy as np

from tests.jax_doc_programs.registry import fixed_normal, program


@program()
def vmap_convolve(ns):
    jax, jnp = ns.jax, ns.jnp
    x, w = jnp.arange(5.0), jnp.array([2.0, 3.0, 4.0])

    def convolve(x, w):
        output = []
        for i in range(1, len(x) - 1):
            output.append(jnp.dot(x[i - 1:i + 2], w))
        return jnp.array(output)

    xs, ws = jnp.stack([x, x + 1]), jnp.stack([w, w])
    return [convolve(x, w), jax.vmap(convolve)(xs, ws),
            jax.vmap(convolve, in_axes=1, out_axes=1)(xs.T, ws.T),
            jax.vmap(convolve, in_axes=[0, None])(xs, w), jax.jit(jax.vmap(convolve))(xs, ws)]


@program()
def vmap_in_axes_dicts_and_none(ns):
    jax, jnp = ns.jax, ns.jnp

    def f(d, s):
        return {"out": d["a"] * s + d["b"], "sum": jnp.sum(d["a"])}

    d = {"a": jnp.arange(6.0).reshape(2, 3), "b": jnp.array([1.0, 2.0, 3.0])}
    r1 = jax.vmap(f, in_axes=({"a": 0, "b": None}, None))(d, 2.0)
    r2 = jax.vmap(f, in_axes=({"a": 1, "b": 0}, None), out_axes={"out": 1, "sum": 0})(d, 2.0)
    r3 = jax.vmap(lambda x: (x * 2, 3.0), out_axes=(0, None))(jnp.arange(3.0))
    r4 = jax.vmap(lambda x, y: x + y, in_axes=(0, None), axis_size=None)(jnp.arange(3.0), 1.0)
    return r1, r2, r3, r4


@program()
def vmap_nested_pairwise_distances(ns):
    jax, jnp = ns.jax, ns.jnp

    def dist(a, b):
        return jnp.sqrt(jnp.sum((a - b) ** 2) + 1e-12)

    pts = jnp.array([[0.0, 0.0], [3.0, 4.0], [1.0, 1.0], [-2.0, 0.5]])
    pairwise = jax.vmap(jax.vmap(dist, (None, 0)), (0, None))(pts, pts)
    return pairwise, jax.jit(jax.vmap(jax.grad(dist), (0, None)))(pts, pts[1])


@program()
def vmap_per_example_gradients(ns):
    jax, jnp = ns.jax, ns.jnp

    def loss(params, x, y):
        pred = jnp.dot(x, params["w"]) + params["b"]
        return (pred - y) ** 2

    params = {"w": jnp.array([0.5, -1.0, 2.0]), "b": jnp.array(0.1)}
    X = jnp.asarray(fixed_normal(0, (5, 3)))
    Y = jnp.asarray(fixed_normal(1, (5,)))
    per_example = jax.vmap(jax.grad(loss), in_axes=(None, 0, 0))(params, X, Y)
    fast = jax.jit(jax.vmap(jax.value_and_grad(loss), in_axes=(None, 0, 0)))(params, X, Y)
    mean = jax.grad(lambda p: jnp.mean(jax.vmap(loss, (None, 0, 0))(p, X, Y)))(params)
    return per_example, fast, mean


@program()
def vmap_named_axis_collectives(ns):
    jax, jnp, lax = ns.jax, ns.jnp, ns.lax
    x = jnp.arange(1.0, 5.0)
    return [jax.vmap(lambda v: v / lax.psum(v, "i"), axis_name="i")(x),
            jax.vmap(lambda v: v - lax.pmean(v, "batch"), axis_name="batch")(x),
            jax.vmap(lambda v: lax.pmax(v, "i") - v, axis_name="i")(x),
            jax.vmap(lambda v: lax.axis_index("i") * v, axis_name="i")(x)]


@program()
def pytrees_leaves_and_tree_map(ns):
    jax, jnp, tu = ns.jax, ns.jnp, ns.tree_util
    example_trees = [[1, "a", object()], (1, (2, 3), ()), [1, {"k1": 2, "k2": (3, 4)}, 5],
                     {"a": 2, "b": (2, 3)}, jnp.array([1, 2, 3])]
    counts = [len(tu.tree_leaves(t)) for t in example_trees]
    list_of_lists = [[1, 2, 3], [1, 2], [1, 2, 3, 4]]
    return {"counts": counts, "none": tu.tree_leaves([None, 1, (None,)]),
            "map": jax.tree.map(lambda x: x * 2, list_of_lists),
            "map2": tu.tree_map(lambda x, y: x + y, list_of_lists, list_of_lists),
            "num_leaves": tu.tree_structure({"a": [1, 2], "b": None}).num_leaves,
            "num_nodes": tu.tree_structure({"a": [1, 2], "b": None}).num_nodes,
            "dict_order": tu.tree_leaves({"b": 1, "a": 2, "c": {"z": 3, "y": 4}}),
            "reduce": tu.tree_reduce(lambda a, b: a + b, [1, (2, 3), {"k": 4}]),
            "unflatten": tu.tree_unflatten(tu.tree_structure((1, [2, 3])), [7, 8, 9]),
            "is_leaf": jax.tree.map(lambda x: x is None, [None, 1], is_leaf=lambda x: x is None),
            "all": jax.tree.all([True, (True, 1)])}


@program()
def pytrees_mlp_sgd(ns):
    jax, jnp = ns.jax, ns.jnp
    sizes = [1, 16, 8, 1]
    params = [{"weights": jnp.asarray(fixed_normal(i, (n_in, n_out)) * np.sqrt(2 / n_in)),
               "biases": jnp.ones(n_out)} for i, (n_in, n_out) in
              enumerate(zip(sizes[:-1], sizes[1:]))]
    shapes = jax.tree.map(lambda x: x.shape, params)

    def forward(params, x):
        *hidden, last = params
        for layer in hidden:
            x = jax.nn.relu(x @ layer["weights"] + layer["biases"])
        return x @ last["weights"] + last["biases"]

    def loss_fn(params, x, y):
        return jnp.mean((forward(params, x) - y) ** 2)

    @jax.jit
    def update(params, x, y):
        grads = jax.grad(loss_fn)(params, x, y)
        return jax.tree.map(lambda p, g: p - 1e-2 * g, params, grads)

    xs = jnp.linspace(-1, 1, 32).reshape(32, 1)
    ys = xs ** 2
    losses = []
    for _ in range(5):
        params = update(params, xs, ys)
        losses.append(loss_fn(params, xs, ys))
    return shapes, losses, params


@program()
def pytrees_custom_class(ns):
    jax, tu = ns.jax, ns.tree_util

    class MyContainer:
        def __init__(self, name, a, b, c):
            self.name, self.a, self.b, self.c = name, a, b, c

    tu.register_pytree_node(MyContainer, lambda c: ([c.a, c.b, c.c], c.name),
                            lambda name, children: MyContainer(name, *children))
    trees = [MyContainer("Alice", 1, 2, 3), MyContainer("Bob", 4, 5, 6)]
    mapped = tu.tree_map(lambda x: x + 1, trees)
    c = MyContainer("x", 1.0, 2.0, 3.0)
    g = jax.grad(lambda c: c.a * c.b + c.c ** 2)(c)
    j = jax.jit(lambda c: MyContainer(c.name + "!", c.a + c.b, c.b, c.c))(c)
    return {"leaves": tu.tree_leaves(trees), "mapped": [(m.name, m.a, m.c) for m in mapped],
            "grad": (g.name, g.a, g.b, g.c), "jit": (j.name, j.a)}


@program()
def pytrees_register_pytree_node_class(ns):
    jax, jnp, tu = ns.jax, ns.jnp, ns.tree_util

    @tu.register_pytree_node_class
    class Special:
        def __init__(self, x, y):
            self.x, self.y = x, y

        def tree_flatten(self):
            return (self.x, self.y), None

        @classmethod
        def tree_unflatten(cls, aux_data, children):
            return cls(*children)

    s = jax.jit(lambda s: Special(s.y, s.x * 2))(Special(jnp.arange(2.0), 3.0))
    v = jax.vmap(lambda s: s.x + s.y)(Special(jnp.arange(3.0), jnp.ones(3)))
    return s.x, s.y, v, len(tu.tree_leaves(Special(1, (2, 3))))


@program()
def pytrees_register_dataclass(ns):
    jax, tu = ns.jax, ns.tree_util

    @functools.partial(tu.register_dataclass, data_fields=["x", "y"], meta_fields=["op"])
    @dataclasses.dataclass
    class MyDC:
        x: float
        y: float
        op: str

    def f(dc):
        return dc.x + dc.y if dc.op == "add" else dc.x * dc.y

    @tu.register_dataclass
    @dataclasses.dataclass
    class Inferred:
        a: float
        scale: int = dataclasses.field(metadata={"static": True}, default=2)

    g = jax.grad(f)(MyDC(2.0, 5.0, "mul"))
    return {"jit": jax.jit(f)(MyDC(2.0, 5.0, "mul")), "add": jax.jit(f)(MyDC(2.0, 5.0, "add")),
            "grad": (g.x, g.y, g.op), "leaves": tu.tree_leaves(MyDC(1, 2, "add")),
            "inferred": tu.tree_leaves(Inferred(1.5, 3)),
            "inferred_jit": jax.jit(lambda d: d.a * d.scale)(Inferred(1.5, 3))}


@program()
def pytrees_key_paths(ns):
    tu = ns.tree_util
    Pair = namedtuple("Pair", ["left", "right"])
    tree = {"a": [1, 2], "b": {"c": 3, "d": (4, 5)}, "e": None, "p": Pair(6, 7)}
    flat, treedef = tu.tree_flatten_with_path(tree)
    paths = [(tu.keystr(path), value) for path, value in flat]
    simple = [tu.keystr(path, simple=True, separator="/") for path, _ in flat]
    kinds = [[type(k).__name__ for k in path] for path, _ in flat]
    mapped = tu.tree_map_with_path(lambda p, x: f"{tu.keystr(p)}={x}", tree)
    return {"paths": paths, "simple": simple, "kinds": kinds, "mapped": tu.tree_leaves(mapped),
            "leaves_with_path": len(tu.tree_leaves_with_path(tree)),
            "same_def": treedef == tu.tree_structure(tree)}


@program()
def pytrees_transpose_partial_ravel(ns):
    jax, jnp, tu = ns.jax, ns.jnp, ns.tree_util
    outer = tu.tree_structure([0, 0])
    inner = tu.tree_structure({"a": 0, "b": 0})
    transposed = tu.tree_transpose(outer, inner, [{"a": 1, "b": 2}, {"a": 3, "b": 4}])
    p = tu.Partial(lambda s, x: s * x, 3.0)
    flat, unravel = ns.flatten_util.ravel_pytree({"w": jnp.ones((2, 2)), "b": jnp.arange(3.0)})
    return {"transposed": transposed, "partial": jax.jit(lambda p, x: p(x))(p, 2.0),
            "partial_leaves": len(tu.tree_leaves(p)), "flat": flat,
            "unravel": unravel(flat * 2)}


@program()
def vmap_axes_and_kwargs(ns):
    jax, jnp = ns.jax, ns.jnp
    mv = jax.vmap(jnp.dot, in_axes=(None, 0))
    M, vs = jnp.arange(6.0).reshape(2, 3), jnp.arange(12.0).reshape(4, 3)

    @jax.vmap
    def decorated(x):
        return jnp.sum(x ** 2)

    return [mv(M, vs), jax.vmap(jnp.dot, in_axes=(None, 1), out_axes=-1)(M, vs.T),
            jax.vmap(lambda x: x * 2, in_axes=-1)(M), decorated(vs),
            jax.vmap(lambda x, *, scale: x * scale)(jnp.arange(3.0), scale=jnp.arange(3.0)),
            jax.vmap(lambda x: jnp.ones(2) * 3.0, axis_size=4, in_axes=None)(1.0),
            jax.vmap(jax.vmap(jnp.outer, (0, None)), (None, 0))(vs[:2], vs[2:])]


@program()
def pytrees_with_keys_and_static(ns):
    jax, tu = ns.jax, ns.tree_util

    class Point:
        def __init__(self, x, y, label):
            self.x, self.y, self.label = x, y, label

    tu.register_pytree_with_keys(
        Point, lambda p: (((tu.GetAttrKey("x"), p.x), (tu.GetAttrKey("y"), p.y)), p.label),
        lambda label, children: Point(*children, label))

    @tu.register_static
    class Config:
        def __init__(self, depth):
            self.depth = depth

        def __eq__(self, other):
            return isinstance(other, Config) and other.depth == self.depth

        def __hash__(self):
            return hash(self.depth)

    @dataclasses.dataclass
    class Plain:
        a: int

    flat, _ = tu.tree_flatten_with_path({"p": Point(1.0, 2.0, "P"), "c": Config(3)})
    return {"paths": [tu.keystr(k) for k, _ in flat], "values": [v for _, v in flat],
            "jit": jax.jit(lambda p, c: p.x * c.depth + p.y)(Point(1.0, 2.0, "P"), Config(3)),
            "plain_is_leaf": len(tu.tree_leaves([Plain(1), Plain(2)])),
            "is_leaf_fn": tu.tree_leaves({"a": (1, 2), "b": 3}, is_leaf=lambda t: isinstance(
                t, tuple))}


@program()
def pytrees_init_gotcha_and_transpose(ns):
    jax, jnp, tu = ns.jax, ns.jnp, ns.tree_util

    @tu.register_pytree_node_class
    class Validated:
        def __init__(self, a):
            self.a = a if isinstance(a, (int, float)) or hasattr(a, "shape") else a

        def tree_flatten(self):
            return (self.a,), None

        @classmethod
        def tree_unflatten(cls, aux, children):
            obj = object.__new__(cls)  # the doc's advice: skip __init__'s checks
            obj.a = children[0]
            return obj

    trees = [{"x": 1.0, "y": (2.0, 3.0)}, {"x": 4.0, "y": (5.0, 6.0)}]
    stacked = jax.tree.map(lambda *xs: jnp.stack(xs), *trees)
    unstacked = [jax.tree.map(lambda x: x[i], stacked) for i in range(2)]
    shapes = jax.tree.map(lambda x: x.shape, stacked)
    return {"validated": tu.tree_map(lambda a: a * 2, Validated(3.0)).a,
            "structure": tu.tree_structure(Validated(1.0)).num_leaves,
            "stacked": stacked, "unstacked": unstacked, "shapes": shapes,
            "tree_map_none": tu.tree_map(lambda x: x + 1, {"a": None, "b": 1}),
            "vmap_tree": jax.vmap(lambda t: t["x"] * t["y"][0])(stacked)}
