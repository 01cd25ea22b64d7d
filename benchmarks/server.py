"""How many requests a second ``fakeai serve`` answers, judged against baselines measured in the
same run, so that the speed of the machine cancels out.

Cases, each a ServerThread in this process (the fixture's and ``fakeai serve``'s own set-up):

* fakeai on each production engine: waitress (the default) and granian (the ``granian`` extra; skipped
  when it is not installed);
* fakeai on werkzeug's development server (``--engine werkzeug``): the goal is at least 5x it;
* a bare WSGI app answering a constant thread on each production engine: what the engine alone can
  do, the most fakeai could reach on it; the goal is at least 0.3x it;
* granian again with FEWER_THREADS Python threads (``fakeai serve --threads``), fakeai and the bare
  app: fewer threads hand the GIL to one another less often.

Each is loaded with POST /v1/threads (``{}``) and GET /v1/threads/{id}, over keep-alive connections
from a second process on loopback: ``wrk`` when it is installed (light, so the server has the
machine), else a few Python processes (heavier: they take CPU from the server, which squeezes the
ratios towards 1). The cases take turns, round after round, and each figure is the median of the
rounds. Nothing is asserted: the table reports, the exit code is always 0.

    python benchmarks/server.py            # about 2 minutes
    python benchmarks/server.py --quick    # a few seconds: proves the script runs
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fakeai import FakeOpenAI  # noqa: E402
from fakeai.server import DEFAULT_ENGINE, ENGINES, THREADS, ServerThread  # noqa: E402

HEADERS = {"Authorization": "Bearer sk-benchmark", "OpenAI-Beta": "assistants=v2",
           "Content-Type": "application/json"}
CONNECTIONS = 16
#: What the bare app answers to everything: a thread as the API (and fakeai) sends it.
CANNED_THREAD = json.dumps({"id": "thread_abc123abc123abc123abc123", "object": "thread",
                            "created_at": 1_735_689_600, "metadata": {}, "tool_resources": {}}, indent=2).encode()
#: Also measured, for the record: the engines that are neither the default nor werkzeug.
OTHER_ENGINES = [engine for engine in ENGINES if engine not in (DEFAULT_ENGINE, "werkzeug")
                 and importlib.util.find_spec(engine) is not None]
#: The thread count granian is also measured with.
FEWER_THREADS = 4
GOAL_VS_WERKZEUG = 5
GOAL_VS_BARE = 0.3


@dataclass(frozen=True)
class Settings:
    rounds: int
    seconds: float  # of load per operation per round


FULL = Settings(rounds=5, seconds=4)
QUICK = Settings(rounds=1, seconds=0.5)


def bare_app(environ, start_response):
    """The least a WSGI app can do for a request: read its body, answer a constant."""
    length = environ.get("CONTENT_LENGTH") or "0"
    if length.isdigit() and int(length):
        environ["wsgi.input"].read(int(length))
    start_response("200 OK", [("content-type", "application/json"), ("content-length", str(len(CANNED_THREAD)))])
    return [CANNED_THREAD]


# --- load ------------------------------------------------------------------------------------------

WRK_SCRIPT = """
wrk.method = "{method}"
wrk.body = {body}
{headers}
"""


def wrk_load(port: int, method: str, path: str, seconds: float) -> tuple[float, int]:
    """(requests per second, answers other than 200) from wrk over CONNECTIONS connections."""
    headers = "\n".join(f'wrk.headers["{name}"] = "{value}"' for name, value in HEADERS.items())
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT.format(method=method, body='"{}"' if method == "POST" else "nil", headers=headers))
    try:
        result = subprocess.run(["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{max(1, round(seconds))}s", "-s", script.name,
                                 f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True)
    finally:
        os.unlink(script.name)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", result.stdout).group(1))
    failures = re.search(r"Non-2xx or 3xx responses: (\d+)", result.stdout)
    socket_errors = re.search(r"Socket errors: (.*)", result.stdout)
    return rate, (int(failures.group(1)) if failures else 0) + (
        sum(map(int, re.findall(r"\d+", socket_errors.group(1)))) if socket_errors else 0)


def python_worker(port: int, method: str, path: str, seconds: float, connections: int) -> None:
    """One loader process: ``connections`` keep-alive connections in turn; prints 'answers failures'."""
    clients = [http.client.HTTPConnection("127.0.0.1", port) for _ in range(connections)]
    body = b"{}" if method == "POST" else None
    answers = failures = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        for client in clients:
            client.request(method, path, body=body, headers=HEADERS)
            response = client.getresponse()
            response.read()
            answers += 1
            failures += response.status != 200
    print(answers, failures)


def python_load(port: int, method: str, path: str, seconds: float) -> tuple[float, int]:
    """(requests per second, answers other than 200) from 4 Python processes, CONNECTIONS in all."""
    processes = [subprocess.Popen([sys.executable, __file__, "--load", str(port), method, path, str(seconds),
                                   str(CONNECTIONS // 4)], stdout=subprocess.PIPE, text=True) for _ in range(4)]
    started = time.perf_counter()
    counts = [tuple(map(int, process.communicate()[0].split())) for process in processes]
    elapsed = time.perf_counter() - started
    return sum(answers for answers, _ in counts) / elapsed, sum(failures for _, failures in counts)


def load_generator():
    return ("wrk", wrk_load) if shutil.which("wrk") else ("python", python_load)


# --- cases -----------------------------------------------------------------------------------------

@dataclass
class Case:
    name: str
    engine: str
    app: object
    post: list
    get: list
    threads: int = THREADS
    failures: int = 0


def measure(case: Case, load, seconds: float) -> None:
    """One round of the case: a fresh server, warmed up, then POST and GET for ``seconds`` each."""
    with ServerThread(case.app, engine=case.engine, threads=case.threads) as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port)
        connection.request("POST", "/v1/threads", body=b"{}", headers=HEADERS)
        thread_id = json.loads(connection.getresponse().read())["id"]
        connection.close()
        load(server.port, "POST", "/v1/threads", min(seconds, 1))  # warm-up
        for operation, method, path in (("post", "POST", "/v1/threads"), ("get", "GET", f"/v1/threads/{thread_id}")):
            rate, failures = load(server.port, method, path, seconds)
            getattr(case, operation).append(rate)
            case.failures += failures


def served(engine: str, threads: int) -> str:
    """How a case names its engine: the engine, and its thread count when it is not the default."""
    return engine if threads == THREADS else f"{engine} --threads {threads}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one short round: only proves it runs")
    parser.add_argument("--load", nargs=5, help=argparse.SUPPRESS)  # a Python loader process
    args = parser.parse_args(argv)
    if args.load:
        port, method, path, seconds, connections = args.load
        python_worker(int(port), method, path, float(seconds), int(connections))
        return 0
    settings = QUICK if args.quick else FULL
    loader_name, load = load_generator()
    production = [(engine, THREADS) for engine in [DEFAULT_ENGINE, *OTHER_ENGINES]]
    if "granian" in OTHER_ENGINES:
        production.append(("granian", FEWER_THREADS))
    cases = [*(Case(f"fakeai on {served(*setup)}", setup[0], FakeOpenAI(namespaced=True, bugs="respond").app,
                    [], [], setup[1]) for setup in [*production, ("werkzeug", THREADS)]),
             *(Case(f"bare app on {served(*setup)}", setup[0], bare_app, [], [], setup[1]) for setup in production)]
    for _ in range(settings.rounds):
        for case in cases:
            measure(case, load, settings.seconds)
    rates = {case.name: {"post": statistics.median(case.post), "get": statistics.median(case.get)} for case in cases}
    print(f"fakeai server benchmark: Python {platform.python_version()}, {os.cpu_count()} cores, load from "
          f"{loader_name} over {CONNECTIONS} keep-alive connections; requests per second, median of "
          f"{settings.rounds} rounds of {settings.seconds:g} s")
    ratios = []
    for setup in production:
        engine = served(*setup)
        fakeai = rates[f"fakeai on {engine}"]
        ratios += [(f"fakeai on {engine} vs fakeai on werkzeug", fakeai, rates["fakeai on werkzeug"],
                    f">= {GOAL_VS_WERKZEUG}", GOAL_VS_WERKZEUG),
                   (f"fakeai on {engine} vs the bare app on {engine}", fakeai, rates[f"bare app on {engine}"],
                    f">= {GOAL_VS_BARE}", GOAL_VS_BARE)]
    print(table(cases, ratios))
    failed = sum(case.failures for case in cases)
    if failed:
        print(f"\n{failed} answers were not 200: the figures are not to be trusted.")
    return 0


def table(cases: list[Case], ratios: list) -> str:
    lines = [("case", "POST /threads", "GET /threads/{id}", "goal")]
    for case in cases:
        lines.append((case.name, f"{statistics.median(case.post):,.0f}/s", f"{statistics.median(case.get):,.0f}/s", ""))
    for name, measured, baseline, goal, minimum in ratios:
        post, get = measured["post"] / baseline["post"], measured["get"] / baseline["get"]
        met = "met" if round(min(post, get), 2) >= minimum else "MISSED"
        lines.append((name, f"{post:.2f}x", f"{get:.2f}x", f"{goal} ({met})"))
    widths = [max(len(line[column]) for line in lines) for column in range(4)]

    def render(line):
        return " | ".join([line[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in zip(line[1:], widths[1:])])
    rule = "-+-".join("-" * width for width in widths)
    shown = 1 + len(cases)
    return "\n".join([render(lines[0]), rule, *map(render, lines[1:shown]), rule, *map(render, lines[shown:])])


if __name__ == "__main__":
    sys.exit(main())
