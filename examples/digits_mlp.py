"""Train an MLP on the 8x8 handwritten digits data set (shipped with scikit-learn).

The model is a pure function of a parameter pytree (a list of ``{"w", "b"}`` dicts);
gradients come from ``fg.value_and_grad``; the optimizer is ``fungrad.optim``'s SGD with
Nesterov momentum, chained after weight decay on the weight matrices. Prints one line per
epoch (loss, train/test accuracy, elapsed time; a progress bar while the epoch runs, on a
terminal) and reaches about 98% held-out accuracy in a few seconds. Writes the parameters,
a checkpoint, ``metrics.csv`` and ``curves.png`` under ``--out`` (see run_files.py);
``--resume`` continues a run from its checkpoint.

``--precision bf16`` (or ``f16``) trains in mixed precision with ``fungrad.mixed_precision``:
float32 master weights, the forward and backward passes in the 16-bit dtype, the loss in
float32; ``f16`` adds dynamic loss scaling and skips steps whose gradients overflow.
With the defaults (40 epochs), measured on a shared 2-core CPU: f32 97.8% held-out accuracy
in 141 s, bf16 97.8% in 167 s, f16 97.8% in 198 s (no step overflowed at the initial loss
scale 2**15). 16-bit compute is slower on a CPU: BLAS has no 16-bit products, so each one
converts to float32 and rounds back; the point is the numerics, not the speed.

Usage: python examples/digits_mlp.py [--epochs N] [--hidden H] [--lr LR] [--seed S]
                                     [--precision {f32,bf16,f16}] [--out DIR] [--resume]
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
from fungrad import mixed_precision as mp
from fungrad import optim
from fungrad.tree_util import tree_map


def init_params(rng: np.random.Generator, sizes: list[int]) -> list[dict]:
    """He-initialised weights and zero biases for each layer."""
    return [{"w": (rng.standard_normal((m, n)) * np.sqrt(2.0 / m)).astype(np.float32),
             "b": np.zeros(n, np.float32)} for m, n in zip(sizes[:-1], sizes[1:], strict=False)]


def predict(params: list[dict], x):
    """Logits of the MLP (ReLU hidden layers)."""
    h = x
    for layer in params[:-1]:
        h = fnp.maximum(h @ layer["w"] + layer["b"], 0.0)
    return h @ params[-1]["w"] + params[-1]["b"]


def log_softmax(logits):
    """``log(softmax(logits))`` along the last axis, without overflow."""
    shifted = logits - fg.stop_gradient(fnp.max(logits, axis=-1, keepdims=True))
    return shifted - fnp.log(fnp.sum(fnp.exp(shifted), axis=-1, keepdims=True))


def loss_fn(params: list[dict], x, y_onehot):
    """Mean softmax cross-entropy of the MLP's predictions."""
    return -fnp.mean(fnp.sum(log_softmax(predict(params, x)) * y_onehot, axis=-1))


def accuracy(params: list[dict], x, y, policy: mp.Policy | None = None) -> float:
    """The share of examples whose largest logit is the true class (in ``policy``'s dtype)."""
    if policy is not None:
        params, x = policy.cast_to_compute((params, x))
    logits = fg.device_get(predict(params, x))
    return float(np.mean(np.argmax(np.asarray(logits, np.float32), axis=1) == y))


def make_optimizer(lr: float, momentum: float, weight_decay: float) -> optim.GradientTransformation:
    """Nesterov SGD with weight decay on the matrices (biases are not decayed)."""
    matrices_only = lambda params: tree_map(lambda p: p.ndim > 1, params)
    return optim.chain(
        optim.add_decayed_weights(weight_decay, mask=matrices_only),
        optim.sgd(lr, momentum=momentum, nesterov=True),
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line options (defaults train to ~98% held-out accuracy)."""
    parser = argparse.ArgumentParser(
        description="Train an MLP on the 8x8 digits data set with fungrad.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--epochs", type=int, default=40, help="passes over the training set")
    parser.add_argument("--hidden", type=int, default=256, help="hidden layer width")
    parser.add_argument("--batch-size", type=int, default=64, help="examples per step")
    parser.add_argument("--lr", type=float, default=0.05, help="SGD learning rate")
    parser.add_argument("--momentum", type=float, default=0.9, help="Nesterov momentum")
    parser.add_argument("--weight-decay", type=float, default=5e-4,
                        help="decay rate of the weight matrices")
    parser.add_argument("--seed", type=int, default=0, help="seeds the split, init and order")
    parser.add_argument("--precision", choices=["f32", "bf16", "f16"], default="f32",
                        help="compute dtype (parameters stay float32)")
    add_run_flags(parser, "digits_mlp")
    return parser.parse_args(argv)


loss_and_grad = fg.value_and_grad(loss_fn)


def mixed_loss(params: list[dict], x, y_onehot, policy: mp.Policy, loss_scale):
    """The loss computed under ``policy`` (float32 output), times the loss scale."""
    p, x = policy.cast_to_compute((params, x))
    logits = policy.cast_to_output(predict(p, x))
    loss = -fnp.mean(fnp.sum(log_softmax(logits) * y_onehot, axis=-1))
    return loss_scale.scale(loss), loss


mixed_loss_and_grad = fg.value_and_grad(mixed_loss, has_aux=True)


def train_epoch(params: list[dict], opt_state, opt: optim.GradientTransformation, batches,
                policy: mp.Policy | None = None, loss_scale=None):
    """One optimizer step per ``(x, y_onehot)`` batch; returns params, state, mean loss
    (and, with a mixed-precision ``policy``, the adjusted loss scale)."""
    losses = []
    for x, y_onehot in batches:
        if policy is None:
            loss, grads = loss_and_grad(params, x, y_onehot)
        else:
            (_, loss), grads = mixed_loss_and_grad(params, x, y_onehot, policy, loss_scale)
            grads = loss_scale.unscale(policy.cast_to_param(grads))
            loss_scale = loss_scale.adjust(mp.all_finite(grads))
        updates, opt_state = opt.update(grads, opt_state, params)
        params = optim.apply_updates(params, updates)
        losses.append(float(loss))
    if policy is None:
        return params, opt_state, float(np.mean(losses))
    return params, opt_state, float(np.mean(losses)), loss_scale


def main(argv: list[str] | None = None) -> dict:
    """Train and evaluate; returns the final losses and accuracies."""
    args = parse_args(argv)
    (x_train, y_train), (x_test, y_test) = load_digits_split(args.seed)
    print(f"digits: {len(x_train)} train / {len(x_test)} test examples, "
          f"{NUM_FEATURES} features, {NUM_CLASSES} classes")
    params = init_params(np.random.default_rng(args.seed), [NUM_FEATURES, args.hidden,
                                                            NUM_CLASSES])
    opt = make_optimizer(args.lr, args.momentum, args.weight_decay)
    policy = loss_scale = None
    if args.precision != "f32":
        policy = mp.get_policy(f"params=f32,compute={args.precision},output=f32")
        # float16 underflows small gradients: scale the loss, skip steps that overflow.
        loss_scale = (mp.DynamicLossScale(2.0 ** 15) if args.precision == "f16"
                      else mp.NoOpLossScale())
        opt = mp.skip_nonfinite(opt)
    y_onehot = np.eye(NUM_CLASSES, dtype=np.float32)[y_train]
    initial_loss = float(loss_fn(params, x_train, y_onehot))
    run = RunFiles(args, "digits_mlp", ["epoch", "loss", "accuracy", "train_accuracy"])
    extra = {} if policy is None else {"loss_scale": loss_scale}
    state = run.start({"params": params, "opt_state": opt.init(params), **extra})
    done = run.already_done(args.epochs)
    if done is not None:
        return done
    params, opt_state = state["params"], state["opt_state"]
    loss_scale = state.get("loss_scale")
    x_train_on, y_onehot_on, x_test_on = to_device(args, (x_train, y_onehot, x_test))
    start = time.perf_counter() - run.elapsed
    for epoch in range(run.epoch + 1, args.epochs + 1):
        rng = np.random.default_rng((args.seed, epoch))  # the epoch's order, also on resume
        idx = list(minibatches(rng, len(x_train), args.batch_size))
        batches = (to_device(args, (x_train[i], y_onehot[i]))
                   for i in progress(idx, desc=f"epoch {epoch:3d}/{args.epochs}"))
        if policy is None:
            params, opt_state, loss = train_epoch(params, opt_state, opt, batches)
        else:
            params, opt_state, loss, loss_scale = train_epoch(
                params, opt_state, opt, batches, policy, loss_scale)
            extra = {"loss_scale": loss_scale}
        train_acc = accuracy(params, x_train_on, y_train, policy)
        test_acc = accuracy(params, x_test_on, y_test, policy)
        run.step, run.epoch, run.elapsed = run.step + len(idx), epoch, time.perf_counter() - start
        print(f"epoch {epoch:3d}/{args.epochs}  loss {loss:.4f}  "
              f"train acc {train_acc:.4f}  test acc {test_acc:.4f}  "
              f"[{run.elapsed:5.1f}s]", flush=True)
        run.log(epoch=epoch, loss=loss, accuracy=test_acc, train_accuracy=train_acc)
        run.save({"params": params, "opt_state": opt_state, **extra}, params)
    metrics = {"initial_loss": initial_loss,
               "final_loss": float(loss_fn(params, x_train_on, y_onehot_on)),
               "train_accuracy": accuracy(params, x_train_on, y_train, policy),
               "test_accuracy": accuracy(params, x_test_on, y_test, policy),
               "seconds": time.perf_counter() - start}
    if isinstance(loss_scale, mp.DynamicLossScale):
        metrics["loss_scale"] = float(loss_scale.loss_scale)
    print(f"train loss {initial_loss:.3f} (before training) -> {metrics['final_loss']:.3f} "
          f"(after {run.epoch} epochs)")
    print(f"final test accuracy: {metrics['test_accuracy']:.4f}")
    run.plot_curves([("loss", ["loss"]), ("accuracy", ["accuracy", "train_accuracy"])],
                    log_loss=True)
    run.finish(metrics)
    return metrics


if __name__ == "__main__":
    main()
