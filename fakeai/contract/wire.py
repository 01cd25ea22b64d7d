"""What every traffic reader needs, whatever wrote the file: headers as one lower-case name to one
string, a URI split into host, path and query, a body turned into the bytes that went over the wire,
and a compressed answer decompressed (a recorder may keep it as the server sent it)."""

from __future__ import annotations

import base64
import gzip
import zlib
from urllib.parse import urlsplit

from ..router import decoded_path


def single_headers(headers) -> dict[str, str]:
    """Headers as recorders write them -> {lower-case name: value}. Takes a mapping of a name to a
    value or a list of values (vcrpy, Ruby VCR), or a list of ``{"name", "value"}`` (HAR) or of
    ``[name, value]`` pairs; repeated values are joined by ", ", as HTTP allows."""
    if not headers:
        return {}
    if isinstance(headers, dict):
        pairs = []
        for name, value in headers.items():
            if type(value) is list and len(value) == 1:  # nearly every header of a cassette: one value
                value = value[0]
            if isinstance(value, (list, tuple)):
                pairs += [(name, item) for item in value if item is not None]
            elif value is not None:
                pairs.append((name, value))
    elif isinstance(headers, list):
        pairs = [(item["name"], item.get("value", "")) if isinstance(item, dict) else tuple(item)
                 for item in headers]
    else:
        raise ValueError(f"headers must be a mapping or a list, not {type(headers).__name__}")
    joined: dict[str, str] = {}
    for name, value in pairs:
        name = name.lower() if type(name) is str else text_of(name).lower()
        value = value if type(value) is str else text_of(value)
        joined[name] = f"{joined[name]}, {value}" if name in joined else value
    return joined


def text_of(value) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def split_uri(uri: str) -> tuple[str, str, str]:
    """(host, path, query) of a recorded URI: the host lower-case without its port, the path decoded
    as the router decodes a live one."""
    parts = urlsplit(uri)
    return (parts.hostname or "").lower(), decoded_path(parts.path or "/"), parts.query


def body_bytes(body) -> bytes:
    """A recorded body as bytes: text (UTF-8), bytes (YAML ``!!binary``), a list of chunks (an
    iterator body), ``{"string": ...}`` or ``{"base64_string": ...}`` (Ruby VCR); None is no body."""
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, (list, tuple)):
        return b"".join(body_bytes(chunk) for chunk in body)
    if isinstance(body, dict):
        if body.get("base64_string") is not None:
            return base64.b64decode(body["base64_string"])
        return body_bytes(body.get("string"))
    raise ValueError(f"a body must be text, bytes or a mapping, not {type(body).__name__}")


def _inflate(data: bytes) -> bytes:
    try:
        return zlib.decompress(data)
    except zlib.error:  # raw deflate, without the zlib wrapper some servers leave out
        return zlib.decompress(data, -zlib.MAX_WBITS)


def _brotli(data: bytes) -> bytes:
    try:
        import brotli
    except ImportError:
        raise LookupError("pip install brotli") from None
    return brotli.decompress(data)


def _zstd(data: bytes) -> bytes:
    try:
        import zstandard
    except ImportError:
        raise LookupError("pip install zstandard") from None
    return zstandard.ZstdDecompressor().decompressobj().decompress(data)


DECOMPRESSORS = {"gzip": gzip.decompress, "x-gzip": gzip.decompress, "deflate": _inflate,
                 "br": _brotli, "zstd": _zstd}


def decompressed(body: bytes, headers: dict, *, maybe_decoded: bool = False) -> tuple[bytes, dict]:
    """(body, headers) with the body's ``content-encoding`` undone and that header dropped.

    ``maybe_decoded``: the format keeps bodies decoded while keeping the header (HAR), so a body that
    does not decompress is taken as it is. Otherwise a body that cannot be decompressed is a
    ValueError saying what would read it."""
    codings = [c.strip().lower() for c in headers.get("content-encoding", "").split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if not codings or not body:
        return body, headers
    headers = {name: value for name, value in headers.items() if name != "content-encoding"}
    try:
        for coding in reversed(codings):
            if coding not in DECOMPRESSORS:
                raise LookupError(f"fakeai knows {', '.join(sorted(DECOMPRESSORS))}")
            body = DECOMPRESSORS[coding](body)
    except LookupError as missing:
        if maybe_decoded:
            return body, headers
        raise ValueError(f"its body is {coding}-compressed and cannot be decompressed here ({missing}); "
                         "or record without compression (vcrpy: decode_compressed_response=True)") from None
    except (OSError, EOFError, zlib.error, ValueError) as error:  # gzip raises OSError (BadGzipFile)
        if maybe_decoded:
            return body, headers
        raise ValueError(f"its content-encoding is {coding}, but the body is not {coding} data ({error})") from None
    if "content-length" in headers:
        headers["content-length"] = str(len(body))
    return body, headers
