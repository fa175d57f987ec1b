"""jax.lax's conv extras: conv_general_dilated_patches, conv_general_dilated_local, the conv
shape helpers and ragged_dot / ragged_dot_general, each against the installed JAX."""

import numpy as np
import pytest

import fungrad as fg
from fungrad import lax as flax
from fungrad.errors import ShapeError
from fungrad.test_util import check_grads

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jnp, jlax = jax.numpy, jax.lax

RNG = np.random.default_rng(0)
NHWC = ("NHWC", "HWIO", "NHWC")


def _close(a, b, tol=1e-10):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=tol, atol=tol)


# ---------------------------------------------------------------------------------------
# conv_general_dilated_patches

# (lhs shape in NHWC-like canonical order, kwargs); shapes are laid out per dimension_numbers.
PATCH_CASES = [
    ((2, 7, 6, 3), dict(filter_shape=(2, 3), window_strides=(1, 1), padding="VALID")),
    ((2, 7, 6, 3), dict(filter_shape=(3, 2), window_strides=(2, 1), padding="SAME",
                        rhs_dilation=(1, 2))),
    ((1, 5, 6, 2), dict(filter_shape=(3, 3), window_strides=(2, 3),
                        padding=[(1, 2), (-1, 3)], lhs_dilation=(2, 1))),
    ((3, 8, 2), dict(filter_shape=(4,), window_strides=(3,), padding="SAME_LOWER")),
    ((1, 4, 5, 3, 2), dict(filter_shape=(2, 1, 3), window_strides=(1, 2, 1),
                           padding="SAME", rhs_dilation=(2, 1, 1))),
    ((1, 2, 2, 1), dict(filter_shape=(3, 3), window_strides=(1, 1), padding="VALID")),
]
LAYOUTS = {3: [("NWC", "WIO", "NWC"), ("NCW", "OIW", "CNW")],
           4: [NHWC, ("NCHW", "OIHW", "NCHW"), ("NWHC", "IWHO", "CWNH")],
           5: [("NDHWC", "DHWIO", "NDHWC"), ("NCDHW", "HWDOI", "DNCHW")]}


def _layout(x, spec):
    """A canonical (N, *spatial, C) array laid out as the lhs spec (spatial in order)."""
    spatial = [c for c in spec if c not in "NC"]
    src = "N" + "".join(spatial) + "C"
    return np.transpose(x, [src.index(c) for c in spec])


@pytest.mark.parametrize("shape,kw", PATCH_CASES)
def test_patches_match_jax_in_every_layout(shape, kw):
    x = RNG.standard_normal(shape)
    for dn in LAYOUTS[len(shape)]:
        xl = _layout(x, dn[0])
        got = flax.conv_general_dilated_patches(xl, dimension_numbers=dn, **kw)
        _close(got, jlax.conv_general_dilated_patches(xl, dimension_numbers=dn, **kw))
    # None is fungrad's channels-last default, JAX's is channels first.
    default = {3: LAYOUTS[3][0], 4: NHWC, 5: LAYOUTS[5][0]}[len(shape)]
    _close(flax.conv_general_dilated_patches(x, **kw),
           jlax.conv_general_dilated_patches(x, dimension_numbers=default, **kw))


def test_patches_dtypes_and_preferred_element_type():
    x = np.arange(2 * 4 * 5 * 3).reshape(2, 4, 5, 3)
    for dtype in [np.int32, np.bool_, np.float32]:
        xd = x.astype(dtype)
        got = flax.conv_general_dilated_patches(xd, (2, 2), (1, 2), "SAME")
        want = jlax.conv_general_dilated_patches(xd, (2, 2), (1, 2), "SAME",
                                                 dimension_numbers=NHWC)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
    got = flax.conv_general_dilated_patches(x.astype(np.float32), (2, 2), (1, 1), "VALID",
                                            preferred_element_type=np.float64)
    assert got.dtype == np.float64


def test_patches_grad_jit_vmap_against_jax():
    x = RNG.standard_normal((2, 6, 5, 3))
    kw = dict(filter_shape=(3, 2), window_strides=(2, 1), padding=[(1, 1), (0, 2)],
              rhs_dilation=(1, 2))
    ct = RNG.standard_normal(np.shape(jlax.conv_general_dilated_patches(
        x, dimension_numbers=NHWC, **kw)))
    fgot = lambda x: flax.conv_general_dilated_patches(x, **kw)
    fwant = lambda x: jlax.conv_general_dilated_patches(x, dimension_numbers=NHWC, **kw)
    _close(fg.vjp(fgot, x)[1](ct)[0], jax.vjp(fwant, x)[1](ct)[0])
    _close(fg.jit(fgot)(x), fwant(x))
    xs = RNG.standard_normal((2, 6, 3, 5, 3))
    _close(fg.vmap(fgot, in_axes=2, out_axes=3)(xs), jax.vmap(fwant, in_axes=2, out_axes=3)(xs))
    check_grads(lambda x: fg.numpy.sin(fgot(x)), (x,), order=2)


def test_patches_errors():
    x = np.ones((1, 5, 5, 2))
    with pytest.raises(ShapeError, match=r"conv_general_dilated_patches: filter_shape \(3,\)"):
        flax.conv_general_dilated_patches(x, (3,), (1, 1), "VALID")
    with pytest.raises(ValueError, match="conv_general_dilated_patches: string padding is not"):
        flax.conv_general_dilated_patches(x, (3, 3), (1, 1), "SAME", lhs_dilation=(2, 2))
    with pytest.raises(ValueError, match=r"conv_general_dilated_local: window_strides=\(1,\)"):
        flax.conv_general_dilated_local(x, np.ones((3, 3, 18, 1)), (1,), "VALID", (3, 3))
    with pytest.raises(ValueError, match="conv_general_dilated_patches: unknown padding 'FULL'"):
        flax.conv_general_dilated_patches(x, (3, 3), (1, 1), "FULL")


# ---------------------------------------------------------------------------------------
# conv_general_dilated_local

LOCAL_CASES = [
    ((2, 7, 6, 3), 4, dict(window_strides=(1, 1), padding="VALID", filter_shape=(2, 3))),
    ((2, 7, 6, 3), 2, dict(window_strides=(2, 1), padding="SAME", filter_shape=(3, 2),
                           rhs_dilation=(1, 2))),
    ((1, 5, 6, 2), 3, dict(window_strides=(2, 3), padding=[(1, 2), (-1, 3)],
                           filter_shape=(3, 3), lhs_dilation=(2, 1))),
    ((3, 8, 2), 5, dict(window_strides=(3,), padding="SAME", filter_shape=(4,))),
]
LOCAL_LAYOUTS = {3: [("NWC", "WIO", "NWC"), ("NCW", "OIW", "CNW")],
                 4: [NHWC, ("NCHW", "OIHW", "NCHW"), ("NWHC", "OWIH", "CWNH")]}


def _rhs_for(dn, out_spatial, in_features, out_features):
    """A random kernel laid out as the rhs spec, spatial sizes the output pixels'."""
    spatial = [c for c in dn[1] if c not in "OI"]
    sizes = dict(zip(spatial, out_spatial), I=in_features, O=out_features)
    return RNG.standard_normal([sizes[c] for c in dn[1]])


@pytest.mark.parametrize("shape,features,kw", LOCAL_CASES)
def test_local_values_and_grads_match_jax(shape, features, kw):
    x = RNG.standard_normal(shape)
    patch_kw = {k: v for k, v in kw.items()}
    for dn in LOCAL_LAYOUTS[len(shape)]:
        xl = _layout(x, dn[0])
        patches = jlax.conv_general_dilated_patches(
            xl, dimension_numbers=(dn[0], dn[1], "N" + dn[0][1:].replace("C", "") + "C"),
            **patch_kw)
        w = _rhs_for(dn, patches.shape[1:-1], patches.shape[-1], features)
        got = flax.conv_general_dilated_local(xl, w, dimension_numbers=dn, **kw)
        want = jlax.conv_general_dilated_local(xl, w, dimension_numbers=dn, **kw)
        _close(got, want)
        ct = RNG.standard_normal(want.shape)
        gvjp = fg.vjp(lambda a, b: flax.conv_general_dilated_local(
            a, b, dimension_numbers=dn, **kw), xl, w)[1](ct)
        jvjp = jax.vjp(lambda a, b: jlax.conv_general_dilated_local(
            a, b, dimension_numbers=dn, **kw), xl, w)[1](ct)
        for g, j in zip(gvjp, jvjp):
            _close(g, j)


def test_local_default_layout_jit_and_error():
    x = RNG.standard_normal((2, 5, 5, 3))
    w = RNG.standard_normal((4, 4, 3 * 4, 2))
    args = ((1, 1), "VALID", (2, 2))
    want = jlax.conv_general_dilated_local(x, w, *args, dimension_numbers=NHWC)
    _close(flax.conv_general_dilated_local(x, w, *args), want)
    _close(fg.jit(lambda a, b: flax.conv_general_dilated_local(a, b, *args))(x, w), want)
    check_grads(lambda a, b: flax.conv_general_dilated_local(a, b, *args), (x, w), order=1)
    with pytest.raises(ShapeError, match="conv_general_dilated_local: rhs of shape"):
        flax.conv_general_dilated_local(x, w[:3], *args)


# ---------------------------------------------------------------------------------------
# Shape helpers

CONV_SHAPES = [
    ((2, 3, 9, 9), (4, 3, 3, 3), (2, 2), [(1, 1), (0, 0)], 1),
    ((2, 3, 9, 9), (4, 3, 3, 3), (2, 2), "SAME", 1),
    ((2, 3, 9, 9), (4, 3, 3, 5), (1, 3), "SAME_LOWER", 1),
    ((4, 3, 9, 9), (4, 3, 3, 3), (2, 2), "VALID", 2),
    ((4, 3, 2, 9), (4, 3, 5, 3), (2, 2), "VALID", 1),
    ((1, 2, 7), (3, 2, 4), (3,), [(-2, 4)], 1),
    ((1, 2, 4, 5, 6), (3, 2, 2, 3, 1), (1, 2, 3), "SAME", 1),
]


@pytest.mark.parametrize("lhs,rhs,strides,pads,groups", CONV_SHAPES)
def test_conv_shape_tuple(lhs, rhs, strides, pads, groups):
    want = jlax.conv_shape_tuple(lhs, rhs, strides, pads, groups)
    got = flax.conv_shape_tuple(lhs, rhs, strides, pads, groups)
    assert got == tuple(int(d) for d in want)
    assert all(type(d) is int for d in got)


GENERAL_SHAPES = [
    ((2, 9, 9, 3), (3, 3, 3, 4), (1, 1), "SAME", NHWC),
    ((2, 9, 7, 3), (3, 2, 3, 4), (2, 3), "VALID", NHWC),
    ((2, 3, 9, 7), (4, 3, 3, 2), (2, 1), [(1, 1), (0, 0)], ("NCHW", "OIHW", "NHWC")),
    ((9, 2, 7, 3), (3, 4, 2, 3), (2, 2), [(0, 3), (2, 0)], ("HNWC", "WOHI", "CWHN")),
    ((2, 8, 3), (3, 3, 5), (2,), "SAME", ("NWC", "WIO", "NWC")),
]


@pytest.mark.parametrize("lhs,rhs,strides,pads,dn", GENERAL_SHAPES)
def test_conv_general_and_transpose_shape_tuples(lhs, rhs, strides, pads, dn):
    want = jlax.conv_general_shape_tuple(lhs, rhs, strides, pads, dn)
    assert flax.conv_general_shape_tuple(lhs, rhs, strides, pads, dn) == tuple(
        int(d) for d in want)
    want = jlax.conv_transpose_shape_tuple(lhs, rhs, strides, pads, dn)
    assert flax.conv_transpose_shape_tuple(lhs, rhs, strides, pads, dn) == tuple(
        int(d) for d in want)


def test_shape_tuples_agree_with_the_ops_and_take_none():
    x, w = np.ones((2, 9, 7, 3)), np.ones((3, 2, 3, 4))
    for pads in ["SAME", "VALID", [(1, 2), (0, 1)]]:
        assert flax.conv_general_shape_tuple(x.shape, w.shape, (2, 3), pads, None) == \
            flax.conv_general_dilated(x, w, (2, 3), pads).shape
        assert flax.conv_transpose_shape_tuple(x.shape, w.shape, (2, 3), pads, None) == \
            flax.conv_transpose(x, w, (2, 3), pads).shape


REDUCE_SHAPES = [
    ((5, 7), (2, 3), (1, 2), [(0, 0), (1, 1)], None, None),
    ((5, 7), (2, 3), (1, 2), [(0, 0), (1, 1)], (2, 1), (1, 2)),
    ((4, 6, 3), (3, 1, 2), (2, 1, 1), [(1, 0), (0, 0), (-1, 2)], (1, 3, 1), None),
    ((3,), (5,), (1,), [(0, 0)], None, None),
]


@pytest.mark.parametrize("shape,window,strides,pads,base,dil", REDUCE_SHAPES)
def test_reduce_window_shape_tuple(shape, window, strides, pads, base, dil):
    want = jlax.reduce_window_shape_tuple(shape, window, strides, pads, base, dil)
    assert flax.reduce_window_shape_tuple(shape, window, strides, pads, base, dil) == tuple(
        int(d) for d in want)


@pytest.mark.parametrize("dn", [NHWC, ("NCHW", "OIHW", "NCHW"), ("NWHC", "WHIO", "CWHN"),
                                ("NCW", "WIO", "NWC"), ("DNCHW", "HOIDW", "NHWDC")])
def test_conv_general_permutations(dn):
    assert flax.conv_general_permutations(dn) == jlax.conv_general_permutations(dn)


def test_shape_helper_errors():
    with pytest.raises(ShapeError, match="conv_shape_tuple: batch_group_count=2"):
        flax.conv_shape_tuple((3, 3, 9, 9), (4, 3, 3, 3), (2, 2), "SAME", 2)
    with pytest.raises(ShapeError, match=r"conv_shape_tuple: pads .* 1 \(low, high\)"):
        flax.conv_shape_tuple((2, 3, 9, 9), (4, 3, 3, 3), (2, 2), [(1, 1)])
    with pytest.raises(ShapeError, match="conv_shape_tuple: lhs_shape"):
        flax.conv_shape_tuple((2, 3, 9), (4, 3, 3, 3), (2, 2), "SAME")
    with pytest.raises(ValueError, match="lack the letters N and C"):
        flax.conv_general_permutations(("NHWX", "HWIO", "NHWC"))
    with pytest.raises(TypeError, match="conv_general_permutations: dimension_numbers None"):
        flax.conv_general_permutations(None)


# ---------------------------------------------------------------------------------------
# ragged_dot, ragged_dot_general

GROUP_SIZES = [[2, 4, 1], [2, 2, 1], [0, 7, 0], [3, 3, 3], [5, 5, 5], [9, 0, 0], [0, 0, 0],
               [-1, 4, 4]]


@pytest.mark.parametrize("traced", [False, True], ids=["concrete-sizes", "traced-sizes"])
@pytest.mark.parametrize("sizes", GROUP_SIZES)
def test_ragged_dot_values_and_derivatives_match_jax(sizes, traced):
    """Concrete sizes take the per-group slices, traced ones (under jit) the group mask."""
    lhs, rhs = RNG.standard_normal((7, 3)), RNG.standard_normal((3, 3, 2))
    gs = np.array(sizes, np.int32)
    ours = fg.jit(flax.ragged_dot) if traced else flax.ragged_dot
    _close(ours(lhs, rhs, gs), jlax.ragged_dot(lhs, rhs, gs))
    tl, tr = RNG.standard_normal(lhs.shape), RNG.standard_normal(rhs.shape)
    got = fg.jvp(lambda a, b: ours(a, b, gs), (lhs, rhs), (tl, tr))
    want = jax.jvp(lambda a, b: jlax.ragged_dot(a, b, gs), (lhs, rhs), (tl, tr))
    for g, w in zip(got, want):
        _close(g, w)
    ct = RNG.standard_normal((7, 2))
    got = fg.vjp(lambda a, b: ours(a, b, gs), lhs, rhs)[1](ct)
    want = jax.vjp(lambda a, b: jlax.ragged_dot(a, b, gs), lhs, rhs)[1](ct)
    for g, w in zip(got, want):
        _close(g, w)


def test_ragged_dot_jit_vmap_and_grad_checks():
    lhs, rhs = RNG.standard_normal((6, 3)), RNG.standard_normal((4, 3, 2))
    gs = np.array([1, 0, 3, 2])
    f = fg.jit(flax.ragged_dot)  # group_sizes traced: the groups are data
    _close(f(lhs, rhs, gs), jlax.ragged_dot(lhs, rhs, gs))
    _close(f(lhs, rhs, gs[::-1].copy()), jlax.ragged_dot(lhs, rhs, gs[::-1].copy()))
    lhs_b, rhs_b = RNG.standard_normal((5, 6, 3)), RNG.standard_normal((5, 4, 3, 2))
    gs_b = np.array([[1, 0, 3, 2], [6, 0, 0, 0], [0, 0, 0, 6], [2, 2, 1, 1], [1, 1, 1, 1]])
    for axes in [(0, 0, 0), (0, None, None), (None, 0, None), (None, None, 0)]:
        args = [a if ax is not None else a[0] for a, ax in zip((lhs_b, rhs_b, gs_b), axes)]
        # jax.vmap of ragged_dot is not implemented for some in_axes: loop over examples.
        want = [jlax.ragged_dot(*(a[i] if ax is not None else a for a, ax in zip(args, axes)))
                for i in range(5)]
        _close(fg.vmap(flax.ragged_dot, in_axes=axes)(*args), np.stack(want))
    check_grads(lambda a, b: flax.ragged_dot(a, b, gs), (lhs, rhs), order=2)


def test_ragged_dot_dtypes():
    lhs, rhs, gs = RNG.standard_normal((5, 3)), RNG.standard_normal((2, 3, 2)), np.array([2, 3])
    f32 = lhs.astype(np.float32)
    for args, kw in [((f32, rhs), {}), ((f32, rhs.astype(np.float32)),
                                        dict(preferred_element_type=np.float64)),
                     (((lhs * 3).astype(np.int32), (rhs * 3).astype(np.int32)), {})]:
        got = flax.ragged_dot(*args, gs, **kw)
        want = jlax.ragged_dot(*args, gs, **kw)
        assert got.dtype == want.dtype
        _close(got, want, 1e-6)


RAGGED_GENERAL = [  # (lhs shape, rhs shape, group_sizes, dimension numbers)
    ((4, 6), (6, 5), [2, 3, 1], ((([1], [0]), ([], [])), [1], [])),
    ((5, 4, 3), (5, 3, 2), [1, 2], ((([2], [1]), ([0], [0])), [0], [])),
    ((2, 7, 3), (3, 2, 3, 4), [2, 4, 1], ((([2], [2]), ([0], [1])), [1], [0])),
    ((2, 7, 3), (3, 2, 3, 4), [[2, 4, 1], [1, 1, 1]], ((([2], [2]), ([0], [1])), [1], [0])),
    ((3, 2, 6, 4), (2, 6, 5), [[1, 2, 3], [0, 4, 2]], ((([2], [1]), ([1], [0])), [2], [])),
    ((3, 4, 6), (4, 6, 2), [[1, 2, 3], [0, 4, 2], [6, 0, 0], [2, 2, 2]],
     ((([1, 2], [0, 1]), ([], [])), [2], [])),
    ((4, 5, 3), (3, 3, 2), [[1, 3, 1], [0, 2, 3], [5, 0, 0], [1, 1, 1]],
     ((([2], [1]), ([], [])), [1], [0])),
    ((3, 5, 4), (2, 4, 3), [1, 3], ((([2], [1]), ([], [])), [1], [0])),
]


@pytest.mark.parametrize("lhs_shape,rhs_shape,sizes,dn", RAGGED_GENERAL)
def test_ragged_dot_general_modes_match_jax(lhs_shape, rhs_shape, sizes, dn):
    lhs, rhs, gs = RNG.standard_normal(lhs_shape), RNG.standard_normal(rhs_shape), np.array(sizes)
    fdn, jdn = flax.RaggedDotDimensionNumbers(*dn), jlax.RaggedDotDimensionNumbers(*dn)
    want = jlax.ragged_dot_general(lhs, rhs, gs, jdn)
    _close(flax.ragged_dot_general(lhs, rhs, gs, fdn), want)
    _close(fg.jit(lambda a, b, s: flax.ragged_dot_general(a, b, s, fdn))(lhs, rhs, gs), want)
    f = lambda a, b: flax.ragged_dot_general(a, b, gs, fdn)
    check_grads(f, (lhs, rhs), order=1)
    ct = RNG.standard_normal(want.shape)
    got = fg.vjp(f, lhs, rhs)[1](ct)
    try:
        wants = jax.vjp(lambda a, b: jlax.ragged_dot_general(a, b, gs, jdn), lhs, rhs)[1](ct)
    except NotImplementedError:  # JAX 0.10 lacks the rhs VJP of the ragged-contracting and
        return                   # ragged-batch modes; check_grads above covers ours
    for g, w in zip(got, wants):
        _close(g, w)


def test_ragged_dot_errors():
    lhs, rhs = np.ones((5, 3)), np.ones((2, 3, 2))
    with pytest.raises(TypeError, match="ragged_dot_general: group_sizes must have an integer"):
        flax.ragged_dot(lhs, rhs, np.array([2.0, 3.0]))
    with pytest.raises(NotImplementedError, match="group_offset is not supported"):
        flax.ragged_dot(lhs, rhs, np.array([2, 3]), group_offset=np.array([1]))
    with pytest.raises(ValueError, match="ragged_dot: rhs must have rank 3"):
        flax.ragged_dot(lhs, rhs[0], np.array([2, 3]))
    dn = flax.RaggedDotDimensionNumbers((((1,), (1,)), ((), ())), (0, 1), (0,))
    with pytest.raises(NotImplementedError, match=r"lhs_ragged_dimensions \(0, 1\)"):
        flax.ragged_dot_general(lhs, rhs, np.array([2, 3]), dn)
    dn = flax.RaggedDotDimensionNumbers((((1,), (1,)), ((), ())), (0,), ())
    with pytest.raises(ValueError, match="rhs_group_dimensions must be one axis"):
        flax.ragged_dot_general(lhs, rhs, np.array([2, 3]), dn)
    dn = flax.RaggedDotDimensionNumbers((((1,), (1,)), ((), ())), (0,), (0,))
    with pytest.raises(NotImplementedError, match=r"group_sizes of shape \(2, 2\)"):
        flax.ragged_dot_general(lhs, rhs, np.ones((2, 2), np.int32), dn)
