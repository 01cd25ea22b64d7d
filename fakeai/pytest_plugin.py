"""pytest plugin: the ``fake_openai`` and ``fake_openai_server`` fixtures and the ``fake_openai``
marker.

Thin on purpose: compiled schemas are shared by the whole session (validation.load_schemas), so a
test's fixture is just a fresh emulator plus the transport patches, undone at teardown. The options
of a test's emulator come from, in order: the marker, the command line (``--fakeai-seed``,
``--fakeai-progression``), the ini file (``fakeai_seed``, ``fakeai_progression``), FakeOpenAI's
defaults. When a test that used fakeai fails, its report gets the journal of the requests it made.
"""

from __future__ import annotations

import contextlib
import hashlib
import os

import pytest

from .emulator import DEFAULT_API_KEY, FakeOpenAI
from .server import ServerThread
from .transport import DEFAULT_HOSTS, Interceptor

MARKER = ("fake_openai(seed=0, start_time=..., progression='immediate', models=None, api_keys=None, "
          "poll_after_ms=1, max_file_bytes=..., quirks=(), hosts=None): options of the fake_openai fixture for this test")
DEFAULTS = ("seed", "progression")  # the options that ini and command line can set for a whole suite


def pytest_addoption(parser):
    group = parser.getgroup("fakeai")
    for name in DEFAULTS:
        group.addoption(f"--fakeai-{name}", dest=f"fakeai_{name}", default=None,
                        help=f"fakeai: default {name} of every fake_openai fixture")
        parser.addini(f"fakeai_{name}", f"fakeai: default {name} of every fake_openai fixture")
    parser.addini("fakeai_placeholder_key", type="bool", default=True,
                  help="fakeai: set OPENAI_API_KEY to a placeholder when it is unset, so clients built "
                       "at import time (during collection) can be created without a real key")


def pytest_configure(config):
    config.addinivalue_line("markers", MARKER)
    if config.getini("fakeai_placeholder_key") and not os.environ.get("OPENAI_API_KEY"):
        os.environ["OPENAI_API_KEY"] = DEFAULT_API_KEY


def emulator_options(request) -> dict:
    options = {}
    for name in DEFAULTS:
        value = request.config.getoption(f"fakeai_{name}") or request.config.getini(f"fakeai_{name}")
        if value:
            options[name] = int(value) if name == "seed" and value.lstrip("-").isdigit() else value
    for marker in reversed(list(request.node.iter_markers("fake_openai"))):
        options.update(marker.kwargs)
    return {key: value for key, value in options.items() if value is not None}


@contextlib.contextmanager
def journal_in_reports(item, journal):
    """While the test runs, a failure report shows ``journal()``; afterwards the item lets go of it
    (pytest keeps items for the whole session, and an emulator can be large)."""
    item.fakeai_journals = [*getattr(item, "fakeai_journals", []), journal]
    try:
        yield
    finally:
        item.fakeai_journals.remove(journal)


@pytest.fixture
def fake_openai(request, monkeypatch):
    """A fresh FakeOpenAI serving every OpenAI client of this test in-process.

    Clients built before the test (at import time) are served too: the interception sits in the
    HTTP transports, not in the client. Requests to other hosts are untouched.
    """
    options = emulator_options(request)
    hosts = options.pop("hosts", None) or DEFAULT_HOSTS
    emulator = FakeOpenAI(**options)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    if not os.environ.get("OPENAI_API_KEY"):
        monkeypatch.setenv("OPENAI_API_KEY", DEFAULT_API_KEY)
    Interceptor(emulator, hosts).install(monkeypatch)
    with journal_in_reports(request.node, lambda: emulator.requests):
        yield emulator
    emulator.check()


class ServedTenant:
    """What ``fake_openai_server`` gives a test: a live server and the key that is this test's own.

    The key is derived from the test's id, so ids are the same on every run.
    ``base_url`` and ``api_key`` are also in the environment (OPENAI_BASE_URL, OPENAI_API_KEY) of
    the test and of any process it starts. ``script``, ``requests``, ``faults`` and ``state`` are
    those of this test's key; other tests' keys see other objects.
    """

    def __init__(self, emulator: FakeOpenAI, base_url: str, api_key: str):
        self.emulator = emulator
        self.base_url = base_url
        self.api_key = api_key
        self.tenant = emulator.app.tenant_for(api_key, None)

    script = property(lambda self: self.tenant.state.script)
    requests = property(lambda self: self.tenant.journal)
    faults = property(lambda self: self.tenant.faults)
    state = property(lambda self: self.tenant.state)


@pytest.fixture(scope="session")
def fakeai_live_server():
    """One ``fakeai`` server for the session, one state per API key (so per test, see below)."""
    emulator = FakeOpenAI(namespaced=True, bugs="respond")
    with ServerThread(emulator.app) as server:
        yield emulator, server.base_url


@pytest.fixture
def fake_openai_server(request, fakeai_live_server, monkeypatch):
    """A live fakeai server on a free loopback port, for code that builds its own client in another
    process or uses another HTTP stack. Each test gets a key of its own, so its objects are its own;
    they are dropped when the test ends (a long session's server does not grow with it)."""
    emulator, base_url = fakeai_live_server
    key = "sk-fakeai-test-" + hashlib.sha256(request.node.nodeid.encode()).hexdigest()[:24]
    emulator.app.tenants.drop(key)  # a rerun of the test starts afresh too
    served = ServedTenant(emulator, base_url, key)
    monkeypatch.setenv("OPENAI_BASE_URL", base_url)
    monkeypatch.setenv("OPENAI_API_KEY", served.api_key)
    try:
        with journal_in_reports(request.node, lambda: served.requests):
            yield served
    finally:
        emulator.app.tenants.drop(key)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failing test's report shows the requests it made (a short table)."""
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for current_journal in getattr(item, "fakeai_journals", ()):  # read now: a reset replaces it
            journal = current_journal()
            if journal:
                report.sections.append(("fakeai requests", journal.table()))
