"""Tenants and locks on a shared server: a tenant only for an accepted key, idle ones expiring, the
fixture's tenants dropped after their test, and one lock per tenant, so a slow request of one key
(a responder, a sleeping latency fault, a body being parsed) never holds up another key, and a
stream's events show only states the run had reached.

Each concurrency test orders events rather than timing them: the slow request is held on a gate
until the other request has been answered; the gate's timeout only keeps a broken build from
hanging the suite.
"""

from __future__ import annotations

import sys
import threading

import openai
import pytest

from fakeai import FakeOpenAI
from fakeai.server import ServerThread
from tests.test_controls import INNER_INI, QUICK_START

GOOD_KEY = "sk-tenant-good-0123456789abcdef"
OTHER_KEY = "sk-tenant-other-0123456789abcdef"
#: How long a gate may stay shut before the test gives up (a broken build, not a slow machine).
GATE_SECONDS = 60


@pytest.fixture
def served():
    """A namespaced emulator (one state per key, as ``fakeai serve`` runs) on a real socket."""
    emulator = FakeOpenAI(namespaced=True, bugs="respond")
    with ServerThread(emulator.app) as server:
        yield emulator, server.base_url


def client_of(base_url: str, key: str, **options) -> openai.OpenAI:
    return openai.OpenAI(base_url=base_url, api_key=key, max_retries=0, **options)


# === tenants: made for accepted keys only, expiring when idle ====================================

def test_a_refused_key_gets_its_401_without_a_tenant_or_a_journal_entry():
    emulator = FakeOpenAI(namespaced=True, api_keys=[GOOD_KEY], bugs="respond")
    with ServerThread(emulator.app) as server:
        for number in range(20):
            with client_of(server.base_url, f"sk-wrong-{number:04}-abcdefghijklmnop") as wrong:
                with pytest.raises(openai.AuthenticationError) as refused:
                    wrong.beta.threads.create()
            assert refused.value.status_code == 401
            assert refused.value.code == "invalid_api_key"  # api-notes E12
            assert refused.value.body["message"].startswith("Incorrect API key provided: ")
        assert len(emulator.app.tenants) == 0
        assert len(emulator.requests) == 0  # journaled nowhere, not even in the default tenant

        with client_of(server.base_url, GOOD_KEY) as good:
            thread = good.beta.threads.create()
        assert len(emulator.app.tenants) == 1
        tenant = emulator.app.tenant_for(GOOD_KEY, None)
        assert thread.id in tenant.state.threads
        assert [entry.operation for entry in tenant.journal] == ["createThread"]


def test_a_request_without_a_key_gets_no_tenant(served):
    emulator, base_url = served
    import httpx

    answer = httpx.post(f"{base_url}/threads", headers={"OpenAI-Beta": "assistants=v2"}, json={})
    empty = httpx.post(f"{base_url}/threads", headers={"OpenAI-Beta": "assistants=v2",
                                                       "Authorization": "Bearer"}, json={})

    assert (answer.status_code, answer.json()["error"]["type"]) == (401, "invalid_request_error")
    assert (empty.status_code, empty.json()["error"]["code"]) == (401, "invalid_api_key")
    assert len(emulator.app.tenants) == 0 and len(emulator.requests) == 0


class ManualClock:
    """Wall-clock seconds the test moves by hand."""

    def __init__(self):
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def test_an_idle_tenant_is_forgotten_after_the_ttl_a_busy_one_is_kept():
    emulator = FakeOpenAI(namespaced=True, tenant_ttl=60, bugs="respond")
    clock = emulator.app.tenants.clock = ManualClock()
    with ServerThread(emulator.app) as server, client_of(server.base_url, GOOD_KEY) as idle, \
            client_of(server.base_url, OTHER_KEY) as busy:
        idle_thread, busy_thread = idle.beta.threads.create(), busy.beta.threads.create()

        clock.now += 50
        busy.beta.threads.retrieve(busy_thread.id)
        clock.now += 50  # idle: unused for 100 s; busy: for 50 s
        busy.beta.threads.retrieve(busy_thread.id)

        assert (GOOD_KEY, None) not in emulator.app.tenants
        with pytest.raises(openai.NotFoundError):
            idle.beta.threads.retrieve(idle_thread.id)  # a fresh, empty state for the key
        assert busy.beta.threads.retrieve(busy_thread.id).id == busy_thread.id


def test_without_a_ttl_tenants_stay():
    emulator = FakeOpenAI(namespaced=True, bugs="respond")
    clock = emulator.app.tenants.clock = ManualClock()
    with ServerThread(emulator.app) as server, client_of(server.base_url, GOOD_KEY) as sdk:
        thread = sdk.beta.threads.create()
        clock.now += 10 ** 9
        assert sdk.beta.threads.retrieve(thread.id).id == thread.id


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf")])
def test_a_ttl_must_be_a_positive_number_of_seconds(bad):
    with pytest.raises(ValueError, match="tenant_ttl"):
        FakeOpenAI(namespaced=True, tenant_ttl=bad)


FIXTURE_SUITE = """
import openai

KEYS = []


def test_first(fake_openai_server):
    openai.OpenAI().beta.threads.create()
    KEYS.append(fake_openai_server.api_key)


def test_second(fake_openai_server):
    tenants = fake_openai_server.emulator.app.tenants
    assert (KEYS[0], None) not in tenants, "the first test's tenant outlived it"
    assert len(tenants) == 1
"""


def test_the_server_fixture_drops_each_tests_tenant_when_it_ends(pytester):
    pytester.makeini(INNER_INI)
    pytester.makepyfile(test_fixture_tenants=FIXTURE_SUITE)

    result = pytester.runpytest_subprocess("-p", "no:randomly", *QUICK_START)

    result.assert_outcomes(passed=2)


# === locks: one per tenant; nothing slow is done under a lock another request needs ==============

class Gate:
    """Holds a request at a known point until the test opens it."""

    def __init__(self):
        self.reached, self.opened = threading.Event(), threading.Event()

    def hold(self) -> None:
        self.reached.set()
        if not self.opened.wait(GATE_SECONDS):
            raise AssertionError("the gate was never opened")


def in_background(call) -> tuple[threading.Thread, list]:
    outcome: list = []

    def target():
        try:
            outcome.append(call())
        except BaseException as error:  # noqa: BLE001 - reported by the test
            outcome.append(error)
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, outcome


def test_one_keys_slow_responder_does_not_hold_up_another_keys_requests(served):
    emulator, base_url = served
    gate = Gate()

    def responder(turn):
        gate.hold()
        return "Done at last."
    emulator.app.tenant_for(GOOD_KEY, None).state.script.respond(responder)
    with client_of(base_url, GOOD_KEY) as slow, client_of(base_url, OTHER_KEY, timeout=GATE_SECONDS) as other:
        assistant = slow.beta.assistants.create(model="gpt-4o")
        running, outcome = in_background(lambda: slow.beta.threads.create_and_run_poll(assistant_id=assistant.id))
        assert gate.reached.wait(GATE_SECONDS)

        created = other.beta.threads.create()  # while the responder still runs
        listed = other.beta.assistants.list()

        assert not gate.opened.is_set() and running.is_alive()
        gate.opened.set()
        running.join(GATE_SECONDS)
    assert created.id.startswith("thread_") and listed.data == []
    assert outcome[0].status == "completed", outcome


@pytest.mark.parametrize("same_key", [False, True], ids=["another key", "the same key"])
def test_a_sleeping_latency_fault_holds_no_lock(served, monkeypatch, same_key):
    emulator, base_url = served
    gate = Gate()
    import fakeai.app

    real_apply_latency = fakeai.app.apply_latency

    def gated(fault, clock):
        if fault.sleep:
            gate.hold()  # where the sleep happens: the gate stands for a long one
        real_apply_latency(fault, clock)
    monkeypatch.setattr(fakeai.app, "apply_latency", gated)
    emulator.app.tenant_for(GOOD_KEY, None).faults.add(latency_ms=1, sleep=True, path="/assistants")
    with client_of(base_url, GOOD_KEY) as slow, \
            client_of(base_url, GOOD_KEY if same_key else OTHER_KEY, timeout=GATE_SECONDS) as other:
        sleeping, outcome = in_background(lambda: slow.beta.assistants.list())
        assert gate.reached.wait(GATE_SECONDS)

        created = other.beta.threads.create()

        assert not gate.opened.is_set() and sleeping.is_alive()
        gate.opened.set()
        sleeping.join(GATE_SECONDS)
    assert created.id.startswith("thread_")
    assert outcome[0].data == [], outcome


def test_a_body_is_parsed_before_the_lock_is_taken(monkeypatch):
    """On a shared server (one tenant for every key) a big body being parsed holds up no one."""
    emulator = FakeOpenAI(bugs="respond")
    gate = Gate()
    import fakeai.app

    real_parse_body = fakeai.app.parse_body

    def gated(request):
        if b"slow-to-parse" in request.body:
            gate.hold()
        return real_parse_body(request)
    monkeypatch.setattr(fakeai.app, "parse_body", gated)
    with ServerThread(emulator.app) as server, client_of(server.base_url, GOOD_KEY) as slow, \
            client_of(server.base_url, OTHER_KEY, timeout=GATE_SECONDS) as other:
        parsing, outcome = in_background(lambda: slow.beta.threads.create(metadata={"note": "slow-to-parse"}))
        assert gate.reached.wait(GATE_SECONDS)

        created = other.beta.threads.create()

        assert not gate.opened.is_set() and parsing.is_alive()
        gate.opened.set()
        parsing.join(GATE_SECONDS)
    assert created.id.startswith("thread_")
    assert outcome[0].metadata == {"note": "slow-to-parse"}, outcome


class InterleavingLock:
    """A tenant's lock that lets another request in at the very moment it is let go: ``between()``
    runs after each outermost release (the worst interleaving a busy server can produce)."""

    def __init__(self, between):
        self._lock = threading.RLock()
        self._depth = 0
        self._between = between
        self._interleaving = False

    def __enter__(self):
        self._lock.acquire()
        self._depth += 1
        return self

    def __exit__(self, *exc):
        self._depth -= 1
        outermost = self._depth == 0
        self._lock.release()
        if outermost and not self._interleaving:
            self._interleaving = True
            try:
                self._between()
            finally:
                self._interleaving = False


def test_a_streams_first_events_show_the_run_as_it_was_created(fake_openai):
    """Another request that moves the run the moment the create lets go of the lock cannot change
    what the stream's thread.run.created showed (api-notes §9: a run is created queued)."""
    sdk = openai.OpenAI(max_retries=0)
    assistant = sdk.beta.assistants.create(model="gpt-4o")
    thread = sdk.beta.threads.create(messages=[{"role": "user", "content": "Hi"}])

    def list_runs():  # a read of every run of the thread: in immediate mode it finishes them
        sdk.beta.threads.runs.list(thread.id)
    fake_openai.app.default.lock = InterleavingLock(list_runs)

    events = [(event.event, event.data.status) for event in sdk.beta.threads.runs.create(
        thread.id, assistant_id=assistant.id, stream=True) if event.event.startswith("thread.run.")
        and not event.event.startswith("thread.run.step")]

    assert events[0] == ("thread.run.created", "queued")
    assert events[1] == ("thread.run.queued", "queued")
    assert events[2] == ("thread.run.in_progress", "in_progress")
    assert events[-1] == ("thread.run.completed", "completed")


def test_schemas_compiled_on_first_use_are_safe_to_use_from_many_threads_at_once():
    """Requests of different keys are checked at the same time, and the first checks compile the
    schemas they use: eight threads check the same schemas of a fresh set at once, ten times over,
    with the interpreter switching threads as often as it can."""
    from fakeai.validation import Schemas, schema_dir

    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    failures: list = []
    try:
        for _ in range(10):
            schemas = Schemas(schema_dir())  # nothing compiled yet
            start = threading.Barrier(8)

            def check():
                start.wait()
                for name in ("CreateThreadAndRunRequest", "CreateRunRequest", "CreateAssistantRequest"):
                    try:
                        schemas.is_valid(name, {})
                    except Exception as error:  # noqa: BLE001 - collected for the assertion
                        failures.append(f"{name}: {type(error).__name__}: {error}")
            threads = [threading.Thread(target=check) for _ in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(GATE_SECONDS)
    finally:
        sys.setswitchinterval(previous)
    assert failures == []
