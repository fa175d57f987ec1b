"""Short programs in the style of JAX's documentation, run with JAX and with fungrad.

Each program is written once over a namespace ``ns`` (``ns.jax``, ``ns.jnp``, ``ns.lax``,
``ns.random``, ``ns.optax``, ``ns.tree_util``, ``ns.tree``, ``ns.nn``, ``ns.scipy``,
``ns.flatten_util``), the imports a ported program gets (``import fungrad as jax``,
``fungrad.numpy`` for ``jax.numpy``, ``fungrad.optim`` for ``optax``...), and returns a
pytree of results. The topics follow JAX's guides: the Autodiff Cookbook, custom
derivative rules, vmap, pytrees, control flow, pseudorandom numbers, jit and the common
gotchas, stateful computations, the lax reference, a small network's training loop,
checkpointing, debug printing, linalg/fft and optax's quick start.

Results are compared leaf by leaf (structure, shape, dtype and value). fungrad's PRNG is
not JAX's (README, "Where fungrad differs": "`fungrad.random` draws from its own Philox
streams"), so random programs return shapes, dtypes and statistics, compared with an
absolute tolerance far above their sampling error.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import io
import types
from collections import namedtuple
from typing import NamedTuple

import numpy as np
import pytest

import fungrad
import fungrad.flatten_util
import fungrad.scipy.linalg
import fungrad.scipy.special
import fungrad.scipy.stats

jax = pytest.importorskip("jax")
optax = pytest.importorskip("optax")
import jax.ad_checkpoint  # noqa: E402
import jax.flatten_util  # noqa: E402
import jax.scipy.linalg  # noqa: E402
import jax.scipy.special  # noqa: E402
import jax.scipy.stats  # noqa: E402

jax.config.update("jax_enable_x64", True)


def namespace(top, *, jnp, optax):
    return types.SimpleNamespace(
        jax=top, jnp=jnp, lax=top.lax, random=top.random, optax=optax,
        tree_util=top.tree_util, tree=top.tree, nn=top.nn, scipy=top.scipy,
        flatten_util=top.flatten_util, is_jax=top is jax)


JAX_NS = namespace(jax, jnp=jax.numpy, optax=optax)
FUNGRAD_NS = namespace(fungrad, jnp=fungrad.numpy, optax=fungrad.optim)

PROGRAMS: dict[str, tuple] = {}


def program(rtol: float = 1e-10, atol: float = 1e-12):
    """Register a doc program with the tolerances its comparison uses."""
    def register(fn):
        PROGRAMS[fn.__name__] = (fn, rtol, atol)
        return fn
    return register


# Random programs compare statistics of different streams: 0.03 is over ten standard
# errors of every statistic they return (20,000 draws).
STATS = {"rtol": 0.0, "atol": 0.03}


def fixed_normal(seed: int, shape) -> np.ndarray:
    """Data and initial parameters drawn with NumPy, so both libraries start equal (the
    doc programs draw them with jax.random, whose bits fungrad does not reproduce)."""
    return np.random.default_rng(seed).normal(size=shape)


# --- Autodiff Cookbook ------------------------------------------------------------------

@program()
def cookbook_grad_of_tanh(ns):
    jax, jnp = ns.jax, ns.jnp
    d = jax.grad(jnp.tanh)
    return [d(2.0), jax.grad(d)(2.0), jax.grad(jax.grad(d))(2.0)]


def _logistic(jnp):
    inputs = jnp.array([[0.52, 1.12, 0.77], [0.88, -1.07, 0.15],
                        [0.52, 0.06, -1.30], [0.74, -2.49, 1.39]])
    targets = jnp.array([True, True, False, True])

    def sigmoid(x):
        return 0.5 * (jnp.tanh(x / 2) + 1)

    def predict(W, b, inputs):
        return sigmoid(jnp.dot(inputs, W) + b)

    def loss(W, b):
        preds = predict(W, b, inputs)
        label_probs = preds * targets + (1 - preds) * (1 - targets)
        return -jnp.sum(jnp.log(label_probs))

    return inputs, predict, loss


@program()
def cookbook_logistic_regression(ns):
    jax, jnp = ns.jax, ns.jnp
    inputs, predict, loss = _logistic(jnp)
    W, b = jnp.array([0.3, -0.2, 0.5]), 0.1
    W_grad = jax.grad(loss, argnums=0)(W, b)
    b_grad = jax.grad(loss, 1)(W, b)
    both = jax.grad(loss, (0, 1))(W, b)
    value, grads = jax.value_and_grad(loss, (0, 1))(W, b)
    dict_grad = jax.grad(lambda p: loss(p["W"], p["b"]))({"W": W, "b": b})
    eps = 1e-4
    b_numerical = (loss(W, b + eps / 2.0) - loss(W, b - eps / 2.0)) / eps
    return {"W": W_grad, "b": b_grad, "both": both, "value": value, "vg": grads,
            "dict": dict_grad, "fd_error": abs(float(b_numerical - b_grad)) < 1e-6}


@program()
def cookbook_jvp_and_vjp(ns):
    jax, jnp = ns.jax, ns.jnp
    inputs, predict, _ = _logistic(jnp)
    W, b = jnp.array([0.3, -0.2, 0.5]), 0.1

    def f(W):
        return predict(W, b, inputs)

    y, u = jax.jvp(f, (W,), (jnp.array([1.0, 0.5, -0.3]),))
    y2, vjp_fun = jax.vjp(f, W)
    (g,) = vjp_fun(jnp.array([1.0, 2.0, 3.0, 4.0]))
    return y, u, y2, g


@program()
def cookbook_jacobians_and_hessian(ns):
    jax, jnp = ns.jax, ns.jnp
    inputs, predict, _ = _logistic(jnp)
    W, b = jnp.array([0.3, -0.2, 0.5]), jnp.array(0.1)

    def f(W):
        return predict(W, b, inputs)

    return {"jacfwd": jax.jacfwd(f)(W), "jacrev": jax.jacrev(f)(W),
            "hessian": jax.hessian(f)(W),
            "dict": jax.jacrev(lambda p: predict(p["W"], p["b"], inputs))({"W": W, "b": b}),
            "argnums": jax.jacfwd(predict, argnums=(0, 1))(W, b, inputs)}


@program()
def cookbook_hessian_vector_products(ns):
    jax, jnp = ns.jax, ns.jnp

    def f(x):
        return jnp.sum(jnp.sin(x) * x ** 2) + jnp.prod(x)

    def hvp_fwd_rev(f, x, v):
        return jax.jvp(jax.grad(f), (x,), (v,))[1]

    def hvp_rev_fwd(f, x, v):
        return jax.grad(lambda x: jax.jvp(f, (x,), (v,))[1])(x)

    def hvp_rev_rev(f, x, v):
        return jax.grad(lambda x: jnp.vdot(jax.grad(f)(x), v))(x)

    x, v = jnp.array([0.5, -1.0, 2.0]), jnp.array([1.0, 0.3, -0.7])
    return [hvp_fwd_rev(f, x, v), hvp_rev_fwd(f, x, v), hvp_rev_rev(f, x, v),
            jnp.dot(jax.hessian(f)(x), v), jax.jit(functools.partial(hvp_fwd_rev, f))(x, v)]


@program()
def cookbook_jacobian_matrix_products(ns):
    jax, jnp = ns.jax, ns.jnp
    inputs, predict, _ = _logistic(jnp)
    W, b = jnp.array([0.3, -0.2, 0.5]), 0.1

    def f(W):
        return predict(W, b, inputs)

    M = jnp.arange(9.0).reshape(3, 3) / 4.0
    jmp = jax.vmap(lambda v: jax.jvp(f, (W,), (v,))[1])(M)
    jmp_cols = jax.vmap(lambda v: jax.jvp(f, (W,), (v,))[1], in_axes=1, out_axes=1)(M)
    _, vjp_fun = jax.vjp(f, W)
    mjp = jax.vmap(vjp_fun)(jnp.arange(8.0).reshape(2, 4))
    return jmp, jmp_cols, mjp


@program()
def cookbook_complex_numbers(ns):
    jax, jnp = ns.jax, ns.jnp
    z = 3.0 + 4.0j

    def f(z):
        x, y = jnp.real(z), jnp.imag(z)
        return x ** 2 + y ** 2

    zs = jnp.array([1.0 + 2.0j, 0.5 - 1.0j])
    _, vjp_fun = jax.vjp(lambda z: z ** 2, z)
    return {"abs2": jax.grad(lambda z: jnp.abs(z) ** 2)(z), "f": jax.grad(f)(z),
            "holo": jax.grad(jnp.sin, holomorphic=True)(z),
            "jacfwd": jax.jacfwd(jnp.sin, holomorphic=True)(zs),
            "jacrev": jax.jacrev(jnp.sin, holomorphic=True)(zs),
            "jvp": jax.jvp(jnp.exp, (z,), (1j,)), "vjp": vjp_fun(1.0 + 0.0j),
            "real_loss": jax.grad(lambda z: jnp.sum(jnp.abs(jnp.sin(z)) ** 2))(zs)}


@program()
def cookbook_value_and_grad_with_aux(ns):
    jax, jnp = ns.jax, ns.jnp

    def loss(params, x):
        pred = jnp.dot(x, params["w"]) + params["b"]
        return jnp.mean(pred ** 2), {"pred": pred}

    params = {"w": jnp.array([1.0, -2.0]), "b": jnp.array(0.5)}
    x = jnp.array([[1.0, 2.0], [3.0, 4.0]])
    (value, aux), g = jax.value_and_grad(loss, has_aux=True)(params, x)
    g2, aux2 = jax.grad(loss, has_aux=True)(params, x)
    return value, aux, g, g2, aux2


@program()
def cookbook_linearize_transpose_stop_gradient(ns):
    jax, jnp, lax = ns.jax, ns.jnp, ns.lax
    y, f_jvp = jax.linearize(jnp.sin, 3.0)
    t = jax.linear_transpose(lambda x: 2.0 * x + jnp.sum(x), jnp.ones(3))(jnp.arange(3.0))
    shape = jax.eval_shape(lambda x: jnp.dot(x, x.T), jax.ShapeDtypeStruct((3, 4), jnp.float32))
    return {"y": y, "jvp": f_jvp(2.0), "transpose": t, "shape": tuple(shape.shape),
            "dtype": str(shape.dtype),
            "stop": jax.grad(lambda x: x * lax.stop_gradient(x))(3.0)}


# --- Custom derivative rules ---------------------------------------------------------------

@program()
def custom_jvp_log1pexp(ns):
    jax, jnp = ns.jax, ns.jnp

    @jax.custom_jvp
    def log1pexp(x):
        return jnp.log(1.0 + jnp.exp(x))

    @log1pexp.defjvp
    def log1pexp_jvp(primals, tangents):
        (x,), (x_dot,) = primals, tangents
        return log1pexp(x), (1 - 1 / (1 + jnp.exp(x))) * x_dot

    return [log1pexp(3.0), jax.grad(log1pexp)(100.0), jax.jit(jax.grad(log1pexp))(3.0),
            jax.vmap(jax.jit(jax.grad(log1pexp)))(jnp.arange(3.0)),
            jax.grad(jax.grad(log1pexp))(1.0)]


@program()
def custom_jvp_defjvps(ns):
    jax, jnp = ns.jax, ns.jnp

    @jax.custom_jvp
    def f(x, y):
        return jnp.sin(x) * y

    f.defjvps(lambda x_dot, primal_out, x, y: jnp.cos(x) * x_dot * y,
              lambda y_dot, primal_out, x, y: jnp.sin(x) * y_dot)

    @jax.custom_jvp
    def g(x, y):
        return x * y

    g.defjvps(lambda x_dot, ans, x, y: 2.0 * x_dot, None)
    return [f(2.0, 3.0), jax.grad(f)(2.0, 3.0), jax.grad(f, 1)(2.0, 3.0),
            jax.jvp(f, (2.0, 3.0), (1.0, 0.5)), jax.grad(g, (0, 1))(2.0, 3.0)]


@program()
def custom_jvp_differentiation_convention(ns):
    jax, jnp = ns.jax, ns.jnp

    @jax.custom_jvp
    def f(x):
        return x / (1 + jnp.sqrt(x))

    @f.defjvp
    def f_jvp(primals, tangents):
        (x,), (x_dot,) = primals, tangents
        return f(x), ((jnp.sqrt(x) + 2) / (2 * (jnp.sqrt(x) + 1) ** 2)) * x_dot

    return jax.grad(f)(0.0), jax.grad(f)(4.0), jax.vmap(jax.grad(f))(jnp.arange(3.0))


@program()
def custom_jvp_nondiff_argnums(ns):
    jax, jnp = ns.jax, ns.jnp

    @functools.partial(jax.custom_jvp, nondiff_argnums=(0,))
    def app(f, x):
        return f(x)

    @app.defjvp
    def app_jvp(f, primals, tangents):
        (x,), (x_dot,) = primals, tangents
        return f(x), 2.0 * x_dot

    return [jax.jvp(lambda x: app(lambda y: 2 * y, x), (1.0,), (1.0,)),
            jax.grad(lambda x: app(jnp.sin, x))(1.0),
            jax.jit(jax.grad(lambda x: app(jnp.cos, x) * x))(1.0)]


@program()
def custom_vjp_sin_times(ns):
    jax, jnp = ns.jax, ns.jnp

    @jax.custom_vjp
    def f(x, y):
        return jnp.sin(x) * y

    def f_fwd(x, y):
        return f(x, y), (jnp.cos(x), jnp.sin(x), y)

    def f_bwd(res, g):
        cos_x, sin_x, y = res
        return cos_x * g * y, sin_x * g

    f.defvjp(f_fwd, f_bwd)
    xs = jnp.arange(3.0)
    return [f(2.0, 3.0), jax.grad(f)(2.0, 3.0), jax.grad(f, (0, 1))(2.0, 3.0),
            jax.vmap(jax.grad(f))(xs, xs + 1), jax.jit(jax.grad(f, 1))(2.0, 3.0)]


@program()
def custom_vjp_clip_gradient(ns):
    jax, jnp = ns.jax, ns.jnp

    @functools.partial(jax.custom_vjp, nondiff_argnums=(0, 1))
    def clip_gradient(lo, hi, x):
        return x

    def clip_gradient_fwd(lo, hi, x):
        return x, None

    def clip_gradient_bwd(lo, hi, _, g):
        return (jnp.clip(g, lo, hi),)

    clip_gradient.defvjp(clip_gradient_fwd, clip_gradient_bwd)
    t = jnp.linspace(0, 10, 12)
    return [jax.vmap(jax.grad(lambda x: jnp.sin(clip_gradient(-0.75, 0.75, x))))(t),
            jax.grad(lambda x: 3.0 * clip_gradient(-0.5, 0.5, x))(1.0)]


@program(rtol=1e-9)
def custom_vjp_fixed_point(ns):
    jax, jnp, lax = ns.jax, ns.jnp, ns.lax

    @functools.partial(jax.custom_vjp, nondiff_argnums=(0,))
    def fixed_point(f, a, x_guess):
        def cond_fun(carry):
            x_prev, x = carry
            return jnp.abs(x_prev - x) > 1e-6

        def body_fun(carry):
            _, x = carry
            return x, f(a, x)

        _, x_star = lax.while_loop(cond_fun, body_fun, (x_guess, f(a, x_guess)))
        return x_star

    def fixed_point_fwd(f, a, x_init):
        x_star = fixed_point(f, a, x_init)
        return x_star, (a, x_star)

    def rev_iter(f, packed, u):
        a, x_star, x_star_bar = packed
        _, vjp_x = jax.vjp(lambda x: f(a, x), x_star)
        return x_star_bar + vjp_x(u)[0]

    def fixed_point_rev(f, res, x_star_bar):
        a, x_star = res
        _, vjp_a = jax.vjp(lambda a: f(a, x_star), a)
        (a_bar,) = vjp_a(fixed_point(functools.partial(rev_iter, f),
                                     (a, x_star, x_star_bar), x_star_bar))
        return a_bar, jnp.zeros_like(x_star)

    fixed_point.defvjp(fixed_point_fwd, fixed_point_rev)

    def newton_sqrt(a):
        return fixed_point(lambda a, x: 0.5 * (x + a / x), a, a)

    return [newton_sqrt(2.0), jax.grad(newton_sqrt)(2.0), jax.grad(jax.grad(newton_sqrt))(2.0),
            jax.jit(jax.grad(newton_sqrt))(3.0)]


@program()
def custom_vjp_pytrees(ns):
    jax, jnp = ns.jax, ns.jnp
    Point = namedtuple("Point", ["x", "y"])

    @jax.custom_vjp
    def f(pt):
        return {"a": pt.x ** 2, "b": (jnp.sin(pt.x), jnp.cos(pt.y))}

    def f_fwd(pt):
        return f(pt), pt

    def f_bwd(pt, g):
        a_bar, (b0_bar, b1_bar) = g["a"], g["b"]
        return (Point(2 * pt.x * a_bar + jnp.cos(pt.x) * b0_bar, -jnp.sin(pt.y) * b1_bar),)

    f.defvjp(f_fwd, f_bwd)

    def fun(pt):
        out = f(pt)
        return out["a"] + out["b"][0] + out["b"][1]

    g = jax.grad(fun)(Point(1.0, 2.0))
    return {"type": type(g).__name__, "x": g.x, "y": g.y}


@program()
def custom_gradient_decorator(ns):
    jax = ns.jax

    @jax.custom_gradient
    def f(x):
        return x ** 2, lambda g: (g * x,)

    return f(3.0), jax.grad(f)(3.0), jax.vmap(jax.grad(f))(ns.jnp.arange(3.0))


# --- Automatic vectorization -----------------------------------------------------------

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


# --- Pytrees -------------------------------------------------------------------------------

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


# --- Control flow ---------------------------------------------------------------------------

@program()
def control_flow_cond(ns):
    jax, jnp, lax = ns.jax, ns.jnp, ns.lax

    def f(x):
        return lax.cond(x > 0, lambda x: x ** 2, lambda x: -x, x)

    pytree = lax.cond(True, lambda a, b: {"s": a + b}, lambda a, b: {"s": a - b}, 1.0, 2.0)
    return [f(2.0), f(-3.0), jax.grad(f)(2.0), jax.grad(f)(-3.0), jax.jit(f)(2.0),
            jax.vmap(f)(jnp.array([-1.0, 2.0])), pytree, jax.jit(jax.grad(f))(-1.5)]


@program()
def control_flow_switch(ns):
    jax, jnp, lax = ns.jax, ns.jnp, ns.lax
    branches = [lambda x: x + 1, lambda x: x * 2, lambda x: x ** 2]
    clamped = [lax.switch(i, branches, 3.0) for i in (-1, 0, 1, 2, 5)]
    return [clamped, jax.grad(lambda x: lax.switch(2, branches, x))(3.0),
            jax.vmap(lambda i, x: lax.switch(i, branches, x))(jnp.array([0, 1, 2]),
                                                              jnp.array([1.0, 2.0, 3.0])),
            jax.jit(lambda i: lax.switch(i, branches, 4.0))(7)]


@program()
def control_flow_while_and_fori(ns):
    jax, lax = ns.jax, ns.lax

    def power_loop(x):
        return lax.while_loop(lambda c: c[0] < 5, lambda c: (c[0] + 1, c[1] * x), (0, 1.0))[1]

    return [lax.while_loop(lambda v: v < 10, lambda v: v + 1, 0),
            lax.fori_loop(0, 10, lambda i, s: s + i, 0),
            jax.grad(lambda x: lax.fori_loop(0, 3, lambda i, y: y * x, 1.0))(2.0),
            jax.jvp(power_loop, (1.5,), (1.0,)), jax.jit(power_loop)(2.0),
            jax.vmap(power_loop)(ns.jnp.array([1.0, 2.0])),
            jax.jit(lambda n: lax.fori_loop(0, n, lambda i, s: s * 2.0, 1.0))(4)]


@program()
def control_flow_scan(ns):
    jax, jnp, lax = ns.jax, ns.jnp, ns.lax

    def cumsum(carry, x):
        return carry + x, carry + x

    xs = jnp.arange(5.0)

    def decay(w):
        return lax.scan(lambda c, x: (c * w + x, c), 0.0, xs)[0]

    tree_carry = lax.scan(lambda c, x: ({"n": c["n"] + 1, "s": c["s"] + x["v"]}, x["v"] * 2),
                          {"n": 0, "s": 0.0}, {"v": xs})
    return {"forward": lax.scan(cumsum, 0.0, xs), "reverse": lax.scan(cumsum, 0.0, xs,
                                                                       reverse=True),
            "unroll": lax.scan(cumsum, 0.0, xs, unroll=2),
            "length": lax.scan(lambda c, _: (c * 2, c), 1.0, None, length=4),
            "grad": jax.grad(decay)(0.5), "jit_grad": jax.jit(jax.grad(decay))(0.25),
            "tree": tree_carry, "vmap": jax.vmap(decay)(jnp.array([0.1, 0.2]))}


@program()
def control_flow_rnn_scan(ns):
    jax, jnp, lax = ns.jax, ns.jnp, ns.lax
    params = {"Wh": jnp.asarray(fixed_normal(2, (3, 3)) * 0.5),
              "Wx": jnp.asarray(fixed_normal(3, (2, 3)) * 0.5), "b": jnp.zeros(3)}
    seq = jnp.asarray(fixed_normal(4, (6, 2)))

    def rnn_loss(params, seq):
        def step(h, x):
            h = jnp.tanh(h @ params["Wh"] + x @ params["Wx"] + params["b"])
            return h, jnp.sum(h)
        h, ys = lax.scan(step, jnp.zeros(3), seq)
        return jnp.sum(h ** 2) + jnp.mean(ys)

    return rnn_loss(params, seq), jax.grad(rnn_loss)(params, seq), jax.jit(
        jax.value_and_grad(rnn_loss, 1))(params, seq)


@program()
def control_flow_where_select_map(ns):
    jax, jnp, lax = ns.jax, ns.jnp, ns.lax
    x = jnp.array([-2.0, 0.5, 3.0])
    safe = jax.grad(lambda x: jnp.sum(jnp.where(x > 0, jnp.sqrt(jnp.where(x > 0, x, 1.0)),
                                                0.0)))(x)
    return [jnp.where(x > 0, x, 0.0), lax.select(x > 0, x, -x), safe,
            lax.map(lambda v: v ** 2 + 1, x), lax.map(jnp.sum, jnp.ones((3, 2)), batch_size=2)]


# --- Pseudorandom numbers --------------------------------------------------------------------

@program()
def random_keys_split_fold_in(ns):
    jnp, random = ns.jnp, ns.random
    key = random.PRNGKey(0)
    new_key, subkey = random.split(key)
    keys = random.split(key, 3)
    folded = random.fold_in(key, 7)
    same = jnp.array_equal(random.normal(key, (3,)), random.normal(key, (3,)))
    differ = not bool(jnp.array_equal(random.normal(new_key, (3,)),
                                      random.normal(subkey, (3,))))
    return {"key": (key.shape, str(key.dtype)), "keys": keys.shape,
            "fold": (folded.shape, str(folded.dtype)), "same": bool(same), "differ": differ,
            "data": random.key_data(random.key(1)).shape,
            "wrapped": random.normal(random.wrap_key_data(random.key_data(random.key(1))),
                                     (2,)).shape}


@program(**STATS)
def random_distribution_statistics(ns):
    jnp, random = ns.jnp, ns.random
    n = 20_000
    k = random.split(random.PRNGKey(42), 10)
    u = random.uniform(k[0], (n,))
    z = random.normal(k[1], (n,), dtype=jnp.float32)
    # README, "Where fungrad differs": the mean of booleans is float64 in fungrad (JAX:
    # float32), so the statistics of bernoulli draws are taken on a float64 copy.
    b = random.bernoulli(k[2], 0.3, (n,))
    r = random.randint(k[3], (n,), 0, 10)
    c = random.categorical(k[4], jnp.log(jnp.array([0.2, 0.3, 0.5])), shape=(n,))
    e = random.exponential(k[5], (n,))
    g = random.gamma(k[6], 2.0, (n,))
    m = random.uniform(k[7], (n,), minval=-2.0, maxval=2.0)
    return {"dtypes": [str(a.dtype) for a in (u, z, b, e, g)],
            "int_dtypes": [str(r.dtype)[:3], str(c.dtype)[:3]],
            "shapes": [a.shape for a in (u, z, b, r, c)],
            "uniform": [jnp.mean(u), jnp.var(u) * 12, jnp.min(u) >= 0, jnp.max(u) < 1],
            "normal": [jnp.mean(z), jnp.std(z)], "bernoulli": jnp.mean(b.astype(jnp.float64)),
            "randint": [jnp.min(r), jnp.max(r), jnp.mean(r) / 10],
            "categorical": [jnp.mean((c == i).astype(jnp.float64)) for i in range(3)],
            "exponential": jnp.mean(e), "gamma": jnp.mean(g) / 2,
            "minmax": [jnp.min(m) >= -2, jnp.max(m) < 2, jnp.mean(m)]}


@program()
def random_choice_permutation(ns):
    jnp, random = ns.jnp, ns.random
    k1, k2, k3, k4 = random.split(random.PRNGKey(3), 4)
    picked = random.choice(k1, 10, (5,), replace=False)
    perm = random.permutation(k2, 10)
    shuffled = random.permutation(k3, jnp.arange(6.0).reshape(3, 2))
    weighted = random.choice(k4, jnp.arange(3), (50,), p=jnp.array([0.0, 1.0, 0.0]))
    return {"unique": len(set(np.asarray(picked).tolist())), "shape": picked.shape,
            "perm": jnp.sort(perm), "rows": jnp.sort(shuffled[:, 0]),
            "rows_intact": shuffled[:, 1] - shuffled[:, 0], "weighted": weighted}


# --- jit and the common gotchas --------------------------------------------------------------

@program()
def jit_static_arguments(ns):
    jax, jnp = ns.jax, ns.jnp

    def f(x, neg):
        return -x if neg else x

    def g(x, n):
        i = 0
        while i < n:
            i += 1
        return x + i

    @functools.partial(jax.jit, static_argnums=(1,))
    def reshaped(x, shape):
        return jnp.reshape(x, shape) * 2

    def selu(x, alpha=1.67, lmbda=1.05):
        return lmbda * jnp.where(x > 0, x, alpha * jnp.exp(x) - alpha)

    x = jnp.arange(6.0)
    return [jax.jit(f, static_argnums=(1,))(1.0, True),
            jax.jit(f, static_argnames=["neg"])(1.0, neg=False),
            jax.jit(g, static_argnames="n")(10.0, 3), reshaped(x, (2, 3)),
            jax.jit(selu)(x - 3), jax.jit(lambda x: x.shape[0] * x)(x)]


@program()
def gotchas_at_updates(ns):
    jax, jnp = ns.jax, ns.jnp
    x = jnp.arange(5.0)
    m = jnp.zeros((3, 3))
    return {"set": x.at[2].set(10.0), "add": x.at[1:3].add(1.0),
            "mul": x.at[::2].multiply(3.0), "min": x.at[0].min(-1.0), "max": x.at[4].max(9.0),
            "div": x.at[1].divide(4.0), "pow": x.at[3].power(2.0),
            "accumulate": x.at[jnp.array([0, 0, 1])].add(1.0), "get": x.at[3].get(),
            "apply": x.at[1].apply(jnp.sin), "negative": x.at[-1].set(0.0),
            "row": m.at[1, :].set(1.0), "col": m.at[:, 2].add(jnp.arange(3.0)),
            "original": x,
            "grad": jax.grad(lambda x: jnp.sum(x.at[1].set(x[0] ** 2) ** 2))(x),
            "jit": jax.jit(lambda x, i: x.at[i].add(5.0))(x, 2)}


@program()
def gotchas_out_of_bounds(ns):
    jax, jnp, lax = ns.jax, ns.jnp, ns.lax
    x = jnp.arange(10.0)
    # README, "Where fungrad differs": "Out-of-range indices raise IndexError" unless a
    # mode says otherwise, so the doc's `x[11]` (clamped by JAX) is written with mode="clip"
    # and its out-of-range updates with mode="drop".
    return {"fill": x.at[11].get(mode="fill", fill_value=-1.0),
            "fill_nan": x.at[jnp.array([1, 12])].get(mode="fill", fill_value=jnp.nan),
            "clip": x.at[11].get(mode="clip"), "drop": x.at[jnp.array([1, 10])].set(7.0,
                                                                                  mode="drop"),
            "jit_get": jax.jit(lambda i: x.at[i].get(mode="clip"))(11),
            "jit_negative": jax.jit(lambda i: x.at[i].get(mode="clip"))(-12),
            "jit_set": jax.jit(lambda i: x.at[i].set(-5.0, mode="drop"))(10),
            "jit_add": jax.jit(lambda i: x.at[i].add(1.0, mode="drop"))(jnp.array([2, 15])),
            "vmap_get": jax.vmap(lambda i: x.at[i].get(mode="fill", fill_value=0.0))(
                jnp.array([0, 9, 10, 100])),
            "grad": jax.grad(lambda x, i: x.at[i].get(mode="clip") ** 2)(x, 12),
            "in_range": [x[9], x[-10], jax.jit(lambda i: x[i])(-3)],
            "dynamic_slice": lax.dynamic_slice(x, (8,), (3,)),
            "dynamic_update": lax.dynamic_update_slice(x, jnp.ones(3), (9,)),
            "take": jnp.take(x, jnp.array([3, 20]), mode="clip")}


@program()
def gotchas_dynamic_shapes_with_size(ns):
    jax, jnp = ns.jax, ns.jnp
    x = jnp.array([0.0, 2.0, 0.0, 3.0, 4.0])

    @jax.jit
    def nz(x):
        return jnp.nonzero(x, size=4, fill_value=-1)

    @jax.jit
    def masked_mean(x):
        return jnp.sum(jnp.where(x > 0, x, 0.0)) / jnp.sum(x > 0)

    return [nz(x), jax.jit(lambda x: jnp.where(x > 1, size=3))(x),
            jax.jit(lambda x: jnp.unique(x, size=4, fill_value=9.0))(x), masked_mean(x)]


@program()
def gotchas_debug_nans(ns):
    jax, jnp = ns.jax, ns.jnp
    raised = []
    # README, "Where fungrad differs": "Floating-point warnings are NumPy's": the nan
    # NumPy makes here would warn before the debug_nans check raises.
    with np.errstate(invalid="ignore", divide="ignore"):
        jax.config.update("jax_debug_nans", True)
        try:
            for fn in (lambda: jnp.divide(0.0, 0.0),
                       lambda: jax.jit(lambda x: x / x)(jnp.array(0.0)),
                       lambda: jnp.log(-1.0)):
                try:
                    fn()
                    raised.append(None)
                except FloatingPointError:
                    raised.append("FloatingPointError")
        finally:
            jax.config.update("jax_debug_nans", False)
        with jax.debug_nans(True):
            try:
                jax.grad(lambda x: jnp.log(x) * x)(jnp.array(-1.0))
                raised.append(None)
            except FloatingPointError:
                raised.append("FloatingPointError")
        after = jnp.divide(0.0, 0.0)
    return raised, after


@program()
def gotchas_64_bit_dtypes(ns):
    jnp, random = ns.jnp, ns.random
    key = random.PRNGKey(0)
    return [str(a.dtype) for a in (
        jnp.arange(3), jnp.array(1.0), random.uniform(key, (2,)), jnp.zeros(2, jnp.float32),
        jnp.float32(1) * 2.0, jnp.array([1, 2], dtype=jnp.int32) + 1, jnp.ones(2) + 1j,
        jnp.ones(3, dtype="float32") + jnp.ones(3), jnp.array(2) / 2, jnp.linspace(0, 1, 3))]


@program()
def gotchas_control_flow_under_jit(ns):
    jax = ns.jax

    def f(x):
        if x < 3:
            return 3.0 * x ** 2
        return -4.0 * x

    try:
        jax.jit(f)(2.0)
        error = None
    except TypeError:
        error = "TypeError"
    return {"eager": f(2.0), "grad": jax.grad(f)(2.0), "grad_neg": jax.grad(f)(4.0),
            "jit_error": error, "static": jax.jit(f, static_argnums=0)(2.0)}


# --- Stateful computations ------------------------------------------------------------------

@program()
def stateful_counter_and_regression(ns):
    jax, jnp = ns.jax, ns.jnp

    class Counter:
        def count(self, n):
            return n + 1, n + 1

        def reset(self):
            return 0

    counter = Counter()
    state = counter.reset()
    fast_count = jax.jit(counter.count)
    values = []
    for _ in range(3):
        value, state = fast_count(state)
        values.append(value)

    class Params(NamedTuple):
        weight: jnp.ndarray
        bias: jnp.ndarray

    def loss(params, x, y):
        return jnp.mean((params.weight * x + params.bias - y) ** 2)

    @jax.jit
    def update(params, x, y):
        grad = jax.grad(loss)(params, x, y)
        return jax.tree.map(lambda p, g: p - 0.05 * g, params, grad)

    xs = jnp.asarray(fixed_normal(5, (50,)))
    ys = 3 * xs - 1 + 0.1 * jnp.asarray(fixed_normal(6, (50,)))
    params = Params(jnp.array(1.0), jnp.array(0.0))
    for _ in range(20):
        params = update(params, xs, ys)
    return values, type(params).__name__, params.weight, params.bias


# --- lax reference --------------------------------------------------------------------------

@program()
def lax_reference_ops(ns):
    jnp, lax = ns.jnp, ns.lax
    a, b = jnp.arange(6.0).reshape(2, 3), jnp.arange(12.0).reshape(3, 4)
    batch = jnp.arange(24.0).reshape(2, 3, 4)
    x = jnp.array([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0])
    vals, idx = lax.top_k(x, 3)
    return {"add": lax.add(1.0, 2.0), "dot": lax.dot_general(a, b, (((1,), (0,)), ((), ()))),
            "bdot": lax.dot_general(batch, jnp.swapaxes(batch, 1, 2),
                                    (((2,), (1,)), ((0,), (0,)))),
            "reduce": lax.reduce(x, 0.0, lax.add, (0,)), "cumsum": lax.cumsum(x),
            "cummax": lax.cummax(x, reverse=True), "sort": lax.sort(x),
            "top_k": (vals, idx), "clamp": lax.clamp(1.0, x, 5.0),
            "bcast": lax.broadcast_in_dim(jnp.arange(3.0), (2, 3), (1,)),
            "rsqrt": lax.rsqrt(x), "ipow": lax.integer_pow(x, 3),
            "assoc": lax.associative_scan(jnp.add, x), "pad": lax.pad(x[:3], 0.0, [(1, 2, 1)]),
            "concat": lax.concatenate([x[:2], x[5:]], 0), "slice": lax.slice(a, (0, 1), (2, 3)),
            "transpose": lax.transpose(a, (1, 0)), "rev": lax.rev(x, (0,)),
            "argmax": lax.argmax(x, 0, jnp.int32), "convert": lax.convert_element_type(x,
                                                                                     jnp.int32),
            "sort2": lax.sort((x, jnp.arange(8)), num_keys=1),
            "window": lax.reduce_window(x, -jnp.inf, lax.max, (3,), (1,), "VALID")}


@program()
def lax_convolution_nchw(ns):
    jax, jnp, lax = ns.jax, ns.jnp, ns.lax
    lhs = jnp.asarray(fixed_normal(7, (1, 2, 5, 5)))
    rhs = jnp.asarray(fixed_normal(8, (3, 2, 3, 3)))
    # README, "Where fungrad differs": conv_general_dilated's default layout is NHWC/HWIO,
    # so the doc's NCHW program names its dimension numbers.
    dn = ("NCHW", "OIHW", "NCHW")

    def conv(lhs, rhs):
        return lax.conv_general_dilated(lhs, rhs, (1, 1), "SAME", dimension_numbers=dn)

    strided = lax.conv_general_dilated(lhs, rhs, (2, 2), "VALID", rhs_dilation=(1, 2),
                                       dimension_numbers=dn)
    return conv(lhs, rhs), strided, jax.grad(lambda r: jnp.sum(conv(lhs, r) ** 2))(rhs)


# --- Training a simple neural network -------------------------------------------------------

@program(rtol=1e-9)
def training_simple_network(ns):
    jax, jnp = ns.jax, ns.jnp
    logsumexp = ns.scipy.special.logsumexp
    sizes = [4, 8, 3]
    params = [(jnp.asarray(fixed_normal(10 + i, (n, m)) * 0.5), jnp.zeros(n))
              for i, (m, n) in enumerate(zip(sizes[:-1], sizes[1:]))]

    def predict(params, image):
        activations = image
        for w, b in params[:-1]:
            activations = jnp.maximum(0, jnp.dot(w, activations) + b)
        final_w, final_b = params[-1]
        logits = jnp.dot(final_w, activations) + final_b
        return logits - logsumexp(logits)

    batched_predict = jax.vmap(predict, in_axes=(None, 0))

    def one_hot(x, k, dtype=jnp.float32):
        return jnp.array(x[:, None] == jnp.arange(k), dtype)

    def loss(params, images, targets):
        return -jnp.mean(batched_predict(params, images) * targets)

    def accuracy(params, images, targets):
        # README, "Where fungrad differs": a mean of booleans is float64 in fungrad, float32
        # in JAX; the doc's accuracy is taken over float64 here.
        hits = jnp.argmax(batched_predict(params, images), axis=1) == jnp.argmax(targets, 1)
        return jnp.mean(hits.astype(jnp.float64))

    @jax.jit
    def update(params, x, y):
        grads = jax.grad(loss)(params, x, y)
        return [(w - 0.5 * dw, b - 0.5 * db) for (w, b), (dw, db) in zip(params, grads)]

    images = jnp.asarray(fixed_normal(20, (12, 4)))
    labels = one_hot(jnp.argmax(images[:, :3], axis=1), 3)
    history = []
    for _ in range(4):
        params = update(params, images, labels)
        history.append((loss(params, images, labels), accuracy(params, images, labels)))
    return history, str(labels.dtype), params


# --- Checkpointing -------------------------------------------------------------------------

@program()
def checkpoint_policies(ns):
    jax, jnp = ns.jax, ns.jnp
    checkpoint_name = jax.ad_checkpoint.checkpoint_name

    def g(W, x):
        return jnp.sin(checkpoint_name(jnp.dot(W, x), "dot"))

    def f(W1, W2, W3, x):
        return jnp.sum(g(W3, g(W2, g(W1, x))))

    Ws = [jnp.asarray(fixed_normal(30 + i, (3, 3))) for i in range(3)]
    x = jnp.array([1.0, -0.5, 0.25])
    plain = jax.grad(f, (0, 1, 2))(*Ws, x)
    g_ckpt = jax.checkpoint(g)

    def f_ckpt(W1, W2, W3, x):
        return jnp.sum(g_ckpt(W3, g_ckpt(W2, g_ckpt(W1, x))))

    policies = jax.checkpoint_policies
    with_policy = [jax.grad(jax.checkpoint(f, policy=p), (0, 1, 2))(*Ws, x) for p in (
        policies.dots_with_no_batch_dims_saveable, policies.nothing_saveable,
        policies.everything_saveable, policies.save_only_these_names("dot"))]
    static = jax.checkpoint(lambda x, n: x ** n, static_argnums=(1,))
    return {"plain": plain, "ckpt": jax.grad(f_ckpt, (0, 1, 2))(*Ws, x),
            "policies": with_policy, "remat": jax.grad(jax.remat(f))(*Ws, x),
            "static": jax.grad(static)(2.0, 3), "jit": jax.jit(jax.grad(f_ckpt))(*Ws, x)}


# --- Debug printing -----------------------------------------------------------------------

@program()
def debug_print(ns):
    jax, jnp = ns.jax, ns.jnp
    buf = io.StringIO()

    @jax.jit
    def f(x):
        jax.debug.print("x = {}", x)
        y = jnp.sin(x)
        jax.debug.print("y = {y:.4f}", y=y)
        return y

    def per_lane(x):
        jax.debug.print("lane {x}", x=x)
        return x * 2

    with contextlib.redirect_stdout(buf):
        f(2.0).block_until_ready()
        jax.vmap(per_lane)(jnp.arange(3))
        jax.grad(lambda x: (jax.debug.print("g {}", x), x ** 2)[1])(1.5)
        jax.effects_barrier()
    return sorted(buf.getvalue().splitlines())


# --- jax.numpy linalg and fft --------------------------------------------------------------

@program(rtol=1e-9)
def numpy_linalg(ns):
    jax, jnp = ns.jax, ns.jnp
    la = jnp.linalg
    A = jnp.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])
    B = jnp.array([[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]])
    b = jnp.array([1.0, 2.0, 3.0])
    w, v = la.eigh(A)
    q, r = la.qr(B)
    sign, logdet = la.slogdet(A)
    return {"solve": la.solve(A, b), "inv": la.inv(A), "det": la.det(A),
            "slogdet": (sign, logdet), "eigh_w": w, "eigh_rebuilt": (v * w) @ v.T,
            "chol": la.cholesky(A), "qr": (jnp.abs(jnp.diag(r)), q @ r),
            "svd": la.svd(B, compute_uv=False), "norms": [la.norm(B), la.norm(A, 2),
                                                          la.norm(b, 1), la.norm(A, "nuc")],
            "power": la.matrix_power(A, 3), "pinv": la.pinv(B),
            "lstsq": la.lstsq(B, b)[0], "rank": la.matrix_rank(B),
            "grad_logdet": jax.grad(lambda A: la.slogdet(A)[1])(A),
            "grad_solve": jax.grad(lambda b: jnp.sum(la.solve(A, b) ** 2))(b),
            "eigvalsh": la.eigvalsh(A), "trace": jnp.trace(A), "cond": la.cond(A)}


@program()
def numpy_fft(ns):
    jax, jnp = ns.jax, ns.jnp
    fft = jnp.fft
    x = jnp.array([1.0, 2.0, 0.5, -1.0, 3.0, 0.0])
    m = x.reshape(2, 3)
    return {"fft": fft.fft(x), "roundtrip": jnp.real(fft.ifft(fft.fft(x))),
            "rfft": fft.rfft(x), "irfft": fft.irfft(fft.rfft(x), n=6), "fft2": fft.fft2(m),
            "freq": fft.fftfreq(6, d=0.1), "rfreq": fft.rfftfreq(6), "shift": fft.fftshift(x),
            "ishift": fft.ifftshift(x), "ortho": fft.fft(x, norm="ortho"),
            "parseval": jax.grad(lambda x: jnp.sum(jnp.abs(fft.fft(x)) ** 2))(x),
            "grad_rfft": jax.grad(lambda x: jnp.sum(jnp.abs(fft.rfft(x)) ** 2))(x)}


# --- optax quick start ---------------------------------------------------------------------

@program(rtol=1e-9)
def optax_quick_start(ns):
    jax, jnp, optax = ns.jax, ns.jnp, ns.optax
    xs = jnp.asarray(fixed_normal(40, (16, 3)))
    ys = xs @ jnp.array([1.0, -2.0, 0.5]) + 0.5

    def loss_fn(params, x, y):
        return jnp.mean(optax.l2_loss(x @ params["w"] + params["b"], y))

    def fit(optimizer, steps=5):
        params = {"w": jnp.zeros(3), "b": jnp.array(0.0)}
        opt_state = optimizer.init(params)

        @jax.jit
        def step(params, opt_state):
            loss, grads = jax.value_and_grad(loss_fn)(params, xs, ys)
            updates, opt_state = optimizer.update(grads, opt_state, params)
            return optax.apply_updates(params, updates), opt_state, loss

        losses = []
        for _ in range(steps):
            params, opt_state, loss = step(params, opt_state)
            losses.append(loss)
        return params, losses

    return {"adam": fit(optax.adam(learning_rate=0.1)),
            "chain": fit(optax.chain(optax.clip_by_global_norm(1.0),
                                     optax.adamw(1e-2, weight_decay=1e-4))),
            "sgd": fit(optax.sgd(learning_rate=0.05, momentum=0.9, nesterov=True))}


# README, "Where fungrad differs": schedules evaluated at optax's int32 step count keep
# float64 learning rates in fungrad (optax's are float32): "results agree to about 1e-7".
@program(rtol=1e-6)
def optax_schedule(ns):
    jnp, optax = ns.jnp, ns.optax
    schedule = optax.exponential_decay(init_value=0.1, transition_steps=2, decay_rate=0.5)
    warmup = optax.warmup_cosine_decay_schedule(0.0, 1.0, warmup_steps=2, decay_steps=6)
    opt = optax.sgd(learning_rate=schedule, momentum=0.9, nesterov=True)
    params = {"w": jnp.array([1.0, -1.0])}
    state = opt.init(params)
    for _ in range(3):
        updates, state = opt.update({"w": params["w"] * 2}, state)
        params = optax.apply_updates(params, updates)
    return [schedule(i) for i in range(4)], [warmup(i) for i in range(7)], params


@program(rtol=1e-9)
def optax_classifier_losses(ns):
    jax, jnp, optax = ns.jax, ns.jnp, ns.optax
    logits = jnp.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]])
    labels = jnp.array([0, 1])
    onehot = jax.nn.one_hot(labels, 3)
    w = jnp.asarray(fixed_normal(41, (3, 3)))

    def loss(w):
        return jnp.mean(optax.softmax_cross_entropy_with_integer_labels(logits @ w, labels))

    opt = optax.rmsprop(0.01)
    state = opt.init(w)
    updates, _ = opt.update(jax.grad(loss)(w), state)
    return [optax.softmax_cross_entropy(logits, onehot),
            optax.softmax_cross_entropy_with_integer_labels(logits, labels),
            optax.sigmoid_binary_cross_entropy(logits, onehot), loss(w),
            optax.apply_updates(w, updates), optax.global_norm({"a": w, "b": logits})]


# --- jax.scipy and jax.nn -------------------------------------------------------------------

@program(rtol=1e-9)
def scipy_special_stats_linalg(ns):
    jax, jnp = ns.jax, ns.jnp
    sp, st, sl = ns.scipy.special, ns.scipy.stats, ns.scipy.linalg
    x = jnp.array([0.5, 1.5, 3.0])
    A = jnp.array([[4.0, 1.0], [1.0, 3.0]])
    L = jnp.array([[2.0, 0.0], [1.0, 3.0]])
    b = jnp.array([1.0, 2.0])
    c = sl.cho_factor(A)
    lu = sl.lu_factor(A)
    return {"lse": sp.logsumexp(x), "lse_b": sp.logsumexp(x, b=jnp.array([1.0, -1.0, 2.0])),
            "erf": sp.erf(x), "gammaln": sp.gammaln(x), "expit": sp.expit(x),
            "xlogy": sp.xlogy(x, x), "logpdf": st.norm.logpdf(x, loc=1.0, scale=2.0),
            "cdf": st.norm.cdf(x), "mvn": st.multivariate_normal.logpdf(b, jnp.zeros(2), A),
            "tri": sl.solve_triangular(L, b, lower=True), "cho": sl.cho_solve(c, b),
            "lu": sl.lu_solve(lu, b), "expm": sl.expm(A / 4),
            "grad_lse": jax.grad(sp.logsumexp)(x)}


@program()
def nn_activations(ns):
    jax, jnp, nn = ns.jax, ns.jnp, ns.nn
    x = jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    return {"relu": nn.relu(x), "sigmoid": nn.sigmoid(x), "softplus": nn.softplus(x),
            "gelu": nn.gelu(x), "gelu_exact": nn.gelu(x, approximate=False),
            "silu": nn.silu(x), "elu": nn.elu(x), "leaky": nn.leaky_relu(x),
            "relu6": nn.relu6(x * 4), "hard_tanh": nn.hard_tanh(x),
            "softmax": nn.softmax(x.reshape(1, 5), axis=-1), "log_softmax": nn.log_softmax(x),
            "one_hot": nn.one_hot(jnp.array([0, 2]), 3), "logsumexp": nn.logsumexp(x),
            "standardize": nn.standardize(x), "glu": nn.glu(jnp.arange(4.0)),
            "grad_relu": jax.grad(nn.relu)(0.0), "vmap_grad": jax.vmap(jax.grad(nn.gelu))(x)}


# --- External callbacks and jnp.vectorize ---------------------------------------------------

@program()
def pure_callback_and_vectorize(ns):
    jax, jnp = ns.jax, ns.jnp

    def host_sin(x):
        return np.sin(x)

    def f(x):
        return jax.pure_callback(host_sin, jax.ShapeDtypeStruct(x.shape, x.dtype), x,
                                 vmap_method="sequential")

    x = jnp.arange(3.0)
    dot = jnp.vectorize(lambda a, b: jnp.dot(a, b), signature="(n),(n)->()")
    return [jax.jit(f)(x), jax.vmap(f)(x), dot(jnp.ones((2, 3)), jnp.arange(3.0)),
            jnp.vectorize(lambda a: a ** 2)(x)]


# --- More from the guides: advanced autodiff, jit caching, arrays, optax, initializers ---

@program()
def advanced_autodiff_stop_gradient_td(ns):
    jax, jnp, lax = ns.jax, ns.jnp, ns.lax

    def value_fn(theta, state):
        return jnp.dot(theta, state)

    def td_loss(theta, s_tm1, r_t, s_t):
        v_tm1 = value_fn(theta, s_tm1)
        target = r_t + value_fn(theta, s_t)
        return -0.5 * ((lax.stop_gradient(target) - v_tm1) ** 2)

    theta = jnp.array([0.1, -0.1, 0.0])
    s_tm1, r_t, s_t = jnp.array([1.0, 2.0, -1.0]), jnp.array(1.0), jnp.array([2.0, 1.0, 0.0])
    batched = jax.jit(jax.vmap(jax.grad(td_loss), in_axes=(None, 0, 0, 0)))
    S = jnp.stack([s_tm1, s_t, s_tm1 * 2])

    def straight_through_round(x):
        return x + lax.stop_gradient(jnp.round(x) - x)

    return [jax.grad(td_loss)(theta, s_tm1, r_t, s_t),
            batched(theta, S, jnp.array([1.0, 0.0, -1.0]), S[::-1]),
            straight_through_round(jnp.array([0.4, 1.6])),
            jax.vmap(jax.grad(lambda x: straight_through_round(x) ** 2))(jnp.array([0.4, 1.6]))]


@program()
def advanced_autodiff_pytree_jacobians(ns):
    jax, jnp = ns.jax, ns.jnp

    def f(p):
        return {"y": jnp.tanh(p["a"] * p["b"]), "z": jnp.sum(p["a"] ** 3)}

    p = {"a": jnp.array([0.5, -1.0]), "b": jnp.array(2.0)}
    return {"jacrev": jax.jacrev(f)(p), "jacfwd": jax.jacfwd(f)(p),
            "hessian": jax.hessian(lambda p: f(p)["z"] + jnp.sum(f(p)["y"]))(p),
            "fwd_rev": jax.jacfwd(jax.jacrev(lambda x: jnp.sin(x) * x[0]))(jnp.ones(2)),
            "has_aux": jax.jacrev(lambda x: (x ** 2, {"n": x.shape[0]}), has_aux=True)(
                jnp.arange(2.0))}


@program()
def custom_vjp_nondiff_function_and_int_args(ns):
    jax, jnp = ns.jax, ns.jnp

    @functools.partial(jax.custom_vjp, nondiff_argnums=(0,))
    def app(f, x):
        return f(x)

    def app_fwd(f, x):
        return f(x), x

    def app_bwd(f, x, g):
        return (5 * g,)

    app.defvjp(app_fwd, app_bwd)

    @jax.custom_vjp
    def scale(x, n):
        return x * n

    scale.defvjp(lambda x, n: (x * n, n), lambda n, g: (g * n, None))

    @jax.custom_jvp
    def two_outputs(x):
        return jnp.sin(x), jnp.cos(x)

    @two_outputs.defjvp
    def two_outputs_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return two_outputs(x), (jnp.cos(x) * t, -jnp.sin(x) * t)

    return [jax.grad(lambda x: app(lambda y: y ** 2, x))(3.0),
            jax.grad(scale)(2.0, 3), jax.jit(jax.grad(scale))(2.0, 4),
            jax.jacfwd(lambda x: jnp.stack(two_outputs(x)))(0.5),
            jax.grad(lambda x: two_outputs(x)[0] * two_outputs(x)[1])(0.5)]


@program()
def jit_caching_and_globals(ns):
    jax, jnp = ns.jax, ns.jnp
    g = 0.0

    def impure_uses_globals(x):
        return x + g

    f = jax.jit(impure_uses_globals)
    first = f(4.0)
    g = 10.0  # noqa: F841 (read by the function when it is traced again)
    cached = f(5.0)
    retraced = f(jnp.array([4.0]))
    traces = []

    @jax.jit
    def counted(x):
        traces.append(x.shape)
        return x * 2

    counted(jnp.ones(2))
    counted(jnp.zeros(2))
    counted(jnp.ones(3))
    return first, cached, retraced, len(traces)


@program()
def arrays_attributes_and_methods(ns):
    jax, jnp = ns.jax, ns.jnp
    x = jax.jit(lambda x: x * 2)(jnp.arange(6.0).reshape(2, 3))
    m = jnp.arange(6.0).reshape(2, 3)
    # README, "Where fungrad differs": eager fnp results are NumPy arrays, so the doc's
    # `jnp.dot(x, x.T).block_until_ready()` is `jax.block_until_ready(jnp.dot(x, x.T))`.
    ready = jax.block_until_ready(jnp.dot(m, m.T))
    return {"attrs": (x.shape, str(x.dtype), x.ndim, x.size, x.nbytes, x.itemsize),
            "is_array": isinstance(x, jax.Array), "ready": ready,
            "devices": len(x.devices()), "put": jax.device_get(jax.device_put(m)),
            "methods": [m.sum(axis=0, keepdims=True), m.mean(), m.argmax(), m.T, m.ravel(),
                        m.reshape(-1, 2), m.clip(1, 4), m.round(), m.astype(jnp.int32),
                        m.max(axis=1), m.cumsum(axis=1), m.dot(m.T), m.squeeze(), m.std(),
                        m.prod(), m.min(), m.any(), m.transpose(1, 0), m.flatten()],
            "item": m[1, 2].item(), "tolist": m.tolist(),
            "traced": jax.jit(lambda m: [m.sum(0), m.var(), m.T @ m, m.argmin(axis=1),
                                         m.astype(jnp.float32).dtype == jnp.float32])(m)}


@program()
def numpy_everyday_functions(ns):
    jnp = ns.jnp
    x = jnp.array([3.0, 1.0, 2.0, 5.0, 4.0])
    a, b = jnp.arange(6.0).reshape(2, 3), jnp.arange(12.0).reshape(3, 4)
    xx, yy = jnp.meshgrid(jnp.arange(3.0), jnp.arange(2.0))
    return {"einsum": jnp.einsum("ij,jk->ik", a, b), "trace": jnp.einsum("ii", b[:, :3]),
            "meshgrid": (xx, yy), "convolve": jnp.convolve(x, jnp.array([1.0, 0.5])),
            "argsort": jnp.argsort(x), "sort": jnp.sort(a, axis=0), "cumsum": jnp.cumsum(x),
            "searchsorted": jnp.searchsorted(jnp.sort(x), jnp.array([2.5, 0.0])),
            "interp": jnp.interp(jnp.array([0.5, 2.5]), jnp.arange(4.0), x[:4]),
            "pad": jnp.pad(x, (1, 2), mode="edge"), "roll": jnp.roll(x, 2),
            "tile": jnp.tile(a, (2, 1)), "repeat": jnp.repeat(x, 2),
            "repeat_total": jnp.repeat(jnp.array([1, 2]), jnp.array([2, 1]),
                                       total_repeat_length=3),
            "take_along": jnp.take_along_axis(a, jnp.argsort(a, axis=1), axis=1),
            "isclose": jnp.isclose(x, 3.0), "polyval": jnp.polyval(jnp.array([1.0, 2.0]), x),
            "histogram": jnp.histogram(x, bins=2), "diff": jnp.diff(x), "outer": jnp.outer(x, x),
            "concat": jnp.concatenate([a, a], axis=1), "split": jnp.split(x, [2]),
            "where1": jnp.where(x > 2), "nonzero": jnp.nonzero(x > 2),
            "unique": jnp.unique(jnp.array([3, 1, 3, 2])), "linspace": jnp.linspace(0, 1, 5),
            "tri": jnp.triu(jnp.ones((3, 3))), "eye": jnp.eye(2, 3, k=1),
            "full": jnp.full((2, 2), 7), "stack": jnp.stack([x, x], axis=1)}


@program(**STATS)
def random_more_samplers_and_vmap(ns):
    jax, jnp, random = ns.jax, ns.jnp, ns.random
    n = 20_000
    k = random.split(random.PRNGKey(7), 8)
    tn = random.truncated_normal(k[0], -1.0, 1.0, (n,))
    mvn = random.multivariate_normal(k[1], jnp.zeros(2), jnp.array([[1.0, 0.5], [0.5, 2.0]]),
                                     (n,))
    beta = random.beta(k[2], 2.0, 3.0, (n,))
    dirichlet = random.dirichlet(k[3], jnp.array([1.0, 2.0, 3.0]), (n,))
    laplace = random.laplace(k[4], (n,))
    pois = random.poisson(k[5], 3.0, (n,))
    ortho = random.orthogonal(k[6], 3)
    per_key = jax.vmap(lambda key: random.normal(key, (2,)))(random.split(k[7], 5))
    folded = jax.vmap(lambda i: random.fold_in(k[7], i))(jnp.arange(3))
    jitted = jax.jit(lambda key: random.uniform(key, (3,)))(k[7])
    cov = jnp.cov(mvn.T)
    return {"tn": [jnp.min(tn) >= -1, jnp.max(tn) <= 1, jnp.mean(tn), jnp.var(tn)],
            "mvn": [mvn.shape, jnp.mean(mvn, 0), cov[0, 1], cov[1, 1] / 2],
            "beta": jnp.mean(beta) - 0.4, "dirichlet": jnp.mean(dirichlet, 0),
            "laplace": jnp.var(laplace) / 2 - 1, "poisson": [str(pois.dtype)[:3],
                                                          jnp.mean(pois) / 3],
            "ortho": ortho @ ortho.T, "per_key": per_key.shape,
            "distinct": bool(jnp.all(per_key[0] != per_key[1])),
            "folded": folded.shape, "jit": (jitted.shape, bool(jnp.all(jitted < 1)))}


@program(**STATS)
def nn_initializers(ns):
    jnp, random, init = ns.jnp, ns.random, ns.nn.initializers
    key = random.PRNGKey(0)
    shape = (200, 100)
    # README, "Where fungrad differs": "`nn.initializers` default to float32" (JAX with
    # x64: float64), so the dtype is named where the doc leaves it to the default.
    f32 = jnp.float32
    glorot = init.glorot_normal()(key, shape, f32)
    he = init.he_uniform()(key, shape, f32)
    lecun = init.lecun_normal()(key, shape, f32)
    ortho = init.orthogonal()(key, (4, 4), f32)
    return {"glorot": [glorot.shape, str(glorot.dtype), jnp.std(glorot) / np.sqrt(2 / 300)],
            "he": [jnp.max(jnp.abs(he)) <= np.sqrt(6 / 200), jnp.std(he) / np.sqrt(2 / 200)],
            "lecun": jnp.std(lecun) / np.sqrt(1 / 200), "ortho": ortho.T @ ortho,
            "zeros": init.zeros(key, (2,), f32), "ones": init.ones(key, (2,), f32),
            "constant": init.constant(0.5)(key, (2, 2), f32),
            "normal": jnp.std(init.normal(0.1)(key, shape, f32)) / 0.1,
            "f32": str(init.glorot_uniform()(key, (3, 3), jnp.float32).dtype)}


@program(rtol=1e-8)
def optax_lbfgs_and_hyperparams(ns):
    jax, jnp, optax = ns.jax, ns.jnp, ns.optax

    def f(x):
        return jnp.sum((x - jnp.array([1.0, -2.0])) ** 2 * jnp.array([1.0, 10.0]))

    opt = optax.lbfgs()
    params = jnp.array([0.0, 0.0])
    state = opt.init(params)
    value_and_grad = optax.value_and_grad_from_state(f)
    for _ in range(3):
        value, grad = value_and_grad(params, state=state)
        updates, state = opt.update(grad, state, params, value=value, grad=grad, value_fn=f)
        params = optax.apply_updates(params, updates)
    injected = optax.inject_hyperparams(optax.adam)(learning_rate=0.1)
    p2 = {"w": jnp.array([1.0, 2.0])}
    s2 = injected.init(p2)
    s2.hyperparams["learning_rate"] = 0.01
    u2, s2 = injected.update({"w": jnp.array([0.5, -0.5])}, s2, p2)
    sched = optax.join_schedules([optax.linear_schedule(0.0, 1.0, 2),
                                  optax.cosine_decay_schedule(1.0, 4)], [2])
    masked = optax.masked(optax.sgd(1.0), {"a": True, "b": False})
    mu, _ = masked.update({"a": jnp.ones(2), "b": jnp.ones(2)},
                          masked.init({"a": jnp.ones(2), "b": jnp.ones(2)}))
    return {"lbfgs": (params, f(params)), "injected": u2,
            "lr": s2.hyperparams["learning_rate"], "schedule": [sched(i) for i in range(6)],
            "masked": mu, "count": optax.tree_utils.tree_get(state, "count")}


@program()
def control_flow_batched_and_pytree_loops(ns):
    jax, jnp, lax = ns.jax, ns.jnp, ns.lax

    def collatz_steps(n):
        def body(c):
            n, k = c
            return jnp.where(n % 2 == 0, n // 2, 3 * n + 1), k + 1
        return lax.while_loop(lambda c: c[0] != 1, body, (n, 0))[1]

    def tree_fori(x):
        return lax.fori_loop(0, 3, lambda i, c: {"a": c["a"] + i * x, "b": c["b"] * x},
                             {"a": 0.0, "b": 1.0})

    return {"collatz": jax.vmap(collatz_steps)(jnp.array([1, 6, 7, 27])),
            "cond_vmap": jax.vmap(lambda p, x: lax.cond(p, jnp.sin, jnp.cos, x))(
                jnp.array([True, False]), jnp.array([0.5, 0.5])),
            "no_operands": lax.cond(False, lambda: 1.0, lambda: 2.0),
            "switch_args": lax.switch(1, [lambda a, b: a + b, lambda a, b: a * b], 2.0, 5.0),
            "tree_fori": tree_fori(2.0), "tree_fori_grad": jax.grad(
                lambda x: tree_fori(x)["a"] + tree_fori(x)["b"])(2.0),
            "scan_no_ys": lax.scan(lambda c, x: (c + x, None), 0.0, jnp.arange(4.0))[0],
            "vmap_dynamic_index": jax.vmap(lambda v, i: v[i])(jnp.arange(6.0).reshape(3, 2),
                                                             jnp.array([1, 0, 1])),
            "vmap_sort": jax.vmap(jnp.sort)(jnp.array([[3.0, 1.0, 2.0], [0.0, -1.0, 5.0]])),
            "vmap_solve": jax.vmap(jnp.linalg.solve)(
                jnp.stack([jnp.eye(2) * 2, jnp.array([[1.0, 1.0], [0.0, 1.0]])]),
                jnp.ones((2, 2)))}


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
def lax_more_reference(ns):
    jnp, lax = ns.jnp, ns.lax
    x = jnp.array([[1.0, 2.0], [3.0, 4.0]])
    keys, vals = lax.sort_key_val(jnp.array([3, 1, 2]), jnp.array([10.0, 20.0, 30.0]))
    lhs = jnp.arange(16.0).reshape(1, 4, 4, 1)
    rhs = jnp.ones((2, 2, 1, 1))
    dn = lax.conv_dimension_numbers(lhs.shape, rhs.shape, ("NHWC", "HWIO", "NHWC"))
    return {"iota": lax.iota(jnp.int32, 4), "full": lax.full((2,), 3.0),
            "expand": lax.expand_dims(x, (0,)).shape, "squeeze": lax.squeeze(x[None], (0,)),
            "batch_matmul": lax.batch_matmul(jnp.stack([x, x]), jnp.stack([x, -x])),
            "dot_pet": lax.dot(x, x, preferred_element_type=jnp.float64),
            "dyn_index": lax.dynamic_index_in_dim(x, 1, axis=1, keepdims=False),
            "cumlogsumexp": lax.cumlogsumexp(jnp.array([0.0, 1.0, 2.0])),
            "sort_key_val": (keys, vals), "select_n": lax.select_n(jnp.array([0, 1, 2]),
                                                                   jnp.zeros(3), jnp.ones(3),
                                                                   jnp.full(3, 2.0)),
            "erf_inv": lax.erf_inv(jnp.array([0.0, 0.5])),
            "chol": lax.linalg.cholesky(x @ x.T + jnp.eye(2)),
            "tri_solve": lax.linalg.triangular_solve(jnp.array([[2.0, 0.0], [1.0, 1.0]]),
                                                     jnp.array([[2.0, 3.0]]), lower=True),
            "conv_dn": lax.conv_general_dilated(lhs, rhs, (1, 1), "VALID",
                                                dimension_numbers=dn),
            "conv_transpose": lax.conv_transpose(lhs, rhs, (2, 2), "SAME",
                                                 dimension_numbers=("NHWC", "HWIO", "NHWC"))}


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


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_doc_program_matches_jax(name):
    fn, rtol, atol = PROGRAMS[name]
    expected = fn(JAX_NS)
    got = fn(FUNGRAD_NS)
    assert_same_results(got, expected, rtol=rtol, atol=atol, path=name)


def assert_same_results(got, expected, *, rtol, atol, path):
    """Same containers, then per leaf the same kind, shape, dtype and value."""
    if isinstance(expected, dict):
        assert isinstance(got, dict) and sorted(got) == sorted(expected), (path, got, expected)
        for k in expected:
            assert_same_results(got[k], expected[k], rtol=rtol, atol=atol, path=f"{path}[{k!r}]")
    elif isinstance(expected, (list, tuple)) and not _is_array(expected):
        assert isinstance(got, (list, tuple)) and len(got) == len(expected), (path, got,
                                                                             expected)
        for i, (g, e) in enumerate(zip(got, expected)):
            assert_same_results(g, e, rtol=rtol, atol=atol, path=f"{path}[{i}]")
    elif _is_array(expected):
        e, g = np.asarray(expected), np.asarray(got)
        assert g.shape == e.shape, (path, g.shape, e.shape)
        assert g.dtype == e.dtype, (path, g.dtype, e.dtype)
        if e.dtype.kind in "fc":
            np.testing.assert_allclose(g, e, rtol=rtol, atol=atol, equal_nan=True, err_msg=path)
        else:
            np.testing.assert_array_equal(g, e, err_msg=path)
    elif isinstance(expected, float):
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol, err_msg=path)
    else:
        assert got == expected, (path, got, expected)


def _is_array(x) -> bool:
    return hasattr(x, "shape") and hasattr(x, "dtype") and not isinstance(x, tuple)
