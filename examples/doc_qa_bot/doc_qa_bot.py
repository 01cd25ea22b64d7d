"""Code under test: a bot that answers questions from a few documents, with the file_search tool."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import openai

client = openai.OpenAI()  # built at import time, as real code often does


@dataclass(frozen=True)
class Answer:
    text: str
    cited_file_ids: list[str]  # the files the reply cites, in the order it first cites them
    thread_id: str  # kept so that the conversation (and the run's steps) can be looked up later
    run_id: str


def build_knowledge_base(paths: list[str | Path]) -> str:
    """Upload the documents into a new vector store and create an assistant that searches it.
    Returns the assistant's id."""
    store = client.vector_stores.create(name="Help centre documents")
    batch = client.vector_stores.file_batches.upload_and_poll(
        vector_store_id=store.id, files=[Path(path) for path in paths])
    if batch.file_counts.completed != len(paths):
        raise RuntimeError(f"only {batch.file_counts.completed} of {len(paths)} documents could be read")
    assistant = client.beta.assistants.create(
        model="gpt-4o",
        name="Help centre",
        instructions="Answer customer questions from the attached documents only, and cite them.",
        tools=[{"type": "file_search"}],
        tool_resources={"file_search": {"vector_store_ids": [store.id]}},
    )
    return assistant.id


def ask(assistant_id: str, question: str) -> Answer:
    thread = client.beta.threads.create(messages=[{"role": "user", "content": question}])
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant_id)
    if run.status != "completed":
        raise RuntimeError(f"the run ended {run.status}: {run.last_error}")
    [reply] = client.beta.threads.messages.list(thread.id, run_id=run.id)
    texts = [part.text for part in reply.content if part.type == "text"]
    cited = [note.file_citation.file_id for text in texts for note in text.annotations
             if note.type == "file_citation"]
    return Answer("".join(text.value for text in texts), list(dict.fromkeys(cited)), thread.id, run.id)
