"""Scripts are checked when written: each mistake is a ScriptError that says what a real run could do
instead, and nothing of a refused script stays queued. (The messages are fakeai's own wording, pinned
here so a change to them is a decision, not an accident.)"""

from __future__ import annotations

import pytest

from fakeai import ScriptError, actions

pytestmark = pytest.mark.fake_openai(allow_unused_plans=True)


@pytest.mark.parametrize("script, message", [
    (lambda s: s.fail("out_of_memory"),
     "cannot script a failure with code 'out_of_memory': a run's last_error code is one of server_error, "
     "rate_limit_exceeded, invalid_prompt"),
    (lambda s: s.stop_incomplete("max_output_tokens"),
     "cannot script an incomplete run with reason 'max_output_tokens': it is one of max_completion_tokens, "
     "max_prompt_tokens"),
    (lambda s: s.reply("hi", thread_id="thread_a", assistant_id="asst_a"),
     "scope a plan by thread_id or by assistant_id, not both"),
    (lambda s: s.call_function("get weather"),
     "cannot script a call to 'get weather': function names are 1-64 characters of a-z, A-Z, 0-9, '_' and '-'"),
    (lambda s: s.call_function("get_weather", "{not json"),
     "cannot script a call to 'get_weather': its arguments are not JSON: '{not json'"),
    (lambda s: s.search_files("file-abc"),
     "a scripted search result must be a dict with a file_id, not 'file-abc'"),
    (lambda s: s.run_code("print(1)", files=[b"raw"]),
     "code output b'raw' must be a (name, bytes) pair"),
])
def test_a_script_no_run_could_follow_is_refused_when_written(fake_openai, script, message):
    with pytest.raises(ScriptError) as refused:
        script(fake_openai.script)

    assert str(refused.value) == message
    assert fake_openai.script.pending() == 0


def test_an_ingestion_failure_needs_a_code_a_vector_store_file_can_have(fake_openai):
    uploaded = fake_openai.client.files.create(file=("notes.txt", b"notes"), purpose="assistants")

    with pytest.raises(ScriptError) as refused:
        fake_openai.script.fail_ingestion(uploaded.id, "disk_full")

    assert str(refused.value) == ("cannot script an ingestion failure with code 'disk_full': a vector store file's "
                                  "last_error code is one of server_error, unsupported_file, invalid_file")


def test_a_plan_for_an_assistant_without_function_tools_says_it_has_none(fake_openai):
    assistant = fake_openai.client.beta.assistants.create(model="gpt-4o")

    with pytest.raises(ScriptError) as refused:
        fake_openai.script.call_function("get_weather", {"city": "Oslo"}, assistant_id=assistant.id)

    assert str(refused.value) == (f"cannot call function 'get_weather': assistant {assistant.id} has no such "
                                  "function tool (its functions: none)")


def test_the_default_reply_without_any_user_message_says_so(fake_openai):
    client = fake_openai.client
    assistant = client.beta.assistants.create(model="gpt-4o")
    thread = client.beta.threads.create(messages=[{"role": "assistant", "content": "How can I help?"}])

    client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)

    newest = client.beta.threads.messages.list(thread.id, limit=1).data[0]
    assert newest.content[0].text.value == "This is fakeai's default reply."


def test_a_scripted_search_searches_the_runs_vector_stores_for_the_given_query(fake_openai):
    client = fake_openai.client
    manual = client.files.create(file=("manual.txt", b"The reset button is under the lid."), purpose="assistants")
    store = client.vector_stores.create(name="docs", file_ids=[manual.id])
    assistant = client.beta.assistants.create(model="gpt-4o", tools=[{"type": "file_search"}],
                                              tool_resources={"file_search": {"vector_store_ids": [store.id]}})
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "Hello"}])
    fake_openai.script.search("reset button").then_reply("It is under the lid.")

    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)

    search_step = client.beta.threads.runs.steps.list(run.id, thread_id=thread.id, order="asc",
                                                      include=["step_details.tool_calls[*].file_search.results[*].content"]).data[0]
    [result] = search_step.step_details.tool_calls[0].file_search.results
    assert (result.file_id, result.content[0].text) == (manual.id, "The reset button is under the lid.")


def test_actions_built_for_a_responder_are_checked_like_the_fluent_ones():
    with pytest.raises(ScriptError) as refused:
        actions.fail("teapot")

    assert str(refused.value) == ("cannot script a failure with code 'teapot': a run's last_error code is one of "
                                  "server_error, rate_limit_exceeded, invalid_prompt")
    assert actions.call_function("get_weather", {"city": "Oslo"}) == actions.CallFunctions(
        (actions.FunctionCall("get_weather", '{"city": "Oslo"}'),))
