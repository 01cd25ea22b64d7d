"""Recording traffic: ``pytest --fakeai-record=FILE`` (every worker into one file, the same bytes
every run) and ``fakeai serve --record FILE`` (a flushed line per request), in fakeai's JSON Lines
format, with the real SDK over the real transports."""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import openai
import pytest

from fakeai import FakeOpenAI
from fakeai.app import RawRequest
from fakeai.contract.readers import load
from fakeai.contract.recording import LineWriter, Recorder
from tests.test_cli import Served, fakeai_command
from tests.test_readme import environment

FILTER_LINES = """[pytest]
filterwarnings =
    error
    ignore:The Assistants API is deprecated:DeprecationWarning
    ignore:deprecated:DeprecationWarning
"""

SUITE = '''
import openai


def test_a_thread(fake_openai):
    thread = fake_openai.client.beta.threads.create(metadata={"topic": "recording"})
    fake_openai.client.beta.threads.retrieve(thread.id)


def test_an_upload(fake_openai):
    fake_openai.client.files.create(file=("notes.txt", b"hello"), purpose="assistants")


def test_a_big_upload(fake_openai):
    fake_openai.client.files.create(file=("big.txt", b"x" * 1_100_000), purpose="assistants")


def test_over_http(fake_openai_server):
    openai.OpenAI().beta.threads.create()
'''

#: The key the fake_openai fixture's clients send (fakeai.emulator.DEFAULT_API_KEY), masked as the
#: API masks a key (E12): its first 8 and last 4 characters, a star for each of the 26 between.
DEFAULT_KEY = "sk-fakeai-0000000000000000000000000000"
DEFAULT_KEY_MASKED = "Bearer sk-fakea**************************0000"


def run_suite(directory: Path, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly", *options],
                          cwd=directory, env=environment(), capture_output=True, text=True, timeout=300)


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def suite(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("recorded_suite")
    (directory / "pytest.ini").write_text(FILTER_LINES)
    (directory / "test_suite.py").write_text(SUITE)
    return directory


@pytest.fixture(scope="module")
def recorded_twice(suite) -> tuple[bytes, bytes, str]:
    """The suite recorded twice under two pytest-xdist workers: (first file, second file, output)."""
    outputs = []
    for name in ("first.jsonl", "second.jsonl"):
        done = run_suite(suite, "-n", "2", f"--fakeai-record={name}")
        assert done.returncode == 0, done.stdout + done.stderr
        outputs.append(done.stdout)
    return (suite / "first.jsonl").read_bytes(), (suite / "second.jsonl").read_bytes(), outputs[0]


def test_every_workers_traffic_is_in_the_one_file_ordered_by_test_then_request(recorded_twice, suite):
    first, _, output = recorded_twice

    assert [(record["test"], record["request"]["method"], record["request"]["path"])
            for record in records(suite / "first.jsonl")] == [
        ("test_suite.py::test_a_big_upload", "POST", "/v1/files"),
        ("test_suite.py::test_a_thread", "POST", "/v1/threads"),
        ("test_suite.py::test_a_thread", "GET", "/v1/threads/thread_LQvCtI44XXNxXRKJvOaLZ7Wv"),
        ("test_suite.py::test_an_upload", "POST", "/v1/files"),
        ("test_suite.py::test_over_http", "POST", "/v1/threads"),
    ]
    assert f"fakeai: 5 requests of 4 tests recorded to {suite / 'first.jsonl'}" in output
    assert sorted(path.name for path in suite.iterdir() if path.name.startswith(".")) == []  # no parts left


def test_recording_a_suite_twice_gives_identical_bytes(recorded_twice):
    first, second, _ = recorded_twice

    assert first == second


def test_a_record_holds_the_request_and_answer_as_sent_with_the_key_masked(recorded_twice, suite):
    thread_create = records(suite / "first.jsonl")[1]

    assert thread_create["fakeai_traffic"] == 1
    assert thread_create["request"]["headers"]["authorization"] == DEFAULT_KEY_MASKED
    assert thread_create["request"]["headers"]["host"] == "api.openai.com"
    assert thread_create["request"]["body"] == {"metadata": {"topic": "recording"}}
    assert thread_create["response"] == {
        "status": 200,
        "headers": {"content-type": "application/json", "x-request-id": "req_3a42dd75aeabbec5b522393399681b3c",
                    "openai-version": "2020-10-01", "openai-processing-ms": "0"},
        "body": {"id": "thread_LQvCtI44XXNxXRKJvOaLZ7Wv", "object": "thread", "created_at": 1735689600,
                 "metadata": {"topic": "recording"}, "tool_resources": {}}}
    assert DEFAULT_KEY.encode() not in recorded_twice[0]


def test_a_server_fixtures_requests_are_its_tests_and_its_host_has_no_port(recorded_twice, suite):
    over_http = records(suite / "first.jsonl")[4]

    assert over_http["test"] == "test_suite.py::test_over_http"
    assert over_http["request"]["headers"]["host"] == "127.0.0.1"
    assert over_http["request"]["headers"]["authorization"].startswith("Bearer sk-fakea****")


def test_an_upload_keeps_its_bytes_with_a_fixed_boundary(recorded_twice, suite):
    upload = records(suite / "first.jsonl")[3]["request"]

    assert upload["headers"]["content-type"] == "multipart/form-data; boundary=fakeai-recorded-boundary-fakeai-"
    assert upload["body_text"] == (
        '--fakeai-recorded-boundary-fakeai-\r\nContent-Disposition: form-data; name="purpose"\r\n\r\n'
        'assistants\r\n--fakeai-recorded-boundary-fakeai-\r\nContent-Disposition: form-data; name="file"; '
        'filename="notes.txt"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--fakeai-recorded-boundary-fakeai---\r\n')


def test_an_upload_over_the_limit_is_a_summary_that_says_so(recorded_twice, suite):
    upload = records(suite / "first.jsonl")[0]["request"]

    assert "body_text" not in upload and "body_base64" not in upload
    assert upload["body_omitted"]["reason"] == ("an upload over the recording's limit of 1,048,576 bytes: "
                                                "only its summary is kept")
    assert upload["body_omitted"]["summary"] == {"purpose": "assistants",
                                                 "file": {"filename": "big.txt", "bytes": 1_100_000}}
    assert upload["body_omitted"]["bytes"] > 1_100_000
    assert upload["headers"]["content-type"] == "multipart/form-data; boundary=fakeai-recorded-boundary-fakeai-"


def test_a_record_target_in_a_missing_folder_is_a_usage_error(suite):
    done = run_suite(suite, "-n", "0", "--fakeai-record=no-such-folder/traffic.jsonl")

    assert done.returncode == 4
    assert (f"ERROR: --fakeai-record=no-such-folder/traffic.jsonl: there is no folder "
            f"{suite / 'no-such-folder'} to write it in") in done.stderr


def test_the_option_is_in_pytest_help(suite):
    done = run_suite(suite, "--help")

    assert "--fakeai-record=FILE" in done.stdout


# --- fakeai serve --record --------------------------------------------------------------------

#: api-notes §9.3: a created run streamed to its plain text reply (one delta: 16 characters).
REPLY_EVENTS = ["thread.run.created", "thread.run.queued", "thread.run.in_progress", "thread.run.step.created",
                "thread.run.step.in_progress", "thread.message.created", "thread.message.in_progress",
                "thread.message.delta", "thread.message.completed", "thread.run.step.completed",
                "thread.run.completed", "done"]


@contextlib.contextmanager
def streamed_reply_over_http(recording: Path, key: str, reply: str, *options: str):
    """``fakeai serve --record``: a run of a new assistant and thread streamed to ``reply`` (scripted
    over the admin API, which is not recorded). Gives (the server, a client of ``key``, the thread)."""
    with Served(fakeai_command(), "serve", "--port", "0", "--quiet", *options, "--record", str(recording)) as served:
        client = openai.OpenAI(base_url=served.base_url, api_key=key, max_retries=0)
        httpx.post(served.base_url.removesuffix("/v1") + "/_fakeai/script", headers={"Authorization": f"Bearer {key}"},
                   json={"actions": [{"reply": reply}]}).raise_for_status()
        assistant = client.beta.assistants.create(model="gpt-4o")
        thread = client.beta.threads.create()
        for _ in client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id, stream=True):
            pass
        yield served, client, thread


def test_a_server_records_each_request_as_it_is_served_and_a_killed_server_leaves_whole_lines(tmp_path):
    recording = tmp_path / "server.jsonl"
    key = "sk-record-test-0123456789abcdef"
    with streamed_reply_over_http(recording, key, "Hello over HTTP.") as (served, client, thread):
        with pytest.raises(openai.NotFoundError):
            client.beta.threads.retrieve("thread_000000000000000000000000")

        while_serving = records(recording)
        served.process.send_signal(signal.SIGKILL)
        served.process.wait(timeout=10)

    assert [(r["request"]["method"], r["request"]["path"], r["response"]["status"]) for r in while_serving] == [
        ("POST", "/v1/assistants", 200), ("POST", "/v1/threads", 200),
        ("POST", f"/v1/threads/{thread.id}/runs", 200), ("GET", "/v1/threads/thread_000000000000000000000000", 404)]
    assert "test" not in while_serving[0]
    assert [event["event"] for event in while_serving[2]["response"]["events"]] == REPLY_EVENTS
    assert while_serving[2]["response"]["events"][7]["data"]["delta"]["content"][0]["text"]["value"] == \
        "Hello over HTTP."
    assert while_serving[3]["response"]["body"] == {"error": {
        "message": "No thread found with id 'thread_000000000000000000000000'.",
        "type": "invalid_request_error", "param": None, "code": None}}
    assert while_serving[3]["request"]["headers"]["authorization"] == "Bearer sk-recor*******************cdef"
    assert key not in recording.read_text()
    assert [interaction.status for interaction in load([str(recording)])] == [200, 200, 200, 404]


def test_serve_refuses_a_recording_it_cannot_write_in_one_line(tmp_path):
    target = tmp_path / "no-such-folder" / "traffic.jsonl"
    done = subprocess.run([fakeai_command(), "serve", "--port", "0", "--record", str(target)],
                          capture_output=True, text=True, timeout=60)

    assert done.returncode == 2
    assert done.stderr == f"fakeai serve: error: --record {target}: cannot write it: No such file or directory\n"


# --- the recorder itself ------------------------------------------------------------------------

def test_an_emulator_nobody_records_keeps_the_plain_handle(request):
    if request.config.getoption("fakeai_record"):
        pytest.skip("this run records every fake_openai test")
    assert "handle" not in vars(FakeOpenAI().app)


def test_a_stream_the_client_closes_early_is_recorded_with_the_events_sent_and_why(tmp_path):
    emulator = FakeOpenAI()
    recording = tmp_path / "closed.jsonl"
    writer = LineWriter(open(recording, "w", encoding="utf-8"))
    Recorder(writer).attach(emulator.app)
    assistant = emulator.client.beta.assistants.create(model="gpt-4o")
    thread = emulator.client.beta.threads.create()
    emulator.script.reply("A reply nobody reads to its end.")

    answer = emulator.app.handle(RawRequest(
        "POST", f"/v1/threads/{thread.id}/runs", headers={
            "authorization": f"Bearer {DEFAULT_KEY}", "openai-beta": "assistants=v2",
            "content-type": "application/json"},
        body=json.dumps({"assistant_id": assistant.id, "stream": True}).encode()))
    next(answer.body)
    answer.body.close()
    writer.close()

    closed = records(recording)[-1]["response"]
    assert closed["interrupted"] == "the client closed the stream before its end"
    assert [event["event"] for event in closed["events"]] == ["thread.run.created"]
