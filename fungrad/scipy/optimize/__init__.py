"""``fungrad.scipy.optimize``: ``minimize`` and ``OptimizeResults``, as ``jax.scipy.optimize``.

``minimize(fun, x0, method="BFGS")`` runs BFGS with a strong-Wolfe line search, both
written with `lax.while_loop`, so it runs eagerly, under `jit` and under `vmap` (over `x0`
or `args`). The algorithm, its counters and its status codes follow jax.scipy.optimize
0.10.2 step for step (`bfgs`, `line_search`); ``"l-bfgs-experimental-do-not-rely-on-this"``
is JAX's experimental L-BFGS (`lbfgs`). Gradients come from `fungrad.value_and_grad`.

As in JAX, `x0` must be 1-D (ravel a pytree with `fungrad.flatten_util.ravel_pytree`) and
`tol` is accepted but not used: pass ``options={"gtol": ...}``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import numpy as np

import fungrad.numpy as fnp
from fungrad.dtypes import is_floating
from fungrad.errors import ShapeError
from fungrad.scipy.optimize.bfgs import minimize_bfgs
from fungrad.scipy.optimize.lbfgs import minimize_lbfgs

__all__ = ["OptimizeResults", "minimize"]

NAME = "fungrad.scipy.optimize.minimize"
_OPTIONS = {
    "bfgs": ("maxiter", "norm", "gtol", "line_search_maxiter"),
    "l-bfgs-experimental-do-not-rely-on-this": (
        "maxiter", "norm", "maxcor", "ftol", "gtol", "maxfun", "maxgrad", "maxls"),
}


class OptimizeResults(NamedTuple):
    """What `minimize` found, in jax.scipy.optimize's fields.

    Fields:
      x: the last point. success: converged and no line search failed.
      status: 0 converged; BFGS: 1 max iterations, 3 zoom failed, 5 line-search
        iterations spent, -1 otherwise; L-BFGS: 1 max iterations, 2/3 evaluation limits,
        4 too small a decrease, 5 line search failed.
      fun, jac: the value and gradient at `x`. hess_inv: BFGS's inverse Hessian estimate
        (None for L-BFGS, as JAX's). nfev, njev: value and gradient evaluations (equal:
        each is one ``value_and_grad``). nit: iterations.

    Example:
        >>> OptimizeResults._fields
        ('x', 'success', 'status', 'fun', 'jac', 'hess_inv', 'nfev', 'njev', 'nit')
    """

    x: Any
    success: Any
    status: Any
    fun: Any
    jac: Any
    hess_inv: Any
    nfev: Any
    njev: Any
    nit: Any


def _check_start(x0: Any) -> Any:
    x0 = fnp.asarray(x0)
    if x0.ndim != 1:
        error = IndexError if x0.ndim == 0 else ShapeError  # JAX's types (ShapeError: TypeError)
        raise error(
            f"{NAME}: x0 must be a 1-D array, got shape {tuple(x0.shape)}; pass a flat "
            "array: x0.ravel() (and reshape inside fun), or for a pytree "
            "fungrad.flatten_util.ravel_pytree(x0), which also returns the unravel function.")
    if not is_floating(x0.dtype):
        raise TypeError(
            f"{NAME}: x0 must be a real floating array, got dtype {np.dtype(x0.dtype).name} "
            f"(shape {tuple(x0.shape)}); pass x0.astype(float) (or float32).")
    return x0


def _check_options(method: str, options: Mapping[str, Any]) -> None:
    known = _OPTIONS[method]
    unknown = sorted(k for k in options if k not in known)
    if unknown:
        raise TypeError(f"{NAME}: method {method!r} takes no option(s) {unknown}; its "
                        f"options are {list(known)}.")


def minimize(fun: Callable, x0: Any, args: tuple = (), *, method: str, tol: float | None = None,
             options: Mapping[str, Any] | None = None) -> OptimizeResults:
    """Minimise the scalar ``fun(x, *args)`` over the 1-D array `x`, from `x0`.

    Args:
      fun: the objective, ``fun(x, *args) -> scalar``, differentiable by fungrad.
      x0: the start, a 1-D real floating array (its dtype is the computation's).
      args: a tuple of extra arguments for `fun`.
      method: ``"BFGS"`` or ``"l-bfgs-experimental-do-not-rely-on-this"`` (any case).
      tol: accepted and unused, as in jax.scipy.optimize; use ``options["gtol"]``.
      options: BFGS: ``maxiter`` (default ``200 * x0.size``), ``norm`` (the ``ord`` of the
        gradient norm, default inf), ``gtol`` (default 1e-5), ``line_search_maxiter``
        (default 10). L-BFGS: ``maxiter``, ``norm``, ``maxcor``, ``ftol``, ``gtol``,
        ``maxfun``, ``maxgrad``, ``maxls``.

    Returns:
      An `OptimizeResults`.

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> import fungrad.numpy as fnp
        >>> def rosenbrock(x, a):
        ...     return fnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (a - x[:-1]) ** 2)
        >>> r = fg.scipy.optimize.minimize(rosenbrock, np.zeros(5), (1.0,), method="BFGS")
        >>> np.round(r.x, 4).tolist(), bool(r.success), int(r.status), int(r.nit)
        ([1.0, 1.0, 1.0, 1.0, 1.0], True, 0, 36)
        >>> solve = fg.jit(lambda x0: minimize(rosenbrock, x0, (1.0,), method="bfgs").x)
        >>> np.round(solve(np.zeros(5)), 4).tolist()
        [1.0, 1.0, 1.0, 1.0, 1.0]
        >>> fg.vmap(lambda a: minimize(rosenbrock, np.zeros(5), (a,), method="BFGS").status)(
        ...     np.array([1.0, 0.5])).tolist()  # one run per a, in one loop
        [0, 0]
    """
    if not isinstance(args, tuple):
        raise TypeError(f"{NAME}: args must be a tuple, got {type(args).__name__} {args!r}; "
                        f"pass ({args!r},) for one argument.")
    if not isinstance(method, str) or method.lower() not in _OPTIONS:
        raise ValueError(f"{NAME}: method {method!r} is not supported; use 'BFGS' or "
                         "'l-bfgs-experimental-do-not-rely-on-this'.")
    method = method.lower()
    options = {} if options is None else dict(options)
    _check_options(method, options)
    x0 = _check_start(x0)

    def objective(x):
        return fun(x, *args)

    if method == "bfgs":
        end, status = minimize_bfgs(objective, x0, **options)
        hess_inv = end.hess_inv
    else:
        end = minimize_lbfgs(objective, x0, **options)
        status, hess_inv = end.status, None
    return OptimizeResults(x=end.x, success=end.converged & ~end.failed, status=fnp.asarray(status),
                           fun=end.value, jac=end.grad, hess_inv=hess_inv, nfev=end.nfev,
                           njev=end.nfev, nit=end.k)
