"""The fft primitive: discrete Fourier transforms over the trailing axes (JAX's ``lax.fft``).

``fft(x, fft_type, fft_lengths)`` transforms the last ``len(fft_lengths)`` axes of ``x``:

- ``FFT``: complex to complex, ``y_k = sum_j x_j exp(-2 pi i jk / N)`` (no scaling);
- ``IFFT``: complex to complex, the inverse (scaled by ``1 / N``, N the product of lengths);
- ``RFFT``: real to complex; the last axis keeps ``n // 2 + 1`` frequencies;
- ``IRFFT``: complex to real, the inverse of RFFT: the last axis of the operand holds
  ``n // 2 + 1`` frequencies of a Hermitian spectrum and the output has ``n`` samples; the
  imaginary parts of frequency 0 (and ``n / 2`` for even ``n``) are ignored, as in NumPy.

All four are linear over the reals. Transposes use JAX's pairing ``<a, b> = Re(sum(a b))``
(no conjugation). The DFT matrix is symmetric, so FFT and IFFT are their own transposes.
For a cotangent ``c`` of RFFT (``n`` samples, ``m = n // 2 + 1`` frequencies), with weights
``w_k = 2`` for the frequencies that stand for a conjugate pair and ``w_k = 1`` for 0 and
``n / 2``:

- ``RFFT^T c = Re(F pad(c)) = N * IRFFT(conj(c) / w)``: IRFFT doubles the paired
  frequencies, the division by ``w`` undoes it, and ``conj`` turns IRFFT's ``+i`` kernel into
  the ``-i`` one;
- ``IRFFT^T c = w * conj(RFFT(c)) / N``, the same identity read the other way (the two
  rules are each other's transposes, so reverse-over-reverse closes on this primitive).
"""

from __future__ import annotations

import enum
import math

import numpy as np

__all__ = ["FftType", "fft_p", "fft"]

from fungrad import core
from fungrad.array_module import get_array_module
from fungrad.core import Primitive, ShapedArray
from fungrad.dtypes import complex_dtype, real_dtype
from fungrad.errors import ShapeError
from fungrad.interpreters.batching import batching_rules, move_axis
from fungrad.interpreters.linearize import deflinear
from fungrad.lax.complex_parts import conj
from fungrad.lax.elementwise import mul
from fungrad.lax.shape_ops import broadcast_in_dim


class FftType(enum.IntEnum):
    """The four kinds of transform (JAX's ``lax.FftType``).

    Example:
        >>> from fungrad import lax
        >>> list(lax.FftType)
        [FFT, IFFT, RFFT, IRFFT]
    """

    FFT = 0
    IFFT = 1
    RFFT = 2
    IRFFT = 3

    def __str__(self):  # printed IRs show fft_type=RFFT, not 2
        return self.name

    __repr__ = __str__


_NAMES = {"fft": FftType.FFT, "ifft": FftType.IFFT, "rfft": FftType.RFFT,
          "irfft": FftType.IRFFT}


def _fft_type(fft_type) -> FftType:
    if isinstance(fft_type, str) and fft_type.lower() in _NAMES:
        return _NAMES[fft_type.lower()]
    try:
        return FftType(fft_type)
    except ValueError:
        raise ValueError(f"lax.fft: fft_type must be a lax.FftType or one of 'fft', 'ifft', "
                         f"'rfft', 'irfft', got {fft_type!r}") from None


fft_p = Primitive("fft")


def fft(x, fft_type, fft_lengths):
    """Fourier transform of the last ``len(fft_lengths)`` axes of ``x``.

    Args:
        x: complex for FFT, IFFT and IRFFT; real floating for RFFT.
        fft_type: a ``FftType`` or its name (``"fft"``, ``"ifft"``, ``"rfft"``, ``"irfft"``).
        fft_lengths: the transformed axes' lengths (of the real signal for RFFT and IRFFT).

    Returns:
        The transform: complex for FFT, IFFT and RFFT (last axis ``n // 2 + 1`` for RFFT),
        real for IRFFT (last axis ``n``).

    Example:
        >>> import numpy as np
        >>> fft(np.array([1.0, 2.0, 3.0, 4.0]), "rfft", (4,))
        array([10.+0.j, -2.+2.j, -2.+0.j])
    """
    lengths = tuple(int(n) for n in np.atleast_1d(np.asarray(fft_lengths, dtype=object)))
    return fft_p.bind(x, fft_type=_fft_type(fft_type), fft_lengths=lengths)


def _fft_impl(x, *, fft_type, fft_lengths):
    xp = get_array_module(x)
    x = xp.asarray(x)
    out = _fft_abstract_eval(ShapedArray(x.shape, x.dtype), fft_type=fft_type,
                             fft_lengths=fft_lengths)
    axes = tuple(range(x.ndim - len(fft_lengths), x.ndim))
    if fft_type == FftType.FFT:
        y = xp.fft.fftn(x, axes=axes)
    elif fft_type == FftType.IFFT:
        y = xp.fft.ifftn(x, axes=axes)
    elif fft_type == FftType.RFFT:
        y = xp.fft.rfftn(x, axes=axes)
    else:
        y = xp.fft.irfftn(x, s=fft_lengths, axes=axes)
    return y.astype(out.dtype, copy=False)


def _fft_abstract_eval(x: ShapedArray, *, fft_type, fft_lengths):
    k = len(fft_lengths)
    name = FftType(fft_type).name
    if not 1 <= k <= 3 or x.ndim < k or any(n < 1 for n in fft_lengths):
        raise ShapeError(f"lax.fft ({name}): fft_lengths {fft_lengths} must name 1 to 3 "
                         f"positive lengths of trailing axes of the operand of shape {x.shape}")
    real_in = fft_type == FftType.RFFT
    if real_in and x.dtype == np.float16:  # no complex32; JAX refuses float16 too
        raise TypeError(f"lax.fft ({name}): float16 input has no complex dtype; cast it "
                        "first, e.g. x.astype(np.float32)")
    if x.dtype.kind != ("f" if real_in else "c"):
        want = "a real floating" if real_in else "a complex"
        raise TypeError(f"lax.fft ({name}): expected {want} operand, got {x.dtype}; "
                        "fungrad.numpy.fft converts its inputs for you")
    lengths = list(fft_lengths)
    if fft_type == FftType.IRFFT:
        lengths[-1] = fft_lengths[-1] // 2 + 1
    if tuple(x.shape[x.ndim - k:]) != tuple(lengths):
        raise ShapeError(f"lax.fft ({name}): the operand's trailing axes {x.shape[x.ndim - k:]} "
                         f"must be {tuple(lengths)} for fft_lengths {fft_lengths}")
    shape = list(x.shape)
    if fft_type == FftType.RFFT:
        shape[-1] = fft_lengths[-1] // 2 + 1
        return ShapedArray(tuple(shape), complex_dtype(x.dtype))
    if fft_type == FftType.IRFFT:
        shape[-1] = fft_lengths[-1]
        return ShapedArray(tuple(shape), real_dtype(x.dtype))
    return ShapedArray(x.shape, x.dtype)


def _pair_weights(n: int) -> np.ndarray:
    """w = 2 where a frequency stands for itself and its conjugate partner, 1 at 0 and at
    n / 2 (even n)."""
    w = np.full(n // 2 + 1, 2.0)
    w[0] = 1.0
    if n % 2 == 0:
        w[-1] = 1.0
    return w


def _scale_last_axis(x, factors: np.ndarray):
    """``x`` times the constant vector ``factors`` along its last axis."""
    aval = core.get_aval(x)
    return mul(x, broadcast_in_dim(factors.astype(aval.dtype), aval.shape, (aval.ndim - 1,)))


def _fft_transpose(ct, x, *, fft_type, fft_lengths):
    total = math.prod(fft_lengths)
    if fft_type in (FftType.FFT, FftType.IFFT):
        return [fft(ct, fft_type, fft_lengths)]
    if fft_type == FftType.RFFT:  # N * IRFFT(conj(c) / w)
        scaled = _scale_last_axis(conj(ct), 1.0 / _pair_weights(fft_lengths[-1]))
        return [mul(fft(scaled, FftType.IRFFT, fft_lengths),
                    real_dtype(core.get_aval(ct).dtype).type(total))]
    spectrum = conj(fft(ct, FftType.RFFT, fft_lengths))  # IRFFT: w * conj(RFFT(c)) / N
    return [_scale_last_axis(spectrum, _pair_weights(fft_lengths[-1]) / total)]


def _fft_batch(vals, dims, *, fft_type, fft_lengths):
    # The transform acts on trailing axes, so a batch axis in front of them is free.
    (x,), (d,) = vals, dims
    return fft_p.bind(move_axis(x, d, 0), fft_type=fft_type, fft_lengths=fft_lengths), 0


fft_p.def_impl(_fft_impl)
fft_p.def_abstract_eval(_fft_abstract_eval)
deflinear(fft_p, _fft_transpose)
batching_rules[fft_p] = _fft_batch
