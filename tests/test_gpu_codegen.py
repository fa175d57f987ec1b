"""The GPU backend without a GPU: lowering, CUDA sources, the host program and its errors.

Fused GPU programs run here through the C++ emulation of CuPy's kernels
(:mod:`fungrad.kernels.gpu.emulate`) on special values (signed zeros, subnormals,
infinities, NaN) in float32 and float64, over broadcast patterns (rank-0, row, column, unit
dims), on integers and booleans, and with reductions over trailing, leading, middle and all
axes. Results must match the NumPy executable of the same IR: exactly where the kernels
compute exactly, within a few ulp where they call the math library.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import types

import numpy as np
import pytest
from fungrad.kernels.gpu import driver, emulate
from fungrad.kernels.gpu.codegen import KernelSpec

import fungrad as fg
import fungrad.nn as fnn
import fungrad.numpy as fnp
from fungrad import lax
from fungrad.interpreters.executable import executable
from fungrad.tree_util import tree_flatten

needs_gxx = pytest.mark.skipif(shutil.which("g++") is None, reason="emulation needs g++")
HAVE_CUPY = importlib.util.find_spec("cupy") is not None


def _emulated_and_reference(f, *args):
    ir = fg.jit(f, backend="numpy").lower(*args).ir
    leaves = tree_flatten(args)[0]
    with driver.use_runtime(emulate.runtime()), np.errstate(all="ignore"):
        return driver.program(ir)(*leaves), executable(ir)(*leaves), driver.gpu_plan(ir)[0]


def _assert_same(got, want, rtol, what):
    for i, (a, b) in enumerate(zip(got, want)):
        a, b = np.asarray(a), np.asarray(b)
        assert a.shape == b.shape and a.dtype == b.dtype, (what, i, a.dtype, b.dtype)
        np.testing.assert_allclose(a, b, rtol=rtol, atol=0, equal_nan=True,
                                   err_msg=f"{what}: output {i}")


def _special(dtype):
    fi = np.finfo(dtype)
    return np.array([-np.inf, -fi.max, -3.0, -1.0, -0.5, -0.0, 0.0, fi.smallest_subnormal,
                     fi.tiny, 0.25, 0.5, 1.0, 3.0, 20.0, fi.max, np.inf, np.nan], dtype)


# ---------------------------------------------------------------------------------------
# Lowering without a GPU


def test_lower_shows_plan_and_cuda_sources_without_a_gpu():
    x = np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4)
    f = fg.jit(lambda x: fnp.max(fnp.tanh(x) * 0.01 + 1.0, axis=1) + fnp.sum(x * x, axis=1))
    lowered = f.lower(x, backend="gpu")
    text = lowered.as_text()
    assert "fusion plan" in text and "host program (CuPy)" in text and "axis=(1,)" in text
    sources = lowered.kernel_sources()
    joined = "\n".join(sources)
    assert "cupy.ElementwiseKernel(" in joined or "cupy.ReductionKernel(" in joined
    assert "((float)0.01)" in joined  # weak literals take the float32 op type
    assert "isnan(a)" in joined and "-CUDART_INF_F" in joined  # NaN-propagating max
    assert "#include <cupy/math_constants.h>" in joined
    assert "reduce_type='double'" in joined  # float32 sums accumulate in double
    assert "@numba" not in joined
    assert "fusion plan" in fg.jit(f.fun, backend="cpu").lower(x).as_text()


def test_kernels_are_named_by_their_text():
    a = fg.jit(lambda x: fnp.tanh(x) * 2.0 + 1.0).lower(np.ones(3), backend="gpu")
    b = fg.jit(lambda y: fnp.tanh(y) * 2.0 + 1.0).lower(np.ones((5, 7)), backend="gpu")
    assert a.kernel_sources() == b.kernel_sources()  # one kernel for every shape
    c = fg.jit(lambda y: fnp.tanh(y) * 3.0 + 1.0).lower(np.ones(3), backend="gpu")
    assert c.kernel_sources() != a.kernel_sources()


@pytest.mark.skipif(HAVE_CUPY, reason="CuPy is installed here")
def test_gpu_backend_without_cupy_says_what_is_missing():
    with pytest.raises(driver.GpuUnavailableError, match="needs CuPy") as err:
        fg.jit(lambda x: x + 1, backend="gpu")
    assert "pip install 'fungrad[gpu]'" in str(err.value)
    assert "backend='gpu').kernel_sources()" in str(err.value)
    fg.config.update("jit_backend", "gpu")
    try:
        with pytest.raises(driver.GpuUnavailableError, match="needs CuPy"):
            fg.jit(lambda x: x * 2.0)(np.ones(3))
    finally:
        fg.config.update("jit_backend", "auto")


def test_fungrad_never_imports_cupy_to_lower(tmp_path):
    (tmp_path / "cupy").mkdir()
    (tmp_path / "cupy" / "__init__.py").write_text("raise ImportError('imported cupy')\n")
    code = ("import numpy as np, fungrad as fg\n"
            "src = fg.jit(lambda x: x * 2.0 + 1.0).lower(np.ones(3), backend='gpu')"
            ".kernel_sources()\n"
            "assert 'ElementwiseKernel' in src[0]\n")
    path = os.pathsep.join([str(tmp_path), *sys.path])
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": path}, check=False)
    assert result.returncode == 0, result.stderr


def test_backend_names():
    with pytest.raises(ValueError, match="'gpu' runs fused CuPy kernels"):
        fg.jit(lambda x: x).lower(1.0, backend="tpu")
    assert fg.jit(lambda x: x).lower(1.0, backend="cuda").backend == "gpu"


@needs_gxx
def test_jit_on_the_emulated_gpu():
    x = np.linspace(-2, 2, 24).reshape(4, 6)
    with driver.use_runtime(emulate.runtime()):
        f = fg.jit(lambda x: fnp.sum(fnp.exp(x) * x, axis=1), backend="gpu")
        np.testing.assert_allclose(f(x), np.sum(np.exp(x) * x, axis=1), rtol=1e-13)
        np.testing.assert_allclose(f(x + 1), np.sum(np.exp(x + 1) * (x + 1), axis=1),
                                   rtol=1e-13)
        assert f.trace_count == 1
        fg.config.update("jit_backend", "gpu")  # jit_call under grad follows the config
        try:
            g = fg.grad(lambda x: fnp.sum(fg.jit(lambda y: fnp.tanh(y) * y)(x)))(x)
        finally:
            fg.config.update("jit_backend", "auto")
    np.testing.assert_allclose(g, np.tanh(x) + x * (1 - np.tanh(x) ** 2), rtol=1e-13)


def _fake_cupy():
    """A stand-in ``cupy`` with the real constructors' signatures, backed by the emulator."""
    made = []

    def elementwise(in_params, out_params, operation, name="kernel", reduce_dims=True,
                    preamble="", no_return=False, return_tuple=False, loop_prep="",
                    after_loop="", options=()):
        made.append(name)
        return emulate.ElementwiseKernel(KernelSpec("elementwise", in_params, out_params,
                                                    operation=operation, preamble=preamble))

    def reduction(in_params, out_params, map_expr, reduce_expr, post_map_expr, identity,
                  name="reduce_kernel", reduce_type=None, reduce_dims=True, preamble="",
                  options=()):
        made.append(name)
        return emulate.ReductionKernel(KernelSpec(
            "reduction", in_params, out_params, map_expr=map_expr, reduce_expr=reduce_expr,
            post_map_expr=post_map_expr, identity=identity, reduce_type=reduce_type,
            preamble=preamble))

    module = types.SimpleNamespace(ElementwiseKernel=elementwise, ReductionKernel=reduction,
                                   asarray=np.asarray, empty=np.empty, zeros=np.zeros,
                                   broadcast_to=np.broadcast_to)
    return module, made


@needs_gxx
def test_cupy_runtime_builds_each_kernel_once():
    cupy, made = _fake_cupy()
    rt = driver.CupyRuntime(cupy)

    def step(w, g):  # the same update kernel for every parameter
        return [wi - 0.1 * fnp.tanh(gi) * gi for wi, gi in zip(w, g)]

    w = [np.ones(5), np.ones((3, 4)), np.ones(7)]
    ir = fg.jit(step, backend="numpy").lower(w, w).ir
    with driver.use_runtime(rt):
        out = driver.program(ir)(*w, *w)
    for a in out:
        np.testing.assert_allclose(a, 1 - 0.1 * np.tanh(1.0), rtol=1e-15)
    assert len(made) == 1, made  # memoised by source: one kernel object, three launches


# ---------------------------------------------------------------------------------------
# Values through the emulated kernels

UNARY = ["neg", "sign", "floor", "ceil", "round", "exp", "exp2", "log", "log1p", "expm1",
         "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh",
         "atanh", "sqrt", "cbrt", "abs", "logistic", "is_finite", "erf", "erfc"]


@needs_gxx
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_unary_primitives_on_special_values(dtype):
    def f(x):
        y = x * 1.0001  # one main value that every output reads: one kernel
        return [getattr(lax, name)(y) for name in UNARY] + [
            lax.lgamma(lax.abs(y) + dtype(0.25)), lax.integer_pow(y, 3),
            lax.integer_pow(y, -2), lax.integer_pow(y, 7)]

    x = np.concatenate([_special(dtype), np.linspace(-4, 4, 33, dtype=dtype)])
    got, want, plan = _emulated_and_reference(f, x)
    assert len(plan.groups) == 1
    names = [*UNARY, "lgamma", "pow3", "pow-2", "pow7"]
    for name, a, b in zip(names, got, want):
        _assert_same([a], [b], 8 * np.finfo(dtype).eps, f"lax.{name} {np.dtype(dtype).name}")


BINARY = ["add", "sub", "mul", "div", "rem", "pow", "max", "min", "atan2", "eq", "ne", "lt",
          "le", "gt", "ge"]


@needs_gxx
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_binary_primitives_on_special_values(dtype):
    def f(x, y):
        a, b = x + dtype(0.5), y - dtype(0.25)
        return [getattr(lax, name)(a, b) for name in BINARY] + [lax.select_n(a > b, a, b)]

    s = _special(dtype)
    x, y = np.meshgrid(s, s)
    got, want, plan = _emulated_and_reference(f, x.ravel(), y.ravel())
    assert len(plan.groups) == 1
    for name, a, b in zip([*BINARY, "select_n"], got, want):
        _assert_same([a], [b], 4 * np.finfo(dtype).eps, f"lax.{name}")
        if name in ("max", "min"):  # NumPy's choice between -0.0 and 0.0 too
            np.testing.assert_array_equal(np.signbit(a), np.signbit(b))


PATTERNS = [((3, 4), (3, 4)), ((3, 4), ()), ((3, 4), (4,)), ((3, 4), (3, 1)),
            ((1, 4), (3, 1)), ((3, 1, 4), (3, 1, 4)), ((2, 3, 4), (3, 1)), ((5,), (1,))]


@needs_gxx
@pytest.mark.parametrize("shapes", PATTERNS, ids=str)
def test_broadcast_patterns(shapes):
    def f(x, y):
        a = fnp.exp(x) * 0.5
        return [a + y, a * y, fnp.maximum(a, y), fnp.where(a > y, a, y - 1.0),
                fnp.tanh(a - y), fnp.sum(a * y, axis=-1)]

    rng = np.random.default_rng(0)
    got, want, plan = _emulated_and_reference(f, rng.standard_normal(shapes[0]),
                                              rng.standard_normal(shapes[1]))
    assert plan.groups
    _assert_same(got, want, 1e-14, f"shapes {shapes}")


@needs_gxx
def test_no_operand_spans_the_space():
    def f(x):
        b = fnp.broadcast_to(x, (3, 4))
        e = fnp.exp(b) * 2.0 + 1.0  # written over (3, 4), read from (4,)
        return [e, fnp.sum(fnp.tanh(b) * 2.0, axis=0), fnp.max(b * 3.0 - 1.0, axis=1)]

    x = np.linspace(-1, 1, 4)
    got, want, plan = _emulated_and_reference(f, x)
    assert plan.groups
    _assert_same(got, want, 1e-14, "broadcast only")


@needs_gxx
@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64, np.uint8])
def test_integer_and_boolean_primitives(dtype):
    def f(x, y):
        a = x + y
        b = x * y
        return [a, b, a - b, -a, lax.max(a, b), lax.min(a, b), lax.abs(a), lax.sign(b),
                a & b, a | b, a ^ b, ~a, a > b, lax.select_n(a > b, a, b),
                lax.convert_element_type(a, np.float32), (a > b) & (b < x),
                lax.convert_element_type(a > b, np.float64), lax.integer_pow(a, 3),
                lax.integer_pow(b, 6), fnp.sum(a * b, axis=0), fnp.max(a - b, axis=0)]

    info = np.iinfo(dtype)
    rng = np.random.default_rng(1)
    x = rng.integers(info.min // 2, info.max // 2, (8, 8), dtype=dtype)
    y = rng.integers(info.min // 4, info.max // 4, (8, 8), dtype=dtype)
    got, want, _ = _emulated_and_reference(f, x, y)
    for i, (a, b) in enumerate(zip(got, want)):
        assert a.dtype == b.dtype, (i, a.dtype, b.dtype)
        np.testing.assert_array_equal(a, b, err_msg=f"output {i}")  # wrap-around included


@needs_gxx
@pytest.mark.parametrize("axes", [(2,), (1, 2), (0,), (0, 1), (1,), (0, 2), (0, 1, 2)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_reductions_over_axes(axes, dtype):
    def f(x):
        e = fnp.exp(x * 0.5)
        s = fnp.sum(e, axis=axes)
        return [s, fnp.log(s), fnp.max(e, axis=axes), fnp.min(x - 1.0, axis=axes)]

    x = np.random.default_rng(2).standard_normal((4, 5, 6)).astype(dtype)
    x[1, 2, 3] = np.nan  # NaN propagates through max and min as in NumPy
    got, want, plan = _emulated_and_reference(f, x)
    assert any(g.has_reduction for g in plan.groups)
    _assert_same(got, want, 1e-5 if dtype == np.float32 else 1e-13, f"axes {axes}")


@needs_gxx
def test_float32_sums_accumulate_in_double_and_literals_stay_float32():
    x = np.full(100_000, 0.1, np.float32)
    got, _, plan = _emulated_and_reference(lambda x: fnp.sum(x * 1.5 + 0.0), x)
    exact = np.sum(x.astype(np.float64) * np.float64(np.float32(1.5)))
    assert plan.groups and got[0].dtype == np.float32
    assert abs(float(got[0]) - exact) / exact < 1e-7
    x = np.linspace(0, 1, 50, dtype=np.float32)
    got, want, _ = _emulated_and_reference(lambda x: (x * 0.01 + 0.3) * x, x)
    assert got[0].dtype == np.float32
    np.testing.assert_array_equal(got[0], want[0])  # the same float32 operations


# ---------------------------------------------------------------------------------------
# The workloads of bench/kernels.py: values, and how many kernels each plan launches


@needs_gxx
def test_workloads_match_eager_and_launch_few_kernels():
    import bench.kernels as bk  # noqa: PLC0415 (the benchmark's workloads, only here)

    launches = {"gelu": 1, "layernorm": 10, "xent": 9, "mlp step": 21}
    for w in bk.all_workloads([2000], [np.float32, np.float64]):
        name = next((k for k in launches if w.name.startswith(k)), None)
        if name is None:
            continue
        lowered = fg.jit(lambda *a, w=w: w.fn(bk.FG, *a)).lower(*w.args, backend="gpu")
        _, groups = driver.gpu_plan(lowered.ir)
        assert sum(len(g) for g in groups.values()) <= launches[name], w.name
        with driver.use_runtime(emulate.runtime()):
            got = lowered.compile()(*tree_flatten(w.args)[0])
        want = tree_flatten(w.fn(bk.FG, *w.args))[0]
        for a, b in zip(got, want):
            scale = float(np.max(np.abs(b))) or 1.0
            np.testing.assert_allclose(a, b, rtol=1e-4 if w.dtype == np.float32 else 1e-11,
                                       atol=1e-6 * scale, err_msg=w.name)


@needs_gxx
def test_softmax_cross_entropy_gradient_fused():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((8, 300)).astype(np.float32)
    labels = np.eye(300, dtype=np.float32)[rng.integers(0, 300, 8)]

    def xent(x, y):
        return fnp.mean(-fnp.sum(y * fnn.log_softmax(x), axis=-1))

    got, want, plan = _emulated_and_reference(fg.value_and_grad(xent), x, labels)
    assert 1 <= len(plan.groups) <= 5, plan.describe()
    _assert_same(got, want, 1e-5, "xent")
