"""``pytest --fakeai-record=FILE``: the traffic of every ``fake_openai`` and ``fake_openai_server``
test of a run, in one file, ordered by test id, then by the order of each test's requests.

Each process that runs tests (every pytest-xdist worker, or pytest itself without xdist) writes a
part of its own, a flushed line per request, into a folder beside FILE; the process that started
the run merges the parts into FILE when the session ends and removes them. Ordering by test id
makes FILE the same bytes whichever worker ran which test, so two runs of a suite give identical
files (ids and timestamps are deterministic already).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from ..credentials import bearer_key
from .recording import LineWriter, Recorder

#: How the starting process tells each xdist worker where the parts go (``workerinput``).
WORKER_KEY = "fakeai_record_parts"


class RecordingRefused(ValueError):
    """FILE cannot be written where the option says (no such folder, a folder itself)."""


def checked_target(path: str) -> Path:
    target = Path(path).resolve()
    if target.is_dir():
        raise RecordingRefused(f"--fakeai-record={path}: that is a folder; give the file to write")
    if not target.parent.is_dir():
        raise RecordingRefused(f"--fakeai-record={path}: there is no folder {target.parent} to write it in")
    return target


class SuiteRecording:
    """One process's share of a suite's recording. ``target``: FILE; ``parts``: the folder of parts."""

    def __init__(self, target: Path, parts: Path, process: str):
        self.target = target
        self.parts = parts
        self.process = process
        self.writer: LineWriter | None = None
        #: API key -> the test that owns it (the fake_openai_server fixture's keys).
        self.tests_by_key: dict[str, str] = {}
        self.merged: tuple[int, int] | None = None  # (requests, tests) written to FILE

    @classmethod
    def starting(cls, path: str) -> "SuiteRecording":
        """The recording of the process that started the run: it makes the folder of parts."""
        target = checked_target(path)
        parts = Path(tempfile.mkdtemp(prefix=f".{target.name}.parts-", dir=target.parent))
        return cls(target, parts, "main")

    @classmethod
    def of_worker(cls, path: str, workerinput: dict) -> "SuiteRecording":
        if WORKER_KEY not in workerinput:
            raise RecordingRefused("--fakeai-record: this pytest-xdist worker was not told where to write "
                                   "(is fakeai's plugin loaded in the process that started the run?)")
        return cls(Path(path).resolve(), Path(workerinput[WORKER_KEY]), workerinput.get("workerid", "worker"))

    def line_writer(self) -> LineWriter:
        """This process's part, opened on its first request."""
        if self.writer is None:
            part = self.parts / f"{self.process}-{os.getpid()}.jsonl"
            self.writer = LineWriter(open(part, "a", encoding="utf-8"))
        return self.writer

    def record_test(self, app, test: str) -> None:
        """Record a test's own emulator (the fake_openai fixture)."""
        Recorder(self.line_writer(), lambda request: test).attach(app)

    def record_server(self, app) -> None:
        """Record the session's server (fake_openai_server): each request is the test's whose key it carries."""
        Recorder(self.line_writer(), self.test_of_key).attach(app)

    def test_of_key(self, request) -> str | None:
        return self.tests_by_key.get(bearer_key(request.headers.get("authorization")) or "")

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()

    def merge(self) -> None:
        """Every part into FILE (written whole, then renamed into place), ordered by test id; the
        parts are removed."""
        self.close()
        lines = []
        for part in sorted(self.parts.glob("*.jsonl")):
            with open(part, encoding="utf-8") as text:
                lines += [line for line in text.read().splitlines() if line.strip()]
        tests = [json.loads(line).get("test") or "" for line in lines]
        order = sorted(range(len(lines)), key=tests.__getitem__)  # stable: each test's requests stay in order
        written = self.target.with_name(self.target.name + ".writing")
        with open(written, "w", encoding="utf-8") as out:
            out.writelines(lines[index] + "\n" for index in order)
        os.replace(written, self.target)
        self.merged = (len(lines), len(set(tests)))
        self.remove_parts()

    def remove_parts(self) -> None:
        shutil.rmtree(self.parts, ignore_errors=True)

    def summary(self) -> str:
        requests, tests = self.merged or (0, 0)
        return (f"fakeai: {requests} request{'s' * (requests != 1)} of {tests} test{'s' * (tests != 1)} "
                f"recorded to {self.target}")
