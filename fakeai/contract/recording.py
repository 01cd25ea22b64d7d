"""Recording traffic as it went over the wire: every API request an Application answers, and its
answer, as one line of fakeai's JSON Lines format (interaction.py), for ``fakeai validate`` and
``fakeai replay`` to work on later.

``Recorder.attach(app)`` wraps the application's ``handle``, the one place the in-process transport
and the WSGI server both go through; an application nobody records keeps the plain method, so
recording costs nothing while it is off. A JSON answer is recorded as it is made, a streamed one
once its last event was sent (or it broke off). Admin requests (/_fakeai/) are not API traffic and
are not recorded. Every credential is masked; the few changes made for the sake of identical
recordings are listed in interaction.py.

A ``LineWriter`` writes the lines in the order their requests arrived, each flushed as soon as
every earlier one is written, so a killed server leaves a file of whole lines.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Callable, TextIO

from werkzeug.http import parse_options_header

from ..app import RawRequest, RawResponse, form_summary, is_multipart, parse_form
from ..credentials import masked
from ..errors import APIError
from ..streaming import DONE
from .interaction import Interaction, dumps

log = logging.getLogger("fakeai")

#: An upload (or a download) larger than this is recorded as a summary, not whole.
BODY_KEPT = 1024 * 1024
#: Header values written in place of what went over the wire, so two recordings of one run are equal.
STEADY_RESPONSE_HEADERS = {"openai-processing-ms": "0"}
#: Stands in for a multipart body's random boundary (cut to the boundary's length).
STEADY_BOUNDARY = "fakeai-recorded-boundary-" * 3


class LineWriter:
    """Lines written to ``stream`` in the order of their tickets (taken when a request arrives),
    each flushed as soon as every earlier ticket's line is written. A ticket may be given no line."""

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.lock = threading.Lock()
        self.issued = 0
        self.next = 0
        self.waiting: dict[int, str | None] = {}
        self.written = 0
        self.closed = False

    def ticket(self) -> int:
        with self.lock:
            self.issued += 1
            return self.issued - 1

    def write(self, ticket: int, line: str | None) -> None:
        with self.lock:
            if self.closed:
                log.warning("fakeai: a request ended after its recording was closed; it is not in %s",
                            getattr(self.stream, "name", "the recording"))
                return
            self.waiting[ticket] = line
            while self.next in self.waiting:
                self._put(self.waiting.pop(self.next))
                self.next += 1
            self.stream.flush()

    def _put(self, line: str | None) -> None:
        if line is not None:
            self.stream.write(line + "\n")
            self.written += 1

    def close(self) -> None:
        """Write what is finished, even behind a request that never ended (a stream nobody read to
        its end), and close the stream."""
        with self.lock:
            if self.closed:
                return
            for ticket in sorted(self.waiting):
                self._put(self.waiting[ticket])
            self.waiting.clear()
            self.closed = True
            self.stream.close()


class Recorder:
    """Records what an application answers to ``writer``; ``test_of(request)`` names the test that
    made a request (the record's ``test``), or None."""

    def __init__(self, writer: LineWriter, test_of: Callable[[RawRequest], str | None] = lambda request: None,
                 body_kept: int = BODY_KEPT):
        self.writer = writer
        self.test_of = test_of
        self.body_kept = body_kept

    def attach(self, app) -> None:
        app.record_with(self.wrap)

    def wrap(self, app, handle: Callable[..., RawResponse]) -> Callable[..., RawResponse]:
        """``handle`` recording what it answers; whatever else the pipeline hands ``handle`` along
        with the request is passed on untouched."""
        def recorded_handle(request: RawRequest, *args, **kwargs) -> RawResponse:
            if app.admin is not None and app.admin.owns(request.path):
                return handle(request, *args, **kwargs)
            ticket, test = self.writer.ticket(), self.test_of(request)

            def done(response: RawResponse | None, body: bytes = b"", interrupted: str | None = None) -> None:
                self.write(ticket, lambda: self.interaction(request, response, body, interrupted, test))

            try:
                response = handle(request, *args, **kwargs)
            except BaseException as error:
                done(None, interrupted=f"no answer was sent: {described(error)}")
                raise
            if isinstance(response.body, bytes):
                done(response, response.body)
            else:
                response.body = recorded_stream(response.body, lambda sent, why: done(response, sent, why))
            return response
        return recorded_handle

    def write(self, ticket: int, make_interaction: Callable[[], Interaction]) -> None:
        try:
            line = dumps(make_interaction())
        except BaseException:
            self.writer.write(ticket, None)  # the lines after it are not held back by a failed one
            raise
        self.writer.write(ticket, line)

    def interaction(self, request: RawRequest, response: RawResponse | None, body: bytes,
                    interrupted: str | None, test: str | None) -> Interaction:
        headers, request_body = steady_request_headers(masked(request.headers)), request.body
        request_omitted = None
        if request.withheld or request.refused:
            request_omitted = unread_body(request)
        elif is_multipart(request):
            if len(request_body) > self.body_kept:
                request_omitted = upload_summary(request, self.body_kept)
            headers, request_body = steady_boundary(headers, b"" if request_omitted else request_body)
        interaction = Interaction(method=request.method, path=request.path, query=request.query,
                                  request_headers=headers, request_body=request_body,
                                  request_body_omitted=request_omitted, test=test, interrupted=interrupted)
        if response is not None:
            interaction.status = response.status
            interaction.response_headers = {name.lower(): STEADY_RESPONSE_HEADERS.get(name.lower(), value)
                                            for name, value in response.headers}
            if is_download(interaction.response_headers) and len(body) > self.body_kept:
                interaction.response_body_omitted = {
                    "bytes": len(body), "reason": f"a download over the recording's limit of {self.body_kept:,} "
                                                  "bytes: only its size is kept"}
            else:
                interaction.response_body = body
        return interaction


def recorded_stream(chunks, done: Callable[[bytes, str | None], None]):
    """The chunks of a streamed answer, passed on as they come; ``done(sent, why)`` once it ends
    (``why``: None when it ended as streams do). The end of a stream is recorded before it is sent,
    so a client that goes on once it has read ``[DONE]`` finds it recorded."""
    sent: list[bytes] = []
    ended = False
    try:
        for chunk in chunks:
            sent.append(chunk)
            if chunk == DONE:
                ended = True
                done(b"".join(sent), None)
            yield chunk
    except GeneratorExit:
        if not ended:
            done(b"".join(sent), "the client closed the stream before its end")
        raise
    except BaseException as error:
        if not ended:
            done(b"".join(sent), f"the stream broke off: {described(error)}")
        raise
    if not ended:  # a stream cut short on purpose (an injected fault): no [DONE]
        done(b"".join(sent), None)


def described(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def is_download(headers: dict) -> bool:
    return headers.get("content-type", "").startswith("application/octet-stream")


def steady_request_headers(headers: dict) -> dict:
    """The ``host`` header without its port: a server on a free port would make recordings differ."""
    if "host" in headers:
        headers = {**headers, "host": re.sub(r":\d+$", "", headers["host"])}
    return headers


def steady_boundary(headers: dict, body: bytes) -> tuple[dict, bytes]:
    """A multipart body with its random boundary replaced by a fixed one of the same length (so the
    Content-Length stays true), in the body and in its content-type; unchanged when the fixed one
    already occurs in the body."""
    content_type = headers.get("content-type", "")
    boundary = parse_options_header(content_type)[1].get("boundary", "")
    steady = STEADY_BOUNDARY[:len(boundary)]
    if not boundary or len(boundary) > len(STEADY_BOUNDARY) or steady.encode() in body:
        return headers, body
    return ({**headers, "content-type": content_type.replace(boundary, steady)},
            body.replace(b"--" + boundary.encode("latin-1"), b"--" + steady.encode()))


def upload_summary(request: RawRequest, limit: int) -> dict:
    """What a recording keeps of an upload over ``limit``: its size, why, and its fields and files
    when the body can be read as a form."""
    omitted = {"bytes": len(request.body),
               "reason": f"an upload over the recording's limit of {limit:,} bytes: only its summary is kept"}
    try:
        omitted["summary"] = form_summary(*parse_form(request))
    except APIError:
        pass  # not a form fakeai can read: the size alone, as the reason says
    return omitted


def unread_body(request: RawRequest) -> dict:
    """A body fakeai did not read whole (too large for its endpoint, or it never arrived whole)."""
    if request.refused is not None:
        return {"bytes": len(request.body), "reason": f"the body did not arrive whole: {request.refused.message}"}
    return {"bytes": request.withheld,
            "reason": "the body was larger than this endpoint accepts, so fakeai did not read it"}
