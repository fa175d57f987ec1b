"""``jit``: trace once per signature, optimize the IR, run it with minimal Python overhead.

``jit(f)`` stages ``f`` into an IR the first time it sees a signature (input structure,
shapes, dtypes, weak types and static arguments), optimizes it (:mod:`fungrad.ir_passes`)
and caches it. With no transform active, a cached call runs the IR's compiled executable
directly (:mod:`fungrad.interpreters.executable`). Under a transform the call binds the
higher-order primitive ``jit_call``, whose rules transform the IR (JVP, partial evaluation
for reverse mode, transpose, batching; see :mod:`fungrad.interpreters.partial_eval`), so
``grad(jit(f))``, ``vmap(jit(f))``, ``jit(grad(f))`` and ``jit(vmap(f))`` all work.

Values of enclosing transforms captured by ``f`` (closures) become explicit operands of
``jit_call``; such traces are not cached, since the captured values change every call.
"""

from __future__ import annotations

import functools
import inspect
import logging
import types
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from fungrad.kernels import settings, tiering
from fungrad.kernels.cpu import cache as kernel_cache
from fungrad.kernels.cpu.driver import cpu_plan
from fungrad.kernels.gpu import driver as gpu_driver

from fungrad import core, float_checks
from fungrad.config import config, switches
from fungrad.core import Primitive, get_aval
from fungrad.devices import check_one_device
from fungrad.errors import UnhashableStaticArgError, user_site
from fungrad.interpreters import partial_eval as pe
from fungrad.interpreters.batching import axis_env, batch_size, batching_rules
from fungrad.interpreters.executable import executable
from fungrad.interpreters.jvp import jvp_rules
from fungrad.interpreters.linearize import transpose_rules
from fungrad.ir import IR, stage_closed
from fungrad.ir_passes import optimize
from fungrad.numpy.array_type import as_output
from fungrad.transforms import leak_checks
from fungrad.transforms.api import check_callable, flatten_output
from fungrad.transforms.cache_misses import explain_miss, note_uncached
from fungrad.tree_util import (
    keystr,
    register_pytree_node,
    tree_flatten,
    tree_flatten_with_path,
    tree_unflatten,
)

__all__ = ["jit", "jit_call_p", "clear_caches"]

_log = logging.getLogger("fungrad.jit")  # fg.log_compiles's messages

# ---------------------------------------------------------------------------------------
# The jit_call primitive: ``outs = jit_call[ir, name](*operands)``

jit_call_p = Primitive("jit_call", multiple_results=True, call_like=True)
jit_call_p.inline = True  # the IR passes splice nested jitted programs into the caller


def _jit_call_impl(*args, ir, name):
    # The program of a jitted IR reached through bind (under grad, vmap, inside another
    # trace's parent) follows the configured backend, tiered like a top-level call.
    run = ir.cache.get("program")
    if run is None:
        run = ir.cache["program"] = tiering.program(
            ir, None, lambda fused: ir.cache.__setitem__("program", fused))
    return run(*args)


jit_call_p.def_impl(_jit_call_impl)
jit_call_p.def_abstract_eval(lambda *avals, ir, name: ir.out_avals)


def _jit_call_jvp(primals, tangents, *, ir, name):
    def bind(sub_ir, *args):
        return jit_call_p.bind(*args, ir=sub_ir, name=f"jvp({name})")

    return pe.call_jvp(bind, ir, primals, tangents)


def _jit_call_transpose(cts, *operands, ir, name):
    def bind(sub_ir, *args):
        return jit_call_p.bind(*args, ir=sub_ir, name=f"transpose({name})")

    return pe.call_transpose(bind, ir, cts, operands)


def _jit_call_batch(vals, dims, *, ir, name):
    bir, out_dims = pe.vmap_ir(ir, dims, batch_size(vals, dims))
    return jit_call_p.bind(*vals, ir=bir, name=f"vmap({name})"), list(out_dims)


jvp_rules[jit_call_p] = _jit_call_jvp
transpose_rules[jit_call_p] = _jit_call_transpose
batching_rules[jit_call_p] = _jit_call_batch


# ---------------------------------------------------------------------------------------
# The user-facing wrapper


class _Entry:
    """One cached trace: the optimized IR, the program that runs it and the output structure.

    ``run`` starts as the backend's choice (:func:`fungrad.kernels.tiering.program`); a
    tiered program replaces it by the fused one when compiling has paid off.
    """

    __slots__ = ("ir", "run", "out_tree", "hoisted")

    def __init__(self, ir: IR, out_tree, hoisted, backend: str):
        self.ir = ir
        self.out_tree = out_tree
        self.hoisted = hoisted
        self.run = None if hoisted else tiering.program(ir, backend, self._install)

    def _install(self, run) -> None:
        self.run = run


class _KeywordArguments(dict):
    """Arguments passed by keyword to parameters that have no position (keyword-only ones
    and ``**kwargs``): the last of the jitted call's arguments. A pytree whose children are
    the dynamic values; the ones ``static_argnames`` names are part of its structure (so a
    new static value traces again, as for static positional arguments)."""

    def __init__(self, items=(), static: tuple = ()):
        super().__init__(items)
        self.static = tuple(sorted(k for k in static if k in self))


def _flatten_keywords(kw: _KeywordArguments):
    dynamic = tuple(sorted(k for k in kw if k not in kw.static))
    return [kw[k] for k in dynamic], (dynamic, tuple((k, kw[k]) for k in kw.static))


def _unflatten_keywords(aux, values) -> _KeywordArguments:
    dynamic, statics = aux
    return _KeywordArguments([*zip(dynamic, values), *statics], [k for k, _ in statics])


register_pytree_node(_KeywordArguments, _flatten_keywords, _unflatten_keywords)


def _call(fun, args):
    if args and type(args[-1]) is _KeywordArguments:
        return fun(*args[:-1], **args[-1])
    return fun(*args)


class Lowered:
    """What ``jitted.lower(*args)`` returns: the optimized IR for those arguments.

    ``as_text()`` shows the IR and, for the kernel backends, the fusion plan (which equations
    run together as kernels; for ``"gpu"`` also the host program that launches them);
    ``kernel_sources()`` the generated source of each kernel (Numba, or the CuPy kernels
    with their CUDA C++; neither needs Numba, CuPy or a GPU); ``compile()`` compiles the
    kernels now and returns the program.
    """

    def __init__(self, ir: IR, backend: str):
        self.ir = ir
        self.backend = backend

    def _backend(self) -> str:
        return self.backend or settings.default_backend()

    def as_text(self) -> str:
        text = str(self.ir)
        backend = self._backend()
        if backend == "numpy":
            return text
        if backend == "gpu":
            plan, _ = gpu_driver.gpu_plan(self.ir)
            return (f"{text}\n\n# fusion plan ({len(plan.groups)} kernel groups)\n"
                    f"{plan.describe()}\n\n# host program (CuPy)\n"
                    f"{gpu_driver.host_source(self.ir)}")
        plan, _ = cpu_plan(self.ir)
        return f"{text}\n\n# fusion plan ({len(plan.groups)} kernels)\n{plan.describe()}"

    def kernel_sources(self) -> list[str]:
        """The source of each fused kernel, in program order (for ``"gpu"``: each distinct
        ``cupy.ElementwiseKernel``/``ReductionKernel`` constructor, CUDA C++ inside)."""
        if self._backend() == "gpu":
            return [spec.source() for spec in gpu_driver.kernel_specs(self.ir)]
        return [k.source for k in cpu_plan(self.ir)[1]]

    def compile(self) -> Callable:
        """Compile the fused kernels now; return ``run(*flat_args) -> list`` of outputs."""
        if self._backend() == "gpu":
            return gpu_driver.program(self.ir)
        fused = tiering.compile_fused(self.ir)
        return fused if fused is not None else executable(self.ir)

    __str__ = as_text


class JittedFunction:
    """A function compiled by :func:`jit`; call it like the original."""

    def __init__(self, fun: Callable, static_argnums, static_argnames, donate_argnums,
                 backend: str | None = None, donate_argnames=()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.backend = tiering.check_backend(backend)
        self.name = getattr(fun, "__qualname__", None) or getattr(fun, "__name__", "fun")
        self.signature = _signature(fun)
        _check_positions(self.name, self.signature, "static_argnums",
                         _normalize_argnums(static_argnums))
        self.static_argnums, self.static_argnames = static_spec(
            fun, self.signature, static_argnums, static_argnames)
        self.donate_argnums = _normalize_argnums(donate_argnums)
        _check_donation(self.name, self.signature, self.static_argnames, self.donate_argnums,
                        _names(donate_argnames))
        self.cache: dict[Any, _Entry] = {}
        self.trace_count = 0  # how many times `fun` was traced (cache misses)
        _live_jitted.add(self)

    def __call__(self, *args, **kwargs):
        if switches.disable_jit:
            return self.fun(*args, **kwargs)
        if kwargs or (self.static_argnums and self.static_argnums[-1] >= len(args)):
            args = self._positional(args, kwargs)
        if self.static_argnums:
            statics, leaves, in_tree = self._split(args)
        else:  # the common case, kept short: this path is the cached call's overhead
            statics = ()
            leaves, in_tree = tree_flatten(args)
        # the bound axis names and sizes (vmap axis_name=) shape collectives in the trace
        key = (in_tree, tuple(map(_static_key, statics)), self._leaf_keys(args, leaves),
               axis_env.frames)
        entry = self.cache.get(key)
        if entry is None:
            if config._values["explain_cache_misses"]:
                self._explain_miss(args, key)
            marker = leak_checks.start()
            entry = self._trace(args, statics, leaves, in_tree)
            leak_checks.finish(marker, "jit", self.fun)
            if not entry.hoisted:
                self.cache[key] = entry
            elif config._values["explain_cache_misses"]:
                note_uncached(self, key)
        if (entry.run is not None and core._context.trace is core.eval_trace
                and not float_checks.state.enabled):
            outs = entry.run(*leaves)
        else:
            outs = jit_call_p.bind(*entry.hoisted, *leaves, ir=entry.ir, name=self.name)
        return tree_unflatten(entry.out_tree, list(map(as_output, outs)))

    def __get__(self, obj, objtype=None):
        """Bind ``self`` when the jitted function is a method (as ``jax.jit``'s are).

        ``A().f(x)`` is ``f(A(), x)``: ``self`` is an ordinary argument, so it must be a
        pytree of arrays or be marked static (``static_argnums=0``).
        """
        if obj is None:
            return self
        return types.MethodType(self, obj)

    def lower(self, *args, backend: str | None = None, **kwargs) -> Lowered:
        """Trace and return the optimized IR for ``args``.

        ``backend`` (a fungrad extension; JAX's ``lower`` has none) overrides the jitted
        function's backend for what the result shows and compiles: ``lower(*args,
        backend="gpu").kernel_sources()`` gives the CUDA kernels on any machine, without
        CuPy or a GPU. It is not passed to the function.
        """
        if kwargs:
            args = self._positional(args, kwargs)
        statics, leaves, in_tree = self._split(args)
        self._leaf_keys(args, leaves)
        backend = tiering.backend_name(backend) or self.backend
        return Lowered(self._trace(args, statics, leaves, in_tree).ir, backend)

    def _cache_size(self) -> int:
        return len(self.cache)

    def clear_cache(self) -> None:
        self.cache.clear()

    def _positional(self, args, kwargs) -> tuple:
        if self.signature is None:
            raise TypeError(f"jit of `{self.name}`: keyword arguments need a signature")
        try:
            bound = self.signature.bind(*args, **kwargs)
        except TypeError as err:
            raise TypeError(f"jit of `{self.name}`: {err} (the signature is "
                            f"{self.name}{self.signature}).") from None
        by_keyword = dict(bound.kwargs)  # defaults of keyword-only ones stay the function's
        bound.apply_defaults()
        if not by_keyword:
            return bound.args
        static = [k for k in by_keyword if k in self.static_argnames]
        for k in static:
            try:
                hash(by_keyword[k])
            except TypeError:
                raise UnhashableStaticArgError(
                    f"jit of `{self.name}`: static keyword argument `{k}` has unhashable "
                    f"type {type(by_keyword[k]).__name__}: {by_keyword[k]!r:.60}; static "
                    "arguments key the trace cache, so pass a hashable value.") from None
        return (*bound.args, _KeywordArguments(by_keyword, static))

    def _split(self, args):
        statics = []
        for i in self.static_argnums:
            if i >= len(args):  # a position *args did not fill this call: JAX ignores it
                continue
            statics.append(_check_hashable(self.name, i, args[i], self.signature))
        dyn = tuple(a for i, a in enumerate(args) if i not in self.static_argnums)
        leaves, in_tree = tree_flatten(dyn)
        return tuple(statics), leaves, in_tree

    def _leaf_keys(self, args, leaves) -> tuple:
        try:
            return tuple(map(_leaf_key, leaves))
        except TypeError:
            raise self._non_array_error(args) from None

    def _non_array_error(self, args) -> TypeError:
        """The error for a dynamic argument that is not an array, naming the fix."""
        params = list(self.signature.parameters) if self.signature else []
        for i, a in enumerate(args):
            if i in self.static_argnums:
                continue
            for path, leaf in tree_flatten_with_path(a)[0]:
                try:
                    get_aval(leaf)
                except TypeError:
                    if type(a) is _KeywordArguments:
                        return TypeError(
                            f"jit of `{self.name}`: keyword argument "
                            f"`{_flatten_keywords(a)[1][0][path[0].key]}{keystr(path[1:])}` is a "
                            f"{type(leaf).__name__}, not an array or a pytree of arrays. "
                            "Mark it static with static_argnames (a hashable value; a new "
                            "value traces again), or pass it through a closure.")
                    label = params[i] if i < len(params) else f"args[{i}]"
                    return TypeError(
                        f"jit of `{self.name}`: argument `{label}{keystr(path)}` (position "
                        f"{i}) is a {type(leaf).__name__}, not an array or a pytree of arrays."
                        f" Mark it static with static_argnums={i}"
                        + (f" or static_argnames={label!r}" if i < len(params) else "")
                        + f" (a hashable value; a new value traces again), or register "
                        f"{type(leaf).__name__} as a pytree (fg.tree_util.register_pytree_node "
                        "or register_dataclass)."
                    )
        return TypeError(f"jit of `{self.name}`: an argument is not an array")

    def _explain_miss(self, args, key) -> None:
        params = list(self.signature.parameters) if self.signature else []
        statics = [f"`{params[i]}` (argument {i})" if i < len(params) else f"args[{i}]"
                   for i in self.static_argnums]
        _log.warning("%s", explain_miss(self, key, self._input_labels(args), statics,
                                        user_site()))

    def _trace(self, args, statics, leaves, in_tree) -> _Entry:
        if config._values["no_tracing"]:
            code = getattr(inspect.unwrap(self.fun), "__code__", None)
            where = f" at {code.co_filename}:{code.co_firstlineno}" if code else ""
            raise RuntimeError(
                f"re-tracing function {self.name}{where} for `jit`, but 'no_tracing' is set "
                "(fg.no_tracing / config no_tracing): a call with new shapes, dtypes, "
                "static arguments or pytree structure needs a new trace.")
        self.trace_count += 1
        out_tree = []

        def flat_fun(*tracers):
            it = iter(tree_unflatten(in_tree, tracers))
            full = [a if i in self.static_argnums else next(it) for i, a in enumerate(args)]
            flat, tree = flatten_output("jit", self.fun, _call(self.fun, full))
            out_tree.append(tree)
            return flat

        avals = [get_aval(x) for x in leaves]
        if config._values["log_compiles"]:
            _log.warning("Compiling jit of `%s` for arguments %s", self.name,
                         ", ".join(a.str_short() for a in avals))
        labels = self._input_labels(args)
        check_one_device(f"jit of `{self.name}`", leaves, labels.__getitem__)
        names = [f"{label} of `{self.name}`" for label in labels]
        ir, hoisted = stage_closed(flat_fun, avals, self.name, names)
        return _Entry(optimize(ir), out_tree[0], hoisted, self.backend)

    def _input_labels(self, args) -> list[str]:
        """``argument `params['w']``` for each dynamic leaf, in flattening order."""
        params = list(self.signature.parameters) if self.signature else []
        labels = []
        for i, a in enumerate(args):
            if i in self.static_argnums:
                continue
            label = params[i] if i < len(params) else f"args[{i}]"
            if type(a) is _KeywordArguments:
                label = "kwargs"
            for path, _ in tree_flatten_with_path(a)[0]:
                labels.append(f"argument `{label}{keystr(path)}`")
        return labels


_live_jitted: weakref.WeakSet[JittedFunction] = weakref.WeakSet()


def clear_caches() -> None:
    """Forget every jitted function's traces and the kernels compiled in this process.

    The next call of each jitted function traces again (``trace_count`` grows); kernels
    in the on-disk cache stay there and are loaded again instead of being recompiled.

    Example:
        >>> import fungrad as fg
        >>> f = fg.jit(lambda x: x + 1)
        >>> f(1.0)
        Array(2.)
        >>> fg.clear_caches()
        >>> f(1.0)
        Array(2.)
    """
    for jitted in list(_live_jitted):
        jitted.clear_cache()
    kernel_cache.clear_memory()


def _leaf_key(x):
    """What the trace of a leaf depends on: its shape and dtype (a Python scalar: its type,
    as it is weakly typed). Arrays skip building an aval: this runs on every call."""
    t = type(x)
    if t is np.ndarray or isinstance(x, np.ndarray):
        return (x.shape, x.dtype)
    if t is float or t is int or t is bool or t is complex:
        return t
    return get_aval(x)


def _static_key(value):
    """A static argument as a cache key: with its type, since ``1 == 1.0 == True`` trace
    differently (``fnp.full(3, n)`` has n's dtype)."""
    t = type(value)
    if t is tuple or t is list:
        return t, tuple(map(_static_key, value))
    return t, value


def _signature(fun):
    """``inspect.signature(fun)``, or None for callables without one."""
    try:
        return inspect.signature(fun)
    except (TypeError, ValueError):
        return None


def _normalize_argnums(argnums) -> tuple[int, ...]:
    if argnums is None:
        return ()
    return (argnums,) if isinstance(argnums, int) else tuple(argnums)


def _names(argnames) -> tuple[str, ...]:
    return (argnames,) if isinstance(argnames, str) else tuple(argnames or ())


def _check_donation(name: str, signature, static_argnames, nums, names) -> None:
    """JAX's checks of ``donate_argnums``/``donate_argnames`` at ``jit()`` time (donation
    itself is a no-op here): positions within the positional parameters (unless ``*args``
    takes any number), names among the parameters, no argument both static and donated."""
    if not all(isinstance(i, (int, np.integer)) for i in nums):
        raise TypeError(f"jit of `{name}`: donate_argnums must be ints (positions), got "
                        f"{nums}.")
    if signature is None:
        if names:
            raise ValueError(f"jit of `{name}`: donate_argnames={names} needs the function's "
                             "signature, which inspect cannot read; pass donate_argnums.")
        return
    _check_positions(name, signature, "donate_argnums", nums)
    params = signature.parameters
    positional = _positional_params(signature)
    unknown = [n for n in names if n not in params]
    if unknown:
        raise ValueError(f"jit of `{name}`: donate_argnames {unknown} are not parameters of "
                         f"`{name}` (parameters: {list(params)}); fix the names.")
    donated = {*names, *(positional[i] for i in nums if -len(positional) <= i < len(positional))}
    both = sorted(donated.intersection(static_argnames))
    if both:
        raise ValueError(f"jit of `{name}`: {both} are both static and donated; a static "
                         "argument is a Python value, not a buffer to donate. Remove it from "
                         "donate_argnums/donate_argnames (or from the static ones).")


def _positional_params(signature) -> list[str]:
    """The names of the parameters that can be passed by position (not ``*args``)."""
    return [n for n, p in signature.parameters.items()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def _takes_varargs(signature) -> bool:
    return any(p.kind is p.VAR_POSITIONAL for p in signature.parameters.values())


def _check_positions(name: str, signature, arg: str, nums) -> None:
    """JAX's ``jit()``-time check of ``static_argnums``/``donate_argnums`` (``arg``): each
    position within the positional parameters, unless ``*args`` takes any number."""
    if signature is None or _takes_varargs(signature):
        return
    positional = _positional_params(signature)
    count = len(positional)
    if any(not -count <= i < count for i in nums):
        valid = f"positions run from {-count} to {count - 1}" if count else "none is valid"
        raise ValueError(f"jit of `{name}`: {arg}={nums} is out of range: `{name}` takes "
                         f"{count} positional arguments {tuple(positional)}, so {valid}. Fix "
                         f"the positions, or pass names with {arg[:-4]}names.")


def static_spec(fun, signature, static_argnums, static_argnames, transform: str = "jit"):
    """Static positions (sorted) and names from ``static_argnums``/``static_argnames``."""
    nums = set(_normalize_argnums(static_argnums))
    names = _names(static_argnames)
    params = list(signature.parameters) if signature else []
    keyword_only = {n for n, p in signature.parameters.items()
                    if p.kind is p.KEYWORD_ONLY} if signature else set()
    for name in names:
        if name not in params:
            raise ValueError(f"{transform}: static_argnames {name!r} is not a parameter of "
                             f"`{getattr(fun, '__name__', fun)}` (parameters: {params})")
        if name not in keyword_only:  # keyword-only ones have no position (jit keys them)
            nums.add(params.index(name))
    for i, p in enumerate(params):
        if i in nums and p not in names:
            names += (p,)
    if any(i < 0 for i in nums):  # counted from the last positional parameter
        count = len(params) if not signature or _takes_varargs(signature) else len(
            _positional_params(signature))
        nums = {i % count if count else i for i in nums}
    return tuple(sorted(nums)), names


def _check_hashable(name, index, value, signature):
    try:
        hash(value)
    except TypeError:
        params = list(signature.parameters) if signature else []
        arg = params[index] if index < len(params) else f"args[{index}]"
        raise UnhashableStaticArgError(
            f"jit of `{name}`: static argument `{arg}` (position {index}) has unhashable type "
            f"{type(value).__name__}: {value!r:.60}. Static arguments key the trace cache, so "
            "they must be hashable: pass a tuple instead of a list, or make the value a "
            "dynamic (non-static) argument if it is an array."
        ) from None
    return value


def jit(fun: Callable | None = None, /, *, static_argnums: int | Sequence[int] = (),
        static_argnames: str | Sequence[str] = (), donate_argnums: int | Sequence[int] = (),
        donate_argnames: str | Sequence[str] = (), keep_unused: bool = False,
        device=None, backend: str | None = None, inline: bool = False,
        compiler_options: dict | None = None
        ) -> JittedFunction | Callable[[Callable], JittedFunction]:
    """Compile ``fun``: trace once per input signature, optimize, and cache the program.

    JAX's signature: options are keyword-only, and ``jit(**options)`` without ``fun``
    returns a decorator.

    Arrays that ``fun`` reads from globals or closures are copied into the program when it
    is traced (JAX's semantics): mutating them afterwards does not affect cached traces.

    Args:
        fun: a pure function of arrays (pytrees of arrays).
        static_argnums: positions of arguments that are configuration values (hashable,
            compared by type and equality: ``1``, ``1.0`` and ``True`` trace separately; a new
            value traces again). Python control flow may depend
            on them.
        static_argnames: the same, by parameter name.
        donate_argnums, donate_argnames: accepted for JAX compatibility; NumPy buffers are
            not reused, so donated arguments stay valid (unlike JAX). They are checked as
            JAX checks them: positions in range, names among the parameters, none static.
        keep_unused, inline: accepted for JAX compatibility (unused inputs cost nothing
            here, and nested jitted functions are always inlined into the caller's program).
        device: accepted for JAX compatibility (the CPU is the only device).
        compiler_options: XLA's compiler flags in JAX; accepted (a dict or None) and
            without effect: fungrad's backends are chosen with ``backend``.
        backend: ``"auto"`` (default; also ``None`` and JAX's ``"cpu"``) runs the NumPy
            executable while a signature is new and switches to fused Numba kernels once
            compiling them pays off (at once when they are in the disk cache);
            ``"numba"`` compiles the kernels on the first call; ``"numpy"`` never does;
            ``"gpu"`` (or ``"cuda"``) runs fused CuPy kernels on the GPU and raises here if
            CuPy or a GPU is missing (``lower(*args, backend="gpu")`` shows the kernels
            anywhere). The default comes from ``fg.config.jit_backend``.

    Returns:
        A :class:`JittedFunction`; ``.lower(*args).as_text()`` shows the optimized IR and
        ``.trace_count`` counts traces (cache misses).
        Under ``fg.disable_jit()`` it calls ``fun`` directly; while ``debug_nans`` or
        ``debug_infs`` is on, the program runs one checked equation at a time.

    Example:
        >>> import fungrad as fg, fungrad.numpy as fnp
        >>> f = fg.jit(lambda x: fnp.sin(x) * 2.0)
        >>> float(f(0.5)) == float(f(0.5)) and f.trace_count
        1
    """
    if compiler_options is not None and not isinstance(compiler_options, dict):
        raise TypeError(f"jit: compiler_options must be a dict or None, got "
                        f"{type(compiler_options).__name__}")
    if fun is None:
        return lambda f: jit(f, static_argnums=static_argnums, static_argnames=static_argnames,
                             donate_argnums=donate_argnums, donate_argnames=donate_argnames,
                             backend=backend)
    check_callable("jit", fun)
    return JittedFunction(fun, static_argnums, static_argnames, donate_argnums, backend,
                          donate_argnames)
