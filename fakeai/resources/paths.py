"""Path ids: their prefix rule (E26) and the 404 of each kind (E1-E5), written once.

Resolving happens before the body is read, so a request for a missing thread is a 404 even when
its body is also wrong (api-notes §10 precedence).
"""

from __future__ import annotations

from .. import errors
from ..store import State
from .run_engine import advance_runs

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


def get_run(record, run_id: str):
    """A run's RunProgress; runs are scoped to their thread."""
    progress = record.progress.get(run_id)
    if progress is None:
        raise errors.not_found("run", run_id)
    return progress


def get_step(progress, step_id: str) -> dict:
    step = progress.steps.get(step_id)
    if step is None:
        raise errors.not_found("step", step_id)
    return step


def resolve(state: State, params: dict, *, reads_run: bool = False) -> dict:
    """Path params -> the objects they name, outermost first; raises the first 400/404.

    Naming a thread lets its active run move first (run_engine's progression), so what the
    request sees is the thread as it is now; ``reads_run`` counts the request as a read of the run.
    """
    check_prefixes(params)
    found = {}
    if "assistant_id" in params:
        found["assistant"] = get_assistant(state, params["assistant_id"])
    if "thread_id" in params:
        record = found["thread"] = get_thread(state, params["thread_id"])
        advance_runs(state, record, read_run=params.get("run_id") if reads_run else None)
        if "message_id" in params:
            found["message"] = get_message(record, params["message_id"])
        if "run_id" in params:
            found["run"] = get_run(record, params["run_id"])
            if "step_id" in params:
                found["step"] = get_step(found["run"], params["step_id"])
    return found
