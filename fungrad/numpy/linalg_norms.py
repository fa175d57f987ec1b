"""Norms for fungrad.numpy.linalg: ``norm``, ``vector_norm``, ``matrix_norm``.

Re-exported by ``fungrad.numpy.linalg`` (this module also holds the integer-to-float
conversion that every linalg function applies to its inputs).
"""

from __future__ import annotations

import numpy as np

__all__ = ["norm", "vector_norm", "matrix_norm"]

from fungrad import dtypes, lax
from fungrad.core import get_aval, shape_of
from fungrad.dtypes import real_dtype
from fungrad.errors import ShapeError, user_site
from fungrad.lax import linalg as lax_linalg
from fungrad.numpy.complex_parts import abs_squared
from fungrad.numpy.promotion import as_operand, to_dtype
from fungrad.numpy.reshaping import normalize_axes

_DEFAULT_FLOAT = np.dtype(np.float64)


def float_operand(x):
    """Validate ``x`` and convert integer/boolean arrays to float64."""
    x = as_operand(x)
    if dtypes.is_inexact(get_aval(x).dtype):
        return x
    return to_dtype(x, _DEFAULT_FLOAT)




def norm(x, ord=None, axis=None, keepdims: bool = False):  # noqa: A002 (NumPy's name)
    """Vector or matrix norm, like ``numpy.linalg.norm``.

    Args:
        x: an array.
        ord: vectors: None/2, 1, inf, -inf, 0 (count of nonzeros) or any p; matrices:
            None/'fro', 'nuc', 1, -1, 2, -2, inf, -inf.
        axis: None (all of a 1-D or 2-D ``x``; all axes flattened when ``ord`` is None),
            an int (vector norms) or a pair of ints (matrix norms).
        keepdims: keep the reduced axes with size 1.

    Returns:
        The norms, with the reduced axes removed (or kept with size 1).

    At a zero input the derivatives follow JAX: nan (0/0) for the 2-norm, Frobenius and
    p-norms; ``sign`` (+1 at 0) for ord=1 vectors; the max-based norms (vector inf, matrix 1,
    inf and 2) split it among the tied entries and a floor at 0, so each of the ``n`` tied
    entries of a zero vector gets ``1 / (2 n)`` for ord=inf.

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> import fungrad.numpy as fnp
        >>> fnp.linalg.norm(np.array([3.0, 4.0])).item()
        5.0
        >>> fnp.linalg.norm(np.array([[1.0, 2.0], [3.0, 4.0]]), axis=1)
        array([2.23606798, 5.        ])
        >>> fg.grad(fnp.linalg.norm)(np.array([3.0, 4.0]))
        Array([0.6, 0.8])
    """
    x = float_operand(x)
    nd = len(shape_of(x))
    if axis is None:
        if ord is None:
            axes = tuple(range(nd))
            out = lax.sqrt(lax.reduce_sum(abs_squared(x), axes))
            return _keep(out, shape_of(x), axes) if keepdims else out
        if nd not in (1, 2):
            raise ShapeError(f"fnp.linalg.norm: ord={ord!r} with axis=None needs a 1-D or 2-D "
                             f"array, got shape {tuple(shape_of(x))}; pass axis\n"
                             f"  at {user_site()}")
        axis = tuple(range(nd))
    axes = _norm_axes(axis, nd, shape_of(x))
    if len(axes) == 1:
        out = _vector_norm(x, ord, axes)
    else:
        out = _matrix_norm(x, ord, axes)
    return _keep(out, shape_of(x), axes) if keepdims else out


def _norm_axes(axis, nd: int, shape) -> tuple[int, ...]:
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    if len(axes) not in (1, 2) or any(not -nd <= int(a) < nd for a in axes):
        raise ShapeError(f"fnp.linalg.norm: axis={axis!r} must be one or two axes of an array "
                         f"of shape {tuple(shape)}\n  at {user_site()}")
    axes = tuple(int(a) % nd for a in axes)
    if len(set(axes)) != len(axes):
        raise ShapeError(f"fnp.linalg.norm: axis={axis!r} repeats an axis\n  at {user_site()}")
    return axes


def _keep(out, shape, axes):
    return lax.reshape(out, tuple(1 if i in axes else s for i, s in enumerate(shape)))


def _vector_norm(x, ord, axes: tuple[int, ...], fn: str = "norm"):  # noqa: A002
    """The ``ord``-norm of ``x`` taken as vectors over ``axes`` (several axes count as one
    flattened vector)."""
    dtype = real_dtype(get_aval(x).dtype)
    if ord is None or ord == 2:
        return lax.sqrt(lax.reduce_sum(abs_squared(x), axes))
    if isinstance(ord, str):
        raise ValueError(f"fnp.linalg.{fn}: ord={ord!r} names a matrix norm, not a vector "
                         "norm; vector norms take numbers (2, 1, fnp.inf, -fnp.inf, 0, p)")
    magnitude = lax.abs(x)
    if ord == np.inf:
        return _largest(magnitude, axes)
    if ord == -np.inf:
        return lax.reduce_min(magnitude, axes)
    if ord == 0:
        nonzero = lax.ne(x, get_aval(x).dtype.type(0))
        return lax.reduce_sum(lax.convert_element_type(nonzero, dtype), axes)
    if ord == 1:
        return lax.reduce_sum(magnitude, axes)
    p = dtype.type(ord)
    return lax.pow(lax.reduce_sum(lax.pow(magnitude, p), axes), dtype.type(1.0) / p)


def _matrix_norm(x, ord, axes):  # noqa: A002
    rows, cols = axes
    if ord is None or ord == "fro":
        return lax.sqrt(lax.reduce_sum(abs_squared(x), tuple(sorted(axes))))
    if ord in ("nuc", 2, -2):
        s = lax_linalg.svd(_axes_last(x, rows, cols), full_matrices=False)[1]
        last = (len(shape_of(s)) - 1,)
        if ord == "nuc":
            return lax.reduce_sum(s, last)
        return _largest(s, last) if ord == 2 else lax.reduce_min(s, last)
    if ord in (1, -1, np.inf, -np.inf):
        summed, kept = (rows, cols) if ord in (1, -1) else (cols, rows)
        sums = lax.reduce_sum(lax.abs(x), (summed,))
        kept -= kept > summed
        return _largest(sums, (kept,)) if ord > 0 else lax.reduce_min(sums, (kept,))
    raise ValueError(f"fnp.linalg.norm: ord={ord!r} is not a matrix norm; use None, 'fro', "
                     "'nuc', 1, -1, 2, -2, inf or -inf")


def _largest(magnitudes, axes):
    # The max of nonnegative values, floored at 0 like JAX's norms (a max with initial=0): the
    # value is unchanged, and at an all-zero input the floor takes half the derivative, as JAX.
    out = lax.reduce_max(magnitudes, axes)
    return lax.max(out, np.dtype(get_aval(out).dtype).type(0))


def _axes_last(x, rows: int, cols: int):
    nd = len(shape_of(x))
    rest = tuple(i for i in range(nd) if i not in (rows, cols))
    return lax.transpose(x, rest + (rows, cols))


def vector_norm(x, /, *, axis=None, keepdims: bool = False, ord=2):  # noqa: A002
    """Vector norm of ``x`` over ``axis`` (all axes when None; several axes are flattened
    into one vector), like ``jax.numpy.linalg.vector_norm``.

    ``ord``: 2 (default), 1, ``inf``, ``-inf``, 0 (count of nonzeros) or any p; derivatives
    at zero as in ``norm``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.linalg.vector_norm(np.array([3.0, -4.0]), ord=1).item()
        7.0
        >>> fnp.linalg.vector_norm(np.array([3.0, -4.0]), ord=np.inf).item()
        4.0
    """
    x = float_operand(x)
    shape = shape_of(x)
    axes = tuple(range(len(shape))) if axis is None else normalize_axes(
        "linalg.vector_norm", axis, len(shape))
    out = _vector_norm(x, ord, axes, "vector_norm")
    return _keep(out, shape, axes) if keepdims else out


def matrix_norm(x, /, *, keepdims: bool = False, ord="fro"):  # noqa: A002
    """Matrix norm over the last two axes: ``norm(x, ord, axis=(-2, -1), keepdims)``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.linalg.matrix_norm(np.array([[3.0, 0.0], [0.0, 4.0]])).item()
        5.0
        >>> fnp.linalg.matrix_norm(np.array([[3.0, 0.0], [0.0, 4.0]]), ord=2).item()
        4.0
    """
    return norm(x, ord=ord, axis=(-2, -1), keepdims=keepdims)


