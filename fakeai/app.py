"""HTTP face of the emulator: the request pipeline every call goes through (the URL table is
routes.py).

tenant -> journal -> a body that did not arrive whole (400) or is over its limit (413) -> injected
fault -> auth (401) -> route (404) -> beta header (400) -> path ids (400/404) -> query and body (400)
-> handler -> response checked against its schema -> headers.

On a namespaced (shared) server a key is checked first: a refused key gets its 401 without a
tenant of its own and is journaled nowhere (see tenants.py). Each tenant has its own lock; the
body is parsed and an injected latency slept before it is taken, and the answer (JSON or the
first events of a stream) is encoded while it is held, so it shows the state as it was.

``Application.handle`` works on plain request/response records so the in-process transport can
call it without building a WSGI environ; ``Application.__call__`` is the WSGI face for the server.
Both go through ``handle``, which is where a recording of the traffic hooks in (``record_with``).
"""

from __future__ import annotations

import functools
import io
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import parse_qsl

from werkzeug.datastructures import MultiDict
from werkzeug.formparser import MultiPartParser
from werkzeug.http import parse_options_header

from . import errors, jsonbody, strictjson
from .actions import ScriptError
from .credentials import bearer_key
from .faults import apply_latency
from .journal import Entry, masked
from .resources import paths
from .router import Router, decoded_path
from .routes import API_PREFIX, Binary, Call, FilePart, Streamed
from .store import State
from .streaming import DEFAULT_CHUNK_SIZE, RunStream
from .tenants import Tenant, Tenants
from .validation import Schemas, describe
from .wsgibody import BodyRefused, BodyTooLarge, read_body

log = logging.getLogger("fakeai")

BETA_HEADER_VALUE = "assistants=v2"
#: Room a multipart body needs beyond its file: boundaries, part headers, the other fields.
FORM_MARGIN = 1024 * 1024
#: The largest JSON body by default (``fakeai serve --max-body``): 25 MiB, the one request size limit
#: of the API on record (an oversized upload's 413, errors.body_too_large); the Assistants endpoints'
#: own limit is not on record. Far above the largest body the schemas allow in practice, far below
#: an upload's.
MAX_JSON_BODY = 25 * 1024 * 1024


#: ``handle`` was not told the request's route: it looks it up.
NOT_MATCHED = object()


@dataclass
class RawRequest:
    method: str
    path: str
    query: str = ""
    headers: dict = field(default_factory=dict)  # lower-case names
    body: bytes = b""
    #: Length of a body that was not read (or read only up to the limit) because it was larger than
    #: its endpoint accepts.
    withheld: int = 0
    #: Why the body could not be read whole (a bad Content-Length, a client gone mid-body): the
    #: answer, given before anything else is done.
    refused: errors.APIError | None = None


@dataclass
class RawResponse:
    status: int
    headers: list
    body: bytes


class Application:
    """One emulator's HTTP interface.

    new_tenant  makes the state of a new tenant (the emulator's options, a fresh seeded state)
    namespaced  one tenant per accepted API key and project (the server) or one for all (in-process)
    tenant_ttl  seconds after which a namespaced tenant nobody used is forgotten (None: never)
    bugs        what a fakeai bug does: 'raise' (in-process, so the test fails loudly) or
                'respond' (server: a 500 that says so, and a log line)
    max_body    the largest JSON body (MAX_JSON_BODY by default); uploads are bounded by the file limit
    """

    def __init__(self, new_tenant: Callable[[], Tenant], schemas: Schemas, *,
                 api_keys=None, bugs: str = "raise", poll_after_ms: int = 1, namespaced: bool = False,
                 tenant_ttl: float | None = None,
                 stream_chunk_size: int = DEFAULT_CHUNK_SIZE, max_request_bytes: int = 0, max_body: int = 0):
        self.new_tenant = new_tenant
        self.schemas = schemas
        self.api_keys = set(api_keys) if api_keys else None
        self.bugs = bugs
        self.poll_after_ms = poll_after_ms
        self.namespaced = namespaced
        self.stream_chunk_size = stream_chunk_size
        self.default = new_tenant()
        #: Bodies longer than this are not read (the largest file, plus room for the form around it).
        self.max_request_bytes = max_request_bytes or self.default.state.max_file_bytes + FORM_MARGIN
        self.max_body = max_body or MAX_JSON_BODY
        self.tenants = Tenants(new_tenant, ttl=tenant_ttl)
        self.problems: list[str] = []
        self.router = Router()
        self.admin = None  # set by fakeai.admin.Admin when the admin API is mounted

    def tenant_for(self, key: str | None, project: str | None) -> Tenant:
        if not self.namespaced or not key:
            return self.default
        return self.tenants.get(key, project)

    def accepts(self, key: str | None) -> bool:
        return bool(key) and (self.api_keys is None or key in self.api_keys)

    @property
    def lock(self) -> threading.RLock:
        """The default tenant's lock: all of the state in-process (each namespaced tenant has its own)."""
        return self.default.lock

    @property
    def state(self) -> State:
        return self.default.state

    def record_with(self, wrap: Callable) -> None:
        """Send every request and its answer to a recorder from now on (fakeai/contract/recording.py):
        ``wrap(app, handle)`` gives the ``handle`` that both faces call. An application nobody records
        keeps the plain method, so recording costs nothing while it is off."""
        if "handle" in vars(self):
            raise RuntimeError("this application is already being recorded")
        self.handle = wrap(self, self.handle)

    # --- pipeline -------------------------------------------------------------------------

    def handle(self, request: RawRequest, matched=NOT_MATCHED) -> RawResponse:
        """The answer to one request. A streamed answer's body is an iterator of SSE bytes.
        ``matched``: what ``match`` gave for the request, when the caller already asked."""
        if self.admin is not None and self.admin.owns(request.path):
            return self.admin.handle(request)
        started = time.perf_counter()
        key = bearer_key(request.headers.get("authorization"))
        accepted = self.accepts(key)
        if self.namespaced and not accepted:
            return self.refused(request, key, started)
        tenant = self.tenant_for(key, request.headers.get("openai-project"))
        if matched is NOT_MATCHED:
            matched = self.match(request.method, request.path)
        refusal = request.refused or self.oversized(request, matched)  # such a body is never parsed
        body = self.parsed_body(request, matched) if accepted and refusal is None else None
        with tenant.lock:
            entry = Entry(request.method, request.path, request.query, masked(request.headers),
                          b"" if is_multipart(request) else request.body, tenant.state.clock.now(),
                          tenant.state.ids.request_id())
            tenant.journal.append(entry)
            entry.operation = matched[0].operation if matched else None
            fault = tenant.faults.take(request.method, request.path) \
                if tenant.faults.pending and refusal is None else None
        if fault is not None and fault.sleep:
            apply_latency(fault, None)  # a real sleep, holding no lock: other requests go on
        with tenant.lock:
            state = tenant.state
            try:
                if refusal is not None:  # a body that did not arrive whole, or too large: not executed
                    raise refusal
                if fault is not None:
                    if not fault.sleep:
                        apply_latency(fault, state.clock)
                    if fault.status is not None:
                        raise fault.error(key or "", request.method, request.path,
                                          model=model_named(state, request), request_id=entry.request_id)
                status, answer, extra = 200, *self.dispatch(state, request, key, matched, entry, body)
            except errors.APIError as error:
                status, answer, extra = error.status, error.body(), error.headers
            except ScriptError as error:  # the test's own mistake, never counted as a fakeai bug
                if self.bugs == "raise":
                    raise
                status, answer, extra = self.script_error(tenant, error)
            except errors.EmulatorBug as error:  # a contract violation
                if self.bugs == "raise":
                    raise
                status, answer, extra = self.bug(f"{type(error).__name__}: {error}", error)
            except Exception as error:  # a bug in fakeai: never a traceback to the client
                status, answer, extra = self.bug(f"{type(error).__name__}: {error}", error)
            entry.status = status
            # Encoded now, under the lock: another request may change these objects next.
            if isinstance(answer, Streamed):
                entry.streams()
                content_type, payload = "text/event-stream; charset=utf-8", RunStream(
                    state, answer.thread, answer.progress, answer.prelude, lock=tenant.lock,
                    check=self.check_event, record=entry.record_event,
                    cut_after=fault.cut_stream_after if fault else None,
                    chunk_size=self.stream_chunk_size, query=answer.query)
            elif isinstance(answer, Binary):  # a download: the bytes as stored, never copied into the journal
                content_type, payload = "application/octet-stream", answer.data
                extra = {"content-disposition": f'attachment; filename="{answer.filename}"'}
                entry.raw_response = json.dumps({"bytes": len(answer.data), "filename": answer.filename}).encode()
            else:
                content_type = "application/json"
                payload = jsonbody.indented(answer)
                entry.raw_response = payload
        return RawResponse(status, self.headers(content_type, entry.request_id, started, extra), payload)

    @staticmethod
    def headers(content_type: str, request_id: str, started: float, extra: dict) -> list:
        return [
            ("content-type", content_type),
            ("x-request-id", request_id),
            ("openai-version", "2020-10-01"),
            ("openai-processing-ms", str(int((time.perf_counter() - started) * 1000))),
            *extra.items(),
        ]

    def refused(self, request: RawRequest, key: str | None, started: float) -> RawResponse:
        """A namespaced request without an accepted key: its 401, with no tenant made for the key
        and no journal entry (no tenant's journal is its own; a wrong key costs nothing that stays)."""
        with self.default.lock:
            request_id = self.default.state.ids.request_id()
        try:
            self.authenticate(request.headers.get("authorization"), key)
            raise AssertionError("refused() is for keys authenticate() refuses")
        except errors.APIError as error:
            payload = jsonbody.indented(error.body())
            return RawResponse(error.status, self.headers("application/json", request_id, started, error.headers),
                               payload)

    def parsed_body(self, request: RawRequest, matched) -> "Deferred | None":
        """The request's body, parsed (and a JSON body checked against its schema) before any lock is
        taken, so a big body delays no one else; a refusal waits for its turn in the pipeline."""
        if matched is None:
            return None
        route = matched[0]
        if route.form:
            return None if request.withheld else Deferred(lambda: parse_form(request))
        if route.body:
            return Deferred(lambda: self.schemas.check_request(route.body, parse_body(request)))
        return None

    def checked_form(self, state: State, route, request: RawRequest, entry: Entry,
                     form: "Deferred | None") -> tuple[dict, dict]:
        """(body, file parts) of a multipart upload. The journal keeps a summary (each file's name and
        size), never the bytes; a body over the size limit is refused without being read (F7)."""
        if request.withheld:
            raise errors.file_too_large(request.withheld, state.max_file_bytes)
        fields, files = form.get() if form is not None else parse_form(request)
        submitted = form_fields(self.schemas, route, fields, files)
        entry.raw_body = json.dumps(form_summary(fields, files)).encode()
        return self.schemas.check_form(route.body, submitted), files

    def dispatch(self, state: State, request: RawRequest, key: str | None, matched,
                 entry: Entry, parsed: "Deferred | None" = None) -> tuple[dict, dict]:
        """(body, extra headers) of a successful answer; raises the APIError of a refusal."""
        self.authenticate(request.headers.get("authorization"), key)
        if matched is None:
            if request.path.startswith(API_PREFIX + "/"):
                raise errors.invalid_url(request.method, request.path)
            raise errors.unknown_url(request.method, request.path)
        route, params = matched
        if route.beta:
            check_beta_header(request.headers.get("openai-beta"))
        objects = paths.resolve(state, params, reads_run=route.reads_run, reading=route.reads)
        query = checked_query(self.schemas, route, request.query)
        files = {}
        if route.form:
            body, files = self.checked_form(state, route, request, entry, parsed)
        elif route.body:
            body = parsed.get() if parsed is not None else self.schemas.check_request(route.body, parse_body(request))
        else:
            body = {}
        result = route.handler(state, Call(params, objects, query, body, files))
        if route.response and not isinstance(result, Streamed):
            problem = self.schemas.contract_problem(route.response, result)
            if problem:
                raise self.bug_error(problem)
        return result, ({"openai-poll-after-ms": str(self.poll_after_ms)} if route.polled else {})

    def authenticate(self, header: str | None, key: str | None) -> None:
        if key is None:
            raise errors.missing_api_key()
        if not key or (self.api_keys is not None and key not in self.api_keys):
            raise errors.incorrect_api_key(key)

    def oversized(self, request: RawRequest, matched) -> errors.APIError | None:
        """The 413 of a JSON body over max_body that a transport handed over read (in-process)."""
        if len(request.body) > self.max_body and not is_upload(matched):
            return errors.body_too_large(self.max_body, len(request.body))
        return None

    def match(self, method: str, path: str):
        """(route, path params), or None for a path or method the API does not have."""
        return self.router.match(method, path)

    def check_event(self, schema: str, data: dict) -> None:
        """Each streamed event is checked like any other answer before it is written."""
        problem = self.schemas.contract_problem(schema, data)
        if problem:
            error = self.bug_error(f"stream event: {problem}")
            if isinstance(error, BaseException) and not isinstance(error, errors.APIError):
                raise error
            raise StreamBroken(error)

    # --- the test's mistakes and fakeai's own bugs ----------------------------------------

    @staticmethod
    def script_error(tenant: Tenant, error: ScriptError):
        """Over HTTP a script no run could follow is a 500 that says so and is not retried; the
        tenant keeps it so the test that scripted it can be failed for it."""
        tenant.script_errors.append(str(error))
        log.warning("fakeai: the test's script cannot run: %s", error)
        failure = errors.script_failure(str(error))
        return failure.status, failure.body(), failure.headers

    def bug_error(self, detail: str) -> Exception:
        self.problems.append(detail)
        log.error("fakeai bug: %s", detail)
        if self.bugs == "raise":
            return errors.ContractViolation(detail)
        return errors.contract_violation(detail)

    def bug(self, detail: str, cause: BaseException):
        """Something fakeai could not do: raised into the test in-process; over HTTP a 500 that
        says what happened and is not retried (a retry would hide it)."""
        self.problems.append(detail)
        log.error("fakeai: %s", detail, exc_info=cause)
        if self.bugs == "raise":
            raise errors.EmulatorBug(detail) from cause
        error = errors.emulator_failure(detail)
        return error.status, error.body(), error.headers

    # --- WSGI -----------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        headers = {header_name(key): value for key, value in environ.items() if key[:5] == "HTTP_"}
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        request = RawRequest(
            method=environ["REQUEST_METHOD"],
            path=routed_path(environ),
            query=environ.get("QUERY_STRING", ""),
            headers=headers,
        )
        matched = self.match(request.method, request.path)
        upload = is_upload(matched)
        try:  # an upload may be as large as its file, plus the form around it; JSON up to max_body
            request.body = read_body(environ, self.max_request_bytes if upload else self.max_body)
        except BodyTooLarge as refusal:
            request.withheld = refusal.size
            if not upload:  # an upload's is refused after auth, as a file too large (F7)
                request.refused = refusal.error
        except BodyRefused as refusal:
            request.refused = refusal.error
        response = self.handle(request, matched)
        if request.withheld or request.refused:  # what is left of the body is not the next request
            response.headers.append(("connection", "close"))
        start_response(f"{response.status} {STATUS_TEXT.get(response.status, '')}".strip(),
                       response.headers)
        if isinstance(response.body, bytes):
            return [response.body]
        return server_stream(response.body)


class Deferred:
    """The outcome of a computation done early, given when its turn comes: its value, or the
    exception it raised (so a body's 400 still comes after a path's 404)."""

    def __init__(self, compute: Callable):
        try:
            self.value, self.error = compute(), None
        except Exception as error:
            self.value, self.error = None, error

    def get(self):
        if self.error is not None:
            raise self.error
        return self.value


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
    except ScriptError as error:  # a responder that failed mid-stream: the test's mistake, said so
        failure = errors.script_failure(str(error))
        yield (f"event: error\ndata: {json.dumps(failure.body())}\n\n").encode()


@functools.lru_cache(maxsize=1024)  # clients send the same few headers on every request
def header_name(key: str) -> str:
    """``HTTP_OPENAI_BETA`` -> ``openai-beta``: a WSGI environ key as the header name it came as."""
    return key[5:].replace("_", "-").lower()


def routed_path(environ) -> str:
    """The path routed on: the raw request URI's, each segment decoded on its own, so an encoded
    slash (``%2F``) stays inside its segment instead of making a new one (PATH_INFO has it decoded)."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or ""
    if not raw.startswith("/"):  # no raw URI from this server, or an absolute-form one
        return environ.get("PATH_INFO", "/")
    return decoded_path(raw)



STATUS_TEXT = {200: "OK", 303: "See Other", 304: "Not Modified", 400: "Bad Request", 401: "Unauthorized",
               403: "Forbidden", 404: "Not Found", 409: "Conflict", 413: "Content Too Large", 429: "Too Many Requests", 500: "Internal Server Error",
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
    return MultiDict(parse_qsl(query, keep_blank_values=True)) if query else NO_QUERY


#: The query of a request without one (read, never written).
NO_QUERY = MultiDict()


def checked_query(schemas: Schemas, route, query: str) -> dict:
    """A request's query string checked by its operation's parameter rules (none: nothing taken)."""
    if f"parameters/{route.operation}.json" not in schemas.documents:
        return {}
    return schemas.check_query(route.operation, parse_query(query))


def model_named(state: State, request: RawRequest) -> str | None:
    """The model a request is for, as far as can be told without checking it: its body's ``model``,
    else the model of the assistant it names (what a rate limit's message names, E29)."""
    try:
        body = strictjson.loads(request.body) if request.body and not is_multipart(request) else {}
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    if isinstance(body.get("model"), str):
        return body["model"]
    assistant = state.assistants.get(body["assistant_id"]) if isinstance(body.get("assistant_id"), str) else None
    return assistant["model"] if assistant else None


def is_upload(matched) -> bool:
    """Whether a matched route takes a multipart upload (None: no route matched)."""
    return bool(matched and matched[0].form)


def is_multipart(request: RawRequest) -> bool:
    return request.headers.get("content-type", "").lower().startswith("multipart/")


def parse_form(request: RawRequest) -> tuple[MultiDict, dict]:
    """(text fields, file fields) of a multipart/form-data body; each file's bytes are one slice
    of the body (a file field is a part with a filename)."""
    content_type = request.headers.get("content-type", "")
    mimetype, options = parse_options_header(content_type)
    if mimetype != "multipart/form-data" or not options.get("boundary"):
        raise errors.not_multipart(content_type)
    parser = MultiPartParser(stream_factory=lambda *args, **kwargs: io.BytesIO(), max_form_memory_size=None)
    try:
        fields, parts = parser.parse(io.BytesIO(request.body), options["boundary"].encode("latin-1"),
                                     len(request.body))
    except ValueError:
        raise errors.BadRequestError("The multipart/form-data body could not be parsed.") from None
    files = {name: FilePart(part.filename or "", part.stream.getvalue()) for name, part in parts.items()}
    return fields, files


def form_summary(fields: MultiDict, files: dict) -> dict:
    """An upload as the journal and a recording keep it when not whole: its text fields, and each
    file's name and size."""
    return {**fields.to_dict(), **{name: {"filename": part.filename, "bytes": len(part.data)}
                                   for name, part in files.items()}}


def form_fields(schemas: Schemas, route, fields: MultiDict, files: dict) -> MultiDict:
    """The fields a multipart upload is checked by (``Schemas.check_form``): its text fields, and each
    file field by its filename. A file field sent as text (``curl -F data=text``) is moved to
    ``files`` first, as the file it stands for."""
    for name, spec in schemas.documents[route.body + ".json"].get("properties", {}).items():
        if spec.get("format") == "binary" and name not in files and name in fields:
            files[name] = FilePart("", fields.pop(name).encode("utf-8"))
    return MultiDict([*fields.items(multi=True), *((name, part.filename) for name, part in files.items())])


def parse_body(request: RawRequest) -> dict:
    """The JSON object a request carries; an empty body is an empty object (``-d ''`` works)."""
    if not request.body.strip():
        return {}
    content_type = request.headers.get("content-type", "")
    if content_type and "json" not in content_type.lower():
        raise errors.unsupported_content_type(content_type)
    try:
        body = strictjson.loads(request.body)
    except strictjson.TooDeep:
        raise errors.body_too_deep(strictjson.MAX_DEPTH) from None
    except strictjson.NotJSON:
        raise errors.invalid_json() from None
    if not isinstance(body, dict):
        raise errors.body_not_an_object(describe(body))
    return body
