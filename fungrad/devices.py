"""Devices and moving values to and from them: ``fg.devices()``, ``fg.device_put``...

The array type decides where work runs: NumPy arrays on the CPU, CuPy arrays on a GPU. The
CPU device is ``CpuDevice(id=0)``; each CUDA device CuPy sees is a ``CudaDevice(id=i)``, as
JAX reports them. The functions take JAX's signatures so that code written for JAX runs
unchanged: ``device_put`` returns :class:`fungrad.numpy.Array` values on the CPU (views, no
copies) and CuPy arrays on a GPU, ``device_get`` plain NumPy arrays, ``block_until_ready``
waits for the GPU work that computes its argument.

GPUs are looked for on the first call that needs to know (``devices()``,
``default_backend()``, ``device_put``), never at ``import fungrad``: importing CuPy and
asking the driver for its devices takes a few hundred milliseconds, and most programs run on
the CPU. ``default_backend()`` is ``"gpu"`` when CuPy imports and sees a CUDA device, as in
JAX; ``device_put(x)`` then places host values on the first GPU.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from fungrad.array_module import (
    _moves_implicitly,
    device_of,
    is_device_array,
    to_device,
    to_host,
)
from fungrad.config import config
from fungrad.core import Tracer
from fungrad.errors import DeviceMismatchError
from fungrad.numpy.array_type import Array, as_output
from fungrad.tree_util import tree_leaves, tree_map

__all__ = ["Device", "cpu_device", "devices", "local_devices", "device_count",
           "local_device_count",
           "default_backend", "device_put", "device_put_for", "device_get", "block_until_ready",
           "effects_barrier", "check_one_device"]

_BACKENDS = ("cpu", "gpu")
_ALIASES = {"cuda": "gpu"}  # JAX accepts the platform's own name too
_REPR_NAMES = {"cpu": "CpuDevice", "gpu": "CudaDevice"}
_STR_NAMES = {"cpu": "cpu", "gpu": "cuda"}


class Device:
    """A device that holds arrays (JAX's ``Device``): ``platform``, ``id``, ``device_kind``.

    ``platform`` is ``"cpu"`` or ``"gpu"``; ``device_kind`` is the GPU's name (``"NVIDIA
    H100 80GB HBM3"``) or ``"cpu"``.

    Example:
        >>> import fungrad as fg
        >>> fg.devices("cpu")[0]
        CpuDevice(id=0)
        >>> fg.devices("cpu")[0].platform
        'cpu'
    """

    def __init__(self, platform: str, id: int, device_kind: str | None = None):  # noqa: A002
        self.platform = platform
        self.id = id
        self.device_kind = device_kind or platform
        self.process_index = 0
        self.host_id = 0
        self.client = None

    def __repr__(self) -> str:
        name = _REPR_NAMES.get(self.platform, f"{self.platform.capitalize()}Device")
        return f"{name}(id={self.id})"

    def __str__(self) -> str:
        return f"{_STR_NAMES.get(self.platform, self.platform)}:{self.id}"

    def __eq__(self, other) -> bool:
        return isinstance(other, Device) and (other.platform, other.id) == (self.platform,
                                                                              self.id)

    def __hash__(self) -> int:
        return hash((self.platform, self.id))


cpu_device = Device("cpu", 0)

# ---------------------------------------------------------------------------------------
# Finding the GPUs (once, on first use)

_gpu_state: dict[str, Any] = {"devices": None, "why_none": ""}


def _cupy():
    # CuPy is optional and slow to import: only code that has a GPU device imports it.
    import cupy

    return cupy


def _gpu_devices() -> list[Device]:
    """The CUDA devices CuPy sees (``[]`` without CuPy or a device), looked up once."""
    if _gpu_state["devices"] is None:
        _gpu_state["devices"], _gpu_state["why_none"] = _find_gpus()
    return _gpu_state["devices"]


def _find_gpus() -> tuple[list[Device], str]:
    if importlib.util.find_spec("cupy") is None:  # cheap: no import
        return [], "CuPy is not installed (pip install 'fungrad[gpu]')"
    try:
        cupy = _cupy()
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as err:  # noqa: BLE001 (a CuPy for another CUDA, no driver, no device)
        return [], f"CuPy is installed but found no CUDA device ({type(err).__name__}: {err})"
    if count == 0:
        return [], "CuPy is installed but found no CUDA device"
    return [Device("gpu", i, _gpu_name(cupy, i)) for i in range(count)], ""


def _gpu_name(cupy, index: int) -> str:
    name = cupy.cuda.runtime.getDeviceProperties(index).get("name", b"gpu")
    return name.decode() if isinstance(name, bytes) else str(name)


def _device(platform: str, index: int) -> Device:
    """The Device object of ``(platform, index)`` as :func:`device_of` names it."""
    if platform == "cpu":
        return cpu_device
    found = _gpu_state["devices"] or ()
    return found[index] if platform == "gpu" and index < len(found) else Device(platform, index)


def _backend_devices(fn: str, backend: str | None) -> list[Device]:
    if backend is None:
        return _gpu_devices() or [cpu_device]
    name = _ALIASES.get(backend, backend)
    if name == "cpu":
        return [cpu_device]
    if name == "gpu":
        found = _gpu_devices()
        if found:
            return found
        raise RuntimeError(f"{fn}: backend {backend!r} is not available: "
                           f"{_gpu_state['why_none']}; the CPU's is {fn}('cpu').")
    raise RuntimeError(f"{fn}: unknown backend {backend!r}. fungrad's backends: "
                       f"{', '.join(_BACKENDS)}.")


def devices(backend: str | None = None) -> list[Device]:
    """Return the devices of ``backend`` (default: the default backend's).

    Args:
      backend: ``"cpu"``, ``"gpu"`` (or ``"cuda"``), or None for :func:`default_backend`.

    >>> import fungrad as fg
    >>> fg.devices("cpu")
    [CpuDevice(id=0)]
    """
    return list(_backend_devices("devices", backend))


def local_devices(process_index: int | None = None, backend: str | None = None,
                  host_id: int | None = None) -> list[Device]:
    """Return the devices of this process (all of them: fungrad runs in one process).

    Example:
        >>> import fungrad as fg
        >>> fg.local_devices(backend="cpu")
        [CpuDevice(id=0)]
    """
    index = process_index if process_index is not None else host_id
    if index not in (None, 0):
        raise ValueError(f"local_devices: process_index={index!r}, but there is one "
                         "process, with index 0.")
    return list(_backend_devices("local_devices", backend))


def device_count(backend: str | None = None) -> int:
    """Return the number of devices of ``backend`` (default: the default backend).

    Example:
        >>> import fungrad as fg
        >>> fg.device_count("cpu")
        1
    """
    return len(_backend_devices("device_count", backend))


def local_device_count(backend: str | None = None) -> int:
    """Return the number of this process's devices of ``backend`` (fungrad runs in one
    process, so :func:`device_count`'s).

    Example:
        >>> import fungrad as fg
        >>> fg.local_device_count("cpu")
        1
    """
    return len(_backend_devices("local_device_count", backend))


def default_backend() -> str:
    """Return the default backend: ``"gpu"`` when CuPy sees a CUDA device, else ``"cpu"``.

    Example:
        >>> import fungrad as fg
        >>> fg.default_backend() in ("cpu", "gpu")
        True
    """
    return "gpu" if _gpu_devices() else "cpu"


# ---------------------------------------------------------------------------------------
# Moving values


def _target(fn: str, device) -> Device | None:
    """The Device that ``device`` (None, a Device, "cpu", "gpu") names; None stays None."""
    if device is None or isinstance(device, Device) and device == cpu_device:
        return device
    if isinstance(device, str) and _ALIASES.get(device, device) in _BACKENDS:
        if _ALIASES.get(device, device) == "cpu":
            return cpu_device
        if _gpu_devices():
            return _gpu_devices()[0]
    elif isinstance(device, Device) and device in _gpu_devices():
        return device
    known = [cpu_device, *_gpu_devices()]
    why = f" ({_gpu_state['why_none']})" if not _gpu_devices() else ""
    raise ValueError(
        f"{fn}: cannot place a value on {device!r}; the devices are {known}{why}. Pass "
        "device=None, one of fg.devices(), 'cpu' or 'gpu'.")


def _host_leaf(fn: str, leaf):
    if not isinstance(leaf, (np.ndarray, np.generic, bool, int, float, complex)):
        leaf = np.asarray(leaf)
        if leaf.dtype == object:
            raise TypeError(f"{fn}: a leaf of type {type(leaf).__name__} is not an array or a "
                            "scalar.")
    return leaf


def device_put(x: Any, device: Any = None, *, src: Any = None, donate: bool = False,
               may_alias: bool | None = None) -> Any:
    """Return the pytree ``x`` with every array leaf on ``device``.

    On the CPU the leaves are :class:`fungrad.numpy.Array` values (NumPy arrays are viewed,
    not copied, unless ``may_alias=False``); on a GPU they are CuPy arrays, copied there.
    Python and NumPy scalars become 0-d arrays; tracers pass through. With ``device=None``
    host values go to the default device (the first GPU if there is one, as in JAX) and
    arrays already on a GPU stay where they are.

    Args:
      x: a pytree of arrays and scalars.
      device: None, a :class:`Device` from :func:`devices`, ``"cpu"`` or ``"gpu"``.
      src, donate: accepted for JAX compatibility.
      may_alias: False forces a copy.

    >>> import fungrad as fg, numpy as np
    >>> type(fg.device_put(np.ones(2), "cpu")).__name__
    'Array'
    """
    return _put("device_put", x, device, may_alias)


def device_put_for(fn: str, x: Any, device: Any) -> Any:
    """``device_put(x, device)`` for the ``device=`` argument of ``fn`` (an fnp creation
    function): the same placement, with errors that name ``fn``.

    >>> import fungrad as fg
    >>> from fungrad.devices import device_put_for
    >>> device_put_for("fnp.zeros", fg.numpy.zeros(2), "cpu").device
    CpuDevice(id=0)
    """
    return _put(fn, x, device, None)


def _default_device(fn: str) -> Device:
    """Where host values go without a device: ``fg.default_device``'s, else the default
    backend's first device."""
    chosen = config._values["default_device"]
    return _backend_devices(fn, None)[0] if chosen is None else _target(fn, chosen)


def _put(fn: str, x: Any, device: Any, may_alias: bool | None) -> Any:
    target = _target(fn, device)
    host_target = target if target is not None else _default_device(fn)

    def put(leaf):
        if isinstance(leaf, Tracer):
            return leaf
        if is_device_array(leaf):
            if target == cpu_device:
                return as_output(to_host(leaf))
            if target is None or _device(*device_of(leaf)) == target:
                return leaf.copy() if may_alias is False else leaf
            return to_device(leaf, (target.platform, target.id))
        leaf = _host_leaf(fn, leaf)
        if host_target != cpu_device:
            return to_device(np.asarray(leaf), (host_target.platform, host_target.id))
        if may_alias is False and isinstance(leaf, np.ndarray):
            leaf = leaf.copy()
        return as_output(leaf)

    return tree_map(put, x)


def device_get(x: Any) -> Any:
    """Return the pytree ``x`` with every array leaf as a plain NumPy ``ndarray``.

    GPU arrays are copied to the host; other leaves (Python scalars, strings) are returned
    unchanged; a tracer is an error.

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
        if is_device_array(leaf):
            return to_host(leaf)
        return leaf

    return tree_map(get, x)


def block_until_ready(x: Any) -> Any:
    """Wait for every array of the pytree ``x`` to be computed, and return ``x``.

    NumPy finishes its work before a call returns; CuPy queues kernels on a stream and
    returns, so for CuPy arrays this waits until each GPU holding one has finished the work
    queued so far (time GPU code with it inside the timed region).

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> import fungrad.numpy as fnp
        >>> fg.block_until_ready({'w': fnp.ones(2)})
        {'w': Array([1., 1.])}
    """
    waiting = set()
    for leaf in tree_leaves(x):
        if type(leaf) is Array or type(leaf) is np.ndarray:
            continue
        if type(leaf).__module__.startswith("cupy") and is_device_array(leaf):
            waiting.add(device_of(leaf)[1])
        elif hasattr(leaf, "block_until_ready"):
            leaf.block_until_ready()  # another library's asynchronous array
    if waiting:
        cupy = _cupy()
        for index in sorted(waiting):
            cupy.cuda.Device(index).synchronize()
    return x


def effects_barrier() -> None:
    """Wait until the side effects of earlier calls (``fg.debug.print``/``callback``) are done.

    fungrad runs a debug callback while the call that binds it runs, eagerly and inside
    ``jit`` programs (its operands are copied to the host first), so every effect has
    happened by the time a call returns and there is nothing left to wait for; JAX's
    callbacks may still be queued. Ported code calls this before reading what the
    callbacks printed or recorded.

    Example:
        >>> import fungrad as fg
        >>> fg.jit(lambda x: fg.debug.print("x = {}", x) or x)(2.0)
        x = 2.0
        Array(2.)
        >>> fg.effects_barrier()
    """


# ---------------------------------------------------------------------------------------
# One device per call

_ON_HOST = frozenset({np.ndarray, Array, float, int, bool, complex, np.float64, np.float32,
                      np.int64, np.int32, np.bool_})


def check_one_device(where: str | Callable[[], str], leaves: Sequence,
                     name_of: Callable[[int], str]) -> None:
    """Raise if the array ``leaves`` of one call sit on different devices.

    A transform checks its arguments once, where it can name them by key path, with the
    rule of eager primitives (:func:`fungrad.array_module.place_operands`): device arrays
    must share one device, and a host (NumPy) floating array cannot join them; Python and
    NumPy scalars, 0-d and integer or boolean host arrays (indices, masks) move to the
    device by themselves, and tracers belong to no device.

    Args:
      where: the transform and function, e.g. "grad of `loss`", or a function returning
        it (called only to raise: eager grad checks its arguments on every call).
      leaves: the call's flat arguments.
      name_of: the argument (and key path) of a leaf, e.g. "argument `params['w']`"; only
        called to raise.

    Raises:
      DeviceMismatchError: naming both arguments, both devices and the fix.
    """
    if _ON_HOST.issuperset(map(type, leaves)):
        return  # the common case: everything on the host (a C-speed scan)
    first = host = None
    for i, leaf in enumerate(leaves):
        if is_device_array(leaf):
            if first is None:
                first = i
            elif device_of(leaf) != device_of(leaves[first]):
                raise _mixed_devices_error(where, name_of, leaves, first, i)
        elif host is None and isinstance(leaf, np.ndarray) and not _moves_implicitly(leaf):
            host = i
    if first is not None and host is not None:
        raise _mixed_devices_error(where, name_of, leaves, min(first, host), max(first, host))


def _mixed_devices_error(where, name_of, leaves, i: int, j: int) -> DeviceMismatchError:
    if callable(where):
        where = where()
    a, b = _device(*device_of(leaves[i])), _device(*device_of(leaves[j]))
    # Move the host value to the device (or, for two devices, the second to the first's).
    moved, there = (i, b) if a == cpu_device else (j, a)
    return DeviceMismatchError(
        f"{where}: {name_of(i)} ({_describe(leaves[i])}) is on {a!r} but {name_of(j)} "
        f"({_describe(leaves[j])}) is on {b!r}; the arrays of one call must be on one "
        f"device. Move {name_of(moved)} with fg.device_put(x, "
        f"fg.devices({there.platform!r})[{there.id}]) (or bring everything to the host with "
        "fg.device_get).")


def _describe(leaf) -> str:
    t = type(leaf)
    kind = "a fungrad Array" if t is Array else f"a {t.__module__.split('.')[0]}.{t.__name__}"
    return f"{kind} {leaf.dtype}{list(leaf.shape)}"
