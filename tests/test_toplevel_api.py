"""The top-level API beyond the transforms: eval_shape, make_jaxpr, custom_gradient,
linear_transpose, closure_convert, pure_callback, named scopes, caches, leak checks,
option states, typing, ad_checkpoint, devices and the Array type of results.

Each name's signature is compared with JAX 0.10.2's (parameter names, order, kinds and
defaults) where JAX is installed."""

import inspect
import types

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad.errors import CustomRuleError, LeakedTracerError
from fungrad.test_util import check_grads

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")
jax.config.update("jax_enable_x64", True)

X = np.array([0.3, -1.2, 2.0])


# ---------------------------------------------------------------------------------------
# Signatures against JAX


def _params(fn):
    return [(p.name, p.kind) for p in inspect.signature(fn).parameters.values()]


def _plain_defaults(fn):
    """Defaults that are plain values (JAX uses private sentinels for some)."""
    return {p.name: p.default for p in inspect.signature(fn).parameters.values()
            if p.default is not inspect.Parameter.empty
            and isinstance(p.default, (int, float, str, bool, tuple, type(None)))}


SIGNATURES = [
    ("eval_shape", fg.eval_shape, lambda: jax.eval_shape),
    ("ShapeDtypeStruct", fg.ShapeDtypeStruct, lambda: jax.ShapeDtypeStruct),
    ("make_jaxpr", fg.make_jaxpr, lambda: jax.make_jaxpr),
    ("custom_gradient", fg.custom_gradient, lambda: jax.custom_gradient),
    ("linear_transpose", fg.linear_transpose, lambda: jax.linear_transpose),
    ("closure_convert", fg.closure_convert, lambda: jax.closure_convert),
    ("pure_callback", fg.pure_callback, lambda: jax.pure_callback),
    ("named_scope", fg.named_scope, lambda: jax.named_scope),
    ("named_call", fg.named_call, lambda: jax.named_call),
    ("clear_caches", fg.clear_caches, lambda: jax.clear_caches),
    ("checking_leaks", fg.checking_leaks, lambda: jax.checking_leaks),
    ("devices", fg.devices, lambda: jax.devices),
    ("local_devices", fg.local_devices, lambda: jax.local_devices),
    ("device_count", fg.device_count, lambda: jax.device_count),
    ("default_backend", fg.default_backend, lambda: jax.default_backend),
    ("device_put", fg.device_put, lambda: jax.device_put),
    ("device_get", fg.device_get, lambda: jax.device_get),
    ("block_until_ready", fg.block_until_ready, lambda: jax.block_until_ready),
    ("effects_barrier", fg.effects_barrier, lambda: jax.effects_barrier),
    ("debug_nans.__call__", fg.debug_nans.__call__, lambda: jax.debug_nans.__call__),
    ("ensure_compile_time_eval", fg.ensure_compile_time_eval,
     lambda: jax.ensure_compile_time_eval),
    ("local_device_count", fg.local_device_count, lambda: jax.local_device_count),
    ("typeof", fg.typeof, lambda: jax.typeof),
    ("transfer_guard", fg.transfer_guard, lambda: jax.transfer_guard),
    *[(f"{n}.__call__", getattr(fg, n).__call__, lambda n=n: getattr(jax, n).__call__)
      for n in ("default_device", "numpy_dtype_promotion", "numpy_rank_promotion",
                "default_matmul_precision", "log_compiles", "enable_checks", "debug_key_reuse",
                "transfer_guard_host_to_device", "transfer_guard_device_to_host",
                "transfer_guard_device_to_device")],
    ("save_any_names_but_these", fg.checkpoint_policies.save_any_names_but_these,
     lambda: jax.checkpoint_policies.save_any_names_but_these),
]


@pytest.mark.parametrize("name,ours,theirs", SIGNATURES, ids=[s[0] for s in SIGNATURES])
def test_signature_matches_jax(name, ours, theirs):
    ref = theirs()
    if name == "ShapeDtypeStruct":
        ours, ref = ours.__init__, ref.__init__
    assert _params(ours) == _params(ref)
    ref_defaults = _plain_defaults(ref)
    for k, v in _plain_defaults(ours).items():
        if k in ref_defaults:
            assert v == ref_defaults[k], (name, k)


def test_module_names_match_jax():
    import jax.ad_checkpoint
    import jax.typing

    for module, ref in ((fg.typing, jax.typing), (fg.ad_checkpoint, jax.ad_checkpoint)):
        public = {n for n in dir(ref) if not n.startswith("_") and n[0].islower() or
                  n in ("ArrayLike", "DTypeLike")}
        public -= {"annotations"}
        assert public <= set(dir(module)), public - set(dir(module))
    assert isinstance(fg.ad_checkpoint, types.ModuleType)


# ---------------------------------------------------------------------------------------
# eval_shape and ShapeDtypeStruct


def test_eval_shape_runs_no_arithmetic():
    calls = []

    def f(x, w):
        calls.append(type(x))
        return {"y": fnp.tanh(x @ w), "n": fnp.sum(x)}

    out = fg.eval_shape(f, fg.ShapeDtypeStruct((5, 3), np.float32), np.ones((3, 2)))
    assert out == {"y": fg.ShapeDtypeStruct((5, 2), np.float64),
                   "n": fg.ShapeDtypeStruct((), np.float32)}
    assert calls and not issubclass(calls[0], np.ndarray)  # traced, not computed
    ref = jax.eval_shape(lambda x, w: {"y": jnp.tanh(x @ w), "n": jnp.sum(x)},
                         jax.ShapeDtypeStruct((5, 3), np.float32), np.ones((3, 2)))
    assert [(o.shape, o.dtype) for o in fg.tree.leaves(out)] == \
        [(o.shape, o.dtype) for o in jax.tree.leaves(ref)]


def test_eval_shape_kwargs_and_weak_types():
    out = fg.eval_shape(lambda x, *, scale: x * scale, np.ones(2, np.float32), scale=2.0)
    assert out.shape == (2,) and out.dtype == np.float32
    weak = fg.eval_shape(lambda x: x * 2, 1.0)
    assert weak.weak_type and repr(weak) == "ShapeDtypeStruct(shape=(), dtype=float64, " \
                                            "weak_type=True)"


def test_shape_dtype_struct():
    s = fg.ShapeDtypeStruct([2, 3], "float32")
    assert s.shape == (2, 3) and s.dtype == np.float32 and s.ndim == 2 and s.size == 6
    assert s == fg.ShapeDtypeStruct((2, 3), np.float32) and hash(s) == hash(
        fg.ShapeDtypeStruct((2, 3), np.float32))
    assert repr(s) == repr(jax.ShapeDtypeStruct((2, 3), np.float32))
    with pytest.raises(ValueError, match="negative"):
        fg.ShapeDtypeStruct((2, -1), np.float32)
    with pytest.raises(TypeError, match="dtype must be given"):
        fg.ShapeDtypeStruct((2,), None)


def test_eval_shape_rejects_non_arrays():
    with pytest.raises(TypeError, match=r"eval_shape: argument\[0\]\[0\] is a str"):
        fg.eval_shape(lambda s: s, "text")


# ---------------------------------------------------------------------------------------
# make_jaxpr


def test_make_jaxpr_text_matches_jax_for_simple_programs():
    ours = fg.make_jaxpr(fnp.sin)(np.ones(3))
    assert str(ours) == "{ lambda ; a:f64[3]. let b:f64[3] = sin a in (b,) }"
    assert str(ours) == str(jax.make_jaxpr(jnp.sin)(np.ones(3)))
    for f, jf in [(lambda x: fnp.sin(fnp.cos(x)), lambda x: jnp.sin(jnp.cos(x))),
                  (lambda x: (x, 1.0), lambda x: (x, 1.0)), (lambda x: x, lambda x: x)]:
        assert str(fg.make_jaxpr(f)(1.0)) == str(jax.make_jaxpr(jf)(1.0))


def test_make_jaxpr_attributes():
    w = np.arange(3.0)
    closed = fg.make_jaxpr(lambda x: fnp.sin(x) * w + 1.0)(np.ones(3))
    assert [e.primitive.name for e in closed.eqns] == ["sin", "mul", "add"]
    assert [e.primitive.name for e in closed.jaxpr.eqns] == ["sin", "mul", "add"]
    assert closed.in_avals == [fg.ShapedArray((3,), np.float64)]
    assert closed.out_avals == [fg.ShapedArray((3,), np.float64)]
    assert len(closed.consts) == 1 and closed.consts[0] is w
    assert len(closed.jaxpr.constvars) == 1 and len(closed.jaxpr.invars) == 1
    np.testing.assert_allclose(closed(np.ones(3))[0], np.sin(1.0) * w + 1.0)
    text = str(closed)
    assert text.startswith("{ lambda a:f64[3] ; b:f64[3]. let\n") and "in (e,) }" in text


def test_make_jaxpr_static_argnums_and_return_shape():
    f = fg.make_jaxpr(lambda x, n: x ** n, static_argnums=1, return_shape=True)
    closed, shape = f(np.ones(2), 3)
    assert "integer_pow" in str(closed) or "pow" in str(closed)
    assert shape == fg.ShapeDtypeStruct((2,), np.float64)
    with pytest.raises(ValueError, match="static_argnums=5 is out of range"):
        fg.make_jaxpr(lambda x: x, static_argnums=5)(1.0)
    with pytest.raises(NotImplementedError, match="axis_env"):
        fg.make_jaxpr(lambda x: x, axis_env=[("i", 2)])


def test_make_jaxpr_of_transformed_function_shows_nested_programs():
    text = str(fg.make_jaxpr(lambda x: fg.jit(fnp.cos)(x) * 2.0)(np.ones(2)))
    assert "jit_call[" in text and "cos" in text


# ---------------------------------------------------------------------------------------
# custom_gradient


@fg.custom_gradient
def _scaled_sin(x, w):
    return fnp.sin(x) * w, lambda g: (g * fnp.cos(x) * w, g * fnp.sin(x))


@jax.custom_gradient
def _jax_scaled_sin(x, w):
    return jnp.sin(x) * w, lambda g: (g * jnp.cos(x) * w, g * jnp.sin(x))


def test_custom_gradient_is_used_and_matches_jax():
    w = np.array([1.0, 2.0, -0.5])
    loss = lambda x, w: fnp.sum(_scaled_sin(x, w) ** 2)  # noqa: E731
    jloss = lambda x, w: jnp.sum(_jax_scaled_sin(x, w) ** 2)  # noqa: E731
    for argnums in (0, 1):
        np.testing.assert_allclose(fg.grad(loss, argnums)(X, w),
                                   jax.grad(jloss, argnums)(X, w), rtol=1e-12)
    check_grads(_scaled_sin, (X, w), order=2, modes=("rev",))


def test_custom_gradient_value_differs_from_true_derivative():
    @fg.custom_gradient
    def clip(x):
        return x, lambda g: (fnp.clip(g, -1.0, 1.0),)

    assert float(fg.grad(lambda x: 5.0 * clip(x))(2.0)) == 1.0


def test_custom_gradient_under_jit_vmap_and_second_order():
    g = fg.grad(lambda x: fnp.sum(_scaled_sin(x, np.full(3, 2.0))))
    want = 2.0 * np.cos(X)
    np.testing.assert_allclose(fg.jit(g)(X), want)
    np.testing.assert_allclose(fg.vmap(lambda x: fg.grad(lambda y: _scaled_sin(y, 2.0))(x))(X),
                               want)
    # the vjp closes over cos(x): closure_convert makes that a residual, so grad of grad works
    hess = fg.grad(lambda x: fg.grad(lambda y: _scaled_sin(y, 2.0))(x))(0.4)
    np.testing.assert_allclose(hess, -2.0 * np.sin(0.4))


def test_custom_gradient_keyword_arguments():
    @fg.custom_gradient
    def f(x, w=2.0):
        return x * w, lambda g: (g * w * 3.0, g * x)

    assert float(f(1.0)) == 2.0 and float(f(1.0, w=3.0)) == 3.0
    assert float(fg.grad(lambda x: f(x, w=3.0))(1.0)) == 9.0
    assert float(fg.grad(f, argnums=1)(1.0, 5.0)) == 1.0


def test_custom_gradient_errors():
    with pytest.raises(CustomRuleError, match=r"must return a pair \(value, vjp_fn\)"):
        fg.grad(fg.custom_gradient(lambda x: x * 2))(1.0)
    two = fg.custom_gradient(lambda x, y: (x * y, lambda g: g))
    with pytest.raises(CustomRuleError, match="one cotangent per positional argument"):
        fg.grad(two)(1.0, 2.0)
    with pytest.raises(TypeError, match="forward-mode"):
        fg.jvp(_scaled_sin, (X, X), (X, X))


# ---------------------------------------------------------------------------------------
# linear_transpose


def test_linear_transpose_matches_jax():
    m = np.random.default_rng(0).uniform(-1, 1, (4, 3))

    def f(x, y):
        return {"a": m @ x - 2.0 * y[:4], "b": fnp.sum(x) / 3.0}

    args = (np.ones(3), np.ones(5))
    ct = {"a": np.arange(4.0), "b": 1.5}
    ours = fg.linear_transpose(f, *args)(ct)
    ref = jax.linear_transpose(lambda x, y: {"a": m @ x - 2.0 * y[:4], "b": jnp.sum(x) / 3.0},
                               *args)(ct)
    assert isinstance(ours, tuple) and len(ours) == 2
    for o, r in zip(ours, ref):
        np.testing.assert_allclose(o, r, rtol=1e-12)


def test_linear_transpose_of_unused_input_is_zero():
    out = fg.linear_transpose(lambda x, y: 3.0 * x, 1.0, np.ones(2))(2.0)
    assert float(out[0]) == 6.0 and out[1].tolist() == [0.0, 0.0]


@pytest.mark.parametrize("fun,what", [
    (lambda x: fnp.sin(x), "`sin`"),
    (lambda x: x * x, "`mul`"),
    (lambda x: 1.0 / x, "`div`"),
    (lambda x: x + 1.0, "adds a constant"),
    (lambda x: (x, fnp.ones(())), "does not depend on the inputs"),
])
def test_linear_transpose_rejects_non_linear(fun, what):
    with pytest.raises(TypeError, match=what):
        fg.linear_transpose(fun, 1.0)


def test_linear_transpose_argument_errors():
    with pytest.raises(TypeError, match="only supports float or complex inputs"):
        fg.linear_transpose(lambda x: x, np.arange(3))
    f_t = fg.linear_transpose(lambda x: 2.0 * x, np.ones(3))
    with pytest.raises(TypeError, match=r"cotangent is f64\[2\] but the output is f64\[3\]"):
        f_t(np.ones(2))
    with pytest.raises(ValueError, match="structure of the output"):
        f_t((np.ones(3),))


# ---------------------------------------------------------------------------------------
# closure_convert


def test_closure_convert_hoists_float_constants_only():
    w, idx = np.array([2.0, 3.0]), np.array([1, 0])
    f, consts = fg.closure_convert(lambda x: x[idx] * w, np.ones(2))
    assert len(consts) == 1 and consts[0] is w
    np.testing.assert_allclose(f(np.array([1.0, 5.0]), *consts), [10.0, 3.0])
    np.testing.assert_allclose(f(np.array([1.0, 5.0]), np.ones(2)), [5.0, 1.0])
    with pytest.raises(ValueError, match="example arguments' structure"):
        f((np.ones(2),), *consts)


def test_closure_convert_makes_tracers_explicit():
    def outer(w):
        f, consts = fg.closure_convert(lambda x: fnp.sin(x) * w, 1.0)
        assert len(consts) == 1 and isinstance(consts[0], fg.Array)  # a tracer here
        return f(0.5, *consts)

    np.testing.assert_allclose(fg.grad(outer)(2.0), np.sin(0.5))


# ---------------------------------------------------------------------------------------
# pure_callback


def _sin_cb(x):
    assert type(x) is np.ndarray  # the callback always sees concrete NumPy arrays
    return np.sin(x)


def test_pure_callback_eager_jit_and_kwargs():
    s = fg.ShapeDtypeStruct((3,), np.float64)
    np.testing.assert_allclose(fg.pure_callback(_sin_cb, s, X), np.sin(X))
    calls = []

    def counted(x):
        calls.append(1)
        return np.sin(x)

    f = fg.jit(lambda x: fg.pure_callback(counted, s, x) * 2.0)
    f(X)
    f(X)
    assert len(calls) == 2 and f.trace_count == 1  # runs when the program runs
    out = fg.pure_callback(lambda a, *, b: {"s": a + b}, {"s": s}, X, b=1.0)
    np.testing.assert_allclose(out["s"], X + 1.0)
    assert isinstance(out["s"], fg.Array)


def test_pure_callback_without_operands_runs_each_call_under_jit():
    calls = []
    s = fg.ShapeDtypeStruct((2,), np.float64)
    f = fg.jit(lambda: fg.pure_callback(lambda: calls.append(1) or np.ones(2), s))
    f()
    f()
    assert len(calls) == 2


@pytest.mark.parametrize("method,seen", [
    ("sequential", [((), ())] * 3),
    ("sequential_unrolled", [((), ())] * 3),
    ("expand_dims", [((3,), (1,))]),
    ("broadcast_all", [((3,), (3,))]),
    ("legacy_vectorized", [((3,), ())]),
])
def test_pure_callback_vmap_methods(method, seen):
    calls = []

    def add(x, y):
        calls.append((x.shape, y.shape))
        return x + y

    def f(x, y):
        return fg.pure_callback(add, fg.ShapeDtypeStruct((), np.float64), x, y,
                                vmap_method=method)

    out = fg.vmap(f, in_axes=(0, None))(X, 1.0)
    np.testing.assert_allclose(out, X + 1.0)
    assert calls == seen
    ref_calls = []

    def ref_add(x, y):
        ref_calls.append((x.shape, y.shape))
        return x + y

    jax.vmap(lambda x, y: jax.pure_callback(ref_add, jax.ShapeDtypeStruct((), np.float64), x,
                                            y, vmap_method=method), in_axes=(0, None))(X, 1.0)
    assert ref_calls == seen


def test_pure_callback_errors():
    s = fg.ShapeDtypeStruct((), np.float64)
    with pytest.raises(ValueError, match="Pure callbacks do not support JVP"):
        fg.grad(lambda x: fg.pure_callback(_sin_cb, s, x))(1.0)
    with pytest.raises(NotImplementedError, match="pass vmap_method="):
        fg.vmap(lambda x: fg.pure_callback(_sin_cb, s, x))(X)
    with pytest.raises(ValueError, match="vmap_method must be one of"):
        fg.pure_callback(_sin_cb, s, 1.0, vmap_method="bogus")
    with pytest.raises(TypeError, match=r"returned float64\[3\] as result leaf 0, but "
                                        r"result_shape_dtypes declares float64\[\]"):
        fg.pure_callback(lambda x: np.ones(3), s, 1.0)
    with pytest.raises(TypeError, match="structure"):
        fg.pure_callback(lambda x: (x, x), s, 1.0)
    with pytest.raises(TypeError, match="expected fg.ShapeDtypeStruct"):
        fg.pure_callback(_sin_cb, "f64", 1.0)


# ---------------------------------------------------------------------------------------
# named_scope, named_call, clear_caches


def test_named_scope_and_named_call_are_transparent():
    with fg.named_scope("layer1"):
        y = fg.grad(lambda x: fnp.sin(x))(0.0)
    assert float(y) == 1.0
    f = fg.named_call(lambda x: x * 3.0, name="triple")
    assert float(fg.jit(f)(2.0)) == 6.0
    with pytest.raises(TypeError, match="name must be a str"), fg.named_scope(3):
        pass


def test_clear_caches_forces_a_new_trace():
    f = fg.jit(lambda x: x + 1.0)
    f(1.0)
    f(1.0)
    assert f.trace_count == 1
    fg.clear_caches()
    assert float(f(1.0)) == 2.0 and f.trace_count == 2


# ---------------------------------------------------------------------------------------
# check_tracer_leaks and the option states


def test_checking_leaks_reports_a_stored_tracer():
    stored = []
    with fg.checking_leaks():
        assert fg.config.check_tracer_leaks
        # ordinary programs raise nothing
        fg.grad(lambda x: fnp.sum(fnp.sin(x) ** 2))(X)
        fg.jit(fg.vmap(fg.grad(lambda x: x ** 3)))(X)
        with pytest.raises(LeakedTracerError, match=r"grad of `.*` returned, but a tracer "
                                                    r"~?f64\[\] it created is still referenced"):
            fg.grad(lambda x: stored.append(x) or x * 2.0)(1.0)
        stored.clear()
        with pytest.raises(LeakedTracerError, match="jit of"):
            fg.jit(lambda x: stored.append(x) or x)(X)
        stored.clear()
    assert not fg.config.check_tracer_leaks
    fg.grad(lambda x: stored.append(x) or x * 2.0)(1.0)  # off: not reported at once
    stored.clear()


def test_option_states():
    assert fg.debug_nans.value is False and fg.debug_nans.name == "jax_debug_nans"
    with fg.debug_nans(True):
        assert fg.config.debug_nans and fg.debug_nans.value
        with pytest.raises(FloatingPointError), np.errstate(invalid="ignore"):
            fnp.log(fnp.array(-1.0))
    assert fg.debug_nans.value is False
    with fg.debug_infs():
        assert fg.debug_infs.value is True
    assert fg.enable_x64.value is True
    with pytest.raises(TypeError, match="takes True or False"), fg.check_tracer_leaks("yes"):
        pass
    with pytest.raises(TypeError, match="read fg.debug_nans.value"):
        bool(fg.debug_nans)


def test_typing_and_ad_checkpoint_aliases():
    def f(x: fg.typing.ArrayLike, dtype: fg.typing.DTypeLike = None) -> fg.Array:
        return fnp.asarray(x, dtype=dtype)

    assert isinstance(f([1.0]), fg.Array)
    assert fg.ad_checkpoint.checkpoint is fg.checkpoint
    assert fg.ad_checkpoint.checkpoint_name is fg.checkpoint_name


def test_save_any_names_but_these():
    policy = fg.checkpoint_policies.save_any_names_but_these("b")

    def f(x):
        a = fg.checkpoint_name(fnp.sin(x), "a")
        b = fg.checkpoint_name(fnp.cos(a), "b")
        return fnp.sum(fnp.sin(b))

    saved = {r.source for r in fg.saved_residuals(fg.checkpoint(f, policy=policy), X)}
    assert any("'a'" in s or "a" in s for s in saved)
    np.testing.assert_allclose(fg.grad(fg.checkpoint(f, policy=policy))(X), fg.grad(f)(X))
    only_a = fg.checkpoint_policies.save_only_these_names("a")
    assert [r.shape for r in fg.saved_residuals(fg.checkpoint(f, policy=policy), X)] == \
        [r.shape for r in fg.saved_residuals(fg.checkpoint(f, policy=only_a), X)]


# ---------------------------------------------------------------------------------------
# Arrays and devices


def test_array_isinstance_accepts_tracers():
    seen = []

    def f(x):
        seen.append(isinstance(x, fg.Array))
        return x * 2.0

    fg.grad(f)(1.0)
    fg.jit(f)(X)
    fg.vmap(f)(X)
    assert seen == [True, True, True]
    assert isinstance(fnp.ones(2), fg.Array) and not isinstance(np.ones(2), fg.Array)
    assert fg.Array is fnp.Array


@pytest.mark.parametrize("name,run", [
    ("grad", lambda: fg.grad(lambda x: x ** 2)(1.0)),
    ("value_and_grad", lambda: fg.value_and_grad(lambda x: fnp.sum(x ** 2))(X)),
    ("vjp", lambda: fg.vjp(fnp.sin, X)[1](X)),
    ("vjp_out", lambda: fg.vjp(fnp.sum, X)[0]),
    ("jvp", lambda: fg.jvp(fnp.sum, (X,), (X,))),
    ("linearize", lambda: fg.linearize(fnp.sum, X)[1](X)),
    ("vmap", lambda: fg.vmap(fnp.sum)(np.ones((2, 3)))),
    ("vmap_chunked", lambda: fg.vmap(fnp.sin, chunk_size=2)(X)),
    ("jit", lambda: fg.jit(lambda x: (fnp.sum(x), 2.0))(X)),
    ("jit_numpy_input", lambda: fg.jit(lambda x: x * 2)(np.ones(2))),
    ("jacfwd", lambda: fg.jacfwd(lambda x: x ** 2)(1.0)),
    ("jacrev", lambda: fg.jacrev(fnp.sin)(X)),
    ("hessian", lambda: fg.hessian(lambda x: fnp.sum(x ** 3))(X)),
    ("hvp", lambda: fg.hvp(lambda x: fnp.sum(x ** 3), (X,), (X,))),
])
def test_transform_outputs_are_arrays(name, run):
    leaves = fg.tree.leaves(run())
    assert leaves and all(type(x) is fg.Array for x in leaves), [type(x) for x in leaves]
    first = leaves[0]
    assert first.block_until_ready() is first
    assert first.at[...].set(0.0).shape == first.shape


def test_devices():
    (cpu,) = fg.devices()
    assert repr(cpu) == "CpuDevice(id=0)" == repr(jax.devices()[0])
    assert str(cpu) == "cpu:0" and cpu.platform == "cpu" and cpu.id == 0
    assert fg.devices("cpu") == fg.local_devices() == [cpu]
    assert fg.device_count() == 1 and fg.default_backend() == "cpu"
    x = fnp.ones(2)
    assert x.devices() == {cpu} and x.device == cpu
    with pytest.raises(RuntimeError, match="unknown backend 'tpu'"):
        fg.devices("tpu")
    with pytest.raises(ValueError, match="process_index=1"):
        fg.local_devices(1)


def test_device_put_and_get():
    a = np.arange(3.0)
    put = fg.device_put({"a": a, "b": 2.0, "c": [np.float32(1)]})
    assert type(put["a"]) is fg.Array and np.shares_memory(put["a"], a)
    assert type(put["b"]) is fg.Array and put["b"].dtype == np.float64
    assert put["c"][0].dtype == np.float32
    assert not np.shares_memory(fg.device_put(a, may_alias=False), a)
    assert type(fg.device_put(a, fg.devices()[0])) is fg.Array
    with pytest.raises(ValueError, match="cannot place a value on 'gpu'"):
        fg.device_put(a, "gpu")
    got = fg.device_get({"a": put["a"], "s": "text", "n": np.float64(1)})
    assert type(got["a"]) is np.ndarray and got["s"] == "text"
    assert type(got["n"]) is np.ndarray
    with pytest.raises(TypeError, match="device_get: got a traced value"):
        fg.grad(lambda x: fg.device_get(x))(1.0)
    tree = {"x": fnp.ones(2), "y": [np.ones(1)]}
    assert fg.block_until_ready(tree) is tree
