"""``fungrad.scipy.interpolate``: ``RegularGridInterpolator``, as ``jax.scipy.interpolate``.

Linear and nearest interpolation on a rectilinear grid (each axis strictly increasing, as
JAX requires). A query is located on each axis by ``searchsorted``; the value is a
weighted sum of gathered grid values, so it is differentiable in the query points and in
the grid values, and works under ``vmap`` and ``jit``. Outside the grid the result is
``fill_value``, or, with ``fill_value=None``, the interpolant extended from the edge cells.
The interpolator is a pytree (the grid, values and fill value are its leaves), so it can
be passed into and returned from transformed functions.
"""

from __future__ import annotations

import itertools

import numpy as np

import fungrad.numpy as fnp
from fungrad.errors import ShapeError
from fungrad.tree_util import register_pytree_node

__all__ = ["RegularGridInterpolator"]

NAME = "fungrad.scipy.interpolate.RegularGridInterpolator"
_METHODS = ("linear", "nearest")


def _check_method(method) -> None:
    if method not in _METHODS:
        raise ValueError(f"{NAME}: `method` must be 'linear' or 'nearest', got {method!r}")


def _inexact(values):
    values = fnp.asarray(values)
    if values.dtype.kind in "fc":
        return values
    return values.astype(fnp.result_type(float))


def _query_points(xi, ndim: int):
    """``xi`` as an array ``(..., ndim)``: from one array, or a tuple of coordinate arrays."""
    if isinstance(xi, tuple) and len(xi) == 1:
        xi = xi[0]
    if isinstance(xi, tuple):
        return fnp.stack(fnp.broadcast_arrays(*[fnp.asarray(c) for c in xi]), axis=-1)
    xi = fnp.asarray(xi)
    return xi.reshape(-1, ndim) if xi.ndim == 1 else xi


class RegularGridInterpolator:
    """Interpolate values given on a rectilinear grid at arbitrary points.

    Args:
        points: N 1-D arrays, the grid's (strictly increasing) coordinates on each axis.
        values: an array whose first N axes run along ``points``; trailing axes are
            carried through (values at each point may themselves be arrays).
        method: 'linear' or 'nearest' (the default for calls).
        bounds_error: must be False (as in JAX: no data-dependent error under ``jit``).
        fill_value: the result outside the grid; None extrapolates from the edge cells.

    Calling ``interp(xi, method=None)`` with ``xi`` of shape ``(..., N)`` (or a tuple of N
    coordinate arrays) returns values of shape ``xi.shape[:-1] + values.shape[N:]``.

    Example:
        >>> import numpy as np
        >>> from fungrad.scipy.interpolate import RegularGridInterpolator
        >>> grid = (np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0]))
        >>> values = np.array([[10.0, 20.0, 30.0], [40.0, 50.0, 60.0], [70.0, 80.0, 90.0]])
        >>> interp = RegularGridInterpolator(grid, values)
        >>> interp(np.array([[1.5, 4.5], [2.2, 5.8], [0.0, 5.0]])).tolist()
        [30.0, 64.0, nan]
        >>> interp(np.array([[2.2, 5.8]]), method="nearest").tolist()
        [60.0]
    """

    def __init__(self, points, values, method: str = "linear", bounds_error: bool = False,
                 fill_value=np.nan):
        _check_method(method)
        if bounds_error:
            raise NotImplementedError(f"{NAME}: `bounds_error=True` is not supported (as in "
                                      "JAX: it would be a data-dependent error under jit)")
        values = _inexact(values)
        if len(points) > values.ndim:
            raise ShapeError(f"{NAME}: there are {len(points)} `points` arrays, but `values` "
                             f"has only {values.ndim} axes (shape {tuple(values.shape)})")
        grid = tuple(fnp.asarray(p) for p in points)
        for axis, g in enumerate(grid):
            if g.ndim != 1 or g.shape[0] != values.shape[axis] or g.shape[0] < 2:
                raise ShapeError(f"{NAME}: `points[{axis}]` must be 1-D with "
                                 f"values.shape[{axis}] = {values.shape[axis]} (>= 2) "
                                 f"entries, got shape {tuple(g.shape)}")
        if fill_value is not None:
            fill_value = fnp.asarray(fill_value)
            if fill_value.dtype.kind == "c" and values.dtype.kind != "c":
                raise ValueError(f"{NAME}: `fill_value` of dtype {fill_value.dtype} cannot "
                                 f"fill real `values` of dtype {values.dtype}; pass a real "
                                 "value or None")
        self.method, self.bounds_error = method, bounds_error
        self.grid, self.values, self.fill_value = grid, values, fill_value

    def __call__(self, xi, method: str | None = None):
        """The interpolated values at ``xi`` (see the class docstring)."""
        method = self.method if method is None else method
        _check_method(method)
        ndim = len(self.grid)
        xi = _query_points(xi, ndim)
        if xi.shape[-1] != ndim:
            raise ShapeError(f"{NAME}: the query points `xi` have {xi.shape[-1]} "
                             f"coordinates (shape {tuple(xi.shape)}), but the grid has "
                             f"{ndim} axes")
        lead = xi.shape[:-1]
        flat = xi.reshape(-1, ndim)
        cells, fractions, outside = self._locate(flat)
        if method == "linear":
            result = self._linear(cells, fractions)
        else:
            result = self.values[tuple(fnp.where(f <= 0.5, c, c + 1)
                                       for c, f in zip(cells, fractions))]
        if self.fill_value is not None:
            mask = outside.reshape(outside.shape + (1,) * (result.ndim - 1))
            result = fnp.where(mask, self.fill_value, result)
        return result.reshape(lead + tuple(self.values.shape[ndim:]))

    def _locate(self, flat):
        """Per axis: the cell index of each point, its position in the cell (0 to 1 inside)
        and whether any coordinate lies outside the grid."""
        cells, fractions = [], []
        outside = fnp.zeros(flat.shape[:1], bool)
        for axis, g in enumerate(self.grid):
            x = flat[:, axis]
            cell = fnp.clip(fnp.searchsorted(g, x) - 1, 0, g.shape[0] - 2)
            low, high = g[cell], g[cell + 1]
            cells.append(cell)
            fractions.append((x - low) / (high - low))
            outside = outside | (x < g[0]) | (x > g[-1])
        return cells, fractions, outside

    def _linear(self, cells, fractions):
        trailing = (slice(None),) + (None,) * (self.values.ndim - len(cells))
        total = None
        for corner in itertools.product((0, 1), repeat=len(cells)):
            weight = 1.0
            for upper, f in zip(corner, fractions):
                weight = weight * (f if upper else 1 - f)
            sample = self.values[tuple(c + u for c, u in zip(cells, corner))]
            term = sample * fnp.asarray(weight)[trailing]
            total = term if total is None else total + term
        return total


def _flatten(interp: RegularGridInterpolator):
    return (interp.grid, interp.values, interp.fill_value), (interp.method,
                                                             interp.bounds_error)


def _unflatten(aux, children) -> RegularGridInterpolator:
    # no re-validation: under a transform the leaves may be tracers or placeholders
    interp = object.__new__(RegularGridInterpolator)
    interp.method, interp.bounds_error = aux
    interp.grid, interp.values, interp.fill_value = children
    return interp


register_pytree_node(RegularGridInterpolator, _flatten, _unflatten)
