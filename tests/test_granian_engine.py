"""The opt-in granian engine (``fakeai serve --engine granian``): the SDK's whole conversation over
it, bodies bounded and read whole as on the default engine, and a clean stop. What it cannot do
(refusals of its own in the envelope, an encoded slash kept in its segment, a request timeout) is
documented in fakeai/granian_engine.py and the README."""

from __future__ import annotations

import asyncio
import http.client
import json
import socket
import sys
import time

import openai
import pytest

from fakeai import FakeOpenAI
from fakeai import cli
from fakeai.server import EngineMissing, ServerThread

pytest.importorskip("granian", reason="the granian engine is the 'granian' extra")

AUTH = "Authorization: Bearer sk-test\r\nOpenAI-Beta: assistants=v2\r\nContent-Type: application/json\r\n"


@pytest.fixture
def served():
    emulator = FakeOpenAI(bugs="respond", max_body=1024)
    with ServerThread(emulator.app, engine="granian") as server:
        yield emulator, server
    assert not emulator.problems, emulator.problems


def answer(port: int, raw: bytes) -> tuple[int, dict]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(raw)
        response = http.client.HTTPResponse(connection)
        response.begin()
        return response.status, json.loads(response.read())


def test_the_sdk_conversation_runs_over_granian(served):
    emulator, server = served
    client = openai.OpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0)
    assistant = client.beta.assistants.create(model="gpt-4o", name="Tutor")
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "What is 2 + 2?"}])

    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
    with client.beta.threads.runs.stream(thread_id=thread.id, assistant_id=assistant.id) as stream:
        events = [event.event for event in stream]
    with pytest.raises(openai.NotFoundError) as missing:
        client.beta.threads.retrieve("thread_" + "0" * 24)

    assert run.status == "completed"
    assert events[:3] == ["thread.run.created", "thread.run.queued", "thread.run.in_progress"]
    assert events[-2:] == ["thread.run.step.completed", "thread.run.completed"]
    assert [m.role for m in client.beta.threads.messages.list(thread_id=thread.id, order="asc")] == \
        ["user", "assistant", "assistant"]
    assert missing.value.body["message"] == f"No thread found with id '{'thread_' + '0' * 24}'."
    assert thread.id.startswith("thread_") and len(emulator.state.threads) == 1


def test_a_body_over_the_limit_is_refused_unread(served):
    emulator, server = served
    status, body = answer(server.port, b"POST /v1/threads HTTP/1.1\r\nHost: x\r\n" + AUTH.encode()
                          + b"Content-Length: 500000000\r\n\r\n{")

    assert status == 413
    assert body["error"] == {"message": "Maximum content size limit (1024) exceeded (500000000 bytes read)",
                             "type": "server_error", "param": None, "code": None}
    assert len(emulator.state.threads) == 0


def test_a_chunked_body_reaches_the_emulator_whole(served):
    emulator, server = served
    payload = json.dumps({"metadata": {"via": "chunks"}}).encode()
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (payload[:7], payload[7:])) + b"0\r\n\r\n"

    status, body = answer(server.port, b"POST /v1/threads HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                          + AUTH.encode() + b"\r\n" + chunks)

    assert (status, body["metadata"]) == (200, {"via": "chunks"})


def test_a_body_that_never_arrives_whole_is_not_executed(served):
    emulator, server = served
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        connection.sendall(b"POST /v1/threads HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n" + AUTH.encode()
                           + b"\r\n{\"metadata\": {}}")
    deadline = time.monotonic() + 5
    while not emulator.requests and time.monotonic() < deadline:  # granian hands it over, then it is refused
        time.sleep(0.05)

    assert len(emulator.state.threads) == 0
    assert [entry.status for entry in emulator.requests] == [400]


def test_the_server_stops_promptly():
    server = ServerThread(FakeOpenAI().app, engine="granian")
    server.__enter__()
    started = time.monotonic()

    server.__exit__(None, None, None)

    assert not server.thread.is_alive()
    assert time.monotonic() - started < 2


def test_a_client_may_connect_before_the_server_thread_is_up():
    server = ServerThread(FakeOpenAI().app, engine="granian")
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:  # queued, not refused
        connection.sendall(b"GET /v1/threads/thread_" + b"0" * 24 + b" HTTP/1.1\r\nHost: x\r\n" + AUTH.encode() + b"\r\n")
        with server:
            response = http.client.HTTPResponse(connection)
            response.begin()
            assert response.status == 404


def test_a_server_leaves_asyncio_usable_for_the_async_tests_after_it():
    with ServerThread(FakeOpenAI().app, engine="granian") as server:
        openai.OpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0).beta.threads.create()

    async def every_task():
        return asyncio.all_tasks()

    assert len(asyncio.run(every_task())) == 1  # failed while a stand-in task of granian's stayed registered


def test_without_granian_installed_the_engine_is_refused_with_the_install_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "fakeai.granian_engine", None)  # what an import of a missing package gives

    with pytest.raises(EngineMissing, match=r"pip install 'fakeai-assistants\[granian\]'"):
        ServerThread(FakeOpenAI().app, engine="granian")
    assert cli.main(["serve", "--port", "0", "--engine", "granian"]) == 2


def test_an_apps_environ_holds_the_request_and_not_the_processs_environment_variables(monkeypatch):
    monkeypatch.setenv("FAKEAI_CANARY_SECRET", "must not reach a request")
    seen = []

    def app(environ, start_response):
        seen.append(dict(environ))
        start_response("200 OK", [("content-type", "text/plain")])
        return [b"ok"]

    with ServerThread(app, engine="granian") as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        connection.request("GET", "/v1/threads?limit=2", headers={"OpenAI-Beta": "assistants=v2"})
        assert connection.getresponse().read() == b"ok"
        connection.close()
    (environ,) = seen
    assert "FAKEAI_CANARY_SECRET" not in environ and "PATH" not in environ
    assert (environ["REQUEST_METHOD"], environ["PATH_INFO"], environ["QUERY_STRING"]) == ("GET", "/v1/threads", "limit=2")
    assert environ["HTTP_OPENAI_BETA"] == "assistants=v2"
    assert environ["wsgi.url_scheme"] == "http" and environ["wsgi.input_terminated"] is True
