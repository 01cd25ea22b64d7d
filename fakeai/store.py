"""In-memory state: wire-shaped dicts, with the bookkeeping the API needs kept beside them.

Stored objects are exactly what the API returns; nothing here knows about HTTP. One emulator owns
one State; the app serialises access to it with the emulator's lock.
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass, field

from .determinism import Clock, IdFactory


class OrderedCollection:
    """Objects of one kind in the API's list order: ``created_at``, ties in creation order.

    Kept sorted as objects are added, so finding a cursor is a bisection and a page costs time in
    proportion to the page, not to the collection.
    """

    def __init__(self):
        self._by_id: dict[str, dict] = {}
        self._keys: list[tuple[int, int, str]] = []
        self._key_of: dict[str, tuple[int, int, str]] = {}
        self._sequence = itertools.count()

    def add(self, obj: dict) -> dict:
        key = (obj["created_at"], next(self._sequence), obj["id"])
        bisect.insort(self._keys, key)
        self._key_of[obj["id"]] = key
        self._by_id[obj["id"]] = obj
        return obj

    def get(self, object_id: str) -> dict | None:
        return self._by_id.get(object_id)

    def remove(self, object_id: str) -> dict:
        key = self._key_of.pop(object_id)
        del self._keys[bisect.bisect_left(self._keys, key)]
        return self._by_id.pop(object_id)

    def __contains__(self, object_id: str) -> bool:
        return object_id in self._by_id

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self):
        """Objects oldest first."""
        return (self._by_id[key[2]] for key in self._keys)


@dataclass
class ThreadRecord:
    """A thread and everything scoped to it; deleting the record frees all of it."""

    thread: dict
    messages: OrderedCollection = field(default_factory=OrderedCollection)


@dataclass
class State:
    ids: IdFactory
    clock: Clock
    assistants: OrderedCollection = field(default_factory=OrderedCollection)
    threads: dict[str, ThreadRecord] = field(default_factory=dict)
    #: Vector stores made by the ``tool_resources.file_search.vector_stores`` helper (id -> spec).
    vector_stores: dict[str, dict] = field(default_factory=dict)
