"""Code under test: a support bot that keeps each customer conversation in an Assistants thread."""

import openai

client = openai.OpenAI()  # built at import time, as real code often does


def open_ticket(customer: str, question: str) -> str:
    thread = client.beta.threads.create(
        messages=[{"role": "user", "content": question}],
        metadata={"customer": customer},
    )
    return thread.id


def add_detail(ticket_id: str, detail: str) -> None:
    client.beta.threads.messages.create(ticket_id, role="user", content=detail)


def transcript(ticket_id: str) -> list[str]:
    messages = client.beta.threads.messages.list(ticket_id, order="asc")
    return [part.text.value for message in messages for part in message.content if part.type == "text"]


def close_ticket(ticket_id: str) -> bool:
    return client.beta.threads.delete(ticket_id).deleted
