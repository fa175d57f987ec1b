"""Fusion planning: which equations of an optimized IR run together as one kernel.

The plan is shared by the backends (Numba on the CPU, CuPy on the GPU); a backend says which
equations it can compile (its lowering table) and renders each group as source.

**What a group is.** A group iterates over one *space*: a shape with its size-1 axes dropped
(its *canonical* form: a ``(128, 1)`` and a ``(128,)`` array have the same flat layout, so
they index alike). Each value a group computes has a *phase*:

- ``main``: an elementwise value over the whole space, computed in the loop body;
- ``red``: a reduction of a main value over the space's *trailing* dims, accumulated in a
  register per kept index (softmax's row sums);
- ``ared``: a reduction over other dims, accumulated into an array (a bias gradient);
- ``epi``: an elementwise value over the kept space of the ``red`` reductions, computed once
  per kept index after its reduction is complete (``log`` of a row sum).

**Row passes** (only when planned with ``multipass=True``; the CPU backend does). Each value
also has a ``level`` (``Group.level``; ``Group.passes`` is one more than the largest): the
pass over its row that computes it. A ``main`` value of level ``L + 1`` may read ``red`` and
``epi`` values of level ``L`` once per row (read with the dim map ``0 .. len(kept) - 1``), so
a softmax (``e / sum(e)``) or a layernorm and its gradient (centre, normalise, then the
backward pass's two row means) are one kernel whose rows take several passes, each row's
reductions finishing before its next pass starts. Per row and pass: accumulators opened,
the ``main``/``red``/``ared`` members of that level over the row, then its ``epi`` members.
A ``main`` value read by a member of a later pass is *carried* (the renderer keeps it in an
array between passes, or reads it back from its output). Members are moved to the latest
pass their readers allow, so a value is carried only when two passes read it. Without
``multipass`` every level is 0 and ``passes`` is 1: the groups are the single-pass ones.

Also only with ``multipass``: a reduction of an array computed outside kernels (an input,
an impl's result) joins a group over its space (a *sibling*: one that reads the same array,
else the latest one) or starts one, and so does an elementwise equation that reads no
value of a group over its space; a sibling never joins a group that its arrays depend on.

**Views are index maps, never members.** ``broadcast_in_dim``, reshapes that only add or drop
size-1 axes and ``stop_gradient`` are resolved when a member reads them: the member reads the
view's base array with the view's dim map, so a broadcast costs nothing and is shared by
every kernel that reads it. A view that no unfused equation reads is dropped.

**Grouping** is one forward sweep in program order. An elementwise equation joins (and so
merges) every group whose main values it reads in the same space, if no path leaves the
merged set and comes back (that would be a cycle between kernels); otherwise it joins the
epilogue of a group whose ``red``/``epi`` values it reads in their kept space; otherwise it
starts a group. A reduction joins the group of its operand. Cost rules: a group of a single
elementwise equation without a reduction is not worth a kernel (NumPy's ufunc is as fast),
and rank-0 work never starts one.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field

from fungrad.ir import IR, Eqn, Literal, Var
from fungrad.lax import broadcast_in_dim_p, reshape_p, stop_gradient_p

MAIN, RED, ARED, EPI = "main", "red", "ared", "epi"


def canonical(shape: tuple[int, ...]) -> tuple[int, ...]:
    """``shape`` without its size-1 axes (arrays with equal canonical shapes index alike)."""
    return tuple(s for s in shape if s != 1)


def canonical_axes(shape: tuple[int, ...]) -> list[int | None]:
    """For each axis of ``shape``, its canonical position (None for a size-1 axis)."""
    out, k = [], 0
    for s in shape:
        out.append(None if s == 1 else k)
        k += s != 1
    return out


@dataclass(frozen=True)
class Read:
    """How a kernel member reads an operand: a literal, or an array through a dim map.

    ``dims[j]`` is the consumer-space dim that the array's canonical dim ``j`` runs along
    (an array of rank 0 has ``dims == ()``).
    """

    var: Var | None = None
    dims: tuple[int, ...] = ()
    literal: Literal | None = None


@dataclass
class Group:
    """A set of equations that run as one kernel over one canonical ``space``."""

    gid: int
    space: tuple[int, ...]
    eqns: list[Eqn] = field(default_factory=list)
    phase: dict[Var, str] = field(default_factory=dict)
    red_dims: tuple[int, ...] | None = None  # the trailing dims the ``red`` reductions span
    ancestors: set[int] = field(default_factory=set)  # groups this one reads from
    outputs: list[Var] = field(default_factory=list)  # values needed outside the kernel
    reads: dict[int, list[Read]] = field(default_factory=dict)  # id(eqn) -> operand reads
    level: dict[Var, int] = field(default_factory=dict)  # the row pass computing each value
    cost: int = 0  # the members' compile costs (see ``plan``'s ``cost``)

    @property
    def passes(self) -> int:
        """How many passes each row takes (1 unless planned with ``multipass``)."""
        return 1 + max(self.level.values(), default=0)

    @property
    def kept_space(self) -> tuple[int, ...]:
        k = len(self.red_dims or ())
        return self.space[: len(self.space) - k]

    @property
    def has_reduction(self) -> bool:
        return any(p in (RED, ARED) for p in self.phase.values())

    def inputs(self) -> list[Var]:
        """The arrays the kernel reads (bases of its operands), in first-use order."""
        seen: dict[Var, None] = {}
        for eqn in self.eqns:
            for r in self.reads[id(eqn)]:
                if r.var is not None and r.var not in self.phase:
                    seen[r.var] = None
        return list(seen)


@dataclass
class Plan:
    """The program as steps in order: single equations (run by their impl) and groups."""

    ir: IR
    steps: list[Eqn | Group]

    @property
    def groups(self) -> list[Group]:
        return [s for s in self.steps if isinstance(s, Group)]

    def describe(self) -> str:
        """A readable listing: each step, and each group's members by phase."""
        names = _Names()
        lines = []
        for step in self.steps:
            if isinstance(step, Group):
                ins = ", ".join(names(v) for v in step.inputs())
                outs = ", ".join(names(v) for v in step.outputs)
                lines.append(f"kernel {step.gid} over {list(step.space)} ({ins}) -> ({outs})")
                for eqn in step.eqns:
                    phase = step.phase[eqn.outputs[0]]
                    if step.passes > 1:  # the row pass, e.g. "main2"
                        phase = f"{phase}{step.level[eqn.outputs[0]]}"
                    args = ", ".join(names(a) if type(a) is Var else repr(a.value)
                                     for a in eqn.inputs)
                    lines.append(f"    {phase:5} {names(eqn.outputs[0])} = {eqn.prim.name} {args}")
            else:
                outs = ", ".join(names(v) for v in step.outputs)
                args = ", ".join(names(a) if type(a) is Var else repr(a.value)
                                 for a in step.inputs)
                lines.append(f"impl   {outs} = {step.prim.name} {args}")
        return "\n".join(lines)


class _Names:
    def __init__(self):
        self.names: dict[Var, str] = {}

    def __call__(self, v: Var) -> str:
        if v not in self.names:
            self.names[v] = f"%{len(self.names)}"
        return self.names[v]


# ---------------------------------------------------------------------------------------
# Views


def view_input(eqn: Eqn) -> bool:
    """True for the equations a kernel reads through (broadcasts, unit reshapes, stop_gradient)."""
    if eqn.prim is stop_gradient_p or eqn.prim is broadcast_in_dim_p:
        return True
    if eqn.prim is reshape_p:
        return canonical(eqn.inputs[0].aval.shape if type(eqn.inputs[0]) is Var
                         else ()) == canonical(eqn.outputs[0].aval.shape)
    return False


class _Views:
    """Resolves view variables to ``(base, dim map)`` in the view's canonical coordinates."""

    def __init__(self):
        self.producer: dict[Var, Eqn] = {}

    def add(self, eqn: Eqn) -> None:
        self.producer[eqn.outputs[0]] = eqn

    def resolve(self, atom) -> Read:
        """The read of ``atom`` in its own canonical coordinates."""
        if type(atom) is Literal:
            return Read(literal=atom)
        eqn = self.producer.get(atom)
        if eqn is None:
            return Read(atom, tuple(range(len(canonical(atom.aval.shape)))))
        src = eqn.inputs[0]
        inner = self.resolve(src)
        if inner.literal is not None:
            return inner
        if eqn.prim is broadcast_in_dim_p:
            src_canon = canonical_axes(src.aval.shape)
            out_canon = canonical_axes(eqn.params["shape"])
            # the source's canonical dim j -> output axis -> output canonical dim
            to_out = {}
            for axis, j in enumerate(src_canon):
                if j is not None:
                    to_out[j] = out_canon[eqn.params["broadcast_dimensions"][axis]]
            return Read(inner.var, tuple(to_out[d] for d in inner.dims))
        return inner  # unit reshape and stop_gradient keep the canonical layout


# ---------------------------------------------------------------------------------------
# Planning


def plan(ir: IR, elementwise: Callable[[Eqn], bool], reduction: Callable[[Eqn], bool],
         multipass: bool = False, cost: Callable[[Eqn], int] | None = None,
         max_cost: int | None = None) -> Plan:
    """Group the equations of ``ir`` into kernels.

    ``elementwise(eqn)`` and ``reduction(eqn)`` say whether the backend can compile an
    equation (its lowering table accepts the primitive and dtypes). ``multipass``: the
    backend renders groups whose rows take several passes (``Group.level``), reductions of
    arrays computed outside a kernel and sibling members (see the module docstring).
    ``cost(eqn)`` (default 1) is an elementwise member's share of its kernel's compile
    time; no elementwise member joins a group whose cost would then pass ``max_cost``
    (None: no bound), it starts a new one that reads the full group's outputs. Compile
    time grows faster than the kernel's size, so a long chain compiles as several kernels.
    """
    return _Planner(ir, elementwise, reduction, multipass, cost, max_cost).run()


class _Planner:
    def __init__(self, ir: IR, elementwise, reduction, multipass: bool = False,
                 cost=None, max_cost=None):
        self.ir = ir
        self.elementwise, self.reduction = elementwise, reduction
        self.multipass = multipass
        self.cost = cost or (lambda eqn: 1)
        self.max_cost = max_cost
        self.joining = 0  # the cost of the member being placed (see ``fits``)
        self.views = _Views()
        self.groups: dict[int, Group] = {}
        self.parent: dict[int, int] = {}  # union-find over group ids
        self.group_of: dict[Var, int] = {}  # value -> (raw) id of the group computing it
        self.deps: dict[Var, frozenset[int]] = {}  # value -> raw ids of groups it needs
        self.positions = {id(e): i for i, e in enumerate(ir.eqns)}
        self.readers: dict[Var, set[int]] = {}  # array from outside -> raw ids reading it
        self.latest: dict[tuple[int, ...], int] = {}  # space -> raw id of its newest group

    def find(self, gid: int) -> int:
        while self.parent[gid] != gid:
            self.parent[gid] = self.parent[self.parent[gid]]
            gid = self.parent[gid]
        return gid

    def group(self, v: Var) -> Group | None:
        gid = self.group_of.get(v)
        return None if gid is None else self.groups[self.find(gid)]

    def deps_of(self, v) -> set[int]:
        """The groups that must run before ``v`` exists (through any path, up to date)."""
        if type(v) is not Var:
            return set()
        g = self.group(v)
        return self.closure({g.gid} if g is not None else self.deps.get(v, ()))

    def closure(self, seeds) -> set[int]:
        out: set[int] = set()
        stack = list(seeds)
        while stack:
            gid = self.find(stack.pop())
            if gid not in out:
                out.add(gid)
                stack.extend(self.groups[gid].ancestors)
        return out

    def run(self) -> Plan:
        for eqn in self.ir.eqns:
            self.visit(eqn)
        groups = self.finish()
        return Plan(self.ir, self.schedule(groups))

    def visit(self, eqn: Eqn) -> None:
        if len(eqn.outputs) == 1 and view_input(eqn):
            self.views.add(eqn)
            self.deps[eqn.outputs[0]] = frozenset(self.seeds(eqn.inputs[0]))
            return
        if not eqn.prim.multiple_results:
            out = eqn.outputs[0]
            if self.elementwise(eqn) and canonical(out.aval.shape) and self.add_elementwise(eqn):
                return
            if self.reduction(eqn) and self.add_reduction(eqn):
                return
        deps: set[int] = set()
        for a in eqn.inputs:
            deps |= self.seeds(a)
        for o in eqn.outputs:
            self.deps[o] = frozenset(deps)

    def seeds(self, v) -> set[int]:
        """The groups ``v`` reads directly (``deps_of`` closes over their ancestors)."""
        if type(v) is not Var:
            return set()
        g = self.group(v)
        return {g.gid} if g is not None else set(self.deps.get(v, ()))

    # -- joining ------------------------------------------------------------------------

    def reads_in(self, eqn: Eqn, space: tuple[int, ...]) -> list[Read] | None:
        """Operand reads of ``eqn`` in ``space``'s coordinates, or None if one does not fit."""
        reads = []
        for a in eqn.inputs:
            r = self.views.resolve(a)
            if r.var is not None and r.dims and len(canonical(_shape(a))) != len(space):
                return None  # a rank-0 operand broadcasts; others must fill the space
            reads.append(r)
        return reads

    def add_elementwise(self, eqn: Eqn) -> bool:
        out = eqn.outputs[0]
        space = canonical(out.aval.shape)
        reads = self.reads_in(eqn, space)
        if reads is None:
            return False
        self.joining = self.cost(eqn)  # the cost the checks below add to a group
        # Groups it reads main values of in the same space, and (multipass) groups whose
        # row values it reads broadcast along their rows: it can run in a later pass.
        joins = set()
        for r in reads:
            g = self.group(r.var) if r.var is not None else None
            if g is not None and g.space == space and (
                    g.phase[r.var] == MAIN or self.row_read(g, r)):
                joins.add(g.gid)
        # Join every such group; if that would close a cycle, join the latest one that it
        # can (the others' values are read as their outputs).
        for candidate in [joins] + [{gid} for gid in sorted(joins, reverse=True)]:
            if candidate and self.can_merge(candidate, reads):
                g = self.merge(candidate)
                self.add_member(g, eqn, reads, MAIN, self.main_level(g, reads))
                return True
        for r in reads:
            g = self.group(r.var) if r.var is not None else None
            if (g is not None and g.phase.get(r.var) in (RED, EPI) and g.kept_space == space
                    and self.fits([g]) and self.can_join_epilogue(g, reads)):
                level = max(g.level[r.var] for r in reads if r.var in g.phase)
                self.add_member(g, eqn, reads, EPI, level)
                return True
        g = self.sibling(space, reads) if self.multipass and not joins else None
        self.add_member(g or self.new_group(space), eqn, reads, MAIN, 0)
        return True

    def row_read(self, g: Group, r: Read) -> bool:
        """Whether ``r`` reads a ``red``/``epi`` value of ``g`` once per row of ``g``'s
        space (so a later pass over the row can use it)."""
        return (self.multipass and g.phase.get(r.var) in (RED, EPI)
                and r.dims == tuple(range(len(g.kept_space))))

    def main_level(self, g: Group, reads: list[Read]) -> int:
        """The first pass in which a main member reading ``reads`` can run in ``g``."""
        level = 0
        for r in reads:
            if r.var in g.phase:
                level = max(level, g.level[r.var] + (g.phase[r.var] != MAIN))
        return level

    def sibling(self, space, reads: list[Read]) -> Group | None:
        """A group over ``space`` that a member reading no value of a group over ``space``
        (``reads``) can join: one that already reads one of its arrays, else the latest
        group over ``space``; never one that those arrays depend on."""
        candidates = [self.find(gid) for r in reads if r.var is not None
                      for gid in self.readers.get(r.var, ())]
        if space in self.latest:
            candidates.append(self.find(self.latest[space]))
        for gid in candidates:
            g = self.groups[gid]
            if g.space != space or not self.fits([g]):
                continue
            if not any(gid in self.deps_of(r.var) for r in reads if r.var is not None):
                return g
        return None

    def add_reduction(self, eqn: Eqn) -> bool:
        self.joining = self.cost(eqn)
        x = eqn.inputs[0]
        if type(x) is not Var:
            return False
        r = self.views.resolve(x)
        if r.var is None:
            return False
        g = self.group(r.var)
        space = canonical(x.aval.shape)
        inside = g is not None and g.phase.get(r.var) == MAIN and g.space == space
        if inside and r.dims != tuple(range(len(g.space))):
            return False  # a transposed view of a main value
        if not inside and not self.multipass:
            return False
        canon = canonical_axes(x.aval.shape)
        dims = tuple(sorted(canon[a] for a in eqn.params["axes"] if canon[a] is not None))
        if not dims:
            return False
        n = len(space)
        trailing = dims == tuple(range(n - len(dims), n))
        if not inside:  # an array computed outside kernels: join a sibling or start one
            g = self.sibling(space, [r]) or self.new_group(space)
        if trailing and g.red_dims in (None, dims):
            g.red_dims = dims
            phase = RED
        else:
            phase = ARED
        self.add_member(g, eqn, [r], phase, g.level[r.var] if inside else 0)
        return True

    def can_merge(self, gids: set[int], reads: list[Read]) -> bool:
        """Merging ``gids`` (plus the new main member) creates no cycle between kernels,
        reads no unfinished reduction of the merged set (multipass: reads finished ones
        once per row), and keeps one row split."""
        splits = {self.groups[g].red_dims for g in gids} - {None}
        if len(splits) > 1 or not self.fits([self.groups[g] for g in gids]):
            return False
        for gid in gids:
            if self.closure(self.groups[gid].ancestors) & gids:
                return False
        for r in reads:
            if r.var is None:
                continue
            owner = self.group(r.var)
            if owner is not None and owner.gid in gids:
                if owner.phase[r.var] != MAIN and not self.row_read(owner, r):
                    return False
            elif self.deps_of(r.var) & gids:
                return False
        return True

    def fits(self, groups: list[Group]) -> bool:
        """Whether ``groups`` merged, with the elementwise member being added, stay within
        ``max_cost``."""
        if self.max_cost is None:
            return True
        return sum(g.cost for g in groups) + self.joining <= self.max_cost

    def can_join_epilogue(self, g: Group, reads: list[Read]) -> bool:
        for r in reads:
            if r.var is None:
                continue
            owner = self.group(r.var)
            if owner is g:
                if g.phase[r.var] not in (RED, EPI):
                    return False
            elif g.gid in self.deps_of(r.var):
                return False
        return True

    def new_group(self, space) -> Group:
        gid = len(self.parent)
        self.parent[gid] = gid
        g = self.groups[gid] = Group(gid, space)
        self.latest[space] = gid
        return g

    def merge(self, gids: set[int]) -> Group:
        keep = self.groups[min(gids)]
        if len(gids) == 1:
            return keep
        for gid in sorted(gids - {keep.gid}):
            other = self.groups.pop(gid)
            self.parent[gid] = keep.gid
            keep.eqns.extend(other.eqns)
            keep.phase.update(other.phase)
            keep.reads.update(other.reads)
            keep.level.update(other.level)
            keep.ancestors |= other.ancestors
            keep.cost += other.cost
            keep.red_dims = keep.red_dims or other.red_dims
        keep.eqns.sort(key=self.position)
        return keep

    def position(self, eqn: Eqn) -> int:
        return self.positions[id(eqn)]

    def add_member(self, g: Group, eqn: Eqn, reads: list[Read], phase: str,
                   level: int = 0) -> None:
        out = eqn.outputs[0]
        g.eqns.append(eqn)  # the sweep is in program order, so members stay in order
        g.cost += self.cost(eqn)
        g.phase[out] = phase
        g.level[out] = level
        g.reads[id(eqn)] = reads
        for r in reads:
            if r.var is not None and self.group(r.var) is not g:
                g.ancestors |= self.seeds(r.var)
                self.readers.setdefault(r.var, set()).add(g.gid)
        self.group_of[out] = g.gid

    # -- finishing ----------------------------------------------------------------------

    def finish(self) -> list[Group]:
        """Apply the cost rules, find each group's outputs and the views still needed."""
        groups = []
        for g in self.groups.values():
            if len(g.eqns) == 1 and not g.has_reduction:
                for v in g.phase:
                    del self.group_of[v]
                continue
            groups.append(g)
        member = {id(e) for g in groups for e in g.eqns}
        unfused = [e for e in self.ir.eqns if id(e) not in member]
        needed = {v for v in self.ir.outvars if type(v) is Var}
        for g in groups:
            for e in g.eqns:
                needed.update(r.var for r in g.reads[id(e)]
                              if r.var is not None and r.var not in g.phase)
        for eqn in unfused:
            if not view_input(eqn):
                needed.update(a for a in eqn.inputs if type(a) is Var)
        self.live = []
        for eqn in reversed(unfused):  # views that an unfused equation or an output reads
            if not view_input(eqn) or eqn.outputs[0] in needed:
                self.live.append(eqn)
                needed.update(a for a in eqn.inputs if type(a) is Var)
        self.live.reverse()
        for g in groups:
            g.outputs = [v for e in g.eqns for v in e.outputs if v in needed]
            if g.passes > 1:
                _sink(g)
        return groups

    def schedule(self, groups: list[Group]) -> list[Eqn | Group]:
        """Order the steps so every value is computed before it is read (Kahn's algorithm,
        earliest original position first)."""
        steps: list = [*groups, *self.live]
        made: dict[Var, int] = {}
        for i, s in enumerate(steps):
            for e in (s.eqns if isinstance(s, Group) else [s]):
                for v in e.outputs:
                    made[v] = i
        users: list[list[int]] = [[] for _ in steps]
        waiting = []
        for i, s in enumerate(steps):
            reads = s.inputs() if isinstance(s, Group) else [a for a in s.inputs if type(a) is Var]
            before = {made[v] for v in reads if v in made} - {i}
            for j in before:
                users[j].append(i)
            waiting.append(len(before))
        first = [min(self.position(e) for e in s.eqns) if isinstance(s, Group)
                 else self.position(s) for s in steps]
        ready = [(first[i], i) for i in range(len(steps)) if waiting[i] == 0]
        heapq.heapify(ready)
        order = []
        while ready:
            _, i = heapq.heappop(ready)
            order.append(steps[i])
            for j in users[i]:
                waiting[j] -= 1
                if waiting[j] == 0:
                    heapq.heappush(ready, (first[j], j))
        if len(order) != len(steps):  # pragma: no cover - the planner never builds a cycle
            raise AssertionError("kernel plan has a cycle")
        return order


def _sink(g: Group) -> None:
    """Move each main member of a multipass group to the latest pass its readers in the
    group allow: a value computed in the pass that reads it is a register, one computed in
    an earlier pass is kept in an array between the passes."""
    users: dict[Var, list[int]] = {}
    for eqn in g.eqns:
        for r in g.reads[id(eqn)]:
            if r.var in g.phase:
                users.setdefault(r.var, []).append(eqn.outputs[0])
    for eqn in reversed(g.eqns):  # readers first: their passes are final
        out = eqn.outputs[0]
        if g.phase[out] == MAIN and out in users:
            g.level[out] = max(g.level[out], min(g.level[u] for u in users[out]))


def _shape(atom) -> tuple[int, ...]:
    return atom.aval.shape if type(atom) is Var else ()
