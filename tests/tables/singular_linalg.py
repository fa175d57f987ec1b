"""Table rows of linear algebra at singular matrices (issue 16).

The determinant is a polynomial, so central differences stay accurate at singular points:
these rows run check_grads to second order, besides the comparisons with JAX (whose
derivative there is the adjugate, e.g. ``[[4, -2], [-2, 1]]`` at ``[[1, 2], [2, 4]]``).
"""

import numpy as np

import fungrad.numpy as fnp
from tests.tables.spec import Case, Point

SINGULAR_2 = [[1.0, 2.0], [2.0, 4.0]]
RANK_2 = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]
RANK_1 = np.outer([1.0, 2.0, 3.0], [1.0, -1.0, 2.0]).tolist()

CASES = [
    Case("fnp.linalg.det_singular_2x2", fnp.linalg.det, [Point(SINGULAR_2)],
         jax=lambda jnp, lax: jnp.linalg.det),
    Case("fnp.linalg.det_rank2_3x3", fnp.linalg.det, [Point(RANK_2)],
         jax=lambda jnp, lax: jnp.linalg.det),
    Case("fnp.linalg.det_rank1_3x3", fnp.linalg.det, [Point(RANK_1)],
         jax=lambda jnp, lax: jnp.linalg.det),
    Case("fnp.linalg.det_singular_batch", fnp.linalg.det,
         [Point([SINGULAR_2, [[2.0, 1.0], [1.0, 3.0]], [[0.0, 1.0], [0.0, 0.0]]])],
         jax=lambda jnp, lax: jnp.linalg.det),
    # repeated singular values: the second derivatives went through the SVD's, which
    # divides by their differences (the Hessian of det at the identity was all nan); up to
    # 3 x 3 the adjugate is its cofactor polynomials, larger det(A) inv(A) where invertible
    Case("fnp.linalg.det_identity_3x3", fnp.linalg.det, [Point(np.eye(3))],
         jax=lambda jnp, lax: jnp.linalg.det),
    Case("fnp.linalg.det_zero_3x3", fnp.linalg.det, [Point(np.zeros((3, 3)))],
         jax=lambda jnp, lax: jnp.linalg.det),
    Case("fnp.linalg.det_identity_4x4", fnp.linalg.det, [Point(np.eye(4))],
         jax=lambda jnp, lax: jnp.linalg.det),
    Case("fnp.linalg.det_repeated_batch_4x4", fnp.linalg.det,
         [Point([np.diag([1.0, 1.0, 2.0, 3.0]), 2 * np.eye(4)])],
         jax=lambda jnp, lax: jnp.linalg.det),
    # a matrix that is not positive definite: NaNs in its lower triangle, zeros above, as
    # JAX; the batch's other matrices keep their factors (the whole batch was NaN)
    Case("fnp.linalg.cholesky_not_pd_batch", fnp.linalg.cholesky,
         [Point([[[4.0, 2.0, 1.0], [2.0, -3.0, 0.0], [1.0, 0.0, 2.0]], 4 * np.eye(3)])],
         jax=lambda jnp, lax: jnp.linalg.cholesky, order=0),
]
