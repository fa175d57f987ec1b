"""Doc programs: A small network's training loop, optax, jax.scipy and jax.nn.

Each takes the namespace ``ns`` (tests/test_jax_doc_programs.py) and returns a pytree.
"""

from __future__ import annotations

import numpy as np

from tests.jax_doc_programs.registry import STATS, fixed_normal, program


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
            optax.apply_updates(w, updates), optax.tree.norm({"a": w, "b": logits})]


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
    otu = optax.tree_utils

    def f(x):
        return jnp.sum((x - jnp.array([1.0, -2.0])) ** 2 * jnp.array([1.0, 10.0]))

    def run_opt(init_params, fun, opt, max_iter, tol):
        value_and_grad_fun = optax.value_and_grad_from_state(fun)

        def step(carry):
            params, state = carry
            value, grad = value_and_grad_fun(params, state=state)
            updates, state = opt.update(grad, state, params, value=value, grad=grad,
                                        value_fn=fun)
            return optax.apply_updates(params, updates), state

        def continuing_criterion(carry):
            _, state = carry
            iter_num = otu.tree_get(state, "count")
            grad = otu.tree_get(state, "grad")
            err = otu.tree_norm(grad)
            return (iter_num == 0) | ((iter_num < max_iter) & (err >= tol))

        init_carry = (init_params, opt.init(init_params))
        return jax.lax.while_loop(continuing_criterion, step, init_carry)

    params, state = jax.jit(lambda p: run_opt(p, f, optax.lbfgs(), 20, 1e-6))(jnp.zeros(2))
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
            "masked": mu, "count": otu.tree_get(state, "count")}


@program()
def scipy_more(ns):
    jax, jnp = ns.jax, ns.jnp
    sp, st, sl = ns.scipy.special, ns.scipy.stats, ns.scipy.linalg
    x = jnp.array([0.2, 1.0, 2.5])
    A = jnp.array([[2.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 4.0]])
    w, v = sl.eigh(A)
    return {"t": st.t.logpdf(x, df=3.0), "gamma": st.gamma.logpdf(x, a=2.0),
            "beta": st.beta.pdf(x / 3, 2.0, 3.0), "poisson": st.poisson.logpmf(jnp.arange(3), 2.0),
            "bernoulli": st.bernoulli.pmf(jnp.array([0, 1]), 0.3),
            "expon": st.expon.cdf(x), "uniform": st.uniform.logpdf(x, 0.0, 3.0),
            "digamma": sp.digamma(x), "betaln": sp.betaln(x, 2.0), "ndtri": sp.ndtri(x / 3),
            "logit": sp.logit(x / 3), "gammainc": sp.gammainc(2.0, x),
            "softmax": sp.softmax(x), "trapezoid": ns.scipy.integrate.trapezoid(x ** 2, x),
            "eigh": (w, (v * w) @ v.T), "det": sl.det(A), "inv": sl.inv(A),
            "lu": sl.lu(A)[2], "block": sl.block_diag(jnp.ones((1, 1)), 2 * jnp.ones((2, 2))),
            "grad_gammaln": jax.grad(lambda x: jnp.sum(sp.gammaln(x)))(x),
            "grad_logpdf": jax.grad(lambda m: jnp.sum(st.norm.logpdf(x, m, 2.0)))(0.5)}


# README, "Where fungrad differs": "`nn.dot_product_attention` takes its softmax in the
# inputs' dtype (JAX always uses float32)", so float64 attention agrees to float32 precision.
@program(rtol=1e-5, atol=1e-6)
def nn_dot_product_attention(ns):
    jax, jnp, nn = ns.jax, ns.jnp, ns.nn
    q = jnp.asarray(fixed_normal(60, (1, 4, 2, 8)))
    k = jnp.asarray(fixed_normal(61, (1, 5, 2, 8)))
    v = jnp.asarray(fixed_normal(62, (1, 5, 2, 8)))
    bias = jnp.asarray(fixed_normal(63, (1, 2, 4, 5)))
    return {"attention": nn.dot_product_attention(q, k, v),
            "causal": nn.dot_product_attention(q, q, q, is_causal=True),
            "bias": nn.dot_product_attention(q, k, v, bias=bias),
            "grad": jax.grad(lambda q: jnp.sum(nn.dot_product_attention(q, k, v) ** 2))(q)}


@program()
def nn_softmax_options_and_activations(ns):
    jax, jnp, nn = ns.jax, ns.jnp, ns.nn
    x = jnp.array([[1.0, 2.0, 3.0], [0.0, -1.0, 5.0]])
    mask = jnp.array([[True, False, True], [True, True, False]])
    return {"softmax_where": nn.softmax(x, where=mask),
            "one_hot_axis": nn.one_hot(jnp.array([0, 2]), 3, axis=0),
            "logsumexp_b": nn.logsumexp(x, axis=1, b=jnp.array([1.0, 0.5, 2.0])),
            "celu": nn.celu(x), "selu": nn.selu(x), "mish": nn.mish(x),
            "sparse_plus": nn.sparse_plus(x), "log_sigmoid": nn.log_sigmoid(x),
            "grad_softmax": jax.grad(lambda x: nn.softmax(x)[0, 1])(x)}
