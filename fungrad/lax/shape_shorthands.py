"""lax's shape conveniences over reshape: broadcast_shapes, broadcast_to_rank, collapse.

No primitives of their own: derivatives, batching and lowering are reshape's.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["broadcast_shapes", "broadcast_to_rank", "collapse"]

from fungrad.core import shape_of
from fungrad.errors import ShapeError
from fungrad.lax.shape_ops import reshape


def broadcast_shapes(*shapes) -> tuple[int, ...]:
    """The shape NumPy's broadcasting gives operands of ``shapes`` (a ShapeError if none).

    Example:
        >>> from fungrad import lax
        >>> lax.broadcast_shapes((2, 1), (3,))
        (2, 3)
    """
    shapes = [tuple(int(d) for d in s) for s in shapes]
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        raise ShapeError(f"lax.broadcast_shapes: the shapes {shapes} do not broadcast (each "
                         "axis, aligned from the right, must be equal or 1)") from None


def broadcast_to_rank(x, rank: int):
    """``x`` with leading axes of size 1 added up to ``rank`` (unchanged if already there).

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.broadcast_to_rank(np.ones(3), 3).shape
        (1, 1, 3)
    """
    shape = tuple(shape_of(x))
    if len(shape) >= rank:
        return x
    return reshape(x, (1,) * (rank - len(shape)) + shape)


def collapse(operand, start_dimension: int, stop_dimension: int | None = None):
    """Merge the axes ``start_dimension`` up to (not including) ``stop_dimension`` into one.

    Negative dimensions count from the end; ``stop_dimension=None`` means through the last.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.collapse(np.ones((2, 3, 4)), 1).shape
        (2, 12)
    """
    shape = tuple(shape_of(operand))
    rank = len(shape)
    stop = rank if stop_dimension is None else stop_dimension
    start, stop = (d + rank if d < 0 else d for d in (start_dimension, stop))
    if not 0 <= start <= stop <= rank:
        raise ShapeError(f"lax.collapse: start_dimension={start_dimension} and stop_dimension="
                         f"{stop_dimension} must satisfy 0 <= start <= stop <= {rank} for an "
                         f"operand of shape {shape}")
    return reshape(operand, shape[:start] + (math.prod(shape[start:stop]),) + shape[stop:])
