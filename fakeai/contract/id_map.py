"""Recorded ids -> the ids a replay's emulator made for the same objects.

Learnt from answers only: where the recorded answer and the replayed one hold an id at the same
JSON path (a key ``id``, ``..._id`` or ``..._ids``), the two are the same object. A request's ids
(path segments, query values, ``..._id`` keys of its body) are then read through the map; an id the
map does not know is never guessed: the caller is told which ids those are.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote, unquote

from .compare import Difference, key_path

#: The API's object ids (api-notes 1.4): a prefix, then letters and digits.
ID = re.compile(r"(?:asst|thread|msg|run|step|call|vs|vsfb|upload|part)_[A-Za-z0-9]+|file-[A-Za-z0-9]+")
PREFIX = re.compile(r"[a-z]+[_-]")


def is_id(value) -> bool:
    return isinstance(value, str) and ID.fullmatch(value) is not None


def id_key(key: str) -> bool:
    return key == "id" or key.endswith("_id") or key.endswith("_ids")


def prefix(object_id: str) -> str:
    """``thread_`` of ``thread_abc``."""
    found = PREFIX.match(object_id)
    return found.group() if found else ""


class IdMap:
    def __init__(self):
        self.replayed: dict[str, str] = {}  # recorded id -> replayed id
        self.recorded: dict[str, str] = {}  # replayed id -> recorded id

    # --- learning -----------------------------------------------------------------------------

    def learn(self, recorded, replayed, path: str = "$", *, at_id: bool = False) -> list[Difference]:
        """Pair the ids of two answers; a pairing that contradicts an earlier one is a Difference."""
        if isinstance(recorded, dict) and isinstance(replayed, dict):
            found = []
            for key, value in recorded.items():
                if key in replayed:
                    found += self.learn(value, replayed[key], key_path(path, key), at_id=id_key(key))
            return found
        if isinstance(recorded, list) and isinstance(replayed, list):
            return [difference for index, (item, other) in enumerate(zip(recorded, replayed))
                    for difference in self.learn(item, other, f"{path}[{index}]", at_id=at_id)]
        if at_id and is_id(recorded) and is_id(replayed) and prefix(recorded) == prefix(replayed):
            return self.pair(recorded, replayed, path)
        return []

    def pair(self, recorded: str, replayed: str, path: str) -> list[Difference]:
        known, owner = self.replayed.get(recorded), self.recorded.get(replayed)
        if known is None and owner is None:
            self.replayed[recorded], self.recorded[replayed] = replayed, recorded
            return []
        if known == replayed:
            return []
        if known is not None:
            return [Difference("id", path, recorded, f"{replayed}, where {known} was replayed for it before")]
        return [Difference("id", path, recorded, f"{replayed}, the replay of {owner}")]

    # --- reading a request through the map ----------------------------------------------------

    def value(self, value, unknown: list[str], *, at_id: bool = False):
        """``value`` with every id under an id key read through the map; unknown ids are listed."""
        if isinstance(value, dict):
            return {key: self.value(item, unknown, at_id=id_key(key)) for key, item in value.items()}
        if isinstance(value, list):
            return [self.value(item, unknown, at_id=at_id) for item in value]
        return self.one(value, unknown) if at_id else value

    def one(self, value, unknown: list[str]):
        if not is_id(value):
            return value
        if value not in self.replayed:
            unknown.append(value)
            return value
        return self.replayed[value]

    def path(self, path: str, unknown: list[str]) -> str:
        return "/".join(self.one(segment, unknown) for segment in path.split("/"))

    def query(self, query: str, unknown: list[str]) -> str:
        """Each ``name=value`` whose value is an id, read through the map; the rest as sent."""
        pieces = []
        for piece in query.split("&") if query else []:
            name, equals, value = piece.partition("=")
            replayed = self.one(unquote(value), unknown) if equals else value
            pieces.append(f"{name}={quote(replayed, safe='')}" if equals and replayed != unquote(value) else piece)
        return "&".join(pieces)

    def body(self, raw: bytes, unknown: list[str]) -> bytes:
        """A JSON body's ids read through the map (any other body as sent)."""
        try:
            parsed = json.loads(raw) if raw.strip() else None
        except ValueError:
            return raw
        if parsed is None:
            return raw
        replayed = self.value(parsed, unknown)
        return raw if replayed == parsed else json.dumps(replayed, ensure_ascii=False).encode("utf-8")

    def text(self, text: str) -> str:
        """Free text (an error message) with each known recorded id replaced by its replay's."""
        return ID.sub(lambda found: self.replayed.get(found.group(), found.group()), text)
