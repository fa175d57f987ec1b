"""Scatters composed of the scatter primitives: ``scatter_sub`` and ``scatter_apply``.

``scatter_sub`` adds the negated updates (``x + (-u)`` and ``x - u`` are the same bits),
so it has ``scatter_add``'s derivatives, batching and lowering. ``scatter_apply`` applies
a unary elementwise ``func`` at the indexed places, once per occurrence of a place (as
JAX does: an index repeated k times gets ``func`` applied k times). It is built from
gather, scatter and select, so unlike JAX's it is differentiable.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["scatter_sub", "scatter_apply", "apply_at_positions"]

from fungrad.array_module import to_host
from fungrad.core import concrete_or_none, get_aval, shape_of
from fungrad.errors import ShapeError
from fungrad.lax.comparison import convert_element_type, gt, select_n
from fungrad.lax.elementwise import neg
from fungrad.lax.gather_scatter import gather, scatter, scatter_add
from fungrad.lax.index_spec import indexed_shape
from fungrad.lax.shape_ops import broadcast_in_dim, reshape, slice_in_dim

_FLAT = (("array", 0),)


def scatter_sub(operand, updates, indices, index_spec):
    """Copy of ``operand`` with ``updates`` subtracted at the index; repeats accumulate.

    Arguments are as for :func:`scatter` (fungrad's ``index_spec`` form; JAX's
    ``ScatterDimensionNumbers`` form is not taken, see the README).

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.scatter_sub(np.zeros(4), np.ones(3), [np.array([0, 2, 2])], (('array', 0),))
        array([-1.,  0., -2.,  0.])
    """
    return scatter_add(operand, neg(updates), indices, index_spec)


def _applied(func, values, dtype):
    out = func(values)
    out = out if get_aval(out).dtype == dtype else convert_element_type(out, dtype)
    shape = shape_of(values)
    if shape_of(out) == () and shape != ():  # a constant func: the same value everywhere
        out = broadcast_in_dim(out, shape, ())
    return out


def apply_at_positions(flat, positions, func: Callable):
    """``flat`` (rank 1) with ``func`` applied once per entry of ``positions`` at it.

    ``positions`` holds flat indices of ``flat`` (any shape); an entry equal to
    ``flat``'s length is skipped (an out-of-range update dropped). With concrete positions
    ``func`` runs on the indexed values only, one round per repeat; with traced ones it
    runs on the whole array once per entry, masked by how often each place is indexed.
    """
    size, dtype = shape_of(flat)[0], get_aval(flat).dtype
    known = concrete_or_none(positions)
    if known is not None:  # one round per repeat, over the places indexed again
        known = np.asarray(to_host(known)).ravel()
        uniq, counts = np.unique(known[known < size], return_counts=True)
        for r in range(int(counts.max()) if counts.size else 0):
            place = uniq[counts > r]
            flat = scatter(flat, _applied(func, gather(flat, [place], _FLAT), dtype), [place],
                           _FLAT)
        return flat
    n = get_aval(positions).size
    positions = reshape(positions, (n,))
    times = scatter_add(np.zeros(size + 1, np.int64), np.ones(n, np.int64), [positions], _FLAT)
    times = slice_in_dim(times, 0, size, axis=0)  # the last slot took the dropped entries
    for r in range(n):
        flat = select_n(gt(times, np.int64(r)), flat, _applied(func, flat, dtype))
    return flat


def scatter_apply(operand, indices, func: Callable, index_spec, *, update_shape=(),
                  indices_are_sorted: bool = False, unique_indices: bool = False, mode=None):
    """Copy of ``operand`` with ``out[index] = func(out[index])``, once per occurrence.

    ``func`` is unary and elementwise. ``indices``/``index_spec`` are as for
    :func:`scatter`; a place indexed k times gets ``func`` applied k times (as in JAX).
    ``update_shape`` may be ``()`` or the indexed shape; ``indices_are_sorted`` and
    ``unique_indices`` are accepted and ignored; ``mode`` must be None or
    ``"promise_in_bounds"`` (indices in bounds; ``x.at[idx].apply(func, mode=...)`` takes
    the other modes). Differentiable (JAX's is not).

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.scatter_apply(np.zeros(3), [np.array([0, 0, 2])], lambda v: v + 1.0,
        ...                   (('array', 0),))
        array([2., 0., 1.])
    """
    if str(getattr(mode, "name", mode)).lower() not in ("none", "promise_in_bounds"):
        raise NotImplementedError(
            f"lax.scatter_apply: mode={mode!r} is not supported; fungrad's lax scatters "
            "need in-bounds indices (mode None). Use x.at[idx].apply(func, mode=...) for "
            "'clip' or 'fill'/'drop'.")
    aval = get_aval(operand)
    indices = list(indices)
    shape = indexed_shape("lax.scatter_apply", aval.shape, tuple(index_spec),
                          tuple(shape_of(i) for i in indices))
    if tuple(update_shape) not in ((), shape):
        raise ShapeError(f"lax.scatter_apply: update_shape={tuple(update_shape)} differs from "
                         f"the indexed shape {shape} of an operand of shape {aval.shape}; "
                         "pass () or the indexed shape.")
    where = gather(np.arange(aval.size).reshape(aval.shape), indices, tuple(index_spec))
    flat = apply_at_positions(reshape(operand, (aval.size,)), where, func)
    return reshape(flat, aval.shape)
