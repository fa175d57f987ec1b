"""lax.population_count, lax.clz, lax.bitcast_convert_type and lax.reduce_precision beyond
their table rows: every value of the 8- and 16-bit dtypes, random bit patterns, float16 and
bfloat16 casts, errors; random.key_impl and random.clone."""

import ml_dtypes
import numpy as np
import pytest

import fungrad as fg
from fungrad import lax, random

RNG = np.random.default_rng(0)
INT_DTYPES = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]


def _values(dtype: str) -> np.ndarray:
    """Every value of an 8/16-bit dtype; random ones and the extremes of a wider one."""
    info = np.iinfo(dtype)
    if info.bits <= 16:
        return np.arange(info.min, info.max + 1).astype(dtype)
    drawn = RNG.integers(info.min, info.max, 4000, dtype=dtype, endpoint=True)
    return np.concatenate([np.array([info.min, info.max, 0, 1, -1 % (info.max + 1)
                                     if info.min == 0 else -1], dtype), drawn])


def _unsigned(x: np.ndarray) -> list[int]:
    return [int(v) for v in x.view(f"u{x.dtype.itemsize}")]


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_counts_match_the_twos_complement_bits(dtype):
    x = _values(dtype)
    width = 8 * x.dtype.itemsize
    pop = np.array([bin(v).count("1") for v in _unsigned(x)]).astype(dtype)
    zeros = np.array([width - v.bit_length() for v in _unsigned(x)]).astype(dtype)
    for fn, want in [(lax.population_count, pop), (lax.clz, zeros)]:
        for run in (fn, fg.jit(fn)):
            got = run(x)
            assert got.dtype == np.dtype(dtype)
            np.testing.assert_array_equal(got, want)
        assert fn(x[4]) == want[4]  # rank 0


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_counts_match_jax(dtype):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    x = _values(dtype)
    for name in ["population_count", "clz"]:
        np.testing.assert_array_equal(getattr(lax, name)(x), getattr(jax.lax, name)(x))


def test_counts_under_vmap_and_grad():
    x = RNG.integers(-1000, 1000, (3, 5)).astype(np.int32)
    np.testing.assert_array_equal(fg.vmap(lax.clz, in_axes=1, out_axes=1)(x), lax.clz(x))
    g = fg.grad(lambda f: lax.convert_element_type(
        lax.population_count(lax.convert_element_type(f, np.int32)), np.float64))(3.0)
    assert g == 0.0


@pytest.mark.parametrize("name", ["population_count", "clz"])
@pytest.mark.parametrize("value", [np.ones(2), np.array([True]), np.ones(2, np.complex64)])
def test_counts_reject_non_integers(name, value):
    match = rf"fungrad lax.{name}: x has dtype .* takes signed or unsigned integers; convert"
    with pytest.raises(TypeError, match=match):
        getattr(lax, name)(value)
    with pytest.raises(TypeError, match=match):
        fg.jit(getattr(lax, name))(value)


# ---------------------------------------------------------------------------------------
# bitcast_convert_type


def test_bitcast_shapes_follow_the_widths():
    x = RNG.standard_normal((2, 3)).astype(np.float32)
    assert lax.bitcast_convert_type(x, np.int32).shape == (2, 3)
    parts = lax.bitcast_convert_type(x, np.uint8)
    assert parts.shape == (2, 3, 4) and parts.dtype == np.uint8
    np.testing.assert_array_equal(parts, x.view(np.uint8).reshape(2, 3, 4))
    back = lax.bitcast_convert_type(parts, np.float32)
    np.testing.assert_array_equal(back, x)
    assert lax.bitcast_convert_type(np.uint16([15360, 0]), np.float16).tolist() == [1.0, 0.0]
    pair = lax.bitcast_convert_type(np.float64(1.0), np.uint32)
    assert pair.tolist() == [0, 1072693248]
    bf = lax.bitcast_convert_type(np.array([1.0], ml_dtypes.bfloat16), np.int16)
    assert bf.tolist() == [16256]


def test_bitcast_matches_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    x = RNG.standard_normal((3, 4))
    for new in [np.uint8, np.int16, np.float32, np.int64, np.float16]:
        got = lax.bitcast_convert_type(x, new)
        want = np.asarray(jax.lax.bitcast_convert_type(x, new))
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_array_equal(got.view(np.uint8), want.view(np.uint8))


def test_bitcast_batches_by_the_leading_axis():
    x = RNG.standard_normal((4, 3)).astype(np.float32)
    f = lambda v: lax.bitcast_convert_type(v, np.uint16)  # noqa: E731
    out = fg.vmap(f, in_axes=1)(x)
    assert out.shape == (3, 4, 2)
    np.testing.assert_array_equal(out, np.stack([f(x[:, i]) for i in range(3)]))
    parts = RNG.integers(0, 255, (5, 4)).astype(np.uint8)
    g = lambda v: lax.bitcast_convert_type(v, np.float32)  # noqa: E731
    np.testing.assert_array_equal(fg.vmap(g)(parts), g(parts))
    with pytest.raises(ValueError, match=r"operand of shape \(\) .* last axis must have"):
        fg.vmap(g)(parts[:, 0])  # each example is a single uint8
    with pytest.raises(ValueError, match=r"operand of shape \(5,\) .* last axis must have"):
        fg.vmap(g, in_axes=1)(parts)


def test_bitcast_derivatives_are_zero():
    x = np.array([1.0, -2.0], np.float32)
    np.testing.assert_array_equal(
        fg.grad(lambda v: lax.bitcast_convert_type(v, np.float32).sum())(x), [0.0, 0.0])
    _, t = fg.jvp(lambda v: lax.bitcast_convert_type(v, np.float16), (x,), (x,))
    assert t.shape == (2, 2) and t.dtype == np.float16 and not np.any(t)
    _, t = fg.jvp(lambda v: lax.bitcast_convert_type(v, np.int32), (x,), (x,))
    assert t.dtype == fg.dtypes.float0


def test_bitcast_errors():
    with pytest.raises(ValueError, match=r"bitcast_convert_type: an operand of shape \(3,\) "
                                         r"and dtype uint8 .* last axis must have length 4"):
        lax.bitcast_convert_type(np.zeros(3, np.uint8), np.float32)
    with pytest.raises(ValueError, match=r"shape \(\)"):
        fg.jit(lambda v: lax.bitcast_convert_type(v, np.float64))(np.float32(1.0))
    for old, new in [(np.bool_, np.uint8), (np.float64, np.bool_), (np.complex128, np.float64)]:
        with pytest.raises(TypeError, match="booleans and complex numbers are bitcast only"):
            lax.bitcast_convert_type(np.zeros(2, old), new)
    assert lax.bitcast_convert_type(np.array([True]), np.bool_).tolist() == [True]


# ---------------------------------------------------------------------------------------
# reduce_precision


def _bits(x) -> np.ndarray:
    x = np.asarray(x)
    return x.reshape(-1).view(f"u{x.dtype.itemsize}")


def _float_patterns(dtype) -> np.ndarray:
    """Random bit patterns (every class: NaNs with payloads, subnormals, infs) and random
    magnitudes over the whole exponent range, with the special values."""
    dtype = np.dtype(dtype)
    u = np.dtype(f"u{dtype.itemsize}")
    patterns = RNG.integers(0, np.iinfo(u).max, 3000, dtype=u, endpoint=True).view(dtype)
    info = np.finfo(dtype)
    scale = 2.0 ** RNG.integers(info.minexp - info.nmant, info.maxexp, 3000)
    with np.errstate(over="ignore"):  # a few of the largest overflow to inf
        drawn = (RNG.standard_normal(3000) * scale).astype(dtype)
    specials = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, info.tiny, info.smallest_subnormal,
                         info.max, -info.max, 1.0, 65504.0, 65520.0], dtype)
    return np.concatenate([specials, patterns, drawn])


FORMATS = [(5, 10), (8, 7), (1, 0), (2, 1), (8, 0), (4, 3), (8, 23), (11, 52), (10, 30)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_reduce_precision_matches_jax_bit_for_bit(dtype):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    x = _float_patterns(dtype)
    for e, m in FORMATS:
        got = lax.reduce_precision(x, e, m)
        want = np.asarray(jax.lax.reduce_precision(x, e, m))
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(_bits(got), _bits(want), err_msg=f"({e}, {m})")


@pytest.mark.parametrize("dtype", [np.float16, ml_dtypes.bfloat16])
def test_reduce_precision_of_16_bit_floats_matches_jax(dtype):
    jax = pytest.importorskip("jax")
    x = (RNG.standard_normal(2000) * 100).astype(dtype)
    for e, m in [(5, 10), (8, 7), (4, 3), (5, 2), (2, 1)]:
        np.testing.assert_array_equal(_bits(lax.reduce_precision(x, e, m)),
                                      _bits(jax.lax.reduce_precision(x, e, m)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("target,e,m", [(np.float16, 5, 10), (ml_dtypes.bfloat16, 8, 7)])
def test_reduce_precision_is_a_cast_there_and_back(dtype, target, e, m):
    x = _float_patterns(dtype)
    if dtype == np.float64 and target is ml_dtypes.bfloat16:
        with np.errstate(over="ignore"):  # NumPy's float64 -> bfloat16 rounds via float32
            x = x.astype(np.float32).astype(np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        cast = x.astype(target).astype(dtype)
    got = lax.reduce_precision(x, e, m)
    # Casts keep the target's subnormals; XLA's format flushes them to a signed zero when
    # its exponent range is narrower than the operand's (float32 -> bfloat16 keeps them).
    flushed = np.abs(x) < float(ml_dtypes.finfo(target).tiny)
    if np.finfo(dtype).nexp == e:
        flushed[:] = False
    kept = ~flushed & ~np.isnan(x)
    np.testing.assert_array_equal(_bits(got[kept]), _bits(cast[kept]))
    assert np.isnan(got[np.isnan(x)]).all()
    np.testing.assert_array_equal(got[flushed], 0.0)
    np.testing.assert_array_equal(np.signbit(got[flushed]), np.signbit(x[flushed]))
    assert flushed.any() or np.finfo(dtype).nexp == e


def test_reduce_precision_keeps_nan_payloads_and_rounds_ties_to_even():
    payloads = np.array([0x7F800001, 0xFFC00001, 0x7FBFFFFF], np.uint32).view(np.float32)
    np.testing.assert_array_equal(_bits(lax.reduce_precision(payloads, 5, 2)), _bits(payloads))
    ties = np.array([1 + 2.0 ** -11, 1 + 3 * 2.0 ** -11, 65519.0, 65520.0])
    assert lax.reduce_precision(ties, 5, 10).tolist() == [1.0, 1 + 2.0 ** -9, 65504.0, np.inf]


def test_reduce_precision_is_linear():
    x, t = np.float32(1.3), np.float32(1.3)
    y, ty = fg.jvp(lambda v: lax.reduce_precision(v, 5, 2), (x,), (t,))
    assert (y, ty) == (1.25, 1.25)
    g = fg.grad(lambda v: (lax.reduce_precision(v, 5, 2) * np.array([1.3, 3.0])).sum())
    np.testing.assert_array_equal(g(np.ones(2)), [1.25, 3.0])
    ir = fg.make_ir(fg.grad(lambda v: lax.reduce_precision(v, 8, 7).sum()))(np.ones(3))
    assert "reduce_precision" in str(ir)
    np.testing.assert_array_equal(
        fg.vmap(lambda v: lax.reduce_precision(v, 5, 10), in_axes=1)(np.full((2, 3), 1.1)),
        np.full((3, 2), lax.reduce_precision(1.1, 5, 10)))


def test_reduce_precision_errors():
    with pytest.raises(TypeError, match="reduce_precision: operand has dtype int64.*convert"):
        lax.reduce_precision(np.ones(2, np.int64), 5, 10)
    with pytest.raises(TypeError, match="operand has dtype complex64"):
        fg.jit(lambda v: lax.reduce_precision(v, 5, 10))(np.ones(2, np.complex64))
    with pytest.raises(ValueError, match="exponent_bits must be positive; got 0"):
        lax.reduce_precision(1.0, 0, 3)
    with pytest.raises(ValueError, match="mantissa_bits must be non-negative; got -1"):
        lax.reduce_precision(1.0, 5, -1)
    with pytest.raises(TypeError, match="mantissa_bits must be an int, got 2.0"):
        lax.reduce_precision(1.0, 5, 2.0)


# ---------------------------------------------------------------------------------------
# random.key_impl and random.clone


def test_key_impl_names_the_one_implementation():
    key = random.key(0)
    assert random.key_impl(key) == "philox"
    assert random.key_impl(random.split(key, (2, 3))) == "philox"
    np.testing.assert_array_equal(random.key(5, impl=random.key_impl(key)), random.key(5))
    np.testing.assert_array_equal(random.PRNGKey(5, impl="philox"), random.key(5))
    with pytest.raises(TypeError, match=r"key_impl: keys must be a uint32 array of shape"):
        random.key_impl(np.zeros(3, np.uint32))


def test_clone_copies_the_key():
    key = random.key(3)
    copy = random.clone(key)
    assert copy is not key and copy.dtype == np.uint32
    np.testing.assert_array_equal(copy, key)
    assert random.normal(copy) == random.normal(key)
    np.testing.assert_array_equal(fg.jit(random.clone)(key), key)
    keys = random.split(key, 4)
    np.testing.assert_array_equal(fg.vmap(random.clone)(keys), keys)
    with pytest.raises(TypeError, match="clone: key must be a uint32 array"):
        random.clone(np.zeros(2))


def test_random_signatures_match_jax():
    import inspect

    jax = pytest.importorskip("jax")
    for name in ["key_impl", "clone"]:
        ours = list(inspect.signature(getattr(random, name)).parameters)
        assert ours == list(inspect.signature(getattr(jax.random, name)).parameters), name
