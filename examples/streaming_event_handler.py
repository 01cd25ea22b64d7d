"""Streaming a run with an event handler, as in the openai-python README and the Assistants docs,
unchanged against `fakeai serve`: only OPENAI_BASE_URL (and any key) is set.

    fakeai serve --port 8000 &
    OPENAI_BASE_URL=http://127.0.0.1:8000/v1 OPENAI_API_KEY=sk-anything python examples/streaming_event_handler.py

Nothing is scripted over HTTP, so the server answers with fakeai's default reply; in a pytest test,
``fake_openai.script.run_code(...)`` makes the same handler print code interpreter input and logs.
"""

import warnings

from typing_extensions import override

from openai import AssistantEventHandler, OpenAI

warnings.simplefilter("ignore", DeprecationWarning)  # the SDK marks the Assistants API deprecated


class EventHandler(AssistantEventHandler):
    @override
    def on_text_created(self, text) -> None:
        print("\nassistant > ", end="", flush=True)

    @override
    def on_text_delta(self, delta, snapshot):
        print(delta.value, end="", flush=True)

    @override
    def on_tool_call_created(self, tool_call):
        print(f"\nassistant > {tool_call.type}\n", flush=True)

    @override
    def on_tool_call_delta(self, delta, snapshot):
        if delta.type == "code_interpreter":
            if delta.code_interpreter.input:
                print(delta.code_interpreter.input, end="", flush=True)
            if delta.code_interpreter.outputs:
                print("\n\noutput >", flush=True)
                for output in delta.code_interpreter.outputs:
                    if output.type == "logs":
                        print(f"\n{output.logs}", flush=True)


def main():
    client = OpenAI()
    assistant = client.beta.assistants.create(
        name="Math Tutor",
        instructions="You are a personal math tutor. Write and run code to answer math questions.",
        tools=[{"type": "code_interpreter"}],
        model="gpt-4o",
    )
    thread = client.beta.threads.create()
    client.beta.threads.messages.create(
        thread_id=thread.id,
        role="user",
        content="I need to solve the equation `3x + 11 = 14`. Can you help me?",
    )

    with client.beta.threads.runs.stream(
        thread_id=thread.id,
        assistant_id=assistant.id,
        instructions="Please address the user as Jane Doe. The user has a premium account.",
        event_handler=EventHandler(),
    ) as stream:
        stream.until_done()
    print(f"\nrun {stream.current_run.status}")


if __name__ == "__main__":
    main()
