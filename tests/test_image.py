"""fungrad.image against jax.image (0.10.2, x64): values of every method up and down,
antialias on and off, float32/float64/int inputs of ranks 1 to 4, and the gradients with
respect to the image, the scale and the translation; jit and vmap agree with eager."""

import inspect

import numpy as np
import pytest

import fungrad as fg
import fungrad.image as fi
from fungrad.test_util import check_grads
from tests.full_marks import keep_first

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)

METHODS = ["nearest", "linear", "bilinear", "trilinear", "cubic", "bicubic", "tricubic",
           "lanczos3", "lanczos5", "cubic-pytorch", "area"]
SHAPES = [((8,), (3,)), ((3,), (8,)), ((5, 7), (9, 4)), ((3, 6, 2), (3, 3, 5)),
          ((4, 4, 3), (7, 2, 3)), ((2, 3, 5, 4), (2, 6, 2, 4)), ((6,), (6,)), ((4, 3), (0, 3))]
TOL = {np.float32: 2e-6, np.float64: 1e-12}


def _image(shape, dtype, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("antialias", [True, False])
def test_resize_matches_jax(method, shapes, dtype, antialias):
    x = _image(shapes[0], dtype)
    ref = np.asarray(jax.image.resize(x, shapes[1], method, antialias=antialias))
    ours = np.asarray(fi.resize(x, shapes[1], method, antialias=antialias))
    assert ours.dtype == ref.dtype and ours.shape == ref.shape
    np.testing.assert_allclose(ours, ref, rtol=TOL[dtype], atol=TOL[dtype])


@pytest.mark.parametrize("method", ["nearest", "linear", "cubic"])
def test_resize_of_integers_matches_jax(method):
    x = np.arange(24).reshape(4, 6)
    ref = np.asarray(jax.image.resize(x, (3, 9), method))
    ours = np.asarray(fi.resize(x, (3, 9), method))
    assert ours.dtype == ref.dtype
    np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-12)


def test_resize_method_enum_matches_jax():
    assert [m.name for m in fi.ResizeMethod] == [m.name for m in jax.image.ResizeMethod]
    assert [m.value for m in fi.ResizeMethod] == [m.value for m in jax.image.ResizeMethod]
    x = _image((5, 5), np.float64)
    np.testing.assert_allclose(fi.resize(x, (3, 8), fi.ResizeMethod.LANCZOS3),
                               jax.image.resize(x, (3, 8), jax.image.ResizeMethod.LANCZOS3),
                               rtol=1e-12, atol=1e-12)


SCALE_CASES = [  # shape in, shape out, spatial dims, scale, translation
    ((6, 5), (6, 8), (1,), [1.7], [0.3]),
    ((6, 5, 2), (4, 9, 2), (0, 1), [0.6, 1.9], [-0.4, 0.8]),
    ((9, 4), (5, 4), (-2,), [0.45], [1.2]),
    ((7,), (7,), (0,), [1.0], [2.5]),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", SCALE_CASES, ids=str)
@pytest.mark.parametrize("method", [m for m in METHODS if m != "nearest"])
@pytest.mark.parametrize("antialias", keep_first([True, False], 1))
def test_scale_and_translate_matches_jax(method, case, dtype, antialias):
    shape_in, shape_out, dims, scale, translation = case
    x = _image(shape_in, dtype, seed=1)
    s, t = np.array(scale, dtype), np.array(translation, dtype)
    ref = np.asarray(jax.image.scale_and_translate(x, shape_out, dims, s, t, method,
                                                   antialias=antialias))
    ours = np.asarray(fi.scale_and_translate(x, shape_out, dims, s, t, method,
                                             antialias=antialias))
    assert ours.dtype == ref.dtype and ours.shape == ref.shape
    np.testing.assert_allclose(ours, ref, rtol=10 * TOL[dtype], atol=10 * TOL[dtype])


@pytest.mark.parametrize("method", ["linear", "cubic", "lanczos3", "cubic-pytorch", "area"])
@pytest.mark.parametrize("antialias", [True, False])
def test_resize_gradient_matches_jax(method, antialias):
    x = _image((5, 6), np.float64, seed=2)
    w = _image((8, 3), np.float64, seed=3)

    def loss(resize, np_):
        return lambda img: np_.sum(resize(img, (8, 3), method, antialias=antialias) * w)

    ref = np.asarray(jax.grad(loss(jax.image.resize, jax.numpy))(x))
    ours = np.asarray(fg.grad(loss(fi.resize, fg.numpy))(x))
    np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-12)


def test_resize_nearest_gradient_matches_jax():
    x = _image((4, 6), np.float64)
    w = _image((7, 2), np.float64, seed=4)
    ref = jax.grad(lambda a: (jax.image.resize(a, (7, 2), "nearest") * w).sum())(x)
    ours = fg.grad(lambda a: (fi.resize(a, (7, 2), "nearest") * w).sum())(x)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=0)


@pytest.mark.parametrize("method", ["linear", "cubic", "lanczos5", "area"])
def test_scale_and_translate_gradients_match_jax(method):
    x = _image((6, 5), np.float64, seed=5)
    w = _image((4, 9), np.float64, seed=6)
    s, t = np.array([0.7, 1.6]), np.array([-0.3, 0.45])

    def loss(fn, np_):
        return lambda img, sc, tr: np_.sum(fn(img, (4, 9), (0, 1), sc, tr, method) * w)

    ref = jax.grad(loss(jax.image.scale_and_translate, jax.numpy), argnums=(0, 1, 2))(x, s, t)
    ours = fg.grad(loss(fi.scale_and_translate, fg.numpy), argnums=(0, 1, 2))(x, s, t)
    for a, b in zip(ours, ref):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-10, atol=1e-12)


def test_scale_and_translate_check_grads():
    x = _image((5, 4), np.float64, seed=7)
    s, t = np.array([1.3]), np.array([0.2])
    check_grads(lambda img, sc, tr: fi.scale_and_translate(img, (7, 4), (0,), sc, tr, "cubic"),
                (x, s, t), order=2)


def test_jit_and_vmap_agree_with_eager():
    xs = _image((3, 5, 6), np.float64, seed=8)
    eager = np.stack([np.asarray(fi.resize(x, (4, 9), "lanczos3")) for x in xs])
    np.testing.assert_allclose(fg.vmap(lambda x: fi.resize(x, (4, 9), "lanczos3"))(xs),
                               eager, rtol=1e-12, atol=1e-12)
    jitted = fg.jit(fi.resize, static_argnums=(1, 2))
    np.testing.assert_allclose(jitted(xs, (3, 4, 9), "lanczos3"), eager, rtol=1e-12,
                               atol=1e-12)
    scales = np.array([[1.2], [0.8], [1.5]])
    batched = fg.vmap(lambda x, s: fi.scale_and_translate(x, (5, 7), (1,), s, np.zeros(1),
                                                          "linear"))(xs, scales)
    for x, s, b in zip(xs, scales, batched):
        ref = jax.image.scale_and_translate(x, (5, 7), (1,), s, np.zeros(1), "linear")
        np.testing.assert_allclose(b, ref, rtol=1e-12, atol=1e-12)


def test_errors_name_the_function_and_the_fix():
    x = np.zeros((3, 4))
    with pytest.raises(ValueError, match=r"resize: shape must have one entry per dimension"):
        fi.resize(x, (3,), "linear")
    with pytest.raises(ValueError, match=r"Unknown resize method \"bogus\""):
        fi.resize(x, (3, 5), "bogus")
    with pytest.raises(ValueError, match=r"scale_and_translate: nearest.*resize"):
        fi.scale_and_translate(x, (3, 4), (0,), [1.0], [0.0], "nearest")
    with pytest.raises(ValueError, match=r"one entry per spatial dimension \(2\)"):
        fi.scale_and_translate(x, (3, 4), (0, 1), [1.0], [0.0], "linear")


@pytest.mark.parametrize("name", ["resize", "scale_and_translate"])
def test_signatures_match_jax(name):
    ours = inspect.signature(getattr(fi, name)).parameters
    theirs = inspect.signature(getattr(jax.image, name)).parameters
    assert [(p.name, p.kind) for p in ours.values()] == \
        [(p.name, p.kind) for p in theirs.values()]
    assert ours["antialias"].default is True
    assert str(ours["precision"].default).endswith("HIGHEST")


@pytest.mark.parametrize("method", ["nearest", "linear", "cubic-pytorch", "area", "lanczos3"])
@pytest.mark.parametrize("antialias", [True, False])
def test_device_arrays_stay_on_their_device(method, antialias):
    # A CuPy-like stand-in (tests/fake_device.py): the weights are built beside the image
    # (or beside the scale), and every operation runs through the array module.
    from tests.fake_device import FakeDeviceArray, to_fake

    x = _image((5, 6), np.float64, seed=9)
    out = fi.resize(to_fake(x), (7, 3), method, antialias=antialias)
    assert type(out) is FakeDeviceArray
    np.testing.assert_allclose(out.get(), fi.resize(x, (7, 3), method, antialias=antialias),
                               rtol=1e-12, atol=1e-12)
    if method == "nearest":
        return
    s, t = np.array([1.3, 0.5]), np.array([0.1, 0.0])
    out = fi.scale_and_translate(to_fake(x), (7, 3), (0, 1), to_fake(s), to_fake(t), method,
                                 antialias=antialias)
    assert type(out) is FakeDeviceArray
    np.testing.assert_allclose(out.get(), jax.image.scale_and_translate(
        x, (7, 3), (0, 1), s, t, method, antialias=antialias), rtol=1e-12, atol=1e-12)
    g = fg.grad(lambda a: fi.resize(a, (7, 3), method, antialias=antialias).sum())(to_fake(x))
    assert type(g) is FakeDeviceArray
    np.testing.assert_allclose(g.get(), fg.grad(
        lambda a: fi.resize(a, (7, 3), method, antialias=antialias).sum())(x), rtol=1e-12)
