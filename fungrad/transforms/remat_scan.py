"""Schedules across the iterations of a ``scan`` for ``checkpoint(f, memory_budget=b)``.

Without checkpointing, reverse mode through a scan keeps every iteration's residuals:
``T * r`` bytes for ``T`` steps of ``r`` stacked bytes each. A plan per iteration can only
cut ``r`` down to the step's carry ``c`` (the step's inputs are always saved), so a budget
below ``c / r`` of the scan needs a schedule *across* iterations. Before the budget of a
checkpoint is planned, every top-level scan of ``f`` gets its share ``A`` of the budget
(its fraction of ``f``'s residual bytes) and one of three schedules:

- ``A >= T * r``: unchanged;
- ``A >= T * c``: *per step*: the body becomes ``checkpoint(body, memory_budget=p)`` with
  ``p = A / T - c`` bytes (the planner then chooses what each iteration keeps);
- otherwise *blocks*: the scan becomes a scan over ``ceil(T / k)`` blocks of ``k`` steps
  (the last block takes the remainder), each block a checkpointed inner scan, with the
  smallest ``k`` whose saved block carries ``ceil(T / k) * c`` fit in ``A``. The backward
  pass recomputes one block at a time (every step once, as the hand-made sqrt(N) blocks
  do) and holds one block's residuals while it runs.

The per-step numbers come from the body's JVP split (everything saved), with tangents on
every inexact input; the budget planner then plans ``f`` with the rewritten scans under
the same absolute byte limit, so the estimates only steer the schedule: the saved bytes
are those the planner counts.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from fungrad import dtypes
from fungrad.interpreters import partial_eval as pe
from fungrad.ir import IR, Eqn, Var, stage_flat
from fungrad.lax import concatenate, reshape, slice_in_dim
from fungrad.lax.loops import scan_p
from fungrad.transforms.jit import jit_call_p
from fungrad.transforms.remat_planner import _nbytes, _split, plan_budget

__all__ = ["schedule_scans", "scan_bytes_kept", "ScanSchedule"]

MIN_LENGTH = 4  # shorter scans are left to the per-equation planner


class ScanSchedule:
    """What :func:`schedule_scans` chose for one scan (reported by ``saved_residuals``)."""

    def __init__(self, site: str, length: int, step_bytes: int, carry_bytes: int,
                 share: int, kind: str, block: int = 1, step_budget: int = 0):
        self.site, self.length = site, length
        self.step_bytes, self.carry_bytes, self.share = step_bytes, carry_bytes, share
        self.kind, self.block, self.step_budget = kind, block, step_budget

    def __repr__(self):
        what = {"unchanged": "unchanged",
                "per_step": f"per-step plans of {self.step_budget:,d} bytes",
                "blocks": f"{math.ceil(self.length / self.block)} checkpointed blocks of "
                          f"{self.block} steps"}[self.kind]
        return (f"scan of {self.length} steps at {self.site}: {what} (share "
                f"{self.share:,d} of {self.length * self.step_bytes:,d} bytes; carry "
                f"{self.carry_bytes:,d} bytes per step)")


def schedule_scans(ir: IR, fraction: float,
                   checkpointed: Callable) -> tuple[IR, list[ScanSchedule]]:
    """Rewrite the long scans of ``ir`` so that each keeps about ``fraction`` of its
    unchecked residual bytes.

    ``checkpointed(ir, budget, args)`` binds a remat of ``ir`` on ``args`` (``budget``:
    int bytes, or None for nothing saved) on the current trace. Returns ``(ir, [])`` when
    nothing changes.
    """
    schedules, replace = [], {}
    for eqn in ir.eqns:
        if eqn.prim is not scan_p or eqn.params["length"] < MIN_LENGTH:
            continue
        sched = _choose(eqn, fraction)
        if sched.kind == "unchanged":
            continue
        schedules.append(sched)
        replace[eqn] = (_per_step(eqn, sched.step_budget, checkpointed)
                        if sched.kind == "per_step" else _blocks(eqn, sched.block,
                                                                  checkpointed))
    if not replace:
        return ir, []
    return _rewrite(ir, replace), schedules


def scan_bytes_kept(jir: IR, unknowns, limit: int) -> tuple[int, int, int]:
    """For the JVP IR of a rewritten function planned within ``limit`` bytes: the bytes
    of scan results the plan saves, those it would save with everything saved, and the
    other bytes it saves."""
    plan = plan_budget(jir, unknowns, limit)
    known, demand = _split(jir, unknowns)
    producer = {o: e for e in known for o in e.outputs}
    wanted = sum(_nbytes(v.aval) for v in demand
                 if v in producer and producer[v].prim is scan_p)
    kept = sum(v.nbytes for v in plan.values if v.primitive == scan_p.name)
    return kept, wanted, plan.saved_bytes - kept


def _step_numbers(eqn) -> tuple[int, int]:
    """Stacked residual bytes per iteration (none checkpointed), and float carry bytes."""
    body, nc, nk = eqn.params["body"], eqn.params["num_consts"], eqn.params["num_carry"]
    nz = [dtypes.is_inexact(v.aval.dtype) for v in body.invars]
    jir, _ = pe.jvp_ir(body, nz)
    _, demand = _split(jir, [False] * len(body.invars) + [True] * sum(nz))
    invariant = set(jir.invars[:nc]) | set(jir.constvars)
    for e in jir.eqns:
        if all(type(a) is not Var or a in invariant for a in e.inputs):
            invariant.update(e.outputs)
    xs = set(jir.invars[nc + nk:len(body.invars)])
    step = sum(_nbytes(v.aval) for v in demand if v not in invariant and v not in xs)
    carry = sum(_nbytes(v.aval) for v, z in zip(body.invars[nc:nc + nk], nz[nc:nc + nk]) if z)
    return step, carry


def _choose(eqn, fraction: float) -> ScanSchedule:
    length = eqn.params["length"]
    step, carry = _step_numbers(eqn)
    total = length * step
    share = max(0, min(total, math.floor(fraction * total)))
    site = eqn.site or "<unknown>"
    if share >= total or step == 0:
        return ScanSchedule(site, length, step, carry, share, "unchanged")
    per_step = share // length - carry
    if per_step >= 0:
        return ScanSchedule(site, length, step, carry, share, "per_step",
                            step_budget=per_step)
    block = length
    for k in range(2, length + 1):
        if math.ceil(length / k) * carry <= share:
            block = k
            break
    return ScanSchedule(site, length, step, carry, share, "blocks", block=block)


def _params(eqn):
    p = eqn.params
    return p["body"], p["num_consts"], p["num_carry"], p["length"], p["reverse"]


def _per_step(eqn, step_budget: int, checkpointed: Callable):
    body, nc, nk, length, reverse = _params(eqn)
    new_body = pe.optimize_derived(stage_flat(lambda *a: checkpointed(body, step_budget, a),
                                              body.in_avals, "remat_step"))

    def run(*args):
        return scan_p.bind(*args, body=new_body, num_consts=nc, num_carry=nk, length=length,
                           reverse=reverse)

    return run


def _blocks(eqn, block: int, checkpointed: Callable):
    """``run(*args)`` computing ``eqn`` as a scan over checkpointed blocks of ``block`` steps."""
    body, nc, nk, length, reverse = _params(eqn)
    num_full, tail = divmod(length, block)
    consts_avals = body.in_avals[:nc + nk]
    x_avals = body.in_avals[nc + nk:]

    def block_ir(size):
        avals = consts_avals + [a.update(shape=(size, *a.shape)) for a in x_avals]
        inner = stage_flat(lambda *a: scan_p.bind(*a, body=body, num_consts=nc, num_carry=nk,
                                                  length=size, reverse=reverse),
                           avals, "remat_block")
        return pe.optimize_derived(inner), avals

    full_ir, full_avals = block_ir(block)
    outer_body = pe.optimize_derived(stage_flat(lambda *a: checkpointed(full_ir, None, a),
                                                full_avals, "remat_blocks"))
    tail_ir = block_ir(tail)[0] if tail else None

    def run_full(consts, carry, xs):
        xs = [reshape(slice_in_dim(x, 0, num_full * block), (num_full, block, *x.shape[1:]))
              for x in xs]
        outs = scan_p.bind(*consts, *carry, *xs, body=outer_body, num_consts=nc,
                           num_carry=nk, length=num_full, reverse=reverse)
        ys = [reshape(y, (num_full * block, *y.shape[2:])) for y in outs[nk:]]
        return list(outs[:nk]), ys

    def run_tail(consts, carry, xs):
        xs = [slice_in_dim(x, num_full * block, length) for x in xs]
        outs = checkpointed(tail_ir, None, [*consts, *carry, *xs])
        return list(outs[:nk]), list(outs[nk:])

    def run(*args):
        consts, carry, xs = list(args[:nc]), list(args[nc:nc + nk]), list(args[nc + nk:])
        if not tail:
            carry, ys = run_full(consts, carry, xs)
            return [*carry, *ys]
        if reverse:  # the last steps run first
            carry, ys_tail = run_tail(consts, carry, xs)
            carry, ys_full = run_full(consts, carry, xs)
        else:
            carry, ys_full = run_full(consts, carry, xs)
            carry, ys_tail = run_tail(consts, carry, xs)
        return [*carry, *[concatenate([a, b], 0) for a, b in zip(ys_full, ys_tail)]]

    return run


def _rewrite(ir: IR, replace: dict) -> IR:
    """``ir`` with each equation in ``replace`` computed by its function instead (staged
    into a call that the IR passes inline)."""
    eqns = []
    for eqn in ir.eqns:
        run = replace.get(eqn)
        if run is not None:
            sub = stage_flat(run, [a.aval for a in eqn.inputs], "remat_schedule")
            eqn = Eqn(jit_call_p, eqn.inputs, eqn.outputs,
                      {"ir": pe.optimize_derived(sub), "name": "remat_schedule"}, eqn.site)
        eqns.append(eqn)
    return pe.optimize_derived(IR(ir.constvars, ir.consts, ir.invars, eqns, ir.outvars))
