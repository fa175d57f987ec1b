"""fungrad.scipy's sparse.linalg, ndimage, interpolate, signal (spectral), fft and cluster
against jax.scipy 0.10.2: signatures, values, and grad/vmap/jit where they apply."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from tests.full_marks import keep_first

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import jax.scipy as jsp  # noqa: E402
import jax.scipy.sparse.linalg  # noqa: E402,F401

from fungrad.scipy.sparse import linalg as sla  # noqa: E402

RNG = np.random.default_rng(0)


def _params(fn):
    return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]


def _close(ours, theirs, rtol=1e-10, atol=1e-12):
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=rtol, atol=atol)


# ---------------------------------------------------------------------------------------
# sparse.linalg

N = 6
_G = RNG.normal(size=(N, N))
SPD = _G @ _G.T + N * np.eye(N)
GENERAL = _G + 4 * np.eye(N)
B = RNG.normal(size=N)
SOLVERS = ["cg", "bicgstab", "gmres"]


def _matrix(name):
    return SPD if name == "cg" else GENERAL


@pytest.mark.parametrize("name", SOLVERS)
def test_solver_signatures_match_jax(name):
    assert _params(getattr(sla, name)) == _params(getattr(jsp.sparse.linalg, name))


@pytest.mark.parametrize("name", SOLVERS)
def test_solver_values_match_jax(name):
    a = _matrix(name)
    ours, info = getattr(sla, name)(a, B, tol=1e-12)
    theirs, jinfo = getattr(jsp.sparse.linalg, name)(a, B, tol=1e-12)
    _close(ours, theirs, rtol=1e-9)
    _close(ours, np.linalg.solve(a, B), rtol=1e-9)
    assert (info is None) == (jinfo is None)


@pytest.mark.parametrize("name", SOLVERS)
def test_solver_pytree_preconditioner_and_x0(name):
    a = _matrix(name)
    tree_b = {"u": B[:2], "v": B[2:].reshape(2, 2)}

    def op(lib):
        def apply(x):
            flat = lib.concatenate([x["u"], x["v"].ravel()])
            out = lib.asarray(a) @ flat
            return {"u": out[:2], "v": out[2:].reshape(2, 2)}
        return apply

    d = np.diag(a)

    def pre(x):  # a Jacobi preconditioner on the pytree
        return {"u": x["u"] / d[:2], "v": x["v"] / d[2:].reshape(2, 2)}

    x0 = {"u": np.ones(2), "v": np.ones((2, 2))}
    ours, _ = getattr(sla, name)(op(fnp), tree_b, x0=x0, M=pre, tol=1e-11)
    theirs, _ = getattr(jsp.sparse.linalg, name)(op(jnp), tree_b, x0=x0, M=pre, tol=1e-11)
    for k in ("u", "v"):
        _close(ours[k], theirs[k], rtol=1e-8)


def test_solvers_with_few_iterations_match_jax():
    # stopped early, the iterates themselves must agree with JAX's
    for name, kw in [("cg", {"maxiter": 2}), ("bicgstab", {"maxiter": 2}),
                     ("gmres", {"maxiter": 1, "restart": 3})]:
        a = _matrix(name)
        ours, _ = getattr(sla, name)(a, B, **kw)
        theirs, _ = getattr(jsp.sparse.linalg, name)(a, B, **kw)
        _close(ours, theirs, rtol=1e-8, atol=1e-10)


def test_gmres_restarts_and_complex_values():
    a = GENERAL + 1j * np.diag(np.arange(N))
    b = B + 0.5j
    ours, info = sla.gmres(a, b, restart=2, tol=1e-12)
    theirs, _ = jsp.sparse.linalg.gmres(a, b, restart=2, tol=1e-12)
    _close(ours, theirs, rtol=1e-8)
    assert int(info) == 0
    with pytest.raises(ValueError, match="solve_method"):
        sla.gmres(a, b, solve_method="direct")


@pytest.mark.parametrize("name", SOLVERS)
def test_solver_grads_match_jax(name):
    a = _matrix(name)

    def loss(lib, mod):
        def f(m, b):
            x, _ = getattr(mod, name)(lambda v: m @ v, b, tol=1e-12)
            return lib.sum(lib.sin(x))
        return f

    ours = fg.grad(loss(fnp, sla), argnums=(0, 1))(a, B)
    theirs = jax.grad(loss(jnp, jsp.sparse.linalg), argnums=(0, 1))(a, B)
    for o, t in zip(ours, theirs):
        _close(o, t, rtol=1e-7, atol=1e-9)
    jv = fg.jvp(lambda b: getattr(sla, name)(a, b, tol=1e-12)[0], (B,), (np.ones(N),))[1]
    _close(jv, np.linalg.solve(a, np.ones(N)), rtol=1e-7)


@pytest.mark.parametrize("name", SOLVERS)
def test_solvers_under_jit_and_vmap(name):
    a = _matrix(name)
    bs = RNG.normal(size=(3, N))
    solve = getattr(sla, name)
    ours = fg.vmap(lambda b: solve(a, b, tol=1e-12)[0])(bs)
    _close(ours, np.linalg.solve(a, bs.T).T, rtol=1e-8)
    jitted = fg.jit(lambda m, b: solve(m, b, tol=1e-12)[0])(a, B)
    _close(jitted, np.linalg.solve(a, B), rtol=1e-8)
    mats = np.stack([a, a + np.eye(N)])
    batched = fg.vmap(lambda m: solve(lambda v: m @ v, B, tol=1e-12)[0])(mats)
    _close(batched, np.linalg.solve(mats, B[None, :, None])[..., 0], rtol=1e-8)


@pytest.mark.parametrize("name", SOLVERS)
def test_solvers_with_zero_and_early_converging_lanes(name):
    # a zero right-hand side, and lanes that converge at once while others iterate: the
    # finished lanes keep stepping under vmap and must not divide by zero (warnings are
    # errors here)
    a = np.diag([1.0, 2.0, 3.0, 4.0])
    bs = np.stack([np.zeros(4), np.eye(4)[0], np.ones(4)])
    solve = getattr(sla, name)
    _close(fg.vmap(lambda b: solve(a, b)[0])(bs), bs / np.diag(a), atol=1e-5)
    _close(solve(a, np.zeros(4))[0], np.zeros(4))
    _close(fg.grad(lambda b: fnp.sum(solve(a, b)[0]))(np.eye(4)[0]), 1 / np.diag(a),
           rtol=1e-5)


def test_solver_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"cg: `A` must be .* shape \(2, 3\)"):
        sla.cg(np.ones((2, 3)), np.ones(2))
    with pytest.raises(ValueError, match=r"bicgstab: the arrays of `x0` and `b` .* got \[\(3,\)\]"):
        sla.bicgstab(np.eye(2), np.ones(2), x0=np.ones(3))
    with pytest.raises(ValueError, match="gmres: `x0` and `b` must have the same tree"):
        sla.gmres(np.eye(2), np.ones(2), x0=(np.ones(2),))


# ---------------------------------------------------------------------------------------
# ndimage.map_coordinates

import jax.scipy.ndimage  # noqa: E402

from fungrad.scipy import ndimage  # noqa: E402

IMAGE = RNG.normal(size=(4, 5))
# inside, on the edges, at halves, and beyond both edges (several periods for 'wrap')
COORDS = [np.array([-7.3, -1.0, -0.5, 0.0, 0.49, 0.5, 1.5, 2.7, 3.0, 3.5, 4.2, 11.6]),
          np.array([12.2, 4.5, 4.0, -0.5, 0.51, 2.5, -3.2, 1.1, 0.0, 5.0, -9.9, 2.0])]
MODES = ["constant", "nearest", "wrap", "mirror", "reflect"]


def test_map_coordinates_signature_matches_jax():
    assert _params(ndimage.map_coordinates) == _params(jsp.ndimage.map_coordinates)


@pytest.mark.parametrize("order", [0, 1])
@pytest.mark.parametrize("mode", MODES)
def test_map_coordinates_values_match_jax(mode, order):
    ours = ndimage.map_coordinates(IMAGE, COORDS, order, mode=mode, cval=1.5)
    theirs = jsp.ndimage.map_coordinates(IMAGE, COORDS, order, mode=mode, cval=1.5)
    _close(ours, theirs)
    ints = np.arange(20).reshape(4, 5)
    ours = ndimage.map_coordinates(ints, COORDS, order, mode=mode)
    theirs = jsp.ndimage.map_coordinates(ints, COORDS, order, mode=mode)
    assert ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)


def test_map_coordinates_edge_shapes_match_jax():
    one = np.array([[2.0]])
    c = [np.array([[-1.2, 0.3], [2.5, 0.0]]), np.array([[0.7, -2.0], [0.0, 1.0]])]
    for mode in MODES:
        _close(ndimage.map_coordinates(one, c, 1, mode=mode),
               jsp.ndimage.map_coordinates(one, c, 1, mode=mode))
    line = np.arange(3.0)
    _close(ndimage.map_coordinates(line, [np.array(1.25)], 1),
           jsp.ndimage.map_coordinates(line, [np.array(1.25)], 1))


@pytest.mark.parametrize("mode", MODES)
def test_map_coordinates_grads_match_jax(mode):
    def loss(mod, lib):
        return lambda img, c0: lib.sum(lib.sin(mod.map_coordinates(img, [c0, COORDS[1]], 1,
                                                                   mode=mode)))
    ours = fg.grad(loss(ndimage, fnp), argnums=(0, 1))(IMAGE, COORDS[0])
    theirs = jax.grad(loss(jsp.ndimage, jnp), argnums=(0, 1))(IMAGE, COORDS[0])
    for o, t in zip(ours, theirs):
        _close(o, t)


def test_map_coordinates_under_vmap_and_jit():
    shifts = np.array([0.0, 0.25, -0.6])

    def f(mod):
        return lambda s: mod.map_coordinates(IMAGE, [COORDS[0] + s, COORDS[1]], 1,
                                             mode="reflect")
    _close(fg.vmap(f(ndimage))(shifts), jax.vmap(f(jsp.ndimage))(shifts))
    _close(fg.jit(f(ndimage))(0.3), f(jsp.ndimage)(0.3))


@pytest.mark.parametrize("order", [0, 1])
@pytest.mark.parametrize("mode", MODES)
def test_map_coordinates_non_finite_and_huge_coordinates(mode, order):
    # nan/inf coordinates used to reach an int64 cast (RuntimeWarning, arbitrary sample);
    # now they give nan (order 1: as JAX; order 0: JAX returns an arbitrary sample), or 0
    # in an integer result. Huge finite ones are far outside: as JAX.
    rows = np.array([np.nan, 1.0, np.inf, -np.inf, 1e300, -1e300])
    cols = np.array([0.5, 1.0, 0.0, 2.0, 0.0, 1.0])
    ours = ndimage.map_coordinates(IMAGE, [rows, cols], order, mode=mode, cval=1.5)
    assert np.isnan(ours[[0, 2, 3]]).all()
    _close(ours[[1]], jsp.ndimage.map_coordinates(IMAGE, [rows[[1]], cols[[1]]], order,
                                                   mode=mode, cval=1.5))
    if mode in ("constant", "nearest"):  # periodic modes have no meaning at 1e300
        _close(ours[4:], jsp.ndimage.map_coordinates(IMAGE, [rows[4:], cols[4:]], order,
                                                      mode=mode, cval=1.5))
    ints = ndimage.map_coordinates(np.arange(20).reshape(4, 5), [rows, cols], order,
                                   mode=mode)
    assert ints.dtype == np.int64 and (ints[[0, 2, 3]] == 0).all()
    grad = fg.grad(lambda r: fnp.sum(ndimage.map_coordinates(IMAGE, [r, cols], order,
                                                             mode=mode)[1:2]))(rows)
    assert np.isfinite(grad).all()


def test_map_coordinates_errors():
    with pytest.raises(fg.errors.ShapeError, match=r"one array per axis .* \(4, 5\)\), got 1"):
        ndimage.map_coordinates(IMAGE, [COORDS[0]], 1)
    with pytest.raises(NotImplementedError, match="order"):
        ndimage.map_coordinates(IMAGE, COORDS, 3)
    with pytest.raises(NotImplementedError, match="mode"):
        ndimage.map_coordinates(IMAGE, COORDS, 1, mode="grid-wrap")


# ---------------------------------------------------------------------------------------
# interpolate.RegularGridInterpolator

import jax.scipy.interpolate  # noqa: E402

from fungrad.scipy import interpolate  # noqa: E402

GRID = (np.array([0.0, 0.5, 1.7, 3.0]), np.array([-1.0, 0.0, 2.0]))
GRID_VALUES = RNG.normal(size=(4, 3))
# inside, on nodes, at cell midpoints, beyond the edges
QUERY = np.array([[0.1, -0.5], [0.5, 0.0], [1.1, 1.0], [3.0, 2.0], [0.0, -1.0],
                  [-0.2, 0.3], [2.9, 2.5], [1.7, -3.0], [0.25, 1.0]])


def test_interpolator_signature_matches_jax():
    ours = _params(interpolate.RegularGridInterpolator.__init__)
    theirs = _params(jsp.interpolate.RegularGridInterpolator.__init__)
    assert ours == theirs
    assert (_params(interpolate.RegularGridInterpolator.__call__)
            == _params(jsp.interpolate.RegularGridInterpolator.__call__))


@pytest.mark.parametrize("method", ["linear", "nearest"])
@pytest.mark.parametrize("fill", [np.nan, None, -2.0])
def test_interpolator_values_match_jax(method, fill):
    ours = interpolate.RegularGridInterpolator(GRID, GRID_VALUES, method, fill_value=fill)
    theirs = jsp.interpolate.RegularGridInterpolator(GRID, GRID_VALUES, method,
                                                     fill_value=fill)
    _close(ours(QUERY), theirs(QUERY))
    other = "nearest" if method == "linear" else "linear"
    _close(ours(QUERY, method=other), theirs(QUERY, method=other))
    as_tuple = (QUERY[:, 0].reshape(3, 3), QUERY[:, 1].reshape(3, 3))
    _close(ours(as_tuple), theirs(as_tuple))


def test_interpolator_trailing_axes_integer_values_and_1d():
    vals = RNG.normal(size=(4, 3, 2))
    _close(interpolate.RegularGridInterpolator(GRID, vals)(QUERY[None]),
           jsp.interpolate.RegularGridInterpolator(GRID, vals)(QUERY[None]))
    ints = np.arange(12).reshape(4, 3)
    ours = interpolate.RegularGridInterpolator(GRID, ints)(QUERY)
    theirs = jsp.interpolate.RegularGridInterpolator(GRID, ints)(QUERY)
    assert ours.dtype == theirs.dtype
    _close(ours, theirs)
    line = interpolate.RegularGridInterpolator(GRID[:1], GRID_VALUES[:, 0])
    jline = jsp.interpolate.RegularGridInterpolator(GRID[:1], GRID_VALUES[:, 0])
    _close(line(np.array([0.3, 2.0, 5.0])), jline(np.array([0.3, 2.0, 5.0])))


@pytest.mark.parametrize("method", ["linear", "nearest"])
def test_interpolator_grads_match_jax(method):
    inner = QUERY[[0, 2, 6, 8]]  # off the nodes, where the derivative exists

    def loss(mod, lib):
        def f(values, xi):
            interp = mod.RegularGridInterpolator(GRID, values, method, fill_value=None)
            return lib.sum(lib.sin(interp(xi)))
        return f
    ours = fg.grad(loss(interpolate, fnp), argnums=(0, 1))(GRID_VALUES, inner)
    theirs = jax.grad(loss(jsp.interpolate, jnp), argnums=(0, 1))(GRID_VALUES, inner)
    for o, t in zip(ours, theirs):
        _close(o, t)


def test_interpolator_is_a_pytree_under_jit_and_vmap():
    interp = interpolate.RegularGridInterpolator(GRID, GRID_VALUES)
    expected = jsp.interpolate.RegularGridInterpolator(GRID, GRID_VALUES)(QUERY)
    _close(fg.jit(lambda f, x: f(x))(interp, QUERY), expected)
    _close(fg.vmap(lambda x: interp(x[None])[0])(QUERY), expected)
    scaled = fg.vmap(lambda s: interpolate.RegularGridInterpolator(GRID, s * GRID_VALUES)(
        QUERY))(np.array([1.0, 2.0]))
    _close(scaled, np.stack([expected, 2 * expected]))


def test_interpolator_errors():
    with pytest.raises(ValueError, match="`method` must be 'linear' or 'nearest'"):
        interpolate.RegularGridInterpolator(GRID, GRID_VALUES, method="cubic")
    with pytest.raises(NotImplementedError, match="bounds_error"):
        interpolate.RegularGridInterpolator(GRID, GRID_VALUES, bounds_error=True)
    with pytest.raises(fg.errors.ShapeError, match=r"3 `points` arrays.* \(4, 3\)"):
        interpolate.RegularGridInterpolator(GRID + (np.arange(2.0),), GRID_VALUES)
    with pytest.raises(fg.errors.ShapeError, match=r"`xi` have 3 coordinates"):
        interpolate.RegularGridInterpolator(GRID, GRID_VALUES)(np.ones((2, 3)))


# ---------------------------------------------------------------------------------------
# signal: fftconvolve, detrend, stft, istft, csd, welch

import jax.scipy.signal  # noqa: E402
import scipy.signal as ssig  # noqa: E402

from fungrad.scipy import signal  # noqa: E402

SIGNAL_NAMES = ["fftconvolve", "detrend", "stft", "istft", "csd", "welch"]
WAVE = np.sin(0.3 * np.arange(100)) + 0.1 * RNG.normal(size=100) + 0.02 * np.arange(100)
WAVES = RNG.normal(size=(3, 70))


@pytest.mark.parametrize("name", SIGNAL_NAMES)
def test_signal_signatures_match_jax(name):
    assert _params(getattr(signal, name)) == _params(getattr(jsp.signal, name))


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("shapes, axes", [
    (((7,), (3,)), None), (((3,), (7,)), None), (((5, 6), (2, 3)), None),
    (((4, 9), (4, 3)), [1]), (((1, 5), (3, 1)), None), (((6, 4), (6, 2)), -1)])
def test_fftconvolve_values_match_jax(mode, shapes, axes):
    a, b = RNG.normal(size=shapes[0]), RNG.normal(size=shapes[1])
    if mode == "valid" and not (all(x >= y for x, y in zip(*shapes))
                                or all(x <= y for x, y in zip(*shapes))):
        return
    _close(signal.fftconvolve(a, b, mode, axes), jsp.signal.fftconvolve(a, b, mode, axes),
           atol=1e-12)


def test_fftconvolve_complex_integer_grads_and_vmap():
    a = RNG.normal(size=6) + 1j * RNG.normal(size=6)
    b = RNG.normal(size=3)
    _close(signal.fftconvolve(a, b), jsp.signal.fftconvolve(a, b))
    ours = signal.fftconvolve(np.arange(5), np.array([1, 1]))
    theirs = jsp.signal.fftconvolve(np.arange(5), np.array([1, 1]))
    assert ours.dtype == theirs.dtype
    _close(ours, theirs)
    x, k = RNG.normal(size=8), RNG.normal(size=3)

    def loss(mod, lib):
        return lambda u, v: lib.sum(lib.sin(mod.fftconvolve(u, v, mode="same")))
    ours = fg.grad(loss(signal, fnp), argnums=(0, 1))(x, k)
    theirs = jax.grad(loss(jsp.signal, jnp), argnums=(0, 1))(x, k)
    for o, t in zip(ours, theirs):
        _close(o, t)
    _close(fg.vmap(lambda u: signal.fftconvolve(u, k))(WAVES[:, :8]),
           jax.vmap(lambda u: jsp.signal.fftconvolve(u, k))(WAVES[:, :8]))


@pytest.mark.parametrize("kind, bp", [("linear", 0), ("constant", 0), ("linear", [30, 61]),
                                      ("linear", [1, 99])])
def test_detrend_values_match_jax(kind, bp):
    _close(signal.detrend(WAVE, type=kind, bp=bp), jsp.signal.detrend(WAVE, type=kind, bp=bp),
           atol=1e-10)
    _close(signal.detrend(WAVES, axis=0, type=kind),
           jsp.signal.detrend(WAVES, axis=0, type=kind), atol=1e-10)


def test_detrend_grad_and_errors():
    g = fg.grad(lambda x: fnp.sum(signal.detrend(x, bp=[40]) ** 3))(WAVE)
    _close(g, jax.grad(lambda x: jnp.sum(jsp.signal.detrend(x, bp=[40]) ** 3))(WAVE),
           atol=1e-10)
    with pytest.raises(ValueError, match="`type` must be"):
        signal.detrend(WAVE, type="quadratic")
    with pytest.raises(ValueError, match=r"`bp` must lie in \[0, 100\]"):
        signal.detrend(WAVE, bp=[120])
    with pytest.raises(NotImplementedError, match="overwrite_data"):
        signal.detrend(WAVE, overwrite_data=True)


STFT_CASES = [
    {}, {"nperseg": 16}, {"nperseg": 20, "noverlap": 15, "nfft": 32},
    {"nperseg": 16, "boundary": None, "padded": False}, {"nperseg": 16, "boundary": "even"},
    {"nperseg": 16, "boundary": "odd"}, {"nperseg": 16, "boundary": "constant"},
    {"nperseg": 16, "detrend": "linear", "return_onesided": False, "fs": 8.0},
    {"window": np.hamming(12), "nperseg": 12}, {"nperseg": 15, "window": "hamming"}]


@pytest.mark.filterwarnings("ignore:.*nperseg=256 is greater:UserWarning")
@pytest.mark.parametrize("kw", keep_first(STFT_CASES, 3), ids=range(len(STFT_CASES)))
def test_stft_values_match_jax(kw):
    for x, axis in [(WAVE, -1), (WAVES.T, 0)]:
        ours = signal.stft(x, axis=axis, **kw)
        theirs = jsp.signal.stft(x, axis=axis, **kw)
        for o, t in zip(ours, theirs):
            assert o.shape == t.shape
            _close(o, t, atol=1e-12)


def test_stft_complex_input_is_two_sided_as_jax():
    z = WAVE[:40] + 1j * WAVE[40:80]
    with pytest.warns(UserWarning, match="two-sided"):
        ours = signal.stft(z, nperseg=8)
    with pytest.warns(UserWarning):
        theirs = jsp.signal.stft(z, nperseg=8)
    for o, t in zip(ours, theirs):
        _close(o, t, atol=1e-12)


@pytest.mark.parametrize("kw", [{"nperseg": 16}, {"nperseg": 20, "noverlap": 15, "nfft": 32},
                                {"nperseg": 16, "input_onesided": False}])
def test_istft_values_match_jax_and_invert_stft(kw):
    onesided = kw.get("input_onesided", True)
    skw = {k: v for k, v in kw.items() if k != "input_onesided"}
    _, _, z = jsp.signal.stft(WAVE, return_onesided=onesided, **skw)
    z = np.asarray(z)
    ours = signal.istft(z, **kw)
    theirs = jsp.signal.istft(z, **kw)
    for o, t in zip(ours, theirs):
        _close(o, t, atol=1e-12)
    _close(np.real(ours[1][:100]), WAVE, atol=1e-10)
    zs = np.asarray(jsp.signal.stft(WAVES, nperseg=16)[2])  # (3, freq, time)
    moved = np.moveaxis(zs, 0, -1)  # (freq, time, 3)
    _close(signal.istft(moved, nperseg=16, time_axis=1, freq_axis=0)[1],
           jsp.signal.istft(moved, nperseg=16, time_axis=1, freq_axis=0)[1], atol=1e-12)


def test_istft_odd_segments_and_zero_overlap_follow_scipy():
    # JAX 0.10.2 inverts with n=None (so an odd nperseg loses a sample) and reads
    # noverlap=0 as nperseg // 2; fungrad follows SciPy in both.
    _, _, z = ssig.stft(WAVE, nperseg=15)
    _close(signal.istft(z, nperseg=15)[1], ssig.istft(z, nperseg=15)[1], atol=1e-10)
    _, _, z = ssig.stft(WAVE, nperseg=10, noverlap=0, window="boxcar")
    _close(signal.istft(z, nperseg=10, noverlap=0, window="boxcar")[1],
           ssig.istft(z, nperseg=10, noverlap=0, window="boxcar")[1], atol=1e-10)


PSD_CASES = [{"nperseg": 16}, {}, {"nperseg": 32, "noverlap": 8, "nfft": 64},
             {"nperseg": 16, "scaling": "spectrum", "detrend": "linear"},
             {"nperseg": 16, "average": "median"}, {"nperseg": 16, "detrend": False},
             {"nperseg": 16, "return_onesided": False, "fs": 100.0},
             {"nperseg": 17, "average": "median"}]


@pytest.mark.parametrize("kw", keep_first(PSD_CASES, 3), ids=range(len(PSD_CASES)))
def test_welch_and_csd_values_match_jax(kw):
    for ours, theirs in [(signal.welch(WAVE, **kw), jsp.signal.welch(WAVE, **kw)),
                         (signal.welch(WAVES, axis=-1, **kw),
                          jsp.signal.welch(WAVES, axis=-1, **kw)),
                         (signal.csd(WAVE, WAVE[::-1] + 1, **kw),
                          jsp.signal.csd(WAVE, WAVE[::-1] + 1, **kw)),
                         (signal.csd(WAVES.T, WAVES.T[:50], axis=0, **kw),
                          jsp.signal.csd(WAVES.T, WAVES.T[:50], axis=0, **kw))]:
        for o, t in zip(ours, theirs):
            assert o.shape == t.shape and o.dtype == t.dtype
            _close(o, t, atol=1e-12)


def test_spectral_callable_detrend_follows_scipy():
    # a function of each segment (SciPy's convention; JAX 0.10.2 applies it across
    # segments instead)
    def demean(seg):
        return seg - seg.mean(axis=-1, keepdims=True)
    ours = signal.welch(WAVE, nperseg=16, detrend=demean)
    _close(ours[1], ssig.welch(WAVE, nperseg=16, detrend=demean)[1], atol=1e-12)


def test_spectral_grads_jit_and_vmap():
    def loss(mod, lib):
        def f(x):
            _, _, z = mod.stft(x, nperseg=16)
            _, p = mod.welch(x, nperseg=16)
            _, back = mod.istft(z * 1.5, nperseg=16)
            return lib.sum(lib.abs(z) ** 2) + lib.sum(lib.sqrt(p)) + lib.sum(back ** 2)
        return f
    _close(fg.grad(loss(signal, fnp))(WAVE), jax.grad(loss(jsp.signal, jnp))(WAVE),
           atol=1e-10)
    _close(fg.jit(loss(signal, fnp))(WAVE), loss(jsp.signal, jnp)(WAVE))
    _close(fg.vmap(lambda x: signal.welch(x, nperseg=16)[1])(WAVES),
           signal.welch(WAVES, nperseg=16)[1])


def test_spectral_errors():
    with pytest.warns(UserWarning, match="nperseg=256 is greater than the signal's length 100"):
        signal.stft(WAVE)
    with pytest.raises(ValueError, match="noverlap=16 must be less than nperseg=16"):
        signal.welch(WAVE, nperseg=16, noverlap=16)
    with pytest.raises(ValueError, match="nfft=8 must be at least nperseg=16"):
        signal.stft(WAVE, nperseg=16, nfft=8)
    with pytest.raises(ValueError, match="differs from the window's length 12"):
        signal.welch(WAVE, window=np.ones(12), nperseg=16)
    with pytest.raises(ValueError, match="`average` must be"):
        signal.csd(WAVE, WAVE, nperseg=16, average="mode")
    with pytest.raises(fg.errors.ShapeError, match="at least 2-D"):
        signal.istft(np.ones(5))


# ---------------------------------------------------------------------------------------
# fft: dct, dctn, idct, idctn; cluster.vq.vq

import jax.scipy.cluster.vq  # noqa: E402
import jax.scipy.fft  # noqa: E402

from fungrad.scipy import fft as sfft  # noqa: E402
from fungrad.scipy.cluster import vq as cvq  # noqa: E402

BLOCK = RNG.normal(size=(5, 6, 4))


@pytest.mark.parametrize("name", ["dct", "dctn", "idct", "idctn"])
def test_dct_signatures_match_jax(name):
    assert _params(getattr(sfft, name)) == _params(getattr(jsp.fft, name))


@pytest.mark.parametrize("norm", [None, "backward", "ortho"])
@pytest.mark.parametrize("name", ["dct", "idct"])
def test_dct_values_match_jax(name, norm):
    ours, theirs = getattr(sfft, name), getattr(jsp.fft, name)
    for kw in [{}, {"axis": 0}, {"axis": 1, "n": 9}, {"n": 3}]:
        _close(ours(BLOCK, norm=norm, **kw), theirs(BLOCK, norm=norm, **kw), atol=1e-12)
    z = BLOCK + 1j * BLOCK[::-1]
    _close(ours(z, norm=norm), theirs(z, norm=norm), atol=1e-12)
    _close(ours(np.arange(7), norm=norm), theirs(np.arange(7), norm=norm), atol=1e-12)
    assert ours(BLOCK.astype(np.float32)).dtype == theirs(BLOCK.astype(np.float32)).dtype


@pytest.mark.parametrize("norm", [None, "ortho"])
@pytest.mark.parametrize("name", ["dctn", "idctn"])
def test_dctn_values_match_jax(name, norm):
    ours, theirs = getattr(sfft, name), getattr(jsp.fft, name)
    for kw in [{}, {"axes": [0, 2]}, {"axes": [1]}, {"s": [3, 7]}, {"s": [4, 4, 5]},
               {"axes": (-1, 0), "s": (6, 2)}]:
        _close(ours(BLOCK, norm=norm, **kw), theirs(BLOCK, norm=norm, **kw), atol=1e-11)


def test_dct_inverts_and_differentiates_as_jax():
    _close(sfft.idctn(sfft.dctn(BLOCK, norm="ortho"), norm="ortho"), BLOCK)
    _close(sfft.idct(sfft.dct(BLOCK)), BLOCK)

    def loss(mod, lib):
        return lambda x: lib.sum(lib.sin(mod.dctn(x, axes=[0, 1]))) + lib.sum(mod.idct(x, n=7) ** 2)
    _close(fg.grad(loss(sfft, fnp))(BLOCK), jax.grad(loss(jsp.fft, jnp))(BLOCK), atol=1e-10)
    _close(fg.vmap(lambda x: sfft.dct(x, norm="ortho"))(BLOCK),
           jax.vmap(lambda x: jsp.fft.dct(x, norm="ortho"))(BLOCK), atol=1e-12)
    _close(fg.jit(lambda x: sfft.idctn(x))(BLOCK), jsp.fft.idctn(BLOCK), atol=1e-12)


def test_dct_errors():
    with pytest.raises(NotImplementedError, match="only `type=2`"):
        sfft.dct(BLOCK, type=3)
    with pytest.raises(ValueError, match="`norm` must be"):
        sfft.idctn(BLOCK, norm="forward")
    with pytest.raises(fg.errors.ShapeError, match="`s` has 4 entries"):
        sfft.dctn(BLOCK, s=[2, 2, 2, 2])


OBS = RNG.normal(size=(9, 3))
CODES = RNG.normal(size=(4, 3))


def test_vq_signature_and_values_match_jax():
    assert _params(cvq.vq) == _params(jsp.cluster.vq.vq)
    for obs, codes in [(OBS, CODES), (OBS[:, 0], CODES[:, 0]), (np.arange(5), np.array([1, 3])),
                       (OBS.astype(np.float32), CODES), (OBS + 1j, CODES)]:
        ours, theirs = cvq.vq(obs, codes), jsp.cluster.vq.vq(obs, codes)
        np.testing.assert_array_equal(ours[0], theirs[0])
        assert ours[1].dtype == theirs[1].dtype
        _close(ours[1], theirs[1])


def test_vq_grads_vmap_jit_and_errors():
    def loss(mod, lib):
        return lambda o, c: lib.sum(mod.vq(o, c)[1] ** 2)
    ours = fg.grad(loss(cvq, fnp), argnums=(0, 1))(OBS, CODES)
    theirs = jax.grad(loss(jsp.cluster.vq, jnp), argnums=(0, 1))(OBS, CODES)
    for o, t in zip(ours, theirs):
        _close(o, t)
    stacked = np.stack([OBS, OBS[::-1]])
    np.testing.assert_array_equal(fg.vmap(lambda o: cvq.vq(o, CODES)[0])(stacked),
                                  jax.vmap(lambda o: jsp.cluster.vq.vq(o, CODES)[0])(stacked))
    _close(fg.jit(lambda o: cvq.vq(o, CODES)[1])(OBS), jsp.cluster.vq.vq(OBS, CODES)[1])
    with pytest.raises(fg.errors.ShapeError, match="same rank"):
        cvq.vq(OBS, CODES[:, 0])
    with pytest.raises(fg.errors.ShapeError, match="1-D or 2-D"):
        cvq.vq(OBS[None], CODES[None])
    with pytest.raises(fg.errors.ShapeError, match="same number of features"):
        cvq.vq(OBS, CODES[:, :2])
