"""Discrete linear convolution and correlation of 1-D arrays: ``fnp.convolve`` and
``fnp.correlate`` (bilinear, so differentiable in both operands).

The full result is a sum of shifted copies of the longer operand, one per element of the
shorter one, so the program grows with the shorter length (filters, stencils); it is exact
in the inputs' dtype, like NumPy's direct method.
"""

from __future__ import annotations

import numpy as np

from fungrad.core import shape_of
from fungrad.errors import ShapeError
from fungrad.numpy.complex_parts import conj
from fungrad.numpy.padding import pad
from fungrad.numpy.promotion import as_operand, promote_dtypes, to_dtype
from fungrad.numpy.rearranging import flip

__all__ = ["convolve", "correlate"]

_MODES = ("full", "same", "valid")


def _operands(fn: str, a, v, mode: str, preferred_element_type):
    if mode not in _MODES:
        raise ValueError(f"fnp.{fn}: mode must be one of {_MODES}, got {mode!r}")
    a, v = promote_dtypes(fn, as_operand(a), as_operand(v))
    if len(shape_of(a)) != 1 or len(shape_of(v)) != 1 or not shape_of(a)[0] \
            or not shape_of(v)[0]:
        raise ShapeError(f"fnp.{fn}: a and v must be non-empty 1-D arrays, got shapes "
                         f"{shape_of(a)} and {shape_of(v)}")
    if preferred_element_type is not None:
        dtype = np.dtype(preferred_element_type)
        a, v = to_dtype(a, dtype), to_dtype(v, dtype)
    return a, v


def _full(a, v):
    """``out[k] = sum_j a[j] v[k - j]``, looping over the shorter operand."""
    if shape_of(v)[0] > shape_of(a)[0]:
        a, v = v, a
    m = shape_of(v)[0]
    out = None
    for j in range(m):
        term = v[j] * pad(a, (j, m - 1 - j))
        out = term if out is None else out + term
    return out


def _trim(full, n: int, m: int, mode: str, mirrored: bool = False):
    """The "same" or "valid" part of a full result; ``mirrored`` centres "same" as the
    reversed result of the swapped operands (NumPy's correlate when ``a`` is shorter)."""
    if mode == "full":
        return full
    short, long = min(n, m), max(n, m)
    if mode == "same":
        start = (short - 1) - (short - 1) // 2 if mirrored else (short - 1) // 2
    else:
        start = short - 1
    length = long if mode == "same" else long - short + 1
    return full[start:start + length]


def convolve(a, v, mode: str = "full", *, precision=None, preferred_element_type=None):
    """The discrete linear convolution of 1-D ``a`` and ``v``, like ``numpy.convolve``.

    Args:
        a, v: non-empty 1-D arrays.
        mode: "full" (length n + m - 1), "same" (length max(n, m), centred) or "valid"
            (where the shorter fits inside the longer: length max - min + 1).
        precision: accepted for JAX compatibility (arithmetic is exact to the dtype).
        preferred_element_type: the dtype to compute and return in.

    Example:
        >>> import fungrad.numpy as fnp
        >>> fnp.convolve(fnp.array([1.0, 2.0, 3.0]), fnp.array([0.0, 1.0, 0.5])).tolist()
        [0.0, 1.0, 2.5, 4.0, 1.5]
    """
    a, v = _operands("convolve", a, v, mode, preferred_element_type)
    return _trim(_full(a, v), shape_of(a)[0], shape_of(v)[0], mode)


def correlate(a, v, mode: str = "valid", *, precision=None, preferred_element_type=None):
    """The cross-correlation ``c[k] = sum_n a[n + k] conj(v[n])`` of 1-D ``a`` and ``v``,
    like ``numpy.correlate`` (modes as in :func:`convolve`).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.correlate(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0]), mode='full').tolist()
        [1.0, 2.0, 3.0, 0.0]
    """
    a, v = _operands("correlate", a, v, mode, preferred_element_type)
    n, m = shape_of(a)[0], shape_of(v)[0]
    return _trim(_full(a, flip(conj(v))), n, m, mode, mirrored=n < m)
