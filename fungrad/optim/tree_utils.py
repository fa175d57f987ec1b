"""Arithmetic on whole pytrees (as ``optax.tree_utils``): sums, scalings, norms, fills.

Every function maps over leaves with `tree_map`, so the trees must share structure; the
reductions (`tree_vdot`, `tree_sum`, `tree_norm`...) return scalars.

>>> import numpy as np
>>> a, b = {'x': np.ones(2), 'y': np.array(2.0)}, {'x': np.full(2, 3.0), 'y': np.array(1.0)}
>>> float(tree_vdot(a, b)), float(tree_norm(a, squared=True))
(8.0, 6.0)
"""

from __future__ import annotations

from typing import Any

import numpy as np

import fungrad.numpy as fnp
from fungrad.core import get_aval
from fungrad.optim.state_params import tree_map_params  # noqa: F401 (optax.tree_utils' names)
from fungrad.optim.state_search import (  # noqa: F401
    NamedTupleKey,
    tree_get,
    tree_get_all_with_path,
    tree_set,
)
from fungrad.optim.tree_random import (  # noqa: F401
    tree_random_like,
    tree_split_key_like,
    tree_unwrap_random_key_data,
)
from fungrad.tree_util import tree_leaves, tree_map

__all__ = [
    "tree_add", "tree_sub", "tree_mul", "tree_div", "tree_scale", "tree_scalar_mul",
    "tree_add_scale", "tree_norm", "tree_l2_norm", "tree_zeros_like", "tree_ones_like",
    "tree_full_like", "tree_vdot", "tree_sum", "tree_max", "tree_min", "tree_size",
    "tree_cast", "tree_cast_like", "tree_clip", "tree_where", "tree_allclose", "tree_dtype",
    "tree_update_moment", "tree_update_moment_per_elem_norm", "tree_update_infinity_moment",
    "tree_bias_correction", "NamedTupleKey", "tree_get", "tree_get_all_with_path", "tree_set",
    "tree_real", "tree_conj", "tree_batch_shape", "tree_map_params", "tree_random_like",
    "tree_split_key_like", "tree_unwrap_random_key_data",
]

PyTree = Any


def tree_add(tree_x: PyTree, tree_y: PyTree, *other_trees: PyTree) -> PyTree:
    """Leafwise sum of two or more trees."""
    return tree_map(lambda x, *ys: sum(ys, x), tree_x, tree_y, *other_trees)


def tree_sub(tree_x: PyTree, tree_y: PyTree) -> PyTree:
    """Leafwise ``tree_x - tree_y``."""
    return tree_map(fnp.subtract, tree_x, tree_y)


def tree_mul(tree_x: PyTree, tree_y: PyTree) -> PyTree:
    """Leafwise product."""
    return tree_map(fnp.multiply, tree_x, tree_y)


def tree_div(tree_x: PyTree, tree_y: PyTree) -> PyTree:
    """Leafwise quotient."""
    return tree_map(fnp.divide, tree_x, tree_y)


def tree_scale(scalar: Any, tree: PyTree) -> PyTree:
    """Every leaf times `scalar`."""
    return tree_map(lambda x: scalar * x, tree)


tree_scalar_mul = tree_scale  # optax's older name


def tree_add_scale(tree_x: PyTree, scalar: Any, tree_y: PyTree) -> PyTree:
    """Leafwise ``tree_x + scalar * tree_y``."""
    return tree_map(lambda x, y: x + scalar * y, tree_x, tree_y)


def tree_real(tree: PyTree) -> PyTree:
    """The real part of every leaf.

    >>> import numpy as np
    >>> tree_real({'z': np.array([1 + 2j])})['z'].tolist()
    [1.0]
    """
    return tree_map(fnp.real, tree)


def tree_conj(tree: PyTree) -> PyTree:
    """The complex conjugate of every leaf.

    >>> import numpy as np
    >>> tree_conj({'z': np.array([1 + 2j])})['z'].tolist()
    [(1-2j)]
    """
    return tree_map(fnp.conj, tree)


def tree_batch_shape(tree: PyTree, shape: tuple[int, ...] = ()) -> PyTree:
    """Every leaf broadcast to leading batch dimensions `shape`: ``(*shape, *leaf.shape)``.

    >>> import numpy as np
    >>> tree_batch_shape({'w': np.ones(3)}, (2,))['w'].shape
    (2, 3)
    """
    try:
        shape = tuple(int(n) for n in shape)
    except TypeError:
        raise TypeError(f"tree_batch_shape: shape must be a tuple of ints, got {shape!r:.40} "
                        f"of type {type(shape).__name__}; for one batch dimension of size n "
                        "pass (n,).") from None
    return tree_map(lambda x: fnp.broadcast_to(x, (*shape, *fnp.shape(x))), tree)


def tree_vdot(tree_x: PyTree, tree_y: PyTree) -> Any:
    """The inner product of two trees: the sum of the leaves' `vdot`s."""
    products = tree_leaves(tree_map(fnp.vdot, tree_x, tree_y))
    return sum(products[1:], products[0]) if products else fnp.asarray(0.0)


def tree_sum(tree: PyTree, associative_reduction: bool = False) -> Any:
    """The sum of all elements of all leaves."""
    del associative_reduction  # the order of an eager sum is fixed either way
    sums = [fnp.sum(x) for x in tree_leaves(tree)]
    return sum(sums[1:], sums[0]) if sums else fnp.asarray(0.0)


def tree_max(tree: PyTree) -> Any:
    """The largest element over all leaves."""
    maxima = [fnp.max(x) for x in tree_leaves(tree)]
    if not maxima:
        raise ValueError("tree_max: the tree has no leaves.")
    out = maxima[0]
    for m in maxima[1:]:
        out = fnp.maximum(out, m)
    return out


def tree_min(tree: PyTree) -> Any:
    """The smallest element over all leaves."""
    minima = [fnp.min(x) for x in tree_leaves(tree)]
    if not minima:
        raise ValueError("tree_min: the tree has no leaves.")
    out = minima[0]
    for m in minima[1:]:
        out = fnp.minimum(out, m)
    return out


def tree_norm(tree: PyTree, ord: Any = None, squared: bool = False) -> Any:  # noqa: A002
    """The norm of all leaves taken together: L2 (`ord` None or 2), 1, or inf.

    Args:
      tree: a pytree of arrays.
      ord: None/2, 1, or ``inf``/``'inf'``.
      squared: return the squared norm (L2 only).

    Returns:
      A scalar.
    """
    if ord in (None, 2, "fro"):
        total = tree_vdot(tree, tree)
        return total if squared else fnp.sqrt(total)
    if squared:
        raise ValueError(f"tree_norm: squared=True needs the L2 norm, got ord={ord!r}.")
    if ord == 1:
        return tree_sum(tree_map(fnp.abs, tree))
    if ord in (np.inf, "inf"):
        return tree_max(tree_map(fnp.abs, tree))
    raise ValueError(f"tree_norm: ord must be None, 1, 2 or inf, got {ord!r}.")


def tree_l2_norm(tree: PyTree, *, ord: Any = None, squared: bool = False) -> Any:  # noqa: A002
    """`tree_norm` under optax's older name."""
    return tree_norm(tree, ord=ord, squared=squared)


def tree_zeros_like(tree: PyTree, dtype: Any = None) -> PyTree:
    """Zeros shaped like each leaf (in `dtype` if given)."""
    return tree_map(lambda x: fnp.zeros_like(x, dtype=dtype), tree)


def tree_ones_like(tree: PyTree, dtype: Any = None) -> PyTree:
    """Ones shaped like each leaf (in `dtype` if given)."""
    return tree_map(lambda x: fnp.ones_like(x, dtype=dtype), tree)


def tree_full_like(tree: PyTree, fill_value: Any, dtype: Any = None) -> PyTree:
    """`fill_value` shaped like each leaf (in `dtype` if given)."""
    return tree_map(lambda x: fnp.full_like(x, fill_value, dtype=dtype), tree)


def tree_size(tree: PyTree) -> int:
    """The number of elements over all leaves."""
    return sum(int(np.prod(get_aval(x).shape)) for x in tree_leaves(tree))


def tree_cast(tree: PyTree, dtype: Any) -> PyTree:
    """Every leaf in `dtype` (None: unchanged)."""
    if dtype is None:
        return tree
    return tree_map(lambda x: fnp.asarray(x, dtype=dtype), tree)


def tree_cast_like(tree: PyTree, other_tree: PyTree) -> PyTree:
    """Every leaf in the dtype of the matching leaf of `other_tree`."""
    return tree_map(lambda x, o: fnp.asarray(x, dtype=get_aval(o).dtype), tree, other_tree)


def tree_clip(tree: PyTree, min_value: Any = None, max_value: Any = None) -> PyTree:
    """Every leaf clipped to ``[min_value, max_value]`` (None: unbounded on that side)."""
    return tree_map(lambda x: fnp.clip(x, min_value, max_value), tree)


def tree_where(condition: Any, tree_x: PyTree, tree_y: PyTree) -> PyTree:
    """Leafwise ``where(condition, x, y)``; `condition` is one (broadcast) array."""
    return tree_map(lambda x, y: fnp.where(condition, x, y), tree_x, tree_y)


def tree_allclose(a: PyTree, b: PyTree, rtol: float = 1e-5, atol: float = 1e-8,
                  equal_nan: bool = False) -> bool:
    """Whether the trees have one structure and all leaves are close (a Python bool)."""
    la, lb = tree_leaves(a), tree_leaves(b)
    if len(la) != len(lb):
        return False
    return all(np.allclose(np.asarray(x), np.asarray(y), rtol=rtol, atol=atol,
                           equal_nan=equal_nan) for x, y in zip(la, lb, strict=True))


def tree_dtype(tree: PyTree, mixed_dtype_handler: str | None = None) -> np.dtype:
    """The leaves' common dtype.

    Args:
      tree: a pytree of arrays.
      mixed_dtype_handler: None (mixed dtypes are an error), 'promote', 'highest' or
        'lowest'.

    Returns:
      A NumPy dtype.
    """
    dtypes = [np.dtype(get_aval(x).dtype) for x in tree_leaves(tree)]
    if not dtypes:
        return np.dtype(np.float64)
    if len(set(dtypes)) == 1:
        return dtypes[0]
    if mixed_dtype_handler == "promote":
        return np.result_type(*dtypes)
    if mixed_dtype_handler in ("highest", "lowest"):
        pick = max if mixed_dtype_handler == "highest" else min
        return pick(dtypes, key=lambda d: d.itemsize)
    raise ValueError(
        f"tree_dtype: the leaves have several dtypes {sorted({str(d) for d in dtypes})}; pass "
        "mixed_dtype_handler='promote', 'highest' or 'lowest'."
    )


def tree_update_moment(updates: PyTree, moments: PyTree, decay: Any, order: int) -> PyTree:
    """``decay * moment + (1 - decay) * update**order``, leafwise (``optim.update_moment``).

    >>> import numpy as np
    >>> tree_update_moment({'w': np.array([2.0])}, {'w': np.array([1.0])}, 0.5, 2)
    {'w': array([2.5])}
    """
    return tree_map(lambda g, t: (1 - decay) * (g**order) + decay * t, updates, moments)


def tree_update_moment_per_elem_norm(updates: PyTree, moments: PyTree, decay: Any,
                                     order: int) -> PyTree:
    """``decay * moment + (1 - decay) * |update|**order``, leafwise.

    >>> import numpy as np
    >>> tree_update_moment_per_elem_norm({'w': np.array([-2.0])}, {'w': np.array([1.0])}, 0.5, 1)
    {'w': array([1.5])}
    """
    return tree_map(lambda g, t: (1 - decay) * (fnp.abs(g) ** order) + decay * t,
                    updates, moments)


def tree_update_infinity_moment(updates: PyTree, moments: PyTree, decay: Any, eps: Any) -> PyTree:
    """``max(|update| + eps, decay * moment)``, leafwise.

    >>> import numpy as np
    >>> tree_update_infinity_moment({'w': np.array([-2.0])}, {'w': np.array([5.0])}, 0.5, 0.0)
    {'w': array([2.5])}
    """
    return tree_map(lambda g, t: fnp.maximum(fnp.abs(g) + eps, decay * t), updates, moments)


def tree_bias_correction(moment: PyTree, decay: Any, count: Any) -> PyTree:
    """``moment / (1 - decay**count)``, leafwise (``optim.bias_correction``).

    >>> import numpy as np
    >>> tree_bias_correction({'w': np.array([0.5])}, 0.5, 1)['w'].tolist()
    [1.0]
    """
    correction = 1 - fnp.power(decay, count)
    return tree_map(lambda t: t / fnp.asarray(correction, dtype=get_aval(t).dtype), moment)
