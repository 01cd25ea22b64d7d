"""What recorded real traffic showed wins over the spec (api-notes threads-api §14), through the SDK
in-process and over the server, sync and async.

Expected values are literals written from the notes: the E6/E7/E8 texts of §10.2, the token counts
of fakeai's documented count (README: words and punctuation marks), the statuses of §8.
"""

from __future__ import annotations

import httpx
import openai
import pytest

from fakeai import FakeOpenAI
from tests.sdk import wire

QUESTION = "Tell me a long story about a dragon and a knight please."
#: The default reply to QUESTION, cut after 16 tokens ("This", "is", "fakeai", "'", "s", "default",
#: "reply", "to", ":", "Tell", "me", "a", "long", "story", "about", "a").
FIRST_16_TOKENS = "This is fakeai's default reply to: Tell me a long story about a"


def refusal(call, status: int = 400) -> dict:
    with pytest.raises(openai.APIStatusError) as raised:
        call()
    assert raised.value.status_code == status
    return raised.value.body


def started(api, **run_options):
    assistant = api.beta.assistants.create(model="gpt-4o")
    thread = api.beta.threads.create(messages=[{"role": "user", "content": QUESTION}])
    run = api.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id, **run_options)
    return assistant, thread, run


# --- token limits (§14.1) ---------------------------------------------------------------------------

def test_a_run_with_a_completion_budget_of_16_is_accepted_and_ends_incomplete_with_its_reply_cut(api, backend):
    _, thread, run = started(api, max_prompt_tokens=256, max_completion_tokens=16)
    assert (run.status, run.max_prompt_tokens, run.max_completion_tokens) == ("queued", 256, 16)

    done = api.beta.threads.runs.poll(run.id, thread_id=thread.id)

    stored = wire(api, f"/threads/{thread.id}/runs/{run.id}")
    assert (stored["status"], stored["incomplete_details"]) == ("incomplete", {"reason": "max_completion_tokens"})
    assert stored["usage"] == {"prompt_tokens": 13, "completion_tokens": 16, "total_tokens": 29}
    assert done.status == "incomplete"
    [reply, _] = api.beta.threads.messages.list(thread.id)
    reply = wire(api, f"/threads/{thread.id}/messages/{reply.id}")
    assert (reply["status"], reply["incomplete_details"]) == ("incomplete", {"reason": "max_tokens"})
    assert reply["content"][0]["text"]["value"] == FIRST_16_TOKENS
    assert reply["incomplete_at"] == backend.emulator.now()


def test_a_reply_of_exactly_its_budget_is_written_whole(api):
    _, thread, run = started(api, max_completion_tokens=22)  # 16 + dragon, and, a, knight, please, .

    assert api.beta.threads.runs.poll(run.id, thread_id=thread.id).status == "completed"
    [reply, _] = api.beta.threads.messages.list(thread.id)
    assert (reply.status, reply.content[0].text.value) == ("completed", FIRST_16_TOKENS + " dragon and a knight please.")


def test_a_prompt_over_its_budget_stops_the_run_before_it_writes(api):
    _, thread, run = started(api, max_prompt_tokens=12)

    done = api.beta.threads.runs.poll(run.id, thread_id=thread.id)

    assert (done.status, done.incomplete_details.reason) == ("incomplete", "max_prompt_tokens")
    assert [message.role for message in api.beta.threads.messages.list(thread.id)] == ["user"]


def test_create_thread_and_run_accepts_small_token_limits_too(api):
    assistant = api.beta.assistants.create(model="gpt-4o")

    run = api.beta.threads.create_and_run(assistant_id=assistant.id, max_completion_tokens=1,
                                          thread={"messages": [{"role": "user", "content": "Hi"}]})

    done = api.beta.threads.runs.poll(run.id, thread_id=run.thread_id)
    assert (done.status, done.incomplete_details.reason) == ("incomplete", "max_completion_tokens")
    [reply, _] = api.beta.threads.messages.list(run.thread_id)
    assert reply.content[0].text.value == "This"


def test_a_budget_of_zero_is_refused(api):
    assistant = api.beta.assistants.create(model="gpt-4o")
    thread = api.beta.threads.create()

    body = refusal(lambda: api.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id,
                                                         max_completion_tokens=0))

    assert body == {"message": "Invalid 'max_completion_tokens': integer below minimum value. Expected a value "
                               ">= 1, but got 0 instead.", "type": "invalid_request_error",
                    "param": "max_completion_tokens", "code": "integer_below_min_value"}
    assert api.beta.threads.runs.list(thread.id).data == []


# --- tool_resources and reasoning_effort on runs (§14.3) ---------------------------------------------

def test_runs_carry_reasoning_effort_and_tool_resources(api):
    reasoning = api.beta.assistants.create(model="o3-mini", reasoning_effort="low")
    thread = api.beta.threads.create()

    run = api.beta.threads.runs.create(thread_id=thread.id, assistant_id=reasoning.id)
    plain = api.beta.assistants.create(model="gpt-4o")
    api.beta.threads.runs.poll(run.id, thread_id=thread.id)
    other = api.beta.threads.runs.create(thread_id=thread.id, assistant_id=plain.id, reasoning_effort="high")

    assert {key: wire(api, f"/threads/{thread.id}/runs/{run.id}")[key]
            for key in ("reasoning_effort", "tool_resources")} == {"reasoning_effort": "low", "tool_resources": {}}
    assert wire(api, f"/threads/{thread.id}/runs/{other.id}")["reasoning_effort"] == "high"


def test_a_run_of_a_model_without_reasoning_effort_shows_null(api):
    _, thread, run = started(api)

    assert wire(api, f"/threads/{thread.id}/runs/{run.id}")["reasoning_effort"] is None


def test_create_thread_and_run_shows_its_tool_resources_on_the_run(api, known_files):
    assistant = api.beta.assistants.create(model="gpt-4o", tools=[{"type": "code_interpreter"}])

    run = api.beta.threads.create_and_run(assistant_id=assistant.id,
                                          tool_resources={"code_interpreter": {"file_ids": ["file-abc123"]}})

    assert wire(api, f"/threads/{run.thread_id}/runs/{run.id}")["tool_resources"] == {
        "code_interpreter": {"file_ids": ["file-abc123"]}}


# --- a run rests only when it is read (§14.6) ---------------------------------------------------------

def test_adding_a_message_right_after_a_run_is_created_is_refused(api):
    _, thread, run = started(api)

    body = refusal(lambda: api.beta.threads.messages.create(thread.id, role="user", content="One more thing"))

    assert body == {"message": f"Can't add messages to {thread.id} while a run {run.id} is active.",
                    "type": "invalid_request_error", "param": None, "code": None}


def test_starting_a_second_run_right_after_the_first_is_refused(api):
    assistant, thread, run = started(api)

    body = refusal(lambda: api.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id))

    assert body["message"] == f"Thread {thread.id} already has an active run {run.id}."


def test_cancelling_right_after_create_answers_cancelling_and_the_next_read_shows_cancelled(api):
    _, thread, run = started(api)

    cancelling = api.beta.threads.runs.cancel(run.id, thread_id=thread.id)

    assert cancelling.status == "cancelling"
    stored = wire(api, f"/threads/{thread.id}/runs/{run.id}")
    assert (stored["status"], stored["cancelled_at"] is not None) == ("cancelled", True)
    assert [message.role for message in api.beta.threads.messages.list(thread.id)] == ["user"]


def test_outputs_for_a_run_still_queued_are_refused(api):
    _, thread, run = started(api)

    body = refusal(lambda: api.beta.threads.runs.submit_tool_outputs(
        run.id, thread_id=thread.id, tool_outputs=[{"tool_call_id": "call_x", "output": "1"}]))

    assert body == {"message": 'Runs in status "queued" do not accept tool outputs.',
                    "type": "invalid_request_error", "param": None, "code": None}


def test_reading_the_thread_or_its_messages_does_not_move_a_run(api):
    _, thread, run = started(api)

    api.beta.threads.retrieve(thread.id)
    assert [message.role for message in api.beta.threads.messages.list(thread.id)] == ["user"]

    assert api.beta.threads.runs.retrieve(run.id, thread_id=thread.id).status == "completed"
    assert [message.role for message in api.beta.threads.messages.list(thread.id)] == ["assistant", "user"]


@pytest.mark.parametrize("read", ["list runs", "list steps"])
def test_listing_runs_or_steps_is_a_read_of_the_run(api, read):
    _, thread, run = started(api)

    if read == "list runs":
        [listed] = api.beta.threads.runs.list(thread.id)
        assert listed.status == "completed"
    else:
        [step] = api.beta.threads.runs.steps.list(run.id, thread_id=thread.id)
        assert step.type == "message_creation"
    assert wire(api, f"/threads/{thread.id}/runs/{run.id}")["status"] == "completed"


def test_the_poll_helpers_and_streams_see_runs_finish_with_no_sleep(api, backend, monkeypatch):
    slept = []
    for resource in (openai._resource.SyncAPIResource, openai._resource.AsyncAPIResource):
        monkeypatch.setattr(resource, "_sleep", lambda self, seconds, slept=slept: slept.append(seconds),
                            raising=False)
    assistant = api.beta.assistants.create(model="gpt-4o", tools=[{"type": "function", "function": {
        "name": "ping", "parameters": {"type": "object", "properties": {}}}}])
    thread = api.beta.threads.create(messages=[{"role": "user", "content": "Ping?"}])
    backend.emulator.script.call_function("ping", {}).then_reply("Pong.")

    waiting = api.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
    [call] = waiting.required_action.submit_tool_outputs.tool_calls
    done = api.beta.threads.runs.submit_tool_outputs_and_poll(
        run_id=waiting.id, thread_id=thread.id, tool_outputs=[{"tool_call_id": call.id, "output": "ok"}])

    assert (waiting.status, done.status) == ("requires_action", "completed")
    assert slept == []


# --- progression per tenant and per run ---------------------------------------------------------------

def test_one_slow_run_among_fast_ones_from_the_script():
    emulator = FakeOpenAI()
    client = emulator.client
    assistant = client.beta.assistants.create(model="gpt-4o")
    slow_thread = client.beta.threads.create(messages=[{"role": "user", "content": "slow"}])
    fast_thread = client.beta.threads.create(messages=[{"role": "user", "content": "fast"}])
    emulator.script.plan(thread_id=slow_thread.id, progression="reads:3").then_reply("Slowly.")

    slow = client.beta.threads.runs.create(thread_id=slow_thread.id, assistant_id=assistant.id)
    fast = client.beta.threads.runs.create(thread_id=fast_thread.id, assistant_id=assistant.id)

    assert [client.beta.threads.runs.retrieve(slow.id, thread_id=slow_thread.id).status for _ in range(3)] == [
        "in_progress", "in_progress", "completed"]
    assert client.beta.threads.runs.retrieve(fast.id, thread_id=fast_thread.id).status == "completed"


def test_a_bad_scripted_progression_is_refused_when_scripted():
    from fakeai.scripting import ScriptError

    with pytest.raises(ScriptError, match="progression must be 'immediate', 'reads:N' or 'seconds:N'"):
        FakeOpenAI().script.plan(progression="reads:0")


def test_progression_per_tenant_over_the_admin_api(live_server):
    live_server.emulator = emulator = FakeOpenAI(bugs="respond", namespaced=True)
    root = live_server.base_url.removesuffix("/v1")
    slow_key, fast_key = "sk-test-slow-0123456789", "sk-test-fast-0123456789"
    with httpx.Client(base_url=root, headers={"Authorization": f"Bearer {slow_key}"}) as admin:
        answer = admin.post("/_fakeai/progression", json={"progression": "reads:2"})
        assert (answer.status_code, answer.json()) == (200, {"progression": "reads:2", "tenant": {
            "key": "sk*********************", "project": None, "shared": False}})  # 23 characters: the first 2 show
        bad = admin.post("/_fakeai/progression", json={"progression": "sometimes"})
        assert bad.status_code == 400 and bad.json()["error"]["param"] == "progression"

    runs = {}
    for key in (slow_key, fast_key):
        client = openai.OpenAI(api_key=key, base_url=live_server.base_url, max_retries=0)
        assistant = client.beta.assistants.create(model="gpt-4o")
        thread = client.beta.threads.create(messages=[{"role": "user", "content": "Hi"}])
        run = client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id)
        runs[key] = client.beta.threads.runs.retrieve(run.id, thread_id=thread.id).status
        client.close()
    live_server.emulator = None

    assert runs == {slow_key: "in_progress", fast_key: "completed"}
    assert not emulator.problems


# --- validation holes ---------------------------------------------------------------------------------

E13 = {"message": "You must provide the 'OpenAI-Beta' header to access the Assistants API. Please try again by "
                  "setting the header 'OpenAI-Beta: assistants=v2'.",
       "type": "invalid_request_error", "param": None, "code": "invalid_beta"}


@pytest.mark.parametrize("value", ["assistants=v3", "assistants=v2x", "v2", "realtime=v1", "assistants"])
def test_any_beta_header_but_assistants_v2_is_refused(api, value):
    body = refusal(lambda: api.get("/assistants", cast_to=object, options={"headers": {"OpenAI-Beta": value}}))

    assert body == E13


def test_assistants_v2_in_a_comma_list_is_accepted(api):
    listed = api.get("/assistants", cast_to=object,
                     options={"headers": {"OpenAI-Beta": "realtime=v1, assistants=v2"}})

    assert listed["object"] == "list"


@pytest.mark.parametrize("path, name, value, prefix", [
    ("/threads/{thread}/runs/abc", "run_id", "abc", "run"),
    ("/threads/{thread}/runs/{run}/steps/abc", "step_id", "abc", "step"),
    ("/threads/{thread}/messages/abc", "message_id", "abc", "msg"),
    ("/assistants/abc", "assistant_id", "abc", "asst"),
    ("/vector_stores/abc", "vector_store_id", "abc", "vs"),
])
def test_every_path_id_must_begin_with_its_prefix(api, path, name, value, prefix):
    _, thread, run = started(api)

    body = refusal(lambda: api.get(path.format(thread=thread.id, run=run.id), cast_to=object,
                                   options={"headers": {"OpenAI-Beta": "assistants=v2"}}))

    assert body == {"message": f"Invalid '{name}': '{value}'. Expected an ID that begins with '{prefix}'.",
                    "type": "invalid_request_error", "param": name, "code": "invalid_value"}


def test_a_function_name_ending_in_a_newline_is_refused_as_json_schema_patterns_mean(api):
    """JSON Schema patterns are ECMA-262 regular expressions: '$' matches only at the very end."""
    body = refusal(lambda: api.beta.assistants.create(model="gpt-4o", tools=[
        {"type": "function", "function": {"name": "get_weather\n"}}]))

    assert body == {"message": "Invalid 'tools[0].function.name': string does not match pattern. Expected a "
                               "string that matches the pattern '^[a-zA-Z0-9_-]+$'.",
                    "type": "invalid_request_error", "param": "tools[0].function.name", "code": "invalid_value"}
    assert api.beta.assistants.list().data == []


# --- observed forms behind quirks (README "Unverified behaviour") ------------------------------------

@pytest.mark.parametrize("quirks, last_run_event", [
    ((), "thread.run.incomplete"),
    (("incomplete_run_streams_as_completed",), "thread.run.completed"),
], ids=["spec", "recorded-2024"])
def test_the_last_event_of_a_streamed_incomplete_run(quirks, last_run_event):
    client = FakeOpenAI(quirks=quirks).client
    assistant = client.beta.assistants.create(model="gpt-4o")
    thread = client.beta.threads.create(messages=[{"role": "user", "content": QUESTION}])

    with client.beta.threads.runs.stream(thread_id=thread.id, assistant_id=assistant.id,
                                         max_completion_tokens=16) as stream:
        names = [event.event for event in stream]

    assert [name for name in names if name.startswith("thread.run.") and "step" not in name][-1] == last_run_event
    assert stream.get_final_run().status == "incomplete"


@pytest.mark.parametrize("quirks, retrieved", [
    ((), {}),
    (("thread_retrieve_shows_empty_code_interpreter",), {"code_interpreter": {"file_ids": []}}),
], ids=["as-created", "recorded-2024"])
def test_a_thread_created_without_tool_resources_when_retrieved(quirks, retrieved):
    client = FakeOpenAI(quirks=quirks).client
    thread = client.beta.threads.create()

    assert wire(client, f"/threads/{thread.id}")["tool_resources"] == retrieved
    assert thread.tool_resources.model_dump(exclude_none=True) == {}


def test_an_unknown_quirk_is_refused_naming_the_known_ones():
    with pytest.raises(ValueError, match="unknown quirk 'v1_steps': fakeai knows "
                                         "incomplete_run_streams_as_completed, "
                                         "thread_retrieve_shows_empty_code_interpreter"):
        FakeOpenAI(quirks=["v1_steps"])


def test_a_path_outside_v1_is_an_unknown_url(backend):
    base = (backend.base_url or "https://api.openai.com/v1").removesuffix("/v1")
    client = openai.OpenAI(**{**backend.client_options(), "base_url": base})

    body = refusal(lambda: client.get("/threads/thread_abc", cast_to=object,
                                      options={"headers": {"OpenAI-Beta": "assistants=v2"}}), 404)
    client.close()

    assert body == {"message": "Unknown request URL: GET /threads/thread_abc. Please check the URL for typos, or "
                               "see the docs at https://platform.openai.com/docs/api-reference/.",
                    "type": "invalid_request_error", "param": None, "code": "unknown_url"}


def test_a_file_upload_that_is_not_multipart_is_refused(api):
    body = refusal(lambda: api.post("/files", cast_to=object, body={"purpose": "assistants", "file": "text"}))

    assert body == {"message": "Invalid Content-Type header (application/json), expected multipart/form-data.",
                    "type": "invalid_request_error", "param": None, "code": None}
    assert api.files.list().data == []


def test_an_ingestion_failure_for_a_file_that_does_not_exist_is_refused_when_scripted():
    from fakeai.scripting import ScriptError

    with pytest.raises(ScriptError, match="cannot script an ingestion failure for 'file-nope': no such file"):
        FakeOpenAI().script.fail_ingestion("file-nope")


def test_a_multipart_upload_without_a_boundary_says_so(live_server):
    """Raw HTTP: the SDK always writes a boundary, a hand-written client may not."""
    live_server.emulator = FakeOpenAI(bugs="respond")
    answer = httpx.post(live_server.base_url + "/files", content=b"x", headers={
        "Authorization": "Bearer sk-test-0123456789", "Content-Type": "multipart/form-data"})
    live_server.emulator = None

    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == (
        "Invalid Content-Type header (multipart/form-data): a multipart/form-data body needs a boundary.")
