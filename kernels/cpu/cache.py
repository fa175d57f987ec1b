"""Compiling kernels with Numba, cached in memory and on disk.

**Memory.** A dict from kernel name (a hash of its source, which includes its signature) to
the compiled entry point, shared by every jitted function in the process: the six SGD
updates of an MLP are one kernel.

**Disk.** Each kernel is a module ``fk_<hash>.py`` in the cache directory, written once
(to a temporary name, then ``os.replace``, so readers never see half a file) and never
rewritten, with ``@njit(signature, cache=True)``: Numba stores the machine code beside it
(``__pycache__``), keyed by the file's stamp, the signature and the CPU. The directory's
name carries the Numba, llvmlite and NumPy versions and the CPU, so an upgrade starts a new
cache instead of loading stale code. A corrupt entry (a failing import or load) or a module
whose text is not the kernel's is deleted with Numba's files beside it and compiled again;
a read-only directory, or a path that cannot be one, compiles in memory only and creates
nothing. ``stats["loaded"]`` counts the kernels Numba took from the disk, ``"compiled"`` the
others (Numba itself recompiles an index that does not match the source, CPU or signature).

**Where.** ``fg.config.update("compilation_cache_dir", path)``, else the environment variable
``FUNGRAD_COMPILATION_CACHE_DIR`` (as JAX's ``JAX_COMPILATION_CACHE_DIR``), else
``$XDG_CACHE_HOME/fungrad`` (``~/.cache/fungrad``).

**Processes.** Numba numbers compiled functions with a per-process counter, so two forked
processes that compile different functions can emit the same symbol for different bodies,
and a process loading both from the cache then calls the wrong one (numba#10486). Kernels
here have unique module names (their hash); as well, the counter is replaced by random ids
when Numba is first imported.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import platform
import secrets
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from fungrad.kernels.cpu.codegen import Kernel

_compiled: dict[str, Callable] = {}
_lock = threading.Lock()
stats = {"compiled": 0, "loaded": 0, "memory_hits": 0, "compile_seconds": 0.0}


def _new_lock_in_child() -> None:
    # A fork taken while another thread compiles would copy the lock held, forever.
    global _lock  # noqa: PLW0603
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_new_lock_in_child)


@functools.cache
def numba_module():
    """Import Numba on first use (the import alone costs 0.2 to 0.9 s)."""
    import numba  # noqa: PLC0415 (lazy: jit works without Numba)
    from numba.core import bytecode  # noqa: PLC0415

    identity = getattr(bytecode, "FunctionIdentity", None)
    if identity is not None and hasattr(identity, "_unique_ids"):
        identity._unique_ids = _RandomIds()
    return numba


class _RandomIds:
    """Random 63-bit function ids: forked processes cannot hand out the same one twice."""

    def __iter__(self):
        return self

    def __next__(self) -> int:
        return secrets.randbits(63)


def cache_root() -> Path | None:
    """The configured cache directory (None: memory only)."""
    from fungrad.kernels import settings  # noqa: PLC0415 (settings read fungrad.config)

    path = settings.compilation_cache_dir()
    return Path(path) if path else None


def cache_dir() -> Path | None:
    """This process's versioned kernel directory, created if possible (None if not).

    Finding it imports nothing heavy (versions come from package metadata), so a first call
    can look for cached kernels without paying for ``import numba``.
    """
    root = cache_root()
    if root is None:
        return None
    path = root / "kernels" / _versions_key()
    if not path.is_dir():
        existing = next(p for p in path.parents if p.exists())
        if not os.access(existing, os.W_OK):
            return None  # read-only: create nothing there
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError:
            return None
    return path if os.access(path, os.W_OK) else None


@functools.cache
def _versions_key() -> str:
    """Numba, llvmlite and NumPy versions, the CPU and a hash of the kernel helpers."""
    versions = "-".join(f"{p}-{metadata.version(p)}" for p in ("numba", "llvmlite", "numpy"))
    return f"{versions}-{_cpu_key()}-vmath-{_helpers_hash()}"


def _cpu_key() -> str:
    """The machine and a hash of its CPU feature flags (Numba compiles for the host CPU)."""
    flags = ""
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((line for line in f if line.startswith("flags")), "")
    except OSError:
        pass
    return f"{platform.machine()}-{hashlib.sha256(flags.encode()).hexdigest()[:8]}"


@functools.cache
def _helpers_hash() -> str:
    """A hash of the helper module the kernels call: Numba's cache of a kernel embeds the
    helpers' code but checks only the kernel file's stamp, so a changed helper must not
    find old kernels."""
    path = Path(__file__).with_name("vmath.py")
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def compiled(kernel: Kernel) -> Callable:
    """The compiled entry point of ``kernel`` (memory, then disk, then a fresh compile)."""
    entry = _compiled.get(kernel.name)
    if entry is not None:
        stats["memory_hits"] += 1
        return entry
    with _lock:
        entry = _compiled.get(kernel.name)
        if entry is None:
            start = time.perf_counter()
            entry = _compiled[kernel.name] = _load_or_compile(kernel)
            stats["compile_seconds"] += time.perf_counter() - start
    return entry


def compiled_names() -> set[str]:
    """The names of the kernels compiled (or loaded) in this process."""
    return set(_compiled)


def is_cached(kernel: Kernel) -> bool:
    """True if ``kernel`` is compiled in this process or its module is in the disk cache.

    Raises ImportError if Numba cannot be found (without importing it), so that a first
    call falls back to the executable, with its warning, at once.
    """
    if kernel.name in _compiled:
        return True
    if importlib.util.find_spec("numba") is None:
        raise ImportError("Numba is not installed (or its import is blocked)")
    directory = cache_dir()
    return directory is not None and (directory / f"{kernel.name}.py").exists() and any(
        (directory / "__pycache__").glob(f"{kernel.name}.kernel-*.nbi"))


def _load_or_compile(kernel: Kernel) -> Callable:
    numba_module()  # before touching files: a missing Numba is no corrupt entry
    directory = cache_dir()
    if directory is None:
        return _compile_in_memory(kernel)
    path = directory / f"{kernel.name}.py"
    try:
        _write_once(path, kernel.source)
        dispatcher = _import_kernel(kernel, path)
    except Exception:
        # A corrupt entry (Numba's index or data unreadable): drop it and compile again.
        _remove_entry(directory, kernel.name)
        try:
            _write_once(path, kernel.source)
            dispatcher = _import_kernel(kernel, path)
        except OSError:
            return _compile_in_memory(kernel)
    # Numba itself recompiles an entry it finds stale (another source, CPU or signature).
    stats["loaded" if sum(dispatcher.stats.cache_hits.values()) else "compiled"] += 1
    return _entry_point(dispatcher)


def _write_once(path: Path, source: str) -> None:
    if path.exists():
        if path.read_text() == source:
            return
        # A damaged file or another text under this name: drop what Numba compiled from it
        # (older Numbas stamp sources by mtime and size, not content) and write ours.
        _remove_entry(path.parent, path.stem)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(source)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _import_kernel(kernel: Kernel, path: Path):
    """The Numba dispatcher of the module at ``path`` (loaded or compiled by Numba)."""
    name = f"fungrad_kernels.{kernel.name}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # Numba's cache locator finds the module by name
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module.kernel


def _entry_point(dispatcher) -> Callable:
    """The compiled function itself, skipping the dispatcher's type resolution (~0.7 us)."""
    (signature,) = dispatcher.signatures
    return dispatcher.overloads[signature].entry_point


def _compile_in_memory(kernel: Kernel) -> Callable:
    namespace: dict = {"__name__": f"fungrad_kernels.{kernel.name}"}
    source = kernel.source.replace("cache=True", "cache=False")
    exec(compile(source, f"<{kernel.name}>", "exec"), namespace)  # noqa: S102 (generated)
    stats["compiled"] += 1
    return _entry_point(namespace["kernel"])


def _remove_entry(directory: Path, name: str) -> None:
    sys.modules.pop(f"fungrad_kernels.{name}", None)
    (directory / f"{name}.py").unlink(missing_ok=True)
    for f in (directory / "__pycache__").glob(f"{name}.*"):
        f.unlink(missing_ok=True)


def clear_memory() -> None:
    """Forget the kernels compiled in this process (the disk cache stays)."""
    _compiled.clear()


def clear_disk() -> None:
    """Delete this process's versioned kernel directory."""
    directory = cache_dir()
    if directory is not None:
        shutil.rmtree(directory, ignore_errors=True)
