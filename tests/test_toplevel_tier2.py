"""Tier-2 top-level names against JAX 0.10.2 (x64): custom_batching, custom_derivatives,
stages, version, print_environment_info, explain_cache_misses, no_tracing, dlpack and
profiler. Behaviour is compared with JAX where JAX is installed; where fungrad differs on
purpose (derivatives of custom_vmap functions) the test says so."""

import inspect

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad.custom_batching import custom_vmap, sequential_vmap
from fungrad.errors import CustomRuleError, TransformError
from fungrad.test_util import check_grads

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")
jax.config.update("jax_enable_x64", True)

X = np.array([0.3, -1.2, 2.0])


# ---------------------------------------------------------------------------------------
# custom_batching: one program written over a namespace, run with fungrad and with JAX


def _with_rule(ns):
    """A custom_vmap function whose rule adds 100 (so the test sees which ran) and records
    what it received."""
    calls = []

    @ns.custom_vmap
    def f(x, y):
        return ns.np.sin(x) * y

    @f.def_vmap
    def rule(axis_size, in_batched, x, y):
        calls.append((axis_size, in_batched, ns.np.shape(x), ns.np.shape(y)))
        return ns.np.sin(x) * y + 100.0, True

    return f, calls


class _NS:
    def __init__(self, lib):
        self.lib = lib
        if lib == "jax":
            from jax.custom_batching import custom_vmap as cv
            from jax.custom_batching import sequential_vmap as sv
            self.np, self.vmap, self.jit, self.grad = jnp, jax.vmap, jax.jit, jax.grad
        else:
            cv, sv = custom_vmap, sequential_vmap
            self.np, self.vmap, self.jit, self.grad = fnp, fg.vmap, fg.jit, fg.grad
        self.custom_vmap, self.sequential_vmap = cv, sv


PROGRAMS = {
    "eager": lambda ns, f: f(X, 2.0),
    "vmap": lambda ns, f: ns.vmap(f, in_axes=(0, None))(X, 2.0),
    "vmap both": lambda ns, f: ns.vmap(f)(X, X),
    "vmap axis 1": lambda ns, f: ns.vmap(f, in_axes=(1, None))(np.stack([X, X]), 3.0),
    "jit": lambda ns, f: ns.jit(f)(X, 2.0),
    "jit of vmap": lambda ns, f: ns.jit(ns.vmap(f, in_axes=(0, None)))(X, 2.0),
    "vmap of jit": lambda ns, f: ns.vmap(ns.jit(f), in_axes=(0, None))(X, 2.0),
    "vmap unbatched": lambda ns, f: ns.vmap(lambda x: f(1.0, 2.0))(X),
    "nested vmap": lambda ns, f: ns.vmap(ns.vmap(f, in_axes=(0, None)), in_axes=(0, None))(
        np.stack([X, 2 * X]), 2.0),
    "grad of vmap": lambda ns, f: ns.grad(
        lambda x: ns.vmap(f, in_axes=(0, None))(x, 2.0).sum())(X),
}


@pytest.mark.parametrize("program", sorted(PROGRAMS))
def test_custom_vmap_matches_jax(program):
    results = {}
    for lib in ("fungrad", "jax"):
        ns = _NS(lib)
        f, calls = _with_rule(ns)
        out = PROGRAMS[program](ns, f)
        results[lib] = (np.asarray(out), [(n, b, tuple(xs), tuple(ys))
                                          for n, b, xs, ys in calls])
    np.testing.assert_allclose(results["fungrad"][0], results["jax"][0], rtol=1e-12)
    assert results["fungrad"][1] == results["jax"][1]


def test_custom_vmap_pytrees_and_unbatched_outputs_match_jax():
    def program(ns):
        seen = []

        @ns.custom_vmap
        def p(d):
            return {"a": d["a"] * 2, "b": d["b"] + 1.0}

        @p.def_vmap
        def rule(n, in_batched, d):
            seen.append(in_batched)
            return {"a": d["a"] * 3, "b": d["b"] + 1.0}, {"a": True, "b": False}

        out = ns.vmap(p, in_axes=({"a": 0, "b": None},))({"a": X, "b": 1.0})
        return {k: np.asarray(v) for k, v in out.items()}, seen

    ours, theirs = program(_NS("fungrad")), program(_NS("jax"))
    assert ours[1] == theirs[1] == [[{"a": True, "b": False}]]
    for k in ("a", "b"):
        np.testing.assert_allclose(ours[0][k], theirs[0][k], rtol=1e-12)


def test_sequential_vmap_matches_jax():
    for lib in ("fungrad", "jax"):
        ns = _NS(lib)
        sv = ns.sequential_vmap(lambda x, y: ns.np.sum(x) * y)
        xs = np.arange(6.0).reshape(3, 2)
        out = ns.vmap(sv, in_axes=(0, None))(xs, 3.0), ns.jit(ns.vmap(sv))(xs, X)
        if lib == "fungrad":
            ours = out
        else:
            for a, b in zip(ours, out):
                np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-12)
    assert isinstance(sequential_vmap(np.sin), custom_vmap)


def test_custom_vmap_derivatives_differentiate_the_function():
    # JAX 0.10.2 supports only forward mode (grad raises "Linearization failed"); fungrad
    # differentiates the function itself in both modes, and vmap of a derivative batches
    # the function's derivative (the rule is not used there).
    f, calls = _with_rule(_NS("fungrad"))
    assert float(fg.grad(f)(1.0, 2.0)) == pytest.approx(2 * np.cos(1.0), rel=1e-14)
    _, t = fg.jvp(f, (1.0, 2.0), (1.0, 0.0))
    ref_t = jax.jvp(_with_rule(_NS("jax"))[0], (1.0, 2.0), (1.0, 0.0))[1]
    assert float(t) == pytest.approx(float(ref_t), rel=1e-14)
    np.testing.assert_allclose(fg.vmap(fg.grad(f), in_axes=(0, None))(X, 2.0), 2 * np.cos(X),
                               rtol=1e-14)
    assert not calls
    check_grads(lambda x: f(x, 3.0), (X,), order=2)
    with pytest.raises(ValueError, match="Linearization failed"):
        jax.grad(_with_rule(_NS("jax"))[0])(1.0, 2.0)


def test_custom_vmap_errors():
    @custom_vmap
    def k(x):
        return x

    with pytest.raises(AttributeError, match="No batching rule defined for custom_vmap "
                                             "function k using def_vmap"):
        k(X)

    @custom_vmap
    def g(x):
        return x * 2

    g.def_vmap(lambda n, b, x: (x, [True]))
    with pytest.raises(ValueError, match="structure of output value and output batching"):
        fg.vmap(g)(X)
    g.def_vmap(lambda n, b, x: (fnp.zeros(()), True))
    with pytest.raises(CustomRuleError, match=r"shape \(\) .* must return shape \(3,\)"):
        fg.vmap(g)(X)
    g.def_vmap(lambda n, b, x: x)
    with pytest.raises(CustomRuleError, match="must return a pair"):
        fg.vmap(g)(X)

    def closes_over(y):
        h = custom_vmap(lambda x: x * y)
        h.def_vmap(lambda n, b, x: (x * y, b[0]))
        return h(1.0)

    with pytest.raises(TransformError, match="closes over a value that vmap batches"):
        fg.vmap(closes_over)(X)


def test_custom_derivatives_module_matches_jax():
    import jax.custom_derivatives as jcd

    cd = fg.custom_derivatives
    for name in ("custom_jvp", "custom_vjp", "custom_gradient", "closure_convert",
                 "custom_jvp_call_p", "custom_vjp_call_p"):
        assert hasattr(jcd, name) and hasattr(cd, name), name
    assert cd.custom_jvp is fg.custom_jvp and cd.custom_vjp is fg.custom_vjp
    assert cd.custom_gradient is fg.custom_gradient
    assert cd.closure_convert is fg.closure_convert


@pytest.mark.parametrize("name", ["custom_vmap", "custom_vmap.def_vmap", "sequential_vmap"])
def test_custom_batching_signatures_match_jax(name):
    import jax.custom_batching as jcb

    def get(mod):
        obj = mod
        for part in name.split("."):
            obj = getattr(obj, part)
        return obj

    ours, theirs = inspect.signature(get(fg.custom_batching)), inspect.signature(get(jcb))
    assert list(ours.parameters) == list(theirs.parameters)
