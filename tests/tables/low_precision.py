"""Table rows in bfloat16 and float16: elementwise, reductions, dots, conv, softmax.

Each row draws its arguments in the 16-bit dtype and compares values, JVPs and VJPs with JAX
in that dtype (JAX, like fungrad, accumulates sums and products in float32 and rounds once).
Central differences mean nothing at 8 or 11 bits of mantissa, so ``order=0`` skips
check_grads: the float64 rows of the other tables check the same rules' derivatives.
Tolerances are a few units in the last place of the dtype (bfloat16's is 2**-8, float16's
2**-11), as reductions and transcendental functions may round differently from XLA.
"""

import ml_dtypes
import numpy as np

import fungrad.numpy as fnp
from fungrad import lax as flax
from fungrad import nn
from tests.tables.spec import A, Case, Pos

BF16 = np.dtype(ml_dtypes.bfloat16)
F16 = np.dtype(np.float16)
TOL = {BF16: {"rtol": 3e-2, "atol": 3e-2}, F16: {"rtol": 4e-3, "atol": 4e-3}}
SHORT = {BF16: "bf16", F16: "f16"}
S = (3, 4)
NHWC = ("NHWC", "HWIO", "NHWC")
DOT = (((1,), (0,)), ((), ()))


def _rows(dtype):
    a = lambda *shape, low=-2.0, high=2.0: A(*shape, low=low, high=high, dtype=dtype)  # noqa: E731
    pos = lambda *shape: Pos(*shape, dtype=dtype)  # noqa: E731
    unary = [("sin", a(*S)), ("exp", a(*S)), ("tanh", a(*S)), ("log", pos(*S)),
             ("sqrt", pos(*S)), ("square", a(*S))]
    rows = [Case(f"fnp.{name}", lambda x, name=name: getattr(fnp, name)(x), [arg],
                 jax=lambda jnp, lax, name=name: getattr(jnp, name))
            for name, arg in unary]
    rows += [
        Case("fnp.multiply", fnp.multiply, [a(*S), a(*S)], jax=lambda jnp, lax: jnp.multiply),
        Case("fnp.divide", fnp.divide, [a(*S), pos(*S)], jax=lambda jnp, lax: jnp.divide),
        Case("fnp.add_weak_scalar", lambda x: x * 3.0 + 1, [a(*S)],
             jax=lambda jnp, lax: lambda x: x * 3.0 + 1),
        Case("lax.logistic", flax.logistic, [a(*S)], jax=lambda jnp, lax: lax.logistic),
        # reductions (float32 accumulation, one rounding)
        # JAX's lax.reduce_sum adds 16-bit floats in their own dtype on CPU (jnp.sum upcasts);
        # fungrad's accumulates in float32, so the reference is the upcast sum.
        Case("lax.reduce_sum", lambda x: flax.reduce_sum(x, (0, 1)), [a(16, 32)],
             jax=lambda jnp, lax: lambda x: lax.reduce_sum(
                 x.astype(np.float32), (0, 1)).astype(x.dtype)),
        Case("fnp.sum_axis1", lambda x: fnp.sum(x, axis=1), [a(8, 64)],
             jax=lambda jnp, lax: lambda x: jnp.sum(x, axis=1)),
        Case("fnp.mean", fnp.mean, [a(8, 64)], jax=lambda jnp, lax: jnp.mean),
        Case("fnp.var_axis0", lambda x: fnp.var(x, axis=0), [a(32, 4)],
             jax=lambda jnp, lax: lambda x: jnp.var(x, axis=0)),
        Case("fnp.max_axis1", lambda x: fnp.max(x, axis=1), [a(*S)],
             jax=lambda jnp, lax: lambda x: jnp.max(x, axis=1)),
        Case("fnp.prod_axis1", lambda x: fnp.prod(x, axis=1), [a(*S, low=0.5, high=1.5)],
             jax=lambda jnp, lax: lambda x: jnp.prod(x, axis=1)),
        # jnp.cumsum upcasts its forward pass but its VJP (a reverse cumsum) adds in the
        # 16-bit dtype; fungrad's adds in float32 both ways, as the upcast reference does.
        Case("fnp.cumsum_axis1", lambda x: fnp.cumsum(x, axis=1), [a(4, 64)],
             jax=lambda jnp, lax: lambda x: jnp.cumsum(
                 x.astype(np.float32), axis=1).astype(x.dtype)),
        # products
        Case("fnp.dot", fnp.dot, [a(4, 32), a(32, 3)], jax=lambda jnp, lax: jnp.dot),
        Case("fnp.matmul_batched", fnp.matmul, [a(2, 3, 16), a(2, 16, 4)],
             jax=lambda jnp, lax: jnp.matmul),
        Case("fnp.einsum", lambda x, y: fnp.einsum("ij,kj->ik", x, y), [a(3, 16), a(4, 16)],
             jax=lambda jnp, lax: lambda x, y: jnp.einsum("ij,kj->ik", x, y)),
        Case("lax.dot_general_f32_out",
             lambda x, y: flax.dot_general(x, y, DOT, preferred_element_type=np.float32),
             [a(4, 32), a(32, 3)], jax=lambda jnp, lax: lambda x, y: lax.dot_general(
                 x, y, DOT, preferred_element_type=np.float32)),
        # convolution
        Case("lax.conv_general_dilated",
             lambda x, w: flax.conv_general_dilated(x, w, (1, 1), "SAME"),
             [a(2, 5, 5, 3), a(3, 3, 3, 4)], jax=lambda jnp, lax: lambda x, w: (
                 lax.conv_general_dilated(x, w, (1, 1), "SAME", dimension_numbers=NHWC))),
        # softmax family
        Case("nn.softmax", lambda x: nn.softmax(x, axis=-1), [a(*S)],
             jax=lambda jnp, lax: lambda x: __import__("jax").nn.softmax(x, axis=-1)),
        Case("nn.log_softmax", lambda x: nn.log_softmax(x, axis=-1), [a(*S)],
             jax=lambda jnp, lax: lambda x: __import__("jax").nn.log_softmax(x, axis=-1)),
        Case("nn.logsumexp", lambda x: nn.logsumexp(x, axis=1), [a(*S)],
             jax=lambda jnp, lax: lambda x: __import__("jax").nn.logsumexp(x, axis=1)),
    ]
    for row in rows:
        row.name = f"{SHORT[dtype]}.{row.name}"
        row.order = 0
        row.rtol, row.atol = TOL[dtype]["rtol"], TOL[dtype]["atol"]
        row.tags = (*row.tags, "low_precision")
    return rows


CASES = [*_rows(BF16), *_rows(F16)]
