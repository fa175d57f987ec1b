"""Devices without a GPU: the CPU device, GPU detection's answers, and the one-device check.

Mixing host and device arrays in one call is caught where a transform flattens its
arguments, so the error can name them by key path. The stand-in device array type of
tests/fake_device.py (platform "fake", refusing implicit conversion to NumPy as CuPy does)
plays the GPU array here; tests/test_gpu.py runs the same API on real CuPy arrays where a
GPU is present.
"""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad.array_module import device_of
from fungrad.errors import DeviceMismatchError
from tests.fake_device import FakeDeviceArray, to_fake

devices_mod = sys.modules["fungrad.devices"]  # fg.devices is the function


def on_device(x, device_id: int = 0):
    """``x`` on the stand-in device ``FakeDevice(id=device_id)``."""
    return to_fake(np.asarray(x, dtype=float), device_id)


# ---------------------------------------------------------------------------------------
# The CPU device and GPU detection


def test_cpu_device_attributes():
    cpu = fg.devices("cpu")[0]
    assert (repr(cpu), str(cpu), cpu.platform, cpu.id, cpu.device_kind) == (
        "CpuDevice(id=0)", "cpu:0", "cpu", 0, "cpu")
    assert cpu == devices_mod.Device("cpu", 0) and hash(cpu) == hash(devices_mod.cpu_device)


def test_gpu_device_looks_like_jax():
    gpu = devices_mod.Device("gpu", 1, "NVIDIA H200")
    assert (repr(gpu), str(gpu), gpu.platform, gpu.device_kind) == (
        "CudaDevice(id=1)", "cuda:1", "gpu", "NVIDIA H200")
    assert gpu != devices_mod.Device("gpu", 0) and gpu != devices_mod.cpu_device


@pytest.fixture
def no_gpu(monkeypatch):
    """Detection as on a machine without CuPy (whatever this one has)."""
    monkeypatch.setitem(devices_mod._gpu_state, "devices", None)
    monkeypatch.setattr(devices_mod.importlib.util, "find_spec",
                        lambda name, *a: None if name == "cupy" else find_spec(name, *a))


find_spec = devices_mod.importlib.util.find_spec


def test_without_cupy_everything_is_on_the_cpu(no_gpu):
    assert fg.default_backend() == "cpu"
    assert fg.devices() == fg.local_devices() == [fg.devices("cpu")[0]]
    assert fg.device_count() == 1
    with pytest.raises(RuntimeError, match=r"backend 'gpu' is not available: CuPy is not "
                       r"installed \(pip install 'fungrad\[gpu\]'\)"):
        fg.devices("gpu")
    with pytest.raises(RuntimeError, match="backend 'cuda' is not available"):
        fg.device_count("cuda")
    with pytest.raises(ValueError, match=r"device_put: cannot place a value on 'gpu'; the "
                       r"devices are \[CpuDevice\(id=0\)\] \(CuPy is not installed"):
        fg.device_put(np.ones(2), "gpu")
    with pytest.raises(RuntimeError, match="unknown backend 'tpu'. fungrad's backends: cpu, gpu"):
        fg.devices("tpu")


def test_cupy_without_a_device_is_no_gpu(monkeypatch):
    class NoDriver:
        class cuda:  # noqa: N801 (CuPy's attribute name)
            class runtime:  # noqa: N801
                @staticmethod
                def getDeviceCount():  # noqa: N802
                    raise RuntimeError("cudaErrorNoDevice: no CUDA-capable device is detected")

    monkeypatch.setitem(devices_mod._gpu_state, "devices", None)
    monkeypatch.setattr(devices_mod.importlib.util, "find_spec", lambda name, *a: object())
    monkeypatch.setattr(devices_mod, "_cupy", lambda: NoDriver)
    assert fg.default_backend() == "cpu"
    with pytest.raises(RuntimeError, match="CuPy is installed but found no CUDA device "
                       r"\(RuntimeError: cudaErrorNoDevice"):
        fg.devices("gpu")


def test_detected_gpus_are_the_default(monkeypatch):
    class OneGpu:
        class cuda:  # noqa: N801
            class runtime:  # noqa: N801
                getDeviceCount = staticmethod(lambda: 2)  # noqa: N815
                getDeviceProperties = staticmethod(lambda i: {"name": b"NVIDIA H200"})  # noqa: N815

    monkeypatch.setitem(devices_mod._gpu_state, "devices", None)
    monkeypatch.setattr(devices_mod.importlib.util, "find_spec", lambda name, *a: object())
    monkeypatch.setattr(devices_mod, "_cupy", lambda: OneGpu)
    assert fg.default_backend() == "gpu"
    assert fg.devices() == fg.devices("gpu") == fg.local_devices(backend="cuda")
    assert [repr(d) for d in fg.devices()] == ["CudaDevice(id=0)", "CudaDevice(id=1)"]
    assert fg.devices()[1].device_kind == "NVIDIA H200" and fg.device_count() == 2
    assert fg.devices("cpu") == [devices_mod.cpu_device]


def test_import_fungrad_does_not_import_cupy_or_look_for_gpus():
    code = ("import sys, fungrad, fungrad.numpy as fnp; fnp.ones(2) + 1; "
            "d = sys.modules['fungrad.devices']; "
            "print('cupy' in sys.modules, d._gpu_state['devices'] is None)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.split() == ["False", "True"]


# ---------------------------------------------------------------------------------------
# Moving values (the stand-in device array plays the GPU's)


def test_device_get_brings_device_arrays_to_the_host():
    got = fg.device_get({"w": on_device([1.0, 2.0]), "n": 3, "a": fnp.ones(1)})
    assert type(got["w"]) is np.ndarray and got["w"].tolist() == [1.0, 2.0]
    assert got["n"] == 3 and type(got["a"]) is np.ndarray


def test_device_put_to_the_cpu_copies_device_arrays_back():
    x = on_device(np.arange(3.0))
    put = fg.device_put({"x": x, "s": 2.0}, fg.devices("cpu")[0])
    assert type(put["x"]) is fg.Array and put["x"].tolist() == [0.0, 1.0, 2.0]
    assert fg.device_put(x, "cpu").tolist() == [0.0, 1.0, 2.0]


def test_device_put_leaves_device_arrays_where_they_are(no_gpu):
    x = on_device(np.arange(3.0))
    assert fg.device_put(x) is x
    copied = fg.device_put(x, may_alias=False)
    assert type(copied) is FakeDeviceArray and copied is not x
    assert fg.device_get(copied).tolist() == [0.0, 1.0, 2.0]


def test_block_until_ready_returns_its_argument():
    tree = {"w": on_device(np.ones(2)), "b": fnp.ones(2), "s": 1.0}
    assert fg.block_until_ready(tree) is tree


@pytest.mark.parametrize("name, transform, want", [
    ("grad", lambda f, x: fg.grad(lambda v: fnp.sum(f(v) * 2.0))(x), lambda v: 2 * np.cos(v)),
    ("grad_linear", lambda f, x: fg.grad(lambda v: fnp.sum(v * 2.0))(x),
     lambda v: np.full_like(v, 2.0)),
    ("jacrev", lambda f, x: fg.jacrev(f)(x), lambda v: np.diag(np.cos(v))),
    ("jacfwd", lambda f, x: fg.jacfwd(f)(x), lambda v: np.diag(np.cos(v))),
    ("hessian", lambda f, x: fg.hessian(lambda v: fnp.sum(f(v)))(x),
     lambda v: np.diag(-np.sin(v))),
])
def test_derivatives_stay_on_the_arguments_device(name, transform, want):
    """The seeds of grad (a 1.0 cotangent) and of the Jacobians (identity rows) are made on
    the device of what they differentiate, not on the host."""
    v = np.linspace(-1.0, 1.0, 4)
    got = transform(fnp.sin, on_device(v))
    assert type(got) is FakeDeviceArray and device_of(got) == ("fake", 0), type(got)
    np.testing.assert_allclose(fg.device_get(got), want(v), rtol=1e-12, atol=1e-15)


# ---------------------------------------------------------------------------------------
# One device per call: the error names the argument, both devices and the fix

FIX = r"fg\.device_put\(x, fg\.devices\('fake'\)\[0\]\)"


def loss(params, x):
    return fnp.sum(params["w"] * x)


@pytest.mark.parametrize("transform, call", [
    ("grad", lambda p, x: fg.grad(loss)(p, x)),
    ("grad", lambda p, x: fg.value_and_grad(loss, argnums=1)(p, x)),
    ("vjp", lambda p, x: fg.vjp(loss, p, x)),
    ("jvp", lambda p, x: fg.jvp(loss, (p, x), (p, x))),
    ("linearize", lambda p, x: fg.linearize(loss, p, x)),
    ("vmap", lambda p, x: fg.vmap(loss, in_axes=(None, 0))(p, x[None])),
    ("jit", lambda p, x: fg.jit(loss)(p, x)),
])
def test_host_and_device_arguments_do_not_mix(transform, call):
    params = {"w": on_device(np.ones(3))}
    with pytest.raises(DeviceMismatchError) as info:
        call(params, np.ones(3))
    message = str(info.value)
    assert message.startswith(f"{transform} of `loss`: "), message
    assert "argument `params['w']` (a tests.FakeDeviceArray float64[3]) is on " \
        "FakeDevice(id=0)" in message, message
    assert re.search(r"argument `x` \(a numpy.ndarray float64\[(1, )?3\]\) is on "
                     r"CpuDevice\(id=0\)", message), message
    assert re.search(f"Move argument `x` with {FIX}", message), message
    assert isinstance(info.value, ValueError)  # JAX raises ValueError for this


def test_gpu_devices_name_the_gpu_fix():
    gpu = devices_mod.Device("gpu", 1)
    leaves = [np.ones(2), on_device(np.ones(2))]
    error = devices_mod._mixed_devices_error("jit of `f`", lambda i: f"argument {i}", leaves,
                                             0, 1)
    assert "fg.device_put(x, fg.devices('fake')[0])" in str(error)
    assert repr(gpu) == "CudaDevice(id=1)"


def test_two_devices_do_not_mix_either():
    with pytest.raises(DeviceMismatchError, match=r"argument `a` .* is on FakeDevice\(id=0\) "
                       r"but argument `b` .* is on FakeDevice\(id=1\).*Move argument `b` "
                       r"with fg\.device_put\(x, fg\.devices\('fake'\)\[0\]\)"):
        fg.grad(lambda a, b: a)(on_device(1.0), on_device(2.0, device_id=1))


def test_the_error_names_varargs_and_nested_positions():
    def f(*xs):
        return xs[0]

    with pytest.raises(DeviceMismatchError, match=r"argument `args\[1\]\[0\]` \(a "
                       r"numpy.ndarray float64\[2\]\) is on CpuDevice"):
        fg.jit(lambda *xs: xs[0])(on_device(np.ones(2)), [np.ones(2)])
    with pytest.raises(DeviceMismatchError, match=r"vjp of `.*f`: argument `args\[0\]`"):
        fg.vjp(f, on_device(np.ones(2)), np.ones(2))


@pytest.mark.parametrize("host", [2.0, 3, True, 1j, np.float32(2.0), np.int64(3),
                                  np.array(2.0), np.arange(3), np.ones(2, bool),
                                  np.broadcast_to(np.float64(1.0), (3,))],
                         ids=lambda h: type(h).__name__ + str(getattr(h, "dtype", "")))
def test_scalars_indices_and_masks_move_by_themselves(host):
    devices_mod.check_one_device("f", [on_device(np.ones(2)), host, on_device(np.ones(1))],
                                 str)
    devices_mod.check_one_device("f", [np.ones(2), host, fnp.ones(2)], str)


def test_integer_arguments_mix_with_device_arrays_in_a_transform():
    x, idx = on_device(np.arange(4.0)), np.array([0, 2])
    got = fg.grad(lambda x, i: fnp.sum(x[i] ** 2))(x, idx)
    assert fg.device_get(got).tolist() == [0.0, 0.0, 4.0, 0.0]


def test_tracers_belong_to_no_device():
    seen = []

    def inner(x):
        devices_mod.check_one_device("inner", [x, on_device(np.ones(2))], str)
        seen.append(True)
        return x

    fg.grad(lambda x: fnp.sum(inner(x)))(np.ones(2))
    assert seen == [True]


def test_host_only_calls_pass_the_check_quickly():
    import timeit

    leaves = [np.ones(2), fnp.ones(2), 1.0, np.float32(1)] * 25
    per_call = min(timeit.repeat(lambda: devices_mod.check_one_device("f", leaves, str),
                                 number=200, repeat=5)) / 200
    assert per_call < 20e-6, f"{per_call * 1e6:.1f} us for 100 host leaves"
