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
}
# Options that are not True/False: the values they take.
_CHOICES = {"jit_backend": ("auto", "numba", "numpy", "gpu")}
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
    elif key in _PATHS:
        if value is not None and not isinstance(value, (str, os.PathLike)):
            raise TypeError(f"config.update: option {name!r} takes a path or None; got "
                            f"{type(value).__name__} {value!r:.40}.")
    elif not isinstance(value, bool):
        raise TypeError(f"config.update: option {name!r} takes True or False; got "
                        f"{type(value).__name__} {value!r:.40}.")


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
