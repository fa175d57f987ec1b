"""More losses with optax's names: log-cosh, KL divergences (generalized, of log
targets), the PolyLoss cross entropy, NT-Xent and the triplet margin loss.

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
from fungrad.nn.losses import (
    _check_same_shape,
    _require_float,
    _shape_dtype,
    kl_divergence,
    softmax_cross_entropy,
)
from fungrad.nn.softmax import softmax

__all__ = ["log_cosh", "convex_kl_divergence", "generalized_kl_divergence", "ntxent",
           "kl_divergence_with_log_targets", "poly_loss_cross_entropy", "triplet_margin_loss"]

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


def kl_divergence_with_log_targets(log_predictions: Array, log_targets: Array,
                                   axis: Any = -1, where: Array | None = None) -> Array:
    """`kl_divergence` with the targets given as logs:
    ``sum(exp(log_targets) * (log_targets - log_predictions))`` along `axis`.

    Args:
      log_predictions: log-probabilities.
      log_targets: log-probabilities of the target distribution, same shape.
      axis: the distribution axis (or axes).
      where: a mask of the elements to include.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> log_p, log_t = np.log([0.5, 0.25, 0.25]), np.log([0.25, 0.25, 0.5])
        >>> round(float(nn.losses.kl_divergence_with_log_targets(log_p, log_t)), 6)
        0.173287
    """
    fn = "kl_divergence_with_log_targets"
    _require_float(fn, "log_predictions", log_predictions)
    _require_float(fn, "log_targets", log_targets)
    _check_same_shape(fn, log_predictions, log_targets, ("log_predictions", "log_targets"))
    loss = fnp.exp(log_targets) * (log_targets - log_predictions)
    kw = {} if where is None else {"where": where}
    return fnp.sum(loss, axis=axis, **kw)


def poly_loss_cross_entropy(logits: Array, labels: Array, *, epsilon: Array = 2.0,
                            axis: Any = -1, where: Array | None = None) -> Array:
    """The Poly-1 loss: ``softmax_cross_entropy + epsilon * sum(labels * (1 - softmax))``.

    Args:
      logits: unnormalized log-probabilities, classes along `axis`.
      labels: probabilities (e.g. one-hot rows) of the logits' shape.
      epsilon: the weight of the first polynomial term (2.0 for ImageNet in the paper).
      axis: the class axis.
      where: a mask of the classes to include.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> logits, labels = np.array([[2.0, 0.0]]), np.array([[1.0, 0.0]])
        >>> np.round(nn.losses.poly_loss_cross_entropy(logits, labels), 6).tolist()
        [0.365334]
    """
    fn = "poly_loss_cross_entropy"
    _require_float(fn, "logits", logits)
    _require_float(fn, "labels", labels)
    p = softmax(logits, axis=axis, where=where)
    kw = {} if where is None else {"where": where}
    one_minus_pt = fnp.sum(labels * (1 - p), axis=axis, **kw)
    return softmax_cross_entropy(logits, labels, axis=axis, where=where) + epsilon * one_minus_pt


def triplet_margin_loss(  # noqa: PLR0917 (optax's signature)
    anchors: Array, positives: Array, negatives: Array, axis: int = -1,
    norm_degree: Array = 2, margin: Array = 1.0, eps: Array = 1e-6,
) -> Array:
    """The triplet loss ``max(d(anchor, positive) - d(anchor, negative) + margin, 0)``, with
    ``d(a, b) = (sum((a - b) ** norm_degree, axis) + eps) ** (1 / norm_degree)``.

    Args:
      anchors, positives, negatives: ``[batch, features]`` embeddings (floating point).
      axis: the feature axis.
      norm_degree: the distance's degree (2: Euclidean).
      margin: how much nearer the positive must be.
      eps: keeps the root differentiable at distance 0.

    Returns:
      The loss per triplet.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> a, p = np.array([[0.0, 0.0], [1.0, 1.0]]), np.array([[0.1, 0.1], [1.1, 1.1]])
        >>> n = np.array([[1.0, 0.0], [0.0, 1.0]])
        >>> np.round(nn.losses.triplet_margin_loss(a, p, n), 4).tolist()
        [0.1414, 0.1414]
    """
    fn = "triplet_margin_loss"
    for name, x in (("anchors", anchors), ("positives", positives), ("negatives", negatives)):
        _require_float(fn, name, x)

    def distance(other):
        return fnp.power(fnp.sum(fnp.power(anchors - other, norm_degree), axis=axis) + eps,
                         1 / norm_degree)

    return fnp.maximum(distance(positives) - distance(negatives) + margin, 0)


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
