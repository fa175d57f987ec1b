"""Iterative linear algebra used by optimizers (optax's top-level `power_iteration`,
`matrix_inverse_pth_root` and `nnls`).

The loops are `fungrad.lax` loops, so these run under `jit` (and `nnls`, a fixed number of
steps of a `scan`, is differentiable in `A` and `b`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import fungrad.numpy as fnp
from fungrad import lax, random
from fungrad.optim.tree_utils import tree_norm, tree_scale, tree_sub, tree_vdot
from fungrad.tree_util import tree_leaves

__all__ = ["power_iteration", "matrix_inverse_pth_root", "nnls"]


def _unit(tree: Any) -> Any:
    return tree_scale(1.0 / tree_norm(tree), tree)


def power_iteration(matrix: Any | Callable[[Any], Any], *, v0: Any = None,
                    num_iters: Any = 100, error_tolerance: Any = 1e-6,
                    precision: Any = lax.Precision.HIGHEST,
                    key: Any = None) -> tuple[Any, Any]:
    """The dominant eigenvalue and unit eigenvector of a symmetric matrix, by power iteration.

    Stops after `num_iters` products or once ``||M v - lambda v|| / |lambda|`` drops below
    `error_tolerance`.

    Args:
      matrix: a square array, or a function ``v -> M v`` over pytrees (then `v0` is needed).
      v0: the start vector (pytree); None: uniform in ``[-1, 1]`` drawn with `key`.
      num_iters: the most matrix-vector products.
      error_tolerance: the relative residual that counts as converged.
      precision: accepted for optax's signature; fungrad's matmul is always full precision.
      key: a `fungrad.random` key for the default `v0` (None: ``PRNGKey(0)``; fungrad's
        random bits differ from JAX's, so the default start differs from optax's).

    Returns:
      ``(eigenvalue, eigenvector)``.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> m = np.diag([1.0, 5.0, 2.0])
        >>> value, vector = optim.power_iteration(m, v0=np.ones(3))
        >>> round(float(value), 4), np.round(np.abs(vector), 3).tolist()
        (5.0, [0.0, 1.0, 0.0])
    """
    del precision
    if callable(matrix):
        mvp = matrix
        if v0 is None:
            raise ValueError("power_iteration: v0 must be given when matrix is a function "
                             "(v -> M v); pass a start vector of v's structure.")
    else:
        shape = fnp.shape(matrix)
        if len(shape) != 2 or shape[0] != shape[1]:
            raise ValueError(f"power_iteration: matrix must be square, got shape {shape}.")

        def mvp(v):
            return fnp.matmul(matrix, v)

        if v0 is None:
            key = random.PRNGKey(0) if key is None else key
            v0 = random.uniform(key, shape[-1:], fnp.result_type(matrix), -1.0, 1.0)
    v0 = _unit(v0)

    def keep_going(carry):
        unit, raw, value, it = carry
        residual = tree_norm(tree_sub(raw, tree_scale(value, unit)))
        # |residual / value| < tol, written without dividing by the first value (0)
        converged = fnp.abs(residual) < error_tolerance * fnp.abs(value)
        return fnp.logical_and(~converged, it < num_iters)

    def step(carry):
        _, raw, _, it = carry
        unit = _unit(raw)
        raw = mvp(unit)
        return unit, raw, tree_vdot(unit, raw), it + 1

    raw0 = mvp(v0)
    value0 = fnp.zeros((), fnp.result_type(*[fnp.result_type(x) for x in tree_leaves(raw0)]))
    _, raw, value, _ = lax.while_loop(keep_going, step, (v0, raw0, value0, np.int32(0)))
    return value, _unit(raw)


def matrix_inverse_pth_root(matrix: Any, p: Any, num_iters: Any = 100,
                            ridge_epsilon: Any = 1e-6, error_tolerance: Any = 1e-6,
                            precision: Any = lax.Precision.HIGHEST) -> tuple[Any, Any]:
    """``(M + eps I)^(-1/p)`` of a symmetric positive semi-definite matrix, by the coupled
    Newton iteration (as Shampoo uses); `p` is 1, 2, 4 or 8.

    The ridge is ``ridge_epsilon * max(lambda_max, 1e-16)`` (`lambda_max` from
    `power_iteration`). The iteration stops after `num_iters` steps, once the error
    ``max |M_k - I|`` is below `error_tolerance`, or when it grows (the last good iterate
    is returned then).

    Args:
      matrix: a square symmetric PSD matrix.
      p: the root (1, 2, 4 or 8).
      num_iters: the most iterations.
      ridge_epsilon: the relative ridge.
      error_tolerance: the error that counts as converged.
      precision: accepted for optax's signature.

    Returns:
      ``(root, error)``.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> root, err = optim.matrix_inverse_pth_root(np.diag([4.0, 16.0]), 2, ridge_epsilon=0.0)
        >>> np.round(root, 4).tolist()
        [[0.5, 0.0], [0.0, 0.25]]
    """
    del precision
    shape = fnp.shape(matrix)
    if len(shape) != 2 or shape[0] != shape[1]:
        raise ValueError(f"matrix_inverse_pth_root: matrix must be square, got shape {shape}.")
    if p not in (1, 2, 4, 8):
        raise ValueError(f"matrix_inverse_pth_root: p must be 1, 2, 4 or 8, got {p!r}.")
    size = shape[0]
    alpha = -1.0 / p
    eye = fnp.eye(size)
    max_ev, _ = power_iteration(matrix, num_iters=100, error_tolerance=1e-6)
    ridge = ridge_epsilon * fnp.maximum(max_ev, 1e-16)
    if size == 1:
        return (matrix + ridge) ** alpha, 0

    def power(m):  # m**p for p a power of two, by squaring
        for _ in range(int(round(np.log2(p)))):
            m = fnp.matmul(m, m)
        return m

    def keep_going(state):
        i, _, _, _, error, improving = state
        return fnp.logical_and(i < num_iters,
                               fnp.logical_and(error > error_tolerance, improving))

    def step(state):
        i, mat_m, mat_h, _, error, _ = state
        mixed = (1 - alpha) * eye + alpha * mat_m
        new_m = fnp.matmul(power(mixed), mat_m)
        new_h = fnp.matmul(mat_h, mixed)
        new_error = fnp.max(fnp.abs(new_m - eye))
        return i + 1, new_m, new_h, mat_h, new_error, new_error < error * 1.2

    damped = matrix + ridge * eye
    z = (1 + p) / (2 * fnp.linalg.norm(damped))
    m0 = damped * z
    h0 = eye * fnp.power(z, 1.0 / p)
    err0 = fnp.max(fnp.abs(m0 - eye))
    _, mat_m, mat_h, old_h, _, improving = lax.while_loop(
        keep_going, step, (np.int32(0), m0, h0, h0, err0, fnp.asarray(True)))
    error = fnp.max(fnp.abs(mat_m - eye))
    ok = fnp.asarray(improving, fnp.result_type(old_h))
    root = ok * mat_h + (1 - ok) * old_h
    return fnp.asarray(root, fnp.result_type(matrix)), error


def nnls(A: Any, b: Any, iters: int, unroll: int | bool = 1, L: Any = None) -> Any:  # noqa: N803
    """Non-negative least squares ``argmin_{x >= 0} ||A x - b||^2`` by `iters` steps of
    accelerated projected gradient (FISTA).

    Args:
      A: the ``(m, n)`` matrix.
      b: the ``(m,)`` target, or ``(m, k)`` for `k` problems at once.
      iters: the number of steps.
      unroll: the scan's unroll factor.
      L: a Lipschitz constant of the gradient (None: ``min(||A^T A||_F, ||A^T A||_1)``).

    Returns:
      ``x`` of shape ``(n,)`` (or ``(n, k)``).

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> A = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
        >>> np.round(optim.nnls(A, np.array([2.0, -1.0, 1.0]), iters=500), 4).tolist()
        [1.5, 0.0]
    """
    a_shape, b_shape = fnp.shape(A), fnp.shape(b)
    if len(a_shape) != 2 or len(b_shape) not in (1, 2) or b_shape[0] != a_shape[0]:
        raise ValueError(f"nnls: A must be (m, n) and b (m,) or (m, k); got A of shape "
                         f"{a_shape} and b of shape {b_shape}.")
    q_mat = fnp.matmul(fnp.swapaxes(A, 0, 1), A)
    q_vec = fnp.matmul(fnp.swapaxes(A, 0, 1), b)
    if L is None:
        L = fnp.minimum(fnp.linalg.norm(q_mat, "fro"), fnp.linalg.norm(q_mat, 1))  # noqa: N806
    L = fnp.where(L == 0, 1, L)  # noqa: N806

    def step(carry, _):
        x, y, t = carry
        t_next = (1 + fnp.sqrt(1 + 4 * t ** 2)) / 2
        momentum = (t - 1) / t_next
        x_next = fnp.clip(y - (fnp.matmul(q_mat, y) - q_vec) / L, 0)
        return (x_next, x_next + momentum * (x_next - x), t_next), None

    x0 = fnp.zeros(a_shape[-1:] + b_shape[1:], fnp.result_type(b))
    (x, _, _), _ = lax.scan(step, (x0, x0, fnp.asarray(0.0)), length=iters, unroll=unroll)
    return x
