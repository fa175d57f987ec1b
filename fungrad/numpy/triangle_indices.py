"""Index arrays of matrix triangles and diagonals: tril_indices, triu_indices (and their
``*_from`` forms) and diag_indices. Sizes are static, so these run NumPy at trace time and
return constant int64 arrays (valid indices inside jit and vmap).
"""

from __future__ import annotations

import numpy as np

from fungrad.core import shape_of
from fungrad.numpy.array_type import as_array_type
from fungrad.numpy.reshaping import shape_error, static_int

__all__ = ["tril_indices", "triu_indices", "tril_indices_from", "triu_indices_from",
           "diag_indices"]


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
    """Row and column indices of the upper triangle (``j >= i + k``) of an (n, m) matrix."""
    n, k, m = _sizes("triu_indices", n, k, m)
    return _as_arrays(np.triu_indices(n, k, m))


def _matrix_shape(fn: str, arr) -> tuple[int, int]:
    shape = shape_of(arr)
    if len(shape) != 2:
        raise shape_error(f"fnp.{fn}: arr must be 2-D, got shape {shape}")
    return shape


def tril_indices_from(arr, k=0) -> tuple:
    """:func:`tril_indices` for the shape of the 2-D ``arr`` (which may be traced)."""
    n, m = _matrix_shape("tril_indices_from", arr)
    return tril_indices(n, k, m)


def triu_indices_from(arr, k=0) -> tuple:
    """:func:`triu_indices` for the shape of the 2-D ``arr`` (which may be traced)."""
    n, m = _matrix_shape("triu_indices_from", arr)
    return triu_indices(n, k, m)


def diag_indices(n, ndim=2) -> tuple:
    """Indices ``(range(n),) * ndim`` of the main diagonal of an n-by-...-by-n array."""
    n, ndim = static_int("diag_indices", "n", n), static_int("diag_indices", "ndim", ndim)
    if n < 0 or ndim < 0:
        raise ValueError(f"fnp.diag_indices: n={n} and ndim={ndim} must be non-negative")
    return _as_arrays(np.diag_indices(n, ndim))
