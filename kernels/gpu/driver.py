"""The fused GPU program: one generated Python function that runs a plan's steps on CuPy.

Unfused equations call their impl on CuPy arrays (``dot_general`` is a ``matmul``, so
cuBLAS); each group's launches (:mod:`.codegen`) reshape their operands so that CuPy's
broadcasting expands them, allocate the elementwise outputs, call the kernels and reshape
the results to the IR's shapes. Inputs and the IR's constants move to the device once;
intermediates are deleted after their last use, as in the executable.

Kernel objects come from a *runtime*: :class:`CupyRuntime` builds ``cupy.ElementwiseKernel``
and ``cupy.ReductionKernel`` objects, memoised by source (CuPy's own kernel cache keeps the
compiled binaries on disk). :mod:`.emulate` supplies a runtime that compiles the same
kernel bodies as C++ on the CPU, which is how the kernels are tested without a GPU.
CuPy is imported only when a GPU program is built, never when fungrad is imported.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import numpy as np
from fungrad.kernels.gpu.codegen import SPACE_PARAM, KernelSpec, Launch, can_lower, can_reduce
from fungrad.kernels.gpu.codegen import render as render_group
from fungrad.kernels.plan import Group, Plan, plan

from fungrad.interpreters.executable import ProgramWriter, last_uses
from fungrad.ir import IR, Var

INSTALL_HINT = ("Install the gpu extra on a machine with an NVIDIA GPU and driver: "
                "pip install 'fungrad[gpu]' (CuPy for CUDA 12). Without a GPU, "
                "fg.jit(f).lower(*args, backend='gpu').kernel_sources() shows the kernels.")


class GpuUnavailableError(RuntimeError):
    """CuPy or an NVIDIA GPU is missing where a GPU program was asked for."""


def gpu_plan(ir: IR) -> tuple[Plan, dict[int, list[Launch]]]:
    """The fusion plan of ``ir`` for the GPU and each group's launches (by ``id(group)``)."""
    p = plan(ir, can_lower, can_reduce)
    return p, {id(g): render_group(g) for g in p.groups}


def kernel_specs(ir: IR) -> list[KernelSpec]:
    """The distinct CuPy kernels of ``ir``'s GPU program, in program order."""
    _, launches = gpu_plan(ir)
    specs: dict[str, KernelSpec] = {}
    for group_launches in launches.values():
        for launch in group_launches:
            specs.setdefault(launch.spec.name, launch.spec)
    return list(specs.values())


# ---------------------------------------------------------------------------------------
# Runtimes


class CupyRuntime:
    """Kernels as CuPy objects on the current CUDA device."""

    def __init__(self, cupy_module):
        self.xp = cupy_module
        self.kernels: dict[KernelSpec, object] = {}

    def kernel(self, spec: KernelSpec):
        k = self.kernels.get(spec)
        if k is None:
            cp = self.xp
            if spec.kind == "elementwise":
                k = cp.ElementwiseKernel(spec.in_params, spec.out_params, spec.operation,
                                         spec.name, preamble=spec.preamble)
            else:
                k = cp.ReductionKernel(spec.in_params, spec.out_params, spec.map_expr,
                                       spec.reduce_expr, spec.post_map_expr, spec.identity,
                                       spec.name, reduce_type=spec.reduce_type,
                                       preamble=spec.preamble)
            self.kernels[spec] = k
        return k

    def prepare(self, specs) -> None:
        """Nothing to do ahead: CuPy compiles each kernel at its first launch."""

    def to_device(self, x, dtype=None):
        return self.xp.asarray(x, dtype=dtype)


_state: dict = {"runtime": None, "override": None}


def runtime():
    """The runtime GPU programs use: an override (:func:`use_runtime`), else CuPy's.

    This is the one place that decides whether a GPU program can run; without CuPy or a
    GPU it raises :class:`GpuUnavailableError` saying what is missing and how to fix it.
    """
    if _state["override"] is not None:
        return _state["override"]
    if _state["runtime"] is None:
        try:
            import cupy  # noqa: PLC0415 (CuPy is optional and slow to import)
        except ImportError as err:
            raise GpuUnavailableError(
                f"fungrad.jit(backend='gpu') needs CuPy, which is not installed ({err}). "
                + INSTALL_HINT) from None
        try:
            count = cupy.cuda.runtime.getDeviceCount()
        except Exception as err:  # noqa: BLE001 (CUDA reports a missing driver many ways)
            raise GpuUnavailableError(
                f"fungrad.jit(backend='gpu'): CuPy is installed but CUDA found no usable "
                f"GPU ({type(err).__name__}: {err}). " + INSTALL_HINT) from None
        if count == 0:
            raise GpuUnavailableError("fungrad.jit(backend='gpu'): CuPy is installed but "
                                      "CUDA reports no GPU. " + INSTALL_HINT)
        _state["runtime"] = CupyRuntime(cupy)
    return _state["runtime"]


@contextlib.contextmanager
def use_runtime(rt) -> Iterator[None]:
    """Run GPU programs built inside the block with ``rt`` (the CPU emulator in tests)."""
    previous = _state["override"]
    _state["override"] = rt
    try:
        yield
    finally:
        _state["override"] = previous


# ---------------------------------------------------------------------------------------
# The host program


def program(ir: IR) -> Callable:
    """The GPU program of ``ir`` with the current runtime: ``run(*args) -> list``."""
    rt = runtime()
    p, launches = gpu_plan(ir)
    return _writer(ir, p, launches, rt).finish("<fungrad.jit.gpu>")


def host_source(ir: IR) -> str:
    """The Python body of the host program (for ``Lowered.as_text``; nothing compiled)."""
    p, launches = gpu_plan(ir)
    return "\n".join(line[8:] for line in _writer(ir, p, launches, None).body)


def _writer(ir: IR, p: Plan, launches: dict[int, list[Launch]], rt) -> ProgramWriter:
    writer = ProgramWriter(ir)
    ns = writer.namespace
    ns["xp"] = rt.xp if rt is not None else None
    if rt is not None:
        for i, c in enumerate(ir.consts):
            if isinstance(c, np.ndarray) and c.dtype.kind in "biufc":
                ns[f"k{i}"] = rt.to_device(c)
    for i, (name, v) in enumerate(zip(writer.params, ir.invars)):
        if v.aval.dtype.kind in "biufc":  # host arrays and Python scalars move to the device
            ns[f"D_in{i}"] = v.aval.dtype
            writer.body.append(f"        {name} = xp.asarray({name}, D_in{i})")
    if rt is not None:
        rt.prepare([launch.spec for group in launches.values() for launch in group])
    steps = []
    for step in p.steps:
        if isinstance(step, Group):
            made = [v for launch in launches[id(step)] for v in launch.outputs]
            steps.append((step.inputs(), made))
        else:
            steps.append(([a for a in step.inputs if type(a) is Var], step.outputs))
    last_use = last_uses(ir, steps)
    for j, step in enumerate(p.steps):
        if isinstance(step, Group):
            for n, launch in enumerate(launches[id(step)]):
                ns[f"K{j}_{n}"] = rt.kernel(launch.spec) if rt is not None else launch.spec.name
                _launch_lines(f"{j}_{n}", launch, writer)
        else:
            writer.call_impl(j, step)
        writer.free(last_use.get(j, ()))
    return writer


def _operand(writer: ProgramWriter, launch: Launch, k: int) -> str:
    """The expression passing operand ``k``: reshaped so that it broadcasts."""
    op = launch.operands[k]
    expr = writer.ref(op.var)
    shape = op.launch_shape(len(launch.space))
    if tuple(op.var.aval.shape) != shape:
        expr = f"{expr}.reshape({shape!r})"
    if k == 0 and not launch.spans and launch.spec.kind == "reduction":
        expr = f"xp.broadcast_to({expr}, {tuple(launch.space)!r})"
    return expr


def _launch_lines(tag: str, launch: Launch, writer: ProgramWriter) -> None:
    """Append the lines of one launch: operands, outputs, the call, the reshapes."""
    ns, lines = writer.namespace, writer.body
    args = [_operand(writer, launch, k) for k in range(len(launch.operands))]
    if not args:  # a reduction that reads no array: a dummy operand spans its space
        assert SPACE_PARAM in launch.spec.in_params
        args = [f"xp.broadcast_to(xp.zeros((), bool), {tuple(launch.space)!r})"]
    if launch.spec.kind == "elementwise":
        outs = []
        for i, v in enumerate(launch.outputs):
            ns[f"D{tag}_{i}"] = v.aval.dtype
            lines.append(f"        O{tag}_{i} = xp.empty({tuple(launch.space)!r}, D{tag}_{i})")
            outs.append(f"O{tag}_{i}")
        lines.append(f"        K{tag}({', '.join(args + outs)})")
        for o, v in zip(outs, launch.outputs):
            lines.append(f"        {writer.new_name(v)} = {_reshaped(o, launch.space, v)}")
        return
    (v,) = launch.outputs
    kept = tuple(s for d, s in enumerate(launch.space) if d not in launch.axis)
    call = f"K{tag}({', '.join(args)}, axis={tuple(launch.axis)!r})"
    lines.append(f"        {writer.new_name(v)} = {_reshaped(call, kept, v)}")


def _reshaped(expr: str, shape: tuple[int, ...], v: Var) -> str:
    """``expr`` (an array of ``shape``) as ``v``'s shape."""
    target = tuple(v.aval.shape)
    return expr if tuple(shape) == target else f"{expr}.reshape({target!r})"
