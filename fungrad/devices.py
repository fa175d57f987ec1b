"""Devices and moving values to and from them: ``fg.devices()``, ``fg.device_put``...

fungrad runs on the CPU (NumPy arrays; CuPy arrays for the GPU later), so there is one
device, ``CpuDevice(id=0)``, as JAX's CPU backend reports it. The functions take JAX's
signatures so that code written for JAX runs unchanged: ``device_put`` returns
:class:`fungrad.numpy.Array` values (views, no copies), ``device_get`` plain NumPy arrays,
``block_until_ready`` returns its argument (NumPy work is done when a call returns).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fungrad.core import Tracer
from fungrad.numpy.array_type import Array, as_output
from fungrad.tree_util import tree_leaves, tree_map

__all__ = ["Device", "cpu_device", "devices", "local_devices", "device_count",
           "default_backend", "device_put", "device_get", "block_until_ready"]

_BACKENDS = ("cpu",)


class Device:
    """A device that holds arrays (JAX's ``Device``): ``platform``, ``id``, ``device_kind``.

    Example:
        >>> import fungrad as fg
        >>> fg.devices()[0]
        CpuDevice(id=0)
        >>> fg.devices()[0].platform
        'cpu'
    """

    def __init__(self, platform: str, id: int):  # noqa: A002 (JAX's attribute name)
        self.platform = platform
        self.id = id
        self.device_kind = platform
        self.process_index = 0
        self.host_id = 0
        self.client = None

    def __repr__(self) -> str:
        return f"{self.platform.capitalize()}Device(id={self.id})"

    def __str__(self) -> str:
        return f"{self.platform}:{self.id}"

    def __eq__(self, other) -> bool:
        return isinstance(other, Device) and (other.platform, other.id) == (self.platform,
                                                                              self.id)

    def __hash__(self) -> int:
        return hash((self.platform, self.id))


cpu_device = Device("cpu", 0)


def _check_backend(fn: str, backend) -> None:
    if backend is None or backend in _BACKENDS:
        return
    raise RuntimeError(
        f"{fn}: unknown backend {backend!r}. fungrad's backends: {', '.join(_BACKENDS)} "
        "(the GPU backend needs CuPy and is not available yet).")


def devices(backend: str | None = None) -> list[Device]:
    """Return the devices of ``backend`` (default: the default backend): ``[CpuDevice(id=0)]``.

    >>> import fungrad as fg
    >>> fg.devices()
    [CpuDevice(id=0)]
    """
    _check_backend("devices", backend)
    return [cpu_device]


def local_devices(process_index: int | None = None, backend: str | None = None,
                  host_id: int | None = None) -> list[Device]:
    """Return the devices of this process (all of them: fungrad runs in one process).

    Example:
        >>> import fungrad as fg
        >>> fg.local_devices()
        [CpuDevice(id=0)]
    """
    _check_backend("local_devices", backend)
    index = process_index if process_index is not None else host_id
    if index not in (None, 0):
        raise ValueError(f"local_devices: process_index={index!r}, but there is one "
                         "process, with index 0.")
    return [cpu_device]


def device_count(backend: str | None = None) -> int:
    """Return the number of devices of ``backend``: 1.

    Example:
        >>> import fungrad as fg
        >>> fg.device_count()
        1
    """
    return len(devices(backend))


def default_backend() -> str:
    """Return the name of the default backend: ``"cpu"``.

    Example:
        >>> import fungrad as fg
        >>> fg.default_backend()
        'cpu'
    """
    return "cpu"


def _check_device(fn: str, device) -> None:
    if device is None or device == cpu_device or device in _BACKENDS:
        return
    raise ValueError(
        f"{fn}: cannot place a value on {device!r}; the devices are {devices()} (pass "
        "device=None, fg.devices()[0] or 'cpu').")


def device_put(x: Any, device: Any = None, *, src: Any = None, donate: bool = False,
               may_alias: bool | None = None) -> Any:
    """Return the pytree ``x`` with every array leaf a :class:`fungrad.numpy.Array` on ``device``.

    NumPy arrays are viewed, not copied (``may_alias=False`` copies); Python and NumPy
    scalars become 0-d arrays; tracers pass through.

    Args:
      x: a pytree of arrays and scalars.
      device: None, a :class:`Device` from :func:`devices`, or ``"cpu"``.
      src, donate: accepted for JAX compatibility (one device: nothing moves).
      may_alias: False forces a copy.

    >>> import fungrad as fg, numpy as np
    >>> type(fg.device_put(np.ones(2))).__name__
    'Array'
    """
    _check_device("device_put", device)

    def put(leaf):
        if isinstance(leaf, Tracer):
            return leaf
        if not isinstance(leaf, (np.ndarray, np.generic, bool, int, float, complex)):
            leaf = np.asarray(leaf)
            if leaf.dtype == object:
                raise TypeError(f"device_put: a leaf of type {type(leaf).__name__} is not an "
                                "array or a scalar.")
        if may_alias is False and isinstance(leaf, np.ndarray):
            leaf = leaf.copy()
        return as_output(leaf)

    return tree_map(put, x)


def device_get(x: Any) -> Any:
    """Return the pytree ``x`` with every array leaf as a plain NumPy ``ndarray``.

    Other leaves (Python scalars, strings) are returned unchanged; a tracer is an error.

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> import fungrad.numpy as fnp
        >>> type(fg.device_get(fnp.ones(2))) is np.ndarray
        True
    """

    def get(leaf):
        if isinstance(leaf, Tracer):
            raise TypeError(
                f"device_get: got a traced value {leaf.aval.str_short()}; device_get needs "
                "concrete arrays. Call it outside the transformed function.")
        if isinstance(leaf, np.ndarray):
            return leaf.view(np.ndarray) if type(leaf) is not np.ndarray else leaf
        if isinstance(leaf, np.generic):
            return np.asarray(leaf)
        return leaf

    return tree_map(get, x)


def block_until_ready(x: Any) -> Any:
    """Wait for every array of the pytree ``x`` to be computed, and return ``x``.

    NumPy finishes its work before a call returns, so this returns at once; it exists so
    that benchmarking code written for JAX runs unchanged.

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> import fungrad.numpy as fnp
        >>> fg.block_until_ready({'w': fnp.ones(2)})
        {'w': Array([1., 1.])}
    """
    for leaf in tree_leaves(x):
        if type(leaf) is not Array and hasattr(leaf, "block_until_ready"):
            leaf.block_until_ready()  # another library's asynchronous array
    return x
