"""Conditionals: ``lax.cond`` and ``lax.switch``, one higher-order primitive ``cond``.

``cond[branches](index, *operands)`` runs ``branches[index]`` (IRs with equal input and
output types). Both user functions are staged, so their outputs are checked to agree even
when the predicate is concrete, and ``cond`` survives into IRs (``jit``).

Rules: the JVP applies the JVP to every branch; under reverse mode every branch is split
into a known part (run now, returning the residuals of *all* branches, zeros for those of
the branches not taken) and a linear part that is transposed branch by branch. Under
``vmap`` a batched predicate turns the conditional into a select: all branches run and the
results are chosen per example (like ``fnp.where``); an unbatched one keeps the ``cond``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from fungrad import core
from fungrad.core import Primitive, get_aval
from fungrad.errors import ShapeError
from fungrad.interpreters import batching
from fungrad.interpreters import partial_eval as pe
from fungrad.interpreters.batching import batch_size, batching_rules, bdim_to_front
from fungrad.interpreters.executable import executable
from fungrad.interpreters.jvp import Zero, jvp_rules, zeros_like_aval
from fungrad.interpreters.linearize import is_linear, transpose_rules
from fungrad.ir import IR, stage_flat, stage_pytree_fun
from fungrad.lax.comparison import convert_element_type, ne, select_n
from fungrad.lax.elementwise import max as lax_max
from fungrad.lax.elementwise import min as lax_min
from fungrad.lax.shape_ops import broadcast_in_dim
from fungrad.tree_util import tree_flatten, tree_unflatten

__all__ = ["cond", "switch", "cond_p"]

cond_p = Primitive("cond", multiple_results=True)


def _cond_impl(index, *operands, branches):
    return executable(branches[int(index)])(*operands)


def _cond_abstract_eval(index, *operands, branches):
    return branches[0].out_avals


cond_p.def_impl(_cond_impl)
cond_p.def_abstract_eval(_cond_abstract_eval)


# ---------------------------------------------------------------------------------------
# The API


# The default of the legacy ``operand=`` keyword: "not given" (None is an operand).
_NO_OPERAND = object()


def _legacy_operand(fn: str, operands: tuple, operand) -> tuple:
    """``operands``, or ``(operand,)`` for JAX's legacy ``operand=`` keyword."""
    if operand is _NO_OPERAND:
        return operands
    if operands:
        raise TypeError(f"{fn}: pass the operands positionally or as the legacy operand=, "
                        f"not both (got {len(operands)} positional and operand=)")
    return (operand,)


def switch(index, branches: Sequence[Callable], *operands, operand=_NO_OPERAND):
    """Apply ``branches[index](*operands)``; ``index`` is clamped to the valid range.

    Args:
        index: an integer scalar (array or tracer).
        branches: functions of ``*operands`` returning pytrees of the same structure, shapes
            and dtypes.
        operands: the arguments passed to the chosen branch.
        operand: JAX's legacy spelling of a single operand (``switch(i, fs, operand=x)``
            is ``switch(i, fs, x)``); not together with positional operands.

    Example:
        >>> from fungrad import lax
        >>> float(lax.switch(1, [lambda x: x + 1.0, lambda x: x * 10.0], 2.0))
        20.0
    """
    operands = _legacy_operand("lax.switch", operands, operand)
    branches = list(branches)
    if not branches:
        raise ValueError("lax.switch: `branches` must contain at least one function")
    for i, b in enumerate(branches):
        _check_callable("lax.switch", f"branches[{i}]", b)
    idx_aval = get_aval(index)
    if idx_aval.shape != () or idx_aval.dtype.kind not in "iub":
        raise TypeError(f"lax.switch: index must be an integer scalar, got "
                        f"{idx_aval.str_short()}")
    flat_ops, in_tree = tree_flatten(operands)
    avals = tuple(get_aval(x) for x in flat_ops)
    staged = [_stage_branch(b, in_tree, avals) for b in branches]
    _check_branch_outputs(branches, staged)
    irs = _common_inputs([ir for ir, _, _ in staged], [h for _, h, _ in staged])
    hoisted = [h for _, hs, _ in staged for h in hs]
    index = _clamp_index(index, len(branches))
    outs = cond_p.bind(index, *hoisted, *flat_ops, branches=tuple(irs))
    return tree_unflatten(staged[0][2], _arrays(outs, irs[0].out_avals))


_PYTHON_SCALARS = (bool, int, float, complex)


def _arrays(outs, avals) -> list:
    """Eager results as arrays: a branch that returns an operand it was given as a Python
    scalar (``lambda x: x`` of ``1.0``) would otherwise hand back the scalar itself."""
    return [np.asarray(o, a.dtype) if type(o) in _PYTHON_SCALARS else o
            for o, a in zip(outs, avals)]


def cond(pred, true_fun: Callable, false_fun: Callable, *operands, operand=_NO_OPERAND):
    """Return ``true_fun(*operands)`` if ``pred`` else ``false_fun(*operands)``.

    Unlike a Python ``if``, this works on traced predicates (under ``jit`` and ``vmap``);
    both branches must return the same structure, shapes and dtypes. JAX's legacy
    ``operand=x`` keyword is taken as the single operand ``x``.

    Example:
        >>> from fungrad import lax
        >>> float(lax.cond(3.0 > 2.0, lambda x: x * 2.0, lambda x: -x, 1.5))
        3.0
    """
    operands = _legacy_operand("lax.cond", operands, operand)
    _check_callable("lax.cond", "true_fun", true_fun)
    _check_callable("lax.cond", "false_fun", false_fun)
    try:
        aval = get_aval(pred)
    except TypeError:
        raise TypeError(f"lax.cond: pred must be a boolean (or number) scalar, got a "
                        f"{type(pred).__name__} ({pred!r:.40}).") from None
    if aval.shape != ():
        raise TypeError(f"lax.cond: pred must be a scalar, got {aval.str_short()}; for "
                        "elementwise choices use fnp.where(pred, x, y)")
    if aval.dtype != np.bool_:
        pred = ne(pred, aval.dtype.type(0))
    return switch(convert_element_type(pred, np.int32), [false_fun, true_fun], *operands)


def _check_callable(fn: str, arg: str, value) -> None:
    if not callable(value):
        raise TypeError(
            f"{fn}: {arg} must be a function of the operands, got {value!r:.40} (type "
            f"{type(value).__name__}). Wrap a constant as `lambda *_: value`; the operands "
            f"follow the branches: {fn}(pred, true_fun, false_fun, *operands)."
            if fn == "lax.cond" else
            f"{fn}: {arg} must be a function of the operands, got {value!r:.40} (type "
            f"{type(value).__name__}). Wrap a constant as `lambda *_: value`.")


def _clamp_index(index, n: int):
    """The index as an int32 scalar in ``[0, n)`` (out-of-range indices clamp, as in JAX)."""
    concrete = core.concrete_or_none(index)
    if concrete is not None:
        return np.int32(np.clip(int(concrete), 0, n - 1))
    index = convert_element_type(index, np.int32)
    return lax_max(lax_min(index, np.int32(n - 1)), np.int32(0))


def _stage_branch(fun, in_tree, avals):
    def branch(*leaves):
        return fun(*tree_unflatten(in_tree, leaves))

    ir, hoisted, out_tree = stage_pytree_fun(branch, tuple(avals), _name(fun), "cond")
    return ir, hoisted, out_tree


def _name(fun) -> str:
    return getattr(fun, "__qualname__", None) or getattr(fun, "__name__", repr(fun))


def _check_branch_outputs(funs, staged) -> None:
    ref_ir, _, ref_tree = staged[0]
    for fun, (ir, _, tree) in zip(funs[1:], staged[1:]):
        if tree != ref_tree:
            raise TypeError(
                f"lax.cond/switch: branches return different structures:\n"
                f"  `{_name(funs[0])}` returns {ref_tree}\n  `{_name(fun)}` returns {tree}")
        for i, (a, b) in enumerate(zip(ref_ir.out_avals, ir.out_avals)):
            if a.shape != b.shape or a.dtype != b.dtype:
                raise ShapeError(
                    f"lax.cond/switch: output leaf {i} differs between branches: "
                    f"`{_name(funs[0])}` gives {a.str_short()}, `{_name(fun)}` gives "
                    f"{b.str_short()}. Branches must agree in shape and dtype; cast or "
                    "broadcast one of them.")


def _common_inputs(irs: list[IR], hoisted: list[list]) -> list[IR]:
    """Give every branch the same inputs: all branches' hoisted values, then the operands."""
    return _share_leading_inputs(irs, [[get_aval(h) for h in hs] for hs in hoisted])


def _share_leading_inputs(irs: list[IR], own_avals: list[list]) -> list[IR]:
    """Branch ``k`` reads its own ``len(own_avals[k])`` leading inputs; give every branch the
    leading inputs of all branches in order (unused ones added), then the shared rest."""
    out = []
    for k, ir in enumerate(irs):
        n_own = len(own_avals[k])
        before = [a for avals in own_avals[:k] for a in avals]
        after = [a for avals in own_avals[k + 1:] for a in avals]
        lead = pe.pad_inputs(IR([], [], ir.invars[:n_own], [], []), before, after).invars
        out.append(IR(ir.constvars, ir.consts, lead + ir.invars[n_own:], ir.eqns, ir.outvars))
    return out


# ---------------------------------------------------------------------------------------
# JVP (forward, and split for reverse mode)


def _cond_jvp(primals, tangents, *, branches):
    index, ops = primals[0], primals[1:]
    ts = tangents[1:]
    nonzero = [not isinstance(t, Zero) for t in ts]
    out_nz = [False] * len(branches[0].outvars)
    for ir in branches:
        out_nz = [a or b for a, b in zip(out_nz, pe.jvp_ir(ir, nonzero)[1])]
    jirs = [pe.jvp_ir(ir, nonzero, instantiate=out_nz)[0] for ir in branches]
    n_out = len(out_nz)
    unknowns = [False] * len(ops) + [True] * sum(nonzero)
    force = [False] * n_out + [True] * sum(out_nz)
    splits = [pe.split_if_reverse_possible(j, unknowns, force_unknown=force) for j in jirs]
    tangents_in = [t for t in ts if not isinstance(t, Zero)]
    if any(s is None for s in splits):  # forward mode through a forward-only branch
        outs = cond_p.bind(index, *ops, *tangents_in, branches=tuple(jirs))
        return outs[:n_out], _tangents_out(outs[n_out:], out_nz, branches[0].out_avals)
    known_irs, unknown_irs = _split_branches(splits)
    known = cond_p.bind(index, *ops, branches=known_irs)
    lin = cond_p.bind(index, *known[n_out:], *tangents_in, branches=unknown_irs)
    return known[:n_out], _tangents_out(lin, out_nz, branches[0].out_avals)


def _tangents_out(values, nonzero, avals) -> list:
    it = iter(values)
    return [next(it) if nz else Zero(pe.tangent_aval(a)) for nz, a in zip(nonzero, avals)]


def _split_branches(splits) -> tuple[tuple, tuple]:
    """The known and the linear branches of a split ``cond``, with unified residuals."""
    known_irs, res_avals = _unify_residuals(splits)
    unknown_irs = _share_leading_inputs([sp.unknown for sp in splits], res_avals)
    return tuple(known_irs), tuple(unknown_irs)


def _unify_residuals(splits):
    """Known branches that all return every branch's residuals (zeros for the others)."""
    res_avals = [s.res_avals for s in splits]
    known_irs = []
    for k, s in enumerate(splits):
        def known_fun(*args, s=s, k=k):
            outs = pe.call_ir(s.known, args)
            n_main = len(outs) - s.num_res
            own = outs[n_main:]
            result = list(outs[:n_main])
            for j, avals in enumerate(res_avals):
                result += own if j == k else [zeros_like_aval(a) for a in avals]
            return result

        known_irs.append(pe.optimize_derived(
            _stage(known_fun, s.known.in_avals, "cond_known")))
    return known_irs, res_avals


def _stage(fun, avals, name) -> IR:

    return stage_flat(fun, list(avals), name)


def _cond_transpose(cts, index, *operands, branches):
    linear = [is_linear(x) for x in operands]
    residuals = [x for x in operands if not is_linear(x)]
    cts = pe.instantiate_zeros(cts, branches[0].out_avals)
    tirs = tuple(pe.transpose_ir(ir, linear) for ir in branches)
    _refuse_batched_collectives(index, tirs)
    outs = iter(cond_p.bind(index, *residuals, *cts, branches=tirs))
    return [None] + [next(outs) if lin else None for lin in linear]


def _refuse_batched_collectives(index, tirs) -> None:
    """``vmap(grad(f))`` where ``f`` has a cond with a batched predicate and a collective
    over the vmapped axis in a branch: not supported (it would be silently wrong).

    A batched predicate runs every branch on every lane and selects, so a collective in one
    branch couples lanes that chose another; transposing each branch on its own lanes (with
    the other branch's residuals selected in on the other lanes) drops those terms.
    ``grad(lambda x: sum(vmap(f)(x)))`` is correct (the cond is batched before it is
    linearized), and so is writing the branches with ``lax.select`` / ``fnp.where``.
    """
    if not isinstance(index, batching.BatchTracer) or index._trace.axis_name is None:
        return
    name = index._trace.axis_name
    if any(batching.ir_uses_axis(t, name) for t in tirs):
        raise NotImplementedError(
            f"grad inside vmap(..., axis_name={name!r}) of a lax.cond whose predicate is "
            f"batched and whose branches use a collective over {name!r} is not supported: "
            "every lane runs every branch, and the per-branch transpose would drop the "
            "coupling between lanes. Take the gradient outside the vmap "
            "(grad(lambda x: fnp.sum(vmap(f, axis_name=...)(x)))), or write the branches "
            "with lax.select / fnp.where.")


# ---------------------------------------------------------------------------------------
# Batching


def _cond_batch(vals, dims, *, branches):
    size = batch_size(vals, dims)
    index, ops = vals[0], vals[1:]
    idx_dim, op_dims = dims[0], dims[1:]
    if idx_dim is None:
        out_dims = [d is not None for ir in branches for d in pe.vmap_ir(ir, op_dims, size)[1]]
        n = len(branches[0].outvars)
        force = [any(out_dims[k * n + i] for k in range(len(branches))) for i in range(n)]
        birs = tuple(pe.vmap_ir(ir, op_dims, size, force)[0] for ir in branches)
        outs = cond_p.bind(index, *ops, branches=birs)
        return outs, [0 if f else None for f in force]
    return _select_branches(index, idx_dim, ops, op_dims, branches, size), \
        [0] * len(branches[0].outvars)


def _select_branches(index, idx_dim, ops, op_dims, branches, size):
    """A batched predicate: run every branch, then pick each example's result."""

    index = bdim_to_front(index, idx_dim, size)
    results = []
    for ir in branches:
        bir, _ = pe.vmap_ir(ir, op_dims, size, True)
        results.append(pe.call_ir(bir, ops))
    outs = []
    for i, aval in enumerate(branches[0].out_avals):
        which = broadcast_in_dim(index, (size, *aval.shape), (0,))
        outs.append(select_n(which, *[r[i] for r in results]))
    return outs


jvp_rules[cond_p] = _cond_jvp
transpose_rules[cond_p] = _cond_transpose
batching_rules[cond_p] = _cond_batch
