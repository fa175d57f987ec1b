"""Turning an IR into a Python function that calls the primitives' eager impls directly.

This is what ``jit`` runs before kernel lowering exists: the IR is compiled once into the
source of a straight-line Python function (one call per equation, parameters bound with
``functools.partial``, intermediates deleted after their last use so memory is released
as early as in eager mode). A later lowering step replaces groups of equations by fused
kernels; the IR and the cache (``ir.cache['executable']``) are the seam where it slots in.

If an impl raises, the program is re-run equation by equation so the error names the
primitive, the operand shapes and the user's source line of that equation. While
``debug_nans``/``debug_infs`` is on, programs run that way too, checking every result.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from fungrad import float_checks
from fungrad.core import raise_impl_error
from fungrad.ir import IR, Literal, Var


def executable(ir: IR) -> Callable:
    """Return (and cache on ``ir``) a function ``run(*args) -> list`` that evaluates ``ir``."""
    if float_checks.state.enabled:
        return functools.partial(_run_checked, ir)
    run = ir.cache.get("executable")
    if run is None:
        run = ir.cache["executable"] = _compile(ir)
    return run


def _compile(ir: IR) -> Callable:
    namespace: dict[str, Any] = {}
    names: dict[Var, str] = {}
    for i, (v, c) in enumerate(zip(ir.constvars, ir.consts)):
        names[v] = f"k{i}"
        namespace[f"k{i}"] = c
    params = [f"a{i}" for i in range(len(ir.invars))]
    names.update(zip(ir.invars, params))

    def ref(atom) -> str:
        if type(atom) is Literal:
            key = f"l{len(namespace)}"
            namespace[key] = atom.value
            return key
        return names[atom]

    last_use = _last_uses(ir)
    body = []
    for j, eqn in enumerate(ir.eqns):
        fn = functools.partial(eqn.prim.impl, **eqn.params) if eqn.params else eqn.prim.impl
        namespace[f"f{j}"] = fn
        for o in eqn.outputs:
            names[o] = f"v{len(names)}"
        args = ", ".join(ref(a) for a in eqn.inputs)
        outs = ", ".join(names[o] for o in eqn.outputs)
        target = f"[{outs}]" if eqn.prim.multiple_results else outs
        body.append(f"        {target} = f{j}({args})")
        # Only intermediates are freed: constants live in the IR and inputs with the caller
        # (and the except clause below needs the inputs).
        dead = [names[v] for v in last_use.get(j, ()) if names[v].startswith("v")]
        if dead:
            body.append(f"        del {', '.join(dead)}")
    result = ", ".join(ref(v) for v in ir.outvars)
    namespace["_ir"], namespace["_run_slowly"] = ir, _run_slowly
    source = "\n".join([
        f"def run({', '.join(params)}):", "    try:", *body, f"        return [{result}]",
        "    except Exception:",  # re-run one equation at a time to name the failing line
        f"        return _run_slowly(_ir, ({''.join(p + ', ' for p in params)}))",
    ])
    exec(compile(source, "<fungrad.jit>", "exec"), namespace)  # noqa: S102 (generated code)
    run = namespace["run"]
    run.source = source
    return run


def _last_uses(ir: IR) -> dict[int, list[Var]]:
    """Map equation index -> variables read for the last time there (not outputs)."""
    keep = {v for v in ir.outvars if type(v) is Var}
    last: dict[Var, int] = {}
    for j, eqn in enumerate(ir.eqns):
        for a in eqn.inputs:
            if type(a) is Var and a not in keep:
                last[a] = j
        for o in eqn.outputs:
            if o not in keep:
                last.setdefault(o, j)  # an unused output dies where it is made
    by_eqn: dict[int, list[Var]] = {}
    for v, j in last.items():
        by_eqn.setdefault(j, []).append(v)
    return by_eqn


def _run_checked(ir: IR, *args) -> list:
    return _run_slowly(ir, args, check=True)


def _run_slowly(ir: IR, args, check: bool = False) -> list:
    """Evaluate ``ir`` one equation at a time, reporting a failure at its source line.

    With ``check``, every result goes through the ``debug_nans``/``debug_infs`` check.
    """
    env = dict(zip(ir.constvars, ir.consts))
    env.update(zip(ir.invars, args))

    def read(atom):
        return atom.value if type(atom) is Literal else env[atom]

    for eqn in ir.eqns:
        values = [read(a) for a in eqn.inputs]
        try:
            outs = eqn.prim.impl(*values, **eqn.params)
        except Exception as err:
            if eqn.site and hasattr(err, "add_note"):  # Python >= 3.11
                err.add_note(f"in jit-compiled `{eqn.prim.name}` at {eqn.site}")
            raise_impl_error(eqn.prim, values, eqn.params, err)
        if check:
            float_checks.check_result(eqn.prim, values, outs, eqn.site or "<unknown>",
                                      "a staged program (jit, loop or branch body)")
        env.update(zip(eqn.outputs, outs if eqn.prim.multiple_results else [outs]))
    return [read(v) for v in ir.outvars]
