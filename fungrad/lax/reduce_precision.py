"""``reduce_precision``: floats rounded to a narrower format, kept in their own dtype.

The format has ``exponent_bits`` and ``mantissa_bits`` (float16 is (5, 10), bfloat16 (8, 7)).
The impl follows XLA's ReducePrecision on the operand's bits: the mantissa is rounded to
nearest, ties to even (a carry may raise the exponent); then exponents above the format's
range become a signed inf and those at or below its smallest normal exponent become a
signed zero (XLA's format has no subnormals, so float16's subnormals flush to zero here,
unlike a cast to float16). NaN stays the operand's NaN, payload included. The primitive is
linear, as in JAX: its JVP rounds the tangent and its transpose rounds the cotangent.
"""

from __future__ import annotations

import operator

import numpy as np

from fungrad import core
from fungrad.array_module import get_array_module
from fungrad.core import ShapedArray
from fungrad.interpreters.linearize import deflinear
from fungrad.lax.elementwise import unary_primitive

__all__ = ["reduce_precision_p", "reduce_precision"]


# (exponent bits, explicit mantissa bits) of the float dtypes the impl reads the bits of
_FORMATS = {"float16": (5, 10), "bfloat16": (8, 7), "float32": (8, 23), "float64": (11, 52)}


def _check_float(dtype) -> tuple[int, int]:
    """The operand's own format, or the error that says which dtypes are taken."""
    dtype = np.dtype(dtype)
    if dtype.name not in _FORMATS:
        raise TypeError(
            f"fungrad lax.reduce_precision: operand has dtype {dtype}, but reduce_precision "
            f"rounds real floats ({', '.join(_FORMATS)}); convert with "
            "lax.convert_element_type(operand, np.float32) first."
        )
    return _FORMATS[dtype.name]


def _round_mantissa(bits, drop: int):
    """``bits`` with its ``drop`` lowest mantissa bits rounded away, to nearest even."""
    u = bits.dtype
    last_kept = u.type(1 << drop)
    bias = ((bits & last_kept) >> u.type(drop)) + u.type((1 << (drop - 1)) - 1)
    return (bits + bias) & ~u.type((1 << drop) - 1)


def _clamp_exponent(bits, xp, source: tuple[int, int], exponent_bits: int):
    """Exponents out of the narrower range become a signed inf (above) or zero (below)."""
    (source_exponent, mantissa), u = source, bits.dtype
    bias = (1 << (source_exponent - 1)) - 1
    reduced_bias = (1 << (exponent_bits - 1)) - 1
    exponent_mask = u.type(((1 << source_exponent) - 1) << mantissa)
    exponent = bits & exponent_mask
    sign = bits & u.type(1 << (8 * u.itemsize - 1))
    overflows = exponent > u.type((bias + reduced_bias) << mantissa)
    underflows = exponent <= u.type((bias - reduced_bias) << mantissa)
    return xp.where(overflows, sign | exponent_mask, xp.where(underflows, sign, bits))


def _reduce_precision_impl(x, *, exponent_bits, mantissa_bits):
    aval = core.get_aval(x)
    source = _check_float(aval.dtype)
    xp = get_array_module(x)
    # Flat, so that rank 0 stays an array: NumPy scalars warn when the rounding wraps.
    x = xp.asarray(x, aval.dtype).reshape(-1)
    bits = x.view(np.dtype(f"u{aval.dtype.itemsize}"))
    if mantissa_bits < source[1]:
        bits = _round_mantissa(bits, source[1] - mantissa_bits)
    if exponent_bits < source[0]:
        bits = _clamp_exponent(bits, xp, source, exponent_bits)
    # Rounding a NaN with few mantissa bits set could make it inf: keep the operand's NaN.
    return xp.where(xp.isnan(x), x, bits.view(aval.dtype)).reshape(aval.shape)


reduce_precision_p = unary_primitive("reduce_precision", _reduce_precision_impl)


def _reduce_precision_abstract_eval(x: ShapedArray, *, exponent_bits, mantissa_bits):
    _check_float(x.dtype)
    return x


reduce_precision_p.def_abstract_eval(_reduce_precision_abstract_eval)
deflinear(reduce_precision_p, lambda ct, x, **params: [reduce_precision_p.bind(ct, **params)])


def _format_bits(name: str, value, least: int) -> int:
    try:
        bits = operator.index(value)
    except TypeError:
        raise TypeError(f"fungrad lax.reduce_precision: {name} must be an int, got "
                        f"{value!r} of type {type(value).__name__}.") from None
    if bits < least:
        kind = "positive" if least else "non-negative"
        raise ValueError(f"fungrad lax.reduce_precision: {name} must be {kind}; got {bits}.")
    return bits


def reduce_precision(operand, exponent_bits: int, mantissa_bits: int):
    """``operand`` rounded to a float format of ``exponent_bits`` and ``mantissa_bits``.

    Args:
        operand: a real float array (the result keeps its dtype).
        exponent_bits: the format's exponent width (positive).
        mantissa_bits: the format's explicit mantissa width (non-negative).

    Returns:
        An array like ``operand``: each element rounded to nearest even in the narrower
        format; overflow gives inf, magnitudes below its smallest normal give zero.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> x = np.array([1.0 + 2.0**-11, 1.0 + 3 * 2.0**-11, 7e4, 1e-6], np.float32)
        >>> lax.reduce_precision(x, exponent_bits=5, mantissa_bits=10).tolist()
        [1.0, 1.001953125, inf, 0.0]
    """
    exponent_bits = _format_bits("exponent_bits", exponent_bits, 1)
    mantissa_bits = _format_bits("mantissa_bits", mantissa_bits, 0)
    return reduce_precision_p.bind(operand, exponent_bits=exponent_bits,
                                   mantissa_bits=mantissa_bits)
