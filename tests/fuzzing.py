"""Bad requests over a raw socket, generated with hypothesis, and what every answer must be.

A quarter of the requests are ones the API accepts, damaged in one place (a lone surrogate, bytes
that are not UTF-8, a number that is not finite, nesting past the limit): each must be refused.
The others are one route of the URL table (sometimes with the wrong method, a junk id or an
unknown path), a query drawn from its parameters schema, a body drawn from its request schema (a
value of the right shape, wrong types at any depth, strings with lone surrogates or brackets,
numbers that are not finite), then possibly broken as bytes (cut short, nested past the limit,
1e400, invalid UTF-8) and framed in a way the SDK never would (chunked, a missing, non-numeric or
lying Content-Length, a client that stops sending), with good, missing or wrong headers.

The rules every answer is held to (``check``): never a 5xx; a refusal is the API's JSON envelope
and leaves the emulator's state as it was; a success is strict JSON (or a stream, or a download).
Used by tests/test_fuzz.py (a few hundred requests per run) and benchmarks/fuzz.py (the long run).
"""

from __future__ import annotations

import functools
import http.client
import json
import math
import re
import socket
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from hypothesis import strategies as st

from fakeai.routes import API_PREFIX, ROUTES
from fakeai.validation import load_schemas

KEY = "sk-fuzz-0123456789abcdef"
WAIT = 10  # seconds any socket operation may take
SCHEMAS = load_schemas().documents
#: Strings that have broken JSON handling somewhere: lone surrogates, a pair, NUL, brackets, quotes.
SPECIAL_STRINGS = ["", "\ud800", "a\udfffb", "\udbff\udc00", "\U0001F600", "\x00", "[[{{", "]}", '"', "\\",
                   "x" * 600, "thread_", "asst_", "file-", "vs_", "null", "1e400", "é" * 70]


@dataclass
class Fuzzed:
    """One request as bytes on the wire, and how to send it."""

    head: bytes
    body: bytes = b""
    half_close: bool = False  # stop sending after the body (a client that went away)
    label: str = ""
    must_refuse: bool = False  # an accepted request damaged: it must be refused (a 400, or a 404 once
    #                            the object its path names was deleted by an earlier request)


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes


@dataclass
class Tally:
    sent: int = 0
    server_errors: int = 0
    not_json: int = 0
    state_changed: int = 0
    by_status: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)

    def count(self, answer: Answer, problems: list[str], request: Fuzzed) -> None:
        self.sent += 1
        self.by_status[answer.status] = self.by_status.get(answer.status, 0) + 1
        self.server_errors += answer.status >= 500
        self.not_json += any(problem.startswith("not JSON") for problem in problems)
        self.state_changed += any(problem.startswith("state") for problem in problems)
        if problems and len(self.problems) < 20:
            self.problems.append((problems, request.label, request.head[:300], request.body[:300]))


# --- the objects requests name ------------------------------------------------------------------

def known_objects(emulator) -> dict[str, list[str]]:
    """Create one of each kind of object (through the SDK, in-process) so that paths and bodies can
    name ids that exist; answers path parameter name -> ids."""
    client = emulator.client
    assistant = client.beta.assistants.create(model="gpt-4o", tools=[
        {"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {}}}},
        {"type": "code_interpreter"}, {"type": "file_search"}])
    file = client.files.create(file=("notes.txt", b"Fuzzing notes: apples and pears."), purpose="assistants")
    store = client.vector_stores.create(name="fuzz", file_ids=[file.id])
    batch = client.vector_stores.file_batches.create(store.id, file_ids=[file.id])
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "Hello?"}])
    done = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
    emulator.script.call_function("f", {})
    waiting = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
    message = client.beta.threads.messages.list(thread.id).data[0]
    step = client.beta.threads.runs.steps.list(done.id, thread_id=thread.id).data[0]
    upload = client.uploads.create(bytes=10, filename="part.txt", mime_type="text/plain", purpose="assistants")
    return {"assistant_id": [assistant.id], "thread_id": [thread.id],
            "message_id": [message.id], "run_id": [done.id, waiting.id], "step_id": [step.id],
            "file_id": [file.id], "vector_store_id": [store.id], "batch_id": [batch.id],
            "upload_id": [upload.id]}


PERCENT = st.integers(0, 99)


@st.composite
def mostly(draw, common: st.SearchStrategy, rare: st.SearchStrategy, percent: int = 85):
    """``common`` about ``percent`` % of the time, else ``rare`` (st.one_of weighs its branches alike,
    and the same strategy given twice counts once)."""
    return draw(common if draw(PERCENT) < percent else rare)


# --- values from the schemas --------------------------------------------------------------------

#: Any JSON value (and some Python floats that JSON lacks), small.
JUNK = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=True, allow_infinity=True),
              st.sampled_from(SPECIAL_STRINGS), st.text(max_size=12)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=6)


def junk() -> st.SearchStrategy:
    return JUNK


def strings(schema: dict, ids: list[str], name: str | None) -> st.SearchStrategy:
    """Text, special strings, ids that exist (mostly, where the property names one), limits."""
    options = [st.text(max_size=20), st.sampled_from(SPECIAL_STRINGS + ["user", "assistant", "gpt-4o"])]
    if "maxLength" in schema:
        options.append(st.sampled_from(["y" * schema["maxLength"], "y" * (schema["maxLength"] + 1)]))
    if name and (name.endswith(("_id", "_ids")) or name == "model"):
        return mostly(st.sampled_from(ids + ["gpt-4o"]), st.one_of(options), 75)
    return st.one_of(options)


def from_schema(schema: dict, ids: list[str], depth: int = 0, name: str | None = None) -> st.SearchStrategy:
    """Values shaped by ``schema``, each part now and then of the wrong type (junk); ``name``: the
    property the value is for."""
    if depth > 6:
        return junk()
    if "$ref" in schema:
        return from_schema(SCHEMAS[schema["$ref"]], ids, depth + 1, name)
    if "enum" in schema:
        return mostly(st.sampled_from(schema["enum"]), st.sampled_from(SPECIAL_STRINGS[:6]), 90)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return st.one_of([from_schema(branch, ids, depth + 1, name) for branch in schema[key]])
    types = schema.get("type", [])
    types = [types] if isinstance(types, str) else types
    options = []
    for kind in types or ["object"]:
        if kind == "object":
            properties = schema.get("properties", {})
            required = [name for name in schema.get("required", []) if name in properties]
            options.append(st.fixed_dictionaries(
                {key: from_schema(properties[key], ids, depth + 1, key) for key in required},
                optional={key: from_schema(spec, ids, depth + 1, key) for key, spec in properties.items()
                          if key not in required}))
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict):
                options.append(st.dictionaries(st.one_of(st.text(max_size=70), st.sampled_from(SPECIAL_STRINGS)),
                                               from_schema(extra, ids, depth + 1), max_size=18))
        elif kind == "array":
            options.append(st.lists(from_schema(schema.get("items", {}), ids, depth + 1, name),
                                    max_size=min(schema.get("maxItems", 2) + 1, 3)))
        elif kind == "string":
            options.append(strings(schema, ids, name))
        elif kind == "integer":
            low, high = schema.get("minimum", -5), schema.get("maximum", 10**6)
            options.append(st.one_of(st.integers(low - 2, high + 2), st.sampled_from([0, -1, 2**64, 10**400]),
                                     st.floats(allow_nan=True, allow_infinity=True)))
        elif kind == "number":
            options.append(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10, 10)))
        elif kind == "boolean":
            options.append(st.booleans())
        elif kind == "null":
            options.append(st.none())
    return mostly(st.one_of(options), st.one_of(junk(), st.fixed_dictionaries({"unknown_key": junk()})), 92)


# --- bytes of a body ----------------------------------------------------------------------------

def encoded(value, ascii_only: bool) -> bytes:
    """JSON as Python writes it: NaN and Infinity included; a lone surrogate escaped, or (not
    ascii_only) written as the bytes UTF-8 forbids."""
    return json.dumps(value, allow_nan=True, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


#: The first number of a JSON text (after a colon, a bracket or a comma).
NUMBER = re.compile(rb"([:\[,]\s*)-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


@st.composite
def broken(draw, body: bytes) -> bytes:
    """``body``, sometimes damaged as bytes."""
    how = draw(mostly(st.just("as is"), st.sampled_from(["cut", "deep", "1e400", "surrogate", "0xff", "trailing",
                                                         "not an object", "empty", "nul"]), 55))
    if how == "cut" and body:
        return body[:draw(st.integers(0, len(body) - 1))]
    if how == "deep":
        levels = draw(st.sampled_from([64, 65, 100, 1000, 50_000]))
        return b"[" * levels + body + b"]" * levels
    if how == "1e400":  # a number too large to be finite, where the first number was
        return NUMBER.sub(b"\\g<1>1e400", body, count=1) if NUMBER.search(body) else b'{"metadata": {"n": 1e400}}'
    if how == "surrogate":  # a lone surrogate at the start of the first string value
        return body.replace(b'": "', b'": "\\ud800', 1) if b'": "' in body else b'{"metadata": {"k": "\\udc00"}}'
    if how == "0xff" and body:
        at = draw(st.integers(0, len(body)))
        return body[:at] + b"\xff" + body[at:]
    if how == "trailing":
        return body + draw(st.sampled_from([b"}", b" x", b"\x00", b",{}"]))
    if how == "not an object":
        return draw(st.sampled_from([b"[]", b"null", b"1", b'"s"', b"true", b"NaN"]))
    if how == "empty":
        return b""
    if how == "nul":
        return body.replace(b'"', b'"\x00', 1)
    return body


@st.composite
def multipart(draw) -> tuple[bytes, str]:
    """(body, content type) of a file upload, well formed or not."""
    boundary = "fuzzboundary"
    purpose = draw(st.sampled_from(["assistants", "fine-tune", "", "nope", "\ud800"]))
    data = draw(st.binary(max_size=64))
    filename = draw(st.sampled_from(["a.txt", "", "x.exe", "é.md", "../../etc/passwd", "a\r\nb.txt"]))
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\n'.encode("utf-8", "surrogatepass")
             + purpose.encode("utf-8", "surrogatepass") + b"\r\n",
             f'--{boundary}\r\nContent-Disposition: form-data; name="{draw(st.sampled_from(["file", "data", "x"]))}"; '
             f'filename="{filename}"\r\nContent-Type: text/plain\r\n\r\n'.encode("utf-8") + data + b"\r\n",
             f"--{boundary}--\r\n".encode()]
    body = b"".join(draw(st.permutations(parts[:2]))) + parts[2]
    body = draw(st.sampled_from([body, body[:len(body) // 2], b"not multipart"]))
    content_type = draw(st.sampled_from([f"multipart/form-data; boundary={boundary}", "multipart/form-data",
                                         "application/json"]))
    return body, content_type


#: Requests the API accepts (ids filled in from known_objects), for damage in one place only: each
#: damaged one must then be refused, where a random body would mostly be refused for another reason.
VALID = [
    ("POST", "/threads", {"messages": [{"role": "user", "content": "Hi"}], "metadata": {"k": "v"}}),
    ("POST", "/assistants", {"model": "gpt-4o", "name": "n", "instructions": "i", "temperature": 1, "tools": [
        {"type": "function", "function": {"name": "f", "description": "d", "parameters": {
            "type": "object", "properties": {"n": {"type": "number", "maximum": 10, "default": 0.5}}}}}],
        "metadata": {"k": "v"}}),
    ("POST", "/threads/runs", {"assistant_id": "<assistant_id>", "instructions": "i", "metadata": {"k": "v"},
                               "thread": {"messages": [{"role": "user", "content": "x"}], "metadata": {"k": "v"}}}),
    ("POST", "/assistants/<assistant_id>", {"name": "renamed", "metadata": {"k": "v"}}),
    ("POST", "/threads/<thread_id>", {"metadata": {"k": "v"}}),
    ("POST", "/vector_stores", {"name": "n", "metadata": {"k": "v"},
                                "expires_after": {"anchor": "last_active_at", "days": 1}}),
    ("POST", "/vector_stores/<vector_store_id>", {"name": "renamed", "metadata": {"k": "v"}}),
    ("POST", "/uploads", {"bytes": 10, "filename": "a.txt", "mime_type": "text/plain", "purpose": "assistants"}),
]
#: Where a string value starts (after ``": "``), and each number value.
STRING_VALUE = re.compile(rb'(?<=": ")')
NUMBER_VALUE = re.compile(rb"(?<=: )-?\d+(?:\.\d+)?")


@st.composite
def damaged(draw, ids: dict) -> Fuzzed:
    """A request the API accepts, damaged in one place so that it must be refused."""
    method, path, body = draw(st.sampled_from(VALID))
    text = json.dumps(body)
    for name, values in ids.items():
        path, text = path.replace(f"<{name}>", values[0]), text.replace(f"<{name}>", values[0])
    raw = text.encode()
    how = draw(st.sampled_from(["lone surrogate", "not utf-8", "not finite", "deep"]))
    if how == "not finite" and NUMBER_VALUE.search(raw):
        spot = draw(st.sampled_from(list(NUMBER_VALUE.finditer(raw))))
        damage = draw(st.sampled_from([b"1e400", b"-1e400", b"NaN", b"Infinity", b"-Infinity", b"1E999"]))
        raw = raw[:spot.start()] + damage + raw[spot.end():]
    else:
        at = draw(st.sampled_from([match.start() for match in STRING_VALUE.finditer(raw)]))
        if how == "deep":  # one more value of the object, an array nested too deep (closed properly)
            levels = draw(st.integers(65, 3000))
            damage = b'", "d": ' + b"[" * levels + b"]" * levels + b', "e": "'
        elif how == "not utf-8":
            damage = draw(st.sampled_from([b"\xff", b"\xed\xa0\x80", b"\xc3", b"\x80"]))
        else:  # a lone surrogate escape (a pair in the wrong order is two lone ones)
            damage = draw(st.sampled_from([b"\\ud800", b"\\udfff", b"a\\udbff", b"\\ude00\\ud83d"]))
        raw = raw[:at] + damage + raw[at:]
    head = (f"{method} {API_PREFIX}{path} HTTP/1.1\r\nHost: fuzz\r\nAuthorization: Bearer {KEY}\r\n"
            f"OpenAI-Beta: assistants=v2\r\nContent-Type: application/json\r\nContent-Length: {len(raw)}\r\n"
            "Connection: close\r\n\r\n").encode()
    return Fuzzed(head, raw, label=f"damaged {method} {path} ({how})", must_refuse=True)


# --- whole requests -----------------------------------------------------------------------------

ODD_PATHS = ["/v1", "/v1/", "/", "/v1/threads%2Fruns", "/v1//threads", "/nope", "/v1/threads/..",
             "/_fakeai/state", "/_fakeai/nope"]


@st.composite
def paths(draw, route, ids: dict) -> str:
    path = route.path
    for name in [part[1:-1] for part in path.split("/") if part.startswith("<")]:
        value = draw(mostly(st.sampled_from(ids.get(name) or ["x"]),
                            st.one_of(st.text(max_size=30), st.sampled_from(SPECIAL_STRINGS)), 90))
        path = path.replace(f"<{name}>", quote(value.encode("utf-8", "surrogatepass"), safe=""))
    return API_PREFIX + path


@functools.lru_cache(maxsize=None)
def schema_values(name: str, ids: tuple) -> st.SearchStrategy:
    """from_schema of a schema file, built once (building the strategy costs more than drawing)."""
    return from_schema(SCHEMAS[name], list(ids))


def requests(ids: dict) -> st.SearchStrategy:
    """Requests from the URL table and the schemas, malformed at any layer; a quarter of them an
    accepted request damaged in one place."""
    return mostly(generated(ids), damaged(ids), 75)


@st.composite
def generated(draw, ids: dict) -> Fuzzed:
    """One request, from the URL table and the schemas, possibly malformed at any layer."""
    route = draw(st.sampled_from(ROUTES))
    every_id = tuple(value for values in ids.values() for value in values)
    method = draw(mostly(st.just(route.method), st.sampled_from(["GET", "POST", "DELETE", "PUT", "PATCH", "FOO"]),
                         94))
    path = draw(mostly(paths(route, ids), st.sampled_from(ODD_PATHS), 94))
    query = ""
    if f"parameters/{route.operation}.json" in SCHEMAS and draw(st.booleans()):
        values = draw(schema_values(f"parameters/{route.operation}.json", every_id))
        if isinstance(values, dict):
            query = urlencode({str(k): json.dumps(v) if not isinstance(v, str) else v for k, v in values.items()},
                              encoding="utf-8", errors="surrogatepass")
    headers = {}
    auth = draw(mostly(st.just(f"Bearer {KEY}"), st.sampled_from([None, "Bearer", "Bearer ", "Basic abc", "bearer x",
                                                                   "Bearer\tk\u00e9y"]), 94))
    if auth is not None:
        headers["Authorization"] = auth
    beta = draw(mostly(st.just("assistants=v2"), st.sampled_from([None, "assistants=v1", "nope", "assistants=v2, x=1"]),
                       94))
    if beta is not None:
        headers["OpenAI-Beta"] = beta
    if route.form and method == route.method and draw(mostly(st.just(True), st.just(False), 80)):
        body, content_type = draw(multipart())
    else:
        value = draw(schema_values(route.body + ".json", every_id)) if route.body else draw(junk())
        body = draw(broken(encoded(value, ascii_only=draw(st.booleans()))))
        content_type = draw(mostly(st.just("application/json"), st.sampled_from(
            [None, "text/plain", "application/json; charset=utf-8"]), 92))
    if content_type is not None:
        headers["Content-Type"] = content_type
    if draw(mostly(st.just(False), st.just(True), 90)):
        headers[draw(st.sampled_from(["X-Junk", "OpenAI-Project", "Cookie", "Api-Key"]))] = draw(
            st.sampled_from(["\u00e9\u00ff", "a" * 2000, "", "proj_x"]))
    framing = draw(mostly(st.just("length"), st.sampled_from(["chunked", "bad length", "short", "cut chunk",
                                                              "no length"]), 75))
    half_close = False
    if framing == "length":
        headers["Content-Length"] = str(len(body))
    elif framing == "bad length":
        headers["Content-Length"] = draw(st.sampled_from(["abc", "-1", "+3", "1.5", "0x1f", "1 2",
                                                          "99999999999999999999"]))
        half_close = True
    elif framing == "short":
        headers["Content-Length"] = str(len(body) + draw(st.integers(1, 100)))
        half_close = True
    elif framing in ("chunked", "cut chunk"):
        headers["Transfer-Encoding"] = "chunked"
        sizes = draw(st.lists(st.integers(1, 50), max_size=6))
        chunks, at = [], 0
        for size in sizes + [len(body)]:
            if at < len(body):
                chunks.append(body[at:at + size])
                at += size
        body = b"".join(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n" for chunk in chunks)
        body += b"0\r\n\r\n" if framing == "chunked" else draw(st.sampled_from([b"", b"zz\r\n", b"5\r\nab"]))
        half_close = True
    else:  # no Content-Length: the body is not sent
        body = b""
    headers["Connection"] = "close"
    head = f"{method} {path}{'?' + query if query else ''} HTTP/1.1\r\nHost: fuzz\r\n".encode("latin-1") + b"".join(
        f"{name}: ".encode() + value.encode("utf-8", "surrogatepass") + b"\r\n" for name, value in headers.items())
    return Fuzzed(head + b"\r\n", body, half_close, label=f"{route.operation} {framing}")


# --- sending and judging ------------------------------------------------------------------------

def send(host: str, port: int, request: Fuzzed) -> Answer:
    with socket.create_connection((host, port), timeout=WAIT) as sock:
        try:
            sock.sendall(request.head + request.body)
            if request.half_close:
                sock.shutdown(socket.SHUT_WR)
            response = http.client.HTTPResponse(sock)
            try:
                response.begin()
            except http.client.RemoteDisconnected:  # judged by ``check``: only a truncated body may get this
                return Answer(CLOSED, {}, b"")
            return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
        except OSError as error:  # a reset (broken pipe, ENOTCONN); a timeout is a failure of its own
            if isinstance(error, TimeoutError):
                raise
            return Answer(RESET, {}, b"")


#: The status of an answer that never came: the server closed the connection. Fine for a body the
#: client stopped sending before it was whole (waitress waits for the rest, then drops it unread).
CLOSED = 0
TRUNCATED = ("short", "cut chunk")
#: The status of an answer TCP lost: the server refused a body whose length it cannot know and closed
#: the connection while the client was still sending it, so the client's kernel got a reset, which
#: drops what had arrived unread. Fine only for such a body (tests/test_server.py reads that answer).
RESET = -1
UNKNOWN_LENGTH = ("bad length",)


def strict_json(data: bytes):
    def refuse(name):
        raise ValueError(f"{name} is not JSON")
    return json.loads(data.decode("utf-8"), parse_constant=refuse,
                      parse_float=lambda text: float(text) if math.isfinite(float(text)) else refuse(text))


def snapshot(emulator) -> dict:
    """The emulator's objects, or what made them unreadable (a stored value JSON cannot carry)."""
    try:
        return emulator.export_state()
    except Exception as error:  # noqa: BLE001 - what is reported, not handled
        return {"unreadable": f"{type(error).__name__}: {error}"}


def check(answer: Answer, before: dict, after: dict, request: Fuzzed | None = None) -> list[str]:
    """What is wrong with an answer (empty: nothing): the rules of this module's docstring."""
    problems = [f"state unreadable: {after['unreadable']}"] if "unreadable" in after else []
    if answer.status in (CLOSED, RESET):
        allowed = TRUNCATED if answer.status == CLOSED else TRUNCATED + UNKNOWN_LENGTH
        if request is None or not request.label.endswith(allowed):
            problems.append("the connection closed without an answer")
        if before != after:
            problems.append("state changed by a request that got no answer")
        return problems
    if request is not None and request.must_refuse and answer.status < 400:
        problems.append(f"damaged request not refused: {answer.status}")
        if before != after:
            problems.append("state changed by a damaged request")
    if answer.status >= 500:
        problems.append(f"server error {answer.status}")
    content_type = answer.headers.get("content-type", "")
    if answer.status >= 400 or content_type.startswith("application/json"):
        try:
            body = strict_json(answer.body)
        except ValueError as error:
            return problems + [f"not JSON ({content_type}): {error}"]
        if answer.status >= 400:
            if not content_type.startswith("application/json"):
                problems.append(f"not JSON content type: {content_type}")
            error = body.get("error") if isinstance(body, dict) else None
            if not (isinstance(body, dict) and set(body) == {"error"} and isinstance(error, dict)
                    and set(error) == {"message", "type", "param", "code"}
                    and isinstance(error["message"], str) and isinstance(error["type"], str)
                    and all(error[key] is None or isinstance(error[key], str) for key in ("param", "code"))):
                problems.append(f"not JSON envelope: {body!r:.200}")
            if before != after:
                problems.append("state changed by a refused request")
    elif not content_type.startswith(("text/event-stream", "application/octet-stream")):
        problems.append(f"not JSON, a stream or a download: {content_type}")
    return problems
