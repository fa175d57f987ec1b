"""``bitcast_convert_type``: the operand's bits read as another dtype (XLA's BitcastConvert).

When the widths match the shape is kept. A narrower dtype splits each element into
``ratio = old_width / new_width`` parts along a new trailing axis; a wider one consumes the
operand's last axis, which must have length ``ratio``. Parts come in memory order (little
endian, as XLA on every platform fungrad runs on), so ``float32(1.0)`` is
``uint8 [0, 0, 128, 63]``. Booleans and complex numbers take part only when both dtypes are
the same (as JAX). The result's value jumps with every bit, so, as in JAX, its derivative is
zero (``jax.grad`` through it gives zeros, not an error). Batching moves the operand's batch
axis to the front, where the trailing-axis rule cannot reach it.
"""

from __future__ import annotations

import numpy as np

from fungrad import core
from fungrad.array_module import get_array_module
from fungrad.core import Primitive, ShapedArray
from fungrad.interpreters.batching import batching_rules, move_axis
from fungrad.interpreters.jvp import defjvp_zero

__all__ = ["bitcast_convert_type_p", "bitcast_convert_type"]


def _result_shape(old: np.dtype, new: np.dtype, shape: tuple[int, ...]) -> tuple[int, ...]:
    """The result's shape, or the error that says why ``old`` cannot become ``new``."""
    if old != new and (old.kind in "bc" or new.kind in "bc"):
        raise TypeError(
            f"fungrad lax.bitcast_convert_type: operand has dtype {old} and new_dtype is "
            f"{new}; booleans and complex numbers are bitcast only to their own dtype. Use "
            "lax.convert_element_type for booleans, lax.real/lax.imag for complex parts."
        )
    if old.itemsize == new.itemsize:
        return shape
    if old.itemsize > new.itemsize:
        return (*shape, old.itemsize // new.itemsize)
    ratio = new.itemsize // old.itemsize
    if not shape or shape[-1] != ratio:
        raise ValueError(
            f"fungrad lax.bitcast_convert_type: an operand of shape {shape} and dtype {old} "
            f"({8 * old.itemsize} bits) cannot become {new} ({8 * new.itemsize} bits): the "
            f"last axis must have length {ratio}, holding the parts of one {new}; reshape "
            f"the operand to (..., {ratio}) first."
        )
    return shape[:-1]


def _bitcast_impl(x, *, new_dtype):
    aval = core.get_aval(x)
    shape = _result_shape(aval.dtype, new_dtype, aval.shape)
    xp = get_array_module(x)
    x = xp.ascontiguousarray(xp.asarray(x, aval.dtype))
    if aval.dtype.itemsize < new_dtype.itemsize:  # the last axis becomes one element
        return x.view(new_dtype).reshape(shape)
    return x.reshape((*aval.shape, 1)).view(new_dtype).reshape(shape)


def _bitcast_abstract_eval(x: ShapedArray, *, new_dtype) -> ShapedArray:
    return ShapedArray(_result_shape(x.dtype, new_dtype, x.shape), new_dtype)


def _bitcast_batch(vals, dims, *, new_dtype):
    x = move_axis(vals[0], dims[0], 0)
    aval = core.get_aval(x)
    _result_shape(aval.dtype, new_dtype, aval.shape[1:])  # one example's error, if any
    return bitcast_convert_type_p.bind(x, new_dtype=new_dtype), 0


bitcast_convert_type_p = Primitive("bitcast_convert_type")
bitcast_convert_type_p.def_impl(_bitcast_impl)
bitcast_convert_type_p.def_abstract_eval(_bitcast_abstract_eval)
defjvp_zero(bitcast_convert_type_p)
batching_rules[bitcast_convert_type_p] = _bitcast_batch


def bitcast_convert_type(operand, new_dtype):
    """The bits of ``operand`` reinterpreted as ``new_dtype`` (no rounding, no conversion).

    Args:
        operand: an array; its last axis holds the parts when ``new_dtype`` is wider.
        new_dtype: the dtype to read the bits as.

    Returns:
        An array of ``new_dtype``: the operand's shape when the widths match, one more
        trailing axis when ``new_dtype`` is narrower, one fewer when it is wider.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.bitcast_convert_type(np.float32(1.0), np.int32)
        array(1065353216, dtype=int32)
        >>> lax.bitcast_convert_type(np.float32(1.0), np.uint8)
        array([  0,   0, 128,  63], dtype=uint8)
        >>> lax.bitcast_convert_type(np.array([0, 0, 128, 63], np.uint8), np.float32)
        array(1., dtype=float32)
    """
    return bitcast_convert_type_p.bind(operand, new_dtype=np.dtype(new_dtype))
