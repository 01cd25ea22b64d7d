"""A streamed run's file_search steps carry their results' content only when ``include[]`` asks for
it, as listed steps do (api-notes threads-api: "`content` only with the `include[]` value"; the
spec's ``include[]`` query parameter of createRun)."""

from __future__ import annotations

import pytest

FILE_SEARCH_CONTENT = "step_details.tool_calls[*].file_search.results[*].content"


@pytest.fixture
def searching_run(fake_openai):
    """A thread and an assistant whose run searches one file: starts the run streamed with the
    given options and returns the results of the file_search step of its step.completed event."""
    client = fake_openai.client
    file = client.files.create(file=("guide.txt", b"Paris is lovely in spring."), purpose="assistants")
    store = client.vector_stores.create(file_ids=[file.id])
    assistant = client.beta.assistants.create(model="gpt-4o", tools=[{"type": "file_search"}],
                                              tool_resources={"file_search": {"vector_store_ids": [store.id]}})

    def run(**options):
        thread = client.beta.threads.create(messages=[{"role": "user", "content": "Paris in spring"}])
        events = client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id, stream=True,
                                                 **options)
        [results] = [call.file_search.results for event in events if event.event == "thread.run.step.completed"
                     and event.data.type == "tool_calls" for call in event.data.step_details.tool_calls]
        return file.id, [result.model_dump(exclude_unset=True) for result in results]
    return run


def test_a_streamed_file_search_step_has_no_content_without_include(searching_run):
    file_id, results = searching_run()

    assert results == [{"file_id": file_id, "file_name": "guide.txt", "score": 1.0}]


def test_a_streamed_file_search_step_has_the_content_it_was_asked_to_include(searching_run):
    file_id, results = searching_run(include=[FILE_SEARCH_CONTENT])

    assert results == [{"file_id": file_id, "file_name": "guide.txt", "score": 1.0,
                        "content": [{"type": "text", "text": "Paris is lovely in spring."}]}]
