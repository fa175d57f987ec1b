"""On a CUDA GPU: the devices API, every table row, jit and the examples on CuPy arrays.

Every test here is marked ``gpu``: without CuPy and a CUDA device they are skipped
("no CUDA GPU / CuPy here", tests/conftest.py). Run them with ``pytest -m gpu -n 0``
(``tools/gpu_check.sh`` does, then runs ``bench/gpu.py``). The references are the same
computations on NumPy arrays: each table row's values and vjp, eagerly and under
``jit(backend="gpu")``, must agree with the CPU's and stay on the GPU.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import fungrad as fg
import fungrad.numpy as fnp
import tests.tables as tables_pkg
from fungrad.tree_util import tree_leaves, tree_map
from tests.tables.spec import Case, differentiable, direction
from tests.test_examples import SHORT_RUNS, load_example
from tests.test_jit_table import JIT_CASES, _split
from tests.test_primitive_table import CASES

pytestmark = pytest.mark.gpu
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def cp():
    import cupy  # noqa: PLC0415 (only where the gpu marker did not skip)

    return cupy


def to_gpu(tree):
    """Every NumPy array leaf of ``tree`` as a CuPy array (scalars stay as they are)."""
    import cupy  # noqa: PLC0415

    return tree_map(lambda x: cupy.asarray(x) if isinstance(x, np.ndarray) else x, tree)


def assert_gpu_close(case: Case, got, want, what: str) -> None:
    """``got`` (from CuPy inputs) stays on the GPU and equals ``want`` (from NumPy inputs)."""
    import cupy  # noqa: PLC0415

    got_leaves, want_leaves = tree_leaves(got), tree_leaves(want)
    assert len(got_leaves) == len(want_leaves), f"{case.name}: {what}: other structure"
    for i, (g, w) in enumerate(zip(got_leaves, want_leaves)):
        where = f"{case.name}: {what} output {i}"
        if isinstance(w, (np.ndarray, np.generic)):
            assert isinstance(g, cupy.ndarray), f"{where} came back as {type(g).__name__}"
        g, w = np.asarray(fg.device_get(g)), np.asarray(w)
        assert g.shape == w.shape, f"{where}: shape {g.shape} vs CPU {w.shape}"
        if w.dtype.kind == "V" and w.dtype.name != "bfloat16":
            continue  # float0
        assert g.dtype == w.dtype, f"{where}: dtype {g.dtype} vs CPU {w.dtype}"
        single = w.dtype in (np.float32, np.complex64) or "low_precision" in case.tags
        rtol = max(case.rtol or 0.0, 1e-4 if single else 1e-6)
        atol = max(case.atol or 0.0, 1e-5 if single else 1e-9)
        if "low_precision" in case.tags:
            g, w = g.astype(np.float64), w.astype(np.float64)
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol, equal_nan=True, err_msg=where)


def interleaved(cases: list[Case]) -> list[Case]:
    """The rows, the first of each table module, then the second of each...: a run cut
    short by a time limit (tools/gpu_check.sh) has still tried every family of primitives."""
    family = {}
    for info in pkgutil.iter_modules(tables_pkg.__path__):
        if info.name != "spec":
            for c in importlib.import_module(f"tests.tables.{info.name}").CASES:
                family[c.name] = info.name
    families: dict[str, list[Case]] = {}
    for c in cases:
        families.setdefault(family[c.name], []).append(c)
    rounds = max(len(f) for f in families.values())
    return [f[i] for i in range(rounds) for f in families.values() if i < len(f)]


# ---------------------------------------------------------------------------------------
# The devices API on CuPy arrays


def test_devices_are_the_gpus(cp):
    gpus = fg.devices()
    assert fg.default_backend() == "gpu" and gpus == fg.devices("gpu") == fg.local_devices()
    assert len(gpus) == fg.device_count() == cp.cuda.runtime.getDeviceCount()
    assert repr(gpus[0]) == "CudaDevice(id=0)" and str(gpus[0]) == "cuda:0"
    name = cp.cuda.runtime.getDeviceProperties(0)["name"]
    assert gpus[0].device_kind == (name.decode() if isinstance(name, bytes) else name)
    assert fg.devices("cpu") == [fg.devices("cpu")[0]] and fg.device_count("cpu") == 1


def test_device_put_get_round_trip(cp):
    tree = {"w": np.arange(6.0).reshape(2, 3), "b": np.float32(1.5), "n": 3, "f": 2.0}
    put = fg.device_put(tree)  # the default device: the first GPU
    assert all(isinstance(v, cp.ndarray) for v in put.values()), put
    assert put["w"].device.id == 0 and put["b"].dtype == np.float32
    assert fg.device_put(put) is not None and fg.device_put(put["w"]) is put["w"]
    again = fg.device_put(tree, fg.devices("gpu")[0])
    assert isinstance(again["w"], cp.ndarray)
    back = fg.device_get(put)
    assert type(back["w"]) is np.ndarray and back["w"].tolist() == tree["w"].tolist()
    assert float(back["b"]) == 1.5 and int(back["n"]) == 3
    on_cpu = fg.device_put(put, fg.devices("cpu")[0])
    assert type(on_cpu["w"]) is fg.Array and on_cpu["w"].tolist() == tree["w"].tolist()
    assert fg.block_until_ready(put) is put
    assert not np.shares_memory(fg.device_get(fg.device_put(tree["w"], "gpu")), tree["w"])


def test_block_until_ready_waits_for_queued_kernels(cp):
    x = fg.device_put(np.ones((2000, 2000), np.float32))
    y = x
    for _ in range(20):
        y = y @ x / 2000.0
    assert fg.block_until_ready(y) is y
    assert cp.cuda.get_current_stream().done
    assert float(fg.device_get(y)[0, 0]) == pytest.approx(1.0, rel=1e-4)


def test_transform_results_stay_on_the_gpu(cp):
    x = fg.device_put(np.linspace(-1.0, 1.0, 5))
    results = [fg.grad(lambda v: fnp.sum(fnp.sin(v) ** 2))(x),
               fg.jit(lambda v: v * 2.0 + 1.0, backend="gpu")(x),
               fg.vmap(lambda v: fnp.dot(v, v))(fnp.stack([x, x])),
               fg.jvp(fnp.tanh, (x,), (x,))[1]]
    for r in results:
        assert isinstance(r, cp.ndarray), type(r)
    np.testing.assert_allclose(fg.device_get(results[0]), np.sin(2 * np.linspace(-1, 1, 5)),
                               rtol=1e-12)


def test_mixing_host_and_gpu_arrays_names_the_argument(cp):
    def loss(params, x):
        return fnp.sum(params["w"] * x)

    with pytest.raises(ValueError, match=r"grad of `.*loss`: argument `params\['w'\]` \(a "
                       r"cupy.ndarray float64\[3\]\) is on CudaDevice\(id=0\) but argument "
                       r"`x` \(a numpy.ndarray float64\[3\]\) is on CpuDevice\(id=0\).*Move "
                       r"argument `x` with fg\.device_put\(x, fg\.devices\('gpu'\)\[0\]\)"):
        fg.grad(loss)({"w": cp.ones(3)}, np.ones(3))
    with pytest.raises(ValueError, match=r"jit of `.*loss`: argument `params\['w'\]`"):
        fg.jit(loss)({"w": cp.ones(3)}, np.ones(3))
    assert float(fg.grad(loss)({"w": cp.ones(3)}, 2.0)["w"][0]) == 2.0  # scalars mix


def test_save_and_load_go_through_the_host(cp, tmp_path):
    params = fg.device_put({"w": np.arange(3.0), "b": np.zeros(2, np.float32)})
    fg.save(tmp_path / "p.npz", params)
    host = fg.load(tmp_path / "p.npz")  # checkpoints hold host arrays
    assert type(host["['w']"]) is not cp.ndarray and host["['w']"].tolist() == [0.0, 1.0, 2.0]
    back = fg.load(tmp_path / "p.npz", like=params)  # onto the like leaves' device
    assert isinstance(back["w"], cp.ndarray) and back["w"].tolist() == [0.0, 1.0, 2.0]
    assert back["b"].dtype == np.float32


# ---------------------------------------------------------------------------------------
# The primitive table on CuPy arrays


@pytest.mark.parametrize("case", interleaved(CASES), ids=lambda c: c.name)
def test_table_values_on_cupy(case: Case, cp):
    args = case.draw_args()
    assert_gpu_close(case, case.fun(*to_gpu(args)), case.fun(*args), "value")


@pytest.mark.parametrize("case", interleaved(JIT_CASES), ids=lambda c: c.name)
def test_jit_gpu_matches_eager(case: Case, cp):
    args = case.draw_args()
    dyn, fun = _split(case, args)
    dyn_args = [args[i] for i in dyn]
    jitted = fg.jit(fun, backend="gpu")
    want = fun(*dyn_args)
    assert_gpu_close(case, jitted(*to_gpu(dyn_args)), want, "jit gpu")
    assert_gpu_close(case, jitted(*to_gpu(dyn_args)), want, "jit gpu, cached")
    assert jitted.trace_count == 1


def _has_float_input(case: Case) -> bool:
    args = case.draw_args()
    return any(differentiable(a) for a in args)


@pytest.mark.parametrize("case", interleaved([c for c in CASES if c.diff and "rev" in c.modes
                                              and _has_float_input(c)]), ids=lambda c: c.name)
def test_table_vjp_on_cupy(case: Case, cp):
    args = case.draw_args()
    diff = [i for i, a in enumerate(args) if differentiable(a)]

    def vjp_at(args, place):
        def partial(*primals):
            full = list(args)
            for i, p in zip(diff, primals):
                full[i] = p
            return case.fun(*full)

        out, pullback = fg.vjp(partial, *[args[i] for i in diff])
        rng = np.random.default_rng(1)  # the same cotangent on both devices
        return pullback(place(tree_map(lambda o: direction(rng, fg.device_get(o)), out)))

    assert_gpu_close(case, vjp_at(to_gpu(args), to_gpu), vjp_at(args, lambda t: t), "vjp")


# ---------------------------------------------------------------------------------------
# The examples and the benchmark


@pytest.mark.parametrize("name", sorted(SHORT_RUNS))
def test_example_runs_on_the_gpu(name, monkeypatch, tmp_path, capsys):
    argv, check = SHORT_RUNS[name]
    module = load_example(name, monkeypatch)
    metrics = module.main([*argv, "--device", "gpu", "--out", str(tmp_path / "run")])
    check(metrics)
    assert "on CudaDevice(id=0)" in capsys.readouterr().out


def test_bench_gpu_quick_runs_every_implementation():
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "gpu.py"), "--quick"],
                         check=False, capture_output=True, text=True, timeout=300,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 0, run.stderr[-3000:]
    out = run.stdout
    assert "workload (median ms)" in out and "targets met:" in out, out
    for row in ("mlp step b128", "chain grad 1e1", "gelu fwd+bwd 1e5",
                "layernorm fwd+bwd 1e5", "per-example grads b64"):
        line = next((ln for ln in out.splitlines() if ln.startswith(row)), None)
        assert line is not None, f"no {row!r} row:\n{out}"
        assert "failed" not in line and "DIFFERS" not in line, out
