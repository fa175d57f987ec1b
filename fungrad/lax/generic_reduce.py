"""``lax.reduce``: reduce operands over dimensions with a binary ``computation``.

Like JAX, the monoids are recognised and become the reduction primitives: a
``computation`` that is ``lax.add``/``mul``/``max``/``min``/``bitwise_and``/``bitwise_or``
(or any function whose traced body is that single primitive, such as ``lambda a, b: a +
b``) with its identity as ``init_value``. Any other computation (several operands, or a
non-identity init) runs as a pairwise tree of calls over the reduced elements, built from
slicing: ``ceil(log2(n))`` levels per dimension, so ``computation`` must be associative
and commutative (as XLA assumes), and elementwise over arrays.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ["reduce"]

from fungrad import dtypes
from fungrad.array_module import constant_like
from fungrad.core import ShapedArray, get_aval, shape_of
from fungrad.ir import stage_flat
from fungrad.lax import elementwise as ew
from fungrad.lax import reductions as red
from fungrad.lax.shape_ops import broadcast_in_dim, concatenate, slice_in_dim, squeeze
from fungrad.tree_util import tree_flatten, tree_unflatten

# primitive -> (reduction, identity for a dtype)
_MONOIDS = {
    ew.add_p: (red.reduce_sum, lambda d: np.zeros((), d)),
    ew.mul_p: (red.reduce_prod, lambda d: np.ones((), d)),
    ew.max_p: (red.reduce_max, lambda d: _extreme(d, low=True)),
    ew.min_p: (red.reduce_min, lambda d: _extreme(d, low=False)),
    ew.and_p: (red.reduce_and, lambda d: np.array(True if d.kind == "b" else -1, d)),
    ew.or_p: (red.reduce_or, lambda d: np.zeros((), d)),
}


def _extreme(dtype: np.dtype, low: bool):
    if dtypes.is_floating(dtype):
        return np.array(-np.inf if low else np.inf, dtype)
    if dtype.kind == "b":
        return np.array(not low, dtype)
    info = np.iinfo(dtype)
    return np.array(info.min if low else info.max, dtype)


def _monoid(computation, dtype: np.dtype):
    """The primitive that ``computation`` is, for scalars of ``dtype``, or None."""
    aval = ShapedArray((), dtype)
    try:
        ir = stage_flat(lambda a, b: [computation(a, b)], [aval, aval], "reduce")
    except Exception:  # noqa: BLE001 (anything unusual: use the general path)
        return None
    if len(ir.eqns) != 1 or ir.consts:
        return None
    eqn = ir.eqns[0]
    ins = list(eqn.inputs)
    if eqn.prim in _MONOIDS and set(map(id, ins)) == set(map(id, ir.invars)) \
            and ir.outvars[0] is eqn.outputs[0]:
        return eqn.prim
    return None


def _is_identity(value, identity) -> bool:
    try:
        return bool(np.asarray(value) == identity) and shape_of(value) == ()
    except Exception:  # noqa: BLE001 (a tracer: not known to be the identity)
        return False


def reduce(operands: Any, init_values: Any, computation: Callable[[Any, Any], Any],  # noqa: A001
           dimensions: Sequence[int], out_sharding=None) -> Any:
    """Reduce ``operands`` over ``dimensions`` with ``computation``, starting at ``init_values``.

    Args:
        operands: an array or a pytree of arrays of one shape.
        init_values: rank-0 values, one per operand (same structure).
        computation: ``computation(acc, x)`` on pytrees like ``operands`` of scalars,
            associative and commutative.
        dimensions: the axes to reduce.
        out_sharding: accepted for JAX compatibility; must be None.

    Example:
        >>> import numpy as np
        >>> reduce(np.arange(6.0).reshape(2, 3), 0.0, lambda a, b: a + b, (1,))
        array([ 3., 12.])
    """
    if out_sharding is not None:
        raise NotImplementedError("lax.reduce: out_sharding is not supported; pass None.")
    leaves, treedef = tree_flatten(operands)
    inits, init_tree = tree_flatten(init_values)
    if init_tree != treedef:
        raise TypeError(f"lax.reduce: init_values has structure {init_tree} but operands has "
                        f"{treedef}; give one rank-0 init value per operand.")
    shapes = {shape_of(x) for x in leaves}
    if len(shapes) != 1:
        raise ValueError(f"lax.reduce: operands need one shape, got {sorted(shapes)}")
    shape = shapes.pop()
    dims = tuple(sorted({int(d) % max(len(shape), 1) for d in dimensions}))
    if any(not 0 <= int(d) + (len(shape) if int(d) < 0 else 0) < len(shape)
           for d in dimensions):
        raise ValueError(f"lax.reduce: dimensions {tuple(dimensions)} are out of range for "
                         f"operands of shape {shape}")
    if len(leaves) == 1:
        dtype = get_aval(leaves[0]).dtype
        prim = _monoid(computation, dtype)
        if prim is not None and _is_identity(inits[0], _MONOIDS[prim][1](dtype)):
            return tree_unflatten(treedef, [_MONOIDS[prim][0](leaves[0], dims)])
    return tree_unflatten(treedef, _tree_reduce(leaves, inits, treedef, computation, dims))


def _tree_reduce(leaves, inits, treedef, computation, dims):
    def combine(a, b):
        out, out_tree = tree_flatten(computation(tree_unflatten(treedef, a),
                                                 tree_unflatten(treedef, b)))
        if out_tree != treedef:
            raise TypeError(f"lax.reduce: computation returned structure {out_tree}, but "
                            f"operands have {treedef}")
        return out

    shape = shape_of(leaves[0])
    if any(shape[d] == 0 for d in dims):  # an empty reduction gives the init values
        out_shape = tuple(s for i, s in enumerate(shape) if i not in dims)
        return [broadcast_in_dim(_as_array(v, x), out_shape, ()) for v, x in zip(inits, leaves)]
    # Reduce the highest dimension first so that the lower ones keep their indices.
    for d in reversed(dims):
        while shape_of(leaves[0])[d] > 1:
            n = shape_of(leaves[0])[d]
            half = n // 2
            a = [slice_in_dim(x, 0, half, axis=d) for x in leaves]
            b = [slice_in_dim(x, half, 2 * half, axis=d) for x in leaves]
            paired = combine(a, b)
            if n % 2:
                paired = [concatenate([p, slice_in_dim(x, 2 * half, n, axis=d)], d)
                          for p, x in zip(paired, leaves)]
            leaves = paired
        leaves = [squeeze(x, (d,)) for x in leaves]
    out_shape = shape_of(leaves[0])
    init_b = [broadcast_in_dim(_as_array(v, x), out_shape, ()) for v, x in zip(inits, leaves)]
    return combine(init_b, leaves)


def _as_array(value, like):
    dtype = get_aval(like).dtype
    if hasattr(value, "aval") or hasattr(value, "_trace"):
        return value
    return constant_like(np.asarray(value, dtype), like)  # on the operand's device
