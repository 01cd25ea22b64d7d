"""The list envelope every list endpoint returns, over OrderedCollection.page."""

from __future__ import annotations

from .. import errors
from ..store import OrderedCollection


def list_page(collection: OrderedCollection, query: dict, where=None) -> dict:
    """``query`` is the validated list query (limit, order, after, before with the spec's defaults)."""
    cursors = {}
    for name in ("after", "before"):
        if query.get(name) is not None:
            cursors[name] = collection.place(query[name])
            if cursors[name] is None:
                raise errors.unknown_cursor(name, query[name])
    items, has_more = collection.page(limit=query["limit"], order=query["order"], where=where, **cursors)
    return {
        "object": "list",
        "data": items,
        "first_id": items[0]["id"] if items else None,
        "last_id": items[-1]["id"] if items else None,
        "has_more": has_more,
    }
