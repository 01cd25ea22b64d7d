"""State controls: start from known objects, snapshot and restore, and fakeai's own clock."""

from pathlib import Path

import openai
import pytest

import summarizer

FIXTURES = Path(__file__).with_name("fixtures.json")


def test_start_from_known_objects(fake_openai):
    fake_openai.load(FIXTURES)  # or a dict; all or nothing

    [message] = summarizer.client.beta.threads.messages.list("thread_earlier")
    assert message.content[0].text.value == "An earlier text."
    assert summarizer.client.beta.assistants.retrieve("asst_summary").name == "Summariser"


def test_snapshot_and_restore(fake_openai):
    fake_openai.load(FIXTURES)
    snapshot = fake_openai.snapshot()
    summarizer.client.beta.threads.delete("thread_earlier")

    fake_openai.restore(snapshot)

    assert summarizer.client.beta.threads.retrieve("thread_earlier").metadata == {"app": "summarizer"}


def test_the_clock_moves_only_when_told(fake_openai):
    fake_openai.load(FIXTURES)
    fake_openai.set_time(1_767_225_600)  # 2026-01-01T00:00:00Z

    summarizer.summarise("asst_summary", "Some text.")
    fake_openai.advance_time(3600)
    summarizer.summarise("asst_summary", "More text.")

    runs = [entry.response for entry in fake_openai.requests.filter("createThreadAndRun")]
    assert [run["created_at"] for run in runs] == [1_767_225_600, 1_767_229_200]
    assert fake_openai.now() == 1_767_229_200  # nothing else moved it


def test_reset_and_seed(fake_openai):
    first = summarizer.client.beta.threads.create().id

    fake_openai.reset()  # everything forgotten; ids start over
    with pytest.raises(openai.NotFoundError):
        summarizer.client.beta.threads.retrieve(first)
    assert summarizer.client.beta.threads.create().id == first

    fake_openai.reset(seed=42)  # other ids, the same on every run
    assert summarizer.client.beta.threads.create().id != first


def test_the_whole_state_as_json(fake_openai):
    fake_openai.load(FIXTURES)

    state = fake_openai.export_state()  # print it when a test puzzles you

    assert [thread["thread"]["id"] for thread in state["threads"]] == ["thread_earlier"]
