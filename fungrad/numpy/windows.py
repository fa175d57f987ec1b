"""Window functions of fungrad.numpy (NumPy's signal tapers): ``bartlett``, ``blackman``,
``hamming``, ``hanning`` and ``kaiser``.

The window length ``M`` fixes the result's shape, so it is a static Python int (a traced
``M`` is an error naming it, as in jax.numpy). The cosine windows are constants; ``kaiser``
is differentiable in ``beta``. Results are float64 (``M < 1`` gives an empty array, ``M ==
1`` a single 1).
"""

from __future__ import annotations

import numpy as np

from fungrad.numpy.creation import asarray
from fungrad.numpy.float_functions import i0
from fungrad.numpy.promotion import as_operand
from fungrad.numpy.reshaping import static_int

__all__ = ["bartlett", "blackman", "hamming", "hanning", "kaiser"]


def _symmetric_grid(fn: str, M) -> tuple[int, np.ndarray]:
    """``M`` as an int, and the positions ``n / (M - 1)`` in [-1, 1] of its samples."""
    m = static_int(fn, "M", M)
    if m <= 1:
        return m, np.zeros(max(m, 0))
    return m, np.arange(1 - m, m, 2, dtype=np.float64) / (m - 1)


def _cosine_window(fn: str, M, *coefficients: float):
    """``sum_k c_k cos(k pi t)`` over the symmetric grid ``t`` (1 for ``M == 1``)."""
    m, t = _symmetric_grid(fn, M)
    if m == 1:
        return asarray(np.ones(1))
    window = sum(c * np.cos(k * np.pi * t) for k, c in enumerate(coefficients))
    return asarray(np.asarray(window, dtype=np.float64))


def bartlett(M: int):
    """The Bartlett (triangular) window of ``M`` points.

    Args:
        M: the number of points (a static int).

    Returns:
        A float64 array of shape ``(max(M, 0),)``, rising linearly from 0 to 1 and back.

    Example:
        >>> import fungrad.numpy as fnp
        >>> fnp.bartlett(5).tolist()
        [0.0, 0.5, 1.0, 0.5, 0.0]
    """
    m, t = _symmetric_grid("bartlett", M)
    return asarray(np.ones(1) if m == 1 else 1 - np.abs(t))


def blackman(M: int):
    """The Blackman window of ``M`` points: ``0.42 + 0.5 cos(pi t) + 0.08 cos(2 pi t)``.

    Args:
        M: the number of points (a static int).

    Returns:
        A float64 array of shape ``(max(M, 0),)``.

    Example:
        >>> import fungrad.numpy as fnp
        >>> fnp.blackman(3).round(6).tolist()
        [-0.0, 1.0, -0.0]
    """
    return _cosine_window("blackman", M, 0.42, 0.5, 0.08)


def hamming(M: int):
    """The Hamming window of ``M`` points: ``0.54 + 0.46 cos(pi t)``.

    Args:
        M: the number of points (a static int).

    Returns:
        A float64 array of shape ``(max(M, 0),)``.

    Example:
        >>> import fungrad.numpy as fnp
        >>> fnp.hamming(3).round(6).tolist()
        [0.08, 1.0, 0.08]
    """
    return _cosine_window("hamming", M, 0.54, 0.46)


def hanning(M: int):
    """The Hann window of ``M`` points: ``0.5 + 0.5 cos(pi t)``.

    Args:
        M: the number of points (a static int).

    Returns:
        A float64 array of shape ``(max(M, 0),)``.

    Example:
        >>> import fungrad.numpy as fnp
        >>> fnp.hanning(5).round(6).tolist()
        [0.0, 0.5, 1.0, 0.5, 0.0]
    """
    return _cosine_window("hanning", M, 0.5, 0.5)


def kaiser(M: int, beta):
    """The Kaiser window of ``M`` points: ``i0(beta sqrt(1 - t**2)) / i0(beta)``.

    Args:
        M: the number of points (a static int).
        beta: the shape parameter (may be traced; the window is differentiable in it).

    Returns:
        A float64 array of shape ``(max(M, 0),)``.

    Example:
        >>> import fungrad.numpy as fnp
        >>> fnp.kaiser(3, 5.0).round(6).tolist()
        [0.036711, 1.0, 0.036711]
    """
    m, t = _symmetric_grid("kaiser", M)
    beta = as_operand(beta)
    if m == 1:
        return asarray(np.ones(1))
    return i0(beta * np.sqrt(1 - t * t)) / i0(beta)
