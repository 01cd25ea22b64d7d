"""The long fuzz run: tens of thousands of bad requests over a real socket (tests/fuzzing.py).

Every answer is held to the rules of tests/fuzzing.py: no 5xx, every refusal the API's JSON
envelope, the state unchanged after every refusal. Prints the figures (requests sent, 5xx, answers
that were not JSON, refusals that changed the state, answers by status, time) and exits 1 if any
rule was broken, with the first offending requests. The CI suite runs the same generator for a few
hundred requests (tests/test_fuzz.py).

    python benchmarks/fuzz.py                     # 10,000 requests, a random seed (printed)
    python benchmarks/fuzz.py --requests 50000 --seed 7
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hypothesis import HealthCheck, given, seed, settings  # noqa: E402

from fakeai import FakeOpenAI  # noqa: E402
from fakeai.server import ServerThread  # noqa: E402
from tests.fuzzing import Tally, check, known_objects, requests, send, snapshot  # noqa: E402

RESET_EVERY = 50  # requests between two fresh states, so creates and deletes do not pile up


def fuzz(count: int, run_seed: int) -> tuple[Tally, float, list]:
    emulator = FakeOpenAI(bugs="respond")
    ids = known_objects(emulator)
    tally = Tally()
    with ServerThread(emulator.app) as server:
        host, port = server.host, server.port

        @seed(run_seed)
        @settings(max_examples=count, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(request=requests(ids))
        def one_request(request):
            if tally.sent and tally.sent % RESET_EVERY == 0:
                emulator.reset()
                known_objects(emulator)
            before = snapshot(emulator)
            answer = send(host, port, request)
            tally.count(answer, check(answer, before, snapshot(emulator), request), request)

        started = time.perf_counter()
        one_request()
        return tally, time.perf_counter() - started, emulator.problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    run_seed = args.seed if args.seed is not None else random.randrange(2**32)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("fakeai").setLevel(logging.CRITICAL)
    tally, seconds, bugs = fuzz(args.requests, run_seed)
    rows = [("seed", run_seed), ("requests sent", tally.sent), ("5xx answers", tally.server_errors),
            ("answers not JSON / not the envelope", tally.not_json),
            ("refused or damaged requests that changed the state", tally.state_changed),
            ("fakeai bugs logged", len(bugs)),
            ("seconds", f"{seconds:.1f}"), ("requests per second", f"{tally.sent / seconds:.0f}")]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name.ljust(width)}  {value}")
    print("answers by status: " + ", ".join(f"{status}: {n}" for status, n in sorted(tally.by_status.items())))
    for problems, label, head, body in tally.problems:
        print(f"\n{problems}\n  {label}\n  {head!r}\n  {body!r}")
    for bug in bugs[:5]:
        print(f"\nfakeai bug: {bug}")
    broken = tally.server_errors or tally.not_json or tally.state_changed or bugs
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
