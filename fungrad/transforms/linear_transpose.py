"""``linear_transpose``: the transpose of a linear function, from its staged linear IR.

``fun`` is staged on tangent-like inputs by the staging trace that reverse mode uses
(:class:`fungrad.interpreters.linearize.TangentStagingTrace`): operations on constants only
are evaluated, and every recorded equation touches the inputs. The IR is checked to be
linear (every equation linear in the inputs: a linear primitive, or a product/quotient
with one input-dependent factor) and transposed by :func:`backward_pass`, so
``linear_transpose(f, x)(ct)`` costs one backward pass and no forward pass.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from fungrad import core, dtypes
from fungrad.core import Tracer, get_aval
from fungrad.interpreters.jvp import zeros_like_aval
from fungrad.interpreters.linearize import TangentStagingTrace, backward_pass, transpose_rules
from fungrad.ir import IR, Var
from fungrad.numpy.array_type import as_outputs
from fungrad.transforms.api import fun_name
from fungrad.transforms.staging_api import arg_aval
from fungrad.tree_util import keystr, tree_flatten, tree_flatten_with_path, tree_unflatten

__all__ = ["linear_transpose"]

# Primitives with a transpose rule that are linear only in some operands (by position).
_LINEAR_OPERANDS = {"mul": None, "div": (0,)}  # None: any one operand, not two
# Linear primitives whose constant operands must be zero (x + 1 is affine, not linear).
_SUMS = ("add", "sub", "add_any")


def linear_transpose(fun: Callable, *primals, reduce_axes=()) -> Callable:
    """Return the transpose of the linear function ``fun`` at inputs shaped like ``primals``.

    Args:
      fun: a function linear in its (float or complex) array arguments.
      *primals: arrays (or ShapeDtypeStructs) giving the inputs' shapes and dtypes;
        their values are not used.
      reduce_axes: accepted for JAX compatibility (must be empty, as in JAX 0.10).

    Returns:
      ``f_transpose(out_cotangent) -> tuple`` of input cotangents, one per primal. A
      function that is not linear raises TypeError naming the first non-linear operation.

    >>> import fungrad as fg, fungrad.numpy as fnp
    >>> f_t = fg.linear_transpose(lambda x: fnp.stack([x * 2.0, -x]), 1.0)
    >>> [float(c) for c in f_t(fnp.array([1.0, 1.0]))]
    [1.0]
    """
    if reduce_axes:
        raise NotImplementedError("linear_transpose: reduce_axes is not supported (JAX 0.10 "
                                  "removed it too); pass reduce_axes=().")
    pairs, in_tree = tree_flatten_with_path(primals)
    avals = [arg_aval("linear_transpose", p, x) for p, x in pairs]
    for (path, _), aval in zip(pairs, avals):
        if not dtypes.is_inexact(aval.dtype):
            raise TypeError(
                f"linear_transpose of `{fun_name(fun)}`: primal{keystr(path)} has dtype "
                f"{aval.dtype}; linear_transpose only supports float or complex inputs.")
    ir, out_tree = _stage_linear(fun, in_tree, avals)
    _check_linear(fun, ir)
    out_avals = ir.out_avals

    def f_transpose(out_cotangent):
        ct_pairs, ct_tree = tree_flatten_with_path(out_cotangent)
        if ct_tree != out_tree:
            raise ValueError(
                f"linear_transpose of `{fun_name(fun)}`: the cotangent must have the "
                f"structure of the output.\n  output:    {out_tree}\n  cotangent: {ct_tree}")
        cts = []
        for (path, ct), aval in zip(ct_pairs, out_avals):
            ct_aval = get_aval(ct)
            if ct_aval.shape != aval.shape or (ct_aval.dtype != aval.dtype
                                               and not ct_aval.weak_type):
                raise TypeError(
                    f"linear_transpose of `{fun_name(fun)}`: cotangent{keystr(path)} is "
                    f"{ct_aval.str_short()} but the output is {aval.str_short()}.")
            cts.append(ct if ct_aval.dtype == aval.dtype else np.asarray(ct, aval.dtype))
        cts_in = backward_pass(ir, cts)
        flat = [zeros_like_aval(a) if c is None else c for c, a in zip(cts_in, avals)]
        return tree_unflatten(in_tree, as_outputs(flat))

    return f_transpose


def _stage_linear(fun, in_tree, avals) -> tuple[IR, object]:
    trace = TangentStagingTrace(fun_name=fun_name(fun))
    trace.transform_name = "linear_transpose"
    trace.record_sites = True  # errors name the non-linear line

    def body():
        tracers = [trace.new_input(a) for a in avals]
        out_leaves, out_tree = tree_flatten(fun(*tree_unflatten(in_tree, tracers)))
        return out_leaves, out_tree, [trace.to_atom(o) for o in out_leaves]

    out_leaves, out_tree, outvars = core.run_in_trace(trace, body)
    for o, v in zip(out_leaves, outvars):
        if not isinstance(v, Var) or v in trace.constvars:
            _check_zero_constant(fun, o)
    ir = IR(trace.constvars, trace.consts, trace.invars, trace.eqns, outvars)
    return ir, out_tree


def _check_zero_constant(fun, value,
                         what: str = "an output does not depend on the inputs") -> None:
    """A constant output, or a constant added to a linear value, must be zero."""
    concrete = core.concrete_or_none(value) if isinstance(value, Tracer) else value
    if concrete is None or np.any(np.asarray(concrete) != 0):
        raise TypeError(
            f"linear_transpose of `{fun_name(fun)}`: {what} and is not zero, so the function "
            "is affine, not linear; subtract the constant.")


def _check_linear(fun, ir: IR) -> None:
    """Raise TypeError at the first equation that is not linear in the inputs."""
    consts = dict(zip(ir.constvars, ir.consts))
    for eqn in ir.eqns:
        if eqn.prim.name in _SUMS:
            for a in eqn.inputs:
                if not isinstance(a, Var) or a in consts:
                    value = a.value if not isinstance(a, Var) else consts[a]
                    _check_zero_constant(fun, value, f"`{eqn.prim.name}` adds a constant "
                                         f"({_site(eqn)})")
        linear_pos = [i for i, a in enumerate(eqn.inputs)
                      if isinstance(a, Var) and a not in consts]
        name = eqn.prim.name
        if eqn.prim.linear or (name not in _LINEAR_OPERANDS and eqn.prim in transpose_rules):
            continue
        allowed = _LINEAR_OPERANDS.get(name, ())
        if name in _LINEAR_OPERANDS and len(linear_pos) == 1 and (
                allowed is None or linear_pos[0] in allowed):
            continue
        raise TypeError(
            f"linear_transpose of `{fun_name(fun)}`: the function is not linear in its "
            f"inputs: `{name}` is applied to input-dependent operand(s) "
            f"{linear_pos} ({_site(eqn)}). linear_transpose needs a linear function; use "
            "fg.vjp for a non-linear one.")


def _site(eqn) -> str:
    return eqn.site or "source line unknown"
