"""``fungrad.scipy.cluster.vq``: assign observations to their nearest code, as
``jax.scipy.cluster.vq``."""

from __future__ import annotations

import numpy as np

import fungrad.numpy as fnp
from fungrad.errors import ShapeError

__all__ = ["vq"]

NAME = "fungrad.scipy.cluster.vq.vq"


def vq(obs, code_book, check_finite: bool = True):
    """The nearest code (Euclidean distance) of each observation, and that distance.

    Args:
        obs: ``(M,)`` or ``(M, D)`` observations.
        code_book: ``(K,)`` or ``(K, D)`` codes, of the same rank as ``obs``.
        check_finite: accepted and unused (as in JAX: no data-dependent checks).
    Returns:
        ``(code, dist)``: ``(M,)`` code indices (the first nearest on ties) and ``(M,)``
        distances; ``dist`` is differentiable in both arguments.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy.cluster.vq import vq
        >>> codes = np.array([[0.0, 0.0], [3.0, 4.0]])
        >>> code, dist = vq(np.array([[0.5, 0.0], [3.0, 3.0]]), codes)
        >>> code.tolist(), dist.tolist()
        ([0, 1], [0.5, 1.0])
    """
    obs, code_book = fnp.asarray(obs), fnp.asarray(code_book)
    dtype = np.result_type(obs.dtype, code_book.dtype)
    if dtype.kind not in "fc":
        dtype = fnp.result_type(float)
    obs, code_book = obs.astype(dtype), code_book.astype(dtype)
    if obs.ndim != code_book.ndim:
        raise ShapeError(f"{NAME}: `obs` and `code_book` must have the same rank, got shapes "
                         f"{tuple(obs.shape)} and {tuple(code_book.shape)}")
    if obs.ndim == 1:
        obs, code_book = obs[:, None], code_book[:, None]
    if obs.ndim != 2:
        raise ShapeError(f"{NAME}: `obs` and `code_book` must be 1-D or 2-D, got shapes "
                         f"{tuple(obs.shape)} and {tuple(code_book.shape)}")
    if obs.shape[1] != code_book.shape[1]:
        raise ShapeError(f"{NAME}: `obs` and `code_book` must have the same number of "
                         f"features, got shapes {tuple(obs.shape)} and "
                         f"{tuple(code_book.shape)}")
    gaps = obs[:, None, :] - code_book[None, :, :]
    dist = fnp.sqrt(fnp.sum(fnp.real(fnp.conj(gaps) * gaps), axis=-1))
    code = fnp.argmin(dist, axis=-1)
    return code, fnp.take_along_axis(dist, code[:, None], axis=1)[:, 0]
