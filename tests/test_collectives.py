"""Collectives over vmap axis names, compared with ``jax.vmap(..., axis_name=)`` (float64).

Each row is a per-lane function written once over ``(np, lax)`` and run with fungrad and
with JAX: values, JVP and reverse mode of the vmapped function, ``vmap(grad(f))`` (the
cotangents of all lanes meet in the collectives' transposes), and ``jit`` inside and
outside the vmap. Rows with two names run under two nested vmaps.
"""

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad import lax as flax
from fungrad.errors import ShapeError
from fungrad.test_util import check_grads

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jnp, jlax = jax.numpy, jax.lax

RNG = np.random.default_rng(0)
X1 = RNG.standard_normal((3, 4))  # one name: 3 lanes of shape (4,)
X2 = RNG.standard_normal((2, 3, 4))  # two names: 2 x 3 lanes of shape (4,)
FULL = [(0, 1), (1, 2), (2, 0)]

def _remat(np_):
    return jax.checkpoint if np_ is jnp else fg.checkpoint


# JAX_NO_VMAP_GRAD: JAX differentiates the vmapped function, but its vmap(grad(f)) of an
# untiled all_to_all with split_axis != concat_axis fails ("Expected cotangent type
# float64[3,2,1] but got float64[3,1,2]"); ours is checked against the whole-batch gradient.
JAX_NO_VMAP_GRAD = "jvp and grad only"

# (name, per-lane function of (np, lax, x), names, JAX differentiates it)
ONE = [
    ("psum", lambda np, lax, x: lax.psum(x, "i") * x, True),
    ("psum_sq", lambda np, lax, x: np.sin(lax.psum(x ** 2, "i")), True),
    ("psum_const", lambda np, lax, x: x * lax.psum(2.0, "i"), True),
    ("psum_tree", lambda np, lax, x: lax.psum({"a": x, "b": x[:2] ** 2}, "i")["b"].sum() * x,
     True),
    ("pmean", lambda np, lax, x: x - lax.pmean(x, "i"), True),
    ("pmax", lambda np, lax, x: lax.pmax(x, "i") * x, False),
    ("pmin", lambda np, lax, x: np.exp(lax.pmin(x, "i")), False),
    ("all_gather", lambda np, lax, x: lax.all_gather(x, "i") @ x, True),
    ("all_gather_axis1", lambda np, lax, x: lax.all_gather(x.reshape(2, 2), "i", axis=1) ** 2,
     True),
    ("all_gather_tiled", lambda np, lax, x: lax.all_gather(x, "i", tiled=True)[1:5] * x, True),
    ("psum_scatter", lambda np, lax, x: lax.psum_scatter(x[:3] * x[1:], "i") * x, True),
    ("psum_scatter_tiled",
     lambda np, lax, x: lax.psum_scatter(np.concatenate([x, x[:2]]), "i", tiled=True), True),
    ("ppermute", lambda np, lax, x: lax.ppermute(x ** 2, "i", FULL) * x, True),
    ("axis_index", lambda np, lax, x: x * lax.axis_index("i"), True),
    ("all_to_all", lambda np, lax, x: lax.all_to_all(x[:3] * x[1:], "i", 0, 0) * x[0], True),
    ("all_to_all_2d",
     lambda np, lax, x: lax.all_to_all(np.outer(x[:3], x[:2]), "i", 0, 1) * x[2:, None],
     JAX_NO_VMAP_GRAD),
    ("all_to_all_tiled", lambda np, lax, x: lax.all_to_all(
        np.outer(x[:2], np.concatenate([x, x[:2]])), "i", 1, 0, tiled=True) ** 2, True),
    ("all_to_all_tiled_same_axis", lambda np, lax, x: lax.all_to_all(
        np.sin(np.concatenate([x, x[1:3]])), "i", 0, 0, tiled=True) * x[0], True),
    ("pswapaxes", lambda np, lax, x: lax.pswapaxes(np.sin(x[:3]), "i", 0) * x[1:], True),
    ("pswapaxes_axis1",
     lambda np, lax, x: lax.pswapaxes(np.outer(x[:2], x[1:]), "i", 1) * x[0], True),
    ("pshuffle", lambda np, lax, x: lax.pshuffle(x ** 2, "i", [2, 0, 1]) * x, True),
    ("axis_size", lambda np, lax, x: x / lax.axis_size("i"), True),
    ("scan_psum", lambda np, lax, x: lax.scan(
        lambda c, _: (np.sin(c) + lax.psum(c, "i"), lax.axis_index("i") * c), x, length=2)[1],
     True),
    ("checkpoint_psum", lambda np, lax, x: _remat(np)(
        lambda v: np.sin(lax.psum(v * v, "i")) * v)(x), True),
    ("fori_psum", lambda np, lax, x: lax.fori_loop(
        0, 2, lambda i, c: c * lax.psum(c[:1], "i"), x), True),
]
TWO = [
    ("psum_both", lambda np, lax, x: lax.psum(x ** 2, ("i", "j")) * x, True),
    ("psum_outer", lambda np, lax, x: lax.psum(x, "i") * np.cos(x), True),
    ("pmean_both", lambda np, lax, x: x - lax.pmean(x, ("j", "i")), True),
    ("pmax_both", lambda np, lax, x: lax.pmax(x, ("i", "j")), False),
    ("gather_inner_outer",
     lambda np, lax, x: lax.all_gather(lax.all_gather(x, "j"), "i", axis=1).sum(0), True),
    ("axis_index_both", lambda np, lax, x: x * lax.axis_index(("i", "j")), True),
    ("ppermute_outer", lambda np, lax, x: lax.ppermute(x, "i", [(0, 1), (1, 0)]) * x, True),
    ("all_to_all_outer", lambda np, lax, x: lax.all_to_all(x[:2] * x[2:], "i", 0, 0), True),
    ("all_to_all_inner_tiled", lambda np, lax, x: lax.all_to_all(
        np.concatenate([x, x[:2]]) ** 2, "j", 0, 0, tiled=True) * x[0], True),
    ("all_to_all_both", lambda np, lax, x: lax.all_to_all(
        lax.all_to_all(np.outer(x[:3], x[:2]), "j", 0, 1), "i", 0, 0), JAX_NO_VMAP_GRAD),
    ("pshuffle_inner", lambda np, lax, x: lax.pshuffle(np.cos(x), "j", [1, 2, 0]) * x, True),
]


def _vmapped(vmap, fun, names: int):
    if names == 1:
        return vmap(fun, axis_name="i")
    return vmap(vmap(fun, axis_name="j"), axis_name="i")


def _pair(fun, names: int):
    """The vmapped fungrad and JAX functions of one row."""
    return (_vmapped(fg.vmap, lambda x: fun(fnp, flax, x), names),
            _vmapped(jax.vmap, lambda x: fun(jnp, jlax, x), names))


def _rows():
    for name, fun, jax_diff in ONE:
        yield pytest.param(fun, 1, X1, jax_diff, id=name)
    for name, fun, jax_diff in TWO:
        yield pytest.param(fun, 2, X2, jax_diff, id=name)


def _weights(theirs, x):
    """Random output weights (a fixed seed per output shape)."""
    shape = np.shape(theirs(x))
    return np.random.default_rng(len(shape)).standard_normal(shape)


def _close(actual, expected):
    np.testing.assert_allclose(np.asarray(actual), np.asarray(expected), rtol=1e-10,
                               atol=1e-10)


@pytest.mark.parametrize(("fun", "names", "x", "jax_diff"), _rows())
def test_values_and_jit(fun, names, x, jax_diff):
    ours, theirs = _pair(fun, names)
    want = theirs(x)
    _close(ours(x), want)
    _close(fg.jit(ours)(x), want)
    inner_jit = _vmapped(fg.vmap, fg.jit(lambda v: fun(fnp, flax, v)), names)
    _close(inner_jit(x), want)


@pytest.mark.parametrize(("fun", "names", "x", "jax_diff"), _rows())
def test_jvp_and_grad(fun, names, x, jax_diff):
    ours, theirs = _pair(fun, names)
    w = _weights(theirs, x)
    if jax_diff:
        t = np.cos(x)
        _close(fg.jvp(ours, (x,), (t,))[1], jax.jvp(theirs, (x,), (t,))[1])
        want = jax.grad(lambda v: jnp.sum(theirs(v) * w))(x)
        _close(fg.grad(lambda v: fnp.sum(ours(v) * w))(x), want)
        _close(fg.jit(fg.grad(lambda v: fnp.sum(ours(v) * w)))(x), want)
    check_grads(ours, (x,), order=2, modes=("fwd", "rev"))


@pytest.mark.parametrize(("fun", "names", "x", "jax_diff"), _rows())
def test_vmap_of_grad(fun, names, x, jax_diff):
    """Per-lane gradients: the lanes' cotangents meet in the collectives' transposes."""
    w = _weights(_pair(fun, names)[1], x)

    def lane_loss(np, lax):
        return lambda v, u: np.sum(fun(np, lax, v) * u)

    ours = _vmapped(fg.vmap, fg.grad(lane_loss(fnp, flax)), names)
    got = ours(x, w)
    # vmap semantics: vmap(grad(f)) is the gradient of the sum over lanes of vmap(f)
    whole = fg.grad(lambda v: fnp.sum(_pair(fun, names)[0](v) * w))(x)
    _close(got, whole)
    if jax_diff is True:
        _close(got, _vmapped(jax.vmap, jax.grad(lane_loss(jnp, jlax)), names)(x, w))
    inner_jit = _vmapped(fg.vmap, fg.jit(fg.grad(lane_loss(fnp, flax))), names)
    _close(inner_jit(x, w), got)


def test_collectives_under_jit_are_equations():
    texts = []

    def lane(v):
        texts.append(str(fg.make_ir(lambda u: flax.psum(u, "i") * flax.axis_index("i"))(v)))
        return v

    fg.vmap(lane, axis_name="i")(X1)
    assert "psum[axes=('i',)] a" in texts[0]
    assert "axis_index[axis_name=i]" in texts[0]


def test_cond_with_a_collective_and_a_batched_predicate():
    """Both branches run on every lane, so the pmean sees every lane.

    JAX's derivatives of this function disagree with the whole-batch function (the lanes'
    mean, then a where); ours agree with it (central differences). vmap(grad(...)) of such a
    cond raises (see the next-but-one test).
    """

    def fun(np, lax, x):
        return lax.cond(x[0] > 0, lambda v: lax.pmean(v, "i") * v, lambda v: v * 2.0, x)

    ours, theirs = _pair(fun, 1)
    _close(ours(X1), theirs(X1))
    _close(fg.jit(ours)(X1), theirs(X1))
    whole = jax.grad(lambda v: jnp.sum(jnp.where(v[:, :1] > 0, v.mean(0) * v, 2 * v) ** 2))
    _close(fg.grad(lambda v: fnp.sum(ours(v) ** 2))(X1), whole(X1))
    check_grads(ours, (X1,), order=2)


def test_pmax_ties_share_the_tangent():
    x = np.array([1.0, 3.0, 3.0])
    t = np.array([0.5, 1.0, 2.0])
    out, tan = fg.jvp(fg.vmap(lambda v: flax.pmax(v, "i"), axis_name="i"), (x,), (t,))
    _close(out, [3.0, 3.0, 3.0])
    _close(tan, [1.5, 1.5, 1.5])


def test_partial_ppermute_sends_zeros():
    got = fg.vmap(lambda v: flax.ppermute(v, "i", [(0, 2)]), axis_name="i")(np.arange(1.0, 4))
    _close(got, [0.0, 0.0, 1.0])


def test_name_not_owned_by_inner_vmap_batches_normally():
    def f(v):  # the inner vmap has no name; the psum is over the outer axis
        return fg.vmap(lambda u: flax.psum(u, "i"))(v)

    got = fg.vmap(f, axis_name="i")(X1.reshape(3, 2, 2))
    want = jax.vmap(lambda v: jax.vmap(lambda u: jlax.psum(u, "i"))(v), axis_name="i")(
        X1.reshape(3, 2, 2))
    _close(got, want)


def test_jit_cache_keys_on_axis_sizes():
    gather = fg.jit(lambda v: flax.all_gather(v, "i"))
    assert fg.vmap(gather, axis_name="i")(np.ones((3, 2))).shape == (3, 3, 2)
    assert fg.vmap(gather, axis_name="i")(np.ones((5, 2))).shape == (5, 5, 2)


@pytest.mark.parametrize("call", [
    lambda: flax.psum(1.0, "i"),
    lambda: fg.vmap(lambda v: flax.psum(v, "k"), axis_name="i")(X1),
    lambda: fg.vmap(lambda v: flax.all_gather(v, "k"), axis_name="i")(X1),
    lambda: fg.vmap(lambda v: flax.axis_index("k"), axis_name="i")(X1),
    lambda: fg.jit(lambda v: flax.pmax(v, "i"))(X1),
])
def test_unbound_axis_name(call):
    with pytest.raises(NameError, match="unbound axis name 'k'|unbound axis name 'i'"):
        call()


def test_errors():
    with pytest.raises(ShapeError, match="psum_scatter.*scatter_dimension"):
        fg.vmap(lambda v: flax.psum_scatter(v, "i"), axis_name="i")(X1)
    with pytest.raises(ValueError, match="ppermute.*repeats"):
        fg.vmap(lambda v: flax.ppermute(v, "i", [(0, 1), (0, 2)]), axis_name="i")(X1)
    with pytest.raises(ValueError, match="chunk_size"):
        fg.vmap(lambda v: v, axis_name="i", chunk_size=2)
    with pytest.raises(ShapeError, match="all_to_all.*split_axis=0.*equal to 3"):
        fg.vmap(lambda v: flax.all_to_all(v, "i", 0, 0), axis_name="i")(X1)
    with pytest.raises(ShapeError, match="all_to_all.*multiple of 3"):
        fg.jit(fg.vmap(lambda v: flax.all_to_all(v, "i", 0, 0, tiled=True), axis_name="i"))(X1)
    with pytest.raises(ValueError, match="all_to_all: concat_axis=2 is out of range"):
        fg.vmap(lambda v: flax.all_to_all(v[:3], "i", 0, 2), axis_name="i")(X1)
    with pytest.raises(ValueError, match=r"pshuffle: perm=\[2, 0, 0\] is not a permutation"):
        fg.vmap(lambda v: flax.pshuffle(v, "i", [2, 0, 0]), axis_name="i")(X1)
    with pytest.raises(NameError, match="unbound axis name 'k'"):
        fg.vmap(lambda v: flax.pswapaxes(v, "k", 0), axis_name="i")(X1)
    with pytest.raises(NotImplementedError, match="all_to_all: axis_index_groups"):
        fg.vmap(lambda v: flax.all_to_all(v[:3], "i", 0, 0, axis_index_groups=[[0, 1, 2]]),
                axis_name="i")(X1)
    with pytest.raises(NotImplementedError, match="axis_index_groups"):
        fg.vmap(lambda v: flax.psum(v, "i", axis_index_groups=[[0]]), axis_name="i")(X1)


def test_custom_jvp_with_collectives():
    def make(custom_jvp, lax):
        @custom_jvp
        def f(x):
            return lax.psum(x, "i") * x

        @f.defjvp
        def f_jvp(primals, tangents):
            (x,), (t,) = primals, tangents
            return f(x), lax.psum(t, "i") * x + lax.psum(x, "i") * t

        return f

    ours, theirs = make(fg.custom_jvp, flax), make(jax.custom_jvp, jlax)
    x = np.arange(1.0, 4.0)
    v_ours, v_theirs = fg.vmap(ours, axis_name="i"), jax.vmap(theirs, axis_name="i")
    _close(v_ours(x), v_theirs(x))
    _close(fg.jvp(v_ours, (x,), (x,))[1], jax.jvp(v_theirs, (x,), (x,))[1])
    _close(fg.grad(lambda v: fnp.sum(v_ours(v) ** 2))(x),
           jax.grad(lambda v: jnp.sum(v_theirs(v) ** 2))(x))
    _close(fg.vmap(fg.grad(ours), axis_name="i")(x), jax.vmap(jax.grad(theirs), axis_name="i")(x))


def test_unbatched_operands_of_a_program_that_uses_the_name():
    """A jitted cond/scan of unbatched values still resolves the collective over the axis."""
    branchy = fg.jit(lambda c, u: flax.cond(c, lambda u: flax.psum(u, "i"), lambda u: u, u))
    loop = fg.jit(lambda u: flax.scan(lambda c, _: (c + flax.psum(c, "i"), None), u,
                                      length=2)[0])
    lanes = fg.vmap(lambda v: (branchy(True, 2.0) + v, loop(1.0) + v, fg.jit(
        lambda: flax.axis_index("i"))()), axis_name="i")(np.zeros(3))
    _close(lanes[0], [6.0, 6.0, 6.0])
    _close(lanes[1], [16.0, 16.0, 16.0])
    _close(lanes[2], [0, 1, 2])


def test_grad_inside_vmap_of_a_batched_cond_with_a_collective_is_refused():
    """Every lane runs every branch of a cond with a batched predicate, so a collective in a
    branch couples lanes that chose the other one; the per-lane transpose would drop that
    coupling (JAX gives an answer that disagrees with its own grad of the whole batch).
    fungrad refuses it, and the gradient of the whole batch is right."""
    from fungrad import lax as flax

    def f(x):
        return flax.cond(x > 0, lambda t: fnp.sin(t) * flax.psum(t, "i"),
                         lambda t: t * flax.psum(t * t, "i"), x)

    xs = np.array([0.5, -1.0, 2.0, -0.3])
    with pytest.raises(NotImplementedError, match="predicate is batched"):
        fg.vmap(fg.grad(f), axis_name="i")(xs)
    # the whole-batch gradient equals that of the same function written with where
    g = fg.grad(lambda x: fnp.sum(fg.vmap(f, axis_name="i")(x)))(xs)
    where = lambda t: fnp.where(t > 0, fnp.sin(t) * flax.psum(t, "i"),
                                t * flax.psum(t * t, "i"))
    want = fg.grad(lambda x: fnp.sum(fg.vmap(where, axis_name="i")(x)))(xs)
    np.testing.assert_allclose(g, want, rtol=1e-12)
    # an unbatched predicate is fine (psum transposes to psum: every lane's cotangent)
    h = lambda t: flax.cond(True, lambda u: u * flax.psum(u, "i"), lambda u: u, t)
    np.testing.assert_allclose(fg.vmap(fg.grad(h), axis_name="i")(xs),
                               np.full(4, 2 * xs.sum()), rtol=1e-12)
