"""Recorded traffic, whatever recorded it: one ``Interaction`` per request and the answer it got.

Every reader (fakeai's own JSON Lines, vcrpy and Ruby VCR cassettes, HAR) turns its file into
Interactions; ``fakeai validate`` and ``fakeai replay`` work on nothing else.

fakeai's own format, written by ``pytest --fakeai-record=FILE`` and ``fakeai serve --record FILE``,
is JSON Lines: one interaction a line, UTF-8, in the order the requests arrived::

    {"fakeai_traffic": 1, "test": "tests/test_x.py::test_y",
     "request": {"method": "POST", "path": "/v1/threads", "query": "",
                 "headers": {"content-type": "application/json", ...},
                 "body": {...}},
     "response": {"status": 200, "headers": {"x-request-id": "req_...", ...},
                  "body": {...}}}

* ``fakeai_traffic`` is the format's version (1); a line without it is not fakeai traffic.
* ``test`` is the pytest node id that made the request (absent from a server's recording).
* ``request.host`` (optional) is the host the request went to, when it was not the API's own.
* header names are lower-case; every credential is masked (fakeai/credentials.py).
* a body is given once, in the first of these that fits: ``body`` (the JSON value), ``body_text``
  (text that is not JSON), ``body_base64`` (bytes that are not UTF-8); none of them: no body.
* a streamed answer has ``events`` instead of a body: ``[{"event": "thread.run.created",
  "data": {...}}, ...]`` (``data`` is the JSON value, or the text of ``[DONE]``).
* a body too large to keep (an upload, a download) has ``body_omitted`` instead:
  ``{"bytes": 5242880, "reason": "...", "summary": {"purpose": "assistants",
  "file": {"filename": "big.pdf", "bytes": 5242880}}}`` (``summary``: an upload's fields and each
  file's name and size, when it could be read). A recording that says so cannot be replayed whole.
* an answer that did not end as answers do has ``interrupted``, saying why (a stream the client
  closed early, an error inside fakeai); its ``events`` are those sent before, and ``status`` is
  absent when no answer was sent at all.

What fakeai records differs from the wire in three ways, each so that two recordings of the same
run are the same bytes: ``openai-processing-ms`` (a timing) is written as ``0``; the ``host`` header
is written without its port (a server on a free port); a multipart body's random boundary is
replaced by a fixed one of the same length, in the body and in its ``content-type``. Headers the
HTTP server itself adds (``date``, ``server``, ``content-length`` of an answer) are not recorded.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

FORMAT_KEY = "fakeai_traffic"
FORMAT_VERSION = 1


@dataclass
class Interaction:
    """One request and its recorded answer. Bodies are bytes, as they went over the wire (a
    streamed answer's body is its server-sent events text)."""

    method: str
    path: str  # /v1/threads/thread_abc: no scheme, host or query
    query: str = ""
    request_headers: dict = field(default_factory=dict)  # lower-case names
    request_body: bytes = b""
    status: int | None = None  # None: the recording has no answer
    response_headers: dict = field(default_factory=dict)  # lower-case names
    response_body: bytes = b""
    source: str = ""  # where it was read: "cassettes/run.yaml #3"
    test: str | None = None  # the test that made it, when the recording says
    #: Set when the recording kept no body, only this: its size, why, and a summary (see above).
    request_body_omitted: dict | None = None
    response_body_omitted: dict | None = None
    interrupted: str | None = None  # why the answer did not end as answers do
    host: str = ""  # lower-case host name without port ("api.openai.com"); "" when the recording has none
    file: str = ""  # the file it was read from
    line: int | None = None  # its line in that file, when the format has one interaction a line

    def request_json(self):
        """The request body's JSON value; None without a body; ValueError when it is not JSON."""
        return json.loads(self.request_body) if self.request_body.strip() else None

    def response_json(self):
        """The answer's JSON value; None without a body; ValueError when it is not JSON."""
        return json.loads(self.response_body) if self.response_body.strip() else None

    @property
    def streamed(self) -> bool:
        return self.response_headers.get("content-type", "").startswith("text/event-stream")

    def events(self) -> list[tuple[str, object]]:
        """(event, data) of a streamed answer; data is the JSON value, or the text (``[DONE]``)."""
        return parse_sse(self.response_body.decode("utf-8", "replace"))


def parse_sse(text: str) -> list[tuple[str, object]]:
    """Server-sent events as (event, data); an event without a name is ``message``."""
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        name, data = "message", []
        for line in block.split("\n"):
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].removeprefix(" "))
        if not data:
            continue
        joined = "\n".join(data)
        try:
            events.append((name, json.loads(joined)))
        except ValueError:
            events.append((name, joined))
    return events


def format_sse(events: Iterable[tuple[str, object]]) -> bytes:
    """The wire text of (event, data) pairs, as the API sends them."""
    parts = []
    for name, data in events:
        text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
        parts.append(f"event: {name}\ndata: {text}\n\n")
    return "".join(parts).encode("utf-8")


# --- fakeai's JSON Lines ---------------------------------------------------------------------

def body_fields(raw: bytes) -> dict:
    """A body as the format writes it: ``body``, ``body_text`` or ``body_base64`` (none when empty)."""
    if not raw:
        return {}
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return {"body_base64": base64.b64encode(raw).decode("ascii")}
    try:
        return {"body": json.loads(text)}
    except ValueError:
        return {"body_text": text}


def body_bytes(fields: dict) -> bytes:
    """The bytes of a body written by ``body_fields`` (JSON re-encoded compactly)."""
    if "body" in fields:
        return json.dumps(fields["body"], ensure_ascii=False).encode("utf-8")
    if "body_text" in fields:
        return fields["body_text"].encode("utf-8")
    if "body_base64" in fields:
        return base64.b64decode(fields["body_base64"])
    return b""


def to_record(interaction: Interaction) -> dict:
    """The JSON Lines record of one interaction."""
    record: dict = {FORMAT_KEY: FORMAT_VERSION}
    if interaction.test:
        record["test"] = interaction.test
    record["request"] = {"method": interaction.method, "path": interaction.path, "query": interaction.query,
                         "headers": interaction.request_headers,
                         **kept_body(interaction.request_body, interaction.request_body_omitted)}
    if interaction.host:
        record["request"]["host"] = interaction.host
    if interaction.status is not None:
        response: dict = {"status": interaction.status, "headers": interaction.response_headers}
        if interaction.streamed:
            response["events"] = [{"event": name, "data": data} for name, data in interaction.events()]
        else:
            response.update(kept_body(interaction.response_body, interaction.response_body_omitted))
        record["response"] = response
    if interaction.interrupted:
        record.setdefault("response", {})["interrupted"] = interaction.interrupted
    return record


def kept_body(raw: bytes, omitted: dict | None) -> dict:
    return {"body_omitted": omitted} if omitted is not None else body_fields(raw)


def from_record(record: dict, source: str = "", file: str = "", line: int | None = None) -> Interaction:
    """The Interaction of a JSON Lines record; ValueError naming what is missing or malformed."""
    if record.get(FORMAT_KEY) != FORMAT_VERSION:
        raise ValueError(f"not fakeai traffic version {FORMAT_VERSION} (no \"{FORMAT_KEY}\": {FORMAT_VERSION})")
    request = record.get("request")
    if not isinstance(request, dict) or not isinstance(request.get("method"), str) \
            or not isinstance(request.get("path"), str):
        raise ValueError("a record needs \"request\" with \"method\" and \"path\"")
    response = record.get("response") or {}
    if "events" in response:
        body = format_sse((event["event"], event["data"]) for event in response["events"])
    else:
        body = body_bytes(response)
    return Interaction(method=request["method"].upper(), path=request["path"], query=request.get("query", ""),
                       request_headers={k.lower(): v for k, v in (request.get("headers") or {}).items()},
                       request_body=body_bytes(request), status=response.get("status"),
                       response_headers={k.lower(): v for k, v in (response.get("headers") or {}).items()},
                       response_body=body, source=source, test=record.get("test"),
                       request_body_omitted=request.get("body_omitted"),
                       response_body_omitted=response.get("body_omitted"),
                       interrupted=response.get("interrupted"),
                       host=(request.get("host") or "").lower(), file=file, line=line)


def dumps(interaction: Interaction) -> str:
    """One line of the format (no newline)."""
    return json.dumps(to_record(interaction), ensure_ascii=False, separators=(",", ":"))


def read_jsonl(path: Path) -> Iterator[Interaction]:
    """The interactions of a JSON Lines file; ValueError naming the line of a bad record."""
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                yield from_record(json.loads(line), f"{path} line {number}", str(path), number)
            except ValueError as error:
                raise ValueError(f"{path} line {number}: {error}") from None
