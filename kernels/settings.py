"""The kernel options that ``fg.config`` holds, read where the kernels need them."""

from __future__ import annotations

import os
from pathlib import Path

from fungrad.config import config


def compilation_cache_dir() -> str | None:
    """The kernel cache's root: the ``compilation_cache_dir`` option (``""``: none), else
    ``$FUNGRAD_COMPILATION_CACHE_DIR``, else ``$XDG_CACHE_HOME/fungrad`` or
    ``~/.cache/fungrad``."""
    value = config.compilation_cache_dir
    if value is not None:
        return str(value) or None
    env = os.environ.get("FUNGRAD_COMPILATION_CACHE_DIR")
    if env is not None:
        return env or None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return str(Path(base) / "fungrad")


def exact_math() -> bool:
    """``jit_exact_math``: libm transcendentals instead of the vectorisable ones."""
    return bool(config.jit_exact_math)


def default_backend() -> str:
    """``jit_backend``: the backend of ``jit`` calls that do not name one."""
    return config.jit_backend


def kernel_threads() -> int:
    """``jit_kernel_threads``: threads a large kernel may use when cores are free (1: serial)."""
    return int(config.jit_kernel_threads)
