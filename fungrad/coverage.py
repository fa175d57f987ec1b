"""Rule coverage: which primitives have which rules. ``python -m fungrad.coverage`` prints it.

Every primitive needs an impl, an abstract_eval, a JVP rule and a batching rule; linear
primitives also need a transpose rule. The ``cpu`` column is the Numba lowering:
elementwise primitives need a rule in ``fungrad.kernels.cpu.lowering`` or a stated reason
for running their NumPy impl (``declined``; ``python -m fungrad.coverage --reasons`` lists
them); reductions that kernels accumulate show ``yes``; every other primitive runs its impl
inside fused programs (``impl``). The ``gpu`` column is the same for the CuPy lowering
(``fungrad.kernels.gpu.lowering``).
"""

from __future__ import annotations

import fungrad  # noqa: F401  (registers every primitive)
from fungrad.core import Primitive, registry
from fungrad.interpreters.batching import batching_rules
from fungrad.interpreters.jvp import jvp_rules
from fungrad.interpreters.linearize import transpose_rules
from fungrad.kernels.cpu.lowering import cpu_declined, cpu_lowerings, reduce_rules
from fungrad.kernels.gpu import lowering as gpu


def all_primitives() -> dict[str, Primitive]:
    """Return the registry of primitives by name."""
    return dict(registry)


def rule_table(prim: Primitive) -> dict[str, bool | None]:
    """Return, per rule kind, True/False (present/missing) or None (not required)."""
    return {
        "impl": prim.impl is not None,
        "abstract_eval": prim.abstract_eval is not None,
        "jvp": prim in jvp_rules,
        "transpose": (prim in transpose_rules) if prim.linear else None,
        "batching": prim in batching_rules,
        "cpu": _lowering(prim, cpu_lowerings, reduce_rules, cpu_declined),
        "gpu": _lowering(prim, gpu.gpu_lowerings, gpu.reduce_rules, gpu.gpu_declined),
    }


def _lowering(prim: Primitive, rules, reductions, declined) -> bool | str:
    if prim in rules or prim in reductions:
        return True
    if prim in declined:
        return "declined"
    return False if prim.elementwise else "impl"


def missing_rules(prim: Primitive) -> list[str]:
    """Return the names of required rules that ``prim`` lacks."""
    return [kind for kind, ok in rule_table(prim).items() if ok is False]


def format_table() -> str:
    """Render the coverage table as text (one row per primitive, with its defining module)."""
    kinds = list(rule_table(next(iter(registry.values()))).keys())
    width = max(len(n) for n in registry) + 2
    mod_width = max(len(p.module) for p in registry.values()) + 2
    lines = ["primitive".ljust(width) + "module".ljust(mod_width)
             + "  ".join(k.ljust(13) for k in kinds)]
    for name in sorted(registry, key=lambda n: (registry[n].module, n)):
        row = rule_table(registry[name])
        marks = [v if isinstance(v, str) else "yes" if v else ("-" if v is None else "MISSING")
                 for v in row.values()]
        lines.append(name.ljust(width) + registry[name].module.ljust(mod_width)
                     + "  ".join(m.ljust(13) for m in marks))
    total_missing = sum(len(missing_rules(p)) for p in registry.values())
    lines.append(f"\n{len(registry)} primitives, {total_missing} missing rules")
    return "\n".join(lines)


def format_reasons() -> str:
    """The elementwise primitives that run their impl inside fused programs, and why."""
    lines = []
    for column, declined in (("cpu", cpu_declined), ("gpu", gpu.gpu_declined)):
        lines += [f"{column} {p.name}: {why}"
                  for p, why in sorted(declined.items(), key=lambda kv: kv[0].name)]
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    print(format_reasons() if "--reasons" in sys.argv else format_table())
