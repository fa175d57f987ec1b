"""Polynomials in fungrad.numpy, as 1-D coefficient arrays with the highest power first:
evaluation (``polyval``), arithmetic (``polyadd``, ``polysub``, ``polymul``, ``polydiv``),
calculus (``polyder``, ``polyint``), construction from roots (``poly``), the roots
themselves (``roots``), least-squares fits (``polyfit``) and the Vandermonde matrix
(``vander``).

Everything is differentiable in the coefficients (and ``polyval`` in ``x``; ``roots`` and
``poly`` through the eigenvalues). Shapes follow the coefficient counts, which are static;
removing leading zeros depends on the values, so, as in jax.numpy, it happens only where
asked (``trim_leading_zeros=True``, ``roots(strip_zeros=True)``) and needs concrete values
there (under jit or vmap the error names the argument and the fix). Integer coefficients
become float64 (complex where the roots are), as in jax.numpy.
"""

from __future__ import annotations

import numpy as np

from fungrad import lax
from fungrad.array_module import constant_like, to_host
from fungrad.core import concrete_or_none, get_aval, shape_of
from fungrad.errors import ConcretizationError, ShapeError
from fungrad.numpy.contractions import matmul
from fungrad.numpy.convolutions import convolve
from fungrad.numpy.creation import asarray, ones_like, zeros_like
from fungrad.numpy.joining import concatenate, stack
from fungrad.numpy.linalg import eigvals, inv, lstsq
from fungrad.numpy.math import equal, isfinite, sqrt, where
from fungrad.numpy.promotion import as_inexact, as_operand, promote_dtypes, to_dtype
from fungrad.numpy.reductions import all as _all
from fungrad.numpy.reductions import sum as _sum
from fungrad.numpy.reshaping import static_int

__all__ = ["polyval", "polyadd", "polysub", "polymul", "polydiv", "polyder", "polyint",
           "poly", "roots", "polyfit", "vander"]


def _coefficients(fn: str, arg: str, p):
    """``p`` as a 1-D float or complex array (integers become float64)."""
    p = as_operand(p)
    if len(shape_of(p)) != 1:
        raise ShapeError(f"fnp.{fn}: {arg} must be 1-D (the coefficients, highest power "
                         f"first), got shape {shape_of(p)}")
    return as_inexact(p)


def _without_leading_zeros(fn: str, arg: str, p, fix: str):
    """``p`` from its first nonzero coefficient on; the count must be concrete."""
    value = concrete_or_none(p)
    if value is None:
        raise ConcretizationError(
            f"fnp.{fn}: removing the leading zeros of {arg} ({get_aval(p).str_short()}) "
            f"decides the result's shape, so {arg} must be concrete; {fix}.")
    nonzero = np.flatnonzero(np.asarray(to_host(value)))  # host metadata: the count
    start = int(nonzero[0]) if nonzero.size else shape_of(p)[0]
    return p[start:]


def polyval(p, x, *, unroll: int = 16):
    """The polynomial with coefficients ``p`` (highest power first) at ``x``.

    ``unroll`` is accepted for JAX compatibility: the loop over the (static number of)
    coefficients is always unrolled.

    Example:
        >>> import fungrad.numpy as fnp
        >>> fnp.polyval(fnp.array([1.0, 0.0, -2.0]), fnp.array([0.0, 3.0])).tolist()
        [-2.0, 7.0]
    """
    p, x = as_operand(p), as_operand(x)
    if len(shape_of(p)) != 1:
        raise ShapeError(f"fnp.polyval: p must be 1-D (the coefficients), got shape "
                         f"{shape_of(p)}")
    p, x = promote_dtypes("polyval", p, x)
    y = zeros_like(x)
    for i in range(shape_of(p)[0]):
        y = y * x + p[i]
    return y


def _aligned(fn: str, a1, a2):
    """Both coefficient arrays of one dtype, the shorter padded in front to equal length."""
    a1, a2 = promote_dtypes(fn, _coefficients(fn, "a1", a1), _coefficients(fn, "a2", a2))
    n = max(shape_of(a1)[0], shape_of(a2)[0])
    dtype = np.dtype(get_aval(a1).dtype)
    return [lax.pad(a, dtype.type(0), [(n - shape_of(a)[0], 0, 0)]) for a in (a1, a2)]


def polyadd(a1, a2):
    """The sum of two polynomials.

    Args:
        a1, a2: 1-D coefficient arrays (highest power first), of any lengths.

    Returns:
        The coefficients of ``a1 + a2``, as long as the longer input.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.polyadd(np.array([1.0, 2.0]), np.array([1.0, 0.0, 3.0])).tolist()
        [1.0, 1.0, 5.0]
    """
    a1, a2 = _aligned("polyadd", a1, a2)
    return a1 + a2


def polysub(a1, a2):
    """The difference of two polynomials.

    Args:
        a1, a2: 1-D coefficient arrays (highest power first), of any lengths.

    Returns:
        The coefficients of ``a1 - a2``, as long as the longer input.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.polysub(np.array([1.0, 2.0]), np.array([1.0, 0.0, 3.0])).tolist()
        [-1.0, 1.0, -1.0]
    """
    a1, a2 = _aligned("polysub", a1, a2)
    return a1 - a2


def polymul(a1, a2, *, trim_leading_zeros: bool = False):
    """The product of two polynomials (the full convolution of their coefficients).

    Args:
        a1, a2: 1-D coefficient arrays (highest power first).
        trim_leading_zeros: drop the leading zeros of both first (needs concrete values).

    Returns:
        The coefficients of ``a1 * a2``, of length ``len(a1) + len(a2) - 1``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.polymul(np.array([1.0, 1.0]), np.array([1.0, -1.0])).tolist()
        [1.0, 0.0, -1.0]
    """
    a1, a2 = promote_dtypes("polymul", _coefficients("polymul", "a1", a1),
                            _coefficients("polymul", "a2", a2))
    if trim_leading_zeros:
        fix = "pass trim_leading_zeros=False under jit/vmap"
        a1 = _without_leading_zeros("polymul", "a1", a1, fix)
        a2 = _without_leading_zeros("polymul", "a2", a2, fix)
    if shape_of(a1)[0] == 0 or shape_of(a2)[0] == 0:
        return zeros_like(a1, shape=(0,))
    return convolve(a1, a2)


def polydiv(u, v, *, trim_leading_zeros: bool = False) -> tuple:
    """The quotient and remainder of dividing polynomial ``u`` by ``v``.

    Args:
        u: the dividend's coefficients (highest power first).
        v: the divisor's; its first coefficient must be nonzero (else the results are NaN
            or infinite, as in jax.numpy).
        trim_leading_zeros: drop the remainder's leading zeros (needs concrete values; the
            remainder otherwise has ``u``'s length, as in jax.numpy).

    Returns:
        ``(q, r)`` with ``u = q v + r``: ``q`` of length ``max(len(u) - len(v) + 1, 1)``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> q, r = fnp.polydiv(np.array([1.0, -3.0, 3.0]), np.array([1.0, -1.0]))
        >>> q.tolist(), r.tolist()
        ([1.0, -2.0], [0.0, 0.0, 1.0])
    """
    u, v = promote_dtypes("polydiv", _coefficients("polydiv", "u", u),
                          _coefficients("polydiv", "v", v))
    n, m = shape_of(u)[0], shape_of(v)[0]
    if m == 0:
        raise ShapeError("fnp.polydiv: v has no coefficients (division by the empty polynomial)")
    scale = 1 / v[0]
    remainder, quotient = u, []
    for k in range(max(n - m + 1, 0)):
        q = remainder[k] * scale
        quotient.append(q)
        shifted = lax.pad(v * q, np.dtype(get_aval(u).dtype).type(0), [(k, n - m - k, 0)])
        remainder = remainder - shifted
    q = stack(quotient) if quotient else zeros_like(u, shape=(1,))
    if trim_leading_zeros:
        remainder = _without_leading_zeros("polydiv", "the remainder", remainder,
                                           "pass trim_leading_zeros=False under jit/vmap")
    return q, remainder


def polyder(p, m: int = 1):
    """The ``m``-th derivative of a polynomial.

    Args:
        p: 1-D coefficients (highest power first).
        m: the order of the derivative (a static non-negative int).

    Returns:
        The coefficients of the derivative, of length ``max(len(p) - m, 0)``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.polyder(np.array([1.0, 2.0, 3.0, 4.0]), 2).tolist()
        [6.0, 4.0]
    """
    p = _coefficients("polyder", "p", p)
    m = static_int("polyder", "m", m)
    if m < 0:
        raise ValueError(f"fnp.polyder: m must be a non-negative order, got {m}")
    for _ in range(m):
        n = shape_of(p)[0]
        if n <= 1:
            return zeros_like(p, shape=(0,))
        p = p[:-1] * _falling_powers(p, n - 1)
    return p


def polyint(p, m: int = 1, k=None):
    """The ``m``-th antiderivative of a polynomial.

    Args:
        p: 1-D coefficients (highest power first).
        m: how many times to integrate (a static non-negative int).
        k: the integration constants: None (zeros), a scalar (the same for each
            integration) or ``m`` values, the first for the first integration (as NumPy).

    Returns:
        The coefficients of the antiderivative, of length ``len(p) + m``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.polyint(np.array([3.0, 2.0, 1.0]), k=5.0).tolist()
        [1.0, 1.0, 1.0, 5.0]
    """
    p = _coefficients("polyint", "p", p)
    m = static_int("polyint", "m", m)
    if m < 0:
        raise ValueError(f"fnp.polyint: m must be a non-negative order, got {m}")
    constants = _integration_constants(p, m, k)
    for i in range(m):
        n = shape_of(p)[0]
        divided = p / _falling_powers(p, n)
        p = concatenate([divided, lax.reshape(constants[i], (1,))])
    return p


def _falling_powers(p, n: int):
    """The powers ``n, n-1, ..., 1`` in ``p``'s dtype, on ``p``'s device."""
    return constant_like(np.arange(n, 0, -1, dtype=np.float64).astype(get_aval(p).dtype), p)


def _integration_constants(p, m: int, k):
    dtype = np.dtype(get_aval(p).dtype)
    if k is None:
        return [dtype.type(0)] * m
    k = to_dtype(as_operand(k), dtype)
    if shape_of(k) == ():
        return [k] * m
    if shape_of(k) != (m,):
        raise ShapeError(f"fnp.polyint: k must be a scalar or have m={m} values, got shape "
                         f"{shape_of(k)}")
    return [k[i] for i in range(m)]


def poly(seq_of_zeros):
    """The coefficients of the monic polynomial with the given roots.

    Args:
        seq_of_zeros: a 1-D array of roots, or a square matrix (its eigenvalues are the
            roots: the characteristic polynomial).

    Returns:
        The ``n + 1`` coefficients, highest power first (complex for a matrix and for
        complex roots, as in jax.numpy).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.poly(np.array([1.0, 2.0])).tolist()
        [1.0, -3.0, 2.0]
    """
    z = as_operand(seq_of_zeros)
    shape = shape_of(z)
    if len(shape) == 2 and shape[0] == shape[1] and shape[0] > 0:
        z = eigvals(as_inexact(z))
    elif len(shape) == 0:
        z = lax.reshape(z, (1,))
    elif len(shape) != 1:
        raise ShapeError(f"fnp.poly: seq_of_zeros must be 1-D (roots) or a square matrix, "
                         f"got shape {shape}")
    z = as_inexact(z)
    coefficients = ones_like(z, shape=(1,))
    for i in range(shape_of(z)[0]):
        coefficients = convolve(coefficients, stack([ones_like(z[i]), -z[i]]))
    return coefficients if shape_of(z)[0] else lax.reshape(coefficients, ())


def roots(p, *, strip_zeros: bool = True):
    """The roots of a polynomial: the eigenvalues of its companion matrix.

    Args:
        p: 1-D coefficients (highest power first).
        strip_zeros: drop leading zeros first; this needs concrete coefficients. Under
            jit/vmap pass ``strip_zeros=False``: a leading zero then gives NaN roots.

    Returns:
        A complex array of the ``len(p) - 1`` roots (fewer when ``strip_zeros`` drops
        leading zeros), in the eigenvalue solver's order.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.sort_complex(fnp.roots(np.array([1.0, -3.0, 2.0]))).real.round(6).tolist()
        [1.0, 2.0]
    """
    p = _coefficients("roots", "p", p)
    if strip_zeros:
        p = _without_leading_zeros("roots", "p", p, "pass strip_zeros=False under jit/vmap "
                                   "(leading zeros then give NaN roots)")
    # Trailing zeros stay in the companion matrix (their roots are its zero eigenvalues),
    # so the roots at 0 keep their derivative in the last coefficients.
    return _companion_roots(p)


def _companion_roots(p):
    """The eigenvalues of ``p``'s companion matrix (all NaN where ``p[0]`` is 0)."""
    n = shape_of(p)[0] - 1
    complex_dtype = np.result_type(get_aval(p).dtype, np.complex64)
    if n < 1:
        return zeros_like(p, complex_dtype, shape=(0,))
    lead_is_zero = equal(p[0], 0)
    top = -p[1:] / where(lead_is_zero, 1, p[0])
    below = constant_like(np.eye(n - 1, n, dtype=get_aval(p).dtype), p)
    matrix = concatenate([lax.reshape(top, (1, n)), asarray(below)], axis=0)
    usable = lax.bitwise_and(_all(isfinite(matrix)), lax.bitwise_not(lead_is_zero))
    values = to_dtype(eigvals(where(usable, matrix, 0)), np.dtype(complex_dtype))
    return where(usable, values, np.nan)


def vander(x, N: int | None = None, increasing: bool = False):  # noqa: N803 (NumPy's name)
    """The Vandermonde matrix of ``x``: columns are powers of ``x``.

    Args:
        x: a 1-D array.
        N: the number of columns (a static int; default ``len(x)``).
        increasing: powers ``0, 1, ..., N-1`` from the left if True; else decreasing.

    Returns:
        A ``(len(x), N)`` array of ``x``'s dtype; the powers are repeated products, so the
        derivative at ``x = 0`` is exact.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.vander(np.array([1, 2, 3]), 3).tolist()
        [[1, 1, 1], [4, 2, 1], [9, 3, 1]]
    """
    x = as_operand(x)
    if len(shape_of(x)) != 1:
        raise ShapeError(f"fnp.vander: x must be 1-D, got shape {shape_of(x)}")
    n = shape_of(x)[0] if N is None else static_int("vander", "N", N, strict=True)
    if n < 0:
        raise ValueError(f"fnp.vander: N must be non-negative, got {n}")
    columns = []
    power = ones_like(x)
    for _ in range(n):
        columns.append(power)
        power = power * x
    if not columns:
        return zeros_like(x, shape=(shape_of(x)[0], 0))
    return stack(columns if increasing else columns[::-1], axis=1)


def polyfit(x, y, deg: int, rcond=None, full: bool = False, w=None, cov=False):  # noqa: PLR0917
    """The least-squares polynomial of degree ``deg`` through the points ``(x, y)``.

    Args:
        x: the sample points, shape ``(M,)``.
        y: the values, shape ``(M,)`` or ``(M, K)`` (K fits at once).
        deg: the degree (a static int).
        rcond: the cut-off for small singular values (default ``M * eps``).
        full: also return the residuals, the rank, the singular values and ``rcond``.
        w: weights, shape ``(M,)``, applied to the residuals before squaring.
        cov: also return the covariance of the coefficients (scaled by the residuals'
            variance; ``cov="unscaled"`` leaves it unscaled).

    Returns:
        The ``deg + 1`` coefficients (highest power first; ``(deg + 1, K)`` for 2-D ``y``),
        or the tuple that ``full`` / ``cov`` ask for.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> x = np.array([0.0, 1.0, 2.0, 3.0])
        >>> fnp.polyfit(x, 2 * x * x - 1, 2).round(6).tolist()
        [2.0, -0.0, -1.0]
    """
    x, y = promote_dtypes("polyfit", as_inexact(as_operand(x)), as_inexact(as_operand(y)))
    deg = static_int("polyfit", "deg", deg)
    if deg < 0 or len(shape_of(x)) != 1 or len(shape_of(y)) not in (1, 2) \
            or shape_of(y)[0] != shape_of(x)[0]:
        raise ShapeError(f"fnp.polyfit: needs deg >= 0, x of shape (M,) and y of shape (M,) "
                         f"or (M, K); got deg={deg}, x {shape_of(x)}, y {shape_of(y)}")
    order, count = deg + 1, shape_of(x)[0]
    rcond = count * np.finfo(np.dtype(get_aval(x).dtype)).eps if rcond is None else rcond
    lhs, rhs = vander(x, order), y
    if w is not None:
        w = as_operand(w)
        lhs = lhs * w[:, None]
        rhs = rhs * (w if len(shape_of(y)) == 1 else w[:, None])
    scale = sqrt(_sum(lhs * lhs, axis=0))  # columns of unit norm condition the solve
    coefficients, residuals, rank, singular = lstsq(lhs / scale, rhs, rcond=rcond)
    coefficients = (coefficients.T / scale).T
    if full:
        return coefficients, residuals, rank, singular, rcond
    if not cov:
        return coefficients
    base = inv(matmul((lhs / scale).T, lhs / scale)) / (scale[:, None] * scale[None, :])
    if cov == "unscaled":
        return coefficients, base
    factor = residuals / (count - order)
    if len(shape_of(y)) == 1:
        return coefficients, base * factor
    return coefficients, base[:, :, None] * factor
