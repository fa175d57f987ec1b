"""``odeint``: an adaptive Dormand-Prince 5(4) solver, differentiable by the adjoint method.

As ``jax.experimental.ode.odeint``: ``odeint(func, y0, t, *args)`` solves
``dy/dt = func(y, t, *args)`` from ``y(t[0]) = y0`` and returns ``y`` at every time of
``t`` (a pytree with a leading axis of ``len(t)`` on each leaf).

How. Steps are sized by the embedded 4th-order error estimate (RMS norm against
``atol + rtol * max(|y|, |y_new|)``, growth clipped to [0.2, 10]); a step never passes the
next output time, so every output is an accepted step's end point (no interpolation). The
loop is a ``lax.while_loop``, so it runs under ``jit`` and ``vmap``.

The derivative (``custom_vjp``) solves the adjoint system backwards in time: the state
``y``, its cotangent ``a`` and the cotangents of ``t`` and ``args`` are integrated together
from ``t[-1]`` down to ``t[0]`` with ``da/ds = a df/dy`` and ``d(args)/ds = a df/dargs``
(``s`` the reversed time), the output cotangent of each ``t[i]`` added on arrival. Its
accuracy is the solver's (``rtol``/``atol``), not exact to rounding: the test compares it
with finite differences and JAX's. Forward-mode (jvp) is not defined, as in JAX.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np

import fungrad.numpy as fnp
from fungrad import lax
from fungrad.flatten_util import ravel_pytree
from fungrad.transforms.api import vjp
from fungrad.transforms.custom_derivatives import custom_vjp
from fungrad.tree_util import tree_flatten, tree_unflatten

__all__ = ["odeint"]

# The Dormand-Prince 5(4) tableau (Dormand and Prince, 1980): stage times, stage weights,
# the 5th-order solution weights and their difference from the embedded 4th-order ones.
_C = (0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0, 1.0)
_A = (
    (),
    (1 / 5,),
    (3 / 40, 9 / 40),
    (44 / 45, -56 / 15, 32 / 9),
    (19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729),
    (9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656),
    (35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84),
)
_B5 = (35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0.0)
_B4 = (5179 / 57600, 0.0, 7571 / 16695, 393 / 640, -92097 / 339200, 187 / 2100, 1 / 40)
_ERR = tuple(b5 - b4 for b5, b4 in zip(_B5, _B4))


def odeint(func: Callable, y0, t, *args, rtol: float = 1.4e-8, atol: float = 1.4e-8,
           mxstep=np.inf, hmax=np.inf):
    """Solve ``dy/dt = func(y, t, *args)`` with ``y(t[0]) = y0``; ``y`` at each time of ``t``.

    Args:
        func: ``(y, t, *args) -> dy/dt``, ``y`` a pytree like ``y0``.
        y0: the initial state (a pytree of float arrays).
        t: increasing 1-D times; ``t[0]`` is the initial time.
        *args: extra arguments of ``func`` (pytrees of arrays; differentiable).
        rtol, atol: relative and absolute local error tolerances.
        mxstep: the most steps taken between two output times (past it, the remaining
            outputs are nan, as JAX's).
        hmax: the largest step.

    Returns:
        A pytree like ``y0`` whose leaves have a leading axis of ``len(t)``.

    Example:
        >>> import numpy as np
        >>> from fungrad.experimental.ode import odeint
        >>> ys = odeint(lambda y, t, k: -k * y, np.array(1.0), np.array([0.0, 1.0]), 2.0)
        >>> np.round(ys, 6).tolist()  # exp(-2 t)
        [1.0, 0.135335]
    """
    if not callable(func):
        raise TypeError(f"odeint: func must be callable, got {type(func).__name__}")
    t = fnp.asarray(t)
    if t.ndim != 1:
        raise ValueError(f"odeint: t must be 1-D (the output times), got shape {t.shape}")
    for name, value in (("rtol", rtol), ("atol", atol), ("mxstep", mxstep), ("hmax", hmax)):
        if not isinstance(value, (int, float, np.integer, np.floating)) or \
                isinstance(value, bool):
            raise TypeError(f"odeint: {name} must be a Python number (it is static), got "
                            f"{type(value).__name__}")
    for i, leaf in enumerate(tree_flatten(y0)[0]):
        kind = np.dtype(fnp.asarray(leaf).dtype).kind
        if kind != "f":
            raise TypeError(f"odeint: y0 must hold floating arrays; leaf {i} has dtype "
                            f"{fnp.asarray(leaf).dtype} (cast it, e.g. y0.astype(float))")
    flat_y0, unravel = ravel_pytree(y0)
    t = t.astype(flat_y0.dtype) if t.dtype.kind != "f" else t

    def flat_func(y, s, *a):
        return ravel_pytree(func(unravel(y), s, *a))[0].astype(y.dtype)

    options = (float(rtol), float(atol), float(mxstep), float(hmax))
    ys = _odeint(flat_func, options, flat_y0, t, *args)
    return _unravel_rows(unravel, ys)


def _unravel_rows(unravel, ys):
    """The rows of ``ys`` ``[len(t), n]`` as one pytree with a leading time axis."""
    rows = [unravel(ys[i]) for i in range(ys.shape[0])]
    leaves = [tree_flatten(r)[0] for r in rows]
    treedef = tree_flatten(rows[0])[1]
    return tree_unflatten(treedef, [fnp.stack(parts) for parts in zip(*leaves)])


def _rms(x):
    return fnp.sqrt(fnp.mean(fnp.square(x)))


def _step(func, y, f0, s, h, args):
    """One Dormand-Prince step: ``(y_new, f_new, error estimate)``."""
    ks = [f0]
    for i in range(1, 7):
        incr = sum(a * k for a, k in zip(_A[i], ks) if a != 0.0)
        ks.append(func(y + h * incr, s + _C[i] * h, *args))
    y_new = y + h * sum(b * k for b, k in zip(_B5, ks) if b != 0.0)
    err = h * sum(e * k for e, k in zip(_ERR, ks) if e != 0.0)
    return y_new, ks[-1], err


def _initial_step(func, y0, f0, s0, rtol, atol, args):
    """A first step size from the local scale of ``y0`` and ``f0`` (Hairer's heuristic)."""
    scale = atol + fnp.abs(y0) * rtol
    d0, d1 = _rms(y0 / scale), _rms(f0 / scale)
    h0 = fnp.where((d0 < 1e-5) | (d1 < 1e-5), 1e-6, 0.01 * d0 / fnp.where(d1 == 0, 1, d1))
    f1 = func(y0 + h0 * f0, s0 + h0, *args)
    d2 = _rms((f1 - f0) / scale) / h0
    big = fnp.maximum(d1, d2)
    h1 = fnp.where(big <= 1e-15, fnp.maximum(1e-6, h0 * 1e-3),
                   (0.01 / fnp.where(big == 0, 1, big)) ** 0.2)
    return fnp.minimum(100 * h0, h1)


def _integrate(func, options, y0, t, args):
    """``y`` at each time of ``t`` (``[len(t), n]``), stepping forward from ``t[0]``."""
    rtol, atol, mxstep, hmax = options
    f0 = func(y0, t[0], *args)
    h = fnp.minimum(_initial_step(func, y0, f0, t[0], rtol, atol, args), hmax)

    def to_target(carry, target):
        """Accepted steps from ``carry``'s time until exactly ``target``."""
        def keep_going(state):
            _, _, s, _, n = state
            return (s < target) & (n < mxstep)

        def attempt(state):
            y, f, s, h, n = state
            dt = fnp.minimum(h, target - s)
            y_new, f_new, err = _step(func, y, f, s, dt, args)
            tol = atol + rtol * fnp.maximum(fnp.abs(y), fnp.abs(y_new))
            ratio = _rms(err / tol)
            accept = ratio <= 1.0
            safe = fnp.where(ratio == 0, 1.0, ratio)
            factor = fnp.clip(0.9 * safe ** -0.2, 0.2, 10.0)
            factor = fnp.where(ratio == 0, 10.0, factor)
            h_next = fnp.minimum(dt * factor, hmax)
            # a step cut short by the target keeps its planned size for the next interval
            h_next = fnp.where(accept & (dt < h), fnp.maximum(h_next, h), h_next)
            return (fnp.where(accept, y_new, y), fnp.where(accept, f_new, f),
                    fnp.where(accept, s + dt, s), h_next, n + 1)

        y, f, s, h = carry
        y, f, s, h, n = lax.while_loop(keep_going, attempt, (y, f, s, h, fnp.asarray(0.0)))
        y = fnp.where(s < target, fnp.nan, y)  # mxstep reached: as JAX, nan from here
        return (y, f, target, h), y

    _, ys = lax.scan(to_target, (y0, f0, t[0], h), t[1:])
    return fnp.concatenate([y0[None], ys], axis=0)


@partial(custom_vjp, nondiff_argnums=(0, 1))
def _odeint(func, options, y0, t, *args):
    return _integrate(func, options, y0, t, args)


def _odeint_fwd(func, options, y0, t, *args):
    ys = _integrate(func, options, y0, t, args)
    return ys, (ys, t, args)


def _odeint_bwd(func, options, residuals, g):
    ys, t, args = residuals
    n = ys.shape[-1]
    flat_args, unravel_args = ravel_pytree(args)

    def augmented(state, s, *a):
        """The adjoint dynamics in reversed time ``-s``: state ``[y, a, dargs]``."""
        y, adj = state[:n], state[n:2 * n]
        dy, pull = vjp(lambda yy, pp: func(yy, -s, *unravel_args(pp)), y, flat_args)
        a_y, a_p = pull(adj)
        return fnp.concatenate([-dy, a_y, a_p])

    def back(carry, xs):
        """From ``t[i]`` down to ``t[i - 1]``: the adjoint picks up ``g[i]`` first."""
        adj, a_args = carry
        y_i, t_i, t_prev, g_i = xs
        a_t_i = fnp.vdot(func(y_i, t_i, *args), g_i)
        state = fnp.concatenate([y_i, adj + g_i, a_args])
        times = fnp.stack([-t_i, -t_prev])
        # y restarts from the stored forward value at each output time
        out = _integrate(augmented, options, state, times, ())[-1]
        return (out[n:2 * n], out[2 * n:]), a_t_i

    ys, t, g = fnp.asarray(ys), fnp.asarray(t), fnp.asarray(g)
    xs = (ys[1:][::-1], t[1:][::-1], t[:-1][::-1], g[1:][::-1])
    init = (fnp.zeros_like(ys[-1]), fnp.zeros_like(flat_args))
    (adj, a_args), a_t_rev = lax.scan(back, init, xs)
    adj = adj + g[0]
    a_t0 = -fnp.vdot(func(ys[0], t[0], *args), adj)
    a_t = fnp.concatenate([a_t0[None], a_t_rev[::-1]])
    return (adj, a_t, *unravel_args(a_args))


_odeint.defvjp(_odeint_fwd, _odeint_bwd)
