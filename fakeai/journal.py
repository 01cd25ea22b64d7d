"""The request journal: the requests the emulator received, in order, for tests to assert on.

    create = fake_openai.requests.last("createRun")      # the spec's operationId, or
    create = fake_openai.requests.last("beta.threads.runs.create")  # the SDK's method
    assert create.body["tools"] == [...]
    assert [e.status for e in fake_openai.requests.filter(path="/threads/*/runs")] == [429, 200]

Entries keep the raw bytes and parse them when asked, so journaling costs a request almost
nothing. The API key, and every other credential header, is masked as the real API masks a key in
its errors (fakeai/credentials.py).

Memory stays flat however long a server runs: a journal keeps the last DEFAULT_JOURNAL_SIZE
requests (configurable) and at most JOURNAL_BYTES of bodies and streamed events, a body over
BODY_LIMIT is kept shortened with a note saying so, a streamed event as the bytes that were sent,
and the header text every request repeats is held once.
"""

from __future__ import annotations

import difflib
import fnmatch
import functools
import json
from collections import Counter
from itertools import chain
from urllib.parse import parse_qs

from . import strictjson
from .credentials import masked  # noqa: F401  (entries are built with every credential masked)


def parsed(raw: bytes):
    if not raw:
        return None
    try:
        return strictjson.loads(raw)
    except ValueError:  # not JSON, or JSON fakeai refuses (too deep, a lone surrogate): the text
        return raw.decode("utf-8", "replace")


#: Requests a journal keeps (the oldest go first): far more than a test makes, few enough that a
#: long-lived server's memory stays flat (``FakeOpenAI(journal_size=)``, ``fakeai serve --journal-size``).
DEFAULT_JOURNAL_SIZE = 10_000
#: A request or response body longer than this is journaled shortened (see ``kept``).
BODY_LIMIT = 64 * 1024
#: Bytes of request bodies, answers and streamed events a journal keeps: past it, the oldest entries
#: go, as they do past its size. Far more than a test reads; a bound on a long-lived server's memory
#: whatever its bodies (10,000 entries of 64 KB bodies would be more than a gigabyte).
JOURNAL_BYTES = 64 * 1024 * 1024
#: Characters of a long string that a shortened JSON body keeps.
STRING_KEEP = 1024


def cut_strings(value):
    """``value`` with every string longer than STRING_KEEP cut, saying how long it was."""
    if isinstance(value, str) and len(value) > STRING_KEEP:
        return f"{value[:STRING_KEEP]}... [fakeai journal: {len(value):,} characters, the first {STRING_KEEP:,} kept]"
    if isinstance(value, dict):
        return {key: cut_strings(item) for key, item in value.items()}
    if isinstance(value, list):
        return [cut_strings(item) for item in value]
    return value


def kept(raw: bytes) -> bytes:
    """What the journal keeps of a body: the bytes themselves (no copy, no re-encoding) unless
    they pass BODY_LIMIT. A longer JSON body keeps its shape with its long strings cut, so
    ``entry.body["role"]`` still reads; anything else keeps its first BODY_LIMIT bytes and a note."""
    if len(raw) <= BODY_LIMIT:
        return raw
    try:
        shortened = json.dumps(cut_strings(json.loads(raw)), ensure_ascii=False).encode()
    except (ValueError, RecursionError):
        shortened = b""
    if shortened and len(shortened) <= BODY_LIMIT:
        return shortened
    return raw[:BODY_LIMIT] + f"... [fakeai journal: {len(raw):,} bytes, the first {BODY_LIMIT:,} kept]".encode()


#: One copy of each header name and value, and of each whole set of headers, that requests repeat
#: (a client sends the same dozen each time), so an entry's headers usually cost one reference.
#: Bounded: once full, what is new is kept per entry as it came.
SHARED_LIMIT = 4096
_shared: dict = {}


def shared(value):
    found = _shared.get(value)
    if found is not None:
        return found
    if len(_shared) < SHARED_LIMIT:
        _shared[value] = value
    return value


#: Longer header text is never shared (a cache of it could hold much).
SHARED_TEXT = 256


def compact_headers(headers: dict) -> tuple:
    """(name, value, name, value, ...), shared with the entries that had the same."""
    flat = tuple(chain.from_iterable(headers.items()))
    found = _shared.get(flat)
    if found is not None:  # a set of headers seen before: the usual case
        return found
    if any(len(text) > SHARED_TEXT for text in flat):
        return flat
    return shared(tuple(map(shared, flat)))


class Entry:
    """One request and its answer. Bodies are kept as bytes and parsed when read."""

    __slots__ = ("method", "path", "query_string", "_headers", "_raw_body", "timestamp", "request_id",
                 "operation", "status", "_raw_response", "_events", "journal")

    def __init__(self, method: str, path: str, query_string: str, headers: dict, raw_body: bytes,
                 timestamp: int, request_id: str, operation: str | None = None, status: int | None = None,
                 raw_response: bytes = b""):
        self.journal: Journal | None = None  # the journal holding it, told as it grows
        self.method = method
        self.path = path  # as sent, with the /v1 prefix
        self.query_string = query_string
        self._headers = compact_headers(headers)  # lower-case names, credentials masked
        self._raw_body = kept(raw_body)
        self.timestamp = timestamp  # the emulator's clock when the request came
        self.request_id = request_id
        self.operation = operation  # the spec's operationId, when the request matched a route
        self.status = status
        self._raw_response = kept(raw_response)
        self._events: list | tuple = ()  # (event, JSON bytes sent) of a streamed answer, once it streams

    @property
    def headers(self) -> dict:
        """The request's headers (lower-case names, credentials masked)."""
        flat = self._headers
        return dict(zip(flat[::2], flat[1::2]))

    @property
    def raw_body(self) -> bytes:
        """The request's bytes as journaled (shortened past BODY_LIMIT, with a note)."""
        return self._raw_body

    @raw_body.setter
    def raw_body(self, raw: bytes) -> None:
        old, self._raw_body = self._raw_body, kept(raw)
        self.grew(len(self._raw_body) - len(old))

    @property
    def raw_response(self) -> bytes:
        """The answer's bytes as journaled (shortened past BODY_LIMIT, with a note)."""
        return self._raw_response

    @raw_response.setter
    def raw_response(self, raw: bytes) -> None:
        old, self._raw_response = self._raw_response, kept(raw)
        self.grew(len(self._raw_response) - len(old))

    def streams(self) -> None:
        """The answer is a stream: ``events`` holds what it sends (none yet)."""
        self._events = []

    def record_event(self, name: str, payload: bytes) -> None:
        """One event the stream sent: its name and its data as the bytes sent."""
        self._events.append((name, payload))
        self.grew(len(name) + len(payload))

    @property
    def events(self) -> list:
        """(event, data) of each event a streamed answer sent, in order ([] for any other answer)."""
        return [(name, parsed(payload)) for name, payload in self._events]

    @property
    def streamed(self) -> bool:
        """Whether the answer was a stream (its events, not a body)."""
        return self._events != ()

    def size(self) -> int:
        """The bytes it holds that count towards JOURNAL_BYTES."""
        return len(self._raw_body) + len(self._raw_response) + sum(
            len(name) + len(payload) for name, payload in self._events)

    def grew(self, added: int) -> None:
        """Tell the journal holding it (if one still does) that it now holds ``added`` more bytes."""
        if self.journal is not None:
            self.journal.grew(added)

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
                "response": None if self.streamed else self.response,
                "events": [name for name, _ in self._events], "request_id": self.request_id,
                "timestamp": self.timestamp}

    def __repr__(self) -> str:
        return f"Entry({self.method} {self.path} -> {self.status}, {self.request_id})"


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
    """Entries in arrival order, with filters that read like the test that uses them. A ring: it
    keeps the last ``size`` entries and at most ``max_bytes`` of their bodies and events (the newest
    entry always); ``dropped`` counts those that made room. A filtered journal is a view: the
    entries stay their own journal's."""

    def __init__(self, entries=(), *, size: int = DEFAULT_JOURNAL_SIZE, max_bytes: int = JOURNAL_BYTES):
        super().__init__(entries)
        self.size = size
        self.max_bytes = max_bytes
        self.bytes = 0  # held by the entries it was given by append(): each tells it as it grows
        self.dropped = 0

    def append(self, entry: Entry) -> None:
        """Add the newest entry; the oldest go while the ring is over its size or its bytes."""
        entry.journal = self
        super().append(entry)
        self.grew(entry.size())

    def grew(self, added: int) -> None:
        """An entry it holds holds ``added`` more bytes (its answer, an event): make room if need be."""
        self.bytes += added
        if len(self) > self.size or self.bytes > self.max_bytes:
            self.make_room()

    def make_room(self) -> None:
        """Drop the oldest entries past ``size``, then while over ``max_bytes`` (never the newest)."""
        gone = max(len(self) - self.size, 0)
        freed = sum(entry.size() for entry in self[:gone])
        while self.bytes - freed > self.max_bytes and gone < len(self) - 1:
            freed += self[gone].size()
            gone += 1
        if gone:
            for entry in self[:gone]:
                entry.journal = None  # a stream still sending no longer counts here
            del self[:gone]
            self.bytes -= freed
            self.dropped += gone

    def clear(self) -> None:
        """Forget every entry (and the count of dropped ones)."""
        for entry in self:
            entry.journal = None
        super().clear()
        self.bytes = 0
        self.dropped = 0

    def filter(self, operation: str | None = None, *, method: str | None = None, path: str | None = None,
               status: int | None = None) -> "Journal":
        """``operation``: the spec's operationId or the SDK's method; ``path`` is a glob over the path
        after /v1 (``/threads/*/runs``)."""
        wanted = operation_named(operation) if operation is not None else None
        return Journal((entry for entry in self
                        if (wanted is None or entry.operation == wanted)
                        and (method is None or entry.method == method.upper())
                        and (path is None or fnmatch.fnmatchcase(entry.path.removeprefix("/v1"), path))
                        and (status is None or entry.status == status)), size=self.size,
                       max_bytes=self.max_bytes)

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
        """A short, readable table (the pytest report of a failing test shows it). Rows are
        numbered from the first request received, dropped ones included."""
        rows = [("#", "method", "path", "status", "request id")]
        shown = self[-limit:]
        start = self.dropped + len(self) - len(shown)
        rows += [(str(start + i + 1), e.method, e.path + (f"?{e.query_string}" if e.query_string else ""),
                  str(e.status), e.request_id) for i, e in enumerate(shown)]
        widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
        lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
        if self.dropped:
            kept_here = f"the last {self.size:,}" if len(self) >= self.size else \
                f"{self.max_bytes:,} bytes of bodies and streamed events"
            lines.append(f"({self.dropped:,} earlier requests dropped: the journal keeps {kept_here})")
        return "\n".join(lines)
