"""More moment-based building blocks: Lion, RAdam, AMSGrad, AdaBelief, Adamax, Adafactor.

Each is optax's block of the same name and arguments. The moment updates are written as
in `transforms` (``decay * m + (1 - decay) * g``) leafwise with fungrad.numpy, so the
blocks run eagerly, under grad and under vmap alike. Adam's state and the leafwise moment
step (`map_moments`) live here, and `transforms` imports them: this module imports nothing
from `transforms`, which re-exports it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

import fungrad.numpy as fnp
from fungrad.optim.base import GradientTransformation, init_empty_state
from fungrad.optim.leafwise import (
    astype_like,
    increment,
    map_leaves,
    scalar_like,
    step_number,
    structure_error,
    weak_scalar,
    zeros_tree,
)
from fungrad.tree_util import tree_flatten

__all__ = [
    "ScaleByAdamState",
    "scale_by_lion",
    "ScaleByLionState",
    "scale_by_radam",
    "scale_by_amsgrad",
    "ScaleByAmsgradState",
    "scale_by_belief",
    "ScaleByBeliefState",
    "scale_by_adamax",
    "scale_by_factored_rms",
    "FactoredState",
    "scale_by_param_block_rms",
    "clip_by_block_rms",
    "ema",
    "EmaState",
]


class ScaleByAdamState(NamedTuple):
    """Adam's step count and first (`mu`) and second (`nu`) moment estimates.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> state = optim.scale_by_adam().init({'w': np.zeros(2)})
        >>> isinstance(state, optim.ScaleByAdamState)
        True
        >>> state._fields
        ('count', 'mu', 'nu')
    """

    count: Any
    mu: Any
    nu: Any


def map_moments(name: str, step: Callable, updates, state, count, state_type: type):
    """One Adam-style step over the leaves: ``step(g, mu, nu) -> (update, mu, nu)`` applied to
    ``updates`` and ``state.mu``/``state.nu``; returns ``(updates, state_type(count, mu, nu))``."""
    new, mu, nu = map_leaves(
        name, step, ("updates", updates), ("state.mu", state.mu), ("state.nu", state.nu),
        n_outputs=3,
    )
    return new, state_type(count=count, mu=mu, nu=nu)


def _zero_count():
    return fnp.zeros((), dtype=np.int32)


def moment(g: Any, m: Any, decay: Any, order: int = 1) -> Any:
    """``decay * m + (1 - decay) * g**order``, cast to `m`'s dtype."""
    power = g if order == 1 else fnp.square(g)
    out = fnp.multiply(scalar_like(decay, m), m)
    out = out + fnp.multiply(scalar_like(1 - decay, power), power)
    return astype_like(out, m)


def debiased(m: Any, decay: Any, t: Any) -> Any:
    """The bias-corrected moment ``m / (1 - decay**t)``."""
    return fnp.divide(m, scalar_like(1 - decay**t, m))


def _check_mode(name: str, mode: str) -> None:
    if mode not in ("hard", "smooth", "refined"):
        raise ValueError(
            f"{name}: mode must be 'hard', 'smooth' or 'refined', got {mode!r}."
        )


# --- Lion ---------------------------------------------------------------------------------


class ScaleByLionState(NamedTuple):
    """Lion's step count and momentum.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> state = optim.scale_by_lion().init({'w': np.zeros(2)})
        >>> isinstance(state, optim.ScaleByLionState)
        True
        >>> state._fields
        ('count', 'mu')
    """

    count: Any
    mu: Any


def scale_by_lion(
    b1: float = 0.9,
    b2: float = 0.99,
    mu_dtype: Any = None,
    *,
    mode: str = "hard",
    smooth_beta: float = 1.0,
) -> GradientTransformation:
    """Lion (Chen et al., 2023): the sign of an interpolation of gradient and momentum.

    Args:
      b1: weight of the momentum in the interpolation that gives the update.
      b2: decay rate of the momentum.
      mu_dtype: the momentum's dtype (None: the params' dtype).
      mode: 'hard' (sign), 'smooth' (``tanh(smooth_beta * x)``) or 'refined' (`x`
        inside [-1, 1], its sign outside).
      smooth_beta: the tanh slope for ``mode='smooth'``.

    Returns:
      A `GradientTransformation` with a `ScaleByLionState`.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> tx = optim.scale_by_lion()
        >>> params = {'w': np.array([1.0, -1.0])}
        >>> state = tx.init(params)
        >>> updates, state = tx.update({'w': np.array([0.5, -2.0])}, state, params)
        >>> np.round(updates['w'], 6).tolist()
        [1.0, -1.0]
    """
    name = "scale_by_lion"
    _check_mode(name, mode)
    b1, b2 = weak_scalar(b1), weak_scalar(b2)

    def init(params):
        return ScaleByLionState(count=_zero_count(), mu=zeros_tree(name, params, mu_dtype))

    def direction(g, m):
        x = fnp.multiply(1 - b1, g) + fnp.multiply(b1, m)
        if mode == "hard":
            return astype_like(fnp.sign(x), g)
        if mode == "smooth":
            return astype_like(fnp.tanh(smooth_beta * x), g)
        return astype_like(fnp.where(fnp.abs(x) < 1.0, x, fnp.sign(x)), g)

    def update(updates, state, params=None):
        del params
        new, mu = map_leaves(
            name, lambda g, m: (direction(g, m), moment(g, m, b2)),
            ("updates", updates), ("state.mu", state.mu), n_outputs=2,
        )
        return new, ScaleByLionState(count=increment(state.count), mu=mu)

    return GradientTransformation(init, update)


# --- RAdam --------------------------------------------------------------------------------


def _nesterov_mean(g, m, b1, t):
    """NAdam's look-ahead mean: ``b1 * m / (1 - b1**(t+1)) + (1 - b1) * g / (1 - b1**t)``."""
    return fnp.multiply(b1, debiased(m, b1, t + 1)) + fnp.multiply(1 - b1, debiased(g, b1, t))


def scale_by_radam(
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
    eps_root: float = 0.0,
    threshold: float = 5.0,
    *,
    nesterov: bool = False,
) -> GradientTransformation:
    """Rectified Adam (Liu et al., 2020): Adam once the variance estimate is reliable.

    While the approximate length of the second moment's average (``rho``) is below
    `threshold`, the update is the bias-corrected first moment (momentum SGD); from then
    on, Adam's step times the variance rectification ``r``.

    Args:
      b1, b2, eps, eps_root, nesterov: as in `scale_by_adam`.
      threshold: the ``rho`` from which the adaptive step is used.

    Returns:
      A `GradientTransformation` with a `ScaleByAdamState`.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> tx = optim.scale_by_radam()
        >>> params = {'w': np.array([1.0, -1.0])}
        >>> state = tx.init(params)
        >>> updates, state = tx.update({'w': np.array([0.5, -2.0])}, state, params)
        >>> np.round(updates['w'], 6).tolist()
        [0.5, -2.0]
    """
    name = "scale_by_radam"
    b1, b2, eps, eps_root, threshold = (
        weak_scalar(x) for x in (b1, b2, eps, eps_root, threshold)
    )
    rho_inf = 2.0 / (1.0 - b2) - 1.0

    def init(params):
        return ScaleByAdamState(
            count=_zero_count(), mu=zeros_tree(name, params), nu=zeros_tree(name, params)
        )

    def update(updates, state, params=None):
        del params
        count = increment(state.count)
        t = step_number(count)
        b2t = b2**t
        rho = rho_inf - 2 * t * b2t / (1 - b2t)
        concrete = isinstance(rho, float) and isinstance(threshold, int | float)
        known = rho >= threshold if concrete else None
        if known is not False:
            r2 = (rho - 4.0) * (rho - 2.0) * rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho)
            # r2 < 0 (rho < 4) gives NaN steps, as in optax: keep threshold >= 4.
            r = (math.sqrt(r2) if r2 >= 0 else math.nan) if known else fnp.sqrt(r2)

        def step(g, m, v):
            m, v = moment(g, m, b1), moment(g, v, b2, 2)
            m_hat = _nesterov_mean(g, m, b1, t) if nesterov else debiased(m, b1, t)
            if known is False:  # momentum SGD steps: no adaptive denominator to compute
                return astype_like(m_hat, g), m, v
            den = fnp.sqrt(debiased(v, b2, t) + eps_root) + eps
            adaptive = fnp.multiply(scalar_like(r, m_hat), m_hat) / den
            if known:
                return astype_like(adaptive, g), m, v
            return astype_like(fnp.where(rho >= threshold, adaptive, m_hat), g), m, v

        return map_moments(name, step, updates, state, count, ScaleByAdamState)

    return GradientTransformation(init, update)


# --- AMSGrad ------------------------------------------------------------------------------


class ScaleByAmsgradState(NamedTuple):
    """AMSGrad's count, moments, and the running maximum of the second moment.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> state = optim.scale_by_amsgrad().init({'w': np.zeros(2)})
        >>> isinstance(state, optim.ScaleByAmsgradState)
        True
        >>> state._fields
        ('count', 'mu', 'nu', 'nu_max')
    """

    count: Any
    mu: Any
    nu: Any
    nu_max: Any


def scale_by_amsgrad(  # noqa: PLR0917 (optax's signature)
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
    eps_root: float = 0.0,
    mu_dtype: Any = None,
    bias_correction_mu: bool = True,
    bias_correction_nu: bool = True,
) -> GradientTransformation:
    """AMSGrad (Reddi et al., 2018): Adam with the running maximum of the second moment.

    Args:
      b1, b2, eps, eps_root: as in `scale_by_adam`.
      mu_dtype: the first moment's dtype (None: the params' dtype).
      bias_correction_mu: bias-correct the first moment.
      bias_correction_nu: bias-correct the second moment before taking the maximum.

    Returns:
      A `GradientTransformation` with a `ScaleByAmsgradState`.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> tx = optim.scale_by_amsgrad()
        >>> params = {'w': np.array([1.0, -1.0])}
        >>> state = tx.init(params)
        >>> updates, state = tx.update({'w': np.array([0.5, -2.0])}, state, params)
        >>> np.round(updates['w'], 6).tolist()
        [1.0, -1.0]
    """
    name = "scale_by_amsgrad"
    b1, b2, eps, eps_root = (weak_scalar(x) for x in (b1, b2, eps, eps_root))

    def init(params):
        return ScaleByAmsgradState(
            count=_zero_count(), mu=zeros_tree(name, params, mu_dtype),
            nu=zeros_tree(name, params), nu_max=zeros_tree(name, params),
        )

    def update(updates, state, params=None):
        del params
        count = increment(state.count)
        t = step_number(count)

        def step(g, m, v, v_max):
            m, v = moment(g, m, b1), moment(g, v, b2, 2)
            m_hat = debiased(m, b1, t) if bias_correction_mu else m
            v_eff = debiased(v, b2, t) if bias_correction_nu else v
            v_max = fnp.maximum(v_max, v_eff)
            return astype_like(m_hat / (fnp.sqrt(v_max + eps_root) + eps), g), m, v, v_max

        new, mu, nu, nu_max = map_leaves(
            name, step, ("updates", updates), ("state.mu", state.mu), ("state.nu", state.nu),
            ("state.nu_max", state.nu_max), n_outputs=4,
        )
        return new, ScaleByAmsgradState(count=count, mu=mu, nu=nu, nu_max=nu_max)

    return GradientTransformation(init, update)


# --- AdaBelief -----------------------------------------------------------------------------


class ScaleByBeliefState(NamedTuple):
    """AdaBelief's count, first moment and second central moment.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> state = optim.scale_by_belief().init({'w': np.zeros(2)})
        >>> isinstance(state, optim.ScaleByBeliefState)
        True
        >>> state._fields
        ('count', 'mu', 'nu')
    """

    count: Any
    mu: Any
    nu: Any


def scale_by_belief(
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-16,
    eps_root: float = 1e-16,
    *,
    nesterov: bool = False,
) -> GradientTransformation:
    """AdaBelief (Zhuang et al., 2020): Adam with the variance of the prediction error.

    Args:
      b1: decay rate of the first moment.
      b2: decay rate of the squared prediction error ``(g - mu)**2``.
      eps: added to the denominator outside the root.
      eps_root: added to the second moment (and kept in the state, as optax does).
      nesterov: use Nesterov momentum.

    Returns:
      A `GradientTransformation` with a `ScaleByBeliefState`.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> tx = optim.scale_by_belief()
        >>> params = {'w': np.array([1.0, -1.0])}
        >>> state = tx.init(params)
        >>> updates, state = tx.update({'w': np.array([0.5, -2.0])}, state, params)
        >>> np.round(updates['w'], 6).tolist()
        [1.111111, -1.111111]
    """
    name = "scale_by_belief"
    b1, b2, eps, eps_root = (weak_scalar(x) for x in (b1, b2, eps, eps_root))

    def init(params):
        return ScaleByBeliefState(
            count=_zero_count(), mu=zeros_tree(name, params), nu=zeros_tree(name, params)
        )

    def update(updates, state, params=None):
        del params
        count = increment(state.count)
        t = step_number(count)

        def step(g, m, s):
            m = moment(g, m, b1)
            s = astype_like(moment(fnp.subtract(g, m), s, b2, 2) + eps_root, s)
            m_hat = _nesterov_mean(g, m, b1, t) if nesterov else debiased(m, b1, t)
            return astype_like(m_hat / (fnp.sqrt(debiased(s, b2, t)) + eps), g), m, s

        return map_moments(name, step, updates, state, count, ScaleByBeliefState)

    return GradientTransformation(init, update)


# --- Adamax --------------------------------------------------------------------------------


def scale_by_adamax(
    b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8
) -> GradientTransformation:
    """Adamax (Kingma & Ba, 2014): Adam with an infinity norm in place of the second moment.

    Args:
      b1: decay rate of the first moment.
      b2: decay rate of the running maximum ``max(b2 * nu, |g| + eps)``.
      eps: added to ``|g|`` in the maximum.

    Returns:
      A `GradientTransformation` with a `ScaleByAdamState` (`nu` holds the maximum).

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> tx = optim.scale_by_adamax()
        >>> params = {'w': np.array([1.0, -1.0])}
        >>> state = tx.init(params)
        >>> updates, state = tx.update({'w': np.array([0.5, -2.0])}, state, params)
        >>> np.round(updates['w'], 6).tolist()
        [1.0, -1.0]
    """
    name = "scale_by_adamax"
    b1, b2, eps = (weak_scalar(x) for x in (b1, b2, eps))

    def init(params):
        return ScaleByAdamState(
            count=_zero_count(), mu=zeros_tree(name, params), nu=zeros_tree(name, params)
        )

    def update(updates, state, params=None):
        del params
        count = increment(state.count)
        t = step_number(count)

        def step(g, m, v):
            m = moment(g, m, b1)
            v = astype_like(fnp.maximum(fnp.abs(g) + eps, fnp.multiply(b2, v)), v)
            return astype_like(debiased(m, b1, t) / v, g), m, v

        return map_moments(name, step, updates, state, count, ScaleByAdamState)

    return GradientTransformation(init, update)


# --- Adafactor's pieces ------------------------------------------------------------------


class FactoredState(NamedTuple):
    """Adafactor's count, row and column second moments (factored leaves) and full `v`.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> state = optim.scale_by_factored_rms().init({'w': np.zeros(2)})
        >>> isinstance(state, optim.FactoredState)
        True
        >>> state._fields
        ('count', 'v_row', 'v_col', 'v')
    """

    count: Any
    v_row: Any
    v_col: Any
    v: Any


def _decay_rate_pow(i: Any, exponent: float = 0.8) -> Any:
    """Adafactor's decay ``1 - (i + 1) ** -exponent`` (computed in float32, as optax)."""
    t = fnp.asarray(fnp.add(i, 1), dtype=np.float32)
    return 1.0 - t ** (-exponent)


def _factored_dims(shape, factored: bool, min_dim_size_to_factor: int):
    """The (second largest, largest) axes of `shape` when the leaf is factored, else None."""
    if not factored or len(shape) < 2:
        return None
    order = np.argsort(shape)
    if shape[order[-2]] < min_dim_size_to_factor:
        return None
    return int(order[-2]), int(order[-1])


def scale_by_factored_rms(  # noqa: PLR0917 (optax's signature)
    factored: bool = True,
    decay_rate: float = 0.8,
    step_offset: int = 0,
    min_dim_size_to_factor: int = 128,
    epsilon: float = 1e-30,
    decay_rate_fn: Callable[[Any, Any], Any] = _decay_rate_pow,
) -> GradientTransformation:
    """Adafactor's scaling (Shazeer & Stern, 2018): RMS with factored second moments.

    For a leaf whose two largest axes are at least `min_dim_size_to_factor` long, the
    second moment is kept as a row and a column average (memory ``O(n + m)`` instead of
    ``O(nm)``); other leaves keep the full moment.

    Args:
      factored: factor the moments of large matrices.
      decay_rate: the exponent passed to `decay_rate_fn`.
      step_offset: subtracted from the step count before `decay_rate_fn`.
      min_dim_size_to_factor: the smallest second-largest axis that is factored.
      epsilon: added to the squared gradients.
      decay_rate_fn: ``(step, decay_rate) -> decay`` for the moment averages.

    Returns:
      A `GradientTransformation` with a `FactoredState`; ``update`` needs `params`.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> tx = optim.scale_by_factored_rms()
        >>> params = {'w': np.array([1.0, -1.0])}
        >>> state = tx.init(params)
        >>> updates, state = tx.update({'w': np.array([0.5, -2.0])}, state, params)
        >>> np.round(updates['w'], 6).tolist()
        [1.0, -1.0]
    """
    name = "scale_by_factored_rms"

    def init_leaf(p):
        dims = _factored_dims(p.shape, factored, min_dim_size_to_factor)
        small = fnp.zeros((1,), dtype=p.dtype)
        if dims is None:
            return small, small, fnp.zeros_like(p)
        d1, d0 = dims
        row = fnp.zeros(tuple(n for i, n in enumerate(p.shape) if i != d0), dtype=p.dtype)
        col = fnp.zeros(tuple(n for i, n in enumerate(p.shape) if i != d1), dtype=p.dtype)
        return row, col, small

    def init(params):
        v_row, v_col, v = map_leaves(name, init_leaf, ("params", params), n_outputs=3)
        return FactoredState(count=_zero_count(), v_row=v_row, v_col=v_col, v=v)

    def step(g, v_row, v_col, v, p, count):
        decay = decay_rate_fn(fnp.subtract(count, step_offset), decay_rate)
        dims = _factored_dims(p.shape, factored, min_dim_size_to_factor)
        small = fnp.zeros((1,), dtype=p.dtype)
        g_sq = fnp.square(g) + epsilon
        if dims is None:
            v = astype_like(decay * v + (1.0 - decay) * g_sq, p)
            return astype_like(g * v ** (-0.5), g), small, small, v
        d1, d0 = dims
        v_row = astype_like(decay * v_row + (1.0 - decay) * fnp.mean(g_sq, axis=d0), p)
        v_col = astype_like(decay * v_col + (1.0 - decay) * fnp.mean(g_sq, axis=d1), p)
        reduced_d1 = d1 - 1 if d1 > d0 else d1
        row_factor = (v_row / fnp.mean(v_row, axis=reduced_d1, keepdims=True)) ** (-0.5)
        col_factor = v_col ** (-0.5)
        out = g * fnp.expand_dims(row_factor, d0) * fnp.expand_dims(col_factor, d1)
        return astype_like(out, g), v_row, v_col, small

    def update(updates, state, params=None):
        if params is None:
            raise ValueError(f"{name}: update() needs the current parameters: call "
                             "update(updates, state, params).")
        new, v_row, v_col, v = _factored_update(name, step, updates, state, params)
        return new, FactoredState(count=increment(state.count), v_row=v_row, v_col=v_col, v=v)

    return GradientTransformation(init, update)


def _factored_update(name, step, updates, state, params):
    """Map `step` over the leaves; the state's row/column leaves differ in shape from
    the updates', so this walks the flattened trees itself (after checking structures)."""
    g_leaves, treedef = tree_flatten(updates)
    columns = []
    for label, tree in (("state.v_row", state.v_row), ("state.v_col", state.v_col),
                        ("state.v", state.v), ("params", params)):
        leaves, other = tree_flatten(tree)
        if other != treedef:
            raise structure_error(name, "updates", updates, label, tree)
        columns.append(leaves)
    out = [step(g, *rest, state.count) for g, *rest in zip(g_leaves, *columns, strict=True)]
    return tuple(treedef.unflatten([o[i] for o in out]) for i in range(4))


def _rms(x):
    return fnp.sqrt(fnp.mean(fnp.square(x)))


def scale_by_param_block_rms(min_scale: float = 1e-3) -> GradientTransformation:
    """Multiply each leaf's update by the RMS of its parameter (at least `min_scale`).

    Args:
      min_scale: the floor on the parameter RMS.

    Returns:
      A stateless `GradientTransformation`; ``update`` needs `params`.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> tx = optim.scale_by_param_block_rms()
        >>> params = {'w': np.array([3.0, -4.0])}
        >>> state = tx.init(params)
        >>> updates, state = tx.update({'w': np.array([0.5, -2.0])}, state, params)
        >>> np.round(updates['w'], 6).tolist()
        [1.767767, -7.071068]
    """
    name = "scale_by_param_block_rms"

    def scaled(u, p):
        rms = _rms(p)
        rms = fnp.where(rms <= min_scale, min_scale, rms)
        return fnp.multiply(u, scalar_like(rms, u))

    def update(updates, state, params=None):
        if params is None:
            raise ValueError(f"{name}: update() needs the current parameters: call "
                             "update(updates, state, params).")
        return map_leaves(name, scaled, ("updates", updates), ("params", params)), state

    return GradientTransformation(init_empty_state, update)


def clip_by_block_rms(threshold: float) -> GradientTransformation:
    """Rescale each leaf so that its RMS is at most `threshold`.

    Args:
      threshold: the largest RMS let through unchanged.

    Returns:
      A stateless `GradientTransformation`.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> tx = optim.clip_by_block_rms(threshold=1.0)
        >>> params = {'w': np.array([1.0, -1.0])}
        >>> state = tx.init(params)
        >>> updates, state = tx.update({'w': np.array([3.0, -4.0])}, state, params)
        >>> np.round(updates['w'], 6).tolist()
        [0.848528, -1.131371]
    """

    def clipped(u):
        return u / fnp.maximum(1.0, _rms(u) / threshold)

    def update(updates, state, params=None):
        del params
        return map_leaves("clip_by_block_rms", clipped, ("updates", updates)), state

    return GradientTransformation(init_empty_state, update)


# --- EMA ------------------------------------------------------------------------------------


class EmaState(NamedTuple):
    """The step count and the moving average of the updates.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> state = optim.ema(0.9).init({'w': np.zeros(2)})
        >>> isinstance(state, optim.EmaState)
        True
        >>> state._fields
        ('count', 'ema')
    """

    count: Any
    ema: Any


def ema(decay: float, debias: bool = True, accumulator_dtype: Any = None) -> GradientTransformation:
    """Replace the updates by their exponential moving average.

    Args:
      decay: the average's decay rate.
      debias: divide by ``1 - decay**t`` (the bias from starting at zero).
      accumulator_dtype: the average's dtype in the state (None: the params').

    Returns:
      A `GradientTransformation` with an `EmaState`.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> tx = optim.ema(decay=0.5)
        >>> params = {'w': np.array([1.0, -1.0])}
        >>> state = tx.init(params)
        >>> updates, state = tx.update({'w': np.array([2.0, -4.0])}, state, params)
        >>> updates, state = tx.update({'w': np.array([2.0, -4.0])}, state, params)
        >>> np.round(updates['w'], 6).tolist()
        [2.0, -4.0]
    """
    name = "ema"
    decay = weak_scalar(decay)

    def init(params):
        return EmaState(count=_zero_count(), ema=zeros_tree(name, params, accumulator_dtype))

    def update(updates, state, params=None):
        del params
        count = increment(state.count)
        t = step_number(count)

        def step(g, m):
            full = fnp.multiply(decay, m) + fnp.multiply(1 - decay, g)
            out = debiased(full, decay, t) if debias else full
            return astype_like(out, g), astype_like(full, m)

        new, avg = map_leaves(
            name, step, ("updates", updates), ("state.ema", state.ema), n_outputs=2
        )
        return new, EmaState(count=count, ema=avg)

    return GradientTransformation(init, update)
