"""Elementwise math of fungrad.numpy: ufunc-like functions written in terms of lax."""

from __future__ import annotations

import numpy as np

__all__ = [
    "exp",
    "exp2",
    "expm1",
    "log",
    "log1p",
    "sin",
    "cos",
    "tan",
    "arcsin",
    "arccos",
    "arctan",
    "sinh",
    "cosh",
    "tanh",
    "arcsinh",
    "arccosh",
    "arctanh",
    "sqrt",
    "cbrt",
    "negative",
    "sign",
    "absolute",
    "abs",
    "fabs",
    "add",
    "subtract",
    "multiply",
    "maximum",
    "minimum",
    "fmod",
    "greater",
    "greater_equal",
    "less",
    "less_equal",
    "equal",
    "not_equal",
    "bitwise_and",
    "bitwise_or",
    "bitwise_xor",
    "left_shift",
    "right_shift",
    "positive",
    "square",
    "reciprocal",
    "divide",
    "true_divide",
    "floor_divide",
    "remainder",
    "mod",
    "power",
    "arctan2",
    "hypot",
    "log2",
    "logaddexp",
    "log10",
    "deg2rad",
    "rad2deg",
    "radians",
    "degrees",
    "where",
    "isfinite",
    "isnan",
    "isinf",
    "logical_and",
    "logical_or",
    "logical_xor",
    "logical_not",
    "invert",
    "bitwise_not",
]

from fungrad import dtypes, lax
from fungrad.core import Tracer, get_aval, shape_of
from fungrad.errors import ConcretizationError, NegativeIntegerPowerError
from fungrad.numpy.promotion import (
    as_operand,
    broadcast_to_shape,
    inexact_pair,
    pair_dtype,
    promote,
    promote_dtypes,
    promote_operands,
    promote_pair_fast,
    promote_uncommon,
    result_shape,
    to_dtype,
)
from fungrad.numpy.searching import nonzero
from fungrad.numpy.unsupported_arguments import reject_out_where
from fungrad.transforms.custom_derivatives import custom_jvp

_DEFAULT_FLOAT = np.dtype(np.float64)


def _inexact(x):
    """Promote integer/boolean operands to the default float, as NumPy's float ufuncs do.
    A Python int or bool becomes a Python float: weak, so a float32 operand beside it stays
    float32 (``arctan2(x32, 2)``), as in NumPy and JAX."""
    if type(x) is np.ndarray:  # the common cases: read the dtype
        kind = x.dtype.kind
    elif isinstance(x, Tracer):
        kind = x.aval.dtype.kind
    elif type(x) in (int, bool):
        return float(x)
    else:
        x = as_operand(x)
        kind = get_aval(x).dtype.kind
    if kind in "fc" or kind == "V":
        return x
    return to_dtype(x, _DEFAULT_FLOAT)


# Docstring examples of the functions the constructors below make: name -> (the call, what
# it shows). doctest runs them (tests/test_doctests.py), so they stay true.
_EXAMPLES = {
    "exp": ("fnp.exp(np.array([0.0, 1.0]))", "array([1.        , 2.71828183])"),
    "exp2": ("fnp.exp2(np.array([0, 3, -1]))", "array([1. , 8. , 0.5])"),
    "expm1": ("fnp.expm1(np.array([0.0, 1e-10]))", "array([0.e+00, 1.e-10])"),
    "log": ("fnp.log(np.array([1.0, np.e]))", "array([0., 1.])"),
    "log1p": ("fnp.log1p(np.array([0.0, 1e-10]))", "array([0.e+00, 1.e-10])"),
    "sin": ("fnp.sin(np.array([0.0, np.pi / 2]))", "array([0., 1.])"),
    "cos": ("fnp.cos(np.array([0.0, np.pi]))", "array([ 1., -1.])"),
    "tan": ("fnp.tan(np.array([0.0, np.pi / 4]))", "array([0., 1.])"),
    "arcsin": ("fnp.arcsin(np.array([0.0, 1.0]))", "array([0.        , 1.57079633])"),
    "arccos": ("fnp.arccos(np.array([1.0, 0.0]))", "array([0.        , 1.57079633])"),
    "arctan": ("fnp.arctan(np.array([0.0, 1.0]))", "array([0.        , 0.78539816])"),
    "sinh": ("fnp.sinh(np.array([0.0, 1.0]))", "array([0.        , 1.17520119])"),
    "cosh": ("fnp.cosh(np.array([0.0, 1.0]))", "array([1.        , 1.54308063])"),
    "tanh": ("fnp.tanh(np.array([0.0, 1.0]))", "array([0.        , 0.76159416])"),
    "arcsinh": ("fnp.arcsinh(np.array([0.0, 1.0]))", "array([0.        , 0.88137359])"),
    "arccosh": ("fnp.arccosh(np.array([1.0, 2.0]))", "array([0.       , 1.3169579])"),
    "arctanh": ("fnp.arctanh(np.array([0.0, 0.5]))", "array([0.        , 0.54930614])"),
    "sqrt": ("fnp.sqrt(np.array([4, 9]))", "array([2., 3.])"),
    "cbrt": ("fnp.cbrt(np.array([8.0, -27.0]))", "array([ 2., -3.])"),
    "negative": ("fnp.negative(np.array([1, -2]))", "array([-1,  2])"),
    "sign": ("fnp.sign(np.array([-2.0, 0.0, 3.0]))", "array([-1.,  0.,  1.])"),
    "absolute": ("fnp.absolute(np.array([-2, 0, 3]))", "array([2, 0, 3])"),
    "fabs": ("fnp.fabs(np.array([-2, 3]))", "array([2., 3.])"),
    "add": ("fnp.add(np.array([1, 2]), 0.5)", "array([1.5, 2.5])"),
    "subtract": ("fnp.subtract(np.array([1.0, 2.0]), 1)", "array([0., 1.])"),
    "multiply": ("fnp.multiply(np.array([1.0, 2.0]), np.array([3.0, 4.0]))", "array([3., 8.])"),
    "maximum": ("fnp.maximum(np.array([1.0, 5.0]), 3.0)", "array([3., 5.])"),
    "minimum": ("fnp.minimum(np.array([1.0, 5.0]), 3.0)", "array([1., 3.])"),
    "greater": ("fnp.greater(np.array([1, 2, 3]), 2)", "array([False, False,  True])"),
    "greater_equal": ("fnp.greater_equal(np.array([1, 2, 3]), 2)", "array([False,  True,  True])"),
    "less": ("fnp.less(np.array([1, 2, 3]), 2)", "array([ True, False, False])"),
    "less_equal": ("fnp.less_equal(np.array([1, 2, 3]), 2)", "array([ True,  True, False])"),
    "equal": ("fnp.equal(np.array([1, 2, 3]), 2)", "array([False,  True, False])"),
    "not_equal": ("fnp.not_equal(np.array([1, 2, 3]), 2)", "array([ True, False,  True])"),
    "bitwise_and": ("fnp.bitwise_and(np.array([12, 10]), 6)", "array([4, 2])"),
    "bitwise_or": ("fnp.bitwise_or(np.array([12, 10]), 6)", "array([14, 14])"),
    "bitwise_xor": ("fnp.bitwise_xor(np.array([12, 10]), 6)", "array([10, 12])"),
}


def _with_example(doc: str, name: str) -> str:
    """``doc`` followed by the ``Example:`` section of ``name`` from ``_EXAMPLES``."""
    call, shown = _EXAMPLES[name]
    return (f"{doc}\n\nExample:\n    >>> import numpy as np\n"
            f"    >>> import fungrad.numpy as fnp\n    >>> {call}\n    {shown}\n")


# The constructors below take the lax primitive and bind it themselves: the lax function
# of each (lax.sin...) is only that bind, and this skips one call per operation. (The
# primitive's ``bind`` is looked up at each call: debug_nans swaps it while on.)


def _unary_float(prim, name: str, doc: str):
    def fn(x, /):
        return prim.bind(_inexact(x))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = _with_example(f"{doc}, elementwise (like ``numpy.{name}``).", name)
    return fn


def _unary_same(prim, name: str, doc: str):
    def fn(x, /):
        return prim.bind(as_operand(x))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = _with_example(f"{doc}, elementwise (like ``numpy.{name}``).", name)
    return fn


def _binary(prim, name: str, doc: str):
    def fn(x, y, /):
        # The common pairs need no promotion: checked here, one call fewer per operator.
        x, y = promote_pair_fast(x, y) or promote_uncommon(name, x, y)
        return prim.bind(x, y)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = _with_example(
        f"{doc}, elementwise with broadcasting (like ``numpy.{name}``).", name)
    return fn


# The functions that are ``jnp.ufunc`` objects in jax.numpy (add, maximum, logical_and...)
# take its ``out`` and ``where``; both must be None, as in jax.numpy. They are positional-
# or-keyword (NumPy's ufuncs take ``out`` third too): keyword-only defaults would cost each
# positional call a dict lookup per name (+20 ns on a 1.3 us fnp.add), tuple defaults
# cost ~7 ns. Each such function starts with the same test (no call on the common path):
#     if out is not None or where is not None:
#         reject_out_where(name, out, where)
# tests/test_fnp_keywords.py walks jnp's ufuncs and checks every fnp counterpart.


def _unary_ufunc(prim, name: str, doc: str):
    def fn(x, /, out=None, where=None):
        if out is not None or where is not None:
            reject_out_where(name, out, where)
        return prim.bind(as_operand(x))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = _with_example(f"{doc}, elementwise (like ``numpy.{name}``; ``out`` and "
                               "``where`` must be None, as in jax.numpy).", name)
    return fn


def _binary_ufunc(prim, name: str, doc: str):
    def fn(x, y, /, out=None, where=None):
        if out is not None or where is not None:
            reject_out_where(name, out, where)
        x, y = promote_pair_fast(x, y) or promote_uncommon(name, x, y)
        return prim.bind(x, y)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = _with_example(
        f"{doc}, elementwise with broadcasting (like ``numpy.{name}``; ``out`` and "
        "``where`` must be None, as in jax.numpy).", name)
    return fn


exp = _unary_float(lax.exp_p, "exp", "Exponential")
exp2 = _unary_float(lax.exp2_p, "exp2", "2 ** x")
expm1 = _unary_float(lax.expm1_p, "expm1", "exp(x) - 1")
log = _unary_float(lax.log_p, "log", "Natural logarithm (derivative inf at 0, as JAX)")
log1p = _unary_float(lax.log1p_p, "log1p", "log(1 + x)")
sin = _unary_float(lax.sin_p, "sin", "Sine")
cos = _unary_float(lax.cos_p, "cos", "Cosine")
tan = _unary_float(lax.tan_p, "tan", "Tangent")
arcsin = _unary_float(lax.asin_p, "arcsin", "Inverse sine")
arccos = _unary_float(lax.acos_p, "arccos", "Inverse cosine")
arctan = _unary_float(lax.atan_p, "arctan", "Inverse tangent")
sinh = _unary_float(lax.sinh_p, "sinh", "Hyperbolic sine")
cosh = _unary_float(lax.cosh_p, "cosh", "Hyperbolic cosine")
tanh = _unary_float(lax.tanh_p, "tanh", "Hyperbolic tangent")
arcsinh = _unary_float(lax.asinh_p, "arcsinh", "Inverse hyperbolic sine")
arccosh = _unary_float(lax.acosh_p, "arccosh", "Inverse hyperbolic cosine")
arctanh = _unary_float(lax.atanh_p, "arctanh", "Inverse hyperbolic tangent")
sqrt = _unary_float(lax.sqrt_p, "sqrt", "Square root (derivative inf at 0, as JAX)")
cbrt = _unary_float(lax.cbrt_p, "cbrt", "Cube root")
negative = _unary_ufunc(lax.neg_p, "negative", "-x")
sign = _unary_same(lax.sign_p, "sign", "Sign (-1, 0 or 1; zero derivative, as JAX)")
absolute = _unary_same(lax.abs_p, "absolute", "Absolute value (derivative +1 at 0, as JAX)")
abs = absolute  # noqa: A001 (NumPy's name)
fabs = _unary_float(lax.abs_p, "fabs", "Absolute value as a float")
add = _binary_ufunc(lax.add_p, "add", "x + y")
subtract = _binary_ufunc(lax.sub_p, "subtract", "x - y")
multiply = _binary_ufunc(lax.mul_p, "multiply", "x * y")
maximum = _binary_ufunc(lax.max_p, "maximum", "Larger of x and y (ties get half each, as JAX)")
minimum = _binary_ufunc(lax.min_p, "minimum", "Smaller of x and y (ties get half each, as JAX)")
greater = _binary(lax.gt_p, "greater", "x > y")
greater_equal = _binary(lax.ge_p, "greater_equal", "x >= y")
less = _binary(lax.lt_p, "less", "x < y")
less_equal = _binary(lax.le_p, "less_equal", "x <= y")
equal = _binary(lax.eq_p, "equal", "x == y")
not_equal = _binary(lax.ne_p, "not_equal", "x != y")
bitwise_and = _binary_ufunc(lax.and_p, "bitwise_and", "x & y")
bitwise_or = _binary_ufunc(lax.or_p, "bitwise_or", "x | y")
bitwise_xor = _binary_ufunc(lax.xor_p, "bitwise_xor", "x ^ y")


def fmod(x1, x2, /):
    """Remainder with the sign of ``x1`` (C fmod), elementwise with broadcasting.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.fmod(np.array([7.0, -7.0]), 2.0)
        array([ 1., -1.])
    """
    x1, x2 = promote_pair_fast(x1, x2) or promote_uncommon("fmod", x1, x2)
    return lax.rem_p.bind(x1, x2)


def positive(x, /):
    """+x (returns x), like ``numpy.positive``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.positive(np.array([1.0, -2.0]))
        array([ 1., -2.])
    """
    return as_operand(x)


def square(x, /):
    """x * x, elementwise.

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> import fungrad.numpy as fnp
        >>> fnp.square(np.array([2, -3]))
        array([4, 9])
        >>> fg.grad(fnp.square)(3.0)
        Array(6.)
    """
    x = as_operand(x)
    if np.dtype(get_aval(x).dtype) == np.bool_:  # booleans square as int8, as in NumPy
        x = to_dtype(x, np.dtype(np.int8))
    return lax.integer_pow(x, 2)


def reciprocal(x, /):
    """1 / x, elementwise; integers and booleans give float64, as in jax.numpy (NumPy keeps
    integers, truncating 1 / 2 to 0).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.reciprocal(np.array([2.0, 4.0]))
        array([0.5 , 0.25])
    """
    x = _inexact(x)
    return lax.div(np.dtype(get_aval(x).dtype).type(1), x)


def divide(x1, x2, /):
    """x1 / x2 with true division (integers divide to the default float), like NumPy.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.divide(np.array([1, 3]), 2)
        array([0.5, 1.5])
    """
    x, y = promote_operands("divide", x1, x2)
    if not dtypes.is_inexact(pair_dtype(x, y)):
        x, y = _inexact(x), _inexact(y)
    return lax.div(x, y)


true_divide = divide


def floor_divide(x1, x2, /):
    """x1 // x2 (rounding toward minus infinity), like ``numpy.floor_divide``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.floor_divide(np.array([7, -7]), 2)
        array([ 3, -4])
    """
    x, y = promote("floor_divide", as_operand(x1), as_operand(x2))
    if pair_dtype(x, y) == np.bool_:  # booleans divide as int8, as in NumPy
        x, y = to_dtype(x, np.dtype(np.int8)), to_dtype(y, np.dtype(np.int8))
    if pair_dtype(x, y).kind in "iu":
        q = lax.div(x, y)  # toward zero; step down where the remainder has y's opposite sign
        r = lax.rem(x, y)
        fix = lax.bitwise_and(lax.ne(r, _zero(r)), lax.ne(lax.lt(r, _zero(r)), lax.lt(y, _zero(y))))
        return lax.sub(q, lax.convert_element_type(fix, get_aval(q).dtype))
    # x - (x mod y) is an exact multiple of y; by a zero y it is x itself, so that x // 0 is
    # +-inf (nan for 0 // 0), as in NumPy and JAX (x - nan gave nan)
    whole = where(equal(y, 0), x, lax.sub(x, remainder(x, y)))
    return lax.floor(lax.div(whole, y))


def remainder(x1, x2, /):
    """x1 mod x2 with the sign of x2 (Python's %), like ``numpy.remainder``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.remainder(np.array([7, -7]), 3)
        array([1, 2])
    """
    x, y = promote("remainder", as_operand(x1), as_operand(x2))
    r = lax.rem(x, y)
    differs = lax.ne(lax.lt(r, _zero(r)), lax.lt(y, _zero(y)))
    wrong_sign = lax.bitwise_and(lax.ne(r, _zero(r)), differs)
    return lax.select_n(wrong_sign, r, lax.add(r, y))


mod = remainder


def _zero(x):
    return np.dtype(get_aval(x).dtype).type(0)


def power(x1, x2, /):
    """x1 ** x2, elementwise. A Python int exponent uses exact repeated multiplication.

    ``x ** 0`` (and ``x ** 0.0``) has a zero derivative, even at ``x == 0``: JAX agrees for
    integer exponents but gives nan for float ones. ``0 ** y`` has a zero derivative in ``y``
    for ``y > 0`` and ``x ** 0.5`` an inf one at 0, as JAX (see ``fungrad.lax.pow``).

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> import fungrad.numpy as fnp
        >>> fnp.power(np.array([2.0, 3.0]), 2)
        array([4., 9.])
        >>> fg.grad(lambda x: fnp.power(x, 3))(2.0)
        Array(12.)
    """
    x, y = as_operand(x1), x2
    if type(y) is int and dtypes.is_inexact(get_aval(x).dtype):
        return lax.integer_pow(x, y)
    if type(y) is int and y < 0 and np.dtype(get_aval(x).dtype).kind in "biu":
        dtype = get_aval(x).dtype
        raise NegativeIntegerPowerError(
            f"fnp.power: a base of dtype {dtype} raised to the negative integer power {y} "
            f"(NumPy and JAX refuse it: the result is not an integer); make the base floating: "
            f"fnp.power(x.astype(float), {y}), or pass {float(y)}.")
    x, y = promote("power", x, as_operand(y))
    return lax.pow(x, y)


def arctan2(x1, x2, /):
    """Angle of the point (x2, x1), elementwise, like ``numpy.arctan2``.

    At the origin the derivatives are nan (0/0), as JAX. Complex operands (NumPy refuses
    them) give jax.numpy's (XLA's) complex atan2, ``-i log((x2 + i x1) / sqrt(x1^2 +
    x2^2))``, holomorphic, with derivatives ``x2 / (x1^2 + x2^2)`` and ``-x1 / (...)``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.arctan2(np.array([1.0, 0.0]), np.array([0.0, -1.0]))
        array([1.57079633, 3.14159265])
    """
    x1, x2 = inexact_pair("arctan2", x1, x2)
    if np.dtype(get_aval(x1).dtype).kind == "c":
        i_x1 = multiply(x1, 1j)
        return multiply(log(divide(add(x2, i_x1), sqrt(add(multiply(x1, x1),
                                                            multiply(x2, x2))))), -1j)
    return lax.atan2(x1, x2)


def hypot(x1, x2, /):
    """sqrt(x1**2 + x2**2), elementwise, computed without overflow for large inputs.

    The derivative is ``(x1, x2) / hypot(x1, x2)`` (smooth to every order away from the
    origin, ties ``|x1| == |x2|`` included); at the origin it is taken as ``(0.5, 0.5)``, as
    JAX. JAX's own second derivative is 0 at ties (its max/min split); fungrad's is exact.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.hypot(np.array([3.0, 1e200]), np.array([4.0, 1e200]))
        array([5.00000000e+000, 1.41421356e+200])
    """
    x1, x2 = inexact_pair("hypot", x1, x2)
    return _hypot(x1, x2)


@custom_jvp
def _hypot(x1, x2):
    a, b = lax.abs(x1), lax.abs(x2)
    big, small = lax.max(a, b), lax.min(a, b)
    safe_big = where(equal(big, 0), 1, big)
    ratio = lax.div(small, safe_big)
    value = where(equal(big, 0), 0, lax.mul(big, lax.sqrt(lax.add(1, lax.mul(ratio, ratio)))))
    # IEEE (NumPy, JAX): an infinite side gives inf even when the other is nan.
    return where(logical_or(isinf(x1), isinf(x2)), np.inf, value)


@_hypot.defjvp
def _hypot_jvp(primals, tangents):
    # The max/min of the value would split the tangent at ties, which is right to first order
    # only; x / r is the exact derivative of every order.
    (x1, x2), (t1, t2) = primals, tangents
    out = _hypot(x1, x2)
    origin = equal(out, 0)
    safe_out = where(origin, 1, out)
    w1 = where(origin, 0.5, lax.div(x1, safe_out))
    w2 = where(origin, 0.5, lax.div(x2, safe_out))
    return out, lax.add(lax.mul(t1, w1), lax.mul(t2, w2))


@custom_jvp
def _logaddexp(x1, x2):
    big = lax.max(x1, x2)
    # Ties subtract zeros: equal infinities never form inf - inf (nan, and NumPy's warning);
    # their value is inf + log(2) = inf. nan operands propagate through big.
    tie = equal(x1, x2)
    diff = lax.sub(where(tie, 0, x1), where(tie, 0, x2))
    return lax.add(big, lax.log1p(lax.exp(lax.neg(lax.abs(diff)))))


@_logaddexp.defjvp
def _logaddexp_jvp(primals, tangents):
    # d/dx1 = exp(x1 - out): weights that sum to one, exact even at ties and infinities.
    (x1, x2), (t1, t2) = primals, tangents
    out = _logaddexp(x1, x2)
    real = np.dtype(get_aval(out).dtype).type  # float32 weights for float32 operands
    w1 = where(isnan(out), real(0.5), lax.exp(lax.sub(x1, where(isinf(out), real(0), out))))
    at_inf = where(equal(x1, x2), real(0.5), where(greater(x1, x2), real(1), real(0)))
    w1 = where(isinf(out), at_inf, w1)
    one = real(1)
    return out, lax.add(lax.mul(t1, w1), lax.mul(t2, lax.sub(one, w1)))


def logaddexp(x1, x2, /, out=None, where=None):
    """log(exp(x1) + exp(x2)), computed stably; the gradient splits evenly at ties.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.logaddexp(np.array([0.0, 1000.0]), np.array([0.0, 1000.0]))
        array([6.93147181e-01, 1.00069315e+03])
    """
    if out is not None or where is not None:
        reject_out_where("logaddexp", out, where)
    x1, x2 = inexact_pair("logaddexp", x1, x2)
    return _logaddexp(x1, x2)


def log2(x, /):
    """Base-2 logarithm, elementwise.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.log2(np.array([1.0, 8.0]))
        array([0., 3.])
    """
    x = _inexact(x)
    return lax.div(lax.log(x), np.dtype(get_aval(x).dtype).type(np.log(2.0)))


def log10(x, /):
    """Base-10 logarithm, elementwise.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.log10(np.array([1.0, 1000.0]))
        array([0., 3.])
    """
    x = _inexact(x)
    return lax.div(lax.log(x), np.dtype(get_aval(x).dtype).type(np.log(10.0)))


def deg2rad(x, /):
    """Degrees to radians.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.deg2rad(np.array([90.0, 180.0]))
        array([1.57079633, 3.14159265])
    """
    return multiply(_inexact(x), np.pi / 180)


def rad2deg(x, /):
    """Radians to degrees.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.rad2deg(np.array([np.pi / 2, np.pi]))
        array([ 90., 180.])
    """
    return multiply(_inexact(x), 180 / np.pi)


radians, degrees = deg2rad, rad2deg


def where(condition, x=None, y=None, /, *, size=None, fill_value=None):
    """Elementwise ``x if condition else y`` with broadcasting.

    The one-argument form ``where(condition)`` is ``fnp.nonzero(condition, size=size,
    fill_value=fill_value)``: under jit or vmap it needs ``size``, as in JAX.

    The derivative reaches only the selected operand: the other gets built zeros, so an inf
    or nan value or cotangent on the unselected side stays out of it, as JAX. A nan
    *derivative* inside the unselected branch (``where(x > 0, sqrt(x), 0)`` at ``x < 0``)
    still reaches ``x`` through that branch, as in JAX: make the branch's input safe too.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.where(np.array([True, False]), np.array([1.0, 2.0]), 0.0)
        array([1., 0.])
        >>> fnp.where(np.array([0, 3, 0, 5]))
        (array([1, 3]),)
    """
    if x is None and y is None:
        try:
            return nonzero(condition, size=size, fill_value=fill_value)
        except ConcretizationError as err:
            raise ConcretizationError(str(err).replace("fnp.nonzero", "fnp.where")) from None
    if x is None or y is None:
        raise TypeError("fnp.where takes one or three arguments")
    if size is not None or fill_value is not None:
        raise TypeError("fnp.where: size= and fill_value= belong to the one-argument form "
                        "where(condition); the three-argument form has a static shape")
    condition = as_operand(condition)
    if get_aval(condition).dtype != np.bool_:
        condition = not_equal(condition, 0)
    x, y = promote_dtypes("where", as_operand(x), as_operand(y))
    shape = result_shape("where", [shape_of(condition), shape_of(x), shape_of(y)])
    cond, x, y = [a if shape_of(a) in (shape, ()) else broadcast_to_shape(a, shape)
                  for a in (condition, x, y)]
    return lax.select_n(cond, y, x)


def isfinite(x, /):
    """True where x is neither infinite nor NaN.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.isfinite(np.array([1.0, np.inf, np.nan]))
        array([ True, False, False])
    """
    x = as_operand(x)
    if not dtypes.is_inexact(get_aval(x).dtype):
        return lax.eq(x, x)  # integers are always finite
    return lax.is_finite(x)


def isnan(x, /):
    """True where x is NaN.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.isnan(np.array([1.0, np.inf, np.nan]))
        array([False, False,  True])
    """
    x = as_operand(x)
    return lax.ne(x, x)


def isinf(x, /):
    """True where x is +inf or -inf.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.isinf(np.array([1.0, -np.inf, np.nan]))
        array([False,  True, False])
    """
    x = as_operand(x)
    if not dtypes.is_inexact(get_aval(x).dtype):
        return lax.ne(x, x)
    return lax.eq(lax.abs(x), np.dtype(get_aval(x).dtype).type(np.inf))


def _as_bool(x):
    x = as_operand(x)
    return x if get_aval(x).dtype == np.bool_ else not_equal(x, 0)


def logical_and(x, y, /, out=None, where=None):
    """Elementwise truth of ``x and y``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.logical_and(np.array([True, True, False]), np.array([1, 0, 1]))
        array([ True, False, False])
    """
    if out is not None or where is not None:
        reject_out_where("logical_and", out, where)
    return bitwise_and(_as_bool(x), _as_bool(y))


def logical_or(x, y, /, out=None, where=None):
    """Elementwise truth of ``x or y``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.logical_or(np.array([True, False, False]), np.array([0, 0, 2]))
        array([ True, False,  True])
    """
    if out is not None or where is not None:
        reject_out_where("logical_or", out, where)
    return bitwise_or(_as_bool(x), _as_bool(y))


def logical_xor(x, y, /, out=None, where=None):
    """Elementwise truth of ``x xor y``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.logical_xor(np.array([True, True, False]), np.array([True, False, False]))
        array([False,  True, False])
    """
    if out is not None or where is not None:
        reject_out_where("logical_xor", out, where)
    return bitwise_xor(_as_bool(x), _as_bool(y))


def logical_not(x, /):
    """Elementwise ``not x``.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.logical_not(np.array([0, 1, 2]))
        array([ True, False, False])
    """
    return lax.bitwise_not(_as_bool(x))


def invert(x, /):
    """Bitwise NOT (logical NOT for booleans).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.invert(np.array([0, 5]))
        array([-1, -6])
        >>> fnp.invert(np.array([True, False]))
        array([False,  True])
    """
    return lax.bitwise_not(as_operand(x))


bitwise_not = invert


def _shift_operands(fn: str, x, y):
    """Promoted integer operands of a shift (booleans shift as int8, as in NumPy)."""
    x, y = promote(fn, as_operand(x), as_operand(y))
    dtype = get_aval(x).dtype if hasattr(x, "dtype") else get_aval(y).dtype
    if dtype == np.bool_:
        return to_dtype(x, np.dtype(np.int8)), to_dtype(y, np.dtype(np.int8))
    if dtype.kind not in "iu":
        raise TypeError(f"fnp.{fn}: operands have dtype {dtype}, but shifts take integers "
                        "or booleans; cast with .astype(int), or multiply by 2 ** y")
    return x, y


def left_shift(x, y, /):
    """``x << y`` elementwise on integers with broadcasting (like ``numpy.left_shift``).

    Shift amounts outside ``[0, bits)`` give 0, as in JAX (NumPy leaves them undefined).

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.left_shift(np.array([1, 3]), 2)
        array([ 4, 12])
    """
    return lax.shift_left(*_shift_operands("left_shift", x, y))


def right_shift(x1, x2, /):
    """``x >> y`` elementwise: arithmetic for signed integers, logical for unsigned ones.

    Example:
        >>> import numpy as np
        >>> import fungrad.numpy as fnp
        >>> fnp.right_shift(np.array([-8, 8]), 1)
        array([-4,  4])
    """
    x, y = _shift_operands("right_shift", x1, x2)
    dtype = get_aval(x).dtype if hasattr(x, "dtype") else get_aval(y).dtype
    if dtype.kind == "u":
        return lax.shift_right_logical(x, y)
    return lax.shift_right_arithmetic(x, y)
