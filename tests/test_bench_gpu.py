"""``bench/gpu.py`` without a GPU: it imports, builds its rows, and exits 0 with one line.

(tests/test_gpu.py runs ``bench/gpu.py --quick`` on a real GPU.)
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

import fungrad  # noqa: F401 (loads fungrad.devices)

BENCH = Path(__file__).resolve().parent.parent / "bench"
devices_mod = sys.modules["fungrad.devices"]


@pytest.fixture
def gpu_bench(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    spec = importlib.util.spec_from_file_location("bench_gpu", BENCH / "gpu.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # its dataclass resolves names here
    spec.loader.exec_module(module)
    return module


def test_without_a_gpu_it_says_so_and_exits_0(gpu_bench, monkeypatch, capsys):
    find_spec = importlib.util.find_spec
    monkeypatch.setitem(devices_mod._gpu_state, "devices", None)
    monkeypatch.setattr(devices_mod.importlib.util, "find_spec",
                        lambda name, *a: None if name == "cupy" else find_spec(name, *a))
    assert gpu_bench.main([]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "bench/gpu.py: no GPU, nothing timed (devices: backend 'gpu' is not available: CuPy "
        "is not installed (pip install 'fungrad[gpu]'); the CPU's is devices('cpu').)"]


def test_rows_and_table_lines(gpu_bench):
    names = [r.name for r in gpu_bench.rows(quick=False)]
    assert names == ["mlp step b128", "mlp step b4096", "chain grad 1e1", "chain grad 1e7",
                     "gelu fwd+bwd 1e6", "layernorm fwd+bwd 1e6", "gelu fwd+bwd 1e7",
                     "layernorm fwd+bwd 1e7", "gelu fwd+bwd 1e8", "layernorm fwd+bwd 1e8",
                     "per-example grads b512"]
    quick = gpu_bench.rows(quick=True)
    assert len(quick) == 5 and all(r.make_args() for r in quick)
    row = quick[0]
    line = gpu_bench.format_line(row, {
        "medians": {"fungrad eager": 2e-3, "fungrad jit gpu": 1.2e-3, "jax jit": 1e-3},
        "firsts": {"fungrad jit gpu": 0.5, "jax jit": 0.25}, "failed": {}, "check": "ok"})
    assert line.startswith("mlp step b128") and "1.20" in line and "<= 1.5x: met" in line
    failed = gpu_bench.format_line(row, {"medians": {"jax jit": 1e-3}, "firsts": {},
                                         "failed": {"fungrad jit gpu": "E"}, "check": "-"})
    assert "failed" in failed and "n/a" in failed
    assert gpu_bench.check({"fungrad eager": [1.0, 2.0], "jax jit": [1.0, 2.0001]}) == "ok"
    assert gpu_bench.check({"fungrad eager": [1.0, 3.0], "jax jit": [1.0, 2.0]}) == \
        "DIFFERS: fungrad eager"
