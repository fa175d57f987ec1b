"""Linear algebra primitives: cholesky, triangular_solve, solve, slogdet, eigh, svd, qr.

Every primitive takes stacks of matrices: leading dimensions are batch dimensions, equal
across operands (fungrad.numpy.linalg broadcasts). JVP rules are written with lax functions
only (dot_general, the solves themselves, masks multiplied in), so derivatives of every order
come from applying the rules again. The solves are linear in their right-hand side and carry
transpose rules for it.

Matrix calculus used below, for a tangent ``dA``:

* ``L = chol(A)``: ``dL = L Phi(L^-1 dA L^-H)``, Phi = lower triangle with halved diagonal.
* ``X = A^-1 B``: ``dX = A^-1 (dB - dA X)``.
* ``log|det A|``: ``d = trace(A^-1 dA)``.
* ``A = V diag(w) V^H``: ``dw = Re diag(V^H dA V)``, ``dV = V (F o V^H dA V)`` with
  ``F_ij = 1 / (w_j - w_i)`` off the diagonal.
* ``A = U diag(s) V^T`` and ``A = QR``: see ``_svd_jvp`` and ``_qr_jvp``.

The impls read only one triangle of a symmetric (complex: Hermitian) input (LAPACK's
convention); their JVPs differentiate exactly that, by symmetrising the tangent's lower
triangle with the conjugate transpose. For complex inputs every ``^T`` above is ``^H`` and,
as in JAX, transposes of these linear maps conjugate nothing.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "cholesky_p",
    "cholesky",
    "triangular_solve_p",
    "triangular_solve",
    "solve_p",
    "solve",
    "slogdet_p",
    "slogdet",
    "eigh_p",
    "eigh",
    "svd_p",
    "svd",
    "qr_p",
    "qr",
]

from fungrad import core, dtypes
from fungrad.array_module import constant_like, get_array_module
from fungrad.core import Primitive, ShapedArray
from fungrad.dtypes import real_dtype
from fungrad.errors import ShapeError
from fungrad.interpreters.batching import batch_size, batching_rules, bdim_to_front, move_axis
from fungrad.interpreters.jvp import Zero, jvp_rules, zeros_like_aval
from fungrad.interpreters.linearize import is_linear, transpose_rules
from fungrad.lax.comparison import convert_element_type, select_n
from fungrad.lax.complex_parts import complex as complex_from_parts
from fungrad.lax.complex_parts import conj, imag, real
from fungrad.lax.dot import dot_general
from fungrad.lax.elementwise import add, div, mul, neg, sub
from fungrad.lax.reductions import reduce_sum
from fungrad.lax.shape_ops import broadcast_in_dim, concatenate, slice_in_dim, transpose

# ---------------------------------------------------------------------------------------
# Helpers (lax-only, so they can run inside JVP and transpose rules)


def matmul(x, y):
    """Batched matrix product of ``(..., m, k)`` and ``(..., k, n)`` with equal batch dims."""
    nd = len(core.shape_of(x))
    batch = tuple(range(nd - 2))
    return dot_general(x, y, (((nd - 1,), (nd - 2,)), (batch, batch)))


def matrix_transpose(x):
    """Swap the last two axes."""
    nd = len(core.shape_of(x))
    return transpose(x, tuple(range(nd - 2)) + (nd - 1, nd - 2))


def matrix_adjoint(x):
    """Swap the last two axes and conjugate (the transpose, for real ``x``)."""
    xt = matrix_transpose(x)
    return conj(xt) if _is_complex(x) else xt


def _is_complex(x) -> bool:
    return core.get_aval(x).dtype.kind == "c"


def _as_dtype_of(x, like):
    """``x`` cast to ``like``'s dtype (real gaps and scales meeting complex matrices)."""
    dtype = core.get_aval(like).dtype
    return x if core.get_aval(x).dtype == dtype else convert_element_type(x, dtype)


def _masked(x, mask: np.ndarray):
    """``x * mask`` with a constant ``(m, n)`` mask broadcast over the batch dims."""
    shape = core.shape_of(x)
    nd = len(shape)
    mask = constant_like(mask.astype(core.get_aval(x).dtype), x)
    return mul(x, broadcast_in_dim(mask, shape, (nd - 2, nd - 1)))


def _lower_part(x):
    """The lower triangle of ``x`` and exact zeros above it (a select, not ``x * mask``:
    the tangent of a failed, NaN, Cholesky factor keeps zeros there, as JAX's)."""
    shape = core.shape_of(x)
    nd, n = len(shape), shape[-1]
    keep = broadcast_in_dim(constant_like(np.tril(np.ones((n, n), bool)), x), shape,
                            (nd - 2, nd - 1))
    zeros = broadcast_in_dim(constant_like(np.zeros((), core.get_aval(x).dtype), x), shape, ())
    return select_n(keep, zeros, x)


def _tri(n: int, lower: bool, k: int = 0) -> np.ndarray:
    """Ones on and below (lower) or above the k-th diagonal."""
    return np.tril(np.ones((n, n)), k) if lower else np.triu(np.ones((n, n)), k)


def _symmetrized_lower(t):
    """The symmetric (Hermitian) matrix an impl that reads the lower triangle of ``t`` sees;
    LAPACK takes a Hermitian matrix's diagonal as real."""
    n = core.shape_of(t)[-1]
    strict = _masked(t, _tri(n, True, -1))
    diag = _masked(t, np.eye(n))
    if _is_complex(t):
        diag = mul(add(diag, conj(diag)), core.get_aval(t).dtype.type(0.5))
    return add(diag, add(strict, matrix_adjoint(strict)))


def _diag_part(x):
    """``diag(x)`` of each matrix as a vector ``(..., n)``."""
    n = core.shape_of(x)[-1]
    return reduce_sum(_masked(x, np.eye(n)), (len(core.shape_of(x)) - 1,))


def _diag_matrix(v):
    """Embed vectors ``(..., n)`` as diagonal matrices ``(..., n, n)``."""
    shape = core.shape_of(v)
    nd = len(shape)
    full = broadcast_in_dim(v, shape + (shape[-1],), tuple(range(nd)))
    return _masked(full, np.eye(shape[-1]))


def _scale_columns(x, v):
    """``x @ diag(v)`` for ``x (..., m, n)`` and ``v (..., n)``."""
    shape = core.shape_of(x)
    nd = len(shape)
    return mul(x, broadcast_in_dim(v, shape, tuple(range(nd - 2)) + (nd - 1,)))


def _pairwise_inverse_gaps(w):
    """``F_ij = 1 / (w_j - w_i)`` off the diagonal and 0 on it, for vectors ``(..., n)``."""
    shape = core.shape_of(w)
    nd, n = len(shape), shape[-1]
    mat = shape + (n,)
    batch = tuple(range(nd - 1))
    rows = broadcast_in_dim(w, mat, batch + (nd,))  # [..., i, j] = w_j
    cols = broadcast_in_dim(w, mat, batch + (nd - 1,))  # [..., i, j] = w_i
    one_on_diag = broadcast_in_dim(constant_like(np.eye(n, dtype=core.get_aval(w).dtype), w),
                                   mat, (nd - 1, nd))
    gaps = add(sub(rows, cols), one_on_diag)  # the diagonal becomes 1 (no division by 0)
    return _masked(div(_ones_like(gaps), gaps), 1 - np.eye(n))


def _ones_like(x):
    aval = core.get_aval(x)
    return broadcast_in_dim(np.ones((), aval.dtype), aval.shape, ())


def _check_matrices(name: str, a: ShapedArray, square: bool = True):
    if a.ndim < 2 or (square and a.shape[-1] != a.shape[-2]):
        kind = "square matrices" if square else "matrices"
        raise ShapeError(f"{name}: expected a stack of {kind} (..., m, n), got shape {a.shape}")
    if dtypes.is_low_precision(a.dtype):  # as in JAX on CPU: LAPACK has no 16-bit routines
        raise TypeError(f"fungrad {name}: {a.dtype} matrices are not supported (LAPACK has no "
                        "16-bit routines); cast to float32 first, e.g. a.astype(np.float32)")
    if a.dtype.kind not in "fc":
        raise TypeError(f"fungrad {name}: expected a floating-point operand, got {a.dtype}; "
                        "fungrad.numpy.linalg converts integer inputs to float64 for you")


def _check_rhs(name: str, a: ShapedArray, b: ShapedArray, left_side: bool = True):
    n = a.shape[-1]
    rows = b.shape[-2] if left_side else b.shape[-1]
    if b.ndim != a.ndim or b.shape[:-2] != a.shape[:-2] or rows != n:
        side = "b's second-to-last" if left_side else "b's last"
        raise ShapeError(f"{name}: a of shape {a.shape} and b of shape {b.shape} do not match: "
                         f"b needs a's batch dims {a.shape[:-2]} and {side} axis of size {n}")
    core.check_same_dtypes(name, a, b)


# ---------------------------------------------------------------------------------------
# cholesky: A = L L^T for symmetric positive definite A (reads A's lower triangle)

cholesky_p = Primitive("cholesky")


def cholesky(a):
    """Lower Cholesky factor of each symmetric positive-definite matrix in ``a``.

    Only the lower triangle of ``a`` is read. Non-positive-definite inputs give NaNs.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> a = np.array([[4.0, 2.0], [2.0, 3.0]])
        >>> lax.cholesky(a)
        array([[2.        , 0.        ],
               [1.        , 1.41421356]])
    """
    return cholesky_p.bind(a)


def _cholesky_impl(a):
    xp = get_array_module(a)
    try:
        return xp.linalg.cholesky(a)
    except np.linalg.LinAlgError:  # CuPy raises NumPy's LinAlgError too
        pass
    # As JAX: a matrix that is not positive definite gives NaNs in its lower triangle (zeros
    # above), not an exception, and the other matrices of the batch keep their factors
    # (the whole batch was NaN).
    failed = xp.tril(xp.full(a.shape[-2:], np.nan, a.dtype))
    flat = a.reshape((-1, *a.shape[-2:]))
    out = xp.empty_like(flat)
    for i in range(flat.shape[0]):
        try:
            out[i] = xp.linalg.cholesky(flat[i])
        except np.linalg.LinAlgError:
            out[i] = failed
    return out.reshape(a.shape)


def _cholesky_abstract_eval(a):
    _check_matrices("cholesky", a)
    return a


def _cholesky_jvp(primals, tangents):
    (a,), (da,) = primals, tangents
    chol = cholesky(a)
    n = core.shape_of(a)[-1]
    da = _symmetrized_lower(da)
    left = triangular_solve(chol, da, left_side=True, lower=True)  # L^-1 dA
    inner = _solve_right_adjoint(chol, left)  # L^-1 dA L^-H
    phi = _masked(inner, np.tril(np.ones((n, n))) - 0.5 * np.eye(n))
    return chol, _lower_part(matmul(chol, phi))


def _solve_right_adjoint(chol, b):
    """``b L^-H`` for lower-triangular ``L``: conj(conj(b) L^-T) when complex."""
    if not _is_complex(b):
        return triangular_solve(chol, b, left_side=False, lower=True, transpose_a=True)
    x = triangular_solve(chol, conj(b), left_side=False, lower=True, transpose_a=True)
    return conj(x)


cholesky_p.def_impl(_cholesky_impl)
cholesky_p.def_abstract_eval(_cholesky_abstract_eval)
jvp_rules[cholesky_p] = _cholesky_jvp

# ---------------------------------------------------------------------------------------
# triangular_solve: op(A) X = B (left side) or X op(A) = B, op(A) = A or A^T

triangular_solve_p = Primitive("triangular_solve")


def triangular_solve(a, b, *, left_side: bool = False, lower: bool = False,
                     transpose_a: bool = False, unit_diagonal: bool = False):
    """Solve a triangular system, with JAX's ``lax.linalg.triangular_solve`` conventions.

    Args:
        a: ``(..., n, n)``; only its lower (``lower=True``) or upper triangle is read.
        b: ``(..., n, k)`` when ``left_side`` else ``(..., k, n)``.
        left_side: solve ``op(a) @ x = b`` (True) or ``x @ op(a) = b`` (False).
        lower: which triangle of ``a`` holds the matrix.
        transpose_a: ``op(a) = a.T`` instead of ``a``.
        unit_diagonal: take ``a``'s diagonal as ones.

    Returns:
        ``x``, shaped like ``b``.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lower = np.array([[2.0, 0.0], [1.0, 1.0]])
        >>> lax.triangular_solve(lower, np.array([[2.0], [3.0]]), left_side=True, lower=True)
        array([[1.],
               [2.]])
    """
    return triangular_solve_p.bind(a, b, left_side=bool(left_side), lower=bool(lower),
                                   transpose_a=bool(transpose_a),
                                   unit_diagonal=bool(unit_diagonal))


def _triangle(a, lower: bool, unit_diagonal: bool):
    xp = get_array_module(a)
    tri = xp.tril(a) if lower else xp.triu(a)
    if unit_diagonal:
        n = a.shape[-1]
        tri = tri * (1 - xp.eye(n, dtype=a.dtype)) + xp.eye(n, dtype=a.dtype)
    return tri


def _triangular_solve_impl(a, b, *, left_side, lower, transpose_a, unit_diagonal):
    xp = get_array_module(a, b)
    op_a = _triangle(a, lower, unit_diagonal)
    if transpose_a:
        op_a = xp.swapaxes(op_a, -1, -2)
    if left_side:
        return xp.linalg.solve(op_a, b)
    # x op(A) = b  <=>  op(A)^T x^T = b^T
    return xp.swapaxes(xp.linalg.solve(xp.swapaxes(op_a, -1, -2), xp.swapaxes(b, -1, -2)),
                       -1, -2)


def _triangular_solve_abstract_eval(a, b, *, left_side, **params):
    _check_matrices("triangular_solve", a)
    _check_rhs("triangular_solve", a, b, left_side)
    return b


def _triangular_solve_jvp_a(da, x, a, *, left_side, lower, transpose_a, unit_diagonal):
    n = core.shape_of(a)[-1]
    da = _masked(da, _tri(n, lower, (-1 if lower else 1) if unit_diagonal else 0))
    op_da = matrix_transpose(da) if transpose_a else da
    rhs = neg(matmul(op_da, x) if left_side else matmul(x, op_da))
    return triangular_solve(a, rhs, left_side=left_side, lower=lower, transpose_a=transpose_a,
                            unit_diagonal=unit_diagonal)


def _triangular_solve_jvp(primals, tangents, **params):
    (a, b), (da, db) = primals, tangents
    x = triangular_solve_p.bind(a, b, **params)
    out = Zero.like_primal(x)
    if not isinstance(db, Zero):
        out = triangular_solve_p.bind(a, db, **params)
    if not isinstance(da, Zero):
        term = _triangular_solve_jvp_a(da, x, a, **params)
        out = term if isinstance(out, Zero) else add(out, term)
    return x, out


def _triangular_solve_transpose(ct, a, b, *, left_side, lower, transpose_a, unit_diagonal):
    if is_linear(a):
        raise TypeError("triangular_solve: the matrix `a` of a linear solve must be a constant")
    return [None, triangular_solve(a, ct, left_side=left_side, lower=lower,
                                   transpose_a=not transpose_a, unit_diagonal=unit_diagonal)]


triangular_solve_p.def_impl(_triangular_solve_impl)
triangular_solve_p.def_abstract_eval(_triangular_solve_abstract_eval)
jvp_rules[triangular_solve_p] = _triangular_solve_jvp
transpose_rules[triangular_solve_p] = _triangular_solve_transpose
triangular_solve_p.linear = True  # linear in b

# ---------------------------------------------------------------------------------------
# solve: A X = B for general square A (LU with partial pivoting)

solve_p = Primitive("solve")


def solve(a, b):
    """Solve ``a @ x = b`` for ``a (..., n, n)`` and ``b (..., n, k)`` (equal batch dims).

    Singular matrices give infs/NaNs rather than an exception, as in JAX.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> a = np.array([[4.0, 2.0], [2.0, 3.0]])
        >>> lax.solve(a, np.array([[1.0], [2.0]]))
        array([[-0.125],
               [ 0.75 ]])
    """
    return solve_p.bind(a, b)


def _solve_impl(a, b):
    xp = get_array_module(a, b)
    try:
        return xp.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        return xp.full(b.shape, np.nan, np.result_type(a.dtype, b.dtype))


def _solve_abstract_eval(a, b):
    _check_matrices("solve", a)
    _check_rhs("solve", a, b)
    return ShapedArray(b.shape, core.check_same_dtypes("solve", a, b))


def _solve_jvp(primals, tangents):
    (a, b), (da, db) = primals, tangents
    x = solve(a, b)
    if isinstance(da, Zero):
        return x, solve(a, db)
    rhs = neg(matmul(da, x))
    if not isinstance(db, Zero):
        rhs = add(db, rhs)
    return x, solve(a, rhs)


def _solve_transpose(ct, a, b):
    if is_linear(a):
        raise TypeError("solve: the matrix `a` of a linear solve must be a constant")
    return [None, solve(matrix_transpose(a), ct)]


solve_p.def_impl(_solve_impl)
solve_p.def_abstract_eval(_solve_abstract_eval)
jvp_rules[solve_p] = _solve_jvp
transpose_rules[solve_p] = _solve_transpose
solve_p.linear = True  # linear in b

# ---------------------------------------------------------------------------------------
# slogdet: (sign(det A), log|det A|)

slogdet_p = Primitive("slogdet", multiple_results=True)


def slogdet(a):
    """Return ``(sign, log|det a|)`` of each square matrix in ``a``.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> a = np.array([[4.0, 2.0], [2.0, 3.0]])
        >>> sign, logdet = lax.slogdet(a)
        >>> float(sign), round(float(np.exp(logdet)), 12)
        (1.0, 8.0)
    """
    sign, logabsdet = slogdet_p.bind(a)
    return sign, logabsdet


def _slogdet_abstract_eval(a):
    _check_matrices("slogdet", a)
    sign = ShapedArray(a.shape[:-2], a.dtype, a.weak_type)
    return [sign, sign.update(dtype=real_dtype(a.dtype))]  # log|det| is real


def _slogdet_jvp(primals, tangents):
    (a,), (da,) = primals, tangents
    sign, logabsdet = slogdet(a)
    trace = _trace(solve(a, da))  # d log(det A) = tr(A^-1 dA)
    if not _is_complex(trace):
        return [sign, logabsdet], [Zero.like_primal(sign), trace]
    # log(det A) = log|det A| + i arg(det A): the real part moves log|det|, the imaginary
    # part turns the phase sign = exp(i arg).
    return [sign, logabsdet], [mul(sign, _times_i(imag(trace))), real(trace)]


def _trace(x):
    nd = len(core.shape_of(x))
    return reduce_sum(_masked(x, np.eye(core.shape_of(x)[-1])), (nd - 2, nd - 1))


slogdet_p.def_impl(lambda a: list(get_array_module(a).linalg.slogdet(a)))
slogdet_p.def_abstract_eval(_slogdet_abstract_eval)
jvp_rules[slogdet_p] = _slogdet_jvp

# ---------------------------------------------------------------------------------------
# eigh: A = V diag(w) V^T for symmetric A (reads the lower triangle); w ascending

eigh_p = Primitive("eigh", multiple_results=True)


def eigh(a):
    """Eigenvectors and eigenvalues ``(v, w)`` of symmetric matrices (lower triangle read).

    Returns:
        ``v (..., n, n)`` with eigenvectors as columns and ``w (..., n)`` ascending, in the
        order of JAX's ``lax.linalg.eigh``.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> a = np.array([[4.0, 2.0], [2.0, 3.0]])
        >>> v, w = lax.eigh(a)
        >>> w
        array([1.43844719, 5.56155281])
        >>> np.allclose(a @ v, v * w)
        True
    """
    v, w = eigh_p.bind(a)
    return v, w


def _eigh_impl(a):
    w, v = get_array_module(a).linalg.eigh(a, UPLO="L")
    return [v, w]


def _eigh_abstract_eval(a):
    _check_matrices("eigh", a)
    return [a, ShapedArray(a.shape[:-1], real_dtype(a.dtype), a.weak_type)]


def _eigh_jvp(primals, tangents):
    (a,), (da,) = primals, tangents
    v, w = eigh(a)
    rotated = matmul(matrix_adjoint(v), matmul(_symmetrized_lower(da), v))  # V^H dA V
    dv = matmul(v, mul(_as_dtype_of(_pairwise_inverse_gaps(w), v), rotated))
    dw = _diag_part(rotated)
    return [v, w], [dv, real(dw) if _is_complex(dw) else dw]


eigh_p.def_impl(_eigh_impl)
eigh_p.def_abstract_eval(_eigh_abstract_eval)
jvp_rules[eigh_p] = _eigh_jvp

# ---------------------------------------------------------------------------------------
# svd: A = U diag(s) V^T, s descending

svd_p = Primitive("svd", multiple_results=True)


def svd(a, full_matrices: bool = False):
    """Singular value decomposition ``(u, s, vt)`` of each matrix in ``a``.

    Args:
        a: ``(..., m, n)``.
        full_matrices: square ``u`` and ``vt`` (derivatives need ``False`` unless m == n).

    Returns:
        ``u (..., m, k)``, ``s (..., k)`` descending, ``vt (..., k, n)`` with k = min(m, n)
        (k replaced by m and n when ``full_matrices``).

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> a = np.array([[4.0, 2.0], [2.0, 3.0]])
        >>> u, s, vt = lax.svd(a)
        >>> s
        array([5.56155281, 1.43844719])
        >>> np.allclose(u * s @ vt, a)
        True
    """
    u, s, vt = svd_p.bind(a, full_matrices=bool(full_matrices))
    return u, s, vt


def _svd_impl(a, *, full_matrices):
    u, s, vt = get_array_module(a).linalg.svd(a, full_matrices=full_matrices)
    return [u, s, vt]


def _svd_abstract_eval(a, *, full_matrices):
    _check_matrices("svd", a, square=False)
    *batch, m, n = a.shape
    k = min(m, n)
    ku, kv = (m, n) if full_matrices else (k, k)
    return [a.update(shape=(*batch, m, ku)),
            a.update(shape=(*batch, k), dtype=real_dtype(a.dtype)),
            a.update(shape=(*batch, kv, n))]


def _svd_jvp(primals, tangents, *, full_matrices):
    (a,), (da,) = primals, tangents
    m, n = core.shape_of(a)[-2:]
    if full_matrices and m != n:
        raise NotImplementedError(
            f"svd: derivatives with full_matrices=True need a square matrix, got shape "
            f"{core.shape_of(a)}; use full_matrices=False (the extra columns of u or vt "
            "are not unique, so they have no derivative)")
    u, s, vt = svd(a, full_matrices)
    v = matrix_adjoint(vt)
    dp = matmul(matrix_adjoint(u), matmul(da, v))  # U^H dA V
    ds = _diag_part(dp)
    gaps = _as_dtype_of(_pairwise_inverse_gaps(mul(s, s)), dp)  # 1 / (s_j^2 - s_i^2)
    s_c = _as_dtype_of(s, dp)
    dp_s = _scale_columns(dp, s_c)  # dP S
    s_dp = matrix_transpose(_scale_columns(matrix_transpose(dp), s_c))  # S dP
    du = matmul(u, mul(gaps, add(dp_s, matrix_adjoint(dp_s))))
    dv = matmul(v, mul(gaps, add(s_dp, matrix_adjoint(s_dp))))
    inv_s = div(_ones_like(s_c), s_c)
    if _is_complex(dp):
        # diag(dP) = i Im(U^H dU)_ii s_i + ds_i - i Im(V^H dV)_ii s_i: the phase of each
        # singular pair is free; like JAX, V's diagonal part is 0 and U takes it all.
        du = add(du, _scale_columns(u, mul(_times_i(imag(ds)), inv_s)))
        ds = real(ds)
    if m > n:  # the part of dA outside U's column space
        rest = sub(matmul(da, v), matmul(u, dp))
        du = add(du, _scale_columns(rest, inv_s))
    elif n > m:
        rest = sub(matmul(matrix_adjoint(da), u), matmul(v, matrix_adjoint(dp)))
        dv = add(dv, _scale_columns(rest, inv_s))
    return [u, s, vt], [du, ds, matrix_adjoint(dv)]


def _times_i(x):
    """``1j * x`` for a real ``x``, built from its parts (exact for infinities)."""
    return complex_from_parts(zeros_like_aval(core.get_aval(x)), x)


svd_p.def_impl(_svd_impl)
svd_p.def_abstract_eval(_svd_abstract_eval)
jvp_rules[svd_p] = _svd_jvp

# ---------------------------------------------------------------------------------------
# qr: A = Q R, Q with orthonormal columns, R upper triangular

qr_p = Primitive("qr", multiple_results=True)


def qr(a, full_matrices: bool = False):
    """QR decomposition ``(q, r)`` of each matrix in ``a`` (``(..., m, n)``).

    Args:
        a: ``(..., m, n)``.
        full_matrices: ``q (..., m, m)`` and ``r (..., m, n)``; otherwise with k = min(m, n),
            ``q (..., m, k)`` and ``r (..., k, n)``.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> a = np.array([[4.0, 2.0], [2.0, 3.0]])
        >>> q, r = lax.qr(a)
        >>> np.allclose(q @ r, a), np.allclose(np.tril(r, -1), 0)
        (True, True)
    """
    q, r = qr_p.bind(a, full_matrices=bool(full_matrices))
    return q, r


def _qr_impl(a, *, full_matrices):
    q, r = get_array_module(a).linalg.qr(a, mode="complete" if full_matrices else "reduced")
    return [q, r]


def _qr_abstract_eval(a, *, full_matrices):
    _check_matrices("qr", a, square=False)
    *batch, m, n = a.shape
    k = m if full_matrices else min(m, n)
    return [a.update(shape=(*batch, m, k)), a.update(shape=(*batch, k, n))]


def _thin_qr_jvp(q, r, da):
    """``(dQ, dR)`` of the thin QR ``A = QR`` of ``(..., m, n)`` matrices with m >= n."""
    # With C = Q^H dA R^-1 = Q^H dQ + dR R^-1: the first term is antihermitian and the
    # second upper triangular, so C's strict lower triangle fixes Q^H dQ.
    n = core.shape_of(r)[-1]
    da_rinv = triangular_solve(r, da, left_side=False, lower=False)  # dA R^-1
    c = matmul(matrix_adjoint(q), da_rinv)
    low = _masked(c, _tri(n, True, -1))
    omega = sub(low, matrix_adjoint(low))
    if _is_complex(c):
        # LAPACK's R has a real diagonal, so diag(dR R^-1) is real and the imaginary part
        # of diag(C) belongs to the antihermitian Q^H dQ (as JAX takes it).
        diag = _masked(c, np.eye(n))
        omega = add(omega, mul(sub(diag, conj(diag)), core.get_aval(c).dtype.type(0.5)))
    dq = add(da_rinv, matmul(q, sub(omega, c)))
    dr = matmul(sub(c, omega), r)
    return dq, dr


def _columns(x, start: int, stop: int):
    return slice_in_dim(x, start, stop, axis=len(core.shape_of(x)) - 1)


def _rows(x, start: int, stop: int):
    return slice_in_dim(x, start, stop, axis=len(core.shape_of(x)) - 2)


def _qr_jvp(primals, tangents, *, full_matrices):
    (a,), (da,) = primals, tangents
    m, n = core.shape_of(a)[-2:]
    q, r = qr(a, full_matrices)
    nd = len(core.shape_of(a))
    if m < n:
        # A = [A1 A2] with A1 square: A1 = Q R1 is a square QR, and A2 = Q R2 gives
        # dR2 = dQ^H A2 + Q^H dA2 (as JAX does; Q and R are the same for both modes).
        dq, dr1 = _thin_qr_jvp(q, _columns(r, 0, m), _columns(da, 0, m))
        dr2 = add(matmul(matrix_adjoint(dq), _columns(a, m, n)),
                  matmul(matrix_adjoint(q), _columns(da, m, n)))
        return [q, r], [dq, concatenate((dr1, dr2), nd - 1)]
    if not full_matrices or m == n:
        dq, dr = _thin_qr_jvp(q, r, da)
        return [q, r], [dq, dr]
    # Tall with full_matrices: the thin factors' derivatives, then the extra m - n columns
    # of Q (Roberts & Roberts, arXiv:2409.13374, eqs. 32-33, as JAX does) and zero rows of R.
    q_mn, q_mp = _columns(q, 0, n), _columns(q, n, m)
    dq_mn, dr_nn = _thin_qr_jvp(q_mn, _rows(r, 0, n), da)
    q_nn, q_pn = _rows(q_mn, 0, n), _rows(q_mn, n, m)
    dq_nn, dq_pn = _rows(dq_mn, 0, n), _rows(dq_mn, n, m)
    eye = broadcast_in_dim(constant_like(np.eye(n, dtype=core.get_aval(q).dtype), q),
                           core.shape_of(q_nn), (nd - 2, nd - 1))
    z_pn_h = solve(matrix_adjoint(sub(q_nn, eye)), matrix_adjoint(q_pn))  # Z = Q_pn (Q_nn - I)^-1
    z_pn = matrix_adjoint(z_pn_h)
    dq_mp = sub(matmul(dq_mn, z_pn_h),
                matmul(add(q_mn, matmul(q_mp, z_pn)),
                       matrix_adjoint(sub(dq_pn, matmul(z_pn, dq_nn)))))
    zeros = zeros_like_aval(core.get_aval(_rows(r, n, m)))
    return [q, r], [concatenate((dq_mn, dq_mp), nd - 1), concatenate((dr_nn, zeros), nd - 2)]


qr_p.def_impl(_qr_impl)
qr_p.def_abstract_eval(_qr_abstract_eval)
jvp_rules[qr_p] = _qr_jvp


# ---------------------------------------------------------------------------------------
# Batching: every primitive already takes leading batch dimensions, so the mapped axis moves
# to the front (unbatched operands of the solves are broadcast to the batch size).


def _defbatch_unary(prim):
    def rule(vals, dims, **params):
        (a,), (d,) = vals, dims
        out = prim.bind(move_axis(a, d, 0), **params)
        return out, ([0] * len(out) if prim.multiple_results else 0)

    batching_rules[prim] = rule


def _defbatch_binary(prim):
    def rule(vals, dims, **params):
        size = batch_size(vals, dims)
        a, b = (bdim_to_front(v, d, size) for v, d in zip(vals, dims, strict=True))
        return prim.bind(a, b, **params), 0

    batching_rules[prim] = rule


for _prim in (cholesky_p, slogdet_p, eigh_p, svd_p, qr_p):
    _defbatch_unary(_prim)
for _prim in (triangular_solve_p, solve_p):
    _defbatch_binary(_prim)
