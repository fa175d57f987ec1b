"""Shape primitives: broadcast_in_dim, reshape, transpose, squeeze, expand_dims, rev, pad,
concatenate, slice. All are linear; each transpose is another shape primitive."""

from __future__ import annotations

import builtins
import math

import numpy as np

__all__ = [
    "broadcast_in_dim_p",
    "broadcast_in_dim",
    "reshape_p",
    "reshape",
    "transpose_p",
    "transpose",
    "broadcast",
    "squeeze_p",
    "squeeze",
    "expand_dims_p",
    "expand_dims",
    "rev_p",
    "rev",
    "pad_p",
    "pad",
    "concatenate_p",
    "concatenate",
    "slice_p",
    "slice",
    "slice_in_dim",
]

from fungrad import core
from fungrad.array_module import get_array_module
from fungrad.core import Primitive, ShapedArray
from fungrad.errors import ShapeError
from fungrad.interpreters import hooks
from fungrad.interpreters.batching import batch_size, batching_rules, bdim_to_front, move_axis
from fungrad.interpreters.jvp import Zero, instantiate, jvp_rules
from fungrad.interpreters.linearize import deflinear, is_linear
from fungrad.ir import Eqn
from fungrad.ir_passes import same_shape_identity, simplify_rules


def _static_int(fn: str, arg: str, value) -> int:
    """``value`` (a static size, dimension or index) as a Python int; a float (2.0 too) is
    a TypeError naming ``lax.fn`` and ``arg``, as in JAX, instead of being truncated."""
    if type(value) is int:  # the common case skips the check
        return value
    from fungrad.numpy.reshaping import check_integers  # noqa: PLC0415 (it imports lax)

    check_integers(f"lax.{fn}", arg, value)
    return int(value)


def _static_ints(fn: str, arg: str, values) -> tuple[int, ...]:
    """:func:`_static_int` of each of ``values``; errors name the entry (``shape[0]``)."""
    values = tuple(values)
    for v in values:
        if type(v) is not int:  # the common all-int case returns the tuple as it is
            return tuple(_static_int(fn, f"{arg}[{i}]", v) for i, v in enumerate(values))
    return values


# ---------------------------------------------------------------------------------------
# broadcast_in_dim: operand dimension i becomes output dimension broadcast_dimensions[i]

broadcast_in_dim_p = Primitive("broadcast_in_dim")


def _broadcast_in_dim_impl(x, *, shape, broadcast_dimensions):
    if type(x) is np.ndarray and x.flags.c_contiguous and x.size and x.dtype.kind != "O":
        # The view np.broadcast_to makes, built directly from its strides: broadcast_to
        # costs 6-20 us per call (an nditer), this about 1.5-6 (eager grad of a layer
        # broadcasts its bias and a few scalars each step).
        strides = [0] * len(shape)
        for i, d in enumerate(broadcast_dimensions):
            if x.shape[i] != 1:
                strides[d] = x.strides[i]
        out = np.ndarray(shape, x.dtype, buffer=x, strides=strides)
        out.flags.writeable = False
        return out
    xp = get_array_module(x)
    x = xp.asarray(x)
    expanded = [1] * len(shape)
    for i, d in enumerate(broadcast_dimensions):
        expanded[d] = x.shape[i]
    return xp.broadcast_to(x.reshape(expanded), shape)


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


def broadcast_in_dim(operand, shape, broadcast_dimensions):
    """Broadcast ``operand`` to ``shape``; operand dim i maps to output dim broadcast_dimensions[i].

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.broadcast_in_dim(np.array([1.0, 2.0]), (2, 3), (0,))
        array([[1., 1., 1.],
               [2., 2., 2.]])
    """
    shape = _static_ints("broadcast_in_dim", "shape", shape)
    dims = _static_ints("broadcast_in_dim", "broadcast_dimensions", broadcast_dimensions)
    same = core.shape_of(operand) == shape and dims == tuple(range(len(shape)))
    if same and not core.is_literal(operand):
        return operand
    return broadcast_in_dim_p.bind(operand, shape=shape, broadcast_dimensions=dims)


def _broadcast_in_dim_transpose(ct, x, *, shape, broadcast_dimensions):
    from fungrad.lax.reductions import reduce_sum  # noqa: PLC0415 (reductions import us)

    in_shape = x.aval.shape
    new_dims = tuple(d for d in range(len(shape)) if d not in broadcast_dimensions)
    expanded = tuple(d for i, d in enumerate(broadcast_dimensions)
                     if in_shape[i] == 1 and shape[d] != 1)
    summed = reduce_sum(ct, tuple(sorted(new_dims + expanded))) if new_dims + expanded else ct
    return [reshape(summed, in_shape)]


broadcast_in_dim_p.def_impl(_broadcast_in_dim_impl)
broadcast_in_dim_p.def_abstract_eval(_broadcast_in_dim_abstract_eval)
deflinear(broadcast_in_dim_p, _broadcast_in_dim_transpose)


def _trivial_broadcast(eqn, sweep):
    dims = tuple(eqn.params["broadcast_dimensions"])
    return same_shape_identity(eqn, sweep) if dims == tuple(range(len(dims))) else None


simplify_rules[broadcast_in_dim_p] = _trivial_broadcast


def _broadcast_in_dim_batch(vals, dims, *, shape, broadcast_dimensions):
    (x,), (d,) = vals, dims
    x = move_axis(x, d, 0)
    size = core.shape_of(x)[0]
    return broadcast_in_dim(x, (size, *shape),
                            (0, *(b + 1 for b in broadcast_dimensions))), 0


batching_rules[broadcast_in_dim_p] = _broadcast_in_dim_batch

# ---------------------------------------------------------------------------------------
# reshape

reshape_p = Primitive("reshape")
reshape_p.def_impl(lambda x, *, new_sizes: get_array_module(x).reshape(x, new_sizes))


def _reshape_abstract_eval(x, *, new_sizes):
    if math.prod(new_sizes) != x.size:
        raise ShapeError(f"reshape: cannot reshape operand of shape {x.shape} "
                         f"({x.size} elements) to {new_sizes}")
    return ShapedArray(new_sizes, x.dtype, x.weak_type)


def reshape(operand, new_sizes, dimensions=None):
    """Reshape ``operand`` to ``new_sizes`` (row-major order).

    ``dimensions``, as in JAX, is a permutation applied first (``transpose``), so the
    elements are read in that axis order.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.reshape(np.arange(6.0), (2, 3))
        array([[0., 1., 2.],
               [3., 4., 5.]])
    """
    new_sizes = _static_ints("reshape", "new_sizes", new_sizes)
    if any(n < 0 for n in new_sizes):
        raise TypeError(f"lax.reshape: new_sizes must all be >= 0 (lax has no -1 "
                        f"placeholder), got {new_sizes}; fnp.reshape accepts -1.")
    if dimensions is not None:
        operand = transpose(operand, dimensions)
    if core.shape_of(operand) == new_sizes:
        return operand
    return reshape_p.bind(operand, new_sizes=new_sizes)


reshape_p.def_abstract_eval(_reshape_abstract_eval)
deflinear(reshape_p, lambda ct, x, *, new_sizes: [reshape(ct, x.aval.shape)])
simplify_rules[reshape_p] = same_shape_identity


def _reshape_batch(vals, dims, *, new_sizes):
    (x,), (d,) = vals, dims
    x = move_axis(x, d, 0)
    return reshape(x, (core.shape_of(x)[0], *new_sizes)), 0


batching_rules[reshape_p] = _reshape_batch

# ---------------------------------------------------------------------------------------
# transpose

transpose_p = Primitive("transpose")
transpose_p.def_impl(lambda x, *, permutation: get_array_module(x).transpose(x, permutation))


def _transpose_abstract_eval(x, *, permutation):
    if sorted(permutation) != list(range(x.ndim)):
        raise ShapeError(f"transpose: permutation {permutation} is not a permutation of the "
                         f"{x.ndim} axes of an operand of shape {x.shape}")
    return ShapedArray(tuple(x.shape[p] for p in permutation), x.dtype, x.weak_type)


def transpose(operand, permutation):
    """Permute the axes of ``operand``: output axis i is input axis permutation[i].

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.transpose(np.arange(6.0).reshape(2, 3), (1, 0))
        array([[0., 3.],
               [1., 4.],
               [2., 5.]])
    """
    permutation = _static_ints("transpose", "permutation", permutation)
    shape = core.shape_of(operand)
    rank = len(shape)
    if sorted(permutation) != list(range(rank)):
        raise TypeError(f"lax.transpose: permutation {permutation} is not a permutation of "
                        f"the operand's {rank} dimensions (shape {shape}); "
                        f"pass each of 0..{rank - 1} once.")
    if permutation == tuple(range(rank)):
        return operand
    return transpose_p.bind(operand, permutation=permutation)


transpose_p.def_abstract_eval(_transpose_abstract_eval)
deflinear(transpose_p, lambda ct, x, *, permutation: [
    transpose(ct, tuple(np.argsort(permutation)))])


def _transpose_of_transpose(eqn, sweep):
    perm = eqn.params["permutation"]
    if tuple(perm) == tuple(range(len(perm))):
        return eqn.inputs[0]
    inner = sweep.producer.get(eqn.inputs[0])
    if inner is None or inner.prim is not eqn.prim:
        return None
    composed = tuple(inner.params["permutation"][p] for p in perm)
    if composed == tuple(range(len(composed))):
        return inner.inputs[0]
    return Eqn(eqn.prim, [inner.inputs[0]], eqn.outputs, {"permutation": composed}, eqn.site)


simplify_rules[transpose_p] = _transpose_of_transpose


def _transpose_batch(vals, dims, *, permutation):
    (x,), (d,) = vals, dims
    return transpose(move_axis(x, d, 0), (0, *(p + 1 for p in permutation))), 0


batching_rules[transpose_p] = _transpose_batch


def broadcast(operand, sizes):
    """Broadcast ``operand`` by prepending dimensions of ``sizes`` (like ``jax.lax.broadcast``).

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.broadcast(np.array([1.0, 2.0]), (3,)).shape
        (3, 2)
    """
    sizes, x_shape = _static_ints("broadcast", "sizes", sizes), core.shape_of(operand)
    lead = len(sizes)
    dims = tuple(range(lead, lead + len(x_shape)))
    return broadcast_in_dim(operand, sizes + tuple(x_shape), dims)


def _check_dimensions(name: str, dimensions, ndim: int, shape) -> None:
    if any(not 0 <= d < ndim for d in dimensions) or len(set(dimensions)) != len(dimensions):
        raise ShapeError(f"{name}: dimensions {dimensions} are out of range or repeated for "
                         f"an operand of shape {shape} (result rank {ndim})")


def _zero_literal(dtype):
    """A rank-0 zero of ``dtype`` that primitives accept as an inline literal."""
    return np.dtype(dtype).type(0)


# ---------------------------------------------------------------------------------------
# squeeze and expand_dims: drop or insert size-1 dimensions

squeeze_p = Primitive("squeeze")
squeeze_p.def_impl(lambda x, *, dimensions: get_array_module(x).squeeze(x, axis=dimensions))


def _squeeze_abstract_eval(x, *, dimensions):
    _check_dimensions("squeeze", dimensions, x.ndim, x.shape)
    if any(x.shape[d] != 1 for d in dimensions):
        raise ShapeError(f"squeeze: dimensions {dimensions} of an operand of shape {x.shape} "
                         "must all have size 1")
    shape = tuple(s for d, s in enumerate(x.shape) if d not in dimensions)
    return ShapedArray(shape, x.dtype, x.weak_type)


def squeeze(array, dimensions):
    """Remove the size-1 ``dimensions`` (non-negative ints) of ``array``.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.squeeze(np.ones((1, 3, 1)), (0, 2)).shape
        (3,)
    """
    dimensions = tuple(sorted(_static_ints("squeeze", "dimensions", dimensions)))
    if not dimensions:
        return array
    return squeeze_p.bind(array, dimensions=dimensions)


squeeze_p.def_abstract_eval(_squeeze_abstract_eval)
deflinear(squeeze_p, lambda ct, x, *, dimensions: [expand_dims(ct, dimensions)])

expand_dims_p = Primitive("expand_dims")
expand_dims_p.def_impl(lambda x, *, dimensions: get_array_module(x).expand_dims(x, dimensions))


def _expand_dims_abstract_eval(x, *, dimensions):
    ndim = x.ndim + len(dimensions)
    _check_dimensions("expand_dims", dimensions, ndim, x.shape)
    rest = iter(x.shape)
    shape = tuple(1 if d in dimensions else next(rest) for d in range(ndim))
    return ShapedArray(shape, x.dtype, x.weak_type)


def expand_dims(array, dimensions):
    """Insert size-1 dimensions of ``array`` at ``dimensions`` (positions in the result).

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.expand_dims(np.ones((2, 3)), (0, 2)).shape
        (1, 2, 1, 3)
    """
    dimensions = tuple(sorted(_static_ints("expand_dims", "dimensions", dimensions)))
    if not dimensions:
        return array
    return expand_dims_p.bind(array, dimensions=dimensions)


expand_dims_p.def_abstract_eval(_expand_dims_abstract_eval)
deflinear(expand_dims_p, lambda ct, x, *, dimensions: [squeeze(ct, dimensions)])

# ---------------------------------------------------------------------------------------
# rev: reverse the order of elements along dimensions

rev_p = Primitive("rev")
rev_p.def_impl(lambda x, *, dimensions: get_array_module(x).flip(x, dimensions))


def _rev_abstract_eval(x, *, dimensions):
    _check_dimensions("rev", dimensions, x.ndim, x.shape)
    return x


def rev(operand, dimensions):
    """Reverse ``operand`` along ``dimensions`` (non-negative ints).

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.rev(np.arange(6.0).reshape(2, 3), (1,))
        array([[2., 1., 0.],
               [5., 4., 3.]])
    """
    dimensions = tuple(sorted(_static_ints("rev", "dimensions", dimensions)))
    if not dimensions:
        return operand
    return rev_p.bind(operand, dimensions=dimensions)


rev_p.def_abstract_eval(_rev_abstract_eval)
deflinear(rev_p, lambda ct, x, *, dimensions: [rev(ct, dimensions)])

# ---------------------------------------------------------------------------------------
# pad: per dimension (lo, hi, interior); negative lo/hi crop, interior dilates


def _dilated(n: int, interior: int) -> int:
    return n + max(n - 1, 0) * interior


def _padded_shape(shape, padding_config) -> tuple[int, ...]:
    return tuple(lo + hi + _dilated(n, it)
                 for n, (lo, hi, it) in zip(shape, padding_config, strict=True))


pad_p = Primitive("pad")


def _pad_impl(x, padding_value, *, padding_config):
    grown = [(max(lo, 0), max(hi, 0), it) for lo, hi, it in padding_config]
    in_shape = core.shape_of(x)
    shape = _padded_shape(in_shape, grown)
    xp = get_array_module(x, padding_value)
    out = xp.full(shape, padding_value, dtype=core.get_aval(x).dtype)
    out[tuple(builtins.slice(lo, lo + _dilated(n, it), it + 1)
              for n, (lo, _, it) in zip(in_shape, grown, strict=True))] = x
    return out[tuple(builtins.slice(-min(lo, 0), size + min(hi, 0))
                     for size, (lo, hi, _) in zip(shape, padding_config, strict=True))]


def _pad_abstract_eval(x, padding_value, *, padding_config):
    core.check_same_dtypes("pad", x, padding_value)
    if padding_value.ndim != 0:
        raise ShapeError(f"pad: padding_value must be rank 0, got shape {padding_value.shape}")
    if len(padding_config) != x.ndim or any(it < 0 for _, _, it in padding_config):
        raise ShapeError(f"pad: padding_config {padding_config} needs one (lo, hi, interior) "
                         f"per dimension of the operand of shape {x.shape}, interior >= 0")
    shape = _padded_shape(x.shape, padding_config)
    if any(s < 0 for s in shape):
        raise ShapeError(f"pad: padding_config {padding_config} crops the operand of shape "
                         f"{x.shape} to a negative size {shape}")
    return ShapedArray(shape, x.dtype, x.weak_type and padding_value.weak_type)


def pad(operand, padding_value, padding_config):
    """Pad ``operand`` with the rank-0 ``padding_value``; one ``(lo, hi, interior)`` per dimension.

    Negative ``lo``/``hi`` crop; ``interior`` inserts that many values between elements.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.pad(np.array([1.0, 2.0]), 0.0, [(1, 2, 1)])
        array([0., 1., 0., 2., 0., 0.])
    """
    config = tuple(_static_ints("pad", f"padding_config[{d}]", lo_hi_interior)
                   for d, lo_hi_interior in enumerate(padding_config))
    shape = core.shape_of(operand)
    for n, (lo, hi, it) in zip(shape, config):
        if it < 0 or lo + hi + n + max(n - 1, 0) * it < 0:
            raise ValueError(
                f"lax.pad: padding_config {config} on shape {shape}: interior padding must be "
                "non-negative and every padded dimension at least 0 long")
    if config == ((0, 0, 0),) * len(shape):
        return operand
    return pad_p.bind(operand, padding_value, padding_config=config)


def _pad_jvp(primals, tangents, *, padding_config):
    x, padding_value = primals
    ans = pad(x, padding_value, padding_config)
    tx, tv = tangents
    if isinstance(tx, Zero) and isinstance(tv, Zero):
        return ans, Zero.like_primal(ans)
    # A zero padding tangent must take the operand's dtype (the padding value may be weak).
    tv = _zero_literal(core.get_aval(ans).dtype) if isinstance(tv, Zero) else tv
    return ans, pad(instantiate(tx, x), tv, padding_config)


def _pad_transpose(ct, x, padding_value, *, padding_config):
    from fungrad.lax.reductions import reduce_sum  # noqa: PLC0415 (reductions import us)

    unpadded = pad(ct, _zero_literal(core.get_aval(ct).dtype),
                   tuple((-lo, -hi, 0) for lo, hi, _ in padding_config))
    shape = core.shape_of(unpadded)
    ct_x = slice(unpadded, (0,) * len(shape), shape, tuple(it + 1 for _, _, it in padding_config))
    ct_value = None
    if is_linear(padding_value):
        axes = tuple(range(len(shape)))
        ct_value = _sub(reduce_sum(ct, axes), reduce_sum(ct_x, axes))
    return [ct_x if is_linear(x) else None, ct_value]


def _sub(a, b):
    from fungrad.lax.elementwise import sub  # noqa: PLC0415 (elementwise imports us)

    return sub(a, b)


pad_p.def_impl(_pad_impl)
pad_p.def_abstract_eval(_pad_abstract_eval)
deflinear(pad_p, _pad_transpose)
jvp_rules[pad_p] = _pad_jvp

# ---------------------------------------------------------------------------------------
# concatenate: join operands along one dimension

concatenate_p = Primitive("concatenate")
concatenate_p.def_impl(
    lambda *xs, dimension: get_array_module(*xs).concatenate(xs, axis=dimension))


def _concatenate_abstract_eval(*xs, dimension):
    shapes = ", ".join(str(x.shape) for x in xs)
    first = xs[0]
    if not 0 <= dimension < first.ndim:
        raise ShapeError(f"concatenate: dimension {dimension} is out of range for operands "
                         f"of shapes {shapes}")
    drop = lambda s: s[:dimension] + s[dimension + 1:]
    if any(x.ndim != first.ndim or drop(x.shape) != drop(first.shape) for x in xs):
        raise ShapeError(f"concatenate: operand shapes {shapes} must agree except along "
                         f"dimension {dimension}")
    dtype = core.check_same_dtypes("concatenate", *xs)
    size = sum(x.shape[dimension] for x in xs)
    shape = first.shape[:dimension] + (size,) + first.shape[dimension + 1:]
    return ShapedArray(shape, dtype, all(x.weak_type for x in xs))


def concatenate(operands, dimension: int):
    """Join a sequence of arrays along ``dimension`` (like ``jax.lax.concatenate``).

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.concatenate([np.ones((1, 2)), np.zeros((2, 2))], 0)
        array([[1., 1.],
               [0., 0.],
               [0., 0.]])
    """
    operands = tuple(operands)
    if len(operands) == 1:
        return operands[0]
    dimension = _static_int("concatenate", "dimension", dimension)
    return concatenate_p.bind(*operands, dimension=dimension)


def _concatenate_transpose(ct, *xs, dimension):
    out, start = [], 0
    for x in xs:
        size = (x.aval if is_linear(x) else core.get_aval(x)).shape[dimension]
        out.append(slice_in_dim(ct, start, start + size, 1, dimension) if is_linear(x) else None)
        start += size
    return out


concatenate_p.def_abstract_eval(_concatenate_abstract_eval)
deflinear(concatenate_p, _concatenate_transpose)

# ---------------------------------------------------------------------------------------
# slice: static start/limit/stride per dimension

slice_p = Primitive("slice")


def _slice_impl(x, *, start_indices, limit_indices, strides):
    return x[tuple(builtins.slice(s, lim, st)
                   for s, lim, st in zip(start_indices, limit_indices, strides, strict=True))]


def _slice_abstract_eval(x, *, start_indices, limit_indices, strides):
    ok = len(start_indices) == len(limit_indices) == len(strides) == x.ndim and all(
        0 <= s <= lim <= n and st >= 1
        for n, s, lim, st in zip(x.shape, start_indices, limit_indices, strides, strict=True))
    if not ok:
        raise ShapeError(f"slice: start_indices {start_indices}, limit_indices {limit_indices} "
                         f"and strides {strides} do not fit an operand of shape {x.shape} "
                         "(need 0 <= start <= limit <= size and stride >= 1 per dimension)")
    shape = tuple(-(-(lim - s) // st)
                  for s, lim, st in zip(start_indices, limit_indices, strides, strict=True))
    return ShapedArray(shape, x.dtype, x.weak_type)


def slice(operand, start_indices, limit_indices, strides=None):  # noqa: A001 (lax's name)
    """Take ``operand[start:limit:stride]`` in every dimension (static, in-bounds indices).

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.slice(np.arange(10.0), (1,), (8,), (3,))
        array([1., 4., 7.])
    """
    start = _static_ints("slice", "start_indices", start_indices)
    limit = _static_ints("slice", "limit_indices", limit_indices)
    strides = (1,) * len(start) if strides is None else _static_ints("slice", "strides", strides)
    shape = tuple(core.shape_of(operand))
    _check_slice(shape, start, limit, strides)
    if start == (0,) * len(start) and limit == shape and set(strides) <= {1}:
        return operand
    return slice_p.bind(operand, start_indices=start, limit_indices=limit, strides=strides)


def _check_slice(shape, start, limit, strides) -> None:
    if not len(start) == len(limit) == len(strides) == len(shape):
        raise ShapeError(
            f"lax.slice: start_indices {start}, limit_indices {limit} and strides {strides} "
            f"need one entry per dimension of the operand of shape {shape}.")
    for d, (lo, hi, step, size) in enumerate(zip(start, limit, strides, shape)):
        if not 0 <= lo <= hi <= size or step < 1:
            raise ShapeError(
                f"lax.slice: dimension {d} (size {size}) has start {lo}, limit {hi}, stride "
                f"{step}; lax.slice needs 0 <= start <= limit <= size and stride >= 1 (use "
                "fungrad.numpy indexing for negative or clamped bounds).")


def slice_in_dim(operand, start_index: int, limit_index: int, stride: int = 1, axis: int = 0):
    """Slice ``operand[start:limit:stride]`` along one ``axis`` (the other axes whole).

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.slice_in_dim(np.arange(6.0).reshape(2, 3), 1, 3, axis=1)
        array([[1., 2.],
               [4., 5.]])
    """
    shape = core.shape_of(operand)
    start, limit, strides = [0] * len(shape), list(shape), [1] * len(shape)
    start[axis], limit[axis], strides[axis] = start_index, limit_index, stride
    return slice(operand, start, limit, strides)


def _slice_transpose(ct, x, *, start_indices, limit_indices, strides):
    # Scatter ct back with a pad: interior stride-1 re-spaces it, hi covers the remainder.
    sizes = zip(x.aval.shape, core.shape_of(ct), start_indices, strides, strict=True)
    config = tuple((s, n - s - _dilated(m, st - 1), st - 1) for n, m, s, st in sizes)
    return [pad(ct, _zero_literal(core.get_aval(ct).dtype), config)]


slice_p.def_impl(_slice_impl)
slice_p.def_abstract_eval(_slice_abstract_eval)
deflinear(slice_p, _slice_transpose)


# ---------------------------------------------------------------------------------------
# Batching rules of the remaining shape primitives: the batch axis goes first and every
# static axis parameter shifts by one.


def _shifted(dims):
    return tuple(d + 1 for d in dims)


def _squeeze_batch(vals, dims, *, dimensions):
    x = move_axis(vals[0], dims[0], 0)
    return squeeze(x, _shifted(dimensions)), 0


def _expand_dims_batch(vals, dims, *, dimensions):
    x = move_axis(vals[0], dims[0], 0)
    return expand_dims(x, _shifted(dimensions)), 0


def _rev_batch(vals, dims, *, dimensions):
    x = move_axis(vals[0], dims[0], 0)
    return rev(x, _shifted(dimensions)), 0


def _slice_batch(vals, dims, *, start_indices, limit_indices, strides):
    x = move_axis(vals[0], dims[0], 0)
    size = core.shape_of(x)[0]
    return slice(x, (0, *start_indices), (size, *limit_indices), (1, *strides)), 0


def _concatenate_batch(vals, dims, *, dimension):
    size = batch_size(vals, dims)
    xs = [bdim_to_front(v, d, size) for v, d in zip(vals, dims)]
    return concatenate(xs, dimension + 1), 0


def _pad_batch(vals, dims, *, padding_config):
    from fungrad.lax.comparison import select_n  # noqa: PLC0415 (comparison imports us)

    (x, value), (dx, dv) = vals, dims
    size = batch_size(vals, dims)
    x = bdim_to_front(x, dx, size)
    config = ((0, 0, 0), *padding_config)
    if dv is None:
        return pad(x, value, config), 0
    # A per-example padding value: select it outside a mask of the operand's own positions
    # (a select, not arithmetic on the mask, so inf and nan stay where they are).
    zero = core.get_aval(x).dtype.type(0)
    padded = pad(x, zero, config)
    inside = pad(broadcast_in_dim(np.True_, core.shape_of(x), ()), np.False_, config)
    v = broadcast_in_dim(move_axis(value, dv, 0), core.shape_of(padded), (0,))
    return select_n(inside, v, padded), 0


batching_rules[squeeze_p] = _squeeze_batch
batching_rules[expand_dims_p] = _expand_dims_batch
batching_rules[rev_p] = _rev_batch
batching_rules[slice_p] = _slice_batch
batching_rules[concatenate_p] = _concatenate_batch
batching_rules[pad_p] = _pad_batch

# The interpreters build zeros and move batch axes with these (see fungrad.interpreters.hooks).
hooks.install(broadcast_in_dim=broadcast_in_dim, transpose=transpose)
