"""Inserting and deleting entries along an axis in fungrad.numpy: ``insert`` and ``delete``.

Both are linear in the array (and ``insert`` in the values), so they are differentiable.
The result's length depends on how many positions are given, which is static; the
positions themselves may be traced for ``insert`` (the entries are scattered to their new
places) and for ``delete`` with ``assume_unique_indices=True`` (as in jax.numpy). Other
traced positions are an error that names ``obj`` and the fix.
"""

from __future__ import annotations

import numpy as np

from fungrad import lax
from fungrad.array_module import constant_like, to_host
from fungrad.core import concrete_or_none, get_aval, shape_of
from fungrad.errors import ConcretizationError, ShapeError
from fungrad.numpy.creation import zeros_like
from fungrad.numpy.indexing import AtIndexer
from fungrad.numpy.promotion import as_operand, to_dtype
from fungrad.numpy.rearranging import take_static
from fungrad.numpy.reshaping import broadcast_to, moveaxis, normalize_axis, ravel, reshape
from fungrad.numpy.searching import nonzero
from fungrad.numpy.sorting import argsort

__all__ = ["insert", "delete"]

_INDEX = np.dtype(np.int64)


def _along(fn: str, arr, axis):
    """``arr`` with the working axis first (flattened for None), and how to undo that."""
    arr = as_operand(arr)
    if axis is None:
        return ravel(arr), lambda out: out
    axis = normalize_axis(fn, axis, len(shape_of(arr)))
    return moveaxis(arr, axis, 0), lambda out: moveaxis(out, 0, axis)


def insert(arr, obj, values, axis: int | None = None):
    """``arr`` with ``values`` inserted before the positions ``obj`` along ``axis``.

    Args:
        arr: the array (flattened when ``axis`` is None).
        obj: an int (all of ``values`` go in before that position), a slice, or a 1-D
            array of positions (one value each); may be traced.
        values: the inserted entries, broadcast to their slots.
        axis: the axis to insert along.

    Returns:
        The longer array, of ``arr``'s dtype.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.insert(np.arange(5), 2, 9).tolist()
        [0, 1, 9, 2, 3, 4]
        >>> fnp.insert(np.arange(5), np.array([1, 3]), np.array([9, 8])).tolist()
        [0, 9, 1, 2, 8, 3, 4]
    """
    x, restore = _along("insert", arr, axis)
    n, rest = shape_of(x)[0], shape_of(x)[1:]
    dtype = np.dtype(get_aval(x).dtype)
    values = to_dtype(as_operand(values), dtype)
    if shape_of(values) == ():  # a scalar moves to arr's device, as it would in an operation
        values = constant_like(values, x)
    if isinstance(obj, slice):
        obj = np.arange(n)[obj]
    obj = as_operand(obj)
    if np.dtype(get_aval(obj).dtype).kind not in "iu":
        raise TypeError(f"fnp.insert: obj must be integer positions or a slice, got dtype "
                        f"{get_aval(obj).dtype}")
    if shape_of(obj) == ():  # one position: the values form a block along the axis
        block = _as_block(values, len(rest) + 1)
        count = shape_of(block)[0]
        block = broadcast_to(block, (count, *rest))
        positions = lax.broadcast_in_dim(to_dtype(obj, _INDEX), (count,), ())
    else:  # one value slot per position, broadcast in arr's own axis order
        positions = to_dtype(ravel(obj), _INDEX)
        count = shape_of(positions)[0]
        if axis is None:
            block = broadcast_to(values, (count,))
        else:
            block = moveaxis(broadcast_to(values, _slots(arr, axis, count)), axis, 0)
    positions = lax.select_n(lax.lt(positions, _INDEX.type(0)), positions,
                             lax.add(positions, _INDEX.type(n)))
    return restore(_scatter_inserted(x, positions, block))


def _slots(arr, axis: int, count: int) -> tuple:
    """The shape of ``count`` inserted slices along ``axis`` of ``arr``."""
    shape = list(shape_of(as_operand(arr)))
    shape[normalize_axis("insert", axis, len(shape))] = count
    return tuple(shape)


def _as_block(values, rank: int):
    """NumPy's reading of the values at one position: at least ``rank`` dimensions (ones
    in front), the first running along the insertion axis (here moved to the front)."""
    shape = shape_of(values)
    return reshape(values, (1,) * (rank - len(shape)) + shape)


def _scatter_inserted(x, positions, block):
    """Entries of ``x`` and the ``block`` rows (inserted before ``positions``) in one array."""
    n, count = shape_of(x)[0], shape_of(positions)[0]
    order = argsort(positions)  # stable: equal positions keep the values' order
    positions = AtIndexer(positions)[order].get()
    block = AtIndexer(block)[order].get()
    new_of_inserted = lax.add(positions, lax.iota(_INDEX, count))
    # Each original entry moves right by the number of insertions at or before it.
    grid = (n, count)
    before = lax.le(lax.broadcast_in_dim(positions, grid, (1,)),
                    lax.broadcast_in_dim(lax.iota(_INDEX, n), grid, (0,)))
    shift = lax.reduce_sum(lax.convert_element_type(before, _INDEX), (1,))
    new_of_original = lax.add(lax.iota(_INDEX, n), shift)
    out = zeros_like(x, shape=(n + count, *shape_of(x)[1:]))  # on x's device
    out = AtIndexer(out)[new_of_original].set(x)
    return AtIndexer(out)[new_of_inserted].set(block)


def delete(arr, obj, axis: int | None = None, *, assume_unique_indices: bool = False):
    """``arr`` without the entries at the positions ``obj`` along ``axis``.

    Args:
        arr: the array (flattened when ``axis`` is None).
        obj: an int, a slice, a 1-D array of positions, or a boolean mask along the axis.
        axis: the axis to delete along.
        assume_unique_indices: promise that the positions in ``obj`` are distinct and in
            range; then ``obj`` may be traced (under jit/vmap), as in jax.numpy.

    Returns:
        The shorter array.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.delete(np.arange(5), np.array([1, 3])).tolist()
        [0, 2, 4]
    """
    x, restore = _along("delete", arr, axis)
    n = shape_of(x)[0]
    if isinstance(obj, slice):
        obj = np.arange(n)[obj]
    value = concrete_or_none(obj)
    if value is not None:
        return restore(take_static(x, np.flatnonzero(_kept(value, n)), 0))
    if not assume_unique_indices:
        raise ConcretizationError(
            f"fnp.delete: obj ({get_aval(obj).str_short()}) is traced, and the result's "
            "length depends on how many distinct positions it holds; pass concrete "
            "positions, or assume_unique_indices=True (distinct, in-range positions) as in "
            "jax.numpy.")
    positions = to_dtype(ravel(as_operand(obj)), _INDEX)
    count = shape_of(positions)[0]
    positions = lax.select_n(lax.lt(positions, _INDEX.type(0)), positions,
                             lax.add(positions, _INDEX.type(n)))
    keep = AtIndexer(lax.full((n,), True, np.dtype(np.bool_)))[positions].set(False)
    (kept,) = nonzero(keep, size=max(n - count, 0))
    return restore(AtIndexer(x)[kept].get())


def _kept(obj, n: int) -> np.ndarray:
    """The mask of entries that stay, for concrete positions or a boolean mask."""
    obj = np.asarray(to_host(obj))  # host metadata: which entries stay
    keep = np.ones(n, dtype=bool)
    if obj.dtype == np.bool_:
        if obj.shape != (n,):
            raise ShapeError(f"fnp.delete: a boolean obj must have the axis's length {n}, "
                             f"got shape {obj.shape}")
        return ~obj
    if obj.dtype.kind not in "iu":
        raise TypeError(f"fnp.delete: obj must be integer positions, a slice or a boolean "
                        f"mask, got dtype {obj.dtype}")
    if np.any((obj < -n) | (obj >= n)):
        raise IndexError(f"fnp.delete: a position in {obj.tolist()} is out of range for "
                         f"an axis of length {n}")
    keep[obj] = False
    return keep
