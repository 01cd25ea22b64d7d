"""The fake_openai fixture serves every OpenAI client in-process, whenever it was built, and only
the API's host; fakeai's own bugs fail the test that met them."""

from __future__ import annotations

import asyncio
import http.server
import socket
import threading

import openai
import pytest

from fakeai import errors
from fakeai.emulator import DEFAULT_API_KEY
from tests.sdk import README_FILTER_LINES

#: Built at import time, before any fixture existed: user code often does this.
MODULE_LEVEL_CLIENT = openai.OpenAI(api_key="sk-module-level-client")

BETA = {"OpenAI-Beta": "assistants=v2", "Authorization": "Bearer sk-raw"}


def test_a_client_built_at_import_time_is_served_by_the_fake(fake_openai):
    thread = MODULE_LEVEL_CLIENT.beta.threads.create()

    assert thread.id in fake_openai.state.threads


def test_a_client_built_inside_the_test_without_a_key_in_the_environment_is_served(fake_openai, monkeypatch):
    assert openai.OpenAI().api_key == DEFAULT_API_KEY
    thread = openai.OpenAI().beta.threads.create()

    assert thread.id in fake_openai.state.threads


def test_the_ready_clients_are_served(fake_openai):
    thread = fake_openai.client.beta.threads.create()
    fetched = asyncio.run(fake_openai.async_client.beta.threads.retrieve(thread.id))

    assert fetched == thread


def test_no_socket_is_opened(fake_openai, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("fakeai opened a socket")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)

    openai.OpenAI().beta.threads.create()
    asyncio.run(openai.AsyncOpenAI().beta.threads.create())


@pytest.mark.parametrize("library", ["httpx", "httpx2"])
def test_both_http_libraries_are_intercepted_sync_and_async(fake_openai, library):
    http = pytest.importorskip(library)
    url = "https://api.openai.com/v1/threads"

    with http.Client() as client:
        created = client.post(url, headers=BETA, json={"metadata": {"via": library}}).json()

    async def fetch():
        async with http.AsyncClient() as client:
            return (await client.get(f"{url}/{created['id']}", headers=BETA)).json()

    assert asyncio.run(fetch()) == created
    assert created["metadata"] == {"via": library}


def test_the_sdk_aiohttp_client_is_intercepted(fake_openai):
    pytest.importorskip("aiohttp")

    async def create():
        async with openai.AsyncOpenAI(http_client=openai.DefaultAioHttpClient()) as client:
            return await client.beta.threads.create()

    assert asyncio.run(create()).id in fake_openai.state.threads


def test_a_client_from_a_worker_thread_is_served(fake_openai):
    results = []
    worker = threading.Thread(target=lambda: results.append(openai.OpenAI().beta.threads.create()))
    worker.start()
    worker.join()

    assert results[0].id in fake_openai.state.threads


class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"real server")

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("library", ["httpx", "httpx2"])
def test_traffic_to_other_hosts_is_untouched(fake_openai, library):
    client_library = pytest.importorskip(library)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        assert client_library.get(f"http://127.0.0.1:{server.server_port}/").text == "real server"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.fake_openai(seed=7)
def test_the_marker_chooses_the_seed(fake_openai):
    from fakeai import FakeOpenAI

    assert fake_openai.client.beta.threads.create().id == FakeOpenAI(seed=7).client.beta.threads.create().id
    assert fake_openai.client.beta.threads.create().id != FakeOpenAI(seed=0).client.beta.threads.create().id


def break_thread_objects(monkeypatch):
    """Make fakeai answer thread creates with a body that its ThreadObject schema refuses."""
    from fakeai.resources import threads
    original = threads.create_thread

    def without_created_at(state, body):
        thread = dict(original(state, body))
        del thread["created_at"]
        return thread
    monkeypatch.setattr(threads, "create_thread", without_created_at)


def test_a_response_that_breaks_its_schema_fails_the_test_loudly_not_as_a_retried_error(fake_openai, monkeypatch):
    break_thread_objects(monkeypatch)

    with pytest.raises(errors.ContractViolation, match="created_at"):
        openai.OpenAI().beta.threads.create()

    assert len(fake_openai.problems) == 1
    fake_openai.problems.clear()  # met on purpose; the fixture would fail this test otherwise


def test_a_bug_that_user_code_swallowed_still_fails_the_test_at_teardown(fake_openai, monkeypatch):
    break_thread_objects(monkeypatch)
    try:
        openai.OpenAI().beta.threads.create()
    except BaseException:  # noqa: B036 - user code that swallows everything
        pass

    with pytest.raises(errors.EmulatorBug, match="created_at"):
        fake_openai.check()
    fake_openai.problems.clear()


def test_in_server_mode_a_schema_break_is_a_500_that_says_so_and_is_not_retried(live_server, monkeypatch):
    from fakeai import FakeOpenAI
    live_server.emulator = emulator = FakeOpenAI(bugs="respond")
    break_thread_objects(monkeypatch)
    client = openai.OpenAI(base_url=live_server.base_url, api_key="sk-x")

    with pytest.raises(openai.InternalServerError, match="fakeai contract violation") as failed:
        client.beta.threads.create()

    assert "created_at" in failed.value.message
    assert len(emulator.problems) == 1  # one attempt: x-should-retry: false



INNER_SUITE = """
import openai

def test_calls_the_assistants_api(fake_openai):
    openai.OpenAI().beta.threads.create()
"""

#: The README's filter lines for suites that run with warnings as errors.
FILTER_LINES = README_FILTER_LINES

SWALLOWING_SUITE = """
import openai
from fakeai.resources import threads

def test_swallows(fake_openai, monkeypatch):
    monkeypatch.setattr(threads, "create_thread", lambda state, body: {"id": "thread_x"})
    try:
        openai.OpenAI().beta.threads.create()
    except BaseException:
        pass
"""


def test_suites_run_with_warnings_as_errors_need_the_documented_filter_lines(pytester):
    pytester.makepyfile(INNER_SUITE)

    pytester.runpytest_subprocess("-W", "error", "-p", "no:cacheprovider").assert_outcomes(failed=1)
    pytester.makeini(FILTER_LINES)
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_a_swallowed_fakeai_bug_is_reported_as_an_error_of_the_test(pytester):
    pytester.makeini(FILTER_LINES)
    pytester.makepyfile(SWALLOWING_SUITE)

    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")

    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*fakeai met bugs of its own*"])
