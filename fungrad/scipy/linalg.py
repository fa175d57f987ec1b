"""``fungrad.scipy.linalg``: SciPy's dense linear algebra, like ``jax.scipy.linalg``.

Every function takes JAX's (and SciPy's) arguments; the ``overwrite_*``, ``check_finite``,
``debug``, ``lwork`` and ``lapack_driver`` flags are accepted and ignored, as in JAX.
Functions accept leading batch axes (``(..., n, n)``) like JAX's. All are differentiable
and work under ``vmap`` and ``jit``.

The LU factorization is written in fungrad itself (partial pivoting, one column step at a
time), so its derivative is that of the elimination for the pivots it chose; ``expm`` is
scaling and squaring with the [13/13] Pade approximant, also differentiated through;
``sqrtm`` is the product form of the Denman-Beavers iteration (values for matrices with
no eigenvalue on the closed negative real axis; its derivative goes through the fixed
number of iterations).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

import fungrad.numpy as fnp
from fungrad import lax
from fungrad.array_module import constant_like
from fungrad.errors import ShapeError
from fungrad.scipy.linalg_matrix_equations import (
    eigh_tridiagonal,
    expm_frechet,
    funm,
    polar,
    qr_multiply,
    solve_sylvester,
)
from fungrad.scipy.linalg_special_matrices import (
    circulant,
    companion,
    convolution_matrix,
    dft,
    fiedler,
    fiedler_companion,
    hadamard,
    hankel,
    helmert,
    hilbert,
    invhilbert,
    invpascal,
    leslie,
    pascal,
    toeplitz,
)
from fungrad.scipy.special import _floats
from fungrad.transforms.vmap_api import vmap

__all__ = [
    "block_diag", "cho_factor", "cho_solve", "cholesky", "det", "eigh", "expm", "inv", "lu",
    "lu_factor", "lu_solve", "qr", "solve", "solve_triangular", "sqrtm", "svd",
    # linalg_special_matrices.py
    "circulant", "companion", "convolution_matrix", "dft", "fiedler", "fiedler_companion",
    "hadamard", "hankel", "helmert", "hilbert", "invhilbert", "invpascal", "leslie", "pascal",
    "toeplitz",
    # linalg_matrix_equations.py
    "eigh_tridiagonal", "expm_frechet", "funm", "polar", "qr_multiply", "solve_sylvester",
]


def _matrix(name: str, a, square: bool = True):
    """``a`` as a float (or complex) array of rank >= 2, square if asked."""
    a = fnp.asarray(a)
    if a.dtype.kind not in "fc":
        a = fnp.asarray(_floats(name, a))
    if a.ndim < 2 or (square and a.shape[-1] != a.shape[-2]):
        want = "(..., n, n)" if square else "(..., m, n)"
        raise ShapeError(f"fungrad.scipy.linalg.{name}: `a` must have shape {want}, got "
                         f"{a.shape}")
    return a


def _over_batch(fn, core_ranks: tuple[int, ...], *args):
    """Apply ``fn`` (written for unbatched operands of ``core_ranks``) over leading axes."""
    extra = args[0].ndim - core_ranks[0]
    for _ in range(extra):
        fn = vmap(fn)
    return fn(*args)


def _rhs(name: str, a, b):
    """``b`` as a matrix ``(..., n, k)`` and whether it was a vector ``(..., n)``."""
    b = fnp.asarray(b)
    if b.dtype.kind not in "fc":
        b = fnp.asarray(_floats(name, b))
    # a 1-D b is one vector for every matrix of a batched a, as in JAX (it was refused)
    vector = b.ndim in (1, a.ndim - 1)
    if vector:
        b = b[..., None]
    if b.ndim < 2 or b.shape[-2] != a.shape[-1]:
        raise ShapeError(f"fungrad.scipy.linalg.{name}: `b` must have shape (..., "
                         f"{a.shape[-1]}) or (..., {a.shape[-1]}, k) for `a` of shape "
                         f"{a.shape}, got {fnp.shape(b)}")
    batch = fnp.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = fnp.broadcast_to(a, (*batch, *a.shape[-2:]))
    b = fnp.broadcast_to(b, (*batch, *b.shape[-2:]))
    if a.dtype != b.dtype:
        dtype = np.result_type(a.dtype, b.dtype)
        a, b = a.astype(dtype), b.astype(dtype)
    return a, b, vector


def _trans_code(name: str, trans, letters: bool = True) -> int:
    """``trans`` as 0, 1 or 2; the letters 'N', 'T', 'C' too where ``letters`` (SciPy's and
    JAX's solve_triangular take them, their lu_solve does not)."""
    codes = {0: 0, 1: 1, 2: 2, **({"N": 0, "T": 1, "C": 2} if letters else {})}
    if trans not in codes:
        allowed = "0, 1, 2, 'N', 'T' or 'C'" if letters else "0, 1 or 2"
        raise ValueError(f"fungrad.scipy.linalg.{name}: `trans` must be {allowed}, got "
                         f"{trans!r}")
    return codes[trans]


# ---------------------------------------------------------------------------------------
# Triangular and Cholesky solves


def solve_triangular(a, b, trans=0, lower: bool = False, unit_diagonal: bool = False,
                     overwrite_b: bool = False, debug=None, check_finite: bool = True):
    """Solve ``op(a) x = b`` for a triangular ``a`` (``op``: none, transpose, adjoint).

    Args:
        a: ``(..., n, n)``; only the triangle named by ``lower`` is read.
        b: ``(..., n)`` or ``(..., n, k)``.
        trans: 0/'N' (``a x = b``), 1/'T' (``a.T x = b``), 2/'C' (``a.conj().T x = b``).
        lower: use the lower triangle of ``a``.
        unit_diagonal: take the diagonal of ``a`` as ones.
    Returns:
        ``x``, shaped like ``b``.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import linalg
        >>> u = np.array([[2.0, 1.0], [0.0, 1.0]])
        >>> linalg.solve_triangular(u, np.array([3.0, 1.0]))
        Array([1., 1.])
    """
    code = _trans_code("solve_triangular", trans)
    a = _matrix("solve_triangular", a)
    a, b, vector = _rhs("solve_triangular", a, b)
    if code == 2:
        a = fnp.conj(a)
    x = lax.triangular_solve(a, b, left_side=True, lower=lower, transpose_a=code > 0,
                             unit_diagonal=unit_diagonal)
    return x[..., 0] if vector else x


def cholesky(a, lower: bool = False, overwrite_a: bool = False, check_finite: bool = True):
    """The Cholesky factor of a Hermitian positive-definite ``a``: upper ``U`` with
    ``a = U^H U`` (the default, as SciPy), or lower ``L`` with ``a = L L^H``.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import linalg
        >>> a = np.array([[4.0, 2.0], [2.0, 3.0]])
        >>> linalg.cholesky(a)
        Array([[2.        , 1.        ],
               [0.        , 1.41421356]])
        >>> linalg.cholesky(a, lower=True)
        Array([[2.        , 0.        ],
               [1.        , 1.41421356]])
    """
    a = _matrix("cholesky", a)
    return fnp.linalg.cholesky(a, upper=not lower)


def cho_factor(a, lower: bool = False, overwrite_a: bool = False, check_finite: bool = True):
    """``(c, lower)`` for :func:`cho_solve`: ``c`` is the Cholesky factor (the other
    triangle zero).

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import linalg
        >>> a = np.array([[4.0, 2.0], [2.0, 3.0]])
        >>> c, lower = linalg.cho_factor(a)
        >>> bool(np.allclose(np.triu(c).T @ np.triu(c), a)), lower
        (True, False)
    """
    return cholesky(a, lower=lower), lower


def cho_solve(c_and_lower, b, overwrite_b: bool = False, check_finite: bool = True):
    """Solve ``a x = b`` from ``cho_factor(a)``'s ``(c, lower)``.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import linalg
        >>> a = np.array([[4.0, 2.0], [2.0, 3.0]])
        >>> linalg.cho_solve(linalg.cho_factor(a), np.array([1.0, 2.0]))
        Array([-0.125,  0.75 ])
    """
    c, lower = c_and_lower
    c = _matrix("cho_solve", c)
    c, b, vector = _rhs("cho_solve", c, b)
    if lower:  # a = L L^H: solve L y = b, then L^H x = y
        y = lax.triangular_solve(c, b, left_side=True, lower=True)
        x = lax.triangular_solve(fnp.conj(c), y, left_side=True, lower=True, transpose_a=True)
    else:  # a = U^H U
        y = lax.triangular_solve(fnp.conj(c), b, left_side=True, lower=False,
                                 transpose_a=True)
        x = lax.triangular_solve(c, y, left_side=True, lower=False)
    return x[..., 0] if vector else x


# ---------------------------------------------------------------------------------------
# LU


def _lu_steps(a):
    """Partial-pivoting LU of one ``(m, n)`` matrix: ``(lu, pivots, permutation)``.

    ``lu`` holds the unit-lower ``L`` below the diagonal and ``U`` on and above it, with
    ``a[permutation] = L @ U``; ``pivots[j]`` is the row swapped with row ``j`` at step
    ``j`` (LAPACK's convention, 0-based).
    """
    m, n = a.shape
    perm = fnp.arange(m)
    pivots = []
    for j in range(min(m, n)):
        p = lax.stop_gradient(j + fnp.argmax(fnp.abs(a[j:, j])))
        row_j, row_p = a[j], a[p]
        a = a.at[p].set(row_j).at[j].set(row_p)
        perm_j, perm_p = perm[j], perm[p]
        perm = perm.at[p].set(perm_j).at[j].set(perm_p)
        pivots.append(p)
        if j + 1 < m:
            pivot = a[j, j]
            # a zero pivot leaves its column as it is (as LAPACK does): U is singular
            safe = fnp.where(pivot == 0, 1, pivot)
            col = fnp.where(pivot == 0, a[j + 1:, j], a[j + 1:, j] / safe)
            a = a.at[j + 1:, j].set(col)
            if j + 1 < n:
                a = a.at[j + 1:, j + 1:].add(-fnp.outer(col, a[j, j + 1:]))
    perm = perm.astype(np.int32)
    if not pivots:  # no steps (an empty matrix): no pivots (on a's device), as JAX's
        return a, fnp.real(a).reshape(-1).astype(np.int32), perm
    return a, fnp.stack(pivots).astype(np.int32), perm


def lu_factor(a, overwrite_a: bool = False, check_finite: bool = True):
    """The LU factorization in LAPACK's packed form: ``(lu, piv)``.

    ``lu`` holds ``L`` (unit diagonal, not stored) below the diagonal and ``U`` on and
    above; row ``i`` was swapped with row ``piv[i]`` (int32), in order.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import linalg
        >>> a = np.array([[4.0, 2.0], [2.0, 3.0]])
        >>> lu, piv = linalg.lu_factor(a)
        >>> piv
        array([0, 1], dtype=int32)
    """
    a = _matrix("lu_factor", a, square=False)
    out = _over_batch(_lu_steps, (2,), a)
    return out[0], out[1]


def lu(a, permute_l: bool = False, overwrite_a: bool = False, check_finite: bool = True):
    """The pivoted LU factorization ``a = p @ l @ u``.

    Args:
        a: ``(..., m, n)``.
        permute_l: return ``(p @ l, u)`` instead of ``(p, l, u)``.
    Returns:
        ``p`` (``(..., m, m)``, a permutation matrix in ``a``'s real dtype), ``l``
        (``(..., m, k)``, unit lower-triangular), ``u`` (``(..., k, n)``), ``k = min(m, n)``.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import linalg
        >>> a = np.array([[4.0, 2.0], [2.0, 3.0]])
        >>> p, l, u = linalg.lu(a)
        >>> bool(np.allclose(p @ l @ u, a))
        True
        >>> l
        Array([[1. , 0. ],
               [0.5, 1. ]])
    """
    a = _matrix("lu", a, square=False)
    m, n = a.shape[-2:]
    k = min(m, n)
    packed, _, perm = _over_batch(_lu_steps, (2,), a)
    l_part = fnp.tril(packed[..., :, :k], -1) + fnp.eye(m, k, dtype=a.dtype)
    u_part = fnp.triu(packed[..., :k, :])
    # a[perm] = l u, so a = p l u with p[perm[i], i] = 1
    # (real for a complex a, as SciPy's and JAX's p)
    p = fnp.swapaxes(fnp.eye(m, dtype=fnp.real(a).dtype)[perm], -1, -2)
    if permute_l:
        return fnp.matmul(p, l_part), u_part
    return p, l_part, u_part


def _permutation_of(piv, m: int):
    """The row order ``perm`` (``a[perm] = L U``) from the sequence of swaps ``piv``."""
    perm = fnp.arange(m)
    for j in range(piv.shape[-1]):
        p = piv[j]
        perm_j, perm_p = perm[j], perm[p]
        perm = perm.at[p].set(perm_j).at[j].set(perm_p)
    return perm


def _lu_solve_one(packed, piv, b, trans: int):
    perm = _permutation_of(piv, packed.shape[0])
    if trans == 0:  # L U x = b[perm]
        y = lax.triangular_solve(packed, b[perm], left_side=True, lower=True,
                                 unit_diagonal=True)
        return lax.triangular_solve(packed, y, left_side=True, lower=False)
    lu_op = fnp.conj(packed) if trans == 2 else packed
    z = lax.triangular_solve(lu_op, b, left_side=True, lower=False, transpose_a=True)
    w = lax.triangular_solve(lu_op, z, left_side=True, lower=True, transpose_a=True,
                             unit_diagonal=True)
    return fnp.zeros_like(w).at[perm].set(w)  # x[perm] = w


def lu_solve(lu_and_piv, b, trans: int = 0, overwrite_b: bool = False,
             check_finite: bool = True):
    """Solve ``op(a) x = b`` from ``lu_factor(a)``'s ``(lu, piv)``.

    ``trans``: 0 (``a x = b``), 1 (``a.T x = b``) or 2 (``a.conj().T x = b``).

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import linalg
        >>> a = np.array([[4.0, 2.0], [2.0, 3.0]])
        >>> linalg.lu_solve(linalg.lu_factor(a), np.array([1.0, 2.0]))
        Array([-0.125,  0.75 ])
    """
    code = _trans_code("lu_solve", trans, letters=False)
    packed, piv = lu_and_piv
    packed = _matrix("lu_solve", packed)
    packed, b, vector = _rhs("lu_solve", packed, b)
    piv = fnp.broadcast_to(fnp.asarray(piv), (*packed.shape[:-2], piv.shape[-1]))
    x = _over_batch(lambda c, p, r: _lu_solve_one(c, p, r, code), (2, 1, 2), packed, piv, b)
    return x[..., 0] if vector else x


# ---------------------------------------------------------------------------------------
# Matrix functions

def _pade13_coefficients() -> list[float]:
    """``b_j`` of the [13/13] Pade approximant of exp: ``(26-j)! 13! / (26! j! (13-j)!)``,
    scaled so that ``b_13 = 1``."""
    c = [Fraction(math.factorial(26 - j) * math.factorial(13),
                  math.factorial(26) * math.factorial(j) * math.factorial(13 - j))
         for j in range(14)]
    return [float(cj / c[13]) for cj in c]


_PADE13 = _pade13_coefficients()
_THETA13 = 5.371920351148152  # the 1-norm below which [13/13] is exact to double precision


def expm(A, *, upper_triangular: bool = False, max_squarings: int = 16):  # noqa: N803
    """The matrix exponential, by scaling and squaring with the [13/13] Pade approximant.

    Args:
        A: ``(..., n, n)``.
        upper_triangular: accepted (JAX's hint); the result is the same either way.
        max_squarings: the most squarings (inputs with a 1-norm above
            ``5.37 * 2**max_squarings`` lose accuracy).
    Returns:
        ``exp(A)``, differentiable (through the approximant and the squarings).

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import linalg
        >>> linalg.expm(np.array([[0.0, 1.0], [0.0, 0.0]]))
        array([[1., 1.],
               [0., 1.]])
        >>> linalg.expm(np.diag([0.0, 1.0]))
        array([[1.        , 0.        ],
               [0.        , 2.71828183]])
    """
    a = _matrix("expm", A)
    n = a.shape[-1]
    # (initial=0: an empty matrix has norm 0, and exp of it is empty, as JAX's)
    norm = fnp.max(fnp.sum(fnp.abs(lax.stop_gradient(a)), axis=-2), axis=-1, initial=0.0)
    s = fnp.clip(fnp.ceil(fnp.log2(fnp.where(norm > 0, norm, 1.0) / _THETA13)), 0,
                 max_squarings)
    a = a / (2.0 ** s)[..., None, None]
    b = _PADE13
    eye = fnp.eye(n, dtype=a.dtype)
    a2 = fnp.matmul(a, a)
    a4 = fnp.matmul(a2, a2)
    a6 = fnp.matmul(a4, a2)
    u = fnp.matmul(a, fnp.matmul(a6, b[13] * a6 + b[11] * a4 + b[9] * a2)
                   + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * eye)
    v = (fnp.matmul(a6, b[12] * a6 + b[10] * a4 + b[8] * a2)
         + b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * eye)
    r = fnp.linalg.solve(v - u, v + u)
    for i in range(max_squarings):  # each matrix squares s times (s may be traced)
        r = fnp.where((i < s)[..., None, None], fnp.matmul(r, r), r)
    return r


_SQRTM_STEPS = 40


def sqrtm(A, blocksize: int = 1):  # noqa: N803
    """The principal matrix square root (complex, like JAX's), by Denman-Beavers.

    The iteration runs a fixed 40 steps of ``X <- X (I + M^-1) / 2``,
    ``M <- (I + (M + M^-1) / 2) / 2``, so its derivative is that of those steps. It
    converges for matrices with no eigenvalue on the closed negative real axis; a matrix
    with a negative real eigenvalue ``-r`` is first rotated off that axis (see
    ``_branch_rotation``) and its root takes SciPy's and JAX's branch, ``+i sqrt(r)``.
    ``blocksize`` must be 1.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import linalg
        >>> r = linalg.sqrtm(np.array([[4.0, 0.0], [0.0, 9.0]]))
        >>> r.real
        Array([[2., 0.],
               [0., 3.]])
    """
    if blocksize != 1:
        raise ValueError(f"fungrad.scipy.linalg.sqrtm: only blocksize=1 is supported, got "
                         f"{blocksize!r}")
    a = _matrix("sqrtm", A)
    theta = _branch_rotation(a)
    a = a.astype(np.complex64 if a.dtype in (np.float32, np.complex64) else np.complex128)
    x = m = a * fnp.exp(-1j * theta).astype(a.dtype)
    eye = constant_like(np.eye(a.shape[-1], dtype=a.dtype), a)
    for _ in range(_SQRTM_STEPS):
        m_inv = fnp.linalg.inv(m)
        x = 0.5 * fnp.matmul(x, eye + m_inv)
        m = 0.5 * (eye + 0.5 * (m + m_inv))
    return x * fnp.exp(0.5j * theta).astype(a.dtype)


def _branch_rotation(a):
    """An angle ``theta`` (per matrix, shape ``(..., 1, 1)``) such that ``exp(-i theta) a``
    has no eigenvalue on the closed negative real axis, where Denman-Beavers fails.

    ``sqrtm(a) = exp(i theta / 2) sqrtm(exp(-i theta) a)`` then holds with a negative real
    eigenvalue ``-r`` giving ``+i sqrt(r)`` (SciPy's and JAX's branch). ``theta`` is 0 when
    no eigenvalue is on that axis, and otherwise small enough (at most 0.5, and half the
    angle of the eigenvalue nearest to the axis from below) that no other eigenvalue
    crosses it. It is a constant for derivatives.
    """
    w = lax.stop_gradient(fnp.linalg.eigvals(a))  # a real ``a`` has exactly real ones
    tol = float(64 * np.finfo(w.real.dtype).eps)
    on_axis = (fnp.abs(w.imag) <= tol * fnp.abs(w)) & (w.real < 0)
    below = fnp.where((w.imag < 0) & ~on_axis, fnp.angle(w) + np.pi, np.pi)
    gap = fnp.min(below, axis=-1, keepdims=True)
    theta = fnp.where(fnp.any(on_axis, axis=-1, keepdims=True), fnp.minimum(0.5, 0.5 * gap), 0.0)
    return theta[..., None].astype(np.finfo(a.dtype).dtype)


def block_diag(*arrs):
    """The block-diagonal matrix of ``arrs`` (each made at least 2-D), zeros elsewhere.

    >>> block_diag(np.ones((1, 1)), 2 * np.ones((2, 1))).tolist()
    [[1.0, 0.0], [0.0, 2.0], [0.0, 2.0]]
    """
    if not arrs:
        return fnp.zeros((1, 0))
    blocks = [fnp.atleast_2d(fnp.asarray(x)) for x in arrs]
    for i, x in enumerate(blocks):
        if x.ndim != 2:
            raise ShapeError(f"fungrad.scipy.linalg.block_diag: argument {i} must have rank "
                             f"at most 2, got shape {x.shape}")
    dtype = np.result_type(*[x.dtype for x in blocks])
    total = sum(x.shape[1] for x in blocks)
    rows, left = [], 0
    for x in blocks:
        width = x.shape[1]
        rows.append(fnp.pad(x.astype(dtype), ((0, 0), (left, total - left - width))))
        left += width
    return fnp.concatenate(rows, axis=0)


# ---------------------------------------------------------------------------------------
# Determinant, inverse, solve and the decompositions (fungrad.numpy.linalg's, SciPy's names)


def det(a, overwrite_a: bool = False, check_finite: bool = True):
    """The determinant of ``(..., n, n)`` matrices.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import linalg
        >>> a = np.array([[4.0, 2.0], [2.0, 3.0]])
        >>> round(float(linalg.det(a)), 12)
        8.0
    """
    return fnp.linalg.det(_matrix("det", a))


def inv(a, overwrite_a: bool = False, check_finite: bool = True):
    """The inverse of ``(..., n, n)`` matrices.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import linalg
        >>> a = np.array([[4.0, 2.0], [2.0, 3.0]])
        >>> linalg.inv(a)
        array([[ 0.375, -0.25 ],
               [-0.25 ,  0.5  ]])
    """
    return fnp.linalg.inv(_matrix("inv", a))


def solve(a, b, lower: bool = False, overwrite_a: bool = False, overwrite_b: bool = False,
          debug: bool = False, check_finite: bool = True, assume_a: str = "gen"):
    """Solve ``a x = b``; ``b`` is ``(..., n)`` or ``(..., n, k)``.

    ``assume_a``: 'gen' or 'sym' (an LU solve), 'her' or 'pos' (a Cholesky solve of the
    triangle named by ``lower``; 'her' assumes positive definite too).

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import linalg
        >>> a = np.array([[4.0, 2.0], [2.0, 3.0]])
        >>> linalg.solve(a, np.array([1.0, 2.0]))
        Array([-0.125,  0.75 ])
        >>> linalg.solve(a, np.array([1.0, 2.0]), assume_a='pos')
        Array([-0.125,  0.75 ])
    """
    if assume_a not in ("gen", "sym", "her", "pos"):
        raise ValueError(f"fungrad.scipy.linalg.solve: `assume_a` must be 'gen', 'sym', "
                         f"'her' or 'pos', got {assume_a!r}")
    a = _matrix("solve", a)
    if assume_a in ("her", "pos"):
        full = _hermitian_from(fnp.tril(a) if lower else fnp.triu(a), lower)
        return cho_solve(cho_factor(full, lower=True), b)
    a, b, vector = _rhs("solve", a, b)
    x = fnp.linalg.solve(a, b)
    return x[..., 0] if vector else x


def _hermitian_from(tri, lower: bool):
    """The Hermitian matrix whose ``lower`` (or upper) triangle is ``tri``'s."""
    strict = fnp.tril(tri, -1) if lower else fnp.triu(tri, 1)
    diag = tri - strict
    return strict + fnp.conj(fnp.swapaxes(strict, -1, -2)) + fnp.real(diag).astype(tri.dtype)


def eigh(a, b=None, lower: bool = True, eigvals_only: bool = False,
         overwrite_a: bool = False, overwrite_b: bool = False, turbo: bool = True,
         eigvals=None, type: int = 1, check_finite: bool = True):  # noqa: A002
    """Eigenvalues (ascending) and eigenvectors of a Hermitian ``a``, from the triangle
    named by ``lower``. The generalized problem (``b``), ``eigvals`` and ``type != 1`` are
    not implemented (as in JAX).

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import linalg
        >>> a = np.array([[4.0, 2.0], [2.0, 3.0]])
        >>> linalg.eigh(a, eigvals_only=True)
        array([1.43844719, 5.56155281])
    """
    if b is not None or eigvals is not None or type != 1:
        raise NotImplementedError("fungrad.scipy.linalg.eigh: only the standard problem is "
                                  "implemented (b=None, eigvals=None, type=1)")
    a = _matrix("eigh", a)
    w, v = fnp.linalg.eigh(_hermitian_from(fnp.tril(a) if lower else fnp.triu(a), lower))
    return w if eigvals_only else (w, v)


def svd(a, full_matrices: bool = True, compute_uv: bool = True, overwrite_a: bool = False,
        check_finite: bool = True, lapack_driver: str = "gesdd"):
    """The singular value decomposition ``a = u @ diag(s) @ vh``: ``(u, s, vh)``, or ``s``
    with ``compute_uv=False``.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import linalg
        >>> a = np.array([[4.0, 2.0], [2.0, 3.0]])
        >>> linalg.svd(a, compute_uv=False)
        array([5.56155281, 1.43844719])
    """
    if lapack_driver not in ("gesdd", "gesvd"):
        raise ValueError(f"fungrad.scipy.linalg.svd: `lapack_driver` must be 'gesdd' or "
                         f"'gesvd', got {lapack_driver!r}")
    a = _matrix("svd", a, square=False)
    return fnp.linalg.svd(a, full_matrices=full_matrices, compute_uv=compute_uv)


def qr(a, overwrite_a: bool = False, lwork=None, mode: str = "full", pivoting: bool = False,
       check_finite: bool = True):
    """The QR decomposition: ``(q, r)`` for mode 'full' or 'economic', ``(r,)`` for 'r'
    (SciPy's tuple). ``mode='raw'`` and ``pivoting=True`` are not implemented.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import linalg
        >>> a = np.array([[4.0, 2.0], [2.0, 3.0]])
        >>> q, r = linalg.qr(a)
        >>> bool(np.allclose(q @ r, a)), bool(np.allclose(np.tril(r, -1), 0))
        (True, True)
    """
    if pivoting:
        raise NotImplementedError("fungrad.scipy.linalg.qr: pivoting=True is not implemented")
    if mode not in ("full", "r", "economic"):
        raise ValueError(f"fungrad.scipy.linalg.qr: `mode` must be 'full', 'r' or "
                         f"'economic' ('raw' is not implemented), got {mode!r}")
    a = _matrix("qr", a, square=False)
    if mode == "r":  # the reduced R padded with zero rows: differentiable for tall a too
        r = fnp.linalg.qr(a, mode="reduced")[1]
        m, n = a.shape[-2:]
        if m > n:
            r = fnp.concatenate([r, fnp.zeros((*a.shape[:-2], m - n, n), dtype=r.dtype)], -2)
        return (r,)
    q, r = fnp.linalg.qr(a, mode="complete" if mode == "full" else "reduced")
    return q, r
