"""``lax.while_loop``: a loop with a data-dependent trip count (primitive ``while``).

``while[cond_ir, body_ir, cond_nconsts, body_nconsts](*cond_consts, *body_consts, *init)``.
Forward mode carries tangents through the body; reverse mode is impossible (the number of
iterations, hence what to save, is unknown in advance), so it raises an error that points
to ``lax.scan`` / ``lax.fori_loop`` with static bounds. Under ``vmap`` a batched predicate
runs until every example is done, freezing finished examples with a select.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from fungrad.core import Primitive, current_trace, get_aval
from fungrad.errors import ShapeError, TransformError
from fungrad.interpreters import partial_eval as pe
from fungrad.interpreters.batching import batch_size, batching_rules, bdim_to_front
from fungrad.interpreters.executable import executable
from fungrad.interpreters.jvp import Zero, jvp_rules, zeros_like_aval
from fungrad.interpreters.linearize import TangentStagingTrace
from fungrad.ir import stage_flat, stage_pytree_fun
from fungrad.lax.comparison import select_n
from fungrad.lax.loops import carry_tangent_fixed_point, promote_weak_carry
from fungrad.lax.reductions import reduce_or
from fungrad.lax.shape_ops import broadcast_in_dim
from fungrad.tree_util import tree_flatten, tree_unflatten

__all__ = ["while_loop", "while_p"]

while_p = Primitive("while", multiple_results=True)

REVERSE_MODE_MESSAGE = (
    "Reverse-mode differentiation (grad/vjp) of lax.while_loop is not supported: its trip "
    "count is only known at run time, so fungrad cannot plan what to save for the backward "
    "pass. Use lax.scan, or lax.fori_loop with Python-int (static) bounds, which are "
    "reverse-differentiable; forward mode (jvp, jacfwd) works with while_loop."
)
pe.forward_only[while_p] = REVERSE_MODE_MESSAGE


def _while_impl(*args, cond_ir, body_ir, cond_nconsts, body_nconsts):
    cond_run, body_run = executable(cond_ir), executable(body_ir)
    cc, bc = args[:cond_nconsts], args[cond_nconsts:cond_nconsts + body_nconsts]
    carry = list(args[cond_nconsts + body_nconsts:])
    while bool(cond_run(*cc, *carry)[0]):
        carry = body_run(*bc, *carry)
    return carry


while_p.def_impl(_while_impl)
while_p.def_abstract_eval(lambda *avals, body_ir, **_: body_ir.out_avals)


def while_loop(cond_fun: Callable, body_fun: Callable, init_val):
    """Return ``val`` after ``while cond_fun(val): val = body_fun(val)``.

    ``body_fun`` must return a value of ``init_val``'s structure, shapes and dtypes;
    ``cond_fun`` a boolean scalar. Differentiable in forward mode only (see the module doc).

    Example:
        >>> from fungrad import lax
        >>> int(lax.while_loop(lambda v: v < 10, lambda v: v * 2, 1))
        16
    """
    _check_function("lax.while_loop", "cond_fun", cond_fun)
    _check_function("lax.while_loop", "body_fun", body_fun)
    leaves, tree = tree_flatten(init_val)

    def stage_body(avals):
        return stage_pytree_fun(body_fun, (tree_unflatten(tree, avals),), "body_fun",
                                "while_loop")

    leaves = promote_weak_carry(leaves, lambda avals: stage_body(avals)[0].out_avals)
    avals = [get_aval(x).update(weak_type=False) for x in leaves]
    carry_avals = tree_unflatten(tree, avals)
    cond_ir, cond_h, cond_tree = stage_pytree_fun(cond_fun, (carry_avals,), "cond_fun",
                                                     "while_loop")
    body_ir, body_h, body_tree = stage_body(avals)
    _check(cond_ir, body_ir, body_tree, tree, avals)
    outs = while_p.bind(*cond_h, *body_h, *leaves, cond_ir=cond_ir, body_ir=body_ir,
                        cond_nconsts=len(cond_h), body_nconsts=len(body_h))
    return tree_unflatten(tree, outs)


def _check(cond_ir, body_ir, body_tree, tree, avals) -> None:
    (pred,) = cond_ir.out_avals if len(cond_ir.out_avals) == 1 else (None,)
    if pred is None or pred.shape != () or pred.dtype != np.bool_:
        raise TypeError("lax.while_loop: cond_fun must return a boolean scalar, got "
                        f"{[a.str_short() for a in cond_ir.out_avals]}")
    if body_tree != tree:
        raise TypeError(f"lax.while_loop: body_fun returned structure {body_tree}, but "
                        f"init_val has structure {tree}")
    for i, (a, b) in enumerate(zip(avals, body_ir.out_avals)):
        if a.shape != b.shape or a.dtype != b.dtype:
            raise ShapeError(f"lax.while_loop: carry leaf {i} changes from {a.str_short()} to "
                             f"{b.str_short()} in body_fun; a carry keeps its shape and dtype")


def _while_jvp(primals, tangents, *, cond_ir, body_ir, cond_nconsts, body_nconsts):
    if isinstance(current_trace(), TangentStagingTrace):
        raise TransformError(REVERSE_MODE_MESSAGE)
    nc, nb = cond_nconsts, body_nconsts
    b_nz = [not isinstance(t, Zero) for t in tangents[nc:nc + nb]]
    k_nz = carry_tangent_fixed_point(body_ir, b_nz, [not isinstance(t, Zero)
                                                     for t in tangents[nc + nb:]])
    jbody = _jvp_body(body_ir, b_nz, k_nz)
    jcond = pe.pad_inputs(cond_ir, [], [pe.tangent_aval(a) for a, z in
                                        zip(body_ir.out_avals, k_nz) if z])
    nbt, nk = sum(b_nz), len(k_nz)
    carry = primals[nc + nb:]
    k_t = [zeros_like_aval(pe.tangent_aval(get_aval(p))) if isinstance(t, Zero) else t
           for p, t, z in zip(carry, tangents[nc + nb:], k_nz) if z]
    b_t = [t for t, z in zip(tangents[nc:nc + nb], b_nz) if z]
    outs = while_p.bind(*primals[:nc], *primals[nc:nc + nb], *b_t, *carry, *k_t,
                        cond_ir=jcond, body_ir=jbody, cond_nconsts=nc, body_nconsts=nb + nbt)
    it = iter(outs[nk:])
    return outs[:nk], [next(it) if z else Zero(pe.tangent_aval(a))
                       for z, a in zip(k_nz, body_ir.out_avals)]


def _jvp_body(body_ir, b_nz, k_nz):
    """The body's JVP with inputs (b_consts, b_tans, carry, k_tans): the while layout."""
    jir, _ = pe.jvp_ir(body_ir, b_nz + k_nz, instantiate=k_nz)
    nb, nk, nbt, nkt = len(b_nz), len(k_nz), sum(b_nz), sum(k_nz)
    order = (list(range(nb)) + list(range(nb + nk, nb + nk + nbt)) + list(range(nb, nb + nk))
             + list(range(nb + nk + nbt, nb + nk + nbt + nkt)))
    return pe.permute_ir(jir, order)


def _while_batch(vals, dims, *, cond_ir, body_ir, cond_nconsts, body_nconsts):
    size = batch_size(vals, dims)
    nc, nb = cond_nconsts, body_nconsts
    cc_d, bc_d, k_d = dims[:nc], dims[nc:nc + nb], dims[nc + nb:]
    batched = [d is not None for d in k_d]
    while True:
        kd = [0 if b else None for b in batched]
        _, pred_d = pe.vmap_ir(cond_ir, cc_d + kd, size)
        _, out_d = pe.vmap_ir(body_ir, bc_d + kd, size)
        new = [b or d is not None or pred_d[0] is not None for b, d in zip(batched, out_d)]
        if new == batched:
            break
        batched = new
    kd = [0 if b else None for b in batched]
    bcond, (p_dim,) = pe.vmap_ir(cond_ir, cc_d + kd, size)
    bbody, _ = pe.vmap_ir(body_ir, bc_d + kd, size, batched)
    carry = [bdim_to_front(c, d, size) if b else c
             for c, d, b in zip(vals[nc + nb:], k_d, batched)]
    if p_dim is not None:
        bcond, bbody = _select_loop(bcond, bbody, nc, nb)
        args = [*vals[:nc], *vals[:nc], *vals[nc:nc + nb]]
        outs = while_p.bind(*args, *carry, cond_ir=bcond, body_ir=bbody, cond_nconsts=nc,
                            body_nconsts=nc + nb)
    else:
        outs = while_p.bind(*vals[:nc + nb], *carry, cond_ir=bcond, body_ir=bbody,
                            cond_nconsts=nc, body_nconsts=nb)
    return outs, [0 if b else None for b in batched]


def _select_loop(bcond, bbody, nc, nb):
    """A batched predicate: loop while any example runs; finished examples keep values."""

    def any_cond(*args):
        (pred,) = pe.call_ir(bcond, args)
        return [reduce_or(pred, (0,))]

    def frozen_body(*args):
        cc, bc, carry = args[:nc], args[nc:nc + nb], args[nc + nb:]
        (pred,) = pe.call_ir(bcond, [*cc, *carry])
        new = pe.call_ir(bbody, [*bc, *carry])
        return [select_n(broadcast_in_dim(pred, get_aval(c).shape, (0,)), c, n)
                for c, n in zip(carry, new)]

    cond = stage_flat(any_cond, bcond.in_avals, "while_any")
    body = stage_flat(frozen_body, bcond.in_avals[:nc] + bbody.in_avals, "while_select")
    return pe.optimize_derived(cond), pe.optimize_derived(body)


jvp_rules[while_p] = _while_jvp
batching_rules[while_p] = _while_batch


def _check_function(fn: str, arg: str, value) -> None:
    if not callable(value):
        raise TypeError(f"{fn}: {arg} must be a function, got {value!r:.40} (type "
                        f"{type(value).__name__}).")
