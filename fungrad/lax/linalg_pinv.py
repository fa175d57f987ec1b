"""The pinv primitive: the Moore-Penrose pseudo-inverse, with its own derivative rule.

Differentiating through an SVD breaks where singular values repeat (the singular vectors
are not unique there, and the SVD's JVP divides by ``s_i^2 - s_j^2``), yet the
pseudo-inverse is smooth wherever the rank is constant. Its derivative (Golub and Pereyra,
1973) needs only ``P = pinv(A)`` itself:

    dP = -P dA P + P P^H dA^H (I - A P) + (I - P A) dA^H P^H P

The first term is the derivative of an inverse; the other two account for the parts of
``dA`` outside ``A``'s row and column spaces (both vanish for invertible ``A``). The rule
uses lax products and ``pinv`` again, so it composes to any order; at a change of rank the
pseudo-inverse is discontinuous and no rule applies.
"""

from __future__ import annotations

__all__ = ["pinv_p"]

from fungrad.array_module import get_array_module
from fungrad.core import Primitive, ShapedArray
from fungrad.interpreters.batching import batching_rules, move_axis
from fungrad.interpreters.jvp import jvp_rules
from fungrad.lax.elementwise import add, neg, sub
from fungrad.lax.linalg import _check_matrices, matmul, matrix_adjoint

pinv_p = Primitive("pinv")


def pinv(a, rtol: float):
    """Pseudo-inverse ``(..., n, m)`` of matrices ``a (..., m, n)``: singular values at or
    below ``rtol`` times the largest are treated as zero."""
    return pinv_p.bind(a, rtol=float(rtol))


def _pinv_impl(a, *, rtol):
    xp = get_array_module(a)
    a = xp.asarray(a)
    *batch, m, n = a.shape
    if m == 0 or n == 0:
        return xp.zeros((*batch, n, m), a.dtype)
    return xp.linalg.pinv(a, rcond=rtol).astype(a.dtype, copy=False)


def _pinv_abstract_eval(a: ShapedArray, *, rtol):
    _check_matrices("pinv", a, square=False)
    return ShapedArray((*a.shape[:-2], a.shape[-1], a.shape[-2]), a.dtype)


def _pinv_jvp(primals, tangents, *, rtol):
    (a,), (da,) = primals, tangents
    p = pinv(a, rtol)
    da_h, p_h = matrix_adjoint(da), matrix_adjoint(p)
    left = matmul(matmul(p, p_h), da_h)  # P P^H dA^H
    right = matmul(matmul(da_h, p_h), p)  # dA^H P^H P
    dp = neg(matmul(matmul(p, da), p))
    dp = add(dp, sub(left, matmul(matmul(left, a), p)))  # ... (I - A P)
    dp = add(dp, sub(right, matmul(p, matmul(a, right))))  # (I - P A) ...
    return p, dp


def _pinv_batch(vals, dims, *, rtol):
    (a,), (d,) = vals, dims
    return pinv_p.bind(move_axis(a, d, 0), rtol=rtol), 0


pinv_p.def_impl(_pinv_impl)
pinv_p.def_abstract_eval(_pinv_abstract_eval)
jvp_rules[pinv_p] = _pinv_jvp
batching_rules[pinv_p] = _pinv_batch
