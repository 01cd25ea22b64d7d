"""Vector stores, their files and file batches, ingestion and search through the real SDK
(in-process and server, sync and async), against the values in files-vector-stores §3-§6, §8, §9.

Expected values are literals from the notes (observed wire shapes, the error catalog F8-F12, the
1024-byte embedding per chunk, the lexical score recipe of §6), worked out by hand in each test.
Tests that need a slower ingestion than ``immediate`` build their own ``FakeOpenAI(progression=...)``.
"""

from __future__ import annotations

import inspect
import time

import openai
import pytest

from openai._resource import AsyncAPIResource, SyncAPIResource

from fakeai import FakeOpenAI
from tests.sdk import Synchronous, wire

IRE = "invalid_request_error"
AUTO_CHUNKING = {"type": "static", "static": {"max_chunk_size_tokens": 800, "chunk_overlap_tokens": 400}}
NO_FILES = {"in_progress": 0, "completed": 0, "failed": 0, "cancelled": 0, "total": 0}
DAY = 86_400
SUPPORTED_FILES = "https://platform.openai.com/docs/assistants/tools/file-search/supported-files"
CANNOT_PARSE = {"code": "invalid_file", "message": "The file could not be parsed."}

#: ``files=[...]`` on file batch creation arrived in openai 2.7.0 (files-vector-stores §8).
BATCH_FILES_PARAM = "files" in inspect.signature(
    openai.resources.vector_stores.file_batches.FileBatches.create).parameters


def counts(**given) -> dict:
    return {**NO_FILES, **given}


def refused(call, status: int, body: dict) -> None:
    """``call()`` is answered with exactly this HTTP status and error body."""
    with pytest.raises(openai.APIStatusError) as error:
        call()
    assert (error.value.status_code, error.value.body) == (status, body)


def upload(api, filename: str, data: bytes):
    return api.files.create(file=(filename, data), purpose="assistants")


def store_wire(api, vs_id: str) -> dict:
    return wire(api, f"/vector_stores/{vs_id}")


def store_files(api, vs_id: str, **query) -> list[str]:
    return [vs_file.id for vs_file in api.vector_stores.files.list(vs_id, **query)]


@pytest.fixture(params=["sync-in-process", "async-server"])
def paced(request, live_server, event_loop_for_test):
    """``paced("reads:3")`` -> (emulator, client): an emulator whose ingestion follows that
    progression, and an SDK client for it (two of the four ways: enough for both transports)."""
    server = request.param == "async-server"
    made = []

    def make(progression: str):
        emulator = FakeOpenAI(progression=progression, bugs="respond" if server else "raise")
        made.append(emulator)
        if not server:
            return emulator, emulator.client
        live_server.emulator = emulator
        client = openai.AsyncOpenAI(api_key="sk-test-paced", base_url=live_server.base_url, max_retries=0)
        made.append(client)
        return emulator, Synchronous(client, event_loop_for_test)

    yield make
    for thing in made:
        if isinstance(thing, openai.AsyncOpenAI):
            event_loop_for_test.run_until_complete(thing.close())
        else:
            assert not thing.problems, thing.problems
    if server:
        live_server.emulator = None


@pytest.fixture
def sleeps(monkeypatch):
    """Every sleep the SDK's poll helpers take, in seconds (they still sleep)."""
    taken = []
    sync_sleep, async_sleep = SyncAPIResource._sleep, AsyncAPIResource._sleep

    def record(self, seconds):
        taken.append(seconds)
        sync_sleep(self, seconds)

    async def record_async(self, seconds):
        taken.append(seconds)
        await async_sleep(self, seconds)

    monkeypatch.setattr(SyncAPIResource, "_sleep", record)
    monkeypatch.setattr(AsyncAPIResource, "_sleep", record_async)
    return taken


# --- stores -----------------------------------------------------------------------------------------

def test_a_store_created_with_nothing_is_completed_empty_and_unnamed(api, backend):
    vs = api.vector_stores.create()

    assert vs.id.startswith("vs_")
    assert store_wire(api, vs.id) == {
        "id": vs.id,
        "object": "vector_store",
        "name": None,
        "status": "completed",
        "usage_bytes": 0,
        "created_at": backend.emulator.now(),
        "file_counts": NO_FILES,
        "metadata": {},
        "expires_after": None,
        "expires_at": None,
        "last_active_at": backend.emulator.now(),
    }


def test_name_metadata_and_an_expiry_policy_are_kept_and_expiry_counts_from_last_activity(api, backend):
    vs = api.vector_stores.create(name="Support FAQ", metadata={"team": "support"},
                                  expires_after={"anchor": "last_active_at", "days": 1})

    now = backend.emulator.now()
    stored = store_wire(api, vs.id)
    assert (stored["name"], stored["metadata"]) == ("Support FAQ", {"team": "support"})
    assert stored["expires_after"] == {"anchor": "last_active_at", "days": 1}
    assert (stored["created_at"], stored["last_active_at"], stored["expires_at"]) == (now, now, now + 86_400)


def test_files_given_at_create_are_in_progress_in_the_answer_and_completed_at_the_next_read(api):
    hello = upload(api, "hello.txt", b"hello world!")
    accents = upload(api, "accents.md", "h\u00e9llo w\u00f6rld".encode())  # 11 characters, 13 bytes

    vs = api.vector_stores.create(file_ids=[hello.id, accents.id])

    assert (vs.status, vs.usage_bytes) == ("in_progress", 0)
    assert vs.file_counts.to_dict() == counts(in_progress=2, total=2)
    stored = store_wire(api, vs.id)
    assert stored["status"] == "completed"
    assert stored["file_counts"] == counts(completed=2, total=2)
    # one chunk each: its UTF-8 bytes plus a 1024-byte embedding (12 B -> 1036 B was observed)
    assert stored["usage_bytes"] == (12 + 1024) + (13 + 1024) == 2073
    assert api.vector_stores.files.retrieve(hello.id, vector_store_id=vs.id).usage_bytes == 1036
    assert api.vector_stores.files.retrieve(accents.id, vector_store_id=vs.id).usage_bytes == 1037


def test_auto_or_no_chunking_reads_back_as_800_over_400_and_a_static_strategy_is_echoed(api):
    files = [upload(api, f"{name}.txt", b"some text") for name in ("plain", "auto", "static")]
    vs = api.vector_stores.create()
    static = {"type": "static", "static": {"max_chunk_size_tokens": 200, "chunk_overlap_tokens": 50}}

    api.vector_stores.files.create(vector_store_id=vs.id, file_id=files[0].id)
    api.vector_stores.files.create(vector_store_id=vs.id, file_id=files[1].id, chunking_strategy={"type": "auto"})
    api.vector_stores.files.create(vector_store_id=vs.id, file_id=files[2].id, chunking_strategy=static)

    listed = {item["id"]: item["chunking_strategy"] for item in wire(api, f"/vector_stores/{vs.id}/files")["data"]}
    assert listed == {files[0].id: AUTO_CHUNKING, files[1].id: AUTO_CHUNKING, files[2].id: static}
    created = api.vector_stores.create(file_ids=[files[0].id], chunking_strategy=static)
    assert wire(api, f"/vector_stores/{created.id}/files/{files[0].id}")["chunking_strategy"] == static


def test_a_static_strategy_cuts_overlapping_chunks_each_billed_with_its_embedding(api):
    words = [f"w{index:03d}" for index in range(150)]
    source = upload(api, "words.txt", " ".join(words).encode())
    vs = api.vector_stores.create()

    api.vector_stores.files.create(vector_store_id=vs.id, file_id=source.id, chunking_strategy={
        "type": "static", "static": {"max_chunk_size_tokens": 100, "chunk_overlap_tokens": 50}})

    # windows of 100 words starting every 50: words 0-99 and 50-149, 100*4 + 99 = 499 bytes each
    first, second = " ".join(words[0:100]), " ".join(words[50:150])
    content = api.vector_stores.files.content(source.id, vector_store_id=vs.id)
    assert [chunk.text for chunk in content] == [first, second]
    assert api.vector_stores.files.retrieve(source.id, vector_store_id=vs.id).usage_bytes == 2 * (499 + 1024) == 3046
    assert store_wire(api, vs.id)["usage_bytes"] == 3046
    # search answers per chunk: a word of the overlap is in both, a late word only in the second
    assert [(r.score, r.content[0].text) for r in api.vector_stores.search(vs.id, query="w060")] == [
        (1.0, first), (1.0, second)]
    assert [(r.score, r.content[0].text) for r in api.vector_stores.search(vs.id, query="w120")] == [(1.0, second)]


def test_stores_list_newest_first_with_limit_order_after_and_before(api, backend):
    ids = []
    for name in ("one", "two", "three"):
        ids.append(api.vector_stores.create(name=name).id)
        backend.emulator.advance_time(1)
    one, two, three = ids

    assert [vs.id for vs in api.vector_stores.list()] == [three, two, one]
    assert [vs.id for vs in api.vector_stores.list(order="asc")] == [one, two, three]
    assert [vs.id for vs in api.vector_stores.list(limit=1)] == [three, two, one]  # the SDK walks the pages
    first_page = api.vector_stores.list(limit=2)
    assert ([vs.id for vs in first_page.data], first_page.has_more) == ([three, two], True)
    assert [vs.id for vs in api.vector_stores.list(after=three).data] == [two, one]
    assert [vs.id for vs in api.vector_stores.list(before=one).data] == [three, two]
    assert [vs.id for vs in api.vector_stores.list(order="asc", after=one).data] == [two, three]
    assert wire(api, "/vector_stores?limit=1&order=asc") == {
        "object": "list", "data": [store_wire(api, one)], "first_id": one, "last_id": one, "has_more": True}


def test_modify_replaces_name_and_metadata_and_a_new_policy_counts_from_last_activity(api, backend):
    vs = api.vector_stores.create(name="old", metadata={"a": "1", "b": "2"})
    created_at = backend.emulator.now()
    before = store_wire(api, vs.id)
    backend.emulator.advance_time(100)

    updated = api.vector_stores.update(vs.id, name="new", metadata={"b": "3"},
                                       expires_after={"anchor": "last_active_at", "days": 2})

    expected = {**before, "name": "new", "metadata": {"b": "3"},
                "expires_after": {"anchor": "last_active_at", "days": 2},
                "expires_at": created_at + 2 * 86_400}  # a modify is not activity: last_active_at stays
    assert updated.to_dict() == expected
    assert store_wire(api, vs.id) == expected
    assert api.vector_stores.update(vs.id, metadata={}).metadata == {}


def test_delete_answers_the_deletion_record_and_the_store_is_gone_but_its_files_stay(api):
    kept = upload(api, "kept.txt", b"still here")
    vs = api.vector_stores.create(file_ids=[kept.id])
    other = api.vector_stores.create()

    deleted = api.vector_stores.delete(vs.id)

    assert deleted.to_dict() == {"id": vs.id, "object": "vector_store.deleted", "deleted": True}
    missing = {"message": f"No vector store found with id '{vs.id}'.", "type": IRE, "param": None, "code": None}
    for call in (lambda: api.vector_stores.retrieve(vs.id),
                 lambda: api.vector_stores.update(vs.id, name="x"),
                 lambda: api.vector_stores.delete(vs.id),
                 lambda: list(api.vector_stores.files.list(vs.id)),
                 lambda: api.vector_stores.files.retrieve(kept.id, vector_store_id=vs.id),
                 lambda: api.vector_stores.files.create(vector_store_id=vs.id, file_id=kept.id),
                 lambda: list(api.vector_stores.search(vs.id, query="still"))):
        refused(call, 404, missing)
    assert [item.id for item in api.vector_stores.list()] == [other.id]
    assert api.files.retrieve(kept.id).id == kept.id


def test_a_store_id_without_the_vs_prefix_is_refused_before_anything_else(api):
    bad = {"message": "Invalid 'vector_store_id': 'abc'. Expected an ID that begins with 'vs'.",
           "type": IRE, "param": "vector_store_id", "code": "invalid_value"}
    for call in (lambda: api.vector_stores.retrieve("abc"),
                 lambda: api.vector_stores.update("abc", name="x"),
                 lambda: api.vector_stores.delete("abc"),
                 lambda: list(api.vector_stores.files.list("abc")),
                 lambda: api.vector_stores.files.create(vector_store_id="abc", file_id="file-missing"),
                 lambda: list(api.vector_stores.search("abc", query="x"))):
        refused(call, 400, bad)


def test_an_expiry_of_0_or_366_days_is_refused_with_the_bound_error_and_no_store_is_made(api):
    for days, bound, code in ((0, "below minimum value. Expected a value >= 1", "integer_below_min_value"),
                              (366, "above maximum value. Expected a value <= 365", "integer_above_max_value")):
        refused(lambda: api.vector_stores.create(expires_after={"anchor": "last_active_at", "days": days}), 400,
                {"message": f"Invalid 'expires_after.days': integer {bound}, but got {days} instead.",
                 "type": IRE, "param": "expires_after.days", "code": code})
    assert list(api.vector_stores.list()) == []


# --- vector store files -----------------------------------------------------------------------------

def test_an_attached_file_answers_in_progress_under_its_file_id_and_attaching_is_activity(api, backend):
    hello = upload(api, "hello.txt", b"hello world!")
    vs = api.vector_stores.create()
    backend.emulator.advance_time(10)

    attached = api.vector_stores.files.create(vector_store_id=vs.id, file_id=hello.id)

    now = backend.emulator.now()
    assert attached.to_dict() == {
        "id": hello.id,
        "object": "vector_store.file",
        "usage_bytes": 0,
        "created_at": now,
        "vector_store_id": vs.id,
        "status": "in_progress",
        "last_error": None,
        "chunking_strategy": AUTO_CHUNKING,
        "attributes": {},
    }
    assert wire(api, f"/vector_stores/{vs.id}/files/{hello.id}") == {
        **attached.to_dict(), "status": "completed", "usage_bytes": 1036}
    stored = store_wire(api, vs.id)
    assert (stored["last_active_at"], stored["usage_bytes"]) == (now, 1036)
    assert stored["file_counts"] == counts(completed=1, total=1)


def test_attributes_are_kept_and_an_update_replaces_them_whole(api):
    doc = upload(api, "doc.txt", b"some words")
    vs = api.vector_stores.create()
    api.vector_stores.files.create(vector_store_id=vs.id, file_id=doc.id,
                                   attributes={"author": "ann", "year": 2024, "draft": True})
    path = f"/vector_stores/{vs.id}/files/{doc.id}"
    assert wire(api, path)["attributes"] == {"author": "ann", "year": 2024, "draft": True}
    before = wire(api, path)

    updated = api.vector_stores.files.update(doc.id, vector_store_id=vs.id, attributes={"author": "bob"})

    assert updated.attributes == {"author": "bob"}
    assert wire(api, path) == {**before, "attributes": {"author": "bob"}}


def test_the_file_list_filters_on_status(api):
    good = upload(api, "good.txt", b"fine text")
    empty = upload(api, "empty.txt", b"")
    vs = api.vector_stores.create()
    for file in (good, empty):
        api.vector_stores.files.create(vector_store_id=vs.id, file_id=file.id)

    assert store_files(api, vs.id, order="asc") == [good.id, empty.id]
    assert store_files(api, vs.id, filter="completed") == [good.id]
    assert store_files(api, vs.id, filter="failed") == [empty.id]
    assert store_files(api, vs.id, filter="in_progress") == []
    assert store_files(api, vs.id, filter="cancelled") == []


def test_detaching_a_file_answers_its_deletion_record_and_the_file_itself_survives(api):
    hello = upload(api, "hello.txt", b"hello world!")
    fox = upload(api, "fox.txt", b"the quick brown fox")  # 19 bytes
    vs = api.vector_stores.create(file_ids=[hello.id, fox.id])
    assert store_wire(api, vs.id)["usage_bytes"] == 1036 + 1043

    deleted = api.vector_stores.files.delete(hello.id, vector_store_id=vs.id)

    assert deleted.to_dict() == {"id": hello.id, "object": "vector_store.file.deleted", "deleted": True}
    stored = store_wire(api, vs.id)
    assert (stored["usage_bytes"], stored["file_counts"]) == (1043, counts(completed=1, total=1))
    assert store_files(api, vs.id) == [fox.id]
    assert api.files.retrieve(hello.id).filename == "hello.txt"
    assert hello.id in [file.id for file in api.files.list()]
    assert [r.file_id for r in api.vector_stores.search(vs.id, query="hello quick")] == [fox.id]


def test_deleting_the_file_itself_removes_it_from_every_store(api):
    hello = upload(api, "hello.txt", b"hello world!")
    first = api.vector_stores.create(file_ids=[hello.id])
    second = api.vector_stores.create(file_ids=[hello.id])
    assert store_wire(api, first.id)["usage_bytes"] == 1036

    api.files.delete(hello.id)

    for vs in (first, second):
        stored = store_wire(api, vs.id)
        assert (stored["status"], stored["usage_bytes"], stored["file_counts"]) == ("completed", 0, NO_FILES)
        assert store_files(api, vs.id) == []


def test_the_content_endpoint_gives_the_parsed_text_one_item_per_chunk(api):
    notes = upload(api, "notes.md", b"first line\nsecond line")
    vs = api.vector_stores.create(file_ids=[notes.id])

    assert [(part.type, part.text) for part in api.vector_stores.files.content(notes.id, vector_store_id=vs.id)] == [
        ("text", "first line second line")]
    assert wire(api, f"/vector_stores/{vs.id}/files/{notes.id}/content") == {
        "object": "vector_store.file_content.page",
        "data": [{"type": "text", "text": "first line second line"}],
        "has_more": False,
        "next_page": None,
    }


def test_a_file_that_is_not_in_the_store_is_the_f10_404_for_every_file_call(api):
    elsewhere = upload(api, "elsewhere.txt", b"other store")
    home = api.vector_stores.create(file_ids=[elsewhere.id])
    vs = api.vector_stores.create()

    missing = {"message": f"No file found with id '{elsewhere.id}' in vector store '{vs.id}'.",
               "type": IRE, "param": None, "code": None}
    for call in (lambda: api.vector_stores.files.retrieve(elsewhere.id, vector_store_id=vs.id),
                 lambda: api.vector_stores.files.update(elsewhere.id, vector_store_id=vs.id, attributes={"a": "b"}),
                 lambda: api.vector_stores.files.delete(elsewhere.id, vector_store_id=vs.id),
                 lambda: list(api.vector_stores.files.content(elsewhere.id, vector_store_id=vs.id))):
        refused(call, 404, missing)
    assert api.vector_stores.files.retrieve(elsewhere.id, vector_store_id=home.id).attributes == {}


def test_attaching_an_unknown_or_deleted_file_is_the_f11_404_and_changes_nothing(api):
    known = upload(api, "known.txt", b"known")
    gone = upload(api, "gone.txt", b"gone")
    api.files.delete(gone.id)
    vs = api.vector_stores.create(file_ids=[known.id])
    before = (store_wire(api, vs.id), store_files(api, vs.id))

    refused(lambda: api.vector_stores.files.create(vector_store_id=vs.id, file_id="file-x"), 404,
            {"message": "Files [file-x] were not found", "type": IRE, "param": None, "code": None})
    refused(lambda: api.vector_stores.files.create(vector_store_id=vs.id, file_id=gone.id), 404,
            {"message": f"Files [{gone.id}] were not found", "type": IRE, "param": None, "code": None})
    refused(lambda: api.vector_stores.file_batches.create(vs.id, file_ids=[known.id, "file-x", "file-y"]), 404,
            {"message": "Files [file-x, file-y] were not found", "type": IRE, "param": None, "code": None})
    refused(lambda: api.vector_stores.create(name="never", file_ids=["file-x"]), 404,
            {"message": "Files [file-x] were not found", "type": IRE, "param": None, "code": None})

    assert (store_wire(api, vs.id), store_files(api, vs.id)) == before
    assert [item.id for item in api.vector_stores.list()] == [vs.id]


def test_a_csv_file_is_refused_for_retrieval_with_f12_and_changes_nothing(api):
    text = upload(api, "fine.txt", b"fine")
    table = upload(api, "table.csv", b"a,b\n1,2\n")
    vs = api.vector_stores.create()
    before = (store_wire(api, vs.id), store_files(api, vs.id))
    message = f"Files with extensions [.csv] are not supported for retrieval. See {SUPPORTED_FILES}"

    refused(lambda: api.vector_stores.files.create(vector_store_id=vs.id, file_id=table.id), 400,
            {"message": message, "type": IRE, "param": "file_id", "code": "unsupported_file"})
    refused(lambda: api.vector_stores.file_batches.create(vs.id, file_ids=[text.id, table.id]), 400,
            {"message": message, "type": IRE, "param": "file_ids", "code": "unsupported_file"})
    refused(lambda: api.vector_stores.create(file_ids=[text.id, table.id]), 400,
            {"message": message, "type": IRE, "param": "file_ids", "code": "unsupported_file"})

    assert (store_wire(api, vs.id), store_files(api, vs.id)) == before
    assert [item.id for item in api.vector_stores.list()] == [vs.id]


# --- SDK helpers ------------------------------------------------------------------------------------

def test_the_poll_helpers_finish_without_sleeping_when_ingestion_is_immediate(api, sleeps):
    vs = api.vector_stores.create()
    existing = upload(api, "existing.txt", b"already uploaded")
    started = time.monotonic()

    uploaded = api.vector_stores.files.upload_and_poll(vector_store_id=vs.id, file=("one.txt", b"one file"))
    attached = api.vector_stores.files.create_and_poll(
        vector_store_id=vs.id, file_id=upload(api, "two.txt", b"two files").id)
    batch = api.vector_stores.file_batches.upload_and_poll(
        vs.id, files=[("a.txt", b"alpha"), ("b.md", b"beta"), ("c.py", b"gamma = 1")], file_ids=[existing.id])
    polled = api.vector_stores.file_batches.poll(batch.id, vector_store_id=vs.id)
    again = api.vector_stores.file_batches.create_and_poll(vs.id, file_ids=[existing.id, uploaded.id])

    assert sleeps == []  # the first poll already sees every file settled
    assert time.monotonic() - started < 5.0
    assert (uploaded.status, uploaded.usage_bytes) == ("completed", len(b"one file") + 1024)
    assert api.files.retrieve(uploaded.id).to_dict()["purpose"] == "assistants"
    assert (attached.status, attached.usage_bytes) == ("completed", len(b"two files") + 1024)
    assert (batch.status, batch.file_counts.to_dict()) == ("completed", counts(completed=4, total=4))
    assert polled.to_dict() == batch.to_dict()
    assert (again.status, again.file_counts.to_dict()) == ("completed", counts(completed=2, total=2))
    names = sorted(api.files.retrieve(file_id).filename for file_id in store_files(api, vs.id))
    assert names == ["a.txt", "b.md", "c.py", "existing.txt", "one.txt", "two.txt"]


def test_file_and_batch_answers_carry_the_poll_after_header(api):
    doc = upload(api, "doc.txt", b"words")
    vs = api.vector_stores.create()
    files, batches = api.vector_stores.files.with_raw_response, api.vector_stores.file_batches.with_raw_response

    answers = [files.create(vector_store_id=vs.id, file_id=doc.id),
               files.retrieve(doc.id, vector_store_id=vs.id)]
    batch = api.vector_stores.file_batches.create(vs.id, file_ids=[doc.id])
    answers += [batches.create(vs.id, file_ids=[doc.id]),
                batches.retrieve(batch.id, vector_store_id=vs.id),
                batches.cancel(batch.id, vector_store_id=vs.id)]

    assert [answer.headers.get("openai-poll-after-ms") for answer in answers] == ["1"] * 5


def test_the_file_poll_sleeps_the_poll_after_header_between_reads_until_the_third_completes(paced, sleeps):
    emulator, client = paced("reads:3")
    vs = client.vector_stores.create()
    doc = client.files.create(file=("doc.txt", b"hello world!"), purpose="assistants")

    done = client.vector_stores.files.create_and_poll(vector_store_id=vs.id, file_id=doc.id)

    assert (done.status, done.usage_bytes) == ("completed", 1036)
    assert len(emulator.requests.filter("getVectorStoreFile")) == 3
    assert sleeps == [0.001, 0.001]  # openai-poll-after-ms: 1 (the SDK's default is 1 s)


def test_the_batch_poll_stops_once_no_file_is_in_progress(paced, sleeps):
    emulator, client = paced("reads:2")
    vs = client.vector_stores.create()
    ids = [client.files.create(file=(f"{n}.txt", b"text"), purpose="assistants").id for n in "ab"]
    batch = client.vector_stores.file_batches.create(vs.id, file_ids=ids)
    assert batch.file_counts.to_dict() == counts(in_progress=2, total=2)

    done = client.vector_stores.file_batches.poll(batch.id, vector_store_id=vs.id)

    assert (done.status, done.file_counts.to_dict()) == ("completed", counts(completed=2, total=2))
    assert len(emulator.requests.filter("getVectorStoreFileBatch")) == 2
    assert sleeps == [0.001]


# --- file batches -----------------------------------------------------------------------------------

def test_a_batch_answers_in_progress_then_completes_and_lists_its_own_files(api, backend):
    outside = upload(api, "outside.txt", b"not in the batch")
    ids = [upload(api, f"{name}.txt", f"{name} text".encode()).id for name in ("a", "b", "c")]
    vs = api.vector_stores.create(file_ids=[outside.id])

    batch = api.vector_stores.file_batches.create(vs.id, file_ids=ids)

    assert batch.id.startswith("vsfb_")
    assert batch.to_dict() == {
        "id": batch.id,
        "object": "vector_store.file_batch",  # observed; the spec says vector_store.files_batch
        "created_at": backend.emulator.now(),
        "status": "in_progress",
        "vector_store_id": vs.id,
        "file_counts": counts(in_progress=3, total=3),
    }
    assert wire(api, f"/vector_stores/{vs.id}/file_batches/{batch.id}") == {
        **batch.to_dict(), "status": "completed", "file_counts": counts(completed=3, total=3)}
    listed = [f.id for f in api.vector_stores.file_batches.list_files(batch.id, vector_store_id=vs.id, order="asc")]
    assert listed == ids
    assert [f.id for f in api.vector_stores.file_batches.list_files(
        batch.id, vector_store_id=vs.id, filter="failed")] == []
    stored = store_wire(api, vs.id)
    assert stored["file_counts"] == counts(completed=4, total=4)  # batch files count in the store too
    assert stored["usage_bytes"] == (16 + 1024) + 3 * (6 + 1024)


def test_cancelling_a_completed_batch_is_a_200_that_changes_nothing(api):
    doc = upload(api, "doc.txt", b"text")
    vs = api.vector_stores.create()
    batch = api.vector_stores.file_batches.create(vs.id, file_ids=[doc.id])
    done = api.vector_stores.file_batches.retrieve(batch.id, vector_store_id=vs.id)
    assert done.status == "completed"

    cancelled = api.vector_stores.file_batches.cancel(batch.id, vector_store_id=vs.id)

    assert cancelled.to_dict() == done.to_dict()
    assert api.vector_stores.files.retrieve(doc.id, vector_store_id=vs.id).status == "completed"


def test_cancelling_an_in_progress_batch_cancels_its_pending_files_and_leaves_settled_ones(paced):
    emulator, client = paced("reads:2")
    vs = client.vector_stores.create()
    upload_ = lambda name: client.files.create(file=(name, b"hello world!"), purpose="assistants")  # noqa: E731
    settled, first, second = upload_("settled.txt"), upload_("first.txt"), upload_("second.txt")
    client.vector_stores.files.create(vector_store_id=vs.id, file_id=settled.id)
    for _ in range(2):
        last = client.vector_stores.files.retrieve(settled.id, vector_store_id=vs.id)
    assert last.status == "completed"
    batch = client.vector_stores.file_batches.create(vs.id, file_ids=[settled.id, first.id, second.id])
    assert batch.file_counts.to_dict() == counts(in_progress=2, completed=1, total=3)

    cancelled = client.vector_stores.file_batches.cancel(batch.id, vector_store_id=vs.id)

    assert cancelled.status == "cancelled"
    assert cancelled.file_counts.to_dict() == counts(completed=1, cancelled=2, total=3)
    for _ in range(3):  # later reads move nothing
        stored = wire(client, f"/vector_stores/{vs.id}")
    assert (stored["status"], stored["usage_bytes"]) == ("completed", 1036)
    assert stored["file_counts"] == counts(completed=1, cancelled=2, total=3)
    assert sorted(store_files(client, vs.id, filter="cancelled")) == sorted([first.id, second.id])
    assert client.vector_stores.files.retrieve(first.id, vector_store_id=vs.id).usage_bytes == 0
    assert client.vector_stores.file_batches.retrieve(batch.id, vector_store_id=vs.id).to_dict() == cancelled.to_dict()


def test_an_unknown_batch_is_the_f14_404(api):
    vs = api.vector_stores.create()
    missing = {"message": "No vector store file batch found with id 'vsfb_missing'.", "type": IRE, "param": None,
               "code": None}

    for call in (lambda: api.vector_stores.file_batches.retrieve("vsfb_missing", vector_store_id=vs.id),
                 lambda: api.vector_stores.file_batches.cancel("vsfb_missing", vector_store_id=vs.id),
                 lambda: list(api.vector_stores.file_batches.list_files("vsfb_missing", vector_store_id=vs.id))):
        refused(call, 404, missing)


@pytest.mark.skipif(not BATCH_FILES_PARAM, reason="file_batches.create(files=...) needs openai >= 2.7.0")
def test_a_batch_of_files_gives_each_file_its_own_attributes(api):
    a, b = upload(api, "a.txt", b"alpha"), upload(api, "b.txt", b"beta")
    vs = api.vector_stores.create()

    batch = api.vector_stores.file_batches.create(vs.id, files=[
        {"file_id": a.id, "attributes": {"lang": "en"}}, {"file_id": b.id}])

    assert batch.file_counts.total == 2
    assert wire(api, f"/vector_stores/{vs.id}/files/{a.id}")["attributes"] == {"lang": "en"}
    assert wire(api, f"/vector_stores/{vs.id}/files/{b.id}")["attributes"] == {}


def test_a_batch_given_both_file_ids_and_files_is_refused_and_changes_nothing(api):
    doc = upload(api, "doc.txt", b"text")
    vs = api.vector_stores.create()
    before = (store_wire(api, vs.id), store_files(api, vs.id))

    with pytest.raises(openai.BadRequestError) as error:
        api.vector_stores.file_batches.create(vs.id, file_ids=[doc.id], extra_body={"files": [{"file_id": doc.id}]})

    # the real wording is not on record (files-vector-stores F15); this is fakeai's documented one
    assert error.value.body == {"message": "Provide only one of 'file_ids' or 'files'.", "type": IRE,
                                "param": "file_ids", "code": "invalid_value"}
    assert (store_wire(api, vs.id), store_files(api, vs.id)) == before


# --- progression ------------------------------------------------------------------------------------

def test_with_reads_3_a_file_is_in_progress_for_two_reads_of_its_store_and_completes_at_the_third(paced):
    emulator, client = paced("reads:3")
    doc = client.files.create(file=("doc.txt", b"hello world!"), purpose="assistants")
    vs = client.vector_stores.create(file_ids=[doc.id])
    client.vector_stores.files.update(doc.id, vector_store_id=vs.id, attributes={"a": "b"})  # a write: no read

    first = client.vector_stores.files.retrieve(doc.id, vector_store_id=vs.id)
    second = wire(client, f"/vector_stores/{vs.id}")
    third = client.vector_stores.files.retrieve(doc.id, vector_store_id=vs.id)

    assert (first.status, first.usage_bytes) == ("in_progress", 0)
    assert (second["status"], second["usage_bytes"], second["file_counts"]) == (
        "in_progress", 0, counts(in_progress=1, total=1))
    assert (third.status, third.usage_bytes) == ("completed", 1036)


def test_with_seconds_5_a_file_completes_once_five_seconds_have_passed(paced):
    emulator, client = paced("seconds:5")
    doc = client.files.create(file=("doc.txt", b"hello world!"), purpose="assistants")
    vs = client.vector_stores.create()
    client.vector_stores.files.create(vector_store_id=vs.id, file_id=doc.id)

    for _ in range(3):
        assert client.vector_stores.files.retrieve(doc.id, vector_store_id=vs.id).status == "in_progress"
    emulator.advance_time(4)
    assert client.vector_stores.files.retrieve(doc.id, vector_store_id=vs.id).status == "in_progress"
    emulator.advance_time(1)
    done = client.vector_stores.files.retrieve(doc.id, vector_store_id=vs.id)
    assert (done.status, done.usage_bytes) == ("completed", 1036)
    assert client.vector_stores.retrieve(vs.id).status == "completed"


# --- failures ---------------------------------------------------------------------------------------

def test_a_file_that_cannot_be_parsed_fails_and_a_store_whose_only_file_failed_says_completed(api):
    bad = upload(api, "bad.txt", b"\xc3\x28")  # not UTF-8
    vs = api.vector_stores.create(file_ids=[bad.id])

    failed = wire(api, f"/vector_stores/{vs.id}/files/{bad.id}")

    assert (failed["status"], failed["last_error"], failed["usage_bytes"]) == ("failed", CANNOT_PARSE, 0)
    stored = store_wire(api, vs.id)
    assert (stored["status"], stored["usage_bytes"]) == ("completed", 0)
    assert stored["file_counts"] == counts(failed=1, total=1)
    assert list(api.vector_stores.search(vs.id, query="anything")) == []


def test_empty_and_blank_files_fail_too_and_only_the_good_file_is_counted_and_searched(api):
    ids = [upload(api, name, data).id for name, data in
           (("empty.txt", b""), ("blank.md", b" \n\t "), ("good.txt", b"hello world!"))]
    vs = api.vector_stores.create(file_ids=ids)

    listed = wire(api, f"/vector_stores/{vs.id}/files?order=asc")["data"]

    assert [(item["status"], item["last_error"], item["usage_bytes"]) for item in listed] == [
        ("failed", CANNOT_PARSE, 0), ("failed", CANNOT_PARSE, 0), ("completed", None, 1036)]
    stored = store_wire(api, vs.id)
    assert (stored["status"], stored["usage_bytes"]) == ("completed", 1036)
    assert stored["file_counts"] == counts(completed=1, failed=2, total=3)
    assert [r.file_id for r in api.vector_stores.search(vs.id, query="hello")] == [ids[2]]


def test_utf16_text_with_its_byte_order_mark_is_read(api):
    doc = upload(api, "utf16.txt", "hello world".encode("utf-16"))
    vs = api.vector_stores.create(file_ids=[doc.id])

    done = api.vector_stores.files.retrieve(doc.id, vector_store_id=vs.id)

    assert (done.status, done.usage_bytes) == ("completed", 11 + 1024)
    assert [part.text for part in api.vector_stores.files.content(doc.id, vector_store_id=vs.id)] == ["hello world"]


def test_a_scripted_ingestion_failure_gives_its_last_error(api, backend):
    doc = upload(api, "doc.txt", b"perfectly fine text")
    fine = upload(api, "fine.txt", b"also fine")
    backend.emulator.script.fail_ingestion(doc.id, "unsupported_file")
    vs = api.vector_stores.create()

    batch = api.vector_stores.file_batches.create_and_poll(vs.id, file_ids=[doc.id, fine.id])

    assert (batch.status, batch.file_counts.to_dict()) == ("completed", counts(completed=1, failed=1, total=2))
    failed = wire(api, f"/vector_stores/{vs.id}/files/{doc.id}")
    assert (failed["status"], failed["usage_bytes"]) == ("failed", 0)
    assert failed["last_error"] == {"code": "unsupported_file", "message": "The file type is not supported."}
    assert store_wire(api, vs.id)["usage_bytes"] == 9 + 1024


# --- expiry -----------------------------------------------------------------------------------------

def test_a_store_expires_a_day_after_its_last_activity_and_then_refuses_attachments(api, backend):
    doc = upload(api, "doc.txt", b"hello world!")
    vs = api.vector_stores.create(file_ids=[doc.id], expires_after={"anchor": "last_active_at", "days": 1})
    created_at = backend.emulator.now()
    backend.emulator.advance_time(86_399)
    assert store_wire(api, vs.id)["status"] == "completed"
    backend.emulator.advance_time(1)

    stored = store_wire(api, vs.id)

    assert stored["status"] == "expired"
    assert (stored["last_active_at"], stored["expires_at"]) == (created_at, created_at + 86_400)
    other = upload(api, "other.txt", b"late")
    expired = {"message": f"Vector store '{vs.id}' has expired", "type": IRE, "param": None, "code": None}
    refused(lambda: api.vector_stores.files.create(vector_store_id=vs.id, file_id=other.id), 400, expired)
    refused(lambda: api.vector_stores.file_batches.create(vs.id, file_ids=[other.id]), 400, expired)
    assert store_wire(api, vs.id) == stored
    assert store_files(api, vs.id) == [doc.id]


def test_a_search_is_activity_that_pushes_the_expiry_back(api, backend):
    doc = upload(api, "doc.txt", b"hello world!")
    vs = api.vector_stores.create(file_ids=[doc.id], expires_after={"anchor": "last_active_at", "days": 1})
    created_at = backend.emulator.now()
    backend.emulator.advance_time(80_000)

    assert [r.score for r in api.vector_stores.search(vs.id, query="hello")] == [1.0]
    backend.emulator.advance_time(80_000)

    stored = store_wire(api, vs.id)
    assert stored["status"] == "completed"
    assert (stored["last_active_at"], stored["expires_at"]) == (created_at + 80_000, created_at + 80_000 + 86_400)


# --- search -----------------------------------------------------------------------------------------

APPLES = "red apples and green pears"
BANANAS = "yellow bananas and red cherries"
TEA = "green tea with lemon"


@pytest.fixture
def pantry(api):
    """A store with three small files attached in this order, each with attributes."""
    vs = api.vector_stores.create(name="pantry")
    entries = [("apples.txt", APPLES, {"kind": "fruit", "color": "red", "price": 3}),
               ("bananas.md", BANANAS, {"kind": "fruit", "color": "yellow", "price": 1.5}),
               ("tea.txt", TEA, {"kind": "drink", "price": 2})]
    ids = {}
    for filename, text, attributes in entries:
        file = upload(api, filename, text.encode())
        api.vector_stores.files.create(vector_store_id=vs.id, file_id=file.id, attributes=attributes)
        ids[filename] = file.id
    return vs, ids


def found(api, vs_id: str, query, **options) -> list[tuple]:
    return [(r.filename, r.score, r.content[0].text)
            for r in api.vector_stores.search(vs_id, query=query, **options)]


def test_search_ranks_chunks_by_the_share_of_query_words_they_contain(api, pantry):
    vs, _ = pantry

    # {green, red, fruit}: apples has green and red (2/3), bananas red (1/3), tea green (1/3);
    # the two ties keep the order the files were attached in
    assert found(api, vs.id, "green red fruit") == [
        ("apples.txt", 0.6667, APPLES), ("bananas.md", 0.3333, BANANAS), ("tea.txt", 0.3333, TEA)]
    # distinct lower-cased words: {red, apples}
    assert found(api, vs.id, "RED Apples red") == [("apples.txt", 1.0, APPLES), ("bananas.md", 0.5, BANANAS)]
    assert found(api, vs.id, "coffee") == []


def test_a_search_answers_the_documented_page_with_the_files_attributes(api, pantry):
    vs, ids = pantry

    page = api.post(f"/vector_stores/{vs.id}/search", body={"query": "yellow cherries"}, cast_to=object)

    assert page == {
        "object": "vector_store.search_results.page",
        "search_query": ["yellow cherries"],
        "data": [{"file_id": ids["bananas.md"], "filename": "bananas.md", "score": 1.0,
                  "attributes": {"kind": "fruit", "color": "yellow", "price": 1.5},
                  "content": [{"type": "text", "text": BANANAS}]}],
        "has_more": False,
        "next_page": None,
    }


def test_max_num_results_cuts_and_a_score_threshold_drops(api, pantry):
    vs, _ = pantry

    assert found(api, vs.id, "green red fruit", max_num_results=2) == [
        ("apples.txt", 0.6667, APPLES), ("bananas.md", 0.3333, BANANAS)]
    assert found(api, vs.id, "green red fruit", max_num_results=1) == [("apples.txt", 0.6667, APPLES)]
    assert found(api, vs.id, "green red fruit", ranking_options={"score_threshold": 0.5}) == [
        ("apples.txt", 0.6667, APPLES)]
    assert found(api, vs.id, "green red fruit", ranking_options={"score_threshold": 0.3333}) == [
        ("apples.txt", 0.6667, APPLES), ("bananas.md", 0.3333, BANANAS), ("tea.txt", 0.3333, TEA)]
    assert found(api, vs.id, "green red fruit", ranking_options={"score_threshold": 0.7}) == []


FILTERS = {
    "eq": ({"type": "eq", "key": "kind", "value": "fruit"}, ["apples.txt", "bananas.md"]),
    "ne": ({"type": "ne", "key": "kind", "value": "fruit"}, ["tea.txt"]),
    "in": ({"type": "in", "key": "color", "value": ["yellow", "blue"]}, ["bananas.md"]),
    "nin, a missing key never matches": ({"type": "nin", "key": "color", "value": ["red"]}, ["bananas.md"]),
    "gt on a number": ({"type": "gt", "key": "price", "value": 1.5}, ["apples.txt", "tea.txt"]),
    "gte on a number": ({"type": "gte", "key": "price", "value": 1.5}, ["apples.txt", "bananas.md", "tea.txt"]),
    "lt on a number": ({"type": "lt", "key": "price", "value": 2}, ["bananas.md"]),
    "and": ({"type": "and", "filters": [{"type": "eq", "key": "kind", "value": "fruit"},
                                        {"type": "gt", "key": "price", "value": 2}]}, ["apples.txt"]),
    "or": ({"type": "or", "filters": [{"type": "eq", "key": "color", "value": "yellow"},
                                      {"type": "eq", "key": "kind", "value": "drink"}]}, ["bananas.md", "tea.txt"]),
    "nested": ({"type": "or", "filters": [
        {"type": "eq", "key": "kind", "value": "drink"},
        {"type": "and", "filters": [{"type": "eq", "key": "kind", "value": "fruit"},
                                    {"type": "lte", "key": "price", "value": 1.5}]}]}, ["bananas.md", "tea.txt"]),
}


def test_filters_pick_files_by_their_attributes(api, pantry):
    vs, _ = pantry

    picked = {case: [name for name, _, _ in found(api, vs.id, "green red fruit", filters=condition)]
              for case, (condition, _) in FILTERS.items()}

    assert picked == {case: expected for case, (_, expected) in FILTERS.items()}


def test_a_query_list_scores_each_chunk_by_its_best_query(api, pantry):
    vs, _ = pantry

    assert found(api, vs.id, ["apples", "tea lemon"]) == [("apples.txt", 1.0, APPLES), ("tea.txt", 1.0, TEA)]
    assert found(api, vs.id, ["red bananas", "red"]) == [
        ("apples.txt", 1.0, APPLES), ("bananas.md", 1.0, BANANAS)]
    page = api.post(f"/vector_stores/{vs.id}/search", body={"query": ["apples", "tea lemon"]}, cast_to=object)
    assert page["search_query"] == ["apples", "tea lemon"]
    rewritten = api.post(f"/vector_stores/{vs.id}/search", body={"query": "Apples?", "rewrite_query": True},
                         cast_to=object)
    assert (rewritten["search_query"], [item["score"] for item in rewritten["data"]]) == (["Apples?"], [1.0])


def test_the_same_search_twice_gives_the_same_results(api, pantry):
    vs, _ = pantry
    body = {"query": "green red fruit", "filters": {"type": "eq", "key": "kind", "value": "fruit"}}

    first = api.post(f"/vector_stores/{vs.id}/search", body=body, cast_to=object)
    second = api.post(f"/vector_stores/{vs.id}/search", body=body, cast_to=object)

    assert first == second
    assert [item["score"] for item in first["data"]] == [0.6667, 0.3333]
