"""Shape functions of fungrad.numpy, part 1: reshaping, axis permutations, broadcasting,
rank padding (``atleast_*``) and shape queries, plus the static shape/axis argument checks
the other fungrad.numpy modules share (``normalize_axis``, ``static_ints``...).

Every function here is linear in its array arguments, so all of them are differentiable.
Shapes and axes are static Python values (NumPy/JAX signatures); axes may be negative.
Public names are re-exported by ``fungrad.numpy.shape`` and ``fungrad.numpy``.
"""

from __future__ import annotations

import operator

import numpy as np

__all__ = [
    "reshape", "ravel", "transpose", "swapaxes", "moveaxis", "rollaxis", "expand_dims",
    "squeeze", "broadcast_to", "broadcast_arrays", "broadcast_shapes",
    "atleast_1d", "atleast_2d", "atleast_3d", "ndim", "shape", "size",
]

from fungrad import lax
from fungrad.core import Tracer, concrete_or_none, shape_of
from fungrad.errors import ConcretizationError, IntegerArgumentError, ShapeError, user_site
from fungrad.numpy.promotion import as_operand, result_shape
from fungrad.numpy.unsupported_arguments import reject_sharding


def shape_error(message: str) -> ShapeError:
    """A ShapeError carrying ``message`` and the user's call site."""
    return ShapeError(f"{message}\n  at {user_site()}")


def is_scalar(value) -> bool:
    """True for a single int/scalar (also a rank-0 tracer); False for sequences and arrays."""
    if isinstance(value, (list, tuple, range)):
        return False
    if isinstance(value, Tracer):
        return not value.shape
    return np.ndim(value) == 0


def static_ints(fn: str, arg: str, value, *, strict: bool = False) -> tuple[int, ...]:
    """Return an int or a sequence of ints as a tuple of Python ints (static values);
    ``strict`` as for :func:`static_int`. Errors name a sequence's entry (``shape[0]``)."""
    if is_scalar(value):
        return (static_int(fn, arg, value, strict=strict),)
    return tuple(static_int(fn, f"{arg}[{i}]", v, strict=strict) for i, v in enumerate(value))


def normalize_axis(fn: str, axis, ndim: int, arg: str = "axis") -> int:
    """Return ``axis`` as a non-negative int, or a ShapeError naming ``fn`` and ``arg`` (a
    TypeError for a float axis, as in NumPy and JAX)."""
    axis = static_int(fn, arg, axis, strict=True)
    if not -ndim <= axis < ndim:
        raise shape_error(f"fnp.{fn}: {arg}={axis} is out of range for an array of rank "
                           f"{ndim} (valid: {-ndim} to {ndim - 1})")
    return axis % ndim


def normalize_axes(fn: str, axes, ndim: int, arg: str = "axis") -> tuple[int, ...]:
    """Normalize an int or a sequence of ints; repeated axes are an error."""
    axes = static_ints(fn, arg, axes, strict=True)
    out = tuple(normalize_axis(fn, a, ndim, arg) for a in axes)
    if len(set(out)) != len(out):
        raise shape_error(f"fnp.{fn}: repeated axis in {arg}={axes}")
    return out


def static_int(fn: str, arg: str, value, *, strict: bool = False) -> int:
    """Return ``value`` as a Python int; traced values must be concrete (static). With
    ``strict``, a float is a TypeError (:func:`check_integers`) instead of being truncated:
    for the arguments that NumPy and JAX both reject floats for."""
    concrete = concrete_or_none(value)
    if concrete is None:
        raise ConcretizationError(
            f"fnp.{fn}: {arg} must be a static integer, but it is a traced value "
            f"{value.aval.str_short()}. Pass a Python int (or mark it static_argnums).")
    if strict:
        check_integers(f"fnp.{fn}", arg, concrete)
    return int(concrete)


def check_integers(fn: str, arg: str, value) -> None:
    """An IntegerArgumentError (a TypeError and a ValueError) naming ``fn`` (as shown:
    ``"fnp.tile"``) and ``arg`` unless ``value`` (a number, or an array of them) holds
    integers or bools. NumPy and JAX reject a float
    size, count, width or axis (2.5, and 2.0 too), which ``int()`` would truncate silently.
    NumPy integer scalars and 0-d integer arrays pass, as ``operator.index`` takes them.
    """
    if is_scalar(value):
        try:
            operator.index(value)
            return
        except TypeError:
            pass
    elif np.asarray(value).dtype.kind in "biu" or np.size(value) == 0:
        return
    if is_scalar(value):
        what = "an integer"
        fix = f"int({value!r})" if np.asarray(value).dtype.kind == "f" else "a Python int"
    else:
        what, fix = "integers", "Python ints or an integer array"
    raise IntegerArgumentError(f"{fn}: {arg} must be {what}, got {value!r}; pass {fix}.")


# ---------------------------------------------------------------------------------------
# Reshaping and axis permutations


def reshape(a, shape=None, order: str = "C", *, newshape=None, copy=None,
            out_sharding=None):
    """Give ``a`` a new shape (one entry may be -1), like ``numpy.reshape``.

    Args:
        a: array-like.
        shape: int or tuple of ints; ``-1`` is inferred from the size.
        order: ``"C"`` (row-major) or ``"F"`` (column-major).
        out_sharding: must be None (fungrad has no sharding).
    Returns:
        The reshaped array.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.reshape(np.arange(6), (2, -1))
        array([[0, 1, 2],
               [3, 4, 5]])
    """
    if out_sharding is not None:
        reject_sharding("reshape", out_sharding=out_sharding)
    shape = newshape if shape is None else shape
    a = as_operand(a)
    in_shape = shape_of(a)
    shape = _resolve_shape("reshape", in_shape, shape)
    if order == "F":
        flipped = lax.transpose(a, tuple(reversed(range(len(in_shape)))))
        out = lax.reshape(flipped, shape[::-1])
        return lax.transpose(out, tuple(reversed(range(len(shape)))))
    if order not in ("C", "A"):
        raise ValueError(f"fnp.reshape: order must be 'C' or 'F', got {order!r}")
    return lax.reshape(a, shape)


def _resolve_shape(fn: str, in_shape, shape) -> tuple[int, ...]:
    shape = static_ints(fn, "shape", shape, strict=True)
    size = int(np.prod(in_shape, dtype=np.int64))
    if shape.count(-1) > 1 or any(s < -1 for s in shape):
        raise shape_error(f"fnp.{fn}: invalid shape {shape} (at most one -1, no other "
                           "negative sizes)")
    known = int(np.prod([s for s in shape if s != -1], dtype=np.int64))
    if -1 in shape and known and size % known == 0:
        shape = tuple(size // known if s == -1 else s for s in shape)
    if int(np.prod(shape, dtype=np.int64)) != size or -1 in shape:
        raise shape_error(f"fnp.{fn}: cannot reshape an array of shape {tuple(in_shape)} "
                           f"({size} elements) into shape {shape}")
    return shape


def ravel(a, order: str = "C", *, out_sharding=None):
    """Flatten ``a`` to 1-D, like ``numpy.ravel`` (``out_sharding`` must be None).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.ravel(np.array([[1, 2], [3, 4]]))
        array([1, 2, 3, 4])
    """
    if out_sharding is not None:
        reject_sharding("ravel", out_sharding=out_sharding)
    return reshape(a, (-1,), order)


def transpose(a, axes=None):
    """Permute the axes of ``a`` (reverse them when ``axes`` is None).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.transpose(np.array([[1, 2, 3], [4, 5, 6]]))
        array([[1, 4],
               [2, 5],
               [3, 6]])
        >>> fnp.transpose(np.ones((2, 3, 4)), (1, 0, 2)).shape
        (3, 2, 4)
    """
    a = as_operand(a)
    nd = len(shape_of(a))
    if axes is None:
        return lax.transpose(a, tuple(reversed(range(nd))))
    perm = normalize_axes("transpose", axes, nd, "axes")
    if len(perm) != nd:
        raise shape_error(f"fnp.transpose: axes {tuple(axes)} is not a permutation of the "
                           f"{nd} axes of an array of shape {shape_of(a)}")
    return lax.transpose(a, perm)


def swapaxes(a, axis1: int, axis2: int):
    """Swap two axes of ``a``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.swapaxes(np.ones((2, 3, 4)), 0, 2).shape
        (4, 3, 2)
    """
    a = as_operand(a)
    nd = len(shape_of(a))
    i, j = normalize_axis("swapaxes", axis1, nd, "axis1"), normalize_axis(
        "swapaxes", axis2, nd, "axis2")
    perm = list(range(nd))
    perm[i], perm[j] = j, i
    return lax.transpose(a, perm)


def moveaxis(a, source, destination):
    """Move axes ``source`` to positions ``destination`` (ints or sequences).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.moveaxis(np.ones((2, 3, 4)), 0, -1).shape
        (3, 4, 2)
    """
    a = as_operand(a)
    nd = len(shape_of(a))
    src = normalize_axes("moveaxis", source, nd, "source")
    dst = normalize_axes("moveaxis", destination, nd, "destination")
    if len(src) != len(dst):
        raise shape_error(f"fnp.moveaxis: source {source} and destination {destination} "
                           "must have the same number of elements")
    rest = [d for d in range(nd) if d not in src]
    for d, s in sorted(zip(dst, src, strict=True)):
        rest.insert(d, s)
    return lax.transpose(a, rest)


def rollaxis(a, axis: int, start: int = 0):
    """Move ``axis`` to sit before position ``start`` (NumPy's older form of ``moveaxis``).

    Args:
        a: the array.
        axis: the axis to move.
        start: the position it is moved in front of (``0 <= start <= a.ndim``, negative
            counts from the end).

    Returns:
        A view-like transpose of ``a``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.rollaxis(np.ones((2, 3, 4)), 2).shape, fnp.rollaxis(np.ones((2, 3, 4)), 0, 3).shape
        ((4, 2, 3), (3, 4, 2))
    """
    a = as_operand(a)
    nd = len(shape_of(a))
    axis = normalize_axis("rollaxis", axis, nd)
    start = static_int("rollaxis", "start", start, strict=True)
    if not -nd <= start <= nd:
        raise shape_error(f"fnp.rollaxis: start={start} is out of range for an array of rank "
                          f"{nd} (valid: {-nd} to {nd})")
    start = start + nd if start < 0 else start
    if axis < start:
        start -= 1  # the axis leaves its place first
    return a if axis == start else moveaxis(a, axis, start)


def expand_dims(a, axis):
    """Insert size-1 axes at ``axis`` (int or tuple; positions in the result).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.expand_dims(np.ones((2, 3)), 0).shape
        (1, 2, 3)
        >>> fnp.expand_dims(np.ones((2, 3)), (0, -1)).shape
        (1, 2, 3, 1)
    """
    a = as_operand(a)
    n_new = 1 if is_scalar(axis) else len(axis)
    dims = normalize_axes("expand_dims", axis, len(shape_of(a)) + n_new)
    return lax.expand_dims(a, dims)


def squeeze(a, axis=None):
    """Remove size-1 axes (all of them, or those in ``axis``).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.squeeze(np.ones((1, 3, 1))).shape
        (3,)
        >>> fnp.squeeze(np.ones((1, 3, 1)), axis=0).shape
        (3, 1)
    """
    a = as_operand(a)
    a_shape = shape_of(a)
    if axis is None:
        return lax.squeeze(a, [d for d, s in enumerate(a_shape) if s == 1])
    dims = normalize_axes("squeeze", axis, len(a_shape))
    bad = [d for d in dims if a_shape[d] != 1]
    if bad:
        raise shape_error(f"fnp.squeeze: cannot squeeze axis {bad[0]} of an array of shape "
                           f"{a_shape}: its size is {a_shape[bad[0]]}, not 1")
    return lax.squeeze(a, dims)


# ---------------------------------------------------------------------------------------
# Broadcasting


def broadcast_to(array, shape, *, out_sharding=None):
    """Broadcast ``array`` to ``shape`` by NumPy's rules (trailing axes aligned).

    ``out_sharding`` must be None (fungrad has no sharding).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.broadcast_to(np.array([1.0, 2.0]), (2, 2))
        array([[1., 2.],
               [1., 2.]])
    """
    if out_sharding is not None:
        reject_sharding("broadcast_to", out_sharding=out_sharding)
    x = as_operand(array)
    shape = static_ints("broadcast_to", "shape", shape, strict=True)
    x_shape = shape_of(x)
    lead = len(shape) - len(x_shape)
    if lead < 0 or any(s not in (1, t) for s, t in zip(x_shape, shape[lead:], strict=True)):
        raise shape_error(f"fnp.broadcast_to: cannot broadcast an array of shape {x_shape} "
                           f"to shape {shape} (each axis must match or be 1)")
    return lax.broadcast_in_dim(x, shape, tuple(range(lead, len(shape))))


def broadcast_shapes(*shapes) -> tuple[int, ...]:
    """Return the shape that arrays of ``shapes`` broadcast to.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.broadcast_shapes((2, 1), (3,))
        (2, 3)
    """
    shapes = [static_ints("broadcast_shapes", f"shapes[{i}]", s, strict=True)
              for i, s in enumerate(shapes)]
    return tuple(int(s) for s in result_shape("broadcast_shapes", shapes))


def broadcast_arrays(*args) -> list:
    """Broadcast arrays against each other; returns a list.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> a, b = fnp.broadcast_arrays(np.ones((2, 1)), np.zeros(3))
        >>> a.shape, b.shape
        ((2, 3), (2, 3))
    """
    args = [as_operand(a) for a in args]
    shape = result_shape("broadcast_arrays", [shape_of(a) for a in args])
    return [broadcast_to(a, shape) for a in args]


# ---------------------------------------------------------------------------------------
# Rank helpers and shape queries


_RANK_PADDERS = {
    1: lambda s: (1,),
    2: lambda s: (1,) * (2 - len(s)) + s,
    3: lambda s: {0: (1, 1, 1), 1: (1, *s, 1), 2: (*s, 1)}[len(s)],
}


def at_least_rank(arys, rank: int) -> list:
    """Each of ``arys`` as an operand of rank >= ``rank`` (size-1 axes added NumPy's way)."""
    out = []
    for ary in arys:
        a = as_operand(ary)
        a_shape = tuple(shape_of(a))
        out.append(a if len(a_shape) >= rank else lax.reshape(a, _RANK_PADDERS[rank](a_shape)))
    return out


def atleast_1d(*arys):
    """View inputs as arrays of rank >= 1 (a list for several inputs).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.atleast_1d(3.0)
        array([3.])
    """
    out = at_least_rank(arys, 1)
    return out[0] if len(out) == 1 else out


def atleast_2d(*arys):
    """View inputs as arrays of rank >= 2: ``(n,)`` becomes ``(1, n)``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.atleast_2d(np.array([1.0, 2.0])).shape
        (1, 2)
    """
    out = at_least_rank(arys, 2)
    return out[0] if len(out) == 1 else out


def atleast_3d(*arys):
    """Rank >= 3 views: ``(n,)`` -> ``(1, n, 1)``, ``(m, n)`` -> ``(m, n, 1)``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.atleast_3d(np.ones((2, 3))).shape
        (2, 3, 1)
    """
    out = at_least_rank(arys, 3)
    return out[0] if len(out) == 1 else out


def _shape_of_any(a) -> tuple[int, ...]:
    if isinstance(a, Tracer) or hasattr(a, "shape"):
        return tuple(shape_of(a))
    return np.shape(a)


def ndim(a) -> int:
    """Number of axes of ``a`` (arrays, tracers, scalars, nested lists).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.ndim(np.ones((2, 3)))
        2
        >>> fnp.ndim(1.0)
        0
    """
    return len(_shape_of_any(a))


def shape(a) -> tuple[int, ...]:
    """Shape of ``a`` (arrays, tracers, scalars, nested lists).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.shape(np.ones((2, 3)))
        (2, 3)
        >>> fnp.shape([[1, 2, 3]])
        (1, 3)
    """
    return _shape_of_any(a)


def size(a, axis: int | None = None) -> int:
    """Number of elements of ``a`` (along ``axis`` if given).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.size(np.ones((2, 3)))
        6
        >>> fnp.size(np.ones((2, 3)), axis=1)
        3
    """
    s = _shape_of_any(a)
    if axis is None:
        return int(np.prod(s, dtype=np.int64))
    return s[normalize_axis("size", axis, len(s))]
