"""The API reference's own examples, sent as written, get answers shaped like the example answers.

For every operation fakeai serves, the spec's ``x-oaiMeta.examples`` give a curl request and the
response the real API sent. Each example is read from the spec file (nothing is copied here), its
curl command is parsed, and the request goes out through the SDK's generic ``get/post/delete`` with
the example's own headers and its ``-d`` text byte for byte. The answer must have every key of the
example response, with the same JSON types, and the same values wherever the request determines
them: ``object`` and ``deleted``, the fields the request body sets, and the ids of the objects
created for its placeholders. Everything else (fresh ids, timestamps, other objects) is compared by
key and type only.

Placeholder ids (``thread_abc123``, ``run_abc123``, ...) must name real objects, so those objects
are created first through the SDK, built from what the example response shows of them (a listed
thread gets the listed messages, a retrieved thread its ``tool_resources``, an assistant the
settings its runs show), and their real ids replace the placeholders in the path and in the body
text (which is otherwise sent as written). A run is brought into the state its request needs,
what it does scripted through ``backend.emulator.script``: a cancel or a tool output submission
finds it waiting in ``requires_action`` (the example's tool call ids standing for the calls it
waits on), every other request finds it completed, with the steps the example shows.

Streaming examples (``"stream": true``) answer with server-sent events, not JSON, and are skipped
here (``compared_by_the_streaming_tests``).
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
from tests.official_spec import spec_operation
from tests.sdk import raw_body

PLACEHOLDER = re.compile(r"^(thread|msg|asst|run|step)_")
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
                 example_response: dict):
        self.api, self.script, self.spec = api, script, spec
        self.operation_id = operation_id
        self.request_body = request.json_body()
        self.response = example_response
        self.path_placeholders = placeholders_in(request.path)
        self.existing = existing_objects(example_response, self.path_placeholders)
        self.shown = {obj["id"]: obj for obj in self.existing if isinstance(obj.get("id"), str)}
        self.assistants: dict[str, object] = {}  # placeholder -> the assistant created for it
        self.real_ids: dict[str, str] = {}

    def create(self) -> dict[str, str]:
        """Everything the example names, outermost first; returns placeholder -> real id."""
        thread_id = None
        for placeholder in self.path_placeholders:
            kind = placeholder.split("_")[0]
            assert kind in ("thread", "asst") or thread_id, f"{placeholder} outside a thread"
            if kind == "thread":
                thread_id = self.thread(placeholder)
            elif kind == "msg":
                self.message(placeholder, thread_id)
            elif kind == "asst":
                self.assistant(placeholder)
            elif kind == "run":
                self.run(placeholder, thread_id)
            else:  # a step: made by the run before it (see remember_steps)
                assert placeholder in self.real_ids, f"the run made no step like {placeholder}"
        for placeholder in placeholders_in_body(self.request_body):
            if placeholder.startswith("asst_"):
                self.assistant(placeholder)
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
        """One call for each tool output the request submits (one to wait on, if none)."""
        count = len(self.submitted_call_ids()) or 1
        self.script.call_functions(*[(function.name, sample_arguments(function))] * count,
                                   thread_id=thread_id)

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
        """A list's items no path names: runs of a thread it names, oldest first, and assistants
        (GET /assistants lists objects no path names, newest first)."""
        for listed in oldest_first([obj for obj in self.existing if obj.get("object") == "thread.run"
                                    and obj["id"] not in self.real_ids]):
            self.run(listed["id"], self.real_ids[listed["thread_id"]])
        for listed in reversed(self.existing):
            if listed.get("object") == "assistant" and not self.path_placeholders:
                fields = create_fields(self.spec, "createAssistant", listed, {})
                self.api.beta.assistants.create(**{"model": "gpt-4o", **fields})


def with_real_ids(path: str, real_ids: dict[str, str]) -> str:
    return "/".join(real_ids.get(segment, segment) for segment in path.split("/"))


def with_real_ids_in_body(request: CurlRequest, real_ids: dict[str, str]) -> CurlRequest:
    """The request with each id its body names (a JSON string) replaced by the real id; the rest
    of the body text stays as written."""
    body = request.body
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
    each actual item with the example's first item. A null example value accepts anything."""
    if expected is None:
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


def compared_by_the_streaming_tests(request_body: dict) -> bool:
    """A ``stream: true`` example answers with server-sent events, not JSON; switch these on here
    once streaming is done."""
    return request_body.get("stream") is True


def send_or_fail(api, request: CurlRequest, real_ids: dict[str, str]):
    try:
        return send_as_written(api, request, with_real_ids(request.path, real_ids))
    except openai.APIStatusError as refused:
        pytest.fail(f"{request.method} {request.path} with body {request.body!r} was refused: "
                    f"{refused.status_code} {refused.body}")


@pytest.mark.parametrize("example", example_params())
def test_an_api_reference_example_sent_as_written_gets_an_answer_shaped_like_its_example_answer(
        api, backend, spec, example):
    """An example the spec contradicts, or its own request or status, is an xfail naming the
    contradiction, after every part of it that agrees with the spec has been checked."""
    operation = operation_named(spec, example.operation)
    request = parse_curl(example.curl)
    request_body = request.json_body()
    if compared_by_the_streaming_tests(request_body):
        pytest.skip("streaming examples are compared by the streaming tests")
    example_response = json.loads(example.response)
    unsendable = undeclared_request_keys(spec, operation, request_body)
    if unsendable:
        pytest.xfail(f"{example.name}: " + "; ".join(unsendable))
    foreign = undeclared_keys(spec, example_response, response_schema(operation))
    ruled_out = run_timestamps_its_status_rules_out(example.operation, example_response)
    real_ids = ExampleObjects(api, backend.emulator.script, spec, example.operation, request,
                              example_response).create()

    sent = with_real_ids_in_body(request, real_ids)
    actual = send_or_fail(api, sent, real_ids)

    unset = [key for key in values_the_request_left_unset(spec, operation, request_body, example_response,
                                                          actual) if (key,) not in foreign]
    set_aside = list(dict.fromkeys(foreign + [(key,) for key in [*unset, *ruled_out]]))
    assert shape_mismatches(without(example_response, set_aside), actual, real_ids) == []
    echoed = echoed_values(sent.json_body(), example_response)
    assert {key: actual[key] for key in echoed} == echoed
    inconsistencies = [
        *described_response_keys(operation, foreign),
        *contradicted_echoes(echoed_values(request_body, example_response), example_response),
        *(f"the example response's {key} is {example_response[key]!r}, but its request does not set it"
          for key in unset),
        *(f"the example response's {key} is {example_response[key]!r}, but {why}"
          for key, why in ruled_out.items()),
        *list_ends_not_listed(example_response),
    ]
    if inconsistencies:
        pytest.xfail(f"{example.name}: " + "; ".join(inconsistencies))
