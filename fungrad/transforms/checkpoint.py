"""``checkpoint`` (``remat``): trade memory for recomputation in reverse mode.

``checkpoint(f)`` stages ``f`` into a ``remat`` primitive carrying the IR and a *policy*.
Outside differentiation it just computes ``f``. Under reverse mode its JVP rule splits the
JVP of the IR (see :func:`fungrad.interpreters.partial_eval.partial_eval_ir`) so that only
the values the policy allows are saved as residuals; every other value the backward pass
needs is recomputed from the saved ones, inside the transpose of the linear part, i.e.
during the backward pass, lazily: a segment of recomputed values is staged just before the
backward steps that read it (:mod:`fungrad.transforms.remat_transpose`). The inputs of
``f`` are always saved.

Policies decide per equation of the forward computation whether its result may be saved:
``nothing_saveable`` (default), ``everything_saveable``, ``dots_saveable`` and
``save_only_these_names(*names)`` (values tagged with :func:`checkpoint_name`).
``checkpoint(f, memory_budget=b)`` replaces the policy by a plan computed from the JVP IR
of ``f`` by :mod:`fungrad.transforms.remat_planner` (save within ``b`` bytes, or ``b`` of
the unchecked residual bytes, at the least estimated recompute cost), after the scans of
``f`` got a schedule across their iterations (:mod:`fungrad.transforms.remat_scan`).

:func:`saved_residuals` lists what a VJP of a function keeps alive between the forward and
the backward pass, with shapes, bytes and the source line that produced each value.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from fungrad import core, dtypes
from fungrad.core import Primitive, get_aval
from fungrad.errors import UnhashableStaticArgError
from fungrad.interpreters import partial_eval as pe
from fungrad.interpreters.batching import batch_size, batching_rules, defvectorized
from fungrad.interpreters.executable import executable
from fungrad.interpreters.jvp import Zero, jvp_rules
from fungrad.interpreters.linearize import deflinear, is_linear, transpose_rules
from fungrad.ir import IR, Eqn, Var, stage_closed
from fungrad.lax import dot_general_p
from fungrad.transforms.api import check_callable
from fungrad.transforms.jit import _normalize_argnums, _signature, jit_call_p, static_spec
from fungrad.transforms.remat_planner import Plan, baseline_bytes, plan_budget, resolve_budget
from fungrad.transforms.remat_scan import scan_bytes_kept, schedule_scans
from fungrad.transforms.remat_transpose import lazy_transpose_ir
from fungrad.tree_util import keystr, tree_flatten, tree_flatten_with_path, tree_unflatten

__all__ = ["checkpoint", "remat", "checkpoint_name", "checkpoint_policies",
           "saved_residuals", "print_saved_residuals", "remat_p", "name_p"]


# ---------------------------------------------------------------------------------------
# Policies


class Policy:
    """A checkpoint policy: ``saveable(eqn) -> bool`` with a readable, hashable identity."""

    def __init__(self, name: str, saveable: Callable[[Eqn], bool], key=None):
        self.name = name
        self.saveable = saveable
        self.key = key if key is not None else name

    def __eq__(self, other):
        return isinstance(other, Policy) and self.key == other.key

    def __hash__(self):
        return hash(self.key)

    def __repr__(self):
        return self.name


def _is_dot(eqn: Eqn) -> bool:
    return eqn.prim is dot_general_p


def save_only_these_names(*names: str) -> Policy:
    """A policy saving only values tagged by ``checkpoint_name(x, name)`` with these names."""
    wanted = frozenset(names)

    def saveable(eqn: Eqn) -> bool:
        return eqn.prim is name_p and eqn.params["name"] in wanted

    return Policy(f"save_only_these_names{tuple(sorted(wanted))}", saveable,
                  ("names", wanted))


def save_any_names_but_these(*names_not_to_save: str) -> Policy:
    """A policy saving every value tagged by ``checkpoint_name`` except those with these names."""
    unwanted = frozenset(names_not_to_save)

    def saveable(eqn: Eqn) -> bool:
        return eqn.prim is name_p and eqn.params["name"] not in unwanted

    return Policy(f"save_any_names_but_these{tuple(sorted(unwanted))}", saveable,
                  ("names_but", unwanted))


def _is_dot_without_batch_dims(eqn: Eqn) -> bool:
    return _is_dot(eqn) and not eqn.params["dimension_numbers"][1][0]


class checkpoint_policies:  # noqa: N801 (JAX's namespace name)
    """The built-in policies (``fg.checkpoint_policies.dots_saveable``...).

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> import fungrad.numpy as fnp
        >>> policy = fg.checkpoint_policies.nothing_saveable
        >>> f = fg.checkpoint(lambda x: fnp.sin(fnp.sin(x)), policy=policy)
        >>> round(float(fg.grad(f)(1.0)), 6)
        0.360039
    """

    nothing_saveable = Policy("nothing_saveable", lambda eqn: False)
    everything_saveable = Policy("everything_saveable", lambda eqn: True)
    dots_saveable = Policy("dots_saveable", _is_dot)
    checkpoint_dots = dots_saveable  # JAX's older alias
    dots_with_no_batch_dims_saveable = Policy("dots_with_no_batch_dims_saveable",
                                              _is_dot_without_batch_dims)
    save_only_these_names = staticmethod(save_only_these_names)
    save_any_names_but_these = staticmethod(save_any_names_but_these)


def as_policy(policy) -> Policy:
    """A :class:`Policy`, or a JAX-style callable ``policy(prim, *avals, **params) -> bool``."""
    if policy is None:
        return checkpoint_policies.nothing_saveable
    if isinstance(policy, Policy):
        return policy
    if policy is save_only_these_names:
        raise TypeError(
            "checkpoint: policy=save_only_these_names is the policy factory, not a policy: "
            "call it with the names to save, e.g. policy=fg.checkpoint_policies."
            "save_only_these_names('hidden') (values tagged by fg.checkpoint_name(x, 'hidden')).")
    if callable(policy):
        signature = _signature(policy)

        def saveable(eqn: Eqn) -> bool:
            avals = [a.aval for a in eqn.inputs]
            if signature is not None:
                try:
                    signature.bind(eqn.prim, *avals, **eqn.params)
                except TypeError as err:
                    raise TypeError(
                        f"checkpoint: the policy `{getattr(policy, '__name__', policy)}` "
                        f"cannot be called as policy(prim, *avals, **params) -> bool ({err}; "
                        f"for the primitive `{eqn.prim.name}`). Define it as "
                        "`def policy(prim, *avals, **params)`, or use one of "
                        "fg.checkpoint_policies.") from None
            return bool(policy(eqn.prim, *avals, **eqn.params))

        return Policy(getattr(policy, "__name__", "custom_policy"), saveable, ("fn", policy))
    raise TypeError(f"checkpoint: policy must be one of fg.checkpoint_policies or a callable "
                    f"policy(prim, *avals, **params) -> bool (got {policy!r})")


# ---------------------------------------------------------------------------------------
# checkpoint_name: an identity that tags a value for `save_only_these_names`

name_p = Primitive("checkpoint_name")
name_p.def_impl(lambda x, *, name: x)
name_p.def_abstract_eval(lambda x, *, name: x)
deflinear(name_p, lambda ct, x, *, name: [ct])
defvectorized(name_p)


class BudgetPolicy(Policy):
    """The policy of ``checkpoint(f, memory_budget=b)``: a plan computed per staged IR.

    With ``schedule`` the long scans of the IR get a schedule across their iterations
    first (:mod:`fungrad.transforms.remat_scan`); the rewritten IR is then planned with a
    policy without it, whose ``origin`` is ``(baseline bytes, scan schedules)`` of the
    original IR (for the report).
    """

    def __init__(self, budget, schedule: bool = True, origin=None):
        self.budget = budget
        self.schedule = schedule
        self.origin = origin
        # 1 (one byte) and 1.0 (everything) compare equal: the kind is part of the key
        kind = "bytes" if isinstance(budget, int) else "fraction"
        super().__init__(f"memory_budget={budget!r}", lambda eqn: True,
                         ("budget", kind, budget, schedule, id(origin)))


def check_budget(budget):
    """Validate a ``memory_budget`` argument; return it as a float fraction or an int."""
    if isinstance(budget, (bool, np.bool_)) or not isinstance(
            budget, (int, float, np.integer, np.floating)):
        raise TypeError(f"checkpoint: memory_budget must be a float fraction in [0, 1] of the "
                        f"residual bytes or an int byte count, got {type(budget).__name__} "
                        f"{budget!r}")
    if isinstance(budget, (int, np.integer)):
        if budget < 0:
            raise ValueError(f"checkpoint: memory_budget={budget} bytes is negative; give a "
                             "byte count >= 0 or a float fraction in [0, 1]")
        return int(budget)
    budget = float(budget)
    if not 0.0 <= budget <= 1.0:  # NaN fails too
        raise ValueError(f"checkpoint: memory_budget={budget!r} as a float is a fraction of "
                         "the residual bytes and must lie in [0, 1]; for an absolute budget "
                         "pass an int byte count (e.g. memory_budget=64 * 2**20)")
    return budget


def checkpoint_name(x: Any, name: str) -> Any:
    """Tag every leaf of ``x`` with ``name`` (for ``save_only_these_names``); returns ``x``.

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> import fungrad.numpy as fnp
        >>> f = fg.checkpoint(lambda x: fnp.sin(fg.checkpoint_name(x * 2, 'h')),
        ...                   policy=fg.checkpoint_policies.save_only_these_names('h'))
        >>> fg.grad(f)(0.0)
        Array(2.)
    """
    leaves, tree = tree_flatten(x)
    return tree_unflatten(tree, [name_p.bind(leaf, name=str(name)) for leaf in leaves])


# ---------------------------------------------------------------------------------------
# The remat primitive

remat_p = Primitive("remat", multiple_results=True, call_like=True)
remat_p.def_impl(lambda *args, ir, policy: executable(ir)(*args))
remat_p.def_abstract_eval(lambda *avals, ir, policy: ir.out_avals)


def _remat_jvp(primals, tangents, *, ir, policy):
    def bind(sub_ir, *args):
        return remat_p.bind(*args, ir=sub_ir, policy=policy)

    plan, saveable, key = None, policy.saveable, policy
    nonzero = [not isinstance(t, Zero) for t in tangents]
    if isinstance(policy, BudgetPolicy) and policy.schedule:
        scheduled_ir, scheduled_policy = _schedule(ir, nonzero, policy)
        if scheduled_ir is not ir:
            return _remat_jvp(primals, tangents, ir=scheduled_ir, policy=scheduled_policy)
    if isinstance(policy, BudgetPolicy):
        plan = budget_plan(ir, nonzero, policy)
        saveable, key = plan.saveable, (policy, id(plan))
    jir, out_nonzero = pe.jvp_ir(ir, nonzero)
    unknowns = [False] * len(primals) + [True] * sum(nonzero)
    split = pe.split_if_reverse_possible(jir, unknowns, saveable=saveable, policy_key=key)
    if split is None:  # forward mode through a forward-only body: bound unsplit
        return pe.call_jvp(bind, ir, primals, tangents, saveable, key)
    known_ir, forwarded = _forward_inputs(split, plan)
    known = bind(known_ir, *primals)
    n_known = len(split.known.outvars) - split.num_res
    computed = iter(known[n_known:])
    # Residuals that are inputs of ``fun`` come straight from the operands, not through the
    # known remat: a scan then sees a loop constant as invariant instead of stacking it.
    residuals = [primals[i] if i is not None else next(computed) for i in forwarded]
    lin = bind(split.unknown, *residuals, *[t for t in tangents if not isinstance(t, Zero)])
    k, u = iter(known[:n_known]), iter(lin)
    outs = [next(u) if flag else next(k) for flag in split.out_unknown]
    n = len(ir.outvars)
    it = iter(outs[n:])
    return outs[:n], [next(it) if nz else Zero(pe.tangent_aval(a))
                      for nz, a in zip(out_nonzero, ir.out_avals)]


def _forward_inputs(split, plan):
    """The known IR without the residuals that are its own inputs, and for each residual
    the index of the input it forwards (None: computed by the known IR); cached."""
    known = split.known
    hit = known.cache.get("remat_forward")
    if hit is None:
        n_known = len(known.outvars) - split.num_res
        position = {v: i for i, v in enumerate(known.invars)}
        residuals = known.outvars[n_known:]
        forwarded = [position.get(r) if type(r) is Var else None for r in residuals]
        pruned = IR(known.constvars, known.consts, known.invars, known.eqns,
                    known.outvars[:n_known]
                    + [r for r, f in zip(residuals, forwarded) if f is None])
        if plan is not None:
            pruned.cache[_PLAN_KEY] = plan
        hit = known.cache["remat_forward"] = (pruned, forwarded)
    return hit


def budget_plan(ir, nonzero, policy: BudgetPolicy) -> Plan:
    """The plan of a ``memory_budget`` checkpoint of ``ir`` for these nonzero tangents
    (cached on the JVP IR)."""
    nonzero = [bool(n) for n in nonzero]
    jir, _ = pe.jvp_ir(ir, nonzero)
    unknowns = [False] * len(ir.invars) + [True] * sum(nonzero)
    key = ("budget_plan", policy.key, tuple(unknowns))
    plan = jir.cache.get(key)
    if plan is None:
        plan = jir.cache[key] = plan_budget(jir, unknowns, policy.budget)
        if policy.origin is not None:  # a rewritten IR: report against the original
            plan.baseline_bytes, schedules = policy.origin
            plan.notes = [repr(s) for s in schedules]
    return plan


def _schedule(ir, nonzero, policy: BudgetPolicy):
    """``ir`` with its long scans scheduled for the budget, and the policy to plan it
    with (an absolute byte limit); ``ir`` itself when no scan changes (cached)."""
    key = ("budget_schedule", policy.key, tuple(bool(n) for n in nonzero))
    hit = ir.cache.get(key)
    if hit is None:
        jir, _ = pe.jvp_ir(ir, nonzero)
        unknowns = [False] * len(ir.invars) + [True] * sum(nonzero)
        baseline = baseline_bytes(jir, unknowns)
        limit = resolve_budget(policy.budget, baseline)
        fraction = limit / baseline if baseline else 1.0
        for _ in range(4):
            # The scans take their share of the budget. If the plan of the rest then drops
            # a rewritten scan (the rest needs more than its share), shrink their share to
            # what the rest leaves.
            new_ir, schedules = schedule_scans(ir, fraction, _bind_checkpointed)
            scans = sum(s.length * s.step_bytes for s in schedules)
            if not scans or fraction <= 0:
                break
            jir2, _ = pe.jvp_ir(new_ir, nonzero)
            kept, wanted, rest = scan_bytes_kept(jir2, unknowns, limit)
            if kept >= 0.9 * wanted:
                break
            fraction = max(0.0, min(0.999 * fraction, (limit - rest) / scans))
        hit = ir.cache[key] = (new_ir, BudgetPolicy(limit, schedule=False,
                                                    origin=(baseline, schedules)))
    return hit


def _bind_checkpointed(ir, budget, args):
    policy = (checkpoint_policies.nothing_saveable if budget is None
              else BudgetPolicy(int(budget), schedule=False))
    return remat_p.bind(*args, ir=ir, policy=policy)


_PLAN_KEY = "remat_budget_plan"


def _remat_transpose(cts, *operands, ir, policy):
    # The recomputations are staged lazily, interleaved with the backward pass (see
    # remat_transpose), so that a recomputed value is alive only for its segment.
    linear = [is_linear(x) for x in operands]
    tir = lazy_transpose_ir(ir, linear)
    residuals = [x for x in operands if not is_linear(x)]
    outs = iter(jit_call_p.bind(*residuals, *pe.instantiate_zeros(cts, ir.out_avals),
                                ir=tir, name="remat_transpose"))
    return [next(outs) if lin else None for lin in linear]


def _remat_batch(vals, dims, *, ir, policy):
    bir, out_dims = pe.vmap_ir(ir, dims, batch_size(vals, dims))
    return remat_p.bind(*vals, ir=bir, policy=policy), list(out_dims)


jvp_rules[remat_p] = _remat_jvp
transpose_rules[remat_p] = _remat_transpose
batching_rules[remat_p] = _remat_batch


# ---------------------------------------------------------------------------------------
# The API


def checkpoint(fun: Callable, *, prevent_cse: bool = True, policy: Policy | None = None,
               static_argnums: int | Sequence[int] = (),
               static_argnames: str | Sequence[str] = (), concrete: bool = False,
               memory_budget: float | int | None = None) -> Callable:
    """Make ``fun`` recompute its intermediate values in the backward pass.

    Args:
        fun: a pure function of arrays.
        prevent_cse: accepted for JAX compatibility (fungrad never merges the recomputation
            with the forward pass).
        policy: which values may be saved (``fg.checkpoint_policies``, or a JAX-style
            callable ``policy(prim, *avals, **params) -> bool``); default
            ``nothing_saveable``: only the inputs of ``fun`` are kept.
        static_argnums, static_argnames: arguments passed through unchanged
            (configuration values; hashable).
        concrete: only False, as in JAX, which removed the option (use static_argnums).
        memory_budget: instead of a policy, let fungrad choose what to save: a float in
            ``[0, 1]`` is a fraction of the residual bytes ``fun`` would keep without
            checkpointing (its inputs not counted), an int is a byte count. The planner
            (:mod:`fungrad.transforms.remat_planner`) saves values within the budget so
            that the estimated recompute cost is smallest; the plan is made once per
            staged IR (a checkpoint inside a ``scan`` body: per iteration; a ``scan``
            inside ``fun``: across its iterations, by per-step plans or checkpointed
            blocks of steps) and ``fg.saved_residuals`` reports it.

    Returns:
        A function with ``fun``'s signature and values, whose reverse-mode derivative keeps
        less memory alive. Use ``fg.saved_residuals`` to see what is kept.

    Example:
        >>> import fungrad as fg, fungrad.numpy as fnp
        >>> layer = fg.checkpoint(lambda x: fnp.tanh(fnp.sin(x) * 2.0))
        >>> float(fg.grad(layer)(0.3)) == float(fg.grad(lambda x: fnp.tanh(fnp.sin(x) * 2.0))(0.3))
        True
    """
    check_callable("checkpoint", fun)
    if concrete:
        raise NotImplementedError("checkpoint: concrete=True is not supported (JAX removed it); "
                                  "mark the arguments that must be concrete static_argnums.")
    if memory_budget is not None:
        if policy is not None:
            raise TypeError("checkpoint: give either policy= or memory_budget=, not both "
                            f"(got policy={policy!r}, memory_budget={memory_budget!r})")
        policy = BudgetPolicy(check_budget(memory_budget))
    policy = as_policy(policy)
    signature = _signature(fun)
    statics, _ = static_spec(fun, signature, static_argnums, static_argnames, "checkpoint")
    static_nums = _normalize_argnums(static_argnums)
    name = getattr(fun, "__qualname__", None) or getattr(fun, "__name__", "fun")

    cache: dict = {}  # signature -> (IR, out_tree); derived IRs are cached on the IR

    @functools.wraps(fun)
    def checkpointed(*args, **kwargs):
        if static_nums:
            _check_static_argnums(name, static_nums, signature, args, kwargs)
        if core._context.trace is core.eval_trace:
            for i in statics if not kwargs else ():
                if i < len(args):
                    _static_key(name, args, i)  # the same errors as under a transform
            return fun(*args, **kwargs)  # nothing to differentiate: no need to stage
        if kwargs or (statics and statics[-1] >= len(args)):
            # keywords and defaults become positional, so static_argnames can find them
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            args = bound.args
        dyn = [a for i, a in enumerate(args) if i not in statics]
        leaves, in_tree = tree_flatten(tuple(dyn))
        avals = [get_aval(x) for x in leaves]
        key = (in_tree, tuple(avals), tuple(_static_key(name, args, i) for i in statics))
        hit = cache.get(key)
        if hit is not None:
            ir, out_tree = hit
            return tree_unflatten(out_tree, remat_p.bind(*leaves, ir=ir, policy=policy))
        out_trees = []

        def flat_fun(*flat):
            it = iter(tree_unflatten(in_tree, flat))
            full = [a if i in statics else next(it) for i, a in enumerate(args)]
            out, tree = tree_flatten(fun(*full))
            out_trees.append(tree)
            return out

        ir, hoisted = stage_closed(flat_fun, avals, name, transform_name="checkpoint")
        ir = pe.optimize_derived(ir)
        if not hoisted:  # closures over traced values change every call: not cacheable
            cache[key] = (ir, out_trees[0])
        outs = remat_p.bind(*hoisted, *leaves, ir=ir, policy=policy)
        return tree_unflatten(out_trees[0], outs)

    return checkpointed


remat = checkpoint


def _check_static_argnums(name: str, nums: tuple[int, ...], signature, args, kwargs) -> None:
    """JAX's call-time check: each of ``static_argnums`` indexes a positional argument of
    this call (one passed by keyword for a positional parameter counts)."""
    count = len(signature.bind(*args, **kwargs).args) if kwargs and signature else len(args)
    bad = [i for i in nums if not -count <= i < count]
    if bad:
        raise ValueError(f"checkpoint of `{name}`: static_argnums={nums} must index the "
                         f"{count} positional arguments of this call ({-count} to "
                         f"{count - 1}), but {bad} do not. Fix static_argnums, or pass the "
                         "static argument positionally.")


def _static_key(name: str, args, index: int):
    """A static argument as a cache key (with its type), or an error if it is unhashable."""
    value = args[index]
    try:
        hash(value)
    except TypeError:
        raise UnhashableStaticArgError(
            f"checkpoint of `{name}`: static argument at position {index} has unhashable type "
            f"{type(value).__name__}: {value!r:.60}. Static arguments key the trace cache, so "
            "they must be hashable: pass a tuple instead of a list, or make the value a "
            "dynamic (non-static) argument if it is an array.") from None
    return type(value), value


# ---------------------------------------------------------------------------------------
# saved_residuals


class SavedResidual(NamedTuple):
    """One value a VJP keeps alive between the forward and the backward pass.

    For values saved by a ``memory_budget`` checkpoint, ``recompute_cost`` is the estimated
    time (seconds) that recomputing the value would have cost instead, and ``note`` says
    why the planner saved it and summarises the plan (bytes, budget, planning time).
    """

    shape: tuple
    dtype: np.dtype
    nbytes: int
    source: str  # "argument x['w']" or "<primitive> at file:line (function)"
    is_argument: bool
    recompute_cost: float | None = None
    note: str = ""


def saved_residuals(fun: Callable, *args) -> list[SavedResidual]:
    """List what ``vjp(fun, *args)`` keeps alive for the backward pass.

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> import fungrad.numpy as fnp
        >>> residuals = fg.saved_residuals(lambda x: fnp.sin(x) * 2, np.ones(2))
        >>> [(r.shape, r.nbytes) for r in residuals]
        [((2,), 16)]

    Each entry gives the shape, dtype, bytes and where the value comes from: an argument
    (which the caller holds anyway) or the primitive and source line that computed it; for
    a ``memory_budget`` checkpoint also the recompute cost the saving avoids and the plan.
    """
    with_paths, in_tree = tree_flatten_with_path(args)
    leaves = [x for _, x in with_paths]

    def flat_fun(*flat):
        return tree_flatten(fun(*tree_unflatten(in_tree, flat)))[0]

    ir, _ = stage_closed(flat_fun, [get_aval(x) for x in leaves], "saved_residuals",
                            transform_name="saved_residuals")
    ir = pe.optimize_derived(ir)
    nonzero = [dtypes.is_inexact(get_aval(x).dtype) for x in leaves]
    jir, _ = pe.jvp_ir(ir, nonzero)
    split = pe.partial_eval_ir(jir, [False] * len(leaves) + [True] * sum(nonzero))
    known = split.known
    residuals = known.outvars[len(known.outvars) - split.num_res:]
    producer = {o: e for e in known.eqns for o in e.outputs}
    names = {v: f"argument {_arg_label(path)}" for v, (path, _) in zip(known.invars, with_paths)}
    return [_describe(r, producer, names) for r in residuals if type(r) is Var]


def _arg_label(path) -> str:
    return f"args{keystr(path)}"


def _describe(var: Var, producer, names) -> SavedResidual:
    aval = var.aval
    nbytes = aval.size * aval.dtype.itemsize
    origin, cost, note = _origin(var, producer, names)
    return SavedResidual(aval.shape, aval.dtype, nbytes, origin, origin.startswith("argument"),
                         cost, note)


def _origin(var, producer, names, plan=None):
    """Where ``var`` comes from, looking through the outputs of nested calls and remats;
    returns ``(source, recompute_cost, note)`` (the last two from a budget plan)."""
    if var in names:
        return names[var], None, ""
    eqn = producer.get(var)
    if eqn is None:
        return "<constant>", None, ""
    if eqn.prim.call_like:
        inner = eqn.params["ir"]
        inner_plan = inner.cache.get(_PLAN_KEY, plan)
        inner_var = inner.outvars[eqn.outputs.index(var)]
        if inner_var in inner.invars:
            outer = eqn.inputs[inner.invars.index(inner_var)]
            return (_origin(outer, producer, names, plan) if type(outer) is Var
                    else ("<constant>", None, ""))
        inner_producer = {o: e for e in inner.eqns for o in e.outputs}
        if inner_var in inner_producer:
            return _origin(inner_var, inner_producer, {}, inner_plan)
    source = f"{eqn.prim.name} at {eqn.site or '<unknown>'}"
    if plan is None:
        return source, None, ""
    value = next((v for v in plan.values if v.var is var), None)
    cost = value.recompute_cost if value is not None else None
    why = (f"saved by the memory_budget plan: recomputing it would cost ~{cost * 1e6:.3g} us"
           if cost is not None else "saved by the memory_budget plan")
    return source, cost, f"{why}; {plan.summary()}"


def print_saved_residuals(fun: Callable, *args) -> None:
    """Print :func:`saved_residuals` as a table with a total of the non-argument bytes.

    Example:
        >>> import numpy as np
        >>> import fungrad as fg
        >>> import fungrad.numpy as fnp
        >>> fg.print_saved_residuals(lambda x: fnp.sin(x) * 2, np.ones(2))
        float64[2]  16 B  cos at ...
        total (excluding arguments): 16 bytes
    """
    rows = saved_residuals(fun, *args)
    for r in rows:
        print(f"{r.dtype.name}{list(r.shape)}  {r.nbytes:>12,d} B  {r.source}"
              + (f"  [{r.note}]" if r.note else ""))
    total = sum(r.nbytes for r in rows if not r.is_argument)
    print(f"total (excluding arguments): {total:,d} bytes")
