"""JAX's dimension-number types and index modes: ``GatherScatterMode``,
``GatherDimensionNumbers``, ``ScatterDimensionNumbers``, ``DotDimensionNumbers`` and
``ConvGeneralDilatedDimensionNumbers``.

fungrad's own gather and scatters take a NumPy ``index_spec``; these types exist so that
JAX programs that build XLA-style dimension numbers run (``fungrad.lax.xla_indexing``
translates them), and so that ``mode=GatherScatterMode.CLIP`` is accepted wherever a
``mode`` string is. ``DotDimensionNumbers`` and ``ConvGeneralDilatedDimensionNumbers`` are
type aliases, as in JAX.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

__all__ = [
    "GatherScatterMode",
    "GatherDimensionNumbers",
    "ScatterDimensionNumbers",
    "DotDimensionNumbers",
    "ConvGeneralDilatedDimensionNumbers",
]

from fungrad import dtypes
from fungrad.lax.convolution import ConvDimensionNumbers


class GatherScatterMode(enum.Enum):
    """How gathers and scatters treat out-of-bound indices (JAX's enum and values).

    ``CLIP`` clamps indices into range; ``FILL_OR_DROP`` makes out-of-bound gathers return
    the fill value and skips out-of-bound updates; ``PROMISE_IN_BOUNDS`` promises they are
    in range; ``ONE_HOT`` (a JAX lowering strategy) is accepted by ``from_any`` but no
    fungrad function implements it.

    Example:
        >>> from fungrad import lax
        >>> lax.GatherScatterMode.from_any("clip")
        <GatherScatterMode.CLIP: 1>
    """

    CLIP = 1
    FILL_OR_DROP = 2
    PROMISE_IN_BOUNDS = 3
    ONE_HOT = 4

    @staticmethod
    def from_any(s: str | GatherScatterMode | None) -> GatherScatterMode:
        """The mode for a string, a mode or None (None is ``FILL_OR_DROP``, as in JAX).

        Example:
            >>> from fungrad import lax
            >>> lax.GatherScatterMode.from_any(None)
            <GatherScatterMode.FILL_OR_DROP: 2>
        """
        if isinstance(s, GatherScatterMode):
            return s
        if s is None or s in ("fill", "drop"):
            return GatherScatterMode.FILL_OR_DROP
        table = {"clip": GatherScatterMode.CLIP,
                 "promise_in_bounds": GatherScatterMode.PROMISE_IN_BOUNDS,
                 "one_hot": GatherScatterMode.ONE_HOT}
        if s in table:
            return table[s]
        raise ValueError(f'GatherScatterMode.from_any: unknown gather mode "{s}"; use "clip", '
                         '"fill", "drop", "promise_in_bounds", "one_hot", a '
                         "GatherScatterMode or None.")


def mode_name(fn_name: str, mode):
    """``mode`` as fungrad's mode strings take it: a GatherScatterMode becomes ``"clip"``,
    ``"fill"`` or ``"promise_in_bounds"``; anything else is returned unchanged."""
    if not isinstance(mode, GatherScatterMode):
        return mode
    if mode is GatherScatterMode.ONE_HOT:
        raise NotImplementedError(
            f"{fn_name}: mode=GatherScatterMode.ONE_HOT is not supported (a JAX lowering "
            "strategy, not a bounds rule); use CLIP, FILL_OR_DROP or PROMISE_IN_BOUNDS.")
    return {GatherScatterMode.CLIP: "clip", GatherScatterMode.FILL_OR_DROP: "fill",
            GatherScatterMode.PROMISE_IN_BOUNDS: "promise_in_bounds"}[mode]


def default_fill_value(dtype: np.dtype, fill_value=None):
    """``fill_value``, or JAX's default for out-of-bound gathers of ``dtype``: NaN for
    inexact dtypes, True for bool, the most negative signed and the largest unsigned int."""
    if fill_value is not None:
        return fill_value
    if dtypes.is_inexact(dtype):
        return np.nan
    if dtype.kind == "b":
        return True
    return np.iinfo(dtype).min if dtype.kind == "i" else np.iinfo(dtype).max


class GatherDimensionNumbers(NamedTuple):
    """XLA's description of a gather (JAX's fields and defaults).

    ``offset_dims``: the output axes that come from the operand's slice;
    ``collapsed_slice_dims``: operand axes of slice size 1 that are dropped;
    ``start_index_map``: the operand axis each column of the index array indexes;
    ``operand_batching_dims``/``start_indices_batching_dims``: paired batch axes.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> dn = lax.GatherDimensionNumbers(offset_dims=(1,), collapsed_slice_dims=(0,),
        ...                                 start_index_map=(0,))
        >>> lax.gather(np.arange(6.0).reshape(3, 2), np.array([[2], [0]]), dn, (1, 2))
        array([[4., 5.],
               [0., 1.]])
    """

    offset_dims: tuple[int, ...]
    collapsed_slice_dims: tuple[int, ...]
    start_index_map: tuple[int, ...]
    operand_batching_dims: tuple[int, ...] = ()
    start_indices_batching_dims: tuple[int, ...] = ()


class ScatterDimensionNumbers(NamedTuple):
    """XLA's description of a scatter (JAX's fields and defaults).

    ``update_window_dims``: the axes of ``updates`` that are window (operand) axes;
    ``inserted_window_dims``: operand axes of window size 1 absent from ``updates``;
    ``scatter_dims_to_operand_dims``: the operand axis each index column indexes;
    ``operand_batching_dims``/``scatter_indices_batching_dims``: paired batch axes.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> dn = lax.ScatterDimensionNumbers(update_window_dims=(), inserted_window_dims=(0,),
        ...                                  scatter_dims_to_operand_dims=(0,))
        >>> lax.scatter_add(np.zeros(3), np.array([[2], [2]]), np.ones(2), dn)
        array([0., 0., 2.])
    """

    update_window_dims: Sequence[int]
    inserted_window_dims: Sequence[int]
    scatter_dims_to_operand_dims: Sequence[int]
    operand_batching_dims: Sequence[int] = ()
    scatter_indices_batching_dims: Sequence[int] = ()


# ((lhs_contracting, rhs_contracting), (lhs_batch, rhs_batch)), as dot_general takes it
DotDimensionNumbers = tuple[tuple[Sequence[int], Sequence[int]],
                            tuple[Sequence[int], Sequence[int]]]
# what conv_general_dilated's dimension_numbers= takes
ConvGeneralDilatedDimensionNumbers = tuple[str, str, str] | ConvDimensionNumbers | None
