"""pytest plugin: the ``fake_openai`` and ``fake_openai_server`` fixtures and the ``fake_openai``
marker; ``--fakeai-record=FILE`` records their traffic (fakeai/contract/suite_recording.py).

Thin on purpose: compiled schemas are shared by the whole session (validation.load_schemas), so a
test's fixture is just a fresh emulator plus the transport patches, undone at teardown. The options
of a test's emulator come from, in order: the marker, the command line (``--fakeai-seed``,
``--fakeai-progression``), the ini file (``fakeai_seed``, ``fakeai_progression``), FakeOpenAI's
defaults. When a test that used fakeai fails, its report gets the journal of the requests it made;
with ``--fakeai-html=DIR``, a failing ``fake_openai`` test also gets a self-contained HTML file of
its emulator (fakeai/inspector/report.py), and its report names the file.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import inspect
import os
import warnings
from pathlib import Path

import pytest

from .contract.suite_recording import WORKER_KEY, RecordingRefused, SuiteRecording
from .emulator import DEFAULT_API_KEY, FakeOpenAI
from .errors import FakeaiWarning
from .inspector.report import write_report
from .network_guard import NetworkGuard
from .server import ServerThread
from .transport import DEFAULT_HOSTS, Interceptor

DEFAULTS = ("seed", "progression")  # the options that ini and command line can set for a whole suite
#: Marker options the fixture itself takes; every other one is a FakeOpenAI option.
FIXTURE_OPTIONS = ("hosts", "base_urls", "allow_hosts", "block_network", "allow_unused_plans")
BASE_URL_AT_LOAD = pytest.StashKey[str]()
HTML_DIR = pytest.StashKey["Path | None"]()


def pytest_addoption(parser):
    group = parser.getgroup("fakeai")
    for name in DEFAULTS:
        group.addoption(f"--fakeai-{name}", dest=f"fakeai_{name}", default=None,
                        help=f"fakeai: default {name} of every fake_openai fixture")
        parser.addini(f"fakeai_{name}", f"fakeai: default {name} of every fake_openai fixture")
    group.addoption("--fakeai-block-network", action="store_true", default=None,
                    help="fakeai: fail any fake_openai test that connects beyond loopback")
    parser.addini("fakeai_block_network", type="bool", default=False,
                  help="fakeai: fail any fake_openai test that connects beyond loopback")
    group.addoption("--fakeai-html", dest="fakeai_html", default=None, metavar="DIR",
                    help="fakeai: write one self-contained HTML file of the emulator of each failing "
                         "fake_openai test into DIR (the failure report names it)")
    parser.addini("fakeai_placeholder_key", type="bool", default=True,
                  help="fakeai: set OPENAI_API_KEY to a placeholder when it is unset, so clients built "
                       "at import time (during collection) can be created without a real key")
    group.addoption("--fakeai-record", dest="fakeai_record", metavar="FILE", default=None,
                    help="fakeai: write every request and answer of every fake_openai and fake_openai_server "
                         "test to FILE (fakeai's JSON Lines traffic format, ordered by test id, then request "
                         "order; all pytest-xdist workers into the one file), for fakeai replay and fakeai "
                         "validate")


def marker_line() -> str:
    """``pytest --markers``: every option the marker takes, read from FakeOpenAI's signature."""
    return f"fake_openai({', '.join(marker_option_names())}): options of the fake_openai fixture for this test"


def pytest_configure(config):
    config.addinivalue_line("markers", marker_line())
    # what clients built at import time (during collection, after this) will read
    config.stash[BASE_URL_AT_LOAD] = os.environ.get("OPENAI_BASE_URL", "")
    config.stash[HTML_DIR] = html_directory(config)
    if config.getini("fakeai_placeholder_key") and not os.environ.get("OPENAI_API_KEY"):
        os.environ["OPENAI_API_KEY"] = DEFAULT_API_KEY
    config.stash[RECORDING] = suite_recording(config)


RECORDING = pytest.StashKey["SuiteRecording | None"]()


def suite_recording(config) -> SuiteRecording | None:
    path = config.getoption("fakeai_record")
    if not path:
        return None
    try:
        if hasattr(config, "workerinput"):  # a pytest-xdist worker
            return SuiteRecording.of_worker(path, config.workerinput)
        return SuiteRecording.starting(path)
    except RecordingRefused as refused:
        raise pytest.UsageError(str(refused)) from None


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """pytest-xdist, in the process that started the run: tell each worker where its part goes."""
    recording = node.config.stash.get(RECORDING, None)
    if recording is not None:
        node.workerinput[WORKER_KEY] = str(recording.parts)


def pytest_sessionfinish(session):
    recording = session.config.stash.get(RECORDING, None)
    if recording is None:
        return
    if hasattr(session.config, "workerinput"):
        recording.close()
    else:
        recording.merge()


def pytest_terminal_summary(terminalreporter, config):
    recording = config.stash.get(RECORDING, None)
    if recording is not None and recording.merged is not None:
        terminalreporter.write_line(recording.summary())


def pytest_unconfigure(config):
    recording = config.stash.get(RECORDING, None)
    if recording is not None and not hasattr(config, "workerinput"):
        recording.remove_parts()  # a run that never got to its end leaves no folder behind


def html_directory(config) -> "Path | None":
    """--fakeai-html's folder (relative to where pytest was started); a file there is refused now,
    not when the first failing test cannot be written."""
    given = config.getoption("fakeai_html", None)
    if not given:
        return None
    directory = Path(config.invocation_params.dir, given)
    if directory.exists() and not directory.is_dir():
        raise pytest.UsageError(f"--fakeai-html={given}: {directory} is a file; give a folder (made if missing)")
    return directory


def emulator_options(request) -> dict:
    options = {}
    for name in DEFAULTS:
        value = request.config.getoption(f"fakeai_{name}") or request.config.getini(f"fakeai_{name}")
        if value:
            options[name] = int(value) if name == "seed" and value.lstrip("-").isdigit() else value
    for marker in reversed(list(request.node.iter_markers("fake_openai"))):
        check_marker_options(marker.kwargs)
        options.update(marker.kwargs)
    return {key: value for key, value in options.items() if value is not None}


def marker_option_names() -> list[str]:
    return [*inspect.signature(FakeOpenAI).parameters, *FIXTURE_OPTIONS]


def check_marker_options(given: dict) -> None:
    """A misspelt option would silently do nothing: name the closest valid one instead."""
    known = marker_option_names()
    for name in given:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise pytest.UsageError(f"@pytest.mark.fake_openai has no option {name!r}: {hint}"
                                    f"the options are {', '.join(known)}")


def served_base_urls(config, extra) -> list[str]:
    """OPENAI_BASE_URL as seen when the plugin loaded and at test start, plus the marker's."""
    seen = [config.stash.get(BASE_URL_AT_LOAD, ""), os.environ.get("OPENAI_BASE_URL", ""), *(extra or ())]
    return [url for url in dict.fromkeys(seen) if url]


def block_network_wanted(config, option) -> bool:
    if option is not None:
        return bool(option)
    return bool(config.getoption("fakeai_block_network") or config.getini("fakeai_block_network"))


@contextlib.contextmanager
def journal_in_reports(item, journal):
    """While the test runs, a failure report shows ``journal()``; afterwards the item lets go of it
    (pytest keeps items for the whole session, and an emulator can be large)."""
    item.fakeai_journals = [*getattr(item, "fakeai_journals", []), journal]
    try:
        yield
    finally:
        item.fakeai_journals.remove(journal)


@contextlib.contextmanager
def inspected_in_reports(item, emulator):
    """While the test runs, a failure writes the --fakeai-html report of this emulator."""
    item.fakeai_tenant = emulator.app.default
    try:
        yield
    finally:
        del item.fakeai_tenant


@pytest.fixture
def fake_openai(request, monkeypatch):
    """A fresh FakeOpenAI serving every OpenAI client of this test in-process.

    Clients built before the test (at import time) are served too: the interception sits in the
    HTTP transports, not in the client. Served: api.openai.com and the base URL in OPENAI_BASE_URL
    (as it was when the plugin loaded and at test start). An openai SDK request for any other host
    is refused unsent and fails the test; other traffic is untouched (or, with block_network,
    refused beyond loopback).
    """
    options = emulator_options(request)
    hosts = options.pop("hosts", None) or DEFAULT_HOSTS
    base_urls = served_base_urls(request.config, options.pop("base_urls", None))
    allow_hosts = options.pop("allow_hosts", None) or ()
    guard = NetworkGuard() if block_network_wanted(request.config, options.pop("block_network", None)) else None
    allow_unused_plans = options.pop("allow_unused_plans", False)
    emulator = FakeOpenAI(**options)
    recording = request.config.stash.get(RECORDING, None)
    if recording is not None:
        recording.record_test(emulator.app, request.node.nodeid)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    if not os.environ.get("OPENAI_API_KEY"):
        monkeypatch.setenv("OPENAI_API_KEY", DEFAULT_API_KEY)
    interceptor = Interceptor(emulator, hosts, base_urls=base_urls, allow_hosts=allow_hosts)
    interceptor.install(monkeypatch)
    if guard is not None:
        guard.install(monkeypatch)
    with journal_in_reports(request.node, lambda: emulator.requests), inspected_in_reports(request.node, emulator):
        yield emulator
    refused = [*interceptor.bypasses, *(guard.blocked if guard else ())]
    if refused:
        pytest.fail("\n".join(dict.fromkeys(refused)), pytrace=False)
    emulator.check()
    end_of_test_checks(emulator.state, allow_unused_plans)


def end_of_test_checks(state, allow_unused_plans: bool, script_errors=()) -> None:
    """What a test left that it most likely did not mean: notices become warnings; scripts no run
    could follow, and plans no run took, fail it."""
    for notice in state.notices:
        warnings.warn(FakeaiWarning(notice), stacklevel=2)
    if script_errors:
        pytest.fail("fakeai could not follow this test's script:\n" + "\n".join(f"  - {e}" for e in script_errors),
                    pytrace=False)
    unused = [] if allow_unused_plans else state.script.unused()
    if unused:
        pytest.fail(f"fakeai: {len(unused)} plan(s) scripted in this test were never taken by a run:\n"
                    + "\n".join(f"  - {line}" for line in unused)
                    + "\nIf that is intended, script them with optional=True, or mark the test "
                      "@pytest.mark.fake_openai(allow_unused_plans=True).", pytrace=False)


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
def fakeai_live_server(pytestconfig):
    """One ``fakeai`` server for the session, one state per API key (so per test, see below)."""
    emulator = FakeOpenAI(namespaced=True, bugs="respond")
    recording = pytestconfig.stash.get(RECORDING, None)
    if recording is not None:
        recording.record_server(emulator.app)
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
    recording = request.config.stash.get(RECORDING, None)
    if recording is not None:
        recording.tests_by_key[key] = request.node.nodeid
    served = ServedTenant(emulator, base_url, key)
    monkeypatch.setenv("OPENAI_BASE_URL", base_url)
    monkeypatch.setenv("OPENAI_API_KEY", served.api_key)
    try:
        with journal_in_reports(request.node, lambda: served.requests):
            yield served
        end_of_test_checks(served.state, emulator_options(request).get("allow_unused_plans", False),
                           served.tenant.script_errors)
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
        directory = item.config.stash.get(HTML_DIR, None)
        if directory is not None and getattr(item, "fakeai_tenant", None) is not None:
            path = write_report(item.fakeai_tenant, directory, item.nodeid)
            report.sections.append(("fakeai inspector", f"the emulator of this test, as a web page: {path}"))
