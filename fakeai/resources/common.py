"""Pieces several resources share: metadata, tool_resources, file ids."""

from __future__ import annotations

from ..store import State


def text_part(value: str) -> dict:
    """A text content part as messages store it."""
    return {"type": "text", "text": {"value": value, "annotations": []}}


def metadata(value: dict | None) -> dict:
    """The API echoes ``{}`` when no metadata was given (api-notes 1.3)."""
    return dict(value) if value else {}


def tool_resources(state: State, value: dict | None) -> dict:
    """Stored shape of ``tool_resources``: ``{}`` when none; ``vector_stores`` helpers become ids.

    The helper creates a vector store, so the object shows ``vector_store_ids: ["vs_..."]``.
    """
    out: dict = {}
    if not value:
        return out
    if "code_interpreter" in value:
        out["code_interpreter"] = {"file_ids": list(value["code_interpreter"].get("file_ids", []))}
    if "file_search" in value:
        search = value["file_search"]
        ids = list(search.get("vector_store_ids", []))
        for spec in search.get("vector_stores", []):
            store_id = state.ids.new("vs_")
            state.vector_stores[store_id] = {
                "file_ids": list(spec.get("file_ids", [])),
                "chunking_strategy": spec.get("chunking_strategy", {"type": "auto"}),
                "metadata": metadata(spec.get("metadata")),
            }
            ids.append(store_id)
        out["file_search"] = {"vector_store_ids": ids}
    return out
