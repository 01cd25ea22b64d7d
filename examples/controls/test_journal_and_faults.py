"""The request journal and fault injection: assert on what your code sent, and see how it copes
when the API fails (the SDK retries 408, 409, 429 and 5xx by itself)."""

from pathlib import Path

import openai
import pytest

import summarizer

FIXTURES = Path(__file__).with_name("fixtures.json")


@pytest.fixture
def assistant(fake_openai):
    fake_openai.load(FIXTURES)  # asst_summary, with a known id
    return "asst_summary"


def test_the_code_sends_its_instructions_and_the_text(fake_openai, assistant):
    fake_openai.script.reply("A short summary.")

    assert summarizer.summarise(assistant, "A long text about many things.") == "A short summary."

    sent = fake_openai.requests.last("createThreadAndRun").body
    assert sent["instructions"] == summarizer.INSTRUCTIONS
    assert sent["thread"]["messages"] == [{"role": "user", "content": "A long text about many things."}]
    assert fake_openai.requests.last("listMessages").query["run_id"].startswith("run_")


def test_a_rate_limit_is_retried_by_the_sdk(fake_openai, assistant):
    fake_openai.faults.add(status=429, retry_after_ms=1, path="/threads/runs")  # once

    summarizer.summarise(assistant, "Some text.")

    attempts = fake_openai.requests.filter("createThreadAndRun")
    assert [attempt.status for attempt in attempts] == [429, 200]
    assert [attempt.headers["x-stainless-retry-count"] for attempt in attempts] == ["0", "1"]


def test_when_the_api_keeps_failing_the_caller_sees_the_error(fake_openai, assistant):
    fake_openai.faults.add(status=503, retry_after_ms=1, times=None)  # every request, from now on

    with pytest.raises(openai.InternalServerError):
        summarizer.summarise(assistant, "Some text.")

    assert len(fake_openai.requests) == 3  # the first try and the SDK's two retries


def test_a_failed_run_is_reported(fake_openai, assistant):
    fake_openai.script.fail("rate_limit_exceeded", "Slow down.")

    with pytest.raises(RuntimeError, match="failed"):
        summarizer.summarise(assistant, "Some text.")


def test_the_journal_reads_as_a_table(fake_openai, assistant):
    summarizer.summarise(assistant, "Some text.")

    table = fake_openai.requests.table()  # what a failing test's report shows under "fakeai requests"
    assert [row.split()[1] for row in table.splitlines()[1:]] == ["POST", "GET", "GET"]
