"""The CPU lowering table: each fusible primitive as a Numba (Python) expression.

One line per elementwise primitive. A rule is ``rule(dtype, params, *operands) -> str | None``:
``dtype`` is the operation's dtype (the output's; for comparisons, the operands'), the
operands are expressions already of that dtype, and the result is an expression, or None
when the rule declines the dtype (then the equation runs its NumPy impl). Results are cast
to the output dtype by the code generator, because Numba widens small integer arithmetic
and mixes Python floats in as float64.

Transcendentals go through the vector-math helpers (``vm_*``, :mod:`.vmath`) so that loops
containing them vectorise; ``fg.config.update("jit_exact_math", True)`` makes those helpers
call libm instead.

Reductions have their own table: the combining statement, the identity and the accumulator
dtype (float32 sums accumulate in float64, as NumPy's pairwise sums are about as exact);
float max and min accumulate integer keys that order like the floats (``accumulation``),
because a float max loop does not vectorise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from fungrad.kernels import settings

from fungrad import lax
from fungrad.core import Primitive
from fungrad.interpreters.jvp import add_any_p

Rule = Callable[..., str | None]

cpu_lowerings: dict[Primitive, Rule] = {}
# Elementwise primitives without a rule, and why (the coverage table shows the reason).
cpu_declined: dict[Primitive, str] = {}


def defelementwise(prim: Primitive, rule: Rule, kinds: str = "fiub") -> None:
    """Register ``rule`` for ``prim`` on dtypes whose kind is in ``kinds``."""

    def checked(dtype, params, *args):
        dtype = np.dtype(dtype)
        if dtype.kind not in kinds or (dtype.kind == "f" and dtype.itemsize not in (4, 8)):
            return None  # complex, float16 and bfloat16 run their NumPy impls
        return rule(dtype, params, *args)

    cpu_lowerings[prim] = checked


def _fmt(template: str) -> Rule:
    """A rule from a format string over the operands ``{0}``, ``{1}``..."""
    return lambda dtype, params, *a: template.format(*a)


def _unary_math(name: str, exact: str) -> Rule:
    """A transcendental through the vector-math helper ``vm_<name>_f32``/``_f64``, or
    through ``exact`` (a libm call) under ``jit_exact_math``."""

    def rule(dtype, params, x):
        if settings.exact_math():
            return exact.format(x, _suffix(dtype))
        return f"vm_{name}_{_suffix(dtype)}({x})"

    return rule


def _suffix(dtype) -> str:
    return {"float32": "f32", "float64": "f64"}[np.dtype(dtype).name]


FLOATS, INTS, BOOLS, NUMBERS = "f", "iu", "b", "fiu"

# arithmetic
defelementwise(lax.neg_p, _fmt("(-{0})"), NUMBERS)
defelementwise(lax.add_p, _fmt("({0} + {1})"), NUMBERS)
defelementwise(add_any_p, _fmt("({0} + {1})"), NUMBERS)
defelementwise(lax.sub_p, _fmt("({0} - {1})"), NUMBERS)
defelementwise(lax.mul_p, _fmt("({0} * {1})"), NUMBERS)
defelementwise(lax.div_p, _fmt("({0} / {1})"), FLOATS)  # integer div rounds toward zero
defelementwise(lax.rem_p, _fmt("np.fmod({0}, {1})"), FLOATS)
defelementwise(lax.pow_p, _fmt("np.power({0}, {1})"), FLOATS)
defelementwise(lax.max_p, _fmt("vm_max({0}, {1})"), NUMBERS)
defelementwise(lax.min_p, _fmt("vm_min({0}, {1})"), NUMBERS)
defelementwise(lax.abs_p, _fmt("abs({0})"), NUMBERS)
defelementwise(lax.sign_p, _fmt("vm_sign({0})"), NUMBERS)
defelementwise(lax.floor_p, _fmt("np.floor({0})"), FLOATS)
defelementwise(lax.ceil_p, _fmt("np.ceil({0})"), FLOATS)
defelementwise(lax.round_p, _fmt("np.rint({0})"), FLOATS)  # half to even, as NumPy
defelementwise(lax.sqrt_p, _fmt("np.sqrt({0})"), FLOATS)
defelementwise(lax.cbrt_p, _fmt("np.cbrt({0})"), FLOATS)
defelementwise(lax.integer_pow_p, lambda dtype, params, x: _integer_pow(x, params["y"]),
               NUMBERS)
# transcendentals
for _prim, _name, _exact in [(lax.exp_p, "exp", "np.exp({0})"),
                             (lax.log_p, "log", "np.log({0})"),
                             (lax.tanh_p, "tanh", "np.tanh({0})"),
                             (lax.logistic_p, "logistic", "vm_logistic_exact_{1}({0})")]:
    defelementwise(_prim, _unary_math(_name, _exact), FLOATS)
defelementwise(lax.log1p_p, _fmt("np.log1p({0})"), FLOATS)
defelementwise(lax.expm1_p, _fmt("np.expm1({0})"), FLOATS)
defelementwise(lax.sin_p, _fmt("np.sin({0})"), FLOATS)
defelementwise(lax.cos_p, _fmt("np.cos({0})"), FLOATS)
defelementwise(lax.exp2_p, _fmt("np.exp2({0})"), FLOATS)
defelementwise(lax.tan_p, _fmt("np.tan({0})"), FLOATS)
defelementwise(lax.asin_p, _fmt("np.arcsin({0})"), FLOATS)
defelementwise(lax.acos_p, _fmt("np.arccos({0})"), FLOATS)
defelementwise(lax.atan_p, _fmt("np.arctan({0})"), FLOATS)
defelementwise(lax.sinh_p, _fmt("np.sinh({0})"), FLOATS)
defelementwise(lax.cosh_p, _fmt("np.cosh({0})"), FLOATS)
defelementwise(lax.asinh_p, _fmt("np.arcsinh({0})"), FLOATS)
defelementwise(lax.acosh_p, _fmt("np.arccosh({0})"), FLOATS)
defelementwise(lax.atanh_p, _fmt("np.arctanh({0})"), FLOATS)
defelementwise(lax.atan2_p, _fmt("np.arctan2({0}, {1})"), FLOATS)
defelementwise(lax.is_finite_p, _fmt("np.isfinite({0})"), FLOATS)
# comparisons and selection
for _prim, _op in [(lax.eq_p, "=="), (lax.ne_p, "!="), (lax.lt_p, "<"), (lax.le_p, "<="),
                   (lax.gt_p, ">"), (lax.ge_p, ">=")]:
    defelementwise(_prim, _fmt("({0} " + _op + " {1})"))
defelementwise(lax.select_n_p, lambda dtype, params, which, *cases: _select(which, cases))
defelementwise(lax.convert_element_type_p,
               lambda dtype, params, x: _convert(x, params["new_dtype"]))
# bitwise and logical
defelementwise(lax.and_p, _fmt("({0} & {1})"), INTS + BOOLS)
defelementwise(lax.or_p, _fmt("({0} | {1})"), INTS + BOOLS)
defelementwise(lax.xor_p, _fmt("({0} ^ {1})"), INTS + BOOLS)
defelementwise(lax.not_p, lambda dtype, params, x: (
    f"(not {x})" if np.dtype(dtype) == np.bool_ else f"(~{x})"), INTS + BOOLS)


# special functions: libm's, where Numba has them (scalar calls: correct, not vectorised)
defelementwise(lax.erf_p, _fmt("math.erf({0})"), FLOATS)
defelementwise(lax.erfc_p, _fmt("math.erfc({0})"), FLOATS)
defelementwise(lax.lgamma_p, _fmt("math.lgamma({0})"), FLOATS)
_SPECIAL = "no Numba implementation; runs its NumPy impl (fungrad.lax.special_math)"
for _prim in (lax.erf_inv_p, lax.digamma_p, lax.polygamma_p, lax.igamma_p, lax.igammac_p,
              lax.igamma_grad_a_p):
    cpu_declined[_prim] = _SPECIAL

_COMPLEX = "complex operands or results: kernels compute in real dtypes only"
for _prim in (lax.real_p, lax.imag_p, lax.conj_p, lax.complex_p):
    cpu_declined[_prim] = _COMPLEX

_SHIFTS = "JAX's semantics for out-of-range shift amounts; runs its NumPy impl"
for _prim in (lax.shift_left_p, lax.shift_right_arithmetic_p, lax.shift_right_logical_p):
    cpu_declined[_prim] = _SHIFTS
cpu_declined[lax.nextafter_p] = ("a bit-level step to the neighbouring float (Numba's math "
                                 "module has no nextafter); runs its NumPy impl "
                                 "(fungrad.lax.float_neighbors)")
_BIT_COUNTS = ("counts bits of the unsigned view (a dtype reinterpretation a Numba "
               "expression cannot name); runs its NumPy impl (fungrad.lax.bit_counts)")
for _prim in (lax.population_count_p, lax.clz_p):
    cpu_declined[_prim] = _BIT_COUNTS
cpu_declined[lax.reduce_precision_p] = (
    "rounds the float's bit pattern (a dtype reinterpretation a Numba expression cannot "
    "name); runs its NumPy impl (fungrad.lax.reduce_precision)")


def _integer_pow(x: str, y: int) -> str:
    if y == 0:
        return "1"  # x ** 0 is 1 for every x, nan included (as NumPy)
    base = " * ".join([x] * abs(y)) if abs(y) <= 4 else f"{x} ** {abs(y)}"
    return f"({base})" if y > 0 else f"(1 / ({base}))"


def _select(which: str, cases) -> str:
    """``cases[which]``: a boolean ``which`` picks (false, true); an integer one indexes."""
    expr = cases[-1]
    for i in range(len(cases) - 2, -1, -1):
        expr = f"({cases[i]} if {which} == {i} else {expr})"
    return expr


def _convert(x: str, new_dtype) -> str | None:
    new = np.dtype(new_dtype)
    if new.kind == "b":
        return f"({x} != 0)"
    if new.kind not in "fiu":
        return None
    return f"np.{new.name}({x})"


# ---------------------------------------------------------------------------------------
# Reductions


@dataclass(frozen=True)
class ReduceRule:
    """How a reduction accumulates: ``combine(acc, value) -> statement``, its identity."""

    combine: Callable[[str, str], str]
    identity: Callable[[np.dtype], str]


@dataclass(frozen=True)
class Accumulation:
    """One reduction's accumulator for a value dtype: its dtype, initial expression, the
    expression turning a value into what is combined, and the one turning the accumulator
    back into the result."""

    dtype: np.dtype
    identity: str
    encode: Callable[[str], str]
    decode: Callable[[str], str]
    combine: Callable[[str, str], str]


def _accumulator_dtype(dtype: np.dtype) -> np.dtype:
    """float32 sums accumulate in float64; other dtypes in their own (wider ints in int64)."""
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return np.dtype(np.float64)
    if dtype.kind in "iu":
        return np.dtype(np.int64) if dtype.kind == "i" else np.dtype(np.uint64)
    return dtype


def _extreme(dtype: np.dtype, lowest: bool) -> str:
    """The identity of an integer max (``lowest``) or min (floats use keys)."""
    info = np.iinfo(dtype)
    return f"np.{dtype.name}({info.min if lowest else info.max})"


reduce_rules: dict[Primitive, ReduceRule] = {
    lax.reduce_sum_p: ReduceRule(lambda acc, v: f"{acc} += {v}", lambda d: "0"),
    # NaN propagates as in NumPy: once the accumulator is NaN it stays NaN.
    lax.reduce_max_p: ReduceRule(lambda acc, v: f"{acc} = vm_max({acc}, {v})",
                                 lambda d: _extreme(d, lowest=True)),
    lax.reduce_min_p: ReduceRule(lambda acc, v: f"{acc} = vm_min({acc}, {v})",
                                 lambda d: _extreme(d, lowest=False)),
}


def accumulator_dtype(prim: Primitive, dtype) -> np.dtype:
    """The dtype a reduction accumulates in (sums widen; max/min keep the dtype)."""
    return _accumulator_dtype(dtype) if prim is lax.reduce_sum_p else np.dtype(dtype)


def _key(value: float, dtype: np.dtype) -> int:
    """The integer key (``vmath.vm_max_key_*``) of a float: its bits, magnitude flipped when
    negative."""
    ints = np.int32 if dtype.itemsize == 4 else np.int64
    bits = int(np.array(value, dtype).view(ints))
    return bits ^ (int(np.iinfo(ints).max) if bits < 0 else 0)


def accumulation(prim: Primitive, dtype) -> Accumulation:
    """How ``prim`` accumulates values of ``dtype`` in a kernel. Float max and min compare
    integer keys (``vmath``): a float max loop does not vectorise without ``nnan``."""
    dtype = np.dtype(dtype)
    rule = reduce_rules[prim]
    if prim is not lax.reduce_sum_p and dtype.kind == "f":
        lowest = prim is lax.reduce_max_p
        name, suffix = ("max" if lowest else "min"), _suffix(dtype)
        keys = np.dtype(np.int32 if dtype.itemsize == 4 else np.int64)
        identity = f"np.{keys.name}({_key(-np.inf if lowest else np.inf, dtype)})"
        return Accumulation(keys, identity, lambda v: f"vm_{name}_key_{suffix}({v})",
                            lambda acc: f"vm_from_key_{suffix}({acc})", rule.combine)
    acc = accumulator_dtype(prim, dtype)
    return Accumulation(acc, f"np.{acc.name}({rule.identity(acc)})", lambda v: v,
                        lambda a: f"np.{dtype.name}({a})", rule.combine)
