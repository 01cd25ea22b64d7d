"""Files and Uploads through the real SDK: uploads in every form the SDK takes, the File's wire shape,
listing, downloads, deletion, the refusals (files-vector-stores F1-F7, F16) that leave everything as it
was, the journal's summary of an upload, the Uploads API, and determinism (in-process and server, sync
and async). Expected values are the literals of shared/api-notes/files-vector-stores.md §1, §2, §9."""

from __future__ import annotations

import inspect
import re
import time

import anyio
import openai
import pytest
from openai import omit

from fakeai import FakeOpenAI
from fakeai.server import ServerThread
from tests.sdk import wire

IRE = "invalid_request_error"
FILE_ID = re.compile(r"file-[0-9A-Za-z]{24}")
#: Observed key order of a File (files-vector-stores 1.4, from March 2025 on).
FILE_KEYS = ["object", "id", "purpose", "filename", "bytes", "created_at", "expires_at", "status",
             "status_details"]
#: F5, as the API wrote it for a `.vb` upload (openai-dotnet #270, October 2024).
INVALID_VB_EXTENSION = (
    'Invalid extension vb. Supported formats: "c", "cpp", "css", "csv", "docx", "gif", "go", "html", '
    '"java", "jpeg", "jpg", "js", "json", "md", "pdf", "php", "pkl", "png", "pptx", "py", "rb", "tar", '
    '"tex", "ts", "txt", "webp", "xlsx", "xml", "zip"')
PURPOSES = "['fine-tune', 'assistants', 'batch', 'user_data', 'vision', 'evals']"


def error(message: str, param: str | None = None, code: str | None = None) -> dict:
    return {"message": message, "type": IRE, "param": param, "code": code}


def refused(call, status: int, body: dict | None = None, exception=openai.BadRequestError):
    """``call()`` raises the SDK's ``exception`` with ``status`` and, when given, exactly ``body``."""
    with pytest.raises(exception) as raised:
        call()
    assert raised.value.status_code == status
    if body is not None:
        assert raised.value.body == body
    return raised.value


def listing(api, **query) -> dict:
    """The raw JSON of ``GET /files`` with ``query``."""
    return api.get("/files", cast_to=object, options={"params": query})


def ids(page: dict) -> list[str]:
    return [item["id"] for item in page["data"]]


def upload(api, name: str = "notes.txt", data: bytes = b"hello, file", purpose: str = "assistants", **options):
    return api.files.create(file=(name, data), purpose=purpose, **options)


def has_parameter(method, name: str) -> bool:
    return name in inspect.signature(method).parameters


needs_file_expiry = pytest.mark.skipif(
    not has_parameter(openai.resources.files.Files.create, "expires_after"),
    reason=f"files.create has no expires_after in openai {openai.__version__}")


# --- create ------------------------------------------------------------------------------------

def test_an_uploaded_tuple_becomes_a_processed_file_whose_wire_shape_is_the_observed_one(api, backend):
    backend.emulator.advance_time(42)
    data = b"The quarterly numbers are up.\n"

    file = api.files.create(file=("quarterly notes.txt", data), purpose="assistants")

    assert FILE_ID.fullmatch(file.id), file.id
    stored = wire(api, f"/files/{file.id}")
    assert stored == {
        "object": "file",
        "id": file.id,
        "purpose": "assistants",
        "filename": "quarterly notes.txt",
        "bytes": 30,
        "created_at": backend.emulator.now(),
        "expires_at": None,
        "status": "processed",
        "status_details": None,
    }
    assert list(stored) == FILE_KEYS
    assert (file.status, file.bytes, file.filename) == ("processed", len(data), "quarterly notes.txt")


def test_an_open_file_is_uploaded_under_its_basename(api, tmp_path):
    path = tmp_path / "report.csv"
    path.write_bytes(b"region,total\nnorth,12\n")

    with open(path, "rb") as handle:
        file = api.files.create(file=handle, purpose="assistants")

    stored = wire(api, f"/files/{file.id}")
    assert (stored["filename"], stored["bytes"]) == ("report.csv", 22)
    assert api.files.retrieve(file.id) == file


def test_a_path_is_uploaded_under_its_last_component(api, tmp_path):
    path = tmp_path / "nested" / "training.jsonl"
    path.parent.mkdir()
    path.write_bytes(b'{"prompt": "a", "completion": "b"}\n')

    file = api.files.create(file=path, purpose="fine-tune")

    stored = wire(api, f"/files/{file.id}")
    assert (stored["filename"], stored["bytes"], stored["purpose"]) == ("training.jsonl", 35, "fine-tune")
    assert api.files.content(file.id).read() == path.read_bytes()


@needs_file_expiry
def test_expires_after_puts_expires_at_that_many_seconds_after_creation(api, backend):
    backend.emulator.advance_time(7)

    hour = upload(api, purpose="batch", expires_after={"anchor": "created_at", "seconds": 3600})
    month = upload(api, purpose="batch", expires_after={"anchor": "created_at", "seconds": 2592000})

    now = backend.emulator.now()
    assert wire(api, f"/files/{hour.id}")["created_at"] == now
    assert wire(api, f"/files/{hour.id}")["expires_at"] == now + 3600
    assert wire(api, f"/files/{month.id}")["expires_at"] == now + 2592000
    assert hour.expires_at == now + 3600


def test_wait_for_processing_returns_the_file_at_once_without_sleeping(api, backend, monkeypatch):
    def no_sleeping(*args, **kwargs):
        raise AssertionError("the SDK slept: the file was not processed at once")

    file = upload(api)
    monkeypatch.setattr(time, "sleep", no_sleeping)
    monkeypatch.setattr(anyio, "sleep", no_sleeping)
    started = time.monotonic()

    processed = api.files.wait_for_processing(file.id)

    assert time.monotonic() - started < 1
    assert processed.status == "processed"
    assert processed == file
    assert len(backend.emulator.requests.filter("retrieveFile")) == 1


# --- list ---------------------------------------------------------------------------------------

def test_the_list_is_newest_first_in_the_five_key_envelope(api, backend):
    first = upload(api, "a.txt").id
    backend.emulator.advance_time(1)
    second = upload(api, "b.txt").id
    backend.emulator.advance_time(1)
    third = upload(api, "c.txt").id

    page = listing(api)

    assert page == {"object": "list", "data": page["data"], "first_id": third, "last_id": first,
                    "has_more": False}
    assert ids(page) == [third, second, first]
    assert page["data"][0] == wire(api, f"/files/{third}")
    assert [file.id for file in api.files.list()] == [third, second, first]


def test_the_list_filters_by_purpose_and_pages_with_limit_order_and_after(api, backend):
    made = []
    for name, purpose in [("a.jsonl", "batch"), ("b.txt", "assistants"), ("c.jsonl", "batch"),
                          ("d.png", "vision"), ("e.jsonl", "batch")]:
        made.append(upload(api, name, purpose=purpose).id)
        backend.emulator.advance_time(1)
    a, b, c, d, e = made

    assert ids(listing(api, purpose="batch")) == [e, c, a]
    assert ids(listing(api, purpose="vision")) == [d]
    assert ids(listing(api, order="asc")) == [a, b, c, d, e]
    page = listing(api, limit=2)
    assert (ids(page), page["first_id"], page["last_id"], page["has_more"]) == ([e, d], e, d, True)
    assert ids(listing(api, limit=2, after=d)) == [c, b]
    last = listing(api, limit=2, after=b)
    assert (ids(last), last["has_more"]) == ([a], False)
    assert ids(listing(api, order="asc", after=b, limit=2)) == [c, d]
    assert ids(listing(api, purpose="batch", order="asc", after=a)) == [c, e]
    assert [file.id for file in api.files.list(purpose="batch", limit=1)] == [e, c, a]


def test_an_empty_page_has_null_first_and_last_ids(api):
    upload(api, purpose="batch")

    assert listing(api, purpose="fine-tune") == {"object": "list", "data": [], "first_id": None,
                                                 "last_id": None, "has_more": False}


# --- retrieve and delete ------------------------------------------------------------------------

def test_retrieve_returns_what_create_returned(api):
    file = upload(api, "notes.md", b"# Notes\n", purpose="user_data")

    assert api.files.retrieve(file.id) == file


def test_delete_answers_deleted_and_the_file_then_answers_404_everywhere(api):
    kept = upload(api, "kept.jsonl", purpose="batch")
    gone = upload(api, "gone.jsonl", purpose="batch")

    answer = api.delete(f"/files/{gone.id}", cast_to=object)

    assert answer == {"object": "file", "id": gone.id, "deleted": True}
    not_found = error(f"No such File object: {gone.id}", "id")
    refused(lambda: api.files.retrieve(gone.id), 404, not_found, openai.NotFoundError)
    refused(lambda: api.files.content(gone.id), 404, not_found, openai.NotFoundError)
    refused(lambda: api.files.delete(gone.id), 404, not_found, openai.NotFoundError)
    assert ids(listing(api)) == [kept.id]


def test_the_sdk_delete_returns_a_deleted_file_object(api):
    file = upload(api)

    deleted = api.files.delete(file.id)

    assert (deleted.id, deleted.object, deleted.deleted) == (file.id, "file", True)


def test_an_id_that_was_never_made_answers_404(api):
    upload(api)
    before = listing(api)

    refused(lambda: api.files.retrieve("file-xyz"), 404, error("No such File object: file-xyz", "id"),
            openai.NotFoundError)
    refused(lambda: api.files.delete("file-xyz"), 404, error("No such File object: file-xyz", "id"),
            openai.NotFoundError)

    assert listing(api) == before


# --- content ------------------------------------------------------------------------------------

def test_content_is_exactly_the_uploaded_bytes_sent_as_an_octet_stream_attachment(api):
    data = bytes(range(256)) + b"\r\n\x00 end"
    file = upload(api, "blob.jsonl", data, purpose="batch")

    raw = api.files.with_raw_response.content(file.id)

    assert raw.http_response.status_code == 200
    assert raw.headers["content-type"] == "application/octet-stream"
    assert raw.headers["content-disposition"] == 'attachment; filename="blob.jsonl"'
    assert raw.http_response.content == data
    assert api.files.content(file.id).read() == data


def test_files_for_vision_batch_and_fine_tune_can_be_downloaded(api):
    for purpose in ["vision", "batch", "fine-tune"]:
        file = upload(api, "picture.png", b"\x89PNG\r\n\x1a\n " + purpose.encode(), purpose=purpose)

        assert api.files.content(file.id).read() == b"\x89PNG\r\n\x1a\n " + purpose.encode()


def test_files_for_assistants_and_user_data_cannot_be_downloaded(api):
    for purpose in ["assistants", "user_data"]:
        file = upload(api, "secret.txt", b"not for download", purpose=purpose)
        before = listing(api)

        refused(lambda: api.files.content(file.id), 400,
                error(f"Not allowed to download files of purpose: {purpose}"))

        assert listing(api) == before
        assert api.files.retrieve(file.id) == file


def test_ten_megabytes_come_back_byte_for_byte(backend):
    """Once per transport (the sync client is enough to move the bytes)."""
    data = bytes(range(256)) * 40960
    with openai.OpenAI(**backend.client_options()) as client:
        file = client.files.create(file=("big.jsonl", data), purpose="batch")

        assert (file.bytes, len(data)) == (10485760, 10485760)
        assert client.files.content(file.id).read() == data


# --- refusals that change nothing ---------------------------------------------------------------

def test_an_unknown_purpose_is_refused_naming_the_purposes_and_nothing_is_stored(api):
    upload(api)
    before = listing(api)

    refused(lambda: upload(api, purpose="bogus"), 400,
            error(f"'bogus' is not one of {PURPOSES} - 'purpose'", "purpose"))

    assert listing(api) == before


def test_a_missing_purpose_or_file_is_refused_as_a_missing_parameter(api):
    upload(api)
    before = listing(api)

    refused(lambda: api.files.create(file=("a.txt", b"x"), purpose=omit), 400,
            error("Missing required parameter: 'purpose'.", "purpose", "missing_required_parameter"))
    refused(lambda: api.files.create(file=omit, purpose="batch"), 400,
            error("Missing required parameter: 'file'.", "file", "missing_required_parameter"))

    assert listing(api) == before


def test_an_assistants_upload_with_an_extension_off_the_list_is_refused(api):
    upload(api)
    before = listing(api)

    failure = refused(lambda: upload(api, "Module1.vb", b"Module Module1\nEnd Module\n"), 400)

    assert (failure.body["message"], failure.body["type"]) == (INVALID_VB_EXTENSION, IRE)
    assert listing(api) == before


@needs_file_expiry
def test_expires_after_seconds_outside_an_hour_to_thirty_days_is_refused(api):
    upload(api)
    before = listing(api)

    refused(lambda: upload(api, purpose="batch", expires_after={"anchor": "created_at", "seconds": 10}), 400,
            error("Invalid 'expires_after.seconds': integer below minimum value. Expected a value >= 3600, "
                  "but got 10 instead.", "expires_after.seconds", "integer_below_min_value"))
    refused(lambda: upload(api, purpose="batch", expires_after={"anchor": "created_at", "seconds": 2592001}),
            400, error("Invalid 'expires_after.seconds': integer above maximum value. Expected a value <= "
                       "2592000, but got 2592001 instead.", "expires_after.seconds", "integer_above_max_value"))

    assert listing(api) == before


def test_a_file_over_the_size_limit_is_refused_and_one_at_the_limit_is_taken(api, backend):
    backend.emulator.state.max_file_bytes = 1000
    before = listing(api)

    failure = refused(lambda: upload(api, "big.jsonl", b"x" * 1001, purpose="batch"), 400)

    assert (failure.body["type"], failure.body["param"]) == (IRE, "file")
    assert listing(api) == before
    assert upload(api, "fits.jsonl", b"x" * 1000, purpose="batch").bytes == 1000


def test_the_max_file_bytes_option_sets_the_limit_of_an_in_process_emulator():
    emulator = FakeOpenAI(max_file_bytes=10)
    client = emulator.client

    failure = refused(lambda: client.files.create(file=("a.jsonl", b"x" * 11), purpose="batch"), 400)

    assert (failure.body["type"], failure.body["param"]) == (IRE, "file")
    assert client.get("/files", cast_to=object)["data"] == []
    assert client.files.create(file=("a.jsonl", b"x" * 10), purpose="batch").bytes == 10


def test_over_http_a_body_past_the_limit_is_refused_unread_and_the_client_carries_on():
    emulator = FakeOpenAI(max_file_bytes=1000)
    with ServerThread(emulator.app) as server, \
            openai.OpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0) as client:
        failure = refused(lambda: client.files.create(file=("huge.jsonl", b"x" * (2 * 1024 * 1024)),
                                                      purpose="batch"), 400)

        assert (failure.body["type"], failure.body["param"]) == (IRE, "file")
        assert client.get("/files", cast_to=object)["data"] == []
        assert client.files.create(file=("small.jsonl", b"ok"), purpose="batch").bytes == 2
    refusal, taken = emulator.requests.filter("createFile")
    assert (refusal.status, refusal.body) == (400, None)  # never read, so not even summarised
    assert (taken.status, taken.body) == (200, {"purpose": "batch", "file": {"filename": "small.jsonl", "bytes": 2}})
    assert not emulator.problems


# --- the journal --------------------------------------------------------------------------------

def test_the_journal_keeps_a_summary_of_an_upload_and_never_its_bytes(api, backend):
    payload = b"TOP-SECRET-PAYLOAD-" * 8
    file = upload(api, "payload.jsonl", payload, purpose="batch")
    api.files.content(file.id).read()
    pending = api.uploads.create(bytes=len(payload), filename="parts.jsonl", mime_type="text/plain",
                                 purpose="batch")
    part = api.uploads.parts.create(pending.id, data=payload)
    api.uploads.complete(pending.id, part_ids=[part.id])

    assert backend.emulator.requests.last("createFile").body == {
        "purpose": "batch", "file": {"filename": "payload.jsonl", "bytes": 152}}
    assert backend.emulator.requests.last("addUploadPart").body == {"data": {"filename": "upload", "bytes": 152}}
    for entry in backend.emulator.requests:
        assert b"TOP-SECRET" not in entry.raw_body, entry.operation
        assert b"TOP-SECRET" not in entry.raw_response, entry.operation


# --- uploads ------------------------------------------------------------------------------------

def create_upload(api, size: int, filename: str = "parts.jsonl", purpose: str = "batch"):
    return api.uploads.create(bytes=size, filename=filename, mime_type="text/jsonl", purpose=purpose)


def test_an_upload_starts_pending_with_no_file_and_expires_an_hour_after_creation(api, backend):
    backend.emulator.advance_time(5)

    raw = api.uploads.with_raw_response.create(bytes=9, filename="parts.jsonl", mime_type="text/jsonl",
                                               purpose="batch")

    answer = raw.http_response.json()
    now = backend.emulator.now()
    assert answer["id"].startswith("upload_")
    assert answer == {"id": answer["id"], "object": "upload", "bytes": 9, "created_at": now,
                      "filename": "parts.jsonl", "purpose": "batch", "status": "pending",
                      "expires_at": now + 3600, "file": None}
    assert listing(api)["data"] == []


def test_parts_complete_in_the_order_given_into_a_file_holding_them_joined(api, backend):
    pending = create_upload(api, 9)
    backend.emulator.advance_time(3)
    abc = api.uploads.parts.create(pending.id, data=b"abc")
    deff = api.uploads.parts.create(pending.id, data=b"def")
    ghi = api.uploads.parts.create(pending.id, data=b"ghi")

    raw = api.uploads.with_raw_response.complete(pending.id, part_ids=[ghi.id, abc.id, deff.id])

    assert abc.id.startswith("part_")
    assert (abc.object, abc.upload_id, abc.created_at) == ("upload.part", pending.id, backend.emulator.now())
    answer = raw.http_response.json()
    file_id = answer["file"]["id"]
    assert FILE_ID.fullmatch(file_id), file_id
    assert answer == {"id": pending.id, "object": "upload", "bytes": 9, "created_at": pending.created_at,
                      "filename": "parts.jsonl", "purpose": "batch", "status": "completed",
                      "expires_at": pending.created_at + 3600, "file": wire(api, f"/files/{file_id}")}
    assert answer["file"] == {"object": "file", "id": file_id, "purpose": "batch", "filename": "parts.jsonl",
                              "bytes": 9, "created_at": backend.emulator.now(), "expires_at": None,
                              "status": "processed", "status_details": None}
    assert api.files.content(file_id).read() == b"ghiabcdef"
    assert ids(listing(api)) == [file_id]


def test_the_sdk_complete_returns_the_upload_with_its_file(api):
    pending = create_upload(api, 4, "image.png", purpose="vision")
    first = api.uploads.parts.create(pending.id, data=b"\x89P")
    second = api.uploads.parts.create(pending.id, data=b"NG")

    completed = api.uploads.complete(pending.id, part_ids=[first.id, second.id])

    assert (completed.status, completed.file.filename, completed.file.purpose) == ("completed", "image.png",
                                                                                   "vision")
    assert completed.file == api.files.retrieve(completed.file.id)
    assert api.files.content(completed.file.id).read() == b"\x89PNG"


def test_a_cancelled_upload_takes_no_more_parts_and_makes_no_file(api):
    pending = create_upload(api, 6)
    api.uploads.parts.create(pending.id, data=b"abc")

    cancelled = api.uploads.cancel(pending.id)

    assert (cancelled.id, cancelled.status, cancelled.file) == (pending.id, "cancelled", None)
    refused(lambda: api.uploads.parts.create(pending.id, data=b"def"), 400)
    assert listing(api)["data"] == []


def test_parts_that_do_not_add_up_to_the_declared_bytes_are_refused_and_the_upload_stays_pending(api):
    pending = create_upload(api, 9)
    abc = api.uploads.parts.create(pending.id, data=b"abc")
    deff = api.uploads.parts.create(pending.id, data=b"def")

    failure = refused(lambda: api.uploads.complete(pending.id, part_ids=[abc.id, deff.id]), 400)

    assert failure.body["type"] == IRE
    assert listing(api)["data"] == []
    ghi = api.uploads.parts.create(pending.id, data=b"ghi")
    completed = api.uploads.complete(pending.id, part_ids=[abc.id, deff.id, ghi.id])
    assert api.files.content(completed.file.id).read() == b"abcdefghi"


def test_a_completed_upload_takes_no_more_parts_and_cannot_complete_again(api):
    pending = create_upload(api, 3)
    part = api.uploads.parts.create(pending.id, data=b"abc")
    api.uploads.complete(pending.id, part_ids=[part.id])
    before = listing(api)

    refused(lambda: api.uploads.parts.create(pending.id, data=b"def"), 400)
    refused(lambda: api.uploads.complete(pending.id, part_ids=[part.id]), 400)

    assert listing(api) == before


def test_an_upload_not_completed_within_the_hour_takes_nothing_more(api, backend):
    pending = create_upload(api, 6)
    part = api.uploads.parts.create(pending.id, data=b"abc")
    backend.emulator.advance_time(3600)

    refused(lambda: api.uploads.parts.create(pending.id, data=b"def"), 400)
    refused(lambda: api.uploads.complete(pending.id, part_ids=[part.id]), 400)

    assert listing(api)["data"] == []


def test_an_unknown_upload_answers_404(api):
    not_found = error("No upload found with id 'upload_x'.")

    refused(lambda: api.uploads.parts.create("upload_x", data=b"abc"), 404, not_found, openai.NotFoundError)
    refused(lambda: api.uploads.complete("upload_x", part_ids=[]), 404, not_found, openai.NotFoundError)
    refused(lambda: api.uploads.cancel("upload_x"), 404, not_found, openai.NotFoundError)


def test_an_upload_may_declare_up_to_8_gb_and_no_more(api, backend):
    """The spec: 'An Upload can accept at most 8 GB in total' (its createUpload example declares
    2 GB); the 512 MB limit is the Files endpoint's, not the Uploads API's."""
    backend.emulator.state.max_file_bytes = 1000

    failure = refused(lambda: create_upload(api, 8 * 1024 ** 3 + 1), 400)

    assert (failure.body["type"], failure.body["param"]) == (IRE, "bytes")
    assert create_upload(api, 8 * 1024 ** 3).status == "pending"
    assert create_upload(api, 2147483648).status == "pending"


@pytest.mark.skipif(not hasattr(openai.resources.uploads.Uploads, "upload_file_chunked"),
                    reason=f"no uploads.upload_file_chunked in openai {openai.__version__}")
def test_upload_file_chunked_sends_parts_of_the_given_size_in_order(api, backend):
    # In-memory bytes: with a path, openai 1.109.1's sync helper leaves the file open (ResourceWarning).
    completed = api.uploads.upload_file_chunked(file=b"0123456789", filename="chunked.jsonl", bytes=10,
                                                mime_type="text/jsonl", purpose="batch", part_size=4)

    parts = backend.emulator.requests.filter("addUploadPart")
    assert [entry.body["data"]["bytes"] for entry in parts] == [4, 4, 2]
    assert backend.emulator.requests.last("completeUpload").body["part_ids"] == [
        entry.response["id"] for entry in parts]
    assert (completed.status, completed.filename, completed.bytes) == ("completed", "chunked.jsonl", 10)
    assert api.files.content(completed.file.id).read() == b"0123456789"


# --- determinism --------------------------------------------------------------------------------

def session(emulator: FakeOpenAI) -> list:
    """The same calls on ``emulator``; what it answered (request ids, statuses, bodies)."""
    client = emulator.client
    notes = client.files.create(file=("notes.txt", b"alpha beta"), purpose="assistants")
    emulator.advance_time(2)
    batch = client.files.create(file=("batch.jsonl", b"{}\n"), purpose="batch")
    client.files.content(batch.id).read()
    pending = client.uploads.create(bytes=4, filename="u.jsonl", mime_type="text/jsonl", purpose="batch")
    part = client.uploads.parts.create(pending.id, data=b"abcd")
    client.uploads.complete(pending.id, part_ids=[part.id])
    client.files.list()
    client.files.delete(notes.id)
    with pytest.raises(openai.NotFoundError):
        client.files.retrieve(notes.id)
    return [(entry.request_id, entry.status, entry.raw_response) for entry in emulator.requests]


def test_the_same_calls_on_two_new_emulators_give_the_same_ids_and_bodies():
    first, second = session(FakeOpenAI()), session(FakeOpenAI())

    assert first == second
    assert len(first) == 9
    assert b'"id": "file-' in first[0][2]
