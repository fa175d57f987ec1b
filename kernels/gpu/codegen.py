"""CuPy kernels for the groups of a fusion plan: source specs and how the host launches them.

A group of the plan (:mod:`fungrad.kernels.plan`) becomes up to three kinds of launch:

- one ``cupy.ElementwiseKernel`` over the group's space computing the main values needed
  outside it (registers in between; the group's inputs reshaped so that NumPy-style
  broadcasting expands them);
- one ``cupy.ReductionKernel`` per reduction, called with ``axis=`` in the space's
  (squeezed) coordinates. A ReductionKernel cannot also write full-size outputs, so its
  ``map_expr`` reads the reduced value from the elementwise launch's output when that exists,
  and otherwise calls a ``__device__`` function that *recomputes* the value's cone from the
  group's inputs (cheap on a GPU, where the loads are what costs);
- one ``ElementwiseKernel`` over the kept space for the epilogue (``post_map_expr`` sees
  only the accumulator and the outputs, not other reductions or inputs).

Two traps of CuPy's calling conventions are avoided by construction: outputs of elementwise
launches are always passed in (``cupy.empty`` of the space), so neither a single output
returned as a bare array nor a space that no input spans (a broadcast of a lower-rank value)
can go wrong; and a reduction none of whose operands spans its space gets its first operand
as a broadcast view of the whole space, since a ReductionKernel's space is its operands'.

Kernel names are hashes of their text, so identical kernels of different groups (the MLP's
parameter updates) are one kernel, compiled once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from fungrad.kernels.cpu.codegen import op_dtype  # an IR-level rule both backends share
from fungrad.kernels.gpu.lowering import (
    HELPERS,
    c_literal,
    c_type,
    gpu_lowerings,
    reduce_rules,
    reduce_type,
)
from fungrad.kernels.plan import ARED, EPI, MAIN, RED, Group, Read, canonical, canonical_axes

from fungrad.core import get_aval
from fungrad.ir import Eqn, Var
from fungrad.lax import select_n_p

MATH_CONSTANTS = "#include <cupy/math_constants.h>"
SPACE_PARAM = "fg_space"  # the unused operand of a reduction that reads no array


@dataclass(frozen=True)
class KernelSpec:
    """The arguments of one ``cupy.ElementwiseKernel`` (``kind == "elementwise"``) or
    ``cupy.ReductionKernel`` (``"reduction"``); ``name`` is derived from the rest."""

    kind: str
    in_params: str
    out_params: str
    operation: str = ""
    map_expr: str = ""
    reduce_expr: str = ""
    post_map_expr: str = ""
    identity: str = ""
    reduce_type: str = ""
    preamble: str = ""
    name: str = field(default="", compare=False)

    def __post_init__(self):
        text = "\0".join([self.kind, self.in_params, self.out_params, self.operation,
                          self.map_expr, self.reduce_expr, self.post_map_expr, self.identity,
                          self.reduce_type, self.preamble])
        digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        object.__setattr__(self, "name", f"fg_{self.kind[0]}_{digest}")

    def source(self) -> str:
        """The Python constructor of the CuPy kernel (CUDA C++ in its strings)."""
        if self.kind == "elementwise":
            args = [repr(self.in_params), repr(self.out_params), _block(self.operation),
                    repr(self.name)]
        else:
            args = [repr(self.in_params), repr(self.out_params), repr(self.map_expr),
                    repr(self.reduce_expr), repr(self.post_map_expr), repr(self.identity),
                    repr(self.name), f"reduce_type={self.reduce_type!r}"]
        if self.preamble:
            args.append(f"preamble={_block(self.preamble)}")
        kernel = "ElementwiseKernel" if self.kind == "elementwise" else "ReductionKernel"
        return f"{self.name} = cupy.{kernel}(\n    " + ",\n    ".join(args) + ")\n"


def _block(code: str) -> str:
    return "r'''\n" + code + "\n'''"


@dataclass(frozen=True)
class Operand:
    """An array a launch reads: ``var``'s canonical dim ``j`` runs along launch dim
    ``dims[j]`` (rank-0 values have ``dims == ()``)."""

    var: Var
    dims: tuple[int, ...]

    def launch_shape(self, rank: int) -> tuple[int, ...]:
        """The shape to reshape ``var`` to so that it broadcasts over a rank-``rank`` space
        (``broadcast_in_dim`` keeps dims in order, so a reshape is all it takes)."""
        if not self.dims:
            return ()
        shape = [1] * rank
        for size, d in zip(canonical(self.var.aval.shape), self.dims):
            shape[d] = size
        return tuple(shape)


@dataclass
class Launch:
    """One kernel call: the spec, the space it runs over, its operands (in ``in_params``
    order), the values it makes and, for reductions, the reduced dims of the space."""

    spec: KernelSpec
    space: tuple[int, ...]
    operands: list[Operand]
    outputs: list[Var]
    axis: tuple[int, ...] = ()
    spans: bool = True  # an operand covers the whole space (reductions need one that does)


def _kernel_types(eqn: Eqn) -> bool:
    """Whether every array ``eqn`` reads and writes has a C type in kernels."""
    return all(c_type(v.aval.dtype) is not None for v in [*eqn.inputs, *eqn.outputs]
               if type(v) is Var)


def can_lower(eqn: Eqn) -> bool:
    """True if the GPU table compiles ``eqn`` (primitive and dtypes)."""
    if eqn.prim.multiple_results or not eqn.prim.elementwise or not _kernel_types(eqn):
        return False
    rule = gpu_lowerings.get(eqn.prim)
    names = [f"x{i}" for i in range(len(eqn.inputs))]
    return rule is not None and rule(op_dtype(eqn), eqn.params, *names) is not None


def can_reduce(eqn: Eqn) -> bool:
    """True for the reductions GPU kernels accumulate (sum/max/min of floats and ints)."""
    dtype = eqn.outputs[0].aval.dtype
    return eqn.prim in reduce_rules and dtype.kind in "fiu" and _kernel_types(eqn)


# ---------------------------------------------------------------------------------------
# Rendering one group


class _Body:
    """The statements computing some of a group's values, and the parameters they read."""

    def __init__(self, group: Group, stop: set[Var]):
        self.g = group
        self.stop = stop  # values of the group read from arrays, not recomputed
        self.regs: dict[Var, str] = {}
        self.params: dict[tuple[Var, tuple[int, ...]], str] = {}
        self.lines: list[str] = []
        self.producer = {e.outputs[0]: e for e in group.eqns}

    def compute(self, targets: list[Var]) -> None:
        """Append the statements for ``targets`` and everything they need, in order."""
        needed: set[int] = set()
        stack = [v for v in targets if v not in self.stop]
        while stack:
            eqn = self.producer[stack.pop()]
            if id(eqn) in needed:
                continue
            needed.add(id(eqn))
            stack.extend(r.var for r in self.g.reads[id(eqn)] if r.var in self.producer
                         and r.var not in self.stop and r.var not in self.regs)
        for eqn in self.g.eqns:
            if id(eqn) in needed and eqn.outputs[0] not in self.regs:
                self._assign(eqn)

    def _assign(self, eqn: Eqn) -> None:
        args = [self.read(r, eqn, i) for i, r in enumerate(self.g.reads[id(eqn)])]
        expr = gpu_lowerings[eqn.prim](op_dtype(eqn), eqn.params, *args)
        out = eqn.outputs[0]
        name = self.regs[out] = f"t{len(self.regs)}"
        self.lines.append(f"{c_type(out.aval.dtype)} {name} = {expr};")

    def read(self, r: Read, eqn: Eqn, i: int) -> str:
        if r.literal is not None:
            dtype = (get_aval(r.literal.value).dtype if eqn.prim is select_n_p and i == 0
                     else op_dtype(eqn))
            return c_literal(r.literal.value, dtype)
        if r.var in self.regs:
            return self.regs[r.var]
        return self.params.setdefault((r.var, r.dims), f"x{len(self.params)}")

    def operands(self) -> list[Operand]:
        return [Operand(v, dims) for v, dims in self.params]

    def in_params(self) -> str:
        return ", ".join(f"{v.aval.dtype.name} {name}" for (v, _), name in self.params.items())


def _preamble(*code: str) -> str:
    """The includes and helpers that ``code`` uses."""
    text = "\n".join(code)
    parts = [MATH_CONSTANTS] if "CUDART_" in text else []
    parts += [h for name, h in HELPERS.items() if name + "(" in text]
    return "\n".join(parts)


def _reduced_dims(eqn: Eqn) -> tuple[int, ...]:
    canon = canonical_axes(eqn.inputs[0].aval.shape)
    return tuple(sorted(canon[a] for a in eqn.params["axes"] if canon[a] is not None))


class _GroupRenderer:
    def __init__(self, group: Group):
        self.g = group
        self.materialised: set[Var] = set()  # values of the group an earlier launch wrote

    def launches(self) -> list[Launch]:
        g = self.g
        out = []
        mains = [v for v in g.outputs if g.phase[v] == MAIN]
        if mains:
            out.append(self._elementwise(mains, g.space))
        for eqn in g.eqns:
            if g.phase[eqn.outputs[0]] in (RED, ARED):
                out.append(self._reduction(eqn))
        epilogue = [v for v in g.outputs if g.phase[v] == EPI]
        if epilogue:
            out.append(self._elementwise(epilogue, g.kept_space))
        return out

    def _elementwise(self, targets: list[Var], space) -> Launch:
        body = _Body(self.g, self.materialised)
        body.compute(targets)
        outs = [f"o{k}" for k in range(len(targets))]
        lines = body.lines + [f"{o} = {body.regs[v]};" for o, v in zip(outs, targets)]
        operation = "\n".join(lines)
        spec = KernelSpec("elementwise", body.in_params(),
                          ", ".join(f"{v.aval.dtype.name} {o}" for o, v in zip(outs, targets)),
                          operation=operation, preamble=_preamble(operation))
        self.materialised.update(targets)
        return Launch(spec, tuple(space), body.operands(), list(targets))

    def _reduction(self, eqn: Eqn) -> Launch:
        g = self.g
        value, out = g.reads[id(eqn)][0].var, eqn.outputs[0]
        dtype = out.aval.dtype
        body = _Body(g, self.materialised)
        body.compute([value])
        if value in body.regs:  # recomputed: a __device__ function of the inputs it needs
            params = ", ".join(f"{c_type(v.aval.dtype)} {n}" for (v, _), n in body.params.items())
            function = "\n".join([f"__device__ {c_type(value.aval.dtype)} fg_map({params}) {{",
                                  *("    " + s for s in body.lines),
                                  f"    return {body.regs[value]};", "}"])
            map_expr = f"fg_map({', '.join(body.params.values())})"
        else:  # the elementwise launch wrote it
            function, map_expr = "", body.read(Read(value, _ident(g.space)), eqn, 0)
        rule = reduce_rules[eqn.prim]
        identity, reduce_expr = rule.identity(dtype), rule.reduce_expr(dtype)
        preamble = "\n".join(p for p in [_preamble(identity, reduce_expr, function), function]
                             if p)
        operands = body.operands()
        spec = KernelSpec("reduction", body.in_params() or f"bool {SPACE_PARAM}",
                          f"{dtype.name} r0", map_expr=map_expr, reduce_expr=reduce_expr,
                          post_map_expr=f"r0 = ({c_type(dtype)})(a)", identity=identity,
                          reduce_type=reduce_type(eqn.prim, dtype), preamble=preamble)
        axis = g.red_dims if g.phase[out] == RED else _reduced_dims(eqn)
        spans = any(len(op.dims) == len(g.space) for op in operands)
        self.materialised.add(out)
        return Launch(spec, tuple(g.space), operands, [out], tuple(axis), spans)


def _ident(space) -> tuple[int, ...]:
    return tuple(range(len(space)))


def render(group: Group) -> list[Launch]:
    """The CuPy launches that compute ``group``'s outputs, in order."""
    return _GroupRenderer(group).launches()
