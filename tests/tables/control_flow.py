"""Table rows: control-flow primitives (cond, switch, scan, fori_loop, while_loop).

Each row runs through check_grads (order 2; while_loop in forward mode only), JAX,
vmap-vs-loop (tests/test_vmap_table.py) and jit-vs-eager (tests/test_jit_table.py).
"""

import fungrad.numpy as fnp
from fungrad import lax
from tests.tables.spec import A, Case, Int

S = (3,)


def _cond(x, y):
    return lax.cond(fnp.sum(x) > 0, lambda a, b: fnp.sin(a) * b, lambda a, b: a ** 2 - b, x, y)


def _cond_jax(jnp, jlax):
    return lambda x, y: jlax.cond(jnp.sum(x) > 0, lambda a, b: jnp.sin(a) * b,
                                  lambda a, b: a ** 2 - b, x, y)


def _cond_closure(x, y):
    # branches close over `y` (a traced value under every transform)
    return lax.cond(x[0] < 0.5, lambda a: a * y, lambda a: fnp.exp(a) + y[0], x)


def _cond_closure_jax(jnp, jlax):
    return lambda x, y: jlax.cond(x[0] < 0.5, lambda a: a * y, lambda a: jnp.exp(a) + y[0], x)


def _switch(i, x):
    return lax.switch(i[0], [lambda a: fnp.sin(a), lambda a: a ** 3, lambda a: fnp.tanh(a) * a],
                      x)


def _switch_jax(jnp, jlax):
    return lambda i, x: jlax.switch(i[0], [jnp.sin, lambda a: a ** 3, lambda a: jnp.tanh(a) * a],
                                    x)


def _rnn(w, h0, xs):
    def step(h, x):
        h = fnp.tanh(h * w + x)
        return h, fnp.sum(h ** 2)

    h, ys = lax.scan(step, h0, xs)
    return h, ys


def _rnn_jax(jnp, jlax):
    def f(w, h0, xs):
        def step(h, x):
            h = jnp.tanh(h * w + x)
            return h, jnp.sum(h ** 2)

        return jlax.scan(step, h0, xs)

    return f


def _scan_pytree(a, xs):
    """Two carries (one reset each step), pytree xs and ys, reverse order."""
    def step(carry, x):
        s, p = carry
        s = s + x["u"] * p
        p = fnp.sin(x["v"]) * a
        return (s, p), {"s": s, "prod": s * p}

    return lax.scan(step, (fnp.zeros(3), a), {"u": xs, "v": xs * 2.0}, reverse=True)


def _scan_pytree_jax(jnp, jlax):
    def f(a, xs):
        def step(carry, x):
            s, p = carry
            s = s + x["u"] * p
            p = jnp.sin(x["v"]) * a
            return (s, p), {"s": s, "prod": s * p}

        return jlax.scan(step, (jnp.zeros(3), a), {"u": xs, "v": xs * 2.0}, reverse=True)

    return f


def _fori(x, c):
    return lax.fori_loop(0, 4, lambda i, v: fnp.sin(v) * c + i, x)


def _fori_jax(jnp, jlax):
    return lambda x, c: jlax.fori_loop(0, 4, lambda i, v: jnp.sin(v) * c + i, x)


def _while(x):
    return lax.while_loop(lambda c: c[0] < 4, lambda c: (c[0] + 1, fnp.sin(c[1]) * 1.5),
                          (0, x))[1]


def _while_jax(jnp, jlax):
    return lambda x: jlax.while_loop(lambda c: c[0] < 4,
                                     lambda c: (c[0] + 1, jnp.sin(c[1]) * 1.5), (0, x))[1]


CASES = [
    Case("lax.cond", _cond, [A(*S), A(*S)], jax=_cond_jax),
    Case("lax.cond_closure", _cond_closure, [A(*S, low=0.0, high=1.0), A(*S)],
         jax=_cond_closure_jax),
    Case("lax.switch", _switch, [Int(1, low=-1, high=4), A(*S)], jax=_switch_jax),
    Case("lax.scan_rnn", _rnn, [A(*S), A(*S), A(5, *S)], jax=_rnn_jax),
    Case("lax.scan_pytree_reverse", _scan_pytree, [A(*S), A(4, *S)], jax=_scan_pytree_jax),
    Case("lax.fori_loop", _fori, [A(*S), A(*S)], jax=_fori_jax),
    Case("lax.while_loop", _while, [A(*S)], jax=_while_jax, modes=("fwd",)),
]
