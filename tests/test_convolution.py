"""conv_general_dilated and reduce_window beyond the table: naive-loop references, error
messages, the vectorised eager path, and derivatives of small CNNs."""

from __future__ import annotations

import itertools
import sys

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad import lax
from fungrad.errors import ShapeError
from fungrad.test_util import check_grads

# ---------------------------------------------------------------------------------------
# Naive references: loops over output positions, straight from the definitions


def _dilate_and_pad(x, padding, lhs_dilation):
    """x is (N, *spatial, C); dilate the spatial axes, then pad (negative pads crop)."""
    k = x.ndim - 2
    shape = [x.shape[0], *((n - 1) * d + 1 for n, d in zip(x.shape[1:-1], lhs_dilation)),
             x.shape[-1]]
    dilated = np.zeros(shape, x.dtype)
    dilated[(slice(None), *(slice(None, None, d) for d in lhs_dilation))] = x
    grown = np.pad(dilated, [(0, 0), *((max(lo, 0), max(hi, 0)) for lo, hi in padding),
                             (0, 0)])
    crop = tuple(slice(-min(lo, 0), grown.shape[1 + i] + min(hi, 0))
                 for i, (lo, hi) in enumerate(padding))
    assert len(crop) == k
    return grown[(slice(None), *crop)]


def naive_conv(x, w, strides, padding, lhs_dilation=None, rhs_dilation=None, groups=1):
    """Channels-last convolution: x (N, *S, C), w (*K, C // groups, O)."""
    k = x.ndim - 2
    lhs_dilation = lhs_dilation or (1,) * k
    rhs_dilation = rhs_dilation or (1,) * k
    xp = _dilate_and_pad(x, padding, lhs_dilation)
    window = w.shape[:k]
    reach = [(kk - 1) * d + 1 for kk, d in zip(window, rhs_dilation)]
    out_spatial = [max(0, (p - r) // s + 1) for p, r, s in zip(xp.shape[1:-1], reach, strides)]
    cg, og = w.shape[-2], w.shape[-1] // groups
    out = np.zeros((x.shape[0], *out_spatial, w.shape[-1]))
    for pos in itertools.product(*(range(n) for n in out_spatial)):
        for tap in itertools.product(*(range(n) for n in window)):
            at = tuple(p * s + t * d for p, s, t, d in zip(pos, strides, tap, rhs_dilation))
            pixel = xp[(slice(None), *at)]  # (N, C)
            for g in range(groups):
                out[(slice(None), *pos, slice(g * og, (g + 1) * og))] += (
                    pixel[:, g * cg:(g + 1) * cg] @ w[(*tap, slice(None),
                                                        slice(g * og, (g + 1) * og))])
    return out


def naive_reduce_window(x, init, op, window, strides, padding, base_dilation=None,
                        window_dilation=None):
    """Each window's real elements (padding and holes skipped) reduced, starting at init."""
    base_dilation = base_dilation or (1,) * x.ndim
    window_dilation = window_dilation or (1,) * x.ndim
    padded = [lo + hi + (n - 1) * b + 1 for n, (lo, hi), b in zip(x.shape, padding,
                                                                     base_dilation)]
    reach = [(w - 1) * d + 1 for w, d in zip(window, window_dilation)]
    out_shape = [max(0, (p - r) // s + 1) for p, r, s in zip(padded, reach, strides)]
    out = np.empty(out_shape)
    for pos in itertools.product(*(range(n) for n in out_shape)):
        acc = init
        for tap in itertools.product(*(range(n) for n in window)):
            index = []
            for i, (p, t) in enumerate(zip(pos, tap)):
                q = p * strides[i] + t * window_dilation[i] - padding[i][0]
                if q % base_dilation[i] or not 0 <= q // base_dilation[i] < x.shape[i]:
                    break
                index.append(q // base_dilation[i])
            else:
                acc = op(acc, x[tuple(index)])
        out[pos] = acc
    return out


# ---------------------------------------------------------------------------------------
# Values against the naive references

CONV_CONFIGS = [
    dict(x=(2, 5, 5, 3), w=(3, 3, 3, 4), strides=(1, 1), padding=((0, 0), (0, 0))),
    dict(x=(3, 7, 6, 2), w=(2, 3, 2, 5), strides=(2, 3), padding=((1, 2), (0, 1))),
    dict(x=(2, 6, 5, 4), w=(3, 2, 2, 6), strides=(1, 2), padding=((2, -1), (1, 1)),
         lhs_dilation=(2, 1), rhs_dilation=(1, 2), groups=2),
    dict(x=(2, 5, 5, 3), w=(3, 3, 1, 3), strides=(1, 1), padding=((1, 1), (1, 1)), groups=3),
    dict(x=(2, 9, 2), w=(4, 2, 3), strides=(3,), padding=((2, 0),), rhs_dilation=(2,)),
    dict(x=(1, 4, 5, 3, 2), w=(2, 2, 3, 2, 3), strides=(2, 1, 1), padding=((1, 0),) * 3,
         lhs_dilation=(1, 2, 1)),
    dict(x=(2, 3, 3, 2), w=(5, 5, 2, 2), strides=(1, 1), padding=((0, 0), (0, 0))),  # empty
]


@pytest.mark.parametrize("cfg", CONV_CONFIGS, ids=lambda c: f"{c['x']}-{c['w']}")
def test_conv_matches_naive_loop(cfg):
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(cfg["x"]), rng.standard_normal(cfg["w"])
    groups = cfg.get("groups", 1)
    kwargs = dict(lhs_dilation=cfg.get("lhs_dilation"), rhs_dilation=cfg.get("rhs_dilation"))
    got = lax.conv_general_dilated(x, w, cfg["strides"], cfg["padding"],
                                   feature_group_count=groups, **kwargs)
    want = naive_conv(x, w, cfg["strides"], cfg["padding"], groups=groups, **kwargs)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_conv_layouts_agree():
    """NCHW/OIHW, index-tuple dimension numbers and the NHWC default give the same result."""
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((2, 6, 5, 4)), rng.standard_normal((3, 2, 2, 6))
    want = lax.conv_general_dilated(x, w, (2, 1), "SAME", feature_group_count=2)
    nchw = lax.conv_general_dilated(x.transpose(0, 3, 1, 2), w.transpose(3, 2, 0, 1), (2, 1),
                                    "SAME", dimension_numbers=("NCHW", "OIHW", "NCHW"),
                                    feature_group_count=2)
    np.testing.assert_allclose(nchw.transpose(0, 2, 3, 1), want, rtol=1e-12)
    # Spatial letters pair up by name: "WH" in the kernel swaps the lhs spatial axes' roles.
    swapped = lax.conv_general_dilated(x, w.transpose(1, 0, 2, 3), (1, 2), "SAME",
                                       dimension_numbers=("NHWC", "WHIO", "NHWC"),
                                       feature_group_count=2)
    np.testing.assert_allclose(swapped, want, rtol=1e-12)
    dnums = lax.conv_dimension_numbers(x.shape, w.shape, ("NHWC", "HWIO", "NHWC"))
    assert dnums == lax.ConvDimensionNumbers((0, 3, 1, 2), (3, 2, 0, 1), (0, 3, 1, 2))
    by_index = lax.conv_general_dilated(x, w, (2, 1), "SAME", dimension_numbers=dnums,
                                        feature_group_count=2)
    np.testing.assert_allclose(by_index, want, rtol=1e-12)


def test_conv_preferred_element_type_and_dtype():
    x, w = np.ones((1, 4, 4, 2), np.float32), np.ones((3, 3, 2, 1), np.float32)
    assert lax.conv_general_dilated(x, w, (1, 1), "VALID").dtype == np.float32
    out = lax.conv_general_dilated(x, w, (1, 1), "VALID", preferred_element_type=np.float64)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, np.full((1, 2, 2, 1), 18.0))


WINDOW_CONFIGS = [
    dict(x=(2, 6, 5, 3), window=(1, 3, 3, 1), strides=(1, 2, 2, 1),
         padding=((0, 0), (1, 1), (1, 1), (0, 0))),
    dict(x=(5, 7), window=(2, 3), strides=(2, 1), padding=((1, 0), (2, -1)),
         base_dilation=(2, 1), window_dilation=(1, 2)),
    dict(x=(4, 3, 5), window=(2, 2, 2), strides=(1, 1, 3), padding=((0, 1),) * 3,
         base_dilation=(1, 3, 1)),
    dict(x=(3, 2), window=(5, 1), strides=(1, 1), padding=((0, 0), (0, 0))),  # empty output
]
COMPUTATIONS = [("sum", lax.add, np.add, 0.0), ("max", lax.max, np.maximum, -np.inf),
                ("min", lax.min, np.minimum, np.inf), ("sum_init", lax.add, np.add, 2.5),
                ("max_init", lax.max, np.maximum, 0.25), ("min_init", lax.min, np.minimum, -0.5)]


@pytest.mark.parametrize("cfg", WINDOW_CONFIGS, ids=lambda c: f"{c['x']}-{c['window']}")
@pytest.mark.parametrize("name,computation,op,init", COMPUTATIONS,
                         ids=[c[0] for c in COMPUTATIONS])
def test_reduce_window_matches_naive_loop(cfg, name, computation, op, init):
    x = np.random.default_rng(2).standard_normal(cfg["x"])
    kwargs = dict(base_dilation=cfg.get("base_dilation"),
                  window_dilation=cfg.get("window_dilation"))
    got = lax.reduce_window(x, init, computation, cfg["window"], cfg["strides"],
                            cfg["padding"], **kwargs)
    want = naive_reduce_window(x, init, op, cfg["window"], cfg["strides"], cfg["padding"],
                               **kwargs)
    assert got.shape == want.shape and got.dtype == x.dtype
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_reduce_window_integers_keep_dtype():
    x = np.arange(12, dtype=np.int32).reshape(3, 4)
    total = lax.reduce_window(x, 0, lax.add, (2, 2), (1, 1), "SAME")
    assert total.dtype == np.int32
    np.testing.assert_array_equal(total, naive_reduce_window(x, 0, np.add, (2, 2), (1, 1),
                                                             ((0, 1), (0, 1))))
    biggest = lax.reduce_window(x, np.iinfo(np.int32).min, lax.max, (3, 1), (1, 1), "VALID")
    np.testing.assert_array_equal(biggest, x[2:3])


# ---------------------------------------------------------------------------------------
# Derivatives


def test_max_window_ties_pick_one_element():
    """Tied maxima pass the whole derivative to one element (the first), never split it."""
    x = np.ones((4, 4))
    g = fg.grad(lambda v: lax.reduce_window(v, -np.inf, lax.max, (2, 2), (2, 2),
                                            "VALID").sum())(x)
    np.testing.assert_array_equal(g, np.tile([[1.0, 0.0], [0.0, 0.0]], (2, 2)))


def _cnn_loss(x, w1, w2):
    h = lax.conv_general_dilated(x, w1, (1, 1), "SAME")
    h = lax.reduce_window(fnp.tanh(h), -np.inf, lax.max, (1, 2, 2, 1),
                          (1, 2, 2, 1), "VALID")
    h = lax.conv_general_dilated(h, w2, (2, 2), ((1, 0), (0, 1)), feature_group_count=2)
    h = lax.reduce_window(h, 0.0, lax.add, (1, 2, 2, 1), (1, 1, 1, 1), "SAME")
    return fnp.sum(h * h)


def _cnn_args(batch=2, seed=3):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((batch, 6, 6, 2)), 0.5 * rng.standard_normal((3, 3, 2, 4)),
            0.5 * rng.standard_normal((2, 2, 2, 4)))


def test_small_cnn_second_order():
    check_grads(_cnn_loss, _cnn_args(), order=2)


def test_small_cnn_hessian_vector_product_matches_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jnp, jlax = jax.numpy, jax.lax

    def jax_loss(x, w1, w2):
        dn = ("NHWC", "HWIO", "NHWC")
        h = jlax.conv_general_dilated(x, w1, (1, 1), "SAME", dimension_numbers=dn)
        h = jlax.reduce_window(jnp.tanh(h), -jnp.inf, jlax.max, (1, 2, 2, 1), (1, 2, 2, 1),
                               "VALID")
        h = jlax.conv_general_dilated(h, w2, (2, 2), ((1, 0), (0, 1)), dimension_numbers=dn,
                                      feature_group_count=2)
        h = jlax.reduce_window(h, 0.0, jlax.add, (1, 2, 2, 1), (1, 1, 1, 1), "SAME")
        return jnp.sum(h * h)

    args = _cnn_args()
    v = tuple(np.random.default_rng(4).standard_normal(np.shape(a)) for a in args)
    ours = fg.jvp(fg.grad(_cnn_loss, argnums=(0, 1, 2)), args, v)[1]
    theirs = jax.jvp(jax.grad(jax_loss, argnums=(0, 1, 2)), args, v)[1]
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, np.asarray(b), rtol=1e-9, atol=1e-9)


def test_per_example_gradients_match_loop():
    x, w1, w2 = _cnn_args(batch=3)
    per_example = fg.vmap(fg.grad(lambda xi, a, b: _cnn_loss(xi[None], a, b), argnums=(1, 2)),
                          in_axes=(0, None, None))(x, w1, w2)
    for i in range(3):
        want = fg.grad(_cnn_loss, argnums=(1, 2))(x[i:i + 1], w1, w2)
        for got, expected in zip(per_example, want):
            np.testing.assert_allclose(got[i], expected, rtol=1e-10, atol=1e-12)


def test_reduce_window_gradient_of_init_value():
    """A traced init_value joins every window once: d/d(init) counts the windows it wins."""
    x = np.random.default_rng(6).standard_normal((4, 5))
    d_sum = fg.grad(lambda c: fnp.sum(lax.reduce_window(x, c, lax.add, (2, 2), (1, 2),
                                                        "SAME")))(0.7)
    assert d_sum == 4 * 3
    d_max = fg.grad(lambda c: fnp.sum(lax.reduce_window(x, c, lax.max, (2, 2), (1, 1),
                                                        "VALID")))(0.0)
    windows = np.lib.stride_tricks.sliding_window_view(x, (2, 2)).max(axis=(2, 3))
    assert d_max == np.sum(windows < 0.0)


def test_conv_with_empty_output_has_zero_gradients():
    x, w = np.ones((2, 3, 3, 2)), np.ones((5, 5, 2, 2))
    out, pullback = fg.vjp(lambda a, b: lax.conv_general_dilated(a, b, (1, 1), "VALID"), x, w)
    assert out.shape == (2, 0, 0, 2)
    gx, gw = pullback(np.zeros(out.shape))
    np.testing.assert_array_equal(gx, np.zeros_like(x))
    np.testing.assert_array_equal(gw, np.zeros_like(w))


# ---------------------------------------------------------------------------------------
# The eager path is vectorised: the Python work does not grow with the number of images


def _python_calls(fun, *args) -> int:
    count = 0

    def profile(frame, event, arg):
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(profile)
    try:
        fun(*args)
    finally:
        sys.setprofile(None)
    return count


def _tap_loop_conv(x, w):
    """VALID, stride-1 channels-last 2-D conv as a loop over the kernel's taps only."""
    kh, kw = w.shape[:2]
    oh, ow = x.shape[1] - kh + 1, x.shape[2] - kw + 1
    out = np.zeros((x.shape[0], oh, ow, w.shape[-1]))
    for i, j in itertools.product(range(kh), range(kw)):
        out += x[:, i:i + oh, j:j + ow, :] @ w[i, j]
    return out


def test_mnist_sized_batch_uses_the_vectorised_path():
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal((256, 28, 28, 1)), rng.standard_normal((3, 3, 1, 8))

    def conv(a, b):
        return lax.conv_general_dilated(a, b, (1, 1), "VALID")

    np.testing.assert_allclose(conv(x, w), _tap_loop_conv(x, w), rtol=1e-10, atol=1e-10)
    assert _python_calls(conv, x, w) == _python_calls(conv, x[:8], w)

    def loss(a, b):
        h = lax.reduce_window(conv(a, b), -np.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1),
                              "VALID")
        return fnp.sum(h)

    grad = fg.grad(loss, argnums=(0, 1))
    many, few = _python_calls(grad, x, w), _python_calls(grad, x[:8], w)
    # At most a few extra image chunks in the transposed convolutions, never per-pixel work.
    assert many <= few + 100, (many, few)


# ---------------------------------------------------------------------------------------
# Errors name the function, the shapes, and the fix


def _conv(x_shape, w_shape, **kwargs):
    kwargs.setdefault("window_strides", (1, 1))
    kwargs.setdefault("padding", "VALID")
    return lax.conv_general_dilated(np.ones(x_shape), np.ones(w_shape), **kwargs)


@pytest.mark.parametrize("x_shape,w_shape,kwargs,error,match", [
    ((2, 5, 5, 3), (3, 3, 2, 4), {}, ShapeError, r"rhs needs 3 input features, not 2"),
    ((2, 5, 5, 3), (3, 3, 1, 4), {"feature_group_count": 3}, ShapeError,
     r"feature_group_count=3 must be >= 1 and divide.*\(4\)"),
    ((2, 5, 5, 4), (3, 3, 2, 4), {"feature_group_count": 3}, ShapeError,
     r"feature_group_count=3"),
    ((2, 5, 5, 3), (3, 3, 3, 4), {"padding": ((1, 1),)}, ShapeError,
     r"has 1 \(low, high\) pairs; the operands have 2 spatial axes"),
    ((2, 5, 5, 3), (3, 3, 3, 4), {"padding": "FULL"}, ValueError, r"unknown padding 'FULL'"),
    ((2, 5, 5, 3), (3, 3, 3, 4), {"window_strides": (1,)}, ValueError,
     r"window_strides=\(1,\) needs 2 positive ints"),
    ((2, 5, 5, 3), (3, 3, 3, 4), {"padding": "SAME", "lhs_dilation": (2, 2)}, ValueError,
     r"string padding is not supported with lhs_dilation"),
    ((2, 5, 5, 3), (3, 3, 3), {}, ShapeError, r"need the same rank"),
    ((2, 5, 5, 3), (3, 3, 3, 4), {"dimension_numbers": ("NCHW", "OIHW")}, ValueError,
     r"is not a triple"),
    ((2, 5, 5, 3), (3, 3, 3, 4), {"dimension_numbers": ("NCHW", "OIHW", "NCXW")}, ValueError,
     r"name different spatial axes"),
    ((2, 5, 5, 3), (3, 3, 3, 4), {"dimension_numbers": ("NHWC", "HWIX", "NHWC")}, ValueError,
     r"lack the letters O and I"),
    ((2, 5, 5, 3), (3, 3, 3, 4), {"padding": ((-4, -4), (0, 0))}, ShapeError,
     r"crops spatial axis 0 \(size 5\) to a negative size"),
    ((2, 5, 5, 3), (3, 3, 3, 4), {"batch_group_count": 2}, NotImplementedError,
     r"batch_group_count"),
])
def test_conv_errors(x_shape, w_shape, kwargs, error, match):
    with pytest.raises(error, match=match) as info:
        _conv(x_shape, w_shape, **kwargs)
    assert "conv_general_dilated" in str(info.value)


def test_conv_error_reports_the_users_shapes_and_layout():
    with pytest.raises(ShapeError, match=r"lhs shape \(2, 3, 5, 5\), rhs shape \(4, 2, 3, 3\)"
                       r", dimension_numbers \('NCHW', 'OIHW', 'NCHW'\)"):
        _conv((2, 3, 5, 5), (4, 2, 3, 3), dimension_numbers=("NCHW", "OIHW", "NCHW"))


def test_conv_dtype_mismatch():
    with pytest.raises(TypeError, match="conv_general_dilated: operand dtypes"):
        lax.conv_general_dilated(np.ones((1, 3, 3, 1), np.float32), np.ones((2, 2, 1, 1)),
                                 (1, 1), "VALID")


def test_reduce_window_unknown_computation():
    with pytest.raises(NotImplementedError, match=r"computation mul is not supported; pass "
                       r"fungrad.lax.add, fungrad.lax.max or fungrad.lax.min"):
        lax.reduce_window(np.ones((4, 4)), 1.0, lax.mul, (2, 2), (1, 1), "VALID")


@pytest.mark.parametrize("args,error,match", [
    (((np.ones(3), np.ones(3)), 0.0, lax.add, (2,)), NotImplementedError, "pytree"),
    ((np.ones((4, 4)), np.zeros(2), lax.add, (2, 2)), ShapeError, "init_value must be a scalar"),
    ((np.ones((4, 4)), 0.0, lax.add, (2,)), ShapeError,
     r"window_dimensions=\(2,\) needs 2 positive ints.*shape \(4, 4\)"),
    ((np.ones((4, 4)), 0.0, lax.add, (2, 0)), ShapeError, r"window_dimensions=\(2, 0\)"),
])
def test_reduce_window_errors(args, error, match):
    with pytest.raises(error, match=match):
        lax.reduce_window(*args)


def test_reduce_window_bad_padding():
    with pytest.raises(ShapeError, match=r"padding \(-3, -3\) crops axis 0"):
        lax.reduce_window(np.ones((4, 4)), 0.0, lax.add, (1, 1), (1, 1), ((-3, -3), (0, 0)))
    with pytest.raises(ShapeError, match=r"padding \(\(0, 0\),\) has 1 \(low, high\) pairs"):
        lax.reduce_window(np.ones((4, 4)), 0.0, lax.add, (1, 1), (1, 1), ((0, 0),))
    with pytest.raises(ValueError, match="neither 'SAME'"):
        lax.reduce_window(np.ones((4, 4)), 0.0, lax.add, (1, 1), (1, 1), 3)
