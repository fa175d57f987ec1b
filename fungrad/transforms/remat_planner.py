"""The memory-budget planner of ``checkpoint(f, memory_budget=b)``.

Given the JVP IR of ``f`` split into its known (primal) and unknown (tangent) equations,
the planner decides per known equation whether its results are *saved* (kept as residuals
between the forward and the backward pass) or *recomputed* in the backward pass, so that
the saved bytes stay within the budget and the estimated recompute cost is smallest.

The problem. Let ``D`` be the known values the unknown side reads. Starting from "save
everything" (the residuals of ``f`` without checkpointing, the baseline of a fractional
budget), making an equation recomputable frees the bytes of its saved results and costs
its own recomputation plus that of every value it reads that is neither saved nor already
recomputed (its *closure*, walked back to saved values and inputs of ``f``). The inputs of
``f`` are always available and cost nothing.

The solver is a lazy greedy over that exchange: it repeatedly drops the saved equation
with the smallest ``added recompute cost / freed bytes`` until the saved bytes fit the
budget (ratios are re-evaluated when popped, so the choice is made against the current
plan), then a refill pass saves again, most expensive per byte first, any recomputed
equation whose results fit in the slack left below the budget and whose saving lowers the
cost. Each step touches only the equation's closure, so a 1,000-equation IR is planned in a
few milliseconds (``Plan.planning_time`` reports it, ``Plan.planning_cpu_time`` the CPU
time of this thread, which a loaded machine does not inflate; tests bound it at 100 ms).

Last, the plan is compared with *block candidates*: as many saved values of each primitive,
spaced evenly along the program (the hand-made sqrt(N) pattern). A candidate replaces the
plan only if it fits, costs no more, and lowers the estimated backward peak (saved bytes
plus the recomputed values the lazy backward pass of
:mod:`fungrad.transforms.remat_transpose` holds at once; ``Plan.peak_bytes``): along a chain
every dropped value costs the same wherever the saved ones sit, but the backward pass holds
one segment between two saved values at a time.

The cost model (:func:`eqn_cost`) estimates a time per equation from its flops and the
bytes it reads and writes: ``dot_general`` and ``conv_general_dilated`` count
``2 * out.size * contracted size`` flops, elementwise and reduction primitives one flop per
element; calls, loops and branches add up their bodies (a ``scan`` times its length).
"""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from fungrad.ir import IR, Eqn, Var

__all__ = ["Plan", "PlannedValue", "plan_budget", "baseline_bytes", "eqn_cost",
           "resolve_budget"]

# A rough CPU roofline: seconds = flops / FLOPS + bytes / BANDWIDTH (only ratios matter).
FLOPS = 5e10
BANDWIDTH = 1e10
MAX_REFILL = 12  # re-saving trials of the refill pass
MAX_RESPACED = 3  # primitives (most saved values first) whose values the block candidates re-space


_ITEMSIZE: dict = {}


def _nbytes(aval) -> int:
    dtype = aval.dtype
    size = _ITEMSIZE.get(dtype)
    if size is None:
        size = _ITEMSIZE[dtype] = np.dtype(dtype).itemsize
    return math.prod(aval.shape) * size


def _size(aval) -> int:
    return math.prod(aval.shape)


def eqn_flops_bytes(eqn: Eqn) -> tuple[float, float]:
    """Estimated ``(flops, bytes moved)`` of one equation (nested IRs summed)."""
    moved = float(sum(_nbytes(a.aval) for a in eqn.inputs)
                  + sum(_nbytes(o.aval) for o in eqn.outputs))
    name = eqn.prim.name
    if name == "dot_general":
        (lhs_contract, _), _ = eqn.params["dimension_numbers"]
        lhs = eqn.inputs[0].aval
        contracted = int(np.prod([lhs.shape[d] for d in lhs_contract], dtype=np.int64))
        return 2.0 * _size(eqn.outputs[0].aval) * contracted, moved
    if name == "conv_general_dilated":  # canonical layout: rhs is (*spatial, in, out)
        rhs = eqn.inputs[1].aval
        per_out = _size(rhs) / max(rhs.shape[-1], 1)
        return 2.0 * _size(eqn.outputs[0].aval) * per_out, moved
    inner = [v for v in eqn.params.values() if isinstance(v, IR)]
    inner += [x for v in eqn.params.values() if isinstance(v, tuple)
              for x in v if isinstance(x, IR)]
    if inner:
        flops = total = 0.0
        for sub in inner:
            for e in sub.eqns:
                f, b = eqn_flops_bytes(e)
                flops, total = flops + f, total + b
        reps = float(eqn.params.get("length", 1) or 1)
        if name == "cond":  # one branch runs: take the mean
            flops, total = flops / len(inner), total / len(inner)
        return flops * reps, max(total * reps, moved)
    out = sum(_size(o.aval) for o in eqn.outputs)
    ins = max((_size(a.aval) for a in eqn.inputs), default=0)
    return float(max(out, ins)), moved


def eqn_cost(eqn: Eqn) -> float:
    """Estimated seconds to evaluate ``eqn`` (see the module docstring)."""
    flops, moved = eqn_flops_bytes(eqn)
    return flops / FLOPS + moved / BANDWIDTH


class PlannedValue(NamedTuple):
    """One known value the backward pass reads, and what the plan does with it."""

    var: Var
    nbytes: int
    saved: bool
    recompute_cost: float  # estimated seconds to recompute it from saved values and inputs
    primitive: str


class Plan:
    """The result of :func:`plan_budget`: which known equations may be saved."""

    def __init__(self, unsaveable: set, state, baseline_bytes: int,
                 budget_bytes: int, saved_bytes: int, recompute_cost: float,
                 planning_time: float, num_eqns: int):
        self.unsaveable = unsaveable
        self._state = state
        self._values = None
        self.baseline_bytes = baseline_bytes
        self.budget_bytes = budget_bytes
        self.saved_bytes = saved_bytes
        self.recompute_cost = recompute_cost
        self.planning_time = planning_time
        self.num_eqns = num_eqns
        self.notes: list[str] = []  # the scan schedules chosen before planning
        self.peak_bytes = saved_bytes  # estimated: saved + recomputed values alive at once
        self.planning_cpu_time = planning_time

    @property
    def values(self) -> list[PlannedValue]:
        """The saved values with their bytes and the recompute cost their saving avoids
        (computed on first use, outside the planning time)."""
        if self._values is None:
            self._values = _describe(*self._state)
        return self._values

    def saveable(self, eqn: Eqn) -> bool:
        return eqn not in self.unsaveable

    def summary(self) -> str:
        return (f"memory_budget plan: saves {self.saved_bytes:,d} of {self.baseline_bytes:,d} "
                f"bytes (budget {self.budget_bytes:,d}; backward peak ~{self.peak_bytes:,d}); "
                f"recomputes an estimated "
                f"{self.recompute_cost * 1e3:.3g} ms; planned {self.num_eqns} equations in "
                f"{self.planning_time * 1e3:.2f} ms"
                + "".join(f"; {note}" for note in self.notes))

    def __repr__(self):
        return f"Plan({self.summary()})"


def resolve_budget(budget, baseline_bytes: int) -> int:
    """Bytes allowed by ``budget`` (a fraction of ``baseline_bytes``, or an int byte count)."""
    if isinstance(budget, (bool, np.bool_)):
        raise TypeError("checkpoint: memory_budget must be a float fraction in [0, 1] or an "
                        f"int byte count, got the bool {budget!r}")
    if isinstance(budget, (int, np.integer)):
        return int(budget)
    return int(np.floor(float(budget) * baseline_bytes))


def _split(ir: IR, unknowns: Sequence[bool]):
    """Known equations, and the known variables the unknown equations (or outputs) read."""
    unknown_vars = {v for v, u in zip(ir.invars, unknowns) if u}
    known, demand = [], {}
    for eqn in ir.eqns:
        if any(type(a) is Var and a in unknown_vars for a in eqn.inputs):
            unknown_vars.update(eqn.outputs)
            for a in eqn.inputs:
                if type(a) is Var and a not in unknown_vars:
                    demand[a] = None
        else:
            known.append(eqn)
    return known, list(demand)


def baseline_bytes(ir: IR, unknowns: Sequence[bool]) -> int:
    """The residual bytes of the split of ``ir`` with everything saved."""
    known, demand = _split(ir, unknowns)
    producer = {o: e for e in known for o in e.outputs}
    return sum(_nbytes(v.aval) for v in demand if v in producer)


def plan_budget(ir: IR, unknowns: Sequence[bool], budget) -> Plan:
    """Plan which known values of the split of ``ir`` to save within ``budget``."""
    start, start_cpu = time.perf_counter(), time.thread_time()
    known, demand = _split(ir, unknowns)
    greedy = _Greedy(known, demand)
    limit = resolve_budget(budget, greedy.current)
    baseline = greedy.current
    if greedy.current > limit:
        greedy.run(limit)
        _refill(known, greedy.producer, greedy.saved, greedy.recomputed, greedy.needed_out,
                demand, limit, greedy.ecost)
        _respace(ir, unknowns, known, greedy, demand, limit)
    saved = greedy.saved
    unsaveable = {e for e in known if e not in saved}  # unreached ones: never residuals
    saved_total = sum(greedy.saved_bytes_of(e) for e in saved)
    total_cost = sum(greedy.ecost(e) for e in greedy.recomputed)
    elapsed = time.perf_counter() - start
    cpu = time.thread_time() - start_cpu
    plan = Plan(unsaveable, (known, greedy.producer, saved, demand, greedy.ecost), baseline,
                limit, saved_total, total_cost, elapsed, len(ir.eqns))
    plan.peak_bytes = greedy.peak if greedy.peak is not None else saved_total
    plan.planning_cpu_time = cpu
    return plan


class _Greedy:
    """The lazy greedy: state is the SAVED equations (some read result is a residual) and
    the RECOMPUTED ones; inputs of ``f``, constants and unreached equations need nothing."""

    def __init__(self, known, demand):
        self.producer = {o: e for e in known for o in e.outputs}
        self.order = {e: i for i, e in enumerate(known)}  # ties go by program order
        self.consumers: dict = {}
        for e in known:
            for a in e.inputs:
                if type(a) is Var:
                    self.consumers.setdefault(a, []).append(e)
        self.cost: dict = {}
        self.var_bytes: dict = {}
        self.needed_out: dict = {}  # eqn -> its results that are read
        for v in demand:
            e = self.producer.get(v)
            if e is not None:
                self.needed_out.setdefault(e, {})[v] = None
        self.saved = set(self.needed_out)
        self.recomputed: set = set()
        self.peak = None  # the backward pass's estimated peak (saved + live recomputed)
        self.current = sum(self.saved_bytes_of(e) for e in self.saved)

    def ecost(self, e) -> float:
        c = self.cost.get(e)
        if c is None:
            c = self.cost[e] = eqn_cost(e)
        return c

    def vbytes(self, v) -> int:
        b = self.var_bytes.get(v)
        if b is None:
            b = self.var_bytes[v] = _nbytes(v.aval)
        return b

    def saved_bytes_of(self, e) -> int:
        return sum(self.vbytes(v) for v in self.needed_out.get(e, ()))

    def closure(self, e):
        """If ``e`` becomes recomputed: the equations recomputed with it (``e`` and its
        unneeded ancestors) and the results of saved equations newly read."""
        producer, saved, recomputed = self.producer, self.saved, self.recomputed
        todo, seen, reads = [e], {e}, {}
        while todo:
            x = todo.pop()
            for a in x.inputs:
                p = producer.get(a) if type(a) is Var else None
                if p is None or p in seen or p in recomputed:
                    continue
                if p in saved:
                    if a not in self.needed_out[p]:
                        reads[a] = p
                    continue
                seen.add(p)
                todo.append(p)
        return seen, reads

    def exchange(self, e):
        """``(added cost / freed bytes, dropped eqns, recomputed group, new reads)`` of the
        better of two moves: drop ``e`` alone, or drop with it the saved equations that
        then read only recomputed or available values (siblings sharing the recomputed
        ancestors: the first of them pays for the ancestors, the others come cheap)."""
        group, reads = self.closure(e)
        freed = self.saved_bytes_of(e) - sum(self.vbytes(v) for v, p in reads.items()
                                             if p is not e)
        added = sum(self.ecost(x) for x in group)
        best = ((added / freed if freed > 0 else math.inf), (e,), group, reads)
        siblings = self._siblings(group, e)
        if not siblings:
            return best
        saved_recomputed = self.recomputed
        self.recomputed = saved_recomputed | group  # as if ``e`` were dropped
        try:
            total_group, total_reads, dropped = set(group), dict(reads), [e]
            for s in siblings:
                g, r = self.closure(s)
                total_group |= g
                total_reads.update(r)
                dropped.append(s)
        finally:
            self.recomputed = saved_recomputed
        dropped_set = set(dropped)
        total_reads = {v: p for v, p in total_reads.items() if p not in dropped_set}
        freed2 = (sum(self.saved_bytes_of(x) for x in dropped)
                  - sum(self.vbytes(v) for v in total_reads))
        added2 = sum(self.ecost(x) for x in total_group)
        ratio = added2 / freed2 if freed2 > 0 else math.inf
        if ratio < best[0]:
            return ratio, tuple(dropped), total_group, total_reads
        return best

    def _siblings(self, group, e, depth: int = 4) -> list:
        """Saved equations reached forward from ``group`` through unneeded equations."""
        found, frontier, seen = [], list(group), set(group)
        for _ in range(depth):
            nxt = []
            for x in frontier:
                for o in x.outputs:
                    for c in self.consumers.get(o, ()):
                        if c in seen or c is e or c in self.recomputed:
                            continue
                        seen.add(c)
                        if c in self.saved:
                            found.append(c)
                        else:
                            nxt.append(c)
            frontier = nxt
            if not frontier:
                break
        return found

    def drop(self, dropped, group, reads) -> None:
        for e in dropped:
            self.current -= self.saved_bytes_of(e)
            self.saved.discard(e)
        self.recomputed.update(group)
        for v, p in reads.items():
            if p in self.saved and v not in self.needed_out[p]:
                self.needed_out[p][v] = None
                self.current += self.vbytes(v)

    def run(self, limit: int) -> None:
        progress = True
        while self.current > limit and progress:  # a round ends when its heap is empty
            progress = False
            # Ties break by program position, not by the saved set's iteration order (object
            # addresses): the same program gets the same plan in every process.
            order = self.order
            heap = [(self.exchange(e)[0], order[e], e) for e in self.saved]
            heapq.heapify(heap)
            while heap and self.current > limit:
                _, i, e = heapq.heappop(heap)
                if e not in self.saved:  # dropped as a sibling
                    continue
                fresh, dropped, group, reads = self.exchange(e)
                if fresh == math.inf:  # frees nothing now; retried next round
                    continue
                if heap and fresh > heap[0][0] * (1 + 1e-9):
                    heapq.heappush(heap, (fresh, i, e))  # stale: try the others first
                    continue
                progress = True
                self.drop(dropped, group, reads)
        if self.current > limit:  # not seen; saving nothing always fits
            self.saved.clear()


def _needs(known, producer, saved_pred, demand):
    """Given which eqns may be saved, the residual eqns (-> read results) and recomputed set."""
    residual: dict = {}
    recomputed: set = set()
    todo = list(demand)
    while todo:
        v = todo.pop()
        e = producer.get(v)
        if e is None:
            continue
        if saved_pred(e):
            residual.setdefault(e, {})[v] = None
        elif e not in recomputed:
            recomputed.add(e)
            todo.extend(a for a in e.inputs if type(a) is Var)
    return residual, recomputed


def _refill(known, producer, saved, recomputed, needed_out, demand, limit, ecost):
    """Save again recomputed equations that fit below the budget and lower the cost."""
    def state(allowed):
        res, rec = _needs(known, producer, lambda e: e in allowed, demand)
        nbytes = sum(_nbytes(v.aval) for outs in res.values() for v in outs)
        return res, rec, nbytes, sum(ecost(e) for e in rec)

    allowed = set(saved)
    res, rec, nbytes, total = state(allowed)
    out_bytes = {e: sum(_nbytes(o.aval) for o in e.outputs) for e in rec}
    order = {e: i for i, e in enumerate(known)}  # ties by program order (not by address)
    candidates = sorted((e for e in rec if out_bytes[e] <= limit - nbytes),
                        key=lambda e: (-ecost(e) / max(1, out_bytes[e]), order[e]))
    for e in candidates[:MAX_REFILL]:  # bounded: each trial is one linear walk
        if e not in rec or out_bytes[e] > limit - nbytes:
            continue
        trial = allowed | {e}
        r2, c2, b2, t2 = state(trial)
        if b2 <= limit and t2 < total:
            allowed, res, rec, nbytes, total = trial, r2, c2, b2, t2
    saved.clear()
    saved.update(res)
    recomputed.clear()
    recomputed.update(rec)
    needed_out.clear()
    needed_out.update(res)


def _describe(known, producer, saved, demand, ecost):
    """Per saved value: bytes and the cost of recomputing it from the other saved values."""
    res, _ = _needs(known, producer, lambda e: e in saved, demand)
    values = []
    for e, reads in res.items():
        # recompute cost of e's results alone: its closure back to saved values and inputs
        todo, seen = [e], {e}
        while todo:
            x = todo.pop()
            for a in x.inputs:
                p = producer.get(a) if type(a) is Var else None
                if p is None or p in seen or (p in res and p is not e):
                    continue
                seen.add(p)
                todo.append(p)
        cost = sum(ecost(x) for x in seen)
        values.extend(PlannedValue(v, _nbytes(v.aval), True, cost, e.prim.name) for v in reads)
    return values


# ---------------------------------------------------------------------------------------
# The block candidate: the same saved values re-spaced evenly (the sqrt(N) pattern)


def _respace(ir, unknowns, known, greedy, demand, limit) -> None:
    """Compare the greedy plan with candidates that save as many values of each primitive
    but spread evenly along the program (as hand-made sqrt(N) blocks do); keep the one
    with the least recompute cost, then the lowest estimated backward peak.

    Values of a chain cost the same to recompute wherever the saved ones sit, but the
    lazy backward pass holds one segment between two saved values at a time, so even
    spacing lowers the peak; a candidate that costs more is never taken."""
    producer, ecost = greedy.producer, greedy.ecost
    first, last = _reader_positions(ir, unknowns)
    demanded = [e for e in known if any(o in first for o in e.outputs)]

    def evaluate(allowed):
        res, rec = _needs(known, producer, allowed.__contains__, demand)
        nbytes = sum(_nbytes(v.aval) for outs in res.values() for v in outs)
        cost = sum(ecost(e) for e in rec)
        return nbytes, cost, res, rec

    best_bytes, best_cost, best_res, best_rec = evaluate(set(greedy.saved))
    best_peak = best_bytes + _live_peak(producer, best_res, best_rec, first, last)
    # Groups in program order, ties between equally large groups broken by program order:
    # iterating the saved set would make the plan depend on object addresses.
    order = {e: i for i, e in enumerate(known)}
    groups: dict = {}
    for e in sorted(greedy.saved, key=order.__getitem__):
        groups.setdefault(e.prim, []).append(e)
    largest = sorted(groups.items(), key=lambda item: (-len(item[1]), order[item[1][0]]))
    largest = largest[:MAX_RESPACED]
    for prim, chosen in largest:
        pool = [e for e in demanded if e.prim is prim]
        m, n = len(chosen), len(pool)
        if m >= n or m < 2:
            continue
        others = set(greedy.saved) - set(chosen)
        for align in (0.0, 0.5, 1.0):  # spaced from the start, centred, to the end
            picks = {pool[min(n - 1, int((i + align) * n / m))] for i in range(m)}
            nbytes, cost, res, rec = evaluate(others | picks)
            if nbytes > limit or cost > best_cost * (1 + 1e-9):
                continue
            peak = nbytes + _live_peak(producer, res, rec, first, last)
            if cost < best_cost * (1 - 1e-9) or peak < best_peak:
                best_bytes, best_cost, best_res, best_rec, best_peak = (
                    nbytes, cost, res, rec, peak)
    greedy.saved.clear()
    greedy.saved.update(best_res)
    greedy.recomputed.clear()
    greedy.recomputed.update(best_rec)
    greedy.needed_out.clear()
    greedy.needed_out.update(best_res)
    greedy.peak = best_peak


def _reader_positions(ir: IR, unknowns):
    """For each known value the unknown side reads: the first and last reading position."""
    unknown_vars = {v for v, u in zip(ir.invars, unknowns) if u}
    first: dict = {}
    last: dict = {}
    position = 0
    for eqn in ir.eqns:
        if any(type(a) is Var and a in unknown_vars for a in eqn.inputs):
            unknown_vars.update(eqn.outputs)
            for a in eqn.inputs:
                if type(a) is Var and a not in unknown_vars:
                    first.setdefault(a, position)
                    last[a] = position
            position += 1
    for v in ir.outvars:
        if type(v) is Var and v not in unknown_vars:
            first.setdefault(v, position)
            last[v] = position
    return first, last


def _live_peak(producer, res, rec, first, last) -> int:
    """Estimated peak bytes of recomputed values alive at once in the lazy backward pass
    (see :mod:`fungrad.transforms.remat_transpose`): walking the readers backwards, a
    missing value brings in the recomputed values of its closure that the backward pass
    reads, each alive until its first reader is passed."""
    needed = sorted((v for v in first if producer.get(v) in rec), key=last.__getitem__,
                    reverse=True)
    present: set = set()
    deaths: list = []
    live = peak = 0
    for v in needed:
        t = last[v]
        while deaths and -deaths[0][0] > t:
            _, _, size = heapq.heappop(deaths)
            live -= size
        if v in present:
            continue
        todo = [producer[v]]
        seen = set(todo)
        while todo:
            e = todo.pop()
            for o in e.outputs:
                if o in first and o not in present:
                    present.add(o)
                    size = _nbytes(o.aval)
                    live += size
                    heapq.heappush(deaths, (-first[o], id(o), size))
            for a in e.inputs:
                p = producer.get(a) if type(a) is Var else None
                if p is not None and p in rec and p not in seen and a not in present:
                    seen.add(p)
                    todo.append(p)
        peak = max(peak, live)
    return peak
