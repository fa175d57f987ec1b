"""DP-SGD on the digits data: per-example gradients with ``vmap(grad(loss))``.

Differentially private SGD (Abadi et al., 2016) needs each example's own gradient: it
clips every one to an L2 bound ``C`` (over the whole parameter pytree), sums them, adds
Gaussian noise of standard deviation ``noise_multiplier * C`` and divides by the batch size.
With fungrad the per-example gradients of a whole batch are one call::

    per_example_grads = fg.vmap(fg.grad(loss_fn), in_axes=(None, 0, 0))(params, x, y)

(``None``: the parameters are shared; ``0``: map over the examples' leading axis), and the
per-example norms are ``fg.vmap(optim.global_norm)(per_example_grads)``. The script first
checks once that the vmapped gradients equal a Python loop of ``fg.grad`` calls, then trains
a small MLP and reports held-out accuracy. (It does not compute the privacy budget epsilon;
that needs a privacy accountant.) Writes the parameters, a checkpoint, ``metrics.csv`` and
``curves.png`` under ``--out`` (see run_files.py); ``--resume`` continues a run.

Usage: python examples/per_example_grads.py [--epochs N] [--clip C] [--noise-multiplier S]
                                            [--out DIR] [--resume]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from digits_data import NUM_CLASSES, NUM_FEATURES, load_digits_split, minibatches
from progress import progress
from run_files import RunFiles, add_run_flags, to_device

import fungrad as fg
import fungrad.numpy as fnp
from fungrad import optim, random
from fungrad.tree_util import tree_flatten, tree_map, tree_unflatten


def init_params(rng: np.random.Generator, sizes: list[int]) -> list[dict]:
    """He-initialised weights and zero biases for each layer."""
    return [{"w": rng.standard_normal((m, n)) * np.sqrt(2.0 / m), "b": np.zeros(n)}
            for m, n in zip(sizes[:-1], sizes[1:], strict=False)]


def predict(params: list[dict], x):
    """Logits of the MLP (tanh hidden layers) for one example ``(64,)`` or a batch."""
    for layer in params[:-1]:
        x = fnp.tanh(x @ layer["w"] + layer["b"])
    return x @ params[-1]["w"] + params[-1]["b"]


def loss_fn(params: list[dict], x, y_onehot):
    """Softmax cross-entropy, averaged over the batch (one example: its own loss)."""
    logits = predict(params, x)
    shifted = logits - fg.stop_gradient(fnp.max(logits, axis=-1, keepdims=True))
    log_probs = shifted - fnp.log(fnp.sum(fnp.exp(shifted), axis=-1, keepdims=True))
    return -fnp.mean(fnp.sum(log_probs * y_onehot, axis=-1))


per_example_grads = fg.vmap(fg.grad(loss_fn), in_axes=(None, 0, 0))
per_example_norms = fg.vmap(optim.global_norm)


def looped_grads(params: list[dict], x, y_onehot):
    """The same per-example gradients as `per_example_grads`, one `fg.grad` call each."""
    grads = [fg.grad(loss_fn)(params, xi, yi) for xi, yi in zip(x, y_onehot, strict=True)]
    return tree_map(lambda *leaves: np.stack(leaves), *grads)


def max_difference(a, b) -> float:
    """The largest absolute difference between two pytrees of the same structure."""
    return max(float(np.max(np.abs(u - v))) for u, v in zip(
        tree_flatten(a)[0], tree_flatten(b)[0], strict=True))


def private_gradient(params, x, y_onehot, *, clip: float, noise_multiplier: float, key,
                     place=lambda noise: noise):
    """The DP-SGD gradient estimate: clip each example's gradient, sum, add noise, average.

    ``place`` puts the noise where the gradients are (``--device``: samples are drawn on
    the host).

    Returns:
      ``(gradient, share of examples whose gradient was clipped)``.
    """
    grads = per_example_grads(params, x, y_onehot)
    norms = per_example_norms(grads)
    scale = fnp.minimum(1.0, clip / fnp.maximum(norms, 1e-12))
    summed = tree_map(lambda g: fnp.tensordot(scale, g, axes=1), grads)
    leaves, treedef = tree_flatten(summed)
    keys = random.split(key, len(leaves))
    noisy = [g + noise_multiplier * clip * place(random.normal(k, g.shape))
             for g, k in zip(leaves, keys, strict=True)]
    clipped = float(fnp.mean(norms > clip))
    return tree_unflatten(treedef, [g / len(x) for g in noisy]), clipped


def accuracy(params: list[dict], x, y) -> float:
    """The share of examples whose largest logit is the true class."""
    return float(np.mean(np.argmax(fg.device_get(predict(params, x)), axis=1) == y))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line options."""
    parser = argparse.ArgumentParser(
        description="DP-SGD with per-example gradients (vmap of grad) on the digits data.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--epochs", type=int, default=40, help="passes over the training set")
    parser.add_argument("--hidden", type=int, default=32, help="hidden layer width")
    parser.add_argument("--batch-size", type=int, default=128, help="examples per step")
    parser.add_argument("--lr", type=float, default=0.05, help="SGD learning rate")
    parser.add_argument("--momentum", type=float, default=0.9, help="SGD momentum")
    parser.add_argument("--clip", type=float, default=1.0,
                        help="L2 bound on each example's gradient")
    parser.add_argument("--noise-multiplier", type=float, default=1.0,
                        help="noise std as a multiple of --clip")
    parser.add_argument("--print-every", type=int, default=5, help="epochs between reports")
    parser.add_argument("--seed", type=int, default=0, help="seeds the split, init and noise")
    add_run_flags(parser, "per_example_grads")
    return parser.parse_args(argv)


def check_against_loop(params, x, y_onehot) -> float:
    """Print and return the largest difference between vmapped and looped gradients."""
    start = time.perf_counter()
    vmapped = per_example_grads(params, x, y_onehot)
    mid = time.perf_counter()
    looped = looped_grads(params, x, y_onehot)
    diff = max_difference(vmapped, looped)
    print(f"per-example gradients of {len(x)} examples: vmap {mid - start:.3f}s, "
          f"loop {time.perf_counter() - mid:.3f}s, max |vmap - loop| = {diff:.2e}")
    return diff


def train_epoch(params: list[dict], opt_state, opt: optim.GradientTransformation, batches,
                *, args: argparse.Namespace, key):
    """One DP-SGD step per ``(x, y_onehot)`` batch, batch ``j`` noised from
    ``fold_in(key, j)``; returns params, state and the share of clipped gradients."""
    clipped = []
    for j, (x, y_onehot) in enumerate(batches):
        grads, share = private_gradient(params, x, y_onehot, clip=args.clip,
                                        noise_multiplier=args.noise_multiplier,
                                        key=random.fold_in(key, j),
                                        place=lambda noise: to_device(args, noise))
        updates, opt_state = opt.update(grads, opt_state, params)
        params = optim.apply_updates(params, updates)
        clipped.append(share)
    return params, opt_state, float(np.mean(clipped))


def main(argv: list[str] | None = None) -> dict:
    """Check vmap against a loop, train with DP-SGD; returns losses and accuracy."""
    args = parse_args(argv)
    (x_train, y_train), (x_test, y_test) = load_digits_split(args.seed, dtype=np.float64)
    y_onehot = np.eye(NUM_CLASSES)[y_train]
    rng = np.random.default_rng(args.seed)
    params = init_params(rng, [NUM_FEATURES, args.hidden, NUM_CLASSES])
    loop_difference = check_against_loop(params, x_train[:args.batch_size],
                                         y_onehot[:args.batch_size])
    opt = optim.sgd(args.lr, momentum=args.momentum)
    noise_key = random.key(args.seed)
    initial_loss = float(loss_fn(params, x_train, y_onehot))
    run = RunFiles(args, "per_example_grads", ["epoch", "loss", "accuracy", "clipped"])
    state = run.start({"params": params, "opt_state": opt.init(params)})
    done = run.already_done(args.epochs)
    if done is not None:
        return done
    params, opt_state = state["params"], state["opt_state"]
    x_train_on, y_onehot_on, x_test_on = to_device(args, (x_train, y_onehot, x_test))
    start = time.perf_counter() - run.elapsed
    for epoch in range(run.epoch + 1, args.epochs + 1):
        rng = np.random.default_rng((args.seed, epoch))  # the epoch's order, also on resume
        idx = list(minibatches(rng, len(x_train), args.batch_size))
        batches = (to_device(args, (x_train[i], y_onehot[i]))
                   for i in progress(idx, desc=f"epoch {epoch:3d}/{args.epochs}"))
        params, opt_state, clipped = train_epoch(params, opt_state, opt, batches, args=args,
                                                 key=random.fold_in(noise_key, epoch))
        loss = float(loss_fn(params, x_train_on, y_onehot_on))
        test_acc = accuracy(params, x_test_on, y_test)
        run.step, run.epoch, run.elapsed = run.step + len(idx), epoch, time.perf_counter() - start
        if epoch % args.print_every == 0 or epoch == args.epochs:
            print(f"epoch {epoch:3d}/{args.epochs}  train loss {loss:.4f}  "
                  f"clipped {clipped:4.0%}  test acc {test_acc:.4f}"
                  f"  [{run.elapsed:5.1f}s]", flush=True)
        run.log(epoch=epoch, loss=loss, accuracy=test_acc, clipped=clipped)
        run.save({"params": params, "opt_state": opt_state}, params)
    metrics = {"initial_loss": initial_loss,
               "final_loss": float(loss_fn(params, x_train_on, y_onehot_on)),
               "test_accuracy": accuracy(params, x_test_on, y_test),
               "loop_difference": loop_difference, "seconds": time.perf_counter() - start}
    print(f"final test accuracy: {metrics['test_accuracy']:.4f} with clip {args.clip}, "
          f"noise multiplier {args.noise_multiplier}, batch size {args.batch_size}")
    run.plot_curves([("loss", ["loss"]), ("test accuracy", ["accuracy"]),
                     ("share of clipped gradients", ["clipped"])])
    run.finish(metrics)
    return metrics


if __name__ == "__main__":
    main()
