"""``fakeai validate`` on traffic these tests record themselves: the openai SDK against a real fakeai
server, recorded by vcrpy and by a HAR-writing transport (tests/traffic.py), converted to the other
formats recorders write. Recorded traffic passes; the same traffic with one field broken per
interaction is reported at the right JSON path with the API's refusal, in the catalog's words
(written here from api-notes threads-api.md §10 and files-vector-stores.md, not from errors.py)."""

from __future__ import annotations

import copy
import datetime
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from fakeai.cli import main
from fakeai.contract.cassette_yaml import load_yaml
from tests import traffic

ROOT = Path(__file__).resolve().parents[1]
RECORDING_KEY = "sk-fakeai-validate-recording"

#: The operations of traffic.sdk_session, in the order the SDK sends them (the spec's operationIds).
SESSION_OPERATIONS = ["createAssistant", "createThread", "createMessage", "createRun", "getRun", "listMessages",
                      "createRun", "createFile", "cancelRun"]
IRE = "invalid_request_error"
THREAD = r"/v1/threads/thread_\w+"


@pytest.fixture(scope="module")
def recorded(fakeai_live_server, tmp_path_factory) -> dict[str, Path]:
    """The SDK session recorded once for this module against the plugin's live server (the one
    ``fake_openai_server`` serves), under a key of its own that is dropped afterwards."""
    emulator, base_url = fakeai_live_server
    try:
        return traffic.record(base_url, RECORDING_KEY, tmp_path_factory.mktemp("recorded"))
    finally:
        emulator.app.tenants.drop(RECORDING_KEY)


@pytest.fixture
def cassette(recorded) -> dict:
    """A fresh copy of the recorded vcrpy cassette, to change."""
    return yaml.safe_load(recorded["vcrpy-yaml"].read_text(encoding="utf-8"))


def validate(capsys, *args) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of ``fakeai validate ARGS`` run in this process."""
    status = main(["validate", *map(str, args)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def verdicts(capsys, *args) -> tuple[int, list[dict]]:
    status, out, _ = validate(capsys, "--format", "json", *args)
    return status, json.loads(out)["interactions"]


# --- every format's recording passes -----------------------------------------------------------

def converted(recorded: dict, folder: Path, kind: str) -> Path:
    """The recorded session in the shape ``kind`` names (converted from the vcrpy YAML cassette)."""
    if kind in recorded:
        return recorded[kind]
    cassette = yaml.safe_load(recorded["vcrpy-yaml"].read_text(encoding="utf-8"))
    path = folder / f"{kind}.cassette"
    if kind == "ruby-vcr-yaml":
        traffic.write_yaml(path, traffic.to_ruby_vcr(cassette))
    elif kind == "ruby-vcr-json-base64":
        path.write_text(json.dumps(traffic.to_ruby_vcr(cassette, base64_bodies=True)), encoding="utf-8")
    elif kind == "vcrpy-gzip":
        traffic.write_yaml(path, traffic.gzipped(cassette))
        assert "!!binary" in path.read_text(encoding="utf-8")
    elif kind == "vcrpy-first-httpx":
        traffic.write_yaml(path, traffic.as_first_httpx_cassettes(cassette))
    elif kind == "vcrpy-python-tags":
        path.write_text(traffic.with_python_tags(cassette), encoding="utf-8")
        assert "!!python/object/new:_io.BytesIO" in path.read_text(encoding="utf-8")
    elif kind == "fakeai-jsonl":
        path.write_text(traffic.to_fakeai_jsonl(cassette), encoding="utf-8")
    elif kind == "har-form-params":
        har = json.loads(recorded["har"].read_text(encoding="utf-8"))
        [upload] = [e for e in har["log"]["entries"] if e["request"]["url"].endswith("/v1/files")]
        upload["request"]["postData"] = {"mimeType": "multipart/form-data", "params": [
            {"name": "purpose", "value": "assistants"},
            {"name": "file", "fileName": "notes.txt", "contentType": "text/plain", "value": "Reset the router."}]}
        path.write_text(json.dumps(har), encoding="utf-8")
    return path


@pytest.mark.parametrize("kind", ["vcrpy-yaml", "vcrpy-json", "har", "ruby-vcr-yaml", "ruby-vcr-json-base64",
                                  "vcrpy-gzip", "vcrpy-first-httpx", "vcrpy-python-tags", "fakeai-jsonl",
                                  "har-form-params"])
def test_the_recorded_session_passes_in_every_format(recorded, tmp_path, capsys, kind):
    status, found = verdicts(capsys, converted(recorded, tmp_path, kind))

    assert status == 0
    assert [v["operation"] for v in found] == SESSION_OPERATIONS
    assert {v["verdict"] for v in found} == {"passed"}, [v for v in found if v["problems"]]
    assert all(v["status"] in (200, 400) for v in found)


def test_a_folder_and_a_glob_are_read_file_after_file(recorded, capsys):
    folder = recorded["har"].parent

    status, out, _ = validate(capsys, folder)
    _, by_glob, _ = validate(capsys, folder / "*.yaml")

    assert status == 0
    assert out.rstrip().splitlines()[-1] == "27 interactions from 3 files: 27 passed, 0 violated the contract, 0 not emulated"
    assert by_glob.rstrip().splitlines()[-1] == "9 interactions from 1 file: 9 passed, 0 violated the contract, 0 not emulated"


def test_yaml_cassettes_are_read_as_yaml_safe_load_reads_them(recorded):
    cassette = yaml.safe_load(recorded["vcrpy-yaml"].read_text(encoding="utf-8"))
    shared = {"anchored": ["once", "twice"]}
    documents = [yaml.safe_dump(cassette), yaml.safe_dump(traffic.gzipped(cassette)),
                 yaml.safe_dump(traffic.to_ruby_vcr(cassette, base64_bodies=True)),
                 yaml.safe_dump({"scalars": [1, -2, 2.5, True, False, None, "", "yes", "0x1F", "12", b"\x00\xff",
                                             datetime.date(2024, 4, 29), {"nested": ["a", {"b": None}]}],
                                 "first": shared, "again": shared}),
                 "plain: [yes, off, ~, 0x1F, 1_000, 2024-04-29, .inf]\n"]

    for text in documents:
        assert load_yaml(text) == yaml.safe_load(text)


# --- one field broken per interaction ----------------------------------------------------------

def broken(cassette: dict) -> dict:
    """Every interaction of the session with one field broken; see EXPECTED for what each gives."""
    find = traffic.interaction
    traffic.edit_request_json(find(cassette, "POST", "/v1/assistants"),
                              lambda body: body.update(metadata={"note": "x" * 513}))
    traffic.edit_request_json(find(cassette, "POST", "/v1/threads"), lambda body: body.update(colour="blue"))
    traffic.edit_request_json(find(cassette, "POST", THREAD + "/messages"),
                              lambda body: body["metadata"].update(source=7))
    run, streamed_run = find(cassette, "POST", THREAD + "/runs", 0), find(cassette, "POST", THREAD + "/runs", 1)
    run["request"]["uri"] = re.sub(r"thread_\w+", "undefined", run["request"]["uri"])
    traffic.edit_response_json(find(cassette, "GET", THREAD + r"/runs/run_\w+"), lambda body: body.pop("object"))
    listing = find(cassette, "GET", THREAD + "/messages")
    listing["request"]["uri"] = listing["request"]["uri"].replace("limit=5", "limit=101")
    traffic.edit_stream_event(streamed_run, "thread.run.created",
                              lambda data: data.pop("object"))
    upload = find(cassette, "POST", "/v1/files")
    upload["request"]["body"] = traffic.text(upload["request"]["body"]).replace(
        'name="purpose"\r\n\r\nassistants', 'name="purpose"\r\n\r\nnonsense')
    traffic.edit_response_json(find(cassette, "POST", THREAD + r"/runs/run_\w+/cancel"),
                               lambda body: body["error"].pop("param"))
    return cassette


def refusal(message: str, param: str | None, code: str | None) -> dict:
    return {"status": 400, "message": message, "type": IRE, "param": param, "code": code}


#: The first problem of each interaction of ``broken``, in session order.
EXPECTED = [
    {"where": "request body", "path": "$.metadata.note", "refusal": refusal(  # E19
        "Invalid 'metadata.note': string too long. Expected a string with maximum length 512, but got a string "
        "with length 513 instead.", "metadata.note", "string_above_max_length")},
    {"where": "request body", "path": "$.colour", "refusal": refusal(  # E15
        "Unknown parameter: 'colour'.", "colour", "unknown_parameter")},
    {"where": "request body", "path": "$.metadata.source", "refusal": refusal(  # E17
        "Invalid type for 'metadata.source': expected a string, but got an integer instead.", "metadata.source",
        "invalid_type")},
    {"where": "request path", "path": "thread_id", "refusal": refusal(  # E26
        "Invalid 'thread_id': 'undefined'. Expected an ID that begins with 'thread'.", "thread_id", "invalid_value")},
    {"where": "response body", "path": "$.object", "refusal": None,
     "message": "the required key 'object' is missing (RunObject)"},
    {"where": "request query", "path": "$.limit", "refusal": refusal(  # E21
        "Invalid 'limit': integer above maximum value. Expected a value <= 100, but got 101 instead.", "limit",
        "integer_above_max_value")},
    {"where": "response event 1 (thread.run.created)", "path": "$.object", "refusal": None,
     "message": "the required key 'object' is missing (RunObject)"},
    {"where": "request form", "path": "$.purpose", "refusal": refusal(  # files-vector-stores F3
        "'nonsense' is not one of ['fine-tune', 'assistants', 'batch', 'user_data', 'vision', 'evals'] - 'purpose'",
        "purpose", None)},
    {"where": "response body", "path": "$.error.param", "refusal": None,
     "message": "the required key 'param' is missing (ErrorResponse)"},
]


def test_each_broken_field_is_reported_at_its_json_path_with_the_apis_refusal(cassette, tmp_path, capsys):
    path = traffic.write_yaml(tmp_path / "broken.yaml", broken(cassette))

    status, found = verdicts(capsys, path)

    assert status == 1
    assert [v["verdict"] for v in found] == ["violated"] * len(EXPECTED)
    for verdict, expected in zip(found, EXPECTED):
        first = verdict["problems"][0]
        assert {key: first[key] for key in expected} == expected, verdict["source"]
        if first["refusal"]:  # the recording says the API took it: said, in case fakeai is the stricter one
            assert first["message"] == first["refusal"]["message"]
            assert verdict["notes"] == ["the recorded answer is 200: if the real API gave it, it accepted this "
                                        "request and fakeai's rule is stricter than the API was (please report it)"]


def test_the_table_has_a_row_per_interaction_with_its_first_problem_then_a_summary(cassette, tmp_path, capsys):
    path = traffic.write_yaml(tmp_path / "broken.yaml", broken(cassette))

    status, out, err = validate(capsys, path)

    lines = out.splitlines()
    assert status == 1 and err == ""
    assert lines[0].split() == ["source", "request", "verdict", "first", "problem"]
    rows = lines[2:2 + len(EXPECTED)]
    assert [row.split()[:2] for row in rows] == [[str(path), f"#{n}"] for n in range(1, len(EXPECTED) + 1)]
    assert all("  violated  " in row for row in rows)
    assert rows[1].split("  violated  ")[1].strip() == (
        "request body $.colour: Unknown parameter: 'colour'. (the API answers 400 invalid_request_error, "
        "param colour, code unknown_parameter)")
    assert lines[-1] == "9 interactions from 1 file: 0 passed, 9 violated the contract, 0 not emulated"


def test_the_retired_v1_beta_header_is_reported_and_its_v1_answer_not_checked_against_v2(cassette, tmp_path, capsys):
    thread = traffic.interaction(cassette, "POST", "/v1/threads")
    thread["request"]["headers"]["openai-beta"] = ["assistants=v1"]
    traffic.edit_response_json(thread, lambda body: body.update(file_ids=[]))  # a v1 thread's shape
    path = traffic.write_yaml(tmp_path / "v1.yaml", cassette)

    status, found = verdicts(capsys, path)

    assert status == 1
    [violated] = [v for v in found if v["verdict"] == "violated"]
    assert violated["source"] == f"{path} #{traffic.position(cassette, thread)}"
    assert violated["problems"] == [{"where": "request header", "path": "OpenAI-Beta", "message": violated[
        "problems"][0]["refusal"]["message"], "refusal": refusal(  # E14
        "The v1 Assistants API has been deprecated. Please try again by setting the header 'OpenAI-Beta: "
        "assistants=v2'. See the migration guide for more information: "
        "https://platform.openai.com/docs/assistants/migration.", None, "invalid_beta")}]
    assert violated["notes"] == ["answer not checked: it was given by the retired v1 Assistants API"]


def test_endpoints_fakeai_does_not_emulate_are_counted_and_listed_never_failed(cassette, tmp_path, capsys):
    chat = copy.deepcopy(cassette["interactions"][0])
    chat["request"]["uri"] = "https://api.openai.com/v1/chat/completions"
    elsewhere = copy.deepcopy(cassette["interactions"][1])
    elsewhere["request"]["uri"] = "https://example.com/v1/threads"
    cassette["interactions"] += [chat, elsewhere]
    path = traffic.write_yaml(tmp_path / "mixed.yaml", cassette)

    status, out, _ = validate(capsys, path)
    with_host, found = verdicts(capsys, "--api-host", "example.com", path)

    assert status == 0
    assert out.splitlines()[-1] == ("11 interactions from 1 file: 9 passed, 0 violated the contract, 2 not emulated "
                                    "(POST api.openai.com/v1/chat/completions, POST example.com/v1/threads)")
    assert f"{path} #10  POST api.openai.com/v1/chat/completions" in out
    assert with_host == 0 and [v["verdict"] for v in found[-2:]] == ["not emulated", "passed"]


def test_junit_xml_has_one_case_per_interaction_failures_with_their_problem_and_skips(cassette, tmp_path, capsys):
    broken(cassette)
    chat = copy.deepcopy(cassette["interactions"][0])
    chat["request"]["uri"] = "https://api.openai.com/v1/chat/completions"
    cassette["interactions"].append(chat)
    path = traffic.write_yaml(tmp_path / "broken.yaml", cassette)
    report = tmp_path / "reports" / "validate.xml"  # its folder is made

    status, _, _ = validate(capsys, "--junit-xml", report, path)

    root = ET.parse(report).getroot()
    cases = root.findall("./testsuite/testcase")
    assert status == 1
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("10", "9", "1")
    assert len(cases) == len(cassette["interactions"])
    assert [case.get("classname") for case in cases] == [str(path)] * 10
    failure = cases[1].find("failure")
    assert failure.get("type") == "unknown_parameter"
    assert failure.get("message").startswith("request body $.colour: Unknown parameter: 'colour'.")
    assert cases[9].find("skipped") is not None and cases[9].find("failure") is None


def test_github_actions_gets_an_error_annotation_per_violation(cassette, tmp_path, capsys, monkeypatch):
    thread = traffic.interaction(cassette, "POST", "/v1/threads")
    traffic.edit_request_json(thread, lambda body: body.update(colour="blue"))
    path = tmp_path / "session.jsonl"
    path.write_text(traffic.to_fakeai_jsonl(cassette), encoding="utf-8")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")

    status, out, _ = validate(capsys, path)
    _, json_out, json_err = validate(capsys, "--format", "json", path)

    [annotation] = [line for line in out.splitlines() if line.startswith("::")]
    assert status == 1
    assert annotation == (
        f"::error file={path},line=2,title=fakeai validate%3A POST /v1/threads ({path} line 2)::"
        "request body $.colour: Unknown parameter: 'colour'. (the API answers 400 invalid_request_error, "
        "param colour, code unknown_parameter)")
    assert json_err == annotation + "\n" and json.loads(json_out)["summary"]["violated"] == 1


def test_two_runs_on_the_same_files_print_the_same_bytes(cassette, tmp_path, capsys):
    path = traffic.write_yaml(tmp_path / "broken.yaml", broken(cassette))
    outputs = []
    for _ in range(2):
        report = tmp_path / f"report{len(outputs)}.xml"
        outputs.append((validate(capsys, path), validate(capsys, "--format", "json", path),
                        validate(capsys, "--junit-xml", report, path) and report.read_bytes()))

    assert outputs[0] == outputs[1]


# --- what cannot be read ----------------------------------------------------------------------

def run_cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "fakeai", "validate", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, timeout=60)


def test_python_m_fakeai_validate_checks_a_cassette(recorded):
    done = run_cli(recorded["vcrpy-yaml"])

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "9 interactions from 1 file: 9 passed, 0 violated the contract, 0 not emulated"


@pytest.mark.parametrize("content, says", [
    ("Meeting notes: bring the cassettes\n", "not a traffic file fakeai reads (fakeai JSON Lines, vcrpy"),
    ("{\"interactions\": [{\"request\": {\"method\": \"GET\"}}]}", "interaction #1: no 'uri' where a cassette has one"),
    ("a: [1, 2\n", "neither JSON nor YAML"),
    ("x: !!python/object/apply:os.system ['true']\n", "builds no Python or Ruby objects"),
], ids=["prose", "cassette without a uri", "broken YAML", "a Python object tag"])
def test_an_unreadable_file_is_one_line_naming_it_and_exit_status_2(tmp_path, content, says):
    path = tmp_path / "notes.yaml"
    path.write_text(content, encoding="utf-8")

    done = run_cli(path)

    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith(f"fakeai validate: {path}") and done.stderr.count("\n") == 1
    assert says in done.stderr


def test_a_compression_fakeai_cannot_undo_is_unreadable_not_a_violation(cassette, tmp_path, capsys):
    cassette["interactions"][0]["response"]["headers"]["content-encoding"] = ["compress"]
    path = traffic.write_yaml(tmp_path / "compressed.yaml", cassette)

    status, out, err = validate(capsys, path)

    assert status == 2 and out == ""
    assert err.startswith(f"fakeai validate: {path}: interaction #1: its body is compress-compressed")


def test_no_such_file_and_an_empty_folder_are_exit_status_2(tmp_path, capsys):
    assert validate(capsys, tmp_path / "missing.yaml") == (
        2, "", f"fakeai validate: {tmp_path / 'missing.yaml'}: no such file, folder or matching glob\n")
    assert validate(capsys, tmp_path) == (2, "", f"fakeai validate: no interactions in {tmp_path}: nothing was checked\n")
