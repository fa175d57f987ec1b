"""The import graph is one stack: core -> ir -> interpreters -> lax -> numpy -> the rest.

The interpreters know nothing about the primitives they interpret, and no module imports
inside a function except where a documented cycle needs it.
"""

import ast
import pathlib

import pytest

import fungrad

ROOT = pathlib.Path(fungrad.__file__).parent
# What each lower layer may import from fungrad (modules or packages, by prefix).
ALLOWED = {
    "array_module.py": {"fungrad.errors"},
    "core.py": {"fungrad.array_module", "fungrad.dtypes", "fungrad.errors"},
    "ir.py": {"fungrad.array_module", "fungrad.core", "fungrad.dtypes", "fungrad.errors",
              "fungrad.tree_util"},
    "float_checks.py": {"fungrad.core", "fungrad.dtypes", "fungrad.errors", "fungrad.ir"},
    "ir_passes.py": {"fungrad.core", "fungrad.ir", "fungrad.float_checks"},
    "interpreters": {"fungrad.array_module", "fungrad.core", "fungrad.ir",
                     "fungrad.ir_passes", "fungrad.dtypes", "fungrad.errors",
                     "fungrad.float_checks", "fungrad.interpreters"},
    "tree_util": {"fungrad.tree_util"},
}


def _imports(path: pathlib.Path):
    """Yield (module imported, is function-local) for every import in a file."""
    tree = ast.parse(path.read_text())
    local = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            local.update(id(n) for n in ast.walk(node) if n is not node)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] if node.module != "fungrad" else [
                f"fungrad.{a.name}" for a in node.names]
            for name in names:
                yield name, id(node) in local
        elif isinstance(node, ast.Import):
            for a in node.names:
                yield a.name, id(node) in local


def _files(layer: str):
    path = ROOT / layer
    return sorted(path.glob("*.py")) if path.is_dir() else [path]


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_only_what_is_below_it(layer):
    allowed = ALLOWED[layer]
    for path in _files(layer):
        for name, _ in _imports(path):
            if name == "fungrad" or name.startswith("fungrad."):
                ok = any(name == a or name.startswith(a + ".") for a in allowed)
                assert ok, f"{path.relative_to(ROOT)} imports {name} (allowed: {allowed})"


@pytest.mark.parametrize("layer", ["interpreters", "ir.py", "ir_passes.py", "core.py",
                                   "float_checks.py", "tree_util"])
def test_no_function_local_imports_below_lax(layer):
    for path in _files(layer):
        local = [name for name, is_local in _imports(path) if is_local]
        assert not local, f"{path.relative_to(ROOT)} imports {local} inside a function"


def test_interpreters_do_not_name_lax():
    for path in _files("interpreters"):
        text = path.read_text()
        assert "fungrad.lax" not in text and "from fungrad import lax" not in text, path
