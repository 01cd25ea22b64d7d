"""Threads through the real SDK: create, retrieve, modify, delete (in-process and server, sync and async)."""

from __future__ import annotations

import openai
import pytest

from fakeai import errors

QUANTUM = "Explain quantum computing in simple terms."


def test_the_api_reference_example_creates_a_thread_whose_message_is_retrievable(api):
    thread = api.beta.threads.create(messages=[{"role": "user", "content": QUANTUM}])

    assert thread.object == "thread"
    assert isinstance(thread.created_at, int)
    assert thread.metadata == {}
    assert thread.model_dump()["tool_resources"] == {"code_interpreter": None, "file_search": None}
    assert thread.id.startswith("thread_") and len(thread.id) == len("thread_") + 24
    [message] = list(api.beta.threads.messages.list(thread.id))
    assert message.thread_id == thread.id
    assert message.role == "user"
    assert message.content[0].type == "text"
    assert message.content[0].text.value == QUANTUM
    assert message.content[0].text.annotations == []
    assert (message.assistant_id, message.run_id, message.attachments) == (None, None, [])
    assert message.created_at == thread.created_at
    assert api.beta.threads.messages.retrieve(message.id, thread_id=thread.id) == message


def test_an_empty_body_creates_an_empty_thread(api):
    thread = api.beta.threads.create()

    assert thread.metadata == {}
    assert list(api.beta.threads.messages.list(thread.id)) == []


def test_initial_messages_keep_their_order_roles_parts_attachments_and_metadata(api, known_files):
    thread = api.beta.threads.create(messages=[
        {"role": "user", "content": "first", "metadata": {"n": "1"}},
        {"role": "assistant", "content": "second"},
        {"role": "user", "content": [
            {"type": "text", "text": "look"},
            {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
            {"type": "image_file", "image_file": {"file_id": "file-abc123", "detail": "low"}},
        ], "attachments": [{"file_id": "file-abc123", "tools": [{"type": "code_interpreter"}]}]},
    ])

    first, second, third = api.beta.threads.messages.list(thread.id, order="asc")
    assert [m.role for m in (first, second, third)] == ["user", "assistant", "user"]
    assert first.metadata == {"n": "1"}
    assert second.content[0].text.value == "second"
    assert [part.type for part in third.content] == ["text", "image_url", "image_file"]
    assert third.content[1].image_url.detail == "auto"
    assert third.content[2].image_file.detail == "low"
    assert third.attachments[0].file_id == "file-abc123"
    assert third.attachments[0].tools[0].type == "code_interpreter"


def test_tool_resources_are_kept_and_the_vector_store_helper_yields_a_vs_id(api, known_files):
    thread = api.beta.threads.create(tool_resources={
        "code_interpreter": {"file_ids": ["file-a", "file-b"]},
        "file_search": {"vector_stores": [{"file_ids": ["file-c"]}]},
    })

    resources = api.beta.threads.retrieve(thread.id).tool_resources
    assert resources.code_interpreter.file_ids == ["file-a", "file-b"]
    [store_id] = resources.file_search.vector_store_ids
    assert store_id.startswith("vs_")


def test_giving_both_vector_store_ids_and_the_helper_is_refused(api):
    with pytest.raises(openai.BadRequestError) as refused:
        api.beta.threads.create(tool_resources={"file_search": {
            "vector_store_ids": ["vs_a"], "vector_stores": [{"file_ids": []}]}})

    assert refused.value.param == "tool_resources.file_search"


def test_retrieve_returns_what_create_returned(api):
    thread = api.beta.threads.create(metadata={"user": "abc123"})

    assert api.beta.threads.retrieve(thread.id) == thread


def test_modify_replaces_metadata_and_tool_resources_and_keeps_the_rest(api, known_files):
    thread = api.beta.threads.create(metadata={"a": "1", "b": "2"},
                                     tool_resources={"code_interpreter": {"file_ids": ["file-a"]}})

    updated = api.beta.threads.update(thread.id, metadata={"modified": "true", "user": "abc123"})
    assert updated.metadata == {"modified": "true", "user": "abc123"}
    assert updated.tool_resources.code_interpreter.file_ids == ["file-a"]
    assert updated.created_at == thread.created_at

    updated = api.beta.threads.update(thread.id, tool_resources={"file_search": {"vector_store_ids": ["vs_x"]}})
    assert updated.tool_resources.file_search.vector_store_ids == ["vs_x"]
    assert updated.tool_resources.code_interpreter is None
    assert api.beta.threads.retrieve(thread.id) == updated


def test_explicit_nulls_mean_not_given(api):
    thread = api.beta.threads.create(metadata={"keep": "me"})

    updated = api.beta.threads.update(thread.id, extra_body={"metadata": None, "tool_resources": None})
    assert updated.metadata == {"keep": "me"}


def test_delete_removes_the_thread_and_everything_in_it(api):
    thread = api.beta.threads.create(messages=[{"role": "user", "content": "bye"}])
    [message] = list(api.beta.threads.messages.list(thread.id))

    deleted = api.beta.threads.delete(thread.id)

    assert (deleted.id, deleted.object, deleted.deleted) == (thread.id, "thread.deleted", True)
    missing = errors.not_found("thread", thread.id).message
    for call in (lambda: api.beta.threads.retrieve(thread.id),
                 lambda: api.beta.threads.update(thread.id, metadata={}),
                 lambda: api.beta.threads.delete(thread.id),
                 lambda: api.beta.threads.messages.retrieve(message.id, thread_id=thread.id),
                 lambda: list(api.beta.threads.messages.list(thread.id))):
        with pytest.raises(openai.NotFoundError) as gone:
            call()
        assert gone.value.body == {"message": missing, "type": "invalid_request_error", "param": None,
                                   "code": None}


def test_deleting_a_thread_frees_its_messages(backend, api):
    thread = api.beta.threads.create(messages=[{"role": "user", "content": "x"}] * 3)

    api.beta.threads.delete(thread.id)

    assert thread.id not in backend.emulator.state.threads


def test_every_response_carries_a_request_id_and_processing_time(api):
    raw = api.beta.threads.with_raw_response.create()

    assert raw.status_code == 200
    assert raw.headers["content-type"] == "application/json"
    request_id = raw.headers["x-request-id"]
    assert request_id.startswith("req_") and len(request_id) == 36
    assert int(raw.headers["openai-processing-ms"]) >= 0
    assert raw.parse().object == "thread"


def test_errors_carry_the_request_id_too(api):
    with pytest.raises(openai.NotFoundError) as missing:
        api.beta.threads.retrieve("thread_doesnotexist")

    assert missing.value.request_id.startswith("req_")
