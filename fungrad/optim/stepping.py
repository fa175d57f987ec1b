"""Transformations that act across steps or guard them: `apply_every`, `lookahead`,
`zero_nans`, `add_noise`, and `skip_not_finite` (a skip test for `MultiSteps`).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

import fungrad.numpy as fnp
import fungrad.random as frandom
from fungrad.optim.base import GradientTransformation
from fungrad.optim.leafwise import astype_like, increment, map_leaves, scalar_like, step_number
from fungrad.tree_util import tree_flatten, tree_leaves, tree_map

__all__ = [
    "apply_every",
    "ApplyEvery",
    "lookahead",
    "LookaheadState",
    "LookaheadParams",
    "zero_nans",
    "ZeroNansState",
    "add_noise",
    "AddNoiseState",
    "skip_not_finite",
]


def _zero_count():
    return fnp.zeros((), dtype=np.int32)


# --- apply_every ---------------------------------------------------------------------------


class ApplyEvery(NamedTuple):
    """The position in the k-step cycle and the gradient sum so far.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> state = optim.apply_every(k=2).init({'w': np.zeros(2)})
        >>> isinstance(state, optim.ApplyEvery)
        True
        >>> state._fields
        ('count', 'grad_acc')
    """

    count: Any
    grad_acc: Any


def apply_every(k: int = 1) -> GradientTransformation:
    """Sum the updates over k steps; return the sum on every k-th step and zeros otherwise.

    Args:
      k: the cycle length (>= 1).

    Returns:
      A `GradientTransformation` with an `ApplyEvery` state.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> tx = optim.apply_every(k=2)
        >>> params = {'w': np.zeros(2)}
        >>> state = tx.init(params)
        >>> updates, state = tx.update({'w': np.array([1.0, 2.0])}, state, params)
        >>> updates['w'].tolist()
        [0.0, 0.0]
        >>> updates, state = tx.update({'w': np.array([3.0, 4.0])}, state, params)
        >>> updates['w'].tolist()
        [4.0, 6.0]
    """
    if isinstance(k, int | np.integer) and k < 1:
        raise ValueError(f"apply_every: k must be >= 1, got {k}.")
    name = "apply_every"

    def init(params):
        return ApplyEvery(_zero_count(), map_leaves(name, fnp.zeros_like, ("params", params)))

    def update(updates, state, params=None):
        del params
        c = fnp.remainder(state.count, k)
        keep = fnp.not_equal(c, 0)
        emit = fnp.equal(c, k - 1)
        acc = map_leaves(
            name, lambda g, a: astype_like(fnp.where(keep, a, 0.0) + g, a),
            ("updates", updates), ("state.grad_acc", state.grad_acc),
        )
        new = tree_map(lambda a: fnp.where(emit, a, fnp.zeros_like(a)), acc)
        return new, ApplyEvery(fnp.remainder(increment(state.count), k), acc)

    return GradientTransformation(init, update)


# --- lookahead -------------------------------------------------------------------------------


class LookaheadState(NamedTuple):
    """The fast optimizer's state and the steps since the last synchronisation.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> tx = optim.lookahead(optim.sgd(0.1), sync_period=2, slow_step_size=0.5)
        >>> state = tx.init({'w': np.zeros(2)})
        >>> isinstance(state, optim.LookaheadState)
        True
        >>> state._fields
        ('fast_state', 'steps_since_sync')
    """

    fast_state: Any
    steps_since_sync: Any


class LookaheadParams(NamedTuple):
    """The two parameter copies of lookahead: `fast` (trained) and `slow` (the average).

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> p = optim.LookaheadParams.init_synced({'w': np.array([1.0, 2.0])})
        >>> p.fast['w'].tolist(), p.slow['w'].tolist()
        ([1.0, 2.0], [1.0, 2.0])
    """

    fast: Any
    slow: Any

    @classmethod
    def init_synced(cls, params: Any) -> LookaheadParams:
        """Both copies set to `params`."""
        return cls(fast=params, slow=params)


def lookahead(
    fast_optimizer: GradientTransformation,
    sync_period: int,
    slow_step_size: float,
    reset_state: bool = False,
) -> GradientTransformation:
    """Lookahead (Zhang et al., 2019): every `sync_period` steps, pull the slow weights
    towards the fast ones and restart the fast ones from there.

    The params are a `LookaheadParams` (``LookaheadParams.init_synced(params)``); evaluate
    the model at ``params.slow``.

    Args:
      fast_optimizer: the inner optimizer, run on the fast params.
      sync_period: fast steps between synchronisations (>= 1).
      slow_step_size: how far the slow weights move towards the fast ones (in [0, 1]).
      reset_state: re-initialise the fast optimizer's state at each synchronisation.

    Returns:
      A `GradientTransformation` whose updates are `LookaheadParams` too.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> tx = optim.lookahead(optim.sgd(1.0), sync_period=2, slow_step_size=0.5)
        >>> params = optim.LookaheadParams.init_synced({'w': np.array([0.0])})
        >>> state = tx.init(params)
        >>> for _ in range(2):
        ...     updates, state = tx.update({'w': np.array([-1.0])}, state, params)
        ...     params = optim.apply_updates(params, updates)
        ...
        >>> params.fast['w'].tolist(), params.slow['w'].tolist()
        ([1.0], [1.0])
    """
    if sync_period < 1:
        raise ValueError(f"lookahead: sync_period must be >= 1, got {sync_period}.")

    def init(params):
        fast = params.fast if isinstance(params, LookaheadParams) else params
        return LookaheadState(fast_optimizer.init(fast), _zero_count())

    def update(updates, state, params=None):
        if not isinstance(params, LookaheadParams):
            raise TypeError(
                "lookahead: update() needs params as a LookaheadParams(fast, slow), got "
                f"{type(params).__name__}. Start from LookaheadParams.init_synced(params)."
            )
        updates, fast_state = fast_optimizer.update(updates, state.fast_state, params.fast)
        sync = fnp.equal(state.steps_since_sync, sync_period - 1)
        diff = tree_map(lambda f, u, s: f + u - s, params.fast, updates, params.slow)
        slow = tree_map(lambda d: astype_like(fnp.where(sync, slow_step_size * d, 0.0), d), diff)
        fast = tree_map(
            lambda u, d: astype_like(u - fnp.where(sync, (1 - slow_step_size) * d, 0.0), u),
            updates, diff,
        )
        if reset_state:
            fresh = fast_optimizer.init(params.fast)
            fast_state = tree_map(
                lambda cur, new: astype_like(fnp.where(sync, new, cur), cur), fast_state, fresh
            )
        steps = fnp.remainder(increment(state.steps_since_sync), sync_period)
        return LookaheadParams(fast=fast, slow=slow), LookaheadState(fast_state, steps)

    return GradientTransformation(init, update)


# --- zero_nans, add_noise, skip_not_finite ----------------------------------------------------


class ZeroNansState(NamedTuple):
    """Per leaf, whether the last updates held a NaN.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> state = optim.zero_nans().init({'w': np.zeros(2)})
        >>> isinstance(state, optim.ZeroNansState)
        True
        >>> state._fields
        ('found_nan',)
    """

    found_nan: Any


def zero_nans() -> GradientTransformation:
    """Replace NaNs in the updates by zeros, recording per leaf whether there were any.

    Returns:
      A `GradientTransformation` with a `ZeroNansState`.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> tx = optim.zero_nans()
        >>> params = {'w': np.zeros(2)}
        >>> state = tx.init(params)
        >>> updates, state = tx.update({'w': np.array([np.nan, 1.0])}, state, params)
        >>> updates['w'].tolist(), bool(state.found_nan['w'])
        ([0.0, 1.0], True)
    """
    name = "zero_nans"

    def init(params):
        return ZeroNansState(map_leaves(name, lambda p: fnp.asarray(False), ("params", params)))

    def update(updates, state, params=None):
        del params, state
        found = map_leaves(name, lambda g: fnp.any(fnp.isnan(g)), ("updates", updates))
        clean = map_leaves(
            name, lambda g: fnp.where(fnp.isnan(g), fnp.zeros_like(g), g), ("updates", updates)
        )
        return clean, ZeroNansState(found)

    return GradientTransformation(init, update)


class AddNoiseState(NamedTuple):
    """The step count and the PRNG key for the next step's noise.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> state = optim.add_noise(eta=0.01, gamma=0.55, seed=0).init({'w': np.zeros(2)})
        >>> isinstance(state, optim.AddNoiseState)
        True
        >>> state._fields
        ('count', 'rng_key')
    """

    count: Any
    rng_key: Any


def add_noise(eta: float, gamma: float, key: Any = None, *, seed: int | None = None
              ) -> GradientTransformation:
    """Add Gaussian noise of variance ``eta / (t + 1)**gamma`` at step t (Neelakantan et al.).

    Args:
      eta: the initial variance.
      gamma: the variance's decay exponent.
      key: a `fungrad.random` key, or an int seed.
      seed: the older name for an int `key` (give one of the two).

    Returns:
      A `GradientTransformation` with an `AddNoiseState`.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> tx = optim.add_noise(eta=0.01, gamma=0.55, seed=0)
        >>> params = {'w': np.zeros(3)}
        >>> state = tx.init(params)
        >>> updates, state = tx.update({'w': np.ones(3)}, state, params)
        >>> updates['w'].shape, bool(np.all(np.abs(updates['w'] - 1.0) < 1.0))
        ((3,), True)
    """
    if seed is not None:
        if key is not None:
            raise ValueError("add_noise: give key or seed, not both.")
        key = seed
    if key is None:
        raise ValueError("add_noise: needs a key (a fungrad.random key or an int seed), "
                         "e.g. add_noise(0.01, 0.55, key=0).")

    def init(params):
        del params
        k = frandom.key(int(key)) if isinstance(key, int | np.integer) else key
        return AddNoiseState(_zero_count(), k)

    def update(updates, state, params=None):
        del params
        count = increment(state.count)
        std = (eta / step_number(count) ** gamma) ** 0.5
        next_key, sample_key = frandom.split(state.rng_key)
        leaves, treedef = tree_flatten(updates)
        keys = frandom.split(sample_key, max(len(leaves), 1))
        noisy = [
            astype_like(g + scalar_like(std, g) * frandom.normal(k, fnp.shape(g), dtype=g.dtype), g)
            for g, k in zip(leaves, keys, strict=False)
        ]
        return treedef.unflatten(noisy), AddNoiseState(count, next_key)

    return GradientTransformation(init, update)


def skip_not_finite(updates: Any, gradient_step: Any, params: Any) -> tuple[Any, dict]:
    """A `MultiSteps` ``should_skip_update_fn``: skip steps with NaN or inf updates.

    Args:
      updates: the step's updates.
      gradient_step: unused (the signature `MultiSteps` calls).
      params: unused.

    Returns:
      ``(should_skip, {'should_skip': ..., 'num_not_finite': ...})``.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> skip, info = optim.skip_not_finite({'w': np.array([np.inf, 1.0, np.nan])}, 0, None)
        >>> bool(skip), int(info['num_not_finite'])
        (True, 2)
    """
    del gradient_step, params
    count = fnp.asarray(0, dtype=np.int32)
    for leaf in tree_leaves(updates):
        count = count + fnp.asarray(fnp.sum(fnp.logical_not(fnp.isfinite(leaf))), dtype=np.int32)
    should_skip = fnp.greater(count, 0)
    return should_skip, {"should_skip": should_skip, "num_not_finite": count}
