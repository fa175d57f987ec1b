"""The Numba kernel cache across processes, and jit's fallback when Numba is missing.

What the cache is for happens between processes (a fresh interpreter's first call), so each
test runs ``python -c`` children, each bounded by a timeout, with the kernel cache in a
``tmp_path``; a child prints one ``RESULT {json}`` line with ``cache.stats`` and what it
checked. Every child compares the jitted values with NumPy's. Cases: cold then warm
processes, a damaged entry (source, Numba's index, Numba's data), a stale entry (another
kernel's text and machine code under the name), a read-only directory and a path that
cannot be a directory, forked workers compiling different kernels into one cache (the
symbol clash of numba#10486), processes compiling the same kernel at once, the
``compilation_cache_dir`` option, and Numba failing to import or to compile.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_S = 120

# Each expression forms one kernel of its own; ``np`` is fungrad.numpy or NumPy.
KERNELS = {
    "tanh": "np.tanh(x) * 2.0 + 1.0",
    "exp": "np.exp(-x) * 3.0 - x",
    "poly": "x * x + 0.5 * x - 0.25",
    "log": "np.log(1.0 + x * x) * 0.25 + x",
}

PRELUDE = f"""
import json, os, sys, time, warnings
import numpy
import fungrad as fg
import fungrad.numpy as fnp
from fungrad.kernels.cpu import cache

KERNELS = {KERNELS!r}
X = numpy.linspace(-1.0, 1.5, 37)

def jitted(name, backend="numba"):
    return fg.jit(eval("lambda x: " + KERNELS[name], {{"np": fnp}}), backend=backend)

def check(name, backend="numba"):
    '''Call the jitted kernel (twice: backend="auto" plans on the second call), compare
    with NumPy, return the seconds the calls took.'''
    f = jitted(name, backend)
    start = time.perf_counter()
    y = f(X)
    y = f(X)
    seconds = time.perf_counter() - start
    want = eval(KERNELS[name], {{"np": numpy, "x": X}})
    numpy.testing.assert_allclose(y, want, rtol=1e-12, atol=1e-15, err_msg=name)
    return seconds

def report(**extra):
    print("RESULT " + json.dumps({{"stats": cache.stats, **extra}}), flush=True)
"""


def child_env(cache_root) -> dict:
    """The environment of a child: this checkout's fungrad, the kernel cache at ``cache_root``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_CACHE_DIR")}
    env["FUNGRAD_COMPILATION_CACHE_DIR"] = str(cache_root)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return env


def start(code: str, cache_root, prelude: str = PRELUDE) -> subprocess.Popen:
    """Start ``python -c prelude + code`` in the repository root, in a session of its own."""
    return subprocess.Popen([sys.executable, "-c", prelude + code], cwd=ROOT,
                            env=child_env(cache_root), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def result(proc: subprocess.Popen) -> dict:
    """Wait for ``proc`` (bounded) and return its RESULT dict; fail with its stderr."""
    try:
        out, err = proc.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # with its forked workers, which hold the pipes
        out, err = proc.communicate()
        pytest.fail(f"child ran past {TIMEOUT_S} s:\n{out}\n{err}")
    assert proc.returncode == 0, f"child exited with {proc.returncode}:\n{out}\n{err}"
    lines = [line for line in out.splitlines() if line.startswith("RESULT ")]
    assert len(lines) == 1, f"no RESULT line:\n{out}\n{err}"
    return json.loads(lines[0][len("RESULT "):])


def run(code: str, cache_root, prelude: str = PRELUDE) -> dict:
    """Run one child to the end and return its RESULT dict."""
    return result(start(code, cache_root, prelude))


def kernel_dir(cache_root: Path) -> Path:
    """The one versioned kernel directory under ``cache_root``."""
    (path,) = (cache_root / "kernels").iterdir()
    return path


def files_under(path: Path) -> list[Path]:
    """Every regular file below ``path``."""
    return sorted(p for p in path.rglob("*") if p.is_file())


def entry_files(cache_root: Path) -> dict[str, list[Path]]:
    """The ``fk_*.py`` modules and Numba's index and data files of a cache."""
    directory = kernel_dir(cache_root)
    return {"py": sorted(directory.glob("fk_*.py")),
            "nbi": sorted(directory.glob("__pycache__/fk_*.nbi")),
            "nbc": sorted(directory.glob("__pycache__/fk_*.nbc"))}


@pytest.fixture(scope="module")
def cold(tmp_path_factory):
    """A cache in which one process compiled the ``tanh`` kernel: (root, its RESULT)."""
    root = tmp_path_factory.mktemp("cold")
    return root, run("report(seconds=check('tanh'))", root)


@pytest.fixture
def warm(cold, tmp_path) -> Path:
    """A private copy of the ``cold`` cache, for a test to read or damage."""
    root = tmp_path / "cache"
    shutil.copytree(cold[0], root)
    return root


def test_cold_process_compiles_and_warm_processes_load(cold, warm):
    root, first = cold
    assert first["stats"]["compiled"] >= 1 and first["stats"]["loaded"] == 0
    assert {k: len(v) for k, v in entry_files(root).items()} == {"py": 1, "nbi": 1, "nbc": 1}
    second = run("report(seconds=check('tanh'))", warm)
    assert second["stats"]["compiled"] == 0 and second["stats"]["loaded"] >= 1
    # backend="auto" switches to the fused program at once (its second call, when it plans)
    # when the kernels are cached.
    auto = run("seconds = check('tanh', 'auto'); report(seconds=seconds)", warm)
    assert auto["stats"]["compiled"] == 0 and auto["stats"]["loaded"] >= 1
    print(f"\nfirst call: cold {first['seconds']:.2f} s, warm {second['seconds']:.2f} s, "
          f"auto warm {auto['seconds']:.2f} s (each with Numba's start-up)")


def _truncate(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _garble(data: bytes) -> bytes:
    return b"\x80garbage" * 9


# What is damaged: the kernel's module (cut short), Numba's index or its machine code.
DAMAGE = {"source": ("py", _truncate), "index": ("nbi", _garble), "data": ("nbc", _garble)}


@pytest.mark.parametrize("part", sorted(DAMAGE))
def test_corrupt_entry_is_compiled_again(warm, part):
    files = entry_files(warm)
    good_source = files["py"][0].read_text()
    kind, damage = DAMAGE[part]
    for path in files[kind]:
        path.write_bytes(damage(path.read_bytes()))
    out = run("check('tanh'); report()", warm)
    # A source that is not the kernel's text also drops what Numba compiled beside it.
    assert out["stats"]["compiled"] == 1 and out["stats"]["loaded"] == 0
    assert files["py"][0].read_text() == good_source
    repaired = entry_files(warm)
    assert len(repaired["nbi"]) == 1 and len(repaired["nbc"]) == 1
    assert all(b"garbage" not in f.read_bytes() for f in repaired["nbi"] + repaired["nbc"])
    assert not list(kernel_dir(warm).rglob("*.tmp*"))


STALE = """
import importlib.util
path = sorted(cache.cache_dir().glob("fk_*.py"))[0]
# Another kernel's text under this name, compiled by Numba into its cache as that module:
# the signature is the same and the body differs (x / 2 instead of x * 2).
right = path.read_text()
wrong = right.replace("(t0 * c0)", "(t0 / c0)")
assert wrong != right
path.write_text(wrong)
cache.numba_module()
name = "fungrad_kernels." + path.stem
spec = importlib.util.spec_from_file_location(name, path)
module = importlib.util.module_from_spec(spec)
sys.modules[name] = module
spec.loader.exec_module(module)
del sys.modules[name]
check('tanh')
report(source_restored=path.read_text() == right)
"""


def test_stale_entry_is_compiled_again(warm):
    out = run(STALE, warm)
    assert out["stats"]["compiled"] == 1 and out["stats"]["loaded"] == 0
    assert out["source_restored"]


READ_ONLY = """
os.access = lambda *args, **kwargs: False  # what a non-root user sees on a 0o555 directory
check('tanh')
report(cache_dir=str(cache.cache_dir()))
"""


def test_read_only_directory_compiles_in_memory(tmp_path):
    root = tmp_path / "read-only"
    root.mkdir()
    root.chmod(0o555)  # root (as in CI containers) writes anyway: os.access is mocked too
    try:
        out = run(READ_ONLY, root)
    finally:
        root.chmod(0o755)
    assert out["cache_dir"] == "None"
    assert out["stats"]["compiled"] == 1 and out["stats"]["loaded"] == 0
    assert list(root.rglob("*")) == []


def test_path_under_a_file_compiles_in_memory(tmp_path):
    (tmp_path / "a-file").write_text("not a directory")
    out = run("check('exp'); report(cache_dir=str(cache.cache_dir()))",
              tmp_path / "a-file" / "cache")
    assert out["cache_dir"] == "None"
    assert out["stats"]["compiled"] == 1 and out["stats"]["loaded"] == 0
    assert files_under(tmp_path) == [tmp_path / "a-file"]


FORKED = """
import multiprocessing
from numba.core.bytecode import FunctionIdentity

cache.numba_module()  # Numba imported (and its ids replaced) before the workers fork
names = ["tanh", "exp", "poly"]
ctx = multiprocessing.get_context("fork")
barrier, queue = ctx.Barrier(len(names)), ctx.Queue()

def work(name):
    first_id = next(FunctionIdentity._unique_ids)  # equal in every fork for a counter
    barrier.wait(timeout=60)
    check(name)
    queue.put({"name": name, "first_id": first_id, "stats": cache.stats})

workers = [ctx.Process(target=work, args=(name,), daemon=True) for name in names]
with cache._lock:  # as if another thread were compiling when the workers fork
    for w in workers:
        w.start()
results = [queue.get(timeout=90) for _ in workers]
for w in workers:
    w.join(timeout=20)
report(workers=results, exitcodes=[w.exitcode for w in workers],
       ids=type(FunctionIdentity._unique_ids).__name__)
"""


def test_forked_workers_compile_different_kernels_into_one_cache(tmp_path):
    out = run(FORKED, tmp_path)
    assert out["exitcodes"] == [0, 0, 0]
    assert len({w["first_id"] for w in out["workers"]}) == 3, "forks drew the same ids"
    assert out["ids"] == "_RandomIds"
    assert all(w["stats"]["compiled"] == 1 for w in out["workers"])
    assert len(entry_files(tmp_path)["nbi"]) == 3
    fresh = run("for name in ['tanh', 'exp', 'poly']: check(name)\nreport()", tmp_path)
    assert fresh["stats"]["loaded"] == 3 and fresh["stats"]["compiled"] == 0


SAME_KERNEL = """
ready = os.path.join(os.path.dirname(os.environ["FUNGRAD_COMPILATION_CACHE_DIR"]),
                     f"ready-{os.getpid()}")
open(ready, "w").close()
deadline = time.monotonic() + 60
while len([f for f in os.listdir(os.path.dirname(ready)) if f.startswith("ready-")]) < 3:
    assert time.monotonic() < deadline, "the other processes did not start"
    time.sleep(0.005)
check('log')
report()
"""


def test_processes_compiling_the_same_kernel_at_once(tmp_path):
    root = tmp_path / "cache"
    procs = [start(SAME_KERNEL, root) for _ in range(3)]
    outs = [result(p) for p in procs]
    assert all(o["stats"]["compiled"] + o["stats"]["loaded"] == 1 for o in outs)
    files = entry_files(root)
    assert [len(files[k]) for k in ("py", "nbi", "nbc")] == [1, 1, 1]
    assert not list(root.rglob("*.tmp*"))
    fresh = run("check('log'); report()", root)
    assert fresh["stats"]["loaded"] == 1 and fresh["stats"]["compiled"] == 0


OPTION = """
fg.config.update("compilation_cache_dir", PATH)
check('poly')
fg.config.update("compilation_cache_dir", "")  # memory only
check('exp')
report(cache_dir=str(cache.cache_dir()))
"""


def test_compilation_cache_dir_option(tmp_path):
    env_root, option_root = tmp_path / "env", tmp_path / "option"
    out = run(f"PATH = {str(option_root)!r}\n" + OPTION, env_root)
    assert out["cache_dir"] == "None" and out["stats"]["compiled"] == 2
    assert len(entry_files(option_root)["py"]) == 1  # 'poly' only: 'exp' stayed in memory
    assert not env_root.exists()


NUMBA_BROKEN = {
    "import": "import sys\nsys.modules['numba'] = None  # `import numba` raises ImportError\n",
    "compile": ("import numba\ndef _fails(*args, **kwargs):\n"
                "    raise RuntimeError('LLVM is broken')\nnumba.njit = _fails\n"),
}

FALLBACK = """
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    for _ in range(3):
        check('tanh', 'auto')
    check('exp', 'numba')
    check('poly', 'auto')
    check('poly', 'numba')
report(warnings=[f"{w.category.__name__}: {w.message}" for w in caught])
"""


@pytest.mark.parametrize("failure", sorted(NUMBA_BROKEN))
def test_jit_falls_back_to_numpy_with_one_warning(tmp_path, failure):
    out = run(FALLBACK, tmp_path, prelude=NUMBA_BROKEN[failure] + PRELUDE)
    (warning,) = out["warnings"]
    assert warning.startswith("RuntimeWarning") and "Numba" in warning
    assert out["stats"]["compiled"] == 0 and out["stats"]["loaded"] == 0
    assert not list(tmp_path.rglob("*.nb[ic]"))
    if failure == "import":
        assert files_under(tmp_path) == []  # nothing is written before Numba is there
