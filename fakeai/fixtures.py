"""Loading objects a test starts from: assistants and threads (with messages) from a dict, or from
a JSON or YAML file (YAML needs PyYAML).

    fake_openai.load({"assistants": [{"id": "asst_support", "model": "gpt-4o", "name": "Support"}],
                      "threads": [{"id": "thread_demo", "messages": [{"role": "user", "content": "Hi"}]}]})

Each entry is the body of the create request (checked as the API checks it) plus an optional
``id`` to give the object a known id (with the right prefix). Nothing is stored unless everything
loads.
"""

from __future__ import annotations

import json
from pathlib import Path

from . import errors
from .resources.assistants import create_assistant
from .resources.paths import ID_PREFIXES
from .resources.threads import create_thread

KINDS = (("assistants", "CreateAssistantRequest", "assistant_id", create_assistant),
         ("threads", "CreateThreadRequest", "thread_id", create_thread))


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
    for kind, schema, id_name, create in KINDS:
        created[kind] = []
        for index, entry in enumerate(data.get(kind, [])):
            body = dict(entry)
            wanted = body.pop("id", None)
            if wanted is not None:
                if not str(wanted).startswith(ID_PREFIXES[id_name]):
                    raise errors.invalid_id_prefix(f"{kind}[{index}].id", wanted, ID_PREFIXES[id_name])
                if wanted in state.assistants or wanted in state.threads:
                    raise errors.BadRequestError(f"Invalid '{kind}[{index}].id': '{wanted}' is already taken.",
                                                 param=f"{kind}[{index}].id", code="invalid_value")
            obj = create(state, schemas.check_request(schema, body))
            if wanted is not None:
                rename(state, kind, obj, wanted)
            created[kind].append(obj["id"])
    return created


def rename(state, kind: str, obj: dict, wanted: str) -> None:
    """Give a just-created object the id the fixture asks for (and its messages their thread)."""
    if kind == "assistants":
        state.assistants.remove(obj["id"])
        obj["id"] = wanted
        state.assistants.add(obj)
        return
    record = state.threads.pop(obj["id"])
    obj["id"] = wanted
    for message in record.messages:
        message["thread_id"] = wanted
    state.threads[wanted] = record
