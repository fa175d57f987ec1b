"""``fungrad.scipy.integrate``: ``trapezoid``, like ``jax.scipy.integrate``; also ``odeint``
(``fungrad.experimental.ode.odeint``, as SciPy has one here)."""

from __future__ import annotations

import numpy as np  # noqa: F401  (doctests)

import fungrad.numpy as fnp
from fungrad.errors import ShapeError
from fungrad.experimental.ode import odeint  # noqa: F401 (jax.experimental.ode's, also here)

__all__ = ["trapezoid"]  # odeint: jax.experimental.ode's, not jax.scipy's


def trapezoid(y, x=None, dx=1.0, axis: int = -1):
    """The trapezoidal rule along ``axis``: ``sum((y[1:] + y[:-1]) / 2 * diff(x))``.

    Args:
        y: the samples.
        x: the sample points (1-D of ``y.shape[axis]`` entries, or ``y``'s shape); by default
            spaced ``dx`` apart.
        dx: the spacing when ``x`` is None.
        axis: the axis to integrate along.
    Returns:
        ``y`` integrated along ``axis`` (that axis removed).

    >>> float(trapezoid(np.array([1.0, 2.0, 3.0]), dx=0.5))
    2.0
    """
    y = fnp.asarray(y)
    if y.ndim == 0:
        raise ShapeError("fungrad.scipy.integrate.trapezoid: `y` must have at least one "
                         "axis, got a rank-0 value")
    y = fnp.moveaxis(y, axis, -1)
    if x is None:
        widths = dx
    else:
        x = fnp.asarray(x)
        if x.ndim == 1:
            if x.shape[0] != y.shape[-1]:
                raise ShapeError(f"fungrad.scipy.integrate.trapezoid: `x` has "
                                 f"{x.shape[0]} points but `y` has {y.shape[-1]} along axis "
                                 f"{axis} (y shape {fnp.shape(y)})")
        else:
            x = fnp.moveaxis(x, axis, -1)
        widths = x[..., 1:] - x[..., :-1]
    return fnp.sum(0.5 * (y[..., 1:] + y[..., :-1]) * widths, axis=-1)
