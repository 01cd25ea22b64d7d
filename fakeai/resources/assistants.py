"""Assistants: create, list, retrieve, modify, delete."""

from __future__ import annotations

from .. import errors
from ..store import State
from .common import metadata
from .references import check_references, tool_resources
from .listing import list_page

#: Settings an assistant echoes when the request leaves them out (spec examples, api-notes 2.3).
DEFAULTS = {"name": None, "description": None, "instructions": None, "tools": [], "temperature": 1.0,
            "top_p": 1.0, "response_format": "auto", "reasoning_effort": None}


def check_model(state: State, model: str) -> None:
    if model in state.other_models:
        raise errors.model_not_for_assistants(model)
    if model not in state.models:
        raise errors.model_not_found(model)


def stored_tool(tool: dict) -> dict:
    """Function tools echo ``strict: false`` when the caller left it out (api-notes 2.3)."""
    if tool["type"] != "function":
        return dict(tool)
    function = dict(tool["function"])
    if function.get("strict") is None:
        function["strict"] = False
    return {"type": "function", "function": function}


#: The empty resource list an enabled tool shows when none was given: observed for
#: code_interpreter (api-notes 2.3, WSO2 capture) and in the spec's modify-assistant example for
#: file_search.
EMPTY_TOOL_RESOURCES = {"code_interpreter": ("file_ids", []), "file_search": ("vector_store_ids", [])}


def with_enabled_tools(resources: dict, tools: list) -> dict:
    for tool in tools:
        if tool["type"] in EMPTY_TOOL_RESOURCES and tool["type"] not in resources:
            key, empty = EMPTY_TOOL_RESOURCES[tool["type"]]
            resources[tool["type"]] = {key: list(empty)}
    return resources


def create_assistant(state: State, body: dict) -> dict:
    check_model(state, body["model"])
    check_references(state, body)
    settings = {**DEFAULTS, **body}
    tools = [stored_tool(tool) for tool in settings["tools"]]
    return state.assistants.add({
        "id": state.ids.new("asst_"),
        "object": "assistant",
        "created_at": state.clock.now(),
        "name": settings["name"],
        "description": settings["description"],
        "model": body["model"],
        "instructions": settings["instructions"],
        "tools": tools,
        "tool_resources": with_enabled_tools(tool_resources(state, body.get("tool_resources")), tools),
        "metadata": metadata(body.get("metadata")),
        "top_p": float(settings["top_p"]),
        "temperature": float(settings["temperature"]),
        "response_format": settings["response_format"],
        "reasoning_effort": settings["reasoning_effort"],
    })


def list_assistants(state: State, query: dict) -> dict:
    return list_page(state.assistants, query)


def modify_assistant(state: State, assistant: dict, body: dict) -> dict:
    """What the request gives replaces the stored value; everything else is kept. Checked first,
    changed after, so a refused request changes nothing."""
    if "model" in body:
        check_model(state, body["model"])
    check_references(state, body)
    changes = dict(body)
    if "tools" in changes:
        changes["tools"] = [stored_tool(tool) for tool in changes["tools"]]
    if "tool_resources" in changes or "tools" in changes:
        resources = (tool_resources(state, changes["tool_resources"]) if "tool_resources" in changes
                     else assistant["tool_resources"])
        changes["tool_resources"] = with_enabled_tools(resources, changes.get("tools", assistant["tools"]))
    if "metadata" in changes:
        changes["metadata"] = metadata(changes["metadata"])
    for key in ("temperature", "top_p"):
        if key in changes:
            changes[key] = float(changes[key])
    assistant.update(changes)
    return assistant


def delete_assistant(state: State, assistant: dict) -> dict:
    """Threads are not touched: they never belonged to the assistant."""
    state.assistants.remove(assistant["id"])
    return {"id": assistant["id"], "object": "assistant.deleted", "deleted": True}
