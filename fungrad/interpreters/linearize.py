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

import numpy as np

from fungrad import core, dtypes, float_checks
from fungrad.array_module import arrays_to, computation_device, constants_on_device
from fungrad.core import Primitive, ShapedArray
from fungrad.errors import MissingRuleError
from fungrad.interpreters import hooks
from fungrad.interpreters.jvp import (
    JVPTrace,
    JVPTracer,
    Zero,
    add_any_p,
    add_tangents,
    defjvp,
    deflinear_in_first_jvp,
    deflinear_jvp,
    derived_rule_tables,
    jvp_rules,
    zeros_like_aval,
)
from fungrad.ir import IR, Literal, StagingTrace, StagingTracer, Var, backward_site, eval_ir

transpose_rules: dict[Primitive, Callable] = {}
# Direct linearizations: JVP rules for reverse mode that stage their tangent equations
# themselves (see defjvp_scaled); the LinearizeTrace consults them before jvp_rules. Each
# has ``general``, the JVP rule it stands for; most record the general rule's equations,
# while one marked ``specialized`` records fewer for the same derivative (max against a
# constant, reduce_max: the winners computed by NumPy on host arrays).
linearize_rules: dict[Primitive, Callable] = {}
derived_rule_tables.append(linearize_rules)  # a new JVP rule drops the direct one


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
        outs = [zeros_like_aval(a) if v is None else next(values)
                for v, a in zip(self.ir.outvars, self.out_avals)]
        return arrays_to(outs, _device(tangents, self.ir.consts))

    def transpose(self, cts_out) -> list:
        cts_in = backward_pass(self.ir, cts_out)
        cts = [zeros_like_aval(a) if ct is None else ct for ct, a in zip(cts_in, self.in_avals)]
        return arrays_to(cts, _device(cts_out, self.ir.consts))


def _device(values, consts):
    """The device of a linear map's computation: its inputs' or its residuals' (zeros that
    no equation produced are placed there, as JAX's are on the primals' device)."""
    return computation_device(values) or computation_device(consts)


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
    # per operand, sets the thread-local site only when it changes, and reads the tables
    # and dict methods it calls from locals.
    consts = ir.consts
    if consts and core._context.trace is core.eval_trace:
        consts = constants_on_device(consts, [*cts_out, *consts])
    const_get = dict(zip(ir.constvars, consts)).get
    ct_env: dict[Var, Any] = {}
    ct_get, ct_pop, rule_of, add = ct_env.get, ct_env.pop, transpose_rules.get, add_any_p.bind
    for var, ct in zip(ir.outvars, cts_out):
        if ct is not None and isinstance(var, Var) and const_get(var) is None:
            prev = ct_get(var)
            ct_env[var] = ct if prev is None else add(prev, ct)
    site = outer_site
    for eqn in reversed(ir.eqns):
        prim = eqn.prim
        if prim.multiple_results:
            cts = [ct_pop(v, None) for v in eqn.outputs]
            if all(c is None for c in cts):
                continue
            ct = [zeros_like_aval(v.aval) if c is None else c for c, v in zip(cts, eqn.outputs)]
        else:
            ct = ct_pop(eqn.outputs[0], None)
            if ct is None:
                continue
        inputs = eqn.inputs
        operands = []
        for a in inputs:
            if type(a) is Literal:
                operands.append(a.value)
            else:
                value = const_get(a)  # constants are arrays, never None
                operands.append(LinearArg(a.aval) if value is None else value)
        rule = rule_of(prim)
        if rule is None:
            raise MissingRuleError(
                f"Transpose rule for primitive `{prim.name}` is not implemented, so "
                "reverse-mode differentiation through it is not possible."
            )
        eqn_site = backward_site(eqn.site) if eqn.site else outer_site
        if eqn_site is not site:
            ctx.site = site = eqn_site
        for a, x, c in zip(inputs, operands, rule(ct, *operands, **eqn.params)):
            if c is not None and type(x) is LinearArg:
                prev = ct_get(a)
                ct_env[a] = c if prev is None else add(prev, c)
    return [ct_env.get(v) for v in ir.invars]


# ---------------------------------------------------------------------------------------
# Scaled tangents: the JVP of most elementwise primitives, linearized directly


def defjvp_scaled(prim: Primitive, *factors: Callable | None, divide: tuple[int, ...] = ()
                  ) -> None:
    """Define the JVP of an elementwise ``prim`` whose operand ``i`` contributes
    ``mul(t_i, factors[i](ans, *primals))`` to the output tangent (None: no contribution);
    an operand listed in ``divide`` contributes ``div(t_i, factors[i](ans, *primals))``
    instead (``log``'s ``t / x``: the quotient JAX computes, not a product with ``1 / x``).

    The forward rule is the :func:`defjvp` one. Reverse mode gets a direct linearization
    with the same equations: the primal output and the factors are computed with the
    parent trace current, and each contribution is recorded as one ``mul`` (or ``div``)
    equation whose aval is the output's tangent aval. That skips the staging trace's
    forwarding of primal operations, its dispatch and its abstract evaluation, which were
    most of the cost of eager ``grad`` on elementwise code.

    Example: ``defjvp_scaled(sin_p, lambda ans, x: cos(x))``,
    ``defjvp_scaled(log_p, lambda ans, x: x, divide=(0,))``.
    """
    defjvp(prim, *[None if f is None else _scaled_jvp(f, i in divide)
                   for i, f in enumerate(factors)])
    linearize_rules[prim] = _scaled_linearization(prim, factors, divide)


def _scaled_jvp(factor: Callable, divided: bool) -> Callable:
    if divided:
        return lambda t, ans, *primals, **params: hooks.div_p().bind(
            t, factor(ans, *primals, **params))
    return lambda t, ans, *primals, **params: hooks.mul_p().bind(
        t, factor(ans, *primals, **params))


def _scaled_linearization(prim: Primitive, factors, divide=()) -> Callable:
    general = jvp_rules[prim]
    ops = None  # lax's mul_p / div_p per operand, looked up on first use (lax installs them
    # after these rules)

    def rule(trace, primals, tangents, **params):
        nonlocal ops
        staging = trace.tangent_trace
        for t in tangents:
            if type(t) is not Zero and (type(t) is not StagingTracer or t._trace is not staging):
                return run_general(general, trace, prim, primals, tangents, params)
        ans = prim.bind(*primals, **params)
        if ops is None:
            ops = [hooks.div_p() if i in divide else hooks.mul_p() for i in range(len(factors))]
        shape = ans.shape if type(ans) is np.ndarray else core.shape_of(ans)
        out = aval = None
        for f, t, op in zip(factors, tangents, ops):
            if f is None or type(t) is Zero:
                continue
            factor = f(ans, *primals, **params)
            # The product's aval is the output's tangent aval; it is the tangent's own aval
            # unless a rank-0 operand was broadcast (the aval abstract evaluation would give).
            aval = t._var.aval if t._var.aval.shape == shape else Zero.like_primal(ans).aval
            # A float array factor of the output's shape has the product's aval.
            if (type(factor) is np.ndarray and factor.shape == shape
                    and factor.dtype == aval.dtype and not aval.weak_type):
                factor_atom = staging.to_atom(factor, aval)
            else:
                factor_atom = staging.to_atom(factor)
            term = staging.record(op, [t._var, factor_atom], {}, aval)
            out = term if out is None else staging.record(add_any_p, [out._var, term._var], {},
                                                          aval)
        if out is None:
            return ans
        # A float array's aval equals its tangent's (shapes are equal): share it.
        if type(ans) is np.ndarray and ans.dtype == aval.dtype and not aval.weak_type:
            return JVPTracer(trace, ans, out, aval)
        return JVPTracer(trace, ans, out)

    rule.general = general
    return rule


def run_general(rule: Callable, trace: LinearizeTrace, prim: Primitive, primals, tangents,
                 params):
    """Run a JVP rule as the LinearizeTrace does (tangents that other rules made concrete)."""
    return trace.run_rule(rule, prim, primals, tangents, params)


def _primal_out_aval(ans, primals, tangents) -> ShapedArray | None:
    """The aval of the tangent of a primitive linear in the operands with tangents, when it
    is the primal output's: every nonzero tangent has its primal's shape and dtype (both
    NumPy values, neither weak), so the linear map applied to the tangents abstract-
    evaluates to what it computed on the primals. None otherwise (abstract evaluation
    decides). The primal's impl has checked the shapes; skipping the shape rule saved
    most of the staging cost of reshapes, broadcasts, sums and products in eager grad."""
    if type(ans) is not np.ndarray and not isinstance(ans, np.generic):
        return None
    for t, p in zip(tangents, primals):
        if type(t) is Zero:
            continue
        a = t._var.aval
        if (a.weak_type or (type(p) is not np.ndarray and not isinstance(p, np.generic))
                or a.shape != p.shape or a.dtype != p.dtype):
            return None
    return ShapedArray(ans.shape, ans.dtype)


def is_staged(t, staging) -> bool:
    """True if ``t`` is a tangent staged by ``staging`` (a rule may record equations on it)."""
    return type(t) is StagingTracer and t._trace is staging


def wrap_linear(trace: LinearizeTrace, ans, out):
    """``trace``'s tracer for primal ``ans`` with staged tangent ``out``; an array's aval is
    shared with the tangent's when they are equal."""
    aval = out._var.aval
    if (type(ans) is np.ndarray and ans.dtype == aval.dtype and ans.shape == aval.shape
            and not aval.weak_type):
        return JVPTracer(trace, ans, out, aval)
    return JVPTracer(trace, ans, out)


def _add_staged(staging: TangentStagingTrace, a, b):
    """``add_tangents(a, b)`` of two staged tangents, staged directly when their shapes
    agree (the rank-0 broadcast of add_tangents is rare: it runs the general helper)."""
    if a._var.aval.shape == b._var.aval.shape:
        return staging.stage(add_any_p, [a._var, b._var], {})
    ctx = core._context
    parent, ctx.trace = ctx.trace, staging
    try:
        return add_tangents(a, b)
    finally:
        ctx.trace = parent


def _linear_linearization(prim: Primitive, in_first: bool) -> Callable:
    """The direct linearization of a primitive linear in all operands (``in_first``: in
    operand 0, the others constants), as :func:`deflinear_jvp` (``deflinear_in_first_jvp``)
    defines its JVP: the primitive applied to the staged tangents, staged without the
    dispatch through the tangent staging trace. Zero tangents that the general rule would
    instantiate, and unstaged ones, take the general rule."""
    general = jvp_rules[prim]

    def rule(trace, primals, tangents, **params):
        staging = trace.tangent_trace
        if in_first:
            t = tangents[0]
            if type(t) is Zero:
                return prim.bind(*primals, **params)
            if not is_staged(t, staging):
                return run_general(general, trace, prim, primals, tangents, params)
            ans = prim.bind(*primals, **params)
            atoms = [t._var, *map(staging.to_atom, primals[1:])]
        else:
            for t in tangents:
                if not is_staged(t, staging):
                    return run_general(general, trace, prim, primals, tangents, params)
            ans = prim.bind(*primals, **params)
            atoms = [t._var for t in tangents]
        aval = _primal_out_aval(ans, primals, tangents)
        if aval is None:
            return wrap_linear(trace, ans, staging.stage(prim, atoms, params))
        return JVPTracer(trace, ans, staging.record(prim, atoms, params, aval), aval)

    rule.general = general
    return rule


def deflinearize_multilinear(prim: Primitive, *operands: int) -> None:
    """Give ``prim``, linear in each operand of ``operands`` separately (the others are
    constants), a direct linearization: the tangent is the sum, in operand order, of
    ``prim`` with one operand replaced by its tangent, as its :func:`defjvp` rule (which
    must be registered, with one function per operand of that form) computes it.

    Each term is staged without the dispatch through the tangent staging trace (abstract
    evaluation checks it, except where the primal output's aval is the term's: see
    :func:`_primal_out_aval`). Unstaged tangents take the general rule.

    Example: ``deflinearize_multilinear(dot_general_p, 0, 1)``.
    """
    general = jvp_rules[prim]

    def rule(trace, primals, tangents, **params):
        staging = trace.tangent_trace
        for i, t in enumerate(tangents):
            if type(t) is not Zero and (i not in operands or not is_staged(t, staging)):
                return run_general(general, trace, prim, primals, tangents, params)
        ans = prim.bind(*primals, **params)
        aval = _primal_out_aval(ans, primals, tangents)
        out = None
        for i, t in enumerate(tangents):
            if type(t) is Zero:
                continue
            atoms = [t._var if j == i else staging.to_atom(p) for j, p in enumerate(primals)]
            if aval is None:
                term = staging.stage(prim, atoms, params)
                out = term if out is None else _add_staged(staging, out, term)
            else:
                term = staging.record(prim, atoms, params, aval)
                out = term if out is None else staging.record(add_any_p, [out._var, term._var],
                                                              {}, aval)
        if out is None:
            return ans
        return wrap_linear(trace, ans, out) if aval is None else JVPTracer(trace, ans, out, aval)

    rule.general = general
    linearize_rules[prim] = rule


def deflinearize_passthrough(prim: Primitive, *operands: int, subtracted: int | None = None
                             ) -> None:
    """Give ``prim`` (whose JVP rule is registered) a direct linearization for the case where
    the output's tangent is the sum of its inputs' tangents: only operands in ``operands``
    have nonzero tangents, each of the output's shape (``x + c``, ``x - c``, ``c + x``,
    ``x + y``). One such tangent *is* the output's; two are summed with ``add_any``.

    ``subtracted`` names an operand whose tangent the output's subtracts (``sub``'s
    second): with the first operand's tangent also present (``x - y``), the tangent is
    ``prim`` itself applied to the two, one equation where the general rule stages a
    negation and a sum (the rule is marked ``specialized``: fewer equations, the same
    derivative).

    The general path records the same equations, but it dispatches the primal operation
    through the tangent staging trace first; ``x + c`` is common enough in user code for
    that to show in eager ``grad``. Every other case (a rank-0 tangent that broadcasts,
    ``c - x``, which negates) runs the general rule.

    Example: ``deflinearize_passthrough(sub_p, 0, subtracted=1)``.
    """
    general = jvp_rules[prim]

    def rule(trace, primals, tangents, **params):
        staging = trace.tangent_trace
        for i, t in enumerate(tangents):
            if type(t) is Zero:
                continue
            if ((i not in operands and (i != subtracted or type(tangents[0]) is Zero))
                    or type(t) is not StagingTracer or t._trace is not staging
                    or (t._var.aval.shape == () and any(core.shape_of(p) != () for p in primals))):
                return run_general(general, trace, prim, primals, tangents, params)
        ans = prim.bind(*primals, **params)
        out = None
        for i, t in enumerate(tangents):
            if type(t) is Zero:
                continue
            if out is None:
                out = t
            elif i == subtracted:  # the shapes agree (checked above)
                out = staging.stage(prim, [out._var, t._var], {})
            else:
                out = _add_staged(staging, out, t)
        aval = out._var.aval  # the output's shape (checked above): shared if it matches
        if type(ans) is np.ndarray and ans.dtype == aval.dtype and not aval.weak_type:
            return JVPTracer(trace, ans, out, aval)
        return JVPTracer(trace, ans, out)

    rule.general = general
    rule.specialized = subtracted is not None
    linearize_rules[prim] = rule


# ---------------------------------------------------------------------------------------
# Helpers for transpose rules


def deflinear(prim: Primitive, transpose: Callable) -> None:
    """Register a primitive linear in all operands: its JVP applies it to the tangents
    (and reverse mode stages that directly).

    ``transpose(ct, *operands, **params)`` returns one cotangent per operand.
    """
    prim.linear = True
    deflinear_jvp(prim)
    if not prim.multiple_results:
        linearize_rules[prim] = _linear_linearization(prim, in_first=False)
    transpose_rules[prim] = transpose


def deflinear_in_first(prim: Primitive, transpose: Callable) -> None:
    """Register a primitive linear in operand 0; the other operands are constants."""
    prim.linear = True
    deflinear_in_first_jvp(prim)
    if not prim.multiple_results:
        linearize_rules[prim] = _linear_linearization(prim, in_first=True)
    transpose_rules[prim] = transpose


def _add_any_transpose(ct, x, y):
    return [ct if is_linear(x) else None, ct if is_linear(y) else None]


transpose_rules[add_any_p] = _add_any_transpose
