"""Doc programs: "Custom derivative rules": custom_jvp, custom_vjp, nondiff_argnums,
defjvps, fixed points, custom_gradient.

Each takes the namespace ``ns`` (tests/test_jax_doc_programs.py) and returns a pytree.
"""

from __future__ import annotations

import functools
from collections import namedtuple

from tests.jax_doc_programs.registry import program


@program()
def custom_jvp_log1pexp(ns):
    jax, jnp = ns.jax, ns.jnp

    @jax.custom_jvp
    def log1pexp(x):
        return jnp.log(1.0 + jnp.exp(x))

    @log1pexp.defjvp
    def log1pexp_jvp(primals, tangents):
        (x,), (x_dot,) = primals, tangents
        return log1pexp(x), (1 - 1 / (1 + jnp.exp(x))) * x_dot

    return [log1pexp(3.0), jax.grad(log1pexp)(100.0), jax.jit(jax.grad(log1pexp))(3.0),
            jax.vmap(jax.jit(jax.grad(log1pexp)))(jnp.arange(3.0)),
            jax.grad(jax.grad(log1pexp))(1.0)]


@program()
def custom_jvp_defjvps(ns):
    jax, jnp = ns.jax, ns.jnp

    @jax.custom_jvp
    def f(x, y):
        return jnp.sin(x) * y

    f.defjvps(lambda x_dot, primal_out, x, y: jnp.cos(x) * x_dot * y,
              lambda y_dot, primal_out, x, y: jnp.sin(x) * y_dot)

    @jax.custom_jvp
    def g(x, y):
        return x * y

    g.defjvps(lambda x_dot, ans, x, y: 2.0 * x_dot, None)
    return [f(2.0, 3.0), jax.grad(f)(2.0, 3.0), jax.grad(f, 1)(2.0, 3.0),
            jax.jvp(f, (2.0, 3.0), (1.0, 0.5)), jax.grad(g, (0, 1))(2.0, 3.0)]


@program()
def custom_jvp_differentiation_convention(ns):
    jax, jnp = ns.jax, ns.jnp

    @jax.custom_jvp
    def f(x):
        return x / (1 + jnp.sqrt(x))

    @f.defjvp
    def f_jvp(primals, tangents):
        (x,), (x_dot,) = primals, tangents
        return f(x), ((jnp.sqrt(x) + 2) / (2 * (jnp.sqrt(x) + 1) ** 2)) * x_dot

    return jax.grad(f)(0.0), jax.grad(f)(4.0), jax.vmap(jax.grad(f))(jnp.arange(3.0))


@program()
def custom_jvp_nondiff_argnums(ns):
    jax, jnp = ns.jax, ns.jnp

    @functools.partial(jax.custom_jvp, nondiff_argnums=(0,))
    def app(f, x):
        return f(x)

    @app.defjvp
    def app_jvp(f, primals, tangents):
        (x,), (x_dot,) = primals, tangents
        return f(x), 2.0 * x_dot

    return [jax.jvp(lambda x: app(lambda y: 2 * y, x), (1.0,), (1.0,)),
            jax.grad(lambda x: app(jnp.sin, x))(1.0),
            jax.jit(jax.grad(lambda x: app(jnp.cos, x) * x))(1.0)]


@program()
def custom_vjp_sin_times(ns):
    jax, jnp = ns.jax, ns.jnp

    @jax.custom_vjp
    def f(x, y):
        return jnp.sin(x) * y

    def f_fwd(x, y):
        return f(x, y), (jnp.cos(x), jnp.sin(x), y)

    def f_bwd(res, g):
        cos_x, sin_x, y = res
        return cos_x * g * y, sin_x * g

    f.defvjp(f_fwd, f_bwd)
    xs = jnp.arange(3.0)
    return [f(2.0, 3.0), jax.grad(f)(2.0, 3.0), jax.grad(f, (0, 1))(2.0, 3.0),
            jax.vmap(jax.grad(f))(xs, xs + 1), jax.jit(jax.grad(f, 1))(2.0, 3.0)]


@program()
def custom_vjp_clip_gradient(ns):
    jax, jnp = ns.jax, ns.jnp

    @functools.partial(jax.custom_vjp, nondiff_argnums=(0, 1))
    def clip_gradient(lo, hi, x):
        return x

    def clip_gradient_fwd(lo, hi, x):
        return x, None

    def clip_gradient_bwd(lo, hi, _, g):
        return (jnp.clip(g, lo, hi),)

    clip_gradient.defvjp(clip_gradient_fwd, clip_gradient_bwd)
    t = jnp.linspace(0, 10, 12)
    return [jax.vmap(jax.grad(lambda x: jnp.sin(clip_gradient(-0.75, 0.75, x))))(t),
            jax.grad(lambda x: 3.0 * clip_gradient(-0.5, 0.5, x))(1.0)]


@program(rtol=1e-9)
def custom_vjp_fixed_point(ns):
    jax, jnp, lax = ns.jax, ns.jnp, ns.lax

    @functools.partial(jax.custom_vjp, nondiff_argnums=(0,))
    def fixed_point(f, a, x_guess):
        def cond_fun(carry):
            x_prev, x = carry
            return jnp.abs(x_prev - x) > 1e-6

        def body_fun(carry):
            _, x = carry
            return x, f(a, x)

        _, x_star = lax.while_loop(cond_fun, body_fun, (x_guess, f(a, x_guess)))
        return x_star

    def fixed_point_fwd(f, a, x_init):
        x_star = fixed_point(f, a, x_init)
        return x_star, (a, x_star)

    def rev_iter(f, packed, u):
        a, x_star, x_star_bar = packed
        _, vjp_x = jax.vjp(lambda x: f(a, x), x_star)
        return x_star_bar + vjp_x(u)[0]

    def fixed_point_rev(f, res, x_star_bar):
        a, x_star = res
        _, vjp_a = jax.vjp(lambda a: f(a, x_star), a)
        (a_bar,) = vjp_a(fixed_point(functools.partial(rev_iter, f),
                                     (a, x_star, x_star_bar), x_star_bar))
        return a_bar, jnp.zeros_like(x_star)

    fixed_point.defvjp(fixed_point_fwd, fixed_point_rev)

    def newton_sqrt(a):
        return fixed_point(lambda a, x: 0.5 * (x + a / x), a, a)

    return [newton_sqrt(2.0), jax.grad(newton_sqrt)(2.0), jax.grad(jax.grad(newton_sqrt))(2.0),
            jax.jit(jax.grad(newton_sqrt))(3.0)]


@program()
def custom_vjp_pytrees(ns):
    jax, jnp = ns.jax, ns.jnp
    Point = namedtuple("Point", ["x", "y"])

    @jax.custom_vjp
    def f(pt):
        return {"a": pt.x ** 2, "b": (jnp.sin(pt.x), jnp.cos(pt.y))}

    def f_fwd(pt):
        return f(pt), pt

    def f_bwd(pt, g):
        a_bar, (b0_bar, b1_bar) = g["a"], g["b"]
        return (Point(2 * pt.x * a_bar + jnp.cos(pt.x) * b0_bar, -jnp.sin(pt.y) * b1_bar),)

    f.defvjp(f_fwd, f_bwd)

    def fun(pt):
        out = f(pt)
        return out["a"] + out["b"][0] + out["b"][1]

    g = jax.grad(fun)(Point(1.0, 2.0))
    return {"type": type(g).__name__, "x": g.x, "y": g.y}


@program()
def custom_gradient_decorator(ns):
    jax = ns.jax

    @jax.custom_gradient
    def f(x):
        return x ** 2, lambda g: (g * x,)

    return f(3.0), jax.grad(f)(3.0), jax.vmap(jax.grad(f))(ns.jnp.arange(3.0))


@program()
def custom_vjp_nondiff_function_and_int_args(ns):
    jax, jnp = ns.jax, ns.jnp

    @functools.partial(jax.custom_vjp, nondiff_argnums=(0,))
    def app(f, x):
        return f(x)

    def app_fwd(f, x):
        return f(x), x

    def app_bwd(f, x, g):
        return (5 * g,)

    app.defvjp(app_fwd, app_bwd)

    @jax.custom_vjp
    def scale(x, n):
        return x * n

    scale.defvjp(lambda x, n: (x * n, n), lambda n, g: (g * n, None))

    @jax.custom_jvp
    def two_outputs(x):
        return jnp.sin(x), jnp.cos(x)

    @two_outputs.defjvp
    def two_outputs_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return two_outputs(x), (jnp.cos(x) * t, -jnp.sin(x) * t)

    return [jax.grad(lambda x: app(lambda y: y ** 2, x))(3.0),
            jax.grad(scale)(2.0, 3), jax.jit(jax.grad(scale))(2.0, 4),
            jax.jacfwd(lambda x: jnp.stack(two_outputs(x)))(0.5),
            jax.grad(lambda x: two_outputs(x)[0] * two_outputs(x)[1])(0.5)]
