"""Shape primitives: broadcast_in_dim, reshape, transpose, squeeze, expand_dims, rev, pad,
concatenate, slice. All are linear; each transpose is another shape primitive."""

from __future__ import annotations

import numpy as np

from fungrad import core
from fungrad.core import Primitive, ShapedArray
from fungrad.errors import ShapeError
from fungrad.transforms.linearize import deflinear, deflinear_in_first

# ---------------------------------------------------------------------------------------
# broadcast_in_dim: operand dimension i becomes output dimension broadcast_dimensions[i]

broadcast_in_dim_p = Primitive("broadcast_in_dim")


def _broadcast_in_dim_impl(x, *, shape, broadcast_dimensions):
    x = np.asarray(x)
    expanded = [1] * len(shape)
    for i, d in enumerate(broadcast_dimensions):
        expanded[d] = x.shape[i]
    return np.broadcast_to(x.reshape(expanded), shape)


def _broadcast_in_dim_abstract_eval(x, *, shape, broadcast_dimensions):
    ok = len(broadcast_dimensions) == x.ndim and all(
        0 <= d < len(shape) and x.shape[i] in (1, shape[d])
        for i, d in enumerate(broadcast_dimensions)
    ) and list(broadcast_dimensions) == sorted(set(broadcast_dimensions))
    if not ok:
        raise ShapeError(
            f"broadcast_in_dim: cannot broadcast operand of shape {x.shape} to {shape} "
            f"with broadcast_dimensions={broadcast_dimensions}"
        )
    return ShapedArray(shape, x.dtype, x.weak_type)


def broadcast_in_dim(x, shape, broadcast_dimensions):
    """Broadcast ``x`` to ``shape``; operand dim i maps to output dim broadcast_dimensions[i]."""
    shape, dims = tuple(int(s) for s in shape), tuple(int(d) for d in broadcast_dimensions)
    if core.shape_of(x) == shape and dims == tuple(range(len(shape))) and not core.is_literal(x):
        return x
    return broadcast_in_dim_p.bind(x, shape=shape, broadcast_dimensions=dims)


def _broadcast_in_dim_transpose(ct, x, *, shape, broadcast_dimensions):
    from fungrad.lax.reductions import reduce_sum

    in_shape = x.aval.shape
    new_dims = tuple(d for d in range(len(shape)) if d not in broadcast_dimensions)
    expanded = tuple(d for i, d in enumerate(broadcast_dimensions)
                     if in_shape[i] == 1 and shape[d] != 1)
    summed = reduce_sum(ct, tuple(sorted(new_dims + expanded))) if new_dims + expanded else ct
    return [reshape(summed, in_shape)]


broadcast_in_dim_p.def_impl(_broadcast_in_dim_impl)
broadcast_in_dim_p.def_abstract_eval(_broadcast_in_dim_abstract_eval)
deflinear(broadcast_in_dim_p, _broadcast_in_dim_transpose)

# ---------------------------------------------------------------------------------------
# reshape

reshape_p = Primitive("reshape")
reshape_p.def_impl(lambda x, *, new_sizes: np.reshape(x, new_sizes))


def _reshape_abstract_eval(x, *, new_sizes):
    if int(np.prod(new_sizes, dtype=np.int64)) != x.size:
        raise ShapeError(f"reshape: cannot reshape operand of shape {x.shape} "
                         f"({x.size} elements) to {new_sizes}")
    return ShapedArray(new_sizes, x.dtype, x.weak_type)


def reshape(x, new_sizes):
    """Reshape ``x`` to ``new_sizes`` (row-major order)."""
    new_sizes = tuple(int(s) for s in new_sizes)
    if core.shape_of(x) == new_sizes:
        return x
    return reshape_p.bind(x, new_sizes=new_sizes)


reshape_p.def_abstract_eval(_reshape_abstract_eval)
deflinear(reshape_p, lambda ct, x, *, new_sizes: [reshape(ct, x.aval.shape)])

# ---------------------------------------------------------------------------------------
# transpose

transpose_p = Primitive("transpose")
transpose_p.def_impl(lambda x, *, permutation: np.transpose(x, permutation))


def _transpose_abstract_eval(x, *, permutation):
    if sorted(permutation) != list(range(x.ndim)):
        raise ShapeError(f"transpose: permutation {permutation} is not a permutation of the "
                         f"{x.ndim} axes of an operand of shape {x.shape}")
    return ShapedArray(tuple(x.shape[p] for p in permutation), x.dtype, x.weak_type)


def transpose(x, permutation):
    """Permute the axes of ``x``: output axis i is input axis permutation[i]."""
    permutation = tuple(int(p) for p in permutation)
    if permutation == tuple(range(len(permutation))):
        return x
    return transpose_p.bind(x, permutation=permutation)


transpose_p.def_abstract_eval(_transpose_abstract_eval)
deflinear(transpose_p, lambda ct, x, *, permutation: [
    transpose(ct, tuple(np.argsort(permutation)))])
