"""Further optax optimizers (Yogi, Adadelta, NovoGrad, SM3, Adan, Rprop, LARS, Fromage, sign
methods, noisy and Polyak SGD, optimistic methods, AdamaxW): each a `chain` of blocks.

>>> import numpy as np, fungrad.optim as optim
>>> opt = optim.sign_sgd(learning_rate=0.1)
>>> updates, _ = opt.update({'w': np.array([0.5, -2.0])}, opt.init({'w': np.ones(2)}))
>>> updates['w'].tolist()
[-0.1, 0.1]
"""

from __future__ import annotations

import warnings
from typing import Any

from fungrad.optim.adaptive import (
    scale_by_adadelta,
    scale_by_adan,
    scale_by_novograd,
    scale_by_sm3,
    scale_by_yogi,
)
from fungrad.optim.aliases import sgd
from fungrad.optim.base import (
    GradientTransformationExtraArgs,
    ScalarOrSchedule,
    chain,
    check_scalar_or_schedule,
)
from fungrad.optim.moments import ema, scale_by_adamax
from fungrad.optim.step_sizes import (
    scale_by_optimistic_gradient,
    scale_by_polyak,
    scale_by_rprop,
    scale_by_sign,
)
from fungrad.optim.stepping import add_noise
from fungrad.optim.transforms import (
    add_decayed_weights,
    scale,
    scale_by_adam,
    scale_by_learning_rate,
    scale_by_trust_ratio,
    trace,
)
from fungrad.optim.wrappers import masked

__all__ = [
    "yogi", "adadelta", "novograd", "sm3", "adan", "rprop", "lars", "fromage", "sign_sgd",
    "signum", "noisy_sgd", "polyak_sgd", "optimistic_gradient_descent", "optimistic_adam",
    "optimistic_adam_v2", "adamaxw",
]



def yogi(learning_rate: ScalarOrSchedule, b1: float = 0.9, b2: float = 0.999,
         eps: float = 1e-3) -> GradientTransformationExtraArgs:
    """Yogi (Zaheer et al., 2018): ``chain(scale_by_yogi(b1, b2, eps), scale_by_learning_rate)``.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> opt = optim.yogi(learning_rate=0.1)
        >>> p = {'w': np.array([1.0, -1.0])}
        >>> np.round(opt.update({'w': np.array([0.5, -2.0])}, opt.init(p), p)[0]['w'], 4).tolist()
        [-0.0996, 0.0999]
    """
    check_scalar_or_schedule("yogi", "learning_rate", learning_rate)
    return chain(scale_by_yogi(b1=b1, b2=b2, eps=eps), scale_by_learning_rate(learning_rate))


def adadelta(learning_rate: ScalarOrSchedule | None = None, rho: float = 0.9, eps: float = 1e-6,
             weight_decay: ScalarOrSchedule = 0.0, weight_decay_mask: Any = None,
             ) -> GradientTransformationExtraArgs:
    """Adadelta (Zeiler, 2012), with optional coupled weight decay (added to the gradient).

    Returns:
      ``chain(add_decayed_weights(weight_decay, weight_decay_mask), scale_by_adadelta(rho,
      eps), scale_by_learning_rate(learning_rate))``. As in optax, ``learning_rate=None``
      applies no scaling at all, not even the sign flip: pass a rate to descend.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> opt = optim.adadelta(learning_rate=10.0)
        >>> p = {'w': np.array([1.0, -1.0])}
        >>> np.round(opt.update({'w': np.array([0.5, -2.0])}, opt.init(p), p)[0]['w'], 4).tolist()
        [-0.0316, 0.0316]
    """
    check_scalar_or_schedule("adadelta", "learning_rate", learning_rate, optional=True)
    return chain(add_decayed_weights(weight_decay, mask=weight_decay_mask),
                 scale_by_adadelta(rho=rho, eps=eps),
                 scale_by_learning_rate(learning_rate))


def novograd(  # noqa: PLR0917 (optax's signature)
    learning_rate: ScalarOrSchedule, b1: float = 0.9, b2: float = 0.25, eps: float = 1e-6,
    eps_root: float = 0.0, weight_decay: float = 0.0,
) -> GradientTransformationExtraArgs:
    """NovoGrad (Ginsburg et al., 2019): layerwise-normalized momentum SGD.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> opt = optim.novograd(learning_rate=0.1)
        >>> p = {'w': np.array([3.0, 4.0])}
        >>> np.round(opt.update({'w': np.array([3.0, 4.0])}, opt.init(p), p)[0]['w'], 4).tolist()
        [-0.06, -0.08]
    """
    check_scalar_or_schedule("novograd", "learning_rate", learning_rate)
    return chain(scale_by_novograd(b1=b1, b2=b2, eps=eps, eps_root=eps_root,
                                   weight_decay=weight_decay),
                 scale_by_learning_rate(learning_rate))


def sm3(learning_rate: float, momentum: float = 0.9) -> GradientTransformationExtraArgs:
    """SM3 (Anil et al., 2019): ``chain(scale_by_sm3(momentum), scale(-learning_rate))``.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> opt = optim.sm3(learning_rate=1.0)
        >>> p = {'w': np.array([1.0, -1.0])}
        >>> np.round(opt.update({'w': np.array([0.5, -2.0])}, opt.init(p), p)[0]['w'], 4).tolist()
        [-0.1, 0.1]
    """
    check_scalar_or_schedule("sm3", "learning_rate", learning_rate)
    if callable(learning_rate):
        raise TypeError("sm3: learning_rate must be a number (optax's sm3 takes no schedule); "
                        "chain(scale_by_sm3(), scale_by_learning_rate(schedule)) takes one.")
    return chain(scale_by_sm3(momentum), scale(-learning_rate))


def adan(  # noqa: PLR0913, PLR0917 (optax's signature)
    learning_rate: ScalarOrSchedule, b1: float = 0.98, b2: float = 0.92, b3: float = 0.99,
    eps: float = 1e-8, eps_root: float = 1e-8, weight_decay: ScalarOrSchedule = 0.0,
    mask: Any = None,
) -> GradientTransformationExtraArgs:
    """Adan (Xie et al., 2022), with decoupled weight decay as in `adamw`.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> opt = optim.adan(learning_rate=0.1)
        >>> p = {'w': np.array([1.0, -1.0])}
        >>> np.round(opt.update({'w': np.array([0.5, -2.0])}, opt.init(p), p)[0]['w'], 4).tolist()
        [-0.1, 0.1]
    """
    check_scalar_or_schedule("adan", "learning_rate", learning_rate)
    check_scalar_or_schedule("adan", "weight_decay", weight_decay)
    return chain(scale_by_adan(b1=b1, b2=b2, b3=b3, eps=eps, eps_root=eps_root),
                 add_decayed_weights(weight_decay, mask), scale_by_learning_rate(learning_rate))


def rprop(  # noqa: PLR0917 (optax's signature)
    learning_rate: float, eta_minus: float = 0.5, eta_plus: float = 1.2,
    min_step_size: float = 1e-6, max_step_size: float = 50.0,
) -> GradientTransformationExtraArgs:
    """Rprop (Riedmiller & Braun, 1993): ``chain(scale_by_rprop(...), scale(-1))``.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> opt = optim.rprop(learning_rate=0.1)
        >>> p = {'w': np.array([1.0, -1.0])}
        >>> state = opt.init(p)
        >>> for _ in range(2):
        ...     updates, state = opt.update({'w': np.array([0.5, -2.0])}, state, p)
        >>> np.round(updates['w'], 4).tolist()
        [-0.1, 0.1]
    """
    check_scalar_or_schedule("rprop", "learning_rate", learning_rate)
    return chain(scale_by_rprop(learning_rate=learning_rate, eta_minus=eta_minus,
                                eta_plus=eta_plus, min_step_size=min_step_size,
                                max_step_size=max_step_size), scale(-1.0))


def lars(  # noqa: PLR0913, PLR0917 (optax's signature)
    learning_rate: ScalarOrSchedule, weight_decay: ScalarOrSchedule = 0.0,
    weight_decay_mask: Any = True, trust_coefficient: float = 0.001, eps: float = 0.0,
    trust_ratio_mask: Any = True, momentum: float = 0.9, nesterov: bool = False,
) -> GradientTransformationExtraArgs:
    """LARS (You et al., 2017): SGD with momentum on layerwise trust-ratio-scaled updates.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> opt = optim.lars(learning_rate=1.0)
        >>> p = {'w': np.array([3.0, 4.0])}
        >>> np.round(opt.update({'w': np.array([0.6, 0.8])}, opt.init(p), p)[0]['w'], 4).tolist()
        [-0.003, -0.004]
    """
    check_scalar_or_schedule("lars", "learning_rate", learning_rate)
    check_scalar_or_schedule("lars", "weight_decay", weight_decay)
    return chain(
        add_decayed_weights(weight_decay, mask=weight_decay_mask),
        masked(scale_by_trust_ratio(trust_coefficient=trust_coefficient, eps=eps),
               trust_ratio_mask),
        scale_by_learning_rate(learning_rate),
        trace(decay=momentum, nesterov=nesterov),
    )


def fromage(learning_rate: ScalarOrSchedule, min_norm: float = 1e-6
            ) -> GradientTransformationExtraArgs:
    """Fromage (Bernstein et al., 2020): trust-ratio steps, shrunk by ``1 / sqrt(1 + lr**2)``.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> opt = optim.fromage(learning_rate=0.1)
        >>> p = {'w': np.array([3.0, 4.0])}
        >>> np.round(opt.update({'w': np.array([0.6, 0.8])}, opt.init(p), p)[0]['w'], 4).tolist()
        [-0.3134, -0.4179]
    """
    check_scalar_or_schedule("fromage", "learning_rate", learning_rate)
    if callable(learning_rate):
        def shrink(count):
            return 1 / (1 + learning_rate(count) ** 2) ** 0.5

        return chain(scale_by_trust_ratio(min_norm),
                     scale_by_learning_rate(lambda c: shrink(c) * learning_rate(c)),
                     add_decayed_weights(lambda c: shrink(c) - 1))
    factor = 1 / (1 + learning_rate**2) ** 0.5
    return chain(scale_by_trust_ratio(min_norm), scale_by_learning_rate(learning_rate * factor),
                 add_decayed_weights(factor - 1))


def sign_sgd(learning_rate: ScalarOrSchedule) -> GradientTransformationExtraArgs:
    """signSGD (Bernstein et al., 2018): steps of the gradients' signs.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> opt = optim.sign_sgd(learning_rate=0.1)
        >>> opt.update({'w': np.array([0.5, -2.0])}, opt.init({'w': np.zeros(2)}))[0]['w'].tolist()
        [-0.1, 0.1]
    """
    check_scalar_or_schedule("sign_sgd", "learning_rate", learning_rate)
    return chain(scale_by_sign(), scale_by_learning_rate(learning_rate))


def signum(learning_rate: ScalarOrSchedule, beta: float = 0.9, accumulator_dtype: Any = None
           ) -> GradientTransformationExtraArgs:
    """Signum (Bernstein et al., 2018): steps of the signs of a (biased) momentum.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> opt = optim.signum(learning_rate=0.1)
        >>> opt.update({'w': np.array([0.5, -2.0])}, opt.init({'w': np.zeros(2)}))[0]['w'].tolist()
        [-0.1, 0.1]
    """
    check_scalar_or_schedule("signum", "learning_rate", learning_rate)
    return chain(ema(beta, debias=False, accumulator_dtype=accumulator_dtype), scale_by_sign(),
                 scale_by_learning_rate(learning_rate))


def noisy_sgd(learning_rate: ScalarOrSchedule, eta: float = 0.01, gamma: float = 0.55,
              key: Any = None, *, seed: int | None = None) -> GradientTransformationExtraArgs:
    """SGD on gradients plus annealed Gaussian noise (Neelakantan et al., 2015); see `add_noise`.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> opt = optim.noisy_sgd(learning_rate=0.1, eta=0.0, key=0)
        >>> opt.update({'w': np.array([0.5, -2.0])}, opt.init({'w': np.zeros(2)}))[0]['w'].tolist()
        [-0.05, 0.2]
    """
    check_scalar_or_schedule("noisy_sgd", "learning_rate", learning_rate)
    return chain(add_noise(eta, gamma, key, seed=seed), scale_by_learning_rate(learning_rate))


def polyak_sgd(max_learning_rate: float = 1.0, scaling: ScalarOrSchedule = 1.0,
               f_min: float = 0.0, eps: float = 0.0, variant: str = "sps",
               ) -> GradientTransformationExtraArgs:
    """SGD with Polyak's step size (Loizou et al., 2021); ``update`` needs ``value=``.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> opt = optim.polyak_sgd()
        >>> g = {'w': np.array([3.0, 4.0])}
        >>> opt.update(g, opt.init(g), value=12.5)[0]['w'].tolist()
        [-1.5, -2.0]
    """
    check_scalar_or_schedule("polyak_sgd", "scaling", scaling)
    return chain(sgd(learning_rate=scaling),
                 scale_by_polyak(max_learning_rate=max_learning_rate, f_min=f_min, eps=eps,
                                 variant=variant))


def optimistic_gradient_descent(learning_rate: ScalarOrSchedule, alpha: float = 1.0,
                                beta: float = 1.0) -> GradientTransformationExtraArgs:
    """Optimistic gradient descent (for min-max games): steps of ``(alpha + beta) * g -
    beta * g_prev``.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> opt = optim.optimistic_gradient_descent(learning_rate=0.1)
        >>> opt.update({'w': np.array([0.5, -2.0])}, opt.init({'w': np.zeros(2)}))[0]['w'].tolist()
        [-0.05, 0.2]
    """
    check_scalar_or_schedule("optimistic_gradient_descent", "learning_rate", learning_rate)
    return chain(scale_by_optimistic_gradient(alpha=alpha, beta=beta),
                 scale_by_learning_rate(learning_rate))


def optimistic_adam(  # noqa: PLR0913, PLR0917 (optax's signature)
    learning_rate: float, optimism: float | None = None, b1: float = 0.9, b2: float = 0.999,
    eps: float = 1e-08, eps_root: float = 0.0, mu_dtype: Any = None, *, nesterov: bool = True,
) -> GradientTransformationExtraArgs:
    """Optimistic Adam (deprecated in optax 0.2.8 for `optimistic_adam_v2`; warns likewise).

    Adam steps fed to `scale_by_optimistic_gradient` with ``alpha=learning_rate`` and
    ``beta=optimism`` (default: the learning rate). No schedules.

    Example:
        >>> import numpy as np, warnings
        >>> from fungrad import optim
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter('ignore', DeprecationWarning)
        ...     opt = optim.optimistic_adam(learning_rate=0.1)
        >>> p = {'w': np.array([1.0, -1.0])}
        >>> np.round(opt.update({'w': np.array([0.5, -2.0])}, opt.init(p), p)[0]['w'], 4).tolist()
        [-0.1474, 0.1474]
    """
    warnings.warn("optimistic_adam is deprecated (as in optax 0.2.8): use optimistic_adam_v2.",
                  DeprecationWarning, stacklevel=2)
    if callable(learning_rate):
        raise ValueError("optimistic_adam: learning_rate cannot be a schedule here; "
                         "optimistic_adam_v2 takes schedules.")
    check_scalar_or_schedule("optimistic_adam", "learning_rate", learning_rate)
    optimism = learning_rate if optimism is None else optimism
    return chain(scale_by_adam(b1=b1, b2=b2, eps=eps, eps_root=eps_root, mu_dtype=mu_dtype,
                               nesterov=nesterov),
                 scale_by_optimistic_gradient(alpha=learning_rate, beta=optimism),
                 scale_by_learning_rate(1.0))


def optimistic_adam_v2(  # noqa: PLR0913 (optax's signature)
    learning_rate: ScalarOrSchedule, *, alpha: float = 1.0, beta: float = 1.0, b1: float = 0.9,
    b2: float = 0.999, eps: float = 1e-08, eps_root: float = 0.0, mu_dtype: Any = None,
    nesterov: bool = True,
) -> GradientTransformationExtraArgs:
    """Optimistic Adam: Adam steps through `scale_by_optimistic_gradient(alpha, beta)`.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> opt = optim.optimistic_adam_v2(learning_rate=0.1)
        >>> p = {'w': np.array([1.0, -1.0])}
        >>> np.round(opt.update({'w': np.array([0.5, -2.0])}, opt.init(p), p)[0]['w'], 4).tolist()
        [-0.1474, 0.1474]
    """
    check_scalar_or_schedule("optimistic_adam_v2", "learning_rate", learning_rate)
    return chain(scale_by_adam(b1=b1, b2=b2, eps=eps, eps_root=eps_root, mu_dtype=mu_dtype,
                               nesterov=nesterov),
                 scale_by_optimistic_gradient(alpha=alpha, beta=beta),
                 scale_by_learning_rate(learning_rate))


def adamaxw(  # noqa: PLR0917 (optax's signature)
    learning_rate: ScalarOrSchedule, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8,
    weight_decay: ScalarOrSchedule = 1e-4, mask: Any = None,
) -> GradientTransformationExtraArgs:
    """AdamaxW: `adamax` with decoupled weight decay as in `adamw`.

    Example:
        >>> import numpy as np
        >>> from fungrad import optim
        >>> opt = optim.adamaxw(learning_rate=0.1)
        >>> p = {'w': np.array([1.0, -1.0])}
        >>> np.round(opt.update({'w': np.array([0.5, -2.0])}, opt.init(p), p)[0]['w'], 4).tolist()
        [-0.1, 0.1]
    """
    check_scalar_or_schedule("adamaxw", "learning_rate", learning_rate)
    check_scalar_or_schedule("adamaxw", "weight_decay", weight_decay)
    return chain(scale_by_adamax(b1=b1, b2=b2, eps=eps), add_decayed_weights(weight_decay, mask),
                 scale_by_learning_rate(learning_rate))
