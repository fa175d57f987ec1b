"""More losses with optax's names: log-cosh, generalized KL divergences, NT-Xent, the
poly-1 cross entropy and the perceptron and multiclass hinge losses.

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
from fungrad.nn.activations import one_hot
from fungrad.nn.losses import (
    _check_same_shape,
    _require_float,
    _shape_dtype,
    kl_divergence,
    softmax_cross_entropy,
)
from fungrad.nn.softmax import softmax

__all__ = ["log_cosh", "convex_kl_divergence", "generalized_kl_divergence", "ntxent",
           "kl_divergence_with_log_targets", "poly_loss_cross_entropy", "perceptron_loss",
           "multiclass_hinge_loss", "multiclass_perceptron_loss"]

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


def kl_divergence_with_log_targets(log_predictions: Array, log_targets: Array, axis: Any = -1,
                                   where: Array | None = None) -> Array:
    """`kl_divergence` with the targets given as logs: ``sum(exp(log_targets) *
    (log_targets - log_predictions))`` along `axis`.

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
    kw = {} if where is None else {"where": where}
    return fnp.sum(fnp.exp(log_targets) * (log_targets - log_predictions), axis=axis, **kw)


def poly_loss_cross_entropy(logits: Array, labels: Array, *, epsilon: Array = 2.0,
                            axis: Any = -1, where: Array | None = None) -> Array:
    """The Poly-1 loss (Leng et al. 2022): `softmax_cross_entropy` plus ``epsilon`` times
    ``sum(labels * (1 - softmax(logits)))`` along `axis`.

    Args:
      logits: unnormalised log-probabilities, the classes along `axis`.
      labels: probabilities of the logits' shape (floating point).
      epsilon: the weight of the polynomial term (-1 to about 8 in the paper).
      axis: the class axis.
      where: a mask of the classes to include.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> logits, labels = np.array([2.0, 0.0]), np.array([1.0, 0.0])
        >>> round(float(nn.losses.poly_loss_cross_entropy(logits, labels)), 6)
        0.365334
    """
    fn = "poly_loss_cross_entropy"
    _require_float(fn, "logits", logits)
    _require_float(fn, "labels", labels)
    p = softmax(logits, axis=axis, where=where)
    kw = {} if where is None else {"where": where}
    one_minus_pt = fnp.sum(labels * (1 - p), axis=axis, **kw)
    return softmax_cross_entropy(logits, labels, axis=axis, where=where) + epsilon * one_minus_pt


def perceptron_loss(predictor_outputs: Array, targets: Array) -> Array:
    """Elementwise ``max(0, -predictor_outputs * targets)``, targets in {-1, 1}.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> nn.losses.perceptron_loss(np.array([2.0, -0.5]), np.array([1.0, 1.0])).tolist()
        [0.0, 0.5]
    """
    _check_same_shape("perceptron_loss", predictor_outputs, targets,
                      ("predictor_outputs", "targets"))
    return fnp.maximum(0, -predictor_outputs * targets)


def _label_scores(scores: Array, labels: Array):
    """The one-hot rows of `labels` over the classes of `scores` (the last axis), and each
    example's score of its label."""
    one_hot_labels = one_hot(labels, _shape_dtype(scores)[0][-1])
    return one_hot_labels, fnp.sum(scores * one_hot_labels, axis=-1)


def multiclass_hinge_loss(scores: Array, labels: Array) -> Array:
    """The multiclass hinge loss ``max_k(scores_k + 1 - [k == label]) - scores_label``.

    Args:
      scores: ``(..., classes)`` scores.
      labels: integer labels, the scores' shape without the last axis.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> nn.losses.multiclass_hinge_loss(np.array([[2.0, 1.5, 0.0]]), np.array([0])).tolist()
        [0.5]
    """
    one_hot_labels, label_score = _label_scores(scores, labels)
    return fnp.max(scores + 1.0 - one_hot_labels, axis=-1) - label_score


def multiclass_perceptron_loss(scores: Array, labels: Array) -> Array:
    """The multiclass perceptron loss ``max_k scores_k - scores_label``.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> nn.losses.multiclass_perceptron_loss(np.array([[2.0, 3.0]]), np.array([0])).tolist()
        [1.0]
    """
    _, label_score = _label_scores(scores, labels)
    return fnp.max(scores, axis=-1) - label_score
