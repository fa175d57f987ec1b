"""Data-parallel training of the digits MLP over MPI processes (``fungrad.distributed``).

Every process starts from rank 0's parameters (``broadcast_one_to_all``), draws the same
global batch each step, trains on its shard of it (``process_shard``), and averages the
gradients with ``allreduce_gradients`` (the six gradient leaves and the loss go in one
message per dtype, reduced in rank order, so every rank holds the same bits). All ranks
then apply the same update, so after N steps the parameters equal single-process training
on the global batch (to rounding: the mean of shard means instead of one mean).

Only rank 0 prints and writes the run files (see run_files.py). Without ``mpiexec`` the
world is one process and this is ordinary minibatch training.

Usage: mpiexec -n 2 python examples/data_parallel.py [--steps N] [--batch-size B]
                                                     [--hidden H] [--lr LR] [--seed S]
                                                     [--out DIR] [--resume]
       python examples/data_parallel.py ...          (one process)
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from digits_data import NUM_CLASSES, NUM_FEATURES, load_digits_split
from digits_mlp import accuracy, init_params, loss_fn, make_optimizer
from run_files import RunFiles, add_run_flags, to_device

import fungrad as fg
from fungrad import distributed, optim
from fungrad.tree_util import tree_map

loss_and_grad = fg.value_and_grad(loss_fn)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line options."""
    parser = argparse.ArgumentParser(
        description="Data-parallel training of the digits MLP (run under mpiexec -n N).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--steps", type=int, default=600, help="optimizer steps")
    parser.add_argument("--batch-size", type=int, default=64,
                        help="global batch (split evenly over the processes)")
    parser.add_argument("--hidden", type=int, default=128, help="hidden layer width")
    parser.add_argument("--lr", type=float, default=0.05, help="SGD learning rate")
    parser.add_argument("--momentum", type=float, default=0.9, help="Nesterov momentum")
    parser.add_argument("--weight-decay", type=float, default=5e-4,
                        help="decay rate of the weight matrices")
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float64",
                        help="parameter and data dtype")
    parser.add_argument("--print-every", type=int, default=100, help="steps between lines")
    parser.add_argument("--seed", type=int, default=0, help="seeds the split, init and batches")
    add_run_flags(parser, "data_parallel")
    return parser.parse_args(argv)


def global_batch(seed: int, step: int, n: int, batch_size: int) -> np.ndarray:
    """The indices of step ``step``'s global batch (the same on every rank, and on resume)."""
    return np.random.default_rng((seed, step)).choice(n, batch_size, replace=False)


def train_steps(params, opt_state, opt, data, steps: range, seed: int, batch_size: int,
                data_parallel: bool = True, place=lambda batch: batch):
    """Run the optimizer over ``steps``; returns params, state and the mean global loss.

    With ``data_parallel`` each rank computes gradients on its shard of the global batch
    and the ranks average them; without it this process trains on the whole global batch
    (the single-process reference). ``place`` puts each batch where the parameters are.
    """
    x_all, y_all = data
    losses = []
    for step in steps:
        idx = global_batch(seed, step, len(x_all), batch_size)
        batch = (x_all[idx], y_all[idx])
        if data_parallel:
            batch = distributed.process_shard(batch)
        loss, grads = loss_and_grad(params, *place(batch))
        if data_parallel:  # one message per dtype: the loss rides with the gradients
            # (through host memory: MPI's buffers; a no-op copy-free view on the CPU)
            reduced = distributed.allreduce_gradients(
                fg.device_get({"loss": loss, "grads": grads}))
            loss, grads = reduced["loss"], place(reduced["grads"])
        updates, opt_state = opt.update(grads, opt_state, params)
        params = optim.apply_updates(params, updates)
        losses.append(float(loss))
    return params, opt_state, float(np.mean(losses)) if losses else float("nan")


def setup(args):
    """Data, initial parameters (rank 0's on every rank) and the optimizer."""
    dtype = np.dtype(args.dtype)
    (x_train, y_train), (x_test, y_test) = load_digits_split(args.seed, dtype=dtype)
    y_onehot = np.eye(NUM_CLASSES, dtype=dtype)[y_train]
    params = init_params(np.random.default_rng(args.seed), [NUM_FEATURES, args.hidden,
                                                            NUM_CLASSES])
    params = tree_map(lambda p: p.astype(dtype), params)
    params = distributed.broadcast_one_to_all(params)
    opt = make_optimizer(args.lr, args.momentum, args.weight_decay)
    return (x_train, y_onehot, y_train), (x_test, y_test), params, opt


def main(argv: list[str] | None = None) -> dict:
    """Train (data-parallel over the MPI world); returns the final metrics."""
    args = parse_args(argv)
    distributed.initialize()
    rank, size = distributed.process_index(), distributed.process_count()
    if args.batch_size % size:
        raise SystemExit(f"data_parallel: --batch-size {args.batch_size} must be a multiple of "
                         f"the number of processes ({size})")
    say = print if rank == 0 else (lambda *a, **k: None)
    (x_train, y_onehot, y_train), (x_test, y_test), params, opt = setup(args)
    say(f"data_parallel: {size} process(es), global batch {args.batch_size} "
        f"({args.batch_size // size} per process), {len(x_train)} train / {len(x_test)} "
        f"test examples, {args.dtype}")
    initial_loss = float(loss_fn(params, x_train, y_onehot))
    state = {"params": params, "opt_state": opt.init(params)}
    run = RunFiles(args, "data_parallel", ["loss", "accuracy", "train_accuracy"])
    counters = np.zeros(2)
    if rank == 0:
        state = fg.device_get(run.start(state))  # broadcast from host memory
        counters = np.array([run.step, run.elapsed])
    state, counters = distributed.broadcast_one_to_all((state, counters))
    state = to_device(args, state)
    x_train_on, x_test_on = to_device(args, (x_train, x_test))
    run.step, run.elapsed = int(counters[0]), float(counters[1])
    if rank == 0:
        done = run.already_done(args.steps, unit="step")
        if done is not None:
            return done
    elif run.step >= args.steps:
        return {}
    params, opt_state = state["params"], state["opt_state"]
    start = time.perf_counter() - run.elapsed
    while run.step < args.steps:
        stop = min(args.steps, (run.step // args.print_every + 1) * args.print_every)
        params, opt_state, loss = train_steps(params, opt_state, opt, (x_train, y_onehot),
                                              range(run.step + 1, stop + 1), args.seed,
                                              args.batch_size,
                                              place=lambda batch: to_device(args, batch))
        run.step, run.elapsed = stop, time.perf_counter() - start
        if rank == 0:
            train_acc = accuracy(params, x_train_on, y_train)
            test_acc = accuracy(params, x_test_on, y_test)
            say(f"step {run.step:5d}/{args.steps}  loss {loss:.4f}  train acc "
                f"{train_acc:.4f}  test acc {test_acc:.4f}  [{run.elapsed:5.1f}s]", flush=True)
            run.log(loss=loss, accuracy=test_acc, train_accuracy=train_acc)
            run.save({"params": params, "opt_state": opt_state}, params)
    metrics = {"initial_loss": initial_loss,
               "final_loss": float(loss_fn(params, x_train_on, to_device(args, y_onehot))),
               "train_accuracy": accuracy(params, x_train_on, y_train),
               "test_accuracy": accuracy(params, x_test_on, y_test),
               "seconds": time.perf_counter() - start}
    say(f"train loss {initial_loss:.3f} (before training) -> {metrics['final_loss']:.3f} "
        f"(after {run.step} steps on {size} process(es))")
    say(f"final test accuracy: {metrics['test_accuracy']:.4f}")
    if rank == 0:
        run.plot_curves([("loss", ["loss"]), ("accuracy", ["accuracy", "train_accuracy"])],
                        log_loss=True)
        run.finish(metrics)
    return metrics


if __name__ == "__main__":
    main()
