"""Issue 16: no silent wrong results, and errors a user can act on.

Each test is a reproduction from the bad-input battery, then the expected value or the
fragments the error must contain (the function, the argument or key path, and the fix).
"""

import math
import operator

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad.errors import ConcretizationError


def raises(exc, *fragments):
    """Context manager: ``exc`` is raised and its message contains every fragment."""
    return _Raises(exc, fragments)


class _Raises:
    def __init__(self, exc, fragments):
        self.exc, self.fragments = exc, fragments

    def __enter__(self):
        self.ctx = pytest.raises(self.exc)
        self.info = self.ctx.__enter__()
        return self.info

    def __exit__(self, *exc_info):
        suppressed = self.ctx.__exit__(*exc_info)
        message = str(self.info.value)
        for fragment in self.fragments:
            assert fragment in message, f"{fragment!r} not in: {message}"
        return suppressed


# ---------------------------------------------------------------------------------------
# Converting a value that carries a derivative to a Python/NumPy number


CONVERSIONS = {
    "float": (lambda x: float(x) * x, "float()"),
    "complex": (lambda x: complex(x).real * x, "complex()"),
    "item": (lambda x: x.item() * x, "item()"),
    "math.sin": (lambda x: math.sin(x) + x, "float()"),
    "np.float64": (lambda x: np.float64(x) * x, "fnp.sin"),
}


@pytest.mark.parametrize("name", sorted(CONVERSIONS))
@pytest.mark.parametrize("transform", ["grad", "jvp", "vjp", "vmap", "jit"])
def test_scalar_conversion_of_traced_value_raises(name, transform):
    fun, what = CONVERSIONS[name]
    calls = {
        "grad": lambda: fg.grad(fun)(2.0),
        "jvp": lambda: fg.jvp(fun, (2.0,), (1.0,)),
        "vjp": lambda: fg.vjp(fun, 2.0),
        "vmap": lambda: fg.vmap(fun)(np.ones(2)),
        "jit": lambda: fg.jit(fun)(2.0),
    }
    with raises(TypeError, what, "fnp.sin") as info:
        calls[transform]()
    if name != "np.float64":
        assert isinstance(info.value, ConcretizationError)
        assert "stop_gradient" in str(info.value)


def test_scalar_conversion_message_names_transform_and_derivative():
    with raises(ConcretizationError, "float()", "grad of", "carries a derivative",
                "fg.stop_gradient"):
        fg.grad(lambda x: math.sin(x))(2.0)


def test_conversions_that_drop_nothing_still_work_under_grad():
    # Python control flow under eager grad (JAX's JVPTracer allows it too).
    assert fg.grad(lambda x: x if x > 0 else -x)(-2.0) == -1.0
    assert fg.grad(lambda x: x * bool(x))(2.0) == 1.0
    # int() is piecewise constant: its zero derivative is the right one (as in JAX).
    assert fg.grad(lambda x: int(x) * x)(2.5) == 2.0
    # The derivative was dropped on purpose.
    assert fg.grad(lambda x: float(fg.stop_gradient(x)) * x)(3.0) == 3.0
    # Values without a derivative convert: an argument not differentiated, an integer.
    assert fg.grad(lambda x, y: x * float(y))(2.0, 3.0) == 3.0
    assert fg.grad(lambda x, n: x * [1.0, 2.0, 4.0][n], allow_int=True)(1.0, 2) == 4.0
    assert fg.grad(lambda x, n: x * n.item(), allow_int=True)(1.0, np.int64(3)) == 3.0


def test_operator_index_of_float_tracer_raises():
    with raises(TypeError, "index", "astype(int)"):
        fg.grad(lambda x: [1.0, 2.0, 3.0][x] * x)(2.0)
    with raises(TypeError, "index"):
        fg.grad(lambda x: operator.index(x) * x)(2.0)


# ---------------------------------------------------------------------------------------
# argnums and jvp tangents


def test_grad_repeated_argnums_raises():
    with raises(ValueError, "grad of", "argnums=(0, 0)", "more than once"):
        fg.grad(lambda x, y: x * y, argnums=(0, 0))(2.0, 3.0)
    with raises(ValueError, "argnums=(1, -1)"):
        fg.grad(lambda x, y: x * y, argnums=(1, -1))(2.0, 3.0)


def test_grad_argnums_given_a_name_suggests_the_position():
    def f(x, y):
        return x * y

    with raises(TypeError, "grad of `", "argnums must be an int", "'y'", "argnums=1"):
        fg.grad(f, argnums="y")(2.0, 3.0)
    with raises(TypeError, "argnums must be an int", "argnames"):
        fg.grad(f, argnums="z")(2.0, 3.0)
    for bad in (1.0, (), True):
        with raises(TypeError, "argnums must be an int"):
            fg.grad(f, argnums=bad)(2.0, 3.0)
    assert fg.grad(f, argnums=np.int64(1))(2.0, 3.0) == 2.0


def test_jvp_float_tangent_for_integer_primal_raises():
    with raises(TypeError, "jvp: tangent", "int64", "float0", "fg.float0"):
        fg.jvp(lambda x: x * 2, (np.int64(2),), (1.0,))
    with raises(TypeError, "tangent[1]", "float0"):
        fg.jvp(lambda x, n: x * n, (1.0, np.arange(3)), (1.0, np.ones(3)))
    out, t = fg.jvp(lambda x, n: x * n, (1.0, np.arange(3)), (1.0, np.zeros(3, fg.float0)))
    np.testing.assert_array_equal(t, np.arange(3.0))


# ---------------------------------------------------------------------------------------
# custom_jvp / custom_vjp rules whose primal output is not the function's


@fg.custom_jvp
def _wrong_primal_jvp(x):
    return fnp.sin(x)


@_wrong_primal_jvp.defjvp
def _wrong_primal_jvp_rule(primals, tangents):
    (x,), (t,) = primals, tangents
    return fnp.stack([fnp.sin(x), fnp.sin(x)]), fnp.cos(x) * t


@fg.custom_jvp
def _wrong_tangent_jvp(x):
    return fnp.sin(x)


@_wrong_tangent_jvp.defjvp
def _wrong_tangent_jvp_rule(primals, tangents):
    (x,), (t,) = primals, tangents
    return fnp.sin(x), fnp.stack([t, t])


@fg.custom_vjp
def _wrong_shape_fwd(x):
    return fnp.sin(x)


def _wrong_shape_fwd_fwd(x):
    return fnp.stack([x, x]), x


_wrong_shape_fwd.defvjp(_wrong_shape_fwd_fwd, lambda res, g: (g,))


@fg.custom_vjp
def _wrong_dtype_fwd(x):
    return fnp.sin(x)


def _wrong_dtype_fwd_fwd(x):
    return fnp.sin(x).astype(np.float32), x


_wrong_dtype_fwd.defvjp(_wrong_dtype_fwd_fwd, lambda res, g: (g,))

CUSTOM_PATHS = {
    "grad": lambda f: fg.grad(lambda x: fnp.sum(f(x)))(np.ones(3)),
    "vmap(grad)": lambda f: fg.vmap(fg.grad(lambda x: fnp.sum(f(x))))(np.ones((2, 3))),
    "grad(vmap)": lambda f: fg.grad(lambda x: fnp.sum(fg.vmap(f)(x)))(np.ones((2, 3))),
    "jit(grad)": lambda f: fg.jit(fg.grad(lambda x: fnp.sum(f(x))))(np.ones(3)),
    "grad(jit)": lambda f: fg.grad(lambda x: fnp.sum(fg.jit(f)(x)))(np.ones(3)),
}
CUSTOM_CASES = {
    "jvp primal": (_wrong_primal_jvp, ["custom JVP rule", "_wrong_primal_jvp_rule",
                                       "f64[2,3]", "f64[3]"]),
    "jvp tangent": (_wrong_tangent_jvp, ["_wrong_tangent_jvp_rule", "(2, 3)", "(3,)"]),
    "vjp fwd shape": (_wrong_shape_fwd, ["custom_vjp fwd", "_wrong_shape_fwd_fwd",
                                         "`_wrong_shape_fwd` returns f64[3]"]),
    "vjp fwd dtype": (_wrong_dtype_fwd, ["_wrong_dtype_fwd_fwd", "f32[3]", "f64[3]"]),
}


@pytest.mark.parametrize("path", sorted(CUSTOM_PATHS))
@pytest.mark.parametrize("case", sorted(CUSTOM_CASES))
def test_custom_rule_output_checked_on_every_path(case, path):
    fun, fragments = CUSTOM_CASES[case]
    if "vmap" in path:
        fragments = fragments[:2]  # the shapes carry the batch axis there
    with raises(fg.errors.CustomRuleError, *fragments):
        CUSTOM_PATHS[path](fun)


def test_custom_jvp_forward_mode_checks_primal():
    with raises(fg.errors.CustomRuleError, "_wrong_primal_jvp_rule", "f64[2,3]"):
        fg.jvp(_wrong_primal_jvp, (np.ones(3),), (np.ones(3),))


def test_custom_jvp_with_value_dependent_python_control_flow_still_works():
    @fg.custom_jvp
    def relu(x):
        return x if x > 0 else 0.0 * x

    relu.defjvp(lambda p, t: (relu(p[0]), t[0] * (p[0] > 0)))
    assert fg.grad(relu)(2.0) == 1.0


def test_python_bool_operand_promotes_under_tracing():
    # The staged output once claimed bool[] for a float times True.
    ir = fg.make_ir(lambda x: x * True)(2.0)
    assert ir.out_avals[0].dtype == np.float64
    assert fg.jit(lambda x: x * True)(np.float32(2.0)).dtype == np.float32
    assert fg.grad(lambda x: x * (x > 0))(2.0) == 1.0


# ---------------------------------------------------------------------------------------
# jit: captured arrays and static argument keys


def test_jit_bakes_captured_arrays_in_at_trace_time():
    weights = np.ones(3)

    @fg.jit
    def f(x):
        # One use that could be folded (sum of a constant) and one that is not.
        return x * weights + fnp.sum(weights * 2.0)

    np.testing.assert_array_equal(f(1.0), [7.0, 7.0, 7.0])
    weights[:] = 5.0
    np.testing.assert_array_equal(f(1.0), [7.0, 7.0, 7.0])
    f.clear_cache()
    np.testing.assert_array_equal(f(1.0), [35.0, 35.0, 35.0])


def test_jit_bakes_captured_arrays_inside_control_flow():
    table = np.ones(3)
    g = fg.jit(lambda x: fg.lax.cond(x > 0, lambda: x * table, lambda: -x * table))
    np.testing.assert_array_equal(g(1.0), [1.0, 1.0, 1.0])
    table[:] = 7.0
    np.testing.assert_array_equal(g(1.0), [1.0, 1.0, 1.0])


def test_jit_static_arguments_keyed_by_type():
    h = fg.jit(lambda n: fnp.full(3, n), static_argnums=0)
    assert [h(v).dtype for v in (1, 1.0, True)] == [np.int64, np.float64, np.bool_]
    assert h.trace_count == 3
    assert h((1,)).dtype == np.int64 and h((1.0,)).dtype == np.float64
    h(1)
    assert h.trace_count == 5


# ---------------------------------------------------------------------------------------
# det at singular matrices: the adjugate (the table rows in tests/tables/singular_linalg.py
# compare these with JAX, to second order)


def test_grad_det_at_singular_matrices_is_the_adjugate():
    np.testing.assert_allclose(fg.grad(fnp.linalg.det)(np.array([[1.0, 2.0], [2.0, 4.0]])),
                               [[4.0, -2.0], [-2.0, 1.0]], atol=1e-12)
    rank2 = np.arange(1.0, 10.0).reshape(3, 3)
    np.testing.assert_allclose(fg.grad(fnp.linalg.det)(rank2),
                               [[-3.0, 6.0, -3.0], [6.0, -12.0, 6.0], [-3.0, 6.0, -3.0]],
                               atol=1e-12)
    rank1 = np.outer([1.0, 2.0, 3.0], [1.0, -1.0, 2.0])
    np.testing.assert_allclose(fg.grad(fnp.linalg.det)(rank1), np.zeros((3, 3)), atol=1e-12)
    hess = fg.hessian(fnp.linalg.det)(np.array([[1.0, 2.0], [2.0, 4.0]]))
    expected = np.zeros((2, 2, 2, 2))
    expected[0, 0, 1, 1] = expected[1, 1, 0, 0] = 1.0
    expected[0, 1, 1, 0] = expected[1, 0, 0, 1] = -1.0
    np.testing.assert_allclose(hess, expected, atol=1e-12)


# ---------------------------------------------------------------------------------------
# BatchNorm state


@pytest.mark.parametrize("inference", [False, True])
def test_batchnorm_state_validated_against_the_layer(inference):
    bn = fg.nn.BatchNorm(4, dtype=np.float64)
    x = np.ones((2, 4))
    one = fg.nn.BatchNormState(np.zeros(1), np.ones(1))  # once broadcast silently
    with raises(fg.errors.ShapeError, "BatchNorm(4)", "state.mean", "(1,)", "(4,)",
                "initial_state()"):
        bn(x, one, inference=inference)
    other = fg.nn.BatchNorm(3).initial_state()
    with raises(fg.errors.ShapeError, "BatchNorm(4)", "state.mean", "(3,)"):
        bn(x, other, inference=inference)
    with raises(fg.errors.ShapeError, "state.var", "(2,)"):
        bn(x, fg.nn.BatchNormState(np.zeros(4), np.ones(2)), inference=inference)
    for bad in (None, (np.zeros(4), np.ones(4))):
        with raises(TypeError, "BatchNorm(4)", "state must be a BatchNormState",
                    "initial_state()"):
            bn(x, bad, inference=inference)
    y, state = fg.jit(lambda s: bn(x, s, inference=inference))(bn.initial_state())
    assert isinstance(state, fg.nn.BatchNormState) and y.shape == (2, 4)


# ---------------------------------------------------------------------------------------
# Errors a user can act on


def test_loss_aux_pair_without_has_aux_suggests_it():
    with raises(TypeError, "grad of", "scalar output", "tuple", "has_aux=True"):
        fg.grad(lambda x: (x * x, x))(2.0)


def test_none_output_under_grad():
    with raises(TypeError, "grad of", "output", "None", "return"):
        fg.grad(lambda x: None)(2.0)


@pytest.mark.parametrize("transform", ["grad", "vmap", "jit", "jvp", "vjp"])
def test_string_output_names_transform_and_output(transform):
    def f(x):
        return {"loss": fnp.sum(x), "name": "a"}

    calls = {
        "grad": lambda: fg.grad(lambda x: f(x)["name"])(np.ones(2)),
        "vmap": lambda: fg.vmap(f)(np.ones((3, 2))),
        "jit": lambda: fg.jit(f)(np.ones(2)),
        "jvp": lambda: fg.jvp(f, (np.ones(2),), (np.ones(2),)),
        "vjp": lambda: fg.vjp(f, np.ones(2)),
    }
    fragments = [f"{transform} of", "output", "str", "not an array"]
    if transform != "grad":
        fragments.append("output['name']")
    with raises(TypeError, *fragments):
        calls[transform]()


def test_string_in_aux_passes_eagerly_and_is_named_under_jit():
    # JAX's eager grad returns non-array aux as is; jit's output check names the leaf.
    assert fg.grad(lambda x: (x * x, {"k": "a"}), has_aux=True)(2.0)[1] == {"k": "a"}
    with raises(TypeError, "jit of", "output[1]['k']", "str"):
        fg.jit(fg.grad(lambda x: (x * x, {"k": "a"}), has_aux=True))(2.0)


def test_none_output_is_an_empty_pytree_under_vmap_and_jit():
    assert fg.vmap(lambda x: None)(np.ones(2)) is None
    assert fg.jit(lambda x: None)(2.0) is None


@pytest.mark.parametrize("bad", [0.5, (0, "1"), True])
def test_vmap_in_axes_of_wrong_type(bad):
    with raises(TypeError, "vmap of", "in_axes must be an int, None", "in_axes=(0, None)"):
        fg.vmap(lambda x, y: x, in_axes=bad)


def test_vmap_out_axes_of_wrong_type():
    with raises(TypeError, "vmap of", "out_axes must be an int, None"):
        fg.vmap(lambda x: x, out_axes=0.0)


@pytest.mark.parametrize("bad", [0, -2, 1.5])
def test_vmap_chunk_size_must_be_positive(bad):
    with raises(ValueError, "vmap of", "chunk_size must be a positive int or None", repr(bad)):
        fg.vmap(lambda x: x, chunk_size=bad)


def test_vmap_negative_axis_size():
    with raises(ValueError, "axis_size must be a non-negative int"):
        fg.vmap(lambda x: x, in_axes=None, axis_size=-1)


def test_jit_string_argument_suggests_static():
    with raises(TypeError, "jit of", "argument `mode`", "str", "static_argnums=1",
                "static_argnames='mode'"):
        fg.jit(lambda x, mode: x)(2.0, "fast")


@pytest.mark.parametrize("make", [
    lambda n: fnp.zeros(n), lambda n: fnp.ones((2, n)), lambda n: fnp.full(n, 1.0)])
def test_creation_with_traced_shape_says_shapes_are_static(make):
    with raises(ConcretizationError, "fnp.", "shape", "traced", "Shapes must be static",
                "static_argnums"):
        fg.jit(make)(3)
    with raises(ConcretizationError, "Shapes must be static"):
        fg.vmap(make)(np.arange(1, 3))
    # A concrete integer shape is fine, also when it arrives as a static argument.
    assert fg.jit(make, static_argnums=0)(3).size in (3, 6)


def test_setitem_on_tracer_suggests_at_set():
    def f(x):
        x[0] = 5.0
        return x

    for transform in (fg.jit, fg.grad):
        g = transform(f) if transform is fg.jit else fg.grad(lambda x: fnp.sum(f(x)))
        with raises(TypeError, "immutable", "x[0] = ...", "x = x.at[0].set(value)"):
            g(np.ones(3))


def test_cond_and_switch_with_non_callable_branch():
    with raises(TypeError, "lax.cond", "true_fun must be a function", "lambda *_: value"):
        fg.lax.cond(True, 1.0, lambda: 2.0)
    with raises(TypeError, "lax.cond", "false_fun must be a function", "*operands"):
        fg.lax.cond(True, lambda x: x, 3, 1.0)
    with raises(TypeError, "lax.switch", "branches[1] must be a function"):
        fg.lax.switch(0, [lambda x: x, None], 1.0)
    with raises(TypeError, "lax.cond", "pred must be a boolean"):
        fg.lax.cond(None, lambda: 1.0, lambda: 2.0)


def test_checkpoint_policy_errors():
    policies = fg.checkpoint_policies
    with raises(TypeError, "checkpoint", "save_only_these_names is the policy factory",
                "save_only_these_names('hidden')"):
        fg.checkpoint(fnp.sin, policy=policies.save_only_these_names)
    layer = fg.checkpoint(lambda x: fnp.sin(x) * 2.0, policy=lambda: True)
    with raises(TypeError, "checkpoint", "policy `<lambda>`",
                "policy(prim, *avals, **params)", "fg.checkpoint_policies"):
        fg.grad(layer)(1.0)
    named = fg.checkpoint(lambda x: fnp.sin(x) * 2.0, policy=policies.save_only_these_names())
    assert np.isclose(fg.grad(named)(1.0), 2.0 * np.cos(1.0))


def test_checkpoint_unhashable_static_argument():
    layer = fg.checkpoint(lambda x, s: x * len(s), static_argnums=(1,))
    for call in (lambda: layer(1.0, [1]), lambda: fg.grad(layer)(1.0, [1])):
        with raises(fg.errors.UnhashableStaticArgError, "checkpoint of", "position 1",
                    "list", "tuple instead of a list"):
            call()
    assert fg.grad(layer)(1.0, (1, 2)) == 2.0


# ---------------------------------------------------------------------------------------
# Optimizers


def test_optimizer_state_of_another_optimizer():
    optim = fg.optim
    params = {"w": np.ones(2)}
    grads = {"w": np.ones(2)}
    with raises(TypeError, "ScaleByAdamState", "EmptyState", "another optimizer",
                "init(params)"):
        optim.sgd(0.1).update(grads, optim.adam(0.1).init(params), params)
    with raises(TypeError, "scale_by_adam", "TraceState", "ScaleByAdamState"):
        optim.adam(0.1).update(grads, optim.sgd(0.1, momentum=0.9).init(params), params)
    with raises(ValueError, "chain", "tuple of 2 states"):
        optim.adam(0.1).update(grads, optim.rmsprop(0.1).init(params), params)


def test_schedule_of_the_wrong_signature_or_result():
    optim = fg.optim
    params = {"w": np.ones(2)}
    with raises(TypeError, "learning_rate", "schedule(count)", "function of the step count"):
        optim.sgd(lambda: 0.1)
    with raises(TypeError, "learning_rate", "missing a required argument"):
        optim.sgd(lambda count, other: 0.1)
    for bad, fragment in ((lambda c: np.ones(2), "shape (2,)"), (lambda c: "a", "'a'")):
        opt = optim.sgd(bad)
        with raises(TypeError, "learning_rate", "schedule", fragment, "real scalar"):
            opt.update(params, opt.init(params), params)
    with raises(TypeError, "scale_by_schedule", "schedule(count)"):
        optim.scale_by_schedule(lambda: 1.0)


@pytest.mark.parametrize("bad, fragment", [("0.1", "without quotes"), ([0.1], "list"),
                                           (None, "NoneType"), (np.ones(2), "shape (2,)")])
def test_learning_rate_and_hyperparameters_must_be_real_scalars(bad, fragment):
    optim = fg.optim
    if bad is None:  # None means no scaling in scale_by_learning_rate; b1 must be a number
        with raises(TypeError, "scale_by_adam: b1", fragment):
            optim.adam(0.1, b1=bad)
        return
    with raises(TypeError, "learning_rate must be", fragment):
        optim.sgd(bad)
    with raises(TypeError, "scale_by_adam: b1 must be", fragment):
        optim.adam(0.1, b1=bad)
    # Scalars of every kind still work: Python, NumPy, 0-d arrays.
    for lr in (0.1, np.float32(0.1), np.array(0.1)):
        opt = optim.adam(lr)
        params = {"w": np.ones(2)}
        opt.update(params, opt.init(params), params)


# ---------------------------------------------------------------------------------------
# Found by probing beyond the list


def test_linearize_f_jvp_checks_tangents():
    _, f_jvp = fg.linearize(lambda x: x * 2.0, np.arange(3.0))
    with raises(ValueError, "linearize's f_jvp", "tangent[0]", "(2,)", "(3,)"):
        f_jvp(np.ones(2))  # once broadcast silently to [2., 2.]
    with raises(TypeError, "linearize's f_jvp", "str"):
        f_jvp("a")
    np.testing.assert_array_equal(f_jvp(np.ones(3)), [2.0, 2.0, 2.0])


@pytest.mark.parametrize("transform", ["grad", "value_and_grad", "vjp", "jvp", "linearize",
                                       "vmap", "jit", "checkpoint", "jacfwd", "jacrev"])
def test_transforms_of_non_callables(transform):
    extra = ((1.0,), (1.0,)) if transform == "jvp" else ()
    with raises(TypeError, f"{transform}: expected a function", "not its result"):
        getattr(fg, transform)(3.0, *extra)


def test_hvp_needs_tuples():
    with raises(TypeError, "hvp", "tuples or lists", "hvp(f, (x,), (v,))"):
        fg.hvp(lambda x: fnp.sum(x ** 2), np.arange(3.0), np.ones(3))


def test_cotangent_that_is_not_an_array():
    _, pullback = fg.vjp(lambda x: x * 2.0, np.arange(3.0))
    with raises(TypeError, "vjp: cotangent", "str", "(3,)"):
        pullback("a")


def test_jit_bad_keyword_names_the_function():
    def f(x):
        return x

    with raises(TypeError, "jit of `", "unexpected keyword argument 'z'", "f(x)"):
        fg.jit(f)(2.0, z=3.0)


def test_jacrev_of_function_without_outputs():
    assert fg.jacrev(lambda x: None)(np.arange(3.0)) is None


def test_var_with_ddof_at_least_the_count_is_nan():
    # The divisor was N - ddof < 0: a variance of -0.0. JAX gives nan.
    assert np.isnan(fnp.var(np.ones(2), ddof=3))
    assert np.isnan(fnp.var(np.array([1.0, 2.0]), ddof=2))
    assert np.isnan(fg.jit(lambda x: fnp.std(x, ddof=5))(np.ones(3)))
    assert fnp.var(np.array([1.0, 3.0]), ddof=1) == 2.0


def test_round_with_traced_decimals():
    with raises(ConcretizationError, "fnp.round", "decimals must be a static"):
        fg.jit(lambda x, d: fnp.round(x, d))(np.ones(2), 1)


def test_non_array_operand_error_points_at_the_user_line():
    with raises(TypeError, "not an array", "test_robustness.py"):
        fnp.sin("a")


def test_loops_and_tree_map_with_non_callables():
    with raises(TypeError, "lax.scan: f must be a function"):
        fg.lax.scan(3, 0.0, np.ones(3))
    with raises(TypeError, "lax.fori_loop: body_fun must be a function"):
        fg.lax.fori_loop(0, 3, None, 0.0)
    with raises(TypeError, "lax.while_loop: cond_fun must be a function"):
        fg.lax.while_loop(None, lambda c: c, 0.0)
    with raises(TypeError, "tree_map: f must be a function", "tree_map(f, tree)"):
        fg.tree_util.tree_map({"a": 1}, lambda x: x)


def test_jit_constant_outputs_cannot_corrupt_the_cache():
    table = np.ones(2)
    f = fg.jit(lambda x: table)
    out = f(1.0)
    with pytest.raises(ValueError, match="read-only"):
        out[0] = 5.0
    np.testing.assert_array_equal(f(1.0), [1.0, 1.0])


def test_python_round_and_format_of_tracers():
    assert fg.grad(lambda x: round(x) * x)(2.3) == 2.0
    assert fg.grad(lambda x: (f"{x:.2f}", x * x)[1])(2.0) == 4.0  # logging under grad
    with raises(ConcretizationError, "format(x, '.2f')", "jit of"):
        fg.jit(lambda x: f"{x:.2f}" and x)(1.0)


def test_hypot_of_inf_and_nan_is_inf():
    # IEEE, NumPy and JAX: an infinite side wins over nan.
    np.testing.assert_array_equal(fnp.hypot(np.array([np.inf, -np.inf, np.nan]),
                                            np.array([np.nan, np.nan, np.inf])), np.inf)
    assert fg.jit(fnp.hypot)(np.nan, np.inf) == np.inf


def test_round_integers_to_negative_decimals_stays_integer():
    out = fnp.round(np.array([15, 25, 14]), -1)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out, np.round(np.array([15, 25, 14]), -1))


def test_grad_through_staged_custom_vjp():
    # grad of jit / cond / scan / checkpoint of a custom_vjp function once raised the
    # forward-mode error: the staged JVP of an IR now stages fwd and transposes bwd.
    @fg.custom_vjp
    def f(x):
        return fnp.sin(x)

    f.defvjp(lambda x: (fnp.sin(x), fnp.cos(x)), lambda cos_x, g: (2.0 * g * cos_x,))
    x = np.linspace(0.0, 1.0, 3)
    expected = 2.0 * np.cos(x)
    wrappers = [fg.jit, fg.checkpoint,
                lambda g: lambda x: fg.lax.cond(True, lambda: g(x), lambda: x)]
    for wrap in wrappers:
        np.testing.assert_allclose(fg.grad(lambda x: fnp.sum(wrap(f)(x)))(x), expected)
    scanned = fg.grad(lambda x: fg.lax.scan(lambda c, xi: (c + f(xi), None), 0.0, x)[0])
    np.testing.assert_allclose(scanned(x), expected)
    with raises(TypeError, "custom_vjp", "forward-mode jvp", "custom_jvp"):
        fg.jvp(fg.jit(f), (x,), (x,))


@pytest.mark.parametrize("bad", [None, np.zeros(4), (np.zeros(4),)])
def test_lstm_cell_state_must_be_a_pair(bad):
    cell = fg.nn.LSTMCell(3, 4, key=fg.random.PRNGKey(0))
    with raises(TypeError, "LSTMCell", "state must be a pair (h, c)", "fnp.zeros(4)"):
        cell(np.ones(3, np.float32), bad)


def test_conv2d_promotes_like_linear():
    conv = fg.nn.Conv2d(3, 4, 3, key=fg.random.PRNGKey(0))
    for dtype, expected in ((np.float32, np.float32), (np.float64, np.float64),
                            (np.int64, np.float64)):
        assert conv(np.ones((1, 5, 5, 3), dtype)).dtype == expected


def test_sequential_of_a_non_sequence():
    with raises(TypeError, "Sequential", "list or tuple of layers"):
        fg.nn.Sequential(None)
    with raises(TypeError, "Sequential", "list or tuple"):
        fg.nn.Sequential(fg.nn.relu)


def test_debug_print_with_a_missing_field():
    with raises(ValueError, "debug.print", "'x'", "x=x"):
        fg.debug.print("{x}", y=1.0)


def test_schedule_hyperparameters_must_be_numbers():
    optim = fg.optim
    with raises(TypeError, "polynomial_schedule: init_value must be a real number", "'a'"):
        optim.linear_schedule("a", 0.0, 5)
    with raises(TypeError, "exponential_decay: decay_rate", "write 0.5 without quotes"):
        optim.exponential_decay(0.1, 10, "0.5")
    with raises(TypeError, "cosine_decay_schedule: init_value", "NoneType"):
        optim.cosine_decay_schedule(None, 10)


def test_checkpoint_bakes_captured_arrays_like_jit():
    # A cached checkpoint trace once mixed a constant-folded old value with a live new one.
    weights = np.ones(3)
    layer = fg.checkpoint(lambda x: fnp.sum(x * weights) + fnp.sum(weights * 2.0))
    assert fg.value_and_grad(layer)(1.0) == (9.0, 3.0)
    weights[:] = 5.0
    assert fg.value_and_grad(layer)(1.0) == (9.0, 3.0)
