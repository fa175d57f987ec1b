"""Loops with static trip counts: ``lax.scan`` and ``lax.fori_loop`` (one primitive, ``scan``).

``scan[body, num_consts, num_carry, length, reverse](*consts, *init, *xs)`` runs ``body``
(an IR ``(consts, carry, x) -> (carry, y)``) over the leading axis of ``xs`` and returns
``(*final_carry, *stacked_ys)``.

Rules (all transform the body IR, see :mod:`fungrad.interpreters.partial_eval`):

- JVP: the body's JVP, with a fixed point over which carries have nonzero tangents.
- Reverse mode: the JVP body is split into a known scan (the primal loop, which also
  emits the per-iteration residuals as extra outputs) and a linear scan; residuals that
  depend only on the loop constants are computed once, outside the loop. The linear scan
  transposes into a scan running the other way, whose carry accumulates the cotangents of
  the constants.
- vmap: the body batched, with a fixed point over which carries are batched.

``fori_loop`` with concrete bounds is a ``scan`` (so reverse mode works); with traced
bounds it is a ``while_loop`` (forward mode only), as in JAX.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from fungrad import core, dtypes
from fungrad.array_module import get_array_module
from fungrad.core import Primitive, get_aval
from fungrad.errors import ShapeError
from fungrad.interpreters import partial_eval as pe
from fungrad.interpreters.batching import batch_size, batching_rules, bdim_to_front, move_axis
from fungrad.interpreters.executable import executable
from fungrad.interpreters.jvp import Zero, jvp_rules, zeros_like_aval
from fungrad.interpreters.linearize import is_linear, transpose_rules
from fungrad.ir import IR, Var, stage_flat, stage_pytree_fun
from fungrad.lax.comparison import convert_element_type
from fungrad.lax.elementwise import add
from fungrad.tree_util import tree_flatten, tree_unflatten

__all__ = ["scan", "fori_loop", "scan_p"]

scan_p = Primitive("scan", multiple_results=True)


def _scan_impl(*args, body, num_consts, num_carry, length, reverse):
    run = executable(body)
    consts, carry = list(args[:num_consts]), list(args[num_consts:num_consts + num_carry])
    xs = args[num_consts + num_carry:]
    y_avals = body.out_avals[num_carry:]
    xp = get_array_module(*args)
    ys = [xp.empty((length, *a.shape), a.dtype) for a in y_avals]
    for step in range(length):
        i = length - 1 - step if reverse else step
        outs = run(*consts, *carry, *[x[i] for x in xs])
        carry = outs[:num_carry]
        for y, value in zip(ys, outs[num_carry:]):
            y[i] = value
    return [*carry, *ys]


def _scan_abstract_eval(*avals, body, num_consts, num_carry, length, reverse):
    outs = body.out_avals
    ys = [a.update(shape=(length, *a.shape), weak_type=False) for a in outs[num_carry:]]
    return [*outs[:num_carry], *ys]


scan_p.def_impl(_scan_impl)
scan_p.def_abstract_eval(_scan_abstract_eval)


# ---------------------------------------------------------------------------------------
# The API


def scan(f: Callable, init, xs=None, length: int | None = None, reverse: bool = False,
         unroll: int = 1):
    """Loop ``carry, y = f(carry, x)`` over the leading axis of ``xs``; return ``(carry, ys)``.

    Args:
        f: ``f(carry, x) -> (carry, y)``; the output carry must match ``init`` in structure,
            shapes and dtypes.
        init: the initial carry (a pytree of arrays).
        xs: a pytree of arrays scanned along axis 0 (or None, with ``length``).
        length: the number of iterations when ``xs`` is None (checked against ``xs``).
        reverse: run from the last element to the first (``ys`` stay in input order).
        unroll: accepted for JAX compatibility; the loop runs its body IR once per step.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> carry, ys = lax.scan(lambda c, x: (c + x, c * x), 0.0, np.arange(4.0))
        >>> float(carry), ys.tolist()
        (6.0, [0.0, 0.0, 2.0, 9.0])
    """
    _check_function("lax.scan", "f", f)
    x_leaves, x_tree = tree_flatten(xs)
    length = _scan_length(x_leaves, length)
    init_leaves, init_tree = tree_flatten(init)
    x_avals = tree_unflatten(x_tree, [get_aval(x).update(shape=get_aval(x).shape[1:])
                                      for x in x_leaves])

    def stage(carry_avals):
        return stage_pytree_fun(lambda carry, x: f(carry, x),
                                (tree_unflatten(init_tree, carry_avals), x_avals), _name(f),
                                "scan")

    init_leaves = promote_weak_carry(init_leaves, lambda avals: stage(avals)[0].out_avals)
    carry_avals = [get_aval(c).update(weak_type=False) for c in init_leaves]
    ir, hoisted, out_tree = stage(carry_avals)
    carry_tree, num_ys = _check_carry(f, out_tree, init_tree, ir, len(carry_avals), carry_avals)
    outs = scan_p.bind(*hoisted, *init_leaves, *x_leaves, body=ir, num_consts=len(hoisted),
                       num_carry=len(init_leaves), length=length, reverse=bool(reverse))
    carry_out = tree_unflatten(init_tree, outs[: len(init_leaves)])
    return carry_out, tree_unflatten(carry_tree, outs[len(init_leaves):])


def _name(fun) -> str:
    return getattr(fun, "__qualname__", None) or getattr(fun, "__name__", repr(fun))


def as_carry_array(x):
    """Python scalars in a carry become arrays: a carry's dtype must not change."""
    return np.asarray(x) if type(x) in (int, float, complex, bool) else x


def promote_weak_carry(init_leaves: list, out_avals_of: Callable) -> list:
    """The carry's initial leaves as arrays, a weakly typed one (a Python scalar) cast to
    the dtype it promotes to with what the body returns for it, as in JAX:
    ``scan(lambda c, x: (c + x, c), 0.0, xs_float32)`` carries float32.

    ``out_avals_of(carry_avals)`` stages the body once with the weak avals and returns its
    output avals (the carry's first); the caller stages it again with the leaves returned.
    """
    weak = [get_aval(c).weak_type for c in init_leaves]
    leaves = [as_carry_array(c) for c in init_leaves]
    if not any(weak):
        return leaves
    avals = [get_aval(c).update(weak_type=w) for c, w in zip(leaves, weak)]
    promoted = []
    for leaf, aval, out in zip(leaves, avals, out_avals_of(avals)):
        if aval.weak_type and out.dtype != aval.dtype:
            dtype, _ = dtypes.result_type([(aval.dtype, True), (out.dtype, out.weak_type)])
            leaf = convert_element_type(leaf, dtype) if dtype != aval.dtype else leaf
        promoted.append(leaf)
    return promoted


def _scan_length(x_leaves, length) -> int:
    lengths = {get_aval(x).shape[0] if get_aval(x).shape else None for x in x_leaves}
    if None in lengths:
        raise ShapeError("lax.scan: every leaf of `xs` needs a leading axis to scan over; "
                         "got a rank-0 value")
    if len(lengths) > 1:
        raise ShapeError(f"lax.scan: the leaves of `xs` have different leading sizes "
                         f"{sorted(lengths)}; they must all have the same length")
    if lengths:
        (n,) = lengths
        if length is not None and int(length) != n:
            raise ShapeError(f"lax.scan: length={length} but `xs` has leading size {n}")
        return n
    if length is None:
        raise ValueError("lax.scan: pass `xs` or `length` (the number of iterations)")
    return int(length)


def _check_carry(f, out_tree, init_tree, ir, num_carry, carry_avals):
    """Check ``f`` returns ``(carry, y)`` with ``carry`` like ``init``; return y's treedef."""
    children = out_tree.children() if hasattr(out_tree, "children") else None
    if children is None or len(children) != 2:
        raise TypeError(f"lax.scan: `{_name(f)}` must return a pair (carry, y); it returned "
                        f"{out_tree}")
    carry_tree, y_tree = children
    if carry_tree != init_tree:
        raise TypeError(f"lax.scan: `{_name(f)}` returned a carry with structure "
                        f"{carry_tree}, but `init` has structure {init_tree}")
    for i, (a, b) in enumerate(zip(carry_avals, ir.out_avals[:num_carry])):
        if a.shape != b.shape or a.dtype != b.dtype:
            raise ShapeError(
                f"lax.scan: carry leaf {i} of `{_name(f)}` changes from {a.str_short()} "
                f"(init) to {b.str_short()} (returned). A carry keeps its shape and dtype; "
                "cast the init (e.g. fnp.asarray(x, dtype)) or the returned value.")
    return y_tree, len(ir.outvars) - num_carry


def _is_integer_bound(value) -> bool:
    kind = np.asarray(value).dtype.kind
    return kind in "iub" or (kind == "f" and float(value).is_integer())


def fori_loop(lower, upper, body_fun: Callable, init_val, *, unroll: int | bool | None = None):
    """Return ``val`` after ``val = body_fun(i, val)`` for ``i`` in ``range(lower, upper)``.

    With concrete bounds this is a ``scan`` (reverse-mode differentiable); with traced
    bounds a ``while_loop`` (forward mode only). ``unroll`` is accepted for JAX
    compatibility; the result does not depend on it (the body IR runs once per step).

    Example:
        >>> import fungrad as fg
        >>> from fungrad import lax
        >>> float(lax.fori_loop(0, 5, lambda i, total: total + i, 0.0))
        10.0
        >>> fg.grad(lambda x: lax.fori_loop(0, 3, lambda i, v: v * x, 1.0))(2.0)
        Array(12.)
    """
    del unroll
    _check_function("lax.fori_loop", "body_fun", body_fun)
    lo, hi = core.concrete_or_none(lower), core.concrete_or_none(upper)
    for name, bound, value in (("lower", lower, lo), ("upper", upper, hi)):
        if value is not None and not _is_integer_bound(value):
            raise TypeError(f"lax.fori_loop: {name} must be an integer (a Python int or an "
                            f"integer array), got {bound!r}.")
    if lo is not None and hi is not None:
        lo, hi = int(lo), int(hi)

        def step(carry, _):
            i, val = carry
            return (i + 1, body_fun(i, val)), None

        (_, val), _ = scan(step, (np.asarray(lo, np.int64), init_val), None,
                           length=max(hi - lo, 0))
        return val
    from fungrad.lax.while_loop import while_loop  # noqa: PLC0415 (while_loop imports us)

    def cond_fun(carry):
        return carry[0] < upper

    def body(carry):
        i, val = carry
        return i + 1, body_fun(i, val)

    return while_loop(cond_fun, body, (lower, init_val))[1]


# ---------------------------------------------------------------------------------------
# Layout helpers: the body's inputs are (consts, carry, xs), outputs (carry, ys)


class _Layout:
    def __init__(self, num_consts, num_carry, num_xs):
        self.nc, self.nk, self.nx = num_consts, num_carry, num_xs

    def split(self, seq):
        a, b = self.nc, self.nc + self.nk
        return list(seq[:a]), list(seq[a:b]), list(seq[b:])


def _jvp_body(body: IR, layout: _Layout, nz, instantiate):
    """The scan body's JVP with inputs and outputs in scan layout, and its out_nonzero."""
    jir, out_nz = pe.jvp_ir(body, nz, instantiate=instantiate)
    return _reorder_jvp_body(jir, layout, nz, layout.nk, out_nz), out_nz


def _reorder_jvp_body(jir: IR, layout: _Layout, nz, num_carry_out, out_nz) -> IR:
    """JVP body inputs (primals, tangents) -> (consts, c_tans, carry, k_tans, xs, x_tans)."""
    n = layout.nc + layout.nk + layout.nx
    tan_pos = iter(range(n, n + sum(nz)))
    tan_index = [next(tan_pos) if z else None for z in nz]
    order = []
    for group in layout.split(list(range(n))):
        order += group
        order += [tan_index[i] for i in group if tan_index[i] is not None]
    n_out = len(out_nz)
    tan_out = iter(range(n_out, n_out + sum(out_nz)))
    tan_out_index = [next(tan_out) if z else None for z in out_nz]
    out_order = list(range(num_carry_out))
    out_order += [tan_out_index[i] for i in range(num_carry_out) if tan_out_index[i] is not None]
    out_order += list(range(num_carry_out, n_out))
    out_order += [tan_out_index[i] for i in range(num_carry_out, n_out)
                  if tan_out_index[i] is not None]
    return pe.permute_ir(jir, order, out_order)


def carry_tangent_fixed_point(body, const_nz, carry_nz, xs_nz=()):
    """Carries with nonzero tangents: those of init, plus any the body makes nonzero.

    ``body`` maps ``(consts, carry, xs)`` to ``(carry, ...)`` (scan and while bodies).
    """
    carry_nz = list(carry_nz)
    while True:
        _, out_nz = pe.jvp_ir(body, list(const_nz) + carry_nz + list(xs_nz))
        new = [a or b for a, b in zip(carry_nz, out_nz[: len(carry_nz)])]
        if new == carry_nz:
            return carry_nz
        carry_nz = new


# ---------------------------------------------------------------------------------------
# JVP: the primal loop and the linear (tangent) loop run as two scans


def _scan_jvp(primals, tangents, *, body, num_consts, num_carry, length, reverse):
    lay = _Layout(num_consts, num_carry, len(primals) - num_consts - num_carry)
    nz = [not isinstance(t, Zero) for t in tangents]
    c_nz, k_nz, x_nz = lay.split(nz)
    k_nz = carry_tangent_fixed_point(body, c_nz, k_nz, x_nz)
    nz = c_nz + k_nz + x_nz
    n_ys = len(body.outvars) - num_carry
    jbody, out_nz = _jvp_body(body, lay, nz, k_nz + [False] * n_ys)
    consts, carry, xs = lay.split(primals)
    c_t, k_t, x_t = lay.split(tangents)
    carry_avals = body.out_avals[:num_carry]
    tans = (
        [t for t, z in zip(c_t, c_nz) if z],
        [zeros_like_aval(pe.tangent_aval(a)) if isinstance(t, Zero) else t
         for t, z, a in zip(k_t, k_nz, carry_avals) if z],
        [t for t, z in zip(x_t, x_nz) if z],
    )
    y_nz = out_nz[num_carry:]
    outs, lin = _split_scan(jbody, (consts, carry, xs), tans, y_nz, length, reverse)
    tangents_out = iter(lin)
    out_tangents = [next(tangents_out) if z else Zero(pe.tangent_aval(a))
                    for z, a in zip(k_nz + list(y_nz), _scan_abstract_eval(
                        body=body, num_consts=num_consts, num_carry=num_carry, length=length,
                        reverse=reverse))]
    return outs, out_tangents


def _split_scan(jbody: IR, primals, tans, y_nz, length, reverse):
    """Run the known (primal) scan now and bind the linear scan on the tangents."""
    (consts, carry, xs), (c_t, k_t, x_t) = primals, tans
    nk, nkt, n_ys = len(carry), len(k_t), len(jbody.outvars) - len(carry) - len(k_t) - sum(y_nz)
    unknowns = ([False] * len(consts) + [True] * len(c_t) + [False] * nk + [True] * nkt
                + [False] * len(xs) + [True] * len(x_t))
    force = [False] * nk + [True] * nkt + [False] * n_ys + [True] * sum(y_nz)
    split = pe.split_if_reverse_possible(jbody, unknowns, force_unknown=force)
    if split is None:  # forward mode through a forward-only body: one scan, unsplit
        outs = scan_p.bind(*consts, *c_t, *carry, *k_t, *xs, *x_t, body=jbody,
                           num_consts=len(consts) + len(c_t), num_carry=nk + nkt,
                           length=length, reverse=reverse)
        n_ys_t = sum(y_nz)
        ys_all = outs[nk + nkt:]
        return (outs[:nk] + ys_all[: len(ys_all) - n_ys_t],
                outs[nk:nk + nkt] + ys_all[len(ys_all) - n_ys_t:])
    parts = _ScanSplit(split, len(consts), nk, len(c_t), nkt)
    outs = scan_p.bind(*consts, *carry, *xs, body=parts.known_body, num_consts=len(consts),
                       num_carry=nk, length=length, reverse=reverse)
    inv_values = pe.call_ir(parts.invariant_ir, consts)
    x_res = [xs[i] for i in parts.x_positions]
    n_known_outs = parts.num_known_outs
    lin = scan_p.bind(*inv_values, *c_t, *k_t, *x_res, *outs[n_known_outs:], *x_t,
                      body=parts.linear_body, num_consts=len(inv_values) + len(c_t),
                      num_carry=nkt, length=length, reverse=reverse)
    return outs[:n_known_outs], lin


class _ScanSplit:
    """The IRs of a scan's reverse-mode split.

    Residuals come in three kinds: loop-invariant ones (computed once, outside the loop,
    by ``invariant_ir``), ones that are ``xs`` themselves (passed through), and the rest
    (stacked as extra outputs of the known scan).
    """

    def __init__(self, split, num_consts: int, nk: int, num_const_tangents: int, nkt: int):
        known = split.known
        self.num_known_outs = len(known.outvars) - split.num_res
        residuals = known.outvars[self.num_known_outs:]
        invariant = _loop_invariant(known, num_consts)
        x_invars = {v: i for i, v in enumerate(known.invars[num_consts + nk:])}
        kinds = ["inv" if r in invariant else "x" if r in x_invars else "stack"
                 for r in residuals]
        stacked = [r for r, k in zip(residuals, kinds) if k == "stack"]
        self.known_body = pe.optimize_derived(IR(
            known.constvars, known.consts, known.invars, known.eqns,
            known.outvars[: self.num_known_outs] + stacked))
        self.invariant_ir = pe.optimize_derived(IR(
            known.constvars, known.consts, known.invars[:num_consts], known.eqns,
            [r for r, k in zip(residuals, kinds) if k == "inv"]))
        self.x_positions = [x_invars[r] for r, k in zip(residuals, kinds) if k == "x"]
        self.linear_body = _linear_body(split, kinds, num_const_tangents, nkt)


def _loop_invariant(known: IR, num_consts: int) -> set:
    """Variables of the known body that depend only on the loop constants."""
    inv = set(known.invars[:num_consts]) | set(known.constvars)
    for eqn in known.eqns:
        if all(type(a) is not Var or a in inv for a in eqn.inputs):
            inv.update(eqn.outputs)
    return inv


def _linear_body(split, kinds, num_const_tangents: int, num_carry_tangents: int) -> IR:
    """The unknown IR with inputs in scan layout: consts (invariant residuals, const
    tangents), carry (carry tangents), xs (x residuals, stacked residuals, x tangents)."""
    u, nr = split.unknown, split.num_res
    res_vars, rest = u.invars[:nr], u.invars[nr:]
    by_kind = {k: [v for v, kk in zip(res_vars, kinds) if kk == k] for k in ("inv", "x", "stack")}
    a, b = num_const_tangents, num_const_tangents + num_carry_tangents
    invars = by_kind["inv"] + rest[:a] + rest[a:b] + by_kind["x"] + by_kind["stack"] + rest[b:]
    return IR(u.constvars, u.consts, invars, u.eqns, u.outvars)


# ---------------------------------------------------------------------------------------
# Transpose: a scan running the other way; its carry accumulates the constants' cotangents


def _scan_transpose(cts, *args, body, num_consts, num_carry, length, reverse):
    lay = _Layout(num_consts, num_carry, len(args) - num_consts - num_carry)
    consts, _, xs = lay.split(args)
    c_lin = tuple(is_linear(c) for c in consts)
    x_lin = tuple(is_linear(x) for x in xs)
    tbody, lin_c_avals = _transposed_body(body, num_carry, c_lin, x_lin)
    res_c = [c for c, lin in zip(consts, c_lin) if not lin]
    res_x = [x for x, lin in zip(xs, x_lin) if not lin]
    cts = pe.instantiate_zeros(cts, _scan_abstract_eval(
        body=body, num_consts=num_consts, num_carry=num_carry, length=length, reverse=reverse))
    acc0 = [zeros_like_aval(a) for a in lin_c_avals]
    outs = scan_p.bind(*res_c, *cts[:num_carry], *acc0, *res_x, *cts[num_carry:], body=tbody,
                       num_consts=len(res_c), num_carry=num_carry + len(acc0), length=length,
                       reverse=not reverse)
    ct_init, ct_lc, ct_lx = _split_sizes(outs, [num_carry, len(acc0)])
    ct_lc, ct_lx = iter(ct_lc), iter(ct_lx)
    return ([next(ct_lc) if lin else None for lin in c_lin] + list(ct_init)
            + [next(ct_lx) if lin else None for lin in x_lin])


def _transposed_body(body: IR, num_carry: int, c_lin, x_lin):
    """The body of the transposed scan and the cotangent avals of the linear constants.

    It maps (residual consts; carry cotangents, accumulated constant cotangents; residual
    xs, ys cotangents) to (earlier carry cotangents, updated accumulators; xs cotangents).
    """

    tir = pe.transpose_ir(body, list(c_lin) + [True] * num_carry + list(x_lin))
    res_c_avals = [v.aval for v, lin in zip(body.invars, c_lin) if not lin]
    lin_c_avals = [pe.tangent_aval(v.aval) for v, lin in zip(body.invars, c_lin) if lin]
    res_x_avals = [v.aval for v, lin in zip(body.invars[len(c_lin) + num_carry:], x_lin)
                   if not lin]
    ct_avals = [pe.tangent_aval(a) for a in body.out_avals]
    sizes = [len(res_c_avals), num_carry, len(lin_c_avals), len(res_x_avals)]

    def transposed(*a):
        rc, ck, acc, rx, cy = _split_sizes(a, sizes)
        ct_lc, ct_k, ct_lx = _split_sizes(pe.call_ir(tir, [*rc, *rx, *ck, *cy]),
                                          [len(lin_c_avals), num_carry])
        return [*ct_k, *[add(s, t) for s, t in zip(acc, ct_lc)], *ct_lx]

    avals = (res_c_avals + ct_avals[:num_carry] + lin_c_avals + res_x_avals
             + ct_avals[num_carry:])
    return pe.optimize_derived(stage_flat(transposed, avals, "scan_transpose")), lin_c_avals


def _split_sizes(seq, sizes) -> list[list]:
    """Split ``seq`` into consecutive pieces of the given sizes, then the rest."""
    pieces, start = [], 0
    for n in sizes:
        pieces.append(list(seq[start:start + n]))
        start += n
    return [*pieces, list(seq[start:])]


# ---------------------------------------------------------------------------------------
# Batching


def _scan_batch(vals, dims, *, body, num_consts, num_carry, length, reverse):
    size = batch_size(vals, dims)
    lay = _Layout(num_consts, num_carry, len(vals) - num_consts - num_carry)
    consts, carry, xs = lay.split(vals)
    c_d, k_d, x_d = lay.split(dims)
    xs = [x if d is None else move_axis(x, d, 1) for x, d in zip(xs, x_d)]
    x_in = [None if d is None else 0 for d in x_d]
    batched = [d is not None for d in k_d]
    while True:
        in_dims = c_d + [0 if b else None for b in batched] + x_in
        _, out_dims = pe.vmap_ir(body, in_dims, size)
        new = [b or d is not None for b, d in zip(batched, out_dims[:num_carry])]
        if new == batched:
            break
        batched = new
    y_batched = [d is not None for d in out_dims[num_carry:]]
    bir, _ = pe.vmap_ir(body, in_dims, size, batched + y_batched)
    carry = [bdim_to_front(c, d, size) if b else c for c, d, b in zip(carry, k_d, batched)]
    outs = scan_p.bind(*consts, *carry, *xs, body=bir, num_consts=num_consts,
                       num_carry=num_carry, length=length, reverse=reverse)
    return outs, [0 if b else None for b in batched] + [1 if b else None for b in y_batched]


jvp_rules[scan_p] = _scan_jvp
transpose_rules[scan_p] = _scan_transpose
batching_rules[scan_p] = _scan_batch


def _check_function(fn: str, arg: str, value) -> None:
    if not callable(value):
        raise TypeError(f"{fn}: {arg} must be a function, got {value!r:.40} (type "
                        f"{type(value).__name__}).")
