"""Vector stores, their files and file batches, and search (files-vector-stores §3-§6).

Every write is checked whole before anything is stored: a refused request changes nothing.
"""

from __future__ import annotations

from .. import errors
from ..store import BatchRecord, State, VectorStoreRecord
from . import ingestion
from .common import metadata
from .files import extension, get_file
from .listing import list_page
from .search import AUTO_CHUNKING, search

#: Extensions file_search can read (files-vector-stores 4.4, the file-search guide); others are
#: refused when attached (F12, F13).
RETRIEVAL_EXTENSIONS = frozenset({"c", "cpp", "cs", "css", "doc", "docx", "go", "html", "java", "js", "json",
                                  "md", "pdf", "php", "pptx", "py", "rb", "sh", "tex", "ts", "txt"})
#: The expiry policy of stores that thread helpers and file_search attachments create (the
#: file-search guide); stores of the assistant helper get none (unverified).
THREAD_STORE_EXPIRY = {"anchor": "last_active_at", "days": 7}
#: What the batch object's ``object`` says on the wire (observed; the spec says 'vector_store.files_batch').
BATCH_OBJECT = "vector_store.file_batch"


# --- lookups ----------------------------------------------------------------------------------------

def get_vector_store(state: State, vector_store_id: str, param: str | None = None) -> VectorStoreRecord:
    """The store's record, or the API's 404 (F8)."""
    record = state.store_records.get(vector_store_id)
    if record is None:
        raise errors.not_found("vector_store", vector_store_id, param)
    return record


def get_vector_store_file(record: VectorStoreRecord, file_id: str) -> dict:
    vs_file = record.files.get(file_id)
    if vs_file is None:
        raise errors.file_not_in_vector_store(file_id, record.store["id"])
    return vs_file


def get_batch(record: VectorStoreRecord, batch_id: str) -> BatchRecord:
    batch = record.batches.get(batch_id)
    if batch is None:
        raise errors.not_found("file_batch", batch_id)
    return batch


def refuse_if_expired(record: VectorStoreRecord) -> None:
    if record.store["status"] == "expired":
        raise errors.vector_store_expired(record.store["id"])


# --- checks made before anything is stored ----------------------------------------------------------

def check_chunking(strategy: dict | None, param: str) -> None:
    """The overlap may be at most half the chunk size (the spec's text; F15, E21 wording)."""
    if strategy and strategy["type"] == "static":
        static = strategy["static"]
        limit = static["max_chunk_size_tokens"] // 2
        if static["chunk_overlap_tokens"] > limit:
            raise errors.number_out_of_range(f"{param}.static.chunk_overlap_tokens", static["chunk_overlap_tokens"],
                                             limit, above=True, integer=True)
        if static["chunk_overlap_tokens"] < 0:
            raise errors.number_out_of_range(f"{param}.static.chunk_overlap_tokens", static["chunk_overlap_tokens"],
                                             0, above=False, integer=True)


def check_attachable(state: State, file_ids, param: str = "file_ids") -> None:
    """Every file exists (F11 lists the missing ones) and is of a kind file_search reads (F12)."""
    missing = [file_id for file_id in dict.fromkeys(file_ids) if file_id not in state.files]
    if missing:
        raise errors.files_not_found(missing)
    for file_id in file_ids:
        ext = extension(state.files.get(file_id)["filename"])
        if ext not in RETRIEVAL_EXTENSIONS:
            raise errors.unsupported_for_retrieval(f".{ext}" if ext else "", param)


def stored_chunking(strategy: dict | None) -> dict:
    """``auto`` (or none) reads back as the static sizes it stands for (api-notes 4.5)."""
    if not strategy or strategy["type"] == "auto":
        return {"type": "static", "static": dict(AUTO_CHUNKING["static"])}
    return {"type": "static", "static": dict(strategy["static"])}


# --- stores -----------------------------------------------------------------------------------------

def create_vector_store(state: State, body: dict, *, expires_after: dict | None = None) -> dict:
    """A store, with its files attached (``in_progress`` until they settle). ``expires_after``:
    the policy a helper gives when the request names none."""
    file_ids = body.get("file_ids", [])
    check_chunking(body.get("chunking_strategy"), "chunking_strategy")
    check_attachable(state, file_ids)
    now = state.clock.now()
    store = {
        "id": state.ids.new("vs_"),
        "object": "vector_store",
        "name": body.get("name"),
        "status": "completed",
        "usage_bytes": 0,
        "created_at": now,
        "file_counts": ingestion.zero_counts(),
        "metadata": metadata(body.get("metadata")),
        "expires_after": body.get("expires_after", expires_after),
        "expires_at": None,
        "last_active_at": now,
    }
    record = state.store_records[store["id"]] = VectorStoreRecord(store)
    state.vector_stores.add(store)
    ingestion.touch(state, record)
    for file_id in dict.fromkeys(file_ids):
        attach(state, record, file_id, body.get("chunking_strategy"), None)
    return store


def list_vector_stores(state: State, query: dict) -> dict:
    page = list_page(state.vector_stores, query)
    for store in page["data"]:
        ingestion.advance(state, state.store_records[store["id"]], read=True)
    return page


def modify_vector_store(state: State, record: VectorStoreRecord, body: dict) -> dict:
    """Given fields replace the stored ones (metadata whole); a new policy counts from last activity."""
    refuse_if_expired(record)
    store = record.store
    if "name" in body:
        store["name"] = body["name"]
    if "metadata" in body:
        store["metadata"] = metadata(body["metadata"])
    if "expires_after" in body:
        store["expires_after"] = body["expires_after"]
        policy = store["expires_after"]
        store["expires_at"] = store["last_active_at"] + policy["days"] * ingestion.DAY if policy else None
    return store


def expire_vector_store(state: State, record: VectorStoreRecord) -> dict:
    """The store expires now, as if its policy ran out (a test control, not an API endpoint)."""
    record.store["expires_at"] = state.clock.now()
    ingestion.expire_if_due(state, record)
    return record.store


def delete_vector_store(state: State, record: VectorStoreRecord) -> dict:
    """The store and its files' entries go; the Files themselves stay."""
    store_id = record.store["id"]
    state.vector_stores.remove(store_id)
    del state.store_records[store_id]
    state.ingesting.discard(store_id)
    return {"id": store_id, "object": "vector_store.deleted", "deleted": True}


# --- vector store files -----------------------------------------------------------------------------

def attach(state: State, record: VectorStoreRecord, file_id: str, chunking: dict | None, attributes) -> dict:
    """One file into the store (checked by the caller). A file already there is answered as it is
    (files-vector-stores 4.4: unverified, the notes' recommendation)."""
    existing = record.files.get(file_id)
    if existing is not None:
        return existing
    vs_file = {
        "id": file_id,
        "object": "vector_store.file",
        "usage_bytes": 0,
        "created_at": state.clock.now(),
        "vector_store_id": record.store["id"],
        "status": "in_progress",
        "last_error": None,
        "chunking_strategy": stored_chunking(chunking),
        "attributes": dict(attributes) if attributes else {},
    }
    ingestion.set_status(record, vs_file, "in_progress")
    record.files.add(vs_file)
    ingestion.begin(state, record, vs_file)
    return vs_file


def create_vector_store_file(state: State, record: VectorStoreRecord, body: dict) -> dict:
    refuse_if_expired(record)
    check_chunking(body.get("chunking_strategy"), "chunking_strategy")
    check_attachable(state, [body["file_id"]], "file_id")
    ingestion.touch(state, record)
    return attach(state, record, body["file_id"], body.get("chunking_strategy"), body.get("attributes"))


def status_filter(query: dict):
    wanted = query.get("filter")
    return (lambda vs_file: vs_file["status"] == wanted) if wanted else None


def list_vector_store_files(record: VectorStoreRecord, query: dict) -> dict:
    return list_page(record.files, query, status_filter(query))


def update_vector_store_file(vs_file: dict, body: dict) -> dict:
    """``attributes`` replaces the stored ones whole (null clears them)."""
    vs_file["attributes"] = dict(body.get("attributes") or {})
    return vs_file


def delete_vector_store_file(state: State, record: VectorStoreRecord, vs_file: dict) -> dict:
    """The file leaves the store (its size and counts with it); the File itself stays."""
    detach(state, record, vs_file["id"])
    return {"id": vs_file["id"], "object": "vector_store.file.deleted", "deleted": True}


def detach(state: State, record: VectorStoreRecord, file_id: str) -> None:
    vs_file = record.files.get(file_id)
    record.pending.pop(file_id, None)
    record.chunks.pop(file_id, None)
    record.store["usage_bytes"] -= vs_file["usage_bytes"]
    ingestion.set_status(record, vs_file, None)
    record.files.remove(file_id)
    if not record.pending:
        state.ingesting.discard(record.store["id"])


def detach_everywhere(state: State, file_id: str) -> None:
    """A deleted File leaves every store it was in."""
    for record in state.store_records.values():
        if file_id in record.files:
            detach(state, record, file_id)


def file_content(record: VectorStoreRecord, vs_file: dict) -> dict:
    """The parsed text, one item per chunk (the schema's shape; empty until the file completed)."""
    chunks = record.chunks.get(vs_file["id"], [])
    return {"object": "vector_store.file_content.page", "data": [{"type": "text", "text": c.text} for c in chunks],
            "has_more": False, "next_page": None}


# --- file batches -----------------------------------------------------------------------------------

def create_file_batch(state: State, record: VectorStoreRecord, body: dict) -> dict:
    """``file_ids`` (with the batch's attributes and chunking) or ``files`` (each with its own)."""
    refuse_if_expired(record)
    if "file_ids" in body and "files" in body:
        raise errors.mutually_exclusive("", ("file_ids", "files"))
    if "files" in body:
        entries = [(f["file_id"], f.get("chunking_strategy"), f.get("attributes")) for f in body["files"]]
        for index, entry in enumerate(entries):
            check_chunking(entry[1], f"files[{index}].chunking_strategy")
    else:
        check_chunking(body.get("chunking_strategy"), "chunking_strategy")
        entries = [(file_id, body.get("chunking_strategy"), body.get("attributes")) for file_id in body["file_ids"]]
    check_attachable(state, [entry[0] for entry in entries], "files" if "files" in body else "file_ids")
    ingestion.touch(state, record)
    batch = {
        "id": state.ids.new("vsfb_", 32, "0123456789abcdef"),
        "object": BATCH_OBJECT,
        "created_at": state.clock.now(),
        "status": "in_progress",
        "vector_store_id": record.store["id"],
        "file_counts": ingestion.zero_counts(),
    }
    batch_record = record.batches[batch["id"]] = BatchRecord(batch, frozenset(entry[0] for entry in entries))
    for file_id, chunking, attributes in entries:
        existing = record.files.get(file_id)
        if existing is not None:  # already in the store: counted in the batch as it stands
            batch["file_counts"][existing["status"]] += 1
            batch["file_counts"]["total"] += 1
        else:
            attach(state, record, file_id, chunking, attributes)
    if batch["file_counts"]["in_progress"] == 0:
        batch["status"] = "completed"
    return batch_record.batch


def cancel_file_batch(state: State, record: VectorStoreRecord, batch: BatchRecord) -> dict:
    """Files still in progress end ``cancelled`` and so does the batch; a finished batch is answered
    unchanged (observed: a cancel of a completed batch is a 200)."""
    if batch.batch["status"] == "in_progress":
        ingestion.cancel_pending(state, record, batch.file_ids)
        batch.batch["status"] = "cancelled"
    return batch.batch


def list_batch_files(record: VectorStoreRecord, batch: BatchRecord, query: dict) -> dict:
    wanted = status_filter(query)
    return list_page(record.files, query,
                     lambda vs_file: vs_file["id"] in batch.file_ids and (wanted is None or wanted(vs_file)))


# --- search -----------------------------------------------------------------------------------------

def searchable(state: State, records) -> list:
    """(file, attributes, chunks) of the completed files of ``records``, in attach order."""
    out = []
    for record in records:
        for vs_file in record.files:
            if vs_file["status"] == "completed":
                out.append((state.files.get(vs_file["id"]), vs_file["attributes"], record.chunks[vs_file["id"]]))
    return out


def search_vector_store(state: State, record: VectorStoreRecord, body: dict) -> dict:
    queries = [body["query"]] if isinstance(body["query"], str) else list(body["query"])
    ranking = body.get("ranking_options", {})
    ingestion.touch(state, record)
    found = search(searchable(state, [record]), queries, limit=body.get("max_num_results", 10),
                   threshold=ranking.get("score_threshold", 0), condition=body.get("filters"))
    attributes = {vs_file["id"]: vs_file["attributes"] for vs_file in record.files}
    return {
        "object": "vector_store.search_results.page",
        "search_query": queries,
        "data": [{"file_id": file["id"], "filename": file["filename"], "score": value,
                  "attributes": attributes[file["id"]], "content": [{"type": "text", "text": chunk.text}]}
                 for value, file, chunk in found],
        "has_more": False,
        "next_page": None,
    }
