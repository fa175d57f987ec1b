"""fungrad.numpy.fft and lax.fft beyond the primitive table: NumPy agreement over norm modes,
odd and even lengths, n/s and axes, dtypes, signatures, and errors."""

import inspect

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad import lax
from fungrad.errors import ShapeError

rng = np.random.default_rng(3)
X = rng.standard_normal((4, 5, 6))
XC = X + 1j * rng.standard_normal((4, 5, 6))
NORMS = [None, "backward", "ortho", "forward"]
ONE_AXIS = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"]
MANY_AXES = ["fft2", "ifft2", "rfft2", "irfft2", "fftn", "ifftn", "rfftn", "irfftn"]
_REAL_INPUT = {"rfft", "ihfft", "rfft2", "rfftn"}


def _inputs(name):
    return [X] if name in _REAL_INPUT else [X, XC]


def _agree(name, args, kwargs):
    for x in _inputs(name):
        out = getattr(fnp.fft, name)(x, *args, **kwargs)
        ref_kwargs = dict(kwargs)
        if "s" in kwargs and "axes" not in kwargs:  # JAX's (and NumPy 1's) default axes
            ref_kwargs["axes"] = tuple(range(-len(kwargs["s"]), 0))
        ref = getattr(np.fft, name)(x, *args, **ref_kwargs)
        assert out.shape == ref.shape, (name, args, kwargs)
        np.testing.assert_allclose(out, ref, rtol=1e-10, atol=1e-10, err_msg=name)


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("name", ONE_AXIS)
@pytest.mark.parametrize("n, axis", [(None, -1), (7, 1), (4, 0), (5, -1), (6, 2), (1, 0)])
def test_one_axis_matches_numpy(name, n, axis, norm):
    _agree(name, (n, axis), {"norm": norm})


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("name", MANY_AXES)
@pytest.mark.parametrize("s, axes", [(None, None), ((3, 8), (0, 2)), (None, (2, 0)),
                                     ((3, 7), None), ((5, 4), (-1, -3))])
def test_many_axes_match_numpy(name, s, axes, norm):
    kwargs = {"norm": norm}
    if s is not None:
        kwargs["s"] = s
    if axes is not None:
        kwargs["axes"] = axes
    _agree(name, (), kwargs)


@pytest.mark.parametrize("name", ["fftn", "ifftn", "rfftn", "irfftn"])
def test_more_than_three_axes(name):
    x = rng.standard_normal((2, 3, 2, 4, 3))
    x = x if name == "rfftn" else x + 1j * rng.standard_normal(x.shape)
    for axes in (None, (4, 0, 2, 1)):
        np.testing.assert_allclose(getattr(fnp.fft, name)(x, axes=axes),
                                   getattr(np.fft, name)(x, axes=axes), atol=1e-10)


@pytest.mark.parametrize("n", [1, 4, 5])
@pytest.mark.parametrize("d", [1.0, 0.25])
def test_frequencies(n, d):
    np.testing.assert_allclose(fnp.fft.fftfreq(n, d), np.fft.fftfreq(n, d))
    np.testing.assert_allclose(fnp.fft.rfftfreq(n, d), np.fft.rfftfreq(n, d))
    assert fnp.fft.fftfreq(n, dtype=np.float32).dtype == np.float32


def test_fftfreq_differentiates_in_d():
    d_freqs = fg.jacfwd(lambda d: fnp.fft.fftfreq(4, d))(0.5)
    np.testing.assert_allclose(d_freqs, -np.fft.fftfreq(4) / 0.25)


@pytest.mark.parametrize("axes", [None, 0, 1, (0, 2), -1])
def test_shifts_match_numpy(axes):
    np.testing.assert_array_equal(fnp.fft.fftshift(X, axes), np.fft.fftshift(X, axes))
    np.testing.assert_array_equal(fnp.fft.ifftshift(X, axes), np.fft.ifftshift(X, axes))
    np.testing.assert_array_equal(fnp.fft.ifftshift(fnp.fft.fftshift(X, axes), axes), X)


def test_dtypes():
    assert fnp.fft.fft(np.arange(4)).dtype == np.complex128
    assert fnp.fft.fft(np.ones(4, np.float32)).dtype == np.complex64
    assert fnp.fft.rfft(np.ones(4, np.float32)).dtype == np.complex64
    assert fnp.fft.irfft(np.ones(3, np.complex64)).dtype == np.float32
    assert fnp.fft.hfft(np.ones(3, np.float32)).dtype == np.float32
    assert lax.fft(np.ones(4, np.complex64), lax.FftType.FFT, (4,)).dtype == np.complex64


def test_inverse_round_trips():
    np.testing.assert_allclose(fnp.fft.ifftn(fnp.fft.fftn(XC)), XC, atol=1e-12)
    np.testing.assert_allclose(fnp.fft.irfft(fnp.fft.rfft(X[..., :5]), 5), X[..., :5],
                               atol=1e-12)
    np.testing.assert_allclose(fnp.fft.irfftn(fnp.fft.rfftn(X), X.shape), X, atol=1e-12)


def test_grad_of_power_spectrum_matches_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)

    def loss(np_, x):
        return np_.sum(np_.abs(np_.fft.rfft(x, norm="ortho")) ** 2 * np_.arange(4))

    x = X[0, 0]
    np.testing.assert_allclose(fg.grad(lambda v: loss(fnp, v))(x),
                               jax.grad(lambda v: loss(jax.numpy, v))(x), atol=1e-12)


@pytest.mark.parametrize("name", sorted(fnp.fft.__all__))
def test_signatures_match_jax(name):
    jnp = pytest.importorskip("jax.numpy")

    def params(f):
        return [(p.name, p.kind, p.default) for p in inspect.signature(f).parameters.values()]

    assert params(getattr(fnp.fft, name)) == params(getattr(jnp.fft, name))


def test_lax_fft_signature_matches_jax():
    jax = pytest.importorskip("jax")
    assert list(inspect.signature(lax.fft).parameters) == list(
        inspect.signature(jax.lax.fft).parameters)
    assert [t.name for t in lax.FftType] == [t.name for t in jax.lax.FftType]


def test_import_paths():
    import fungrad.numpy.fft as fft_module  # noqa: PLC0415

    assert fft_module is fnp.fft


# ---------------------------------------------------------------------------------------
# Errors


def test_bad_norm():
    with pytest.raises(ValueError, match=r"fnp\.fft\.fft: norm must be .*'ortho'.*got 'bad'"):
        fnp.fft.fft(XC, norm="bad")


def test_rfft_of_complex_input():
    with pytest.raises(TypeError, match=r"fnp\.fft\.rfft: expected a real input.*complex128"):
        fnp.fft.rfft(XC)


def test_bad_lengths_and_axes():
    with pytest.raises(ShapeError, match=r"fnp\.fft\.fft: the transform lengths \(0,\)"):
        fnp.fft.fft(XC, n=0)
    with pytest.raises(ShapeError, match=r"s=\(3,\) and axes=\(0, 1\)"):
        fnp.fft.fftn(XC, s=(3,), axes=(0, 1))
    with pytest.raises(ShapeError, match=r"fnp\.fft\.fftn: repeated axis"):
        fnp.fft.fftn(XC, axes=(0, 0))
    with pytest.raises(ShapeError, match=r"axes=3 is out of range"):
        fnp.fft.fft(XC, axis=3)
    with pytest.raises(ShapeError, match=r"fnp\.fft\.irfft: the transform lengths \(0,\)"):
        fnp.fft.irfft(np.ones(1, complex))


def test_lax_fft_errors():
    with pytest.raises(TypeError, match=r"lax\.fft \(FFT\): expected a complex operand"):
        lax.fft(X, "fft", (6,))
    with pytest.raises(TypeError, match=r"lax\.fft \(RFFT\): expected a real floating"):
        lax.fft(XC, "rfft", (6,))
    with pytest.raises(ShapeError, match=r"trailing axes \(6,\) must be \(4,\)"):
        lax.fft(XC, "irfft", (6,))
    with pytest.raises(ShapeError, match=r"1 to 3 positive lengths"):
        lax.fft(XC, "fft", (4, 5, 6, 7))
    with pytest.raises(ValueError, match=r"fft_type must be a lax\.FftType"):
        lax.fft(XC, "dct", (6,))


def test_errors_under_jit():
    with pytest.raises(TypeError, match=r"lax\.fft \(FFT\): expected a complex operand"):
        fg.jit(lambda x: lax.fft(x, "fft", (6,)))(X)


def test_numpy_fft_dispatches_under_grad():
    x = X[0, 0]
    g = fg.grad(lambda v: np.fft.rfft(v).real.sum() + np.abs(np.fft.fft(v)).sum())(x)
    ref = fg.grad(lambda v: fnp.fft.rfft(v).real.sum() + fnp.abs(fnp.fft.fft(v)).sum())(x)
    np.testing.assert_allclose(g, ref)
