"""fungrad.scipy.linalg's special matrices and the decompositions beyond the first set,
against jax.scipy.linalg (x64) and SciPy: values, dtypes, batching, errors; derivatives by
check_grads where they apply (the table rows in tests/tables/scipy_linalg.py add JAX's).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sl

import fungrad as fg
from fungrad.errors import ShapeError
from fungrad.scipy import linalg
from fungrad.test_util import check_grads

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import jax.scipy.linalg as jsl  # noqa: E402

RNG = np.random.default_rng(0)


def _same(ours, theirs, rtol=1e-12, atol=1e-12, dtype=True):
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    assert ours.shape == theirs.shape, (ours.shape, theirs.shape)
    if dtype:
        assert ours.dtype == theirs.dtype, (ours.dtype, theirs.dtype)
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol)


# ---------------------------------------------------------------------------------------
# Special matrices from an array: values, dtypes and batching against JAX

ARRAY_CASES = [
    ("toeplitz", (np.array([1, 2, 3]),)),
    ("toeplitz", (np.array([1.0, 2.0, 3.0]), np.array([9.0, 5.0, 6.0, 7.0]))),
    ("toeplitz", (np.array([1 + 2j, 3 + 1j]),)),
    ("toeplitz", (RNG.normal(size=(2, 3)), RNG.normal(size=(5, 1, 4)))),
    ("toeplitz", (RNG.normal(size=(2, 2, 3)),)),
    ("toeplitz", (np.array(2.0),)),
    ("toeplitz", (np.array([1, 2]), np.array([0.5, 1.5, 2.5]))),
    ("hankel", (np.array([1, 2, 3]),)),
    ("hankel", (np.array([1.0, 2.0, 3.0]), np.array([9.0, 5.0]))),
    ("hankel", (RNG.normal(size=(2, 3)), RNG.normal(size=(2, 4)))),
    ("hankel", (RNG.normal(size=(2, 3)),)),
    ("circulant", (np.array([1, 2, 3]),)),
    ("circulant", (RNG.normal(size=(2, 1, 4)),)),
    ("companion", (np.array([2.0, 3.0, 4.0]),)),
    ("companion", (np.array([1, 2, 3]),)),
    ("companion", (RNG.normal(size=(2, 4)),)),
    ("companion", (np.array([2.0, 3.0]),)),
    ("fiedler", (np.array([1, 4, 12]),)),
    ("fiedler", (RNG.normal(size=(2, 3)),)),
    ("fiedler_companion", (np.array([1.0, 2.0, 3.0, 4.0]),)),
    ("fiedler_companion", (np.array([1, 2, 3]),)),
    ("fiedler_companion", (RNG.normal(size=(2, 7)),)),
    ("fiedler_companion", (np.array([2.0, 3.0]),)),
    ("fiedler_companion", (np.array([2.0]),)),
    ("leslie", (np.array([0.1, 2.0, 1.0, 0.1]), np.array([0.2, 0.8, 0.7]))),
    ("leslie", (np.array([1, 2]), np.array([3]))),
    ("leslie", (RNG.normal(size=(2, 3)), RNG.normal(size=(2, 2)))),
]


@pytest.mark.parametrize("name, args", ARRAY_CASES)
def test_special_matrices_from_arrays_match_jax(name, args):
    ours = getattr(linalg, name)(*args)
    theirs = getattr(jsl, name)(*[jnp.asarray(a) for a in args])
    _same(ours, theirs)


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("m, n", [(5, 3), (3, 5), (4, 4), (2, 5), (1, 3), (6, 1)])
def test_convolution_matrix_matches_jax_scipy_and_convolve(mode, m, n):
    a = RNG.normal(size=m)
    t = linalg.convolution_matrix(a, n, mode)
    _same(t, jsl.convolution_matrix(jnp.asarray(a), n, mode))
    _same(t, sl.convolution_matrix(a, n, mode))
    v = RNG.normal(size=n)
    np.testing.assert_allclose(t @ v, np.convolve(a, v, mode), atol=1e-12)


def test_convolution_matrix_batches_and_keeps_ints():
    a = RNG.normal(size=(2, 3))
    _same(linalg.convolution_matrix(a, 4), jsl.convolution_matrix(jnp.asarray(a), 4))
    _same(linalg.convolution_matrix(np.array([1, 2]), 2),
          jsl.convolution_matrix(jnp.array([1, 2]), 2))


def test_fiedler_companion_has_the_polynomials_roots():
    a = np.array([2.0, -3.0, -11.0, 12.0, 4.0, -1.0])
    np.testing.assert_allclose(np.sort_complex(np.linalg.eigvals(linalg.fiedler_companion(a))),
                               np.sort_complex(np.roots(a)), atol=1e-10)
    np.testing.assert_allclose(linalg.fiedler_companion(a), sl.fiedler_companion(a))


# ---------------------------------------------------------------------------------------
# Constant matrices of an order n


@pytest.mark.parametrize("n", [0, 1, 2, 3, 7])
def test_order_matrices_match_jax_and_scipy(n):
    _same(linalg.hilbert(n), jsl.hilbert(n))
    _same(linalg.invhilbert(n), jsl.invhilbert(n))
    _same(linalg.invhilbert(n), sl.invhilbert(n, exact=True).astype(float), rtol=0)
    for full in (False, True):
        if n:
            _same(linalg.helmert(n, full=full), jsl.helmert(n, full=full))
    for scale in (None, "n", "sqrtn"):
        if n:
            _same(linalg.dft(n, scale), jsl.dft(n, scale))
            _same(linalg.dft(n, scale), sl.dft(n, scale), dtype=False)
    _same(linalg.dft(3, dtype=np.complex64), jsl.dft(3, dtype=jnp.complex64), rtol=1e-6)
    for kind in (None, "symmetric", "lower", "upper"):
        # JAX's pascal is float32 (through gammaln): compare values loosely, SciPy's exactly
        _same(linalg.pascal(n, kind), jsl.pascal(n, kind), rtol=1e-5, dtype=False)
        _same(linalg.pascal(n, kind), sl.pascal(n, kind or "symmetric").astype(float), rtol=0)
        _same(linalg.invpascal(n, kind), jsl.invpascal(n, kind), rtol=1e-5, atol=1e-4,
              dtype=False)
        _same(linalg.invpascal(n, kind),
              sl.invpascal(n, kind or "symmetric").astype(float), rtol=0)


def test_exact_integer_matrices_stay_exact_where_float64_can():
    p = linalg.pascal(30)
    assert p[-1, -1] == float(sl.pascal(30, exact=True)[-1, -1])
    np.testing.assert_array_equal(linalg.invhilbert(12), sl.invhilbert(12, exact=True))
    np.testing.assert_allclose(np.asarray(linalg.invpascal(12)) @ np.asarray(
        linalg.pascal(12)), np.eye(12), atol=0)
    # large dft entries: j k reduced mod n before the exponential
    w = np.asarray(linalg.dft(1000))
    np.testing.assert_allclose(w @ np.arange(1000.0), np.fft.fft(np.arange(1000.0)),
                               atol=1e-8)


@pytest.mark.parametrize("n", [1, 2, 8])
def test_hadamard_matches_jax(n):
    _same(linalg.hadamard(n), jsl.hadamard(n))
    _same(linalg.hadamard(n, np.float32), jsl.hadamard(n, jnp.float32))
    h = np.asarray(linalg.hadamard(n))
    np.testing.assert_array_equal(h @ h.T, n * np.eye(n))


# ---------------------------------------------------------------------------------------
# Derivatives, vmap and jit of the array-built ones


GRAD_CASES = [
    ("toeplitz", lambda c, r: linalg.toeplitz(c, r), (RNG.normal(size=3), RNG.normal(size=4))),
    ("toeplitz_hermitian", lambda c: linalg.toeplitz(c),
     (RNG.normal(size=3) + 1j * RNG.normal(size=3),)),
    ("hankel", lambda c, r: linalg.hankel(c, r), (RNG.normal(size=3), RNG.normal(size=2))),
    ("circulant", linalg.circulant, (RNG.normal(size=4),)),
    ("companion", linalg.companion, (np.array([2.0, 0.5, -1.0, 3.0]),)),
    ("convolution_matrix", lambda a: linalg.convolution_matrix(a, 4, "same"),
     (RNG.normal(size=3),)),
    ("fiedler", linalg.fiedler, (np.array([0.3, -1.2, 2.0]),)),
    ("fiedler_companion", linalg.fiedler_companion, (np.array([2.0, 0.5, -1.0, 3.0, 1.0]),)),
    ("leslie", linalg.leslie, (RNG.normal(size=3), RNG.normal(size=2))),
]


@pytest.mark.parametrize("name, fun, args", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_special_matrix_derivatives(name, fun, args):
    check_grads(fun, args, order=2)


@pytest.mark.parametrize("name, fun, args", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_special_matrix_vmap_and_jit(name, fun, args):
    batched = [np.stack([a, 2 * a + 1]) for a in args]
    expect = np.stack([fun(*[b[i] for b in batched]) for i in range(2)])
    _same(fg.vmap(fun)(*batched), expect)
    _same(fg.jit(fun)(*args), fun(*args))


def test_special_matrix_vjp_matches_jax():
    c, r = RNG.normal(size=3), RNG.normal(size=4)
    ct = RNG.normal(size=(3, 4))
    ours = fg.vjp(linalg.toeplitz, c, r)[1](ct)
    theirs = jax.vjp(jsl.toeplitz, jnp.asarray(c), jnp.asarray(r))[1](jnp.asarray(ct))
    for o, t in zip(ours, theirs):
        _same(o, t)


ERRORS = [
    (lambda: linalg.companion(np.ones(1)), ["companion", "`a`", "(1,)"]),
    (lambda: linalg.leslie(np.ones(3), np.ones(3)), ["leslie", "`s`", "(3,)"]),
    (lambda: linalg.leslie(np.ones(1), np.ones(0)), ["leslie", "`f`", "(1,)"]),
    (lambda: linalg.convolution_matrix(np.ones(2), 3, "middle"), ["convolution_matrix",
                                                                  "mode"]),
    (lambda: linalg.convolution_matrix(np.ones(2), 0), ["convolution_matrix", "`n`"]),
    (lambda: linalg.hadamard(3), ["hadamard", "power of 2"]),
    (lambda: linalg.dft(3, "m"), ["dft", "scale"]),
    (lambda: linalg.dft(3, dtype=np.float64), ["dft", "complex"]),
    (lambda: linalg.pascal(3, "left"), ["pascal", "kind"]),
    (lambda: linalg.invpascal(3, "left"), ["invpascal", "kind"]),
    (lambda: linalg.hilbert(-1), ["hilbert", "`n`"]),
    (lambda: linalg.helmert(2.5), ["helmert", "`n`"]),
    (lambda: linalg.helmert(0), ["helmert", "`n`", "at least 1"]),
]


@pytest.mark.parametrize("call, words", ERRORS)
def test_special_matrix_errors_name_the_argument(call, words):
    with pytest.raises((ValueError, TypeError, ShapeError)) as info:
        call()
    for word in words:
        assert word in str(info.value), (word, str(info.value))
