"""fungrad.image: resampling images, as ``jax.image`` (``resize``, ``scale_and_translate``).

Resampling along one spatial dimension is a matrix product: every output pixel is a
weighted sum of input pixels, with weights read off a kernel (triangle, Keys cubic,
Lanczos, box) at the distance between the output pixel's sample location and each input
pixel. The weight matrices are built from fnp operations and contracted with the image by
one ``fnp.einsum``, so the result is differentiable with respect to the image, and with
respect to ``scale`` and ``translation`` where the kernel is (everywhere but its knots).

Pixels are half-centred: pixel ``i`` covers ``[i, i + 1)`` and is sampled at ``i + 0.5``.
An output pixel whose sample location falls outside the input gets zero weight (except for
``"cubic-pytorch"`` without antialiasing, which repeats the edge pixels, as PyTorch does).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence

import numpy as np

import fungrad.numpy as fnp
from fungrad.array_module import constant_like
from fungrad.core import shape_of
from fungrad.lax import Precision
from fungrad.numpy.promotion import as_inexact, as_operand

__all__ = ["ResizeMethod", "resize", "scale_and_translate"]


class ResizeMethod(enum.Enum):
    """The resampling kernels of :func:`resize` and :func:`scale_and_translate`.

    ``NEAREST`` (resize only), ``LINEAR`` (triangle), ``LANCZOS3``, ``LANCZOS5``, ``CUBIC``
    (Keys, a = -0.5), ``CUBIC_PYTORCH`` (a = -0.75, edge padding without antialiasing) and
    ``AREA`` (the overlap of output and input pixel areas).

    >>> ResizeMethod.from_string("bilinear")
    <ResizeMethod.LINEAR: 1>
    """

    NEAREST = 0
    LINEAR = 1
    LANCZOS3 = 2
    LANCZOS5 = 3
    CUBIC = 4
    CUBIC_PYTORCH = 5
    AREA = 6

    @staticmethod
    def from_string(s: str) -> ResizeMethod:
        """The method a string names (``"bilinear"``, ``"tricubic"``, ``"lanczos3"``...).

        >>> ResizeMethod.from_string("lanczos5")
        <ResizeMethod.LANCZOS5: 3>
        """
        for method, names in _NAMES.items():
            if s in names:
                return method
        known = sorted(n for names in _NAMES.values() for n in names)
        raise ValueError(f'Unknown resize method "{s}": expected one of {known}')


_NAMES = {
    ResizeMethod.NEAREST: ("nearest",),
    ResizeMethod.LINEAR: ("linear", "bilinear", "trilinear", "triangle"),
    ResizeMethod.LANCZOS3: ("lanczos3",),
    ResizeMethod.LANCZOS5: ("lanczos5",),
    ResizeMethod.CUBIC: ("cubic", "bicubic", "tricubic"),
    ResizeMethod.CUBIC_PYTORCH: ("cubic-pytorch", "bicubic-pytorch"),
    ResizeMethod.AREA: ("area",),
}


# ---------------------------------------------------------------------------------------
# Kernels, as functions of the (non-negative) distance d in input pixels


def _triangle(d):
    return fnp.maximum(0.0, 1.0 - d)


def _cubic(a: float) -> Callable:
    """Keys' cubic convolution kernel with parameter ``a`` (-0.5: Keys, -0.75: OpenCV)."""

    def kernel(d):
        near = ((a + 2.0) * d - (a + 3.0)) * d * d + 1.0
        far = ((a * d - 5.0 * a) * d + 8.0 * a) * d - 4.0 * a
        return fnp.where(d >= 2.0, 0.0, fnp.where(d >= 1.0, far, near))

    return kernel


def _lanczos(radius: float) -> Callable:
    """sinc(d) * sinc(d / radius) on [0, radius], written so that d = 0 has no 0/0."""

    def kernel(d):
        numerator = radius * fnp.sin(np.pi * d) * fnp.sin(np.pi * d / radius)
        safe = fnp.where(d != 0, np.pi**2 * d * d, 1.0)
        value = fnp.where(d > 1e-3, numerator / safe, 1.0)
        return fnp.where(d > radius, 0.0, value)

    return kernel


_AREA = "area"  # the box kernel is an overlap of intervals, not a function of distance

_KERNELS = {  # method -> (radius, kernel)
    ResizeMethod.LINEAR: (1, _triangle),
    ResizeMethod.LANCZOS3: (3, _lanczos(3.0)),
    ResizeMethod.LANCZOS5: (5, _lanczos(5.0)),
    ResizeMethod.CUBIC: (2, _cubic(-0.5)),
    ResizeMethod.CUBIC_PYTORCH: (2, _cubic(-0.75)),
    ResizeMethod.AREA: (1, _AREA),
}

# Columns whose weights sum to (almost) zero are dropped rather than blown up.
_MIN_WEIGHT_SUM = 1000.0 * float(np.finfo(np.float32).eps)


# ---------------------------------------------------------------------------------------
# Weight matrices


def _normalized(weights):
    total = fnp.sum(weights, axis=0, keepdims=True)
    safe = fnp.where(total != 0, total, 1.0)
    return fnp.where(fnp.abs(total) > _MIN_WEIGHT_SUM, weights / safe, 0.0)


def _arange(start: int, stop: int, dtype, like):
    """``arange`` on the device of ``like`` (the scale: host for Python floats)."""
    return constant_like(np.arange(start, stop, dtype=np.dtype(dtype)), like)


def _kernel_weights(m, n, scale, translation, kernel, antialias, pad, dtype):
    """(m + 2 pad, n) kernel values between padded input pixels and output samples."""
    inv_scale = 1.0 / scale
    outputs = _arange(0, n, dtype, scale)
    sample = (outputs + 0.5) * inv_scale - translation * inv_scale - 0.5
    if kernel is _AREA:
        left = outputs * inv_scale - translation * inv_scale
        pixels = _arange(0, m, dtype, scale)
        overlap = (fnp.minimum((left + inv_scale)[None, :], (pixels + 1.0)[:, None])
                   - fnp.maximum(left[None, :], pixels[:, None]))
        return fnp.maximum(0.0, overlap), sample
    width = fnp.maximum(inv_scale, 1.0) if antialias else 1.0
    pixels = _arange(-pad, m + pad, dtype, scale)
    return kernel(fnp.abs(sample[None, :] - pixels[:, None]) / width), sample


def _weight_matrix(m, n, scale, translation, kernel, antialias, edge_radius, dtype):
    """The (m, n) matrix taking an input row of length m to an output row of length n."""
    pad = 0 if edge_radius is None else edge_radius
    weights, sample = _kernel_weights(m, n, scale, translation, kernel, antialias, pad,
                                      dtype)
    if edge_radius is not None:
        # Pixels off the edge repeat the edge pixel: fold their rows onto rows 0 and m - 1.
        source = np.clip(np.arange(-pad, m + pad), 0, m - 1)
        fold = constant_like((source[None, :] == np.arange(m)[:, None]).astype(np.dtype(dtype)),
                             scale)
        return _normalized(fnp.matmul(fold, weights))
    inside = (sample >= -0.5) & (sample <= m - 0.5)
    return fnp.where(inside[None, :], _normalized(weights), 0.0)


def _letters(k: int) -> str:
    return "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"[k]


def _resample(image, shape, spatial_dims, scales, translations, method, antialias,
              precision):
    """Contract each spatial dimension of ``image`` with its weight matrix (one einsum)."""
    if not spatial_dims:
        return image
    if method is ResizeMethod.CUBIC_PYTORCH and antialias:
        method = ResizeMethod.CUBIC
    radius, kernel = _KERNELS[method]
    edge_radius = radius if method is ResizeMethod.CUBIC_PYTORCH else None
    rank = len(shape)
    out_letters = [_letters(k) for k in range(rank)]
    operands, terms = [], []
    for i, d in enumerate(spatial_dims):
        dtype = fnp.result_type(scales[i], translations[i])
        w = _weight_matrix(shape_of(image)[d], shape[d], scales[i], translations[i], kernel,
                           antialias, edge_radius, dtype)
        # Weights built from Python-float scales are host arrays: put them beside the image.
        operands.append(constant_like(w.astype(fnp.result_type(image)), image))
        terms.append(_letters(d) + _letters(rank + i))
        out_letters[d] = _letters(rank + i)
    subscripts = ",".join(["".join(_letters(k) for k in range(rank)), *terms])
    return fnp.einsum(f"{subscripts}->{''.join(out_letters)}", image, *operands,
                      precision=precision)


def _check_shape(fn_name: str, image, shape) -> tuple[int, ...]:
    shape = tuple(int(s) for s in shape)
    if len(shape) != len(shape_of(image)):
        raise ValueError(
            f"fungrad.image.{fn_name}: shape must have one entry per dimension of image; "
            f"got shape={shape} for an image of shape {shape_of(image)}")
    return shape


def _method(method) -> ResizeMethod:
    return ResizeMethod.from_string(method) if isinstance(method, str) else method


def _canonical_dims(fn_name: str, spatial_dims, rank: int) -> tuple[int, ...]:
    dims = []
    for d in spatial_dims:
        if not -rank <= d < rank:
            raise ValueError(f"fungrad.image.{fn_name}: spatial_dims entry {d} is out of "
                             f"range for an image of rank {rank}")
        dims.append(d % rank)
    return tuple(dims)


def scale_and_translate(image, shape: Sequence[int], spatial_dims: Sequence[int], scale,
                        translation, method: str | ResizeMethod, antialias: bool = True,
                        precision=Precision.HIGHEST):
    """Resample ``image`` to ``shape`` under the map ``x -> x * scale + translation``.

    Along each dimension ``spatial_dims[k]``, output location ``y`` samples the input at
    ``(y - translation[k]) / scale[k]`` (pixel centres at ``i + 0.5``); samples outside the
    input are zero. With ``antialias`` the kernel widens by ``1 / scale`` when downsampling.

    Args:
      image: an array of any rank (integers are resampled as float64).
      shape: the output shape, one entry per dimension of ``image``.
      spatial_dims: the K dimensions that ``scale`` and ``translation`` apply to.
      scale, translation: length-K arrays or sequences (differentiable).
      method: a :class:`ResizeMethod` or its name, not ``"nearest"``.
      antialias: widen the kernel when downsampling.
      precision: the contraction's precision (``fnp.einsum``'s).

    Returns:
      The resampled array, of ``image``'s (inexact) dtype.

    >>> import numpy as np
    >>> scale_and_translate(np.array([1.0, 2.0]), (4,), (0,), np.array([2.0]),
    ...                     np.array([0.0]), "linear")
    array([1.  , 1.25, 1.75, 2.  ])
    """
    image = as_inexact(image)
    shape = _check_shape("scale_and_translate", image, shape)
    method = _method(method)
    if method is ResizeMethod.NEAREST:
        raise ValueError("fungrad.image.scale_and_translate: nearest-neighbour resampling "
                         "is not supported here (as in JAX); use resize(..., 'nearest')")
    dims = _canonical_dims("scale_and_translate", spatial_dims, len(shape))
    scale, translation = as_operand(scale), as_operand(translation)
    if shape_of(scale) != (len(dims),) or shape_of(translation) != (len(dims),):
        raise ValueError(
            f"fungrad.image.scale_and_translate: scale and translation need one entry per "
            f"spatial dimension ({len(dims)}); got shapes {shape_of(scale)} and "
            f"{shape_of(translation)}")
    dtype = fnp.result_type(as_inexact(scale), as_inexact(translation))
    scale, translation = scale.astype(dtype), translation.astype(dtype)
    return _resample(image, shape, dims, [scale[k] for k in range(len(dims))],
                     [translation[k] for k in range(len(dims))], method, antialias, precision)


def _resize_nearest(image, shape):
    for d, (m, n) in enumerate(zip(shape_of(image), shape)):
        if m == n:
            continue
        # float32 arithmetic, as JAX computes the source pixel (it decides ties).
        source = np.floor((np.arange(n, dtype=np.float32) + np.float32(0.5))
                          * np.float32(m) / np.float32(n)).astype(np.int64)
        image = fnp.take(image, np.minimum(source, m - 1), axis=d)
    return image


def resize(image, shape: Sequence[int], method: str | ResizeMethod, antialias: bool = True,
           precision=Precision.HIGHEST):
    """Resize ``image`` to ``shape`` by resampling every dimension whose size changes.

    Methods: ``"nearest"`` (integers keep their dtype; ``antialias`` and ``precision`` are
    ignored), ``"linear"``/``"bilinear"``/``"trilinear"``, ``"cubic"``/``"bicubic"``/
    ``"tricubic"``, ``"lanczos3"``, ``"lanczos5"``, ``"cubic-pytorch"`` and ``"area"``; see
    :func:`scale_and_translate` for how samples are placed.

    >>> import numpy as np
    >>> resize(np.array([[0.0, 1.0], [2.0, 3.0]]), (2, 4), "linear")
    array([[0.  , 0.25, 0.75, 1.  ],
           [2.  , 2.25, 2.75, 3.  ]])
    >>> resize(np.arange(4), (2,), "nearest")
    array([1, 3])
    """
    image = as_operand(image)
    shape = _check_shape("resize", image, shape)
    method = _method(method)
    if method is ResizeMethod.NEAREST:
        return _resize_nearest(image, shape)
    image = as_inexact(image)
    dims = tuple(d for d, (m, n) in enumerate(zip(shape_of(image), shape)) if m != n)
    scales = [1.0 if shape[d] == 0 else shape[d] / shape_of(image)[d] for d in dims]
    return _resample(image, shape, dims, scales, [0.0] * len(dims), method, antialias,
                     precision)


