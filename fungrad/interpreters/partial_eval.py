"""IR-to-IR transformations used by the rules of higher-order primitives.

A higher-order primitive (``jit_call``, ``cond``, ``scan``, ``remat``...) carries IRs as
parameters. Its rules do not interpret the user's function again; they transform the IRs:

- :func:`jvp_ir` stages the JVP of an IR: ``(primals, tangents) -> (outs, out_tangents)``.
- :func:`partial_eval_ir` splits an IR whose inputs are partly *known* (primal values) and
  partly *unknown* (tangents being staged by linearize) into a known IR, which also returns
  the *residuals* that the unknown side needs, and an unknown IR of ``(residuals,
  unknowns)``. With a ``saveable`` policy, known values that may not be saved are recomputed
  on the unknown side from the saved ones (rematerialization).
- :func:`transpose_ir` stages the transpose of an IR linear in some inputs.
- :func:`vmap_ir` stages the batched version of an IR.

Why split JVPs: under reverse mode a higher-order primitive's JVP rule must run its primal
part now (on the parent trace) and stage only the linear tangent part, exactly as the
first-order rules do. The JVP rules therefore bind the primitive twice, once on the known
IR (no tangent operands, so the linearize trace hands it to its parent) and once on the
unknown IR (which it records as one linear equation, transposed by :func:`transpose_ir`).

Derived IRs are cached on the IR they come from (``ir.cache``), so a jitted function that
is differentiated on every step is transformed only once.

IRs carried by higher-order primitives hold only concrete constants: values of enclosing
traces are hoisted into explicit operands by :func:`fungrad.ir.stage_closed`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from fungrad import core, dtypes
from fungrad.core import ShapedArray
from fungrad.errors import TransformError
from fungrad.interpreters.batching import axis_env, bdim_to_front, flat_vmap
from fungrad.interpreters.jvp import Zero, jvp_flat, zeros_like_aval
from fungrad.interpreters.linearize import TangentStagingTrace, backward_pass, is_linear
from fungrad.ir import IR, Eqn, Literal, Var, eval_ir, stage_flat
from fungrad.ir_passes import optimize

# Primitives that cannot be split into known and unknown parts, with the reason (reverse
# mode through them is impossible): filled in by the modules that define them.
forward_only: dict = {}


def tangent_aval(aval: ShapedArray) -> ShapedArray:
    """Return the abstract value of tangents of values with abstract value ``aval``."""
    return ShapedArray(aval.shape, dtypes.tangent_dtype(aval.dtype))


def _cached(ir: IR, key, build: Callable):
    hit = ir.cache.get(key)
    if hit is None:
        hit = ir.cache[key] = build()
    return hit


def permute_ir(ir: IR, in_order: Sequence[int], out_order: Sequence[int] | None = None) -> IR:
    """Return ``ir`` with its inputs (and outputs) reordered: new input j is old ``in_order[j]``."""
    outvars = ir.outvars if out_order is None else [ir.outvars[i] for i in out_order]
    return IR(ir.constvars, ir.consts, [ir.invars[i] for i in in_order], ir.eqns, outvars)


def pad_inputs(ir: IR, before: Sequence[ShapedArray], after: Sequence[ShapedArray] = ()) -> IR:
    """Return ``ir`` with unused inputs of the given avals added before and after its own."""
    pre = [Var(a) for a in before]
    post = [Var(a) for a in after]
    return IR(ir.constvars, ir.consts, pre + ir.invars + post, ir.eqns, ir.outvars)


def call_ir(ir: IR, args) -> list:
    """Evaluate ``ir`` on ``args`` with its own constants (through ``bind``)."""
    return eval_ir(ir, ir.consts, args)


# ---------------------------------------------------------------------------------------
# JVP


def jvp_ir(ir: IR, nonzero: Sequence[bool], instantiate: bool | Sequence[bool] = False):
    """Stage the JVP of ``ir``; return ``(jvp_ir, out_nonzero)``.

    ``jvp_ir`` maps ``(*primals, *tangents of the nonzero inputs)`` to ``(*outs, *tangents
    of the nonzero outputs)``; ``instantiate`` forces zero output tangents to be materialised.
    """
    nonzero = tuple(bool(n) for n in nonzero)
    inst = tuple([bool(instantiate)] * len(ir.outvars) if isinstance(instantiate, bool)
                 else (bool(i) for i in instantiate))
    return _cached(ir, ("jvp", nonzero, inst), lambda: _build_jvp(ir, nonzero, inst))


def _build_jvp(ir: IR, nonzero, inst):
    n = len(ir.invars)
    tangent_avals = [tangent_aval(a) for a, nz in zip(ir.in_avals, nonzero) if nz]
    out_nonzero: list[bool] = []

    def jvp_fun(*args):
        it = iter(args[n:])
        tangents = [next(it) if nz else Zero(tangent_aval(a))
                    for a, nz in zip(ir.in_avals, nonzero)]
        outs, out_tangents = jvp_flat(lambda *xs: call_ir(ir, xs), args[:n], tangents)
        kept = []
        for t, force, aval in zip(out_tangents, inst, ir.out_avals):
            if isinstance(t, Zero) and force:
                t = zeros_like_aval(tangent_aval(aval))
            out_nonzero.append(not isinstance(t, Zero))
            if not isinstance(t, Zero):
                kept.append(t)
        return list(outs) + kept

    staged = stage_flat(jvp_fun, list(ir.in_avals) + tangent_avals, "jvp")
    return optimize_derived(staged), tuple(out_nonzero)


# ---------------------------------------------------------------------------------------
# Partial evaluation


class PartialEval:
    """The result of :func:`partial_eval_ir`.

    ``known`` maps the known inputs to ``(*known outputs, *residuals)``; ``unknown`` maps
    ``(*residuals, *unknown inputs)`` to the unknown outputs. ``out_unknown[i]`` says which
    of the two produces output ``i``.
    """

    def __init__(self, known: IR, unknown: IR, num_res: int, out_unknown: tuple[bool, ...]):
        self.known = known
        self.unknown = unknown
        self.num_res = num_res
        self.out_unknown = out_unknown

    @property
    def res_avals(self) -> list[ShapedArray]:
        return self.unknown.in_avals[: self.num_res]


def partial_eval_ir(ir: IR, unknowns: Sequence[bool], saveable: Callable | None = None,
                    policy_key=None, force_unknown: Sequence[bool] | None = None) -> PartialEval:
    """Split ``ir`` into the part computable from the known inputs and the rest.

    ``saveable(eqn) -> bool`` (default: everything) decides which known values may be kept
    as residuals; the others are recomputed by the unknown IR from saveable values and known
    inputs. ``policy_key`` identifies ``saveable`` in the cache. Outputs flagged in
    ``force_unknown`` come from the unknown IR even when they are known (loop carries and
    branch outputs need the same split in every iteration or branch).
    """
    unknowns = tuple(bool(u) for u in unknowns)
    force = tuple(bool(f) for f in force_unknown) if force_unknown else (False,) * len(ir.outvars)
    key = ("partial_eval", unknowns, policy_key, force)
    return _cached(ir, key, lambda: _build_partial_eval(ir, unknowns, saveable, force))


def _build_partial_eval(ir: IR, unknowns, saveable, force) -> PartialEval:
    unknown_vars = {v for v, u in zip(ir.invars, unknowns) if u}
    known_eqns, unknown_eqns = [], []
    for eqn in ir.eqns:
        if any(type(a) is Var and a in unknown_vars for a in eqn.inputs):
            _check_splittable(eqn)
            unknown_eqns.append(eqn)
            unknown_vars.update(eqn.outputs)
        else:
            known_eqns.append(eqn)
    out_unknown = tuple(f or (type(v) is Var and v in unknown_vars)
                        for v, f in zip(ir.outvars, force))
    residuals, recompute = _residuals(ir, known_eqns, unknown_eqns, unknown_vars, out_unknown,
                                      saveable)
    known_outs = [v for v, u in zip(ir.outvars, out_unknown) if not u]
    known = IR(ir.constvars, ir.consts, [v for v, u in zip(ir.invars, unknowns) if not u],
               known_eqns, known_outs + residuals)
    unknown = IR(ir.constvars, ir.consts,
                 residuals + [v for v, u in zip(ir.invars, unknowns) if u],
                 recompute + unknown_eqns, [v for v, u in zip(ir.outvars, out_unknown) if u])
    return PartialEval(optimize_derived(known), optimize_derived(unknown), len(residuals),
                       out_unknown)


def _check_splittable(eqn: Eqn) -> None:
    """Raise if ``eqn`` (or an equation inside its IRs) cannot be split for reverse mode."""
    reason = forward_only.get(eqn.prim)
    if reason is not None:
        raise TransformError(f"{reason}\n  at {eqn.site or '<unknown>'}")
    for value in eqn.params.values():
        for inner in value if isinstance(value, tuple) else (value,):
            if isinstance(inner, IR):
                for e in inner.eqns:
                    _check_splittable(e)


def split_if_reverse_possible(ir: IR, unknowns, **kwargs) -> PartialEval | None:
    """:func:`partial_eval_ir`, or None when ``ir`` is forward-only and no reverse-mode
    trace is active (the JVP rule then binds the unsplit JVP, as plain forward mode)."""
    try:
        return partial_eval_ir(ir, unknowns, **kwargs)
    except TransformError:
        if isinstance(core.current_trace(), TangentStagingTrace):
            raise
        return None


def _residuals(ir, known_eqns, unknown_eqns, unknown_vars, out_unknown, saveable):
    """Known values the unknown side reads: saved ones, and equations to recompute."""
    constvars = set(ir.constvars)
    producer = {o: e for e in known_eqns for o in e.outputs}
    residuals: dict[Var, None] = {}
    recompute: set = set()

    def need(var):
        if type(var) is not Var or var in unknown_vars or var in constvars:
            return
        eqn = producer.get(var)
        if eqn is None or saveable is None or saveable(eqn):
            residuals[var] = None  # an input, or a saveable value
        elif eqn not in recompute:
            recompute.add(eqn)
            for a in eqn.inputs:
                need(a)

    for eqn in unknown_eqns:
        for a in eqn.inputs:
            need(a)
    for v, u in zip(ir.outvars, out_unknown):
        if u:
            need(v)
    ordered = [e for e in known_eqns if e in recompute]
    return list(residuals), ordered


# ---------------------------------------------------------------------------------------
# Transpose


def transpose_ir(ir: IR, linear: Sequence[bool]) -> IR:
    """Stage the transpose of ``ir`` with respect to its ``linear`` inputs.

    The result maps ``(*non-linear inputs, *output cotangents)`` to the cotangents of the
    linear inputs (zeros where none flows). Equations that read only non-linear values
    (recomputed residuals) are evaluated forward first.
    """
    linear = tuple(bool(x) for x in linear)
    return _cached(ir, ("transpose", linear), lambda: _build_transpose(ir, linear))


def _build_transpose(ir: IR, linear) -> IR:
    nonlin_vars = [v for v, lin in zip(ir.invars, linear) if not lin]
    lin_vars = [v for v, lin in zip(ir.invars, linear) if lin]
    ct_avals = [tangent_aval(a) for a in ir.out_avals]

    def transpose_fun(*args):
        res, cts = args[: len(nonlin_vars)], args[len(nonlin_vars):]
        env = dict(zip(ir.constvars, ir.consts))
        env.update(zip(nonlin_vars, res))
        linear_eqns = _eval_nonlinear(ir.eqns, env)
        lin_ir = IR(list(env), list(env.values()), lin_vars, linear_eqns, ir.outvars)
        cts_in = backward_pass(lin_ir, cts)
        return [zeros_like_aval(tangent_aval(v.aval)) if ct is None else ct
                for ct, v in zip(cts_in, lin_vars)]

    staged = stage_flat(transpose_fun, [v.aval for v in nonlin_vars] + ct_avals, "transpose")
    return optimize_derived(staged)


def _eval_nonlinear(eqns, env: dict) -> list:
    """Evaluate equations whose inputs are all in ``env``; return the remaining ones."""
    remaining = []
    for eqn in eqns:
        if all(type(a) is Literal or a in env for a in eqn.inputs):
            args = [a.value if type(a) is Literal else env[a] for a in eqn.inputs]
            outs = eqn.prim.bind(*args, **eqn.params)
            env.update(zip(eqn.outputs, outs if eqn.prim.multiple_results else [outs]))
        else:
            remaining.append(eqn)
    return remaining


# ---------------------------------------------------------------------------------------
# Batching


def vmap_ir(ir: IR, in_dims: Sequence[int | None], axis_size: int,
            force_front: bool | Sequence[bool] = False):
    """Stage ``ir`` batched over ``in_dims``; return ``(batched_ir, out_dims)``.

    Outputs flagged by ``force_front`` are batched at axis 0 even when they do not depend
    on a batched input (loop carries need a fixed layout).
    """
    in_dims = tuple(in_dims)
    force = tuple([bool(force_front)] * len(ir.outvars) if isinstance(force_front, bool)
                  else (bool(f) for f in force_front))
    # The batched IR resolves collectives over the axis of the trace whose rule runs; the
    # bound axis sizes shape those over other names (all_gather), so both key the cache.
    # A pmap trace re-batches with its own kind of trace (``subtrace_key`` tells them apart).
    axis_name, owner = axis_env.rule_axis, axis_env.rule_owner
    kind = getattr(owner, "subtrace_key", None)
    key = ("vmap", in_dims, axis_size, force, axis_name, axis_env.frames, kind)
    return _cached(ir, key, lambda: _build_vmap(ir, in_dims, axis_size, force, axis_name,
                                                owner if kind is not None else None))


def _build_vmap(ir: IR, in_dims, axis_size: int, force, axis_name=None, owner=None):
    avals = []
    for aval, d in zip(ir.in_avals, in_dims):
        if d is None:
            avals.append(aval)
        else:
            shape = list(aval.shape)
            shape.insert(d, axis_size)
            avals.append(aval.update(shape=tuple(shape)))
    out_dims: list = []

    def batched_fun(*args):
        outs, dims = flat_vmap(lambda *xs: call_ir(ir, xs), args, in_dims, axis_size, "vmap",
                               axis_name=axis_name, owner=owner)
        result = []
        for o, d, f in zip(outs, dims, force):
            if f:
                o, d = bdim_to_front(o, d, axis_size), 0
            out_dims.append(d)
            result.append(o)
        return result

    staged = stage_flat(batched_fun, avals, "vmap")
    return optimize_derived(staged), tuple(out_dims)


# ---------------------------------------------------------------------------------------
# Rules shared by call-like primitives (jit_call, remat): ``outs = prim[ir, ...](*args)``


def call_jvp(bind: Callable, ir: IR, primals, tangents, saveable=None, policy_key=None):
    """The JVP rule of a call-like primitive; ``bind(ir, *args)`` binds it on an IR.

    Under reverse mode the JVP is split: the known IR runs on the primals (now, on the
    parent trace), the unknown (linear) IR is bound on the residuals and tangents. A
    forward-only program outside reverse mode is bound unsplit.
    """
    nonzero = [not isinstance(t, Zero) for t in tangents]
    jir, out_nonzero = jvp_ir(ir, nonzero)
    tangents_in = [t for t in tangents if not isinstance(t, Zero)]
    unknowns = [False] * len(primals) + [True] * sum(nonzero)
    split = split_if_reverse_possible(jir, unknowns, saveable=saveable, policy_key=policy_key)
    if split is None:
        outs = bind(jir, *primals, *tangents_in)
    else:
        known = bind(split.known, *primals)
        n_known = len(known) - split.num_res
        lin = bind(split.unknown, *known[n_known:], *tangents_in)
        k, u = iter(known[:n_known]), iter(lin)
        outs = [next(u) if flag else next(k) for flag in split.out_unknown]
    n = len(ir.outvars)
    it = iter(outs[n:])
    return outs[:n], [next(it) if nz else Zero(tangent_aval(a))
                      for nz, a in zip(out_nonzero, ir.out_avals)]


def call_transpose(bind: Callable, ir: IR, cts, operands) -> list:
    """The transpose rule of a call-like primitive linear in its ``LinearArg`` operands."""
    linear = [is_linear(x) for x in operands]
    tir = transpose_ir(ir, linear)
    residuals = [x for x in operands if not is_linear(x)]
    outs = iter(bind(tir, *residuals, *instantiate_zeros(cts, ir.out_avals)))
    return [next(outs) if lin else None for lin in linear]


def optimize_derived(ir: IR) -> IR:
    """Run the IR passes on a derived IR (dead code, common subexpressions, trivial ops)."""
    return optimize(ir)


def instantiate_zeros(values, avals) -> list:
    """Materialise symbolic zeros (``None`` or :class:`Zero`) as zero arrays."""
    return [zeros_like_aval(tangent_aval(a)) if (v is None or isinstance(v, Zero)) else v
            for v, a in zip(values, avals)]
