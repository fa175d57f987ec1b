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


def pytest_collection_modifyitems(config, items):
    """Table rows tagged FP_WARNINGS (tests/tables/spec.py) evaluate primitives at singular
    points on purpose: NumPy's RuntimeWarnings there are expected, not errors."""
    import pytest

    from tests.tables.spec import FP_WARNINGS

    for item in items:
        case = getattr(getattr(item, "callspec", None), "params", {}).get("case")
        if FP_WARNINGS in getattr(case, "tags", ()):
            item.add_marker(pytest.mark.filterwarnings("ignore::RuntimeWarning"))
