"""Why a jitted function traced again: the message of ``fg.explain_cache_misses``.

A jitted function's trace cache is keyed by ``(input pytree structure, static arguments,
one key per array leaf (shape and dtype, or a Python scalar's type), bound vmap axis
names)``. On a miss this module compares the new key with each cached one, picks the
closest (fewest differing parts) and names what differs, by argument name, in the spirit
of JAX's ``TRACING CACHE MISS`` messages.
"""

from __future__ import annotations

import inspect
import weakref

import numpy as np

__all__ = ["explain_miss", "note_uncached"]

# Keys a jitted function traced but could not cache: the trace closed over tracers of an
# enclosing transform, so every such call traces again.
_uncached: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def note_uncached(jitted, key) -> None:
    """Remember that ``jitted`` traced ``key`` without caching the trace."""
    _uncached.setdefault(jitted, set()).add(key)


def explain_miss(jitted, key, leaf_labels, static_labels, site: str) -> str:
    """The explanation of a trace-cache miss of the jitted function ``jitted``.

    >>> import fungrad as fg
    >>> f = fg.jit(lambda x: x)
    >>> print(explain_miss(f, ("tree", (), (float,), ()), ["x"], [], "x.py:3 (main)"))
    TRACING CACHE MISS at x.py:3 (main):
      never seen function:
        <lambda> defined at ...
    """
    name, cached_keys = jitted.name, list(jitted.cache)
    head = f"TRACING CACHE MISS at {site}:"
    defined = _definition(jitted.fun)
    if key in _uncached.get(jitted, ()):
        return (f"{head}\n  for {name}{defined}\n  this call's key was traced before, but "
                "that trace closed over tracers of an enclosing transform (grad, vmap...), "
                "so it was not cached; pass those values as arguments to reuse the trace")
    if not cached_keys:
        return f"{head}\n  never seen function:\n    {name}{defined}"
    closest = min(cached_keys, key=lambda old: len(_differences(key, old, leaf_labels,
                                                                static_labels)))
    lines = [head, f"  for {name}{defined}",
             "  all previously seen cache keys differ. For the closest previous key:"]
    lines += _differences(key, closest, leaf_labels, static_labels)
    return "\n".join(lines)


def _definition(fun) -> str:
    try:
        code = inspect.unwrap(fun).__code__
    except (AttributeError, ValueError):
        return ""
    return f" defined at {code.co_filename}:{code.co_firstlineno}"


def _differences(new, old, leaf_labels, static_labels) -> list[str]:
    new_tree, new_static, new_leaves, new_axes = new
    old_tree, old_static, old_leaves, old_axes = old
    out = []
    if new_tree != old_tree:
        out += ["  different input pytree:", f"  * now {new_tree} and before {old_tree}"]
    elif new_leaves != old_leaves:
        out.append("  different input types:")
        out += [f"  * at {label}, now {_describe(a)} and before {_describe(b)}"
                for label, a, b in zip(leaf_labels, new_leaves, old_leaves) if a != b]
    if new_static != old_static:
        out.append("  different static arguments:")
        out += [f"  * {label}, now {_value(a)} and before {_value(b)}"
                for label, a, b in zip(static_labels, new_static, old_static) if a != b]
    if new_axes != old_axes:
        out += ["  different vmap axis names bound (axis_name=, size):",
                f"  * now {new_axes} and before {old_axes}"]
    return out


def _describe(leaf_key) -> str:
    """A leaf key as ``f64[3]`` (arrays) or ``Python float (weakly typed)``."""
    if isinstance(leaf_key, type):
        return f"Python {leaf_key.__name__} (weakly typed)"
    if isinstance(leaf_key, tuple) and len(leaf_key) == 2:
        shape, dtype = leaf_key
        return f"{np.dtype(dtype).name}{list(shape)}"
    return leaf_key.str_short() if hasattr(leaf_key, "str_short") else repr(leaf_key)


def _value(static_key) -> str:
    kind, value = static_key
    return f"{value!r} ({kind.__name__})"
