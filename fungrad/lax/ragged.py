"""Ragged (grouped) matrix products: ``ragged_dot`` and ``ragged_dot_general``.

``ragged_dot(lhs [m, k], rhs [g, k, n], group_sizes [g])`` multiplies the rows of group
``j`` (rows ``sum(group_sizes[:j])`` up to ``sum(group_sizes[:j + 1])``) with ``rhs[j]``;
rows past ``sum(group_sizes)`` give zeros, and groups reaching past ``m`` are cut at ``m``.

How. Both ways below are compositions of existing differentiable, batchable primitives,
so JVP, VJP (w.r.t. lhs and rhs), ``vmap`` and ``jit`` come for free and are exact;
``group_sizes`` carries no derivative (it is integer).

* ``group_sizes`` traced (an argument under ``jit``, or batched by ``vmap``): the groups
  cannot be static slices. A 0/1 mask ``[m, g]`` says which group each row is in (starts
  and ends from a cumulative sum); the lhs spread over the groups by the mask is contracted
  with ``rhs`` over the group and k axes in one ``dot_general``. This costs ``g`` times the
  dense FLOPs: 20-25 ms for m=2048, k=n=128, g=8 against 1.9-2.1 ms for one dense matmul
  (single-threaded BLAS, medians of 15 interleaved runs, load 2.9).
* ``group_sizes`` known and non-negative (the ragged-row mode only): one ``dot_general``
  per non-empty group on static slices, joined by ``concatenate``: 2.5-2.9 ms there.
  Negative sizes take the mask, whose overlapping intervals are what JAX computes.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["RaggedDotDimensionNumbers", "ragged_dot", "ragged_dot_general"]

from fungrad import core
from fungrad.lax.comparison import convert_element_type, ge, lt
from fungrad.lax.creation import broadcasted_iota
from fungrad.lax.cumulative import cumsum
from fungrad.lax.dot import dot_general
from fungrad.lax.elementwise import bitwise_and, mul, sub
from fungrad.lax.shape_ops import broadcast_in_dim, concatenate, pad, slice_in_dim, transpose
from fungrad.lax.slicing_in_dim import index_in_dim


class RaggedDotDimensionNumbers(NamedTuple):
    """The dimension numbers of :func:`ragged_dot_general`, as in JAX.

    ``dot_dimension_numbers`` is ``((lhs_contracting, rhs_contracting), (lhs_batch,
    rhs_batch))`` as for ``dot_general``; ``lhs_ragged_dimensions`` holds the one lhs axis
    that ``group_sizes`` splits; ``rhs_group_dimensions`` holds rhs's group axis (empty when
    the ragged axis is a contracting or a batch axis).

    Example:
        >>> RaggedDotDimensionNumbers((((1,), (1,)), ((), ())), (0,), (0,)).rhs_group_dimensions
        (0,)
    """

    dot_dimension_numbers: tuple
    lhs_ragged_dimensions: tuple
    rhs_group_dimensions: tuple


# ragged_dot's own dimension numbers: lhs [m, k], rhs [g, k, n].
_RAGGED_DOT = RaggedDotDimensionNumbers((((1,), (1,)), ((), ())), (0,), (0,))


def ragged_dot(lhs, rhs, group_sizes, precision=None, preferred_element_type=None,
               group_offset=None, out_sharding=None):
    """Grouped matmul: row block ``j`` of ``lhs`` times ``rhs[j]``.

    Args:
        lhs: ``(m, k)``.
        rhs: ``(g, k, n)``.
        group_sizes: ``(g,)`` integers, the number of consecutive rows in each group.
        precision: ignored (see ``lax.Precision``).
        preferred_element_type: dtype of the result (the operands are cast to it).
        group_offset: not supported (JAX's CPU backend rejects it too).
        out_sharding: must be None (fungrad has no sharding).

    Returns:
        ``(m, n)``; rows past ``sum(group_sizes)`` are zero.

    Example:
        >>> import numpy as np
        >>> lhs, rhs = np.ones((4, 2)), np.stack([np.eye(2), 2 * np.eye(2)])
        >>> ragged_dot(lhs, rhs, np.array([1, 2]))
        array([[1., 1.],
               [2., 2.],
               [2., 2.],
               [0., 0.]])
    """
    for name, shape, rank in (("lhs", core.shape_of(lhs), 2), ("rhs", core.shape_of(rhs), 3),
                              ("group_sizes", core.shape_of(group_sizes), 1)):
        if len(shape) != rank:
            raise ValueError(f"ragged_dot: {name} must have rank {rank} (lhs (m, k), rhs "
                             f"(g, k, n), group_sizes (g,)), got shape {shape}")
    return ragged_dot_general(lhs, rhs, group_sizes, _RAGGED_DOT, precision,
                              preferred_element_type, group_offset, out_sharding)


def ragged_dot_general(  # noqa: PLR0917 (JAX's signature)
        lhs, rhs, group_sizes, ragged_dot_dimension_numbers: RaggedDotDimensionNumbers,
        precision=None, preferred_element_type=None, group_offset=None, out_sharding=None):
    """Ragged ``dot_general``: one lhs axis is split into groups of ``group_sizes``.

    Three modes, by the kind of the ragged lhs axis (as in JAX):

    1. a non-contracting axis ``m``, with a group axis in rhs: each group's rows use their
       own rhs slice; result shaped as ``dot_general`` without rhs's group axis.
    2. a contracting axis ``k``, no rhs group axis: one product per group, over that
       group's part of ``k``; result ``(g, *dot_general's shape)``.
    3. a batch axis, no rhs group axis: the plain ``dot_general`` (as JAX computes it).

    ``group_sizes`` is ``(g,)``, or ``(*lhs batch sizes, *outer sizes, g)`` where the outer
    axes are the lhs axes of the ragged axis's kind before it (mode 1 and 2).

    Args:
        lhs, rhs: the operands.
        group_sizes: integer group sizes.
        ragged_dot_dimension_numbers: a :class:`RaggedDotDimensionNumbers`.
        precision: ignored; preferred_element_type: dtype of the result.
        group_offset: not supported; out_sharding: must be None.

    Example:
        >>> import numpy as np
        >>> dn = RaggedDotDimensionNumbers((((1,), (0,)), ((), ())), (1,), ())
        >>> ragged_dot_general(np.ones((2, 3)), np.ones((3, 4)), np.array([1, 2]), dn).shape
        (2, 2, 4)
    """
    del precision
    fn = "ragged_dot_general"
    if group_offset is not None:
        raise NotImplementedError(f"{fn}: group_offset is not supported (JAX implements it "
                                  "only on TPU); slice lhs and group_sizes instead")
    if out_sharding is not None:
        raise NotImplementedError(f"{fn}: out_sharding is not supported (fungrad has no "
                                  "sharding); pass None")
    gs_dtype = core.get_aval(group_sizes).dtype
    if np.dtype(gs_dtype).kind not in "iu":
        raise TypeError(f"{fn}: group_sizes must have an integer dtype, got {gs_dtype}; "
                        "cast it with .astype(np.int32)")
    lhs, rhs = _common_dtype(lhs, rhs, preferred_element_type)
    dn = RaggedDotDimensionNumbers(*ragged_dot_dimension_numbers)
    (lc, rc), (lb, rb) = ((tuple(a) for a in pair) for pair in dn.dot_dimension_numbers)
    ragged, groups = tuple(dn.lhs_ragged_dimensions), tuple(dn.rhs_group_dimensions)
    if len(ragged) != 1 or len(groups) > 1:
        raise NotImplementedError(f"{fn}: lhs_ragged_dimensions {ragged} and "
                                  f"rhs_group_dimensions {groups}: exactly one ragged lhs "
                                  "axis and at most one rhs group axis are supported")
    (r,) = ragged
    dims = (((lc, rc), (lb, rb)))
    if r in lb:
        if groups:
            raise ValueError(f"{fn}: a ragged batch axis takes no rhs_group_dimensions, "
                             f"got {groups}")
        return dot_general(lhs, rhs, dims)
    contracting = r in lc
    if contracting == bool(groups):
        raise ValueError(f"{fn}: lhs axis {r} is {'contracting' if contracting else 'free'}, "
                         f"so rhs_group_dimensions must be {'empty' if contracting else 'one axis'}"
                         f", got {groups}")
    sizes = core.concrete_or_none(group_sizes)
    if not contracting and sizes is not None and np.ndim(sizes) == 1 and np.all(
            np.asarray(sizes) >= 0) and np.sum(sizes) > 0:
        return _rows_by_slices(lhs, rhs, np.asarray(sizes), r, groups[0], dims)
    spread = _spread_over_groups(fn, lhs, group_sizes, r, lb, lc, contracting)  # lhs + (g,)
    g_axis = len(core.shape_of(lhs))
    if not contracting:
        return dot_general(spread, rhs, (((*lc, g_axis), (*rc, groups[0])), (lb, rb)))
    out = dot_general(spread, rhs, dims)  # (batch, lhs free, g, rhs free)
    at = len(lb) + len(core.shape_of(lhs)) - len(lb) - len(lc)
    order = (at, *(i for i in range(len(core.shape_of(out))) if i != at))
    return transpose(out, order)


def _common_dtype(lhs, rhs, preferred_element_type):
    """Cast both operands to ``preferred_element_type`` or to their promoted dtype."""
    a, b = core.get_aval(lhs).dtype, core.get_aval(rhs).dtype
    dtype = np.dtype(preferred_element_type) if preferred_element_type is not None else (
        a if a == b else np.result_type(a, b))
    return (lhs if a == dtype else convert_element_type(lhs, dtype),
            rhs if b == dtype else convert_element_type(rhs, dtype))


def _rows_by_slices(lhs, rhs, sizes, r: int, group: int, dims):
    """Mode 1 with known, non-negative sizes: one ``dot_general`` per non-empty group.

    Each row meets only its own group's rhs (the dense FLOPs, not ``g`` times them); rows
    past the last group are padded with zeros.
    """
    (lc, rc), (lb, rb) = dims
    shift = lambda axes: tuple(a - (a > group) for a in axes)  # rhs without its group axis
    inner = ((lc, shift(rc)), (lb, shift(rb)))
    shape = core.shape_of(lhs)
    ends = np.minimum(np.cumsum(sizes), shape[r])
    starts = np.concatenate([[0], ends[:-1]])
    pieces = [dot_general(slice_in_dim(lhs, int(lo), int(hi), axis=r),
                          index_in_dim(rhs, j, axis=group, keepdims=False), inner)
              for j, (lo, hi) in enumerate(zip(starts, ends)) if hi > lo]
    at = len(lb) + sum(1 for a in range(r) if a not in lb + lc)  # r's axis in the result
    out = concatenate(pieces, at) if len(pieces) > 1 else pieces[0]
    tail = shape[r] - int(ends[-1])
    if tail == 0:
        return out
    config = [(0, tail if a == at else 0, 0) for a in range(len(core.shape_of(out)))]
    return pad(out, np.zeros((), core.get_aval(out).dtype), config)


def _spread_over_groups(fn, lhs, group_sizes, r, lb, lc, contracting):
    """``lhs`` times the group mask: ``lhs[..., j]`` keeps group ``j``'s part of axis ``r``."""
    shape, gs_shape = core.shape_of(lhs), core.shape_of(group_sizes)
    kind = lc if contracting else [a for a in range(len(shape)) if a not in lb + lc]
    outer = (*lb, *(a for a in kind if a < r))
    if len(gs_shape) == 0 or len(gs_shape) - 1 not in (0, len(outer)) or \
            tuple(shape[a] for a in outer[:len(gs_shape) - 1]) != gs_shape[:-1]:
        raise NotImplementedError(
            f"{fn}: group_sizes of shape {gs_shape} for lhs of shape {shape} (ragged axis "
            f"{r}): pass shape (g,) or (*sizes of lhs axes {outer}, g)")
    lead = gs_shape[:-1]
    ends = cumsum(group_sizes, axis=len(gs_shape) - 1)
    starts = sub(ends, group_sizes)
    mask_shape = (*lead, shape[r], gs_shape[-1])
    row = broadcasted_iota(core.get_aval(group_sizes).dtype, mask_shape, len(lead))
    spread = tuple(range(len(lead))) + (len(lead) + 1,)
    inside = bitwise_and(ge(row, broadcast_in_dim(starts, mask_shape, spread)),
                         lt(row, broadcast_in_dim(ends, mask_shape, spread)))
    dtype = core.get_aval(lhs).dtype
    full = (*shape, gs_shape[-1])
    mask = broadcast_in_dim(convert_element_type(inside, dtype), full,
                            (*outer[:len(lead)], r, len(shape)))
    return mul(broadcast_in_dim(lhs, full, tuple(range(len(shape)))), mask)
