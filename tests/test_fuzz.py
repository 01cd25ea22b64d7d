"""Fuzzing over a real socket (tests/fuzzing.py): bad requests of every layer, each answered in the
API's envelope, never a 5xx, and never changing the state. A few hundred requests here, the same
every run (derandomized); ``python benchmarks/fuzz.py`` sends tens of thousands of random ones."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from fakeai import FakeOpenAI
from fakeai.server import ServerThread
from tests.fuzzing import Tally, check, known_objects, requests, send, snapshot

REQUESTS = 300
RESET_EVERY = 50  # requests between two fresh states (deletes and creates pile up otherwise)


def test_no_bad_request_gets_a_5xx_or_anything_but_the_envelope_or_changes_the_state():
    emulator = FakeOpenAI(bugs="respond")
    ids = known_objects(emulator)
    tally = Tally()
    with ServerThread(emulator.app) as server:
        host, port = server.host, server.port

        @settings(max_examples=REQUESTS, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(request=requests(ids))
        def one_request(request):
            if tally.sent and tally.sent % RESET_EVERY == 0:
                emulator.reset()
                assert known_objects(emulator) == ids  # same seed, same ids
            before = snapshot(emulator)
            answer = send(host, port, request)
            problems = check(answer, before, snapshot(emulator), request)
            tally.count(answer, problems, request)
            assert not problems, (problems, request)

        one_request()
    assert tally.sent >= REQUESTS * 0.9
    assert not emulator.problems, emulator.problems
    assert len(tally.by_status) >= 4, tally.by_status  # 200s, 400s, 404s, 401s, 413s...
