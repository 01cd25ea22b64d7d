"""A run costs what it produces, not what its thread holds (the benchmark row in benchmarks/run.py
measures it): the responder reads the thread through a sequence that copies only what is read,
and the prompt's token count is a running total the thread keeps. These tests pin what that must
not change."""

from __future__ import annotations

import openai


def test_a_responder_reads_the_threads_messages_and_cannot_change_them(fake_openai):
    sdk = openai.OpenAI()
    assistant = sdk.beta.assistants.create(model="gpt-4o")
    thread = sdk.beta.threads.create(messages=[{"role": "user", "content": text} for text in ("one", "two", "three")])
    seen = {}

    def responder(turn):
        messages = turn.messages
        seen["len"] = len(messages)
        seen["first"] = messages[0]["content"][0]["text"]["value"]
        seen["last"] = messages[-1]["content"][0]["text"]["value"]
        seen["slice"] = [m["content"][0]["text"]["value"] for m in messages[1:]]
        seen["reversed"] = [m["content"][0]["text"]["value"] for m in reversed(messages)]
        seen["equal"] = messages == list(messages)
        messages[0]["content"][0]["text"]["value"] = "changed by the responder"
        return f"You said: {turn.last_user_text}"
    fake_openai.script.respond(responder)

    run = sdk.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)

    assert run.status == "completed"
    assert seen == {"len": 3, "first": "one", "last": "three", "slice": ["two", "three"],
                    "reversed": ["three", "two", "one"], "equal": True}
    texts = [m.content[0].text.value for m in sdk.beta.threads.messages.list(thread.id, order="asc")]
    assert texts == ["one", "two", "three", "You said: three"]


def test_the_prompt_counts_the_messages_the_thread_holds_now(fake_openai):
    """usage.prompt_tokens: the instructions plus every message's words and punctuation marks
    (README, runs): 'one two three' is 3, 'four, five' is 3, the reply 'ok' is 1."""
    sdk = openai.OpenAI()
    assistant = sdk.beta.assistants.create(model="gpt-4o")
    thread = sdk.beta.threads.create(messages=[{"role": "user", "content": "one two three"},
                                               {"role": "user", "content": "four, five"}])
    fake_openai.script.reply("ok")
    fake_openai.script.reply("ok")

    first = sdk.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
    second_message = sdk.beta.threads.messages.list(thread.id, order="asc").data[1]
    sdk.beta.threads.messages.delete(second_message.id, thread_id=thread.id)
    second = sdk.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)

    assert (first.usage.prompt_tokens, first.usage.completion_tokens) == (6, 1)
    assert (second.usage.prompt_tokens, second.usage.completion_tokens) == (4, 1)  # one two three + ok
