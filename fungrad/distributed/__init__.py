"""Multi-process (MPI) execution: the world, data-parallel helpers and ``fg.pmap``'s wiring.

``initialize()`` joins MPI's world under ``mpiexec -n N`` (mpi4py and the ``mpich`` wheel:
``pip install "fungrad[distributed]"``) and is a one-process world otherwise, so scripts
run unchanged without MPI. ``broadcast_one_to_all`` starts every rank from rank 0's values,
``allreduce_gradients`` averages gradients in dtype buckets (one message per bucket,
bit-identical on every rank), ``process_shard``/``shard_range`` give each rank its part of
a batch or data set. Collectives are bounded by a timeout and check that every rank sends
the same shapes and dtypes; an uncaught exception on one rank aborts them all.
"""

from fungrad.distributed import primitives  # noqa: F401  (registers the process_* primitives)
from fungrad.distributed.training import (  # noqa: F401
    DEFAULT_BUCKET_BYTES,
    allreduce_gradients,
    broadcast_one_to_all,
    process_shard,
    shard_range,
)
from fungrad.distributed.world import (  # noqa: F401
    CollectiveTimeoutError,
    DistributedError,
    initialize,
    is_initialized,
    process_count,
    process_index,
    shutdown,
)

__all__ = ["initialize", "is_initialized", "process_index", "process_count", "shutdown",
           "broadcast_one_to_all", "allreduce_gradients", "process_shard", "shard_range",
           "DistributedError", "CollectiveTimeoutError", "DEFAULT_BUCKET_BYTES"]
