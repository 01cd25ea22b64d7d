"""One self-contained HTML file of every view of a tenant: what ``pytest --fakeai-html=DIR`` writes
for a failing ``fake_openai`` test. Inline style, no script, no fetch: it opens offline, from disk
or as a CI artifact, long after the emulator is gone."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from . import render, views

#: A test id's characters kept in its file name; the rest become '_'.
UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
#: File names stay well under every file system's limit (255 bytes).
LONGEST_NAME = 120


def report_name(test_id: str) -> str:
    """``tests/test_x.py::test_y[a-b]`` -> ``tests_test_x.py__test_y_a-b_.html``; a long id is cut and
    keeps a hash of the whole id, so two tests never share a file."""
    name = UNSAFE.sub("_", test_id.replace("::", "__")).strip("_.") or "test"
    if len(name) > LONGEST_NAME:
        name = name[:LONGEST_NAME - 13] + "-" + hashlib.sha256(test_id.encode()).hexdigest()[:12]
    return name + ".html"


def write_report(tenant, directory: Path, test_id: str) -> Path:
    """Write the report of ``tenant`` for the test ``test_id`` into ``directory``; its path."""
    with tenant.lock:
        view = views.everything(tenant)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / report_name(test_id)
    path.write_text(render.report_page(view, title=f"fakeai: {test_id}"), encoding="utf-8")
    return path
