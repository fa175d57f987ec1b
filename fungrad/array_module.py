"""Which array module computes on given operands: NumPy, CuPy, or a registered stand-in.

The array type decides the backend (DESIGN.md): a primitive's impl asks
:func:`get_array_module` for the module of its operands and calls ``xp.sin``, ``xp.sum``...
on it, never ``np.*`` on an operand. NumPy operands take a fast path (one set lookup per
operand). CuPy is recognised lazily, by the name of an operand type's module, and imported
only when such an operand appears; other device array types (the test suite's stand-in)
are registered with :func:`register_array_type`.

Devices are ``(platform, id)`` pairs here (``("cpu", 0)`` for host values, ``("gpu", 0)``
for CuPy's first GPU); :mod:`fungrad.devices` maps them onto ``fg.Device``.

Placement rule for one primitive (:func:`place_operands`, called by ``bind`` only when an
operand is not a host value): every device operand must be on one device; Python scalars
stay as they are (device modules take them as weak scalars); NumPy scalars, 0-d NumPy
arrays and broadcast scalars (every stride 0, as the interpreters' zeros are) move to that
device, and so do integer and boolean arrays (index arrays, masks); other (floating) host
arrays raise :class:`DeviceMismatchError` unless the caller is the
machinery evaluating a traced program (its NumPy constants move to the computation's
device, see ``core.Trace.bind_on_parent``, ``ir.eval_ir`` and the jit executable).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from fungrad.errors import DeviceMismatchError

__all__ = ["HOST_DEVICE", "HOST_TYPES", "ArrayBackend", "register_array_type",
           "get_array_module", "backend_of", "module_backend", "device_of",
           "is_device_array", "to_device", "to_host", "place_operands", "computation_device",
           "scatter_add", "DeviceMismatchError"]

HOST_DEVICE = ("cpu", 0)

# Exact types of host values (ndarray subclasses such as fnp.Array join on first sight).
HOST_TYPES: set[type] = {np.ndarray, bool, int, float, complex, type(None)}
HOST_TYPES.update(t for t in np.sctypeDict.values() if issubclass(t, np.generic))


class ArrayBackend(NamedTuple):
    """How fungrad reaches one device array type.

    ``module`` is NumPy-compatible (``xp.sin``, ``xp.linalg.solve``...); ``device_of(x)``
    returns ``(platform, id)``; ``to_device(host_value, id)`` copies a NumPy value onto
    device ``id``; ``to_host(x)`` copies a device array into a NumPy array;
    ``scatter_add(target, index, values)`` adds in place with repeated indices accumulated
    (``np.add.at``'s contract).
    """

    module: Any
    device_of: Callable
    to_device: Callable
    to_host: Callable
    scatter_add: Callable


_BY_TYPE: dict[type, ArrayBackend] = {}
_BY_PLATFORM: dict[str, ArrayBackend] = {}
_BY_MODULE: dict[int, ArrayBackend] = {}


def register_array_type(cls: type, module: Any, device_of: Callable, *,
                        to_device: Callable | None = None, to_host: Callable | None = None,
                        scatter_add: Callable | None = None,
                        platform: str | None = None) -> ArrayBackend:
    """Make ``cls`` a device array type computed on by ``module``.

    Args:
      cls: the array type (instances of subclasses count too).
      module: its NumPy-like module.
      device_of: ``x -> (platform, id)``; every array of one platform shares the module.
      to_device: ``(numpy_value, id) -> array``; default ``module.asarray(value)``.
      to_host: ``array -> numpy.ndarray``; default ``module.asnumpy``.
      scatter_add: ``(target, index, values) -> None``; default ``module.scatter_add``.
      platform: the platform name ``device_of`` reports, so that :func:`to_device` finds
        the backend before any of its arrays was seen (otherwise learnt on first sight).

    Returns:
      The registered :class:`ArrayBackend`.
    """
    backend = ArrayBackend(
        module=module, device_of=device_of,
        to_device=to_device or (lambda value, _id: module.asarray(value)),
        to_host=to_host or module.asnumpy,
        scatter_add=scatter_add or getattr(module, "scatter_add", None))
    _BY_TYPE[cls] = backend
    _BY_MODULE[id(module)] = backend
    if platform is not None:
        _BY_PLATFORM[platform] = backend
    return backend


def _device(backend: ArrayBackend, x) -> tuple[str, int]:
    """``backend.device_of(x)``, remembering the platform's backend for :func:`to_device`."""
    device = backend.device_of(x)
    if device[0] not in _BY_PLATFORM:
        _BY_PLATFORM[device[0]] = backend
    return device


def _cupy_backend() -> ArrayBackend | None:
    """Register CuPy on first sight of one of its arrays (fungrad never imports it before)."""
    try:
        import cupy  # noqa: PLC0415 (optional: imported only when a CuPy array appears)
        import cupyx  # noqa: PLC0415
    except ImportError:
        return None

    def to_device(value, device_id):
        with cupy.cuda.Device(device_id):
            return cupy.asarray(value)

    backend = register_array_type(
        cupy.ndarray, cupy, lambda x: ("gpu", x.device.id), to_device=to_device,
        to_host=cupy.asnumpy, scatter_add=cupyx.scatter_add, platform="gpu")
    return backend


def backend_of(x: Any) -> ArrayBackend | None:
    """The backend of a device array, or None for host values (and anything unknown)."""
    t = type(x)
    if t in HOST_TYPES:
        return None
    backend = _BY_TYPE.get(t)
    if backend is not None:
        return backend
    if isinstance(x, (np.ndarray, np.generic)):
        HOST_TYPES.add(t)
        return None
    if t.__module__.startswith("cupy") and _cupy_backend() is not None:
        return _BY_TYPE.get(t) or _subclass_backend(x)
    return _subclass_backend(x)


def _subclass_backend(x) -> ArrayBackend | None:
    for cls, backend in list(_BY_TYPE.items()):
        if isinstance(x, cls):
            _BY_TYPE[type(x)] = backend
            return backend
    return None


def get_array_module(*operands):
    """Return the module (``numpy``, ``cupy``, a registered one) that computes on operands.

    NumPy arrays, NumPy scalars and Python scalars give ``numpy``; the first device array
    decides otherwise (``bind`` has checked that all are on one device).

    >>> import numpy as np
    >>> get_array_module(np.ones(2), 1.0) is np
    True
    """
    for x in operands:
        if type(x) not in HOST_TYPES:
            for y in operands:
                backend = backend_of(y)
                if backend is not None:
                    return backend.module
            return np
    return np


def module_backend(xp) -> ArrayBackend | None:
    """The backend whose module is ``xp`` (None for NumPy)."""
    return _BY_MODULE.get(id(xp))


def device_of(x: Any) -> tuple[str, int]:
    """``(platform, id)`` of the device holding ``x``: ``("cpu", 0)`` for host values."""
    backend = backend_of(x)
    return HOST_DEVICE if backend is None else _device(backend, x)


def is_device_array(x: Any) -> bool:
    """Whether ``x`` is an array of a device backend (CuPy or registered), not a host value."""
    return backend_of(x) is not None


def to_host(x: Any):
    """``x`` as a NumPy value: device arrays are copied to the host, host values returned."""
    backend = backend_of(x)
    return x if backend is None else backend.to_host(x)


def to_device(x: Any, device: tuple[str, int]):
    """Copy a host value (or a device array) onto ``device`` (``(platform, id)``).

    A broadcast scalar (every stride 0, e.g. the interpreters' zeros) moves one element and
    broadcasts on the device. ``("cpu", 0)`` returns a host value.
    """
    if device == HOST_DEVICE:
        return to_host(x)
    platform, device_id = device
    backend = _BY_PLATFORM.get(platform)
    if backend is None and platform == "gpu":
        backend = _cupy_backend()
    if backend is None:
        raise ValueError(f"to_device: no array backend for platform {platform!r}; known: "
                         f"{sorted(_BY_PLATFORM) or 'none'} (CuPy registers 'gpu').")
    if backend_of(x) is not None:
        if _device(backend, x) == device:
            return x
        x = to_host(x)
    if isinstance(x, np.ndarray) and x.ndim and not any(x.strides) and x.size:
        scalar = backend.to_device(np.asarray(x.reshape(-1)[0]), device_id)
        return backend.module.broadcast_to(scalar, x.shape)
    return backend.to_device(x, device_id)


def _moves_implicitly(x) -> bool:
    """Host values that move to the device of a computation instead of raising: scalars,
    broadcast scalars (the interpreters' zeros), and integer/boolean arrays (index arrays
    and masks, which CuPy's indexing takes from the host too)."""
    return isinstance(x, np.generic) or (isinstance(x, np.ndarray) and (
        x.ndim == 0 or not any(x.strides) or x.dtype.kind in "biu"))


def constant_like(value, like):
    """A NumPy constant built by a rule, placed on ``like``'s device (unchanged on the host
    and for tracers, whose IR captures it as a constant)."""
    backend = backend_of(like)
    if backend is None:
        return value
    return to_device(value, _device(backend, like))


def computation_device(values) -> tuple[str, int] | None:
    """The device of the first device array among ``values`` (None if all are host)."""
    for x in values:
        backend = backend_of(x)
        if backend is not None:
            return _device(backend, x)
    return None


def constants_on_device(consts, values) -> list:
    """A traced program's NumPy constants, moved to the device of the first device array
    among ``values`` (returned as they are when every value is a host value)."""
    for x in values:
        backend = backend_of(x)
        if backend is not None:
            device = _device(backend, x)
            return [to_device(c, device) if isinstance(c, (np.ndarray, np.generic)) else c
                    for c in consts]
    return consts


def place_operands(name: str, args: tuple, strict: bool = True) -> tuple:
    """Return ``args`` with host constants moved to the device of the device operands.

    Args:
      name: the primitive (or function) the operands are for, for the error.
      args: its operands.
      strict: raise for a host array that is not a scalar (True for a user's eager call);
        False moves it too (the constants of a traced program).

    Raises:
      DeviceMismatchError: operands on two devices, or a host array with ``strict``.
    """
    target = first = None
    for i, a in enumerate(args):
        backend = backend_of(a)
        if backend is None:
            continue
        device = _device(backend, a)
        if target is None:
            target, first = device, i
        elif device != target:
            raise DeviceMismatchError(_mismatch(name, i, a, device, first, target))
    if target is None:
        return args
    placed = list(args)
    for i, a in enumerate(args):
        if isinstance(a, (np.ndarray, np.generic)):
            if strict and not _moves_implicitly(a):
                raise DeviceMismatchError(_mismatch(name, i, a, HOST_DEVICE, first, target))
            placed[i] = to_device(a, target)
    return tuple(placed)


def _mismatch(name, i, x, device, first, target) -> str:
    what = f"{getattr(x, 'dtype', type(x).__name__)}{list(getattr(x, 'shape', ()))}"
    kind = "a host (NumPy) array" if device == HOST_DEVICE else "an array"
    return (f"fungrad `{name}`: operand {i} ({what}) is {kind} on {_name(device)}, but "
            f"operand {first} is on {_name(target)}; a primitive computes on one device. "
            f"Move the operand first: fg.device_put(x, device) with the device of the "
            f"other operand (Python scalars and NumPy scalars move by themselves).")


def _name(device) -> str:
    return f"{device[0]}:{device[1]}"


_SCATTER_NAMES = {"add": "scatter_add", "maximum": "scatter_max", "minimum": "scatter_min"}


def scatter_add(xp, target, index, values) -> None:
    """``target[index] += values`` in place, repeated indices accumulated (``np.add.at``).

    CuPy's equivalent is ``cupyx.scatter_add``; registered modules give theirs.
    """
    scatter_at(xp, "add", target, index, values)


def scatter_at(xp, ufunc: str, target, index, values) -> None:
    """``np.<ufunc>.at(target, index, values)`` (in place) on ``xp``'s arrays.

    CuPy has ``cupyx.scatter_add/max/min``; ``multiply`` has no CuPy counterpart, so there
    the target is combined on a host copy and copied back (a documented slow path).
    """
    if xp is np:
        getattr(np, ufunc).at(target, index, values)
        return
    backend = _BY_MODULE.get(id(xp))
    name = _SCATTER_NAMES.get(ufunc)
    fn = None
    if backend is not None and name is not None:
        fn = backend.scatter_add if name == "scatter_add" else getattr(
            sys.modules.get("cupyx") if xp is sys.modules.get("cupy") else xp, name, None)
    if fn is not None:
        fn(target, index, values)
        return
    device = computation_device([target])
    host = to_host(target)
    getattr(np, ufunc).at(host, _host_index(index), to_host(values))
    target[...] = to_device(host, device)


def _host_index(index):
    if type(index) is tuple:
        return tuple(_host_index(i) for i in index)
    return to_host(index)


def on_host(fn: Callable) -> Callable:
    """An impl that runs ``fn`` on host copies of device operands and moves results back.

    For computations with no device counterpart (fungrad's own NumPy special-function
    kernels, general eigendecomposition, user callbacks that expect NumPy): correct on a
    device, at the cost of two transfers. Host operands pay one scan of the operands.
    """
    def impl(*args, **params):
        device = computation_device(args)
        if device is None:
            return fn(*args, **params)
        out = fn(*[to_host(a) for a in args], **params)
        return _to_device_tree(out, device)

    impl.__name__ = impl.__qualname__ = getattr(fn, "__name__", "impl")
    impl.__doc__ = fn.__doc__
    return impl


def _to_device_tree(out, device):
    if type(out) in (list, tuple):
        return type(out)(_to_device_tree(o, device) for o in out)
    if isinstance(out, (np.ndarray, np.generic)):
        return to_device(out, device)
    return out


def loaded_cupy():
    """The ``cupy`` module if this process imported it, else None (never imports it)."""
    return sys.modules.get("cupy")


def module_function(np_fn: Callable, name: str | None = None) -> Callable:
    """An impl that calls ``np_fn`` on host operands and ``xp.<name>`` on device arrays.

    Host operands cost one set lookup each (eager per-op overhead is a benchmarked figure);
    ``name`` defaults to ``np_fn.__name__`` (ufuncs: ``np.sin`` -> ``xp.sin``).
    """
    name = name or np_fn.__name__
    host = HOST_TYPES
    nin = getattr(np_fn, "nin", None)
    if nin == 1:
        def impl(x, **kwargs):
            if type(x) in host:
                return np_fn(x, **kwargs)
            return getattr(get_array_module(x), name)(x, **kwargs)
    elif nin == 2:
        def impl(x, y, **kwargs):
            if type(x) in host and type(y) in host:
                return np_fn(x, y, **kwargs)
            return getattr(get_array_module(x, y), name)(x, y, **kwargs)
    else:
        def impl(*args, **kwargs):
            xp = get_array_module(*args)
            return (np_fn if xp is np else getattr(xp, name))(*args, **kwargs)
    impl.__name__ = impl.__qualname__ = f"{name}_impl"
    return impl
