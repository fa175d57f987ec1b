"""Doc programs: The jax.lax reference, jax.numpy (linalg, fft, everyday functions),
checkpointing, debug printing and external callbacks.

Each takes the namespace ``ns`` (tests/test_jax_doc_programs.py) and returns a pytree.
"""

from __future__ import annotations

import contextlib
import io

import numpy as np

from tests.jax_doc_programs.registry import fixed_normal, program


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


@program(rtol=1e-9)
def numpy_linalg_batched_and_eig(ns):
    jax, jnp = ns.jax, ns.jnp
    la = jnp.linalg
    As = jnp.stack([jnp.eye(3) * 2 + 0.1 * jnp.arange(9.0).reshape(3, 3),
                    jnp.array([[3.0, 1.0, 0.0], [1.0, 2.0, 0.5], [0.0, 0.5, 1.0]])])
    bs = jnp.array([[1.0, 2.0, 3.0], [0.0, -1.0, 1.0]])
    nonsym = jnp.array([[2.0, 1.0], [0.5, 3.0]])
    w = la.eigvals(nonsym)
    return {"solve": la.solve(As, bs[..., None])[..., 0], "det": la.det(As),
            "inv": la.inv(As), "norm_axis": la.norm(bs, axis=1),
            "vector_norm": la.vector_norm(bs, ord=jnp.inf, axis=-1),
            "matrix_norm": la.matrix_norm(As), "multi_dot": la.multi_dot([As[0], As[1], As[0]]),
            "eigvals": jnp.sort_complex(w), "svd": la.svd(As, compute_uv=False),
            "cross": jnp.cross(bs[0], bs[1]), "matmul": jnp.matmul(As, bs[..., None]),
            "vmap_grad_det": jax.vmap(jax.grad(la.det))(As),
            "slogdet": la.slogdet(As)}


@program()
def checkpoint_in_scan(ns):
    jax, jnp, lax = ns.jax, ns.jnp, ns.lax
    W = jnp.asarray(fixed_normal(50, (3, 3))) * 0.5

    def body(h, x):
        h = jnp.tanh(W @ h + x)
        return h, jnp.sum(h ** 2)

    xs = jnp.asarray(fixed_normal(51, (8, 3)))

    def loss(W_scale, body_fn):
        h, ys = lax.scan(lambda h, x: body_fn(h * W_scale, x), jnp.ones(3), xs)
        return jnp.sum(h) + jnp.sum(ys)

    return [jax.grad(loss)(1.0, body), jax.grad(loss)(1.0, jax.checkpoint(body)),
            jax.grad(loss)(0.7, jax.checkpoint(body, prevent_cse=False)),
            jax.jit(jax.grad(lambda s: loss(s, jax.remat(body))))(0.9)]
