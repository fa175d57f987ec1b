"""Bit-shift primitives on integers: shift_left, shift_right_arithmetic, shift_right_logical.

As in XLA (and JAX), a shift amount is read as unsigned: an amount outside ``[0, bits)``
(negative ones included) gives 0 for the left and logical shifts, and the sign fill (0 or
-1) for the arithmetic one. NumPy's own shifts leave those amounts to the hardware, so the
impls clamp them first. The arithmetic shift reads the bits as signed and the logical one
as unsigned, whatever the dtype. Results are integers: zero derivatives; batching
broadcasts like the other binary primitives.
"""

from __future__ import annotations

import numpy as np

from fungrad import core
from fungrad.array_module import get_array_module
from fungrad.core import ShapedArray
from fungrad.interpreters.jvp import defjvp_zero
from fungrad.lax.elementwise import binary_primitive

__all__ = [
    "shift_left_p",
    "shift_right_arithmetic_p",
    "shift_right_logical_p",
    "shift_left",
    "shift_right_arithmetic",
    "shift_right_logical",
]


def _check_integers(name: str, *dtypes) -> None:
    for position, dtype in enumerate(dtypes):
        if np.dtype(dtype).kind not in "iu":
            raise TypeError(
                f"fungrad {name}: operand {position} has dtype {dtype}, but shifts take "
                "integers; convert with lax.convert_element_type (for floats, multiply by "
                "a power of two instead)."
            )


def _operands(name: str, x, y):
    """Both operands as arrays of their common dtype (a rank-0 literal takes the other's)."""
    xp = get_array_module(x, y)
    x_dtype, y_dtype = core.get_aval(x).dtype, core.get_aval(y).dtype
    _check_integers(name, x_dtype, y_dtype)
    dtype = x_dtype if hasattr(x, "dtype") else y_dtype
    return xp.asarray(x, dtype), xp.asarray(y, dtype), dtype


def _amount_in_range(y):
    """Where the shift amount, read as unsigned, is below the bit width."""
    unsigned = y.view(np.dtype(f"u{y.dtype.itemsize}"))
    return unsigned < 8 * y.dtype.itemsize


def _shift_left_impl(x, y):
    x, y, dtype = _operands("shift_left", x, y)
    ok = _amount_in_range(y)
    xp = get_array_module(x)
    return xp.where(ok, xp.left_shift(x, xp.where(ok, y, 0).astype(dtype)), dtype.type(0))


def _shift_right_arithmetic_impl(x, y):
    x, y, dtype = _operands("shift_right_arithmetic", x, y)
    signed = np.dtype(f"i{dtype.itemsize}")
    xp = get_array_module(x)
    amount = xp.where(_amount_in_range(y), y, 8 * dtype.itemsize - 1).astype(signed)
    return xp.right_shift(x.view(signed), amount).view(dtype)


def _shift_right_logical_impl(x, y):
    x, y, dtype = _operands("shift_right_logical", x, y)
    unsigned = np.dtype(f"u{dtype.itemsize}")
    ok = _amount_in_range(y)
    xp = get_array_module(x)
    shifted = xp.right_shift(x.view(unsigned), xp.where(ok, y, 0).astype(unsigned))
    return xp.where(ok, shifted, unsigned.type(0)).view(dtype)


def _integer_only(prim):
    """Wrap the binary shape/dtype rule with the check that the operands are integers."""
    rule = prim.abstract_eval

    def checked(x: ShapedArray, y: ShapedArray) -> ShapedArray:
        _check_integers(prim.name, x.dtype, y.dtype)
        return rule(x, y)

    prim.def_abstract_eval(checked)
    defjvp_zero(prim)
    return prim


shift_left_p = _integer_only(binary_primitive("shift_left", _shift_left_impl))
shift_right_arithmetic_p = _integer_only(
    binary_primitive("shift_right_arithmetic", _shift_right_arithmetic_impl))
shift_right_logical_p = _integer_only(
    binary_primitive("shift_right_logical", _shift_right_logical_impl))


def shift_left(x, y):
    """``x << y`` on integers of one dtype; amounts outside ``[0, bits)`` give 0.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.shift_left(np.array([1, 3]), np.array([2, 1]))
        array([4, 6])
    """
    return shift_left_p.bind(x, y)


def shift_right_arithmetic(x, y):
    """``x >> y`` with sign fill (bits read as signed); large amounts give 0 or -1.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.shift_right_arithmetic(np.array([-8, 8]), np.array([1, 1]))
        array([-4,  4])
    """
    return shift_right_arithmetic_p.bind(x, y)


def shift_right_logical(x, y):
    """``x >> y`` with zero fill (bits read as unsigned); large amounts give 0.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> x = np.array([-8, 8], dtype=np.int8)
        >>> lax.shift_right_logical(x, np.ones(2, np.int8))
        array([124,   4], dtype=int8)
    """
    return shift_right_logical_p.bind(x, y)
