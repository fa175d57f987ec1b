"""Bit-level functions on integer arrays in fungrad.numpy: ``bitwise_count`` (the number of
one bits), ``packbits`` and ``unpackbits`` (booleans to and from uint8 bytes).

``bitwise_count`` is lax.population_count of ``|x|``; the packing pair is composed from
lax's shifts, masks and sums. Results are integers, so they have no derivatives, and they
work under vmap and jit.
"""

from __future__ import annotations

import numpy as np

from fungrad import lax
from fungrad.core import get_aval, shape_of
from fungrad.numpy.math import not_equal
from fungrad.numpy.promotion import as_operand, to_dtype
from fungrad.numpy.reductions import sum as _sum
from fungrad.numpy.reshaping import moveaxis, normalize_axis, ravel, reshape

__all__ = ["bitwise_count", "packbits", "unpackbits"]

_UINT8 = np.dtype(np.uint8)


def _integer_operand(fn: str, x):
    x = as_operand(x)
    dtype = np.dtype(get_aval(x).dtype)
    if dtype.kind not in "iub":
        raise TypeError(f"fnp.{fn}: x must be an integer or boolean array, got dtype {dtype}")
    return x, dtype


def bitwise_count(x, /):
    """The number of one bits in ``|x|``, elementwise (as NumPy: a negative number counts the
    bits of its absolute value).

    Args:
        x: an integer or boolean array.

    Returns:
        A uint8 array shaped like ``x``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.bitwise_count(np.array([0, 7, -1, 255])).tolist()
        [0, 3, 1, 8]
    """
    x, dtype = _integer_operand("bitwise_count", x)
    if dtype.kind == "b":
        return to_dtype(x, _UINT8)
    if dtype.kind == "i":
        x = lax.abs(x)  # abs(INT_MIN) wraps to INT_MIN, whose only one bit is the sign's
    return to_dtype(lax.population_count(x), _UINT8)


def _check_bitorder(fn: str, bitorder: str) -> None:
    if bitorder not in ("big", "little"):
        raise ValueError(f"fnp.{fn}: bitorder must be 'big' or 'little', got {bitorder!r}")


def _bit_weights(bitorder: str) -> np.ndarray:
    """The shift of each of a byte's 8 bits, most significant first for 'big'."""
    shifts = np.arange(8, dtype=_UINT8)
    return shifts[::-1].copy() if bitorder == "big" else shifts


def packbits(a, axis: int | None = None, bitorder: str = "big"):
    """Pack the truth values of ``a`` into uint8 bytes along ``axis``, 8 per byte.

    Args:
        a: an integer or boolean array (nonzero entries are one bits).
        axis: the axis to pack; None packs the flattened array.
        bitorder: 'big' puts the first element in the most significant bit; 'little' in the
            least.

    Returns:
        A uint8 array whose ``axis`` has length ``ceil(n / 8)`` (the last byte padded with
        zero bits).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.packbits(np.array([1, 0, 1, 1, 0, 0, 0, 0, 1])).tolist()
        [176, 128]
    """
    a, _ = _integer_operand("packbits", a)
    _check_bitorder("packbits", bitorder)
    if axis is None:
        a, axis = ravel(a), 0
    axis = normalize_axis("packbits", axis, len(shape_of(a)))
    bits = moveaxis(to_dtype(not_equal(a, 0), _UINT8), axis, -1)
    *rest, n = shape_of(bits)
    bytes_ = -(-n // 8)
    if 8 * bytes_ != n:
        bits = lax.pad(bits, _UINT8.type(0), [(0, 0, 0)] * len(rest) + [(0, 8 * bytes_ - n, 0)])
    bits = reshape(bits, (*rest, bytes_, 8))
    weights = np.left_shift(np.ones(8, _UINT8), _bit_weights(bitorder))
    packed = _sum(lax.mul(bits, lax.broadcast_in_dim(weights, shape_of(bits), (len(rest) + 1,))),
                  axis=-1, dtype=_UINT8)
    return moveaxis(packed, -1, axis)


def unpackbits(a, axis: int | None = None, count: int | None = None, bitorder: str = "big"):
    """Unpack the bits of uint8 bytes into a 0/1 uint8 array along ``axis``.

    Args:
        a: a uint8 array.
        axis: the axis to unpack; None unpacks the flattened array.
        count: keep only this many bits (negative: drop that many from the end; more than
            ``8 n``: pad with zeros).
        bitorder: 'big' unpacks the most significant bit first; 'little' the least.

    Returns:
        A uint8 array of zeros and ones, with ``axis`` of length ``8 n`` (or ``count``).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.unpackbits(np.array([5], dtype=np.uint8)).tolist()
        [0, 0, 0, 0, 0, 1, 0, 1]
    """
    a = as_operand(a)
    if np.dtype(get_aval(a).dtype) != _UINT8:
        raise TypeError(f"fnp.unpackbits: a must be a uint8 array, got dtype "
                        f"{get_aval(a).dtype}; convert it with a.astype(np.uint8)")
    _check_bitorder("unpackbits", bitorder)
    if axis is None:
        a, axis = ravel(a), 0
    axis = normalize_axis("unpackbits", axis, len(shape_of(a)))
    a = moveaxis(a, axis, -1)
    *rest, n = shape_of(a)
    grid = (*rest, n, 8)
    spread = lax.broadcast_in_dim(a, grid, tuple(range(len(rest) + 1)))
    shifts = lax.broadcast_in_dim(_bit_weights(bitorder), grid, (len(rest) + 1,))
    bits = reshape(lax.bitwise_and(lax.shift_right_logical(spread, shifts), _UINT8.type(1)),
                   (*rest, 8 * n))
    if count is not None:
        bits = _counted(bits, int(count), 8 * n, len(rest))
    return moveaxis(bits, -1, axis)


def _counted(bits, count: int, total: int, batch_rank: int):
    """``bits`` cut or zero-padded along its last axis to ``count`` entries (a negative
    high padding crops)."""
    keep = count if count >= 0 else max(total + count, 0)
    return lax.pad(bits, _UINT8.type(0), [(0, 0, 0)] * batch_rank + [(0, keep - total, 0)])
