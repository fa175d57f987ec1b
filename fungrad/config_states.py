"""Options as objects: ``fg.debug_nans``, ``fg.debug_infs``, ``fg.enable_x64``,
``fg.check_tracer_leaks`` and ``fg.checking_leaks`` (JAX 0.10's ``jax.debug_nans``...), and
the rest of JAX's option context managers: ``fg.log_compiles``, ``fg.enable_checks``,
``fg.debug_key_reuse``, ``fg.explain_cache_misses``, ``fg.no_tracing``,
``fg.default_device``, ``fg.default_matmul_precision``,
``fg.numpy_dtype_promotion``, ``fg.numpy_rank_promotion``, the ``fg.transfer_guard_*``
trio and ``fg.transfer_guard`` (all three at once). ``fg.config``'s docstring says what
each option does in fungrad and which of JAX's values it declines.

Each is a :class:`State` over one option of ``fg.config``: ``fg.debug_nans.value`` reads
it, and ``with fg.debug_nans(True):`` sets it for a block (restoring the previous value
after it, even on an error). ``fg.checking_leaks()`` is ``fg.check_tracer_leaks(True)``.
As ``fg.config``, the options are global, not thread-local (JAX's context managers are
thread-local).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from typing import Any

from fungrad.config import config

__all__ = ["State", "debug_nans", "debug_infs", "enable_x64", "check_tracer_leaks",
           "checking_leaks", "log_compiles", "explain_cache_misses", "no_tracing",
           "enable_checks", "debug_key_reuse",
           "default_device", "default_matmul_precision", "numpy_dtype_promotion",
           "numpy_rank_promotion", "transfer_guard_host_to_device",
           "transfer_guard_device_to_host", "transfer_guard_device_to_device",
           "transfer_guard"]

_NO_VALUE: Any = object()


class State:
    """One option of ``fg.config`` as an object: ``.value``, and a context manager."""

    def __init__(self, option: str, default_context_value: Any = True):
        self.option = option
        self.name = f"jax_{option}"  # JAX's name for it (config.update accepts both)
        self._default_context_value = default_context_value

    @property
    def value(self) -> Any:
        """The option's current value."""
        return config._values[self.option]

    def __call__(self, new_val: Any = _NO_VALUE) -> contextlib.AbstractContextManager:
        """Return a context manager setting the option to ``new_val`` (default True)."""
        value = self._default_context_value if new_val is _NO_VALUE else new_val
        if value is _NO_VALUE:
            raise TypeError(f"fg.{self.option}() needs a value, e.g. "
                            f"`with fg.{self.option}({config._values[self.option]!r}):`")
        return self._set_within(value)

    @contextlib.contextmanager
    def _set_within(self, value: Any) -> Iterator[None]:
        previous = self.value
        config.update(self.option, value)  # validates the value before anything changes
        try:
            yield
        finally:
            config.update(self.option, previous)

    def __bool__(self):
        raise TypeError(f"bool() of fg.{self.option} (a State) is ambiguous: read "
                        f"fg.{self.option}.value, or use `with fg.{self.option}(True):`.")

    def __repr__(self) -> str:
        return f"State({self.option}={self.value!r})"


debug_nans = State("debug_nans")
debug_infs = State("debug_infs")
enable_x64 = State("enable_x64")
check_tracer_leaks = State("check_tracer_leaks")
checking_leaks = functools.partial(check_tracer_leaks, True)

log_compiles = State("log_compiles")
explain_cache_misses = State("explain_cache_misses")
no_tracing = State("no_tracing")
enable_checks = State("enable_checks")
debug_key_reuse = State("debug_key_reuse")
# Options that are not True/False take their value explicitly, as in JAX.
default_device = State("default_device", _NO_VALUE)
default_matmul_precision = State("default_matmul_precision", _NO_VALUE)
numpy_dtype_promotion = State("numpy_dtype_promotion", _NO_VALUE)
numpy_rank_promotion = State("numpy_rank_promotion", _NO_VALUE)
transfer_guard_host_to_device = State("transfer_guard_host_to_device", _NO_VALUE)
transfer_guard_device_to_host = State("transfer_guard_device_to_host", _NO_VALUE)
transfer_guard_device_to_device = State("transfer_guard_device_to_device", _NO_VALUE)


@contextlib.contextmanager
def transfer_guard(new_val: str) -> Iterator[None]:
    """Set the three transfer guards to ``new_val`` for a block (JAX's ``transfer_guard``).

    Example:
        >>> import fungrad as fg
        >>> with fg.transfer_guard("allow"):
        ...     fg.transfer_guard_device_to_host.value
        'allow'
    """
    with contextlib.ExitStack() as stack:
        for guard in (transfer_guard_host_to_device, transfer_guard_device_to_host,
                      transfer_guard_device_to_device):
            stack.enter_context(guard(new_val))
        yield
