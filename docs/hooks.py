"""mkdocs hooks: add the API reference pages (docs/api_pages.py) to the site's files."""

from __future__ import annotations

import pathlib
import sys

from mkdocs.structure.files import File

_DOCS = pathlib.Path(__file__).resolve().parent
# api_pages beside this file, and the repository's fungrad when it is not installed.
sys.path[:0] = [str(_DOCS), str(_DOCS.parent)]

import api_pages  # noqa: E402


def on_files(files, config):
    for page, text in api_pages.pages().items():
        files.append(File.generated(config, f"api/{page}", content=text))
    return files
