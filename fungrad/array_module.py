"""Which array library holds a value: NumPy on the host, or a registered device array type.

(The cupy-devices branch's stand-in for the interface the cupy-eager branch builds: the
same four names, enough for fungrad.devices; cupy-eager's module replaces it at the merge.)
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import ModuleType

import numpy as np

__all__ = ["get_array_module", "register_array_type", "device_of", "is_device_array"]

# type -> (its array module, device_of(x) -> (platform, id))
_ARRAY_TYPES: dict[type, tuple[ModuleType, Callable]] = {}


def register_array_type(cls: type, module: ModuleType, device_of: Callable) -> None:
    """Declare ``cls`` a device array type whose functions live in ``module``."""
    _ARRAY_TYPES[cls] = (module, device_of)


def _cupy_device(x) -> tuple[str, int]:
    return ("gpu", x.device.id)


def _entry(x):
    t = type(x)
    entry = _ARRAY_TYPES.get(t)
    if entry is None and t.__module__.startswith("cupy") and hasattr(x, "shape"):
        cupy = sys.modules["cupy"]  # a CuPy array exists, so CuPy is imported
        register_array_type(t, cupy, _cupy_device)
        entry = _ARRAY_TYPES[t]
    return entry


def get_array_module(*xs) -> ModuleType:
    """The array module of the first device array among ``xs``, else NumPy."""
    for x in xs:
        entry = _entry(x)
        if entry is not None:
            return entry[0]
    return np


def device_of(x) -> tuple[str, int]:
    """``("cpu", 0)`` for host values, ``(platform, id)`` for a device array."""
    entry = _entry(x)
    return ("cpu", 0) if entry is None else entry[1](x)


def is_device_array(x) -> bool:
    """Whether ``x`` is an array of a registered device array type (CuPy's, say)."""
    return _entry(x) is not None
