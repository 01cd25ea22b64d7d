"""``fakeai replay``: a suite's recorded traffic (the real SDK, ``pytest --fakeai-record``, ids of
seed 7) sent again to fresh emulators (seed 0, so every id must be mapped), and exactly what an
edit of the recording changed reported."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from fakeai.cli import main
from tests.test_cli import fakeai_command
from tests.test_readme import environment
from tests.test_record import FILTER_LINES, streamed_reply_over_http

SUITE = '''
import openai
import pytest

TOOLS = [{"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}}}}]


def test_weather(fake_openai):
    client = fake_openai.client
    assistant = client.beta.assistants.create(model="gpt-4o", tools=TOOLS)
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "Weather in Paris?"}])
    fake_openai.script.call_function("get_weather", {"city": "Paris"}).then_reply("It is sunny in Paris.")
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
    [call] = run.required_action.submit_tool_outputs.tool_calls
    run = client.beta.threads.runs.submit_tool_outputs_and_poll(
        run_id=run.id, thread_id=thread.id, tool_outputs=[{"tool_call_id": call.id, "output": "21 C"}])
    question, answer = client.beta.threads.messages.list(thread.id, order="asc").data
    assert answer.content[0].text.value == "It is sunny in Paris."
    assert client.beta.threads.messages.list(thread.id, order="asc", after=question.id).data == [answer]


def test_cited_reply(fake_openai):
    client = fake_openai.client
    manual = client.files.create(file=("manual.txt", b"Hold the reset button."), purpose="assistants")
    assistant = client.beta.assistants.create(model="gpt-4o")
    thread = client.beta.threads.create()
    fake_openai.script.reply("See the manual [1].", annotations=[
        {"type": "file_citation", "text": "[1]", "file_id": manual.id}])
    client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
    [message] = client.beta.threads.messages.list(thread.id).data
    assert message.content[0].text.annotations[0].file_citation.file_id == manual.id


def test_stream(fake_openai):
    client = fake_openai.client
    assistant = client.beta.assistants.create(model="gpt-4o")
    thread = client.beta.threads.create()
    fake_openai.script.reply("A streamed answer.")
    with client.beta.threads.runs.stream(thread_id=thread.id, assistant_id=assistant.id) as stream:
        stream.until_done()


def test_refusals(fake_openai):
    with pytest.raises(openai.BadRequestError):
        fake_openai.client.beta.threads.create(extra_body={"bogus": 1})
    with pytest.raises(openai.NotFoundError):
        fake_openai.client.beta.threads.retrieve("thread_000000000000000000000000")
    deleted = fake_openai.client.beta.threads.create()
    fake_openai.client.beta.threads.delete(deleted.id)
    with pytest.raises(openai.NotFoundError):  # its message names the thread: read with the replay's id
        fake_openai.client.beta.threads.retrieve(deleted.id)


def test_unread_reply(fake_openai):
    client = fake_openai.client
    assistant = client.beta.assistants.create(model="gpt-4o")
    thread = client.beta.threads.create()
    client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
'''

#: The suite's requests, counted by hand from SUITE: weather 8 (assistant, thread, run, one poll to
#: requires_action, submit, one poll to completed, messages, messages after the question), cited reply 6 (upload, assistant,
#: thread, run, a poll, messages), stream 3, refusals 5 (a 400, a 404 for an id never made, a thread
#: made, deleted and read: a 404 naming it), unread reply 4.
INTERACTIONS = 26
#: The first thread a seed-0 emulator makes (README: the curl example).
SEED_0_FIRST_THREAD = "thread_LQvCtI44XXNxXRKJvOaLZ7Wv"


@pytest.fixture(scope="module")
def recording(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("replayed_suite")
    (directory / "pytest.ini").write_text(FILTER_LINES)
    (directory / "test_replay_suite.py").write_text(SUITE)
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly", "-n", "0",
                           "--fakeai-seed=7", "--fakeai-record=traffic.jsonl"],
                          cwd=directory, env=environment(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return directory / "traffic.jsonl"


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def edited(recording: Path, tmp_path: Path, edit) -> Path:
    """A copy of the recording with ``edit(records)`` applied."""
    lines = records(recording)
    edit(lines)
    copy = tmp_path / "edited.jsonl"
    copy.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return copy


def replayed(path: Path, capsys) -> tuple[int, dict]:
    status = main(["replay", str(path), "--format", "json"])
    return status, json.loads(capsys.readouterr().out)


def line_of(recording: Path, test: str, method: str, path_part: str) -> int:
    """The 1-based line of the first recorded request of ``test`` with this method, its path ending
    with ``path_part`` (or holding it, for a part that ends with a slash)."""
    return next(number for number, record in enumerate(records(recording), 1)
                if record["test"] == f"test_replay_suite.py::{test}" and record["request"]["method"] == method
                and (path_part in record["request"]["path"] if path_part.endswith("/")
                     else record["request"]["path"].endswith(path_part)))


def test_an_unedited_recording_replays_with_every_interaction_matching(recording):
    done = subprocess.run([fakeai_command(), "replay", str(recording)], capture_output=True, text=True,
                          env=environment(), timeout=120)

    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1] == f"{INTERACTIONS} interactions: {INTERACTIONS} match, 0 differs, " \
                                           "0 unreplayable, 0 unanswered"
    assert done.stderr == ""


def test_the_recording_has_ids_the_replay_cannot_have_made_itself(recording):
    thread_ids = [record["response"]["body"]["id"] for record in records(recording)
                  if record["request"]["path"] == "/v1/threads" and record["response"]["status"] == 200]

    assert SEED_0_FIRST_THREAD not in thread_ids  # so every later request's ids had to be mapped


def test_runs_are_scripted_from_what_the_recording_shows(recording, capsys):
    status, report = replayed(recording, capsys)
    lines = records(recording)
    weather = lines[line_of(recording, "test_weather", "POST", "/runs") - 1]["response"]["body"]["id"]
    cited = lines[line_of(recording, "test_cited_reply", "POST", "/runs") - 1]["response"]["body"]["id"]
    stream = lines[line_of(recording, "test_stream", "POST", "/runs") - 1]["response"]["events"][0]["data"]["id"]
    unread = lines[line_of(recording, "test_unread_reply", "POST", "/runs") - 1]["response"]["body"]["id"]

    notes = [note for result in report["interactions"] for note in result["notes"]]

    assert status == 0
    assert notes == [
        f"run {cited} scripted: reply 'See the manual [1].'",
        f"run {stream} scripted: reply 'A streamed answer.'",
        f"run {unread} not scripted: it completed, but the recording shows no message of it: fakeai's default "
        "reply was used",
        f"run {weather} scripted: call get_weather('{{\"city\": \"Paris\"}}') then reply 'It is sunny in Paris.'",
    ]


def remove_tool_resources_of_the_weather_thread(lines):
    [thread] = [line for line in lines if line["test"].endswith("test_weather") and
                line["request"]["path"] == "/v1/threads"]
    del thread["response"]["body"]["tool_resources"]


def make_a_poll_created_at_text(lines):
    poll = next(line for line in lines if line["test"].endswith("test_weather") and line["request"]["method"] == "GET")
    poll["response"]["body"]["created_at"] = "yesterday"


def change_the_unknown_parameter_message(lines):
    refusal = next(line for line in lines if line["response"]["status"] == 400)
    refusal["response"]["body"]["error"]["message"] = "Unknown parameter: bogus."


def add_a_key_to_the_first_assistant(lines):
    assistant = next(line for line in lines if line["request"]["path"] == "/v1/assistants")
    assistant["response"]["body"]["colour"] = "blue"


def remove_the_message_in_progress_event(lines):
    stream = next(line for line in lines if "events" in line["response"])
    stream["response"]["events"] = [event for event in stream["response"]["events"]
                                    if event["event"] != "thread.message.in_progress"]


def remove_usage_from_the_first_streamed_event(lines):
    stream = next(line for line in lines if "events" in line["response"])
    del stream["response"]["events"][0]["data"]["usage"]


@pytest.mark.parametrize("edit, where, difference", [
    (remove_tool_resources_of_the_weather_thread, ("test_weather", "POST", "/v1/threads"),
     {"kind": "extra", "path": "$.tool_resources", "recorded": None, "replayed": None}),
    (make_a_poll_created_at_text, ("test_weather", "GET", "/runs/"),
     {"kind": "type", "path": "$.created_at", "recorded": "string", "replayed": "number"}),
    (change_the_unknown_parameter_message, ("test_refusals", "POST", "/v1/threads"),
     {"kind": "error", "path": "$.error.message", "recorded": "Unknown parameter: bogus.",
      "replayed": "Unknown parameter: 'bogus'."}),
    (remove_usage_from_the_first_streamed_event, ("test_stream", "POST", "/runs"),
     {"kind": "extra", "path": "events[0](thread.run.created).usage", "recorded": None, "replayed": None}),
    (add_a_key_to_the_first_assistant, ("test_cited_reply", "POST", "/v1/assistants"),
     {"kind": "missing", "path": "$.colour", "recorded": None, "replayed": None}),
    (remove_the_message_in_progress_event, ("test_stream", "POST", "/runs"),
     {"kind": "extra-event", "path": "replayed events[6] thread.message.in_progress", "recorded": None,
      "replayed": None}),
], ids=["a key removed", "a type changed", "an error message changed", "a streamed event's key removed",
        "a key added", "an event removed"])
def test_an_edited_answer_is_reported_as_exactly_that_difference(recording, tmp_path, capsys, edit, where,
                                                                  difference):
    path = edited(recording, tmp_path, edit)
    number = line_of(path, *where)

    status, report = replayed(path, capsys)

    assert status == 1
    assert [(result["source"], result["outcome"], result["differences"]) for result in report["interactions"]
            if result["outcome"] != "match"] == [(f"{path} line {number}", "differs", [difference])]
    assert report["summary"] == {"interactions": INTERACTIONS, "match": INTERACTIONS - 1, "differs": 1,
                                 "unreplayable": 0, "unanswered": 0}


def test_the_table_names_the_difference_under_its_request(recording, tmp_path, capsys):
    path = edited(recording, tmp_path, change_the_unknown_parameter_message)

    status = main(["replay", str(path)])
    table = capsys.readouterr().out.splitlines()

    assert status == 1
    row = next(index for index, line in enumerate(table) if line.strip().endswith("differs"))
    assert table[row].split() == [str(path), "line", str(line_of(path, "test_refusals", "POST", "/v1/threads")),
                                  "POST", "/v1/threads", "400", "->", "400", "differs"]
    assert table[row + 1] == """      error $.error.message: recorded 'Unknown parameter: bogus.', replayed "Unknown parameter: 'bogus'.\""""
    assert table[-1] == f"{INTERACTIONS} interactions: {INTERACTIONS - 1} match, 1 differs, 0 unreplayable, " \
                        "0 unanswered"


def test_an_id_no_answer_created_is_unreplayable_not_guessed(recording, tmp_path, capsys):
    def name_a_thread_never_created(lines):
        [listing] = [line for line in lines if line["test"].endswith("test_weather") and "after=" in
                     line["request"]["query"]]  # the last request of its test: no later one depends on it
        listing["request"]["path"] = "/v1/threads/thread_neverCreatedByThisSuite00/messages"

    path = edited(recording, tmp_path, name_a_thread_never_created)

    status, report = replayed(path, capsys)

    assert status == 1
    assert [(result["path"], result["outcome"], result["why"], result["replayed_status"])
            for result in report["interactions"] if result["outcome"] != "match"] == [
        ("/v1/threads/thread_neverCreatedByThisSuite00/messages", "unreplayable",
         "it uses thread_neverCreatedByThisSuite00, which no earlier answer of this replay created", None)]


@pytest.mark.parametrize("content, message", [
    (None, "no-such.jsonl: no such file, folder or matching glob"),
    ("", "{path} holds no interactions to replay"),
    ("not json\n", "{path}: not a traffic file fakeai reads (fakeai JSON Lines, vcrpy / pytest-recording "
                    "cassettes (YAML or JSON), Ruby VCR cassettes (YAML or JSON), HAR 1.2)"),
], ids=["missing", "empty", "not traffic"])
def test_input_replay_cannot_read_is_one_line_and_exit_status_2(tmp_path, content, message):
    path = tmp_path / "no-such.jsonl"
    if content is not None:
        path = tmp_path / "traffic.jsonl"
        path.write_text(content)

    done = subprocess.run([fakeai_command(), "replay", str(path) if content is not None else "no-such.jsonl"],
                          capture_output=True, text=True, env=environment(), cwd=tmp_path, timeout=60)

    assert done.returncode == 2
    assert done.stderr == f"fakeai replay: error: {message.format(path=path)}\n"
    assert done.stdout == ""


def test_a_servers_recording_replays_in_one_emulator_with_its_runs_scripted(tmp_path, capsys):
    recording = tmp_path / "server.jsonl"
    with streamed_reply_over_http(recording, "sk-replay-test-0123456789abcdef", "Scripted over HTTP.",
                                  "--seed", "7") as (served, client, thread):
        client.beta.threads.messages.list(thread.id)
        served.stop()

    status, report = replayed(recording, capsys)

    assert status == 0, report
    assert report["summary"] == {"interactions": 4, "match": 4, "differs": 0, "unreplayable": 0, "unanswered": 0}
    assert {result["test"] for result in report["interactions"]} == {None}
    [note] = [note for result in report["interactions"] for note in result["notes"]]
    assert note.endswith(" scripted: reply 'Scripted over HTTP.'")


def test_an_upload_the_recording_kept_as_a_summary_is_unreplayable(recording, tmp_path, capsys):
    reason = "an upload over the recording's limit of 1,048,576 bytes: only its summary is kept"

    def keep_only_a_summary(lines):
        upload = next(line for line in lines if line["request"]["path"] == "/v1/files")
        del upload["request"]["body_text"]
        upload["request"]["body_omitted"] = {"bytes": 2_000_000, "reason": reason}

    path = edited(recording, tmp_path, keep_only_a_summary)

    status, report = replayed(path, capsys)

    upload = next(result for result in report["interactions"] if result["path"] == "/v1/files")
    assert status == 1
    assert (upload["outcome"], upload["why"]) == ("unreplayable", f"the recording kept no body for it: {reason}")
