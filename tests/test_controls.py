"""Test-author controls: the request journal, faults, state control, scripted outcomes, isolation
between keys, and the pytest plugin's server fixture and suite options.

API calls go through the real SDK; the admin API (``/_fakeai/``) through plain httpx, as a test
in another language would use it. In-process tests use the ``fake_openai`` fixture; HTTP tests
share one real ``fakeai serve`` process, each test with a key of its own (so its own state).
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import time

import httpx
import openai
import pytest

from fakeai import FakeOpenAI, errors
from fakeai.determinism import DEFAULT_EPOCH
from tests.test_cli import Served, fakeai_command
from tests.sdk import README_FILTER_LINES

KEY = "sk-test-journal-0123456789abcdef"
MASKED_AUTHORIZATION = "Bearer sk-test-********************cdef"  # as the API masks a key: 8 + stars + 4
STREAM_START = ["thread.run.created", "thread.run.queued", "thread.run.in_progress"]
WEATHER_TOOL = {"type": "function", "function": {"name": "get_weather",
                                                 "parameters": {"type": "object",
                                                                "properties": {"city": {"type": "string"}}}}}
FIXTURES = {
    "assistants": [{"id": "asst_support", "model": "gpt-4o", "name": "Support", "tools": [WEATHER_TOOL]}],
    "threads": [{"id": "thread_demo", "metadata": {"customer": "ada"},
                 "messages": [{"role": "user", "content": "Where is my order?"}]}],
}
#: The README's filter lines, for inner suites (the SDK marks the Assistants API deprecated).
INNER_INI = README_FILTER_LINES


#: Inner pytest runs skip plugins they do not use (hypothesis' alone costs a worker seconds to import).
QUICK_START = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest")


def statuses(journal) -> list:
    return [entry.status for entry in journal]


# --- a shared `fakeai serve` and per-test keys, for the admin API --------------------------------

class AdminAPI:
    """The admin API of one key (and project) on a fakeai server, over plain HTTP."""

    def __init__(self, base_url: str, key: str, project: str | None = None):
        headers = {"Authorization": f"Bearer {key}"}
        if project:
            headers["OpenAI-Project"] = project
        self.http = httpx.Client(base_url=base_url.removesuffix("/v1") + "/_fakeai/", headers=headers)
        assert len(key) >= 24  # long enough for the API's mask: first 8, a star each, last 4 (E12)
        #: What every answer says it acted on: this key, masked, and this project.
        self.tenant = {"key": key[:8] + "*" * (len(key) - 12) + key[-4:], "project": project, "shared": False}

    def get(self, name: str) -> httpx.Response:
        return self.http.get(name)

    def post(self, name: str, body=None) -> httpx.Response:
        return self.http.post(name, json=body if body is not None else {})

    def delete(self, name: str) -> httpx.Response:
        return self.http.delete(name)

    def ok(self, method: str, name: str, body=None):
        """The JSON answer of a call that must succeed, once it said it acted on this key's tenant
        (without that ``tenant`` member)."""
        response = self.post(name, body) if method == "POST" else getattr(self, method.lower())(name)
        assert response.status_code == 200, response.text
        answer = response.json()
        assert answer.pop("tenant") == self.tenant
        return answer

    def journal(self) -> list[dict]:
        return self.ok("GET", "journal")["data"]


@pytest.fixture(scope="module")
def server() -> str:
    """One real ``fakeai serve`` process for this module's HTTP tests; its base URL."""
    with Served(fakeai_command(), "serve", "--port", "0", "--quiet") as served:
        yield served.base_url
        served.stop()


@pytest.fixture
def key(request) -> str:
    """A key of this test's own, derived from its id: its own state on the shared server."""
    return "sk-controls-" + hashlib.sha256(request.node.nodeid.encode()).hexdigest()[:24]


@pytest.fixture
def admin_of(server):
    """``admin_of(key, project=None)``: the admin API of any key on the shared server."""
    opened = []
    yield lambda key, project=None: opened.append(AdminAPI(server, key, project)) or opened[-1]
    for api in opened:
        api.http.close()


@pytest.fixture
def admin(admin_of, key):
    """The admin API of this test's key, its state reset (a rerun of the test starts afresh)."""
    api = admin_of(key)
    api.ok("POST", "reset")
    return api


@pytest.fixture
def client(server, key):
    with openai.OpenAI(base_url=server, api_key=key) as sdk:
        yield sdk


# === 1. the request journal ======================================================================

def test_the_journal_records_each_request_as_sent_and_as_answered(fake_openai):
    fake_openai.set_time(1_750_000_000)
    sdk = openai.OpenAI(api_key=KEY)

    raw = sdk.beta.threads.with_raw_response.create(metadata={"ticket": "42"})
    thread = raw.parse()
    sdk.beta.threads.messages.list(thread.id, order="asc", limit=5)

    create, listing = fake_openai.requests
    assert (create.method, create.path, create.operation, create.status) == (
        "POST", "/v1/threads", "createThread", 200)
    assert create.body == {"metadata": {"ticket": "42"}}
    assert create.response == raw.http_response.json()
    assert create.request_id == thread._request_id == raw.headers["x-request-id"]
    assert create.timestamp == 1_750_000_000
    assert create.headers["openai-beta"] == "assistants=v2"
    assert create.headers["x-stainless-retry-count"] == "0"
    assert (listing.method, listing.path, listing.operation, listing.status) == (
        "GET", f"/v1/threads/{thread.id}/messages", "listMessages", 200)
    assert listing.query == {"order": "asc", "limit": "5"}
    assert listing.body is None
    assert listing.response["object"] == "list"


def test_the_journal_masks_the_api_key_and_never_keeps_it(fake_openai):
    openai.OpenAI(api_key=KEY).beta.threads.create()

    [entry] = fake_openai.requests
    assert entry.headers["authorization"] == MASKED_AUTHORIZATION
    assert KEY not in json.dumps(entry.summary())
    assert KEY not in fake_openai.requests.table()


def test_the_journal_filters_read_like_the_test(fake_openai):
    sdk = openai.OpenAI(max_retries=0)
    thread = sdk.beta.threads.create()
    sdk.beta.threads.messages.create(thread.id, role="user", content="Hi")
    with pytest.raises(openai.NotFoundError):
        sdk.beta.threads.retrieve("thread_missing")

    journal = fake_openai.requests
    assert [entry.operation for entry in journal.filter(method="post")] == ["createThread", "createMessage"]
    assert [entry.operation for entry in journal.filter(path="/threads/*/messages")] == ["createMessage"]
    assert [entry.operation for entry in journal.filter(path="/threads/*")] == ["createMessage", "getThread"]
    assert [entry.path for entry in journal.filter(status=404)] == ["/v1/threads/thread_missing"]
    assert journal.filter("getThread", status=200) == []
    assert journal.last("createMessage").body == {"role": "user", "content": "Hi"}
    assert journal.last(method="GET").status == 404
    with pytest.raises(LookupError, match="createRun"):
        journal.last("createRun")
    table = journal.table()
    assert table.splitlines()[0].split() == ["#", "method", "path", "status", "request", "id"]
    assert f"/v1/threads/{thread.id}/messages" in table and "404" in table


def test_a_streamed_run_records_the_names_of_its_events(fake_openai):
    sdk = openai.OpenAI()
    assistant = sdk.beta.assistants.create(model="gpt-4o")
    thread = sdk.beta.threads.create(messages=[{"role": "user", "content": "Hi"}])

    received = [event.event for event in sdk.beta.threads.runs.create(
        thread.id, assistant_id=assistant.id, stream=True)]

    entry = fake_openai.requests.last("createRun")
    assert [name for name, _ in entry.events] == received
    assert entry.summary()["events"] == received
    assert received[:3] == STREAM_START and received[-1] == "thread.run.completed"
    assert "thread.message.delta" in received
    assert entry.body == {"assistant_id": assistant.id, "stream": True}


def test_the_journal_over_http_is_the_callers_and_delete_clears_it(admin, admin_of, client, key):
    thread = client.beta.threads.create(metadata={"via": "http"})

    [entry] = admin.journal()  # admin calls are not journaled
    assert (entry["method"], entry["path"], entry["operation"], entry["status"]) == (
        "POST", "/v1/threads", "createThread", 200)
    assert entry["body"] == {"metadata": {"via": "http"}}
    assert entry["response"]["id"] == thread.id
    assert entry["request_id"] == thread._request_id
    assert entry["query"] == {} and entry["events"] == []
    assert entry["timestamp"] == DEFAULT_EPOCH
    assert entry["headers"]["authorization"].startswith("Bearer sk-contr")
    assert key not in json.dumps(entry)

    other = admin_of(key + "-other")
    assert other.journal() == []
    assert admin.ok("DELETE", "journal") == {"deleted": True}
    assert admin.journal() == []


# === 2. faults ===================================================================================

def test_a_429_with_retry_after_ms_is_retried_by_the_sdk_and_the_journal_shows_both_attempts(fake_openai):
    fake_openai.faults.add(status=429, retry_after_ms=1, path="/threads")

    thread = openai.OpenAI().beta.threads.create()  # the SDK's default max_retries

    attempts = fake_openai.requests.filter("createThread")
    assert statuses(attempts) == [429, 200]
    assert [entry.headers["x-stainless-retry-count"] for entry in attempts] == ["0", "1"]
    assert attempts[0].response["error"]["code"] == "rate_limit_exceeded"
    assert attempts[1].request_id == thread._request_id
    assert thread.id in fake_openai.state.threads
    assert fake_openai.faults.pending == []


def test_a_429_injected_over_http_is_retried_by_the_sdk(admin, client):
    fault = admin.ok("POST", "faults", {"status": 429, "retry_after_ms": 1, "path": "/threads"})
    assert (fault["status"], fault["path"], fault["times"]) == (429, "/threads", 1)
    assert [pending["status"] for pending in admin.ok("GET", "faults")["data"]] == [429]

    thread = client.beta.threads.create()

    attempts = admin.journal()
    assert [entry["status"] for entry in attempts] == [429, 200]
    assert [entry["headers"]["x-stainless-retry-count"] for entry in attempts] == ["0", "1"]
    assert attempts[1]["response"]["id"] == thread.id
    assert admin.ok("GET", "faults")["data"] == []


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_retried_then_the_call_succeeds(fake_openai, status):
    fake_openai.faults.add(status=status, times=2, retry_after_ms=1, method="POST", path="/threads")

    openai.OpenAI().beta.threads.create()

    attempts = fake_openai.requests
    assert statuses(attempts) == [status, status, 200]
    assert [entry.headers["x-stainless-retry-count"] for entry in attempts] == ["0", "1", "2"]
    assert attempts[0].response["error"]["type"] == "server_error"


def test_x_should_retry_false_makes_the_sdk_give_up_at_once(fake_openai):
    fake_openai.faults.add(status=500, should_retry=False, path="/threads")

    with pytest.raises(openai.InternalServerError) as failed:
        openai.OpenAI().beta.threads.create()

    assert failed.value.body["message"] == ("The server had an error while processing your request. "
                                            "Sorry about that!")  # E31
    assert statuses(fake_openai.requests) == [500]


def test_x_should_retry_true_makes_the_sdk_retry_even_a_400(fake_openai):
    fake_openai.faults.add(status=400, should_retry=True, retry_after_ms=1, path="/threads")

    openai.OpenAI().beta.threads.create()

    assert statuses(fake_openai.requests) == [400, 200]


def test_a_quota_429_has_the_insufficient_quota_body(fake_openai):
    fake_openai.faults.add(status=429, kind="quota")

    with pytest.raises(openai.RateLimitError) as refused:
        openai.OpenAI(max_retries=0).beta.threads.create()

    assert (refused.value.type, refused.value.code) == ("insufficient_quota", "insufficient_quota")  # E30
    assert refused.value.body["message"].startswith("You exceeded your current quota, please check your plan")


def test_a_fault_with_times_2_fails_two_requests_then_is_used_up(fake_openai):
    fake_openai.faults.add(status=500, times=2, path="/threads")
    sdk = openai.OpenAI(max_retries=0)

    for _ in range(2):
        with pytest.raises(openai.InternalServerError):
            sdk.beta.threads.create()
    sdk.beta.threads.create()

    assert statuses(fake_openai.requests) == [500, 500, 200]
    assert fake_openai.faults.pending == []


def pattern_of_a_probable_fault(seed) -> list[int]:
    fake = FakeOpenAI(seed=seed)
    fake.faults.add(status=503, probability=0.5, times=None, path="/threads")
    sdk = fake.client.with_options(max_retries=0)
    for _ in range(20):
        try:
            sdk.beta.threads.create()
        except openai.InternalServerError:
            pass
    return statuses(fake.requests)


def test_a_probable_fault_strikes_in_the_same_pattern_for_the_same_seed():
    pattern = pattern_of_a_probable_fault(3)

    assert pattern == pattern_of_a_probable_fault(3)
    assert {200, 503} == set(pattern)
    assert pattern != pattern_of_a_probable_fault(4)


def test_latency_moves_fakeais_clock_without_sleeping(fake_openai):
    sdk = openai.OpenAI()
    sdk.beta.assistants.list()  # the SDK's first call in a process is slow (lazy imports); not timed
    fake_openai.set_time(1_750_000_000)
    fake_openai.faults.add(latency_ms=2000, path="/threads")

    started = time.monotonic()
    thread = sdk.beta.threads.create()

    assert time.monotonic() - started < 1.5  # a real sleep would take 2 s
    assert fake_openai.now() == 1_750_000_002
    assert thread.created_at == 1_750_000_002  # the request was handled after its delay
    entry = fake_openai.requests.last("createThread")
    assert (entry.timestamp, entry.status) == (1_750_000_000, 200)  # it arrived before


def test_a_stream_cut_after_3_events_leaves_the_run_in_a_state_it_really_reached(fake_openai):
    sdk = openai.OpenAI()
    assistant = sdk.beta.assistants.create(model="gpt-4o")
    thread = sdk.beta.threads.create(messages=[{"role": "user", "content": "Hi"}])
    fake_openai.script.reply("Hello, how can I help?")
    fake_openai.faults.add(cut_stream_after=3, path="/threads/*/runs")

    events = list(sdk.beta.threads.runs.create(thread.id, assistant_id=assistant.id, stream=True))

    assert [event.event for event in events] == STREAM_START
    run_id = events[0].data.id
    assert [name for name, _ in fake_openai.requests.last("createRun").events] == STREAM_START
    assert fake_openai.state.threads[thread.id].runs.get(run_id)["status"] == "in_progress"
    # The next request that touches the thread finds the run moved on, as a real one would.
    run = sdk.beta.threads.runs.retrieve(run_id, thread_id=thread.id)
    assert run.status == "completed"
    reply, _question = sdk.beta.threads.messages.list(thread.id)
    assert (reply.run_id, reply.content[0].text.value) == (run_id, "Hello, how can I help?")
    [step] = sdk.beta.threads.runs.steps.list(run_id, thread_id=thread.id)
    assert (step.status, step.step_details.message_creation.message_id) == ("completed", reply.id)


def test_a_stream_cut_over_http_ends_without_done(server, admin, client, key):
    assistant = client.beta.assistants.create(model="gpt-4o")
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "Hi"}])
    admin.ok("POST", "faults", {"cut_stream_after": 3, "path": "/threads/*/runs"})

    headers = {"Authorization": f"Bearer {key}", "OpenAI-Beta": "assistants=v2"}
    with httpx.stream("POST", f"{server}/threads/{thread.id}/runs", headers=headers,
                      json={"assistant_id": assistant.id, "stream": True}) as answer:
        text = answer.read().decode()

    assert answer.status_code == 200
    assert [line.removeprefix("event: ") for line in text.splitlines() if line.startswith("event:")] == STREAM_START
    assert "[DONE]" not in text
    assert [run.status for run in client.beta.threads.runs.list(thread.id)] == ["completed"]


@pytest.mark.parametrize(("body", "param"), [
    ({"status": 429, "colour": "red"}, "colour"),  # an unknown key
    ({"status": 200}, "status"),  # not an error status
    ({"status": 500, "probability": 2}, "probability"),
    ({"path": "/threads"}, None),  # a fault that would do nothing
], ids=["unknown-key", "status-200", "probability-2", "no-effect"])
def test_a_bad_fault_is_refused_with_a_400_in_the_api_envelope(admin, body, param):
    refused = admin.post("faults", body)

    assert refused.status_code == 400, refused.text
    assert refused.headers["content-type"] == "application/json"
    error = refused.json()["error"]
    assert error["type"] == "invalid_request_error"
    if param:
        assert error["param"] == param
    assert admin.ok("GET", "faults")["data"] == []


@pytest.mark.parametrize("options", [{"status": 200}, {"status": 500, "probability": 2}, {"path": "/threads"}],
                         ids=["status-200", "probability-2", "no-effect"])
def test_a_bad_fault_is_refused_in_process_too(fake_openai, options):
    """The same refusal, with the same message, as POST /_fakeai/faults gives."""
    with pytest.raises(errors.BadRequestError):
        fake_openai.faults.add(**options)

    assert fake_openai.faults.pending == []


# === 3. state control ============================================================================

def test_reset_forgets_everything_and_ids_start_over(fake_openai):
    sdk = openai.OpenAI(max_retries=0)
    first = sdk.beta.threads.create()
    fake_openai.script.reply("Never used.")
    fake_openai.faults.add(status=500, path="/assistants")
    fake_openai.advance_time(100)

    fake_openai.reset()

    assert fake_openai.requests == []
    assert fake_openai.faults.pending == [] and fake_openai.script.pending() == 0
    assert fake_openai.now() == DEFAULT_EPOCH
    with pytest.raises(openai.NotFoundError):
        sdk.beta.threads.retrieve(first.id)
    assert sdk.beta.threads.create().id == first.id
    sdk.beta.assistants.create(model="gpt-4o")  # the fault went too


def first_thread_ids(seed, count: int = 2) -> list[str]:
    sdk = FakeOpenAI(seed=seed).client
    return [sdk.beta.threads.create().id for _ in range(count)]


def test_reset_with_a_seed_gives_the_ids_of_a_fresh_emulator_with_that_seed(fake_openai):
    sdk = openai.OpenAI()
    sdk.beta.threads.create()

    fake_openai.reset(seed=5)

    assert [sdk.beta.threads.create().id for _ in range(2)] == first_thread_ids(5) != first_thread_ids(0)


def test_reset_over_http_with_a_seed_restarts_the_callers_ids(admin, client):
    before = client.beta.threads.create()

    assert admin.ok("POST", "reset", {"seed": 5}) == {"reset": True}

    assert [client.beta.threads.create().id for _ in range(2)] == first_thread_ids(5)
    with pytest.raises(openai.NotFoundError):
        client.beta.threads.retrieve(before.id)
    assert [entry["operation"] for entry in admin.journal()] == ["createThread"] * 2 + ["getThread"]


def test_snapshot_and_restore_in_process(fake_openai):
    sdk = openai.OpenAI(max_retries=0)
    kept = sdk.beta.threads.create(metadata={"n": "kept"})
    snapshot = fake_openai.snapshot()
    later = sdk.beta.threads.create()
    sdk.beta.threads.delete(kept.id)

    fake_openai.restore(snapshot)

    assert sdk.beta.threads.retrieve(kept.id).metadata == {"n": "kept"}
    with pytest.raises(openai.NotFoundError):
        sdk.beta.threads.retrieve(later.id)
    sdk.beta.threads.delete(kept.id)
    fake_openai.restore(snapshot)  # a snapshot can be restored again
    assert sdk.beta.threads.retrieve(kept.id).id == kept.id


def test_snapshot_and_restore_over_http(admin, client):
    kept = client.beta.threads.create(metadata={"n": "kept"})
    snapshot = admin.ok("POST", "snapshot")
    later = client.beta.threads.create()
    client.beta.threads.delete(kept.id)

    assert admin.ok("POST", "restore", snapshot) == {"restored": snapshot["snapshot_id"]}

    assert client.beta.threads.retrieve(kept.id).metadata == {"n": "kept"}
    with pytest.raises(openai.NotFoundError):
        client.beta.threads.retrieve(later.id)
    unknown = admin.post("restore", {"snapshot_id": "snapshot_none"})
    assert unknown.status_code == 404 and unknown.json()["error"]["type"] == "invalid_request_error"


def test_a_snapshot_of_one_key_cannot_be_restored_by_another(admin, admin_of, client, key):
    client.beta.threads.create(metadata={"owner": "a"})
    snapshot = admin.ok("POST", "snapshot")
    other = admin_of(key + "-other")

    refused = other.post("restore", snapshot)

    assert refused.status_code == 404, "another key restored this key's snapshot and got its objects"
    assert other.ok("GET", "state")["threads"] == []


def test_the_clock_moves_only_when_told(fake_openai):
    sdk = openai.OpenAI()
    fake_openai.set_time(1_750_000_000)
    thread = sdk.beta.threads.create()
    fake_openai.advance_time(60)
    message = sdk.beta.threads.messages.create(thread.id, role="user", content="A minute later.")

    assert (thread.created_at, message.created_at) == (1_750_000_000, 1_750_000_060)
    assert fake_openai.now() == 1_750_000_060


def test_the_clock_over_http(admin, client):
    assert admin.ok("GET", "clock") == {"now": DEFAULT_EPOCH}
    assert admin.ok("POST", "clock", {"set": 1_750_000_000}) == {"now": 1_750_000_000}
    thread = client.beta.threads.create()
    assert admin.ok("POST", "clock", {"advance": 90}) == {"now": 1_750_000_090}
    message = client.beta.threads.messages.create(thread.id, role="user", content="Later.")

    assert (thread.created_at, message.created_at) == (1_750_000_000, 1_750_000_090)
    for bad in ({}, {"set": 1, "advance": 1}, {"set": "noon"}):
        assert admin.post("clock", bad).status_code == 400, bad
    assert admin.ok("GET", "clock") == {"now": 1_750_000_090}


def assert_the_fixtures_are_there(sdk) -> None:
    assistant = sdk.beta.assistants.retrieve("asst_support")
    assert (assistant.name, assistant.tools[0].function.name) == ("Support", "get_weather")
    thread = sdk.beta.threads.retrieve("thread_demo")
    assert thread.metadata == {"customer": "ada"}
    [message] = sdk.beta.threads.messages.list("thread_demo")
    assert (message.thread_id, message.content[0].text.value) == ("thread_demo", "Where is my order?")


def test_load_fixtures_from_a_dict_with_known_ids(fake_openai):
    assert fake_openai.load(FIXTURES) == {"assistants": ["asst_support"], "threads": ["thread_demo"]}

    assert_the_fixtures_are_there(openai.OpenAI())


def test_load_fixtures_from_a_json_file(fake_openai, tmp_path):
    path = tmp_path / "fixtures.json"
    path.write_text(json.dumps(FIXTURES), encoding="utf-8")

    fake_openai.load(path)

    assert_the_fixtures_are_there(openai.OpenAI())


def test_load_fixtures_from_a_yaml_file(fake_openai, tmp_path):
    yaml = pytest.importorskip("yaml")
    path = tmp_path / "fixtures.yaml"
    path.write_text(yaml.safe_dump(FIXTURES), encoding="utf-8")

    fake_openai.load(path)

    assert_the_fixtures_are_there(openai.OpenAI())


def test_load_fixtures_over_http(admin, client):
    assert admin.ok("POST", "load", FIXTURES) == {"assistants": ["asst_support"], "threads": ["thread_demo"]}

    assert_the_fixtures_are_there(client)


@pytest.mark.parametrize("bad", [
    {"threads": [{"id": "thread_fine"}, {"id": "thread_bad", "colour": "red"}]},
    {"threads": [{"id": "thread_fine"}, {"id": "asst_not_a_thread"}]},
    {"assistants": [{"id": "asst_fine", "model": "gpt-4o"}], "threads": [{"messages": "not a list"}]},
    {"threads": [{"id": "thread_fine"}], "runs": []},
], ids=["unknown-parameter", "wrong-prefix", "wrong-type", "unknown-kind"])
def test_a_bad_fixture_entry_loads_nothing(fake_openai, admin, bad):
    with pytest.raises(errors.BadRequestError):
        fake_openai.load(bad)
    refused = admin.post("load", bad)

    assert refused.status_code == 400 and refused.json()["error"]["type"] == "invalid_request_error"
    assert fake_openai.export_state()["threads"] == fake_openai.export_state()["assistants"] == []
    state = admin.ok("GET", "state")
    assert state["threads"] == state["assistants"] == []


@pytest.mark.parametrize("second", [
    {"assistants": [{"id": "asst_support", "model": "gpt-4o", "name": "Another"}]},
    {"threads": [{"id": "thread_demo"}]},
], ids=["assistant", "thread"])
def test_loading_an_id_that_is_taken_is_refused_and_changes_nothing(fake_openai, second):
    fake_openai.load(FIXTURES)

    with pytest.raises(errors.BadRequestError):
        fake_openai.load(second)

    assert_the_fixtures_are_there(openai.OpenAI())
    assert [assistant.id for assistant in openai.OpenAI().beta.assistants.list()] == ["asst_support"]


def test_an_id_twice_in_one_fixture_is_refused(fake_openai):
    twice = {"assistants": [{"id": "asst_twin", "model": "gpt-4o"}, {"id": "asst_twin", "model": "gpt-4o"}]}

    with pytest.raises(errors.BadRequestError):
        fake_openai.load(twice)

    assert fake_openai.export_state()["assistants"] == []


def test_export_state_is_json_with_every_object(fake_openai):
    fake_openai.load(FIXTURES)
    fake_openai.script.reply("It ships today.")
    openai.OpenAI().beta.threads.runs.create_and_poll(thread_id="thread_demo", assistant_id="asst_support")

    state = fake_openai.export_state()

    assert json.loads(json.dumps(state)) == state
    assert state["now"] == fake_openai.now()
    assert [assistant["id"] for assistant in state["assistants"]] == ["asst_support"]
    [thread] = state["threads"]
    assert thread["thread"]["id"] == "thread_demo"
    assert [message["role"] for message in thread["messages"]] == ["user", "assistant"]
    assert thread["messages"][1]["content"][0]["text"]["value"] == "It ships today."
    [run] = thread["runs"]
    assert run["run"]["status"] == "completed" and len(run["steps"]) == 1
    assert state["scripted_plans_pending"] == 0


def test_the_state_over_http_is_the_callers(admin, admin_of, client, key):
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "Hi"}])
    admin_of(key + "-other").ok("POST", "load", FIXTURES)

    state = admin.ok("GET", "state")

    assert state["assistants"] == []
    [record] = state["threads"]
    assert record["thread"]["id"] == thread.id
    assert record["messages"][0]["content"][0]["text"]["value"] == "Hi"


# === 4. scripted run outcomes over HTTP ==========================================================

def test_a_script_over_http_drives_the_sdk_poll_helpers(admin, client):
    assistant = client.beta.assistants.create(model="gpt-4o", tools=[WEATHER_TOOL])
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "Weather in Paris?"}])
    queued = admin.ok("POST", "script", {"actions": [
        {"call_function": {"name": "get_weather", "arguments": {"city": "Paris"}}}, {"reply": "Sunny."}]})
    assert queued == {"queued": 2, "pending": 1}

    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)

    assert run.status == "requires_action"
    [call] = run.required_action.submit_tool_outputs.tool_calls
    assert (call.function.name, json.loads(call.function.arguments)) == ("get_weather", {"city": "Paris"})
    run = client.beta.threads.runs.submit_tool_outputs_and_poll(
        run_id=run.id, thread_id=thread.id, tool_outputs=[{"tool_call_id": call.id, "output": "21 C"}])
    assert run.status == "completed"
    assert client.beta.threads.messages.list(thread.id).data[0].content[0].text.value == "Sunny."
    submitted = [entry for entry in admin.journal() if entry["operation"] == "submitToolOuputsToRun"]
    assert [entry["body"]["tool_outputs"] for entry in submitted] == [[{"tool_call_id": call.id, "output": "21 C"}]]


def test_a_script_calling_a_function_the_assistant_lacks_is_refused(admin, client):
    assistant = client.beta.assistants.create(model="gpt-4o", tools=[WEATHER_TOOL])

    refused = admin.post("script", {"assistant_id": assistant.id,
                                    "actions": [{"call_function": {"name": "get_stock_price"}}]})

    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert "get_stock_price" in error["message"] and "get_weather" in error["message"]


def test_a_refused_script_queues_nothing(admin, client):
    assistant = client.beta.assistants.create(model="gpt-4o", tools=[WEATHER_TOOL])
    refused = admin.post("script", {"assistant_id": assistant.id, "actions": [
        {"reply": "Half a plan."}, {"call_function": {"name": "get_stock_price"}}]})
    assert refused.status_code == 400

    assert admin.ok("GET", "state")["scripted_plans_pending"] == 0
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "Hi"}])
    run = client.with_options(max_retries=0).beta.threads.runs.create_and_poll(
        thread_id=thread.id, assistant_id=assistant.id)
    assert run.status == "completed"
    assert client.beta.threads.messages.list(thread.id).data[0].content[0].text.value == (
        "This is fakeai's default reply to: Hi")


# === 5. isolation ================================================================================

def test_two_keys_on_one_server_see_different_objects(server, key):
    with openai.OpenAI(base_url=server, api_key=key + "-a", max_retries=0) as first, \
            openai.OpenAI(base_url=server, api_key=key + "-b", max_retries=0) as second:
        thread = first.beta.threads.create(metadata={"owner": "a"})
        first.beta.assistants.create(model="gpt-4o", name="A's")

        with pytest.raises(openai.NotFoundError):
            second.beta.threads.retrieve(thread.id)
        assert second.beta.assistants.list().data == []
        # Each key has ids of its own, seeded alike: the same id names two different threads.
        assert second.beta.threads.create(metadata={"owner": "b"}).id == thread.id
        assert first.beta.threads.retrieve(thread.id).metadata == {"owner": "a"}


def test_the_openai_project_header_separates_state_too(server, admin_of, key):
    with openai.OpenAI(base_url=server, api_key=key, project="proj_a", max_retries=0) as first, \
            openai.OpenAI(base_url=server, api_key=key, project="proj_b", max_retries=0) as second:
        thread = first.beta.threads.create()

        with pytest.raises(openai.NotFoundError):
            second.beta.threads.retrieve(thread.id)
    assert admin_of(key, project="proj_a").journal()[0]["headers"]["openai-project"] == "proj_a"
    assert [entry["status"] for entry in admin_of(key, project="proj_b").journal()] == [404]


def test_the_admin_api_acts_on_the_callers_key_only(server, admin_of, key):
    one, two = admin_of(key + "-1"), admin_of(key + "-2")
    one.ok("POST", "reset")
    two.ok("POST", "reset")
    one.ok("POST", "faults", {"status": 500, "times": None, "path": "/threads"})
    one.ok("POST", "script", {"actions": [{"reply": "For key one."}]})
    with openai.OpenAI(base_url=server, api_key=key + "-1", max_retries=0) as first, \
            openai.OpenAI(base_url=server, api_key=key + "-2", max_retries=0) as second:
        with pytest.raises(openai.InternalServerError):
            first.beta.threads.create()
        assistant = second.beta.assistants.create(model="gpt-4o")
        run = second.beta.threads.create_and_run_poll(
            assistant_id=assistant.id, thread={"messages": [{"role": "user", "content": "Hi"}]})

        assert second.beta.threads.messages.list(run.thread_id).data[0].content[0].text.value == (
            "This is fakeai's default reply to: Hi")
    assert [entry["status"] for entry in one.journal()] == [500]
    assert len(two.journal()) == 4  # assistant, create-and-run, its poll, messages
    assert one.ok("GET", "state")["scripted_plans_pending"] == 1


XDIST_SUITE = """
import hashlib
import os

import httpx
import pytest

BASE_URL = os.environ["FAKEAI_SHARED_URL"]
ROOT = BASE_URL.removesuffix("/v1")


@pytest.fixture
def http(request):
    \"\"\"A client with a key of this test's own (plain httpx: workers start faster without the SDK).\"\"\"
    key = "sk-xdist-" + hashlib.sha256(request.node.nodeid.encode()).hexdigest()[:24]
    headers = {"Authorization": f"Bearer {key}", "OpenAI-Beta": "assistants=v2"}
    with httpx.Client(base_url=ROOT, headers=headers) as http:
        assert http.post("/_fakeai/reset", json={}).status_code == 200
        yield http


def ok(response):
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("n", range(1, 9))
def test_each_key_sees_only_its_own_work(n, http):
    assistant = ok(http.post("/v1/assistants", json={"model": "gpt-4o", "name": f"bot {n}"}))
    threads = [ok(http.post("/v1/threads", json={"messages": [{"role": "user", "content": f"question {n}.{i}"}]}))
               for i in range(n)]
    for i in range(n):  # unscoped plans: another worker's runs would take them if state were shared
        ok(http.post("/_fakeai/script", json={"actions": [{"reply": f"answer {n}.{i}"}]}))
    for i, thread in enumerate(threads):
        run = ok(http.post(f"/v1/threads/{thread['id']}/runs", json={"assistant_id": assistant["id"]}))
        assert ok(http.get(f"/v1/threads/{thread['id']}/runs/{run['id']}"))["status"] == "completed"
        [reply, _] = ok(http.get(f"/v1/threads/{thread['id']}/messages"))["data"]
        assert reply["content"][0]["text"]["value"] == f"answer {n}.{i}"

    assert [a["name"] for a in ok(http.get("/v1/assistants"))["data"]] == [f"bot {n}"]
    state = ok(http.get("/_fakeai/state"))
    assert len(state["threads"]) == n and state["scripted_plans_pending"] == 0
    operations = [entry["operation"] for entry in ok(http.get("/_fakeai/journal"))["data"]]
    assert operations.count("createThread") == operations.count("createRun") == n
    assert operations.count("createAssistant") == 1
"""


def test_parallel_workers_share_one_server_without_cross_talk(pytester, monkeypatch):
    pytester.makeini(INNER_INI)
    pytester.makepyfile(test_shared_server=XDIST_SUITE)
    with Served(fakeai_command(), "serve", "--port", "0", "--quiet") as served:
        monkeypatch.setenv("FAKEAI_SHARED_URL", served.base_url)

        result = pytester.runpytest_subprocess("-n", "4", *QUICK_START, "-p", "no:fakeai")

        served.stop()
    result.assert_outcomes(passed=8)
    result.stdout.fnmatch_lines(["*4 workers*"])


# === 6. the fake_openai_server fixture, the marker, ini and command-line options =================

CHILD = """
import json, openai
client = openai.OpenAI()  # from OPENAI_BASE_URL and OPENAI_API_KEY
assistant = client.beta.assistants.create(model="gpt-4o")
run = client.beta.threads.create_and_run_poll(
    assistant_id=assistant.id, thread={"messages": [{"role": "user", "content": "Hi"}]})
reply = client.beta.threads.messages.list(run.thread_id).data[0].content[0].text.value
print(json.dumps({"assistant": assistant.id, "thread": run.thread_id, "reply": reply}))
"""


def test_a_process_that_builds_its_own_client_is_served_and_seen(fake_openai_server):
    fake_openai_server.script.reply("Hello from the test.")
    fake_openai_server.faults.add(status=429, retry_after_ms=1, path="/assistants")

    done = subprocess.run([sys.executable, "-W", "ignore::DeprecationWarning", "-c", CHILD],
                          capture_output=True, text=True, timeout=60)

    assert done.returncode == 0, done.stderr
    made = json.loads(done.stdout)
    assert made["reply"] == "Hello from the test."
    assert fake_openai_server.state.assistants.get(made["assistant"]) is not None
    assert made["thread"] in fake_openai_server.state.threads
    journal = fake_openai_server.requests
    assert statuses(journal.filter("createAssistant")) == [429, 200]
    assert [entry.operation for entry in journal][2:] == ["createThreadAndRun", "getRun", "listMessages"]
    assert fake_openai_server.api_key not in journal.table() + json.dumps(journal[0].summary())


OPTIONS_SUITE = """
import openai
import pytest

from fakeai import FakeOpenAI


def first_thread_id(seed):
    return FakeOpenAI(seed=seed).client.beta.threads.create().id


def statuses_of_two_reads():
    client = openai.OpenAI()
    assistant = client.beta.assistants.create(model="gpt-4o")
    thread = client.beta.threads.create()
    run = client.beta.threads.runs.create(thread.id, assistant_id=assistant.id)
    return [client.beta.threads.runs.retrieve(run.id, thread_id=thread.id).status for _ in range(2)]


def test_the_command_line_seed_wins_over_the_ini_seed(fake_openai):
    assert openai.OpenAI().beta.threads.create().id == first_thread_id(7) != first_thread_id(3)


def test_the_ini_progression_applies(fake_openai):
    assert statuses_of_two_reads() == ["in_progress", "completed"]


@pytest.mark.fake_openai(seed=11, progression="immediate")
def test_the_marker_wins_over_both(fake_openai):
    assert openai.OpenAI().beta.threads.create().id == first_thread_id(11)
    assert statuses_of_two_reads() == ["completed", "completed"]


def test_a_failing_test_shows_its_requests(fake_openai):
    openai.OpenAI().beta.threads.create()
    assert False, "failing on purpose"
"""


def test_suite_options_take_effect_the_marker_wins_and_a_failure_shows_the_journal(pytester):
    pytester.makeini(INNER_INI + "fakeai_seed = 3\nfakeai_progression = reads:2\n")
    pytester.makepyfile(test_options=OPTIONS_SUITE)

    result = pytester.runpytest_subprocess("--fakeai-seed", "7", *QUICK_START)

    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(["*test_a_failing_test_shows_its_requests*", "*fakeai requests*",
                                 "*#*method*path*status*request id*", "*POST*/v1/threads*200*req_*"])


RESET_SUITE = """
import openai


def test_fails_after_a_reset(fake_openai):
    openai.OpenAI().beta.threads.create()
    fake_openai.reset()
    openai.OpenAI().beta.assistants.list()
    assert False, "failing on purpose"
"""


def test_the_report_of_a_test_that_reset_shows_the_requests_made_since(pytester):
    pytester.makeini(INNER_INI)
    pytester.makepyfile(test_reset_report=RESET_SUITE)

    result = pytester.runpytest("-p", "no:cacheprovider")  # in this process: quicker

    result.assert_outcomes(failed=1)
    report = result.stdout.str()
    assert "fakeai requests" in report
    assert re.search(r"GET\s+/v1/assistants", report), "the report shows the journal from before the reset"
