"""Table rows: fungrad.numpy.linalg's general-matrix functions and norms (eig, eigvals, pinv,
lstsq, matrix_power, matrix_rank, cond, multi_dot, vector_norm, matrix_norm).

Matrices are fixed (``Const``) and well conditioned, with distinct eigenvalues for eig.
Eigenvectors have an arbitrary phase (LAPACK's sign can flip under a tiny perturbation), so
their rows compare ``|v|^2``; JAX differentiates them with
``lax.linalg.eig(..., enable_eigvec_derivs=True)``. Rank-deficient pinv and lstsq rows skip
finite differences (a perturbation changes the rank) and compare derivatives with JAX's.
"""

import numpy as np

import fungrad.numpy as fnp
from tests.tables.spec import A, C, Case, Const, Int

_rng = np.random.default_rng(13)


def _uniform(*shape):
    return _rng.uniform(-1, 1, shape)


def _complex(*shape):
    return _uniform(*shape) + 1j * _uniform(*shape)


G3, G3B, GC3 = _uniform(3, 3) + 3 * np.eye(3), _uniform(2, 3, 3) + 3 * np.eye(3), _complex(3, 3)
R43, R35, C43 = _uniform(4, 3), _uniform(3, 5), _complex(4, 3)
ORTHO = 2 * np.linalg.qr(_uniform(3, 3))[0]  # three equal singular values
RANK2 = _uniform(4, 2) @ _uniform(2, 3)
SYM = G3 + G3.T
HERM = GC3 + GC3.conj().T


def _case(suffix, fun, args, **kw):
    """A row comparing ``fun(fnp.linalg)`` with ``fun(jnp.linalg)``."""
    return Case(f"fnp.linalg.{suffix}", fun(fnp.linalg), args,
                jax=lambda jnp, lax: fun(jnp.linalg), **kw)


def _eig_invariants(a):
    w, v = fnp.linalg.eig(a)
    return w, (v * v.conj()).real


def _jax_eig_invariants(lax):
    def fun(a):
        w, v = lax.linalg.eig(a, compute_left_eigenvectors=False, enable_eigvec_derivs=True)
        return w, (v * v.conj()).real

    return fun


CASES = [
    # eigenvalues and (phase-free) eigenvectors of general matrices
    _case("eigvals", lambda L: L.eigvals, [Const(G3)]),
    _case("eigvals_batch", lambda L: L.eigvals, [Const(G3B)]),
    _case("eigvals_complex", lambda L: L.eigvals, [Const(GC3)]),
    Case("fnp.linalg.eig", _eig_invariants, [Const(G3)],
         jax=lambda jnp, lax: _jax_eig_invariants(lax)),
    Case("fnp.linalg.eig_complex", _eig_invariants, [Const(GC3)],
         jax=lambda jnp, lax: _jax_eig_invariants(lax)),
    # pseudo-inverse: tall, wide, complex, batched, Hermitian, repeated singular values
    _case("pinv", lambda L: L.pinv, [Const(R43)]),
    _case("pinv_wide", lambda L: L.pinv, [Const(R35)]),
    _case("pinv_complex", lambda L: L.pinv, [Const(C43)]),
    _case("pinv_batch", lambda L: L.pinv, [Const(G3B)]),
    _case("pinv_hermitian", lambda L: lambda a: L.pinv(a, hermitian=True), [Const(SYM)]),
    _case("pinv_hermitian_complex", lambda L: lambda a: L.pinv(a, hermitian=True),
          [Const(HERM)]),
    _case("pinv_equal_singular_values", lambda L: L.pinv, [Const(ORTHO)]),
    _case("pinv_rank_deficient", lambda L: L.pinv, [Const(RANK2)], order=0),
    # least squares: the solution, residuals and singular values (the rank is an integer)
    _case("lstsq", lambda L: lambda a, b: _drop_rank(L.lstsq(a, b)), [Const(R43), A(4)]),
    _case("lstsq_matrix", lambda L: lambda a, b: _drop_rank(L.lstsq(a, b)),
          [Const(R43), A(4, 2)]),
    _case("lstsq_wide", lambda L: lambda a, b: L.lstsq(a, b)[0], [Const(R35), A(3)]),
    _case("lstsq_complex", lambda L: lambda a, b: _drop_rank(L.lstsq(a, b)),
          [Const(C43), C(4, 2)]),
    _case("lstsq_rank_deficient", lambda L: lambda a, b: L.lstsq(a, b)[0],
          [Const(RANK2), A(4)], order=0),
    _case("lstsq_rank", lambda L: lambda a, b: L.lstsq(a, b)[2], [Const(RANK2), A(4)],
          diff=False),
    # powers
    *[_case(f"matrix_power_{n}".replace("-", "neg"),
            lambda L, n=n: lambda a: L.matrix_power(a, n), [Const(G3B)])
      for n in (0, 1, 2, 3, 5, -1, -2)],
    _case("matrix_power_complex", lambda L: lambda a: L.matrix_power(a, 3), [Const(GC3)]),
    _case("matrix_power_int", lambda L: lambda a: L.matrix_power(a, 3), [Int(3, 3)],
          diff=False),
    # rank (integer results)
    _case("matrix_rank", lambda L: L.matrix_rank, [Const(RANK2)], diff=False),
    _case("matrix_rank_batch", lambda L: L.matrix_rank, [A(2, 3, 4)], diff=False),
    _case("matrix_rank_tol", lambda L: lambda a: L.matrix_rank(a, 0.5), [A(3, 4)],
          diff=False),
    _case("matrix_rank_vector", lambda L: L.matrix_rank, [A(3)], diff=False),
    # condition numbers
    *[_case(f"cond_{p}", lambda L, p=p: lambda a: L.cond(a, p), [Const(G3B)])
      for p in (None, -2, "fro", "nuc", 1, np.inf)],
    _case("cond_rectangular", lambda L: L.cond, [Const(R43)]),
    _case("cond_complex", lambda L: lambda a: L.cond(a, "fro"), [Const(GC3)]),
    # chains of products
    _case("multi_dot", lambda L: lambda *xs: L.multi_dot(xs), [A(2, 3), A(3, 4), A(4, 2)]),
    _case("multi_dot_vectors", lambda L: lambda *xs: L.multi_dot(list(xs)),
          [A(3), A(3, 4), A(4, 2), A(2, 5), A(5)]),
    _case("multi_dot_two", lambda L: lambda *xs: L.multi_dot(xs), [A(4), A(4, 3)]),
    _case("multi_dot_complex", lambda L: lambda *xs: L.multi_dot(xs),
          [C(2, 3), A(3, 4), C(4, 2)], tags=("holomorphic",)),
    # vector and matrix norms
    _case("vector_norm", lambda L: L.vector_norm, [A(3, 4)]),
    _case("vector_norm_axis", lambda L: lambda x: L.vector_norm(x, axis=1), [A(3, 4, 2)]),
    _case("vector_norm_axes_keepdims_1",
          lambda L: lambda x: L.vector_norm(x, axis=(0, 2), keepdims=True, ord=1),
          [A(3, 4, 2)]),
    _case("vector_norm_inf", lambda L: lambda x: L.vector_norm(x, axis=-1, ord=np.inf),
          [A(3, 5)]),
    _case("vector_norm_neg_inf", lambda L: lambda x: L.vector_norm(x, ord=-np.inf), [A(6)]),
    _case("vector_norm_3_complex", lambda L: lambda x: L.vector_norm(x, ord=3), [C(2, 3)]),
    _case("vector_norm_0", lambda L: lambda x: L.vector_norm(x, ord=0), [A(6)], diff=False),
    _case("matrix_norm", lambda L: L.matrix_norm, [A(2, 3, 4)]),
    _case("matrix_norm_nuc", lambda L: lambda x: L.matrix_norm(x, ord="nuc"), [Const(R43)]),
    _case("matrix_norm_2_keepdims", lambda L: lambda x: L.matrix_norm(x, ord=2, keepdims=True),
          [Const(R35)]),
    _case("matrix_norm_1_complex", lambda L: lambda x: L.matrix_norm(x, ord=1), [C(3, 4)]),
    _case("matrix_norm_fro_complex", lambda L: L.matrix_norm, [Const(C43)]),
]


def _drop_rank(result):
    x, resid, _, s = result
    return x, resid, s
