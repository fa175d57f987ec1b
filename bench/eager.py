"""Eager-mode benchmarks: per-op overhead of the tracer interpreter and a training step.

Run: ``python bench/eager.py`` (add ``--quick`` for fewer rounds). Prints three tables of
medians measured in one run, round-robin:

(a) grad of a chain of 100 small elementwise ops on a 10-element vector: fungrad vs
    hand-written NumPy backprop, autograd, PyTorch eager and JAX without jit (those three
    when installed). Target: fungrad <= 1.5x autograd.
(b) one training step (grad + SGD update) of a 784-512-512-10 ReLU MLP, batch 128,
    float32, softmax cross-entropy. Target: fungrad <= 1.25x hand-written NumPy.
(c) eager per-primitive overhead: ``fnp`` calls vs the NumPy calls they make, no transform.
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

# ---------------------------------------------------------------------------------------
# (a) a chain of 100 elementwise ops


def chain(np_mod, x):
    """sin, *1.01, tanh, +0.5, repeated: 100 ops, then a sum."""
    for i in range(100):
        k = i % 4
        if k == 0:
            x = np_mod.sin(x)
        elif k == 1:
            x = x * 1.01
        elif k == 2:
            x = np_mod.tanh(x)
        else:
            x = x + 0.5
    return x.sum()


def chain_grad_numpy(x):
    """Hand-written backprop of ``chain``: store what the backward pass needs."""
    saved = []
    for i in range(100):
        k = i % 4
        if k == 0:
            saved.append(np.cos(x))
            x = np.sin(x)
        elif k == 2:
            x = np.tanh(x)
            saved.append(1.0 - x * x)
        elif k == 1:
            x = x * 1.01
        else:
            x = x + 0.5
    g = np.ones_like(x)
    for i in reversed(range(100)):
        k = i % 4
        if k in (0, 2):
            g = g * saved.pop()
        elif k == 1:
            g = g * 1.01
    return g


def chain_benchmarks() -> dict:
    x = np.linspace(0.1, 1.0, 10)
    fns = {"numpy (hand backprop)": lambda: chain_grad_numpy(x)}
    g_fg = fg.grad(lambda x: chain(fnp, x))
    np.testing.assert_allclose(g_fg(x), chain_grad_numpy(x), rtol=1e-10)
    fns["fungrad"] = lambda: g_fg(x)
    if available("autograd"):
        import autograd
        import autograd.numpy as anp

        g_ag = autograd.grad(lambda x: chain(anp, x))
        fns["autograd"] = lambda: g_ag(x)
    if available("torch"):
        import torch

        xt = torch.tensor(x)

        def torch_grad():
            xi = xt.clone().requires_grad_(True)
            chain(torch, xi).backward()
            return xi.grad

        fns["torch eager"] = torch_grad
    if available("jax"):
        import jax
        import jax.numpy as jnp

        jax.config.update("jax_enable_x64", True)
        g_jax = jax.grad(lambda x: chain(jnp, x))
        xj = jnp.asarray(x)
        fns["jax (no jit)"] = lambda: g_jax(xj).block_until_ready()
    return fns


# ---------------------------------------------------------------------------------------
# (b) an MLP training step

SIZES = (784, 512, 512, 10)
BATCH = 128
LR = 0.01


def init_mlp(rng):
    return [(rng.standard_normal((m, n)).astype(np.float32) * np.float32(np.sqrt(2.0 / m)),
             np.zeros(n, np.float32)) for m, n in zip(SIZES[:-1], SIZES[1:])]


def mlp_loss(params, x, y):
    """Mean softmax cross-entropy of a ReLU MLP; ``y`` is one-hot."""
    h = x
    for w, b in params[:-1]:
        h = fnp.maximum(h @ w + b, 0.0)
    w, b = params[-1]
    logits = h @ w + b
    logits = logits - fg.stop_gradient(fnp.max(logits, axis=1, keepdims=True))
    log_probs = logits - fnp.log(fnp.sum(fnp.exp(logits), axis=1, keepdims=True))
    return -fnp.mean(fnp.sum(log_probs * y, axis=1))


def fungrad_step(params, x, y):
    grads = fg.grad(mlp_loss)(params, x, y)
    return [(w - LR * gw, b - LR * gb) for (w, b), (gw, gb) in zip(params, grads)]


def numpy_step(params, x, y):
    """Hand-written forward and backward pass, then SGD."""
    acts, pre = [x], []
    h = x
    for w, b in params[:-1]:
        z = h @ w + b
        pre.append(z)
        h = np.maximum(z, 0.0)
        acts.append(h)
    w, b = params[-1]
    logits = h @ w + b
    logits = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(logits)
    p /= p.sum(axis=1, keepdims=True)
    g = (p - y) / np.float32(x.shape[0])
    new = []
    for i in reversed(range(len(params))):
        w, b = params[i]
        gw, gb = acts[i].T @ g, g.sum(axis=0)
        if i > 0:
            g = (g @ w.T) * (pre[i - 1] > 0)
        new.append((w - LR * gw, b - LR * gb))
    return new[::-1]


def mlp_benchmarks() -> dict:
    rng = np.random.default_rng(0)
    params = init_mlp(rng)
    x = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    y = np.eye(SIZES[-1], dtype=np.float32)[rng.integers(0, SIZES[-1], BATCH)]
    ref, ours = numpy_step(params, x, y), fungrad_step(params, x, y)
    for (w1, _), (w2, _) in zip(ref, ours):
        np.testing.assert_allclose(w1, w2, rtol=1e-4, atol=1e-6)
        assert w2.dtype == np.float32
    fns = {"numpy (hand backprop)": lambda: numpy_step(params, x, y),
           "fungrad": lambda: fungrad_step(params, x, y)}
    if available("autograd"):
        fns["autograd"] = autograd_mlp(params, x, y)
    if available("torch"):
        fns["torch eager"] = torch_mlp(params, x, y)
    if available("jax"):
        fns["jax (no jit)"] = jax_mlp(params, x, y)
    return fns


def autograd_mlp(params, x, y):
    import autograd
    import autograd.numpy as anp

    def loss(params):
        h = x
        for w, b in params[:-1]:
            h = anp.maximum(h @ w + b, 0.0)
        w, b = params[-1]
        logits = h @ w + b
        logits = logits - anp.max(logits, axis=1, keepdims=True)
        logp = logits - anp.log(anp.sum(anp.exp(logits), axis=1, keepdims=True))
        return -anp.mean(anp.sum(logp * y, axis=1))

    g = autograd.grad(loss)
    return lambda: [(w - LR * gw, b - LR * gb) for (w, b), (gw, gb) in zip(params, g(params))]


def torch_mlp(params, x, y):
    import torch

    tp = [(torch.tensor(w), torch.tensor(b)) for w, b in params]
    tx, ty = torch.tensor(x), torch.tensor(y)

    def step():
        ps = [(w.clone().requires_grad_(True), b.clone().requires_grad_(True)) for w, b in tp]
        h = tx
        for w, b in ps[:-1]:
            h = torch.relu(h @ w + b)
        logits = h @ ps[-1][0] + ps[-1][1]
        loss = -(torch.log_softmax(logits, dim=1) * ty).sum(dim=1).mean()
        loss.backward()
        with torch.no_grad():
            return [(w - LR * w.grad, b - LR * b.grad) for w, b in ps]

    return step


def jax_mlp(params, x, y, jit: bool = False):
    """JAX's MLP step (``jit=True``: compiled with ``jax.jit``), as a zero-argument callable."""
    import jax
    import jax.numpy as jnp

    jp = [(jnp.asarray(w), jnp.asarray(b)) for w, b in params]
    jx, jy = jnp.asarray(x), jnp.asarray(y)

    def loss(params):
        h = jx
        for w, b in params[:-1]:
            h = jax.nn.relu(h @ w + b)
        logits = h @ params[-1][0] + params[-1][1]
        return -jnp.mean(jnp.sum(jax.nn.log_softmax(logits) * jy, axis=1))

    def update(params):
        grads = jax.grad(loss)(params)
        return [(w - LR * gw, b - LR * gb) for (w, b), (gw, gb) in zip(params, grads)]

    update = jax.jit(update) if jit else update
    return lambda: jax.block_until_ready(update(jp))


# ---------------------------------------------------------------------------------------
# (c) eager per-primitive overhead


def overhead_benchmarks() -> dict:
    x, y = np.ones(10), np.full(10, 2.0)
    return {
        "np.add(x, y)": lambda: np.add(x, y),
        "fnp.add(x, y)": lambda: fnp.add(x, y),
        "fg.lax.add(x, y)": lambda: fg.lax.add(x, y),
        "np.sin(x)": lambda: np.sin(x),
        "fnp.sin(x)": lambda: fnp.sin(x),
        "np.sum(x)": lambda: np.sum(x),
        "fnp.sum(x)": lambda: fnp.sum(x),
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a smoke run)")
    args = parser.parse_args(argv)
    rounds = 20 if args.quick else 300
    chain_times = time_round_robin(chain_benchmarks(), rounds)
    print(blas_threads_line())
    print(format_table("(a) grad of a chain of 100 elementwise ops, 10-element float64 vector",
                       chain_times, "autograd" if "autograd" in chain_times else "fungrad"))
    print()
    mlp_times = time_round_robin(mlp_benchmarks(), max(rounds // 5, 5), budget_s=60)
    print(format_table("(b) MLP 784-512-512-10 training step, batch 128, float32",
                       mlp_times, "numpy (hand backprop)", unit="ms"))
    print()
    ov = time_round_robin(overhead_benchmarks(), rounds * 10)
    print(format_table("(c) eager per-call cost, 10-element float64 arrays (no transform)",
                       ov, "np.add(x, y)"))


if __name__ == "__main__":
    main()
