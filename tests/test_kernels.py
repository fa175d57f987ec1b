"""Fused Numba kernels: the plan, and fused programs against the NumPy executable.

Every fusible primitive runs inside a kernel on special values (signed zeros, subnormals,
infinities, NaN) in float32 and float64, binary primitives over the broadcast patterns
(rank-0, row, column, unit dims), integer and boolean primitives, and reductions over
trailing, leading, middle and all axes. Results must match the executable's (which runs the
NumPy impls): exactly where the kernels compute exactly (arithmetic, comparisons, selects),
within stated tolerances where they use the vector-math helpers.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from fungrad.kernels.cpu import cache, lowering
from fungrad.kernels.cpu.driver import build, cpu_plan
from fungrad.kernels.plan import Group

import fungrad as fg
import fungrad.numpy as fnp
from fungrad import lax
from fungrad.interpreters.executable import executable
from fungrad.tree_util import tree_flatten

pytest.importorskip("numba")

RTOL = {np.float32: 3e-6, np.float64: 2e-14}  # vector math: float32 1 ulp, float64 3 ulp


def _fused_and_reference(f, *args):
    ir = fg.jit(f, backend="numpy").lower(*args).ir
    plan, kernels = cpu_plan(ir)
    leaves = tree_flatten(args)[0]
    with np.errstate(all="ignore"):
        return build(ir, plan, kernels)(*leaves), executable(ir)(*leaves), plan


def _assert_same(fused, ref, rtol, what):
    for i, (a, b) in enumerate(zip(fused, ref)):
        a, b = np.asarray(a), np.asarray(b)
        assert a.shape == b.shape and a.dtype == b.dtype, (what, i, a.dtype, b.dtype)
        np.testing.assert_allclose(a, b, rtol=rtol, atol=0, equal_nan=True,
                                   err_msg=f"{what}: output {i}")


def _special(dtype):
    fi = np.finfo(dtype)
    return np.array([-np.inf, -fi.max, -3.0, -1.0, -0.5, -0.0, 0.0, fi.smallest_subnormal,
                     fi.tiny, 0.25, 0.5, 1.0, 3.0, 20.0, fi.max, np.inf, np.nan], dtype)


UNARY = ["neg", "sign", "floor", "ceil", "round", "exp", "exp2", "log", "log1p", "expm1",
         "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh",
         "atanh", "sqrt", "cbrt", "abs", "logistic", "is_finite"]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_unary_primitives_in_one_kernel(dtype):
    def f(x):
        y = x * 1.0001  # one main value that every output reads: one kernel
        return [_unary(name)(y) for name in UNARY]

    x = np.concatenate([_special(dtype), np.linspace(-4, 4, 33, dtype=dtype)])
    fused, ref, plan = _fused_and_reference(f, x)
    assert len(plan.groups) == 1 and len(plan.groups[0].eqns) == len(UNARY) + 1
    for name, a, b in zip(UNARY, fused, ref):
        _assert_same([a], [b], RTOL[dtype] if name in ("exp", "log", "tanh", "logistic")
                     else 4 * np.finfo(dtype).eps, f"lax.{name} {np.dtype(dtype).name}")


def _unary(name):
    # lax.round's default (halves away from zero, JAX's) is built from several primitives;
    # the round primitive itself is the half-to-even method.
    if name == "round":
        return lambda y: lax.round(y, lax.RoundingMethod.TO_NEAREST_EVEN)
    return getattr(lax, name)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_round_away_from_zero_is_one_kernel(dtype):
    x = np.concatenate([_special(dtype), np.arange(-8, 9, dtype=dtype) / 4])
    fused, ref, plan = _fused_and_reference(lambda x: lax.round(x * 1.0), x)
    assert len(plan.groups) == 1
    _assert_same(fused, ref, 0, f"lax.round {np.dtype(dtype).name}")


BINARY = ["add", "sub", "mul", "div", "rem", "pow", "max", "min", "atan2", "eq", "ne", "lt",
          "le", "gt", "ge"]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_binary_primitives_on_special_values(dtype):
    def f(x, y):
        a, b = x + dtype(0.5), y - dtype(0.25)
        return [getattr(lax, name)(a, b) for name in BINARY] + [lax.select_n(a > b, a, b)]

    s = _special(dtype)
    x, y = np.meshgrid(s, s)
    fused, ref, plan = _fused_and_reference(f, x.ravel(), y.ravel())
    assert len(plan.groups) == 1
    for name, a, b in zip([*BINARY, "select_n"], fused, ref):
        _assert_same([a], [b], 4 * np.finfo(dtype).eps, f"lax.{name}")


PATTERNS = [((3, 4), (3, 4)), ((3, 4), ()), ((3, 4), (4,)), ((3, 4), (3, 1)),
            ((1, 4), (3, 1)), ((3, 1, 4), (3, 1, 4)), ((2, 3, 4), (3, 1)), ((5,), (1,))]


@pytest.mark.parametrize("shapes", PATTERNS, ids=str)
def test_broadcast_patterns(shapes):
    def f(x, y):
        a = fnp.exp(x) * 0.5
        return [a + y, a * y, fnp.maximum(a, y), fnp.where(a > y, a, y - 1.0),
                fnp.tanh(a - y)]

    rng = np.random.default_rng(0)
    x = rng.standard_normal(shapes[0])
    y = rng.standard_normal(shapes[1])
    fused, ref, plan = _fused_and_reference(f, x, y)
    assert plan.groups
    _assert_same(fused, ref, RTOL[np.float64], f"shapes {shapes}")


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint8])
def test_integer_and_boolean_primitives(dtype):
    def f(x, y):
        a = x + y
        b = x * y
        return [a, b, a - b, -a, lax.max(a, b), lax.min(a, b), lax.abs(a), lax.sign(b),
                a & b, a | b, a ^ b, ~a, a > b, lax.select_n(a > b, a, b),
                lax.convert_element_type(a, np.float32), (a > b) & (b < x),
                lax.convert_element_type(a > b, np.float64)]

    info = np.iinfo(dtype)
    rng = np.random.default_rng(1)
    x = rng.integers(info.min // 2, info.max // 2, 64, dtype=dtype)
    y = rng.integers(info.min // 4, info.max // 4, 64, dtype=dtype)
    fused, ref, _ = _fused_and_reference(f, x, y)
    for i, (a, b) in enumerate(zip(fused, ref)):
        assert a.dtype == b.dtype, (i, a.dtype, b.dtype)
        np.testing.assert_array_equal(a, b, err_msg=f"output {i}")  # wrap-around included


@pytest.mark.parametrize("axes", [(2,), (1, 2), (0,), (0, 1), (1,), (0, 2), (0, 1, 2)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_reductions_over_axes(axes, dtype):
    def f(x):
        e = fnp.exp(x * 0.5)
        s = fnp.sum(e, axis=axes)
        return [s, fnp.log(s), fnp.max(e, axis=axes), fnp.min(x - 1.0, axis=axes)]

    x = np.random.default_rng(2).standard_normal((4, 5, 6)).astype(dtype)
    x[1, 2, 3] = np.nan  # NaN propagates through max and min as in NumPy
    fused, ref, plan = _fused_and_reference(f, x)
    assert any(g.has_reduction for g in plan.groups)
    _assert_same(fused, ref, 1e-5 if dtype == np.float32 else 1e-13, f"axes {axes}")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_max_and_min_reductions_on_special_values(dtype):
    # Float max/min accumulate integer keys of the bits: every order of signs, zeros,
    # subnormals, infinities and NaN (of either sign) must give NumPy's result.
    fi = np.finfo(dtype)
    rows = [[-np.inf, -np.inf, -np.inf], [np.inf, 1.0, -np.inf], [-3.0, -2.0, -5.0],
            [fi.smallest_subnormal, -fi.smallest_subnormal, 0.0], [fi.max, -fi.max, fi.tiny],
            [1.0, np.nan, 2.0], [1.0, -np.nan, -2.0], [-0.0, -1.0, -0.5]]
    x = np.array(rows, dtype)

    def f(x):
        y = x * 1.0  # a main value: the reductions run in a kernel
        return [fnp.max(y, axis=1), fnp.min(y, axis=1), fnp.max(y, axis=0), fnp.min(y, axis=0)]

    fused, ref, plan = _fused_and_reference(f, x)
    assert plan.groups
    for a, b in zip(fused, ref):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == dtype


def test_float32_sums_accumulate_in_float64():
    x = np.full(100_000, 0.1, np.float32)
    fused, _, plan = _fused_and_reference(lambda x: fnp.sum(x * 1.5 + 0.0), x)
    exact = np.sum(x.astype(np.float64) * np.float64(np.float32(1.5)))
    assert plan.groups and fused[0].dtype == np.float32
    assert abs(float(fused[0]) - exact) / exact < 1e-7


def test_float32_sum_of_vector_math_gets_its_own_loop_and_stays_float64():
    # exp and a float64 accumulator in one loop do not vectorise: the sum reads the row
    # back in a second loop; a sum of plain arithmetic stays in the main loop.
    x = np.random.default_rng(3).standard_normal((50, 2000)).astype(np.float32)
    f = fg.jit(lambda x: fnp.sum(fnp.exp(x), axis=1), backend="numba")
    source = f.lower(x).kernel_sources()[0]
    assert source.count("for i1 in range(n1):") == 2 and "np.float64(0)" in source
    exact = np.sum(np.exp(x.astype(np.float64)), axis=1)
    out = f(x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, exact, rtol=2e-7)
    plain = fg.jit(lambda x: fnp.sum(x * 2.0 + 1.0, axis=1), backend="numba")
    assert plain.lower(x).kernel_sources()[0].count("for i1 in range(n1):") == 1


def test_weak_literals_keep_float32():
    x = np.linspace(0, 1, 50, dtype=np.float32)
    fused, ref, _ = _fused_and_reference(lambda x: (x * 0.01 + 0.3) * x, x)
    assert fused[0].dtype == np.float32
    np.testing.assert_array_equal(fused[0], ref[0])  # the same float32 operations


def test_plan_structure():
    x = np.ones((4, 8))
    ir = fg.jit(lambda x: fnp.sin(x)).lower(x).ir
    assert not cpu_plan(ir)[0].groups  # a single op: NumPy's ufunc is as good
    ir = fg.jit(lambda x: fnp.sin(x) * 2.0 + 1.0).lower(x).ir
    plan, kernels = cpu_plan(ir)
    assert len(plan.groups) == 1 and len(kernels) == 1
    assert "for i0 in range(n0):" in kernels[0].source and "for i1" not in kernels[0].source
    ir = fg.jit(lambda s: s * 2.0 + 1.0).lower(3.0).ir
    assert not cpu_plan(ir)[0].groups  # rank-0 work never starts a kernel
    # A broadcast read only by a kernel is an index map, not a step.
    ir = fg.jit(lambda x, b: fnp.tanh(x + b) * 2.0).lower(x, np.ones(8)).ir
    steps = cpu_plan(ir)[0].steps
    assert len(steps) == 1 and isinstance(steps[0], Group)


def test_no_cycle_through_an_unfused_step():
    # b depends on kernel values through a matmul; the add that reads both must not join
    # the first kernel (it would wait on the matmul, which waits on the kernel).
    def f(x, w):
        a = fnp.tanh(x) * 2.0
        b = a @ w
        return fnp.exp(a) + b * 3.0

    x, w = np.random.default_rng(4).standard_normal((2, 6, 6))
    fused, ref, plan = _fused_and_reference(f, x, w)
    _assert_same(fused, ref, RTOL[np.float64], "cycle")
    assert any(not isinstance(s, Group) and s.prim is lax.dot_general_p for s in plan.steps)


def test_kernels_are_shape_polymorphic_and_shared():
    f = fg.jit(lambda x: fnp.tanh(x) * 2.0 + 1.0, backend="numba")
    x1, x2 = np.ones((3, 5)), np.ones((7, 11))
    k1 = f.lower(x1).kernel_sources()
    k2 = f.lower(x2).kernel_sources()
    assert k1 == k2  # sizes are arguments: one kernel for every shape
    np.testing.assert_allclose(f(x2), np.tanh(x2) * 2 + 1, rtol=1e-14)
    before = cache.stats["compiled"] + cache.stats["loaded"]
    np.testing.assert_allclose(f(x1), np.tanh(x1) * 2 + 1, rtol=1e-14)
    assert cache.stats["compiled"] + cache.stats["loaded"] == before


def test_lowered_shows_plan_and_compiles():
    f = fg.jit(lambda x: fnp.sum(fnp.exp(x) * x, axis=1), backend="numba")
    x = np.random.default_rng(5).standard_normal((4, 9))
    lowered = f.lower(x)
    text = lowered.as_text()
    assert "fusion plan (1 kernels)" in text and "red " in text
    assert "@numba.njit" in lowered.kernel_sources()[0]
    run = lowered.compile()
    np.testing.assert_allclose(run(x)[0], np.sum(np.exp(x) * x, axis=1), rtol=1e-13)
    assert "fusion plan" not in fg.jit(f.fun, backend="numpy").lower(x).as_text()


def test_exact_math_option_uses_libm():
    x = np.linspace(-3, 3, 20)
    try:
        fg.config.update("jit_exact_math", True)
        source = fg.jit(lambda x: fnp.exp(x) * 2.0).lower(x).kernel_sources()[0]
        assert "np.exp(" in source and "vm_exp" not in source
    finally:
        fg.config.update("jit_exact_math", False)
    source = fg.jit(lambda x: fnp.exp(x) * 2.0).lower(x).kernel_sources()[0]
    assert "vm_exp_f64(" in source


def test_jit_backend_option_and_errors():
    with pytest.raises(ValueError, match="backend='tpu'"):
        fg.jit(lambda x: x, backend="tpu")
    with pytest.raises(ValueError, match="jit_backend"):
        fg.config.update("jit_backend", "fast")
    assert fg.jit(lambda x: x, backend="cpu").backend == "auto"  # JAX's name for the CPU


def test_planning_time_for_a_long_program():
    def chain(x):
        for i in range(500):
            x = fnp.sin(x) * 1.0001 if i % 2 else fnp.cos(x) + 0.5
        return x

    ir = fg.jit(chain).lower(np.ones(10)).ir
    assert len(ir.eqns) >= 1000
    start = time.perf_counter()
    plan, kernels = cpu_plan(ir)
    elapsed = time.perf_counter() - start
    assert len(plan.groups) == 1 and len(kernels) == 1
    assert elapsed < 2.0, f"planning {len(ir.eqns)} equations took {elapsed:.2f} s"


def test_every_elementwise_primitive_has_a_cpu_rule_or_a_reason():
    from fungrad.core import registry

    for name, prim in registry.items():
        if prim.elementwise:
            assert prim in lowering.cpu_lowerings or prim in lowering.cpu_declined, name


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_special_functions_in_kernels(dtype):
    def f(x):
        y = x * 1.0001
        return [lax.erf(y), lax.erfc(y), lax.lgamma(lax.abs(y) + dtype(0.25))]

    x = np.concatenate([_special(dtype), np.linspace(-6, 30, 37, dtype=dtype)])
    fused, ref, plan = _fused_and_reference(f, x)
    assert len(plan.groups) == 1
    for a, b in zip(fused, ref):  # libm against fungrad's own numerics: a few ulp
        np.testing.assert_allclose(a, b, rtol=8 * np.finfo(dtype).eps, atol=1e-300,
                                   equal_nan=True)


def test_parallel_variant_for_large_kernels():
    x = np.random.default_rng(6).standard_normal((512, 300))

    def f(x):
        e = fnp.exp(x * 0.5)
        return e / fnp.sum(e, axis=1, keepdims=True)

    ir = fg.jit(f).lower(x).ir
    plan, kernels = cpu_plan(ir)
    from fungrad.kernels.cpu.codegen import can_parallelize, render

    groups = [g for g in plan.groups if can_parallelize(g)]
    assert groups
    source = render(groups[0], parallel=True).source
    assert "numba.prange(n0)" in source and "parallel=True" in source
    try:
        fg.config.update("jit_kernel_threads", 2)
        fused = build(ir, plan, kernels)(x)
    finally:
        fg.config.update("jit_kernel_threads", 1)
    np.testing.assert_allclose(fused[0], executable(ir)(x)[0], rtol=1e-13)
    with pytest.raises(ValueError, match="positive int"):
        fg.config.update("jit_kernel_threads", 0)


def test_kernels_are_bounded_in_compile_cost():
    """A long elementwise chain is split into kernels of at most MAX_KERNEL_COST (vector
    math counting VECTOR_MATH_COST), each reading the previous one's outputs, and the
    result is unchanged; everyday groups stay whole."""
    from fungrad.kernels.cpu import codegen

    def chain(x):
        for _ in range(120):  # 120 tanh and 480 plain operations: cost 1680
            x = fnp.where(x > 0, x * 0.9, -x) + fnp.tanh(x) * 0.5
        return x

    x = np.linspace(-2.0, 2.0, 50)
    lowered = fg.jit(chain, backend="numba").lower(x)
    groups = cpu_plan(lowered.ir)[0].groups
    assert len(groups) >= 2
    assert all(g.cost <= codegen.MAX_KERNEL_COST for g in groups)
    assert sum(g.cost for g in groups) >= 1680
    np.testing.assert_allclose(fg.jit(chain, backend="numba")(x), chain(x), rtol=1e-13)
    small = fg.jit(lambda x: fnp.tanh(x) * fnp.exp(-x) + 1.0, backend="numba").lower(x)
    assert small.as_text().count("kernel ") == 1
