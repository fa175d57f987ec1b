"""JAX's out-of-bound index modes for ``x.at[idx]``: ``mode="clip"``, ``"fill"``/``"drop"``.

fungrad's default indexing is NumPy's: an out-of-range index raises IndexError (README,
"Where fungrad differs"). The modes are explicit opt-ins, with JAX's meanings:

* ``"clip"`` clamps every integer index into its axis, after negative ones count from the
  end (``-12`` on an axis of 10 reads element 0, ``11`` reads element 9).
* ``"fill"`` and ``"drop"`` are one mode, as JAX's ``GatherScatterMode.FILL_OR_DROP``: a
  get returns ``fill_value`` where an index is out of range, an update skips it.

Both are compositions of differentiable primitives, so every transform applies to them.
Fill/drop pads each integer-indexed axis with one slot past its end and sends every
out-of-range index there: a get reads ``fill_value`` from the slot; an update writes into
it, and the slot is sliced off afterwards. No index layout (where NumPy puts advanced
dimensions) has to be worked out, because the index expression itself is unchanged.
"""

from __future__ import annotations

import numpy as np

from fungrad import lax
from fungrad.core import get_aval

__all__ = ["MODES", "check_mode", "clip_indices", "redirect_out_of_range", "pad_axes",
           "unpad_axes"]

MODES = (None, "promise_in_bounds", "clip", "fill", "drop")


def check_mode(fn_name: str, mode) -> None:
    """Raise ValueError unless ``mode`` is one of :data:`MODES`."""
    if mode not in MODES:
        raise ValueError(f"{fn_name}: mode={mode!r} is not supported; use None or "
                         "'promise_in_bounds' (indices must be in bounds, as in NumPy), "
                         "'clip' (clamp them into range) or 'fill'/'drop' (out-of-range "
                         "gets return fill_value, out-of-range updates are skipped).")


def _integer_entries(spec: tuple, ndim: int) -> list[tuple[int, int]]:
    """(position in ``spec``, array axis) of each ``("int", i)`` and ``("array", k)`` entry."""
    consumed = sum(entry[0] in ("int", "array", "slice") for entry in spec)
    found, axis = [], 0
    for pos, entry in enumerate(spec):
        if entry[0] == "ellipsis":
            axis += ndim - consumed
        elif entry[0] in ("int", "array"):
            found.append((pos, axis))
            axis += 1
        elif entry[0] == "slice":
            axis += 1
    return found


def clip_indices(spec: tuple, indices: list, shape: tuple) -> tuple[tuple, list]:
    """``(spec, indices)`` with every integer index clamped into its axis of ``shape``."""
    from fungrad.numpy import math as fm  # noqa: PLC0415 (math -> searching -> indexing)
    from fungrad.numpy.rounding import clip  # noqa: PLC0415 (same cycle)

    spec, indices = list(spec), list(indices)
    for pos, axis in _integer_entries(spec, len(shape)):
        n = shape[axis]
        if n == 0:
            continue  # nothing to clamp into: the gather/scatter reports the empty axis
        kind, value = spec[pos]
        if kind == "int":
            spec[pos] = ("int", min(max(value + n if value < 0 else value, 0), n - 1))
        else:
            i = indices[value]
            indices[value] = clip(fm.where(fm.less(i, 0), fm.add(i, n), i), 0, n - 1)
    return tuple(spec), indices


def redirect_out_of_range(spec: tuple, indices: list, shape: tuple) -> tuple[tuple, list, tuple]:
    """``(spec, indices, axes)``: negative indices counted from the end, out-of-range ones
    sent to the slot past the end of their axis (index ``n``), and the axes that need it."""
    from fungrad.numpy import math as fm  # noqa: PLC0415 (math -> searching -> indexing)

    spec, indices, axes = list(spec), list(indices), set()
    for pos, axis in _integer_entries(spec, len(shape)):
        n = shape[axis]
        axes.add(axis)
        kind, value = spec[pos]
        if kind == "int":
            spec[pos] = ("int", value % n if -n <= value < n else n)
        else:
            i = indices[value]
            valid = fm.logical_and(fm.greater_equal(i, -n), fm.less(i, n))
            wrapped = fm.where(fm.less(i, 0), fm.add(i, n), i)
            indices[value] = fm.where(valid, wrapped, n).astype(get_aval(i).dtype)
    return tuple(spec), indices, tuple(sorted(axes))


def pad_axes(x, axes: tuple, value):
    """``x`` with one more element, ``value``, at the end of each of ``axes``."""
    ndim = len(get_aval(x).shape)
    return lax.pad(x, np.asarray(value, get_aval(x).dtype),
                   [(0, 1 if d in axes else 0, 0) for d in range(ndim)])


def unpad_axes(x, shape: tuple):
    """The leading ``shape`` block of a padded ``x`` (drops the slots :func:`pad_axes` added)."""
    if tuple(get_aval(x).shape) == tuple(shape):
        return x
    return lax.slice(x, (0,) * len(shape), tuple(shape))
