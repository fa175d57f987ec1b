"""Table rows: the inverse incomplete gamma behind fungrad.random.gamma (log_igamma_inv).

Differentiable once in the shape ``a`` (through igamma_grad_a, whose own ``a``-derivative
is not implemented, as in JAX), hence ``order=1``. JAX has no such primitive, so the rows
check against central differences, vmap and jit only.
"""

from fungrad.random.gamma_family import log_igamma_inv
from tests.tables.spec import Case, Pos

S = (3, 4)

CASES = [
    Case("random.log_igamma_inv", log_igamma_inv, [Pos(*S, low=0.3, high=8), Pos(*S, low=0.05,
                                                                                  high=0.95)],
         order=1),
    Case("random.log_igamma_inv_small_a", log_igamma_inv,
         [Pos(*S, low=0.02, high=0.2), Pos(*S, low=0.1, high=0.9)], order=1),
    Case("random.log_igamma_inv_large_a", log_igamma_inv,
         [Pos(*S, low=50, high=500), Pos(*S, low=0.01, high=0.99)], order=1),
]
