"""Streaming (api-notes §9) through the real SDK: the stream helpers with an event handler, raw
``stream=True`` iteration, every terminal path, streaming on and off, byte-exact golden transcripts,
and, over a real socket, incremental delivery and a client that goes away mid-stream.

The SDK tests run four ways (in-process and over HTTP, sync and async client). The async stream
helpers are ``async with`` managers, which tests.sdk.Synchronous does not drive, so ``Driver`` below
opens them explicitly on the test's event loop; ordinary calls go through ``Driver.api``.

Golden transcripts: ``FAKEAI_UPDATE_GOLDEN=1 python -m pytest tests/test_streaming.py -k golden``
rewrites tests/golden/*.sse from a fresh FakeOpenAI() (default seed and clock, fixed script).
"""

from __future__ import annotations

import copy
import json
import math
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import httpx
import openai
import pytest

from fakeai import FakeOpenAI
from fakeai.app import RawRequest
from fakeai.scripting import StreamError
from fakeai.streaming import DEFAULT_CHUNK_SIZE
from tests.conftest import TEST_KEY
from tests.sdk import Synchronous

BETA = {"OpenAI-Beta": "assistants=v2"}
GOLDEN = Path(__file__).resolve().parent / "golden"
#: Every wait on another thread or on a socket is bounded by this many seconds.
WAIT = 10

QUESTION = "What is the weather in Paris, and what is 6 times 7?"
REPLY = "Paris is sunny today: 21 degrees, with a light breeze from the west."
AFTER_TOOLS = "It is 21 degrees and sunny in Paris; 6 times 7 is 42."
PARTIAL = "Paris is sunny today, and the temperature"
CITED = "According to the travel guide, Paris is lovely in spring."
CITATION = {"type": "file_citation", "text": "the travel guide", "file_id": "file-abc123"}
CODE = "import math\nprint(6 * 7)\nprint(math.sqrt(1764))"
LOGS = "42\n42.0"
WEATHER_ARGS = {"city": "Paris", "unit": "c"}
TIME_ARGS = {"timezone": "Europe/Paris"}

WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "The weather in a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "unit": {"type": "string"}},
                   "required": ["city"]}}}
CLOCK = {"type": "function", "function": {
    "name": "get_time", "parameters": {"type": "object", "properties": {"timezone": {"type": "string"}}}}}
TOOLS = [WEATHER, CLOCK, {"type": "code_interpreter"}]

ID = re.compile(r"\b(asst|thread|msg|run|step|call)_[0-9A-Za-z]{24}\b")
SERVER_ERROR = {"message": StreamError.message, "type": "server_error", "param": None, "code": None}


# --- the event sequences of api-notes 9.3-9.6 ------------------------------------------------------

def pieces(text: str) -> int:
    """How many deltas carry ``text`` (an empty text still gets one delta)."""
    return max(1, math.ceil(len(text) / DEFAULT_CHUNK_SIZE))


RUN_STARTS = ["thread.run.created", "thread.run.queued", "thread.run.in_progress"]
#: 9.5: a stream of submit_tool_outputs begins with the waiting step completing; no thread.run.created.
RUN_RESUMES = ["thread.run.step.completed", "thread.run.queued", "thread.run.in_progress"]


def message_events(text: str, end: str = "thread.message.completed") -> list[str]:
    return ["thread.run.step.created", "thread.run.step.in_progress", "thread.message.created",
            "thread.message.in_progress", *["thread.message.delta"] * pieces(text), end,
            "thread.run.step.completed"]


def function_call_events(*arguments: dict) -> list[str]:
    """9.4: one delta naming each call, then its arguments; the step stays in_progress."""
    deltas = [name for args in arguments for name in ["thread.run.step.delta"] * (1 + pieces(json.dumps(args)))]
    return ["thread.run.step.created", "thread.run.step.in_progress", *deltas, "thread.run.requires_action"]


def code_events(code: str) -> list[str]:
    """A code_interpreter step: the call, its input in pieces, its outputs, done."""
    return ["thread.run.step.created", "thread.run.step.in_progress",
            *["thread.run.step.delta"] * (1 + pieces(code) + 1), "thread.run.step.completed"]


# --- an event handler that records everything it is told -------------------------------------------

CALLBACKS = ("on_event", "on_run_step_created", "on_run_step_delta", "on_run_step_done",
             "on_tool_call_created", "on_tool_call_delta", "on_tool_call_done", "on_message_created",
             "on_message_delta", "on_message_done", "on_text_created", "on_text_delta", "on_text_done",
             "on_image_file_done", "on_exception", "on_timeout", "on_end")


@dataclass
class Recording:
    """Every callback an event handler got, in order, with its arguments as they were then (the SDK
    goes on mutating the snapshots it passes)."""

    calls: list = field(default_factory=list)

    def events(self) -> list[str]:
        return [event.event for (event,) in self.arguments("on_event")]

    def event_data(self, event_name: str) -> list:
        return [event.data for (event,) in self.arguments("on_event") if event.event == event_name]

    def callbacks(self) -> list[str]:
        return [name for name, *_ in self.calls if name != "on_event"]

    def arguments(self, callback: str) -> list:
        return [args for name, *args in self.calls if name == callback]

    def first(self, callback: str):
        return self.arguments(callback)[0][0]


def recording_handler(base: type) -> type:
    """``base`` (openai.AssistantEventHandler or its async twin) with every callback recorded."""
    asynchronous = base is openai.AsyncAssistantEventHandler

    def callback(name: str):
        def record(self, *args):
            self.recording.calls.append(
                (name, *(arg if isinstance(arg, BaseException) else copy.deepcopy(arg) for arg in args)))

        async def record_async(self, *args):
            record(self, *args)
        return record_async if asynchronous else record

    def __init__(self, recording: Recording | None = None):
        base.__init__(self)
        self.recording = recording if recording is not None else Recording()

    return type(f"Recording{base.__name__}", (base,),
                {"__init__": __init__, **{name: callback(name) for name in CALLBACKS}})


Recorder = recording_handler(openai.AssistantEventHandler)
AsyncRecorder = recording_handler(openai.AsyncAssistantEventHandler)


def attribute_path(root, dotted: str):
    for name in dotted.split("."):
        root = getattr(root, name)
    return root


@dataclass
class Streamed:
    recording: Recording
    result: object


class Driver:
    """The SDK's stream helpers for one client, sync or async, and ``api`` for ordinary calls."""

    def __init__(self, client, emulator: FakeOpenAI, loop=None):
        self.client = client
        self.emulator = emulator
        self.loop = loop
        self.api = client if loop is None else Synchronous(client, loop)

    def stream(self, helper: str, finish: str = "until_done", *, recording: Recording | None = None,
               **arguments) -> Streamed:
        """Open ``helper`` (e.g. 'runs.stream', under client.beta.threads) with a recording event
        handler, and finish it with ``finish``: one of the handler's until_done / get_final_run /
        get_final_messages / get_final_run_steps, or 'iterate' (its events) or 'text_deltas'."""
        open_stream = attribute_path(self.client.beta.threads, helper)
        recording = recording if recording is not None else Recording()
        if self.loop is None:
            with open_stream(event_handler=Recorder(recording), **arguments) as handler:
                if finish == "iterate":
                    return Streamed(recording, list(handler))
                if finish == "text_deltas":
                    return Streamed(recording, list(handler.text_deltas))
                return Streamed(recording, getattr(handler, finish)())

        async def go():
            async with open_stream(event_handler=AsyncRecorder(recording), **arguments) as handler:
                if finish == "iterate":
                    return Streamed(recording, [event async for event in handler])
                if finish == "text_deltas":
                    return Streamed(recording, [text async for text in handler.text_deltas])
                return Streamed(recording, await getattr(handler, finish)())
        return self.loop.run_until_complete(go())

    def events(self, method: str, **arguments) -> list:
        """The events of ``method`` (e.g. 'runs.create') called with ``stream=True``, iterated raw."""
        call = attribute_path(self.client.beta.threads, method)
        if self.loop is None:
            return list(call(stream=True, **arguments))

        async def go():
            return [event async for event in await call(stream=True, **arguments)]
        return self.loop.run_until_complete(go())

    def wire(self, path: str, **params) -> dict:
        """A GET's JSON body as the API sent it (no SDK model in between)."""
        return self.api.get(path, cast_to=object, options={"headers": BETA, "params": params})

    def assistant(self):
        return self.api.beta.assistants.create(model="gpt-4o", tools=TOOLS)

    def thread(self):
        return self.api.beta.threads.create(messages=[{"role": "user", "content": QUESTION}])


@pytest.fixture(params=["sync", "async"])
def sdk(request, backend, event_loop_for_test):
    if request.param == "sync":
        client = openai.OpenAI(**backend.client_options())
        yield Driver(client, backend.emulator)
        client.close()
        return
    client = openai.AsyncOpenAI(**backend.client_options())
    yield Driver(client, backend.emulator, event_loop_for_test)
    event_loop_for_test.run_until_complete(client.close())
    # the SDK leaves finished streams' inner async generators to the loop: let it close them
    event_loop_for_test.run_until_complete(event_loop_for_test.shutdown_asyncgens())


def dumped(model) -> dict:
    return model.model_dump(mode="json", exclude_unset=True)


def text_of(message) -> str:
    return message.content[0].text.value


# --- the event handler and the helpers -------------------------------------------------------------

def test_the_event_handler_hears_every_callback_of_a_text_reply_in_order(sdk):
    assistant, thread = sdk.assistant(), sdk.thread()
    sdk.emulator.script.reply(REPLY)

    recording = sdk.stream("runs.stream", thread_id=thread.id, assistant_id=assistant.id).recording

    assert recording.events() == RUN_STARTS + message_events(REPLY) + ["thread.run.completed"]
    deltas = pieces(REPLY)
    assert recording.callbacks() == [
        "on_run_step_created", "on_message_created",
        "on_text_created", *["on_text_delta", "on_message_delta"] * deltas,
        "on_text_done", "on_message_done", "on_run_step_done", "on_end"]

    created = recording.first("on_message_created")
    assert (created.status, created.content, created.role) == ("in_progress", [], "assistant")
    streamed_text = "".join(delta.value for delta, snapshot in recording.arguments("on_text_delta"))
    accumulated = recording.arguments("on_text_delta")[-1][1]  # the SDK's own sum of the deltas
    [message] = sdk.api.beta.threads.messages.list(thread.id, run_id=recording.first("on_run_step_created").run_id)
    retrieved = sdk.api.beta.threads.messages.retrieve(message.id, thread_id=thread.id)
    assert streamed_text == text_of(retrieved) == REPLY
    assert accumulated.value == REPLY
    assert recording.first("on_text_done").value == REPLY
    assert dumped(recording.first("on_message_done")) == dumped(retrieved)
    step = recording.first("on_run_step_done")
    assert dumped(step) == dumped(sdk.api.beta.threads.runs.steps.retrieve(
        step.id, thread_id=thread.id, run_id=step.run_id))
    assert step.step_details.message_creation.message_id == message.id


@pytest.mark.parametrize("finish", ["until_done", "get_final_run", "get_final_messages",
                                    "get_final_run_steps", "iterate", "text_deltas"])
def test_each_way_of_finishing_a_stream_gives_what_a_later_retrieve_shows(sdk, finish):
    assistant, thread = sdk.assistant(), sdk.thread()
    sdk.emulator.script.reply(REPLY)

    streamed = sdk.stream("runs.stream", finish, thread_id=thread.id, assistant_id=assistant.id)

    [run] = sdk.api.beta.threads.runs.list(thread.id)
    [step] = sdk.api.beta.threads.runs.steps.list(run.id, thread_id=thread.id)
    [reply, question] = sdk.api.beta.threads.messages.list(thread.id)
    expected = {
        "until_done": None,
        "get_final_run": [dumped(run)],
        "get_final_messages": [dumped(reply)],
        "get_final_run_steps": [step.id],  # the SDK keeps each step as created, plus its deltas
        "iterate": RUN_STARTS + message_events(REPLY) + ["thread.run.completed"],
        "text_deltas": [REPLY[i:i + DEFAULT_CHUNK_SIZE] for i in range(0, len(REPLY), DEFAULT_CHUNK_SIZE)],
    }[finish]
    result = streamed.result
    if finish == "iterate":
        result = [event.event for event in result]
    elif finish == "get_final_run_steps":
        result = [item.id for item in result]
    elif finish in ("get_final_run", "get_final_messages"):
        result = [dumped(item) for item in (result if isinstance(result, list) else [result])]
    assert result == expected
    assert run.status == "completed" and text_of(reply) == REPLY and text_of(question) == QUESTION
    assert streamed.recording.callbacks()[-1] == "on_end"


def test_a_function_call_streams_to_requires_action_and_submit_tool_outputs_stream_continues(sdk):
    assistant, thread = sdk.assistant(), sdk.thread()
    sdk.emulator.script.call_function("get_weather", WEATHER_ARGS).then_reply(AFTER_TOOLS)

    first = sdk.stream("runs.stream", "get_final_run", thread_id=thread.id, assistant_id=assistant.id)

    run, recording = first.result, first.recording
    assert recording.events() == RUN_STARTS + function_call_events(WEATHER_ARGS)
    assert run.status == "requires_action"
    [call] = run.required_action.submit_tool_outputs.tool_calls
    assert (call.function.name, json.loads(call.function.arguments)) == ("get_weather", WEATHER_ARGS)
    arguments = pieces(json.dumps(WEATHER_ARGS))
    assert recording.callbacks() == [
        "on_run_step_created", "on_tool_call_created", "on_run_step_delta",
        *["on_tool_call_delta", "on_run_step_delta"] * arguments, "on_tool_call_done", "on_end"]
    created = recording.first("on_tool_call_created")
    assert (created.id, created.type, created.function.name, created.function.arguments) == (
        call.id, "function", "get_weather", "")
    streamed_arguments = "".join(delta.function.arguments for delta, _ in recording.arguments("on_tool_call_delta"))
    step_id = recording.first("on_run_step_created").id
    step = sdk.api.beta.threads.runs.steps.retrieve(step_id, thread_id=thread.id, run_id=run.id)
    assert step.status == "in_progress"  # 9.4: the tool_calls step waits with the run
    assert streamed_arguments == step.step_details.tool_calls[0].function.arguments == call.function.arguments
    assert recording.first("on_tool_call_done").function.arguments == call.function.arguments

    second = sdk.stream("runs.submit_tool_outputs_stream", "get_final_run", thread_id=thread.id, run_id=run.id,
                        tool_outputs=[{"tool_call_id": call.id, "output": "21 C, sunny"}])

    events = second.recording.events()
    assert events[0] == "thread.run.step.completed" and "thread.run.created" not in events
    assert events == RUN_RESUMES + message_events(AFTER_TOOLS) + ["thread.run.completed"]
    completed_step = second.recording.event_data("thread.run.step.completed")[0]
    assert completed_step.id == step_id
    assert completed_step.step_details.tool_calls[0].function.output == "21 C, sunny"
    assert second.result.status == "completed" and second.result.required_action is None
    reply = sdk.api.beta.threads.messages.list(thread.id).data[0]
    streamed_text = "".join(delta.value for delta, _ in second.recording.arguments("on_text_delta"))
    assert streamed_text == text_of(reply) == AFTER_TOOLS


def test_parallel_function_calls_stream_each_call_by_index(sdk):
    assistant, thread = sdk.assistant(), sdk.thread()
    sdk.emulator.script.call_functions(("get_weather", WEATHER_ARGS), ("get_time", TIME_ARGS))

    streamed = sdk.stream("runs.stream", "get_final_run", thread_id=thread.id, assistant_id=assistant.id)

    recording = streamed.recording
    assert recording.events() == RUN_STARTS + function_call_events(WEATHER_ARGS, TIME_ARGS)
    created = [tool_call for (tool_call,) in recording.arguments("on_tool_call_created")]
    done = [tool_call for (tool_call,) in recording.arguments("on_tool_call_done")]
    required = streamed.result.required_action.submit_tool_outputs.tool_calls
    assert [c.id for c in created] == [c.id for c in done] == [c.id for c in required]
    assert [c.function.arguments for c in done] == [json.dumps(WEATHER_ARGS), json.dumps(TIME_ARGS)]
    step = sdk.api.beta.threads.runs.steps.retrieve(
        recording.first("on_run_step_created").id, thread_id=thread.id, run_id=streamed.result.id)
    assert [c.function.arguments for c in step.step_details.tool_calls] == [c.function.arguments for c in done]


def test_code_interpreter_input_and_outputs_stream(sdk):
    assistant, thread = sdk.assistant(), sdk.thread()
    sdk.emulator.script.run_code(CODE, logs=LOGS).then_reply("6 times 7 is 42.")

    streamed = sdk.stream("runs.stream", "get_final_run_steps", thread_id=thread.id, assistant_id=assistant.id)

    recording = streamed.recording
    assert recording.events() == RUN_STARTS + code_events(CODE) + message_events("6 times 7 is 42.") + [
        "thread.run.completed"]
    created = recording.first("on_tool_call_created")
    assert (created.type, created.code_interpreter.input, created.code_interpreter.outputs) == (
        "code_interpreter", "", [])
    deltas = [delta.code_interpreter for delta, _ in recording.arguments("on_tool_call_delta")]
    streamed_input = "".join(delta.input or "" for delta in deltas)
    streamed_logs = [output.logs for delta in deltas for output in delta.outputs or [] if output.type == "logs"]
    code_step = streamed.result[0]
    retrieved = sdk.api.beta.threads.runs.steps.retrieve(code_step.id, thread_id=thread.id, run_id=code_step.run_id)
    [call] = retrieved.step_details.tool_calls
    assert streamed_input == call.code_interpreter.input == CODE
    assert streamed_logs == [output.logs for output in call.code_interpreter.outputs] == [LOGS]
    done = recording.first("on_tool_call_done")
    assert (done.id, done.code_interpreter.input, done.code_interpreter.outputs[0].logs) == (call.id, CODE, LOGS)
    assert retrieved.status == "completed"


def test_create_and_run_stream_begins_with_thread_created(sdk):
    assistant = sdk.assistant()
    sdk.emulator.script.reply(REPLY)

    streamed = sdk.stream("create_and_run_stream", "get_final_messages", assistant_id=assistant.id,
                          thread={"messages": [{"role": "user", "content": QUESTION}]})

    recording = streamed.recording
    assert recording.events() == ["thread.created"] + RUN_STARTS + message_events(REPLY) + ["thread.run.completed"]
    [thread] = recording.event_data("thread.created")
    [run] = sdk.api.beta.threads.runs.list(thread.id)
    assert recording.event_data("thread.run.created")[0].thread_id == thread.id == run.thread_id
    [reply] = streamed.result
    assert dumped(reply) == dumped(sdk.api.beta.threads.messages.retrieve(reply.id, thread_id=thread.id))
    assert [text_of(m) for m in sdk.api.beta.threads.messages.list(thread.id, order="asc")] == [QUESTION, REPLY]


def test_stream_true_yields_the_events_raw(sdk):
    assistant, thread = sdk.assistant(), sdk.thread()
    sdk.emulator.script.call_function("get_weather", WEATHER_ARGS).then_reply(AFTER_TOOLS)
    sdk.emulator.script.reply(REPLY)

    created = sdk.events("runs.create", thread_id=thread.id, assistant_id=assistant.id)
    run = created[-1].data
    submitted = sdk.events("runs.submit_tool_outputs", thread_id=thread.id, run_id=run.id, tool_outputs=[
        {"tool_call_id": run.required_action.submit_tool_outputs.tool_calls[0].id, "output": "21 C"}])
    with_thread = sdk.events("create_and_run", assistant_id=assistant.id,
                             thread={"messages": [{"role": "user", "content": QUESTION}]})

    assert [event.event for event in created] == RUN_STARTS + function_call_events(WEATHER_ARGS)
    assert [event.event for event in submitted] == RUN_RESUMES + message_events(AFTER_TOOLS) + [
        "thread.run.completed"]
    assert [event.event for event in with_thread] == ["thread.created"] + RUN_STARTS + message_events(REPLY) + [
        "thread.run.completed"]
    kinds = {event.event: type(event.data).__name__ for event in created + submitted + with_thread}
    assert kinds == {
        "thread.created": "Thread", "thread.run.created": "Run", "thread.run.queued": "Run",
        "thread.run.in_progress": "Run", "thread.run.requires_action": "Run", "thread.run.completed": "Run",
        "thread.run.step.created": "RunStep", "thread.run.step.in_progress": "RunStep",
        "thread.run.step.completed": "RunStep", "thread.run.step.delta": "RunStepDeltaEvent",
        "thread.message.created": "Message", "thread.message.in_progress": "Message",
        "thread.message.delta": "MessageDeltaEvent", "thread.message.completed": "Message"}
    arguments = "".join(call.function.arguments for event in created if event.event == "thread.run.step.delta"
                        for call in event.data.delta.step_details.tool_calls)
    step = sdk.api.beta.threads.runs.steps.retrieve(created[3].data.id, thread_id=thread.id, run_id=run.id)
    assert arguments == step.step_details.tool_calls[0].function.arguments == json.dumps(WEATHER_ARGS)
    text = "".join(part.text.value for event in submitted if event.event == "thread.message.delta"
                   for part in event.data.delta.content)
    assert text == text_of(sdk.api.beta.threads.messages.list(thread.id).data[0]) == AFTER_TOOLS


def test_the_sdk_accumulates_annotation_deltas_into_the_message_a_retrieve_returns(sdk):
    """Numbers are sent once (the SDK adds them up, api-notes 9.8): the accumulated snapshot equals
    the stored message, annotation indices included."""
    assistant, thread = sdk.assistant(), sdk.thread()
    sdk.emulator.script.reply(CITED, annotations=[CITATION])

    recording = sdk.stream("runs.stream", thread_id=thread.id, assistant_id=assistant.id).recording

    accumulated = recording.arguments("on_message_delta")[-1][1]
    retrieved = sdk.api.beta.threads.messages.list(thread.id).data[0]
    start = CITED.index(CITATION["text"])
    [note] = retrieved.content[0].text.annotations
    assert (note.start_index, note.end_index, note.text) == (start, start + len(CITATION["text"]), CITATION["text"])
    assert accumulated.content[0].text.value == text_of(retrieved) == CITED
    [accumulated_note] = accumulated.content[0].text.annotations
    assert {key: value for key, value in dumped(accumulated_note).items() if key != "index"} == dumped(note)


# --- terminal paths, and the same script with streaming on and off ---------------------------------

def no_clock_change(emulator):
    pass


@dataclass(frozen=True)
class Scenario:
    script: Callable  # (fake_openai.script, thread_id) -> None
    streams: list  # the events of each stream, in order, as the SDK yields them (it stops at `done`)
    status: str  # the run's final status
    errors: list = field(default_factory=list)  # what the SDK raises while it plays the scenario
    before_outputs: Callable = no_clock_change  # run on the emulator before tool outputs are submitted


E8_EXPIRED = 'BadRequestError: Runs in status "expired" do not accept tool outputs.'

SCENARIOS = {
    "text reply": Scenario(
        lambda script, thread_id: script.reply(REPLY, thread_id=thread_id),
        [RUN_STARTS + message_events(REPLY) + ["thread.run.completed"]], "completed"),
    "annotated reply": Scenario(
        lambda script, thread_id: script.reply(CITED, annotations=[CITATION], thread_id=thread_id),
        [RUN_STARTS + message_events(CITED) + ["thread.run.completed"]], "completed"),
    "code then reply": Scenario(
        lambda script, thread_id: script.run_code(CODE, logs=LOGS, thread_id=thread_id).then_reply(REPLY),
        [RUN_STARTS + code_events(CODE) + message_events(REPLY) + ["thread.run.completed"]], "completed"),
    "function call then reply": Scenario(
        lambda script, thread_id: script.call_function("get_weather", WEATHER_ARGS, thread_id=thread_id)
        .then_reply(AFTER_TOOLS),
        [RUN_STARTS + function_call_events(WEATHER_ARGS),
         RUN_RESUMES + message_events(AFTER_TOOLS) + ["thread.run.completed"]], "completed"),
    "parallel calls then reply": Scenario(
        lambda script, thread_id: script.call_functions(("get_weather", WEATHER_ARGS), ("get_time", TIME_ARGS),
                                                        thread_id=thread_id).then_reply(AFTER_TOOLS),
        [RUN_STARTS + function_call_events(WEATHER_ARGS, TIME_ARGS),
         RUN_RESUMES + message_events(AFTER_TOOLS) + ["thread.run.completed"]], "completed"),
    # 9.6 failure: no step is open when a scripted failure happens, so only the run fails.
    "failed": Scenario(
        lambda script, thread_id: script.fail("rate_limit_exceeded", "Slow down.", thread_id=thread_id),
        [RUN_STARTS + ["thread.run.failed"]], "failed"),
    "failed after a reply": Scenario(
        lambda script, thread_id: script.reply(REPLY, thread_id=thread_id).then_fail(),
        [RUN_STARTS + message_events(REPLY) + ["thread.run.failed"]], "failed"),
    # 9.6 token limit: thread.message.incomplete -> step completed -> thread.run.incomplete.
    "incomplete": Scenario(
        lambda script, thread_id: script.stop_incomplete("max_completion_tokens", PARTIAL, thread_id=thread_id),
        [RUN_STARTS + message_events(PARTIAL, end="thread.message.incomplete") + ["thread.run.incomplete"]],
        "incomplete"),
    # 9.9: the SDK raises APIError at the error event; the run is failed (server_error).
    "stream error": Scenario(
        lambda script, thread_id: script.stream_error(thread_id=thread_id),
        [RUN_STARTS], "failed", errors=[f"APIError: {StreamError.message}"]),
    # 9.6 expiry with no step open: only the run expires.
    "expired while running": Scenario(
        lambda script, thread_id: script.expire(thread_id=thread_id),
        [RUN_STARTS + ["thread.run.expired"]], "expired"),
    # The scripted expiry: the outputs come too late, whether or not the run was streamed (E8).
    "expired before the outputs": Scenario(
        lambda script, thread_id: script.call_function("get_weather", WEATHER_ARGS, thread_id=thread_id)
        .then_expire(),
        [RUN_STARTS + function_call_events(WEATHER_ARGS)], "expired", errors=[E8_EXPIRED]),
    "expired by the clock": Scenario(
        lambda script, thread_id: script.call_function("get_weather", WEATHER_ARGS, thread_id=thread_id)
        .then_reply(AFTER_TOOLS),
        [RUN_STARTS + function_call_events(WEATHER_ARGS)], "expired", errors=[E8_EXPIRED],
        before_outputs=lambda emulator: emulator.advance_time(600)),
}


def described(error: openai.APIError) -> str:
    message = error.body["message"] if isinstance(error.body, dict) else error.message
    return f"{type(error).__name__}: {message}"


@dataclass
class Played:
    thread_id: str
    run_id: str | None = None
    streams: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    error_bodies: list = field(default_factory=list)


def play(sdk: Driver, scenario: Scenario, assistant_id: str, *, stream: bool, start: int) -> Played:
    """One run of ``scenario`` on a new thread, streamed or not, tool outputs submitted until it rests."""
    sdk.emulator.set_time(start)  # both plays see the same clock, whatever the first did to it
    played = Played(sdk.thread().id)
    scenario.script(sdk.emulator.script, played.thread_id)
    runs = sdk.api.beta.threads.runs

    def streamed(helper: str, **arguments):
        recording = Recording()
        try:
            return sdk.stream(helper, "get_final_run", recording=recording, **arguments).result
        except openai.APIError as error:
            played.errors.append(described(error))
            played.error_bodies.append(error.body)
        finally:
            if recording.calls:
                played.streams.append(recording.events())
                played.run_id = played.run_id or recording.event_data("thread.run.created")[0].id
        return None

    if stream:
        run = streamed("runs.stream", thread_id=played.thread_id, assistant_id=assistant_id)
    else:
        played.run_id = runs.create(thread_id=played.thread_id, assistant_id=assistant_id).id
        run = runs.retrieve(played.run_id, thread_id=played.thread_id)
    while run is not None and run.status == "requires_action":
        scenario.before_outputs(sdk.emulator)
        outputs = [{"tool_call_id": call.id, "output": f"{call.function.name}: done"}
                   for call in run.required_action.submit_tool_outputs.tool_calls]
        arguments = dict(thread_id=played.thread_id, run_id=run.id, tool_outputs=outputs)
        if stream:
            run = streamed("runs.submit_tool_outputs_stream", **arguments)
            continue
        try:
            runs.submit_tool_outputs(**arguments)
        except openai.BadRequestError as refusal:
            played.errors.append(described(refusal))
            break
        run = runs.retrieve(run.id, thread_id=played.thread_id)
    return played


def final_state(sdk: Driver, played: Played) -> dict:
    """The run, its steps and the thread's messages as later GETs return them."""
    thread_id, run_id = played.thread_id, played.run_id
    return {
        "run": sdk.wire(f"/threads/{thread_id}/runs/{run_id}"),
        "steps": sdk.wire(f"/threads/{thread_id}/runs/{run_id}/steps", order="asc")["data"],
        "messages": sdk.wire(f"/threads/{thread_id}/messages", order="asc")["data"],
    }


def without_ids(value):
    """Ids replaced by their order of first appearance (so references between objects still count)."""
    names: dict[str, str] = {}

    def rename(match):
        return names.setdefault(match.group(0), f"{match.group(1)}_#{len(names)}")
    return json.loads(ID.sub(rename, json.dumps(value)))


@pytest.mark.parametrize("name", SCENARIOS)
def test_a_streamed_run_ends_as_the_same_run_not_streamed(sdk, name):
    scenario = SCENARIOS[name]
    assistant = sdk.assistant()
    start = sdk.emulator.now()

    streamed = play(sdk, scenario, assistant.id, stream=True, start=start)
    plain = play(sdk, scenario, assistant.id, stream=False, start=start)

    assert streamed.errors == scenario.errors
    assert plain.errors == [error for error in scenario.errors if not error.startswith("APIError")]
    assert streamed.streams == scenario.streams
    if name == "stream error":
        assert streamed.error_bodies == [SERVER_ERROR]
    state, plain_state = final_state(sdk, streamed), final_state(sdk, plain)
    assert state["run"]["status"] == scenario.status
    assert without_ids(state) == without_ids(plain_state)


def test_the_terminal_runs_carry_what_their_status_says(sdk):
    """What a later retrieve shows after each streamed terminal path (api-notes 8.2)."""
    assistant = sdk.assistant()
    start = sdk.emulator.now()
    states = {name: final_state(sdk, play(sdk, SCENARIOS[name], assistant.id, stream=True, start=start))
              for name in ("failed", "incomplete", "stream error", "expired while running",
                           "expired by the clock")}

    failed = states["failed"]["run"]
    assert failed["last_error"] == {"code": "rate_limit_exceeded", "message": "Slow down."}
    assert (failed["failed_at"], failed["expires_at"]) == (start, None)
    incomplete = states["incomplete"]
    assert incomplete["run"]["incomplete_details"] == {"reason": "max_completion_tokens"}
    reply = incomplete["messages"][-1]
    assert (reply["status"], reply["incomplete_details"], reply["content"][0]["text"]["value"]) == (
        "incomplete", {"reason": "max_tokens"}, PARTIAL)
    assert states["stream error"]["run"]["last_error"] == {"code": "server_error", "message": StreamError.message}
    assert states["expired while running"]["run"]["expires_at"] is None
    clock = states["expired by the clock"]
    [step] = clock["steps"]
    assert (clock["run"]["status"], step["status"], step["expired_at"]) == ("expired", "expired", start + 600)
    assert [message["role"] for message in clock["messages"]] == ["user"]


def test_submitting_outputs_to_a_run_expired_while_it_waited_is_refused_even_right_after_its_stream(sdk):
    """The scripted expiry says the outputs come too late. A stream that ended at requires_action
    already showed the client the run; submitting straight away must be refused (E8), as it is after
    a non-streamed run, and the waiting step must end expired, not completed with the outputs."""
    assistant, thread = sdk.assistant(), sdk.thread()
    sdk.emulator.script.call_function("get_weather", WEATHER_ARGS).then_expire()
    run = sdk.stream("runs.stream", "get_final_run", thread_id=thread.id, assistant_id=assistant.id).result
    call = run.required_action.submit_tool_outputs.tool_calls[0]

    with pytest.raises(openai.BadRequestError) as refused:
        sdk.stream("runs.submit_tool_outputs_stream", thread_id=thread.id, run_id=run.id,
                   tool_outputs=[{"tool_call_id": call.id, "output": "too late"}])

    assert refused.value.body["message"] == 'Runs in status "expired" do not accept tool outputs.'
    [step] = sdk.api.beta.threads.runs.steps.list(run.id, thread_id=thread.id)
    assert (step.status, step.step_details.tool_calls[0].function.output) == ("expired", None)
    assert sdk.api.beta.threads.runs.retrieve(run.id, thread_id=thread.id).status == "expired"


def test_the_stream_error_reaches_the_event_handler_and_ends_the_stream(sdk):
    assistant, thread = sdk.assistant(), sdk.thread()
    sdk.emulator.script.stream_error("The model is having a bad day.")
    recording = Recording()

    with pytest.raises(openai.APIError) as raised:
        sdk.stream("runs.stream", recording=recording, thread_id=thread.id, assistant_id=assistant.id)

    assert not isinstance(raised.value, openai.APIStatusError)
    assert raised.value.message == "The model is having a bad day."
    assert recording.events() == RUN_STARTS
    assert recording.callbacks() == ["on_exception", "on_end"]
    assert recording.first("on_exception") is raised.value
    run = sdk.api.beta.threads.runs.list(thread.id).data[0]
    assert (run.status, run.last_error.code, run.last_error.message) == (
        "failed", "server_error", "The model is having a bad day.")


# --- golden transcripts: the exact bytes ------------------------------------------------------------

def request(emulator: FakeOpenAI, method: str, path: str, body: dict | None = None) -> bytes:
    """One request straight to the emulator (no SDK: the bytes do not depend on its version)."""
    response = emulator.handle(RawRequest(
        method, "/v1" + path, headers={"authorization": f"Bearer {TEST_KEY}", "openai-beta": "assistants=v2",
                                       "content-type": "application/json"},
        body=json.dumps(body).encode() if body is not None else b""))
    payload = response.body if isinstance(response.body, bytes) else b"".join(response.body)
    assert response.status == 200, payload
    return payload


def sse(payload: bytes) -> list[tuple[str, object]]:
    """(event, data) of each event; the payload must be nothing but well-formed events."""
    text = payload.decode()
    assert text.endswith("\n\n"), text[-200:]
    events = []
    for block in text[:-2].split("\n\n"):
        event, data = block.split("\n")
        assert event.startswith("event: ") and data.startswith("data: "), block
        events.append((event[len("event: "):], data[len("data: "):] if data == "data: [DONE]"
                       else json.loads(data[len("data: "):])))
    return events


def golden_setup(script: Callable) -> tuple[FakeOpenAI, str, str]:
    emulator = FakeOpenAI()
    assistant = json.loads(request(emulator, "POST", "/assistants", {"model": "gpt-4o", "tools": TOOLS}))
    thread = json.loads(request(emulator, "POST", "/threads", {"messages": [{"role": "user", "content": QUESTION}]}))
    script(emulator.script)
    return emulator, assistant["id"], thread["id"]


def streamed_run(script: Callable) -> bytes:
    emulator, assistant_id, thread_id = golden_setup(script)
    return request(emulator, "POST", f"/threads/{thread_id}/runs", {"assistant_id": assistant_id, "stream": True})


def submitted_outputs() -> bytes:
    emulator, assistant_id, thread_id = golden_setup(
        lambda script: script.call_function("get_weather", WEATHER_ARGS).then_reply(AFTER_TOOLS))
    *_, (name, run) = [event for event in sse(request(emulator, "POST", f"/threads/{thread_id}/runs", {
        "assistant_id": assistant_id, "stream": True})) if event[0] != "done"]
    assert name == "thread.run.requires_action"
    [call] = run["required_action"]["submit_tool_outputs"]["tool_calls"]
    return request(emulator, "POST", f"/threads/{thread_id}/runs/{run['id']}/submit_tool_outputs", {
        "tool_outputs": [{"tool_call_id": call["id"], "output": "21 C, sunny"}], "stream": True})


def thread_and_run() -> bytes:
    emulator, assistant_id, _ = golden_setup(lambda script: script.reply(REPLY))
    return request(emulator, "POST", "/threads/runs", {
        "assistant_id": assistant_id, "thread": {"messages": [{"role": "user", "content": QUESTION}]},
        "stream": True})


DONE = ["done"]
#: name -> (how the transcript is made, the event order api-notes 9.3-9.6 and 9.9 ask for)
GOLDEN_TRANSCRIPTS = {
    "a_create_run_text_reply": (
        lambda: streamed_run(lambda script: script.reply(REPLY)),
        RUN_STARTS + message_events(REPLY) + ["thread.run.completed"] + DONE),
    "b_function_call_requires_action": (
        lambda: streamed_run(lambda script: script.call_function("get_weather", WEATHER_ARGS)
                             .then_reply(AFTER_TOOLS)),
        RUN_STARTS + function_call_events(WEATHER_ARGS) + DONE),
    "c_submit_tool_outputs": (
        submitted_outputs,
        RUN_RESUMES + message_events(AFTER_TOOLS) + ["thread.run.completed"] + DONE),
    "d_create_thread_and_run": (
        thread_and_run,
        ["thread.created"] + RUN_STARTS + message_events(REPLY) + ["thread.run.completed"] + DONE),
    "failed": (
        lambda: streamed_run(lambda script: script.fail()),
        RUN_STARTS + ["thread.run.failed"] + DONE),
    "incomplete": (
        lambda: streamed_run(lambda script: script.stop_incomplete("max_completion_tokens", PARTIAL)),
        RUN_STARTS + message_events(PARTIAL, end="thread.message.incomplete") + ["thread.run.incomplete"] + DONE),
    "expired": (
        lambda: streamed_run(lambda script: script.expire()),
        RUN_STARTS + ["thread.run.expired"] + DONE),
    "stream_error": (
        lambda: streamed_run(lambda script: script.stream_error()),
        RUN_STARTS + ["error"] + DONE),
}


def write_golden_transcripts() -> None:
    """FAKEAI_UPDATE_GOLDEN=1: (re)write tests/golden/*.sse from what fakeai sends now."""
    GOLDEN.mkdir(exist_ok=True)
    for name, (make, _) in GOLDEN_TRANSCRIPTS.items():
        (GOLDEN / f"{name}.sse").write_bytes(make())


@pytest.fixture(scope="module")
def golden_files():
    if os.environ.get("FAKEAI_UPDATE_GOLDEN") == "1":
        write_golden_transcripts()
    return GOLDEN


def test_every_golden_file_is_a_transcript_made_here(golden_files):
    assert {path.stem for path in golden_files.glob("*.sse")} == set(GOLDEN_TRANSCRIPTS)


@pytest.mark.parametrize("name", GOLDEN_TRANSCRIPTS)
def test_golden_transcript(golden_files, name):
    make, expected_order = GOLDEN_TRANSCRIPTS[name]
    payload = make()

    assert [event for event, _ in sse(payload)] == expected_order
    assert payload == make()  # deterministic
    assert payload == (golden_files / f"{name}.sse").read_bytes(), (
        f"tests/golden/{name}.sse differs from what fakeai sends; if the change is intended, "
        "rewrite it with FAKEAI_UPDATE_GOLDEN=1")


def test_golden_deltas_have_the_shapes_of_the_notes():
    """9.7: the first text delta carries annotations [], later ones only the value; a call's first
    delta names it with empty arguments and output null; later ones carry only argument pieces."""
    text = [data["delta"]["content"] for event, data in sse(GOLDEN_TRANSCRIPTS["a_create_run_text_reply"][0]())
            if event == "thread.message.delta"]
    assert text[0] == [{"index": 0, "type": "text", "text": {"value": REPLY[:DEFAULT_CHUNK_SIZE], "annotations": []}}]
    assert all(delta == [{"index": 0, "type": "text", "text": {"value": delta[0]["text"]["value"]}}]
               for delta in text[1:])
    calls = [data["delta"]["step_details"]["tool_calls"]
             for event, data in sse(GOLDEN_TRANSCRIPTS["b_function_call_requires_action"][0]())
             if event == "thread.run.step.delta"]
    [[first]] = calls[:1]
    assert {key: first[key] for key in ("index", "type", "function")} == {
        "index": 0, "type": "function", "function": {"name": "get_weather", "arguments": "", "output": None}}
    assert first["id"].startswith("call_")
    assert "".join(call["function"]["arguments"] for [call] in calls[1:]) == json.dumps(WEATHER_ARGS)
    assert all(set(call) == {"index", "type", "function"} and set(call["function"]) == {"arguments"}
               for [call] in calls[1:])


# --- over a real socket: incremental delivery, and a client that goes away --------------------------

@pytest.fixture
def served(live_server):
    """An emulator behind the session's real HTTP server, for tests that read the socket raw."""
    live_server.emulator = emulator = FakeOpenAI(bugs="respond")
    yield emulator, live_server.base_url
    live_server.emulator = None
    assert not emulator.problems, emulator.problems


def read_event(lines) -> tuple[str, object]:
    """The next (event, data) from an iterator over the response's lines."""
    event = data = None
    for line in lines:
        if line.startswith("event: "):
            event = line[len("event: "):]
        elif line.startswith("data: "):
            data = line[len("data: "):]
        elif line == "" and event is not None:
            return event, data if data == "[DONE]" else json.loads(data)
    raise AssertionError(f"the stream ended before a whole event (had event={event!r}, data={data!r})")


def start_streamed_run(http: httpx.Client, base_url: str, thread_id: str, assistant_id: str):
    return http.stream("POST", f"{base_url}/threads/{thread_id}/runs",
                       headers={"Authorization": f"Bearer {TEST_KEY}", **BETA},
                       json={"assistant_id": assistant_id, "stream": True})


class SlowModel:
    """A responder that waits, holding the run, until the test releases it (or WAIT passes)."""

    def __init__(self, reply: str):
        self.reply = reply
        self.entered = threading.Event()
        self.release = threading.Event()
        self.released_in_time: bool | None = None

    def __call__(self, turn) -> str:
        self.entered.set()
        self.released_in_time = self.release.wait(timeout=WAIT)
        return self.reply


def test_the_client_reads_the_first_events_before_the_run_has_finished(served):
    emulator, base_url = served
    client = openai.OpenAI(base_url=base_url, api_key=TEST_KEY, max_retries=0)
    assistant = client.beta.assistants.create(model="gpt-4o")
    thread = client.beta.threads.create(messages=[{"role": "user", "content": QUESTION}])
    model = SlowModel(REPLY)
    emulator.script.respond(model)
    events = []
    try:
        with httpx.Client(timeout=httpx.Timeout(WAIT * 2)) as http, \
                start_streamed_run(http, base_url, thread.id, assistant.id) as response:
            lines = response.iter_lines()
            events += [read_event(lines) for _ in range(3)]
            run = emulator.state.threads[thread.id].progress[events[0][1]["id"]].run
            model_was_answering = model.entered.wait(timeout=WAIT)
            status_while_client_read = run["status"]
            model.release.set()
            while events[-1][0] != "done":
                events.append(read_event(lines))
    finally:
        model.release.set()
        client.close()

    assert [name for name, _ in events[:3]] == RUN_STARTS
    assert model_was_answering and status_while_client_read == "in_progress"
    assert model.released_in_time, "the run finished before the client had read its first events"
    assert [name for name, _ in events] == RUN_STARTS + message_events(REPLY) + ["thread.run.completed", "done"]
    assert events[-2][1]["status"] == "completed"


@pytest.mark.parametrize("events_read", [1, 3])
def test_a_client_that_goes_away_mid_stream_leaves_a_consistent_run(served, events_read):
    emulator, base_url = served
    client = openai.OpenAI(base_url=base_url, api_key=TEST_KEY, max_retries=0)
    assistant = client.beta.assistants.create(model="gpt-4o", tools=[{"type": "code_interpreter"}])
    thread = client.beta.threads.create(messages=[{"role": "user", "content": QUESTION}])
    model = SlowModel(REPLY)
    emulator.script.respond(model).then_run_code(CODE, logs=LOGS).then_reply(AFTER_TOOLS)
    try:
        with httpx.Client(timeout=httpx.Timeout(WAIT * 2)) as http:
            with start_streamed_run(http, base_url, thread.id, assistant.id) as response:
                lines = response.iter_lines()
                seen = [read_event(lines) for _ in range(events_read)]
            # the response is closed: the client has gone; now the model answers
        run_id = seen[0][1]["id"]
        progress = emulator.state.threads[thread.id].progress[run_id]
        model.release.set()
        deadline = time.monotonic() + WAIT
        while progress.events is not None and time.monotonic() < deadline:  # the server lets go of the run
            time.sleep(0.01)
        assert progress.events is None, "the server still streams a run nobody reads"
        with emulator.lock:  # what the stream left behind, before any later request moves the run on
            left_status = progress.run["status"]
            left_messages = [(m["id"], m["status"]) for m in emulator.state.threads[thread.id].messages
                             if m["role"] == "assistant"]
            left_steps = [(step["status"], step["step_details"].get("message_creation", {}).get("message_id"))
                          for step in progress.steps]

        run = client.beta.threads.runs.retrieve(run_id, thread_id=thread.id)
        steps = list(client.beta.threads.runs.steps.list(run_id, thread_id=thread.id, order="asc"))
        messages = list(client.beta.threads.messages.list(thread.id, order="asc"))
    finally:
        model.release.set()
        client.close()

    assert model.released_in_time
    assert left_status in ("queued", "in_progress", "completed")  # where the stream was when it broke
    assert [status for status, _ in left_steps] == ["completed"] * len(left_steps)
    assert left_messages == [(message_id, "completed") for _, message_id in left_steps if message_id]
    assert run.status == "completed"
    assert [(step.type, step.status) for step in steps] == [
        ("message_creation", "completed"), ("tool_calls", "completed"), ("message_creation", "completed")]
    replies = [message for message in messages if message.role == "assistant"]
    assert [step.step_details.message_creation.message_id for step in steps if step.type == "message_creation"] == [
        message.id for message in replies]
    assert [(message.status, text_of(message), message.run_id) for message in replies] == [
        ("completed", REPLY, run_id), ("completed", AFTER_TOOLS, run_id)]
    assert steps[1].step_details.tool_calls[0].code_interpreter.input == CODE
    assert run.usage.total_tokens == sum(step.usage.total_tokens for step in steps)


@pytest.mark.fake_openai(stream_chunk_size=5)
def test_the_delta_size_is_an_option(fake_openai):
    client = fake_openai.client
    assistant = client.beta.assistants.create(model="gpt-4o")
    thread = client.beta.threads.create()
    fake_openai.script.reply("Twelve chars")

    with client.beta.threads.runs.stream(thread_id=thread.id, assistant_id=assistant.id) as stream:
        deltas = list(stream.text_deltas)

    assert deltas == ["Twelv", "e cha", "rs"]
