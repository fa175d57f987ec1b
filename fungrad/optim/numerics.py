"""optax's numerics helpers: norms with safe gradients and saturating counters.

``safe_norm(x, m)`` is ``max(norm(x), m)`` whose gradient is 0 (not NaN) where the norm
is below `m`: the norm is taken of ones there, so its derivative at 0 is never evaluated.

>>> import numpy as np, fungrad as fg
>>> float(safe_norm(np.array([3.0, 4.0]), 1.0))
5.0
>>> fg.grad(lambda x: safe_norm(x, 1.0))(np.zeros(2)).tolist()
[0.0, 0.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np

import fungrad.numpy as fnp
from fungrad.core import get_aval
from fungrad.optim.leafwise import scalar_like
from fungrad.transforms.api import stop_gradient
from fungrad.transforms.custom_derivatives import custom_vjp
from fungrad.tree_util import tree_map

__all__ = ["safe_norm", "safe_root_mean_squares", "safe_increment", "safe_int32_increment",
           "scale_gradient"]


def safe_norm(x: Any, min_norm: Any, ord: Any = None, axis: Any = None,  # noqa: A002
              keepdims: bool = False) -> Any:
    """``maximum(fnp.linalg.norm(x, ord, axis), min_norm)`` with a zero gradient below it.

    Args:
      x: an array.
      min_norm: the smallest value returned.
      ord, axis, keepdims: as in `fungrad.numpy.linalg.norm`.

    Returns:
      The norm, at least `min_norm`; differentiable everywhere (0 where clipped).

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> optim.safe_norm(np.array([[3.0, 4.0], [0.0, 0.0]]), 0.5, axis=1).tolist()
        [5.0, 0.5]
    """
    norm = fnp.linalg.norm(x, ord=ord, axis=axis, keepdims=True)
    small = norm <= min_norm
    safe_x = fnp.where(small, fnp.ones_like(x), x)
    small = small if keepdims else fnp.squeeze(small, axis=axis)
    masked = fnp.linalg.norm(safe_x, ord=ord, axis=axis, keepdims=keepdims)
    return fnp.where(small, min_norm, masked)


def safe_root_mean_squares(x: Any, min_rms: Any) -> Any:
    """``maximum(sqrt(mean(|x|**2)), min_rms)`` with a zero gradient below `min_rms`.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> float(optim.safe_root_mean_squares(np.array([1.0, -1.0]), 0.1))
        1.0
    """

    def rms(a):
        return fnp.sqrt(fnp.mean(fnp.real(fnp.conj(a) * a)))

    small = rms(x) <= min_rms
    return fnp.where(small, min_rms, rms(fnp.where(small, fnp.ones_like(x), x)))


def safe_increment(count: Any) -> Any:
    """``count + 1``, staying at the dtype's largest value instead of overflowing.

    Args:
      count: an integer or floating-point counter.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> int(optim.safe_increment(np.int32(2**31 - 1))), int(optim.safe_increment(np.int32(4)))
        (2147483647, 5)
    """
    dtype = get_aval(count).dtype
    if np.issubdtype(dtype, np.integer):
        top = np.iinfo(dtype).max
    elif np.issubdtype(dtype, np.floating):
        top = np.finfo(dtype).max
    else:
        raise ValueError(
            f"safe_increment: count has dtype {dtype}; a counter must have an integer or "
            "floating-point dtype (e.g. np.int32).")
    top = np.asarray(top, dtype)
    return fnp.where(count < top, count + np.asarray(1, dtype), top)


def safe_int32_increment(count: Any) -> Any:
    """`safe_increment` for an int32 counter (optax's older name).

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> int(optim.safe_int32_increment(np.int32(7)))
        8
    """
    dtype = get_aval(count).dtype
    if dtype != np.int32:
        raise ValueError(f"safe_int32_increment: count must be int32, got {dtype}; use "
                         "safe_increment for other dtypes.")
    return safe_increment(count)


@custom_vjp
def _scaled_backward(inputs: Any, scale: Any) -> Any:
    del scale
    return inputs


def _scaled_backward_fwd(inputs, scale):
    return inputs, scale


def _scaled_backward_bwd(scale, cotangents):
    return tree_map(lambda g: g * scalar_like(scale, g), cotangents), None


_scaled_backward.defvjp(_scaled_backward_fwd, _scaled_backward_bwd)


def scale_gradient(inputs: Any, scale: Any) -> Any:
    """The identity on `inputs` (a pytree), whose gradient is multiplied by `scale`.

    ``scale=0`` is `stop_gradient`; ``scale=1`` returns `inputs` itself.

    Args:
      inputs: a pytree of arrays.
      scale: the factor applied to the cotangents in the backward pass.

    Example:
        >>> import fungrad as fg
        >>> from fungrad import optim
        >>> float(fg.grad(lambda x: optim.scale_gradient(x, 0.5) ** 2)(3.0))
        3.0
    """
    if isinstance(scale, (int, float)) and scale == 1.0:
        return inputs
    if isinstance(scale, (int, float)) and scale == 0.0:
        return tree_map(stop_gradient, inputs)
    return _scaled_backward(inputs, scale)
