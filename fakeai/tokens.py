"""fakeai's documented token count: words and punctuation marks (``tokens``), and a message's
count (its text parts), which a thread keeps a running total of so a run's prompt costs nothing
to count however long its thread is."""

from __future__ import annotations

import re

TOKEN = re.compile(r"\w+|[^\w\s]")


def tokens(text: str) -> int:
    return len(TOKEN.findall(text))


def message_tokens(message: dict) -> int:
    """Tokens of a message's text parts (what it adds to a run's prompt)."""
    return sum(tokens(part["text"]["value"]) for part in message["content"] if part["type"] == "text")
