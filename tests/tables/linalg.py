"""Table rows: lax.linalg primitives and fungrad.numpy.linalg, on well-conditioned inputs.

Matrices are fixed (``Const``) so that they stay well conditioned: ``B @ B.T + n I`` for the
symmetric positive-definite ones, ``B + n I`` for general solves and determinants. Rows of
decompositions whose factors have a sign ambiguity (eigenvectors, singular vectors) compare
sign-free quantities with JAX.
"""

import numpy as np

import fungrad.numpy as fnp
from fungrad import lax as flax
from tests.tables.spec import A, Case, Const

_rng = np.random.default_rng(7)


def _general(*shape):
    """Random ``(..., n, n)`` plus ``n`` on the diagonal: comfortably invertible."""
    n = shape[-1]
    return _rng.uniform(-1, 1, shape) + n * np.eye(n)


def _spd(*shape):
    """Symmetric positive definite ``B B^T + n I`` with distinct eigenvalues."""
    b = _rng.uniform(-1, 1, shape)
    n = shape[-1]
    return b @ np.swapaxes(b, -1, -2) + n * np.eye(n) + np.diag(np.arange(n) * 0.7)


def _tri(*shape, lower=True):
    a = _general(*shape)
    return np.tril(a) if lower else np.triu(a)


def _mT(x):
    return flax.linalg.matrix_transpose(x)


G3, G3B, S3, S3B = _general(3, 3), _general(2, 3, 3), _spd(3, 3), _spd(2, 3, 3)
R43, R35 = _rng.uniform(-1, 1, (4, 3)), _rng.uniform(-1, 1, (3, 5))


def _linalg_case(suffix, fun, args, ref, **kw):
    return Case(f"fnp.linalg.{suffix}", fun, args, jax=lambda jnp, lax: ref(jnp.linalg), **kw)


def _ts_case(left, lower, transpose_a, unit):
    flags = dict(left_side=left, lower=lower, transpose_a=transpose_a, unit_diagonal=unit)
    name = "_".join(k for k, v in flags.items() if v) or "plain"
    b = A(2, 3, 2) if left else A(2, 2, 3)
    return Case(f"lax.triangular_solve_{name}",
                lambda a, b: flax.triangular_solve(a, b, **flags),
                [Const(_tri(2, 3, 3, lower=lower)), b],
                jax=lambda jnp, lax: lambda a, b: lax.linalg.triangular_solve(a, b, **flags))


CASES = [
    # lax.linalg primitives (impls read one triangle; their JVPs differentiate exactly that)
    Case("lax.cholesky", flax.cholesky, [Const(S3B)]),
    Case("lax.cholesky_sym", lambda a: flax.cholesky(flax.add(a, _mT(a))), [Const(S3)],
         jax=lambda jnp, lax: lambda a: lax.linalg.cholesky(a + a.T)),
    *[_ts_case(left, lower, tr, unit) for left, lower, tr, unit in [
        (True, True, False, False), (True, False, True, False), (False, True, False, True),
        (False, False, True, True)]],
    Case("lax.solve", flax.solve, [Const(G3B), A(2, 3, 2)],
         jax=lambda jnp, lax: jnp.linalg.solve),
    Case("lax.slogdet", lambda a: flax.slogdet(a)[1], [Const(G3B)],
         jax=lambda jnp, lax: lambda a: jnp.linalg.slogdet(a)[1]),
    Case("lax.eigh", lambda a: tuple(flax.eigh(a)), [Const(S3B)]),
    Case("lax.svd", lambda a: tuple(flax.svd(a)), [Const(R43)]),
    Case("lax.svd_wide", lambda a: tuple(flax.svd(a)), [Const(R35)]),
    Case("lax.qr", lambda a: tuple(flax.qr(a)), [Const(R43)]),
    # fnp.linalg
    _linalg_case("inv", fnp.linalg.inv, [Const(G3)], lambda L: L.inv),
    _linalg_case("inv_batch", fnp.linalg.inv, [Const(G3B)], lambda L: L.inv),
    _linalg_case("solve_vec", fnp.linalg.solve, [Const(G3), A(3)], lambda L: L.solve),
    _linalg_case("solve_mat", fnp.linalg.solve, [Const(G3), A(3, 2)], lambda L: L.solve),
    _linalg_case("solve_bcast", fnp.linalg.solve, [Const(G3B), A(4, 1, 3, 2)],
                 lambda L: L.solve),
    _linalg_case("det", fnp.linalg.det, [Const(G3)], lambda L: L.det),
    _linalg_case("det_batch", fnp.linalg.det, [Const(G3B)], lambda L: L.det),
    _linalg_case("slogdet", lambda a: fnp.linalg.slogdet(a).logabsdet, [Const(-G3B)],
                 lambda L: lambda a: L.slogdet(a).logabsdet),
    _linalg_case("slogdet_sign", lambda a: fnp.linalg.slogdet(a).sign, [Const(-G3B)],
                 lambda L: lambda a: L.slogdet(a).sign, diff=False),
    _linalg_case("cholesky", fnp.linalg.cholesky, [Const(S3)], lambda L: L.cholesky),
    _linalg_case("cholesky_batch", fnp.linalg.cholesky, [Const(S3B)], lambda L: L.cholesky),
    _linalg_case("cholesky_upper", lambda a: fnp.linalg.cholesky(a, upper=True), [Const(S3)],
                 lambda L: lambda a: L.cholesky(a, upper=True)),
    _linalg_case("eigvalsh", fnp.linalg.eigvalsh, [Const(S3B)], lambda L: L.eigvalsh),
    _linalg_case("eigh_vectors", lambda a: fnp.linalg.eigh(a).eigenvectors ** 2, [Const(S3)],
                 lambda L: lambda a: L.eigh(a).eigenvectors ** 2),
    _linalg_case("svdvals", lambda a: fnp.linalg.svd(a, compute_uv=False), [Const(R43)],
                 lambda L: lambda a: L.svd(a, compute_uv=False)),
    _linalg_case("svd_u", lambda a: fnp.linalg.svd(a, full_matrices=False).U ** 2,
                 [Const(R35)], lambda L: lambda a: L.svd(a, full_matrices=False).U ** 2),
    _linalg_case("svd_vh", lambda a: fnp.linalg.svd(a, full_matrices=False).Vh ** 2,
                 [Const(R43)], lambda L: lambda a: L.svd(a, full_matrices=False).Vh ** 2),
    _linalg_case("qr_q", lambda a: fnp.linalg.qr(a).Q, [Const(R43)],
                 lambda L: lambda a: L.qr(a).Q),
    _linalg_case("qr_r", lambda a: fnp.linalg.qr(a, mode="r"), [Const(R43)],
                 lambda L: lambda a: L.qr(a, mode="r")),
    # wide and complete QR: their derivatives raised NotImplementedError (JAX has them)
    _linalg_case("qr_wide", lambda a: tuple(fnp.linalg.qr(a)), [Const(R35)],
                 lambda L: lambda a: tuple(L.qr(a))),
    _linalg_case("qr_complete", lambda a: tuple(fnp.linalg.qr(a, mode="complete")),
                 [Const(R43)], lambda L: lambda a: tuple(L.qr(a, mode="complete"))),
    _linalg_case("qr_complete_wide", lambda a: tuple(fnp.linalg.qr(a, mode="complete")),
                 [Const(R35)], lambda L: lambda a: tuple(L.qr(a, mode="complete"))),
    # norms: vectors, matrices, axis and keepdims
    *[_linalg_case(f"norm_vec_{o}", lambda x, o=o: fnp.linalg.norm(x, o), [A(5)],
                   lambda L, o=o: lambda x: L.norm(x, o))
      for o in [None, 1, np.inf, 3]],
    _linalg_case("norm_vec_0", lambda x: fnp.linalg.norm(x, 0), [A(5)],
                 lambda L: lambda x: L.norm(x, 0), diff=False),
    *[_linalg_case(f"norm_mat_{o}", lambda x, o=o: fnp.linalg.norm(x, o), [Const(R43)],
                   lambda L, o=o: lambda x: L.norm(x, o))
      for o in ["fro", "nuc", 1, 2, -2, -np.inf]],
    _linalg_case("norm_axis_keepdims", lambda x: fnp.linalg.norm(x, axis=1, keepdims=True),
                 [A(3, 4, 2)], lambda L: lambda x: L.norm(x, axis=1, keepdims=True)),
    _linalg_case("norm_matrix_axes", lambda x: fnp.linalg.norm(x, 1, axis=(2, 0)),
                 [A(4, 2, 3)], lambda L: lambda x: L.norm(x, 1, axis=(2, 0))),
    _linalg_case("norm_flat", fnp.linalg.norm, [A(2, 3, 2)], lambda L: L.norm),
]
