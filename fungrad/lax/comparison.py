"""Comparison, selection and cast primitives: eq/ne/lt/le/gt/ge, select_n,
convert_element_type and stop_gradient.

Comparisons have boolean results and zero derivatives; select_n is linear in its cases;
convert_element_type is linear between float dtypes.
"""

from __future__ import annotations

import numpy as np

from fungrad import core, dtypes
from fungrad.array_module import get_array_module
from fungrad.core import Primitive, ShapedArray
from fungrad.interpreters.batching import defbroadcasting, defvectorized
from fungrad.interpreters.jvp import Zero, defjvp_zero, instantiate, jvp_rules
from fungrad.interpreters.linearize import is_linear, transpose_rules
from fungrad.ir import Var
from fungrad.ir_passes import simplify_rules
from fungrad.lax.elementwise import _unary_abstract_eval, _zeros_as, binary_primitive, unbroadcast

__all__ = [
    "eq_p",
    "ne_p",
    "lt_p",
    "le_p",
    "gt_p",
    "ge_p",
    "select_n_p",
    "convert_element_type_p",
    "stop_gradient_p",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "select_n",
    "convert_element_type",
    "stop_gradient",
]

# ---------------------------------------------------------------------------------------
# Comparisons (boolean results, zero derivative)

eq_p = binary_primitive("eq", np.equal, predicate=True)
ne_p = binary_primitive("ne", np.not_equal, predicate=True)
lt_p = binary_primitive("lt", np.less, predicate=True)
le_p = binary_primitive("le", np.less_equal, predicate=True)
gt_p = binary_primitive("gt", np.greater, predicate=True)
ge_p = binary_primitive("ge", np.greater_equal, predicate=True)
for _p in (eq_p, ne_p, lt_p, le_p, gt_p, ge_p):
    defjvp_zero(_p)


def eq(x, y):
    """Elementwise ``x == y`` (equal shapes and dtypes; a boolean array, no derivative).

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.eq(np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 2.0]))
        array([False,  True, False])
    """
    return eq_p.bind(x, y)


def ne(x, y):
    """Elementwise ``x != y`` (equal shapes and dtypes; a boolean array, no derivative).

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.ne(np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 2.0]))
        array([ True, False,  True])
    """
    return ne_p.bind(x, y)


def lt(x, y):
    """Elementwise ``x < y`` (equal shapes and dtypes; a boolean array, no derivative).

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.lt(np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 2.0]))
        array([ True, False, False])
    """
    return lt_p.bind(x, y)


def le(x, y):
    """Elementwise ``x <= y`` (equal shapes and dtypes; a boolean array, no derivative).

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.le(np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 2.0]))
        array([ True,  True, False])
    """
    return le_p.bind(x, y)


def gt(x, y):
    """Elementwise ``x > y`` (equal shapes and dtypes; a boolean array, no derivative).

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.gt(np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 2.0]))
        array([False, False,  True])
    """
    return gt_p.bind(x, y)


def ge(x, y):
    """Elementwise ``x >= y`` (equal shapes and dtypes; a boolean array, no derivative).

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.ge(np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 2.0]))
        array([False,  True,  True])
    """
    return ge_p.bind(x, y)


# ---------------------------------------------------------------------------------------
# select_n: out = cases[which], elementwise (which is boolean or integer)

select_n_p = Primitive("select_n")


def _select_n_impl(which, *cases):
    xp = get_array_module(which, *cases)
    if len(cases) == 2 and core.get_aval(which).dtype == np.bool_:
        if xp is np and _selects_by_bits(which, cases):
            return _select_bits(which, *cases)
        return xp.where(which, cases[1], cases[0])
    which = xp.asarray(which)
    _check_which(which.dtype)
    which = which.astype(np.int64)
    if xp is np:
        return np.choose(which, np.broadcast_arrays(*cases))
    # CuPy's choose takes one array of choices: stack the broadcast cases
    shape = which.shape or core.shape_of(cases[0])
    stacked = xp.stack([xp.broadcast_to(xp.asarray(c), shape) for c in cases])
    return xp.take_along_axis(stacked, xp.broadcast_to(which, shape)[None], 0)[0]


# Unsigned integers as wide as a case's dtype: the words that _select_bits masks.
_WORDS = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}
# Below this size np.where is as fast (measured on 10 to 65536 float32 elements), and
# the bit select makes five NumPy calls.
_BIT_SELECT_MIN_SIZE = 4096


def _selects_by_bits(which, cases) -> bool:
    """True when a boolean select of NumPy arrays is large enough for :func:`_select_bits`."""
    if type(which) is not np.ndarray or which.size < _BIT_SELECT_MIN_SIZE:
        return False
    for c in cases:
        if type(c) is np.ndarray:
            if c.shape not in (which.shape, ()):
                return False
        elif not core.is_literal(c):  # CuPy arrays keep np.where (their own dispatch)
            return False
    dtype = np.result_type(*cases)
    return (dtype.kind in "biufc" or dtypes.is_floating(dtype)) and dtype.itemsize in _WORDS


def _select_bits(which, false_case, true_case):
    """``np.where(which, true_case, false_case)`` computed on the bits, without branches.

    Why: np.where branches on every element, so on an unpredictable mask (a ReLU's: the
    backward pass of ``maximum`` selects between the cotangent and zeros) it runs 5-10x
    slower than a product. Here a word of all ones where ``which`` is true picks the bits:
    ``f ^ ((f ^ t) & mask)``, exact for every value (inf, nan, -0.0), at product speed.
    """
    dtype = np.result_type(false_case, true_case)
    word = _WORDS[dtype.itemsize]
    f = np.asarray(false_case, dtype).view(word)
    t = np.asarray(true_case, dtype).view(word)
    mask = which.astype(word)
    np.negative(mask, out=mask)  # 1 -> all ones (unsigned wrap-around), 0 -> 0
    if not any(f.strides) and f.flat[0] == 0:
        # The false case is +0.0 everywhere (the zeros a transform builds, broadcast from
        # one element): the select is ``t & mask``, one pass instead of three.
        return np.bitwise_and(t, mask, out=mask).view(dtype)
    out = np.bitwise_and(np.bitwise_xor(f, t), mask, out=mask)
    np.bitwise_xor(out, f, out=out)
    return out.view(dtype)


def _check_which(dtype) -> None:
    """JAX's rule: the selector is boolean or integer (a float one would be truncated)."""
    if np.dtype(dtype).kind not in "biu":
        raise TypeError(f"lax.select_n: `which` (lax.select's `pred`) must be boolean or "
                        f"integer, got {dtype}; pass a comparison such as x > 0, or cast it "
                        "with .astype(bool).")


def _select_n_abstract_eval(which, *cases):
    _check_which(which.dtype)
    shape = core.check_same_shapes("select_n", which, *cases)
    dtype = core.check_same_dtypes("select_n", *cases)
    return ShapedArray(shape, dtype, all(c.weak_type for c in cases))


select_n_p.def_impl(_select_n_impl)
select_n_p.def_abstract_eval(_select_n_abstract_eval)


def select_n(which, *cases):
    """Elementwise ``cases[which]``; with a boolean ``which``, ``(false_case, true_case)``.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> a, b, c = np.array([1.0, 2.0]), np.array([10.0, 20.0]), np.array([7.0, 8.0])
        >>> lax.select_n(np.array([True, False]), a, b)
        array([10.,  2.])
        >>> lax.select_n(np.array([0, 2]), a, b, c)
        array([1., 8.])
    """
    return select_n_p.bind(which, *cases)


def _select_n_jvp(primals, tangents):
    which, *cases = primals
    ans = select_n(which, *cases)
    if all(isinstance(t, Zero) for t in tangents[1:]):
        return ans, Zero.like_primal(ans)
    ts = [_broadcast_zero_tangent(t, c, ans) for t, c in zip(tangents[1:], cases)]
    return ans, select_n(which, *ts)


def _broadcast_zero_tangent(t, primal, ans):
    if not isinstance(t, Zero):
        return t
    return np.zeros((), np.dtype(ans.dtype)) if t.aval.shape == () else instantiate(t, primal)


def _select_n_transpose(ct, which, *cases):
    if is_linear(which):
        raise TypeError("select_n: the selector cannot be linear")
    zeros = _zeros_as(ct)
    out = [None]
    for i, case in enumerate(cases):
        if not is_linear(case):
            out.append(None)
            continue
        picked = [zeros] * len(cases)
        picked[i] = ct
        out.append(unbroadcast(select_n(which, *picked), case.aval))
    return out


jvp_rules[select_n_p] = _select_n_jvp
transpose_rules[select_n_p] = _select_n_transpose
select_n_p.linear = True
defbroadcasting(select_n_p)
select_n_p.elementwise = True

# ---------------------------------------------------------------------------------------
# convert_element_type and stop_gradient

convert_element_type_p = Primitive("convert_element_type")


def _convert_impl(x, *, new_dtype):
    if core.get_aval(x).dtype.kind == "c" and new_dtype.kind != "c":
        x = x.real  # complex -> real keeps the real part (as JAX), without a warning
    if type(x) in (bool, int, float, complex) or isinstance(x, np.generic):
        return np.dtype(new_dtype).type(x)
    return x.astype(new_dtype, copy=False)


convert_element_type_p.def_impl(_convert_impl)
convert_element_type_p.def_abstract_eval(
    lambda x, *, new_dtype: ShapedArray(x.shape, new_dtype, False)
)


def convert_element_type(operand, new_dtype):
    """Cast ``operand`` to ``new_dtype`` (a NumPy dtype).

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.convert_element_type(np.array([1.7, -1.7]), np.int32)
        array([ 1, -1], dtype=int32)
    """
    return convert_element_type_p.bind(operand, new_dtype=np.dtype(new_dtype))


def _convert_jvp(primals, tangents, *, new_dtype):
    (x,), (t,) = primals, tangents
    ans = convert_element_type(x, new_dtype)
    if isinstance(t, Zero) or not dtypes.is_inexact(new_dtype):
        return ans, Zero.like_primal(ans)
    return ans, convert_element_type(t, new_dtype)


def _convert_transpose(ct, x, *, new_dtype):
    return [convert_element_type(ct, x.aval.dtype)]


def _same_dtype_cast(eqn, sweep):
    x = eqn.inputs[0]
    return x if type(x) is Var and x.aval.dtype == eqn.params["new_dtype"] else None


jvp_rules[convert_element_type_p] = _convert_jvp
transpose_rules[convert_element_type_p] = _convert_transpose
convert_element_type_p.linear = True
defvectorized(convert_element_type_p)
convert_element_type_p.elementwise = True
simplify_rules[convert_element_type_p] = _same_dtype_cast

stop_gradient_p = Primitive("stop_gradient")
stop_gradient_p.def_impl(lambda x: x)
stop_gradient_p.def_abstract_eval(_unary_abstract_eval)
defjvp_zero(stop_gradient_p)
defvectorized(stop_gradient_p)


def stop_gradient(x):
    """Return ``x`` unchanged, but with a zero derivative under every transform.

    Example:
        >>> import fungrad as fg
        >>> from fungrad import lax
        >>> fg.grad(lambda x: x * lax.stop_gradient(x))(3.0)
        Array(3.)
    """
    return stop_gradient_p.bind(x)
