"""Matrix equations and matrix functions of ``jax.scipy.linalg``: ``solve_sylvester``,
``polar``, ``expm_frechet``, ``funm``, ``eigh_tridiagonal`` and ``qr_multiply``.

fungrad has no Schur decomposition (SciPy is not a runtime dependency and the QR iteration
is not written here), so these go through the decompositions it has, and each says which:

* ``solve_sylvester(method='schur')`` (the default) solves the Kronecker system
  ``(A (x) I + I (x) B^T) vec(X) = vec(C)`` by LU with partial pivoting. It is backward
  stable in that ``mn x mn`` system (accurate where the Sylvester operator is well
  conditioned, defective ``A`` and ``B`` included) and costs ``O((mn)^3)``: meant for the
  small and medium matrices JAX's CPU-only Schur method serves. Its derivative is the
  solve's, which is the implicit derivative ``A dX + dX B = dC - dA X - X dB``.
  ``method='eigen'`` diagonalises ``A`` and ``B`` (``fnp.linalg.eig``), as JAX's: ``O(m^3 +
  n^3)``, for large matrices, and as accurate as their eigenvectors are well conditioned.
* ``polar`` is formed from the SVD (``u = U V^H``), for JAX's ``method`` names both.
* ``funm`` diagonalises ``A`` (``fnp.linalg.eig``): exact for normal matrices, with error
  growing with the condition number of the eigenvectors otherwise (JAX and SciPy use the
  Schur-Parlett recurrence, which also fails for close eigenvalues).
* ``eigh_tridiagonal`` forms the dense tridiagonal matrix and calls ``eigh``.

All are differentiable (``funm`` and ``polar`` where the eigenvalues / singular values are
distinct) and work under ``vmap`` and ``jit``, unlike JAX's Schur-based ones.
"""

from __future__ import annotations

import numpy as np

import fungrad.numpy as fnp
from fungrad import lax
from fungrad.errors import ShapeError
from fungrad.transforms.api import jvp

__all__ = ["eigh_tridiagonal", "expm_frechet", "funm", "polar", "qr_multiply",
           "solve_sylvester"]


def _square(name: str, arg: str, a, square: bool = True):
    """``a`` as a float or complex array of rank >= 2 (square if asked)."""
    a = fnp.asarray(a)
    if a.dtype.kind not in "fc":
        a = a.astype(np.float64)
    if a.ndim < 2 or (square and a.shape[-1] != a.shape[-2]):
        want = "(..., n, n)" if square else "(..., m, n)"
        raise ShapeError(f"fungrad.scipy.linalg.{name}: `{arg}` must have shape {want}, got "
                         f"{a.shape}")
    return a


def _common_dtype(*arrays):
    dtype = np.result_type(*[a.dtype for a in arrays])
    return [a.astype(dtype) for a in arrays]


# ---------------------------------------------------------------------------------------
# Sylvester equation


def solve_sylvester(A, B, C, *, method: str = "schur", tol: float = 1e-8):  # noqa: N803
    """Solve the Sylvester equation ``A X + X B = C``.

    Args:
        A: ``(..., m, m)``.
        B: ``(..., n, n)``.
        C: ``(..., m, n)``; batch axes of the three broadcast.
        method: 'schur' (the ``mn x mn`` Kronecker system by pivoted LU: accurate,
            ``O((mn)^3)``) or 'eigen' (eigendecompositions of ``A`` and ``B``, as JAX's:
            ``O(m^3 + n^3)``, less accurate where their eigenvectors are ill conditioned);
            see the module's notes.
        tol: where some eigenvalue sum ``lambda_i(A) + mu_j(B)`` is within ``tol`` of zero
            (the equation singular or nearly so), the result is all NaN, as JAX's.
    Returns:
        ``X``, ``(..., m, n)``; differentiable in ``A``, ``B`` and ``C``.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import linalg
        >>> a = np.array([[1.0, 2.0], [3.0, 4.0]])
        >>> b = np.array([[5.0, 6.0], [7.0, 8.0]])
        >>> c = np.array([[6.0, 8.0], [10.0, 12.0]])
        >>> bool(np.allclose(linalg.solve_sylvester(a, b, c), np.eye(2)))
        True
    """
    if method not in ("schur", "eigen"):
        raise ValueError(f"fungrad.scipy.linalg.solve_sylvester: `method` must be 'schur' or "
                         f"'eigen', got {method!r}")
    a = _square("solve_sylvester", "A", A)
    b = _square("solve_sylvester", "B", B)
    c = _square("solve_sylvester", "C", C, square=False)
    m, n = a.shape[-1], b.shape[-1]
    if c.shape[-2:] != (m, n):
        raise ShapeError(f"fungrad.scipy.linalg.solve_sylvester: `C` must have shape (..., "
                         f"{m}, {n}) for `A` of shape {a.shape} and `B` of shape {b.shape}, "
                         f"got {c.shape}")
    batch = fnp.broadcast_shapes(a.shape[:-2], b.shape[:-2], c.shape[:-2])
    a, b, c = _common_dtype(fnp.broadcast_to(a, (*batch, m, m)),
                            fnp.broadcast_to(b, (*batch, n, n)),
                            fnp.broadcast_to(c, (*batch, m, n)))
    if method == "eigen":
        # A = Va diag(wa) Va^-1, B = Vb diag(wb) Vb^-1: Y = Va^-1 C Vb solves the diagonal
        # equation wa_i Y_ij + Y_ij wb_j = (Va^-1 C Vb)_ij, and X = Va Y Vb^-1.
        wa, va = fnp.linalg.eig(a)
        wb, vb = fnp.linalg.eig(b)
        sums = wa[..., :, None] + wb[..., None, :]
        # (a sum within tol of 0 makes the result nan below: divide by 1 there instead)
        safe = fnp.where(fnp.abs(lax.stop_gradient(sums)) < tol, 1, sums)
        y = fnp.linalg.solve(va, c.astype(va.dtype) @ vb) / safe
        x = fnp.linalg.solve(fnp.swapaxes(vb, -1, -2), fnp.swapaxes(va @ y, -1, -2))
        x = fnp.swapaxes(x, -1, -2)
        x = x if c.dtype.kind == "c" else fnp.real(x)
        sums = lax.stop_gradient(sums)
    else:
        # row-major vec: (A X + X B)[i, j] = sum_kl (A[i, k] d[j, l] + d[i, k] B[l, j]) X[k, l]
        eye_m, eye_n = fnp.eye(m, dtype=a.dtype), fnp.eye(n, dtype=a.dtype)
        k = (fnp.einsum("...ik,jl->...ijkl", a, eye_n)
             + fnp.einsum("ik,...lj->...ijkl", eye_m, b)).reshape(*batch, m * n, m * n)
        x = fnp.linalg.solve(k, c.reshape(*batch, m * n, 1)).reshape(*batch, m, n)
        sums = (fnp.linalg.eigvals(lax.stop_gradient(a))[..., :, None]
                + fnp.linalg.eigvals(lax.stop_gradient(b))[..., None, :])
    singular = fnp.min(fnp.abs(sums), axis=(-2, -1)) < tol
    return fnp.where(singular[..., None, None], fnp.nan, x)


# ---------------------------------------------------------------------------------------
# Polar decomposition


def polar(a, side: str = "right", *, method: str = "qdwh", eps=None, max_iterations=None):
    """The polar decomposition: ``a = u p`` (``side='right'``) or ``a = p u`` ('left'), with
    ``u`` of orthonormal columns (rows when ``n > m``) and ``p`` Hermitian positive
    semidefinite.

    Args:
        a: ``(..., m, n)``.
        side: 'right' (``p`` is ``(..., n, n)``) or 'left' (``p`` is ``(..., m, m)``).
        method: 'qdwh' or 'svd' (JAX's names); both are formed from the SVD ``a = U S V^H``:
            ``u = U V^H``, ``p = V S V^H`` or ``U S U^H``. ``eps`` and ``max_iterations``
            (QDWH's) are accepted and ignored.
    Returns:
        ``(u, p)``, differentiable where the singular values are distinct and nonzero.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import linalg
        >>> u, p = linalg.polar(np.array([[0.0, 2.0], [3.0, 0.0]]))
        >>> u
        Array([[0., 1.],
               [1., 0.]])
        >>> p
        Array([[3., 0.],
               [0., 2.]])
    """
    if side not in ("right", "left"):
        raise ValueError(f"fungrad.scipy.linalg.polar: `side` must be 'right' or 'left', got "
                         f"{side!r}")
    if method not in ("qdwh", "svd"):
        raise ValueError(f"fungrad.scipy.linalg.polar: `method` must be 'qdwh' or 'svd', got "
                         f"{method!r}")
    a = _square("polar", "a", a, square=False)
    u_svd, s, vh = fnp.linalg.svd(a, full_matrices=False)
    u = fnp.matmul(u_svd, vh)
    if side == "right":
        v = fnp.conj(fnp.swapaxes(vh, -1, -2))
        p = fnp.matmul(v * s[..., None, :].astype(a.dtype), vh)
    else:
        p = fnp.matmul(u_svd * s[..., None, :].astype(a.dtype),
                       fnp.conj(fnp.swapaxes(u_svd, -1, -2)))
    return u, p


# ---------------------------------------------------------------------------------------
# Matrix functions


def expm_frechet(A, E, *, method=None, compute_expm: bool = True):  # noqa: N803
    """The Frechet derivative of the matrix exponential at ``A`` in the direction ``E``:
    the JVP of :func:`expm` (``method`` is accepted and ignored, as in JAX).

    Returns:
        ``(expm(A), L(A, E))`` with ``compute_expm=True``, else ``L(A, E)``; both
        ``(..., n, n)``.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import linalg
        >>> a = np.diag([0.0, 1.0])
        >>> expm_a, l_ae = linalg.expm_frechet(a, np.eye(2))
        >>> bool(np.allclose(l_ae, expm_a))  # A and E commute: L(A, E) = E exp(A)
        True
    """
    from fungrad.scipy.linalg import expm  # linalg imports this module: a documented cycle

    a = _square("expm_frechet", "A", A)
    e = _square("expm_frechet", "E", E)
    if e.shape != a.shape:
        raise ShapeError(f"fungrad.scipy.linalg.expm_frechet: `E` must have the shape of "
                         f"`A`, {a.shape}, got {e.shape}")
    a, e = _common_dtype(a, e)
    value, tangent = jvp(expm, (a,), (e,))
    return (value, tangent) if compute_expm else tangent


def funm(A, func, disp: bool = True):  # noqa: N803
    """The matrix function ``func(A)``, from the eigendecomposition ``A = V diag(w) V^-1``:
    ``V diag(func(w)) V^-1`` (complex, as JAX's).

    Args:
        A: ``(n, n)`` (JAX's funm takes one matrix; vmap it for a batch).
        func: a scalar function written with fungrad.numpy, applied elementwise to the
            complex eigenvalues.
        disp: with False, return ``(F, errest)``; ``errest`` here is ``eps`` times the
            1-norm condition number of ``V`` (this method's error bound, clipped to
            ``[eps, 1]``), not SciPy's Schur-based estimate.
    Returns:
        ``F`` (``(n, n)``, complex), or ``(F, errest)``. Differentiable where the
        eigenvalues of ``A`` are distinct.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> from fungrad.scipy import linalg
        >>> f = linalg.funm(np.array([[1.0, 2.0], [0.0, 3.0]]), fnp.exp)
        >>> bool(np.allclose(f, linalg.expm(np.array([[1.0, 2.0], [0.0, 3.0]]))))
        True
    """
    a = _square("funm", "A", A)
    if a.ndim != 2:
        raise ShapeError(f"fungrad.scipy.linalg.funm: `A` must be one (n, n) matrix (vmap "
                         f"funm for a batch), got shape {a.shape}")
    w, v = fnp.linalg.eig(a)
    fw = fnp.asarray(func(w)).astype(w.dtype)
    f = fnp.swapaxes(fnp.linalg.solve(fnp.swapaxes(v, -1, -2),
                                      fnp.swapaxes(v * fw[None, :], -1, -2)), -1, -2)
    if disp:
        return f
    eps = np.finfo(a.dtype).eps
    v_const = lax.stop_gradient(v)
    cond = (fnp.max(fnp.sum(fnp.abs(v_const), axis=0))
            * fnp.max(fnp.sum(fnp.abs(fnp.linalg.inv(v_const)), axis=0)))
    return f, fnp.clip(eps * cond, eps, 1.0)


# ---------------------------------------------------------------------------------------
# Tridiagonal eigenproblem and QR products


def eigh_tridiagonal(d, e, *, eigvals_only: bool = False, select: str = "a",
                     select_range=None, tol=None, key=None):
    """Eigenvalues (ascending) and eigenvectors of the real symmetric tridiagonal matrix
    with diagonal ``d`` and off-diagonal ``e``.

    Args:
        d: ``(..., n)``, real (integers are taken as float64).
        e: ``(..., n - 1)``.
        eigvals_only: return the eigenvalues only.
        select: 'a' (all) or 'i' (indices ``select_range[0] <= i <= select_range[1]``);
            'v' (a value range, whose output size depends on the values) is not
            implemented, as in JAX.
        tol, key: accepted and ignored (the dense ``eigh`` needs neither).
    Returns:
        ``w`` or ``(w, v)``, the eigenvectors in the columns of ``v``; differentiable
        where the eigenvalues are distinct.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import linalg
        >>> linalg.eigh_tridiagonal(np.array([2.0, 2.0]), np.array([1.0]),
        ...                         eigvals_only=True)
        array([1., 3.])
    """
    d, e = fnp.asarray(d), fnp.asarray(e)
    for arg, x in (("d", d), ("e", e)):
        if x.dtype.kind == "c":
            raise TypeError(f"fungrad.scipy.linalg.eigh_tridiagonal: `{arg}` must be real "
                            f"(the matrix is real symmetric), got {x.dtype}")
    d, e = [x if x.dtype.kind == "f" else x.astype(np.float64) for x in (d, e)]
    if d.ndim < 1 or e.ndim < 1 or e.shape[-1] != d.shape[-1] - 1:
        raise ShapeError(f"fungrad.scipy.linalg.eigh_tridiagonal: `e` must have shape "
                         f"(..., n - 1) for `d` of shape (..., n), got d {d.shape} and e "
                         f"{e.shape}")
    if select not in ("a", "i", "v"):
        raise ValueError(f"fungrad.scipy.linalg.eigh_tridiagonal: `select` must be 'a', 'i' "
                         f"or 'v', got {select!r}")
    if select == "v":
        raise NotImplementedError("fungrad.scipy.linalg.eigh_tridiagonal: select='v' is not "
                                  "implemented (as in JAX); use select='i' with indices")
    n = d.shape[-1]
    if select == "i":
        lo, hi = (int(i) for i in select_range)
        if not 0 <= lo <= hi < n:
            raise ValueError(f"fungrad.scipy.linalg.eigh_tridiagonal: `select_range` must "
                             f"be (lo, hi) with 0 <= lo <= hi < {n}, got {select_range!r}")
    else:
        lo, hi = 0, n - 1
    d, e = _common_dtype(d, e)
    batch = fnp.broadcast_shapes(d.shape[:-1], e.shape[:-1])
    d, e = fnp.broadcast_to(d, (*batch, n)), fnp.broadcast_to(e, (*batch, n - 1))
    sub = fnp.eye(n, k=-1, dtype=d.dtype)
    off = fnp.pad(e, [(0, 0)] * len(batch) + [(0, 1)])[..., None, :] * sub
    t = d[..., None, :] * fnp.eye(n, dtype=d.dtype) + off + fnp.swapaxes(off, -1, -2)
    w, v = fnp.linalg.eigh(t)
    w, v = w[..., lo:hi + 1], v[..., lo:hi + 1]
    return w if eigvals_only else (w, v)


def qr_multiply(a, c, mode: str = "right", pivoting: bool = False, conjugate: bool = False,
                overwrite_a: bool = False, overwrite_c: bool = False):
    """The product of ``a``'s (economic) QR factor ``Q`` with ``c``, and ``R``.

    Args:
        a: ``(..., m, n)``; ``k = min(m, n)``, ``Q`` is ``(..., m, k)``, ``R`` ``(..., k, n)``.
        c: 'left': ``(..., k, p)`` (or a length-``k`` vector), giving ``Q @ c``;
            'right': ``(..., p, m)`` (or a length-``m`` vector), giving ``c @ Q``.
        conjugate: use ``conj(Q)`` in place of ``Q``.
        pivoting: True is not implemented (fungrad's QR does not pivot).
    Returns:
        ``(product, R)``; a vector ``c`` gives a vector product.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import linalg
        >>> a = np.array([[1.0, 1.0], [1.0, 2.0], [1.0, 3.0], [1.0, 4.0]])
        >>> qtb, r = linalg.qr_multiply(a, np.array([2.0, 4.0, 5.0, 4.0]))
        >>> linalg.solve_triangular(r, qtb)  # the least-squares line
        Array([2. , 0.7])
    """
    if pivoting:
        raise NotImplementedError("fungrad.scipy.linalg.qr_multiply: pivoting=True is not "
                                  "implemented")
    if mode not in ("left", "right"):
        raise ValueError(f"fungrad.scipy.linalg.qr_multiply: `mode` must be 'left' or "
                         f"'right', got {mode!r}")
    a = _square("qr_multiply", "a", a, square=False)
    c = fnp.asarray(c)
    m, n = a.shape[-2:]
    k = min(m, n)
    vector = c.ndim == 1
    if vector:
        c = c[:, None] if mode == "left" else c[None, :]
    want = k if mode == "left" else m
    got = c.shape[-2] if mode == "left" else c.shape[-1]
    if c.ndim < 2 or got != want:
        shape = f"(..., {k}, p) or ({k},)" if mode == "left" else f"(..., p, {m}) or ({m},)"
        raise ShapeError(f"fungrad.scipy.linalg.qr_multiply: `c` must have shape {shape} for "
                         f"`a` of shape {a.shape} and mode={mode!r}, got {fnp.shape(c)}")
    q, r = fnp.linalg.qr(a, mode="reduced")
    if conjugate:
        q = fnp.conj(q)
    out = fnp.matmul(q, c) if mode == "left" else fnp.matmul(c, q)
    if vector:
        out = out[..., 0] if mode == "left" else out[..., 0, :]
    return out, r
