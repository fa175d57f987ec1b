"""Multinomial logistic (softmax) regression on the 8x8 digits data set.

A linear model ``logits = x @ W + b`` over the 64 standardised pixels, trained with the
softmax cross-entropy by ``fungrad.optim.adamw`` (Adam with decoupled weight decay on ``W``
only). Prints one line per few epochs (loss, train/test accuracy, elapsed time) and reaches
about 96% held-out accuracy (25% stratified split) in a couple of seconds.

Usage: python examples/softmax_regression.py [--epochs N] [--lr LR] [--weight-decay WD]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from digits_data import NUM_CLASSES, NUM_FEATURES, load_digits_split, minibatches

import fungrad as fg
import fungrad.numpy as fnp
from fungrad import optim


def log_softmax(logits):
    """``log(softmax(logits))`` along the last axis, without overflow."""
    shifted = logits - fg.stop_gradient(fnp.max(logits, axis=-1, keepdims=True))
    return shifted - fnp.log(fnp.sum(fnp.exp(shifted), axis=-1, keepdims=True))


def predict(params: dict, x):
    """Class logits ``x @ W + b``."""
    return x @ params["w"] + params["b"]


def loss_fn(params: dict, x, y_onehot):
    """Mean softmax cross-entropy."""
    return -fnp.mean(fnp.sum(log_softmax(predict(params, x)) * y_onehot, axis=-1))


def accuracy(params: dict, x, y) -> float:
    """The share of examples whose largest logit is the true class."""
    return float(np.mean(np.argmax(predict(params, x), axis=1) == y))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line options."""
    parser = argparse.ArgumentParser(
        description="Softmax regression on the 8x8 digits data set with fungrad.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--epochs", type=int, default=30, help="passes over the training set")
    parser.add_argument("--batch-size", type=int, default=32, help="examples per step")
    parser.add_argument("--lr", type=float, default=0.01, help="Adam learning rate")
    parser.add_argument("--weight-decay", type=float, default=0.05,
                        help="decoupled decay rate of W (times the learning rate)")
    parser.add_argument("--print-every", type=int, default=5, help="epochs between reports")
    parser.add_argument("--seed", type=int, default=0, help="seeds the split and the order")
    return parser.parse_args(argv)


loss_and_grad = fg.value_and_grad(loss_fn)


def train_epoch(params: dict, opt_state, opt: optim.GradientTransformation, batches):
    """One optimizer step per ``(x, y_onehot)`` batch; returns params, state, mean loss."""
    losses = []
    for x, y_onehot in batches:
        loss, grads = loss_and_grad(params, x, y_onehot)
        updates, opt_state = opt.update(grads, opt_state, params)
        params = optim.apply_updates(params, updates)
        losses.append(float(loss))
    return params, opt_state, float(np.mean(losses))


def main(argv: list[str] | None = None) -> dict:
    """Train and evaluate; returns the final losses and accuracies."""
    args = parse_args(argv)
    (x_train, y_train), (x_test, y_test) = load_digits_split(args.seed)
    print(f"digits: {len(x_train)} train / {len(x_test)} test examples")
    rng = np.random.default_rng(args.seed)
    params = {"w": np.zeros((NUM_FEATURES, NUM_CLASSES), np.float32),
              "b": np.zeros(NUM_CLASSES, np.float32)}
    opt = optim.adamw(args.lr, weight_decay=args.weight_decay, mask={"w": True, "b": False})
    opt_state = opt.init(params)
    y_onehot = np.eye(NUM_CLASSES, dtype=np.float32)[y_train]
    initial_loss = float(loss_fn(params, x_train, y_onehot))
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        batches = ((x_train[i], y_onehot[i])
                   for i in minibatches(rng, len(x_train), args.batch_size))
        params, opt_state, loss = train_epoch(params, opt_state, opt, batches)
        if epoch % args.print_every == 0 or epoch == args.epochs:
            print(f"epoch {epoch:3d}/{args.epochs}  loss {loss:.4f}  "
                  f"train acc {accuracy(params, x_train, y_train):.4f}  "
                  f"test acc {accuracy(params, x_test, y_test):.4f}  "
                  f"[{time.perf_counter() - start:5.1f}s]", flush=True)
    metrics = {"initial_loss": initial_loss,
               "final_loss": float(loss_fn(params, x_train, y_onehot)),
               "train_accuracy": accuracy(params, x_train, y_train),
               "test_accuracy": accuracy(params, x_test, y_test),
               "seconds": time.perf_counter() - start}
    print(f"final test accuracy: {metrics['test_accuracy']:.4f}  "
          f"(train loss {initial_loss:.3f} -> {metrics['final_loss']:.3f})")
    return metrics


if __name__ == "__main__":
    main()
