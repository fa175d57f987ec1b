"""``fungrad.scipy.ndimage``: ``map_coordinates``, as ``jax.scipy.ndimage``.

Interpolation of order 0 (nearest sample) or 1 (multilinear) only, as in JAX. Each output
value is a weighted sum of gathered samples, so it is differentiable in ``input`` and (for
order 1) in the coordinates, and works under ``vmap`` and ``jit``.

The boundary modes are those JAX documents, which follow SciPy's documentation rather than
its older implementation: 'constant' is SciPy's 'grid-constant' (a sample outside the grid
is ``cval``) and 'wrap' is SciPy's 'grid-wrap' (period ``n``).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

import fungrad.numpy as fnp
from fungrad import lax
from fungrad.errors import ShapeError

__all__ = ["map_coordinates"]

NAME = "fungrad.scipy.ndimage.map_coordinates"


def _period_fold(index, period: int):
    return index - period * fnp.floor_divide(index, period)


def _mirror(index, n: int):
    """Symmetric about the edge samples (``d c b | a b c d | c b a``): period ``2(n-1)``."""
    if n == 1:
        return fnp.zeros_like(index)
    folded = _period_fold(index, 2 * (n - 1))
    return fnp.where(folded > n - 1, 2 * (n - 1) - folded, folded)


def _reflect(index, n: int):
    """Symmetric about the grid's edges (``c b a | a b c d | d c b``): period ``2n``."""
    folded = _period_fold(index, 2 * n)
    return fnp.where(folded >= n, 2 * n - 1 - folded, folded)


_MODES = {
    "constant": lambda index, n: fnp.clip(index, 0, n - 1),  # outside: masked to cval
    "nearest": lambda index, n: fnp.clip(index, 0, n - 1),
    "wrap": lambda index, n: _period_fold(index, n),
    "mirror": _mirror,
    "reflect": _reflect,
}


# Finite coordinates are clipped to +-2**62 before they become int64 indices (far outside
# any grid, and exactly representable): a larger one would overflow the cast.
_INDEX_LIMIT = 2.0 ** 62


def _nodes(coordinate, order: int):
    """The (integer index, weight) pairs one coordinate axis contributes.

    A nan or infinite coordinate takes index 0 here (the cast to integers never sees it);
    ``map_coordinates`` then masks its output.
    """
    if coordinate.dtype.kind in "iub":
        if order == 0:
            return [(coordinate.astype(np.int64), 1.0)]
        coordinate = coordinate.astype(np.float64)
    finite = fnp.isfinite(coordinate)
    safe = fnp.where(finite, fnp.clip(coordinate, -_INDEX_LIMIT, _INDEX_LIMIT), 0.0)
    if order == 0:
        return [(lax.round(safe).astype(np.int64), 1.0)]
    low = fnp.floor(safe)
    frac = safe - low
    low = low.astype(np.int64)
    return [(low, 1 - frac), (low + 1, frac)]


def map_coordinates(input, coordinates: Sequence, order: int, mode: str = "constant",  # noqa: A002
                    cval=0.0):
    """Sample ``input`` at fractional ``coordinates`` by nearest or linear interpolation.

    Args:
        input: the N-D array to sample.
        coordinates: N arrays (one per axis of ``input``, broadcast together) of
            positions in index units.
        order: 0 (nearest sample; halves round away from zero) or 1 (linear).
        mode: what lies beyond the edges: 'constant' (``cval``), 'nearest' (the edge
            sample), 'wrap' (periodic), 'mirror' or 'reflect' (symmetric about the edge
            sample or the edge).
        cval: the value outside the grid in 'constant' mode.
    Returns:
        The interpolated values, shaped like the broadcast coordinates, in ``input``'s
        dtype (integer inputs are rounded). A nan or infinite coordinate gives nan (0 for
        an integer ``input``), in every mode and order; JAX gives nan at order 1 and an
        arbitrary sample at order 0.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy.ndimage import map_coordinates
        >>> image = np.arange(12.0).reshape(3, 4)
        >>> map_coordinates(image, [np.array([0.5, 1.5]), np.array([1.5, 2.5])], order=1).tolist()
        [3.5, 8.5]
        >>> map_coordinates(image, [np.array([-1.0]), np.array([0.0])], order=0, cval=-9.0).tolist()
        [-9.0]
    """
    image = fnp.asarray(input)
    coords = [fnp.asarray(c) for c in coordinates]
    if len(coords) != image.ndim:
        raise ShapeError(f"{NAME}: `coordinates` must hold one array per axis of `input` "
                         f"({image.ndim} for shape {tuple(image.shape)}), got {len(coords)}")
    if mode not in _MODES:
        raise NotImplementedError(f"{NAME}: `mode` must be one of {sorted(_MODES)} (as in "
                                  f"JAX), got {mode!r}")
    if order not in (0, 1):
        raise NotImplementedError(f"{NAME}: only `order` 0 and 1 are implemented (as in "
                                  f"JAX), got {order!r}")
    coords = fnp.broadcast_arrays(*coords) if coords else coords
    fill = fnp.asarray(cval).astype(image.dtype)
    per_axis = [_nodes(c, order) for c in coords]
    total = None
    for corner in itertools.product(*per_axis):
        indices = tuple(_MODES[mode](i, n) for (i, _), n in zip(corner, image.shape))
        sample = image[indices]
        if mode == "constant":
            inside = [(i >= 0) & (i < n) for (i, _), n in zip(corner, image.shape)]
            if inside:
                sample = fnp.where(fnp.all(fnp.stack(inside), axis=0), sample, fill)
        weight = 1.0
        for _, w in corner:
            weight = weight * w
        term = weight * sample
        total = term if total is None else total + term
    if any(c.dtype.kind not in "iub" for c in coords):
        # A nan or infinite coordinate gives nan, and 0 in an integer result (no nan).
        finite = fnp.all(fnp.stack([fnp.isfinite(c) for c in coords]), axis=0)
        total = fnp.where(finite, total, 0 if image.dtype.kind in "iub" else np.nan)
    if image.dtype.kind in "iub":
        total = lax.round(total)
    return fnp.asarray(total).astype(image.dtype)
