"""Table rows of linear algebra at singular matrices (issue 16).

The determinant is a polynomial, so central differences stay accurate at singular points:
these rows run check_grads to second order, besides the comparisons with JAX (whose
derivative there is the adjugate, e.g. ``[[4, -2], [-2, 1]]`` at ``[[1, 2], [2, 4]]``).
"""

import numpy as np

import fungrad.numpy as fnp
from tests.tables.spec import FP_WARNINGS, Case, Point

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
    # (second derivatives go through the SVD's, which divides by the zero singular values
    # and discards the result: NumPy warns, so the row is tagged)
    Case("fnp.linalg.det_singular_batch", fnp.linalg.det,
         [Point([SINGULAR_2, [[2.0, 1.0], [1.0, 3.0]], [[0.0, 1.0], [0.0, 0.0]]])],
         jax=lambda jnp, lax: jnp.linalg.det, tags=(FP_WARNINGS,)),
]
