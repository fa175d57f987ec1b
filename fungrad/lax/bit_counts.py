"""Bit-count primitives on integers: population_count and clz (count leading zeros).

As in XLA (and JAX), both count the bits of the two's-complement representation, whatever
the dtype's signedness: ``population_count(int8(-1))`` is 8 and ``clz(int8(-1))`` is 0. The
result has the operand's dtype. The impls work on the operand's unsigned view with shifts
and masks only, so they run the same on NumPy and CuPy. Results are integers: zero
derivatives; batching is the unary family's (the value as it is).
"""

from __future__ import annotations

import numpy as np

from fungrad import core
from fungrad.array_module import get_array_module
from fungrad.core import ShapedArray
from fungrad.interpreters.jvp import defjvp_zero
from fungrad.lax.elementwise import unary_primitive

__all__ = ["population_count_p", "clz_p", "population_count", "clz"]


def _check_integer(name: str, dtype) -> None:
    if np.dtype(dtype).kind not in "iu":
        raise TypeError(
            f"fungrad lax.{name}: x has dtype {np.dtype(dtype)}, but {name} takes signed or "
            "unsigned integers; convert with lax.convert_element_type(x, np.int32) (for a "
            "float's bits, lax.bitcast_convert_type(x, np.uint32))."
        )


def _unsigned_view(name: str, x):
    """``x`` as an array of its dtype, then viewed as the unsigned integer of its width."""
    dtype = core.get_aval(x).dtype
    _check_integer(name, dtype)
    xp = get_array_module(x)
    x = xp.asarray(x, dtype)
    return x.view(np.dtype(f"u{dtype.itemsize}")), dtype


def _population_count_impl(x):
    v, dtype = _unsigned_view("population_count", x)
    u = v.dtype

    def mask(byte: int):
        return u.type(int.from_bytes(bytes([byte]) * u.itemsize, "little"))

    # Counts of 2, 4 and 8 bits side by side, then the bytes' counts summed into the low byte.
    v = v - ((v >> u.type(1)) & mask(0x55))
    v = (v & mask(0x33)) + ((v >> u.type(2)) & mask(0x33))
    v = (v + (v >> u.type(4))) & mask(0x0F)
    shift = 8
    while shift < 8 * u.itemsize:
        v = v + (v >> u.type(shift))
        shift *= 2
    return get_array_module(v).asarray((v & u.type(0xFF)).astype(dtype))


def _clz_impl(x):
    v, dtype = _unsigned_view("clz", x)
    u = v.dtype
    xp = get_array_module(v)
    width = 8 * u.itemsize
    # The bit length by binary search: take the high half wherever it is nonzero.
    length = xp.zeros(v.shape, u)
    shift = width // 2
    while shift:
        high = v >> u.type(shift)
        nonzero = high != 0
        v = xp.where(nonzero, high, v)
        length = length + xp.where(nonzero, u.type(shift), u.type(0))
        shift //= 2
    length = length + (v != 0).astype(u)
    return xp.subtract(u.type(width), length).astype(dtype)


def _integer_unary(name: str, impl):
    prim = unary_primitive(name, impl)

    def abstract_eval(x: ShapedArray) -> ShapedArray:
        _check_integer(name, x.dtype)
        return x

    prim.def_abstract_eval(abstract_eval)
    defjvp_zero(prim)
    return prim


population_count_p = _integer_unary("population_count", _population_count_impl)
clz_p = _integer_unary("clz", _clz_impl)


def population_count(x):
    """The number of one bits of each element's two's-complement representation.

    Args:
        x: a signed or unsigned integer array.

    Returns:
        An array of ``x``'s shape and dtype.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.population_count(np.array([0, 7, -1], dtype=np.int8))
        array([0, 3, 8], dtype=int8)
    """
    return population_count_p.bind(x)


def clz(x):
    """The number of leading zero bits of each element (its dtype's width for 0).

    Args:
        x: a signed or unsigned integer array (negative numbers have no leading zeros).

    Returns:
        An array of ``x``'s shape and dtype.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.clz(np.array([0, 1, 255, -1], dtype=np.int16))
        array([16, 15,  8,  0], dtype=int16)
    """
    return clz_p.bind(x)
