"""Array creation: array, asarray, zeros, ones, full and their *_like forms, ranges
(arange, linspace), eye/identity/tri, and meshgrid.

Creation from static sizes runs NumPy eagerly and returns :class:`Array`. ``full``,
``linspace`` and ``meshgrid`` also accept traced values and are differentiable in them.

``device=`` (jax.numpy's) places the result as ``fg.device_put(result, device)`` does; None
keeps it where it is made (the host, or the device of ``a`` for the ``*_like`` functions).
``out_sharding=`` must be None: fungrad has no sharding.
"""

from __future__ import annotations

import operator

import numpy as np

# A cycle: fungrad.devices imports fungrad.numpy.array_type, whose package imports this
# module. The module object is bound now and its functions are looked up at call time.
from fungrad import devices as _devices
from fungrad import dtypes, lax
from fungrad.array_module import constant_like, get_array_module, is_device_array
from fungrad.core import Tracer, concrete_or_none, get_aval
from fungrad.errors import ConcretizationError
from fungrad.numpy.array_type import as_array_type
from fungrad.numpy.joining import concatenate
from fungrad.numpy.math import exp, log, power, sign
from fungrad.numpy.promotion import as_operand, broadcast_to_shape, promote_dtypes, result_shape
from fungrad.numpy.reshaping import broadcast_to, check_integers, expand_dims, static_int
from fungrad.numpy.unsupported_arguments import reject_sharding

__all__ = ["asarray", "array", "zeros", "ones", "full", "empty", "zeros_like", "ones_like",
           "full_like", "empty_like", "arange", "linspace", "eye", "identity", "tri",
           "meshgrid", "logspace", "geomspace", "fromfunction"]


def _dtype_or_none(fn: str, dtype):
    return None if dtype is None else _numeric_dtype(fn, dtype)


def _dtype_or(fn: str, dtype, default):
    # np.dtype objects are falsy (len 0), so `dtype or default` would be wrong.
    return np.dtype(default) if dtype is None else _numeric_dtype(fn, dtype)


def _is_numeric(dtype: np.dtype) -> bool:
    """Whether fungrad arrays (like JAX's) can hold ``dtype``: numbers and booleans, not
    strings, objects, datetimes or records."""
    return dtype.kind not in "OUSM" and dtype.names is None


def _numeric_dtype(fn: str, dtype) -> np.dtype:
    """``np.dtype(dtype)``, or a TypeError naming ``fn`` for a dtype fungrad arrays cannot
    hold (NumPy would make a string or object array)."""
    out = np.dtype(dtype)
    if not _is_numeric(out):
        raise TypeError(f"fnp.{fn}: dtype={dtype!r} ({out}) is not a numeric dtype; fungrad "
                        "arrays hold numbers and booleans only. Pass a numeric dtype such as "
                        "float64, int64 or bool.")
    return out


def _placed(fn: str, out, device, out_sharding=None):
    """``out`` on ``device`` (None: where it is), placed as ``fg.device_put`` places values."""
    if out_sharding is not None:
        reject_sharding(fn, out_sharding=out_sharding)
    return out if device is None else _devices.device_put_for(f"fnp.{fn}", out, device)


def asarray(a, dtype=None, order=None, *, copy=None, device=None, out_sharding=None):
    """Convert ``a`` (array, scalar, nested lists, tracer) to an array; like ``numpy.asarray``.

    Tracers pass through (cast with ``dtype`` if given). Eager results are :class:`Array`.
    ``device`` places the result (as ``fg.device_put``); ``out_sharding`` must be None.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.asarray([1.0, 2.0])
        Array([1., 2.])
        >>> fnp.asarray(np.arange(3)).at[1].set(7)
        Array([0, 7, 2])
    """
    if device is not None or out_sharding is not None:
        return _placed("asarray", asarray(a, dtype, order, copy=copy), device, out_sharding)
    dtype = _dtype_or_none("asarray", dtype)
    if isinstance(a, Tracer):
        return a if dtype is None or a.dtype == dtype else lax.convert_element_type(a, dtype)
    if isinstance(a, (list, tuple)) and _contains_tracer(a):
        return _stack_nested(a, dtype)
    xp = get_array_module(a)
    if xp is not np:  # a device array stays on its device (as its own array type)
        out = a if dtype is None or a.dtype == dtype else a.astype(dtype)
        return out.copy() if copy and out is a else out
    out = np.array(a, dtype=dtype, copy=True) if copy else np.asarray(a, dtype=dtype)
    return as_array_type(_check_numeric("asarray", out, a))


def array(object, dtype=None, copy=True, order="K", ndmin=0, *,  # noqa: A002 (NumPy's name)
          device=None, out_sharding=None):
    """Create an array (a copy by default), like ``numpy.array``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.array([[1, 2], [3, 4]], dtype=np.float32)
        Array([[1., 2.],
               [3., 4.]], dtype=float32)
    """
    out = asarray(object, dtype=dtype, copy=copy)
    shape = tuple(get_aval(out).shape)
    if ndmin and len(shape) < ndmin:
        from fungrad.numpy.shape import reshape  # noqa: PLC0415

        out = reshape(out, (1,) * (ndmin - len(shape)) + shape)
    return _placed("array", out, device, out_sharding)


def _contains_tracer(a) -> bool:
    return any(isinstance(x, Tracer) or (isinstance(x, (list, tuple)) and _contains_tracer(x))
               for x in a)


def _stack_nested(a, dtype):
    from fungrad.numpy.shape import stack  # noqa: PLC0415

    items = [_stack_nested(x, dtype) if isinstance(x, (list, tuple)) else asarray(x, dtype)
             for x in a]
    return stack(items)


def static_shape(fn_name: str, shape):
    """``shape`` with traced entries replaced by their concrete values, or an error saying
    that shapes must be static (known while tracing)."""
    dims = shape if isinstance(shape, (tuple, list)) else (shape,)
    if not any(isinstance(d, Tracer) for d in dims):
        _check_dims(fn_name, shape, dims)
        return shape
    out = []
    for d in dims:
        value = concrete_or_none(d) if isinstance(d, Tracer) else d
        if isinstance(d, Tracer) and (value is None or d.aval.dtype.kind not in "iu"):
            shown = ", ".join(f"<traced {x.aval.str_short()}>" if isinstance(x, Tracer)
                              else repr(x) for x in dims)
            raise ConcretizationError(
                f"fnp.{fn_name}: the shape ({shown}) contains a traced value "
                f"{d.aval.str_short()} (inside the {d._trace.describe()}). Shapes must be "
                "static: Python ints known while tracing. Compute them from array shapes "
                "(x.shape[0]), or mark the argument that gives the size static "
                "(static_argnums / static_argnames).")
        out.append(int(value) if isinstance(d, Tracer) else d)
    return tuple(out) if isinstance(shape, (tuple, list)) else out[0]


def _check_dims(fn_name: str, shape, dims) -> None:
    for d in dims:
        try:
            size = operator.index(d)
        except TypeError:
            raise TypeError(
                f"fnp.{fn_name}: shape must be an int or a tuple of ints, got {shape!r} "
                f"(the entry {d!r} is a {type(d).__name__}). Pass sizes as Python ints, "
                "e.g. (2, 3).") from None
        if size < 0:
            raise ValueError(f"fnp.{fn_name}: shape {tuple(dims)!r} has a negative size "
                             f"{size}; sizes must be >= 0.")


def _check_numeric(fn_name: str, out: np.ndarray, given) -> np.ndarray:
    """``out``, or a TypeError when it is not an array of numbers or booleans (strings,
    objects): fungrad arrays, like JAX's, hold only numeric and bool dtypes."""
    if not _is_numeric(out.dtype):
        shown = repr(given) if len(repr(given)) < 60 else type(given).__name__
        raise TypeError(
            f"fnp.{fn_name}: fungrad arrays hold numbers and booleans only; {shown} gives "
            f"dtype {out.dtype}. Convert the data to numbers first (e.g. float(s) for a "
            "numeric string).")
    return out


def zeros(shape, dtype=None, *, device=None, out_sharding=None):
    """Array of zeros (float64 by default).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.zeros((2, 3), dtype=fnp.int32).tolist()
        [[0, 0, 0], [0, 0, 0]]
    """
    shape = static_shape("zeros", shape)
    out = as_array_type(np.zeros(shape, dtype=_dtype_or("zeros", dtype, np.float64)))
    return out if device is None and out_sharding is None else _placed("zeros", out, device,
                                                                        out_sharding)


def ones(shape, dtype=None, *, device=None, out_sharding=None):
    """Array of ones (float64 by default).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.ones(3).tolist()
        [1.0, 1.0, 1.0]
    """
    shape = static_shape("ones", shape)
    out = as_array_type(np.ones(shape, dtype=_dtype_or("ones", dtype, np.float64)))
    return out if device is None and out_sharding is None else _placed("ones", out, device,
                                                                        out_sharding)


def full(shape, fill_value, dtype=None, *, device=None, out_sharding=None):
    """Array of ``shape`` filled with ``fill_value`` (which may be traced).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.full((2, 2), 7.0).tolist()
        [[7.0, 7.0], [7.0, 7.0]]
    """
    shape = static_shape("full", shape)
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    if isinstance(fill_value, Tracer):
        value = asarray(fill_value, dtype)
        lead = len(shape) - value.ndim
        out = lax.broadcast_in_dim(value, shape, tuple(range(lead, len(shape))))
    else:
        out = np.full(shape, fill_value, dtype=_dtype_or_none("full", dtype))
        out = as_array_type(_check_numeric("full", out, fill_value))
    return _placed("full", out, device, out_sharding)


def empty(shape, dtype=None, *, device=None, out_sharding=None):
    """Array of zeros (fungrad never exposes uninitialised memory).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.empty((2, 2))
        Array([[0., 0.],
               [0., 0.]])
    """
    return _placed("empty", zeros(shape, _dtype_or("empty", dtype, np.float64)), device,
                   out_sharding)


def zeros_like(a, dtype=None, shape=None, *, device=None, out_sharding=None):
    """Zeros with the shape and dtype of ``a`` (tracers allowed; the result is constant).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.zeros_like(np.array([[1, 2]]))
        Array([[0, 0]])
    """
    aval = get_aval(a)
    out = constant_like(zeros(aval.shape if shape is None else shape,
                              _dtype_or("zeros_like", dtype, aval.dtype)), a)  # on a's device
    return _placed("zeros_like", out, device, out_sharding)


def ones_like(a, dtype=None, shape=None, *, device=None, out_sharding=None):
    """Ones with the shape and dtype of ``a`` (tracers allowed; the result is constant).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.ones_like(np.array([1.5, 2.5]))
        Array([1., 1.])
    """
    aval = get_aval(a)
    out = constant_like(ones(aval.shape if shape is None else shape,
                             _dtype_or("ones_like", dtype, aval.dtype)), a)
    return _placed("ones_like", out, device, out_sharding)


def full_like(a, fill_value, dtype=None, shape=None, *, device=None, out_sharding=None):
    """``fill_value`` broadcast to the shape (and dtype) of ``a``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.full_like(np.zeros(3, np.float32), 0.5)
        Array([0.5, 0.5, 0.5], dtype=float32)
    """
    aval = get_aval(a)
    out = constant_like(full(aval.shape if shape is None else shape, fill_value,
                             _dtype_or("full_like", dtype, aval.dtype)), a)
    return _placed("full_like", out, device, out_sharding)


def empty_like(prototype, dtype=None, shape=None, *, device=None):
    """Zeros like ``prototype`` (fungrad never exposes uninitialised memory).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.empty_like(np.ones(3, np.int32))
        Array([0, 0, 0], dtype=int32)
    """
    return _placed("empty_like", zeros_like(prototype, dtype, shape), device)


# ---------------------------------------------------------------------------------------
# Ranges, identity-like matrices and grids


def _static(fn: str, arg: str, value):
    """Return a concrete Python/NumPy value for a size-like argument (tracers must be concrete)."""
    concrete = concrete_or_none(value)
    if concrete is None:
        raise ConcretizationError(
            f"fnp.{fn}: {arg} must be static, but it is a traced value "
            f"{value.aval.str_short()}; the output shape depends on it. Pass a Python number "
            "(or mark the argument static_argnums).")
    return concrete.item() if isinstance(concrete, np.ndarray) else concrete


def arange(start, stop=None, step=None, dtype=None, *, device=None, out_sharding=None):
    """Evenly spaced values in ``[start, stop)``, like ``numpy.arange`` (int args -> int64).

    Example:
        >>> arange(1, 7, 2)
        Array([1, 3, 5])
    """
    start = _static("arange", "start", start)
    stop = None if stop is None else _static("arange", "stop", stop)
    step = 1 if step is None else _static("arange", "step", step)
    for arg, value in (("start", start), ("stop", stop), ("step", step)):
        if np.iscomplexobj(value):  # NumPy steps along the real parts; JAX refuses
            raise ValueError(f"fnp.arange: {arg}={value!r} is complex; start, stop and step "
                             "must be real. For complex values, build a real range and "
                             "combine it: start + fnp.arange(n) * step.")
    if stop is None:
        start, stop = 0, start
    dtype = _dtype_or_none("arange", dtype)
    out = as_array_type(np.arange(start, stop, step, dtype=dtype))
    return _placed("arange", out, device, out_sharding)


def linspace(start, stop, num: int = 50, endpoint: bool = True, retstep: bool = False,  # noqa: PLR0917
             dtype=None, axis: int = 0, *, device=None):
    """``num`` evenly spaced samples from ``start`` to ``stop``, like ``numpy.linspace``.

    Args:
        start, stop: scalars or arrays (broadcast together); may be traced, and the result
            is differentiable in them.
        num: number of samples (static).
        endpoint: include ``stop`` as the last sample.
        retstep: also return the spacing.
        dtype: the result dtype (integer dtypes round toward -inf, as NumPy does).
        axis: where the samples axis goes in the result when start/stop are arrays.
        device: where to place the result (as ``fg.device_put``; None: where it is made).
    Returns:
        The samples, or ``(samples, step)`` when ``retstep``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.linspace(0.0, 1.0, 5)
        Array([0.  , 0.25, 0.5 , 0.75, 1.  ])
        >>> fnp.linspace(0.0, 1.0, 4, endpoint=False, retstep=True)
        (Array([0.  , 0.25, 0.5 , 0.75]), Array(0.25))
    """
    num = _static("linspace", "num", num)
    check_integers("fnp.linspace", "num", num)
    num = int(num)
    if num < 0:
        raise ValueError(f"fnp.linspace: num must be non-negative, got {num}")
    start, stop = promote_dtypes("linspace", as_operand(start), as_operand(stop))
    in_dtype = get_aval(start).dtype
    compute = in_dtype if dtypes.is_inexact(in_dtype) else np.dtype(np.float64)
    start, stop = (_cast(v, compute) for v in (start, stop))
    bshape = result_shape("linspace", [get_aval(start).shape, get_aval(stop).shape])
    axis = _normalize_new_axis("linspace", axis, len(bshape))
    start, stop = (lax.expand_dims(broadcast_to_shape(v, bshape), (axis,)) for v in (start, stop))
    div = num - 1 if endpoint else num
    delta = lax.sub(stop, start)
    if div > 0:
        step = ramp_step = lax.div(delta, compute.type(div))
    else:  # 0 or 1 samples: NumPy reports a NaN step but still returns ``start``
        step, ramp_step = lax.mul(delta, compute.type(np.nan)), delta
    # The last sample is exactly ``stop`` when it is included (as in NumPy).
    count = num - 1 if endpoint and num > 1 else num
    samples = _ramp(start, ramp_step, count, axis)
    if count < num:
        samples = lax.concatenate([samples, stop], axis)
    out_dtype = compute if dtype is None else np.dtype(dtype)
    if out_dtype.kind in "iub":
        samples = lax.floor(samples)
    samples = _finish(_cast(samples, out_dtype))
    out = (samples, _finish(lax.squeeze(step, (axis,)))) if retstep else samples
    return _placed("linspace", out, device)


def _ramp(start, step, count: int, axis: int):
    """``start + i * step`` for ``i < count`` along ``axis`` (start/step have size 1 there)."""
    shape = list(get_aval(start).shape)
    shape[axis] = count
    dims = tuple(range(len(shape)))
    ramp = constant_like(lax.broadcasted_iota(get_aval(start).dtype, shape, axis), step)
    body = lax.add(lax.mul(ramp, lax.broadcast_in_dim(step, shape, dims)),
                   lax.broadcast_in_dim(start, shape, dims))
    return body


def _normalize_new_axis(fn: str, axis: int, ndim: int) -> int:
    if not -ndim - 1 <= axis <= ndim:
        raise ValueError(f"fnp.{fn}: axis {axis} is out of range for a result of rank "
                         f"{ndim + 1}")
    return axis % (ndim + 1)


def _cast(x, dtype: np.dtype):
    return x if get_aval(x).dtype == dtype else lax.convert_element_type(x, dtype)


def _finish(x):
    return x if isinstance(x, Tracer) or is_device_array(x) else as_array_type(x)


def eye(N: int, M: int | None = None, k: int = 0, dtype=None, *,  # noqa: N803 (NumPy's names)
        device=None):
    """2-D array with ones on diagonal ``k`` and zeros elsewhere (float64 by default).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.eye(2, 3, k=1)
        Array([[0., 1., 0.],
               [0., 0., 1.]])
    """
    n = static_int("eye", "N", N, strict=True)
    m = None if M is None else static_int("eye", "M", M, strict=True)
    k = _static("eye", "k", k)
    check_integers("fnp.eye", "k", k)  # eye(2, k=1.0) truncated it; NumPy and JAX refuse it
    out = as_array_type(np.eye(n, m, int(k), dtype=_dtype_or("eye", dtype, np.float64)))
    return _placed("eye", out, device)


def identity(n: int, dtype=None):
    """The ``n`` x ``n`` identity matrix (float64 by default).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.identity(2)
        Array([[1., 0.],
               [0., 1.]])
    """
    return eye(n, dtype=dtype)


def tri(N: int, M: int | None = None, k: int = 0, dtype=None):  # noqa: N803 (NumPy's names)
    """Ones at and below diagonal ``k``, zeros above (float64 by default, like NumPy).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.tri(3, k=-1)
        Array([[0., 0., 0.],
               [1., 0., 0.],
               [1., 1., 0.]])
    """
    n = int(_static("tri", "N", N))
    m = None if M is None else int(_static("tri", "M", M))
    k = int(_static("tri", "k", k))
    for arg, size in (("N", n), ("M", m)):
        if size is not None and size < 0:  # NumPy returns an empty array; JAX raises
            raise TypeError(f"fnp.tri: {arg} must be >= 0 (a number of "
                            f"{'rows' if arg == 'N' else 'columns'}), got {size}; pass "
                            f"max({arg}, 0) for an empty result.")
    return as_array_type(np.tri(n, m, k, dtype=_dtype_or("tri", dtype, np.float64)))


def meshgrid(*xi, copy: bool = True, sparse: bool = False, indexing: str = "xy") -> list:
    """Coordinate matrices from 1-D coordinate vectors, like ``numpy.meshgrid``.

    Args:
        *xi: coordinate arrays (flattened first); may be traced.
        sparse: return broadcastable arrays with size-1 axes instead of full grids.
        indexing: ``"xy"`` (Cartesian: the first two axes swapped) or ``"ij"`` (matrix).
    Returns:
        A list of arrays, one per input.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> xx, yy = fnp.meshgrid(np.array([1, 2, 3]), np.array([10, 20]))
        >>> xx
        Array([[1, 2, 3],
               [1, 2, 3]])
        >>> yy
        Array([[10, 10, 10],
               [20, 20, 20]])
    """
    from fungrad.numpy.shape import broadcast_to, ravel  # noqa: PLC0415 (shape imports us)

    if indexing not in ("xy", "ij"):
        raise ValueError(f"fnp.meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    arrays = [ravel(x) for x in xi]
    sizes = [get_aval(x).shape[0] for x in arrays]
    axes = list(range(len(arrays)))
    if indexing == "xy" and len(arrays) > 1:
        axes[0], axes[1] = 1, 0
        sizes[0], sizes[1] = sizes[1], sizes[0]
    out = []
    for x, ax in zip(arrays, axes, strict=True):
        sparse_shape = [1] * len(arrays)
        sparse_shape[ax] = get_aval(x).shape[0]
        grid = lax.reshape(x, sparse_shape)
        grid = grid if sparse else broadcast_to(grid, sizes)
        if isinstance(grid, Tracer) or is_device_array(grid):
            out.append(grid if isinstance(grid, Tracer) else grid.copy())
        else:
            out.append(as_array_type(np.array(grid)))
    return out


def logspace(start, stop, num: int = 50, endpoint: bool = True, base=10.0,  # noqa: PLR0917
             dtype=None, axis: int = 0):
    """``base ** linspace(start, stop, ...)``: samples evenly spaced on a log scale
    (differentiable in ``start``, ``stop`` and ``base``).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.logspace(0.0, 2.0, num=3).tolist()
        [1.0, 10.0, 100.0]
    """
    exponents = linspace(start, stop, num, endpoint, axis=axis)
    samples = power(base, exponents)
    return samples if dtype is None else _cast(samples, np.dtype(dtype))


def geomspace(start, stop, num: int = 50, endpoint: bool = True, dtype=None,  # noqa: PLR0917
              axis: int = 0):
    """Samples from ``start`` to ``stop`` in a geometric progression (both nonzero, of one
    sign); the ends are exact.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.geomspace(1.0, 1000.0, num=4).round(6).tolist()
        [1.0, 10.0, 100.0, 1000.0]
    """
    start, stop = promote_dtypes("geomspace", as_operand(start), as_operand(stop))
    if get_aval(start).dtype.kind not in "fc":
        start, stop = _cast(start, np.dtype(np.float64)), _cast(stop, np.dtype(np.float64))
    signs = sign(start)
    logs = linspace(log(start * signs), log(stop * signs), num, endpoint, axis=axis)
    samples = exp(logs) * lax.expand_dims(signs, (axis,)) if get_aval(signs).shape else \
        exp(logs) * signs
    samples = _pin_ends(samples, start, stop, num, endpoint, axis)
    return samples if dtype is None else _cast(samples, np.dtype(dtype))


def _pin_ends(samples, start, stop, num: int, endpoint: bool, axis: int):
    """Replace the first (and, with ``endpoint``, the last) sample by the exact ends."""
    if num == 0:
        return samples
    shape = get_aval(samples).shape
    end_shape = shape[:axis] + (1,) + shape[axis + 1:]
    first = broadcast_to(expand_dims(start, axis) if get_aval(start).shape else start,
                         end_shape)
    middle = lax.slice_in_dim(samples, 1, num - (1 if endpoint and num > 1 else 0), axis=axis)
    parts = [first, middle]
    if endpoint and num > 1:
        parts.append(broadcast_to(expand_dims(stop, axis) if get_aval(stop).shape else stop,
                                  end_shape))
    return concatenate(parts, axis)


def fromfunction(function, shape, *, dtype=float, **kwargs):
    """``function`` called once on the index grids of an array of ``shape``.

    Args:
        function: called as ``function(i0, i1, ..., **kwargs)`` with one index array per
            axis (of ``dtype``); it should broadcast, as NumPy's ufuncs do.
        shape: the grid's shape (static ints).
        dtype: the dtype of the index arrays (default float, as NumPy).

    Returns:
        Whatever ``function`` returns (an array of ``shape`` for elementwise functions).

    Example:
        >>> import fungrad.numpy as fnp
        >>> fnp.fromfunction(lambda i, j: i + 10 * j, (2, 3), dtype=int).tolist()
        [[0, 10, 20], [1, 11, 21]]
    """
    dims = tuple(int(_static("fromfunction", "shape", d)) for d in (
        (shape,) if np.ndim(shape) == 0 else shape))
    grids = np.indices(dims, dtype=np.dtype(dtype))
    return function(*(as_array_type(g) for g in grids), **kwargs)
