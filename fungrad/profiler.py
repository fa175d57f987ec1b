"""fungrad.profiler: profiling a block of Python, with ``jax.profiler``'s names.

JAX's profiler records device activity for TensorBoard/Perfetto. fungrad runs on the host
(NumPy, Numba kernels, CuPy launches), so its trace is Python's: ``trace(log_dir)`` (or
``start_trace``/``stop_trace``) runs :mod:`cProfile` over the block and writes, into a new
folder ``log_dir/plugins/profile/<timestamp>/``:

- ``<host>.pstats``: the cProfile statistics (read with ``pstats.Stats(path)`` or
  ``snakeviz``); jitted programs appear as the calls of their kernels.
- ``<host>.trace.json``: the :class:`TraceAnnotation`/:class:`StepTraceAnnotation`/
  :func:`annotate_function` intervals entered during the trace, as Chrome trace events
  (``chrome://tracing`` and https://ui.perfetto.dev open it).

Annotations outside a trace cost one ``perf_counter`` call each and record nothing.
JAX's ``device_memory_profile``, ``start_server`` and ``ProfileOptions`` have no
counterpart (there is no device runtime to query or serve).
"""

from __future__ import annotations

import contextlib
import cProfile
import datetime
import functools
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator

__all__ = ["StepTraceAnnotation", "TraceAnnotation", "annotate_function", "start_trace",
           "stop_trace", "trace"]


class _Session:
    """The one active trace: the profiler, its folder and the annotation events."""

    def __init__(self, log_dir):
        stamp = datetime.datetime.now().strftime("%Y_%m_%d_%H_%M_%S_%f")
        self.folder = os.path.join(os.fspath(log_dir), "plugins", "profile", stamp)
        self.profile = cProfile.Profile()
        self.events: list[dict] = []
        self.start = time.perf_counter()
        self.lock = threading.Lock()

    def add(self, name: str, begin: float, end: float, args: dict) -> None:
        event = {"name": name, "ph": "X", "pid": os.getpid(), "tid": threading.get_ident(),
                 "ts": (begin - self.start) * 1e6, "dur": (end - begin) * 1e6,
                 "args": {k: str(v) for k, v in args.items()}}
        with self.lock:
            self.events.append(event)

    def write(self) -> str:
        os.makedirs(self.folder, exist_ok=True)
        base = os.path.join(self.folder, socket.gethostname())
        self.profile.dump_stats(base + ".pstats")
        with open(base + ".trace.json", "w") as f:
            json.dump({"traceEvents": self.events, "displayTimeUnit": "ms"}, f)
        return self.folder


_active: list[_Session] = []


def start_trace(log_dir: os.PathLike | str, create_perfetto_link: bool = False,
                create_perfetto_trace: bool = False, profiler_options=None) -> None:
    """Start profiling; :func:`stop_trace` writes the files into ``log_dir``.

    ``create_perfetto_link`` and ``profiler_options`` are JAX's and are not supported
    (True/non-None raise); the Chrome-trace JSON is always written, so
    ``create_perfetto_trace`` is accepted either way.

    >>> import tempfile, fungrad.profiler as prof
    >>> d = tempfile.mkdtemp()
    >>> prof.start_trace(d); _ = sum(range(10)); prof.stop_trace()
    >>> import pathlib; sorted(p.suffix for p in pathlib.Path(d).rglob("*.*"))
    ['.json', '.pstats']
    """
    if create_perfetto_link or profiler_options is not None:
        raise NotImplementedError(
            "fungrad.profiler.start_trace: create_perfetto_link and profiler_options are "
            "not supported (the trace is Python's cProfile); open the written "
            "<host>.trace.json in https://ui.perfetto.dev instead.")
    if _active:
        raise RuntimeError("fungrad.profiler.start_trace: a trace is already running "
                           f"(into {_active[0].folder}); call stop_trace() first.")
    session = _Session(log_dir)
    _active.append(session)
    session.profile.enable()


def stop_trace() -> None:
    """Stop the running trace and write its files (see the module docstring).

    >>> import fungrad.profiler as prof
    >>> prof.stop_trace()
    Traceback (most recent call last):
    ...
    RuntimeError: fungrad.profiler.stop_trace: no trace is running; call start_trace(log_dir) first.
    """
    if not _active:
        raise RuntimeError("fungrad.profiler.stop_trace: no trace is running; call "
                           "start_trace(log_dir) first.")
    session = _active.pop()
    session.profile.disable()
    session.write()


@contextlib.contextmanager
def trace(log_dir: os.PathLike | str, create_perfetto_link=False,
          create_perfetto_trace=False, profiler_options=None) -> Iterator[None]:
    """Profile the block: ``with fungrad.profiler.trace(log_dir): ...``.

    >>> import tempfile, pathlib, fungrad.profiler as prof
    >>> d = tempfile.mkdtemp()
    >>> with prof.trace(d):
    ...     with prof.TraceAnnotation("work"):
    ...         _ = sum(range(100))
    >>> events = json.loads(next(pathlib.Path(d).rglob("*.json")).read_text())["traceEvents"]
    >>> [e["name"] for e in events]
    ['work']
    """
    start_trace(log_dir, create_perfetto_link, create_perfetto_trace, profiler_options)
    try:
        yield
    finally:
        stop_trace()


class TraceAnnotation:
    """A named interval in the trace: a context manager (``with TraceAnnotation("step"):``);
    keyword arguments are recorded with it.

    >>> with TraceAnnotation("load", batch=3):
    ...     pass
    """

    def __init__(self, name: str, **kwargs):
        self.name, self.kwargs = name, kwargs
        self._begin = 0.0

    def __enter__(self):
        self._begin = time.perf_counter()
        return self

    def __exit__(self, *exc):
        if _active:
            _active[-1].add(self.name, self._begin, time.perf_counter(), self.kwargs)
        return False


class StepTraceAnnotation(TraceAnnotation):
    """A :class:`TraceAnnotation` marking one training step (``step_num=`` as in JAX).

    >>> with StepTraceAnnotation("train", step_num=0):
    ...     pass
    """

    def __init__(self, name: str, **kwargs):
        super().__init__(name, **kwargs)


def annotate_function(func: Callable, name: str | None = None, **decorator_kwargs):
    """Decorate ``func`` so that each call is a :class:`TraceAnnotation` named after it.

    >>> @annotate_function
    ... def step(x):
    ...     return x + 1
    >>> step(1)
    2
    """
    label = name or getattr(func, "__qualname__", getattr(func, "__name__", "function"))

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with TraceAnnotation(label, **decorator_kwargs):
            return func(*args, **kwargs)

    return wrapper
