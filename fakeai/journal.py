"""The request journal: every request the emulator received, in order, for tests to assert on.

    create = fake_openai.requests.last("createRun")      # the spec's operationId, or
    create = fake_openai.requests.last("beta.threads.runs.create")  # the SDK's method
    assert create.body["tools"] == [...]
    assert [e.status for e in fake_openai.requests.filter(path="/threads/*/runs")] == [429, 200]

Entries keep the raw bytes and parse them when asked, so journaling costs a request almost
nothing. The API key, and every other credential header, is masked as the real API masks a key in
its errors (fakeai/credentials.py).
"""

from __future__ import annotations

import difflib
import fnmatch
import functools
import json
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from .credentials import masked  # noqa: F401  (entries are built with every credential masked)


def parsed(raw: bytes):
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


@dataclass
class Entry:
    method: str
    path: str  # as sent, with the /v1 prefix
    query_string: str
    headers: dict  # lower-case names, credentials masked
    raw_body: bytes
    timestamp: int  # the emulator's clock when the request came
    request_id: str
    operation: str | None = None  # the spec's operationId, when the request matched a route
    status: int | None = None
    raw_response: bytes = b""
    events: list = field(default_factory=list)  # (event, data) of a streamed answer

    @property
    def body(self):
        """The request's JSON body (None when it had none; the text when it was not JSON)."""
        return parsed(self.raw_body)

    @property
    def response(self):
        """The answer's JSON body (None for a stream: see ``events``)."""
        return parsed(self.raw_response)

    @property
    def query(self) -> dict:
        """The query string as a dict (a repeated key gives a list)."""
        return {key: values if len(values) > 1 else values[0]
                for key, values in parse_qs(self.query_string, keep_blank_values=True).items()}

    def summary(self) -> dict:
        """A JSON-able view (the admin API's journal)."""
        return {"method": self.method, "path": self.path, "query": self.query, "operation": self.operation,
                "headers": self.headers, "body": self.body, "status": self.status,
                "response": self.response if not self.events else None,
                "events": [name for name, _ in self.events], "request_id": self.request_id,
                "timestamp": self.timestamp}


@functools.lru_cache(maxsize=None)
def operation_names() -> dict[str, str]:
    """Every name a lookup may use -> the operationId: the spec's operationIds (``submitToolOuputsToRun``,
    its spelling) and the SDK's methods (``beta.threads.runs.submit_tool_outputs``)."""
    from .routes import ROUTES  # the URL table imports the handlers; only needed here, late
    from .validation import load_schemas
    documents = load_schemas().documents
    names = {route.operation: route.operation for route in ROUTES}
    for route in ROUTES:
        method = documents.get(f"parameters/{route.operation}.json", {}).get("x-sdk-method")
        if method:
            names[method] = route.operation
    return names


def operation_named(name: str) -> str:
    """The operationId ``name`` means; a name fakeai does not serve is refused, with the closest one."""
    names = operation_names()
    if name in names:
        return names[name]
    close = difflib.get_close_matches(name, list(names), n=1, cutoff=0.5)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise LookupError(f"{name!r} names no operation fakeai serves.{hint} Use the spec's operationId "
                      "(e.g. 'createRun') or the SDK's method (e.g. 'beta.threads.runs.create').")


class Journal(list):
    """Entries in arrival order, with filters that read like the test that uses them."""

    def filter(self, operation: str | None = None, *, method: str | None = None, path: str | None = None,
               status: int | None = None) -> "Journal":
        """``operation``: the spec's operationId or the SDK's method; ``path`` is a glob over the path
        after /v1 (``/threads/*/runs``)."""
        wanted = operation_named(operation) if operation is not None else None
        return Journal(entry for entry in self
                       if (wanted is None or entry.operation == wanted)
                       and (method is None or entry.method == method.upper())
                       and (path is None or fnmatch.fnmatchcase(entry.path.removeprefix("/v1"), path))
                       and (status is None or entry.status == status))

    def last(self, operation: str | None = None, **filters) -> Entry:
        """The newest request that matches; LookupError listing what was received when none does."""
        found = self.filter(operation, **filters)
        if not found:
            wanted = " ".join(filter(None, [operation, *(f"{key}={value!r}" for key, value in filters.items())]))
            raise LookupError(f"no request matches {wanted or 'anything'}; received: {self.received()}")
        return found[-1]

    def received(self) -> str:
        """``createThread, createRun x2, getRun x3`` (unmatched requests by method and path)."""
        counts = Counter(entry.operation or f"{entry.method} {entry.path}" for entry in self)
        return ", ".join(f"{name} x{count}" if count > 1 else name for name, count in counts.items()) or "nothing"

    def table(self, limit: int = 50) -> str:
        """A short, readable table (the pytest report of a failing test shows it)."""
        rows = [("#", "method", "path", "status", "request id")]
        shown = self[-limit:]
        start = len(self) - len(shown)
        rows += [(str(start + i + 1), e.method, e.path + (f"?{e.query_string}" if e.query_string else ""),
                  str(e.status), e.request_id) for i, e in enumerate(shown)]
        widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
        return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
                         for row in rows)
