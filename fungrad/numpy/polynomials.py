"""Polynomial evaluation in fungrad.numpy: ``polyval`` (Horner's rule; differentiable in
the coefficients and in ``x``)."""

from __future__ import annotations

from fungrad.core import shape_of
from fungrad.errors import ShapeError
from fungrad.numpy.creation import zeros_like
from fungrad.numpy.promotion import as_operand, promote_dtypes

__all__ = ["polyval"]


def polyval(p, x, *, unroll: int = 16):
    """The polynomial with coefficients ``p`` (highest power first) at ``x``.

    ``unroll`` is accepted for JAX compatibility: the loop over the (static number of)
    coefficients is always unrolled.

    Example:
        >>> import fungrad.numpy as fnp
        >>> fnp.polyval(fnp.array([1.0, 0.0, -2.0]), fnp.array([0.0, 3.0])).tolist()
        [-2.0, 7.0]
    """
    p, x = as_operand(p), as_operand(x)
    if len(shape_of(p)) != 1:
        raise ShapeError(f"fnp.polyval: p must be 1-D (the coefficients), got shape "
                         f"{shape_of(p)}")
    p, x = promote_dtypes("polyval", p, x)
    y = zeros_like(x)
    for i in range(shape_of(p)[0]):
        y = y * x + p[i]
    return y
