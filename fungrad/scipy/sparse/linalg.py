"""``fungrad.scipy.sparse.linalg``: ``cg``, ``gmres`` and ``bicgstab``, as in JAX.

Each solver runs its iterations in a `lax.while_loop` on the right-hand side raveled to
one vector (``b`` may be any pytree of arrays), and hands that loop to
`lax.custom_linear_solve` as both ``solve`` and ``transpose_solve``: derivatives flow
through the solution (``dx = A^-1 (db - dA x)``), never through the iterations, so
``grad`` in ``b`` and in the values ``A`` captures costs one more solve with ``A^T``.
The loops work under `jit` and `vmap`. As in JAX, ``info`` is None for ``cg`` and
``bicgstab``, and for ``gmres`` is 0, or -1 when the solution holds a NaN.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import fungrad.numpy as fnp
from fungrad import lax
from fungrad.flatten_util import ravel_pytree
from fungrad.scipy.linalg import solve_triangular
from fungrad.tree_util import tree_leaves, tree_map, tree_structure

__all__ = ["cg", "gmres", "bicgstab"]


def _operator(fn: str, arg: str, a) -> Callable:
    """``a`` as a function ``x -> a x``: a callable as it is, a square matrix by ``dot``."""
    if callable(a):
        return a
    m = fnp.asarray(a)
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise ValueError(f"fungrad.scipy.sparse.linalg.{fn}: `{arg}` must be a linear "
                         f"function or a square matrix, got shape {tuple(m.shape)}")
    return lambda x: fnp.dot(m, x)


def _flat_operator(op: Callable, unravel: Callable) -> Callable:
    """``op`` acting on the raveled vector of a pytree (and returning one)."""
    return lambda v: ravel_pytree(op(unravel(v)))[0]


def _inner(x, y):
    """``x^H y`` (conjugating ``x``), for raveled vectors."""
    return fnp.vdot(x, y)


def _ratio(num, den):
    """``num / den``, 0 where ``den`` is 0: there the iteration has converged or broken
    down (and, under ``vmap``, a finished lane keeps stepping), so the value is unused."""
    return fnp.where(den == 0, 0, num / fnp.where(den == 0, 1, den))


def _norm2(x):
    """``||x||^2``, real."""
    return fnp.real(fnp.vdot(x, x))


def _setup(fn: str, A, b, x0, M, maxiter):
    """The flat operators, ``b``, ``x0`` and the iteration limit, checked."""
    if x0 is None:
        x0 = tree_map(fnp.zeros_like, b)
    if tree_structure(x0) != tree_structure(b):
        raise ValueError(f"fungrad.scipy.sparse.linalg.{fn}: `x0` and `b` must have the same "
                         f"tree structure, got {tree_structure(x0)} and {tree_structure(b)}")
    shapes = [tuple(np.shape(v)) for v in tree_leaves(b)]
    x0_shapes = [tuple(np.shape(v)) for v in tree_leaves(x0)]
    if shapes != x0_shapes:
        raise ValueError(f"fungrad.scipy.sparse.linalg.{fn}: the arrays of `x0` and `b` must "
                         f"have the same shapes, got {x0_shapes} and {shapes}")
    size = int(sum(np.prod(s, dtype=int) for s in shapes))
    if maxiter is None:
        maxiter = 10 * size  # SciPy's (and JAX's) default
    a_op = _operator(fn, "A", A)
    m_op = (lambda x: x) if M is None else _operator(fn, "M", M)
    return a_op, m_op, x0, maxiter, size


def _isolve(fn: str, loop: Callable, A, b, x0, M, maxiter, symmetric: bool):
    """Run ``loop(A_flat, M_flat, b_flat, x0_flat)`` inside `custom_linear_solve`."""
    a_op, m_op, x0, maxiter, _ = _setup(fn, A, b, x0, M, maxiter)

    def solve(matvec, rhs):
        flat_b, unravel = ravel_pytree(rhs)
        flat_x0 = ravel_pytree(x0)[0].astype(flat_b.dtype)
        x = loop(_flat_operator(matvec, unravel), _flat_operator(m_op, unravel), flat_b,
                 flat_x0, maxiter)
        return unravel(x)

    return lax.custom_linear_solve(a_op, b, solve=solve, transpose_solve=solve,
                                   symmetric=symmetric)


def _tolerance2(b, tol, atol):
    """The squared stopping threshold ``max(tol ||b||, atol)^2``."""
    return fnp.maximum(tol * tol * _norm2(b), atol * atol)


def _cg_loop(tol, atol):
    def loop(A, M, b, x0, maxiter):
        stop2 = _tolerance2(b, tol, atol)
        r = b - A(x0)
        z = M(r)
        init = (x0, r, z, fnp.real(_inner(r, z)).astype(b.dtype), 0)

        def going(state):
            _, r, _, _, k = state
            return (_norm2(r) > stop2) & (k < maxiter)

        def step(state):
            x, r, p, rz, k = state
            ap = A(p)
            alpha = _ratio(rz, fnp.real(_inner(p, ap)).astype(b.dtype))
            x = x + alpha * p
            r = r - alpha * ap
            z = M(r)
            rz_next = fnp.real(_inner(r, z)).astype(b.dtype)
            return x, r, z + _ratio(rz_next, rz) * p, rz_next, k + 1

        return lax.while_loop(going, step, init)[0]
    return loop


def cg(A, b, x0=None, *, tol=1e-5, atol=0.0, maxiter=None, M=None) -> tuple[Any, None]:
    """Solve ``A x = b`` by conjugate gradients, for a Hermitian positive-definite ``A``.

    Args:
        A: a square matrix, or a linear function ``x -> A x`` on pytrees shaped like ``b``.
        b: the right-hand side (a pytree of arrays).
        x0: the starting guess (zeros by default), shaped like ``b``.
        tol, atol: stop once ``norm(b - A x) <= max(tol * norm(b), atol)``.
        maxiter: the most iterations (10 times ``b``'s size by default).
        M: a preconditioner approximating ``A^-1`` (a matrix or a linear function).
    Returns:
        ``(x, None)``; ``x`` is differentiable in ``b`` and in what ``A`` captures.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy.sparse.linalg import cg
        >>> x, info = cg(np.array([[4.0, 1.0], [1.0, 3.0]]), np.array([1.0, 2.0]))
        >>> np.round(x, 4).tolist(), info
        ([0.0909, 0.6364], None)
    """
    real = all(not np.iscomplexobj(v) and fnp.asarray(v).dtype.kind != "c"
               for v in tree_leaves(b))
    return _isolve("cg", _cg_loop(tol, atol), A, b, x0, M, maxiter, symmetric=real), None


def _bicgstab_loop(tol, atol):
    def loop(A, M, b, x0, maxiter):
        stop2 = _tolerance2(b, tol, atol)
        r = b - A(x0)
        one = fnp.ones((), b.dtype)
        # state: x, r, the shadow residual, rho, alpha, omega, p, v, k (k < 0: breakdown)
        init = (x0, r, r, one, one, one, fnp.zeros_like(r), fnp.zeros_like(r), 0)

        def going(state):
            r, k = state[1], state[-1]
            return (_norm2(r) > stop2) & (k < maxiter) & (k >= 0)

        def step(state):
            x, r, shadow, rho, alpha, omega, p, v, k = state
            rho_next = _inner(shadow, r)
            p = r + _ratio(rho_next * alpha, rho * omega) * (p - omega * v)
            p_hat = M(p)
            v = A(p_hat)
            alpha = _ratio(rho_next, _inner(shadow, v))
            s = r - alpha * v
            half_done = _norm2(s) < stop2
            s_hat = M(s)
            t = A(s_hat)
            omega = _ratio(_inner(t, s), _inner(t, t))
            x = fnp.where(half_done, x + alpha * p_hat, x + alpha * p_hat + omega * s_hat)
            r = fnp.where(half_done, s, s - omega * t)
            broke = (rho_next == 0) | (alpha == 0) | (omega == 0)
            return x, r, shadow, rho_next, alpha, omega, p, v, fnp.where(broke, -1, k + 1)

        return lax.while_loop(going, step, init)[0]
    return loop


def bicgstab(A, b, x0=None, *, tol=1e-5, atol=0.0, maxiter=None, M=None) -> tuple[Any, None]:
    """Solve ``A x = b`` by BiCGSTAB (stabilized biconjugate gradients), for any square ``A``.

    Arguments as in :func:`cg`; the iteration also stops at a breakdown (a zero inner
    product). Returns ``(x, None)``.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy.sparse.linalg import bicgstab
        >>> x, _ = bicgstab(np.array([[3.0, 1.0], [-1.0, 2.0]]), np.array([1.0, 2.0]))
        >>> np.round(x, 4).tolist()
        [0.0, 1.0]
    """
    return _isolve("bicgstab", _bicgstab_loop(tol, atol), A, b, x0, M, maxiter,
                   symmetric=False), None


def _rotation(a, b):
    """``(c, s)`` with ``[[conj(c), s], [-s, c]] @ [a, b] = [r, 0]``, ``b`` real >= 0."""
    r = fnp.sqrt(fnp.abs(a) ** 2 + b * b)
    safe = fnp.where(r == 0, 1.0, r)
    return fnp.where(r == 0, 1.0, a / safe), fnp.where(r == 0, 0.0, b / safe)


def _rotate(x, y, c, s):
    return fnp.conj(c) * x + s * y, -s * x + c * y


def _arnoldi_step(A, M, state, restart: int):
    """One Arnoldi step (classical Gram-Schmidt, applied twice) and its Givens rotation."""
    basis, rt, cs, sn, g, j = state
    w = M(A(basis[j]))
    h = fnp.conj(basis) @ w
    w = w - basis.T @ h
    again = fnp.conj(basis) @ w  # the second pass restores orthogonality lost to rounding
    w, h = w - basis.T @ again, h + again
    size = fnp.sqrt(_norm2(w))
    basis = basis.at[j + 1].set(w / fnp.where(size == 0, 1.0, size))
    h = h.at[j + 1].set(size.astype(h.dtype))

    def earlier(i, col):
        x, y = _rotate(col[i], col[i + 1], cs[i], sn[i])
        keep = i < j
        return col.at[i].set(fnp.where(keep, x, col[i])).at[i + 1].set(
            fnp.where(keep, y, col[i + 1]))

    h = lax.fori_loop(0, restart, earlier, h)
    c, s = _rotation(h[j], fnp.real(h[j + 1]))
    h = h.at[j].set(fnp.conj(c) * h[j] + s * h[j + 1]).at[j + 1].set(0.0)
    gj, gj1 = _rotate(g[j], g[j + 1], c, s)
    return (basis, rt.at[:, j].set(h[:restart]), cs.at[j].set(c), sn.at[j].set(s),
            g.at[j].set(gj).at[j + 1].set(gj1), j + 1)


def _gmres_cycle(A, M, x, residual, ptol, restart: int):
    """One restart: at most ``restart`` Arnoldi steps from the preconditioned residual."""
    beta = fnp.sqrt(_norm2(residual))
    dtype = residual.dtype
    basis = fnp.zeros((restart + 1, residual.shape[0]), dtype)
    basis = basis.at[0].set(residual / fnp.where(beta == 0, 1.0, beta))
    g = fnp.zeros((restart + 1,), dtype).at[0].set(beta.astype(dtype))
    state = (basis, fnp.zeros((restart, restart), dtype), fnp.zeros((restart,), dtype),
             fnp.zeros((restart,), fnp.real(g).dtype), g, 0)

    def going(state):
        g, j = state[4], state[5]
        return (j < restart) & (fnp.abs(g[j]) > ptol)

    basis, rt, _, _, g, j = lax.while_loop(
        going, lambda s: _arnoldi_step(A, M, s, restart), state)
    used = fnp.arange(restart) < j
    # unused columns: a unit diagonal and a zero right-hand side give a zero coefficient
    rt = fnp.where(used[None, :] & used[:, None], rt, fnp.eye(restart, dtype=dtype))
    y = solve_triangular(rt, fnp.where(used, g[:restart], 0.0))
    return x + basis[:restart].T @ y


def _gmres_loop(tol, atol, restart: int):
    def loop(A, M, b, x0, maxiter):
        stop = fnp.maximum(tol * fnp.sqrt(_norm2(b)), atol)
        mb_norm = fnp.sqrt(_norm2(M(b)))
        ptol = mb_norm * fnp.minimum(1.0, _ratio(stop, fnp.sqrt(_norm2(b))))

        def going(state):
            _, residual, k = state
            return (k < maxiter) & (fnp.sqrt(_norm2(residual)) > stop)

        def step(state):
            x, residual, k = state
            x = _gmres_cycle(A, M, x, residual, ptol, restart)
            return x, M(b - A(x)), k + 1

        return lax.while_loop(going, step, (x0, M(b - A(x0)), 0))[0]
    return loop


def gmres(A, b, x0=None, *, tol=1e-5, atol=0.0, restart=20, maxiter=None, M=None,
          solve_method="batched") -> tuple[Any, Any]:
    """Solve ``A x = b`` by restarted GMRES, for any square ``A``.

    Args:
        A, b, x0, tol, atol, M: as in :func:`cg` (``M`` preconditions from the left,
            ``M A x = M b``, and the stopping test is on ``M``'s residual).
        restart: the Krylov dimension of one cycle (at most ``b``'s size).
        maxiter: the most restart cycles (10 times ``b``'s size by default).
        solve_method: 'batched' or 'incremental' (JAX's two ways to solve the small
            least-squares problem); both run the same Givens-rotation update here,
            which stops a cycle early once its residual estimate is small enough.
    Returns:
        ``(x, info)``: ``info`` is 0, or -1 when ``x`` holds a NaN.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy.sparse.linalg import gmres
        >>> x, info = gmres(np.array([[3.0, 1.0], [-1.0, 2.0]]), np.array([1.0, 2.0]))
        >>> np.round(x, 4).tolist(), int(info)
        ([0.0, 1.0], 0)
    """
    if solve_method not in ("batched", "incremental"):
        raise ValueError(f"fungrad.scipy.sparse.linalg.gmres: `solve_method` must be "
                         f"'batched' or 'incremental', got {solve_method!r}")
    size = int(sum(np.prod(np.shape(v), dtype=int) for v in tree_leaves(b)))
    loop = _gmres_loop(tol, atol, max(1, min(int(restart), size)))
    x = _isolve("gmres", loop, A, b, x0, M, maxiter, symmetric=False)
    failed = fnp.isnan(fnp.sqrt(_norm2(ravel_pytree(x)[0])))
    return x, fnp.where(failed, -1, 0)
