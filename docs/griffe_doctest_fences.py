"""Griffe extension for the API reference: render docstring examples as code blocks.

The project's docstrings put their doctest examples either under an ``Example:`` heading
(which Google-style parsing treats as an admonition, whose text is Markdown) or as a
paragraph after ``Returns:``. Markdown does not recognise ``>>>`` lines, so without this
their output lines (``[1, 3]``) would be read as Markdown links. This extension wraps each
doctest block (a ``>>>`` line, its ``...`` continuations and its output, up to the next blank
line) in a ``pycon`` fence before the docstring is parsed. Only the rendered pages change;
``doctest`` still reads the docstrings as written.
"""

from __future__ import annotations

import griffe


def fence_doctests(text: str) -> str:
    """``text`` with every doctest block wrapped in a fenced ``pycon`` code block."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.lstrip()
        if not stripped.startswith(">>>"):
            out.append(line)
            i += 1
            continue
        indent = line[: len(line) - len(stripped)]
        out.append(f"{indent}```pycon")
        while i < len(lines) and lines[i].strip():
            body = lines[i]
            out.append(indent + body[len(indent):] if body.startswith(indent) else body)
            i += 1
        out.append(f"{indent}```")
    return "\n".join(out)


class DoctestFences(griffe.Extension):
    """Fence the doctest examples of every docstring griffe loads."""

    def on_instance(self, *, obj: griffe.Object, **kwargs) -> None:  # noqa: ARG002
        if obj.docstring is not None and ">>>" in obj.docstring.value:
            obj.docstring.value = fence_doctests(obj.docstring.value)
