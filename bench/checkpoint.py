"""Checkpoint benchmark: memory and time of one gradient of a deep tanh MLP.

Run: ``python bench/checkpoint.py`` (``--layers``, ``--width``, ``--batch`` to change the
model; defaults: 32 layers of width 1024, batch 256, float32). Every variant runs in a fresh
subprocess, so measurements do not share allocator state:

- ``none``: no checkpointing;
- ``every``: ``fg.checkpoint`` around every layer;
- ``sqrt``: the sqrt(N) pattern, ``fg.checkpoint`` around blocks of ~sqrt(N) layers.

Measured with ``tracemalloc`` (NumPy reports its allocations to it), parameters allocated
before tracing starts:

- *activation memory*: bytes still allocated after the forward pass of ``fg.vjp``, i.e.
  what the backward pass needs (the residuals);
- *peak*: the peak during forward + backward (this includes the gradients themselves);
- *time*: the median wall time of ``fg.grad`` (forward + backward), in the same subprocess.

``saved_residuals`` predicts the activation memory: the table prints its total (arguments
excluded) beside the measurement. Targets: sqrt variant <= 1/4 of the uncheckpointed
activation memory and <= 1.5x its time; saved_residuals differences within 10% of the
measured differences.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
import tracemalloc

import numpy as np

import fungrad as fg
import fungrad.numpy as fnp


def make_params(layers: int, width: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    scale = 1.0 / math.sqrt(width)
    return [(rng.standard_normal((width, width)) * scale).astype(np.float32)
            for _ in range(layers)]


def layer(w, x):
    return fnp.tanh(x @ w)


def block(ws, x):
    for w in ws:
        x = layer(w, x)
    return x


def make_loss(variant: str, layers: int):
    size = {"none": layers, "every": 1, "sqrt": max(1, round(math.sqrt(layers)))}[variant]
    step = block if variant == "none" else fg.checkpoint(block)

    def loss(params, x):
        for start in range(0, len(params), size):
            x = step(params[start:start + size], x)
        return fnp.sum(x * x)

    return loss


def measure(variant: str, layers: int, width: int, batch: int, repeats: int) -> dict:
    params = make_params(layers, width)
    x = np.random.default_rng(1).standard_normal((batch, width)).astype(np.float32)
    loss = make_loss(variant, layers)
    grad = fg.grad(loss)
    grad(params, x)  # warm up
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    _, pullback = fg.vjp(loss, params, x)
    activation = tracemalloc.get_traced_memory()[0] - base
    pullback(np.float32(1.0))
    peak = tracemalloc.get_traced_memory()[1] - base
    del pullback
    tracemalloc.stop()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        grad(params, x)
        times.append(time.perf_counter() - t0)
    predicted = sum(r.nbytes for r in fg.saved_residuals(loss, params, x) if not r.is_argument)
    return {"variant": variant, "activation": activation, "peak": peak,
            "time": float(np.median(times)), "predicted": predicted}


def run_subprocess(variant: str, args) -> dict:
    cmd = [sys.executable, os.path.abspath(__file__), "--child", variant,
           "--layers", str(args.layers), "--width", str(args.width), "--batch", str(args.batch),
           "--repeats", str(args.repeats)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def report(results: list[dict]) -> str:
    base = results[0]
    mb = 1 / 2**20
    lines = [f"{'variant':<8} {'activation MB':>14} {'ratio':>7} {'predicted MB':>13} "
             f"{'peak MB':>9} {'time ms':>9} {'ratio':>7}"]
    for r in results:
        lines.append(
            f"{r['variant']:<8} {r['activation'] * mb:>14.1f} "
            f"{r['activation'] / base['activation']:>7.3f} {r['predicted'] * mb:>13.1f} "
            f"{r['peak'] * mb:>9.1f} {r['time'] * 1e3:>9.1f} {r['time'] / base['time']:>7.2f}")
    lines.append("")
    for r in results[1:]:
        measured = base["activation"] - r["activation"]
        predicted = base["predicted"] - r["predicted"]
        error = abs(predicted - measured) / max(abs(measured), 1)
        lines.append(f"none - {r['variant']}: measured {measured * mb:.1f} MB, saved_residuals "
                     f"predicts {predicted * mb:.1f} MB (error {error:.1%})")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=32)
    parser.add_argument("--width", type=int, default=1024)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--child", choices=["none", "every", "sqrt"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.child, args.layers, args.width, args.batch,
                                 args.repeats)))
        return None
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from timing import blas_threads_line  # noqa: PLC0415

    print(blas_threads_line())
    print(f"checkpoint: {args.layers}-layer tanh MLP, width {args.width}, batch {args.batch}, "
          "float32; one gradient")
    results = [run_subprocess(v, args) for v in ("none", "every", "sqrt")]
    print(report(results))
    return results


if __name__ == "__main__":
    main()
