"""Runs and run steps: create (also with a new thread), list, retrieve, modify, cancel, submit tool
outputs; steps list and retrieve. The state machine itself is run_engine.py; path lookups (and the
progress a touch of the thread allows) are paths.py."""

from __future__ import annotations

from .. import errors
from ..store import State
from .assistants import check_model, stored_tool
from .common import metadata
from .listing import list_page
from .messages import new_message
from .paths import get_assistant
from .references import check_references, index_attachments, tool_resources
from .run_engine import Machine, RunProgress, refuse_if_active, take_plan
from .threads import create_thread, delete_thread
from .vector_stores import delete_vector_store

#: How long a run may wait before it expires (api-notes 5.4: expires_at = created_at + 600).
RUN_LIFETIME = 600
#: Joins a run's instructions and ``additional_instructions`` (unverified: api-notes open question 7).
INSTRUCTIONS_SEPARATOR = "\n\n"
FILE_SEARCH_CONTENT = "step_details.tool_calls[*].file_search.results[*].content"


def first_given(*values):
    """The first value that is not None (0 is a value: a temperature of 0 stays 0)."""
    return next(value for value in values if value is not None)


def resolved_settings(state: State, assistant: dict, body: dict) -> dict:
    """The run's snapshot of its settings: the request's, else the assistant's, else the defaults."""
    if body.get("model"):
        check_model(state, body["model"])
    instructions = body["instructions"] if "instructions" in body else (assistant["instructions"] or "")
    if body.get("additional_instructions"):
        instructions = INSTRUCTIONS_SEPARATOR.join(filter(None, [instructions, body["additional_instructions"]]))
    tools = ([stored_tool(tool) for tool in body["tools"]] if "tools" in body
             else [dict(tool) for tool in assistant["tools"]])
    return {
        "model": body.get("model") or assistant["model"],
        "instructions": instructions,
        "tools": tools,
        "temperature": float(first_given(body.get("temperature"), assistant.get("temperature"), 1.0)),
        "top_p": float(first_given(body.get("top_p"), assistant.get("top_p"), 1.0)),
        "response_format": body.get("response_format", assistant.get("response_format") or "auto"),
        "tool_choice": body.get("tool_choice", "auto"),
        "truncation_strategy": {"type": "auto", "last_messages": None, **body.get("truncation_strategy", {})},
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "max_prompt_tokens": body.get("max_prompt_tokens"),
        "max_completion_tokens": body.get("max_completion_tokens"),
        "reasoning_effort": body.get("reasoning_effort", assistant.get("reasoning_effort")),
    }


def start_run(state: State, record, assistant: dict, settings: dict, body: dict,
              tool_resources: dict | None = None) -> dict:
    """The run object as the create response shows it: queued, expiring in RUN_LIFETIME seconds.
    ``tool_resources``: the run's own (create-thread-and-run's), which the run object shows."""
    now = state.clock.now()
    run = {
        "id": state.ids.new("run_"),
        "object": "thread.run",
        "created_at": now,
        "assistant_id": assistant["id"],
        "thread_id": record.thread["id"],
        "status": "queued",
        "started_at": None,
        "expires_at": now + RUN_LIFETIME,
        "cancelled_at": None,
        "failed_at": None,
        "completed_at": None,
        "required_action": None,
        "last_error": None,
        "model": settings["model"],
        "instructions": settings["instructions"],
        "tools": settings["tools"],
        "metadata": metadata(body.get("metadata")),
        "incomplete_details": None,
        "usage": None,
        "temperature": settings["temperature"],
        "top_p": settings["top_p"],
        "max_prompt_tokens": settings["max_prompt_tokens"],
        "max_completion_tokens": settings["max_completion_tokens"],
        "truncation_strategy": settings["truncation_strategy"],
        "response_format": settings["response_format"],
        "tool_choice": settings["tool_choice"],
        "parallel_tool_calls": settings["parallel_tool_calls"],
        # Not in the spec's RunObject, but in every recorded v2 run (api-notes §14.3).
        "reasoning_effort": settings["reasoning_effort"],
        "tool_resources": tool_resources or {},
    }
    plan, progression = take_plan(state, run)
    record.runs.add(run)
    record.progress[run["id"]] = RunProgress(run, plan, since=now, progression=progression)
    return run


def create_run(state: State, record, body: dict) -> dict:
    """Refused while another run is active (E7); additional_messages join the thread first."""
    refuse_if_active(record, errors.thread_has_active_run)
    assistant = get_assistant(state, body["assistant_id"])
    settings = resolved_settings(state, assistant, body)
    requests = body.get("additional_messages") or []
    for index, request in enumerate(requests):
        check_references(state, request, f"additional_messages[{index}]")
    added = [record.messages.add(new_message(state, record.thread["id"], request, state.clock.now()))
             for request in requests]
    index_attachments(state, record.thread, added)
    return start_run(state, record, assistant, settings, body)


def create_thread_and_run(state: State, body: dict) -> dict:
    """The top-level tool_resources go to the new thread unless it brings its own."""
    assistant = get_assistant(state, body["assistant_id"])
    settings = resolved_settings(state, assistant, body)
    check_references(state, {"tool_resources": body.get("tool_resources")})
    check_references(state, body.get("thread") or {}, "thread")
    thread_request = dict(body.get("thread") or {})
    if body.get("tool_resources") and "tool_resources" not in thread_request:
        thread_request["tool_resources"] = body["tool_resources"]
    stores_before = set(state.store_records)
    thread = create_thread(state, thread_request)
    try:
        return start_run(state, state.threads[thread["id"]], assistant, settings, body,
                         tool_resources(state, body.get("tool_resources")))
    except BaseException:  # a script this run cannot follow: no half-written thread is left behind
        forget_created(state, thread["id"], set(state.store_records) - stores_before)
        raise


def forget_created(state: State, thread_id: str, store_ids: set) -> None:
    """Undo a create-thread-and-run that failed: its thread, and the vector stores made for it."""
    delete_thread(state, state.threads[thread_id])
    for store_id in store_ids:
        delete_vector_store(state, state.store_records[store_id])


def list_runs(record, query: dict) -> dict:
    return list_page(record.runs, query)


def modify_run(progress, body: dict) -> dict:
    """Metadata only; allowed on terminal runs too (api-notes 5.1)."""
    if "metadata" in body:
        progress.run["metadata"] = metadata(body["metadata"])
    return progress.run


def cancel_run(state: State, record, progress) -> dict:
    if progress.run["status"] not in ("queued", "in_progress", "requires_action"):
        raise errors.cannot_cancel(progress.run["status"])
    Machine(state, record, progress).cancel()
    return progress.run


def submit_tool_outputs(state: State, record, progress, body: dict) -> dict:
    """All outputs at once, exactly the waiting call ids (E8, E9); the run goes back to queued."""
    run = progress.run
    if run["status"] != "requires_action":
        raise errors.run_does_not_accept_tool_outputs(run["status"])
    expected = [call["id"] for call in run["required_action"]["submit_tool_outputs"]["tool_calls"]]
    given = [output["tool_call_id"] for output in body["tool_outputs"]]
    if sorted(given) != sorted(expected):
        raise errors.tool_outputs_mismatch(expected, given)
    Machine(state, record, progress).submit(
        {output["tool_call_id"]: output.get("output", "") for output in body["tool_outputs"]})
    return run


def list_steps(progress, query: dict) -> dict:
    page = list_page(progress.steps, query)
    page["data"] = [with_included(step, query) for step in page["data"]]
    return page


def with_included(step: dict, query: dict) -> dict:
    """File search results carry their content only when ``include[]`` asks for it."""
    if step["type"] != "tool_calls" or FILE_SEARCH_CONTENT in query.get("include[]", ()):
        return step
    calls = step["step_details"]["tool_calls"]
    if not any(call["type"] == "file_search" for call in calls):
        return step
    trimmed = [{**call, "file_search": {**call["file_search"], "results": [
        {key: value for key, value in result.items() if key != "content"}
        for result in call["file_search"]["results"]]}} if call["type"] == "file_search" else call
        for call in calls]
    return {**step, "step_details": {**step["step_details"], "tool_calls": trimmed}}
