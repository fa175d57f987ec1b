"""Clipping: bound the updates elementwise (`clip`) or by their global norm."""

from __future__ import annotations

from typing import Any

import numpy as np

import fungrad.numpy as fnp
from fungrad.errors import ShapeError
from fungrad.optim.base import EmptyState, GradientTransformation, check_state, init_empty_state
from fungrad.optim.leafwise import concrete_bool, map_leaves, scalar_like, weak_scalar
from fungrad.tree_util import tree_flatten

__all__ = ["global_norm", "clip", "clip_by_global_norm", "adaptive_grad_clip", "unitwise_norm",
           "per_example_global_norm_clip", "per_example_layer_norm_clip",
           "normalize_by_update_norm", "unitwise_clip", "ClipState", "ClipByGlobalNormState",
           "AdaptiveGradClipState"]

# optax's names for the states of the stateless clippings (all EmptyState, as in optax)
ClipState = ClipByGlobalNormState = AdaptiveGradClipState = EmptyState


def global_norm(updates: Any) -> Any:
    """The L2 norm of all leaves of `updates` taken together, ``sqrt(sum(x**2))``.

    Args:
      updates: a pytree of real arrays.

    Returns:
      A scalar (0.0 for a tree without leaves).

    >>> import numpy as np
    >>> float(global_norm({'a': np.array([3.0]), 'b': np.array([[4.0]])}))
    5.0
    """
    total = 0.0
    for leaf in tree_flatten(updates)[0]:
        # vdot reduces without materialising leaf**2.
        total = fnp.add(total, fnp.vdot(leaf, leaf))
    return fnp.sqrt(total)


def clip(max_delta: float) -> GradientTransformation:
    """Clip every update element to ``[-max_delta, max_delta]``.

    Args:
      max_delta: the bound (> 0).

    Returns:
      A stateless `GradientTransformation`.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> grads = {'w': np.array([1.0, -2.0])}
        >>> t = optim.clip(1.5)
        >>> t.update(grads, t.init(None))[0]['w']
        array([ 1. , -1.5])
    """
    max_delta = weak_scalar(max_delta, "clip: max_delta")

    def clipped(g):
        bound = scalar_like(max_delta, g)
        return fnp.clip(g, -bound, bound)

    def update(updates, state, params=None):
        check_state("clip", state, EmptyState)
        del params
        return map_leaves("clip", clipped, ("updates", updates)), state

    return GradientTransformation(init_empty_state, update)


def clip_by_global_norm(max_norm: float) -> GradientTransformation:
    """Rescale the updates so that their `global_norm` is at most `max_norm`.

    Args:
      max_norm: the largest norm let through unchanged.

    Returns:
      A stateless `GradientTransformation`: updates with a larger norm ``n`` are
      multiplied by ``max_norm / n``; others are returned as they are.

    >>> import numpy as np
    >>> t = clip_by_global_norm(1.0)
    >>> t.update({'w': np.array([3.0, 4.0])}, t.init(None))[0]['w']
    array([0.6, 0.8])
    """
    max_norm = weak_scalar(max_norm, "clip_by_global_norm: max_norm")

    def update(updates, state, params=None):
        check_state("clip_by_global_norm", state, EmptyState)
        del params
        norm = global_norm(updates)
        small = fnp.less(norm, max_norm)
        known = concrete_bool(small)
        if known:
            return updates, state
        factor = fnp.divide(max_norm, norm)
        if known is None:
            factor = fnp.where(small, 1.0, factor)
        new = map_leaves(
            "clip_by_global_norm",
            lambda g: fnp.multiply(g, scalar_like(factor, g)),
            ("updates", updates),
        )
        return new, state

    return GradientTransformation(init_empty_state, update)


def normalize_by_update_norm(scale_factor: float = 1.0, eps: float = 1e-6
                             ) -> GradientTransformation:
    """Divide the updates by their global norm: ``scale_factor * g / (global_norm + eps)``.

    Args:
      scale_factor: the norm of the result (up to `eps`); negative for descent directions.
      eps: added to the norm, so zero updates stay zero.

    Returns:
      A stateless `GradientTransformation`.

    >>> import numpy as np
    >>> t = normalize_by_update_norm(scale_factor=-1.0, eps=0.0)
    >>> t.update({'w': np.array([3.0, 4.0])}, t.init(None))[0]['w'].tolist()
    [-0.6, -0.8]
    """
    scale_factor = weak_scalar(scale_factor, "normalize_by_update_norm: scale_factor")
    eps = weak_scalar(eps, "normalize_by_update_norm: eps")

    def update(updates, state, params=None):
        check_state("normalize_by_update_norm", state, EmptyState)
        del params
        norm = fnp.divide(fnp.add(global_norm(updates), eps), scale_factor)
        new = map_leaves("normalize_by_update_norm",
                         lambda g: fnp.divide(g, scalar_like(norm, g)), ("updates", updates))
        return new, state

    return GradientTransformation(init_empty_state, update)


def unitwise_norm(x: Any, axis: int | tuple[int, ...] | None = None) -> Any:
    """The L2 norm of each output unit of `x`, broadcast back to `x`'s shape.

    Args:
      x: a parameter or gradient leaf.
      axis: the axes to reduce; None picks them from the rank: everything for vectors,
        axis 0 for matrices and 3-D kernels, all but the last for 4-D and 5-D kernels.

    Returns:
      An array of `x`'s shape.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> optim.unitwise_norm(np.array([[3.0, 1.0], [4.0, 0.0]])).tolist()
        [[5.0, 1.0], [5.0, 1.0]]
    """
    shape = fnp.shape(x)
    if axis is None:
        squeezed = [n for n in shape if n != 1]
        if len(squeezed) <= 1:
            axis = tuple(range(len(shape)))
        elif len(shape) in (2, 3):
            axis = 0
        elif len(shape) in (4, 5):
            axis = tuple(range(len(shape) - 1))
        else:
            raise ValueError(
                f"adaptive_grad_clip: cannot choose the unit axes of a leaf of shape {shape} "
                "(ranks 1 to 5 are known); pass axis= to say which axes to reduce."
            )
    squared = fnp.sum(fnp.square(x), axis=axis, keepdims=True)
    return fnp.broadcast_to(fnp.sqrt(squared), shape)


def unitwise_clip(g_norm: Any, max_norm: Any, grad: Any, div_eps: float = 1e-6) -> Any:
    """`grad` where ``g_norm < max_norm``, else `grad` rescaled to norm `max_norm`
    (``grad * max_norm / max(g_norm, div_eps)``): `adaptive_grad_clip`'s step per unit.

    Args:
      g_norm: the unit norms of `grad` (`unitwise_norm`), `grad`'s shape.
      max_norm: the largest norm let through, `grad`'s shape.
      grad: the gradient leaf.
      div_eps: the floor on `g_norm` in the division.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> g = np.array([3.0, 4.0])
        >>> np.round(optim.unitwise_clip(optim.unitwise_norm(g), np.full(2, 1.0), g), 6).tolist()
        [0.6, 0.8]
    """
    shapes = {name: tuple(fnp.shape(x)) for name, x in
              (("g_norm", g_norm), ("max_norm", max_norm), ("grad", grad))}
    if len(set(shapes.values())) != 1:
        raise ShapeError(f"unitwise_clip: g_norm, max_norm and grad must have one shape, got "
                         f"{shapes}; broadcast max_norm to grad's shape first.")
    scaled = grad * (max_norm / fnp.maximum(g_norm, div_eps))
    return fnp.where(g_norm < max_norm, grad, scaled)


def adaptive_grad_clip(
    clipping: float, eps: float = 1e-3, axis: int | tuple[int, ...] | None = None
) -> GradientTransformation:
    """Adaptive gradient clipping (Brock et al., 2021): clip each unit's gradient norm to
    ``clipping * max(||param unit||, eps)``.

    Args:
      clipping: the largest gradient-to-parameter norm ratio let through.
      eps: the floor on parameter norms (so zero-initialised units can move).
      axis: the reduction axes of `unitwise_norm` (None: chosen from each leaf's rank).

    Returns:
      A stateless `GradientTransformation`; ``update`` needs `params`.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> tx = optim.adaptive_grad_clip(clipping=0.1)
        >>> params = {'w': np.array([1.0, 0.0])}
        >>> state = tx.init(params)
        >>> updates, state = tx.update({'w': np.array([3.0, -4.0])}, state, params)
        >>> np.round(updates['w'], 6).tolist()
        [0.06, -0.08]
    """

    def clipped(g, p):
        g_norm, p_norm = unitwise_norm(g, axis), unitwise_norm(p, axis)
        return unitwise_clip(g_norm, clipping * fnp.maximum(p_norm, eps), g)

    def update(updates, state, params=None):
        if params is None:
            raise ValueError("adaptive_grad_clip: update() needs the current parameters: "
                             "call update(updates, state, params).")
        return map_leaves("adaptive_grad_clip", clipped, ("updates", updates),
                          ("params", params)), state

    return GradientTransformation(init_empty_state, update)


# --- Per-example clipping (differential privacy) -------------------------------------------


def _check_batch_dim(fn: str, grads: Any) -> list:
    leaves = tree_flatten(grads)[0]
    shapes = [fnp.shape(g) for g in leaves]
    if not leaves or any(len(s) < 1 or s[0] != shapes[0][0] for s in shapes if shapes[0]) \
            or not shapes[0]:
        raise ValueError(
            f"{fn}: every leaf of grads must have the batch (example) dimension first, of one "
            f"size; got shapes {shapes}. Pass per-example gradients, e.g. from "
            "fg.vmap(fg.grad(loss), in_axes=(None, 0))(params, batch).")
    return leaves


def _clipped_sum(leaves: list, l2_norm_clip: Any) -> tuple[list, Any]:
    sq = 0.0
    for g in leaves:
        sq = sq + fnp.sum(fnp.square(g), axis=tuple(range(1, fnp.ndim(g))))
    positive = sq > 0  # an all-zero example keeps multiplier 1 (and a finite gradient)
    norms = fnp.sqrt(fnp.where(positive, sq, 1.0))
    ratio = l2_norm_clip / norms
    multipliers = fnp.where(positive, fnp.minimum(ratio, 1.0), 1.0)
    num_clipped = fnp.sum(multipliers < 1.0)
    return [fnp.tensordot(scalar_like(1.0, g) * multipliers.astype(fnp.result_type(g)), g,
                          axes=1) for g in leaves], num_clipped


def per_example_global_norm_clip(grads: Any, l2_norm_clip: Any) -> tuple[Any, Any]:
    """Clip each example's gradient to global norm `l2_norm_clip`, then sum over examples.

    Args:
      grads: per-example gradients: every leaf has the batch dimension first.
      l2_norm_clip: the largest global L2 norm of one example's gradient.

    Returns:
      ``(summed_clipped_grads, num_clipped)``: the sum has no batch dimension;
      `num_clipped` counts the examples that were scaled down.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> g = {'w': np.array([[3.0, 4.0], [0.3, 0.4]])}
        >>> total, n = optim.per_example_global_norm_clip(g, 1.0)
        >>> np.round(total['w'], 6).tolist(), int(n)
        ([0.9, 1.2], 1)
    """
    leaves = _check_batch_dim("per_example_global_norm_clip", grads)
    summed, num_clipped = _clipped_sum(leaves, l2_norm_clip)
    return tree_flatten(grads)[1].unflatten(summed), num_clipped


def per_example_layer_norm_clip(grads: Any, global_l2_norm_clip: Any, uniform: bool = True
                                ) -> tuple[Any, Any]:
    """Clip each example's gradient leaf by leaf, then sum over examples.

    Leaf `i` is clipped to ``global_l2_norm_clip * sqrt(w_i)``, with ``w_i = 1 / #leaves``
    (`uniform`) or the leaf's share of the parameters, so the clipped whole has a global
    norm of at most `global_l2_norm_clip`.

    Returns:
      ``(summed_clipped_grads, num_clipped)``, both pytrees of `grads`' structure.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> g = {'a': np.array([[3.0, 4.0]]), 'b': np.array([[0.1]])}
        >>> total, n = optim.per_example_layer_norm_clip(g, np.sqrt(2.0))
        >>> np.round(total['a'], 6).tolist(), {k: int(v) for k, v in n.items()}
        ([0.6, 0.8], {'a': 1, 'b': 0})
    """
    leaves = _check_batch_dim("per_example_layer_norm_clip", grads)
    treedef = tree_flatten(grads)[1]
    if uniform:
        clips = [global_l2_norm_clip * (1.0 / len(leaves)) ** 0.5 for _ in leaves]
    else:
        sizes = [int(np.prod(fnp.shape(g)[1:])) for g in leaves]
        clips = [global_l2_norm_clip * (n / sum(sizes)) ** 0.5 for n in sizes]
    out = [_clipped_sum([g], c) for g, c in zip(leaves, clips)]
    return (treedef.unflatten([o[0][0] for o in out]), treedef.unflatten([o[1] for o in out]))
