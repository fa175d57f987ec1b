"""Shape functions of fungrad.numpy: reshaping, joining, splitting, flipping, padding and
matrix parts (diagonal, triangles), written in terms of lax shape primitives.

Every function here is linear in its array arguments, so all of them are differentiable.
Indices, shifts, repeats and widths are static Python values (NumPy/JAX signatures); axes
may be negative.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "reshape", "ravel", "transpose", "swapaxes", "moveaxis", "expand_dims", "squeeze",
    "broadcast_to", "broadcast_arrays", "broadcast_shapes", "concatenate", "stack", "hstack",
    "vstack", "dstack", "column_stack", "split", "array_split", "flip", "fliplr", "flipud",
    "roll", "tile", "repeat", "pad", "triu", "tril", "diag", "diagonal", "trace", "outer",
    "atleast_1d", "atleast_2d", "atleast_3d", "ndim", "shape", "size",
]

from fungrad import lax
from fungrad.core import Tracer, concrete_or_none, get_aval, shape_of
from fungrad.errors import ConcretizationError, ShapeError, user_site
from fungrad.numpy.promotion import as_operand, promote, promote_dtypes, result_shape, to_dtype


def _shape_error(message: str) -> ShapeError:
    return ShapeError(f"{message}\n  at {user_site()}")


def is_scalar(value) -> bool:
    """True for a single int/scalar (also a rank-0 tracer); False for sequences and arrays."""
    if isinstance(value, (list, tuple, range)):
        return False
    if isinstance(value, Tracer):
        return not value.shape
    return np.ndim(value) == 0


def static_ints(fn: str, arg: str, value) -> tuple[int, ...]:
    """Return an int or a sequence of ints as a tuple of Python ints (static values)."""
    return tuple(static_int(fn, arg, v) for v in ((value,) if is_scalar(value) else value))


def normalize_axis(fn: str, axis, ndim: int, arg: str = "axis") -> int:
    """Return ``axis`` as a non-negative int, or a ShapeError naming ``fn`` and ``arg``."""
    axis = static_int(fn, arg, axis)
    if not -ndim <= axis < ndim:
        raise _shape_error(f"fnp.{fn}: {arg}={axis} is out of range for an array of rank "
                           f"{ndim} (valid: {-ndim} to {ndim - 1})")
    return axis % ndim


def normalize_axes(fn: str, axes, ndim: int, arg: str = "axis") -> tuple[int, ...]:
    """Normalize an int or a sequence of ints; repeated axes are an error."""
    axes = static_ints(fn, arg, axes)
    out = tuple(normalize_axis(fn, a, ndim, arg) for a in axes)
    if len(set(out)) != len(out):
        raise _shape_error(f"fnp.{fn}: repeated axis in {arg}={axes}")
    return out


def static_int(fn: str, arg: str, value) -> int:
    """Return ``value`` as a Python int; traced values must be concrete (static)."""
    concrete = concrete_or_none(value)
    if concrete is None:
        raise ConcretizationError(
            f"fnp.{fn}: {arg} must be a static integer, but it is a traced value "
            f"{value.aval.str_short()}. Pass a Python int (or mark it static_argnums).")
    return int(concrete)


# ---------------------------------------------------------------------------------------
# Reshaping and axis permutations


def reshape(a, shape=None, order: str = "C", *, newshape=None, copy=None):
    """Give ``a`` a new shape (one entry may be -1), like ``numpy.reshape``.

    Args:
        a: array-like.
        shape: int or tuple of ints; ``-1`` is inferred from the size.
        order: ``"C"`` (row-major) or ``"F"`` (column-major).
    Returns:
        The reshaped array.
    """
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
    shape = static_ints(fn, "shape", shape)
    size = int(np.prod(in_shape, dtype=np.int64))
    if shape.count(-1) > 1 or any(s < -1 for s in shape):
        raise _shape_error(f"fnp.{fn}: invalid shape {shape} (at most one -1, no other "
                           "negative sizes)")
    known = int(np.prod([s for s in shape if s != -1], dtype=np.int64))
    if -1 in shape and known and size % known == 0:
        shape = tuple(size // known if s == -1 else s for s in shape)
    if int(np.prod(shape, dtype=np.int64)) != size or -1 in shape:
        raise _shape_error(f"fnp.{fn}: cannot reshape an array of shape {tuple(in_shape)} "
                           f"({size} elements) into shape {shape}")
    return shape


def ravel(a, order: str = "C"):
    """Flatten ``a`` to 1-D, like ``numpy.ravel``."""
    return reshape(a, (-1,), order)


def transpose(a, axes=None):
    """Permute the axes of ``a`` (reverse them when ``axes`` is None)."""
    a = as_operand(a)
    nd = len(shape_of(a))
    if axes is None:
        return lax.transpose(a, tuple(reversed(range(nd))))
    perm = normalize_axes("transpose", axes, nd, "axes")
    if len(perm) != nd:
        raise _shape_error(f"fnp.transpose: axes {tuple(axes)} is not a permutation of the "
                           f"{nd} axes of an array of shape {shape_of(a)}")
    return lax.transpose(a, perm)


def swapaxes(a, axis1: int, axis2: int):
    """Swap two axes of ``a``."""
    a = as_operand(a)
    nd = len(shape_of(a))
    i, j = normalize_axis("swapaxes", axis1, nd, "axis1"), normalize_axis(
        "swapaxes", axis2, nd, "axis2")
    perm = list(range(nd))
    perm[i], perm[j] = j, i
    return lax.transpose(a, perm)


def moveaxis(a, source, destination):
    """Move axes ``source`` to positions ``destination`` (ints or sequences)."""
    a = as_operand(a)
    nd = len(shape_of(a))
    src = normalize_axes("moveaxis", source, nd, "source")
    dst = normalize_axes("moveaxis", destination, nd, "destination")
    if len(src) != len(dst):
        raise _shape_error(f"fnp.moveaxis: source {source} and destination {destination} "
                           "must have the same number of elements")
    rest = [d for d in range(nd) if d not in src]
    for d, s in sorted(zip(dst, src, strict=True)):
        rest.insert(d, s)
    return lax.transpose(a, rest)


def expand_dims(a, axis):
    """Insert size-1 axes at ``axis`` (int or tuple; positions in the result)."""
    a = as_operand(a)
    n_new = 1 if is_scalar(axis) else len(axis)
    dims = normalize_axes("expand_dims", axis, len(shape_of(a)) + n_new)
    return lax.expand_dims(a, dims)


def squeeze(a, axis=None):
    """Remove size-1 axes (all of them, or those in ``axis``)."""
    a = as_operand(a)
    a_shape = shape_of(a)
    if axis is None:
        return lax.squeeze(a, [d for d, s in enumerate(a_shape) if s == 1])
    dims = normalize_axes("squeeze", axis, len(a_shape))
    bad = [d for d in dims if a_shape[d] != 1]
    if bad:
        raise _shape_error(f"fnp.squeeze: cannot squeeze axis {bad[0]} of an array of shape "
                           f"{a_shape}: its size is {a_shape[bad[0]]}, not 1")
    return lax.squeeze(a, dims)


# ---------------------------------------------------------------------------------------
# Broadcasting


def broadcast_to(array, shape):
    """Broadcast ``array`` to ``shape`` by NumPy's rules (trailing axes aligned)."""
    x = as_operand(array)
    shape = static_ints("broadcast_to", "shape", shape)
    x_shape = shape_of(x)
    lead = len(shape) - len(x_shape)
    if lead < 0 or any(s not in (1, t) for s, t in zip(x_shape, shape[lead:], strict=True)):
        raise _shape_error(f"fnp.broadcast_to: cannot broadcast an array of shape {x_shape} "
                           f"to shape {shape} (each axis must match or be 1)")
    return lax.broadcast_in_dim(x, shape, tuple(range(lead, len(shape))))


def broadcast_shapes(*shapes) -> tuple[int, ...]:
    """Return the shape that arrays of ``shapes`` broadcast to."""
    shapes = [static_ints("broadcast_shapes", "shapes", s) for s in shapes]
    return tuple(int(s) for s in result_shape("broadcast_shapes", shapes))


def broadcast_arrays(*args) -> list:
    """Broadcast arrays against each other; returns a list."""
    args = [as_operand(a) for a in args]
    shape = result_shape("broadcast_arrays", [shape_of(a) for a in args])
    return [broadcast_to(a, shape) for a in args]


# ---------------------------------------------------------------------------------------
# Joining and splitting


def concatenate(arrays, axis: int | None = 0, dtype=None):
    """Join arrays along an existing ``axis`` (flattened first when ``axis`` is None)."""
    arrays = [as_operand(a) for a in arrays]
    if not arrays:
        raise ValueError("fnp.concatenate: need at least one array to concatenate")
    if axis is None:
        arrays = [ravel(a) for a in arrays]
        axis = 0
    shapes = [shape_of(a) for a in arrays]
    if any(len(s) == 0 for s in shapes):
        raise _shape_error(f"fnp.concatenate: zero-dimensional arrays cannot be "
                           f"concatenated (shapes {shapes}); use fnp.stack")
    if any(len(s) != len(shapes[0]) for s in shapes):
        raise _shape_error(f"fnp.concatenate: all arrays need the same rank, got shapes "
                           f"{shapes}")
    axis = normalize_axis("concatenate", axis, len(shapes[0]))
    if any(s[:axis] + s[axis + 1:] != shapes[0][:axis] + shapes[0][axis + 1:] for s in shapes):
        raise _shape_error(f"fnp.concatenate: array shapes {shapes} must match except along "
                           f"axis {axis}")
    arrays = promote_dtypes("concatenate", *arrays)
    if dtype is not None:
        arrays = [to_dtype(a, np.dtype(dtype)) for a in arrays]
    return lax.concatenate(arrays, axis)


def stack(arrays, axis: int = 0, out=None, dtype=None):
    """Join arrays of equal shape along a new ``axis``."""
    arrays = [as_operand(a) for a in arrays]
    if not arrays:
        raise ValueError("fnp.stack: need at least one array to stack")
    shapes = [shape_of(a) for a in arrays]
    if any(s != shapes[0] for s in shapes):
        raise _shape_error(f"fnp.stack: all arrays need the same shape, got {shapes}")
    axis = normalize_axis("stack", axis, len(shapes[0]) + 1)
    return concatenate([lax.expand_dims(a, (axis,)) for a in arrays], axis, dtype)


def hstack(tup, dtype=None):
    """Stack arrays horizontally (along axis 1; axis 0 for 1-D arrays)."""
    arrays = _at_least(tup, 1)
    return concatenate(arrays, 0 if len(shape_of(arrays[0])) == 1 else 1, dtype)


def vstack(tup, dtype=None):
    """Stack arrays vertically (along axis 0, after making them at least 2-D)."""
    arrays = _at_least(tup, 2)
    return concatenate(arrays, 0, dtype)


def dstack(tup, dtype=None):
    """Stack arrays depth-wise (along axis 2, after making them at least 3-D)."""
    arrays = _at_least(tup, 3)
    return concatenate(arrays, 2, dtype)


def column_stack(tup):
    """Stack 1-D arrays as columns (2-D arrays are joined along axis 1)."""
    arrays = [as_operand(a) for a in tup]
    arrays = [reshape(a, (-1, 1)) if len(shape_of(a)) < 2 else a for a in arrays]
    return concatenate(arrays, 1)


def split(ary, indices_or_sections, axis: int = 0) -> list:
    """Split into equal sections (an int) or at the given indices, like ``numpy.split``."""
    return _split("split", ary, indices_or_sections, axis, even=True)


def array_split(ary, indices_or_sections, axis: int = 0) -> list:
    """Like :func:`split`, but a section count need not divide the axis evenly."""
    return _split("array_split", ary, indices_or_sections, axis, even=False)


def _split(fn: str, ary, indices_or_sections, axis, even: bool) -> list:
    x = as_operand(ary)
    axis = normalize_axis(fn, axis, len(shape_of(x)))
    n = shape_of(x)[axis]
    if is_scalar(indices_or_sections):
        sections = static_int(fn, "indices_or_sections", indices_or_sections)
        if sections <= 0 or (even and n % sections):
            raise _shape_error(f"fnp.{fn}: cannot split an axis of size {n} (array shape "
                               f"{shape_of(x)}) into {sections} equal sections")
        sizes = [n // sections + (i < n % sections) for i in range(sections)]
        bounds = np.concatenate([[0], np.cumsum(sizes)])
    else:
        cuts = [static_int(fn, "indices_or_sections", i) for i in indices_or_sections]
        # Python slicing semantics: negative indices count from the end, then clip.
        bounds = np.clip(np.array([0, *(c + n if c < 0 else c for c in cuts), n]), 0, n)
    return [lax.slice_in_dim(x, int(lo), int(max(lo, hi)), 1, axis)
            for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]


# ---------------------------------------------------------------------------------------
# Flipping, rolling, tiling, repeating


def flip(m, axis=None):
    """Reverse the order of elements along ``axis`` (all axes when None)."""
    m = as_operand(m)
    nd = len(shape_of(m))
    return lax.rev(m, range(nd) if axis is None else normalize_axes("flip", axis, nd))


def fliplr(m):
    """Reverse the order of columns (axis 1); ``m`` must be at least 2-D."""
    m = as_operand(m)
    if len(shape_of(m)) < 2:
        raise _shape_error(f"fnp.fliplr: needs an array of rank >= 2, got shape {shape_of(m)}")
    return lax.rev(m, (1,))


def flipud(m):
    """Reverse the order of rows (axis 0); ``m`` must be at least 1-D."""
    m = as_operand(m)
    if len(shape_of(m)) < 1:
        raise _shape_error("fnp.flipud: needs an array of rank >= 1, got a scalar")
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
    """Roll elements along ``axis`` by ``shift`` (ints or tuples; flattened when None)."""
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
    """Repeat the whole array ``reps`` times along each axis, like ``numpy.tile``."""
    x = as_operand(A)
    reps = static_ints("tile", "reps", reps)
    x_shape = shape_of(x)
    nd = max(len(x_shape), len(reps))
    reps = (1,) * (nd - len(reps)) + reps
    x_shape = (1,) * (nd - len(x_shape)) + tuple(x_shape)
    # (s0, s1) -> (r0, s0, r1, s1) by broadcasting, then merge each pair of axes.
    interleaved = tuple(v for pair in zip(reps, x_shape, strict=True) for v in pair)
    tiled = lax.broadcast_in_dim(lax.reshape(x, x_shape), interleaved, range(1, 2 * nd, 2))
    return lax.reshape(tiled, tuple(r * s for r, s in zip(reps, x_shape, strict=True)))


def repeat(a, repeats, axis: int | None = None, *, total_repeat_length: int | None = None):
    """Repeat each element ``repeats`` times (an int, or one static count per element)."""
    x = as_operand(a)
    if axis is None:
        x, axis = ravel(x), 0
    axis = normalize_axis("repeat", axis, len(shape_of(x)))
    n = shape_of(x)[axis]
    counts = _static_repeats(repeats, n)
    if total_repeat_length is not None:
        counts = _fit_total(counts, int(total_repeat_length))
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
    counts = np.asarray(repeats, dtype=np.int64).ravel()
    if counts.size == 1:
        counts = np.full(n, counts[0])
    if counts.size != n or (counts < 0).any():
        raise _shape_error(f"fnp.repeat: repeats of shape {np.shape(repeats)} must be one "
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
# Padding


def pad(array, pad_width, mode: str = "constant", *, constant_values=0,
        reflect_type: str = "even"):
    """Pad an array, like ``numpy.pad``.

    Args:
        array: array-like.
        pad_width: an int, ``(before, after)``, or one ``(before, after)`` per axis.
        mode: ``"constant"`` (``constant_values``, which may be traced), ``"edge"``,
            ``"reflect"``, ``"symmetric"``, ``"wrap"`` or ``"empty"`` (zeros).
        constant_values: a scalar, or ``(before, after)`` values in any pad_width form.
        reflect_type: only ``"even"`` (NumPy's default) is supported.
    Returns:
        The padded array.
    """
    x = as_operand(array)
    nd = len(shape_of(x))
    widths = _pad_pairs("pad_width", pad_width, nd)
    if (widths < 0).any():
        raise ValueError(f"fnp.pad: pad_width must be non-negative, got {pad_width}")
    if reflect_type != "even":
        raise NotImplementedError("fnp.pad: only reflect_type='even' is supported")
    if mode == "empty":
        mode, constant_values = "constant", 0
    if mode == "constant":
        return _pad_constant(x, widths, constant_values)
    if mode not in ("edge", "reflect", "symmetric", "wrap"):
        raise NotImplementedError(f"fnp.pad: mode={mode!r} is not supported; use 'constant', "
                                  "'edge', 'reflect', 'symmetric', 'wrap' or 'empty'")
    for ax, (before, after) in enumerate(widths):
        n = shape_of(x)[ax]
        if (before or after) and n == 0:
            raise ValueError(f"fnp.pad: cannot pad an empty axis {ax} with mode={mode!r}")
        if before or after:
            x = take_static(x, np.pad(np.arange(n), (before, after), mode=mode), ax)
    return x


def _pad_pairs(arg: str, value, nd: int) -> np.ndarray:
    try:
        return np.broadcast_to(np.asarray(value, dtype=np.int64), (nd, 2))
    except ValueError:
        raise ValueError(f"fnp.pad: {arg}={value!r} must be an int, (before, after), or one "
                         f"(before, after) per axis of the array (rank {nd})") from None


def _pad_constant(x, widths, constant_values):
    dtype = get_aval(x).dtype
    nd = len(widths)
    if is_scalar(constant_values):
        value = to_dtype(as_operand(constant_values), dtype)
        return lax.pad(x, value, [(int(b), int(a), 0) for b, a in widths])
    values = np.broadcast_to(np.asarray(constant_values), (nd, 2))
    for ax in range(nd):
        for side in (0, 1):
            config = [(0, 0, 0)] * nd
            config[ax] = (int(widths[ax][0]), 0, 0) if side == 0 else (0, int(widths[ax][1]), 0)
            x = lax.pad(x, dtype.type(values[ax][side]), config)
    return x


# ---------------------------------------------------------------------------------------
# Matrix parts: triangles and diagonals (masks and strided slices, no gather)


def _tri_mask(n: int, m: int, k: int):
    """Boolean (n, m) mask of ``j <= i + k`` built from iotas (no constant array)."""
    rows = lax.broadcasted_iota(np.int64, (n, m), 0)
    cols = lax.broadcasted_iota(np.int64, (n, m), 1)
    return lax.le(cols, lax.add(rows, np.int64(k)))


def _masked(fn: str, m, k, keep_lower: bool):
    m = as_operand(m)
    m_shape = shape_of(m)
    if len(m_shape) < 2:
        raise _shape_error(f"fnp.{fn}: needs an array of rank >= 2, got shape {m_shape}")
    k = static_int(fn, "k", k)
    n, cols = m_shape[-2:]
    mask = _tri_mask(n, cols, k if keep_lower else k - 1)
    mask = lax.broadcast_in_dim(mask, m_shape, (len(m_shape) - 2, len(m_shape) - 1))
    zero = get_aval(m).dtype.type(0)
    # select_n(which, false_case, true_case): the mask is true on and below the diagonal.
    return lax.select_n(mask, zero, m) if keep_lower else lax.select_n(mask, m, zero)


def tril(m, k: int = 0):
    """Lower triangle of the last two axes (elements above diagonal ``k`` are zero)."""
    return _masked("tril", m, k, keep_lower=True)


def triu(m, k: int = 0):
    """Upper triangle of the last two axes (elements below diagonal ``k`` are zero)."""
    return _masked("triu", m, k, keep_lower=False)


def diagonal(a, offset: int = 0, axis1: int = 0, axis2: int = 1):
    """Return the ``offset`` diagonal of ``a`` over ``axis1``/``axis2`` (as the last axis)."""
    a = as_operand(a)
    a_shape = shape_of(a)
    if len(a_shape) < 2:
        raise _shape_error(f"fnp.diagonal: needs an array of rank >= 2, got shape {a_shape}")
    i = normalize_axis("diagonal", axis1, len(a_shape), "axis1")
    j = normalize_axis("diagonal", axis2, len(a_shape), "axis2")
    if i == j:
        raise _shape_error(f"fnp.diagonal: axis1 and axis2 are the same axis ({i})")
    offset = static_int("diagonal", "offset", offset)
    rest = [d for d in range(len(a_shape)) if d not in (i, j)]
    x = lax.transpose(a, (*rest, i, j))
    lead, (rows, cols) = tuple(a_shape[d] for d in rest), (a_shape[i], a_shape[j])
    length = max(0, min(rows, cols - offset) if offset >= 0 else min(rows + offset, cols))
    # In the row-major flattening the diagonal is every (cols + 1)-th element.
    flat = lax.reshape(x, lead + (rows * cols,))
    start = offset if offset >= 0 else -offset * cols
    limit = start + (length - 1) * (cols + 1) + 1
    if not length:
        start = limit = 0
    return lax.slice_in_dim(flat, start, limit, cols + 1, len(lead))


def diag(v, k: int = 0):
    """Build a diagonal matrix from a 1-D ``v``, or extract diagonal ``k`` of a 2-D ``v``."""
    v = as_operand(v)
    v_shape = shape_of(v)
    k = static_int("diag", "k", k)
    if len(v_shape) == 2:
        return diagonal(v, k)
    if len(v_shape) != 1:
        raise _shape_error(f"fnp.diag: needs a 1-D or 2-D array, got shape {v_shape}")
    n = v_shape[0]
    size = n + abs(k)
    start = k if k >= 0 else -k * size
    # Spread v over the flattened (size, size) matrix: one value every size + 1 elements.
    used = n + max(n - 1, 0) * size
    zero = get_aval(v).dtype.type(0)
    flat = lax.pad(v, zero, [(start, size * size - start - used, size)])
    return lax.reshape(flat, (size, size))


def trace(a, offset: int = 0, axis1: int = 0, axis2: int = 1, dtype=None,  # noqa: PLR0917
          out=None):
    """Sum of the ``offset`` diagonal over ``axis1``/``axis2``, like ``numpy.trace``."""
    d = diagonal(a, offset, axis1, axis2)
    src = get_aval(d).dtype
    if dtype is None and (src.kind == "b" or src.kind == "i" and src.itemsize < 8):
        dtype = np.int64  # like NumPy's sum: small integers accumulate in 64 bits
    elif dtype is None and src.kind == "u" and src.itemsize < 8:
        dtype = np.uint64
    if dtype is not None:
        d = to_dtype(d, np.dtype(dtype))
    return lax.reduce_sum(d, (len(shape_of(d)) - 1,))


def outer(a, b, out=None):
    """Outer product of the flattened ``a`` and ``b``: ``out[i, j] = a[i] * b[j]``."""
    a, b = ravel(a), ravel(b)
    a, b = promote("outer", lax.expand_dims(a, (1,)), lax.expand_dims(b, (0,)))
    return lax.mul(a, b)


# ---------------------------------------------------------------------------------------
# Rank helpers and shape queries


_RANK_PADDERS = {
    1: lambda s: (1,),
    2: lambda s: (1,) * (2 - len(s)) + s,
    3: lambda s: {0: (1, 1, 1), 1: (1, *s, 1), 2: (*s, 1)}[len(s)],
}


def _at_least(arys, rank: int) -> list:
    out = []
    for ary in arys:
        a = as_operand(ary)
        a_shape = tuple(shape_of(a))
        out.append(a if len(a_shape) >= rank else lax.reshape(a, _RANK_PADDERS[rank](a_shape)))
    return out


def atleast_1d(*arys):
    """View inputs as arrays of rank >= 1 (a list for several inputs)."""
    out = _at_least(arys, 1)
    return out[0] if len(out) == 1 else out


def atleast_2d(*arys):
    """View inputs as arrays of rank >= 2: ``(n,)`` becomes ``(1, n)``."""
    out = _at_least(arys, 2)
    return out[0] if len(out) == 1 else out


def atleast_3d(*arys):
    """Rank >= 3 views: ``(n,)`` -> ``(1, n, 1)``, ``(m, n)`` -> ``(m, n, 1)``."""
    out = _at_least(arys, 3)
    return out[0] if len(out) == 1 else out


def _shape_of_any(a) -> tuple[int, ...]:
    if isinstance(a, Tracer) or hasattr(a, "shape"):
        return tuple(shape_of(a))
    return np.shape(a)


def ndim(a) -> int:
    """Number of axes of ``a`` (arrays, tracers, scalars, nested lists)."""
    return len(_shape_of_any(a))


def shape(a) -> tuple[int, ...]:
    """Shape of ``a`` (arrays, tracers, scalars, nested lists)."""
    return _shape_of_any(a)


def size(a, axis: int | None = None) -> int:
    """Number of elements of ``a`` (along ``axis`` if given)."""
    s = _shape_of_any(a)
    if axis is None:
        return int(np.prod(s, dtype=np.int64))
    return s[normalize_axis("size", axis, len(s))]
