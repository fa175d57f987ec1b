"""fungrad.optim: optax-style optimizers as pure ``(init, update)`` pairs over pytrees.

``import fungrad.optim as optim``. An optimizer is a `GradientTransformation`:
``state = opt.init(params)``, then every step
``updates, state = opt.update(grads, state, params)`` and
``params = optim.apply_updates(params, updates)``. Optimizers (`adam`, `sgd`...) are
`chain`s of building blocks (`scale_by_adam`, `clip_by_global_norm`...); learning rates
may be schedules of the step count kept in the state. Names, arguments and defaults
follow optax.

>>> import numpy as np, fungrad as fg, fungrad.optim as optim
>>> opt = optim.chain(optim.clip_by_global_norm(1.0), optim.adamw(1e-3, weight_decay=1e-2))
>>> params = {'w': np.ones((2, 2)), 'b': np.zeros(2)}
>>> state = opt.init(params)
>>> grads = fg.grad(lambda p: ((p['w'] @ np.ones(2) + p['b']) ** 2).sum())(params)
>>> updates, state = opt.update(grads, state, params)
>>> params = optim.apply_updates(params, updates)
"""

from fungrad.nn.losses import (  # noqa: F401,E402 (optax's top-level loss names)
    convex_kl_divergence,
    cosine_distance,
    cosine_similarity,
    ctc_loss,
    ctc_loss_with_forward_probs,
    generalized_kl_divergence,
    hinge_loss,
    huber_loss,
    kl_divergence,
    l2_loss,
    log_cosh,
    ntxent,
    safe_softmax_cross_entropy,
    sigmoid_binary_cross_entropy,
    sigmoid_focal_loss,
    smooth_labels,
    softmax_cross_entropy,
    softmax_cross_entropy_with_integer_labels,
    squared_error,
)
from fungrad.optim import (  # noqa: F401,E402
    assignment,
    contrib,
    experimental,
    losses,
    microbatching,
    perturbations,
    projections,
    second_order,
    tree,
    tree_utils,
)
from fungrad.optim.adaptive import *  # noqa: F401,F403
from fungrad.optim.aliases import *  # noqa: F401,F403
from fungrad.optim.aliases_extra import *  # noqa: F401,F403
from fungrad.optim.aliases_more import *  # noqa: F401,F403
from fungrad.optim.base import *  # noqa: F401,F403
from fungrad.optim.clipping import *  # noqa: F401,F403
from fungrad.optim.conditional import *  # noqa: F401,F403
from fungrad.optim.constraints import *  # noqa: F401,F403
from fungrad.optim.gaussian import *  # noqa: F401,F403
from fungrad.optim.hyperparams import *  # noqa: F401,F403
from fungrad.optim.lbfgs import *  # noqa: F401,F403
from fungrad.optim.linear_algebra import *  # noqa: F401,F403
from fungrad.optim.microbatching import microbatch  # noqa: F401,E402
from fungrad.optim.moments import *  # noqa: F401,F403
from fungrad.optim.monitoring import *  # noqa: F401,F403
from fungrad.optim.numerics import *  # noqa: F401,F403
from fungrad.optim.partition import *  # noqa: F401,F403
from fungrad.optim.schedules import *  # noqa: F401,F403
from fungrad.optim.state_params import *  # noqa: F401,F403
from fungrad.optim.step_sizes import *  # noqa: F401,F403
from fungrad.optim.stepping import *  # noqa: F401,F403
from fungrad.optim.target_updates import *  # noqa: F401,F403
from fungrad.optim.transforms import *  # noqa: F401,F403
from fungrad.optim.wrappers import *  # noqa: F401,F403
from fungrad.optim.zoom_linesearch import *  # noqa: F401,F403

# optax's top-level names for the moment helpers of optax.tree_utils:
bias_correction = tree_utils.tree_bias_correction
update_infinity_moment = tree_utils.tree_update_infinity_moment
update_moment = tree_utils.tree_update_moment
update_moment_per_elem_norm = tree_utils.tree_update_moment_per_elem_norm
