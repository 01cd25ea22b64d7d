"""Wording no other test pinned (each found by a mutant that survived: benchmarks/mutation.py): what
fakeai says about a request the API would refuse, a script it cannot follow, a plan nobody took, and
its own contract violations. Expected texts are written here, never taken from fakeai."""

from __future__ import annotations

import httpx
import openai
import pytest

from fakeai import ScriptError, errors

pytestmark = pytest.mark.fake_openai(allow_unused_plans=True)

BETA = {"OpenAI-Beta": "assistants=v2", "Authorization": "Bearer sk-wording-0123456789abcdef"}


def raw_post(path: str, content: bytes, content_type: str) -> httpx.Response:
    """A body the SDK would never send, posted in-process (the fixture serves api.openai.com)."""
    with httpx.Client(base_url="https://api.openai.com/v1") as http:
        return http.post(path, content=content, headers={**BETA, "Content-Type": content_type})


def test_a_body_that_is_not_a_json_object_names_what_it_is(fake_openai):
    answer = raw_post("/threads", b"[1, 2]", "application/json")

    assert (answer.status_code, answer.json()) == (400, {"error": {
        "message": "Invalid type for request body: expected an object, but got an array instead.",
        "type": "invalid_request_error", "param": None, "code": "invalid_type"}})


def test_a_json_route_given_another_content_type_says_how_to_fix_it(fake_openai):
    answer = raw_post("/threads", b"metadata=x", "text/plain")

    assert (answer.status_code, answer.json()) == (400, {"error": {
        "message": "Invalid Content-Type header (text/plain), expected application/json. (HINT: If you're using "
                   "curl, you can pass in `-H 'Content-Type: application/json'` to fix this.)",
        "type": "invalid_request_error", "param": None, "code": None}})


def test_an_injected_409_has_the_apis_conflict_wording(fake_openai):
    fake_openai.faults.add(status=409, path="/threads", times=1)

    with pytest.raises(openai.ConflictError) as refused:
        openai.OpenAI(max_retries=0).beta.threads.create()

    assert refused.value.body == {"message": "The request conflicted with another request.",
                                  "type": "invalid_request_error", "param": None, "code": None}


def test_a_batch_given_files_names_files_when_one_cannot_be_searched(fake_openai):
    client = fake_openai.client
    table = client.files.create(file=("table.csv", b"a,b\n1,2\n"), purpose="assistants")
    store = client.vector_stores.create(name="docs")

    with pytest.raises(openai.BadRequestError) as refused:
        client.post(f"/vector_stores/{store.id}/file_batches", cast_to=object,
                    body={"files": [{"file_id": table.id}]}, options={"headers": {"OpenAI-Beta": "assistants=v2"}})

    assert refused.value.body == {
        "message": "Files with extensions [.csv] are not supported for retrieval. See "
                   "https://platform.openai.com/docs/assistants/tools/file-search/supported-files",
        "type": "invalid_request_error", "param": "files", "code": "unsupported_file"}


def test_an_annotation_whose_text_is_not_in_the_reply_cannot_run(fake_openai):
    client = fake_openai.client
    assistant = client.beta.assistants.create(model="gpt-4o")
    thread = client.beta.threads.create()
    fake_openai.script.reply("See the manual.", annotations=[{"type": "file_citation", "text": "[1]",
                                                               "file_id": "file-abc"}])

    with pytest.raises(ScriptError) as refused:
        client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id)

    assert str(refused.value) == "cannot annotate '[1]': it is not in the reply text"


def test_a_responder_that_raises_is_named_with_its_run(fake_openai):
    client = fake_openai.client
    assistant = client.beta.assistants.create(model="gpt-4o")
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "Hi"}])

    def broken(turn):
        raise KeyError("city")

    fake_openai.script.respond(broken)
    run = client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id)
    with pytest.raises(ScriptError) as refused:
        client.beta.threads.runs.retrieve(run.id, thread_id=thread.id)

    assert str(refused.value) == (
        f"the responder test_a_responder_that_raises_is_named_with_its_run.<locals>.broken raised KeyError: "
        f"'city' (run {run.id}; it is given a fakeai.scripting.Turn: messages are dicts, oldest first; see the "
        "traceback above for the line)")


def test_plans_nobody_took_are_listed_in_a_line_each(fake_openai):
    fake_openai.script.search_files({"file_id": "file-a", "score": 0.5}, {"file_id": "file-b", "score": 0.4})
    fake_openai.script.reply("A reply long enough to be shortened when listed, as this one is.")

    assert fake_openai.script.unused() == [
        "the next run of any thread: search files (2 results)",
        "the next run of any thread: reply 'A reply long enough to be shortened whe…'"]  # 40 characters at most
    fake_openai.script.clear()


def test_a_contract_violation_names_the_schema_it_broke(fake_openai, monkeypatch):
    from fakeai.resources import threads
    monkeypatch.setattr(threads, "create_thread", lambda state, body: {"id": "thread_x"})

    with pytest.raises(errors.ContractViolation) as broken:
        fake_openai.client.beta.threads.create()

    assert str(broken.value).startswith("response does not match ThreadObject: <body>: ")
    fake_openai.problems.clear()  # met on purpose; the fixture would fail this test otherwise


def test_an_empty_string_where_one_character_is_the_least_is_refused_in_the_apis_words(fake_openai):
    with httpx.Client(base_url="https://api.openai.com/_fakeai/") as http:
        answer = http.post("faults", json={"status": 500, "path": ""}, headers=BETA)

    assert (answer.status_code, answer.json()) == (400, {"error": {
        "message": "Invalid 'path': empty string. Expected a string with minimum length 1, but got an empty "
                   "string instead.",
        "type": "invalid_request_error", "param": "path", "code": "empty_string"}})
