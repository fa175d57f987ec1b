"""NumPy's in-place writers as functions that return the updated array: ``put_along_axis``
and ``fill_diagonal`` (as in ``jax.numpy``, they need ``inplace=False``: fungrad arrays are
never modified). They are scatters, differentiable in the array and the written values.
"""

from __future__ import annotations

import numpy as np

from fungrad.core import get_aval, shape_of
from fungrad.errors import ShapeError
from fungrad.numpy.indexing import AtIndexer
from fungrad.numpy.promotion import as_operand, to_dtype
from fungrad.numpy.reshaping import normalize_axis, ravel, reshape

__all__ = ["put_along_axis", "fill_diagonal"]


def _not_inplace(fn: str, inplace: bool) -> None:
    if inplace:
        raise ValueError(f"fnp.{fn}: fungrad arrays are immutable, so the update cannot be "
                         f"in place; pass inplace=False and use the returned array")


def put_along_axis(arr, indices, values, axis, inplace: bool = True, *, mode=None):
    """``arr`` with ``values`` written at ``indices`` along ``axis`` (the inverse of
    ``take_along_axis``); ``axis=None`` indexes the flattened ``arr`` (shape kept).

    Args:
        arr: the array to update.
        indices: integer indices of ``arr``'s rank (1-D for ``axis=None``).
        values: broadcast against ``indices``.
        axis: the axis the indices run along.
        inplace: must be False (the updated array is returned).
        mode: as for ``x.at[...].set``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> a = np.array([[1, 2], [3, 4]])
        >>> fnp.put_along_axis(a, np.array([[1], [0]]), 0, axis=1, inplace=False).tolist()
        [[1, 0], [0, 4]]
    """
    _not_inplace("put_along_axis", inplace)
    arr, indices = as_operand(arr), as_operand(indices)
    shape = shape_of(arr)
    target = ravel(arr) if axis is None else arr
    axis = 0 if axis is None else normalize_axis("put_along_axis", axis, len(shape))
    t_shape = shape_of(target)
    if len(shape_of(indices)) != len(t_shape):
        raise ShapeError(f"fnp.put_along_axis: indices of shape {shape_of(indices)} must "
                         f"have the rank of arr (shape {t_shape})")
    grid = tuple(indices if d == axis else
                 np.arange(n).reshape((1,) * d + (n,) + (1,) * (len(t_shape) - d - 1))
                 for d, n in enumerate(t_shape))
    out = AtIndexer(target)[grid].set(values, mode=mode)
    return reshape(out, shape)


def fill_diagonal(a, val, wrap: bool = False, *, inplace: bool = True):
    """``a`` with its main diagonal set to ``val`` (repeated cyclically when shorter).

    ``a`` is 2-D, or of higher rank with all axes of one length. ``wrap=True`` (NumPy's
    restart of the diagonal in tall matrices) is not supported, as in JAX.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.fill_diagonal(np.zeros((2, 3)), 5.0, inplace=False).tolist()
        [[5.0, 0.0, 0.0], [0.0, 5.0, 0.0]]
    """
    _not_inplace("fill_diagonal", inplace)
    if wrap:
        raise NotImplementedError("fnp.fill_diagonal: wrap=True is not supported (as in "
                                  "jax.numpy); fill the blocks of a tall matrix separately")
    a = as_operand(a)
    shape = shape_of(a)
    if len(shape) < 2 or (len(shape) > 2 and len(set(shape)) != 1):
        raise ShapeError(f"fnp.fill_diagonal: a must be 2-D or have equal axis lengths, got "
                         f"shape {shape}")
    n = min(shape)
    positions = np.ravel_multi_index((np.arange(n),) * len(shape), shape)
    values = ravel(as_operand(val))
    count = shape_of(values)[0]
    if count == 0:
        return a
    if count != n:
        values = AtIndexer(values)[np.arange(n) % count].get()
    dtype = np.dtype(get_aval(a).dtype)
    return reshape(AtIndexer(ravel(a))[positions].set(to_dtype(values, dtype)), shape)
