"""An emulator served over real HTTP from a background thread of this process, so a test reads the
state the server writes (the fake_openai_server fixture, tests) and ``fakeai serve`` runs the same.

Three engines. ``waitress`` (the default) is a production server: threads for concurrency, idle and
slow connections closed, a whole request received before the emulator sees it, and every request
it refuses itself (bad request line or header, invalid Content-Length, bad chunking, headers too
large) answered in the API's ``{"error": {...}}`` envelope. ``werkzeug`` is werkzeug's development
server, kept for comparison (a thread per connection, never closed while idle, HTML refusals).
``granian`` (the ``granian`` extra) is the fastest by far, at the price of what fakeai/granian_engine.py
lists: it is for load, not for testing how a server meets malformed HTTP.
"""

from __future__ import annotations

import json
import logging
import threading
import time

from . import errors

ENGINES = ("granian", "waitress", "werkzeug")
DEFAULT_ENGINE = "waitress"
#: Requests served at once; one is held for the whole of a stream (a slow run's stream waits).
THREADS = 16
#: Seconds a keep-alive connection may stay silent between requests before it is closed.
IDLE_TIMEOUT = 30
#: Seconds one request (line, headers and body) may take to arrive before its connection is closed.
REQUEST_TIMEOUT = 60
#: Open connections; past it new ones wait in the listen backlog (idle ones close after IDLE_TIMEOUT).
CONNECTION_LIMIT = 1000

access_log = logging.getLogger("fakeai.access")


class EngineMissing(RuntimeError):
    """An engine whose package is not installed (it is an extra)."""


class ServerThread:
    """``with ServerThread(app) as server: server.base_url`` — loopback, a free port, threaded.

    engine           'waitress' or 'werkzeug'
    log_requests     one INFO line per request on the ``fakeai.access`` logger
    idle_timeout     seconds before a silent keep-alive connection is closed (waitress)
    request_timeout  seconds a request may take to arrive whole (waitress)
    """

    def __init__(self, app, host: str = "127.0.0.1", port: int = 0, *, engine: str = DEFAULT_ENGINE,
                 threads: int = THREADS, log_requests: bool = False, idle_timeout: int = IDLE_TIMEOUT,
                 request_timeout: int = REQUEST_TIMEOUT):
        if engine not in ENGINES:
            raise ValueError(f"unknown engine {engine!r}: one of {', '.join(ENGINES)}")
        served = logged(app) if log_requests else app
        if engine == "werkzeug":
            self.engine = Werkzeug(served, host, port)
        elif engine == "granian":
            try:
                from .granian_engine import Granian  # imported only when used
            except ImportError as missing:
                raise EngineMissing("the granian engine needs granian: pip install 'fakeai-assistants[granian]'"
                                    f" ({missing})") from None
            self.engine = Granian(served, host, port, threads=threads, idle_timeout=idle_timeout)
        else:
            from .waitress_engine import Waitress  # imported only when used
            self.engine = Waitress(served, host, port, threads=threads, idle_timeout=idle_timeout,
                                   request_timeout=request_timeout,
                                   max_body=getattr(app, "max_request_bytes", None))
        self.host = host
        self.thread = threading.Thread(target=self.engine.serve, daemon=True, name="fakeai-server")

    @property
    def port(self) -> int:
        return self.engine.port

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/v1"

    def __enter__(self) -> "ServerThread":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.engine.stop()
        self.thread.join()
        self.engine.close()


class Werkzeug:
    """werkzeug's development server: a thread per connection; its own request log is off (the
    ``fakeai.access`` log is the same for every engine)."""

    def __init__(self, app, host: str, port: int):
        from werkzeug.serving import WSGIRequestHandler, make_server

        class Unlogged(WSGIRequestHandler):
            def log_request(self, *args, **kwargs):
                pass

        self.server = make_server(host, port, app, threaded=True, request_handler=Unlogged)

    @property
    def port(self) -> int:
        return self.server.server_port

    def serve(self) -> None:
        self.server.serve_forever(poll_interval=0.05)

    def stop(self) -> None:
        self.server.shutdown()

    def close(self) -> None:
        self.server.server_close()


def logged(app):
    """``app`` with a line per request: method, path, status, milliseconds until its answer began."""
    def application(environ, start_response):
        started = time.perf_counter()

        def start(status, headers, exc_info=None):
            access_log.info("%s %s %s %.1f ms", environ.get("REQUEST_METHOD"),
                            environ.get("REQUEST_URI") or environ.get("PATH_INFO"), status.split(" ")[0],
                            (time.perf_counter() - started) * 1000)
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)
        return app(environ, start)
    return application


def refusal_body(status: int, reason: str, detail: str) -> bytes:
    """The envelope of a request the engine refused before the emulator saw it (fakeai wording)."""
    error = errors.APIError(f"{reason}: {detail}" if detail else reason, status=status,
                            type="server_error" if status >= 500 else errors.INVALID_REQUEST)
    return json.dumps(error.body(), indent=2).encode()
