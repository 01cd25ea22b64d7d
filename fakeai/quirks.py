"""Observed forms of the real API that conflict with the spec or with each other, off by default.

Where recorded traffic is conflicting or old (api-notes §14), fakeai answers in one form, listed in
the README's "Unverified behaviour" table, and offers the other here, by name:
``FakeOpenAI(quirks=[...])``, ``@pytest.mark.fake_openai(quirks=[...])``, ``fakeai serve --quirk NAME``.
"""

from __future__ import annotations

QUIRKS = {
    "incomplete_run_streams_as_completed":
        "a streamed run that ends incomplete sends its last run event as thread.run.completed (its data "
        "still says status: incomplete), as a 2024 recording showed (api-notes §14.2); by default the "
        "spec's thread.run.incomplete",
    "thread_retrieve_shows_empty_code_interpreter":
        "retrieving a thread created without tool_resources shows {\"code_interpreter\": {\"file_ids\": []}}, "
        "as a 2024 recording's retrieve did (api-notes §14.5); by default {} as its create answered",
}


def checked(names) -> frozenset:
    """The quirks asked for; an unknown name is refused, listing the known ones."""
    names = frozenset(names or ())
    unknown = sorted(names - QUIRKS.keys())
    if unknown:
        raise ValueError(f"unknown quirk {unknown[0]!r}: fakeai knows {', '.join(sorted(QUIRKS))}")
    return names
