"""Test-session set-up shared by every test module."""

import os
import tempfile

# Compiled kernels go to a cache private to this test process, so that which programs run
# fused does not depend on what earlier runs left in the user's cache directory.
os.environ.setdefault("FUNGRAD_COMPILATION_CACHE_DIR",
                      tempfile.mkdtemp(prefix="fungrad-test-kernels-"))
