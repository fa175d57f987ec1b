"""Train an MLP on the 8x8 handwritten digits data set (shipped with scikit-learn).

The model is a pure function of a parameter pytree; gradients come from ``fg.grad``; the
optimizer is SGD with Nesterov momentum written as a pure ``(init, update)`` pair over
pytrees. Prints one line per epoch (loss, train/test accuracy, elapsed time).

Usage: python examples/digits_mlp.py [--epochs N] [--hidden H] [--lr LR] [--seed S]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import fungrad as fg
import fungrad.numpy as fnp
from fungrad.tree_util import tree_map


def load_digits_split(seed: int, test_fraction: float = 0.25):
    """Standardised digits features, split into a stratified train and held-out test set."""
    from sklearn.datasets import load_digits

    data = load_digits()
    x = (data.data / 16.0).astype(np.float32)
    y = data.target.astype(np.int64)
    rng = np.random.default_rng(seed)
    train_idx, test_idx = [], []
    for label in range(10):
        idx = rng.permutation(np.flatnonzero(y == label))
        n_test = int(round(len(idx) * test_fraction))
        test_idx.extend(idx[:n_test])
        train_idx.extend(idx[n_test:])
    train_idx, test_idx = np.array(train_idx), np.array(test_idx)
    mean, std = x[train_idx].mean(0), x[train_idx].std(0) + 1e-3
    x = (x - mean) / std
    return (x[train_idx], y[train_idx]), (x[test_idx], y[test_idx])


def init_params(rng, sizes):
    """He-initialised weights and zero biases for each layer."""
    return [{"w": (rng.standard_normal((m, n)) * np.sqrt(2.0 / m)).astype(np.float32),
             "b": np.zeros(n, np.float32)} for m, n in zip(sizes[:-1], sizes[1:])]


def predict(params, x):
    """Logits of the MLP (ReLU hidden layers)."""
    h = x
    for layer in params[:-1]:
        h = fnp.maximum(h @ layer["w"] + layer["b"], 0.0)
    return h @ params[-1]["w"] + params[-1]["b"]


def loss_fn(params, x, y_onehot, weight_decay):
    """Softmax cross-entropy (computed stably) plus L2 weight decay."""
    logits = predict(params, x)
    logits = logits - fg.stop_gradient(fnp.max(logits, axis=1, keepdims=True))
    log_probs = logits - fnp.log(fnp.sum(fnp.exp(logits), axis=1, keepdims=True))
    l2 = sum(fnp.sum(layer["w"] ** 2) for layer in params)
    return -fnp.mean(fnp.sum(log_probs * y_onehot, axis=1)) + weight_decay * l2


def nesterov_sgd(lr: float, momentum: float = 0.9):
    """SGD with Nesterov momentum as a pure (init, update) pair over pytrees."""

    def init(params):
        return tree_map(np.zeros_like, params)

    def update(grads, velocity):
        velocity = tree_map(lambda v, g: momentum * v + g, velocity, grads)
        updates = tree_map(lambda v, g: -lr * (momentum * v + g), velocity, grads)
        return updates, velocity

    return init, update


def accuracy(params, x, y) -> float:
    return float(np.mean(np.argmax(predict(params, x), axis=1) == y))


def main(argv=None) -> float:
    parser = argparse.ArgumentParser(description="MLP on the 8x8 digits data set, with fungrad")
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--weight-decay", type=float, default=1e-4)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    (x_train, y_train), (x_test, y_test) = load_digits_split(args.seed)
    print(f"digits: {len(x_train)} train / {len(x_test)} test examples, 64 features, 10 classes")
    rng = np.random.default_rng(args.seed)
    params = init_params(rng, [64, args.hidden, 10])
    opt_init, opt_update = nesterov_sgd(args.lr)
    opt_state = opt_init(params)
    grad_fn = fg.value_and_grad(loss_fn)
    eye = np.eye(10, dtype=np.float32)
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        order = rng.permutation(len(x_train))
        losses = []
        for i in range(0, len(order), args.batch_size):
            idx = order[i:i + args.batch_size]
            loss, grads = grad_fn(params, x_train[idx], eye[y_train[idx]], args.weight_decay)
            updates, opt_state = opt_update(grads, opt_state)
            params = tree_map(lambda p, u: p + u, params, updates)
            losses.append(float(loss))
        train_acc, test_acc = accuracy(params, x_train, y_train), accuracy(params, x_test, y_test)
        print(f"epoch {epoch:3d}/{args.epochs}  loss {np.mean(losses):.4f}  "
              f"train acc {train_acc:.4f}  test acc {test_acc:.4f}  "
              f"[{time.perf_counter() - start:5.1f}s]", flush=True)
    print(f"final test accuracy: {test_acc:.4f}")
    return test_acc


if __name__ == "__main__":
    main()
