"""Margin, perceptron, sparsemax and ranking losses with optax's names, and
`make_fenchel_young_loss`.

They are part of `fungrad.nn.losses` (and so of ``fungrad.optim.losses``); this module
keeps that one under its size budget. Scores carry the classes along the last axis and
integer labels index them, as in optax.

>>> import numpy as np
>>> from fungrad import nn
>>> nn.losses.multiclass_hinge_loss(np.array([[2.0, 1.5, -1.0]]), np.array([0])).tolist()
[0.5]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fungrad import numpy as fnp
from fungrad.errors import ShapeError
from fungrad.nn.activations import one_hot, sparse_plus
from fungrad.nn.losses import _check_same_shape, _require_float, _shape_dtype
from fungrad.nn.softmax import log_softmax, simplex_projection
from fungrad.transforms.vmap_api import vmap

__all__ = ["perceptron_loss", "multiclass_hinge_loss", "multiclass_perceptron_loss",
           "sparsemax_loss", "multiclass_sparsemax_loss", "make_fenchel_young_loss",
           "ranking_softmax_loss"]

Array = Any


def perceptron_loss(predictor_outputs: Array, targets: Array) -> Array:
    """The binary perceptron loss ``max(0, -predictor_outputs * targets)``, elementwise.

    Args:
      predictor_outputs: the model's scores (floating point).
      targets: the labels, in {-1, 1}, of the same shape.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> nn.losses.perceptron_loss(np.array([0.5, -2.0]), np.array([1.0, 1.0])).tolist()
        [0.0, 2.0]
    """
    _check_same_shape("perceptron_loss", predictor_outputs, targets,
                      ("predictor_outputs", "targets"))
    return fnp.maximum(0, -predictor_outputs * targets)


def _labels_one_hot(fn: str, scores: Array, labels: Array) -> Array:
    """One-hot rows of the integer `labels` over the last axis of `scores`."""
    (sshape, _), (lshape, ldtype) = _shape_dtype(scores), _shape_dtype(labels)
    if not sshape or lshape != sshape[:-1] or ldtype.kind not in "iu":
        raise ShapeError(
            f"{fn}: labels must be integer class indices of the scores' shape without the "
            f"last (class) axis, {sshape[:-1]}; got {ldtype} labels of shape {lshape} for "
            f"scores of shape {sshape}.")
    return one_hot(labels, sshape[-1])


def multiclass_hinge_loss(scores: Array, labels: Array) -> Array:
    """The multiclass hinge loss ``max_k(scores_k + 1 - [k == label]) - scores_label``.

    Args:
      scores: the model's scores, classes along the last axis.
      labels: integer class labels, the scores' shape without the last axis.

    Returns:
      The loss per example.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> scores = np.array([[2.0, 0.0, -1.0], [0.0, 0.5, 0.0]])
        >>> nn.losses.multiclass_hinge_loss(scores, np.array([0, 0])).tolist()
        [0.0, 1.5]
    """
    hot = _labels_one_hot("multiclass_hinge_loss", scores, labels)
    return fnp.max(scores + 1.0 - hot, axis=-1) - fnp.sum(scores * hot, axis=-1)


def multiclass_perceptron_loss(scores: Array, labels: Array) -> Array:
    """The multiclass perceptron loss ``max(scores) - scores_label``.

    Args:
      scores: the model's scores, classes along the last axis.
      labels: integer class labels, the scores' shape without the last axis.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> nn.losses.multiclass_perceptron_loss(np.array([[2.0, 0.5]]), np.array([1])).tolist()
        [1.5]
    """
    hot = _labels_one_hot("multiclass_perceptron_loss", scores, labels)
    return fnp.max(scores, axis=-1) - fnp.sum(scores * hot, axis=-1)


def sparsemax_loss(logits: Array, labels: Array) -> Array:
    """The binary sparsemax loss: zero exactly where ``sparse_sigmoid(logits) == labels``.

    Args:
      logits: the model's scores.
      labels: binary labels (0 or 1).

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> nn.losses.sparsemax_loss(np.array([2.0, 0.0]), np.array([1, 1])).tolist()
        [0.0, 0.25]
    """
    return sparse_plus(fnp.where(labels, -logits, logits))


def _sparsemax_example(scores: Array, label: Array) -> Array:
    proba = simplex_projection(scores)
    # the Fenchel conjugate of the Gini negentropy, shifted by the label's score
    shifted = fnp.where(fnp.arange(fnp.shape(scores)[0]) == label, 0.0,
                        scores - fnp.take(scores, label))
    return (fnp.dot(proba, fnp.where(proba > 0, shifted, 0.0))
            + 0.5 * (1.0 - fnp.dot(proba, proba)))


def multiclass_sparsemax_loss(scores: Array, labels: Array) -> Array:
    """The multiclass sparsemax loss (the Fenchel-Young loss of sparsemax).

    Args:
      scores: ``(batch, classes)`` scores.
      labels: ``(batch,)`` integer class labels.

    Returns:
      The ``(batch,)`` losses.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> np.round(nn.losses.multiclass_sparsemax_loss(np.array([[1.0, 0.0, 0.2]]),
        ...                                               np.array([1])), 4).tolist()
        [1.01]
    """
    (sshape, _), (lshape, ldtype) = _shape_dtype(scores), _shape_dtype(labels)
    if len(sshape) != 2 or lshape != sshape[:1] or ldtype.kind not in "iu":
        raise ShapeError(
            f"multiclass_sparsemax_loss: scores must be (batch, classes) and labels (batch,) "
            f"integers; got scores of shape {sshape} and {ldtype} labels of shape {lshape}.")
    return vmap(_sparsemax_example)(scores, labels)


def make_fenchel_young_loss(max_fun: Callable[..., Array]) -> Callable[..., Array]:
    """The Fenchel-Young loss of a max function: ``max_fun(scores) - <targets, scores>``,
    over the last axis (any leading axes are mapped over).

    Args:
      max_fun: a convex "max" of a vector, such as ``fungrad.nn.logsumexp``.

    Returns:
      ``loss(scores, targets, *args, **kwargs)``; extra arguments go to `max_fun`.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> loss = nn.losses.make_fenchel_young_loss(nn.logsumexp)
        >>> round(float(loss(np.array([1.0, 1.0]), np.array([1.0, 0.0]))), 6)
        0.693147
    """
    if not callable(max_fun):
        raise TypeError(f"make_fenchel_young_loss: max_fun must be a function of a vector "
                        f"(such as fungrad.nn.logsumexp), got {type(max_fun).__name__}.")
    vdot_last_dim = fnp.vectorize(fnp.vdot, signature="(n),(n)->()")
    max_fun_last_dim = fnp.vectorize(max_fun, signature="(n)->()")

    def fenchel_young_loss(scores, targets, *args, **kwargs):
        return max_fun_last_dim(scores, *args, **kwargs) - vdot_last_dim(targets, scores)

    return fenchel_young_loss


def _safe_reduce(a: Array, where: Array | None, reduce_fn: Callable | None) -> Array:
    """`reduce_fn` of `a` over `where`; a mean over nothing is 0 (not nan) unless `a` holds
    a nan, and without a reduction the excluded entries are 0."""
    if reduce_fn is None:
        return a if where is None else fnp.where(where, a, 0.0)
    output = reduce_fn(a) if where is None else reduce_fn(a, where=where)
    if reduce_fn is fnp.mean and where is not None:
        empty = fnp.logical_not(fnp.any(where))
        output = fnp.where(fnp.logical_and(empty, fnp.logical_not(fnp.any(fnp.isnan(a)))),
                           0.0, output)
    return output


def ranking_softmax_loss(logits: Array, labels: Array, *, where: Array | None = None,
                         weights: Array | None = None,
                         reduce_fn: Callable[..., Array] | None = fnp.mean) -> Array:
    """The listwise softmax loss ``-sum_i labels_i * log_softmax(logits)_i`` per list,
    reduced over the lists.

    Args:
      logits: ``[..., list_size]`` item scores (floating point).
      labels: ``[..., list_size]`` relevance labels.
      where: ``[..., list_size]`` booleans: the valid items (others are ignored, and lists
        with none are left out of the reduction).
      weights: ``[..., list_size]`` item weights, multiplying the labels.
      reduce_fn: ``fnp.mean`` (the default), ``fnp.sum``, or None for one loss per list.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> logits, labels = np.array([[1.0, 0.0, 0.0]]), np.array([[1.0, 0.0, 0.0]])
        >>> round(float(nn.losses.ranking_softmax_loss(logits, labels)), 6)
        0.551445
    """
    _require_float("ranking_softmax_loss", "logits", logits)
    _check_same_shape("ranking_softmax_loss", logits, labels, ("logits", "labels"))
    labels = fnp.asarray(labels, dtype=_shape_dtype(logits)[1])
    if where is not None:
        where = fnp.broadcast_to(fnp.asarray(where, dtype=bool), fnp.shape(logits))
        labels = fnp.where(where, labels, fnp.zeros_like(labels))
    if weights is not None:
        labels = labels * weights
    log_p = log_softmax(logits, axis=-1, where=where)
    if where is not None:  # (excluded items have log_p -inf or nan: 0 * that is nan)
        log_p = fnp.where(where, log_p, fnp.zeros_like(log_p))
    loss = -fnp.sum(labels * log_p, axis=-1)
    return _safe_reduce(loss, None if where is None else fnp.any(where, axis=-1), reduce_fn)
