"""Stateless, splittable pseudo-random numbers with JAX's API: ``key``, ``split``, samplers.

A key is a plain ``uint32`` NumPy array of shape ``(2,)``, so keys are ordinary pytree leaves
and travel through every transform like any other array. Nothing here has hidden state: a
sampler's output depends only on its key and arguments, so the same key always gives the
same numbers, and a key must not be reused for two purposes. Make fresh keys with
``split(key, n)`` or ``fold_in(key, i)``:

>>> k = key(0)
>>> k_init, k_dropout = split(k)
>>> normal(k_init, (3, 4)).shape
(3, 4)

Keys, the Philox stream behind them, and how samplers meet vmap-batched keys live in
``fungrad.random.keys``; this module re-exports ``key``, ``PRNGKey``, ``split`` and
``fold_in`` and holds the basic samplers. The gamma family (``gamma``, ``beta``,
``dirichlet``, ...) lives in ``fungrad.random.gamma_family``, the other continuous
distributions in ``fungrad.random.distributions``, the counts (``poisson``, ``binomial``,
...) in ``fungrad.random.discrete``; all are re-exported here.

Randomness under ``fg.vmap``: keys are ordinary arguments. Pass one key unbatched
(``in_axes=None``) to use the same random numbers for every example, or a batch of keys,
``split(key, n)``, with ``in_axes=0`` to give each example its own draws:

>>> import fungrad as fg
>>> xs = np.zeros((8, 3))
>>> fg.vmap(lambda k, x: x + normal(k, x.shape))(split(key(1), 8), xs).shape
(8, 3)

A sampler that receives a batched key draws once per key of the batch (a loop over keys,
as each key is its own stream) and returns a batched value. Parameters such as ``minval``,
``p`` and ``logits`` may be traced (batched, or differentiated: ``uniform``'s result is
differentiable in ``minval`` and ``maxval``); the noise itself has no derivative. Any other
traced key (one whose value is unknown while tracing) raises an error saying to pass keys
as non-traced arguments or to split them outside the transform.

Eager results are :class:`fungrad.numpy.Array` (NumPy arrays) of fungrad's default dtypes:
float64 unless ``dtype`` asks for float32 or float16, int64 for integers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from fungrad import dtypes
from fungrad import numpy as fnp
from fungrad.array_module import computation_device, is_device_array, to_device, to_host
from fungrad.core import Tracer, concrete_or_none, shape_of
from fungrad.errors import ShapeError
from fungrad.lax.special import erfc
from fungrad.numpy.array_type import as_array_type
from fungrad.random.keys import (
    SAMPLE_DOMAIN,
    U64,
    PRNGKey,
    Shape,
    clone,
    concrete_int,
    fold_in,
    key,
    key_data,
    key_impl,
    per_key,
    philox_words,
    sample_words,
    shape_tuple,
    split,
    wrap_key_data,
)

__all__ = [
    "key", "PRNGKey", "split", "fold_in", "key_data", "wrap_key_data", "key_impl", "clone",
    "bits",
    "uniform", "normal", "bernoulli", "categorical", "randint", "permutation", "choice",
    "truncated_normal", "gumbel", "exponential",
    # fungrad.random.gamma_family
    "gamma", "loggamma", "beta", "dirichlet", "chisquare", "t", "f",
    # fungrad.random.distributions
    "laplace", "logistic", "cauchy", "lognormal", "multivariate_normal", "orthogonal",
    "rademacher", "ball", "generalized_normal", "pareto", "weibull_min", "rayleigh",
    "maxwell", "double_sided_maxwell", "triangular", "wald",
    # fungrad.random.discrete
    "poisson", "binomial", "multinomial", "geometric",
]

DTypeLike = Any

# --- Argument checks and result conversion -----------------------------------------------


def _float_dtype(fn: str, dtype, allow_complex: bool = False) -> np.dtype:
    dt = np.dtype(dtype)
    if dtypes.is_floating(dt) or (allow_complex and dt.kind == "c"):
        return dt
    kinds = "a floating or complex" if allow_complex else "a floating"
    raise TypeError(
        f"{fn}: dtype must be {kinds} dtype (float16, float32, float64), got {dt}. "
        "Use randint for integers and bernoulli for booleans."
    )


def _check_broadcast(fn: str, name: str, arg_shape, shape: tuple[int, ...]) -> None:
    try:
        ok = np.broadcast_shapes(tuple(arg_shape), shape) == shape
    except ValueError:
        ok = False
    if not ok:
        raise ShapeError(
            f"{fn}: {name} of shape {tuple(arg_shape)} does not broadcast to shape {shape}. "
            f"Pass a shape that {name} broadcasts to (trailing axes equal, or 1 in {name})."
        )


def _axis(fn: str, axis: int, ndim: int, name: str = "x") -> int:
    if not -ndim <= axis < ndim:
        raise ValueError(f"{fn}: axis {axis} is out of range for {name} with {ndim} axes.")
    return axis % ndim


def _operand(x, fn: str, name: str):
    """A distribution parameter as an array (tracers and device arrays pass through), or a
    TypeError naming the sampler and the parameter when it is not numeric (a string, None,
    an object)."""
    if isinstance(x, Tracer) or is_device_array(x):
        return x
    value = np.asarray(x)
    if value.dtype.kind not in "biufc" and not dtypes.is_inexact(value.dtype):
        raise TypeError(f"{fn}: {name} must be a number or an array of numbers, got {x!r} "
                        f"(dtype {value.dtype}).")
    return value


def _concrete_array(fn: str, name: str, x, dtype=None) -> np.ndarray:
    value = concrete_or_none(x)
    if value is None:
        raise TypeError(
            f"{fn}: {name} is a traced value ({x.aval.str_short()}); {fn} needs it concrete. "
            f"Pass {name} as a non-traced argument (closed over, or in_axes=None under vmap)."
        )
    return np.asarray(to_host(value), dtype=dtype)


def _sample(fn: str, key, draw: Callable, finish: Callable | None = None, *params, like=()):
    """``finish(xp, draw(k), *params)``: noise from the key, then the parameters applied.

    With concrete parameters the whole sample is computed per key in NumPy (xp = np), so a
    batched key needs no batching rules. Traced parameters are applied after drawing, with
    xp = fungrad.numpy, so transforms follow them. Parameters on a device put the samples
    there; ``like`` names the original parameters of a sampler whose ``draw`` uses host
    copies of them (concrete parameters), for the same placement.
    """
    if finish is None:
        out = _result(per_key(fn, key, draw))
        device = computation_device(like)
        return out if device is None or isinstance(out, Tracer) else to_device(out, device)
    if any(isinstance(p, Tracer) for p in params):
        return _result(finish(fnp, per_key(fn, key, draw), *params))
    device = computation_device(params)
    if device is not None:
        # Parameters on a device: the noise, drawn from the (host) key as on the host, moves
        # to their device and the parameters are applied there, so the samples are the
        # host's samples, made on the parameters' device.
        noise = per_key(fn, key, draw)
        noise = noise if isinstance(noise, Tracer) else to_device(np.asarray(noise), device)
        return finish(fnp, noise, *params)
    return _result(per_key(fn, key, lambda k: finish(np, draw(k), *params)))


def _result(x):
    return x if isinstance(x, Tracer) or is_device_array(x) else as_array_type(np.asarray(x))


# --- From random words to floats ---------------------------------------------------------


def _unit(k: np.ndarray, shape: tuple[int, ...], dtype=np.float64) -> np.ndarray:
    """Uniform floats in [0, 1)."""
    return _unit_from_words(sample_words(k, shape), np.dtype(dtype))


def _unit_from_words(words: np.ndarray, dtype: np.dtype) -> np.ndarray:
    # The top mantissa-many bits of each word, scaled: exact, so never rounds up to 1.
    nbits = np.finfo(dtype).nmant + 1
    return (words >> np.uint64(64 - nbits)).astype(dtype) * dtype.type(2.0**-nbits)


def _open_unit(k: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Uniform float64 in (0, 1), for logarithms: odd multiples of 2**-53."""
    return _open_unit_from_words(sample_words(k, shape))


def _open_unit_from_words(words: np.ndarray) -> np.ndarray:
    odd = (words >> np.uint64(12)) * np.uint64(2) + np.uint64(1)
    return odd.astype(np.float64) * 2.0**-53


def _box_muller(k: np.ndarray, count: int) -> np.ndarray:
    """`count` float64 standard normals; a prefix of a longer draw with the same key."""
    words = philox_words(k, SAMPLE_DOMAIN, 2 * -(-count // 2))
    radius = np.sqrt(-2.0 * np.log(_open_unit_from_words(words[0::2])))
    angle = (2.0 * np.pi) * _unit_from_words(words[1::2], np.dtype(np.float64))
    return np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=-1).ravel()[:count]


# --- Samplers ----------------------------------------------------------------------------


def bits(key: np.ndarray, shape: Shape = (), dtype: DTypeLike = np.uint32) -> np.ndarray:
    """Uniformly random unsigned integers: raw bits.

    Args:
      key: a PRNG key.
      shape: the result's shape.
      dtype: uint8, uint16, uint32 or uint64.

    Returns:
      An array of `shape` and `dtype`.

    Example:
        >>> from fungrad import random
        >>> key = random.key(0)
        >>> b = random.bits(key, (4,))
        >>> b.dtype, b.shape
        (dtype('uint32'), (4,))
    """
    shape, dt = shape_tuple("bits", shape), np.dtype(dtype)
    if dt.kind != "u":
        raise TypeError(f"bits: dtype must be an unsigned integer dtype, got {dt}.")
    shift = np.uint64(64 - 8 * dt.itemsize)
    return _sample("bits", key, lambda k: (sample_words(k, shape) >> shift).astype(dt))


def uniform(key: np.ndarray, shape: Shape = (), dtype: DTypeLike = np.float64,
            minval: Any = 0.0, maxval: Any = 1.0) -> np.ndarray:
    """Uniform floats in ``[minval, maxval)``.

    Args:
      key: a PRNG key.
      shape: the result's shape; `minval` and `maxval` broadcast to it.
      dtype: a floating dtype.
      minval: lower bound (inclusive), scalar or array; may be traced.
      maxval: upper bound (exclusive), scalar or array; may be traced.

    Returns:
      An array of `shape` and `dtype`.

    Example:
        >>> from fungrad import random
        >>> key = random.key(0)
        >>> x = random.uniform(key, (1000,), minval=2.0, maxval=3.0)
        >>> bool(x.min() >= 2), bool(x.max() < 3)
        (True, True)
    """
    fn, shape, dtype = "uniform", shape_tuple("uniform", shape), _float_dtype("uniform", dtype)
    minval, maxval = _operand(minval, "uniform", "minval"), _operand(maxval, "uniform", "maxval")
    _check_broadcast(fn, "minval", shape_of(minval), shape)
    _check_broadcast(fn, "maxval", shape_of(maxval), shape)

    def finish(xp, u, minval, maxval):
        lo, hi = xp.asarray(minval, dtype=dtype), xp.asarray(maxval, dtype=dtype)
        r = u * (hi - lo) + lo
        return xp.where(r < hi, r, lo)  # rounding can reach hi: keep the interval half-open

    return _sample(fn, key, lambda k: _unit(k, shape, dtype), finish, minval, maxval)


def normal(key: np.ndarray, shape: Shape = (), dtype: DTypeLike = np.float64) -> np.ndarray:
    """Standard normal samples (mean 0, variance 1).

    Args:
      key: a PRNG key.
      shape: the result's shape.
      dtype: a floating dtype, or a complex one (real and imaginary parts each have
        variance 1/2).

    Returns:
      An array of `shape` and `dtype`.

    Example:
        >>> from fungrad import random
        >>> key = random.key(0)
        >>> x = random.normal(key, (10000,))
        >>> x.dtype, bool(abs(x.mean()) < 0.05), bool(abs(x.std() - 1) < 0.05)
        (dtype('float64'), True, True)
        >>> random.normal(key, (2,)) == random.normal(key, (2,))
        Array([ True,  True])
    """
    shape, dtype = shape_tuple("normal", shape), _float_dtype("normal", dtype, allow_complex=True)
    n = math.prod(shape)

    def draw(k):
        if dtype.kind == "c":
            z = _box_muller(k, 2 * n) * math.sqrt(0.5)
            return (z[0::2] + 1j * z[1::2]).astype(dtype).reshape(shape)
        return _box_muller(k, n).astype(dtype).reshape(shape)

    return _sample("normal", key, draw)


def gumbel(key: np.ndarray, shape: Shape = (), dtype: DTypeLike = np.float64,
           mode: str | None = None) -> np.ndarray:
    """Standard Gumbel samples, ``-log(-log(U))``.

    Args:
      key: a PRNG key.
      shape: the result's shape.
      dtype: a floating dtype.
      mode: JAX's "low"/"high" choice of bits for the sampler; accepted and checked,
        since fungrad always draws from 53-bit uniforms (JAX's "high" or better).

    Returns:
      An array of `shape` and `dtype`.

    Example:
        >>> import numpy as np
        >>> from fungrad import random
        >>> key = random.key(0)
        >>> x = random.gumbel(key, (10000,))
        >>> bool(abs(x.mean() - np.euler_gamma) < 0.05)
        True
    """
    _check_mode("gumbel", mode)
    shape, dtype = shape_tuple("gumbel", shape), _float_dtype("gumbel", dtype)
    return _sample("gumbel", key, lambda k: _gumbel(k, shape).astype(dtype))


def _check_mode(fn: str, mode) -> None:
    if mode not in (None, "low", "high"):
        raise ValueError(f"{fn}: mode must be None, 'low' or 'high', got {mode!r}.")


def _gumbel(k: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    return -np.log(-np.log(_open_unit(k, shape)))


def exponential(key: np.ndarray, shape: Shape = (), dtype: DTypeLike = np.float64) -> np.ndarray:
    """Standard exponential samples (rate 1).

    Args:
      key: a PRNG key.
      shape: the result's shape.
      dtype: a floating dtype.

    Returns:
      An array of `shape` and `dtype`, all >= 0.

    Example:
        >>> from fungrad import random
        >>> key = random.key(0)
        >>> x = random.exponential(key, (10000,))
        >>> bool(x.min() >= 0), bool(abs(x.mean() - 1) < 0.05)
        (True, True)
    """
    shape, dtype = shape_tuple("exponential", shape), _float_dtype("exponential", dtype)
    draw = lambda k: (-np.log1p(-_unit(k, shape))).astype(dtype)
    return _sample("exponential", key, draw)


def bernoulli(key: np.ndarray, p: Any = 0.5, shape: Shape | None = None,
              mode: str = "low") -> np.ndarray:
    """Random booleans, True with probability `p`.

    Args:
      key: a PRNG key.
      p: the probability of True, scalar or array; may be traced.
      shape: the result's shape; defaults to `p`'s shape, which must broadcast to it.
      mode: JAX's "low"/"high" precision for comparing with `p`; fungrad compares with
        53-bit uniforms in either case.

    Returns:
      A bool array.

    Example:
        >>> from fungrad import random
        >>> key = random.key(0)
        >>> float(random.bernoulli(key, 0.3, (10000,)).mean().round(2))
        0.3
    """
    _check_mode("bernoulli", mode)
    p = _operand(p, "bernoulli", "p")
    shape = shape_of(p) if shape is None else shape_tuple("bernoulli", shape)
    _check_broadcast("bernoulli", "p", shape_of(p), shape)
    return _sample("bernoulli", key, lambda k: _unit(k, shape), lambda xp, u, p: u < p, p)


def categorical(key: np.ndarray, logits: Any, axis: int = -1,  # noqa: PLR0917 (JAX's)
                shape: Shape | None = None, replace: bool = True,
                mode: str | None = None) -> np.ndarray:
    """Sample category indices with probabilities ``softmax(logits, axis)``.

    Args:
      key: a PRNG key.
      logits: unnormalised log-probabilities; may be traced. ``-inf`` never gets sampled.
      axis: the axis of `logits` that holds the categories.
      shape: the result's shape; defaults to `logits`' shape without `axis`, which must
        broadcast to it.
      replace: True samples with replacement (the Gumbel-max trick). False samples without
        replacement (the Gumbel-top-k trick): the leading axes of `shape` before the batch
        shape count the draws, at most the number of categories, as in JAX.
      mode: JAX's "low"/"high" bits for the Gumbel noise; fungrad's is always 53-bit.

    Returns:
      An int64 array of indices along `axis`.

    Example:
        >>> import numpy as np
        >>> from fungrad import random
        >>> key = random.key(0)
        >>> s = random.categorical(key, np.log(np.array([0.2, 0.8])), shape=(10000,))
        >>> np.bincount(s) / 10000 > [0.15, 0.75]
        array([ True,  True])
    """
    fn, logits = "categorical", _operand(logits, "categorical", "logits")
    _check_mode(fn, mode)
    lshape = tuple(shape_of(logits))
    if not lshape:
        raise ShapeError(f"{fn}: logits must have a category axis, got a scalar.")
    axis = _axis(fn, axis, len(lshape), "logits")
    batch = lshape[:axis] + lshape[axis + 1:]
    shape = batch if shape is None else shape_tuple(fn, shape)
    if not replace:
        return _categorical_without_replacement(key, logits, axis, batch, shape)
    _check_broadcast(fn, "logits (without the category axis)", batch, shape)
    # Gumbel-max trick: argmax(logits + Gumbel noise) is a sample of softmax(logits).
    draw = lambda k: _gumbel(k, (*shape, lshape[axis]))
    finish = lambda xp, noise, logits: xp.argmax(noise + xp.moveaxis(logits, axis, -1), axis=-1)
    return _sample(fn, key, draw, finish, logits)


def _categorical_without_replacement(key, logits, axis: int, batch: tuple, shape: tuple):
    """Gumbel-top-k: the k largest of ``logits + Gumbel noise`` are k distinct draws."""
    fn, n = "categorical", shape_of(logits)[axis]
    lead = shape[:len(shape) - len(batch)]
    if len(shape) < len(batch) or shape[len(lead):] != batch:
        raise ShapeError(f"{fn}: with replace=False, shape {shape} must end with the batch "
                         f"shape {batch} (logits without the category axis); the leading "
                         "axes count the draws.")
    k = math.prod(lead)
    if k > n:
        raise ValueError(f"{fn}: cannot draw {k} categories without replacement from {n}; "
                         "pass replace=True or a smaller shape.")

    def finish(xp, noise, logits):
        scores = noise + xp.moveaxis(logits, axis, -1)
        top = xp.argsort(-scores, axis=-1)[..., :k]  # (*batch, k), best first
        return xp.reshape(xp.moveaxis(top, -1, 0), shape)

    return _sample(fn, key, lambda k_: _gumbel(k_, (*batch, n)), finish, logits)


def randint(key: np.ndarray, shape: Shape, minval: Any, maxval: Any,
            dtype: DTypeLike = np.int64) -> np.ndarray:
    """Uniform integers in ``[minval, maxval)``.

    Bounds are clipped to `dtype`'s range; ``maxval = iinfo(dtype).max + 1`` includes the
    largest value. Where ``maxval <= minval`` the result is `minval`. The bias from reducing
    64 random bits modulo the range is below ``range / 2**64``.

    Args:
      key: a PRNG key.
      shape: the result's shape; the bounds broadcast to it.
      minval: lower bound (inclusive), int or integer array.
      maxval: upper bound (exclusive), int or integer array.
      dtype: an integer dtype.

    Returns:
      An array of `shape` and `dtype`.

    Example:
        >>> from fungrad import random
        >>> key = random.key(0)
        >>> x = random.randint(key, (1000,), 3, 7)
        >>> sorted(set(x.tolist()))
        [3, 4, 5, 6]
    """
    fn, shape, dt = "randint", shape_tuple("randint", shape), np.dtype(dtype)
    if dt.kind not in "iu":
        raise TypeError(f"{fn}: dtype must be an integer dtype, got {dt}; use uniform for floats.")
    info = np.iinfo(dt)
    # Python-int arithmetic on the (small) bounds avoids overflow at the dtype's edges.
    lo = _int_bound(fn, "minval", minval, shape, (info.min, info.max))
    hi = _int_bound(fn, "maxval", maxval, shape, (info.min, info.max + 1))
    # Ops on 0-d object arrays return Python ints: re-wrap them to keep object dtype.
    span = np.where(hi > lo, np.asarray(hi - lo, dtype=object), 1)
    full = np.asarray(span == U64, dtype=bool)  # all 2**64 values: each word is a sample
    span_u = np.where(full, 1, span).astype(np.uint64)
    base = np.asarray(lo - info.min, dtype=object).astype(np.uint64)  # fits: lo >= info.min

    def draw(k):
        words = sample_words(k, shape)
        offset = np.where(full, words, words % span_u)
        with np.errstate(over="ignore"):
            return (base + offset + np.uint64(info.min % U64)).astype(dt)

    return _sample(fn, key, draw)


def _int_bound(fn: str, name: str, x, shape: tuple[int, ...], limits: tuple[int, int]):
    """A bound as an object array of Python ints clipped to `limits`."""
    arr = _concrete_array(fn, name, x)
    if arr.dtype.kind not in "iub":
        raise TypeError(f"{fn}: {name} must be an int or an integer array, got dtype {arr.dtype}.")
    _check_broadcast(fn, name, arr.shape, shape)
    return np.asarray(np.clip(arr.astype(object), *limits), dtype=object)


def permutation(key: np.ndarray, x: Any, axis: int = 0, independent: bool = False) -> np.ndarray:
    """A random permutation of ``range(x)``, or `x` shuffled along `axis`.

    Args:
      key: a PRNG key.
      x: an int n (permute ``0..n-1``) or an array, which may be traced.
      axis: the axis of `x` to shuffle.
      independent: shuffle each slice along `axis` independently instead of permuting
        whole slices.

    Returns:
      The permuted int64 indices, or `x` shuffled.

    Example:
        >>> import numpy as np
        >>> from fungrad import random
        >>> key = random.key(0)
        >>> sorted(random.permutation(key, 5).tolist())
        [0, 1, 2, 3, 4]
        >>> random.permutation(key, np.arange(6).reshape(3, 2)).shape
        (3, 2)
    """
    fn = "permutation"
    if isinstance(x, (int, np.integer)) or (not isinstance(x, Tracer) and len(shape_of(x)) == 0):
        n = concrete_int(fn, "x", x)  # wraps a negative x modulo 2**64, so:
        n = 0 if int(x) < 0 else n  # JAX permutes range(x), which is then empty
        return _sample(fn, key, lambda k: _random_order(k, (n,), 0))
    x = _operand(x, "permutation", "x")
    xshape = tuple(shape_of(x))
    axis = _axis(fn, axis, len(xshape))
    if independent:
        draw = lambda k: _random_order(k, xshape, axis)
        return _sample(fn, key, draw, lambda xp, o, x: xp.take_along_axis(x, o, axis=axis), x)
    draw = lambda k: _random_order(k, (xshape[axis],), 0)
    return _sample(fn, key, draw, lambda xp, order, x: xp.take(x, order, axis=axis), x)


def _random_order(k: np.ndarray, shape: tuple[int, ...], axis: int) -> np.ndarray:
    # Sorting by 64-bit random words gives a uniform permutation; ties (probability below
    # n**2 / 2**65) are broken by position, deterministically.
    return np.argsort(sample_words(k, shape), axis=axis, kind="stable")


def choice(key: np.ndarray, a: Any, shape: Shape = (), replace: bool = True,  # noqa: PLR0917
           p: Any = None, axis: int = 0, mode: str | None = None) -> np.ndarray:
    """Random samples from ``range(a)`` or from the slices of an array along `axis`.

    Args:
      key: a PRNG key.
      a: an int n (sample from ``0..n-1``) or an array, which may be traced.
      shape: how many samples, as a shape.
      replace: sample with replacement; without it, ``prod(shape)`` must not exceed n.
      p: optional probabilities of the n entries (concrete; normalised here).
      mode: JAX's "low"/"high" bits for weighted sampling without replacement; fungrad's
        draws always use 53-bit uniforms.
      axis: the axis of `a` to sample along.

    Returns:
      int64 indices of `shape` for an int `a`; for an array, ``take(a, indices, axis)``.

    Example:
        >>> import numpy as np
        >>> from fungrad import random
        >>> key = random.key(0)
        >>> random.choice(key, 5, (3,), replace=False).shape
        (3,)
        >>> set(random.choice(key, np.array([10, 20]), (100,)).tolist()) <= {10, 20}
        True
    """
    _check_mode("choice", mode)
    fn, shape = "choice", shape_tuple("choice", shape)
    is_int = isinstance(a, (int, np.integer)) or (
        not isinstance(a, Tracer) and len(shape_of(a)) == 0)
    if not is_int:
        a = _operand(a, "choice", "a")
        axis = _axis(fn, axis, len(shape_of(a)), "a")
    n = concrete_int(fn, "a", a) if is_int else shape_of(a)[axis]
    count = math.prod(shape)
    if count and is_int and int(a) < 0:  # concrete_int wraps it to a huge population
        raise ValueError(f"{fn}: a={int(a)} is negative; an int a is the population size "
                         f"(samples come from range(a)), so it must be >= 1 to take {count} "
                         "samples. Pass a positive int, or an array to sample from.")
    if count and n == 0:
        raise ValueError(f"{fn}: cannot take {count} samples from an empty population.")
    if not replace and count > n:
        raise ValueError(
            f"{fn}: cannot take {count} samples of shape {shape} without replacement from a "
            f"population of {n}; pass replace=True or a smaller shape."
        )
    probs = None if p is None else _probabilities(fn, p, n)
    draw = lambda k: _choice_indices(k, n, count, replace, probs).reshape(shape)
    if is_int:
        return _sample(fn, key, draw)
    return _sample(fn, key, draw, lambda xp, idx, a: xp.take(a, idx, axis=axis), a)


def _probabilities(fn: str, p, n: int) -> np.ndarray:
    probs = _concrete_array(fn, "p", p, np.float64)
    if probs.shape != (n,):
        raise ShapeError(f"{fn}: p must have shape ({n},), one per entry of a; got {probs.shape}.")
    if (probs < 0).any() or not probs.sum() > 0:
        raise ValueError(f"{fn}: p must be non-negative with a positive sum, got {probs!r:.80}.")
    return probs


def _choice_indices(k, n: int, count: int, replace: bool, p) -> np.ndarray:
    if replace and p is None:
        return (sample_words(k, (count,)) % np.uint64(max(n, 1))).astype(np.int64)
    if replace:
        cdf = np.cumsum(p)
        u = _unit(k, (count,)) * cdf[-1]
        last_positive = np.flatnonzero(p)[-1]  # rounding must not land on a zero-p tail
        return np.minimum(np.searchsorted(cdf, u, side="right"), last_positive)
    if p is None:
        return _random_order(k, (n,), 0)[:count]
    # Gumbel-top-k: the k largest of log p + Gumbel noise are a sample without replacement.
    with np.errstate(divide="ignore"):
        scores = np.log(p) + _gumbel(k, (n,))
    return np.argsort(-scores, kind="stable")[:count]


def truncated_normal(key: np.ndarray, lower: Any, upper: Any, shape: Shape | None = None,
                     dtype: DTypeLike = np.float64) -> np.ndarray:
    """Standard normal samples truncated to the open interval ``(lower, upper)``.

    Samples by inverting the normal CDF, on whichever side of 0 keeps the CDF values small
    and therefore precise, so far tails (``lower=8``) work. The inverse CDF is accurate to
    about 1e-9 relative.

    Args:
      key: a PRNG key.
      lower: lower bound, scalar or array (``-inf`` allowed); concrete.
      upper: upper bound, scalar or array (``inf`` allowed); concrete.
      shape: the result's shape; defaults to the bounds' broadcast shape.
      dtype: a floating dtype.

    Returns:
      An array of `shape` and `dtype` with every value strictly between the bounds.

    Example:
        >>> from fungrad import random
        >>> key = random.key(0)
        >>> x = random.truncated_normal(key, -1.0, 2.0, (1000,))
        >>> bool(x.min() > -1), bool(x.max() < 2)
        (True, True)
    """
    fn, dtype = "truncated_normal", _float_dtype("truncated_normal", dtype)
    like = (lower, upper)
    lo = _concrete_array(fn, "lower", lower, np.float64)
    hi = _concrete_array(fn, "upper", upper, np.float64)
    bounds_shape = np.broadcast_shapes(lo.shape, hi.shape)
    shape = bounds_shape if shape is None else shape_tuple(fn, shape)
    _check_broadcast(fn, "lower", lo.shape, shape)
    _check_broadcast(fn, "upper", hi.shape, shape)
    flip = lo + hi > 0  # sample the mirrored interval in the lower tail, then negate
    a, b = np.where(flip, -hi, lo), np.where(flip, -lo, hi)
    cdf_a, cdf_b = _normal_cdf(a), _normal_cdf(b)
    lo_t, hi_t = lo.astype(dtype), hi.astype(dtype)
    floor = np.nextafter(lo_t, dtype.type(np.inf))
    ceil = np.nextafter(hi_t, dtype.type(-np.inf))

    def draw(k):
        z = _ndtri(cdf_a + _open_unit(k, shape) * (cdf_b - cdf_a))
        # (astype again: NumPy's clip returns float32 for ml_dtypes' bfloat16)
        return np.clip(np.where(flip, -z, z).astype(dtype), floor, ceil).astype(dtype, copy=False)

    return _sample(fn, key, draw, like=like)


def _normal_cdf(x: np.ndarray) -> np.ndarray:
    # erfc rather than 1 + erf keeps the far lower tail (the bounds are concrete arrays).
    return 0.5 * np.asarray(erfc(np.asarray(x, np.float64) * (-1.0 / math.sqrt(2.0))))


# Rational approximations of the inverse normal CDF (P. J. Acklam), relative error < 1.2e-9.
_A = (-3.969683028665376e01, 2.209460984245205e02, -2.759285104469687e02,
      1.383577518672690e02, -3.066479806614716e01, 2.506628277459239e00)
_B = (-5.447609879822406e01, 1.615858368580409e02, -1.556989798598866e02,
      6.680131188771972e01, -1.328068155288572e01, 1.0)
_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e00,
      -2.549732539343734e00, 4.374664141464968e00, 2.938163982698783e00)
_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00,
      3.754408661907416e00, 1.0)
_P_LOW = 0.02425


def _polyval(coefs, x):
    out = np.zeros_like(x)
    for c in coefs:
        out = out * x + c
    return out


def _ndtri(p) -> np.ndarray:
    """The inverse of the standard normal CDF, elementwise, for p in (0, 1)."""
    p = np.asarray(p, dtype=np.float64)
    flat = p.ravel()
    q = flat - 0.5
    out = _polyval(_A, q * q) * q / _polyval(_B, q * q)
    for tail, sign in ((flat < _P_LOW, 1.0), (flat > 1.0 - _P_LOW, -1.0)):
        t = np.sqrt(-2.0 * np.log(flat[tail] if sign > 0 else 1.0 - flat[tail]))
        out[tail] = sign * _polyval(_C, t) / _polyval(_D, t)
    return out.reshape(p.shape)


# doctest.testmod(fungrad.random) finds only functions defined in this module; list the
# re-exported key functions too, so their examples run with the samplers'.
__test__ = {"key": key, "split": split, "fold_in": fold_in, "key_data": key_data}

# The distribution modules build on the helpers above, so they are imported last.
from fungrad.random import lax_rng  # noqa: E402,F401 (lax.rng_bit_generator, random_gamma_grad)
from fungrad.random.discrete import binomial, geometric, multinomial, poisson  # noqa: E402
from fungrad.random.distributions import (  # noqa: E402
    ball,
    cauchy,
    double_sided_maxwell,
    generalized_normal,
    laplace,
    logistic,
    lognormal,
    maxwell,
    multivariate_normal,
    orthogonal,
    pareto,
    rademacher,
    rayleigh,
    triangular,
    wald,
    weibull_min,
)
from fungrad.random.gamma_family import beta, chisquare, dirichlet, f, gamma, loggamma, t  # noqa: E402
