"""pytest plugin: the ``fake_openai`` fixture and the ``fake_openai`` marker.

Thin on purpose: compiled schemas are shared by the whole session (validation.load_schemas), so a
test's fixture is just a fresh emulator plus the transport patches, undone at teardown.
"""

from __future__ import annotations

import os

import pytest

from .emulator import DEFAULT_API_KEY, FakeOpenAI
from .transport import DEFAULT_HOSTS, Interceptor

MARKER = ("fake_openai(seed=0, start_time=None, api_keys=None, hosts=None): options of the fake_openai "
          "fixture for this test")


def pytest_addoption(parser):
    parser.addini("fakeai_placeholder_key", type="bool", default=True,
                  help="fakeai: set OPENAI_API_KEY to a placeholder when it is unset, so clients built "
                       "at import time (during collection) can be created without a real key")


def pytest_configure(config):
    config.addinivalue_line("markers", MARKER)
    if config.getini("fakeai_placeholder_key") and not os.environ.get("OPENAI_API_KEY"):
        os.environ["OPENAI_API_KEY"] = DEFAULT_API_KEY


@pytest.fixture
def fake_openai(request, monkeypatch):
    """A fresh FakeOpenAI serving every OpenAI client of this test in-process.

    Clients built before the test (at import time) are served too: the interception sits in the
    HTTP transports, not in the client. Requests to other hosts are untouched.
    """
    options = {}
    for marker in reversed(list(request.node.iter_markers("fake_openai"))):
        options.update(marker.kwargs)
    hosts = options.pop("hosts", None) or DEFAULT_HOSTS
    options = {key: value for key, value in options.items() if value is not None}
    emulator = FakeOpenAI(**options)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    if not os.environ.get("OPENAI_API_KEY"):
        monkeypatch.setenv("OPENAI_API_KEY", DEFAULT_API_KEY)
    Interceptor(emulator, hosts).install(monkeypatch)
    yield emulator
    emulator.check()
