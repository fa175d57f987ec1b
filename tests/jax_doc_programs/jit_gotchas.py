"""Doc programs: "Just-in-time compilation", "Common gotchas", "Thinking in JAX", stateful
computations and jax.Array basics.

Each takes the namespace ``ns`` (tests/test_jax_doc_programs.py) and returns a pytree.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np

from tests.jax_doc_programs.registry import fixed_normal, program


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
            jax.jit(selu)(x - 3), jax.jit(lambda x: x.shape[0] * x)(x),
            jax.jit(lambda x, *, scale: x * scale)(x, scale=2.0),
            jax.jit(lambda x, *, neg: f(x, neg), static_argnames="neg")(x, neg=True)]


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
def thinking_in_jax_convolutions(ns):
    jnp, lax = ns.jnp, ns.lax
    x = jnp.linspace(0, 10, 12)
    y = jnp.array([1.0, 2.0, 1.0]) / 4
    # README, "Where fungrad differs": conv_general_dilated's default layout is fungrad's
    # NHWC, so the doc's 1-D lax convolution names JAX's NCH layout.
    conv = lax.conv_general_dilated(x[None, None, :], y[None, None, :], window_strides=(1,),
                                    padding=[(len(y) - 1, len(y) - 1)],
                                    dimension_numbers=("NCH", "OIH", "NCH"))
    z = jnp.arange(10)
    return {"jnp": jnp.convolve(x, y), "lax": conv[0, 0], "same": jnp.convolve(x, y, "same"),
            "updated": (z.at[0].set(10), z), "immutable_copy": jnp.array(z).sum(),
            "signal": ns.scipy.signal.convolve(x, y, mode="valid"),
            "signal2d": ns.scipy.signal.convolve2d(jnp.eye(3), jnp.ones((2, 2)))}
