"""Path ids: their prefix rule (E26) and the 404 of each kind (E1-E5), written once.

Resolving happens before the body is read, so a request for a missing thread is a 404 even when
its body is also wrong (api-notes §10 precedence).
"""

from __future__ import annotations

from .. import errors
from ..store import State

#: What a path id must begin with (api-notes 1.4 and E26).
ID_PREFIXES = {"assistant_id": "asst", "thread_id": "thread", "message_id": "msg", "run_id": "run",
               "step_id": "step"}


def check_prefixes(params: dict) -> None:
    for name, value in params.items():
        prefix = ID_PREFIXES.get(name)
        if prefix and not value.startswith(prefix):
            raise errors.invalid_id_prefix(name, value, prefix)


def get_thread(state: State, thread_id: str):
    record = state.threads.get(thread_id)
    if record is None:
        raise errors.not_found("thread", thread_id)
    return record


def get_assistant(state: State, assistant_id: str) -> dict:
    assistant = state.assistants.get(assistant_id)
    if assistant is None:
        raise errors.not_found("assistant", assistant_id)
    return assistant


def get_message(record, message_id: str) -> dict:
    """Messages are scoped to their thread: another thread's id is not found here."""
    message = record.messages.get(message_id)
    if message is None:
        raise errors.not_found("message", message_id)
    return message


def resolve(state: State, params: dict) -> dict:
    """Path params -> the objects they name, outermost first; raises the first 400/404."""
    check_prefixes(params)
    found = {}
    if "assistant_id" in params:
        found["assistant"] = get_assistant(state, params["assistant_id"])
    if "thread_id" in params:
        found["thread"] = get_thread(state, params["thread_id"])
        if "message_id" in params:
            found["message"] = get_message(found["thread"], params["message_id"])
    return found
