"""The HTTP server in front of the emulator (fakeai.server), through raw sockets and real HTTP:
what the engine refuses still answers in the API's envelope, idle and slow connections are closed,
and paths are routed as sent."""

from __future__ import annotations

import http.client
import json
import socket
import time

import openai
import pytest

from fakeai import FakeOpenAI
from fakeai.server import ServerThread

AUTH = {"Authorization": "Bearer sk-test", "OpenAI-Beta": "assistants=v2", "Content-Type": "application/json"}


def exchange(port: int, raw: bytes) -> tuple[int, dict, bytes]:
    """(status, lower-case headers, body) of the one answer to ``raw`` bytes sent as they are."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(raw)
        response = http.client.HTTPResponse(connection)
        response.begin()
        return response.status, {name.lower(): value for name, value in response.getheaders()}, response.read()


def thread_count(emulator: FakeOpenAI) -> int:
    return len(emulator.state.threads)


@pytest.fixture
def served():
    emulator = FakeOpenAI(bugs="respond")
    with ServerThread(emulator.app, idle_timeout=1, request_timeout=2) as server:
        yield emulator, server
    assert not emulator.problems, emulator.problems


# --- refusals of the engine ---------------------------------------------------------------------

@pytest.mark.parametrize("raw, status", [
    (b"NOT A REQUEST LINE\r\n\r\n", 400),
    (b"POST /v1/threads HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}", 400),
    (b"POST /v1/threads HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}", 400),
    (b"POST /v1/threads HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", 400),
    (b"POST /v1/threads HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
    (b"GET /v1/threads HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 300_000 + b"\r\n\r\n", 431),
    (b"GET /v1/threads HTTP/1.1\r\nBad Header Line\r\n\r\n", 400),
], ids=["request line", "content-length not a number", "two content-lengths", "bad chunk size",
        "unknown transfer-encoding", "headers too large", "header without a colon"])
def test_a_request_the_engine_refuses_is_answered_in_the_api_envelope_and_changes_nothing(served, raw, status):
    emulator, server = served
    before = thread_count(emulator)

    answer_status, headers, body = exchange(server.port, raw)

    assert answer_status == status
    assert headers["content-type"] == "application/json"
    error = json.loads(body)["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == ("server_error" if status >= 500 else "invalid_request_error")
    assert headers["connection"] == "close"
    assert thread_count(emulator) == before


def test_a_chunked_body_reaches_the_emulator_whole(served):
    emulator, server = served
    body = json.dumps({"metadata": {"via": "chunks"}}).encode()
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (body[:7], body[7:])) + b"0\r\n\r\n"
    head = "".join(f"{name}: {value}\r\n" for name, value in AUTH.items())

    status, _, answer = exchange(server.port, b"POST /v1/threads HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                                 + head.encode() + b"\r\n" + chunks)

    assert status == 200
    assert json.loads(answer)["metadata"] == {"via": "chunks"}


def test_a_body_that_never_arrives_whole_is_not_executed(served):
    emulator, server = served
    head = "".join(f"{name}: {value}\r\n" for name, value in AUTH.items())
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        connection.sendall(b"POST /v1/threads HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n" + head.encode()
                           + b"\r\n{\"metadata\": {}}")
    time.sleep(0.5)  # the server has seen the client go

    assert thread_count(emulator) == 0
    assert len(emulator.requests) == 0


# --- timeouts -----------------------------------------------------------------------------------

def closed_within(connection: socket.socket, seconds: float) -> float:
    """Seconds until the server closed ``connection`` (its recv answers b''); fails after ``seconds``."""
    started = time.monotonic()
    connection.settimeout(seconds)
    assert connection.recv(1) == b""
    return time.monotonic() - started


def test_an_idle_connection_is_closed_after_the_idle_timeout(served):
    _, server = served
    with socket.create_connection(("127.0.0.1", server.port)) as connection:
        assert closed_within(connection, 10) >= 0.9


def test_a_request_trickling_in_is_closed_after_the_request_timeout(served):
    _, server = served
    with socket.create_connection(("127.0.0.1", server.port)) as connection:
        connection.sendall(b"GET /v1/threads HTTP/1.1\r\n")
        started = time.monotonic()
        closed = False
        while not closed and time.monotonic() - started < 8:  # the request timeout is 2 s
            time.sleep(0.25)  # a header line every quarter second: never idle for the idle timeout (1 s)
            try:
                connection.sendall(b"X-Slow: 1\r\n")
                connection.settimeout(0.01)
                closed = connection.recv(1) == b""
            except TimeoutError:
                pass
            except OSError:  # reset by the server: closed too
                closed = True
        assert closed
        assert time.monotonic() - started >= 1.9


# --- routing on the path as sent ----------------------------------------------------------------

@pytest.mark.parametrize("engine", ["waitress", "werkzeug"])  # granian decodes it (fakeai/granian_engine.py)
def test_an_encoded_slash_stays_inside_its_path_segment(engine):
    emulator = FakeOpenAI(bugs="respond")
    with ServerThread(emulator.app, engine=engine) as server, \
            openai.OpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0) as client:
        thread_id = client.beta.threads.create(messages=[{"role": "user", "content": "hi"}]).id
        connection = http.client.HTTPConnection("127.0.0.1", server.port)

        connection.request("POST", "/v1/threads%2Fruns", body=b"{}", headers=AUTH)
        response = connection.getresponse()
        assert (response.status, json.loads(response.read())["error"]["message"]) == (
            404, "Invalid URL (POST /v1/threads%2Fruns)")

        connection.request("GET", f"/v1/threads/{thread_id}%2Fmessages", headers=AUTH)
        response = connection.getresponse()
        assert (response.status, json.loads(response.read())["error"]["type"]) == (404, "invalid_request_error")

        connection.request("GET", f"/v1/threads/{thread_id}/messages", headers=AUTH)
        response = connection.getresponse()
        assert (response.status, json.loads(response.read())["object"]) == (200, "list")
        connection.close()
    assert not emulator.problems


def test_a_server_whose_loop_has_closed_its_wake_up_pipe_still_stops():
    server = ServerThread(FakeOpenAI().app)
    server.__enter__()
    server.engine.servers[0].trigger.close()  # what a failing wake-up leaves: nothing to pull

    server.__exit__(None, None, None)

    assert not server.thread.is_alive()
