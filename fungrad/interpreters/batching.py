"""Vectorising map: the batch trace, the batching rule table and generic batchers.

A batch tracer carries ``(value, batch_dim)``: the value has one extra axis, at
``batch_dim``, holding the mapped examples. A batching rule has the signature
``rule(values, dims, **params) -> (out, out_dim)`` where ``dims[i]`` is the batch axis of
operand ``i`` or ``None`` (unbatched); for primitives with multiple results, ``out`` and
``out_dim`` are lists. Rules call primitives through ``bind`` (on the parent trace), so a
batched computation can itself be differentiated or batched again.

A primitive without a batching rule raises an error naming it: there is no fallback loop.

Named axes. ``vmap(f, axis_name="i")`` makes its batch trace the owner of the name ``i``
for the dynamic extent of the call (:data:`axis_env`, a stack of ``(name, size)``
frames that abstract evaluation of collectives reads). A primitive that refers to axis
names (``psum``...) lists them in ``collective_axes[prim](params)``; the trace owning one
of those names runs ``collective_rules[prim](name, size, vals, dims, **params)`` even when
no operand is batched (``psum(1.0, "i")`` is the axis size), while a trace that does not
own any of them uses the ordinary ``batching_rules`` entry. Higher-order primitives whose
IRs use the name also go through their rule, with one operand broadcast, so that the
batched IR (built by :func:`vmap_ir`, which inherits the name of the trace whose rule is
running) resolves the collective. ``pmap`` (fungrad/transforms/pmap.py) is one more owner
of names: a batch-trace subclass whose frame holds the global size and whose collective
rules communicate; inner IRs re-batched while its rule runs get the same kind of trace
(``rule_owner.named_subtrace``, ``frame_size``, ``subtrace_key``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from fungrad import core
from fungrad.core import Primitive, Trace, Tracer, get_aval, shape_of
from fungrad.errors import ConcretizationError, MissingRuleError
from fungrad.interpreters import hooks
from fungrad.interpreters.jvp import add_any_p
from fungrad.ir import eval_ir

batching_rules: dict[Primitive, Callable] = {}
# Named-axis primitives: ``collective_axes[prim](params) -> tuple of names`` and the rule
# for the trace that owns one of them (see the module docstring).
collective_axes: dict[Primitive, Callable] = {}
collective_rules: dict[Primitive, Callable] = {}

INHERIT = object()  # flat_vmap's default axis_name: that of the trace whose rule is running


class _AxisEnv(threading.local):
    def __init__(self):
        self.frames: tuple[tuple, ...] = ()  # ((name, size), ...), outermost first
        self.rule_axis = None  # the axis name of the batch trace running a rule
        self.rule_owner = None  # the batch trace running a rule (its inner IRs inherit it)


axis_env = _AxisEnv()


def axis_frame(name):
    """Return ``(name, size)`` of the innermost binding of axis ``name``, or None."""
    for frame in reversed(axis_env.frames):
        if frame[0] == name:
            return frame
    return None


def bound_axis_names() -> tuple:
    """The axis names bound by the enclosing ``vmap(..., axis_name=)`` calls, outermost first."""
    return tuple(f[0] for f in axis_env.frames)


def _uses_axis(prim, params, name) -> bool:
    axes = collective_axes.get(prim)
    if axes is not None:
        return name in axes(params)
    for value in params.values():
        irs = _ir_list(value)
        if irs and any(ir_uses_axis(ir, name) for ir in irs):
            return True
    return False


def _ir_list(value):
    if hasattr(value, "eqns") and hasattr(value, "outvars"):
        return [value]
    if isinstance(value, tuple) and value and all(hasattr(v, "eqns") for v in value):
        return list(value)
    return None


def ir_uses_axis(ir, name) -> bool:
    key = ("uses_axis", name)
    found = ir.cache.get(key)
    if found is None:
        found = ir.cache[key] = any(_uses_axis(e.prim, e.params, name) for e in ir.eqns)
    return found

not_mapped = None


class BatchTracer(Tracer):
    __slots__ = ("val", "bdim")

    def __init__(self, trace: BatchTrace, val, bdim: int):
        self._trace = trace
        self.val = val
        self.bdim = bdim

    @property
    def aval(self):
        aval = get_aval(self.val)
        shape = aval.shape[: self.bdim] + aval.shape[self.bdim + 1:]
        return aval.update(shape=shape)

    def concrete_value(self):
        raise ConcretizationError(
            f"fungrad needed a concrete value of a batched value {self.aval.str_short()} inside "
            f"the {self._trace.describe()}. Under vmap each value stands for a whole batch, so "
            "Python control flow (if/while/bool()) on it cannot pick one branch. Use "
            "fnp.where(cond, x, y) (both branches computed, selected per example), or "
            "lax.cond/lax.switch, or take the decision outside vmap."
        )


class BatchTrace(Trace):
    """Interprets primitives on batched values via the batching rule table."""

    transform_name = "vmap"

    def __init__(self, axis_size: int, parent=None, fun_name="<function>", axis_name=None):
        super().__init__(parent, fun_name)
        self.axis_size = axis_size
        self.axis_name = axis_name

    def process(self, prim, args, params):
        vals, dims, batched = [], [], False
        for a in args:
            if type(a) is BatchTracer and a._trace is self:
                vals.append(a.val)
                dims.append(a.bdim)
                batched = True
            else:
                if isinstance(a, Tracer):
                    self.own(a)  # raises for leaked or inner tracers
                vals.append(a)
                dims.append(None)
        if self.axis_name is not None and _uses_axis(prim, params, self.axis_name):
            return self._process_named(prim, vals, dims, batched, params)
        if not batched:
            return self.bind_on_parent(prim, vals, params)
        return self._run_rule(prim, batching_rules.get(prim), vals, dims, params)

    def _process_named(self, prim, vals, dims, batched, params):
        """A primitive that refers to this trace's axis name (directly or in an IR)."""
        collective = collective_rules.get(prim)
        if collective is not None:
            name, size = self.axis_name, self.axis_size

            def rule(vals, dims, **params):
                return collective(name, size, vals, dims, **params)

            return self._run_rule(prim, rule, vals, dims, params)
        base = batching_rules.get(prim)
        if batched or base is None:
            return self._run_rule(prim, base, vals, dims, params)
        if not vals and prim.call_like:  # nothing to batch: run the called IR here
            return eval_ir(params["ir"], params["ir"].consts, [])
        if not vals:
            raise MissingRuleError(
                f"`{prim.name}` has no operands but its IR uses axis name "
                f"'{self.axis_name}' of the {self.describe()}; this is not supported.")
        size = self.axis_size

        def broadcast_last(vals, dims, **params):
            # Batch one operand so that the rule batches the IR under our name: the last,
            # since leading operands are often indices or predicates (cond's index).
            vals = [*vals[:-1], bdim_to_front(vals[-1], None, size)]
            return base(vals, [*dims[:-1], 0], **params)

        return self._run_rule(prim, broadcast_last, vals, dims, params)

    def _run_rule(self, prim, rule, vals, dims, params):
        if rule is None:
            raise MissingRuleError(
                f"Batching rule for primitive `{prim.name}` is not implemented (needed by the "
                f"{self.describe()}). fungrad never falls back to a Python loop silently; "
                "write the loop explicitly or add a rule with defvectorized/defbroadcasting."
            )
        ctx = core._context
        ctx.trace = self.parent
        env, outer_axis, outer_owner = axis_env, axis_env.rule_axis, axis_env.rule_owner
        env.rule_axis, env.rule_owner = self.axis_name, self
        try:
            out, out_dim = rule(vals, dims, **params)
        finally:
            ctx.trace = self
            env.rule_axis, env.rule_owner = outer_axis, outer_owner
        if prim.multiple_results:
            return [self.wrap(o, d) for o, d in zip(out, out_dim)]
        return self.wrap(out, out_dim)

    def wrap(self, val, bdim):
        return val if bdim is None else BatchTracer(self, val, bdim)


# ---------------------------------------------------------------------------------------
# Moving batch axes (rules use these; they bind lax primitives through the hooks, so they
# stay transformable)


def move_axis(x, src: int, dst: int):
    """Move axis ``src`` of ``x`` to position ``dst``."""
    if src == dst:
        return x
    perm = [d for d in range(len(shape_of(x))) if d != src]
    perm.insert(dst, src)
    return hooks.transpose(x, tuple(perm))


def bdim_to_front(x, bdim, size: int):
    """Return ``x`` with its batch axis first; unbatched values are broadcast to ``size``."""
    if bdim is None:
        shape = shape_of(x)
        return hooks.broadcast_in_dim(x, (size, *shape), tuple(range(1, len(shape) + 1)))
    return move_axis(x, bdim, 0)


def batch_size(vals, dims) -> int:
    for v, d in zip(vals, dims):
        if d is not None:
            return shape_of(v)[d]
    raise ValueError("no batched operand")


# ---------------------------------------------------------------------------------------
# Generic batchers


def defvectorized(prim: Primitive) -> None:
    """Unary elementwise primitives: apply to the batched value, keep the batch axis."""

    def rule(vals, dims, **params):
        return prim.bind(*vals, **params), dims[0]

    batching_rules[prim] = rule


def defbroadcasting(prim: Primitive) -> None:
    """N-ary elementwise primitives (equal shapes, rank-0 operands broadcast).

    When every operand is batched at the same axis with the same rank the primitive applies
    directly; otherwise batch axes move to the front and unbatched operands of rank > 0 are
    broadcast (a view in eager mode).
    """

    def rule(vals, dims, **params):
        ranks = {len(shape_of(v)) for v in vals}
        first = next(d for d in dims if d is not None)
        if len(ranks) == 1 and all(d == first for d in dims):
            return prim.bind(*vals, **params), first
        size = batch_size(vals, dims)
        full = max(len(shape_of(v)) - (d is not None) for v, d in zip(vals, dims))
        out = []
        for v, d in zip(vals, dims):
            rank = len(shape_of(v)) - (d is not None)
            if d is None and rank == 0:
                out.append(v)  # rank-0 constants broadcast inside the primitive
                continue
            v = bdim_to_front(v, d, size)
            if rank < full:  # a rank-0 batched operand: (B,) -> (B, *shape)
                shape = _example_shape(vals, dims)
                v = _broadcast_trailing(v, (size, *shape))
            out.append(v)
        return prim.bind(*out, **params), 0

    batching_rules[prim] = rule


def _example_shape(vals, dims) -> tuple[int, ...]:
    for v, d in zip(vals, dims):
        s = list(shape_of(v))
        if d is not None:
            s.pop(d)
        if s:
            return tuple(s)
    return ()


def _broadcast_trailing(x, shape):
    return hooks.broadcast_in_dim(x, shape, tuple(range(len(shape_of(x)))))


def defreducer(prim: Primitive, axes_param: str = "axes") -> None:
    """Reductions over static axes: move the batch axis to the front, shift the axes."""

    def rule(vals, dims, **params):
        (x,), (d,) = vals, dims
        x = move_axis(x, d, 0)
        axes = params[axes_param]
        shifted = tuple(a + 1 for a in axes) if isinstance(axes, tuple) else axes + 1
        return prim.bind(x, **{**params, axes_param: shifted}), 0

    batching_rules[prim] = rule


def flat_vmap(fun: Callable, args, in_dims, axis_size: int, fun_name="<function>",
              axis_name=INHERIT, owner=None):
    """Run ``fun(*args) -> list`` batched; return ``(outs, out_dims)``.

    ``axis_name`` names the batch axis for collectives; by default it is the name of the
    batch trace whose rule is running (a rule re-batching an inner IR keeps the name).
    ``owner`` (by default that trace too) may make the trace (``named_subtrace``: pmap).
    """
    if axis_name is INHERIT:
        axis_name, owner = axis_env.rule_axis, axis_env.rule_owner
    # A pmap trace re-batches its inner IRs (jit, cond, scan...) with its own kind of trace,
    # so that their collectives still communicate (``named_subtrace``, ``frame_size``).
    subtrace = getattr(owner, "named_subtrace", None) if axis_name is not None else None
    trace = (subtrace(axis_size, fun_name) if subtrace is not None
             else BatchTrace(axis_size, fun_name=fun_name, axis_name=axis_name))
    frame_size = getattr(trace, "frame_size", axis_size)
    env, frames, rule_axis = axis_env, axis_env.frames, axis_env.rule_axis

    def body():
        ins = [trace.wrap(a, d) for a, d in zip(args, in_dims)]
        return [(o.val, o.bdim) if isinstance(o, BatchTracer) and o._trace is trace
                else (o, None) for o in fun(*ins)]

    try:  # the axis state is restored twice, as core.run_in_trace restores the trace
        try:
            if axis_name is not None:
                env.frames = (*frames, (axis_name, frame_size))
            pairs = core.run_in_trace(trace, body)
        finally:
            env.frames, env.rule_axis = frames, rule_axis
    finally:
        env.frames, env.rule_axis = frames, rule_axis
    return [p for p, _ in pairs], [d for _, d in pairs]



def _add_any_batch(vals, dims):
    if dims[0] == dims[1]:
        return add_any_p.bind(*vals), dims[0]
    size = batch_size(vals, dims)
    return add_any_p.bind(*(bdim_to_front(v, d, size) for v, d in zip(vals, dims))), 0


batching_rules[add_any_p] = _add_any_batch
