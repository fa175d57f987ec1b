"""Dice losses for segmentation, with optax's names: `dice_loss` (Tversky weights
included), `binary_dice_loss` and `multiclass_generalized_dice_loss`.

They are part of `fungrad.nn.losses` (and so of ``fungrad.optim.losses``). Predictions
are logits (or probabilities, with ``apply_softmax=False``) with the classes along the
last axis; the overlaps are summed over the spatial axes, all but the first and the last.

>>> import numpy as np
>>> from fungrad import nn
>>> logits = np.array([[[4.0, -4.0], [-4.0, 4.0]]])
>>> targets = np.array([[[1.0, 0.0], [0.0, 1.0]]])
>>> round(float(nn.losses.dice_loss(logits, targets)[0]), 6)
0.000168
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fungrad import numpy as fnp
from fungrad.core import concrete_or_none
from fungrad.errors import ShapeError
from fungrad.nn.activations import sigmoid
from fungrad.nn.losses import _check_same_shape, _shape_dtype
from fungrad.nn.softmax import softmax

__all__ = ["dice_loss", "binary_dice_loss", "multiclass_generalized_dice_loss"]

Array = Any
REDUCTIONS = ("mean", "sum", "none")


def _check_probabilities(predictions: Array) -> None:
    """With ``apply_softmax=False`` the predictions must sum to 1 over the classes."""
    sums = concrete_or_none(fnp.sum(predictions, axis=-1))
    if sums is not None and not np.allclose(sums, 1.0, rtol=1e-5):
        raise ValueError(
            "dice_loss: with apply_softmax=False, predictions must be probabilities that sum "
            f"to 1 along the class (last) axis; their sums range over [{np.min(sums):.6f}, "
            f"{np.max(sums):.6f}]. Pass logits with apply_softmax=True, or normalize them.")


def _with_class_axis(predictions: Array, targets: Array) -> tuple[Array, Array]:
    """Both arrays with a class axis: one of size 1 added to the one that lacks it."""
    pndim, tndim = fnp.ndim(predictions), fnp.ndim(targets)
    if pndim == tndim - 1:
        predictions = predictions[..., None]
    if tndim == pndim - 1:
        targets = targets[..., None]
    _check_same_shape("dice_loss", predictions, targets)
    return predictions, targets


def dice_loss(  # noqa: PLR0913 (optax's signature)
    predictions: Array,
    targets: Array,
    *,
    class_weights: Array | None = None,
    smooth: Array = 1.0,
    alpha: Array = 0.5,
    beta: Array = 0.5,
    apply_softmax: bool = True,
    reduction: str = "mean",
    ignore_background: bool = False,
    axis: Any = None,
) -> Array:
    """The soft Dice loss per class, ``1 - (I + smooth) / (I + alpha FP + beta FN + smooth)``
    with I the overlap ``sum(p * t)``, ``FP = sum(p) - I`` and ``FN = sum(t) - I``.

    Args:
      predictions: logits ``[..., classes]`` (or ``[...]``/``[..., 1]`` for one class).
      targets: one-hot targets of the same shape (or binary ``[...]``).
      class_weights: ``[classes]`` weights of the per-class losses (None: all 1).
      smooth: added to numerator and denominator.
      alpha, beta: weights of the false positives and negatives (0.5 each: Dice;
        other values: the Tversky loss).
      apply_softmax: turn logits into probabilities (a sigmoid for one class); False if
        `predictions` already are probabilities.
      reduction: over the classes, 'mean', 'sum' or 'none' (per-class losses).
      ignore_background: leave class 0 out.
      axis: the axes summed over (None: all but the first and the last).

    Returns:
      ``[...]`` batch losses (``[..., classes]`` with ``reduction='none'``).

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> probs = np.array([[[1.0, 0.0], [0.5, 0.5]]])
        >>> targets = np.array([[[1.0, 0.0], [1.0, 0.0]]])
        >>> np.round(nn.losses.dice_loss(probs, targets, apply_softmax=False,
        ...                              reduction='none'), 4).tolist()
        [[0.0909, 0.2]]
    """
    if reduction not in REDUCTIONS:
        raise ValueError(f"dice_loss: reduction must be one of {REDUCTIONS}, got "
                         f"{reduction!r}.")
    predictions, targets = _with_class_axis(predictions, targets)
    if not apply_softmax:
        _check_probabilities(predictions)
        probs = predictions
    elif fnp.shape(predictions)[-1] == 1:
        probs = sigmoid(predictions)
    else:
        probs = softmax(predictions, axis=-1)
    axis = tuple(range(1, fnp.ndim(probs) - 1)) if axis is None else axis
    intersection = fnp.sum(probs * targets, axis=axis)
    pred_sum, target_sum = fnp.sum(probs, axis=axis), fnp.sum(targets, axis=axis)
    denominator = (intersection + alpha * (pred_sum - intersection)
                   + beta * (target_sum - intersection) + smooth)
    loss = 1.0 - (intersection + smooth) / denominator
    if class_weights is not None:
        wshape, _ = _shape_dtype(class_weights)
        if len(wshape) != 1:
            raise ShapeError(f"dice_loss: class_weights must be one weight per class (rank 1), "
                             f"got shape {wshape}.")
        loss = loss * class_weights
    if ignore_background and fnp.shape(probs)[-1] > 1:
        loss = loss[..., 1:]
    if reduction == "mean":
        return fnp.mean(loss, axis=-1)
    return fnp.sum(loss, axis=-1) if reduction == "sum" else loss


def binary_dice_loss(predictions: Array, targets: Array, *, smooth: Array = 1.0,
                     apply_sigmoid: bool = True) -> Array:
    """`dice_loss` for one class: logits (or probabilities) ``[...]`` or ``[..., 1]``.

    Args:
      predictions: logits (probabilities with ``apply_sigmoid=False``).
      targets: binary targets of the same shape.
      smooth: added to numerator and denominator.
      apply_sigmoid: turn logits into probabilities.

    Returns:
      The ``[...]`` batch losses.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> logits, targets = np.array([[3.0, -3.0]]), np.array([[1.0, 0.0]])
        >>> np.round(nn.losses.binary_dice_loss(logits, targets), 4).tolist()
        [0.0237]
    """
    if fnp.ndim(predictions) == fnp.ndim(targets) and fnp.shape(predictions)[-1] != 1:
        predictions, targets = predictions[..., None], targets[..., None]
    return dice_loss(predictions, targets, smooth=smooth, apply_softmax=apply_sigmoid,
                     reduction="mean")


def multiclass_generalized_dice_loss(predictions: Array, targets: Array, *,
                                     smooth: Array = 1.0, apply_softmax: bool = True,
                                     ignore_background: bool = False) -> Array:
    """The generalized Dice loss: `dice_loss` with class weights ``1 / frequency**2``
    (normalized to mean 1), averaged over batch and classes.

    Args:
      predictions: logits ``[..., classes]``.
      targets: one-hot targets of the same shape.
      smooth: added to numerator and denominator.
      apply_softmax: turn logits into probabilities.
      ignore_background: leave class 0 out.

    Returns:
      A scalar.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> logits = np.array([[[4.0, -4.0], [-4.0, 4.0]]])
        >>> targets = np.array([[[1.0, 0.0], [0.0, 1.0]]])
        >>> round(float(nn.losses.multiclass_generalized_dice_loss(logits, targets)), 6)
        0.000168
    """
    _check_same_shape("multiclass_generalized_dice_loss", predictions, targets)
    frequencies = fnp.sum(targets, axis=tuple(range(fnp.ndim(targets) - 1)))
    weights = 1.0 / (frequencies**2 + 1e-7)
    weights = weights / fnp.sum(weights) * fnp.shape(weights)[0]
    return fnp.mean(dice_loss(predictions, targets, class_weights=weights, smooth=smooth,
                              apply_softmax=apply_softmax, reduction="none",
                              ignore_background=ignore_background))
