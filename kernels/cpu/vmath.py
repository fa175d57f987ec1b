"""Vectorisable math for the generated kernels: exp, log, tanh and logistic, f32 and f64.

Why: the Numba wheels on PyPI have no SVML, so ``np.exp`` inside a kernel loop is a scalar
libm call, which stops LLVM from vectorising the loop (float32 ``tanh`` over 1e6 elements:
about 60 ms against about 1 ms for these). The functions here are built from arithmetic,
``floor`` and an integer-to-float bitcast only, written as selects rather than branches, so
a loop that calls them vectorises.

How: ``exp`` reduces ``x = k ln2 + r`` with ``|r| <= ln2/2`` (ln2 in two parts, so ``r`` is
exact), evaluates ``expm1(r)`` by its Taylor polynomial (degree 13 for float64, whose
truncation error is below 1e-17; degree 7 for float32, below 6e-9) and scales by ``2**k``
added to the exponent bits (subnormal results by two multiplications that round once).
``log`` splits off the exponent from the bits, takes the mantissa into
``[sqrt(1/2), sqrt(2))`` and sums the odd series of ``2 atanh(s)``, ``s = (m-1)/(m+1)``.
float64 ``tanh(x) = -t / (t + 2)`` with ``t = expm1(-2|x|)``, accurate to the last bits
near 0 because ``expm1`` is. The float32 versions compute in float32 (twice the vector
width of float64): ``exp`` as in float64 with ln2 split for float32; ``tanh`` is
``a + a z P(z)`` (``z = a*a``, P a fitted degree-5 polynomial) below 0.625 and
``1 - 2 / (exp(2a) + 1)`` above; ``logistic`` divides by ``1 + e`` corrected by its exact
rounding error; ``log`` still computes in float64 with a shorter series and rounds once.
``tests/test_kernels_vmath.py`` checks them against NumPy over the whole range (inf, nan,
subnormals, signed zeros): float64 within 2 ulp (tanh 3), float32 within 1 ulp of the
correctly rounded value (logistic 2). float32 tanh was also checked on every float32: at
most 1 ulp; logistic at most 2 (37k of 4.3e9 inputs, around -1.1, from exp's own error).

``fg.config.update("jit_exact_math", True)`` makes the kernels call libm instead.

Every helper sets its fastmath flags explicitly: Numba lets a callee inherit the caller's
fastmath flags when it sets none, and the kernels' ``reassoc`` would undo the two-part ln2
of the range reduction (measured: 214 ulp near exp's overflow). Numba's cache also did not
tell the two compilations apart. The exp polynomials allow ``contract`` only (FMA: one
rounding instead of two), which made the rows that use them 10-20% faster (gelu float64
1e5: 0.51x to 0.40x hand-written NumPy in ``bench/kernels.py``, at load 3).
"""

import numpy as np
from llvmlite import ir as llvm_ir
from numba import njit, types
from numba.extending import intrinsic

__all__ = ["vm_max", "vm_min", "vm_sign", "vm_max_key_f32", "vm_max_key_f64", "vm_min_key_f32",
           "vm_min_key_f64", "vm_from_key_f32", "vm_from_key_f64", "vm_exp_f32", "vm_exp_f64",
           "vm_log_f32", "vm_log_f64", "vm_tanh_f32", "vm_tanh_f64", "vm_logistic_f32",
           "vm_logistic_f64", "vm_logistic_exact_f32", "vm_logistic_exact_f64"]

LN2_HI = 6.93147180369123816490e-01  # ln 2 in two parts: k * LN2_HI is exact for |k| < 2**20
LN2_LO = 1.90821492927058770002e-10
INV_LN2 = 1.44269504088896338700e00
EXP_HI = 709.782712893384  # exp overflows above this
EXP_LO = -745.1332191019412  # and is 0 below this
SQRT_HALF = 0.70710678118654752440
TINY = 2.2250738585072014e-308  # the smallest normal float64
TWO_M1000 = 2.0**-1000


# The polynomial helpers may fuse a product and a sum into one FMA instruction (one rounding
# instead of two: never less accurate, and the ln2 split stays exact because k * LN2_HI is).
# That is all they allow: reassociation would undo the split (see above).
_FMA = {"contract"}


def _bitcast(source, target, llvm_target):
    """An intrinsic reinterpreting a ``source`` scalar's bits as a ``target`` scalar."""

    @intrinsic
    def reinterpret(typingctx, x):
        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], llvm_target)
        return target(source), codegen

    return reinterpret


_float_from_bits = _bitcast(types.int64, types.float64, llvm_ir.DoubleType())
_bits_of_float = _bitcast(types.float64, types.int64, llvm_ir.IntType(64))
_f32_from_bits = _bitcast(types.int32, types.float32, llvm_ir.FloatType())
_bits_of_f32 = _bitcast(types.float32, types.int32, llvm_ir.IntType(32))


@njit(cache=True, error_model="numpy", fastmath=False)
def vm_max(a, b):
    """NumPy's maximum: NaN wins."""
    return a if (a > b or a != a) else b


@njit(cache=True, error_model="numpy", fastmath=False)
def vm_min(a, b):
    """NumPy's minimum: NaN wins."""
    return a if (a < b or a != a) else b


@njit(cache=True, error_model="numpy", fastmath=False)
def vm_sign(x):
    """NumPy's sign: -1, 0 or 1 (signed zeros and NaN are returned as they are)."""
    return 1 if x > 0 else (-1 if x < 0 else x)


# ---------------------------------------------------------------------------------------
# max and min reductions through integer keys
#
# A loop accumulating ``r = x if x > r else r`` over floats does not vectorise without
# ``nnan`` (measured: 1.3 ns per float32 element; 0.3 ns as integers). A float's bits,
# with the magnitude bits flipped when the sign is set, are an integer that orders like
# the float, so the reductions compare those keys; NaN maps to the largest key (max) or the
# smallest (min), so it wins as in NumPy, and decodes back to a NaN.

_I32_MAX, _I32_MIN = np.int32(0x7FFFFFFF), np.int32(-0x80000000)
_I64_MAX, _I64_MIN = np.int64(0x7FFFFFFFFFFFFFFF), np.int64(-0x8000000000000000)
_I32_31, _I64_63 = np.int32(31), np.int64(63)


@njit(cache=True, error_model="numpy", fastmath=False)
def _key_f32(x):
    b = _bits_of_f32(x)
    return np.int32(b ^ np.int32(np.int32(b >> _I32_31) & _I32_MAX))


@njit(cache=True, error_model="numpy", fastmath=False)
def _key_f64(x):
    b = _bits_of_float(x)
    return np.int64(b ^ ((b >> _I64_63) & _I64_MAX))


@njit(cache=True, error_model="numpy", fastmath=False)
def vm_max_key_f32(x):
    """The int32 key of ``x`` for a max reduction (NaN above every number)."""
    return _key_f32(x) if x == x else _I32_MAX


@njit(cache=True, error_model="numpy", fastmath=False)
def vm_min_key_f32(x):
    """The int32 key of ``x`` for a min reduction (NaN below every number)."""
    return _key_f32(x) if x == x else _I32_MIN


@njit(cache=True, error_model="numpy", fastmath=False)
def vm_max_key_f64(x):
    """The int64 key of ``x`` for a max reduction (NaN above every number)."""
    return _key_f64(x) if x == x else _I64_MAX


@njit(cache=True, error_model="numpy", fastmath=False)
def vm_min_key_f64(x):
    """The int64 key of ``x`` for a min reduction (NaN below every number)."""
    return _key_f64(x) if x == x else _I64_MIN


@njit(cache=True, error_model="numpy", fastmath=False)
def vm_from_key_f32(k):
    """The float32 whose key is ``k`` (the extreme keys decode to NaN)."""
    return _f32_from_bits(np.int32(k ^ np.int32(np.int32(k >> _I32_31) & _I32_MAX)))


@njit(cache=True, error_model="numpy", fastmath=False)
def vm_from_key_f64(k):
    """The float64 whose key is ``k`` (the extreme keys decode to NaN)."""
    return _float_from_bits(np.int64(k ^ ((k >> _I64_63) & _I64_MAX)))


# ---------------------------------------------------------------------------------------
# exp and expm1


@njit(cache=True, error_model="numpy", fastmath=_FMA)
def _expm1_poly64(r):
    """expm1(r) for |r| <= ln2/2, Taylor to degree 13 (Horner)."""
    p = 1.0 / 6227020800.0
    p = p * r + 1.0 / 479001600.0
    p = p * r + 1.0 / 39916800.0
    p = p * r + 1.0 / 3628800.0
    p = p * r + 1.0 / 362880.0
    p = p * r + 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    return r + r * r * p


@njit(cache=True, error_model="numpy", fastmath=False)
def _pow2(k):
    """2.0 ** k for an integral float k in [-1022, 1023]."""
    return _float_from_bits((np.int64(k) + 1023) << 52)


@njit(cache=True, error_model="numpy", fastmath=False)
def _reduce(x):
    """(k, r) with x = k ln2 + r, |r| <= ln2/2 (x clamped to exp's finite range)."""
    xc = x if x > EXP_LO else EXP_LO
    xc = xc if xc < EXP_HI else EXP_HI
    k = np.floor(xc * INV_LN2 + 0.5)
    return k, (xc - k * LN2_HI) - k * LN2_LO


@njit(cache=True, error_model="numpy", fastmath=False)
def _scale(p1, k):
    """p1 * 2**k for p1 in [0.5, 2) and an integral k <= 1024 (exp's range).

    Normal results add k to the exponent bits directly. Subnormal results (k <= -1022) take
    two multiplications, the second by a constant, so they round once. (Two multiplications
    by computed powers of two, p1 * 2**a * 2**b, were measured to overflow once LLVM had
    inlined them into a loop: it may merge them.)
    """
    normal = _float_from_bits(_bits_of_float(p1) + (np.int64(k) << 52))
    kk = k + 1000.0 if k + 1000.0 > -1022.0 else -1022.0
    tiny = p1 * _pow2(kk) * TWO_M1000
    return normal if k > -1022.0 else tiny


@njit(cache=True, error_model="numpy", fastmath=False)
def _exp_finish(x, p, k):
    """exp(x) from expm1(r) = p and k, with the overflow, underflow and NaN cases."""
    y = _scale(1.0 + p, k)
    y = np.inf if x > EXP_HI else y
    y = 0.0 if x < EXP_LO else y
    return x if x != x else y


@njit(cache=True, error_model="numpy", fastmath=False)
def _expm1_finish(x, p, k):
    """expm1(x) from expm1(r) = p and k: accurate relative to the result also near 0."""
    scale = _scale(1.0, k)
    y = p if k == 0.0 else scale * p + (scale - 1.0)
    y = np.inf if x > EXP_HI else y
    y = -1.0 if x < -40.0 else y
    return x if x != x else y


@njit(cache=True, error_model="numpy", fastmath=False)
def vm_exp_f64(x):
    """exp(x) for float64 (within 1 ulp on the tested grid)."""
    k, r = _reduce(x)
    return _exp_finish(x, _expm1_poly64(r), k)


# float32 constants: every literal of the float32 functions is one, so nothing widens
_F32 = np.float32
LN2_HI_32, LN2_LO_32 = _F32(0.693359375), _F32(-2.12194440e-4)  # k * LN2_HI_32 is exact
INV_LN2_32 = _F32(1.4426950408889634)
EXP_HI_32 = _F32(88.72283935546875)  # the largest float32 whose exp is finite
EXP_LO_32 = _F32(-103.97208404541016)  # exp is 0 below
_E32 = [_F32(1.0 / f) for f in (5040.0, 720.0, 120.0, 24.0, 6.0, 2.0)]
_HALF_32, _ONE_32, _TWO_M100_32 = _F32(0.5), _F32(1.0), _F32(2.0**-100)
_K_MIN_32, _K_OFF_32 = _F32(-126.0), _F32(100.0)
_INF_32, _ZERO_32 = _F32(np.inf), _F32(0.0)
_C0_32, _C1_32, _C2_32, _C3_32, _C4_32, _C5_32 = _E32


@njit(cache=True, error_model="numpy", fastmath=_FMA)
def _exp_parts_f32(x):
    """(k, 2**-k exp(x)) for a float32 x in exp's finite range, in float32 arithmetic."""
    k = np.floor(x * INV_LN2_32 + _HALF_32)
    r = (x - k * LN2_HI_32) - k * LN2_LO_32
    p = _C0_32 * r + _C1_32
    p = p * r + _C2_32
    p = p * r + _C3_32
    p = p * r + _C4_32
    p = p * r + _C5_32
    return k, _ONE_32 + (r + r * r * p)


@njit(cache=True, error_model="numpy", fastmath=False)
def _times_pow2_f32(p1, k):
    """p1 * 2**k for p1 in [0.5, 2) and an integral float32 k whose result is normal."""
    return _f32_from_bits(np.int32(_bits_of_f32(p1) + np.int32(np.int32(k) * np.int32(8388608))))


@njit(cache=True, error_model="numpy", fastmath=False)
def vm_exp_f32(x):
    """exp(x) for float32 (within 1 ulp), in float32 arithmetic: twice the vector width of
    computing in float64 (0.6 ms against 1.2 ms per 1e6 elements, measured)."""
    xc = x if x > EXP_LO_32 else EXP_LO_32
    xc = xc if xc < EXP_HI_32 else EXP_HI_32
    k, p1 = _exp_parts_f32(xc)
    normal = _times_pow2_f32(p1, k)
    kk = k + _K_OFF_32
    kk = kk if kk > _K_MIN_32 else _K_MIN_32
    scale = _f32_from_bits(np.int32((np.int32(kk) + np.int32(127)) * np.int32(8388608)))
    tiny = p1 * scale * _TWO_M100_32  # subnormal results: the second product rounds once
    y = normal if k > _K_MIN_32 else tiny
    y = _INF_32 if x > EXP_HI_32 else y
    y = _ZERO_32 if x < EXP_LO_32 else y
    return x if x != x else y


# ---------------------------------------------------------------------------------------
# log


@njit(cache=True, error_model="numpy", fastmath=False)
def _log_parts(x):
    """(e, s) with x = 2**e * m, m in [sqrt(1/2), sqrt(2)), s = (m - 1) / (m + 1)."""
    tiny = x < TINY
    xs = x * 18014398509481984.0 if tiny else x  # 2**54: subnormals become normal
    bits = _bits_of_float(xs)
    e = ((bits >> 52) & 0x7FF) - 1023 - (54 if tiny else 0)
    m = _float_from_bits((bits & 0x000FFFFFFFFFFFFF) | 0x3FF0000000000000)  # in [1, 2)
    big = m > 2.0 * SQRT_HALF
    m = m * 0.5 if big else m
    e = e + 1 if big else e
    return np.float64(e), (m - 1.0) / (m + 1.0)


@njit(cache=True, error_model="numpy", fastmath=False)
def _log_finish(x, e, s, z, p):
    """log(x) = e ln2 + 2 (s + s z p), with the zero, negative, inf and NaN cases."""
    y = e * LN2_HI + (2.0 * s + (2.0 * s * z * p + e * LN2_LO))
    y = np.inf if x == np.inf else y
    y = -np.inf if x == 0.0 else y
    y = np.nan if x < 0.0 else y
    return x if x != x else y


@njit(cache=True, error_model="numpy", fastmath=False)
def vm_log_f64(x):
    """log(x) for float64 (within 2 ulp)."""
    e, s = _log_parts(x)
    z = s * s
    p = z * (1.0 / 23.0) + 1.0 / 21.0
    p = p * z + 1.0 / 19.0
    p = p * z + 1.0 / 17.0
    p = p * z + 1.0 / 15.0
    p = p * z + 1.0 / 13.0
    p = p * z + 1.0 / 11.0
    p = p * z + 1.0 / 9.0
    p = p * z + 1.0 / 7.0
    p = p * z + 1.0 / 5.0
    p = p * z + 1.0 / 3.0
    return _log_finish(x, e, s, z, p)


@njit(cache=True, error_model="numpy", fastmath=False)
def _log_short(x):
    e, s = _log_parts(x)
    z = s * s
    p = z * (1.0 / 11.0) + 1.0 / 9.0
    p = p * z + 1.0 / 7.0
    p = p * z + 1.0 / 5.0
    p = p * z + 1.0 / 3.0
    return _log_finish(x, e, s, z, p)


@njit(cache=True, error_model="numpy", fastmath=False)
def vm_log_f32(x):
    """log(x) for float32 (within 1 ulp), computed in float64."""
    return np.float32(_log_short(np.float64(x)))


# ---------------------------------------------------------------------------------------
# tanh and logistic


@njit(cache=True, error_model="numpy", fastmath=False)
def _tanh_finish(x, t):
    """tanh(x) from t = expm1(-2|x|), keeping signed zeros and NaN."""
    y = -t / (t + 2.0)
    return y if x > 0.0 else (-y if x < 0.0 else x)


@njit(cache=True, error_model="numpy", fastmath=False)
def _clamped_abs(x):
    a = abs(x)
    return a if a < 22.0 else 22.0  # tanh(22) rounds to 1 in float64


# Inlined by Numba (not only by LLVM): with its polynomial and two finishing steps it is
# past LLVM's inlining threshold, and a call left in the loop stops vectorisation
# (26 ms -> 1.5 ms per 1e6 elements, measured). Only the two tanh helpers are: Numba-level
# inlining repeats type inference at every call site, which made compile times explode
# when applied to all of them.
@njit(cache=True, error_model="numpy", fastmath=False, inline="always")
def vm_tanh_f64(x):
    """tanh(x) for float64 (within 3 ulp).

    ``expm1(m)`` for ``m = -2|x|`` in ``[-44, 0]``: no clamping, overflow or subnormal
    cases to select between (``2**k`` is normal for ``k >= -64``).
    """
    m = -2.0 * _clamped_abs(x)
    k = np.floor(m * INV_LN2 + 0.5)
    r = (m - k * LN2_HI) - k * LN2_LO
    p = _expm1_poly64(r)
    scale = _pow2(k)
    t = p if k == 0.0 else scale * p + (scale - 1.0)
    return _tanh_finish(x, t)


# tanh(a) = a + a z P(z), z = a*a, on [0, TANH_SPLIT_32]: P fitted (relative least squares,
# reweighted to minimax) to (tanh(a) / a - 1) / z, error 4e-8 relative to P after rounding
# the coefficients to float32, of which about 0.13 reaches the result.
TANH_SPLIT_32 = _F32(0.625)
_T32 = [_F32(c) for c in (-0.3333333432674408, 0.13333304226398468, -0.05395926535129547,
                          0.021768948063254356, -0.008344029076397419, 0.0022928302641958)]
_T0_32, _T1_32, _T2_32, _T3_32, _T4_32, _T5_32 = _T32
TANH_ONE_32 = _F32(9.1)  # tanh rounds to 1 in float32 above 9.01
_TWO_32 = _F32(2.0)


@njit(cache=True, error_model="numpy", fastmath=False, inline="always")  # see vm_tanh_f64
def vm_tanh_f32(x):
    """tanh(x) for float32 (within 2 ulp), in float32 arithmetic: a polynomial below
    0.625, ``1 - 2 / (exp(2|x|) + 1)`` above."""
    a = abs(x)
    z = a * a
    p = _T5_32 * z + _T4_32
    p = p * z + _T3_32
    p = p * z + _T2_32
    p = p * z + _T1_32
    p = p * z + _T0_32
    small = a + a * (z * p)
    k, p1 = _exp_parts_f32(_TWO_32 * (a if a < TANH_ONE_32 else TANH_ONE_32))
    big = _ONE_32 - _TWO_32 / (_times_pow2_f32(p1, k) + _ONE_32)
    y = small if a < TANH_SPLIT_32 else big
    return y if x > _ZERO_32 else (-y if x < _ZERO_32 else x)


@njit(cache=True, error_model="numpy", fastmath=False)
def _logistic_finish(x, e):
    """1 / (1 + exp(-x)) from e = exp(-|x|)."""
    y = 1.0 / (1.0 + e) if x >= 0.0 else e / (1.0 + e)
    return x if x != x else y


@njit(cache=True, error_model="numpy", fastmath=False)
def vm_logistic_f64(x):
    """1 / (1 + exp(-x)) for float64, without overflow (within 2 ulp)."""
    return _logistic_finish(x, vm_exp_f64(-abs(x)))


@njit(cache=True, error_model="numpy", fastmath=False)
def vm_logistic_f32(x):
    """1 / (1 + exp(-x)) for float32 (within 1 ulp), in float32 arithmetic.

    The rounding error ``c`` of the denominator ``s = 1 + e`` is exact (Fast2Sum, since
    ``e <= 1``) and corrects the quotient to first order: ``n / (s + c) ~ q - q c / s``.
    """
    e = vm_exp_f32(-abs(x))
    s = _ONE_32 + e
    c = (_ONE_32 - s) + e
    q = (_ONE_32 if x >= _ZERO_32 else e) / s
    y = q - q * (c / s)
    return x if x != x else y


@njit(cache=True, error_model="numpy", fastmath=False)
def vm_logistic_exact_f64(x):
    """1 / (1 + exp(-x)) through libm's exp (``jit_exact_math``), without overflow."""
    e = np.exp(-abs(x))
    y = 1.0 / (1.0 + e) if x >= 0 else e / (1.0 + e)
    return x if x != x else y


@njit(cache=True, error_model="numpy", fastmath=False)
def vm_logistic_exact_f32(x):
    """float32 logistic through libm (``jit_exact_math``)."""
    return np.float32(vm_logistic_exact_f64(np.float64(x)))
