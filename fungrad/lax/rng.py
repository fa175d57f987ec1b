"""Stateful random numbers, as ``jax.lax.rng_uniform``, and JAX's ``RandomAlgorithm``.

``rng_uniform(a, b, shape)`` draws from one process-wide Philox generator (seeded 0 at
import), so every call, eager or inside a jitted program, gives new numbers; the
primitive is *effectful* for the IR passes (never folded, deduplicated or dropped). Prefer
``fungrad.random``'s keyed functions, which are pure. ``lax.rng_bit_generator`` (keyed) and
``lax.random_gamma_grad`` are implemented in ``fungrad.random`` (``fungrad.lax`` exports
them by name).

Unlike JAX's (which has neither), rng_uniform has a JVP, that of ``a + (b - a) * u`` for the
drawn ``u``, and a batching rule (batched bounds draw one value per lane).
"""

from __future__ import annotations

import enum
import threading

import numpy as np

__all__ = ["RandomAlgorithm", "rng_uniform_p", "rng_uniform"]

from fungrad.core import Primitive, ShapedArray, get_aval, shape_of
from fungrad.errors import ShapeError
from fungrad.interpreters.batching import batching_rules, move_axis
from fungrad.interpreters.jvp import defjvp
from fungrad.ir_passes import effectful
from fungrad.lax.elementwise import div, mul, sub
from fungrad.lax.shape_ops import broadcast_in_dim, reshape


class RandomAlgorithm(enum.IntEnum):
    """JAX's names for XLA's bit generators; fungrad's ``rng_bit_generator`` draws from
    its own Philox streams whichever is named.

    Example:
        >>> from fungrad import lax
        >>> lax.RandomAlgorithm.RNG_PHILOX.value
        2
    """

    RNG_DEFAULT = 0
    RNG_THREE_FRY = 1
    RNG_PHILOX = 2


class _State(threading.local):
    def __init__(self):
        self.generator = np.random.Generator(np.random.Philox(0))


_state = _State()
rng_uniform_p = Primitive("rng_uniform")


def _rng_uniform_impl(a, b, *, shape):
    a, b = np.asarray(a), np.asarray(b)
    gen = _state.generator
    if a.dtype.kind in "iu":
        return gen.integers(a, b, size=shape, dtype=a.dtype)
    out = gen.uniform(a, b, size=shape).astype(a.dtype)
    return np.where(out < b, out, a)  # rounding may reach b; [a, b) as documented


def _rng_uniform_abstract_eval(a, b, *, shape):
    if a.dtype != b.dtype:
        raise TypeError(f"lax.rng_uniform: a and b must have the same dtype, got {a.dtype} "
                        f"and {b.dtype}; cast one of them.")
    if a.dtype.kind not in "iuf":
        raise TypeError(f"lax.rng_uniform: a and b must be floats or integers, got {a.dtype}.")
    for name, s in (("a", a.shape), ("b", b.shape)):
        try:
            ok = np.broadcast_shapes(s, shape) == tuple(shape)
        except ValueError:
            ok = False
        if not ok:
            raise ShapeError(f"lax.rng_uniform: {name} of shape {s} does not broadcast to "
                             f"shape={tuple(shape)}; pass scalars.")
    return ShapedArray(tuple(shape), a.dtype)


def _full(x, shape):
    rank = len(shape_of(x))
    return broadcast_in_dim(x, shape, tuple(range(len(shape) - rank, len(shape))))


def _jvp_a(t, ans, a, b, *, shape):
    a, b = _full(a, shape), _full(b, shape)
    return mul(_full(t, shape), div(sub(b, ans), sub(b, a)))


def _jvp_b(t, ans, a, b, *, shape):
    a, b = _full(a, shape), _full(b, shape)
    return mul(_full(t, shape), div(sub(ans, a), sub(b, a)))


def _rng_uniform_batch(vals, dims, *, shape):
    # an unbatched bound broadcasts against (lanes, *shape) as it did against shape
    size = next(shape_of(v)[d] for v, d in zip(vals, dims) if d is not None)
    bounds = []
    for v, d in zip(vals, dims):
        if d is not None:
            v = move_axis(v, d, 0)
            rest = shape_of(v)[1:]
            v = reshape(v, (size, *(1,) * (len(shape) - len(rest)), *rest))
        bounds.append(v)
    return rng_uniform_p.bind(*bounds, shape=(size, *shape)), 0


rng_uniform_p.def_impl(_rng_uniform_impl)
rng_uniform_p.def_abstract_eval(_rng_uniform_abstract_eval)
defjvp(rng_uniform_p, _jvp_a, _jvp_b)
batching_rules[rng_uniform_p] = _rng_uniform_batch
effectful.add(rng_uniform_p)


def rng_uniform(a, b, shape):
    """Stateful uniform numbers in ``[a, b)`` of ``shape`` (JAX's ``lax.rng_uniform``).

    ``a`` and ``b`` are scalars of one float or integer dtype, which the result has. Each
    call draws new numbers from a process-wide generator, also inside ``jit``; use
    ``fungrad.random.uniform`` with a key for reproducible, pure sampling.

    Example:
        >>> import numpy as np
        >>> from fungrad import lax
        >>> u = lax.rng_uniform(np.float64(2.0), np.float64(3.0), (2,))
        >>> bool(((u >= 2.0) & (u < 3.0)).all()), u.shape
        (True, (2,))
    """
    a, b = _scalar(a), _scalar(b)
    if shape_of(a) or shape_of(b):
        raise ShapeError(f"lax.rng_uniform: a and b must be scalars, got shapes "
                         f"{shape_of(a)} and {shape_of(b)}.")
    shape = tuple(int(s) for s in shape)
    _rng_uniform_abstract_eval(get_aval(a), get_aval(b), shape=shape)  # eager calls too
    return rng_uniform_p.bind(a, b, shape=shape)


def _scalar(x):
    return np.asarray(x) if isinstance(x, (bool, int, float)) else x
