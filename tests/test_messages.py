"""Messages through the real SDK: create, retrieve, modify, delete, their scoping to one thread, and
the refusals that leave the thread as it was (in-process and server, sync and async)."""

from __future__ import annotations

import openai
import pytest
from openai import omit

from fakeai import errors
from tests.sdk import expect_refusal, wire





def listed(api, thread_id: str, **query) -> list[str]:
    """Ids of every message of a thread, walking all pages as the SDK does."""
    return [message.id for message in api.beta.threads.messages.list(thread_id, **query)]


# --- create -------------------------------------------------------------------------------------

def test_string_content_is_stored_as_one_text_part_with_no_annotations(api, backend):
    thread = api.beta.threads.create()
    backend.emulator.advance_time(30)

    message = api.beta.threads.messages.create(thread.id, role="user", content="How does AI work?")

    assert message.id.startswith("msg_") and len(message.id) == len("msg_") + 24
    assert wire(api, f"/threads/{thread.id}/messages/{message.id}") == {
        "id": message.id,
        "object": "thread.message",
        "created_at": thread.created_at + 30,
        "assistant_id": None,
        "thread_id": thread.id,
        "run_id": None,
        "role": "user",
        "content": [{"type": "text", "text": {"value": "How does AI work?", "annotations": []}}],
        "attachments": [],
        "metadata": {},
        "status": "completed",
        "incomplete_details": None,
        "completed_at": thread.created_at + 30,
        "incomplete_at": None,
    }


def test_a_list_of_parts_keeps_each_part_and_image_detail_defaults_to_auto(api, known_files):
    thread = api.beta.threads.create()

    message = api.beta.threads.messages.create(thread.id, role="user", content=[
        {"type": "text", "text": "What is in these pictures?"},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
        {"type": "image_url", "image_url": {"url": "https://example.com/dog.png", "detail": "high"}},
        {"type": "image_file", "image_file": {"file_id": "file-abc123"}},
        {"type": "image_file", "image_file": {"file_id": "file-def456", "detail": "low"}},
    ])

    assert wire(api, f"/threads/{thread.id}/messages/{message.id}")["content"] == [
        {"type": "text", "text": {"value": "What is in these pictures?", "annotations": []}},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png", "detail": "auto"}},
        {"type": "image_url", "image_url": {"url": "https://example.com/dog.png", "detail": "high"}},
        {"type": "image_file", "image_file": {"file_id": "file-abc123", "detail": "auto"}},
        {"type": "image_file", "image_file": {"file_id": "file-def456", "detail": "low"}},
    ]
    assert [part.type for part in message.content] == ["text", "image_url", "image_url", "image_file",
                                                       "image_file"]
    assert message.content[1].image_url.detail == "auto"
    assert message.content[3].image_file.detail == "auto"


def test_attachments_and_metadata_are_kept_and_the_role_may_be_assistant(api, known_files):
    thread = api.beta.threads.create()
    attachments = [{"file_id": "file-abc123", "tools": [{"type": "code_interpreter"}]},
                   {"file_id": "file-def456", "tools": [{"type": "file_search"}, {"type": "code_interpreter"}]}]

    message = api.beta.threads.messages.create(thread.id, role="assistant", content="Here you go.",
                                               attachments=attachments, metadata={"source": "import"})

    stored = wire(api, f"/threads/{thread.id}/messages/{message.id}")
    assert stored["attachments"] == attachments
    assert stored["metadata"] == {"source": "import"}
    assert (stored["role"], stored["assistant_id"], stored["run_id"]) == ("assistant", None, None)
    assert message.attachments[1].tools[0].type == "file_search"


def test_explicit_nulls_mean_not_given(api):
    thread = api.beta.threads.create()

    message = api.beta.threads.messages.create(thread.id, role="user", content="hi",
                                               extra_body={"attachments": None, "metadata": None})

    assert (message.attachments, message.metadata) == ([], {})


def test_retrieve_returns_what_create_returned(api):
    thread = api.beta.threads.create()
    message = api.beta.threads.messages.create(thread.id, role="user", content="hi", metadata={"k": "v"})

    assert api.beta.threads.messages.retrieve(message.id, thread_id=thread.id) == message


def test_new_messages_join_the_list_newest_first_and_asc_oldest_first(api, backend):
    thread = api.beta.threads.create(messages=[{"role": "user", "content": "initial"}])
    [initial] = listed(api, thread.id)
    same_second = api.beta.threads.messages.create(thread.id, role="user", content="same second").id
    backend.emulator.advance_time(1)
    later = api.beta.threads.messages.create(thread.id, role="assistant", content="later").id

    assert listed(api, thread.id) == [later, same_second, initial]
    assert listed(api, thread.id, order="asc") == [initial, same_second, later]


# --- modify -------------------------------------------------------------------------------------

def test_modify_replaces_metadata_whole_and_changes_nothing_else(api):
    thread = api.beta.threads.create()
    message = api.beta.threads.messages.create(thread.id, role="user", content="hi",
                                               metadata={"a": "1", "b": "2"})
    before = wire(api, f"/threads/{thread.id}/messages/{message.id}")

    updated = api.beta.threads.messages.update(message.id, thread_id=thread.id, metadata={"b": "3"})

    assert updated.metadata == {"b": "3"}
    assert wire(api, f"/threads/{thread.id}/messages/{message.id}") == {**before, "metadata": {"b": "3"}}
    assert api.beta.threads.messages.update(message.id, thread_id=thread.id, metadata={}).metadata == {}


def test_modify_accepts_metadata_only(api):
    thread = api.beta.threads.create()
    message = api.beta.threads.messages.create(thread.id, role="user", content="hi")

    expect_refusal(lambda: api.beta.threads.messages.update(message.id, thread_id=thread.id,
                                                            extra_body={"content": "changed"}),
                   errors.unknown_parameter("content"))
    expect_refusal(lambda: api.beta.threads.messages.update(message.id, thread_id=thread.id,
                                                            metadata={"k": "x" * 513}),
                   errors.string_too_long("metadata.k", 512, 513))

    assert api.beta.threads.messages.retrieve(message.id, thread_id=thread.id) == message


# --- delete -------------------------------------------------------------------------------------

def test_delete_answers_the_deletion_record_and_the_message_is_gone_everywhere(api, backend):
    thread = api.beta.threads.create()
    ids = []
    for index in range(5):
        ids.append(api.beta.threads.messages.create(thread.id, role="user", content=str(index)).id)
        backend.emulator.advance_time(index % 2)
    doomed = ids[2]

    deleted = api.beta.threads.messages.delete(doomed, thread_id=thread.id)

    assert deleted.model_dump() == {"id": doomed, "object": "thread.message.deleted", "deleted": True}
    remaining = [i for i in ids if i != doomed]
    assert listed(api, thread.id, order="asc") == remaining
    assert listed(api, thread.id, order="desc") == remaining[::-1]
    for limit in (1, 2, 3):
        assert listed(api, thread.id, limit=limit) == remaining[::-1]
    missing = errors.not_found("message", doomed)
    for call in (lambda: api.beta.threads.messages.retrieve(doomed, thread_id=thread.id),
                 lambda: api.beta.threads.messages.update(doomed, thread_id=thread.id, metadata={}),
                 lambda: api.beta.threads.messages.delete(doomed, thread_id=thread.id)):
        expect_refusal(call, missing, openai.NotFoundError)


def test_deleting_the_last_message_leaves_an_empty_list_with_null_ids(api):
    thread = api.beta.threads.create()
    message = api.beta.threads.messages.create(thread.id, role="user", content="only")

    api.beta.threads.messages.delete(message.id, thread_id=thread.id)

    assert wire(api, f"/threads/{thread.id}/messages") == {
        "object": "list", "data": [], "first_id": None, "last_id": None, "has_more": False}


# --- scoping ------------------------------------------------------------------------------------

def test_a_message_of_another_thread_is_not_found_in_this_one(api):
    home = api.beta.threads.create()
    elsewhere = api.beta.threads.create()
    message = api.beta.threads.messages.create(home.id, role="user", content="mine")

    missing = errors.not_found("message", message.id)
    for call in (lambda: api.beta.threads.messages.retrieve(message.id, thread_id=elsewhere.id),
                 lambda: api.beta.threads.messages.update(message.id, thread_id=elsewhere.id, metadata={"x": "y"}),
                 lambda: api.beta.threads.messages.delete(message.id, thread_id=elsewhere.id)):
        expect_refusal(call, missing, openai.NotFoundError)

    assert api.beta.threads.messages.retrieve(message.id, thread_id=home.id) == message
    assert listed(api, elsewhere.id) == []


def test_a_missing_thread_is_the_thread_404_for_every_message_call(api):
    other = api.beta.threads.create()
    message = api.beta.threads.messages.create(other.id, role="user", content="hi")

    missing = errors.not_found("thread", "thread_missing")
    for call in (lambda: api.beta.threads.messages.create("thread_missing", role="user", content="hi"),
                 lambda: list(api.beta.threads.messages.list("thread_missing")),
                 lambda: api.beta.threads.messages.retrieve(message.id, thread_id="thread_missing"),
                 lambda: api.beta.threads.messages.update(message.id, thread_id="thread_missing", metadata={}),
                 lambda: api.beta.threads.messages.delete(message.id, thread_id="thread_missing")):
        expect_refusal(call, missing, openai.NotFoundError)


def test_a_message_id_without_the_msg_prefix_is_refused(api):
    thread = api.beta.threads.create()

    expect_refusal(lambda: api.beta.threads.messages.retrieve("message-1", thread_id=thread.id),
                   errors.invalid_id_prefix("message_id", "message-1", "msg"))


# --- refusals -----------------------------------------------------------------------------------

BAD_CREATES = {
    "a wrong role": (
        {"role": "system", "content": "hi"},
        errors.invalid_value("role", "system", ["user", "assistant"])),
    "an empty content list": (
        {"role": "user", "content": []},
        errors.too_short("content", "array", 1, 0)),
    "an unknown content part type": (
        {"role": "user", "content": [{"type": "text", "text": "hi"}, {"type": "audio", "audio": {}}]},
        errors.invalid_value("content[1].type", "audio", ["image_file", "image_url", "text"])),
    "no content": (
        {"role": "user", "content": omit},
        errors.missing_required_parameter("content")),
    "no role": (
        {"role": omit, "content": "hi"},
        errors.missing_required_parameter("role")),
    "an image_file with a malformed file id": (
        {"role": "user", "content": [{"type": "image_file", "image_file": {"file_id": "cat.png"}}]},
        errors.invalid_id_prefix("content[0].image_file.file_id", "cat.png", "file")),
    "an attachment with a malformed file id": (
        {"role": "user", "content": "hi", "attachments": [
            {"file_id": "file-abc123", "tools": []}, {"file_id": "abc", "tools": [{"type": "file_search"}]}]},
        errors.invalid_id_prefix("attachments[1].file_id", "abc", "file")),
    "an unknown field": (
        {"role": "user", "content": "hi", "extra_body": {"file_ids": ["file-abc123"]}},
        errors.unknown_parameter("file_ids")),
    "17 metadata keys": (
        {"role": "user", "content": "hi", "metadata": {f"k{i}": "v" for i in range(17)}},
        errors.too_many_properties("metadata", 16, 17)),
}


@pytest.mark.parametrize("request_, expected", BAD_CREATES.values(), ids=BAD_CREATES.keys())
def test_a_bad_create_is_refused_with_the_catalog_error_and_the_thread_is_unchanged(api, request_, expected, known_files):
    thread = api.beta.threads.create(messages=[{"role": "user", "content": "already here"}])
    before = wire(api, f"/threads/{thread.id}/messages")

    expect_refusal(lambda: api.beta.threads.messages.create(thread.id, **request_), expected)

    assert wire(api, f"/threads/{thread.id}/messages") == before
    assert api.beta.threads.retrieve(thread.id) == thread


#: api-notes §4.2: each attachment is ``{file_id, tools}`` with both keys required. (The spec puts
#: its ``required`` list on the array instead of on the items, where it constrains nothing.)
INCOMPLETE_ATTACHMENTS = {
    "an attachment without file_id": (
        [{"tools": [{"type": "code_interpreter"}]}],
        errors.missing_required_parameter("attachments[0].file_id")),
    "an attachment without tools": (
        [{"file_id": "file-abc123"}],
        errors.missing_required_parameter("attachments[0].tools")),
}


@pytest.mark.parametrize("attachments, expected", INCOMPLETE_ATTACHMENTS.values(), ids=INCOMPLETE_ATTACHMENTS.keys())
def test_an_attachment_needs_both_a_file_id_and_tools(api, attachments, expected):
    thread = api.beta.threads.create()

    expect_refusal(lambda: api.beta.threads.messages.create(thread.id, role="user", content="hi",
                                                            attachments=attachments), expected)

    assert listed(api, thread.id) == []


BAD_LISTS = {
    "limit 0": ({"limit": 0}, errors.number_out_of_range("limit", 0, 1, above=False, integer=True)),
    "limit 101": ({"limit": 101}, errors.number_out_of_range("limit", 101, 100, above=True, integer=True)),
    "order sideways": ({"order": "sideways"}, errors.invalid_value("order", "sideways", ["asc", "desc"])),
    "an unknown after cursor": ({"after": "msg_doesnotexist"}, errors.unknown_cursor("after", "msg_doesnotexist")),
    "an unknown before cursor": ({"before": "msg_doesnotexist"},
                                 errors.unknown_cursor("before", "msg_doesnotexist")),
}


@pytest.mark.parametrize("query, expected", BAD_LISTS.values(), ids=BAD_LISTS.keys())
def test_a_bad_list_query_is_refused_with_the_catalog_error(api, query, expected):
    thread = api.beta.threads.create(messages=[{"role": "user", "content": "hi"}] * 3)
    before = wire(api, f"/threads/{thread.id}/messages")

    expect_refusal(lambda: api.beta.threads.messages.list(thread.id, **query).data, expected)

    assert wire(api, f"/threads/{thread.id}/messages") == before


def test_a_cursor_from_another_thread_is_an_unknown_cursor(api):
    thread = api.beta.threads.create(messages=[{"role": "user", "content": "hi"}])
    other = api.beta.threads.create(messages=[{"role": "user", "content": "there"}])
    [foreign] = listed(api, other.id)

    expect_refusal(lambda: api.beta.threads.messages.list(thread.id, after=foreign).data,
                   errors.unknown_cursor("after", foreign))


def test_list_limits_at_the_bounds_are_accepted(api):
    thread = api.beta.threads.create(messages=[{"role": "user", "content": str(i)} for i in range(3)])

    assert len(api.beta.threads.messages.list(thread.id, limit=1).data) == 1
    assert len(api.beta.threads.messages.list(thread.id, limit=100).data) == 3
