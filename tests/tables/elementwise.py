"""Table rows: elementwise lax primitives and fungrad.numpy math functions."""

import numpy as np

import fungrad.numpy as fnp
from fungrad import lax as flax
from tests.tables.spec import A, Arg, Case, Const, Int, Pos

S = (3, 4)  # the default shape; broadcasting rows use (3, 1) x (4,) and size-1 axes

CASES = [
    # lax unary
    Case("lax.neg", flax.neg, [A(*S)], jax=lambda jnp, lax: lax.neg),
    Case("lax.exp", flax.exp, [A(*S)], jax=lambda jnp, lax: lax.exp),
    Case("lax.log", flax.log, [Pos(*S)], jax=lambda jnp, lax: lax.log),
    Case("lax.sin", flax.sin, [A(*S)], jax=lambda jnp, lax: lax.sin),
    Case("lax.tanh", flax.tanh, [A(*S)], jax=lambda jnp, lax: lax.tanh),
    Case("lax.logistic", flax.logistic, [A(*S)], jax=lambda jnp, lax: lax.logistic),
    Case("lax.integer_pow3", lambda x: flax.integer_pow(x, 3), [A(*S)],
         jax=lambda jnp, lax: lambda x: lax.integer_pow(x, 3)),
    Case("lax.integer_pow-2", lambda x: flax.integer_pow(x, -2), [Pos(*S)],
         jax=lambda jnp, lax: lambda x: lax.integer_pow(x, -2)),
    # lax binary
    Case("lax.add", flax.add, [A(*S), A(*S)], jax=lambda jnp, lax: lax.add),
    Case("lax.sub", flax.sub, [A(*S), A(*S)], jax=lambda jnp, lax: lax.sub),
    Case("lax.mul", flax.mul, [A(*S), A(*S)], jax=lambda jnp, lax: lax.mul),
    Case("lax.mul_rank0", flax.mul, [A(*S), A()], jax=lambda jnp, lax: jnp.multiply),
    Case("lax.div", flax.div, [A(*S), Pos(*S)], jax=lambda jnp, lax: lax.div),
    Case("lax.rem", flax.rem, [Pos(*S, low=1, high=5), Pos(*S, low=0.7, high=1.5)],
         jax=lambda jnp, lax: lax.rem),
    Case("lax.pow", flax.pow, [Pos(*S), A(*S)], jax=lambda jnp, lax: lax.pow),
    # exponents exactly 0: d/dy of d/dx x**y there is 1/x (it was 0); the order-2 check sees it
    Case("lax.pow_zero_exponent", flax.pow,
         [Pos(*S), Const(np.array([[0.0, 1.0, -1.0, 0.0], [2.0, 0.0, 0.5, -0.0], [0.0] * 4]))],
         jax=lambda jnp, lax: lax.pow),
    Case("lax.max", flax.max, [A(*S), A(*S)], jax=lambda jnp, lax: lax.max),
    Case("lax.min", flax.min, [A(*S), A(*S)], jax=lambda jnp, lax: lax.min),
    Case("lax.atan2", flax.atan2, [A(*S), A(*S)], jax=lambda jnp, lax: lax.atan2),
    Case("lax.select_n", flax.select_n,
         [Const(np.array([[True, False, True, False]] * 3)), A(*S), A(*S)],
         jax=lambda jnp, lax: lax.select_n),
    Case("lax.convert_f32_to_f64", lambda x: flax.convert_element_type(x, np.float64),
         [A(*S, dtype="float32")],
         jax=lambda jnp, lax: lambda x: lax.convert_element_type(x, np.float64)),
    Case("lax.convert_f64_to_f32", lambda x: flax.convert_element_type(x, np.float32) * 2,
         [A(*S)], jax=lambda jnp, lax: lambda x: lax.convert_element_type(x, np.float32) * 2,
         modes=("rev",), order=1, atol=1e-2, rtol=1e-2),
    # stop_gradient disagrees with finite differences by design (order=0): JAX only.
    Case("lax.stop_gradient", lambda x: flax.stop_gradient(x) * x, [A(*S)],
         jax=lambda jnp, lax: lambda x: lax.stop_gradient(x) * x, order=0),
    # fnp unary math
    *[Case(f"fnp.{n}", getattr(fnp, n), [arg], jax=lambda jnp, lax, n=n: getattr(jnp, n))
      for n, arg in [
          ("exp", A(*S)), ("exp2", A(*S)), ("expm1", A(*S)), ("log", Pos(*S)),
          ("log2", Pos(*S)), ("log10", Pos(*S)), ("log1p", Pos(*S)), ("sin", A(*S)),
          ("cos", A(*S)), ("tan", A(*S, low=-1.2, high=1.2)),
          ("arcsin", A(*S, low=-0.9, high=0.9)), ("arccos", A(*S, low=-0.9, high=0.9)),
          ("arctan", A(*S)), ("sinh", A(*S)), ("cosh", A(*S)), ("tanh", A(*S)),
          ("arcsinh", A(*S)), ("arccosh", Pos(*S, low=1.2, high=3)),
          ("arctanh", A(*S, low=-0.9, high=0.9)), ("sqrt", Pos(*S)), ("cbrt", Pos(*S)),
          ("reciprocal", Pos(*S)), ("negative", A(*S)), ("abs", A(*S)),
          ("absolute", A(*S)), ("square", A(*S)), ("positive", A(*S)),
      ]],
    *[Case(f"fnp.{n}", getattr(fnp, n), [A(*S)], jax=lambda jnp, lax, n=n: getattr(jnp, n),
           diff=False)
      for n in ["sign", "floor", "ceil", "round", "trunc", "isfinite", "isnan", "isinf"]],
    # fnp binary math, with broadcasting and size-1 axes
    *[Case(f"fnp.{n}{suffix}", getattr(fnp, n), args,
           jax=lambda jnp, lax, n=n: getattr(jnp, n))
      for n in ["add", "subtract", "multiply", "maximum", "minimum", "arctan2", "hypot",
                "logaddexp"]
      for suffix, args in [("", [A(*S), A(*S)]), ("_bcast", [A(3, 1), A(4)]),
                           ("_size1", [A(1, 4), A(3, 1)])]],
    Case("fnp.divide", fnp.divide, [A(*S), Pos(*S)], jax=lambda jnp, lax: jnp.divide),
    Case("fnp.divide_bcast", fnp.divide, [A(3, 1), Pos(4)], jax=lambda jnp, lax: jnp.divide),
    Case("fnp.true_divide", fnp.true_divide, [A(*S), Pos(*S)],
         jax=lambda jnp, lax: jnp.true_divide),
    Case("fnp.power", fnp.power, [Pos(*S), A(*S)], jax=lambda jnp, lax: jnp.power),
    Case("fnp.power_bcast", fnp.power, [Pos(3, 1), A(4)], jax=lambda jnp, lax: jnp.power),
    Case("fnp.power_int", lambda x: fnp.power(x, 3), [A(*S)],
         jax=lambda jnp, lax: lambda x: jnp.power(x, 3)),
    Case("fnp.scalar_mul", lambda x: 2.5 * x - 1, [A(*S)],
         jax=lambda jnp, lax: lambda x: 2.5 * x - 1),
    Case("fnp.clip", lambda x: fnp.clip(x, -0.5, 0.7), [A(*S)],
         jax=lambda jnp, lax: lambda x: jnp.clip(x, -0.5, 0.7)),
    Case("fnp.where", lambda c, x, y: fnp.where(c, x, y),
         [Const(np.array([True, False, True, True])), A(3, 1), A(*S)],
         jax=lambda jnp, lax: jnp.where),
    Case("fnp.floor_divide", fnp.floor_divide, [A(*S, low=-5, high=5), Pos(*S)],
         jax=lambda jnp, lax: jnp.floor_divide, diff=False),
    Case("fnp.remainder", fnp.remainder, [A(*S, low=-5, high=5), Pos(*S)],
         jax=lambda jnp, lax: jnp.remainder, order=1),
    Case("fnp.floor_divide_int", fnp.floor_divide,
         [Int(*S, low=-7, high=7), Int(*S, low=1, high=4)],
         jax=lambda jnp, lax: jnp.floor_divide, diff=False),
    Case("fnp.remainder_int", fnp.remainder, [Int(*S, low=-7, high=7), Int(*S, low=1, high=4)],
         jax=lambda jnp, lax: jnp.remainder, diff=False),
    *[Case(f"fnp.{n}", getattr(fnp, n), [A(*S), A(3, 1)],
           jax=lambda jnp, lax, n=n: getattr(jnp, n), diff=False)
      for n in ["greater", "greater_equal", "less", "less_equal", "equal", "not_equal",
                "logical_and", "logical_or", "logical_xor"]],
    Case("fnp.logical_not", fnp.logical_not, [A(*S)], jax=lambda jnp, lax: jnp.logical_not,
         diff=False),
]


def _ints(x, dtype, lax):
    """A float table argument as integers, so that the vmap runner batches shift rows."""
    return lax.convert_element_type(x, np.dtype(dtype))


def _shift_row(name, fun, jax_fun, dtype, low, high, amount_low=-3, amount_high=70):
    """Shift amounts run past the bit width and below zero: those give 0 (or the sign)."""
    return Case(
        f"{name}_{dtype}",
        lambda x, y: fun(_ints(x, dtype, flax), _ints(y, dtype, flax)),
        [A(*S, low=low, high=high), A(*S, low=amount_low, high=amount_high)],
        jax=lambda jnp, lax: lambda x, y: jax_fun(jnp, lax)(_ints(x, dtype, lax),
                                                           _ints(y, dtype, lax)),
        diff=False)


CASES += [
    *[_shift_row(f"lax.{n}", getattr(flax, n), lambda jnp, lax, n=n: getattr(lax, n),
                 dtype, low, high, amount_low)
      for n in ["shift_left", "shift_right_arithmetic", "shift_right_logical"]
      for dtype, low, high, amount_low in [("int64", -1e6, 1e6, -3), ("int32", -1e4, 1e4, -3),
                                           ("uint8", 0, 255, 0)]],
    *[_shift_row(f"fnp.{n}", getattr(fnp, n), lambda jnp, lax, n=n: getattr(jnp, n),
                 dtype, low, high, 0, 8)
      for n in ["left_shift", "right_shift"]
      for dtype, low, high in [("int64", -100, 100), ("uint8", 0, 255)]],
]

# nextafter: JAX defines no derivative (fungrad's passes x1's tangent: see test_jax_names).
CASES += [
    Case("lax.nextafter", flax.nextafter, [A(*S), A(*S)], jax=lambda jnp, lax: lax.nextafter,
         diff=False),
    Case("lax.nextafter_f32", flax.nextafter, [A(*S, dtype="float32"), A(*S, dtype="float32")],
         jax=lambda jnp, lax: lax.nextafter, diff=False),
    Case("lax.nextafter_equal", flax.nextafter, [Const(np.array([0.0, -0.0, 1.0, np.inf])),
                                                 Const(np.array([-0.0, 1.0, 1.0, 0.0]))],
         jax=lambda jnp, lax: lax.nextafter, diff=False),
]

# A Python int first operand beside a float32 array (3 // x, 3 / x, 3 ** x): the array's
# dtype decides. The int's own int64 once sent floor_divide down its integer path (3 // -2.5
# gave -2.2), made divide's result float64 and pow's derivative a float64 log(3) that the
# float32 product rejected.
CASES += [
    Case("fnp.floor_divide_pyint_f32", lambda x: fnp.floor_divide(3, x),
         [A(*S, low=-5, high=5, dtype="float32")],
         jax=lambda jnp, lax: lambda x: jnp.floor_divide(3, x), diff=False),
    Case("fnp.true_divide_pyint_f32", lambda x: fnp.true_divide(3, x),
         [Pos(*S, dtype="float32")], jax=lambda jnp, lax: lambda x: jnp.true_divide(3, x),
         order=0, rtol=1e-6),
    Case("fnp.power_pyint_base_f32", lambda x: fnp.power(3, x), [A(*S, dtype="float32")],
         jax=lambda jnp, lax: lambda x: jnp.power(3, x), order=0, rtol=1e-6),
]

# Binary float functions with a Python scalar or a bool array beside float32: float32, as in
# NumPy and JAX. The scalar was made a strong float64 array first (and the bool array
# float64) before the promotion: the result was float64, nextafter stepped in float64, and
# the derivatives of arctan2 / hypot / logaddexp failed on a float32-float64 product.
BOOLS = np.array([[True, False, True, False]] * 3)
F32 = A(*S, dtype="float32")
CASES += [
    *[Case(f"fnp.{name}_f32", fun, [F32], jax=ref, order=0, rtol=1e-6, diff=diff)
      for name, fun, ref, diff in [
          ("arctan2_pyint", lambda x: fnp.arctan2(x, 2),
           lambda jnp, lax: lambda x: jnp.arctan2(x, 2), True),
          ("arctan2_bools", lambda x: fnp.arctan2(x, BOOLS),
           lambda jnp, lax: lambda x: jnp.arctan2(x, BOOLS), True),
          ("hypot_pyint", lambda x: fnp.hypot(3, x),
           lambda jnp, lax: lambda x: jnp.hypot(3, x), True),
          ("logaddexp_pyint", lambda x: fnp.logaddexp(x, 2),
           lambda jnp, lax: lambda x: jnp.logaddexp(x, 2), True),
          ("logaddexp2_bools", lambda x: fnp.logaddexp2(x, BOOLS),
           lambda jnp, lax: lambda x: jnp.logaddexp2(x, BOOLS), True),
          ("copysign_pyint", lambda x: fnp.copysign(x, -1),
           lambda jnp, lax: lambda x: jnp.copysign(x, -1), True),
          ("heaviside_pyint", lambda x: fnp.heaviside(x, 1),
           lambda jnp, lax: lambda x: jnp.heaviside(x, 1), False),
          ("nextafter_pyint", lambda x: fnp.nextafter(x, 3),
           lambda jnp, lax: lambda x: jnp.nextafter(x, 3), False),
      ]],
    # a bool array beside float32 (an input here, on the operand's device): float32, as
    # NumPy and JAX (it was float64: the bools became float64 before the promotion)
    Case("fnp.nextafter_bools_f32", fnp.nextafter, [F32, Arg(S, dtype="bool")],
         jax=lambda jnp, lax: jnp.nextafter, diff=False),
    Case("fnp.nextafter_f32_bools", fnp.nextafter, [Arg(S, dtype="bool"), F32],
         jax=lambda jnp, lax: jnp.nextafter, diff=False),
    # float_power keeps float32, as jax.numpy (NumPy widens it to float64)
    Case("fnp.float_power_f32", lambda x: fnp.float_power(x, 2.5), [Pos(*S, dtype="float32")],
         jax=lambda jnp, lax: lambda x: jnp.float_power(x, 2.5), order=0, rtol=1e-6),
]

# rint and reciprocal of integers are float64, as in jax.numpy (rint: also NumPy); they kept
# the integer dtype (reciprocal truncated 1 / 2 to 0).
CASES += [
    Case("fnp.rint_int", fnp.rint, [Int(*S, low=-5, high=5)], jax=lambda jnp, lax: jnp.rint,
         diff=False),
    Case("fnp.reciprocal_int", fnp.reciprocal, [Int(*S, low=1, high=5)],
         jax=lambda jnp, lax: jnp.reciprocal, diff=False),
]
