"""`Module`: a layer is a frozen dataclass that is also a pytree.

A subclass of :class:`Module` becomes, automatically, a frozen dataclass and a registered
pytree node. When an instance is built, each field is sorted by its value:

- *children*: arrays (NumPy arrays, `fungrad.numpy.Array`, tracers, CuPy arrays), Modules,
  None, and lists/tuples/dicts holding any of those (or empty). They are what transforms see: `grad`
  differentiates them, `vmap` batches them, `tree_map` maps over them. Their key paths are
  the field names, so an error can point at ``.layers[0].weight``.
- *static* fields: everything else (ints, floats, strings, tuples of ints, callables such as
  an activation function). They live in the treedef, are compared by equality, and must be
  hashable, so treedefs stay hashable (jit caches on them).

The sorting is done once, when the instance is built, and travels with the treedef: mapping
``lambda w: w.shape`` over a model gives a model with the same structure. A field can be
forced static with ``dataclasses.field(metadata={"static": True})``.

A subclass may write its own ``__init__`` and assign fields there (``self.weight = ...``);
after construction every assignment raises. Rebuilding from a treedef (``tree_unflatten``)
does not call ``__init__``.

`partition` and `combine` split a model into the arrays a transform should see and the rest:

>>> import fungrad as fg
>>> params, static = partition(model, is_inexact_array)            # doctest: +SKIP
>>> grads = fg.grad(lambda p: loss(combine(p, static), x, y))(params)  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from fungrad import dtypes
from fungrad.core import Tracer
from fungrad.tree_util import (
    GetAttrKey,
    PyTree,
    broadcast_prefix,
    register_pytree_with_keys,
    tree_flatten,
    tree_map,
)

__all__ = ["Module", "is_array", "is_inexact_array", "partition", "combine"]


def check_size(layer: str, name: str, value: Any, minimum: int = 1) -> int:
    """`value` as an int, or an error naming the layer and argument: layer sizes are
    Python ints (``Linear("3", 2)`` or ``Linear(2.5, 2)`` would fail deep inside).

    >>> check_size("Linear", "in_features", 3)
    3
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{layer}: {name} must be an int, got {value!r} (a "
                        f"{type(value).__name__}). Pass the size as a Python int.")
    if value < minimum:
        raise ValueError(f"{layer}: {name} must be >= {minimum}, got {value}.")
    return int(value)


_DYNAMIC = "_fungrad_dynamic_fields"  # per-instance: names of the fields that are children


class _InitDepth(threading.local):
    """How deep each instance (by id) is in nested ``__init__`` calls, per thread."""

    def __init__(self):
        self.depth: dict[int, int] = {}


_initializing = _InitDepth()


def is_array(x: Any) -> bool:
    """Whether `x` is an array: a NumPy array or scalar, a tracer, or a CuPy array.

    Args:
      x: any object.

    Returns:
      True for arrays; False for Python scalars, None, callables and containers.

    >>> is_array(np.zeros(3)), is_array(3.0)
    (True, False)
    """
    if isinstance(x, (np.ndarray, np.generic, Tracer)):
        return True
    return type(x).__module__.startswith("cupy") and hasattr(x, "shape")


def is_inexact_array(x: Any) -> bool:
    """Whether `x` is an array of a floating or complex dtype (the trainable kind).

    Args:
      x: any object.

    Returns:
      True for float/complex arrays; False for integer and boolean arrays and non-arrays.

    Example:
        >>> import numpy as np
        >>> from fungrad import nn
        >>> [nn.is_inexact_array(x) for x in (np.ones(2), np.arange(2), 1.0)]
        [True, False, False]
    """
    return is_array(x) and dtypes.is_inexact(x.dtype)


def _holds_children(value: Any) -> bool:
    """Whether a field value is a child: arrays, Modules, None, containers of them.

    An empty list, tuple or dict counts as a (leafless) child too.
    """
    if value is None or is_array(value) or isinstance(value, Module):
        return True
    if isinstance(value, (list, tuple, dict)):
        items = value.values() if isinstance(value, dict) else value
        return not items or any(_holds_children(v) for v in items)
    return False


class Module:
    """Base class of layers: subclasses are frozen dataclasses and pytrees.

    Declare fields with annotations, as in a dataclass. Fields holding arrays or Modules
    are pytree children; other fields are static (see the module docstring).

    >>> class Scale(Module):
    ...     factor: np.ndarray
    ...     def __call__(self, x):
    ...         return self.factor * x
    >>> float(Scale(np.array(2.0))(3.0))
    6.0
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        custom_init = "__init__" in cls.__dict__ or getattr(cls, "_fungrad_custom_init", False)
        dataclasses.dataclass(frozen=True, init=not custom_init, repr=False, eq=False)(cls)
        cls._fungrad_custom_init = custom_init
        if "__init__" in cls.__dict__:
            cls.__init__ = _tracked_init(cls.__dict__["__init__"])
        cls.__setattr__ = Module.__setattr__
        cls.__delattr__ = Module.__delattr__
        register_pytree_with_keys(
            cls, _flatten_with_keys, lambda aux, children: _unflatten(cls, aux, children), _flatten
        )

    def __setattr__(self, name: str, value: Any) -> None:
        if _initializing.depth.get(id(self)):
            object.__setattr__(self, name, value)
            return
        raise dataclasses.FrozenInstanceError(
            f"{type(self).__name__}: cannot assign to field {name!r}; Modules are immutable. "
            "Build a new instance, or map over the model with fg.tree_util.tree_map."
        )

    def __delattr__(self, name: str) -> None:
        raise dataclasses.FrozenInstanceError(
            f"{type(self).__name__}: cannot delete field {name!r}; Modules are immutable."
        )

    def __repr__(self) -> str:
        parts = [f"{f.name}={_short_repr(getattr(self, f.name, '<unset>'))}"
                 for f in dataclasses.fields(self)]
        return f"{type(self).__name__}({', '.join(parts)})"


def _short_repr(value: Any) -> str:
    if is_array(value):
        dtype = np.dtype(value.dtype).name
        return f"{dtype}{list(value.shape)}"
    if isinstance(value, (list, tuple)) and _holds_children(value):
        inner = ", ".join(_short_repr(v) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner}{',' * (len(value) == 1)})"
    return repr(value)


def _tracked_init(init: Callable) -> Callable:
    """Wrap `init` so fields may be assigned inside it and are sorted when it finishes."""

    def __init__(self, *args, **kwargs):
        key = id(self)
        depth = _initializing.depth
        depth[key] = depth.get(key, 0) + 1
        try:
            init(self, *args, **kwargs)
        finally:
            depth[key] -= 1
            if not depth[key]:
                del depth[key]
        if key not in depth:  # the outermost __init__ has finished
            _finish_init(self)

    __init__.__qualname__ = getattr(init, "__qualname__", "__init__")
    __init__.__doc__ = init.__doc__
    __init__.__wrapped__ = init
    return __init__


def _finish_init(module: Module) -> None:
    """Check every field is set; record which fields are children; check static hashes."""
    name = type(module).__name__
    dynamic = []
    for f in dataclasses.fields(module):
        if f.name not in module.__dict__:
            raise AttributeError(
                f"{name}.__init__ did not set the field {f.name!r}; assign every field "
                f"(self.{f.name} = ...) in __init__."
            )
        value = module.__dict__[f.name]
        if not f.metadata.get("static", False) and _holds_children(value):
            dynamic.append(f.name)
            continue
        try:
            hash(value)
        except TypeError:
            raise TypeError(
                f"{name}: the static field {f.name!r} holds an unhashable "
                f"{type(value).__name__} ({value!r:.60}); static fields are part of the "
                "treedef and must be hashable. Use a tuple instead of a list, or an array."
            ) from None
    object.__setattr__(module, _DYNAMIC, tuple(dynamic))


def _split_fields(m: Module) -> tuple[tuple[str, ...], tuple[tuple[str, Any], ...]]:
    dynamic = m.__dict__[_DYNAMIC]
    static = tuple((f.name, m.__dict__[f.name]) for f in dataclasses.fields(m)
                   if f.name not in dynamic)
    return dynamic, static


def _flatten(m: Module):
    dynamic, static = _split_fields(m)
    return [m.__dict__[n] for n in dynamic], (dynamic, static)


def _flatten_with_keys(m: Module):
    dynamic, static = _split_fields(m)
    return [(GetAttrKey(n), m.__dict__[n]) for n in dynamic], (dynamic, static)


def _unflatten(cls: type, aux, children) -> Module:
    dynamic, static = aux
    module = object.__new__(cls)
    for n, value in zip(dynamic, children, strict=True):
        object.__setattr__(module, n, value)
    for n, value in static:
        object.__setattr__(module, n, value)
    object.__setattr__(module, _DYNAMIC, dynamic)
    return module


# --- partition / combine -----------------------------------------------------------------


def _is_none(x: Any) -> bool:
    return x is None


def _leaf_mask(fn: str, tree: PyTree, filter_spec, is_leaf) -> list[bool]:
    """One bool per leaf of `tree`: whether `filter_spec` selects it."""
    leaves, _ = tree_flatten(tree, is_leaf)
    if callable(filter_spec) and not isinstance(filter_spec, Module):  # a Module is a tree
        return [bool(filter_spec(x)) for x in leaves]
    if isinstance(filter_spec, bool):
        return [filter_spec] * len(leaves)
    if is_leaf is not None:
        raise TypeError(f"{fn}: is_leaf is only supported with a callable or bool filter_spec.")
    specs = broadcast_prefix(filter_spec, tree)
    mask = []
    for spec, x in zip(specs, leaves, strict=True):
        if not (callable(spec) or isinstance(spec, bool)):
            raise TypeError(
                f"{fn}: filter_spec leaves must be bools or callables (leaf -> bool), got "
                f"{spec!r:.60}."
            )
        mask.append(bool(spec(x)) if callable(spec) else spec)
    return mask


def partition(
    pytree: PyTree,
    filter_spec: Callable[[Any], bool] | bool | PyTree = is_array,
    replace: Any = None,
    is_leaf: Callable[[Any], bool] | None = None,
) -> tuple[PyTree, PyTree]:
    """Split a pytree in two: the leaves `filter_spec` selects, and all the others.

    Args:
      pytree: e.g. a model.
      filter_spec: a predicate on leaves (`is_array`, `is_inexact_array`...), a bool, or a
        pytree prefix of `pytree` holding such predicates and bools.
      replace: what fills the other tree's place for each leaf (None by default).
      is_leaf: optional predicate marking subtrees to keep as leaves.

    Returns:
      ``(selected, rest)``: two pytrees of `pytree`'s structure in which each leaf appears
      in exactly one, with `replace` in the other. `combine` puts them back together.

    >>> params, static = partition({'w': np.ones(2), 'n': 3}, is_array)
    >>> params, static
    ({'n': None, 'w': array([1., 1.])}, {'n': 3, 'w': None})
    """
    mask = _leaf_mask("partition", pytree, filter_spec, is_leaf)
    leaves, treedef = tree_flatten(pytree, is_leaf)
    selected = treedef.unflatten(x if m else replace for x, m in zip(leaves, mask, strict=True))
    rest = treedef.unflatten(replace if m else x for x, m in zip(leaves, mask, strict=True))
    return selected, rest


def combine(*pytrees: PyTree, is_leaf: Callable[[Any], bool] | None = None) -> PyTree:
    """Merge pytrees made by `partition`: at each leaf, take the first that is not None.

    Args:
      *pytrees: pytrees of one structure (None counts as a leaf here).
      is_leaf: optional predicate marking further subtrees to keep as leaves.

    Returns:
      The merged pytree.

    >>> combine({'n': None, 'w': 1.0}, {'n': 3, 'w': None})
    {'n': 3, 'w': 1.0}
    """
    if not pytrees:
        raise TypeError("combine: pass at least one pytree.")

    def leaf(x):
        return x is None or (is_leaf is not None and is_leaf(x))

    def first_set(*xs):
        return next((x for x in xs if x is not None), None)

    return tree_map(first_set, *pytrees, is_leaf=leaf)
