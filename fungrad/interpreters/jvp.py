"""Forward mode: the JVP trace, the JVP rule table and helpers that keep rules short.

A JVP rule has the signature ``rule(primals, tangents, **params) -> (primal_out,
tangent_out)``; a tangent is an array (or a tracer of a lower trace) or a symbolic
:class:`Zero`. Rules call primitives through ``bind`` and so work at any nesting depth.

The same trace class serves reverse mode: :mod:`fungrad.interpreters.linearize` runs these very
rules with a tangent *staging* trace as the current trace, so tangent operations are
recorded into a linear IR instead of computed, while primal operations (which involve no
staged tangent) fall through to the parent trace and run concretely.

Tangents are summed with ``add_any`` (defined here, like JAX's ``add_jaxvals``): a
primitive of the interpreters, so they need no arithmetic from lax, and accumulation of
tangents and cotangents is visible as such in printed IRs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from fungrad import core, dtypes
from fungrad.array_module import module_function
from fungrad.core import Primitive, ShapedArray, Trace, Tracer, get_aval, shape_of
from fungrad.errors import MissingRuleError, ShapeError
from fungrad.interpreters import hooks
from fungrad.ir_passes import identity_unless, simplify_rules

jvp_rules: dict[Primitive, Callable] = {}


class Zero:
    """A symbolic zero tangent with the abstract value it stands for."""

    __slots__ = ("aval",)

    def __init__(self, aval: ShapedArray):
        self.aval = aval

    @staticmethod
    def like_primal(x) -> Zero:
        cached = _SCALAR_ZEROS.get(type(x))
        if cached is not None:
            return cached
        aval = get_aval(x)
        return Zero(ShapedArray(aval.shape, dtypes.tangent_dtype(aval.dtype)))

    def __repr__(self):
        return f"Zero({self.aval.str_short()})"


_SCALAR_ZEROS = {
    float: Zero(ShapedArray((), np.float64)),
    int: Zero(ShapedArray((), dtypes.float0)),
    bool: Zero(ShapedArray((), dtypes.float0)),
    complex: Zero(ShapedArray((), np.complex128)),
}


def instantiate(t, primal) -> Any:
    """Return tangent ``t`` as an array, materialising a symbolic zero like ``primal``."""
    if not isinstance(t, Zero):
        return t
    return zeros_like_aval(t.aval)


def zeros_like_aval(aval: ShapedArray):
    """Return zeros of the aval's shape and dtype (float0 zeros for float0 avals)."""
    if dtypes.is_float0(aval.dtype):
        return np.zeros(aval.shape, dtypes.float0)
    return hooks.broadcast_in_dim(np.zeros((), aval.dtype), aval.shape, ())


class JVPTracer(Tracer):
    # ``aval`` is a slot, not a property: the NumPy front end reads it on every operation.
    __slots__ = ("primal", "tangent", "aval")

    def __init__(self, trace: JVPTrace, primal, tangent):
        self._trace = trace
        self.primal = primal
        self.tangent = tangent
        # One tracer per traced operation: build an array's aval without get_aval's dispatch.
        self.aval = (ShapedArray(primal.shape, primal.dtype) if type(primal) is np.ndarray
                     else get_aval(primal))

    def concrete_value(self):
        p = self.primal
        return p.concrete_value() if isinstance(p, Tracer) else p

    def check_no_derivative(self, what: str) -> None:
        # Integer and boolean values have float0 tangents: converting them drops nothing.
        if self.aval.dtype.kind in "fc":
            raise core.ConcretizationError(core.derivative_dropped_message(self, what))
        if isinstance(self.primal, Tracer):
            self.primal.check_no_derivative(what)


class JVPTrace(Trace):
    """Carries (primal, tangent) pairs; runs JVP rules with ``rule_trace`` current.

    For forward mode ``rule_trace`` is the parent; for linearize it is a tangent staging
    trace whose parent is this trace's parent.
    """

    transform_name = "jvp"
    # Rules consulted before ``jvp_rules``: ``rule(rule_trace, primals, tangents, **params)``
    # runs with the parent current and records its tangents into ``rule_trace`` itself
    # (linearize's direct linearizations; plain forward mode has none).
    direct_rules: dict[Primitive, Callable] = {}

    def __init__(self, parent=None, fun_name="<function>"):
        super().__init__(parent, fun_name)
        self.rule_trace = self.parent

    def new_tracer(self, primal, tangent) -> JVPTracer:
        return self.wrap(primal, tangent)

    def process(self, prim, args, params):
        primals, tangents, nonzero, constants = [], [], False, False
        for a in args:
            if type(a) is JVPTracer and a._trace is self:
                primals.append(a.primal)
                tangents.append(a.tangent)
                nonzero = True  # wrap() never stores a Zero tangent in a tracer
            else:
                if isinstance(a, Tracer):
                    self.own(a)  # raises for leaked or inner tracers
                primals.append(a)
                tangents.append(None)
                constants = True
        if not nonzero:
            return self.bind_on_parent(prim, primals, params)
        if constants:
            for i, t in enumerate(tangents):
                if t is None:
                    tangents[i] = Zero.like_primal(primals[i])
        ctx = core._context
        direct = self.direct_rules.get(prim)
        if direct is not None:
            ctx.trace = self.parent
            try:
                primal_out, tangent_out = direct(self.rule_trace, primals, tangents, **params)
            finally:
                ctx.trace = self
        else:
            rule = jvp_rules.get(prim) or self.missing_rule(prim)
            ctx.trace = self.rule_trace
            try:
                primal_out, tangent_out = rule(primals, tangents, **params)
            finally:
                ctx.trace = self
        if prim.multiple_results:
            return list(map(self.wrap, primal_out, tangent_out))
        return self.wrap(primal_out, tangent_out)

    def missing_rule(self, prim: Primitive):
        raise MissingRuleError(
            f"Differentiation rule for primitive `{prim.name}` is not implemented "
            f"(needed by the {self.describe()})."
        )

    def wrap(self, primal, tangent):
        # A value with a zero tangent is a constant to this trace: hand back the bare primal.
        if type(tangent) is Zero:
            return primal
        return JVPTracer(self, primal, tangent)

    def unwrap(self, out) -> tuple[Any, Any]:
        """Split an output into (primal, tangent); non-tracers have a Zero tangent."""
        if isinstance(out, Tracer) and out._trace is self:
            return out.primal, out.tangent
        return out, Zero.like_primal(out)


def jvp_flat(fun: Callable, primals, tangents, fun_name="<function>"):
    """Evaluate ``fun`` and its directional derivative on flat lists of arrays."""
    trace = JVPTrace(fun_name=fun_name)
    def body():
        ins = [trace.wrap(p, t) for p, t in zip(primals, tangents)]
        return [trace.unwrap(o) for o in fun(*ins)]

    pairs = core.run_in_trace(trace, body)
    return [p for p, _ in pairs], [t for _, t in pairs]


# ---------------------------------------------------------------------------------------
# Helpers that build common rules


# ---------------------------------------------------------------------------------------
# add_any: the sum of two tangents (or cotangents) of the same abstract value

add_any_p = Primitive("add_any", linear=True)
add_any_p.elementwise = True
add_any_p.def_impl(module_function(np.add))


def _add_any_abstract_eval(x: ShapedArray, y: ShapedArray) -> ShapedArray:
    if x.shape != y.shape:
        raise ShapeError(f"add_any: tangent shapes {x.shape} and {y.shape} differ")
    dtype = core.check_same_dtypes("add_any", x, y)
    return ShapedArray(x.shape, dtype, x.weak_type and y.weak_type)


add_any_p.def_abstract_eval(_add_any_abstract_eval)


def add_any(x, y):
    """Sum two tangents of equal shape (the accumulation of linear contributions)."""
    return add_any_p.bind(x, y)


def add_tangents(a, b):
    """Sum two tangents, skipping symbolic zeros; a rank-0 term broadcasts to the other."""
    if isinstance(a, Zero):
        return b
    if isinstance(b, Zero):
        return a
    sa, sb = shape_of(a), shape_of(b)
    if sa != sb:
        if sa == ():
            a = hooks.broadcast_in_dim(a, sb, ())
        elif sb == ():
            b = hooks.broadcast_in_dim(b, sa, ())
    return add_any(a, b)


def defjvp(prim: Primitive, *per_operand: Callable | None) -> None:
    """Define a JVP from one function per operand: ``f(t, ans, *primals, **params)``.

    Each returns that operand's contribution to the output tangent; ``None`` marks an
    operand that is not differentiable. Contributions of zero tangents are skipped.
    """

    def rule(primals, tangents, **params):
        ans = prim.bind(*primals, **params)
        out = None
        for fn, t in zip(per_operand, tangents):
            if fn is None or isinstance(t, Zero):
                continue
            term = fn(t, ans, *primals, **params)
            out = term if out is None else add_tangents(out, term)
        if out is None:
            out = Zero.like_primal(ans)
        return ans, out

    jvp_rules[prim] = rule


def defjvp_zero(prim: Primitive) -> None:
    """Mark a primitive whose outputs are piecewise constant (integer/boolean results)."""

    def rule(primals, tangents, **params):
        ans = prim.bind(*primals, **params)
        if prim.multiple_results:
            return ans, [Zero.like_primal(a) for a in ans]
        return ans, Zero.like_primal(ans)

    jvp_rules[prim] = rule


def deflinear_jvp(prim: Primitive) -> None:
    """JVP of a primitive linear in all its operands: apply it to the tangents."""

    def rule(primals, tangents, **params):
        ans = prim.bind(*primals, **params)
        # A constant operand's zero tangent takes the output's tangent dtype (a Python int
        # constant in a float sum has a float zero tangent, not float0).
        dtype = dtypes.tangent_dtype(get_aval(ans).dtype)
        ts = [zeros_like_aval(t.aval.update(dtype=dtype)) if isinstance(t, Zero) else t
              for t in tangents]
        return ans, prim.bind(*ts, **params)

    jvp_rules[prim] = rule


def deflinear_in_first_jvp(prim: Primitive) -> None:
    """JVP of a primitive linear in its first operand (the rest are indices or constants)."""

    def rule(primals, tangents, **params):
        ans = prim.bind(*primals, **params)
        if isinstance(tangents[0], Zero):
            return ans, Zero.like_primal(ans)
        return ans, prim.bind(tangents[0], *primals[1:], **params)

    jvp_rules[prim] = rule


deflinear_jvp(add_any_p)
simplify_rules[add_any_p] = identity_unless(0, commutes=True)
