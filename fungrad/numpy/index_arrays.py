"""Index arrays and index helpers: tril_indices, triu_indices, diag_indices (and their
``*_from`` forms), indices, ix_, unravel_index, and NumPy's index objects s_, index_exp,
mgrid and ogrid. Sizes are static, so the constant ones run NumPy at trace time and return
int64 arrays (valid indices inside jit and vmap); ``unravel_index`` and ``ix_`` also take
traced arrays.
"""

from __future__ import annotations

import numpy as np

from fungrad import lax
from fungrad.core import get_aval, shape_of
from fungrad.numpy.array_type import as_array_type
from fungrad.numpy.promotion import as_operand
from fungrad.numpy.reshaping import reshape, shape_error, static_int, static_ints

__all__ = ["tril_indices", "triu_indices", "tril_indices_from", "triu_indices_from",
           "diag_indices", "diag_indices_from", "indices", "ix_", "unravel_index", "s_",
           "index_exp", "mgrid", "ogrid"]

# Index objects: they build slices and constant grids, so NumPy's own serve (as in JAX).
s_, index_exp, mgrid, ogrid = np.s_, np.index_exp, np.mgrid, np.ogrid


def _sizes(fn: str, n, k, m) -> tuple[int, int, int]:
    n, k = static_int(fn, "n", n), static_int(fn, "k", k)
    m = n if m is None else static_int(fn, "m", m)
    if n < 0 or m < 0:
        raise ValueError(f"fnp.{fn}: n={n} and m={m} must be non-negative")
    return n, k, m


def _as_arrays(indices) -> tuple:
    return tuple(as_array_type(i.astype(np.int64)) for i in indices)


def tril_indices(n, k=0, m=None) -> tuple:
    """Row and column indices of the lower triangle (``j <= i + k``) of an (n, m) matrix.

    Example:
        >>> import fungrad.numpy as fnp
        >>> [i.tolist() for i in fnp.tril_indices(3)]
        [[0, 1, 1, 2, 2, 2], [0, 0, 1, 0, 1, 2]]
    """
    n, k, m = _sizes("tril_indices", n, k, m)
    return _as_arrays(np.tril_indices(n, k, m))


def triu_indices(n, k=0, m=None) -> tuple:
    """Row and column indices of the upper triangle (``j >= i + k``) of an (n, m) matrix.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> [i.tolist() for i in fnp.triu_indices(3, k=1)]
        [[0, 0, 1], [1, 2, 2]]
    """
    n, k, m = _sizes("triu_indices", n, k, m)
    return _as_arrays(np.triu_indices(n, k, m))


def _matrix_shape(fn: str, arr) -> tuple[int, int]:
    shape = shape_of(arr)
    if len(shape) != 2:
        raise shape_error(f"fnp.{fn}: arr must be 2-D, got shape {shape}")
    return shape


def tril_indices_from(arr, k=0) -> tuple:
    """:func:`tril_indices` for the shape of the 2-D ``arr`` (which may be traced).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> [i.tolist() for i in fnp.tril_indices_from(np.zeros((3, 3)))]
        [[0, 1, 1, 2, 2, 2], [0, 0, 1, 0, 1, 2]]
    """
    n, m = _matrix_shape("tril_indices_from", arr)
    return tril_indices(n, k, m)


def triu_indices_from(arr, k=0) -> tuple:
    """:func:`triu_indices` for the shape of the 2-D ``arr`` (which may be traced).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> [i.tolist() for i in fnp.triu_indices_from(np.zeros((2, 3)))]
        [[0, 0, 0, 1, 1], [0, 1, 2, 1, 2]]
    """
    n, m = _matrix_shape("triu_indices_from", arr)
    return triu_indices(n, k, m)


def diag_indices(n, ndim=2) -> tuple:
    """Indices ``(range(n),) * ndim`` of the main diagonal of an n-by-...-by-n array.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> [i.tolist() for i in fnp.diag_indices(3)]
        [[0, 1, 2], [0, 1, 2]]
    """
    n, ndim = static_int("diag_indices", "n", n), static_int("diag_indices", "ndim", ndim)
    if n < 0 or ndim < 0:
        raise ValueError(f"fnp.diag_indices: n={n} and ndim={ndim} must be non-negative")
    return _as_arrays(np.diag_indices(n, ndim))


def diag_indices_from(arr) -> tuple:
    """:func:`diag_indices` for ``arr``, whose axes must all have one length.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> [i.tolist() for i in fnp.diag_indices_from(np.zeros((2, 2)))]
        [[0, 1], [0, 1]]
    """
    shape = shape_of(arr)
    if len(shape) < 2 or len(set(shape)) != 1:
        raise shape_error(f"fnp.diag_indices_from: arr must have rank >= 2 and equal axis "
                          f"lengths, got shape {shape}")
    return diag_indices(shape[0], len(shape))


def indices(dimensions, dtype=None, sparse: bool = False):
    """The index grid of an array of shape ``dimensions``: ``out[k][i0, i1, ...] = ik``
    (one array per axis, shaped for broadcasting with ``sparse``).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> rows, cols = fnp.indices((2, 3))
        >>> rows.tolist(), cols.tolist()
        ([[0, 0, 0], [1, 1, 1]], [[0, 1, 2], [0, 1, 2]])
    """
    dims = static_ints("indices", "dimensions", dimensions)
    grid = np.indices(dims, dtype=np.dtype(np.int64) if dtype is None else np.dtype(dtype),
                      sparse=sparse)
    return tuple(as_array_type(g) for g in grid) if sparse else as_array_type(grid)


def ix_(*args) -> tuple:
    """Open-mesh index arrays from 1-D sequences: ``a[ix_(rows, cols)]`` is the cross
    product sub-array. The sequences may be traced.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> rows, cols = fnp.ix_(np.array([0, 2]), np.array([1, 2]))
        >>> rows.shape, cols.shape
        ((2, 1), (1, 2))
        >>> np.arange(9).reshape(3, 3)[rows, cols].tolist()
        [[1, 2], [7, 8]]
    """
    out = []
    for k, arg in enumerate(args):
        arg = as_operand(arg)
        if len(shape_of(arg)) != 1:
            raise shape_error(f"fnp.ix_: argument {k} must be 1-D, got shape "
                              f"{shape_of(arg)}")
        if np.dtype(get_aval(arg).dtype) == np.bool_:
            raise TypeError(f"fnp.ix_: argument {k} is boolean; pass fnp.nonzero(mask)[0]")
        shape = (1,) * k + shape_of(arg) + (1,) * (len(args) - k - 1)
        out.append(reshape(arg, shape))
    return tuple(out)


def unravel_index(indices, shape) -> tuple:
    """The coordinates in an array of ``shape`` of flat (row-major) ``indices``.

    Negative indices count from the end; out-of-range ones are clipped (as JAX; NumPy
    raises).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> [i.tolist() for i in fnp.unravel_index(np.array([5, 7]), (3, 4))]
        [[1, 1], [1, 3]]
    """
    dims = static_ints("unravel_index", "shape", shape)
    flat = as_operand(indices)
    dtype = np.dtype(get_aval(flat).dtype)
    if dtype.kind not in "iu":
        raise TypeError(f"fnp.unravel_index: indices must be integers, got dtype {dtype}")
    total = int(np.prod(dims, dtype=np.int64))
    flat = lax.select_n(lax.lt(flat, dtype.type(0)), flat, lax.add(flat, dtype.type(total)))
    flat = lax.max(lax.min(flat, dtype.type(max(total - 1, 0))), dtype.type(0))
    coords = []
    for n in reversed(dims):
        coords.append(lax.rem(flat, dtype.type(n)) if n else flat)
        flat = lax.div(flat, dtype.type(n)) if n else flat
    return tuple(reversed(coords))
