"""``fungrad.scipy.fft``: the discrete cosine transform (type 2) and its inverse, as
``jax.scipy.fft``.

``dct`` along an axis of ``N`` points is ``y_k = 2 sum_n x_n cos(pi k (2n + 1) / 2N)``,
computed as the real part of a length-``2N`` FFT of the zero-padded input turned by
``exp(-i pi k / 2N)``; ``idct`` inverts it the same way with an inverse FFT. Both are
linear and built on ``fnp.fft``, so they are differentiable and work under ``vmap`` and
``jit``. As in JAX, only ``type=2`` and the norms None/'backward' and 'ortho' exist; the
N-D forms transform one axis after another.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

import fungrad.numpy as fnp
from fungrad.errors import ShapeError

__all__ = ["dct", "dctn", "idct", "idctn"]


def _check(fn: str, type: int, norm) -> None:  # noqa: A002 (SciPy's name)
    if type != 2:
        raise NotImplementedError(f"fungrad.scipy.fft.{fn}: only `type=2` is implemented "
                                  f"(as in JAX), got type={type!r}")
    if norm not in (None, "backward", "ortho"):
        raise ValueError(f"fungrad.scipy.fft.{fn}: `norm` must be None, 'backward' or "
                         f"'ortho', got {norm!r}")


def _inexact(x):
    x = fnp.asarray(x)
    return x if x.dtype.kind in "fc" else x.astype(fnp.result_type(float))


def _resized(x, n: int | None, axis: int):
    """``x`` zero-padded or truncated to ``n`` points along ``axis``."""
    if n is None or n == x.shape[axis]:
        return x
    if n < 1:
        raise ValueError(f"fungrad.scipy.fft: the transform length must be positive, got {n}")
    if n < x.shape[axis]:
        return fnp.take(x, np.arange(n), axis=axis)
    pads = [(0, 0)] * x.ndim
    pads[axis] = (0, n - x.shape[axis])
    return fnp.pad(x, pads)


def _along(values: np.ndarray, axis: int, ndim: int) -> np.ndarray:
    return values.reshape([-1 if a == axis else 1 for a in range(ndim)])


def _ortho_factors(n: int, dtype) -> np.ndarray:
    """The 'ortho' scale of each coefficient: ``1/sqrt(4N)`` for k = 0, ``1/sqrt(2N)``."""
    f = np.full(n, 1 / np.sqrt(2.0 * n))
    f[0] = 1 / np.sqrt(4.0 * n)
    return f.astype(dtype)


def _dct_real(x, axis: int, norm):
    n = x.shape[axis]
    spectrum = fnp.fft.fft(x, n=2 * n, axis=axis)
    spectrum = fnp.take(spectrum, np.arange(n), axis=axis)
    turn = _along(np.exp(-0.5j * np.pi * np.arange(n) / n), axis, x.ndim)
    out = 2 * fnp.real(spectrum * turn.astype(spectrum.dtype))
    if norm == "ortho":
        out = out * _along(_ortho_factors(n, out.dtype), axis, x.ndim)
    return out


def _idct_real(y, axis: int, norm):
    n = y.shape[axis]
    if norm == "ortho":
        y = y / _along(_ortho_factors(n, y.dtype), axis, y.ndim)
    weights = np.ones(n)
    weights[0] = 0.5
    turn = _along(weights * np.exp(0.5j * np.pi * np.arange(n) / n), axis, y.ndim)
    z = y * turn.astype(np.result_type(y.dtype, np.complex64))
    x = fnp.fft.ifft(z, n=2 * n, axis=axis)
    return 2 * fnp.real(fnp.take(x, np.arange(n), axis=axis))


def _split_complex(transform, x, axis: int, norm):
    if x.dtype.kind == "c":
        return (transform(fnp.real(x), axis, norm)
                + 1j * transform(fnp.imag(x), axis, norm)).astype(x.dtype)
    return transform(x, axis, norm)


def dct(x, type: int = 2, n: int | None = None, axis: int = -1,  # noqa: A002
        norm: str | None = None):
    """The type-2 discrete cosine transform along ``axis``.

    Args:
        x: the array (real or complex; integers become floats).
        type: 2 (the only type implemented, as in JAX).
        n: the transform length (zero-pads or truncates ``x``).
        axis: the axis to transform.
        norm: None/'backward' (unscaled) or 'ortho' (an orthonormal transform).
    Returns:
        The coefficients, shaped like ``x`` with ``n`` points along ``axis``.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy.fft import dct
        >>> (np.round(dct(np.array([1.0, 2.0, 3.0, 4.0])), 4) + 0.0).tolist()
        [20.0, -6.3086, 0.0, -0.4483]
    """
    _check("dct", type, norm)
    x = _inexact(x)
    axis = int(axis) % x.ndim
    return _split_complex(_dct_real, _resized(x, n, axis), axis, norm)


def idct(x, type: int = 2, n: int | None = None, axis: int = -1,  # noqa: A002
         norm: str | None = None):
    """The inverse of :func:`dct` (a scaled type-3 transform); arguments as there.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy.fft import dct, idct
        >>> x = np.array([1.0, 2.0, 3.0, 4.0])
        >>> np.round(idct(dct(x, norm="ortho"), norm="ortho"), 6).tolist()
        [1.0, 2.0, 3.0, 4.0]
    """
    _check("idct", type, norm)
    x = _inexact(x)
    axis = int(axis) % x.ndim
    return _split_complex(_idct_real, _resized(x, n, axis), axis, norm)


def _axes_and_sizes(fn: str, x, s, axes):
    if s is not None:
        s = [int(s)] if np.ndim(s) == 0 else [int(v) for v in s]
        if len(s) > x.ndim:
            raise ShapeError(f"fungrad.scipy.fft.{fn}: `s` has {len(s)} entries, more than "
                             f"the {x.ndim} axes of x (shape {tuple(x.shape)})")
    if axes is None:
        axes = range(x.ndim - len(s), x.ndim) if s is not None else range(x.ndim)
    axes = [int(a) % x.ndim for a in ([axes] if np.ndim(axes) == 0 else axes)]
    if s is not None and len(s) != len(axes):
        raise ShapeError(f"fungrad.scipy.fft.{fn}: `s` ({len(s)} entries) and `axes` "
                         f"({len(axes)}) must have the same length")
    return axes, (s if s is not None else [None] * len(axes))


def dctn(x, type: int = 2, s: Sequence[int] | None = None,  # noqa: A002
         axes: Sequence[int] | None = None, norm: str | None = None):
    """The N-D type-2 discrete cosine transform over ``axes``.

    Args:
        x, type, norm: as in :func:`dct`.
        s: the transform length on each axis (zero-pads or truncates).
        axes: the axes (the last ``len(s)``, or all).
    Returns:
        The coefficients.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy.fft import dctn
        >>> (np.round(dctn(np.array([[1.0, 2.0], [3.0, 4.0]])), 4) + 0.0).tolist()
        [[40.0, -5.6569], [-11.3137, 0.0]]
    """
    _check("dctn", type, norm)
    x = _inexact(x)
    for axis, n in zip(*_axes_and_sizes("dctn", x, s, axes)):
        x = _split_complex(_dct_real, _resized(x, n, axis), axis, norm)
    return x


def idctn(x, type: int = 2, s: Sequence[int] | None = None,  # noqa: A002
          axes: Sequence[int] | None = None, norm: str | None = None):
    """The inverse of :func:`dctn`; arguments as there.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy.fft import dctn, idctn
        >>> x = np.array([[1.0, 2.0], [3.0, 4.0]])
        >>> np.round(idctn(dctn(x)), 6).tolist()
        [[1.0, 2.0], [3.0, 4.0]]
    """
    _check("idctn", type, norm)
    x = _inexact(x)
    for axis, n in zip(*_axes_and_sizes("idctn", x, s, axes)):
        x = _split_complex(_idct_real, _resized(x, n, axis), axis, norm)
    return x
