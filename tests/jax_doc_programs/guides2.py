"""Doc programs, second round: the pytree API reference (jax.tree, key classes, treedefs),
jax.lax's reference examples, custom_root/custom_linear_solve, jax.numpy.fft and linalg
beyond the everyday calls, optax's optimizer and loss lists, jax.scipy.optimize and the
jax.random samplers.

Each takes the namespace ``ns`` (tests/test_jax_doc_programs.py) and returns a pytree.
"""

from __future__ import annotations

import operator
from collections import OrderedDict, namedtuple

from tests.jax_doc_programs.registry import STATS, fixed_normal, program


@program()
def tree_api_reference(ns):
    jax, jnp, tu = ns.jax, ns.jnp, ns.tree_util
    Point = namedtuple("Point", ["x", "y"])
    tree = {"a": [1.0, (2.0, 3.0)], "b": Point(4.0, None), "c": OrderedDict(z=5.0, y=6.0)}
    leaves, treedef = jax.tree.flatten(tree)
    with_path = jax.tree.flatten_with_path(tree)[0]
    keys = [[(type(k).__name__, getattr(k, "key", getattr(k, "idx", getattr(k, "name", None))))
             for k in path] for path, _ in with_path]
    shapes = [(2, 3), (4,)]
    return {"leaves": leaves, "num": (treedef.num_leaves, treedef.num_nodes),
            "unflatten": jax.tree.unflatten(treedef, [x * 10 for x in leaves]),
            "keys": keys, "map_with_path": jax.tree.leaves(jax.tree.map_with_path(
                lambda p, x: len(p) * x, tree)),
            "leaves_with_path": [tu.keystr(p) for p, _ in jax.tree.leaves_with_path(tree)],
            "reduce": jax.tree.reduce(operator.add, tree, 100.0),
            "reduce_max": jax.tree.reduce(max, [3, (1, 7)]),
            "structure_eq": jax.tree.structure(tree) == treedef,
            "children": len(treedef.children()), "shapes_as_nodes": len(jax.tree.leaves(shapes)),
            "shapes_as_leaves": jax.tree.map(lambda s: jnp.ones(s).sum(), shapes,
                                             is_leaf=lambda s: isinstance(s, tuple)),
            "transpose": jax.tree.transpose(jax.tree.structure([0, 0, 0]),
                                            jax.tree.structure((0, 0)),
                                            [(1, 2), (3, 4), (5, 6)]),
            "flatten_up_to": jax.tree.structure([0, (0, 0)]).flatten_up_to(
                [1, ({"k": 2}, [3])]),
            "all_leaves": tu.all_leaves([1, 2.0, jnp.ones(2)]),
            "tuple_def": tu.treedef_tuple([tu.tree_structure(1), tu.tree_structure([1, 2])]
                                          ).num_leaves,
            "none_leaf": jax.tree.leaves([None, 1], is_leaf=lambda x: x is None),
            "ordered_keys": list(jax.tree.unflatten(treedef, leaves)["c"].keys())}


@program()
def tree_math_under_transforms(ns):
    jax, jnp = ns.jax, ns.jnp
    params = {"dense": {"w": jnp.arange(6.0).reshape(2, 3), "b": jnp.ones(3)},
              "scale": jnp.array(2.0)}

    def loss(p, x):
        return jnp.sum((x @ p["dense"]["w"] + p["dense"]["b"]) * p["scale"]) ** 2

    x = jnp.array([[1.0, -1.0], [0.5, 2.0]])
    grads = jax.grad(loss)(params, x)
    sq_norm = sum(jnp.sum(g ** 2) for g in jax.tree.leaves(grads))
    scaled = jax.tree.map(lambda g: g / jnp.sqrt(sq_norm), grads)
    tangent = jax.tree.map(jnp.ones_like, params)
    _, directional = jax.jvp(lambda p: loss(p, x), (params,), (tangent,))
    flat, unravel = ns.flatten_util.ravel_pytree(params)
    hess = jax.hessian(lambda f: loss(unravel(f), x))(flat)
    return {"grads": grads, "scaled": scaled, "directional": directional,
            "hess_shape": hess.shape, "hess_diag": jnp.diag(hess),
            "vmap_tree": jax.vmap(loss, in_axes=(None, 0))(params, jnp.stack([x, -x])),
            "tree_vmap_params": jax.vmap(lambda p: loss(p, x), in_axes=(
                {"dense": {"w": None, "b": 0}, "scale": None},))(
                {"dense": {"w": params["dense"]["w"], "b": jnp.stack([jnp.ones(3),
                                                                       jnp.zeros(3)])},
                 "scale": params["scale"]})}


@program()
def lax_reference_examples_2(ns):
    jnp, lax = ns.jnp, ns.lax
    x = jnp.array([1.5, -2.5, 3.5, -0.5])
    i = jnp.array([7, -7, 12, 1])
    m = jnp.arange(12.0).reshape(3, 4)
    return {"div": lax.div(i, jnp.array([2, 2, 5, 3])), "rem": lax.rem(i, jnp.array([2, 2, 5, 3])),
            "round_even": lax.round(x, lax.RoundingMethod.TO_NEAREST_EVEN),
            "round_away": lax.round(x), "popcount": lax.population_count(i),
            "clz": lax.clz(jnp.array([1, 255], dtype=jnp.uint8)),
            "shift_logical": lax.shift_right_logical(i, jnp.array([1, 1, 2, 0])),
            "bitcast": lax.bitcast_convert_type(jnp.array([1.0], jnp.float32), jnp.int32),
            "complex": lax.complex(x, -x), "is_finite": lax.is_finite(x / 0.5),
            "reshape_dims": lax.reshape(m, (4, 3), dimensions=(1, 0)),
            "collapse": lax.collapse(jnp.ones((2, 3, 4)), 0, 2).shape,
            "index_in_dim": lax.index_in_dim(m, 1, axis=1, keepdims=False),
            "slice_in_dim": lax.slice_in_dim(m, 1, 4, stride=2, axis=1),
            "dyn_update_index": lax.dynamic_update_index_in_dim(m, jnp.zeros(4), 2, axis=0),
            "pad_negative": lax.pad(jnp.arange(5.0), 0.0, [(-1, 2, 0)]),
            "reduce_window_pad": lax.reduce_window(m, 0.0, lax.add, (2, 2), (1, 1),
                                                   [(1, 0), (0, 1)]),
            "cumsum_axis": lax.cumsum(m, axis=1, reverse=True), "cumprod": lax.cumprod(x),
            "top_k_2d": lax.top_k(m, 2), "sort_dim0": lax.sort(-m, dimension=0),
            "argmin": lax.argmin(m, 1, jnp.int32), "reduce_max": lax.reduce_max(m, (0,)),
            "split": lax.split(jnp.arange(6.0), (2, 4)),
            "igamma": lax.igamma(2.0, x ** 2), "lgamma": lax.lgamma(jnp.abs(x)),
            "erfc": lax.erfc(x), "atan2": lax.atan2(x, 1.0),
            "bessel_i0e": lax.bessel_i0e(x), "nextafter": lax.nextafter(1.0, 2.0) > 1.0,
            "ne": lax.ne(x, -2.5), "integer_pow": lax.integer_pow(x, -2),
            "pow": lax.pow(jnp.abs(x), x)}


@program(rtol=1e-8)
def lax_custom_root_and_linear_solve(ns):
    jax, jnp, lax = ns.jax, ns.jnp, ns.lax

    def newton_raphson(f, x0):
        x = x0
        for _ in range(20):
            x = x - f(x) / jax.grad(f)(x)
        return x

    def scalar_solve(g, y):
        return y / g(1.0)

    def sqrt_cubed(x, tangent_solve=scalar_solve):
        f = lambda y: y ** 2 - x ** 3  # noqa: E731 (the doc's form)
        return lax.custom_root(f, 1.0, newton_raphson, tangent_solve)

    A = jnp.array([[4.0, 1.0], [1.0, 3.0]])
    b = jnp.array([1.0, 2.0])

    def matvec(v):
        return A @ v

    def solve(mv, rhs):
        return jnp.linalg.solve(A, rhs)

    def lin_solve(b):
        return lax.custom_linear_solve(matvec, b, solve, symmetric=True)

    return {"root": sqrt_cubed(5.0), "grad_root": jax.grad(sqrt_cubed)(5.0),
            "jit_grad_root": jax.jit(jax.grad(sqrt_cubed))(2.0),
            "vmap_root": jax.vmap(sqrt_cubed)(jnp.array([1.0, 4.0])),
            "linear_solve": lin_solve(b), "grad_linear": jax.grad(
                lambda b: jnp.sum(lin_solve(b) ** 2))(b),
            "jvp_linear": jax.jvp(lin_solve, (b,), (jnp.ones(2),)),
            "vmap_linear": jax.vmap(lin_solve)(jnp.stack([b, -b]))}


@program(rtol=1e-9)
def numpy_fft_more(ns):
    jax, jnp = ns.jax, ns.jnp
    fft = jnp.fft
    m = jnp.asarray(fixed_normal(70, (4, 6)))
    c = m + 1j * jnp.asarray(fixed_normal(71, (4, 6)))
    return {"fftn": fft.fftn(m), "ifftn": fft.ifftn(c, axes=(0,)), "rfftn": fft.rfftn(m),
            "irfftn": fft.irfftn(fft.rfftn(m), s=m.shape), "rfft2": fft.rfft2(m),
            "irfft2": fft.irfft2(fft.rfft2(m), s=(4, 6)), "ifft2": fft.ifft2(c),
            "fft_n": fft.fft(m[0], n=8), "fft_axis": fft.fft(m, axis=0),
            "hfft": fft.hfft(c[0]), "ihfft": fft.ihfft(m[0]),
            "norm_forward": fft.rfft(m[0], norm="forward"), "fftshift_axes": fft.fftshift(
                m, axes=1), "fftfreq_f32": fft.fftfreq(4, dtype=jnp.float32).dtype,
            "grad_fftn": jax.grad(lambda m: jnp.sum(jnp.abs(fft.fftn(m)) ** 2))(m),
            "jvp_irfft": jax.jvp(lambda v: fft.irfft(v, n=6), (fft.rfft(m[0]),),
                                 (fft.rfft(m[1]),)),
            "vmap_fft": jax.vmap(fft.rfft)(m)}


@program(rtol=1e-8, atol=1e-10)
def numpy_linalg_more(ns):
    jax, jnp = ns.jax, ns.jnp
    la = jnp.linalg
    A = jnp.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])
    B = jnp.asarray(fixed_normal(72, (4, 3)))
    u, s, vt = la.svd(B, full_matrices=False)
    uf, sf, vtf = la.svd(B)
    q_c, r_c = la.qr(B, mode="complete")
    T = jnp.asarray(fixed_normal(73, (2, 3, 6)))
    lst = la.lstsq(B, jnp.arange(4.0))
    return {"svd": (jnp.abs(u.T @ B @ vt.T), s, uf.shape, vtf.shape),
            "svdvals": la.svdvals(B), "qr_r": jnp.abs(la.qr(B, mode="r")),
            "qr_complete": (q_c.shape, r_c.shape, q_c @ r_c),
            "cholesky_upper": la.cholesky(A, upper=True),
            "eigh_upper": la.eigh(A, UPLO="U")[0], "inv_power": la.matrix_power(A, -2),
            "norms": [la.norm(A, ord=-2), la.norm(A, ord=1), la.norm(A, ord=-jnp.inf),
                      la.norm(B, ord="fro", axis=(0, 1), keepdims=True),
                      la.norm(B, ord=0, axis=1), la.matrix_norm(A, ord="nuc")],
            "tensorsolve": la.tensorsolve(T.reshape(6, 6) + 6 * jnp.eye(6),
                                          jnp.arange(6.0)),
            "tensorinv": la.tensorinv(jnp.eye(6).reshape(6, 2, 3) * 2, ind=1).shape,
            "lstsq": (lst[0], lst[1], lst[2], lst[3]),
            "pinv_hermitian": la.pinv(A, hermitian=True), "trace_batch": la.trace(
                jnp.stack([A, 2 * A])), "diagonal": la.diagonal(A, offset=1),
            "cross_axis": la.cross(B[:2], B[2:]),
            "grad_svdvals": jax.grad(lambda B: jnp.sum(la.svdvals(B)))(B),
            "grad_eigh": jax.grad(lambda A: la.eigh(A)[0][-1])(A),
            "grad_inv": jax.grad(lambda A: jnp.trace(la.inv(A)))(A),
            "grad_norm2": jax.grad(lambda A: la.norm(A, 2))(A)}


def _fit_quadratic(ns, opt, steps=4):
    """Four steps of `opt` on a quadratic: the parameters reached."""
    jax, jnp, optax = ns.jax, ns.jnp, ns.optax
    target = jnp.array([1.0, -2.0, 0.5])

    def loss(p):
        return jnp.sum((p["w"] - target) ** 2) + (p["b"] - 1.0) ** 2

    params = {"w": jnp.zeros(3), "b": jnp.array(0.5)}
    state = opt.init(params)
    for _ in range(steps):
        updates, state = opt.update(jax.grad(loss)(params), state, params)
        params = optax.apply_updates(params, updates)
    return params


@program(rtol=1e-8)
def optax_optimizer_zoo(ns):
    optax = ns.optax
    opts = {"adagrad": optax.adagrad(0.1), "adamax": optax.adamax(0.1),
            "adabelief": optax.adabelief(0.1), "lamb": optax.lamb(0.1),
            "lion": optax.lion(0.05), "yogi": optax.yogi(0.1), "novograd": optax.novograd(0.1),
            "radam": optax.radam(0.1), "nadam": optax.nadam(0.1), "amsgrad": optax.amsgrad(0.1),
            "adadelta": optax.adadelta(1.0), "rmsprop_centered": optax.rmsprop(
                0.05, centered=True, momentum=0.9), "adamw_mask": optax.adamw(
                0.1, weight_decay=0.1, mask={"w": True, "b": False}),
            "fromage": optax.fromage(0.1), "lars": optax.lars(0.1),
            "sign_sgd": optax.chain(optax.scale_by_sign(), optax.scale(-0.1))}
    return {name: _fit_quadratic(ns, opt) for name, opt in opts.items()}


# README, "Where fungrad differs": schedules keep float64 learning rates where optax's are
# float32 ("results agree to about 1e-7").
@program(rtol=1e-6)
def optax_scheduled_optimizers(ns):
    optax = ns.optax
    return {"sgd": _fit_quadratic(ns, optax.sgd(optax.piecewise_constant_schedule(
                0.1, {2: 0.5}))),
            "adam": _fit_quadratic(ns, optax.adam(optax.cosine_onecycle_schedule(10, 0.1))),
            "adamw": _fit_quadratic(ns, optax.adamw(optax.warmup_exponential_decay_schedule(
                0.0, 0.2, 2, 3, 0.5), weight_decay=1e-2))}


@program(rtol=1e-9)
def optax_losses_and_wrappers(ns):
    jax, jnp, optax = ns.jax, ns.jnp, ns.optax
    logits = jnp.array([[2.0, -1.0, 0.5], [0.1, 0.2, 3.0]])
    labels = jnp.array([[0.0, 1.0, 0.0], [0.2, 0.3, 0.5]])
    pred, tgt = jnp.array([0.5, 2.0, -1.0]), jnp.array([0.0, 1.5, 1.0])
    params = {"a": jnp.array([1.0, 2.0]), "b": jnp.array([3.0])}
    grads = {"a": jnp.array([jnp.nan, 1.0]), "b": jnp.array([2.0])}
    multi = optax.multi_transform({"fast": optax.sgd(1.0), "slow": optax.sgd(0.1)},
                                  {"a": "fast", "b": "slow"})
    finite = optax.apply_if_finite(optax.sgd(1.0), max_consecutive_errors=2)
    steps = optax.MultiSteps(optax.sgd(1.0), every_k_schedule=2)
    ms_state = steps.init(params)
    ms_updates = []
    for k in range(3):
        u, ms_state = steps.update(jax.tree.map(lambda x: x * (k + 1), params), ms_state,
                                   params)
        ms_updates.append(u)
    fin_u, fin_state = finite.update(grads, finite.init(params), params)
    ema = optax.ema(0.9)
    ema_state = ema.init(params)
    ema_u, ema_state = ema.update(params, ema_state)
    return {"huber": optax.huber_loss(pred, tgt, delta=1.0), "l2": optax.squared_error(pred, tgt),
            "log_cosh": optax.log_cosh(pred, tgt), "cosine": optax.cosine_similarity(
                logits, labels), "kl": optax.kl_divergence(jax.nn.log_softmax(logits), labels),
            "hinge": optax.hinge_loss(pred, jnp.array([1.0, -1.0, 1.0])),
            "smooth": optax.smooth_labels(labels, 0.1), "focal": optax.sigmoid_focal_loss(
                logits, labels), "safe_ce": optax.safe_softmax_cross_entropy(logits, labels),
            "poly": optax.losses.poly_loss_cross_entropy(logits, labels),
            "kl_log": optax.losses.kl_divergence_with_log_targets(
                jax.nn.log_softmax(logits), jnp.log(labels + 0.1)),
            "perceptron": optax.losses.perceptron_loss(pred, jnp.array([1.0, -1.0, 1.0])),
            "multiclass": (optax.losses.multiclass_hinge_loss(logits, jnp.array([1, 2])),
                           optax.losses.multiclass_perceptron_loss(logits, jnp.array([0, 0]))),
            "multi": multi.update(params, multi.init(params), params)[0],
            "finite": (fin_u, fin_state.notfinite_count, fin_state.total_notfinite),
            "multisteps": ms_updates, "ema": ema_u,
            "clip": optax.clip(1.5).update({"a": jnp.array([-3.0, 1.0])},
                                           optax.clip(1.5).init(params))[0],
            "zero_nans": optax.zero_nans().update(grads, optax.zero_nans().init(grads))[0],
            "global_norm": optax.tree.norm(params),
            "polynomial": [optax.polynomial_schedule(1.0, 0.1, 2, 4, 1)(i) for i in range(6)],
            "sgdr": [optax.sgdr_schedule([{"init_value": 0.0, "peak_value": 1.0,
                                           "warmup_steps": 1, "decay_steps": 3,
                                           "end_value": 0.1}] * 2)(i) for i in range(6)]}


@program(rtol=1e-6)
def scipy_optimize_minimize(ns):
    jax, jnp = ns.jax, ns.jnp
    minimize = ns.scipy.optimize.minimize

    def rosenbrock(x):
        return jnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)

    res = minimize(rosenbrock, jnp.array([-1.2, 1.0, 0.5]), method="BFGS")
    lb = minimize(lambda x: jnp.sum((x - 3.0) ** 2) + jnp.prod(x), jnp.zeros(2),
                  method="l-bfgs-experimental-do-not-rely-on-this")

    def fit(w):
        return minimize(lambda a: jnp.sum((a - w) ** 2 * jnp.array([1.0, 4.0])),
                        jnp.zeros(2), method="BFGS").x

    return {"x": res.x, "fun": res.fun, "success": res.success, "status": res.status,
            "lbfgs": (lb.x, lb.fun), "jit": jax.jit(fit)(jnp.array([1.0, 2.0])),
            "vmap": jax.vmap(fit)(jnp.array([[1.0, 2.0], [0.0, -1.0]]))}


@program(**STATS)
def random_more_samplers(ns):
    jnp, random = ns.jnp, ns.random
    n = 20_000
    k = random.split(random.key(11), 14)
    beta = random.beta(k[0], 2.0, 3.0, (n,))
    binom = random.binomial(k[1], 10, 0.3, (n,))
    geo = random.geometric(k[2], 0.5, (n,))
    gumbel = random.gumbel(k[3], (n,))
    logistic = random.logistic(k[4], (n,))
    rad = random.rademacher(k[5], (n,))
    chisq = random.chisquare(k[6], 4.0, (n,))
    ball = random.ball(k[7], 3, shape=(n,))
    cauchy = random.cauchy(k[8], (n,))
    weibull = random.weibull_min(k[9], 1.0, 2.0, (n,))
    tri = random.triangular(k[10], 0.0, 0.5, 1.0, (n,))
    maxwell = random.maxwell(k[11], (n,))
    bits = random.bits(k[12], (4,), dtype=jnp.uint8)
    t = random.t(k[13], 5.0, (n,))
    return {"beta": jnp.mean(beta) / 0.4, "binom": [str(binom.dtype), jnp.mean(binom) / 3],
            "geo": [jnp.min(geo), jnp.mean(geo) / 2], "gumbel": jnp.mean(gumbel) - 0.5772,
            "logistic": jnp.var(logistic) / (jnp.pi ** 2 / 3), "rad": [jnp.mean(rad),
                                                                    jnp.mean(rad ** 2)],
            "chisq": jnp.mean(chisq) / 4, "ball": [ball.shape, jnp.max(jnp.linalg.norm(
                ball, axis=1)) <= 1.0], "cauchy_median": jnp.median(cauchy),
            "weibull": jnp.mean(weibull) / 0.8862, "tri": jnp.mean(tri) * 2,
            "maxwell": jnp.mean(maxwell) / 1.5958, "bits": (bits.shape, str(bits.dtype)),
            "t": jnp.mean(t), "shapes": [x.shape for x in (beta, binom, t)]}
