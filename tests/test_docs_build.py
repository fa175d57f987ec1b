"""The documentation site: its API pages are current, its guide code runs, and it builds.

``mkdocs build --strict`` (warnings are errors: a broken link, a docstring griffe cannot
parse, a missing include) runs when mkdocs and mkdocstrings are installed (the ``docs`` and
``test`` extras install them); the other checks need only fungrad.
"""

from __future__ import annotations

import importlib.util
import os
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "docs"))

import gen_api_pages  # noqa: E402


def test_api_pages_match_the_modules():
    """Every public function and class has its entry: the pages are what the tool writes."""
    stale = [page for page, text in gen_api_pages.pages().items()
             if (ROOT / "docs" / "api" / page).read_text() != text]
    assert not stale, (f"docs/api pages {stale} do not list the modules' current public names; "
                       "run `python tools/gen_api_pages.py` and commit the pages")


def test_every_api_page_is_in_the_nav():
    nav = (ROOT / "mkdocs.yml").read_text()
    missing = [page for page, _, _ in gen_api_pages.PAGES if f"api/{page}" not in nav]
    assert not missing, f"mkdocs.yml's nav lacks {missing}"


def test_getting_started_code_runs(tmp_path, monkeypatch):
    """The Python blocks of docs/index.md run in order, as a reader would paste them."""
    text = (ROOT / "docs" / "index.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) >= 4
    monkeypatch.chdir(tmp_path)  # the training block saves params.npz
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "docs/index.md", "exec"), namespace)  # noqa: S102
    assert namespace["accuracy"] > 0.95
    assert namespace["per_example"].shape == (3, 2)
    assert (tmp_path / "params.npz").exists()


def test_doctest_fences():
    from griffe_doctest_fences import fence_doctests

    text = "Summary.\n\nExample:\n    >>> f(1)\n    [1, 2]\n\n    More text.\n"
    assert fence_doctests(text) == (
        "Summary.\n\nExample:\n    ```pycon\n    >>> f(1)\n    [1, 2]\n    ```\n\n"
        "    More text.\n")


_HAVE_MKDOCS = all(importlib.util.find_spec(m) is not None
                   for m in ("mkdocs", "mkdocstrings", "mkdocstrings_handlers", "material"))


@pytest.mark.skipif(not _HAVE_MKDOCS, reason="mkdocs, mkdocs-material and mkdocstrings[python] "
                    "are not installed (pip install -e '.[docs]')")
def test_mkdocs_build_strict(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT), NO_MKDOCS_2_WARNING="1")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-8000:]
    pages = sorted(p.relative_to(tmp_path / "site").as_posix()
                   for p in (tmp_path / "site").rglob("index.html"))
    assert len(pages) == 1 + 3 + len(gen_api_pages.PAGES), pages  # home, guides, API
    html = (tmp_path / "site" / "coming_from_jax" / "index.html").read_text()
    assert "Default dtypes are NumPy" in html  # the README section was included
