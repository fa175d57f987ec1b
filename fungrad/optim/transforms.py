"""Building blocks: transformations of the update pytree that optimizers chain together.

Each block is a factory returning a `GradientTransformation`; its state is a NamedTuple
named after it (``scale_by_adam`` keeps a ``ScaleByAdamState(count, mu, nu)``). Moment
buffers take the parameters' dtype and keep it; step counts are int32 scalars.
Hyperparameters may be Python numbers, NumPy scalars or tracers (to differentiate
through them).

The module is also ``optax.transforms``: it re-exports that namespace's names (`chain`,
`clip`, `masked`, `MultiSteps`, `ema`, `partition`...) from the modules that define them.
None of those imports this one (the moment helpers it shares with `moments` live there),
so the re-exports make no import cycle.
"""

from __future__ import annotations

import inspect
from typing import Any, NamedTuple

import numpy as np

import fungrad.numpy as fnp
from fungrad.core import concrete_or_none
from fungrad.optim.base import (
    EmptyState,
    GradientTransformation,
    ScalarOrSchedule,
    Schedule,
    chain,
    check_scalar_or_schedule,
    check_state,
    identity,
    init_empty_state,
)
from fungrad.optim.clipping import (
    adaptive_grad_clip,
    clip,
    clip_by_global_norm,
    per_example_global_norm_clip,
    per_example_layer_norm_clip,
    unitwise_clip,
    unitwise_norm,
)
from fungrad.optim.conditional import (
    ConditionallyMaskState,
    ConditionallyTransformState,
    ConditionFn,
    conditionally_mask,
    conditionally_transform,
    named_chain,
    skip_large_updates,
)
from fungrad.optim.constraints import NonNegativeParamsState, keep_params_nonnegative
from fungrad.optim.leafwise import (
    add_,
    astype_like,
    concrete_bool,
    increment,
    map_leaves,
    mul_,
    rdiv_,
    require_params,
    rsub_,
    scalar_like,
    sqrt_,
    step_number,
    sub_,
    weak_scalar,
    zeros_tree,
)
from fungrad.optim.moments import EmaState, ScaleByAdamState, clip_by_block_rms, ema, map_moments
from fungrad.optim.monitoring import (
    MonitorState,
    SnapshotState,
    measure_with_ema,
    monitor,
    selective_transform,
    snapshot,
)
from fungrad.optim.partition import PartitionState, flatten, freeze, partition
from fungrad.optim.stepping import (
    AddNoiseState,
    ZeroNansState,
    add_noise,
    skip_not_finite,
    zero_nans,
)
from fungrad.optim.wrappers import (
    ApplyIfFiniteState,
    MaskedNode,
    MaskedState,
    MultiSteps,
    MultiStepsState,
    ShouldSkipUpdateFunction,
    apply_if_finite,
    masked,
)

__all__ = [
    "scale",
    "scale_by_learning_rate",
    "scale_by_schedule",
    "ScaleByScheduleState",
    "scale_by_adam",
    "ScaleByAdamState",
    "scale_by_rms",
    "ScaleByRmsState",
    "ScaleByRmsWithCountState",
    "scale_by_stddev",
    "ScaleByStddevState",
    "ScaleByRStdDevWithCountState",
    "scale_by_rss",
    "ScaleByRssState",
    "scale_by_trust_ratio",
    "trace",
    "TraceState",
    "add_decayed_weights",
    "AddDecayedWeightsState",
    "ScaleState",
    "ScaleByTrustRatioState",
    "ScaleByRStdDevState",
]
# optax.transforms' names, defined elsewhere (see the module docstring):
__all__ += [
    "AddNoiseState", "ApplyIfFiniteState", "ConditionFn", "ConditionallyMaskState",
    "ConditionallyTransformState", "EmaState", "MaskedNode", "MaskedState", "MonitorState",
    "MultiSteps", "MultiStepsState", "NonNegativeParamsState", "PartitionState",
    "ShouldSkipUpdateFunction", "SnapshotState", "ZeroNansState", "adaptive_grad_clip",
    "add_noise", "apply_if_finite", "chain", "clip", "clip_by_block_rms",
    "clip_by_global_norm", "conditionally_mask", "conditionally_transform", "ema", "flatten",
    "freeze", "keep_params_nonnegative", "masked", "measure_with_ema", "monitor",
    "named_chain", "partition", "per_example_global_norm_clip",
    "per_example_layer_norm_clip", "selective_transform", "skip_large_updates",
    "skip_not_finite", "snapshot", "unitwise_clip", "unitwise_norm", "zero_nans",
]


# optax's names for the states of two stateless blocks (EmptyState, as in optax)
ScaleState = ScaleByTrustRatioState = EmptyState


def _zero_count():
    return fnp.zeros((), dtype=np.int32)


def _is_zero(x: Any) -> bool:
    return type(x) in (int, float) and x == 0


# --- Scaling by constants and schedules -----------------------------------------------------


def scale(step_size: float) -> GradientTransformation:
    """Multiply every update by a constant.

    Args:
      step_size: the factor (a scalar; negative to descend).

    Returns:
      A stateless `GradientTransformation`.

    >>> import numpy as np
    >>> t = scale(-0.5)
    >>> t.update({'w': np.ones(2)}, t.init(None))[0]['w']
    array([-0.5, -0.5])
    """
    step_size = weak_scalar(step_size, "scale: step_size")

    def update(updates, state, params=None):
        check_state("scale", state, EmptyState)
        del params
        new = map_leaves(
            "scale", lambda g: fnp.multiply(g, scalar_like(step_size, g)), ("updates", updates)
        )
        return new, state

    return GradientTransformation(init_empty_state, update)


class ScaleByScheduleState(NamedTuple):
    """The number of updates made so far (int32 scalar), read by the schedule.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> state = optim.scale_by_schedule(lambda n: 0.1).init({'w': np.zeros(2)})
        >>> isinstance(state, optim.ScaleByScheduleState)
        True
        >>> state._fields
        ('count',)
    """

    count: Any


def check_schedule(where: str, schedule: Schedule) -> None:
    """Raise unless ``schedule`` can be called with one argument (the step count)."""
    try:
        signature = inspect.signature(schedule)
    except (TypeError, ValueError):
        return
    try:
        signature.bind(0)
    except TypeError as err:
        raise TypeError(
            f"{where}: the schedule `{_fun_name(schedule)}` cannot be called as schedule(count) "
            f"({err}). A schedule is a function of the step count returning a scalar, e.g. "
            "lambda count: 0.1 * 0.99 ** count, or optim.exponential_decay(...).") from None


def _schedule_value(where: str, schedule: Schedule, count):
    """``schedule(count)``, which must be a real scalar."""
    value = schedule(count)
    shape = getattr(value, "shape", ())
    kind = getattr(getattr(value, "dtype", None), "kind", "f")
    if shape != () or kind not in "biuf" or isinstance(value, (str, bytes)) or value is None:
        what = f"shape {tuple(shape)}" if shape != () else f"{value!r:.40} ({type(value).__name__})"
        step = concrete_or_none(count)
        at = f" for step {int(step)}" if step is not None else ""
        raise TypeError(
            f"{where}: the schedule `{_fun_name(schedule)}` returned {what}{at}; "
            "a schedule must return a real scalar (the step size at that count).")
    return value


def _fun_name(fun) -> str:
    return getattr(fun, "__qualname__", None) or getattr(fun, "__name__", repr(fun))


def scale_by_schedule(step_size_fn: Schedule) -> GradientTransformation:
    """Multiply the updates by ``step_size_fn(count)``, `count` updates having been made.

    Args:
      step_size_fn: a schedule; the first update uses ``step_size_fn(0)``.

    Returns:
      A `GradientTransformation` with a `ScaleByScheduleState`.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> tx = optim.scale_by_schedule(lambda count: 0.5 ** count)
        >>> params = {'w': np.array([1.0, -1.0])}
        >>> state = tx.init(params)
        >>> updates, state = tx.update({'w': np.array([0.5, -2.0])}, state, params)
        >>> updates, state = tx.update({'w': np.array([0.5, -2.0])}, state, params)
        >>> np.round(updates['w'], 6).tolist()
        [0.25, -1.0]
    """

    check_schedule("scale_by_schedule", step_size_fn)

    def init(params):
        del params
        return ScaleByScheduleState(count=_zero_count())

    def update(updates, state, params=None):
        check_state("scale_by_schedule", state, ScaleByScheduleState)
        del params
        step = _schedule_value("scale_by_schedule", step_size_fn, state.count)
        new = map_leaves(
            "scale_by_schedule",
            lambda g: fnp.multiply(g, scalar_like(step, g)),
            ("updates", updates),
        )
        return new, ScaleByScheduleState(count=increment(state.count))

    return GradientTransformation(init, update)


def scale_by_learning_rate(
    learning_rate: ScalarOrSchedule | None = None, *, flip_sign: bool = True
) -> GradientTransformation:
    """Multiply by ``-learning_rate`` (descent), where the rate may be a schedule.

    Args:
      learning_rate: a scalar, a schedule of the step count, or None (no scaling).
      flip_sign: multiply by ``-learning_rate`` (True, descent) or ``+learning_rate``.

    Returns:
      `scale` for a scalar rate, `scale_by_schedule` for a schedule, `identity` for None.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> tx = optim.scale_by_learning_rate(0.1)
        >>> params = {'w': np.array([1.0, -1.0])}
        >>> state = tx.init(params)
        >>> updates, state = tx.update({'w': np.array([0.5, -2.0])}, state, params)
        >>> np.round(updates['w'], 6).tolist()
        [-0.05, 0.2]
    """
    check_scalar_or_schedule("scale_by_learning_rate", "learning_rate", learning_rate,
                             optional=True)
    if learning_rate is None:
        return identity()
    sign = -1 if flip_sign else 1
    if callable(learning_rate):
        check_schedule("learning_rate", learning_rate)

        def signed(count):
            return sign * _schedule_value("learning_rate", learning_rate, count)

        return scale_by_schedule(signed)
    return scale(sign * weak_scalar(learning_rate, "learning_rate"))


# --- Moment estimates -------------------------------------------------------------------------


def _first_moment(g, m, decay):
    """``decay * m + (1 - decay) * g``, written as ``m + (1 - decay) * (g - m)``: one buffer."""
    out = fnp.subtract(g, m)
    out = mul_(out, scalar_like(1 - decay, out))
    return astype_like(add_(out, m), m)


def _second_moment(g, v, decay):
    """``decay * v + (1 - decay) * g**2``, in one buffer."""
    out = fnp.multiply(g, g)
    out = mul_(sub_(out, v), scalar_like(1 - decay, out))
    return astype_like(add_(out, v), v)


def _adam_denominator(v, c2, root_c2, eps, eps_root):
    """``sqrt(v + eps_root * c2) + eps * sqrt(c2)``, in one fresh buffer.

    That is ``sqrt(c2)`` times Adam's ``sqrt(v / c2 + eps_root) + eps`` (with the bias
    correction ``c2``), which saves the pass that would divide `v` by `c2`.
    """
    if _is_zero(eps_root):
        den = fnp.sqrt(v)
    else:
        den = sqrt_(fnp.add(v, scalar_like(eps_root * c2, v)))
    return add_(den, scalar_like(eps * root_c2, den))


def scale_by_adam(
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
    eps_root: float = 0.0,
    mu_dtype: Any = None,
    *,
    nesterov: bool = False,
) -> GradientTransformation:
    """Rescale updates by Adam's bias-corrected moments: ``mu_hat / (sqrt(nu_hat) + eps)``.

    Args:
      b1: decay rate of the first-moment (mean) estimate.
      b2: decay rate of the second-moment (uncentered variance) estimate.
      eps: added to the denominator outside the square root.
      eps_root: added inside the square root (keeps its derivative finite when
        differentiating through the update).
      mu_dtype: the first moment's dtype in the state (None: the params' dtype).
      nesterov: use Nesterov momentum (NAdam, Dozat 2016).

    Returns:
      A `GradientTransformation` with a `ScaleByAdamState`.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> tx = optim.scale_by_adam()
        >>> params = {'w': np.array([1.0, -1.0])}
        >>> state = tx.init(params)
        >>> updates, state = tx.update({'w': np.array([0.5, -2.0])}, state, params)
        >>> np.round(updates['w'], 6).tolist()
        [1.0, -1.0]
    """
    b1, b2, eps, eps_root = (weak_scalar(x, f"scale_by_adam: {n}") for x, n in zip(
        (b1, b2, eps, eps_root), ("b1", "b2", "eps", "eps_root")))
    name = "scale_by_adam"

    def init(params):
        mu = zeros_tree(name, params, mu_dtype)
        nu = map_leaves(name, fnp.zeros_like, ("params", params))
        return ScaleByAdamState(count=_zero_count(), mu=mu, nu=nu)

    def direction(g, m, v, corrections):
        c1, c1_next, c2, root_c2 = corrections
        den = _adam_denominator(v, c2, root_c2, eps, eps_root)
        if nesterov:
            num = fnp.multiply(m, scalar_like(b1 / c1_next, m))
            num = add_(num, fnp.multiply(g, scalar_like((1 - b1) / c1, g)))
            return mul_(rdiv_(den, num), scalar_like(root_c2, den))
        return mul_(rdiv_(den, m), scalar_like(root_c2 / c1, den))

    def update(updates, state, params=None):
        check_state("scale_by_adam", state, ScaleByAdamState)
        del params
        count = increment(state.count)
        t = step_number(count)
        c2 = 1 - b2**t
        corrections = (1 - b1**t, 1 - b1 ** (t + 1) if nesterov else None, c2, c2**0.5)

        def step(g, m, v):
            m, v = _first_moment(g, m, b1), _second_moment(g, v, b2)
            return direction(g, m, v, corrections), m, v

        return map_moments(name, step, updates, state, count, ScaleByAdamState)

    return GradientTransformation(init, update)


class ScaleByRmsState(NamedTuple):
    """The moving average `nu` of squared updates.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> state = optim.scale_by_rms().init({'w': np.zeros(2)})
        >>> isinstance(state, optim.ScaleByRmsState)
        True
        >>> state._fields
        ('nu',)
    """

    nu: Any


class ScaleByRmsWithCountState(NamedTuple):
    """The step count and moving average `nu` (``scale_by_rms(bias_correction=True)``).

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> state = optim.scale_by_rms(bias_correction=True).init({'w': np.zeros(2)})
        >>> isinstance(state, optim.ScaleByRmsWithCountState)
        True
        >>> state._fields
        ('count', 'nu')
    """

    count: Any
    nu: Any


def _inverse_root_scaled(g, v, eps, eps_in_sqrt):
    """``g / sqrt(v + eps)`` or ``g / (sqrt(v) + eps)``; `v` is a fresh buffer or state."""
    if eps_in_sqrt:
        den = sqrt_(fnp.add(v, scalar_like(eps, v)))
    else:
        den = add_(fnp.sqrt(v), scalar_like(eps, v))
    return rdiv_(den, g)


def scale_by_rms(
    decay: float = 0.9,
    eps: float = 1e-8,
    initial_scale: float = 0.0,
    eps_in_sqrt: bool = True,
    bias_correction: bool = False,
) -> GradientTransformation:
    """Rescale updates by the root of a moving average of their squares (RMSProp).

    Args:
      decay: decay rate of the average of squared updates.
      eps: added to the average (or, with ``eps_in_sqrt=False``, to its root).
      initial_scale: the average's initial value.
      eps_in_sqrt: where `eps` goes, as above.
      bias_correction: divide the average by ``1 - decay**t`` (the state then keeps
        the step count).

    Returns:
      A `GradientTransformation` with a `ScaleByRmsState` (`ScaleByRmsWithCountState`
      with `bias_correction`).

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> tx = optim.scale_by_rms()
        >>> params = {'w': np.array([1.0, -1.0])}
        >>> state = tx.init(params)
        >>> updates, state = tx.update({'w': np.array([0.5, -2.0])}, state, params)
        >>> np.round(updates['w'], 6).tolist()
        [3.162277, -3.162278]
    """
    decay, eps, initial_scale = (weak_scalar(x) for x in (decay, eps, initial_scale))
    name = "scale_by_rms"

    def init(params):
        nu = map_leaves(name, lambda p: fnp.full_like(p, initial_scale), ("params", params))
        if bias_correction:
            return ScaleByRmsWithCountState(count=_zero_count(), nu=nu)
        return ScaleByRmsState(nu=nu)

    def step(g, v, correction):
        v = _second_moment(g, v, decay)
        v_hat = v if correction is None else fnp.divide(v, scalar_like(correction, v))
        return _inverse_root_scaled(g, v_hat, eps, eps_in_sqrt), v

    def update(updates, state, params=None):
        check_state("scale_by_rms", state, (ScaleByRmsState, ScaleByRmsWithCountState))
        del params
        count = increment(state.count) if bias_correction else None
        correction = 1 - decay ** step_number(count) if bias_correction else None
        new, nu = map_leaves(
            name, lambda g, v: step(g, v, correction), ("updates", updates),
            ("state.nu", state.nu), n_outputs=2,
        )
        if bias_correction:
            return new, ScaleByRmsWithCountState(count=count, nu=nu)
        return new, ScaleByRmsState(nu=nu)

    return GradientTransformation(init, update)


class ScaleByStddevState(NamedTuple):
    """Moving averages of the updates (`mu`) and of their squares (`nu`).

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> state = optim.scale_by_stddev().init({'w': np.zeros(2)})
        >>> isinstance(state, optim.ScaleByStddevState)
        True
        >>> state._fields
        ('mu', 'nu')
    """

    mu: Any
    nu: Any


ScaleByRStdDevState = ScaleByStddevState  # optax's name


class ScaleByRStdDevWithCountState(NamedTuple):
    """The step count and both averages (``scale_by_stddev(bias_correction=True)``).

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> state = optim.scale_by_stddev(bias_correction=True).init({'w': np.zeros(2)})
        >>> isinstance(state, optim.ScaleByRStdDevWithCountState)
        True
        >>> state._fields
        ('count', 'mu', 'nu')
    """

    count: Any
    mu: Any
    nu: Any


def _inverse_stddev_scaled(g, m, v, eps, eps_in_sqrt):
    """``g / sqrt(v - m**2 + eps)`` (or eps outside the root), in one fresh buffer."""
    den = rsub_(fnp.multiply(m, m), v)
    if eps_in_sqrt:
        den = sqrt_(add_(den, scalar_like(eps, den)))
    else:
        den = add_(sqrt_(den), scalar_like(eps, den))
    return rdiv_(den, g)


def scale_by_stddev(
    decay: float = 0.9,
    eps: float = 1e-8,
    initial_scale: float = 0.0,
    eps_in_sqrt: bool = True,
    bias_correction: bool = False,
) -> GradientTransformation:
    """Rescale updates by their running standard deviation (centered RMSProp).

    Args:
      decay: decay rate of both moving averages.
      eps: added to the variance (or, with ``eps_in_sqrt=False``, to its root).
      initial_scale: the initial average of squares.
      eps_in_sqrt: where `eps` goes, as above.
      bias_correction: divide both averages by ``1 - decay**t`` (the state then keeps
        the step count).

    Returns:
      A `GradientTransformation` with a `ScaleByStddevState` (`ScaleByRStdDevWithCountState`
      with `bias_correction`).

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> tx = optim.scale_by_stddev()
        >>> params = {'w': np.array([1.0, -1.0])}
        >>> state = tx.init(params)
        >>> updates, state = tx.update({'w': np.array([0.5, -2.0])}, state, params)
        >>> np.round(updates['w'], 6).tolist()
        [3.333333, -3.333333]
    """
    decay, eps, initial_scale = (weak_scalar(x) for x in (decay, eps, initial_scale))
    name = "scale_by_stddev"

    def init(params):
        mu = map_leaves(name, fnp.zeros_like, ("params", params))
        nu = map_leaves(name, lambda p: fnp.full_like(p, initial_scale), ("params", params))
        if bias_correction:
            return ScaleByRStdDevWithCountState(count=_zero_count(), mu=mu, nu=nu)
        return ScaleByStddevState(mu=mu, nu=nu)

    def step(g, m, v, correction):
        m, v = _first_moment(g, m, decay), _second_moment(g, v, decay)
        if correction is None:
            return _inverse_stddev_scaled(g, m, v, eps, eps_in_sqrt), m, v
        m_hat = fnp.divide(m, scalar_like(correction, m))
        v_hat = fnp.divide(v, scalar_like(correction, v))
        return _inverse_stddev_scaled(g, m_hat, v_hat, eps, eps_in_sqrt), m, v

    def update(updates, state, params=None):
        check_state("scale_by_stddev", state,
                    (ScaleByStddevState, ScaleByRStdDevWithCountState))
        del params
        count = increment(state.count) if bias_correction else None
        correction = 1 - decay ** step_number(count) if bias_correction else None
        new, mu, nu = map_leaves(
            name, lambda g, m, v: step(g, m, v, correction), ("updates", updates),
            ("state.mu", state.mu), ("state.nu", state.nu), n_outputs=3,
        )
        if bias_correction:
            return new, ScaleByRStdDevWithCountState(count=count, mu=mu, nu=nu)
        return new, ScaleByStddevState(mu=mu, nu=nu)

    return GradientTransformation(init, update)


class ScaleByRssState(NamedTuple):
    """The running sum of squared updates (Adagrad's accumulator).

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> state = optim.scale_by_rss().init({'w': np.zeros(2)})
        >>> isinstance(state, optim.ScaleByRssState)
        True
        >>> state._fields
        ('sum_of_squares',)
    """

    sum_of_squares: Any


def _rss_scaled(g, s, eps):
    """``g / sqrt(s + eps)``, and 0 where ``s == 0``."""
    out = rdiv_(sqrt_(fnp.add(s, scalar_like(eps, s))), g)
    # With eps > 0, s == 0 forces g == 0 and the quotient is already 0; with eps == 0 it
    # would be 0/0.
    if type(eps) in (int, float) and eps > 0:
        return out
    return fnp.where(fnp.greater(s, 0), out, 0.0)


def scale_by_rss(
    initial_accumulator_value: float = 0.1, eps: float = 1e-7
) -> GradientTransformation:
    """Rescale updates by the root of the sum of all squared updates so far (Adagrad).

    Args:
      initial_accumulator_value: the sum's starting value (>= 0).
      eps: added to the sum inside the root.

    Returns:
      A `GradientTransformation` with a `ScaleByRssState`.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> tx = optim.scale_by_rss()
        >>> params = {'w': np.array([1.0, -1.0])}
        >>> state = tx.init(params)
        >>> updates, state = tx.update({'w': np.array([0.5, -2.0])}, state, params)
        >>> np.round(updates['w'], 6).tolist()
        [0.845154, -0.98773]
    """
    init_value, eps = weak_scalar(initial_accumulator_value), weak_scalar(eps)
    name = "scale_by_rss"

    def init(params):
        acc = map_leaves(name, lambda p: fnp.full_like(p, init_value), ("params", params))
        return ScaleByRssState(sum_of_squares=acc)

    def step(g, s):
        s = astype_like(add_(fnp.multiply(g, g), s), s)
        return _rss_scaled(g, s, eps), s

    def update(updates, state, params=None):
        check_state("scale_by_rss", state, ScaleByRssState)
        del params
        new, acc = map_leaves(
            name, step, ("updates", updates), ("state.sum_of_squares", state.sum_of_squares),
            n_outputs=2,
        )
        return new, ScaleByRssState(sum_of_squares=acc)

    return GradientTransformation(init, update)


# --- Trust ratio, momentum, weight decay ------------------------------------------------------


def scale_by_trust_ratio(
    min_norm: float = 0.0, trust_coefficient: float = 1.0, eps: float = 0.0
) -> GradientTransformation:
    """Rescale each leaf's update by ``||param|| / ||update||`` (LARS/LAMB's trust ratio).

    Args:
      min_norm: both norms are raised to at least this value.
      trust_coefficient: multiplies the ratio.
      eps: added to the update's norm in the denominator.

    Returns:
      A stateless `GradientTransformation`; ``update`` needs `params`. Where either norm is
      zero, the update is left unscaled.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> tx = optim.scale_by_trust_ratio()
        >>> params = {'w': np.array([3.0, 4.0])}
        >>> state = tx.init(params)
        >>> updates, state = tx.update({'w': np.array([0.3, -0.4])}, state, params)
        >>> np.round(updates['w'], 6).tolist()
        [3.0, -4.0]
    """
    min_norm, coef, eps = (weak_scalar(x) for x in (min_norm, trust_coefficient, eps))

    def norm(x):
        n = fnp.sqrt(fnp.vdot(x, x))
        return n if _is_zero(min_norm) else fnp.maximum(n, min_norm)

    def scaled(u, p):
        p_norm, u_norm = norm(p), norm(u)
        # Scalar arithmetic through operators: NumPy scalars eagerly (cheap), tracers otherwise.
        ratio = coef * p_norm / (u_norm + eps)
        either_zero = (p_norm == 0) | (u_norm == 0)
        known = concrete_bool(either_zero)
        if known:
            return u
        if known is None:
            ratio = fnp.where(either_zero, 1.0, ratio)
        return fnp.multiply(u, scalar_like(ratio, u))

    def update(updates, state, params=None):
        check_state("scale_by_trust_ratio", state, EmptyState)
        require_params("scale_by_trust_ratio", params)
        new = map_leaves("scale_by_trust_ratio", scaled, ("updates", updates), ("params", params))
        return new, state

    return GradientTransformation(init_empty_state, update)


class TraceState(NamedTuple):
    """The momentum buffer.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> state = optim.trace(decay=0.9).init({'w': np.zeros(2)})
        >>> isinstance(state, optim.TraceState)
        True
        >>> state._fields
        ('trace',)
    """

    trace: Any


def trace(
    decay: float, nesterov: bool = False, accumulator_dtype: Any = None
) -> GradientTransformation:
    """Momentum: ``t = g + decay * t``; the update is `t` (or ``g + decay * t`` for Nesterov).

    Args:
      decay: the momentum coefficient.
      nesterov: use Nesterov's accelerated variant.
      accumulator_dtype: the buffer's dtype (None: the params' dtype).

    Returns:
      A `GradientTransformation` with a `TraceState`.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> tx = optim.trace(decay=0.9)
        >>> params = {'w': np.array([1.0, -1.0])}
        >>> state = tx.init(params)
        >>> updates, state = tx.update({'w': np.array([0.5, -2.0])}, state, params)
        >>> updates, state = tx.update({'w': np.array([0.5, -2.0])}, state, params)
        >>> np.round(updates['w'], 6).tolist()
        [0.95, -3.8]
    """
    decay = weak_scalar(decay, "trace: decay")
    name = "trace"

    def init(params):
        return TraceState(trace=zeros_tree(name, params, accumulator_dtype))

    def momentum(g, t):
        return add_(fnp.multiply(t, scalar_like(decay, t)), g)

    def step(g, t):
        t = astype_like(momentum(g, t), t)
        return (momentum(g, t) if nesterov else t), t

    def update(updates, state, params=None):
        check_state("trace", state, TraceState)
        del params
        new, new_trace = map_leaves(
            name, step, ("updates", updates), ("state.trace", state.trace), n_outputs=2
        )
        return new, TraceState(trace=new_trace)

    return GradientTransformation(init, update)


class AddDecayedWeightsState(NamedTuple):
    """The step count, kept when the weight decay is a schedule.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> state = optim.add_decayed_weights(lambda n: 1e-4).init({'w': np.zeros(2)})
        >>> isinstance(state, optim.AddDecayedWeightsState)
        True
        >>> state._fields
        ('count',)
    """

    count: Any


def add_decayed_weights(
    weight_decay: ScalarOrSchedule = 0.0, mask: Any = None
) -> GradientTransformation:
    """Add ``weight_decay * param`` to each update (decoupled weight decay, as in AdamW).

    Args:
      weight_decay: a scalar, or a schedule of the step count.
      mask: None (decay every leaf), a pytree of bools matching (a prefix of) the params,
        or a function ``params -> that pytree``; False leaves are left undecayed.

    Returns:
      A `GradientTransformation` (`EmptyState`, or `AddDecayedWeightsState` for a
      schedule); ``update`` needs `params`.

    >>> decay_matrices = add_decayed_weights(1e-4, mask=lambda p: {k: v.ndim > 1
    ...                                                           for k, v in p.items()})
    """
    scheduled = callable(weight_decay)
    weight_decay = weight_decay if scheduled else weak_scalar(
        weight_decay, "add_decayed_weights: weight_decay")
    name = "add_decayed_weights"

    def init(params):
        del params
        return AddDecayedWeightsState(count=_zero_count()) if scheduled else EmptyState()

    def update(updates, state, params=None):
        check_state("add_decayed_weights", state,
                    AddDecayedWeightsState if scheduled else EmptyState)
        require_params(name, params)
        if not scheduled and _is_zero(weight_decay):
            return updates, state
        rate = weight_decay(state.count) if scheduled else weight_decay
        new = map_leaves(
            name,
            lambda g, p: add_(fnp.multiply(p, scalar_like(rate, p)), g),
            ("updates", updates), ("params", params),
        )
        return new, AddDecayedWeightsState(count=increment(state.count)) if scheduled else state

    inner = GradientTransformation(init, update)
    return inner if mask is None else masked(inner, mask)

