"""The API reference's own examples, sent as written, get answers shaped like the example answers.

For every operation fakeai serves, the spec's ``x-oaiMeta.examples`` give a curl request and the
response the real API sent. Each example is read from the spec file (nothing is copied here), its
curl command is parsed, and the request goes out through the SDK's generic ``get/post/delete`` with
the example's own headers and its ``-d`` text byte for byte. The answer must have every key of the
example response, with the same JSON types, and the same values wherever the request determines
them: ``object`` and ``deleted``, the fields the request body sets, and the ids the path names.
Everything else (fresh ids, timestamps, other objects) is compared by key and type only.

Placeholder ids in the path (``thread_abc123``, ``msg_abc123``, ...) must name real objects, so
those objects are created first through the SDK, built from what the example response shows of
them (a listed thread gets the listed messages, a retrieved thread its ``tool_resources``).
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

import openai
import pytest

from fakeai.app import API_PREFIX, ROUTES
from tests import official_spec
from tests.official_spec import spec_operation
from tests.sdk import raw_body

PLACEHOLDER = re.compile(r"^(thread|msg|asst|run|step)_")
#: Keys whose example value holds for any answer to the same request.
FIXED_VALUE_KEYS = ("object", "deleted")


# --- the examples, straight from the spec ---------------------------------------------------------


@dataclass(frozen=True)
class Example:
    operation: str  # the spec's operationId
    title: str | None
    curl: str
    response: str  # JSON text

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
    return [Example(operation["operationId"], title, example["request"]["curl"], example["response"])
            for example, title in zip(examples, titles)]


def all_examples(spec: dict) -> list[Example]:
    return [example for _, operation in served_operations(spec) for example in examples_of(operation)]


def example_params() -> list:
    spec = official_spec.load()
    if spec is None:
        return [pytest.param(None, marks=pytest.mark.skip(
            reason=official_spec.MISSING))]
    examples = all_examples(spec)
    return [pytest.param(example, id=example.name) for example in examples]


# --- curl commands --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CurlRequest:
    method: str
    url: str
    headers: dict
    body: str | None  # the -d text as written; '' for -d ''

    @property
    def path(self) -> str:
        """The path after /v1, which is what the SDK's base_url does not already say."""
        path = urlsplit(self.url).path
        assert path.startswith(API_PREFIX + "/"), f"not an API url: {self.url}"
        return path[len(API_PREFIX):]

    @property
    def query(self) -> dict:
        return dict(parse_qsl(urlsplit(self.url).query, keep_blank_values=True))

    def json_body(self) -> dict:
        return json.loads(self.body) if self.body and self.body.strip() else {}


def parse_curl(command: str) -> CurlRequest:
    """The url, method, headers and -d body of a curl command as the API reference writes them."""
    words = shlex.split(re.sub(r"\\\r?\n", " ", command))
    if not words or words[0] != "curl":
        raise ValueError(f"not a curl command: {command!r}")
    method = url = body = None
    headers = {}
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
        elif word == "--url":
            url = next(rest)
        elif word.startswith("-"):
            raise ValueError(f"unsupported curl option {word!r} in {command!r}")
        else:
            url = word
    if url is None:
        raise ValueError(f"no url in {command!r}")
    return CurlRequest(method or ("POST" if body is not None else "GET"), url, headers, body)


def send_as_written(api, request: CurlRequest, path: str):
    """The request through the SDK's generic methods: the example's headers (the client brings its
    own key) and its body text unchanged. ``cast_to=object`` returns the parsed JSON."""
    headers = {name: value for name, value in request.headers.items() if name.lower() != "authorization"}
    options = {"headers": headers}
    if request.query:
        options["params"] = request.query
    content = None if request.body is None else request.body.encode()
    if request.method == "GET":
        assert content is None, "a GET with a body"
        return api.get(path, cast_to=object, options=options)
    if request.method == "POST":
        return api.post(path, cast_to=object, options=options, **raw_body(content))
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
    if branch.get("additionalProperties") not in (None, False):
        return True
    return branch.get("type") == "object" and "properties" not in branch


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
    return content["application/json"]["schema"]


def request_schema(operation: dict) -> dict | None:
    body = operation.get("requestBody")
    return json_schema_of(body["content"]) if body else None


def response_schema(operation: dict) -> dict:
    return json_schema_of(operation["responses"]["200"]["content"])


def creatable_fields(spec: dict, operation_id: str) -> set[str]:
    """The fields the create request of ``operation_id`` accepts (its spec request schema)."""
    [route] = [route for route in ROUTES if route.operation == operation_id]
    return set(resolve(spec, request_schema(spec_operation(spec, route)))["properties"])


# --- the objects the path names -------------------------------------------------------------------


def placeholders_in(path: str) -> list[str]:
    return [segment for segment in path.split("/") if PLACEHOLDER.match(segment)]


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


def create_placeholder_objects(api, spec: dict, placeholders: list[str], example_response: dict,
                               request_body: dict) -> dict[str, str]:
    """Create the objects the path names, outermost first; returns placeholder -> real id."""
    existing = existing_objects(example_response, placeholders)
    shown = {obj["id"]: obj for obj in existing if isinstance(obj.get("id"), str)}
    real_ids: dict[str, str] = {}
    thread_id = None
    for placeholder in placeholders:
        if placeholder.startswith("thread_"):
            fields = create_fields(spec, "createThread", shown.get(placeholder), request_body)
            fields.pop("messages", None)
            listed = [obj for obj in existing if obj.get("object") == "thread.message"
                      and obj.get("thread_id") == placeholder and obj["id"] not in placeholders]
            messages = [create_fields(spec, "createMessage", message, {}) for message in listed]
            thread_id = api.beta.threads.create(**fields, **({"messages": messages} if messages else {})).id
            real_ids[placeholder] = thread_id
        elif placeholder.startswith("msg_"):
            assert thread_id is not None, f"a message placeholder outside a thread: {placeholders}"
            fields = {"role": "user", "content": "A message the example's path names."}
            fields.update(create_fields(spec, "createMessage", shown.get(placeholder), request_body))
            real_ids[placeholder] = api.beta.threads.messages.create(thread_id, **fields).id
        elif placeholder.startswith("asst_"):
            fields = {"model": "gpt-4o"}
            fields.update(create_fields(spec, "createAssistant", shown.get(placeholder), request_body))
            real_ids[placeholder] = api.beta.assistants.create(**fields).id
        else:
            raise NotImplementedError(f"fakeai serves no {placeholder.split('_')[0]}_ objects yet")
    for listed in reversed(existing):  # GET /assistants lists objects no path names, newest first
        if listed.get("object") == "assistant" and not placeholders:
            api.beta.assistants.create(**{"model": "gpt-4o",
                                          **create_fields(spec, "createAssistant", listed, {})})
    return real_ids


def with_real_ids(path: str, real_ids: dict[str, str]) -> str:
    return "/".join(real_ids.get(segment, segment) for segment in path.split("/"))


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
    any answer must share: ``object``, ``deleted``, and the ids the path names. Lists of the same
    length compare item by item, others each actual item with the example's first item. A null
    example value accepts anything."""
    if expected is None:
        return []
    if isinstance(expected, str) and expected in real_ids:
        if actual != real_ids[expected]:
            return [f"{where}: expected the id the path names, {real_ids[expected]!r}, got {actual!r}"]
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
    assert len(example_params()) == len(all_examples(spec))


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


def operation_named(spec: dict, operation_id: str) -> dict:
    [operation] = [op for _, op in served_operations(spec) if op["operationId"] == operation_id]
    return operation


def undeclared_request_keys(spec: dict, operation: dict, body: dict) -> list[str]:
    schema = request_schema(operation)
    if schema is None:
        return []
    return [f"the example request sets {dotted(path, 'request')}, which {schema_name(schema)} does "
            "not declare" for path in undeclared_keys(spec, body, schema)]


def described_response_keys(operation: dict, paths: list[tuple]) -> list[str]:
    return [f"the example response has {dotted(path, 'response')}, which "
            f"{schema_name(response_schema(operation))} does not declare" for path in paths]


def values_the_request_left_unset(spec: dict, operation: dict, request_body: dict, example_response: dict,
                                  actual: dict) -> list[str]:
    """Response fields the request schema offers but the example request leaves out, where the
    example answer shows a value and fakeai (rightly) answers null, the field's default."""
    schema = request_schema(operation)
    offered = set(resolve(spec, schema)["properties"]) if schema else set()
    return [key for key, value in example_response.items()
            if key in offered and key not in request_body and value is not None and actual.get(key) is None]


def contradicted_echoes(echoed: dict, example_response: dict) -> list[str]:
    return [f"the example response's {key} is {example_response[key]!r}, but its request sets {value!r}"
            for key, value in echoed.items() if example_response[key] != value]


def send_or_fail(api, request: CurlRequest, real_ids: dict[str, str]):
    try:
        return send_as_written(api, request, with_real_ids(request.path, real_ids))
    except openai.APIStatusError as refused:
        pytest.fail(f"{request.method} {request.path} with body {request.body!r} was refused: "
                    f"{refused.status_code} {refused.body}")


@pytest.mark.parametrize("example", example_params())
def test_an_api_reference_example_sent_as_written_gets_an_answer_shaped_like_its_example_answer(
        api, spec, example):
    """An example the spec contradicts is an xfail naming the contradiction, after every part of
    it that agrees with the spec has been checked."""
    operation = operation_named(spec, example.operation)
    request = parse_curl(example.curl)
    request_body = request.json_body()
    example_response = json.loads(example.response)
    unsendable = undeclared_request_keys(spec, operation, request_body)
    if unsendable:
        pytest.xfail(f"{example.name}: " + "; ".join(unsendable))
    foreign = undeclared_keys(spec, example_response, response_schema(operation))
    real_ids = create_placeholder_objects(api, spec, placeholders_in(request.path), example_response,
                                          request_body)

    actual = send_or_fail(api, request, real_ids)

    unset = values_the_request_left_unset(spec, operation, request_body, example_response, actual)
    assert shape_mismatches(without(example_response, foreign + [(key,) for key in unset]), actual,
                            real_ids) == []
    echoed = echoed_values(request_body, example_response)
    assert {key: actual[key] for key in echoed} == echoed
    inconsistencies = described_response_keys(operation, foreign) + contradicted_echoes(
        echoed, example_response) + [f"the example response's {key} is {example_response[key]!r}, but its "
                                     "request does not set it" for key in unset]
    if inconsistencies:
        pytest.xfail(f"{example.name}: " + "; ".join(inconsistencies))
