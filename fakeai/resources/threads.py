"""Threads: create (with initial messages), retrieve, modify, delete."""

from __future__ import annotations

from ..store import State, ThreadRecord
from .common import metadata
from .references import check_references, index_attachments, tool_resources
from .vector_stores import THREAD_STORE_EXPIRY
from .messages import new_message


def create_thread(state: State, body: dict) -> dict:
    """Messages are stored in request order with the thread's ``created_at`` (api-notes 3.2)."""
    check_references(state, body)
    created_at = state.clock.now()
    thread = {
        "id": state.ids.new("thread_"),
        "object": "thread",
        "created_at": created_at,
        "metadata": metadata(body.get("metadata")),
        "tool_resources": tool_resources(state, body.get("tool_resources"), helper_expiry=THREAD_STORE_EXPIRY),
    }
    record = ThreadRecord(thread)
    for request in body.get("messages", []):
        record.messages.add(new_message(state, thread["id"], request, created_at))
    index_attachments(state, thread, record.messages)
    state.threads[thread["id"]] = record
    return thread


def retrieve_thread(state: State, record: ThreadRecord) -> dict:
    if not record.thread["tool_resources"] and "thread_retrieve_shows_empty_code_interpreter" in state.quirks:
        return {**record.thread, "tool_resources": {"code_interpreter": {"file_ids": []}}}
    return record.thread


def modify_thread(state: State, record: ThreadRecord, body: dict) -> dict:
    """Given fields replace the stored ones (metadata is replaced whole, api-notes 1.3)."""
    check_references(state, body)
    if "metadata" in body:
        record.thread["metadata"] = metadata(body["metadata"])
    if "tool_resources" in body:
        record.thread["tool_resources"] = tool_resources(state, body["tool_resources"],
                                                         helper_expiry=THREAD_STORE_EXPIRY)
    return record.thread


def delete_thread(state: State, record: ThreadRecord) -> dict:
    """The thread and everything in it go at once; later calls get the thread 404."""
    thread_id = record.thread["id"]
    del state.threads[thread_id]
    return {"id": thread_id, "object": "thread.deleted", "deleted": True}
