"""Pieces several resources share: metadata and text parts."""

from __future__ import annotations


def text_part(value: str) -> dict:
    """A text content part as messages store it."""
    return {"type": "text", "text": {"value": value, "annotations": []}}


def metadata(value: dict | None) -> dict:
    """The API echoes ``{}`` when no metadata was given (api-notes 1.3)."""
    return dict(value) if value else {}
