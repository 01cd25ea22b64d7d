"""A recorded answer against a replayed one: what ``fakeai replay`` reports.

Success bodies are compared by shape, never by value (ids map, times differ): the keys missing
from the replay and the keys it has in excess, each with its JSON path, and the values whose JSON
type differs. An error's ``message``, ``type``, ``param`` and ``code`` are compared literally (a
message's ids read as the replay's). A stream's event names are compared in order, and the data
of each pair of events of the same name like a body.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Callable

ERROR_FIELDS = ("message", "type", "param", "code")
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Difference:
    """One way the replay differs. ``kind``: status, content-type, missing, extra, type, error,
    missing-event, extra-event, id, stream."""

    kind: str
    path: str
    recorded: object = None
    replayed: object = None

    def describe(self) -> str:
        if self.kind == "missing":
            return f"missing {self.path}: recorded, not in the replay"
        if self.kind == "extra":
            return f"extra   {self.path}: in the replay, not recorded"
        if self.kind == "type":
            return f"type    {self.path}: recorded {self.recorded}, replayed {self.replayed}"
        if self.kind in ("missing-event", "extra-event"):
            return f"{self.kind} {self.path}"
        if self.kind == "stream":
            return f"stream: {self.replayed}"
        where = f" {self.path}" if self.path else ""
        return f"{self.kind}{where}: recorded {self.recorded!r}, replayed {self.replayed!r}"

    def to_json(self) -> dict:
        return {"kind": self.kind, "path": self.path, "recorded": self.recorded, "replayed": self.replayed}


def key_path(path: str, key: str) -> str:
    return f"{path}.{key}" if IDENTIFIER.fullmatch(key) else f"{path}[{key!r}]"


def json_type(value) -> str:
    """The JSON type of a parsed value (an integer and a decimal are both a number)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def shape_differences(recorded, replayed, path: str = "$") -> list[Difference]:
    """Missing and extra keys (and array items), and type mismatches, of two JSON values."""
    if json_type(recorded) != json_type(replayed):
        return [Difference("type", path, json_type(recorded), json_type(replayed))]
    found: list[Difference] = []
    if isinstance(recorded, dict):
        for key, value in recorded.items():
            if key not in replayed:
                found.append(Difference("missing", key_path(path, key)))
            else:
                found += shape_differences(value, replayed[key], key_path(path, key))
        found += [Difference("extra", key_path(path, key)) for key in replayed if key not in recorded]
    elif isinstance(recorded, list):
        for index, (item, other) in enumerate(zip(recorded, replayed)):
            found += shape_differences(item, other, f"{path}[{index}]")
        found += [Difference("missing", f"{path}[{index}]") for index in range(len(replayed), len(recorded))]
        found += [Difference("extra", f"{path}[{index}]") for index in range(len(recorded), len(replayed))]
    return found


def error_differences(recorded, replayed, read_ids: Callable[[str], str] = lambda text: text,
                      path: str = "$") -> list[Difference]:
    """The four fields of two ``{"error": {...}}`` envelopes, literally; ``read_ids`` turns the ids
    of the recorded message into the replay's. Anything else is compared by shape."""
    if not (is_error_envelope(recorded) and is_error_envelope(replayed)):
        return shape_differences(recorded, replayed, path)
    found = []
    for field in ERROR_FIELDS:
        mine, theirs = recorded["error"].get(field), replayed["error"].get(field)
        if (read_ids(mine) if isinstance(mine, str) else mine) != theirs:
            found.append(Difference("error", f"{path}.error.{field}", mine, theirs))
    return found


def is_error_envelope(body) -> bool:
    return isinstance(body, dict) and isinstance(body.get("error"), dict)


def paired_events(recorded: list[tuple[str, object]], replayed: list[tuple[str, object]]):
    """(recorded index, replayed index) of events paired by name in order, and the differences of
    the names (events missing from the replay, events in excess)."""
    matcher = difflib.SequenceMatcher(a=[name for name, _ in recorded], b=[name for name, _ in replayed],
                                      autojunk=False)
    pairs: list[tuple[int, int]] = []
    found: list[Difference] = []
    for tag, start, end, other_start, other_end in matcher.get_opcodes():
        if tag == "equal":
            pairs += zip(range(start, end), range(other_start, other_end))
            continue
        found += [Difference("missing-event", f"events[{index}] {recorded[index][0]}") for index in range(start, end)]
        found += [Difference("extra-event", f"replayed events[{index}] {replayed[index][0]}")
                  for index in range(other_start, other_end)]
    return pairs, found


def event_differences(recorded: list[tuple[str, object]], replayed: list[tuple[str, object]],
                      read_ids: Callable[[str], str] = lambda text: text) -> list[Difference]:
    """Names in order, then each pair's data like a body (an ``error`` event's like an error)."""
    pairs, found = paired_events(recorded, replayed)
    for mine, theirs in pairs:
        name, data = recorded[mine]
        path = f"events[{mine}]({name})"
        found += (error_differences(data, replayed[theirs][1], read_ids, path) if name == "error"
                  else shape_differences(data, replayed[theirs][1], path))
    return found
