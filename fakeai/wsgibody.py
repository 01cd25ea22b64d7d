"""A WSGI request body read whole, or not at all.

A request is executed only with the body its client meant: a Content-Length that is not a number is
refused; a body larger than the endpoint accepts is refused before it is read into memory; a body
that ends before its Content-Length (or its last chunk) says is refused, since its client went away
mid-request; a chunked body (no Content-Length) is read through the server's dechunking, which
werkzeug's ``get_input_stream`` bounds by the limit.
"""

from __future__ import annotations

from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge
from werkzeug.http import parse_set_header
from werkzeug.wsgi import get_input_stream

from . import errors

READ_SIZE = 64 * 1024


class BodyRefused(Exception):
    """The body cannot be used; ``error`` is the answer. Bytes of it may be left on the connection,
    so the connection is closed after the answer."""

    def __init__(self, error: errors.APIError):
        super().__init__(error.message)
        self.error = error


class BodyTooLarge(BodyRefused):
    """Over the limit: not read (``size`` is its Content-Length), or read only up to the limit."""

    def __init__(self, size: int, limit: int):
        super().__init__(errors.body_too_large(limit, size))
        self.size = size


def read_body(environ: dict, limit: int) -> bytes:
    """The whole body of the request, at most ``limit`` bytes; BodyRefused otherwise."""
    length = environ.get("CONTENT_LENGTH")
    if not length and "HTTP_TRANSFER_ENCODING" not in environ:  # RFC 9112 6.3: no body (a GET)
        return b""  # (a server that decodes chunking itself sets CONTENT_LENGTH: waitress does)
    if length and length.isdigit() and length.isascii() and "HTTP_TRANSFER_ENCODING" not in environ \
            and 0 < int(length) <= limit:  # the usual body: its length told, within the limit
        return read_exactly(environ["wsgi.input"], int(length))
    chunked = "chunked" in parse_set_header(environ.get("HTTP_TRANSFER_ENCODING"))
    declared = None
    if not chunked and environ.get("CONTENT_LENGTH"):
        text = environ["CONTENT_LENGTH"].strip()
        if not (text.isascii() and text.isdigit()):
            raise BodyRefused(errors.invalid_content_length(environ["CONTENT_LENGTH"]))
        declared = int(text)
        if declared > limit:
            raise BodyTooLarge(declared, limit)
        if declared == 0:
            return b""
    if chunked and "wsgi.input_terminated" not in environ:  # a server that cannot dechunk: unreadable
        raise BodyRefused(errors.BadRequestError(
            "This server cannot read a chunked request body; send it with a Content-Length."))
    if declared is None and not chunked and "wsgi.input_terminated" not in environ:
        return b""  # no Content-Length, not chunked: no body (RFC 9112 6.3)
    # +1: a chunked body exactly at the limit is read whole, one byte more is too large
    stream = get_input_stream(environ, max_content_length=limit + 1 if declared is None else None)
    parts, received = [], 0
    while True:
        try:
            part = stream.read(READ_SIZE)
        except RequestEntityTooLarge:
            raise BodyTooLarge(received, limit) from None
        except (ClientDisconnected, OSError, ValueError):  # gone mid-body, a malformed chunk, a reset
            raise BodyRefused(errors.body_incomplete(declared, received)) from None
        if not part:
            break
        parts.append(part)
        received += len(part)
        if received > limit:
            raise BodyTooLarge(received, limit)
    if declared is not None and received < declared:
        raise BodyRefused(errors.body_incomplete(declared, received))
    return b"".join(parts)


def read_exactly(stream, declared: int) -> bytes:
    """``declared`` bytes from a WSGI input; BodyRefused when it ends sooner (the client went away)."""
    parts, received = [], 0
    while received < declared:
        try:
            part = stream.read(min(READ_SIZE, declared - received))
        except (ClientDisconnected, OSError, ValueError):
            part = b""
        if not part:
            raise BodyRefused(errors.body_incomplete(declared, received))
        parts.append(part)
        received += len(part)
    return parts[0] if len(parts) == 1 else b"".join(parts)
