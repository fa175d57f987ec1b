"""fungrad: JAX-style function transforms (grad, jvp, vjp, vmap, jit...) for NumPy code.

``import fungrad as fg; import fungrad.numpy as fnp``.
"""

from fungrad import (  # noqa: F401
    ad_checkpoint,
    custom_batching,
    custom_derivatives,
    debug,
    distributed,
    dlpack,
    experimental,
    flatten_util,
    image,
    lax,
    mixed_precision,
    nn,
    numpy,
    optim,
    profiler,
    random,
    scipy,
    stages,
    tree,
    tree_util,
    typing,
    version,
)

# `fg.config` is the options object (it hides the submodule fungrad.config, as in JAX).
from fungrad.config import config, disable_jit  # noqa: F401
from fungrad.config_states import (  # noqa: F401
    check_tracer_leaks,
    checking_leaks,
    debug_infs,
    debug_key_reuse,
    debug_nans,
    default_device,
    default_matmul_precision,
    enable_checks,
    enable_x64,
    explain_cache_misses,
    log_compiles,
    no_tracing,
    numpy_dtype_promotion,
    numpy_rank_promotion,
    transfer_guard,
    transfer_guard_device_to_device,
    transfer_guard_device_to_host,
    transfer_guard_host_to_device,
)
from fungrad.core import ShapedArray  # noqa: F401
from fungrad.devices import (  # noqa: F401
    Device,
    block_until_ready,
    default_backend,
    device_count,
    device_get,
    device_put,
    devices,
    effects_barrier,
    local_device_count,
    local_devices,
)
from fungrad.distributed.world import process_count, process_index  # noqa: F401
from fungrad.dtypes import float0  # noqa: F401
from fungrad.environment_info import print_environment_info  # noqa: F401
from fungrad.numpy.array_type import Array  # noqa: F401
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
from fungrad.transforms.callbacks import pure_callback  # noqa: F401
from fungrad.transforms.checkpoint import (  # noqa: F401
    checkpoint,
    checkpoint_name,
    checkpoint_policies,
    print_saved_residuals,
    remat,
    saved_residuals,
)
from fungrad.transforms.custom_derivatives import custom_jvp, custom_vjp  # noqa: F401
from fungrad.transforms.custom_gradient import custom_gradient  # noqa: F401
from fungrad.transforms.fwd_and_bwd import fwd_and_bwd  # noqa: F401
from fungrad.transforms.jacobians import hessian, hvp, jacfwd, jacobian, jacrev  # noqa: F401
from fungrad.transforms.jit import clear_caches, jit  # noqa: F401
from fungrad.transforms.linear_transpose import linear_transpose  # noqa: F401
from fungrad.transforms.pmap import pmap  # noqa: F401
from fungrad.transforms.staging_api import (  # noqa: F401
    ShapeDtypeStruct,
    closure_convert,
    ensure_compile_time_eval,
    eval_shape,
    make_jaxpr,
    named_call,
    named_scope,
    typeof,
)
from fungrad.transforms.vmap_api import vmap  # noqa: F401
from fungrad.version import __version__  # noqa: F401
