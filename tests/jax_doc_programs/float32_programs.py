"""Doc programs written in float32 (JAX's default dtype without x64), through transforms,
control flow, optimizers and the numpy front end: the dtypes must stay float32.

Each takes the namespace ``ns`` (tests/test_jax_doc_programs.py) and returns a pytree.
"""

from __future__ import annotations

from tests.jax_doc_programs.registry import fixed_normal, program


@program(rtol=1e-6, atol=1e-6)
def float32_transforms_and_loops(ns):
    jax, jnp, lax = ns.jax, ns.jnp, ns.lax
    f32 = jnp.float32
    xs = jnp.arange(5, dtype=f32)
    w = jnp.asarray(fixed_normal(90, (3, 3)), dtype=f32)

    def loss(w, x):
        return jnp.sum(jnp.tanh(x @ w) ** 2) / 2

    x = jnp.ones((4, 3), f32)
    return {"scan_weak_init": lax.scan(lambda c, x: (c + x, c * 2), 0.0, xs),
            "fori_weak": lax.fori_loop(0, 3, lambda i, c: c * 1.5 + xs, jnp.zeros(5, f32)),
            "while_weak": lax.while_loop(lambda c: c[0] < 3, lambda c: (c[0] + 1, c[1] * 2.0),
                                         (0, jnp.ones(2, f32))),
            "cond_weak": lax.cond(True, lambda x: x * 2.0, lambda x: x + 1, xs),
            "grad": jax.grad(loss)(w, x), "jacfwd": jax.jacfwd(lambda w: jnp.tanh(x @ w))(w),
            "hessian": jax.hessian(lambda v: jnp.sum(jnp.sin(v) * v ** 2))(xs),
            "vmap_grad": jax.vmap(jax.grad(loss), (None, 0))(w, x[:, None, :]),
            "jit_vg": jax.jit(jax.value_and_grad(loss))(w, x),
            "where_scalar": jnp.where(xs > 2, xs, 0.0), "clip": jnp.clip(xs, 1, 3.5),
            "mean_var": (jnp.mean(xs), jnp.var(xs), jnp.std(w, axis=0)),
            "linalg": (jnp.linalg.inv(w @ w.T + jnp.eye(3, dtype=f32)),
                       jnp.linalg.norm(w), jnp.linalg.det(w)),
            "softmax": jax.nn.softmax(w), "logsumexp": jax.nn.logsumexp(w, axis=0),
            "at_add": xs.at[1].add(2.0), "cumsum": jnp.cumsum(xs), "sort": jnp.sort(w, 0),
            "dot_mixed_weak": jnp.dot(w, jnp.ones(3, f32)) * 0.5,
            "pow": (xs ** 2, xs ** 0.5, 2.0 ** xs),
            "associative": lax.associative_scan(jnp.add, xs)}


@program(rtol=1e-5, atol=1e-6)
def float32_optax_training(ns):
    jax, jnp, optax = ns.jax, ns.jnp, ns.optax
    f32 = jnp.float32
    xs = jnp.asarray(fixed_normal(91, (16, 3)), dtype=f32)
    ys = xs @ jnp.array([1.0, -2.0, 0.5], f32) + 0.5
    params = {"w": jnp.zeros(3, f32), "b": jnp.zeros((), f32)}

    def loss_fn(p):
        return jnp.mean((xs @ p["w"] + p["b"] - ys) ** 2)

    out = {}
    for name, opt in {"adam": optax.adam(0.1), "sgd": optax.sgd(0.05, momentum=0.9),
                      "adamw": optax.adamw(0.05), "rmsprop": optax.rmsprop(0.01),
                      "clip_chain": optax.chain(optax.clip_by_global_norm(1.0),
                                                optax.adam(0.1))}.items():
        p, state = params, opt.init(params)
        for _ in range(3):
            g = jax.grad(loss_fn)(p)
            updates, state = opt.update(g, state, p)
            p = optax.apply_updates(p, updates)
        out[name] = (p, jax.tree.map(lambda v: str(v.dtype), jax.tree.leaves(state)))
    return out
