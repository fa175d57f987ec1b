"""A stand-in device array type that treats NumPy as CuPy does, for machines without a GPU.

``FakeDeviceArray`` wraps an ndarray (it is not a subclass) and refuses every implicit
conversion to NumPy: ``np.asarray(x)``, ``np.sin(x)`` and ``np.sum(x)`` raise TypeError, as
they do for ``cupy.ndarray`` (CuPy answers ``np.sin`` through ``__array_ufunc__``, but an
impl that calls ``np.*`` on an operand would move work to the host, so here it is an
error). Its methods and operators compute on the wrapped array and wrap the result.

``fake_module`` is the array module of these arrays: a proxy over NumPy that unwraps
fake operands, calls NumPy, wraps array results and records which functions were called.
Like CuPy's functions, it rejects NumPy arrays as operands (NumPy scalars and Python
scalars are accepted), so a host array that reaches an impl next to a device array is
caught too.
"""

from __future__ import annotations

import collections
import operator
import types

import numpy as np

from fungrad import array_module

PLATFORM = "fake"
_REFUSED = "implicit conversion to a NumPy array is not allowed"


class FakeDevice:
    """The device of fake arrays (``x.device``), as ``cupy.cuda.Device`` is for CuPy's."""

    def __init__(self, id: int):  # noqa: A002
        self.id = id

    def __eq__(self, other):
        return isinstance(other, FakeDevice) and other.id == self.id

    def __hash__(self):
        return hash(self.id)

    def __repr__(self):
        return f"<FakeDevice {self.id}>"


class FakeDeviceArray:
    """An ndarray held "on a device": no implicit conversion to NumPy, like ``cupy.ndarray``."""

    __slots__ = ("_a", "_device")
    __array_priority__ = 100

    def __init__(self, a: np.ndarray, device: int = 0):
        assert type(a) is np.ndarray, type(a)
        self._a = a
        self._device = device

    # refusals: the point of the type
    def __array__(self, dtype=None, copy=None):
        raise TypeError(f"FakeDeviceArray: {_REFUSED} (np.asarray of a device array); "
                        "use the array module (get_array_module) or to_host.")

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        raise TypeError(f"FakeDeviceArray: np.{ufunc.__name__} called on a device array: "
                        f"{_REFUSED}; call it through the array module.")

    def __array_function__(self, func, types_, args, kwargs):
        raise TypeError(f"FakeDeviceArray: np.{func.__name__} called on a device array: "
                        f"{_REFUSED}; call it through the array module.")

    # attributes
    shape = property(lambda self: self._a.shape)
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    itemsize = property(lambda self: self._a.itemsize)
    nbytes = property(lambda self: self._a.nbytes)
    strides = property(lambda self: self._a.strides)
    flags = property(lambda self: self._a.flags)
    T = property(lambda self: self._wrap(self._a.T))
    mT = property(lambda self: self._wrap(self._a.mT))
    real = property(lambda self: self._wrap(self._a.real))
    imag = property(lambda self: self._wrap(self._a.imag))
    device = property(lambda self: FakeDevice(self._device))

    def _wrap(self, result):
        return wrap(result, self._device)

    def __getattr__(self, name):
        # the remaining ndarray methods (astype, reshape, sum, transpose...): on the device
        attr = getattr(self._a, name)
        if not callable(attr):
            raise AttributeError(name)

        def method(*args, **kwargs):
            return self._wrap(attr(*_unwrap_all(args, name), **_unwrap_all(kwargs, name)))

        return method

    def get(self) -> np.ndarray:
        """A host copy (``cupy.ndarray.get``)."""
        return self._a.copy()

    def __getitem__(self, idx):
        return self._wrap(self._a[_unwrap_index(idx)])

    def __setitem__(self, idx, value):
        self._a[_unwrap_index(idx)] = _unwrap(value, "__setitem__")

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __bool__(self):
        return bool(self._a)

    def __float__(self):
        return float(self._a)

    def __int__(self):
        return int(self._a)

    def __complex__(self):
        return complex(self._a)

    def __index__(self):
        return operator.index(self._a)

    def __repr__(self):
        return f"FakeDeviceArray({self._a!r}, device={self._device})"

    __hash__ = None


def _binary(op):
    def forward(self, other):
        return self._wrap(op(self._a, _unwrap(other, op.__name__)))

    def reflected(self, other):
        return self._wrap(op(_unwrap(other, op.__name__), self._a))

    return forward, reflected


for _name in ["add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and",
              "or", "xor", "lshift", "rshift"]:
    _op = getattr(operator, _name if _name not in ("and", "or") else _name + "_")
    _f, _r = _binary(_op)
    setattr(FakeDeviceArray, f"__{_name}__", _f)
    setattr(FakeDeviceArray, f"__r{_name}__", _r)
for _name in ["lt", "le", "gt", "ge", "eq", "ne"]:
    setattr(FakeDeviceArray, f"__{_name}__", _binary(getattr(operator, _name))[0])
for _name in ["neg", "pos", "abs", "invert"]:
    setattr(FakeDeviceArray, f"__{_name}__",
            lambda self, _op=getattr(operator, _name): self._wrap(_op(self._a)))


def wrap(result, device: int = 0):
    """NumPy results as fake arrays (NumPy scalars become 0-d arrays, as CuPy's are)."""
    if type(result) is np.ndarray:
        return FakeDeviceArray(result, device)
    if isinstance(result, np.ndarray):
        return FakeDeviceArray(result.view(np.ndarray), device)
    if isinstance(result, np.generic):
        return FakeDeviceArray(np.asarray(result), device)
    if type(result) in (tuple, list):
        return type(result)(wrap(r, device) for r in result)
    if hasattr(result, "_fields"):  # NumPy's result namedtuples (slogdet, eigh, svd, qr)
        return type(result)(*(wrap(r, device) for r in result))
    return result


def _unwrap(x, where: str):
    if type(x) is FakeDeviceArray:
        return x._a
    if isinstance(x, np.ndarray):
        raise TypeError(f"fake device module: {where} got a NumPy array {x.dtype}{list(x.shape)}"
                        " (host memory) as an operand; move it to the device first "
                        "(CuPy rejects NumPy arrays the same way).")
    return x


def _unwrap_all(x, where: str):
    if type(x) in (tuple, list):
        return type(x)(_unwrap_all(v, where) for v in x)
    if type(x) is dict:
        return {k: _unwrap_all(v, where) for k, v in x.items()}
    return _unwrap(x, where)


def _unwrap_index(idx):
    """Indices may hold device arrays; NumPy ones are allowed too (CuPy converts them)."""
    if type(idx) is tuple:
        return tuple(_unwrap_index(i) for i in idx)
    if type(idx) is list:
        return [_unwrap_index(i) for i in idx]
    return idx._a if type(idx) is FakeDeviceArray else idx


def _device_of_args(args) -> int:
    for a in args:
        if type(a) is FakeDeviceArray:
            return a._device
        if type(a) in (tuple, list):
            found = _device_of_args(a)
            if found is not None:
                return found
    return None


# Functions that take NumPy arrays on purpose (copies onto the device), as CuPy's do.
_FROM_HOST = {"asarray", "array", "asanyarray", "ascontiguousarray"}


class FakeModule(types.ModuleType):
    """A NumPy proxy for fake arrays: unwraps operands, calls NumPy, wraps, records calls."""

    def __init__(self, numpy_module, calls: collections.Counter, prefix: str = ""):
        super().__init__(f"fake_device.{prefix or 'numpy'}")
        self._np = numpy_module
        self._calls = calls
        self._prefix = prefix
        self.ndarray = FakeDeviceArray

    def __getattr__(self, name):
        attr = getattr(self._np, name)
        if isinstance(attr, types.ModuleType):
            sub = FakeModule(attr, self._calls, f"{self._prefix}{name}.")
            setattr(self, name, sub)
            return sub
        if isinstance(attr, type) or not callable(attr):
            return attr  # dtypes, finfo, constants
        full = self._prefix + name
        host_ok = full in _FROM_HOST

        def function(*args, **kwargs):
            self._calls[full] += 1
            device = _device_of_args(list(args) + list(kwargs.values()))
            if host_ok:
                args = [a._a if type(a) is FakeDeviceArray else a for a in args]
            else:
                args, kwargs = _unwrap_all(list(args), full), _unwrap_all(kwargs, full)
            return wrap(attr(*args, **kwargs), device or 0)

        if isinstance(attr, np.ufunc):  # ufunc attributes (nin, reduce...) as in CuPy
            function = _FakeUfunc(function, attr, self, full)
        return function

    def asnumpy(self, x):
        return x._a.copy() if type(x) is FakeDeviceArray else np.asarray(x)

    def scatter_add(self, target, index, values):
        """``cupyx.scatter_add``: ``target[index] += values`` with repeats accumulated."""
        self._calls["scatter_add"] += 1
        np.add.at(target._a, _unwrap_index(index), _unwrap(values, "scatter_add"))


class _FakeUfunc:
    def __init__(self, call, ufunc, module, name):
        self._call, self._ufunc, self._module, self._name = call, ufunc, module, name
        self.nin, self.nout, self.__name__ = ufunc.nin, ufunc.nout, ufunc.__name__

    def __call__(self, *args, **kwargs):
        return self._call(*args, **kwargs)

    def __getattr__(self, method):  # reduce, accumulate, outer, at
        fn = getattr(self._ufunc, method)

        def call(*args, **kwargs):
            self._module._calls[f"{self._name}.{method}"] += 1
            device = _device_of_args(args)
            return wrap(fn(*_unwrap_all(list(args), self._name), **_unwrap_all(
                kwargs, self._name)), device or 0)

        return call


calls: collections.Counter = collections.Counter()
fake_module = FakeModule(np, calls)


def to_fake(value, device: int = 0):
    """A host value on the fake device (NumPy arrays and scalars; Python scalars stay)."""
    if isinstance(value, (np.ndarray, np.generic)):
        return FakeDeviceArray(np.array(value), device)
    return value


array_module.register_array_type(
    FakeDeviceArray, fake_module, lambda x: (PLATFORM, x._device),
    to_device=to_fake, to_host=fake_module.asnumpy, scatter_add=fake_module.scatter_add,
    platform=PLATFORM)
