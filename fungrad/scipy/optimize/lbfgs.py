"""L-BFGS (Nocedal and Wright, Algorithm 7.5) as jax.scipy.optimize's experimental method.

The direction comes from the two-loop recursion over the last `maxcor` pairs
``(s, y)`` (the newest last; unused slots are zeros, which add exact zeros, so both loops
run over every slot), scaled by ``gamma = <y, s> / <y, y>`` of the newest pair. Each
iteration then takes one `line_search` (first trial 1). The loop stops once converged
(``norm(grad) < gtol``) or failed; the status is checked after each step as JAX's:
5 line search failed, 1 ``k >= maxiter`` at the step's start (so `maxiter` + 1 steps
run), 2 and 3 the evaluation limits, 4 a decrease below `ftol`. Real arrays only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

import fungrad.numpy as fnp
from fungrad import lax
from fungrad.scipy.optimize.line_search import line_search
from fungrad.transforms.api import value_and_grad

__all__ = ["LBFGSState", "minimize_lbfgs"]


class LBFGSState(NamedTuple):
    """The loop carry, and what `minimize` reports from it."""

    converged: Any
    failed: Any
    k: Any
    nfev: Any
    x: Any
    value: Any
    grad: Any
    s_history: Any
    y_history: Any
    rho_history: Any
    gamma: Any
    status: Any


def _direction(state: LBFGSState) -> Any:
    """``-H g`` by the two-loop recursion."""
    slots = state.rho_history.shape[0]

    def newest_first(j, carry):
        q, alphas = carry
        i = slots - 1 - j
        alpha = state.rho_history[i] * fnp.dot(state.s_history[i], q)
        return q - alpha * state.y_history[i], alphas.at[i].set(alpha)

    q, alphas = lax.fori_loop(0, slots, newest_first,
                              (-state.grad, fnp.zeros_like(state.rho_history)))

    def oldest_first(i, q):
        beta = state.rho_history[i] * fnp.dot(state.y_history[i], q)
        return q + (alphas[i] - beta) * state.s_history[i]

    return lax.fori_loop(0, slots, oldest_first, state.gamma * q)


def _push(history: Any, new: Any) -> Any:
    return fnp.concatenate([history[1:], new[None]], axis=0)


def _ratio(num: Any, den: Any) -> Any:
    """``num / den`` with IEEE's inf and nan for a zero `den`, without a warning."""
    safe = fnp.where(den == 0.0, 1.0, den)
    return fnp.where(den != 0.0, num / safe,
                     fnp.where(num == 0.0, np.nan, fnp.where(num > 0.0, np.inf, -np.inf)))


def _finite_or_zero(rho: Any, dtype: Any) -> Any:
    """JAX keeps an infinite ``rho`` (``<y, s> = 0``), which turns the next direction to
    nan; 0 drops the pair instead, without the warnings that the lanes of a vmapped loop
    which have already stopped would raise (`minimize` stops on such a step anyway)."""
    return fnp.asarray(fnp.where(fnp.isfinite(rho), rho, 0.0), dtype=dtype)


def _status(state, found, value, maxiter, maxfun, maxgrad, ftol) -> Any:
    status = fnp.where(state.value - value < ftol, 4, 0)
    status = fnp.where(state.nfev >= maxgrad, 3, status)  # one gradient per evaluation
    status = fnp.where(state.nfev >= maxfun, 2, status)
    status = fnp.where(state.k >= maxiter, 1, status)
    return fnp.where(found.failed, 5, status)


def minimize_lbfgs(fun: Callable, x0: Any, maxiter: Any = None, norm: Any = np.inf,  # noqa: PLR0913
                   maxcor: int = 10, ftol: float = 2.220446049250313e-09, gtol: float = 1e-05,
                   maxfun: Any = None, maxgrad: Any = None, maxls: int = 20) -> LBFGSState:
    """Minimise `fun` from the 1-D real array `x0` by L-BFGS; the last state.

    Args:
      fun: the objective of one 1-D array.
      x0: the start.
      maxiter, maxfun, maxgrad: limits on iterations and on value and gradient evaluations
        (with none given, ``maxiter = 200 * x0.size``).
      norm: the ``ord`` of the gradient norm compared with `gtol`.
      maxcor: how many ``(s, y)`` pairs the recursion keeps.
      ftol: fail when one step lowers the value by less than this.
      gtol: converged when ``norm(grad) < gtol``.
      maxls: the most trials of each line search.

    Example:
        >>> import numpy as np
        >>> state = minimize_lbfgs(lambda x: ((x - 2.0) ** 2).sum(), np.zeros(2))
        >>> state.x.tolist(), int(state.k), int(state.status)
        ([2.0, 2.0], 1, 0)
    """
    d, dtype = x0.shape[0], x0.dtype
    if maxiter is None and maxfun is None and maxgrad is None:
        maxiter = 200 * d
    maxiter, maxfun, maxgrad = (np.inf if m is None else m for m in (maxiter, maxfun, maxgrad))
    value0, grad0 = value_and_grad(fun)(x0)
    start = LBFGSState(
        converged=fnp.asarray(False), failed=fnp.asarray(False), k=fnp.asarray(0),
        nfev=fnp.asarray(1), x=x0, value=fnp.asarray(value0, dtype=dtype),
        grad=fnp.asarray(grad0, dtype=dtype), s_history=fnp.zeros((maxcor, d), dtype=dtype),
        y_history=fnp.zeros((maxcor, d), dtype=dtype),
        rho_history=fnp.zeros((maxcor,), dtype=dtype), gamma=fnp.asarray(1.0, dtype=dtype),
        status=fnp.asarray(0),
    )

    def step(state: LBFGSState) -> LBFGSState:
        p = _direction(state)
        found = line_search(fun, state.x, p, state.value, state.grad, maxiter=maxls)
        s = found.stepsize * p
        y = found.grad - state.grad
        ys = fnp.dot(y, s)
        status = _status(state, found, found.value, maxiter, maxfun, maxgrad, ftol)
        converged = fnp.linalg.norm(found.grad, ord=norm) < gtol
        return LBFGSState(
            converged=converged, failed=(status > 0) & ~converged, k=state.k + 1,
            nfev=state.nfev + found.nfev, x=fnp.asarray(state.x + s, dtype=dtype),
            value=found.value, grad=found.grad, s_history=_push(state.s_history, s),
            y_history=_push(state.y_history, y),
            rho_history=_push(state.rho_history, _finite_or_zero(_ratio(1.0, ys), dtype)),
            gamma=fnp.asarray(_ratio(ys, fnp.dot(y, y)), dtype=dtype),
            status=fnp.where(converged, 0, status),
        )

    return lax.while_loop(lambda s: ~s.converged & ~s.failed, step, start)
