"""fungrad.numpy.fft: NumPy's discrete Fourier transforms, differentiable, on ``lax.fft``.

Signatures follow ``jax.numpy.fft``: ``n``/``s`` resize the transformed axes (zero padding
or truncation), ``axis``/``axes`` choose them, and ``norm`` is ``"backward"`` (the default:
forward transforms unscaled, inverses scaled by ``1/n``), ``"ortho"`` (both by
``1/sqrt(n)``) or ``"forward"`` (forward transforms scaled by ``1/n``). Real inputs of the
complex transforms become complex (float32 -> complex64, integers -> complex128).

Derivatives follow JAX's convention for complex numbers (see ``fungrad.lax.fft``):
``grad`` of a real function of a complex input returns ``df/dx - i df/dy``.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["fft", "ifft", "rfft", "irfft", "fft2", "ifft2", "fftn", "ifftn", "rfft2",
           "irfft2", "rfftn", "irfftn", "hfft", "ihfft", "fftfreq", "rfftfreq", "fftshift",
           "ifftshift"]

from fungrad import lax
from fungrad.core import get_aval, shape_of
from fungrad.dtypes import complex_dtype
from fungrad.errors import ShapeError, user_site
from fungrad.lax.fft import FftType
from fungrad.numpy.array_type import as_array_type
from fungrad.numpy.math import divide
from fungrad.numpy.promotion import as_operand, to_dtype
from fungrad.numpy.rearranging import roll
from fungrad.numpy.reshaping import normalize_axes, static_int, static_ints

_NORMS = ("backward", "ortho", "forward")
_INVERSE = (FftType.IFFT, FftType.IRFFT)
_MAX_AXES = 3  # lax.fft transforms at most three trailing axes at a time


def _check_norm(fn: str, norm) -> str:
    if norm is None:
        return "backward"
    if norm not in _NORMS:
        raise ValueError(f"fnp.fft.{fn}: norm must be None, 'backward', 'ortho' or 'forward', "
                         f"got {norm!r}")
    return norm


def _swapped_norm(norm):
    """The norm that turns an inverse transform into hfft's forward one (and back)."""
    return {"backward": "forward", "forward": "backward"}.get(norm or "backward", norm)


def _operand(fn: str, a, kind: FftType):
    """``a`` in the transform's input dtype: real floating for RFFT, complex otherwise."""
    a = as_operand(a)
    dtype = get_aval(a).dtype
    if dtype.kind not in "fc":
        dtype = np.dtype(np.float64)
    if kind == FftType.RFFT:
        if dtype.kind == "c":
            raise TypeError(f"fnp.fft.{fn}: expected a real input, got {dtype}; take "
                            f"fnp.real(a) first or use fnp.fft.fft\n  at {user_site()}")
        return to_dtype(a, dtype)
    return to_dtype(a, complex_dtype(dtype))


def _axes_and_lengths(fn: str, a, s, axes, kind: FftType):
    """Canonical axes and the signal lengths ``s`` along them (IRFFT: of the real output)."""
    shape = shape_of(a)
    nd = len(shape)
    if s is not None:
        s = static_ints(f"fft.{fn}", "s", s, strict=True)
    if axes is None:
        axes = tuple(range(nd - (nd if s is None else len(s)), nd))
    axes = normalize_axes(f"fft.{fn}", axes, nd, "axes")
    if not axes:
        raise ShapeError(f"fnp.fft.{fn}: needs at least one axis to transform; got an input "
                         f"of shape {tuple(shape)} and axes={axes}\n  at {user_site()}")
    if s is None:
        s = [shape[ax] for ax in axes]
        if kind == FftType.IRFFT:
            s[-1] = 2 * (shape[axes[-1]] - 1)
    if len(s) != len(axes):
        raise ShapeError(f"fnp.fft.{fn}: s={tuple(s)} and axes={axes} must have the same "
                         f"length\n  at {user_site()}")
    if any(n < 1 for n in s):
        raise ShapeError(f"fnp.fft.{fn}: the transform lengths {tuple(s)} must be positive "
                         f"(input shape {tuple(shape)})\n  at {user_site()}")
    return axes, tuple(s)


def _resized(x, axis: int, size: int):
    """``x`` truncated or zero-padded at the end of ``axis`` to ``size``."""
    shape = shape_of(x)
    if shape[axis] == size:
        return x
    config = [(0, 0, 0)] * len(shape)
    config[axis] = (0, size - shape[axis], 0)
    return lax.pad(x, get_aval(x).dtype.type(0), config)


def _transform(fn: str, kind: FftType, a, s, axes, norm):
    norm = _check_norm(fn, norm)
    x = _operand(fn, a, kind)
    axes, s = _axes_and_lengths(fn, x, s, axes, kind)
    sizes = list(s)
    if kind == FftType.IRFFT:
        sizes[-1] = s[-1] // 2 + 1
    for ax, size in zip(axes, sizes, strict=True):
        x = _resized(x, ax, size)
    nd = len(shape_of(x))
    perm = tuple(i for i in range(nd) if i not in axes) + axes
    x = lax.transpose(x, perm) if perm != tuple(range(nd)) else x
    y = _trailing_transform(x, kind, s)
    y = _normalized(y, kind, norm, math.prod(s))
    inverse = tuple(int(i) for i in np.argsort(perm))
    return lax.transpose(y, inverse) if perm != tuple(range(nd)) else y


def _trailing_transform(x, kind: FftType, s):
    """lax.fft over the last ``len(s)`` axes, three at a time (the transforms are separable:
    RFFT takes the last group first, IRFFT last)."""
    k = len(s)
    if k <= _MAX_AXES:
        return lax.fft(x, kind, s)
    nd = len(shape_of(x))
    last, rest = s[k - _MAX_AXES:], s[:k - _MAX_AXES]
    complex_kind = FftType.IFFT if kind in _INVERSE else FftType.FFT
    if kind == FftType.IRFFT:
        x = _on_axes(x, complex_kind, rest, nd - k)
        return lax.fft(x, kind, last)
    x = lax.fft(x, kind if kind == FftType.RFFT else complex_kind, last)
    return _on_axes(x, complex_kind, rest, nd - k)


def _on_axes(x, kind: FftType, s, start: int):
    """A complex transform of the ``len(s)`` axes that begin at ``start``."""
    nd = len(shape_of(x))
    moved = tuple(range(start + len(s), nd))
    perm = tuple(range(start)) + moved + tuple(range(start, start + len(s)))
    y = _trailing_transform(lax.transpose(x, perm), kind, s)
    return lax.transpose(y, tuple(int(i) for i in np.argsort(perm)))


def _normalized(y, kind: FftType, norm: str, total: int):
    # lax.fft leaves forward transforms unscaled and scales inverses by 1 / total.
    if norm == "backward":
        return y
    if norm == "ortho":
        factor = math.sqrt(total) if kind in _INVERSE else 1.0 / math.sqrt(total)
    else:  # "forward": the inverse is unscaled
        factor = float(total) if kind in _INVERSE else 1.0 / total
    return lax.mul(y, get_aval(y).dtype.type(factor))


def _one_axis(fn, kind, a, n, axis, norm):
    name = f"fft.{fn}"
    s = None if n is None else (static_int(name, "n", n, strict=True),)
    return _transform(fn, kind, a, s, (static_int(name, "axis", axis, strict=True),), norm)


# ---------------------------------------------------------------------------------------
# One axis


def fft(a, n: int | None = None, axis: int = -1, norm: str | None = None):
    """One-dimensional discrete Fourier transform along ``axis``.

    Example:
        >>> fft([1.0, 0.0, 0.0, 0.0])
        array([1.+0.j, 1.+0.j, 1.+0.j, 1.+0.j])
    """
    return _one_axis("fft", FftType.FFT, a, n, axis, norm)


def ifft(a, n: int | None = None, axis: int = -1, norm: str | None = None):
    """One-dimensional inverse discrete Fourier transform along ``axis``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.fft.ifft(np.array([4.0, 0.0, 0.0, 0.0]))
        array([1.+0.j, 1.+0.j, 1.+0.j, 1.+0.j])
    """
    return _one_axis("ifft", FftType.IFFT, a, n, axis, norm)


def rfft(a, n: int | None = None, axis: int = -1, norm: str | None = None):
    """Fourier transform of a real signal: the ``n // 2 + 1`` non-negative frequencies.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.fft.rfft(np.array([1.0, 0.0, -1.0, 0.0]))
        array([0.+0.j, 2.+0.j, 0.+0.j])
    """
    return _one_axis("rfft", FftType.RFFT, a, n, axis, norm)


def irfft(a, n: int | None = None, axis: int = -1, norm: str | None = None):
    """Inverse of ``rfft``: ``n`` real samples (default ``2 * (m - 1)`` from ``m``
    frequencies) of the Hermitian spectrum whose non-negative half is ``a``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.fft.irfft(np.array([0.0, 2.0, 0.0]))
        array([ 1.,  0., -1.,  0.])
    """
    return _one_axis("irfft", FftType.IRFFT, a, n, axis, norm)


def hfft(a, n: int | None = None, axis: int = -1, norm: str | None = None):
    """Fourier transform of a signal with Hermitian symmetry (half given): a real spectrum
    of ``n`` values, ``irfft(conj(a)) * n`` with the default norm.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.fft.hfft(np.array([1.0, 2.0, 3.0]))
        array([ 8., -2.,  0., -2.])
    """
    x = _operand("hfft", a, FftType.FFT)
    return _one_axis("hfft", FftType.IRFFT, lax.conj(x), n, axis, _swapped_norm(_check_norm(
        "hfft", norm)))


def ihfft(a, n: int | None = None, axis: int = -1, norm: str | None = None):
    """Inverse of ``hfft``: ``conj(rfft(a)) / n`` with the default norm.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.fft.ihfft(np.array([12.0, -4.0, 0.0, -4.0])).real
        array([1., 3., 5.])
    """
    norm = _swapped_norm(_check_norm("ihfft", norm))
    return lax.conj(_one_axis("ihfft", FftType.RFFT, a, n, axis, norm))


# ---------------------------------------------------------------------------------------
# Several axes


def fft2(a, s=None, axes=(-2, -1), norm: str | None = None):
    """Two-dimensional discrete Fourier transform (over the last two axes by default).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.fft.fft2(np.ones((2, 2)))
        array([[4.+0.j, 0.+0.j],
               [0.+0.j, 0.+0.j]])
    """
    return _transform("fft2", FftType.FFT, a, s, axes, norm)


def ifft2(a, s=None, axes=(-2, -1), norm: str | None = None):
    """Two-dimensional inverse discrete Fourier transform.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.fft.ifft2(np.array([[4.0, 0.0], [0.0, 0.0]]))
        array([[1.+0.j, 1.+0.j],
               [1.+0.j, 1.+0.j]])
    """
    return _transform("ifft2", FftType.IFFT, a, s, axes, norm)


def fftn(a, s=None, axes=None, norm: str | None = None):
    """N-dimensional discrete Fourier transform (all axes, or the last ``len(s)``, by
    default).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.fft.fftn(np.ones((2, 2, 2))).real.sum().item()
        8.0
    """
    return _transform("fftn", FftType.FFT, a, s, axes, norm)


def ifftn(a, s=None, axes=None, norm: str | None = None):
    """N-dimensional inverse discrete Fourier transform.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.fft.ifftn(np.array([[4.0, 0.0], [0.0, 0.0]]))
        array([[1.+0.j, 1.+0.j],
               [1.+0.j, 1.+0.j]])
    """
    return _transform("ifftn", FftType.IFFT, a, s, axes, norm)


def rfft2(a, s=None, axes=(-2, -1), norm: str | None = None):
    """Two-dimensional Fourier transform of a real array (the last axis halved).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.fft.rfft2(np.ones((2, 4))).shape
        (2, 3)
    """
    return _transform("rfft2", FftType.RFFT, a, s, axes, norm)


def irfft2(a, s=None, axes=(-2, -1), norm: str | None = None):
    """Inverse of ``rfft2``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.fft.irfft2(fnp.fft.rfft2(np.arange(8.0).reshape(2, 4)))
        array([[0., 1., 2., 3.],
               [4., 5., 6., 7.]])
    """
    return _transform("irfft2", FftType.IRFFT, a, s, axes, norm)


def rfftn(a, s=None, axes=None, norm: str | None = None):
    """N-dimensional Fourier transform of a real array (the last transformed axis halved).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.fft.rfftn(np.ones((2, 3, 4))).shape
        (2, 3, 3)
    """
    return _transform("rfftn", FftType.RFFT, a, s, axes, norm)


def irfftn(a, s=None, axes=None, norm: str | None = None):
    """Inverse of ``rfftn``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.fft.irfftn(fnp.fft.rfftn(np.arange(8.0).reshape(2, 4)))
        array([[0., 1., 2., 3.],
               [4., 5., 6., 7.]])
    """
    return _transform("irfftn", FftType.IRFFT, a, s, axes, norm)


# ---------------------------------------------------------------------------------------
# Frequencies and shifts


def _frequencies(fn: str, k: np.ndarray, n: int, d, dtype):
    if n < 1:
        raise ValueError(f"fnp.fft.{fn}: n must be a positive integer, got {n}")
    out_dtype = np.dtype(np.float64) if dtype is None else np.dtype(dtype)
    if out_dtype.kind not in "fc":
        raise TypeError(f"fnp.fft.{fn}: dtype must be floating or complex, got {out_dtype}")
    return to_dtype(divide(as_array_type(k.astype(out_dtype)), d * n), out_dtype)


def fftfreq(n: int, d=1.0, *, dtype=None, device=None):
    """Sample frequencies of an ``n``-point DFT with sample spacing ``d``.

    Example:
        >>> fftfreq(4)
        Array([ 0.  ,  0.25, -0.5 , -0.25])
    """
    n = static_int("fft.fftfreq", "n", n)
    k = np.concatenate([np.arange((n - 1) // 2 + 1), -np.arange(n // 2, 0, -1)])
    return _frequencies("fftfreq", k, n, d, dtype)


def rfftfreq(n: int, d=1.0, *, dtype=None, device=None):
    """Sample frequencies of ``rfft``'s ``n // 2 + 1`` outputs with sample spacing ``d``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.fft.rfftfreq(8, d=0.5)
        Array([0.  , 0.25, 0.5 , 0.75, 1.  ])
    """
    n = static_int("fft.rfftfreq", "n", n)
    return _frequencies("rfftfreq", np.arange(n // 2 + 1), n, d, dtype)


def _shifted(fn: str, x, axes, sign: int):
    x = as_operand(x)
    shape = shape_of(x)
    axes = tuple(range(len(shape))) if axes is None else normalize_axes(
        f"fft.{fn}", axes, len(shape), "axes")
    if not axes:
        return x
    return roll(x, tuple(sign * (shape[ax] // 2) for ax in axes), axes)


def fftshift(x, axes=None):
    """Move the zero frequency to the centre (rolls each axis by ``n // 2``).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.fft.fftshift(np.arange(5))
        array([3, 4, 0, 1, 2])
    """
    return _shifted("fftshift", x, axes, 1)


def ifftshift(x, axes=None):
    """Inverse of ``fftshift`` (rolls each axis by ``-(n // 2)``).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.fft.ifftshift(fnp.fft.fftshift(np.arange(5)))
        array([0, 1, 2, 3, 4])
    """
    return _shifted("ifftshift", x, axes, -1)
