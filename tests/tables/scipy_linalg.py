"""Table rows: fungrad.scipy.linalg against jax.scipy.linalg.

Matrices are drawn and made well conditioned inside each row (``+ n I`` for general
matrices, ``b b^T + n I`` for positive-definite ones), so they are batched by vmap and
differentiated by check_grads. LU rows keep the drawn part small next to the diagonal
shift, so the pivots chosen stay the same under the finite-difference steps. Rows of
decompositions with sign ambiguities compare sign-free quantities.
"""

import numpy as np

import fungrad.numpy as fnp
from fungrad.array_module import constant_like
from fungrad.scipy import linalg as fsl
from tests.tables.spec import A, C, Case

N = 3


def _jsl(make):
    """A ``jax=`` reference built from ``(jax.scipy.linalg, jax.numpy)``: ``make(jsl, jnp)``."""

    def ref(jnp, lax):
        import jax.scipy.linalg as jsl

        return make(jsl, jnp)

    return ref


def _general(a):
    return a + N * np.eye(a.shape[-1])


def _spd(b):
    return b @ b.swapaxes(-1, -2) + N * np.eye(b.shape[-1])


# eigenvalues -1.3 (on sqrt's branch cut) and 2 +- 1i
_NEGATIVE = np.array([[-1.3, 0.0, 0.0], [0.0, 2.0, 1.0], [0.0, -1.0, 2.0]])


def _with_negative(b):
    """``_NEGATIVE`` moved a little by ``b`` (N = 3): one negative real eigenvalue stays."""
    return 0.1 * b + constant_like(_NEGATIVE, b)  # on b's device in the device column


def _row(name, fun, args, ref, **kw):
    return Case(f"scipy.linalg.{name}", fun(fsl, fnp), args, jax=_jsl(ref or fun), **kw)


def _tri_row(trans, lower, unit):
    def fun(sl, np_):
        return lambda a, b: sl.solve_triangular(_general(a), b, trans=trans, lower=lower,
                                                unit_diagonal=unit)

    return _row(f"solve_triangular_{trans}_{'lower' if lower else 'upper'}"
                f"{'_unit' if unit else ''}", fun, [A(N, N), A(N, 2)], None)


def _pivoted(a):
    """A matrix whose partial pivoting swaps rows, with clear winners at every step."""
    return 0.2 * a + np.array([[0.0, 3.0, 1.0], [4.0, 0.5, 0.0], [1.0, 0.0, 5.0]])


CASES = [
    _tri_row(0, True, False),
    _tri_row(1, False, False),
    _tri_row("C", True, True),
    _row("solve_triangular_vector", lambda sl, np_: lambda a, b: sl.solve_triangular(
        _general(a), b), [A(N, N), A(N)], None),
    # a 1-D b beside a batch of matrices: one vector for each, as JAX (it raised ShapeError)
    _row("solve_triangular_batch_vector", lambda sl, np_: lambda a, b: sl.solve_triangular(
        _general(a), b, lower=True), [A(2, N, N), A(N)], None),
    _row("lu_solve_batch_vector", lambda sl, np_: lambda a, b: sl.lu_solve(
        sl.lu_factor(_general(a)), b), [A(2, N, N), A(N)], None),
    _row("cholesky", lambda sl, np_: lambda b: sl.cholesky(_spd(b)), [A(N, N)], None),
    _row("cholesky_lower", lambda sl, np_: lambda b: sl.cholesky(_spd(b), lower=True),
         [A(N, N)], None),
    *[_row(f"cho_solve{'_lower' if lower else ''}", lambda sl, np_, lower=lower: (
        lambda b, rhs: sl.cho_solve(sl.cho_factor(_spd(b), lower=lower), rhs)),
        [A(N, N), A(N, 2)], None) for lower in (False, True)],
    _row("lu", lambda sl, np_: lambda a: sl.lu(_pivoted(a)), [A(N, N)], None),
    _row("lu_permute_l", lambda sl, np_: lambda a: sl.lu(_pivoted(a), permute_l=True),
         [A(N, N)], None),
    _row("lu_wide", lambda sl, np_: lambda a: sl.lu(0.2 * a + np.eye(N, N + 1)[::-1]),
         [A(N, N + 1)], None),
    _row("lu_factor", lambda sl, np_: lambda a: sl.lu_factor(_pivoted(a))[0], [A(N, N)], None),
    *[_row(f"lu_solve_{trans}", lambda sl, np_, trans=trans: (
        lambda a, b: sl.lu_solve(sl.lu_factor(_pivoted(a)), b, trans=trans)),
        [A(N, N), A(N, 2)], None) for trans in (0, 1, 2)],
    # p is real for a complex a (it was complex), as SciPy's and JAX's
    _row("lu_complex", lambda sl, np_: lambda a: sl.lu(_pivoted(a)), [C(N, N)], None),
    # empty matrices: empty results (fnp.stack of no pivots and max of no norms raised)
    _row("lu_empty", lambda sl, np_: sl.lu, [A(0, 0)], None),
    _row("lu_factor_empty", lambda sl, np_: sl.lu_factor, [A(0, 0)], None, diff=False),
    _row("expm_empty", lambda sl, np_: sl.expm, [A(2, 0, 0)], None),
    _row("expm", lambda sl, np_: sl.expm, [A(N, N, low=-1, high=1)], None),
    # a 1-norm of about 12: two squarings
    _row("expm_scaled", lambda sl, np_: lambda a: sl.expm(4 * a), [A(N, N, low=-1, high=1)],
         None, rtol=1e-9),
    # JAX's sqrtm (a Schur form) has no derivative: values only against JAX; derivatives
    # (through the fixed Denman-Beavers steps) by check_grads on the real part
    _row("sqrtm", lambda sl, np_: lambda b: sl.sqrtm(_spd(b)), [A(N, N)], None, diff=False),
    Case("scipy.linalg.sqrtm_derivative", lambda b: fnp.real(fsl.sqrtm(_spd(b))), [A(N, N)],
         order=1),
    # a negative real eigenvalue (-1.3) and a complex pair: Denman-Beavers runs on a
    # rotated matrix, and the root takes SciPy's and JAX's branch (+i sqrt(1.3))
    _row("sqrtm_negative_eigenvalue", lambda sl, np_: lambda b: sl.sqrtm(_with_negative(b)),
         [A(N, N)], None, diff=False),
    Case("scipy.linalg.sqrtm_negative_eigenvalue_derivative",
         lambda b: fnp.imag(fsl.sqrtm(_with_negative(b))), [A(N, N)], order=1),
    _row("block_diag", lambda sl, np_: lambda a, b, c: sl.block_diag(a, b, c),
         [A(2, 3), A(1, 2), A(2)], None),
    _row("det", lambda sl, np_: lambda a: sl.det(_general(a)), [A(N, N)], None),
    _row("inv", lambda sl, np_: lambda a: sl.inv(_general(a)), [A(N, N)], None),
    _row("solve", lambda sl, np_: lambda a, b: sl.solve(_general(a), b), [A(N, N), A(N, 2)],
         None),
    # a symmetric operand: JAX's derivative treats a triangle-only tangent as the whole
    # matrix's, fungrad's as the Hermitian matrix that triangle names
    _row("solve_pos_lower", lambda sl, np_: lambda a, b: sl.solve(
        _spd(a), b, assume_a="pos", lower=True), [A(N, N), A(N)], None),
    _row("eigh_values", lambda sl, np_: lambda b: sl.eigh(
        _spd(b) + np.diag([0.0, 1.0, 2.5]), eigvals_only=True), [A(N, N)], None),
    # |v_ij|^2 is free of each eigenvector's sign
    _row("eigh_vectors", lambda sl, np_: lambda b: sl.eigh(
        _spd(b) + np.diag([0.0, 1.0, 2.5]), lower=False)[1] ** 2, [A(N, N)], None),
    _row("svd_values", lambda sl, np_: lambda a: sl.svd(a + np.diag([3.0, 1.5, 0.0]),
                                                        compute_uv=False), [A(N, N)], None),
    _row("svd_reconstruct", lambda sl, np_: lambda a: _reconstruct(
        sl.svd(a + np.diag([3.0, 1.5]), full_matrices=False), np_), [A(2, 2)], None),
    _row("qr", lambda sl, np_: lambda a: sl.qr(_general(a)), [A(N, N)], None),
    _row("qr_economic", lambda sl, np_: lambda a: sl.qr(a + np.eye(4, 2), mode="economic"),
         [A(4, 2)], None),
    _row("qr_r", lambda sl, np_: lambda a: sl.qr(a + np.eye(4, 2), mode="r"), [A(4, 2)], None),
    # special matrices (linalg_special_matrices.py): gathers of their array arguments
    _row("toeplitz", lambda sl, np_: sl.toeplitz, [A(3), A(4)], None),
    _row("toeplitz_hermitian", lambda sl, np_: sl.toeplitz, [C(3)], None),
    _row("hankel", lambda sl, np_: sl.hankel, [A(3), A(2)], None),
    _row("circulant", lambda sl, np_: sl.circulant, [A(4)], None),
    _row("companion", lambda sl, np_: sl.companion, [A(4, low=0.5, high=2)], None),
    *[_row(f"convolution_matrix_{mode}", lambda sl, np_, mode=mode: (
        lambda a: sl.convolution_matrix(a, 4, mode)), [A(3)], None)
      for mode in ("full", "same", "valid")],
    _row("fiedler", lambda sl, np_: sl.fiedler, [A(3)], None),
    _row("fiedler_companion", lambda sl, np_: sl.fiedler_companion, [A(5, low=0.5, high=2)],
         None),
    _row("leslie", lambda sl, np_: sl.leslie, [A(3), A(2)], None),
    # linalg_matrix_equations.py. JAX differentiates none of solve_sylvester (Schur),
    # funm (Schur), eigh_tridiagonal (a while loop) and qr_multiply (geqrf): values against
    # JAX, derivatives by check_grads alone
    _row("solve_sylvester", lambda sl, np_: lambda a, b, c: sl.solve_sylvester(
        _general(a), _general(b), c), [A(N, N), A(2, 2), A(N, 2)], None, diff=False),
    Case("scipy.linalg.solve_sylvester_derivative", lambda a, b, c: fsl.solve_sylvester(
        _general(a), _general(b), c), [A(N, N), A(2, 2), A(N, 2)]),
    _row("polar", lambda sl, np_: lambda a: sl.polar(_general(a)), [A(N, N)],
         lambda sl, np_: lambda a: sl.polar(_general(a), method="svd")),
    _row("polar_left_wide", lambda sl, np_: lambda a: sl.polar(a + np.eye(2, N), "left"),
         [A(2, N)], lambda sl, np_: lambda a: sl.polar(a + np.eye(2, N), "left",
                                                      method="svd")),
    _row("expm_frechet", lambda sl, np_: lambda a, e: sl.expm_frechet(a, e),
         [A(N, N, low=-1, high=1), A(N, N)], None),
    _row("funm", lambda sl, np_: lambda a: sl.funm(_spd(a) + np.diag([0.0, 1.0, 2.5]),
                                                   np_.sin), [A(N, N)], None, diff=False),
    Case("scipy.linalg.funm_derivative", lambda a: fnp.real(fsl.funm(_general(a), fnp.sin)),
         [A(N, N)], order=1),
    _row("eigh_tridiagonal", lambda sl, np_: lambda d, e: sl.eigh_tridiagonal(
        d + np.array([0.0, 2.0, 4.0]), e, eigvals_only=True), [A(N), A(N - 1)], None,
        diff=False),
    Case("scipy.linalg.eigh_tridiagonal_derivative", lambda d, e: fsl.eigh_tridiagonal(
        d + np.array([0.0, 2.0, 4.0]), e, eigvals_only=True), [A(N), A(N - 1)]),
    _row("qr_multiply", lambda sl, np_: lambda a, c: sl.qr_multiply(_general(a), c),
         [A(N, N), A(2, N)], None, diff=False),
    Case("scipy.linalg.qr_multiply_derivative", lambda a, c: fsl.qr_multiply(
        _general(a), c, "left"), [A(N, N), A(N, 2)]),
]


def _reconstruct(usv, np_):
    u, s, vh = usv
    return (u * s[..., None, :]) @ vh
