"""Reduction primitives over static axes: sum, max, min, prod, argmax, argmin."""

from __future__ import annotations

import numpy as np

from fungrad.core import Primitive, ShapedArray
from fungrad.errors import ShapeError
from fungrad.transforms.linearize import deflinear


def _reduced_aval(name):
    def rule(x, *, axes):
        if any(not 0 <= a < x.ndim for a in axes) or len(set(axes)) != len(axes):
            raise ShapeError(f"{name}: axes {axes} are out of range or repeated for an operand "
                             f"of shape {x.shape}")
        shape = tuple(s for i, s in enumerate(x.shape) if i not in axes)
        return ShapedArray(shape, x.dtype, x.weak_type)

    return rule


reduce_sum_p = Primitive("reduce_sum")
reduce_sum_p.def_impl(lambda x, *, axes: np.sum(x, axis=axes))
reduce_sum_p.def_abstract_eval(_reduced_aval("reduce_sum"))


def reduce_sum(x, axes):
    """Sum ``x`` over ``axes`` (a tuple of non-negative ints)."""
    return reduce_sum_p.bind(x, axes=tuple(int(a) for a in axes))


def _reduce_sum_transpose(ct, x, *, axes):
    from fungrad.lax.shape_ops import broadcast_in_dim

    shape = x.aval.shape
    kept = tuple(d for d in range(len(shape)) if d not in axes)
    return [broadcast_in_dim(ct, shape, kept)]


deflinear(reduce_sum_p, _reduce_sum_transpose)
