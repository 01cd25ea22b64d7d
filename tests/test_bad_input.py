"""Every bad input is answered in the API's envelope, never a 500, and changes nothing.

Bodies the SDK cannot send (a lone surrogate, invalid UTF-8, 1e400, a lying or broken
Content-Length, chunked framing) go over a raw socket to the real HTTP server; the rest goes
through the SDK, in-process and over HTTP.
"""

from __future__ import annotations

import http.client
import json
import socket

import openai
import pytest

from fakeai import FakeOpenAI
from fakeai import ScriptError
from tests.conftest import TEST_KEY
from tests.test_cli import Served, fakeai_command

WAIT = 10  # seconds any socket operation may take

INVALID_JSON = {"error": {
    "message": "We could not parse the JSON body of your request. (HINT: This likely means you aren't using "
               "your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not "
               "valid JSON. If you have trouble figuring out how to fix this, please contact us through our "
               "help center at help.openai.com.)",
    "type": "invalid_request_error", "param": None, "code": None}}
TOO_DEEP = {"error": {
    "message": "The JSON body of your request is nested too deeply: at most 64 levels of arrays and objects "
               "are accepted.",
    "type": "invalid_request_error", "param": None, "code": None}}


def bad_request(message: str) -> dict:
    return {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": None}}


def too_large(limit: int, size: int) -> dict:
    return {"error": {"message": f"Maximum content size limit ({limit}) exceeded ({size} bytes read)",
                      "type": "server_error", "param": None, "code": None}}


class Server:
    """The session's HTTP server, serving one emulator; ``send`` writes raw bytes to it."""

    def __init__(self, emulator: FakeOpenAI, base_url: str):
        self.emulator = emulator
        self.base_url = base_url
        self.host, port = base_url.split("//")[1].split("/")[0].split(":")
        self.port = int(port)

    def send(self, data: bytes, *, half_close: bool = False) -> tuple[int, dict, bytes]:
        """(status, headers, body) of the answer to ``data``, sent as is on a new connection;
        ``half_close``: the client stops sending after ``data`` (as one that went away would)."""
        with socket.create_connection((self.host, self.port), timeout=WAIT) as sock:
            sock.sendall(data)
            if half_close:
                sock.shutdown(socket.SHUT_WR)
            response = http.client.HTTPResponse(sock)
            response.begin()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()

    def post(self, path: str, body: bytes, *, content_length: str | None = None, half_close: bool = False,
             headers: str = "") -> tuple[int, dict, bytes]:
        length = str(len(body)) if content_length is None else content_length
        return self.send(
            f"POST /v1{path} HTTP/1.1\r\nHost: {self.host}\r\nAuthorization: Bearer {TEST_KEY}\r\n"
            f"OpenAI-Beta: assistants=v2\r\nContent-Type: application/json\r\n{headers}"
            f"Content-Length: {length}\r\nConnection: close\r\n\r\n".encode() + body, half_close=half_close)

    def post_chunked(self, path: str, chunks: list[bytes], *, end: bytes = b"0\r\n\r\n") -> tuple[int, dict, bytes]:
        framed = b"".join(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n" for chunk in chunks) + end
        return self.send(
            f"POST /v1{path} HTTP/1.1\r\nHost: {self.host}\r\nAuthorization: Bearer {TEST_KEY}\r\n"
            "OpenAI-Beta: assistants=v2\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
            "Connection: close\r\n\r\n".encode() + framed, half_close=True)

    def client(self) -> openai.OpenAI:
        return openai.OpenAI(base_url=self.base_url, api_key=TEST_KEY, max_retries=0)


@pytest.fixture
def server(werkzeug_live_server):
    """fakeai's own reading of a body, over a server that passes any framing through to it (as
    ``--engine werkzeug`` does; waitress refuses bad framing itself, tests/test_server.py)."""
    werkzeug_live_server.emulator = emulator = FakeOpenAI(bugs="respond")
    yield Server(emulator, werkzeug_live_server.base_url)
    werkzeug_live_server.emulator = None
    assert not emulator.problems, emulator.problems


@pytest.fixture
def small_server(werkzeug_live_server):
    """A server whose JSON bodies may be at most 1,000 bytes (``fakeai serve --max-body 1000``)."""
    werkzeug_live_server.emulator = emulator = FakeOpenAI(bugs="respond", max_body=1000, max_file_bytes=5000)
    yield Server(emulator, werkzeug_live_server.base_url)
    werkzeug_live_server.emulator = None
    assert not emulator.problems, emulator.problems


def envelope(status_headers_body) -> tuple[int, dict]:
    status, headers, body = status_headers_body
    assert headers["content-type"] == "application/json"
    return status, json.loads(body)


# --- strings and numbers JSON does not have -----------------------------------------------------

@pytest.mark.parametrize("body", [
    rb'{"metadata": {"key": "\ud800"}}',
    rb'{"metadata": {"\udfff": "value"}}',
    rb'{"messages": [{"role": "user", "content": "a \udbff b"}]}',
    rb'{"messages": [{"role": "user", "content": "\ude00\ud83d"}]}',  # a pair in the wrong order
], ids=["value", "key", "content", "reversed pair"])
def test_a_lone_surrogate_is_refused_and_nothing_is_stored(server, body):
    assert envelope(server.post("/threads", body)) == (400, INVALID_JSON)
    assert server.emulator.export_state()["threads"] == []
    assert server.client().with_options(max_retries=0).beta.threads.create().object == "thread"  # still serving


def test_the_journal_and_the_state_stay_readable_after_a_refused_surrogate(server):
    server.post("/threads", rb'{"metadata": {"key": "\ud800"}}')
    status, headers, body = server.send(
        f"GET /_fakeai/journal HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TEST_KEY}\r\n"
        "Connection: close\r\n\r\n".encode())
    [entry] = json.loads(body)["data"]
    assert (status, entry["status"], entry["body"]) == (200, 400, r'{"metadata": {"key": "\ud800"}}')


def test_an_escaped_surrogate_pair_is_one_character(server):
    status, _, body = server.post("/threads", rb'{"metadata": {"smile": "\ud83d\ude00"}}')
    assert (status, json.loads(body)["metadata"]) == (200, {"smile": "\U0001F600"})


@pytest.mark.parametrize("body", [
    b'{"metadata": {"key": "\xff"}}',          # not UTF-8 at all
    b'{"metadata": {"key": "\xed\xa0\x80"}}',  # a surrogate encoded as UTF-8 (CESU), which UTF-8 forbids
    b'\xef\xbb\xbf{"metadata": {}}',           # a byte order mark
], ids=["0xff", "utf-8 surrogate", "bom"])
def test_a_body_that_is_not_utf8_json_is_refused(server, body):
    assert envelope(server.post("/threads", body)) == (400, INVALID_JSON)
    assert server.emulator.export_state()["threads"] == []


FUNCTION = '{"model": "gpt-4o", "tools": [{"type": "function", "function": {"name": "f", "parameters": %s}}]}'


@pytest.mark.parametrize("number", ["1e400", "-1e400", "NaN", "Infinity", "-Infinity"])
def test_a_number_that_is_not_finite_is_refused(server, number):
    body = (FUNCTION % f'{{"type": "object", "default": {number}}}').encode()
    assert envelope(server.post("/assistants", body)) == (400, INVALID_JSON)
    assert server.emulator.export_state()["assistants"] == []


def test_the_largest_finite_numbers_are_kept(server):
    body = (FUNCTION % '{"type": "object", "maximum": 1.7976931348623157e308, "minimum": 1e-400}').encode()
    status, _, answer = server.post("/assistants", body)
    assert (status, json.loads(answer)["tools"][0]["function"]["parameters"]) == (
        200, {"type": "object", "maximum": 1.7976931348623157e308, "minimum": 0.0})


def test_the_sdk_cannot_send_infinity_either(api):
    """The SDK's own JSON encoder refuses it before sending (so no test can depend on it)."""
    with pytest.raises(ValueError):
        api.beta.assistants.create(model="gpt-4o", tools=[{"type": "function", "function": {
            "name": "f", "parameters": {"type": "object", "default": float("inf")}}}])


# --- nesting ----------------------------------------------------------------------------------

def nested(levels: int) -> dict:
    value: dict = {}
    for _ in range(levels - 1):
        value = {"type": "object", "properties": {"p": value}}
    return value


def test_json_nested_a_thousand_deep_is_refused_not_a_500(server):
    assert envelope(server.post("/threads", b"[" * 1000 + b"]" * 1000)) == (400, TOO_DEEP)
    assert envelope(server.post("/threads", b'{"a":' * 1000 + b"1" + b"}" * 1000)) == (400, TOO_DEEP)
    assert envelope(server.post("/threads", b"[" * 100_000)) == (400, TOO_DEEP)


def test_brackets_inside_strings_do_not_count_as_nesting(server):
    status, _, body = server.post("/threads", json.dumps({"metadata": {"k": "[[[{{{" * 80}}).encode())
    assert (status, json.loads(body)["metadata"]) == (200, {"k": "[[[{{{" * 80})


def test_sixty_four_levels_are_accepted_and_sixty_five_refused(api):
    deepest = nested(30)  # 59 levels of objects
    fits = {"a": deepest}  # body { tools [ tool { function { parameters { ...59: 64 levels
    too_deep = {"a": [deepest]}  # one array more: 65
    assistant = api.beta.assistants.create(model="gpt-4o", tools=[{"type": "function", "function": {
        "name": "deep", "parameters": fits}}])
    assert assistant.tools[0].function.parameters == fits
    with pytest.raises(openai.BadRequestError) as refused:
        api.beta.assistants.create(model="gpt-4o", tools=[{"type": "function", "function": {
            "name": "deep", "parameters": too_deep}}])
    assert refused.value.body == TOO_DEEP["error"]
    assert [item.id for item in api.beta.assistants.list()] == [assistant.id]


# --- framing: Content-Length and chunked bodies ---------------------------------------------------

@pytest.mark.parametrize("value", ["abc", "-5", "+5", "1.5", "0x10", "12 3"])
def test_a_content_length_that_is_not_a_number_is_refused(server, value):
    status, headers, body = server.post("/threads", b'{"metadata": {"a": "b"}}', content_length=value)
    assert (status, json.loads(body)) == (400, bad_request(
        f"Invalid Content-Length header ({value!r}): expected a whole number of bytes."))
    assert headers["connection"] == "close"
    assert server.emulator.export_state()["threads"] == []


def test_a_body_shorter_than_its_content_length_is_not_executed(server):
    """The client went away before sending the whole body: the request does not run."""
    status, _, body = server.post("/threads", b'{"metadata": {}}', content_length="100", half_close=True)
    assert (status, json.loads(body)) == (400, bad_request(
        "The request body ended after 16 bytes, before the 100 bytes its Content-Length announced; the "
        "request was not executed."))
    assert server.emulator.export_state()["threads"] == []


def test_a_chunked_body_is_read_whole(server):
    status, _, body = server.post_chunked("/threads", [b'{"metadata": ', b'{"sent": "in chunks"}', b"}"])
    assert (status, json.loads(body)["metadata"]) == (200, {"sent": "in chunks"})
    [record] = server.emulator.state.threads.values()
    assert record.thread["metadata"] == {"sent": "in chunks"}


def test_a_chunked_body_is_read_whole_whatever_content_length_says(server):
    """Transfer-Encoding overrides Content-Length (RFC 9112 6.3)."""
    body = b'{"metadata": {"sent": "in chunks"}}'
    status, _, answer = server.send(
        f"POST /v1/threads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TEST_KEY}\r\n"
        "OpenAI-Beta: assistants=v2\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
        f"Content-Length: 5\r\nConnection: close\r\n\r\n{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n",
        half_close=True)
    assert (status, json.loads(answer)["metadata"]) == (200, {"sent": "in chunks"})


def test_a_chunked_body_cut_short_is_not_executed(server):
    status, _, body = server.post_chunked("/threads", [b'{"metadata": ', b'{"a": "b"}}'], end=b"")
    assert (status, json.loads(body)) == (400, bad_request(
        "The chunked request body ended before its last chunk, or a chunk was malformed; the request was "
        "not executed."))
    assert server.emulator.export_state()["threads"] == []


def test_a_malformed_chunk_is_not_executed(server):
    status, _, body = server.post_chunked("/threads", [b'{"metadata": {}}'], end=b"zz\r\n\r\n")
    assert (status, json.loads(body)) == (400, bad_request(
        "The chunked request body ended before its last chunk, or a chunk was malformed; the request was "
        "not executed."))
    assert server.emulator.export_state()["threads"] == []


# --- size limits ------------------------------------------------------------------------------

def test_a_huge_content_length_is_refused_unread(server):
    status, headers, body = server.post("/threads", b"{}", content_length="99999999999999999999")
    assert (status, json.loads(body)) == (413, too_large(26214400, 99999999999999999999))
    assert headers["connection"] == "close"
    assert server.emulator.export_state()["threads"] == []


def test_the_json_limit_is_per_endpoint_and_set_by_max_body(small_server):
    client = small_server.client()
    client.beta.threads.create(metadata={"k": "v" * 400})  # about 430 bytes: under the limit
    with pytest.raises(openai.APIStatusError) as refused:
        client.beta.threads.create(metadata={"a": "v" * 500, "b": "v" * 500})
    assert refused.value.status_code == 413
    assert refused.value.body == too_large(1000, 1028)["error"]
    assert len(small_server.emulator.state.threads) == 1
    uploaded = client.files.create(file=("notes.txt", b"x" * 4000), purpose="assistants")  # uploads: the file limit
    assert uploaded.bytes == 4000


def test_a_chunked_body_over_the_limit_is_refused_once_the_limit_is_passed(small_server):
    status, _, body = small_server.post_chunked("/threads", [b'{"metadata": {"k": "', b"v" * 2000, b'"}}'])
    assert (status, json.loads(body)) == (413, too_large(1000, 1001))
    assert small_server.emulator.export_state()["threads"] == []


def test_an_upload_over_the_file_limit_is_still_refused_as_a_file_too_large(small_server):
    with pytest.raises(openai.BadRequestError) as refused:
        small_server.client().files.create(file=("big.txt", b"x" * (5000 + 1024 * 1024 + 1)), purpose="assistants")
    assert refused.value.body["message"].startswith("File is too large: ")


def test_the_limit_holds_in_process_too():
    emulator = FakeOpenAI(max_body=1000)
    with pytest.raises(openai.APIStatusError) as refused:
        emulator.client.beta.threads.create(metadata={"a": "v" * 500, "b": "v" * 500})
    assert (refused.value.status_code, refused.value.body) == (413, too_large(1000, 1028)["error"])
    assert emulator.export_state()["threads"] == []


# --- tool outputs and create-thread-and-run -------------------------------------------------------

def test_a_tool_output_without_tool_call_id_is_a_400(api, backend):
    assistant = api.beta.assistants.create(model="gpt-4o", tools=[{"type": "function", "function": {
        "name": "get_weather", "parameters": {"type": "object", "properties": {}}}}])
    backend.emulator.script.call_function("get_weather", {})
    thread = api.beta.threads.create()
    run = api.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
    assert run.status == "requires_action"
    with pytest.raises(openai.BadRequestError) as refused:
        api.beta.threads.runs.submit_tool_outputs(run.id, thread_id=thread.id, tool_outputs=[{"output": "21 C"}])
    assert refused.value.body == {"message": "Missing required parameter: 'tool_outputs[0].tool_call_id'.",
                                  "type": "invalid_request_error", "param": "tool_outputs[0].tool_call_id",
                                  "code": "missing_required_parameter"}
    assert api.beta.threads.runs.retrieve(run.id, thread_id=thread.id).status == "requires_action"


def test_a_create_thread_and_run_whose_script_cannot_run_leaves_no_thread(api, backend):
    assistant = api.beta.assistants.create(model="gpt-4o")  # no function tools
    backend.emulator.script.call_function("get_weather", {})
    with pytest.raises((openai.InternalServerError, ScriptError)):
        api.beta.threads.create_and_run(assistant_id=assistant.id, thread={
            "messages": [{"role": "user", "content": "Weather?"}],
            "tool_resources": {"file_search": {"vector_stores": [{}]}}})
    state = backend.emulator.export_state()
    assert (state["threads"], state["vector_stores"]) == ([], [])
    backend.emulator.app.default.script_errors.clear()  # the test's own mistake, made on purpose here


def test_fakeai_serve_max_body_sets_the_json_limit():
    with Served(fakeai_command(), "serve", "--port", "0", "--quiet", "--max-body", "100") as served:
        client = openai.OpenAI(base_url=served.base_url, api_key=TEST_KEY, max_retries=0)
        client.beta.threads.create(metadata={"k": "v"})
        with pytest.raises(openai.APIStatusError) as refused:
            client.beta.threads.create(metadata={"k": "v" * 100})
        assert (refused.value.status_code, refused.value.body) == (413, too_large(100, 121)["error"])
        assert served.stop() == 0
