"""Train a small LeNet-style CNN on the 8x8 handwritten digits, with ``fungrad.nn``.

The model is an ``nn.Sequential`` of Modules (a pytree), so it goes straight into
``fg.value_and_grad`` and ``fungrad.optim``::

    Conv2d(1->32, 3x3, SAME) relu  MaxPool2d(2)    (8x8x1 -> 4x4x32)
    Conv2d(32->64, 3x3, SAME) relu MaxPool2d(2)    (4x4x32 -> 2x2x64)
    flatten  Linear(256 -> 10)

Images are NHWC, ``(N, 8, 8, 1)``. The optimizer is AdamW (weight decay on the kernels
and matrices only) with a warmup-cosine learning-rate schedule, and the whole train step
(gradient, optimizer update, parameter update) is one ``fg.jit``-compiled function, traced
once per batch shape. Prints the loss, held-out accuracy and elapsed time every few epochs;
the defaults reach about 99% held-out accuracy on the stratified 25% split in under ten
seconds on two CPU cores. Writes the parameters, a checkpoint, ``metrics.csv``,
``curves.png`` and ``confusion.png`` (the held-out confusion matrix) under ``--out`` (see
run_files.py); ``--resume`` continues a run from its checkpoint.

Usage: python examples/digits_cnn.py [--epochs N] [--channels C1 C2] [--lr LR] [--seed S]
                                     [--out DIR] [--resume]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from blas_threads import limit_blas_threads
from digits_data import NUM_CLASSES, load_digits_split, minibatches
from progress import progress
from run_files import RunFiles, add_run_flags, pyplot, to_device

import fungrad as fg
import fungrad.numpy as fnp
from fungrad import nn, optim, random
from fungrad.tree_util import tree_map

IMAGE_SHAPE = (8, 8, 1)  # height, width, channels (NHWC without N)


def flatten(x):
    """``(..., H, W, C) -> (..., H * W * C)``."""
    return fnp.reshape(x, (*x.shape[:-3], -1))


def make_model(key, channels: tuple[int, int]) -> nn.Sequential:
    """The CNN: two conv-relu-maxpool stages, then a linear classifier.

    Args:
      key: a PRNG key for the initial parameters.
      channels: output channels of the two convolutions.

    Returns:
      An ``nn.Sequential`` mapping images ``(N, 8, 8, 1)`` to logits ``(N, 10)``.
    """
    k1, k2, k3 = random.split(key, 3)
    c1, c2 = channels
    pooled = (IMAGE_SHAPE[0] // 4) * (IMAGE_SHAPE[1] // 4) * c2
    return nn.Sequential([
        nn.Conv2d(IMAGE_SHAPE[2], c1, 3, padding="SAME", key=k1), nn.relu, nn.MaxPool2d(2),
        nn.Conv2d(c1, c2, 3, padding="SAME", key=k2), nn.relu, nn.MaxPool2d(2),
        flatten, nn.Linear(pooled, NUM_CLASSES, key=k3),
    ])


def loss_fn(model: nn.Sequential, x, y):
    """Mean softmax cross-entropy of the model's logits against integer labels."""
    return fnp.mean(nn.softmax_cross_entropy(model(x), y))


def accuracy(model: nn.Sequential, x, y) -> float:
    """The share of examples whose largest logit is the true class."""
    return float(np.mean(np.argmax(fg.device_get(model(x)), axis=-1) == y))


def make_optimizer(args: argparse.Namespace, total_steps: int) -> optim.GradientTransformation:
    """AdamW with a warmup-cosine schedule; biases are not decayed."""
    schedule = optim.warmup_cosine_decay_schedule(
        0.0, args.lr, warmup_steps=min(100, total_steps // 10),
        decay_steps=total_steps, end_value=args.lr * 0.01)
    matrices_only = lambda model: tree_map(lambda p: p.ndim > 1, model)
    return optim.adamw(schedule, weight_decay=args.weight_decay, mask=matrices_only)


def make_train_step(opt: optim.GradientTransformation):
    """A jitted ``(model, opt_state, x, y) -> (model, opt_state, loss)`` optimizer step."""
    loss_and_grad = fg.value_and_grad(loss_fn)

    def train_step(model, opt_state, x, y):
        loss, grads = loss_and_grad(model, x, y)
        updates, opt_state = opt.update(grads, opt_state, model)
        return optim.apply_updates(model, updates), opt_state, loss

    return fg.jit(train_step)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line options (defaults reach ~98-99% held-out accuracy)."""
    parser = argparse.ArgumentParser(
        description="Train a small CNN (fungrad.nn) on the 8x8 digits data set.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--epochs", type=int, default=30, help="passes over the training set")
    parser.add_argument("--channels", type=int, nargs=2, default=(32, 64),
                        metavar=("C1", "C2"), help="output channels of the two convolutions")
    parser.add_argument("--batch-size", type=int, default=64, help="examples per step")
    parser.add_argument("--lr", type=float, default=1e-2, help="peak AdamW learning rate")
    parser.add_argument("--weight-decay", type=float, default=1e-4,
                        help="AdamW decoupled weight decay (kernels and matrices)")
    parser.add_argument("--print-every", type=int, default=5, help="epochs between reports")
    parser.add_argument("--blas-threads", type=int, default=1,
                        help="cap on BLAS threads (0: leave the library's default)")
    parser.add_argument("--seed", type=int, default=0, help="seeds the split, init and order")
    add_run_flags(parser, "digits_cnn")
    return parser.parse_args(argv)


def train(model, opt_state, opt, args: argparse.Namespace, data, run: RunFiles):
    """Run the epochs from ``run.epoch + 1``, printing progress and writing the run files;
    returns the trained model."""
    (x_train, y_train), (x_test, y_test) = data
    x_test_on = to_device(args, x_test)
    train_step = make_train_step(opt)
    start = time.perf_counter() - run.elapsed
    for epoch in range(run.epoch + 1, args.epochs + 1):
        rng = np.random.default_rng((args.seed, epoch))  # the epoch's order, also on resume
        batches = list(minibatches(rng, len(x_train), args.batch_size))
        losses = []
        for idx in progress(batches, desc=f"epoch {epoch:3d}/{args.epochs}"):
            model, opt_state, loss = train_step(model, opt_state,
                                                *to_device(args, (x_train[idx], y_train[idx])))
            losses.append(float(loss))
        test_acc = accuracy(model, x_test_on, y_test)
        run.step, run.epoch = run.step + len(batches), epoch
        run.elapsed = time.perf_counter() - start
        if epoch % args.print_every == 0 or epoch == args.epochs:
            print(f"epoch {epoch:3d}/{args.epochs}  loss {np.mean(losses):.4f}  "
                  f"test acc {test_acc:.4f}  [{run.elapsed:5.1f}s]", flush=True)
        run.log(epoch=epoch, loss=float(np.mean(losses)), accuracy=test_acc)
        run.save({"params": model, "opt_state": opt_state}, model)
    return model


def plot_confusion(run: RunFiles, model: nn.Sequential, x, y) -> None:
    """Write confusion.png: counts of (true class, predicted class) on the held-out set."""
    predicted = np.argmax(fg.device_get(model(x)), axis=-1)
    counts = np.zeros((NUM_CLASSES, NUM_CLASSES), np.int64)
    np.add.at(counts, (y, predicted), 1)
    fig, ax = pyplot().subplots(figsize=(5, 4.4))
    image = ax.imshow(counts, cmap="Blues")
    for (i, j), n in np.ndenumerate(counts):
        if n:
            ax.text(j, i, str(n), ha="center", va="center", fontsize=7,
                    color="white" if n > counts.max() / 2 else "black")
    ax.set_xticks(range(NUM_CLASSES))
    ax.set_yticks(range(NUM_CLASSES))
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    ax.set_title(f"held-out confusion matrix (accuracy {np.mean(predicted == y):.3f})")
    fig.colorbar(image, ax=ax)
    run.save_figure(fig, "confusion.png")


def main(argv: list[str] | None = None) -> dict:
    """Train and evaluate; returns the final losses and accuracies."""
    args = parse_args(argv)
    (x_train, y_train), (x_test, y_test) = load_digits_split(args.seed)
    x_train = x_train.reshape(-1, *IMAGE_SHAPE)
    x_test = x_test.reshape(-1, *IMAGE_SHAPE)
    print(f"digits: {len(x_train)} train / {len(x_test)} test images of shape "
          f"{IMAGE_SHAPE}, {NUM_CLASSES} classes")
    model = make_model(random.key(args.seed), tuple(args.channels))
    initial_loss = float(loss_fn(model, x_train, y_train))
    steps_per_epoch = -(-len(x_train) // args.batch_size)
    opt = make_optimizer(args, args.epochs * steps_per_epoch)
    run = RunFiles(args, "digits_cnn", ["epoch", "loss", "accuracy"])
    state = run.start({"params": model, "opt_state": opt.init(model)})
    done = run.already_done(args.epochs)
    if done is not None:
        return done
    start = time.perf_counter()
    with limit_blas_threads(args.blas_threads):
        model = train(state["params"], state["opt_state"], opt, args,
                      ((x_train, y_train), (x_test, y_test)), run)
    x_train_on, y_train_on, x_test_on = to_device(args, (x_train, y_train, x_test))
    metrics = {"initial_loss": initial_loss,
               "final_loss": float(loss_fn(model, x_train_on, y_train_on)),
               "train_accuracy": accuracy(model, x_train_on, y_train),
               "test_accuracy": accuracy(model, x_test_on, y_test),
               "seconds": time.perf_counter() - start}
    print(f"final test accuracy: {metrics['test_accuracy']:.4f}  "
          f"(train loss {initial_loss:.3f} -> {metrics['final_loss']:.4f}) "
          f"in {metrics['seconds']:.1f}s")
    run.plot_curves(log_loss=True)
    plot_confusion(run, model, x_test_on, y_test)
    run.finish(metrics, ["confusion.png"])
    return metrics


if __name__ == "__main__":
    main()
