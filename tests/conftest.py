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
