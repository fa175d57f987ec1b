"""Doc programs: The Autodiff Cookbook and the advanced autodiff guide: grad, jvp/vjp,
Jacobians, Hessian-vector products, complex numbers, stop_gradient.

Each takes the namespace ``ns`` (tests/test_jax_doc_programs.py) and returns a pytree.
"""

from __future__ import annotations

import functools

from tests.jax_doc_programs.registry import program


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


def _prediction_of_weights(jnp):
    """The cookbook's ``f(W) = predict(W, b, inputs)`` at its ``W`` (``b = 0.1``)."""
    inputs, predict, _ = _logistic(jnp)
    return jnp.array([0.3, -0.2, 0.5]), lambda W: predict(W, 0.1, inputs)


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
    W, f = _prediction_of_weights(jnp)

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
    W, f = _prediction_of_weights(jnp)

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
