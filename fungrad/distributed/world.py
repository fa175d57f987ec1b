"""The process world: MPI through mpi4py, or a one-process world without it.

`initialize` joins the MPI world when the program was launched by ``mpiexec`` (the launcher
sets ``PMI_RANK``/``PMI_SIZE``, or Open MPI's ``OMPI_COMM_WORLD_*``) and mpi4py is
installed; otherwise the world is this one process and no MPI library is loaded. Every
collective here is bounded in time (``heartbeat_timeout_seconds``) and checks first that
all ranks send the same kind of message (shape, dtype, key path), so a mismatch is an error
on every rank rather than garbage or a hang. An uncaught exception on one rank aborts the
whole communicator (`sys.excepthook`), so the other ranks stop instead of waiting forever.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
import traceback

import numpy as np

from fungrad.errors import FungradError

__all__ = ["DistributedError", "CollectiveTimeoutError", "initialize", "is_initialized",
           "process_index", "process_count", "shutdown"]

_LAUNCH_VARS = ("PMI_SIZE", "PMI_RANK", "OMPI_COMM_WORLD_SIZE", "PMIX_RANK")


class DistributedError(FungradError, RuntimeError):
    """Processes disagree in a collective (shape, dtype, tree) or the world is misused."""


class CollectiveTimeoutError(DistributedError, TimeoutError):
    """A collective waited longer than the timeout for the other ranks."""


class _World:
    def __init__(self):
        self.comm = None  # an mpi4py communicator when size > 1 (or under mpiexec -n 1)
        self.rank, self.size = 0, 1
        self.timeout = 100.0
        self.initialized = False
        self.hook = None


world = _World()


def _launched_by_mpiexec() -> bool:
    return any(v in os.environ for v in _LAUNCH_VARS)


def initialize(coordinator_address: str | None = None, num_processes: int | None = None,
               process_id: int | None = None, local_device_ids=None,
               cluster_detection_method: str | None = None, initialization_timeout: int = 300,
               heartbeat_timeout_seconds: int = 100, shutdown_timeout_seconds: int = 300,
               coordinator_bind_address: str | None = None, slice_index: int | None = None,
               partition_index: int | None = None) -> None:
    """Join the process world (JAX's signature; the world is MPI's ``COMM_WORLD``).

    Under ``mpiexec -n N`` (with mpi4py installed: ``pip install "fungrad[distributed]"``)
    the world has N processes; launched plainly it is this one process and MPI is not
    loaded, so the same script runs on a laptop without ``mpiexec``. ``num_processes`` and
    ``process_id``, when given, must agree with the launcher's. ``heartbeat_timeout_seconds``
    bounds every collective: a rank that waits longer for the others raises
    `CollectiveTimeoutError`. The coordinator, device and slice arguments belong to JAX's
    own runtime and must stay None (MPI's launcher connects the processes).

    Calling it again changes only the timeout. `process_index`/`process_count` initialize
    on first use.
    """
    for name, value in (("coordinator_address", coordinator_address),
                        ("local_device_ids", local_device_ids),
                        ("cluster_detection_method", cluster_detection_method),
                        ("coordinator_bind_address", coordinator_bind_address),
                        ("slice_index", slice_index), ("partition_index", partition_index)):
        if value is not None:
            raise ValueError(
                f"distributed.initialize: {name}={value!r} is not supported: fungrad's "
                "processes are connected by MPI's launcher (mpiexec -n N python script.py), "
                "not by a coordinator or devices; leave it None.")
    if not heartbeat_timeout_seconds or heartbeat_timeout_seconds <= 0:
        raise ValueError("distributed.initialize: heartbeat_timeout_seconds must be > 0, got "
                         f"{heartbeat_timeout_seconds!r}")
    world.timeout = float(heartbeat_timeout_seconds)
    if not world.initialized:
        if _launched_by_mpiexec():
            try:
                from mpi4py import MPI  # noqa: PLC0415
            except ImportError as err:
                raise ImportError(
                    "distributed.initialize: this process was launched by mpiexec but mpi4py "
                    "is not installed; `pip install mpi4py mpich` (the `distributed` extra) "
                    "or run without mpiexec for a one-process world.") from err
            world.comm = MPI.COMM_WORLD
            world.rank, world.size = world.comm.Get_rank(), world.comm.Get_size()
            _install_abort_hook()
        world.initialized = True
    for name, value, have in (("num_processes", num_processes, world.size),
                              ("process_id", process_id, world.rank)):
        if value is not None and value != have:
            raise ValueError(f"distributed.initialize: {name}={value} but the launcher "
                             f"started this process with {name}={have}")


def _install_abort_hook() -> None:
    previous = sys.excepthook

    def abort_on_error(kind, value, tb):
        sys.stderr.write(f"[fungrad rank {world.rank}/{world.size}] uncaught exception; "
                         "aborting all ranks (MPI_Abort)\n")
        sys.stderr.write("".join(traceback.format_exception(kind, value, tb)))
        sys.stderr.flush()
        try:
            world.comm.Abort(1)
        finally:
            previous(kind, value, tb)

    world.hook = sys.excepthook = abort_on_error


def is_initialized() -> bool:
    """Whether `initialize` ran (explicitly or through `process_index`/`process_count`)."""
    return world.initialized


def _ensure() -> _World:
    if not world.initialized:
        initialize()
    return world


def _check_backend(fn: str, backend) -> None:
    if backend not in (None, "cpu"):
        raise ValueError(f"{fn}: backend={backend!r}; fungrad's processes run on 'cpu' "
                         "(or pass None)")


def process_index(backend: str | None = None) -> int:
    """This process's rank in the world (0 without MPI); JAX's signature.

    Example:
        >>> import fungrad
        >>> fungrad.process_index()  # run without mpiexec: the only process
        0
    """
    _check_backend("process_index", backend)
    return _ensure().rank


def process_count(backend: str | None = None) -> int:
    """The number of processes in the world (1 without MPI); JAX's signature.

    Example:
        >>> import fungrad
        >>> fungrad.process_count()  # run without mpiexec: a one-process world
        1
    """
    _check_backend("process_count", backend)
    return _ensure().size


def shutdown() -> None:
    """Wait for every rank (a barrier bounded by the timeout); MPI finalizes at exit."""
    w = _ensure()
    if w.comm is not None and w.size > 1:
        _wait(w.comm.Ibarrier(), "shutdown barrier")


# ---------------------------------------------------------------------------------------
# Bounded collectives on byte buffers


def _wait(request, what: str) -> None:
    # Poll as MPI's blocking calls do (busy for the first millisecond), then yield the core,
    # then sleep 0.5 ms between polls; the deadline is checked throughout.
    start = time.monotonic()
    deadline = start + world.timeout
    while not request.Test():
        now = time.monotonic()
        if now > deadline:
            raise CollectiveTimeoutError(
                f"distributed: rank {world.rank} of {world.size} waited more than "
                f"{world.timeout:g} s for the other ranks in {what}; a rank has stopped, "
                "is stuck, or skipped this collective (every rank must make the same "
                "collective calls in the same order). Raise the limit with "
                "distributed.initialize(heartbeat_timeout_seconds=...).")
        if now - start > 0.001:  # past 1 ms: yield the core (shared machines), then sleep
            time.sleep(0 if now - start < 0.05 else 0.0005)


def allgather_bytes(buf: np.ndarray, what: str) -> np.ndarray:
    """Every rank's ``buf`` (uint8, the same length everywhere) stacked: ``(size, n)``."""
    w = world
    out = np.empty((w.size, buf.size), np.uint8)
    if w.size == 1:
        out[0] = buf
        return out
    _wait(w.comm.Iallgather(buf, out), what)
    return out


def bcast_bytes(buf: np.ndarray, root: int, what: str) -> np.ndarray:
    w = world
    if w.size > 1:
        _wait(w.comm.Ibcast(buf, root=root), what)
    return buf


def _digest(signature) -> np.ndarray:
    return np.frombuffer(hashlib.blake2b(repr(signature).encode(), digest_size=16).digest(),
                         np.uint8)


def check_same(signature, what: str, describe) -> None:
    """Raise on every rank unless every rank passes an equal ``signature``.

    ``describe(mine, theirs)`` returns the text of the difference (e.g. the first key path
    whose shape or dtype differs); ranks exchange full signatures only when digests differ.
    """
    w = world
    if w.size == 1:
        return
    digests = allgather_bytes(_digest(signature), f"{what} (checking shapes and dtypes)")
    if all(np.array_equal(digests[0], d) for d in digests[1:]):
        return
    everyone = w.comm.allgather(signature)  # every rank gets here: all saw the mismatch
    ref = everyone[0]
    for rank, sig in enumerate(everyone):
        if sig != ref:
            raise DistributedError(
                f"distributed: {what}: rank {rank} differs from rank 0: "
                f"{describe(ref, sig)} (seen on rank {w.rank}; every rank must pass the "
                "same shapes, dtypes and tree structure)")


def signature_of(leaves_with_paths) -> tuple:
    """``((path, shape, dtype), ...)`` of flat ``(keystr, array)`` pairs."""
    return tuple((p, tuple(np.shape(x)), np.dtype(getattr(x, "dtype", None) or
                                                  np.asarray(x).dtype).str)
                 for p, x in leaves_with_paths)


def describe_leaves(ref, sig) -> str:
    if len(ref) != len(sig):
        return f"{len(sig)} leaves instead of {len(ref)} (a different tree structure)"
    for (p0, s0, d0), (p1, s1, d1) in zip(ref, sig):
        if (p0, s0, d0) != (p1, s1, d1):
            where = p1 or "<root>"
            if p0 != p1:
                return f"leaf {where} where rank 0 has {p0 or '<root>'} (a different tree)"
            return (f"leaf {where} has shape {s1} dtype {np.dtype(d1).name} where rank 0 has "
                    f"shape {s0} dtype {np.dtype(d0).name}")
    return "a different signature"
