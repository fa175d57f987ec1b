"""jit: the trace cache, static arguments, errors, the printed IR and the IR passes."""

from __future__ import annotations

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad import lax
from fungrad.errors import ConcretizationError, UnhashableStaticArgError
from fungrad.ir_passes import optimize


def test_cache_hits_and_retraces():
    f = fg.jit(lambda x, y: fnp.sin(x) * y)
    x = np.ones(3)
    f(x, 2.0)
    f(x + 1, 3.0)  # same signature: cache hit
    assert f.trace_count == 1 and f._cache_size() == 1
    f(np.ones(4), 2.0)  # new shape
    f(x.astype(np.float32), 2.0)  # new dtype
    f(x, np.float64(2.0))  # strong scalar instead of a weak Python float
    f(x, y=2.0)  # keyword: same signature as positional
    assert f.trace_count == 4


def test_static_argnums_and_argnames():
    def f(x, n, mode="sin"):
        y = x ** n
        return fnp.sin(y) if mode == "sin" else fnp.cos(y)

    g = fg.jit(f, static_argnums=1, static_argnames="mode")
    x = np.linspace(0, 1, 4)
    np.testing.assert_allclose(g(x, 2), np.sin(x ** 2))
    np.testing.assert_allclose(g(x, 3, mode="cos"), np.cos(x ** 3))
    g(x, 2)
    assert g.trace_count == 2


def test_unhashable_static_argument_error():
    g = fg.jit(lambda x, shape: x.reshape(shape), static_argnums=1)
    with pytest.raises(UnhashableStaticArgError, match=r"`shape`.*tuple instead of a list"):
        g(np.ones(4), [2, 2])


def test_concretization_error_names_the_argument():
    def f(x, scale):
        if scale > 0:
            return x * scale
        return x

    with pytest.raises(ConcretizationError, match=r"depends on argument `scale` of `.*f`.*"
                                                  r"static_argnums"):
        fg.jit(f)(np.ones(2), 2.0)
    assert float(fg.jit(f, static_argnums=1)(np.ones(2), 2.0)[0]) == 2.0


def test_lower_shows_the_optimized_ir():
    def f(x):
        a = fnp.sin(x) * 1.0 + 0.0
        unused = fnp.exp(x)  # noqa: F841 (dead code)
        return a + fnp.sin(x) + (2.0 * 3.0)

    text = str(fg.jit(f).lower(np.ones(3)).ir)  # as_text() adds the fusion plan below it
    assert text.count("sin") == 1  # CSE
    assert "exp" not in text  # DCE
    assert "mul" not in text  # x * 1.0 simplified


def test_passes_fold_constants_and_cancel_transposes():
    w = np.arange(6.0).reshape(2, 3)
    ir = fg.make_ir(lambda x: (x.T.T + fnp.asarray(w) * 2.0) + fnp.sum(fnp.asarray(w)))(
        np.ones((2, 3)))
    opt = optimize(ir)
    names = [e.prim.name for e in opt.eqns]
    assert "transpose" not in names and "reduce_sum" not in names and "mul" not in names
    np.testing.assert_allclose(opt(np.ones((2, 3)))[0], ir(np.ones((2, 3)))[0])


def test_closure_over_outer_tracer_is_not_cached():
    def outer(a):
        f = fg.jit(lambda x: x * a)
        return f(2.0) + f(3.0)

    assert float(fg.grad(outer)(1.5)) == 5.0
    assert float(fg.grad(lambda a: fg.jit(lambda x: fnp.sin(x * a))(1.0))(0.5)) == pytest.approx(
        np.cos(0.5))


def test_nested_jit_is_inlined_and_differentiable():
    inner = fg.jit(lambda x: fnp.tanh(x) * 2.0)
    outer = fg.jit(lambda x: inner(x) + inner(x * 3.0))
    assert "jit_call" not in outer.lower(0.5).as_text()
    g = fg.grad(outer)(0.5)
    want = 2 * (1 - np.tanh(0.5) ** 2) + 6 * (1 - np.tanh(1.5) ** 2)
    assert float(g) == pytest.approx(want)


def test_jit_of_control_flow_and_pytrees():
    def f(params, xs):
        def step(h, x):
            h = fnp.tanh(h @ params["w"] + x)
            return h, fnp.sum(h)
        h, ys = lax.scan(step, fnp.zeros(2), xs)
        return {"h": h, "total": lax.cond(ys[-1] > 0, lambda: ys.sum(), lambda: -ys.sum())}

    params = {"w": np.array([[0.5, 0.1], [-0.3, 0.8]])}
    xs = np.random.default_rng(0).normal(size=(6, 2))
    got, want = fg.jit(f)(params, xs), f(params, xs)
    np.testing.assert_allclose(got["h"], want["h"])
    np.testing.assert_allclose(got["total"], want["total"])
    g1 = fg.grad(lambda p: f(p, xs)["total"])(params)
    g2 = fg.jit(fg.grad(lambda p: fg.jit(f)(p, xs)["total"]))(params)
    np.testing.assert_allclose(g1["w"], g2["w"], rtol=1e-12)


def test_jit_of_vmap_and_vmap_of_jit():
    f = fg.jit(lambda x, y: fnp.dot(x, y))
    xs, ys = np.ones((5, 3)), np.arange(15.0).reshape(5, 3)
    want = np.einsum("bi,bi->b", xs, ys)
    np.testing.assert_allclose(fg.vmap(f)(xs, ys), want)
    np.testing.assert_allclose(fg.jit(fg.vmap(lambda x, y: fnp.dot(x, y)))(xs, ys), want)


def test_runtime_error_names_the_source_line():
    from fungrad import core

    failing_p = core.Primitive("test_failing")
    core.registry.pop("test_failing")  # keep the rule-coverage registry clean

    def impl(x):
        if np.any(x < 0):
            raise ValueError("negative input")
        return x

    failing_p.def_impl(impl)
    failing_p.def_abstract_eval(lambda x: x)
    f = fg.jit(lambda x: failing_p.bind(fnp.sin(x)))
    f(np.ones(2))
    with pytest.raises(ValueError, match="negative input") as info:
        f(-np.ones(2))
    assert "test_jit.py" in "".join(getattr(info.value, "__notes__", []))


def test_donate_argnums_accepted():
    f = fg.jit(lambda x: x + 1.0, donate_argnums=0)
    x = np.zeros(2)
    np.testing.assert_allclose(f(x), [1.0, 1.0])
    np.testing.assert_allclose(x, [0.0, 0.0])  # NumPy buffers are never reused


def test_jax_signature_decorator_form_and_keyword_only_options():
    @fg.jit(static_argnames="n", donate_argnames="x", keep_unused=True, inline=True)
    def power(x, n):
        return x ** n

    assert float(power(2.0, n=3)) == 8.0
    with pytest.raises(TypeError):
        fg.jit(lambda x: x, 0)  # options are keyword-only, as in JAX


def test_constant_folding_never_captures_a_tracer_of_the_current_transform():
    """Folding a constant-only equation whose impl binds primitives (logaddexp is a
    custom_jvp) once stored a tracer of the enclosing jit in a checkpointed IR, which then
    leaked when the VJP ran (found through optax's ctc_loss)."""
    labels = np.array([[1, 2, 2], [3, 1, 0]])

    def f(x):
        lp = fnp.einsum("btk,bnk->btn", fg.nn.log_softmax(x), fg.nn.one_hot(labels, 4))[:, 0]
        blank = fnp.concatenate([fnp.zeros((2, 1)), fnp.full((2, 3), -1e5)], 1)
        merged = fnp.concatenate(
            [blank[:, :1], fnp.logaddexp(blank[:, 1:], fnp.full((2, 3), -1e5))], 1)
        return fnp.sum(merged[:, :-1] + lp, axis=1)

    x = np.random.default_rng(0).standard_normal((2, 1, 4))
    want = fg.vjp(f, x)[1](np.ones(2))[0]
    got = fg.jit(lambda p: fg.vjp(fg.checkpoint(f), p)[1](np.ones(2)))(x)[0]
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_keyword_only_and_var_keyword_arguments_are_traced_or_static():
    # JAX passes keyword arguments of keyword-only parameters (and **kwargs) as dynamic
    # arguments; static_argnames may name keyword-only parameters too.
    f = fg.jit(lambda x, *, y, z=2.0: x + y * z)
    assert float(f(1.0, y=2.0)) == 5.0 and float(f(1.0, y=3.0, z=1.0)) == 4.0
    assert f.trace_count == 2  # passing z is another signature; its default stays f's own
    mode = fg.jit(lambda x, *, mode: x * 2 if mode == "double" else x, static_argnames="mode")
    assert [float(mode(1.0, mode=m)) for m in ("double", "same", "double")] == [2.0, 1.0, 2.0]
    assert mode.trace_count == 2
    np.testing.assert_array_equal(fg.jit(lambda x, **kw: x + kw["a"])(1.0, a=np.ones(2)),
                                  [2.0, 2.0])
    assert float(fg.grad(lambda x: f(x, y=x))(1.0)) == 3.0
    np.testing.assert_array_equal(fg.vmap(lambda x: f(x, y=x))(np.arange(3.0)), [0, 3, 6])
    with pytest.raises(TypeError, match=r"keyword argument `y\['a'\]` is a str"):
        f(1.0, y={"a": "s"})
    with pytest.raises(UnhashableStaticArgError, match="static keyword argument `mode`"):
        mode(1.0, mode=["double"])
