"""``lax.gather`` and the scatters with JAX's XLA-style dimension numbers, translated to
fungrad's NumPy ``index_spec`` primitives.

A gather or scatter is translatable when it is *pure indexing*: every operand axis that an
index column (or a batching pair) refers to has slice (window) size 1 and is collapsed
(inserted), and every other operand axis is taken whole. That covers what ``x[idx]``,
``x.at[idx].op``, ``jnp.take`` and ``jnp.take_along_axis`` produce in JAX. The operand is
transposed so the indexed axes come first, indexed by one integer array per column
(batching pairs index by an iota over the paired batch axis), and the result is transposed
into XLA's layout (``offset_dims``/``update_window_dims``). Modes follow XLA: ``CLIP``
clamps; gathers ``FILL_OR_DROP`` (JAX's default) return ``fill_value`` out of bounds and
``PROMISE_IN_BOUNDS`` clamps; scatters skip out-of-bound updates under both (a padding
slot receives them). Any other combination raises NotImplementedError naming it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["gather", "scatter", "scatter_add", "scatter_mul", "scatter_min", "scatter_max",
           "scatter_sub", "scatter_apply"]

from fungrad.core import get_aval, shape_of
from fungrad.errors import ShapeError
from fungrad.lax import gather_scatter as gs
from fungrad.lax import scatter_composed as sc
from fungrad.lax.comparison import convert_element_type, ge, lt, select_n
from fungrad.lax.creation import broadcasted_iota, full
from fungrad.lax.derived_ops import clamp
from fungrad.lax.dimension_numbers import (
    GatherDimensionNumbers,
    GatherScatterMode,
    ScatterDimensionNumbers,
    default_fill_value,
)
from fungrad.lax.elementwise import bitwise_and
from fungrad.lax.shape_ops import broadcast_in_dim, concatenate, reshape, slice_in_dim, transpose

# ---------------------------------------------------------------------------------------
# The translation


def _permute(x, perm):
    return x if tuple(perm) == tuple(range(len(perm))) else transpose(x, tuple(perm))


def _columns(fn, shape, idx, index_map, op_batch, idx_batch, mode, drop_invalid):
    """``(indexed operand axes, one index array per axis, mask of in-bound entries|None)``."""
    ishape = shape_of(idx)
    if not ishape or ishape[-1] != len(index_map):
        raise ShapeError(f"lax.{fn}: indices of shape {ishape} need a last axis of length "
                         f"{len(index_map)} (one column per entry of the index map "
                         f"{tuple(index_map)}); XLA's index_vector_dim is the last axis.")
    if len(op_batch) != len(idx_batch):
        raise ShapeError(f"lax.{fn}: operand batching dims {tuple(op_batch)} and index batching "
                         f"dims {tuple(idx_batch)} must pair up (equal lengths).")
    batch = ishape[:-1]
    axes = (*index_map, *op_batch)
    if len(set(axes)) != len(axes) or any(not 0 <= a < len(shape) for a in axes):
        raise ShapeError(f"lax.{fn}: the index map {tuple(index_map)} and operand batching dims "
                         f"{tuple(op_batch)} must be distinct axes of the operand {shape}.")
    if not axes:
        raise NotImplementedError(f"lax.{fn}: dimension numbers that index no operand axis "
                                  "(a broadcast of the whole operand) are not translated.")
    cols, valid = [], None
    itype = get_aval(idx).dtype
    for k, axis in enumerate(index_map):
        col = reshape(slice_in_dim(idx, k, k + 1, axis=len(batch)), batch)
        n = shape[axis]
        if drop_invalid:
            inside = bitwise_and(ge(col, itype.type(0)), lt(col, itype.type(n)))
            valid = inside if valid is None else bitwise_and(valid, inside)
        cols.append(clamp(itype.type(0), col, itype.type(n - 1)))
    for sb in idx_batch:
        if not 0 <= sb < len(batch):
            raise ShapeError(f"lax.{fn}: index batching dim {sb} is not a batch axis of "
                             f"indices of shape {ishape}.")
        cols.append(broadcasted_iota(np.int64, batch, sb))
    return axes, cols, valid


def _rest(shape, axes):
    return tuple(d for d in range(len(shape)) if d not in axes)


def _xla_gather(operand, idx, dn: GatherDimensionNumbers, slice_sizes, mode, fill_value):
    shape = shape_of(operand)
    mode = GatherScatterMode.from_any(mode)
    if mode is GatherScatterMode.ONE_HOT or slice_sizes is None or len(slice_sizes) != len(
            shape):
        raise NotImplementedError(
            f"lax.gather: mode={mode} with slice_sizes={slice_sizes} is not translated; pass "
            f"one slice size per operand axis ({len(shape)}) and a mode other than ONE_HOT.")
    fill = mode is GatherScatterMode.FILL_OR_DROP
    axes, cols, valid = _columns("gather", shape, idx, dn.start_index_map,
                                 dn.operand_batching_dims, dn.start_indices_batching_dims, mode,
                                 fill)
    rest = _rest(shape, axes)
    collapsed = set(dn.collapsed_slice_dims) | set(dn.operand_batching_dims)
    if (collapsed != set(axes) or any(slice_sizes[a] != 1 for a in axes)
            or any(slice_sizes[d] != shape[d] for d in rest)
            or len(dn.offset_dims) != len(rest)):
        raise NotImplementedError(
            f"lax.gather: {dn} with slice_sizes={tuple(slice_sizes)} on an operand of shape "
            f"{shape} is not pure indexing (each indexed axis collapsed with slice size 1, "
            "every other axis sliced whole), so fungrad cannot translate it; index with "
            "x[...] or lax.dynamic_slice instead.")
    moved = _permute(operand, (*axes, *rest))
    out = gs.gather(moved, cols, tuple(("array", k) for k in range(len(cols))))
    nb = len(shape_of(cols[0]))
    if valid is not None:
        oshape = shape_of(out)
        mask = broadcast_in_dim(valid, oshape, tuple(range(nb)))
        dtype = get_aval(out).dtype
        out = select_n(mask, full(oshape, default_fill_value(dtype, fill_value), dtype), out)
    offsets = sorted(dn.offset_dims)
    batch_axes = iter(range(nb))
    perm = [nb + offsets.index(j) if j in offsets else next(batch_axes)
            for j in range(nb + len(rest))]
    return _permute(out, perm)


def _xla_scatter(name, operand, idx, dn: ScatterDimensionNumbers, mode):
    """The operand moved (and padded) for the index columns, the columns, and the layout."""
    shape = shape_of(operand)
    mode = GatherScatterMode.from_any(mode)
    if mode is GatherScatterMode.ONE_HOT:
        raise NotImplementedError(f"lax.{name}: mode=GatherScatterMode.ONE_HOT is not "
                                  "supported; use CLIP, FILL_OR_DROP or PROMISE_IN_BOUNDS.")
    drop = mode is not GatherScatterMode.CLIP  # XLA skips out-of-bound updates
    axes, cols, valid = _columns(name, shape, idx, dn.scatter_dims_to_operand_dims,
                                 dn.operand_batching_dims, dn.scatter_indices_batching_dims,
                                 mode, drop)
    rest = _rest(shape, axes)
    inserted = set(dn.inserted_window_dims) | set(dn.operand_batching_dims)
    window = tuple(dn.update_window_dims)
    if inserted != set(axes) or len(window) != len(rest):
        raise NotImplementedError(
            f"lax.{name}: {dn} on an operand of shape {shape} is not pure indexing (each "
            "indexed axis an inserted window dim, every other axis a whole window), so "
            "fungrad cannot translate it; use x.at[...] instead.")
    nb = len(shape_of(cols[0]))
    moved = _permute(operand, (*axes, *rest))
    if drop:  # send out-of-bound entries to one padding slot past the end of axis 0
        n0 = shape[axes[0]]
        pad_shape = (1, *shape_of(moved)[1:])
        moved = concatenate([moved, full(pad_shape, 0, get_aval(moved).dtype)], 0)
        itype = get_aval(cols[0]).dtype
        cols[0] = select_n(valid, full(shape_of(cols[0]), n0, itype), cols[0])
    return moved, cols, nb, rest, window, (drop, axes, rest, shape)


def _unmove(out, layout):
    drop, axes, rest, shape = layout
    if drop:
        out = slice_in_dim(out, 0, shape[axes[0]], axis=0)
    order = (*axes, *rest)
    return _permute(out, tuple(int(i) for i in np.argsort(order)))


def _scatter_with(name: str, fungrad_fn: Callable, operand, idx, updates, dn, mode):
    moved, cols, nb, rest, window, layout = _xla_scatter(name, operand, idx, dn, mode)
    ushape = shape_of(updates)
    if len(ushape) != nb + len(rest):
        raise ShapeError(f"lax.{name}: updates of shape {ushape} need rank {nb + len(rest)} "
                         f"(the indices' batch rank {nb} plus {len(rest)} window dims).")
    others = [j for j in range(len(ushape)) if j not in window]
    upd = _permute(updates, (*others, *window))
    want = (*shape_of(cols[0]), *(shape_of(moved)[len(cols):]))
    if shape_of(upd) != want:
        raise NotImplementedError(
            f"lax.{name}: updates of shape {ushape} with {dn} do not cover whole windows of "
            f"the operand (need {want} after moving window dims last); partial windows are "
            "not translated. Use x.at[...] instead.")
    out = fungrad_fn(moved, upd, cols, tuple(("array", k) for k in range(len(cols))))
    return _unmove(out, layout)


def _spec_mode(fn: str, mode) -> None:
    if mode is not None and GatherScatterMode.from_any(mode) is not (
            GatherScatterMode.PROMISE_IN_BOUNDS):
        raise NotImplementedError(
            f"lax.{fn}: mode={mode!r} with an index_spec is not supported (fungrad's "
            "index_spec form needs in-bound indices); use x.at[...] with mode=, or JAX's "
            "dimension-numbers form.")


# ---------------------------------------------------------------------------------------
# The public functions: fungrad's index_spec form, or JAX's dimension-numbers form


def gather(operand, indices, index_spec, slice_sizes=None, *, unique_indices: bool = False,
           indices_are_sorted: bool = False, mode=None, fill_value=None):
    """``operand[index]``, in fungrad's ``index_spec`` form or JAX's dimension-numbers form.

    fungrad's form: ``gather(operand, indices, index_spec)`` with ``indices`` the list of
    integer arrays that ``("array", k)`` entries of ``index_spec`` refer to (see
    ``fungrad.lax.index_spec``). JAX's form: ``gather(operand, start_indices,
    GatherDimensionNumbers(...), slice_sizes, mode=..., fill_value=...)``, translated when it
    is pure indexing (module docstring). ``unique_indices``/``indices_are_sorted`` are
    accepted and ignored.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.gather(np.arange(6.0).reshape(2, 3), [np.array([2, 0])],
        ...            (("slice", None, None, -1), ("array", 0)))
        array([[5., 3.],
               [2., 0.]])
    """
    if isinstance(index_spec, GatherDimensionNumbers):
        return _xla_gather(operand, indices, index_spec, slice_sizes, mode, fill_value)
    _spec_mode("gather", mode)
    if slice_sizes is not None or fill_value is not None:
        raise TypeError("lax.gather: slice_sizes and fill_value go with a "
                        "GatherDimensionNumbers, not with an index_spec.")
    return gs.gather(operand, indices, index_spec)


def _scatter_function(name: str, fungrad_fn: Callable, example: str):
    def fn(operand, updates, indices, index_spec, *, indices_are_sorted: bool = False,
           unique_indices: bool = False, mode=None):
        if isinstance(index_spec, ScatterDimensionNumbers):  # JAX's order of the arrays
            return _scatter_with(name, fungrad_fn, operand, updates, indices, index_spec, mode)
        _spec_mode(name, mode)
        return fungrad_fn(operand, updates, indices, index_spec)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (
        f"``lax.{name}`` in fungrad's or JAX's form (see :func:`fungrad.lax.{name}`'s rules "
        "in ``fungrad.lax.gather_scatter``).\n\n"
        f"fungrad's form: ``{name}(operand, updates, indices, index_spec)``. JAX's form: "
        f"``{name}(operand, scatter_indices, updates, ScatterDimensionNumbers(...), "
        "mode=...)``, translated when it is pure indexing (``fungrad.lax.xla_indexing``).\n"
        "``indices_are_sorted``/``unique_indices`` are accepted and ignored.\n\n"
        "Example:\n"
        "    >>> import numpy as np\n"
        "    >>> from fungrad import lax\n"
        "    >>> dn = lax.ScatterDimensionNumbers((), (0,), (0,))\n"
        f"{example}")
    return fn


scatter = _scatter_function("scatter", gs.scatter, (
    "    >>> lax.scatter(np.zeros(3), np.array([[2], [0]]), np.array([5.0, 7.0]), dn)\n"
    "    array([7., 0., 5.])\n"))
scatter_add = _scatter_function("scatter_add", gs.scatter_add, (
    "    >>> lax.scatter_add(np.zeros(3), np.array([[2], [2]]), np.ones(2), dn)\n"
    "    array([0., 0., 2.])\n"))
scatter_mul = _scatter_function("scatter_mul", gs.scatter_mul, (
    "    >>> lax.scatter_mul(np.ones(3), np.array([[1], [1]]), np.array([2.0, 3.0]), dn)\n"
    "    array([1., 6., 1.])\n"))
scatter_min = _scatter_function("scatter_min", gs.scatter_min, (
    "    >>> lax.scatter_min(np.zeros(3), np.array([[1], [0]]), np.array([-1.0, 2.0]), dn)\n"
    "    array([ 0., -1.,  0.])\n"))
scatter_max = _scatter_function("scatter_max", gs.scatter_max, (
    "    >>> lax.scatter_max(np.zeros(3), np.array([[1], [0]]), np.array([-1.0, 2.0]), dn)\n"
    "    array([2., 0., 0.])\n"))
scatter_sub = _scatter_function("scatter_sub", sc.scatter_sub, (
    "    >>> lax.scatter_sub(np.zeros(3), np.array([[2], [2]]), np.ones(2), dn)\n"
    "    array([ 0.,  0., -2.])\n"))


def scatter_apply(operand, indices, func: Callable, index_spec, *, update_shape=(),
                  indices_are_sorted: bool = False, unique_indices: bool = False, mode=None):
    """``out[index] = func(out[index])`` once per occurrence, in fungrad's or JAX's form.

    fungrad's form: ``scatter_apply(operand, indices, func, index_spec)`` (see
    ``fungrad.lax.scatter_composed``). JAX's form: ``scatter_apply(operand,
    scatter_indices, func, ScatterDimensionNumbers(...), update_shape=..., mode=...)``;
    out-of-bound entries are skipped unless ``mode`` is CLIP.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> dn = lax.ScatterDimensionNumbers((), (0,), (0,))
        >>> lax.scatter_apply(np.zeros(3), np.array([[0], [0], [2]]), lambda v: v + 1.0, dn,
        ...                   update_shape=(3,))
        array([2., 0., 1.])
    """
    if not isinstance(index_spec, ScatterDimensionNumbers):
        return sc.scatter_apply(operand, indices, func, index_spec, update_shape=update_shape,
                                mode=mode)
    aval = get_aval(operand)
    where = np.arange(aval.size).reshape(aval.shape)
    moved, cols, nb, rest, window, (drop, axes, _, shape) = _xla_scatter(
        "scatter_apply", where, indices, index_spec, mode)
    if drop:  # the padding slot's positions mean "skip"
        pad = slice_in_dim(moved, shape[axes[0]], shape[axes[0]] + 1, axis=0)
        moved = concatenate([slice_in_dim(moved, 0, shape[axes[0]], axis=0),
                             full(shape_of(pad), aval.size, get_aval(moved).dtype)], 0)
    positions = gs.gather(moved, cols, tuple(("array", k) for k in range(len(cols))))
    expect = (*shape_of(cols[0]), *(shape[d] for d in rest))
    if tuple(update_shape) not in ((), tuple(expect[j] for j in _xla_order(nb, window))):
        raise ShapeError(f"lax.scatter_apply: update_shape={tuple(update_shape)} does not match "
                         f"the indexed shape {expect} (window dims at {window}).")
    flat = sc.apply_at_positions(reshape(operand, (aval.size,)),
                                 convert_element_type(positions, np.int64), func)
    return reshape(flat, aval.shape)


def _xla_order(nb: int, window):
    """Positions in ``(*batch, *window)`` of each axis of XLA's updates layout."""
    rank = nb + len(window)
    batch_axes = iter(range(nb))
    win = sorted(window)
    return [nb + win.index(j) if j in win else next(batch_axes) for j in range(rank)]
