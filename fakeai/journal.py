"""The request journal: every request the emulator received, in order, for tests to assert on.

    create = fake_openai.requests.last("createRun")
    assert create.body["tools"] == [...]
    assert [e.status for e in fake_openai.requests.filter(path="/threads/*/runs")] == [429, 200]

Entries keep the raw bytes and parse them when asked, so journaling costs a request almost
nothing. The API key is masked as the real API masks it in its errors.
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from . import strictjson
from .errors import mask_api_key


def masked(headers: dict) -> dict:
    out = dict(headers)
    if "authorization" in out:
        scheme, _, key = out["authorization"].partition(" ")
        out["authorization"] = f"{scheme} {mask_api_key(key)}"
    return out


def parsed(raw: bytes):
    if not raw:
        return None
    try:
        return strictjson.loads(raw)
    except ValueError:  # not JSON, or JSON fakeai refuses (too deep, a lone surrogate): the text
        return raw.decode("utf-8", "replace")


@dataclass
class Entry:
    method: str
    path: str  # as sent, with the /v1 prefix
    query_string: str
    headers: dict  # lower-case names, the API key masked
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
        return parsed(self.raw_response)

    @property
    def query(self) -> dict:
        return {key: values if len(values) > 1 else values[0]
                for key, values in parse_qs(self.query_string, keep_blank_values=True).items()}

    def summary(self) -> dict:
        """A JSON-able view (the admin API's journal)."""
        return {"method": self.method, "path": self.path, "query": self.query, "operation": self.operation,
                "headers": self.headers, "body": self.body, "status": self.status,
                "response": self.response if not self.events else None,
                "events": [name for name, _ in self.events], "request_id": self.request_id,
                "timestamp": self.timestamp}


class Journal(list):
    """Entries in arrival order, with filters that read like the test that uses them."""

    def filter(self, operation: str | None = None, *, method: str | None = None, path: str | None = None,
               status: int | None = None) -> "Journal":
        """``path`` is a glob over the path after /v1 (``/threads/*/runs``)."""
        return Journal(entry for entry in self
                       if (operation is None or entry.operation == operation)
                       and (method is None or entry.method == method.upper())
                       and (path is None or fnmatch.fnmatchcase(entry.path.removeprefix("/v1"), path))
                       and (status is None or entry.status == status))

    def last(self, operation: str | None = None, **filters) -> Entry:
        found = self.filter(operation, **filters)
        if not found:
            raise LookupError(f"no request matches {operation or ''} {filters or ''}".strip())
        return found[-1]

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
