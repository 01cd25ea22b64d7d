"""Files and vector stores that Assistants/Threads requests name (files-vector-stores §7).

Every id a request names must exist in the tenant, or the request is refused before anything is
stored: a file as F1's 404 with the body path as ``param`` (F17, unverified), a vector store as
F8's 404. ``tool_resources`` helpers create real stores, and a ``file_search`` attachment puts its
file into the thread's store (creating one, with the 7-day policy, if the thread has none).
"""

from __future__ import annotations

from .. import errors
from ..store import State
from . import ingestion, vector_stores
from .files import extension


def at(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def file_references(body: dict, path: str = ""):
    """(param, file id) for every place a request names a file: attachments, image_file parts,
    code_interpreter and vector-store-helper file lists; inside a thread's messages too."""
    for index, message in enumerate(body.get("messages") or []):
        yield from file_references(message, f"{at(path, 'messages')}[{index}]")
    for index, attachment in enumerate(body.get("attachments") or []):
        yield f"{at(path, 'attachments')}[{index}].file_id", attachment["file_id"]
    content = body.get("content")
    if isinstance(content, list):
        for index, part in enumerate(content):
            if part.get("type") == "image_file":
                yield f"{at(path, 'content')}[{index}].image_file.file_id", part["image_file"]["file_id"]
    resources = body.get("tool_resources") or {}
    for index, file_id in enumerate((resources.get("code_interpreter") or {}).get("file_ids", [])):
        yield f"{at(path, 'tool_resources')}.code_interpreter.file_ids[{index}]", file_id
    for store_index, store in enumerate(helper_stores(resources)):
        for index, file_id in enumerate(store.get("file_ids", [])):
            yield (f"{at(path, 'tool_resources')}.file_search.vector_stores[{store_index}].file_ids[{index}]",
                   file_id)


def helper_stores(resources: dict) -> list:
    return (resources.get("file_search") or {}).get("vector_stores", [])


def searched_attachments(body: dict, path: str = ""):
    """(param, file id) of attachments for file_search, inside a thread's messages too."""
    for index, message in enumerate(body.get("messages") or []):
        yield from searched_attachments(message, f"{at(path, 'messages')}[{index}]")
    for index, attachment in enumerate(body.get("attachments") or []):
        if any(tool["type"] == "file_search" for tool in attachment.get("tools", [])):
            yield f"{at(path, 'attachments')}[{index}]", attachment["file_id"]


#: The keys of a request body under which a file or vector store can be named (file_references,
#: searched_attachments and the vector_store_ids read below).
REFERRING_KEYS = frozenset({"messages", "attachments", "content", "tool_resources"})


def check_references(state: State, body: dict, path: str = "") -> None:
    """Refuse, changing nothing, a request that names a file or vector store that does not exist,
    or gives file_search a file it cannot read (F13)."""
    if REFERRING_KEYS.isdisjoint(body):  # nothing named (most requests)
        return
    named = list(file_references(body, path))
    for param, file_id in named:  # a malformed id is a 400 before any id is looked up
        if not file_id.startswith("file-"):
            raise errors.invalid_id_prefix(param, file_id, "file")
    for param, file_id in named:
        if file_id not in state.files:
            raise errors.file_not_found(file_id, param)
    resources = body.get("tool_resources") or {}
    for index, store_id in enumerate((resources.get("file_search") or {}).get("vector_store_ids", [])):
        vector_stores.get_vector_store(state, store_id,
                                       f"{at(path, 'tool_resources')}.file_search.vector_store_ids[{index}]")
    for index, store in enumerate(helper_stores(resources)):
        param = f"{at(path, 'tool_resources')}.file_search.vector_stores[{index}]"
        vector_stores.check_chunking(store.get("chunking_strategy"), f"{param}.chunking_strategy")
        vector_stores.check_attachable(state, store.get("file_ids", []), f"{param}.file_ids")
    for param, file_id in searched_attachments(body, path):
        ext = extension(state.files.get(file_id)["filename"])
        if ext not in vector_stores.RETRIEVAL_EXTENSIONS:
            raise errors.unsupported_for_retrieval(f".{ext}" if ext else "", param)


def tool_resources(state: State, value: dict | None, *, helper_expiry: dict | None = None) -> dict:
    """Stored shape of ``tool_resources`` (checked already): ``{}`` when none; each ``vector_stores``
    helper becomes a real store, so the object shows ``vector_store_ids: ["vs_..."]``."""
    out: dict = {}
    if not value:
        return out
    if "code_interpreter" in value:
        out["code_interpreter"] = {"file_ids": list(value["code_interpreter"].get("file_ids", []))}
    if "file_search" in value:
        ids = list(value["file_search"].get("vector_store_ids", []))
        for spec in helper_stores(value):
            ids.append(vector_stores.create_vector_store(state, spec, expires_after=helper_expiry)["id"])
        out["file_search"] = {"vector_store_ids": ids}
    return out


def index_attachments(state: State, thread: dict, messages) -> None:
    """file_search attachments join the thread's vector store (one is made if the thread has none, or
    only an expired one)."""
    wanted = [attachment["file_id"] for message in messages for attachment in message["attachments"]
              if any(tool["type"] == "file_search" for tool in attachment["tools"])]
    if not wanted:
        return
    search = thread["tool_resources"].setdefault("file_search", {"vector_store_ids": []})
    usable = [state.store_records[store_id] for store_id in search["vector_store_ids"]
              if store_id in state.store_records]
    for record in usable:
        ingestion.expire_if_due(state, record)
    usable = [record for record in usable if record.store["status"] != "expired"]
    if usable:
        record = usable[0]
    else:  # none, or deleted or expired since: a new store takes its place (unverified)
        store = vector_stores.create_vector_store(state, {}, expires_after=vector_stores.THREAD_STORE_EXPIRY)
        search["vector_store_ids"] = [store["id"]]
        record = state.store_records[store["id"]]
    ingestion.touch(state, record)
    for file_id in dict.fromkeys(wanted):
        vector_stores.attach(state, record, file_id, None, None)
