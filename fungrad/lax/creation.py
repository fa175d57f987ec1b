"""Creation primitives and helpers: iota (index ramps) and full.

``iota`` has no operands, so no transform ever sees a tracer in it: its JVP rule exists for
completeness (the coverage table requires one) and says the output is constant.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "iota_p",
    "iota",
    "broadcasted_iota",
    "full",
    "empty",
]

from fungrad import core
from fungrad.core import Primitive, ShapedArray
from fungrad.errors import ShapeError
from fungrad.interpreters.jvp import defjvp_zero
from fungrad.lax.comparison import convert_element_type
from fungrad.lax.shape_ops import _static_int, _static_ints, broadcast_in_dim

# ---------------------------------------------------------------------------------------
# iota: out[..., i, ...] = i along ``dimension``

iota_p = Primitive("iota")


def _iota_impl(*, dtype, shape, dimension):
    ramp = np.arange(shape[dimension], dtype=dtype)
    expanded = [1] * len(shape)
    expanded[dimension] = shape[dimension]
    return np.ascontiguousarray(np.broadcast_to(ramp.reshape(expanded), shape))


def _iota_abstract_eval(*, dtype, shape, dimension):
    if not 0 <= dimension < len(shape) or any(s < 0 for s in shape):
        raise ShapeError(f"iota: dimension {dimension} is out of range for shape {shape} "
                         "(or the shape has a negative size)")
    return ShapedArray(shape, dtype, False)


iota_p.def_impl(_iota_impl)
iota_p.def_abstract_eval(_iota_abstract_eval)
defjvp_zero(iota_p)


def iota(dtype, size: int):
    """Return ``[0, 1, ..., size - 1]`` with ``dtype`` (like ``jax.lax.iota``).

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.iota(np.int32, 4)
        array([0, 1, 2, 3], dtype=int32)
    """
    return broadcasted_iota(dtype, (_static_int("iota", "size", size),), 0)


def broadcasted_iota(dtype, shape, dimension: int):
    """Return an array of ``shape`` whose values count up along ``dimension``.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.broadcasted_iota(np.int64, (2, 3), 1)
        array([[0, 1, 2],
               [0, 1, 2]])
    """
    shape = _static_ints("broadcasted_iota", "shape", shape)
    # JAX int()s the dimension (a float 1.5 is 1), so it is not checked here either.
    return iota_p.bind(dtype=np.dtype(dtype), shape=shape, dimension=int(dimension))


def full(shape, fill_value, dtype=None):
    """Return ``fill_value`` (a rank-0 value, maybe traced) broadcast to ``shape``.

    Args:
        shape: the result shape (ints).
        fill_value: a scalar or rank-0 array or tracer.
        dtype: the result dtype; by default ``fill_value``'s.
    Returns:
        An array of ``shape``; differentiable in a traced ``fill_value``.

    Example:
        >>> from fungrad import lax
        >>> lax.full((2, 2), 7.0)
        array([[7., 7.],
               [7., 7.]])
    """
    scalar = not isinstance(shape, (tuple, list)) and np.ndim(shape) == 0
    shape = _static_ints("full", "shape", (shape,) if scalar else shape)
    if core.shape_of(fill_value) != ():
        raise ShapeError(f"full: fill_value must be rank 0, got shape "
                         f"{core.shape_of(fill_value)}; broadcast arrays with broadcast_in_dim")
    value = fill_value
    if dtype is not None and core.get_aval(fill_value).dtype != np.dtype(dtype):
        value = convert_element_type(fill_value, dtype)
    elif core.is_literal(value):
        value = np.asarray(value, core.get_aval(value).dtype)
    return broadcast_in_dim(value, shape, ())

from fungrad.interpreters.batching import batching_rules  # noqa: E402

# iota has no operands, so a batch trace never receives it; the rule exists for the coverage
# table and simply evaluates it unbatched.
batching_rules[iota_p] = lambda vals, dims, **params: (iota_p.bind(**params), None)


def empty(shape, dtype, *, out_sharding=None):
    """An array of ``shape`` and ``dtype`` whose values are unspecified: zeros here (as JAX
    returns on CPU). ``out_sharding`` must be None (fungrad does not shard arrays).

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.empty((2,), np.float32)
        array([0., 0.], dtype=float32)
    """
    if out_sharding is not None:
        raise NotImplementedError("lax.empty: out_sharding must be None; fungrad does not "
                                  "shard arrays (place the result with fg.device_put)")
    shape = _static_ints("empty", "shape", (shape,) if np.ndim(shape) == 0 else shape)
    return full(shape, np.zeros((), np.dtype(dtype)), np.dtype(dtype))
