"""Elementwise math primitives: unary and binary arithmetic and transcendental functions.

Operands of n-ary primitives have equal shapes and dtypes, except rank-0 operands, which
broadcast (fungrad.numpy promotes and broadcasts before binding). Each primitive's rules
sit next to it: impl, abstract_eval, JVP, and transpose for the linear ones.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

import numpy as np

__all__ = [
    "RoundingMethod",
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
from fungrad.array_module import get_array_module, module_function
from fungrad.core import Primitive, ShapedArray
from fungrad.interpreters import hooks
from fungrad.interpreters.batching import defbroadcasting, defvectorized
from fungrad.interpreters.jvp import (
    Zero,
    add_tangents,
    defjvp,
    defjvp_zero,
    jvp_rules,
    zeros_like_aval,
)
from fungrad.interpreters.linearize import (
    LinearArg,
    defjvp_scaled,
    deflinear,
    deflinearize_passthrough,
    is_linear,
    is_staged,
    linearize_rules,
    run_general,
    transpose_rules,
    wrap_linear,
)
from fungrad.ir import Literal
from fungrad.ir_passes import identity_unless, involution, simplify_rules

# ---------------------------------------------------------------------------------------
# Constructors for the families of elementwise primitives


def _unary_abstract_eval(x: ShapedArray) -> ShapedArray:
    return x


def _nary_abstract_eval(name: str):
    def rule(*avals: ShapedArray) -> ShapedArray:
        first = avals[0]
        if not first.weak_type:
            # The common case of every staged arithmetic equation, decided by comparing
            # fields: each operand has first's shape and dtype or is a weak rank-0 literal
            # (which adopts the dtype), so the result is first's aval.
            shape, dtype = first.shape, first.dtype
            for a in avals:
                weak_scalar = a.weak_type and a.shape == ()
                if not weak_scalar and (a.weak_type or a.shape != shape or a.dtype != dtype):
                    break
            else:
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
    """A unary elementwise primitive computed by the NumPy ufunc ``impl``.

    A ufunc runs as the operand's array module's function of the same name (``np.sin``
    -> ``cupy.sin``); other impls find the module themselves. The family's shared rules
    come with it: the abstract value of the operand, and the vectorized batching rule (the
    primitive applies to the batched value as it is).
    """
    prim = Primitive(name)
    prim.def_impl(module_function(impl) if isinstance(impl, np.ufunc) else impl)
    prim.def_abstract_eval(_unary_abstract_eval)
    prim.elementwise = True
    defvectorized(prim)
    return prim


def binary_primitive(name: str, impl, predicate: bool = False) -> Primitive:
    """A binary elementwise primitive (rank-0 operands broadcast).

    Registers the family's abstract-eval rule (equal shapes and dtypes; boolean results for
    predicates) and the broadcasting batching rule.
    """
    prim = Primitive(name)
    prim.def_impl(module_function(impl) if isinstance(impl, np.ufunc) else impl)
    rule = _predicate_abstract_eval(name) if predicate else _nary_abstract_eval(name)
    prim.def_abstract_eval(rule)
    prim.elementwise = True
    defbroadcasting(prim)
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
deflinear(neg_p, lambda ct, x: [neg(ct)])
simplify_rules[neg_p] = involution
sign_p = unary_primitive("sign", np.sign)
floor_p = unary_primitive("floor", np.floor)
ceil_p = unary_primitive("ceil", np.ceil)
round_p = unary_primitive("round", module_function(np.round))  # round half to even, like NumPy
exp_p = unary_primitive("exp", np.exp)
defjvp_scaled(exp_p, lambda ans, x: ans)
exp2_p = unary_primitive("exp2", np.exp2)
defjvp_scaled(exp2_p, lambda ans, x: mul(ans, _const(np.log(2.0), ans)))
log_p = unary_primitive("log", np.log)
defjvp_scaled(log_p, lambda ans, x: x, divide=(0,))
log1p_p = unary_primitive("log1p", np.log1p)
defjvp(log1p_p, lambda t, ans, x: div(t, add(x, _const(1, x))))
expm1_p = unary_primitive("expm1", np.expm1)
defjvp_scaled(expm1_p, lambda ans, x: add(ans, _const(1, ans)))
sin_p = unary_primitive("sin", np.sin)
defjvp_scaled(sin_p, lambda ans, x: cos(x))
cos_p = unary_primitive("cos", np.cos)
defjvp(cos_p, lambda t, ans, x: neg(mul(t, sin(x))))
tan_p = unary_primitive("tan", np.tan)
defjvp_scaled(tan_p, lambda ans, x: add(_const(1, ans), mul(ans, ans)))
asin_p = unary_primitive("asin", np.arcsin)
defjvp(asin_p, lambda t, ans, x: div(t, sqrt(sub(_const(1, x), mul(x, x)))))
acos_p = unary_primitive("acos", np.arccos)
defjvp(acos_p, lambda t, ans, x: neg(div(t, sqrt(sub(_const(1, x), mul(x, x))))))
atan_p = unary_primitive("atan", np.arctan)
defjvp(atan_p, lambda t, ans, x: div(t, add(_const(1, x), mul(x, x))))
sinh_p = unary_primitive("sinh", np.sinh)
defjvp_scaled(sinh_p, lambda ans, x: cosh(x))
cosh_p = unary_primitive("cosh", np.cosh)
defjvp_scaled(cosh_p, lambda ans, x: sinh(x))
tanh_p = unary_primitive("tanh", np.tanh)
defjvp_scaled(tanh_p, lambda ans, x: sub(_const(1, ans), mul(ans, ans)))
asinh_p = unary_primitive("asinh", np.arcsinh)
defjvp(asinh_p, lambda t, ans, x: div(t, sqrt(add(mul(x, x), _const(1, x)))))
acosh_p = unary_primitive("acosh", np.arccosh)
defjvp(acosh_p, lambda t, ans, x: div(t, mul(sqrt(sub(x, _const(1, x))),
                                               sqrt(add(x, _const(1, x))))))
atanh_p = unary_primitive("atanh", np.arctanh)
defjvp(atanh_p, lambda t, ans, x: div(t, sub(_const(1, x), mul(x, x))))
sqrt_p = unary_primitive("sqrt", np.sqrt)
defjvp(sqrt_p, lambda t, ans, x: div(t, mul(_const(2, ans), ans)))
cbrt_p = unary_primitive("cbrt", np.cbrt)
defjvp(cbrt_p, lambda t, ans, x: div(t, mul(_const(3, ans), mul(ans, ans))))
abs_p = unary_primitive("abs", np.abs)


def _abs_jvp(t, ans, x):
    if core.get_aval(x).dtype.kind == "c":
        return _cplx.abs_complex_jvp(t, ans, x)
    return _cmp.select_n(_cmp.ge(x, _const(0, x)), neg(t), t)  # |x|' at 0 is +1, as JAX


defjvp(abs_p, _abs_jvp)
abs_p.def_abstract_eval(lambda x: x.update(dtype=dtypes.real_dtype(x.dtype)))  # |z| is real


def _logistic_impl(x):
    # exp(-|x|) never overflows; for x < 0, e / (1 + e) = exp(x) / (1 + exp(x)).
    xp = get_array_module(x)
    e = xp.exp(-xp.abs(x))
    ratio = 1 / (1 + e)  # Python ints keep float32 float32
    return xp.where(x >= 0, ratio, e * ratio)[()]  # [()]: scalars in, scalars out


logistic_p = unary_primitive("logistic", _logistic_impl)
defjvp_scaled(logistic_p, lambda ans, x: mul(ans, sub(_const(1, ans), ans)))
not_p = unary_primitive("not", np.invert)
is_finite_p = Primitive("is_finite")
is_finite_p.def_impl(module_function(np.isfinite))
is_finite_p.def_abstract_eval(lambda x: ShapedArray(x.shape, np.bool_))
is_finite_p.elementwise = True
defvectorized(is_finite_p)
for _p in (sign_p, floor_p, ceil_p, round_p, not_p, is_finite_p):
    defjvp_zero(_p)


def neg(x):
    """Elementwise negation, ``-x``.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.neg(np.array([1.0, -2.0]))
        array([-1.,  2.])
    """
    return neg_p.bind(x)


def sign(x):
    """Sign of ``x`` (-1, 0 or 1); its derivative is 0 everywhere, 0 included, as JAX.

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> from fungrad import lax
        >>> lax.sign(np.array([-2.0, 0.0, 3.0]))
        array([-1.,  0.,  1.])
        >>> fg.grad(lax.sign)(3.0)
        Array(0.)
    """
    return sign_p.bind(x)


def floor(x):
    """Elementwise floor: the largest integer not above ``x`` (derivative 0).

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.floor(np.array([-1.5, 0.5, 2.0]))
        array([-2.,  0.,  2.])
    """
    return floor_p.bind(x)


def ceil(x):
    """Elementwise ceiling: the smallest integer not below ``x`` (derivative 0).

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.ceil(np.array([-1.5, 0.5, 2.0]))
        array([-1.,  1.,  2.])
    """
    return ceil_p.bind(x)


class RoundingMethod(enum.IntEnum):
    """How :func:`round` treats halves, as ``jax.lax.RoundingMethod``.

    >>> RoundingMethod.TO_NEAREST_EVEN
    <RoundingMethod.TO_NEAREST_EVEN: 1>
    """

    AWAY_FROM_ZERO = 0
    TO_NEAREST_EVEN = 1


def round(x, rounding_method=RoundingMethod.AWAY_FROM_ZERO):  # noqa: A001 (lax's name)
    """Round to the nearest integer; halves away from zero by default, as ``jax.lax.round``.

    ``rounding_method=RoundingMethod.TO_NEAREST_EVEN`` rounds halves to even, like NumPy's
    ``np.round`` and ``fnp.round``. The derivative is 0 everywhere.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.round(np.array([0.5, 1.5, 2.5, -0.5]))
        array([ 1.,  2.,  3., -1.])
        >>> lax.round(np.array([0.5, 1.5, 2.5, -0.5]), lax.RoundingMethod.TO_NEAREST_EVEN)
        array([ 0.,  2.,  2., -0.])
    """
    method = RoundingMethod(rounding_method)
    if method is RoundingMethod.TO_NEAREST_EVEN:
        return round_p.bind(x)
    # |x| rounded half up, with x's sign put back. Zeros (either sign), infinities and nan
    # are their own rounding and are passed through by a select, so that nothing forms
    # inf - inf; the fraction a - floor(a) is exact, so no value near a half is misrounded.
    dtype = core.get_aval(x).dtype
    zero, half, one = (_cmp.convert_element_type(v, dtype) for v in (0.0, 0.5, 1.0))
    keep = bitwise_or(_cmp.eq(x, zero), bitwise_not(is_finite(x)))
    safe = _cmp.select_n(keep, x, zero)
    a = abs(safe)
    low = floor(a)
    up = _cmp.select_n(_cmp.ge(sub(a, low), half), low, add(low, one))
    return _cmp.select_n(keep, _cmp.select_n(_cmp.lt(safe, zero), up, neg(up)), x)


def exp(x, *, accuracy=None):
    """Elementwise exponential, ``e ** x``; its derivative is ``exp(x)``.

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> from fungrad import lax
        >>> lax.exp(np.array([0.0, 1.0]))
        array([1.        , 2.71828183])
        >>> fg.grad(lax.exp)(0.0)
        Array(1.)
    """
    del accuracy  # always NumPy's full accuracy (JAX's option chooses among XLA kernels)
    return exp_p.bind(x)


def exp2(x, *, accuracy=None):
    """Elementwise ``2 ** x``; its derivative is ``log(2) * 2 ** x``.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.exp2(np.array([0.0, 3.0, -1.0]))
        array([1. , 8. , 0.5])
    """
    del accuracy  # always NumPy's full accuracy (JAX's option chooses among XLA kernels)
    return exp2_p.bind(x)


def log(x, *, accuracy=None):
    """Natural logarithm; at 0 it is -inf and its derivative 1/x is inf, as JAX.

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> from fungrad import lax
        >>> lax.log(np.array([1.0, np.e]))
        array([0., 1.])
        >>> fg.grad(lax.log)(2.0)
        Array(0.5)
    """
    del accuracy  # always NumPy's full accuracy (JAX's option chooses among XLA kernels)
    return log_p.bind(x)


def log1p(x, *, accuracy=None):
    """Elementwise ``log(1 + x)``, accurate for small ``x``; its derivative is ``1 / (1 + x)``.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.log1p(np.array([0.0, 1e-10]))
        array([0.e+00, 1.e-10])
    """
    del accuracy  # always NumPy's full accuracy (JAX's option chooses among XLA kernels)
    return log1p_p.bind(x)


def expm1(x, *, accuracy=None):
    """Elementwise ``exp(x) - 1``, accurate for small ``x``; its derivative is ``exp(x)``.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.expm1(np.array([0.0, 1e-10]))
        array([0.e+00, 1.e-10])
    """
    del accuracy  # always NumPy's full accuracy (JAX's option chooses among XLA kernels)
    return expm1_p.bind(x)


def sin(x, *, accuracy=None):
    """Elementwise sine (radians); its derivative is ``cos(x)``.

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> from fungrad import lax
        >>> lax.sin(np.array([0.0, np.pi / 2]))
        array([0., 1.])
        >>> fg.grad(lax.sin)(0.0)
        Array(1.)
    """
    del accuracy  # always NumPy's full accuracy (JAX's option chooses among XLA kernels)
    return sin_p.bind(x)


def cos(x, *, accuracy=None):
    """Elementwise cosine (radians); its derivative is ``-sin(x)``.

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> from fungrad import lax
        >>> lax.cos(np.array([0.0, np.pi]))
        array([ 1., -1.])
        >>> fg.grad(lax.cos)(np.pi / 2)
        Array(-1.)
    """
    del accuracy  # always NumPy's full accuracy (JAX's option chooses among XLA kernels)
    return cos_p.bind(x)


def tan(x, *, accuracy=None):
    """Elementwise tangent (radians); its derivative is ``1 + tan(x) ** 2``.

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> from fungrad import lax
        >>> lax.tan(np.array([0.0, np.pi / 4]))
        array([0., 1.])
        >>> fg.grad(lax.tan)(0.0)
        Array(1.)
    """
    del accuracy  # always NumPy's full accuracy (JAX's option chooses among XLA kernels)
    return tan_p.bind(x)


def asin(x):
    """Elementwise inverse sine, in ``[-pi/2, pi/2]``; derivative ``1 / sqrt(1 - x ** 2)``.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.asin(np.array([0.0, 1.0]))
        array([0.        , 1.57079633])
    """
    return asin_p.bind(x)


def acos(x):
    """Elementwise inverse cosine, in ``[0, pi]``; derivative ``-1 / sqrt(1 - x ** 2)``.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.acos(np.array([1.0, 0.0]))
        array([0.        , 1.57079633])
    """
    return acos_p.bind(x)


def atan(x):
    """Elementwise inverse tangent, in ``(-pi/2, pi/2)``; derivative ``1 / (1 + x ** 2)``.

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> from fungrad import lax
        >>> lax.atan(np.array([0.0, 1.0]))
        array([0.        , 0.78539816])
        >>> fg.grad(lax.atan)(1.0)
        Array(0.5)
    """
    return atan_p.bind(x)


def sinh(x):
    """Elementwise hyperbolic sine; its derivative is ``cosh(x)``.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.sinh(np.array([0.0, 1.0]))
        array([0.        , 1.17520119])
    """
    return sinh_p.bind(x)


def cosh(x):
    """Elementwise hyperbolic cosine; its derivative is ``sinh(x)``.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.cosh(np.array([0.0, 1.0]))
        array([1.        , 1.54308063])
    """
    return cosh_p.bind(x)


def tanh(x, *, accuracy=None):
    """Elementwise hyperbolic tangent; its derivative is ``1 - tanh(x) ** 2``.

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> from fungrad import lax
        >>> lax.tanh(np.array([0.0, 1.0]))
        array([0.        , 0.76159416])
        >>> fg.grad(lax.tanh)(0.0)
        Array(1.)
    """
    del accuracy  # always NumPy's full accuracy (JAX's option chooses among XLA kernels)
    return tanh_p.bind(x)


def asinh(x):
    """Elementwise inverse hyperbolic sine; derivative ``1 / sqrt(x ** 2 + 1)``.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.asinh(np.array([0.0, 1.0]))
        array([0.        , 0.88137359])
    """
    return asinh_p.bind(x)


def acosh(x):
    """Elementwise inverse hyperbolic cosine (nan below 1); derivative ``1 / sqrt(x ** 2 - 1)``.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.acosh(np.array([1.0, 2.0]))
        array([0.       , 1.3169579])
    """
    return acosh_p.bind(x)


def atanh(x):
    """Elementwise inverse hyperbolic tangent (inf at +-1); derivative ``1 / (1 - x ** 2)``.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.atanh(np.array([0.0, 0.5]))
        array([0.        , 0.54930614])
    """
    return atanh_p.bind(x)


def sqrt(x, *, accuracy=None):
    """Square root. At 0 the derivative 1/(2 sqrt(x)) is inf, so a nonzero tangent gives inf
    and a zero one gives nan (0/0), as JAX.

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> from fungrad import lax
        >>> lax.sqrt(np.array([4.0, 9.0]))
        array([2., 3.])
        >>> fg.grad(lax.sqrt)(4.0)
        Array(0.25)
    """
    del accuracy  # always NumPy's full accuracy (JAX's option chooses among XLA kernels)
    return sqrt_p.bind(x)


def cbrt(x, *, accuracy=None):
    """Elementwise real cube root (negative for negative ``x``); derivative ``cbrt(x) / (3 x)``.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.cbrt(np.array([8.0, -27.0]))
        array([ 2., -3.])
    """
    del accuracy  # always NumPy's full accuracy (JAX's option chooses among XLA kernels)
    return cbrt_p.bind(x)


def abs(x):  # noqa: A001 (lax's name)
    """Absolute value; its derivative at 0 is taken as +1, as JAX.

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> from fungrad import lax
        >>> lax.abs(np.array([-2.0, 0.0, 3.0]))
        array([2., 0., 3.])
        >>> fg.grad(lax.abs)(0.0)
        Array(1.)
    """
    return abs_p.bind(x)


def logistic(x, *, accuracy=None):
    """The logistic sigmoid ``1 / (1 + exp(-x))``, without overflow for large ``|x|``.

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> from fungrad import lax
        >>> lax.logistic(np.array([0.0, 1000.0, -1000.0]))
        array([0.5, 1. , 0. ])
        >>> fg.grad(lax.logistic)(0.0)
        Array(0.25)
    """
    del accuracy  # always NumPy's full accuracy (JAX's option chooses among XLA kernels)
    return logistic_p.bind(x)


def bitwise_not(x):
    """Elementwise bitwise NOT of integers (``~x``), logical NOT of booleans.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.bitwise_not(np.array([0, 5]))
        array([-1, -6])
        >>> lax.bitwise_not(np.array([True, False]))
        array([False,  True])
    """
    return not_p.bind(x)


def is_finite(x):
    """Elementwise test for values that are neither inf nor nan (boolean result).

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.is_finite(np.array([1.0, np.inf, np.nan]))
        array([ True, False, False])
    """
    return is_finite_p.bind(x)


def _const(value, like):
    """A rank-0 literal of ``like``'s dtype (rank-0 operands broadcast in primitives)."""
    if type(like) is float:  # a weak Python scalar primal: stay weak
        return float(value)
    if type(like) is np.ndarray:  # the common case: no aval needed
        return like.dtype.type(value)
    return core.get_aval(like).dtype.type(value)


# ---------------------------------------------------------------------------------------
# integer_pow: x ** n for a static integer n

integer_pow_p = Primitive("integer_pow")


def _integer_pow_impl(x, *, y):
    xp = get_array_module(x)
    return xp.power(x, y) if y >= 0 else 1 / xp.power(x, -y)


integer_pow_p.def_impl(_integer_pow_impl)
integer_pow_p.def_abstract_eval(lambda x, *, y: x)
integer_pow_p.elementwise = True
defvectorized(integer_pow_p)


def integer_pow(x, y: int):
    """``x ** y`` for a static integer ``y``; ``x ** 0`` has a zero derivative everywhere.

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> from fungrad import lax
        >>> lax.integer_pow(np.array([2.0, -3.0]), 3)
        array([  8., -27.])
        >>> fg.grad(lambda x: lax.integer_pow(x, 3))(2.0)
        Array(12.)
    """
    return integer_pow_p.bind(x, y=y)


def _integer_pow_jvp(t, ans, x, *, y):
    if y == 0:  # x ** 0 is the constant 1: a symbolic zero, even for an inf or nan tangent
        return Zero.like_primal(ans)
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
hooks.install(mul_p=mul_p, div_p=div_p)  # scaled tangents (defjvp_scaled) are recorded
# as products and quotients


def _div_impl(x, y):
    # lax.div rounds integer quotients toward zero (C semantics), like JAX.
    xp = get_array_module(x, y)
    strong = y if type(x) in (bool, int, float, complex) else x  # a weak literal adopts it
    if core.get_aval(strong).dtype.kind in "iu":
        q = xp.floor_divide(x, y)
        fix = (xp.remainder(x, y) != 0) & ((xp.sign(x) * xp.sign(y)) < 0)
        return q + fix.astype(q.dtype)
    return xp.true_divide(x, y)


def add(x, y):
    """Elementwise sum ``x + y`` (equal shapes and dtypes; rank-0 operands broadcast).

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.add(np.array([1.0, 2.0]), np.array([10.0, 20.0]))
        array([11., 22.])
    """
    return add_p.bind(x, y)


def sub(x, y):
    """Elementwise difference ``x - y`` (equal shapes and dtypes; rank-0 operands broadcast).

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.sub(np.array([1.0, 2.0]), np.array([10.0, 20.0]))
        array([ -9., -18.])
    """
    return sub_p.bind(x, y)


def mul(x, y, *, out_dtype=None):
    """Elementwise product ``x * y`` (equal shapes and dtypes; rank-0 operands broadcast).

    ``out_dtype`` (as in JAX) converts both operands to that dtype first, e.g. to multiply
    int8 values without overflow in int32.

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> from fungrad import lax
        >>> lax.mul(np.array([1.0, 2.0]), np.array([10.0, 20.0]))
        array([10., 40.])
        >>> fg.grad(lax.mul, argnums=(0, 1))(2.0, 5.0)
        (Array(5.), Array(2.))
    """
    if out_dtype is not None:
        x, y = (_cmp.convert_element_type(v, out_dtype) for v in (x, y))
    return mul_p.bind(x, y)


def div(x, y):
    """Elementwise quotient ``x / y``; integer quotients round toward zero (C, like JAX).

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.div(np.array([1.0, 3.0]), np.array([4.0, 2.0]))
        array([0.25, 1.5 ])
        >>> lax.div(np.array([7, -7]), np.array([2, 2]))
        array([ 3, -3])
    """
    return div_p.bind(x, y)


def rem(x, y):
    """Elementwise remainder of ``x / y`` with the sign of ``x`` (C's ``fmod``, like JAX).

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.rem(np.array([7.0, -7.0]), np.array([2.0, 2.0]))
        array([ 1., -1.])
    """
    return rem_p.bind(x, y)


def pow(x, y):  # noqa: A001 (lax's name)
    """``x ** y`` elementwise. Where ``y == 0`` the derivative in ``x`` is 0 (``x ** 0`` is the
    constant 1, even at ``x == 0``; JAX gives nan there for a float ``y``); the derivative in
    ``y`` uses ``log(x)`` taken as 0 at ``x == 0`` (so ``0 ** y`` for ``y > 0`` has zero
    derivatives), as JAX.

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> from fungrad import lax
        >>> lax.pow(np.array([2.0, 3.0]), np.array([3.0, 2.0]))
        array([8., 9.])
        >>> fg.grad(lax.pow)(2.0, 3.0)
        Array(12.)
    """
    return pow_p.bind(x, y)


def max(x, y):  # noqa: A001 (lax's name)
    """Elementwise maximum; at ties ``x == y`` each operand gets half the derivative, as JAX.

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> from fungrad import lax
        >>> lax.max(np.array([1.0, 5.0]), np.array([3.0, 2.0]))
        array([3., 5.])
        >>> fg.grad(lax.max, argnums=(0, 1))(1.0, 1.0)
        (Array(0.5), Array(0.5))
    """
    return max_p.bind(x, y)


def min(x, y):  # noqa: A001 (lax's name)
    """Elementwise minimum; at ties ``x == y`` each operand gets half the derivative, as JAX.

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> from fungrad import lax
        >>> lax.min(np.array([1.0, 5.0]), np.array([3.0, 2.0]))
        array([1., 2.])
        >>> fg.grad(lax.min, argnums=(0, 1))(1.0, 1.0)
        (Array(0.5), Array(0.5))
    """
    return min_p.bind(x, y)


def atan2(x, y):
    """Angle of the point ``(y, x)``; at the origin its derivatives are nan (0/0), as JAX.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.atan2(np.array([1.0, 0.0]), np.array([0.0, -1.0]))
        array([1.57079633, 3.14159265])
    """
    return atan2_p.bind(x, y)


def bitwise_and(x, y):
    """Elementwise bitwise AND of integers, logical AND of booleans.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.bitwise_and(np.array([12, 10]), np.array([10, 6]))
        array([8, 2])
    """
    return and_p.bind(x, y)


def bitwise_or(x, y):
    """Elementwise bitwise OR of integers, logical OR of booleans.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.bitwise_or(np.array([12, 10]), np.array([10, 6]))
        array([14, 14])
    """
    return or_p.bind(x, y)


def bitwise_xor(x, y):
    """Elementwise bitwise XOR of integers, logical XOR of booleans.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.bitwise_xor(np.array([12, 10]), np.array([10, 6]))
        array([ 6, 12])
    """
    return xor_p.bind(x, y)


def _add_transpose(ct, x, y):
    return [unbroadcast(ct, x.aval) if is_linear(x) else None,
            unbroadcast(ct, y.aval) if is_linear(y) else None]


def _sub_transpose(ct, x, y):
    return [unbroadcast(ct, x.aval) if is_linear(x) else None,
            unbroadcast(neg(ct), y.aval) if is_linear(y) else None]


def _mul_transpose(ct, x, y):
    # Every scaled tangent (defjvp_scaled) is a product: this runs once per elementwise
    # operation of an eager grad, so it binds mul_p directly and sums down only for a
    # rank-0 linear operand.
    if type(x) is LinearArg:
        if type(y) is LinearArg:
            raise TypeError("mul: transposing a product of two linear values (not linear)")
        ct_x = mul_p.bind(ct, y)
        return [unbroadcast(ct_x, x.aval) if x.aval.shape == () else ct_x, None]
    ct_y = mul_p.bind(x, ct)
    return [None, unbroadcast(ct_y, y.aval) if y.aval.shape == () else ct_y]


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
deflinearize_passthrough(add_p, 0, 1)
deflinearize_passthrough(sub_p, 0, subtracted=1)
transpose_rules[add_p] = _add_transpose
transpose_rules[sub_p] = _sub_transpose
add_p.linear = sub_p.linear = True
simplify_rules[add_p] = identity_unless(0, commutes=True)
simplify_rules[sub_p] = identity_unless(0, commutes=False)
defjvp_scaled(mul_p, lambda ans, x, y: y, lambda ans, x, y: x)
transpose_rules[mul_p] = _mul_transpose
simplify_rules[mul_p] = identity_unless(1, commutes=True)
# d(x / y) = t_x / y - t_y * (ans / y): the first term a quotient, as JAX computes it
defjvp_scaled(div_p, lambda ans, x, y: y, lambda ans, x, y: neg(div(ans, y)), divide=(0,))
transpose_rules[div_p] = _div_transpose
simplify_rules[div_p] = identity_unless(1, commutes=False)
# fmod(x, y) = x - y * trunc(x / y)
defjvp(rem_p, lambda t, ans, x, y: t,
       lambda t, ans, x, y: neg(mul(t, mul(sign(div(x, y)), floor(abs(div(x, y)))))))


def _pow_jvp_base(t, ans, x, y):
    # d/dx x**y = y * x**(y-1), taken as 0 at 0**0: x**0 is the constant 1, so 0**0 has a
    # zero derivative (JAX gives nan for a float y == 0 and 0 for an integer one). Only
    # there: at y == 0 with x != 0 the factor y * x**(y-1) is 0 with its derivative in y,
    # x**-1 (the mixed second derivative of x**y; selecting 0 for every y == 0 lost it).
    # The factor is selected rather than the product with t, because reverse mode
    # transposes mul(t, .); and at 0**0 its exponent is 1, so that the unselected
    # 0 * 0**-1 and its own derivatives stay finite (a zero cotangent times them must stay
    # zero).
    at_zero = bitwise_and(_cmp.eq(y, _const(0, ans)), _cmp.eq(x, _const(0, ans)))
    exponent = _cmp.select_n(at_zero, sub(y, _const(1, ans)), _const(1, ans))
    factor = mul(y, pow(x, exponent))
    return mul(t, _cmp.select_n(at_zero, factor, _zeros_as(factor)))


def _pow_jvp_exponent(t, ans, x, y):
    # d/dy x**y = log(x) * x**y, with log(0) replaced by 0 (the limit used by JAX). A weak
    # Python base (3 ** y) takes the result's dtype first: its own (int64) would make
    # log(x) float64 beside a float32 ans.
    if type(x) in (bool, int, float):
        x = _const(x, ans)
    safe_x = _cmp.select_n(_cmp.eq(x, _const(0, ans)), x, _const(1, x))
    return mul(t, mul(log(safe_x), ans))


def _zeros_as(x):
    """Zeros of ``x``'s shape and dtype, built from its aval (``x * 0`` turns inf into nan)."""
    return zeros_like_aval(core.get_aval(x))


defjvp(pow_p, _pow_jvp_base, _pow_jvp_exponent)


def _minmax_jvp(prim):
    """Tangent of max/min: the chosen operand's tangent; ties split it evenly, as JAX.

    Built from selects between the tangents and built zeros, never as a product with a 0/1
    mask: an inf or nan tangent of the operand that is not chosen must not leak (inf * 0).
    Where the result is nan (a nan operand) the tangent is 0, as in JAX.
    """

    def rule(primals, tangents):
        x, y = primals
        ans = prim.bind(x, y)
        out = None
        for mine, other, t in ((x, y, tangents[0]), (y, x, tangents[1])):
            if not isinstance(t, Zero):
                term = _chosen_tangent(_match_shape(t, ans), mine, other, ans)
                out = term if out is None else add_tangents(out, term)
        return ans, Zero.like_primal(ans) if out is None else out

    return rule


def _chosen_tangent(t, mine, other, ans):
    """``t`` where only ``mine`` equals ``ans``, ``t / 2`` where both operands do, else 0.

    The halving at ties is a product with a primal weight (1 or 0.5), so the tangent is
    two linear operations, a product and one select: the backward pass of a ReLU is one
    select and one product, not three selects.
    """
    ties = _cmp.eq(other, ans)
    chosen = _cmp.eq(mine, ans)
    if type(ties) is np.ndarray and type(chosen) is np.ndarray and not (ties & chosen).any():
        # Eager values without a tie (a ReLU's input is rarely exactly 0; ``ties`` alone is
        # also true where only the other operand is chosen): the weight is 1 wherever the
        # tangent is taken, so the tangent is one select (the backward pass one select, not
        # two passes and a weight array).
        return _cmp.select_n(chosen, _zeros_as(t), t)
    weight = _cmp.select_n(ties, _const(1, t), _const(0.5, t))
    return _cmp.select_n(chosen, _zeros_as(t), mul(t, weight))


jvp_rules[max_p] = _minmax_jvp(max_p)
jvp_rules[min_p] = _minmax_jvp(min_p)


def _minmax_linearization(prim: Primitive, beats: Callable) -> Callable:
    """The direct linearization of max/min of a host array against a constant (a ReLU, a
    clip's bound), the tangent :func:`_minmax_jvp` gives, staged as one equation.

    ``beats(mine, other)`` (``np.greater`` for max) marks where the operand with the
    tangent is chosen alone (False at nan, as ``mine == ans`` is); where it equals the
    constant (a tie) it is chosen with weight 1/2. The tangent is one select between the
    staged tangent and a literal zero, after a product with the tie weights only where a
    tie occurs: the forward pass makes two comparisons instead of the general rule's five
    operations through the staging trace. Every other case (both operands with tangents,
    traced or device operands, a rank-0 operand broadcast against an array) runs the
    general rule.
    """
    general = jvp_rules[prim]

    def rule(trace, primals, tangents):
        staging = trace.tangent_trace
        (x, y), (tx, ty) = primals, tangents
        if type(ty) is Zero and is_staged(tx, staging):
            mine, other, t = x, y, tx
        elif type(tx) is Zero and is_staged(ty, staging):
            mine, other, t = y, x, ty
        else:
            return run_general(general, trace, prim, primals, tangents, {})
        aval = t._var.aval
        if (type(mine) is not np.ndarray or mine.shape != aval.shape or aval.weak_type
                or aval.dtype.kind != "f" or not (type(other) in (int, float) or (
                    isinstance(other, (np.ndarray, np.generic))
                    and np.shape(other) in ((), mine.shape)))):
            return run_general(general, trace, prim, primals, tangents, {})
        ans = prim.bind(x, y)
        if type(ans) is not np.ndarray or ans.shape != aval.shape or ans.dtype != aval.dtype:
            return run_general(general, trace, prim, primals, tangents, {})
        chosen = beats(mine, other)
        ties = np.equal(mine, other)
        source = t._var
        if ties.any():
            weight = np.where(ties, aval.dtype.type(0.5), aval.dtype.type(1))
            source = staging.record(mul_p, [source, staging.to_atom(weight, aval)], {},
                                    aval)._var
            chosen |= ties
        which = staging.to_atom(chosen, ShapedArray(chosen.shape, np.dtype(np.bool_)))
        zero = Literal(aval.dtype.type(0))
        return wrap_linear(trace, ans, staging.record(_cmp.select_n_p, [which, zero, source],
                                                      {}, aval))

    rule.general = general
    rule.specialized = True  # fewer equations than the general rule's (same derivative)
    return rule


linearize_rules[max_p] = _minmax_linearization(max_p, np.greater)
linearize_rules[min_p] = _minmax_linearization(min_p, np.less)
defjvp(atan2_p,
       lambda t, ans, x, y: mul(t, div(y, add(mul(x, x), mul(y, y)))),
       lambda t, ans, x, y: neg(mul(t, div(x, add(mul(x, x), mul(y, y))))))
for _p in (and_p, or_p, xor_p):
    defjvp_zero(_p)

# Comparisons, select_n and casts live in fungrad.lax.comparison; the rules above reach them
# through the module (imported last: comparison builds on the constructors defined here).
import fungrad.lax.comparison as _cmp  # noqa: E402
import fungrad.lax.complex_parts as _cplx  # noqa: E402
