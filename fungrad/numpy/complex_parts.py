"""Complex parts in fungrad.numpy: ``real``, ``imag``, ``conj``/``conjugate`` and ``angle``.

They accept real arrays too, as NumPy's do: the real part of a real array is itself, its
imaginary part is zeros (a constant, so its derivative is zero) and its conjugate is itself.
"""

from __future__ import annotations

import numpy as np

from fungrad import lax
from fungrad.array_module import constant_like
from fungrad.core import get_aval
from fungrad.numpy.math import arctan2, multiply
from fungrad.numpy.promotion import as_operand

__all__ = ["real", "imag", "conj", "conjugate", "angle", "iscomplexobj"]


def _is_complex(x) -> bool:
    return get_aval(x).dtype.kind == "c"


def iscomplexobj(x) -> bool:
    """Whether ``x`` has a complex dtype (like ``numpy.iscomplexobj``).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.iscomplexobj(np.array([1 + 2j]))
        True
        >>> fnp.iscomplexobj(np.array([1.0]))
        False
    """
    return _is_complex(as_operand(x))


def real(val):
    """Real part of ``val`` (real inputs are returned unchanged), like ``numpy.real``.

    Example:
        >>> import fungrad.numpy as fnp
        >>> float(fnp.real(1.5 + 2j))
        1.5
    """
    val = as_operand(val)
    return lax.real(val) if _is_complex(val) else val


def imag(val):
    """Imaginary part of ``val`` (zeros for real inputs), like ``numpy.imag``.

    Example:
        >>> import fungrad.numpy as fnp
        >>> float(fnp.imag(1.5 + 2j))
        2.0
    """
    val = as_operand(val)
    if _is_complex(val):
        return lax.imag(val)
    aval = get_aval(val)
    return lax.broadcast_in_dim(constant_like(np.zeros((), aval.dtype), val), aval.shape, ())


def conjugate(x):
    """Complex conjugate of ``x`` (real inputs are returned unchanged), like ``numpy.conj``.

    Example:
        >>> import fungrad.numpy as fnp
        >>> complex(fnp.conj(1.5 + 2j))
        (1.5-2j)
    """
    x = as_operand(x)
    return lax.conj(x) if _is_complex(x) else x


conj = conjugate


def angle(z, deg: bool = False):
    """Counterclockwise angle of ``z`` from the positive real axis: ``atan2(imag, real)``.

    Args:
        z: a complex or real array (real inputs give 0 or pi).
        deg: return degrees instead of radians.

    Returns:
        A real array of the angles, in (-pi, pi].

    Example:
        >>> import fungrad.numpy as fnp
        >>> round(float(fnp.angle(1j, deg=True)), 6)
        90.0
    """
    z = as_operand(z)
    out = arctan2(imag(z), real(z))
    return multiply(out, 180 / np.pi) if deg else out


def abs_squared(x):
    """``|x| ** 2`` as a real array: ``re**2 + im**2`` for complex ``x`` (never ``x * x``)."""
    x = as_operand(x)
    if not _is_complex(x):
        return lax.mul(x, x)
    re, im = lax.real(x), lax.imag(x)
    return lax.add(lax.mul(re, re), lax.mul(im, im))
