"""fg.debug.print / fg.debug.callback, make_ir(sites=True), and transform names on tracers."""

from __future__ import annotations

import re

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad import lax
from fungrad.errors import ConcretizationError, LeakedTracerError


def _printing(x):
    fg.debug.print("x={x}", x=x)
    return fnp.sum(fnp.sin(x))


def _lines(capsys) -> list[str]:
    return capsys.readouterr().out.splitlines()


# ---------------------------------------------------------------------------------------
# debug.print and debug.callback


def test_print_eager_formats_like_str_format(capsys):
    fg.debug.print("{} and {y:.1f}", np.arange(2.0), y=np.float64(2.25))
    fg.debug.print("no arguments")
    assert _lines(capsys) == ["[0. 1.] and 2.2", "no arguments"]


def test_print_under_jit_runs_every_call(capsys):
    jitted = fg.jit(_printing)
    jitted(np.array([0.0, 1.0]))
    jitted(np.array([2.0, 3.0]))
    assert _lines(capsys) == ["x=[0. 1.]", "x=[2. 3.]"]
    assert jitted.trace_count == 1


def test_print_under_vmap_once_per_example(capsys):
    x = np.arange(6.0).reshape(3, 2)
    fg.vmap(_printing)(x)
    assert _lines(capsys) == ["x=[0. 1.]", "x=[2. 3.]", "x=[4. 5.]"]
    fg.vmap(_printing, in_axes=1)(x)
    assert _lines(capsys) == ["x=[0. 2. 4.]", "x=[1. 3. 5.]"]
    fg.jit(fg.vmap(_printing))(x[:2])
    assert _lines(capsys) == ["x=[0. 1.]", "x=[2. 3.]"]

    def pair(x, y):
        fg.debug.print("{} {y}", x, y=y)
        return x

    fg.vmap(pair, in_axes=(0, None))(np.arange(3.0), 5.0)
    assert _lines(capsys) == ["0.0 5.0", "1.0 5.0", "2.0 5.0"]


def test_print_under_grad_shows_primals_once(capsys):
    x = np.array([0.0, 1.0])
    np.testing.assert_allclose(fg.grad(_printing)(x), np.cos(x))
    fg.jit(fg.grad(_printing))(x)
    fg.grad(fg.jit(_printing))(x)
    fg.jvp(_printing, (x,), (np.ones(2),))
    assert _lines(capsys) == ["x=[0. 1.]"] * 4
    fg.vmap(fg.grad(_printing))(np.array([[0.0, 1.0], [2.0, 3.0]]))
    assert _lines(capsys) == ["x=[0. 1.]", "x=[2. 3.]"]
    fg.hessian(_printing)(x)
    assert _lines(capsys) == ["x=[0. 1.]"]


def test_callback_gets_numpy_values_pytrees_and_static_arguments():
    calls = []

    def record(tag, tree, scale=None):
        calls.append((tag, tree, scale))

    def f(x):
        fg.debug.callback(record, "tag", {"a": x, "b": (x * 2.0,)}, scale=3.0)
        return x + 1.0

    for run in (f, fg.jit(f)):
        calls.clear()
        run(np.ones(2))
        ((tag, tree, scale),) = calls
        assert tag == "tag" and set(tree) == {"a", "b"}
        assert type(tree["a"]) is np.ndarray and type(tree["b"][0]) is np.ndarray
        np.testing.assert_allclose(tree["b"][0], [2.0, 2.0])
        assert float(scale) == 3.0
    with pytest.raises(TypeError, match="debug.callback: `callback` must be callable"):
        fg.debug.callback("not a function", 1.0)


def test_callbacks_survive_dead_code_folding_and_cse(capsys):
    const = np.arange(2.0)

    def f(x):
        fg.debug.print("const={}", const)  # constant operand: must not run at trace time
        fg.debug.print("x={}", x)
        fg.debug.print("x={}", x)  # an identical effect is not merged
        return x * 2.0

    jitted = fg.jit(f)
    text = str(jitted.lower(1.0).ir)  # as_text() adds the fusion plan below it
    assert text.count("debug_callback") == 3
    assert _lines(capsys) == []
    jitted(1.0)
    jitted(2.0)
    assert _lines(capsys) == ["const=[0. 1.]", "x=1.0", "x=1.0", "const=[0. 1.]", "x=2.0",
                              "x=2.0"]


def test_print_in_loop_body_and_cond(capsys):
    def body(i, x):
        fg.debug.print("i={} x={}", i, x)
        return x * 2.0

    lax.fori_loop(0, 3, body, 1.0)
    assert _lines(capsys) == ["i=0 x=1.0", "i=1 x=2.0", "i=2 x=4.0"]
    fg.jit(lambda x: lax.cond(x > 0, lambda v: (fg.debug.print("pos {}", v), v)[1],
                              lambda v: (fg.debug.print("neg {}", v), v)[1], x))(-1.0)
    assert _lines(capsys) == ["neg -1.0"]


def test_effects_have_happened_when_a_jitted_call_returns(capsys):
    # fg.effects_barrier (JAX's waits for queued callbacks) has nothing left to wait for.
    seen = []
    f = fg.jit(lambda x: (fg.debug.callback(seen.append, x), x * 2)[1])
    f(np.float64(1.5))
    assert seen == [1.5]
    assert fg.effects_barrier() is None and seen == [1.5]


def test_print_rejects_a_non_string_format():
    with pytest.raises(TypeError, match="debug.print: `fmt` must be a format string"):
        fg.debug.print(np.ones(2))


# ---------------------------------------------------------------------------------------
# make_ir(sites=True)


def _sites_fun(x):
    y = fnp.sin(x)
    return fnp.sum(y * x)


def _site_of(offset: int) -> str:
    return f"{__file__}:{_sites_fun.__code__.co_firstlineno + offset} (_sites_fun)"


def test_make_ir_sites_prints_each_equation_line():
    x = np.arange(3.0)
    plain = str(fg.make_ir(_sites_fun)(x))
    assert "#" not in plain
    text = str(fg.make_ir(_sites_fun, sites=True)(x))
    lines = text.splitlines()[1:-1]
    assert re.search(r"= sin a  # " + re.escape(_site_of(1)) + "$", lines[0])
    assert all(line.endswith(_site_of(2)) for line in lines[1:]), text


def test_make_ir_sites_of_grad_mark_the_backward_pass():
    text = str(fg.make_ir(fg.grad(_sites_fun), sites=True)(np.arange(3.0)))
    backward = [line for line in text.splitlines() if line.endswith(", backward pass")]
    assert backward, text
    assert any(_site_of(2) + ", backward pass" in line for line in backward)
    assert any(_site_of(1) + ", backward pass" in line for line in backward)  # cos * ct
    assert any(line.endswith(_site_of(1)) for line in text.splitlines())  # forward sin


def test_make_ir_sites_of_the_linear_ir_from_linearize():
    _, f_jvp = fg.linearize(_sites_fun, np.arange(3.0))
    text = str(fg.make_ir(f_jvp, sites=True)(np.ones(3)))
    assert "mul" in text and _site_of(1) in text and _site_of(2) in text, text


def test_make_ir_sites_nested_programs():
    def f(x):
        return lax.fori_loop(0, 2, lambda i, v: fnp.cos(v), x)

    text = str(fg.make_ir(f, sites=True)(1.0))
    line = f.__code__.co_firstlineno + 1
    assert re.search(r"cos \w+  # " + re.escape(f"{__file__}:{line} (<lambda>)"), text), text


# ---------------------------------------------------------------------------------------
# Tracers name the transform in the user's terms


@pytest.mark.parametrize("transform, name", [
    (lambda f, x: fg.grad(f)(x), "grad"),
    (lambda f, x: fg.value_and_grad(f)(x), "grad"),
    (lambda f, x: fg.vjp(f, x), "vjp"),
    (lambda f, x: fg.linearize(f, x), "linearize"),
    (lambda f, x: fg.jvp(f, (x,), (x,)), "jvp"),
    (lambda f, x: fg.vmap(f)(x[None]), "vmap"),
    (lambda f, x: fg.jit(f)(x), "jit"),
    (lambda f, x: fg.make_ir(f)(x), "make_ir"),
])
def test_tracer_repr_and_leaked_error_name_the_transform(transform, name):
    leaked = []

    def f(x):
        leaked.append(x)
        return fnp.sum(x * x)

    transform(f, np.ones(2))
    assert re.match(rf"Tracer<f64\[2\]> in {name}\b", repr(leaked[0])), repr(leaked[0])
    with pytest.raises(LeakedTracerError, match=rf"created by the {name} of `.*f` applied at "
                                                + re.escape(__file__)):
        fnp.sin(leaked[0])


def test_concretization_errors_name_the_transform():
    def f(x):
        return x if x > 0 else -x

    with pytest.raises(ConcretizationError, match="inside the jit of `.*f`"):
        fg.jit(f)(1.0)
    with pytest.raises(ConcretizationError, match="inside the vmap of `.*f`"):
        fg.vmap(f)(np.ones(2))
    assert fg.grad(f)(2.0) == 1.0  # concrete under grad: Python control flow works

    def g(x):
        return fg.jit(lambda y: y * x if y > 0 else y)(x)

    with pytest.raises(ConcretizationError, match="inside the jit of"):
        fg.grad(g)(1.0)
