"""GPU benchmarks: fungrad eager on CuPy, fungrad ``jit(backend="gpu")`` and JAX on the GPU.

Run: ``python bench/gpu.py`` (``--quick``: small sizes and short timing, a smoke run).
Without a CUDA GPU (or CuPy) it prints one line saying so and exits 0.

Prints one table of medians in milliseconds; the implementations of a row are timed
round-robin in the same run (``bench/timing.py``), and every timed call ends with a device
synchronisation (``fg.block_until_ready``, ``jax.block_until_ready``), so a median is the
time until the GPU has finished the call's work. Rows (float32, as on GPUs):

- MLP 784-512-512-10 ReLU training step (grad + SGD), batch 128 and 4096;
- grad of the 100-op elementwise chain of ``bench/eager.py`` on 10 and 1e7 elements;
- gelu (tanh approximation) and layernorm (rows of 1000, gamma and beta) forward + backward
  (vjp), at 1e6, 1e7 and 1e8 elements;
- per-example gradients, ``vmap(grad(loss))`` of a 784-256-10 tanh MLP, batch 512.

Targets (issue 11): fungrad jit within 1.5x JAX on the MLP steps, within 1.2x JAX on the
elementwise rows at 1e7 elements and more. The ``1st call s`` columns are the seconds of
the first call (tracing and compiling). Before timing, each implementation's outputs are
compared with JAX's (else with fungrad eager's); a row that differs says so in ``check``,
and an implementation that fails is listed under the table with its error.
"""

from __future__ import annotations

import os

# Before JAX starts: its default grabs 75% of GPU memory, which CuPy's pool also needs.
os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")

import argparse  # noqa: E402
import functools  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from types import SimpleNamespace  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from eager import LR, SIZES, chain  # noqa: E402
from timing import available, time_round_robin  # noqa: E402

import fungrad as fg  # noqa: E402
import fungrad.numpy as fnp  # noqa: E402
from kernels import ROW, gelu_step, layernorm_step  # noqa: E402

IMPLEMENTATIONS = ("fungrad eager", "fungrad jit gpu", "jax jit")
RTOL = 2e-3  # float32 on the GPU: other summation orders than JAX's, at up to 1e8 elements
FG = SimpleNamespace(np=fnp, nn=fg.nn, vjp=fg.vjp, grad=fg.grad, vmap=fg.vmap)


@dataclass
class Row:
    """One table row: ``fn(lib, *args)`` written once for fungrad and JAX, ``make_args()``
    drawing its host arguments (when the row runs: the 1e8 rows hold gigabytes), and the
    target ``limit`` on fungrad jit / JAX (None: no target)."""

    name: str
    fn: Callable
    make_args: Callable[[], tuple]
    limit: float | None


# ---------------------------------------------------------------------------------------
# The workloads, written once over a library namespace


def mlp_loss(lib, params, x, y):
    """Mean softmax cross-entropy of a ReLU MLP; ``y`` is one-hot."""
    h = x
    for w, b in params[:-1]:
        h = lib.np.maximum(h @ w + b, 0.0)
    logits = h @ params[-1][0] + params[-1][1]
    return -lib.np.mean(lib.np.sum(lib.nn.log_softmax(logits) * y, axis=1))


def mlp_step(lib, params, x, y):
    """One SGD step of the MLP."""
    grads = lib.grad(functools.partial(mlp_loss, lib))(params, x, y)
    return [(w - LR * gw, b - LR * gb) for (w, b), (gw, gb) in zip(params, grads)]


def chain_grad(lib, x):
    """The gradient of the 100-op chain (sin, *1.01, tanh, +0.5, repeated; then a sum)."""
    return lib.grad(functools.partial(chain, lib.np))(x)


def example_loss(lib, params, x, y):
    """One example's softmax cross-entropy under a tanh MLP (``x``: (784,), ``y``: one-hot)."""
    (w1, b1), (w2, b2) = params
    logits = lib.np.tanh(x @ w1 + b1) @ w2 + b2
    return -lib.np.sum(lib.nn.log_softmax(logits) * y)


def per_example_grads(lib, params, x, y):
    """Each example's gradient: ``vmap(grad(loss), in_axes=(None, 0, 0))``."""
    return lib.vmap(lib.grad(functools.partial(example_loss, lib)), in_axes=(None, 0, 0))(
        params, x, y)


# ---------------------------------------------------------------------------------------
# The rows


def _mlp_params(rng, sizes):
    return [(rng.standard_normal((m, n)).astype(np.float32) * np.float32(np.sqrt(2.0 / m)),
             np.zeros(n, np.float32)) for m, n in zip(sizes[:-1], sizes[1:])]


def _onehot(rng, batch, classes):
    return np.eye(classes, dtype=np.float32)[rng.integers(0, classes, batch)]


def rows(quick: bool) -> list[Row]:
    """The table's rows (``quick``: one small size of each workload)."""
    rng = np.random.default_rng(0)
    normal = lambda *shape: rng.standard_normal(shape, np.float32)  # noqa: E731
    out = []
    for batch in (128,) if quick else (128, 4096):
        out.append(Row(f"mlp step b{batch}", mlp_step, functools.partial(
            lambda b: (_mlp_params(rng, SIZES), normal(b, SIZES[0]),
                       _onehot(rng, b, SIZES[-1])), batch), 1.5))
    for n in (10,) if quick else (10, 10**7):
        out.append(Row(f"chain grad {n:.0e}".replace("e+0", "e"), chain_grad,
                       functools.partial(lambda n: (np.linspace(0.1, 1.0, n, dtype=np.float32),),
                                         n), 1.2 if n >= 10**7 else None))
    for n in (10**5,) if quick else (10**6, 10**7, 10**8):
        shape, tag = (n // ROW, ROW), f"{n:.0e}".replace("e+0", "e")
        limit = 1.2 if n >= 10**7 else None
        out.append(Row(f"gelu fwd+bwd {tag}", gelu_step,
                       functools.partial(lambda s: (normal(*s), normal(*s)), shape), limit))
        out.append(Row(f"layernorm fwd+bwd {tag}", layernorm_step, functools.partial(
            lambda s: (normal(*s), normal(ROW), normal(ROW), normal(*s)), shape), limit))
    batch = 64 if quick else 512
    out.append(Row(f"per-example grads b{batch}", per_example_grads, lambda: (
        _mlp_params(rng, (784, 256, 10)), normal(batch, 784), _onehot(rng, batch, 10)), None))
    return out


# ---------------------------------------------------------------------------------------
# Implementations of a row, checked, then timed


def _jax():
    """JAX and its namespace of the workloads' functions, if JAX sees a GPU; else None."""
    if not available("jax"):
        return None
    import jax  # noqa: PLC0415 (optional)

    try:
        gpu = jax.devices("gpu")[0]
    except RuntimeError:
        return None
    lib = SimpleNamespace(np=jax.numpy, nn=jax.nn, vjp=jax.vjp, grad=jax.grad, vmap=jax.vmap)
    return jax, gpu, lib


def implementations(row: Row, jax_setup) -> tuple[dict, dict, dict, dict]:
    """``(callables, first-call seconds, failures, first outputs)``: each callable runs the
    row once on the GPU and waits for it; an implementation whose first call raises is left
    out (and listed in failures)."""
    candidates = {}
    host_args = row.make_args()
    gpu_args = fg.device_put(host_args, fg.devices("gpu")[0])
    eager = functools.partial(row.fn, FG)
    candidates["fungrad eager"] = lambda: fg.block_until_ready(eager(*gpu_args))
    try:
        jitted = fg.jit(functools.partial(row.fn, FG), backend="gpu")
        candidates["fungrad jit gpu"] = lambda: fg.block_until_ready(jitted(*gpu_args))
    except Exception as err:  # noqa: BLE001 (reported under the table)
        failed = {"fungrad jit gpu": _describe(err)}
    else:
        failed = {}
    if jax_setup is not None:
        jax, gpu, lib = jax_setup
        jax_fn = jax.jit(functools.partial(row.fn, lib))
        jax_args = jax.device_put(host_args, gpu)
        candidates["jax jit"] = lambda: jax.block_until_ready(jax_fn(*jax_args))
    fns, firsts, outputs = {}, {}, {}
    for name, fn in candidates.items():
        try:
            start = time.perf_counter()
            outputs[name] = fn()
            firsts[name] = time.perf_counter() - start
            fns[name] = fn
        except Exception as err:  # noqa: BLE001 (reported under the table)
            failed[name] = _describe(err)
    return fns, firsts, failed, outputs


def _describe(err: Exception) -> str:
    text = " ".join(str(err).split())
    return f"{type(err).__name__}: {text[:300]}"


def check(outputs: dict) -> str:
    """``ok``, or which implementations differ from the reference (JAX's, else eager's)."""
    reference = "jax jit" if "jax jit" in outputs else "fungrad eager"
    if reference not in outputs:
        return "-"
    want = [np.asarray(leaf, np.float64)
            for leaf in fg.tree_util.tree_leaves(fg.device_get(outputs[reference]))]
    bad = []
    for name, got in outputs.items():
        leaves = [np.asarray(leaf, np.float64)
                  for leaf in fg.tree_util.tree_leaves(fg.device_get(got))]
        if len(leaves) != len(want) or any(
                a.shape != b.shape or not np.allclose(a, b, rtol=RTOL,
                                                      atol=RTOL * float(np.abs(b).max(initial=0)))
                for a, b in zip(leaves, want)):
            bad.append(name)
    return "ok" if not bad else "DIFFERS: " + ", ".join(bad)


def time_row(row: Row, jax_setup, quick: bool) -> dict:
    fns, firsts, failed, outputs = implementations(row, jax_setup)
    verdict = check(outputs)
    outputs.clear()  # free the GPU memory of the checked outputs before timing
    times = time_round_robin(fns, rounds=20 if quick else 200, warmup=1 if quick else 3,
                             budget_s=0.3 if quick else 4.0) if fns else {}
    return {"medians": {n: float(np.median(t)) for n, t in times.items()}, "firsts": firsts,
            "failed": failed, "check": verdict}


# ---------------------------------------------------------------------------------------
# The table


def format_line(row: Row, result: dict) -> str:
    med, firsts = result["medians"], result["firsts"]
    cells = "".join(f"{med[c] * 1e3:>16.3f}" if c in med else f"{'failed':>16}"
                    if c in result["failed"] else f"{'-':>16}" for c in IMPLEMENTATIONS)
    ratio = (med["fungrad jit gpu"] / med["jax jit"]
             if "fungrad jit gpu" in med and "jax jit" in med else None)
    ratio_cell = f"{ratio:>9.2f}" if ratio is not None else f"{'-':>9}"
    if row.limit is None or ratio is None:
        target = "" if row.limit is None else f"<= {row.limit:g}x: n/a"
    else:
        target = f"<= {row.limit:g}x: {'met' if ratio <= row.limit else 'MISSED'}"
    first = "".join(f"{firsts[c]:>9.2f}" if c in firsts else f"{'-':>9}"
                    for c in ("fungrad jit gpu", "jax jit"))
    return (f"{row.name:<26}{cells}{ratio_cell}{first}  {result['check']:<8}  {target}")


def header() -> str:
    cols = "".join(f"{c:>16}" for c in IMPLEMENTATIONS)
    return (f"{'workload (median ms)':<26}{cols}{'jit/jax':>9}{'jit 1st':>9}{'jax 1st':>9}"
            f"  {'check':<8}  target")


def describe_setup(jax_setup) -> list[str]:
    import cupy  # noqa: PLC0415 (only with a GPU)

    gpu = fg.devices("gpu")[0]
    lines = [f"GPU: {gpu.device_kind} ({gpu!r}); CuPy {cupy.__version__}, CUDA runtime "
             f"{cupy.cuda.runtime.runtimeGetVersion()}, driver "
             f"{cupy.cuda.runtime.driverGetVersion()}"]
    if jax_setup is None:
        lines.append("JAX: not installed or sees no GPU (the jax jit column is empty)")
    else:
        lines.append(f"JAX {jax_setup[0].__version__} on {jax_setup[1]} (jit, float32)")
    lines.append("each timed call ends with a device synchronisation (block_until_ready)")
    return lines


def no_gpu_reason() -> str | None:
    """Why there is no GPU to time on, or None if there is one."""
    try:
        fg.devices("gpu")
    except RuntimeError as err:
        return str(err)
    return None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="one small size per workload, short timing (a smoke run)")
    args = parser.parse_args(argv)
    reason = no_gpu_reason()
    if reason is not None:
        print(f"bench/gpu.py: no GPU, nothing timed ({reason})")
        return 0
    start = time.perf_counter()
    jax_setup = _jax()
    print("\n".join(describe_setup(jax_setup)))
    print(header(), flush=True)
    failures, met, targets = [], 0, 0
    for row in rows(args.quick):
        result = time_row(row, jax_setup, args.quick)
        line = format_line(row, result)
        met += "met" in line
        targets += row.limit is not None
        print(line, flush=True)
        failures += [f"  {row.name}: {name}: {why}" for name, why in result["failed"].items()]
    print(f"targets met: {met} of {targets} (fungrad jit gpu / jax jit)")
    if failures:
        print("failed implementations:\n" + "\n".join(failures))
    print(f"bench time {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
