"""fnp.linalg's array-API names: cross, diagonal, outer, tensordot, trace, vecdot.

They share names with top-level fnp functions but take the array API's signatures (as
``jax.numpy.linalg``'s do): ``diagonal`` and ``trace`` work on the last two axes,
``outer`` takes 1-D vectors only, ``cross`` takes size-3 vectors only.
"""

from __future__ import annotations

__all__ = ["cross", "diagonal", "outer", "tensordot", "trace", "vecdot"]

from fungrad.core import shape_of
from fungrad.errors import ShapeError, user_site
from fungrad.numpy import contractions, matrix_parts, vector_products
from fungrad.numpy.promotion import as_operand
from fungrad.numpy.reshaping import normalize_axis


def _shape_error(message: str) -> ShapeError:
    return ShapeError(f"fnp.linalg.{message}\n  at {user_site()}")


def cross(x1, x2, /, *, axis=-1):
    """Cross product of (stacks of) 3-vectors along ``axis`` (leading axes broadcast).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.linalg.cross(np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0]))
        array([0., 0., 1.])
    """
    x1, x2 = as_operand(x1), as_operand(x2)
    s1, s2 = shape_of(x1), shape_of(x2)
    n1 = s1[normalize_axis("linalg.cross", axis, len(s1), "axis")] if s1 else None
    n2 = s2[normalize_axis("linalg.cross", axis, len(s2), "axis")] if s2 else None
    if n1 != 3 or n2 != 3:
        raise _shape_error(f"cross: x1 and x2 must be (stacks of) 3-vectors along axis={axis}, "
                           f"got shapes {tuple(s1)} and {tuple(s2)}; use fnp.cross for "
                           "2-vectors")
    return vector_products.cross(x1, x2, axis=axis)


def diagonal(x, /, *, offset: int = 0):
    """The ``offset`` diagonal of each matrix in ``x`` (the last two axes).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.linalg.diagonal(np.arange(8).reshape(2, 2, 2))
        array([[0, 3],
               [4, 7]])
    """
    x = as_operand(x)
    if len(shape_of(x)) < 2:
        raise _shape_error(f"diagonal: needs an array of rank >= 2 (a stack of matrices), got "
                           f"shape {tuple(shape_of(x))}")
    return matrix_parts.diagonal(x, offset, -2, -1)


def outer(x1, x2, /):
    """Outer product of two 1-D vectors: ``out[i, j] = x1[i] * x2[j]``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.linalg.outer(np.array([1, 2]), np.array([3, 4, 5]))
        array([[ 3,  4,  5],
               [ 6,  8, 10]])
    """
    x1, x2 = as_operand(x1), as_operand(x2)
    if len(shape_of(x1)) != 1 or len(shape_of(x2)) != 1:
        raise _shape_error(f"outer: x1 and x2 must be 1-D, got shapes {tuple(shape_of(x1))} "
                           f"and {tuple(shape_of(x2))}; use fnp.outer to flatten them first")
    return matrix_parts.outer(x1, x2)


def tensordot(x1, x2, /, *, axes=2, precision=None, preferred_element_type=None,
              out_sharding=None):
    """Tensor contraction over ``axes`` (as ``fnp.tensordot``, with keyword-only axes).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.linalg.tensordot(np.ones((2, 3)), np.ones((3, 4)), axes=1).shape
        (2, 4)
    """
    return contractions.tensordot(x1, x2, axes, precision=precision,
                                  preferred_element_type=preferred_element_type,
                                  out_sharding=out_sharding)


def trace(x, /, *, offset: int = 0, dtype=None):
    """Sum of the ``offset`` diagonal of each matrix in ``x`` (the last two axes).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.linalg.trace(np.arange(8).reshape(2, 2, 2))
        array([ 3, 11])
    """
    x = as_operand(x)
    if len(shape_of(x)) < 2:
        raise _shape_error(f"trace: needs an array of rank >= 2 (a stack of matrices), got "
                           f"shape {tuple(shape_of(x))}")
    return matrix_parts.trace(x, offset, -2, -1, dtype)


def vecdot(x1, x2, /, *, axis: int = -1, precision=None, preferred_element_type=None):
    """Conjugated dot product of vectors along ``axis`` (leading axes broadcast).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.linalg.vecdot(np.array([1.0, 2.0]), np.array([3.0, 4.0])).item()
        11.0
    """
    return contractions.vecdot(x1, x2, axis=axis, precision=precision,
                               preferred_element_type=preferred_element_type)
