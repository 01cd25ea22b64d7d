"""The refusal oracle: every error the reference notes catalogue with a message (threads-api §10.2
E1-E32, files-vector-stores §9 F1-F20), and the E15-E26 patterns on other endpoints, sent through the
real SDK four ways (in-process and server, sync and async) and compared word for word with
tests/refusals.yaml, which is written from the notes and never from fakeai's catalog.

For each entry: the setup it names, then the request; the SDK must raise the exception class §10.1
gives for the status, with exactly the entry's status, message, type, param and code, and the
emulator's state must be as it was before the request.

The entries of a section run one after another in one test (with the emulator reset in between), so
the module stays fast; every entry that does not match is reported, one line each.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import openai
import pytest
import yaml

DATA = yaml.safe_load((Path(__file__).parent / "refusals.yaml").read_text(encoding="utf-8"))
SDK_EXCEPTIONS = DATA["sdk_exceptions"]
SECTIONS = DATA["sections"]

WEATHER = {"type": "function", "function": {
    "name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}
TIME = {"type": "function", "function": {
    "name": "get_time", "parameters": {"type": "object", "properties": {"zone": {"type": "string"}}}}}
TERMINAL = {"completed", "cancelled", "expired", "failed", "incomplete"}
ACCEPTED_KEY = "sk-the-only-good-key"


# --- setup steps the entries name -----------------------------------------------------------------

class Arrange:
    """Performs the named setup steps once each, recording the ids they make in ``ids``."""

    def __init__(self, api, backend):
        self.api = api
        self.backend = backend
        self.ids: dict[str, str] = {}
        self.done: set[str] = set()

    def __call__(self, *steps: str) -> None:
        for step in steps:
            if step not in self.done:
                self.done.add(step)
                getattr(self, step)()

    # Assistants and threads
    def assistant(self):
        self.ids["assistant"] = self.api.beta.assistants.create(model="gpt-4o", tools=[WEATHER, TIME]).id

    def thread(self):
        thread = self.api.beta.threads.create()
        self.ids["thread"] = thread.id
        self.ids["message"] = self.api.beta.threads.messages.create(
            thread.id, role="user", content="What is the weather in Paris?").id

    def deleted_thread(self):
        self("thread")
        self.api.beta.threads.delete(self.ids["thread"])

    # Runs, put where the entry needs them by the emulator's script
    def active_run(self):
        """A run just created: nothing has read it since, so it is still queued (api-notes §14.6)."""
        self("assistant", "thread")
        self.ids["run"] = self.api.beta.threads.runs.create(
            thread_id=self.ids["thread"], assistant_id=self.ids["assistant"]).id

    def waiting_run(self):
        """A run in requires_action on two function calls, {call_0} and {call_1}."""
        self("assistant", "thread")
        self.backend.emulator.script.call_functions(("get_weather", {"city": "Paris"}), ("get_time", {"zone": "CET"}))
        run = self.api.beta.threads.runs.create_and_poll(
            thread_id=self.ids["thread"], assistant_id=self.ids["assistant"])
        assert run.status == "requires_action", run.status
        self.ids["run"] = run.id
        for index, call in enumerate(run.required_action.submit_tool_outputs.tool_calls):
            self.ids[f"call_{index}"] = call.id

    def completed_run(self):
        self("assistant", "thread")
        run = self.api.beta.threads.runs.create_and_poll(
            thread_id=self.ids["thread"], assistant_id=self.ids["assistant"])
        assert run.status == "completed", run.status
        self.ids["run"] = run.id

    def cancelled_run(self):
        self("waiting_run")
        self.api.beta.threads.runs.cancel(self.ids["run"], thread_id=self.ids["thread"])
        self.settle("cancelled")

    def expired_run(self):
        self("waiting_run")
        self.backend.emulator.advance_time(601)  # past the run's expires_at (created_at + 600)
        self.settle("expired")

    def settle(self, status: str) -> None:
        for _ in range(10):
            run = self.api.beta.threads.runs.retrieve(self.ids["run"], thread_id=self.ids["thread"])
            if run.status in TERMINAL:
                break
        assert run.status == status, run.status

    # Files and vector stores
    def file(self):
        self.ids["file"] = self.api.files.create(
            file=("manual.txt", b"Hold the reset button for ten seconds."), purpose="assistants").id

    def user_data_file(self):
        self.ids["file"] = self.api.files.create(file=("notes.txt", b"Private notes."), purpose="user_data").id

    def deleted_file(self):
        self("file")
        self.api.files.delete(self.ids["file"])

    def csv_file(self):
        self.ids["csv_file"] = self.api.files.create(file=("table.csv", b"city,temp\nParis,21\n"),
                                                     purpose="assistants").id

    def vector_store(self):
        self.ids["vector_store"] = self.api.vector_stores.create(name="Manuals").id

    def expired_vector_store(self):
        self("vector_store")
        self.backend.emulator.expire_vector_store(self.ids["vector_store"])

    def batch(self):
        self("file", "vector_store")
        self.ids["batch"] = self.api.vector_stores.file_batches.create(
            vector_store_id=self.ids["vector_store"], file_ids=[self.ids["file"]]).id

    def cancelled_upload(self):
        upload = self.api.uploads.create(bytes=3, filename="part.jsonl", mime_type="text/jsonl", purpose="batch")
        self.ids["upload"] = upload.id
        self.api.uploads.cancel(upload.id)

    # Keys
    def only_another_key_accepted(self):
        self.backend.emulator.app.api_keys = {ACCEPTED_KEY}


# --- building and sending the request ---------------------------------------------------------------

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def fill(text: str, ids: dict) -> str:
    def named(match):
        if match.group(1) not in ids:
            raise KeyError(f"{match.group(0)} names nothing the setup made (setup: {sorted(ids)})")
        return ids[match.group(1)]
    return PLACEHOLDER.sub(named, text)


def build(value, ids):
    """The Python value a data value stands for (see the header of refusals.yaml)."""
    if value == "$omit":
        return openai.omit
    if isinstance(value, str):
        return fill(value, ids)
    if isinstance(value, list):
        return [build(item, ids) for item in value]
    if isinstance(value, dict):
        if "$text" in value:
            return "x" * value["$text"]
        if "$pairs" in value:
            return {f"key{i}": "v" for i in range(value["$pairs"])}
        if "$repeat" in value:
            return [copy.deepcopy(build(value["$repeat"], ids)) for _ in range(value["times"])]
        if "$file" in value:
            name, content = value["$file"]
            return (name, content.encode("utf-8"))
        return {key: build(item, ids) for key, item in value.items()}
    return value


def send(api, case: dict, ids: dict):
    if case["call"].startswith("GET "):
        return api.get(case["call"][4:], cast_to=object, options={"headers": {"OpenAI-Beta": "assistants=v2"}})
    method = api
    for name in case["call"].split("."):
        method = getattr(method, name)
    result = method(*build(case.get("args", []), ids), **build(case.get("kwargs", {}), ids))
    getattr(result, "data", None)  # a list page is fetched when first looked at (async paginators)
    return result


# --- one entry ----------------------------------------------------------------------------------------

def differences(api, backend, case: dict) -> list[str]:
    """What the answer to ``case`` got wrong, each as 'what: expected ..., got ...' (empty: all right)."""
    arrange = Arrange(api, backend)
    arrange(*case.get("setup", []))
    if "fault" in case:
        backend.emulator.faults.add(**case["fault"])
    before = backend.emulator.export_state()

    with pytest.raises(openai.APIStatusError) as raised:
        send(api, case, arrange.ids)

    error = raised.value
    ids = {**arrange.ids, "request_id": error.request_id}
    expected_body = {"message": fill(case["message"], ids), "type": case["type"],
                     "param": None if case["param"] is None else fill(case["param"], ids), "code": case["code"]}
    found = []
    if type(error).__name__ != SDK_EXCEPTIONS[case["status"]]:
        found.append(f"exception: expected {SDK_EXCEPTIONS[case['status']]}, got {type(error).__name__}")
    if error.status_code != case["status"]:
        found.append(f"status: expected {case['status']}, got {error.status_code}")
    if not isinstance(error.body, dict) or set(error.body) != set(expected_body):
        found.append(f"body: expected the keys {sorted(expected_body)}, got {error.body!r}")
    else:
        found += [f"{key}: expected {expected_body[key]!r}, got {error.body[key]!r}"
                  for key in expected_body if error.body[key] != expected_body[key]]
    for header, value in case.get("response_headers", {}).items():
        if error.response.headers.get(header) != value:
            found.append(f"header {header}: expected {value!r}, got {error.response.headers.get(header)!r}")
    if backend.emulator.export_state() != before:
        found.append("state: the refused request changed what the emulator holds")
    return found


@pytest.mark.parametrize("section", SECTIONS)
def test_every_catalogued_refusal_reaches_the_sdk_word_for_word(api, backend, section):
    accepted_keys = backend.emulator.app.api_keys
    report = []
    for case in SECTIONS[section]:
        backend.emulator.reset()
        try:
            found = differences(api, backend, case)
        except (Exception, pytest.fail.Exception) as failure:  # no refusal, or a setup that broke
            found = [f"{type(failure).__name__}: {str(failure).splitlines()[0] if str(failure) else ''}"]
        finally:
            backend.emulator.app.api_keys = accepted_keys
        report += [f"{case['id']}: {line}" for line in found]
    assert not report, f"{len(report)} difference(s) from the notes:\n" + "\n".join(report)


def test_the_oracle_names_each_entry_once_with_the_whole_answer():
    ids = [case["id"] for cases in SECTIONS.values() for case in cases]
    assert len(ids) == len(set(ids))
    for cases in SECTIONS.values():
        for case in cases:
            assert {"id", "call", "status", "message", "type", "param", "code"} <= set(case), case["id"]
            assert case["status"] in SDK_EXCEPTIONS, case["id"]
