"""File ids in requests: where they appear, and the check each one gets.

Today a file id is accepted when it is well formed (``file-`` ...). ``State.files`` is the seam for
a Files store: once it holds uploaded files, ids must also exist there.
"""

from __future__ import annotations

from .. import errors
from ..store import State


def file_references(body: dict, path: str = ""):
    """(param, file id) for every place a request names a file: attachments, image_file parts,
    code_interpreter and vector-store-helper file lists; inside a thread's messages too."""
    at = (lambda key: f"{path}.{key}" if path else key)
    for index, message in enumerate(body.get("messages") or []):
        yield from file_references(message, f"{at('messages')}[{index}]")
    for index, attachment in enumerate(body.get("attachments") or []):
        yield f"{at('attachments')}[{index}].file_id", attachment["file_id"]
    content = body.get("content")
    if isinstance(content, list):
        for index, part in enumerate(content):
            if part.get("type") == "image_file":
                yield f"{at('content')}[{index}].image_file.file_id", part["image_file"]["file_id"]
    resources = body.get("tool_resources") or {}
    for index, file_id in enumerate((resources.get("code_interpreter") or {}).get("file_ids", [])):
        yield f"{at('tool_resources')}.code_interpreter.file_ids[{index}]", file_id
    for store_index, store in enumerate((resources.get("file_search") or {}).get("vector_stores", [])):
        for index, file_id in enumerate(store.get("file_ids", [])):
            yield (f"{at('tool_resources')}.file_search.vector_stores[{store_index}].file_ids[{index}]",
                   file_id)


def check_file_ids(state: State, body: dict) -> None:
    for param, file_id in file_references(body):
        if not file_id.startswith("file-"):
            raise errors.invalid_id_prefix(param, file_id, "file")
        if state.files is not None and file_id not in state.files:
            raise errors.not_found("file", file_id)
