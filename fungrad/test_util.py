"""Numerical checks of derivatives, for fungrad's tests and for users' custom rules.

:func:`check_grads` compares forward-mode JVPs with central differences, checks that VJPs
are the transposes of those JVPs (``<u, J v> == <J^T u, v>``), and repeats the checks on the
derivative functions themselves up to ``order``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from fungrad.dtypes import float0, is_inexact, real_dtype
from fungrad.transforms.api import jvp, vjp
from fungrad.tree_util import tree_flatten, tree_map

__all__ = ["check_grads", "check_jvp", "check_vjp"]

_DEFAULT_EPS = {np.dtype("float64"): 1e-6, np.dtype("float32"): 1e-3}
_DEFAULT_TOL = {np.dtype("float64"): 1e-5, np.dtype("float32"): 2e-2}


def _inexact(x) -> bool:
    return is_inexact(np.asarray(x).dtype)


def _random_like(rng, tree, part: str = "real"):
    """Random directions like ``tree``: float0 zeros for integer leaves; for complex leaves
    a real (``part="real"``), purely imaginary (``"imag"``) or general (``"both"``) one."""

    def draw(x):
        x = np.asarray(x)
        if not is_inexact(x.dtype):
            return np.zeros(x.shape, float0)
        values = rng.standard_normal(x.shape)
        if x.dtype.kind == "c" and part == "imag":
            values = 1j * values
        elif x.dtype.kind == "c" and part == "both":
            values = values + 1j * rng.standard_normal(x.shape)
        return values.astype(x.dtype)

    return tree_map(draw, tree)


def _directions(args) -> tuple[str, ...]:
    """Finite differences run along real directions, and imaginary ones for complex inputs."""
    complex_in = any(np.asarray(x).dtype.kind == "c" for x in tree_flatten(args)[0])
    return ("real", "imag") if complex_in else ("real",)


def _axpy(a: float, x, y):
    return tree_map(lambda xi, yi: yi + a * xi if _inexact(yi) else yi, x, y)


def _vdot(x, y) -> float:
    """``Re(sum(x * y))`` over leaves: the bilinear pairing (no conjugation) under which
    fungrad's VJPs, like JAX's, are the transposes of its JVPs."""
    xs, _ = tree_flatten(x)
    ys, _ = tree_flatten(y)
    return float(sum(np.sum(np.asarray(a) * np.asarray(b)).real for a, b in zip(xs, ys)
                     if _inexact(b) and is_inexact(np.asarray(a).dtype)))


def _central_difference(f, args, tangent, eps):
    plus = f(*_axpy(eps, tangent, args))
    minus = f(*_axpy(-eps, tangent, args))
    return tree_map(lambda p, m: (np.asarray(p) - np.asarray(m)) / (2 * eps)
                    if _inexact(p) else p, plus, minus)


def _tolerance(args, atol, rtol, eps):
    dtypes = [real_dtype(np.asarray(x).dtype) for x in tree_flatten(args)[0] if _inexact(x)]
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
        if not is_inexact(e.dtype):
            continue
        np.testing.assert_allclose(a, e, atol=atol, rtol=rtol,
                                   err_msg=f"{what} (output leaf {i})")


def check_jvp(f: Callable, args: Sequence, atol=None, rtol=None, eps=None, seed=0) -> None:
    """Check ``jvp(f)`` against central differences in random directions.

    Complex inputs are checked along a real and along an imaginary direction.
    """
    atol, rtol, eps = _tolerance(args, atol, rtol, eps)
    args = tuple(args)
    rng = np.random.default_rng(seed)
    for part in _directions(args):
        tangent = _random_like(rng, args, part)
        out, t_out = jvp(f, args, tangent)
        numeric = _central_difference(f, args, tangent, eps)
        _assert_close(f"jvp vs central difference ({part} direction)", t_out, numeric,
                      atol, rtol)
    _assert_close("jvp primal output vs f(*args)", out, f(*args), atol, rtol)


def check_vjp(f: Callable, args: Sequence, atol=None, rtol=None, eps=None, seed=0) -> None:
    """Check ``vjp(f)`` against central differences: ``<ct, J t> == <J^T ct, t>``.

    Only reverse mode and evaluations of ``f`` run (no JVP), so functions with a
    ``custom_vjp`` can be checked. Complex inputs are checked along real and imaginary
    directions; cotangents of complex outputs have both parts random.
    """
    _check_vjp(f, tuple(args), _tolerance(args, atol, rtol, eps), seed, against_jvp=False)


def _check_vjp(f, args, tolerance, seed, against_jvp: bool) -> None:
    """check_vjp; with ``against_jvp`` also ``<ct, jvp(t)> == <vjp(ct), t>`` tightly."""
    atol, rtol, eps = tolerance
    rng = np.random.default_rng(seed + 1)
    out, pullback = vjp(f, *args)
    tangents = [_random_like(rng, args, part) for part in _directions(args)]
    ct = _random_like(rng, out, "both")
    ct_in = pullback(ct)
    for part, tangent in zip(_directions(args), tangents):
        rhs = _vdot(ct_in, tangent)
        if against_jvp:
            lhs = _vdot(ct, jvp(f, args, tangent)[1])
            np.testing.assert_allclose(lhs, rhs, atol=atol, rtol=rtol, err_msg=(
                f"<ct, J t> != <J^T ct, t> along a {part} t (vjp is not jvp's transpose)"))
        numeric = _vdot(ct, _central_difference(f, args, tangent, eps))
        np.testing.assert_allclose(rhs, numeric, atol=atol * 10, rtol=rtol * 10,
                                   err_msg=f"vjp disagrees with central differences "
                                           f"({part} direction)")


def check_grads(f: Callable, args: Sequence, order: int = 2, modes=("fwd", "rev"),
                atol=None, rtol=None, eps=None, seed: int = 0) -> None:
    """Check derivatives of ``f`` at ``args`` against central differences, to ``order``.

    Args:
        f: function of the positional ``args`` (pytrees of arrays) returning arrays.
        args: the point to check at.
        order: 1 checks first derivatives; 2 also checks derivatives of the JVP/VJP
            functions (forward-over-forward, reverse-over-reverse), and so on.
        modes: ``"fwd"`` (JVP) and/or ``"rev"`` (VJP). ``modes=("rev",)`` never runs
            forward mode, so it checks ``custom_vjp`` functions (which have no JVP).
        atol, rtol, eps: tolerances and finite-difference step (defaults by dtype).
        seed: seed of the random directions.

    Complex inputs are perturbed along real and imaginary directions; VJPs are checked as
    the transposes of JVPs under the pairing ``Re(sum(a * b))``, JAX's convention.

    Raises:
        AssertionError: with the mode, order and output leaf that disagree.

    Example:
        >>> import fungrad.numpy as fnp
        >>> check_grads(fnp.sin, (0.5,), order=2)
    """
    _check_grads(f, tuple(args), order, modes, (atol, rtol, eps), seed, "fwd" in modes)


def _check_grads(f, args, order, modes, tols, seed, against_jvp: bool) -> None:
    if order < 1:
        return
    rng = np.random.default_rng(seed + 17 * order)
    if "fwd" in modes:
        check_jvp(f, args, *tols, seed)
        tangent = _random_like(rng, args, "both")
        n = len(args)

        def f_jvp(*primals_and_tangents):
            return jvp(f, primals_and_tangents[:n], primals_and_tangents[n:])[1]

        _check_grads(f_jvp, args + tangent, order - 1, ("fwd",), tols, seed + 1, False)
    if "rev" in modes:
        _check_vjp(f, args, _tolerance(args, *tols), seed, against_jvp)
        out = f(*args)
        ct = _random_like(rng, out, "both")

        def f_vjp(*primals):
            return vjp(f, *primals)[1](ct)

        _check_grads(f_vjp, args, order - 1, ("rev",), tols, seed + 2, against_jvp)
