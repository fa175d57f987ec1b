"""Two MPI processes (``mpiexec -n 2``, launched from pytest, each run bounded in time).

This file is also the program the ranks run: ``python tests/test_distributed_mpi.py
<scenario>`` under mpiexec. Scenarios: every collective under pmap equals the one-process
vmap over the global batch (tests/test_distributed.py's CASES), allreduce results are the
same bits on both ranks, the data-parallel example's parameters equal single-process
training on the global batch, a rank that raises or stops calling collectives makes the
others stop with an error (no hang), and mismatched shapes are errors on every rank.
Skipped, with the reason, where mpiexec or mpi4py is missing (``pip install mpi4py mpich``,
the ``distributed`` extra).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
LIMIT_S = 60


def _mpi_missing() -> str | None:
    if importlib.util.find_spec("mpi4py") is None:
        return "mpi4py is not installed (pip install mpi4py mpich: the `distributed` extra)"
    if shutil.which("mpiexec") is None:
        return "no mpiexec on PATH (pip install mpich: the `distributed` extra)"
    return None


def run_ranks(scenario: str, n: int = 2, limit: float = LIMIT_S):
    """Run this file's ``scenario`` on ``n`` ranks; return (returncode, output, seconds)."""
    reason = _mpi_missing()
    if reason:
        pytest.skip(reason)
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'examples'}",
           "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    start = time.monotonic()
    try:
        proc = subprocess.run(["mpiexec", "-n", str(n), sys.executable, __file__, scenario],
                              capture_output=True, text=True, timeout=limit, env=env, cwd=ROOT,
                              check=False)
    except subprocess.TimeoutExpired as err:
        pytest.fail(f"mpiexec -n {n} {scenario} did not finish in {limit} s (a hang):\n"
                    f"{err.stdout}\n{err.stderr}")
    return proc.returncode, proc.stdout + proc.stderr, time.monotonic() - start


def test_pmap_collectives_equal_vmap():
    rc, out, _ = run_ranks("collectives")
    assert rc == 0, out
    assert out.count("collectives OK") == 2, out


def test_example_equals_single_process_training():
    rc, out, _ = run_ranks("example")
    assert rc == 0, out
    assert out.count("example OK") == 2, out
    assert out.count("final test accuracy") == 1, f"only rank 0 prints progress:\n{out}"


def test_raising_rank_stops_the_others():
    rc, out, seconds = run_ranks("raise")
    assert rc != 0, out
    assert "ValueError: rank 1 fails on purpose" in out and "aborting all ranks" in out, out
    assert "rank 0 finished" not in out, out
    # bounded, not hanging: the launch itself (two interpreters importing numpy, scipy and
    # fungrad, cold .pyc files in a fresh venv) took up to ~30 s on a loaded 2-core machine
    assert seconds < 0.9 * LIMIT_S, seconds


def test_rank_that_skips_a_collective_times_out():
    rc, out, seconds = run_ranks("timeout")
    assert rc != 0, out
    assert "CollectiveTimeoutError" in out and "waited more than 2 s" in out, out
    # bounded, not hanging: the launch itself (two interpreters importing numpy, scipy and
    # fungrad, cold .pyc files in a fresh venv) took up to ~30 s on a loaded 2-core machine
    assert seconds < 0.9 * LIMIT_S, seconds


def test_mismatched_shapes_are_errors_on_every_rank():
    rc, out, _ = run_ranks("mismatch")
    assert rc == 0, out
    assert out.count("mismatch OK") == 2, out


# ---------------------------------------------------------------------------------------
# The programs the ranks run


def _collectives(rank, size):
    import fungrad as fg
    from fungrad import distributed
    from tests.test_distributed import CASES, check_case, check_nested, mlp_grads

    for name in sorted(CASES):
        check_case(name, rank, size)
    check_nested(rank, size)
    # allreduce: the same bits on every rank, and the mean of the ranks' values
    grads = fg.tree_util.tree_map(lambda g: g * (1.0 + 0.1 * rank) / 3.0, mlp_grads())
    out = fg.tree_util.tree_leaves(distributed.allreduce_gradients(grads))
    every = distributed.world.world.comm.allgather([x.tobytes() for x in out])
    assert all(e == every[0] for e in every), "allreduce results differ between ranks"
    for x, g in zip(out, fg.tree_util.tree_leaves(mlp_grads())):
        np.testing.assert_allclose(x, g * (1.0 + 0.05 * (size - 1)) / 3.0, rtol=1e-14)
    start = distributed.broadcast_one_to_all({"p": np.full(3, float(rank))})
    assert start["p"].tolist() == [0.0, 0.0, 0.0]
    print(f"rank {rank}: collectives OK", flush=True)


def _example(rank, size):
    import tempfile

    import data_parallel as dp

    from fungrad import distributed

    out = Path(tempfile.mkdtemp()) if rank == 0 else Path("/nonexistent")
    argv = ["--steps", "12", "--print-every", "6", "--hidden", "32", "--batch-size", "32",
            "--out", str(out)]
    dp.main(argv)
    args = dp.parse_args(argv)
    # the data-parallel run, then this process alone on the global batches
    (x, y1h, _), _, params, opt = dp.setup(args)
    par, _, _ = dp.train_steps(params, opt.init(params), opt, (x, y1h), range(1, 13), args.seed,
                               args.batch_size)
    ref, _, _ = dp.train_steps(params, opt.init(params), opt, (x, y1h), range(1, 13), args.seed,
                               args.batch_size, data_parallel=False)
    import fungrad as fg

    for a, b in zip(fg.tree_util.tree_leaves(par), fg.tree_util.tree_leaves(ref)):
        assert a.dtype == np.float64
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-10)
    every = distributed.world.world.comm.allgather(
        [np.asarray(a).tobytes() for a in fg.tree_util.tree_leaves(par)])
    assert every[0] == every[1], "ranks hold different parameters"
    print(f"rank {rank}: example OK", flush=True)


def _raise(rank, size):
    from fungrad import distributed

    if rank == 1:
        raise ValueError("rank 1 fails on purpose")
    distributed.allreduce_gradients({"g": np.ones(3)})  # waits for rank 1: aborted
    print("rank 0 finished", flush=True)


def _timeout(rank, size):
    from fungrad import distributed

    distributed.initialize(heartbeat_timeout_seconds=2)
    if rank == 1:
        time.sleep(20)  # never joins the collective; rank 0 times out and aborts us
        return
    distributed.allreduce_gradients({"g": np.ones(3)})


def _mismatch(rank, size):
    import fungrad as fg
    from fungrad import distributed

    grads = {"a": np.ones(3), "layer": {"w": np.ones((2, 2 + rank))}}
    try:
        distributed.allreduce_gradients(grads)
    except distributed.DistributedError as err:
        assert "rank 1 differs from rank 0" in str(err), err
        assert "leaf ['layer']['w'] has shape (2, 3)" in str(err), err
    else:
        raise AssertionError("no error for mismatched gradient shapes")
    try:
        fg.pmap(lambda v: v * 2, "i")(np.ones((2 + rank, 3)))
    except distributed.DistributedError as err:
        assert "rank 1" in str(err) and "local lanes" in str(err), err
    else:
        raise AssertionError("no error for mismatched shard sizes")
    try:  # the primitive checks too: a dtype that differs only inside the function
        fg.pmap(lambda v: fg.lax.psum(v.astype(np.float32 if rank else np.float64), "i"),
                "i")(np.ones((2, 3)))
    except distributed.DistributedError as err:
        assert "process_allreduce" in str(err) and "rank 1" in str(err), err
        assert "float32" in str(err), err
    else:
        raise AssertionError("no error for mismatched dtypes in psum")
    print(f"rank {rank}: mismatch OK", flush=True)


if __name__ == "__main__":
    sys.path[:0] = [str(ROOT), str(ROOT / "examples")]
    from fungrad import distributed as _d

    _d.initialize()
    {"collectives": _collectives, "example": _example, "raise": _raise, "timeout": _timeout,
     "mismatch": _mismatch}[sys.argv[1]](_d.process_index(), _d.process_count())
