"""Fused-kernel benchmarks: fungrad ``jit(backend="numba")`` against JAX's jit and NumPy.

Run: ``python bench/kernels.py`` (``--quick`` for one size, one dtype and fewer rounds;
``--sizes``/``--dtypes`` to choose). Prints one table of medians, every implementation of a
row timed round-robin in the same run: JAX jit (the baseline; synchronous, each timed call
ends with ``block_until_ready``), fungrad jit with the fused Numba kernels (compiled before
timing), fungrad jit on the NumPy executable, and hand-written NumPy:

(1) grad of the 100-op chain of ``bench/eager.py`` (a), jitted. Target: <= 0.5x JAX.
(2) forward + backward of gelu (tanh approximation; vjp giving ``(y, dx)``), layernorm
    over rows of 1000 with gamma and beta (vjp giving ``(y, dx, dgamma, dbeta)``) and mean
    softmax cross-entropy over 1000 one-hot classes (value_and_grad in the logits), at 1e4,
    1e5 and 1e6 elements, float32 and float64. Targets: <= 1.0x JAX in every cell, <= 0.5x
    hand-written NumPy from 1e5 elements.
(3) the MLP 784-512-512-10 ReLU training step of ``bench/eager.py`` (b) (batch 128,
    float32), jitted. Targets: <= 0.9x JAX, <= 1.1x the GEMM floor (the step's eight
    matrix products alone, in NumPy).

Then (4), from fresh subprocesses with an empty ``FUNGRAD_COMPILATION_CACHE_DIR``: the cold
compile seconds per kernel of all the workloads above (median, count, total, and the
one-time cost of importing Numba), the same from a second process that loads them from the
disk cache, and the first call of each new jitted function with ``backend="auto"`` against
``backend="numpy"`` (target: no slower than 1.5x).

The ``faults`` column counts fungrad numba's minor page faults per call: fresh pages for its
outputs and intermediates, which make the 1e6 rows slow or fast depending on whether malloc
hands back reused memory.

``--profile ROW`` prints one row's fusion plan and the time of each step of its fused
program instead (which kernels or unfused impls dominate a missed target).

Before timing, every workload checks fungrad numba ~ fungrad numpy ~ JAX ~ NumPy (rtol 1e-4
for float32, 1e-10 for float64). BLAS runs on one thread (set before NumPy is imported);
XLA keeps its own thread pool unless ``--jax-threads 1``.
"""

from __future__ import annotations

import os

# Before NumPy is imported: OpenBLAS reads it once, at load time (see the README).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import functools  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from types import SimpleNamespace  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from eager import (  # noqa: E402
    BATCH,
    SIZES,
    chain,
    chain_grad_numpy,
    fungrad_step,
    init_mlp,
    jax_mlp,
    numpy_step,
)
from timing import available, blas_threads_line, time_round_robin  # noqa: E402

import fungrad as fg  # noqa: E402
import fungrad.numpy as fnp  # noqa: E402

ROW = 1000  # layernorm rows and cross-entropy classes
EPS = 1e-5  # layernorm's variance offset
GELU_C = float(np.sqrt(2.0 / np.pi))
RTOL = {np.float32: 1e-4, np.float64: 1e-10}
FG = SimpleNamespace(np=fnp, nn=fg.nn, vjp=fg.vjp, value_and_grad=fg.value_and_grad,
                     grad=fg.grad)


@dataclass
class Workload:
    """One table row: its arguments, the function over a library namespace, and targets.

    ``fn(lib, *args)`` is written once for fungrad and JAX (``lib`` holds ``np``, ``nn``,
    ``vjp``, ``value_and_grad``); ``numpy`` is the hand-written reference; each target is
    ``(implementation, reference, limit)``: median(implementation) <= limit * median(ref).
    """

    name: str
    fn: Callable
    args: tuple
    numpy: Callable | None
    targets: list[tuple[str, str, float]]
    dtype: type = np.float64
    jax_fn: Callable | None = None  # a zero-argument JAX callable replacing ``fn``'s
    extra: dict[str, Callable] = field(default_factory=dict)  # more timed references


# ---------------------------------------------------------------------------------------
# The workloads, written once over a namespace


def gelu_step(lib, x, ct):
    """``(y, dx)``: gelu (tanh approximation) and its vjp with cotangent ``ct``."""
    y, pullback = lib.vjp(lambda x: lib.nn.gelu(x, approximate=True), x)
    return y, pullback(ct)[0]


def layernorm(lib, x, gamma, beta):
    """Layer normalisation over the last axis, scaled by ``gamma``, shifted by ``beta``."""
    mean = lib.np.mean(x, axis=-1, keepdims=True)
    centered = x - mean
    var = lib.np.mean(centered * centered, axis=-1, keepdims=True)
    return centered / lib.np.sqrt(var + EPS) * gamma + beta


def layernorm_step(lib, x, gamma, beta, ct):
    """``(y, dx, dgamma, dbeta)``: layernorm and its vjp with cotangent ``ct``."""
    y, pullback = lib.vjp(functools.partial(layernorm, lib), x, gamma, beta)
    return (y, *pullback(ct))


def xent_step(lib, logits, labels):
    """``(loss, dlogits)`` of the mean softmax cross-entropy with one-hot ``labels``."""
    def loss(logits):
        return -lib.np.mean(lib.np.sum(lib.nn.log_softmax(logits) * labels, axis=-1))

    return lib.value_and_grad(loss)(logits)


def chain_step(lib, x):
    """The gradient of ``bench/eager.py``'s 100-op chain."""
    return lib.grad(functools.partial(chain, lib.np))(x)


# ---------------------------------------------------------------------------------------
# Hand-written NumPy forward + backward


def gelu_numpy(x, ct):
    x2 = x * x
    t = np.tanh(GELU_C * (x + 0.044715 * x2 * x))
    half = 0.5 * (1.0 + t)
    y = x * half
    dx = ct * (half + 0.5 * x * (1.0 - t * t) * GELU_C * (1.0 + 3 * 0.044715 * x2))
    return y, dx


def layernorm_numpy(x, gamma, beta, ct):
    centered = x - x.mean(axis=-1, keepdims=True)
    rstd = 1.0 / np.sqrt((centered * centered).mean(axis=-1, keepdims=True) + EPS)
    xhat = centered * rstd
    y = xhat * gamma + beta
    g = ct * gamma
    dx = rstd * (g - g.mean(axis=-1, keepdims=True)
                 - xhat * (g * xhat).mean(axis=-1, keepdims=True))
    return y, dx, (ct * xhat).sum(axis=0), ct.sum(axis=0)


def xent_numpy(logits, labels):
    shifted = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    total = e.sum(axis=-1, keepdims=True)
    n = logits.shape[0]
    loss = -np.sum((shifted - np.log(total)) * labels) / n
    # d loss / d logits = (softmax * rowsum(labels) - labels) / n; one-hot rows sum to 1.
    return loss, (e / total - labels) / n


def gemm_floor(params, x):
    """Only the eight matrix products of the MLP step's forward and backward passes."""
    (w1, _), (w2, _), (w3, _) = params
    h1 = x @ w1
    h2 = h1 @ w2
    g3 = h2 @ w3
    gw3, g2 = h2.T @ g3, g3 @ w3.T
    gw2, g1 = h1.T @ g2, g2 @ w2.T
    return gw3, gw2, x.T @ g1


# ---------------------------------------------------------------------------------------
# Building the rows


def elementwise_workloads(sizes, dtypes) -> list[Workload]:
    """The gelu, layernorm and cross-entropy rows at every size and dtype."""
    rows = []
    for dtype in dtypes:
        for n in sizes:
            rng = np.random.default_rng(n)
            shape = (max(n // ROW, 1), min(n, ROW))
            draw = functools.partial(_normal, rng, shape, dtype)
            labels = np.eye(shape[1], dtype=dtype)[rng.integers(0, shape[1], shape[0])]
            big = n >= 100_000
            targets = [("fungrad numba", "jax jit", 1.0)]
            if big:
                targets.append(("fungrad numba", "numpy", 0.5))
            tag = f"{n:.0e} {np.dtype(dtype).name}".replace("e+0", "e")
            rows += [
                Workload(f"gelu {tag}", gelu_step, (draw(), draw()), gelu_numpy, targets,
                         dtype),
                Workload(f"layernorm {tag}", layernorm_step,
                         (draw(), draw(shape[1]), draw(shape[1]), draw()), layernorm_numpy,
                         targets, dtype),
                Workload(f"xent {tag}", xent_step, (draw() * 3, labels), xent_numpy, targets,
                         dtype),
            ]
    return rows


def _normal(rng, shape, dtype, *other_shape):
    return rng.standard_normal(other_shape or shape).astype(dtype)


def chain_workload() -> Workload:
    x = np.linspace(0.1, 1.0, 10)
    return Workload("chain grad 10 float64", chain_step, (x,), chain_grad_numpy,
                    [("fungrad numba", "jax jit", 0.5)])


def mlp_workload(with_jax: bool) -> Workload:
    rng = np.random.default_rng(0)
    params = init_mlp(rng)
    x = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    y = np.eye(SIZES[-1], dtype=np.float32)[rng.integers(0, SIZES[-1], BATCH)]
    return Workload("mlp step b128 float32", lambda lib, *a: fungrad_step(*a), (params, x, y),
                    numpy_step, [("fungrad numba", "jax jit", 0.9),
                                 ("fungrad numba", "gemm floor", 1.1)], np.float32,
                    jax_fn=jax_mlp(params, x, y, jit=True) if with_jax else None,
                    extra={"gemm floor": lambda: gemm_floor(params, x)})


def all_workloads(sizes, dtypes, with_jax: bool = False) -> list[Workload]:
    return [chain_workload(), *elementwise_workloads(sizes, dtypes), mlp_workload(with_jax)]


# ---------------------------------------------------------------------------------------
# Checking and timing one row


def _jax_lib():
    import jax  # noqa: PLC0415 (optional; only the parent process imports it)
    import jax.numpy as jnp  # noqa: PLC0415

    jax.config.update("jax_enable_x64", True)
    return jax, SimpleNamespace(np=jnp, nn=jax.nn, vjp=jax.vjp,
                                value_and_grad=jax.value_and_grad, grad=jax.grad)


def implementations(w: Workload) -> dict[str, Callable[[], object]]:
    """The row's zero-argument callables, fungrad's kernels compiled, all results checked."""
    numba = fg.jit(functools.partial(w.fn, FG), backend="numba")
    executable = fg.jit(functools.partial(w.fn, FG), backend="numpy")
    reference = numba(*w.args)
    _assert_close(w, "fungrad numpy", executable(*w.args), reference)
    fns = {}
    if available("jax"):
        jax, lib = _jax_lib()
        if w.jax_fn is None:
            f = jax.jit(functools.partial(w.fn, lib))
            jargs = jax.tree_util.tree_map(jax.numpy.asarray, w.args)
            fns["jax jit"] = lambda: jax.block_until_ready(f(*jargs))
        else:
            fns["jax jit"] = w.jax_fn
        _assert_close(w, "jax jit", fns["jax jit"](), reference)
    fns["fungrad numba"] = lambda: numba(*w.args)
    fns["fungrad numpy"] = lambda: executable(*w.args)
    if w.numpy is not None:
        fns["numpy"] = lambda: w.numpy(*w.args)
        _assert_close(w, "numpy", fns["numpy"](), reference)
    fns.update(w.extra)
    return fns


def _assert_close(w: Workload, name: str, got, want) -> None:
    """``got`` ~ ``want`` leaf by leaf, at the row dtype's rtol (and atol = rtol * max|want|)."""
    got_leaves, want_leaves = fg.tree_util.tree_leaves(got), fg.tree_util.tree_leaves(want)
    assert len(got_leaves) == len(want_leaves), f"{w.name}: {name} returns another structure"
    rtol = RTOL[w.dtype]
    for i, (a, b) in enumerate(zip(got_leaves, want_leaves)):
        a, b = np.asarray(a), np.asarray(b)
        atol = rtol * float(np.max(np.abs(b))) if b.size else 0.0
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol,
                                   err_msg=f"{w.name}: {name} output {i} vs fungrad numba")


def time_row(w: Workload, quick: bool) -> tuple[dict[str, float], float]:
    """Median seconds per implementation, timed round-robin, and fungrad numba's minor page
    faults per call (fresh pages for its outputs and intermediates: what makes large rows
    bimodal, depending on whether malloc hands back reused memory)."""
    fns = implementations(w)
    budget = 0.5 if quick else 6.0
    times = time_round_robin(fns, rounds=50 if quick else 1000, warmup=2, budget_s=budget)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(5):
        fns["fungrad numba"]()
    faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 5
    return {name: float(np.median(ts)) for name, ts in times.items()}, faults


# ---------------------------------------------------------------------------------------
# The table

COLUMNS = ("jax jit", "fungrad numba", "fungrad numpy", "numpy", "gemm floor")


def format_row(w: Workload, medians: dict[str, float], faults: float) -> tuple[str, bool]:
    """One table line (medians in us, page faults, each target's ratio) and whether all
    targets are met."""
    cells = "".join(f"{medians[c] * 1e6:>14.1f}" if c in medians else f"{'-':>14}"
                    for c in COLUMNS) + f"{faults:>10.0f}"
    notes, met = [], True
    for impl, ref, limit in w.targets:
        if impl not in medians or ref not in medians:
            notes.append(f"{ref}: n/a")
            continue
        ratio = medians[impl] / medians[ref]
        ok = ratio <= limit
        met &= ok
        notes.append(f"{ratio:.2f}x {ref} (<= {limit:g}) {'met' if ok else 'MISSED'}")
    return f"{w.name:<24}{cells}  {'; '.join(notes)}", met


def header() -> str:
    cols = "".join(f"{c:>14}" for c in COLUMNS) + f"{'faults':>10}"
    return f"{'workload (median us)':<24}{cols}  ratios of fungrad numba to target"


# ---------------------------------------------------------------------------------------
# (4) compile latency, in fresh processes


def child_compile(sizes, dtypes) -> dict:
    """Compile every workload's kernels (backend numba); seconds per kernel, one-time cost."""
    from fungrad.kernels.cpu import cache  # noqa: PLC0415

    start = time.perf_counter()
    cache.numba_module()
    one_time = time.perf_counter() - start
    per_kernel = []
    load_or_compile = cache._load_or_compile

    def timed(kernel):  # wraps the cache's private step to time each kernel alone
        t0 = time.perf_counter()
        entry = load_or_compile(kernel)
        per_kernel.append(time.perf_counter() - t0)
        return entry

    cache._load_or_compile = timed
    for w in all_workloads(sizes, dtypes):
        fg.jit(functools.partial(w.fn, FG), backend="numba")(*w.args)
    return {"one_time": one_time, "per_kernel": per_kernel,
            "compiled": cache.stats["compiled"], "loaded": cache.stats["loaded"]}


def child_first_call(sizes, dtypes, backend: str) -> dict:
    """Seconds of the first call of each workload's new jitted function."""
    firsts = {}
    for w in all_workloads(sizes, dtypes):
        f = fg.jit(functools.partial(w.fn, FG), backend=backend)
        start = time.perf_counter()
        f(*w.args)
        firsts[w.name] = time.perf_counter() - start
    return firsts


def run_child(mode: str, cache_dir: str, args) -> dict:
    cmd = [sys.executable, os.path.abspath(__file__), "--child", mode,
           "--sizes", *map(str, args.sizes), "--dtypes", *args.dtypes]
    env = {**os.environ, "FUNGRAD_COMPILATION_CACHE_DIR": cache_dir}
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def compile_report(args, cache_dir: str) -> list[str]:
    """Section (4): cold and warm kernel compiles into the empty ``cache_dir``, and first
    calls auto vs numpy (medians over fresh processes)."""
    cold = run_child("compile", cache_dir, args)
    warm = run_child("compile", cache_dir, args)
    lines = ["(4) compile latency (fresh processes, empty FUNGRAD_COMPILATION_CACHE_DIR)"]
    for label, r in (("cold", cold), ("warm (disk cache)", warm)):
        ks = r["per_kernel"] or [0.0]
        lines.append(f"  {label:<18} kernels {len(r['per_kernel']):>3} (compiled "
                     f"{r['compiled']}, loaded {r['loaded']}): median {np.median(ks):.3f} s "
                     f"per kernel, first {ks[0]:.2f} s, total {sum(ks):.2f} s; one-time "
                     f"import numba {r['one_time']:.2f} s")
    processes = 1 if args.quick else 3
    firsts = {}
    for backend in ("auto", "numpy"):
        runs = []
        for _ in range(processes):
            with tempfile.TemporaryDirectory(prefix="fungrad-bench-") as empty:
                runs.append(run_child(f"first-{backend}", empty, args))
        firsts[backend] = {name: float(np.median([r[name] for r in runs])) for name in runs[0]}
    lines.append(f"  first call of a new jitted function, backend auto vs numpy (median of "
                 f"{processes} fresh processes each; target <= 1.5x)")
    auto, plain = firsts["auto"], firsts["numpy"]
    for name in [*auto, "all rows"]:
        a = sum(auto.values()) if name == "all rows" else auto[name]
        b = sum(plain.values()) if name == "all rows" else plain[name]
        lines.append(f"    {name:<24} auto {a * 1e3:>8.1f} ms  numpy {b * 1e3:>8.1f} ms  "
                     f"{a / b:.2f}x {'met' if a / b <= 1.5 else 'MISSED'}")
    return lines


# ---------------------------------------------------------------------------------------
# --profile: where one row's fused program spends its time


def profile_row(w: Workload, calls: int = 30) -> str:
    """The row's fusion plan and the time of each step of its fused program.

    Each line of the generated program (``run.source``: a kernel call, an unfused impl, an
    output allocation) is re-run with a timer around it, in the program's own namespace.
    """
    jitted = fg.jit(functools.partial(w.fn, FG), backend="numba")
    lowered = jitted.lower(*w.args)
    run = lowered.compile()
    run = getattr(run, "__wrapped__", run)  # the fused program behind the host/device check
    lines = run.source.splitlines()
    # The program's body: ``def _body(...):``, ``try:``, the steps, up to ``except``.
    head = next(i for i, ln in enumerate(lines) if ln.startswith(("def _body(", "def run(")))
    end = next((i for i, ln in enumerate(lines) if ln.startswith("    except")), len(lines))
    body = lines[head + 1:end]
    steps = [ln.strip() for ln in body if ln.startswith(" " * 8)
             and not ln.strip().startswith("return")]
    result = next(ln.strip() for ln in body if ln.strip().startswith("return ["))
    signature = lines[head].replace("def _body(", "def run(", 1)
    source = [signature.replace("def run(", "def _timed_run(", 1), "    _t = _clock()"]
    for i, step in enumerate(steps):
        source += [f"    {step}", f"    _spent[{i}] += _clock() - _t; _t = _clock()"]
    source.append(f"    {result}")
    namespace = run.__globals__
    spent = namespace["_spent"] = [0.0] * len(steps)
    namespace["_clock"] = time.perf_counter
    exec("\n".join(source), namespace)  # noqa: S102 (the program's own lines, timed)
    leaves = fg.tree_util.tree_leaves(w.args)
    for _ in range(3):
        namespace["_timed_run"](*leaves)
    spent[:] = [0.0] * len(steps)
    start = time.perf_counter()
    for _ in range(calls):
        namespace["_timed_run"](*leaves)
    total = (time.perf_counter() - start) / calls
    text = lowered.as_text()
    out = [text[text.find("# fusion plan"):], "", f"{w.name}: {total * 1e6:.0f} us per call "
           "(K<j>: the kernel of plan step j, f<j>: the impl of step j, steps counted from 0 "
           "in the order listed above)"]
    for t, step in sorted(zip(spent, steps), reverse=True)[:15]:
        out.append(f"{t / calls * 1e6:>10.1f} us {t / calls / total:>6.1%}  {step[:100]}")
    return "\n".join(out)


# ---------------------------------------------------------------------------------------


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="one size (1e4), float32 only, fewer rounds (a smoke run)")
    parser.add_argument("--sizes", type=int, nargs="+", help="element counts of rows (2)")
    parser.add_argument("--dtypes", nargs="+", choices=("float32", "float64"))
    parser.add_argument("--jax-threads", type=int, choices=(1,),
                        help="1: run XLA's CPU code on one thread, as BLAS is here (default: "
                        "XLA's own thread pool, one thread per CPU)")
    parser.add_argument("--profile", metavar="ROW",
                        help='print one row\'s fusion plan and per-step times, e.g. '
                        '"xent 1e5 float32" (with --sizes 100000 --dtypes float32)')
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.sizes is None:
        args.sizes = [10_000] if args.quick else [10_000, 100_000, 1_000_000]
    if args.dtypes is None:
        args.dtypes = ["float32"] if args.quick else ["float32", "float64"]
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    dtypes = [getattr(np, d) for d in args.dtypes]
    if args.child:
        if args.child == "compile":
            print(json.dumps(child_compile(args.sizes, dtypes)))
        else:
            print(json.dumps(child_first_call(args.sizes, dtypes, args.child.split("-")[1])))
        return
    if args.profile:
        rows = {w.name: w for w in all_workloads(args.sizes, dtypes)}
        if args.profile not in rows:
            raise SystemExit(f"bench/kernels.py --profile: no row {args.profile!r}; rows with "
                             f"these --sizes/--dtypes: {', '.join(rows)}")
        print(profile_row(rows[args.profile]))
        return
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="fungrad-bench-") as cache_dir:
        compile_lines = compile_report(args, cache_dir)
        # The timed rows load the kernels the children compiled, and leave no files behind.
        os.environ["FUNGRAD_COMPILATION_CACHE_DIR"] = cache_dir
        timed_rows(args, dtypes)
    print()
    print("\n".join(compile_lines))
    print(f"\nbench time {time.perf_counter() - start:.0f} s")


def timed_rows(args, dtypes) -> None:
    """Print the round-robin table."""
    with_jax = available("jax")
    if with_jax:
        if args.jax_threads == 1:  # read when JAX starts its CPU backend
            os.environ["XLA_FLAGS"] = ("--xla_cpu_multi_thread_eigen=false "
                                       "intra_op_parallelism_threads=1")
        _jax_lib()  # x64 on before any JAX array is made
    print(blas_threads_line())
    if with_jax:
        print(f"JAX: synchronous (block_until_ready in each timed call); XLA threads: "
              f"{'1' if args.jax_threads == 1 else 'default (one per CPU)'}")
    print(header())
    met = 0
    rows = all_workloads(args.sizes, dtypes, with_jax=with_jax)
    for w in rows:
        line, ok = format_row(w, *time_row(w, args.quick))
        met += ok
        print(line, flush=True)
    print(f"rows meeting every target: {met} of {len(rows)}  (faults: fungrad numba's minor "
          "page faults per call)")


if __name__ == "__main__":
    main()
