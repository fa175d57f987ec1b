"""Every registered primitive has the rules its kind requires (the coverage report)."""

import pytest

from fungrad import coverage


@pytest.mark.parametrize("name", sorted(coverage.all_primitives()))
def test_primitive_has_required_rules(name):
    missing = coverage.missing_rules(coverage.all_primitives()[name])
    assert not missing, f"primitive `{name}` lacks: {', '.join(missing)}"


def test_table_names_the_defining_module():
    import importlib

    for name, prim in coverage.all_primitives().items():
        if not prim.module.startswith("fungrad"):
            # Made inside a test function (test_jit's failing primitive, the device table's
            # hard-coded sin): it names that test module but is not a module attribute.
            assert prim.module.startswith("tests."), (name, prim.module)
            continue
        module = importlib.import_module(prim.module)
        defined = [v for v in vars(module).values() if v is prim]
        assert defined, f"primitive `{name}` is not defined in {prim.module}"
    text = coverage.format_table()
    assert "fungrad.lax.elementwise" in text and "fungrad.interpreters.jvp" in text


def test_every_elementwise_primitive_has_a_gpu_rule_or_a_reason():
    for name, prim in coverage.all_primitives().items():
        if prim.elementwise:
            assert coverage.rule_table(prim)["gpu"] in (True, "declined"), name
    header = coverage.format_table().splitlines()[0].split()
    assert header[-2:] == ["cpu", "gpu"]
    assert "gpu shift_left:" in coverage.format_reasons()
