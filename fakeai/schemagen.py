"""Derive fakeai's JSON Schemas from the official OpenAPI document.

Run it again whenever a newer spec is published::

    python -m fakeai.schemagen --spec path/to/openapi.json --out schemas

Each component the Threads API uses (and everything it references) becomes one JSON Schema 2020-12
file named after the component. Limits the spec states only in prose, and the few places where the
real API's bodies were observed to differ from the spec, are applied afterwards as OVERLAYS: each one
is data in this file with the reason attached, and lands in the output as a ``$comment``, so a re-run
never loses them and a reader of ``schemas/`` sees why a value is not the spec's.

Query parameters of each operation become ``parameters/<operationId>.json``.
Standard library only: the generator must run wherever the spec is.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

DRAFT = "https://json-schema.org/draft/2020-12/schema"

#: Components the emulator validates against; their references are pulled in too.
ROOTS = (
    "AssistantObject", "CreateAssistantRequest", "ModifyAssistantRequest", "ListAssistantsResponse",
    "DeleteAssistantResponse",
    "ThreadObject", "CreateThreadRequest", "ModifyThreadRequest", "DeleteThreadResponse",
    "MessageObject", "CreateMessageRequest", "ModifyMessageRequest", "ListMessagesResponse",
    "DeleteMessageResponse",
    "RunObject", "CreateRunRequest", "CreateThreadAndRunRequest", "ModifyRunRequest",
    "SubmitToolOutputsRunRequest", "ListRunsResponse",
    "RunStepObject", "ListRunStepsResponse",
    "MessageDeltaObject", "RunStepDeltaObject", "AssistantStreamEvent",
    "ErrorResponse",
    "ModelIdsShared",  # models the API knows: those Assistants cannot use are refused as such (E28)
    # Files, Uploads and Vector stores: the storage the Threads API stands on.
    "CreateFileRequest", "OpenAIFile", "ListFilesResponse", "DeleteFileResponse",
    "CreateUploadRequest", "Upload", "UploadPart", "AddUploadPartRequest", "CompleteUploadRequest",
    "CreateVectorStoreRequest", "UpdateVectorStoreRequest", "VectorStoreObject", "ListVectorStoresResponse",
    "DeleteVectorStoreResponse", "CreateVectorStoreFileRequest", "UpdateVectorStoreFileAttributesRequest",
    "VectorStoreFileObject", "ListVectorStoreFilesResponse", "DeleteVectorStoreFileResponse",
    "VectorStoreFileContentResponse", "CreateVectorStoreFileBatchRequest", "VectorStoreFileBatchObject",
    "VectorStoreSearchRequest", "VectorStoreSearchResultsPage",
)

#: Path prefixes whose operations belong to the emulated API.
PATH_PREFIXES = ("/assistants", "/threads", "/files", "/uploads", "/vector_stores")

#: Keys that only document the spec; dropping them keeps the files short and the diff readable.
DOC_KEYS = {"description", "example", "examples", "title", "deprecated", "x-oaiMeta",
            "x-oaiTypeLabel", "x-stainless-const", "x-oaiExpandable", "x-oaiMeta", "discriminator"}

METADATA_LIMITS = ("The spec's Metadata text: 'Set of 16 key-value pairs ... Keys are strings with a "
                   "maximum length of 64 characters. Values are strings with a maximum length of 512 "
                   "characters.' (api-notes 1.3)")
NULL_CURSORS = ("Real list bodies carry null first_id/last_id on an empty page (api-notes 1.2, "
                "go-openai #572); the spec types them as non-null strings.")
LIST_LIMIT = ("The spec's limit text: 'Limit can range between 1 and 100, and the default is 20.'")
FILES_LIST_LIMIT = ("The spec's limit text for listFiles: 'Limit can range between 1 and 10,000, and the "
                    "default is 10,000.'")
TOKEN_LIMITS = ("The real API accepted a run with max_prompt_tokens 256 and max_completion_tokens 16 "
                "(api-notes §14.1, recorded v2 traffic, 2024-04-29): the spec's minimum of 256 was not "
                "enforced. A budget below 1 is not on record; fakeai refuses it (unverified).")
NULL_WHEN_ABSENT = ("Observed as null in real bodies (files-vector-stores 1.4, 3.3: ruby-openai cassettes); "
                    "the spec types it as non-null.")

#: (file, JSON pointer inside it, keys to set (None: remove the key), why). Applied in order after
#: conversion.
OVERLAYS: tuple[tuple[str, str, dict, str], ...] = (
    ("Metadata.json", "/anyOf/0", {
        "maxProperties": 16,
        "propertyNames": {"maxLength": 64},
        "additionalProperties": {"type": "string", "maxLength": 512},
        "x-fakeai-expected": "a metadata object",
    }, METADATA_LIMITS + " The expected-type label is the real error's wording (api-notes E17)."),
    ("CreateThreadRequest.json", "/properties/messages", {"maxItems": 32},
     "The real API refused threads created with more than 32 messages (api-notes 3.2: openai-php "
     "#269, dimagi PR #688); the spec does not state it."),
    *(
        (f"{name}.json", f"/properties/{cursor}", {"type": ["string", "null"]}, NULL_CURSORS)
        for name in ("ListAssistantsResponse", "ListMessagesResponse", "ListRunsResponse",
                     "ListRunStepsResponse", "ListFilesResponse", "ListVectorStoresResponse",
                     "ListVectorStoreFilesResponse")
        for cursor in ("first_id", "last_id")
    ),
    ("CreateMessageRequest.json", "/properties/attachments/anyOf/0/items", {"required": ["file_id", "tools"]},
     "The spec puts this required list on the attachments array, where it checks nothing; each "
     "attachment is {file_id, tools} with both keys required (api-notes 4.2)."),
    ("SubmitToolOutputsRunRequest.json", "/properties/tool_outputs/items", {"required": ["tool_call_id"]},
     "Each output names the call it answers: the real API refused an output without tool_call_id "
     "with a 400 (microsoft/teams-sdk #925, 2023, in its older validator's words); the spec does not "
     "mark it required. fakeai answers in today's words (api-notes E16)."),
    ("FunctionObject.json", "/properties/name", {"pattern": "^[a-zA-Z0-9_-]+$", "maxLength": 64},
     "The spec's text: 'Must be a-z, A-Z, 0-9, or contain underscores and dashes, with a maximum "
     "length of 64.'"),
    ("ResponseFormatJsonSchema.json", "/properties/json_schema/properties/name",
     {"pattern": "^[a-zA-Z0-9_-]+$", "maxLength": 64},
     "The spec's text: 'Must be a-z, A-Z, 0-9, or contain underscores and dashes, with a maximum "
     "length of 64.'"),
    *(
        (f"parameters/{operation}.json", "/properties/limit", {"minimum": 1, "maximum": 100}, LIST_LIMIT)
        for operation in ("listAssistants", "listMessages", "listRuns", "listRunSteps", "listVectorStores",
                          "listVectorStoreFiles", "listFilesInVectorStoreBatch")
    ),
    ("parameters/listFiles.json", "/properties/limit", {"minimum": 1, "maximum": 10000}, FILES_LIST_LIMIT),
    *(
        ("OpenAIFile.json", f"/properties/{key}", {"type": [kind, "null"]}, NULL_WHEN_ABSENT)
        for key, kind in (("expires_at", "integer"), ("status_details", "string"))
    ),
    ("OpenAIFile.json", "/properties/purpose", {"enum": [
        "assistants", "assistants_output", "batch", "batch_output", "fine-tune", "fine-tune-results",
        "vision", "user_data", "evals"]},
     "'evals' is an upload purpose the File object's enum lacks; the file echoes the purpose it was "
     "uploaded with (files-vector-stores 1.3)."),
    ("CreateFileRequest.json", "/properties/purpose", {
        "enum": ["fine-tune", "assistants", "batch", "user_data", "vision", "evals"],
        "x-fakeai-wording": "not_one_of",
    }, "The API refused a bad purpose in its older validator's words, listing the purposes in this "
       "order: \"'x' is not one of ['fine-tune', 'assistants', ...] - 'purpose'\" (files-vector-stores F3)."),
    ("Upload.json", "/properties/file", {"allOf": None, "anyOf": [{"$ref": "OpenAIFile.json"}, {"type": "null"}]},
     "The spec's allOf [OpenAIFile, {nullable}] refuses the null of an upload not yet completed."),
    ("VectorStoreObject.json", "/properties/name", {"type": ["string", "null"]},
     "POST /vector_stores without a name answers name: null (files-vector-stores 3.3, ruby-openai "
     "cassette vector_stores_create)."),
    ("VectorStoreObject.json", "/properties/expires_after", {
        "$ref": None, "anyOf": [{"$ref": "VectorStoreExpirationAfter.json"}, {"type": "null"}]},
     "A store without an expiry policy answers expires_after: null (files-vector-stores 3.3, "
     "ruby-openai cassette vector_stores_create)."),
    ("UpdateVectorStoreRequest.json", "/properties/expires_after", {
        "allOf": None, "anyOf": [{"$ref": "VectorStoreExpirationAfter.json"}, {"type": "null"}],
        "x-fakeai-keep-null": True},
     "null removes the store's expiry policy (files-vector-stores 3.2: nullable = remove policy); the "
     "spec's allOf [policy, {nullable}] refuses the null it documents."),
    ("UpdateVectorStoreRequest.json", "/properties/name", {"x-fakeai-keep-null": True},
     "null clears the name (the spec types it nullable; a store without a name answers name: null)."),
    *(
        (f"{name}.json", f"/properties/{key}", {"minimum": 1}, TOKEN_LIMITS)
        for name in ("CreateRunRequest", "CreateThreadAndRunRequest", "RunObject")
        for key in ("max_prompt_tokens", "max_completion_tokens")
    ),
    ("RunObject.json", "/properties/tool_resources", {
        "type": "object", "properties": {
            "code_interpreter": {"type": "object", "properties": {
                "file_ids": {"type": "array", "items": {"type": "string"}}}},
            "file_search": {"type": "object", "properties": {
                "vector_store_ids": {"type": "array", "items": {"type": "string"}}}}}},
     "Every v2 run recorded from the real API carried tool_resources ({} or the run's resources), which "
     "the spec's RunObject does not declare (api-notes §14.3)."),
    ("RunObject.json", "/properties/reasoning_effort", {"$ref": "ReasoningEffort.json"},
     "Runs recorded in 2025 carried reasoning_effort (null for non-reasoning models), which the spec's "
     "RunObject does not declare (api-notes §14.3)."),
    ("VectorStoreFileBatchObject.json", "/properties/object", {
        "enum": ["vector_store.file_batch", "vector_store.files_batch"]},
     "Batches say 'vector_store.file_batch' on the wire (files-vector-stores pitfall 2, ruby-openai "
     "cassette vector_store_file_batches_create); the spec's enum says 'vector_store.files_batch'."),
)


def component_ref(ref: str) -> str:
    """'#/components/schemas/X' -> 'X'."""
    prefix = "#/components/schemas/"
    if not ref.startswith(prefix):
        raise ValueError(f"unsupported $ref {ref!r}")
    return ref[len(prefix):]


def convert(node, name: str = ""):
    """OpenAPI 3.1 schema node -> JSON Schema 2020-12 node (documentation dropped). ``name`` is the
    component being converted: a 2019-09 ``$recursiveRef: "#"`` becomes a reference to its own file."""
    if isinstance(node, list):
        return [convert(item, name) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key in DOC_KEYS or key in ("nullable", "$recursiveAnchor"):
            continue
        if key == "$ref":
            out[key] = component_ref(value) + ".json"
        elif key == "$recursiveRef" and value == "#":
            out["$ref"] = f"{name}.json"
        elif key in ("properties", "$defs", "patternProperties"):
            out[key] = {prop: convert(sub, name) for prop, sub in value.items()}
        else:
            out[key] = convert(value, name)
    if node.get("nullable") is True:
        out = allow_null(out)
    return out


def allow_null(schema: dict) -> dict:
    """The OpenAPI 3.0 'nullable: true' of older spec parts, in 2020-12 terms."""
    kind = schema.get("type")
    if isinstance(kind, str):
        schema = {**schema, "type": [kind, "null"]}
        if "enum" in schema and None not in schema["enum"]:
            schema["enum"] = [*schema["enum"], None]
        return schema
    return {"anyOf": [schema, {"type": "null"}]}


def references(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield component_ref(value)
            else:
                yield from references(value)
    elif isinstance(node, list):
        for item in node:
            yield from references(item)


def closure(components: dict, roots) -> list[str]:
    seen: set[str] = set()
    pending = list(roots)
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        if name not in components:
            raise KeyError(f"component {name!r} is not in the spec")
        seen.add(name)
        pending.extend(references(components[name]))
    return sorted(seen)


def operation_parameters(spec: dict) -> dict[str, dict]:
    """operationId -> JSON Schema of that operation's query string (path ids are checked by prefix)."""
    out = {}
    for path, item in spec["paths"].items():
        if not path.startswith(PATH_PREFIXES):
            continue
        for method, operation in item.items():
            if method not in ("get", "post", "delete"):
                continue
            params = [*item.get("parameters", []), *operation.get("parameters", [])]
            query = {p["name"]: convert(p["schema"]) for p in params if p["in"] == "query"}
            out[operation["operationId"]] = {"type": "object", "properties": query}
            method_path = sdk_method(operation) or SDK_METHODS_WITHOUT_EXAMPLE.get(operation["operationId"])
            if method_path:  # an annotation: what the journal accepts besides the operationId
                out[operation["operationId"]]["x-sdk-method"] = method_path
    return out


#: SDK methods of the operations whose spec examples have no Python request (the spec gives only
#: curl for them); tests/test_journal_names.py checks every name against the installed SDK.
SDK_METHODS_WITHOUT_EXAMPLE = {
    "createUpload": "uploads.create",
    "addUploadPart": "uploads.parts.create",
    "completeUpload": "uploads.complete",
    "cancelUpload": "uploads.cancel",
    "searchVectorStore": "vector_stores.search",
    "updateVectorStoreFileAttributes": "vector_stores.files.update",
    "retrieveVectorStoreFileContent": "vector_stores.files.content",
}

SDK_CALL = re.compile(r"client\.((?:[a-z_]+\.)*[a-z_]+)\(")


def sdk_method(operation: dict) -> str | None:
    """The Python SDK method of an operation (``beta.threads.runs.submit_tool_outputs``), as the
    spec's own Python example calls it."""
    examples = operation.get("x-oaiMeta", {}).get("examples") or []
    for example in [examples] if isinstance(examples, dict) else examples:
        requests = example.get("request", {}) if isinstance(example, dict) else {}
        found = SDK_CALL.search(requests.get("python", "") if isinstance(requests, dict) else "")
        if found:
            return found.group(1)
    return None


def pointer_get(document, pointer: str):
    node = document
    for part in pointer.lstrip("/").split("/") if pointer else ():
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def overlay_target(document: dict, pointer: str) -> dict:
    """The node an overlay changes; a missing last key of an object is added (a property the spec
    does not declare)."""
    parent_pointer, _, key = pointer.rpartition("/")
    parent = pointer_get(document, parent_pointer)
    if isinstance(parent, list):
        return parent[int(key)]
    return parent.setdefault(key.replace("~1", "/").replace("~0", "~"), {})


def generate(spec: dict) -> dict[str, dict]:
    """Relative file name -> schema document, overlays applied."""
    components = spec["components"]["schemas"]
    files: dict[str, dict] = {}
    for name in closure(components, ROOTS):
        files[f"{name}.json"] = {"$schema": DRAFT, **convert(components[name], name)}
    for operation, schema in operation_parameters(spec).items():
        files[f"parameters/{operation}.json"] = {"$schema": DRAFT, **schema}
    for file_name, pointer, changes, why in OVERLAYS:
        target = overlay_target(files[file_name], pointer)
        for key, value in json.loads(json.dumps(changes)).items():
            if value is None:  # an overlay replaces a keyword by removing it
                target.pop(key, None)
            else:
                target[key] = value
        target["$comment"] = f"fakeai overlay: {why}"
    return files


def render(schema: dict) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


#: Hand-written schemas of fakeai's own admin API live beside the derived ones; never touched here.
KEPT = "admin"


def write(files: dict[str, dict], out: Path) -> None:
    for old in out.rglob("*.json"):
        if old.relative_to(out).parts[0] != KEPT:
            old.unlink()
    for name, schema in files.items():
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render(schema), encoding="utf-8")


def read_spec(parser: argparse.ArgumentParser, path: Path) -> dict:
    """The spec as JSON, or a usage error that says what is wrong with the file (never a traceback)."""
    if not path.is_file():
        parser.error(f"no OpenAPI document at {path}: pass the official openapi.json with --spec "
                     "(CONTRIBUTING.md says where it comes from)")
    try:
        spec = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        parser.error(f"cannot read {path} as JSON: {error}")
    if not isinstance(spec, dict) or "components" not in spec or "paths" not in spec:
        parser.error(f"{path} is not an OpenAPI document (no 'paths' and 'components')")
    return spec


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fakeai.schemagen", description=__doc__.split("\n")[0])
    parser.add_argument("--spec", required=True, type=Path, help="the official openapi.json")
    parser.add_argument("--out", default=Path("schemas"), type=Path, help="folder to (re)write")
    args = parser.parse_args(argv)
    spec = read_spec(parser, args.spec)
    files = generate(spec)
    write(files, args.out)
    print(f"wrote {len(files)} schemas to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
