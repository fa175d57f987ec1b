"""Shape functions of fungrad.numpy, part 3: flipping, rolling, tiling, repeating and
trimming zeros.

Shifts and repeats are static, so most of these become a static index pattern along an
axis, taken by ``take_static`` as a few slices, revs and broadcasts (never a gather); pad
(``fungrad.numpy.padding``) uses it too. All are linear in the array.
Public names are re-exported by ``fungrad.numpy.shape`` and ``fungrad.numpy``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["rot90", "resize", "flip", "fliplr", "flipud", "roll", "tile", "repeat",
           "trim_zeros"]

from fungrad import lax
from fungrad.array_module import to_host
from fungrad.core import Tracer, concrete_or_none, get_aval, shape_of
from fungrad.errors import ConcretizationError
from fungrad.numpy.promotion import as_operand
from fungrad.numpy.reshaping import (
    check_integers,
    normalize_axes,
    normalize_axis,
    ravel,
    reshape,
    shape_error,
    static_int,
    static_ints,
    swapaxes,
)
from fungrad.numpy.unsupported_arguments import reject_sharding

# ---------------------------------------------------------------------------------------
# Flipping, rolling, tiling, repeating


def flip(m, axis=None):
    """Reverse the order of elements along ``axis`` (all axes when None).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.flip(np.array([[1, 2], [3, 4]]))
        array([[4, 3],
               [2, 1]])
        >>> fnp.flip(np.array([[1, 2], [3, 4]]), axis=1)
        array([[2, 1],
               [4, 3]])
    """
    m = as_operand(m)
    nd = len(shape_of(m))
    return lax.rev(m, range(nd) if axis is None else normalize_axes("flip", axis, nd))


def rot90(m, k: int = 1, axes: tuple[int, int] = (0, 1)):
    """Rotate ``m`` by 90 degrees ``k`` times in the plane of ``axes`` (from the first
    axis towards the second).

    >>> rot90(np.array([[1, 2], [3, 4]])).tolist()
    [[2, 4], [1, 3]]
    """
    m = as_operand(m)
    nd = len(shape_of(m))
    axes = tuple(normalize_axes("rot90", axes, nd, "axes")) if len(tuple(axes)) == 2 else None
    if axes is None or nd < 2:
        raise ValueError(f"fnp.rot90: axes must be two different axes of m (shape "
                         f"{shape_of(m)}), got {axes}")
    k = static_int("rot90", "k", k) % 4
    a, b = axes
    if k == 0:
        return m
    if k == 2:
        return flip(m, (a, b))
    if k == 1:
        return swapaxes(flip(m, b), a, b)
    return flip(swapaxes(m, a, b), b)


def resize(a, new_shape):
    """``a`` flattened, repeated cyclically (or cut) to fill ``new_shape``, like
    ``numpy.resize``.

    >>> resize(np.array([1, 2, 3]), (2, 2)).tolist()
    [[1, 2], [3, 1]]
    """
    a = as_operand(a)
    shape = static_ints("resize", "new_shape", new_shape, strict=True)
    if any(n < 0 for n in shape):
        raise ValueError(f"fnp.resize: new_shape {shape} has a negative length")
    total, size = int(np.prod(shape, dtype=np.int64)), int(np.prod(shape_of(a), dtype=np.int64))
    flat = ravel(a)
    if size == 0 or total == 0:
        if total:
            raise ValueError("fnp.resize: cannot fill a non-empty shape from an empty array")
        return reshape(lax.slice(flat, (0,), (0,)), shape)
    repeated = tile(flat, -(-total // size))
    return reshape(lax.slice(repeated, (0,), (total,)), shape)


def fliplr(m):
    """Reverse the order of columns (axis 1); ``m`` must be at least 2-D.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.fliplr(np.array([[1, 2], [3, 4]]))
        array([[2, 1],
               [4, 3]])
    """
    m = as_operand(m)
    if len(shape_of(m)) < 2:
        raise shape_error(f"fnp.fliplr: needs an array of rank >= 2, got shape {shape_of(m)}")
    return lax.rev(m, (1,))


def flipud(m):
    """Reverse the order of rows (axis 0); ``m`` must be at least 1-D.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.flipud(np.array([[1, 2], [3, 4]]))
        array([[3, 4],
               [1, 2]])
    """
    m = as_operand(m)
    if len(shape_of(m)) < 1:
        raise shape_error("fnp.flipud: needs an array of rank >= 1, got a scalar")
    return lax.rev(m, (0,))


def take_static(x, indices, axis: int):
    """Return ``x`` indexed by the static 1-D ``indices`` along ``axis``, without a gather.

    Runs of consecutive, reversed or repeated indices become one slice each (reversed runs
    add a rev, repeated ones a broadcast), so edge/reflect/wrap padding, rolls and repeats
    cost a handful of primitives.
    """
    shape, pieces = shape_of(x), []
    for first, step, count in _index_runs([int(j) for j in indices]):
        last = first + step * (count - 1)
        if step == 0:
            piece = lax.slice_in_dim(x, first, first + 1, 1, axis)
            out_shape = shape[:axis] + (count,) + shape[axis + 1:]
            piece = lax.broadcast_in_dim(piece, out_shape, range(len(shape)))
        elif step == 1:
            piece = lax.slice_in_dim(x, first, last + 1, 1, axis)
        else:
            piece = lax.rev(lax.slice_in_dim(x, last, first + 1, 1, axis), (axis,))
        pieces.append(piece)
    if not pieces:
        return lax.slice_in_dim(x, 0, 0, 1, axis)
    return lax.concatenate(pieces, axis)


def _index_runs(indices: list[int]) -> list[tuple[int, int, int]]:
    """Split indices into maximal runs ``(first, step, count)`` with step -1, 0 or 1."""
    runs, i = [], 0
    while i < len(indices):
        step = indices[i + 1] - indices[i] if i + 1 < len(indices) else 1
        step = step if step in (-1, 0, 1) else 1
        end = i + 1
        while end < len(indices) and indices[end] - indices[end - 1] == step:
            end += 1
        runs.append((indices[i], step, end - i))
        i = end
    return runs


def roll(a, shift, axis=None):
    """Roll elements along ``axis`` by ``shift`` (ints or tuples; flattened when None).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.roll(np.array([1, 2, 3, 4]), 1)
        array([4, 1, 2, 3])
    """
    a = as_operand(a)
    if axis is None:
        total = sum(static_ints("roll", "shift", shift))
        return reshape(roll(ravel(a), total, 0), shape_of(a))
    shifts, axes = np.broadcast_arrays(np.array(static_ints("roll", "shift", shift)),
                                       np.array(static_ints("roll", "axis", axis)))
    nd, totals = len(shape_of(a)), {}
    for s, raw_axis in zip(shifts.ravel(), axes.ravel(), strict=True):
        ax = normalize_axis("roll", raw_axis, nd)
        totals[ax] = totals.get(ax, 0) + int(s)
    for ax, s in totals.items():
        n = shape_of(a)[ax]
        if n and s % n:
            a = take_static(a, np.roll(np.arange(n), s % n), ax)
    return a


def tile(A, reps):  # noqa: N803 (NumPy's name)
    """Repeat the whole array ``reps`` times along each axis, like ``numpy.tile``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.tile(np.array([1, 2]), (2, 2))
        array([[1, 2, 1, 2],
               [1, 2, 1, 2]])
    """
    x = as_operand(A)
    reps = static_ints("tile", "reps", reps, strict=True)
    x_shape = shape_of(x)
    nd = max(len(x_shape), len(reps))
    reps = (1,) * (nd - len(reps)) + reps
    x_shape = (1,) * (nd - len(x_shape)) + tuple(x_shape)
    # (s0, s1) -> (r0, s0, r1, s1) by broadcasting, then merge each pair of axes.
    interleaved = tuple(v for pair in zip(reps, x_shape, strict=True) for v in pair)
    tiled = lax.broadcast_in_dim(lax.reshape(x, x_shape), interleaved, range(1, 2 * nd, 2))
    return lax.reshape(tiled, tuple(r * s for r, s in zip(reps, x_shape, strict=True)))


def repeat(a, repeats, axis: int | None = None, *, total_repeat_length: int | None = None,
           out_sharding=None):
    """Repeat each element ``repeats`` times (an int, or one static count per element).

    ``out_sharding`` must be None (fungrad has no sharding).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.repeat(np.array([1, 2]), 2)
        array([1, 1, 2, 2])
        >>> fnp.repeat(np.array([1, 2]), [1, 3])
        array([1, 2, 2, 2])
    """
    reject_sharding("repeat", out_sharding=out_sharding)
    x = as_operand(a)
    if axis is None:
        x, axis = ravel(x), 0
    axis = normalize_axis("repeat", axis, len(shape_of(x)))
    n = shape_of(x)[axis]
    counts = _static_repeats(repeats, n)
    if total_repeat_length is not None:
        counts = _fit_total(counts, static_int("repeat", "total_repeat_length",
                                               total_repeat_length, strict=True))
    if len(set(counts.tolist())) == 1 and n:
        r = int(counts[0])
        shape = shape_of(x)
        wide = shape[:axis + 1] + (r,) + shape[axis + 1:]
        dims = tuple(d if d <= axis else d + 1 for d in range(len(shape)))
        out = lax.broadcast_in_dim(x, wide, dims)
        return lax.reshape(out, shape[:axis] + (n * r,) + shape[axis + 1:])
    return take_static(x, np.repeat(np.arange(n), counts), axis)


def _static_repeats(repeats, n: int) -> np.ndarray:
    if isinstance(repeats, Tracer):
        repeats = concrete_or_none(repeats)
        if repeats is None:
            raise ConcretizationError(
                "fnp.repeat: repeats must be static counts (the output shape depends on "
                "them), but they are a traced value; pass a Python int or a NumPy array")
    check_integers("fnp.repeat", "repeats", repeats)
    counts = np.asarray(repeats, dtype=np.int64).ravel()
    if counts.size == 1:
        counts = np.full(n, counts[0])
    if counts.size != n or (counts < 0).any():
        raise shape_error(f"fnp.repeat: repeats of shape {np.shape(repeats)} must be one "
                           f"non-negative count or one per element ({n}) along the axis")
    return counts


def _fit_total(counts: np.ndarray, total: int) -> np.ndarray:
    """Cut counts to ``total`` entries, or extend the last element's count (JAX's rule)."""
    ends = np.minimum(np.cumsum(counts), total)
    fitted = np.diff(np.concatenate([[0], ends]))
    if fitted.size and fitted.sum() < total:
        fitted[-1] += total - fitted.sum()
    return fitted


# ---------------------------------------------------------------------------------------
# Trimming


def trim_zeros(filt, trim: str = "fb", axis=None):
    """``filt`` without its leading and/or trailing zeros along ``axis``.

    Args:
        filt: the array; it must be concrete (the trimmed length depends on its values, so
            it cannot be traced under jit or vmap, as in jax.numpy).
        trim: 'f' trims the front, 'b' the back, 'fb' (the default) both.
        axis: the axis or axes to trim (None: every axis); along each, the slices that are
            zero everywhere are removed from the ends.

    Returns:
        The trimmed array (a slice of ``filt``, so differentiable in it).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.trim_zeros(np.array([0, 0, 1, 0, 2, 0])).tolist()
        [1, 0, 2]
        >>> fnp.trim_zeros(np.array([0, 0, 1, 0, 2, 0]), "f").tolist()
        [1, 0, 2, 0]
    """
    x = as_operand(filt)
    value = concrete_or_none(x)
    if value is None:
        raise ConcretizationError(
            f"fnp.trim_zeros: filt ({get_aval(x).str_short()}) is traced, but how many zeros "
            "are trimmed decides the result's shape; call it on a concrete array, outside "
            "jit/vmap (as in jax.numpy).")
    if not isinstance(trim, str) or not set(trim.lower()) <= {"f", "b"} or not trim:
        raise ValueError(f"fnp.trim_zeros: trim must be 'f', 'b' or 'fb', got {trim!r}")
    trim = trim.lower()
    value = np.asarray(to_host(value))  # host metadata: where the nonzeros are
    nd = value.ndim
    axes = range(nd) if axis is None else normalize_axes("trim_zeros", axis, nd)
    starts, stops = [0] * nd, list(value.shape)
    for ax in axes:
        others = tuple(d for d in range(nd) if d != ax)
        (nonzero,) = np.nonzero(np.any(value != 0, axis=others))
        # All zeros: trimming from either end empties the axis.
        first, last = ((int(nonzero[0]), int(nonzero[-1]) + 1) if nonzero.size
                       else (value.shape[ax], 0))
        starts[ax] = first if "f" in trim else 0
        stops[ax] = last if "b" in trim else value.shape[ax]
        stops[ax] = max(stops[ax], starts[ax])
    return lax.slice(x, tuple(starts), tuple(stops))
