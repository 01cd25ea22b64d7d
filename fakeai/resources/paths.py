"""Path ids: their prefix rule (E26) and the 404 of each kind (E1-E5), written once.

Resolving happens before the body is read, so a request for a missing thread is a 404 even when
its body is also wrong (api-notes §10 precedence).
"""

from __future__ import annotations

from .. import errors
from ..store import State
from . import ingestion
from .files import get_file
from .run_engine import EVERY_RUN, advance_runs
from .uploads import get_upload
from .vector_stores import get_batch, get_vector_store, get_vector_store_file

#: What a path id must begin with (api-notes 1.4 and E26; F9 for vector stores).
ID_PREFIXES = {"assistant_id": "asst", "thread_id": "thread", "message_id": "msg", "run_id": "run",
               "step_id": "step", "vector_store_id": "vs", "file_id": "file"}


def check_prefixes(params: dict) -> None:
    for name, value in params.items():
        prefix = ID_PREFIXES.get(name)
        if prefix and not value.startswith(prefix):
            raise errors.invalid_id_prefix(name, value, prefix)


def found(kind: str, holder, object_id: str):
    """``holder.get(object_id)``, or the API's 404 for that kind of object."""
    obj = holder.get(object_id)
    if obj is None:
        raise errors.not_found(kind, object_id)
    return obj


def get_thread(state: State, thread_id: str):
    return found("thread", state.threads, thread_id)


def get_assistant(state: State, assistant_id: str) -> dict:
    return found("assistant", state.assistants, assistant_id)


def get_message(record, message_id: str) -> dict:
    """Messages are scoped to their thread: another thread's id is not found here."""
    return found("message", record.messages, message_id)


def get_run(record, run_id: str):
    """A run's RunProgress; runs are scoped to their thread."""
    return found("run", record.progress, run_id)


def get_step(progress, step_id: str) -> dict:
    return found("step", progress.steps, step_id)


def resolve(state: State, params: dict, *, reads_run: bool = False, reading: bool = False) -> dict:
    """Path params -> the objects they name, outermost first; raises the first 400/404.

    Naming a thread lets its active run move first (run_engine's progression), so what the
    request sees is the thread as it is now; ``reads_run`` counts the request as a read of the run.
    Naming a vector store lets its files' ingestion move the same way (``reading``: a read of it).
    Nothing moves for a request one of whose ids is not found: a refused request changes nothing.
    """
    check_prefixes(params)
    objects = look_up(state, params)  # moving changes objects in place and only adds new ones
    if "vector_store" in objects:
        ingestion.advance(state, objects["vector_store"], read=reading)
    elif "thread" in objects:
        advance_runs(state, objects["thread"], read_run=params.get("run_id", EVERY_RUN) if reads_run else None)
    return objects


def look_up(state: State, params: dict) -> dict:
    """The objects the path params name, outermost first, changing nothing; the first 404."""
    objects = {}
    if "vector_store_id" in params:
        record = objects["vector_store"] = get_vector_store(state, params["vector_store_id"])
        if "file_id" in params:
            objects["vector_store_file"] = get_vector_store_file(record, params["file_id"])
        if "batch_id" in params:
            objects["file_batch"] = get_batch(record, params["batch_id"])
        return objects
    if "file_id" in params:
        objects["file"] = get_file(state, params["file_id"])
    if "upload_id" in params:
        objects["upload"] = get_upload(state, params["upload_id"])
    if "assistant_id" in params:
        objects["assistant"] = get_assistant(state, params["assistant_id"])
    if "thread_id" in params:
        record = objects["thread"] = get_thread(state, params["thread_id"])
        if "message_id" in params:
            objects["message"] = get_message(record, params["message_id"])
        if "run_id" in params:
            objects["run"] = get_run(record, params["run_id"])
            if "step_id" in params:
                objects["step"] = get_step(objects["run"], params["step_id"])
    return objects
