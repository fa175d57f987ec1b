"""Constraints on the updates: keep the parameters nonnegative, or the updates zero-mean.

>>> import numpy as np, fungrad.optim as optim
>>> t = optim.keep_params_nonnegative()
>>> p = {'w': np.array([1.0, 0.5])}
>>> t.update({'w': np.array([-2.0, 0.5])}, t.init(p), p)[0]['w'].tolist()
[-1.0, 0.5]
"""

from __future__ import annotations

from typing import NamedTuple

import fungrad.numpy as fnp
from fungrad.optim.base import GradientTransformation, check_state, init_empty_state
from fungrad.optim.leafwise import astype_like, map_leaves, require_params

__all__ = ["keep_params_nonnegative", "NonNegativeParamsState", "centralize"]


class NonNegativeParamsState(NamedTuple):
    """`keep_params_nonnegative`'s (empty) state.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> optim.keep_params_nonnegative().init({'w': np.ones(2)})
        NonNegativeParamsState()
    """


def keep_params_nonnegative() -> GradientTransformation:
    """Change the updates that would make a parameter negative so that it lands on 0.

    Where ``params + updates < 0`` the update becomes ``-params``. The parameters must
    start nonnegative.

    Returns:
      A `GradientTransformation` with a `NonNegativeParamsState`; ``update`` needs `params`.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> opt = optim.chain(optim.sgd(1.0), optim.keep_params_nonnegative())
        >>> p = {'w': np.array([0.5, 2.0])}
        >>> u, _ = opt.update({'w': np.array([1.0, 1.0])}, opt.init(p), p)
        >>> optim.apply_updates(p, u)['w'].tolist()
        [0.0, 1.0]
    """
    name = "keep_params_nonnegative"

    def init(params):
        del params
        return NonNegativeParamsState()

    def update(updates, state, params=None):
        check_state(name, state, NonNegativeParamsState)
        require_params(name, params)
        new = map_leaves(name, lambda u, p: astype_like(fnp.where(p + u < 0.0, -p, u), u),
                         ("updates", updates), ("params", params))
        return new, state

    return GradientTransformation(init, update)


def centralize() -> GradientTransformation:
    """Gradient centralization (Yong et al., 2020): subtract from each leaf of two or more
    dimensions its mean over all axes but the first; vectors and scalars pass unchanged.

    Returns:
      A stateless `GradientTransformation`.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> t = optim.centralize()
        >>> g = {'w': np.array([[1.0, 3.0], [0.0, 4.0]]), 'b': np.array([1.0, 3.0])}
        >>> u, _ = t.update(g, t.init(g))
        >>> u['w'].tolist(), u['b'].tolist()
        ([[-1.0, 1.0], [-2.0, 2.0]], [1.0, 3.0])
    """

    def centered(g):
        if fnp.ndim(g) < 2:
            return g
        return g - fnp.mean(g, axis=tuple(range(1, fnp.ndim(g))), keepdims=True)

    def update(updates, state, params=None):
        del params
        return map_leaves("centralize", centered, ("updates", updates)), state

    return GradientTransformation(init_empty_state, update)
