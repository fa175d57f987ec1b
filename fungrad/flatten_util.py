"""``ravel_pytree``: a pytree of arrays as one flat vector, and the function that undoes it.

Optimizers and solvers written for a single vector (``scipy.optimize``, a Newton step)
use it to work on a model's parameter pytree. Both directions are built from
``fungrad.numpy`` operations, so they work on tracers and are differentiable.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from fungrad import lax
from fungrad import numpy as fnp
from fungrad.core import get_aval
from fungrad.numpy.array_type import as_output, as_outputs
from fungrad.tree_util import keystr, tree_flatten_with_path, tree_unflatten

__all__ = ["ravel_pytree"]


def ravel_pytree(pytree: Any) -> tuple[Any, Callable[[Any], Any]]:
    """Ravel every leaf of ``pytree`` and concatenate them into one 1-D array.

    Leaves of different dtypes are promoted to a common dtype as JAX promotes them (which
    differs from NumPy in one way: an integer or bool leaf with a float or complex one
    gives that inexact dtype, so float32 and int64 give float32; a Python scalar counts
    as its default dtype, float64 or int64). ``unravel`` casts each piece back to its
    leaf's dtype.

    Args:
      pytree: a pytree of arrays and scalars.

    Returns:
      ``(flat, unravel)``: the 1-D array, and a function mapping a 1-D array of the same
      size and dtype back to a pytree of ``pytree``'s structure, shapes and dtypes.

    >>> import fungrad.numpy as fnp
    >>> flat, unravel = ravel_pytree({'a': fnp.ones(2), 'b': 3.0})
    >>> flat, unravel(flat * 2)
    (Array([1., 1., 3.]), {'a': Array([2., 2.]), 'b': Array(6.)})
    """
    pairs, treedef = tree_flatten_with_path(pytree)
    avals = []
    for path, leaf in pairs:
        try:
            avals.append(get_aval(leaf))
        except TypeError:
            raise TypeError(f"ravel_pytree: leaf{keystr(path)} is a {type(leaf).__name__} "
                            f"({leaf!r:.40}), not an array or a scalar.") from None
    dtype = functools.reduce(_promote, [a.dtype for a in avals], np.dtype(np.bool_))
    if dtype == np.bool_ and not any(a.dtype == np.bool_ for a in avals):
        dtype = np.dtype(np.float64)  # no leaves: JAX's empty float vector
    pieces = [fnp.ravel(_cast(leaf, dtype)) for _, leaf in pairs]
    flat = fnp.concatenate(pieces) if pieces else fnp.zeros((0,), dtype)
    sizes = [a.size for a in avals]
    total = sum(sizes)

    def unravel(flat_array):
        aval = _aval_of_flat(flat_array)
        if aval.shape != (total,):
            raise ValueError(f"ravel_pytree's unravel: expected a 1-D array of shape "
                             f"({total},), got shape {aval.shape}.")
        if aval.dtype != dtype:
            raise TypeError(f"ravel_pytree's unravel: expected an array of dtype {dtype} "
                            f"(the dtype ravel_pytree returned), got {aval.dtype}; cast it "
                            f"with .astype({dtype.name}).")
        leaves, start = [], 0
        for a, size in zip(avals, sizes):
            piece = lax.slice(flat_array, (start,), (start + size,))
            leaves.append(_cast(fnp.reshape(piece, a.shape), a.dtype))
            start += size
        return tree_unflatten(treedef, as_outputs(leaves))

    return as_output(flat), unravel


def _promote(a: np.dtype, b: np.dtype) -> np.dtype:
    """JAX's promotion of two (strong) dtypes."""
    a_exact, b_exact = a.kind in "biu", b.kind in "biu"
    if a_exact and not b_exact:
        return b
    if b_exact and not a_exact:
        return a
    return np.promote_types(a, b)


def _aval_of_flat(x):
    try:
        return get_aval(x)
    except TypeError:
        raise TypeError(f"ravel_pytree's unravel: expected an array, got a "
                        f"{type(x).__name__}.") from None


def _cast(x, dtype: np.dtype):
    """``x`` as an array of ``dtype``, converted only when its dtype differs."""
    x = fnp.asarray(x)
    return x if get_aval(x).dtype == dtype else lax.convert_element_type(x, dtype)
