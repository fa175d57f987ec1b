"""``vmap`` over pytrees: in_axes/out_axes prefixes, axis_size, chunking, clear errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from fungrad.core import get_aval
from fungrad.devices import check_one_device
from fungrad.interpreters.batching import bdim_to_front, flat_vmap, move_axis
from fungrad.numpy.array_type import as_outputs
from fungrad.transforms import leak_checks
from fungrad.transforms.api import argument_name, check_callable, flatten_output
from fungrad.tree_util import (
    broadcast_prefix,
    keystr,
    tree_flatten,
    tree_flatten_with_path,
    tree_unflatten,
)

__all__ = ["vmap"]


def _name(fun) -> str:
    return getattr(fun, "__qualname__", None) or getattr(fun, "__name__", repr(fun))


def _normalize_axes(fun, axes_spec, tree, what: str) -> list:
    try:
        return broadcast_prefix(axes_spec, tree, is_leaf=lambda x: x is None)
    except ValueError as err:
        raise ValueError(
            f"vmap of `{_name(fun)}`: {what} must be a pytree prefix of the corresponding "
            f"value (an int or None applies to a whole subtree).\n{err}"
        ) from None


def _resolve_in_axes(fun, args, in_axes):
    if isinstance(in_axes, list):
        in_axes = tuple(in_axes)
    if isinstance(in_axes, tuple) and len(in_axes) != len(args):
        raise ValueError(
            f"vmap of `{_name(fun)}`: in_axes has {len(in_axes)} entries but the function was "
            f"called with {len(args)} positional arguments; give one entry per argument."
        )
    leaves = tree_flatten_with_path(args)[0]
    axes = _normalize_axes(fun, in_axes, args, "in_axes")
    out = []
    for (path, leaf), axis in zip(leaves, axes):
        if axis is None:
            out.append(None)
            continue
        ndim = len(get_aval(leaf).shape)
        if not isinstance(axis, int) or not -ndim <= axis < max(ndim, 1) or ndim == 0:
            raise ValueError(
                f"vmap of `{_name(fun)}`: in_axes={axis} for argument{keystr(path)} of shape "
                f"{get_aval(leaf).shape}, which has no axis {axis}. Use None for arguments that "
                "are not batched."
            )
        out.append(axis % ndim)
    return [leaf for _, leaf in leaves], out, leaves


def _batch_size(fun, leaves_with_paths, axes, axis_size):
    sizes = {}
    for (path, leaf), axis in zip(leaves_with_paths, axes):
        if axis is not None:
            sizes[keystr(path) or "<root>"] = get_aval(leaf).shape[axis]
    distinct = set(sizes.values())
    if axis_size is not None:
        distinct.add(axis_size)
    if len(distinct) > 1:
        listing = "\n".join(f"  argument{p}: size {s}" for p, s in sizes.items())
        extra = f"\n  axis_size: {axis_size}" if axis_size is not None else ""
        raise ValueError(
            f"vmap of `{_name(fun)}` got inconsistent sizes for the mapped axis:\n{listing}"
            f"{extra}\nAll batched arguments must have the same size along their in_axes."
        )
    if not distinct:
        raise ValueError(
            f"vmap of `{_name(fun)}`: no argument is batched (all in_axes are None); pass "
            "axis_size to say how many copies to make."
        )
    return distinct.pop()


def vmap(fun: Callable, in_axes: Any = 0, out_axes: Any = 0, axis_name: Any = None,
         axis_size: int | None = None, spmd_axis_name: Any = None, *,
         chunk_size: int | None = None) -> Callable:
    """Vectorise ``fun`` over a batch axis of its inputs (JAX's signature).

    Args:
        fun: function of arrays/pytrees. Keyword arguments of the vmapped call are mapped
            over their axis 0, as in JAX.
        in_axes: int, None, or a tuple with one pytree prefix per positional argument giving
            the batch axis of each leaf (negative ints count from the end; None: unbatched).
        out_axes: pytree prefix of the output giving where the batch axis goes.
        axis_name: a hashable name for the mapped axis, which collectives inside ``fun``
            (``lax.psum``, ``lax.all_gather``, ``lax.axis_index``...) refer to.
        spmd_axis_name: accepted for JAX compatibility and ignored (no device sharding).
        axis_size: the batch size, needed only when no argument is batched.
        chunk_size: (fungrad only) evaluate at most this many examples at once (bounds
            memory; the result is identical).

    Returns:
        The batched function.

    Example:
        >>> import numpy as np, fungrad as fg, fungrad.numpy as fnp
        >>> fg.vmap(fnp.dot, in_axes=(0, None))(np.ones((3, 2)), np.arange(2.0))
        Array([1., 1., 1.])

    Randomness: fungrad has no global random state; pass PRNG keys as arguments, batched
    (one key per example, e.g. ``random.split(key, n)`` with in_axes 0) or unbatched (None)
    to share one key.
    """

    check_callable("vmap", fun)
    _check_vmap_options(fun, in_axes, out_axes, axis_size, chunk_size)
    if axis_name is not None and chunk_size is not None:
        raise ValueError(
            f"vmap of `{_name(fun)}`: chunk_size={chunk_size} cannot be combined with "
            f"axis_name={axis_name!r}: collectives over the axis would see one chunk instead "
            "of the whole batch. Drop chunk_size (or axis_name).")

    def vmapped(*args, **kwargs):
        if kwargs:  # mapped over axis 0, as in JAX: pass them as one more argument
            axes = in_axes if isinstance(in_axes, tuple) else (in_axes,) * len(args)

            def with_keywords(*a):
                return fun(*a[:-1], **a[-1])

            with_keywords.__qualname__ = _name(fun)
            return vmap(with_keywords, (*axes, 0), out_axes, axis_name=axis_name,
                        axis_size=axis_size, chunk_size=chunk_size)(*args, kwargs)
        leaves, axes, with_paths = _resolve_in_axes(fun, args, in_axes)
        check_one_device(f"vmap of `{_name(fun)}`", leaves,
                         lambda i: argument_name(fun, with_paths[i][0]))
        size = _batch_size(fun, with_paths, axes, axis_size)
        in_tree = tree_flatten(args)[1]
        marker = leak_checks.start()
        if chunk_size is not None and size > chunk_size:
            out = _chunked(args, axes, leaves, in_tree, size)
        else:
            out = _run(leaves, axes, in_tree, size)
        leak_checks.finish(marker, "vmap", fun)
        return out

    def _run(leaves, axes, in_tree, size):
        out_tree_box = []

        def flat_fun(*flat):
            out = fun(*tree_unflatten(in_tree, flat))
            out_leaves, out_tree = flatten_output("vmap", fun, out)
            out_tree_box.append((out, out_tree))
            return out_leaves

        outs, dims = flat_vmap(flat_fun, leaves, axes, size, _name(fun), axis_name=axis_name)
        out_example, out_tree = out_tree_box[-1]
        spec = _normalize_axes(fun, out_axes, tree_unflatten(out_tree, outs), "out_axes")
        placed = [_place_output(fun, o, d, a, size) for o, d, a in zip(outs, dims, spec)]
        return tree_unflatten(out_tree, as_outputs(placed))

    def _chunked(args, axes, leaves, in_tree, size):
        from fungrad.numpy import concatenate  # noqa: PLC0415
        from fungrad.numpy.indexing import getitem  # noqa: PLC0415

        pieces = []
        for start in range(0, size, chunk_size):
            stop = min(start + chunk_size, size)
            chunk = [x if a is None else getitem(x, (slice(None),) * a + (slice(start, stop),))
                     for x, a in zip(leaves, axes)]
            pieces.append(_run(chunk, axes, in_tree, stop - start))
        first_leaves, out_tree = tree_flatten(pieces[0])
        spec = _normalize_axes(fun, out_axes, pieces[0], "out_axes")
        joined = []
        for i, axis in enumerate(spec):
            parts = [tree_flatten(p)[0][i] for p in pieces]
            joined.append(parts[0] if axis is None else
                          concatenate(parts, axis=axis % len(get_aval(parts[0]).shape)))
        return tree_unflatten(out_tree, as_outputs(joined))

    vmapped.__name__ = f"vmap({_name(fun)})"
    vmapped.__wrapped__ = fun
    return vmapped


def _check_vmap_options(fun, in_axes, out_axes, axis_size, chunk_size) -> None:
    """Raise for option values of the wrong type (before any call)."""
    for what, spec in (("in_axes", in_axes), ("out_axes", out_axes)):
        leaves = tree_flatten(spec, is_leaf=lambda x: x is None)[0]
        bad = [a for a in leaves if a is not None and (
            isinstance(a, bool) or not isinstance(a, (int, np.integer)))]
        if bad:
            which = "argument" if what == "in_axes" else "output"
            raise TypeError(
                f"vmap of `{_name(fun)}`: {what} must be an int, None, or a tuple/pytree of "
                f"ints and Nones (the batch axis of each {which}), got {spec!r} (an entry "
                f"{bad[0]!r} of type {type(bad[0]).__name__}). Use e.g. {what}=0, or "
                f"{what}=(0, None) for one entry per argument.")
    for what, value in (("chunk_size", chunk_size), ("axis_size", axis_size)):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < (
                1 if what == "chunk_size" else 0):
            bound = "a positive int" if what == "chunk_size" else "a non-negative int"
            raise ValueError(
                f"vmap of `{_name(fun)}`: {what} must be {bound} or None, got {value!r}."
                + (" It bounds how many examples run at once; None runs all of them."
                   if what == "chunk_size" else ""))


def _place_output(fun, out, bdim, out_axis, size):
    if out_axis is None:
        if bdim is not None:
            raise ValueError(
                f"vmap of `{_name(fun)}`: out_axes is None for an output that depends on the "
                "batched inputs (it differs across the batch); give it an int out_axis."
            )
        return out
    ndim = len(get_aval(out).shape) + (1 if bdim is None else 0)
    if not -ndim <= out_axis < ndim:
        raise ValueError(f"vmap of `{_name(fun)}`: out_axes={out_axis} is out of range for an "
                         f"output of rank {ndim}")
    out_axis %= ndim
    if bdim is None:
        return move_axis(bdim_to_front(out, None, size), 0, out_axis)
    return move_axis(out, bdim, out_axis)
