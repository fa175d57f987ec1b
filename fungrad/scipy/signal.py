"""``fungrad.scipy.signal``: convolution, correlation and spectral analysis, like
``jax.scipy.signal``.

``convolve``, ``correlate`` and their 2-D forms go through fungrad's convolution primitive
(``lax.conv_general_dilated``, a cross-correlation), so they are differentiable in both
inputs and work under ``vmap`` and ``jit``. ``method`` ('auto', 'direct', 'fft') and
``precision`` are accepted; the sum is always computed directly. Real inputs only.
``fftconvolve`` multiplies spectra (``fnp.fft``) and takes complex inputs too. ``detrend``,
``stft``, ``istft``, ``csd`` and ``welch`` live in `signal_spectral` (re-exported here).
"""

from __future__ import annotations

import numpy as np

import fungrad.numpy as fnp
from fungrad import lax
from fungrad.errors import ShapeError
from fungrad.scipy.signal_spectral import csd, detrend, istft, stft, welch

__all__ = ["convolve", "correlate", "convolve2d", "correlate2d", "fftconvolve", "detrend",
           "stft", "istft", "csd", "welch"]

_MODES = ("full", "same", "valid")
_SPATIAL = "DHW"  # letters for up to three spatial axes of the conv layout strings


def _operands(name: str, in1, in2, mode: str, rank: int | None = None):
    if mode not in _MODES:
        raise ValueError(f"fungrad.scipy.signal.{name}: `mode` must be 'full', 'same' or "
                         f"'valid', got {mode!r}")
    in1, in2 = _pair(name, in1, in2)
    if in1.ndim != in2.ndim:
        raise ShapeError(f"fungrad.scipy.signal.{name}: in1 and in2 must have the same rank, "
                         f"got shapes {in1.shape} and {in2.shape}")
    if rank is not None and in1.ndim != rank:
        raise ShapeError(f"fungrad.scipy.signal.{name}: in1 and in2 must be {rank}-D, got "
                         f"shapes {in1.shape} and {in2.shape}")
    if not 1 <= in1.ndim <= len(_SPATIAL):
        raise ShapeError(f"fungrad.scipy.signal.{name}: inputs of rank 1 to "
                         f"{len(_SPATIAL)} are supported, got shapes {in1.shape} and "
                         f"{in2.shape}")
    if 0 in in1.shape or 0 in in2.shape:
        raise ShapeError(f"fungrad.scipy.signal.{name}: inputs must not be empty, got shapes "
                         f"{in1.shape} and {in2.shape}")
    return in1, in2


def _pair(name: str, in1, in2):
    """Both inputs as arrays of one real float dtype (no broadcasting between them)."""
    in1, in2 = fnp.asarray(in1), fnp.asarray(in2)
    if in1.dtype.kind == "c" or in2.dtype.kind == "c":
        raise TypeError(f"fungrad.scipy.signal.{name}: complex inputs are not supported")
    dtype = np.result_type(in1.dtype, in2.dtype)
    if dtype.kind != "f":
        dtype = np.dtype(np.float64)
    return in1.astype(dtype), in2.astype(dtype)


def _correlate_full_or_valid(x, k, pads):
    """Cross-correlate ``x`` with kernel ``k`` (same rank), ``pads[i]`` on both sides."""
    spatial = _SPATIAL[-x.ndim:]
    specs = ("NC" + spatial, "OI" + spatial, "NC" + spatial)
    out = lax.conv_general_dilated(x[None, None], k[None, None], (1,) * x.ndim,
                                   [(p, p) for p in pads], dimension_numbers=specs)
    return out[0, 0]


def _convolve(name: str, in1, in2, mode: str, same_start=None):
    """``sum_m in1[m] in2[n - m]`` in the given mode; 'same' takes ``in1``'s size from the
    full result, from ``(k - 1) // 2`` per axis (SciPy's centring) or ``same_start``."""
    if mode == "valid":
        if all(a >= b for a, b in zip(in1.shape, in2.shape)):
            pass
        elif all(b >= a for a, b in zip(in1.shape, in2.shape)):
            in1, in2 = in2, in1  # convolution commutes
        else:
            raise ShapeError(f"fungrad.scipy.signal.{name}: in 'valid' mode one input must "
                             f"be at least as large as the other in every axis, got shapes "
                             f"{in1.shape} and {in2.shape}")
        return _correlate_full_or_valid(in1, fnp.flip(in2), [0] * in1.ndim)
    full = _correlate_full_or_valid(in1, fnp.flip(in2), [k - 1 for k in in2.shape])
    if mode == "full":
        return full
    starts = same_start or [(k - 1) // 2 for k in in2.shape]
    return full[tuple(slice(s, s + n) for s, n in zip(starts, in1.shape))]


def _correlate(name: str, in1, in2, mode: str):
    """``sum_m in1[n + m] in2[m]``: SciPy's correlate, as a convolution with the flipped
    ``in2`` (in 'valid' mode with a larger ``in2``, SciPy's swapped and reversed result)."""
    swapped = mode == "valid" and not all(a >= b for a, b in zip(in1.shape, in2.shape))
    if swapped and all(b >= a for a, b in zip(in1.shape, in2.shape)):
        return fnp.flip(_convolve(name, in2, fnp.flip(in1), mode))
    return _convolve(name, in1, fnp.flip(in2), mode)


def _correlate2d(in1, in2, mode: str):
    """SciPy's correlate2d: correlate, except that 'same' starts at ``k // 2`` per axis."""
    if mode == "same":
        return _convolve("correlate2d", in1, fnp.flip(in2), mode,
                         same_start=[k // 2 for k in in2.shape])
    return _correlate("correlate2d", in1, in2, mode)


def convolve(in1, in2, mode: str = "full", method: str = "auto", precision=None):
    """The N-D convolution of two arrays of the same rank (1 to 3).

    Args:
        in1, in2: real arrays of the same rank.
        mode: 'full' (every overlap), 'same' (the size of ``in1``, centred as SciPy), or
            'valid' (full overlaps only).
        method: 'auto', 'direct' or 'fft' (accepted; computed directly).
        precision: accepted and ignored.
    Returns:
        The convolution.

    >>> convolve(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5])).tolist()
    [0.0, 1.0, 2.5, 4.0, 1.5]
    """
    _check_method("convolve", method)
    in1, in2 = _operands("convolve", in1, in2, mode)
    return _convolve("convolve", in1, in2, mode)


def correlate(in1, in2, mode: str = "full", method: str = "auto", precision=None):
    """The N-D cross-correlation of two arrays of the same rank (1 to 3); arguments as in
    :func:`convolve`.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import signal
        >>> signal.correlate(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0]))
        array([1., 2., 3., 0.])
        >>> signal.correlate(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0]), mode='valid')
        array([2., 3.])
    """
    _check_method("correlate", method)
    in1, in2 = _operands("correlate", in1, in2, mode)
    return _correlate("correlate", in1, in2, mode)


def _check_method(name: str, method: str) -> None:
    if method not in ("auto", "direct", "fft"):
        raise ValueError(f"fungrad.scipy.signal.{name}: `method` must be 'auto', 'direct' "
                         f"or 'fft', got {method!r}")


def _check_boundary(name: str, boundary: str, fillvalue) -> None:
    if boundary != "fill" or fillvalue != 0:
        raise NotImplementedError(f"fungrad.scipy.signal.{name}: only boundary='fill' with "
                                  f"fillvalue=0 is implemented (as in JAX), got "
                                  f"boundary={boundary!r}, fillvalue={fillvalue!r}")


def convolve2d(in1, in2, mode: str = "full", boundary: str = "fill", fillvalue=0,
               precision=None):
    """The 2-D convolution of two 2-D arrays; ``boundary='fill'`` with ``fillvalue=0``
    only (as in JAX).

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import signal
        >>> signal.convolve2d(np.eye(2), np.ones((2, 2)))
        array([[1., 1., 0.],
               [1., 2., 1.],
               [0., 1., 1.]])
    """
    _check_boundary("convolve2d", boundary, fillvalue)
    in1, in2 = _operands("convolve2d", in1, in2, mode, rank=2)
    return _convolve("convolve2d", in1, in2, mode)


def correlate2d(in1, in2, mode: str = "full", boundary: str = "fill", fillvalue=0,
                precision=None):
    """The 2-D cross-correlation of two 2-D arrays; ``boundary='fill'`` with
    ``fillvalue=0`` only (as in JAX).

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import signal
        >>> signal.correlate2d(np.eye(2), np.array([[1.0, 2.0]]), mode='same')
        array([[1., 0.],
               [2., 1.]])
    """
    _check_boundary("correlate2d", boundary, fillvalue)
    in1, in2 = _operands("correlate2d", in1, in2, mode, rank=2)
    return _correlate2d(in1, in2, mode)


def _fft_operands(in1, in2, mode: str, axes):
    """Both inputs in one inexact dtype, checked, and the convolved axes (sorted)."""
    if mode not in _MODES:
        raise ValueError(f"fungrad.scipy.signal.fftconvolve: `mode` must be 'full', 'same' "
                         f"or 'valid', got {mode!r}")
    in1, in2 = fnp.asarray(in1), fnp.asarray(in2)
    dtype = np.result_type(in1.dtype, in2.dtype)
    if dtype.kind not in "fc":
        dtype = np.result_type(dtype, fnp.result_type(float))
    in1, in2 = in1.astype(dtype), in2.astype(dtype)
    if in1.ndim != in2.ndim:
        raise ShapeError(f"fungrad.scipy.signal.fftconvolve: in1 and in2 must have the same "
                         f"rank, got shapes {in1.shape} and {in2.shape}")
    if axes is None:
        axes = range(in1.ndim)
    elif isinstance(axes, int):
        axes = (axes,)
    axes = sorted({int(a) % max(in1.ndim, 1) for a in axes})
    others = [a for a in range(in1.ndim) if a not in axes]
    if any(in1.shape[a] != in2.shape[a] for a in others):
        raise ShapeError(f"fungrad.scipy.signal.fftconvolve: the axes not convolved ({others}) "
                         f"must have the same sizes, got shapes {in1.shape} and {in2.shape} "
                         f"with axes={axes}")
    return in1, in2, axes


def fftconvolve(in1, in2, mode: str = "full", axes=None):
    """The N-D convolution of two arrays of the same rank by multiplying their spectra.

    Args:
        in1, in2: arrays of the same rank (real or complex).
        mode: 'full', 'same' (the size of ``in1``, centred) or 'valid', as in
            :func:`convolve`.
        axes: the axes to convolve along (all by default); the other axes are matched
            element by element and must have equal sizes.
    Returns:
        The convolution, in the inputs' common inexact dtype.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy import signal
        >>> x, y = np.array([1.0, 2.0, 3.0, 2.0, 1.0]), np.array([1.0, 1.0, 1.0])
        >>> np.round(signal.fftconvolve(x, y), 6).tolist()
        [1.0, 3.0, 6.0, 7.0, 6.0, 3.0, 1.0]
        >>> np.round(signal.fftconvolve(x, y, mode="valid"), 6).tolist()
        [6.0, 7.0, 6.0]
    """
    in1, in2, axes = _fft_operands(in1, in2, mode, axes)
    if mode == "valid":
        bigger = all(in1.shape[a] >= in2.shape[a] for a in axes)
        if not bigger and all(in1.shape[a] <= in2.shape[a] for a in axes):
            in1, in2 = in2, in1  # convolution commutes
        elif not bigger:
            raise ShapeError(f"fungrad.scipy.signal.fftconvolve: in 'valid' mode one input "
                             f"must be at least as large as the other in every convolved "
                             f"axis, got shapes {in1.shape} and {in2.shape}")
    full = [in1.shape[a] + in2.shape[a] - 1 for a in axes]
    if all(in1.shape[a] == 1 or in2.shape[a] == 1 for a in axes):
        product = in1 * in2  # no overlap to sum over: the spectra would only round
    elif in1.dtype.kind == "c":
        product = fnp.fft.ifftn(fnp.fft.fftn(in1, full, axes) * fnp.fft.fftn(in2, full, axes),
                                full, axes)
    else:
        product = fnp.fft.irfftn(
            fnp.fft.rfftn(in1, full, axes) * fnp.fft.rfftn(in2, full, axes), full, axes)
    if mode == "full":
        return product
    index = [slice(None)] * in1.ndim
    for a, n in zip(axes, full):
        size = in1.shape[a] if mode == "same" else in1.shape[a] - in2.shape[a] + 1
        start = (n - size) // 2
        index[a] = slice(start, start + size)
    return product[tuple(index)]
