"""Files: upload, list, retrieve, delete, download (files-vector-stores §1).

A file's bytes are stored once, in ``State.file_bytes``; the File object is what the API shows.
"""

from __future__ import annotations

from .. import errors
from ..store import State
from .listing import list_page

#: Purposes whose files the API refused to download (F2: observed for both).
NOT_DOWNLOADABLE = frozenset({"assistants", "user_data"})
#: What an upload's File says at once: every create answer from April 2024 on said ``processed``
#: (files-vector-stores 1.4), so ``files.wait_for_processing`` returns on its first call.
CREATED_FILE_STATUS = "processed"


def extension(filename: str) -> str:
    """'Report.PDF' -> 'pdf'; '' when the name has none."""
    stem, dot, ext = filename.rpartition(".")
    return ext.lower() if dot and stem else ""


def expires_at(created_at: int, expires_after: dict | None) -> int | None:
    return created_at + expires_after["seconds"] if expires_after else None


def store_file(state: State, filename: str, data: bytes, purpose: str, expires_after: dict | None = None) -> dict:
    """A new File holding ``data``; the bytes object is kept as it is (no copy)."""
    now = state.clock.now()
    file = state.files.add({
        "object": "file",
        "id": state.ids.new("file-"),
        "purpose": purpose,
        "filename": filename,
        "bytes": len(data),
        "created_at": now,
        "expires_at": expires_at(now, expires_after),
        "status": CREATED_FILE_STATUS,
        "status_details": None,
    })
    state.file_bytes[file["id"]] = data
    return file


def create_file(state: State, body: dict, part) -> dict:
    """An upload (``part``: the multipart ``file`` with its filename and bytes). ``assistants``
    uploads must have one of the extensions the API allowed (F5); no file may be larger than the
    emulator's limit (F7; an Upload, made of parts, may: up to 8 GB)."""
    if body["purpose"] == "assistants" and extension(part.filename) not in errors.ASSISTANTS_EXTENSIONS:
        raise errors.invalid_extension(extension(part.filename))
    if len(part.data) > state.max_file_bytes:
        raise errors.file_too_large(len(part.data), state.max_file_bytes)
    return store_file(state, part.filename, part.data, body["purpose"], body.get("expires_after"))


def list_files(state: State, query: dict) -> dict:
    purpose = query.get("purpose")
    where = (lambda file: file["purpose"] == purpose) if purpose else None
    return list_page(state.files, query, where)


def get_file(state: State, file_id: str, param: str = "id") -> dict:
    """The File, or the API's 404 (F1)."""
    file = state.files.get(file_id)
    if file is None:
        raise errors.file_not_found(file_id, param)
    return file


def file_content(state: State, file: dict) -> tuple[bytes, str]:
    """(bytes, filename) of a download; some purposes cannot be downloaded (F2)."""
    if file["purpose"] in NOT_DOWNLOADABLE:
        raise errors.download_not_allowed(file["purpose"])
    return state.file_bytes[file["id"]], file["filename"]


def delete_file(state: State, file: dict) -> dict:
    """The file leaves every vector store and every code_interpreter file list (files-vector-stores
    1.7); messages, annotations and run steps keep naming it."""
    from .vector_stores import detach_everywhere  # vector stores stand on files, not the other way
    file_id = file["id"]
    detach_everywhere(state, file_id)
    holders = [assistant["tool_resources"] for assistant in state.assistants]
    holders += [record.thread["tool_resources"] for record in state.threads.values()]
    for resources in holders:
        listed = resources.get("code_interpreter", {}).get("file_ids")
        if listed and file_id in listed:
            listed.remove(file_id)
    state.files.remove(file_id)
    del state.file_bytes[file_id]
    return {"object": "file", "id": file_id, "deleted": True}
