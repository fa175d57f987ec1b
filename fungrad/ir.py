"""The IR: a typed, single-assignment program, its printer, evaluator and staging trace.

Equations are ``(primitive, inputs, outputs, params)`` over variables with abstract values.
:func:`eval_ir` evaluates an IR through ``bind``, so evaluating it under a transform
transforms it. :class:`StagingTrace` records primitives into an IR instead of computing
them; :func:`stage_flat` traces a flat function into one, :func:`stage_closed` and
:func:`stage_pytree_fun` into the closed IRs that higher-order primitives carry.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any

import numpy as np

from fungrad import core
from fungrad.array_module import constants_on_device
from fungrad.core import (
    SCALAR_AVALS,
    ShapedArray,
    Trace,
    Tracer,
    get_aval,
    is_literal,
    run_in_trace,
)
from fungrad.errors import ConcretizationError, MissingRuleError, ShapeError, user_site
from fungrad.tree_util import tree_flatten, tree_unflatten


class Var:
    """A variable of the IR: an abstract value and a name assigned when printing."""

    __slots__ = ("aval",)

    def __init__(self, aval: ShapedArray):
        self.aval = aval

    def __repr__(self):
        return f"Var({self.aval.str_short()})"


class Literal:
    """A rank-0 constant written inline in the IR."""

    __slots__ = ("value", "aval")

    def __init__(self, value):
        self.value = value
        self.aval = SCALAR_AVALS.get(type(value)) or get_aval(value)

    def __repr__(self):
        return repr(self.value.item() if isinstance(self.value, np.generic) else self.value)


class Eqn:
    """One equation: ``outputs = primitive[params](*inputs)``, with the user's source line."""

    __slots__ = ("prim", "inputs", "outputs", "params", "site")

    def __init__(self, prim, inputs, outputs, params, site=""):
        self.prim = prim
        self.inputs = inputs
        self.outputs = outputs
        self.params = params
        self.site = site


BACKWARD_MARK = ", backward pass"


def backward_site(site: str) -> str:
    """Return ``site`` marked as the source of a backward-pass (transposed) equation."""
    return site if not site or site.endswith(BACKWARD_MARK) else site + BACKWARD_MARK


def is_backward_site(site: str) -> bool:
    """True if ``site`` was marked by :func:`backward_site`."""
    return site.endswith(BACKWARD_MARK)


class IR:
    """A typed, single-assignment program ``outvars = f(constvars; invars)``.

    ``consts`` holds the values bound to ``constvars`` (arrays captured while tracing,
    including tracers of enclosing transforms).
    """

    def __init__(self, constvars, consts, invars, eqns, outvars):
        self.constvars = list(constvars)
        self.consts = list(consts)
        self.invars = list(invars)
        self.eqns = list(eqns)
        self.outvars = list(outvars)
        # Derived IRs (JVP, partial evaluation, transpose, batched) and the compiled
        # executable, keyed by what was derived; an IR is never mutated after creation.
        self.cache: dict = {}
        self.show_sites = False  # str() appends each equation's source line (make_ir)

    @property
    def in_avals(self):
        return [v.aval for v in self.invars]

    @property
    def out_avals(self):
        return [v.aval for v in self.outvars]

    def __call__(self, *args):
        return eval_ir(self, self.consts, args)

    def __str__(self):
        return IRPrinter(self, self.show_sites).render()

    __repr__ = __str__


class IRPrinter:
    """Renders an IR with short variable names (a, b, ..., z, ba, bb, ...).

    With ``sites``, each equation line ends with ``# file:line (function)`` of the user's
    code that produced it (``, backward pass`` for equations of a transposed derivative).
    """

    def __init__(self, ir: IR, sites: bool = False):
        self.ir = ir
        self.sites = sites
        self.names: dict[int, str] = {}

    def name(self, atom) -> str:
        if isinstance(atom, Literal):
            return repr(atom)
        key = id(atom)
        if key not in self.names:
            n, letters = len(self.names), ""
            while True:
                letters = chr(ord("a") + n % 26) + letters
                n = n // 26
                if n == 0:
                    break
            self.names[key] = letters
        return self.names[key]

    def typed(self, var) -> str:
        return f"{self.name(var)}:{var.aval.str_short()}"

    def render(self) -> str:
        ir = self.ir
        consts = " ".join(self.typed(v) for v in ir.constvars)
        ins = " ".join(self.typed(v) for v in ir.invars)
        lines = [f"{{ lambda {consts} ; {ins} . let"]
        for eqn in ir.eqns:
            outs = " ".join(self.typed(v) for v in eqn.outputs)
            params, nested = "", []
            if eqn.params:
                items = []
                for k, v in sorted(eqn.params.items()):
                    irs = _nested_irs(v)
                    items.append(f"{k}={_param_str(v)}" if irs is None else
                                 f"{k}={'{ ... }' if isinstance(v, IR) else f'({len(irs)} IRs)'}")
                    nested += [(k if len(irs) == 1 else f"{k}[{i}]", sub)
                               for i, sub in enumerate(irs or ())]
                params = f"[{', '.join(items)}]"
            args = " ".join(self.name(a) for a in eqn.inputs)
            line = f"    {outs + ' = ' if outs else ''}{eqn.prim.name}{params} {args}"
            lines.append(f"{line}  # {eqn.site or '<unknown>'}" if self.sites else line)
            for label, sub in nested:  # inner programs, indented under their equation
                body = IRPrinter(sub, self.sites).render().replace("\n", "\n        ")
                lines.append(f"      {label} = {body}")
        outs = ", ".join(self.name(v) for v in ir.outvars)
        lines.append(f"  in ({outs},) }}")
        return "\n".join(lines)


def _nested_irs(value):
    """The IRs held by a parameter (an IR or a tuple of IRs), else None."""
    if isinstance(value, IR):
        return [value]
    if isinstance(value, tuple) and value and all(isinstance(v, IR) for v in value):
        return list(value)
    return None


def _param_str(value) -> str:
    if isinstance(value, IR):
        return "{ ... }"
    if callable(value) and hasattr(value, "__name__"):
        return value.__name__
    if isinstance(value, np.dtype):
        return value.name
    return str(value)


def eval_ir(ir: IR, consts, args) -> list:
    """Evaluate ``ir`` on ``args`` through ``bind`` (so the current trace transforms it).

    Evaluated eagerly on device arrays, the IR's NumPy constants move to their device.
    """
    if core._context.trace is core.eval_trace and consts:
        consts = constants_on_device(consts, args)
    env: dict[Var, Any] = {}
    for v, x in zip(ir.constvars, consts):
        env[v] = x
    for v, x in zip(ir.invars, args):
        env[v] = x

    def read(atom):
        return atom.value if isinstance(atom, Literal) else env[atom]

    ctx = core._context
    outer_site = ctx.site
    try:  # the site is restored twice, as core.run_in_trace restores the trace (see there)
        try:
            for eqn in ir.eqns:
                ctx.site = eqn.site or outer_site
                outs = eqn.prim.bind(*[read(a) for a in eqn.inputs], **eqn.params)
                if eqn.prim.multiple_results:
                    for v, x in zip(eqn.outputs, outs):
                        env[v] = x
                else:
                    env[eqn.outputs[0]] = outs
        finally:
            ctx.site = outer_site
    finally:
        ctx.site = outer_site
    return [read(v) for v in ir.outvars]


# ---------------------------------------------------------------------------------------
# The staging trace: builds IRs


_aval_of = attrgetter("aval")


class StagingTracer(Tracer):
    # `_var`, not `var`: a slot named `var` would shadow the array method `x.var()`.
    __slots__ = ("_var",)

    def __init__(self, trace: StagingTrace, var: Var):
        self._trace = trace
        self._var = var

    @property
    def aval(self):
        return self._var.aval

    def concrete_value(self):
        message = self._concretization_message("a concrete value")
        names = self._trace.arguments_feeding(self._var)
        if names:
            message = message.replace(
                " Use fnp.where", f" The value depends on {', '.join(names)}. Use fnp.where", 1)
        raise ConcretizationError(message)


class StagingTrace(Trace):
    """Records every primitive bound on it as an IR equation (nothing is computed).

    Non-literal constants (arrays, and tracers of enclosing transforms) become ``constvars``
    so that the IR is closed and an enclosing transform still sees them as its inputs.
    """

    transform_name = "staging"
    forward_constants = False  # the tangent-staging subclass evaluates constant ops instead
    record_sites = True  # source lines for IR printing, saved_residuals and errors
    # Under jit, captured arrays are copied when staged: the program (and its constant
    # folding) sees their values at trace time, as in JAX, even if the user mutates them.
    copy_constants = False

    def __init__(self, parent=None, fun_name="<function>"):
        super().__init__(parent, fun_name)
        self.copy_constants = _inherits_copy_constants(self.parent)
        self.captured: list[Any] = []  # originals of copied constants, keeping ids unique
        self.eqns: list[Eqn] = []
        self.constvars: list[Var] = []
        self.consts: list[Any] = []
        self.const_ids: dict[int, Var] = {}
        self.invars: list[Var] = []
        self.input_names: dict[Var, str] = {}  # for errors: "argument `x['w']`"

    def new_input(self, aval: ShapedArray, name: str = "") -> StagingTracer:
        var = Var(aval)
        self.invars.append(var)
        if name:
            self.input_names[var] = name
        return StagingTracer(self, var)

    def arguments_feeding(self, var: Var) -> list[str]:
        """Return the names of the named inputs that ``var`` depends on (for errors)."""
        needed = {var}
        for eqn in reversed(self.eqns):
            if any(o in needed for o in eqn.outputs):
                needed.update(a for a in eqn.inputs if isinstance(a, Var))
        return [name for v, name in self.input_names.items() if v in needed]

    def to_atom(self, x, aval: ShapedArray | None = None):
        """Return the IR atom for ``x``: its variable, a literal, or a (new) constvar.

        ``aval``, if given, is ``x``'s abstract value (a caller that has it at hand saves
        building it for a new constvar)."""
        if type(x) is StagingTracer and x._trace is self:
            return x._var
        var = self.const_ids.get(id(x))  # constvars keep their values, so ids stay unique
        if var is not None:
            return var
        if type(x) is not np.ndarray and is_literal(x):  # arrays: the common constants
            return Literal(x)
        if isinstance(x, Tracer):
            self.own(x)  # raises for leaked and inner tracers; others are constants here
        # get_aval of a non-tracer array is never weak, as a constvar's aval must be
        if aval is None:
            aval = ShapedArray(x.shape, x.dtype) if type(x) is np.ndarray else get_aval(x)
        var = Var(aval)
        self.const_ids[id(x)] = var
        self.constvars.append(var)
        if self.copy_constants and isinstance(x, np.ndarray):
            self.captured.append(x)
            x = x.copy()
            # Read-only: a program that returns the constant must not let the caller edit
            # what later calls return.
            x.flags.writeable = False
        self.consts.append(x)
        return var

    def process(self, prim, args, params):
        if self.forward_constants or core._context.compile_time_eval:
            # Under linearize most binds are primal operations inside JVP rules: hand them
            # to the parent before any staging work (ensure_compile_time_eval does the same
            # for every staging trace).
            for a in args:
                if isinstance(a, Tracer) and (a._trace is self or self.own(a)):
                    break
            else:
                return self.bind_on_parent(prim, args, params)
        # map() rather than comprehensions: no extra Python frame per staged equation
        return self.stage(prim, list(map(self.to_atom, args)), params)

    def stage(self, prim, atoms, params):
        """Abstract-evaluate ``prim[params]`` on the atoms' avals and record the equation;
        return its tracer(s).

        :meth:`process` calls it once the operands are atoms; a direct linearization rule
        (:mod:`fungrad.interpreters.linearize`) that has the atoms at hand calls it to skip
        the dispatch through ``bind``.
        """
        rule = prim.abstract_eval
        if rule is None:
            raise MissingRuleError(f"primitive `{prim.name}` has no abstract_eval rule")
        try:
            out_avals = rule(*map(_aval_of, atoms), **params)
        except ShapeError as err:
            raise ShapeError(f"{err}\n  at {user_site()}") from None
        site = (core._context.site or user_site()) if self.record_sites else ""
        return self.record(prim, atoms, params, out_avals, site)

    def record(self, prim, atoms, params, out_avals, site: str = ""):
        """Append ``prim[params](*atoms)`` with the given output aval(s); return its tracer(s).

        :meth:`stage` calls it after abstract evaluation; a direct linearization rule
        (:mod:`fungrad.interpreters.linearize`), which knows the output's aval from the
        primal, calls it to skip dispatch and abstract evaluation.
        """
        if not site and self.record_sites:
            site = core._context.site or user_site()
        if prim.multiple_results:
            outs = [Var(a) for a in out_avals]
            self.eqns.append(Eqn(prim, atoms, outs, params, site))
            return [StagingTracer(self, v) for v in outs]
        out = Var(out_avals)
        self.eqns.append(Eqn(prim, atoms, [out], params, site))
        return StagingTracer(self, out)

    def to_ir(self, out_tracers) -> IR:
        """Close the trace over ``out_tracers`` (constants among them become constvars)."""
        outvars = [self.to_atom(x) for x in out_tracers]
        return IR(self.constvars, self.consts, self.invars, self.eqns, outvars)


def stage_flat(fun: Callable, in_avals, fun_name="<function>",
               transform_name: str = "staging") -> IR:
    """Trace ``fun(*flat_args) -> flat outputs`` into an IR with the given input avals."""
    trace = StagingTrace(fun_name=fun_name)
    trace.transform_name = transform_name
    def body():
        tracers = [trace.new_input(a) for a in in_avals]
        return trace.to_ir(fun(*tracers))

    return run_in_trace(trace, body)


def _inherits_copy_constants(trace) -> bool:
    """True if a staging trace below ``trace`` copies its captured arrays (under jit)."""
    while trace is not None:
        if isinstance(trace, StagingTrace):
            return trace.copy_constants
        trace = trace.parent
    return False


# ---------------------------------------------------------------------------------------
# Closed IRs: what higher-order primitives carry (constants concrete, tracers hoisted)


def stage_closed(fun: Callable, in_avals, name: str, input_names=None,
                 transform_name: str = "jit"):
    """Stage ``fun`` into an IR whose constants are concrete; return ``(ir, hoisted)``.

    Tracers of enclosing transforms captured by ``fun`` are moved to the front of the IR's
    inputs; ``hoisted`` holds them, to be passed as the first operands of the primitive.
    """
    trace = StagingTrace(fun_name=name)
    trace.transform_name = transform_name
    # jit and checkpoint cache their traces across calls: bake captured arrays in.
    trace.copy_constants = trace.copy_constants or transform_name in ("jit", "checkpoint")

    def body():
        names = input_names or [""] * len(in_avals)
        tracers = [trace.new_input(a, n) for a, n in zip(in_avals, names)]
        return trace.to_ir(fun(*tracers))

    return hoist_tracer_consts(run_in_trace(trace, body))


def hoist_tracer_consts(ir: IR):
    """Turn constants that are tracers into leading inputs; return ``(ir, hoisted)``."""
    keep_vars, keep_vals, lift_vars, lifted = [], [], [], []
    for v, x in zip(ir.constvars, ir.consts):
        if isinstance(x, Tracer):
            lift_vars.append(v)
            lifted.append(x)
        else:
            keep_vars.append(v)
            keep_vals.append(x)
    if not lifted:
        return ir, []
    closed = IR(keep_vars, keep_vals, lift_vars + ir.invars, ir.eqns, ir.outvars)
    return closed, lifted


def stage_pytree_fun(fun: Callable, args_tree_avals, name: str, what: str):
    """Stage ``fun(*args)`` for pytrees of avals; return ``(ir, hoisted, out_tree)``.

    ``args_tree_avals`` is a tuple of pytrees whose leaves are ShapedArrays. The IR's
    inputs are the hoisted tracers (see :func:`stage_closed`) followed by the flat leaves.
    """
    flat_avals, in_tree = tree_flatten(args_tree_avals, is_leaf=_is_aval)
    out_tree = []

    def flat_fun(*leaves):
        out = fun(*tree_unflatten(in_tree, leaves))
        flat, tree = tree_flatten(out)
        out_tree.append(tree)
        return flat

    ir, hoisted = stage_closed(flat_fun, flat_avals, name, transform_name=what)
    return ir, hoisted, out_tree[0]


def _is_aval(x) -> bool:
    return isinstance(x, ShapedArray)
