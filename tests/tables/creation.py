"""Table rows: iota/full (lax) and fungrad.numpy creation functions.

Creation from static sizes has no float inputs: such rows compare values only
(``diff=False``) or use the created array inside a differentiable expression.
"""

import numpy as np

import fungrad.numpy as fnp
from fungrad import lax as flax
from tests.tables.shape import _joined
from tests.tables.spec import A, Case

S = (3, 4)

LAX_CASES = [
    Case("lax.broadcasted_iota", lambda x: x * flax.broadcasted_iota(np.float64, S, 1), [A(*S)],
         jax=lambda jnp, lax: lambda x: x * lax.broadcasted_iota(np.float64, S, 1)),
    Case("lax.iota_int32", lambda: flax.iota(np.int32, 5), [],
         jax=lambda jnp, lax: lambda: lax.iota(np.int32, 5), diff=False),
    Case("lax.full", lambda v: flax.full(S, v), [A()],
         jax=lambda jnp, lax: lambda v: lax.full(S, v)),
    Case("lax.full_f32", lambda: flax.full(S, 2, np.float32), [],
         jax=lambda jnp, lax: lambda: lax.full(S, 2, np.float32), diff=False),
]

_STATIC_CREATION = [
    ("arange", lambda m: m.arange(5)),
    ("arange_step", lambda m: m.arange(1, 8, 3)),
    ("arange_float", lambda m: m.arange(0.5, 3.0, 0.5)),
    ("arange_dtype", lambda m: m.arange(4, dtype=np.float32)),
    ("linspace_int", lambda m: m.linspace(0, 10, 7, dtype=int)),
    ("linspace_one", lambda m: m.linspace(2.0, 3.0, 1)),
    ("linspace_empty", lambda m: m.linspace(2.0, 3.0, 0)),
    ("eye", lambda m: m.eye(3, 4, 1)),
    ("eye_int", lambda m: m.eye(3, dtype=int)),
    ("identity", lambda m: m.identity(3)),
    ("tri", lambda m: m.tri(3, 4, -1, dtype=np.float64)),
]

FNP_CASES = [
    *[Case(f"fnp.{name}", lambda make=make: make(fnp), [],
           jax=lambda jnp, lax, make=make: lambda: make(jnp), diff=False)
      for name, make in _STATIC_CREATION],
    Case("fnp.arange_in_expr", lambda x: x * fnp.arange(4.0), [A(*S)],
         jax=lambda jnp, lax: lambda x: x * jnp.arange(4.0)),
    Case("fnp.eye_in_expr", lambda x: x * fnp.eye(3, 4, k=-1), [A(*S)],
         jax=lambda jnp, lax: lambda x: x * jnp.eye(3, 4, k=-1)),
    Case("fnp.tri_in_expr", lambda x: x * fnp.tri(3, 4, 1), [A(*S)],
         jax=lambda jnp, lax: lambda x: x * jnp.tri(3, 4, 1)),
    Case("fnp.linspace", lambda a, b: fnp.linspace(a, b, 5), [A(), A()],
         jax=lambda jnp, lax: lambda a, b: jnp.linspace(a, b, 5)),
    Case("fnp.linspace_bcast_axis", lambda a, b: fnp.linspace(a, b, 4, axis=-1),
         [A(3, 1), A(2)], jax=lambda jnp, lax: lambda a, b: jnp.linspace(a, b, 4, axis=-1)),
    Case("fnp.linspace_no_endpoint", lambda a, b: fnp.linspace(a, b, 6, endpoint=False),
         [A(2), A()], jax=lambda jnp, lax: lambda a, b: jnp.linspace(a, b, 6, endpoint=False)),
    Case("fnp.linspace_retstep",
         lambda a, b: _joined(fnp.linspace(a, b, 5, retstep=True), fnp), [A(), A(2)],
         jax=lambda jnp, lax: lambda a, b: _joined(jnp.linspace(a, b, 5, retstep=True), jnp)),
    Case("fnp.meshgrid", lambda a, b: _joined(fnp.meshgrid(a, b), fnp), [A(3), A(4)],
         jax=lambda jnp, lax: lambda a, b: _joined(jnp.meshgrid(a, b), jnp)),
    Case("fnp.meshgrid_ij", lambda a, b, c: _joined(fnp.meshgrid(a, b, c, indexing="ij"), fnp),
         [A(3), A(4), A(2)],
         jax=lambda jnp, lax: lambda a, b, c: _joined(jnp.meshgrid(a, b, c, indexing="ij"),
                                                      jnp)),
    Case("fnp.meshgrid_sparse_xy",
         lambda a, b, c: _joined(fnp.meshgrid(a, b, c, sparse=True), fnp), [A(3), A(2), A(4)],
         jax=lambda jnp, lax: lambda a, b, c: _joined(jnp.meshgrid(a, b, c, sparse=True), jnp)),
]

CASES = LAX_CASES + FNP_CASES
