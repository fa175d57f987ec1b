"""Short programs in the style of JAX's documentation, run with JAX and with fungrad.

Each program is written once over a namespace ``ns`` (``ns.jax``, ``ns.jnp``, ``ns.lax``,
``ns.random``, ``ns.optax``, ``ns.tree_util``, ``ns.tree``, ``ns.nn``, ``ns.scipy``,
``ns.flatten_util``), the imports a ported program gets (``import fungrad as jax``,
``fungrad.numpy`` for ``jax.numpy``, ``fungrad.optim`` for ``optax``...), and returns a
pytree of results; the programs live in ``tests/jax_doc_programs/``, one module per
group of guides. The topics follow JAX's guides: the Autodiff Cookbook, custom
derivative rules, vmap, pytrees, control flow, pseudorandom numbers, jit and the common
gotchas, stateful computations, the lax reference, a small network's training loop,
checkpointing, debug printing, linalg/fft and optax's quick start.

Results are compared leaf by leaf (structure, shape, dtype and value). fungrad's PRNG is
not JAX's (README, "Where fungrad differs": "`fungrad.random` draws from its own Philox
streams"), so random programs return shapes, dtypes and statistics, compared with an
absolute tolerance far above their sampling error.
"""

from __future__ import annotations

import types

import numpy as np
import pytest

import fungrad
import fungrad.flatten_util
import fungrad.scipy.integrate
import fungrad.scipy.linalg
import fungrad.scipy.optimize
import fungrad.scipy.signal
import fungrad.scipy.special
import fungrad.scipy.stats
import tests.jax_doc_programs  # noqa: F401 (registers the programs)
from tests import jax_doc_results
from tests.jax_doc_programs.registry import PROGRAMS

pytest.importorskip("jax")
pytest.importorskip("optax")
import jax  # noqa: E402
import jax.ad_checkpoint  # noqa: E402
import jax.flatten_util  # noqa: E402
import jax.scipy.integrate  # noqa: E402
import jax.scipy.linalg  # noqa: E402
import jax.scipy.optimize  # noqa: E402
import jax.scipy.signal  # noqa: E402
import jax.scipy.special  # noqa: E402
import jax.scipy.stats  # noqa: E402
import optax  # noqa: E402

jax.config.update("jax_enable_x64", True)


def namespace(top, *, jnp, optax):
    return types.SimpleNamespace(
        jax=top, jnp=jnp, lax=top.lax, random=top.random, optax=optax,
        tree_util=top.tree_util, tree=top.tree, nn=top.nn, scipy=top.scipy,
        flatten_util=top.flatten_util)


JAX_NS = namespace(jax, jnp=jax.numpy, optax=optax)
FUNGRAD_NS = namespace(fungrad, jnp=fungrad.numpy, optax=fungrad.optim)


def test_the_guides_are_covered():
    assert len(PROGRAMS) >= 50


_RECORDED = jax_doc_results.load()


def _expected(name, fn, full: bool):
    """JAX's result: the recorded one when current (tests/jax_doc_results.py), else live."""
    key = jax_doc_results.program_key(fn, jax.__version__, optax.__version__)
    entry = None if full else _RECORDED.get(name)
    return entry[1] if entry is not None and entry[0] == key else fn(JAX_NS)


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_doc_program_matches_jax(name, request):
    fn, rtol, atol = PROGRAMS[name]
    expected = _expected(name, fn, request.config.getoption("--full"))
    got = fn(FUNGRAD_NS)
    assert_same_results(got, expected, rtol=rtol, atol=atol, path=name)


def test_recorded_doc_results_are_current():
    """Every doc program has a current recorded JAX result (else it runs JAX live: slow)."""
    stale = [name for name, (fn, _, _) in sorted(PROGRAMS.items())
             if _RECORDED.get(name, ("",))[0]
             != jax_doc_results.program_key(fn, jax.__version__, optax.__version__)]
    assert not stale, (f"{len(stale)} doc programs have no current recorded JAX result (new "
                       f"or changed programs, or another JAX/optax/Python), e.g. {stale[:5]}; "
                       "run `python -m tests.jax_doc_results` and commit "
                       "tests/data/jax_doc_results.pkl")


def assert_same_results(got, expected, *, rtol, atol, path):
    """Same containers, then per leaf the same kind, shape, dtype and value."""
    if isinstance(expected, dict):
        assert isinstance(got, dict) and sorted(got) == sorted(expected), (path, got, expected)
        for k in expected:
            assert_same_results(got[k], expected[k], rtol=rtol, atol=atol, path=f"{path}[{k!r}]")
    elif isinstance(expected, (list, tuple)) and not _is_array(expected):
        assert isinstance(got, (list, tuple)) and len(got) == len(expected), (path, got,
                                                                             expected)
        for i, (g, e) in enumerate(zip(got, expected)):
            assert_same_results(g, e, rtol=rtol, atol=atol, path=f"{path}[{i}]")
    elif _is_array(expected):
        e, g = np.asarray(expected), np.asarray(got)
        assert g.shape == e.shape, (path, g.shape, e.shape)
        assert g.dtype == e.dtype, (path, g.dtype, e.dtype)
        if e.dtype.kind in "fc":
            np.testing.assert_allclose(g, e, rtol=rtol, atol=atol, equal_nan=True, err_msg=path)
        else:
            np.testing.assert_array_equal(g, e, err_msg=path)
    elif isinstance(expected, float):
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol, err_msg=path)
    else:
        assert got == expected, (path, got, expected)


def _is_array(x) -> bool:
    return hasattr(x, "shape") and hasattr(x, "dtype") and not isinstance(x, tuple)
