"""2-D convolution and pooling on channels-last images: `Conv2d`, `MaxPool2d`, `AvgPool2d`.

Images are NHWC, ``(N, H, W, C)``, and kernels HWIO, ``(kh, kw, in, out)``: fungrad's
native layout. Any number of leading axes is allowed, including none: ``(H, W, C)`` is a
single image, which is what a layer sees per example under `fg.vmap`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from fungrad import lax, random
from fungrad import numpy as fnp
from fungrad.errors import ShapeError
from fungrad.nn.module import Module, check_size
from fungrad.numpy.promotion import promote_dtypes

__all__ = ["Conv2d", "MaxPool2d", "AvgPool2d"]

Array = Any
Padding = str | int | Sequence[int] | Sequence[tuple[int, int]]
_NHWC = ("NHWC", "HWIO", "NHWC")


def _pair(layer: str, name: str, value: int | Sequence[int]) -> tuple[int, int]:
    """An int or a pair of ints as a pair of positive ints."""
    pair = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, (int, np.integer)) and v > 0 for v in pair):
        raise ValueError(f"{layer}: {name} must be a positive int or a pair of them, got "
                         f"{value!r}.")
    return int(pair[0]), int(pair[1])


def _padding(layer: str, padding: Padding) -> str | tuple[tuple[int, int], ...]:
    """"SAME"/"VALID", or ``((top, bottom), (left, right))`` from an int, pair or pairs."""
    if isinstance(padding, str):
        if padding.upper() not in ("SAME", "VALID"):
            raise ValueError(f"{layer}: padding must be 'SAME', 'VALID', an int or pairs, "
                             f"got {padding!r}.")
        return padding.upper()
    if isinstance(padding, (int, np.integer)):
        return ((int(padding),) * 2,) * 2
    try:
        items = tuple(padding)
        if len(items) == 2 and all(isinstance(p, (int, np.integer)) for p in items):
            return tuple((int(p), int(p)) for p in items)
        if len(items) == 2:
            return tuple((int(lo), int(hi)) for lo, hi in items)
    except (TypeError, ValueError):
        pass
    raise ValueError(
        f"{layer}: padding must be 'SAME', 'VALID', an int, a pair (ph, pw) or pairs "
        f"((top, bottom), (left, right)); got {padding!r}."
    )


def _as_batch(layer: str, x: Array, channels: int | None) -> tuple[Array, tuple[int, ...]]:
    """``x`` reshaped to ``(N, H, W, C)``, and its leading axes to restore afterwards."""
    shape = tuple(fnp.shape(x))
    if len(shape) < 3:
        raise ShapeError(f"{layer}: x must be an image (..., H, W, C), got shape {shape}.")
    if channels is not None and shape[-1] != channels:
        raise ShapeError(
            f"{layer}: x of shape {shape} has {shape[-1]} channels (last axis, NHWC), but the "
            f"layer expects {channels}."
        )
    lead = shape[:-3]
    return fnp.reshape(x, (math.prod(lead), *shape[-3:])), lead


def _restore(y: Array, lead: tuple[int, ...]) -> Array:
    return fnp.reshape(y, (*lead, *fnp.shape(y)[1:]))


class Conv2d(Module):
    """2-D convolution of NHWC images with an HWIO kernel, plus a bias.

    Weight and bias start uniform in ``[-1/sqrt(fan_in), 1/sqrt(fan_in))`` with
    ``fan_in = in_channels / groups * kh * kw`` (PyTorch's default).

    >>> import fungrad as fg
    >>> conv = Conv2d(3, 8, 3, key=fg.random.key(0))   # 3x3 kernel, SAME padding
    >>> conv(np.zeros((2, 28, 28, 3), np.float32)).shape
    (2, 28, 28, 8)
    """

    weight: Array
    bias: Array | None
    in_channels: int
    out_channels: int
    kernel_size: tuple[int, int]
    stride: tuple[int, int]
    padding: str | tuple[tuple[int, int], ...]
    dilation: tuple[int, int]
    groups: int

    def __init__(  # noqa: PLR0917 (PyTorch's and equinox's signature)
        self, in_channels: int, out_channels: int, kernel_size: int | Sequence[int],
        stride: int | Sequence[int] = 1, padding: Padding = "SAME",
        dilation: int | Sequence[int] = 1, groups: int = 1, use_bias: bool = True, *,
        key: Any, dtype: Any = np.float32,
    ):
        """Build the layer.

        Args:
          in_channels: channels of the input (last axis).
          out_channels: channels of the output.
          kernel_size: ``k`` or ``(kh, kw)``.
          stride: ``s`` or ``(sh, sw)``.
          padding: "SAME", "VALID", an int, ``(ph, pw)`` or ``((top, bottom), (left, right))``.
          dilation: kernel dilation, ``d`` or ``(dh, dw)``.
          groups: split channels into this many independent groups; must divide both
            `in_channels` and `out_channels` (``groups = in_channels`` is depthwise).
          use_bias: add a learned bias (otherwise `bias` is None).
          key: a PRNG key for the initial parameters.
          dtype: the parameters' dtype.
        """
        in_channels = check_size("Conv2d", "in_channels", in_channels)
        out_channels = check_size("Conv2d", "out_channels", out_channels)
        groups = check_size("Conv2d", "groups", groups)
        if in_channels % groups or out_channels % groups:
            raise ValueError(
                f"Conv2d: groups={groups} must divide in_channels={in_channels} and "
                f"out_channels={out_channels}."
            )
        self.kernel_size = _pair("Conv2d", "kernel_size", kernel_size)
        self.stride = _pair("Conv2d", "stride", stride)
        self.dilation = _pair("Conv2d", "dilation", dilation)
        self.padding = _padding("Conv2d", padding)
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        w_key, b_key = random.split(key)
        fan_in = in_channels // groups * math.prod(self.kernel_size)
        limit = 1.0 / math.sqrt(max(fan_in, 1))
        shape = (*self.kernel_size, in_channels // groups, out_channels)
        self.weight = random.uniform(w_key, shape, dtype, -limit, limit)
        self.bias = (random.uniform(b_key, (out_channels,), dtype, -limit, limit)
                     if use_bias else None)

    def __call__(self, x: Array) -> Array:
        """Convolve.

        Args:
          x: images ``(..., H, W, in_channels)``.

        Returns:
          ``(..., H', W', out_channels)``.
        """
        batch, lead = _as_batch("Conv2d", x, self.in_channels)
        # NumPy's promotion, as Linear's matmul does (float64 images, float32 weights).
        batch, weight = promote_dtypes("Conv2d", batch, self.weight)
        y = lax.conv_general_dilated(
            batch, weight, self.stride, self.padding, rhs_dilation=self.dilation,
            dimension_numbers=_NHWC, feature_group_count=self.groups,
        )
        if self.bias is not None:
            y = y + self.bias
        return _restore(y, lead)


def _window_padding(padding: str | tuple[tuple[int, int], ...]):
    return padding if isinstance(padding, str) else ((0, 0), *padding, (0, 0))


class _Pool2d(Module):
    """Shared fields and checks of the pooling layers."""

    kernel_size: tuple[int, int]
    stride: tuple[int, int]
    padding: str | tuple[tuple[int, int], ...]

    def __init__(self, kernel_size: int | Sequence[int], stride: int | Sequence[int] | None = None,
                 padding: Padding = "VALID"):
        """Build the layer.

        Args:
          kernel_size: window ``k`` or ``(kh, kw)``.
          stride: ``s`` or ``(sh, sw)``; defaults to the kernel size (no overlap).
          padding: "VALID", "SAME", an int, ``(ph, pw)`` or ``((top, bottom), (left, right))``.
        """
        name = type(self).__name__
        self.kernel_size = _pair(name, "kernel_size", kernel_size)
        self.stride = self.kernel_size if stride is None else _pair(name, "stride", stride)
        self.padding = _padding(name, padding)

    def _reduce(self, x: Array, init_value: float, computation) -> tuple[Array, tuple]:
        batch, lead = _as_batch(type(self).__name__, x, None)
        y = lax.reduce_window(batch, init_value, computation, (1, *self.kernel_size, 1),
                              (1, *self.stride, 1), _window_padding(self.padding))
        return y, lead


class MaxPool2d(_Pool2d):
    """Max over each (strided) window of NHWC images; padding never wins.

    >>> MaxPool2d(2)(np.arange(16.0).reshape(4, 4, 1))[..., 0]
    array([[ 5.,  7.],
           [13., 15.]])
    """

    def __call__(self, x: Array) -> Array:
        """Pool.

        Args:
          x: images ``(..., H, W, C)``.

        Returns:
          ``(..., H', W', C)``.
        """
        y, lead = self._reduce(x, -np.inf, lax.max)
        return _restore(y, lead)


class AvgPool2d(_Pool2d):
    """Mean over each (strided) window of NHWC images.

    Padded positions count as zeros in the mean (the divisor is always ``kh * kw``), as in
    PyTorch's and Flax's defaults.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> pool = nn.AvgPool2d(2)
        >>> pool(np.arange(16.0).reshape(1, 4, 4, 1))[0, :, :, 0]
        array([[ 2.5,  4.5],
               [10.5, 12.5]])
    """

    def __call__(self, x: Array) -> Array:
        """Pool.

        Args:
          x: images ``(..., H, W, C)``.

        Returns:
          ``(..., H', W', C)``.
        """
        y, lead = self._reduce(x, 0.0, lax.add)
        return _restore(y * (1.0 / math.prod(self.kernel_size)), lead)
