"""Set operations of fungrad.numpy: ``unique`` (with JAX's ``size=`` for traced arrays).

The number of distinct values decides the result's length, so, as for ``fnp.nonzero``,
either the array is concrete (eager, or under grad/jvp) or ``size`` fixes the length,
padding with ``fill_value``. The unique values are gathered from the input, so they are
differentiable (each takes the derivative of its first occurrence).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from fungrad import lax
from fungrad.core import Tracer, concrete_or_none, get_aval, shape_of
from fungrad.errors import ConcretizationError
from fungrad.numpy.array_type import as_array_type
from fungrad.numpy.indexing import take
from fungrad.numpy.joining import concatenate
from fungrad.numpy.math import equal
from fungrad.numpy.promotion import as_operand, to_dtype
from fungrad.numpy.reshaping import ravel
from fungrad.numpy.searching import nonzero

__all__ = ["unique", "unique_values", "unique_counts", "unique_inverse", "unique_all",
           "isin", "union1d", "setdiff1d", "intersect1d", "setxor1d"]

_INDEX = np.dtype(np.int64)


def unique(ar, return_index: bool = False, return_inverse: bool = False,  # noqa: PLR0917
           return_counts: bool = False, axis: int | None = None, *, equal_nan: bool = True,
           size: int | None = None, fill_value=None, sorted: bool = True):  # noqa: A002
    """The sorted distinct values of ``ar``, like ``jax.numpy.unique``.

    Args:
        ar: an array (flattened unless ``axis`` is given).
        return_index: also return the index of each value's first occurrence.
        return_inverse: also return, for each element of ``ar``, the index of its value
            in the result (shaped like ``ar`` for ``axis=None``).
        return_counts: also return how often each value occurs.
        axis: find unique slices along this axis instead (concrete ``ar`` only).
        equal_nan: collapse all NaNs into one value.
        size: the result's length; required when ``ar`` is traced under jit or vmap. Shorter
            results are padded: values with ``fill_value`` (default: the smallest value),
            indices with the first value's index, counts with 0.
        fill_value: the padding value for ``size``.
        sorted: accepted for NumPy/JAX compatibility; the values are always sorted.

    Returns:
        The values, or a tuple ``(values, index?, inverse?, counts?)`` with the requested
        extras in that order.

    Example:
        >>> import fungrad.numpy as fnp
        >>> fnp.unique(fnp.array([3, 1, 3, 2]), size=4, fill_value=0).tolist()
        [1, 2, 3, 0]
    """
    ar = as_operand(ar)
    if axis is not None:
        return _unique_along_axis(ar, return_index, return_inverse, return_counts, axis,
                                  equal_nan, size, fill_value)
    shape = shape_of(ar)
    flat = lax.reshape(ar, (int(np.prod(shape, dtype=np.int64)),))
    if size is None:
        parts = _concrete_unique(flat, equal_nan)
    else:
        parts = _sized_unique(flat, equal_nan, _static_size(size), fill_value)
    values, index, inverse, counts = parts
    inverse = lax.reshape(inverse, shape)
    extras = [x for x, wanted in ((index, return_index), (inverse, return_inverse),
                                  (counts, return_counts)) if wanted]
    return (values, *extras) if extras else values


def _static_size(size) -> int:
    value = concrete_or_none(size)
    if value is None or int(value) != value or int(value) < 0:
        raise TypeError(f"fnp.unique: size must be a non-negative Python int, got {size!r}")
    return int(value)


def _concrete_value(fn: str, ar):
    value = concrete_or_none(ar)
    if value is None:
        raise ConcretizationError(
            f"fnp.{fn}: the number of distinct values of a traced array "
            f"{get_aval(ar).str_short()} is not known while tracing, and it decides the "
            "result's shape. Pass size=N (the result's length; fill_value pads it), as in "
            "jax.numpy.unique, or call unique outside jit/vmap."
        )
    return np.asarray(value)


def _gathered(ar, index):
    """``ar[index]``: a gather for tracers (so values stay differentiable), else NumPy."""
    if isinstance(ar, Tracer):
        return take(ar, index, axis=0)
    return as_array_type(np.asarray(ar)[index])


def _concrete_unique(flat, equal_nan: bool):
    value = _concrete_value("unique", flat)
    _, index, inverse, counts = np.unique(value, return_index=True, return_inverse=True,
                                          return_counts=True, equal_nan=equal_nan)
    index, inverse, counts = (as_array_type(x.astype(_INDEX)) for x in (index, inverse, counts))
    return _gathered(flat, index), index, inverse.reshape(-1), counts


def _sized_unique(flat, equal_nan: bool, size: int, fill_value):
    """Unique values by sorting: a value is new where it differs from its predecessor."""
    n = shape_of(flat)[0]
    if n == 0 and fill_value is not None:
        # jax.numpy's answer: size fill values, and empty indices, inverse and counts
        # (built from the empty operand, so that they live on its device)
        empty = lax.convert_element_type(flat, _INDEX)
        return lax.pad(flat, _fill(flat, fill_value), ((0, size, 0),)), empty, empty, empty
    if n == 0:
        raise ValueError("fnp.unique: size= with an empty array and no fill_value: there is "
                         "no value to pad with (as in jax.numpy); pass fill_value=")
    order = lax.argsort(flat, 0, _INDEX)  # stable: ties keep their first occurrence first
    ordered = take(flat, order)
    is_new = _starts_of_runs(ordered, equal_nan)
    # One start past size: the start of the next run ends each counted run (n past the end).
    (bounds,) = nonzero(is_new, size=size + 1, fill_value=n)
    starts = lax.slice(bounds, (0,), (size,))
    count = lax.reduce_sum(lax.convert_element_type(is_new, _INDEX), (0,))
    valid = lax.lt(lax.iota(_INDEX, size), count)
    safe_starts = lax.select_n(valid, lax.full((size,), 0, _INDEX), starts)
    values = _padded(valid, take(ordered, safe_starts), _fill(ordered, fill_value))
    index = _padded(valid, take(order, safe_starts), _first(order))
    # Each element's rank among the distinct values, put back in the input's order.
    rank_sorted = lax.sub(lax.cumsum(lax.convert_element_type(is_new, _INDEX), 0),
                          _INDEX.type(1))
    inverse = take(rank_sorted, lax.argsort(order, 0, _INDEX))
    run_lengths = lax.sub(lax.slice(bounds, (1,), (size + 1,)), starts)
    counts = lax.select_n(valid, lax.full((size,), 0, _INDEX), run_lengths)
    return values, index, inverse, counts


def _first(x):
    """The first element of a non-empty 1-D array, as a rank-0 value."""
    return lax.reshape(lax.slice(x, (0,), (1,)), ())


def _fill(ordered, fill_value):
    if fill_value is None:  # jax.numpy pads with the smallest value
        return _first(ordered)
    fill = as_operand(fill_value)
    if shape_of(fill) != ():
        raise ValueError(f"fnp.unique: fill_value must be a scalar, got shape {shape_of(fill)}")
    return to_dtype(fill, np.dtype(get_aval(ordered).dtype))


def _padded(valid, x, fill):
    return lax.select_n(valid, lax.broadcast_in_dim(fill, shape_of(x), ()), x)


def _starts_of_runs(ordered, equal_nan: bool):
    """True at the first element of each run of equal values in a sorted 1-D array."""
    n = shape_of(ordered)[0]
    head = lax.full((1,), True, np.dtype(np.bool_))
    if n == 1:
        return head
    later, earlier = lax.slice(ordered, (1,), (n,)), lax.slice(ordered, (0,), (n - 1,))
    differs = lax.ne(later, earlier)
    if equal_nan and np.dtype(get_aval(ordered).dtype).kind in "fc":
        both_nan = lax.bitwise_and(lax.ne(later, later), lax.ne(earlier, earlier))
        differs = lax.bitwise_and(differs, lax.bitwise_not(both_nan))
    return lax.concatenate([head, differs], 0)


def _unique_along_axis(ar, return_index, return_inverse, return_counts, axis, equal_nan,
                       size, fill_value):
    if size is not None or fill_value is not None:
        raise NotImplementedError("fnp.unique: size=/fill_value= with axis= is not "
                                  "supported; flatten, or call unique(axis=...) eagerly")
    value = _concrete_value("unique", ar)
    _, index, inverse, counts = np.unique(value, return_index=True, return_inverse=True,
                                          return_counts=True, axis=axis, equal_nan=equal_nan)
    index, inverse, counts = (as_array_type(x.astype(_INDEX)) for x in (index, inverse, counts))
    axis = axis % max(value.ndim, 1)
    values = take(ar, index, axis=axis) if isinstance(ar, Tracer) else \
        as_array_type(np.take(value, index, axis=axis))
    extras = [x for x, wanted in ((index, return_index), (inverse.reshape(-1), return_inverse),
                                  (counts, return_counts)) if wanted]
    return (values, *extras) if extras else values


# ---------------------------------------------------------------------------------------
# The array API's unique_* functions and isin


class UniqueAllResult(NamedTuple):
    """The result of :func:`unique_all`."""

    values: object
    indices: object
    inverse_indices: object
    counts: object


class UniqueCountsResult(NamedTuple):
    """The result of :func:`unique_counts`."""

    values: object
    counts: object


class UniqueInverseResult(NamedTuple):
    """The result of :func:`unique_inverse`."""

    values: object
    inverse_indices: object


def unique_values(x, /, *, size: int | None = None, fill_value=None):
    """The sorted distinct values of ``x`` (see :func:`unique` for ``size``).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.unique_values(np.array([3, 1, 3, 2])).tolist()
        [1, 2, 3]
        >>> fnp.unique_values(np.array([3, 1, 3]), size=3, fill_value=0).tolist()
        [1, 3, 0]
    """
    return unique(x, size=size, fill_value=fill_value)


def unique_counts(x, /, *, size: int | None = None, fill_value=None) -> UniqueCountsResult:
    """The distinct values of ``x`` and how often each occurs.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> r = fnp.unique_counts(np.array([3, 1, 3, 2, 3]))
        >>> r.values.tolist(), r.counts.tolist()
        ([1, 2, 3], [1, 1, 3])
    """
    return UniqueCountsResult(*unique(x, return_counts=True, size=size, fill_value=fill_value))


def unique_inverse(x, /, *, size: int | None = None, fill_value=None) -> UniqueInverseResult:
    """The distinct values of ``x`` and, per element, the index of its value.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> r = fnp.unique_inverse(np.array([3, 1, 3, 2]))
        >>> r.values.tolist(), r.inverse_indices.tolist()
        ([1, 2, 3], [2, 0, 2, 1])
    """
    return UniqueInverseResult(*unique(x, return_inverse=True, size=size,
                                       fill_value=fill_value))


def unique_all(x, /, *, size: int | None = None, fill_value=None) -> UniqueAllResult:
    """Values, first indices, inverse indices and counts of the distinct values of ``x``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> r = fnp.unique_all(np.array([3, 1, 3]))
        >>> [f.tolist() for f in r]
        [[1, 3], [1, 0], [1, 0, 1], [1, 2]]
        >>> r._fields
        ('values', 'indices', 'inverse_indices', 'counts')
    """
    return UniqueAllResult(*unique(x, return_index=True, return_inverse=True,
                                   return_counts=True, size=size, fill_value=fill_value))


_ISIN_METHODS = ("auto", "compare_all", "binary_search", "sort")


def isin(element, test_elements, assume_unique: bool = False, invert: bool = False, *,
         method="auto"):
    """Whether each entry of ``element`` equals some entry of ``test_elements``.

    ``assume_unique`` and ``method`` are accepted for NumPy/JAX compatibility; every entry
    is compared with all of ``test_elements`` (the result does not depend on them).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.isin(np.array([1, 2, 3, 4]), np.array([2, 4])).tolist()
        [False, True, False, True]
        >>> fnp.isin(np.array([1, 2]), np.array([2]), invert=True).tolist()
        [True, False]
    """
    if method not in _ISIN_METHODS:
        raise ValueError(f"fnp.isin: method must be one of {_ISIN_METHODS}, got {method!r}")
    element, tests = as_operand(element), ravel(as_operand(test_elements))
    shape = shape_of(element)
    grid = shape + shape_of(tests)
    matches = equal(lax.broadcast_in_dim(element, grid, tuple(range(len(shape)))),
                    lax.broadcast_in_dim(tests, grid, (len(shape),)))
    found = lax.reduce_or(matches, (len(shape),))
    return lax.bitwise_not(found) if invert else found


# ---------------------------------------------------------------------------------------
# union1d, setdiff1d, intersect1d: sorted distinct values, with size= under jit/vmap


def union1d(ar1, ar2, *, size: int | None = None, fill_value=None):
    """The sorted distinct values found in either array (see :func:`unique` for ``size``).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.union1d(np.array([3, 1]), np.array([2, 1])).tolist()
        [1, 2, 3]
    """
    both = concatenate([ravel(as_operand(ar1)), ravel(as_operand(ar2))])
    try:
        return unique(both, size=size, fill_value=fill_value)
    except ConcretizationError as err:
        raise _renamed("union1d", err) from None


def _renamed(fn: str, err: ConcretizationError) -> ConcretizationError:
    return ConcretizationError(str(err).replace("fnp.unique", f"fnp.{fn}")
                               .replace("jax.numpy.unique", f"jax.numpy.{fn}"))


def _distinct(fn: str, ar, sized: bool):
    """Sorted distinct values of the flattened ``ar``, their first indices, and which of
    them are real (None when not padded: ``sized`` pads to ``ar``'s length)."""
    flat = ravel(as_operand(ar))
    if not sized:
        try:
            values, index = unique(flat, return_index=True)
        except ConcretizationError as err:
            raise _renamed(fn, err) from None
        return values, index, None
    values, index, counts = unique(flat, return_index=True, return_counts=True,
                                   size=shape_of(flat)[0])
    return values, index, lax.gt(counts, _INDEX.type(0))


def _compact(fn: str, keep, arrays, size, fills):
    """The entries of each 1-D array where ``keep`` holds, first; padded to ``size``."""
    if size is None:
        value = concrete_or_none(keep)
        if value is None:
            raise ConcretizationError(
                f"fnp.{fn}: the result's length depends on traced values "
                f"({get_aval(keep).str_short()}). Pass size=N (fill_value pads it), as in "
                f"jax.numpy.{fn}, or call it outside jit/vmap.")
        (index,) = np.nonzero(np.asarray(value))
        return [_gathered(x, index) for x in arrays], None
    (index,) = nonzero(keep, size=_static_size(size), fill_value=-1)
    valid = lax.ge(index, _INDEX.type(0))
    safe = lax.max(index, _INDEX.type(0))
    out = [take(x, safe) for x in arrays]
    return [x if f is None else _padded(valid, x, f) for x, f in zip(out, fills)], valid


def setdiff1d(ar1, ar2, assume_unique: bool = False, *, size: int | None = None,
              fill_value=None):
    """The sorted distinct values of ``ar1`` that are not in ``ar2``; with ``size``
    padded with ``fill_value`` (default 0, as jax.numpy).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.setdiff1d(np.array([5, 1, 3, 1]), np.array([3])).tolist()
        [1, 5]
        >>> fnp.setdiff1d(np.array([5, 1, 3]), np.array([3]), size=3, fill_value=-1).tolist()
        [1, 5, -1]
    """
    values, _, real = _distinct("setdiff1d", ar1, size is not None)
    keep = isin(values, ar2, invert=True)
    if real is not None:
        keep = lax.bitwise_and(keep, real)
    dtype = np.dtype(get_aval(values).dtype)
    fill = to_dtype(as_operand(0 if fill_value is None else fill_value), dtype)
    return _compact("setdiff1d", keep, [values], size, [fill])[0][0]


def intersect1d(ar1, ar2, assume_unique: bool = False, return_indices: bool = False, *,
                size: int | None = None, fill_value=None):
    """The sorted distinct values found in both arrays.

    Args:
        return_indices: also return the first index of each value in ``ar1`` and ``ar2``
            (flattened).
        size: the result's length (required under jit/vmap); values are padded with
            ``fill_value`` (default: the smallest common value) and indices with the
            lengths of ``ar1`` and ``ar2``, as jax.numpy.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.intersect1d(np.array([4, 1, 3]), np.array([3, 4, 5])).tolist()
        [3, 4]
        >>> a, b = np.array([4, 1, 3]), np.array([3, 4])
        >>> vals, i1, i2 = fnp.intersect1d(a, b, return_indices=True)
        >>> vals.tolist(), i1.tolist(), i2.tolist()
        ([3, 4], [2, 0], [0, 1])
    """
    sized = size is not None
    v1, i1, real1 = _distinct("intersect1d", ar1, sized)
    v2, i2, real2 = _distinct("intersect1d", ar2, sized)
    n1, n2 = (int(np.prod(shape_of(as_operand(a)), dtype=np.int64)) for a in (ar1, ar2))
    grid = shape_of(v1) + shape_of(v2)
    matches = equal(lax.broadcast_in_dim(v1, grid, (0,)), lax.broadcast_in_dim(v2, grid, (1,)))
    if real2 is not None:
        matches = lax.bitwise_and(matches, lax.broadcast_in_dim(real2, grid, (1,)))
    keep = lax.reduce_or(matches, (1,))
    if real1 is not None:
        keep = lax.bitwise_and(keep, real1)
    at_in_2 = take(i2, lax.argmax(matches, 1, _INDEX))
    fills = [None, _INDEX.type(n1), _INDEX.type(n2)]
    (values, first1, first2), valid = _compact("intersect1d", keep, [v1, i1, at_in_2], size,
                                               fills)
    if valid is not None:
        fill = _first(values) if fill_value is None else to_dtype(
            as_operand(fill_value), np.dtype(get_aval(values).dtype))
        values = _padded(valid, values, fill)
    return (values, first1, first2) if return_indices else values


def setxor1d(ar1, ar2, assume_unique: bool = False, *, size: int | None = None,
             fill_value=None):
    """The sorted distinct values found in exactly one of the two arrays.

    Args:
        ar1, ar2: arrays (flattened).
        assume_unique: accepted for NumPy compatibility (the result does not depend on it).
        size: the result's length, required under jit/vmap; it is padded with
            ``fill_value`` (default: the first value of the result, 0 when empty, as
            jax.numpy).
        fill_value: the padding.

    Returns:
        A 1-D array of the common dtype.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.setxor1d(np.array([1, 2, 3]), np.array([2, 5])).tolist()
        [1, 3, 5]
        >>> fnp.setxor1d(np.array([2, 3]), np.array([2, 5]), size=4, fill_value=-1).tolist()
        [3, 5, -1, -1]
    """
    del assume_unique
    ar1, ar2 = ravel(as_operand(ar1)), ravel(as_operand(ar2))
    values, _, real = _distinct("setxor1d", concatenate([ar1, ar2]), size is not None)
    keep = lax.bitwise_xor(isin(values, ar1), isin(values, ar2))
    if real is not None:
        keep = lax.bitwise_and(keep, real)
    (values,), valid = _compact("setxor1d", keep, [values], size, [None])
    if valid is None:
        return values
    dtype = np.dtype(get_aval(values).dtype)
    if fill_value is None:
        first = _first(values) if shape_of(values)[0] else dtype.type(0)
        fill = lax.select_n(_first(valid), lax.full((), 0, dtype), first) \
            if shape_of(values)[0] else first
    else:
        fill = to_dtype(as_operand(fill_value), dtype)
    return _padded(valid, values, fill)
