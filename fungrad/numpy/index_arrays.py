"""Index arrays and index helpers: tril_indices, triu_indices, diag_indices (and their
``*_from`` forms), mask_indices, indices, ix_, unravel_index and ravel_multi_index, and
NumPy's index objects s_, index_exp, mgrid and ogrid. Sizes are static, so the constant
ones run NumPy at trace time and return int64 arrays (valid indices inside jit and vmap);
``unravel_index``, ``ravel_multi_index`` and ``ix_`` also take traced arrays.
"""

from __future__ import annotations

import numpy as np

from fungrad import lax
from fungrad.core import concrete_or_none, get_aval, shape_of
from fungrad.errors import ConcretizationError
from fungrad.numpy.array_type import as_array_type
from fungrad.numpy.creation import ones
from fungrad.numpy.promotion import as_operand, to_dtype
from fungrad.numpy.reshaping import reshape, shape_error, static_int, static_ints
from fungrad.numpy.searching import nonzero

__all__ = ["tril_indices", "triu_indices", "tril_indices_from", "triu_indices_from",
           "diag_indices", "diag_indices_from", "indices", "ix_", "unravel_index", "s_",
           "index_exp", "mgrid", "ogrid", "mask_indices", "ravel_multi_index"]

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
    dims = static_ints("indices", "dimensions", dimensions, strict=True)
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
    dims = static_ints("unravel_index", "shape", shape, strict=True)
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


def mask_indices(n: int, mask_func, k: int = 0, *, size: int | None = None) -> tuple:
    """The (row, column) indices where ``mask_func(ones((n, n)), k)`` is nonzero.

    Args:
        n: the matrix size (a static int).
        mask_func: a function like ``fnp.triu`` or ``fnp.tril``, called as
            ``mask_func(a, k)``.
        k: passed to ``mask_func`` (the diagonal offset for triu/tril).
        size: the number of indices, needed when ``mask_func`` gives a traced mask (see
            :func:`nonzero`).

    Returns:
        Two int64 arrays, rows and columns, in row-major order.

    Example:
        >>> import fungrad.numpy as fnp
        >>> rows, cols = fnp.mask_indices(3, fnp.triu, 1)
        >>> rows.tolist(), cols.tolist()
        ([0, 0, 1], [1, 2, 2])
    """
    n = static_int("mask_indices", "n", n, strict=True)
    mask = as_operand(mask_func(ones((n, n)), k))
    return nonzero(lax.ne(mask, np.dtype(get_aval(mask).dtype).type(0)), size=size)


_RAVEL_MODES = ("raise", "wrap", "clip")


def ravel_multi_index(multi_index, dims, mode: str = "raise", order: str = "C", *,
                      dtype=None):
    """The flat indices into an array of shape ``dims`` of the coordinates ``multi_index``.

    Args:
        multi_index: one integer array per dimension (broadcast together).
        dims: the array's shape (static ints).
        mode: 'raise' (out-of-range coordinates are an error; needs concrete values, so
            not under jit/vmap, as in jax.numpy), 'wrap' (modulo the size) or 'clip'.
        order: 'C' (row-major) or 'F' (column-major).
        dtype: the result's integer dtype (default int64).

    Returns:
        An integer array of the broadcast shape of the coordinates.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.ravel_multi_index((np.array([1, 2]), np.array([0, 3])), (3, 4)).tolist()
        [4, 11]
    """
    sizes = static_ints("ravel_multi_index", "dims", dims, strict=True)
    coords = [as_operand(c) for c in multi_index]
    if len(coords) != len(sizes):
        raise ValueError(f"fnp.ravel_multi_index: {len(coords)} coordinate arrays for "
                         f"{len(sizes)} dimensions {sizes}; pass one per dimension")
    if mode not in _RAVEL_MODES or order not in ("C", "F"):
        raise ValueError(f"fnp.ravel_multi_index: mode must be one of {_RAVEL_MODES} and order "
                         f"'C' or 'F', got mode={mode!r}, order={order!r}")
    out_dtype = np.dtype(np.int64 if dtype is None else dtype)
    coords = [_in_range(c, n, mode, out_dtype) for c, n in zip(coords, sizes)]
    if order == "F":
        coords, sizes = coords[::-1], sizes[::-1]
    flat = coords[0]
    for c, n in zip(coords[1:], sizes[1:]):
        flat = flat * n + c  # broadcasts the coordinates together
    return flat


def _in_range(coord, n: int, mode: str, dtype: np.dtype):
    """One coordinate array checked, wrapped or clipped into ``[0, n)``, as ``dtype``."""
    kind = np.dtype(get_aval(coord).dtype).kind
    if kind not in "iub":
        raise TypeError(f"fnp.ravel_multi_index: coordinates must be integers, got dtype "
                        f"{get_aval(coord).dtype}")
    coord = to_dtype(coord, dtype)
    if mode == "wrap":
        return lax.rem(lax.add(lax.rem(coord, dtype.type(n)), dtype.type(n)), dtype.type(n))
    if mode == "clip":
        return lax.max(lax.min(coord, dtype.type(n - 1)), dtype.type(0))
    value = concrete_or_none(coord)
    if value is None:
        raise ConcretizationError(
            f"fnp.ravel_multi_index: mode='raise' checks the coordinates, so they must be "
            f"concrete, but one is traced ({get_aval(coord).str_short()}); pass mode='wrap' "
            "or mode='clip' under jit/vmap.")
    if np.any((np.asarray(value) < 0) | (np.asarray(value) >= n)):
        raise ValueError(f"fnp.ravel_multi_index: a coordinate is outside [0, {n}) "
                         "(mode='raise'); pass mode='wrap' or 'clip'")
    return coord
