"""Bit shifts beyond the table: zero derivatives, integer batching, dtypes and errors."""

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad import dtypes, lax
from fungrad.interpreters.jvp import Zero, jvp_rules

X = np.array([-8, -1, 0, 3, 7], np.int32)
AMOUNTS = np.array([0, 1, 31, 32, -1], np.int32)  # 32 and -1 are out of range for int32


def test_out_of_range_amounts_follow_xla():
    np.testing.assert_array_equal(lax.shift_left(X, AMOUNTS), [-8, -2, 0, 0, 0])
    np.testing.assert_array_equal(lax.shift_right_arithmetic(X, AMOUNTS), [-8, -1, 0, 0, 0])
    np.testing.assert_array_equal(lax.shift_right_logical(X, AMOUNTS),
                                  [-8, 2**31 - 1, 0, 0, 0])
    u = np.array([248, 255, 0, 3, 7], np.uint8)
    v = np.array([0, 1, 7, 8, 9], np.uint8)
    np.testing.assert_array_equal(lax.shift_right_arithmetic(u, v), [248, 255, 0, 0, 0])
    np.testing.assert_array_equal(lax.shift_right_logical(u, v), [248, 127, 0, 0, 0])


@pytest.mark.parametrize("name", ["shift_left", "shift_right_arithmetic",
                                  "shift_right_logical"])
def test_shifts_have_zero_jvp_and_batch_over_integers(name):
    f, prim = getattr(lax, name), getattr(lax, f"{name}_p")
    zeros = (Zero.like_primal(X), Zero.like_primal(AMOUNTS))
    out, t_out = jvp_rules[prim]((X, AMOUNTS), zeros)  # the rule itself: ints get no tracers
    np.testing.assert_array_equal(out, f(X, AMOUNTS))
    assert isinstance(t_out, Zero) and t_out.aval.dtype == dtypes.float0
    out, t_out = fg.jvp(lambda x: f(x, AMOUNTS), (X,), (np.zeros(X.shape, dtypes.float0),))
    assert t_out.dtype == dtypes.float0
    xs, ys = np.stack([X, X[::-1]]), np.stack([AMOUNTS, AMOUNTS[::-1]])
    want = np.stack([f(x, y) for x, y in zip(xs, ys)])
    np.testing.assert_array_equal(fg.vmap(f)(xs, ys), want)
    np.testing.assert_array_equal(fg.vmap(f, in_axes=(1, 1))(xs.T, ys.T), want)
    np.testing.assert_array_equal(fg.vmap(lambda y: f(X, y))(ys), [f(X, y) for y in ys])
    np.testing.assert_array_equal(fg.vmap(lambda x: f(x, 3))(xs), [f(x, 3) for x in xs])
    np.testing.assert_array_equal(fg.jit(f)(X, AMOUNTS), f(X, AMOUNTS))


def test_fnp_shifts_dtypes_and_scalars_like_numpy():
    assert fnp.left_shift(np.int8(3), 2).dtype == np.int8
    assert fnp.left_shift(True, True) == 2 and fnp.left_shift(True, True).dtype == np.int8
    np.testing.assert_array_equal(fnp.right_shift(np.array([200], np.uint8), 1), [100])
    np.testing.assert_array_equal(fnp.right_shift(np.array([-200]), 1), [-100])
    np.testing.assert_array_equal(fg.jit(lambda x: (1 << x, 64 >> x))(np.array([1, 2])),
                                  [[2, 4], [32, 16]])


def test_shift_errors_name_the_function_and_dtype():
    with pytest.raises(TypeError, match=r"fnp.left_shift: operands have dtype float64"):
        fnp.left_shift(1.0, 2)
    with pytest.raises(TypeError, match=r"fnp.right_shift: operands have dtype float64"):
        fg.jit(lambda x: x >> 1)(np.ones(2))
    with pytest.raises(TypeError, match=r"fungrad shift_left: operand 0 has dtype float64"):
        lax.shift_left(np.ones(2), np.ones(2, np.int64))
    with pytest.raises(TypeError, match=r"fungrad shift_right_logical: operand 1 has dtype"):
        fg.jit(lambda x: lax.shift_right_logical(x, np.ones(2)))(np.ones(2, np.int64))
