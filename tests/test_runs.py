"""Runs and run steps through the real SDK: the lifecycle (api-notes §8), what a run produces (§8.3),
tool calls, endings, active-run locks and refusals (§10 E6-E10), progression modes and scripts.

Every test that takes ``api`` runs four ways (in-process and server, sync and async); ``backend.emulator``
is the FakeOpenAI behind it, so ``backend.emulator.script`` scripts the next runs in both modes.
"""

from __future__ import annotations

import json
import threading

import openai
import pytest

from fakeai import errors
from fakeai.resources.runs import INSTRUCTIONS_SEPARATOR, RUN_LIFETIME
from fakeai.scripting import DEFAULT_REPLY, CallFunctions, ScriptError, Turn, function_call
from tests.sdk import failure_over_a_fresh_connection, expect_refusal

QUESTION = "What is the weather in Paris?"
FILE_SEARCH_CONTENT = "step_details.tool_calls[*].file_search.results[*].content"

WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "Current weather of a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
TIME = {"type": "function", "function": {
    "name": "get_time", "parameters": {"type": "object", "properties": {"zone": {"type": "string"}}}}}



def default_reply(text: str) -> str:
    """What an unscripted run answers to a thread whose last user message is ``text``."""
    return DEFAULT_REPLY(Turn(messages=[{"role": "user", "content": [{"type": "text", "text": {
        "value": text, "annotations": []}}]}] if text else [], run={}, thread={}, tool_outputs={}))




def weather_assistant(api, **settings):
    options = {"model": "gpt-4o", "instructions": "You report the weather.", "tools": [WEATHER, TIME]}
    return api.beta.assistants.create(**{**options, **settings})


def thread_asking(api, text: str = QUESTION):
    return api.beta.threads.create(messages=[{"role": "user", "content": text}])


def steps_of(api, run, **query) -> list:
    return list(api.beta.threads.runs.steps.list(run.id, thread_id=run.thread_id, **query))


def reply_of(api, run):
    """The one assistant message ``run`` wrote, found by run_id."""
    [message] = list(api.beta.threads.messages.list(run.thread_id, run_id=run.id))
    return message


def waiting_for_weather(api, backend, *, then: str = "Sunny, 21 C."):
    """A run in requires_action on one get_weather call (and the scripted reply after it)."""
    assistant = weather_assistant(api)
    thread = thread_asking(api)
    backend.emulator.script.call_function("get_weather", {"city": "Paris"}).then_reply(then)
    run = api.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
    assert run.status == "requires_action"
    return assistant, thread, run


# --- a plain reply ----------------------------------------------------------------------------------

def test_create_and_poll_completes_with_the_default_reply_that_quotes_the_last_user_message(api):
    assistant = weather_assistant(api)
    thread = thread_asking(api)

    run = api.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)

    assert run.status == "completed"
    reply = reply_of(api, run)
    assert (reply.role, reply.assistant_id, reply.run_id, reply.thread_id) == (
        "assistant", assistant.id, run.id, thread.id)
    assert reply.status == "completed"
    assert reply.content[0].text.value == default_reply(QUESTION)
    newest = api.beta.threads.messages.list(thread.id).data[0]
    assert newest.id == reply.id


def test_a_scripted_reply_is_the_assistant_message_and_the_message_creation_step_points_to_it(api, backend):
    assistant = weather_assistant(api)
    thread = thread_asking(api)
    backend.emulator.script.reply("Sunny, 21 C.")

    run = api.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)

    assert run.status == "completed"
    [step] = steps_of(api, run)
    assert (step.object, step.type, step.status) == ("thread.run.step", "message_creation", "completed")
    assert step.id.startswith("step_")
    assert (step.run_id, step.assistant_id, step.thread_id) == (run.id, assistant.id, thread.id)
    assert step.completed_at is not None and step.usage.total_tokens > 0
    message = api.beta.threads.messages.retrieve(step.step_details.message_creation.message_id,
                                                 thread_id=thread.id)
    assert (message.role, message.assistant_id, message.run_id, message.status) == (
        "assistant", assistant.id, run.id, "completed")
    assert message.content[0].text.value == "Sunny, 21 C."
    assert message.completed_at is not None
    assert api.beta.threads.runs.steps.retrieve(step.id, thread_id=thread.id, run_id=run.id) == step


def test_the_create_response_is_queued_with_ten_minutes_to_live_and_nothing_started(api):
    assistant = weather_assistant(api)
    thread = thread_asking(api)

    run = api.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id)

    assert (run.object, run.status, run.thread_id, run.assistant_id) == (
        "thread.run", "queued", thread.id, assistant.id)
    assert run.id.startswith("run_")
    assert run.expires_at == run.created_at + 600 == run.created_at + RUN_LIFETIME
    assert (run.started_at, run.completed_at, run.failed_at, run.cancelled_at) == (None, None, None, None)
    assert (run.usage, run.required_action, run.last_error, run.incomplete_details) == (None, None, None, None)
    assert run.metadata == {}


def test_a_completed_run_has_its_timestamps_usage_and_no_expiry(api):
    assistant = weather_assistant(api)
    thread = thread_asking(api)

    created = api.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id)
    run = api.beta.threads.runs.poll(created.id, thread_id=thread.id)

    assert run.status == "completed"
    assert run.started_at >= run.created_at and run.completed_at >= run.started_at
    assert run.expires_at is None
    assert (run.failed_at, run.cancelled_at, run.required_action, run.last_error) == (None, None, None, None)
    assert run.usage.prompt_tokens > 0 and run.usage.completion_tokens > 0
    assert run.usage.prompt_tokens + run.usage.completion_tokens == run.usage.total_tokens
    assert run.usage.total_tokens == sum(step.usage.total_tokens for step in steps_of(api, run))
    assert api.beta.threads.runs.retrieve(run.id, thread_id=thread.id) == run
    assert [r.id for r in api.beta.threads.runs.list(thread.id)] == [run.id]


def test_a_run_takes_its_settings_from_the_assistant(api):
    assistant = weather_assistant(
        api, model="gpt-4o-mini", temperature=0.3, top_p=0.8,
        response_format={"type": "json_object"}, tools=[WEATHER, {"type": "code_interpreter"}])
    thread = thread_asking(api)

    run = api.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)

    assert run.model == "gpt-4o-mini"
    assert run.instructions == "You report the weather."
    assert [tool.model_dump(exclude_none=True) for tool in run.tools] == [
        tool.model_dump(exclude_none=True) for tool in assistant.tools]
    assert (run.temperature, run.top_p) == (0.3, 0.8)
    assert run.response_format.type == "json_object"
    assert run.tool_choice == "auto"
    assert run.truncation_strategy.model_dump() == {"type": "auto", "last_messages": None}
    assert run.parallel_tool_calls is True
    assert (run.max_prompt_tokens, run.max_completion_tokens) == (None, None)


def test_an_assistant_without_settings_gives_the_documented_defaults(api):
    assistant = api.beta.assistants.create(model="gpt-4o")
    thread = thread_asking(api)

    run = api.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)

    assert run.instructions == ""
    assert run.tools == []
    assert (run.temperature, run.top_p, run.response_format, run.tool_choice) == (1.0, 1.0, "auto", "auto")


def test_an_assistant_temperature_and_top_p_of_zero_are_kept_by_the_run(api):
    """api-notes 5.5: temperature and top_p come from the assistant (1.0 only when it has none)."""
    assistant = weather_assistant(api, temperature=0, top_p=0)
    assert (assistant.temperature, assistant.top_p) == (0.0, 0.0)
    thread = thread_asking(api)

    run = api.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)

    assert (run.temperature, run.top_p) == (0.0, 0.0)


def test_request_settings_override_the_assistant(api):
    assistant = weather_assistant(api, temperature=0.3)
    thread = thread_asking(api)

    run = api.beta.threads.runs.create_and_poll(
        thread_id=thread.id, assistant_id=assistant.id, model="gpt-4o-mini", temperature=1.5, top_p=0.5,
        tools=[TIME], tool_choice="none", response_format={"type": "text"}, parallel_tool_calls=False,
        truncation_strategy={"type": "last_messages", "last_messages": 5},
        max_prompt_tokens=1000, max_completion_tokens=500, metadata={"ticket": "42"})

    assert run.status == "completed"
    assert (run.model, run.temperature, run.top_p) == ("gpt-4o-mini", 1.5, 0.5)
    assert [tool.function.name for tool in run.tools] == ["get_time"]
    assert run.tool_choice == "none"
    assert run.response_format.type == "text"
    assert run.parallel_tool_calls is False
    assert run.truncation_strategy.model_dump() == {"type": "last_messages", "last_messages": 5}
    assert (run.max_prompt_tokens, run.max_completion_tokens) == (1000, 500)
    assert run.metadata == {"ticket": "42"}


def test_request_instructions_replace_the_assistant_instructions(api):
    assistant = weather_assistant(api)
    thread = thread_asking(api)

    run = api.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id,
                                                instructions="Answer in French.")

    assert run.instructions == "Answer in French."


def test_additional_instructions_are_appended_to_the_instructions(api):
    assistant = weather_assistant(api)
    thread = thread_asking(api)

    run = api.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id,
                                                additional_instructions="Be brief.")
    assert run.instructions == "You report the weather." + INSTRUCTIONS_SEPARATOR + "Be brief."

    run = api.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id,
                                                instructions="Answer in French.",
                                                additional_instructions="Be brief.")
    assert run.instructions == "Answer in French." + INSTRUCTIONS_SEPARATOR + "Be brief."


def test_additional_messages_join_the_thread_before_the_run_reads_it(api):
    assistant = weather_assistant(api)
    thread = thread_asking(api)

    run = api.beta.threads.runs.create_and_poll(
        thread_id=thread.id, assistant_id=assistant.id,
        additional_messages=[{"role": "assistant", "content": "Which Paris?"},
                             {"role": "user", "content": "Paris, Texas.", "metadata": {"n": "2"}}])

    messages = list(api.beta.threads.messages.list(thread.id, order="asc"))
    assert [(m.role, m.content[0].text.value) for m in messages] == [
        ("user", QUESTION), ("assistant", "Which Paris?"), ("user", "Paris, Texas."),
        ("assistant", default_reply("Paris, Texas."))]
    assert messages[2].metadata == {"n": "2"}
    assert messages[1].assistant_id is None
    assert messages[3].run_id == run.id


def test_a_run_is_a_snapshot_that_later_assistant_changes_do_not_touch(api, backend):
    assistant, thread, run = waiting_for_weather(api, backend)

    api.beta.assistants.update(assistant.id, instructions="Something else.", model="gpt-4o-mini",
                               tools=[TIME], temperature=0.1)
    waiting = api.beta.threads.runs.retrieve(run.id, thread_id=thread.id)
    done = api.beta.threads.runs.submit_tool_outputs_and_poll(
        run_id=run.id, thread_id=thread.id,
        tool_outputs=[{"tool_call_id": run.required_action.submit_tool_outputs.tool_calls[0].id,
                       "output": "21 C"}])

    for seen in (waiting, done):
        assert (seen.instructions, seen.model, seen.temperature) == ("You report the weather.", "gpt-4o", 1.0)
        assert [tool.function.name for tool in seen.tools] == ["get_weather", "get_time"]
    assert done.status == "completed"


def test_run_answers_carry_the_poll_after_header_the_sdk_poll_helpers_obey(api, backend):
    assistant = weather_assistant(api)
    thread = thread_asking(api)
    expected = str(backend.emulator.app.poll_after_ms)

    created = api.beta.threads.runs.with_raw_response.create(thread_id=thread.id, assistant_id=assistant.id)
    retrieved = api.beta.threads.runs.with_raw_response.retrieve(created.parse().id, thread_id=thread.id)

    assert created.headers["openai-poll-after-ms"] == expected
    assert retrieved.headers["openai-poll-after-ms"] == expected
    assert retrieved.parse().status == "completed"


# --- function calling -------------------------------------------------------------------------------

def test_a_scripted_function_call_puts_the_run_in_requires_action(api, backend):
    assistant, thread, run = waiting_for_weather(api, backend)

    assert run.required_action.type == "submit_tool_outputs"
    [call] = run.required_action.submit_tool_outputs.tool_calls
    assert call.id.startswith("call_")
    assert (call.type, call.function.name) == ("function", "get_weather")
    assert json.loads(call.function.arguments) == {"city": "Paris"}
    assert run.expires_at == run.created_at + 600
    assert run.usage is None and run.completed_at is None
    [step] = steps_of(api, run)
    assert (step.type, step.status, step.completed_at, step.usage) == ("tool_calls", "in_progress", None, None)
    [step_call] = step.step_details.tool_calls
    assert (step_call.id, step_call.type, step_call.function.name) == (call.id, "function", "get_weather")
    assert step_call.function.arguments == call.function.arguments
    assert step_call.function.output is None
    assert list(api.beta.threads.messages.list(thread.id, run_id=run.id)) == []


def test_submitting_the_outputs_continues_to_the_scripted_reply_and_completes_the_tool_step(api, backend):
    assistant, thread, run = waiting_for_weather(api, backend)
    [call] = run.required_action.submit_tool_outputs.tool_calls

    done = api.beta.threads.runs.submit_tool_outputs_and_poll(
        run_id=run.id, thread_id=thread.id, tool_outputs=[{"tool_call_id": call.id, "output": "21 C"}])

    assert done.status == "completed"
    assert done.required_action is None and done.expires_at is None
    assert reply_of(api, done).content[0].text.value == "Sunny, 21 C."
    tool_step, message_step = steps_of(api, done, order="asc")
    assert (tool_step.type, tool_step.status) == ("tool_calls", "completed")
    assert tool_step.completed_at is not None and tool_step.usage.total_tokens > 0
    assert tool_step.step_details.tool_calls[0].function.output == "21 C"
    assert (message_step.type, message_step.status) == ("message_creation", "completed")
    assert message_step.step_details.message_creation.message_id == reply_of(api, done).id
    assert [s.id for s in steps_of(api, done, order="desc")] == [message_step.id, tool_step.id]
    assert [s.id for s in steps_of(api, done)] == [message_step.id, tool_step.id]
    assert done.usage.total_tokens == tool_step.usage.total_tokens + message_step.usage.total_tokens


def test_submit_tool_outputs_answers_queued_then_the_run_moves_on(api, backend):
    assistant, thread, run = waiting_for_weather(api, backend)
    [call] = run.required_action.submit_tool_outputs.tool_calls

    submitted = api.beta.threads.runs.submit_tool_outputs(
        run.id, thread_id=thread.id, tool_outputs=[{"tool_call_id": call.id, "output": "21 C"}])

    assert (submitted.status, submitted.required_action) == ("queued", None)
    assert api.beta.threads.runs.retrieve(run.id, thread_id=thread.id).status == "completed"


def test_parallel_function_calls_come_in_one_step_and_are_answered_together(api, backend):
    assistant = weather_assistant(api)
    thread = thread_asking(api, "Weather and time in Paris?")
    backend.emulator.script.call_functions(("get_weather", {"city": "Paris"}),
                                           ("get_time", {"zone": "Europe/Paris"})).then_reply("Sunny, 3 pm.")

    run = api.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)

    weather, time = run.required_action.submit_tool_outputs.tool_calls
    assert (weather.function.name, time.function.name) == ("get_weather", "get_time")
    assert json.loads(time.function.arguments) == {"zone": "Europe/Paris"}
    assert weather.id != time.id
    [step] = steps_of(api, run)
    assert [c.id for c in step.step_details.tool_calls] == [weather.id, time.id]

    done = api.beta.threads.runs.submit_tool_outputs_and_poll(
        run_id=run.id, thread_id=thread.id,
        tool_outputs=[{"tool_call_id": time.id, "output": "15:00"}, {"tool_call_id": weather.id, "output": "21 C"}])

    assert done.status == "completed"
    tool_step = api.beta.threads.runs.steps.retrieve(step.id, thread_id=thread.id, run_id=run.id)
    assert tool_step.status == "completed"
    assert [c.function.output for c in tool_step.step_details.tool_calls] == ["21 C", "15:00"]
    assert reply_of(api, done).content[0].text.value == "Sunny, 3 pm."


def test_function_calls_can_follow_each_other_before_the_reply(api, backend):
    assistant = weather_assistant(api)
    thread = thread_asking(api)
    backend.emulator.script.call_function("get_weather", {"city": "Paris"}) \
        .then_call_function("get_time", {"zone": "CET"}).then_reply("Sunny at 3 pm.")

    run = api.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
    [first] = run.required_action.submit_tool_outputs.tool_calls
    run = api.beta.threads.runs.submit_tool_outputs_and_poll(
        run_id=run.id, thread_id=thread.id, tool_outputs=[{"tool_call_id": first.id, "output": "21 C"}])
    assert run.status == "requires_action"
    [second] = run.required_action.submit_tool_outputs.tool_calls
    assert second.function.name == "get_time"
    run = api.beta.threads.runs.submit_tool_outputs_and_poll(
        run_id=run.id, thread_id=thread.id, tool_outputs=[{"tool_call_id": second.id, "output": "15:00"}])

    assert run.status == "completed"
    assert [s.type for s in steps_of(api, run, order="asc")] == ["tool_calls", "tool_calls", "message_creation"]


# --- built-in tools -----------------------------------------------------------------------------

def test_scripted_code_interpreter_calls_are_completed_tool_steps_with_input_and_outputs(api, backend, known_files):
    assistant = weather_assistant(api, tools=[{"type": "code_interpreter"}])
    thread = thread_asking(api, "What is 2 + 2?")
    backend.emulator.script.run_code("print(2 + 2)", logs="4\n", image_file_ids=["file-plot"]).then_reply("4.")

    run = api.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)

    assert run.status == "completed"
    tool_step, message_step = steps_of(api, run, order="asc")
    assert (tool_step.type, tool_step.status, message_step.type) == ("tool_calls", "completed", "message_creation")
    [call] = tool_step.step_details.tool_calls
    assert call.id.startswith("call_") and call.type == "code_interpreter"
    assert call.code_interpreter.input == "print(2 + 2)"
    logs, image = call.code_interpreter.outputs
    assert (logs.type, logs.logs) == ("logs", "4\n")
    assert (image.type, image.image.file_id) == ("image", "file-plot")
    assert reply_of(api, run).content[0].text.value == "4."


def test_file_search_results_carry_their_content_only_when_included(api, backend, known_files):
    assistant = weather_assistant(api, tools=[{"type": "file_search"}])
    thread = thread_asking(api, "What does the manual say?")
    backend.emulator.script.search_files(
        {"file_id": "file-manual", "file_name": "manual.pdf", "score": 0.87, "content": "Press the red button."},
    ).then_reply("Press the red button.")

    run = api.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)

    assert run.status == "completed"
    tool_step, _ = steps_of(api, run, order="asc")
    assert (tool_step.type, tool_step.status) == ("tool_calls", "completed")
    [call] = tool_step.step_details.tool_calls
    assert call.type == "file_search" and call.id.startswith("call_")
    [result] = call.file_search.results
    assert (result.file_id, result.file_name, result.score) == ("file-manual", "manual.pdf", 0.87)
    assert result.content is None

    included = steps_of(api, run, order="asc", include=[FILE_SEARCH_CONTENT])[0]
    [content] = included.step_details.tool_calls[0].file_search.results[0].content
    assert (content.type, content.text) == ("text", "Press the red button.")
    retrieved = api.beta.threads.runs.steps.retrieve(tool_step.id, thread_id=thread.id, run_id=run.id,
                                                     include=[FILE_SEARCH_CONTENT])
    assert retrieved == included
    plain = api.beta.threads.runs.steps.retrieve(tool_step.id, thread_id=thread.id, run_id=run.id)
    assert plain.step_details.tool_calls[0].file_search.results[0].content is None


# --- other endings ----------------------------------------------------------------------------------

def test_a_scripted_failure_ends_the_run_failed_with_its_last_error(api, backend):
    assistant = weather_assistant(api)
    thread = thread_asking(api)
    backend.emulator.script.fail("rate_limit_exceeded", "Slow down.")

    run = api.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)

    assert run.status == "failed"
    assert (run.last_error.code, run.last_error.message) == ("rate_limit_exceeded", "Slow down.")
    assert run.failed_at is not None
    assert (run.expires_at, run.completed_at, run.cancelled_at, run.required_action) == (None, None, None, None)
    assert list(api.beta.threads.messages.list(thread.id, run_id=run.id)) == []


def test_a_failure_after_a_reply_keeps_the_message(api, backend):
    assistant = weather_assistant(api)
    thread = thread_asking(api)
    backend.emulator.script.reply("Let me check.").then_fail()

    run = api.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)

    assert run.status == "failed"
    assert run.last_error.model_dump() == {"code": "server_error", "message": "Sorry, something went wrong."}
    assert reply_of(api, run).content[0].text.value == "Let me check."
    assert run.usage.total_tokens > 0


def test_a_run_stopped_on_a_token_limit_is_incomplete_and_so_is_its_message(api, backend):
    assistant = weather_assistant(api)
    thread = thread_asking(api)
    backend.emulator.script.stop_incomplete("max_completion_tokens", text="It is sunny and")

    run = api.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)

    assert run.status == "incomplete"
    assert run.incomplete_details.reason == "max_completion_tokens"
    assert (run.expires_at, run.completed_at, run.failed_at) == (None, None, None)
    message = reply_of(api, run)
    assert message.status == "incomplete"
    assert message.incomplete_details.reason == "max_tokens"
    assert message.incomplete_at is not None and message.completed_at is None
    assert message.content[0].text.value == "It is sunny and"


def test_a_scripted_expiry_shows_requires_action_then_refuses_the_late_outputs(api, backend):
    assistant = weather_assistant(api)
    thread = thread_asking(api)
    backend.emulator.script.call_function("get_weather", {"city": "Paris"}).then_expire()

    run = api.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
    assert run.status == "requires_action"
    [call] = run.required_action.submit_tool_outputs.tool_calls

    expect_refusal(lambda: api.beta.threads.runs.submit_tool_outputs(
        run.id, thread_id=thread.id, tool_outputs=[{"tool_call_id": call.id, "output": "21 C"}]),
        errors.run_does_not_accept_tool_outputs("expired"))

    expired = api.beta.threads.runs.retrieve(run.id, thread_id=thread.id)
    assert (expired.status, expired.expires_at, expired.required_action) == ("expired", None, None)
    [step] = steps_of(api, expired)
    assert step.status == "expired" and step.expired_at is not None
    assert step.step_details.tool_calls[0].function.output is None


def test_a_run_left_in_requires_action_expires_when_its_ten_minutes_are_up(api, backend):
    assistant, thread, run = waiting_for_weather(api, backend)

    backend.emulator.advance_time(599)
    assert api.beta.threads.runs.retrieve(run.id, thread_id=thread.id).status == "requires_action"
    backend.emulator.advance_time(1)
    expired = api.beta.threads.runs.retrieve(run.id, thread_id=thread.id)

    assert (expired.status, expired.expires_at, expired.required_action) == ("expired", None, None)
    [step] = steps_of(api, expired)
    assert (step.status, step.expired_at) == ("expired", run.created_at + 600)
    [call] = run.required_action.submit_tool_outputs.tool_calls
    expect_refusal(lambda: api.beta.threads.runs.submit_tool_outputs(
        run.id, thread_id=thread.id, tool_outputs=[{"tool_call_id": call.id, "output": "late"}]),
        errors.run_does_not_accept_tool_outputs("expired"))
    api.beta.threads.messages.create(thread.id, role="user", content="Still there?")


def test_cancelling_a_waiting_run_answers_cancelling_and_then_it_is_cancelled(api, backend):
    assistant, thread, run = waiting_for_weather(api, backend)
    backend.emulator.advance_time(3)

    cancelling = api.beta.threads.runs.cancel(run.id, thread_id=thread.id)
    assert (cancelling.id, cancelling.status) == (run.id, "cancelling")

    cancelled = api.beta.threads.runs.retrieve(run.id, thread_id=thread.id)
    assert cancelled.status == "cancelled"
    assert cancelled.cancelled_at == run.created_at + 3
    assert (cancelled.expires_at, cancelled.required_action, cancelled.completed_at) == (None, None, None)
    [step] = steps_of(api, cancelled)
    assert (step.status, step.cancelled_at) == ("cancelled", run.created_at + 3)
    assert list(api.beta.threads.messages.list(thread.id, run_id=run.id)) == []
    api.beta.threads.messages.create(thread.id, role="user", content="Never mind.")


def test_a_cancelling_run_no_longer_shows_a_required_action(api, backend):
    """api-notes 5.4: required_action is non-null only in requires_action."""
    assistant, thread, run = waiting_for_weather(api, backend)

    cancelling = api.beta.threads.runs.cancel(run.id, thread_id=thread.id)

    assert cancelling.status == "cancelling"
    assert cancelling.required_action is None


def test_cancelling_a_terminal_run_is_refused(api, backend):
    assistant, thread, run = waiting_for_weather(api, backend)
    api.beta.threads.runs.cancel(run.id, thread_id=thread.id)
    assert api.beta.threads.runs.retrieve(run.id, thread_id=thread.id).status == "cancelled"  # the read
    expect_refusal(lambda: api.beta.threads.runs.cancel(run.id, thread_id=thread.id),
                   errors.cannot_cancel("cancelled"))

    done = api.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
    assert done.status == "completed"
    expect_refusal(lambda: api.beta.threads.runs.cancel(done.id, thread_id=thread.id),
                   errors.cannot_cancel("completed"))
    assert api.beta.threads.runs.retrieve(done.id, thread_id=thread.id).status == "completed"


# --- create thread and run ----------------------------------------------------------------------

def test_create_thread_and_run_makes_the_thread_with_its_messages_and_a_queued_run(api):
    assistant = weather_assistant(api)

    run = api.beta.threads.create_and_run(
        assistant_id=assistant.id,
        thread={"messages": [{"role": "user", "content": QUESTION}], "metadata": {"source": "test"}})

    assert (run.status, run.assistant_id) == ("queued", assistant.id)
    assert run.expires_at == run.created_at + 600
    thread = api.beta.threads.retrieve(run.thread_id)
    assert thread.metadata == {"source": "test"}
    assert api.beta.threads.runs.retrieve(run.id, thread_id=thread.id).status == "completed"
    first, reply = api.beta.threads.messages.list(thread.id, order="asc")
    assert (first.role, first.content[0].text.value, first.run_id) == ("user", QUESTION, None)
    assert (reply.role, reply.run_id) == ("assistant", run.id)
    assert reply.content[0].text.value == default_reply(QUESTION)


def test_create_and_run_poll_finishes_the_run_on_a_new_empty_thread(api, backend):
    assistant = weather_assistant(api)
    backend.emulator.script.reply("Hello!")

    run = api.beta.threads.create_and_run_poll(assistant_id=assistant.id, instructions="Greet.")

    assert (run.status, run.instructions) == ("completed", "Greet.")
    assert reply_of(api, run).content[0].text.value == "Hello!"
    assert len(list(api.beta.threads.messages.list(run.thread_id))) == 1


def test_the_tool_resources_of_create_thread_and_run_land_on_the_new_thread(api, known_files):
    assistant = weather_assistant(api, tools=[{"type": "code_interpreter"}, {"type": "file_search"}])

    run = api.beta.threads.create_and_run_poll(
        assistant_id=assistant.id, thread={"messages": [{"role": "user", "content": "Plot it."}]},
        tool_resources={"code_interpreter": {"file_ids": ["file-data"]},
                        "file_search": {"vector_store_ids": ["vs_manuals"]}})

    resources = api.beta.threads.retrieve(run.thread_id).tool_resources
    assert resources.code_interpreter.file_ids == ["file-data"]
    assert resources.file_search.vector_store_ids == ["vs_manuals"]


def test_a_thread_that_brings_its_own_tool_resources_keeps_them(api, known_files):
    assistant = weather_assistant(api, tools=[{"type": "code_interpreter"}])

    run = api.beta.threads.create_and_run(
        assistant_id=assistant.id,
        thread={"tool_resources": {"code_interpreter": {"file_ids": ["file-own"]}}},
        tool_resources={"code_interpreter": {"file_ids": ["file-top"]}})

    assert api.beta.threads.retrieve(run.thread_id).tool_resources.code_interpreter.file_ids == ["file-own"]


# --- locks and refusals -------------------------------------------------------------------------

def test_adding_a_message_while_a_run_is_active_is_refused(api, backend):
    assistant, thread, run = waiting_for_weather(api, backend)

    expect_refusal(lambda: api.beta.threads.messages.create(thread.id, role="user", content="Hurry up."),
                   errors.cannot_add_messages(thread.id, run.id))

    assert len(list(api.beta.threads.messages.list(thread.id))) == 1


def test_creating_a_run_while_a_run_is_active_is_refused_even_with_additional_messages(api, backend):
    assistant, thread, run = waiting_for_weather(api, backend)

    expect_refusal(lambda: api.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id),
                   errors.thread_has_active_run(thread.id, run.id))
    expect_refusal(lambda: api.beta.threads.runs.create(
        thread_id=thread.id, assistant_id=assistant.id,
        additional_messages=[{"role": "user", "content": "Also London."}]),
        errors.thread_has_active_run(thread.id, run.id))

    assert len(list(api.beta.threads.messages.list(thread.id))) == 1
    assert [r.id for r in api.beta.threads.runs.list(thread.id)] == [run.id]


def test_modifying_the_thread_and_reading_everything_is_allowed_during_a_run(api, backend):
    assistant, thread, run = waiting_for_weather(api, backend)

    api.beta.threads.update(thread.id, metadata={"busy": "yes"})
    [message] = list(api.beta.threads.messages.list(thread.id))
    api.beta.threads.messages.update(message.id, thread_id=thread.id, metadata={"seen": "yes"})
    updated = api.beta.threads.runs.update(run.id, thread_id=thread.id, metadata={"waiting": "yes"})

    assert (updated.status, updated.metadata) == ("requires_action", {"waiting": "yes"})


def test_run_metadata_can_be_modified_after_the_run_ended(api):
    assistant = weather_assistant(api)
    thread = thread_asking(api)
    run = api.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id,
                                                metadata={"a": "1"})

    updated = api.beta.threads.runs.update(run.id, thread_id=thread.id, metadata={"b": "2"})

    assert (updated.status, updated.metadata) == ("completed", {"b": "2"})
    assert api.beta.threads.runs.retrieve(run.id, thread_id=thread.id) == updated
    assert updated.model_dump(exclude={"metadata"}) == run.model_dump(exclude={"metadata"})


def test_outputs_for_missing_or_extra_call_ids_are_refused_and_the_run_keeps_waiting(api, backend):
    assistant = weather_assistant(api)
    thread = thread_asking(api)
    backend.emulator.script.call_functions(("get_weather", {"city": "Paris"}), ("get_time", {}))
    run = api.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
    weather, time = [call.id for call in run.required_action.submit_tool_outputs.tool_calls]

    expect_refusal(lambda: api.beta.threads.runs.submit_tool_outputs(
        run.id, thread_id=thread.id, tool_outputs=[{"tool_call_id": weather, "output": "21 C"}]),
        errors.tool_outputs_mismatch([weather, time], [weather]))
    extra = [{"tool_call_id": weather, "output": "21 C"}, {"tool_call_id": time, "output": "15:00"},
             {"tool_call_id": "call_extra", "output": "?"}]
    expect_refusal(lambda: api.beta.threads.runs.submit_tool_outputs(run.id, thread_id=thread.id,
                                                                     tool_outputs=extra),
                   errors.tool_outputs_mismatch([weather, time], [weather, time, "call_extra"]))

    still = api.beta.threads.runs.retrieve(run.id, thread_id=thread.id)
    assert still.status == "requires_action"
    assert still.required_action == run.required_action
    assert steps_of(api, still)[0].step_details.tool_calls[0].function.output is None


def test_outputs_for_a_completed_run_are_refused(api):
    assistant = weather_assistant(api)
    thread = thread_asking(api)
    run = api.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)

    expect_refusal(lambda: api.beta.threads.runs.submit_tool_outputs(
        run.id, thread_id=thread.id, tool_outputs=[{"tool_call_id": "call_abc", "output": "x"}]),
        errors.run_does_not_accept_tool_outputs("completed"))


def test_an_unknown_run_is_not_found(api):
    thread = thread_asking(api)

    expect_refusal(lambda: api.beta.threads.runs.retrieve("run_doesnotexist", thread_id=thread.id),
                   errors.not_found("run", "run_doesnotexist"), openai.NotFoundError)
    expect_refusal(lambda: api.beta.threads.runs.cancel("run_doesnotexist", thread_id=thread.id),
                   errors.not_found("run", "run_doesnotexist"), openai.NotFoundError)
    expect_refusal(lambda: api.beta.threads.runs.steps.list("run_doesnotexist", thread_id=thread.id).data,
                   errors.not_found("run", "run_doesnotexist"), openai.NotFoundError)


def test_a_run_is_not_found_through_another_thread(api):
    assistant = weather_assistant(api)
    thread = thread_asking(api)
    other = api.beta.threads.create()
    run = api.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
    [step] = steps_of(api, run)

    missing = errors.not_found("run", run.id)
    for call in (lambda: api.beta.threads.runs.retrieve(run.id, thread_id=other.id),
                 lambda: api.beta.threads.runs.update(run.id, thread_id=other.id, metadata={}),
                 lambda: api.beta.threads.runs.cancel(run.id, thread_id=other.id),
                 lambda: api.beta.threads.runs.steps.retrieve(step.id, thread_id=other.id, run_id=run.id)):
        expect_refusal(call, missing, openai.NotFoundError)
    assert list(api.beta.threads.runs.list(other.id)) == []


def test_an_unknown_step_is_not_found(api):
    assistant = weather_assistant(api)
    thread = thread_asking(api)
    run = api.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)

    expect_refusal(lambda: api.beta.threads.runs.steps.retrieve("step_doesnotexist", thread_id=thread.id,
                                                                run_id=run.id),
                   errors.not_found("step", "step_doesnotexist"), openai.NotFoundError)


def test_a_run_for_an_unknown_assistant_is_not_found_and_nothing_is_created(api):
    thread = thread_asking(api)

    expect_refusal(lambda: api.beta.threads.runs.create(thread_id=thread.id, assistant_id="asst_doesnotexist",
                                                        additional_messages=[{"role": "user", "content": "x"}]),
                   errors.not_found("assistant", "asst_doesnotexist"), openai.NotFoundError)
    expect_refusal(lambda: api.beta.threads.create_and_run(assistant_id="asst_doesnotexist"),
                   errors.not_found("assistant", "asst_doesnotexist"), openai.NotFoundError)

    assert list(api.beta.threads.runs.list(thread.id)) == []
    assert len(list(api.beta.threads.messages.list(thread.id))) == 1


def test_an_unknown_model_override_is_refused(api):
    assistant = weather_assistant(api)
    thread = thread_asking(api)

    expect_refusal(lambda: api.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id,
                                                        model="gpt-nonexistent"),
                   errors.model_not_found("gpt-nonexistent"))
    expect_refusal(lambda: api.beta.threads.create_and_run(assistant_id=assistant.id, model="gpt-nonexistent"),
                   errors.model_not_found("gpt-nonexistent"))

    assert list(api.beta.threads.runs.list(thread.id)) == []


# --- progression modes (in-process) ------------------------------------------------------------------

@pytest.mark.fake_openai(progression="reads:3")
def test_with_reads_progression_polling_sees_queued_then_in_progress_then_completed(fake_openai):
    client = fake_openai.client
    assistant = weather_assistant(client)
    thread = thread_asking(client)

    run = client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id)
    seen = [run.status] + [client.beta.threads.runs.retrieve(run.id, thread_id=thread.id).status
                           for _ in range(4)]

    assert seen == ["queued", "in_progress", "in_progress", "completed", "completed"]
    done = client.beta.threads.runs.retrieve(run.id, thread_id=thread.id)
    assert done.started_at is not None and done.expires_at is None
    assert reply_of(client, done).content[0].text.value == default_reply(QUESTION)


@pytest.mark.fake_openai(progression="reads:3")
def test_with_reads_progression_create_and_poll_still_finishes(fake_openai):
    client = fake_openai.client
    assistant = weather_assistant(client)
    thread = thread_asking(client)
    fake_openai.script.call_function("get_weather", {"city": "Paris"}).then_reply("Sunny.")

    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
    assert run.status == "requires_action"
    [call] = run.required_action.submit_tool_outputs.tool_calls
    run = client.beta.threads.runs.submit_tool_outputs_and_poll(
        run_id=run.id, thread_id=thread.id, tool_outputs=[{"tool_call_id": call.id, "output": "21 C"}])

    assert run.status == "completed"
    assert reply_of(client, run).content[0].text.value == "Sunny."


@pytest.mark.fake_openai(progression="reads:3")
def test_a_queued_run_is_already_active(fake_openai):
    client = fake_openai.client
    assistant = weather_assistant(client)
    thread = thread_asking(client)
    run = client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id)

    expect_refusal(lambda: client.beta.threads.messages.create(thread.id, role="user", content="More."),
                   errors.cannot_add_messages(thread.id, run.id))
    expect_refusal(lambda: client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id),
                   errors.thread_has_active_run(thread.id, run.id))


@pytest.mark.fake_openai(progression="reads:3")
def test_a_queued_run_can_be_cancelled_before_it_starts(fake_openai):
    client = fake_openai.client
    assistant = weather_assistant(client)
    thread = thread_asking(client)
    run = client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id)

    assert client.beta.threads.runs.cancel(run.id, thread_id=thread.id).status == "cancelling"
    cancelled = client.beta.threads.runs.retrieve(run.id, thread_id=thread.id)

    assert (cancelled.status, cancelled.started_at, cancelled.expires_at) == ("cancelled", None, None)
    assert cancelled.cancelled_at is not None
    assert list(client.beta.threads.messages.list(thread.id, run_id=run.id)) == []
    assert steps_of(client, cancelled) == []


@pytest.mark.fake_openai(progression="seconds:5")
def test_with_seconds_progression_the_run_finishes_once_the_clock_has_moved(fake_openai):
    client = fake_openai.client
    assistant = weather_assistant(client)
    thread = thread_asking(client)

    run = client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id)
    assert client.beta.threads.runs.retrieve(run.id, thread_id=thread.id).status == "queued"
    fake_openai.advance_time(1)
    started = client.beta.threads.runs.retrieve(run.id, thread_id=thread.id)
    assert (started.status, started.started_at) == ("in_progress", run.created_at + 1)
    fake_openai.advance_time(3)
    assert client.beta.threads.runs.retrieve(run.id, thread_id=thread.id).status == "in_progress"
    fake_openai.advance_time(1)
    done = client.beta.threads.runs.retrieve(run.id, thread_id=thread.id)

    assert (done.status, done.completed_at, done.expires_at) == ("completed", run.created_at + 5, None)


# --- scripts ------------------------------------------------------------------------------------

def test_a_thread_script_beats_an_assistant_script_which_beats_a_global_one_each_first_in_first_out(api, backend):
    script = backend.emulator.script
    assistant = weather_assistant(api)
    other_assistant = weather_assistant(api)
    thread_a, thread_b = thread_asking(api), thread_asking(api)
    script.reply("any 1")
    script.reply("any 2")
    script.reply("assistant 1", assistant_id=assistant.id)
    script.reply("assistant 2", assistant_id=assistant.id)
    script.reply("thread b", thread_id=thread_b.id)

    def reply(thread, who=assistant):
        run = api.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=who.id)
        return reply_of(api, run).content[0].text.value

    assert reply(thread_b) == "thread b"
    assert reply(thread_b) == "assistant 1"
    assert reply(thread_a, other_assistant) == "any 1"
    assert reply(thread_a) == "assistant 2"
    assert reply(thread_a) == "any 2"
    assert reply(thread_a) == default_reply(QUESTION)
    assert script.pending() == 0


def test_a_responder_computes_the_reply_from_what_the_run_sees(api, backend):
    assistant = weather_assistant(api)
    thread = thread_asking(api, "shout this")
    backend.emulator.script.respond(
        lambda turn: f"{turn.run['instructions']} | {turn.last_user_text.upper()} | {len(turn.messages)}")

    run = api.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id,
                                                additional_instructions="Be loud.")

    expected = f"You report the weather.{INSTRUCTIONS_SEPARATOR}Be loud. | SHOUT THIS | 1"
    assert reply_of(api, run).content[0].text.value == expected


def test_a_responder_after_a_function_call_sees_the_submitted_outputs(api, backend):
    assistant = weather_assistant(api)
    thread = thread_asking(api)
    backend.emulator.script.call_function("get_weather", {"city": "Paris"}).then_respond(
        lambda turn: "It is " + ", ".join(turn.tool_outputs.values()) + " in Paris.")

    run = api.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
    [call] = run.required_action.submit_tool_outputs.tool_calls
    run = api.beta.threads.runs.submit_tool_outputs_and_poll(
        run_id=run.id, thread_id=thread.id, tool_outputs=[{"tool_call_id": call.id, "output": "21 C"}])

    assert reply_of(api, run).content[0].text.value == "It is 21 C in Paris."


def test_scripting_a_function_the_assistant_lacks_is_refused_when_scripted(api, backend):
    assistant = weather_assistant(api)

    with pytest.raises(ScriptError, match="launch_rockets"):
        backend.emulator.script.call_function("launch_rockets", {}, assistant_id=assistant.id)
    with pytest.raises(ScriptError, match="code_interpreter"):
        backend.emulator.script.run_code("1 + 1", assistant_id=assistant.id)


def test_a_script_refused_when_scripted_leaves_nothing_queued(api, backend):
    """The ScriptError is the whole answer: the next run of that assistant is not given the plan."""
    assistant = weather_assistant(api)
    thread = thread_asking(api)
    with pytest.raises(ScriptError):
        backend.emulator.script.reply("Let me call it.", assistant_id=assistant.id) \
            .then_call_function("launch_rockets", {})

    assert backend.emulator.script.pending() == 0
    run = api.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
    assert reply_of(api, run).content[0].text.value == default_reply(QUESTION)


def test_a_run_that_takes_a_plan_with_a_function_it_lacks_raises_in_process_and_is_a_500_over_http(api, backend):
    """In-process the ScriptError reaches the test; a server cannot raise into the test, so it
    answers 500 naming the problem (the fixture's ``bugs='respond'``), and creates no run."""
    assistant = weather_assistant(api)
    thread = thread_asking(api)
    backend.emulator.script.call_function("launch_rockets", {"count": 3})

    if backend.base_url is None:
        with pytest.raises(ScriptError, match="launch_rockets"):
            api.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id)
    else:
        failure = failure_over_a_fresh_connection(
            backend, lambda client: client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id))
        assert isinstance(failure, openai.InternalServerError), f"{type(failure).__name__}: {failure}"
        assert failure.body["message"].startswith("fakeai could not follow the test's script: ")
        assert (failure.body["type"], failure.body["code"]) == ("server_error", None)
        assert "launch_rockets" in failure.message
        assert len(backend.emulator.app.default.script_errors) == 1  # once: x-should-retry: false
        assert backend.emulator.problems == []  # the test's mistake, not a fakeai bug

    assert list(api.beta.threads.runs.list(thread.id)) == []
    run = api.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
    assert run.status == "completed"


def test_a_responder_that_calls_a_function_the_run_lacks_raises_into_the_test(fake_openai):
    client = fake_openai.client
    assistant = weather_assistant(client, tools=[])
    thread = thread_asking(client)
    fake_openai.script.respond(lambda turn: CallFunctions((function_call("get_weather", {"city": "Paris"}),)))
    run = client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id)

    with pytest.raises(ScriptError, match="get_weather"):
        client.beta.threads.runs.retrieve(run.id, thread_id=thread.id)


# --- many runs ------------------------------------------------------------------------------------

def test_a_hundred_create_and_poll_cycles_finish(fake_openai):
    client = fake_openai.client
    assistant = weather_assistant(client)
    thread = client.beta.threads.create()

    for n in range(100):
        client.beta.threads.messages.create(thread.id, role="user", content=f"Question {n}")
        run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
        assert run.status == "completed"

    assert len(list(client.beta.threads.runs.list(thread.id))) == 100
    assert reply_of(client, run).content[0].text.value == default_reply("Question 99")


@pytest.mark.fake_openai(progression="reads:3")
def test_a_read_refused_for_an_id_not_found_does_not_move_the_run(fake_openai):
    client = fake_openai.client
    assistant = weather_assistant(client)
    thread = thread_asking(client)
    run = client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id)

    with pytest.raises(openai.NotFoundError) as step_missing:
        client.beta.threads.runs.steps.retrieve("step_000000000000000000000000", thread_id=thread.id,
                                                run_id=run.id)
    with pytest.raises(openai.NotFoundError):
        client.beta.threads.messages.retrieve("msg_000000000000000000000000", thread_id=thread.id)
    seen = [client.beta.threads.runs.retrieve(run.id, thread_id=thread.id).status for _ in range(3)]

    assert step_missing.value.body["message"] == "No run step found with id 'step_000000000000000000000000'."
    assert seen == ["in_progress", "in_progress", "completed"]  # as if the refused reads never came
