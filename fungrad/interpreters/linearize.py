"""Reverse mode: ``vjp = linearize + transpose``.

Linearize runs ``fun`` under a :class:`JVPTrace` whose rules execute with a
:class:`TangentStagingTrace` current. Primal operations involve no staged tangent, so the
staging trace hands them to its parent: they run concretely under plain ``grad`` (Python
control flow works). Tangent operations are recorded into a *linear* IR. The transpose
interpreter (:func:`backward_pass`) walks that IR backwards, calling one transpose rule per
linear primitive. Transpose rules bind primitives on the current trace, so the backward
pass is itself differentiable and batchable (reverse-over-reverse, forward-over-reverse,
vmap of grad).

A transpose rule has the signature ``rule(ct, *operands, **params) -> list`` with one
cotangent (or None) per operand. Operands that are linear inputs appear as
:class:`LinearArg` (their value is unknown; only the abstract value is available); the
others are ordinary values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fungrad import core, dtypes, float_checks
from fungrad.array_module import constants_on_device
from fungrad.core import Primitive, ShapedArray
from fungrad.errors import MissingRuleError
from fungrad.interpreters import hooks
from fungrad.interpreters.jvp import (
    JVPTrace,
    Zero,
    add_any,
    add_any_p,
    defjvp,
    deflinear_in_first_jvp,
    deflinear_jvp,
    jvp_rules,
    zeros_like_aval,
)
from fungrad.ir import IR, Literal, StagingTrace, StagingTracer, Var, backward_site, eval_ir

transpose_rules: dict[Primitive, Callable] = {}
# Direct linearizations: JVP rules for reverse mode that stage their tangent equations
# themselves (see defjvp_scaled); the LinearizeTrace consults them before jvp_rules.
linearize_rules: dict[Primitive, Callable] = {}


class LinearArg:
    """Stands for a linear operand in a transpose rule (JAX calls it an undefined primal)."""

    __slots__ = ("aval",)

    def __init__(self, aval: ShapedArray):
        self.aval = aval

    def __repr__(self):
        return f"LinearArg({self.aval.str_short()})"


def is_linear(x) -> bool:
    return type(x) is LinearArg


class TangentStagingTrace(StagingTrace):
    """A staging trace that records only operations touching its own (tangent) tracers."""

    transform_name = "linearize"
    forward_constants = True
    record_sites = False  # see LinearizeTrace: frame walks on every op would slow grad


class LinearizeTrace(JVPTrace):
    """A JVP trace whose tangents are staged into a linear IR.

    ``transform_name`` is the user's word for it ("grad", "vjp", "linearize"), shown in
    tracer reprs and errors. The linear IR records the user's source lines when asked
    (``fg.linearize``), when the program is being staged anyway (jit, make_ir) and while
    ``debug_nans``/``debug_infs`` is on (so backward-pass errors name the line).
    """

    direct_rules = linearize_rules

    def __init__(self, parent=None, fun_name="<function>", transform_name="linearize",
                 record_sites=False):
        super().__init__(parent, fun_name)
        self.transform_name = transform_name
        self.tangent_trace = TangentStagingTrace(self.parent, fun_name)
        self.tangent_trace.transform_name = transform_name
        self.tangent_trace.record_sites = (record_sites or float_checks.state.enabled
                                           or isinstance(self.parent, StagingTrace))
        self.rule_trace = self.tangent_trace


class LinearFunction:
    """The linear map produced by :func:`linearize_flat`: a linear IR and its constants.

    ``inputs_linear[i]`` says whether flat input ``i`` has a tangent variable (integer
    inputs and inputs that do not affect the output need none).
    """

    def __init__(self, ir: IR, in_avals, out_avals):
        self.ir = ir
        self.in_avals = in_avals  # tangent avals of the inputs
        self.out_avals = out_avals  # tangent avals of the outputs

    def jvp(self, tangents) -> list:
        present = [v for v in self.ir.outvars if v is not None]
        ir = IR(self.ir.constvars, self.ir.consts, self.ir.invars, self.ir.eqns, present)
        values = iter(eval_ir(ir, ir.consts, tangents))
        return [zeros_like_aval(a) if v is None else next(values)
                for v, a in zip(self.ir.outvars, self.out_avals)]

    def transpose(self, cts_out) -> list:
        cts_in = backward_pass(self.ir, cts_out)
        return [zeros_like_aval(a) if ct is None else ct for ct, a in zip(cts_in, self.in_avals)]


def linearize_flat(fun: Callable, primals, fun_name="<function>",
                   transform_name="linearize", record_sites=False):
    """Run ``fun(*primals)`` and return ``(primal_outs, LinearFunction)``.

    ``transform_name`` names the transform in tracers and errors; ``record_sites`` keeps
    the user's source line on every linear equation.
    """
    trace = LinearizeTrace(fun_name=fun_name, transform_name=transform_name,
                           record_sites=record_sites)
    staging = trace.tangent_trace
    in_avals = []

    def body():
        ins = []
        for p in primals:
            aval = Zero.like_primal(p).aval
            in_avals.append(aval)
            tangent_in = staging.new_input(aval)  # one linear input per primal, used or not
            # integer/boolean inputs have float0 (symbolic zero) tangents
            ins.append(trace.new_tracer(p, tangent_in) if dtypes.is_inexact(aval.dtype) else p)
        return [trace.unwrap(o) for o in fun(*ins)]

    try:
        pairs = core.run_in_trace(trace, body)
    finally:
        staging.valid = False
    primal_outs = [p for p, _ in pairs]
    tangent_outs, out_avals = [], []
    for p, t in pairs:
        aval = Zero.like_primal(p).aval
        out_avals.append(aval)
        tangent_outs.append(t)
    ir = close_linear_ir(staging, tangent_outs)
    return primal_outs, LinearFunction(ir, in_avals, out_avals)


def close_linear_ir(staging: TangentStagingTrace, tangent_outs) -> IR:
    """Build the linear IR; symbolic-zero outputs become ``None`` outvars."""
    outvars = []
    for t in tangent_outs:
        outvars.append(None if isinstance(t, Zero) else staging.to_atom(t))
    return IR(staging.constvars, staging.consts, staging.invars, staging.eqns, outvars)


def backward_pass(ir: IR, cts_out) -> list:
    """Transpose the linear ``ir``: map output cotangents to input cotangents (None = zero).

    Every equation of a linear IR has at least one linear input (the tangent staging trace
    evaluates constant-only operations instead of recording them); constvars and literals
    are the non-linear operands. While a rule runs, the current site is its equation's
    source line marked as backward (for staged equations and ``debug_nans`` errors).
    """
    ctx = core._context
    outer_site = ctx.site
    try:  # the site is restored twice, as core.run_in_trace restores the trace (see there)
        try:
            return _transpose_eqns(ir, cts_out, ctx, outer_site)
        finally:
            ctx.site = outer_site
    finally:
        ctx.site = outer_site


def _transpose_eqns(ir: IR, cts_out, ctx, outer_site) -> list:
    # The loop runs once per linear equation of every eager grad: it does one dict lookup
    # per operand and sets the thread-local site only when it changes.
    consts = ir.consts
    if consts and core._context.trace is core.eval_trace:
        consts = constants_on_device(consts, [*cts_out, *consts])
    const_env = dict(zip(ir.constvars, consts))
    ct_env: dict[Var, Any] = {}
    for var, ct in zip(ir.outvars, cts_out):
        if ct is not None and isinstance(var, Var) and var not in const_env:
            prev = ct_env.get(var)
            ct_env[var] = ct if prev is None else add_any(prev, ct)
    site = outer_site
    for eqn in reversed(ir.eqns):
        if eqn.prim.multiple_results:
            cts = [ct_env.pop(v, None) for v in eqn.outputs]
            if all(c is None for c in cts):
                continue
            ct = [zeros_like_aval(v.aval) if c is None else c for c, v in zip(cts, eqn.outputs)]
        else:
            ct = ct_env.pop(eqn.outputs[0], None)
            if ct is None:
                continue
        operands = []
        for a in eqn.inputs:
            if type(a) is Literal:
                operands.append(a.value)
            else:
                value = const_env.get(a)  # constants are arrays, never None
                operands.append(LinearArg(a.aval) if value is None else value)
        rule = transpose_rules.get(eqn.prim)
        if rule is None:
            raise MissingRuleError(
                f"Transpose rule for primitive `{eqn.prim.name}` is not implemented, so "
                "reverse-mode differentiation through it is not possible."
            )
        eqn_site = backward_site(eqn.site) if eqn.site else outer_site
        if eqn_site is not site:
            ctx.site = site = eqn_site
        for a, x, c in zip(eqn.inputs, operands, rule(ct, *operands, **eqn.params)):
            if c is not None and type(x) is LinearArg:
                prev = ct_env.get(a)
                ct_env[a] = c if prev is None else add_any(prev, c)
    return [ct_env.get(v) for v in ir.invars]


# ---------------------------------------------------------------------------------------
# Scaled tangents: the JVP of most elementwise primitives, linearized directly


def defjvp_scaled(prim: Primitive, *factors: Callable | None) -> None:
    """Define the JVP of an elementwise ``prim`` whose operand ``i`` contributes
    ``mul(t_i, factors[i](ans, *primals))`` to the output tangent (None: no contribution).

    The forward rule is the :func:`defjvp` one. Reverse mode gets a direct linearization
    with the same equations: the primal output and the factors are computed with the
    parent trace current, and each contribution is recorded as one ``mul`` equation whose
    aval is the output's tangent aval. That skips the staging trace's forwarding of
    primal operations, its dispatch and its abstract evaluation, which were most of the
    cost of eager ``grad`` on elementwise code.

    Example: ``defjvp_scaled(sin_p, lambda ans, x: cos(x))``.
    """
    defjvp(prim, *[None if f is None else _scaled_jvp(f) for f in factors])
    linearize_rules[prim] = _scaled_linearization(prim, factors)


def _scaled_jvp(factor: Callable) -> Callable:
    return lambda t, ans, *primals, **params: hooks.mul_p().bind(
        t, factor(ans, *primals, **params))


def _scaled_linearization(prim: Primitive, factors) -> Callable:
    general = jvp_rules[prim]
    mul = None  # lax.mul_p, looked up on first use (lax installs it after these rules)

    def rule(staging, primals, tangents, **params):
        nonlocal mul
        for t in tangents:
            if type(t) is not Zero and (type(t) is not StagingTracer or t._trace is not staging):
                return _run_general(general, staging, primals, tangents, params)
        ans = prim.bind(*primals, **params)
        scaled = []
        for f, t in zip(factors, tangents):
            if f is not None and type(t) is not Zero:
                scaled.append((t, f(ans, *primals, **params)))
        if not scaled:
            return ans, Zero.like_primal(ans)
        mul = mul or hooks.mul_p()
        shape, out = core.shape_of(ans), None
        for t, factor in scaled:
            # The product's aval is the output's tangent aval; it is the tangent's own aval
            # unless a rank-0 operand was broadcast (the aval abstract evaluation would give).
            aval = t._var.aval if t._var.aval.shape == shape else Zero.like_primal(ans).aval
            term = staging.record(mul, [t._var, staging.to_atom(factor)], {}, aval)
            out = term if out is None else staging.record(add_any_p, [out._var, term._var], {},
                                                          aval)
        return ans, out

    return rule


def _run_general(rule: Callable, staging: TangentStagingTrace, primals, tangents, params):
    """Run a JVP rule as the LinearizeTrace does (tangents that other rules made concrete)."""
    ctx = core._context
    parent, ctx.trace = ctx.trace, staging
    try:
        return rule(primals, tangents, **params)
    finally:
        ctx.trace = parent


def deflinearize_passthrough(prim: Primitive, *operands: int) -> None:
    """Give ``prim`` (whose JVP rule is registered) a direct linearization for the case where
    the output's tangent *is* an input's: only operand ``i`` in ``operands`` has a nonzero
    tangent and it has the output's shape (``x + c``, ``x - c``, ``c + x``).

    The general path records no equation in that case either, but it dispatches the primal
    operation through the tangent staging trace first; ``x + c`` is common enough in user
    code for that to show in eager ``grad``. Every other case runs the general rule.

    Example: ``deflinearize_passthrough(sub_p, 0)`` (``c - x`` negates: not a pass-through).
    """
    general = jvp_rules[prim]

    def rule(staging, primals, tangents, **params):
        t = _passed_tangent(staging, primals, tangents, operands)
        if t is None:
            return _run_general(general, staging, primals, tangents, params)
        return prim.bind(*primals, **params), t

    linearize_rules[prim] = rule


def _passed_tangent(staging, primals, tangents, operands):
    """The one nonzero tangent, if it is staged, from ``operands`` and of the output's shape."""
    passed = None
    for i, t in enumerate(tangents):
        if type(t) is Zero:
            continue
        if passed is not None or i not in operands:
            return None
        passed = t
    if type(passed) is not StagingTracer or passed._trace is not staging:
        return None
    if passed._var.aval.shape == () and any(core.shape_of(p) != () for p in primals):
        return None  # a rank-0 operand broadcast against the others: the tangent broadcasts
    return passed


# ---------------------------------------------------------------------------------------
# Helpers for transpose rules


def deflinear(prim: Primitive, transpose: Callable) -> None:
    """Register a primitive linear in all operands: its JVP applies it to the tangents.

    ``transpose(ct, *operands, **params)`` returns one cotangent per operand.
    """
    prim.linear = True
    deflinear_jvp(prim)
    transpose_rules[prim] = transpose


def deflinear_in_first(prim: Primitive, transpose: Callable) -> None:
    """Register a primitive linear in operand 0; the other operands are constants."""
    prim.linear = True
    deflinear_in_first_jvp(prim)
    transpose_rules[prim] = transpose


def _add_any_transpose(ct, x, y):
    return [ct if is_linear(x) else None, ct if is_linear(y) else None]


transpose_rules[add_any_p] = _add_any_transpose
