"""Step-size rules from optax: sign, Rprop, optimistic gradients, Polyak, DoG, block norms.

Each is optax's block of the same name, arguments and state, written leafwise with
fungrad.numpy so it runs eagerly, under grad, jit and vmap.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

import fungrad.numpy as fnp
from fungrad.optim.base import (
    EmptyState,
    GradientTransformation,
    GradientTransformationExtraArgs,
    init_empty_state,
)
from fungrad.optim.leafwise import (
    astype_like,
    map_leaves,
    require_params,
    scalar_like,
    tree_select,
    weak_scalar,
    zeros_tree,
)
from fungrad.optim.numerics import safe_norm
from fungrad.tree_util import tree_leaves, tree_structure

__all__ = [
    "scale_by_sign",
    "scale_by_rprop",
    "ScaleByRpropState",
    "scale_by_optimistic_gradient",
    "ScaleByOptimisticGradientState",
    "scale_by_polyak",
    "scale_by_distance_over_gradients",
    "ScaleByDistanceOverGradientsState",
    "scale_by_param_block_norm",
]


def scale_by_sign() -> GradientTransformation:
    """Replace each update by its sign (-1, 0 or 1).

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> tx = optim.scale_by_sign()
        >>> tx.update({'w': np.array([0.5, 0.0, -2.0])}, tx.init(None))[0]['w'].tolist()
        [1.0, 0.0, -1.0]
    """

    def update(updates, state, params=None):
        del params
        return map_leaves("scale_by_sign", fnp.sign, ("updates", updates)), state

    return GradientTransformation(init_empty_state, update)


# --- Rprop ---------------------------------------------------------------------------------


class ScaleByRpropState(NamedTuple):
    """Rprop's per-element step sizes and previous (signed, scaled) updates.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> optim.scale_by_rprop(0.1).init({'w': np.zeros(2)})._fields
        ('step_sizes', 'prev_updates')
    """

    step_sizes: Any
    prev_updates: Any


def scale_by_rprop(  # noqa: PLR0917 (optax's signature)
    learning_rate: float,
    eta_minus: float = 0.5,
    eta_plus: float = 1.2,
    min_step_size: float = 1e-6,
    max_step_size: float = 50.0,
) -> GradientTransformation:
    """Rprop (Riedmiller & Braun, 1993): per-element step sizes adapted to sign changes.

    Where the gradient keeps its sign the step grows by `eta_plus`, where it flips it
    shrinks by `eta_minus` (and that step is skipped), clipped to
    ``[min_step_size, max_step_size]``. The update is ``step_size * sign(g)``, applied one
    step late as in optax (the first update is zero).

    Args:
      learning_rate: the initial step size of every element.
      eta_minus, eta_plus: the factors on a sign flip and on a kept sign.
      min_step_size, max_step_size: the step sizes' bounds.

    Returns:
      A `GradientTransformation` with a `ScaleByRpropState`.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> tx = optim.scale_by_rprop(0.1)
        >>> params = {'w': np.array([1.0, -1.0])}
        >>> state = tx.init(params)
        >>> for g in ([0.5, -2.0], [0.3, 1.0], [0.2, 1.0]):
        ...     updates, state = tx.update({'w': np.array(g)}, state, params)
        >>> np.round(updates['w'], 6).tolist()
        [0.12, 0.0]
    """
    name = "scale_by_rprop"
    lr, eta_minus, eta_plus, lo, hi = (
        weak_scalar(x, f"{name}: {n}") for x, n in (
            (learning_rate, "learning_rate"), (eta_minus, "eta_minus"), (eta_plus, "eta_plus"),
            (min_step_size, "min_step_size"), (max_step_size, "max_step_size")))

    def init(params):
        return ScaleByRpropState(
            step_sizes=map_leaves(name, lambda p: fnp.full_like(p, lr), ("params", params)),
            prev_updates=zeros_tree(name, params))

    def update(updates, state, params=None):
        del params

        def step(g, size, prev):
            s = g * prev
            factor = fnp.where(s > 0, eta_plus, eta_minus)
            grown = fnp.clip(size * factor, scalar_like(lo, size), scalar_like(hi, size))
            size = astype_like(fnp.where(s == 0, size, grown), size)
            flipped = s < 0
            new_prev = astype_like(fnp.where(flipped, 0.0, size * fnp.sign(g)), prev)
            out = astype_like(fnp.where(flipped, 0.0, prev), g)  # last step's, as in optax
            return out, size, new_prev

        new, sizes, prev = map_leaves(
            name, step, ("updates", updates), ("state.step_sizes", state.step_sizes),
            ("state.prev_updates", state.prev_updates), n_outputs=3)
        return new, ScaleByRpropState(step_sizes=sizes, prev_updates=prev)

    return GradientTransformation(init, update)


# --- Optimistic gradients ------------------------------------------------------------------


class ScaleByOptimisticGradientState(NamedTuple):
    """Whether no update was made yet, and the previous gradient.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> optim.scale_by_optimistic_gradient().init({'w': np.zeros(2)})._fields
        ('is_initial_step', 'previous_gradient')
    """

    is_initial_step: Any
    previous_gradient: Any


def scale_by_optimistic_gradient(alpha: float = 1.0, beta: float = 1.0
                                 ) -> GradientTransformation:
    """Optimistic gradients: ``(alpha + beta) * g - beta * g_prev``.

    At the first step ``g_prev`` is `g` itself, so the update is ``alpha * g``.

    Args:
      alpha: the weight of the current gradient.
      beta: the weight of the gradient difference (negative momentum).

    Returns:
      A `GradientTransformation` with a `ScaleByOptimisticGradientState`.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> tx = optim.scale_by_optimistic_gradient()
        >>> state = tx.init({'w': np.zeros(2)})
        >>> _, state = tx.update({'w': np.array([1.0, 2.0])}, state)
        >>> tx.update({'w': np.array([2.0, 2.0])}, state)[0]['w'].tolist()
        [3.0, 2.0]
    """
    name = "scale_by_optimistic_gradient"
    alpha, beta = weak_scalar(alpha, f"{name}: alpha"), weak_scalar(beta, f"{name}: beta")

    def init(params):
        return ScaleByOptimisticGradientState(is_initial_step=np.array(True),
                                              previous_gradient=zeros_tree(name, params))

    def update(updates, state, params=None):
        del params
        first = state.is_initial_step

        def step(g, prev):
            prev = tree_select(first, g, prev)
            return astype_like(fnp.multiply(scalar_like(alpha + beta, g), g)
                               - fnp.multiply(scalar_like(beta, g), prev), g)

        new = map_leaves(name, step, ("updates", updates),
                         ("state.previous_gradient", state.previous_gradient))
        return new, ScaleByOptimisticGradientState(is_initial_step=np.array(False),
                                                   previous_gradient=updates)

    return GradientTransformation(init, update)


# --- Polyak step size ----------------------------------------------------------------------


def scale_by_polyak(
    f_min: float = 0.0,
    max_learning_rate: float = 1.0,
    eps: float = 0.0,
    variant: str = "sps",
) -> GradientTransformationExtraArgs:
    """Polyak's step size: ``min((value - f_min) / (||g||**2 + eps), max_learning_rate)``.

    Args:
      f_min: a lower bound of the objective.
      max_learning_rate: the largest step.
      eps: added to the squared norm.
      variant: 'sps', or 'sps+' to clip a negative gap ``value - f_min`` to 0.

    Returns:
      A stateless `GradientTransformationExtraArgs`; ``update`` needs the objective's
      current ``value=`` keyword. A zero gradient gives a zero step.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> tx = optim.scale_by_polyak()
        >>> tx.update({'w': np.array([3.0, 4.0])}, tx.init(None), value=12.5)[0]['w'].tolist()
        [1.5, 2.0]
    """
    name = "scale_by_polyak"
    if variant not in ("sps", "sps+"):
        raise ValueError(f"{name}: variant must be 'sps' or 'sps+', got {variant!r}.")
    f_min, max_lr, eps = (weak_scalar(x, f"{name}: {n}") for x, n in (
        (f_min, "f_min"), (max_learning_rate, "max_learning_rate"), (eps, "eps")))

    def update(updates, state, params=None, *, value=None, **extra_args):
        del params, extra_args
        if value is None:
            raise ValueError(f"{name}: update() needs the objective's current value: call "
                             "update(updates, state, params, value=loss).")
        leaves = tree_leaves(updates)
        if not leaves:
            return updates, state
        sq = sum(fnp.sum(fnp.square(g)) for g in leaves)
        gap = astype_like(fnp.asarray(value) - f_min, sq)
        if variant == "sps+":
            gap = fnp.maximum(gap, 0.0)
        den = sq + eps
        tiny = den <= np.finfo(float).eps
        size = fnp.where(tiny, 0.0, fnp.minimum(gap / fnp.where(tiny, 1.0, den), max_lr))
        new = map_leaves(name, lambda g: astype_like(g * astype_like(size, g), g),
                         ("updates", updates))
        return new, state

    return GradientTransformationExtraArgs(init_empty_state, update)


# --- Distance over gradients ---------------------------------------------------------------


class ScaleByDistanceOverGradientsState(NamedTuple):
    """DoG's largest distance from the initial params, the gradients' running sum of squares
    (shape ``(1,)``) per leaf, and the initial params.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> optim.scale_by_distance_over_gradients().init({'w': np.zeros(2)})._fields
        ('max_dist', 'grad_sum_of_squares', 'init_params')
    """

    max_dist: Any
    grad_sum_of_squares: Any
    init_params: Any


def scale_by_distance_over_gradients(reps_rel=1e-6, eps=1e-8, param_dtype=np.float32,
                                     global_scale=1.0) -> GradientTransformation:
    """Distance over Gradients (Ivgi et al., 2023), layerwise: a learning-rate-free step.

    Per leaf the step is ``global_scale * max_dist / sqrt(sum of ||g||**2 + eps)``, with
    `max_dist` the largest distance of the params from their initial values (at least
    ``reps_rel * (1 + ||params_0||)``).

    Args:
      reps_rel: sets the first step (1e-4 with batch norm, 1e-6 otherwise, say the authors).
      eps: added under the square root.
      param_dtype: the dtype in which the initial params are kept.
      global_scale: a factor on every step (-1 to descend).

    Returns:
      A `GradientTransformation` with a `ScaleByDistanceOverGradientsState`; ``update``
      needs `params`.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> tx = optim.scale_by_distance_over_gradients(reps_rel=0.1)
        >>> params = {'w': np.array([3.0, 4.0])}
        >>> updates, _ = tx.update({'w': np.array([0.6, 0.8])}, tx.init(params), params)
        >>> np.round(updates['w'], 4).tolist()
        [0.36, 0.48]
    """
    name = "scale_by_distance_over_gradients"
    reps_rel, eps, global_scale = (weak_scalar(x, f"{name}: {n}") for x, n in (
        (reps_rel, "reps_rel"), (eps, "eps"), (global_scale, "global_scale")))
    param_dtype = np.dtype(param_dtype)

    def l2(x):
        return fnp.sqrt(fnp.sum(fnp.square(x)))

    def init(params):
        return ScaleByDistanceOverGradientsState(
            max_dist=_per_leaf(lambda p: reps_rel * (1 + l2(p)), params),
            grad_sum_of_squares=_per_leaf(
                lambda p: fnp.zeros((1,), dtype=fnp.result_type(p, 1.0)), params),
            init_params=map_leaves(name, lambda p: fnp.asarray(p, dtype=param_dtype),
                                   ("params", params)))

    def update(updates, state, params=None):
        require_params(name, params)
        map_leaves(name, lambda *a: None, ("updates", updates), ("params", params),
                   ("state.init_params", state.init_params))  # checks structures, shapes
        treedef = tree_structure(updates)
        out = []
        for g, p, p0, d, sos in zip(*(treedef.flatten_up_to(t) for t in (
                updates, params, state.init_params, state.max_dist,
                state.grad_sum_of_squares))):
            d = fnp.maximum(d, l2(p - p0))
            sos = sos + fnp.sum(fnp.square(g))
            eta = global_scale * (d / fnp.sqrt(fnp.reshape(sos, ()) + eps))
            out.append((astype_like(fnp.multiply(g, astype_like(eta, g)), g), d, sos))
        new, dist, sos = (treedef.unflatten([o[i] for o in out]) for i in range(3))
        return new, ScaleByDistanceOverGradientsState(dist, sos, state.init_params)

    return GradientTransformation(init, update)


def _per_leaf(f, params):
    """``f`` of each leaf, one value per leaf (whatever its shape), in `params`' structure."""
    treedef = tree_structure(params)
    return treedef.unflatten([f(p) for p in treedef.flatten_up_to(params)])


# --- Parameter block norm ------------------------------------------------------------------


def scale_by_param_block_norm(min_scale: float = 1e-3) -> GradientTransformation:
    """Multiply each leaf's update by the norm of that leaf's params (at least `min_scale`).

    Returns:
      A stateless `GradientTransformation`; ``update`` needs `params`.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> tx = optim.scale_by_param_block_norm()
        >>> params = {'w': np.array([3.0, 4.0])}
        >>> tx.update({'w': np.array([1.0, -1.0])}, tx.init(params), params)[0]['w'].tolist()
        [5.0, -5.0]
    """
    name = "scale_by_param_block_norm"
    min_scale = weak_scalar(min_scale, f"{name}: min_scale")

    def update(updates, state, params=None):
        require_params(name, params)
        if not isinstance(state, EmptyState):
            raise TypeError(f"{name}: state must be the EmptyState made by init(), got "
                            f"{type(state).__name__}.")
        new = map_leaves(name, lambda u, p: astype_like(u * astype_like(safe_norm(p, min_scale),
                                                                        u), u),
                         ("updates", updates), ("params", params))
        return new, state

    return GradientTransformation(init_empty_state, update)
