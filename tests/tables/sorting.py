"""Table rows: sorting primitives, the lax take_along_axis gather behind their JVPs, and
fnp.sort/argsort."""

import numpy as np

import fungrad.numpy as fnp
from fungrad import lax as flax
from fungrad.lax.gather_scatter import take_along_axis
from tests.tables.spec import A, Case, Const

S = (3, 4)
# Ties (and a NaN-free mix of signs): sorts must be stable, so tangents of equal elements
# keep their order. Central differences average tied tangents, so these rows are compared
# with JAX only (modes=()).
TIES = np.array([[1.0, -2.0, 1.0, 0.5], [3.0, 3.0, 3.0, -1.0], [0.0, 2.0, -2.0, 2.0]])
IDX = np.array([[2, 0, 0, 1], [1, 1, 3, 0], [0, 3, 2, 2]])  # repeats: cotangents accumulate
IDX_ROW = np.array([[3, 1, 1, 0, 2]])  # broadcast over rows, longer than the axis

CASES = [
    # sort_key_val: values follow the sorted keys; differentiable in both (keys' cotangent
    # through the sort, values' through the same permutation)
    *[Case(f"lax.sort_key_val_{d}", lambda k, v, d=d: flax.sort_key_val(k, v, d),
           [A(*S), A(*S)],
           jax=lambda jnp, lax, d=d: lambda k, v: lax.sort_key_val(k, v, d))
      for d in (0, 1)],
    *[Case(f"lax.sort_{d}", lambda x, d=d: flax.sort(x, d), [A(*S)],
           jax=lambda jnp, lax, d=d: lambda x: lax.sort(x, dimension=d)) for d in [0, 1, -1]],
    Case("lax.sort_size1", lambda x: flax.sort(x, 1), [A(2, 1, 3)],
         jax=lambda jnp, lax: lambda x: lax.sort(x, dimension=1)),
    Case("lax.sort_ties", lambda x: flax.sort(x, 1), [Const(TIES)], modes=(),
         jax=lambda jnp, lax: lambda x: lax.sort(x, dimension=1)),
    *[Case(f"lax.argsort_{d}", lambda x, d=d: flax.argsort(x, d), [arg], diff=False,
           jax=lambda jnp, lax, d=d: lambda x: jnp.argsort(x, axis=d, stable=True))
      for d in [0, 1] for arg in [Const(TIES)]],
    # take_along_axis: one gather with iota indices on the other axes
    Case("lax.take_along_axis", lambda x: take_along_axis(x, IDX, 1), [A(*S)],
         jax=lambda jnp, lax: lambda x: jnp.take_along_axis(x, IDX, 1)),
    Case("lax.take_along_axis_0", lambda x: take_along_axis(x, IDX[:, :3], 0), [A(4, 3)],
         jax=lambda jnp, lax: lambda x: jnp.take_along_axis(x, IDX[:, :3], 0)),
    Case("lax.take_along_axis_bcast", lambda x: take_along_axis(x, IDX_ROW, 1), [A(*S)],
         jax=lambda jnp, lax: lambda x: jnp.take_along_axis(x, IDX_ROW, 1)),
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
