"""Global options: ``fg.config.update(name, value)``, ``fg.config.NAME`` and ``fg.disable_jit()``.

The options carry JAX's names (JAX's ``jax_``-prefixed spellings, as in
``config.update("jax_debug_nans", True)``, are accepted too, so JAX code carries over):

- ``debug_nans``: the first primitive whose result holds a nan while its operands hold none
  raises :class:`FloatingPointError`, naming the primitive, the user's source line and the
  pass (forward or backward). Checked eagerly, inside jitted programs and in the backward
  pass. See :mod:`fungrad.float_checks`.
- ``debug_infs``: the same for infinities (the operands hold no infinity and no nan).
- ``disable_jit``: ``jit(f)`` calls ``f`` directly, so Python side effects run every call.
- ``jit_backend``: ``"auto"`` (default), ``"numba"``, ``"numpy"`` or ``"gpu"``: the default of
  ``jit(backend=...)`` (see :func:`fungrad.jit`).
- ``jit_exact_math``: fused kernels call libm for exp/log/tanh/logistic instead of the
  vectorisable polynomials of ``fungrad.kernels.cpu.vmath`` (slower, bit-for-bit libm).
- ``compilation_cache_dir``: where compiled kernels are kept: a path, or ``""`` for memory
  only; the default ``None`` means ``$FUNGRAD_COMPILATION_CACHE_DIR``, else
  ``$XDG_CACHE_HOME/fungrad`` (``~/.cache/fungrad``), as JAX's cache directory option.
- ``jit_kernel_threads``: threads a fused kernel of at least 2**17 elements may use
  (``numba.prange`` over its outer loop) on calls that find a core free; default 1 (serial).
- ``check_tracer_leaks``: after each transform returns, look for tracers of it that are
  still referenced (stored in a global, an attribute, a closure) and raise
  :class:`fungrad.errors.LeakedTracerError` naming the transform (slow: it walks the
  garbage collector's objects; ``fg.checking_leaks()`` turns it on for a block).
- ``enable_x64``: accepted for JAX compatibility. fungrad's default dtypes follow NumPy and
  are already 64-bit (float64, int64); unlike JAX, ``False`` does not switch them to 32-bit
  (a warning says so).

- ``log_compiles``: each time ``jit`` traces a function (a new signature), log a warning on
  the ``"fungrad.jit"`` logger naming the function and its argument types (as JAX logs).
- ``explain_cache_misses``: each time a jitted function traces again, log a warning on the
  ``"fungrad.jit"`` logger saying why: never seen before, or how the call differs from the
  closest cached trace (argument shapes/dtypes by name, static arguments, pytree structure,
  vmap axis names). See :mod:`fungrad.transforms.cache_misses`.
- ``no_tracing``: ``jit`` raises RuntimeError instead of tracing (a cached trace still runs),
  to prove a loop retraces nothing. fungrad's eager operations never trace (unlike JAX's,
  which are small jitted programs), so only ``jit`` (and ``.lower``) are refused.
- ``default_device``: None, a :class:`fungrad.Device`, ``"cpu"`` or ``"gpu"``: where
  ``device_put(x)`` (no device) places host values; None means the default backend's first
  device (``fg.default_device(d)`` sets it for a block).
- ``default_matmul_precision``: accepted with JAX's values and ignored: fungrad's dots and
  convolutions always compute at the operands' full precision.
- ``numpy_dtype_promotion``: ``"standard"`` only (``"strict"`` raises NotImplementedError);
  ``numpy_rank_promotion``: ``"allow"`` only (``"warn"``/``"raise"`` likewise).
- ``enable_checks``: accepted; fungrad has no extra internal checks to turn on.
- ``debug_key_reuse``: False only (True raises NotImplementedError: fungrad does not track
  key uses).
- ``transfer_guard_host_to_device``, ``..._device_to_host``, ``..._device_to_device``: None
  or ``"allow"`` (fungrad's transfers are explicit: ``device_put``, or a captured constant
  moved by a transform); the logging and disallowing values raise NotImplementedError.
Unlike JAX, options are global, not thread-local.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterator
from typing import Any

from fungrad import float_checks

__all__ = ["Config", "config", "disable_jit", "switches"]

_DEFAULTS: dict[str, Any] = {
    "debug_nans": False,
    "debug_infs": False,
    "check_tracer_leaks": False,
    "disable_jit": False,
    "enable_x64": True,
    "jit_backend": "auto",
    "jit_exact_math": False,
    "compilation_cache_dir": None,
    "jit_kernel_threads": 1,
    "log_compiles": False,
    "explain_cache_misses": False,
    "no_tracing": False,
    "enable_checks": False,
    "debug_key_reuse": False,
    "default_device": None,
    "default_matmul_precision": None,
    "numpy_dtype_promotion": "standard",
    "numpy_rank_promotion": "allow",
    "transfer_guard_host_to_device": None,
    "transfer_guard_device_to_host": None,
    "transfer_guard_device_to_device": None,
}
# Options that are not True/False: the values they take.
_TRANSFER_GUARDS = (None, "allow", "log", "disallow", "log_explicit", "disallow_explicit")
_CHOICES = {
    "jit_backend": ("auto", "numba", "numpy", "gpu"),
    "default_matmul_precision": (
        None, "default", "high", "highest", "bfloat16", "tensorfloat32", "float32",
        "ANY_F8_ANY_F8_F32", "ANY_F8_ANY_F8_F32_FAST_ACCUM", "ANY_F8_ANY_F8_ANY",
        "ANY_F8_ANY_F8_ANY_FAST_ACCUM", "F16_F16_F16", "F16_F16_F32", "BF16_BF16_BF16",
        "BF16_BF16_F32", "BF16_BF16_F32_X3", "BF16_BF16_F32_X6", "BF16_BF16_F32_X9",
        "TF32_TF32_F32", "TF32_TF32_F32_X3", "F32_F32_F32", "F64_F64_F64"),
    "numpy_dtype_promotion": ("standard", "strict"),
    "numpy_rank_promotion": ("allow", "warn", "raise"),
    "transfer_guard_host_to_device": _TRANSFER_GUARDS,
    "transfer_guard_device_to_host": _TRANSFER_GUARDS,
    "transfer_guard_device_to_device": _TRANSFER_GUARDS,
}
# Values JAX accepts that fungrad cannot honour: (option, value) -> why, and what to do.
_UNSUPPORTED = {
    ("numpy_dtype_promotion", "strict"): "fungrad promotes dtypes as NumPy does (NEP 50); "
    "cast operands to one dtype explicitly instead",
    **{("numpy_rank_promotion", v): "fungrad broadcasts ranks as NumPy does; check shapes "
       "explicitly (fnp.shape) instead" for v in ("warn", "raise")},
    ("debug_key_reuse", True): "fungrad does not track how often a random key is used; "
    "split keys with fg.random.split before each use",
    **{(f"transfer_guard_{kind}", v): "fungrad does not guard transfers (they are explicit: "
       "fg.device_put, or a captured constant a transform moves)"
       for kind in ("host_to_device", "device_to_host", "device_to_device")
       for v in ("log", "disallow", "log_explicit", "disallow_explicit")},
}
_DEVICES = {"default_device"}
_PATHS = {"compilation_cache_dir"}
_COUNTS = {"jit_kernel_threads"}


class _Switches:
    """The options that hot paths read, as plain attributes (one lookup, no dict)."""

    __slots__ = ("disable_jit",)

    def __init__(self):
        self.disable_jit = False


switches = _Switches()


class Config:
    """fungrad's global options: read ``config.NAME``, change with ``config.update``."""

    def __init__(self):
        object.__setattr__(self, "_values", dict(_DEFAULTS))

    @property
    def values(self) -> dict[str, Any]:
        """Return a copy of every option and its current value."""
        return dict(self._values)

    def update(self, name: str, value: Any) -> None:
        """Set option ``name`` (see the module docstring) to ``value``.

        Example:
            >>> import fungrad as fg
            >>> fg.config.update("debug_nans", True); fg.config.debug_nans
            True
            >>> fg.config.update("debug_nans", False)
        """
        key = _canonical(name, "config.update")
        _check_value(name, key, value)
        if key == "enable_x64" and not value:
            warnings.warn("fungrad: enable_x64=False has no effect: fungrad's default dtypes "
                          "follow NumPy and stay 64-bit; cast explicitly (x.astype(float32)) "
                          "for 32-bit arrays.", UserWarning, stacklevel=2)
        self._values[key] = value
        switches.disable_jit = self._values["disable_jit"]
        float_checks.install(nans=self._values["debug_nans"], infs=self._values["debug_infs"])

    def __getattr__(self, name: str):
        if name.startswith("_"):  # dunder probes (copy, pickle), and _values before init
            raise AttributeError(name)
        return self._values[_canonical(name, "fg.config")]

    def __setattr__(self, name: str, value):
        raise AttributeError(f"fg.config: options are read-only attributes; use "
                             f"fg.config.update({name!r}, {value!r}).")

    def __repr__(self):
        return f"Config({self._values})"


def _check_value(name: str, key: str, value) -> None:
    """Raise TypeError/ValueError for a value option ``key`` cannot take."""
    if key in _CHOICES:
        if value not in _CHOICES[key]:
            raise ValueError(f"config.update: option {name!r} takes one of {_CHOICES[key]}; "
                             f"got {value!r:.40}.")
    elif key in _COUNTS:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"config.update: option {name!r} takes a positive int; got "
                             f"{value!r:.40}.")
    elif key in _DEVICES:
        if not (value is None or value in ("cpu", "gpu", "cuda")
                or getattr(value, "platform", None) in ("cpu", "gpu")):
            raise ValueError(f"config.update: option {name!r} takes None, a device of "
                             f"fg.devices(), 'cpu' or 'gpu'; got {value!r:.40}.")
    elif key in _PATHS:
        if value is not None and not isinstance(value, (str, os.PathLike)):
            raise TypeError(f"config.update: option {name!r} takes a path or None; got "
                            f"{type(value).__name__} {value!r:.40}.")
    elif not isinstance(value, bool):
        raise TypeError(f"config.update: option {name!r} takes True or False; got "
                        f"{type(value).__name__} {value!r:.40}.")
    if isinstance(value, (str, bool)) and (key, value) in _UNSUPPORTED:
        raise NotImplementedError(f"config.update: option {name!r}={value!r} is not "
                                  f"supported: {_UNSUPPORTED[key, value]}.")


def _canonical(name: str, where: str) -> str:
    """Return the option's fungrad name; raise AttributeError listing the known names."""
    key = name[4:] if isinstance(name, str) and name.startswith("jax_") else name
    if key not in _DEFAULTS:
        known = ", ".join(sorted(_DEFAULTS))
        raise AttributeError(f"{where}: unrecognized option {name!r}. Known options: {known} "
                             "(JAX's jax_-prefixed names are accepted too).")
    return key


config = Config()


@contextlib.contextmanager
def disable_jit(disable: bool = True) -> Iterator[None]:
    """Context manager: inside it ``jit(f)(*args)`` calls ``f`` eagerly (JAX's ``disable_jit``).

    Python side effects of ``f`` (prints, appends) then run on every call, and
    ``print(x)`` shows concrete values; useful for stepping through a jitted function.

    Example:
        >>> import fungrad as fg
        >>> calls = []
        >>> f = fg.jit(lambda x: calls.append(1) or x * 2.0)
        >>> with fg.disable_jit():
        ...     _ = f(1.0); _ = f(1.0)
        >>> len(calls)
        2
    """
    previous = config.disable_jit
    config.update("disable_jit", bool(disable))
    try:
        yield
    finally:
        config.update("disable_jit", previous)
