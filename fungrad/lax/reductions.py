"""Reduction primitives over static axes: sum, max, min, prod, and, or, argmax, argmin.

``reduce_*`` primitives take ``axes``, a tuple of distinct non-negative ints (``()`` is the
identity), and keep the dtype. Empty reductions give the operation's identity (``-inf`` for
max, as in JAX); fungrad.numpy raises NumPy's errors before binding instead. ``argmax`` and
``argmin`` reduce one ``axis`` to the index of the first extreme (NaNs win, like NumPy).

Sums and products of float16/bfloat16 accumulate in float32 and round once at the end, as
JAX's do (a bfloat16 running sum stalls at 256 when adding ones); every other dtype
accumulates in itself.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = [
    "reduce_sum_p",
    "reduce_sum",
    "reduce_max_p",
    "reduce_max",
    "reduce_min_p",
    "reduce_min",
    "reduce_prod_p",
    "reduce_prod",
    "reduce_and_p",
    "reduce_and",
    "reduce_or_p",
    "reduce_xor_p",
    "reduce_xor",
    "reduce_or",
    "argmax_p",
    "argmax",
    "argmin_p",
    "argmin",
]

from fungrad import dtypes
from fungrad.array_module import constant_like, get_array_module
from fungrad.core import Primitive, ShapedArray, shape_of
from fungrad.errors import ShapeError
from fungrad.interpreters.batching import defreducer
from fungrad.interpreters.jvp import defjvp_zero, jvp_rules
from fungrad.interpreters.linearize import (
    deflinear,
    is_staged,
    linearize_rules,
    run_general,
    wrap_linear,
)
from fungrad.ir import Literal
from fungrad.lax.comparison import convert_element_type, eq, select_n, select_n_p
from fungrad.lax.cumulative import cumprod
from fungrad.lax.elementwise import _zeros_as, div, div_p, mul
from fungrad.lax.shape_ops import (
    _static_int,
    _static_ints,
    broadcast_in_dim,
    reshape,
    transpose,
)
from fungrad.lax.sorting import shift_along


def _reduced_aval(name):
    def rule(x, *, axes):
        if any(not 0 <= a < x.ndim for a in axes) or len(set(axes)) != len(axes):
            raise ShapeError(f"{name}: axes {axes} are out of range or repeated for an operand "
                             f"of shape {x.shape}; pass distinct axes in [0, {x.ndim})")
        shape = tuple(s for i, s in enumerate(x.shape) if i not in axes)
        return ShapedArray(shape, x.dtype, x.weak_type)

    return rule


def _reduce_primitive(name: str, impl) -> Primitive:
    prim = Primitive(name)
    prim.def_impl(impl)
    prim.def_abstract_eval(_reduced_aval(name))
    return prim


def _axes_param(name: str, axes) -> tuple[int, ...]:
    return _static_ints(name, "axes", axes)


def _kept_dims(ndim: int, axes) -> tuple[int, ...]:
    return tuple(d for d in range(ndim) if d not in axes)


def _dtype(x) -> np.dtype:
    dtype = getattr(x, "dtype", None)  # np.dtype is falsy, so no `or` here
    return np.asarray(x).dtype if dtype is None else np.dtype(dtype)


# ---------------------------------------------------------------------------------------
# reduce_sum (linear: its transpose broadcasts the cotangent back)

def _accumulating(np_reduce):
    """An impl running ``np_reduce`` in the accumulation dtype and rounding to ``x``'s dtype.

    The explicit dtype also stops NumPy from widening small integers (lax keeps the dtype).
    """
    def impl(x, *, axes):
        dtype = _dtype(x)
        acc = dtypes.accumulation_dtype(dtype)
        xp = get_array_module(x)
        out = (np_reduce if xp is np else getattr(xp, np_reduce.__name__))(
            x, axis=axes, dtype=acc)
        return out if acc == dtype else xp.asarray(out).astype(dtype)

    return impl


reduce_sum_p = _reduce_primitive("reduce_sum", _accumulating(np.sum))


def reduce_sum(operand, axes):
    """Sum ``operand`` over ``axes`` (a tuple of distinct non-negative ints; ``()`` is a no-op).

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.reduce_sum(np.arange(6.0).reshape(2, 3), (0,))
        array([3., 5., 7.])
        >>> float(lax.reduce_sum(np.arange(6.0).reshape(2, 3), (0, 1)))
        15.0
    """
    return reduce_sum_p.bind(operand, axes=_axes_param("reduce_sum", axes))


def _reduce_sum_transpose(ct, x, *, axes):
    shape = x.aval.shape
    return [broadcast_in_dim(ct, shape, _kept_dims(len(shape), axes))]


deflinear(reduce_sum_p, _reduce_sum_transpose)

# ---------------------------------------------------------------------------------------
# reduce_max, reduce_min: ties share the tangent evenly


def _identity_of_max(dtype: np.dtype):
    if dtype.kind == "c":  # complex values order lexicographically, as in NumPy and JAX
        return complex(-np.inf, -np.inf)
    if dtypes.is_floating(dtype):
        return -np.inf
    if dtype.kind == "b":
        return False
    return np.iinfo(dtype).min


def _identity_of_min(dtype: np.dtype):
    if dtype.kind == "c":
        return complex(np.inf, np.inf)
    if dtypes.is_floating(dtype):
        return np.inf
    if dtype.kind == "b":
        return True
    return np.iinfo(dtype).max


def _extremum(name: str, identity):
    """max/min over ``axes`` with the identity as the value of empty reductions."""
    def impl(x, *, axes):
        init = _dtype(x).type(identity(_dtype(x)))
        xp = get_array_module(x)
        if xp is np:
            return getattr(np, name)(x, axis=axes, initial=init)
        # CuPy's max/min take no ``initial``: an empty reduction is the identity itself
        shape = shape_of(x)
        if any(shape[a] == 0 for a in axes):
            kept = tuple(n for a, n in enumerate(shape) if a not in axes)
            return xp.full(kept, init, dtype=_dtype(x))
        return getattr(xp, name)(x, axis=axes)

    return impl


reduce_max_p = _reduce_primitive("reduce_max", _extremum("max", _identity_of_max))
reduce_min_p = _reduce_primitive("reduce_min", _extremum("min", _identity_of_min))


def reduce_max(operand, axes):
    """Maximum of ``operand`` over ``axes``; tied maxima share the derivative evenly.

    Args:
        x: the operand.
        axes: a tuple of distinct non-negative axes (``()`` returns ``operand``).

    Returns:
        ``operand`` reduced over ``axes`` (``-inf`` or the dtype's minimum where empty).

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> from fungrad import lax
        >>> lax.reduce_max(np.arange(6.0).reshape(2, 3), (1,))
        array([2., 5.])
        >>> fg.grad(lambda v: lax.reduce_max(v, (0,)))(np.array([1.0, 3.0, 3.0]))
        Array([0. , 0.5, 0.5])
    """
    return reduce_max_p.bind(operand, axes=_axes_param("reduce_max", axes))


def reduce_min(operand, axes):
    """Minimum of ``operand`` over ``axes``; tied minima share the derivative evenly.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.reduce_min(np.arange(6.0).reshape(2, 3), (0,))
        array([0., 1., 2.])
    """
    return reduce_min_p.bind(operand, axes=_axes_param("reduce_min", axes))


def _filled(x, value):
    """``value`` in ``x``'s shape and dtype, on its device (a built constant)."""
    one = constant_like(np.array(value, np.dtype(_dtype(x))), x)
    return broadcast_in_dim(one, shape_of(x), ())


def _chooser_jvp(prim: Primitive):
    """tangent = sum(t over winners) / count(winners), winners being the elements equal to ans.

    The losers' tangents are replaced by built zeros (a select), not multiplied by a 0/1
    mask, so an inf or nan tangent of a loser does not leak into the result (inf * 0).
    """

    def rule(primals, tangents, *, axes):
        (x,), (t,) = primals, tangents
        ans = prim.bind(x, axes=axes)
        shape = shape_of(x)
        dtype = _dtype(x)
        wide_ans = broadcast_in_dim(ans, shape, _kept_dims(len(shape), axes))
        is_winner = eq(x, wide_ans)
        counts = reduce_sum(convert_element_type(is_winner, dtype), axes)
        total = reduce_sum(select_n(is_winner, _zeros_as(t), t), axes)
        # No winner (an empty slice under max's initial=, or a nan slice: nothing equals
        # nan): nan, JAX's 0 / 0, built without NumPy's 0 / 0 warning.
        none = eq(counts, _filled(counts, 0))
        tangent = div(total, select_n(none, counts, _filled(counts, 1)))
        return ans, select_n(none, tangent, _filled(tangent, np.nan))

    return rule


jvp_rules[reduce_max_p] = _chooser_jvp(reduce_max_p)
jvp_rules[reduce_min_p] = _chooser_jvp(reduce_min_p)


def _chooser_linearization(prim: Primitive) -> Callable:
    """The direct linearization of reduce_max/min of a host float array: the tangent
    :func:`_chooser_jvp` gives, with the winners and their counts computed by NumPy.

    Two equations are staged, a select of the tangent at the winners (a literal zero
    elsewhere) and its sum over ``axes``, plus a division by the counts where a slice has
    tied winners; the general rule makes nine operations through the staging trace. A
    slice with no winner (nan or empty), a traced or device operand and every other case
    run the general rule.
    """
    general = jvp_rules[prim]

    def rule(trace, primals, tangents, *, axes):
        staging = trace.tangent_trace
        (x,), (t,) = primals, tangents
        params = {"axes": axes}
        if (type(x) is not np.ndarray or not is_staged(t, staging) or x.dtype.kind != "f"
                or t._var.aval.shape != x.shape or t._var.aval.dtype != x.dtype):
            return run_general(general, trace, prim, primals, tangents, params)
        ans = prim.bind(x, axes=axes)
        if type(ans) is not np.ndarray:
            return run_general(general, trace, prim, primals, tangents, params)
        kept = list(x.shape)
        for a in axes:
            kept[a] = 1
        winners = x == ans.reshape(kept)
        # (ufunc methods: np.count_nonzero, np.expand_dims and ndarray.min cost 2-5 us each)
        counts = np.add.reduce(winners, axis=axes, dtype=np.intp)
        if counts.size == 0 or np.minimum.reduce(counts, axis=None) == 0:
            return run_general(general, trace, prim, primals, tangents, params)  # no winner
        aval = t._var.aval
        which = staging.to_atom(winners, ShapedArray(x.shape, np.dtype(np.bool_)))
        picked = staging.record(select_n_p, [which, Literal(x.dtype.type(0)), t._var], {},
                                aval)
        out_aval = ShapedArray(np.shape(ans), x.dtype)
        out = staging.record(reduce_sum_p, [picked._var], params, out_aval)
        if np.maximum.reduce(counts, axis=None) > 1:  # tied winners share the tangent evenly
            out = staging.record(div_p, [out._var, staging.to_atom(counts.astype(x.dtype))],
                                 {}, out_aval)
        return wrap_linear(trace, ans, out)

    rule.general = general
    rule.specialized = True  # fewer equations than the general rule's (same derivative)
    return rule


linearize_rules[reduce_max_p] = _chooser_linearization(reduce_max_p)
linearize_rules[reduce_min_p] = _chooser_linearization(reduce_min_p)

# ---------------------------------------------------------------------------------------
# reduce_prod: the JVP multiplies each tangent by the product of the other elements

reduce_prod_p = _reduce_primitive("reduce_prod", _accumulating(np.prod))


def reduce_prod(operand, axes):
    """Product of ``operand`` over ``axes``; its derivative is exact where ``operand`` has zeros.

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> from fungrad import lax
        >>> float(lax.reduce_prod(np.array([1.0, 2.0, 3.0, 4.0]), (0,)))
        24.0
        >>> fg.grad(lambda v: lax.reduce_prod(v, (0,)))(np.array([0.0, 2.0, 3.0]))
        Array([6., 0., 0.])
    """
    return reduce_prod_p.bind(operand, axes=_axes_param("reduce_prod", axes))


def _reduce_prod_jvp(primals, tangents, *, axes):
    (x,), (t,) = primals, tangents
    ans = reduce_prod(x, axes)
    x_rows, t_rows = _reduced_axes_last(x, axes), _reduced_axes_last(t, axes)
    last = len(shape_of(x_rows)) - 1
    # The product of the others is (product before) * (product after): no division by x,
    # so zeros in x are handled exactly (and, through cumprod's JVP, to second order).
    one = _dtype(x).type(1)
    before = shift_along(cumprod(x_rows, last), last, 1, one)
    after = shift_along(cumprod(x_rows, last, reverse=True), last, -1, one)
    others = mul(before, after)
    return ans, reshape(reduce_sum(mul(t_rows, others), (last,)), shape_of(ans))


def _reduced_axes_last(x, axes):
    """Move ``axes`` to the end and merge them into one (for reductions along one axis)."""
    shape = shape_of(x)
    kept = _kept_dims(len(shape), axes)
    moved = transpose(x, kept + tuple(axes))
    size = int(np.prod([shape[a] for a in axes], dtype=np.int64))
    return reshape(moved, tuple(shape[d] for d in kept) + (size,))


jvp_rules[reduce_prod_p] = _reduce_prod_jvp

# ---------------------------------------------------------------------------------------
# reduce_and, reduce_or (booleans and integers, bitwise); piecewise constant


def _bitwise_reduce(ufunc, logical):
    def impl(x, *, axes):
        xp = get_array_module(x)
        if _dtype(x) == np.bool_:
            return getattr(xp, logical.__name__)(x, axis=axes)
        return getattr(xp, ufunc.__name__).reduce(x, axis=axes)

    return impl


def _reduce_xor_impl(x, *, axes):
    xp = get_array_module(x)
    ufunc = xp.logical_xor if _dtype(x) == np.bool_ else xp.bitwise_xor
    return ufunc.reduce(x, axis=axes)


reduce_and_p = _reduce_primitive("reduce_and", _bitwise_reduce(np.bitwise_and, np.all))
reduce_or_p = _reduce_primitive("reduce_or", _bitwise_reduce(np.bitwise_or, np.any))
reduce_xor_p = _reduce_primitive("reduce_xor", _reduce_xor_impl)
defjvp_zero(reduce_and_p)
defjvp_zero(reduce_or_p)
defjvp_zero(reduce_xor_p)


def reduce_and(operand, axes):
    """Logical (for integers, bitwise) AND of ``operand`` over ``axes``.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.reduce_and(np.array([[True, False], [True, True]]), (1,))
        array([False,  True])
    """
    operand = _bitwise_operand("reduce_and", operand)
    return reduce_and_p.bind(operand, axes=_axes_param("reduce_and", axes))


def reduce_or(operand, axes):
    """Logical (for integers, bitwise) OR of ``operand`` over ``axes``.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.reduce_or(np.array([[True, False], [False, False]]), (1,))
        array([ True, False])
    """
    operand = _bitwise_operand("reduce_or", operand)
    return reduce_or_p.bind(operand, axes=_axes_param("reduce_or", axes))


def reduce_xor(operand, axes):
    """Logical (for integers, bitwise) XOR of ``operand`` over ``axes``: booleans give the
    parity of the count of True.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.reduce_xor(np.array([[True, True], [True, False]]), (1,))
        array([False,  True])
    """
    operand = _bitwise_operand("reduce_xor", operand)
    return reduce_xor_p.bind(operand, axes=_axes_param("reduce_xor", axes))


def _bitwise_operand(name: str, operand):
    """``operand``, checked to be boolean or integer (a float has no bits to AND)."""
    dtype = np.dtype(_dtype(operand))
    if dtype != np.bool_ and dtype.kind not in "iu":
        raise TypeError(f"lax.{name}: operand has dtype {dtype}, but the bitwise "
                        "reductions take booleans or integers (for floats compare first, "
                        "e.g. `x != 0`)")
    return operand


# ---------------------------------------------------------------------------------------
# argmax, argmin: first occurrence, one axis


def _arg_primitive(name: str, np_fn) -> Primitive:
    def impl(x, *, axis, index_dtype):
        xp = get_array_module(x)
        return xp.asarray(getattr(xp, np_fn.__name__)(x, axis=axis)).astype(
            index_dtype, copy=False)

    def abstract_eval(x, *, axis, index_dtype):
        if not 0 <= axis < x.ndim:
            raise ShapeError(f"{name}: axis {axis} is out of range for an operand of shape "
                             f"{x.shape}; pass 0 <= axis < {x.ndim}")
        if x.shape[axis] == 0:
            raise ShapeError(f"{name}: axis {axis} of the operand of shape {x.shape} is "
                             "empty, so it has no extreme element")
        shape = tuple(s for i, s in enumerate(x.shape) if i != axis)
        return ShapedArray(shape, index_dtype)

    prim = Primitive(name)
    prim.def_impl(impl)
    prim.def_abstract_eval(abstract_eval)
    defjvp_zero(prim)
    return prim


argmax_p = _arg_primitive("argmax", np.argmax)
argmin_p = _arg_primitive("argmin", np.argmin)


def argmax(operand, axis: int, index_dtype=np.int64):
    """Index of the first maximum of ``operand`` along ``axis`` (a NaN counts as the maximum).

    Args:
        x: the operand (rank >= 1).
        axis: the axis to reduce (negative counts from the end).
        index_dtype: integer dtype of the result.

    Returns:
        Integer indices: ``operand``'s shape without ``axis``.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.argmax(np.array([[1.0, 5.0, 5.0], [7.0, 0.0, 2.0]]), axis=1)
        array([1, 0])
    """
    axis = _one_axis("argmax", operand, axis)
    return argmax_p.bind(operand, axis=axis, index_dtype=np.dtype(index_dtype))


def argmin(operand, axis: int, index_dtype=np.int64):
    """Index of the first minimum of ``operand`` along ``axis`` (a NaN counts as the minimum).

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.argmin(np.array([[1.0, 5.0, 1.0], [7.0, 0.0, 2.0]]), axis=1)
        array([0, 1])
    """
    axis = _one_axis("argmin", operand, axis)
    return argmin_p.bind(operand, axis=axis, index_dtype=np.dtype(index_dtype))


def _one_axis(name: str, x, axis: int) -> int:
    axis = _static_int(name, "axis", axis)
    return axis + len(shape_of(x)) if axis < 0 else axis


for _p in (reduce_sum_p, reduce_max_p, reduce_min_p, reduce_prod_p, reduce_and_p, reduce_or_p,
           reduce_xor_p):
    defreducer(_p)
defreducer(argmax_p, axes_param="axis")
defreducer(argmin_p, axes_param="axis")
