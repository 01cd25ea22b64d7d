"""In-memory state: wire-shaped dicts, with the bookkeeping the API needs kept beside them.

Stored objects are exactly what the API returns; nothing here knows about HTTP. One emulator owns
one State; the app serialises access to it with the emulator's lock.
"""

from __future__ import annotations

import base64
import bisect
import itertools
from dataclasses import dataclass, field
from typing import Callable

from .determinism import Clock, IdFactory
from .tokens import message_tokens


#: The API's limit on one file (files-vector-stores 1.8).
MAX_FILE_BYTES = 512 * 1024 * 1024


class OrderedCollection:
    """Objects of one kind in the API's list order: ``created_at``, ties in creation order.

    Kept sorted as objects are added, so finding a cursor is a bisection and a page costs time in
    proportion to the page, not to the collection. With ``weigh``, it keeps the sum of its objects'
    weights (``weight``) as they come and go: a total that costs nothing to read.
    """

    def __init__(self, weigh: Callable[[dict], int] | None = None):
        self._weigh = weigh
        self._weights: dict[str, int] = {}
        self.weight = 0
        self._by_id: dict[str, dict] = {}
        self._keys: list[tuple[int, int, str]] = []
        self._key_of: dict[str, tuple[int, int, str]] = {}
        #: Keys of removed objects, so a cursor naming one still marks its place in the list.
        self._removed: dict[str, tuple[int, int, str]] = {}
        self._sequence = itertools.count()

    def add(self, obj: dict) -> dict:
        key = (obj["created_at"], next(self._sequence), obj["id"])
        bisect.insort(self._keys, key)
        self._key_of[obj["id"]] = key
        self._by_id[obj["id"]] = obj
        if self._weigh is not None:
            self.reweigh(obj["id"])
        return obj

    def reweigh(self, object_id: str) -> None:
        """Weigh an object again after it changed (a run's message once its text is written)."""
        weight = self._weigh(self._by_id[object_id])
        self.weight += weight - self._weights.get(object_id, 0)
        self._weights[object_id] = weight

    def at(self, index: int) -> dict:
        """The object at ``index`` in list order (oldest first; negative counts from the end)."""
        return self._by_id[self._keys[index][2]]

    def get(self, object_id: str) -> dict | None:
        return self._by_id.get(object_id)

    def remove(self, object_id: str) -> dict:
        key = self._removed[object_id] = self._key_of.pop(object_id)
        del self._keys[bisect.bisect_left(self._keys, key)]
        self.weight -= self._weights.pop(object_id, 0)
        return self._by_id.pop(object_id)

    def place(self, object_id: str):
        """Sort key of a present or removed object (None if it was never here)."""
        return self._key_of.get(object_id) or self._removed.get(object_id)

    def page(self, *, limit: int, order: str = "desc", after=None, before=None, where=None):
        """(objects, has_more) of one list page, as the API pages (api-notes 1.2).

        ``after``/``before`` are sort keys from ``place``. ``has_more`` says whether more objects lie
        beyond the page in the direction of travel: onwards for ``after`` (and no cursor), back
        towards the start of the list for ``before``. Cost: the page, plus what ``where`` skips.
        """
        lo, hi = 0, len(self._keys)
        if order == "asc":
            if after is not None:
                lo = bisect.bisect_right(self._keys, after)
            if before is not None:
                hi = bisect.bisect_left(self._keys, before)
        else:
            if after is not None:
                hi = bisect.bisect_left(self._keys, after)
            if before is not None:
                lo = bisect.bisect_right(self._keys, before)
        ascending = (order == "asc") == (before is None or after is not None)
        indexes = range(lo, hi) if ascending else range(hi - 1, lo - 1, -1)
        found = []
        for index in indexes:
            obj = self._by_id[self._keys[index][2]]
            if where is None or where(obj):
                found.append(obj)
                if len(found) > limit:
                    break
        has_more = len(found) > limit
        found = found[:limit]
        if before is not None and after is None:
            found.reverse()  # gathered walking back from the cursor; shown in the list's order
        return found, has_more

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
    #: Its messages, weighed by their tokens (``messages.weight``: what every run's prompt counts).
    messages: OrderedCollection = field(default_factory=lambda: OrderedCollection(message_tokens))
    runs: OrderedCollection = field(default_factory=OrderedCollection)
    #: run id -> its RunProgress (plan, steps, ...): what the state machine keeps beside a run
    progress: dict = field(default_factory=dict)


@dataclass
class Chunk:
    """One piece of a file as a vector store indexed it: its text and its distinct lower-case terms."""

    text: str
    terms: frozenset


@dataclass
class Ingestion:
    """A vector store file on its way from ``in_progress`` to a final status (see ingestion.py)."""

    since: int  # when it was attached (seconds progression)
    reads: int = 0  # reads of its store since (reads progression)


@dataclass
class VectorStoreRecord:
    """A vector store and everything scoped to it: its files (id = the File id), batches, chunks."""

    store: dict
    files: OrderedCollection = field(default_factory=OrderedCollection)
    batches: dict = field(default_factory=dict)  # batch id -> BatchRecord
    chunks: dict = field(default_factory=dict)  # file id -> [Chunk] once completed
    pending: dict = field(default_factory=dict)  # file id -> Ingestion while in_progress


@dataclass
class BatchRecord:
    batch: dict
    file_ids: frozenset


@dataclass
class UploadRecord:
    """An Upload and its parts (part id -> bytes), until it is completed into a File."""

    upload: dict
    parts: dict = field(default_factory=dict)


@dataclass
class State:
    ids: IdFactory
    clock: Clock
    assistants: OrderedCollection = field(default_factory=OrderedCollection)
    threads: dict[str, ThreadRecord] = field(default_factory=dict)
    #: Files as the API shows them, and their bytes (held once, never copied per request).
    files: OrderedCollection = field(default_factory=OrderedCollection)
    file_bytes: dict[str, bytes] = field(default_factory=dict)
    uploads: dict[str, UploadRecord] = field(default_factory=dict)
    vector_stores: OrderedCollection = field(default_factory=OrderedCollection)
    #: vector store id -> its record; ``ingesting``: ids of stores with files still in_progress.
    store_records: dict[str, VectorStoreRecord] = field(default_factory=dict)
    ingesting: set = field(default_factory=set)
    #: Largest file an upload may carry (the API's 512 MB unless configured).
    max_file_bytes: int = MAX_FILE_BYTES
    #: Models assistants and runs may name (the spec's list unless the user configures another).
    models: frozenset = frozenset()
    #: Models the API knows that Assistants cannot use (E28).
    other_models: frozenset = frozenset()
    #: What the next runs do (scripting.Script), and how fast runs move (run_engine).
    script: object = None
    progression: str = "immediate"
    #: Observed forms chosen instead of the default ones (fakeai/quirks.py).
    quirks: frozenset = frozenset()
    #: What the test most likely did not mean (a run on function tools that replied by default):
    #: the fake_openai fixture turns each into a FakeaiWarning, a server logs it.
    notices: list = field(default_factory=list)


def export_state(state: State) -> dict:
    """Every object, as the API shows it, in one JSON-able dict (for debugging a failing test)."""
    return {
        "now": state.clock.now(),
        "assistants": list(state.assistants),
        "threads": [{
            "thread": record.thread,
            "messages": list(record.messages),
            "runs": [{"run": run, "steps": list(record.progress[run["id"]].steps)} for run in record.runs],
        } for record in state.threads.values()],
        "files": [{**file, "content_base64": base64.b64encode(state.file_bytes[file["id"]]).decode("ascii")}
                  for file in state.files],
        "vector_stores": [{"vector_store": record.store, "files": list(record.files),
                           "file_batches": [batch.batch for batch in record.batches.values()]}
                          for record in (state.store_records[store["id"]] for store in state.vector_stores)],
        "scripted_plans_pending": state.script.pending() if state.script else 0,
    }
