"""Searching in fungrad.numpy: ``nonzero`` and ``argwhere`` (with JAX's ``size=`` for
traced arrays), and ``searchsorted``.

The number of nonzero elements decides the result's shape, so it must be known: either the
array is concrete (eager, or under grad/jvp) or the caller fixes the length with ``size``
(JAX's convention), padding with ``fill_value`` or dropping the excess.
"""

from __future__ import annotations

import numpy as np

from fungrad import lax
from fungrad.array_module import get_array_module
from fungrad.core import concrete_or_none, get_aval, shape_of
from fungrad.errors import ConcretizationError
from fungrad.numpy.indexing import take
from fungrad.numpy.promotion import as_operand, promote_dtypes

__all__ = ["nonzero", "argwhere", "searchsorted", "digitize"]

_INDEX_DTYPE = np.dtype(np.int64)


def nonzero(a, *, size: int | None = None, fill_value=None) -> tuple:
    """Indices of the nonzero elements of ``a``, one index array per dimension.

    Args:
        a: an array of rank >= 1.
        size: the length of each index array. Required when ``a`` is traced under jit or
            vmap (the count is not known there); pads with ``fill_value`` or drops the
            indices past ``size``.
        fill_value: the padding index (default 0): a scalar, or one per dimension.

    Returns:
        A tuple of ``a.ndim`` int64 arrays, in row-major order of the elements.

    Example:
        >>> import fungrad.numpy as fnp
        >>> [i.tolist() for i in fnp.nonzero(fnp.array([0, 3, 0, 5]), size=3, fill_value=-1)]
        [[1, 3, -1]]
    """
    a = as_operand(a)
    shape = shape_of(a)
    if shape == ():
        raise ValueError("fnp.nonzero: a rank-0 array has no dimensions to index; use "
                         "fnp.atleast_1d(a).nonzero() (NumPy and JAX refuse it too)")
    if size is None:
        return _concrete_nonzero(a, fill_value)
    size = _static_size(size)
    fills = _fill_values(fill_value, len(shape))
    flat = lax.reshape(a, (int(np.prod(shape, dtype=np.int64)),))
    found, valid = _first_nonzero_positions(flat, size)
    coords, stride = [], 1
    for dim, fill in zip(reversed(shape), reversed(fills)):
        coord = lax.rem(lax.div(found, _INDEX_DTYPE.type(stride)), _INDEX_DTYPE.type(dim))
        coords.append(lax.select_n(valid, lax.full((size,), fill, _INDEX_DTYPE), coord))
        stride *= dim
    return tuple(reversed(coords))


def _concrete_nonzero(a, fill_value):
    value = concrete_or_none(a)
    if value is None:
        raise ConcretizationError(
            f"fnp.nonzero: the number of nonzero elements of a traced array "
            f"{get_aval(a).str_short()} is not known while tracing, and it decides the "
            "result's shape. Pass size=N (the result's length; fill_value pads it), as in "
            "jax.numpy.nonzero, or call nonzero outside jit/vmap."
        )
    if fill_value is not None:
        raise ValueError("fnp.nonzero: fill_value needs size= (it pads to that length)")
    xp = get_array_module(value)
    return tuple(i.astype(_INDEX_DTYPE) for i in xp.nonzero(xp.asarray(value)))


def _static_size(size) -> int:
    value = concrete_or_none(size)
    if value is None or int(value) != value or int(value) < 0:
        raise TypeError(f"fnp.nonzero: size must be a non-negative Python int, got {size!r}")
    return int(value)


def _fill_values(fill_value, ndim: int) -> tuple:
    if fill_value is None:
        return (0,) * ndim
    if np.ndim(fill_value) == 0:
        return (fill_value,) * ndim
    fills = tuple(fill_value)
    if len(fills) != ndim:
        raise ValueError(f"fnp.nonzero: fill_value has {len(fills)} entries, but the array "
                         f"has {ndim} dimensions; pass a scalar or one per dimension")
    return fills


def _first_nonzero_positions(flat, size: int):
    """Flat positions of the first ``size`` nonzero elements, and which of them exist."""
    n = shape_of(flat)[0]
    is_zero = lax.convert_element_type(lax.eq(flat, _zero_of(flat)), _INDEX_DTYPE)
    # A stable sort of the 0/1 keys puts the nonzero positions first, in their order.
    order = lax.argsort(is_zero, 0, _INDEX_DTYPE)
    count = lax.reduce_sum(lax.sub(_INDEX_DTYPE.type(1), is_zero), (0,))
    if size > n:  # pad the order; the padded slots are past `count`, so invalid
        order = lax.concatenate([order, lax.full((size - n,), 0, _INDEX_DTYPE)], 0)
    found = lax.slice(order, (0,), (size,))
    valid = lax.lt(lax.iota(_INDEX_DTYPE, size), count)
    return found, valid


def _zero_of(x):
    return np.dtype(get_aval(x).dtype).type(0)


def argwhere(a, *, size: int | None = None, fill_value=None):
    """Indices of the nonzero elements of ``a``, one row per element: shape ``(N, a.ndim)``.

    Args:
        a: an array (a rank-0 ``a`` gives ``N`` rows of length 0, as NumPy and JAX).
        size: the number of rows; required when ``a`` is traced under jit or vmap (see
            :func:`nonzero`).
        fill_value: the padding index for rows past the count (default 0).

    Returns:
        An int64 array of shape ``(N, a.ndim)``.

    >>> argwhere(np.array([[0, 1], [2, 0]])).tolist()
    [[0, 1], [1, 0]]
    """
    a = as_operand(a)
    ndim = len(shape_of(a))
    if ndim == 0:
        a = lax.reshape(a, (1,))
    try:
        columns = nonzero(a, size=size, fill_value=fill_value)
    except ConcretizationError as err:
        raise ConcretizationError(str(err).replace("fnp.nonzero", "fnp.argwhere")) from None
    rows = lax.concatenate([lax.reshape(c, (shape_of(c)[0], 1)) for c in columns], 1)
    return rows if ndim else lax.slice(rows, (0, 0), (shape_of(rows)[0], 0))


_SEARCH_METHODS = ("scan", "scan_unrolled", "sort", "compare_all")


def searchsorted(a, v, side: str = "left", sorter=None, *, method: str = "scan"):
    """Indices at which to insert ``v`` into the sorted 1-D ``a`` to keep it sorted.

    NaNs count as larger than every number (where ``sort`` puts them).

    Args:
        a: a 1-D array, sorted ascending (or put in order by ``sorter``).
        v: the values to place (any shape).
        side: "left" (the first suitable index) or "right" (the last).
        sorter: indices that sort ``a`` (e.g. ``fnp.argsort(a)``).
        method: accepted for JAX compatibility; every method gives the same result here
            (each value is compared with all of ``a``).

    Returns:
        int32 indices shaped like ``v`` (int32, as ``jax.numpy.searchsorted``).

    Example:
        >>> import fungrad.numpy as fnp
        >>> fnp.searchsorted(fnp.array([1.0, 2.0, 2.0, 3.0]), [2.0, 5.0], side="right").tolist()
        [3, 4]
    """
    if side not in ("left", "right"):
        raise ValueError(f"fnp.searchsorted: side must be 'left' or 'right', got {side!r}")
    if method not in _SEARCH_METHODS:
        raise ValueError(f"fnp.searchsorted: method must be one of {_SEARCH_METHODS}, got "
                         f"{method!r}")
    a, v = as_operand(a), as_operand(v)
    if len(shape_of(a)) != 1:
        raise ValueError(f"fnp.searchsorted: a must be 1-D, got shape {shape_of(a)}")
    if sorter is not None:
        a = take(a, sorter)
    a, v = promote_dtypes("searchsorted", a, v)
    v_shape, n = shape_of(v), shape_of(a)[0]
    grid = v_shape + (n,)
    a_b = lax.broadcast_in_dim(a, grid, (len(v_shape),))
    v_b = lax.broadcast_in_dim(v, grid, tuple(range(len(v_shape))))
    # left: count a_i < v; right: count a_i <= v, i.e. not v < a_i.
    if side == "left":
        before = _nan_last_less(a_b, v_b)
    else:
        before = lax.bitwise_not(_nan_last_less(v_b, a_b))
    as_int = lax.convert_element_type(before, np.dtype(np.int32))
    return lax.reduce_sum(as_int, (len(grid) - 1,))


def _nan_last_less(x, y):
    """``x < y`` in sort order: NaN is above every number and equal to itself."""
    if np.dtype(get_aval(x).dtype).kind not in "fc":
        return lax.lt(x, y)
    x_nan, y_nan = lax.ne(x, x), lax.ne(y, y)
    return lax.bitwise_or(lax.lt(x, y), lax.bitwise_and(y_nan, lax.bitwise_not(x_nan)))


def digitize(x, bins, right: bool = False, *, method: str | None = None):
    """The index of the bin of ``bins`` (monotonic, increasing or decreasing) holding each
    ``x``: ``i`` with ``bins[i - 1] <= x < bins[i]`` (``<`` and ``<=`` swapped by ``right``).

    Returns int32 indices (as ``searchsorted``; JAX gives the same).

    >>> digitize(np.array([0.5, 1.5, 2.5]), np.array([1.0, 2.0])).tolist()
    [0, 1, 2]
    """
    bins = as_operand(bins)
    if len(shape_of(bins)) != 1:
        raise ValueError(f"fnp.digitize: bins must be 1-D, got shape {shape_of(bins)}")
    n = shape_of(bins)[0]
    kwargs = {"side": "left" if right else "right", "method": method or "scan"}
    if n < 2:
        return searchsorted(bins, x, **kwargs)
    rising = searchsorted(bins, x, **kwargs)
    falling = lax.sub(np.int32(n), searchsorted(lax.rev(bins, (0,)), x, **kwargs))
    increasing = lax.ge(lax.slice(bins, (n - 1,), (n,)), lax.slice(bins, (0,), (1,)))
    return lax.select_n(lax.broadcast_in_dim(lax.reshape(increasing, ()), shape_of(rising), ()),
                        falling, rising)
