"""The fused program: one generated Python function that runs a plan's steps in order.

Unfused equations call their impl (so ``dot_general`` stays on BLAS), as the NumPy
executable does; each kernel step allocates its flat outputs, passes flat C-contiguous
views of its inputs (a copy only for a strided or broadcast input), its loop sizes and
literal arguments, calls the kernel's compiled entry point directly and reshapes the
outputs. Intermediates are deleted after their last use, as in the executable.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable

import numpy as np
from fungrad.kernels import settings
from fungrad.kernels.cpu import cache
from fungrad.kernels.cpu.codegen import (
    MAX_KERNEL_COST,
    Kernel,
    can_lower,
    can_parallelize,
    can_reduce,
    compile_cost,
    render,
)
from fungrad.kernels.plan import Group, Plan, plan

from fungrad.interpreters.executable import ProgramWriter, last_uses
from fungrad.ir import IR, Var


def cpu_plan(ir: IR) -> tuple[Plan, list[Kernel]]:
    """The fusion plan of ``ir`` for the CPU and the rendered kernel of each group."""
    p = plan(ir, can_lower, can_reduce, multipass=True, cost=compile_cost,
             max_cost=MAX_KERNEL_COST)
    return p, [render(g) for g in p.groups]


def flat(x, dtype) -> np.ndarray:
    """``x`` as a flat C-contiguous array of ``dtype`` (a view when it already is one)."""
    if type(x) is np.ndarray and x.dtype == dtype and x.flags.c_contiguous:
        return x.reshape(-1)
    return np.ascontiguousarray(x, dtype=dtype).reshape(-1)


PARALLEL_MIN_SIZE = 1 << 17  # below this, a prange region costs more than it saves


def build(ir: IR, p: Plan, kernels: list[Kernel]) -> Callable:
    """Compile the kernels (cached) and return ``run(*args) -> list`` for the plan.

    Kernels are serial. With ``fg.config.jit_kernel_threads`` above 1, a group of at least
    ``PARALLEL_MIN_SIZE`` elements whose outer loop can be split also gets a ``prange``
    variant, used only on calls that find a core free (measured on a busy 2-core machine,
    ``prange`` lost 10 to 1000x whenever its threads had to wait for a core).
    """
    threads = settings.kernel_threads()
    entries = {}
    for g, k in zip(p.groups, kernels):
        entry = cache.compiled(k)
        if threads > 1 and math.prod(k.sizes) >= PARALLEL_MIN_SIZE and can_parallelize(g):
            entry = _Threaded(entry, cache.compiled(render(g, parallel=True)), threads)
        entries[id(g)] = (k, entry)
    writer = ProgramWriter(ir)
    writer.namespace.update(np=np, _flat=flat)
    steps = []
    for step in p.steps:
        if isinstance(step, Group):
            kernel = entries[id(step)][0]
            steps.append((kernel.inputs, kernel.outputs))
        else:
            steps.append(([a for a in step.inputs if type(a) is Var], step.outputs))
    last_use = last_uses(ir, steps)
    for j, step in enumerate(p.steps):
        if isinstance(step, Group):
            _kernel_call(j, *entries[id(step)], writer)
        else:
            writer.call_impl(j, step)
        writer.free(last_use.get(j, ()))  # as early as eager mode would
    return writer.finish("<fungrad.jit.numba>")


class _Threaded:
    """Calls the parallel variant of a kernel when a core is free, else the serial one."""

    __slots__ = ("serial", "parallel", "threads")

    def __init__(self, serial, parallel, threads: int):
        self.serial, self.parallel, self.threads = serial, parallel, threads

    def __call__(self, *args):
        busy = os.getloadavg()[0]
        if busy + self.threads - 1 <= (os.cpu_count() or 1):
            cache.numba_module().set_num_threads(min(self.threads, numba_threads()))
            return self.parallel(*args)
        return self.serial(*args)


def numba_threads() -> int:
    """The most threads Numba's pool has."""
    return cache.numba_module().config.NUMBA_NUM_THREADS


def _kernel_call(j: int, kernel: Kernel, entry, writer: ProgramWriter) -> None:
    """Append: allocate the flat outputs, call the kernel, reshape its outputs."""
    namespace, lines = writer.namespace, writer.body
    namespace[f"K{j}"] = entry
    args = [str(n) for n in kernel.sizes]
    for v in kernel.inputs:
        dtype = f"D{j}_{len(args)}"
        namespace[dtype] = v.aval.dtype
        args.append(f"_flat({writer.ref(v)}, {dtype})")
    for i, c in enumerate(kernel.literals):
        namespace[f"C{j}_{i}"] = c
        args.append(f"C{j}_{i}")
    outs = []
    for i, (v, size) in enumerate(zip(kernel.outputs, kernel.out_sizes)):
        namespace[f"D{j}_o{i}"] = v.aval.dtype
        lines.append(f"        O{j}_{i} = np.empty({size}, D{j}_o{i})")
        outs.append(f"O{j}_{i}")
    lines.append(f"        K{j}({', '.join(args + outs)})")
    for i, v in enumerate(kernel.outputs):
        lines.append(f"        {writer.new_name(v)} = O{j}_{i}.reshape({tuple(v.aval.shape)!r})")
