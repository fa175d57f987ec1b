"""The kernel options that ``fg.config`` holds, read where the kernels need them."""

from __future__ import annotations

import os
from pathlib import Path

_overrides: dict[str, object] = {}


def compilation_cache_dir() -> str | None:
    """``compilation_cache_dir`` option, else ``$FUNGRAD_COMPILATION_CACHE_DIR``, else the
    user's cache directory (``$XDG_CACHE_HOME/fungrad`` or ``~/.cache/fungrad``)."""
    if "compilation_cache_dir" in _overrides:
        return _overrides["compilation_cache_dir"]
    env = os.environ.get("FUNGRAD_COMPILATION_CACHE_DIR")
    if env is not None:
        return env or None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return str(Path(base) / "fungrad")


def exact_math() -> bool:
    """``jit_exact_math``: libm transcendentals instead of the vectorisable ones."""
    return bool(_overrides.get("jit_exact_math", False))
