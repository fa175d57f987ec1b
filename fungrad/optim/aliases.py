"""Optimizers: each a `chain` of building blocks ending in `scale_by_learning_rate`.

All take `learning_rate` as a float or a schedule, and return a `GradientTransformation`.
Names, arguments and defaults follow optax.

>>> import numpy as np, fungrad as fg, fungrad.optim as optim
>>> loss = lambda p: (p['x'] - 3.0) ** 2
>>> opt = optim.adam(learning_rate=0.1)
>>> params = {'x': np.array(0.0)}
>>> state = opt.init(params)
>>> for _ in range(300):
...     updates, state = opt.update(fg.grad(loss)(params), state, params)
...     params = optim.apply_updates(params, updates)
>>> round(float(params['x']), 3)
3.0
"""

from __future__ import annotations

from typing import Any

from fungrad.optim.base import (
    GradientTransformation,
    ScalarOrSchedule,
    chain,
    check_scalar_or_schedule,
    identity,
)
from fungrad.optim.transforms import (
    add_decayed_weights,
    scale_by_adam,
    scale_by_learning_rate,
    scale_by_rms,
    scale_by_rss,
    scale_by_stddev,
    scale_by_trust_ratio,
    trace,
)

__all__ = ["sgd", "adam", "adamw", "rmsprop", "adagrad", "lamb"]


def sgd(
    learning_rate: ScalarOrSchedule,
    momentum: float | None = None,
    nesterov: bool = False,
    accumulator_dtype: Any = None,
) -> GradientTransformation:
    """Stochastic gradient descent, optionally with (Nesterov) momentum.

    Args:
      learning_rate: the step size, or a schedule of the step count.
      momentum: the momentum coefficient; None for plain SGD.
      nesterov: use Nesterov momentum (needs `momentum`).
      accumulator_dtype: the momentum buffer's dtype (None: the params' dtype).

    Returns:
      ``chain(trace(momentum, nesterov), scale_by_learning_rate(learning_rate))``.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> params = {'w': np.array([1.0, 1.0])}
        >>> grads = {'w': np.array([1.0, -2.0])}
        >>> opt = optim.sgd(learning_rate=0.1, momentum=0.9)
        >>> state = opt.init(params)
        >>> updates, state = opt.update(grads, state, params)
        >>> updates['w']
        Array([-0.1,  0.2])
    """
    check_scalar_or_schedule("sgd", "learning_rate", learning_rate)
    return chain(
        identity() if momentum is None else trace(
            decay=momentum, nesterov=nesterov, accumulator_dtype=accumulator_dtype
        ),
        scale_by_learning_rate(learning_rate),
    )


def adam(
    learning_rate: ScalarOrSchedule,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
    eps_root: float = 0.0,
    mu_dtype: Any = None,
    *,
    nesterov: bool = False,
) -> GradientTransformation:
    """Adam (Kingma & Ba, 2014); NAdam with ``nesterov=True``.

    Args:
      learning_rate: the step size, or a schedule of the step count.
      b1: decay rate of the gradients' moving average.
      b2: decay rate of the squared gradients' moving average.
      eps: added to the denominator outside the square root.
      eps_root: added inside the square root.
      mu_dtype: the first moment's dtype in the state (None: the params' dtype).
      nesterov: use Nesterov momentum.

    Returns:
      ``chain(scale_by_adam(...), scale_by_learning_rate(learning_rate))``.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> params = {'w': np.array([1.0, 1.0])}
        >>> grads = {'w': np.array([1.0, -2.0])}
        >>> opt = optim.adam(learning_rate=0.1)
        >>> state = opt.init(params)
        >>> updates, state = opt.update(grads, state, params)
        >>> updates['w']
        array([-0.1,  0.1])
        >>> optim.apply_updates(params, updates)['w']
        array([0.9, 1.1])
    """
    check_scalar_or_schedule("adam", "learning_rate", learning_rate)
    return chain(
        scale_by_adam(b1=b1, b2=b2, eps=eps, eps_root=eps_root, mu_dtype=mu_dtype,
                      nesterov=nesterov),
        scale_by_learning_rate(learning_rate),
    )


def adamw(  # noqa: PLR0917 (optax's signature)
    learning_rate: ScalarOrSchedule,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
    eps_root: float = 0.0,
    mu_dtype: Any = None,
    weight_decay: ScalarOrSchedule = 1e-4,
    mask: Any = None,
    *,
    nesterov: bool = False,
) -> GradientTransformation:
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019).

    Args:
      learning_rate: the step size, or a schedule of the step count.
      b1, b2, eps, eps_root, mu_dtype, nesterov: as in `adam`.
      weight_decay: the decay rate (multiplied by the learning rate), or a schedule.
      mask: which params to decay: a pytree of bools or a function ``params -> bools``
        (e.g. only matrices, not biases); None decays all.

    Returns:
      ``chain(scale_by_adam(...), add_decayed_weights(weight_decay, mask),
      scale_by_learning_rate(learning_rate))``.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> params = {'w': np.array([1.0, 1.0])}
        >>> grads = {'w': np.array([1.0, -2.0])}
        >>> opt = optim.adamw(learning_rate=0.1, weight_decay=0.5)
        >>> state = opt.init(params)
        >>> updates, state = opt.update(grads, state, params)
        >>> updates['w']
        array([-0.15,  0.05])
    """
    check_scalar_or_schedule("adamw", "learning_rate", learning_rate)
    check_scalar_or_schedule("adamw", "weight_decay", weight_decay)
    return chain(
        scale_by_adam(b1=b1, b2=b2, eps=eps, eps_root=eps_root, mu_dtype=mu_dtype,
                      nesterov=nesterov),
        add_decayed_weights(weight_decay, mask),
        scale_by_learning_rate(learning_rate),
    )


def rmsprop(  # noqa: PLR0917 (optax's signature)
    learning_rate: ScalarOrSchedule,
    decay: float = 0.9,
    eps: float = 1e-8,
    initial_scale: float = 0.0,
    eps_in_sqrt: bool = True,
    centered: bool = False,
    momentum: float | None = None,
    nesterov: bool = False,
    bias_correction: bool = False,
) -> GradientTransformation:
    """RMSProp (Hinton), optionally centered and with momentum.

    Args:
      learning_rate: the step size, or a schedule of the step count.
      decay: decay rate of the squared gradients' moving average.
      eps: added to the average (or to its root, with ``eps_in_sqrt=False``).
      initial_scale: the average's initial value.
      eps_in_sqrt: where `eps` goes, as above.
      centered: divide by the running standard deviation instead of the RMS.
      momentum: a momentum coefficient applied after scaling; None for none.
      nesterov: use Nesterov momentum.
      bias_correction: bias-correct the moving averages (see `scale_by_rms`).

    Returns:
      ``chain(scale_by_rms(...) or scale_by_stddev(...), scale_by_learning_rate(...),
      trace(momentum, nesterov))``.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> params = {'w': np.array([1.0, 1.0])}
        >>> grads = {'w': np.array([1.0, -2.0])}
        >>> opt = optim.rmsprop(learning_rate=0.1)
        >>> state = opt.init(params)
        >>> updates, state = opt.update(grads, state, params)
        >>> updates['w']
        array([-0.31622775,  0.31622776])
    """
    check_scalar_or_schedule("rmsprop", "learning_rate", learning_rate)
    scaling = scale_by_stddev if centered else scale_by_rms
    return chain(
        scaling(decay=decay, eps=eps, initial_scale=initial_scale, eps_in_sqrt=eps_in_sqrt,
                bias_correction=bias_correction),
        scale_by_learning_rate(learning_rate),
        identity() if momentum is None else trace(decay=momentum, nesterov=nesterov),
    )


def adagrad(
    learning_rate: ScalarOrSchedule, initial_accumulator_value: float = 0.1, eps: float = 1e-7
) -> GradientTransformation:
    """Adagrad (Duchi et al., 2011): steps scaled by the root of all past squared gradients.

    Args:
      learning_rate: the step size, or a schedule of the step count.
      initial_accumulator_value: the squared-gradient sum's starting value.
      eps: added inside the square root.

    Returns:
      ``chain(scale_by_rss(...), scale_by_learning_rate(learning_rate))``.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> params = {'w': np.array([1.0, 1.0])}
        >>> grads = {'w': np.array([1.0, -2.0])}
        >>> opt = optim.adagrad(learning_rate=0.1)
        >>> state = opt.init(params)
        >>> updates, state = opt.update(grads, state, params)
        >>> updates['w']
        array([-0.09534625,  0.09877296])
    """
    check_scalar_or_schedule("adagrad", "learning_rate", learning_rate)
    return chain(
        scale_by_rss(initial_accumulator_value=initial_accumulator_value, eps=eps),
        scale_by_learning_rate(learning_rate),
    )


def lamb(  # noqa: PLR0917 (optax's signature)
    learning_rate: ScalarOrSchedule,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-6,
    eps_root: float = 0.0,
    weight_decay: ScalarOrSchedule = 0.0,
    mask: Any = None,
) -> GradientTransformation:
    """LAMB (You et al., 2020): Adam steps rescaled per leaf by a trust ratio.

    Args:
      learning_rate: the step size, or a schedule of the step count.
      b1, b2, eps, eps_root: as in `adam`.
      weight_decay: decoupled weight decay, as in `adamw`.
      mask: which params to decay, as in `adamw`.

    Returns:
      ``chain(scale_by_adam(...), add_decayed_weights(...), scale_by_trust_ratio(),
      scale_by_learning_rate(learning_rate))``.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> params = {'w': np.array([1.0, 1.0])}
        >>> grads = {'w': np.array([1.0, -2.0])}
        >>> opt = optim.lamb(learning_rate=0.1)
        >>> state = opt.init(params)
        >>> updates, state = opt.update(grads, state, params)
        >>> updates['w']
        array([-0.09999998,  0.10000002])
    """
    check_scalar_or_schedule("lamb", "learning_rate", learning_rate)
    check_scalar_or_schedule("lamb", "weight_decay", weight_decay)
    return chain(
        scale_by_adam(b1=b1, b2=b2, eps=eps, eps_root=eps_root),
        add_decayed_weights(weight_decay=weight_decay, mask=mask),
        scale_by_trust_ratio(),
        scale_by_learning_rate(learning_rate),
    )
