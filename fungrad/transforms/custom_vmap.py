"""User-defined batching rules: ``custom_vmap`` and ``sequential_vmap`` (JAX's
``jax.custom_batching``).

A ``custom_vmap`` function binds the call-like primitive ``custom_vmap_call``, which carries
the function staged into an IR and the user's rule. Every interpreter but vmap treats it as
a call of that IR (eager evaluation, staging under jit, the shared call-like JVP and
transpose rules); the batch trace instead calls the user's rule
``rule(axis_size, in_batched, *args) -> (out, out_batched)`` on its parent trace, with the
batched arguments' batch axis at the front.

Derivatives differ from JAX's: fungrad differentiates the function itself (JAX supports
forward mode only and fails under ``grad``). The derivative IRs are bound without the rule,
so ``vmap`` of a derivative batches the function's own derivative; ``grad`` of a ``vmap``
differentiates the rule, as in JAX.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from fungrad.core import Primitive, ShapedArray, get_aval
from fungrad.errors import CustomRuleError, TransformError
from fungrad.interpreters import partial_eval as pe
from fungrad.interpreters.batching import batch_size, batching_rules, bdim_to_front
from fungrad.interpreters.jvp import jvp_rules
from fungrad.interpreters.linearize import transpose_rules
from fungrad.ir import stage_closed
from fungrad.lax.scans import map as lax_map
from fungrad.transforms.custom_derivatives import _name, _resolve_args
from fungrad.tree_util import keystr, tree_flatten, tree_flatten_with_path, tree_map, tree_unflatten

__all__ = ["custom_vmap", "sequential_vmap"]


class custom_vmap:  # noqa: N801 (JAX's name)
    """A function with a user-defined batching rule, used when it is vmapped.

    The rule is ``rule(axis_size, in_batched, *args) -> (out, out_batched)``: ``in_batched``
    mirrors ``args`` with a bool per leaf; batched leaves carry the batch axis at the
    front; ``out_batched`` mirrors ``out`` (an unbatched output is broadcast by vmap).
    Outside vmap the function runs as itself.

    >>> import fungrad as fg, fungrad.numpy as fnp
    >>> from fungrad.custom_batching import custom_vmap
    >>> @custom_vmap
    ... def f(x):
    ...     return fnp.sin(x)
    >>> @f.def_vmap
    ... def f_vmap(axis_size, in_batched, x):
    ...     return fnp.sin(x) + 100.0, in_batched[0]
    >>> float(f(0.0)), fg.vmap(f)(fnp.zeros(2)).tolist()
    (0.0, [100.0, 100.0])
    """

    def __init__(self, fun: Callable):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.vmap_rule: Callable | None = None

    def def_vmap(self, vmap_rule: Callable) -> Callable:
        """Set the batching rule ``vmap_rule(axis_size, in_batched, *args)``; return it.

        >>> import fungrad.numpy as fnp
        >>> f = custom_vmap(fnp.cos)
        >>> rule = f.def_vmap(lambda n, batched, x: (fnp.cos(x), batched[0]))
        >>> rule is f.vmap_rule
        True
        """
        self.vmap_rule = vmap_rule
        return vmap_rule

    def __call__(self, *args, **kwargs):
        name = getattr(self.fun, "__name__", _name(self.fun))
        if self.vmap_rule is None:
            raise AttributeError(f"No batching rule defined for custom_vmap function {name} "
                                 f"using def_vmap; decorate one with @{name}.def_vmap.")
        args = _resolve_args(self.fun, args, kwargs)
        leaves, in_tree = tree_flatten(args)
        out_tree = []

        def flat_fun(*xs):
            flat, tree = tree_flatten(self.fun(*tree_unflatten(in_tree, xs)))
            out_tree.append(tree)
            return flat

        avals = [get_aval(x) for x in leaves]
        ir, hoisted = stage_closed(flat_fun, avals, name, transform_name="custom_vmap")
        rule = _VmapRule(self, in_tree, out_tree[0], ir.out_avals, len(hoisted))
        outs = custom_vmap_call_p.bind(*hoisted, *leaves, ir=ir, rule=rule, name=name)
        return tree_unflatten(out_tree[0], outs)


class _VmapRule:
    """The user's rule on flat leaves; checks what it returns against the function's."""

    def __init__(self, owner: custom_vmap, in_tree, out_tree, out_avals, num_hoisted: int):
        self.owner, self.in_tree, self.out_tree = owner, in_tree, out_tree
        self.out_avals, self.num_hoisted = list(out_avals), num_hoisted

    def __call__(self, axis_size: int, in_batched, leaves):
        fun, rule = _name(self.owner.fun), self.owner.vmap_rule
        args = tree_unflatten(self.in_tree, leaves)
        batched = list(tree_unflatten(self.in_tree, in_batched))
        result = rule(axis_size, batched, *args)
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            raise CustomRuleError(
                f"custom_vmap rule {_name(rule)} of {fun} must return a pair (out, "
                f"out_batched); it returned {type(result).__name__}.")
        out, out_batched = result
        flat, tree = tree_flatten_with_path(out)
        flags, flags_tree = tree_flatten(out_batched)
        if tree_flatten(out)[1] != self.out_tree:
            raise CustomRuleError(
                f"custom_vmap rule {_name(rule)} of {fun} returned outputs of structure "
                f"{tree_flatten(out)[1]}, but {fun} returns {self.out_tree}.")
        if flags_tree != tree_flatten(out)[1]:
            raise ValueError(
                f"structure of output value and output batching specification returned by "
                f"custom vmap rule ({_name(rule)}) do not match: values {self.out_tree}, "
                f"batching spec {flags_tree}.")
        for (path, value), flag, aval in zip(flat, flags, self.out_avals):
            _check_rule_output(rule, fun, keystr(path), get_aval(value), bool(flag), aval,
                               axis_size)
        return [v for _, v in flat], [bool(f) for f in flags]


def _check_rule_output(rule, fun, where, got: ShapedArray, batched, aval, size) -> None:
    want = (size, *aval.shape) if batched else aval.shape
    if got.shape != want or got.dtype != aval.dtype:
        raise CustomRuleError(
            f"custom_vmap rule {_name(rule)} of {fun}: output{where or ''} has shape "
            f"{got.shape} and dtype {got.dtype}, but {fun}'s output is {aval.str_short()} "
            f"and out_batched says {batched}, so the rule must return shape {want} and "
            f"dtype {aval.dtype}.")


# ---------------------------------------------------------------------------------------
# The custom_vmap_call primitive: ``outs = custom_vmap_call[ir, rule, name](*operands)``

custom_vmap_call_p = Primitive("custom_vmap_call", multiple_results=True, call_like=True)
custom_vmap_call_p.def_impl(lambda *args, ir, rule, name: pe.call_ir(ir, args))
custom_vmap_call_p.def_abstract_eval(lambda *avals, ir, rule, name: ir.out_avals)


def _bind_derived(what: str, name: str):
    def bind(sub_ir, *args):  # a derivative of the function, without the user's rule
        return custom_vmap_call_p.bind(*args, ir=sub_ir, rule=None, name=f"{what}({name})")

    return bind


def _custom_vmap_call_jvp(primals, tangents, *, ir, rule, name):
    return pe.call_jvp(_bind_derived("jvp", name), ir, primals, tangents)


def _custom_vmap_call_transpose(cts, *operands, ir, rule, name):
    return pe.call_transpose(_bind_derived("transpose", name), ir, cts, operands)


def _custom_vmap_call_batch(vals, dims, *, ir, rule, name):
    size = batch_size(vals, dims)
    if rule is None:
        bir, out_dims = pe.vmap_ir(ir, dims, size)
        return _bind_derived("vmap", name)(bir, *vals), list(out_dims)
    if any(d is not None for d in dims[:rule.num_hoisted]):
        raise TransformError(
            f"custom_vmap function {name} closes over a value that vmap batches; its rule "
            f"cannot see that value's batch axis. Pass the value as an argument instead.")
    args = [v if d is None else bdim_to_front(v, d, size)
            for v, d in zip(vals[rule.num_hoisted:], dims[rule.num_hoisted:])]
    in_batched = [d is not None for d in dims[rule.num_hoisted:]]
    outs, out_batched = rule(size, in_batched, args)
    return outs, [0 if b else None for b in out_batched]


jvp_rules[custom_vmap_call_p] = _custom_vmap_call_jvp
transpose_rules[custom_vmap_call_p] = _custom_vmap_call_transpose
batching_rules[custom_vmap_call_p] = _custom_vmap_call_batch


# ---------------------------------------------------------------------------------------
# sequential_vmap


def sequential_vmap(f: Callable) -> custom_vmap:
    """``f`` as a :class:`custom_vmap` whose batching rule loops over the batch
    (``lax.map``) instead of vectorizing: for functions that have no batching rule, or to
    bound memory.

    >>> import fungrad as fg, fungrad.numpy as fnp
    >>> f = sequential_vmap(lambda x, y: x * y)
    >>> fg.vmap(f, in_axes=(0, None))(fnp.arange(3.0), 2.0).tolist()
    [0.0, 2.0, 4.0]
    """
    f = custom_vmap(f)

    @f.def_vmap
    def rule(axis_size, in_batched, *args):
        leaves, tree = tree_flatten(args)
        flags = tree_flatten(in_batched)[0]
        batched = [x for x, b in zip(leaves, flags) if b]

        def one(xs):
            it = iter(xs)
            return f(*tree_unflatten(tree, [next(it) if b else x
                                            for x, b in zip(leaves, flags)]))

        out = lax_map(one, batched)
        return out, tree_map(lambda _: True, out)

    return f
