"""Same seed, same calls -> byte-identical ids, timestamps and bodies; clocks a test controls."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap

import pytest

from fakeai import FakeOpenAI
from fakeai.determinism import DEFAULT_EPOCH

SCENARIO = textwrap.dedent("""
    import warnings
    warnings.simplefilter("ignore", DeprecationWarning)
    from fakeai import FakeOpenAI
    client = FakeOpenAI().client
    threads = client.beta.threads
    bodies = []
    raw = threads.with_raw_response.create(messages=[{"role": "user", "content": "hi"}])
    thread = raw.parse()
    bodies.append(raw.http_response.content)
    bodies.append(threads.messages.with_raw_response.create(thread.id, role="user", content="more").http_response.content)
    bodies.append(threads.messages.with_raw_response.list(thread.id).http_response.content)
    bodies.append(threads.with_raw_response.update(thread.id, metadata={"k": "v"}).http_response.content)
    bodies.append(threads.with_raw_response.delete(thread.id).http_response.content)
    print(b"\\n".join(bodies).decode())
""")


def run_scenario_in_a_new_process(hash_seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    return subprocess.run([sys.executable, "-c", SCENARIO], env=env, check=True, capture_output=True,
                          text=True).stdout


def test_two_runs_in_separate_processes_give_byte_identical_bodies():
    first = run_scenario_in_a_new_process("1")
    second = run_scenario_in_a_new_process("2")

    assert first == second
    assert '"object": "thread.deleted"' in first


def test_the_same_seed_gives_the_same_ids_and_another_seed_other_ids():
    def thread_ids(seed):
        client = FakeOpenAI(seed=seed).client
        return [client.beta.threads.create().id for _ in range(3)]

    assert thread_ids(0) == thread_ids(0)
    assert thread_ids(0) != thread_ids(1)
    assert len(set(thread_ids(0))) == 3


def test_ids_of_one_kind_do_not_shift_when_other_objects_are_created():
    plain, busy = FakeOpenAI().client, FakeOpenAI().client

    first_plain = plain.beta.threads.create().id
    first_busy = busy.beta.threads.create(messages=[{"role": "user", "content": "x"}] * 5).id

    assert first_plain == first_busy
    assert plain.beta.threads.create().id == busy.beta.threads.create().id


def test_timestamps_start_at_the_documented_epoch_and_move_only_when_told(fake_openai):
    threads = fake_openai.client.beta.threads

    assert threads.create().created_at == DEFAULT_EPOCH
    assert threads.create().created_at == DEFAULT_EPOCH
    fake_openai.advance_time(90)
    assert threads.create().created_at == DEFAULT_EPOCH + 90
    fake_openai.set_time(1_700_000_000)
    assert threads.create().created_at == 1_700_000_000


@pytest.mark.fake_openai(start_time=1_600_000_000)
def test_the_marker_sets_where_the_clock_starts(fake_openai):
    assert fake_openai.client.beta.threads.create().created_at == 1_600_000_000


def test_created_at_follows_freezegun_while_it_freezes_time(fake_openai):
    from freezegun import freeze_time

    with freeze_time("2024-03-01 12:00:00") as frozen:
        first = fake_openai.client.beta.threads.create()
        frozen.tick(dt.timedelta(seconds=30))
        second = fake_openai.client.beta.threads.create()
    after = fake_openai.client.beta.threads.create()

    assert first.created_at == int(dt.datetime(2024, 3, 1, 12, tzinfo=dt.timezone.utc).timestamp())
    assert second.created_at == first.created_at + 30
    assert after.created_at == DEFAULT_EPOCH


def test_created_at_follows_time_machine_while_it_travels(fake_openai):
    time_machine = pytest.importorskip("time_machine")

    with time_machine.travel(dt.datetime(2024, 5, 6, tzinfo=dt.timezone.utc), tick=False):
        thread = fake_openai.client.beta.threads.create()

    assert thread.created_at == int(dt.datetime(2024, 5, 6, tzinfo=dt.timezone.utc).timestamp())


def test_request_ids_are_deterministic_too():
    def request_ids():
        client = FakeOpenAI().client
        return [client.beta.threads.with_raw_response.create().headers["x-request-id"] for _ in range(2)]

    assert request_ids() == request_ids()


@pytest.mark.parametrize("seed", [0, 7, "a test's own seed"])
def test_ids_are_the_characters_random_choices_picks_from_a_stream_seeded_with_seed_and_prefix(seed):
    """The ids on record are ``random.Random(f"{seed}:{prefix}").choices(alphabet, k=length)``:
    the factory picks them faster (request ids from one draw of 64 words), never other ones."""
    import random
    import string

    from fakeai.determinism import IdFactory

    factory = IdFactory(seed)
    requests, threads = random.Random(f"{seed}:req_"), random.Random(f"{seed}:thread_")
    for _ in range(2000):
        assert factory.request_id() == "req_" + "".join(requests.choices("0123456789abcdef", k=32))
        assert factory.new("thread_") == "thread_" + "".join(
            threads.choices(string.digits + string.ascii_letters, k=24))
