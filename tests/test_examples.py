"""Every file in examples/ runs as a user would run it."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_cli import Served, fakeai_command

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run(command, **env) -> str:
    result = subprocess.run(command, capture_output=True, text=True, timeout=120,
                            env={**os.environ, **env}, cwd=EXAMPLES)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_every_example_is_covered_here():
    covered = {"pytest_quickstart", "sdk_against_server.py", "curl_against_server.sh", "in_process_script.py",
               "streaming_event_handler.py", "controls", "admin_api.sh", "weather_assistant", "doc_qa_bot",
               "record_cassette.py", "cassettes"}
    assert {path.name for path in EXAMPLES.iterdir()} == covered


def test_the_pytest_quickstart_passes():
    out = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "pytest_quickstart"],
              OPENAI_API_KEY="")
    assert "3 passed" in out


@pytest.fixture
def server_env():
    with Served(fakeai_command(), "serve", "--port", "0", "--quiet") as served:
        yield {"OPENAI_BASE_URL": served.base_url, "OPENAI_API_KEY": "sk-anything"}
        served.stop()


def test_the_sdk_script_runs_unchanged_against_the_server(server_env):
    out = run([sys.executable, "sdk_against_server.py"], **server_env)
    assert "user : Explain quantum computing in simple terms." in out
    assert out.strip().endswith("deleted True")


def test_the_curl_script_runs_against_the_server(server_env):
    out = run(["bash", "curl_against_server.sh"], **server_env)
    assert '"object": "thread.deleted"' in out
    assert '"value": "Hello, what is AI?"' in out


def test_the_in_process_script_runs():
    assert "60 seconds later: One minute later." in run([sys.executable, "in_process_script.py"])


STREAMING_QUESTION = "I need to solve the equation `3x + 11 = 14`. Can you help me?"


def test_the_streaming_example_runs_unchanged_against_the_server(server_env):
    out = run([sys.executable, "streaming_event_handler.py"], **server_env)
    assert out == f"\nassistant > This is fakeai's default reply to: {STREAMING_QUESTION}\nrun completed\n"


def test_the_streaming_example_prints_code_interpreter_input_and_logs_as_they_stream(fake_openai, capsys):
    """The same handler, in-process, with a scripted code interpreter call before the reply."""
    spec = importlib.util.spec_from_file_location("streaming_event_handler", EXAMPLES / "streaming_event_handler.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    fake_openai.script.run_code("x = (14 - 11) / 3\nprint(x)", logs="1.0").then_reply("x = 1, Jane Doe.")

    example.main()

    assert capsys.readouterr().out == (
        "\nassistant > code_interpreter\n\n"
        "x = (14 - 11) / 3\nprint(x)"
        "\n\noutput >\n\n1.0\n"
        "\nassistant > x = 1, Jane Doe.\nrun completed\n")


def test_the_function_calling_example_passes():
    out = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "weather_assistant"],
              OPENAI_API_KEY="")
    assert "3 passed" in out


def test_the_file_search_example_passes():
    out = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "doc_qa_bot"], OPENAI_API_KEY="")
    assert "4 passed" in out


def test_the_controls_examples_pass():
    out = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "controls"], OPENAI_API_KEY="")
    assert "10 passed" in out


def test_the_admin_api_script_runs_against_the_server(server_env):
    out = run(["bash", "admin_api.sh"], **server_env)
    assert "first try: HTTP 429\nsecond try: HTTP 200\nrun: completed\nreply: Scripted over HTTP.\n" in out
    assert "  POST /v1/threads/runs 429 req_" in out


def exchanges(cassette: Path) -> list[tuple]:
    """What a vcrpy cassette's interactions asked and got (request headers and body formatting vary
    between SDK lines; the answers of a fresh server do not)."""
    import yaml

    return [(item["request"]["method"], item["request"]["uri"], item["response"]["status"]["code"],
             item["response"]["body"]["string"])
            for item in yaml.safe_load(cassette.read_text(encoding="utf-8"))["interactions"]]


def test_the_recording_script_records_again_the_cassette_that_fakeai_validate_passes(server_env, tmp_path):
    """A fresh server gives the same ids and times, and the script writes the API's host: what it
    records now is what examples/cassettes holds."""
    recorded = tmp_path / "session.yaml"
    out = run([sys.executable, "record_cassette.py", str(recorded)], **server_env)
    validated = subprocess.run([sys.executable, "-m", "fakeai", "validate", "cassettes"], capture_output=True,
                               text=True, timeout=60, cwd=EXAMPLES)

    assert out.startswith("user: My router keeps rebooting.\nassistant: ")
    assert exchanges(recorded) == exchanges(EXAMPLES / "cassettes" / "session.yaml")
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert validated.stdout.splitlines()[-1] == "5 interactions from 1 file: 5 passed, 0 violated the contract, 0 not emulated"


def test_the_examples_suite_recorded_with_fakeai_record_passes_fakeai_validate(tmp_path):
    recording = tmp_path / "examples.jsonl"
    out = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2",
               f"--fakeai-record={recording}", "pytest_quickstart", "weather_assistant", "doc_qa_bot", "controls"],
              OPENAI_API_KEY="")
    assert "20 passed" in out

    validated = subprocess.run([sys.executable, "-m", "fakeai", "validate", str(recording)], capture_output=True,
                               text=True, timeout=120)

    assert validated.returncode == 0, validated.stdout + validated.stderr
    summary = validated.stdout.splitlines()[-1]
    assert summary.endswith(" passed, 1 refused as the API refuses them, 0 violated the contract, 0 not emulated")
    # pytest_quickstart/test_support_bot.py sends a 600-character metadata value on purpose; the recording
    # shows the API's E19 refusal of it, word for word, so the contract held.
    [refused] = [line for line in validated.stdout.splitlines() if "refused as the API refuses  " in line]
    assert "POST /v1/threads" in refused
    assert refused.endswith("request body $.metadata.customer: Invalid 'metadata.customer': string too long. "
                            "Expected a string with maximum length 512, but got a string with length 600 instead. "
                            "(the API answers 400 invalid_request_error, param metadata.customer, "
                            "code string_above_max_length)")

    # The same recording with that refusal's words changed: the recording no longer shows the API's
    # refusal, so the request is a violation.
    edited = tmp_path / "edited.jsonl"
    edited.write_text(recording.read_text().replace("string too long. Expected", "string too long! Expected"))
    validated = subprocess.run([sys.executable, "-m", "fakeai", "validate", str(edited)], capture_output=True,
                               text=True, timeout=120)
    assert validated.returncode == 1
    assert validated.stdout.splitlines()[-1].endswith(" passed, 1 violated the contract, 0 not emulated")
