"""The softmax family, with JAX's names (`jax.nn`): ``logsumexp``, ``logmeanexp``,
``softmax`` and ``log_softmax``; and `simplex_projection`, softmax's sparse sibling
(sparsemax), which the sparsemax losses and ``optim.projections`` share.

Each subtracts the (gradient-stopped) maximum first, which changes nothing mathematically
(the functions are invariant to that shift), so values stay finite for huge logits and the
derivatives stay exact; masked (``where``) and empty slices give JAX's values without
NumPy warnings.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fungrad import lax
from fungrad import numpy as fnp
from fungrad.errors import ShapeError
from fungrad.nn.activations import float_operand, relu
from fungrad.transforms.custom_derivatives import custom_jvp

__all__ = ["softmax", "log_softmax", "logsumexp", "logmeanexp"]

Array = Any
Axis = int | tuple[int, ...] | None


def _stopped_max(x: Array, axis: Axis) -> Array:
    """The max over `axis` (kept), as a constant, and 0 where it is not finite (an empty
    axis too: initial=-inf, so softmax of an empty array is empty, as in JAX)."""
    m = lax.stop_gradient(fnp.max(x, axis=axis, keepdims=True, initial=-np.inf))
    return fnp.where(fnp.isfinite(m), m, fnp.zeros_like(m))


def _softmax_shift(x: Array, axis: Axis, where) -> Array:
    """The stopped max that softmax and log_softmax subtract: as ``_stopped_max``, but nan
    where the max is +inf (and where it is -inf without a mask), so that such a slice is all
    nan, as JAX's ``x - max`` makes it (inf - inf), here without NumPy's warnings. An
    all-excluded slice under `where` keeps 0 (its entries are 0, or -inf for log_softmax)."""
    m = lax.stop_gradient(fnp.max(x, axis=axis, keepdims=True, initial=-np.inf))
    if where is None:
        fill = fnp.full_like(m, np.nan)
    else:
        fill = fnp.where(m > 0, fnp.full_like(m, np.nan), fnp.zeros_like(m))
    return fnp.where(fnp.isfinite(m), m, fill)


def _masked(x: Array, where) -> tuple[Array, Array | None]:
    """`x` with excluded entries set to -inf (so maxima ignore them), and the mask."""
    if where is None:
        return x, None
    where = fnp.broadcast_to(fnp.asarray(where, dtype=bool), fnp.shape(x))
    return fnp.where(where, x, -np.inf), where


def logsumexp(a: Array, axis: Axis = None, b: Array | None = None, keepdims: bool = False,
              return_sign: bool = False, where: Array | None = None):
    """``log(sum(b * exp(a), axis))``, without overflow; its gradient is ``softmax(a)``.

    Args:
      a: an array.
      axis: the axis or axes to reduce; None reduces all.
      b: optional weights broadcast against `a` (may be negative or zero).
      keepdims: keep the reduced axes with length 1.
      return_sign: also return the sign of the sum; then the first result is
        ``log(abs(sum))``. Without it, a negative sum gives nan (as JAX).
      where: optional boolean mask of the entries to include.

    Returns:
      The reduced array (and the sign, with `return_sign`). All ``-inf`` (or nothing
      included) along the axis gives ``-inf``.

    >>> float(logsumexp(np.array([1000.0, 1000.0])))  # 1000 + log 2
    1000.6931471805599
    >>> [float(v) for v in logsumexp(np.array([0.0, 0.0]), b=np.array([1.0, -2.0]),
    ...                              return_sign=True)]
    [0.0, -1.0]
    """
    a = float_operand(a)
    ndim = fnp.ndim(a)
    for ax in (() if axis is None else (axis,) if isinstance(axis, int) else tuple(axis)):
        if not -ndim <= ax < ndim:
            raise ShapeError(f"logsumexp: axis {ax} is out of range for an array of rank "
                             f"{ndim} (valid: {-ndim} to {ndim - 1}).")
    if b is not None:
        # a and a real b share their promoted dtype, as in JAX (a float64 b makes a float32
        # a float64; a Python scalar b is weak)
        dtype = np.dtype(fnp.result_type(a, b))
        # a Python scalar b is made like a (on a's device), not as a host array
        b = fnp.full_like(a, b, dtype=dtype) if type(b) in (int, float, complex, bool) \
            else fnp.asarray(b)
        a, b = fnp.broadcast_arrays(a, b)
        if dtype.kind != "c":
            dtype = dtype if dtype.kind == "f" or dtype.name == "bfloat16" else np.dtype(
                np.float64)
            a, b = a.astype(dtype), b.astype(dtype)
    masked, where = _masked(a, where)
    if b is not None:  # a zero weight excludes its entry from the maximum too
        masked = fnp.where(b != 0, masked, -np.inf)
    # initial=-inf: an empty axis sums to 0 and gives -inf, as JAX (no max identity else).
    top = lax.stop_gradient(fnp.max(masked, axis=axis, keepdims=True, initial=-np.inf))
    m = fnp.where(fnp.isfinite(top), top, fnp.zeros_like(top))
    terms = fnp.exp(masked - m)
    if b is not None:
        terms = terms * b
    total = fnp.sum(terms, axis=axis, keepdims=True)
    if return_sign:
        sign = lax.stop_gradient(fnp.sign(total))
        total = fnp.abs(total)
    if b is None and where is None:
        # total >= 1 except for a slice of -inf, which sums to 0: there log sees the
        # smallest normal number (no log(0) warning) and the max (-inf) gives the result.
        # Elsewhere top == m, or top is +inf or nan and so is the result.
        tiny = float(np.finfo(np.dtype(total.dtype)).tiny)
        out = fnp.log(fnp.maximum(total, tiny)) + top
    else:  # an empty or cancelling sum: -inf (and nan below 0), without NumPy warnings
        positive = total > 0
        out = fnp.where(positive, fnp.log(fnp.where(positive, total, 1.0)) + m,
                        fnp.where(total == 0, fnp.full_like(total, -np.inf),
                                  fnp.full_like(total, np.nan)))
    if not keepdims:
        axes = _squeeze_axes(a, axis)
        out = fnp.squeeze(out, axis=axes)
        if return_sign:
            sign = fnp.squeeze(sign, axis=axes)
    return (out, sign) if return_sign else out


def logmeanexp(x: Array, axis: Axis = None, where: Array | None = None,
               keepdims: bool = False) -> Array:
    """``log(mean(exp(x), axis))``: ``logsumexp`` less the log of the number of entries.

    Args:
      x: an array.
      axis: the axis or axes to reduce; None reduces all.
      where: optional boolean mask of the entries to include (the mean is over those).
      keepdims: keep the reduced axes with length 1.

    Returns:
      The reduced array; nan where no entry is included (an empty mean, as JAX).

    >>> float(logmeanexp(np.array([1000.0, 1000.0])))
    1000.0
    """
    lse = logsumexp(x, axis=axis, keepdims=keepdims, where=where)
    ones = fnp.ones_like(x, dtype=lse.dtype)  # on x's device
    if where is not None:
        ones = fnp.where(fnp.asarray(where, dtype=bool), ones, fnp.zeros_like(ones))
    count = fnp.sum(ones, axis=axis, keepdims=keepdims)
    # An empty mean is nan, as 0/0; computed without log(0)'s NumPy warning.
    return fnp.where(count > 0, lse - fnp.log(fnp.where(count > 0, count, 1.0)), np.nan)


def _squeeze_axes(a: Array, axis: Axis) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(a.ndim))
    return (axis,) if isinstance(axis, int) else tuple(axis)


def softmax(x: Array, axis: Axis = -1, where: Array | None = None) -> Array:
    """``exp(x) / sum(exp(x), axis)``, computed stably.

    Args:
      x: an array of logits.
      axis: the axis (or axes) that sums to one.
      where: optional boolean mask of the entries to include; excluded entries get 0 (and
        a slice with nothing included is all 0), with zero gradient.

    Returns:
      Probabilities, an array like `x`.

    >>> softmax(np.array([0.0, 5.0, 0.0]), where=np.array([True, False, True])).tolist()
    [0.5, 0.0, 0.5]
    """
    x = float_operand(x)
    masked, where = _masked(x, where)
    unnormalized = fnp.exp(masked - _softmax_shift(masked, axis, where))
    total = fnp.sum(unnormalized, axis=axis, keepdims=True)
    if where is None:
        return unnormalized / total
    return fnp.where(where, unnormalized / fnp.where(total == 0, 1.0, total), 0.0)


def log_softmax(x: Array, axis: Axis = -1, where: Array | None = None) -> Array:
    """``x - logsumexp(x, axis)``: log-probabilities, finite for huge logits.

    Args:
      x: an array of logits.
      axis: the axis (or axes) to normalise over.
      where: optional boolean mask of the entries to include; excluded entries get
        ``-inf``, with zero gradient.

    Returns:
      An array like `x`.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> nn.log_softmax(np.array([1000.0, 1000.0]))
        Array([-0.69314718, -0.69314718])
        >>> nn.log_softmax(np.array([1.0, 2.0, 3.0]), where=np.array([True, True, False]))
        array([-1.31326169, -0.31326169,        -inf])
    """
    x = float_operand(x)
    masked, where = _masked(x, where)
    shifted = masked - _softmax_shift(masked, axis, where)
    if 0 in fnp.shape(x):  # empty, as in JAX (without the log of an empty slice's 0 sum)
        return shifted
    total = fnp.sum(fnp.exp(shifted), axis=axis, keepdims=True)
    if where is None:
        return shifted - fnp.log(total)
    out = shifted - fnp.log(fnp.where(total == 0, 1.0, total))
    return fnp.where(where, out, -np.inf)


@custom_jvp
def simplex_projection(v: Array) -> Array:
    """The nearest point of the unit simplex ``{x >= 0, sum(x) = 1}`` to the vector `v`
    (sparsemax): ``relu(v - theta)`` for the threshold theta that makes the sum 1.

    Its JVP rule is the projection's Jacobian on the support (autodiff through the sort
    would give it only almost everywhere).

    >>> import numpy as np
    >>> simplex_projection(np.array([0.5, 2.0, -1.0])).tolist()
    [0.0, 1.0, 0.0]
    """
    size = fnp.shape(v)[0]
    desc = -fnp.sort(-v)
    sums = fnp.cumsum(desc)
    ranks = fnp.arange(1, size + 1, dtype=fnp.result_type(v))
    # the support is the largest k with desc[k-1] > (sums[k-1] - 1) / k
    k = fnp.count_nonzero(1 / ranks + (desc - sums / ranks) > 0)
    theta = (fnp.take(sums, k - 1) - 1) / k
    return relu(v - theta)


@simplex_projection.defjvp
def _simplex_projection_jvp(primals, tangents):
    (v,), (dv,) = primals, tangents
    out = simplex_projection(v)
    on = fnp.asarray(out > 0, dtype=fnp.result_type(dv))
    # on the support the projection subtracts the mean change; off it, nothing moves
    return out, on * dv - (fnp.sum(on * dv) / fnp.sum(on)) * on
