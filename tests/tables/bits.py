"""Table rows: bit-level lax primitives (population_count, clz, bitcast_convert_type,
reduce_precision).

Integer rows draw floats and convert them inside the function (as the shift rows do), so
that the vmap runner batches them; each integer dtype has a drawn row and a row of edge
values (the minimum, -1, 0, 1 and a value with the top bits set). Their results are integers
(``diff=False``). reduce_precision is linear (its tangent is rounded like its value), but
piecewise constant, so central differences mean nothing: its rows compare JVPs and VJPs
with JAX (``order=0``), except the float64 (11, 52) row, where it is the identity and
check_grads runs in full.
"""

import numpy as np

from fungrad import lax as flax
from tests.tables.spec import A, Case, Point

S = (3, 4)

INT_DTYPES = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]


def _edges(dtype: str) -> list[float]:
    """Edge values of an integer dtype that float64 holds exactly."""
    info = np.iinfo(dtype)
    top = float(info.max) if info.bits < 64 else float(info.max - 2047)  # 2**64 - 2048 ...
    low = [float(info.min), -1.0] if info.min < 0 else [float(2 ** (info.bits - 1))]
    return [*low, 0.0, 1.0, 2.0, 3.0, top]


def _range(dtype: str) -> tuple[float, float]:
    info = np.iinfo(dtype)
    span = min(float(info.max), 1e18)
    return (-span if info.min < 0 else 0.0), span


def _count_row(name: str, dtype: str, arg) -> Case:
    def fun(lax):
        return lambda x: getattr(lax, name)(lax.convert_element_type(x, np.dtype(dtype)))

    return Case(f"lax.{name}_{dtype}{'_edges' if arg.point else ''}",
                fun(flax), [arg], jax=lambda jnp, lax: fun(lax), diff=False)


CASES = [
    _count_row(name, dtype, arg)
    for name in ["population_count", "clz"]
    for dtype in INT_DTYPES
    for arg in [A(*S, low=_range(dtype)[0], high=_range(dtype)[1]), Point(_edges(dtype))]
]


def _bitcast_row(label: str, old: str, new: str, arg, **kw) -> Case:
    def fun(lax):
        return lambda x: lax.bitcast_convert_type(lax.convert_element_type(x, np.dtype(old)),
                                                  np.dtype(new))

    return Case(f"lax.bitcast_convert_type_{label}", fun(flax), [arg],
                jax=lambda jnp, lax: fun(lax), **kw)


CASES += [
    _bitcast_row("f32_i32", "float32", "int32", A(*S), diff=False),
    _bitcast_row("i32_f32", "int32", "float32", A(*S, low=-1e9, high=1e9), diff=False),
    _bitcast_row("f64_u8_narrower", "float64", "uint8", A(*S), diff=False),
    _bitcast_row("u8_f32_wider", "uint8", "float32", A(3, 4, low=0, high=255), diff=False),
    _bitcast_row("i16_f16", "int16", "float16", A(*S, low=0, high=3e4), diff=False),
    _bitcast_row("u64_f64_specials", "uint64", "float64",
                 Point([0.0, 2.0 ** 63, 9218868437227405312.0, 18442240474082181120.0,
                        9221120237041090560.0, 1.0, 4607182418800017408.0]), diff=False),
    # float -> float: a zero tangent and cotangent, as JAX (jax.grad gives zeros)
    _bitcast_row("f64_f32_zero_derivative", "float64", "float32", A(*S), order=0),
    _bitcast_row("f32_f32_zero_derivative", "float32", "float32", A(*S), order=0),
]

# inf, nan, subnormals of float64 and float32, float16's overflow threshold and smallest
# normal, and ties of float16's rounding (1 + 2**-11 rounds down to 1, 1 + 3 * 2**-11 up)
SPECIALS = [0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, 2.2250738585072014e-308, 1e-40,
            1.1754943508222875e-38, 1.7976931348623157e308, 3.4028234663852886e38, 65504.0,
            65520.0, 65519.0, 6.103515625e-05, 6.1e-05, 1.0 + 2.0 ** -11, 1.0 + 3 * 2.0 ** -11,
            -1.5, 3.0]
# the ones float32 holds (a cast of 1.8e308 would overflow, with NumPy's warning)
F32_MAX = float(np.finfo(np.float32).max)
SPECIALS32 = [v for v in SPECIALS if not np.isfinite(v) or abs(v) <= F32_MAX]


def _precision_row(dtype: str, exponent_bits: int, mantissa_bits: int, arg, **kw) -> Case:
    def fun(lax):
        return lambda x: lax.reduce_precision(lax.convert_element_type(x, np.dtype(dtype)),
                                              exponent_bits, mantissa_bits)

    kind = "specials" if arg.point else "drawn"
    return Case(f"lax.reduce_precision_{dtype}_{exponent_bits}_{mantissa_bits}_{kind}",
                fun(flax), [arg], jax=lambda jnp, lax: fun(lax), **kw)


CASES += [
    _precision_row("float64", 11, 52, A(*S)),  # the identity: check_grads in full
    # drawn rows keep within the format's range (overflow to inf: the specials rows)
    _precision_row("float64", 5, 10, A(*S, low=-6e4, high=6e4), order=0),
    _precision_row("float64", 8, 7, A(*S, low=-1e3, high=1e3), order=0),
    _precision_row("float64", 4, 3, A(*S, low=-200.0, high=200.0), order=0),
    _precision_row("float32", 5, 10, A(*S, low=-6e4, high=6e4), order=0),
    _precision_row("float32", 8, 7, A(*S), order=0),
    _precision_row("float32", 2, 0, A(*S, low=-2.9, high=2.9), order=0),
    _precision_row("float16", 4, 3, A(*S, low=-30.0, high=30.0), diff=False),
    *[_precision_row(dtype, e, m, Point(values), diff=False)
      for dtype, values in [("float64", SPECIALS), ("float32", SPECIALS32)]
      for e, m in [(5, 10), (8, 7), (8, 23), (3, 1)]],
]
