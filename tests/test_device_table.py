"""The primitive table on a device array type, without a GPU (issue 11, item 4(b)).

Every row of tests/tables/* runs with its array arguments as ``FakeDeviceArray``s
(tests/fake_device.py): an array type that, like ``cupy.ndarray``, refuses implicit
conversion to NumPy, computed on by a stand-in module that, like CuPy's functions, rejects
NumPy arrays as operands. So an impl that calls ``np.*`` on an operand, or lets a host
array meet a device array, fails here. Eager values, ``vjp`` (eager grad) and ``jit`` (the
executable path) must equal the NumPy results, and every array result must be on the
device. Rows that cannot run on a device are left out at collection, each by a reason
in tests/device_gaps.txt (each a limitation of the row's own code), not skipped.
"""

from __future__ import annotations

import pathlib

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
from fungrad import array_module, lax
from fungrad.errors import DeviceMismatchError
from fungrad.tree_util import tree_flatten, tree_map
from tests.fake_device import PLATFORM, FakeDeviceArray, calls, fake_module, to_fake
from tests.tables.spec import Case, differentiable, direction
from tests.test_primitive_table import CASES

_NO_ARRAY = ("no array argument to place on the device (creation rows: arange, eye, iota, "
             "linspace...; placing their results is device_put's part)")


_GAPS_FILE = pathlib.Path(__file__).with_name("device_gaps.txt")


def _read_gaps() -> dict[str, str]:
    """Row name -> reason, from tests/device_gaps.txt (``## reason`` lines start a group)."""
    gaps, reason, in_reason = {}, None, False
    for line in _GAPS_FILE.read_text().splitlines():
        if line.startswith("## "):
            reason = f"{reason} {line[3:]}" if in_reason else line[3:]
            in_reason = True
            continue
        in_reason = False
        if line.strip() and not line.startswith("#"):
            assert reason, f"device_gaps.txt: {line.strip()} comes before any '## reason'"
            gaps[line.strip()] = reason
    return gaps


_GAPS = _read_gaps()


def _excluded(case: Case) -> str | None:
    if not any(_placed(a) for a in case.draw_args()):
        return _NO_ARRAY
    return _GAPS.get(case.name)


def _placed(a) -> bool:
    """Arguments put on the device: arrays (PRNG keys, uint32 data, stay host values;
    scalars stay weak constants)."""
    return type(a) is np.ndarray and a.ndim > 0 and a.dtype != np.uint32


def _on_device(args):
    return [to_fake(a) if _placed(a) else a for a in args]


DEVICE_CASES = [c for c in CASES if _excluded(c) is None]


def _check(got, want, case: Case, what: str):
    g, tg = tree_flatten(got)
    w, tw = tree_flatten(want)
    assert tg == tw, f"{case.name}: {what}: structure {tg} vs {tw}"
    for x, y in zip(g, w):
        if isinstance(y, (np.ndarray, np.generic)) and np.ndim(y) and y.dtype.kind != "V":
            assert array_module.is_device_array(x), (
                f"{case.name}: {what}: a result of type {type(x).__name__} was computed on "
                "the host from device operands")
        x, y = np.asarray(array_module.to_host(x)), np.asarray(y)
        assert x.shape == y.shape, f"{case.name}: {what}: shape {x.shape} vs {y.shape}"
        if y.dtype.kind == "V" and y.dtype.name != "bfloat16":  # float0
            continue
        assert x.dtype == y.dtype, f"{case.name}: {what}: dtype {x.dtype} vs {y.dtype}"
        if y.dtype.name == "bfloat16" or y.dtype.kind == "f" and y.dtype.itemsize < 4:
            x, y = x.astype(np.float64), y.astype(np.float64)
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=0, equal_nan=True,
                                   err_msg=f"{case.name}: {what} on the device")


@pytest.mark.parametrize("case", DEVICE_CASES, ids=lambda c: c.name)
def test_eager_on_device_matches_numpy(case: Case):
    args = case.draw_args()
    _check(case.fun(*_on_device(args)), case.fun(*args), case, "eager")


def _diff_positions(case: Case, args) -> list[int]:
    return [i for i, spec in enumerate(case.args) if spec.dynamic and differentiable(args[i])]


@pytest.mark.parametrize("case", [c for c in DEVICE_CASES if c.diff and "rev" in c.modes
                                  and _diff_positions(c, c.draw_args())],
                         ids=lambda c: c.name)
def test_vjp_on_device_matches_numpy(case: Case):
    args = case.draw_args()
    diff = _diff_positions(case, args)

    def run(values):
        def f(*primals):
            full = list(values)
            for i, p in zip(diff, primals):
                full[i] = p
            return case.fun(*full)

        out, pullback = fg.vjp(f, *[values[i] for i in diff])
        rng = np.random.default_rng(2)
        ct = tree_map(lambda o: direction(rng, array_module.to_host(o)), out)
        if values is not args:
            ct = tree_map(to_fake, ct)
        return out, pullback(ct)

    _check(run(_on_device(args)), run(args), case, "vjp")


@pytest.mark.parametrize("case", [c for c in DEVICE_CASES if c.batch], ids=lambda c: c.name)
def test_jit_on_device_matches_numpy(case: Case, numpy_jit_backend):
    args = case.draw_args()
    dyn = [i for i, spec in enumerate(case.args) if spec.dynamic]

    def with_dynamic(values):
        def fun(*dyn_args):
            full = list(values)
            for i, a in zip(dyn, dyn_args):
                full[i] = a
            return case.fun(*full)

        return fun

    fargs = _on_device(args)
    jitted = fg.jit(with_dynamic(fargs))
    got = jitted(*[fargs[i] for i in dyn])
    _check(got, with_dynamic(args)(*[args[i] for i in dyn]), case, "jit")


@pytest.fixture
def numpy_jit_backend():
    """jit runs its executable (impls); fused kernels for devices are the codegen's part."""
    previous = fg.config.jit_backend
    fg.config.update("jit_backend", "numpy")
    try:
        yield
    finally:
        fg.config.update("jit_backend", previous)


_BY_NAME = {c.name: c for c in CASES}


def test_every_gap_is_a_table_row():
    missing = sorted(n for n in _GAPS if n not in _BY_NAME)
    assert not missing, f"tests/device_gaps.txt names rows the table no longer has: {missing}"


@pytest.mark.parametrize("name", sorted(_GAPS))
def test_gap_rows_still_mix_host_and_device(name: str):
    """A listed row still fails eagerly by meeting a host array next to a device one (the
    reason it is listed); once it runs, it must leave tests/device_gaps.txt."""
    case = _BY_NAME[name]
    args = case.draw_args()
    try:
        case.fun(*_on_device(args))
    except DeviceMismatchError:
        return
    except TypeError as err:  # NumPy's operators and CuPy-like functions refuse the mix
        assert "NumPy array" in str(err) or "implicit conversion" in str(err), (name, err)
        return
    except AttributeError as err:  # x.at on a device array's own type
        assert "attribute 'at'" in str(err), (name, err)
        return
    pytest.fail(f"{name} now runs on the device: remove it from tests/device_gaps.txt")


# ---------------------------------------------------------------------------------------
# The stand-in catches what it is for


def test_a_hard_coded_np_call_in_an_impl_is_caught():
    bad_p = fg.core.Primitive("hard_coded_sin")
    bad_p.def_impl(np.sin)  # np.sin on the operand, not get_array_module(x).sin
    bad_p.def_abstract_eval(lambda x: x)
    x = np.linspace(0.0, 1.0, 4)
    np.testing.assert_array_equal(bad_p.bind(x), np.sin(x))  # fine on the host
    with pytest.raises(TypeError, match="np.sin called on a device array"):
        bad_p.bind(to_fake(x))
    good_p = fg.core.Primitive("module_sin")
    good_p.def_impl(lambda x: array_module.get_array_module(x).sin(x))
    good_p.def_abstract_eval(lambda x: x)
    before = calls["sin"]
    out = good_p.bind(to_fake(x))
    assert type(out) is FakeDeviceArray and calls["sin"] == before + 1
    np.testing.assert_array_equal(array_module.to_host(out), np.sin(x))


def test_the_fake_refuses_implicit_conversion():
    x = to_fake(np.ones(3))
    for convert in (np.asarray, np.sin, np.sum, lambda v: np.ones(3) + v):
        with pytest.raises(TypeError, match="implicit conversion"):
            convert(x)
    with pytest.raises(TypeError, match="NumPy array"):
        fake_module.add(x, np.ones(3))  # CuPy's functions reject host arrays


def test_get_array_module_and_devices():
    x = to_fake(np.ones(2))
    assert array_module.get_array_module(np.ones(2), 1.0, np.float32(2)) is np
    assert array_module.get_array_module(1.0, x) is fake_module
    assert array_module.device_of(np.ones(2)) == ("cpu", 0) == array_module.device_of(3.0)
    assert array_module.device_of(x) == (PLATFORM, 0)
    assert array_module.is_device_array(x) and not array_module.is_device_array(np.ones(2))
    assert array_module.is_device_array(array_module.to_device(np.ones(2), (PLATFORM, 0)))
    assert type(array_module.to_host(x)) is np.ndarray


def test_mixing_host_and_device_arrays_names_the_primitive_operand_devices_and_fix():
    x = to_fake(np.ones(3))
    with pytest.raises(DeviceMismatchError) as err:
        lax.add(x, np.ones(3))
    message = str(err.value)
    for part in ("`add`", "operand 1", "host", "cpu:0", f"{PLATFORM}:0", "fg.device_put"):
        assert part in message, (part, message)
    assert isinstance(err.value, ValueError)
    with pytest.raises(DeviceMismatchError, match=f"operand 1 .* on {PLATFORM}:1"):
        lax.mul(x, FakeDeviceArray(np.ones(3), device=1))


def test_scalars_and_integer_index_arrays_move_to_the_device():
    x = to_fake(np.arange(4.0))
    for other in (2.0, np.float64(2.0), np.array(2.0), np.array([2.0])):  # one-element too
        out = lax.mul(x, other)
        assert type(out) is FakeDeviceArray
        np.testing.assert_array_equal(array_module.to_host(out), np.arange(4.0) * 2)
    np.testing.assert_array_equal(array_module.to_host(x[np.array([3, 0])]), [3.0, 0.0])


def test_constants_captured_by_traced_functions_move_to_the_device(numpy_jit_backend):
    w = np.linspace(1.0, 2.0, 4)  # a closed-over NumPy constant

    def f(x):
        return fnp.sum(fnp.sin(x) * w)

    x = np.linspace(0.0, 1.0, 4)
    fx = to_fake(x)
    for fn in (fg.jit(f), fg.grad(f), fg.jit(fg.grad(f))):
        out = fn(fx)
        assert array_module.is_device_array(out), fn
        np.testing.assert_allclose(array_module.to_host(out), fn(x), rtol=1e-14)
    # jit checks its arguments when it traces, naming them (the transforms' boundary check)
    with pytest.raises(DeviceMismatchError, match="argument `b`.*fg.device_put"):
        fg.jit(lambda a, b: a + b)(fx, np.ones(4))


def test_scatter_add_goes_through_the_module():
    before = calls["scatter_add"]
    x = to_fake(np.zeros(3))
    out = x_at_add(x, np.array([0, 0, 2]), to_fake(np.ones(3)))
    np.testing.assert_array_equal(array_module.to_host(out), [2.0, 0.0, 1.0])
    assert calls["scatter_add"] == before + 1


def x_at_add(x, idx, values):
    return lax.scatter_add(x, values, [idx], (("array", 0),))


def test_save_and_load_go_through_the_host(tmp_path):
    tree = {"w": to_fake(np.arange(3.0)), "b": to_fake(np.ones((2, 2), np.float32))}
    path = tmp_path / "ckpt.npz"
    fg.save(path, tree)
    back = fg.load(path, like=tree)
    for k, saved in tree.items():
        assert array_module.is_device_array(back[k]), k
        np.testing.assert_array_equal(array_module.to_host(back[k]), array_module.to_host(saved))
    plain = fg.load(path)
    assert all(type(v) is not FakeDeviceArray for v in plain.values())


@pytest.mark.parametrize("backend", ["auto", "numba"])
def test_jit_never_hands_device_arrays_to_the_numba_kernels(backend, monkeypatch):
    """Under the default backend ("auto") and "numba", a call with device arrays runs the
    device program (the executable's, through the operands' module), host calls the fused
    kernels; the tiering's call count (what decides compiling) ignores device calls."""
    from fungrad.kernels import tiering  # noqa: PLC0415

    device_runs = []
    real = tiering.device_program
    monkeypatch.setattr(tiering, "device_program",
                        lambda ir: device_runs.append(ir) or real(ir))
    fused = []
    compile_fused = tiering.compile_fused
    monkeypatch.setattr(tiering, "compile_fused",
                        lambda ir: fused.append(compile_fused(ir)) or fused[-1])

    def f(x, y):
        return fnp.tanh(x * y + 1.0) * 2.0 - x

    x, y = np.linspace(0.0, 1.0, 64), np.linspace(1.0, 2.0, 64)
    jitted = fg.jit(f, backend=backend)
    want = f(x, y)
    for _ in range(4):  # auto: the plan on the second host call, kernels compiled on demand
        np.testing.assert_allclose(jitted(x, y), want, rtol=1e-14)
        got = jitted(to_fake(x), to_fake(y))
        assert type(got) is FakeDeviceArray
        np.testing.assert_allclose(array_module.to_host(got), want, rtol=1e-14)
    assert len(device_runs) == 4
    if backend == "numba":
        assert fused, "the host calls ran the fused Numba program"
