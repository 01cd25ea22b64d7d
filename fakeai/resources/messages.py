"""Messages: how a create-message request becomes the stored message object."""

from __future__ import annotations

from ..store import State
from .. import errors
from .common import metadata, text_part
from .references import check_references, index_attachments
from .listing import list_page
from .run_engine import refuse_if_active

#: API-created messages are complete the moment they exist. The REST bodies of the real API
#: omitted status/completed_at (api-notes 4.3 quirk); fakeai emits the spec shape with these values
#: (unverified, README "Unverified behaviour").
CREATED_MESSAGE_STATUS = "completed"


def content_part(part: dict) -> dict:
    """A request content part in its stored (response) shape."""
    kind = part["type"]
    if kind == "text":
        return text_part(part["text"])
    detail = part[kind].get("detail", "auto")
    if kind == "image_file":
        return {"type": "image_file", "image_file": {"file_id": part[kind]["file_id"], "detail": detail}}
    return {"type": "image_url", "image_url": {"url": part[kind]["url"], "detail": detail}}


def new_message(state: State, thread_id: str, request: dict, created_at: int) -> dict:
    """The message object for a CreateMessageRequest (already validated)."""
    content = request["content"]
    parts = [text_part(content)] if isinstance(content, str) else [content_part(p) for p in content]
    return {
        "id": state.ids.new("msg_"),
        "object": "thread.message",
        "created_at": created_at,
        "assistant_id": None,
        "thread_id": thread_id,
        "run_id": None,
        "role": request["role"],
        "content": parts,
        "attachments": [dict(a) for a in request.get("attachments") or []],
        "metadata": metadata(request.get("metadata")),
        "status": CREATED_MESSAGE_STATUS,
        "incomplete_details": None,
        "completed_at": created_at,
        "incomplete_at": None,
    }


def create_message(state: State, record, body: dict) -> dict:
    """A message added through the API; refused while a run of the thread is active (E6)."""
    refuse_if_active(record, errors.cannot_add_messages)
    check_references(state, body)
    message = record.messages.add(new_message(state, record.thread["id"], body, state.clock.now()))
    index_attachments(state, record.thread, [message])
    return message


def list_messages(record, query: dict) -> dict:
    run_id = query.get("run_id")
    where = (lambda message: message["run_id"] == run_id) if run_id else None
    return list_page(record.messages, query, where)


def modify_message(message: dict, body: dict) -> dict:
    """Only metadata can change; it is replaced whole."""
    if "metadata" in body:
        message["metadata"] = metadata(body["metadata"])
    return message


def delete_message(record, message: dict) -> dict:
    record.messages.remove(message["id"])
    return {"id": message["id"], "object": "thread.message.deleted", "deleted": True}
