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


# --- no silent bypass (OPENAI_BASE_URL, other hosts, the network guard) ---------------------------

def closed_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens on it once the probe is closed


BASE_URL_SUITE = """
import os
import socket
import openai
import pytest

CLIENT = openai.OpenAI()  # built at import, from OPENAI_BASE_URL
LATE_URL = os.environ.pop("OPENAI_BASE_URL").replace("/v1", "/late/v1")  # the environment changes later

def test_served(fake_openai):
    thread = CLIENT.beta.threads.create()
    assert thread.id in fake_openai.state.threads

@pytest.fixture
def late_client(monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", LATE_URL)  # set by a fixture that runs before fake_openai
    return openai.OpenAI()

def test_served_from_the_url_at_test_start(late_client, fake_openai):
    thread = late_client.beta.threads.create()
    assert thread.id in fake_openai.state.threads

def test_elsewhere(fake_openai, monkeypatch):
    attempts = []
    connect = socket.socket.connect
    monkeypatch.setattr(socket.socket, "connect", lambda sock, address: attempts.append(address) or connect(sock, address))
    elsewhere = openai.OpenAI(base_url="http://llm-gateway.internal:8080/v1", max_retries=0)
    with pytest.raises(openai.APIStatusError) as refused:
        elsewhere.beta.threads.create()
    assert refused.value.status_code == 421
    assert attempts == []
"""


def test_a_module_level_client_built_from_openai_base_url_is_served_and_other_hosts_fail_the_test(
        pytester, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{closed_loopback_port()}/v1")
    pytester.makeini(FILTER_LINES)
    pytester.makepyfile(BASE_URL_SUITE)

    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly", "-n", "0")

    result.assert_outcomes(passed=3, errors=1)
    assert ("fakeai: this test sent POST /v1/threads to http://llm-gateway.internal:8080, which fakeai does not "
            "serve, so it was not sent. To have fakeai serve it, add the host to the test's marker: "
            "@pytest.mark.fake_openai(hosts=[..., 'llm-gateway.internal']) or "
            "base_urls=['http://llm-gateway.internal:8080/v1']; to let it reach that host for real, "
            "allow_hosts=['llm-gateway.internal'].") in result.stdout.str()
    assert "ERROR at teardown of test_elsewhere" in result.stdout.str()


@pytest.mark.fake_openai(base_urls=["http://gateway.test:8080/openai/v1"])
def test_a_base_url_with_a_path_of_its_own_is_served_at_the_api_paths(fake_openai):
    client = openai.OpenAI(base_url="http://gateway.test:8080/openai/v1", api_key="sk-gateway")

    thread = client.beta.threads.create()

    [entry] = fake_openai.requests
    assert (entry.method, entry.path, thread.id in fake_openai.state.threads) == ("POST", "/v1/threads", True)


@pytest.mark.fake_openai(allow_hosts=["127.0.0.1"])
def test_an_allowed_host_is_reached_for_real(fake_openai):
    class Answer(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["content-length"]))
            body = b'{"id": "thread_real", "object": "thread", "created_at": 1, "metadata": {}, "tool_resources": {}}'
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Answer)
    threading.Thread(target=server.handle_request, daemon=True).start()
    try:
        client = openai.OpenAI(base_url=f"http://127.0.0.1:{server.server_port}/v1", max_retries=0)
        assert client.beta.threads.create().id == "thread_real"
    finally:
        server.server_close()
    assert len(fake_openai.requests) == 0


NETWORK_SUITE = """
import socket
import pytest
from fakeai.network_guard import NetworkBlocked

@pytest.mark.fake_openai(block_network=True)
def test_reaches_out(fake_openai):
    with socket.socket() as sock:
        sock.settimeout(0.2)
        try:
            sock.connect(("192.0.2.1", 443))
        except NetworkBlocked:
            pass  # swallowed by the code under test: the test fails all the same

@pytest.mark.fake_openai(block_network=True)
def test_stays_on_loopback(fake_openai):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        with socket.create_connection(listener.getsockname()):
            pass
    fake_openai.client.beta.threads.create()
"""


def test_the_network_guard_fails_a_test_that_connects_beyond_loopback(pytester):
    pytester.makeini(FILTER_LINES)
    pytester.makepyfile(NETWORK_SUITE)

    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly", "-n", "0")

    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*fakeai: this test tried to connect to ('192.0.2.1', 443), beyond loopback, "
                                 "while block_network is on*"])
    assert "ERROR at teardown of test_reaches_out" in result.stdout.str()


MARKER_TYPO_SUITE = """
import pytest

@pytest.mark.fake_openai(sed=3)
def test_misspelt(fake_openai):
    pass
"""


def test_a_misspelt_marker_option_names_the_closest_valid_one(pytester):
    pytester.makeini(FILTER_LINES)
    pytester.makepyfile(MARKER_TYPO_SUITE)

    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly", "-n", "0")

    result.stdout.fnmatch_lines(["*@pytest.mark.fake_openai has no option 'sed': did you mean 'seed'?*"])
    assert result.ret != 0


# --- no silent no-op, and the right party blamed ----------------------------------------------------

UNUSED_PLAN_SUITE = """
import pytest

def test_forgets_its_plan(fake_openai):
    fake_openai.script.reply("Paris is the capital of France.")
    fake_openai.script.call_function("get_weather", {"city": "Paris"}, thread_id="thread_abc")

def test_optional_plan(fake_openai):
    fake_openai.script.reply("Only if asked.", optional=True)

@pytest.mark.fake_openai(allow_unused_plans=True)
def test_allowed(fake_openai):
    fake_openai.script.reply("Never asked.")

def test_used_plan(fake_openai):
    fake_openai.script.reply("Used.")
    client = fake_openai.client
    assistant = client.beta.assistants.create(model="gpt-4o")
    thread = client.beta.threads.create()
    client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
"""


def test_a_plan_no_run_takes_fails_the_test_at_teardown_unless_it_is_optional(pytester):
    pytester.makeini(FILTER_LINES)
    pytester.makepyfile(UNUSED_PLAN_SUITE)

    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly", "-n", "0")

    result.assert_outcomes(passed=4, errors=1)
    output = result.stdout.str()
    assert "ERROR at teardown of test_forgets_its_plan" in output
    assert ("fakeai: 2 plan(s) scripted in this test were never taken by a run:\n"
            "  - the next run of thread thread_abc: call get_weather('{\"city\": \"Paris\"}')\n"
            "  - the next run of any thread: reply 'Paris is the capital of France.'\n"
            "If that is intended, script them with optional=True, or mark the test "
            "@pytest.mark.fake_openai(allow_unused_plans=True).") in output


RESPONDER_SUITE = """
import json
from fakeai import actions
from fakeai.scripting import CallFunctions, FunctionCall

WEATHER = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]

def start(fake_openai, responder):
    fake_openai.script.respond(responder)
    client = fake_openai.client
    assistant = client.beta.assistants.create(model="gpt-4o", tools=WEATHER)
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "Weather in Paris?"}])
    return client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)

def reads_content_as_an_object(turn):
    return turn.messages[-1].content  # USER LINE: messages are dicts

def test_broken_responder(fake_openai):
    start(fake_openai, reads_content_as_an_object)

def test_dict_arguments(fake_openai):
    run = start(fake_openai, lambda turn: actions.call_function("get_weather", {"city": "Paris"}))
    [call] = run.required_action.submit_tool_outputs.tool_calls
    assert json.loads(call.function.arguments) == {"city": "Paris"}

def test_raw_action_with_dict_arguments(fake_openai):
    run = start(fake_openai, lambda turn: CallFunctions((FunctionCall("get_weather", {"city": "Lyon"}),)))
    [call] = run.required_action.submit_tool_outputs.tool_calls
    assert json.loads(call.function.arguments) == {"city": "Lyon"}
"""


def test_a_responder_that_raises_fails_the_test_as_the_users_mistake_with_the_users_line(pytester):
    pytester.makeini(FILTER_LINES)
    pytester.makepyfile(RESPONDER_SUITE)

    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly", "-n", "0")

    result.assert_outcomes(passed=2, failed=1)
    output = result.stdout.str()
    assert "return turn.messages[-1].content  # USER LINE: messages are dicts" in output
    assert "AttributeError: 'dict' object has no attribute 'content'" in output
    assert ("ScriptError: the responder reads_content_as_an_object raised AttributeError: 'dict' object has no "
            "attribute 'content'") in output
    assert "fakeai met bugs of its own" not in output


DEFAULT_REPLY_SUITE = """
def test_unscripted(fake_openai):
    client = fake_openai.client
    assistant = client.beta.assistants.create(model="gpt-4o", tools=[
        {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}])
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "Weather?"}])
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
    assert run.status == "completed"
"""


def test_a_run_on_function_tools_that_replies_by_default_warns_naming_the_run(pytester):
    pytester.makepyfile(DEFAULT_REPLY_SUITE)

    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly", "-n", "0",
                                           "-W", "ignore::DeprecationWarning")

    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines([
        "*FakeaiWarning: run run_* replied with fakeai's default text although it has function tools "
        "(get_weather) and nothing was scripted for it; script what the model does, e.g. "
        "fake_openai.script.call_function('get_weather', {...}) or fake_openai.script.reply('...')"])
