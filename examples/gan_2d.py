"""A GAN that learns a 2-D Gaussian, with pure-function MLPs and two Adam optimizers.

The data are ``normal(2) @ A + mu``: mean ``mu``, covariance ``A^T A``. The generator maps
2-D standard normal noise through a small tanh MLP; the discriminator is a tanh MLP
returning one logit. Training alternates one discriminator step and one generator step on
the non-saturating losses (Goodfellow et al., 2014)::

    D: mean(softplus(-D(x_real))) + mean(softplus(D(G(z))))
    G: mean(softplus(-D(G(z))))

Every sample comes from ``fungrad.random`` keys (``fold_in(key, step)``), so a run is
reproducible from ``--seed``. Prints the generated mean and covariance periodically and,
beside the true ones, at the end, with the distance between the means. The discriminator
loss also carries the R1 gradient penalty (``--r1``), a gradient of a gradient, which
damps the oscillation around the equilibrium.

The whole training step (sampling, both gradients including the R1 grad-of-grad, both Adam
updates) is one ``fg.jit`` function, traced once (``--no-jit`` runs it eagerly, to compare).
Writes the parameters of both players, a checkpoint, ``metrics.csv`` (``loss`` is the
discriminator's loss, ``g_loss`` the generator's, ``mean_distance`` the generated mean's
distance from the true one; ``accuracy`` is empty), ``curves.png`` and ``samples.png``
(real against generated points) under ``--out`` (see run_files.py); ``--resume`` continues.

Usage: python examples/gan_2d.py [--steps N] [--lr LR] [--seed S] [--out DIR] [--resume]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from progress import ProgressBar
from run_files import RunFiles, add_run_flags, pyplot, to_device

import fungrad as fg
import fungrad.numpy as fnp
from fungrad import optim, random

TRUE_MEAN = np.array([1.5, -1.0])
TRUE_MIXING = np.array([[0.8, 0.3], [0.0, 0.5]])  # data = normal @ A + mu
TRUE_COV = TRUE_MIXING.T @ TRUE_MIXING


def init_mlp(key, sizes: list[int]) -> list[dict]:
    """Glorot-scaled normal weights and zero biases, one ``{"w", "b"}`` dict per layer."""
    keys = random.split(key, len(sizes) - 1)
    return [{"w": random.normal(k, (m, n)) * np.sqrt(2.0 / (m + n)), "b": np.zeros(n)}
            for k, m, n in zip(keys, sizes[:-1], sizes[1:], strict=True)]


def mlp(params: list[dict], x):
    """Tanh hidden layers, linear output."""
    for layer in params[:-1]:
        x = fnp.tanh(x @ layer["w"] + layer["b"])
    return x @ params[-1]["w"] + params[-1]["b"]


def softplus(x):
    """``log(1 + exp(x))``, computed without overflow."""
    return fnp.logaddexp(0.0, x)


def discriminator_loss(d_params: list[dict], g_params: list[dict], real, noise, r1: float):
    """Cross-entropy of the discriminator (real points are class 1, generated ones 0), plus
    the R1 penalty ``r1 / 2 * mean(|grad_x D(x_real)|^2)`` (Mescheder et al., 2018)."""
    fake = mlp(g_params, noise)
    loss = fnp.mean(softplus(-mlp(d_params, real))) + fnp.mean(softplus(mlp(d_params, fake)))
    if r1 == 0:
        return loss
    # Each point's logit depends only on that point, so the gradient of the sum is the
    # per-point input gradient; differentiating this again w.r.t. d_params is grad-of-grad.
    input_grads = fg.grad(lambda x: fnp.sum(mlp(d_params, x)))(real)
    return loss + 0.5 * r1 * fnp.mean(fnp.sum(input_grads**2, axis=1))


def generator_loss(g_params: list[dict], d_params: list[dict], noise):
    """The non-saturating generator loss ``-log D(G(z))``."""
    return fnp.mean(softplus(-mlp(d_params, mlp(g_params, noise))))


def sample_data(key, n: int) -> np.ndarray:
    """``n`` points of the target Gaussian."""
    return random.normal(key, (n, 2)) @ TRUE_MIXING + TRUE_MEAN


def generated_stats(g_params: list[dict], key, n: int = 4096, place=lambda x: x):
    """Mean and covariance of ``n`` generated points (``place`` puts the noise, drawn on
    the host, where the parameters are)."""
    points = fg.device_get(mlp(g_params, place(random.normal(key, (n, 2)))))
    return points.mean(0), np.cov(points, rowvar=False)


def report(step: int, g_params: list[dict], key, elapsed: float, losses=None,
           place=lambda x: x) -> float:
    """Print the generated mean and covariance; return the mean's distance from the truth."""
    mean, cov = generated_stats(g_params, key, place=place)
    distance = float(np.linalg.norm(mean - TRUE_MEAN))
    shown = "D loss   -    G loss   -  " if losses is None else (
        f"D loss {losses[0]:.3f}  G loss {losses[1]:.3f}")
    print(f"step {step:5d}  {shown}  generated mean {np.array2string(mean, precision=2)} "
          f"(distance {distance:.3f})  cov {np.array2string(cov.ravel(), precision=2)}  "
          f"[{elapsed:5.1f}s]", flush=True)
    return distance


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line options."""
    parser = argparse.ArgumentParser(
        description="A GAN learning a 2-D Gaussian, with fungrad.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--steps", type=int, default=3000, help="D+G update pairs")
    parser.add_argument("--batch-size", type=int, default=128, help="points per step")
    parser.add_argument("--hidden", type=int, default=32, help="hidden layer width")
    parser.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate (both)")
    parser.add_argument("--lr-final-fraction", type=float, default=0.1,
                        help="the cosine-decayed learning rate ends at this fraction")
    parser.add_argument("--b1", type=float, default=0.5, help="Adam's first-moment decay")
    parser.add_argument("--r1", type=float, default=1.0,
                        help="weight of the R1 gradient penalty on real points (0: none)")
    parser.add_argument("--print-every", type=int, default=500,
                        help="steps between reports (and checkpoints)")
    parser.add_argument("--log-every", type=int, default=50,
                        help="steps between rows of metrics.csv")
    parser.add_argument("--jit", action=argparse.BooleanOptionalAction, default=True,
                        help="compile the training step with fg.jit")
    parser.add_argument("--seed", type=int, default=0, help="seeds every random draw")
    add_run_flags(parser, "gan_2d")
    return parser.parse_args(argv)


def optimizer_step(opt: optim.GradientTransformation, params, opt_state, grads):
    """Apply one update of `opt`; returns the new params and optimizer state."""
    updates, opt_state = opt.update(grads, opt_state, params)
    return optim.apply_updates(params, updates), opt_state


def make_train_step(args: argparse.Namespace):
    """Build the players' initial state and a function doing one D step and one G step."""
    # Decaying the step size damps the players' oscillation around the equilibrium.
    lr = optim.cosine_decay_schedule(args.lr, max(1, args.steps), alpha=args.lr_final_fraction)
    g_opt, d_opt = optim.adam(lr, b1=args.b1), optim.adam(lr, b1=args.b1)
    d_grad = fg.value_and_grad(discriminator_loss)
    g_grad = fg.value_and_grad(generator_loss)

    def init(g_params, d_params) -> dict:
        return {"g": g_params, "d": d_params,
                "g_opt": g_opt.init(g_params), "d_opt": d_opt.init(d_params)}

    def train_step(players: dict, key) -> tuple[dict, tuple]:
        real_key, d_noise_key, g_noise_key = random.split(key, 3)
        # drawn from host keys: on --device inside jit (a traced value passes through)
        real = to_device(args, sample_data(real_key, args.batch_size))
        d_noise, g_noise = (to_device(args, random.normal(k, real.shape))
                            for k in (d_noise_key, g_noise_key))
        d_loss, grads = d_grad(players["d"], players["g"], real, d_noise, args.r1)
        d_params, d_state = optimizer_step(d_opt, players["d"], players["d_opt"], grads)
        g_loss, grads = g_grad(players["g"], d_params, g_noise)
        g_params, g_state = optimizer_step(g_opt, players["g"], players["g_opt"], grads)
        players = {"g": g_params, "d": d_params, "g_opt": g_state, "d_opt": d_state}
        return players, (d_loss, g_loss)

    return init, fg.jit(train_step) if args.jit else train_step


def plot_samples(run: RunFiles, g_params: list[dict], key, n: int = 2000,
                 place=lambda x: x) -> None:
    """Write samples.png: real points of the target Gaussian beside generated ones."""
    real_key, noise_key = random.split(key)
    real = np.asarray(sample_data(real_key, n))
    fake = fg.device_get(mlp(g_params, place(random.normal(noise_key, (n, 2)))))
    fig, ax = pyplot().subplots(figsize=(5, 5))
    ax.scatter(real[:, 0], real[:, 1], s=3, alpha=0.4, label="real")
    ax.scatter(fake[:, 0], fake[:, 1], s=3, alpha=0.4, label="generated")
    ax.plot(*TRUE_MEAN, "k+", ms=14)
    ax.set_aspect("equal")
    ax.legend(markerscale=3)
    ax.set_title(f"real vs generated points (step {run.step}; +: true mean)")
    run.save_figure(fig, "samples.png")


def main(argv: list[str] | None = None) -> dict:
    """Train the GAN; returns the final generated statistics and their errors."""
    args = parse_args(argv)
    g_key, d_key, train_key, eval_key = random.split(random.key(args.seed), 4)
    init, train_step = make_train_step(args)
    place = lambda tree: to_device(args, tree)  # noqa: E731 (host draws onto --device)
    players = init(init_mlp(g_key, [2, args.hidden, args.hidden, 2]),
                   init_mlp(d_key, [2, args.hidden, args.hidden, 1]))
    print(f"target: mean {TRUE_MEAN}, cov {TRUE_COV.ravel()} (row-major)")
    initial_distance = float(np.linalg.norm(generated_stats(players["g"], eval_key)[0]
                                            - TRUE_MEAN))
    run = RunFiles(args, "gan_2d", ["loss", "accuracy", "d_loss", "g_loss", "mean_distance"])
    players = run.start(players)
    done = run.already_done(args.steps, unit="step")
    if done is not None:
        return done
    start = time.perf_counter() - run.elapsed
    report(run.step, players["g"], eval_key, run.elapsed, place=place)
    losses, interval = (float("nan"), float("nan")), []
    bar = ProgressBar(args.steps - run.step, desc=f"steps {run.step + 1}-{args.steps}")
    for step in range(run.step + 1, args.steps + 1):
        players, step_losses = train_step(players, random.fold_in(train_key, step))
        interval.append(step_losses)
        bar.update()
        if step % args.log_every == 0 or step % args.print_every == 0 or step == args.steps:
            losses = tuple(float(v) for v in np.mean(
                [[float(v) for v in pair] for pair in interval], axis=0))
            interval = []
            run.step, run.elapsed = step, time.perf_counter() - start
            distance = float(np.linalg.norm(generated_stats(players["g"], eval_key,
                                                            place=place)[0] - TRUE_MEAN))
            run.log(loss=losses[0], d_loss=losses[0], g_loss=losses[1], mean_distance=distance)
        if step % args.print_every == 0 or step == args.steps:
            bar.close()
            report(step, players["g"], eval_key, run.elapsed, losses, place=place)
            run.save(players, {"g": players["g"], "d": players["d"]})
    bar.close()
    mean, cov = generated_stats(players["g"], eval_key, n=20000, place=place)
    metrics = {
        "initial_mean_distance": initial_distance,
        "mean_distance": float(np.linalg.norm(mean - TRUE_MEAN)),
        "cov_error": float(np.linalg.norm(cov - TRUE_COV) / np.linalg.norm(TRUE_COV)),
        "d_loss": losses[0], "g_loss": losses[1], "seconds": time.perf_counter() - start,
    }
    flat = lambda a: np.array2string(a, precision=3).replace("\n", "")
    print(f"generated mean {flat(mean)} vs true {TRUE_MEAN}: "
          f"distance {metrics['mean_distance']:.3f}")
    print(f"generated covariance {flat(cov)} vs true {flat(TRUE_COV)}: "
          f"relative error {metrics['cov_error']:.3f}")
    run.plot_curves([("loss", ["d_loss", "g_loss"]),
                     ("|generated mean - true mean|", ["mean_distance"])])
    plot_samples(run, players["g"], random.fold_in(eval_key, 1), place=place)
    run.finish(metrics, ["samples.png"])
    return metrics


if __name__ == "__main__":
    main()
