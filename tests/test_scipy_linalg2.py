"""fungrad.scipy.linalg's special matrices and the decompositions beyond the first set,
against jax.scipy.linalg (x64) and SciPy: values, dtypes, batching, errors; derivatives by
check_grads where they apply (the table rows in tests/tables/scipy_linalg.py add JAX's).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sl

import fungrad as fg
import fungrad.numpy as fnp
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


# ---------------------------------------------------------------------------------------
# solve_sylvester


def _sylvester_operands(m, n, batch=(), dtype=float):
    a = RNG.normal(size=(*batch, m, m)) + 3 * np.eye(m)
    b = RNG.normal(size=(*batch, n, n)) + 2 * np.eye(n)
    c = RNG.normal(size=(*batch, m, n))
    if dtype is complex:
        a, b, c = (x + 1j * RNG.normal(size=x.shape) for x in (a, b, c))
    return a, b, c


@pytest.mark.parametrize("method", ["schur", "eigen"])
@pytest.mark.parametrize("m, n, dtype", [(3, 2, float), (1, 4, float), (4, 4, complex)])
def test_solve_sylvester_matches_jax_and_scipy(method, m, n, dtype):
    a, b, c = _sylvester_operands(m, n, dtype=dtype)
    x = linalg.solve_sylvester(a, b, c, method=method)
    _same(x, jsl.solve_sylvester(a, b, c, method=method), rtol=1e-10, atol=1e-12)
    _same(x, sl.solve_sylvester(a, b, c), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(a @ x + x @ b, c, atol=1e-12)


def test_solve_sylvester_broadcasts_batches_and_promotes_ints():
    a, b, c = _sylvester_operands(3, 2, batch=(4,))
    _same(linalg.solve_sylvester(a, b[0], c), jsl.solve_sylvester(a, b[0], c), rtol=1e-10)
    a, b, c = (np.array([[1, 2], [3, 4]]), np.array([[5, 6], [7, 8]]),
               np.array([[6, 8], [10, 12]]))
    _same(linalg.solve_sylvester(a, b, c), jsl.solve_sylvester(a, b, c), atol=1e-12)


def test_solve_sylvester_eigen_method_is_jaxs_and_scales():
    # method='eigen' diagonalises A and B (O(m^3 + n^3)): a 60 x 50 equation, whose
    # Kronecker system would be 3000 x 3000, agrees with JAX's eigen method
    a, b, c = _sylvester_operands(60, 50)
    a, b = a + 6 * np.eye(60), b + 4 * np.eye(50)
    x = linalg.solve_sylvester(a, b, c, method="eigen")
    _same(x, jsl.solve_sylvester(a, b, c, method="eigen"), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(a @ x + x @ b, c, atol=1e-11)
    # its derivatives are those of the same function solved by the Kronecker method (JAX
    # refuses to differentiate non-symmetric eigenvectors)
    a, b, c = _sylvester_operands(4, 3)

    def loss(method):
        return lambda a, b, c: fnp.sum(fnp.sin(linalg.solve_sylvester(a, b, c, method=method)))
    for u, v in zip(fg.grad(loss("eigen"), argnums=(0, 1, 2))(a, b, c),
                    fg.grad(loss("schur"), argnums=(0, 1, 2))(a, b, c)):
        np.testing.assert_allclose(u, v, atol=1e-12)


def test_solve_sylvester_is_nan_where_singular_as_jax():
    a, b, c = np.diag([1.0, 2.0]), np.diag([-1.0, 5.0]), np.ones((2, 2))
    for method in ("schur", "eigen"):
        assert np.isnan(np.asarray(linalg.solve_sylvester(a, b, c, method=method))).all()
        assert np.isnan(np.asarray(jsl.solve_sylvester(a, b, c, method=method))).all()
    # within tol only: a tiny tol solves the nearly singular equation
    x = linalg.solve_sylvester(a, b + 1e-6 * np.eye(2), c, tol=1e-9)
    np.testing.assert_allclose(a @ x + x @ (b + 1e-6 * np.eye(2)), c, atol=1e-6)


def test_solve_sylvester_derivatives_vmap_jit():
    a, b, c = _sylvester_operands(3, 2)
    check_grads(linalg.solve_sylvester, (a, b, c), order=2)
    ac, bc, cc = _sylvester_operands(2, 2, dtype=complex)
    check_grads(linalg.solve_sylvester, (ac, bc, cc), order=1)
    a, b, c = _sylvester_operands(3, 2, batch=(2,))
    _same(fg.vmap(linalg.solve_sylvester)(a, b, c), linalg.solve_sylvester(a, b, c))
    _same(fg.jit(linalg.solve_sylvester)(a, b, c), linalg.solve_sylvester(a, b, c))


def test_solve_sylvester_implicit_derivative():
    # the tangent solves A dX + dX B = dC - dA X - X dB
    a, b, c = _sylvester_operands(3, 2)
    da, db, dc = (RNG.normal(size=x.shape) for x in (a, b, c))
    x, dx = fg.jvp(linalg.solve_sylvester, (a, b, c), (da, db, dc))
    np.testing.assert_allclose(a @ dx + dx @ b, dc - da @ x - x @ db, atol=1e-12)


# ---------------------------------------------------------------------------------------
# polar


@pytest.mark.parametrize("shape, side", [((3, 3), "right"), ((3, 3), "left"),
                                         ((4, 2), "right"), ((2, 4), "left"),
                                         ((2, 4), "right"), ((4, 2), "left")])
def test_polar_matches_jax_and_scipy(shape, side):
    a = RNG.normal(size=shape)
    u, p = linalg.polar(a, side)
    ju, jp = jsl.polar(a, side, method="svd")
    _same(u, ju, atol=1e-12)
    _same(p, jp, atol=1e-12)
    su, sp_ = sl.polar(a, side)
    _same(u, su, atol=1e-12)
    _same(p, sp_, atol=1e-12)
    np.testing.assert_allclose(u @ p if side == "right" else p @ u, a, atol=1e-12)
    try:
        qu, qp = jsl.polar(a, side)  # JAX's QDWH takes only some shapes and sides
    except NotImplementedError:
        return
    _same(u, qu, atol=1e-10)
    _same(p, qp, atol=1e-10)


def test_polar_complex_batched_and_differentiable():
    a = RNG.normal(size=(2, 3, 3)) + 1j * RNG.normal(size=(2, 3, 3))
    u, p = linalg.polar(a)
    ju, jp = jsl.polar(a, method="svd")
    _same(u, ju, atol=1e-12)
    _same(p, jp, atol=1e-12)
    square = RNG.normal(size=(3, 3)) + np.diag([3.0, 1.5, 0.5])
    check_grads(linalg.polar, (square,), order=2)
    check_grads(lambda x: linalg.polar(x, "left"), (RNG.normal(size=(2, 3)),), order=1)
    ours = fg.jvp(linalg.polar, (square,), (np.eye(3),))[1]
    theirs = jax.jvp(lambda x: jsl.polar(x, method="svd"), (jnp.asarray(square),),
                     (jnp.eye(3),))[1]
    for o, t in zip(ours, theirs):
        _same(o, t, atol=1e-10)


# ---------------------------------------------------------------------------------------
# expm_frechet and funm


def test_expm_frechet_matches_jax_and_scipy():
    a, e = RNG.normal(size=(3, 3)), RNG.normal(size=(3, 3))
    value, frechet = linalg.expm_frechet(a, e)
    jv, jf = jsl.expm_frechet(a, e)
    sv, sf = sl.expm_frechet(a, e)
    _same(value, jv, rtol=1e-12)
    _same(frechet, jf, rtol=1e-11)
    _same(frechet, sf, rtol=1e-11)
    _same(value, sv, rtol=1e-12)
    _same(linalg.expm_frechet(a, e, compute_expm=False), frechet)
    batch = RNG.normal(size=(2, 3, 3))
    _same(linalg.expm_frechet(batch, batch, compute_expm=False),
          jsl.expm_frechet(batch, batch, compute_expm=False), rtol=1e-11)
    check_grads(lambda x: linalg.expm_frechet(x, e, compute_expm=False), (0.5 * a,), order=1)


def _func_cases():
    return [(fnp.sin, jnp.sin, np.sin), (fnp.exp, jnp.exp, np.exp),
            (lambda x: x ** 3 - 2 * x, lambda x: x ** 3 - 2 * x, lambda x: x ** 3 - 2 * x)]


@pytest.mark.parametrize("case", range(3))
def test_funm_matches_jax_and_scipy(case):
    ours, theirs, numpys = _func_cases()[case]
    a = RNG.normal(size=(4, 4))
    f = linalg.funm(a, ours)
    _same(f, jsl.funm(a, theirs), rtol=1e-10, atol=1e-12)
    _same(f, sl.funm(a, numpys).astype(complex), rtol=1e-10, atol=1e-12)
    f2, err = linalg.funm(a, ours, disp=False)
    _same(f2, f)
    assert np.finfo(float).eps <= float(err) < 1e-12


def test_funm_symmetric_is_the_eigh_form_and_differentiable():
    b = RNG.normal(size=(3, 3))
    s = b + b.T + np.diag([0.0, 2.0, 4.0])
    w, v = np.linalg.eigh(s)
    np.testing.assert_allclose(linalg.funm(s, fnp.cos), (v * np.cos(w)) @ v.T, atol=1e-12)
    check_grads(lambda x: fnp.real(linalg.funm(x, fnp.sin)), (s + 0.3 * b,), order=1)
    batch = np.stack([s, 2 * s])
    _same(fg.vmap(lambda x: linalg.funm(x, fnp.exp))(batch),
          np.stack([linalg.funm(x, fnp.exp) for x in batch]), rtol=1e-12)


# ---------------------------------------------------------------------------------------
# eigh_tridiagonal and qr_multiply


@pytest.mark.parametrize("n", [1, 2, 5])
def test_eigh_tridiagonal_matches_jax_and_scipy(n):
    d, e = RNG.normal(size=n), RNG.normal(size=n - 1)
    w = linalg.eigh_tridiagonal(d, e, eigvals_only=True)
    _same(w, jsl.eigh_tridiagonal(d, e, eigvals_only=True), atol=1e-12)
    w2, v = linalg.eigh_tridiagonal(d, e)
    sw, sv = sl.eigh_tridiagonal(d, e)
    _same(w2, sw, atol=1e-12)
    _same(np.abs(v), np.abs(sv), atol=1e-10)  # eigenvector signs are free
    _, jv = jsl.eigh_tridiagonal(d, e)
    _same(np.abs(v), np.abs(jv), atol=1e-8)
    if n > 2:
        _same(linalg.eigh_tridiagonal(d, e, eigvals_only=True, select="i",
                                      select_range=(1, 2)),
              jsl.eigh_tridiagonal(d, e, eigvals_only=True, select="i", select_range=(1, 2)),
              atol=1e-12)


def test_eigh_tridiagonal_batches_ints_and_derivatives():
    d, e = RNG.normal(size=(2, 4)), RNG.normal(size=(2, 3))
    expect = np.stack([sl.eigh_tridiagonal(d[i], e[i], eigvals_only=True) for i in range(2)])
    _same(linalg.eigh_tridiagonal(d, e, eigvals_only=True), expect, atol=1e-12)
    _same(fg.jit(lambda x, y: linalg.eigh_tridiagonal(x, y, eigvals_only=True))(d, e),
          expect, atol=1e-12)
    _same(linalg.eigh_tridiagonal(np.array([1, 2, 3]), np.array([1, 1]), eigvals_only=True),
          sl.eigh_tridiagonal(np.array([1.0, 2, 3]), np.array([1.0, 1]), eigvals_only=True))
    check_grads(lambda x, y: linalg.eigh_tridiagonal(x, y, eigvals_only=True),
                (np.array([0.0, 1.0, 2.5]), np.array([0.3, -0.4])), order=2)
    # |v|^2 is free of each eigenvector's sign
    check_grads(lambda x, y: linalg.eigh_tridiagonal(x, y)[1] ** 2,
                (np.array([0.0, 1.0, 2.5]), np.array([0.3, -0.4])), order=1)


@pytest.mark.parametrize("m, n", [(4, 2), (2, 4), (3, 3)])
@pytest.mark.parametrize("mode", ["left", "right"])
def test_qr_multiply_matches_jax_and_scipy(m, n, mode):
    a = RNG.normal(size=(m, n))
    k = min(m, n)
    for c in ((RNG.normal(size=(k, 2)), RNG.normal(size=k)) if mode == "left"
              else (RNG.normal(size=(2, m)), RNG.normal(size=m))):
        out, r = linalg.qr_multiply(a, c, mode)
        jout, jr = jsl.qr_multiply(a, c, mode)
        sout, sr = sl.qr_multiply(a, c, mode)
        _same(out, jout, atol=1e-12)
        _same(r, jr, atol=1e-12)
        _same(out, sout, atol=1e-12)
        _same(r, sr, atol=1e-12)


def test_qr_multiply_conjugate_batch_and_derivatives():
    a = RNG.normal(size=(3, 3)) + 1j * RNG.normal(size=(3, 3))
    c = RNG.normal(size=(2, 3))
    _same(linalg.qr_multiply(a, c, conjugate=True)[0],
          jsl.qr_multiply(a, c, conjugate=True)[0], atol=1e-12)
    batch, cb = RNG.normal(size=(5, 4, 3)), RNG.normal(size=(2, 4))
    _same(linalg.qr_multiply(batch, cb)[0], jsl.qr_multiply(batch, cb)[0], atol=1e-12)
    check_grads(lambda x, y: linalg.qr_multiply(x + 3 * np.eye(3), y), (a.real, c), order=1)
    check_grads(lambda x, y: linalg.qr_multiply(x + np.eye(4, 2), y, "left"),
                (RNG.normal(size=(4, 2)), RNG.normal(size=(2, 3))), order=1)


ERRORS_2 = [
    (lambda: linalg.solve_sylvester(np.eye(2), np.eye(3), np.ones((3, 2))),
     ["solve_sylvester", "`C`", "(..., 2, 3)", "(3, 2)"]),
    (lambda: linalg.solve_sylvester(np.ones((2, 3)), np.eye(3), np.ones((2, 3))),
     ["solve_sylvester", "`A`", "(2, 3)"]),
    (lambda: linalg.solve_sylvester(np.eye(2), np.eye(2), np.eye(2), method="kron"),
     ["solve_sylvester", "method"]),
    (lambda: linalg.polar(np.eye(2), "up"), ["polar", "side"]),
    (lambda: linalg.polar(np.eye(2), method="newton"), ["polar", "method"]),
    (lambda: linalg.polar(np.ones(3)), ["polar", "`a`", "(3,)"]),
    (lambda: linalg.expm_frechet(np.eye(2), np.eye(3)), ["expm_frechet", "`E`", "(3, 3)"]),
    (lambda: linalg.funm(np.ones((2, 3, 3)), fnp.exp), ["funm", "`A`", "vmap"]),
    (lambda: linalg.eigh_tridiagonal(np.ones(3), np.ones(3)), ["eigh_tridiagonal", "`e`"]),
    (lambda: linalg.eigh_tridiagonal(np.ones(2) * 1j, np.ones(1)),
     ["eigh_tridiagonal", "`d`", "real"]),
    (lambda: linalg.eigh_tridiagonal(np.ones(3), np.ones(2), select="i", select_range=(1, 3)),
     ["eigh_tridiagonal", "select_range"]),
    (lambda: linalg.qr_multiply(np.eye(3), np.ones((2, 2))), ["qr_multiply", "`c`", "(2, 2)"]),
    (lambda: linalg.qr_multiply(np.eye(3), np.ones(3), mode="top"), ["qr_multiply", "mode"]),
]


@pytest.mark.parametrize("call, words", ERRORS + ERRORS_2)
def test_errors_name_the_function_and_argument(call, words):
    with pytest.raises((ValueError, TypeError, ShapeError)) as info:
        call()
    for word in words:
        assert word in str(info.value), (word, str(info.value))


@pytest.mark.parametrize("call, name", [
    (lambda: linalg.eigh_tridiagonal(np.ones(3), np.ones(2), select="v",
                                     select_range=(0, 1)), "select='v'"),
    (lambda: linalg.qr_multiply(np.eye(3), np.ones(3), pivoting=True), "pivoting")])
def test_not_implemented_options_say_so(call, name):
    with pytest.raises(NotImplementedError, match=name):
        call()
