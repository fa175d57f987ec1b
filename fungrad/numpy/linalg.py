"""fungrad.numpy.linalg: NumPy's linear algebra, differentiable, written on lax.linalg.

Inputs are stacks of matrices (leading axes are batch axes and broadcast between operands);
integer inputs are converted to float64 as NumPy does. Decompositions return NumPy's named
tuples (``SlogdetResult``, ``EigResult``, ``EighResult``, ``SVDResult``, ``QRResult``).
"""

from __future__ import annotations

import operator
from typing import NamedTuple

import numpy as np

__all__ = ["inv", "solve", "det", "slogdet", "cholesky", "eigh", "eigvalsh", "svd", "svdvals",
           "qr", "norm", "matrix_transpose", "eig", "eigvals", "pinv", "lstsq", "matrix_power",
           "matrix_rank", "cond", "multi_dot", "vector_norm", "matrix_norm", "cross", "diagonal",
           "outer", "tensordot", "trace", "vecdot", "tensorinv", "tensorsolve"]

from fungrad import lax
from fungrad.array_module import constant_like
from fungrad.core import concrete_or_none, get_aval, shape_of
from fungrad.errors import ConcretizationError, ShapeError, user_site
from fungrad.lax import linalg as lax_linalg
from fungrad.lax import linalg_eig as lax_linalg_eig
from fungrad.lax import linalg_pinv as lax_linalg_pinv
from fungrad.numpy import math, reductions
from fungrad.numpy.complex_parts import abs_squared, conjugate
from fungrad.numpy.contractions import matmul
from fungrad.numpy.creation import ones_like
from fungrad.numpy.joining import stack
from fungrad.numpy.linalg_array_api import cross, diagonal, outer, tensordot, trace, vecdot
from fungrad.numpy.linalg_norms import float_operand, matrix_norm, norm, vector_norm
from fungrad.numpy.linalg_tensor_solve import tensorinv, tensorsolve
from fungrad.numpy.math import where
from fungrad.numpy.promotion import as_operand, promote_dtypes, to_dtype
from fungrad.numpy.reductions import prod, sum  # noqa: A004 (NumPy's names)
from fungrad.numpy.reshaping import expand_dims
from fungrad.transforms.custom_derivatives import custom_jvp


class SlogdetResult(NamedTuple):
    sign: object
    logabsdet: object


class EigResult(NamedTuple):
    eigenvalues: object
    eigenvectors: object


class EighResult(NamedTuple):
    eigenvalues: object
    eigenvectors: object


class SVDResult(NamedTuple):
    U: object
    S: object
    Vh: object


class QRResult(NamedTuple):
    Q: object
    R: object


def _matrices(fn_name: str, a, square: bool = True):
    a = float_operand(a)
    shape = shape_of(a)
    if len(shape) < 2 or (square and shape[-1] != shape[-2]):
        kind = "square matrices" if square else "matrices"
        raise ShapeError(f"fnp.linalg.{fn_name}: expected a (stack of) {kind} with shape "
                         f"(..., {'n, n' if square else 'm, n'}), got shape {tuple(shape)}"
                         f"\n  at {user_site()}")
    return a


def _broadcast_leading(x, batch):
    """Broadcast the leading (batch) axes of ``x`` to ``batch``."""
    shape = shape_of(x)
    target = tuple(batch) + tuple(shape[-2:])
    if shape == target:
        return x
    lead = len(target) - len(shape)
    return lax.broadcast_in_dim(x, target, tuple(range(lead, len(target))))


def matrix_transpose(x, /):
    """Swap the last two axes of ``x`` (like ``numpy.matrix_transpose``).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.linalg.matrix_transpose(np.ones((5, 2, 3))).shape
        (5, 3, 2)
    """
    x = as_operand(x)
    if len(shape_of(x)) < 2:
        raise ShapeError(f"fnp.linalg.matrix_transpose: needs at least 2 dimensions, got shape "
                         f"{tuple(shape_of(x))}\n  at {user_site()}")
    return lax_linalg.matrix_transpose(x)


def _symmetrize(a):
    """``(a + a^H) / 2``: what JAX's ``symmetrize_input=True`` differentiates (Hermitian
    for complex ``a``)."""
    return lax.mul(lax.add(a, lax_linalg.matrix_adjoint(a)), np.dtype(a.dtype).type(0.5))


# ---------------------------------------------------------------------------------------
# Solves, inverse, determinants


def solve(a, b):
    """Solve ``a @ x = b`` for ``x``.

    Args:
        a: ``(..., n, n)``.
        b: a vector ``(n,)``, or ``(..., n, k)`` whose batch axes broadcast with ``a``'s.

    Returns:
        ``x``, shaped like ``b`` (with broadcast batch axes).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> a = np.array([[4.0, 2.0], [2.0, 3.0]])
        >>> fnp.linalg.solve(a, np.array([1.0, 2.0]))
        array([-0.125,  0.75 ])
    """
    a = _matrices("solve", a)
    a, b = promote_dtypes("solve", a, float_operand(b))
    sa, sb = shape_of(a), shape_of(b)
    vector = len(sb) == 1
    if vector:
        b = lax.reshape(b, (sb[0], 1))
    sb2 = shape_of(b)
    if len(sb2) < 2 or sb2[-2] != sa[-1]:
        raise ShapeError(f"fnp.linalg.solve: a of shape {tuple(sa)} and b of shape {tuple(sb)} "
                         f"do not match: b must be (n,) or (..., n, k) with n = {sa[-1]}"
                         f"\n  at {user_site()}")
    try:
        batch = np.broadcast_shapes(sa[:-2], sb2[:-2])
    except ValueError:
        raise ShapeError(f"fnp.linalg.solve: the batch axes of a {tuple(sa)} and b {tuple(sb)} "
                         f"do not broadcast\n  at {user_site()}") from None
    x = lax_linalg.solve(_broadcast_leading(a, batch), _broadcast_leading(b, batch))
    if vector:
        x = lax.reshape(x, tuple(batch) + (sa[-1],))
    return x


def inv(a):
    """Inverse of each square matrix in ``a`` (singular matrices give infs/NaNs).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> a = np.array([[4.0, 2.0], [2.0, 3.0]])
        >>> fnp.linalg.inv(a)
        array([[ 0.375, -0.25 ],
               [-0.25 ,  0.5  ]])
    """
    a = _matrices("inv", a)
    shape = shape_of(a)
    eye = lax.broadcast_in_dim(constant_like(np.eye(shape[-1], dtype=get_aval(a).dtype), a),
                               shape,
                               (len(shape) - 2, len(shape) - 1))
    return lax_linalg.solve(a, eye)


def slogdet(a, *, method=None) -> SlogdetResult:
    """Sign and natural log of the absolute determinant of each square matrix in ``a``.

    Returns:
        ``SlogdetResult(sign, logabsdet)``; ``det = sign * exp(logabsdet)``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> a = np.array([[4.0, 2.0], [2.0, 3.0]])
        >>> sign, logabsdet = fnp.linalg.slogdet(a)
        >>> sign.item(), round(np.exp(logabsdet).item(), 12)
        (1.0, 8.0)
    """
    a = _matrices("slogdet", a)
    return SlogdetResult(*lax_linalg.slogdet(a))


def det(a):
    """Determinant of each square matrix in ``a``.

    The derivative is the adjugate (``d det(A) = trace(adj(A) @ dA)``), exact at singular
    matrices as well (``[[4, -2], [-2, 1]]`` at ``[[1, 2], [2, 4]]``, zero at rank n - 2),
    as in JAX.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> round(float(fnp.linalg.det(np.array([[2.0, 1.0], [1.0, 3.0]]))), 6)
        5.0
        >>> import fungrad as fg
        >>> fg.grad(fnp.linalg.det)(np.array([[2.0, 1.0], [1.0, 3.0]])).round(6).tolist()
        [[3.0, -1.0], [-1.0, 2.0]]
    """
    return _det(_matrices("det", a))


@custom_jvp
def _det(a):
    sign, logabsdet = slogdet(a)
    magnitude = lax.exp(logabsdet)  # real; the sign carries a complex determinant's phase
    return lax.mul(sign, to_dtype(magnitude, get_aval(sign).dtype))


@_det.defjvp
def _det_jvp(primals, tangents):
    # det(A) tr(A^-1 dA) would be 0 * inf at a singular A; the adjugate is the same
    # derivative without the inverse.
    (a,), (da,) = primals, tangents
    return _det(a), sum(matrix_transpose(adjugate(a)) * da, axis=(-2, -1))


def adjugate(a):
    """The adjugate (transposed cofactor matrix) of each square matrix in ``a``.

    Up to 3 x 3, the cofactor polynomials (as JAX's det of 2 x 2 and 3 x 3 matrices), so
    every derivative is exact everywhere. Larger: ``det(a) inv(a)`` where ``a`` is well
    conditioned, and otherwise from the SVD (exact at singular matrices with distinct
    singular values); each branch sees a harmless matrix where the other is taken, so
    neither forms nan derivatives (the SVD's derivative divides by differences of singular
    values: at the identity, the Hessian of det was all nan).
    """
    n = shape_of(a)[-1]
    if n <= 3:
        return _cofactor_adjugate(a, n)
    s = lax_linalg.svd(lax.stop_gradient(a), full_matrices=False)[1]  # no derivative needed
    eps = np.finfo(np.dtype(get_aval(s).dtype)).eps
    invertible = (s[..., -1] > s[..., 0] * (n * eps))[..., None, None]
    eye = constant_like(np.eye(n, dtype=np.dtype(get_aval(a).dtype)), a)
    distinct = constant_like(np.diag(np.arange(1.0, n + 1)).astype(get_aval(a).dtype), a)
    regular = where(invertible, a, eye)
    by_inverse = _det(regular)[..., None, None] * inv(regular)
    return where(invertible, by_inverse, _svd_adjugate(where(invertible, distinct, a)))


def _cofactor_adjugate(a, n: int):
    """The adjugate of 1 x 1, 2 x 2 or 3 x 3 matrices from their cofactors."""
    if n == 1:
        return ones_like(a)
    if n == 2:
        rows = [[a[..., 1, 1], -a[..., 0, 1]], [-a[..., 1, 0], a[..., 0, 0]]]
    else:  # adj[i, j] = cofactor[j, i]; the cyclic indices carry the signs
        def cofactor(i, j):
            i1, i2, j1, j2 = (i + 1) % 3, (i + 2) % 3, (j + 1) % 3, (j + 2) % 3
            return a[..., i1, j1] * a[..., i2, j2] - a[..., i1, j2] * a[..., i2, j1]

        rows = [[cofactor(j, i) for j in range(3)] for i in range(3)]
    return stack([stack(row, axis=-1) for row in rows], axis=-2)


def _svd_adjugate(a):
    """The adjugate from the SVD ``a = U diag(s) Vh``: ``adj(a) = det(U) det(Vh) Vh^H
    diag(p) U^H`` with ``p_i`` the product of the other singular values (no inverse)."""
    u, s, vh = lax_linalg.svd(a, full_matrices=False)
    n = shape_of(s)[-1]
    # others[..., i, j] = s_j for j != i, else 1: p_i is the product of row i (prod's
    # derivative is exact with zeros, unlike prod(s) / s_i's).
    others = where(np.eye(n, dtype=bool), 1, expand_dims(s, -2))
    p = prod(others, axis=-1) * (slogdet(u)[0] * slogdet(vh)[0])[..., None]
    return matmul(conjugate(matrix_transpose(vh)) * p[..., None, :],
                  conjugate(matrix_transpose(u)))


# ---------------------------------------------------------------------------------------
# Decompositions


def cholesky(a, *, upper: bool = False, symmetrize_input: bool = True):
    """Cholesky factor of symmetric positive-definite matrices: ``a = L @ L.T``.

    Args:
        a: ``(..., n, n)``.
        upper: return ``L.T`` (upper triangular) instead of ``L``.
        symmetrize_input: factor ``(a + a.T.conj()) / 2`` (as JAX does; derivatives are
            then symmetric). Otherwise only the lower triangle of ``a`` is read.

    Returns:
        The triangular factor; NaNs where ``a`` is not positive definite.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> a = np.array([[4.0, 2.0], [2.0, 3.0]])
        >>> fnp.linalg.cholesky(a)
        array([[2.        , 0.        ],
               [1.        , 1.41421356]])
    """
    a = _matrices("cholesky", a)
    if symmetrize_input:
        a = _symmetrize(a)
    factor = lax_linalg.cholesky(a)
    return lax_linalg.matrix_transpose(factor) if upper else factor


def eigh(a, UPLO: str | None = None, symmetrize_input: bool = True) -> EighResult:  # noqa: N803
    """Eigenvalues (ascending, real) and eigenvectors of symmetric or Hermitian matrices.

    Args:
        a: ``(..., n, n)``.
        UPLO: ``"L"`` (default) or ``"U"``: the triangle read when not symmetrizing.
        symmetrize_input: use ``(a + a.T.conj()) / 2`` (as JAX does).

    Returns:
        ``EighResult(eigenvalues (..., n), eigenvectors (..., n, n))`` (columns).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> a = np.array([[4.0, 2.0], [2.0, 3.0]])
        >>> w, v = fnp.linalg.eigh(a)
        >>> w
        array([1.43844719, 5.56155281])
        >>> np.allclose(a @ v, v * w)
        True
    """
    a = _matrices("eigh", a)
    if UPLO not in (None, "L", "U"):
        raise ValueError(f"fnp.linalg.eigh: UPLO must be 'L' or 'U', got {UPLO!r}")
    if symmetrize_input:
        a = _symmetrize(a)
    elif UPLO == "U":
        a = lax_linalg.matrix_adjoint(a)
    v, w = lax_linalg.eigh(a)
    return EighResult(w, v)


def eigvalsh(a, UPLO: str | None = "L", *, symmetrize_input: bool = True):  # noqa: N803
    """Eigenvalues (ascending) of symmetric matrices (see ``eigh`` for the arguments).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> a = np.array([[4.0, 2.0], [2.0, 3.0]])
        >>> fnp.linalg.eigvalsh(a)
        array([1.43844719, 5.56155281])
    """
    return eigh(a, UPLO, symmetrize_input).eigenvalues


def svd(a, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False,
        subset_by_index: tuple[int, int] | None = None):
    """Singular value decomposition ``a = U @ diag(S) @ Vh``.

    Args:
        a: ``(..., m, n)``.
        full_matrices: square ``U``/``Vh`` (NumPy's default). Derivatives of non-square
            inputs need ``full_matrices=False``.
        compute_uv: return ``SVDResult(U, S, Vh)``; otherwise only ``S``.
        hermitian: accepted for NumPy compatibility; ignored.
        subset_by_index: ``(start, end)``: keep singular values ``start`` to ``end - 1``
            (descending order) and their vectors; needs ``full_matrices=False``.

    Returns:
        ``SVDResult`` or the singular values (descending).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> a = np.array([[4.0, 2.0], [2.0, 3.0]])
        >>> u, s, vh = fnp.linalg.svd(a)
        >>> s
        array([5.56155281, 1.43844719])
        >>> np.allclose(u * s @ vh, a)
        True
    """
    a = _matrices("svd", a, square=False)
    if subset_by_index is not None:
        return _svd_subset(a, compute_uv, full_matrices, subset_by_index)
    if not compute_uv:
        return lax_linalg.svd(a, full_matrices=False)[1]
    return SVDResult(*lax_linalg.svd(a, full_matrices=full_matrices))


def _svd_subset(a, compute_uv: bool, full_matrices: bool, subset_by_index):
    k = min(shape_of(a)[-2:])
    start, end = (int(i) for i in subset_by_index)
    if full_matrices and compute_uv:
        raise ValueError("fnp.linalg.svd: subset_by_index needs full_matrices=False")
    if not 0 <= start <= end <= k:
        raise ValueError(f"fnp.linalg.svd: subset_by_index={tuple(subset_by_index)} must "
                         f"satisfy 0 <= start <= end <= {k} for shape {tuple(shape_of(a))}")
    u, s, vh = lax_linalg.svd(a, full_matrices=False)
    s = lax.slice_in_dim(s, start, end, axis=len(shape_of(s)) - 1)
    if not compute_uv:
        return s
    nd = len(shape_of(a))
    return SVDResult(lax.slice_in_dim(u, start, end, axis=nd - 1), s,
                     lax.slice_in_dim(vh, start, end, axis=nd - 2))


def svdvals(x, /):
    """Singular values (descending) of each matrix in ``x``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.linalg.svdvals(np.diag([1.0, 3.0, 2.0]))
        array([3., 2., 1.])
    """
    return svd(x, compute_uv=False)


def qr(a, mode: str = "reduced"):
    """QR decomposition ``a = Q @ R``.

    Args:
        a: ``(..., m, n)``.
        mode: ``"reduced"`` (Q is m x k, k = min(m, n)), ``"complete"`` (Q is m x m) or
            ``"r"`` (return only R).

    Returns:
        ``QRResult(Q, R)``, or ``R`` for mode ``"r"``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> a = np.array([[4.0, 2.0], [2.0, 3.0]])
        >>> q, r = fnp.linalg.qr(a)
        >>> np.allclose(q @ r, a), np.allclose(np.tril(r, -1), 0)
        (True, True)
    """
    a = _matrices("qr", a, square=False)
    if mode not in ("reduced", "complete", "r"):
        raise ValueError(f"fnp.linalg.qr: mode must be 'reduced', 'complete' or 'r', got "
                         f"{mode!r}")
    q, r = lax_linalg.qr(a, full_matrices=mode == "complete")
    return r if mode == "r" else QRResult(q, r)


# ---------------------------------------------------------------------------------------
# General matrices: eigenvalues, pseudo-inverse, least squares, powers, rank, condition


def eig(a) -> EigResult:
    """Eigenvalues and right eigenvectors of general square matrices.

    Args:
        a: ``(..., n, n)``.

    Returns:
        ``EigResult(eigenvalues (..., n), eigenvectors (..., n, n))``, both complex (as in
        JAX, also for real ``a``); eigenvector ``j`` is column ``j``, of unit norm with its
        largest component real (LAPACK's normalisation).

    Eigenvalues and eigenvectors are differentiable (forward and reverse, any order) where
    the eigenvalues are distinct. JAX differentiates eigenvectors only when asked
    (``lax.linalg.eig(..., enable_eigvec_derivs=True)``); the values agree with that.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> w, v = fnp.linalg.eig(np.array([[2.0, 1.0], [0.0, 3.0]]))
        >>> w
        array([2.+0.j, 3.+0.j])
    """
    a = _matrices("eig", a)
    return EigResult(*lax_linalg_eig.eig(a, compute_eigenvectors=True))


def eigvals(a):
    """Eigenvalues (complex) of general square matrices; see ``eig``. Their derivatives
    exist at repeated eigenvalues too, as long as the matrix is diagonalizable.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.linalg.eigvals(np.array([[2.0, 1.0], [0.0, 3.0]]))
        array([2.+0.j, 3.+0.j])
    """
    (w,) = lax_linalg_eig.eig(_matrices("eigvals", a), compute_eigenvectors=False)
    return w


def _static_scalar(fn: str, arg: str, value) -> float:
    concrete = concrete_or_none(value)
    if concrete is None:
        raise ConcretizationError(
            f"fnp.linalg.{fn}: {arg} must be static, but it is a traced value "
            f"{value.aval.str_short()}; pass a Python float (or mark it static_argnums)")
    if np.ndim(concrete) != 0:
        raise ShapeError(f"fnp.linalg.{fn}: {arg} must be a scalar (one tolerance for every "
                         f"matrix), got shape {np.shape(concrete)}\n  at {user_site()}")
    return float(concrete)


def pinv(a, rtol=None, hermitian: bool = False, *, rcond=None):
    """Moore-Penrose pseudo-inverse of each matrix in ``a``.

    Args:
        a: ``(..., m, n)``.
        rtol: singular values at or below ``rtol`` times the largest count as zero; default
            ``10 * max(m, n) * eps``. A static scalar.
        hermitian: ``a`` is Hermitian; ``(a + a^H) / 2`` is inverted (as JAX does).
        rcond: the older name of ``rtol`` (give at most one).

    Returns:
        ``(..., n, m)``. Differentiable, to any order, wherever the rank does not change
        (with its own rule, not through the SVD, so repeated singular values are fine).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.linalg.pinv(np.array([[1.0, 0.0], [0.0, 0.0]]))
        array([[1., 0.],
               [0., 0.]])
    """
    if rcond is not None:
        if rtol is not None:
            raise ValueError("fnp.linalg.pinv: give only one of rtol and rcond")
        rtol = rcond
    a = _matrices("pinv", a, square=hermitian)
    if hermitian:
        a = _symmetrize(a)
    m, n = shape_of(a)[-2:]
    eps = np.finfo(get_aval(a).dtype).eps
    rtol = 10.0 * max(m, n) * eps if rtol is None else _static_scalar("pinv", "rtol", rtol)
    return lax_linalg_pinv.pinv(a, rtol)


def lstsq(a, b, rcond=None, *, numpy_resid: bool = False):
    """Least-squares solution of ``a @ x = b`` (minimum norm when ``a`` is rank deficient).

    Args:
        a: ``(m, n)``.
        b: ``(m,)`` or ``(m, k)``.
        rcond: singular values below ``rcond`` times the largest count as zero (default
            ``eps * max(m, n)``; negative: ``eps``). A static scalar.
        numpy_resid: return empty residuals where NumPy does (rank < n or m <= n); needs a
            concrete rank. Otherwise residuals are always computed (as JAX does).

    Returns:
        ``(x, residuals, rank, s)``: the solution ``(n,)`` or ``(n, k)``, the squared
        residual norms ``(k,)`` (``(1,)`` for a vector ``b``), the rank (int64) and the
        singular values of ``a``. ``x``, ``residuals`` and ``s`` are differentiable.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> a = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]])
        >>> x, resid, rank, s = fnp.linalg.lstsq(a, np.array([1.0, 2.0, 3.0]))
        >>> x
        array([1., 1.])
        >>> int(rank)
        2
    """
    a, b = promote_dtypes("lstsq", float_operand(a), float_operand(b))
    sa, sb = tuple(shape_of(a)), tuple(shape_of(b))
    if len(sa) != 2 or len(sb) not in (1, 2) or sb[0] != sa[0]:
        raise ShapeError(f"fnp.linalg.lstsq: needs a of shape (m, n) and b of shape (m,) or "
                         f"(m, k), got a {sa} and b {sb}\n  at {user_site()}")
    b2 = lax.reshape(b, (sb[0], 1)) if len(sb) == 1 else b
    eps = np.finfo(get_aval(a).dtype).eps
    rcond = eps * max(sa) if rcond is None else _static_scalar("lstsq", "rcond", rcond)
    rcond = eps if rcond < 0 else rcond
    s = svd(a, compute_uv=False)
    x = lax_linalg.matmul(lax_linalg_pinv.pinv(a, rcond), b2)
    rank = _rank_of(s, rcond)
    residual = lax.sub(b2, lax_linalg.matmul(a, x))
    resid = lax.reduce_sum(abs_squared(residual), (0,))
    if numpy_resid and _numpy_drops_residuals(rank, sa):
        resid = np.zeros((0,), get_aval(resid).dtype)
    return (lax.reshape(x, (sa[1],)) if len(sb) == 1 else x), resid, rank, s


def _rank_of(s, rcond: float):
    """Count of singular values above zero and at or above ``rcond`` times the largest."""
    s = lax.stop_gradient(s)
    k = shape_of(s)[-1]
    if k == 0:
        return np.int64(0)
    largest = lax.broadcast_in_dim(lax.slice_in_dim(s, 0, 1), (k,), (0,))
    dtype = get_aval(s).dtype
    kept = lax.bitwise_and(lax.gt(s, dtype.type(0)),
                           lax.ge(s, lax.mul(largest, dtype.type(rcond))))
    return lax.reduce_sum(lax.convert_element_type(kept, np.int64), (0,))


def _numpy_drops_residuals(rank, shape) -> bool:
    concrete = concrete_or_none(rank)
    if concrete is None:
        raise ConcretizationError(
            "fnp.linalg.lstsq: numpy_resid=True needs a concrete rank (the residuals' shape "
            "depends on it), but it is traced; use numpy_resid=False under jit and vmap")
    m, n = shape
    return int(concrete) < n or m <= n


def matrix_power(a, n: int):
    """``a`` multiplied by itself ``n`` times (``n < 0``: powers of the inverse, ``n = 0``:
    identity matrices), by repeated squaring. Integer matrices stay integer for n >= 0.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.linalg.matrix_power(np.array([[1, 1], [0, 1]]), 3)
        array([[1, 3],
               [0, 1]])
    """
    a = as_operand(a)
    shape = tuple(shape_of(a))
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise ShapeError(f"fnp.linalg.matrix_power: expected a (stack of) square matrices "
                         f"(..., n, n), got shape {shape}\n  at {user_site()}")
    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError(f"fnp.linalg.matrix_power: the exponent n must be an integer, got "
                        f"{n!r}") from None
    if n == 0:
        eye = constant_like(np.eye(shape[-1], dtype=get_aval(a).dtype), a)  # on a's device
        return lax.broadcast_in_dim(eye, shape, (len(shape) - 2, len(shape) - 1))
    if n < 0:
        a, n = inv(a), -n
    result, square = None, a
    while True:
        n, bit = divmod(n, 2)
        if bit:
            result = square if result is None else matmul(result, square)
        if not n:
            return result
        square = matmul(square, square)


def matrix_rank(M, rtol=None, *, hermitian: bool = False, tol=None):  # noqa: N803
    """Number of singular values above a threshold, for each matrix in ``M``.

    Args:
        M: ``(..., m, n)``; a vector or scalar has rank 1 unless all zero.
        rtol: as in JAX, the threshold itself (compared with the singular values); default
            ``max singular value * max(m, n) * eps``. May be an array broadcasting with the
            batch axes.
        hermitian: accepted for JAX compatibility (the singular values are the same).
        tol: the older name of ``rtol`` (give at most one).

    Returns:
        The ranks (int64; int32 for a vector or scalar ``M``, as JAX). Not differentiable.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.linalg.matrix_rank(np.array([[1.0, 2.0], [2.0, 4.0]])).item()
        1
    """
    if tol is not None:
        if rtol is not None:
            raise ValueError("fnp.linalg.matrix_rank: give only one of tol and rtol")
        rtol = tol
    M = float_operand(M)
    shape = shape_of(M)
    if len(shape) < 2:
        nonzero = lax.ne(M, get_aval(M).dtype.type(0))
        return lax.convert_element_type(reductions.any(nonzero), np.int32)
    s = lax.stop_gradient(svd(M, compute_uv=False))
    dtype = get_aval(s).dtype
    if rtol is None:
        rtol = lax.mul(lax.reduce_max(s, (len(shape_of(s)) - 1,)),
                       dtype.type(max(shape[-2:]) * np.finfo(dtype).eps))
    threshold = _with_trailing_axis(rtol)
    return reductions.sum(math.greater(s, threshold), axis=-1)


def _with_trailing_axis(rtol):
    """``rtol`` with a trailing axis, to compare with each matrix's singular values."""
    rtol = as_operand(rtol)
    return lax.reshape(rtol, tuple(shape_of(rtol)) + (1,))


def cond(x, p=None):
    """Condition number of each matrix in ``x`` in the ``p``-norm (default: 2).

    ``p`` is None, 2, -2 (singular values; any shape) or one of ``norm``'s matrix orders
    'fro', 'nuc', 1, -1, inf, -inf (square matrices). Singular matrices give inf, as in
    JAX; differentiable where finite.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.linalg.cond(np.diag([1.0, 10.0])).item()
        10.0
    """
    x = float_operand(x)
    shape = tuple(shape_of(x))
    if len(shape) < 2 or 0 in shape[-2:]:
        raise ShapeError(f"fnp.linalg.cond: needs non-empty matrices (..., m, n), got shape "
                         f"{shape}\n  at {user_site()}")
    if p is None or p in (2, -2):
        s = svd(x, compute_uv=False)
        last = len(shape_of(s)) - 1
        top, bottom = (lax.slice_in_dim(s, i, i + 1, axis=last) for i in (0, shape_of(s)[-1] - 1))
        ratio = lax.squeeze(lax.div(top, bottom) if p != -2 else lax.div(bottom, top), (last,))
        if p != -2:
            return ratio
    else:
        if shape[-1] != shape[-2]:
            raise ShapeError(f"fnp.linalg.cond: p={p!r} needs square matrices, got shape "
                             f"{shape}\n  at {user_site()}")
        ratio = lax.mul(norm(x, p, axis=(-2, -1)), norm(inv(x), p, axis=(-2, -1)))
    # A singular matrix gives nan (0 * inf, inf / inf): report it as inf unless x held nans.
    clean = math.logical_not(reductions.any(math.isnan(x), axis=(-2, -1)))
    return math.where(math.logical_and(math.isnan(ratio), clean), np.inf, ratio)


def multi_dot(arrays, *, precision=None):
    """The product of a chain of matrices, multiplied in the cheapest order.

    Args:
        arrays: two or more arrays; the first may be a vector (a row) and the last a vector
            (a column), the others are matrices.
        precision: accepted for JAX compatibility; NumPy products are exact in the dtype.

    Returns:
        The product, with the vector ends' axes dropped.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.linalg.multi_dot([np.ones((2, 3)), np.ones((3, 4)), np.ones((4, 1))])
        array([[12.],
               [12.]])
    """
    arrays = [as_operand(x) for x in arrays]
    if len(arrays) < 2:
        raise ValueError(f"fnp.linalg.multi_dot: needs at least two arrays, got {len(arrays)}")
    first_vec, last_vec = len(shape_of(arrays[0])) == 1, len(shape_of(arrays[-1])) == 1
    if first_vec:
        arrays[0] = lax.reshape(arrays[0], (1, shape_of(arrays[0])[0]))
    if last_vec:
        arrays[-1] = lax.reshape(arrays[-1], (shape_of(arrays[-1])[0], 1))
    shapes = [tuple(shape_of(x)) for x in arrays]
    if any(len(s) != 2 for s in shapes) or any(
            s[1] != t[0] for s, t in zip(shapes, shapes[1:])):
        raise ShapeError(f"fnp.linalg.multi_dot: needs a chain of matrices (vectors allowed "
                         f"at the ends) with matching inner sizes, got shapes "
                         f"{[tuple(shape_of(x)) for x in arrays]}\n  at {user_site()}")
    out = _chain_product(arrays, _chain_order([s[0] for s in shapes] + [shapes[-1][1]]),
                         0, len(arrays) - 1)
    drop = (0,) * first_vec + (1,) * last_vec
    if not drop:
        return out
    return lax.reshape(out, tuple(d for i, d in enumerate(shape_of(out)) if i not in drop))


def _chain_order(dims: list[int]) -> dict:
    """Where to split each sub-chain ``i..j`` of matrices ``dims[k] x dims[k + 1]`` so that
    the whole product costs the fewest multiplications (the classic O(n^3) recurrence)."""
    n = len(dims) - 1
    cost, split = {(i, i): 0 for i in range(n)}, {}
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i, j], split[i, j] = min(
                (cost[i, k] + cost[k + 1, j] + dims[i] * dims[k + 1] * dims[j + 1], k)
                for k in range(i, j))
    return split


def _chain_product(arrays, split: dict, i: int, j: int):
    if i == j:
        return arrays[i]
    k = split[i, j]
    return matmul(_chain_product(arrays, split, i, k), _chain_product(arrays, split, k + 1, j))
