"""Server-sent events for ``stream: true`` (api-notes §9): the run's events as the API sent them.

The run engine records what happens (``RunProgress.events``); this module turns that record into
the wire: ``event: <name>`` / ``data: <one-line JSON>`` pairs, ending with ``event: done`` /
``data: [DONE]``. Message text and tool-call arguments are cut into deltas of ``chunk_size``
characters (DEFAULT_CHUNK_SIZE); the first text delta carries ``annotations: []``, annotations are
sent once, in the delta where their text ends, and numbers are never repeated (the SDK adds them).
Concatenating every delta gives exactly the message and the step a later retrieve returns.

A stream advances its run one transition at a time, flushing each transition's events before the
next, so a client sees the first events before the run has finished; each transition happens under
its tenant's lock, so a client that goes away leaves the run in a state it really reached. Every
event is a copy made under that lock when it happened (the prelude's when the stream is made, in
the request): no event shows a state the run had not reached when it was sent, whatever other
requests do to the run meanwhile.
"""

from __future__ import annotations

import copy
from typing import Callable, Iterable, Iterator

from . import jsonbody
from .resources.run_engine import RESTING, Machine
from .resources.runs import with_included

DEFAULT_CHUNK_SIZE = 16
DONE = b"event: done\ndata: [DONE]\n\n"

#: The schema of each event's data, by event name prefix (longest first).
EVENT_SCHEMAS = (
    ("thread.run.step.delta", "RunStepDeltaObject"),
    ("thread.run.step.", "RunStepObject"),
    ("thread.run.", "RunObject"),
    ("thread.message.delta", "MessageDeltaObject"),
    ("thread.message.", "MessageObject"),
    ("thread.created", "ThreadObject"),
    ("error", "ErrorResponse"),
)


def schema_of(event: str) -> str:
    return next(schema for prefix, schema in EVENT_SCHEMAS if event.startswith(prefix))


def chunks(text: str, size: int) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size)] or [""]


def message_deltas(message: dict, size: int) -> Iterator[dict]:
    """The parts of a finished message as the API streamed them: an image part whole, text in
    pieces, each annotation in the delta where its text ends."""
    def delta(part: dict) -> dict:
        return {"id": message["id"], "object": "thread.message.delta", "delta": {"content": [part]}}

    parts = message["content"] or [{"type": "text", "text": {"value": "", "annotations": []}}]
    for position, part in enumerate(parts):
        if part["type"] != "text":
            yield delta({"index": position, **part})
            continue
        notes = list(enumerate(part["text"]["annotations"]))
        written = 0
        for number, piece in enumerate(chunks(part["text"]["value"], size)):
            written += len(piece)
            text = {"value": piece}
            if number == 0:
                text["annotations"] = []
            due = [(index, note) for index, note in notes if note["end_index"] <= written]
            if due:
                notes = [pair for pair in notes if pair not in due]
                text["annotations"] = [{"index": index, **note} for index, note in due]
            yield delta({"index": position, "type": "text", "text": text})


def tool_call_deltas(step: dict, size: int) -> Iterator[dict]:
    """Each call of a tool_calls step: a first delta with id and type, then its input in chunks."""
    def delta(call: dict) -> dict:
        return {"id": step["id"], "object": "thread.run.step.delta",
                "delta": {"step_details": {"type": "tool_calls", "tool_calls": [call]}}}

    for index, call in enumerate(step["step_details"]["tool_calls"]):
        kind = call["type"]
        if kind == "function":
            function = call["function"]
            yield delta({"index": index, "id": call["id"], "type": "function",
                         "function": {"name": function["name"], "arguments": "", "output": None}})
            for piece in chunks(function["arguments"], size):
                yield delta({"index": index, "type": "function", "function": {"arguments": piece}})
        elif kind == "code_interpreter":
            code = call["code_interpreter"]
            yield delta({"index": index, "id": call["id"], "type": "code_interpreter",
                         "code_interpreter": {"input": "", "outputs": []}})
            for piece in chunks(code["input"], size):
                yield delta({"index": index, "type": "code_interpreter", "code_interpreter": {"input": piece}})
            if code["outputs"]:
                outputs = [{"index": i, **output} for i, output in enumerate(code["outputs"])]
                yield delta({"index": index, "type": "code_interpreter", "code_interpreter": {"outputs": outputs}})
        else:
            yield delta({"index": index, "id": call["id"], "type": "file_search", "file_search": {}})


def wire_events(events: Iterable[tuple[str, dict]], size: int, query: dict | None = None
                ) -> Iterator[tuple[str, dict]]:
    """The engine's record -> the events the API sends (deltas cut from finished objects). Steps
    show file search results' content only when the request's ``include[]`` (``query``) asks."""
    for name, data in events:
        if name == "thread.message.delta":
            yield from ((name, delta) for delta in message_deltas(data["message"], size))
        elif name == "thread.run.step.delta":
            yield from ((name, delta) for delta in tool_call_deltas(data["step"], size))
        elif name.startswith("thread.run.step."):
            yield name, with_included(data, query or {})
        else:
            yield name, data


def encode(name: str, payload: bytes) -> bytes:
    """One server-sent event; ``payload`` is its data, already written as JSON."""
    return b"event: " + name.encode() + b"\ndata: " + payload + b"\n\n"


class RunStream:
    """The body of a streamed answer: iterating it drives the run to rest, event by event.

    ``prelude``: events that already happened in the request (thread.created, thread.run.created
    ...), copied here, so it must be made under ``lock``. ``check(schema, data)`` validates each
    event before it is written; ``record(name, payload)`` journals it, with the JSON bytes the
    client is sent.
    """

    def __init__(self, state, thread, progress, prelude: list, *, lock, check: Callable,
                 record: Callable = lambda name, payload: None, cut_after: int | None = None,
                 chunk_size: int = DEFAULT_CHUNK_SIZE, query: dict | None = None):
        self.machine = Machine(state, thread, progress)
        self.progress = progress
        self.prelude = [(name, copy.deepcopy(data)) for name, data in prelude]
        self.lock = lock
        self.check = check
        self.record = record
        self.cut_after = cut_after  # an injected fault: the connection drops after this many events
        self.chunk_size = chunk_size
        self.query = query  # the request's checked query (its include[])
        self.sent = 0

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self.written(self.prelude)
            while True:
                with self.lock:
                    moved = self.progress.run["status"] not in RESTING and self.machine.step_once()
                    happened, self.progress.events = self.progress.events or [], []
                yield from self.written(happened)
                if not moved:
                    break
            yield DONE
        except StreamCut:
            return
        finally:
            with self.lock:
                self.progress.events = None

    def written(self, events) -> Iterator[bytes]:
        for name, data in wire_events(events, self.chunk_size, self.query):
            if self.cut_after is not None and self.sent >= self.cut_after:
                raise StreamCut
            self.check(schema_of(name), data)
            payload = jsonbody.compact(data)
            with self.lock:  # the journal is the tenant's: other requests add to it meanwhile
                self.record(name, payload)
            self.sent += 1
            yield encode(name, payload)


class StreamCut(Exception):
    """An injected fault ends the stream here, without [DONE], as a dropped connection would."""
