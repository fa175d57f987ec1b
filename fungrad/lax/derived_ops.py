"""lax functions composed of primitives: rsqrt, square, reciprocal, clamp, select,
full_like and batch_matmul; and optimization_barrier, which binds none.

They have no primitives of their own, so their derivatives, batching and lowering come from
the primitives they bind (``clamp`` is ``min(max(x, lo), hi)``: at a bound the tangent is
shared evenly, as ``lax.max`` does at ties).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "rsqrt",
    "square",
    "reciprocal",
    "clamp",
    "select",
    "full_like",
    "batch_matmul",
    "optimization_barrier",
]

from fungrad.array_module import constant_like
from fungrad.core import get_aval, shape_of
from fungrad.errors import ShapeError
from fungrad.lax.comparison import select_n
from fungrad.lax.creation import full
from fungrad.lax.dot import dot_general
from fungrad.lax.elementwise import div, max, min, mul, sqrt  # noqa: A004 (lax's names)


def _one(x):
    return get_aval(x).dtype.type(1)


def rsqrt(x, *, accuracy=None):
    """Return ``1 / sqrt(x)`` elementwise (``accuracy`` is accepted and ignored).

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.rsqrt(np.array([4.0, 16.0]))
        array([0.5 , 0.25])
    """
    del accuracy
    return div(_one(x), sqrt(x))


def square(x):
    """Return ``x * x`` elementwise.

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> from fungrad import lax
        >>> lax.square(np.array([2.0, -3.0]))
        array([4., 9.])
        >>> fg.grad(lax.square)(3.0)
        Array(6.)
    """
    return mul(x, x)


def reciprocal(x):
    """Return ``1 / x`` elementwise.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.reciprocal(np.array([2.0, 4.0]))
        array([0.5 , 0.25])
    """
    return div(_one(x), x)


def clamp(min, x, max):  # noqa: A002 (lax's names)
    """Clip ``x`` to ``[min, max]`` elementwise; ``min``/``max`` may be rank 0.

    Example:
        >>> import numpy as np
        >>> clamp(0.0, np.array([-1.0, 0.5, 2.0]), 1.0)
        array([0. , 0.5, 1. ])
    """
    for name, bound in (("min", min), ("max", max)):
        if shape_of(bound) not in ((), shape_of(x)):
            raise ShapeError(f"lax.clamp: {name} has shape {shape_of(bound)} but x has shape "
                             f"{shape_of(x)}; pass a rank-0 bound or one of x's shape.")
    return _min(_max(x, min), max)


_max, _min = max, min  # clamp's parameters shadow the lax functions' names


def select(pred, on_true, on_false):
    """Elementwise ``on_true`` where ``pred`` holds, else ``on_false`` (a boolean ``pred``).

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.select(np.array([True, False]), np.array([1.0, 2.0]), np.array([10.0, 20.0]))
        array([ 1., 20.])
    """
    return select_n(pred, on_false, on_true)


def full_like(x, fill_value, dtype=None, shape=None, sharding=None):
    """An array of ``x``'s shape and dtype (or ``shape``/``dtype``) filled with ``fill_value``.

    ``sharding`` is accepted for JAX compatibility and must be None.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.full_like(np.zeros((2, 2), np.float32), 3.0)
        array([[3., 3.],
               [3., 3.]], dtype=float32)
    """
    if sharding is not None:
        raise NotImplementedError("lax.full_like: sharding is not supported; pass None.")
    aval = get_aval(x)
    out = full(aval.shape if shape is None else shape, fill_value,
               np.dtype(aval.dtype if dtype is None else dtype))
    return constant_like(out, x)  # on x's device, as JAX's full_like


def batch_matmul(lhs, rhs, precision=None):
    """Batched matrix product of rank ``k >= 2`` operands with equal leading (batch) axes.

    Example:
        >>> batch_matmul(np.ones((5, 2, 3)), np.ones((5, 3, 4))).shape
        (5, 2, 4)
    """
    ls, rs = shape_of(lhs), shape_of(rhs)
    if len(ls) != len(rs) or len(ls) < 2 or ls[:-2] != rs[:-2] or ls[-1] != rs[-2]:
        raise ShapeError(
            f"lax.batch_matmul: shapes {ls} and {rs} do not form a batched matrix product; "
            "they need equal ranks >= 2, equal batch axes (all but the last two) and "
            "lhs.shape[-1] == rhs.shape[-2].")
    n = len(ls)
    batch = tuple(range(n - 2))
    return dot_general(lhs, rhs, (((n - 1,), (n - 2,)), (batch, batch)), precision)


def optimization_barrier(operand, /):
    """Return ``operand`` (any pytree) unchanged: JAX's barrier against moving computation
    across it.

    In JAX it stops XLA from scheduling work across the barrier (to bound memory, or to
    keep a rematerialisation). fungrad's jit passes never move a computation past the point
    where its value is used, so there is nothing to stop: the values pass through, under
    jit, grad and vmap alike.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> lax.optimization_barrier((np.ones(2), {"a": 1.0}))
        (array([1., 1.]), {'a': 1.0})
    """
    return operand
