"""An emulator served over real HTTP from a background thread (the fake_openai_server fixture,
and tests). ``fakeai serve`` runs the same werkzeug server in the foreground."""

from __future__ import annotations

import threading

from werkzeug.serving import make_server


class ServerThread:
    """``with ServerThread(app) as server: server.base_url`` — loopback, a free port, threaded."""

    def __init__(self, app, host: str = "127.0.0.1", port: int = 0):
        self.server = make_server(host, port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True, name="fakeai-server")

    @property
    def base_url(self) -> str:
        return f"http://{self.server.server_address[0]}:{self.server.server_port}/v1"

    def __enter__(self) -> "ServerThread":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()
