"""How a vector store file goes from ``in_progress`` to ``completed`` or ``failed``, and the counts,
sizes and statuses of its store and batches that follow (files-vector-stores 3.4-3.7, 4.3, 5).

A file attached answers ``in_progress`` with ``usage_bytes: 0``. It settles when the store is next
touched, as the emulator's progression says (progression.py): ``immediate`` at the next request
naming the store, ``reads:N`` at the N-th read of it, ``seconds:N`` once the clock has moved N
seconds; a run that uses the store settles its files before its first step (the API's runs wait
for them). Settling chunks the text; text that is empty or not UTF-8/UTF-16 fails with
``invalid_file``, and a test can script a failure of any file (``script.fail_ingestion``).
"""

from __future__ import annotations

import codecs

from .. import errors
from ..store import Ingestion, State, VectorStoreRecord
from .progression import is_due
from .search import chunks_of, usage_bytes

STATUSES = ("in_progress", "completed", "failed", "cancelled")
DAY = 86_400


def zero_counts() -> dict:
    return {"in_progress": 0, "completed": 0, "failed": 0, "cancelled": 0, "total": 0}


def set_status(record: VectorStoreRecord, vs_file: dict, status: str | None) -> None:
    """Move one file to ``status`` (None: it leaves the store), keeping every count in step."""
    before = vs_file["status"] if vs_file["id"] in record.files else None
    holders = [record.store] + [b.batch for b in record.batches.values() if vs_file["id"] in b.file_ids]
    for holder in holders:
        counts = holder["file_counts"]
        if before is not None:
            counts[before] -= 1
            counts["total"] -= 1
        if status is not None:
            counts[status] += 1
            counts["total"] += 1
    if status is not None:
        vs_file["status"] = status
    for batch in record.batches.values():
        if batch.batch["status"] == "in_progress" and batch.batch["file_counts"]["in_progress"] == 0:
            batch.batch["status"] = "completed"
    refresh_status(record)


def refresh_status(record: VectorStoreRecord) -> None:
    store = record.store
    if store["status"] != "expired":
        store["status"] = "in_progress" if store["file_counts"]["in_progress"] else "completed"


def begin(state: State, record: VectorStoreRecord, vs_file: dict) -> None:
    record.pending[vs_file["id"]] = Ingestion(since=state.clock.now())
    state.ingesting.add(record.store["id"])


def decoded(data: bytes) -> str | None:
    """The text of a file the way the API read text: UTF-8, or UTF-16 with its byte order mark."""
    try:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16")
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def settle(state: State, record: VectorStoreRecord, file_id: str) -> None:
    """The file's ingestion ends: chunked and ``completed``, or ``failed`` with its last_error."""
    del record.pending[file_id]
    vs_file = record.files.get(file_id)
    failure = state.script.ingestion_failures.pop(file_id, None) if state.script else None
    text = decoded(state.file_bytes.get(file_id, b"")) if failure is None else None
    if failure is None and not (text and text.strip()):
        failure = ("invalid_file", errors.INGESTION_ERRORS["invalid_file"])
    if failure is not None:
        vs_file["last_error"] = {"code": failure[0], "message": failure[1]}
        set_status(record, vs_file, "failed")
        return
    chunks = record.chunks[file_id] = chunks_of(text, vs_file["chunking_strategy"])
    vs_file["usage_bytes"] = usage_bytes(chunks)
    record.store["usage_bytes"] += vs_file["usage_bytes"]
    set_status(record, vs_file, "completed")


def advance(state: State, record: VectorStoreRecord, *, read: bool = False, now_or_never: bool = False) -> None:
    """One touch of the store: its pending files move as far as the progression allows
    (``now_or_never``: all of them settle, as before a run's first step)."""
    expire_if_due(state, record)
    if not record.pending:
        return
    now = state.clock.now()
    for file_id, ingestion in list(record.pending.items()):
        if read:
            ingestion.reads += 1
        if now_or_never or is_due(state.progression, reads=ingestion.reads, since=ingestion.since, now=now):
            settle(state, record, file_id)
    if not record.pending:
        state.ingesting.discard(record.store["id"])


def cancel_pending(state: State, record: VectorStoreRecord, file_ids) -> None:
    """Files of a cancelled batch that had not settled end ``cancelled``."""
    for file_id in [f for f in record.pending if f in file_ids]:
        del record.pending[file_id]
        set_status(record, record.files.get(file_id), "cancelled")
    if not record.pending:
        state.ingesting.discard(record.store["id"])


# --- activity and expiry ----------------------------------------------------------------------------

def touch(state: State, record: VectorStoreRecord) -> None:
    """The store was used (created, a file attached, searched, used by a run): its expiry moves."""
    store = record.store
    if store["status"] == "expired":
        return
    store["last_active_at"] = state.clock.now()
    policy = store["expires_after"]
    store["expires_at"] = store["last_active_at"] + policy["days"] * DAY if policy else None


def expire_if_due(state: State, record: VectorStoreRecord) -> None:
    store = record.store
    if store["expires_at"] is not None and state.clock.now() >= store["expires_at"]:
        store["status"] = "expired"
