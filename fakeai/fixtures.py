"""Loading objects a test starts from: files, vector stores, assistants and threads (with
messages) from a dict, or from a JSON or YAML file (YAML needs PyYAML).

    fake_openai.load({
        "files": [{"id": "file-manual", "filename": "manual.txt", "purpose": "assistants",
                   "content": "Hold the reset button for ten seconds."}],
        "vector_stores": [{"id": "vs_docs", "name": "Docs", "file_ids": ["file-manual"]}],
        "assistants": [{"id": "asst_support", "model": "gpt-4o", "name": "Support",
                        "tools": [{"type": "file_search"}],
                        "tool_resources": {"file_search": {"vector_store_ids": ["vs_docs"]}}}],
        "threads": [{"id": "thread_demo", "messages": [{"role": "user", "content": "Hi"}]}]})

Each entry is the body of the create request (checked as the API checks it; a file is its
filename, purpose and ``content`` text or ``content_base64`` bytes) plus an optional ``id`` to give
the object a known id (with the right prefix). Kinds load in that order, so later ones can name
earlier ones; a fixture's vector store files are already ingested. Nothing is stored unless
everything loads.
"""

from __future__ import annotations

import json
from pathlib import Path

import base64
import binascii

from . import errors
from .resources import ingestion
from .resources.assistants import create_assistant
from .resources.files import store_file
from .resources.threads import create_thread
from .resources.vector_stores import create_vector_store


def create_fixture_file(state, body: dict) -> dict:
    if "content" in body:
        data = body["content"].encode("utf-8")
    else:
        try:
            data = base64.b64decode(body["content_base64"], validate=True)
        except binascii.Error:
            raise errors.invalid_type("content_base64", "base64 text", "a string") from None
    return store_file(state, body["filename"], data, body["purpose"])


def create_fixture_store(state, body: dict) -> dict:
    store = create_vector_store(state, body)
    ingestion.advance(state, state.store_records[store["id"]], now_or_never=True)
    return store


#: (kind, schema of an entry, id prefix, create) in the order they load.
KINDS = (("files", "admin/FixtureFile", "file-", create_fixture_file),
         ("vector_stores", "CreateVectorStoreRequest", "vs_", create_fixture_store),
         ("assistants", "CreateAssistantRequest", "asst_", create_assistant),
         ("threads", "CreateThreadRequest", "thread_", create_thread))


def read(source) -> dict:
    if isinstance(source, dict):
        return source
    path = Path(source)
    text = path.read_text(encoding="utf-8")
    if path.suffix in (".yaml", ".yml"):
        try:
            import yaml
        except ImportError:
            raise RuntimeError(f"loading {path} needs PyYAML (pip install pyyaml), or use JSON") from None
        return yaml.safe_load(text)
    return json.loads(text)


def load(state, schemas, source) -> dict:
    """Create what ``source`` describes in ``state``; returns the ids by kind, in order."""
    data = read(source)
    unknown = set(data) - {kind for kind, *_ in KINDS}
    if unknown:
        raise errors.unknown_parameter(sorted(unknown)[0])
    created = {}
    for kind, schema, prefix, create in KINDS:
        if kind not in data:
            continue
        created[kind] = []
        for index, entry in enumerate(data.get(kind, [])):
            body = dict(entry)
            wanted = body.pop("id", None)
            if wanted is not None:
                if not str(wanted).startswith(prefix):
                    raise errors.invalid_id_prefix(f"{kind}[{index}].id", wanted, prefix.rstrip("_"))
                if any(wanted in taken for taken in (state.assistants, state.threads, state.files,
                                                     state.store_records)):
                    raise errors.BadRequestError(f"Invalid '{kind}[{index}].id': '{wanted}' is already taken.",
                                                 param=f"{kind}[{index}].id", code="invalid_value")
            obj = create(state, schemas.check_request(schema, body))
            if wanted is not None:
                rename(state, kind, obj, wanted)
            created[kind].append(obj["id"])
    return created


def renamed_in(collection, obj: dict, wanted: str) -> None:
    collection.remove(obj["id"])
    obj["id"] = wanted
    collection.add(obj)


def rename(state, kind: str, obj: dict, wanted: str) -> None:
    """Give a just-created object the id the fixture asks for (and what it holds, its new owner)."""
    old = obj["id"]
    if kind == "assistants":
        return renamed_in(state.assistants, obj, wanted)
    if kind == "files":
        state.file_bytes[wanted] = state.file_bytes.pop(old)
        return renamed_in(state.files, obj, wanted)
    if kind == "vector_stores":
        record = state.store_records.pop(old)
        renamed_in(state.vector_stores, obj, wanted)
        for vs_file in record.files:
            vs_file["vector_store_id"] = wanted
        state.store_records[wanted] = record
        return
    record = state.threads.pop(obj["id"])
    obj["id"] = wanted
    for message in record.messages:
        message["thread_id"] = wanted
    state.threads[wanted] = record
