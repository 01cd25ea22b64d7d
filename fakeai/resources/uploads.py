"""Uploads: a large file sent in parts, then completed into a File (files-vector-stores §2)."""

from __future__ import annotations

from .. import errors
from ..store import State, UploadRecord
from .files import store_file

#: An upload can be completed for an hour after it was created; it takes at most 8 GB, in parts
#: of at most 64 MB (the spec's text).
UPLOAD_LIFETIME = 3600
UPLOAD_MAX_BYTES = 8 * 1024 ** 3
PART_MAX_BYTES = 64 * 1024 ** 2


def create_upload(state: State, body: dict) -> dict:
    if body["bytes"] > UPLOAD_MAX_BYTES:
        raise errors.file_too_large(body["bytes"], UPLOAD_MAX_BYTES, "bytes")
    now = state.clock.now()
    upload = {
        "id": state.ids.new("upload_"),
        "object": "upload",
        "bytes": body["bytes"],
        "created_at": now,
        "filename": body["filename"],
        "purpose": body["purpose"],
        "status": "pending",
        "expires_at": now + UPLOAD_LIFETIME,
        "file": None,
    }
    state.uploads[upload["id"]] = UploadRecord(upload)
    return upload


def get_upload(state: State, upload_id: str) -> UploadRecord:
    record = state.uploads.get(upload_id)
    if record is None:
        raise errors.not_found("upload", upload_id)
    expire_if_due(state, record)
    return record


def expire_if_due(state: State, record: UploadRecord) -> None:
    upload = record.upload
    if upload["status"] == "pending" and state.clock.now() >= upload["expires_at"]:
        upload["status"] = "expired"
        record.parts.clear()


def refuse_unless_pending(record: UploadRecord) -> None:
    if record.upload["status"] != "pending":
        raise errors.upload_not_pending(record.upload["id"], record.upload["status"])


def add_upload_part(state: State, record: UploadRecord, part) -> dict:
    """``part``: the multipart ``data`` field; its bytes are kept as they are until completion."""
    refuse_unless_pending(record)
    if len(part.data) > PART_MAX_BYTES:
        raise errors.file_too_large(len(part.data), PART_MAX_BYTES, "data")
    part_id = state.ids.new("part_")
    record.parts[part_id] = part.data
    return {"id": part_id, "object": "upload.part", "created_at": state.clock.now(),
            "upload_id": record.upload["id"]}


def complete_upload(state: State, record: UploadRecord, body: dict) -> dict:
    """The parts, in the order given, become one File; their sizes must add up to ``bytes``."""
    refuse_unless_pending(record)
    upload = record.upload
    for part_id in body["part_ids"]:
        if part_id not in record.parts:
            raise errors.upload_part_not_found(upload["id"], part_id)
    received = sum(len(record.parts[part_id]) for part_id in body["part_ids"])
    if received != upload["bytes"]:
        raise errors.upload_size_mismatch(upload["bytes"], received)
    data = b"".join(record.parts[part_id] for part_id in body["part_ids"])
    upload["file"] = store_file(state, upload["filename"], data, upload["purpose"])
    upload["status"] = "completed"
    record.parts.clear()
    return upload


def cancel_upload(state: State, record: UploadRecord) -> dict:
    refuse_unless_pending(record)
    record.upload["status"] = "cancelled"
    record.parts.clear()
    return record.upload
