"""The transpose of a ``remat``'s linear part, recomputing its dropped values lazily.

The unknown IR of a checkpoint holds two kinds of equations: *recomputations* (they read
only saved residuals and constants: the primal values the policy or the budget plan did
not save) and the *linear* equations of the tangent program. The generic
:func:`fungrad.interpreters.partial_eval.transpose_ir` evaluates every recomputation
first and then walks the linear equations backwards, so all recomputed values are alive
at once and the backward pass's peak memory is that of no checkpointing at all.

Here the linear equations are transposed one at a time, last first, and a recomputation
is staged only when the next transposed equation reads its result (with the
recomputations it depends on, in program order). The staged program therefore
interleaves the recomputed segments with the backward pass; the executable deletes each
value after its last use, so a recomputed value lives only from its segment's
recomputation to the backward step that last reads it: between two saved values of a
chain, one segment (the sqrt(N) schedule's memory profile, for whatever the plan saved).
"""

from __future__ import annotations

from collections.abc import Sequence

from fungrad.interpreters import partial_eval as pe
from fungrad.interpreters.jvp import add_any, zeros_like_aval
from fungrad.interpreters.linearize import backward_pass
from fungrad.ir import IR, Literal, Var, stage_flat

__all__ = ["lazy_transpose_ir"]


def lazy_transpose_ir(ir: IR, linear: Sequence[bool]) -> IR:
    """Like :func:`fungrad.interpreters.partial_eval.transpose_ir` (same signature and
    result layout) but with the recomputations staged where the backward pass needs them."""
    linear = tuple(bool(x) for x in linear)
    key = ("lazy_transpose", linear)
    hit = ir.cache.get(key)
    if hit is None:
        hit = ir.cache[key] = _build(ir, linear)
    return hit


def _build(ir: IR, linear) -> IR:
    nonlin_vars = [v for v, lin in zip(ir.invars, linear) if not lin]
    lin_vars = [v for v, lin in zip(ir.invars, linear) if lin]
    known = set(ir.constvars) | set(nonlin_vars)
    recompute, linear_eqns = [], []
    for eqn in ir.eqns:
        if all(type(a) is not Var or a in known for a in eqn.inputs):
            known.update(eqn.outputs)
            recompute.append(eqn)
        else:
            linear_eqns.append(eqn)
    order = {e: i for i, e in enumerate(recompute)}
    producer = {o: e for e in recompute for o in e.outputs}
    ct_avals = [pe.tangent_aval(a) for a in ir.out_avals]

    def transpose_fun(*args):
        res, cts_out = args[: len(nonlin_vars)], args[len(nonlin_vars):]
        env = dict(zip(ir.constvars, ir.consts))
        env.update(zip(nonlin_vars, res))
        ct_env: dict = {}
        for var, ct in zip(ir.outvars, cts_out):
            if type(var) is Var and var not in env:
                _accumulate(ct_env, var, ct)
        for eqn in reversed(linear_eqns):
            cts = [ct_env.pop(v, None) for v in eqn.outputs]
            if all(c is None for c in cts):
                continue
            _materialize(eqn, env, producer, order)
            nonlin = {a: env[a] for a in eqn.inputs if type(a) is Var and a in env}
            lin_in = list({a: None for a in eqn.inputs
                           if type(a) is Var and a not in nonlin})
            step = IR(list(nonlin), list(nonlin.values()), lin_in, [eqn], eqn.outputs)
            for v, c in zip(lin_in, backward_pass(step, cts)):
                if c is not None:
                    _accumulate(ct_env, v, c)
        return [zeros_like_aval(pe.tangent_aval(v.aval)) if ct_env.get(v) is None
                else ct_env[v] for v in lin_vars]

    staged = stage_flat(transpose_fun, [v.aval for v in nonlin_vars] + ct_avals,
                        "remat_transpose")
    return pe.optimize_derived(staged)


def _accumulate(ct_env: dict, var: Var, ct) -> None:
    prev = ct_env.get(var)
    ct_env[var] = ct if prev is None else add_any(prev, ct)


def _materialize(eqn, env: dict, producer: dict, order: dict) -> None:
    """Stage the not yet computed recomputations ``eqn``'s operands depend on, in order."""
    todo = [a for a in eqn.inputs if type(a) is Var and a not in env and a in producer]
    needed, seen = [], set()
    while todo:
        p = producer[todo.pop()]
        if p in seen:
            continue
        seen.add(p)
        needed.append(p)
        todo.extend(a for a in p.inputs if type(a) is Var and a not in env and a in producer)
    for p in sorted(needed, key=order.__getitem__):
        args = [a.value if type(a) is Literal else env[a] for a in p.inputs]
        outs = p.prim.bind(*args, **p.params)
        env.update(zip(p.outputs, outs if p.prim.multiple_results else [outs]))
