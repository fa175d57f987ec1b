"""fungrad: JAX-style function transforms (grad, jvp, vjp, vmap, jit...) for NumPy code.

``import fungrad as fg; import fungrad.numpy as fnp``.
"""

from fungrad import debug, lax, nn, numpy, optim, random, scipy, tree_util  # noqa: F401

# `fg.config` is the options object (it hides the submodule fungrad.config, as in JAX).
from fungrad.config import config, disable_jit  # noqa: F401
from fungrad.core import ShapedArray  # noqa: F401
from fungrad.dtypes import float0  # noqa: F401
from fungrad.serialization import CheckpointError, load, save  # noqa: F401
from fungrad.transforms.api import (  # noqa: F401
    grad,
    jvp,
    linearize,
    make_ir,
    stop_gradient,
    value_and_grad,
    vjp,
)
from fungrad.transforms.checkpoint import (  # noqa: F401
    checkpoint,
    checkpoint_name,
    checkpoint_policies,
    print_saved_residuals,
    remat,
    saved_residuals,
)
from fungrad.transforms.custom_derivatives import custom_jvp, custom_vjp  # noqa: F401
from fungrad.transforms.jacobians import hessian, hvp, jacfwd, jacobian, jacrev  # noqa: F401
from fungrad.transforms.jit import jit  # noqa: F401
from fungrad.transforms.vmap_api import vmap  # noqa: F401

__version__ = "0.1.0"
