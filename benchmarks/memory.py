"""Does a long-lived ``fakeai serve`` keep its memory flat?

Starts ``python -m fakeai serve --port 0 --quiet`` in a subprocess (whichever server engine it
uses; it prints its URL first), then reads the server's resident memory (VmRSS in
/proc/<pid>/status, Linux) at each stage:

* after start-up and one thread created (0 requests);
* after 50,000 and 100,000 requests that leave the state as it was: retrieve the thread, modify
  its metadata, retrieve a thread that does not exist (404), in turn, all with one key: what
  grows here is what fakeai keeps per request (the journal), not objects;
* after 10,000 requests, each with a different wrong key (the server is started with
  ``--api-key``, so they are refused with 401);
* after one 500 MB JSON body sent to ``POST /threads`` (refused: over the JSON limit), while another
  connection keeps creating threads: the table adds the slowest of those creates against their median,
  i.e. how long the big body stalled another client;
* after 4,000 and 8,000 requests with a 60 KB body each (metadata values over the API's 512
  characters, refused with 400, so the state stays as it was): each is journaled whole, and the
  journal holds at most JOURNAL_BYTES of them (without that bound, its 10,000 entries could hold
  600 MB of such bodies): the first 4,000 fill it, the next 4,000 add less than FLAT_MB.

Flat means: the second 50,000 requests add less than ``FLAT_MB`` and so do the 10,000 wrong keys
(the first 50,000 fill the journal, 10,000 entries by default, and warm the allocator). Nothing is
asserted; the table reports.

    python benchmarks/memory.py            # the full run (a few minutes on a slow machine)
    python benchmarks/memory.py --quick    # a few thousand requests: proves the script runs
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fakeai.journal import JOURNAL_BYTES  # noqa: E402

KEY = "sk-memory-0123456789abcdef0123"
FLAT_MB = 5.0


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS line")


class Server:
    """``fakeai serve`` in a subprocess; its URL is the first line it prints."""

    def __init__(self, *extra: str):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "fakeai", "serve", "--port", "0", "--quiet", "--api-key", KEY, *extra],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        url = urlsplit(self.process.stdout.readline().strip())
        if not url.port:
            raise RuntimeError("the server did not print its URL")
        self.host, self.port, self.prefix = url.hostname, url.port, url.path
        # Whatever else it prints must not fill the pipe and stall it.
        threading.Thread(target=self.process.stdout.read, daemon=True).start()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


class Client:
    """One keep-alive connection sending the API's headers."""

    def __init__(self, server: Server):
        self.server = server
        self.connection = http.client.HTTPConnection(server.host, server.port, timeout=60)

    def send(self, method: str, path: str, body: dict | None = None, key: str = KEY) -> tuple[int, bytes]:
        headers = {"Authorization": f"Bearer {key}", "OpenAI-Beta": "assistants=v2",
                   "Content-Type": "application/json", "User-Agent": "OpenAI/Python benchmark"}
        payload = json.dumps(body).encode() if body is not None else None
        for attempt in (1, 2):  # a connection the server closed is opened again, once
            try:
                self.connection.request(method, self.server.prefix + path, body=payload, headers=headers)
                response = self.connection.getresponse()
                return response.status, response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.connection.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def same_state_requests(client: Client, thread_id: str, count: int, start: int) -> None:
    """``count`` requests that leave the state as it was, each checked."""
    for number in range(start, start + count):
        kind = number % 3
        if kind == 0:
            status, _ = client.send("GET", f"/threads/{thread_id}")
            expected = 200
        elif kind == 1:
            status, _ = client.send("POST", f"/threads/{thread_id}", {"metadata": {"n": str(number % 100)}})
            expected = 200
        else:
            status, _ = client.send("GET", "/threads/thread_doesnotexist000000000000")
            expected = 404
        if status != expected:
            raise RuntimeError(f"request {number}: {status}, expected {expected}")


def wrong_keys(client: Client, count: int) -> None:
    for number in range(count):
        status, _ = client.send("GET", "/assistants", key=f"sk-wrong-{number:08}-abcdefghijklmnop")
        if status != 401:
            raise RuntimeError(f"wrong key {number}: {status}, expected 401")


#: A metadata value of this many characters: a body the journal keeps whole (under its 64 KB), refused.
BIG_VALUE = 60_000


def big_refused_bodies(client: Client, thread_id: str, count: int) -> None:
    for number in range(count):
        status, _ = client.send("POST", f"/threads/{thread_id}", {"metadata": {"note": f"{number} " + "z" * BIG_VALUE}})
        if status != 400:
            raise RuntimeError(f"big body {number}: {status}, expected 400")


def big_body(server: Server, size: int) -> int:
    """Send a JSON body of ``size`` bytes to POST /threads, 1 MB at a time; the answer's status."""
    with socket.create_connection((server.host, server.port), timeout=300) as sock:
        sock.sendall((f"POST {server.prefix}/threads HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {KEY}\r\n"
                      f"OpenAI-Beta: assistants=v2\r\nContent-Type: application/json\r\n"
                      f"Content-Length: {size}\r\n\r\n").encode())
        chunk = b" " * (1 << 20)
        sent = 0
        try:
            while sent < size:
                sent += sock.send(chunk[:min(len(chunk), size - sent)])
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused before the whole body was sent: the answer is already there
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status


def while_big_body(server: Server, size: int) -> tuple[int, float, float]:
    """(status of the big body, median and slowest seconds of another client's creates meanwhile)."""
    other, times, done = Client(server), [], threading.Event()

    def create_threads():
        while not done.is_set():
            started = time.perf_counter()
            status, _ = other.send("POST", "/threads", {})
            times.append(time.perf_counter() - started)
            if status != 200:
                raise RuntimeError(f"a create beside the big body: {status}")

    worker = threading.Thread(target=create_threads)
    worker.start()
    try:
        status = big_body(server, size)
    finally:
        done.set()
        worker.join()
    return status, statistics.median(times), max(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few thousand requests: only proves it runs")
    parser.add_argument("--journal-size", help="passed to fakeai serve (default: its own)")
    parser.add_argument("--big-body-mb", type=int, help="size of the big JSON body (default 500, --quick 30: "
                                                        "either over the 25 MiB JSON limit)")
    options = parser.parse_args(argv)
    half, keys, bodies = (1_000, 500, 200) if options.quick else (50_000, 10_000, 4_000)

    server = Server(*(["--journal-size", options.journal_size] if options.journal_size else []))
    try:
        client = Client(server)
        status, body = client.send("POST", "/threads", {})
        if status != 200:
            raise RuntimeError(f"could not create a thread: {status} {body[:200]!r}")
        thread_id = json.loads(body)["id"]
        pid = server.process.pid
        rows = [("after start-up and one thread (0 requests)", 0, rss_mb(pid), 0.0)]
        started = time.perf_counter()
        same_state_requests(client, thread_id, half, 0)
        rows.append((f"after {half:,} requests", half, rss_mb(pid), time.perf_counter() - started))
        started = time.perf_counter()
        same_state_requests(client, thread_id, half, half)
        rows.append((f"after {2 * half:,} requests", 2 * half, rss_mb(pid), time.perf_counter() - started))
        started = time.perf_counter()
        wrong_keys(client, keys)
        rows.append((f"after {keys:,} more, each with a different wrong key", keys, rss_mb(pid),
                     time.perf_counter() - started))
        big_mb = options.big_body_mb or (30 if options.quick else 500)
        status, median, slowest = while_big_body(server, big_mb << 20)
        rows.append((f"after a {big_mb} MB body (answered {status})", 0, rss_mb(pid), 0.0))
        stall = f"beside it, another client's creates took {median * 1000:.1f} ms (median), {slowest * 1000:.0f} ms at worst"
        for total in (bodies, 2 * bodies):
            started = time.perf_counter()
            big_refused_bodies(client, thread_id, bodies)
            rows.append((f"after {total:,} more with a {BIG_VALUE // 1000} KB body each (answered 400)", bodies,
                         rss_mb(pid), time.perf_counter() - started))
    finally:
        server.stop()

    print(f"fakeai serve memory (VmRSS), Python {sys.version.split()[0]}, "
          f"PYTHONPATH={os.environ.get('PYTHONPATH', '')!r}")
    width = max(len(row[0]) for row in rows)
    print(f"{'stage'.ljust(width)} | {'RSS':>9} | {'growth':>9} | {'req/s':>7}")
    print(f"{'-' * width}-+-{'-' * 9}-+-{'-' * 9}-+-{'-' * 7}")
    previous = rows[0][2]
    for stage, count, rss, seconds in rows:
        rate = f"{count / seconds:,.0f}" if seconds else ""
        print(f"{stage.ljust(width)} | {rss:6.1f} MB | {rss - previous:+6.1f} MB | {rate:>7}")
        previous = rss
    second_half, wrong = rows[2][2] - rows[1][2], rows[3][2] - rows[2][2]
    verdict = "flat" if max(second_half, wrong) < FLAT_MB else "NOT flat"
    print(f"\nSecond {half:,} requests: {second_half:+.1f} MB; {keys:,} wrong keys: {wrong:+.1f} MB "
          f"(bound {FLAT_MB:g} MB each): {verdict}.")
    journal_mb = JOURNAL_BYTES / (1 << 20)
    first, second = rows[5][2] - rows[4][2], rows[6][2] - rows[5][2]
    print(f"Bodies of {BIG_VALUE // 1000} KB: the first {bodies:,} {first:+.1f} MB (they fill the journal's "
          f"{journal_mb:g} MiB), the next {bodies:,} {second:+.1f} MB (bound {FLAT_MB:g} MB): "
          f"{'flat' if second < FLAT_MB else 'NOT flat'}.")
    print(f"The big body: {rows[4][2] - rows[3][2]:+.1f} MB (bound {FLAT_MB:g} MB); {stall}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
