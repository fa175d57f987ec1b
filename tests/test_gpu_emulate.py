"""The GPU backend's CUDA kernels, compiled as C++ on the CPU, against eager NumPy.

No GPU is needed: :mod:`fungrad.kernels.gpu.emulate` builds each generated
``ElementwiseKernel``/``ReductionKernel`` body with g++ inside a header with CuPy's kernel
semantics, and the GPU host program runs on NumPy arrays. Every row of the primitive table
(``tests/tables/``) runs as ``jit(f)``, ``jit(jvp(f))`` and ``jit(vjp(f))`` with
``lower(..., backend="gpu").compile()``; the values must match eager evaluation within
rtol 1e-10 (float64) and 1e-5 (float32), NaNs included. The kernels of one table module
compile as one translation unit, cached by source hash, so a second run only loads them.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
import shutil
import warnings
from dataclasses import dataclass

import numpy as np
import pytest
from fungrad.kernels.gpu import driver, emulate

import fungrad as fg
import tests.tables as tables_pkg
from fungrad.tree_util import tree_flatten, tree_map
from tests.tables.spec import Case
from tests.test_jit_table import _close, _split

pytestmark = pytest.mark.skipif(shutil.which("g++") is None,
                                reason="the CPU emulation of GPU kernels needs g++")


def _families() -> dict[str, list[Case]]:
    out = {}
    for info in sorted(pkgutil.iter_modules(tables_pkg.__path__), key=lambda m: m.name):
        if info.name != "spec":
            module = importlib.import_module(f"tests.tables.{info.name}")
            out[info.name] = [c for c in module.CASES if c.batch]
    return out


FAMILIES = _families()
ROWS = [(family, case) for family, cases in FAMILIES.items() for case in cases]


@dataclass
class Program:
    """One jitted program of a row, lowered for the GPU, and how to compute it eagerly."""

    label: str
    lowered: object
    leaves: list
    eager: object  # () -> the eager result


def _programs(case: Case) -> list[Program]:
    args = case.draw_args()
    dyn, fun = _split(case, args)
    dyn_args = [args[i] for i in dyn]
    out = [Program("jit(f)", fg.jit(fun).lower(*dyn_args, backend="gpu"),
                   tree_flatten(dyn_args)[0], lambda: fun(*dyn_args))]
    diff = [k for k, i in enumerate(dyn) if np.asarray(args[i]).dtype.kind == "f"]
    if not case.diff or not diff:
        return out

    def f(*primals):
        full = list(dyn_args)
        for k, p in zip(diff, primals):
            full[k] = p
        return fun(*full)

    primals = [dyn_args[k] for k in diff]
    rng = np.random.default_rng(3)
    tangents = [rng.standard_normal(np.shape(p)).astype(np.asarray(p).dtype) for p in primals]
    leaves = tree_flatten(primals)[0]
    out.append(Program("jit(jvp(f))",
                       fg.jit(lambda *p: fg.jvp(f, p, tangents)).lower(*primals, backend="gpu"),
                       leaves, lambda: fg.jvp(f, primals, tangents)))
    if "rev" in case.modes:
        want = fun(*dyn_args)
        ct = tree_map(lambda o: rng.standard_normal(np.shape(o)).astype(np.asarray(o).dtype),
                      want)
        out.append(Program("jit(vjp(f))",
                           fg.jit(lambda *p: fg.vjp(f, *p)[1](ct)).lower(*primals,
                                                                        backend="gpu"),
                           leaves, lambda: fg.vjp(f, *primals)[1](ct)))
    return out


@functools.cache
def _prepared(family: str) -> dict[str, list[Program]]:
    """Lower every row of a table module and compile all their kernels in one g++ run."""
    out = {}
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # rows at singular points fold infs
        for case in FAMILIES[family]:
            out[case.name] = _programs(case)
    specs = [s for progs in out.values() for p in progs
             for s in driver.kernel_specs(p.lowered.ir)]
    emulate.precompile(specs)
    return out


@pytest.mark.parametrize("family, case", ROWS, ids=[c.name for _, c in ROWS])
def test_emulated_gpu_kernels_match_eager(family, case):
    for program in _prepared(family)[case.name]:
        with driver.use_runtime(emulate.runtime()):
            run = program.lowered.compile()
        actual = run(*program.leaves)
        want = tree_flatten(program.eager())[0]
        _close(list(actual), want, case, f"{program.label} (GPU kernels emulated)",
               float32_rtol=1e-5)


def test_table_rows_covered_by_gpu_kernels():
    """Most rows with elementwise work run some of it in GPU kernels (the count is in the
    report: rows whose jit, jvp or vjp program has at least one kernel)."""
    covered = 0
    for family in FAMILIES:
        for progs in _prepared(family).values():
            covered += any(driver.kernel_specs(p.lowered.ir) for p in progs)
    assert covered >= 600, covered
