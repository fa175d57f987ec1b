"""Doc programs: the Examples sections of JAX's API reference pages (jax.grad, jax.vmap,
jax.jacrev, jax.hessian, jax.lax.associative_scan, jax.numpy.ndarray.at, jax.numpy's
everyday functions) and the meta-learning and Newton examples of the advanced autodiff
guide.

Each takes the namespace ``ns`` (tests/test_jax_doc_programs.py) and returns a pytree.
"""

from __future__ import annotations

from tests.jax_doc_programs.registry import program


@program()
def api_transform_docstrings(ns):
    jax, jnp = ns.jax, ns.jnp

    def f(x):
        return jnp.asarray([x[0], 5 * x[2], 4 * x[1] ** 2 - 2 * x[2], x[2] * jnp.sin(x[0])])

    def g(x):
        return x[0] ** 3 - 2 * x[0] * x[1] - x[1] ** 6

    vv = lambda x, y: jnp.vdot(x, y)  # noqa: E731 (the doc's names)
    mv = jax.vmap(vv, (0, None), 0)
    mm = jax.vmap(mv, (None, 1), 1)
    A, B = jnp.arange(6.0).reshape(2, 3), jnp.arange(12.0).reshape(3, 4)
    x = jnp.array([1.0, 2.0, 3.0])
    y, f_jvp = jax.linearize(jnp.sin, 0.1)
    primals, f_vjp = jax.vjp(lambda x, y: (jnp.sin(x), jnp.cos(y)), 0.5, 1.0)
    return {"grad_tanh": jax.grad(jnp.tanh)(0.2), "jacrev": jax.jacrev(f)(x),
            "jacfwd": jax.jacfwd(f)(x), "hessian": jax.hessian(g)(jnp.array([1.0, 2.0])),
            "mv": mv(A, x), "mm": mm(A, B), "jvp": jax.jvp(jnp.sin, (0.1,), (0.2,)),
            "linearize": (y, f_jvp(0.2), jax.jit(f_jvp)(1.0)),
            "vjp": (primals, f_vjp((-0.2, 1.0))),
            "jacobian": jax.jacobian(lambda x: x ** 3)(x),
            "vmap_tuple_axes": jax.vmap(lambda a: a[0] + a[1].sum(0), in_axes=((0, 1),))(
                (jnp.arange(3.0), jnp.ones((2, 3)))),
            "grad_argnums_dict": jax.grad(lambda d, s: jnp.sum(d["u"] * s), argnums=(0, 1))(
                {"u": x}, 2.0)}


@program()
def api_associative_scan(ns):
    jax, jnp, lax = ns.jax, ns.jnp, ns.lax
    x = jnp.arange(0.0, 6.0)

    def affine(a, b):
        # composition of x -> a0 * x + a1 then x -> b0 * x + b1, elementwise over the axis
        return a[0] * b[0], b[0] * a[1] + b[1]

    coeffs = (jnp.array([0.5, 2.0, 1.0, 0.25]), jnp.array([1.0, -1.0, 3.0, 0.5]))
    m = jnp.arange(12.0).reshape(3, 4)
    return {"sum": lax.associative_scan(jnp.add, jnp.arange(0, 4)),
            "reverse": lax.associative_scan(jnp.add, x, reverse=True),
            "max": lax.associative_scan(jnp.maximum, jnp.array([1.0, 3.0, 2.0, 5.0, 4.0])),
            "axis": lax.associative_scan(jnp.multiply, m + 1, axis=1),
            "pytree": lax.associative_scan(affine, coeffs),
            "grad": jax.grad(lambda x: jnp.sum(lax.associative_scan(jnp.multiply, x)))(x + 1),
            "jit": jax.jit(lambda x: lax.associative_scan(jnp.add, x))(x),
            "vmap": jax.vmap(lambda r: lax.associative_scan(jnp.add, r))(m)}


@program()
def api_at_property_examples(ns):
    jax, jnp = ns.jax, ns.jnp
    x = jnp.arange(5.0)
    m = jnp.zeros((3, 4))
    rows, cols = jnp.array([0, 2, 2]), jnp.array([1, 3, 3])
    return {"set_sorted": x.at[jnp.array([1, 3])].set(10.0, indices_are_sorted=True,
                                                      unique_indices=True),
            "fill_nan": x.at[10].get(mode="fill", fill_value=jnp.nan),
            "multi": m.at[rows, cols].add(1.0), "slice_2d": m.at[1:, ::2].set(5.0),
            "mask": x.at[x > 2].set(0.0), "ellipsis": m.at[..., 0].set(-1.0),
            "newaxis_get": x.at[None, 1:3].get(), "negative_step": x.at[::-1].set(x),
            "broadcast_set": m.at[:, 1].set(jnp.array([1.0, 2.0, 3.0])),
            "grad_scatter": jax.grad(lambda v: jnp.sum(m.at[rows, cols].add(v) ** 2))(
                jnp.array([1.0, 2.0, 3.0])),
            "vmap_set": jax.vmap(lambda r, i: r.at[i].set(1.0))(m, jnp.array([0, 1, 3])),
            "int_power": jnp.arange(4).at[2].power(3),
            "jit_mask": jax.jit(lambda x: x.at[jnp.where(x > 2, size=2)].set(0.0))(x)}


@program()
def api_indexing_forms(ns):
    jax, jnp = ns.jax, ns.jnp
    x = jnp.arange(24.0).reshape(2, 3, 4)
    idx = jnp.array([2, 0])
    return {"newaxis": x[None, ..., 1].shape, "steps": x[:, ::-1, 1::2],
            "fancy": x[:, idx], "fancy2": x[jnp.array([0, 1]), jnp.array([2, 0])],
            "mixed": x[1, :, jnp.array([3, 0])], "bool": x[x[..., 0] > 8],
            "scalar_array": x[jnp.array(1)], "list": x[:, [0, 2]],
            "jit": jax.jit(lambda x, i: x[i, ::2, -1])(x, 1),
            "grad": jax.grad(lambda x: jnp.sum(x[:, idx] ** 2))(x),
            "vmap": jax.vmap(lambda v, i: v[:, i])(x, jnp.array([3, 1])),
            "dynamic_slice": jax.jit(lambda i: jax.lax.dynamic_slice_in_dim(x, i, 2, axis=2))(1)}


@program()
def api_numpy_examples_reductions(ns):
    jnp = ns.jnp
    x = jnp.array([[1.0, 5.0, 2.0], [4.0, 3.0, 6.0]])
    w = jnp.array([1.0, 2.0, 3.0])
    mask = jnp.array([[True, False, True], [False, True, True]])
    n = jnp.array([1.0, jnp.nan, 3.0, 2.0])
    return {"average": jnp.average(x, axis=1, weights=w, returned=True),
            "median": jnp.median(x, axis=0), "percentile": jnp.percentile(x, 25),
            "quantile": jnp.quantile(x, jnp.array([0.1, 0.9]), axis=1, method="nearest"),
            "nanmean": jnp.nanmean(n), "nanmax": jnp.nanmax(n), "nanargmin": jnp.nanargmin(n),
            "nancumsum": jnp.nancumsum(n), "ptp": jnp.ptp(x, axis=1),
            "sum_where": jnp.sum(x, where=mask), "max_initial": jnp.max(x, axis=1, initial=5.5),
            "mean_where": jnp.mean(x, axis=0, where=mask),
            "argmax_keepdims": jnp.argmax(x, axis=1, keepdims=True),
            "count_nonzero": jnp.count_nonzero(x > 2, axis=0),
            "cumprod": jnp.cumprod(x, axis=1), "cumulative_sum": jnp.cumulative_sum(
                x, axis=1, include_initial=True),
            "corrcoef": jnp.corrcoef(x), "cov": jnp.cov(x, rowvar=False),
            "all_any": (jnp.all(x > 0, axis=1), jnp.any(x > 5, axis=0)),
            "std_ddof": jnp.std(x, ddof=1), "var_axis": jnp.var(x, axis=1, keepdims=True)}


@program()
def api_numpy_examples_shapes(ns):
    jnp = ns.jnp
    a = jnp.arange(6).reshape(2, 3)
    x = jnp.array([1, 2, 3, 4, 5])
    return {"rot90": jnp.rot90(a), "flip": jnp.flip(a, axis=1), "moveaxis": jnp.moveaxis(
                jnp.ones((2, 3, 4)), 0, -1).shape, "broadcast_to": jnp.broadcast_to(x, (2, 5)),
            "atleast": [jnp.atleast_2d(1.0).shape, jnp.atleast_3d(x).shape],
            "block": jnp.block([[a, a], [a, a]]), "column_stack": jnp.column_stack([x, x]),
            "array_split": jnp.array_split(x, 3), "delete": jnp.delete(x, jnp.array([0, 2])),
            "insert": jnp.insert(x, 2, 99), "append": jnp.append(a, a, axis=0),
            "trim_zeros": jnp.trim_zeros(jnp.array([0, 0, 1, 2, 0])),
            "resize": jnp.resize(x, (2, 4)), "expand": jnp.expand_dims(x, (0, 2)).shape,
            "unstack": jnp.unstack(a), "permute_dims": jnp.permute_dims(jnp.ones((2, 3, 4)),
                                                                        (2, 0, 1)).shape,
            "swapaxes": jnp.swapaxes(a, 0, 1), "indices": jnp.indices((2, 2)),
            "ix": a[jnp.ix_(jnp.array([0, 1]), jnp.array([2, 0]))],
            "unravel": jnp.unravel_index(jnp.array([1, 5]), (2, 3)),
            "ravel_multi": jnp.ravel_multi_index((jnp.array([0, 1]), jnp.array([2, 1])), (2, 3)),
            "tril_indices": jnp.tril_indices(3), "diag_indices": jnp.diag_indices(2),
            "diagonal": jnp.diagonal(jnp.arange(9).reshape(3, 3), offset=1),
            "fill_diagonal": jnp.fill_diagonal(jnp.zeros((3, 3)), 2.0, inplace=False),
            "put": jnp.put(jnp.zeros(5), jnp.array([0, 3]), 1.0, inplace=False),
            "vander": jnp.vander(jnp.array([1, 2, 3])), "diagflat": jnp.diagflat(
                jnp.array([1, 2])), "tri": jnp.tri(3, k=-1, dtype=jnp.float32)}


@program()
def api_numpy_examples_sets_and_sorting(ns):
    jax, jnp = ns.jax, ns.jnp
    x = jnp.array([3, 1, 4, 1, 5, 9, 2, 6, 5])
    y = jnp.array([1, 5, 7])
    vals, counts = jnp.unique(x, return_counts=True)
    return {"unique_counts": (vals, counts), "unique_inverse": jnp.unique(
                x, return_inverse=True)[1],
            "unique_values": jnp.unique_values(y), "union": jnp.union1d(x, y),
            "intersect": jnp.intersect1d(x, y, return_indices=True),
            "setdiff": jnp.setdiff1d(x, y), "setdiff_size": jnp.setdiff1d(x, y, size=8,
                                                                          fill_value=-1),
            "isin": jnp.isin(x, y), "lexsort": jnp.lexsort((jnp.arange(9), x)),
            "argsort_desc": jnp.argsort(x, descending=True, stable=True),
            "sort_desc": jnp.sort(x, descending=True), "searchsorted_right": jnp.searchsorted(
                jnp.sort(x), jnp.array([1, 5]), side="right"),
            "digitize": jnp.digitize(jnp.array([0.5, 1.5, 3.0]), jnp.array([1.0, 2.0, 3.0])),
            "bincount": jnp.bincount(x, length=10), "bincount_w": jnp.bincount(
                jnp.array([0, 1, 1]), weights=jnp.array([0.5, 1.0, 2.0])),
            "histogram2d": jnp.histogram2d(jnp.array([0.1, 0.5, 0.9]), jnp.array([0.2, 0.8, 0.4]),
                                           bins=2),
            "jit_unique": jax.jit(lambda x: jnp.unique(x, size=4, return_counts=True))(x),
            "extract": jnp.extract(x > 4, x), "compress": jnp.compress(
                jnp.array([True, False, True]), jnp.arange(6).reshape(3, 2), axis=0),
            "argwhere": jnp.argwhere(x > 5), "flatnonzero": jnp.flatnonzero(x == 5)}


@program()
def api_numpy_examples_math(ns):
    jax, jnp = ns.jax, ns.jnp
    x = jnp.array([-2.5, -0.5, 0.0, 1.5, 3.0])
    i = jnp.array([12, 18, 7])
    return {"heaviside": jnp.heaviside(x, 0.5), "sinc": jnp.sinc(x),
            "nan_to_num": jnp.nan_to_num(jnp.array([jnp.nan, jnp.inf, -jnp.inf, 1.0]),
                                         posinf=9.0),
            "modf": jnp.modf(x), "frexp": jnp.frexp(jnp.array([8.0, 0.75])),
            "ldexp": jnp.ldexp(jnp.array([1.0, 3.0]), jnp.array([2, -1])),
            "trunc": jnp.trunc(x), "round": jnp.round(jnp.array([1.2345, 2.5, -0.5]), 2),
            "rint": jnp.rint(x), "copysign": jnp.copysign(2.0, x), "signbit": jnp.signbit(x),
            "float_power": jnp.float_power(jnp.array([2, 3]), 2),
            "gcd": jnp.gcd(i, 8), "lcm": jnp.lcm(i, 8), "cbrt": jnp.cbrt(jnp.array([8.0, -27.0])),
            "logaddexp": jnp.logaddexp(x, 1.0), "logaddexp2": jnp.logaddexp2(x, 1.0),
            "shifts": (jnp.left_shift(i, 2), jnp.right_shift(i, 1), jnp.bitwise_xor(i, 5),
                       jnp.invert(jnp.array([0, 5], dtype=jnp.uint8))),
            "packbits": jnp.packbits(jnp.array([1, 0, 1, 1, 0, 0, 0, 1], dtype=jnp.uint8)),
            "unpackbits": jnp.unpackbits(jnp.array([5], dtype=jnp.uint8)),
            "unwrap": jnp.unwrap(jnp.array([0.0, 3.0, 6.5, 9.8])),
            "angle": jnp.angle(jnp.array([1j, -1.0 + 0j]), deg=True),
            "ediff1d": jnp.ediff1d(x, to_begin=jnp.array([9.0])),
            "gradient": jnp.gradient(x ** 2), "gradient_spacing": jnp.gradient(x ** 2, 0.5),
            "trapezoid": jnp.trapezoid(x ** 2, dx=0.5), "i0": jnp.i0(x),
            "grad_sinc": jax.grad(lambda x: jnp.sum(jnp.sinc(x)))(x)}


@program()
def api_numpy_examples_products(ns):
    jax, jnp = ns.jax, ns.jnp
    a = jnp.arange(6.0).reshape(2, 3)
    b = jnp.arange(12.0).reshape(3, 4)
    v = jnp.array([1.0, -1.0, 2.0])
    return {"tensordot": jnp.tensordot(a, b, axes=1), "tensordot_axes": jnp.tensordot(
                a, a, axes=([1], [1])), "inner": jnp.inner(a, a), "kron": jnp.kron(
                jnp.eye(2), a), "vecdot": jnp.vecdot(a, v), "matvec": jnp.matvec(a, v),
            "vecmat": jnp.vecmat(jnp.array([1.0, 2.0]), a), "matmul_batch": jnp.matmul(
                jnp.stack([a, a]), b).shape, "einsum_batch": jnp.einsum("bij,jk->bik",
                                                                      jnp.stack([a, -a]), b),
            "einsum_ellipsis": jnp.einsum("...j,j->...", a, v),
            "einsum_outer": jnp.einsum("i,j->ij", v, v), "einsum_optimize": jnp.einsum(
                "ij,jk,kl->il", a, b, b.T, optimize="greedy"),
            "dot_scalar": jnp.dot(2.0, a), "vdot": jnp.vdot(a, a),
            "linalg_outer": jnp.linalg.outer(v, v), "linalg_vecdot": jnp.linalg.vecdot(a, v),
            "matrix_transpose": jnp.linalg.matrix_transpose(jnp.stack([a, a])).shape,
            "grad_einsum": jax.grad(lambda a: jnp.einsum("ij,jk->", a, b))(a),
            "polyfit": jnp.polyfit(jnp.arange(5.0), jnp.arange(5.0) ** 2, 2),
            "polyder": jnp.polyder(jnp.array([1.0, 2.0, 3.0])),
            "polyint": jnp.polyint(jnp.array([3.0, 2.0])), "polymul": jnp.polymul(
                jnp.array([1.0, 1.0]), jnp.array([1.0, -1.0])),
            "poly": jnp.poly(jnp.array([1.0, 2.0]))}


@program()
def advanced_autodiff_maml_and_newton(ns):
    jax, jnp = ns.jax, ns.jnp

    def loss(params, x):
        return jnp.sum((jnp.tanh(x @ params["w"]) - 0.5) ** 2) + jnp.sum(params["b"] ** 2)

    def inner_update(params, x, lr=0.1):
        grads = jax.grad(loss)(params, x)
        return jax.tree.map(lambda p, g: p - lr * g, params, grads)

    def maml_loss(params, x_train, x_test):
        return loss(inner_update(params, x_train), x_test)

    params = {"w": jnp.array([[0.5, -0.3], [0.1, 0.8]]), "b": jnp.array([0.1, -0.2])}
    xa = jnp.array([[1.0, 2.0], [0.5, -1.0]])
    xb = jnp.array([[0.0, 1.0], [2.0, 0.5]])

    def f(x):
        return jnp.sum(jnp.exp(x) - 2 * x) + 0.5 * jnp.sum(x ** 2) * x[0]

    x = jnp.array([0.3, -0.2])
    for _ in range(4):
        x = x - jnp.linalg.solve(jax.hessian(f)(x), jax.grad(f)(x))
    return {"maml": jax.grad(maml_loss)(params, xa, xb),
            "maml_jit": jax.jit(jax.value_and_grad(maml_loss))(params, xa, xb),
            "maml_tasks": jax.vmap(jax.grad(maml_loss), in_axes=(None, 0, 0))(
                params, jnp.stack([xa, xb]), jnp.stack([xb, xa])),
            "newton": x, "grad_at_min": jax.grad(f)(x)}
