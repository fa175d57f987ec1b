"""The Python array API standard's names for functions fnp already has under NumPy's
names (``asin`` for ``arcsin``, ``concat`` for ``concatenate``, ...), plus the array API's
``matrix_transpose``, ``unstack``, ``cumulative_sum`` and ``cumulative_prod``.
"""

from __future__ import annotations

from fungrad.core import get_aval, shape_of
from fungrad.errors import ShapeError
from fungrad.numpy.creation import full
from fungrad.numpy.joining import concatenate
from fungrad.numpy.math import arccos, arccosh, arcsin, arcsinh, arctan, arctan2, arctanh
from fungrad.numpy.promotion import as_operand
from fungrad.numpy.reductions import cumprod, cumsum
from fungrad.numpy.reshaping import normalize_axis, swapaxes, transpose

__all__ = ["asin", "acos", "atan", "atan2", "asinh", "acosh", "atanh", "concat",
           "permute_dims", "matrix_transpose", "unstack", "cumulative_sum", "cumulative_prod"]


def asin(x, /):
    """Inverse sine (the array API name of :func:`arcsin`)."""
    return arcsin(x)


def acos(x, /):
    """Inverse cosine (the array API name of :func:`arccos`)."""
    return arccos(x)


def atan(x, /):
    """Inverse tangent (the array API name of :func:`arctan`)."""
    return arctan(x)


def atan2(x1, x2, /):
    """The angle of the point (x2, x1) (the array API name of :func:`arctan2`)."""
    return arctan2(x1, x2)


def asinh(x, /):
    """Inverse hyperbolic sine (the array API name of :func:`arcsinh`)."""
    return arcsinh(x)


def acosh(x, /):
    """Inverse hyperbolic cosine (the array API name of :func:`arccosh`)."""
    return arccosh(x)


def atanh(x, /):
    """Inverse hyperbolic tangent (the array API name of :func:`arctanh`)."""
    return arctanh(x)


def concat(arrays, /, *, axis: int | None = 0):
    """Join arrays along ``axis`` (flattened for None): :func:`concatenate`."""
    return concatenate(arrays, axis)


def permute_dims(a, /, axes):
    """Permute the axes of ``a``: :func:`transpose` with required ``axes``."""
    return transpose(a, axes)


def matrix_transpose(x, /):
    """Swap the last two axes of ``x`` (of rank >= 2)."""
    x = as_operand(x)
    if len(shape_of(x)) < 2:
        raise ShapeError(f"fnp.matrix_transpose: x must have rank >= 2, got shape "
                         f"{shape_of(x)}")
    return swapaxes(x, -1, -2)


def unstack(x, /, *, axis: int = 0) -> tuple:
    """The slices of ``x`` along ``axis``, as a tuple."""
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
    first = full(shape[:axis] + (1,) + shape[axis + 1:], identity, get_aval(out).dtype)
    return concatenate([first, out], axis)


def cumulative_sum(x, /, *, axis: int | None = None, dtype=None,
                   include_initial: bool = False):
    """Running sums along ``axis`` (required above rank 1); ``include_initial`` prepends 0."""
    return _cumulative("cumulative_sum", cumsum, 0, x, axis, dtype, include_initial)


def cumulative_prod(x, /, *, axis: int | None = None, dtype=None,
                    include_initial: bool = False):
    """Running products along ``axis`` (required above rank 1); ``include_initial``
    prepends 1."""
    return _cumulative("cumulative_prod", cumprod, 1, x, axis, dtype, include_initial)
