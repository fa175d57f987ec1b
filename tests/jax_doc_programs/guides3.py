"""Doc programs, third round: transforms composed with control flow (the lax.scan and
control-flow API pages, the autodiff guide's loops), the jit API (lower/compile, disable_jit,
ensure_compile_time_eval), callbacks, jax.random's API forms, jax.nn extras and the
jax.scipy reference examples.

Each takes the namespace ``ns`` (tests/test_jax_doc_programs.py) and returns a pytree.
"""

from __future__ import annotations

import numpy as np

from tests.jax_doc_programs.registry import fixed_normal, program


@program()
def scan_transform_compositions(ns):
    jax, jnp, lax = ns.jax, ns.jnp, ns.lax
    xs = {"a": jnp.arange(5.0), "b": jnp.arange(10.0).reshape(5, 2)}

    def f(c, x):
        c = jnp.sin(c) * x["a"] + jnp.sum(x["b"])
        return c, {"c": c, "sq": c ** 2}

    def loss(c0, w):
        c, ys = lax.scan(lambda c, x: f(c * w, x), c0, xs)
        return c + jnp.sum(ys["sq"]) * 0.01

    y, f_jvp = jax.linearize(lambda w: loss(0.5, w), 0.9)
    return {"scan": lax.scan(f, 0.1, xs), "grad": jax.grad(loss, (0, 1))(0.5, 0.9),
            "linearize": (y, f_jvp(1.0)), "hessian": jax.hessian(loss, 1)(0.5, 0.9),
            "jacfwd": jax.jacfwd(lambda c: lax.scan(f, c, xs)[1]["c"])(0.3),
            "vmap_carry": jax.vmap(lambda c: lax.scan(f, c, xs)[0])(jnp.array([0.1, 0.2])),
            "vmap_xs": jax.vmap(lambda a: lax.scan(f, 0.1, {"a": a, "b": xs["b"]})[0],
                                in_axes=1)(jnp.stack([xs["a"], -xs["a"]], 1)),
            "unroll_true": lax.scan(f, 0.1, xs, unroll=True)[0],
            "int_carry": lax.scan(lambda c, x: ((c[0] + 1, c[1] + x), c[0]), (0, 0.0),
                                  jnp.arange(3.0)),
            "nested": jax.jit(jax.grad(lambda w: lax.scan(
                lambda c, _: (lax.scan(lambda d, _: (d * w + 1.0, None), c, None,
                                       length=3)[0], None), 1.0, None, length=2)[0]))(0.5),
            "reverse_grad": jax.grad(lambda w: jnp.sum(lax.scan(
                lambda c, x: (c * w + x, c), 0.0, xs["a"], reverse=True)[1]))(0.7)}


@program()
def loops_and_cond_compositions(ns):
    jax, jnp, lax = ns.jax, ns.jnp, ns.lax

    def f(x):
        return lax.cond(x > 0, lambda x: {"v": x ** 3}, lambda x: {"v": jnp.sin(x)}, x)["v"]

    def newton_sqrt(a):
        return lax.while_loop(lambda c: jnp.abs(c[1] ** 2 - a) > 1e-12,
                              lambda c: (c[0] + 1, 0.5 * (c[1] + a / c[1])), (0, a))

    def poly(x):
        return lax.fori_loop(0, 4, lambda i, acc: acc * x + i, 0.0)

    xs = jnp.array([-1.0, 0.5, 2.0])
    return {"vmap_grad_cond": jax.vmap(jax.grad(f))(xs),
            "jacrev_cond": jax.jacrev(lambda x: jax.vmap(f)(x))(xs),
            "jvp_while": jax.jvp(lambda a: newton_sqrt(a)[1], (2.0,), (1.0,)),
            "jit_jvp_while": jax.jit(lambda a: jax.jvp(lambda a: newton_sqrt(a)[1], (a,),
                                                       (1.0,)))(3.0),
            "vmap_while": jax.vmap(newton_sqrt)(jnp.array([2.0, 9.0, 0.25])),
            "fori_grad2": jax.grad(jax.grad(poly))(1.5),
            "fori_vmap_jit": jax.jit(jax.vmap(poly))(xs),
            "fori_traced_bound": jax.jit(lambda n, x: lax.fori_loop(
                0, n, lambda i, acc: acc + x * i, 0.0))(4, 2.0),
            "switch_grad_vmap": jax.vmap(jax.grad(lambda i, x: lax.switch(
                i, [jnp.sin, jnp.cos, lambda x: x ** 2], x), argnums=1))(
                jnp.array([0, 1, 2]), xs),
            "cond_jit_pytree": jax.jit(lambda p, x: lax.cond(
                p, lambda a, b: (a + b, a * b), lambda a, b: (a - b, a / b), x, 2.0))(False,
                                                                                  3.0),
            "map_grad": jax.grad(lambda x: jnp.sum(lax.map(lambda v: jnp.sin(v) * v, x)))(xs)}


@program()
def jit_api_surface(ns):
    jax, jnp = ns.jax, ns.jnp

    def f(x, y):
        return jnp.dot(x, y) + 1.0

    x = jnp.arange(6.0).reshape(2, 3)
    y = jnp.ones((3, 2))
    # README, "Where fungrad differs": `lower(...).compile()` is the flat program (array
    # leaves in, a list of output leaves out), so the AOT guide's `compiled(x, y)` is left out;
    # `lower` itself is the same call.
    lowered = jax.jit(f).lower(x, y)
    with jax.disable_jit():
        eager = jax.jit(lambda v: v * 2)(x)

    @jax.jit
    def g(v):
        with jax.ensure_compile_time_eval():
            table = jnp.arange(3.0) ** 2
        return v * table[2]

    named = jax.named_call(lambda v: v + 1, name="plus_one")
    shape = jax.eval_shape(f, x, y)
    return {"lowered": hasattr(lowered, "compile"), "eager": eager, "ensure": g(x),
            "named": jax.jit(named)(x), "eval_shape": (shape.shape, str(shape.dtype)),
            "donate": jax.jit(lambda v: v + 1, donate_argnums=0)(jnp.arange(3.0)),
            "static_kw": jax.jit(lambda v, n=2: v ** n, static_argnames="n")(x, n=3),
            "returns_none": jax.jit(lambda v: (v, None))(x)[1] is None,
            "python_scalars": jax.jit(lambda: (1, 2.0, True))(),
            "pytree_out": jax.jit(lambda v: {"s": v.sum(), "t": (v.T, [v[0]])})(x)}


@program()
def callbacks_and_vectorize(ns):
    jax, jnp = ns.jax, ns.jnp
    seen = []

    def host_log(x):
        seen.append(np.asarray(x).tolist())

    def f(x):
        jax.debug.callback(host_log, x)
        return jax.pure_callback(lambda v: np.cumsum(v, axis=-1),
                                 jax.ShapeDtypeStruct(x.shape, x.dtype), x,
                                 vmap_method="broadcast_all")

    x = jnp.arange(6.0).reshape(2, 3)
    out = [jax.jit(f)(x[0]), jax.vmap(f)(x)]
    jax.effects_barrier()
    interp = jnp.vectorize(jnp.interp, signature="(m),(n),(n)->(m)")
    excluded = jnp.vectorize(lambda a, n: a ** n, excluded={1})
    return {"out": out, "seen": sorted(map(str, seen)),
            "interp": interp(jnp.array([[0.5, 1.5], [2.5, 0.0]]), jnp.arange(4.0),
                             jnp.array([[0.0, 1.0, 4.0, 9.0], [1.0, 1.0, 0.0, 0.0]])),
            "excluded": excluded(jnp.arange(3.0), 2),
            "expand_dims": jax.vmap(lambda v: jax.pure_callback(
                np.sin, jax.ShapeDtypeStruct(v.shape, v.dtype), v,
                vmap_method="expand_dims"))(x),
            "apply_along": jnp.apply_along_axis(lambda r: r[::-1] * 2, 1, x),
            "apply_over": jnp.apply_over_axes(jnp.sum, jnp.ones((2, 3, 4)), [0, 2])}


@program()
def random_api_forms(ns):
    jax, jnp, random = ns.jax, ns.jnp, ns.random
    key = random.PRNGKey(5)
    grid = random.split(key, (2, 3))
    k1, k2, k3, k4, k5, k6 = random.split(key, 6)
    ints = random.randint(k1, (1000,), jnp.array([0, 10]).reshape(2, 1)[0],
                          jnp.array([5, 20]).reshape(2, 1)[0])
    rows = random.randint(k6, (2, 500), jnp.array([[0], [10]]), jnp.array([[5], [20]]))
    picked = random.choice(k2, jnp.arange(12).reshape(4, 3), (2,), replace=False, axis=1)
    perm = random.permutation(k3, jnp.arange(12).reshape(3, 4), axis=1, independent=True)
    logits = jnp.array([[0.0, 0.0, -jnp.inf], [-jnp.inf, -jnp.inf, 0.0]])
    cat = random.categorical(k4, logits, axis=-1, shape=(5, 2))
    cnormal = random.normal(k5, (4,), dtype=jnp.complex128)
    return {"grid": grid.shape, "ints": [int(jnp.min(ints)) >= 0, int(jnp.max(ints)) < 5],
            "rows": [bool(jnp.all((rows[0] >= 0) & (rows[0] < 5))),
                     bool(jnp.all((rows[1] >= 10) & (rows[1] < 20)))],
            "picked": (picked.shape, jnp.sort(picked[0] % 3)[0] >= 0),
            "perm_rows_sorted": jnp.sort(perm, axis=1), "cat": (cat.shape, cat[:, 1]),
            "cat_first": bool(jnp.all(cat[:, 0] < 2)),
            "complex": (cnormal.shape, str(cnormal.dtype)),
            "bernoulli_p": random.bernoulli(k1, jnp.array([0.0, 1.0]), (3, 2)),
            "uniform_f32": str(random.uniform(k2, (2,), dtype=jnp.float32).dtype),
            "vmap_split": jax.vmap(random.split)(random.split(key, 3)).shape,
            "vmap_fold": jax.vmap(random.fold_in, (None, 0))(key, jnp.arange(4)).shape}


@program()
def nn_more_examples(ns):
    jax, jnp, nn = ns.jax, ns.jnp, ns.nn
    x = jnp.array([[-3.0, -1.0, 0.0], [0.5, 2.0, 4.0]])
    return {"squareplus": nn.squareplus(x), "hard_swish": nn.hard_swish(x),
            "hard_sigmoid": nn.hard_sigmoid(x), "soft_sign": nn.soft_sign(x),
            "hard_silu": nn.hard_silu(x), "log_softmax_where": nn.log_softmax(
                x, where=x > -2), "softmax_tuple_axis": nn.softmax(x, axis=(0, 1)),
            "logsumexp_sign": nn.logsumexp(x, axis=1, b=jnp.array([1.0, -1.0, 1.0]),
                                           return_sign=True),
            "standardize_var": nn.standardize(x, axis=1, variance=jnp.array([[4.0], [1.0]])),
            "one_hot_int": nn.one_hot(jnp.array([1, 0]), 3, dtype=jnp.int32),
            "one_hot_oob": nn.one_hot(jnp.array([3, -1]), 3),
            "grad_elu": jax.vmap(jax.grad(nn.elu))(x[0]),
            "grad_softplus": jax.grad(lambda x: jnp.sum(nn.softplus(x)))(x),
            "relu_jvp": jax.jvp(nn.relu, (jnp.array([0.0, 1.0]),), (jnp.ones(2),))}


# README, "Where fungrad differs": "`nn.dot_product_attention` takes its softmax in the
# inputs' dtype (JAX always uses float32)", so float64 attention agrees to float32 precision.
@program(rtol=1e-5, atol=1e-6)
def nn_attention_mask_and_scale(ns):
    jax, jnp, nn = ns.jax, ns.jnp, ns.nn
    q = jnp.asarray(fixed_normal(80, (1, 3, 2, 4)))
    k = jnp.asarray(fixed_normal(81, (1, 5, 1, 4)))
    mask = jnp.tril(jnp.ones((3, 3), dtype=bool))[None, None]
    two = jnp.array([2], jnp.int32)
    return {"mask_scale": nn.dot_product_attention(q, q, q, mask=mask, scale=0.5),
            "gqa": nn.dot_product_attention(q, k, k),
            "lengths": nn.dot_product_attention(q, q, q, query_seq_lengths=two,
                                                key_value_seq_lengths=two),
            "grad": jax.grad(lambda k: jnp.sum(nn.dot_product_attention(q, k, k) ** 2))(k)}


@program(rtol=1e-9)
def scipy_reference_examples(ns):
    jax, jnp = ns.jax, ns.jnp
    sp, st, sl, sig = ns.scipy.special, ns.scipy.stats, ns.scipy.linalg, ns.scipy.signal
    x = jnp.array([0.25, 1.0, 2.5])
    A = jnp.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])
    b = jnp.array([1.0, -1.0, 2.0])
    p, low, up = sl.lu(A)
    return {"special": [sp.betainc(2.0, 3.0, x / 3), sp.erfinv(x / 3), sp.ndtr(x),
                        sp.log_ndtr(-x), sp.i0e(x), sp.i1e(x), sp.zeta(x + 1.5, 1.0),
                        sp.polygamma(1, x), sp.multigammaln(x + 2, 2), sp.entr(x),
                        sp.rel_entr(x, x[::-1]), sp.kl_div(x, x[::-1]), sp.xlog1py(x, x),
                        sp.factorial(jnp.array([0.0, 3.0, 5.0])), sp.gamma(x),
                        sp.beta(x, 2.0), sp.exp1(x), sp.poch(x, 2.0)],
            "stats": [st.norm.ppf(x / 3), st.gamma.cdf(x, 2.0), st.beta.logcdf(x / 3, 2.0, 3.0),
                      st.t.logpdf(x, 4.0), st.chi2.logpdf(x, 3.0), st.binom.pmf(
                          jnp.array([0, 1, 2]), 4, 0.3), st.geom.logpmf(jnp.array([1, 2]), 0.4),
                      st.logistic.cdf(x), st.cauchy.logpdf(x), st.laplace.cdf(x),
                      st.pareto.logpdf(x + 1, 2.0), st.dirichlet.logpdf(
                          jnp.array([0.2, 0.3, 0.5]), jnp.array([1.0, 2.0, 3.0])),
                      st.multivariate_normal.pdf(b, jnp.zeros(3), A),
                      st.nbinom.logpmf(jnp.array([0, 2]), 3, 0.5), st.norm.sf(x),
                      st.rankdata(jnp.array([3.0, 1.0, 3.0, 2.0])), st.sem(x)],
            "linalg": [p @ low @ up, sl.solve(A, b, assume_a="pos"), sl.toeplitz(x),
                       sl.hilbert(3), sl.polar(A)[0], sl.sqrtm(A).real, sl.expm_frechet(
                           A / 4, jnp.eye(3), compute_expm=False),
                       sl.eigh_tridiagonal(jnp.array([2.0, 3.0, 4.0]), jnp.array([0.5, 0.25]),
                                           eigvals_only=True), sl.cholesky(A, lower=True),
                       sl.svd(A, compute_uv=False), jnp.abs(sl.qr(A)[1])],
            "signal": [sig.fftconvolve(x, b), sig.correlate(x, b), sig.correlate2d(
                jnp.eye(3), jnp.ones((2, 2)), mode="same")],
            "fft": [ns.scipy.fft.dct(x), ns.scipy.fft.idct(ns.scipy.fft.dct(x)),
                    ns.scipy.fft.dctn(A, norm="ortho")],
            "grads": [jax.grad(lambda x: jnp.sum(sp.betainc(2.0, 3.0, x)))(x / 3),
                      jax.grad(lambda x: jnp.sum(st.t.logpdf(x, 4.0)))(x),
                      # README, "Where fungrad differs": a positive-definite solve reads one
                      # triangle, so its derivative is compared along a symmetric direction
                      jax.jvp(lambda A: sl.solve(A, b, assume_a="pos"), (A,), (A @ A,))]}
