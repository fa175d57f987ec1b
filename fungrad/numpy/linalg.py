"""fungrad.numpy.linalg: NumPy's linear algebra, differentiable, written on lax.linalg.

Inputs are stacks of matrices (leading axes are batch axes and broadcast between operands);
integer inputs are converted to float64 as NumPy does. Decompositions return NumPy's named
tuples (``SlogdetResult``, ``EighResult``, ``SVDResult``, ``QRResult``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["inv", "solve", "det", "slogdet", "cholesky", "eigh", "eigvalsh", "svd", "svdvals",
           "qr", "norm", "matrix_transpose"]

from fungrad import lax
from fungrad.core import get_aval, shape_of
from fungrad.dtypes import real_dtype
from fungrad.errors import ShapeError, user_site
from fungrad.lax import linalg as lax_linalg
from fungrad.numpy.complex_parts import abs_squared, conjugate
from fungrad.numpy.contractions import matmul
from fungrad.numpy.math import where
from fungrad.numpy.promotion import as_operand, promote_dtypes, to_dtype
from fungrad.numpy.reductions import prod, sum  # noqa: A004 (NumPy's names)
from fungrad.numpy.reshaping import expand_dims
from fungrad.transforms.custom_derivatives import custom_jvp

_DEFAULT_FLOAT = np.dtype(np.float64)


class SlogdetResult(NamedTuple):
    sign: object
    logabsdet: object


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


def _float_operand(x):
    """Validate ``x`` and convert integer/boolean arrays to float64."""
    x = as_operand(x)
    if get_aval(x).dtype.kind in "fc":
        return x
    return to_dtype(x, _DEFAULT_FLOAT)


def _matrices(fn_name: str, a, square: bool = True):
    a = _float_operand(a)
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


def matrix_transpose(x):
    """Swap the last two axes of ``x`` (like ``numpy.matrix_transpose``)."""
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
    """
    a = _matrices("solve", a)
    a, b = promote_dtypes("solve", a, _float_operand(b))
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
    """Inverse of each square matrix in ``a`` (singular matrices give infs/NaNs)."""
    a = _matrices("inv", a)
    shape = shape_of(a)
    eye = lax.broadcast_in_dim(np.eye(shape[-1], dtype=get_aval(a).dtype), shape,
                               (len(shape) - 2, len(shape) - 1))
    return lax_linalg.solve(a, eye)


def slogdet(a, *, method=None) -> SlogdetResult:
    """Sign and natural log of the absolute determinant of each square matrix in ``a``.

    Returns:
        ``SlogdetResult(sign, logabsdet)``; ``det = sign * exp(logabsdet)``.
    """
    a = _matrices("slogdet", a)
    return SlogdetResult(*lax_linalg.slogdet(a))


def det(a):
    """Determinant of each square matrix in ``a``.

    The derivative is the adjugate (``d det(A) = trace(adj(A) @ dA)``), exact at singular
    matrices as well (``[[4, -2], [-2, 1]]`` at ``[[1, 2], [2, 4]]``, zero at rank n - 2),
    as in JAX.
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

    From the SVD ``a = U diag(s) Vh``: ``adj(a) = det(U) det(Vh) Vh^H diag(p) U^H`` with
    ``p_i`` the product of the other singular values, so no inverse is formed and singular
    matrices are exact (``adj(a) = det(a) inv(a)`` where ``a`` is invertible).
    """
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


def eigvalsh(a, UPLO: str | None = "L"):  # noqa: N803
    """Eigenvalues (ascending) of symmetric matrices."""
    return eigh(a, UPLO).eigenvalues


def svd(a, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False):
    """Singular value decomposition ``a = U @ diag(S) @ Vh``.

    Args:
        a: ``(..., m, n)``.
        full_matrices: square ``U``/``Vh`` (NumPy's default). Derivatives of non-square
            inputs need ``full_matrices=False``.
        compute_uv: return ``SVDResult(U, S, Vh)``; otherwise only ``S``.
        hermitian: accepted for NumPy compatibility; ignored.

    Returns:
        ``SVDResult`` or the singular values (descending).
    """
    a = _matrices("svd", a, square=False)
    if not compute_uv:
        return lax_linalg.svd(a, full_matrices=False)[1]
    return SVDResult(*lax_linalg.svd(a, full_matrices=full_matrices))


def svdvals(x):
    """Singular values (descending) of each matrix in ``x``."""
    return svd(x, compute_uv=False)


def qr(a, mode: str = "reduced"):
    """QR decomposition ``a = Q @ R``.

    Args:
        a: ``(..., m, n)``.
        mode: ``"reduced"`` (Q is m x k, k = min(m, n)), ``"complete"`` (Q is m x m) or
            ``"r"`` (return only R).

    Returns:
        ``QRResult(Q, R)``, or ``R`` for mode ``"r"``.
    """
    a = _matrices("qr", a, square=False)
    if mode not in ("reduced", "complete", "r"):
        raise ValueError(f"fnp.linalg.qr: mode must be 'reduced', 'complete' or 'r', got "
                         f"{mode!r}")
    q, r = lax_linalg.qr(a, full_matrices=mode == "complete")
    return r if mode == "r" else QRResult(q, r)


# ---------------------------------------------------------------------------------------
# Norms


def norm(x, ord=None, axis=None, keepdims: bool = False):  # noqa: A002 (NumPy's name)
    """Vector or matrix norm, like ``numpy.linalg.norm``.

    Args:
        x: an array.
        ord: vectors: None/2, 1, inf, -inf, 0 (count of nonzeros) or any p; matrices:
            None/'fro', 'nuc', 1, -1, 2, -2, inf, -inf.
        axis: None (all of a 1-D or 2-D ``x``; all axes flattened when ``ord`` is None),
            an int (vector norms) or a pair of ints (matrix norms).
        keepdims: keep the reduced axes with size 1.

    Returns:
        The norms, with the reduced axes removed (or kept with size 1).

    At a zero input the derivatives follow JAX: nan (0/0) for the 2-norm, Frobenius and
    p-norms; ``sign`` (+1 at 0) for ord=1 vectors; the max-based norms (vector inf, matrix 1,
    inf and 2) split it among the tied entries and a floor at 0, so each of the ``n`` tied
    entries of a zero vector gets ``1 / (2 n)`` for ord=inf.
    """
    x = _float_operand(x)
    nd = len(shape_of(x))
    if axis is None:
        if ord is None:
            axes = tuple(range(nd))
            out = lax.sqrt(lax.reduce_sum(abs_squared(x), axes))
            return _keep(out, shape_of(x), axes) if keepdims else out
        if nd not in (1, 2):
            raise ShapeError(f"fnp.linalg.norm: ord={ord!r} with axis=None needs a 1-D or 2-D "
                             f"array, got shape {tuple(shape_of(x))}; pass axis\n"
                             f"  at {user_site()}")
        axis = tuple(range(nd))
    axes = _norm_axes(axis, nd, shape_of(x))
    if len(axes) == 1:
        out = _vector_norm(x, ord, axes[0])
    else:
        out = _matrix_norm(x, ord, axes)
    return _keep(out, shape_of(x), axes) if keepdims else out


def _norm_axes(axis, nd: int, shape) -> tuple[int, ...]:
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    if len(axes) not in (1, 2) or any(not -nd <= int(a) < nd for a in axes):
        raise ShapeError(f"fnp.linalg.norm: axis={axis!r} must be one or two axes of an array "
                         f"of shape {tuple(shape)}\n  at {user_site()}")
    axes = tuple(int(a) % nd for a in axes)
    if len(set(axes)) != len(axes):
        raise ShapeError(f"fnp.linalg.norm: axis={axis!r} repeats an axis\n  at {user_site()}")
    return axes


def _keep(out, shape, axes):
    return lax.reshape(out, tuple(1 if i in axes else s for i, s in enumerate(shape)))


def _vector_norm(x, ord, axis: int):  # noqa: A002
    dtype = real_dtype(get_aval(x).dtype)
    if ord is None or ord == 2:
        return lax.sqrt(lax.reduce_sum(abs_squared(x), (axis,)))
    if isinstance(ord, str):
        raise ValueError(f"fnp.linalg.norm: ord={ord!r} is a matrix norm; vector norms take "
                         "numbers (None, 2, 1, inf, -inf, 0, p)")
    magnitude = lax.abs(x)
    if ord == np.inf:
        return _largest(magnitude, (axis,))
    if ord == -np.inf:
        return lax.reduce_min(magnitude, (axis,))
    if ord == 0:
        nonzero = lax.ne(x, get_aval(x).dtype.type(0))
        return lax.reduce_sum(lax.convert_element_type(nonzero, dtype), (axis,))
    if ord == 1:
        return lax.reduce_sum(magnitude, (axis,))
    p = dtype.type(ord)
    return lax.pow(lax.reduce_sum(lax.pow(magnitude, p), (axis,)), dtype.type(1.0) / p)


def _matrix_norm(x, ord, axes):  # noqa: A002
    rows, cols = axes
    if ord is None or ord == "fro":
        return lax.sqrt(lax.reduce_sum(abs_squared(x), tuple(sorted(axes))))
    if ord in ("nuc", 2, -2):
        s = svd(_axes_last(x, rows, cols), compute_uv=False)
        last = (len(shape_of(s)) - 1,)
        if ord == "nuc":
            return lax.reduce_sum(s, last)
        return _largest(s, last) if ord == 2 else lax.reduce_min(s, last)
    if ord in (1, -1, np.inf, -np.inf):
        summed, kept = (rows, cols) if ord in (1, -1) else (cols, rows)
        sums = lax.reduce_sum(lax.abs(x), (summed,))
        kept -= kept > summed
        return _largest(sums, (kept,)) if ord > 0 else lax.reduce_min(sums, (kept,))
    raise ValueError(f"fnp.linalg.norm: ord={ord!r} is not a matrix norm; use None, 'fro', "
                     "'nuc', 1, -1, 2, -2, inf or -inf")


def _largest(magnitudes, axes):
    # The max of nonnegative values, floored at 0 like JAX's norms (a max with initial=0): the
    # value is unchanged, and at an all-zero input the floor takes half the derivative, as JAX.
    out = lax.reduce_max(magnitudes, axes)
    return lax.max(out, np.dtype(get_aval(out).dtype).type(0))


def _axes_last(x, rows: int, cols: int):
    nd = len(shape_of(x))
    rest = tuple(i for i in range(nd) if i not in (rows, cols))
    return lax.transpose(x, rest + (rows, cols))
