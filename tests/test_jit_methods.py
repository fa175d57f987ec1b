"""``@fg.jit`` on methods: jitted functions are descriptors that bind ``self`` (as JAX's)."""

from dataclasses import dataclass
from functools import partial

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp


class Plain:
    """Not a pytree: self must be static, as in JAX."""

    scale = 3.0

    @fg.jit
    def f(self, x):
        return x * 2.0

    @partial(fg.jit, static_argnums=0)
    def g(self, x):
        return x * self.scale

    @partial(fg.jit, static_argnames="self")
    def h(self, x):
        return x * self.scale + 1.0


@partial(fg.tree_util.register_dataclass, data_fields=["w"], meta_fields=[])
@dataclass
class Linear:
    """A pytree: self is an ordinary (traced) argument."""

    w: np.ndarray

    @fg.jit
    def __call__(self, x):
        return fnp.dot(self.w, x)


def test_jitted_method_binds_self_like_a_call_with_self_first():
    x = np.arange(3.0)
    np.testing.assert_allclose(Plain().g(x), Plain.g(Plain(), x))
    np.testing.assert_allclose(Plain().g(x), 3.0 * x)
    np.testing.assert_allclose(Plain().h(x), 3.0 * x + 1.0)
    assert isinstance(Plain.g, fg.jit(lambda x: x).__class__)  # unbound access: the function


def test_jitted_method_on_a_pytree_self_traces_self():
    w = np.arange(6.0).reshape(2, 3)
    x = np.ones(3)
    layer = Linear(w)
    np.testing.assert_allclose(layer(x), w @ x)
    g = fg.grad(lambda m: fnp.sum(m(x)))(layer)
    np.testing.assert_allclose(g.w, np.ones((2, 3)))
    Linear.__call__.clear_cache()
    before = Linear.__call__.trace_count
    np.testing.assert_allclose(Linear(w + 1.0)(x), (w + 1.0) @ x)
    np.testing.assert_allclose(Linear(w)(x), w @ x)
    assert Linear.__call__.trace_count == before + 1  # same shapes: one trace
    assert Linear.__call__._cache_size() == 1


def test_jitted_method_with_non_array_self_names_the_fix():
    with pytest.raises(TypeError) as info:
        Plain().f(np.ones(2))
    msg = str(info.value)
    assert "jit of `Plain.f`" in msg and "argument `self` (position 0) is a Plain" in msg
    assert "static_argnums=0" in msg and "static_argnames='self'" in msg
    assert "register_pytree_node" in msg


def test_non_array_argument_error_gives_key_path():
    f = fg.jit(lambda params, x: params["w"] * x)
    with pytest.raises(TypeError, match=r"argument `params\['act'\]` \(position 0\) is a str"):
        f({"w": 1.0, "act": "relu"}, 2.0)
    with pytest.raises(TypeError, match="is a str"):
        f.lower({"w": 1.0, "act": "relu"}, 2.0)


def test_jitted_method_matches_jax():
    jax = pytest.importorskip("jax")

    class JaxPlain:
        scale = 3.0

        @partial(jax.jit, static_argnums=0)
        def g(self, x):
            return x * self.scale

        @jax.jit
        def f(self, x):
            return x * 2.0

    x = np.arange(3.0)
    np.testing.assert_allclose(Plain().g(x), JaxPlain().g(x))
    with pytest.raises(TypeError):  # JAX's error type for the same mistake
        JaxPlain().f(x)
