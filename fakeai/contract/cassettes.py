"""VCR cassettes -> Interactions: vcrpy's (pytest-recording, pytest-vcr) and Ruby VCR's, in YAML or
in JSON. Both keep one request and its response per interaction, in the same shape:

    vcrpy:     {"version": 1, "interactions": [{"request": {"method", "uri", "body", "headers"},
                "response": {"status": {"code", "message"}, "headers", "body": {"string"}}}]}
    Ruby VCR:  {"http_interactions": [{"request": {"method": "post", "uri", "body": {"encoding",
                "string" | "base64_string"}, "headers"}, "response": {"status": {...}, "headers",
                "body": {...}, "http_version"}, "recorded_at"}], "recorded_with": "VCR 6.0.0"}

Header values are lists (one per occurrence). Bodies come as text, as bytes (YAML ``!!binary``;
Ruby's ``!binary``), as ``base64_string``, or in older cassettes as a bare string (Ruby VCR 1.x and
vcrpy before 1.0 wrote a bare list of interactions; vcrpy's first httpx cassettes wrote
``status_code`` and ``content``). A response kept compressed, as vcrpy keeps it unless told
``decode_compressed_response``, is decompressed by its ``content-encoding``. YAML is read by
cassette_yaml.py.
"""

from __future__ import annotations

from typing import Iterator

from .interaction import Interaction
from .wire import body_bytes, decompressed, single_headers, split_uri


def interactions_of(document) -> list | None:
    """The list of interactions of a cassette document, or None when it is not a cassette."""
    if isinstance(document, dict):
        for key in ("interactions", "http_interactions"):
            if isinstance(document.get(key), list):
                return document[key]
        return None
    if isinstance(document, list) and document and all(isinstance(i, dict) and "request" in i for i in document):
        return document  # vcrpy before 1.0, Ruby VCR 1.x
    return None


def read_cassette(document, path) -> Iterator[Interaction]:
    """The interactions of a cassette document (one ``interactions_of`` recognises)."""
    for number, item in enumerate(interactions_of(document), 1):
        source = f"{path} #{number}"
        try:
            yield interaction(item, source, str(path))
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise ValueError(f"interaction #{number}: {describe_error(error)}") from None


def interaction(item: dict, source: str, file: str) -> Interaction:
    request = item["request"]
    host, path, query = split_uri(request["uri"])
    response = item.get("response")
    status, response_headers, response_body = None, {}, b""
    if response:
        if "status_code" in response:  # vcrpy's first httpx cassettes
            status, raw_body = response["status_code"], response.get("content")
        else:
            status, raw_body = response["status"]["code"], response.get("body")
        response_headers = single_headers(response.get("headers"))
        response_body, response_headers = decompressed(body_bytes(raw_body), response_headers)
        status = int(status)
    return Interaction(method=str(request["method"]).upper(), path=path, query=query,
                       request_headers=single_headers(request.get("headers")),
                       request_body=body_bytes(request.get("body")), status=status,
                       response_headers=response_headers, response_body=response_body, source=source,
                       host=host, file=file)


def describe_error(error: Exception) -> str:
    if isinstance(error, KeyError):
        return f"no {error.args[0]!r} where a cassette has one"
    return str(error)
