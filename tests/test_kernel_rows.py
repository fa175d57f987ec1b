"""Row kernels: groups whose rows take several passes, and reductions of arrays from outside.

A value computed after a row reduction and read once per row (a mean, a row sum, a max)
lets later elementwise work over the same row join the kernel as a new pass; a reduction
of an input or of an unfused result joins a kernel over its space (sibling) or starts one.
Results must match the NumPy executable (eager impls), and the plan must never read a value
before it exists (a row value read along another dim, a reduction of a value that depends
on the kernel). The layernorm and cross-entropy gradients here are the checks of those two
workloads (once in test_kernels.py, with looser plan bounds).
"""

from __future__ import annotations

import numpy as np
import pytest
from fungrad.kernels.cpu.driver import build, cpu_plan
from fungrad.kernels.plan import MAIN, Group

import fungrad as fg
import fungrad.nn as fnn
import fungrad.numpy as fnp
from fungrad.interpreters.executable import executable
from fungrad.tree_util import tree_flatten

pytest.importorskip("numba")

RTOL = {np.float32: 2e-5, np.float64: 1e-12}


def _run(f, *args, threads: int = 1):
    ir = fg.jit(f, backend="numpy").lower(*args).ir
    plan, kernels = cpu_plan(ir)
    leaves = tree_flatten(args)[0]
    try:
        fg.config.update("jit_kernel_threads", threads)
        fused = build(ir, plan, kernels)(*leaves)
    finally:
        fg.config.update("jit_kernel_threads", 1)
    return fused, executable(ir)(*leaves), plan


def _check(fused, ref, dtype, what):
    scale = max(float(np.max(np.abs(r))) for r in ref)
    for i, (a, b) in enumerate(zip(fused, ref)):
        a, b = np.asarray(a), np.asarray(b)
        assert a.shape == b.shape and a.dtype == b.dtype, (what, i)
        np.testing.assert_allclose(a, b, rtol=RTOL[dtype], atol=RTOL[dtype] * scale,
                                   err_msg=f"{what}: output {i}")


def layernorm(x, g, b):
    m = fnp.mean(x, -1, keepdims=True)
    v = fnp.mean((x - m) ** 2, -1, keepdims=True)
    return (x - m) / fnp.sqrt(v + 1e-5) * g + b


def layernorm_step(x, g, b, ct):
    y, back = fg.vjp(layernorm, x, g, b)
    return (y, *back(ct))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_layernorm_forward_and_backward_is_one_multipass_kernel(dtype):
    rng = np.random.default_rng(0)
    x, ct = rng.standard_normal((2, 7, 300)).astype(dtype)
    g, b = rng.standard_normal((2, 300)).astype(dtype)
    fused, ref, plan = _run(layernorm_step, x, g, b, ct)
    assert len(plan.groups) == 1 and plan.groups[0].passes >= 4, plan.describe()
    assert all(isinstance(s, Group) for s in plan.steps)  # the mean of x too, no impl step
    _check(fused, ref, dtype, "layernorm")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_cross_entropy_gradient_in_one_row_kernel(dtype):
    rng = np.random.default_rng(1)
    x = (rng.standard_normal((9, 200)) * 3).astype(dtype)
    y = np.eye(200, dtype=dtype)[rng.integers(0, 200, 9)]

    def loss(x, y):
        return fnp.mean(-fnp.sum(y * fnn.log_softmax(x), axis=-1))

    fused, ref, plan = _run(fg.value_and_grad(loss), x, y)
    rows = [g for g in plan.groups if g.space == (9, 200)]
    assert len(rows) == 1 and rows[0].passes >= 3, plan.describe()
    _check(fused, ref, dtype, "xent")


@pytest.mark.parametrize("threads", [1, 2])
def test_values_carried_between_passes(threads):
    # e is computed in the first pass and read in the second: kept in an array (per row
    # serially, over the whole space in the parallel variant) or read back from an output.
    x = np.random.default_rng(2).standard_normal((600, 300))

    def f(x):
        e = fnp.exp(x * 0.5)
        p = e / fnp.sum(e, axis=1, keepdims=True)
        return p, p * e  # p: an output read back; e: a buffer

    fused, ref, plan = _run(f, x, threads=threads)
    assert len(plan.groups) == 1 and plan.groups[0].passes == 2
    _check(fused, ref, np.float64, f"softmax threads={threads}")


def test_full_reduction_then_a_second_pass():
    x = np.random.default_rng(3).standard_normal((5, 6, 7))
    fused, ref, plan = _run(lambda x: fnp.tanh(x) / fnp.sum(fnp.tanh(x) ** 2), x)
    assert len(plan.groups) == 1 and plan.groups[0].kept_space == ()
    _check(fused, ref, np.float64, "x / sum(x**2)")


def test_row_value_read_along_another_dim_is_no_second_pass():
    # s has one value per row of x; read as x * s[None, :] it runs along the columns, so
    # it is complete only after every row: the product must not join the row kernel.
    x = np.random.default_rng(4).standard_normal((40, 40))

    def f(x):
        s = fnp.sum(fnp.sin(x) * 2.0, axis=1)
        return x * s[None, :] + 1.0, x * s[:, None] - 1.0

    fused, ref, plan = _run(f, x)
    _check(fused, ref, np.float64, "row value along columns")
    assert len(plan.groups) == 2, plan.describe()


def test_reductions_of_inputs_join_a_kernel_as_siblings():
    rng = np.random.default_rng(5)
    x, y = rng.standard_normal((2, 30, 50))

    def f(x, y):
        return fnp.tanh(x) * 2.0 + 1.0, fnp.sum(y, axis=0), fnp.max(y, axis=1), fnp.sum(x)

    fused, ref, plan = _run(f, x, y)
    assert len(plan.steps) == 1 and len(plan.groups) == 1, plan.describe()
    _check(fused, ref, np.float64, "siblings")


def test_a_reduction_of_a_value_depending_on_the_kernel_stays_out():
    # b is a matmul of the kernel's output: summing it inside that kernel would be a cycle.
    rng = np.random.default_rng(6)
    x, w = rng.standard_normal((2, 16, 16))

    def f(x, w):
        a = fnp.tanh(x) * 2.0 + 1.0
        b = a @ w
        return a, fnp.sum(b, axis=1)

    fused, ref, plan = _run(f, x, w)
    _check(fused, ref, np.float64, "cycle")
    assert len(plan.groups) == 2


def test_sunk_members_run_in_the_pass_that_reads_them():
    # ct * g reads only inputs; computed in the pass that uses it, it is no buffer.
    rng = np.random.default_rng(7)
    x, ct = rng.standard_normal((2, 4, 100))
    g = rng.standard_normal(100)
    fused, ref, plan = _run(layernorm_step, x, g, np.zeros(100), ct)
    group = plan.groups[0]
    for eqn in group.eqns:
        out = eqn.outputs[0]
        readers = [group.level[e.outputs[0]] for e in group.eqns
                   if any(r.var is out for r in group.reads[id(e)])]
        if group.phase[out] == MAIN and readers:
            assert group.level[out] == min(readers), plan.describe()
    _check(fused, ref, np.float64, "sunk")
