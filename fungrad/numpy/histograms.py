"""Histograms in fungrad.numpy: ``histogram_bin_edges``, ``histogram``, ``histogram2d`` and
``histogramdd``.

Each sample's bin is found with ``searchsorted`` on the edges, and the bins are summed with
``bincount``; so the counts are differentiable in ``weights``, and with ``density=True``
also in the edges (through the bin widths; with an integer ``bins`` the edges follow the
data's range). The number of bins fixes the result's shape, so an integer ``bins`` must be
static (a traced one is an error naming it); edges given as an array may be traced. As in
jax.numpy, ``histogram``'s counts are floats, while ``histogramdd``/``histogram2d`` count
in int64 without weights (NumPy: floats); string ``bins`` ('auto', ...) are not supported.
"""

from __future__ import annotations

import builtins

import numpy as np

from fungrad import lax
from fungrad.array_module import constant_like
from fungrad.core import concrete_or_none, get_aval, shape_of
from fungrad.errors import ConcretizationError, ShapeError
from fungrad.numpy.creation import linspace, ones_like
from fungrad.numpy.differences import diff
from fungrad.numpy.math import equal, where
from fungrad.numpy.promotion import as_inexact, as_operand, promote_dtypes, to_dtype
from fungrad.numpy.reductions import max as _max
from fungrad.numpy.reductions import min as _min
from fungrad.numpy.reductions import sum as _sum
from fungrad.numpy.reshaping import ravel, reshape
from fungrad.numpy.searching import searchsorted
from fungrad.numpy.statistics import bincount

__all__ = ["histogram_bin_edges", "histogram", "histogram2d", "histogramdd"]

_INDEX = np.dtype(np.int64)


def _bin_count(fn: str, bins) -> int | None:
    """``bins`` as a static number of bins, or None when it is an array of edges."""
    if isinstance(bins, str):
        raise NotImplementedError(f"fnp.{fn}: string bins ({bins!r}) are not supported (as "
                                  "in jax.numpy); pass a number of bins or the edges")
    if not _is_scalar(bins):
        return None
    value = concrete_or_none(bins)
    if value is None:
        raise ConcretizationError(
            f"fnp.{fn}: bins ({get_aval(bins).str_short()}) is a traced number of bins, "
            "which decides the result's shape; pass a Python int (static_argnums under "
            "jit), or pass the bin edges as an array.")
    count = int(value)
    if count < 1:
        raise ValueError(f"fnp.{fn}: bins must be a positive number of bins, got {count}")
    return count


def _is_scalar(value) -> bool:
    if isinstance(value, (list, tuple)):
        return False
    return shape_of(value) == () if hasattr(value, "shape") else np.ndim(value) == 0


def _edges(fn: str, a, bins, range):  # noqa: A002 (NumPy's name)
    """The bin edges for the 1-D samples ``a``."""
    count = _bin_count(fn, bins)
    if count is None:
        edges = as_inexact(bins)
        if len(shape_of(edges)) != 1 or shape_of(edges)[0] < 2:
            raise ShapeError(f"fnp.{fn}: bin edges must be 1-D with at least 2 entries, got "
                             f"shape {shape_of(edges)}")
        return promote_dtypes(fn, edges, a)[0]
    if range is None:
        if shape_of(a)[0] == 0:
            low, high = 0.0, 1.0
        else:
            low, high = _min(a), _max(a)
    else:
        if len(range) != 2:
            raise ValueError(f"fnp.{fn}: range must be a pair (low, high), got {range!r}")
        low, high = (to_dtype(as_operand(r), np.dtype(get_aval(a).dtype)) for r in range)
    # An empty range becomes a unit one around it (as NumPy).
    same = equal(low, high)
    low, high = where(same, low - 0.5, low), where(same, high + 0.5, high)
    return linspace(low, high, count + 1, dtype=get_aval(a).dtype)


def _bin_index(samples, edges):
    """Each sample's bin ``1..n`` (0 below the first edge, ``n + 1`` above the last or NaN);
    the last bin includes its right edge."""
    n = shape_of(edges)[0] - 1
    index = searchsorted(edges, samples, side="right")
    return to_dtype(where(equal(samples, edges[n]), n, index), _INDEX)


def histogram_bin_edges(a, bins=10, range=None, weights=None):  # noqa: A002 (NumPy's name)
    """The edges of the bins ``histogram`` would use.

    Args:
        a: the samples (flattened).
        bins: a static number of equal-width bins, or the edges themselves.
        range: ``(low, high)`` for the equal-width bins (default: the data's min and max).
        weights: accepted for NumPy compatibility (unused).

    Returns:
        A 1-D float array of ``bins + 1`` edges.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.histogram_bin_edges(np.array([0.0, 1.0, 4.0]), bins=4).tolist()
        [0.0, 1.0, 2.0, 3.0, 4.0]
    """
    return _edges("histogram_bin_edges", ravel(as_inexact(a)), bins, range)


def histogram(a, bins=10, range=None, weights=None, density=None) -> tuple:  # noqa: A002
    """The histogram of the samples ``a``.

    Args:
        a: the samples (flattened).
        bins: a static number of equal-width bins, or the edges (increasing).
        range: ``(low, high)`` for the equal-width bins (default: the data's min and max);
            samples outside it are not counted.
        weights: a weight per sample (the counts become weight sums; differentiable).
        density: divide by the total and the bin widths, so the histogram integrates to 1.

    Returns:
        ``(hist, bin_edges)``: float counts of length ``n`` and the ``n + 1`` edges.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> hist, edges = fnp.histogram(np.array([0.1, 0.5, 0.7, 0.9]), bins=2, range=(0, 1))
        >>> hist.tolist(), edges.tolist()
        ([1.0, 3.0], [0.0, 0.5, 1.0])
    """
    a = ravel(as_inexact(a))
    edges = _edges("histogram", a, bins, range)
    n = shape_of(edges)[0] - 1
    w = _weights("histogram", weights, shape_of(a), a)
    counts = bincount(_bin_index(a, edges), w, length=n + 2)[1:n + 1]
    edges = constant_like(edges, counts)  # host samples, device weights: results together
    if density:
        counts = counts / (_sum(counts) * diff(edges))
    return counts, edges


def _weights(fn: str, weights, shape, like):
    if weights is None:
        return ones_like(like, shape=shape)
    w = ravel(as_inexact(weights))
    if shape_of(w)[0] != int(np.prod(shape, dtype=np.int64)):
        raise ShapeError(f"fnp.{fn}: weights must have one entry per sample ({shape}), got "
                         f"shape {shape_of(as_operand(weights))}")
    return w


def histogramdd(sample, bins=10, range=None, weights=None, density=None) -> tuple:  # noqa: A002
    """The multidimensional histogram of the points ``sample``.

    Args:
        sample: an ``(N, D)`` array of N points in D dimensions.
        bins: a static number of bins for every dimension, or a sequence of D entries, each
            a number of bins or that dimension's edges.
        range: None, or a sequence of D entries, each None or ``(low, high)``.
        weights: a weight per point (differentiable).
        density: divide by the total and the bin volumes.

    Returns:
        ``(hist, edges)``: a D-dimensional array (int64 counts without weights or
        density, as in jax.numpy; otherwise floats) and the list of D edge arrays.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> points = np.array([[0.1, 0.1], [0.9, 0.2], [0.8, 0.9]])
        >>> hist, edges = fnp.histogramdd(points, bins=2, range=[(0, 1), (0, 1)])
        >>> hist.tolist()
        [[1, 0], [1, 1]]
    """
    sample = as_inexact(sample)
    if len(shape_of(sample)) != 2:
        raise ShapeError(f"fnp.histogramdd: sample must be an (N, D) array of points, got "
                         f"shape {shape_of(sample)}")
    points, dims = shape_of(sample)
    per_dim_bins = _per_dimension("histogramdd", "bins", bins, dims)
    per_dim_range = _per_dimension("histogramdd", "range", range, dims, pairs=True)
    edges, flat, sizes = [], None, []
    for d in builtins.range(dims):
        column = sample[:, d]
        e = _edges("histogramdd", column, per_dim_bins[d], per_dim_range[d])
        index = _bin_index(column, e)
        size = shape_of(e)[0] + 1
        flat = index if flat is None else flat * size + index
        edges.append(e)
        sizes.append(size)
    # Without weights the counts are integers, as jax.numpy's (bincount without weights).
    w = None if weights is None else _weights("histogramdd", weights, (points,), sample)
    total = int(np.prod(sizes, dtype=np.int64))
    counts = reshape(bincount(flat, w, length=total), tuple(sizes))
    inner = tuple(builtins.slice(1, s - 1) for s in sizes)
    counts = counts[inner]
    edges = [constant_like(e, counts) for e in edges]  # on the device of the weights
    if density:
        if weights is None:
            counts = to_dtype(counts, np.dtype(get_aval(sample).dtype))
        volume = diff(edges[0])
        for e in edges[1:]:  # the outer product of the bin widths
            volume = reshape(volume, (*shape_of(volume), 1)) * diff(e)
        counts = counts / (_sum(counts) * volume)
    return counts, edges


def _per_dimension(fn: str, arg: str, value, dims: int, pairs: bool = False) -> list:
    """``value`` as one entry per dimension (a shared scalar bins or None range repeats)."""
    if value is None or (not pairs and not isinstance(value, str) and _is_scalar(value)):
        return [value] * dims
    entries = list(value)
    if len(entries) != dims:
        raise ValueError(f"fnp.{fn}: {arg} has {len(entries)} entries, but the sample has "
                         f"{dims} dimensions; pass one per dimension")
    return entries


def histogram2d(x, y, bins=10, range=None, weights=None, density=None) -> tuple:  # noqa: A002
    """The 2-D histogram of the points ``(x[i], y[i])``.

    Args:
        x, y: the coordinates, 1-D of equal length.
        bins: a static number of bins, a pair of numbers, one edge array for both axes, or
            a pair of edge arrays.
        range: None, or ``[(xlow, xhigh), (ylow, yhigh)]``.
        weights: a weight per point (differentiable).
        density: divide by the total and the bin areas.

    Returns:
        ``(hist, xedges, yedges)``: ``hist[i, j]`` counts points in x-bin i and y-bin j.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> x, y = np.array([0.1, 0.9, 0.8]), np.array([0.1, 0.2, 0.9])
        >>> fnp.histogram2d(x, y, bins=2, range=[(0, 1), (0, 1)])[0].tolist()
        [[1, 0], [1, 1]]
    """
    x, y = promote_dtypes("histogram2d", as_inexact(x), as_inexact(y))
    if len(shape_of(x)) != 1 or shape_of(x) != shape_of(y):
        raise ShapeError(f"fnp.histogram2d: x and y must be 1-D of equal length, got shapes "
                         f"{shape_of(x)} and {shape_of(y)}")
    try:
        entries = len(bins)
    except TypeError:  # a number of bins
        entries = 1
    if entries not in (1, 2):  # one edge array for both axes (NumPy's reading)
        bins = [bins, bins]
    points = lax.concatenate([reshape(x, (-1, 1)), reshape(y, (-1, 1))], 1)
    hist, (xedges, yedges) = histogramdd(points, bins, range, weights, density)
    return hist, xedges, yedges
