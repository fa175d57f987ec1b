"""The documentation site: its API pages list the modules, its guide code runs, it builds.

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
sys.path.insert(0, str(ROOT / "docs"))

import api_pages  # noqa: E402


def test_api_pages_list_every_public_name():
    """Each module's page names all its public functions and classes, and only those."""
    import fungrad.numpy as fnp
    from fungrad import lax

    text = api_pages.pages()
    assert "        - vmap\n" in text["fungrad.md"]
    assert "        - exp\n" in text["numpy.md"] and "        - Array\n" in text["numpy.md"]
    assert "        - exp_p\n" not in text["lax.md"]  # primitives are not functions
    assert "        - linalg\n" not in text["numpy.md"]  # submodules have their own pages
    assert "::: fungrad.scipy.stats.norm" in text["scipy_stats.md"]
    listed = {line.strip()[2:] for line in text["lax.md"].splitlines()
              if line.startswith("        - ")}
    assert listed == set(api_pages.public_names(lax))
    assert {"sum", "where", "linspace"} <= set(api_pages.public_names(fnp))


def test_every_api_page_is_in_the_nav():
    nav = (ROOT / "mkdocs.yml").read_text()
    missing = [page for page, _, _ in api_pages.PAGES if f"api/{page}" not in nav]
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
    assert len(pages) == 1 + 3 + len(api_pages.PAGES), pages  # home, guides, API
    html = (tmp_path / "site" / "coming_from_jax" / "index.html").read_text()
    assert "Default dtypes are NumPy" in html  # the README section was included
    # The reference shows this checkout's docstrings, constructed ones included.
    lax_html = (tmp_path / "site" / "api" / "lax" / "index.html").read_text()
    numpy_html = (tmp_path / "site" / "api" / "numpy" / "index.html").read_text()
    assert "fungrad.lax.exp" in lax_html and "integer_pow" in lax_html
    assert "fnp.exp(np.array([0.0, 1.0]))" in html_text(numpy_html)


def html_text(html: str) -> str:
    """The text of an HTML page (tags dropped, entities decoded)."""
    import html as html_lib

    return html_lib.unescape(re.sub(r"<[^>]+>", "", html))
