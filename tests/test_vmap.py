"""vmap's API (in_axes/out_axes prefixes, chunking, composition), Jacobians, and errors."""

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad.errors import ConcretizationError, MissingRuleError
from fungrad.test_util import check_grads

RNG = np.random.default_rng(0)
X = RNG.standard_normal((4, 3))
W = RNG.standard_normal(3)


def test_in_axes_pytree_prefix_and_negative_axes():
    def f(p, x):
        return fnp.sum(fnp.tanh(p["w"] * x + p["b"]))

    params = {"w": W, "b": np.array(0.1)}
    got = fg.vmap(f, in_axes=({"w": None, "b": None}, 0))(params, X)
    want = np.stack([f(params, x) for x in X])
    np.testing.assert_allclose(got, want)
    got = fg.vmap(f, in_axes=(None, -1))(params, X.T)
    np.testing.assert_allclose(got, want)
    # a prefix: one entry covers the whole params dict
    np.testing.assert_allclose(fg.vmap(f, in_axes=[None, 0])(params, X), want)


def test_out_axes_and_pytree_outputs():
    def f(x):
        return {"a": x * 2, "s": fnp.sum(x)}

    out = fg.vmap(f, out_axes={"a": 1, "s": 0})(X)
    np.testing.assert_allclose(out["a"], (X * 2).T)
    np.testing.assert_allclose(out["s"], X.sum(1))
    # an unbatched output is broadcast along the batch axis
    const = fg.vmap(lambda x: (x, W), out_axes=(0, 1))(X)
    assert const[1].shape == (3, 4)


def test_axis_size_without_batched_inputs():
    out = fg.vmap(lambda w: w * 2, in_axes=None, axis_size=5)(W)
    assert out.shape == (5, 3)


def test_chunk_size_gives_identical_results():
    f = lambda x: fnp.sin(x) * fnp.sum(x)  # noqa: E731
    big = RNG.standard_normal((10, 3))
    np.testing.assert_array_equal(fg.vmap(f, chunk_size=3)(big), fg.vmap(f)(big))


def test_nested_vmap_and_jvp_compositions():
    f = lambda x, y: fnp.sum(fnp.sin(x) * y)  # noqa: E731
    xs = RNG.standard_normal((2, 4, 3))
    got = fg.vmap(fg.vmap(f, in_axes=(0, None)), in_axes=(0, None))(xs, W)
    np.testing.assert_allclose(got, np.sum(np.sin(xs) * W, axis=-1))
    # jvp(vmap) == vmap(jvp)
    t = RNG.standard_normal((4, 3))
    a = fg.jvp(fg.vmap(fnp.sin), (X,), (t,))[1]
    b = fg.vmap(lambda x, t: fg.jvp(fnp.sin, (x,), (t,))[1])(X, t)
    np.testing.assert_allclose(a, b)
    np.testing.assert_allclose(a, np.cos(X) * t)


def test_per_example_gradients():
    def loss(w, x, y):
        return (fnp.sum(w * x) - y) ** 2

    y = RNG.standard_normal(4)
    got = fg.vmap(fg.grad(loss), in_axes=(None, 0, 0))(W, X, y)
    want = np.stack([2 * (np.sum(W * x) - yi) * x for x, yi in zip(X, y)])
    np.testing.assert_allclose(got, want)


def test_grad_of_vmap_reduction():
    g = fg.grad(lambda x: fnp.sum(fg.vmap(lambda r: fnp.sum(fnp.sin(r) ** 2))(x)))(X)
    np.testing.assert_allclose(g, 2 * np.sin(X) * np.cos(X))


def test_vmap_of_custom_vjp():
    @fg.custom_vjp
    def clip_grad(x):
        return x

    clip_grad.defvjp(lambda x: (x, None), lambda _, g: (fnp.clip(g, -1.0, 1.0),))
    g = fg.vmap(fg.grad(lambda x: 3.0 * clip_grad(x)))(np.array([1.0, 2.0]))
    np.testing.assert_allclose(g, [1.0, 1.0])
    g = fg.grad(lambda x: fnp.sum(3.0 * fg.vmap(clip_grad)(x)))(np.array([1.0, 2.0]))
    np.testing.assert_allclose(g, [1.0, 1.0])


# ---------------------------------------------------------------------------------------
# Jacobians


def _f(x):
    return fnp.stack([fnp.sum(fnp.sin(x) * x), fnp.prod(fnp.tanh(x)), x[0] * x[-1]])


def test_jacfwd_equals_jacrev_and_finite_differences():
    x = RNG.standard_normal(5)
    jf, jr = fg.jacfwd(_f)(x), fg.jacrev(_f)(x)
    assert jf.shape == (3, 5)
    np.testing.assert_allclose(jf, jr, atol=1e-10)
    eps = 1e-6
    num = np.stack([(_f(x + eps * e) - _f(x - eps * e)) / (2 * eps) for e in np.eye(5)], -1)
    np.testing.assert_allclose(jf, num, atol=1e-6)


def test_jacobian_pytree_layout_matches_jax():
    def f(p):
        return {"out": p["a"] * fnp.sum(p["b"]), "s": fnp.sum(p["a"])}

    p = {"a": np.arange(1.0, 3.0), "b": np.ones((2, 2))}
    jac = fg.jacrev(f)(p)
    assert jac["out"]["a"].shape == (2, 2) and jac["out"]["b"].shape == (2, 2, 2)
    assert jac["s"]["a"].shape == (2,) and jac["s"]["b"].shape == (2, 2)
    jf = fg.jacfwd(f)(p)
    for k1 in jac:
        for k2 in jac[k1]:
            np.testing.assert_allclose(jac[k1][k2], jf[k1][k2], atol=1e-12)


def test_hessian_and_hvp():
    def f(x):
        return fnp.sum(fnp.sin(x) * x ** 2) + x[0] * x[1] ** 3

    x = RNG.standard_normal(3)
    h = fg.hessian(f)(x)
    assert h.shape == (3, 3)
    np.testing.assert_allclose(h, h.T, atol=1e-12)
    eps = 1e-5
    num = np.stack([(fg.grad(f)(x + eps * e) - fg.grad(f)(x - eps * e)) / (2 * eps)
                    for e in np.eye(3)])
    np.testing.assert_allclose(h, num, atol=1e-6)
    v = RNG.standard_normal(3)
    np.testing.assert_allclose(fg.hvp(f, (x,), (v,)), h @ v, atol=1e-10)
    check_grads(lambda x: fg.jacrev(f)(x), (x,), order=1)


# ---------------------------------------------------------------------------------------
# errors


def test_in_axes_structure_error_shows_key_path():
    with pytest.raises(ValueError, match=r"in_axes must be a pytree prefix[\s\S]*key path \[0\]"
                                         r"[\s\S]*missing keys \['v'\]"):
        fg.vmap(lambda p: p["w"], in_axes=({"w": 0, "v": 0},))({"w": X, "b": X})


def test_in_axes_out_of_range_error():
    with pytest.raises(ValueError, match=r"in_axes=2 for argument\[0\] of shape \(4, 3\)"):
        fg.vmap(fnp.sin, in_axes=2)(X)


def test_inconsistent_sizes_error_lists_each_argument():
    with pytest.raises(ValueError,
                       match=r"inconsistent sizes[\s\S]*\[0\]: size 4[\s\S]*\[1\]: size 2"):
        fg.vmap(fnp.add)(X, np.ones((2, 3)))


def test_out_axes_none_for_batched_output_error():
    with pytest.raises(ValueError, match="out_axes is None for an output that depends"):
        fg.vmap(fnp.sin, out_axes=None)(X)


def test_python_control_flow_on_batched_value():
    with pytest.raises(ConcretizationError, match=r"batched value[\s\S]*fnp.where"):
        fg.vmap(lambda x: x if fnp.sum(x) > 0 else -x)(X)


def test_no_batched_argument_error():
    with pytest.raises(ValueError, match="pass axis_size"):
        fg.vmap(fnp.sin, in_axes=None)(X)


def test_missing_batching_rule_names_primitive():
    from fungrad.core import Primitive

    p = Primitive("test_unbatchable")
    p.def_impl(lambda x: x)
    p.def_abstract_eval(lambda x: x)
    try:
        with pytest.raises(MissingRuleError, match="`test_unbatchable`.*never falls back"):
            fg.vmap(p.bind)(X)
    finally:
        from fungrad.core import registry

        registry.pop("test_unbatchable")


def test_jax_signature_and_keyword_arguments_mapped_over_axis_0():
    f = lambda x, y, scale=1.0: (x * y).sum() * scale  # noqa: E731
    xs, ys = np.arange(6.0).reshape(3, 2), np.ones((3, 2))
    want = np.array([f(x, y) for x, y in zip(xs, ys)])
    np.testing.assert_allclose(fg.vmap(f, 0, 0, "batch")(xs, ys), want)  # axis_name accepted
    scales = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(fg.vmap(f, in_axes=(0, None))(xs, ys[0], scale=scales),
                               want * scales)
    np.testing.assert_allclose(fg.vmap(f, axis_size=3, chunk_size=2)(xs, y=ys), want)
