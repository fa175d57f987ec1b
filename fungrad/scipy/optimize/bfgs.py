"""BFGS (Nocedal and Wright, Algorithm 6.1) with the strong-Wolfe `line_search`.

Each iteration steps along ``p = -H g`` (``H`` the inverse Hessian estimate, first the
identity) by the line search's step ``a``, then updates
``H <- (I - rho s y^T) H (I - rho y s^T) + rho s s^T`` with ``s = a p``, ``y = g_new - g``,
``rho = 1 / <y, s>``, keeping ``H`` where ``rho`` is not finite. It stops when the gradient's
`norm` is below `gtol`, after `maxiter` iterations, or when a line search fails; the status
codes are jax.scipy.optimize's (0 converged, 1 max iterations, 3 zoom failed, 5 line-search
iterations spent, -1 otherwise). The loop is one `lax.while_loop`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

import fungrad.numpy as fnp
from fungrad import lax
from fungrad.scipy.optimize.line_search import line_search
from fungrad.transforms.api import value_and_grad

__all__ = ["BFGSState", "minimize_bfgs"]


class BFGSState(NamedTuple):
    """The loop carry, and what `minimize` reports from it."""

    converged: Any
    failed: Any
    k: Any
    nfev: Any
    x: Any
    value: Any
    grad: Any
    hess_inv: Any
    previous_value: Any
    line_search_status: Any


def _update_inverse_hessian(h: Any, s: Any, y: Any) -> Any:
    """The BFGS update of `h`, or `h` itself where ``1 / <y, s>`` is not finite."""
    ys = fnp.dot(y, s)
    rho = 1.0 / fnp.where(ys == 0.0, 1.0, ys)
    ok = (ys != 0.0) & fnp.isfinite(rho)
    rho = fnp.where(ok, rho, 0.0)
    w = fnp.eye(s.shape[0], dtype=h.dtype) - rho * fnp.outer(s, y)
    updated = fnp.matmul(fnp.matmul(w, h), w.T) + rho * fnp.outer(s, s)
    return fnp.where(ok, updated, h)


def _status(state: BFGSState, maxiter: Any) -> Any:
    return fnp.where(state.converged, 0, fnp.where(
        state.k == maxiter, 1, fnp.where(state.failed, 2 + state.line_search_status, -1)))


def minimize_bfgs(fun: Callable, x0: Any, maxiter: Any = None, norm: Any = np.inf,
                  gtol: Any = 1e-5, line_search_maxiter: int = 10) -> tuple[BFGSState, Any]:
    """Minimise `fun` from the 1-D real array `x0` by BFGS; the last state and the status.

    Args:
      fun: the objective of one 1-D array.
      x0: the start.
      maxiter: the most iterations (default ``200 * x0.size``).
      norm: the ``ord`` of the gradient norm compared with `gtol`.
      gtol: converged when ``norm(grad) < gtol``.
      line_search_maxiter: the most trials of each line search's Algorithm 3.5.

    Example:
        >>> import numpy as np
        >>> state, status = minimize_bfgs(lambda x: ((x - 2.0) ** 2).sum(), np.zeros(2))
        >>> state.x.tolist(), int(state.k), int(status)
        ([2.0, 2.0], 2, 0)
    """
    if maxiter is None:
        maxiter = 200 * int(np.size(x0))
    value0, grad0 = value_and_grad(fun)(x0)
    grad0 = fnp.asarray(grad0, dtype=x0.dtype)
    value0 = fnp.asarray(value0, dtype=x0.dtype)
    start = BFGSState(
        converged=fnp.linalg.norm(grad0, ord=norm) < gtol, failed=fnp.asarray(False),
        k=fnp.asarray(0), nfev=fnp.asarray(1), x=x0, value=value0, grad=grad0,
        hess_inv=fnp.eye(x0.shape[0], dtype=x0.dtype),
        previous_value=fnp.asarray(value0 + fnp.linalg.norm(grad0) / 2, dtype=x0.dtype),
        line_search_status=fnp.asarray(0),
    )

    def step(state: BFGSState) -> BFGSState:
        p = -fnp.matmul(state.hess_inv, state.grad)
        found = line_search(fun, state.x, p, state.value, state.grad, state.previous_value,
                            maxiter=line_search_maxiter)
        s = found.stepsize * p
        return BFGSState(
            converged=fnp.linalg.norm(found.grad, ord=norm) < gtol, failed=found.failed,
            k=state.k + 1, nfev=state.nfev + found.nfev, x=state.x + s, value=found.value,
            grad=found.grad,
            hess_inv=_update_inverse_hessian(state.hess_inv, s, found.grad - state.grad),
            previous_value=state.value, line_search_status=found.status,
        )

    end = lax.while_loop(lambda s: ~s.converged & ~s.failed & (s.k < maxiter), step, start)
    return end, _status(end, maxiter)
