"""The eig primitive: eigenvalues and right eigenvectors of general square matrices.

``A V = V diag(w)``. Values are always complex (complex64 from float32, complex128 from
float64), as in JAX, even when every eigenvalue of a real matrix is real. Each eigenvector
(a column of ``V``) is normalised the way LAPACK's geev leaves it: unit 2-norm and a real
largest-magnitude component.

Differentiation (nondegenerate perturbation theory, eigenvalues distinct): with
``P = V^-1 dA V``,

* ``dw = diag(P)``;
* ``dV = V (F o P) + V diag(c)`` with ``F_ij = 1 / (w_j - w_i)`` off the diagonal and 0 on
  it. The eigenvalue equation leaves each ``dv_j`` free along ``v_j`` (the ``c_j``); the
  normalisation fixes it: ``Re(v_j^H dv_j) = 0`` keeps the norm, and ``Im(dv_kj) = 0`` at
  ``k = argmax_i |v_ij|`` keeps that component real, so with ``u_j = (V (F o P))_j``,
  ``c_j = -Re(v_j^H u_j) - i Im(u_kj) / v_kj``.

Both are written with lax operations (the solve, products, masks), so derivatives of every
order come from applying the rule again, and reverse mode from transposing it.
"""

from __future__ import annotations

import numpy as np

__all__ = ["eig_p"]

from fungrad import core
from fungrad.array_module import on_host
from fungrad.core import Primitive, ShapedArray
from fungrad.dtypes import complex_dtype, real_dtype
from fungrad.interpreters.batching import batching_rules, move_axis
from fungrad.interpreters.jvp import jvp_rules
from fungrad.lax.comparison import convert_element_type, eq
from fungrad.lax.complex_parts import complex as complex_from_parts
from fungrad.lax.complex_parts import conj, imag, real
from fungrad.lax.creation import broadcasted_iota
from fungrad.lax.elementwise import abs as lax_abs
from fungrad.lax.elementwise import add, div, mul, neg
from fungrad.lax.linalg import (
    _check_matrices,
    _diag_part,
    _pairwise_inverse_gaps,
    _scale_columns,
    matmul,
    solve,
)
from fungrad.lax.reductions import argmax, reduce_sum
from fungrad.lax.shape_ops import broadcast_in_dim

eig_p = Primitive("eig", multiple_results=True)


def eig(a, compute_eigenvectors: bool = True):
    """Eigenvalues ``w (..., n)`` and right eigenvectors ``v (..., n, n)`` (columns) of
    square matrices ``a``; both complex. Non-finite inputs give NaNs, as in JAX.

    With ``compute_eigenvectors=False`` only ``[w]`` is returned, and derivatives skip the
    eigenvector terms (which hold ``1 / (w_j - w_i)``: infinite at repeated eigenvalues,
    where the eigenvalues themselves still have derivatives).
    """
    return eig_p.bind(a, compute_eigenvectors=bool(compute_eigenvectors))


@on_host  # CuPy has no general (non-Hermitian) eigensolver: LAPACK's geev on the host
def _eig_impl(a, *, compute_eigenvectors):
    # Always LAPACK's geev with vectors: without them it may order the eigenvalues
    # differently, and the JVP (which needs the vectors) must see the same w.
    a = np.asarray(a)
    out = complex_dtype(real_dtype(a.dtype))
    try:
        w, v = np.linalg.eig(a)
    except np.linalg.LinAlgError:  # non-finite entries or no convergence
        w, v = np.full(a.shape[:-1], np.nan, out), np.full(a.shape, np.nan, out)
    w, v = w.astype(out, copy=False), v.astype(out, copy=False)
    return [w, v] if compute_eigenvectors else [w]


def _eig_abstract_eval(a: ShapedArray, *, compute_eigenvectors):
    _check_matrices("eig", a)
    out = complex_dtype(real_dtype(a.dtype))
    w = ShapedArray(a.shape[:-1], out)
    return [w, ShapedArray(a.shape, out)] if compute_eigenvectors else [w]


def _eig_jvp(primals, tangents, *, compute_eigenvectors):
    (a,), (da,) = primals, tangents
    w, v = eig(a)
    dtype = core.get_aval(v).dtype
    da = da if core.get_aval(da).dtype == dtype else convert_element_type(da, dtype)
    p = matmul(solve(v, da), v)  # V^-1 dA V
    if not compute_eigenvectors:
        return [w], [_diag_part(p)]
    u = matmul(v, mul(_pairwise_inverse_gaps(w), p))
    return [w, v], [_diag_part(p), add(u, _scale_columns(v, _normalising_shift(v, u)))]


def _normalising_shift(v, u):
    """The ``c_j`` that keep each ``v_j + u_j + c_j v_j`` of unit norm with its largest
    component real (see the module docstring)."""
    shape = core.shape_of(v)
    nd = len(shape)
    rows = nd - 2
    largest = argmax(lax_abs(v), rows)  # which component LAPACK made real, per column
    at_largest = eq(broadcasted_iota(np.int64, shape, rows),
                    broadcast_in_dim(largest, shape, tuple(range(rows)) + (nd - 1,)))
    mask = convert_element_type(at_largest, core.get_aval(v).dtype)
    re = neg(real(reduce_sum(mul(conj(v), u), (rows,))))
    im = neg(div(imag(reduce_sum(mul(mask, u), (rows,))), real(reduce_sum(mul(mask, v), (rows,)))))
    return complex_from_parts(re, im)


def _eig_batch(vals, dims, *, compute_eigenvectors):
    (a,), (d,) = vals, dims
    out = eig_p.bind(move_axis(a, d, 0), compute_eigenvectors=compute_eigenvectors)
    return out, [0] * len(out)


eig_p.def_impl(_eig_impl)
eig_p.def_abstract_eval(_eig_abstract_eval)
jvp_rules[eig_p] = _eig_jvp
batching_rules[eig_p] = _eig_batch
