"""The granian engine of ServerThread: granian's Rust HTTP server (hyper underneath) calling the
emulator from a few Python threads of this process, so the state stays in this process and the
fixture's tests read what the server writes.

Why granian: measured on the same machine in one run (benchmarks/server.py), its HTTP handling
costs a small part of what waitress's or werkzeug's pure-Python servers do, so fakeai's own work is
what a request costs.

granian is built to be a process manager; serving from a thread of an existing process goes through
its worker class (``granian._granian.WSGIWorker``), the piece its own thread-based server runs for
each worker. That class is not public, so the version is pinned in pyproject.toml and
tests/test_server.py runs every server test on this engine.

hyper answers what it refuses itself (a malformed request line or header) with a bare status and
no body; everything it hands over is answered by the emulator in the API's envelope. A body is read
as the emulator asks for it, so a body over the limit is refused unread.

Threads: the emulator runs on ServerThread's Python threads (16 unless ``fakeai serve --threads``
says otherwise), as on waitress, so a slow stream or a sleeping latency fault holds up no other
client. Their price is the GIL passing between them: each read of a request's input lets go of it
(granian's ``WSGIBody.read``), so with 16 threads a POST costs about twice what it costs on one
(benchmarks/server.py; wsgibody.py reads no input that no header announced).
"""

from __future__ import annotations

import os
import socket
import sys
import threading

from granian._futures import _new_cbscheduler
from granian._granian import ListenerSpec, WorkerSignal, WSGIWorker
from granian._loops import loops
from granian.http import HTTP1Settings
from granian.wsgi import Response, ResponseIterWrap

from .server import CONNECTION_LIMIT

#: Rust threads handling connections; Python work is serialised by the GIL anyway.
RUNTIME_THREADS = 1
#: The most Rust threads waiting on Python at once (granian's own default).
BLOCKING_THREADS = 512
BACKLOG = 1024
#: Connections a worker accepts beyond those being served before new ones wait.
BACKPRESSURE = CONNECTION_LIMIT


class Granian:
    def __init__(self, app, host: str, port: int, *, threads: int, idle_timeout: int):
        """No request timeout: hyper times out only a request's headers (``idle_timeout``)."""
        self.app = app
        self.threads = threads
        self.idle_timeout = idle_timeout
        self.listener = ListenerSpec(host, port, BACKLOG).build()
        # Listening from here on, so a client may connect as soon as the server is started (granian
        # itself would begin to listen only once its threads are up); the copy of the socket closes,
        # the socket stays.
        with socket.socket(fileno=os.dup(self.listener.get_fd())) as bound:
            bound.listen(BACKLOG)
            self._port = bound.getsockname()[1]
        self.signal = WorkerSignal()
        self.stopped = threading.Event()
        self.signal.add_cb(self.stopped.set)

    @property
    def port(self) -> int:
        return self._port

    def serve(self) -> None:
        loop = loops.get("auto")
        worker = WSGIWorker(
            1, (None, self.listener), None, RUNTIME_THREADS, BLOCKING_THREADS, self.threads, self.idle_timeout,
            BACKPRESSURE, "1",
            # a connection must send its request's headers within the idle timeout, also between requests
            HTTP1Settings(header_read_timeout=self.idle_timeout * 1000), None, None,
            False, None, None, None, "tls1.3", None, [], False, (None, None))
        scheduler = _new_cbscheduler(loop, runner(self.app), impl_asyncio=True)  # the default registers a task object that asyncio.all_tasks() then fails on
        try:
            worker.serve_mtr(scheduler, loop, self.signal)  # returns at once: the Rust threads serve
            self.stopped.wait()
        finally:
            loop.close()  # unused by WSGI, but open: its sockets would be reported unclosed

    def stop(self) -> None:
        self.signal.set()

    def close(self) -> None:
        pass


#: What every request's environ holds besides what granian read off the request.
BASE_ENVIRON = {"GATEWAY_INTERFACE": "CGI/1.1", "SCRIPT_NAME": "", "SERVER_SOFTWARE": "Granian",
                "wsgi.input_terminated": True, "wsgi.multiprocess": False, "wsgi.multithread": True,
                "wsgi.run_once": False, "wsgi.version": (1, 0)}


def runner(app):
    """What granian calls for each request (its ``granian.wsgi._callback_wrapper``, less one thing):
    the environ is the request's, without a copy of the process's environment variables in every
    one (which granian's own adds, CGI fashion: a copy per request, that no WSGI app needs)."""
    base = {**BASE_ENVIRON, "wsgi.errors": sys.stderr}

    def run(proto, scope):
        response = Response()
        body = app(base | scope, response)
        if isinstance(body, list):
            proto.response_bytes(response.status, response.headers, b"".join(body))
        else:
            proto.response_iter(response.status, response.headers, ResponseIterWrap(body))
        return response.status
    return run
