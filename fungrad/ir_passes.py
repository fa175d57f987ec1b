"""Optimization passes over the IR: inlining, simplification, folding, CSE and dead code.

:func:`optimize` runs them in order. Every pass returns a new IR (IRs are never mutated,
because derived IRs are cached on them):

- **inlining** of nested ``jit_call`` equations, so that the other passes see through them;
- one forward sweep that applies **algebraic simplifications** of trivial operations
  (``x * 1``, ``x + 0``, a transpose of a transpose, casts to the same dtype...), **constant
  folding** (an equation whose operands are all constants is evaluated once, at trace time,
  unless its result would be much larger than its operands, like a broadcast) and
  **common-subexpression elimination** (equal primitive, operands and parameters);
- **dead-code elimination** (primitives are pure, so an unused result need not be computed).

Effectful primitives (``effectful``: ``debug_callback``, filled in by the module defining
it) are kept by DCE, never folded at trace time and never merged by CSE.

The simplification rules are a table keyed by primitive, like every other rule set; the
module that defines a primitive registers its rule (most are built by the constructors
here: :func:`identity_unless`, :func:`involution`, :func:`same_shape_identity`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from fungrad import core, float_checks
from fungrad.core import Primitive, ShapedArray, get_aval
from fungrad.ir import IR, Eqn, Literal, Var

# A rule gets (eqn with substituted inputs, producer lookup) and returns an atom that
# replaces the single output, a new Eqn, or None (no simplification).
simplify_rules: dict[Primitive, Callable] = {}
effectful: set[Primitive] = set()

FOLD_LIMIT = 4096  # fold results up to this size even when larger than the operands


def optimize(ir: IR, inline: bool = True) -> IR:
    """Return ``ir`` after inlining nested calls, simplification, folding, CSE and DCE."""
    if inline:
        ir = inline_calls(ir)
    return eliminate_dead_code(simplify(ir))


# ---------------------------------------------------------------------------------------
# Inlining


def inline_calls(ir: IR) -> IR:
    """Replace nested call equations that allow it (``prim.inline``) by their IRs' equations."""
    if not any(e.prim.inline for e in ir.eqns):
        return ir
    constvars, consts = list(ir.constvars), list(ir.consts)
    eqns: list[Eqn] = []
    subst: dict[Var, Any] = {}  # outputs of inlined calls -> the inner results
    for eqn in ir.eqns:
        eqn = _substituted(eqn, subst)
        if not eqn.prim.inline:
            eqns.append(eqn)
            continue
        inner = inline_calls(eqn.params["ir"])
        rename: dict[Var, Any] = dict(zip(inner.invars, eqn.inputs))
        for v, c in zip(inner.constvars, inner.consts):
            rename[v] = Var(v.aval)
            constvars.append(rename[v])
            consts.append(c)
        for e in inner.eqns:
            for o in e.outputs:
                rename[o] = Var(o.aval)
            eqns.append(Eqn(e.prim, [_renamed(a, rename) for a in e.inputs],
                            [rename[o] for o in e.outputs], e.params, e.site))
        subst.update({o: _renamed(v, rename) for o, v in zip(eqn.outputs, inner.outvars)})
    outvars = [_renamed(v, subst) for v in ir.outvars]
    return IR(constvars, consts, ir.invars, eqns, outvars)


def _renamed(atom, rename):
    if type(atom) is Var:
        return rename.get(atom, atom)
    return atom


def _substituted(eqn: Eqn, subst) -> Eqn:
    if not subst or not any(type(a) is Var and a in subst for a in eqn.inputs):
        return eqn
    return Eqn(eqn.prim, [_renamed(a, subst) for a in eqn.inputs], eqn.outputs, eqn.params,
               eqn.site)


# ---------------------------------------------------------------------------------------
# Simplification, constant folding, CSE (one forward sweep)


class _Sweep:
    def __init__(self, ir: IR):
        self.constvars = list(ir.constvars)
        self.consts = list(ir.consts)
        self.const_of = dict(zip(ir.constvars, ir.consts))
        self.subst: dict[Var, Any] = {}
        self.producer: dict[Var, Eqn] = {}
        self.seen: dict[Any, Eqn] = {}
        self.eqns: list[Eqn] = []

    def constant(self, atom):
        """The concrete value of a literal or constant atom, or None."""
        if type(atom) is Literal:
            return atom.value
        return self.const_of.get(atom)

    def run(self, ir: IR) -> IR:
        for eqn in ir.eqns:
            self.visit(_substituted(eqn, self.subst))
        outvars = [_renamed(v, self.subst) for v in ir.outvars]
        return IR(self.constvars, self.consts, ir.invars, self.eqns, outvars)

    def visit(self, eqn: Eqn) -> None:
        if eqn.prim in effectful:
            self.eqns.append(eqn)
            return
        if self.fold(eqn):
            return
        rule = simplify_rules.get(eqn.prim)
        if rule is not None:
            result = rule(eqn, self)
            if isinstance(result, Eqn):
                eqn = result
            elif result is not None and _same_type(result, eqn.outputs[0]):
                self.subst[eqn.outputs[0]] = result
                return
        key = _cse_key(eqn)
        if key is not None:
            prev = self.seen.get(key)
            if prev is not None:
                self.subst.update(zip(eqn.outputs, prev.outputs))
                return
            self.seen[key] = eqn
        for o in eqn.outputs:
            self.producer[o] = eqn
        self.eqns.append(eqn)

    def fold(self, eqn: Eqn) -> bool:
        values = [self.constant(a) for a in eqn.inputs]
        if any(v is None for v in values) or eqn.prim.impl is None:
            return False
        in_size = sum(core.get_aval(v).size for v in values)  # device arrays too
        if any(o.aval.size > max(FOLD_LIMIT, in_size) for o in eqn.outputs):
            return False  # e.g. a broadcast: keep it lazy rather than store its result
        try:
            # On the eval trace: an impl that binds primitives itself (a custom_jvp call, a
            # nested program) must compute concrete values, never tracers of whatever
            # transform happens to be current while the pass runs (they would leak).
            outs = core.run_in_trace(
                core.eval_trace, lambda: eqn.prim.impl(*values, **eqn.params), retire=False)
        except Exception:
            return False  # leave the error to run time, where it names the user's line
        if float_checks.state.enabled:
            float_checks.check_result(eqn.prim, values, outs, eqn.site, "constant folding")
        outs = outs if eqn.prim.multiple_results else [outs]
        for var, value in zip(eqn.outputs, outs):
            self.subst[var] = self.new_constant(var.aval, value)
        return True

    def new_constant(self, aval: ShapedArray, value):
        if aval.shape == ():
            scalar = np.asarray(value).item() if aval.weak_type else aval.dtype.type(value)
            return Literal(scalar)
        var = Var(aval)
        self.constvars.append(var)
        self.consts.append(value)
        self.const_of[var] = value
        return var


def simplify(ir: IR) -> IR:
    """Apply simplification rules, constant folding and CSE in one forward sweep."""
    return _Sweep(ir).run(ir)


def _same_type(atom, var: Var) -> bool:
    aval = atom.aval if type(atom) is not Literal else get_aval(atom.value)
    return aval.shape == var.aval.shape and aval.dtype == var.aval.dtype


def _cse_key(eqn: Eqn):
    try:
        inputs = tuple(a if type(a) is Var else (type(a.value), a.value) for a in eqn.inputs)
        key = (eqn.prim, inputs, tuple(sorted(eqn.params.items())))
        hash(key)
    except TypeError:
        return None
    return key


# ---------------------------------------------------------------------------------------
# Dead-code elimination


def eliminate_dead_code(ir: IR) -> IR:
    """Drop equations none of whose results are used (unless effectful), unused constants."""
    live = {v for v in ir.outvars if type(v) is Var}
    kept = []
    for eqn in reversed(ir.eqns):
        if eqn.prim in effectful or any(o in live for o in eqn.outputs):
            kept.append(eqn)
            live.update(a for a in eqn.inputs if type(a) is Var)
    kept.reverse()
    pairs = [(v, c) for v, c in zip(ir.constvars, ir.consts) if v in live]
    return IR([v for v, _ in pairs], [c for _, c in pairs], ir.invars, kept, ir.outvars)


# ---------------------------------------------------------------------------------------
# Simplification rules


def is_scalar_constant(sweep: _Sweep, atom, value) -> bool:
    c = sweep.constant(atom)
    if c is None or core.get_aval(c).size != 1:
        return False
    try:
        return bool(np.all(np.asarray(c) == value))
    except (TypeError, ValueError):
        return False


def identity_unless(value, *, commutes: bool):
    """``op(x, value) -> x`` (and ``op(value, x) -> x`` when the operation commutes)."""

    def rule(eqn: Eqn, sweep: _Sweep):
        x, y = eqn.inputs
        if is_scalar_constant(sweep, y, value):
            return x
        if commutes and is_scalar_constant(sweep, x, value):
            return y
        return None

    return rule


def involution(eqn: Eqn, sweep: _Sweep):
    """``f(f(x)) -> x`` for a primitive that is its own inverse (neg, conj)."""
    inner = sweep.producer.get(eqn.inputs[0])
    if inner is not None and inner.prim is eqn.prim:
        return inner.inputs[0]
    return None


def same_shape_identity(eqn: Eqn, sweep: _Sweep):
    """``f(x) -> x`` when the output has ``x``'s shape (a reshape or broadcast to itself)."""
    x = eqn.inputs[0]
    return x if type(x) is Var and x.aval.shape == eqn.outputs[0].aval.shape else None
