"""Tests for fungrad.random: keys, determinism, independence, distributions, transforms."""

import doctest
import math

import numpy as np
import pytest

import fungrad as fg
from fungrad import random as R
from fungrad.errors import ShapeError

N = 100_000
K = R.key(0)

# Each sampler with fixed arguments, for the tests that apply to all of them.
SAMPLERS = {
    "bits": lambda k: R.bits(k, (50,)),
    "uniform": lambda k: R.uniform(k, (50,)),
    "normal": lambda k: R.normal(k, (50,)),
    "gumbel": lambda k: R.gumbel(k, (50,)),
    "exponential": lambda k: R.exponential(k, (50,)),
    "bernoulli": lambda k: R.bernoulli(k, 0.5, (50,)),
    "categorical": lambda k: R.categorical(k, np.zeros(7), shape=(50,)),
    "randint": lambda k: R.randint(k, (50,), 0, 1000),
    "permutation": lambda k: R.permutation(k, 50),
    "choice": lambda k: R.choice(k, 1000, (50,)),
    "truncated_normal": lambda k: R.truncated_normal(k, -1.0, 2.0, (50,)),
}


def _normal_cdf(x):
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def test_docstring_examples():
    assert doctest.testmod(R).failed == 0


# --- Keys --------------------------------------------------------------------------------


def test_key_layout():
    for seed, words in [(0, [0, 0]), (1, [0, 1]), (2**40 + 5, [256, 5]), (-1, [2**32 - 1] * 2)]:
        k = R.key(seed)
        assert type(k) is np.ndarray and k.dtype == np.uint32 and k.shape == (2,)
        np.testing.assert_array_equal(k, words)
    np.testing.assert_array_equal(R.PRNGKey(7), R.key(np.int32(7)))


@pytest.mark.parametrize("seed", [1.5, True, "0", 2**64, np.array([1, 2])])
def test_key_rejects_bad_seeds(seed):
    with pytest.raises((TypeError, ValueError), match="key: seed"):
        R.key(seed)


def test_split_shapes_and_distinct_keys():
    keys = R.split(K, 5)
    assert keys.dtype == np.uint32 and keys.shape == (5, 2)
    assert R.split(K).shape == (2, 2)
    assert R.split(K, (2, 3)).shape == (2, 3, 2)
    assert R.split(K, 0).shape == (0, 2)
    many = R.split(K, 1000)
    assert len({tuple(k) for k in many}) == 1000
    assert not any((k == K).all() for k in many)
    np.testing.assert_array_equal(R.split(K, 5), keys)  # deterministic


def test_fold_in():
    folded = [R.fold_in(K, i) for i in range(200)]
    assert all(k.dtype == np.uint32 and k.shape == (2,) for k in folded)
    assert len({tuple(k) for k in folded}) == 200
    np.testing.assert_array_equal(R.fold_in(K, 3), R.fold_in(K, np.int32(3)))
    assert not (R.fold_in(K, 0) == K).all()
    assert not (R.fold_in(K, 0) == R.split(K, 1)[0]).all()
    with pytest.raises(TypeError, match="fold_in: data must be an int"):
        R.fold_in(K, 1.5)


def test_fold_in_traced_data_gives_the_eager_keys():
    # JAX folds in traced data (a loop index under jit, a vmapped step number).
    data = np.array([0, 1, 7, -1, -5, 2**40 + 3])
    eager = np.stack([R.fold_in(K, int(d)) for d in data])
    np.testing.assert_array_equal(fg.vmap(lambda d: R.fold_in(K, d))(data), eager)
    np.testing.assert_array_equal(fg.jit(lambda d: R.fold_in(K, d))(np.int32(-5)), eager[4])
    keys = R.split(K, 3)
    np.testing.assert_array_equal(fg.vmap(R.fold_in)(keys, np.array([1, 2, 3])),
                                  np.stack([R.fold_in(k, i + 1) for i, k in enumerate(keys)]))
    total = fg.jit(lambda: fg.lax.fori_loop(
        0, 3, lambda i, acc: acc + R.uniform(R.fold_in(K, i)), 0.0))()
    np.testing.assert_allclose(total, sum(R.uniform(R.fold_in(K, i)) for i in range(3)))
    with pytest.raises(TypeError, match="fold_in: data must be an integer scalar"):
        fg.jit(lambda d: R.fold_in(K, d))(np.ones(2, np.int64))


# --- Determinism and independence --------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_same_key_same_numbers(name):
    sample = SAMPLERS[name]
    np.testing.assert_array_equal(sample(K), sample(R.key(0)))
    assert not np.array_equal(sample(K), sample(R.key(1)))
    k1, k2 = R.split(K)
    assert not np.array_equal(sample(k1), sample(k2))


def _correlation(a, b):
    return abs(np.corrcoef(a, b)[0, 1])


def test_streams_are_uncorrelated():
    k1, k2 = R.split(K)
    pairs = {
        "split siblings": (k1, k2),
        "key and its split": (K, k1),
        "adjacent seeds": (R.key(0), R.key(1)),
        "fold_in neighbours": (R.fold_in(K, 0), R.fold_in(K, 1)),
        "key and its fold_in": (K, R.fold_in(K, 0)),
    }
    for what, (a, b) in pairs.items():
        ua, ub = R.uniform(a, (20_000,)), R.uniform(b, (20_000,))
        assert _correlation(ua, ub) < 0.03, what
        assert not (ua == ub).any(), what
    # Lagged self-correlation of one stream.
    u = R.uniform(K, (N,))
    assert _correlation(u[:-1], u[1:]) < 0.02


def test_bits_are_balanced():
    words = R.bits(K, (20_000,))
    assert words.dtype == np.uint32
    ones = ((words[:, None] >> np.arange(32, dtype=np.uint32)) & 1).mean(axis=0)
    np.testing.assert_allclose(ones, 0.5, atol=0.02)
    assert R.bits(K, (3,), np.uint64).dtype == np.uint64
    assert R.bits(K, (3,), np.uint8).dtype == np.uint8


# --- Distributions -----------------------------------------------------------------------


def test_uniform_distribution():
    u = R.uniform(K, (N,))
    assert u.min() >= 0.0 and u.max() < 1.0
    assert abs(u.mean() - 0.5) < 0.005 and abs(u.var() - 1 / 12) < 0.002
    counts = np.histogram(u, bins=10, range=(0, 1))[0]
    np.testing.assert_allclose(counts, N / 10, rtol=0.05)


def test_uniform_bounds_broadcast():
    u = R.uniform(K, (N, 2), minval=np.array([-1.0, 10.0]), maxval=np.array([1.0, 20.0]))
    assert (u[:, 0] >= -1).all() and (u[:, 0] < 1).all()
    assert (u[:, 1] >= 10).all() and (u[:, 1] < 20).all()
    np.testing.assert_allclose(u.mean(axis=0), [0.0, 15.0], atol=0.05)
    # Bounds where u * (hi - lo) + lo would round up to hi stay half-open.
    big = R.uniform(K, (1000,), minval=1e16, maxval=1e16 + 4)
    assert (big < 1e16 + 4).all() and (big >= 1e16).all()


def test_normal_distribution():
    z = R.normal(K, (N,))
    assert abs(z.mean()) < 0.015 and abs(z.var() - 1.0) < 0.02
    assert abs(np.mean(z**3)) < 0.05 and abs(np.mean(z**4) - 3.0) < 0.1
    for x in (-2.0, -0.5, 0.0, 1.0):
        assert abs(np.mean(z < x) - _normal_cdf(x)) < 0.005
    # A longer draw extends a shorter one.
    np.testing.assert_array_equal(R.normal(K, (7,)), R.normal(K, (8,))[:7])


def test_complex_normal():
    z = R.normal(K, (N,), np.complex128)
    assert z.dtype == np.complex128
    assert abs(np.mean(np.abs(z) ** 2) - 1.0) < 0.02
    assert abs(z.real.var() - 0.5) < 0.01 and abs(z.imag.var() - 0.5) < 0.01
    assert _correlation(z.real, z.imag) < 0.02


def test_bernoulli_rates():
    assert abs(R.bernoulli(K, 0.3, (N,)).mean() - 0.3) < 0.005
    b = R.bernoulli(K, np.array([0.0, 0.25, 1.0]), (N // 10, 3))
    assert b.dtype == np.bool_ and b.shape == (N // 10, 3)
    assert not b[:, 0].any() and b[:, 2].all() and abs(b[:, 1].mean() - 0.25) < 0.02
    assert R.bernoulli(K, np.full((2, 3), 0.5)).shape == (2, 3)
    assert R.bernoulli(K).shape == ()


def test_categorical_frequencies():
    probs = np.array([0.1, 0.2, 0.3, 0.4, 0.0])
    with np.errstate(divide="ignore"):
        logits = np.log(probs)
    draws = R.categorical(K, logits, shape=(N,))
    assert draws.dtype == np.int64 and draws.shape == (N,)
    np.testing.assert_allclose(np.bincount(draws, minlength=5) / N, probs, atol=0.006)
    # Unnormalised logits and a category axis that is not last.
    batched = np.stack([logits + 3.0, logits[::-1]], axis=1)  # categories on axis 0
    draws = R.categorical(K, batched, axis=0, shape=(N // 4, 2))
    assert draws.shape == (N // 4, 2)
    np.testing.assert_allclose(np.bincount(draws[:, 0], minlength=5) / (N // 4), probs, atol=0.01)
    np.testing.assert_allclose(
        np.bincount(draws[:, 1], minlength=5) / (N // 4), probs[::-1], atol=0.01
    )
    assert R.categorical(K, np.zeros((4, 3))).shape == (4,)


def test_randint_ranges():
    r = R.randint(K, (N,), 3, 13)
    assert r.dtype == np.int64 and r.min() == 3 and r.max() == 12
    np.testing.assert_allclose(np.bincount(r - 3) / N, 0.1, atol=0.005)
    small = R.randint(K, (N,), -128, 128, np.int8)  # the whole int8 range, maxval = max + 1
    assert small.dtype == np.int8 and small.min() == -128 and small.max() == 127
    full = R.randint(K, (1000,), -(2**63), 2**63)
    assert (full < 0).mean() > 0.4 and (full > 0).mean() > 0.4
    u8 = R.randint(K, (1000,), 250, 1000, np.uint8)  # maxval clipped to the dtype's range
    assert u8.dtype == np.uint8 and u8.min() >= 250
    per_column = R.randint(K, (1000, 3), np.array([0, 10, 100]), np.array([1, 12, 200]))
    assert (per_column[:, 0] == 0).all() and set(np.unique(per_column[:, 1])) == {10, 11}
    assert ((per_column[:, 2] >= 100) & (per_column[:, 2] < 200)).all()
    np.testing.assert_array_equal(R.randint(K, (5,), 7, 7), 7)  # empty range gives minval


def test_permutation():
    p = R.permutation(K, 100)
    assert p.dtype == np.int64
    np.testing.assert_array_equal(np.sort(p), np.arange(100))
    assert not np.array_equal(p, np.arange(100))
    x = np.arange(12).reshape(4, 3)
    rows = R.permutation(K, x)
    assert sorted(map(tuple, rows)) == sorted(map(tuple, x))
    cols = R.permutation(K, x, axis=1)
    assert sorted(map(tuple, cols.T)) == sorted(map(tuple, x.T))
    indep = R.permutation(K, np.tile(np.arange(10), (20, 1)), axis=1, independent=True)
    assert (np.sort(indep, axis=1) == np.arange(10)).all()
    assert len({tuple(r) for r in indep}) > 15  # rows shuffled differently


def test_permutation_is_uniform():
    keys = R.split(K, 1200)
    counts = {}
    for k in keys:
        perm = tuple(R.permutation(k, 3))
        counts[perm] = counts.get(perm, 0) + 1
    assert len(counts) == 6
    assert all(abs(c - 200) < 60 for c in counts.values())


def test_truncated_normal():
    t = R.truncated_normal(K, -1.0, 1.0, (N,))
    assert t.min() > -1.0 and t.max() < 1.0
    z = _normal_cdf(1.0) - _normal_cdf(-1.0)
    expected_var = 1.0 - 2.0 * math.exp(-0.5) / math.sqrt(2 * math.pi) / z
    assert abs(t.mean()) < 0.01 and abs(t.var() - expected_var) < 0.005
    for x in (-0.5, 0.0, 0.7):  # the empirical CDF matches the truncated normal's
        exact = (_normal_cdf(x) - _normal_cdf(-1.0)) / z
        assert abs(np.mean(t < x) - exact) < 0.006
    half = R.truncated_normal(K, 0.0, np.inf, (N,))
    assert half.min() > 0 and abs(half.mean() - math.sqrt(2 / math.pi)) < 0.01
    tail = R.truncated_normal(K, 8.0, np.inf, (N // 10,))  # far tail, via the mirrored CDF
    assert tail.min() > 8.0 and abs(tail.mean() - 8.1218) < 0.01
    left = R.truncated_normal(K, -np.inf, -8.0, (1000,))
    assert left.max() < -8.0


def test_truncated_normal_bounds_per_element_and_float32():
    lower, upper = np.array([-2.0, 0.0, 3.0]), np.array([-1.0, 0.5, 3.001])
    t = R.truncated_normal(K, lower, upper, (1000, 3))
    assert ((t > lower) & (t < upper)).all()
    assert R.truncated_normal(K, lower, upper).shape == (3,)
    t32 = R.truncated_normal(K, -2.0, 2.0, (N,), np.float32)
    assert t32.dtype == np.float32 and t32.min() > -2.0 and t32.max() < 2.0


def test_gumbel_and_exponential():
    g = R.gumbel(K, (N,))
    assert abs(g.mean() - 0.5772156649) < 0.02 and abs(g.var() - math.pi**2 / 6) < 0.05
    e = R.exponential(K, (N,))
    assert e.min() >= 0 and abs(e.mean() - 1.0) < 0.015 and abs(e.var() - 1.0) < 0.05


def test_choice():
    c = R.choice(K, 5, (N,))
    assert c.dtype == np.int64 and c.shape == (N,)
    np.testing.assert_allclose(np.bincount(c) / N, 0.2, atol=0.006)
    p = np.array([0.5, 0.0, 0.25, 0.25])
    weighted = R.choice(K, 4, (N,), p=p)
    np.testing.assert_allclose(np.bincount(weighted, minlength=4) / N, p, atol=0.006)
    unique = R.choice(K, 10, (10,), replace=False)
    np.testing.assert_array_equal(np.sort(unique), np.arange(10))
    no_zero = R.choice(K, 4, (3,), replace=False, p=p)
    assert sorted(no_zero) == [0, 2, 3]
    a = np.arange(20).reshape(5, 4)
    rows = R.choice(K, a, (2, 3))
    assert rows.shape == (2, 3, 4) and (rows[..., 0] % 4 == 0).all()
    cols = R.choice(K, a, (2,), replace=False, axis=1)
    assert cols.shape == (5, 2) and cols[0, 0] != cols[0, 1]


# --- Dtypes and shapes -------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(), 3, (2, 3), (0,), (4, 0, 2)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
@pytest.mark.parametrize("sampler", [R.uniform, R.normal, R.gumbel, R.exponential])
def test_float_dtypes_and_shapes(sampler, shape, dtype):
    out = sampler(K, shape, dtype)
    expected = (shape,) if isinstance(shape, int) else shape
    assert isinstance(out, np.ndarray) and out.shape == expected and out.dtype == dtype
    assert np.isfinite(out).all()


def test_default_dtypes_and_float32_range():
    assert R.uniform(K).dtype == np.float64 and R.normal(K).dtype == np.float64
    assert R.randint(K, (), 0, 5).dtype == np.int64
    u = R.uniform(K, (N,), np.float32)
    assert u.max() < 1.0 and abs(u.mean() - 0.5) < 0.005
    assert R.uniform(K, (3,), np.float32, minval=np.float64(2), maxval=3).dtype == np.float32


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int32, np.uint32, np.int64, np.uint64])
def test_randint_dtypes(dtype):
    out = R.randint(K, (2, 5), 0, 100, dtype)
    assert out.dtype == dtype and out.shape == (2, 5) and out.min() >= 0 and out.max() < 100


# --- Errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: R.normal(K, (2.5,)), TypeError, "normal: shape must be an int or a tuple"),
        (lambda: R.uniform(K, "abc"), TypeError, "uniform: shape must be"),
        (lambda: R.normal(K, (2, -1)), ValueError, "normal: shape=.*negative"),
        (lambda: R.split(K, 2.0), TypeError, "split: num must be"),
        (lambda: R.normal(0), TypeError, r"normal: expected a PRNG key, got the integer 0.*\(0\)"),
        (lambda: R.uniform(R.split(K, 3)), ShapeError, r"single key of shape \(2,\).*\(3, 2\)"),
        (lambda: R.normal(np.zeros(2)), TypeError, "normal: expected a PRNG key .*float64"),
        (lambda: R.split(np.zeros(3, np.uint32)), TypeError, r"split: .*shape \(3,\)"),
        (lambda: R.uniform(K, dtype=np.int32), TypeError, "uniform: dtype must be a floating"),
        (lambda: R.normal(K, dtype=bool), TypeError, "normal: dtype must be"),
        (lambda: R.randint(K, (2,), 0, 5, np.float32), TypeError, "randint: dtype must be"),
        (lambda: R.randint(K, (2,), 0.5, 5), TypeError, "randint: minval must be an int"),
        (lambda: R.bits(K, (2,), np.int32), TypeError, "bits: dtype must be an unsigned"),
        (
            lambda: R.uniform(K, (3,), minval=np.zeros(4)),
            ShapeError,
            r"uniform: minval of shape \(4,\) does not broadcast to shape \(3,\)",
        ),
        (lambda: R.bernoulli(K, np.ones(3) / 2, (2,)), ShapeError, r"bernoulli: p of shape \(3,\)"),
        (lambda: R.categorical(K, 1.0), ShapeError, "categorical: logits must have a category"),
        (lambda: R.categorical(K, np.zeros(3), axis=2), ValueError, "categorical: axis 2"),
        (lambda: R.categorical(K, np.zeros((2, 3)), shape=(5,)), ShapeError, r"\(2,\).*\(5,\)"),
        (lambda: R.choice(K, 3, (4,), replace=False), ValueError, "choice: cannot take 4"),
        (lambda: R.choice(K, 3, p=[0.5, 0.5]), ShapeError, r"choice: p must have shape \(3,\)"),
        (lambda: R.choice(K, 2, p=[-1.0, 2.0]), ValueError, "choice: p must be non-negative"),
        (lambda: R.choice(K, 0, (2,)), ValueError, "empty population"),
        (lambda: R.truncated_normal(K, np.zeros(2), 1.0, (3,)), ShapeError, "truncated_normal"),
        (lambda: R.permutation(K, np.zeros((2, 2)), axis=-3), ValueError, "permutation: axis"),
    ],
)
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


# --- Under transforms --------------------------------------------------------------------


def test_vmap_over_keys_matches_a_loop():
    keys = R.split(K, 4)
    xs = np.arange(12.0).reshape(4, 3)
    out = fg.vmap(lambda k, x: x + R.normal(k, x.shape))(keys, xs)
    expected = np.stack([x + R.normal(k, (3,)) for k, x in zip(keys, xs)])
    np.testing.assert_array_equal(out, expected)
    # Keys batched along another axis.
    out1 = fg.vmap(lambda k: R.uniform(k, (2,)), in_axes=1)(keys.T)
    np.testing.assert_array_equal(out1, np.stack([R.uniform(k, (2,)) for k in keys]))
    # split and fold_in map over keys too.
    np.testing.assert_array_equal(fg.vmap(R.split)(keys), np.stack([R.split(k) for k in keys]))
    folded = fg.vmap(lambda k: R.fold_in(k, 5))(keys)
    np.testing.assert_array_equal(folded, np.stack([R.fold_in(k, 5) for k in keys]))


def test_vmap_with_an_unbatched_key_shares_the_draw():
    xs = np.zeros((3, 4))
    out = fg.vmap(lambda k, x: x + R.uniform(k, x.shape), in_axes=(None, 0))(K, xs)
    np.testing.assert_array_equal(out, np.broadcast_to(R.uniform(K, (4,)), (3, 4)))


def test_nested_vmap_over_a_grid_of_keys():
    keys = R.split(K, (2, 3))
    expected = np.array([[R.uniform(k) for k in row] for row in keys])
    np.testing.assert_array_equal(fg.vmap(fg.vmap(R.uniform))(keys), expected)
    swapped = fg.vmap(fg.vmap(R.uniform), in_axes=1)(keys.transpose(1, 0, 2))
    np.testing.assert_array_equal(swapped, expected)


def test_vmap_over_parameters_and_empty_batches():
    out = fg.vmap(lambda p: R.bernoulli(K, p, (5,)))(np.array([0.0, 1.0]))
    np.testing.assert_array_equal(out, [[False] * 5, [True] * 5])
    empty = fg.vmap(lambda k: R.normal(k, (2,)))(np.zeros((0, 2), np.uint32))
    assert empty.shape == (0, 2)


def test_grad_through_uniform_bounds():
    u = R.uniform(K, (5,))
    d_lo = fg.grad(lambda lo: R.uniform(K, (5,), minval=lo, maxval=lo + 2.0).sum())(1.0)
    d_hi = fg.grad(lambda hi: R.uniform(K, (5,), minval=0.0, maxval=hi).sum())(2.0)
    np.testing.assert_allclose(d_lo, 5.0)
    np.testing.assert_allclose(d_hi, u.sum())


def test_traced_key_is_staged_and_checked():
    ir = fg.make_ir(R.normal)(K)
    assert [e.prim.name for e in ir.eqns] == ["random_draw"]
    np.testing.assert_array_equal(ir(K)[0], R.normal(K))
    with pytest.raises((TypeError, ValueError), match="normal"):
        fg.make_ir(R.normal)(np.zeros(3, np.uint32))


def test_samplers_under_jit_with_traced_keys():
    import fungrad as fg
    from fungrad import random as R

    def f(k, x):
        k1, k2 = R.split(k)
        return x * R.normal(k1, (3,)) + R.uniform(k2, (3,)) + R.bernoulli(k2, 0.3, (3,))

    k = R.key(7)
    jitted = fg.jit(f)
    np.testing.assert_array_equal(jitted(k, 2.0), f(k, 2.0))
    np.testing.assert_array_equal(jitted(R.key(8), 2.0), f(R.key(8), 2.0))
    assert jitted.trace_count == 1
    keys = R.split(k, 3)
    want = np.stack([f(kk, 2.0) for kk in keys])
    np.testing.assert_array_equal(fg.jit(fg.vmap(f, (0, None)))(keys, 2.0), want)
    np.testing.assert_array_equal(fg.vmap(jitted, (0, None))(keys, 2.0), want)
    grad = fg.grad(lambda x: jitted(k, x).sum())(2.0)
    np.testing.assert_allclose(grad, R.normal(R.split(k)[0], (3,)).sum())
