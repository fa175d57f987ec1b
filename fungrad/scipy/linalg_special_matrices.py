"""SciPy's special matrices (``toeplitz``, ``hankel``, ``pascal``, ...), as
``jax.scipy.linalg`` has them.

The ones built from an array (``toeplitz``, ``hankel``, ``circulant``, ``companion``,
``convolution_matrix``, ``fiedler``, ``fiedler_companion``, ``leslie``) gather its entries
into place with a fixed index pattern, so they are differentiable in that array, batch over
its leading axes (as JAX's do) and work under ``vmap`` and ``jit``. The ones of an order
``n`` alone (``dft``, ``hadamard``, ``helmert``, ``hilbert``, ``invhilbert``, ``pascal``,
``invpascal``) are constants; ``invhilbert``, ``pascal`` and ``invpascal`` are computed in
exact integer arithmetic and rounded once to float64.
"""

from __future__ import annotations

import math

import numpy as np

import fungrad.numpy as fnp
from fungrad.array_module import constant_like
from fungrad.errors import ShapeError

__all__ = [
    "circulant", "companion", "convolution_matrix", "dft", "fiedler", "fiedler_companion",
    "hadamard", "hankel", "helmert", "hilbert", "invhilbert", "invpascal", "leslie",
    "pascal", "toeplitz",
]


def _vector(name: str, arg: str, x, min_length: int = 0):
    """``x`` as an array of rank >= 1 (a scalar becomes a length-1 vector)."""
    x = fnp.atleast_1d(fnp.asarray(x))
    if x.shape[-1] < min_length:
        raise ShapeError(f"fungrad.scipy.linalg.{name}: `{arg}` must have at least "
                         f"{min_length} entries along its last axis, got shape {x.shape}")
    return x


def _broadcast_pair(x, y):
    """``x`` and ``y`` with their leading (batch) axes broadcast and one common dtype."""
    batch = fnp.broadcast_shapes(x.shape[:-1], y.shape[:-1])
    dtype = np.result_type(x.dtype, y.dtype)
    return (fnp.broadcast_to(x, (*batch, x.shape[-1])).astype(dtype),
            fnp.broadcast_to(y, (*batch, y.shape[-1])).astype(dtype))


def _order(name: str, n) -> int:
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
        raise ValueError(f"fungrad.scipy.linalg.{name}: `n` must be a non-negative Python "
                         f"int, got {n!r}")
    return int(n)


# ---------------------------------------------------------------------------------------
# Matrices gathered from an array


def toeplitz(c, r=None):
    """The Toeplitz matrix with first column ``c`` and first row ``r``.

    ``T[i, j] = c[i - j]`` on and below the diagonal, ``r[j - i]`` above (``r[0]`` is not
    read). Without ``r``, ``r = conj(c)`` (a Hermitian matrix for a real ``c[0]``).
    Leading axes of ``c`` and ``r`` are batch axes, broadcast together (as JAX's).

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import linalg
        >>> linalg.toeplitz(np.array([1.0, 2.0, 3.0]), np.array([1.0, 5.0]))
        array([[1., 5.],
               [2., 1.],
               [3., 2.]])
    """
    c = _vector("toeplitz", "c", c)
    r = fnp.conj(c) if r is None else _vector("toeplitz", "r", r)
    c, r = _broadcast_pair(c, r)
    m, n = c.shape[-1], r.shape[-1]
    # values: r[n-1], ..., r[1], c[0], ..., c[m-1]; T[i, j] = values[n - 1 + i - j]
    values = fnp.concatenate([fnp.flip(r[..., 1:], -1), c], axis=-1)
    index = n - 1 + np.arange(m)[:, None] - np.arange(n)[None, :]
    return values[..., index]


def hankel(c, r=None):
    """The Hankel matrix with first column ``c`` and last row ``r``.

    ``H[i, j] = c[i + j]`` while ``i + j < len(c)``, then ``r[i + j - len(c) + 1]``
    (``r[0]`` is not read); without ``r``, zeros below the anti-diagonal. Leading axes are
    batch axes, broadcast together.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import linalg
        >>> linalg.hankel(np.array([1.0, 2.0, 3.0]))
        array([[1., 2., 3.],
               [2., 3., 0.],
               [3., 0., 0.]])
    """
    c = _vector("hankel", "c", c)
    r = fnp.zeros_like(c) if r is None else _vector("hankel", "r", r)
    c, r = _broadcast_pair(c, r)
    m, n = c.shape[-1], r.shape[-1]
    values = fnp.concatenate([c, r[..., 1:]], axis=-1)
    return values[..., np.arange(m)[:, None] + np.arange(n)[None, :]]


def circulant(c):
    """The circulant matrix whose first column is ``c``: ``C[i, j] = c[(i - j) mod n]``.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import linalg
        >>> linalg.circulant(np.array([1.0, 2.0, 3.0]))
        Array([[1., 3., 2.],
               [2., 1., 3.],
               [3., 2., 1.]])
    """
    c = _vector("circulant", "c", c)
    n = c.shape[-1]
    return c[..., (np.arange(n)[:, None] - np.arange(n)[None, :]) % n]


def companion(a):
    """The companion matrix of the polynomial with coefficients ``a`` (highest first).

    First row ``-a[1:] / a[0]``, ones on the subdiagonal: its eigenvalues are the
    polynomial's roots. ``a`` needs at least two coefficients; leading axes are batch axes.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import linalg
        >>> linalg.companion(np.array([1.0, -3.0, 2.0]))
        array([[ 3., -2.],
               [ 1.,  0.]])
    """
    a = _vector("companion", "a", a, min_length=2)
    a = a if a.dtype.kind in "fc" else a.astype(np.float64)
    n = a.shape[-1] - 1
    first = -a[..., 1:] / a[..., :1]
    eye = constant_like(np.eye(n - 1, n, dtype=a.dtype), a)  # on a's device
    rest = fnp.broadcast_to(eye, (*a.shape[:-1], n - 1, n))
    return fnp.concatenate([first[..., None, :], rest], axis=-2)


def convolution_matrix(a, n: int, mode: str = "full"):
    """The matrix ``T`` with ``T @ v == np.convolve(a, v, mode)`` for every ``v`` of
    length ``n``.

    Args:
        a: ``(..., m)``, the kernel; leading axes are batch axes.
        n: the length of the vectors ``T`` convolves.
        mode: 'full' (``m + n - 1`` rows), 'same' (``max(m, n)`` rows, centred as
            ``np.convolve``) or 'valid' (``max(m, n) - min(m, n) + 1`` rows).

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import linalg
        >>> linalg.convolution_matrix(np.array([1.0, 2.0]), 3)
        array([[1., 0., 0.],
               [2., 1., 0.],
               [0., 2., 1.],
               [0., 0., 2.]])
    """
    n = _order("convolution_matrix", n)
    if n == 0:
        raise ValueError("fungrad.scipy.linalg.convolution_matrix: `n` must be at least 1")
    if mode not in ("full", "same", "valid"):
        raise ValueError(f"fungrad.scipy.linalg.convolution_matrix: `mode` must be 'full', "
                         f"'same' or 'valid', got {mode!r}")
    a = _vector("convolution_matrix", "a", a, min_length=1)
    m = a.shape[-1]
    if mode == "full":
        first, rows = 0, m + n - 1
    elif mode == "same":
        rows = max(m, n)
        first = (min(m, n) - 1) // 2
    else:
        first, rows = min(m, n) - 1, max(m, n) - min(m, n) + 1
    # T_full[i, j] = a[i - j] where 0 <= i - j < m, else 0 (the appended zero, index m)
    padded = fnp.concatenate([a, fnp.zeros_like(a[..., :1])], axis=-1)
    k = first + np.arange(rows)[:, None] - np.arange(n)[None, :]
    return padded[..., np.where((k >= 0) & (k < m), k, m)]


def fiedler(a):
    """The symmetric Fiedler matrix ``F[i, j] = |a[i] - a[j]|``; leading axes are batch
    axes.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import linalg
        >>> linalg.fiedler(np.array([1.0, 4.0, 12.0]))
        Array([[ 0.,  3., 11.],
               [ 3.,  0.,  8.],
               [11.,  8.,  0.]])
    """
    a = fnp.atleast_1d(fnp.asarray(a))
    return fnp.abs(a[..., :, None] - a[..., None, :])


def fiedler_companion(a):
    """The Fiedler companion matrix of the polynomial with coefficients ``a`` (highest
    first): pentadiagonal, with the same eigenvalues (the roots) as :func:`companion`.

    With ``c = a[1:] / a[0]`` and order ``m = len(a) - 1``: row 0 holds ``-c[0], -c[1],
    1``; each later even row ``2j`` holds ``-c[2j]`` in column ``2j - 1``, ``-c[2j + 1]``
    in column ``2j + 1`` and ``1`` in column ``2j + 2``; each odd row ``2j + 1`` holds
    ``1`` in column ``max(2j - 1, 0)``. Leading axes are batch axes.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import linalg
        >>> linalg.fiedler_companion(np.array([1.0, 2.0, 3.0, 4.0]))
        array([[-2., -3.,  1.],
               [ 1.,  0.,  0.],
               [ 0., -4.,  0.]])
    """
    a = _vector("fiedler_companion", "a", a)
    a = a if a.dtype.kind in "fc" else a.astype(np.float64)
    m = a.shape[-1] - 1
    if m <= 0:
        return fnp.zeros((*a.shape[:-1], 0, 0), dtype=a.dtype)
    c = a[..., 1:] / a[..., :1]
    # values: 0, 1, -c[0], ..., -c[m-1]; index[i, j] picks each entry's value
    values = fnp.concatenate([fnp.zeros_like(a[..., :2])
                              + constant_like(np.array([0.0, 1.0], a.dtype), a),
                              -c], axis=-1)
    index = np.zeros((m, m), dtype=np.intp)
    for row in range(0, m, 2):
        index[row, max(row - 1, 0)] = 2 + row
        if row + 1 < m:
            index[row, row + 1] = 3 + row
            index[row + 1, max(row - 1, 0)] = 1
        if row + 2 < m:
            index[row, row + 2] = 1
    return values[..., index]


def leslie(f, s):
    """The Leslie matrix: fecundities ``f`` (``(..., n)``) in the first row, survival
    rates ``s`` (``(..., n - 1)``) on the subdiagonal, zeros elsewhere.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import linalg
        >>> linalg.leslie(np.array([0.5, 2.0, 1.0]), np.array([0.25, 0.75]))
        array([[0.5 , 2.  , 1.  ],
               [0.25, 0.  , 0.  ],
               [0.  , 0.75, 0.  ]])
    """
    f = _vector("leslie", "f", f, min_length=2)
    s = _vector("leslie", "s", s)
    n = f.shape[-1]
    if s.shape[-1] != n - 1:
        raise ShapeError(f"fungrad.scipy.linalg.leslie: `s` must have one entry fewer than "
                         f"`f` along the last axis, got f shape {f.shape} and s shape "
                         f"{s.shape}")
    f, s = _broadcast_pair(f, s)
    rest = s[..., :, None] * constant_like(np.eye(n - 1, n, dtype=s.dtype), s)
    return fnp.concatenate([f[..., None, :], rest], axis=-2)


# ---------------------------------------------------------------------------------------
# Constant matrices of an order n


def dft(n: int, scale: str | None = None, *, dtype=None):
    """The ``n x n`` discrete Fourier transform matrix ``W[j, k] = exp(-2 pi i j k / n)``
    (``W @ x == np.fft.fft(x)``).

    ``scale``: None, 'n' (divide by ``n``) or 'sqrtn' (divide by ``sqrt(n)``: unitary).
    ``dtype``: a complex dtype (complex128 by default). The exponent ``j k`` is reduced
    modulo ``n`` first, so entries are accurate for large ``n``.

    Example:
        >>> from fungrad.scipy import linalg
        >>> linalg.dft(2).real
        Array([[ 1.,  1.],
               [ 1., -1.]])
    """
    n = _order("dft", n)
    if scale not in (None, "n", "sqrtn"):
        raise ValueError(f"fungrad.scipy.linalg.dft: `scale` must be None, 'n' or 'sqrtn', "
                         f"got {scale!r}")
    dtype = np.dtype(np.complex128 if dtype is None else dtype)
    if dtype.kind != "c":
        raise TypeError(f"fungrad.scipy.linalg.dft: `dtype` must be complex, got {dtype}")
    jk = np.outer(np.arange(n), np.arange(n)) % max(n, 1)
    w = np.exp(-2j * np.pi * jk / max(n, 1))
    if scale == "n":
        w = w / n
    elif scale == "sqrtn":
        w = w / math.sqrt(n)
    return fnp.asarray(w.astype(dtype))


def hadamard(n: int, dtype=int):
    """The ``n x n`` Hadamard matrix of Sylvester's construction (``n`` a power of 2),
    entries +-1 of ``dtype``.

    Example:
        >>> from fungrad.scipy import linalg
        >>> linalg.hadamard(2)
        Array([[ 1,  1],
               [ 1, -1]])
    """
    n = _order("hadamard", n)
    if n < 1 or n & (n - 1):
        raise ValueError(f"fungrad.scipy.linalg.hadamard: `n` must be a positive power of "
                         f"2, got {n}")
    h = np.ones((1, 1), dtype=dtype)
    while h.shape[0] < n:
        h = np.block([[h, h], [h, -h]])
    return fnp.asarray(h)


def helmert(n: int, full: bool = False):
    """The ``n x n`` Helmert matrix (orthogonal), or without its first row
    (``full=False``: ``(n - 1, n)``, the rows orthogonal to the constant vector).

    Row ``k >= 1`` is ``1 / sqrt(k (k + 1))`` in its first ``k`` columns and
    ``-k / sqrt(k (k + 1))`` in column ``k``; row 0 is ``1 / sqrt(n)``.

    Example:
        >>> from fungrad.scipy import linalg
        >>> linalg.helmert(2, full=True)
        Array([[ 0.70710678,  0.70710678],
               [ 0.70710678, -0.70710678]])
    """
    n = _order("helmert", n)
    if n < 1:
        raise ValueError("fungrad.scipy.linalg.helmert: `n` must be at least 1, got 0")
    h = np.zeros((n, n))
    h[0] = 1 / math.sqrt(n)
    for k in range(1, n):
        h[k, :k] = 1 / math.sqrt(k * (k + 1))
        h[k, k] = -k / math.sqrt(k * (k + 1))
    return fnp.asarray(h if full else h[1:])


def hilbert(n: int):
    """The ``n x n`` Hilbert matrix ``H[i, j] = 1 / (i + j + 1)``.

    Example:
        >>> from fungrad.scipy import linalg
        >>> linalg.hilbert(2)
        Array([[1.        , 0.5       ],
               [0.5       , 0.33333333]])
    """
    n = _order("hilbert", n)
    i = np.arange(n)
    return fnp.asarray(1.0 / (i[:, None] + i[None, :] + 1))


def invhilbert(n: int):
    """The inverse of the ``n x n`` Hilbert matrix, from its closed form in exact integers,
    rounded once to float64 (exact while the entries stay below ``2**53``, ``n <= 12``).

    Example:
        >>> from fungrad.scipy import linalg
        >>> linalg.invhilbert(2)
        Array([[ 4., -6.],
               [-6., 12.]])
    """
    n = _order("invhilbert", n)
    out = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            value = ((i + j + 1) * math.comb(n + i, n - j - 1) * math.comb(n + j, n - i - 1)
                     * math.comb(i + j, i) ** 2)
            out[i, j] = float(-value if (i + j) % 2 else value)
    return fnp.asarray(out)


def _pascal_kind(name: str, kind) -> str:
    kind = "symmetric" if kind is None else kind
    if kind not in ("symmetric", "lower", "upper"):
        raise ValueError(f"fungrad.scipy.linalg.{name}: `kind` must be 'symmetric', 'lower' "
                         f"or 'upper', got {kind!r}")
    return kind


def _exact(entries) -> np.ndarray:
    """Python-int entries (a list of rows) as float64, each rounded once."""
    return np.array([[float(v) for v in row] for row in entries], dtype=np.float64).reshape(
        len(entries), len(entries))


def pascal(n: int, kind: str | None = None):
    """The ``n x n`` Pascal matrix: 'symmetric' (``C(i + j, i)``, the default), 'lower'
    (``C(i, j)``) or 'upper' (its transpose), in float64 from exact binomials.

    JAX's pascal is float32 through ``gammaln`` (relative errors near 1e-6); this one is
    exact while the entries stay below ``2**53`` (``n <= 29``).

    Example:
        >>> from fungrad.scipy import linalg
        >>> linalg.pascal(3)
        Array([[1., 1., 1.],
               [1., 2., 3.],
               [1., 3., 6.]])
    """
    n, kind = _order("pascal", n), _pascal_kind("pascal", kind)
    if kind == "symmetric":
        return fnp.asarray(_exact([[math.comb(i + j, i) for j in range(n)]
                                             for i in range(n)]))
    lower = _exact([[math.comb(i, j) for j in range(n)] for i in range(n)])
    return fnp.asarray(lower if kind == "lower" else lower.T.copy())


def invpascal(n: int, kind: str | None = None):
    """The inverse of :func:`pascal`'s matrix of the same ``kind``, exact in integers.

    The lower factor's inverse is ``(-1)**(i - j) C(i, j)``; the symmetric matrix is
    ``L L^T``, so its inverse is ``L^-T L^-1``.

    Example:
        >>> from fungrad.scipy import linalg
        >>> linalg.invpascal(3)
        Array([[ 3., -3.,  1.],
               [-3.,  5., -2.],
               [ 1., -2.,  1.]])
    """
    n, kind = _order("invpascal", n), _pascal_kind("invpascal", kind)
    inv_lower = [[(-1) ** (i - j) * math.comb(i, j) for j in range(n)] for i in range(n)]
    if kind == "symmetric":  # (L^-T L^-1)[i, j] = sum_k L^-1[k, i] L^-1[k, j]
        entries = [[sum(inv_lower[k][i] * inv_lower[k][j] for k in range(n))
                    for j in range(n)] for i in range(n)]
        return fnp.asarray(_exact(entries))
    lower = _exact(inv_lower)
    return fnp.asarray(lower if kind == "lower" else lower.T.copy())
