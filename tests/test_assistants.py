"""Assistants through the real SDK: create with every field or none, retrieve, list, modify, delete,
and the refusals that leave everything stored as it was (in-process and server, sync and async)."""

from __future__ import annotations

import openai
import pytest
from openai import omit

from fakeai import errors
from tests.sdk import expect_refusal, wire


WEATHER_PARAMETERS = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["c", "f"]}},
    "required": ["city"],
    "additionalProperties": False,
}

ANSWER_SCHEMA = {"type": "object", "properties": {"answer": {"type": "number"}}, "required": ["answer"],
                 "additionalProperties": False}

#: Every field of CreateAssistantRequest, each with a value other than its default.
EVERY_FIELD = {
    "model": "gpt-4o",
    "name": "Math Tutor",
    "description": "Answers algebra questions.",
    "instructions": "You are a personal math tutor. Write and run code to answer math questions.",
    "tools": [
        {"type": "code_interpreter"},
        {"type": "file_search", "file_search": {
            "max_num_results": 7, "ranking_options": {"ranker": "default_2024_08_21", "score_threshold": 0.25}}},
        {"type": "function", "function": {
            "name": "get_weather", "description": "The weather in a city.", "parameters": WEATHER_PARAMETERS,
            "strict": True}},
    ],
    "tool_resources": {"code_interpreter": {"file_ids": ["file-abc123", "file-def456"]},
                       "file_search": {"vector_store_ids": ["vs_abc123"]}},
    "metadata": {"team": "math", "tier": "gold"},
    "temperature": 0.2,
    "top_p": 0.9,
    "response_format": {"type": "json_schema", "json_schema": {
        "name": "answer", "description": "The numeric answer.", "schema": ANSWER_SCHEMA, "strict": True}},
    "reasoning_effort": "high",
}




def listed(api, **query) -> list[str]:
    """Ids of every assistant, walking all pages as the SDK does."""
    return [assistant.id for assistant in api.beta.assistants.list(**query)]


# --- create -------------------------------------------------------------------------------------

def test_every_field_given_on_create_is_echoed_back(api, backend, known_files):
    assistant = api.beta.assistants.create(**EVERY_FIELD)

    assert assistant.id.startswith("asst_") and len(assistant.id) == len("asst_") + 24
    assert wire(api, f"/assistants/{assistant.id}") == {
        "id": assistant.id,
        "object": "assistant",
        "created_at": backend.emulator.now(),
        **EVERY_FIELD,
    }


def test_every_field_reads_back_through_the_sdk_models(api, known_files):
    assistant = api.beta.assistants.create(**EVERY_FIELD)

    assert (assistant.name, assistant.description, assistant.model) == (
        "Math Tutor", "Answers algebra questions.", "gpt-4o")
    code, search, function = assistant.tools
    assert code.type == "code_interpreter"
    assert search.file_search.max_num_results == 7
    assert search.file_search.ranking_options.ranker == "default_2024_08_21"
    assert search.file_search.ranking_options.score_threshold == 0.25
    assert function.function.name == "get_weather"
    assert function.function.parameters == WEATHER_PARAMETERS
    assert function.function.strict is True
    assert assistant.tool_resources.code_interpreter.file_ids == ["file-abc123", "file-def456"]
    assert assistant.tool_resources.file_search.vector_store_ids == ["vs_abc123"]
    assert assistant.metadata == {"team": "math", "tier": "gold"}
    assert (assistant.temperature, assistant.top_p, assistant.reasoning_effort) == (0.2, 0.9, "high")
    assert assistant.response_format.type == "json_schema"
    assert assistant.response_format.json_schema.schema_ == ANSWER_SCHEMA


def test_fields_left_out_take_their_documented_defaults(api, backend):
    assistant = api.beta.assistants.create(model="gpt-4o")

    assert wire(api, f"/assistants/{assistant.id}") == {
        "id": assistant.id,
        "object": "assistant",
        "created_at": backend.emulator.now(),
        "name": None,
        "description": None,
        "model": "gpt-4o",
        "instructions": None,
        "tools": [],
        "tool_resources": {},
        "metadata": {},
        "temperature": 1.0,
        "top_p": 1.0,
        "response_format": "auto",
        "reasoning_effort": None,
    }
    assert (assistant.temperature, assistant.top_p, assistant.response_format) == (1.0, 1.0, "auto")


def test_explicit_nulls_on_create_mean_not_given(api):
    assistant = api.beta.assistants.create(model="gpt-4o", extra_body={
        "name": None, "instructions": None, "temperature": None, "top_p": None, "metadata": None,
        "response_format": None, "tool_resources": None})

    assert (assistant.name, assistant.instructions, assistant.metadata) == (None, None, {})
    assert (assistant.temperature, assistant.top_p, assistant.response_format) == (1.0, 1.0, "auto")


def test_a_function_tool_without_strict_echoes_strict_false(api):
    assistant = api.beta.assistants.create(model="gpt-4o", tools=[
        {"type": "function", "function": {"name": "ping"}},
        {"type": "function", "function": {"name": "pong", "parameters": {"type": "object", "properties": {}},
                                          "strict": None}},
    ])

    tools = wire(api, f"/assistants/{assistant.id}")["tools"]
    assert tools == [{"type": "function", "function": {"name": "ping", "strict": False}},
                     {"type": "function", "function": {"name": "pong", "parameters": {
                         "type": "object", "properties": {}}, "strict": False}}]
    assert [tool.function.strict for tool in assistant.tools] == [False, False]


def test_an_enabled_tool_without_resources_shows_an_empty_resource_list(api):
    assistant = api.beta.assistants.create(model="gpt-4o", tools=[{"type": "code_interpreter"},
                                                                    {"type": "file_search"}])

    assert wire(api, f"/assistants/{assistant.id}")["tool_resources"] == {
        "code_interpreter": {"file_ids": []}, "file_search": {"vector_store_ids": []}}


def test_the_vector_store_helper_becomes_a_vs_id(api, known_files):
    assistant = api.beta.assistants.create(model="gpt-4o", tool_resources={
        "file_search": {"vector_stores": [{"file_ids": ["file-abc123"]}]}})

    [store_id] = assistant.tool_resources.file_search.vector_store_ids
    assert store_id.startswith("vs_")


def test_response_formats_text_and_json_object_are_echoed(api):
    text = api.beta.assistants.create(model="gpt-4o", response_format={"type": "text"})
    json_object = api.beta.assistants.create(model="gpt-4o", response_format={"type": "json_object"})

    assert wire(api, f"/assistants/{text.id}")["response_format"] == {"type": "text"}
    assert wire(api, f"/assistants/{json_object.id}")["response_format"] == {"type": "json_object"}


# --- retrieve and list --------------------------------------------------------------------------

def test_retrieve_returns_what_create_returned(api, known_files):
    assistant = api.beta.assistants.create(**EVERY_FIELD)

    assert api.beta.assistants.retrieve(assistant.id) == assistant


def test_list_is_newest_first_by_default_and_oldest_first_with_order_asc(api, backend):
    first = api.beta.assistants.create(model="gpt-4o", name="first")
    second = api.beta.assistants.create(model="gpt-4o", name="second")  # same second as first
    backend.emulator.advance_time(5)
    third = api.beta.assistants.create(model="gpt-4o", name="third")

    assert listed(api) == [third.id, second.id, first.id]
    assert listed(api, order="desc") == [third.id, second.id, first.id]
    assert listed(api, order="asc") == [first.id, second.id, third.id]
    assert api.beta.assistants.list().data == [third, second, first]


def test_list_pages_with_limit_after_and_before(api, backend):
    ids = []
    for index in range(5):
        ids.append(api.beta.assistants.create(model="gpt-4o", name=f"a{index}").id)
        backend.emulator.advance_time(index % 2)  # some share a created_at
    newest_first = ids[::-1]

    page = api.beta.assistants.list(limit=2)
    assert [a.id for a in page.data] == newest_first[:2]
    assert page.has_more is True
    assert (page.first_id, page.last_id) == (newest_first[0], newest_first[1])

    page = api.beta.assistants.list(limit=2, after=newest_first[1])
    assert [a.id for a in page.data] == newest_first[2:4]
    assert page.has_more is True

    page = api.beta.assistants.list(limit=2, after=newest_first[3])
    assert [a.id for a in page.data] == newest_first[4:]
    assert page.has_more is False

    page = api.beta.assistants.list(limit=2, before=newest_first[4])
    assert [a.id for a in page.data] == newest_first[2:4]
    assert page.has_more is True

    page = api.beta.assistants.list(limit=10, before=newest_first[2])
    assert [a.id for a in page.data] == newest_first[:2]
    assert page.has_more is False

    page = api.beta.assistants.list(limit=2, order="asc", after=ids[0])
    assert [a.id for a in page.data] == ids[1:3]
    assert page.has_more is True

    page = api.beta.assistants.list(limit=3, order="asc", before=ids[4])
    assert [a.id for a in page.data] == ids[1:4]
    assert page.has_more is True


def test_an_empty_list_has_null_first_and_last_ids(api):
    assert wire(api, "/assistants") == {"object": "list", "data": [], "first_id": None, "last_id": None,
                                        "has_more": False}


def test_auto_pagination_yields_every_assistant_once(api):
    ids = [api.beta.assistants.create(model="gpt-4o").id for _ in range(7)]

    assert listed(api, limit=3) == ids[::-1]
    assert listed(api, limit=2, order="asc") == ids


# --- modify -------------------------------------------------------------------------------------

def test_modify_replaces_what_it_is_given_and_keeps_the_rest(api, known_files):
    original = api.beta.assistants.create(**EVERY_FIELD)
    before = wire(api, f"/assistants/{original.id}")

    updated = api.beta.assistants.update(original.id, name="Physics Tutor",
                                         tools=[{"type": "function", "function": {"name": "lookup"}}],
                                         metadata={"only": "this"})

    after = wire(api, f"/assistants/{original.id}")
    assert after == {**before, "name": "Physics Tutor",
                     "tools": [{"type": "function", "function": {"name": "lookup", "strict": False}}],
                     "metadata": {"only": "this"}}
    assert api.beta.assistants.retrieve(original.id) == updated


def test_modify_changes_each_setting_it_is_given(api, known_files):
    assistant = api.beta.assistants.create(model="gpt-4o")

    updated = api.beta.assistants.update(
        assistant.id, model="gpt-4.1", description="new", instructions="Be brief.", temperature=0,
        top_p=0.5, response_format={"type": "json_object"}, reasoning_effort="low",
        tool_resources={"code_interpreter": {"file_ids": ["file-xyz"]}})

    assert (updated.model, updated.description, updated.instructions) == ("gpt-4.1", "new", "Be brief.")
    assert (updated.temperature, updated.top_p, updated.reasoning_effort) == (0.0, 0.5, "low")
    assert updated.response_format.type == "json_object"
    assert updated.tool_resources.code_interpreter.file_ids == ["file-xyz"]
    assert (updated.id, updated.created_at, updated.name) == (assistant.id, assistant.created_at, None)


def test_modify_replaces_metadata_whole_rather_than_merging(api):
    assistant = api.beta.assistants.create(model="gpt-4o", metadata={"a": "1", "b": "2"})

    assert api.beta.assistants.update(assistant.id, metadata={"b": "3"}).metadata == {"b": "3"}
    assert api.beta.assistants.update(assistant.id, metadata={}).metadata == {}
    assert api.beta.assistants.retrieve(assistant.id).metadata == {}


def test_modify_with_explicit_nulls_changes_nothing(api, known_files):
    assistant = api.beta.assistants.create(**EVERY_FIELD)

    updated = api.beta.assistants.update(assistant.id, extra_body={
        "name": None, "metadata": None, "temperature": None, "tools": None})

    assert updated == assistant


# --- delete -------------------------------------------------------------------------------------

def test_delete_answers_the_deletion_record_and_later_calls_are_404(api):
    assistant = api.beta.assistants.create(model="gpt-4o")
    kept = api.beta.assistants.create(model="gpt-4o")

    deleted = api.beta.assistants.delete(assistant.id)

    assert deleted.model_dump() == {"id": assistant.id, "object": "assistant.deleted", "deleted": True}
    assert listed(api) == [kept.id]
    missing = errors.not_found("assistant", assistant.id)
    for call in (lambda: api.beta.assistants.retrieve(assistant.id),
                 lambda: api.beta.assistants.update(assistant.id, name="x"),
                 lambda: api.beta.assistants.delete(assistant.id)):
        expect_refusal(call, missing, openai.NotFoundError)


def test_a_deleted_assistant_still_marks_its_place_as_a_list_cursor(api):
    ids = [api.beta.assistants.create(model="gpt-4o").id for _ in range(4)]

    api.beta.assistants.delete(ids[1])

    assert [a.id for a in api.beta.assistants.list(order="asc", after=ids[1]).data] == ids[2:]
    assert [a.id for a in api.beta.assistants.list(order="asc", before=ids[1]).data] == ids[:1]


def test_deleting_an_assistant_does_not_delete_threads(api):
    assistant = api.beta.assistants.create(model="gpt-4o")
    thread = api.beta.threads.create(metadata={"assistant": assistant.id},
                                     messages=[{"role": "user", "content": "hello"}])

    api.beta.assistants.delete(assistant.id)

    assert api.beta.threads.retrieve(thread.id) == thread
    [message] = list(api.beta.threads.messages.list(thread.id))
    assert message.content[0].text.value == "hello"


# --- refusals -----------------------------------------------------------------------------------

BAD_CREATES = {
    "an unknown model": (
        {"model": "gpt-nonexistent"},
        errors.model_not_found("gpt-nonexistent")),
    "129 tools": (
        {"model": "gpt-4o", "tools": [{"type": "code_interpreter"}] * 129},
        errors.array_too_long("tools", 128, 129)),
    "a function name with a space and a bang": (
        {"model": "gpt-4o", "tools": [{"type": "function", "function": {"name": "bad name!"}}]},
        errors.pattern_mismatch("tools[0].function.name", "bad name!", "^[a-zA-Z0-9_-]+$")),
    "a 65-char function name": (
        {"model": "gpt-4o", "tools": [{"type": "code_interpreter"},
                                      {"type": "function", "function": {"name": "f" * 65}}]},
        errors.string_too_long("tools[1].function.name", 64, 65)),
    "temperature 2.5": (
        {"model": "gpt-4o", "temperature": 2.5},
        errors.number_out_of_range("temperature", 2.5, 2, above=True, integer=False)),
    "temperature -0.1": (
        {"model": "gpt-4o", "temperature": -0.1},
        errors.number_out_of_range("temperature", -0.1, 0, above=False, integer=False)),
    "top_p 1.5": (
        {"model": "gpt-4o", "top_p": 1.5},
        errors.number_out_of_range("top_p", 1.5, 1, above=True, integer=False)),
    "a 257-char name": (
        {"model": "gpt-4o", "name": "n" * 257},
        errors.string_too_long("name", 256, 257)),
    "a 513-char description": (
        {"model": "gpt-4o", "description": "d" * 513},
        errors.string_too_long("description", 512, 513)),
    "no model": (
        {"model": omit, "name": "nameless"},
        errors.missing_required_parameter("model")),
    "an unknown field": (
        {"model": "gpt-4o", "extra_body": {"file_ids": ["file-abc123"]}},
        errors.unknown_parameter("file_ids")),
    "a malformed code interpreter file id": (
        {"model": "gpt-4o", "tool_resources": {"code_interpreter": {"file_ids": ["file-abc123", "abc123"]}}},
        errors.invalid_id_prefix("tool_resources.code_interpreter.file_ids[1]", "abc123", "file")),
    "a malformed file id in the vector store helper": (
        {"model": "gpt-4o", "tool_resources": {"file_search": {"vector_stores": [{"file_ids": ["doc.pdf"]}]}}},
        errors.invalid_id_prefix("tool_resources.file_search.vector_stores[0].file_ids[0]", "doc.pdf", "file")),
    "an unknown reasoning effort": (
        {"model": "gpt-4o", "reasoning_effort": "extreme"},
        errors.invalid_value("reasoning_effort", "extreme",
                             ["none", "minimal", "low", "medium", "high", "xhigh", "max"])),
}


@pytest.mark.parametrize("request_, expected", BAD_CREATES.values(), ids=BAD_CREATES.keys())
def test_a_bad_create_is_refused_with_the_catalog_error_and_stores_nothing(api, backend, request_, expected):
    existing = api.beta.assistants.create(model="gpt-4o", name="existing")

    expect_refusal(lambda: api.beta.assistants.create(**request_), expected)

    assert listed(api) == [existing.id]
    assert api.beta.assistants.retrieve(existing.id) == existing
    assert len(backend.emulator.state.assistants) == 1
    assert len(backend.emulator.state.vector_stores) == 0


BAD_MODIFIES = {
    "an unknown model": ({"model": "gpt-nonexistent"}, errors.model_not_found("gpt-nonexistent")),
    "temperature 2.5": (
        {"temperature": 2.5, "name": "changed"},
        errors.number_out_of_range("temperature", 2.5, 2, above=True, integer=False)),
    "top_p 1.5": ({"top_p": 1.5}, errors.number_out_of_range("top_p", 1.5, 1, above=True, integer=False)),
    "129 tools": ({"tools": [{"type": "file_search"}] * 129}, errors.array_too_long("tools", 128, 129)),
    "a 257-char name": ({"name": "n" * 257}, errors.string_too_long("name", 256, 257)),
    "a malformed code interpreter file id": (
        {"metadata": {"changed": "yes"}, "tool_resources": {"code_interpreter": {"file_ids": ["xyz"]}}},
        errors.invalid_id_prefix("tool_resources.code_interpreter.file_ids[0]", "xyz", "file")),
    "an unknown field": ({"extra_body": {"file_ids": []}}, errors.unknown_parameter("file_ids")),
}


@pytest.mark.parametrize("request_, expected", BAD_MODIFIES.values(), ids=BAD_MODIFIES.keys())
def test_a_bad_modify_is_refused_and_leaves_the_assistant_as_it_was(api, request_, expected, known_files):
    assistant = api.beta.assistants.create(**EVERY_FIELD)
    before = wire(api, f"/assistants/{assistant.id}")

    expect_refusal(lambda: api.beta.assistants.update(assistant.id, **request_), expected)

    assert wire(api, f"/assistants/{assistant.id}") == before
    assert listed(api) == [assistant.id]


@pytest.mark.parametrize("operation", ["retrieve", "update", "delete"])
def test_an_assistant_id_without_the_asst_prefix_is_refused(api, operation):
    expect_refusal(lambda: getattr(api.beta.assistants, operation)("assistant-123"),
                   errors.invalid_id_prefix("assistant_id", "assistant-123", "asst"))


def test_an_unknown_assistant_id_is_a_404(api):
    expect_refusal(lambda: api.beta.assistants.retrieve("asst_doesnotexist"),
                   errors.not_found("assistant", "asst_doesnotexist"), openai.NotFoundError)


# --- the model list -----------------------------------------------------------------------------

def test_by_default_every_model_the_spec_lists_is_accepted(api):
    for model in ("gpt-4o", "gpt-4.1-mini", "gpt-3.5-turbo"):
        assert api.beta.assistants.create(model=model).model == model


def test_the_configured_model_set_decides_which_models_exist(api, backend):
    backend.emulator.state.models = frozenset({"gpt-4o", "my-fine-tune"})

    assert api.beta.assistants.create(model="my-fine-tune").model == "my-fine-tune"
    assistant = api.beta.assistants.create(model="gpt-4o")
    expect_refusal(lambda: api.beta.assistants.create(model="gpt-4.1"), errors.model_not_found("gpt-4.1"))
    expect_refusal(lambda: api.beta.assistants.update(assistant.id, model="gpt-4.1"),
                   errors.model_not_found("gpt-4.1"))
    assert api.beta.assistants.retrieve(assistant.id).model == "gpt-4o"
    assert len(listed(api)) == 2


@pytest.mark.fake_openai(models=["gpt-4o"])
def test_the_marker_restricts_the_models_of_the_fixture(fake_openai):
    client = fake_openai.client

    assert client.beta.assistants.create(model="gpt-4o").model == "gpt-4o"
    expect_refusal(lambda: client.beta.assistants.create(model="gpt-4o-mini"),
                   errors.model_not_found("gpt-4o-mini"))
    assert len(fake_openai.state.assistants) == 1
