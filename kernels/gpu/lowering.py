"""The GPU lowering table: each fusible primitive as a CUDA C++ expression.

One line per elementwise primitive, as in the CPU table (:mod:`fungrad.kernels.cpu.lowering`):
a rule is ``rule(dtype, params, *operands) -> str | None``; ``dtype`` is the operation's
dtype (the output's; for comparisons, the operands'), the operands are expressions of that
dtype (registers, parameters or literals, never longer expressions, so a rule may repeat
them), and None declines the dtype (the equation then runs its impl). The code generator
assigns each result to a register of the output's C type, which narrows small-integer
arithmetic the way NumPy wraps it.

- ``float32`` uses CUDA's float overloads (``exp(float)`` is ``expf``), so literals are cast
  to the operation's type (``(float)0.01``): ``x * 0.01`` would compute in double.
- max/min propagate NaN as NumPy does; ±inf and NaN come from ``cupy/math_constants.h``.
- The special functions fungrad computes in float64 (erf, erfc, lgamma) compute in double
  for float32 too, then round, as the impls do.
- Helpers longer than an expression (``fg_logistic``, ``fg_ipow``) are ``__device__``
  templates in :data:`HELPERS`; the code generator adds those a kernel uses to its preamble.

Reductions have their own table: CuPy's ``reduce_expr`` over the partial results ``a`` and
``b`` (CuPy combines partials in a tree, so it is symmetric), the identity and the type
partials accumulate in (``reduce_type``: float32 sums accumulate in double).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from fungrad import lax
from fungrad.core import Primitive
from fungrad.interpreters.jvp import add_any_p
from fungrad.lax import special_integrals, special_scipy

Rule = Callable[..., str | None]

gpu_lowerings: dict[Primitive, Rule] = {}
# Elementwise primitives without a GPU rule, and why (the coverage table shows the reason).
gpu_declined: dict[Primitive, str] = {}

C_TYPES = {"bool": "bool", "int8": "signed char", "int16": "short", "int32": "int",
           "int64": "long long", "uint8": "unsigned char", "uint16": "unsigned short",
           "uint32": "unsigned int", "uint64": "unsigned long long", "float32": "float",
           "float64": "double"}


def c_type(dtype) -> str | None:
    """The C type of ``dtype`` in a kernel, or None for dtypes kernels never hold (complex,
    float16, bfloat16: CUDA's half types have no NumPy-equal arithmetic here)."""
    return C_TYPES.get(np.dtype(dtype).name)


def defelementwise(prim: Primitive, rule: Rule, kinds: str = "fiub") -> None:
    """Register the CUDA rule for ``prim`` on dtypes whose kind is in ``kinds``."""

    def checked(dtype, params, *args):
        dtype = np.dtype(dtype)
        if dtype.kind not in kinds or c_type(dtype) is None:
            return None
        return rule(dtype, params, *args)

    gpu_lowerings[prim] = checked


def _fmt(template: str) -> Rule:
    """A rule from a format string over the operands ``{0}``, ``{1}``... and ``{T}``, the
    operation's C type."""
    return lambda dtype, params, *a: template.format(*a, T=c_type(dtype))


def _by_kind(floats: str, ints: str, unsigned: str | None = None) -> Rule:
    """A rule whose template depends on the operand kind (``unsigned``: for kind ``u``)."""
    def rule(dtype, params, *a):
        kind = dtype.kind
        template = floats if kind == "f" else unsigned if kind == "u" and unsigned else ints
        return template.format(*a, T=c_type(dtype))

    return rule


def _in_double(name: str) -> Rule:
    """A special function computed in double for both float types (as fungrad's impls)."""
    return lambda dtype, params, x: (f"{name}({x})" if dtype == np.float64
                                     else f"(float){name}((double){x})")


FLOATS, INTS, BOOLS, NUMBERS = "f", "iu", "b", "fiu"

# arithmetic
defelementwise(lax.neg_p, _fmt("(-{0})"), NUMBERS)
defelementwise(lax.add_p, _fmt("({0} + {1})"), NUMBERS)
defelementwise(add_any_p, _fmt("({0} + {1})"), NUMBERS)
defelementwise(lax.sub_p, _fmt("({0} - {1})"), NUMBERS)
defelementwise(lax.mul_p, _fmt("({0} * {1})"), NUMBERS)
defelementwise(lax.div_p, _fmt("({0} / {1})"), FLOATS)  # integer x / 0 is undefined in C++
defelementwise(lax.rem_p, _fmt("fmod({0}, {1})"), FLOATS)
defelementwise(lax.pow_p, _fmt("pow({0}, {1})"), FLOATS)
# NumPy's maximum: NaN wins, and of two equal values (-0.0, 0.0) the second
defelementwise(lax.max_p, _by_kind("(({0} > {1} || isnan({0})) ? {0} : {1})",
                                   "({0} > {1} ? {0} : {1})"), NUMBERS)
defelementwise(lax.min_p, _by_kind("(({0} < {1} || isnan({0})) ? {0} : {1})",
                                   "({0} < {1} ? {0} : {1})"), NUMBERS)
defelementwise(lax.abs_p, _by_kind("fabs({0})", "({0} < 0 ? -{0} : {0})", "{0}"), NUMBERS)
# NumPy's sign: 0 for both zeros, NaN for NaN
defelementwise(lax.sign_p, _by_kind(
    "({0} > 0 ? ({T})1 : ({0} < 0 ? ({T})-1 : ({0} == 0 ? ({T})0 : {0})))",
    "({0} > 0 ? ({T})1 : ({0} < 0 ? ({T})-1 : ({T})0))", "({0} > 0 ? ({T})1 : ({T})0)"),
    NUMBERS)
defelementwise(lax.floor_p, _fmt("floor({0})"), FLOATS)
defelementwise(lax.ceil_p, _fmt("ceil({0})"), FLOATS)
defelementwise(lax.round_p, _fmt("rint({0})"), FLOATS)  # half to even, as NumPy
defelementwise(lax.sqrt_p, _fmt("sqrt({0})"), FLOATS)
defelementwise(lax.cbrt_p, _fmt("cbrt({0})"), FLOATS)
defelementwise(lax.integer_pow_p, lambda dtype, params, x: _integer_pow(dtype, x, params["y"]),
               NUMBERS)
# transcendentals: CUDA's own (float overloads for float32)
for _prim, _fn in [(lax.exp_p, "exp"), (lax.log_p, "log"), (lax.tanh_p, "tanh"),
                   (lax.log1p_p, "log1p"), (lax.expm1_p, "expm1"), (lax.sin_p, "sin"),
                   (lax.cos_p, "cos"), (lax.exp2_p, "exp2"), (lax.tan_p, "tan"),
                   (lax.asin_p, "asin"), (lax.acos_p, "acos"), (lax.atan_p, "atan"),
                   (lax.sinh_p, "sinh"), (lax.cosh_p, "cosh"), (lax.asinh_p, "asinh"),
                   (lax.acosh_p, "acosh"), (lax.atanh_p, "atanh"),
                   (lax.logistic_p, "fg_logistic")]:
    defelementwise(_prim, _fmt(_fn + "({0})"), FLOATS)
defelementwise(lax.atan2_p, _fmt("atan2({0}, {1})"), FLOATS)
defelementwise(lax.is_finite_p, _fmt("isfinite({0})"), FLOATS)
# comparisons and selection
for _prim, _op in [(lax.eq_p, "=="), (lax.ne_p, "!="), (lax.lt_p, "<"), (lax.le_p, "<="),
                   (lax.gt_p, ">"), (lax.ge_p, ">=")]:
    defelementwise(_prim, _fmt("({0} " + _op + " {1})"))
defelementwise(lax.select_n_p, lambda dtype, params, which, *cases: _select(which, cases))
defelementwise(lax.convert_element_type_p,
               lambda dtype, params, x: _convert(dtype, x, params["new_dtype"]))
# bitwise and logical
defelementwise(lax.and_p, _fmt("({0} & {1})"), INTS + BOOLS)
defelementwise(lax.or_p, _fmt("({0} | {1})"), INTS + BOOLS)
defelementwise(lax.xor_p, _fmt("({0} ^ {1})"), INTS + BOOLS)
defelementwise(lax.not_p, lambda dtype, params, x: (
    f"(!{x})" if dtype == np.bool_ else f"(~{x})"), INTS + BOOLS)
# special functions that CUDA's math library has
defelementwise(lax.erf_p, _in_double("erf"), FLOATS)
defelementwise(lax.erfc_p, _in_double("erfc"), FLOATS)
defelementwise(lax.lgamma_p, _in_double("lgamma"), FLOATS)

for _prim in (lax.digamma_p, lax.polygamma_p, lax.igamma_p, lax.igammac_p,
              lax.igamma_grad_a_p, special_scipy.bessel_i0e_p, special_scipy.bessel_i1e_p,
              special_scipy.betainc_p, special_scipy.zeta_p, *special_integrals.PRIMITIVES):
    gpu_declined[_prim] = "not in CUDA's math library; runs its impl"
for _prim in (lax.erf_inv_p, special_scipy.erfc_inv_p, special_scipy.erfcx_p):
    gpu_declined[_prim] = ("CUDA has it (erfinv/erfcinv/erfcx), but the C++ harness that "
                           "checks kernel bodies on the CPU has no reference for it; runs "
                           "its impl")
for _prim in (lax.real_p, lax.imag_p, lax.conj_p, lax.complex_p):
    gpu_declined[_prim] = "complex operands or results: kernels compute in real dtypes only"
for _prim in (lax.shift_left_p, lax.shift_right_arithmetic_p, lax.shift_right_logical_p):
    gpu_declined[_prim] = ("JAX's semantics for out-of-range shift amounts (C++ leaves them "
                           "undefined); runs its impl")
for _prim in (lax.population_count_p, lax.clz_p):
    gpu_declined[_prim] = ("CUDA has __popc/__clz, but the C++ harness that checks kernel "
                           "bodies on the CPU has no reference for them; runs its impl")
gpu_declined[lax.nextafter_p] = ("CUDA has nextafter, but no kernel rule yet (its "
                                 "derivative and dtype checks are lax's); runs its impl")
gpu_declined[lax.reduce_precision_p] = ("rounds the float's bit pattern; no kernel rule yet, "
                                        "runs its impl")

# __device__ helpers a rule may name; the code generator includes the ones a kernel uses.
HELPERS = {
    # fungrad's logistic: exp(-|x|) never overflows; for x < 0, e / (1 + e)
    "fg_logistic": """template <typename T> __device__ T fg_logistic(T x) {
    T e = exp(-fabs(x));
    T r = (T)1 / ((T)1 + e);
    return x >= 0 ? r : e * r;
}""",
    # x ** n by squaring for integers (wrap-around as NumPy's power)
    "fg_ipow": """template <typename T> __device__ T fg_ipow(T x, long long n) {
    T acc = (T)1;
    while (n > 0) {
        if (n & 1) acc = (T)(acc * x);
        x = (T)(x * x);
        n >>= 1;
    }
    return acc;
}""",
}


def _integer_pow(dtype: np.dtype, x: str, y: int) -> str | None:
    t = c_type(dtype)
    if y == 0:
        return f"(({t})1)"  # x ** 0 is 1 for every x, nan included (as NumPy)
    if dtype.kind != "f":
        return None if y < 0 else f"fg_ipow({x}, {y}LL)"  # negative powers of ints: floats
    base = " * ".join([x] * abs(y)) if abs(y) <= 4 else f"pow({x}, ({t}){abs(y)})"
    return f"({base})" if y > 0 else f"(({t})1 / ({base}))"


def _select(which: str, cases) -> str:
    """``cases[which]``: ``which ? true : false`` for two cases, else a chain of tests."""
    if len(cases) == 2:
        return f"({which} ? {cases[1]} : {cases[0]})"
    *rest, last = cases
    tests = "".join(f"{which} == {i} ? {c} : " for i, c in enumerate(rest))
    return f"({tests}{last})"


def _convert(dtype: np.dtype, x: str, new_dtype) -> str | None:
    new = np.dtype(new_dtype)
    if new.kind == "b":
        return f"({x} != 0)"
    t = c_type(new)
    if t is None:
        return None
    if dtype.kind == "f" and new.kind == "u" and new.itemsize < 8:
        # NumPy converts through a wide signed integer (-1.0 -> 255); C++ leaves it undefined
        return f"({t})(long long)({x})"
    return f"({t})({x})"


# ---------------------------------------------------------------------------------------
# Reductions


@dataclass(frozen=True)
class ReduceRule:
    """A reduction as CuPy's ReductionKernel takes it: ``reduce_expr`` over partials ``a``
    and ``b``, and ``identity(dtype)``, a C expression."""

    reduce_expr: Callable[[np.dtype], str]
    identity: Callable[[np.dtype], str]


def _extreme(dtype: np.dtype, lowest: bool) -> str:
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        inf = "CUDART_INF_F" if dtype == np.float32 else "CUDART_INF"
        return f"-{inf}" if lowest else inf
    info = np.iinfo(dtype)
    return c_literal(info.min if lowest else info.max, dtype)


def _pick(op: str) -> Callable[[np.dtype], str]:
    """max/min of two partials, NaN winning (either partial may hold it)."""
    return lambda dtype: (f"((a {op} b || isnan(a)) ? a : b)" if dtype.kind == "f"
                          else f"(a {op} b ? a : b)")


reduce_rules: dict[Primitive, ReduceRule] = {
    lax.reduce_sum_p: ReduceRule(lambda d: "a + b", lambda d: "0"),
    lax.reduce_max_p: ReduceRule(_pick(">"), lambda d: _extreme(d, lowest=True)),
    lax.reduce_min_p: ReduceRule(_pick("<"), lambda d: _extreme(d, lowest=False)),
}


def reduce_type(prim: Primitive, dtype) -> str:
    """The C type partials accumulate in: sums of floats in double, of integers in 64 bits;
    max/min in the dtype itself."""
    dtype = np.dtype(dtype)
    if prim is lax.reduce_sum_p:
        if dtype.kind == "f":
            return "double"
        return "long long" if dtype.kind == "i" else "unsigned long long"
    return c_type(dtype)


def c_literal(value, dtype) -> str:
    """``value`` as a C literal of ``dtype`` (weak Python scalars take the op's dtype)."""
    dtype = np.dtype(dtype)
    t = c_type(dtype)
    if dtype.kind == "b":
        return "true" if bool(value) else "false"
    if dtype.kind == "f":
        v = dtype.type(value)
        suffix = "_F" if dtype == np.float32 else ""
        if np.isnan(v):
            return f"CUDART_NAN{suffix}"
        if np.isinf(v):
            return f"{'-' if v < 0 else ''}CUDART_INF{suffix}"
        text = str(v)  # the shortest decimal of the float32 value ("0.01"), if C reads it
        if dtype.type(float(text)) != v:  # back as that value (through double)
            text = repr(float(v))
        return f"(({t}){text})"
    v = int(dtype.type(value))
    if dtype.kind == "u":
        return f"(({t}){v}ULL)"
    if v == np.iinfo(np.int64).min:
        return f"(({t})(-9223372036854775807LL - 1))"
    return f"(({t}){v}LL)"
