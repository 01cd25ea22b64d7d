"""The API surface: ONE url table, in the order of the API reference, and the glue that hands each
route's checked request to its resource function. Nothing here knows HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from . import errors
from .resources import assistants, messages, runs, threads

API_PREFIX = "/v1"


@dataclass
class Streamed:
    """A handler's answer to ``stream: true``: the run to drive and the events already past."""

    thread: object
    progress: object
    prelude: list


def streamed_if_asked(call, record, run: dict, prelude: list):
    """The run itself, or, for ``stream: true``, the stream of it (the engine starts recording)."""
    if not call.body.get("stream"):
        return run
    progress = record.progress[run["id"]]
    if progress.events is None:
        progress.events = []
    return Streamed(record, progress, prelude)


@dataclass
class Call:
    """A request once the pipeline has checked it: what a handler gets."""

    params: dict
    objects: dict
    query: dict
    body: dict


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    operation: str  # the spec's operationId; names parameters/<operation>.json
    handler: Callable
    response: str | None = None  # response schema component
    body: str | None = None  # request body schema component
    beta: bool = True
    reads_run: bool = False  # counts as a read of the run (reads:N progression)
    polled: bool = False  # answers carry openai-poll-after-ms (the SDK's poll helpers obey it)


def create_assistant(state, call):
    return assistants.create_assistant(state, call.body)


def list_assistants(state, call):
    return assistants.list_assistants(state, call.query)


def retrieve_assistant(state, call):
    return call.objects["assistant"]


def modify_assistant(state, call):
    return assistants.modify_assistant(state, call.objects["assistant"], call.body)


def delete_assistant(state, call):
    return assistants.delete_assistant(state, call.objects["assistant"])


def create_thread(state, call):
    return threads.create_thread(state, call.body)


def retrieve_thread(state, call):
    return threads.retrieve_thread(call.objects["thread"])


def modify_thread(state, call):
    return threads.modify_thread(state, call.objects["thread"], call.body)


def delete_thread(state, call):
    return threads.delete_thread(state, call.objects["thread"])


def list_threads(state, call):
    raise errors.listing_threads_needs_session_key()


def create_message(state, call):
    return messages.create_message(state, call.objects["thread"], call.body)


def list_messages(state, call):
    return messages.list_messages(call.objects["thread"], call.query)


def retrieve_message(state, call):
    return call.objects["message"]


def modify_message(state, call):
    return messages.modify_message(call.objects["message"], call.body)


def delete_message(state, call):
    return messages.delete_message(call.objects["thread"], call.objects["message"])


def create_run(state, call):
    run = runs.create_run(state, call.objects["thread"], call.body)
    return streamed_if_asked(call, call.objects["thread"], run,
                             [("thread.run.created", run), ("thread.run.queued", run)])


def create_thread_and_run(state, call):
    run = runs.create_thread_and_run(state, call.body)
    record = state.threads[run["thread_id"]]
    return streamed_if_asked(call, record, run, [("thread.created", record.thread),
                                                 ("thread.run.created", run), ("thread.run.queued", run)])


def list_runs(state, call):
    return runs.list_runs(call.objects["thread"], call.query)


def retrieve_run(state, call):
    return call.objects["run"].run


def modify_run(state, call):
    return runs.modify_run(call.objects["run"], call.body)


def cancel_run(state, call):
    return runs.cancel_run(state, call.objects["thread"], call.objects["run"])


def submit_tool_outputs(state, call):
    if call.body.get("stream"):
        call.objects["run"].events = []  # the step completing and the run queueing are streamed too
    run = runs.submit_tool_outputs(state, call.objects["thread"], call.objects["run"], call.body)
    return streamed_if_asked(call, call.objects["thread"], run, [])


def list_run_steps(state, call):
    return runs.list_steps(call.objects["run"], call.query)


def retrieve_run_step(state, call):
    return runs.with_included(call.objects["step"], call.query)


#: The API surface, in the order of the API reference.
ROUTES = (
    Route("POST", "/assistants", "createAssistant", create_assistant, "AssistantObject",
          "CreateAssistantRequest"),
    Route("GET", "/assistants", "listAssistants", list_assistants, "ListAssistantsResponse"),
    Route("GET", "/assistants/<assistant_id>", "getAssistant", retrieve_assistant, "AssistantObject"),
    Route("POST", "/assistants/<assistant_id>", "modifyAssistant", modify_assistant, "AssistantObject",
          "ModifyAssistantRequest"),
    Route("DELETE", "/assistants/<assistant_id>", "deleteAssistant", delete_assistant,
          "DeleteAssistantResponse"),
    Route("POST", "/threads", "createThread", create_thread, "ThreadObject", "CreateThreadRequest"),
    Route("GET", "/threads", "listThreads", list_threads, beta=False),
    Route("GET", "/threads/<thread_id>", "getThread", retrieve_thread, "ThreadObject"),
    Route("POST", "/threads/<thread_id>", "modifyThread", modify_thread, "ThreadObject",
          "ModifyThreadRequest"),
    Route("DELETE", "/threads/<thread_id>", "deleteThread", delete_thread, "DeleteThreadResponse"),
    Route("POST", "/threads/<thread_id>/messages", "createMessage", create_message, "MessageObject",
          "CreateMessageRequest"),
    Route("GET", "/threads/<thread_id>/messages", "listMessages", list_messages, "ListMessagesResponse"),
    Route("GET", "/threads/<thread_id>/messages/<message_id>", "getMessage", retrieve_message,
          "MessageObject"),
    Route("POST", "/threads/<thread_id>/messages/<message_id>", "modifyMessage", modify_message,
          "MessageObject", "ModifyMessageRequest"),
    Route("DELETE", "/threads/<thread_id>/messages/<message_id>", "deleteMessage", delete_message,
          "DeleteMessageResponse"),
    Route("POST", "/threads/runs", "createThreadAndRun", create_thread_and_run, "RunObject",
          "CreateThreadAndRunRequest", polled=True),
    Route("POST", "/threads/<thread_id>/runs", "createRun", create_run, "RunObject", "CreateRunRequest",
          polled=True),
    Route("GET", "/threads/<thread_id>/runs", "listRuns", list_runs, "ListRunsResponse"),
    Route("GET", "/threads/<thread_id>/runs/<run_id>", "getRun", retrieve_run, "RunObject",
          reads_run=True, polled=True),
    Route("POST", "/threads/<thread_id>/runs/<run_id>", "modifyRun", modify_run, "RunObject",
          "ModifyRunRequest", polled=True),
    Route("POST", "/threads/<thread_id>/runs/<run_id>/cancel", "cancelRun", cancel_run, "RunObject",
          polled=True),
    Route("POST", "/threads/<thread_id>/runs/<run_id>/submit_tool_outputs", "submitToolOuputsToRun",
          submit_tool_outputs, "RunObject", "SubmitToolOutputsRunRequest", polled=True),
    Route("GET", "/threads/<thread_id>/runs/<run_id>/steps", "listRunSteps", list_run_steps,
          "ListRunStepsResponse"),
    Route("GET", "/threads/<thread_id>/runs/<run_id>/steps/<step_id>", "getRunStep", retrieve_run_step,
          "RunStepObject"),
)


