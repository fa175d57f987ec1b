"""Elementwise math primitives: unary and binary arithmetic and transcendental functions.

Operands of n-ary primitives have equal shapes and dtypes, except rank-0 operands, which
broadcast (fungrad.numpy promotes and broadcasts before binding). Each primitive's rules
sit next to it: impl, abstract_eval, JVP, and transpose for the linear ones.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "neg_p",
    "sign_p",
    "floor_p",
    "ceil_p",
    "round_p",
    "exp_p",
    "exp2_p",
    "log_p",
    "log1p_p",
    "expm1_p",
    "sin_p",
    "cos_p",
    "tan_p",
    "asin_p",
    "acos_p",
    "atan_p",
    "sinh_p",
    "cosh_p",
    "tanh_p",
    "asinh_p",
    "acosh_p",
    "atanh_p",
    "sqrt_p",
    "cbrt_p",
    "abs_p",
    "logistic_p",
    "not_p",
    "is_finite_p",
    "neg",
    "sign",
    "floor",
    "ceil",
    "round",
    "exp",
    "exp2",
    "log",
    "log1p",
    "expm1",
    "sin",
    "cos",
    "tan",
    "asin",
    "acos",
    "atan",
    "sinh",
    "cosh",
    "tanh",
    "asinh",
    "acosh",
    "atanh",
    "sqrt",
    "cbrt",
    "abs",
    "logistic",
    "bitwise_not",
    "is_finite",
    "integer_pow_p",
    "integer_pow",
    "add_p",
    "sub_p",
    "mul_p",
    "div_p",
    "rem_p",
    "pow_p",
    "max_p",
    "min_p",
    "atan2_p",
    "and_p",
    "or_p",
    "xor_p",
    "add",
    "sub",
    "mul",
    "div",
    "rem",
    "pow",
    "max",
    "min",
    "atan2",
    "bitwise_and",
    "bitwise_or",
    "bitwise_xor",
]

from fungrad import core, dtypes
from fungrad.core import Primitive, ShapedArray
from fungrad.transforms.jvp import Zero, defjvp, defjvp_zero, jvp_rules
from fungrad.transforms.linearize import deflinear, is_linear, transpose_rules

# ---------------------------------------------------------------------------------------
# Constructors for the families of elementwise primitives


def _unary_abstract_eval(x: ShapedArray) -> ShapedArray:
    return x


def _nary_abstract_eval(name: str):
    def rule(*avals: ShapedArray) -> ShapedArray:
        first = avals[0]
        if all(a == first for a in avals):
            return first
        shape = core.check_same_shapes(name, *avals)
        dtype = core.check_same_dtypes(name, *avals)
        return ShapedArray(shape, dtype, all(a.weak_type for a in avals))

    return rule


def _predicate_abstract_eval(name: str):
    def rule(*avals: ShapedArray) -> ShapedArray:
        shape = core.check_same_shapes(name, *avals)
        core.check_same_dtypes(name, *avals)
        return ShapedArray(shape, np.bool_)

    return rule


def unary_primitive(name: str, impl) -> Primitive:
    """A unary elementwise primitive computed by the NumPy ufunc ``impl``."""
    prim = Primitive(name)
    prim.def_impl(impl)
    prim.def_abstract_eval(_unary_abstract_eval)
    return prim


def binary_primitive(name: str, impl, predicate: bool = False) -> Primitive:
    """A binary elementwise primitive (rank-0 operands broadcast)."""
    prim = Primitive(name)
    prim.def_impl(impl)
    rule = _predicate_abstract_eval(name) if predicate else _nary_abstract_eval(name)
    prim.def_abstract_eval(rule)
    return prim


def unbroadcast(ct, aval: ShapedArray):
    """Sum a cotangent down to a rank-0 operand that was broadcast against a larger one."""
    ct_shape = core.shape_of(ct)
    if aval.shape == () and ct_shape != ():
        from fungrad.lax.reductions import reduce_sum  # noqa: PLC0415

        return reduce_sum(ct, tuple(range(len(ct_shape))))
    return ct


# ---------------------------------------------------------------------------------------
# Unary math

neg_p = unary_primitive("neg", np.negative)
sign_p = unary_primitive("sign", np.sign)
floor_p = unary_primitive("floor", np.floor)
ceil_p = unary_primitive("ceil", np.ceil)
round_p = unary_primitive("round", np.round)  # round half to even, like NumPy
exp_p = unary_primitive("exp", np.exp)
exp2_p = unary_primitive("exp2", np.exp2)
log_p = unary_primitive("log", np.log)
log1p_p = unary_primitive("log1p", np.log1p)
expm1_p = unary_primitive("expm1", np.expm1)
sin_p = unary_primitive("sin", np.sin)
cos_p = unary_primitive("cos", np.cos)
tan_p = unary_primitive("tan", np.tan)
asin_p = unary_primitive("asin", np.arcsin)
acos_p = unary_primitive("acos", np.arccos)
atan_p = unary_primitive("atan", np.arctan)
sinh_p = unary_primitive("sinh", np.sinh)
cosh_p = unary_primitive("cosh", np.cosh)
tanh_p = unary_primitive("tanh", np.tanh)
asinh_p = unary_primitive("asinh", np.arcsinh)
acosh_p = unary_primitive("acosh", np.arccosh)
atanh_p = unary_primitive("atanh", np.arctanh)
sqrt_p = unary_primitive("sqrt", np.sqrt)
cbrt_p = unary_primitive("cbrt", np.cbrt)
abs_p = unary_primitive("abs", np.abs)
abs_p.def_abstract_eval(lambda x: x.update(dtype=dtypes.real_dtype(x.dtype)))  # |z| is real
logistic_p = unary_primitive("logistic", lambda x: 1.0 / (1.0 + np.exp(-x)))
not_p = unary_primitive("not", np.invert)
is_finite_p = Primitive("is_finite")
is_finite_p.def_impl(np.isfinite)
is_finite_p.def_abstract_eval(lambda x: ShapedArray(x.shape, np.bool_))


def neg(x):
    return neg_p.bind(x)


def sign(x):
    return sign_p.bind(x)


def floor(x):
    return floor_p.bind(x)


def ceil(x):
    return ceil_p.bind(x)


def round(x):  # noqa: A001 (lax's name)
    return round_p.bind(x)


def exp(x):
    return exp_p.bind(x)


def exp2(x):
    return exp2_p.bind(x)


def log(x):
    return log_p.bind(x)


def log1p(x):
    return log1p_p.bind(x)


def expm1(x):
    return expm1_p.bind(x)


def sin(x):
    return sin_p.bind(x)


def cos(x):
    return cos_p.bind(x)


def tan(x):
    return tan_p.bind(x)


def asin(x):
    return asin_p.bind(x)


def acos(x):
    return acos_p.bind(x)


def atan(x):
    return atan_p.bind(x)


def sinh(x):
    return sinh_p.bind(x)


def cosh(x):
    return cosh_p.bind(x)


def tanh(x):
    return tanh_p.bind(x)


def asinh(x):
    return asinh_p.bind(x)


def acosh(x):
    return acosh_p.bind(x)


def atanh(x):
    return atanh_p.bind(x)


def sqrt(x):
    return sqrt_p.bind(x)


def cbrt(x):
    return cbrt_p.bind(x)


def abs(x):  # noqa: A001 (lax's name)
    return abs_p.bind(x)


def logistic(x):
    return logistic_p.bind(x)


def bitwise_not(x):
    return not_p.bind(x)


def is_finite(x):
    return is_finite_p.bind(x)


deflinear(neg_p, lambda ct, x: [neg(ct)])
for _p in (sign_p, floor_p, ceil_p, round_p, not_p, is_finite_p):
    defjvp_zero(_p)

defjvp(exp_p, lambda t, ans, x: mul(t, ans))
defjvp(exp2_p, lambda t, ans, x: mul(t, mul(ans, _const(np.log(2.0), ans))))
defjvp(log_p, lambda t, ans, x: div(t, x))
defjvp(log1p_p, lambda t, ans, x: div(t, add(x, _const(1, x))))
defjvp(expm1_p, lambda t, ans, x: mul(t, add(ans, _const(1, ans))))
defjvp(sin_p, lambda t, ans, x: mul(t, cos(x)))
defjvp(cos_p, lambda t, ans, x: neg(mul(t, sin(x))))
defjvp(tan_p, lambda t, ans, x: mul(t, add(_const(1, ans), mul(ans, ans))))
defjvp(asin_p, lambda t, ans, x: div(t, sqrt(sub(_const(1, x), mul(x, x)))))
defjvp(acos_p, lambda t, ans, x: neg(div(t, sqrt(sub(_const(1, x), mul(x, x))))))
defjvp(atan_p, lambda t, ans, x: div(t, add(_const(1, x), mul(x, x))))
defjvp(sinh_p, lambda t, ans, x: mul(t, cosh(x)))
defjvp(cosh_p, lambda t, ans, x: mul(t, sinh(x)))
defjvp(tanh_p, lambda t, ans, x: mul(t, sub(_const(1, ans), mul(ans, ans))))
defjvp(asinh_p, lambda t, ans, x: div(t, sqrt(add(mul(x, x), _const(1, x)))))
defjvp(acosh_p, lambda t, ans, x: div(t, mul(sqrt(sub(x, _const(1, x))),
                                               sqrt(add(x, _const(1, x))))))
defjvp(atanh_p, lambda t, ans, x: div(t, sub(_const(1, x), mul(x, x))))
defjvp(sqrt_p, lambda t, ans, x: div(t, mul(_const(2, ans), ans)))
defjvp(cbrt_p, lambda t, ans, x: div(t, mul(_const(3, ans), mul(ans, ans))))
defjvp(logistic_p, lambda t, ans, x: mul(t, mul(ans, sub(_const(1, ans), ans))))


def _abs_jvp(t, ans, x):
    if core.get_aval(x).dtype.kind == "c":
        return _cplx.abs_complex_jvp(t, ans, x)
    return _cmp.select_n(_cmp.ge(x, _const(0, x)), neg(t), t)  # |x|' at 0 is +1, as JAX


defjvp(abs_p, _abs_jvp)


def _const(value, like):
    """A rank-0 literal of ``like``'s dtype (rank-0 operands broadcast in primitives)."""
    if type(like) is float:  # a weak Python scalar primal: stay weak
        return float(value)
    return core.get_aval(like).dtype.type(value)


# ---------------------------------------------------------------------------------------
# integer_pow: x ** n for a static integer n

integer_pow_p = Primitive("integer_pow")
integer_pow_p.def_impl(lambda x, *, y: np.power(x, y) if y >= 0 else 1 / np.power(x, -y))
integer_pow_p.def_abstract_eval(lambda x, *, y: x)


def integer_pow(x, y: int):
    return integer_pow_p.bind(x, y=y)


def _integer_pow_jvp(t, ans, x, *, y):
    if y == 0:
        return mul(t, _const(0, x))
    factor = _const(y, x) if y == 1 else mul(_const(y, x), integer_pow(x, y - 1))
    return mul(t, factor)


defjvp(integer_pow_p, _integer_pow_jvp)

# ---------------------------------------------------------------------------------------
# Binary arithmetic

add_p = binary_primitive("add", np.add)
sub_p = binary_primitive("sub", np.subtract)
mul_p = binary_primitive("mul", np.multiply)
div_p = binary_primitive("div", lambda x, y: _div_impl(x, y))
rem_p = binary_primitive("rem", np.fmod)
pow_p = binary_primitive("pow", np.power)
max_p = binary_primitive("max", np.maximum)
min_p = binary_primitive("min", np.minimum)
atan2_p = binary_primitive("atan2", np.arctan2)
and_p = binary_primitive("and", np.bitwise_and)
or_p = binary_primitive("or", np.bitwise_or)
xor_p = binary_primitive("xor", np.bitwise_xor)


def _div_impl(x, y):
    # lax.div rounds integer quotients toward zero (C semantics), like JAX.
    if np.result_type(x, y).kind in "iu":
        q = np.floor_divide(x, y)
        fix = (np.remainder(x, y) != 0) & ((np.sign(x) * np.sign(y)) < 0)
        return q + fix.astype(q.dtype)
    return np.true_divide(x, y)


def add(x, y):
    return add_p.bind(x, y)


def sub(x, y):
    return sub_p.bind(x, y)


def mul(x, y):
    return mul_p.bind(x, y)


def div(x, y):
    return div_p.bind(x, y)


def rem(x, y):
    return rem_p.bind(x, y)


def pow(x, y):  # noqa: A001 (lax's name)
    return pow_p.bind(x, y)


def max(x, y):  # noqa: A001 (lax's name)
    return max_p.bind(x, y)


def min(x, y):  # noqa: A001 (lax's name)
    return min_p.bind(x, y)


def atan2(x, y):
    return atan2_p.bind(x, y)


def bitwise_and(x, y):
    return and_p.bind(x, y)


def bitwise_or(x, y):
    return or_p.bind(x, y)


def bitwise_xor(x, y):
    return xor_p.bind(x, y)


def _add_transpose(ct, x, y):
    return [unbroadcast(ct, x.aval) if is_linear(x) else None,
            unbroadcast(ct, y.aval) if is_linear(y) else None]


def _sub_transpose(ct, x, y):
    return [unbroadcast(ct, x.aval) if is_linear(x) else None,
            unbroadcast(neg(ct), y.aval) if is_linear(y) else None]


def _mul_transpose(ct, x, y):
    if is_linear(x) and is_linear(y):
        raise TypeError("mul: transposing a product of two linear values (not linear)")
    if is_linear(x):
        return [unbroadcast(mul(ct, y), x.aval), None]
    return [None, unbroadcast(mul(x, ct), y.aval)]


def _div_transpose(ct, x, y):
    if is_linear(y):
        raise TypeError("div: the divisor of a linear division must be a constant")
    return [unbroadcast(div(ct, y), x.aval), None]


def _match_shape(t, ans):
    """Broadcast a rank-0 tangent to the output's shape (rank-0 operands broadcast)."""
    shape = core.shape_of(ans)
    if core.shape_of(t) == shape:
        return t
    from fungrad.lax.shape_ops import broadcast_in_dim  # noqa: PLC0415

    return broadcast_in_dim(t, shape, ())


defjvp(add_p, lambda t, ans, x, y: _match_shape(t, ans),
       lambda t, ans, x, y: _match_shape(t, ans))
defjvp(sub_p, lambda t, ans, x, y: _match_shape(t, ans),
       lambda t, ans, x, y: _match_shape(neg(t), ans))
transpose_rules[add_p] = _add_transpose
transpose_rules[sub_p] = _sub_transpose
add_p.linear = sub_p.linear = True
defjvp(mul_p, lambda t, ans, x, y: mul(t, y), lambda t, ans, x, y: mul(x, t))
transpose_rules[mul_p] = _mul_transpose
defjvp(div_p, lambda t, ans, x, y: div(t, y),
       lambda t, ans, x, y: neg(mul(t, div(ans, y))))
transpose_rules[div_p] = _div_transpose
# fmod(x, y) = x - y * trunc(x / y)
defjvp(rem_p, lambda t, ans, x, y: t,
       lambda t, ans, x, y: neg(mul(t, mul(sign(div(x, y)), floor(abs(div(x, y)))))))


def _pow_jvp_base(t, ans, x, y):
    # d/dx x**y = y * x**(y-1), taken as 0 where y == 0 (so 0**0 has a zero derivative).
    zero = _const(0, ans)
    dx = mul(y, pow(x, sub(y, _const(1, ans))))
    return mul(t, _cmp.select_n(_cmp.eq(y, zero), dx, _zeros_as(dx)))


def _pow_jvp_exponent(t, ans, x, y):
    # d/dy x**y = log(x) * x**y, with log(0) replaced by 0 (the limit used by JAX).
    zero = _const(0, ans)
    safe_x = _cmp.select_n(_cmp.eq(x, zero), x, _ones_as(x))
    return mul(t, mul(log(safe_x), ans))


def _zeros_as(x):
    return mul(x, _const(0, x))


def _ones_as(x):
    return add(_zeros_as(x), _const(1, x))


defjvp(pow_p, _pow_jvp_base, _pow_jvp_exponent)


def _minmax_jvp(pick_first):
    """Tangent of max/min: the chosen operand's tangent; ties split the tangent evenly."""

    def rule(primals, tangents):
        x, y = primals
        ans = pick_first.bind(x, y)
        tx, ty = tangents
        x_wins = _cmp.select_n(_cmp.eq(x, y), _as_float(_cmp.ne(ans, y), ans), _const(0.5, ans))
        y_wins = sub(_const(1, ans), x_wins)
        out = Zero.like_primal(ans)
        if not isinstance(tx, Zero):
            out = mul(tx, x_wins)
        if not isinstance(ty, Zero):
            term = mul(ty, y_wins)
            out = term if isinstance(out, Zero) else add(out, term)
        return ans, out

    return rule


def _as_float(pred, like):
    return _cmp.convert_element_type(pred, core.get_aval(like).dtype)


jvp_rules[max_p] = _minmax_jvp(max_p)
jvp_rules[min_p] = _minmax_jvp(min_p)
defjvp(atan2_p,
       lambda t, ans, x, y: mul(t, div(y, add(mul(x, x), mul(y, y)))),
       lambda t, ans, x, y: neg(mul(t, div(x, add(mul(x, x), mul(y, y))))))
for _p in (and_p, or_p, xor_p):
    defjvp_zero(_p)

# Comparisons, select_n and casts live in fungrad.lax.comparison; the rules above reach them
# through the module (imported last: comparison builds on the constructors defined here).
import fungrad.lax.comparison as _cmp  # noqa: E402
import fungrad.lax.complex_parts as _cplx  # noqa: E402

# ---------------------------------------------------------------------------------------
# Batching rules
from fungrad.transforms.vmap import defbroadcasting, defvectorized  # noqa: E402

for _p in (neg_p, sign_p, floor_p, ceil_p, round_p, exp_p, exp2_p, log_p, log1p_p, expm1_p,
           sin_p, cos_p, tan_p, asin_p, acos_p, atan_p, sinh_p, cosh_p, tanh_p, asinh_p,
           acosh_p, atanh_p, sqrt_p, cbrt_p, abs_p, logistic_p, not_p, is_finite_p,
           integer_pow_p):
    defvectorized(_p)
for _p in (add_p, sub_p, mul_p, div_p, rem_p, pow_p, max_p, min_p, atan2_p, and_p, or_p,
           xor_p):
    defbroadcasting(_p)
