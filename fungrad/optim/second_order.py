"""Second-order quantities of a loss ``loss(params, inputs, targets)`` (optax.second_order):
Hessian-vector products, the Hessian's diagonal and the empirical Fisher's diagonal.

The parameters may be any pytree; vectors are the parameters raveled into one 1-D array
(`fungrad.flatten_util.ravel_pytree`'s order). optax 0.2.8 marks these deprecated (to be
removed in 0.2.9); fungrad keeps them without a warning.

>>> import numpy as np
>>> from fungrad.optim import second_order
>>> loss = lambda w, x, y: 0.5 * ((x @ w - y) ** 2).sum()
>>> x = np.array([[1.0, 2.0], [0.0, 1.0]])
>>> second_order.hessian_diag(loss, np.zeros(2), x, np.zeros(2)).tolist()
[1.0, 5.0]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import fungrad.numpy as fnp
from fungrad.flatten_util import ravel_pytree
from fungrad.transforms.api import grad, jvp
from fungrad.transforms.vmap_api import vmap

__all__ = ["hvp", "hessian_diag", "fisher_diag"]

LossFn = Callable[[Any, Any, Any], Any]


def _flat(tree: Any) -> Any:
    return ravel_pytree(tree)[0]


def hvp(loss: LossFn, v: Any, params: Any, inputs: Any, targets: Any) -> Any:
    """The Hessian of `loss` in `params` times the vector `v` (forward over reverse).

    Args:
      loss: ``loss(params, inputs, targets) -> scalar``.
      v: a 1-D array of the raveled parameters' size.
      params: the parameters (a pytree).
      inputs, targets: the loss's data.

    Returns:
      ``H v`` as a pytree of `params`' structure.

    Example:
        >>> import numpy as np
        >>> from fungrad.optim import second_order
        >>> loss = lambda w, x, y: (w ** 3).sum()
        >>> second_order.hvp(loss, np.array([1.0, 0.0]), np.array([1.0, 2.0]), None,
        ...                  None).tolist()
        [6.0, 0.0]
    """
    flat, unravel = ravel_pytree(params)
    if fnp.shape(v) != fnp.shape(flat):
        raise ValueError(f"hvp: v must be a 1-D array of the raveled params' shape "
                         f"{fnp.shape(flat)}, got shape {fnp.shape(v)}.")
    return jvp(grad(lambda p: loss(p, inputs, targets)), (params,), (unravel(v),))[1]


def hessian_diag(loss: LossFn, params: Any, inputs: Any, targets: Any) -> Any:
    """The diagonal of the Hessian of `loss` in `params`, raveled (one HVP per entry).

    Example:
        >>> import numpy as np
        >>> from fungrad.optim import second_order
        >>> loss = lambda w, x, y: (x * w ** 2).sum()
        >>> second_order.hessian_diag(loss, np.ones(3), np.array([1.0, 2.0, 3.0]),
        ...                           None).tolist()
        [2.0, 4.0, 6.0]
    """
    size = fnp.shape(_flat(params))[0]

    def entry(e):
        return fnp.vdot(e, _flat(hvp(loss, e, params, inputs, targets)))

    return vmap(entry)(fnp.eye(size))


def fisher_diag(negative_log_likelihood: LossFn, params: Any, inputs: Any,
                targets: Any) -> Any:
    """The diagonal of the empirical Fisher: the squared gradient of the negative
    log-likelihood, raveled.

    Example:
        >>> import numpy as np
        >>> from fungrad.optim import second_order
        >>> nll = lambda w, x, y: ((x @ w - y) ** 2).sum()
        >>> second_order.fisher_diag(nll, np.zeros(2), np.eye(2), np.array([1.0, 2.0])).tolist()
        [4.0, 16.0]
    """
    return fnp.square(_flat(grad(negative_log_likelihood)(params, inputs, targets)))
