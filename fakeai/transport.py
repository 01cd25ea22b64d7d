"""In-process wiring: openai clients served by an emulator, with no socket.

Two ways in:
* ``make_client``: a client whose own transport is the emulator (``FakeOpenAI().client``).
* ``Interceptor``: while installed, every httpx / httpx2 transport (and the SDK's aiohttp one)
  hands requests for the API's hosts (and for the base URLs it is given, e.g. ``OPENAI_BASE_URL``)
  to the emulator, so clients built anywhere, at any time, are served too. A request the openai SDK
  makes to any other host is answered with a refusal that names the host, never sent (a silent
  bypass would reach a real service); other traffic goes to the original method untouched.

The only module that knows httpx, httpx2 and openai.
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass
from urllib.parse import urlsplit

from .app import RawRequest
from .emulator import DEFAULT_API_KEY

DEFAULT_HOSTS = ("api.openai.com",)
DEFAULT_BASE_URL = "https://api.openai.com/v1"


def to_raw(request, path: str | None = None) -> RawRequest:
    url = request.url
    return RawRequest(
        method=request.method,
        path=url.path if path is None else path,
        query=url.query.decode("ascii") if isinstance(url.query, bytes) else url.query,
        headers={name.lower(): value for name, value in request.headers.items()},
        body=request.content,
    )


def respond(emulator, request, http, path: str | None = None):
    """Serve an httpx/httpx2 request from the emulator; ``http`` is the library it came from, ``path``
    the request's path as the emulator sees it (a base URL's own prefix replaced by /v1)."""
    raw = emulator.handle(to_raw(request, path))
    body = raw.body if isinstance(raw.body, bytes) else b"".join(raw.body)  # a stream, run to its end
    return http.Response(raw.status, headers=raw.headers, content=body, request=request)


def import_openai():
    """The openai SDK, or an error that says how to install it (fakeai itself does not need it)."""
    try:
        import openai
    except ModuleNotFoundError as missing:
        if missing.name != "openai":
            raise
        raise ModuleNotFoundError("fakeai's ready clients (FakeOpenAI().client, .async_client) are clients of "
                                  "the openai SDK, which is not installed here: pip install openai",
                                  name="openai") from None
    return openai


def http_library_of_openai():
    """httpx for openai 1.x/2.x, httpx2 for 3.x: whichever the SDK's default client is built on."""
    openai = import_openai()
    for base in openai.DefaultHttpxClient.__mro__:
        if base.__name__ == "Client" and base.__module__.split(".")[0] in ("httpx", "httpx2"):
            return sys.modules[base.__module__.split(".")[0]]
    raise RuntimeError("cannot tell which HTTP library this openai SDK uses")


def make_client(emulator, *, asynchronous: bool = False, **options):
    openai = import_openai()
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


@dataclass(frozen=True)
class BaseUrl:
    """A base URL served by the emulator: requests to its host and port under its path are the API's
    (``http://gateway:8080/openai/v1/threads`` is ``/v1/threads``)."""

    host: str
    port: int | None
    prefix: str

    @classmethod
    def parse(cls, url: str) -> "BaseUrl | None":
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return None
        return cls(parts.hostname.lower(), parts.port or (443 if parts.scheme == "https" else 80),
                   parts.path.rstrip("/"))

    def api_path(self, host: str, port: int | None, path: str) -> str | None:
        if host != self.host or port != self.port:
            return None
        if path != self.prefix and not path.startswith(self.prefix + "/"):
            return None
        return "/v1" + path[len(self.prefix):]


class Bypass(Exception):
    """An openai SDK request for a host fakeai does not intercept (the fixture fails the test)."""


def made_by_openai_sdk(request) -> bool:
    """The official SDKs name themselves in every request (X-Stainless-Lang, User-Agent OpenAI/...)."""
    return "x-stainless-lang" in request.headers or request.headers.get("user-agent", "").startswith("OpenAI/")


def bypass_message(request) -> str:
    url = request.url
    origin = f"{url.scheme}://{url.host}" + (f":{url.port}" if url.port else "")
    return (f"fakeai: this test sent {request.method} {url.path} to {origin}, which fakeai does not serve, "
            f"so it was not sent. To have fakeai serve it, add the host to the test's marker: "
            f"@pytest.mark.fake_openai(hosts=[..., {url.host!r}]) or base_urls=[{origin + '/v1'!r}]; "
            f"to let it reach that host for real, allow_hosts=[{url.host!r}].")


def bypass_response(request, http, message: str):
    """What the SDK gets instead of a request sent past the fake: an error it does not retry."""
    body = {"error": {"message": message, "type": "fakeai_bypass", "param": None, "code": "not_intercepted"}}
    return http.Response(421, headers={"x-should-retry": "false"}, json=body, request=request)


class Interceptor:
    """Routes the API's hosts (and ``base_urls``) to ``emulator`` on every HTTP transport class while
    installed. An SDK request for any other host, unless in ``allow_hosts``, is refused unsent and
    recorded in ``bypasses``."""

    def __init__(self, emulator, hosts=DEFAULT_HOSTS, base_urls=(), allow_hosts=()):
        self.emulator = emulator
        self.hosts = frozenset(host.lower() for host in hosts)
        self.base_urls = tuple(parsed for parsed in map(BaseUrl.parse, base_urls) if parsed)
        self.allow_hosts = frozenset(host.lower() for host in allow_hosts)
        self.bypasses: list[str] = []

    def api_path(self, request) -> str | None:
        """The path the emulator serves this request at, or None when it is not the API's."""
        url = request.url
        host = (url.host or "").lower()
        if host in self.hosts:
            return url.path
        port = url.port or (443 if url.scheme == "https" else 80)
        for base_url in self.base_urls:
            path = base_url.api_path(host, port, url.path)
            if path is not None:
                return path
        return None

    def refused(self, request, http):
        """The answer to an SDK request for a host that is neither served nor allowed, else None."""
        if (request.url.host or "").lower() in self.allow_hosts or not made_by_openai_sdk(request):
            return None
        message = bypass_message(request)
        self.bypasses.append(message)
        return bypass_response(request, http, message)

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
            path = interceptor.api_path(request)
            if path is None:
                return interceptor.refused(request, interceptor.http_of(request)) or original(transport, request)
            request.read()
            return respond(interceptor.emulator, request, interceptor.http_of(request), path)
        return handle_request

    def async_method(self, original):
        interceptor = self

        async def handle_async_request(transport, request):
            path = interceptor.api_path(request)
            if path is None:
                return interceptor.refused(request, interceptor.http_of(request)) \
                    or await original(transport, request)
            await request.aread()
            return respond(interceptor.emulator, request, interceptor.http_of(request), path)
        return handle_async_request

    def install(self, monkeypatch) -> None:
        """Patch through pytest's ``monkeypatch`` so everything is undone at teardown."""
        for cls, attribute, replacement in self.patches():
            monkeypatch.setattr(cls, attribute, replacement)
