"""Numba source for one fused group of the plan.

A kernel takes flat, C-contiguous 1-D arrays and its loop sizes as arguments, so one
compiled kernel serves every shape with the same structure (the sizes never appear in the
source) and is shared by every jitted function that needs it. Its loop nest runs over the
group's space after *collapsing* adjacent dims that every access treats alike (CuPy's
``reduce_dims``, done when the kernel is planned): a ``(128, 512)`` elementwise group is one
loop of ``128 * 512``.

Inside the nest, main values are registers of the innermost body; ``red`` reductions
accumulate in registers opened one level above the reduced dims, and the epilogue runs there
once the row is complete; ``ared`` reductions accumulate into a scratch array over their
kept dims. A multipass group repeats the loops over the row once per pass inside the loops
over the kept dims; a main value that a later pass reads is read back from its output, or
kept in a buffer of one row (of the whole space in a ``prange`` kernel, whose threads run
different rows at once). Python-scalar literals are scalar arguments of the operation's dtype, so
``f32 * 0.01`` stays float32 (Numba would compute it in float64) and a new learning rate
does not make a new kernel. Results are cast to their dtype, because Numba widens small
integer arithmetic.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
from fungrad.kernels.cpu.lowering import accumulation, cpu_lowerings, reduce_rules
from fungrad.kernels.plan import ARED, EPI, MAIN, RED, Group, Read, canonical_axes

from fungrad.core import get_aval
from fungrad.ir import Eqn, Var
from fungrad.lax import select_n_p

FASTMATH = '{"contract", "reassoc", "nsz"}'  # never nnan/ninf: NaN and inf propagate


@dataclass
class Kernel:
    """A rendered kernel and how the driver calls it.

    ``sizes[d]`` is the size of loop ``d``; ``inputs`` are the arrays to pass flat (in
    order), ``literals`` the scalar arguments, ``outputs`` the values to allocate (flat, of
    ``out_sizes``) and reshape afterwards.
    """

    name: str
    source: str
    sizes: tuple[int, ...]
    inputs: list[Var]
    literals: list[np.generic]
    outputs: list[Var]
    out_sizes: list[int]

    @property
    def signature(self) -> str:
        return self.source.split('@numba.njit("', 1)[1].split('"', 1)[0]


def numba_type(dtype) -> str:
    dtype = np.dtype(dtype)
    return "boolean" if dtype == np.bool_ else dtype.name


def op_dtype(eqn: Eqn) -> np.dtype:
    """The dtype an elementwise equation computes in (its operands', for comparisons)."""
    operands = eqn.inputs[1:] if eqn.prim is select_n_p else eqn.inputs
    for a in operands:
        if type(a) is Var:
            return a.aval.dtype
    return eqn.outputs[0].aval.dtype


def lower_expression(eqn: Eqn, operands: list[str]) -> str | None:
    """The expression computing ``eqn`` from operand expressions, or None if declined."""
    rule = cpu_lowerings.get(eqn.prim)
    if rule is None:
        return None
    return rule(op_dtype(eqn), eqn.params, *operands)


def _numba_types(eqn: Eqn) -> bool:
    """Whether Numba can type every array ``eqn`` reads and writes (it has no float16 or
    bfloat16: an equation converting them runs its NumPy impl, outside the kernels)."""
    for v in [*eqn.inputs, *eqn.outputs]:
        if type(v) is not Var:
            continue
        dtype = np.dtype(v.aval.dtype)
        if dtype.kind not in "fiubc" or (dtype.kind == "f" and dtype.itemsize not in (4, 8)):
            return False
    return True


def can_lower(eqn: Eqn) -> bool:
    """True if the CPU table compiles ``eqn`` (primitive and dtypes)."""
    if eqn.prim.multiple_results or not eqn.prim.elementwise or not _numba_types(eqn):
        return False
    return lower_expression(eqn, [f"x{i}" for i in range(len(eqn.inputs))]) is not None


def compile_cost(eqn: Eqn) -> int:
    """An elementwise member's share of its kernel's compile time, for the planner's bound
    (``MAX_KERNEL_COST``): a vector-math call inlines a polynomial that LLVM optimises as
    about ten plain operations do."""
    if eqn.prim.elementwise and not eqn.prim.multiple_results:
        code = lower_expression(eqn, [f"x{i}" for i in range(len(eqn.inputs))]) or ""
        if any(f"vm_{fn}_" in code for fn in _VECTOR_MATH):
            return VECTOR_MATH_COST
    return 1


def can_reduce(eqn: Eqn) -> bool:
    """True for reductions the CPU kernels accumulate (sum/max/min of floats and ints)."""
    return eqn.prim in reduce_rules and eqn.outputs[0].aval.dtype.kind in "fiu" and (
        eqn.outputs[0].aval.dtype.kind != "f" or eqn.outputs[0].aval.dtype.itemsize in (4, 8)
    ) and _numba_types(eqn)


# ---------------------------------------------------------------------------------------
# Loop collapsing


def _collapse(rank: int, accesses: list[tuple[int, ...]], reduced: list[tuple[int, ...]],
              split: int) -> list[int]:
    """Map each dim to its collapsed loop: ``d`` and ``d + 1`` merge when every access and
    reduction treats them alike and the row split does not fall between them."""
    loop_of, loop = [0] * rank, 0
    for d in range(1, rank):
        merge = d != split
        for acc in accesses:
            if (d - 1 in acc) != (d in acc):
                merge = False
            elif d in acc and acc.index(d) != acc.index(d - 1) + 1:
                merge = False
        for red in reduced:
            if (d - 1 in red) != (d in red):
                merge = False
        loop += not merge
        loop_of[d] = loop
    return loop_of


def _remap(dims: tuple[int, ...], loop_of: list[int]) -> tuple[int, ...]:
    out: list[int] = []
    for d in dims:
        if not out or out[-1] != loop_of[d]:
            out.append(loop_of[d])
    return tuple(out)


def _offset(dims: tuple[int, ...]) -> str:
    if not dims:
        return "0"
    expr = f"i{dims[0]}"
    for d in dims[1:]:
        expr = f"({expr}) * n{d} + i{d}" if "+" in expr else f"{expr} * n{d} + i{d}"
    return expr


# ---------------------------------------------------------------------------------------
# Rendering


# The vector-math functions (kernels/cpu/vmath.py) whose loops keep widening sums apart.
_VECTOR_MATH = ("exp", "log", "tanh", "logistic")
# The planner's bound on one kernel's compile cost (plain operations count 1, vector math
# VECTOR_MATH_COST). Numba/LLVM compile time grows faster than a kernel's size: a fused
# chain of 100 `where(x > 0, t * x, -t) + tanh(t) * 0.5` steps (700 equations, one
# kernel) took 53 s to compile, 200 steps 159 s, and the JVP of the hyp1f1 table row (a
# 2,900-line kernel, cost 4,800) over 30 minutes. A split costs at run time (the values
# crossing it are materialised: the 100-op chain grad of bench/eager.py, cost 474, runs 5x
# slower in three kernels), so the bound only cuts kernels far past the everyday ones.
VECTOR_MATH_COST = 10
MAX_KERNEL_COST = 1000


class _Renderer:
    def __init__(self, g: Group, parallel: bool = False):
        self.g = g
        self.parallel = parallel
        self.rank = len(g.space)
        k = len(g.red_dims or ())
        self.split = self.rank - k  # loops >= split are reduced by the ``red`` reductions
        self.reg: dict[Var, str] = {}
        self.inputs: dict[Var, str] = {}
        self.literals: list[np.generic] = []
        self.outputs: dict[Var, str] = {}
        self.ared_dims: dict[Var, tuple[int, ...]] = {}
        self.ared_kept: dict[Var, tuple[int, ...]] = {}
        self.carried = self._carried()
        self.buffers: dict[Var, str] = {}  # carried values that are not outputs
        self.level = 0  # the row pass being rendered
        self.decode: dict[Var, object] = {}  # ``ared`` value -> its accumulator's decoding

    def _carried(self) -> set[Var]:
        """Main values that a later row pass reads (kept in an array between passes)."""
        g = self.g
        out = set()
        for eqn in g.eqns:
            level = g.level[eqn.outputs[0]]
            for r in g.reads[id(eqn)]:
                if g.phase.get(r.var) == MAIN and g.level[r.var] < level:
                    out.add(r.var)
        return out

    def render(self) -> Kernel:
        g = self.g
        for eqn in g.eqns:
            out = eqn.outputs[0]
            if g.phase[out] == ARED:
                red = self._reduced(eqn)
                self.ared_dims[out] = red
                self.ared_kept[out] = tuple(d for d in range(self.rank) if d not in red)
        accesses = self._accesses()
        reduced = list(self.ared_dims.values())
        if g.red_dims:
            reduced.append(tuple(g.red_dims))
        self.loop_of = _collapse(self.rank, accesses, reduced, self.split)
        loops = self.loop_of[-1] + 1 if self.rank else 0
        sizes = [1] * loops
        for d, size in enumerate(g.space):
            sizes[self.loop_of[d]] *= size
        self.loops = loops
        self.loop_split = self.loop_of[self.split] if self.split < self.rank else loops
        body = self._body()
        return self._kernel(tuple(sizes), body)

    def _reduced(self, eqn: Eqn) -> tuple[int, ...]:
        canon = canonical_axes(eqn.inputs[0].aval.shape)
        return tuple(sorted(canon[a] for a in eqn.params["axes"] if canon[a] is not None))

    def _accesses(self) -> list[tuple[int, ...]]:
        g = self.g
        acc = []
        for eqn in g.eqns:
            acc.extend(r.dims for r in g.reads[id(eqn)] if r.var is not None
                       and r.var not in g.phase)
        kept = tuple(range(self.split))
        for v in g.outputs:
            phase = g.phase[v]
            acc.append(tuple(range(self.rank)) if phase == MAIN
                       else self.ared_kept[v] if phase == ARED else kept)
        if self.carried:
            acc.append(tuple(range(self.split, self.rank)))
        return acc

    def read(self, r: Read, eqn: Eqn, i: int) -> str:
        if r.literal is not None:
            dtype = (get_aval(r.literal.value).dtype if eqn.prim is select_n_p and i == 0
                     else op_dtype(eqn))
            self.literals.append(np.dtype(dtype).type(r.literal.value))
            return f"c{len(self.literals) - 1}"
        if r.var in self.g.phase:
            if r.var in self.carried and self.g.level[r.var] < self.level:
                return self._carried_at(r.var)
            return self.reg[r.var]
        name = self.inputs.setdefault(r.var, f"a{len(self.inputs)}")
        return f"{name}[{_offset(_remap(r.dims, self.loop_of))}]"

    def _carried_at(self, v: Var) -> str:
        """Where a carried value lives: its output array, else its buffer (one row; the
        whole space in a parallel kernel, whose threads work on different rows)."""
        if v in self.g.outputs:
            return f"{self._output(v)}[{self._full}]"
        name = self.buffers.setdefault(v, f"w{len(self.buffers)}")
        return f"{name}[{self._full if self.parallel else self._row}]"

    def _output(self, v: Var) -> str:
        return self.outputs.setdefault(v, f"o{len(self.outputs)}")

    def _assign(self, eqn: Eqn, lines: list[str]) -> None:
        out = eqn.outputs[0]
        reads = self.g.reads[id(eqn)]
        args = [self.read(r, eqn, i) for i, r in enumerate(reads)]
        expr = lower_expression(eqn, args)
        name = self.reg[out] = f"t{len(self.reg)}"
        dtype = out.aval.dtype
        lines.append(f"{name} = {expr}" if dtype == np.bool_ else
                     f"{name} = np.{dtype.name}({expr})")

    def _body(self) -> list[dict[str, list[str]]]:
        """The lines of each row pass: ``init`` (row accumulators), ``main`` (the loop
        body over the row), ``post`` (a second loop over the row: widening reductions),
        ``epi`` (after the row); pass 0 also holds ``setup`` (before
        every loop) and ``finish`` (after them)."""
        g = self.g
        parts = [{"setup": [], "init": [], "main": [], "widen": [], "post": [], "epi": [],
                  "finish": []} for _ in range(g.passes)]
        self._full = _offset(_remap(tuple(range(self.rank)), self.loop_of))
        self._row = _offset(tuple(range(self.loop_split, self.loops)))
        kept = _offset(_remap(tuple(range(self.split)), self.loop_of))
        for v in g.outputs:  # output names first: later passes may read them back
            self._output(v)
        for eqn in g.eqns:
            out = eqn.outputs[0]
            phase = g.phase[out]
            self.level = g.level[out]
            part = parts[self.level]
            if phase == MAIN:
                self._assign(eqn, part["main"])
                if out in self.carried and out not in g.outputs:
                    part["main"].append(f"{self._carried_at(out)} = {self.reg[out]}")
            elif phase == EPI:
                self._assign(eqn, part["epi"])
            else:
                self._reduction(eqn, phase, part, parts[0])
        for self.level, part in enumerate(parts):
            self._place_widening(part)
        for v in g.outputs:
            name, part, phase = self.outputs[v], parts[g.level[v]], g.phase[v]
            if phase == MAIN:
                part["main"].append(f"{name}[{self._full}] = {self.reg[v]}")
            elif phase in (RED, EPI):
                part["epi"].append(f"{name}[{kept}] = {self.reg[v]}")
            else:
                parts[0]["finish"] += [f"for q in range({self.reg[v]}.size):",
                                       f"    {name}[q] = {self.decode[v](self.reg[v] + '[q]')}"]
        return parts

    def _reduction(self, eqn: Eqn, phase: str, part, first) -> None:
        out = eqn.outputs[0]
        acc = accumulation(eqn.prim, out.aval.dtype)
        value = acc.encode(self.read(self.g.reads[id(eqn)][0], eqn, 0))
        if phase == RED:
            name = f"r{len(self.reg)}"
            part["init"].append(f"{name} = {acc.identity}")
            if acc.dtype.itemsize > np.dtype(eqn.inputs[0].aval.dtype).itemsize:
                part["widen"].append((acc, name, eqn, value))
            else:
                part["main"].append(acc.combine(name, value))
            reg = self.reg[out] = f"t{len(self.reg)}"
            part["epi"].insert(0, f"{reg} = {acc.decode(name)}")
            return
        scratch = self.reg[out] = f"s{len(self.reg)}"
        self.decode[out] = acc.decode
        kept = _remap(self.ared_kept[out], self.loop_of)
        size = " * ".join(f"n{d}" for d in kept) or "1"
        first["setup"].append(f"{scratch} = np.full({size}, {acc.identity}, np.{acc.dtype.name})")
        part["main"].append(acc.combine(f"{scratch}[{_offset(kept)}]", value))

    def _place_widening(self, part) -> None:
        """Put the widening row reductions of a pass (float32 sums accumulated in float64)
        in its main loop, or, when that loop calls vector math, in a second loop over the
        row reading the values back: there a float64 accumulator stops LLVM vectorising
        the float32 polynomial (``exp`` and a sum in one loop: 81 us on 1e5 float32
        elements, 51 us with the sum in its own loop; layernorm's sums of plain arithmetic
        lose 80 -> 100 us when moved out, measured)."""
        if any(f"vm_{fn}" in line for line in part["main"] for fn in _VECTOR_MATH):
            for acc, name, eqn, _ in part["widen"]:
                part["post"].append(acc.combine(name, acc.encode(self._stored(eqn, part))))
        else:
            part["main"] += [acc.combine(name, value) for acc, name, _, value in part["widen"]]

    def _stored(self, eqn: Eqn, part) -> str:
        """Where the operand of a widening row reduction can be read again after the row's
        main loop (its register stored to a row buffer when no pass stores it already)."""
        r = self.g.reads[id(eqn)][0]
        if r.var not in self.g.phase:  # a literal or an input array: read it again
            return self.read(r, eqn, 0)
        v = r.var
        if v in self.carried and self.g.level[v] < self.level:
            return self._carried_at(v)  # stored by an earlier pass
        if v not in self.g.outputs and v not in self.carried and v not in self.buffers:
            part["main"].append(f"{self._carried_at(v)} = {self.reg[v]}")
        return self._carried_at(v)

    def _kernel(self, sizes, parts) -> Kernel:
        g = self.g
        ins = list(self.inputs.items())
        outs = list(self.outputs.items())
        params = ([f"n{d}" for d in range(self.loops)] + [n for _, n in ins]
                  + [f"c{i}" for i in range(len(self.literals))] + [n for _, n in outs])
        types = (["int64"] * self.loops
                 + [f"{numba_type(v.aval.dtype)}[::1]" for v, _ in ins]
                 + [numba_type(c.dtype) for c in self.literals]
                 + [f"{numba_type(v.aval.dtype)}[::1]" for v, _ in outs])
        pad = "    "
        lines = [f"def kernel({', '.join(params)}):"]
        for v, name in self.buffers.items():
            loops = range(self.loops) if self.parallel else range(self.loop_split, self.loops)
            size = " * ".join(f"n{d}" for d in loops) or "1"
            lines.append(pad + f"{name} = np.empty({size}, np.{v.aval.dtype.name})")
        lines += [pad + s for s in parts[0]["setup"]]
        for loop in range(self.loop_split):
            loop_range = "numba.prange" if self.parallel and loop == 0 else "range"
            lines.append(pad * (1 + loop) + f"for i{loop} in {loop_range}(n{loop}):")
        depth = 1 + self.loop_split
        for part in parts:
            lines += [pad * depth + s for s in part["init"]]
            for loop in range(self.loop_split, self.loops):
                loop_range = "numba.prange" if self.parallel and loop == 0 else "range"
                lines.append(pad * (depth + loop - self.loop_split)
                             + f"for i{loop} in {loop_range}(n{loop}):")
            lines += [pad * (depth + self.loops - self.loop_split) + s for s in part["main"]]
            if part["post"]:  # widening reductions, over the row once more
                for loop in range(self.loop_split, self.loops):
                    lines.append(pad * (depth + loop - self.loop_split)
                                 + f"for i{loop} in range(n{loop}):")
                lines += [pad * (depth + self.loops - self.loop_split) + s
                          for s in part["post"]]
            lines += [pad * depth + s for s in part["epi"]]
        lines += [pad + s for s in parts[0]["finish"]]
        signature = f"void({', '.join(types)})"
        source = "\n".join([
            "import math",
            "",
            "import numba",
            "import numpy as np",
            "from fungrad.kernels.cpu.vmath import *  # noqa: F403",
            "",
            "",
            f'@numba.njit("{signature}", cache=True, nogil=True, error_model="numpy", '
            f"fastmath={FASTMATH}{', parallel=True' if self.parallel else ''})",
            *lines, "",
        ])
        name = "fk_" + hashlib.sha256(source.encode()).hexdigest()[:24]
        out_sizes = []
        for v, _ in outs:
            phase = g.phase[v]
            dims = (range(self.rank) if phase == MAIN else self.ared_kept[v] if phase == ARED
                    else range(self.split))
            out_sizes.append(int(np.prod([g.space[d] for d in dims], dtype=np.int64)))
        return Kernel(name, source, sizes, [v for v, _ in ins], self.literals,
                      [v for v, _ in outs], out_sizes)


def render(group: Group, parallel: bool = False) -> Kernel:
    """The Numba kernel for ``group``; ``parallel``: its outer loop is a ``prange``."""
    return _Renderer(group, parallel).render()


def can_parallelize(group: Group) -> bool:
    """True if the group's outer loop may run in threads: it is not reduced over (each
    thread keeps its own row accumulators) and no array accumulator is shared."""
    if any(p == ARED for p in group.phase.values()):
        return False
    return not group.red_dims or len(group.red_dims) < len(group.space)
