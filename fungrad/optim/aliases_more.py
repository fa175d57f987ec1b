"""More optimizers with optax's names, arguments and defaults: each a `chain` of blocks.

>>> import numpy as np, fungrad.optim as optim
>>> opt = optim.lion(learning_rate=1e-3)
>>> state = opt.init({'w': np.ones(2)})
>>> updates, state = opt.update({'w': np.array([0.5, -2.0])}, state, {'w': np.ones(2)})
>>> np.round(updates['w'], 6).tolist()
[-0.001001, 0.000999]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fungrad.optim.aliases import adam, adamw
from fungrad.optim.base import (
    GradientTransformationExtraArgs,
    ScalarOrSchedule,
    chain,
    check_scalar_or_schedule,
)
from fungrad.optim.moments import (
    clip_by_block_rms,
    ema,
    scale_by_adamax,
    scale_by_amsgrad,
    scale_by_belief,
    scale_by_factored_rms,
    scale_by_lion,
    scale_by_param_block_rms,
    scale_by_radam,
)
from fungrad.optim.transforms import add_decayed_weights, scale, scale_by_learning_rate

__all__ = ["lion", "nadam", "nadamw", "radam", "adafactor", "adamax", "amsgrad", "adabelief"]


def lion(  # noqa: PLR0917 (optax's signature)
    learning_rate: ScalarOrSchedule,
    b1: float = 0.9,
    b2: float = 0.99,
    mu_dtype: Any = None,
    weight_decay: ScalarOrSchedule = 1e-3,
    mask: Any = None,
) -> GradientTransformationExtraArgs:
    """Lion (Chen et al., 2023): sign updates of an interpolated momentum, with weight decay.

    Args:
      learning_rate: the step size, or a schedule of the step count (Lion wants rates
        3-10x smaller than Adam's).
      b1, b2, mu_dtype: as in `scale_by_lion`.
      weight_decay: decoupled weight decay, as in `adamw`.
      mask: which params to decay, as in `adamw`.

    Returns:
      ``chain(scale_by_lion(...), add_decayed_weights(...), scale_by_learning_rate(...))``.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> opt = optim.lion(learning_rate=0.1)
        >>> params = {'w': np.array([1.0, -1.0])}
        >>> state = opt.init(params)
        >>> updates, state = opt.update({'w': np.array([0.5, -2.0])}, state, params)
        >>> np.round(updates['w'], 6).tolist()
        [-0.1001, 0.1001]
    """
    check_scalar_or_schedule("lion", "learning_rate", learning_rate)
    check_scalar_or_schedule("lion", "weight_decay", weight_decay)
    return chain(
        scale_by_lion(b1=b1, b2=b2, mu_dtype=mu_dtype),
        add_decayed_weights(weight_decay, mask),
        scale_by_learning_rate(learning_rate),
    )


def nadam(  # noqa: PLR0917 (optax's signature)
    learning_rate: ScalarOrSchedule,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
    eps_root: float = 0.0,
    mu_dtype: Any = None,
    *,
    nesterov: bool = True,
) -> GradientTransformationExtraArgs:
    """NAdam (Dozat, 2016): `adam` with Nesterov momentum (``nesterov=True``).

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> opt = optim.nadam(learning_rate=0.1)
        >>> params = {'w': np.array([1.0, -1.0])}
        >>> state = opt.init(params)
        >>> updates, state = opt.update({'w': np.array([0.5, -2.0])}, state, params)
        >>> np.round(updates['w'], 6).tolist()
        [-0.147368, 0.147368]
    """
    check_scalar_or_schedule("nadam", "learning_rate", learning_rate)
    return adam(learning_rate, b1, b2, eps, eps_root, mu_dtype, nesterov=nesterov)


def nadamw(  # noqa: PLR0917 (optax's signature)
    learning_rate: ScalarOrSchedule,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
    eps_root: float = 0.0,
    mu_dtype: Any = None,
    weight_decay: ScalarOrSchedule = 1e-4,
    mask: Any = None,
    *,
    nesterov: bool = True,
) -> GradientTransformationExtraArgs:
    """NAdamW: `adamw` with Nesterov momentum (``nesterov=True``).

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> opt = optim.nadamw(learning_rate=0.1)
        >>> params = {'w': np.array([1.0, -1.0])}
        >>> state = opt.init(params)
        >>> updates, state = opt.update({'w': np.array([0.5, -2.0])}, state, params)
        >>> np.round(updates['w'], 6).tolist()
        [-0.147378, 0.147378]
    """
    check_scalar_or_schedule("nadamw", "learning_rate", learning_rate)
    check_scalar_or_schedule("nadamw", "weight_decay", weight_decay)
    return adamw(
        learning_rate, b1, b2, eps, eps_root, mu_dtype, weight_decay, mask, nesterov=nesterov
    )


def radam(  # noqa: PLR0917 (optax's signature)
    learning_rate: ScalarOrSchedule,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
    eps_root: float = 0.0,
    threshold: float = 5.0,
    *,
    nesterov: bool = False,
) -> GradientTransformationExtraArgs:
    """Rectified Adam (Liu et al., 2020).

    Args:
      learning_rate: the step size, or a schedule of the step count.
      b1, b2, eps, eps_root, threshold, nesterov: as in `scale_by_radam`.

    Returns:
      ``chain(scale_by_radam(...), scale_by_learning_rate(learning_rate))``.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> opt = optim.radam(learning_rate=0.1)
        >>> params = {'w': np.array([1.0, -1.0])}
        >>> state = opt.init(params)
        >>> updates, state = opt.update({'w': np.array([0.5, -2.0])}, state, params)
        >>> np.round(updates['w'], 6).tolist()
        [-0.05, 0.2]
    """
    check_scalar_or_schedule("radam", "learning_rate", learning_rate)
    return chain(
        scale_by_radam(b1=b1, b2=b2, eps=eps, eps_root=eps_root, threshold=threshold,
                       nesterov=nesterov),
        scale_by_learning_rate(learning_rate),
    )


def adamax(
    learning_rate: ScalarOrSchedule, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8
) -> GradientTransformationExtraArgs:
    """Adamax (Kingma & Ba, 2014): Adam with the infinity norm.

    Returns:
      ``chain(scale_by_adamax(b1, b2, eps), scale_by_learning_rate(learning_rate))``.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> opt = optim.adamax(learning_rate=0.1)
        >>> params = {'w': np.array([1.0, -1.0])}
        >>> state = opt.init(params)
        >>> updates, state = opt.update({'w': np.array([0.5, -2.0])}, state, params)
        >>> np.round(updates['w'], 6).tolist()
        [-0.1, 0.1]
    """
    check_scalar_or_schedule("adamax", "learning_rate", learning_rate)
    return chain(scale_by_adamax(b1=b1, b2=b2, eps=eps), scale_by_learning_rate(learning_rate))


def amsgrad(  # noqa: PLR0917 (optax's signature)
    learning_rate: ScalarOrSchedule,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
    eps_root: float = 0.0,
    mu_dtype: Any = None,
    bias_correction_mu: bool = True,
    bias_correction_nu: bool = True,
) -> GradientTransformationExtraArgs:
    """AMSGrad (Reddi et al., 2018).

    Returns:
      ``chain(scale_by_amsgrad(...), scale_by_learning_rate(learning_rate))``.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> opt = optim.amsgrad(learning_rate=0.1)
        >>> params = {'w': np.array([1.0, -1.0])}
        >>> state = opt.init(params)
        >>> updates, state = opt.update({'w': np.array([0.5, -2.0])}, state, params)
        >>> np.round(updates['w'], 6).tolist()
        [-0.1, 0.1]
    """
    check_scalar_or_schedule("amsgrad", "learning_rate", learning_rate)
    return chain(
        scale_by_amsgrad(b1=b1, b2=b2, eps=eps, eps_root=eps_root, mu_dtype=mu_dtype,
                         bias_correction_mu=bias_correction_mu,
                         bias_correction_nu=bias_correction_nu),
        scale_by_learning_rate(learning_rate),
    )


def adabelief(
    learning_rate: ScalarOrSchedule,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-16,
    eps_root: float = 1e-16,
    *,
    nesterov: bool = False,
) -> GradientTransformationExtraArgs:
    """AdaBelief (Zhuang et al., 2020).

    Returns:
      ``chain(scale_by_belief(...), scale_by_learning_rate(learning_rate))``.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> opt = optim.adabelief(learning_rate=0.1)
        >>> params = {'w': np.array([1.0, -1.0])}
        >>> state = opt.init(params)
        >>> updates, state = opt.update({'w': np.array([0.5, -2.0])}, state, params)
        >>> np.round(updates['w'], 6).tolist()
        [-0.111111, 0.111111]
    """
    check_scalar_or_schedule("adabelief", "learning_rate", learning_rate)
    return chain(
        scale_by_belief(b1=b1, b2=b2, eps=eps, eps_root=eps_root, nesterov=nesterov),
        scale_by_learning_rate(learning_rate),
    )


def adafactor(  # noqa: PLR0913, PLR0917 (optax's signature)
    learning_rate: ScalarOrSchedule | None = None,
    min_dim_size_to_factor: int = 128,
    decay_rate: float = 0.8,
    decay_offset: int = 0,
    multiply_by_parameter_scale: bool = True,
    clipping_threshold: float | None = 1.0,
    momentum: float | None = None,
    dtype_momentum: Any = np.float32,
    weight_decay_rate: ScalarOrSchedule | None = None,
    eps: float = 1e-30,
    factored: bool = True,
    weight_decay_mask: Any = None,
) -> GradientTransformationExtraArgs:
    """Adafactor (Shazeer & Stern, 2018): factored second moments, relative step sizes.

    Args:
      learning_rate: a scale on the updates (None: none, the relative step only).
      min_dim_size_to_factor, decay_rate, factored: as in `scale_by_factored_rms`.
      decay_offset: the `step_offset` of `scale_by_factored_rms`.
      multiply_by_parameter_scale: scale each leaf's step by its parameters' RMS.
      clipping_threshold: clip each leaf's update RMS to this (None: no clipping).
      momentum: an `ema` decay for the updates (None: no momentum).
      dtype_momentum: the momentum's dtype.
      weight_decay_rate: decoupled weight decay (None: none).
      eps: the `epsilon` of `scale_by_factored_rms`.
      weight_decay_mask: which params to decay, as in `adamw`'s `mask`.

    Returns:
      A `chain` of those blocks, ending with ``scale(-1)``.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> opt = optim.adafactor(learning_rate=0.1)
        >>> params = {'w': np.ones((2, 3))}
        >>> state = opt.init(params)
        >>> updates, state = opt.update({'w': np.arange(6.0).reshape(2, 3)}, state, params)
        >>> np.round(updates['w'], 6).tolist()
        [[-0.0, -0.1, -0.1], [-0.1, -0.1, -0.1]]
    """
    check_scalar_or_schedule("adafactor", "learning_rate", learning_rate, optional=True)
    blocks = [scale_by_factored_rms(factored, decay_rate, decay_offset, min_dim_size_to_factor,
                                    eps)]
    if clipping_threshold is not None:
        blocks.append(clip_by_block_rms(clipping_threshold))
    if learning_rate is not None:
        blocks.append(scale_by_learning_rate(learning_rate, flip_sign=False))
    if multiply_by_parameter_scale:
        blocks.append(scale_by_param_block_rms())
    if momentum is not None:
        blocks.append(ema(momentum, debias=False, accumulator_dtype=dtype_momentum))
    if weight_decay_rate is not None:
        blocks.append(add_decayed_weights(weight_decay_rate, mask=weight_decay_mask))
    blocks.append(scale(-1))
    return chain(*blocks)
