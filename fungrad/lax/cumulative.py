"""Cumulative primitives along one axis: cumsum, cumprod, cummax, cummin.

Each takes ``axis`` (non-negative) and ``reverse`` (accumulate from the end) params and
keeps the operand's shape and dtype. ``cumsum`` is linear (its transpose is the reversed
cumsum); the others have JVPs written with lax operations, so they compose to any order.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "cumsum_p",
    "cumsum",
    "cumprod_p",
    "cumprod",
    "cummax_p",
    "cummax",
    "cummin_p",
    "cummin",
]

from fungrad import dtypes
from fungrad.array_module import get_array_module
from fungrad.core import Primitive, ShapedArray, Tracer, shape_of
from fungrad.errors import ShapeError
from fungrad.interpreters.jvp import Zero, jvp_rules
from fungrad.interpreters.linearize import deflinear
from fungrad.lax.comparison import (
    convert_element_type,
    eq,
    ne,
    select_n,
)
from fungrad.lax.elementwise import (
    _zeros_as,
    add,
    bitwise_or,
    div,
    mul,
    sub,
)
from fungrad.lax.gather_scatter import take_along_axis
from fungrad.lax.sorting import positions_along, shift_along


def _accumulated(np_scan, x, axis):
    """``np_scan`` in the accumulation dtype (float32 for 16-bit floats, as in JAX)."""
    acc = dtypes.accumulation_dtype(x.dtype)
    xp = get_array_module(x)
    out = (np_scan if xp is np else getattr(xp, np_scan.__name__))(x, axis=axis, dtype=acc)
    return out if acc == x.dtype else out.astype(x.dtype)


def _cumulative_primitive(name: str, accumulate) -> Primitive:
    """A primitive applying NumPy's ``accumulate`` along an axis (reversed on request)."""

    def impl(x, *, axis, reverse):
        if not reverse:
            return accumulate(x, axis)
        xp = get_array_module(x)
        flipped = xp.flip(x, axis)
        return xp.flip(accumulate(flipped, axis), axis)

    def abstract_eval(x, *, axis, reverse):
        if not 0 <= axis < x.ndim:
            raise ShapeError(f"{name}: axis {axis} is out of range for an operand of shape "
                             f"{x.shape}; pass 0 <= axis < {x.ndim}")
        return ShapedArray(x.shape, x.dtype, x.weak_type)

    prim = Primitive(name)
    prim.def_impl(impl)
    prim.def_abstract_eval(abstract_eval)
    return prim


def _canonical(x, axis: int) -> int:
    axis = int(axis)
    return axis + len(shape_of(x)) if axis < 0 else axis


# The explicit dtype stops NumPy from widening small integers (like lax, the dtype is kept).
cumsum_p = _cumulative_primitive(
    "cumsum", lambda x, axis: _accumulated(np.cumsum, x, axis))
cumprod_p = _cumulative_primitive(
    "cumprod", lambda x, axis: _accumulated(np.cumprod, x, axis))
cummax_p = _cumulative_primitive(
    "cummax", lambda x, axis: get_array_module(x).maximum.accumulate(x, axis=axis))
cummin_p = _cumulative_primitive(
    "cummin", lambda x, axis: get_array_module(x).minimum.accumulate(x, axis=axis))


def cumsum(operand, axis: int = 0, reverse: bool = False):
    """Cumulative sum of ``operand`` along ``axis`` (from the end if ``reverse``).

    Args:
        x: the operand (rank >= 1).
        axis: the axis to accumulate along (negative counts from the end).
        reverse: accumulate from the last element toward the first.

    Returns:
        An array of ``operand``'s shape and dtype.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.cumsum(np.array([1.0, 2.0, 3.0, 4.0]))
        array([ 1.,  3.,  6., 10.])
        >>> lax.cumsum(np.array([1.0, 2.0, 3.0, 4.0]), reverse=True)
        array([10.,  9.,  7.,  4.])
    """
    return cumsum_p.bind(operand, axis=_canonical(operand, axis), reverse=bool(reverse))


def cumprod(operand, axis: int = 0, reverse: bool = False):
    """Cumulative product of ``operand`` along ``axis`` (from the end if ``reverse``).

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.cumprod(np.array([1.0, 2.0, 3.0, 4.0]))
        array([ 1.,  2.,  6., 24.])
    """
    return cumprod_p.bind(operand, axis=_canonical(operand, axis), reverse=bool(reverse))


def cummax(operand, axis: int = 0, reverse: bool = False):
    """Running maximum of ``operand`` along ``axis``; tied maxima share the derivative evenly.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.cummax(np.array([1.0, 3.0, 2.0, 5.0]))
        array([1., 3., 3., 5.])
    """
    return cummax_p.bind(operand, axis=_canonical(operand, axis), reverse=bool(reverse))


def cummin(operand, axis: int = 0, reverse: bool = False):
    """Running minimum of ``operand`` along ``axis``; tied minima share the derivative evenly.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.cummin(np.array([4.0, 3.0, 5.0, 1.0]))
        array([4., 3., 3., 1.])
    """
    return cummin_p.bind(operand, axis=_canonical(operand, axis), reverse=bool(reverse))


deflinear(cumsum_p, lambda ct, x, *, axis, reverse: [cumsum(ct, axis, not reverse)])


def _const(value, like):
    return np.dtype(like.dtype).type(value)


def _as_float(pred, like):
    return convert_element_type(pred, np.dtype(like.dtype))


def _cumprod_jvp(primals, tangents, *, axis, reverse):
    """d y_k = sum_{j<=k} t_j prod_{i<=k, i!=j} x_i, without dividing by a zero x_j.

    With z_k zeros among x_1..x_k, N_k the product of the nonzero x_i and M_k that of the
    zero ones (0 when z_k > 0, but a function of those x): y_k = N_k M_k, so
    d y_k = N_k (M_k sum_{nonzero j} t_j / x_j + dM_k). dM_k is t at the zero if z_k = 1,
    t_a x_b + t_b x_a (written as S_t S_x - S_tx, cumulative sums over the zeros) if
    z_k = 2, and 0 beyond. Each of these is exact as a function of x, so derivatives of the
    JVP are exact too (the Hessian for any number of zeros, every order for up to two):
    selecting only the numerically surviving term lost the second derivatives at a zero.
    With a concrete x (nothing differentiates in x again) that term is all there is.
    """
    (x,), (t,) = primals, tangents
    ans = cumprod(x, axis, reverse)
    is_zero = eq(x, _const(0, x))
    safe_x = select_n(is_zero, x, _const(1, x))
    nonzero_prod = cumprod(safe_x, axis, reverse)
    zero_count = cumsum(_as_float(is_zero, x), axis, reverse)
    zeros = _zeros_as(t)
    t_at_zeros = select_n(is_zero, zeros, t)
    t_zero = cumsum(t_at_zeros, axis, reverse)
    if not isinstance(x, Tracer):
        # Pick the term by the zero count with selects: a 0/1 mask times inf would be nan.
        t_sum = cumsum(div(t, safe_x), axis, reverse)
        terms = select_n(eq(zero_count, _const(1, x)), zeros, t_zero)
        terms = select_n(eq(zero_count, _const(0, x)), terms, t_sum)
        return ans, mul(terms, nonzero_prod)
    x_at_zeros = select_n(is_zero, _zeros_as(x), x)  # 0, but carrying x's derivatives
    zero_prod = cumprod(select_n(is_zero, _const(1, x), x), axis, reverse)
    s_x = cumsum(x_at_zeros, axis, reverse)
    s_tx = cumsum(mul(t_at_zeros, x_at_zeros), axis, reverse)
    d_zero = select_n(eq(zero_count, _const(2, x)), zeros, sub(mul(t_zero, s_x), s_tx))
    d_zero = select_n(eq(zero_count, _const(1, x)), d_zero, t_zero)
    t_nonzero = cumsum(select_n(is_zero, div(t, safe_x), zeros), axis, reverse)
    return ans, mul(nonzero_prod, add(mul(zero_prod, t_nonzero), d_zero))


jvp_rules[cumprod_p] = _cumprod_jvp


def _running_extreme_jvp(prim: Primitive):
    """JVP of cummax/cummin: the mean tangent of the elements tied for the running extreme.

    The running extreme is constant on runs of positions; within a run the elements equal to
    it are the tied winners so far. Sums over a run are cumsums minus the cumsum just before
    the run's start, found by gathering at each position's run start.
    """

    def rule(primals, tangents, *, axis, reverse):
        (x,), (t,) = primals, tangents
        ans = prim.bind(x, axis=axis, reverse=reverse)
        if isinstance(t, Zero):
            return ans, Zero.like_primal(ans)
        is_winner = eq(x, ans)
        start = _run_starts(ans, axis, reverse)
        counts = _run_totals(_as_float(is_winner, x), start, axis, reverse)
        safe_counts = add(counts, _as_float(eq(counts, _const(0, x)), x))  # NaN runs: no winner
        # Losers' tangents are selected away, not multiplied by 0 (inf * 0 is nan).
        winner_t = select_n(is_winner, _zeros_as(t), t)
        sums = _run_totals(winner_t, start, axis, reverse)
        return ans, div(sums, safe_counts)

    return rule


def _run_starts(ans, axis: int, reverse: bool):
    """Index, along ``axis``, of the first position of each position's run of equal ``ans``."""
    shape = shape_of(ans)
    step = -1 if reverse else 1
    previous = shift_along(ans, axis, step, _const(0, ans))
    pos = positions_along(shape, axis)
    first = np.int64(shape[axis] - 1 if reverse else 0)
    starts_run = bitwise_or(ne(ans, previous), eq(pos, first))
    # Non-start positions get a value the running max (min, when reversed) never picks.
    fill = np.int64(shape[axis] if reverse else -1)
    marked = select_n(starts_run, fill, pos)
    return cummin(marked, axis, True) if reverse else cummax(marked, axis)


def _run_totals(values, start, axis: int, reverse: bool):
    """Sum of ``values`` from each position's run start through the position."""
    total = cumsum(values, axis, reverse)
    before = sub(take_along_axis(total, start, axis), take_along_axis(values, start, axis))
    return sub(total, before)


jvp_rules[cummax_p] = _running_extreme_jvp(cummax_p)
jvp_rules[cummin_p] = _running_extreme_jvp(cummin_p)

# ---------------------------------------------------------------------------------------
# Batching rules: the batch axis moves to the front and ``axis`` shifts past it

from fungrad.interpreters.batching import defreducer  # noqa: E402

for _p in (cumsum_p, cumprod_p, cummax_p, cummin_p):
    defreducer(_p, axes_param="axis")
