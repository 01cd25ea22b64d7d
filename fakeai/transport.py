"""In-process wiring: openai clients served by an emulator, with no socket.

Two ways in:
* ``make_client``: a client whose own transport is the emulator (``FakeOpenAI().client``).
* ``Interceptor``: while installed, every httpx / httpx2 transport (and the SDK's aiohttp one)
  hands requests for the API's hosts to the emulator, so clients built anywhere, at any time, are
  served too. Other hosts go to the original method untouched.

The only module that knows httpx, httpx2 and openai.
"""

from __future__ import annotations

import importlib
import sys

from .app import RawRequest
from .emulator import DEFAULT_API_KEY

DEFAULT_HOSTS = ("api.openai.com",)
DEFAULT_BASE_URL = "https://api.openai.com/v1"


def to_raw(request) -> RawRequest:
    url = request.url
    return RawRequest(
        method=request.method,
        path=url.path,
        query=url.query.decode("ascii") if isinstance(url.query, bytes) else url.query,
        headers={name.lower(): value for name, value in request.headers.items()},
        body=request.content,
    )


def respond(emulator, request, http):
    """Serve an httpx/httpx2 request from the emulator; ``http`` is the library it came from."""
    raw = emulator.handle(to_raw(request))
    body = raw.body if isinstance(raw.body, bytes) else b"".join(raw.body)  # a stream, run to its end
    return http.Response(raw.status, headers=raw.headers, content=body, request=request)


def http_library_of_openai():
    """httpx for openai 1.x/2.x, httpx2 for 3.x: whichever the SDK's default client is built on."""
    import openai
    for base in openai.DefaultHttpxClient.__mro__:
        if base.__name__ == "Client" and base.__module__.split(".")[0] in ("httpx", "httpx2"):
            return sys.modules[base.__module__.split(".")[0]]
    raise RuntimeError("cannot tell which HTTP library this openai SDK uses")


def make_client(emulator, *, asynchronous: bool = False, **options):
    import openai
    http = http_library_of_openai()

    class EmulatorTransport(http.BaseTransport):
        def handle_request(self, request):
            request.read()
            return respond(emulator, request, http)

    class AsyncEmulatorTransport(http.AsyncBaseTransport):
        async def handle_async_request(self, request):
            await request.aread()
            return respond(emulator, request, http)

    options.setdefault("api_key", DEFAULT_API_KEY)
    options.setdefault("base_url", DEFAULT_BASE_URL)
    if asynchronous:
        return openai.AsyncOpenAI(http_client=openai.DefaultAsyncHttpxClient(
            transport=AsyncEmulatorTransport()), **options)
    return openai.OpenAI(http_client=openai.DefaultHttpxClient(transport=EmulatorTransport()), **options)


#: (module, class) of every transport that can carry an openai request, each patched if importable.
SYNC_TRANSPORTS = (("httpx", "HTTPTransport"), ("httpx2", "HTTPTransport"))
ASYNC_TRANSPORTS = (("httpx", "AsyncHTTPTransport"), ("httpx2", "AsyncHTTPTransport"),
                    ("httpx_aiohttp", "AiohttpTransport"),
                    ("openai._vendor.httpx_aiohttp", "AiohttpTransport"))


def importable(module_name: str, class_name: str):
    try:
        return getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError):
        return None


class Interceptor:
    """Routes the API's hosts to ``emulator`` on every HTTP transport class while installed."""

    def __init__(self, emulator, hosts=DEFAULT_HOSTS):
        self.emulator = emulator
        self.hosts = frozenset(hosts)

    def patches(self):
        """(class, attribute, replacement) for each transport class present in this environment."""
        out = []
        for module_name, class_name in SYNC_TRANSPORTS:
            cls = importable(module_name, class_name)
            if cls is not None:
                out.append((cls, "handle_request", self.sync_method(cls.handle_request)))
        for module_name, class_name in ASYNC_TRANSPORTS:
            cls = importable(module_name, class_name)
            if cls is not None:
                out.append((cls, "handle_async_request", self.async_method(cls.handle_async_request)))
        return out

    def http_of(self, request):
        return sys.modules[type(request).__module__.split(".")[0]]

    def sync_method(self, original):
        interceptor = self

        def handle_request(transport, request):
            if request.url.host not in interceptor.hosts:
                return original(transport, request)
            request.read()
            return respond(interceptor.emulator, request, interceptor.http_of(request))
        return handle_request

    def async_method(self, original):
        interceptor = self

        async def handle_async_request(transport, request):
            if request.url.host not in interceptor.hosts:
                return await original(transport, request)
            await request.aread()
            return respond(interceptor.emulator, request, interceptor.http_of(request))
        return handle_async_request

    def install(self, monkeypatch) -> None:
        """Patch through pytest's ``monkeypatch`` so everything is undone at teardown."""
        for cls, attribute, replacement in self.patches():
            monkeypatch.setattr(cls, attribute, replacement)
