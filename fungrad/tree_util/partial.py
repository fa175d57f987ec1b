"""`Partial`: a `functools.partial` that is a pytree, so it can cross a transform boundary.

The function is part of the structure (static); the bound arguments are children. A
`Partial` can therefore be an argument or a result of `jit`, `vmap` or `grad`: its bound
arrays are traced or batched like any other leaves.
"""

from __future__ import annotations

import functools
from typing import Any

from fungrad.tree_util.registry import GetAttrKey, register_pytree_with_keys

__all__ = ["Partial"]


class Partial(functools.partial):
    """A `functools.partial` whose bound arguments are pytree leaves.

    ``Partial(func, *args, **kw)`` calls ``func(*args, *more, **kw, **more_kw)``. The
    function is compared by identity in structures (equal treedefs need the same function),
    so define it once rather than in a loop.

    >>> from fungrad.tree_util import tree_leaves
    >>> add = Partial(lambda a, b, c=0: a + b + c, 1.0, c=2.0)
    >>> tree_leaves(add), add(3.0)
    ([1.0, 2.0], 6.0)
    """

    def __new__(klass, func, *args, **kw):  # noqa: N804 (JAX's parameter name)
        if not callable(func):
            raise TypeError(f"Partial: func must be callable, got a {type(func).__name__} "
                            f"({func!r:.40}).")
        if isinstance(func, functools.partial) and not isinstance(func, Partial):
            # functools.partial would merge a plain partial's arguments into ours, turning
            # them into leaves; keep them bound inside the function instead.
            inner = func

            def func(*a, **k):
                return inner(*a, **k)

            func.func = inner.func  # type: ignore[attr-defined]
        return super().__new__(klass, func, *args, **kw)

    def __repr__(self) -> str:
        parts = [repr(self.func), *map(repr, self.args)]
        parts += [f"{k}={v!r}" for k, v in self.keywords.items()]
        return f"Partial({', '.join(parts)})"


def _flatten_with_keys(p: Partial):
    return [(GetAttrKey("args"), p.args), (GetAttrKey("keywords"), p.keywords)], p.func


def _unflatten(func, children) -> Partial:
    args, keywords = children
    return Partial(func, *args, **keywords)


def _flatten(p: Partial) -> tuple[list[Any], Any]:
    return [p.args, p.keywords], p.func


register_pytree_with_keys(Partial, _flatten_with_keys, _unflatten, _flatten)
