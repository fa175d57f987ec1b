"""More losses with optax's names: log-cosh, generalized KL divergences, NT-Xent.

They are part of `fungrad.nn.losses` (and so of ``fungrad.optim.losses``); this module
keeps that one under its size budget.

>>> import numpy as np
>>> from fungrad import nn
>>> np.round(nn.losses.log_cosh(np.array([0.0, 1.0])), 6).tolist()
[0.0, 0.433781]
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from fungrad import numpy as fnp
from fungrad.errors import ShapeError
from fungrad.lax import stop_gradient
from fungrad.nn.losses import _check_same_shape, _require_float, _shape_dtype, kl_divergence

__all__ = ["log_cosh", "convex_kl_divergence", "generalized_kl_divergence", "ntxent"]

Array = Any


def log_cosh(predictions: Array, targets: Array | None = None) -> Array:
    """Elementwise ``log(cosh(predictions - targets))``: about ``x**2 / 2`` near 0 and
    ``|x| - log 2`` far from it, computed without overflow.

    Args:
      predictions: floating-point predictions.
      targets: targets of the same shape (None: zeros).

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> np.round(nn.losses.log_cosh(np.array([1000.0, 0.5]), np.array([0.0, 0.5])), 4)
        array([999.3069,   0.    ])
    """
    _require_float("log_cosh", "predictions", predictions)
    if targets is not None:
        _check_same_shape("log_cosh", predictions, targets)
    errors = predictions if targets is None else predictions - targets
    _, dtype = _shape_dtype(errors)
    return fnp.logaddexp(errors, -errors) - dtype.type(np.log(2.0))


def generalized_kl_divergence(log_predictions: Array, targets: Array, axis: Any = -1,
                              where: Array | None = None) -> Array:
    """The generalized KL divergence, for unnormalized nonnegative measures:
    ``sum(targets * (log(targets) - log_predictions) + exp(log_predictions) - targets)``.

    Args:
      log_predictions: logs of the predicted (possibly unnormalized) measure.
      targets: the target measure, same shape, nonnegative.
      axis: the axis (or axes) reduced.
      where: a mask of the elements to include.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> log_p = np.log(np.array([1.0, 2.0]))
        >>> round(float(nn.losses.generalized_kl_divergence(log_p, np.array([1.0, 1.0]))), 6)
        0.306853
    """
    _require_float("generalized_kl_divergence", "log_predictions", log_predictions)
    _require_float("generalized_kl_divergence", "targets", targets)
    _check_same_shape("generalized_kl_divergence", log_predictions, targets,
                      ("log_predictions", "targets"))
    kw = {} if where is None else {"where": where}
    mass = fnp.sum(fnp.exp(log_predictions) - targets, axis=axis, **kw)
    return kl_divergence(log_predictions, targets, axis=axis, where=where) + mass


def convex_kl_divergence(log_predictions: Array, targets: Array, axis: Any = -1,
                         where: Array | None = None) -> Array:
    """The convex KL divergence: `generalized_kl_divergence` under optax's older name
    (deprecated there, and it warns likewise here).

    Example:
        >>> import numpy as np, warnings
        >>> from fungrad import nn
        >>> log_p = np.log(np.array([1.0, 2.0]))
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter('ignore', DeprecationWarning)
        ...     round(float(nn.losses.convex_kl_divergence(log_p, np.array([1.0, 1.0]))), 6)
        0.306853
    """
    warnings.warn("convex_kl_divergence is deprecated (as in optax 0.2.8): use "
                  "generalized_kl_divergence.", DeprecationWarning, stacklevel=2)
    return generalized_kl_divergence(log_predictions, targets, axis=axis, where=where)


def ntxent(embeddings: Array, labels: Array, temperature: Array = 0.07) -> Array:
    """The normalized temperature-scaled cross entropy (SimCLR's contrastive loss).

    For each pair of distinct examples with equal labels, the cross entropy of picking
    the partner among it and all examples of other labels, from the cosine similarities
    divided by `temperature`; averaged over those pairs.

    Args:
      embeddings: an ``(n, d)`` floating-point array.
      labels: ``(n,)`` integer labels; examples with equal labels are positive pairs.
      temperature: the softmax temperature.

    Returns:
      A scalar.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> e = np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0], [-0.6, 0.8]])
        >>> round(float(nn.losses.ntxent(e, np.array([0, 0, 1, 1]), temperature=1.0)), 6)
        0.800588
    """
    fn = "ntxent"
    _require_float(fn, "embeddings", embeddings)
    (eshape, dtype), (lshape, _) = _shape_dtype(embeddings), _shape_dtype(labels)
    if len(eshape) != 2 or len(lshape) != 1 or lshape[0] != eshape[0]:
        raise ShapeError(
            f"{fn}: embeddings must be (n, d) and labels (n,) with the same n; got embeddings "
            f"of shape {eshape} and labels of shape {lshape}.")
    norms = fnp.sqrt(fnp.sum(fnp.square(embeddings), axis=1, keepdims=True))
    unit = embeddings / fnp.maximum(norms, np.finfo(dtype).eps)
    sims = (unit @ fnp.transpose(unit)) / temperature
    labels = fnp.asarray(labels)
    same = labels[:, None] == labels[None, :]
    positives = fnp.logical_and(same, fnp.logical_not(fnp.eye(eshape[0], dtype=bool)))
    negatives = fnp.logical_not(same)
    top = fnp.max(fnp.where(fnp.logical_or(positives, negatives), sims, -np.inf), axis=1,
                  keepdims=True)
    top = stop_gradient(fnp.where(fnp.isfinite(top), top, 0.0))
    shifted = sims - top
    scaled = fnp.exp(shifted)
    negative_mass = fnp.sum(fnp.where(negatives, scaled, 0.0), axis=1, keepdims=True)
    log_softmax = shifted - fnp.log(negative_mass + scaled)
    return -fnp.sum(fnp.where(positives, log_softmax, 0.0)) / fnp.sum(positives)
