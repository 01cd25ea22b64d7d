"""The journal stays bounded: a ring of the last N requests, big bodies kept shortened with a note,
while lookups and the failing-test table keep working."""

from __future__ import annotations

import openai
import pytest

from fakeai import FakeOpenAI
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
