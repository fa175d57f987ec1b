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

import numpy as np

from fungrad import float_checks
from fungrad.array_module import (
    HOST_TYPES,
    computation_device,
    constants_on_device,
    place_operands,
    to_device,
)
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


def _compile(ir: IR, device=None) -> Callable:
    writer = ProgramWriter(ir, device)
    last_use = last_uses(ir, [([a for a in e.inputs if type(a) is Var], e.outputs)
                              for e in ir.eqns])
    for j, eqn in enumerate(ir.eqns):
        writer.call_impl(j, eqn)
        writer.free(last_use.get(j, ()))
    return writer.finish("<fungrad.jit>")


class ProgramWriter:
    """Writes the source of one straight-line function ``run(*args) -> list`` for an IR.

    Constants and literals live in the function's namespace; equations append lines to its
    body. If the function raises, it re-runs the IR one equation at a time, so the error
    names the failing primitive and its source line. The fused Numba driver writes its
    programs with it too (its kernel calls are lines of the same body).
    """

    def __init__(self, ir: IR, device=None):
        self.ir = ir
        # device: the (platform, id) this program computes on; None writes the host program,
        # which hands calls with device arrays to a device program (constants moved there)
        self.device = device
        # __name__: warnings the generated code issues (NumPy's RuntimeWarnings) name a
        # fungrad module, so warning filters on "fungrad" see them as library warnings
        self.namespace: dict[str, Any] = {"__name__": "fungrad.jit"}
        self.names: dict[Var, str] = {}
        self.body: list[str] = []
        consts = ir.consts if device is None else [
            to_device(c, device) if isinstance(c, (np.ndarray, np.generic)) else c
            for c in ir.consts]
        for i, (v, c) in enumerate(zip(ir.constvars, consts)):
            self.names[v] = f"k{i}"
            self.namespace[f"k{i}"] = c
        self.params = [f"a{i}" for i in range(len(ir.invars))]
        self.names.update(zip(ir.invars, self.params))

    def ref(self, atom) -> str:
        """The name the generated code uses for a variable or literal."""
        if type(atom) is Literal:
            key = f"l{len(self.namespace)}"
            self.namespace[key] = atom.value
            return key
        return self.names[atom]

    def new_name(self, v: Var) -> str:
        self.names[v] = name = f"v{len(self.names)}"
        return name

    def call_impl(self, j: int, eqn) -> None:
        """Append ``outs = impl(*inputs)`` for equation ``eqn`` (the ``j``-th step)."""
        fn = functools.partial(eqn.prim.impl, **eqn.params) if eqn.params else eqn.prim.impl
        self.namespace[f"f{j}"] = fn
        outs = ", ".join(self.new_name(o) for o in eqn.outputs)
        args = ", ".join(self.ref(a) for a in eqn.inputs)
        target = f"[{outs}]" if eqn.prim.multiple_results else outs
        self.body.append(f"        {target} = f{j}({args})")

    def free(self, dead_vars) -> None:
        """Delete intermediates read for the last time (inputs and constants stay: they live
        with the caller and the IR, and the except clause needs the inputs)."""
        dead = [self.names[v] for v in dead_vars if self.names.get(v, "").startswith("v")]
        if dead:
            self.body.append(f"        del {', '.join(dead)}")

    def finish(self, filename: str) -> Callable:
        """Compile the function; its source is kept as ``run.source``."""
        result = ", ".join(self.ref(v) for v in self.ir.outvars)
        self.namespace["_ir"], self.namespace["_run_slowly"] = self.ir, _run_slowly
        params = self.params
        args = ", ".join(params)
        dispatch = []
        if self.device is None and params:
            # one set lookup per argument: device arrays go to the device program
            self.namespace["_HOST"], self.namespace["_on_device"] = HOST_TYPES, _run_on_device
            hosts = " and ".join(f"type({p}) in _HOST" for p in params)
            dispatch = [f"    if not ({hosts}):",
                        f"        return _on_device(_ir, ({args},), _body)"]
        source = "\n".join([
            f"def _body({args}):", "    try:", *self.body,
            f"        return [{result}]",
            "    except Exception:",  # re-run one equation at a time to name the failing line
            f"        return _run_slowly(_ir, ({''.join(p + ', ' for p in params)}))",
            f"def run({args}):", *dispatch, f"    return _body({args})",
        ])
        exec(compile(source, filename, "exec"), self.namespace)  # noqa: S102 (generated code)
        run = self.namespace["run"]
        run.source = source
        return run


def last_uses(ir: IR, steps) -> dict[int, list[Var]]:
    """Map step index -> variables read for the last time there (outputs of ``ir`` excepted).

    ``steps`` lists ``(variables read, variables made)`` per step in program order.
    """
    keep = {v for v in ir.outvars if type(v) is Var}
    last: dict[Var, int] = {}
    for j, (reads, made) in enumerate(steps):
        for v in reads:
            if v not in keep:
                last[v] = j
        for v in made:
            if v not in keep:
                last.setdefault(v, j)  # an unused result dies where it is made
    by_step: dict[int, list[Var]] = {}
    for v, j in last.items():
        by_step.setdefault(j, []).append(v)
    return by_step


def _run_on_device(ir: IR, args: tuple, host_body: Callable) -> list:
    """Run ``ir`` on device-array arguments: one program per device, constants moved there.

    A host (floating) array argument next to device arrays raises DeviceMismatchError.
    """
    device = computation_device(args)
    if device is None:  # e.g. an ndarray subclass seen for the first time
        return host_body(*args)
    args = place_operands("jit-compiled program", args, strict=True)
    key = ("executable", device)
    run = ir.cache.get(key)
    if run is None:
        run = ir.cache[key] = _compile(ir, device)
    return run(*args)


def _run_checked(ir: IR, *args) -> list:
    return _run_slowly(ir, args, check=True)


def _run_slowly(ir: IR, args, check: bool = False) -> list:
    """Evaluate ``ir`` one equation at a time, reporting a failure at its source line.

    With ``check``, every result goes through the ``debug_nans``/``debug_infs`` check.
    """
    env = dict(zip(ir.constvars, constants_on_device(ir.consts, args)))
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
