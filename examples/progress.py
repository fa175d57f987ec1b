"""A tiny progress bar for the examples (support module, not an example; no dependency).

On a terminal, `progress` redraws one line in place while an epoch runs and erases it when
the epoch ends, so the example's own per-epoch line takes its place. When stdout is not a
terminal (a pipe, a file, pytest's capture, CI) it draws nothing: the output is exactly
the per-epoch lines.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import TextIO, TypeVar

T = TypeVar("T")

_REDRAW_SECONDS = 0.1  # at most ten redraws a second


def is_terminal(stream: TextIO | None = None) -> bool:
    """Whether `stream` (default: stdout) is an interactive terminal."""
    stream = sys.stdout if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


class ProgressBar:
    """A one-line bar ``desc [#####.....]  12/40  loss 0.123  [1.2s]``, drawn on a terminal.

    Args:
      total: the number of steps the bar counts to (``None``: show only the count).
      desc: a label in front of the bar, e.g. ``"epoch 3/40"``.
      stream: where to draw (default stdout); nothing is drawn unless it is a terminal.
      width: the bar's width in characters.
    """

    def __init__(self, total: int | None, desc: str = "", stream: TextIO | None = None,
                 width: int = 30):
        self.total, self.desc, self.width = total, desc, width
        self.stream = sys.stdout if stream is None else stream
        self.enabled = is_terminal(self.stream)
        self.count, self.postfix = 0, ""
        self._start = time.perf_counter()
        self._last_draw = 0.0
        self._drawn_width = 0

    def update(self, n: int = 1, postfix: str | None = None) -> None:
        """Advance by `n` steps; `postfix` (e.g. ``"loss 0.123"``) replaces the shown text."""
        self.count += n
        if postfix is not None:
            self.postfix = postfix
        now = time.perf_counter()
        if self.enabled and (now - self._last_draw >= _REDRAW_SECONDS
                             or self.count == self.total):
            self._last_draw = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        if self.total:
            filled = min(self.width, self.width * self.count // self.total)
            bar = f"[{'#' * filled}{'.' * (self.width - filled)}]  {self.count}/{self.total}"
        else:
            bar = f"{self.count}"
        parts = (self.desc, bar, self.postfix, f"[{now - self._start:5.1f}s]")
        line = "  ".join(p for p in parts if p)
        pad = " " * max(0, self._drawn_width - len(line))
        self.stream.write("\r" + line + pad)
        self.stream.flush()
        self._drawn_width = len(line)

    def close(self) -> None:
        """Erase the bar (the caller prints its summary line in its place)."""
        if self.enabled and self._drawn_width:
            self.stream.write("\r" + " " * self._drawn_width + "\r")
            self.stream.flush()
            self._drawn_width = 0

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def progress(iterable: Iterable[T], total: int | None = None, desc: str = "",
             stream: TextIO | None = None) -> Iterator[T]:
    """Yield the items of `iterable`, advancing a `ProgressBar` after each one.

    Args:
      iterable: the steps of one epoch (e.g. its batches).
      total: how many items there are (default ``len(iterable)`` where it has one).
      desc: the bar's label.
      stream: where to draw (default stdout; nothing is drawn unless it is a terminal).

    Yields:
      The items of `iterable`, unchanged.
    """
    if total is None and hasattr(iterable, "__len__"):
        total = len(iterable)
    with ProgressBar(total, desc, stream) as bar:
        for item in iterable:
            yield item
            bar.update()
