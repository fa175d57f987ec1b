"""The transform API (grad, value_and_grad, vjp, jvp, linearize, custom rules) and its errors."""

import collections

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad import lax
from fungrad.errors import (
    ConcretizationError,
    CustomRuleError,
    LeakedTracerError,
    ShapeError,
    TracerArrayConversionError,
)
from fungrad.test_util import check_grads


def loss(params, x):
    return fnp.sum(fnp.tanh(x * params["w"] + params["b"]) ** 2)


PARAMS = {"w": np.array([0.5, -1.0, 2.0]), "b": np.array(0.25)}
X = np.array([1.0, 2.0, 3.0])


# ---------------------------------------------------------------------------------------
# grad and value_and_grad


def test_grad_of_pytree_matches_finite_differences():
    g = fg.grad(loss)(PARAMS, X)
    assert set(g) == {"w", "b"} and g["w"].shape == (3,) and np.shape(g["b"]) == ()
    eps = 1e-6
    for i in range(3):
        d = np.zeros(3)
        d[i] = eps
        num = (loss({"w": PARAMS["w"] + d, "b": PARAMS["b"]}, X)
               - loss({"w": PARAMS["w"] - d, "b": PARAMS["b"]}, X)) / (2 * eps)
        np.testing.assert_allclose(g["w"][i], num, rtol=1e-5, atol=1e-9)


def test_argnums_tuple_and_value_and_grad():
    f = lambda x, y, z: fnp.sum(x * y) + z  # noqa: E731
    value, (gx, gz) = fg.value_and_grad(f, argnums=(0, 2))(X, 2 * X, 1.5)
    np.testing.assert_allclose(value, np.sum(2 * X * X) + 1.5)
    np.testing.assert_allclose(gx, 2 * X)
    np.testing.assert_allclose(gz, 1.0)
    np.testing.assert_allclose(fg.grad(f, argnums=-2)(X, 2 * X, 1.5), X)


def test_has_aux():
    def f(x):
        y = fnp.sum(x ** 2)
        return y, {"y": y, "half": x / 2}

    g, aux = fg.grad(f, has_aux=True)(X)
    np.testing.assert_allclose(g, 2 * X)
    np.testing.assert_allclose(aux["y"], np.sum(X ** 2))
    assert isinstance(aux["half"], np.ndarray)  # aux comes back as plain values
    (value, aux2), g2 = fg.value_and_grad(f, has_aux=True)(X)
    np.testing.assert_allclose(value, aux2["y"])


def test_has_aux_passes_non_array_leaves_through():
    """As JAX's eager grad/vjp/jacrev: aux metadata (strings, objects) comes back as is;
    jit still rejects a string output."""
    tag = object()

    def f(x):
        return fnp.sum(x ** 2), {"name": "loss", "tag": tag, "x": x, "none": None}

    g, aux = fg.grad(f, has_aux=True)(X)
    np.testing.assert_allclose(g, 2 * X)
    assert aux["name"] == "loss" and aux["tag"] is tag and aux["none"] is None
    np.testing.assert_allclose(aux["x"], X)
    (_, aux2), _ = fg.value_and_grad(f, has_aux=True)(X)
    assert aux2["name"] == "loss"
    assert fg.vjp(f, X, has_aux=True)[2]["tag"] is tag
    assert fg.jacrev(f, has_aux=True)(X)[1]["name"] == "loss"
    assert fg.jvp(f, (X,), (X,), has_aux=True)[2]["name"] == "loss"
    with pytest.raises(TypeError, match=r"output\[1\]\['name'\] is a str"):
        fg.jit(fg.grad(f, has_aux=True))(X)


def test_allow_int_gives_float0():
    g = fg.grad(lambda x, n: fnp.sum(x) * n, argnums=(0, 1), allow_int=True)(X, 3)
    np.testing.assert_allclose(g[0], 3.0 * np.ones(3))
    assert g[1].dtype == fg.float0


def test_float32_stays_float32():
    x = np.ones(3, np.float32)
    g = fg.grad(lambda x: fnp.sum(x * 2.0 + 1))(x)
    assert g.dtype == np.float32


def test_grad_of_function_ignoring_input_is_zero():
    g = fg.grad(lambda x, y: fnp.sum(y), argnums=0)(X, X)
    np.testing.assert_array_equal(g, np.zeros(3))


def test_python_control_flow_under_grad():
    def f(x):
        return x * x if x > 0 else -x

    assert fg.grad(f)(3.0) == 6.0
    assert fg.grad(f)(-3.0) == -1.0


def test_higher_order_nesting():
    f = lambda x: fnp.sin(x) * x ** 2  # noqa: E731
    check_grads(f, (0.7,), order=3)
    # grad of jvp and jvp of grad agree (forward-over-reverse == reverse-over-forward)
    a = fg.jvp(fg.grad(f), (0.7,), (1.0,))[1]
    b = fg.grad(lambda x: fg.jvp(f, (x,), (1.0,))[1])(0.7)
    np.testing.assert_allclose(a, b)


# ---------------------------------------------------------------------------------------
# vjp, jvp, linearize


def test_vjp_pytree_in_and_out():
    def f(p):
        return {"a": p["x"] * 2, "b": (fnp.sum(p["y"]),)}

    p = {"x": X, "y": X + 1}
    out, pullback = fg.vjp(f, p)
    (ct,) = pullback({"a": np.ones(3), "b": (np.array(2.0),)})
    np.testing.assert_allclose(ct["x"], 2 * np.ones(3))
    np.testing.assert_allclose(ct["y"], 2 * np.ones(3))


def test_jvp_and_linearize_agree():
    f = lambda x, y: fnp.sin(x) * y  # noqa: E731
    out, t = fg.jvp(f, (X, 2.0), (np.ones(3), 0.5))
    out2, f_jvp = fg.linearize(f, X, 2.0)
    np.testing.assert_allclose(out, out2)
    np.testing.assert_allclose(f_jvp(np.ones(3), 0.5), t)
    np.testing.assert_allclose(t, np.cos(X) * 2.0 + np.sin(X) * 0.5)


def test_namedtuple_and_ordereddict_args():
    Point = collections.namedtuple("Point", "x y")
    g = fg.grad(lambda p: p.x * p.y)(Point(2.0, 3.0))
    assert isinstance(g, Point) and g == (3.0, 2.0)
    od = collections.OrderedDict([("b", 1.0), ("a", 2.0)])
    g = fg.grad(lambda d: d["a"] * d["b"] ** 2)(od)
    assert list(g.keys()) == ["b", "a"]


def test_stop_gradient_on_pytree():
    g = fg.grad(lambda x: fnp.sum(fg.stop_gradient({"v": x})["v"] * x))(X)
    np.testing.assert_allclose(g, X)


# ---------------------------------------------------------------------------------------
# custom_jvp / custom_vjp


@fg.custom_jvp
def softplus(x):
    return fnp.log1p(fnp.exp(x))


@softplus.defjvp
def _softplus_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return softplus(x), t * (1 / (1 + fnp.exp(-x)))


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning")
def test_custom_jvp_used_in_both_modes_and_second_order():
    assert float(fg.grad(softplus)(1000.0)) == 1.0  # the naive gradient would be nan
    np.testing.assert_allclose(fg.jvp(softplus, (0.0,), (2.0,))[1], 1.0)
    check_grads(softplus, (0.3,), order=2)


def test_custom_jvp_nondiff_argnums_and_defjvps():
    from functools import partial

    @partial(fg.custom_jvp, nondiff_argnums=(0,))
    def scale(k, x):
        return k * x

    @scale.defjvp
    def scale_jvp(k, primals, tangents):
        return scale(k, primals[0]), 10.0 * tangents[0]  # deliberately "wrong": we see it

    assert fg.grad(lambda x: scale(3.0, x))(1.0) == 10.0

    @fg.custom_jvp
    def mul(x, y):
        return x * y

    mul.defjvps(lambda t, ans, x, y: t * y, lambda t, ans, x, y: x * t)
    assert fg.grad(mul, argnums=1)(2.0, 5.0) == 2.0


def test_custom_vjp_pytree_residuals_nondiff_and_none_cotangents():
    from functools import partial

    @partial(fg.custom_vjp, nondiff_argnums=(0,))
    def f(name, x, y):
        return fnp.sin(x) * y

    def f_fwd(name, x, y):
        return f(name, x, y), {"cos": fnp.cos(x), "y": y}

    def f_bwd(name, res, g):
        assert name == "tag"
        return (g * res["cos"] * res["y"], None)

    f.defvjp(f_fwd, f_bwd)
    gx, gy = fg.grad(lambda x, y: fnp.sum(f("tag", x, y)), argnums=(0, 1))(X, 2.0)
    np.testing.assert_allclose(gx, np.cos(X) * 2.0)
    assert gy == 0.0
    # reverse-over-reverse goes through the user's bwd, which is itself differentiable
    h = fg.grad(lambda x: fg.grad(lambda z: f("tag", z, 1.0))(x))(0.4)
    np.testing.assert_allclose(h, -np.sin(0.4))


def test_custom_vjp_under_forward_mode_raises():
    @fg.custom_vjp
    def f(x):
        return x

    f.defvjp(lambda x: (x, None), lambda r, g: (g,))
    with pytest.raises(TypeError, match="forward-mode"):
        fg.jvp(f, (1.0,), (1.0,))


def test_custom_rule_output_errors_name_function_and_path():
    @fg.custom_jvp
    def bad_shape(x):
        return x

    @bad_shape.defjvp
    def bad_shape_jvp(primals, tangents):
        return primals[0], fnp.ones((2,))

    with pytest.raises(CustomRuleError, match=r"bad_shape_jvp.*shape \(2,\).*shape \(3,\)"):
        fg.jvp(bad_shape, (X,), (X,))

    @fg.custom_jvp
    def bad_structure(x):
        return {"a": x}

    @bad_structure.defjvp
    def bad_structure_jvp(primals, tangents):
        return {"a": primals[0]}, (tangents[0],)

    with pytest.raises(CustomRuleError, match=r"wrong structure[\s\S]*expected.*'a'"):
        fg.jvp(bad_structure, (1.0,), (1.0,))

    @fg.custom_vjp
    def bad_bwd(x, y):
        return x * y

    bad_bwd.defvjp(lambda x, y: (x * y, (x, y)), lambda res, g: (g * res[1],))
    with pytest.raises(CustomRuleError, match=r"<lambda>.*one cotangent per.*\(2\)"):
        fg.grad(bad_bwd)(1.0, 2.0)

    @fg.custom_vjp
    def bad_dtype(x):
        return x

    bad_dtype.defvjp(lambda x: (x, None), lambda r, g: (np.ones(3, np.int64),))
    with pytest.raises(CustomRuleError, match=r"leaf\[0\] has dtype int64"):
        fg.grad(lambda x: fnp.sum(bad_dtype(x)))(X)


# ---------------------------------------------------------------------------------------
# errors


def test_grad_non_scalar_output_error():
    with pytest.raises(TypeError, match=r"requires a scalar output.*shape \(3,\).*jacrev"):
        fg.grad(fnp.sin)(X)


def test_grad_integer_input_error():
    with pytest.raises(TypeError, match=r"argument 0 has dtype int64.*allow_int=True"):
        fg.grad(lambda x: x * 2.0)(3)
    with pytest.raises(TypeError, match=r"argument 0\['n'\] has dtype int64"):
        fg.grad(lambda p: p["x"] * p["n"])({"x": 1.0, "n": 3})


def test_shape_mismatch_names_primitive_shapes_and_user_line():
    with pytest.raises(ShapeError) as info:
        fg.make_ir(lambda x, y: lax.add(x, y))(np.ones(3), np.ones(4))
    msg = str(info.value)
    assert "add" in msg and "(3,)" in msg and "(4,)" in msg and "test_api.py" in msg
    with pytest.raises(ShapeError) as info:
        lax.mul(np.ones(3), np.ones(4))  # eager
    assert "mul" in str(info.value) and "test_api.py" in str(info.value)
    with pytest.raises(ShapeError, match=r"fnp.add.*\(3,\), \(4,\)[\s\S]*test_api.py"):
        fnp.add(np.ones(3), np.ones(4))


def test_bool_of_traced_value():
    # concrete under grad: works
    assert fg.grad(lambda x: x if x > 1 else 2 * x)(3.0) == 1.0
    # abstract under staging: a clear error
    with pytest.raises(ConcretizationError, match=r"bool\(\).*fnp.where.*static_argnums"):
        fg.make_ir(lambda x: x if x > 1 else 2 * x)(3.0)


def test_tracer_to_numpy_error():
    with pytest.raises(TracerArrayConversionError, match=r"Cannot convert a traced value.*fnp"):
        fg.grad(lambda x: np.asarray(x).sum())(X)


def test_leaked_tracer_error():
    leaked = []

    def f(x):
        leaked.append(x)
        return x * 2

    fg.grad(f)(1.0)
    with pytest.raises(LeakedTracerError, match=r"leaked tracer ~?f64\[\].*grad of `.*f`"):
        fnp.sin(leaked[0])
    with pytest.raises(LeakedTracerError, match="leaked"):
        fg.grad(lambda y: y * leaked[0])(2.0)


def test_has_aux_without_pair_error():
    with pytest.raises(TypeError, match="has_aux=True expects the function to return a pair"):
        fg.grad(lambda x: x * 2, has_aux=True)(1.0)


def test_jvp_tangent_errors():
    with pytest.raises(ValueError, match=r"tangent\[0\] has shape \(2,\).*\(3,\)"):
        fg.jvp(fnp.sin, (X,), (np.ones(2),))
    with pytest.raises(TypeError,
                       match=r"tangent\[0\] has dtype float32 but its primal has dtype float64"):
        fg.jvp(fnp.sin, (X,), (np.ones(3, np.float32),))


def test_non_array_argument_error():
    with pytest.raises(TypeError, match=r"argument\[0\]\['f'\] is a str"):
        fg.grad(lambda d: 1.0)({"f": "hello"})


def test_make_ir_prints_readably():
    text = str(fg.make_ir(lambda x: fnp.sum(fnp.sin(x) * 2.0))(X))
    assert "sin a" in text and "mul b 2.0" in text and "f64[3]" in text


def test_tracer_reshape_honours_order():
    x = np.arange(6.0).reshape(2, 3)
    g = fg.grad(lambda x: fnp.sum(x.reshape(3, 2, order="F")[0] * np.array([0.0, 1.0])))(x)
    expected = np.zeros((2, 3))
    expected[1, 1] = 1.0  # F-order reshape: element [0, 1] of the result is x[1, 1]
    np.testing.assert_array_equal(g, expected)
