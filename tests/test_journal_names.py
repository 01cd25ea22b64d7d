"""The journal is looked up by the spec's operationId or by the SDK's method, and a lookup that finds
nothing says what was received instead."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import openai
import pytest

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas" / "parameters"
SDK_METHODS = {path.stem: json.loads(path.read_text())["x-sdk-method"] for path in sorted(SCHEMAS.glob("*.json"))}


@pytest.mark.parametrize("operation", sorted(SDK_METHODS))
def test_every_sdk_method_the_journal_accepts_exists_in_the_installed_sdk(operation):
    client = openai.OpenAI(api_key="sk-names")
    method = functools.reduce(getattr, SDK_METHODS[operation].split("."), client)

    assert callable(method)


WEATHER = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]


def test_a_request_is_found_by_the_sdk_method_that_sent_it(fake_openai):
    client = fake_openai.client
    assistant = client.beta.assistants.create(model="gpt-4o", tools=WEATHER)
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "Weather?"}])
    fake_openai.script.call_function("get_weather", {"city": "Oslo"})
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
    [call] = run.required_action.submit_tool_outputs.tool_calls
    client.beta.threads.runs.submit_tool_outputs_and_poll(
        run_id=run.id, thread_id=thread.id, tool_outputs=[{"tool_call_id": call.id, "output": "cold"}])

    by_sdk = fake_openai.requests.last("beta.threads.runs.submit_tool_outputs")
    by_spec = fake_openai.requests.last("submitToolOuputsToRun")

    assert by_sdk is by_spec
    assert by_sdk.body["tool_outputs"] == [{"tool_call_id": call.id, "output": "cold"}]
    assert len(fake_openai.requests.filter("beta.threads.create")) == 1


def test_a_name_that_is_no_operation_is_refused_with_the_closest_one(fake_openai):
    with pytest.raises(LookupError) as refused:
        fake_openai.requests.last("submitToolOutputs")

    assert str(refused.value) == (
        "'submitToolOutputs' names no operation fakeai serves. Did you mean 'submitToolOuputsToRun'? Use the "
        "spec's operationId (e.g. 'createRun') or the SDK's method (e.g. 'beta.threads.runs.create').")


def test_a_lookup_that_finds_nothing_lists_what_was_received(fake_openai):
    client = fake_openai.client
    client.beta.threads.create()
    client.beta.threads.create()
    client.files.list()

    with pytest.raises(LookupError) as nothing:
        fake_openai.requests.last("createRun", status=200)

    assert str(nothing.value) == "no request matches createRun status=200; received: createThread x2, listFiles"
