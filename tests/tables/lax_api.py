"""Table rows: lax tier-1 API (issue 13): elementwise conveniences, *_in_dim slicing,
batch_matmul, conv/conv_transpose, associative_scan, map, top_k, reduce, custom_root and
custom_linear_solve.

fungrad's ``conv`` uses fungrad's channels-last default layout, so its JAX reference names
the dimension numbers (``conv_general_dilated``); ``conv_transpose`` defaults to
channels-last in both libraries.
"""

import numpy as np

import fungrad.numpy as fnp
from fungrad import lax as flax
from tests.tables.spec import A, Case, Pos

NHWC = ("NHWC", "HWIO", "NHWC")
NWC = ("NWC", "WIO", "NWC")
SPD = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])


def _affine(a, b):
    """Composition of affine maps x -> a0 x + a1 (associative, not commutative)."""
    return (a[0] * b[0], a[1] * b[0] + b[1])


def _tree_case(name, ours, theirs, args, **kw):
    """A row whose functions return pytrees: compared leaf by leaf (concatenated)."""
    return Case(name, lambda *xs: fnp.concatenate([fnp.ravel(y) for y in ours(*xs)]), args,
                jax=lambda jnp, lax: lambda *xs: jnp.concatenate(
                    [jnp.ravel(y) for y in theirs(jnp, lax)(*xs)]), **kw)


def _linear_solve(np_, lax, symmetric=False):
    def f(a, b):
        a = a + 3.0 * np_.eye(3)  # well conditioned

        def solve(mv, r):
            return np_.linalg.solve(a, r)

        def tsolve(vm, r):
            return np_.linalg.solve(a.T, r)

        return lax.custom_linear_solve(lambda x: a @ x, b, solve,
                                       None if symmetric else tsolve, symmetric=symmetric)

    return f


def _symmetric_solve(np_, lax):
    def f(s, b):  # s scales a fixed SPD matrix; conjugate-gradient-free direct solve
        a = SPD * s

        def solve(mv, r):
            return np_.linalg.solve(a, r)

        return lax.custom_linear_solve(lambda x: a @ x, b, solve, symmetric=True)

    return f


def _cube_root(np_, lax):
    def f(a):  # root of x^3 - a by 40 Newton steps from 1 (a in [0.5, 2])
        def newton(g, x):
            return lax.fori_loop(0, 40, lambda i, x: x - g(x) / (3.0 * x * x), x)

        return lax.custom_root(lambda x: x ** 3 - a, np_.ones_like(a), newton,
                               lambda g, y: y / g(np_.ones_like(y)))

    return f


CASES = [
    Case("lax.rsqrt", flax.rsqrt, [Pos(3, 4)], jax=lambda jnp, lax: lax.rsqrt),
    Case("lax.square", flax.square, [A(3, 4)], jax=lambda jnp, lax: lax.square),
    Case("lax.reciprocal", flax.reciprocal, [Pos(3, 4)], jax=lambda jnp, lax: lax.reciprocal),
    Case("lax.clamp", lambda lo, x, hi: flax.clamp(lo - 1.5, x, hi + 1.5),
         [A(3, 4), A(3, 4, low=-3, high=3), A(3, 4)],
         jax=lambda jnp, lax: lambda lo, x, hi: lax.clamp(lo - 1.5, x, hi + 1.5)),
    Case("lax.clamp_scalar_bounds", lambda x: flax.clamp(-0.5, x, 0.7), [A(3, 4)],
         jax=lambda jnp, lax: lambda x: lax.clamp(-0.5, x, 0.7)),
    Case("lax.select", lambda x, y: flax.select(x > y, x * y, x - y), [A(3, 4), A(3, 4)],
         jax=lambda jnp, lax: lambda x, y: lax.select(x > y, x * y, x - y)),
    Case("lax.full_like", lambda x: flax.full_like(x, 2.0) * x, [A(2, 3)],
         jax=lambda jnp, lax: lambda x: lax.full_like(x, 2.0) * x),
    Case("lax.batch_matmul", flax.batch_matmul, [A(2, 3, 4), A(2, 4, 2)],
         jax=lambda jnp, lax: lax.batch_matmul),
    Case("lax.dynamic_slice_in_dim", lambda x: flax.dynamic_slice_in_dim(x, np.int32(-3), 2, 1),
         [A(3, 5)], jax=lambda jnp, lax: lambda x: lax.dynamic_slice_in_dim(
             x, np.int32(-3), 2, 1)),
    Case("lax.dynamic_update_slice_in_dim",
         lambda x, u: flax.dynamic_update_slice_in_dim(x, u, np.int32(1), 0), [A(4, 3), A(2, 3)],
         jax=lambda jnp, lax: lambda x, u: lax.dynamic_update_slice_in_dim(
             x, u, np.int32(1), 0)),
    Case("lax.dynamic_index_in_dim",
         lambda x: flax.dynamic_index_in_dim(x, np.int32(2), 1, keepdims=False), [A(3, 4)],
         jax=lambda jnp, lax: lambda x: lax.dynamic_index_in_dim(x, np.int32(2), 1,
                                                                  keepdims=False)),
    Case("lax.index_in_dim", lambda x: flax.index_in_dim(x, -1, 0), [A(3, 4)],
         jax=lambda jnp, lax: lambda x: lax.index_in_dim(x, -1, 0)),
    Case("lax.conv", lambda x, w: flax.conv(x, w, (1, 2), "SAME"), [A(1, 5, 6, 2), A(3, 3, 2, 3)],
         jax=lambda jnp, lax: lambda x, w: lax.conv_general_dilated(
             x, w, (1, 2), "SAME", dimension_numbers=NHWC)),
    Case("lax.conv_transpose_same",
         lambda x, w: flax.conv_transpose(x, w, (2, 2), "SAME"), [A(1, 3, 4, 2), A(3, 3, 2, 3)],
         jax=lambda jnp, lax: lambda x, w: lax.conv_transpose(x, w, (2, 2), "SAME")),
    Case("lax.conv_transpose_valid_kernel",
         lambda x, w: flax.conv_transpose(x, w, (3,), "VALID", dimension_numbers=NWC,
                                          transpose_kernel=True), [A(2, 4, 2), A(2, 3, 2)],
         jax=lambda jnp, lax: lambda x, w: lax.conv_transpose(
             x, w, (3,), "VALID", dimension_numbers=NWC, transpose_kernel=True)),
    Case("lax.associative_scan_add", lambda x: flax.associative_scan(flax.add, x, axis=1),
         [A(3, 7)], jax=lambda jnp, lax: lambda x: lax.associative_scan(lax.add, x, axis=1)),
    _tree_case("lax.associative_scan_affine",
               lambda a, b: flax.associative_scan(_affine, (a, b)),
               lambda jnp, lax: lambda a, b: lax.associative_scan(_affine, (a, b)),
               [A(6, 2, low=0.5, high=1.5), A(6, 2)]),
    _tree_case("lax.associative_scan_reverse",
               lambda a, b: flax.associative_scan(_affine, (a, b), reverse=True),
               lambda jnp, lax: lambda a, b: lax.associative_scan(_affine, (a, b), reverse=True),
               [A(5, low=0.5, high=1.5), A(5)]),
    Case("lax.map", lambda x: flax.map(lambda v: fnp.sin(v) * v.sum(), x), [A(4, 3)],
         jax=lambda jnp, lax: lambda x: lax.map(lambda v: jnp.sin(v) * v.sum(), x)),
    Case("lax.map_batch_size",
         lambda x: flax.map(lambda v: fnp.sin(v) * v.sum(), x, batch_size=3), [A(5, 3)],
         jax=lambda jnp, lax: lambda x: lax.map(lambda v: jnp.sin(v) * v.sum(), x,
                                                batch_size=3)),
    Case("lax.top_k_values", lambda x: flax.top_k(x, 3)[0], [A(3, 5)],
         jax=lambda jnp, lax: lambda x: lax.top_k(x, 3)[0]),
    Case("lax.top_k_indices", lambda x: flax.top_k(x, 2, axis=0)[1], [A(4, 3)], diff=False,
         jax=lambda jnp, lax: lambda x: lax.top_k(x, 2, axis=0)[1]),
    Case("lax.reduce_add", lambda x: flax.reduce(x, 0.0, flax.add, (0, 2)), [A(2, 3, 4)],
         jax=lambda jnp, lax: lambda x: lax.reduce(x, 0.0, lax.add, (0, 2))),
    Case("lax.reduce_max", lambda x: flax.reduce(x, -np.inf, flax.max, (1,)), [A(3, 4)],
         jax=lambda jnp, lax: lambda x: lax.reduce(x, -np.inf, lax.max, (1,))),
    Case("lax.reduce_mul_lambda", lambda x: flax.reduce(x, 1.0, lambda a, b: a * b, (1,)),
         [A(3, 4)], jax=lambda jnp, lax: lambda x: lax.reduce(x, 1.0, lax.mul, (1,))),
    Case("lax.reduce_tree_fallback", lambda x: flax.reduce(x, 0.5, flax.add, (0,)), [A(5, 2)],
         jax=lambda jnp, lax: lambda x: lax.reduce(x, 0.5, lax.add, (0,))),
    _tree_case("lax.reduce_pair",
               lambda x, y: flax.reduce((x, y), (0.0, 1.0),
                                        lambda a, b: (a[0] + b[0], a[1] * b[1]), (1,)),
               lambda jnp, lax: lambda x, y: lax.reduce(
                   (x, y), (0.0, 1.0), lambda a, b: (a[0] + b[0], a[1] * b[1]), (1,)),
               [A(3, 4), A(3, 4)]),
    Case("lax.custom_linear_solve", _linear_solve(fnp, flax), [A(3, 3), A(3)],
         jax=lambda jnp, lax: _linear_solve(jnp, lax)),
    Case("lax.custom_linear_solve_symmetric", _symmetric_solve(fnp, flax),
         [Pos(low=0.5, high=2.0), A(3)], jax=lambda jnp, lax: _symmetric_solve(jnp, lax)),
    Case("lax.custom_root", _cube_root(fnp, flax), [Pos(3)],
         jax=lambda jnp, lax: _cube_root(jnp, lax)),
    Case("lax.fori_loop_unroll",
         lambda x: flax.fori_loop(0, 3, lambda i, c: fnp.sin(c) * x, x, unroll=2), [A(3)],
         jax=lambda jnp, lax: lambda x: lax.fori_loop(0, 3, lambda i, c: jnp.sin(c) * x, x,
                                                      unroll=2)),
]
