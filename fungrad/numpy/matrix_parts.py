"""Shape functions of fungrad.numpy, part 4: matrix parts (``tril``, ``triu``,
``diagonal``, ``diag``, ``trace``) and ``outer``.

Triangles are masks built from iotas and diagonals are strided slices of the flattened
matrix, so none of them needs a gather. Public names are re-exported by
``fungrad.numpy.shape`` and ``fungrad.numpy``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["triu", "tril", "diag", "diagflat", "diagonal", "trace", "outer"]

from fungrad import lax
from fungrad.core import get_aval, shape_of
from fungrad.numpy.promotion import as_operand, promote, to_dtype
from fungrad.numpy.reshaping import check_integers, normalize_axis, ravel, shape_error, static_int
from fungrad.numpy.unsupported_arguments import IMMUTABLE, reject_unsupported

# ---------------------------------------------------------------------------------------
# Matrix parts: triangles and diagonals (masks and strided slices, no gather)


def _tri_mask(n: int, m: int, k: int):
    """Boolean (n, m) mask of ``j <= i + k`` built from iotas (no constant array)."""
    rows = lax.broadcasted_iota(np.int64, (n, m), 0)
    cols = lax.broadcasted_iota(np.int64, (n, m), 1)
    return lax.le(cols, lax.add(rows, np.int64(k)))


def _masked(fn: str, m, k, keep_lower: bool):
    m = as_operand(m)
    m_shape = shape_of(m)
    if len(m_shape) < 2:
        raise shape_error(f"fnp.{fn}: needs an array of rank >= 2, got shape {m_shape}")
    k = static_int(fn, "k", k)
    n, cols = m_shape[-2:]
    mask = _tri_mask(n, cols, k if keep_lower else k - 1)
    mask = lax.broadcast_in_dim(mask, m_shape, (len(m_shape) - 2, len(m_shape) - 1))
    zero = get_aval(m).dtype.type(0)
    # select_n(which, false_case, true_case): the mask is true on and below the diagonal.
    return lax.select_n(mask, zero, m) if keep_lower else lax.select_n(mask, m, zero)


def tril(m, k: int = 0):
    """Lower triangle of the last two axes (elements above diagonal ``k`` are zero).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.tril(np.ones((3, 3), int))
        array([[1, 0, 0],
               [1, 1, 0],
               [1, 1, 1]])
    """
    return _masked("tril", m, k, keep_lower=True)


def triu(m, k: int = 0):
    """Upper triangle of the last two axes (elements below diagonal ``k`` are zero).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.triu(np.ones((3, 3), int), k=1)
        array([[0, 1, 1],
               [0, 0, 1],
               [0, 0, 0]])
    """
    return _masked("triu", m, k, keep_lower=False)


def diagonal(a, offset: int = 0, axis1: int = 0, axis2: int = 1):
    """Return the ``offset`` diagonal of ``a`` over ``axis1``/``axis2`` (as the last axis).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.diagonal(np.arange(9).reshape(3, 3), offset=1)
        array([1, 5])
    """
    a = as_operand(a)
    a_shape = shape_of(a)
    if len(a_shape) < 2:
        raise shape_error(f"fnp.diagonal: needs an array of rank >= 2, got shape {a_shape}")
    i = normalize_axis("diagonal", axis1, len(a_shape), "axis1")
    j = normalize_axis("diagonal", axis2, len(a_shape), "axis2")
    if i == j:
        raise shape_error(f"fnp.diagonal: axis1 and axis2 are the same axis ({i})")
    offset = static_int("diagonal", "offset", offset, strict=True)
    rest = [d for d in range(len(a_shape)) if d not in (i, j)]
    x = lax.transpose(a, (*rest, i, j))
    lead, (rows, cols) = tuple(a_shape[d] for d in rest), (a_shape[i], a_shape[j])
    length = max(0, min(rows, cols - offset) if offset >= 0 else min(rows + offset, cols))
    # In the row-major flattening the diagonal is every (cols + 1)-th element.
    flat = lax.reshape(x, lead + (rows * cols,))
    start = offset if offset >= 0 else -offset * cols
    limit = start + (length - 1) * (cols + 1) + 1
    if not length:
        start = limit = 0
    return lax.slice_in_dim(flat, start, limit, cols + 1, len(lead))


def diag(v, k: int = 0):
    """Build a diagonal matrix from a 1-D ``v``, or extract diagonal ``k`` of a 2-D ``v``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.diag(np.array([1, 2]))
        array([[1, 0],
               [0, 2]])
        >>> fnp.diag(np.array([[1, 2], [3, 4]]))
        array([1, 4])
    """
    v = as_operand(v)
    v_shape = shape_of(v)
    k = static_int("diag", "k", k, strict=True)
    if len(v_shape) == 2:
        return diagonal(v, k)
    if len(v_shape) != 1:
        raise shape_error(f"fnp.diag: needs a 1-D or 2-D array, got shape {v_shape}")
    n = v_shape[0]
    size = n + abs(k)
    start = k if k >= 0 else -k * size
    # Spread v over the flattened (size, size) matrix: one value every size + 1 elements.
    used = n + max(n - 1, 0) * size
    zero = get_aval(v).dtype.type(0)
    flat = lax.pad(v, zero, [(start, size * size - start - used, size)])
    return lax.reshape(flat, (size, size))


def diagflat(v, k: int = 0):
    """The matrix with the flattened ``v`` on diagonal ``k``.


    >>> diagflat(np.array([1.0, 2.0])).tolist()
    [[1.0, 0.0], [0.0, 2.0]]
    """
    return diag(ravel(as_operand(v)), static_int("diagflat", "k", k, strict=True))


def trace(a, offset: int = 0, axis1: int = 0, axis2: int = 1, dtype=None,  # noqa: PLR0917
          out=None):
    """Sum of the ``offset`` diagonal over ``axis1``/``axis2``, like ``numpy.trace``.

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> import fungrad.numpy as fnp
        >>> fnp.trace(np.arange(9).reshape(3, 3)).item()
        12
        >>> fg.grad(fnp.trace)(np.ones((2, 2)))
        Array([[1., 0.],
               [0., 1.]])
    """
    check_integers("fnp.trace", "offset", offset)  # named here, not as diagonal's offset
    d = diagonal(a, offset, axis1, axis2)
    src = get_aval(d).dtype
    if dtype is None and (src.kind == "b" or src.kind == "i" and src.itemsize < 8):
        dtype = np.int64  # like NumPy's sum: small integers accumulate in 64 bits
    elif dtype is None and src.kind == "u" and src.itemsize < 8:
        dtype = np.uint64
    if dtype is not None:
        d = to_dtype(d, np.dtype(dtype))
    return lax.reduce_sum(d, (len(shape_of(d)) - 1,))


def outer(a, b, out=None):
    """Outer product of the flattened ``a`` and ``b``: ``out[i, j] = a[i] * b[j]``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.outer(np.array([1, 2]), np.array([1, 10, 100]))
        array([[  1,  10, 100],
               [  2,  20, 200]])
    """
    if out is not None:
        reject_unsupported("outer", IMMUTABLE, "use the return value", out=out)
    a, b = ravel(a), ravel(b)
    a, b = promote("outer", lax.expand_dims(a, (1,)), lax.expand_dims(b, (0,)))
    return lax.mul(a, b)
