"""Test-session set-up shared by every test module."""

import atexit
import os
import shutil
import tempfile

# Compiled kernels go to a cache private to this test process, so that which programs run
# fused does not depend on what earlier runs left in the user's cache directory. It is
# removed when the process ends.
if "FUNGRAD_COMPILATION_CACHE_DIR" not in os.environ:
    _cache = tempfile.mkdtemp(prefix="fungrad-test-kernels-")
    os.environ["FUNGRAD_COMPILATION_CACHE_DIR"] = _cache
    atexit.register(shutil.rmtree, _cache, ignore_errors=True)

# JAX, the reference most table rows are compared with, compiles every eager operation with
# XLA; that compile is about half the suite's CPU time. The xdist workers share one
# persistent JAX cache for this run, so a program one worker compiled the other loads (8%
# less time on the scipy rows, measured). XLA's own optimisation flags stay at their
# defaults: lowering them changes JAX's values (lgamma near 1 by an ulp).
if "JAX_COMPILATION_CACHE_DIR" not in os.environ:
    _jax_cache = tempfile.mkdtemp(prefix="fungrad-test-jax-")
    os.environ["JAX_COMPILATION_CACHE_DIR"] = _jax_cache
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
    atexit.register(shutil.rmtree, _jax_cache, ignore_errors=True)


def pytest_collection_modifyitems(config, items):
    """Table rows tagged FP_WARNINGS (tests/tables/spec.py) evaluate primitives at singular
    points on purpose: NumPy's RuntimeWarnings there are expected, not errors."""
    import pytest

    from tests.tables.spec import FP_WARNINGS

    for item in items:
        case = getattr(getattr(item, "callspec", None), "params", {}).get("case")
        if FP_WARNINGS in getattr(case, "tags", ()):
            item.add_marker(pytest.mark.filterwarnings("ignore::RuntimeWarning"))
    # Each parameter of these compiles a new JAX reference program (seconds each): the
    # default run keeps each one's first parameter, --full runs them all.
    seen = set()
    for item in items:
        name = getattr(item, "originalname", item.name)
        if name in JAX_COMPILE_HEAVY:
            if name in seen:
                item.add_marker(pytest.mark.full)
            seen.add(name)
    # Tests marked `full` run only with --full (deselected, not skipped: the default run
    # keeps within CI's 20 minutes on 2 cores).
    if not config.getoption("--full"):
        kept = [item for item in items if item.get_closest_marker("full") is None]
        if len(kept) != len(items):
            config.hook.pytest_deselected(
                items=[item for item in items if item.get_closest_marker("full") is not None])
            items[:] = kept


JAX_COMPILE_HEAVY = {
    "test_welch_and_csd_values_match_jax", "test_stft_values_match_jax",
    "test_dct_values_match_jax", "test_dctn_values_match_jax",
    "test_istft_values_match_jax_and_invert_stft", "test_detrend_values_match_jax",
    "test_scale_and_translate_matches_jax", "test_projection_values_and_derivatives_match_optax",
    "test_local_values_and_grads_match_jax", "test_order_matrices_match_jax_and_scipy",
    "test_special_matrices_from_arrays_match_jax", "test_eigh_tridiagonal_matches_jax_and_scipy",
    "test_perturbed_fun_statistics_match_optax",
}

GPU_SKIP_REASON = "no CUDA GPU / CuPy here"


def _has_gpu() -> bool:
    """Whether CuPy imports and sees a CUDA device (fungrad's own detection)."""
    import fungrad as fg

    return fg.default_backend() == "gpu"


def pytest_addoption(parser):
    parser.addoption(
        "--full", action="store_true", default=False,
        help="also run the tests marked `full` (derivative programs through the Numba "
        "kernels for every table row: about 5 more minutes on 2 cores)")
    parser.addoption(
        "--stop-at", type=float, default=None, metavar="UNIX_TIME",
        help="skip the tests not started by this time (tools/gpu_check.sh's time caps: the "
        "run ends with its summary instead of being killed)")


def pytest_runtest_setup(item):
    """Tests marked ``gpu`` need CuPy and a CUDA device: elsewhere they are skipped (a skip
    means could-not-run-here, never passed). Past ``--stop-at`` every test is skipped."""
    import time

    import pytest

    stop_at = item.config.getoption("--stop-at")
    if stop_at is not None and time.time() > stop_at:
        pytest.skip("not run: the time cap (--stop-at) was reached")
    if item.get_closest_marker("gpu") is not None and not _has_gpu():
        pytest.skip(GPU_SKIP_REASON)
