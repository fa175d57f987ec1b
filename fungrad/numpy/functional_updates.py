"""NumPy's in-place writers as functions that return the updated array: ``put_along_axis``,
``fill_diagonal``, ``put`` and ``place`` (as in ``jax.numpy``, they need ``inplace=False``:
fungrad arrays are never modified). They are scatters, differentiable in the array and the
written values.
"""

from __future__ import annotations

import numpy as np

from fungrad import lax
from fungrad.core import concrete_or_none, get_aval, shape_of
from fungrad.errors import ConcretizationError, ShapeError
from fungrad.numpy.indexing import AtIndexer
from fungrad.numpy.promotion import as_operand, to_dtype
from fungrad.numpy.reshaping import normalize_axis, ravel, reshape

__all__ = ["put_along_axis", "fill_diagonal", "put", "place"]


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


_PUT_MODES = (None, "fill", "clip", "wrap")


def put(a, ind, v, mode: str | None = None, *, inplace: bool = True):
    """``a`` with the values ``v`` written at the flat indices ``ind`` (``v`` repeated
    cyclically when shorter).

    Args:
        a: the array to update (its shape is kept).
        ind: integer indices into the flattened ``a``.
        v: the values (flattened, repeated to the length of ``ind``).
        mode: None or 'fill' (out-of-range indices are dropped, as JAX's default), 'clip'
            or 'wrap'.
        inplace: must be False (the updated array is returned).

    Returns:
        The updated array, differentiable in ``a`` and ``v``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.put(np.arange(5), np.array([0, 7]), np.array([9, 8]), mode="wrap",
        ...         inplace=False).tolist()
        [9, 1, 8, 3, 4]
    """
    _not_inplace("put", inplace)
    if mode not in _PUT_MODES:
        raise ValueError(f"fnp.put: mode must be one of {_PUT_MODES}, got {mode!r}")
    a = as_operand(a)
    shape, flat = shape_of(a), ravel(a)
    size = shape_of(flat)[0]
    index = ravel(as_operand(ind))
    count = shape_of(index)[0]
    values = to_dtype(ravel(as_operand(v)), np.dtype(get_aval(a).dtype))
    if count == 0 or shape_of(values)[0] == 0:
        return a
    if shape_of(values)[0] != count:
        values = AtIndexer(values)[np.arange(count) % shape_of(values)[0]].get()
    dtype = np.dtype(get_aval(index).dtype)
    if mode == "wrap":
        index = lax.rem(lax.add(lax.rem(index, dtype.type(size)), dtype.type(size)),
                        dtype.type(size))
    elif mode == "clip":
        index = lax.max(lax.min(index, dtype.type(size - 1)), dtype.type(0))
    else:  # negative indices count from the end; writes out of range go to a spare slot
        index = lax.select_n(lax.lt(index, dtype.type(0)), index,
                             lax.add(index, dtype.type(size)))
        outside = lax.bitwise_or(lax.lt(index, dtype.type(0)), lax.ge(index, dtype.type(size)))
        index = lax.select_n(outside, index, lax.full_like(index, size))
        spare = lax.pad(flat, np.dtype(get_aval(flat).dtype).type(0), [(0, 1, 0)])
        written = AtIndexer(spare)[index].set(values)
        return reshape(lax.slice(written, (0,), (size,)), shape)
    return reshape(AtIndexer(flat)[index].set(values), shape)


def place(arr, mask, vals, *, inplace: bool = True):
    """``arr`` with the entries where ``mask`` is true replaced, in order, by ``vals``
    (repeated cyclically when shorter).

    The number of true entries decides which values go where, so ``mask`` must be concrete
    (not traced under jit or vmap); use ``fnp.where(mask, values, arr)`` there.

    Args:
        arr: the array to update.
        mask: a boolean array shaped like ``arr``.
        vals: the values (flattened).
        inplace: must be False (the updated array is returned).

    Returns:
        The updated array, differentiable in ``arr`` and ``vals``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.place(np.arange(5), np.arange(5) > 1, np.array([9, 8]), inplace=False).tolist()
        [0, 1, 9, 8, 9]
    """
    _not_inplace("place", inplace)
    arr = as_operand(arr)
    value = concrete_or_none(mask)
    if value is None:
        raise ConcretizationError(
            f"fnp.place: mask ({get_aval(mask).str_short()}) is traced, but the number of "
            "true entries decides where each value goes; pass a concrete mask, or write "
            "fnp.where(mask, values, arr) with values shaped like arr.")
    mask = np.asarray(value, dtype=bool)
    if mask.shape != shape_of(arr):
        raise ShapeError(f"fnp.place: mask has shape {mask.shape}, but arr has shape "
                         f"{shape_of(arr)}")
    positions = np.flatnonzero(mask)
    if positions.size == 0:
        return arr
    return put(arr, positions, vals, inplace=False)
