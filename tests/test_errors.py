"""Bad requests are refused as the real API refused them: the SDK's matching exception, the catalog's
message, param and code, and nothing stored changes. Never a 500."""

from __future__ import annotations

import openai
import pytest
from openai import omit

from fakeai import errors
from tests.sdk import expect_refusal, raw_body

BAD_THREAD_CREATES = {
    "17 metadata keys": (
        {"metadata": {f"key{i}": "v" for i in range(17)}},
        errors.too_many_properties("metadata", 16, 17)),
    "a 600-char metadata value": (
        {"metadata": {"note": "x" * 600}},
        errors.string_too_long("metadata.note", 512, 600)),
    "a 65-char metadata key": (
        {"metadata": {"k" * 65: "v"}},
        errors.property_name_too_long("metadata", "k" * 65, 64)),
    "a metadata array": (
        {"metadata": ["a"]},
        errors.invalid_type("metadata", "a metadata object", "an array")),
    "a non-string metadata value": (
        {"metadata": {"count": 3}},
        errors.invalid_type("metadata.count", "a string", "an integer")),
    "an unknown field": (
        {"file_ids": ["file-abc"]},
        errors.unknown_parameter("file_ids")),
    "an unknown field inside a message": (
        {"messages": [{"role": "user", "content": "hi", "file_ids": []}]},
        errors.unknown_parameter("messages[0].file_ids")),
    "a wrong-typed field": (
        {"messages": "hello"},
        errors.invalid_type("messages", "an array of objects", "a string")),
    "a message without content": (
        {"messages": [{"role": "user"}]},
        errors.missing_required_parameter("messages[0].content")),
    "a wrong role": (
        {"messages": [{"role": "system", "content": "hi"}]},
        errors.invalid_value("messages[0].role", "system", ["user", "assistant"])),
    "an empty content list": (
        {"messages": [{"role": "user", "content": []}]},
        errors.too_short("messages[0].content", "array", 1, 0)),
    "an unknown content part type": (
        {"messages": [{"role": "user", "content": [{"type": "audio", "audio": {}}]}]},
        errors.invalid_value("messages[0].content[0].type", "audio", ["image_file", "image_url", "text"])),
    "33 initial messages": (
        {"messages": [{"role": "user", "content": "hi"}] * 33},
        errors.array_too_long("messages", 32, 33)),
    "21 code interpreter files": (
        {"tool_resources": {"code_interpreter": {"file_ids": ["file-a"] * 21}}},
        errors.array_too_long("tool_resources.code_interpreter.file_ids", 20, 21)),
}



@pytest.mark.parametrize("body, expected", BAD_THREAD_CREATES.values(), ids=BAD_THREAD_CREATES.keys())
def test_a_bad_thread_create_is_refused_with_the_catalog_error_and_stores_nothing(api, backend, body, expected):
    expect_refusal(lambda: api.beta.threads.create(extra_body=body), expected)

    assert backend.emulator.state.threads == {}


def test_a_bad_modify_leaves_the_thread_as_it_was(api):
    thread = api.beta.threads.create(metadata={"a": "1"})

    expect_refusal(lambda: api.beta.threads.update(thread.id, metadata={"a": "x" * 513}),
                   errors.string_too_long("metadata.a", 512, 513))

    assert api.beta.threads.retrieve(thread.id) == thread


def test_a_thread_id_without_the_thread_prefix_is_refused(api):
    expect_refusal(lambda: api.beta.threads.retrieve("undefined"),
                   errors.invalid_id_prefix("thread_id", "undefined", "thread"))


def test_a_request_without_an_api_key_is_refused(api):
    expect_refusal(lambda: api.beta.threads.create(extra_headers={"Authorization": omit}),
                   errors.missing_api_key(), openai.AuthenticationError)


def test_a_key_outside_the_accepted_set_is_refused_with_the_key_masked(api, backend):
    backend.emulator.app.api_keys = {"sk-the-only-good-key"}

    refused = expect_refusal(lambda: api.beta.threads.create(), errors.incorrect_api_key("sk-test-0123456789abcdef"),
                             openai.AuthenticationError)
    assert "sk-test-0123456789abcdef" not in refused.message


def test_a_request_without_the_beta_header_is_refused(api):
    expect_refusal(lambda: api.beta.threads.create(extra_headers={"OpenAI-Beta": omit}),
                   errors.missing_beta_header())


def test_the_retired_v1_beta_header_is_refused(api):
    expect_refusal(lambda: api.beta.threads.create(extra_headers={"OpenAI-Beta": "assistants=v1"}),
                   errors.v1_beta_header())


BETA = {"OpenAI-Beta": "assistants=v2", "Content-Type": "application/json"}


def post_raw(api, content: bytes, headers=BETA):
    """POST raw bytes to /threads through the SDK."""
    return api.post("/threads", cast_to=object, options={"headers": headers}, **raw_body(content))


@pytest.mark.parametrize("content", [b'{"metadata": {', b'{"metadata": NaN}', b"\xff\xfe"])
def test_a_body_that_is_not_json_is_refused(api, backend, content):
    expect_refusal(lambda: post_raw(api, content), errors.invalid_json())

    assert backend.emulator.state.threads == {}


@pytest.mark.parametrize("content, got", [(b"[]", "an array"), (b'"text"', "a string")])
def test_a_body_that_is_not_an_object_is_refused(api, content, got):
    expect_refusal(lambda: post_raw(api, content), errors.body_not_an_object(got))


def test_a_body_that_is_not_declared_json_is_refused(api):
    headers = {**BETA, "Content-Type": "application/x-www-form-urlencoded"}
    expect_refusal(lambda: post_raw(api, b"a=b", headers), errors.unsupported_content_type("application/x-www-form-urlencoded"))


def test_an_unknown_path_answers_in_the_api_envelope(api):
    expect_refusal(lambda: api.get("/threads/thread_abc/nothing", cast_to=object),
                   errors.invalid_url("GET", "/v1/threads/thread_abc/nothing"), openai.NotFoundError)


def test_a_wrong_method_answers_in_the_api_envelope(api):
    expect_refusal(lambda: api.put("/threads", cast_to=object),
                   errors.invalid_url("PUT", "/v1/threads"), openai.NotFoundError)


def test_listing_threads_needs_a_session_key_as_in_the_real_api(api):
    expect_refusal(lambda: api.get("/threads", cast_to=object), errors.listing_threads_needs_session_key(),
                   openai.AuthenticationError)


def test_precedence_unknown_parameter_beats_a_missing_one_and_bad_values():
    """README 'Validation precedence': one documented order when several things are wrong."""
    from fakeai.validation import PRECEDENCE
    assert PRECEDENCE == ("unknown", "missing", "type", "bounds", "enum")


def test_several_problems_report_the_one_that_ranks_first(api):
    body = {"metadata": {f"k{i}": "v" for i in range(20)},
            "messages": [{"role": "robot", "content": 5}], "colour": "red"}

    expect_refusal(lambda: api.beta.threads.create(extra_body=body), errors.unknown_parameter("colour"))
    del body["colour"]
    expect_refusal(lambda: api.beta.threads.create(extra_body=body),
                   errors.invalid_type("messages[0].content", "one of a string or an array", "an integer"))


def test_a_missing_thread_is_a_404_even_when_the_body_is_also_wrong(api):
    expect_refusal(lambda: api.beta.threads.update("thread_missing", metadata={"k": "x" * 999}),
                   errors.not_found("thread", "thread_missing"), openai.NotFoundError)
