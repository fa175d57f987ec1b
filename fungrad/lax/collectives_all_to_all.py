"""Collectives that exchange blocks between lanes: all_to_all, pswapaxes, pshuffle.

``all_to_all`` splits each lane's value along ``split_axis`` into one block per lane,
sends block ``k`` to lane ``k`` and concatenates what each lane receives along
``concat_axis`` (in lane order). Seen over the batch, it swaps the named axis with a
positional one, so under ``vmap`` it is a transpose (and reshape) of the batched value.
Without ``tiled`` the split dimension must equal the axis size; it is removed and a new
axis of that size is inserted at ``concat_axis`` of the result. ``pswapaxes`` is the
untiled all_to_all with ``split_axis == concat_axis``; ``pshuffle`` is a full ``ppermute``.

all_to_all is linear: its transpose is all_to_all with the split and concat axes swapped.
"""

from __future__ import annotations

from typing import Any

__all__ = ["all_to_all_p", "all_to_all", "pswapaxes", "pshuffle"]

from fungrad.core import ShapedArray, get_aval, shape_of
from fungrad.interpreters.batching import (
    batching_rules,
    bdim_to_front,
    collective_rules,
    move_axis,
)
from fungrad.interpreters.linearize import deflinear
from fungrad.lax.collectives import (
    _axis_arg,
    _check_groups,
    _collective,
    _name_param,
    _single,
    _size,
    check_blocks,
    ppermute,
)
from fungrad.lax.shape_ops import reshape
from fungrad.tree_util import tree_map


def _all_to_all_abstract_eval(x, *, axis_name, split_axis, concat_axis, tiled):
    size = check_blocks("all_to_all", x, axis_name, "split_axis", split_axis, tiled)
    shape = list(x.shape)
    if tiled:
        shape[split_axis] //= size
        shape[concat_axis] *= size
    else:
        del shape[split_axis]
        shape.insert(concat_axis, size)
    return ShapedArray(tuple(shape), x.dtype, x.weak_type)


all_to_all_p = _collective("all_to_all", _all_to_all_abstract_eval, _name_param)


def exchange(lanes, size: int, split_axis: int, concat_axis: int, tiled: bool):
    """The all_to_all of ``lanes`` (the lanes' values stacked on axis 0): batch axis 0."""
    sa = split_axis + 1
    if tiled:  # split the dimension into (destination lane, block)
        shape = shape_of(lanes)
        lanes = reshape(lanes, (*shape[:sa], size, shape[sa] // size, *shape[sa + 1:]))
    # axis 0 becomes the receiving lane, axis 1 the sending lane
    z = move_axis(lanes, sa, 0)
    if not tiled:
        return move_axis(z, 1, concat_axis + 1)
    z = move_axis(z, 1, concat_axis + 1)  # the senders in front of the concat dimension
    shape = shape_of(z)
    ca = concat_axis + 1
    return reshape(z, (*shape[:ca], shape[ca] * shape[ca + 1], *shape[ca + 2:]))


def _all_to_all_collective(name, size, vals, dims, *, axis_name, split_axis, concat_axis,
                           tiled):
    (x,), (d,) = vals, dims
    return exchange(bdim_to_front(x, d, size), size, split_axis, concat_axis, tiled), 0


def _all_to_all_batch(vals, dims, *, axis_name, split_axis, concat_axis, tiled):
    x = move_axis(vals[0], dims[0], 0)
    return all_to_all_p.bind(x, axis_name=axis_name, split_axis=split_axis + 1,
                             concat_axis=concat_axis + 1, tiled=tiled), 0


collective_rules[all_to_all_p] = _all_to_all_collective
batching_rules[all_to_all_p] = _all_to_all_batch
deflinear(all_to_all_p, lambda ct, x, *, axis_name, split_axis, concat_axis, tiled: [
    all_to_all_p.bind(ct, axis_name=axis_name, split_axis=concat_axis, concat_axis=split_axis,
                      tiled=tiled)])


def all_to_all(x: Any, axis_name: Any, split_axis: int, concat_axis: int, *,
               axis_index_groups=None, tiled: bool = False) -> Any:
    """Send block ``k`` of ``x`` (a pytree) along ``split_axis`` to lane ``k``.

    Each lane concatenates the blocks it receives along ``concat_axis``, in lane order.
    Without ``tiled`` the size of ``split_axis`` must equal the axis size; that axis is
    removed and a new one (indexed by the sending lane) is inserted at ``concat_axis``.
    With ``tiled=True`` it must be a multiple; the rank stays the same.

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> from fungrad import lax
        >>> x = np.arange(9.0).reshape(3, 3)
        >>> fg.vmap(lambda v: lax.all_to_all(v, 'i', 0, 0), axis_name='i')(x)
        Array([[0., 3., 6.],
               [1., 4., 7.],
               [2., 5., 8.]])
    """
    _check_groups("all_to_all", axis_index_groups)
    name = _single("all_to_all", axis_name)

    def one(leaf):
        shape = shape_of(leaf)
        sa = _axis_arg("all_to_all", "split_axis", split_axis, len(shape), shape)
        ca = _axis_arg("all_to_all", "concat_axis", concat_axis, len(shape), shape)
        params = dict(axis_name=name, split_axis=sa, concat_axis=ca, tiled=bool(tiled))
        _all_to_all_abstract_eval(get_aval(leaf), **params)  # eager calls check shapes here
        return all_to_all_p.bind(leaf, **params)

    return tree_map(one, x)


def pswapaxes(x: Any, axis_name: Any, axis: int, *, axis_index_groups=None) -> Any:
    """Swap the named axis with positional axis ``axis`` of ``x`` (a pytree).

    ``x.shape[axis]`` must equal the axis size; lane ``i`` receives element ``i`` along
    ``axis`` from every lane. The same as ``all_to_all(x, axis_name, axis, axis)``.

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> from fungrad import lax
        >>> x = np.arange(4.0).reshape(2, 2)
        >>> fg.vmap(lambda v: lax.pswapaxes(v, 'i', 0), axis_name='i')(x)
        Array([[0., 2.],
               [1., 3.]])
    """
    return all_to_all(x, axis_name, axis, axis, axis_index_groups=axis_index_groups)


def pshuffle(x: Any, axis_name: Any, perm) -> Any:
    """Lane ``i`` receives lane ``perm[i]``'s value of ``x`` (a pytree).

    ``perm`` must be a permutation of ``range(axis_size)``.

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> from fungrad import lax
        >>> fg.vmap(lambda v: lax.pshuffle(v, 'i', [2, 0, 1]), axis_name='i')(np.arange(3.0))
        Array([2., 0., 1.])
    """
    name = _single("pshuffle", axis_name)
    order = [int(p) for p in perm]
    size = _size("pshuffle", name)
    if sorted(order) != list(range(size)):
        raise ValueError(f"lax.pshuffle: perm={order} is not a permutation of range({size}) "
                         f"(the size of axis {name!r}); list every lane once.")
    return ppermute(x, name, [(src, dst) for dst, src in enumerate(order)])
