"""jax.lax's array conveniences composed of primitives: split, tile, stack, unstack,
broadcast_like, mulhi, dtype and with_sharding_constraint.

Like :mod:`fungrad.lax.derived_ops`, they bind other primitives, so derivatives, batching and
kernel lowering come from those. ``mulhi`` (the high half of an integer product) is built
from 32-bit halves, so 64-bit operands need no 128-bit type.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = [
    "split",
    "tile",
    "stack",
    "unstack",
    "broadcast_like",
    "mulhi",
    "dtype",
    "with_sharding_constraint",
]

from fungrad.core import get_aval, shape_of
from fungrad.errors import ShapeError, user_site
from fungrad.lax.bit_shifts import shift_right_arithmetic, shift_right_logical
from fungrad.lax.comparison import convert_element_type, lt, select_n
from fungrad.lax.elementwise import add, bitwise_and, mul, sub
from fungrad.lax.shape_ops import (
    broadcast_in_dim,
    concatenate,
    expand_dims,
    reshape,
    slice_in_dim,
    squeeze,
)


def _axis(fn: str, axis: int, ndim: int) -> int:
    if not -ndim <= axis < ndim:
        raise ShapeError(f"lax.{fn}: axis {axis} is out of range for an operand of rank {ndim}"
                         f"\n  at {user_site()}")
    return axis % ndim


def split(operand, sizes: Sequence[int], axis: int = 0) -> list:
    """Split ``operand`` along ``axis`` into pieces of the given ``sizes`` (which must add up
    to that dimension), as ``jax.lax.split``.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> [p.tolist() for p in lax.split(np.arange(5.0), (2, 3))]
        [[0.0, 1.0], [2.0, 3.0, 4.0]]
    """
    shape = shape_of(operand)
    axis = _axis("split", axis, len(shape))
    sizes = [int(s) for s in sizes]
    if any(s < 0 for s in sizes) or sum(sizes) != shape[axis]:
        raise ValueError(f"lax.split: sizes {tuple(sizes)} add up to {sum(sizes)}, but "
                         f"dimension {axis} of the operand (shape {shape}) is {shape[axis]}; "
                         "pass non-negative sizes that add up to it")
    pieces, start = [], 0
    for s in sizes:
        pieces.append(slice_in_dim(operand, start, start + s, axis=axis))
        start += s
    return pieces


def tile(operand, reps: Sequence[int]):
    """Repeat ``operand`` ``reps[d]`` times along each dimension ``d`` (``len(reps)`` must
    be the operand's rank), as ``jax.lax.tile``.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.tile(np.array([[1, 2]]), (2, 2)).tolist()
        [[1, 2, 1, 2], [1, 2, 1, 2]]
    """
    shape = shape_of(operand)
    reps = tuple(int(r) for r in reps)
    if len(reps) != len(shape):
        raise TypeError(f"lax.tile: reps length must be equal to the ndim of x, got "
                        f"len(reps)={len(reps)} and x.ndim={len(shape)} (jnp.tile pads reps "
                        "for you)")
    if any(r < 0 for r in reps):
        raise ValueError(f"lax.tile: reps {reps} must be non-negative")
    # Broadcast to (r0, n0, r1, n1, ...) then merge each pair: one broadcast, one reshape.
    interleaved = tuple(x for r, n in zip(reps, shape) for x in (r, n))
    spread = broadcast_in_dim(operand, interleaved, tuple(range(1, 2 * len(shape), 2)))
    return reshape(spread, tuple(r * n for r, n in zip(reps, shape)))


def stack(operands: Sequence, axis: int = 0):
    """Stack arrays of one shape along a new ``axis``, as ``jax.lax.stack``.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.stack([np.zeros(2), np.ones(2)], axis=1).tolist()
        [[0.0, 1.0], [0.0, 1.0]]
    """
    operands = list(operands)
    if not operands:
        raise ValueError("lax.stack: needs at least one operand")
    ndim = len(shape_of(operands[0])) + 1
    axis = _axis("stack", axis, ndim)
    return concatenate([expand_dims(x, (axis,)) for x in operands], axis)


def unstack(x, axis: int = 0) -> tuple:
    """The slices of ``x`` along ``axis``, each without that axis, as ``jax.lax.unstack``.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> [p.tolist() for p in lax.unstack(np.arange(4.0).reshape(2, 2), axis=1)]
        [[0.0, 2.0], [1.0, 3.0]]
    """
    shape = shape_of(x)
    axis = _axis("unstack", axis, len(shape))
    return tuple(squeeze(slice_in_dim(x, i, i + 1, axis=axis), (axis,))
                 for i in range(shape[axis]))


def broadcast_like(arr, like_arr):
    """``arr`` broadcast to ``like_arr``'s shape (trailing dimensions aligned, as NumPy),
    as ``jax.lax.broadcast_like``.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.broadcast_like(np.array([1.0, 2.0]), np.zeros((2, 2))).tolist()
        [[1.0, 2.0], [1.0, 2.0]]
    """
    shape, target = shape_of(arr), shape_of(like_arr)
    lead = len(target) - len(shape)
    if lead < 0 or any(n not in (1, m) for n, m in zip(shape, target[lead:])):
        raise ShapeError(f"lax.broadcast_like: an operand of shape {shape} cannot be "
                         f"broadcast to shape {target} (trailing axes must match or be 1)"
                         f"\n  at {user_site()}")
    kept = [d for d, (n, m) in enumerate(zip(shape, target[lead:])) if n == m]
    if len(kept) != len(shape):  # size-1 dims that grow: drop them first
        arr = reshape(arr, tuple(shape[d] for d in kept))
    return broadcast_in_dim(arr, target, tuple(lead + d for d in kept))


_U32 = np.dtype(np.uint32)
_U64 = np.dtype(np.uint64)


def mulhi(x, y, /):
    """The high half of the double-width product of two integer arrays of one dtype (for
    int32: ``(x * y) >> 32`` computed in 64 bits), as ``jax.lax.mulhi``.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.mulhi(np.array([2**31 - 1, -5], np.int32), np.array([2**31 - 1, 7], np.int32))
        array([1073741823,         -1], dtype=int32)
    """
    dt = np.dtype(get_aval(x).dtype)
    if dt.kind not in "iu" or np.dtype(get_aval(y).dtype) != dt:
        raise TypeError(f"lax.mulhi: takes two integer operands of one dtype, got "
                        f"{dt} and {np.dtype(get_aval(y).dtype)}; convert them first with "
                        "lax.convert_element_type")
    bits = 8 * dt.itemsize
    if bits < 64:  # the exact product fits in 64 bits
        wide = np.dtype(f"{'i' if dt.kind == 'i' else 'u'}8")
        product = mul(convert_element_type(x, wide), convert_element_type(y, wide))
        high = _shift_right_arithmetic_or_logical(product, bits, wide)
        return convert_element_type(high, dt)
    ux, uy = convert_element_type(x, _U64), convert_element_type(y, _U64)
    high = _mulhi_u64(ux, uy)
    if dt.kind == "i":  # signed: subtract the other operand for each negative one (mod 2**64)
        zero = dt.type(0)
        high = sub(high, select_n(lt(x, zero), _U64.type(0), uy))
        high = sub(high, select_n(lt(y, zero), _U64.type(0), ux))
    return convert_element_type(high, dt)


def _shift_right_arithmetic_or_logical(v, amount: int, dtype: np.dtype):
    shift = shift_right_arithmetic if dtype.kind == "i" else shift_right_logical
    return shift(v, dtype.type(amount))


def _mulhi_u64(x, y):
    """High 64 bits of the 128-bit product of uint64 ``x`` and ``y``, from 32-bit halves."""
    mask, s32 = _U64.type(0xFFFFFFFF), _U64.type(32)
    x0, x1 = bitwise_and(x, mask), shift_right_logical(x, s32)
    y0, y1 = bitwise_and(y, mask), shift_right_logical(y, s32)
    p00, p01, p10, p11 = mul(x0, y0), mul(x0, y1), mul(x1, y0), mul(x1, y1)
    middle = add(add(shift_right_logical(p00, s32), bitwise_and(p01, mask)),
                 bitwise_and(p10, mask))
    high = add(p11, add(shift_right_logical(p01, s32), shift_right_logical(p10, s32)))
    return add(high, shift_right_logical(middle, s32))


def dtype(x):
    """The dtype of an array, scalar or dtype-like ``x`` (Python scalars: NumPy's default
    types, float64 and int64, as JAX with x64), as ``jax.lax.dtype``.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.dtype(np.float32(1.0)), lax.dtype(3)
        (dtype('float32'), dtype('int64'))
    """
    if isinstance(x, (list, tuple)):
        raise TypeError(f"lax.dtype: cannot determine the dtype of {x!r}; pass an array "
                        "(fnp.asarray(x)) or a dtype")
    if isinstance(x, (type, np.dtype, str)):
        return np.dtype(x)
    return np.dtype(get_aval(x).dtype)


def with_sharding_constraint(x, shardings):
    """``x`` unchanged: fungrad runs on one device and has no sharding (``shardings`` is
    accepted, as JAX code passes it, and ignored).

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.with_sharding_constraint(np.ones(2), None).tolist()
        [1.0, 1.0]
    """
    del shardings
    return x
