"""fg.config options, fg.disable_jit, and the debug_nans / debug_infs checks."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad import core, lax

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # numpy on nan/inf


@pytest.fixture(autouse=True)
def restore_config():
    saved = fg.config.values
    yield
    for name, value in saved.items():
        fg.config.update(name, value)


def _site(fun, offset: int) -> str:
    """The site string of line ``offset`` below ``def`` of ``fun`` (this file's line)."""
    line = fun.__code__.co_firstlineno + offset
    return re.escape(f"{__file__}:{line} ({fun.__name__})")


# ---------------------------------------------------------------------------------------
# Options


def test_update_and_read():
    assert fg.config.debug_nans is False
    fg.config.update("debug_nans", True)
    assert fg.config.debug_nans is True
    assert fg.config.values["debug_nans"] is True
    fg.config.update("jax_debug_nans", False)  # JAX's spelling
    assert fg.config.jax_debug_nans is False
    assert set(fg.config.values) == {"debug_nans", "debug_infs", "disable_jit", "enable_x64",
                                     "jit_backend", "jit_exact_math", "compilation_cache_dir",
                                     "jit_kernel_threads", "check_tracer_leaks",
                                     "log_compiles", "explain_cache_misses", "no_tracing",
                                     "enable_checks", "debug_key_reuse", "default_device",
                                     "default_matmul_precision",
                                     "numpy_dtype_promotion", "numpy_rank_promotion",
                                     "transfer_guard_host_to_device",
                                     "transfer_guard_device_to_host",
                                     "transfer_guard_device_to_device"}


def test_unknown_option_lists_known_names():
    with pytest.raises(AttributeError, match="unrecognized option 'debug_nan'.*debug_infs, "
                                             "debug_key_reuse, debug_nans, default_device"):
        fg.config.update("debug_nan", True)
    with pytest.raises(AttributeError, match="fg.config: unrecognized option 'no_such'"):
        _ = fg.config.no_such


def test_bad_values_and_assignment_are_refused():
    with pytest.raises(TypeError, match="option 'debug_nans' takes True or False; got str"):
        fg.config.update("debug_nans", "yes")
    with pytest.raises(AttributeError, match=r"fg.config.update\('debug_nans', True\)"):
        fg.config.debug_nans = True


def test_enable_x64_is_accepted_and_dtypes_stay_64_bit():
    fg.config.update("jax_enable_x64", True)
    with pytest.warns(UserWarning, match="enable_x64=False has no effect"):
        fg.config.update("enable_x64", False)
    assert fnp.array([1.0]).dtype == np.float64
    assert fnp.arange(3).dtype == np.int64
    assert fg.grad(lambda x: x * x)(1.5) == 3.0


# ---------------------------------------------------------------------------------------
# disable_jit


def test_disable_jit_runs_eagerly_every_call():
    seen = []

    def f(x):
        seen.append(type(x))
        return fnp.sin(x) * 2.0

    jitted = fg.jit(f)
    x = np.arange(3.0)
    with fg.disable_jit():
        assert fg.config.disable_jit
        np.testing.assert_allclose(jitted(x), np.sin(x) * 2.0)
        jitted(x)
    assert seen == [np.ndarray, np.ndarray]  # concrete arrays, once per call
    assert jitted.trace_count == 0
    assert not fg.config.disable_jit
    jitted(x)
    jitted(x)
    assert len(seen) == 3 and issubclass(seen[2], core.Tracer)  # traced once, then cached


def test_disable_jit_false_and_config_update():
    jitted = fg.jit(lambda x: x + 1.0)
    with fg.disable_jit():
        with fg.disable_jit(False):
            jitted(1.0)
            assert jitted.trace_count == 1
        assert fg.config.disable_jit
    fg.config.update("disable_jit", True)
    jitted(np.ones(2))
    assert jitted.trace_count == 1  # a new signature, but nothing traced


def test_disable_jit_under_grad():
    with fg.disable_jit():
        assert fg.grad(fg.jit(lambda x: fnp.sin(x)))(0.0) == 1.0


# ---------------------------------------------------------------------------------------
# debug_nans / debug_infs


def _log_of_sin(x):
    y = fnp.sin(x)
    return fnp.log(y) * 2.0  # nan for x in (pi, 2 pi)


NAN_AT = np.array([1.0, 4.0])
STAGED = " inside a staged program (jit, loop or branch body)"


def test_checks_are_off_by_default():
    assert np.isnan(_log_of_sin(NAN_AT)).any()


def test_switching_restores_the_fast_eager_path():
    bind, bind_on_parent = core.Primitive.bind, core.Trace.bind_on_parent
    fg.config.update("debug_nans", True)
    assert core.Primitive.bind is not bind
    fg.config.update("debug_infs", True)
    fg.config.update("debug_nans", False)
    assert core.Primitive.bind is not bind  # debug_infs still needs it
    fg.config.update("debug_infs", False)
    assert core.Primitive.bind is bind and core.Trace.bind_on_parent is bind_on_parent


def test_debug_nans_eager_names_primitive_and_line():
    fg.config.update("debug_nans", True)
    with pytest.raises(FloatingPointError) as info:
        _log_of_sin(NAN_AT)
    message = str(info.value)
    assert "debug_nans: primitive `log` produced nan" in message
    assert "forward pass" in message and "backward" not in message.splitlines()[0]
    assert re.search(_site(_log_of_sin, 2), message)


def test_debug_nans_ignores_nans_that_come_in():
    fg.config.update("debug_nans", True)
    out = fnp.sin(np.array([np.nan, 1.0])) + 1.0
    assert np.isnan(out[0])


def test_debug_nans_under_jit():
    fg.config.update("debug_nans", True)
    jitted = fg.jit(_log_of_sin)
    np.testing.assert_allclose(jitted(np.array([1.0])), np.log(np.sin(1.0)) * 2.0)
    with pytest.raises(FloatingPointError, match=r"`log` produced nan .*forward pass inside a "
                                                 r"staged program \(jit, loop or branch body\), "
                                                 r"at " + _site(_log_of_sin, 2)):
        jitted(NAN_AT)


def test_debug_nans_under_jit_traced_before_the_flag():
    jitted = fg.jit(_log_of_sin)
    jitted(NAN_AT)  # traced and compiled with the check off
    fg.config.update("debug_nans", True)
    with pytest.raises(FloatingPointError, match="`log` produced nan"):
        jitted(NAN_AT)


def test_debug_nans_under_vmap_and_in_a_loop_body():
    fg.config.update("debug_nans", True)
    with pytest.raises(FloatingPointError, match="`log`.*" + _site(_log_of_sin, 2)):
        fg.vmap(_log_of_sin)(NAN_AT[:, None])

    def body(i, x):
        return fnp.sqrt(x - 1.0)

    with pytest.raises(FloatingPointError, match="`sqrt` produced nan.*" + _site(body, 1)):
        lax.fori_loop(0, 3, body, 0.5)


def _where_log(x):
    safe = fnp.where(x > 0, fnp.log(x), 0.0)  # the gradient at 0 is nan (0 * inf)
    return fnp.sum(safe)


def test_debug_nans_backward_pass():
    x = np.array([1.0, 0.0])
    assert np.isnan(fg.grad(_where_log)(x)[1])  # forward values are fine: -inf, no nan
    fg.config.update("debug_nans", True)
    _where_log(x)  # the forward pass alone does not raise
    for fun, inside in [(fg.grad(_where_log), ""),
                        (fg.jit(fg.grad(_where_log)), STAGED),
                        (fg.grad(fg.jit(_where_log)), STAGED)]:
        with pytest.raises(FloatingPointError) as info:
            fun(x)
        first = str(info.value).splitlines()[0]
        assert re.search(r"primitive `(div|mul)` produced nan", first), first
        assert f"in the backward pass (a derivative of this line){inside}, at " in first
        assert re.search(_site(_where_log, 1) + r"\.$", first), first


def test_debug_nans_in_constant_folding():
    const = np.array([-1.0, 1.0])

    def f(x):
        return x + fnp.log(const)  # folded while tracing: the check runs then

    fg.config.update("debug_nans", True)
    with pytest.raises(FloatingPointError, match=r"`log` produced nan .*inside constant "
                                                 r"folding, at " + _site(f, 1)):
        fg.jit(f)(1.0)


def test_debug_nans_vjp_with_infinite_cotangent():
    fg.config.update("debug_nans", True)
    _, pullback = fg.vjp(lambda x: x * 0.0, np.ones(2))
    with pytest.raises(FloatingPointError, match="`mul` produced nan .*backward pass"):
        pullback(np.array([np.inf, 1.0]))


def _log(x):
    return fnp.log(x) + 1.0


def test_debug_infs_eager_and_jit():
    x = np.array([1.0, 0.0])
    fg.config.update("debug_infs", True)
    fnp.exp(np.array([np.inf]))  # an inf that comes in is not reported
    fnp.log(np.array([np.nan]))
    for fun, inside in [(_log, ""), (fg.jit(_log), re.escape(STAGED))]:
        expected = (rf"debug_infs: primitive `log` produced inf from operands without inf, in "
                    rf"the forward pass{inside}, at " + _site(_log, 1))
        with pytest.raises(FloatingPointError, match=expected):
            fun(x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        fg.config.update("debug_infs", False)
        fg.config.update("debug_nans", True)
        assert np.isinf(_log(x)[1])  # debug_nans alone lets infinities through


def test_debug_infs_backward_pass():
    fg.config.update("debug_infs", True)

    def f(x):
        return fnp.sum(x * 1e300)

    _, pullback = fg.vjp(f, np.ones(2))
    with pytest.raises(FloatingPointError, match="`mul` produced inf .*backward pass.*"
                                                 + _site(f, 1)):
        pullback(1e300)
