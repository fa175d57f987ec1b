"""Doc programs, fourth round: the transformation API pages' less common arguments
(has_aux, allow_int, argnums tuples, out_axes), custom derivative rules beyond the tutorial
(closure_convert, None cotangents, symbolic zeros), and jax.numpy's reference examples for
indexing helpers, nan-aware statistics, ranges and dtypes.

Each takes the namespace ``ns`` (tests/test_jax_doc_programs.py) and returns a pytree.
"""

from __future__ import annotations

import functools

from tests.jax_doc_programs.registry import program


@program()
def transform_arguments(ns):
    jax, jnp = ns.jax, ns.jnp

    def f(x, y):
        return jnp.sin(x) * y ** 2, {"aux": x + y}

    x, y = jnp.array([0.5, 1.0]), jnp.array([2.0, -1.0])
    out, f_vjp, aux = jax.vjp(f, x, y, has_aux=True)
    jvp_out = jax.jvp(lambda x: f(x, y), (x,), (jnp.ones(2),), has_aux=True)
    h = jax.hessian(lambda a, b: jnp.sum(a ** 2 * b ** 3), argnums=(0, 1))(x, y)
    int_grad = jax.grad(lambda x, n: x * n, argnums=(0, 1), allow_int=True)(2.0, 3)
    lin_out, lin = jax.linearize(lambda a, b: a * b + jnp.sin(a), x, y)
    t = jax.linear_transpose(lambda d: {"s": d["a"] + 2 * d["b"], "d": d["a"] - d["b"]},
                             {"a": 1.0, "b": 1.0})({"s": 1.0, "d": 3.0})
    return {"vjp": (out, f_vjp(jnp.ones(2)), aux), "jvp_aux": jvp_out,
            "hessian": h, "int_grad": (int_grad[0], int_grad[1].shape, str(int_grad[1].dtype)),
            "linearize": (lin_out, lin(jnp.ones(2), jnp.zeros(2))), "transpose": t,
            "jacfwd_tuple": jax.jacfwd(lambda x: (x ** 2, jnp.sum(x)))(x),
            "jacrev_argnums": jax.jacrev(lambda a, b: a * b, argnums=(0, 1))(x, y),
            "vmap_out_none": jax.vmap(lambda x: (x * 2, jnp.ones(3)), out_axes=(0, None))(x),
            "vmap_out_neg": jax.vmap(lambda x: jnp.stack([x, -x]), out_axes=-1)(
                jnp.ones((2, 3))),
            "vmap_none_leaf": jax.vmap(lambda d: d["a"] * 2)({"a": x, "b": None}),
            "grad_of_vmap_sum": jax.grad(lambda x: jnp.sum(jax.vmap(jnp.sin)(x)))(x),
            "value_and_grad_argnums": jax.value_and_grad(
                lambda a, b: jnp.sum(a * b), argnums=1)(x, y)}


@program()
def custom_rules_beyond_tutorial(ns):
    jax, jnp = ns.jax, ns.jnp

    @jax.custom_vjp
    def f(x, y):
        return x * y

    f.defvjp(lambda x, y: (x * y, (x, y)), lambda res, g: (g * res[1], None))

    @functools.partial(jax.custom_jvp, nondiff_argnums=(1,))
    def scaled(x, n):
        return x * n

    @scaled.defjvp
    def scaled_jvp(n, primals, tangents):
        (x,), (t,) = primals, tangents
        return scaled(x, n), t * n * 10.0

    def outer(w):
        def fun(x):
            return jnp.sin(x * w)

        converted, consts = jax.closure_convert(fun, 1.0)
        return converted(2.0, *consts)

    @jax.custom_jvp
    def safe_log(x):
        return jnp.log(x)

    safe_log.defjvp(lambda p, t: (safe_log(p[0]), t[0] / jnp.maximum(p[0], 1e-3)))

    @jax.custom_vjp
    def two_out(x):
        return x ** 2, jnp.cos(x)

    two_out.defvjp(lambda x: (two_out(x), x),
                   lambda x, g: (2 * x * g[0] - jnp.sin(x) * g[1],))

    return {"none_cotangent": jax.grad(f, (0, 1))(2.0, 3.0),
            "nondiff": jax.grad(lambda x: scaled(x, 3.0))(1.0),
            "closure_convert": jax.grad(outer)(0.5),
            "safe_log": jax.vmap(jax.grad(safe_log))(jnp.array([1e-6, 2.0])),
            "two_out": jax.grad(lambda x: two_out(x)[0] + two_out(x)[1])(0.7),
            "jacrev_custom": jax.jacrev(lambda x: jnp.stack(two_out(x)))(0.7),
            "jit_vmap_custom": jax.jit(jax.vmap(jax.grad(lambda x: f(x, x))))(
                jnp.arange(3.0)),
            "checkpoint_custom": jax.grad(jax.checkpoint(lambda x: f(x, 2.0) * x))(1.5)}


@program()
def numpy_indexing_helpers(ns):
    jax, jnp = ns.jax, ns.jnp
    x = jnp.array([[10.0, 30.0, 20.0], [60.0, 40.0, 50.0]])
    idx = jnp.array([[2], [0]])
    cond = [x < 25, x > 45]
    return {"take_wrap": jnp.take(x, jnp.array([4, -1]), mode="wrap"),
            "take_axis": jnp.take(x, jnp.array([2, 0]), axis=1),
            "take_along_bcast": jnp.take_along_axis(x, idx, axis=1),
            "put_along": jnp.put_along_axis(x, idx, -1.0, axis=1, inplace=False),
            "select": jnp.select(cond, [x * 0, x * 2], default=-1.0),
            "piecewise_jit": jax.jit(lambda v: jnp.piecewise(
                v, [v < 0, v >= 0], [lambda t: -t, lambda t: t ** 2]))(jnp.array([-2.0, 3.0])),
            "choose_clip": jnp.choose(jnp.array([0, 3, 1]), [jnp.arange(3), 10 + jnp.arange(3)],
                                      mode="clip"),
            "searchsorted_sorter": jnp.searchsorted(x[0], jnp.array([25.0]),
                                                    sorter=jnp.argsort(x[0])),
            "where_size": jax.jit(lambda v: jnp.where(v > 25, size=5, fill_value=-1))(x),
            "nonzero_fill": jnp.nonzero(x[0] > 15, size=3, fill_value=(7,)),
            "argwhere_size": jnp.argwhere(x > 35, size=4, fill_value=-1),
            "mask_indices": jnp.mask_indices(3, jnp.triu, 1),
            "triu_indices_from": jnp.triu_indices_from(jnp.ones((3, 3)), k=1),
            "diag_k": jnp.diag(jnp.arange(3.0), k=1), "diag_extract": jnp.diag(x, k=1),
            "grad_take_along": jax.grad(lambda x: jnp.sum(jnp.take_along_axis(
                x, idx, axis=1) ** 2))(x)}


@program()
def numpy_nan_stats_and_ranges(ns):
    jnp = ns.jnp
    n = jnp.array([[1.0, jnp.nan, 3.0], [4.0, 5.0, jnp.nan]])
    return {"nanmedian": jnp.nanmedian(n, axis=1), "nanpercentile": jnp.nanpercentile(n, 50),
            "nanquantile": jnp.nanquantile(n, jnp.array([0.25, 0.75]), axis=0),
            "nanstd": jnp.nanstd(n, axis=1), "nanvar": jnp.nanvar(n, ddof=1),
            "nanprod": jnp.nanprod(n, axis=0), "nansum": jnp.nansum(n, keepdims=True),
            "nanmin": jnp.nanmin(n, axis=0), "nancumprod": jnp.nancumprod(n, axis=1),
            "cumulative_prod": jnp.cumulative_prod(jnp.arange(1.0, 5.0), include_initial=True),
            "diff2": jnp.diff(jnp.arange(6.0) ** 2, n=2, append=jnp.array([30.0])),
            "logspace": jnp.logspace(0, 2, 3), "geomspace": jnp.geomspace(1, 1000, 4),
            "linspace_step": jnp.linspace(0, 1, 4, endpoint=False, retstep=True),
            "arange_dtype": jnp.arange(0, 1, 0.25, dtype=jnp.float32),
            "full_like": jnp.full_like(jnp.arange(3), 7.5), "identity": jnp.identity(2),
            "iinfo": (int(jnp.iinfo(jnp.int16).max), int(jnp.iinfo(jnp.uint8).min)),
            "finfo": (float(jnp.finfo(jnp.float32).eps), float(jnp.finfo(jnp.float16).max)),
            "issubdtype": [jnp.issubdtype(jnp.float32, jnp.floating),
                           jnp.issubdtype(jnp.int8, jnp.integer),
                           jnp.issubdtype(jnp.complex64, jnp.inexact)],
            "can_cast": jnp.can_cast(jnp.int32, jnp.float64),
            "uint8_wrap": jnp.array([250, 5], jnp.uint8) + jnp.uint8(10),
            "int8_neg": -jnp.array([-128], jnp.int8),
            "f16": (jnp.array([1.0], jnp.float16) + 1.0).dtype == jnp.float16,
            "complex_ops": [jnp.sqrt(jnp.array([-4.0 + 0j])), jnp.abs(3.0 + 4.0j),
                            jnp.conj(1.0 + 2.0j), jnp.exp(1j * jnp.pi / 2).imag],
            "correlate": jnp.correlate(jnp.array([1.0, 2.0, 3.0]), jnp.array([0.0, 1.0]),
                                       mode="full"),
            "interp_period": jnp.interp(jnp.array([-1.0, 7.0]), jnp.arange(4.0),
                                        jnp.array([0.0, 1.0, 4.0, 9.0]), period=6.0)}
