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
from fungrad.nn.activations import log_sigmoid, one_hot
from fungrad.nn.softmax import log_softmax, logsumexp

__all__ = [
    "softmax_cross_entropy", "softmax_cross_entropy_with_integer_labels", "squared_error",
    "l2_loss", "mse", "binary_cross_entropy_with_logits", "sigmoid_binary_cross_entropy",
    "huber_loss", "cosine_similarity", "cosine_distance", "kl_divergence", "hinge_loss",
    "smooth_labels", "sigmoid_focal_loss", "safe_softmax_cross_entropy", "ctc_loss",
    "ctc_loss_with_forward_probs",
]

Array = Any


def _shape_dtype(x) -> tuple[tuple[int, ...], np.dtype]:
    x = fnp.asarray(x)
    return tuple(x.shape), np.dtype(x.dtype)


def _class_axis(fn: str, axis, ndim: int) -> int:
    if not isinstance(axis, int | np.integer) or not -ndim <= axis < ndim:
        raise ValueError(f"{fn}: axis must be an int in [{-ndim}, {ndim}) (the class axis), "
                         f"got {axis!r}.")
    return int(axis) % ndim


def _masked_logits(logits, where, axis):
    """`logits` with -inf outside `where` (expanded along the class axis if needed)."""
    if where is None:
        return logits, None
    where = fnp.asarray(where)
    if where.ndim != fnp.ndim(logits):
        where = fnp.expand_dims(where, axis)
    return fnp.where(where, logits, -np.inf), where


def softmax_cross_entropy_with_integer_labels(
    logits: Array, labels: Array, axis: int = -1, where: Array | None = None
) -> Array:
    """Cross entropy between ``softmax(logits)`` and integer class labels.

    Args:
      logits: unnormalised log-probabilities, with the classes along `axis`.
      labels: integer class indices, of the logits' shape without `axis`.
      axis: the class axis (an int; optax also takes a tuple, fungrad does not).
      where: a mask of the classes to include (the logits' shape, or theirs without
        `axis`); rows with no class included give 0.

    Returns:
      ``-log softmax(logits)[label]`` per example, the logits' shape without `axis`.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> logits = np.array([[2.0, 0.0, -1.0], [0.0, 0.0, 0.0]])
        >>> loss = nn.softmax_cross_entropy_with_integer_labels(logits, np.array([0, 2]))
        >>> np.round(loss, 6).tolist()
        [0.169846, 1.098612]
    """
    fn = "softmax_cross_entropy_with_integer_labels"
    (lshape, _), (yshape, ydtype) = _shape_dtype(logits), _shape_dtype(labels)
    if ydtype.kind not in "iu":
        raise TypeError(f"{fn}: labels must be integers, got dtype {ydtype}; for "
                        "probabilities use softmax_cross_entropy.")
    if not lshape:
        raise ShapeError(f"{fn}: logits must have a class axis, got a scalar.")
    axis = _class_axis(fn, axis, len(lshape))
    expected = lshape[:axis] + lshape[axis + 1:]
    if yshape != expected:
        raise ShapeError(
            f"{fn}: labels of shape {yshape} must have the shape of logits {lshape} without "
            f"its class axis {axis}, i.e. {expected}."
        )
    picked = fnp.take_along_axis(logits, fnp.expand_dims(labels, axis), axis=axis)
    masked, where = _masked_logits(logits, where, axis)
    out = logsumexp(masked, axis=axis) - fnp.squeeze(picked, axis=axis)
    if where is None:
        return out
    return fnp.where(fnp.any(where, axis=axis), out, 0.0)


def softmax_cross_entropy(
    logits: Array, labels: Array, axis: int = -1, where: Array | None = None
) -> Array:
    """Cross entropy between ``softmax(logits)`` and labels, per example.

    Unlike optax's function of this name, `labels` may also be integer class indices, and
    classes with zero label weight contribute 0 even where their logit is ``-inf``.

    Args:
      logits: unnormalised log-probabilities, with the classes along `axis`.
      labels: either integer class indices (the logits' shape without `axis`), or
        probabilities (e.g. one-hot rows) of the logits' shape.
      axis: the class axis (an int).
      where: a mask of the classes to include.

    Returns:
      ``-sum(labels * log_softmax(logits), axis)``, the logits' shape without `axis`.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> logits = np.array([[2.0, 0.0, -1.0], [0.0, 0.0, 0.0]])
        >>> labels = np.array([[1.0, 0.0, 0.0], [0.5, 0.0, 0.5]])
        >>> np.round(nn.softmax_cross_entropy(logits, labels), 6).tolist()
        [0.169846, 1.098612]
    """
    (lshape, _), (yshape, ydtype) = _shape_dtype(logits), _shape_dtype(labels)
    if ydtype.kind in "iu":
        return softmax_cross_entropy_with_integer_labels(logits, labels, axis, where)
    if yshape != lshape:
        raise ShapeError(
            f"softmax_cross_entropy: labels of shape {yshape} must be probabilities of the "
            f"logits' shape {lshape}, or integer class indices of the logits' shape without "
            "the class axis."
        )
    axis = _class_axis("softmax_cross_entropy", axis, len(lshape))
    masked, where = _masked_logits(logits, where, axis)
    if where is None:
        log_p = log_softmax(logits, axis=axis)
    else:
        log_p = masked - logsumexp(masked, axis=axis, keepdims=True)
    # 0 * log(0) counts as 0, so classes with -inf logits and zero weight are harmless.
    skip = labels == 0 if where is None else fnp.logical_or(labels == 0, fnp.logical_not(where))
    # (the -inf is replaced before the product: 0 * -inf would be nan, with NumPy's warning)
    weighted = labels * fnp.where(skip, fnp.zeros_like(log_p), log_p)
    return -fnp.sum(weighted, axis=axis)


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

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> nn.squared_error(np.array([1.0, 3.0]), np.array([0.0, 1.0]))
        array([1., 4.])
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

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> nn.l2_loss(np.array([1.0, 3.0]), np.array([0.0, 1.0]))
        array([0.5, 2. ])
    """
    return 0.5 * squared_error(predictions, targets)


def mse(predictions: Array, targets: Array) -> Array:
    """Mean squared error over all elements: ``mean((predictions - targets) ** 2)``.

    Args:
      predictions: an array.
      targets: an array of the same shape.

    Returns:
      A scalar.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> float(nn.mse(np.array([1.0, 3.0]), np.array([0.0, 1.0])))
        2.5
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

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> nn.binary_cross_entropy_with_logits(np.array([0.0, -100.0]), np.array([1.0, 0.0]))
        Array([6.93147181e-01, 3.72007598e-44])
    """
    _check_same_shape("binary_cross_entropy_with_logits", logits, labels, ("logits", "labels"))
    logits = fnp.asarray(logits)
    labels = fnp.asarray(labels)
    if np.dtype(labels.dtype).kind in "biu":
        labels = fnp.asarray(labels, dtype=logits.dtype)
    return -(labels * log_sigmoid(logits) + (1 - labels) * log_sigmoid(-logits))


sigmoid_binary_cross_entropy = binary_cross_entropy_with_logits  # optax's name


def _require_float(fn: str, name: str, x) -> None:
    _, dtype = _shape_dtype(x)
    if dtype.kind not in "fc":
        raise TypeError(f"{fn}: {name} must be floating point, got dtype {dtype}; cast it "
                        "with fnp.asarray(x, dtype=float).")


def huber_loss(predictions: Array, targets: Array | None = None, *, delta: float = 1.0) -> Array:
    """Elementwise Huber loss: quadratic for errors below `delta`, linear above.

    Args:
      predictions: a float array.
      targets: an array of the same shape, or None for zeros.
      delta: where the loss turns from ``0.5 * e**2`` to ``delta * (|e| - 0.5 * delta)``.

    Returns:
      An array of the predictions' shape.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> nn.huber_loss(np.array([0.5, 3.0]), np.array([0.0, 0.0])).tolist()
        [0.125, 2.5]
    """
    _require_float("huber_loss", "predictions", predictions)
    if targets is not None:
        _check_same_shape("huber_loss", predictions, targets)
    errors = predictions if targets is None else fnp.subtract(predictions, targets)
    abs_errors = fnp.abs(errors)
    quadratic = fnp.minimum(abs_errors, delta)
    return 0.5 * quadratic**2 + delta * (abs_errors - quadratic)


def cosine_similarity(predictions: Array, targets: Array, *, epsilon: float = 0.0,
                      axis: Any = -1, where: Array | None = None) -> Array:
    """The cosine of the angle between `predictions` and `targets` along `axis`.

    Args:
      predictions, targets: float arrays of one shape.
      epsilon: a floor on the squared norms (keeps zero vectors finite).
      axis: the vector axis (or axes).
      where: a mask of the elements to include.

    Returns:
      The similarities, `axis` reduced.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> a, b = np.array([[1.0, 0.0], [1.0, 1.0]]), np.array([[0.0, 2.0], [2.0, 2.0]])
        >>> np.round(nn.cosine_similarity(a, b), 6).tolist()
        [0.0, 1.0]
    """
    fn = "cosine_similarity"
    _require_float(fn, "predictions", predictions)
    _require_float(fn, "targets", targets)
    _check_same_shape(fn, predictions, targets)
    kw = {} if where is None else {"where": where}

    def unit(x):
        norm2 = fnp.sum(fnp.square(x), axis=axis, keepdims=True, **kw)
        return x / fnp.sqrt(fnp.maximum(norm2, epsilon))

    return fnp.sum(unit(predictions) * unit(targets), axis=axis, **kw)


def cosine_distance(predictions: Array, targets: Array, *, epsilon: float = 0.0,
                    axis: Any = -1, where: Array | None = None) -> Array:
    """``1 - cosine_similarity(predictions, targets)``, with the same arguments.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> a, b = np.array([[1.0, 0.0], [1.0, 1.0]]), np.array([[0.0, 2.0], [2.0, 2.0]])
        >>> np.round(nn.cosine_distance(a, b), 6).tolist()
        [1.0, 0.0]
    """
    return 1.0 - cosine_similarity(predictions, targets, epsilon=epsilon, axis=axis, where=where)


def kl_divergence(log_predictions: Array, targets: Array, axis: Any = -1,
                  where: Array | None = None) -> Array:
    """The Kullback-Leibler divergence ``KL(targets || exp(log_predictions))`` along `axis`.

    Args:
      log_predictions: log-probabilities.
      targets: probabilities of the same shape (zeros contribute nothing).
      axis: the distribution axis (or axes).
      where: a mask of the elements to include.

    Returns:
      ``sum(targets * (log(targets) - log_predictions))``, `axis` reduced.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> log_p = np.log(np.array([0.5, 0.25, 0.25]))
        >>> round(float(nn.kl_divergence(log_p, np.array([0.25, 0.25, 0.5]))), 6)
        0.173287
    """
    fn = "kl_divergence"
    _require_float(fn, "log_predictions", log_predictions)
    _require_float(fn, "targets", targets)
    _check_same_shape(fn, log_predictions, targets, ("log_predictions", "targets"))
    safe = fnp.where(targets == 0, fnp.ones_like(targets), targets)
    log_targets = fnp.where(targets == 0, fnp.zeros_like(targets), fnp.log(safe))
    loss = targets * (log_targets - log_predictions)
    kw = {} if where is None else {"where": where}
    return fnp.sum(loss, axis=axis, **kw)


def hinge_loss(predictor_outputs: Array, targets: Array) -> Array:
    """Elementwise hinge loss ``max(0, 1 - predictor_outputs * targets)``, targets in {-1, 1}.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> nn.hinge_loss(np.array([2.0, 0.5, -1.0]), np.array([1.0, 1.0, 1.0])).tolist()
        [0.0, 0.5, 2.0]
    """
    return fnp.maximum(0, 1 - predictor_outputs * targets)


def smooth_labels(labels: Array, alpha: float, *, axis: Any = -1,
                  where: Array | None = None) -> Array:
    """Label smoothing: ``(1 - alpha) * labels + alpha / num_categories``.

    Args:
      labels: one-hot (or probability) float labels.
      alpha: the smoothing weight.
      axis: the category axis.
      where: a mask of the valid categories (their count is then `num_categories`).

    Returns:
      The smoothed labels, of the labels' shape.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> np.round(nn.smooth_labels(np.array([[1.0, 0.0, 0.0, 0.0]]), alpha=0.2), 6).tolist()
        [[0.85, 0.05, 0.05, 0.05]]
    """
    _require_float("smooth_labels", "labels", labels)
    if where is None:
        shape = _shape_dtype(labels)[0]
        axes = (axis,) if isinstance(axis, int) else tuple(axis)
        num = int(np.prod([shape[a] for a in axes]))
    else:
        num = fnp.sum(where, axis=axis, keepdims=True)
    return (1.0 - alpha) * labels + alpha / num


def sigmoid_focal_loss(logits: Array, labels: Array, *, alpha: float | None = None,
                       gamma: float = 2.0) -> Array:
    """Focal loss (Lin et al., 2017): binary cross entropy weighted by ``(1 - p_t)**gamma``.

    Args:
      logits: float logits.
      labels: targets in [0, 1] of the same shape.
      alpha: the weight of positives (``1 - alpha`` for negatives); None for none.
      gamma: the focusing exponent.

    Returns:
      An array of the logits' shape.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> np.round(nn.sigmoid_focal_loss(np.array([2.0, -1.0]), np.array([1.0, 1.0])), 6).tolist()
        [0.001804, 0.701868]
    """
    _require_float("sigmoid_focal_loss", "logits", logits)
    _check_same_shape("sigmoid_focal_loss", logits, labels, ("logits", "labels"))
    logits = fnp.asarray(logits)
    labels = fnp.asarray(labels, dtype=logits.dtype)
    ce = -(labels * log_sigmoid(logits) + (1 - labels) * log_sigmoid(-logits))

    def log_weighted(log_x, w):
        positive = w > 0
        log_w = fnp.log(fnp.where(positive, w, fnp.ones_like(w)))
        return fnp.where(positive, log_x + log_w, -np.inf)

    # log(1 - p_t) = log((1 - y) p + y (1 - p)), in log space for large |logits|.
    log_one_minus_pt = fnp.logaddexp(log_weighted(log_sigmoid(logits), 1 - labels),
                                     log_weighted(log_sigmoid(-logits), labels))
    loss = ce * fnp.exp(gamma * log_one_minus_pt)
    if alpha is None:
        return loss
    return (alpha * labels + (1.0 - alpha) * (1.0 - labels)) * loss


def safe_softmax_cross_entropy(logits: Array, labels: Array) -> Array:
    """Cross entropy with probability labels that stays finite for ``-inf`` logits.

    Classes with zero label weight contribute 0 even where their logit is ``-inf``.

    Args:
      logits: float logits, shape ``(..., num_classes)``.
      labels: probabilities of the logits' shape.

    Returns:
      The loss per example, shape ``(...)``.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> logits = np.array([[0.0, -np.inf, 0.0]])
        >>> np.round(nn.safe_softmax_cross_entropy(logits, np.array([[0.5, 0.0, 0.5]])), 6).tolist()
        [0.693147]
    """
    _require_float("safe_softmax_cross_entropy", "logits", logits)
    _check_same_shape("safe_softmax_cross_entropy", logits, labels, ("logits", "labels"))
    log_p = log_softmax(logits, axis=-1)
    # (the -inf is replaced before the product: 0 * -inf would be nan, with NumPy's warning)
    weighted = labels * fnp.where(labels == 0, fnp.zeros_like(log_p), log_p)
    return -fnp.sum(weighted, axis=-1)


def _ctc_check(fn, logits, logit_paddings, labels, label_paddings):
    (lshape, _), (pshape, _) = _shape_dtype(logits), _shape_dtype(logit_paddings)
    (yshape, ydtype), (qshape, _) = _shape_dtype(labels), _shape_dtype(label_paddings)
    if len(lshape) != 3 or len(yshape) != 2:
        raise ShapeError(f"{fn}: logits must be (batch, time, classes) and labels (batch, "
                         f"max_label_length); got shapes {lshape} and {yshape}.")
    if pshape != lshape[:2] or qshape != yshape or yshape[0] != lshape[0]:
        raise ShapeError(
            f"{fn}: logit_paddings {pshape} must be the logits' (batch, time) {lshape[:2]}, "
            f"label_paddings {qshape} the labels' shape {yshape}, with one batch size."
        )
    if ydtype.kind not in "iu":
        raise TypeError(f"{fn}: labels must be integer class ids, got dtype {ydtype}.")


def ctc_loss(logits: Array, logit_paddings: Array, labels: Array, label_paddings: Array, *,
             blank_id: int = 0, log_epsilon: float = -1e5) -> Array:
    """Connectionist temporal classification loss (Graves et al., 2006), per sequence.

    The forward algorithm in log space, with blank and label states kept apart; impossible
    paths get the log-probability `log_epsilon` instead of ``-inf``, so gradients stay finite.

    Args:
      logits: ``(batch, time, classes)`` unnormalised log-probabilities.
      logit_paddings: ``(batch, time)``: 1.0 at padded time steps, 0.0 elsewhere.
      labels: ``(batch, max_label_length)`` integer label ids.
      label_paddings: ``(batch, max_label_length)``: 1.0 at padded label positions.
      blank_id: the blank class.
      log_epsilon: the log-probability that stands for impossible.

    Returns:
      ``-log p(labels | logits)``, shape ``(batch,)``.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> logits = np.zeros((1, 3, 3))
        >>> labels = np.array([[1, 2]])
        >>> loss = nn.ctc_loss(logits, np.zeros((1, 3)), labels, np.zeros((1, 2)))
        >>> np.round(loss, 6).tolist()
        [1.686399]
    """
    return _ctc_forward("ctc_loss", logits, logit_paddings, labels, label_paddings,
                        blank_id, log_epsilon)[0]


def ctc_loss_with_forward_probs(logits: Array, logit_paddings: Array, labels: Array,
                                label_paddings: Array, *, blank_id: int = 0,
                                log_epsilon: float = -1e5) -> tuple[Array, Array, Array]:
    """`ctc_loss` and the forward (alpha) log-probabilities of every time step.

    Args:
      logits, logit_paddings, labels, label_paddings, blank_id, log_epsilon: as `ctc_loss`.

    Returns:
      ``(per_seq_loss, logalpha_phi, logalpha_emit)``: the loss ``(batch,)``; the
      log-probability of having emitted the first ``n`` labels and being on a blank after
      step ``t``, ``(time, batch, max_label_length + 1)`` (its last step also counts the
      paths that end on a label, as the loss does); and of being on label ``n`` just
      emitted, ``(time, batch, max_label_length)``.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> loss, phi, emit = nn.ctc_loss_with_forward_probs(
        ...     np.zeros((1, 3, 3)), np.zeros((1, 3)), np.array([[1, 2]]), np.zeros((1, 2)))
        >>> np.round(loss, 6).tolist(), phi.shape, emit.shape
        ([1.686399], (3, 1, 3), (3, 1, 2))
    """
    loss, blanks, emits = _ctc_forward("ctc_loss_with_forward_probs", logits, logit_paddings,
                                       labels, label_paddings, blank_id, log_epsilon)
    return loss, fnp.stack(blanks), fnp.stack(emits)


def _ctc_forward(fn, logits, logit_paddings, labels, label_paddings, blank_id, log_epsilon):
    """The CTC forward recursion: ``(loss, blank per step, emit per step)``; the last
    step's blank includes the final emission merge."""
    _ctc_check(fn, logits, logit_paddings, labels, label_paddings)
    batch, steps, classes = _shape_dtype(logits)[0]
    max_len = _shape_dtype(labels)[0][1]
    logp = log_softmax(logits, axis=-1)
    label_lengths = max_len - fnp.asarray(fnp.sum(label_paddings, axis=1), dtype=np.int32)
    same = fnp.asarray(fnp.equal(labels[:, :-1], labels[:, 1:]), dtype=np.float64)
    repeat = fnp.concatenate([same, fnp.zeros((batch, 1))], axis=1)
    logp_blank = logp[:, :, blank_id]                                  # (batch, time)
    logp_label = fnp.einsum("btk,bnk->btn", logp, one_hot(labels, classes))
    blank = fnp.concatenate([fnp.zeros((batch, 1)), fnp.full((batch, max_len), log_epsilon)], 1)
    emit = fnp.full((batch, max_len), log_epsilon)

    def merge(phi, extra):
        # phi[:, 0] (no label emitted yet) cannot be reached from an emission.
        return fnp.concatenate([phi[:, :1], fnp.logaddexp(phi[:, 1:], extra)], axis=1)

    blanks, emits = [], []
    for t in range(steps):
        pad = fnp.reshape(fnp.asarray(logit_paddings[:, t], dtype=np.float64), (batch, 1))
        into_blank = merge(blank, emit + log_epsilon * repeat)
        lp_label, lp_blank = logp_label[:, t], fnp.reshape(logp_blank[:, t], (batch, 1))
        next_emit = fnp.logaddexp(into_blank[:, :-1] + lp_label, emit + lp_label)
        next_blank = merge(into_blank + lp_blank, emit + lp_blank + log_epsilon * (1.0 - repeat))
        emit = pad * emit + (1.0 - pad) * next_emit
        blank = pad * blank + (1.0 - pad) * next_blank
        blanks.append(blank)
        emits.append(emit)
    final = merge(blank, emit)
    blanks[-1:] = [final]
    return -fnp.sum(final * one_hot(label_lengths, max_len + 1), axis=1), blanks, emits


# The rest of optax's losses live in losses_more (this module's size budget); they are part
# of this namespace (and so of fungrad.optim.losses).
from fungrad.nn.losses_more import (  # noqa: E402
    convex_kl_divergence,
    generalized_kl_divergence,
    kl_divergence_with_log_targets,
    log_cosh,
    multiclass_hinge_loss,
    multiclass_perceptron_loss,
    ntxent,
    perceptron_loss,
    poly_loss_cross_entropy,
)

__all__ += ["log_cosh", "convex_kl_divergence", "generalized_kl_divergence", "ntxent",
            "kl_divergence_with_log_targets", "poly_loss_cross_entropy", "perceptron_loss",
            "multiclass_hinge_loss", "multiclass_perceptron_loss"]
