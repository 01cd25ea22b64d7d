"""Every API test runs four ways: in-process and over a real socket, each with the sync and the
async SDK client. ``api`` is the client a test uses; ``backend`` is the emulator behind it."""

from __future__ import annotations

import asyncio

import openai
import pytest

from fakeai import FakeOpenAI
from fakeai.server import ServerThread
from tests import official_spec
from tests.sdk import Synchronous

pytest_plugins = ["pytester"]

TEST_KEY = "sk-test-0123456789abcdef"


class Backend:
    """One emulator, reached either in-process (through the fake_openai fixture) or over HTTP."""

    def __init__(self, emulator: FakeOpenAI, base_url: str | None):
        self.emulator = emulator
        self.base_url = base_url

    def client_options(self) -> dict:
        options = {"api_key": TEST_KEY, "max_retries": 0}
        if self.base_url:
            options["base_url"] = self.base_url
        return options


class LiveServer(ServerThread):
    """One real HTTP server for the session, serving whichever emulator the current test put in
    ``emulator`` (a server per test would cost the suite seconds)."""

    def __init__(self, **options):
        self.emulator: FakeOpenAI | None = None
        super().__init__(lambda environ, start_response: self.emulator.app(environ, start_response), **options)


@pytest.fixture(scope="session")
def live_server():
    with LiveServer() as server:
        yield server


@pytest.fixture(scope="session")
def werkzeug_live_server():
    """The same on werkzeug's server, which passes any request framing through to fakeai's own body
    reading (waitress, the default engine, refuses bad framing itself: tests/test_server.py)."""
    with LiveServer(engine="werkzeug") as server:
        yield server


@pytest.fixture(params=["in-process", "server"])
def backend(request):
    if request.param == "in-process":
        yield Backend(request.getfixturevalue("fake_openai"), None)
        return
    server = request.getfixturevalue("live_server")
    server.emulator = emulator = FakeOpenAI(bugs="respond")
    yield Backend(emulator, server.base_url)
    server.emulator = None
    assert not emulator.problems, emulator.problems


@pytest.fixture
def event_loop_for_test():
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture(params=["sync", "async"])
def api(request, backend, event_loop_for_test):
    """The official SDK client (sync, or async driven through the same calls) for ``backend``."""
    if request.param == "sync":
        client = openai.OpenAI(**backend.client_options())
        yield client
        client.close()
        return
    client = openai.AsyncOpenAI(**backend.client_options())
    yield Synchronous(client, event_loop_for_test)
    event_loop_for_test.run_until_complete(client.close())


#: Files and vector stores that request bodies in the tests name by these ids (every id a request
#: names must exist, as in the API): loaded as fixtures with exactly these ids.
KNOWN_FILE_IDS = ("file-abc123", "file-def456", "file-xyz", "file-a", "file-b", "file-c", "file-plot",
                  "file-manual", "file-data", "file-own", "file-top")
KNOWN_VECTOR_STORE_IDS = ("vs_abc123", "vs_a", "vs_x", "vs_manuals")


@pytest.fixture
def known_files(backend):
    """The files and vector stores of KNOWN_FILE_IDS / KNOWN_VECTOR_STORE_IDS, in the backend's emulator."""
    backend.emulator.load({
        "files": [{"id": file_id, "filename": f"{file_id}.txt", "purpose": "assistants",
                   "content": f"The text of {file_id}."} for file_id in KNOWN_FILE_IDS],
        "vector_stores": [{"id": store_id} for store_id in KNOWN_VECTOR_STORE_IDS]})


@pytest.fixture
def spec():
    document = official_spec.load()
    if document is None:
        pytest.skip(official_spec.MISSING)
    return document
