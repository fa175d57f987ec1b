"""``jax.scipy.signal``'s spectral analysis: ``detrend``, ``stft``, ``istft``, ``csd``,
``welch`` (re-exported by `fungrad.scipy.signal`).

A signal is cut into overlapping segments by one gather, each segment detrended, windowed
and transformed by ``fnp.fft``; everything is differentiable in the signal and works under
``vmap`` and ``jit`` (segment sizes are static). ``istft`` adds the inverse-transformed
segments back by one scatter-add. The 'hann' window is computed here; other named windows
come from SciPy's ``get_window`` when SciPy is installed (as in JAX), or pass the window as
an array. As in JAX 0.10.2, ``nperseg=None`` means the whole signal for csd/welch.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

import fungrad.numpy as fnp
from fungrad.errors import ShapeError

__all__ = ["detrend", "stft", "istft", "csd", "welch"]


def _inexact(x):
    x = fnp.asarray(x)
    return x if x.dtype.kind in "fc" else x.astype(fnp.result_type(float))


def _complex_dtype(dtype) -> np.dtype:
    return np.result_type(dtype, np.complex64)


def _remove_fit(seg, n: int):
    """``seg`` (fit along axis 0, ``n`` points) less its least-squares line."""
    mean = fnp.mean(seg, axis=0, keepdims=True)
    if n == 1:
        return seg - mean
    t = np.arange(n, dtype=np.float64) - (n - 1) / 2
    t = t.reshape((n,) + (1,) * (seg.ndim - 1)).astype(fnp.real(seg).dtype)
    slope = fnp.sum(t * (seg - mean), axis=0, keepdims=True) / float(np.sum(t * t))
    return seg - mean - t * slope


def detrend(data, axis: int = -1, type: str = "linear", bp=0,  # noqa: A002 (SciPy's name)
            overwrite_data=None):
    """Remove the mean ('constant') or the least-squares line ('linear') along ``axis``.

    Args:
        data: the array.
        axis: the axis to detrend along.
        type: 'linear' or 'constant'.
        bp: breakpoints (indices along ``axis``): a separate line is fitted between each
            consecutive pair (with 'linear').
        overwrite_data: must be None (arrays are immutable).
    Returns:
        ``data`` less its trend, in an inexact dtype.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy.signal import detrend
        >>> data = np.array([1.0, 4.0, 8.0, 8.0, 9.0])
        >>> (np.round(detrend(data), 6) + 0.0).tolist()
        [-1.0, 0.0, 2.0, 0.0, -1.0]
        >>> detrend(data, type="constant").tolist()
        [-5.0, -2.0, 2.0, 2.0, 3.0]
    """
    if overwrite_data is not None:
        raise NotImplementedError("fungrad.scipy.signal.detrend: `overwrite_data` is not "
                                  "supported (arrays are immutable); leave it None")
    if type not in ("linear", "constant"):
        raise ValueError(f"fungrad.scipy.signal.detrend: `type` must be 'linear' or "
                         f"'constant', got {type!r}")
    x = _inexact(data)
    if type == "constant":
        return x - fnp.mean(x, axis=axis, keepdims=True)
    n = x.shape[axis]
    edges = np.unique(np.concatenate([[0], np.ravel(bp), [n]]).astype(int))
    if edges[0] < 0 or edges[-1] > n:
        raise ValueError(f"fungrad.scipy.signal.detrend: breakpoints `bp` must lie in "
                         f"[0, {n}] (the length along axis {axis}), got {bp!r}")
    x = fnp.moveaxis(x, axis, 0)
    pieces = [_remove_fit(x[lo:hi], int(hi - lo)) for lo, hi in zip(edges[:-1], edges[1:])]
    return fnp.moveaxis(fnp.concatenate(pieces, axis=0), 0, axis)


def _window(window, nperseg: int | None, length: int, dtype):
    """The window array and the segment length, as JAX's ``_triage_segments``."""
    if isinstance(window, (str, tuple)):
        n = length if nperseg is None else int(nperseg)
        if n > length:
            warnings.warn(f"fungrad.scipy.signal: nperseg={n} is greater than the signal's "
                          f"length {length}; using nperseg={length}", stacklevel=3)
            n = length
        if window == "hann":
            win = np.sin(np.pi * np.arange(n) / n) ** 2 if n > 1 else np.ones(1)
        else:
            try:
                from scipy.signal import get_window  # optional, as in JAX
            except ImportError as err:
                raise ImportError(f"fungrad.scipy.signal: window={window!r} needs SciPy "
                                  "(only 'hann' is built in); install scipy or pass the "
                                  "window as an array") from err
            win = get_window(window, n)
        return fnp.asarray(np.asarray(win)).astype(np.real(np.zeros((), dtype)).dtype), n
    win = fnp.asarray(window)
    if win.ndim != 1:
        raise ShapeError(f"fungrad.scipy.signal: `window` must be 1-D, got shape "
                         f"{tuple(win.shape)}")
    if win.shape[0] > length:
        raise ValueError(f"fungrad.scipy.signal: `window` ({win.shape[0]} samples) is longer "
                         f"than the signal ({length})")
    if nperseg is not None and int(nperseg) != win.shape[0]:
        raise ValueError(f"fungrad.scipy.signal: nperseg={nperseg} differs from the "
                         f"window's length {win.shape[0]}")
    return win, win.shape[0]


def _odd_extension(x, n: int):
    if n < 1:
        return x
    if n > x.shape[-1] - 1:
        raise ValueError(f"fungrad.scipy.signal: boundary='odd' extends by {n} samples, "
                         f"more than the signal's length less one ({x.shape[-1] - 1})")
    left = 2 * x[..., :1] - fnp.flip(x[..., 1:n + 1], axis=-1)
    right = 2 * x[..., -1:] - fnp.flip(x[..., -n - 1:-1], axis=-1)
    return fnp.concatenate([left, x, right], axis=-1)


def _extend(x, boundary, n: int):
    """``x`` extended by ``n`` samples at both ends of its last axis."""
    pads = [(0, 0)] * (x.ndim - 1) + [(n, n)]
    if boundary is None:
        return x
    if boundary == "odd":
        return _odd_extension(x, n)
    modes = {"even": "reflect", "constant": "edge", "zeros": "constant"}
    if boundary not in modes:
        raise ValueError(f"fungrad.scipy.signal: `boundary` must be one of 'even', 'odd', "
                         f"'constant', 'zeros' or None, got {boundary!r}")
    return fnp.pad(x, pads, modes[boundary])


def _detrend_function(detrend_type) -> Callable:
    if callable(detrend_type):
        return detrend_type  # applied along each segment (SciPy's convention)
    if isinstance(detrend_type, str):
        return lambda seg: detrend(seg, axis=-1, type=detrend_type)
    if not detrend_type:
        return lambda seg: seg
    raise ValueError(f"fungrad.scipy.signal: `detrend` must be a trend type, a function or "
                     f"False, got {detrend_type!r}")


def _segment_spectra(x, win, detrend_fn, nperseg: int, nstep: int, nfft: int, onesided):
    """``(..., segments, frequencies)``: the FFT of each windowed, detrended segment."""
    starts = np.arange(0, x.shape[-1] - nperseg + 1, nstep)
    segments = x[..., starts[:, None] + np.arange(nperseg)[None, :]]
    segments = detrend_fn(segments) * win
    if onesided:
        return fnp.fft.rfft(fnp.real(segments), n=nfft)
    return fnp.fft.fft(segments, n=nfft)


def _segmentation(window, nperseg, noverlap, nfft, length: int, dtype):
    """The window, segment length, step and FFT length, checked."""
    if nperseg is not None and int(nperseg) < 1:
        raise ValueError(f"fungrad.scipy.signal: nperseg must be positive, got {nperseg}")
    win, nperseg = _window(window, nperseg, length, dtype)
    noverlap = nperseg // 2 if noverlap is None else int(noverlap)
    nfft = nperseg if nfft is None else int(nfft)
    if nfft < nperseg:
        raise ValueError(f"fungrad.scipy.signal: nfft={nfft} must be at least "
                         f"nperseg={nperseg}")
    if noverlap >= nperseg:
        raise ValueError(f"fungrad.scipy.signal: noverlap={noverlap} must be less than "
                         f"nperseg={nperseg}")
    return win, nperseg, nperseg - noverlap, nfft


def _prepared(signals, axis: int, boundary, padded: bool, nperseg: int, nstep: int):
    """The signals with time last, zero-padded to one length, extended at the ends by
    ``boundary`` and (``padded``) zero-padded to whole segments."""
    signals = [fnp.moveaxis(v, axis, -1) for v in signals]
    longest = max(s.shape[-1] for s in signals)
    signals = [fnp.pad(s, [(0, 0)] * (s.ndim - 1) + [(0, longest - s.shape[-1])])
               for s in signals]
    signals = [_extend(s, boundary, nperseg // 2) for s in signals]
    if padded:
        extra = (-(signals[0].shape[-1] - nperseg) % nstep) % nperseg
        signals = [fnp.pad(s, [(0, 0)] * (s.ndim - 1) + [(0, extra)]) for s in signals]
    return signals


def _scale(win, fs, scaling: str, mode: str):
    if scaling == "density":
        scale = 1.0 / (fs * fnp.sum(win * win))
    elif scaling == "spectrum":
        scale = 1.0 / fnp.sum(win) ** 2
    else:
        raise ValueError(f"fungrad.scipy.signal: `scaling` must be 'density' or "
                         f"'spectrum', got {scaling!r}")
    return fnp.sqrt(scale) if mode == "stft" else scale


def _spectral(x, y, fs, window, nperseg, noverlap, nfft, detrend_type, return_onesided,
              scaling, axis, mode, boundary=None, padded=False):
    """Frequencies, segment times and the per-segment spectra (``mode`` 'psd' or 'stft'),
    with the frequency axis at ``axis`` and the segments last (SciPy's layout)."""
    x = _inexact(x)
    axis = int(axis) % x.ndim
    if y is not None:
        y = _inexact(y)
        x, y = (v.astype(np.result_type(x.dtype, y.dtype)) for v in (x, y))
        if x.ndim != y.ndim:
            raise ShapeError(f"fungrad.scipy.signal.csd: x and y must have the same rank, "
                             f"got shapes {tuple(x.shape)} and {tuple(y.shape)}")
    win, nperseg, nstep, nfft = _segmentation(window, nperseg, noverlap, nfft,
                                              x.shape[axis], x.dtype)
    signals = _prepared([x] if y is None else [x, y], axis, boundary, padded, nperseg, nstep)
    onesided = bool(return_onesided)
    if onesided and any(s.dtype.kind == "c" for s in signals):
        warnings.warn("fungrad.scipy.signal: the input is complex; returning two-sided "
                      "spectra (return_onesided=False)", stacklevel=3)
        onesided = False
    detrend_fn = _detrend_function(detrend_type)
    spectra = [_segment_spectra(s, win, detrend_fn, nperseg, nstep, nfft, onesided)
               for s in signals]
    if y is not None:
        result = fnp.conj(spectra[0]) * spectra[1]
    elif mode == "psd":
        result = fnp.conj(spectra[0]) * spectra[0]
    else:
        result = spectra[0]
    result = result * _scale(win, fs, scaling, mode)
    if onesided and mode == "psd":
        doubled = np.ones(result.shape[-1])
        doubled[1:result.shape[-1] - (0 if nfft % 2 else 1)] = 2.0
        result = result * doubled
    real_dtype = fnp.real(fnp.zeros((), _complex_dtype(x.dtype))).dtype
    freqs = (np.fft.rfftfreq if onesided else np.fft.fftfreq)(nfft, 1.0).astype(real_dtype)
    times = np.arange(nperseg / 2, signals[0].shape[-1] - nperseg / 2 + 1, nstep)
    if boundary is not None:
        times = times - nperseg / 2
    result = result.astype(_complex_dtype(x.dtype))
    if y is None and mode != "stft":
        result = fnp.real(result)
    return (fnp.asarray(freqs) * fs, fnp.asarray(times.astype(real_dtype)) / fs,
            fnp.moveaxis(result, -1, axis))


def stft(x, fs=1.0, window: str = "hann", nperseg: int = 256, noverlap: int | None = None,
         nfft: int | None = None, detrend: bool = False, return_onesided: bool = True,
         boundary: str | None = "zeros", padded: bool = True, axis: int = -1):
    """The short-time Fourier transform: the spectrum of each windowed segment.

    Args:
        x: the signal (real or complex).
        fs: the sampling frequency.
        window: 'hann', another SciPy window name (needs SciPy), or a 1-D array.
        nperseg: the segment length (at most the signal's length).
        noverlap: the samples shared by consecutive segments (``nperseg // 2``).
        nfft: the FFT length (``nperseg``; longer zero-pads).
        detrend: False, 'constant', 'linear' or a function of a segment (last axis).
        return_onesided: the non-negative frequencies only (real input).
        boundary: extend the signal by ``nperseg // 2`` samples at both ends: 'zeros',
            'even', 'odd', 'constant' or None.
        padded: zero-pad the end so that the last segment is whole.
        axis: the time axis of ``x``.
    Returns:
        ``(freqs, times, Zxx)``; ``Zxx`` has the frequencies at ``axis`` and the segments
        last, scaled as SciPy's 'spectrum'.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy.signal import stft
        >>> f, t, z = stft(np.cos(np.pi * np.arange(16) / 2), nperseg=8)
        >>> f.tolist(), t.tolist(), z.shape
        ([0.0, 0.125, 0.25, 0.375, 0.5], [0.0, 4.0, 8.0, 12.0, 16.0], (5, 5))
        >>> np.round(abs(z[:, 2]), 4).tolist()
        [0.0, 0.25, 0.5, 0.25, 0.0]
    """
    return _spectral(x, None, fs, window, nperseg, noverlap, nfft, detrend,
                     return_onesided, "spectrum", axis, "stft", boundary, padded)


def _median_bias(n: int) -> float:
    """The median's bias against the mean for ``n`` exponential periodograms (Allen et
    al., FINDCHIRP, appendix B), as SciPy divides by."""
    even = np.arange(2.0, n, 2)
    return float(1 + np.sum(1 / (even + 1) - 1 / even))


def csd(x, y, fs=1.0, window: str = "hann", nperseg: int | None = None,
        noverlap: int | None = None, nfft: int | None = None, detrend: str = "constant",
        return_onesided: bool = True, scaling: str = "density", axis: int = -1,
        average: str = "mean"):
    """The cross power spectral density of ``x`` and ``y`` by Welch's method.

    Args:
        x, y: the signals (same rank; the shorter is zero-padded); ``y=None`` gives
            ``x``'s power spectral density (real).
        fs, window, nperseg, noverlap, nfft, return_onesided, axis: as in :func:`stft`
            (``nperseg=None``: the whole signal, as in JAX).
        detrend: 'constant', 'linear', False or a function of a segment.
        scaling: 'density' (per unit frequency) or 'spectrum' (power).
        average: 'mean' or 'median' (bias-corrected) over the segments.
    Returns:
        ``(freqs, Pxy)``.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy.signal import csd
        >>> t = np.arange(64)
        >>> f, p = csd(np.sin(t), np.sin(t + 0.5), nperseg=16)
        >>> p.shape, p.dtype
        ((9,), dtype('complex128'))
    """
    freqs, _, p = _spectral(x, y, fs, window, nperseg, noverlap, nfft, detrend,
                            return_onesided, scaling, axis, "psd")
    if y is not None:
        p = p.astype(_complex_dtype(p.dtype))
    if average not in ("mean", "median"):
        raise ValueError(f"fungrad.scipy.signal.csd: `average` must be 'mean' or 'median', "
                         f"got {average!r}")
    if p.ndim >= 2 and p.size > 0:
        if p.shape[-1] == 1:
            p = p[..., 0]
        elif average == "mean":
            p = fnp.mean(p, axis=-1)
        else:
            bias = _median_bias(p.shape[-1])
            if p.dtype.kind == "c":
                p = fnp.median(fnp.real(p), axis=-1) + 1j * fnp.median(fnp.imag(p), axis=-1)
            else:
                p = fnp.median(p, axis=-1)
            p = p / bias
    return freqs, p


def welch(x, fs=1.0, window: str = "hann", nperseg: int | None = None,
          noverlap: int | None = None, nfft: int | None = None, detrend: str = "constant",
          return_onesided: bool = True, scaling: str = "density", axis: int = -1,
          average: str = "mean"):
    """The power spectral density of ``x`` by Welch's method (averaged periodograms).

    Arguments as in :func:`csd` without ``y``. Returns ``(freqs, Pxx)``, ``Pxx`` real.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy.signal import welch
        >>> f, p = welch(np.cos(np.pi * np.arange(64) / 2), nperseg=16, scaling="spectrum")
        >>> float(f[np.argmax(p)]), round(float(p.max()), 4)
        (0.25, 0.5)
    """
    freqs, p = csd(x, None, fs, window, nperseg, noverlap, nfft, detrend, return_onesided,
                   scaling, axis, average)
    return freqs, fnp.real(p)


def _overlap_add(frames, nstep: int):
    """``(..., n_frames, length)`` frames summed into ``(..., nstep (n_frames - 1) +
    length)``, frame ``k`` starting at ``k * nstep`` (one scatter-add)."""
    n_frames, length = frames.shape[-2:]
    out = fnp.zeros(frames.shape[:-2] + (nstep * (n_frames - 1) + length,), frames.dtype)
    where = np.arange(n_frames)[:, None] * nstep + np.arange(length)[None, :]
    return out.at[..., where].add(frames)


def istft(Zxx, fs=1.0, window: str = "hann", nperseg: int | None = None,
          noverlap: int | None = None, nfft: int | None = None, input_onesided: bool = True,
          boundary: bool = True, time_axis: int = -1, freq_axis: int = -2):
    """The inverse short-time Fourier transform (weighted overlap-add), undoing
    :func:`stft`.

    Args:
        Zxx: the STFT (at least 2-D), as :func:`stft` returns it.
        fs, window, nperseg, noverlap, nfft: as given to :func:`stft` (``nperseg`` by
            default from the number of frequencies).
        input_onesided: ``Zxx`` holds the non-negative frequencies of a real signal.
        boundary: :func:`stft` extended the signal (its ``boundary`` was not None): trim
            ``nperseg // 2`` samples from both ends.
        time_axis, freq_axis: the axes of ``Zxx`` holding segments and frequencies.
    Returns:
        ``(times, x)``.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy.signal import istft, stft
        >>> x = np.sin(np.arange(32.0))
        >>> _, _, z = stft(x, nperseg=8)
        >>> t, back = istft(z, nperseg=8)
        >>> bool(np.allclose(back[:32], x))
        True
    """
    z = fnp.asarray(Zxx)
    if z.ndim < 2:
        raise ShapeError(f"fungrad.scipy.signal.istft: `Zxx` must be at least 2-D, got "
                         f"shape {tuple(z.shape)}")
    freq_axis, time_axis = int(freq_axis) % z.ndim, int(time_axis) % z.ndim
    if freq_axis == time_axis:
        raise ValueError(f"fungrad.scipy.signal.istft: `time_axis` and `freq_axis` must "
                         f"differ, both are {time_axis}")
    z = z.astype(_complex_dtype(z.dtype))
    n_default = 2 * (z.shape[freq_axis] - 1) if input_onesided else z.shape[freq_axis]
    nperseg = n_default if nperseg is None else int(nperseg)
    if nperseg < 1:
        raise ValueError(f"fungrad.scipy.signal.istft: nperseg must be positive, got "
                         f"{nperseg}")
    if nfft is None:
        nfft = n_default + 1 if input_onesided and nperseg == n_default + 1 else n_default
    nfft = int(nfft)
    if nfft < nperseg:
        raise ValueError(f"fungrad.scipy.signal.istft: nfft={nfft} must be at least "
                         f"nperseg={nperseg}")
    noverlap = nperseg // 2 if noverlap is None else int(noverlap)
    if noverlap >= nperseg:
        raise ValueError(f"fungrad.scipy.signal.istft: noverlap={noverlap} must be less "
                         f"than nperseg={nperseg}")
    outer = [a for a in range(z.ndim) if a not in (freq_axis, time_axis)]
    z = fnp.transpose(z, outer + [freq_axis, time_axis])
    inverse = fnp.fft.irfft if input_onesided else fnp.fft.ifft
    frames = inverse(z, n=nfft, axis=-2)[..., :nperseg, :]
    win, _ = _window(window, nperseg, nperseg, frames.dtype)
    frames = fnp.swapaxes(frames * fnp.sum(win) * win[:, None], -2, -1)
    x = _overlap_add(frames, nperseg - noverlap)
    norm = _overlap_add(fnp.broadcast_to(win * win, frames.shape[-2:]), nperseg - noverlap)
    if boundary:
        cut = nperseg // 2
        x, norm = x[..., cut:x.shape[-1] - cut], norm[..., cut:norm.shape[-1] - cut]
    x = x / fnp.where(norm > 1e-10, norm, 1.0)
    if x.ndim > 1 and time_axis != z.ndim - 1:
        x = fnp.moveaxis(x, -1, time_axis - 1 if freq_axis < time_axis else time_axis)
    times = fnp.arange(x.shape[0], dtype=fnp.real(x).dtype) / fs
    return times, x
