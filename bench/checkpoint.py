"""Checkpoint benchmark: memory and time of one gradient of a deep tanh MLP and an LSTM.

Run: ``python bench/checkpoint.py`` (``--layers``, ``--width``, ``--batch`` to change the
MLP; defaults: 32 layers of width 1024, batch 256, float32; ``--model lstm`` or ``all`` for
the LSTM: a 64-step ``scan`` of an LSTM cell, hidden and input size 256, batch 64, float32).
Every variant runs in a fresh subprocess, so measurements do not share allocator state:

- ``none``: no checkpointing;
- ``every``: ``fg.checkpoint`` around every layer (every LSTM step);
- ``sqrt``: the sqrt(N) pattern, ``fg.checkpoint`` around blocks of ~sqrt(N) layers (for
  the LSTM: an outer scan over 8 blocks, each a checkpointed inner scan of 8 steps);
- ``budget0.5``, ``budget0.25``, ``budget0.1``: ``fg.checkpoint(f, memory_budget=b)``
  around the whole loss (for the LSTM the planner schedules the scan across its
  iterations: per-step plans, or checkpointed blocks of steps): the planner picks what to
  save. Checks: activation memory <= b x that of ``none`` (+5%);
  time no worse than ``sqrt`` wherever the variant holds at least as much memory as
  ``sqrt`` does (at less memory the comparison is reported, not required); at 0.5 faster
  than ``every``.

Measured with ``tracemalloc`` (NumPy reports its allocations to it), parameters allocated
before tracing starts:

- *activation memory*: bytes still allocated after the forward pass of ``fg.vjp``, i.e.
  what the backward pass needs (the residuals);
- *peak*: the peak during forward + backward (this includes the gradients themselves);
- *bwd-peak*: that peak minus the bytes of the gradients: an indicator of the residuals and
  recomputed values the backward pass holds at once (a lower bound at the peak, since not
  every gradient exists yet when it is reached);
- *time*: the median wall time of ``fg.grad`` (forward + backward), in the same subprocess.

``saved_residuals`` predicts the activation memory: the table prints its total (arguments
excluded) beside the measurement. Targets: sqrt variant <= 1/4 of the uncheckpointed
activation memory and <= 1.5x its time; saved_residuals differences within 10% of the
measured differences.
"""

from __future__ import annotations

import argparse
import functools
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


BUDGETS = (0.5, 0.25, 0.1)
VARIANTS = ("none", "every", "sqrt") + tuple(f"budget{b}" for b in BUDGETS)


def _budget(variant: str):
    return float(variant[len("budget"):]) if variant.startswith("budget") else None


def make_loss(variant: str, layers: int):
    if _budget(variant) is not None:  # the whole loss: its every residual is planned
        return fg.checkpoint(lambda params, x: fnp.sum(block(params, x) ** 2),
                             memory_budget=_budget(variant))
    size = {"none": layers, "every": 1, "sqrt": max(1, round(math.sqrt(layers)))}[variant]
    step = block if variant == "none" else fg.checkpoint(block)

    def loss(params, x):
        for start in range(0, len(params), size):
            x = step(params[start:start + size], x)
        return fnp.sum(x * x)

    return loss


# ---------------------------------------------------------------------------------------
# The LSTM: 64 steps of a scan


LSTM_STEPS, LSTM_HIDDEN, LSTM_BATCH = 64, 256, 64


def lstm_cell(params, carry, x):
    wx, wh, b = params
    h, c = carry
    z = x @ wx + h @ wh + b
    i, f, g, o = fnp.split(z, 4, axis=-1)
    c = fg.nn.sigmoid(f) * c + fg.nn.sigmoid(i) * fnp.tanh(g)
    h = fg.nn.sigmoid(o) * fnp.tanh(c)
    return h, c


def make_lstm_params(hidden: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    scale = 1.0 / math.sqrt(hidden)
    wx = (rng.standard_normal((hidden, 4 * hidden)) * scale).astype(np.float32)
    wh = (rng.standard_normal((hidden, 4 * hidden)) * scale).astype(np.float32)
    return [wx, wh, np.zeros(4 * hidden, np.float32)]


def make_lstm_loss(variant: str, steps: int):
    budget = _budget(variant)
    if budget is not None:  # the whole loss: the planner schedules the scan's iterations
        return fg.checkpoint(make_lstm_loss("none", steps), memory_budget=budget)
    cell = fg.checkpoint(lstm_cell) if variant == "every" else lstm_cell

    def run(params, carry, xs):
        def body(carry, x):
            return cell(params, carry, x), None
        return fg.lax.scan(body, carry, xs)[0]

    def loss(params, xs):
        batch, hidden = xs.shape[1], params[1].shape[0]
        carry = (fnp.zeros((batch, hidden), np.float32), fnp.zeros((batch, hidden), np.float32))
        if variant == "sqrt":
            size = max(1, round(math.sqrt(steps)))
            blocks = xs.reshape((steps // size, size) + xs.shape[1:])
            inner = fg.checkpoint(run)
            carry = fg.lax.scan(lambda c, xb: (inner(params, c, xb), None), carry, blocks)[0]
        else:
            carry = run(params, carry, xs)
        return fnp.sum(carry[0] ** 2)

    return loss


def measure(variant: str, layers: int, width: int, batch: int, repeats: int,
            model: str = "mlp") -> dict:
    if model == "lstm":
        params = make_lstm_params(LSTM_HIDDEN)
        x = np.random.default_rng(1).standard_normal(
            (LSTM_STEPS, LSTM_BATCH, LSTM_HIDDEN)).astype(np.float32)
        loss = make_lstm_loss(variant, LSTM_STEPS)
    else:
        params = make_params(layers, width)
        x = np.random.default_rng(1).standard_normal((batch, width)).astype(np.float32)
        loss = make_loss(variant, layers)
    grad = fg.grad(loss)
    grad(params, x)  # warm up
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    _, pullback = fg.vjp(loss, params, x)
    activation = tracemalloc.get_traced_memory()[0] - base
    grads = pullback(np.float32(1.0))
    peak = tracemalloc.get_traced_memory()[1] - base
    grad_bytes = sum(np.asarray(g).nbytes for g in fg.tree_util.tree_leaves(grads))
    del pullback, grads
    tracemalloc.stop()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        grad(params, x)
        times.append(time.perf_counter() - t0)
    predicted = sum(r.nbytes for r in fg.saved_residuals(loss, params, x) if not r.is_argument)
    return {"variant": variant, "activation": activation, "peak": peak,
            "backward": peak - grad_bytes, "time": float(np.median(times)),
            "predicted": predicted}


def run_subprocess(variant: str, args, model: str = "mlp") -> dict:
    cmd = [sys.executable, os.path.abspath(__file__), "--child", variant, "--model", model,
           "--layers", str(args.layers), "--width", str(args.width), "--batch", str(args.batch),
           "--repeats", str(args.repeats)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def report(results: list[dict]) -> str:
    base = results[0]
    mb = 1 / 2**20
    lines = [f"{'variant':<10} {'activation MB':>14} {'ratio':>7} {'predicted MB':>13} "
             f"{'peak MB':>9} {'bwd-peak MB':>12} {'ratio':>7} {'time ms':>9} {'ratio':>7}"]
    for r in results:
        lines.append(
            f"{r['variant']:<10} {r['activation'] * mb:>14.1f} "
            f"{r['activation'] / base['activation']:>7.3f} {r['predicted'] * mb:>13.1f} "
            f"{r['peak'] * mb:>9.1f} {r['backward'] * mb:>12.1f} "
            f"{r['backward'] / base['backward']:>7.3f} "
            f"{r['time'] * 1e3:>9.1f} {r['time'] / base['time']:>7.2f}")
    lines.append("")
    for r in results[1:]:
        measured = base["activation"] - r["activation"]
        predicted = base["predicted"] - r["predicted"]
        error = abs(predicted - measured) / max(abs(measured), 1)
        lines.append(f"none - {r['variant']}: measured {measured * mb:.1f} MB, saved_residuals "
                     f"predicts {predicted * mb:.1f} MB (error {error:.1%})")
    lines.append("")
    lines.extend(budget_checks(results))
    return "\n".join(lines)


def budget_checks(results: list[dict]) -> list[str]:
    """The targets of the ``memory_budget`` rows, each line ending in ok / FAIL."""
    by = {r["variant"]: r for r in results}
    base, sqrt, every = by["none"], by["sqrt"], by["every"]
    lines = []
    for r in results:
        b = _budget(r["variant"])
        if b is None:
            continue
        ratio = r["activation"] / base["activation"]
        ok = ratio <= b * 1.05
        lines.append(f"{r['variant']}: activation {ratio:.3f} of none <= {b} (+5%): "
                     f"{'ok' if ok else 'FAIL'}; backward peak (above the gradients) "
                     f"{r['backward'] / base['backward']:.3f} of none, sqrt's "
                     f"{sqrt['backward'] / base['backward']:.3f}")
        if r["activation"] >= sqrt["activation"]:
            ok = r["time"] <= sqrt["time"]
            lines.append(f"{r['variant']}: {r['time'] * 1e3:.1f} ms with >= sqrt's memory, "
                         f"sqrt {sqrt['time'] * 1e3:.1f} ms: {'ok' if ok else 'FAIL'}")
        else:
            lines.append(f"{r['variant']}: {r['time'] * 1e3:.1f} ms with less memory than "
                         f"sqrt ({sqrt['time'] * 1e3:.1f} ms; not required)")
        if b == 0.5:
            ok = r["time"] < every["time"]
            lines.append(f"{r['variant']}: {r['time'] * 1e3:.1f} ms < every "
                         f"{every['time'] * 1e3:.1f} ms: {'ok' if ok else 'FAIL'}")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=32)
    parser.add_argument("--width", type=int, default=1024)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--model", choices=["mlp", "lstm", "all"], default="mlp")
    parser.add_argument("--child", choices=VARIANTS, help=argparse.SUPPRESS)
    parser.add_argument("--interleaved", type=int, default=0, metavar="ROUNDS",
                        help="also time all variants round-robin in one process (the "
                             "fairest comparison on a loaded machine)")
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.child, args.layers, args.width, args.batch,
                                 args.repeats, args.model)))
        return None
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from timing import blas_threads_line  # noqa: PLC0415

    print(blas_threads_line())
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
          f"on {os.cpu_count()} cores")
    all_results = {}
    if args.model in ("mlp", "all"):
        print(f"checkpoint: {args.layers}-layer tanh MLP, width {args.width}, batch "
              f"{args.batch}, float32; one gradient")
        all_results["mlp"] = results = [run_subprocess(v, args) for v in VARIANTS]
        print(report(results), flush=True)
    if args.model in ("lstm", "all"):
        print(f"\ncheckpoint: {LSTM_STEPS}-step LSTM (scan), hidden {LSTM_HIDDEN}, batch "
              f"{LSTM_BATCH}, float32; one gradient")
        all_results["lstm"] = results = [run_subprocess(v, args, "lstm") for v in VARIANTS]
        print(report(results), flush=True)
    if args.interleaved:
        for model in ("mlp", "lstm"):
            if args.model in (model, "all"):
                print(interleaved(model, args), flush=True)
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return all_results


def interleaved(model: str, args) -> str:
    """Median (and min) gradient times of every variant, timed round-robin."""
    from timing import time_round_robin  # noqa: PLC0415

    if model == "lstm":
        params = make_lstm_params(LSTM_HIDDEN)
        x = np.random.default_rng(1).standard_normal(
            (LSTM_STEPS, LSTM_BATCH, LSTM_HIDDEN)).astype(np.float32)
        losses = {v: make_lstm_loss(v, LSTM_STEPS) for v in VARIANTS}
    else:
        params = make_params(args.layers, args.width)
        x = np.random.default_rng(1).standard_normal((args.batch, args.width)).astype(np.float32)
        losses = {v: make_loss(v, args.layers) for v in VARIANTS}
    fns = {v: functools.partial(fg.grad(loss), params, x) for v, loss in losses.items()}
    times = time_round_robin(fns, rounds=args.interleaved, warmup=1, budget_s=600)
    lines = [f"{model}, interleaved ({args.interleaved} rounds): median / min ms"]
    lines += [f"  {v:<10} {np.median(t) * 1e3:9.1f} {np.min(t) * 1e3:9.1f}"
              for v, t in times.items()]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
