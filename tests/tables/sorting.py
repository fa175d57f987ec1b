"""Table rows: sorting primitives, gather/scatter along an axis, and fnp.sort/argsort."""

import numpy as np

import fungrad.numpy as fnp
from fungrad import lax as flax
from tests.tables.spec import A, Case, Const

S = (3, 4)
# Ties (and a NaN-free mix of signs): sorts must be stable, so tangents of equal elements
# keep their order. Central differences average tied tangents, so these rows are compared
# with JAX only (modes=()).
TIES = np.array([[1.0, -2.0, 1.0, 0.5], [3.0, 3.0, 3.0, -1.0], [0.0, 2.0, -2.0, 2.0]])
IDX = np.array([[2, 0, 0, 1], [1, 1, 3, 0], [0, 3, 2, 2]])  # repeats: scatter accumulates
IDX_ROW = np.array([[3, 1, 1, 0, 2]])  # broadcast over rows, longer than the axis


def _jax_scatter_add(jnp, size):
    def scatter(y, idx):
        rows = np.arange(y.shape[0])[:, None]
        return jnp.zeros((y.shape[0], size), y.dtype).at[rows, np.broadcast_to(idx, y.shape)].add(y)

    return scatter


CASES = [
    *[Case(f"lax.sort_{d}", lambda x, d=d: flax.sort(x, d), [A(*S)],
           jax=lambda jnp, lax, d=d: lambda x: lax.sort(x, dimension=d)) for d in [0, 1, -1]],
    Case("lax.sort_size1", lambda x: flax.sort(x, 1), [A(2, 1, 3)],
         jax=lambda jnp, lax: lambda x: lax.sort(x, dimension=1)),
    Case("lax.sort_ties", lambda x: flax.sort(x, 1), [Const(TIES)], modes=(),
         jax=lambda jnp, lax: lambda x: lax.sort(x, dimension=1)),
    *[Case(f"lax.argsort_{d}", lambda x, d=d: flax.argsort(x, d), [arg], diff=False,
           jax=lambda jnp, lax, d=d: lambda x: jnp.argsort(x, axis=d, stable=True))
      for d in [0, 1] for arg in [Const(TIES)]],
    Case("lax.gather_along_axis", lambda x: flax.gather_along_axis(x, IDX, 1), [A(*S)],
         jax=lambda jnp, lax: lambda x: jnp.take_along_axis(x, IDX, 1)),
    Case("lax.gather_along_axis_0", lambda x: flax.gather_along_axis(x, IDX[:, :3], 0),
         [A(4, 3)], jax=lambda jnp, lax: lambda x: jnp.take_along_axis(x, IDX[:, :3], 0)),
    Case("lax.gather_along_axis_bcast", lambda x: flax.gather_along_axis(x, IDX_ROW, 1),
         [A(*S)], jax=lambda jnp, lax: lambda x: jnp.take_along_axis(x, IDX_ROW, 1)),
    Case("lax.scatter_add_along_axis", lambda y: flax.scatter_add_along_axis(y, IDX, 1, 5),
         [A(*S)], jax=lambda jnp, lax: lambda y: _jax_scatter_add(jnp, 5)(y, IDX)),
    Case("lax.scatter_add_along_axis_bcast",
         lambda y: flax.scatter_add_along_axis(y, IDX_ROW, 1, 4), [A(3, 5)],
         jax=lambda jnp, lax: lambda y: _jax_scatter_add(jnp, 4)(y, IDX_ROW)),
    # fnp
    *[Case(f"fnp.sort{suffix}", lambda x, kw=kw: fnp.sort(x, **kw), [A(*S)],
           jax=lambda jnp, lax, kw=kw: lambda x: jnp.sort(x, **kw))
      for suffix, kw in [("", {}), ("_axis0", {"axis": 0}), ("_none", {"axis": None}),
                         ("_desc", {"descending": True})]],
    Case("fnp.sort_ties_desc", lambda x: fnp.sort(x, descending=True), [Const(TIES)],
         modes=(), jax=lambda jnp, lax: lambda x: jnp.sort(x, descending=True)),
    *[Case(f"fnp.argsort{suffix}", lambda x, kw=kw: fnp.argsort(x, **kw), [Const(TIES)],
           diff=False, jax=lambda jnp, lax, kw=kw: lambda x: jnp.argsort(x, **kw))
      for suffix, kw in [("", {}), ("_axis0", {"axis": 0}), ("_none", {"axis": None}),
                         ("_desc", {"descending": True}),
                         ("_desc_axis0", {"axis": 0, "descending": True})]],
    Case("fnp.argsort_random", fnp.argsort, [A(2, 1, 5)], diff=False,
         jax=lambda jnp, lax: jnp.argsort),
]
