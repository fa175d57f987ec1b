"""Complex parts in fungrad.numpy: ``real``, ``imag``, ``conj``/``conjugate`` and ``angle``,
``real_if_close``, and the tests ``iscomplex``, ``iscomplexobj`` and ``isrealobj``.

They accept real arrays too, as NumPy's do: the real part of a real array is itself, its
imaginary part is zeros (a constant, so its derivative is zero) and its conjugate is itself.
"""

from __future__ import annotations

import numpy as np

from fungrad import lax
from fungrad.array_module import constant_like
from fungrad.core import concrete_or_none, get_aval
from fungrad.errors import ConcretizationError
from fungrad.numpy.math import arctan2, multiply
from fungrad.numpy.promotion import as_operand

__all__ = ["real", "imag", "conj", "conjugate", "angle", "iscomplexobj", "isrealobj",
           "iscomplex", "real_if_close"]


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


def isrealobj(x) -> bool:
    """Whether ``x`` does not have a complex dtype (like ``numpy.isrealobj``).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.isrealobj(np.array([1.0])), fnp.isrealobj(1j)
        (True, False)
    """
    return not iscomplexobj(x)


def iscomplex(x):
    """True where ``x`` has a nonzero imaginary part (False everywhere for real input).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.iscomplex(np.array([1 + 0j, 1j, 2.0])).tolist()
        [False, True, False]
    """
    x = as_operand(x)
    return lax.ne(imag(x), np.dtype(get_aval(imag(x)).dtype).type(0))


def real_if_close(a, tol=100):
    """The real part of ``a`` if every imaginary part is within ``tol`` machine epsilons of
    zero (``tol < 1`` is an absolute bound), else ``a`` itself.

    Whether the dtype changes depends on the values, so ``a`` must be concrete (not traced
    under jit or vmap); use :func:`real` there.

    Args:
        a: an array.
        tol: the bound, in machine epsilons of ``a``'s dtype when above 1.

    Returns:
        A real array, or ``a`` unchanged.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.real_if_close(np.array([2.1 + 4e-15j, 5.2 + 3e-15j])).tolist()
        [2.1, 5.2]
    """
    a = as_operand(a)
    if not _is_complex(a):
        return a
    value = concrete_or_none(a)
    if value is None:
        raise ConcretizationError(
            f"fnp.real_if_close: a ({get_aval(a).str_short()}) is traced, but whether the "
            "result is real depends on its values; call fnp.real(a) under jit/vmap.")
    bound = tol * np.finfo(np.asarray(value).dtype).eps if tol > 1 else tol
    return real(a) if np.all(np.abs(np.imag(value)) < bound) else a


def real(val, /):
    """Real part of ``val`` (real inputs are returned unchanged), like ``numpy.real``.

    Example:
        >>> import fungrad.numpy as fnp
        >>> float(fnp.real(1.5 + 2j))
        1.5
    """
    val = as_operand(val)
    return lax.real(val) if _is_complex(val) else val


def imag(val, /):
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


def conjugate(x, /):
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
