"""Elementwise choices of fungrad.numpy: select (the first true condition picks the value)
and nan_to_num. The derivative reaches only the chosen operand, as in ``fnp.where``.
"""

from __future__ import annotations

import numpy as np

from fungrad.core import get_aval
from fungrad.lax import complex as _complex
from fungrad.numpy.complex_parts import imag, real
from fungrad.numpy.math import equal, isnan, where
from fungrad.numpy.promotion import as_operand, promote_dtypes

__all__ = ["select", "nan_to_num"]


def select(condlist, choicelist, default=0):
    """Choose, per element, from the entry of ``choicelist`` whose condition (in
    ``condlist``) is the first to hold; ``default`` where none holds.

    Args:
        condlist: a sequence of boolean arrays.
        choicelist: a sequence of arrays, as long as ``condlist``.
        default: the value where no condition holds.

    Returns:
        The broadcast of all conditions and choices, in their promoted dtype.

    Example:
        >>> import fungrad.numpy as fnp
        >>> x = fnp.arange(5.0)
        >>> fnp.select([x < 2, x > 3], [x, x ** 2], -1.0).tolist()
        [0.0, 1.0, -1.0, -1.0, 16.0]
    """
    condlist, choicelist = list(condlist), list(choicelist)
    if len(condlist) != len(choicelist):
        raise ValueError(f"fnp.select: condlist has {len(condlist)} entries but choicelist "
                         f"has {len(choicelist)}; they must be the same length")
    if not condlist:
        raise ValueError("fnp.select: condlist is empty; pass at least one condition")
    conds = [as_operand(c) for c in condlist]
    for i, c in enumerate(conds):
        if np.dtype(get_aval(c).dtype) != np.bool_:
            raise TypeError(f"fnp.select: condlist[{i}] has dtype {get_aval(c).dtype}, not "
                            "bool; compare it first (e.g. x > 0), as NumPy requires")
    *choices, out = promote_dtypes("select", *[as_operand(c) for c in choicelist],
                                   as_operand(default))
    for cond, choice in zip(reversed(conds), reversed(choices)):
        out = where(cond, choice, out)
    return out


def nan_to_num(x, copy: bool = True, nan=0.0, posinf=None, neginf=None):
    """Replace NaN by ``nan``, +inf by ``posinf`` and -inf by ``neginf`` (defaults: the
    largest and most negative finite values of the dtype); real and imaginary parts of
    complex input separately. Replaced entries have zero derivative.
    """
    x = as_operand(x)
    dtype = np.dtype(get_aval(x).dtype)
    if dtype.kind == "c":
        parts = [nan_to_num(p, copy, nan, posinf, neginf) for p in (real(x), imag(x))]
        return _complex(*parts)
    if dtype.kind != "f":
        return x
    big = np.finfo(dtype).max
    posinf = big if posinf is None else posinf
    neginf = -big if neginf is None else neginf
    out = where(isnan(x), nan, x)
    out = where(equal(x, np.inf), posinf, out)
    return where(equal(x, -np.inf), neginf, out)
