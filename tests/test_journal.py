"""The journal stays bounded: a ring of the last N requests, big bodies kept shortened with a note,
while lookups and the failing-test table keep working."""

from __future__ import annotations

import json

import openai
import pytest

from fakeai import FakeOpenAI
from fakeai.journal import Entry, Journal
from fakeai.cli import build_parser
from tests.sdk import raw_body

LONG_TEXT = "x" * 200_000
#: What the journal keeps of a string it shortens: its first 1,024 characters and this note.
SHORTENED = "x" * 1024 + "... [fakeai journal: 200,000 characters, the first 1,024 kept]"


def test_the_journal_keeps_the_last_requests_and_numbers_them_from_the_first():
    emulator = FakeOpenAI(journal_size=3)
    sdk = emulator.client
    threads = [sdk.beta.threads.create(metadata={"n": str(n)}) for n in range(5)]

    journal = emulator.requests
    assert len(journal) == 3 and journal.dropped == 2
    assert [entry.body for entry in journal] == [{"metadata": {"n": "2"}}, {"metadata": {"n": "3"}},
                                                 {"metadata": {"n": "4"}}]
    assert journal.last("createThread").response["id"] == threads[-1].id
    lines = journal.table().splitlines()
    assert [line.split()[0] for line in lines[1:4]] == ["3", "4", "5"]
    assert lines[-1] == "(2 earlier requests dropped: the journal keeps the last 3)"

    journal.clear()
    sdk.beta.threads.create()
    assert journal.dropped == 0 and journal.table().splitlines()[1].split()[0] == "1"


def held_bytes(entry) -> int:
    """What an entry holds, counted here from what it shows: its bodies and each event's JSON."""
    events = sum(len(name) + len(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode())
                 for name, data in entry.events)
    return len(entry.raw_body) + len(entry.raw_response) + events


def test_the_journal_keeps_at_most_its_bytes_dropping_the_oldest_requests():
    emulator = FakeOpenAI()
    journal = emulator.requests
    journal.max_bytes = 20_000
    sdk = emulator.client
    thread = sdk.beta.threads.create()
    messages = [sdk.beta.threads.messages.create(thread.id, role="user", content=f"{n} " + "y" * 3_000)
                for n in range(6)]

    kept = sum(held_bytes(entry) for entry in journal)
    assert journal.bytes == kept <= 20_000
    assert len(journal) + journal.dropped == 7 and 1 < len(journal) < 7
    assert kept + held_bytes(journal[0]) > 20_000 - 7_000  # no more dropped than needed: about one entry
    assert [entry.response["id"] for entry in journal] == [message.id for message in messages[-len(journal):]]
    assert journal.table().splitlines()[-1] == (
        f"({journal.dropped} earlier requests dropped: the journal keeps 20,000 bytes of bodies and streamed events)")


def test_a_streams_events_are_journaled_as_sent_and_count_towards_the_bytes(fake_openai):
    sdk = openai.OpenAI()
    assistant = sdk.beta.assistants.create(model="gpt-4o")
    thread = sdk.beta.threads.create(messages=[{"role": "user", "content": "Hi"}])
    fake_openai.script.reply("Hello! " * 200)

    received = [(event.event, event.data.to_dict()) for event in sdk.beta.threads.runs.create(
        thread.id, assistant_id=assistant.id, stream=True)]

    journal = fake_openai.requests
    entry = journal.last("createRun")
    assert entry.events == received and len(received) > 20
    assert journal.bytes == sum(held_bytes(entry) for entry in journal)

    journal.max_bytes = held_bytes(entry) - 1  # too much even for the stream alone: the newest stays
    sdk.beta.threads.retrieve(thread.id)
    assert [entry.operation for entry in journal] == ["getThread"]
    assert journal.bytes == held_bytes(journal[0])


def test_a_stream_dropped_from_the_journal_while_it_sends_counts_no_more():
    # On a server a stream goes on sending after its request was answered, while other requests of
    # the same key are journaled: here that order is played directly on the journal.
    journal = Journal(max_bytes=100)
    streaming = Entry("POST", "/v1/threads/thread_1/runs", "", {}, b'{"stream":true}', 0, "req_1")
    journal.append(streaming)
    streaming.streams()
    streaming.record_event("thread.run.created", b'{"id":"run_1"}')
    later = Entry("GET", "/v1/assistants/asst_1", "", {}, b"", 1, "req_2")
    journal.append(later)
    later.raw_response = b"r" * 80  # 80 + the stream's 47 bytes: over 100, so the stream goes

    streaming.record_event("thread.run.completed", b"c" * 60)

    assert list(journal) == [later] and journal.dropped == 1
    assert journal.bytes == 80


def test_a_filtered_journal_keeps_everything_it_matched(fake_openai):
    for _ in range(4):
        fake_openai.client.beta.threads.create()
    assert len(fake_openai.requests.filter("createThread")) == 4


def test_a_big_body_is_journaled_shortened_and_answered_whole(fake_openai):
    sdk = openai.OpenAI()
    thread = sdk.beta.threads.create()

    message = sdk.beta.threads.messages.create(thread.id, role="user", content=LONG_TEXT)

    assert message.content[0].text.value == LONG_TEXT  # the client gets all of it
    entry = fake_openai.requests.last("createMessage")
    assert entry.body == {"role": "user", "content": SHORTENED}
    assert entry.response["id"] == message.id
    assert entry.response["content"][0]["text"]["value"] == SHORTENED
    assert len(entry.raw_body) < 2_000 and len(entry.raw_response) < 3_000


def test_a_big_body_that_is_not_json_keeps_its_first_bytes_and_a_note(fake_openai):
    sdk = openai.OpenAI(max_retries=0)
    with pytest.raises(openai.BadRequestError):
        sdk.post("/threads", cast_to=object, options={"headers": {
            "OpenAI-Beta": "assistants=v2", "Content-Type": "application/json"}}, **raw_body(b"{" * 100_000))

    entry = fake_openai.requests.last(method="POST")
    assert entry.body == "{" * 65_536 + "... [fakeai journal: 100,000 bytes, the first 65,536 kept]"


@pytest.mark.parametrize("size", [0, -5, 2.5, "10"])
def test_the_journal_size_is_a_whole_number_of_requests(size):
    with pytest.raises(ValueError, match="journal_size"):
        FakeOpenAI(journal_size=size)


def test_the_server_takes_a_journal_size_and_a_tenant_ttl():
    parser = build_parser()
    args = parser.parse_args(["serve", "--journal-size", "500", "--tenant-ttl", "90"])
    assert (args.journal_size, args.tenant_ttl) == (500, 90.0)
    defaults = parser.parse_args(["serve"])
    assert (defaults.journal_size, defaults.tenant_ttl) == (10_000, None)
    for bad in (["--journal-size", "0"], ["--tenant-ttl", "0"], ["--tenant-ttl", "soon"], ["--tenant-ttl", "inf"]):
        with pytest.raises(SystemExit):
            parser.parse_args(["serve", *bad])
