"""Whole-array and tolerance comparisons of fungrad.numpy: isclose, allclose, array_equal,
and count_nonzero. Their results are booleans or counts, so they have no derivative.
"""

from __future__ import annotations

import numpy as np

from fungrad.core import get_aval, shape_of
from fungrad.numpy.creation import asarray
from fungrad.numpy.math import (
    absolute,
    equal,
    isfinite,
    isnan,
    less_equal,
    logical_and,
    logical_or,
    not_equal,
    where,
)
from fungrad.numpy.promotion import as_operand, promote_dtypes
from fungrad.numpy.reductions import all as _all
from fungrad.numpy.reductions import sum as _sum

__all__ = ["isclose", "allclose", "array_equal", "array_equiv", "count_nonzero"]


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan: bool = False):
    """Elementwise ``|a - b| <= atol + rtol * |b|``, like ``jax.numpy.isclose``.

    Infinities are close only to an infinity of the same sign; NaNs are close to each
    other only with ``equal_nan``. Integer and boolean inputs compare exactly.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.isclose(np.array([1.0, 2.0]), np.array([1.0 + 1e-9, 2.1])).tolist()
        [True, False]
    """
    a, b = promote_dtypes("isclose", as_operand(a), as_operand(b))
    if np.dtype(get_aval(a).dtype).kind not in "fc":
        return equal(a, b)
    finite = logical_and(isfinite(a), isfinite(b))
    # infinities are compared by equality below; zeros in their place keep inf - inf (and
    # its NumPy warning, eagerly or in a jitted program) from ever being computed
    a0, b0 = where(finite, a, 0), where(finite, b, 0)
    close = less_equal(absolute(a0 - b0), atol + rtol * absolute(b0))
    close = where(finite, close, equal(a, b))
    if equal_nan:
        close = logical_or(close, logical_and(isnan(a), isnan(b)))
    return close


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan: bool = False):
    """Whether every element of ``a`` is :func:`isclose` to ``b`` (a boolean scalar array).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> bool(fnp.allclose(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-9])))
        True
    """
    return _all(isclose(a, b, rtol, atol, equal_nan))


def array_equal(a1, a2, equal_nan: bool = False):
    """Whether ``a1`` and ``a2`` have the same shape and elements (a boolean scalar array).

    Different shapes give False (not an error), as in NumPy and JAX.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> bool(fnp.array_equal(np.array([1, 2]), np.array([1, 2])))
        True
        >>> bool(fnp.array_equal(np.array([1, 2]), np.array([1, 2, 3])))
        False
    """
    a1, a2 = as_operand(a1), as_operand(a2)
    if shape_of(a1) != shape_of(a2):
        return asarray(False)
    a1, a2 = promote_dtypes("array_equal", a1, a2)
    same = equal(a1, a2)
    if equal_nan and np.dtype(get_aval(a1).dtype).kind in "fc":
        same = logical_or(same, logical_and(isnan(a1), isnan(a2)))
    return _all(same)


def array_equiv(a1, a2):
    """Whether ``a1`` and ``a2`` are equal after broadcasting (a boolean scalar array).

    Shapes that do not broadcast together give False (not an error), as in NumPy.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> bool(fnp.array_equiv(np.array([1, 2]), np.array([[1, 2], [1, 2]])))
        True
        >>> bool(fnp.array_equiv(np.array([1, 2]), np.array([1, 2, 3])))
        False
    """
    a1, a2 = as_operand(a1), as_operand(a2)
    try:
        np.broadcast_shapes(shape_of(a1), shape_of(a2))
    except ValueError:
        return asarray(False)
    return _all(equal(*promote_dtypes("array_equiv", a1, a2)))


def count_nonzero(a, axis=None, keepdims: bool = False):
    """The number of nonzero elements over ``axis`` (all axes for None), as int64.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> int(fnp.count_nonzero(np.array([[0, 1], [2, 3]])))
        3
        >>> fnp.count_nonzero(np.array([[0, 1], [2, 3]]), axis=0).tolist()
        [1, 2]
    """
    return _sum(not_equal(as_operand(a), 0), axis, keepdims=keepdims)
