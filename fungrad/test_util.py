"""Numerical checks of derivatives, for fungrad's tests and for users' custom rules.

:func:`check_grads` compares forward-mode JVPs with central differences, checks that VJPs
are the transposes of those JVPs (``<u, J v> == <J^T u, v>``), and repeats the checks on the
derivative functions themselves up to ``order``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from fungrad.transforms.api import jvp, vjp
from fungrad.tree_util import tree_flatten, tree_map

__all__ = ["check_grads", "check_jvp", "check_vjp"]

_DEFAULT_EPS = {np.dtype("float64"): 1e-6, np.dtype("float32"): 1e-3}
_DEFAULT_TOL = {np.dtype("float64"): 1e-5, np.dtype("float32"): 2e-2}


def _inexact(x) -> bool:
    return np.asarray(x).dtype.kind in "fc"


def _random_like(rng, tree):
    def draw(x):
        x = np.asarray(x)
        if x.dtype.kind not in "fc":
            from fungrad.dtypes import float0  # noqa: PLC0415

            return np.zeros(x.shape, float0)
        return rng.standard_normal(x.shape).astype(x.dtype)

    return tree_map(draw, tree)


def _axpy(a: float, x, y):
    return tree_map(lambda xi, yi: yi + a * xi if _inexact(yi) else yi, x, y)


def _vdot(x, y) -> float:
    xs, _ = tree_flatten(x)
    ys, _ = tree_flatten(y)
    return float(sum(np.vdot(np.asarray(a), np.asarray(b)).real for a, b in zip(xs, ys)
                     if _inexact(b) and np.asarray(a).dtype.kind in "fc"))


def _tolerance(args, atol, rtol, eps):
    dtypes = [np.asarray(x).dtype for x in tree_flatten(args)[0] if _inexact(x)]
    dtype = np.dtype("float32") if np.dtype("float32") in dtypes else np.dtype("float64")
    return (atol or _DEFAULT_TOL[dtype], rtol or _DEFAULT_TOL[dtype],
            eps or _DEFAULT_EPS[dtype])


def _assert_close(what, actual, expected, atol, rtol):
    a_leaves, a_tree = tree_flatten(actual)
    e_leaves, e_tree = tree_flatten(expected)
    if a_tree != e_tree:
        raise AssertionError(f"{what}: structures differ: {a_tree} vs {e_tree}")
    for i, (a, e) in enumerate(zip(a_leaves, e_leaves)):
        a, e = np.asarray(a), np.asarray(e)
        if e.dtype.kind not in "fc":
            continue
        np.testing.assert_allclose(a, e, atol=atol, rtol=rtol,
                                   err_msg=f"{what} (output leaf {i})")


def check_jvp(f: Callable, args: Sequence, atol=None, rtol=None, eps=None, seed=0) -> None:
    """Check ``jvp(f)`` against a central difference in a random direction."""
    atol, rtol, eps = _tolerance(args, atol, rtol, eps)
    rng = np.random.default_rng(seed)
    tangent = _random_like(rng, tuple(args))
    out, t_out = jvp(f, tuple(args), tangent)
    plus = f(*_axpy(eps, tangent, tuple(args)))
    minus = f(*_axpy(-eps, tangent, tuple(args)))
    numeric = tree_map(lambda p, m: (np.asarray(p) - np.asarray(m)) / (2 * eps)
                       if _inexact(p) else p, plus, minus)
    _assert_close("jvp vs central difference", t_out, numeric, atol, rtol)
    _assert_close("jvp primal output vs f(*args)", out, f(*args), atol, rtol)


def check_vjp(f: Callable, args: Sequence, atol=None, rtol=None, eps=None, seed=0) -> None:
    """Check that ``vjp(f)`` is the transpose of ``jvp(f)`` (checked numerically too)."""
    atol, rtol, eps = _tolerance(args, atol, rtol, eps)
    rng = np.random.default_rng(seed + 1)
    out, pullback = vjp(f, *args)
    tangent = _random_like(rng, tuple(args))
    _, t_out = jvp(f, tuple(args), tangent)
    ct = _random_like(rng, out)
    ct_in = pullback(ct)
    lhs, rhs = _vdot(ct, t_out), _vdot(ct_in, tangent)
    np.testing.assert_allclose(lhs, rhs, atol=atol, rtol=rtol,
                               err_msg="<ct, J t> != <J^T ct, t> (vjp is not jvp's transpose)")
    plus = f(*_axpy(eps, tangent, tuple(args)))
    minus = f(*_axpy(-eps, tangent, tuple(args)))
    numeric = _vdot(ct, tree_map(lambda p, m: (np.asarray(p) - np.asarray(m)) / (2 * eps)
                                 if _inexact(p) else p, plus, minus))
    np.testing.assert_allclose(rhs, numeric, atol=atol * 10, rtol=rtol * 10,
                               err_msg="vjp disagrees with central differences")


def check_grads(f: Callable, args: Sequence, order: int = 2, modes=("fwd", "rev"),
                atol=None, rtol=None, eps=None, seed: int = 0) -> None:
    """Check derivatives of ``f`` at ``args`` against central differences, to ``order``.

    Args:
        f: function of the positional ``args`` (pytrees of arrays) returning arrays.
        args: the point to check at.
        order: 1 checks first derivatives; 2 also checks derivatives of the JVP/VJP
            functions (forward-over-forward, reverse-over-reverse), and so on.
        modes: ``"fwd"`` (JVP) and/or ``"rev"`` (VJP).
        atol, rtol, eps: tolerances and finite-difference step (defaults by dtype).
        seed: seed of the random directions.

    Raises:
        AssertionError: with the mode, order and output leaf that disagree.

    Example:
        >>> import fungrad.numpy as fnp
        >>> check_grads(fnp.sin, (0.5,), order=2)
    """
    args = tuple(args)
    if order < 1:
        return
    rng = np.random.default_rng(seed + 17 * order)
    if "fwd" in modes:
        check_jvp(f, args, atol, rtol, eps, seed)
        tangent = _random_like(rng, args)
        n = len(args)

        def f_jvp(*primals_and_tangents):
            return jvp(f, primals_and_tangents[:n], primals_and_tangents[n:])[1]

        check_grads(f_jvp, args + tangent, order - 1, ("fwd",), atol, rtol, eps, seed + 1)
    if "rev" in modes:
        check_vjp(f, args, atol, rtol, eps, seed)
        out = f(*args)
        ct = _random_like(rng, out)

        def f_vjp(*primals):
            return vjp(f, *primals)[1](ct)

        check_grads(f_vjp, args, order - 1, ("rev",), atol, rtol, eps, seed + 2)
