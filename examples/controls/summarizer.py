"""Code under test: summarises a text with an assistant, one thread per text."""

import openai

client = openai.OpenAI()  # built at import time, as real code often does

INSTRUCTIONS = "Summarise the user's text in one sentence."


def summarise(assistant_id: str, text: str) -> str:
    run = client.beta.threads.create_and_run_poll(
        assistant_id=assistant_id,
        instructions=INSTRUCTIONS,
        thread={"messages": [{"role": "user", "content": text}], "metadata": {"app": "summarizer"}},
    )
    if run.status != "completed":
        raise RuntimeError(f"the run ended {run.status}")
    [reply] = client.beta.threads.messages.list(run.thread_id, run_id=run.id).data
    return reply.content[0].text.value
