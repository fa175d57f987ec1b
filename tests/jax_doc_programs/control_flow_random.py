"""Doc programs: "Control flow" (cond, switch, loops, scan) and "Pseudorandom numbers".

Each takes the namespace ``ns`` (tests/test_jax_doc_programs.py) and returns a pytree.
"""

from __future__ import annotations

import numpy as np

from tests.jax_doc_programs.registry import STATS, fixed_normal, program


@program()
def control_flow_cond(ns):
    jax, jnp, lax = ns.jax, ns.jnp, ns.lax

    def f(x):
        return lax.cond(x > 0, lambda x: x ** 2, lambda x: -x, x)

    pytree = lax.cond(True, lambda a, b: {"s": a + b}, lambda a, b: {"s": a - b}, 1.0, 2.0)
    return [f(2.0), f(-3.0), jax.grad(f)(2.0), jax.grad(f)(-3.0), jax.jit(f)(2.0),
            jax.vmap(f)(jnp.array([-1.0, 2.0])), pytree, jax.jit(jax.grad(f))(-1.5),
            lax.cond(True, lambda x: x, lambda x: -x, 1.0).shape]


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


@program(**STATS)
def random_more_samplers_and_vmap(ns):
    jax, jnp, random = ns.jax, ns.jnp, ns.random
    n = 20_000
    k = random.split(random.PRNGKey(7), 8)
    tn = random.truncated_normal(k[0], -1.0, 1.0, (n,))
    mvn = random.multivariate_normal(k[1], jnp.zeros(2), jnp.array([[1.0, 0.5], [0.5, 2.0]]),
                                     (n,))
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
            "dirichlet": jnp.mean(dirichlet, 0),
            "laplace": jnp.var(laplace) / 2 - 1, "poisson": [str(pois.dtype)[:3],
                                                          jnp.mean(pois) / 3],
            "ortho": ortho @ ortho.T, "per_key": per_key.shape,
            "distinct": bool(jnp.all(per_key[0] != per_key[1])),
            "folded": folded.shape, "jit": (jitted.shape, bool(jnp.all(jitted < 1)))}


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
