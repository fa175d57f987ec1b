"""vmap benchmarks: per-example gradients and Hessian-vector products.

Run: ``python bench/vmap.py`` (``--quick`` for fewer rounds). Prints medians from one run:

(a) per-example gradients of a 784-512-512-10 MLP loss for 64 examples,
    ``vmap(grad(loss), in_axes=(None, 0, 0))`` vs a Python loop of ``grad`` calls.
    Target: vmap >= 10x faster than the loop.
(b) a Hessian-vector product of the same loss (batch of 64) vs one gradient.
    Target: hvp <= 4x the time of one gradient.
JAX's figures (without jit) are printed beside them when JAX is installed.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from timing import available, blas_threads_line, format_table, time_round_robin  # noqa: E402

import fungrad as fg  # noqa: E402
import fungrad.numpy as fnp  # noqa: E402

SIZES = (784, 512, 512, 10)
N = 64


def init_mlp(rng):
    return [(rng.standard_normal((m, n)).astype(np.float32) * np.float32(np.sqrt(2.0 / m)),
             np.zeros(n, np.float32)) for m, n in zip(SIZES[:-1], SIZES[1:])]


def loss(params, x, y):
    """Softmax cross-entropy of a ReLU MLP on one example (x: (784,), y: one-hot (10,)) or
    a batch (x: (n, 784), y: (n, 10))."""
    h = x
    for w, b in params[:-1]:
        h = fnp.maximum(h @ w + b, 0.0)
    logits = h @ params[-1][0] + params[-1][1]
    logits = logits - fg.stop_gradient(fnp.max(logits, axis=-1, keepdims=True))
    log_probs = logits - fnp.log(fnp.sum(fnp.exp(logits), axis=-1, keepdims=True))
    return -fnp.mean(fnp.sum(log_probs * y, axis=-1))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    rounds = 3 if args.quick else 15
    print(blas_threads_line())
    rng = np.random.default_rng(0)
    params = init_mlp(rng)
    x = rng.standard_normal((N, SIZES[0])).astype(np.float32)
    y = np.eye(SIZES[-1], dtype=np.float32)[rng.integers(0, SIZES[-1], N)]

    per_example = fg.vmap(fg.grad(loss), in_axes=(None, 0, 0))
    g_one = fg.grad(loss)
    batched = per_example(params, x, y)
    looped = [g_one(params, x[i], y[i]) for i in range(N)]
    np.testing.assert_allclose(batched[0][0][5], looped[5][0][0], rtol=1e-4, atol=1e-6)
    jit_per_example = fg.jit(per_example)
    jit_per_example(params, x, y)
    fns = {"fungrad loop of grad": lambda: [g_one(params, x[i], y[i]) for i in range(N)],
           "fungrad vmap(grad)": lambda: per_example(params, x, y),
           "fungrad jit(vmap(grad))": lambda: jit_per_example(params, x, y)}
    if available("jax"):
        import jax
        import jax.numpy as jnp

        jparams = [(jnp.asarray(w), jnp.asarray(b)) for w, b in params]
        jx, jy = jnp.asarray(x), jnp.asarray(y)

        def jloss(p, xi, yi):
            h = xi
            for w, b in p[:-1]:
                h = jax.nn.relu(h @ w + b)
            return -jnp.mean(jnp.sum(jax.nn.log_softmax(h @ p[-1][0] + p[-1][1]) * yi, -1))

        jper = jax.vmap(jax.grad(jloss), in_axes=(None, 0, 0))
        fns["jax vmap(grad) (no jit)"] = lambda: jax.block_until_ready(jper(jparams, jx, jy))
        jper_jit = jax.jit(jper)
        fns["jax jit(vmap(grad))"] = lambda: jax.block_until_ready(jper_jit(jparams, jx, jy))
    times = time_round_robin(fns, rounds, warmup=1, budget_s=120)
    print(format_table(f"(a) per-example gradients, MLP 784-512-512-10, {N} examples, float32",
                       times, "fungrad vmap(grad)", unit="ms"))
    speedup = np.median(times["fungrad loop of grad"]) / np.median(times["fungrad vmap(grad)"])
    print(f"vmap speed-up over the loop: {speedup:.1f}x (target >= 10x)")
    speedup = np.median(times["fungrad loop of grad"]) / np.median(times["fungrad jit(vmap(grad))"])
    print(f"jit(vmap) speed-up over the loop: {speedup:.1f}x\n")

    g_batch = fg.grad(loss)
    v = [(rng.standard_normal(w.shape).astype(np.float32),
          rng.standard_normal(b.shape).astype(np.float32)) for w, b in params]
    fns = {"fungrad grad": lambda: g_batch(params, x, y),
           "fungrad hvp": lambda: fg.hvp(lambda p: loss(p, x, y), (params,), (v,))}
    times = time_round_robin(fns, rounds * 3, warmup=1, budget_s=120)
    print(format_table(f"(b) Hessian-vector product vs gradient, batch {N}, float32", times,
                       "fungrad grad", unit="ms"))
    ratio = np.median(times["fungrad hvp"]) / np.median(times["fungrad grad"])
    print(f"hvp / grad time: {ratio:.2f}x (target <= 4x)")


if __name__ == "__main__":
    main()
