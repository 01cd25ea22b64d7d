"""The API reference's own examples, sent as written, get answers shaped like the example answers.

For every operation fakeai serves, the spec's ``x-oaiMeta.examples`` give a curl request and the
response the real API sent. Each example is read from the spec file (nothing is copied here), its
curl command is parsed, and the request goes out through the SDK's generic ``get/post/delete`` with
the example's own headers and its ``-d`` text byte for byte (``-F`` fields as a multipart form, a
file's bytes made up under the example's file name). The answer must have every key of the example
response, with the same JSON types, and the same values wherever the request determines them:
``object`` and ``deleted``, the fields the request body sets, the fields a create request leaves
out (the values the notes give them), and the ids of the objects created for its placeholders (an
answer whose id is of the kind of the path's last id is the object the path names); a list lists as
many items as the example's. Everything else (fresh ids, timestamps, other objects) is compared by
key and type only. A download (``> file.jsonl``: the example shows no JSON answer) must answer the
bytes of the file it names.

Placeholder ids (``thread_abc123``, ``run_abc123``, ``file-abc123``, ``vs_abc123``, ``vsfb_abc123``,
``upload_abc123``, ``part_def456``...) must name real objects, so those objects are created first
through the SDK, built from what the example response shows of them (a listed thread gets the
listed messages, a retrieved thread its ``tool_resources``, an assistant the settings its runs
show, a file its name and purpose, a vector store as many files as its ``file_counts`` show, a
search the files its results show), and their real ids replace the placeholders in the path and
in the body text (which is otherwise sent as written). A run is brought into the state its request
needs, what it does scripted through ``backend.emulator.script``: a cancel or a tool output
submission finds it waiting in ``requires_action`` (the example's tool call ids standing for the
calls it waits on), every other request finds it completed, with the steps the example shows.

The examples are written by hand. Their notation is read as what it stands for: JSON with trailing
commas or unquoted keys, an elided value (``{...}``, accepted as anything) or list item (``...``),
a request member whose value is elided is left out of the body, and a url that names a path
parameter (``{file_id}``) instead of an id gets the id the example response shows for it. What a
shell would trip on (a line without its continuation backslash, a quote left open, a method or path
other than the operation's) is sent as the operation means it and named. Every inconsistency of an
example, with the spec's schemas, with its own request, with itself or with the traffic the notes
recorded (``/work/shared/api-notes``), makes it an xfail that names each one and where the notes
discuss it, after every part of it that agrees has been checked.

What an example gets wrong is read from the example, the spec and the notes alone, before the
request is sent, never from fakeai's answer: a field a create request leaves out has the value the
notes give for it (``DEFAULTS_OF_UNSET_FIELDS``), and an example showing another is wrong, whatever
fakeai answers; fakeai must answer that value all the same. An answer that differs from an example
where the example is right fails.

Streaming examples (``"stream": true``) answer with server-sent events. Their example answer is
read as the events it stands for (``event:`` / ``data:`` lines, a ``...`` line eliding more deltas
like those around it), the run the request starts is scripted to do what the events show (reply
with the text of its ``thread.message.completed``, call the functions of its
``thread.run.requires_action``), and the events fakeai streams, read by the SDK's own decoder,
must be the example's: the same names in the same order, each data the same ``object``, with the
same ``status`` and step ``type``. Deltas compare as one or more, as a text is cut into pieces by
the API's tokens and by fakeai's ``stream_chunk_size``. What a client would trip on in the example
as a stream (data that is not JSON, a data line without ``data:``) makes it an xfail naming each
one, after the comparison.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, replace
from urllib.parse import parse_qsl, urlsplit

import openai
import pytest

from fakeai.routes import API_PREFIX, ROUTES
from tests import official_spec
from tests.official_spec import spec_operation, spec_path
from tests.sdk import raw_body

#: Ids of the objects an example names: the prefixes of the API's ids (api-notes 1.4,
#: files-vector-stores 1.4, 2, 3.3, 5).
PLACEHOLDER = re.compile(r"^(thread|msg|asst|run|step|vs|vsfb|upload|part)_|^file-")
#: A tool call id a request body names (submitted tool outputs): the call a real run waits on.
CALL_PLACEHOLDER = re.compile(r"^call_")
#: Keys whose example value holds for any answer to the same request.
FIXED_VALUE_KEYS = ("object", "deleted")


# --- the examples, straight from the spec ---------------------------------------------------------


@dataclass(frozen=True)
class Example:
    operation: str  # the spec's operationId
    title: str | None
    curl: str
    response: str | None  # JSON text as written by hand; None: the answer is not JSON (a download)

    @property
    def name(self) -> str:
        return f"{self.operation}[{self.title}]" if self.title else self.operation


def served_operations(spec: dict):
    """(route, spec operation) for each route the spec documents (not listThreads)."""
    for route in ROUTES:
        operation = spec_operation(spec, route)
        if operation is not None:
            yield route, operation


def examples_of(operation: dict) -> list[Example]:
    examples = operation["x-oaiMeta"]["examples"]
    if isinstance(examples, dict):
        examples = [examples]
    titles = [example.get("title") for example in examples]
    if len(examples) > 1 and len(set(titles)) < len(titles):
        titles = [f"{title or 'example'} {number}" for number, title in enumerate(titles, 1)]
    return [Example(operation["operationId"], title, example["request"]["curl"], example.get("response"))
            for example, title in zip(examples, titles)]


def all_examples(spec: dict) -> list[Example]:
    return [example for _, operation in served_operations(spec) for example in examples_of(operation)]


def streams(example: Example) -> bool:
    """The example's request asks for server-sent events (``"stream": true``)."""
    return parse_curl(example.curl).streams


def example_params(*, streaming: bool) -> list:
    """The examples whose requests stream (``streaming``) or do not."""
    spec = official_spec.load()
    if spec is None:
        return [pytest.param(None, marks=pytest.mark.skip(
            reason=official_spec.MISSING))]
    examples = [example for example in all_examples(spec) if streams(example) == streaming]
    return [pytest.param(example, id=example.name) for example in examples]


# --- hand-written JSON ----------------------------------------------------------------------------

#: What an elided value (``{...}``) reads as: it shows nothing, so, like a null, it accepts anything.
ELIDED = "{...}"
#: A run of JSON text outside strings, or a string (kept as written).
JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[^"]+')


def read_example_json(text: str):
    """The JSON a hand-written example stands for: trailing commas dropped, unquoted keys
    (``id: "vs_abc123"``) quoted, an elided object (``{...}``) read as ``ELIDED`` and an elided
    list item (``...``) left out."""
    pieces = []
    for token in JSON_TOKEN.findall(text):
        if not token.startswith('"'):
            token = token.replace("{...}", json.dumps(ELIDED))
            token = re.sub(r",?\s*\.\.\.(?=\s*[\],])", "", token)
            token = re.sub(r"([{,]\s*)([A-Za-z_]\w*)(\s*:)", r'\1"\2"\3', token)
            token = re.sub(r",(\s*[}\]])", r"\1", token)
        pieces.append(token)
    return json.loads("".join(pieces))


def without_elided_members(body: str) -> tuple[str, list[str]]:
    """A request body with its elided members (``"filters": {...}``) left out, and their names:
    the example does not say what they are. A body with none is returned as written."""
    member = re.compile(r'(,\s*)?"(\w+)"\s*:\s*\{\.\.\.\}(\s*,)?')
    names = [match.group(2) for match in member.finditer(body)]

    def leave_out(match):
        return "," if match.group(1) and match.group(3) else ""
    return member.sub(leave_out, body), names


# --- curl commands --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CurlRequest:
    method: str
    url: str
    headers: dict
    body: str | None  # the -d text as written (elided members left out); '' for -d ''
    form: tuple = ()  # the -F fields as written, (name, value); a value "@name" uploads a file
    output: str | None = None  # the file a shell redirect (> file.jsonl) writes the answer to
    defects: tuple = ()  # what a shell would trip on in the command as written
    left_out: tuple = ()  # the body members whose value the example elides

    @property
    def path(self) -> str:
        """The path after /v1, which is what the SDK's base_url does not already say."""
        path = urlsplit(self.url).path
        assert path.startswith(API_PREFIX + "/"), f"not an API url: {self.url}"
        return path[len(API_PREFIX):]

    @property
    def streams(self) -> bool:
        """The body asks for server-sent events (``"stream": true``)."""
        return not self.form and self.json_body().get("stream") is True

    @property
    def query(self) -> dict:
        return dict(parse_qsl(urlsplit(self.url).query, keep_blank_values=True))

    def json_body(self) -> dict:
        """The fields the request sets: its -d JSON, or its -F form nested back the way the SDKs
        flatten objects (``expires_after[seconds]``), a file field naming its file."""
        if self.form:
            return form_fields(self.form)
        return json.loads(self.body) if self.body and self.body.strip() else {}


def form_fields(form) -> dict:
    """(('expires_after[seconds]', '3600'), ('file', '@a.jsonl')) -> {'expires_after': {'seconds':
    '3600'}, 'file': 'a.jsonl'}: every value is text, as in the form."""
    fields: dict = {}
    for name, value in form:
        *outer, last = re.findall(r"[^\[\]]+", name)
        target = fields
        for key in outer:
            target = target.setdefault(key, {})
        target[last] = value.removeprefix("@")
    return fields


def shell_words(command: str) -> tuple[list[str], list[str]]:
    """The words of ``command`` as its author meant them, and what a POSIX shell would trip on in
    it: a line that ends without its continuation backslash (a shell ends the command there; the
    lines after it are read as part of it all the same), a double quote still open where its line
    ends (closed there). A ``>`` redirect is a word of its own."""
    text = command.strip()
    lines = text.split("\n")
    words: list[str] = []
    defects: list[str] = []
    word: list[str] = []
    started = False  # a word has begun (an empty quoted word '' counts)
    quote = None
    line = 1

    def end_word():
        nonlocal word, started
        if started:
            words.append("".join(word))
        word, started = [], False

    index = 0
    while index < len(text):
        char, following = text[index], text[index + 1:index + 2]
        if quote == "'":
            if char == "'":
                quote = None
            else:
                word.append(char)
                line += char == "\n"
        elif quote == '"' and (char == "\n" or (char, following) == ("\\", "\n")):
            defects.append(f"line {line} leaves a double quote open: {lines[line - 1].strip()}")
            word, quote = list("".join(word).rstrip()), None
            end_word()
            index += char == "\\"
            line += 1
        elif quote == '"':
            if char == '"':
                quote = None
            elif char == "\\" and following in ('"', "\\", "$", "`"):
                word.append(following)
                index += 1
            else:
                word.append(char)
        elif (char, following) == ("\\", "\n"):
            end_word()
            index += 1
            line += 1
        elif char == "\\":
            word.append(following)
            started = True
            index += 1
        elif char == "\n":
            end_word()
            if text[index + 1:].strip():
                defects.append(f"line {line} ends without a backslash, so a shell ends the command there: "
                               f"{lines[line - 1].strip()}")
            line += 1
        elif char in " \t":
            end_word()
        elif char in "'\"":
            quote, started = char, True
        elif char == ">" and not started:
            words.append(">")
        else:
            word.append(char)
            started = True
        index += 1
    if quote is not None:
        raise ValueError(f"a quote ({quote}) is never closed in {command!r}")
    end_word()
    return words, defects


def parse_curl(command: str) -> CurlRequest:
    """The url, method, headers, -d body, -F form and output file of a curl command as the API
    reference writes them, and what a shell would trip on in it (``shell_words``)."""
    words, defects = shell_words(command)
    if not words or words[0] != "curl":
        raise ValueError(f"not a curl command: {command!r}")
    method = url = body = output = None
    headers: dict = {}
    form: list = []
    rest = iter(words[1:])
    for word in rest:
        if word in ("-X", "--request"):
            method = next(rest).upper()
        elif word in ("-H", "--header"):
            name, _, value = next(rest).partition(":")
            headers[name.strip()] = value.strip()
        elif word in ("-d", "--data", "--data-raw", "--data-binary"):
            if body is not None:
                raise ValueError("several -d options are joined with '&' by curl; not supported")
            body = next(rest)
        elif word in ("-F", "--form"):
            name, _, value = next(rest).partition("=")
            form.append((name, value))
        elif word == ">":
            output = next(rest)
        elif word == "--url":
            url = next(rest)
        elif word.startswith("-"):
            raise ValueError(f"unsupported curl option {word!r} in {command!r}")
        else:
            url = word
    if url is None:
        raise ValueError(f"no url in {command!r}")
    if body is not None and form:
        raise ValueError("-d and -F in one command; not supported")
    left_out: list[str] = []
    if body is not None:
        body, left_out = without_elided_members(body)
    implied = "POST" if body is not None or form else "GET"
    return CurlRequest(method or implied, url, headers, body, tuple(form), output, tuple(defects),
                       tuple(left_out))


def intended_request(request: CurlRequest, route, example_response: dict | None
                     ) -> tuple[CurlRequest, list[str]]:
    """The request the example means, and where its curl command says otherwise: the operation's
    method and path, with the example's ids. A url that names a path parameter instead of an id
    (``/files/{file_id}``) gets the one the example response shows: the key of that name, or, for
    the last parameter, the response's own ``id``."""
    template = spec_path(route.path).strip("/").split("/")
    written = request.path.strip("/").split("/")
    assert len(template) == len(written), f"{request.path} is not a path of {route.path}"
    said = []
    segments = []
    for index, (wanted, given) in enumerate(zip(template, written)):
        if not wanted.startswith("{"):
            if given != wanted:
                said.append(f"its url says {given!r} where the operation's path says {wanted!r}")
            segments.append(wanted)
        elif given == wanted:
            name = wanted[1:-1]
            last = all(not later.startswith("{") for later in template[index + 1:])
            shown = (example_response or {}).get(name, (example_response or {}).get("id") if last else None)
            assert shown, f"the example names no {name} for its url {request.url}"
            segments.append(shown)
        else:
            segments.append(given)
    if request.method != route.method:
        said.append(f"its curl command sends {request.method}, but the operation is a {route.method}")
    url = urlsplit(request.url)._replace(path=API_PREFIX + "/" + "/".join(segments)).geturl()
    return replace(request, method=route.method, url=url), said


#: What a file an example uploads holds (the example shows its name, not its bytes).
MADE_UP_LINE = {"messages": [{"role": "user", "content": "A line of a file an API reference example names."}]}


def made_up_content(filename: str, text: str | None = None) -> bytes:
    """A JSONL line for a .jsonl name, else ``text`` (or a sentence naming the file)."""
    if filename.endswith(".jsonl"):
        return (json.dumps(MADE_UP_LINE) + "\n").encode()
    return (text or f"The text of {filename}, a file an API reference example names.\n").encode()


def multipart_of(form) -> tuple[dict, list]:
    """(text fields, files) of a -F form, for the SDK's ``post(body=..., files=...)`` as its
    ``files.create`` sends them: each "@path" a file of that name, its bytes made up."""
    fields = {name: value for name, value in form if not value.startswith("@")}
    files = []
    for name, value in form:
        if value.startswith("@"):
            filename = value[1:].rsplit("/", 1)[-1]
            files.append((name, (filename, made_up_content(filename))))
    return fields, files


def send_as_written(api, request: CurlRequest, path: str):
    """The request through the SDK's generic methods: the example's headers (the client brings its
    own key) and its body text unchanged, or its form as multipart/form-data (as the SDK's
    ``files.create`` sends it). ``cast_to=object`` returns the parsed JSON; a download (the answer
    goes to a file) and a stream (``"stream": true``: server-sent events) return the SDK's binary
    content, the body as it came."""
    headers = {name: value for name, value in request.headers.items() if name.lower() != "authorization"}
    options = {"headers": headers}
    if request.query:
        options["params"] = request.query
    content = None if request.body is None else request.body.encode()
    if request.method == "GET":
        assert content is None and not request.form, "a GET with a body"
        if request.output is not None:
            return api.get(path, cast_to=openai.HttpxBinaryResponseContent, options=options)
        return api.get(path, cast_to=object, options=options)
    if request.method == "POST" and request.form:
        fields, files = multipart_of(request.form)
        options["headers"] = {**headers, "Content-Type": "multipart/form-data"}
        return api.post(path, cast_to=object, body=fields, files=files, options=options)
    if request.method == "POST":
        answer = openai.HttpxBinaryResponseContent if request.streams else object
        return api.post(path, cast_to=answer, options=options, **raw_body(content))
    if request.method == "DELETE":
        return api.delete(path, cast_to=object, options=options, **raw_body(content))
    raise ValueError(f"unsupported method {request.method}")


# --- stored form of request fields ----------------------------------------------------------------


def stored_content_part(part: dict) -> dict:
    if part["type"] == "text" and isinstance(part["text"], str):
        return {"type": "text", "text": {"value": part["text"], "annotations": []}}
    return part


def request_content_part(part: dict) -> dict:
    if part["type"] == "text":
        return {"type": "text", "text": part["text"]["value"]}
    return part


def stored_form(key: str, value):
    """How a request field reads in the object it creates or changes: string ``content`` becomes
    one text part, and so does a text part given as a plain string; every other field the examples
    send reads back as sent (none sends image parts, which gain a default ``detail``)."""
    if key == "content":
        parts = [{"type": "text", "text": value}] if isinstance(value, str) else value
        return [stored_content_part(part) for part in parts]
    return value


def request_form(key: str, value):
    """The inverse of ``stored_form``: what a create request sends to get ``value`` stored."""
    if key == "content":
        return [request_content_part(part) for part in value]
    return value


# --- what the spec's schemas say ------------------------------------------------------------------


def resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        node = spec
        for step in schema["$ref"].removeprefix("#/").split("/"):
            node = node[step]
        schema = node
    return schema


def branches(spec: dict, schema: dict) -> list[dict]:
    """A schema's alternatives and parts (anyOf/oneOf/allOf), flattened and resolved."""
    schema = resolve(spec, schema)
    nested = [part for key in ("anyOf", "oneOf", "allOf") for part in schema.get(key, [])]
    return [schema] + [branch for part in nested for branch in branches(spec, part)]


def allows_any_key(branch: dict) -> bool:
    """An open map; an object that only wraps its alternatives (``oneOf``...) is not one."""
    if branch.get("additionalProperties") not in (None, False):
        return True
    wrapper = any(key in branch for key in ("anyOf", "oneOf", "allOf"))
    return branch.get("type") == "object" and "properties" not in branch and not wrapper


def undeclared_keys(spec: dict, value, schema: dict, where: tuple = ()) -> list[tuple]:
    """Paths (tuples of keys and list indexes) of the keys of ``value`` that no alternative of
    ``schema`` declares, e.g. a field of an older API version left in an example."""
    alternatives = branches(spec, schema)
    if isinstance(value, dict):
        objects = [b for b in alternatives if b.get("type") == "object" or "properties" in b]
        if not objects or any(allows_any_key(b) for b in objects):
            return []
        found = []
        for key, item in value.items():
            declared = [b["properties"][key] for b in objects if key in b.get("properties", {})]
            if declared:
                found += undeclared_keys(spec, item, {"anyOf": declared}, (*where, key))
            else:
                found.append((*where, key))
        return found
    if isinstance(value, list):
        items = [b["items"] for b in alternatives if "items" in b]
        if not items:
            return []
        return [path for index, item in enumerate(value)
                for path in undeclared_keys(spec, item, {"anyOf": items}, (*where, index))]
    return []


def dotted(path: tuple, root: str) -> str:
    """('content', 0, 'text') -> 'response.content[0].text'."""
    return root + "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in path)


def schema_name(schema: dict) -> str:
    return schema.get("$ref", "the inline schema").rsplit("/", 1)[-1]


def json_schema_of(content: dict) -> dict:
    """The schema of a body: JSON, or a multipart form (file uploads)."""
    [media_type] = [media for media in ("application/json", "multipart/form-data") if media in content]
    return content[media_type]["schema"]


def request_schema(operation: dict) -> dict | None:
    body = operation.get("requestBody")
    return json_schema_of(body["content"]) if body else None


def response_schema(operation: dict) -> dict:
    return json_schema_of(operation["responses"]["200"]["content"])


def type_allows(declared, value) -> bool:
    """A JSON Schema ``type`` (one or a list) admits ``value``; a number may be an integer."""
    kinds = declared if isinstance(declared, list) else [declared]
    return any(json_type(value) == kind or (kind == "number" and json_type(value) == "integer")
               for kind in kinds)


def allows(spec: dict, schema: dict, value) -> bool:
    """Whether ``schema`` admits ``value`` as far as its types, enums and consts say (an object's or
    a list's members are not looked at here)."""
    schema = resolve(spec, schema)
    for key in ("anyOf", "oneOf"):
        if key in schema and not any(allows(spec, alternative, value) for alternative in schema[key]):
            return False
    if "allOf" in schema and not all(allows(spec, part, value) for part in schema["allOf"]):
        return False
    if "type" in schema and not type_allows(schema["type"], value):
        return False
    if isinstance(value, (dict, list)):
        return True
    return value in schema.get("enum", [value]) and schema.get("const", value) == value


def what_it_allows(spec: dict, schema: dict) -> str:
    kinds = branches(spec, schema)
    enums = [value for branch in kinds for value in branch.get("enum", [])]
    if enums:
        return " or ".join(map(repr, enums))
    types = [kind for branch in kinds if "type" in branch
             for kind in (branch["type"] if isinstance(branch["type"], list) else [branch["type"]])]
    return "a value of type " + " or ".join(dict.fromkeys(types))


def values_the_schema_rules_out(spec: dict, value, schema: dict, where: tuple = ()) -> list[tuple]:
    """(path, what the schema allows there) for each value of ``value`` that the schema's types,
    enums and consts rule out at a key it declares (a null or elided value shows nothing)."""
    if value is None or value == ELIDED:
        return []
    if not allows(spec, schema, value):
        return [(where, what_it_allows(spec, schema))]
    alternatives = branches(spec, schema)
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            declared = [b["properties"][key] for b in alternatives if key in b.get("properties", {})]
            if declared:
                found += values_the_schema_rules_out(spec, item, {"anyOf": declared}, (*where, key))
        return found
    if isinstance(value, list):
        items = [b["items"] for b in alternatives if "items" in b]
        return [found for index, item in enumerate(value) if items
                for found in values_the_schema_rules_out(spec, item, {"anyOf": items}, (*where, index))]
    return []


def at(value, path: tuple):
    for step in path:
        value = value[step]
    return value


def creatable_fields(spec: dict, operation_id: str) -> set[str]:
    """The fields the create request of ``operation_id`` accepts (its spec request schema)."""
    [route] = [route for route in ROUTES if route.operation == operation_id]
    return set(resolve(spec, request_schema(spec_operation(spec, route)))["properties"])


# --- the objects the example names ----------------------------------------------------------------

#: Run settings a run takes from its assistant unless its request overrides them (api-notes 5.5).
ASSISTANT_SETTINGS = ("model", "instructions", "tools", "temperature", "top_p", "response_format")
#: Operations whose run must wait in requires_action: submitting tool outputs needs that, and a
#: run waiting for outputs is the only active run that is still active when the cancel comes.
ACT_ON_A_WAITING_RUN = ("cancelRun", "submitToolOuputsToRun")
#: What a waiting run calls when the assistant the example shows has no function tool of its own.
WAITING_FUNCTION = {"type": "function", "function": {
    "name": "wait_for_tool_outputs", "description": "Keeps the run waiting for tool outputs.",
    "parameters": {"type": "object", "properties": {}}}}
#: What a completed run the example shows wrote (the examples show its steps, not its text).
SCRIPTED_REPLY = "The reply of a run an API reference example names."


#: The MIME type an Upload of a file so named declares (the createUpload example's for JSONL).
MIME_TYPES = {"jsonl": "text/jsonl", "txt": "text/plain", "pdf": "application/pdf"}
#: How long after its creation a File may expire: ``expires_after.seconds`` (the spec's
#: FileExpirationAfter; files-vector-stores 1.2).
FILE_EXPIRY_SECONDS = (3600, 2_592_000)
#: An Upload expires an hour after its creation (the spec's createUpload text; files-vector-stores 2).
UPLOAD_LIFETIME = 3600


def expiry_shown(file: dict) -> dict | None:
    """The ``expires_after`` a File shown expiring (as a File can) was uploaded with."""
    created, expires = file.get("created_at"), file.get("expires_at")
    if isinstance(created, int) and isinstance(expires, int) and \
            FILE_EXPIRY_SECONDS[0] <= expires - created <= FILE_EXPIRY_SECONDS[1]:
        return {"anchor": "created_at", "seconds": expires - created}
    return None


def kind_of(placeholder: str) -> str:
    """'file-abc123' -> 'file', 'vsfb_abc123' -> 'vsfb'."""
    return "file" if placeholder.startswith("file-") else placeholder.split("_")[0]


def counted(file_counts: dict) -> int:
    """The files ``file_counts`` shows, by their statuses (its ``total`` may not add up)."""
    return sum(file_counts.get(status, 0) for status in ("in_progress", "completed", "failed", "cancelled"))


def placeholders_in(path: str) -> list[str]:
    return [segment for segment in path.split("/") if PLACEHOLDER.match(segment)]


def strings_in(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


def placeholders_in_body(body: dict) -> list[str]:
    """The object and tool call ids a request body names (``asst_abc123``, ``call_001``)."""
    return list(dict.fromkeys(text for text in strings_in(body)
                              if PLACEHOLDER.match(text) or CALL_PLACEHOLDER.match(text)))


def objects_in(value):
    """Every JSON object inside ``value``, depth first."""
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from objects_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from objects_in(item)


def existing_objects(example_response: dict, placeholders: list[str]) -> list[dict]:
    """What the example shows as there before the request: a list's items, or the object the path
    names (retrieve, modify, delete). A create's answer is new, so it shows nothing existing."""
    if example_response.get("object") == "list":
        return list(example_response["data"])
    if example_response.get("id") in placeholders:
        return [example_response]
    return []


def create_fields(spec: dict, operation_id: str, shown: dict | None, set_by_request: dict) -> dict:
    """The create request for an object as the example shows it, minus what the request sets."""
    allowed = creatable_fields(spec, operation_id) - set(set_by_request)
    return {key: request_form(key, value) for key, value in (shown or {}).items() if key in allowed}


def oldest_first(objects: list[dict]) -> list[dict]:
    return sorted(objects, key=lambda obj: obj["created_at"])


def function_tools(assistant) -> list:
    return [tool.function for tool in assistant.tools if tool.type == "function"]


def sample_arguments(function) -> dict:
    """Arguments a call of ``function`` could carry: a value for each required parameter."""
    parameters = function.parameters or {}
    properties = parameters.get("properties", {})
    return {name: properties.get(name, {}).get("enum", ["example"])[0]
            for name in parameters.get("required", [])}


class ExampleObjects:
    """Creates, through the SDK, the objects an example names by placeholder ids: in its path,
    in its request body (an assistant to run, tool calls to answer), and in a list it answers.
    Each is built from what the example response shows of it; a run is brought into the state
    its request needs, its outcome scripted. ``real_ids`` maps each placeholder to the real id."""

    def __init__(self, api, script, spec: dict, operation_id: str, request: CurlRequest,
                 example_response: dict, replies_after_outputs: tuple[str, ...] = ()):
        self.api, self.script, self.spec = api, script, spec
        self.replies_after_outputs = replies_after_outputs  # what a waiting run writes once answered
        self.operation_id = operation_id
        self.request_body = request.json_body()
        self.response = example_response
        self.path_placeholders = placeholders_in(request.path)
        self.existing = existing_objects(example_response, self.path_placeholders)
        self.shown = {obj["id"]: obj for obj in self.existing if isinstance(obj.get("id"), str)}
        self.assistants: dict[str, object] = {}  # placeholder -> the assistant created for it
        self.real_ids: dict[str, str] = {}
        self.contents: dict[str, bytes] = {}  # real file id -> the bytes uploaded

    def create(self) -> dict[str, str]:
        """Everything the example names, outermost first; returns placeholder -> real id."""
        thread_id = store_id = None
        for placeholder in self.path_placeholders:
            kind = kind_of(placeholder)
            assert kind in ("thread", "asst", "vs", "file", "upload") or thread_id or store_id, \
                f"{placeholder} outside a thread or a vector store"
            if kind == "thread":
                thread_id = self.thread(placeholder)
            elif kind == "msg":
                self.message(placeholder, thread_id)
            elif kind == "asst":
                self.assistant(placeholder)
            elif kind == "run":
                self.run(placeholder, thread_id)
            elif kind == "vs":
                store_id = self.vector_store(placeholder)
            elif kind == "file" and store_id:
                self.store_file(placeholder, store_id)
            elif kind == "file":
                self.file(placeholder)
            elif kind == "vsfb":
                self.batch(placeholder, store_id)
            elif kind == "upload":
                self.upload(placeholder)
            else:  # a step: made by the run before it (see remember_steps)
                assert placeholder in self.real_ids, f"the run made no step like {placeholder}"
        for placeholder in placeholders_in_body(self.request_body):
            kind = kind_of(placeholder)
            if kind == "asst":
                self.assistant(placeholder)
            elif kind == "vs":
                self.vector_store(placeholder)
            elif kind == "file":  # one the request attaches or shows to a tool
                self.file(placeholder, for_retrieval=True)
            elif kind == "part":
                assert placeholder in self.real_ids, f"no upload made the part {placeholder}"
        if self.response.get("object") == "vector_store.search_results.page":
            self.files_found_by_search(store_id)
        self.create_listed_objects()
        return self.real_ids

    def remember(self, placeholder: str, real_id: str) -> str:
        self.real_ids[placeholder] = real_id
        return real_id

    def thread(self, placeholder: str) -> str:
        """A listed thread gets the listed messages, a retrieved one its ``tool_resources``."""
        fields = create_fields(self.spec, "createThread", self.shown.get(placeholder), self.request_body)
        fields.pop("messages", None)
        listed = [obj for obj in self.existing if obj.get("object") == "thread.message"
                  and obj.get("thread_id") == placeholder and obj["id"] not in self.path_placeholders]
        messages = [create_fields(self.spec, "createMessage", message, {}) for message in listed]
        thread = self.api.beta.threads.create(**fields, **({"messages": messages} if messages else {}))
        return self.remember(placeholder, thread.id)

    def message(self, placeholder: str, thread_id: str) -> str:
        fields = {"role": "user", "content": "A message the example's path names."}
        fields.update(create_fields(self.spec, "createMessage", self.shown.get(placeholder),
                                    self.request_body))
        return self.remember(placeholder, self.api.beta.threads.messages.create(thread_id, **fields).id)

    def assistant(self, placeholder: str, *, with_function: bool = False):
        """The assistant (created once), as the example shows it or as its runs show its settings;
        ``with_function``: it has a function tool for a run to call."""
        if placeholder not in self.assistants:
            shown = self.assistant_shown(placeholder)
            fields = {"model": "gpt-4o",
                      **create_fields(self.spec, "createAssistant", shown, self.request_body)}
            if with_function and not any(tool["type"] == "function" for tool in fields.get("tools", [])):
                fields["tools"] = [*fields.get("tools", []), WAITING_FUNCTION]
            self.assistants[placeholder] = self.api.beta.assistants.create(**fields)
            self.remember(placeholder, self.assistants[placeholder].id)
        assistant = self.assistants[placeholder]
        assert function_tools(assistant) or not with_function, f"{placeholder} has no function to call"
        return assistant

    def assistant_shown(self, placeholder: str) -> dict | None:
        """The assistant itself, or the settings a run of it shows (api-notes 5.5)."""
        if placeholder in self.shown:
            return self.shown[placeholder]
        runs = [obj for obj in objects_in(self.response)
                if obj.get("object") == "thread.run" and obj.get("assistant_id") == placeholder]
        return {key: runs[0][key] for key in ASSISTANT_SETTINGS if key in runs[0]} if runs else None

    def assistant_of_run(self, placeholder: str) -> str:
        """The assistant the example response names for the run: its own, or its steps'."""
        named = [obj["assistant_id"] for obj in objects_in(self.response)
                 if placeholder in (obj.get("id"), obj.get("run_id")) and "assistant_id" in obj]
        assert named, f"the example response names no assistant for {placeholder}"
        return named[0]

    def status_needed(self, placeholder: str) -> str:
        if self.operation_id in ACT_ON_A_WAITING_RUN and placeholder in self.path_placeholders:
            return "requires_action"
        return self.shown.get(placeholder, {}).get("status", "completed")

    def run(self, placeholder: str, thread_id: str) -> str:
        """A run of the thread, with the settings the example shows, in the status the request
        needs: waiting for the tool outputs it submits (or for a cancel), else as shown."""
        status = self.status_needed(placeholder)
        assistant = self.assistant(self.assistant_of_run(placeholder),
                                   with_function=status == "requires_action")
        if status == "requires_action":
            self.script_function_calls(thread_id, function_tools(assistant)[0])
        elif status == "completed":
            self.script_replies(thread_id, placeholder)
        else:
            raise NotImplementedError(f"no example needs a {status} run yet")
        run = self.api.beta.threads.runs.create(thread_id, assistant_id=assistant.id,
                                                **self.run_fields(placeholder))
        run = self.api.beta.threads.runs.poll(run.id, thread_id=thread_id)
        assert run.status == status, f"the run for {placeholder} is {run.status}, not {status}"
        if status == "requires_action":
            self.remember_call_ids(run)
        else:
            self.remember_steps(placeholder, run)
        return self.remember(placeholder, run.id)

    def run_fields(self, placeholder: str) -> dict:
        """What the create request sets of the run as shown; its assistant gives the rest."""
        fields = create_fields(self.spec, "createRun", self.shown.get(placeholder), self.request_body)
        return {key: value for key, value in fields.items()
                if key not in ASSISTANT_SETTINGS and key != "assistant_id"}

    def submitted_call_ids(self) -> list[str]:
        return [output["tool_call_id"] for output in self.request_body.get("tool_outputs", [])]

    def script_function_calls(self, thread_id: str, function) -> None:
        """One call for each tool output the request submits (one to wait on, if none): the calls
        the example shows, else calls of ``function``; then the replies the run writes once its
        outputs are in (``replies_after_outputs``)."""
        count = len(self.submitted_call_ids()) or 1
        calls = self.calls_shown(function.name)
        if len(calls) != count:
            calls = [(function.name, sample_arguments(function))] * count
        plan = self.script.call_functions(*calls, thread_id=thread_id)
        for text in self.replies_after_outputs:
            plan.then_reply(text)

    def calls_shown(self, name: str) -> list[tuple[str, dict]]:
        """(name, arguments) of each call of the function ``name`` the example response shows."""
        calls = {}
        for obj in objects_in(self.response):
            function = obj.get("function")
            if obj.get("type") == "function" and isinstance(obj.get("id"), str) \
                    and isinstance(function, dict) and function.get("name") == name \
                    and isinstance(function.get("arguments"), str):
                try:
                    calls[obj["id"]] = (name, json.loads(function["arguments"]))
                except json.JSONDecodeError:
                    continue
        return list(calls.values())

    def steps_shown(self, placeholder: str) -> list[dict]:
        steps = [obj for obj in objects_in(self.response) if obj.get("object") == "thread.run.step"]
        return oldest_first([step for step in steps if step.get("run_id") == placeholder])

    def script_replies(self, thread_id: str, placeholder: str) -> None:
        """A reply for each message_creation step shown (one if none is): a completed run's work."""
        kinds = {step["type"] for step in self.steps_shown(placeholder)}
        if kinds - {"message_creation"}:
            raise NotImplementedError(f"scripting {kinds - {'message_creation'}} steps")
        plan = self.script.plan(thread_id=thread_id)
        for _ in range(len(self.steps_shown(placeholder)) or 1):
            plan.then_reply(SCRIPTED_REPLY)

    def remember_call_ids(self, run) -> None:
        """The tool call ids the request submits outputs for, in order, stand for the calls the run
        waits on (a cancel submits none)."""
        submitted = self.submitted_call_ids()
        if submitted:
            calls = run.required_action.submit_tool_outputs.tool_calls
            for placeholder, call in zip(submitted, calls, strict=True):
                self.remember(placeholder, call.id)

    def remember_steps(self, placeholder: str, run) -> None:
        """The steps shown of the run stand for the steps it made, oldest first."""
        shown = self.steps_shown(placeholder)
        if not shown:
            return
        made = list(self.api.beta.threads.runs.steps.list(run.id, thread_id=run.thread_id, order="asc"))
        assert [step.type for step in made] == [step["type"] for step in shown], made
        for step, real in zip(shown, made):
            self.remember(step["id"], real.id)

    def create_listed_objects(self) -> None:
        """A list's items no path names: runs of a thread it names, oldest first, and assistants,
        files, vector stores and the files of a store it names, last listed first (their lists
        show the newest first)."""
        for listed in oldest_first([obj for obj in self.existing if obj.get("object") == "thread.run"
                                    and obj["id"] not in self.real_ids]):
            self.run(listed["id"], self.real_ids[listed["thread_id"]])
        for listed in reversed(self.existing):
            kind, placeholder = listed.get("object"), listed.get("id")
            if kind == "assistant" and not self.path_placeholders:
                fields = create_fields(self.spec, "createAssistant", listed, {})
                self.api.beta.assistants.create(**{"model": "gpt-4o", **fields})
            elif placeholder in self.real_ids:
                continue
            elif kind == "file":
                self.file(placeholder)
            elif kind == "vector_store":
                self.vector_store(placeholder)
            elif kind == "vector_store.file":
                self.store_file(placeholder, self.real_ids[listed["vector_store_id"]])

    # --- files, uploads and vector stores -------------------------------------------------------

    def new_file(self, filename: str, purpose: str, text: str | None = None,
                 expires_after: dict | None = None) -> str:
        """An upload of a file so named, its bytes made up (``text``, if given), with the expiry
        policy given; its real id."""
        content = made_up_content(filename, text)
        policy = {"expires_after": expires_after} if expires_after else {}
        file = self.api.files.create(file=(filename, content), purpose=purpose, **policy)
        self.contents[file.id] = content
        return file.id

    def file_shown(self, placeholder: str) -> dict:
        """What the example response shows of a File: the File itself, or an object naming it by
        ``file_id`` with its ``filename``."""
        shown = {}
        for obj in objects_in(self.response):
            if obj.get("object") == "file" and obj.get("id") == placeholder:
                shown.update(obj)
            elif obj.get("file_id") == placeholder and "filename" in obj:
                shown["filename"] = obj["filename"]
        return shown

    def file(self, placeholder: str, *, for_retrieval: bool = False) -> str:
        """A File named and purposed as the example shows it. One it does not show is, for file_search
        (``for_retrieval``), a text file for assistants (file_search reads .txt, files-vector-stores
        4.4), else a fine-tune JSONL file, as the Files examples show file-abc123: that purpose can
        be downloaded, where an assistants file cannot (files-vector-stores 1.3, F2)."""
        if placeholder in self.real_ids:
            return self.real_ids[placeholder]
        filename, purpose = (f"{placeholder}.txt", "assistants") if for_retrieval else (
            f"{placeholder}.jsonl", "fine-tune")
        shown = self.file_shown(placeholder)
        made = self.new_file(shown.get("filename", filename), shown.get("purpose", purpose),
                             expires_after=expiry_shown(shown))
        return self.remember(placeholder, made)

    def store_file(self, placeholder: str, store_id: str) -> str:
        """A File attached to the store, with the attributes and chunking the example shows of it
        (not an elided value, nor what the request sets)."""
        file_id = self.file(placeholder, for_retrieval=True)
        shown = {key: value for key, value in self.shown.get(placeholder, {}).items() if value != ELIDED}
        fields = create_fields(self.spec, "createVectorStoreFile", shown, self.request_body)
        fields.pop("file_id", None)
        self.api.vector_stores.files.create(vector_store_id=store_id, file_id=file_id, **fields)
        return file_id

    def vector_store(self, placeholder: str) -> str:
        """A store with the fields its object declares as the example shows them, and as many files
        as its ``file_counts`` show (the failed ones scripted to fail); they settle as the
        emulator's progression says."""
        if placeholder in self.real_ids:
            return self.real_ids[placeholder]
        shown = self.shown.get(placeholder, {})
        declared = resolve(self.spec, {"$ref": "#/components/schemas/VectorStoreObject"})["properties"]
        shown_declared = {key: value for key, value in shown.items() if key in declared}
        fields = create_fields(self.spec, "createVectorStore", shown_declared, self.request_body)
        counts = shown.get("file_counts", {})
        if counts.get("cancelled"):
            raise NotImplementedError("a store with cancelled files")
        file_ids = [self.new_file(f"{placeholder}-{number}.txt", "assistants")
                    for number in range(counted(counts))]
        for file_id in file_ids[:counts.get("failed", 0)]:
            self.script.fail_ingestion(file_id)
        store = self.api.vector_stores.create(**fields, **({"file_ids": file_ids} if file_ids else {}))
        return self.remember(placeholder, store.id)

    def batch(self, placeholder: str, store_id: str) -> str:
        """A batch of the files a list of it shows (last listed first: lists show the newest first),
        or of as many files as its ``file_counts`` show (one at least)."""
        listed = [obj["id"] for obj in self.existing if obj.get("object") == "vector_store.file"]
        if listed:
            file_ids = [self.file(file, for_retrieval=True) for file in reversed(listed)]
        else:
            counts = self.shown.get(placeholder, {}).get("file_counts", {})
            file_ids = [self.new_file(f"{placeholder}-{number}.txt", "assistants")
                        for number in range(max(counted(counts), 1))]
        batch = self.api.vector_stores.file_batches.create(vector_store_id=store_id, file_ids=file_ids)
        return self.remember(placeholder, batch.id)

    def upload(self, placeholder: str) -> str:
        """A pending Upload named and purposed as the example shows it, with the parts its request
        body names; it declares their bytes, so that it can be completed."""
        shown = self.shown.get(placeholder, {})
        filename = shown.get("filename", f"{placeholder}.jsonl")
        parts = [part for part in placeholders_in_body(self.request_body) if kind_of(part) == "part"]
        data = made_up_content(filename)
        upload = self.api.uploads.create(filename=filename, purpose=shown.get("purpose", "fine-tune"),
                                         bytes=len(data) * max(len(parts), 1),
                                         mime_type=MIME_TYPES.get(filename.rsplit(".", 1)[-1], "text/plain"))
        for part in parts:
            self.remember(part, self.api.uploads.parts.create(upload.id, data=data).id)
        return self.remember(placeholder, upload.id)

    def files_found_by_search(self, store_id: str) -> None:
        """The files a search answer shows, in the store, in the order shown: each named and with
        the attributes shown, holding the text shown of it and the query (fakeai's search is
        lexical, files-vector-stores 6; the API's finds what means the same)."""
        query = self.request_body["query"]
        words = query if isinstance(query, str) else " ".join(query)
        for result in self.response["data"]:
            text = " ".join(part["text"] for part in result["content"]) + "\n" + words + "\n"
            file_id = self.new_file(result["filename"], "assistants", text)
            self.api.vector_stores.files.create(vector_store_id=store_id, file_id=file_id,
                                                attributes=result["attributes"])
            self.remember(result["file_id"], file_id)


def with_real_ids(path: str, real_ids: dict[str, str]) -> str:
    return "/".join(real_ids.get(segment, segment) for segment in path.split("/"))


def with_real_ids_in_body(request: CurlRequest, real_ids: dict[str, str]) -> CurlRequest:
    """The request with each id its body names (a JSON string) replaced by the real id; the rest
    of the body text stays as written."""
    body = request.body
    if request.form:
        assert not placeholders_in_body(request.json_body()), "ids in a form are not replaced yet"
        return request
    for placeholder in placeholders_in_body(request.json_body()):
        assert placeholder in real_ids, f"nothing was created for {placeholder!r} of the request body"
        body = body.replace(json.dumps(placeholder), json.dumps(real_ids[placeholder]))
    return replace(request, body=body)


# --- comparing an answer with the example answer --------------------------------------------------


def json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def same_json_type(expected, actual) -> bool:
    """An integer is a number too; a fractional example number accepts an integer answer."""
    return json_type(expected) == json_type(actual) or (
        json_type(expected) == "number" and json_type(actual) == "integer")


def shape_mismatches(expected, actual, real_ids: dict[str, str], where: str = "response") -> list[str]:
    """Where ``actual`` lacks a key of ``expected``, has another JSON type, or differs in a value
    any answer must share: ``object``, ``deleted``, and the ids of the objects created for the
    example's placeholders (``real_ids``). Lists of the same length compare item by item, others
    each actual item with the example's first item. A null or elided example value accepts
    anything."""
    if expected is None or expected == ELIDED:
        return []
    if isinstance(expected, str) and expected in real_ids:
        if actual != real_ids[expected]:
            return [f"{where}: expected the id of {expected}, {real_ids[expected]!r}, got {actual!r}"]
        return []
    if not same_json_type(expected, actual):
        return [f"{where}: expected {json_type(expected)} like {expected!r}, got {actual!r}"]
    if isinstance(expected, dict):
        problems = []
        for key, value in expected.items():
            here = f"{where}.{key}"
            if key not in actual:
                problems.append(f"{here}: missing (example has {value!r})")
            elif key in FIXED_VALUE_KEYS and actual[key] != value:
                problems.append(f"{here}: expected {value!r}, got {actual[key]!r}")
            else:
                problems += shape_mismatches(value, actual[key], real_ids, here)
        return problems
    if isinstance(expected, list) and expected:
        models = expected if len(expected) == len(actual) else [expected[0]] * len(actual)
        return [problem for index, (model, item) in enumerate(zip(models, actual))
                for problem in shape_mismatches(model, item, real_ids, f"{where}[{index}]")]
    return []


def echoed_values(request_body: dict, example_response: dict) -> dict:
    """The response fields the request body sets, in their stored form."""
    return {key: stored_form(key, value) for key, value in request_body.items() if key in example_response}


def uploaded_file_values(request: CurlRequest, example_response: dict) -> dict:
    """What the answer to a form uploading one file says of it, as far as the example shows: its
    ``filename`` (the part's, verbatim) and its ``bytes`` (files-vector-stores 1.2)."""
    files = multipart_of(request.form)[1] if request.form else []
    if len(files) != 1:
        return {}
    [(_, (filename, content))] = files
    told = {"filename": filename, "bytes": len(content)}
    return {key: value for key, value in told.items() if key in example_response}


def without(value, paths: list[tuple]):
    """A copy of ``value`` without the keys at ``paths`` (as ``undeclared_keys`` gives them)."""
    value = json.loads(json.dumps(value))
    for path in paths:
        node = value
        for step in path[:-1]:
            node = node[step]
        del node[path[-1]]
    return value


# --- the tests ------------------------------------------------------------------------------------


def test_every_operation_fakeai_serves_from_the_spec_has_its_examples_collected_here(spec):
    served = {route.operation for route, _ in served_operations(spec)}
    collected = {example.operation for example in all_examples(spec)}

    assert served == {route.operation for route in ROUTES} - {"listThreads"}
    assert collected == served
    streaming, not_streaming = example_params(streaming=True), example_params(streaming=False)
    assert len(streaming) + len(not_streaming) == len(all_examples(spec))
    assert len(streaming) == 5


def test_the_curl_parser_reads_method_url_headers_and_the_body_as_written():
    command = ("curl -X DELETE https://api.openai.com/v1/threads/thread_x/messages?limit=2 \\\n"
               "  -H \"OpenAI-Beta: assistants=v2\" \\\n  -d '{\n  \"a\": \"b c\"\n}'")

    request = parse_curl(command)

    assert (request.method, request.path, request.query) == ("DELETE", "/threads/thread_x/messages",
                                                             {"limit": "2"})
    assert request.headers == {"OpenAI-Beta": "assistants=v2"}
    assert request.body == '{\n  "a": "b c"\n}' and request.json_body() == {"a": "b c"}
    assert parse_curl("curl https://api.openai.com/v1/threads -d ''").method == "POST"
    assert parse_curl("curl https://api.openai.com/v1/threads -d ''").json_body() == {}
    assert parse_curl("curl https://api.openai.com/v1/threads/thread_x").method == "GET"


def test_the_curl_parser_reads_form_fields_uploaded_files_and_where_a_download_goes():
    command = ("curl https://api.openai.com/v1/files \\\n  -F purpose=\"fine-tune\" \\\n"
               "  -F file=\"@data/mydata.jsonl\" \\\n  -F expires_after[seconds]=3600 > out.jsonl")

    request = parse_curl(command)

    assert (request.method, request.path, request.output, request.defects) == (
        "POST", "/files", "out.jsonl", ())
    assert request.form == (
        ("purpose", "fine-tune"), ("file", "@data/mydata.jsonl"), ("expires_after[seconds]", "3600"))
    assert request.json_body() == {"purpose": "fine-tune", "file": "data/mydata.jsonl",
                                   "expires_after": {"seconds": "3600"}}
    fields, files = multipart_of(request.form)
    assert fields == {"purpose": "fine-tune", "expires_after[seconds]": "3600"}
    assert [(name, filename) for name, (filename, _) in files] == [("file", "mydata.jsonl")]
    assert parse_curl('curl https://api.openai.com/v1/uploads/upload_x/parts -F data="abc"').method == "POST"
    assert parse_curl("curl https://api.openai.com/v1/files/file-x/content > file.jsonl").method == "GET"


def test_the_curl_parser_reads_a_command_as_meant_and_names_what_a_shell_would_trip_on():
    command = ("curl https://api.openai.com/v1/vector_stores/vs_x\n"
               "  -H \"Content-Type: application/json \\\n"
               "  -d '{\"name\": \"n\"}'\n")

    request = parse_curl(command)

    assert request.defects == (
        "line 1 ends without a backslash, so a shell ends the command there: "
        "curl https://api.openai.com/v1/vector_stores/vs_x",
        "line 2 leaves a double quote open: -H \"Content-Type: application/json \\")
    assert (request.method, request.headers, request.json_body()) == (
        "POST", {"Content-Type": "application/json"}, {"name": "n"})


def test_hand_written_json_is_read_as_the_json_it_stands_for():
    text = ('{\n  id: "a, b: c",\n  "parts": [{"x": 1},\n    ...\n  ],\n  "chunking": {...},\n'
            '  "deleted": true,\n}')

    assert read_example_json(text) == {"id": "a, b: c", "parts": [{"x": 1}], "chunking": ELIDED,
                                       "deleted": True}
    request = parse_curl("curl https://api.openai.com/v1/vector_stores/vs_x/search "
                         "-d '{\"query\": \"q\", \"filters\": {...}}'")
    assert (request.body, request.left_out, request.json_body()) == (
        '{"query": "q"}', ("filters",), {"query": "q"})


def test_a_request_goes_with_its_operations_method_to_its_path_with_the_ids_the_example_shows(spec):
    route, _ = route_and_operation(spec, "cancelVectorStoreFileBatch")
    written = parse_curl("curl https://api.openai.com/v1/vector_stores/vs_a/files_batches/vsfb_b/cancel")

    request, said = intended_request(written, route, {})

    assert (request.method, request.path) == ("POST", "/vector_stores/vs_a/file_batches/vsfb_b/cancel")
    assert said == ["its url says 'files_batches' where the operation's path says 'file_batches'",
                    "its curl command sends GET, but the operation is a POST"]
    route, _ = route_and_operation(spec, "updateVectorStoreFileAttributes")
    written = parse_curl("curl https://api.openai.com/v1/vector_stores/{vector_store_id}/files/{file_id} "
                         "-d '{}'")
    request, said = intended_request(written, route, {"id": "file-a", "vector_store_id": "vs_b"})
    assert (request.method, request.path, said) == ("POST", "/vector_stores/vs_b/files/file-a", [])


def route_and_operation(spec: dict, operation_id: str):
    [(route, operation)] = [(route, operation) for route, operation in served_operations(spec)
                            if operation["operationId"] == operation_id]
    return route, operation


#: Where the notes discuss what an example says of objects of a schema or a kind (``object``).
NOTES = {
    "VectorStoreObject": "files-vector-stores §3.3", "ListVectorStoresResponse": "files-vector-stores §3.3",
    "VectorStoreFileContentResponse": "files-vector-stores §4.7",
    "VectorStoreFileBatchObject": "files-vector-stores §0.1 #2, §5",
    "VectorStoreSearchResultsPage": "files-vector-stores §6",
    "RunObject": "threads-api §5.4", "ListRunsResponse": "threads-api §5.4",
    "file": "files-vector-stores §1.4", "upload": "files-vector-stores §2",
    "vector_store": "files-vector-stores §3.3",
    "vector_store.file": "files-vector-stores §4.2", "vector_store.file_batch": "files-vector-stores §5",
}


def noted(text: str, *topics: str) -> str:
    """``text`` with where the notes discuss its first topic they know."""
    where = next((NOTES[topic] for topic in topics if topic in NOTES), None)
    return f"{text} ({where})" if where else text


def undeclared_request_keys(spec: dict, operation: dict, body: dict) -> list[str]:
    schema = request_schema(operation)
    if schema is None:
        return []
    return [f"the example request sets {dotted(path, 'request')}, which {schema_name(schema)} does "
            "not declare" for path in undeclared_keys(spec, body, schema)]


def described_response_keys(operation: dict, paths: list[tuple]) -> list[str]:
    name = schema_name(response_schema(operation))
    return [noted(f"the example response has {dotted(path, 'response')}, which {name} does not declare", name)
            for path in paths]


def described_ruled_out_values(operation: dict, example_response, ruled_out: list[tuple]) -> list[str]:
    name = schema_name(response_schema(operation))
    return [noted(f"the example response has {dotted(path, 'response')} {at(example_response, path)!r}, but "
                  f"{name} allows only {allowed} there", name) for path, allowed in ruled_out]


def counts_that_do_not_add_up(example_response) -> list[str]:
    """A ``file_counts`` whose ``total`` is not the sum of the files by status."""
    found = []
    for obj in objects_in(example_response):
        counts = obj.get("file_counts")
        if isinstance(counts, dict) and "total" in counts and counts["total"] != counted(counts):
            found.append(f"the example response's file_counts.total is {counts['total']}, but its counts by "
                         f"status add up to {counted(counts)} (files-vector-stores §3.5)")
    return found


def objects_with_paths(value, where: tuple = ()):
    """(path, object) of every JSON object inside ``value``, depth first."""
    if isinstance(value, dict):
        yield where, value
        for key, item in value.items():
            yield from objects_with_paths(item, (*where, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from objects_with_paths(item, (*where, index))


def impossible_expiries(example_response) -> list[tuple[tuple, str]]:
    """(path, why) of the ``expires_at`` of Files and Uploads shown that no object can have: an
    Upload's is an hour after its creation; a File's ``expires_after.seconds`` after it, which
    puts it 3600 to 2592000 s after it."""
    found = []
    for where, obj in objects_with_paths(example_response):
        kind, created, expires = obj.get("object"), obj.get("created_at"), obj.get("expires_at")
        if kind not in ("file", "upload") or not isinstance(created, int) or not isinstance(expires, int):
            continue
        if kind == "upload" and expires != created + UPLOAD_LIFETIME:
            found.append(((*where, "expires_at"), noted(
                f"the example response's upload {obj.get('id')} expires at {expires}, but an Upload expires "
                f"an hour after its creation at {created}, at {created + UPLOAD_LIFETIME}", kind)))
        elif kind == "file" and expires < created:
            found.append(((*where, "expires_at"), noted(
                f"the example response's file {obj.get('id')} expires at {expires}, before it was created at "
                f"{created}", kind)))
        elif kind == "file" and not FILE_EXPIRY_SECONDS[0] <= expires - created <= FILE_EXPIRY_SECONDS[1]:
            low, high = FILE_EXPIRY_SECONDS
            found.append(((*where, "expires_at"), f"the example response's file {obj.get('id')} expires "
                          f"{expires - created} s after its creation, but a File's expires_after.seconds is "
                          f"{low} to {high} (files-vector-stores §1.2)"))
    return found


def expiry_the_request_contradicts(request_body: dict, example_response) -> list[tuple[tuple, str]]:
    """The File a request uploads with ``expires_after`` (anchor created_at) expires that many
    seconds after its creation (files-vector-stores 1.4). (An Upload's ``expires_after`` is the
    policy of the File it makes.)"""
    policy = request_body.get("expires_after")
    if not isinstance(policy, dict) or policy.get("anchor") != "created_at" \
            or not isinstance(example_response, dict) or example_response.get("object") != "file":
        return []
    created, expires = example_response.get("created_at"), example_response.get("expires_at")
    if not isinstance(created, int) or not isinstance(expires, int):
        return []
    due = created + int(policy["seconds"])  # a form sends it as text
    if expires == due:
        return []
    return [(("expires_at",), noted(
        f"the example response's expires_at is {expires}, but its request sets expires_after.seconds "
        f"{policy['seconds']} from its created_at {created}, which is {due}", "file"))]


def path_ids_contradicted(route, path: str, example_response) -> list[str]:
    """An object the example answers (or lists) naming another parent than the path does: its
    ``vector_store_id`` (``thread_id``...) is the id the path gives for that parameter."""
    template = spec_path(route.path).strip("/").split("/")
    given = dict(zip(template, path.strip("/").split("/")))
    named = {segment[1:-1]: value for segment, value in given.items() if segment.startswith("{")}
    listed = example_response.get("object") == "list"
    objects = example_response.get("data", []) if listed else [example_response]
    return [noted(f"the example response's {key} is {obj[key]!r}, but its path names {value!r}",
                  obj.get("object"))
            for obj in objects if isinstance(obj, dict)
            for key, value in named.items() if key in obj and obj[key] != value]


#: What the API answered to a create, as recorded traffic shows it (files-vector-stores §0.1 #6,
#: #7, §5): the batch and file counts it starts with, given the number of files the request attaches.
def what_traffic_showed(operation_id: str, request_body: dict) -> tuple[dict, str]:
    attached = len(request_body.get("file_ids", request_body.get("files", [])))
    counts = {"in_progress": attached, "completed": 0, "failed": 0, "cancelled": 0, "total": attached}
    if operation_id == "createVectorStore" and not attached:
        observed = {"status": "completed", "usage_bytes": 0, "file_counts": counts}
        return observed, "files-vector-stores §0.1 #6"
    if operation_id == "createVectorStoreFile":
        return {"status": "in_progress", "usage_bytes": 0}, "files-vector-stores §0.1 #7, §4.3"
    if operation_id == "createVectorStoreFileBatch":
        return {"status": "in_progress", "file_counts": counts}, "files-vector-stores §5"
    return {}, ""


def answers_traffic_contradicts(operation_id: str, request_body: dict, example_response) -> list[str]:
    observed, where = what_traffic_showed(operation_id, request_body)
    return [f"the example response's {key} is {example_response[key]!r}, but the API answered such a request "
            f"with {value!r} ({where})" for key, value in observed.items()
            if key in example_response and example_response[key] != value]


def listed_out_of_order(operation: dict, example_response) -> list[str]:
    """Items listed against the list's default order (by created_at; api-notes 1.2)."""
    data = example_response.get("data") if example_response.get("object") == "list" else None
    defaults = [parameter.get("schema", {}).get("default") for parameter in operation.get("parameters", [])
                if parameter.get("name") == "order"]
    if not data or not defaults or defaults[0] not in ("asc", "desc"):
        return []
    order = defaults[0]
    found = []
    for first, second in zip(data, data[1:]):
        if isinstance(first.get("created_at"), int) and isinstance(second.get("created_at"), int) and (
                first["created_at"] > second["created_at"] if order == "asc"
                else first["created_at"] < second["created_at"]):
            found.append(f"the example response lists {first.get('id')} (created_at {first['created_at']}) "
                         f"before {second.get('id')} (created_at {second['created_at']}), but the list is in "
                         f"created_at order {order} by default (threads-api §1.2)")
    return found


#: What the answer to a create request shows of a field the request leaves out, as the notes give
#: it (the spec's request schemas give few defaults). A run's model, instructions, tools,
#: temperature, top_p and response_format are its assistant's (threads-api §5.5), and the assistant
#: is made as the example shows them, so they are not listed.
RUN_DEFAULTS = {"metadata": {}, "max_prompt_tokens": None, "max_completion_tokens": None,
                "truncation_strategy": {"type": "auto", "last_messages": None}, "tool_choice": "auto",
                "parallel_tool_calls": True}
DEFAULTS_OF_UNSET_FIELDS = {
    "createAssistant": ({"name": None, "description": None, "instructions": None, "tools": [], "metadata": {},
                         "temperature": 1, "top_p": 1, "response_format": "auto"}, "threads-api §2.2"),
    "createThread": ({"metadata": {}}, "threads-api §3.2"),
    "createMessage": ({"attachments": [], "metadata": {}}, "threads-api §4.3"),
    "createRun": (RUN_DEFAULTS, "threads-api §5.2"),
    "createThreadAndRun": (RUN_DEFAULTS, "threads-api §5.2"),
    "createVectorStore": ({"name": None, "metadata": {}}, "files-vector-stores §3.3"),
    "createVectorStoreFile": ({"attributes": {}}, "files-vector-stores §4.2"),
}


def defaults_of_unset_fields(spec: dict, operation: dict, request_body: dict, example_response: dict
                             ) -> tuple[dict, str]:
    """The fields of the object a create request makes that the request schema offers, the request
    leaves out and the example answer shows, with the value they take when left out; and where the
    notes give those values. Read from the spec and the notes only: any answer to the request has
    these values."""
    defaults, where = DEFAULTS_OF_UNSET_FIELDS.get(operation["operationId"], ({}, ""))
    schema = request_schema(operation)
    offered = set(resolve(spec, schema)["properties"]) if schema else set()
    return {key: value for key, value in defaults.items()
            if key in offered and key not in request_body and key in example_response}, where


def defaults_contradicted(defaults: dict, where: str, example_response: dict) -> list[str]:
    return [f"the example response's {key} is {example_response[key]!r}, but its request does not set it, "
            f"and left out it is {json.dumps(value)} ({where})"
            for key, value in defaults.items() if example_response[key] != value]


def contradicted_echoes(echoed: dict, example_response: dict) -> list[str]:
    return [f"the example response's {key} is {example_response[key]!r}, but its request sets {value!r}"
            for key, value in echoed.items() if example_response[key] != value]


#: Run timestamps only one status sets (api-notes 8.2).
SET_ONLY_BY = {"completed_at": "completed", "cancelled_at": "cancelled", "failed_at": "failed"}
TERMINAL_RUN_STATUSES = ("cancelled", "failed", "completed", "incomplete", "expired")
RUN_CREATES = ("createRun", "createThreadAndRun")


def run_timestamps_its_status_rules_out(operation_id: str, example_response: dict) -> dict[str, str]:
    """Timestamps of an example run that contradict its own status (api-notes 5.4, 8.2), each with
    the reason: a completed_at on a run not completed, a started_at on the queued run a create
    request answers with, an expires_at null while the run is active or set once it is terminal."""
    if example_response.get("object") != "thread.run":
        return {}
    status = example_response["status"]
    found = {key: f"its status is {status!r}" for key, setter in SET_ONLY_BY.items()
             if example_response.get(key) is not None and status != setter}
    if operation_id in RUN_CREATES and example_response.get("started_at") is not None:
        found["started_at"] = f"the run its request creates has not started yet (status {status!r})"
    if "expires_at" in example_response and (example_response["expires_at"] is None) != (
            status in TERMINAL_RUN_STATUSES):
        found["expires_at"] = f"its status is {status!r}, and only a terminal run has no expires_at"
    return found


def list_ends_not_listed(example_response: dict) -> list[str]:
    """first_id and last_id name the first and last items of ``data`` (api-notes 1.2)."""
    data = example_response.get("data") if example_response.get("object") == "list" else None
    if not data:
        return []
    ends = {"first_id": ("first", data[0].get("id")), "last_id": ("last", data[-1].get("id"))}
    return [f"the example response's {key} is {example_response[key]!r}, but its {which} listed item is "
            f"{item_id!r}" for key, (which, item_id) in ends.items()
            if key in example_response and example_response[key] != item_id]


def as_the_object_its_path_names(route, path: str, example_response: dict) -> tuple[dict, list[str]]:
    """The example response as the object its path names, and where it names another: an answer whose
    ``id`` is an id of the kind the path's last id is (a retrieve, modify, delete or cancel) is the
    object that id names."""
    template = spec_path(route.path).strip("/").split("/")
    given = [value for segment, value in zip(template, path.strip("/").split("/")) if segment.startswith("{")]
    shown = example_response.get("id")
    if not given or not isinstance(shown, str) or not PLACEHOLDER.match(shown) \
            or kind_of(shown) != kind_of(given[-1]) or shown == given[-1]:
        return example_response, []
    said = noted(f"the example response's id is {shown!r}, but its path names {given[-1]!r}",
                 example_response.get("object"))
    return {**example_response, "id": given[-1]}, [said]


def send_or_fail(api, request: CurlRequest, real_ids: dict[str, str]):
    try:
        return send_as_written(api, request, with_real_ids(request.path, real_ids))
    except openai.APIStatusError as refused:
        sent = f"form {dict(request.form)!r}" if request.form else f"body {request.body!r}"
        pytest.fail(f"{request.method} {request.path} with {sent} was refused: "
                    f"{refused.status_code} {refused.body}")


def inconsistencies_of_the_example(spec: dict, route, operation: dict, written: CurlRequest,
                                   request: CurlRequest, example_response) -> tuple[list, list, list]:
    """What the example says against itself, found before anything is sent: (what its curl command
    says otherwise than it means, what its answer says against the spec's schemas, its own request
    or path, itself or recorded traffic, the paths of the answer's values that no answer can have:
    the schema rules them out, or they are expiries no object can have; they are set aside from the
    comparison)."""
    curl = [f"its curl command: {defect}" for defect in written.defects]
    curl += intended_request(written, route, example_response)[1]
    if example_response is None:
        return curl, [], []
    request_body = request.json_body()
    ruled_out = values_the_schema_rules_out(spec, example_response, response_schema(operation))
    expiries = [*impossible_expiries(example_response),
                *expiry_the_request_contradicts(request_body, example_response)]
    answer = [
        *described_ruled_out_values(operation, example_response, ruled_out),
        *counts_that_do_not_add_up(example_response),
        *(why for _, why in expiries),
        *path_ids_contradicted(route, request.path, example_response),
        *answers_traffic_contradicts(operation["operationId"], request_body, example_response),
        *listed_out_of_order(operation, example_response),
    ]
    return curl, answer, [path for path, _ in ruled_out] + [path for path, _ in expiries]


def xfail_if(example: Example, inconsistencies: list[str]) -> None:
    if inconsistencies:
        pytest.xfail(f"{example.name}: " + "; ".join(inconsistencies))


@pytest.mark.parametrize("example", example_params(streaming=False))
def test_an_api_reference_example_sent_as_written_gets_an_answer_shaped_like_its_example_answer(
        api, backend, spec, example):
    """An example the spec contradicts, or its own request or status, is an xfail naming the
    contradiction, after every part of it that agrees with the spec has been checked. What
    contradicts what is read from the example, the spec and the notes before the request is sent:
    an answer that differs from the example where the example is right fails."""
    route, operation = route_and_operation(spec, example.operation)
    written = parse_curl(example.curl)
    example_response = None if example.response is None else read_example_json(example.response)
    request = intended_request(written, route, example_response)[0]
    request_body = request.json_body()
    curl_says, answer_says, impossible = inconsistencies_of_the_example(
        spec, route, operation, written, request, example_response)
    if example_response is None:
        foreign, defaults, ruled_out = [], {}, {}
    else:
        example_response, misnamed = as_the_object_its_path_names(route, request.path, example_response)
        answer_says = [*misnamed, *answer_says]
        foreign = undeclared_keys(spec, example_response, response_schema(operation))
        defaults, where = defaults_of_unset_fields(spec, operation, request_body, example_response)
        defaults = {key: value for key, value in defaults.items() if (key,) not in foreign}
        answer_says += defaults_contradicted(defaults, where, example_response)
        ruled_out = run_timestamps_its_status_rules_out(example.operation, example_response)
        answer_says += [f"the example response's {key} is {example_response[key]!r}, but {why}"
                        for key, why in ruled_out.items()]
        answer_says += [*contradicted_echoes(echoed_values(request_body, example_response), example_response),
                        *list_ends_not_listed(example_response)]
    inconsistencies = [*curl_says, *described_response_keys(operation, foreign), *answer_says]
    unsendable = undeclared_request_keys(spec, operation, request_body)
    if unsendable:
        xfail_if(example, [*curl_says, *unsendable, *described_response_keys(operation, foreign), *answer_says])
    objects = ExampleObjects(api, backend.emulator.script, spec, example.operation, request,
                             example_response or {})
    real_ids = objects.create()
    sent = with_real_ids_in_body(request, real_ids)

    if example_response is None:
        assert request.output, f"{example.name} shows no answer and downloads nothing"
        [file_id] = [real_ids[placeholder] for placeholder in placeholders_in(request.path)
                     if kind_of(placeholder) == "file"]
        downloaded = send_or_fail(api, sent, real_ids)
        assert downloaded.response.status_code == 200
        assert downloaded.content == objects.contents[file_id]
        xfail_if(example, inconsistencies)
        return
    actual = send_or_fail(api, sent, real_ids)

    set_aside = list(dict.fromkeys(foreign + impossible + [(key,) for key in [*defaults, *ruled_out]]))
    assert shape_mismatches(without(example_response, set_aside), actual, real_ids) == []
    if isinstance(example_response.get("data"), list):  # a list of the objects made as it shows them
        assert len(actual["data"]) == len(example_response["data"])
    assert {key: actual.get(key, "(missing)") for key in defaults} == defaults
    echoed = {**echoed_values(sent.json_body(), example_response),
              **uploaded_file_values(sent, example_response)}
    assert {key: actual[key] for key in echoed} == echoed
    xfail_if(example, inconsistencies)


# --- streaming examples ---------------------------------------------------------------------------

#: A line of a streaming example that elides events: more of the events on either side of it.
ELIDED_EVENTS = "..."
#: What an event's data says of itself that the comparison looks at: the object it is, its status
#: (runs, steps, messages) and its type (steps).
EVENT_DATA_KEYS = ("object", "status", "type")


@dataclass(frozen=True)
class ExampleEvent:
    name: str
    data: object  # the JSON the data stands for; the text itself where it is not JSON ([DONE])
    line: int  # the line of the example response where the event begins


def read_event_data(name: str, text: str, line: int) -> tuple[object, list[str]]:
    """The data of an event as meant, and, if it is not JSON as written, why (api-notes 9.1: the data
    of a ``thread.*`` event is one line of JSON): e.g. a closing brace too many after the object."""
    if text == "[DONE]":
        return text, []
    try:
        return json.loads(text), []
    except json.JSONDecodeError:
        data, end = json.JSONDecoder().raw_decode(text)
        return data, [f"the data of its {name} event (line {line}) is not JSON: {text[end:].strip()!r} "
                      f"follows the object, so a client cannot read it (threads-api §9.1)"]


def read_example_events(text: str) -> tuple[list, list[str]]:
    """The events a hand-written stream stands for, in order (``ELIDED_EVENTS`` where a ``...`` line
    elides some), and what a client reading it as server-sent events would trip on: data that is
    not JSON, or a data line written without its ``data:`` field name (a server-sent event reads
    such a line as a field of another name and ignores it, so the event comes without data)."""
    items: list = []
    defects: list[str] = []
    block: list[tuple[int, str]] = []
    for number, line in [*enumerate(text.strip().split("\n"), 1), (0, "")]:
        if line.strip():
            block.append((number, line.strip()))
            continue
        if not block:
            continue
        if [line for _, line in block] == [ELIDED_EVENTS]:
            items.append(ELIDED_EVENTS)
            block = []
            continue
        first = block[0][0]
        fields = {}
        for _, line in block:
            field, _, value = line.partition(":") if line.startswith(("event:", "data:")) else ("", "", line)
            assert field not in fields, f"two {field or 'unnamed'} lines in one event: {block}"
            fields[field] = value.removeprefix(" ")
        assert set(fields) <= {"event", "data", ""} and "event" in fields, f"not an event: {block}"
        name = fields["event"].strip()
        if "" in fields:
            defects.append(f"its {name} event (line {first}) writes its data on a line without 'data:', "
                           f"which a client reads as a field of another name and ignores, so the event "
                           f"comes without data (threads-api §9.1)")
        data, not_json = read_event_data(name, fields.get("data", fields.get("")), first)
        defects += not_json
        items.append(ExampleEvent(name, data, first))
        block = []
    return items, defects


def event_summary(name: str, data) -> str:
    """'thread.run.step.created: thread.run.step, in_progress, message_creation'; a data that is not
    an object stands as it is ('done: [DONE]')."""
    if not isinstance(data, dict):
        return f"{name}: {data}"
    return f"{name}: " + ", ".join(str(data[key]) for key in EVENT_DATA_KEYS if key in data)


def is_delta(summary: str) -> bool:
    return summary.split(":", 1)[0].endswith(".delta")


def stream_pattern(items: list) -> list[tuple[str, bool]]:
    """(event summary, one or more) for each event of the example in order. Deltas are one or more:
    how many pieces a text or a call's arguments is cut into is the API's tokens, and fakeai's
    ``stream_chunk_size`` characters; a ``...`` elides deltas like those on either side of it."""
    pattern: list[tuple[str, bool]] = []
    for index, item in enumerate(items):
        if item == ELIDED_EVENTS:
            before, after = items[index - 1], items[index + 1]
            assert event_summary(before.name, before.data) == event_summary(after.name, after.data) \
                and is_delta(event_summary(before.name, before.data)), f"'...' between {before} and {after}"
            continue
        summary = event_summary(item.name, item.data)
        if pattern and pattern[-1][0] == summary and is_delta(summary):
            continue
        pattern.append((summary, is_delta(summary)))
    return pattern


def expected_like(pattern: list[tuple[str, bool]], actual: list[str]) -> list[str]:
    """The example's events as ``actual`` would have them if it streamed what the example shows:
    each 'one or more' as many times as ``actual`` repeats it there (once if it does not)."""
    expected: list[str] = []
    position = 0
    for summary, repeated in pattern:
        count = 1
        if repeated:
            while position + count < len(actual) and actual[position + count] == summary:
                count += 1
        expected += [summary] * count
        position += count
    return expected


def text_of_message(message: dict) -> str:
    return "".join(part["text"]["value"] for part in message["content"] if part["type"] == "text")


def actions_shown(events: list) -> list[tuple[str, object]]:
    """What the streamed run does, in order, as its events show it: ('calls', [(name, arguments)]) for
    the calls it waits on, ('reply', text) for each message it writes."""
    actions = []
    for event in events:
        if event == ELIDED_EVENTS:
            continue
        if event.name == "thread.run.requires_action":
            calls = event.data["required_action"]["submit_tool_outputs"]["tool_calls"]
            actions.append(("calls", [(call["function"]["name"], json.loads(call["function"]["arguments"]))
                                      for call in calls]))
        elif event.name == "thread.message.completed":
            actions.append(("reply", text_of_message(event.data)))
    return actions


def script_the_streamed_run(script, thread_id: str | None, actions: list) -> None:
    """The run the request starts does what the example's events show (in the thread the path
    names; create-thread-and-run makes its own, so its plan is for any run)."""
    plan = script.plan(thread_id=thread_id) if thread_id else script.plan()
    for kind, what in actions:
        if kind == "calls":
            plan.then_call_functions(*what)
        else:
            plan.then_reply(what)


def events_streamed(api, answer) -> list[tuple[str, object]]:
    """(name, data) of each event of a streamed answer, as the SDK's own decoder reads the body;
    the data parsed as JSON, but for ``[DONE]``."""
    decoder = api._make_sse_decoder()
    return [(event.event, event.data if event.data == "[DONE]" else json.loads(event.data))
            for event in decoder.iter_bytes(iter([answer.content]))]


@pytest.mark.parametrize("example", example_params(streaming=True))
def test_an_api_reference_streaming_example_sent_as_written_streams_the_events_of_its_example_answer(
        api, backend, spec, example):
    """The events fakeai streams for the example's request, its run scripted to do what the example
    shows (reply, call a function), are the example's: their names in order, and what each event's
    data is (its object, status and type); deltas one or more, as they come in pieces. What the
    example gets wrong as a stream is read from the example alone and makes it an xfail naming each
    thing, after the comparison."""
    route, operation = route_and_operation(spec, example.operation)
    written = parse_curl(example.curl)
    events, stream_says = read_example_events(example.response)
    shown = [event.data for event in events if event != ELIDED_EVENTS and isinstance(event.data, dict)]
    request = intended_request(written, route, {})[0]
    curl_says, _, _ = inconsistencies_of_the_example(spec, route, operation, written, request, None)
    unsendable = undeclared_request_keys(spec, operation, request.json_body())
    if unsendable:
        xfail_if(example, [*curl_says, *unsendable, *stream_says])
    actions = actions_shown(events)
    waiting = example.operation in ACT_ON_A_WAITING_RUN  # its run waits for the outputs it submits
    objects = ExampleObjects(api, backend.emulator.script, spec, example.operation, request,
                             {"object": "stream", "events": shown},
                             replies_after_outputs=tuple(what for kind, what in actions if kind == "reply")
                             if waiting else ())
    real_ids = objects.create()
    if not waiting:
        thread = [real_ids[placeholder] for placeholder in placeholders_in(request.path)
                  if kind_of(placeholder) == "thread"]
        script_the_streamed_run(backend.emulator.script, thread[0] if thread else None, actions)
    sent = with_real_ids_in_body(request, real_ids)

    answer = send_or_fail(api, sent, real_ids)

    assert answer.response.headers["content-type"].startswith("text/event-stream")
    actual = [event_summary(name, data) for name, data in events_streamed(api, answer)]
    assert actual == expected_like(stream_pattern(events), actual)
    xfail_if(example, [*curl_says, *stream_says])


def test_a_hand_written_stream_is_read_as_the_events_it_stands_for_naming_what_a_client_would_trip_on():
    text = ('event: thread.run.created\ndata: {"id":"run_1","object":"thread.run","status":"queued"}}\n\n'
            'event: thread.message.delta\ndata: {"id":"msg_1","object":"thread.message.delta"}\n\n...\n\n'
            'event: thread.message.delta\ndata: {"id":"msg_1","object":"thread.message.delta"}\n\n'
            'event: thread.run.completed\n{"id":"run_1","object":"thread.run","status":"completed"}\n\n'
            'event: done\ndata: [DONE]\n')

    events, defects = read_example_events(text)

    assert [event if event == ELIDED_EVENTS else (event.name, event.line) for event in events] == [
        ("thread.run.created", 1), ("thread.message.delta", 4), ELIDED_EVENTS, ("thread.message.delta", 9),
        ("thread.run.completed", 12), ("done", 15)]
    assert events[0].data == {"id": "run_1", "object": "thread.run", "status": "queued"}
    assert events[4].data == {"id": "run_1", "object": "thread.run", "status": "completed"}
    assert defects == [
        "the data of its thread.run.created event (line 1) is not JSON: '}' follows the object, so a client "
        "cannot read it (threads-api §9.1)",
        "its thread.run.completed event (line 12) writes its data on a line without 'data:', which a client "
        "reads as a field of another name and ignores, so the event comes without data (threads-api §9.1)"]
    pattern = stream_pattern(events)
    assert pattern == [("thread.run.created: thread.run, queued", False),
                       ("thread.message.delta: thread.message.delta", True),
                       ("thread.run.completed: thread.run, completed", False), ("done: [DONE]", False)]
    delta = "thread.message.delta: thread.message.delta"
    three_deltas = ["thread.run.created: thread.run, queued", delta, delta, delta,
                    "thread.run.completed: thread.run, completed", "done: [DONE]"]
    assert expected_like(pattern, three_deltas) == three_deltas
    no_delta = [three_deltas[0], *three_deltas[4:]]
    assert expected_like(pattern, no_delta) != no_delta
