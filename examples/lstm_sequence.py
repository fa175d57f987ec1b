"""An LSTM (``fungrad.nn.LSTM``, a ``lax.scan`` over time) predicts the next value of noisy
sine waves.

Each example is a window of ``--window`` samples of ``a * sin(w * t + phi) + noise`` with a
random amplitude ``a``, angular frequency ``w`` and phase ``phi`` (all different per
example); the target is the next, equally noisy, sample. The model reads the window with
an LSTM and maps its last hidden state to the prediction with a ``Linear`` head. The train
step (MSE loss, gradient through the scan, Adam update) is one ``fg.jit`` function.

The test MSE is reported beside two baselines: the trivial one (predict the last value of
the window) and a linear autoregression on the whole window fitted by least squares on
the training set. The noise in the target itself bounds what any predictor can reach:
``noise ** 2``. With the defaults the LSTM gets far below both baselines, near that floor.

Writes the parameters, a checkpoint, ``metrics.csv`` (``loss`` is the train MSE,
``accuracy`` is empty: this is regression, ``test_mse`` the held-out MSE), ``curves.png``
and ``predictions.png`` (held-out predictions against the truth) under ``--out`` (see
run_files.py); ``--resume`` continues a run from its checkpoint.

Usage: python examples/lstm_sequence.py [--epochs N] [--hidden H] [--window T] [--seed S]
                                        [--out DIR] [--resume]
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np
from blas_threads import limit_blas_threads
from progress import progress
from run_files import RunFiles, add_run_flags, pyplot, to_device

import fungrad as fg
import fungrad.numpy as fnp
from fungrad import nn, optim, random


def make_waves(rng: np.random.Generator, n: int, window: int, noise: float):
    """Noisy sine windows and their next values.

    Args:
      rng: the NumPy Generator drawing amplitudes, frequencies, phases and noise.
      n: the number of examples.
      window: samples per input window.
      noise: standard deviation of the Gaussian noise on every sample.

    Returns:
      ``(windows, targets)``: float32 arrays of shapes ``(n, window)`` and ``(n,)``.
    """
    amplitude = rng.uniform(0.5, 1.5, (n, 1))
    omega = 2 * np.pi * rng.uniform(0.02, 0.2, (n, 1))  # 5 to 50 samples per period
    phase = rng.uniform(0.0, 2 * np.pi, (n, 1))
    t = np.arange(window + 1)
    series = amplitude * np.sin(omega * t + phase) + noise * rng.standard_normal((n, window + 1))
    series = series.astype(np.float32)
    return series[:, :window], series[:, window]


class NextValuePredictor(nn.Module):
    """An LSTM over the window, then a linear map of its last hidden state to one value."""

    lstm: nn.LSTM
    head: nn.Linear

    def __init__(self, hidden_size: int, *, key: Any):
        """Build the model.

        Args:
          hidden_size: size of the LSTM's hidden and cell states.
          key: a PRNG key for the initial parameters.
        """
        lstm_key, head_key = random.split(key)
        self.lstm = nn.LSTM(1, hidden_size, key=lstm_key)
        self.head = nn.Linear(hidden_size, 1, key=head_key)

    def __call__(self, windows):
        """Predict the next value of each window.

        Args:
          windows: ``(N, T)`` samples.

        Returns:
          ``(N,)`` predictions.
        """
        xs = fnp.expand_dims(fnp.transpose(windows), -1)  # (T, N, 1): time first for the scan
        _, (h, _) = self.lstm(xs)
        return fnp.squeeze(self.head(h), -1)


def loss_fn(model: NextValuePredictor, windows, targets):
    """Mean squared error of the model's predictions."""
    return nn.mse(model(windows), targets)


def last_value_mse(windows: np.ndarray, targets: np.ndarray) -> float:
    """MSE of the trivial predictor that repeats the window's last value."""
    return float(np.mean((windows[:, -1] - targets) ** 2))


def linear_ar_mse(train: tuple, test: tuple) -> float:
    """Test MSE of a linear autoregression on the whole window (least squares on `train`)."""
    design = lambda w: np.c_[w.astype(np.float64), np.ones(len(w))]
    coef, *_ = np.linalg.lstsq(design(train[0]), train[1].astype(np.float64), rcond=None)
    return float(np.mean((design(test[0]) @ coef - test[1]) ** 2))


def make_train_step(opt: optim.GradientTransformation):
    """A jitted ``(model, opt_state, windows, targets) -> (model, opt_state, loss)`` step."""
    loss_and_grad = fg.value_and_grad(loss_fn)

    def train_step(model, opt_state, windows, targets):
        loss, grads = loss_and_grad(model, windows, targets)
        updates, opt_state = opt.update(grads, opt_state, model)
        return optim.apply_updates(model, updates), opt_state, loss

    return fg.jit(train_step)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line options."""
    parser = argparse.ArgumentParser(
        description="An LSTM (fungrad.nn) predicts the next value of noisy sine waves.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--epochs", type=int, default=20, help="passes over the training set")
    parser.add_argument("--hidden", type=int, default=32, help="LSTM hidden size")
    parser.add_argument("--window", type=int, default=24, help="input samples per example")
    parser.add_argument("--noise", type=float, default=0.1, help="noise standard deviation")
    parser.add_argument("--train-size", type=int, default=4000, help="training windows")
    parser.add_argument("--test-size", type=int, default=1000, help="held-out windows")
    parser.add_argument("--batch-size", type=int, default=64, help="windows per step")
    parser.add_argument("--lr", type=float, default=5e-3, help="peak Adam learning rate")
    parser.add_argument("--print-every", type=int, default=2, help="epochs between reports")
    parser.add_argument("--blas-threads", type=int, default=1,
                        help="cap on BLAS threads (0: leave the library's default)")
    parser.add_argument("--seed", type=int, default=0, help="seeds the data, init and order")
    add_run_flags(parser, "lstm_sequence")
    return parser.parse_args(argv)


def make_optimizer(args: argparse.Namespace, train_size: int) -> optim.GradientTransformation:
    """Adam after global-norm clipping, with a warmup-cosine schedule over the run."""
    steps = args.epochs * -(-train_size // args.batch_size)
    schedule = optim.warmup_cosine_decay_schedule(
        0.0, args.lr, warmup_steps=min(100, steps // 10), decay_steps=steps)
    return optim.chain(optim.clip_by_global_norm(1.0), optim.adam(schedule))


def train(model: NextValuePredictor, opt_state, opt, args: argparse.Namespace, train_set,
          test_set, run: RunFiles):
    """Run the epochs from ``run.epoch + 1``, printing train loss and test MSE and writing
    the run files; returns the trained model."""
    windows, targets = train_set
    test_on = to_device(args, test_set)
    train_step, test_loss = make_train_step(opt), fg.jit(loss_fn)
    start = time.perf_counter() - run.elapsed
    for epoch in range(run.epoch + 1, args.epochs + 1):
        # The epoch's order from (seed, epoch): a resumed run draws the same batches.
        order, losses = np.random.default_rng((args.seed, epoch)).permutation(len(windows)), []
        batches = [order[i:i + args.batch_size] for i in range(0, len(windows), args.batch_size)]
        for idx in progress(batches, desc=f"epoch {epoch:3d}/{args.epochs}"):
            model, opt_state, loss = train_step(model, opt_state,
                                                *to_device(args, (windows[idx], targets[idx])))
            losses.append(float(loss))
        test_mse = float(test_loss(model, *test_on))
        run.step, run.epoch = run.step + len(batches), epoch
        run.elapsed = time.perf_counter() - start
        if epoch % args.print_every == 0 or epoch == args.epochs:
            print(f"epoch {epoch:3d}/{args.epochs}  train mse {np.mean(losses):.5f}  "
                  f"test mse {test_mse:.5f}  [{run.elapsed:5.1f}s]", flush=True)
        run.log(epoch=epoch, loss=float(np.mean(losses)), test_mse=test_mse)
        run.save({"params": model, "opt_state": opt_state}, model)
    return model


def plot_predictions(run: RunFiles, model: NextValuePredictor, test_set, shown: int = 4,
                     place=lambda x: x):
    """Write predictions.png: held-out predictions against the true next values (left),
    and a few held-out windows with their true and predicted next value (right)."""
    windows, targets = test_set
    predicted = fg.device_get(model(place(windows)))
    fig, (left, right) = pyplot().subplots(1, 2, figsize=(10, 4))
    left.scatter(targets, predicted, s=4, alpha=0.5)
    lo, hi = float(min(targets.min(), predicted.min())), float(max(targets.max(),
                                                                   predicted.max()))
    left.plot([lo, hi], [lo, hi], "k--", lw=1, label="prediction = truth")
    left.set_xlabel("true next value")
    left.set_ylabel("predicted next value")
    left.set_title(f"held-out set (mse {np.mean((predicted - targets) ** 2):.4f})")
    left.legend()
    t = np.arange(windows.shape[1])
    for i in range(min(shown, len(windows))):
        (line,) = right.plot(t, windows[i], lw=1)
        right.plot(t[-1] + 1, targets[i], "o", color=line.get_color())
        right.plot(t[-1] + 1, predicted[i], "x", color=line.get_color(), ms=9)
    right.set_xlabel("time step")
    right.set_title("held-out windows: truth (o) and prediction (x) of the next value")
    right.title.set_fontsize(9)
    run.save_figure(fig, "predictions.png")


def main(argv: list[str] | None = None) -> dict:
    """Train, evaluate against the baselines; returns the final metrics."""
    args = parse_args(argv)
    rng = np.random.default_rng(args.seed)
    train_set = make_waves(rng, args.train_size, args.window, args.noise)
    test_set = make_waves(rng, args.test_size, args.window, args.noise)
    baselines = {"last_value_mse": last_value_mse(*test_set),
                 "linear_ar_mse": linear_ar_mse(train_set, test_set),
                 "noise_floor_mse": args.noise ** 2}
    print(f"noisy sine waves: {args.train_size} train / {args.test_size} test windows of "
          f"{args.window} samples; test mse of predicting the last value "
          f"{baselines['last_value_mse']:.5f}, of a linear AR({args.window}) "
          f"{baselines['linear_ar_mse']:.5f}, noise floor {baselines['noise_floor_mse']:.5f}")
    model = NextValuePredictor(args.hidden, key=random.key(args.seed))
    initial_loss = float(loss_fn(model, *train_set))
    opt = make_optimizer(args, len(train_set[0]))
    run = RunFiles(args, "lstm_sequence", ["epoch", "loss", "accuracy", "test_mse"])
    state = run.start({"params": model, "opt_state": opt.init(model)})
    done = run.already_done(args.epochs)
    if done is not None:
        return done
    start = time.perf_counter()
    with limit_blas_threads(args.blas_threads):
        model = train(state["params"], state["opt_state"], opt, args, train_set, test_set, run)
    train_on, test_on = to_device(args, (train_set, test_set))
    metrics = {"initial_loss": initial_loss, "final_loss": float(loss_fn(model, *train_on)),
               "test_mse": float(loss_fn(model, *test_on)), **baselines,
               "seconds": time.perf_counter() - start}
    print(f"final test mse {metrics['test_mse']:.5f} (predict the last value "
          f"{metrics['last_value_mse']:.5f}, linear AR {metrics['linear_ar_mse']:.5f}, "
          f"noise floor {metrics['noise_floor_mse']:.5f}) in {metrics['seconds']:.1f}s")
    run.plot_curves([("mse", ["loss", "test_mse"])], log_loss=True)
    plot_predictions(run, model, test_set, place=lambda x: to_device(args, x))
    run.finish(metrics, ["predictions.png"])
    return metrics


if __name__ == "__main__":
    main()
