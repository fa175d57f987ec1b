"""Parameter initializers with JAX's API (`jax.nn.initializers`).

An initializer is a function ``init(key, shape, dtype=float32) -> array``. `zeros`, `ones`
are initializers themselves; the others are factories that return one:

>>> import fungrad as fg
>>> init = glorot_uniform()
>>> init(fg.random.key(0), (784, 256)).shape
(784, 256)

Fan-in and fan-out come from the shape as in JAX: ``shape[in_axis]`` (default -2) and
``shape[out_axis]`` (default -1), each times the *receptive field*, the product of the
axes that are neither in, out nor batch axes (the spatial axes of a conv kernel). That
fits weights stored ``(in, out)``, as fungrad's `Linear` and HWIO `Conv2d` kernels are.

The default dtype is float32, as for fungrad's layers (fungrad's arrays otherwise default to
float64). Only real floating dtypes are supported.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from fungrad import dtypes, random
from fungrad import numpy as fnp

__all__ = [
    "Initializer", "zeros", "ones", "constant", "normal", "uniform", "truncated_normal",
    "variance_scaling", "glorot_normal", "glorot_uniform", "xavier_normal", "xavier_uniform",
    "he_normal", "he_uniform", "kaiming_normal", "kaiming_uniform", "lecun_normal",
    "lecun_uniform", "orthogonal",
]

Initializer = Callable[..., Any]
Axes = int | Sequence[int]


def _shape(fn: str, shape) -> tuple[int, ...]:
    dims = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    if not all(isinstance(d, (int, np.integer)) and d >= 0 for d in dims):
        raise TypeError(f"{fn}: shape must be a tuple of non-negative ints, got {shape!r}.")
    return tuple(int(d) for d in dims)


def _real_dtype(fn: str, dtype) -> np.dtype:
    dt = np.dtype(dtype)
    if not dtypes.is_floating(dt):
        raise TypeError(
            f"{fn}: dtype must be a real floating dtype (float16, float32, float64), got {dt}."
        )
    return dt


def zeros(key: Any, shape: Sequence[int], dtype: Any = np.float32) -> Any:
    """All zeros; `key` is ignored (it is there so every initializer takes the same call).

    Args:
      key: a PRNG key (unused).
      shape: the result's shape.
      dtype: the result's dtype.

    Returns:
      An array of zeros.
    """
    return fnp.zeros(_shape("zeros", shape), dtype=np.dtype(dtype))


def ones(key: Any, shape: Sequence[int], dtype: Any = np.float32) -> Any:
    """All ones; `key` is ignored.

    Args:
      key: a PRNG key (unused).
      shape: the result's shape.
      dtype: the result's dtype.

    Returns:
      An array of ones.
    """
    return fnp.ones(_shape("ones", shape), dtype=np.dtype(dtype))


def constant(value: Any, dtype: Any = np.float32) -> Initializer:
    """An initializer that fills with `value`.

    Args:
      value: a scalar, or an array that broadcasts to the requested shape.
      dtype: the default dtype of the initializer.

    Returns:
      ``init(key, shape, dtype=dtype)``.
    """

    def init(key, shape, dtype=dtype):
        return fnp.full(_shape("constant", shape), value, dtype=np.dtype(dtype))

    return init


def normal(stddev: float = 1e-2, dtype: Any = np.float32) -> Initializer:
    """An initializer drawing from a normal distribution with mean 0.

    Args:
      stddev: the standard deviation.
      dtype: the default dtype of the initializer.

    Returns:
      ``init(key, shape, dtype=dtype)``.
    """

    def init(key, shape, dtype=dtype):
        dt = _real_dtype("normal", dtype)
        return random.normal(key, _shape("normal", shape), dt) * dt.type(stddev)

    return init


def uniform(scale: float = 1e-2, dtype: Any = np.float32) -> Initializer:
    """An initializer drawing uniformly from ``[0, scale)``, as in JAX.

    Args:
      scale: the upper bound.
      dtype: the default dtype of the initializer.

    Returns:
      ``init(key, shape, dtype=dtype)``.
    """

    def init(key, shape, dtype=dtype):
        dt = _real_dtype("uniform", dtype)
        return random.uniform(key, _shape("uniform", shape), dt, 0.0, scale)

    return init


def truncated_normal(stddev: float = 1e-2, dtype: Any = np.float32, lower: float = -2.0,
                     upper: float = 2.0) -> Initializer:
    """An initializer drawing ``stddev * z`` with z a standard normal truncated to [lower, upper].

    Note that the result's standard deviation is below `stddev` (by about 12% for the
    default bounds), as in JAX; `variance_scaling` corrects for that, this does not.

    Args:
      stddev: the scale of the untruncated distribution.
      dtype: the default dtype of the initializer.
      lower: lower bound, in units of `stddev`.
      upper: upper bound, in units of `stddev`.

    Returns:
      ``init(key, shape, dtype=dtype)``.
    """

    def init(key, shape, dtype=dtype):
        dt = _real_dtype("truncated_normal", dtype)
        z = random.truncated_normal(key, lower, upper, _shape("truncated_normal", shape), dt)
        return z * dt.type(stddev)

    return init


# --- Variance scaling --------------------------------------------------------------------


def _axes(shape: tuple[int, ...], axes: Axes) -> tuple[int, ...]:
    axes = (axes,) if isinstance(axes, (int, np.integer)) else tuple(axes)
    for a in axes:
        if not -len(shape) <= a < len(shape):
            raise ValueError(
                f"variance_scaling: axis {a} is out of range for a weight of shape {shape}; "
                "pass in_axis/out_axis/batch_axis that exist in the shape."
            )
    return tuple(a % len(shape) for a in axes)


def _fans(shape: tuple[int, ...], in_axis: Axes, out_axis: Axes,
          batch_axis: Axes) -> tuple[float, float]:
    """``(fan_in, fan_out)``: in/out sizes times the receptive field size."""
    if len(shape) < 2 and isinstance(in_axis, int) and in_axis == -2:
        raise ValueError(
            f"variance_scaling: cannot tell fan-in and fan-out of a weight of shape {shape} "
            "with the default in_axis=-2; use a shape of 2 or more axes, or pass in_axis "
            "and out_axis explicitly."
        )
    ins, outs, batch = (_axes(shape, a) for a in (in_axis, out_axis, batch_axis))
    in_size = math.prod(shape[a] for a in ins)
    out_size = math.prod(shape[a] for a in outs)
    receptive = math.prod(d for a, d in enumerate(shape) if a not in (*ins, *outs, *batch))
    return in_size * receptive, out_size * receptive


def _truncated_std(bound: float) -> float:
    """The standard deviation of a standard normal truncated to [-bound, bound]."""
    density = math.exp(-0.5 * bound * bound) / math.sqrt(2.0 * math.pi)
    mass = math.erf(bound / math.sqrt(2.0))
    return math.sqrt(1.0 - 2.0 * bound * density / mass)


_MODES = ("fan_in", "fan_out", "fan_avg")
_DISTRIBUTIONS = ("truncated_normal", "normal", "uniform")


def variance_scaling(  # noqa: PLR0917 (JAX's signature)
    scale: float, mode: str, distribution: str, in_axis: Axes = -2, out_axis: Axes = -1,
    batch_axis: Axes = (), dtype: Any = np.float32,
) -> Initializer:
    """An initializer whose samples have variance ``scale / n``, with n chosen by `mode`.

    Args:
      scale: the variance numerator.
      mode: ``"fan_in"``, ``"fan_out"`` or ``"fan_avg"`` (their mean): what n is.
      distribution: ``"truncated_normal"`` (within two standard deviations, rescaled so
        the variance is exact), ``"normal"`` or ``"uniform"``.
      in_axis: the input axis or axes of the weight.
      out_axis: the output axis or axes.
      batch_axis: axes that index independent weights (excluded from the fans).
      dtype: the default dtype of the initializer.

    Returns:
      ``init(key, shape, dtype=dtype)``.
    """
    if mode not in _MODES:
        raise ValueError(f"variance_scaling: mode must be one of {_MODES}, got {mode!r}.")
    if distribution not in _DISTRIBUTIONS:
        raise ValueError(
            f"variance_scaling: distribution must be one of {_DISTRIBUTIONS}, "
            f"got {distribution!r}."
        )

    def init(key, shape, dtype=dtype):
        shape, dt = _shape("variance_scaling", shape), _real_dtype("variance_scaling", dtype)
        fan_in, fan_out = _fans(shape, in_axis, out_axis, batch_axis)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
        variance = scale / max(n, 1.0)
        if distribution == "uniform":
            limit = math.sqrt(3.0 * variance)
            return random.uniform(key, shape, dt, -limit, limit)
        if distribution == "normal":
            return random.normal(key, shape, dt) * dt.type(math.sqrt(variance))
        z = random.truncated_normal(key, -2.0, 2.0, shape, dt)
        return z * dt.type(math.sqrt(variance) / _truncated_std(2.0))

    return init


def _preset(scale: float, mode: str, distribution: str, name: str, doc: str):
    def factory(in_axis: Axes = -2, out_axis: Axes = -1, batch_axis: Axes = (),
                dtype: Any = np.float32) -> Initializer:
        return variance_scaling(scale, mode, distribution, in_axis, out_axis, batch_axis, dtype)

    factory.__name__ = factory.__qualname__ = name
    factory.__doc__ = (
        f"{doc}: `variance_scaling({scale}, {mode!r}, {distribution!r})`.\n\n"
        "Args:\n  in_axis, out_axis, batch_axis: as for `variance_scaling`.\n"
        "  dtype: the default dtype of the initializer.\n\n"
        "Returns:\n  ``init(key, shape, dtype=dtype)``.\n"
    )
    return factory


glorot_normal = _preset(1.0, "fan_avg", "truncated_normal", "glorot_normal",
                        "Glorot (Xavier) normal initializer")
glorot_uniform = _preset(1.0, "fan_avg", "uniform", "glorot_uniform",
                         "Glorot (Xavier) uniform initializer")
he_normal = _preset(2.0, "fan_in", "truncated_normal", "he_normal",
                    "He (Kaiming) normal initializer")
he_uniform = _preset(2.0, "fan_in", "uniform", "he_uniform", "He (Kaiming) uniform initializer")
lecun_normal = _preset(1.0, "fan_in", "truncated_normal", "lecun_normal",
                       "LeCun normal initializer")
lecun_uniform = _preset(1.0, "fan_in", "uniform", "lecun_uniform", "LeCun uniform initializer")
xavier_normal, xavier_uniform = glorot_normal, glorot_uniform
kaiming_normal, kaiming_uniform = he_normal, he_uniform


def orthogonal(scale: float = 1.0, column_axis: int = -1, dtype: Any = np.float32) -> Initializer:
    """An initializer of (semi-)orthogonal matrices, reshaped to the requested shape.

    The weight is viewed as a matrix with ``shape[column_axis]`` columns and the other axes
    as rows; its columns (or rows, if fewer) are orthonormal, times `scale`.

    Args:
      scale: multiplies the orthonormal matrix.
      column_axis: the axis that holds the columns.
      dtype: the default dtype of the initializer.

    Returns:
      ``init(key, shape, dtype=dtype)``.
    """

    def init(key, shape, dtype=dtype):
        shape, dt = _shape("orthogonal", shape), _real_dtype("orthogonal", dtype)
        if len(shape) < 2:
            raise ValueError(
                f"orthogonal: needs a shape of at least 2 axes, got {shape}; orthogonality "
                "is defined for matrices."
            )
        axis = _axes(shape, column_axis)[0]
        n_cols = shape[axis]
        n_rows = math.prod(shape) // max(n_cols, 1)
        tall = (max(n_rows, n_cols), min(n_rows, n_cols))
        q, r = fnp.linalg.qr(random.normal(key, tall, np.float64))
        q = q * fnp.sign(fnp.diagonal(r))  # makes Q uniformly (Haar) distributed
        q = q if n_rows >= n_cols else q.T
        rest = shape[:axis] + shape[axis + 1:]
        matrix = fnp.reshape(q, (*rest, n_cols))
        return fnp.asarray(fnp.moveaxis(matrix, -1, axis) * scale, dtype=dt)

    return init
