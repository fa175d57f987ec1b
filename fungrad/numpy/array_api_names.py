"""The Python array API standard's names for functions fnp already has under NumPy's
names (``asin`` for ``arcsin``, ``concat`` for ``concatenate``, ``pow`` for ``power``,
``bitwise_invert`` for ``invert``, ...), plus the array API's
``matrix_transpose``, ``unstack``, ``cumulative_sum`` and ``cumulative_prod``.
"""

from __future__ import annotations

from fungrad.array_module import constant_like
from fungrad.core import get_aval, shape_of
from fungrad.errors import ShapeError
from fungrad.numpy.creation import full
from fungrad.numpy.joining import concatenate
from fungrad.numpy.math import (
    arccos,
    arccosh,
    arcsin,
    arcsinh,
    arctan,
    arctan2,
    arctanh,
    invert,
    left_shift,
    power,
    right_shift,
)
from fungrad.numpy.promotion import as_operand
from fungrad.numpy.reductions import cumprod, cumsum
from fungrad.numpy.reshaping import normalize_axis, swapaxes, transpose

__all__ = ["asin", "acos", "atan", "atan2", "asinh", "acosh", "atanh", "concat",
           "permute_dims", "matrix_transpose", "unstack", "cumulative_sum", "cumulative_prod",
           "pow", "bitwise_invert", "bitwise_left_shift", "bitwise_right_shift"]


def asin(x, /):
    """Inverse sine (the array API name of :func:`arcsin`).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.asin(np.array([0.0, 1.0])).round(6).tolist()
        [0.0, 1.570796]
    """
    return arcsin(x)


def acos(x, /):
    """Inverse cosine (the array API name of :func:`arccos`).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.acos(np.array([1.0, 0.0])).round(6).tolist()
        [0.0, 1.570796]
    """
    return arccos(x)


def atan(x, /):
    """Inverse tangent (the array API name of :func:`arctan`).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.atan(np.array([0.0, 1.0])).round(6).tolist()
        [0.0, 0.785398]
    """
    return arctan(x)


def atan2(x1, x2, /):
    """The angle of the point (x2, x1) (the array API name of :func:`arctan2`).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.atan2(np.array([1.0, 0.0]), np.array([0.0, -1.0])).round(6).tolist()
        [1.570796, 3.141593]
    """
    return arctan2(x1, x2)


def asinh(x, /):
    """Inverse hyperbolic sine (the array API name of :func:`arcsinh`).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.asinh(np.array([0.0, 1.0])).round(6).tolist()
        [0.0, 0.881374]
    """
    return arcsinh(x)


def acosh(x, /):
    """Inverse hyperbolic cosine (the array API name of :func:`arccosh`).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.acosh(np.array([1.0, 2.0])).round(6).tolist()
        [0.0, 1.316958]
    """
    return arccosh(x)


def atanh(x, /):
    """Inverse hyperbolic tangent (the array API name of :func:`arctanh`).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.atanh(np.array([0.0, 0.5])).round(6).tolist()
        [0.0, 0.549306]
    """
    return arctanh(x)


def pow(x1, x2, /):  # noqa: A001 (the array API's name)
    """``x1 ** x2``, elementwise (the array API name of :func:`power`).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.pow(np.array([2.0, 3.0]), 2).tolist()
        [4.0, 9.0]
    """
    return power(x1, x2)


def bitwise_invert(x, /):
    """Bitwise NOT of integers, logical NOT of booleans (the array API name of
    :func:`invert`).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.bitwise_invert(np.array([0, 5])).tolist()
        [-1, -6]
    """
    return invert(x)


def bitwise_left_shift(x, y, /):
    """``x << y``, elementwise (the array API name of :func:`left_shift`).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.bitwise_left_shift(np.array([1, 3]), 2).tolist()
        [4, 12]
    """
    return left_shift(x, y)


def bitwise_right_shift(x1, x2, /):
    """``x1 >> x2``, elementwise (the array API name of :func:`right_shift`).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.bitwise_right_shift(np.array([8, -8]), 2).tolist()
        [2, -2]
    """
    return right_shift(x1, x2)


def concat(arrays, /, *, axis: int | None = 0):
    """Join arrays along ``axis`` (flattened for None): :func:`concatenate`.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.concat([np.array([1, 2]), np.array([3])]).tolist()
        [1, 2, 3]
    """
    return concatenate(arrays, axis)


def permute_dims(a, /, axes):
    """Permute the axes of ``a``: :func:`transpose` with required ``axes``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.permute_dims(np.zeros((2, 3, 4)), (2, 0, 1)).shape
        (4, 2, 3)
    """
    return transpose(a, axes)


def matrix_transpose(x, /):
    """Swap the last two axes of ``x`` (of rank >= 2).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.matrix_transpose(np.array([[1, 2, 3], [4, 5, 6]])).tolist()
        [[1, 4], [2, 5], [3, 6]]
    """
    x = as_operand(x)
    if len(shape_of(x)) < 2:
        raise ShapeError(f"fnp.matrix_transpose: x must have rank >= 2, got shape "
                         f"{shape_of(x)}")
    return swapaxes(x, -1, -2)


def unstack(x, /, *, axis: int = 0) -> tuple:
    """The slices of ``x`` along ``axis``, as a tuple.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> [a.tolist() for a in fnp.unstack(np.array([[1, 2], [3, 4]]), axis=1)]
        [[1, 3], [2, 4]]
    """
    x = as_operand(x)
    shape = shape_of(x)
    if not shape:
        raise ShapeError("fnp.unstack: x is rank 0; it has no axis to unstack")
    axis = normalize_axis("unstack", axis, len(shape))
    return tuple(x[(slice(None),) * axis + (i,)] for i in range(shape[axis]))


def _cumulative(fn: str, accumulate, identity, x, axis, dtype, include_initial: bool):
    x = as_operand(x)
    shape = shape_of(x)
    if axis is None:
        if len(shape) > 1:
            raise ShapeError(f"fnp.{fn}: axis is required for an array of rank {len(shape)} "
                             f"(shape {shape}); pass axis=...")
        axis = 0
    if not shape:
        raise ShapeError(f"fnp.{fn}: x is rank 0; pass an array of rank >= 1")
    axis = normalize_axis(fn, axis, len(shape))
    out = accumulate(x, axis=axis, dtype=dtype)
    if not include_initial:
        return out
    first = constant_like(full(shape[:axis] + (1,) + shape[axis + 1:], identity,
                               get_aval(out).dtype), out)
    return concatenate([first, out], axis)


def cumulative_sum(x, /, *, axis: int | None = None, dtype=None,
                   include_initial: bool = False):
    """Running sums along ``axis`` (required above rank 1); ``include_initial`` prepends 0.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.cumulative_sum(np.array([1, 2, 3]), include_initial=True).tolist()
        [0, 1, 3, 6]
    """
    return _cumulative("cumulative_sum", cumsum, 0, x, axis, dtype, include_initial)


def cumulative_prod(x, /, *, axis: int | None = None, dtype=None,
                    include_initial: bool = False):
    """Running products along ``axis`` (required above rank 1); ``include_initial``
    prepends 1.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.cumulative_prod(np.array([[1, 2], [3, 4]]), axis=1).tolist()
        [[1, 2], [3, 12]]
    """
    return _cumulative("cumulative_prod", cumprod, 1, x, axis, dtype, include_initial)
