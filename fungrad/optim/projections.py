"""Euclidean projections onto convex sets (optax.projections), for projected gradient
methods: ``params = projection(apply_updates(params, updates))``.

Every projection takes a pytree and treats it as one vector (the simplex and the l1 ball
couple all of its leaves). All are differentiable with fungrad's transforms, as optax's
are with JAX's; `projection_simplex` carries its own JVP rule (the projection's Jacobian
on the support, which autodiff through its sort would give only almost everywhere: see
``fungrad.nn.softmax.simplex_projection``, which the sparsemax losses share).

>>> import numpy as np
>>> from fungrad.optim import projections
>>> projections.projection_simplex(np.array([0.5, 2.0, -1.0])).tolist()
[0.0, 1.0, 0.0]
"""

from __future__ import annotations

from typing import Any

import fungrad.numpy as fnp
from fungrad import lax
from fungrad.flatten_util import ravel_pytree
from fungrad.nn.activations import relu
from fungrad.nn.softmax import simplex_projection
from fungrad.optim.tree_utils import tree_add_scale, tree_mul, tree_norm, tree_scale, tree_vdot
from fungrad.tree_util import tree_map, tree_structure

__all__ = [
    "projection_non_negative",
    "projection_box",
    "projection_hypercube",
    "projection_simplex",
    "projection_l1_sphere",
    "projection_l1_ball",
    "projection_l2_sphere",
    "projection_l2_ball",
    "projection_linf_ball",
    "projection_vector",
    "projection_hyperplane",
    "projection_halfspace",
]


def projection_non_negative(tree: Any) -> Any:
    """The nearest point with every entry ``>= 0``: ``max(x, 0)`` leafwise.

    Example:
        >>> import numpy as np
        >>> from fungrad.optim import projections
        >>> projections.projection_non_negative({'a': np.array([-1.0, 2.0])})['a'].tolist()
        [0.0, 2.0]
    """
    return tree_map(relu, tree)


def _like(tree: Any, bound: Any) -> Any:
    """`bound` as a pytree of `tree`'s structure (a scalar or array is used for every leaf)."""
    if tree_structure(bound).num_leaves == 1 and tree_structure(tree).num_leaves != 1:
        return tree_map(lambda _: bound, tree)
    return bound


def projection_box(tree: Any, lower: Any, upper: Any) -> Any:
    """The nearest point of the box ``lower <= x <= upper``: a leafwise clip.

    Args:
      tree: the point.
      lower, upper: the bounds: pytrees of `tree`'s structure, or scalars for every leaf.

    Example:
        >>> import numpy as np
        >>> from fungrad.optim import projections
        >>> projections.projection_box(np.array([-2.0, 0.5, 3.0]), -1.0, 1.0).tolist()
        [-1.0, 0.5, 1.0]
    """
    return tree_map(fnp.clip, tree, _like(tree, lower), _like(tree, upper))


def projection_hypercube(tree: Any, scale: Any = 1) -> Any:
    """The nearest point of the hypercube ``0 <= x <= scale``.

    Example:
        >>> import numpy as np
        >>> from fungrad.optim import projections
        >>> projections.projection_hypercube(np.array([-2.0, 0.5, 3.0]), scale=2.0).tolist()
        [0.0, 0.5, 2.0]
    """
    return projection_box(tree, lower=0, upper=scale)


def projection_simplex(tree: Any, scale: Any = 1) -> Any:
    """The nearest point of the simplex ``{x >= 0, sum of all entries = scale}``.

    The whole pytree is one vector: the entries of all leaves sum to `scale`.

    Args:
      tree: the point.
      scale: the simplex's sum (> 0).

    Example:
        >>> import numpy as np
        >>> from fungrad.optim import projections
        >>> tree = {'a': np.array([1.0, 2.0]), 'b': np.array(0.5)}
        >>> out = projections.projection_simplex(tree, scale=3.0)
        >>> np.round(out['a'], 4).tolist(), np.round(out['b'], 4).tolist()
        ([0.8333, 1.8333], 0.3333)
    """
    flat, unravel = ravel_pytree(tree)
    return unravel(scale * simplex_projection(flat / scale))


def projection_l1_sphere(tree: Any, scale: Any = 1) -> Any:
    """The nearest point of the l1 sphere ``{sum |x| = scale}``.

    Example:
        >>> import numpy as np
        >>> from fungrad.optim import projections
        >>> projections.projection_l1_sphere(np.array([1.0, -3.0])).tolist()
        [0.0, -1.0]
    """
    magnitude = projection_simplex(tree_map(fnp.abs, tree), scale)
    return tree_mul(tree_map(fnp.sign, tree), magnitude)


def projection_l1_ball(tree: Any, scale: Any = 1) -> Any:
    """The nearest point of the l1 ball ``{sum |x| <= scale}`` (the point itself if inside).

    Example:
        >>> import numpy as np
        >>> from fungrad.optim import projections
        >>> projections.projection_l1_ball(np.array([0.2, -0.3])).tolist()
        [0.2, -0.3]
        >>> projections.projection_l1_ball(np.array([2.0, -3.0])).tolist()
        [0.0, -1.0]
    """
    inside = tree_norm(tree, ord=1) <= scale
    return lax.cond(inside, lambda t: t, lambda t: projection_l1_sphere(t, scale), tree)


def projection_l2_sphere(tree: Any, scale: Any = 1) -> Any:
    """The nearest point of the l2 sphere ``{||x|| = scale}``: ``x * scale / ||x||``.

    Example:
        >>> import numpy as np
        >>> from fungrad.optim import projections
        >>> np.round(projections.projection_l2_sphere(np.array([3.0, 4.0])), 6).tolist()
        [0.6, 0.8]
    """
    return tree_scale(scale / tree_norm(tree), tree)


def projection_l2_ball(tree: Any, scale: Any = 1) -> Any:
    """The nearest point of the l2 ball ``{||x|| <= scale}``.

    Example:
        >>> import numpy as np
        >>> from fungrad.optim import projections
        >>> projections.projection_l2_ball(np.array([3.0, 4.0]), scale=10.0).tolist()
        [3.0, 4.0]
        >>> np.round(projections.projection_l2_ball(np.array([3.0, 4.0])), 6).tolist()
        [0.6, 0.8]
    """
    squared = tree_norm(tree, squared=True)
    return tree_scale(scale / fnp.sqrt(fnp.maximum(squared, scale ** 2)), tree)


def projection_linf_ball(tree: Any, scale: Any = 1) -> Any:
    """The nearest point of the l-infinity ball ``{max |x| <= scale}``: a clip.

    Example:
        >>> import numpy as np
        >>> from fungrad.optim import projections
        >>> projections.projection_linf_ball(np.array([-2.0, 0.5]), 1.0).tolist()
        [-1.0, 0.5]
    """
    return projection_box(tree, lower=tree_map(lambda x: -scale + 0 * x, tree),
                          upper=tree_map(lambda x: scale + 0 * x, tree))


def projection_vector(x: Any, a: Any) -> Any:
    """The projection of `x` onto the line spanned by `a`: ``<x, a> / <a, a> * a``.

    Example:
        >>> import numpy as np
        >>> from fungrad.optim import projections
        >>> projections.projection_vector(np.array([2.0, 1.0]), np.array([1.0, 0.0])).tolist()
        [2.0, 0.0]
    """
    return tree_scale(tree_vdot(x, a) / tree_vdot(a, a), a)


def projection_hyperplane(x: Any, a: Any, b: Any) -> Any:
    """The nearest point of the hyperplane ``{<a, y> = b}``.

    Example:
        >>> import numpy as np
        >>> from fungrad.optim import projections
        >>> projections.projection_hyperplane(np.array([2.0, 1.0]), np.array([1.0, 0.0]),
        ...                                   0.5).tolist()
        [0.5, 1.0]
    """
    return tree_add_scale(x, (b - tree_vdot(x, a)) / tree_vdot(a, a), a)


def projection_halfspace(x: Any, a: Any, b: Any) -> Any:
    """The nearest point of the half-space ``{<a, y> <= b}`` (the point itself if inside).

    Example:
        >>> import numpy as np
        >>> from fungrad.optim import projections
        >>> a = np.array([1.0, 0.0])
        >>> projections.projection_halfspace(np.array([2.0, 1.0]), a, 0.5).tolist()
        [0.5, 1.0]
        >>> projections.projection_halfspace(np.array([0.0, 1.0]), a, 0.5).tolist()
        [0.0, 1.0]
    """
    step = fnp.minimum((b - tree_vdot(x, a)) / tree_vdot(a, a), 0)
    return tree_add_scale(x, step, a)


