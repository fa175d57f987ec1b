"""Which program a jitted signature runs: the NumPy executable or the fused kernels.

Compile latency is part of the feature: a first call never waits for Numba unless asked.

- ``backend="numpy"``: the executable (one generated Python function calling the impls).
- ``backend="numba"``: the fused program, compiled on the first call.
- ``backend="gpu"``: the fused CuPy program (:mod:`fungrad.kernels.gpu.driver`), built on
  the first call; CuPy compiles and caches each kernel when it is first launched.
- ``backend="auto"`` (the default): the executable runs while the signature is new. The plan
  is made on the second call (milliseconds, so a function called once never pays for it);
  a plan without kernels stays on the executable. If every kernel is already compiled in
  this process or in the disk cache, the fused program is loaded then, at once. Otherwise
  each call's time is added up, and once the time spent exceeds the expected cost of
  compiling (rent or buy: never worse than twice the better of
  the two choices), the kernels are compiled on the caller's thread and the signature
  switches. Measured on a 2-core machine, compiling in a background thread made the
  foreground about 4x slower for the whole compile (Numba holds the GIL), so it is not done.

If Numba cannot be imported or fails to compile, the executable keeps running and one
warning says why.

Device arrays (CuPy's, or a registered type) never reach the Numba kernels, whatever the
backend: a call with one goes to :func:`device_program` (one type-set test per argument).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable

from fungrad.kernels import settings
from fungrad.kernels.gpu import driver as gpu_driver

from fungrad.array_module import HOST_TYPES, computation_device
from fungrad.interpreters.executable import executable
from fungrad.ir import IR

FIRST_KERNEL_SECONDS = 1.0  # Numba's one-time initialisation plus the first compile
KERNEL_SECONDS = 0.4  # each further kernel (measured 0.3 to 0.55 s on 2 cores)
BACKENDS = ("auto", "numpy", "numba", "gpu")
_state = {"numba_failed": None, "numba_ready": False}


def backend_name(backend: str | None) -> str | None:
    """The backend's name (``"cpu"`` means ``"auto"``, ``"cuda"`` ``"gpu"``, None the
    configured default); an unknown name raises, listing the choices."""
    if backend is None:
        return None
    backend = {"cpu": "auto", "cuda": "gpu"}.get(backend, backend)
    if backend not in BACKENDS:
        raise ValueError(f"jit: backend={backend!r} is not one of {BACKENDS} (or 'cpu', "
                         "'cuda'); 'numpy' runs the impls, 'numba' fused kernels, 'auto' "
                         "switches to kernels once compiling them pays off, 'gpu' runs fused "
                         "CuPy kernels.")
    return backend


def check_backend(backend: str | None) -> str | None:
    """:func:`backend_name`, and for ``"gpu"`` a check that CuPy and a GPU are there (the
    error says what is missing and how to install it)."""
    backend = backend_name(backend)
    if backend == "gpu":
        gpu_driver.runtime()
    return backend


def program(ir: IR, backend: str, install: Callable[[Callable], None]) -> Callable:
    """The function to run ``ir`` with; ``install(run)`` replaces it later (tier switch)."""
    backend = backend or settings.default_backend()
    if backend == "gpu":
        return gpu_driver.program(ir)
    if backend == "numpy" or _state["numba_failed"]:
        return executable(ir)
    if backend == "numba":
        fused = compile_fused(ir)
        return fused if fused is not None else executable(ir)
    return _Tiered(ir, install)


def device_program(ir: IR) -> Callable:
    """The program that runs ``ir`` on device-array arguments: with CuPy arrays the fused
    GPU program (:func:`fungrad.kernels.gpu.driver.program`, built on the first such call),
    with other registered device types the executable, whose device programs call the impls
    through the operands' array module (one program per device, constants moved there).
    """
    run = ir.cache.get("device")
    if run is None:
        run = ir.cache["device"] = _device_dispatch(ir)
    return run


def _device_dispatch(ir: IR) -> Callable:
    impls = executable(ir)

    def run(*args):
        if any(type(a).__module__.startswith("cupy") for a in args):
            fused = ir.cache.get("gpu_program")
            if fused is None:
                fused = ir.cache["gpu_program"] = gpu_driver.program(ir)
            return fused(*args)
        return impls(*args)

    return run


def _host_arguments_only(ir: IR, fused: Callable) -> Callable:
    """``fused`` for calls with host arguments; a call with a device array goes to
    :func:`device_program` (Numba's kernels compute on NumPy arrays only)."""
    host = HOST_TYPES

    def run(*args):
        for a in args:
            if type(a) not in host:
                return _host_or_device(ir, fused, args)
        return fused(*args)

    run.__wrapped__ = fused  # the fused program itself (its source, for inspection)
    return run


def _host_or_device(ir: IR, fused: Callable, args: tuple):
    if computation_device(args) is None:  # an ndarray subclass seen for the first time
        return fused(*args)
    return device_program(ir)(*args)


def compile_fused(ir: IR) -> Callable | None:
    """The fused program for ``ir`` (compiling its kernels now), or None if Numba fails."""
    try:
        from fungrad.kernels.cpu import driver  # noqa: PLC0415 (imports Numba lazily)

        p, kernels = driver.cpu_plan(ir)
        if not kernels:
            return executable(ir)
        run = driver.build(ir, p, kernels)
    except Exception as err:  # noqa: BLE001 (any Numba failure falls back, once, loudly)
        _numba_failed(err)
        return None
    _state["numba_ready"] = True
    return _host_arguments_only(ir, run)


def _numba_failed(err: Exception) -> None:
    if _state["numba_failed"] is None:
        _state["numba_failed"] = err
        warnings.warn(f"fungrad.jit: fused Numba kernels are unavailable ({type(err).__name__}: "
                      f"{err}); jitted functions run the NumPy executable instead.",
                      RuntimeWarning, stacklevel=4)


class _Tiered:
    """Runs the executable and decides when the fused program is worth compiling."""

    __slots__ = ("ir", "install", "fallback", "spent", "cost", "calls")

    def __init__(self, ir: IR, install: Callable[[Callable], None]):
        self.ir = ir
        self.install = install
        self.fallback = executable(ir)
        self.spent = 0.0
        self.cost = None  # expected compile seconds, from the plan
        self.calls = 0

    def __call__(self, *args):
        for a in args:
            if type(a) not in HOST_TYPES:  # device arrays: not counted towards compiling
                if computation_device(args) is not None:
                    return device_program(self.ir)(*args)
                break
        self.calls += 1
        if self.calls == 2 and self._plan():
            return self.ir.cache["fused"](*args)
        start = time.perf_counter()
        out = self.fallback(*args)
        self.spent += time.perf_counter() - start
        if self.cost is not None and self.spent > self.cost:
            self.cost = None
            fused = compile_fused(self.ir)
            self.install(fused if fused is not None else self.fallback)
        return out

    def _plan(self) -> bool:
        """Plan; switch now if every kernel is cached. Return True if switched."""
        try:
            from fungrad.kernels.cpu import cache, driver  # noqa: PLC0415

            p, kernels = driver.cpu_plan(self.ir)
        except Exception as err:  # noqa: BLE001
            _numba_failed(err)
            self.install(self.fallback)
            return False
        if not kernels:
            self.install(self.fallback)
            return False
        try:
            cached = all(cache.is_cached(k) for k in kernels)
        except Exception as err:  # noqa: BLE001 (Numba missing or broken)
            _numba_failed(err)
            self.install(self.fallback)
            return False
        if cached:
            fused = compile_fused(self.ir)
            if fused is not None:
                self.ir.cache["fused"] = fused
                self.install(fused)
                return True
        new = len({k.name for k in kernels} - cache.compiled_names())
        if _state["numba_ready"]:
            self.cost = KERNEL_SECONDS * new
        else:
            self.cost = FIRST_KERNEL_SECONDS + KERNEL_SECONDS * max(new - 1, 0)
        return False
