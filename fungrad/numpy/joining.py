"""Shape functions of fungrad.numpy, part 2: joining and splitting arrays
(``concatenate``, ``stack`` and its variants, ``block``, ``split``, ``array_split``).

All of them are linear, built on ``lax.concatenate`` and ``lax.slice_in_dim``; split points
are static Python values. Public names are re-exported by ``fungrad.numpy.shape`` and
``fungrad.numpy``.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "append", "block",
    "concatenate", "stack", "hstack", "vstack", "dstack", "column_stack", "split",
    "array_split", "hsplit", "vsplit", "dsplit",
]

from fungrad import lax
from fungrad.core import shape_of
from fungrad.numpy.promotion import as_operand, promote_dtypes, to_dtype
from fungrad.numpy.reshaping import (
    at_least_rank,
    is_scalar,
    normalize_axis,
    ravel,
    reshape,
    shape_error,
    static_int,
    static_ints,
)

# ---------------------------------------------------------------------------------------
# Joining and splitting


def concatenate(arrays, axis: int | None = 0, dtype=None):
    """Join arrays along an existing ``axis`` (flattened first when ``axis`` is None).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.concatenate([np.array([1, 2]), np.array([3])])
        array([1, 2, 3])
    """
    arrays = [as_operand(a) for a in arrays]
    if not arrays:
        raise ValueError("fnp.concatenate: need at least one array to concatenate")
    if axis is None:
        arrays = [ravel(a) for a in arrays]
        axis = 0
    shapes = [shape_of(a) for a in arrays]
    if any(len(s) == 0 for s in shapes):
        raise shape_error(f"fnp.concatenate: zero-dimensional arrays cannot be "
                           f"concatenated (shapes {shapes}); use fnp.stack")
    if any(len(s) != len(shapes[0]) for s in shapes):
        raise shape_error(f"fnp.concatenate: all arrays need the same rank, got shapes "
                           f"{shapes}")
    axis = normalize_axis("concatenate", axis, len(shapes[0]))
    if any(s[:axis] + s[axis + 1:] != shapes[0][:axis] + shapes[0][axis + 1:] for s in shapes):
        raise shape_error(f"fnp.concatenate: array shapes {shapes} must match except along "
                           f"axis {axis}")
    arrays = promote_dtypes("concatenate", *arrays)
    if dtype is not None:
        arrays = [to_dtype(a, np.dtype(dtype)) for a in arrays]
    return lax.concatenate(arrays, axis)


def append(arr, values, axis: int | None = None):
    """``arr`` with ``values`` joined at the end along ``axis`` (both flattened for None).


    >>> append(np.array([1, 2]), [3, 4]).tolist()
    [1, 2, 3, 4]
    """
    return concatenate([arr, values], axis)


def block(arrays):
    """Assemble an array from nested lists of blocks: the innermost lists are joined along
    the last axis, the next level along the one before, and so on.

    Args:
        arrays: an array, or nested lists (not tuples) of arrays and scalars, all lists at
            one depth; blocks get leading unit axes up to the result's rank.

    Returns:
        The assembled array, of rank ``max(depth, largest block rank)``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.block([[np.eye(2), np.zeros((2, 1))], [np.ones((1, 3))]]).tolist()
        [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 1.0, 1.0]]
    """
    depth, rank = _block_depth_and_rank(arrays, ())
    return _assemble(arrays, depth, max(depth, rank))


def _block_depth_and_rank(arrays, path: tuple) -> tuple[int, int]:
    """The list depth of ``arrays`` (checked equal everywhere) and the largest block rank."""
    if isinstance(arrays, tuple):
        raise TypeError(f"fnp.block: arrays{''.join(f'[{i}]' for i in path)} is a tuple; "
                        "use lists for the nesting (as NumPy)")
    if not isinstance(arrays, list):
        return 0, len(shape_of(as_operand(arrays)))
    if not arrays:
        raise ValueError(f"fnp.block: arrays{''.join(f'[{i}]' for i in path)} is an empty "
                         "list; every list needs at least one block")
    found = [_block_depth_and_rank(a, (*path, i)) for i, a in enumerate(arrays)]
    depths = {d for d, _ in found}
    if len(depths) != 1:
        raise ValueError(f"fnp.block: the lists nest to different depths {sorted(depths)} "
                         f"inside arrays{''.join(f'[{i}]' for i in path)}; nest every block "
                         "equally deep")
    return depths.pop() + 1, max(r for _, r in found)


def _assemble(arrays, depth: int, rank: int):
    if depth == 0:
        x = as_operand(arrays)
        return reshape(x, (1,) * (rank - len(shape_of(x))) + shape_of(x))
    return concatenate([_assemble(a, depth - 1, rank) for a in arrays], axis=-depth)


def stack(arrays, axis: int = 0, out=None, dtype=None):
    """Join arrays of equal shape along a new ``axis``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.stack([np.array([1, 2]), np.array([3, 4])], axis=1)
        array([[1, 3],
               [2, 4]])
    """
    arrays = [as_operand(a) for a in arrays]
    if not arrays:
        raise ValueError("fnp.stack: need at least one array to stack")
    shapes = [shape_of(a) for a in arrays]
    if any(s != shapes[0] for s in shapes):
        raise shape_error(f"fnp.stack: all arrays need the same shape, got {shapes}")
    axis = normalize_axis("stack", axis, len(shapes[0]) + 1)
    return concatenate([lax.expand_dims(a, (axis,)) for a in arrays], axis, dtype)


def hstack(tup, dtype=None):
    """Stack arrays horizontally (along axis 1; axis 0 for 1-D arrays).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.hstack([np.array([1, 2]), np.array([3, 4])])
        array([1, 2, 3, 4])
    """
    arrays = at_least_rank(tup, 1)
    return concatenate(arrays, 0 if len(shape_of(arrays[0])) == 1 else 1, dtype)


def vstack(tup, dtype=None):
    """Stack arrays vertically (along axis 0, after making them at least 2-D).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.vstack([np.array([1, 2]), np.array([3, 4])])
        array([[1, 2],
               [3, 4]])
    """
    arrays = at_least_rank(tup, 2)
    return concatenate(arrays, 0, dtype)


def dstack(tup, dtype=None):
    """Stack arrays depth-wise (along axis 2, after making them at least 3-D).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.dstack([np.ones((2, 2)), np.zeros((2, 2))]).shape
        (2, 2, 2)
    """
    arrays = at_least_rank(tup, 3)
    return concatenate(arrays, 2, dtype)


def column_stack(tup):
    """Stack 1-D arrays as columns (2-D arrays are joined along axis 1).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.column_stack([np.array([1, 2]), np.array([3, 4])])
        array([[1, 3],
               [2, 4]])
    """
    arrays = [as_operand(a) for a in tup]
    arrays = [reshape(a, (-1, 1)) if len(shape_of(a)) < 2 else a for a in arrays]
    return concatenate(arrays, 1)


def split(ary, indices_or_sections, axis: int = 0) -> list:
    """Split into equal sections (an int) or at the given indices, like ``numpy.split``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.split(np.arange(6), 3)
        [array([0, 1]), array([2, 3]), array([4, 5])]
        >>> fnp.split(np.arange(6), [1, 4])
        [array([0]), array([1, 2, 3]), array([4, 5])]
    """
    return _split("split", ary, indices_or_sections, axis, even=True)


def array_split(ary, indices_or_sections, axis: int = 0) -> list:
    """Like :func:`split`, but a section count need not divide the axis evenly.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.array_split(np.arange(5), 3)
        [array([0, 1]), array([2, 3]), array([4])]
    """
    return _split("array_split", ary, indices_or_sections, axis, even=False)


def hsplit(ary, indices_or_sections) -> list:
    """Split along axis 1 (axis 0 for a 1-D ``ary``) into equal sections or at indices.


    >>> [p.tolist() for p in hsplit(np.arange(4.0), 2)]
    [[0.0, 1.0], [2.0, 3.0]]
    """
    axis = 0 if len(shape_of(as_operand(ary))) == 1 else 1
    return _split("hsplit", ary, indices_or_sections, axis, even=True)


def vsplit(ary, indices_or_sections) -> list:
    """Split along axis 0 (``ary`` of rank >= 2) into equal sections or at indices.


    >>> [p.shape for p in vsplit(np.zeros((4, 3)), 2)]
    [(2, 3), (2, 3)]
    """
    _at_least_rank("vsplit", ary, 2)
    return _split("vsplit", ary, indices_or_sections, 0, even=True)


def dsplit(ary, indices_or_sections) -> list:
    """Split along axis 2 (``ary`` of rank >= 3) into equal sections or at indices.


    >>> [p.shape for p in dsplit(np.zeros((1, 2, 4)), 2)]
    [(1, 2, 2), (1, 2, 2)]
    """
    _at_least_rank("dsplit", ary, 3)
    return _split("dsplit", ary, indices_or_sections, 2, even=True)


def _at_least_rank(fn: str, ary, rank: int) -> None:
    shape = shape_of(as_operand(ary))
    if len(shape) < rank:
        raise shape_error(f"fnp.{fn}: needs an array of rank >= {rank}, got shape {shape}")


def _split(fn: str, ary, indices_or_sections, axis, even: bool) -> list:
    x = as_operand(ary)
    axis = normalize_axis(fn, axis, len(shape_of(x)))
    n = shape_of(x)[axis]
    if is_scalar(indices_or_sections):
        sections = static_int(fn, "indices_or_sections", indices_or_sections)
        if sections <= 0 or (even and n % sections):
            raise shape_error(f"fnp.{fn}: cannot split an axis of size {n} (array shape "
                               f"{shape_of(x)}) into {sections} equal sections")
        sizes = [n // sections + (i < n % sections) for i in range(sections)]
        bounds = np.concatenate([[0], np.cumsum(sizes)])
    else:
        cuts = static_ints(fn, "indices_or_sections", indices_or_sections, strict=True)
        # Python slicing semantics: negative indices count from the end, then clip.
        bounds = np.clip(np.array([0, *(c + n if c < 0 else c for c in cuts), n]), 0, n)
    return [lax.slice_in_dim(x, int(lo), int(max(lo, hi)), 1, axis)
            for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]
