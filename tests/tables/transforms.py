"""Table rows: transforms that are primitives (jit_call, remat, checkpoint_name,
custom_vmap_call), the
sampling primitive (random_draw) and the effect primitive (debug_callback), so they go
through check_grads, JAX, vmap-vs-loop and jit-vs-eager like every other primitive."""

import numpy as np

import fungrad as fg
import fungrad.numpy as fnp
from fungrad import lax as flax
from fungrad import random
from fungrad.custom_batching import custom_vmap, sequential_vmap
from tests.tables.spec import A, Case, Int

S = (3,)


def _mlp(x, w):
    return fnp.tanh(fnp.sin(x) * w) * x


def _jax_mlp(jnp):
    return lambda x, w: jnp.tanh(jnp.sin(x) * w) * x


def _inner_jit(x, w):
    return fg.jit(_mlp)(x, w) + fg.jit(lambda a: a ** 2)(w)


def _remat(policy):
    return lambda x, w: fg.checkpoint(_mlp, policy=policy)(x, w)


def _jax_remat(policy_name):
    def ref(jnp, lax):
        import jax

        policy = getattr(jax.checkpoint_policies, policy_name)
        return jax.checkpoint(_jax_mlp(jnp), policy=policy)

    return ref


def _named(x, w):
    def f(x, w):
        h = fg.checkpoint_name(fnp.sin(x) * w, "h")
        return fnp.tanh(h) * x

    return fg.checkpoint(f, policy=fg.checkpoint_policies.save_only_these_names("h"))(x, w)


def _jax_named(jnp, lax):
    import jax
    from jax.ad_checkpoint import checkpoint_name

    def f(x, w):
        return jnp.tanh(checkpoint_name(jnp.sin(x) * w, "h")) * x

    return jax.checkpoint(f, policy=jax.checkpoint_policies.save_only_these_names("h"))


_custom_mlp = custom_vmap(_mlp)
# The rule computes what _mlp does (vmap-vs-loop holds) in its own way: one broadcast
# product over the whole batch. JAX cannot differentiate custom_vmap functions in reverse
# mode, so the reference is the plain function.
_custom_mlp.def_vmap(lambda n, batched, x, w: (fnp.tanh(fnp.sin(x) * w) * x, True))
_sequential_mlp = sequential_vmap(_mlp)


def _noise(key, x):
    # the key is an argument: under jit it is traced and sampling is staged (random_draw)
    return x * random.normal(key, S) + random.uniform(key, S)


def _check_example(v):
    # under every transform the callback sees one concrete example (vmap unrolls)
    if type(v) is not np.ndarray or v.shape != S or not np.isfinite(v).all():
        raise AssertionError(f"debug.callback got {type(v).__name__} of shape {np.shape(v)}")


def _with_callback(x, w):
    fg.debug.callback(_check_example, x)
    return fnp.sin(x) * w


def _jax_with_callback(jnp, lax):
    import jax

    def f(x, w):
        jax.debug.callback(lambda v: _check_example(np.asarray(v)), x)
        return jnp.sin(x) * w

    return f


def _over_lanes(fun):
    return lambda x: fg.vmap(lambda v: fun(flax, v), axis_name="i")(x)


def _jax_over_lanes(fun):
    def ref(jnp, lax):
        import jax

        return jax.vmap(lambda v: fun(lax, v), axis_name="i")

    return ref


CASES = [
    Case("fg.jit_nested", _inner_jit, [A(*S), A(*S)],
         jax=lambda jnp, lax: lambda x, w: _jax_mlp(jnp)(x, w) + w ** 2),
    Case("fg.checkpoint_nothing_saveable", _remat(None), [A(*S), A(*S)],
         jax=_jax_remat("nothing_saveable")),
    Case("fg.checkpoint_everything_saveable", _remat(fg.checkpoint_policies.everything_saveable),
         [A(*S), A(*S)], jax=_jax_remat("everything_saveable")),
    Case("fg.checkpoint_dots_saveable", _remat(fg.checkpoint_policies.dots_saveable),
         [A(*S), A(*S)], jax=_jax_remat("dots_saveable")),
    Case("fg.checkpoint_name", _named, [A(*S), A(*S)], jax=_jax_named),
    Case("fg.debug.callback", _with_callback, [A(*S), A(*S)], jax=_jax_with_callback),
    Case("fg.custom_batching.custom_vmap", _custom_mlp, [A(*S), A(*S)],
         jax=lambda jnp, lax: _jax_mlp(jnp)),
    Case("fg.custom_batching.sequential_vmap", _sequential_mlp, [A(*S), A(*S)],
         jax=lambda jnp, lax: _jax_mlp(jnp)),
    Case("random.normal_traced_key", _noise, [Int(2, low=0, high=2**31, dtype="uint32"), A(*S)]),
    # collectives over a vmap axis name (the all_to_all primitive)
    Case("lax.all_to_all", _over_lanes(lambda lax, v: lax.all_to_all(v, "i", 0, 1)),
         [A(3, 3, 2)], jax=_jax_over_lanes(lambda lax, v: lax.all_to_all(v, "i", 0, 1))),
    Case("lax.all_to_all_tiled",
         _over_lanes(lambda lax, v: lax.all_to_all(v, "i", 1, 0, tiled=True)), [A(3, 2, 6)],
         jax=_jax_over_lanes(lambda lax, v: lax.all_to_all(v, "i", 1, 0, tiled=True))),
]
