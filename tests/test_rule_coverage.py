"""Every registered primitive has the rules its kind requires (the coverage report)."""

import pytest

from fungrad import coverage


@pytest.mark.parametrize("name", sorted(coverage.all_primitives()))
def test_primitive_has_required_rules(name):
    missing = coverage.missing_rules(coverage.all_primitives()[name])
    assert not missing, f"primitive `{name}` lacks: {', '.join(missing)}"
