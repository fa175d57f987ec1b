"""Data-parallel benchmark: the digits MLP's training step on 1 and 2 MPI processes.

Run: ``python bench/distributed.py`` (``--quick`` for fewer rounds). It launches itself
under ``mpiexec -n 1`` and ``mpiexec -n 2`` (needs mpi4py and mpiexec: ``pip install
mpi4py mpich``) and prints, from rank 0's medians:

(a) the step time (gradient on the rank's shard of a fixed global batch, gradient
    allreduce, optimizer update) for 1 and 2 processes, and the allreduce's share of it;
(b) ``allreduce_gradients`` of the MLP's six gradient leaves (64-H-H-10, float64):
    bucketed (one message) vs per-leaf (``bucket_bytes=1``: six messages). Both send one
    small shape/dtype check first. Target: bucketed faster. MPI's own ``Allreduce`` of the
    packed buffer is printed beside it: the cost of the fixed reduction order and the check.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:0] = [HERE, ROOT, os.path.join(ROOT, "examples")]


def worker(args) -> None:
    from digits_data import NUM_CLASSES, NUM_FEATURES, load_digits_split
    from digits_mlp import init_params, loss_fn
    from timing import time_round_robin

    import fungrad as fg
    from fungrad import distributed, optim
    from fungrad.tree_util import tree_map

    distributed.initialize()
    rank, size = distributed.process_index(), distributed.process_count()
    (x, y), _ = load_digits_split(0, dtype=np.float64)
    y1h = np.eye(NUM_CLASSES)[y]
    params = init_params(np.random.default_rng(0), [NUM_FEATURES, args.hidden, args.hidden,
                                                    NUM_CLASSES])
    params = distributed.broadcast_one_to_all(tree_map(lambda p: p.astype(np.float64), params))
    opt = optim.sgd(0.01, momentum=0.9)
    state = opt.init(params)
    idx = np.random.default_rng(1).choice(len(x), args.batch, replace=False)
    xb, yb = distributed.process_shard((x[idx], y1h[idx]))
    value_and_grad = fg.value_and_grad(loss_fn)
    parts = {"grad": [], "allreduce": [], "update": [], "step": []}
    for r in range(args.rounds + 3):
        t0 = time.perf_counter()
        _, g = value_and_grad(params, xb, yb)
        t1 = time.perf_counter()
        g = distributed.allreduce_gradients(g)
        t2 = time.perf_counter()
        updates, state = opt.update(g, state, params)
        params = optim.apply_updates(params, updates)
        t3 = time.perf_counter()
        if r >= 3:  # warm-up rounds dropped
            for k, v in (("grad", t1 - t0), ("allreduce", t2 - t1), ("update", t3 - t2),
                         ("step", t3 - t0)):
                parts[k].append(v)
    grads = value_and_grad(params, xb, yb)[1]
    fns = {"bucketed": lambda: distributed.allreduce_gradients(grads),
           "per-leaf": lambda: distributed.allreduce_gradients(grads, bucket_bytes=1)}
    if size > 1:  # MPI's own allreduce of the packed buffer (no fixed order, no checks)
        packed = np.concatenate([np.asarray(a).reshape(-1)
                                 for a in fg.tree_util.tree_leaves(grads)])
        recv = np.empty_like(packed)
        comm = distributed.world.world.comm
        fns["mpi"] = lambda: comm.Allreduce(packed, recv)
    # the same fixed number of rounds on every rank (no time budget: ranks stay in step)
    ar = time_round_robin(fns, rounds=args.rounds * 4, warmup=5, budget_s=1e9)
    if rank == 0:
        result = {"size": size, **{k: float(np.median(v)) for k, v in parts.items()},
                  "bucketed": float(np.median(ar["bucketed"])),
                  "per_leaf": float(np.median(ar["per-leaf"])),
                  "mpi": float(np.median(ar["mpi"])) if "mpi" in ar else None,
                  "leaves": len(fg.tree_util.tree_leaves(grads)),
                  "bytes": int(sum(np.asarray(a).nbytes for a in fg.tree_util.tree_leaves(grads)))}
        print("RESULT " + json.dumps(result), flush=True)


def launch(n: int, argv: list[str]) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "PYTHONPATH": ROOT}
    cmd = ["mpiexec", "-n", str(n), sys.executable, os.path.abspath(__file__), "--worker", *argv]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env, check=False)
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"{' '.join(cmd)} failed:\n{out.stdout}\n{out.stderr}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--hidden", type=int, default=256, help="hidden layer width")
    parser.add_argument("--batch", type=int, default=256, help="global batch")
    parser.add_argument("--rounds", type=int, default=30, help="timed steps")
    args = parser.parse_args()
    if args.quick:
        args.rounds = 8
    if args.worker:
        worker(args)
        return
    if shutil.which("mpiexec") is None:
        raise SystemExit("bench/distributed.py needs mpiexec and mpi4py: pip install mpi4py mpich")
    argv = ["--hidden", str(args.hidden), "--batch", str(args.batch), "--rounds",
            str(args.rounds)]
    rows = [launch(n, argv) for n in (1, 2)]
    print(f"digits MLP 64-{args.hidden}-{args.hidden}-10, float64, global batch {args.batch}, "
          f"{rows[0]['leaves']} gradient leaves ({rows[0]['bytes'] / 1e6:.2f} MB); "
          f"OMP/BLAS threads 1, {os.cpu_count()} cores; medians of rank 0")
    print(f"{'processes':>9} {'step ms':>9} {'grad ms':>9} {'allreduce ms':>13} "
          f"{'update ms':>10} {'allreduce share':>16}")
    for r in rows:
        print(f"{r['size']:>9} {r['step'] * 1e3:>9.2f} {r['grad'] * 1e3:>9.2f} "
              f"{r['allreduce'] * 1e3:>13.3f} {r['update'] * 1e3:>10.3f} "
              f"{r['allreduce'] / r['step']:>15.1%}")
    two = rows[1]
    print(f"\nallreduce_gradients on 2 processes ({two['leaves']} leaves): bucketed "
          f"{two['bucketed'] * 1e6:.0f} us (1 message), per-leaf {two['per_leaf'] * 1e6:.0f} us "
          f"({two['leaves']} messages): bucketed is {two['per_leaf'] / two['bucketed']:.2f}x "
          "faster")
    print(f"MPI's own Allreduce of the packed buffer (no rank-order guarantee, no shape "
          f"check): {two['mpi'] * 1e6:.0f} us")


if __name__ == "__main__":
    main()
