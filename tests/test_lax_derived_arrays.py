"""jax.lax's array conveniences (fungrad/lax/derived_arrays.py) against JAX: values, and
for the float ones gradients, vmap and jit; mulhi exactly over every integer dtype."""

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad import lax as flax
from fungrad.errors import ShapeError

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jlax = jax.lax

X = np.random.default_rng(0).standard_normal((2, 3, 4))

SHAPE_CASES = [
    ("split", lambda lax, x: lax.split(x, (1, 3), axis=2)),
    ("split_axis0", lambda lax, x: lax.split(x, (2, 0), axis=0)),
    ("tile", lambda lax, x: lax.tile(x, (2, 1, 3))),
    ("stack", lambda lax, x: lax.stack([x, 2 * x, x * x], axis=-1)),
    ("unstack", lambda lax, x: lax.unstack(x, axis=1)),
    ("broadcast_like", lambda lax, x: lax.broadcast_like(x[0, :1], x)),
    # JAX takes only Sharding objects (fungrad has none): its reference is the identity
    ("with_sharding_constraint", lambda lax, x: lax.with_sharding_constraint(x * 3, None)
     if lax is flax else x * 3),
]


def _close(a, b):
    for u, v in zip(fg.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)):
        assert np.shape(u) == np.shape(v)
        np.testing.assert_allclose(np.asarray(u), np.asarray(v), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name, f", SHAPE_CASES, ids=[c[0] for c in SHAPE_CASES])
def test_values_gradients_vmap_and_jit_match_jax(name, f):
    _close(f(flax, X), f(jlax, X))

    def loss(lax, np_):
        return lambda x: sum(np_.sum(np_.sin(p) * (i + 1)) for i, p in
                             enumerate(fg.tree_util.tree_leaves(f(lax, x))))

    _close(fg.grad(loss(flax, fnp))(X), jax.grad(loss(jlax, jax.numpy))(X))
    _close(fg.vmap(lambda x: f(flax, x))(np.stack([X, -X])),
           jax.vmap(lambda x: f(jlax, x))(np.stack([X, -X])))
    _close(fg.jit(lambda x: f(flax, x))(X), f(jlax, X))


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "int64", "uint8", "uint16",
                                   "uint32", "uint64"])
def test_mulhi_is_exact_for_every_integer_dtype(dtype):
    info = np.iinfo(dtype)
    rng = np.random.default_rng(1)
    a = rng.integers(info.min, info.max, 300, dtype=dtype, endpoint=True)
    b = rng.integers(info.min, info.max, 300, dtype=dtype, endpoint=True)
    a[:5] = [info.min, info.max, 0, info.max, info.min]
    b[:5] = [info.min, info.max, info.max, info.min, 1]
    got = flax.mulhi(a, b)
    assert got.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(got, np.asarray(jlax.mulhi(a, b)))
    np.testing.assert_array_equal(fg.jit(flax.mulhi)(a, b), got)
    np.testing.assert_array_equal(fg.vmap(flax.mulhi)(a, b), got)


def test_special_functions_under_their_lax_names():
    x = np.array([0.25, 1.5, 6.0])
    _close(flax.bessel_i0e(x), jlax.bessel_i0e(x))
    _close(flax.bessel_i1e(-x), jlax.bessel_i1e(-x))
    np.testing.assert_allclose(flax.betainc(2.0, 3.5, x / 7), jlax.betainc(2.0, 3.5, x / 7),
                               rtol=1e-12)
    np.testing.assert_allclose(flax.zeta(x + 1.5, 2.0), jlax.zeta(x + 1.5, 2.0), rtol=1e-12)
    _close(fg.grad(lambda v: fnp.sum(flax.bessel_i0e(v)))(x),
           jax.grad(lambda v: jax.numpy.sum(jlax.bessel_i0e(v)))(x))


def test_dtype():
    for v in (3.0, 3, True, np.float32(1), np.zeros(2, np.int8), np.float16, "complex64"):
        assert flax.dtype(v) == jlax.dtype(v)
    with pytest.raises(TypeError, match="cannot determine the dtype"):
        flax.dtype([1, 2])


def test_errors_name_the_fix():
    with pytest.raises(ValueError, match=r"add up to 2.*is 4"):
        flax.split(X, (1, 1), axis=2)
    with pytest.raises(ShapeError, match="axis 3 is out of range"):
        flax.split(X, (2,), axis=3)
    with pytest.raises(TypeError, match="reps length must be equal to the ndim"):
        flax.tile(X, (2,))
    with pytest.raises(ShapeError, match=r"shape \(3,\) cannot be broadcast to shape \(3, 4\)"):
        flax.broadcast_like(np.zeros(3), np.zeros((3, 4)))
    with pytest.raises(TypeError, match="two integer operands of one dtype"):
        flax.mulhi(np.ones(2), np.ones(2))
    with pytest.raises(ValueError, match="at least one operand"):
        flax.stack([])
