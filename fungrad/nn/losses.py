"""Loss functions with optax's names and conventions.

Losses return one value per example (reduce them yourself, e.g. with ``fnp.mean``), except
`mse`, which is the mean. All are computed from logits in log space, so they stay finite
for huge logits and their gradients are exact.

>>> import fungrad.numpy as fnp
>>> logits = fnp.array([[2.0, 0.0, -1.0]])
>>> softmax_cross_entropy(logits, fnp.array([0])).shape
(1,)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fungrad import numpy as fnp
from fungrad.errors import ShapeError
from fungrad.nn.activations import log_sigmoid, log_softmax, logsumexp

__all__ = [
    "softmax_cross_entropy", "softmax_cross_entropy_with_integer_labels", "squared_error",
    "l2_loss", "mse", "binary_cross_entropy_with_logits", "sigmoid_binary_cross_entropy",
]

Array = Any


def _shape_dtype(x) -> tuple[tuple[int, ...], np.dtype]:
    x = fnp.asarray(x)
    return tuple(x.shape), np.dtype(x.dtype)


def softmax_cross_entropy_with_integer_labels(logits: Array, labels: Array) -> Array:
    """Cross entropy between ``softmax(logits)`` and integer class labels.

    Args:
      logits: unnormalised log-probabilities, shape ``(..., num_classes)``.
      labels: integer class indices, shape ``(...)`` (the logits' shape without the last).

    Returns:
      ``-log softmax(logits)[label]`` per example, shape ``(...)``.
    """
    fn = "softmax_cross_entropy_with_integer_labels"
    (lshape, _), (yshape, ydtype) = _shape_dtype(logits), _shape_dtype(labels)
    if ydtype.kind not in "iu":
        raise TypeError(f"{fn}: labels must be integers, got dtype {ydtype}; for "
                        "probabilities use softmax_cross_entropy.")
    if not lshape or yshape != lshape[:-1]:
        raise ShapeError(
            f"{fn}: labels of shape {yshape} must have the shape of logits {lshape} without "
            f"its last (class) axis, i.e. {lshape[:-1]}."
        )
    picked = fnp.take_along_axis(logits, fnp.expand_dims(labels, -1), axis=-1)
    return logsumexp(logits, axis=-1) - fnp.squeeze(picked, axis=-1)


def softmax_cross_entropy(logits: Array, labels: Array) -> Array:
    """Cross entropy between ``softmax(logits)`` and labels, per example.

    Unlike optax's function of this name, `labels` may also be integer class indices.

    Args:
      logits: unnormalised log-probabilities, shape ``(..., num_classes)``.
      labels: either integer class indices of shape ``(...)``, or probabilities (e.g.
        one-hot rows) of the logits' shape, each row summing to one.

    Returns:
      ``-sum(labels * log_softmax(logits), axis=-1)``, shape ``(...)``.
    """
    (lshape, _), (yshape, ydtype) = _shape_dtype(logits), _shape_dtype(labels)
    if ydtype.kind in "iu":
        return softmax_cross_entropy_with_integer_labels(logits, labels)
    if yshape != lshape:
        raise ShapeError(
            f"softmax_cross_entropy: labels of shape {yshape} must be probabilities of the "
            f"logits' shape {lshape}, or integer class indices of shape {lshape[:-1]}."
        )
    log_p = log_softmax(logits, axis=-1)
    # 0 * log(0) counts as 0, so classes with -inf logits and zero weight are harmless.
    # (the -inf is replaced before the product: 0 * -inf would be nan, with NumPy's warning)
    weighted = labels * fnp.where(labels == 0, fnp.zeros_like(log_p), log_p)
    return -fnp.sum(weighted, axis=-1)


def _check_same_shape(fn: str, a, b, names=("predictions", "targets")) -> None:
    (ashape, _), (bshape, _) = _shape_dtype(a), _shape_dtype(b)
    if ashape != bshape:
        raise ShapeError(
            f"{fn}: {names[0]} of shape {ashape} and {names[1]} of shape {bshape} must have "
            "the same shape; reshape one of them (broadcasting here usually hides a bug)."
        )


def squared_error(predictions: Array, targets: Array | None = None) -> Array:
    """Elementwise ``(predictions - targets) ** 2``, as optax's `squared_error`.

    Args:
      predictions: an array.
      targets: an array of the same shape, or None for zeros.

    Returns:
      An array of the predictions' shape.
    """
    if targets is None:
        return fnp.square(predictions)
    _check_same_shape("squared_error", predictions, targets)
    return fnp.square(fnp.subtract(predictions, targets))


def l2_loss(predictions: Array, targets: Array | None = None) -> Array:
    """Elementwise ``0.5 * (predictions - targets) ** 2``, as optax's `l2_loss`.

    Args:
      predictions: an array.
      targets: an array of the same shape, or None for zeros.

    Returns:
      An array of the predictions' shape.
    """
    return 0.5 * squared_error(predictions, targets)


def mse(predictions: Array, targets: Array) -> Array:
    """Mean squared error over all elements: ``mean((predictions - targets) ** 2)``.

    Args:
      predictions: an array.
      targets: an array of the same shape.

    Returns:
      A scalar.
    """
    _check_same_shape("mse", predictions, targets)
    return fnp.mean(squared_error(predictions, targets))


def binary_cross_entropy_with_logits(logits: Array, labels: Array) -> Array:
    """Elementwise binary cross entropy between ``sigmoid(logits)`` and labels in [0, 1].

    Computed as ``-labels * log_sigmoid(logits) - (1 - labels) * log_sigmoid(-logits)``,
    finite for any logits, with the exact gradient ``sigmoid(logits) - labels``.
    optax calls it `sigmoid_binary_cross_entropy`.

    Args:
      logits: an array of logits.
      labels: targets of the same shape (0/1, or probabilities); booleans allowed.

    Returns:
      An array of the logits' shape.
    """
    _check_same_shape("binary_cross_entropy_with_logits", logits, labels, ("logits", "labels"))
    logits = fnp.asarray(logits)
    labels = fnp.asarray(labels)
    if np.dtype(labels.dtype).kind in "biu":
        labels = fnp.asarray(labels, dtype=logits.dtype)
    return -(labels * log_sigmoid(logits) + (1 - labels) * log_sigmoid(-logits))


sigmoid_binary_cross_entropy = binary_cross_entropy_with_logits  # optax's name
