"""``fungrad.scipy.sparse``: iterative linear solvers (``linalg``), as ``jax.scipy.sparse``.

As in JAX there are no sparse array types here: the solvers take a matrix or a linear
function ``x -> A x``.
"""

from fungrad.scipy.sparse import linalg  # noqa: F401
