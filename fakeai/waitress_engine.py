"""The waitress engine of ServerThread: waitress's server, told to answer its own refusals in the
API's envelope and to close connections whose request takes too long to arrive.

waitress receives a whole request (a large body goes to a temporary file, not to memory) before the
application runs, so the emulator never acts on a body that did not arrive whole; a connection whose
client goes silent is closed after the idle timeout, and one whose request trickles in after the
request timeout.
"""

from __future__ import annotations

import logging
import time

from waitress import wasyncore
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher, WSGITask
from waitress.utilities import RequestEntityTooLarge

from .server import CONNECTION_LIMIT, refusal_body

#: waitress warns "Task queue depth is N" whenever every thread is busy: normal for a test server.
logging.getLogger("waitress.queue").setLevel(logging.ERROR)


class TimedRequest(HTTPRequestParser):
    """A request being received, with the moment its first bytes arrived."""

    def __init__(self, adj):
        super().__init__(adj)
        self.started = time.monotonic()


class Refusal(WSGITask):
    """What a request waitress refused is answered with: the API's envelope, then the connection is
    closed. A body declared larger than any request may be goes to the emulator unread, so it is
    refused in the emulator's own words (a file over the limit is F7) and journaled like any other."""

    def execute(self):
        error = self.request.error
        self.set_close_on_finish()
        if isinstance(error, RequestEntityTooLarge) and self.request.content_length and not self.request.chunked:
            super().execute()
            return
        body = refusal_body(error.code, error.reason, error.body)
        self.complete = True
        self.status = f"{error.code} {error.reason}"
        self.response_headers.append(("Content-Type", "application/json"))
        self.content_length = len(body)
        self.write(body)


class Channel(HTTPChannel):
    parser_class = TimedRequest
    error_task_class = Refusal


class Server(TcpWSGIServer):
    channel_class = Channel
    request_timeout = 60

    def maintenance(self, now):
        """Close idle connections (waitress's own rule) and those whose request is still arriving
        after ``request_timeout`` seconds (a client sending a byte now and then)."""
        super().maintenance(now)
        cutoff = time.monotonic() - self.request_timeout
        for channel in self.active_channels.values():
            receiving = channel.request
            if receiving is not None and not channel.requests and receiving.started < cutoff:
                channel.will_close = True


def without_connection_header(app):
    """``app`` without its ``Connection: close``, which waitress refuses (a hop-by-hop header is the
    server's business): the emulator asks for it after leaving a body unread, and waitress has either
    read the body already or closes the connection itself (Refusal)."""
    def application(environ, start_response):
        def start(status, headers, exc_info=None):
            return start_response(status, [(name, value) for name, value in headers
                                           if name.lower() != "connection"], exc_info)
        return app(environ, start)
    return application


class Waitress:
    def __init__(self, app, host: str, port: int, *, threads: int, idle_timeout: int, request_timeout: int,
                 max_body: int | None):
        adjustments = Adjustments(
            host=host, port=port, threads=threads, connection_limit=CONNECTION_LIMIT, backlog=1024,
            channel_timeout=idle_timeout, cleanup_interval=max(1, min(idle_timeout, request_timeout) // 2),
            asyncore_use_poll=True,  # select() cannot watch descriptors past 1024
            clear_untrusted_proxy_headers=False,  # the journal shows the headers as they were sent
            # waitress refuses a declared length >= its limit; the emulator one > max_body
            **({"max_request_body_size": max_body + 1} if max_body else {}))
        self.map: dict = {}
        self.dispatcher = ThreadedTaskDispatcher()
        self.dispatcher.set_thread_count(threads)
        self.servers = []
        for sockinfo in adjustments.listen:
            server = Server(without_connection_header(app), self.map, dispatcher=self.dispatcher, adj=adjustments, sockinfo=sockinfo)
            server.request_timeout = request_timeout
            self.servers.append(server)

    @property
    def port(self) -> int:
        return self.servers[0].effective_port

    def serve(self) -> None:
        wasyncore.loop(timeout=1.0, map=self.map, use_poll=True)

    def stop(self) -> None:
        """Let the requests being served finish (their sockets closed under them would log a
        traceback), then close every socket from the loop's own thread; the loop ends when none is
        left."""
        self.dispatcher.shutdown(timeout=5)
        try:
            self.servers[0].trigger.pull_trigger(lambda: wasyncore.close_all(self.map))
        except OSError:  # the loop already closed its trigger: close what is left from here instead
            wasyncore.close_all(self.map)

    def close(self) -> None:
        self.dispatcher.shutdown(timeout=5)
