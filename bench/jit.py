"""jit benchmarks: jitted vs eager on the workloads of ``bench/eager.py``, and call overhead.

Run: ``python bench/jit.py`` (``--quick`` for fewer rounds). Prints medians from one run:

(a) grad of a chain of 100 elementwise ops: ``jit(grad(f))`` vs eager ``grad(f)``;
(b) the MLP 784-512-512-10 training step (batch 128, float32): ``jit(step)`` vs eager;
(c) call overhead of a cached jitted function with one small op (``x + 1.0`` on 10
    elements) vs the eager op. Target: under 20 us.

``jit`` here executes the optimized IR with the primitives' eager impls (kernel lowering is
a later step). Targets: (a) and (b) not slower than eager. JAX's jitted figures are printed
beside them when JAX is installed.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from eager import BATCH, SIZES, chain, fungrad_step, init_mlp, jax_mlp  # noqa: E402
from timing import available, blas_threads_line, format_table, time_round_robin  # noqa: E402

import fungrad as fg  # noqa: E402
import fungrad.numpy as fnp  # noqa: E402


def _jax():
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    return jax, jnp


def chain_benchmarks() -> dict:
    x = np.linspace(0.1, 1.0, 10)
    eager = fg.grad(lambda x: chain(fnp, x))
    jitted = fg.jit(eager)
    np.testing.assert_allclose(jitted(x), eager(x), rtol=1e-12)
    fns = {"fungrad eager": lambda: eager(x), "fungrad jit": lambda: jitted(x)}
    if available("jax"):
        jax, jnp = _jax()
        g = jax.jit(jax.grad(lambda x: chain(jnp, x)))
        xj = jnp.asarray(x)
        fns["jax jit"] = lambda: g(xj).block_until_ready()
    return fns


def mlp_benchmarks() -> dict:
    rng = np.random.default_rng(0)
    params = init_mlp(rng)
    x = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    y = np.eye(SIZES[-1], dtype=np.float32)[rng.integers(0, SIZES[-1], BATCH)]
    jitted = fg.jit(fungrad_step)
    for (w1, _), (w2, _) in zip(jitted(params, x, y), fungrad_step(params, x, y)):
        np.testing.assert_allclose(w1, w2, rtol=1e-5, atol=1e-6)
    fns = {"fungrad eager": lambda: fungrad_step(params, x, y),
           "fungrad jit": lambda: jitted(params, x, y)}
    if available("jax"):
        _jax()  # x64 on, as in the other tables
        fns["jax jit"] = jax_mlp(params, x, y, jit=True)
    return fns


def overhead_benchmarks() -> dict:
    x = np.linspace(0.0, 1.0, 10)
    jitted = fg.jit(lambda x: x + 1.0)
    jitted(x)
    fns = {"numpy x + 1.0": lambda: x + 1.0, "fungrad eager fnp.add": lambda: fnp.add(x, 1.0),
           "fungrad jit (cached)": lambda: jitted(x)}
    if available("jax"):
        jax, jnp = _jax()
        f = jax.jit(lambda x: x + 1.0)
        xj = jnp.asarray(x)
        f(xj)
        fns["jax jit (cached)"] = lambda: f(xj).block_until_ready()
    return fns


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    args = parser.parse_args(argv)
    scale = 0.2 if args.quick else 1.0
    print(blas_threads_line())
    print(format_table("(a) grad of a chain of 100 elementwise ops, 10-element float64",
                       time_round_robin(chain_benchmarks(), int(300 * scale)), "fungrad eager"))
    print()
    print(format_table("(b) MLP 784-512-512-10 training step, batch 128, float32",
                       time_round_robin(mlp_benchmarks(), int(30 * scale), warmup=2),
                       "fungrad eager", unit="ms"))
    print()
    print(format_table("(c) call overhead: one small op (10 float64 elements)",
                       time_round_robin(overhead_benchmarks(), int(3000 * scale)),
                       "fungrad jit (cached)"))


if __name__ == "__main__":
    main()
