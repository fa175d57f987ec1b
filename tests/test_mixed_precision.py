"""bfloat16/float16 support and fungrad.mixed_precision: promotion, accumulation, loss scaling,
policies, save/load."""

from __future__ import annotations

import itertools

import ml_dtypes
import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad import dtypes, lax, optim
from fungrad import mixed_precision as mp

BF16 = np.dtype(ml_dtypes.bfloat16)
F16 = np.dtype(np.float16)
F32 = np.dtype(np.float32)
STRONG = [np.dtype(t) for t in (np.bool_, np.int8, np.int32, np.uint8)] + [F16, BF16, F32,
                                                                           np.dtype(np.float64)]
WEAK = {"weak_int": 1, "weak_float": 1.0}
OPERANDS = [*STRONG, *WEAK]

# Pairs where fungrad keeps NumPy's rule on purpose (README): a strong 32/64-bit integer
# with float32 widens to float64 (JAX: float32). 16-bit floats follow JAX.
NUMPY_RULE = {frozenset({np.dtype(np.int32), F32}): np.dtype(np.float64)}


def _jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    return jax, jax.numpy


def _operand(x):
    """A traced-able fungrad operand: a 1-element array, or the Python scalar itself."""
    return WEAK[x] if isinstance(x, str) else np.zeros(1, x)


@pytest.mark.parametrize("a,b", list(itertools.combinations_with_replacement(OPERANDS, 2)),
                         ids=str)
def test_promotion_matches_jax(a, b):
    _, jnp = _jax()
    expected = np.dtype(jnp.result_type(_operand(a), _operand(b)))
    pair = frozenset({a, b}) if not (isinstance(a, str) or isinstance(b, str)) else None
    expected = NUMPY_RULE.get(pair, expected)
    # dtypes.result_type directly, eager fnp, and under jit (where operands are tracers).
    pairs = [(np.dtype(type(WEAK[x])) if isinstance(x, str) else x, isinstance(x, str))
             for x in (a, b)]
    assert dtypes.result_type(pairs)[0] == expected
    x, y = _operand(a), _operand(b)
    assert np.asarray(fnp.add(x, y)).dtype == expected
    if not (isinstance(a, str) and isinstance(b, str)):
        assert fg.jit(fnp.add)(x, y).dtype == expected
        assert fg.make_jaxpr(fnp.multiply)(x, y).out_avals[0].dtype == expected


def test_weak_scalars_keep_16_bit_floats():
    for dtype in (BF16, F16):
        x = np.ones(3, dtype)
        assert fnp.multiply(x, 2.0).dtype == dtype
        assert fg.jit(lambda v: v * 2.5 + 1)(x).dtype == dtype
        assert fg.grad(lambda v: fnp.sum(v * 3.0))(x).dtype == dtype


def test_bf16_is_inexact_and_differentiable():
    assert dtypes.is_inexact(BF16) and dtypes.is_floating(BF16)
    assert dtypes.tangent_dtype(BF16) == BF16
    assert not dtypes.is_floating(np.int8)
    x = np.linspace(-1, 1, 5).astype(BF16)
    g = fg.grad(lambda v: fnp.sum(fnp.tanh(v) ** 2))(x)
    assert g.dtype == BF16
    want = 2 * np.tanh(x.astype(np.float64)) / np.cosh(x.astype(np.float64)) ** 2
    np.testing.assert_allclose(g.astype(np.float64), want, rtol=2e-2, atol=1e-2)
    assert fg.vmap(fg.grad(lambda v: fnp.sum(v * v)))(x[None]).dtype == BF16


# ---------------------------------------------------------------------------------------
# Accumulation in float32


# float16's sum of 10^5 ones overflows to inf when rounded (intended: NumPy warns)
@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")
@pytest.mark.parametrize("dtype", [BF16, F16], ids=str)
def test_sum_of_ones_accumulates_in_float32(dtype):
    ones = np.ones(10 ** 5, dtype)
    # Adding ones in bfloat16 stalls at 256 (256 + 1 rounds back to 256); in float32 the
    # sum is exact and is rounded once to the result dtype.
    assert np.sum(ones) != dtype.type(10 ** 5) or dtype == F16
    for total in (fnp.sum(ones), lax.reduce_sum(ones, (0,)), fg.jit(fnp.sum)(ones)):
        assert total.dtype == dtype
        assert total == dtype.type(np.float32(10 ** 5))  # 99840 in bf16, inf in f16
    assert fnp.sum(ones, dtype=np.float32) == 10 ** 5
    assert fnp.mean(ones) == 1 and fnp.mean(ones).dtype == dtype
    assert fnp.var(ones) == 0


def test_cumsum_accumulates_in_float32():
    running = fnp.cumsum(np.ones(10 ** 5, BF16))
    assert running.dtype == BF16
    assert running[-1] == BF16.type(np.float32(10 ** 5)) and running[299] == 300


def test_random_and_initializers_keep_16_bit_dtypes():
    key = fg.random.PRNGKey(0)
    for dtype in (BF16, F16):
        assert fg.random.normal(key, (4,), dtype).dtype == dtype
        assert fg.random.uniform(key, (4,), dtype).dtype == dtype
        assert fg.random.truncated_normal(key, -2.0, 2.0, (4,), dtype).dtype == dtype
        assert fg.nn.initializers.glorot_normal()(key, (3, 3), dtype).dtype == dtype


def test_complex_of_16_bit_parts_raises():
    for dtype in (F16, BF16):  # JAX has no complex dtype with 16-bit parts either
        with pytest.raises(TypeError, match="lax.complex"):
            lax.complex(np.ones(2, dtype), np.ones(2, dtype))


def test_rfft_of_16_bit_floats_raises():
    for dtype in (F16, BF16):
        with pytest.raises(TypeError, match=r"lax.fft \(RFFT\)"):
            lax.fft(np.ones(4, dtype), "RFFT", (4,))


def test_16_bit_linalg_raises_a_clear_error():
    for dtype in (F16, BF16):  # as in JAX on CPU (no 16-bit LAPACK)
        with pytest.raises(TypeError, match=f"cholesky: {dtype} matrices are not supported"):
            fg.jit(lax.linalg.cholesky)(np.eye(2, dtype=dtype))


@pytest.mark.parametrize("dtype", [BF16, F16], ids=str)
def test_dot_accumulates_in_float32(dtype):
    n = 4096 if dtype == BF16 else 60000
    ones = np.ones(n, dtype)
    assert fnp.dot(ones, ones) == dtype.type(np.float32(n))
    assert fnp.dot(ones, ones).dtype == dtype
    out = lax.dot(ones, ones, preferred_element_type=np.float32)
    assert out.dtype == F32 and out == n
    m = np.ones((3, n), dtype)
    assert np.all(fnp.matmul(m, ones) == dtype.type(np.float32(n)))
    w = np.ones((n, 1, 1, 1), dtype)  # a 1x1 conv over n channels
    x = np.ones((1, 1, 1, n), dtype)
    conv = lax.conv_general_dilated(x, w.reshape(1, 1, n, 1), (1, 1), "VALID")
    assert conv.dtype == dtype and conv.item() == dtype.type(np.float32(n))


def test_dot_with_preferred_narrow_result():
    # float32 operands, bfloat16 result: computed in float32 and rounded once.
    x = np.full((2, 300), 1.0 + 2.0 ** -9, np.float32)
    y = np.ones(300, np.float32)
    out = lax.dot(x, y, preferred_element_type=BF16)
    assert out.dtype == BF16
    np.testing.assert_array_equal(out, np.float32(300 * (1.0 + 2.0 ** -9)).astype(BF16))


# ---------------------------------------------------------------------------------------
# Policies


def test_get_policy_parses_jmp_strings():
    p = mp.get_policy("params=float32,compute=bfloat16,output=float32")
    assert (p.param_dtype, p.compute_dtype, p.output_dtype) == (F32, BF16, F32)
    assert mp.get_policy("p=f32,c=f16,o=f32") == mp.Policy(F32, F16, F32)
    assert mp.get_policy("c=bf16") == mp.Policy(F32, BF16, BF16)
    assert mp.get_policy("float16") == mp.Policy(F16, F16, F16)
    assert str(p) == "p=f32,c=bf16,o=f32"
    with pytest.raises(ValueError, match="unknown dtype name 'float8'"):
        mp.get_policy("p=f32,c=float8")
    with pytest.raises(ValueError, match="key=dtype"):
        mp.get_policy("params=f32,compute")
    with pytest.raises(TypeError, match="floating dtype"):
        mp.Policy(np.int32, F32, F32)


def test_policy_casts_only_floating_leaves():
    p = mp.get_policy("p=f32,c=bf16,o=f16")
    tree = {"w": np.ones((2, 2), np.float64), "i": np.arange(3), "m": np.array([True]),
            "s": 0.5}
    c = p.cast_to_compute(tree)
    assert c["w"].dtype == BF16 and c["i"].dtype == np.int64 and c["m"].dtype == np.bool_
    assert c["s"] == 0.5 and isinstance(c["s"], float)
    assert p.cast_to_output(c)["w"].dtype == F16
    assert p.cast_to_param(c)["w"].dtype == F32
    assert p.with_output_dtype(np.float64).output_dtype == np.float64


def test_policy_gradients_reach_master_dtype():
    p = mp.get_policy("p=f32,c=bf16,o=f32")
    w = np.array([[0.5, -1.0], [2.0, 0.25]], np.float32)
    x = np.array([[1.0, 2.0]], np.float32)

    def loss(w):
        wc, xc = p.cast_to_compute((w, x))
        return fnp.sum(p.cast_to_output(xc @ wc) ** 2)

    g = fg.grad(loss)(w)
    assert g.dtype == F32
    exact = fg.grad(lambda w: fnp.sum((x @ w) ** 2))(w)
    np.testing.assert_allclose(g, exact, rtol=2e-2)


# ---------------------------------------------------------------------------------------
# Loss scaling


def test_dynamic_loss_scale_adapts():
    ls = mp.DynamicLossScale(2.0 ** 10, period=3, factor=2, min_loss_scale=2.0 ** 8)
    assert ls.scale(np.float32(3.0)) == 3 * 2 ** 10
    np.testing.assert_array_equal(ls.unscale({"g": np.full(2, 2048.0, np.float32)})["g"], [2, 2])
    scales = []
    for finite in [True, True, True, True, False, False, False, True]:
        ls = ls.adjust(finite)
        scales.append(float(ls.loss_scale))
    # grows after 3 finite steps in a row, halves on overflow, floored at min_loss_scale.
    assert scales == [1024, 1024, 2048, 2048, 1024, 512, 256, 256]
    assert int(ls.counter) == 1


def test_loss_scale_is_a_pytree_under_jit():
    ls = mp.DynamicLossScale(np.float32(4.0), period=1)
    step = fg.jit(lambda s, g: s.adjust(mp.all_finite(g)))
    assert float(step(ls, {"g": np.ones(2)}).loss_scale) == 8.0
    assert float(step(ls, {"g": np.array([1.0, np.inf])}).loss_scale) == 2.0
    assert float(step(ls, {"g": np.array([np.nan])}).loss_scale) == 2.0


def test_static_and_noop_loss_scales():
    s = mp.StaticLossScale(128.0)
    assert s.scale(np.float32(2.0)) == 256 and s.unscale(np.float32(256.0)) == 2
    assert s.adjust(False) is s
    n = mp.NoOpLossScale()
    x = np.ones(2, F16)
    assert n.scale(x) is x and n.unscale(x) is x and n.adjust(True) is n
    with pytest.raises(ValueError, match="scalar"):
        mp.StaticLossScale(np.ones(2))


def test_all_finite():
    assert bool(mp.all_finite({"a": np.ones(3, F16), "b": [np.zeros(2, BF16)]}))
    assert not bool(mp.all_finite({"a": np.ones(3), "b": np.array([np.inf], F16)}))
    assert not bool(mp.all_finite([np.array([np.nan], BF16)]))


# the overflow is the point of the test (NumPy warns as it happens)
@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_overflow_skips_the_step_and_shrinks_the_scale():
    """float16 training step: the scaled loss overflows, the step is skipped, scale halves."""
    policy = mp.get_policy("p=f32,c=f16,o=f32")
    opt = mp.skip_nonfinite(optim.sgd(0.1))
    w = np.array([3.0, -2.0], np.float32)
    state = opt.init(w)
    ls = mp.DynamicLossScale(np.float32(2.0 ** 15), period=2000)

    def loss(w, scale):
        wc = policy.cast_to_compute(w)
        # The product is formed in float16: 3 * 2**15 * 10 exceeds float16's 65504.
        return fnp.sum(policy.cast_to_output(wc * 10.0 * scale.loss_scale.astype(F16)))

    def step(w, state, ls):
        grads = ls.unscale(policy.cast_to_param(fg.grad(loss)(w, ls)))
        finite = mp.all_finite(grads)
        updates, state = opt.update(grads, state, w)
        return optim.apply_updates(w, updates), state, ls.adjust(finite), bool(finite)

    # The gradient, 10 * scale in float16, overflows while the scale exceeds 65504 / 10:
    # at 2**15, 2**14 and 2**13. Those steps are skipped and halve the scale; the rest apply.
    flags, scales, ws = [], [], []
    w1 = w
    for _ in range(6):
        w1, state, ls, finite = step(w1, state, ls)
        flags.append(finite)
        scales.append(float(ls.loss_scale))
        ws.append(np.asarray(w1))
    assert flags == [False, False, False, True, True, True]
    assert scales == [2.0 ** 14, 2.0 ** 13, 2.0 ** 12, 2.0 ** 12, 2.0 ** 12, 2.0 ** 12]
    for skipped in ws[:3]:
        np.testing.assert_array_equal(skipped, w)  # skipped steps leave the weights alone
    np.testing.assert_allclose(w1 - w, np.full(2, -0.1 * 10 * 3), rtol=1e-6)
    assert int(state.total_notfinite) == 3


# ---------------------------------------------------------------------------------------
# Save / load


def test_save_load_round_trips_16_bit_floats(tmp_path):
    tree = {"w": (np.arange(6).reshape(2, 3) / 7).astype(BF16),
            "h": np.array([1.5, -np.inf, 65504], F16),
            "ls": mp.DynamicLossScale(np.float32(256.0))}
    path = tmp_path / "ckpt.npz"
    fg.save(path, tree)
    back = fg.load(path, like=tree)
    assert back["w"].dtype == BF16 and back["h"].dtype == F16
    np.testing.assert_array_equal(back["w"].view(np.uint16), tree["w"].view(np.uint16))
    np.testing.assert_array_equal(back["h"], tree["h"])
    assert isinstance(back["ls"], mp.DynamicLossScale) and float(back["ls"].loss_scale) == 256
    assert fg.load(path)["['w']"].dtype == BF16
    with pytest.raises(fg.CheckpointError, match="dtype differs"):
        fg.load(path, like={**tree, "w": tree["w"].astype(np.float32)})
