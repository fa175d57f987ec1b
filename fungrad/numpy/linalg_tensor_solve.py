"""fnp.linalg.tensorinv and tensorsolve: NumPy's tensor inverse and tensor equations.

Both reshape the tensor to a square matrix, invert or solve it with fnp.linalg, and reshape
back, so their derivatives, batching and jit come from lax.linalg's solve primitive (they
sit below fnp.linalg, which re-exports them, so they bind it directly).
"""

from __future__ import annotations

import math
import operator

__all__ = ["tensorinv", "tensorsolve"]

import numpy as np

from fungrad.array_module import constant_like
from fungrad.core import get_aval, shape_of
from fungrad.errors import ShapeError, user_site
from fungrad.lax import linalg as lax_linalg
from fungrad.numpy.linalg_norms import float_operand
from fungrad.numpy.promotion import promote_dtypes
from fungrad.numpy.reshaping import moveaxis, reshape


def tensorinv(a, ind: int = 2):
    """The tensor inverse of ``a``: ``tensordot(tensorinv(a, ind), a, ind)`` is the identity.

    Args:
        a: an array with ``prod(a.shape[:ind]) == prod(a.shape[ind:])``.
        ind: how many leading axes form the first index (a positive integer).

    Returns:
        An array of shape ``a.shape[ind:] + a.shape[:ind]``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> a = np.eye(6).reshape(6, 2, 3) * 2.0
        >>> fnp.linalg.tensorinv(a, ind=1).shape
        (2, 3, 6)
    """
    a = float_operand(a)
    ind = operator.index(ind)
    if ind <= 0:
        raise ValueError(f"fnp.linalg.tensorinv: ind must be a positive integer, got ind={ind}"
                         f"\n  at {user_site()}")
    shape = tuple(shape_of(a))
    rows, cols = math.prod(shape[:ind]), math.prod(shape[ind:])
    if rows != cols:
        raise ShapeError(f"fnp.linalg.tensorinv: the product of the first ind={ind} axes of a "
                         f"({rows}) must equal that of the others ({cols}), got a.shape={shape}"
                         f"; choose ind so that a reshapes to a square matrix\n  at {user_site()}")
    eye = constant_like(np.eye(rows, dtype=get_aval(a).dtype), a)
    return reshape(lax_linalg.solve(reshape(a, (rows, cols)), eye), shape[ind:] + shape[:ind])


def tensorsolve(a, b, axes=None):
    """Solve ``tensordot(a, x, x.ndim) == b`` for ``x``.

    Args:
        a: an array of shape ``b.shape + x.shape`` (after moving ``axes`` to the end), with
            ``prod(b.shape) == prod(x.shape)``.
        b: the right-hand side.
        axes: axes of ``a`` to move to the end first (None: none).

    Returns:
        ``x``, of shape ``a.shape[b.ndim:]`` (after moving ``axes``).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> a = np.eye(6).reshape(2, 3, 6) * 2.0
        >>> fnp.linalg.tensorsolve(a, np.ones((2, 3)))
        array([0.5, 0.5, 0.5, 0.5, 0.5, 0.5])
    """
    a, b = promote_dtypes("linalg.tensorsolve", float_operand(a), float_operand(b))
    if axes is not None:
        axes = tuple(axes)
        a = moveaxis(a, axes, tuple(range(len(shape_of(a)) - len(axes), len(shape_of(a)))))
    a_shape, b_shape = tuple(shape_of(a)), tuple(shape_of(b))
    x_shape = a_shape[len(b_shape):]
    if a_shape[:len(b_shape)] != b_shape:
        raise ShapeError(f"fnp.linalg.tensorsolve: a's leading axes (after moving axes={axes} to "
                         f"the end) must be b's shape, got a.shape={a_shape}, b.shape={b_shape}"
                         f"\n  at {user_site()}")
    rows, cols = math.prod(b_shape), math.prod(x_shape)
    if rows != cols:
        raise ShapeError(f"fnp.linalg.tensorsolve: a must reshape to a square matrix, but "
                         f"prod(a.shape[:b.ndim]) = {rows} != prod(a.shape[b.ndim:]) = {cols}, "
                         f"got a.shape={a_shape}, b.shape={b_shape}\n  at {user_site()}")
    x = lax_linalg.solve(reshape(a, (rows, cols)), reshape(b, (rows, 1)))
    return reshape(x, x_shape)
