"""Ridge regression by minibatch SGD, checked against the closed-form ridge solution.

Synthetic data ``y = X @ w_true + b_true + noise``. The model is a pure function of
``params = {"w", "b"}``; the objective is ``0.5 * mean((X @ w + b - y) ** 2)`` and the weight
decay ``optim.add_decayed_weights(weight_decay)`` (on ``w`` only) adds the gradient of
``0.5 * weight_decay * |w|^2``, so SGD converges to the ridge estimate, which has a closed
form. Momentum SGD with a cosine-decayed learning rate gets there to a few parts in 10^4.
Prints one line per few epochs (objective, distance to the ridge solution, elapsed time).
Writes the parameters, a checkpoint, ``metrics.csv`` (``loss`` is the ridge objective;
``accuracy`` is empty: this is regression; ``w_relative_error`` is the distance to the
closed form) and ``curves.png`` under ``--out`` (see run_files.py); ``--resume`` continues.

Usage: python examples/linear_regression.py [--epochs N] [--weight-decay WD] [--seed S]
                                            [--out DIR] [--resume]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from progress import progress
from run_files import RunFiles, add_run_flags, to_device

import fungrad as fg
import fungrad.numpy as fnp
from fungrad import optim


def make_data(rng: np.random.Generator, n: int, d: int, noise: float):
    """Features with unequal scales, targets from a random true line, and the truth."""
    scales = np.linspace(0.5, 2.0, d)
    x = rng.standard_normal((n, d)) * scales
    w_true, b_true = rng.standard_normal(d), 2.0
    y = x @ w_true + b_true + noise * rng.standard_normal(n)
    return x, y, {"w": w_true, "b": np.asarray(b_true)}


def predict(params: dict, x):
    """The linear model ``x @ w + b``."""
    return x @ params["w"] + params["b"]


def mse_loss(params: dict, x, y):
    """Half the mean squared error: the data term of the ridge objective."""
    return 0.5 * fnp.mean((predict(params, x) - y) ** 2)


def ridge_objective(params: dict, x, y, weight_decay: float) -> float:
    """``mse_loss + 0.5 * weight_decay * |w|^2``: what SGD with weight decay minimises."""
    return float(mse_loss(params, x, y) + 0.5 * weight_decay * np.sum(params["w"] ** 2))


def ridge_solution(x: np.ndarray, y: np.ndarray, weight_decay: float) -> dict:
    """The exact minimiser of `ridge_objective` (the bias is not penalised).

    Centering removes the bias; then ``(X^T X / n + weight_decay * I) w = X^T y / n``.
    """
    x_mean, y_mean = x.mean(0), y.mean()
    xc, yc = x - x_mean, y - y_mean
    n, d = x.shape
    w = np.linalg.solve(xc.T @ xc / n + weight_decay * np.eye(d), xc.T @ yc / n)
    return {"w": w, "b": np.asarray(y_mean - x_mean @ w)}


def relative_error(params: dict, reference: dict) -> float:
    """``|w - w_ref| / |w_ref|``."""
    return float(np.linalg.norm(params["w"] - reference["w"]) / np.linalg.norm(reference["w"]))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line options."""
    parser = argparse.ArgumentParser(
        description="Ridge regression by SGD with fungrad, against the closed form.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--samples", type=int, default=2000, help="number of data points")
    parser.add_argument("--features", type=int, default=20, help="number of features")
    parser.add_argument("--noise", type=float, default=0.5, help="std of the target noise")
    parser.add_argument("--epochs", type=int, default=50, help="passes over the data")
    parser.add_argument("--batch-size", type=int, default=50, help="examples per step")
    parser.add_argument("--lr", type=float, default=0.02, help="initial learning rate")
    parser.add_argument("--momentum", type=float, default=0.9, help="SGD momentum")
    parser.add_argument("--weight-decay", type=float, default=0.1, help="ridge penalty")
    parser.add_argument("--print-every", type=int, default=10, help="epochs between reports")
    parser.add_argument("--seed", type=int, default=0, help="seeds the data and the order")
    add_run_flags(parser, "linear_regression")
    return parser.parse_args(argv)


def batches_per_epoch(args: argparse.Namespace) -> int:
    """How many (nearly equal) batches one pass over the data is split into."""
    return max(1, args.samples // args.batch_size)


def make_optimizer(args: argparse.Namespace) -> optim.GradientTransformation:
    """Momentum SGD, cosine-decayed to 0 over the run, after weight decay on ``w`` only."""
    total_steps = args.epochs * batches_per_epoch(args)
    return optim.chain(
        optim.add_decayed_weights(args.weight_decay, mask={"w": True, "b": False}),
        optim.sgd(optim.cosine_decay_schedule(args.lr, max(1, total_steps)),
                  momentum=args.momentum),
    )


mse_grad = fg.grad(mse_loss)


def train_epoch(params: dict, opt_state, opt: optim.GradientTransformation, batches):
    """One optimizer step per ``(x, y)`` batch; returns the new params and state."""
    for x, y in batches:
        updates, opt_state = opt.update(mse_grad(params, x, y), opt_state, params)
        params = optim.apply_updates(params, updates)
    return params, opt_state


def main(argv: list[str] | None = None) -> dict:
    """Fit by SGD, compare with the closed form; returns objectives and errors."""
    args = parse_args(argv)
    rng = np.random.default_rng(args.seed)
    x, y, truth = make_data(rng, args.samples, args.features, args.noise)
    ridge = ridge_solution(x, y, args.weight_decay)
    # judged on the host, against the closed form (params may live on --device)
    objective = lambda p: ridge_objective(fg.device_get(p), x, y, args.weight_decay)
    print(f"{args.samples} points, {args.features} features; "
          f"ridge optimum {objective(ridge):.6f}")
    params = {"w": np.zeros(args.features), "b": np.asarray(0.0)}
    opt = make_optimizer(args)
    initial_objective = objective(params)
    run = RunFiles(args, "linear_regression", ["epoch", "loss", "accuracy", "w_relative_error"])
    state = run.start({"params": params, "opt_state": opt.init(params)})
    done = run.already_done(args.epochs)
    if done is not None:
        return done
    params, opt_state = state["params"], state["opt_state"]
    start = time.perf_counter() - run.elapsed
    for epoch in range(run.epoch + 1, args.epochs + 1):
        # The epoch's order from (seed, epoch): a resumed run draws the same batches.
        order = np.random.default_rng((args.seed, epoch)).permutation(args.samples)
        split = np.array_split(order, batches_per_epoch(args))
        batches = (to_device(args, (x[i], y[i]))
                   for i in progress(split, desc=f"epoch {epoch:3d}/{args.epochs}"))
        params, opt_state = train_epoch(params, opt_state, opt, batches)
        value, error = objective(params), relative_error(fg.device_get(params), ridge)
        run.step, run.epoch, run.elapsed = run.step + len(split), epoch, time.perf_counter() - start
        if epoch % args.print_every == 0 or epoch == args.epochs:
            print(f"epoch {epoch:3d}/{args.epochs}  objective {value:.6f}  "
                  f"|w - w_ridge|/|w_ridge| {error:.2e}  [{run.elapsed:5.1f}s]", flush=True)
        run.log(epoch=epoch, loss=value, w_relative_error=error)
        run.save({"params": params, "opt_state": opt_state}, params)
    params = fg.device_get(params)
    metrics = {
        "initial_objective": initial_objective, "final_objective": objective(params),
        "ridge_objective": objective(ridge), "w_relative_error": relative_error(params, ridge),
        "b_error": float(abs(params["b"] - ridge["b"])),
        "w_relative_error_vs_truth": relative_error(params, truth),
        "seconds": time.perf_counter() - start,
    }
    print_summary(metrics, relative_error(ridge, truth))
    run.plot_curves([("ridge objective", ["loss"]), ("|w - w_ridge| / |w_ridge|",
                                                     ["w_relative_error"])], log_loss=True)
    run.finish(metrics)
    return metrics


def print_summary(metrics: dict, ridge_vs_truth: float) -> None:
    """The closing lines: SGD against the closed form, and both against the truth."""
    print(f"SGD vs closed-form ridge: |w - w_ridge|/|w_ridge| = "
          f"{metrics['w_relative_error']:.2e}, |b - b_ridge| = {metrics['b_error']:.2e}; "
          f"objective {metrics['final_objective']:.6f} vs optimum "
          f"{metrics['ridge_objective']:.6f}")
    print(f"(the ridge estimate itself is {ridge_vs_truth:.3f} from the true w; "
          f"SGD's is {metrics['w_relative_error_vs_truth']:.3f})")


if __name__ == "__main__":
    main()
