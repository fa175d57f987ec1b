"""Implicit differentiation: ``custom_linear_solve`` and ``custom_root`` (JAX's API).

Derivatives flow through the *solution*, never through the solver's iterations.

``custom_linear_solve(matvec, b, solve)`` is the primitive ``linear_solve`` carrying three
IRs: ``matvec`` (inputs: its captured values, then ``x``), ``solve`` and (optionally)
``transpose_solve`` (inputs: captured values, then ``b``). Its operands are the captured
values of the three IRs, then ``b``. It is linear in ``b``; the captured values of
``matvec`` (the matrix ``A(theta)``) enter through ``A x = b``: ``dx = solve(db - dA x)``.
Its transpose solves the transposed system with ``transpose_solve`` and the transpose of
``matvec``; its batching rule batches the three IRs.

``custom_root(f, guess, solve, tangent_solve)`` is a ``custom_jvp`` over the values ``f``
captures: the primal runs ``solve`` with those values' derivatives stopped, and the JVP
solves ``J_x dx = -J_theta dtheta`` with ``tangent_solve`` inside a ``custom_linear_solve``
(``tangent_solve`` solves the transposed system too), so reverse mode transposes it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["linear_solve_p", "custom_linear_solve", "custom_root"]

from fungrad import dtypes
from fungrad.core import Primitive, get_aval
from fungrad.errors import CustomRuleError
from fungrad.interpreters import partial_eval as pe
from fungrad.interpreters.batching import batch_size, batching_rules, bdim_to_front
from fungrad.interpreters.jvp import Zero, instantiate, jvp_flat, jvp_rules, zeros_like_aval
from fungrad.interpreters.linearize import is_linear, transpose_rules
from fungrad.ir import IR, stage_closed
from fungrad.lax.comparison import stop_gradient
from fungrad.lax.elementwise import neg, sub
from fungrad.transforms.custom_derivatives import custom_jvp
from fungrad.tree_util import tree_flatten, tree_map, tree_structure, tree_unflatten

# ---------------------------------------------------------------------------------------
# The primitive: operands (*matvec consts, *solve consts, *transpose consts, *b)

linear_solve_p = Primitive("linear_solve", multiple_results=True)


def _split(args, counts):
    nm, ns, nt = counts
    return (list(args[:nm]), list(args[nm:nm + ns]), list(args[nm + ns:nm + ns + nt]),
            list(args[nm + ns + nt:]))


def _linear_solve_impl(*args, matvec, solve, transpose_solve, counts, num_aux):
    _, s_consts, _, b = _split(args, counts)
    return pe.call_ir(solve, s_consts + b)


def _linear_solve_abstract_eval(*avals, matvec, solve, transpose_solve, counts, num_aux):
    return solve.out_avals


linear_solve_p.def_impl(_linear_solve_impl)
linear_solve_p.def_abstract_eval(_linear_solve_abstract_eval)


def _matvec_tangent(matvec, m_consts, dm, x):
    """``dA x``: the derivative of ``matvec(x)`` in its captured values along ``dm``."""
    nz = [not isinstance(t, Zero) for t in dm]
    if not any(nz):
        return None
    tangents = [t for t in dm] + [Zero.like_primal(v) for v in x]
    _, outs = jvp_flat(lambda *a: pe.call_ir(matvec, a), m_consts + x, tangents,
                       "custom_linear_solve matvec")
    return outs


def _linear_solve_jvp(primals, tangents, *, matvec, solve, transpose_solve, counts, num_aux):
    params = dict(matvec=matvec, solve=solve, transpose_solve=transpose_solve, counts=counts,
                  num_aux=num_aux)
    outs = linear_solve_p.bind(*primals, **params)
    m_consts, _, _, b = _split(primals, counts)
    dm, _, _, db = _split(tangents, counts)
    x = outs[:len(b)]
    rhs = list(db)
    dax = _matvec_tangent(matvec, m_consts, dm, x)
    if dax is not None:
        rhs = [r if isinstance(d, Zero) else (neg(d) if isinstance(r, Zero) else sub(r, d))
               for r, d in zip(rhs, dax)]
    aux_zeros = [Zero.like_primal(a) for a in outs[len(b):]]
    if all(isinstance(r, Zero) for r in rhs):
        return outs, [Zero.like_primal(v) for v in x] + aux_zeros
    rhs = [pe.instantiate_zeros([r], [get_aval(v)])[0] for r, v in zip(rhs, b)]
    consts = list(primals[:len(primals) - len(b)])
    dx = linear_solve_p.bind(*consts, *rhs, **params)[:len(b)]
    return outs, list(dx) + aux_zeros


def _linear_solve_transpose(cts, *operands, matvec, solve, transpose_solve, counts, num_aux):
    nm, ns, nt = counts
    if any(is_linear(c) for c in operands[:nm + ns + nt]):
        raise CustomRuleError("custom_linear_solve is linear in b only; its matvec and solve "
                              "cannot depend linearly on the differentiated values here.")
    if transpose_solve is None:
        raise CustomRuleError(
            "custom_linear_solve: reverse-mode differentiation solves the transposed system, "
            "so it needs transpose_solve= (or symmetric=True for a symmetric matvec).")
    m_consts, s_consts, t_consts, b = _split(operands, counts)
    nb = len(b)
    vecmat = pe.transpose_ir(matvec, [False] * nm + [True] * nb)
    cts_x = pe.instantiate_zeros(list(cts[:nb]), [v.aval for v in matvec.invars[nm:]])
    ct_b = linear_solve_p.bind(*m_consts, *t_consts, *s_consts, *cts_x, matvec=vecmat,
                               solve=transpose_solve, transpose_solve=_drop_aux(solve, num_aux),
                               counts=(nm, nt, ns), num_aux=0)
    return [None] * (nm + ns + nt) + list(ct_b[:nb])


def _drop_aux(ir, num_aux: int):
    if not num_aux:
        return ir
    return IR(ir.constvars, ir.consts, ir.invars, ir.eqns, ir.outvars[:-num_aux])


def _linear_solve_batch(vals, dims, *, matvec, solve, transpose_solve, counts, num_aux):
    size = batch_size(vals, dims)
    nm, ns, nt = counts
    nb = len(vals) - nm - ns - nt
    m_d, s_d, t_d, _ = _split(dims, counts)
    vals = list(vals[:nm + ns + nt]) + [bdim_to_front(v, d, size) for v, d in
                                        zip(vals[nm + ns + nt:], dims[nm + ns + nt:])]
    front = [0] * nb
    bmv, _ = pe.vmap_ir(matvec, m_d + front, size, True)
    bsv, _ = pe.vmap_ir(solve, s_d + front, size, True)
    btv = None if transpose_solve is None else pe.vmap_ir(transpose_solve, t_d + front, size,
                                                          True)[0]
    outs = linear_solve_p.bind(*vals, matvec=bmv, solve=bsv, transpose_solve=btv,
                               counts=counts, num_aux=num_aux)
    return outs, [0] * len(outs)


jvp_rules[linear_solve_p] = _linear_solve_jvp
transpose_rules[linear_solve_p] = _linear_solve_transpose
batching_rules[linear_solve_p] = _linear_solve_batch
linear_solve_p.linear = True  # in b; the transpose rule rejects linear captured values

# ---------------------------------------------------------------------------------------
# The public functions


def _flat_fun(fn: str, what: str, fun, tree, expect_tree=None, has_aux: bool = False,
              same_shapes: bool = False):
    """``fun`` on flat leaves, checking that it returns ``tree`` (``expect_tree``) and, with
    ``same_shapes``, leaves shaped like its inputs (a linear solve's x and A x are shaped
    like b; a wrong shape would otherwise flow into the result)."""
    aux_tree = []

    def flat(*leaves):
        out = fun(tree_unflatten(tree, leaves))
        aux = ()
        if has_aux:
            if not (isinstance(out, (tuple, list)) and len(out) == 2):
                raise TypeError(f"lax.{fn}: with has_aux=True, {what} must return a pair "
                                "(solution, aux).")
            out, aux = out
        out_leaves, out_tree = tree_flatten(out)
        want = tree if expect_tree is None else expect_tree
        if out_tree != want:
            raise TypeError(f"lax.{fn}: {what} returned a {out_tree}, but a {want} is needed "
                            "(the structure of b).")
        if same_shapes:
            _check_shapes(fn, what, out_leaves, leaves)
        aux_leaves, t = tree_flatten(aux)
        aux_tree.append(t)
        return out_leaves + [stop_gradient(a) for a in aux_leaves]

    return flat, aux_tree


def _check_shapes(fn: str, what: str, out_leaves, in_leaves) -> None:
    got = [tuple(get_aval(v).shape) for v in out_leaves]
    want = [tuple(get_aval(v).shape) for v in in_leaves]
    if got != want:
        raise ValueError(f"lax.{fn}: {what} returned shapes {got}, but b has shapes {want}; "
                         f"{what} must return values shaped like b.")


def custom_linear_solve(matvec: Callable, b: Any, solve: Callable,
                        transpose_solve: Callable | None = None, symmetric=False,
                        has_aux=False) -> Any:
    """Solve ``matvec(x) = b`` with ``solve``, differentiating through the solution only.

    Args:
        matvec: a linear function ``x -> A x`` (pytrees shaped like ``b``); the values it
            captures may be differentiated (``dx = A^-1 (db - dA x)``).
        b: the right-hand side (a pytree of arrays).
        solve: ``solve(matvec, b) -> x`` (any method: iterations are not differentiated).
        transpose_solve: ``transpose_solve(vecmat, b) -> x`` solving with ``A^T``; needed
            for reverse mode unless ``symmetric``.
        symmetric: ``A`` is symmetric: ``solve`` also serves as ``transpose_solve``.
        has_aux: ``solve`` returns ``(x, aux)``; ``aux`` is returned, not differentiated.

    Returns:
        ``x`` (and ``aux`` with ``has_aux``).

    Example:
        >>> import numpy as np, fungrad.numpy as fnp
        >>> a = np.array([[2.0, 1.0], [1.0, 3.0]])
        >>> x = custom_linear_solve(lambda v: a @ v, np.array([1.0, 2.0]),
        ...                         lambda mv, r: fnp.linalg.solve(a, r), symmetric=True)
        >>> np.round(x, 3)
        array([0.2, 0.6])
    """
    b_leaves, b_tree = tree_flatten(b)
    avals = [get_aval(v).update(weak_type=False) for v in b_leaves]
    mv_flat, _ = _flat_fun("custom_linear_solve", "matvec", matvec, b_tree, same_shapes=True)
    mv_ir, m_consts = stage_closed(mv_flat, avals, "matvec", transform_name="linear_solve")
    sv_flat, aux_tree = _flat_fun("custom_linear_solve", "solve", lambda r: solve(matvec, r),
                                  b_tree, has_aux=has_aux, same_shapes=True)
    sv_ir, s_consts = stage_closed(sv_flat, avals, "solve", transform_name="linear_solve")
    num_aux = len(sv_ir.outvars) - len(b_leaves)
    if transpose_solve is None and symmetric:
        transpose_solve = solve
    tv_ir, t_consts = None, []
    if transpose_solve is not None:
        vecmat_ir = pe.transpose_ir(mv_ir, [False] * len(m_consts) + [True] * len(b_leaves))

        def vecmat(y):
            return tree_unflatten(b_tree, pe.call_ir(vecmat_ir, m_consts + tree_flatten(y)[0]))

        tv_flat, _ = _flat_fun("custom_linear_solve", "transpose_solve",
                               lambda r: transpose_solve(vecmat, r), b_tree, has_aux=has_aux,
                               same_shapes=True)
        tv_ir, t_consts = stage_closed(tv_flat, avals, "transpose_solve",
                                       transform_name="linear_solve")
        tv_ir = _drop_aux(tv_ir, len(tv_ir.outvars) - len(b_leaves))
    outs = linear_solve_p.bind(*m_consts, *s_consts, *t_consts, *b_leaves, matvec=mv_ir,
                               solve=sv_ir, transpose_solve=tv_ir,
                               counts=(len(m_consts), len(s_consts), len(t_consts)),
                               num_aux=num_aux)
    x = tree_unflatten(b_tree, outs[:len(b_leaves)])
    if has_aux:
        return x, tree_unflatten(aux_tree[0], outs[len(b_leaves):])
    return x


def custom_root(f: Callable, initial_guess: Any, solve: Callable, tangent_solve: Callable,
                has_aux=False) -> Any:
    """Find a root of ``f`` with ``solve``, differentiating implicitly through the root.

    Args:
        f: ``x -> residual`` (pytrees shaped like ``initial_guess``); the values it captures
            (parameters) may be differentiated.
        initial_guess: the starting point (not differentiated).
        solve: ``solve(f, initial_guess) -> x`` with ``f(x) = 0`` (iterations are not
            differentiated).
        tangent_solve: ``tangent_solve(g, y) -> v`` solving the linear ``g(v) = y`` (``g``
            is ``f``'s Jacobian at the root, or its transpose in reverse mode); for
            scalars ``lambda g, y: y / g(1.0)``.
        has_aux: ``solve`` returns ``(x, aux)``; ``aux`` is returned, not differentiated.

    Example:
        >>> import fungrad as fg
        >>> from fungrad import lax
        >>> def sqrt_newton(a):
        ...     f = lambda x: x * x - a
        ...     newton = lambda f, x: lax.fori_loop(0, 30, lambda i, x: x - f(x) / (2 * x), x)
        ...     return lax.custom_root(f, 1.0, newton, lambda g, y: y / g(1.0))
        >>> round(float(fg.grad(sqrt_newton)(4.0)), 6)  # 1 / (2 sqrt(4))
        0.25
    """
    g_leaves, g_tree = tree_flatten(initial_guess)
    avals = [get_aval(v).update(weak_type=False) for v in g_leaves]
    f_flat, _ = _flat_fun("custom_root", "f", f, g_tree)
    f_ir, params = stage_closed(f_flat, avals, "f", transform_name="custom_root")

    def f_at(ps, x_leaves):
        return pe.call_ir(f_ir, list(ps) + list(x_leaves))

    def as_tree_fun(ps):
        return lambda x: tree_unflatten(g_tree, f_at(ps, tree_flatten(x)[0]))

    aux_tree = []

    def root(ps, guess):
        stopped = [stop_gradient(p) for p in ps]
        out = solve(as_tree_fun(stopped), tree_map(stop_gradient, guess))
        aux = ()
        if has_aux:
            out, aux = out
        if tree_structure(out) != g_tree:
            raise TypeError(f"lax.custom_root: solve returned a {tree_structure(out)}, but "
                            f"initial_guess is a {g_tree}.")
        aux_leaves, t = tree_flatten(aux)
        aux_tree.append(t)
        return tree_flatten(out)[0], [stop_gradient(a) for a in aux_leaves]

    rooted = custom_jvp(root)

    @rooted.defjvp
    def _root_jvp(primals, tangents):
        ps, guess = primals
        dps, _ = tangents
        x, aux = rooted(ps, guess)
        _, f_dot = jvp_flat(lambda *q: f_at(q, x), list(ps), list(dps), "custom_root f")
        rhs = tree_unflatten(g_tree, [neg(instantiate(t, v)) for t, v in zip(f_dot, x)])

        def jac_x(v):
            v_leaves = tree_flatten(v)[0]
            _, out = jvp_flat(lambda *y: f_at(ps, y), list(x), v_leaves, "custom_root f")
            return tree_unflatten(g_tree, [instantiate(t, y) for t, y in zip(out, x)])

        dx = custom_linear_solve(jac_x, rhs, tangent_solve, transpose_solve=tangent_solve)
        aux_t = [zeros_like_aval(get_aval(a).update(
            dtype=dtypes.tangent_dtype(get_aval(a).dtype))) for a in aux]
        return (x, aux), (tree_flatten(dx)[0], aux_t)

    x_leaves, aux_leaves = rooted(list(params), initial_guess)
    x = tree_unflatten(g_tree, x_leaves)
    if has_aux:
        return x, tree_unflatten(aux_tree[-1], aux_leaves)
    return x

