"""HTTP face of the emulator: ONE url table, and the request pipeline every call goes through.

auth (401) -> route (404) -> beta header (400) -> path ids (400/404) -> query and body (400)
-> handler -> response checked against its schema -> headers.

``Application.handle`` works on plain request/response records so the in-process transport can
call it without building a WSGI environ; ``Application.__call__`` is the WSGI face for the server.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import parse_qsl

from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule

from . import errors
from .resources import assistants, messages, paths, runs, threads
from .store import State
from .streaming import RunStream
from .validation import Schemas, describe

log = logging.getLogger("fakeai")

API_PREFIX = "/v1"
BETA_HEADER_VALUE = "assistants=v2"


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


@dataclass
class RawRequest:
    method: str
    path: str
    query: str = ""
    headers: dict = field(default_factory=dict)  # lower-case names
    body: bytes = b""


@dataclass
class RawResponse:
    status: int
    headers: list
    body: bytes


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


class Application:
    """One emulator's HTTP interface. ``bugs`` decides what a fakeai bug does: 'raise' (in-process,
    so the test fails loudly) or 'respond' (server: a 500 that says so, and a log line)."""

    def __init__(self, state: State, schemas: Schemas, *, lock: threading.RLock | None = None,
                 api_keys=None, bugs: str = "raise", poll_after_ms: int = 1):
        self.state = state
        self.schemas = schemas
        self.lock = lock or threading.RLock()
        self.api_keys = set(api_keys) if api_keys else None
        self.bugs = bugs
        self.poll_after_ms = poll_after_ms
        self.problems: list[str] = []
        self.url_map = Map([Rule(API_PREFIX + r.path, endpoint=r, methods=[r.method]) for r in ROUTES],
                           strict_slashes=False, merge_slashes=False)
        self.urls = self.url_map.bind("api.openai.com")

    # --- pipeline -------------------------------------------------------------------------

    def handle(self, request: RawRequest) -> RawResponse:
        """The answer to one request. A streamed answer's body is an iterator of SSE bytes."""
        started = time.perf_counter()
        with self.lock:
            request_id = self.state.ids.request_id()
            try:
                status, body, extra = 200, *self.dispatch(request)
            except errors.APIError as error:
                status, body, extra = error.status, error.body(), error.headers
            except errors.EmulatorBug:
                raise
            except Exception as error:  # a bug in fakeai: never a traceback to the client
                status, body, extra = self.bug(f"{type(error).__name__}: {error}", error)
        if isinstance(body, Streamed):
            content_type, payload = "text/event-stream; charset=utf-8", RunStream(
                self.state, body.thread, body.progress, body.prelude, lock=self.lock,
                check=self.check_event)
        else:
            content_type, payload = "application/json", json.dumps(body, indent=2, ensure_ascii=False).encode()
        headers = [
            ("content-type", content_type),
            ("x-request-id", request_id),
            ("openai-version", "2020-10-01"),
            ("openai-processing-ms", str(int((time.perf_counter() - started) * 1000))),
            *extra.items(),
        ]
        return RawResponse(status, headers, payload)

    def dispatch(self, request: RawRequest) -> tuple[dict, dict]:
        """(body, extra headers) of a successful answer; raises the APIError of a refusal."""
        self.authenticate(request.headers.get("authorization"))
        route, params = self.route(request.method, request.path)
        if route.beta:
            check_beta_header(request.headers.get("openai-beta"))
        objects = paths.resolve(self.state, params, reads_run=route.reads_run)
        query = self.schemas.check_query(route.operation, parse_query(request.query)) \
            if f"parameters/{route.operation}.json" in self.schemas.documents else {}
        body = self.schemas.check_request(route.body, parse_body(request)) if route.body else {}
        result = route.handler(self.state, Call(params, objects, query, body))
        if route.response and not isinstance(result, Streamed):
            problem = self.schemas.contract_problem(route.response, result)
            if problem:
                raise self.bug_error(problem)
        return result, ({"openai-poll-after-ms": str(self.poll_after_ms)} if route.polled else {})

    def authenticate(self, header: str | None) -> None:
        if not header or not header.startswith("Bearer"):
            raise errors.missing_api_key()
        key = header[len("Bearer"):].strip()
        if not key or (self.api_keys is not None and key not in self.api_keys):
            raise errors.incorrect_api_key(key)

    def route(self, method: str, path: str):
        try:
            return self.urls.match(path, method=method)
        except (NotFound, MethodNotAllowed):
            if path.startswith(API_PREFIX + "/"):
                raise errors.invalid_url(method, path) from None
            raise errors.unknown_url(method, path) from None

    def check_event(self, schema: str, data: dict) -> None:
        """Each streamed event is checked like any other answer before it is written."""
        problem = self.schemas.contract_problem(schema, data)
        if problem:
            error = self.bug_error(f"stream event: {problem}")
            if isinstance(error, BaseException) and not isinstance(error, errors.APIError):
                raise error
            raise StreamBroken(error)

    # --- fakeai's own bugs ----------------------------------------------------------------

    def bug_error(self, detail: str) -> Exception:
        self.problems.append(detail)
        log.error("fakeai bug: %s", detail)
        if self.bugs == "raise":
            return errors.ContractViolation(detail)
        return errors.contract_violation(detail)

    def bug(self, detail: str, cause: Exception):
        self.problems.append(detail)
        log.exception("fakeai bug: %s", detail, exc_info=cause)
        if self.bugs == "raise":
            raise errors.EmulatorBug(detail) from cause
        error = errors.internal_error()
        return error.status, error.body(), error.headers

    # --- WSGI -----------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        length = environ.get("CONTENT_LENGTH") or "0"
        headers = {key[5:].replace("_", "-").lower(): value
                   for key, value in environ.items() if key.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        request = RawRequest(
            method=environ["REQUEST_METHOD"],
            path=environ.get("PATH_INFO", "/"),
            query=environ.get("QUERY_STRING", ""),
            headers=headers,
            body=environ["wsgi.input"].read(int(length)) if length.isdigit() and int(length) else b"",
        )
        response = self.handle(request)
        start_response(f"{response.status} {STATUS_TEXT.get(response.status, '')}".strip(),
                       response.headers)
        if isinstance(response.body, bytes):
            return [response.body]
        return server_stream(response.body)


class StreamBroken(Exception):
    """A server stream cannot turn into a 500 once it has begun: it ends with an error event."""

    def __init__(self, error: errors.APIError):
        super().__init__(error.message)
        self.error = error


def server_stream(events):
    """A stream over HTTP: a fakeai bug mid-stream becomes an ``error`` event, then the end."""
    try:
        yield from events
    except StreamBroken as broken:
        yield (f"event: error\ndata: {json.dumps(broken.error.body())}\n\n").encode()


STATUS_TEXT = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
               409: "Conflict", 429: "Too Many Requests", 500: "Internal Server Error",
               503: "Service Unavailable"}


def check_beta_header(value: str | None) -> None:
    if not value:
        raise errors.missing_beta_header()
    versions = [part.strip() for part in value.split(",")]
    if BETA_HEADER_VALUE in versions:
        return
    if "assistants=v1" in versions:
        raise errors.v1_beta_header()
    raise errors.missing_beta_header()


def parse_query(query: str) -> MultiDict:
    return MultiDict(parse_qsl(query, keep_blank_values=True))


def reject_constant(name: str):
    """NaN and Infinity are not JSON, though Python's json module writes and reads them."""
    raise ValueError(f"{name} is not valid JSON")


def parse_body(request: RawRequest) -> dict:
    """The JSON object a request carries; an empty body is an empty object (``-d ''`` works)."""
    if not request.body.strip():
        return {}
    content_type = request.headers.get("content-type", "")
    if content_type and "json" not in content_type.lower():
        raise errors.unsupported_content_type(content_type)
    try:
        body = json.loads(request.body, parse_constant=reject_constant)
    except (ValueError, UnicodeDecodeError):
        raise errors.invalid_json() from None
    if not isinstance(body, dict):
        raise errors.body_not_an_object(describe(body))
    return body
