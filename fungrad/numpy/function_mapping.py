"""Mapping a function over an array's slices: ``fnp.apply_along_axis`` (by ``vmap``, as in
``jax.numpy``: the function is traced once, and the result is differentiable)."""

from __future__ import annotations

from collections.abc import Callable

from fungrad.core import shape_of
from fungrad.numpy.promotion import as_operand
from fungrad.numpy.reshaping import moveaxis, normalize_axis
from fungrad.transforms.vmap_api import vmap

__all__ = ["apply_along_axis"]


def apply_along_axis(func1d: Callable, axis: int, arr, *args, **kwargs):
    """``func1d`` applied to every 1-D slice of ``arr`` along ``axis``.

    The slices are batched with ``vmap`` (``func1d`` must be traceable, as in JAX). Each
    result of ``func1d`` takes the place of the slice: a scalar removes ``axis``, an array
    puts its axes there.

    Example:
        >>> import fungrad.numpy as fnp
        >>> x = fnp.arange(6.0).reshape(2, 3)
        >>> fnp.apply_along_axis(lambda v: v[0] * v[-1], 1, x).tolist()
        [0.0, 15.0]
    """
    arr = as_operand(arr)
    nd = len(shape_of(arr))
    axis = normalize_axis("apply_along_axis", axis, nd)

    def one(v):
        return func1d(v, *args, **kwargs)

    mapped = one
    for _ in range(nd - 1):
        mapped = vmap(mapped)
    out = mapped(moveaxis(arr, axis, -1))
    core = len(shape_of(out)) - (nd - 1)
    if core == 0:
        return out
    lead = nd - 1
    return moveaxis(out, tuple(range(lead, lead + core)), tuple(range(axis, axis + core)))
