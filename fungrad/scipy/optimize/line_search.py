"""The strong-Wolfe line search behind `minimize` (as jax.scipy.optimize's, step for step).

Along the direction ``p`` from ``x`` it looks for a step ``a`` with

- sufficient decrease: ``f(x + a p) <= f(x) + c1 a <grad f(x), p>``;
- small curvature: ``|<grad f(x + a p), p>| <= -c2 <grad f(x), p>``.

Nocedal and Wright's Algorithm 3.5: the first trial is 1 (or, given the value before the
last step, the step that would repeat its decrease, when that is below 1), and each next
trial doubles. A trial that fails the decrease test, or does not lower the value, closes
an interval ``[previous, trial]``; one with a non-negative slope closes ``[trial,
previous]``. Algorithm 3.6 ("zoom") then shrinks the interval, trying the minimiser of a
cubic through both ends and the last end replaced (from the second trial on, kept only
inside the middle 60%), else of a quadratic (the middle 80%), else the midpoint.

The counters, limits and failure rules are JAX's, so that `minimize` reports the same
``nit``/``nfev``/``status``: the zoom fails after 30 trials or once its interval (signed
as ``a_hi - a_lo``, so an interval whose high end lies below its low end fails on its next
trial) is below 1e-10 (1e-5 below 64 bits), and the search fails after `maxiter` trials.
A zoom that fails before any trial met both conditions returns step 1 with its low end's
value and the start's gradient, as JAX's does; `minimize` stops on the failure. Every
trial is one ``value_and_grad``; the loops are `lax.while_loop`, so the search runs under
`jit` and `vmap`. The interpolants are the guarded ones of `fungrad.optim.zoom_linesearch`
(no warnings on degenerate intervals).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

import fungrad.numpy as fnp
from fungrad import lax
from fungrad.optim.leafwise import tree_select
from fungrad.optim.zoom_linesearch import _cubic_minimiser, _inside, _quadratic_minimiser
from fungrad.transforms.api import value_and_grad

__all__ = ["LineSearchResults", "line_search"]

ZOOM_MAX_TRIALS = 30


class LineSearchResults(NamedTuple):
    """The step found, the objective's value and gradient there, and the search's record.

    ``status`` is 0 (both conditions met), 1 (the zoom failed) or 3 (`maxiter` trials).
    """

    failed: Any
    nfev: Any
    stepsize: Any
    value: Any
    grad: Any
    status: Any


class _Line(NamedTuple):
    """What one search holds fixed: the restricted objective and its start."""

    evaluate: Callable  # a -> (phi(a), phi'(a), grad f(x + a p))
    value0: Any
    slope0: Any
    c1: float
    c2: float
    dtype: np.dtype

    def too_high(self, a, value):
        """Not the sufficient-decrease condition."""
        return value > self.value0 + self.c1 * _step_times(a, self.slope0)

    def flat(self, slope):
        """The curvature condition."""
        return fnp.abs(slope) <= -self.c2 * self.slope0


class _Zoom(NamedTuple):
    done: Any
    failed: Any
    j: Any
    a_lo: Any
    phi_lo: Any
    dphi_lo: Any
    a_hi: Any
    phi_hi: Any
    dphi_hi: Any
    a_rec: Any  # the end replaced last: the cubic's third point
    phi_rec: Any
    a_star: Any
    phi_star: Any
    dphi_star: Any
    g_star: Any
    nfev: Any


class _Search(NamedTuple):
    done: Any
    failed: Any
    i: Any
    a_prev: Any
    phi_prev: Any
    dphi_prev: Any
    nfev: Any
    a_star: Any
    phi_star: Any
    dphi_star: Any
    g_star: Any


def _zoom_trial(z: _Zoom) -> Any:
    """Algorithm 3.6's next trial: cubic, else quadratic, else the midpoint."""
    width = z.a_hi - z.a_lo
    left, right = fnp.minimum(z.a_lo, z.a_hi), fnp.maximum(z.a_lo, z.a_hi)
    cubic, ok = _cubic_minimiser(z.a_lo, z.phi_lo, z.dphi_lo, z.a_hi, z.phi_hi, z.a_rec,
                                 z.phi_rec)
    use_cubic = (z.j > 0) & _inside(cubic, ok, left, right, 0.2 * width)
    quad, ok = _quadratic_minimiser(z.a_lo, z.phi_lo, z.dphi_lo, z.a_hi, z.phi_hi)
    use_quad = _inside(quad, ok, left, right, 0.1 * width)
    middle = (z.a_lo + z.a_hi) / 2.0
    return fnp.where(use_cubic, cubic, fnp.where(use_quad, quad, middle))


def _zoom_step(line: _Line, z: _Zoom) -> _Zoom:
    # JAX compares the signed width: once the high end lies below the low end (a zoom
    # opened by a trial with a non-negative slope, or after the ends swap), the zoom fails
    # after its next trial. Kept, so that minimize's status and counts are JAX's.
    threshold = 1e-10 if line.dtype.itemsize >= 8 else 1e-5
    failed = z.failed | (z.a_hi - z.a_lo <= threshold)
    a = fnp.asarray(_zoom_trial(z), dtype=line.dtype)
    phi, dphi, g = line.evaluate(a)
    new_hi = line.too_high(a, phi) | (phi >= z.phi_lo)
    accept = line.flat(dphi) & ~new_hi
    lo_to_hi = (dphi * (z.a_hi - z.a_lo) >= 0.0) & ~new_hi & ~accept
    new_lo = ~new_hi & ~accept
    trial, lo, hi = (a, phi, dphi), (z.a_lo, z.phi_lo, z.dphi_lo), (z.a_hi, z.phi_hi, z.dphi_hi)
    hi_next = tree_select(new_hi, trial, tree_select(lo_to_hi, lo, hi))
    rec_next = tree_select(new_hi | lo_to_hi, hi[:2],
                           tree_select(new_lo, lo[:2], (z.a_rec, z.phi_rec)))
    lo_next = tree_select(new_lo, trial, lo)
    star = tree_select(accept, (a, phi, dphi, g), (z.a_star, z.phi_star, z.dphi_star, z.g_star))
    return _Zoom(z.done | accept, failed | (z.j + 1 >= ZOOM_MAX_TRIALS), z.j + 1, *lo_next,
                 *hi_next, *rec_next, *star, z.nfev + 1)


def _zoom(line: _Line, lo: tuple, hi: tuple, grad0: Any, skip: Any) -> _Zoom:
    """Shrink ``[lo, hi]`` (each ``(a, phi, dphi)``) to a step meeting both conditions;
    no trial at all where `skip` holds."""
    cast = lambda v: fnp.asarray(v, dtype=line.dtype)  # noqa: E731
    # A skipped zoom keeps its start, but a batched search steps it while other lanes
    # zoom: finite ends there, since an infinite first trial would make inf - inf.
    unit = (cast(0.0), line.value0, line.slope0), (cast(1.0), line.value0, line.slope0)
    lo, hi = tree_select(skip, unit[0], lo), tree_select(skip, unit[1], hi)
    start = _Zoom(
        done=fnp.asarray(False), failed=fnp.asarray(False), j=fnp.asarray(0),
        a_lo=cast(lo[0]), phi_lo=cast(lo[1]), dphi_lo=cast(lo[2]),
        a_hi=cast(hi[0]), phi_hi=cast(hi[1]), dphi_hi=cast(hi[2]),
        a_rec=cast((lo[0] + hi[0]) / 2.0), phi_rec=cast((lo[1] + hi[1]) / 2.0),
        a_star=cast(1.0), phi_star=cast(lo[1]), dphi_star=cast(lo[2]), g_star=grad0,
        nfev=fnp.asarray(0),
    )
    return lax.while_loop(lambda z: ~z.done & ~skip & ~z.failed,
                          lambda z: _zoom_step(line, z), start)


def _search_step(line: _Line, grad0: Any, start_value: Any, s: _Search) -> _Search:
    """Algorithm 3.5: one trial, then a zoom when it closes an interval."""
    a = fnp.asarray(fnp.where(s.i == 1, start_value, 2.0 * s.a_prev), dtype=line.dtype)
    phi, dphi, g = line.evaluate(a)
    zoom_up = line.too_high(a, phi) | ((phi >= s.phi_prev) & (s.i > 1))
    accept = line.flat(dphi) & ~zoom_up
    zoom_down = (dphi >= 0.0) & ~zoom_up & ~accept
    trial, prev = (a, phi, dphi), (s.a_prev, s.phi_prev, s.dphi_prev)
    zoom = _zoom(line, tree_select(zoom_up, prev, trial), tree_select(zoom_up, trial, prev),
                 grad0, ~(zoom_up | zoom_down))
    zoomed = zoom_up | zoom_down
    star = tree_select(zoomed, (zoom.a_star, zoom.phi_star, zoom.dphi_star, zoom.g_star),
                       tree_select(accept, (a, phi, dphi, g),
                                   (s.a_star, s.phi_star, s.dphi_star, s.g_star)))
    return _Search(s.done | zoomed | accept, s.failed | (zoomed & zoom.failed), s.i + 1,
                   a, phi, dphi, s.nfev + 1 + zoom.nfev, *star)


def _step_times(a: Any, v: Any) -> Any:
    """``a * v``, whose infinite step times a zero is nan without NumPy's warning.

    A zero slope makes `_first_step` infinite (as JAX's); the gradient is then often zero
    too (a converged lane that a batched `minimize` keeps stepping, or ``gtol=0``).
    """
    degenerate = fnp.isinf(a) & (v == 0.0)
    return fnp.where(degenerate, np.nan, a * fnp.where(degenerate, 1.0, v))


def _first_step(value0: Any, slope0: Any, previous_value: Any, dtype: np.dtype) -> Any:
    """1, or (below 1) the step that repeats the last decrease: ``2.02 (f0 - f_prev) / slope``."""
    if previous_value is None:
        return fnp.asarray(1.0, dtype=dtype)
    ok = slope0 != 0.0
    change = value0 - previous_value
    guess = 1.01 * 2 * change / fnp.where(ok, slope0, 1.0)
    # a zero slope divides to +-inf or nan, as JAX's does (here without a warning)
    guess = fnp.where(ok, guess, fnp.where(change == 0.0, np.nan,
                                           fnp.where(change > 0.0, np.inf, -np.inf)))
    return fnp.asarray(fnp.where(guess > 1, 1.0, guess), dtype=dtype)


def line_search(fun: Callable, x: Any, p: Any, value0: Any, grad0: Any,
                previous_value: Any = None, *, maxiter: int = 20, c1: float = 1e-4,
                c2: float = 0.9) -> LineSearchResults:
    """A step along `p` from `x` meeting the strong Wolfe conditions (see the module).

    Args:
      fun: the objective of the 1-D array `x`.
      x, p: the start and the direction (1-D arrays of one real floating dtype).
      value0, grad0: ``fun(x)`` and its gradient.
      previous_value: the value before the last step (sets the first trial), or None.
      maxiter: the most trials of Algorithm 3.5 (each zoom adds its own).
      c1, c2: the decrease and curvature constants.

    Returns:
      `LineSearchResults`; ``nfev`` counts the ``value_and_grad`` calls.

    Example:
        >>> import numpy as np
        >>> fun = lambda x: ((x - 3.0) ** 2).sum()
        >>> x = np.zeros(1)
        >>> r = line_search(fun, x, np.ones(1), fun(x), -6.0 * np.ones(1))
        >>> float(r.stepsize), float(r.value), int(r.nfev), int(r.status)
        (1.0, 4.0, 1, 0)
    """
    dtype = np.dtype(p.dtype)
    vg = value_and_grad(fun)

    def evaluate(a):
        value, grad = vg(x + _step_times(a, p))
        grad = fnp.asarray(grad, dtype=dtype)
        return fnp.asarray(value, dtype=dtype), fnp.asarray(fnp.dot(grad, p), dtype=dtype), grad

    value0 = fnp.asarray(value0, dtype=dtype)
    slope0 = fnp.asarray(fnp.dot(grad0, p), dtype=dtype)
    line = _Line(evaluate, value0, slope0, c1, c2, dtype)
    zero = fnp.asarray(0.0, dtype=dtype)
    start = _Search(fnp.asarray(False), fnp.asarray(False), fnp.asarray(1), zero, value0,
                    slope0, fnp.asarray(0), zero, value0, slope0, grad0)
    first = _first_step(value0, slope0, previous_value, dtype)
    end = lax.while_loop(lambda s: ~s.done & (s.i <= maxiter) & ~s.failed,
                         lambda s: _search_step(line, grad0, first, s), start)
    status = fnp.where(end.failed, 1, fnp.where(end.i > maxiter, 3, 0))
    stepsize = end.a_star
    if dtype.itemsize != 8:  # JAX's floor, so that 32-bit runs do not stall
        stepsize = fnp.where(fnp.abs(stepsize) < 1e-8, fnp.sign(stepsize) * 1e-8, stepsize)
    return LineSearchResults(end.failed | ~end.done, end.nfev, fnp.asarray(stepsize, dtype=dtype),
                             end.phi_star, end.g_star, status)
