"""PRNG keys for ``fungrad.random``: making, checking, splitting and folding them, and the
Philox stream that turns a key into random words.

A key is a plain ``uint32`` NumPy array of shape ``(2,)`` (the seed's high and low words).

Why Philox: it is counter-based, so the stream for a key is a pure function of that key
(no state to carry) and any block of it can be computed directly. A key's two words form
half of a 128-bit Philox key; the other half names a *domain* (sampling, split, fold_in), so
the keys made by ``split`` and ``fold_in`` come from the cipher, never from arithmetic on the
key, and are independent of each other and of the key's own samples.

Samplers draw through :func:`per_key`: on a concrete key it calls the draw once; a traced
key becomes a ``random_draw`` equation, whose batching rule draws once per key of a vmap
batch (each key is its own stream) and which jit stages to draw when the program runs.
The public API is ``fungrad.random``, which re-exports ``key``, ``PRNGKey``, ``split`` and
``fold_in``.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from fungrad import lax
from fungrad.core import Primitive, ShapedArray, Tracer, concrete_or_none
from fungrad.errors import ShapeError
from fungrad.interpreters.batching import batching_rules, move_axis
from fungrad.interpreters.jvp import defjvp_zero

__all__ = ["key", "PRNGKey", "split", "fold_in", "key_data", "wrap_key_data", "key_impl",
           "clone"]

# The name of fungrad's one PRNG implementation, as key_impl returns it (JAX returns its
# implementation's name, e.g. "threefry2x32", for keys of its built-in ones).
IMPL_NAME = "philox"

Shape = int | Sequence[int]

# Philox key word 1: which use of the key a stream serves (ASCII 'bits', 'splt', 'fold').
SAMPLE_DOMAIN, SPLIT_DOMAIN, FOLD_DOMAIN = 0x62697473, 0x73706C74, 0x666F6C64
U64 = 1 << 64

# --- Keys --------------------------------------------------------------------------------


def key(seed: int, *, impl: str | None = None, dtype: Any = None) -> np.ndarray:
    """Make a PRNG key from an integer seed.

    Args:
      seed: an int in ``[-2**63, 2**64)``; negative seeds wrap modulo ``2**64``.
      impl, dtype: JAX's choice of PRNG implementation; fungrad has one, so only None
        (or, for impl, its name ``"philox"``, as :func:`key_impl` returns it) is accepted.

    Returns:
      A ``uint32`` array of shape ``(2,)``: the seed's high and low 32-bit words.

    >>> key(1)
    array([0, 1], dtype=uint32)
    """
    _one_implementation("key", impl, dtype)
    s = concrete_int("key", "seed", seed)
    return np.array([s >> 32, s & 0xFFFFFFFF], dtype=np.uint32)


def PRNGKey(seed: int, *, impl: str | None = None) -> np.ndarray:  # noqa: N802 (JAX's name)
    """JAX's older name for :func:`key` (the same raw ``uint32`` key).

    >>> PRNGKey(1)
    array([0, 1], dtype=uint32)
    """
    _one_implementation("PRNGKey", impl, None)
    return key(seed)


def _one_implementation(fn: str, impl, dtype) -> None:
    for name, value in (("impl", None if impl == IMPL_NAME else impl), ("dtype", dtype)):
        if value is not None:
            raise ValueError(f"random.{fn}: {name}={value!r} is not supported: fungrad has one "
                             "PRNG implementation (counter-based, 64-bit keys); pass "
                             f"{name}=None.")


def concrete_int(fn: str, name: str, value) -> int:
    """`value` as a Python int in [0, 2**64), wrapping negatives; TypeError otherwise."""
    concrete = concrete_or_none(value)
    if concrete is None:
        raise TypeError(
            f"{fn}: {name} is a traced value ({value.aval.str_short()}); it must be a concrete "
            f"int. Compute it outside the transformation, or pass it as a static argument."
        )
    if isinstance(concrete, bool) or not isinstance(concrete, (int, np.integer, np.ndarray)):
        raise TypeError(f"{fn}: {name} must be an int, got {concrete!r:.80}.")
    if isinstance(concrete, np.ndarray) and (concrete.shape or concrete.dtype.kind not in "iu"):
        raise TypeError(f"{fn}: {name} must be an int, got an array {concrete!r:.80}.")
    v = int(concrete)
    if not -(1 << 63) <= v < U64:
        raise ValueError(f"{fn}: {name}={v} is out of range; use an int in [-2**63, 2**64).")
    return v % U64


def check_key(fn: str, k) -> np.ndarray:
    """`k` as a uint32 array of shape (2,), or an error that says how to make one."""
    if isinstance(k, (int, np.integer)):
        raise TypeError(
            f"{fn}: expected a PRNG key, got the integer {k!r}. Make a key with "
            f"fungrad.random.key({k!r}) and pass that."
        )
    arr = np.asarray(k)
    if arr.dtype == np.uint32 and arr.shape == (2,):
        return arr
    if arr.dtype == np.uint32 and arr.ndim >= 2 and arr.shape[-1] == 2:
        raise ShapeError(
            f"{fn}: expected a single key of shape (2,), got a batch of keys of shape "
            f"{arr.shape}. Sample with each key under vmap, e.g. "
            f"fg.vmap(lambda k: {fn}(k, ...))(keys), or pick one key."
        )
    raise TypeError(
        f"{fn}: expected a PRNG key (uint32 array of shape (2,), made by fungrad.random.key "
        f"or split), got a {arr.dtype} array of shape {arr.shape}."
    )


def _key_word(k: np.ndarray) -> int:
    return (int(k[0]) << 32) | int(k[1])


def _words_to_keys(words: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    keys = np.stack([words >> np.uint64(32), words & np.uint64(0xFFFFFFFF)], axis=-1)
    return keys.astype(np.uint32).reshape(*shape, 2)


# --- The Philox stream -------------------------------------------------------------------


class _ThreadGenerator(threading.local):
    # Constructing a Philox object costs ~90us, resetting one's state ~15us; one per
    # thread keeps the reset safe when threads sample concurrently.
    def __init__(self):
        self.bitgen = np.random.Philox(0)


_generator = _ThreadGenerator()


def philox_words(k: np.ndarray, domain: int, count: int, counter: int = 0) -> np.ndarray:
    """`count` uint64 words of the Philox stream of (key, domain), from block `counter`."""
    bitgen = _generator.bitgen
    counter_words = np.array([counter, 0, 0, 0], dtype=np.uint64)
    key_words = np.array([_key_word(k), domain], dtype=np.uint64)
    bitgen.state = {  # buffer_pos=4: the buffer is empty, so generation starts afresh
        "bit_generator": "Philox", "state": {"counter": counter_words, "key": key_words},
        "buffer": np.zeros(4, dtype=np.uint64), "buffer_pos": 4, "has_uint32": 0, "uinteger": 0,
    }
    return bitgen.random_raw(count)


def sample_words(k: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Random uint64 words of `shape`: the key's sampling stream."""
    return philox_words(k, SAMPLE_DOMAIN, math.prod(shape)).reshape(shape)


# --- Keys under transforms ---------------------------------------------------------------


def per_key(fn: str, k, draw: Callable[[np.ndarray], Any]):
    """``draw(k)`` on a concrete key; a traced key goes through the ``random_draw`` primitive.

    There is one dispatch path for traced keys: the primitive's batching rule draws once per
    key of a vmap batch, jit stages it (the draw happens when the program runs), and its
    JVP is zero.
    """
    if isinstance(k, Tracer):
        check_key(fn, np.empty(k.aval.shape, k.aval.dtype))  # the per-example key's type
        return random_draw_p.bind(k, draw=_Draw(fn, draw))
    return draw(check_key(fn, k))


class _Draw:
    """A sampler's ``draw(key)`` as a primitive parameter, applied to every key of a batch
    (the keys' leading axes); hashable by identity of the sampler function."""

    def __init__(self, fn: str, draw: Callable, batch_ndim: int = 0, width: int = 2):
        # width: uint32 words per operand row: 2 for a key, 4 for fold_in's (key, data)
        self.fn, self.draw, self.batch_ndim, self.width = fn, draw, batch_ndim, width
        self.__name__ = fn

    def _checked(self, row: np.ndarray) -> np.ndarray:
        return check_key(self.fn, row) if self.width == 2 else row

    def __call__(self, keys: np.ndarray):
        if self.batch_ndim == 0:
            return np.asarray(self.draw(self._checked(keys)))
        sizes = keys.shape[: self.batch_ndim]
        rows = [np.asarray(self.draw(self._checked(row)))
                for row in keys.reshape(-1, self.width)]
        if not rows:  # an empty batch: draw once for the sample's shape and dtype
            sample = np.asarray(self.draw(np.zeros(self.width, np.uint32)))
            return np.empty((*sizes, *sample.shape), sample.dtype)
        return np.stack(rows).reshape(*sizes, *rows[0].shape)

    def __eq__(self, other):
        return (isinstance(other, _Draw) and self.draw is other.draw
                and (self.batch_ndim, self.width) == (other.batch_ndim, other.width))

    def __hash__(self):
        return hash((id(self.draw), self.batch_ndim, self.width))


random_draw_p = Primitive("random_draw")
random_draw_p.def_impl(lambda keys, *, draw: draw(keys))


def _random_draw_abstract_eval(keys, *, draw):
    sample = draw(np.zeros(keys.shape, np.uint32))  # drawn once at trace time for its type
    return ShapedArray(sample.shape, sample.dtype)


def _random_draw_batch(vals, dims, *, draw):
    keys = move_axis(vals[0], dims[0], 0)
    batched = _Draw(draw.fn, draw.draw, draw.batch_ndim + 1, draw.width)
    return random_draw_p.bind(keys, draw=batched), 0


random_draw_p.def_abstract_eval(_random_draw_abstract_eval)
defjvp_zero(random_draw_p)
batching_rules[random_draw_p] = _random_draw_batch


def split(key: np.ndarray, num: Shape = 2) -> np.ndarray:
    """Split a key into `num` new, independent keys.

    Args:
      key: a PRNG key; do not use it again after splitting it.
      num: how many keys to make, or a shape of keys.

    Returns:
      A uint32 array of shape ``(num, 2)`` (``(*num, 2)`` for a shape): one key per row.

    Example:
        >>> from fungrad import random
        >>> key = random.key(0)
        >>> k1, k2 = random.split(key)
        >>> random.split(key, 4).shape == (4,) + key.shape
        True
        >>> bool(random.normal(k1) != random.normal(k2))
        True
    """
    shape = shape_tuple("split", num, "num")
    count = math.prod(shape)
    return per_key(
        "split", key, lambda k: _words_to_keys(philox_words(k, SPLIT_DOMAIN, count), shape)
    )


def fold_in(key: np.ndarray, data: int) -> np.ndarray:
    """Derive a new key from `key` and an integer, e.g. a step number or a layer index.

    Args:
      key: a PRNG key.
      data: an int, or a traced integer scalar (a loop index under ``jit``, a ``vmap``-ed
        step); different values give independent keys, the same ones a concrete int gives.

    Returns:
      A new key, shape ``(2,)``.

    Example:
        >>> from fungrad import random
        >>> key = random.key(0)
        >>> k1, k2 = random.fold_in(key, 1), random.fold_in(key, 2)
        >>> bool((random.normal(k1) != random.normal(k2)))
        True
        >>> bool(random.normal(random.fold_in(key, 1)) == random.normal(k1))
        True
    """
    if isinstance(data, Tracer):
        return _fold_in_traced(key, data)
    d = concrete_int("fold_in", "data", data)
    return per_key("fold_in", key, lambda k: _fold(k, d))


def _fold(k: np.ndarray, d: int) -> np.ndarray:
    return _words_to_keys(philox_words(k, FOLD_DOMAIN, 1, counter=d), ())


def _fold_packed(row: np.ndarray) -> np.ndarray:
    """fold_in of a packed ``(key word 0, key word 1, data high, data low)`` row."""
    return _fold(check_key("fold_in", row[:2]), (int(row[2]) << 32) | int(row[3]))


def _fold_in_traced(key, data: Tracer):
    """A traced ``data`` joins the key as two more uint32 words (its value mod 2**64), and
    the packed row goes through ``random_draw`` like a traced key."""
    aval = data.aval
    if aval.shape != () or aval.dtype.kind not in "iu":
        raise TypeError(f"fold_in: data must be an integer scalar, got a traced "
                        f"{aval.str_short()}.")
    if isinstance(key, Tracer):
        check_key("fold_in", np.empty(key.aval.shape, key.aval.dtype))
    else:
        key = check_key("fold_in", key)
    wide = lax.convert_element_type(data, np.uint64)  # negatives wrap modulo 2**64
    words = [lax.convert_element_type(lax.shift_right_logical(wide, np.uint64(32)), np.uint32),
             lax.convert_element_type(wide, np.uint32)]  # the low word: truncation
    packed = lax.concatenate([lax.convert_element_type(key, np.uint32),
                              lax.broadcast_in_dim(words[0], (1,), ()),
                              lax.broadcast_in_dim(words[1], (1,), ())], 0)
    return random_draw_p.bind(packed, draw=_Draw("fold_in", _fold_packed, width=4))


def _check_key_words(fn: str, name: str, keys) -> None:
    shape, dtype = (keys.aval.shape, keys.aval.dtype) if isinstance(keys, Tracer) else (
        np.shape(keys), np.asarray(keys).dtype)
    if np.dtype(dtype) != np.uint32 or len(shape) < 1 or shape[-1] != 2:
        raise TypeError(
            f"{fn}: {name} must be a uint32 array of shape (..., 2), one key per row (as made "
            f"by fungrad.random.key or split), got a {np.dtype(dtype)} array of shape "
            f"{tuple(shape)}."
        )


def key_data(keys: Any) -> np.ndarray:
    """The raw ``uint32`` words of a key or a batch of keys.

    fungrad keys already are their words (shape ``(..., 2)``), so this checks `keys` and
    returns them unchanged; it exists so that code written for JAX's typed keys runs.

    >>> key_data(key(7)).tolist()
    [0, 7]
    """
    _check_key_words("key_data", "keys", keys)
    return keys if isinstance(keys, Tracer) else np.asarray(keys)


def wrap_key_data(key_bits_array: Any, *, impl: Any = None, dtype: Any = None) -> np.ndarray:
    """Keys from raw ``uint32`` words, the inverse of :func:`key_data`.

    Args:
      key_bits_array: a uint32 array of shape ``(..., 2)``.
      impl: must be None or ``"philox"``: fungrad has one PRNG implementation.
      dtype: must be None (fungrad has no typed key dtypes).

    Returns:
      The keys, a uint32 array of the same shape.

    Example:
        >>> from fungrad import random
        >>> key = random.key(0)
        >>> same = random.wrap_key_data(random.key_data(key))
        >>> bool(random.normal(same) == random.normal(key))
        True
    """
    if impl not in (None, IMPL_NAME) or dtype is not None:
        raise ValueError(
            "wrap_key_data: fungrad keys are Philox uint32 word pairs; pass impl=None and "
            f"dtype=None (got impl={impl!r}, dtype={dtype!r})."
        )
    _check_key_words("wrap_key_data", "key_bits_array", key_bits_array)
    if isinstance(key_bits_array, Tracer):
        return key_bits_array
    return np.array(key_bits_array, dtype=np.uint32)


def key_impl(keys: Any) -> str:
    """The name of the PRNG implementation behind a key or a batch of keys: ``"philox"``.

    fungrad has one implementation, so this checks `keys` and names it; the name is
    accepted back as ``impl=`` by :func:`key`, :func:`PRNGKey` and :func:`wrap_key_data`.

    Example:
        >>> from fungrad import random
        >>> random.key_impl(random.key(0))
        'philox'
        >>> random.key(1, impl=random.key_impl(random.split(random.key(0), 3))).tolist()
        [0, 1]
    """
    _check_key_words("key_impl", "keys", keys)
    return IMPL_NAME


def clone(key: Any) -> Any:
    """A copy of a key or a batch of keys (JAX's ``clone``, for keys that are donated).

    fungrad keys are plain arrays, so the copy is a new array of the same words (a traced
    key is returned as it is); it gives the same random numbers as `key`.

    Example:
        >>> from fungrad import random
        >>> k = random.key(0)
        >>> bool(random.normal(random.clone(k)) == random.normal(k))
        True
    """
    _check_key_words("clone", "key", key)
    return key if isinstance(key, Tracer) else np.array(key, dtype=np.uint32)


# --- Argument checks shared with the samplers --------------------------------------------


def shape_tuple(fn: str, shape, name: str = "shape") -> tuple[int, ...]:
    """`shape` (an int or a sequence of ints) as a tuple; errors name `fn` and `name`."""
    dims = (shape,) if isinstance(shape, (int, np.integer)) else shape
    try:
        dims = tuple(dims)
    except TypeError:
        dims = None
    if dims is None or not all(isinstance(d, (int, np.integer)) for d in dims):
        raise TypeError(f"{fn}: {name} must be an int or a tuple of ints, got {shape!r}.")
    if any(d < 0 for d in dims):
        raise ValueError(f"{fn}: {name}={shape!r} has a negative dimension.")
    return tuple(int(d) for d in dims)
