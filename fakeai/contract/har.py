"""HAR 1.2 (HTTP Archive: browsers' developer tools, proxies such as mitmproxy and Charles) ->
Interactions.

    {"log": {"version": "1.2", "entries": [{"request": {"method", "url", "headers": [{"name", "value"}],
      "postData": {"mimeType", "text" | "params"}}, "response": {"status", "headers",
      "content": {"mimeType", "text", "encoding": "base64"?}}}]}}

HAR keeps an answer's ``content.text`` decoded (its headers still say how it was compressed), so
the ``content-encoding`` header is dropped, unless the text really is still compressed. A status of
0 is a request that got no answer. A form posted as ``params`` (no ``text``) is rebuilt as the body
that carried it.
"""

from __future__ import annotations

import base64
from typing import Iterator
from urllib.parse import urlencode

from werkzeug.http import parse_options_header

from .interaction import Interaction
from .wire import decompressed, single_headers, split_uri

#: The boundary of a multipart form rebuilt from HAR ``params`` when its mimeType names none.
REBUILT_BOUNDARY = "fakeai-har-form"


def is_har(document) -> bool:
    return isinstance(document, dict) and isinstance(document.get("log"), dict) \
        and isinstance(document["log"].get("entries"), list)


def read_har(document, path) -> Iterator[Interaction]:
    for number, entry in enumerate(document["log"]["entries"], 1):
        try:
            yield interaction(entry, f"{path} #{number}", str(path))
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            problem = f"no {error.args[0]!r} where HAR has one" if isinstance(error, KeyError) else error
            raise ValueError(f"entry #{number}: {problem}") from None


def interaction(entry: dict, source: str, file: str) -> Interaction:
    request = entry["request"]
    host, path, query = split_uri(request["url"])
    request_headers = single_headers(request.get("headers"))
    request_body = b""
    if request.get("postData"):
        request_body, content_type = posted(request["postData"], request_headers.get("content-type"))
        if content_type:
            request_headers["content-type"] = content_type
    response = entry.get("response") or {}
    status = int(response.get("status") or 0) or None
    response_headers = single_headers(response.get("headers"))
    content = response.get("content") or {}
    response_body = content_bytes(content)
    if content.get("mimeType") and "content-type" not in response_headers:
        response_headers["content-type"] = content["mimeType"]
    response_body, response_headers = decompressed(response_body, response_headers, maybe_decoded=True)
    return Interaction(method=str(request["method"]).upper(), path=path, query=query,
                       request_headers=request_headers, request_body=request_body, status=status,
                       response_headers=response_headers, response_body=response_body, source=source,
                       host=host, file=file)


def content_bytes(content: dict) -> bytes:
    """A ``content`` or ``postData`` text as bytes (``encoding: base64`` decoded)."""
    text = content.get("text")
    if text is None:
        return b""
    if content.get("encoding") == "base64":
        return base64.b64decode(text)
    return text.encode("utf-8")


def posted(post_data: dict, sent_type: str | None) -> tuple[bytes, str]:
    """(body, its content type) of a ``postData``: its text, or the form its ``params`` describe.
    ``sent_type``: the request's Content-Type header, when it was recorded (it wins over mimeType)."""
    mime_type = sent_type or post_data.get("mimeType") or ""
    if post_data.get("text") is not None or not post_data.get("params"):
        return content_bytes(post_data), mime_type
    params = post_data["params"]
    kind, options = parse_options_header(mime_type)
    if kind != "multipart/form-data":
        return urlencode([(p["name"], p.get("value", "")) for p in params]).encode("utf-8"), mime_type
    boundary = options.get("boundary") or REBUILT_BOUNDARY
    parts = []
    for param in params:
        disposition = f'form-data; name="{param["name"]}"'
        if "fileName" in param:
            disposition += f'; filename="{param["fileName"]}"'
        head = f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
        if param.get("contentType"):
            head += f"Content-Type: {param['contentType']}\r\n"
        parts.append(f"{head}\r\n{param.get('value', '')}\r\n")
    body = "".join(parts) + f"--{boundary}--\r\n"
    return body.encode("utf-8"), f"multipart/form-data; boundary={boundary}"
