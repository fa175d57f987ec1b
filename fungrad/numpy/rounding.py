"""Rounding and clipping in fungrad.numpy: floor, ceil, trunc, round (around), rint and
clip, elementwise.

The rounding functions have zero derivatives (they are piecewise constant) and leave
integer arrays as they are (``round`` with negative ``decimals`` rounds them to tens,
hundreds...). ``clip`` is a maximum and a minimum, so at a bound the derivative splits
evenly, as in JAX.
"""

from __future__ import annotations

import numpy as np

from fungrad import lax
from fungrad.core import Tracer, get_aval
from fungrad.errors import ConcretizationError
from fungrad.numpy.math import divide, less, maximum, minimum, multiply, where
from fungrad.numpy.promotion import as_inexact, as_operand, to_dtype
from fungrad.numpy.unsupported_arguments import reject_out_where

__all__ = ["floor", "ceil", "trunc", "round", "around", "rint", "clip"]


def floor(x, /):
    """Largest integer not greater than x, elementwise (zero gradient).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.floor(np.array([-1.5, 0.5, 2.0]))
        array([-2.,  0.,  2.])
    """
    x = as_operand(x)
    return x if get_aval(x).dtype.kind in "biu" else lax.floor(x)


def ceil(x, /):
    """Smallest integer not less than x, elementwise (zero gradient).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.ceil(np.array([-1.5, 0.5, 2.0]))
        array([-1.,  1.,  2.])
    """
    x = as_operand(x)
    return x if get_aval(x).dtype.kind in "biu" else lax.ceil(x)


def trunc(x):
    """Round toward zero, elementwise (zero gradient).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.trunc(np.array([-1.7, 1.7]))
        array([-1.,  1.])
    """
    x = as_operand(x)
    if get_aval(x).dtype.kind in "biu":
        return x
    return where(less(x, 0), lax.ceil(x), lax.floor(x))


def round(a, decimals: int = 0, out: None = None):  # noqa: A001 (NumPy's name)
    """Round half to even to ``decimals`` places, like ``numpy.round`` (zero gradient).

    ``out`` must be None, as in jax.numpy (fungrad arrays are immutable).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.round(np.array([0.5, 1.5, 2.5]))
        array([0., 2., 2.])
        >>> fnp.round(np.array([1.234, 5.678]), 1)
        array([1.2, 5.7])
    """
    if out is not None:
        reject_out_where("round", out, None)
    x = as_operand(a)
    if isinstance(decimals, Tracer):
        raise ConcretizationError(
            f"fnp.round: decimals must be a static Python int, but it is a traced value "
            f"{decimals.aval.str_short()}. Pass a Python int (or mark the argument static with "
            "static_argnums).")
    if get_aval(x).dtype.kind in "biu" and decimals >= 0:
        return x
    if decimals == 0:
        return lax.round(x, lax.RoundingMethod.TO_NEAREST_EVEN)
    factor = 10.0 ** decimals
    rounded = divide(lax.round(multiply(x, factor), lax.RoundingMethod.TO_NEAREST_EVEN), factor)
    # Integers rounded to tens, hundreds... stay integers, as in NumPy.
    return to_dtype(rounded, get_aval(x).dtype) if get_aval(x).dtype.kind in "biu" else rounded


around = round


def rint(x, /):
    """Round half to even to the nearest integer, elementwise (zero gradient). Integers and
    booleans give float64, as in NumPy and jax.numpy (``round`` keeps their dtype).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.rint(np.array([0.5, 1.5, -2.5]))
        array([ 0.,  2., -2.])
    """
    return round(as_inexact(x))


def clip(arr=None, /, min=None, max=None):  # noqa: A002 (NumPy's and JAX's names)
    """Clip values to ``[min, max]`` (either may be None), like ``jax.numpy.clip``.

    Where ``min > max`` the result is ``max``. At a bound (``arr == min`` or ``arr == max``)
    ``arr`` gets half the derivative, as JAX (clip is a maximum and a minimum, whose ties
    split evenly). NumPy's older names ``a``, ``a_min``, ``a_max`` are not accepted, as in
    jax.numpy 0.10 (pass ``min=``/``max=``, or the bounds by position).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.clip(np.array([-2.0, 0.5, 3.0]), 0.0, 1.0)
        array([0. , 0.5, 1. ])
        >>> fnp.clip(np.array([-2.0, 0.5, 3.0]), max=1.0)
        array([-2. ,  0.5,  1. ])
    """
    if arr is None:
        raise ValueError("fnp.clip: no array to clip; pass it first: fnp.clip(arr, min, max)")
    out = as_operand(arr)
    for name, value in (("arr", out), ("min", min), ("max", max)):
        if isinstance(value, complex) or np.dtype(getattr(value, "dtype", bool)).kind == "c":
            raise ValueError(f"fnp.clip: {name} is complex ({np.result_type(value)}), and "
                             "complex values have no order; clip fnp.real(x) or fnp.imag(x), "
                             "as jax.numpy asks")
    if min is not None:
        out = maximum(out, min)
    if max is not None:
        out = minimum(out, max)
    return out
