"""Array creation: array, asarray, zeros, ones, full and their *_like forms."""

from __future__ import annotations

import numpy as np

from fungrad import lax
from fungrad.core import Tracer, get_aval
from fungrad.numpy.array_type import as_array_type

__all__ = ["asarray", "array", "zeros", "ones", "full", "empty", "zeros_like", "ones_like",
           "full_like", "empty_like"]


def _dtype_or_none(dtype):
    return None if dtype is None else np.dtype(dtype)


def _dtype_or(dtype, default):
    # np.dtype objects are falsy (len 0), so `dtype or default` would be wrong.
    return np.dtype(default) if dtype is None else np.dtype(dtype)


def asarray(a, dtype=None, order=None, *, copy=None):
    """Convert ``a`` (array, scalar, nested lists, tracer) to an array; like ``numpy.asarray``.

    Tracers pass through (cast with ``dtype`` if given). Eager results are :class:`Array`.
    """
    dtype = _dtype_or_none(dtype)
    if isinstance(a, Tracer):
        return a if dtype is None or a.dtype == dtype else lax.convert_element_type(a, dtype)
    if isinstance(a, (list, tuple)) and _contains_tracer(a):
        return _stack_nested(a, dtype)
    out = np.array(a, dtype=dtype, copy=True) if copy else np.asarray(a, dtype=dtype)
    return as_array_type(out)


def array(object, dtype=None, copy=True, order="K", ndmin=0):  # noqa: A002 (NumPy's name)
    """Create an array (a copy by default), like ``numpy.array``."""
    out = asarray(object, dtype=dtype, copy=copy)
    if ndmin and np.ndim(out) < ndmin:
        from fungrad.numpy.shape import reshape  # noqa: PLC0415

        out = reshape(out, (1,) * (ndmin - np.ndim(out)) + tuple(get_aval(out).shape))
    return out


def _contains_tracer(a) -> bool:
    return any(isinstance(x, Tracer) or (isinstance(x, (list, tuple)) and _contains_tracer(x))
               for x in a)


def _stack_nested(a, dtype):
    from fungrad.numpy.shape import stack  # noqa: PLC0415

    items = [_stack_nested(x, dtype) if isinstance(x, (list, tuple)) else asarray(x, dtype)
             for x in a]
    return stack(items)


def zeros(shape, dtype=None):
    """Array of zeros (float64 by default)."""
    return as_array_type(np.zeros(shape, dtype=_dtype_or(dtype, np.float64)))


def ones(shape, dtype=None):
    """Array of ones (float64 by default)."""
    return as_array_type(np.ones(shape, dtype=_dtype_or(dtype, np.float64)))


def full(shape, fill_value, dtype=None):
    """Array of ``shape`` filled with ``fill_value`` (which may be traced)."""
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    if isinstance(fill_value, Tracer):
        value = asarray(fill_value, dtype)
        lead = len(shape) - value.ndim
        return lax.broadcast_in_dim(value, shape, tuple(range(lead, len(shape))))
    return as_array_type(np.full(shape, fill_value, dtype=_dtype_or_none(dtype)))


def empty(shape, dtype=None):
    """Array of zeros (fungrad never exposes uninitialised memory)."""
    return zeros(shape, dtype)


def zeros_like(a, dtype=None, shape=None):
    """Zeros with the shape and dtype of ``a`` (tracers allowed; the result is constant)."""
    aval = get_aval(a)
    return zeros(aval.shape if shape is None else shape, _dtype_or(dtype, aval.dtype))


def ones_like(a, dtype=None, shape=None):
    """Ones with the shape and dtype of ``a`` (tracers allowed; the result is constant)."""
    aval = get_aval(a)
    return ones(aval.shape if shape is None else shape, _dtype_or(dtype, aval.dtype))


def full_like(a, fill_value, dtype=None, shape=None):
    """``fill_value`` broadcast to the shape (and dtype) of ``a``."""
    aval = get_aval(a)
    return full(aval.shape if shape is None else shape, fill_value, _dtype_or(dtype, aval.dtype))


def empty_like(a, dtype=None, shape=None):
    """Zeros like ``a`` (fungrad never exposes uninitialised memory)."""
    return zeros_like(a, dtype, shape)
