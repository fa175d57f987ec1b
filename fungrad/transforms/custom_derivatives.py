"""User-defined derivative rules: ``custom_jvp`` and ``custom_vjp`` (JAX's API).

Each is a primitive that carries the user's functions as parameters, so every interpreter
can handle it: the eval trace calls the function; the JVP and linearize traces call the
custom rule; the staging trace records an equation (so the rule survives into an IR).

Outputs of custom rules are checked against the primal values (pytree structure, shapes,
dtypes); errors name the user's function and the key path of the offending leaf.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable

import numpy as np

from fungrad import core, dtypes
from fungrad.core import Primitive, get_aval
from fungrad.errors import ConcretizationError, CustomRuleError
from fungrad.interpreters.jvp import Zero, instantiate, jvp_rules, zeros_like_aval
from fungrad.interpreters.linearize import LinearArg, TangentStagingTrace, transpose_rules
from fungrad.ir import StagingTrace, stage_flat
from fungrad.tree_util import keystr, tree_flatten, tree_flatten_with_path, tree_unflatten

__all__ = ["custom_jvp", "custom_vjp"]


def _name(fun) -> str:
    return getattr(fun, "__qualname__", None) or getattr(fun, "__name__", repr(fun))


def _resolve_args(fun, args, kwargs) -> tuple:
    """Turn keyword arguments into positional ones (custom rules see positional args)."""
    if not kwargs:
        return args
    bound = inspect.signature(fun).bind(*args, **kwargs)
    bound.apply_defaults()
    return bound.args


def _split_nondiff(args, nondiff_argnums):
    nondiff = tuple(args[i] for i in nondiff_argnums)
    dyn = tuple(a for i, a in enumerate(args) if i not in nondiff_argnums)
    return nondiff, dyn


def _merge_nondiff(nondiff, dyn, nondiff_argnums) -> tuple:
    """Inverse of ``_split_nondiff``: the arguments in the user's original order."""
    fixed = dict(zip(nondiff_argnums, nondiff))
    rest = iter(dyn)
    return tuple(fixed[i] if i in fixed else next(rest)
                 for i in range(len(nondiff) + len(dyn)))


def _check_matches(what: str, fun, primal, other, allow_float0: bool = True) -> None:
    """Check that ``other`` has the structure, shapes and tangent dtypes of ``primal``."""
    p_leaves, p_tree = tree_flatten_with_path(primal)
    o_leaves, o_tree = tree_flatten_with_path(other)
    if p_tree != o_tree:
        raise CustomRuleError(
            f"{what} of `{_name(fun)}` has the wrong structure.\n"
            f"  expected: {p_tree}\n  got:      {o_tree}"
        )
    for (path, p), (_, o) in zip(p_leaves, o_leaves):
        pa, oa = get_aval(p), get_aval(o)
        expected = dtypes.tangent_dtype(pa.dtype)
        if pa.shape != oa.shape:
            raise CustomRuleError(
                f"{what} of `{_name(fun)}`: leaf{keystr(path)} has shape {oa.shape}, but the "
                f"primal value has shape {pa.shape}."
            )
        if oa.dtype != expected and not (allow_float0 and dtypes.is_float0(expected)) \
                and not oa.weak_type:
            raise CustomRuleError(
                f"{what} of `{_name(fun)}`: leaf{keystr(path)} has dtype {oa.dtype}, but the "
                f"primal value has dtype {pa.dtype} (expected tangent dtype {expected})."
            )


class _FlatCall:
    """``fun(*args)`` as a function of flat dynamic leaves, recording out_tree.

    The nondiff arguments go back to their original positions (``nondiff_argnums``): only
    the rules receive them first.
    """

    def __init__(self, fun, nondiff, in_tree, nondiff_argnums=()):
        self.fun, self.nondiff, self.in_tree = fun, nondiff, in_tree
        self.nondiff_argnums = tuple(nondiff_argnums)
        self.out_tree = None
        self.__name__ = _name(fun)

    def __call__(self, *leaves):
        dyn = tree_unflatten(self.in_tree, leaves)
        out = self.fun(*_merge_nondiff(self.nondiff, dyn, self.nondiff_argnums))
        flat, self.out_tree = tree_flatten(out)
        return flat


def _staged_out_avals(call: _FlatCall, avals):
    ir = stage_flat(call, avals, call.__name__)
    return ir.out_avals


def _check_rule_primal_out(what: str, rule, call, primals, flat_out, out_tree,
                           owner) -> None:
    """Check that a rule's primal output has the structure, shapes and dtypes of ``f``'s.

    ``f`` is staged on the primals' abstract values (once per input signature: the result
    is cached on ``owner``, the custom_jvp/custom_vjp object, when there are no nondiff
    arguments); an ``f`` whose Python control flow needs concrete values cannot be
    staged, and is then not checked.
    """
    avals = tuple(get_aval(p) for p in primals)
    key = (call.in_tree, avals) if not call.nondiff else None
    hit = owner.out_signatures.get(key) if key is not None else None
    if hit is None:
        try:
            hit = (tuple(_staged_out_avals(call, avals)), call.out_tree)
        except ConcretizationError:
            return
        if key is not None:
            owner.out_signatures[key] = hit
    expected, expected_tree = hit
    _compare_primal_out(what, rule, call.__name__, expected, expected_tree, flat_out, out_tree)


def _compare_primal_out(what, rule, fun, expected, expected_tree, flat_out, out_tree) -> None:
    if expected_tree is not None and out_tree is not None and expected_tree != out_tree:
        raise CustomRuleError(
            f"{what} `{rule.__name__}` of `{fun}` returned an output of another structure "
            f"than `{fun}` itself.\n  `{fun}` returns: {expected_tree}\n  the rule returned: "
            f"{out_tree}\nReturn the function's own output (e.g. `{fun}(x)`) as the primal.")
    paths = [path for path, _ in tree_flatten_with_path(
        tree_unflatten(expected_tree, expected))[0]] if expected_tree else [()] * len(expected)
    for path, e, o in zip(paths, expected, flat_out):
        oa = get_aval(o)
        if oa.shape != e.shape or (oa.dtype != e.dtype and not (oa.weak_type or e.weak_type)):
            raise CustomRuleError(
                f"{what} `{rule.__name__}` of `{fun}`: output{keystr(path)} is "
                f"{oa.str_short()}, but `{fun}` returns {e.str_short()} there. The rule must "
                f"return the function's own output (same shapes and dtypes) as the primal.")


# ---------------------------------------------------------------------------------------
# custom_jvp


class custom_jvp:  # noqa: N801 (JAX's name)
    """A function with a user-defined JVP rule (also used by reverse mode via transposition).

    Example:
        >>> import fungrad as fg, fungrad.numpy as fnp
        >>> @fg.custom_jvp
        ... def log1pexp(x):
        ...     return fnp.log1p(fnp.exp(x))
        >>> @log1pexp.defjvp
        ... def log1pexp_jvp(primals, tangents):
        ...     (x,), (t,) = primals, tangents
        ...     return log1pexp(x), t * (1 - 1 / (1 + fnp.exp(x)))
        >>> float(fg.grad(log1pexp)(100.0))
        1.0
    """

    def __init__(self, fun: Callable, nondiff_argnums: tuple[int, ...] = ()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)
        self.jvp: Callable | None = None
        self.out_signatures: dict = {}  # (in_tree, avals) -> fun's (out avals, out_tree)

    def defjvp(self, jvp: Callable, symbolic_zeros: bool = False) -> Callable:
        """Set the rule ``jvp(*nondiff_args, primals, tangents) -> (out, tangent_out)``."""
        self.jvp = jvp
        return jvp

    def defjvps(self, *jvps: Callable | None) -> None:
        """Set the rule from one ``f(t, primal_out, *primals)`` per argument (None: zero)."""
        if self.nondiff_argnums:
            raise TypeError(
                f"custom_jvp.defjvps of `{_name(self.fun)}` can't be used with "
                f"nondiff_argnums={self.nondiff_argnums}; use defjvp, whose rule receives "
                f"the nondiff arguments first."
            )

        def jvp(primals, tangents):
            out = self(*primals)
            total = None
            for rule, t in zip(jvps, tangents):
                if rule is None:
                    continue
                term = rule(t, out, *primals)
                total = term if total is None else _tree_add(total, term)
            if total is None:
                total = _tree_zeros_like(out)
            return out, total

        self.jvp = jvp

    def __call__(self, *args, **kwargs):
        if self.jvp is None:
            raise AttributeError(
                f"No JVP defined for custom_jvp function `{_name(self.fun)}`; use "
                f"`@{_name(self.fun)}.defjvp` to define one."
            )
        args = _resolve_args(self.fun, args, kwargs)
        nondiff, dyn = _split_nondiff(args, self.nondiff_argnums)
        leaves, in_tree = tree_flatten(dyn)
        call = _FlatCall(self.fun, nondiff, in_tree, self.nondiff_argnums)
        rule = _CustomJVPRule(self, nondiff, in_tree, call)
        outs = custom_jvp_call_p.bind(*leaves, call=call, jvp=rule)
        return tree_unflatten(call.out_tree or rule.out_tree, outs)


class _CustomJVPRule:
    """Calls the user's JVP on pytrees and checks its outputs."""

    def __init__(self, owner: custom_jvp, nondiff, in_tree, call):
        self.owner, self.nondiff, self.in_tree, self.call = owner, nondiff, in_tree, call
        self.out_tree = None
        self.__name__ = _name(owner.jvp)

    def __call__(self, primals, tangents):
        p_tree = tree_unflatten(self.in_tree, primals)
        t_tree = tree_unflatten(self.in_tree, tangents)
        result = self.owner.jvp(*self.nondiff, p_tree, t_tree)
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            raise CustomRuleError(
                f"custom JVP rule of `{_name(self.owner.fun)}` must return a pair "
                f"(primal_out, tangent_out); it returned {type(result).__name__}."
            )
        out, t_out = result
        flat_out, self.out_tree = tree_flatten(out)
        _check_rule_primal_out("custom JVP rule", self, self.call, primals, flat_out,
                               self.out_tree, self.owner)
        _check_matches("custom JVP rule's tangent output", self.owner.jvp, out, t_out)
        flat_t = tree_flatten(t_out)[0]
        flat_t = [Zero.like_primal(o) if dtypes.is_float0(dtypes.tangent_dtype(get_aval(o).dtype))
                  else t for o, t in zip(flat_out, flat_t)]
        return flat_out, flat_t


custom_jvp_call_p = Primitive("custom_jvp_call", multiple_results=True)
custom_jvp_call_p.def_impl(lambda *args, call, jvp: call(*args))
custom_jvp_call_p.def_abstract_eval(
    lambda *avals, call, jvp: _staged_out_avals(call, avals))


def _custom_jvp_call_jvp(primals, tangents, *, call, jvp):
    tangents = [instantiate(t, p) for t, p in zip(tangents, primals)]
    return jvp(primals, tangents)


jvp_rules[custom_jvp_call_p] = _custom_jvp_call_jvp


# ---------------------------------------------------------------------------------------
# custom_vjp


class custom_vjp:  # noqa: N801 (JAX's name)
    """A function with user-defined forward (``fwd``) and backward (``bwd``) passes.

    ``fwd(*args) -> (out, residuals)``; ``bwd(*nondiff_args, residuals, ct_out) -> tuple``
    with one cotangent per (differentiable) argument (None means zero). Forward-mode
    (``jvp``) of a custom_vjp function is not defined, as in JAX.

    Example:
        >>> import fungrad as fg, fungrad.numpy as fnp
        >>> @fg.custom_vjp
        ... def clip_gradient(x):
        ...     return x
        >>> clip_gradient.defvjp(lambda x: (x, None),
        ...                      lambda res, g: (fnp.clip(g, -1.0, 1.0),))
        >>> float(fg.grad(lambda x: 5.0 * clip_gradient(x))(2.0))
        1.0
    """

    def __init__(self, fun: Callable, nondiff_argnums: tuple[int, ...] = ()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)
        self.fwd: Callable | None = None
        self.bwd: Callable | None = None
        self.out_signatures: dict = {}  # (in_tree, avals) -> fun's (out avals, out_tree)

    def defvjp(self, fwd: Callable, bwd: Callable, symbolic_zeros: bool = False) -> None:
        """Set the forward pass ``fwd`` and backward pass ``bwd``."""
        self.fwd, self.bwd = fwd, bwd

    def __call__(self, *args, **kwargs):
        if self.fwd is None:
            raise AttributeError(
                f"No VJP defined for custom_vjp function `{_name(self.fun)}`; use "
                f"`{_name(self.fun)}.defvjp(fwd, bwd)`."
            )
        args = _resolve_args(self.fun, args, kwargs)
        nondiff, dyn = _split_nondiff(args, self.nondiff_argnums)
        leaves, in_tree = tree_flatten(dyn)
        call = _FlatCall(self.fun, nondiff, in_tree, self.nondiff_argnums)
        rule = _CustomVJPRule(self, nondiff, in_tree, call)
        outs = custom_vjp_call_p.bind(*leaves, call=call, vjp=rule)
        return tree_unflatten(call.out_tree or rule.out_tree, outs)


class _CustomVJPRule:
    """Runs the user's fwd on primals and stages a ``custom_lin`` equation for bwd."""

    def __init__(self, owner: custom_vjp, nondiff, in_tree, call):
        self.owner, self.nondiff, self.in_tree, self.call = owner, nondiff, in_tree, call
        self.out_tree = None
        self.__name__ = f"{_name(owner.fwd)}/{_name(owner.bwd)}"

    def forward(self, primals):
        dyn = tree_unflatten(self.in_tree, primals)
        result = self.owner.fwd(*_merge_nondiff(self.nondiff, dyn, self.owner.nondiff_argnums))
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            raise CustomRuleError(
                f"custom_vjp fwd `{_name(self.owner.fwd)}` must return a pair "
                f"(output, residuals); it returned {type(result).__name__}."
            )
        out, res = result
        flat_out, self.out_tree = tree_flatten(out)
        fwd = _NamedRule(_name(self.owner.fwd))
        _check_rule_primal_out("custom_vjp fwd", fwd, self.call, primals, flat_out,
                               self.out_tree, self.owner)
        return flat_out, res

    def backward(self, res, ct_flat, primal_avals):
        ct = tree_unflatten(self.out_tree, ct_flat)
        cts = self.owner.bwd(*self.nondiff, res, ct)
        dyn = tree_unflatten(self.in_tree, [_ZerosSpec(a) for a in primal_avals])
        if not isinstance(cts, (tuple, list)) or len(cts) != len(dyn):
            length = f" of length {len(cts)}" if isinstance(cts, (tuple, list)) else ""
            raise CustomRuleError(
                f"custom_vjp bwd `{_name(self.owner.bwd)}` must return a tuple with one "
                f"cotangent per differentiable argument ({len(dyn)}); it returned "
                f"{type(cts).__name__}{length}."
            )
        cts = tuple(_fill_none(c, d) for c, d in zip(cts, dyn))
        _check_matches("custom_vjp bwd output", self.owner.bwd, tuple(_materialize(dyn)), cts)
        return tree_flatten(cts)[0]


class _NamedRule:
    """Names a rule in error messages."""

    def __init__(self, name: str):
        self.__name__ = name


class _ZerosSpec:
    """A placeholder leaf with an aval, standing for a primal input in structure checks."""

    def __init__(self, aval):
        self.aval = aval
        self.shape, self.dtype = aval.shape, aval.dtype


def _materialize(tree):
    from fungrad.tree_util import tree_map  # noqa: PLC0415

    return tree_map(lambda z: np.zeros(z.shape, z.dtype), tree,
                    is_leaf=lambda x: isinstance(x, _ZerosSpec))


def _fill_none(ct, primal_tree):
    """Replace None cotangents (meaning zero) by zeros like the primal."""
    from fungrad.tree_util import tree_map  # noqa: PLC0415

    if ct is None:
        return tree_map(lambda z: _zero_ct(z.aval), primal_tree,
                        is_leaf=lambda x: isinstance(x, _ZerosSpec))
    return ct


def _zero_ct(aval):
    return np.zeros(aval.shape, dtypes.tangent_dtype(aval.dtype))


custom_vjp_call_p = Primitive("custom_vjp_call", multiple_results=True)
custom_vjp_call_p.def_impl(lambda *args, call, vjp: call(*args))
custom_vjp_call_p.def_abstract_eval(
    lambda *avals, call, vjp: _staged_out_avals(call, avals))


def _custom_vjp_call_jvp(primals, tangents, *, call, vjp):
    current = core.current_trace()
    if isinstance(current, TangentStagingTrace):
        # Reverse mode: primal computation by fwd on the parent trace (concrete under grad).
        ctx = core._context
        ctx.trace = current.parent
        try:
            flat_out, res = vjp.forward(primals)
        finally:
            ctx.trace = current
    elif isinstance(current, StagingTrace):
        # The staged JVP of an IR (grad of a jitted function): fwd is staged with it, and
        # the custom_lin equation is transposed when the linear part is (evaluating it
        # instead, i.e. forward mode, raises custom_lin's error).
        flat_out, res = vjp.forward(primals)
    else:
        raise TypeError(
            f"can't apply forward-mode autodiff (jvp) to a custom_vjp function "
            f"(`{call.__name__}`); use grad/vjp, or define the function with custom_jvp."
        )
    res_leaves, res_tree = tree_flatten(res)
    ts = [instantiate(t, p) for t, p in zip(tangents, primals)]
    out_avals = tuple(get_aval(o) for o in flat_out)
    in_avals = tuple(get_aval(p) for p in primals)
    t_out = custom_lin_p.bind(*res_leaves, *ts, num_res=len(res_leaves), res_tree=res_tree,
                              rule=vjp, out_avals=out_avals, in_avals=in_avals)
    t_out = [Zero.like_primal(o) if not dtypes.is_inexact(o.dtype) else t
             for o, t in zip(out_avals, t_out)]
    return flat_out, t_out


jvp_rules[custom_vjp_call_p] = _custom_vjp_call_jvp

# custom_lin: the linear map whose transpose is the user's bwd. It only exists in linear IRs.
custom_lin_p = Primitive("custom_lin", multiple_results=True, linear=True)


def _custom_lin_impl(*args, num_res, res_tree, rule, out_avals, in_avals):
    raise TypeError(
        "custom_vjp functions can only be transposed (grad/vjp); evaluating their linearized "
        "JVP (forward-mode jvp, linearize(...)'s f_jvp, or jvp of grad) is not supported. "
        "Use custom_jvp."
    )


custom_lin_p.def_impl(_custom_lin_impl)
custom_lin_p.def_abstract_eval(
    lambda *avals, num_res, res_tree, rule, out_avals, in_avals: [
        a.update(dtype=dtypes.tangent_dtype(a.dtype)) if dtypes.is_inexact(a.dtype) else
        a.update(dtype=dtypes.float0) for a in out_avals])


def _custom_lin_jvp(primals, tangents, **params):
    _custom_lin_impl(**params)


def _custom_lin_transpose(cts, *operands, num_res, res_tree, rule, out_avals, in_avals):
    res = tree_unflatten(res_tree, operands[:num_res])
    cts_in = rule.backward(res, list(cts), in_avals)
    return [None] * num_res + [c if isinstance(o, LinearArg) else None
                               for c, o in zip(cts_in, operands[num_res:])]


jvp_rules[custom_lin_p] = _custom_lin_jvp
transpose_rules[custom_lin_p] = _custom_lin_transpose


def _tree_add(a, b):
    from fungrad.tree_util import tree_map  # noqa: PLC0415

    return tree_map(lambda x, y: x + y, a, b)


def _tree_zeros_like(tree):
    from fungrad.tree_util import tree_map  # noqa: PLC0415

    return tree_map(lambda x: np.zeros(get_aval(x).shape, dtypes.tangent_dtype(get_aval(x).dtype)),
                    tree)



# ---------------------------------------------------------------------------------------
# Batching: re-bind the primitive on the parent with vmapped function and rules, so a
# differentiating trace below the vmap still sees (and uses) the custom rule.

from fungrad.interpreters.batching import (  # noqa: E402
    batch_size,
    batching_rules,
    bdim_to_front,
    flat_vmap,
)


def _to_front(vals, dims, size):
    return [bdim_to_front(v, d, size) for v, d in zip(vals, dims)]


class _BatchedCall:
    """``call`` vmapped over inputs batched at axis 0 (None: unbatched); outputs at 0."""

    def __init__(self, call, in_axes, size):
        self.call, self.in_axes, self.size = call, in_axes, size
        self.__name__ = getattr(call, "__name__", "call")

    @property
    def out_tree(self):
        return self.call.out_tree

    def __call__(self, *args):
        outs, dims = flat_vmap(self.call, args, self.in_axes, self.size, self.__name__)
        return _to_front(outs, dims, self.size)


class _BatchedJVPRule:
    """A custom JVP rule vmapped: tangents are batched like their primals."""

    def __init__(self, rule, in_axes, size):
        self.rule, self.in_axes, self.size = rule, in_axes, size
        self.__name__ = getattr(rule, "__name__", "jvp")

    @property
    def out_tree(self):
        return self.rule.out_tree

    def __call__(self, primals, tangents):
        n = len(primals)
        num_out = []

        def flat_rule(*args):
            out, t_out = self.rule(list(args[:n]), list(args[n:]))
            num_out.append(len(out))
            return list(out) + [zeros_like_aval(t.aval) if isinstance(t, Zero) else t
                                for t in t_out]

        outs, dims = flat_vmap(flat_rule, list(primals) + list(tangents),
                               list(self.in_axes) * 2, self.size, self.__name__)
        outs = _to_front(outs, dims, self.size)
        k = num_out[-1]
        return outs[:k], outs[k:]


def _custom_jvp_call_batch(vals, dims, *, call, jvp):
    size = batch_size(vals, dims)
    vals = [v if d is None else bdim_to_front(v, d, size) for v, d in zip(vals, dims)]
    in_axes = [None if d is None else 0 for d in dims]
    outs = custom_jvp_call_p.bind(*vals, call=_BatchedCall(call, in_axes, size),
                                  jvp=_BatchedJVPRule(jvp, in_axes, size))
    return outs, [0] * len(outs)


class _BatchedVJPRule:
    """A custom_vjp rule vmapped: fwd and bwd run per example; residuals are batched."""

    def __init__(self, rule, in_axes, size):
        self.rule, self.in_axes, self.size = rule, in_axes, size
        self.__name__ = getattr(rule, "__name__", "vjp")
        self.res_tree = None

    @property
    def out_tree(self):
        return self.rule.out_tree

    def forward(self, primals):
        counts = []

        def flat_forward(*args):
            out, res = self.rule.forward(list(args))
            res_leaves, self.res_tree = tree_flatten(res)
            counts.append(len(out))
            return list(out) + res_leaves

        outs, dims = flat_vmap(flat_forward, primals, self.in_axes, self.size, self.__name__)
        outs = _to_front(outs, dims, self.size)
        k = counts[-1]
        return outs[:k], tree_unflatten(self.res_tree, outs[k:])

    def backward(self, res, ct_flat, primal_avals):
        res_leaves, res_tree = tree_flatten(res)
        example_avals = [a if ax is None else a.update(shape=a.shape[1:])
                         for a, ax in zip(primal_avals, self.in_axes)]
        n_res = len(res_leaves)

        def flat_backward(*args):
            return self.rule.backward(tree_unflatten(res_tree, args[:n_res]),
                                      list(args[n_res:]), example_avals)

        cts, dims = flat_vmap(flat_backward, res_leaves + list(ct_flat),
                              [0] * (n_res + len(ct_flat)), self.size, self.__name__)
        from fungrad.lax import reduce_sum  # noqa: PLC0415

        out = []
        for c, d, ax in zip(cts, dims, self.in_axes):
            if ax is None and d is not None:  # an unbatched input: sum over the examples
                c = reduce_sum(c, (d,))
            elif ax is not None:
                c = bdim_to_front(c, d, self.size)
            out.append(c)
        return out


def _custom_vjp_call_batch(vals, dims, *, call, vjp):
    size = batch_size(vals, dims)
    vals = [v if d is None else bdim_to_front(v, d, size) for v, d in zip(vals, dims)]
    in_axes = [None if d is None else 0 for d in dims]
    outs = custom_vjp_call_p.bind(*vals, call=_BatchedCall(call, in_axes, size),
                                  vjp=_BatchedVJPRule(vjp, in_axes, size))
    return outs, [0] * len(outs)


def _custom_lin_batch(vals, dims, **params):
    _custom_lin_impl(**params)


batching_rules[custom_jvp_call_p] = _custom_jvp_call_batch
batching_rules[custom_vjp_call_p] = _custom_vjp_call_batch
batching_rules[custom_lin_p] = _custom_lin_batch
