"""The API surface: ONE url table, in the order of the API reference, and the glue that hands each
route's checked request to its resource function. Nothing here knows HTTP."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from . import errors
from .resources import assistants, files, messages, runs, threads, uploads, vector_stores

API_PREFIX = "/v1"


@dataclass
class Streamed:
    """A handler's answer to ``stream: true``: the run to drive and the events already past."""

    thread: object
    progress: object
    prelude: list
    query: dict = field(default_factory=dict)  # the request's query (include[] shapes step events)


def streamed_if_asked(call, record, run: dict, prelude: list):
    """The run itself, or, for ``stream: true``, the stream of it (the engine starts recording)."""
    if not call.body.get("stream"):
        return run
    progress = record.progress[run["id"]]
    if progress.events is None:
        progress.events = []
    return Streamed(record, progress, prelude, call.query)


@dataclass
class Binary:
    """A handler's answer that is raw bytes (a file download), not JSON."""

    data: bytes
    filename: str


@dataclass
class FilePart:
    """A file field of a multipart/form-data request: its filename and bytes (held, not copied)."""

    filename: str
    data: bytes


@dataclass
class Call:
    """A request once the pipeline has checked it: what a handler gets."""

    params: dict
    objects: dict
    query: dict
    body: dict
    files: dict = field(default_factory=dict)  # multipart file fields by name: FilePart


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    operation: str  # the spec's operationId; names parameters/<operation>.json
    handler: Callable
    response: str | None = None  # response schema component
    body: str | None = None  # request body schema component
    beta: bool = True
    reads_run: bool = False  # a read of the run it names (all runs, when it names none): moves runs along
    polled: bool = False  # answers carry openai-poll-after-ms (the SDK's poll helpers obey it)
    form: bool = False  # the body is multipart/form-data (file uploads), not JSON
    read: bool | None = None  # counts as a read of what it names (default: GET requests do)

    @property
    def reads(self) -> bool:
        return self.method == "GET" if self.read is None else self.read


def create_assistant(state, call):
    return assistants.create_assistant(state, call.body)


def list_assistants(state, call):
    return assistants.list_assistants(state, call.query)


def retrieve_assistant(state, call):
    return call.objects["assistant"]


def modify_assistant(state, call):
    return assistants.modify_assistant(state, call.objects["assistant"], call.body)


def delete_assistant(state, call):
    return assistants.delete_assistant(state, call.objects["assistant"])


def create_thread(state, call):
    return threads.create_thread(state, call.body)


def retrieve_thread(state, call):
    return threads.retrieve_thread(state, call.objects["thread"])


def modify_thread(state, call):
    return threads.modify_thread(state, call.objects["thread"], call.body)


def delete_thread(state, call):
    return threads.delete_thread(state, call.objects["thread"])


def list_threads(state, call):
    raise errors.listing_threads_needs_session_key()


def create_message(state, call):
    return messages.create_message(state, call.objects["thread"], call.body)


def list_messages(state, call):
    return messages.list_messages(call.objects["thread"], call.query)


def retrieve_message(state, call):
    return call.objects["message"]


def modify_message(state, call):
    return messages.modify_message(call.objects["message"], call.body)


def delete_message(state, call):
    return messages.delete_message(call.objects["thread"], call.objects["message"])


def create_run(state, call):
    run = runs.create_run(state, call.objects["thread"], call.body)
    return streamed_if_asked(call, call.objects["thread"], run,
                             [("thread.run.created", run), ("thread.run.queued", run)])


def create_thread_and_run(state, call):
    run = runs.create_thread_and_run(state, call.body)
    record = state.threads[run["thread_id"]]
    return streamed_if_asked(call, record, run, [("thread.created", record.thread),
                                                 ("thread.run.created", run), ("thread.run.queued", run)])


def list_runs(state, call):
    return runs.list_runs(call.objects["thread"], call.query)


def retrieve_run(state, call):
    return call.objects["run"].run


def modify_run(state, call):
    return runs.modify_run(call.objects["run"], call.body)


def cancel_run(state, call):
    return runs.cancel_run(state, call.objects["thread"], call.objects["run"])


def submit_tool_outputs(state, call):
    if call.body.get("stream"):
        call.objects["run"].events = []  # the step completing and the run queueing are streamed too
    run = runs.submit_tool_outputs(state, call.objects["thread"], call.objects["run"], call.body)
    return streamed_if_asked(call, call.objects["thread"], run, [])


def list_run_steps(state, call):
    return runs.list_steps(call.objects["run"], call.query)


def retrieve_run_step(state, call):
    return runs.with_included(call.objects["step"], call.query)


# --- files and uploads ----------------------------------------------------------------------------

def create_file(state, call):
    return files.create_file(state, call.body, call.files["file"])


def list_files(state, call):
    return files.list_files(state, call.query)


def retrieve_file(state, call):
    return call.objects["file"]


def delete_file(state, call):
    return files.delete_file(state, call.objects["file"])


def download_file(state, call):
    return Binary(*files.file_content(state, call.objects["file"]))


def create_upload(state, call):
    return uploads.create_upload(state, call.body)


def add_upload_part(state, call):
    return uploads.add_upload_part(state, call.objects["upload"], call.files["data"])


def complete_upload(state, call):
    return uploads.complete_upload(state, call.objects["upload"], call.body)


def cancel_upload(state, call):
    return uploads.cancel_upload(state, call.objects["upload"])


# --- vector stores --------------------------------------------------------------------------------

def create_vector_store(state, call):
    return vector_stores.create_vector_store(state, call.body)


def list_vector_stores(state, call):
    return vector_stores.list_vector_stores(state, call.query)


def retrieve_vector_store(state, call):
    return call.objects["vector_store"].store


def modify_vector_store(state, call):
    return vector_stores.modify_vector_store(state, call.objects["vector_store"], call.body)


def delete_vector_store(state, call):
    return vector_stores.delete_vector_store(state, call.objects["vector_store"])


def create_vector_store_file(state, call):
    return vector_stores.create_vector_store_file(state, call.objects["vector_store"], call.body)


def list_vector_store_files(state, call):
    return vector_stores.list_vector_store_files(call.objects["vector_store"], call.query)


def retrieve_vector_store_file(state, call):
    return call.objects["vector_store_file"]


def update_vector_store_file(state, call):
    return vector_stores.update_vector_store_file(call.objects["vector_store_file"], call.body)


def delete_vector_store_file(state, call):
    return vector_stores.delete_vector_store_file(state, call.objects["vector_store"],
                                                  call.objects["vector_store_file"])


def retrieve_vector_store_file_content(state, call):
    return vector_stores.file_content(call.objects["vector_store"], call.objects["vector_store_file"])


def create_file_batch(state, call):
    return vector_stores.create_file_batch(state, call.objects["vector_store"], call.body)


def retrieve_file_batch(state, call):
    return call.objects["file_batch"].batch


def cancel_file_batch(state, call):
    return vector_stores.cancel_file_batch(state, call.objects["vector_store"], call.objects["file_batch"])


def list_batch_files(state, call):
    return vector_stores.list_batch_files(call.objects["vector_store"], call.objects["file_batch"], call.query)


def search_vector_store(state, call):
    return vector_stores.search_vector_store(state, call.objects["vector_store"], call.body)


#: The API surface, in the order of the API reference.
ROUTES = (
    Route("POST", "/assistants", "createAssistant", create_assistant, "AssistantObject",
          "CreateAssistantRequest"),
    Route("GET", "/assistants", "listAssistants", list_assistants, "ListAssistantsResponse"),
    Route("GET", "/assistants/<assistant_id>", "getAssistant", retrieve_assistant, "AssistantObject"),
    Route("POST", "/assistants/<assistant_id>", "modifyAssistant", modify_assistant, "AssistantObject",
          "ModifyAssistantRequest"),
    Route("DELETE", "/assistants/<assistant_id>", "deleteAssistant", delete_assistant,
          "DeleteAssistantResponse"),
    Route("POST", "/threads", "createThread", create_thread, "ThreadObject", "CreateThreadRequest"),
    Route("GET", "/threads", "listThreads", list_threads, beta=False),
    Route("GET", "/threads/<thread_id>", "getThread", retrieve_thread, "ThreadObject"),
    Route("POST", "/threads/<thread_id>", "modifyThread", modify_thread, "ThreadObject",
          "ModifyThreadRequest"),
    Route("DELETE", "/threads/<thread_id>", "deleteThread", delete_thread, "DeleteThreadResponse"),
    Route("POST", "/threads/<thread_id>/messages", "createMessage", create_message, "MessageObject",
          "CreateMessageRequest"),
    Route("GET", "/threads/<thread_id>/messages", "listMessages", list_messages, "ListMessagesResponse"),
    Route("GET", "/threads/<thread_id>/messages/<message_id>", "getMessage", retrieve_message,
          "MessageObject"),
    Route("POST", "/threads/<thread_id>/messages/<message_id>", "modifyMessage", modify_message,
          "MessageObject", "ModifyMessageRequest"),
    Route("DELETE", "/threads/<thread_id>/messages/<message_id>", "deleteMessage", delete_message,
          "DeleteMessageResponse"),
    Route("POST", "/threads/runs", "createThreadAndRun", create_thread_and_run, "RunObject",
          "CreateThreadAndRunRequest", polled=True),
    Route("POST", "/threads/<thread_id>/runs", "createRun", create_run, "RunObject", "CreateRunRequest",
          polled=True),
    Route("GET", "/threads/<thread_id>/runs", "listRuns", list_runs, "ListRunsResponse", reads_run=True),
    Route("GET", "/threads/<thread_id>/runs/<run_id>", "getRun", retrieve_run, "RunObject",
          reads_run=True, polled=True),
    Route("POST", "/threads/<thread_id>/runs/<run_id>", "modifyRun", modify_run, "RunObject",
          "ModifyRunRequest", polled=True),
    Route("POST", "/threads/<thread_id>/runs/<run_id>/cancel", "cancelRun", cancel_run, "RunObject",
          polled=True),
    Route("POST", "/threads/<thread_id>/runs/<run_id>/submit_tool_outputs", "submitToolOuputsToRun",
          submit_tool_outputs, "RunObject", "SubmitToolOutputsRunRequest", polled=True),
    Route("GET", "/threads/<thread_id>/runs/<run_id>/steps", "listRunSteps", list_run_steps,
          "ListRunStepsResponse", reads_run=True),
    Route("GET", "/threads/<thread_id>/runs/<run_id>/steps/<step_id>", "getRunStep", retrieve_run_step,
          "RunStepObject", reads_run=True),
    # Files, Uploads and Vector stores: no OpenAI-Beta needed (the SDK sends it to vector stores only;
    # files-vector-stores 1.1, 3.1: accepted with or without).
    Route("POST", "/files", "createFile", create_file, "OpenAIFile", "CreateFileRequest", beta=False, form=True),
    Route("GET", "/files", "listFiles", list_files, "ListFilesResponse", beta=False),
    Route("GET", "/files/<file_id>", "retrieveFile", retrieve_file, "OpenAIFile", beta=False),
    Route("DELETE", "/files/<file_id>", "deleteFile", delete_file, "DeleteFileResponse", beta=False),
    Route("GET", "/files/<file_id>/content", "downloadFile", download_file, beta=False),
    Route("POST", "/uploads", "createUpload", create_upload, "Upload", "CreateUploadRequest", beta=False),
    Route("POST", "/uploads/<upload_id>/parts", "addUploadPart", add_upload_part, "UploadPart",
          "AddUploadPartRequest", beta=False, form=True),
    Route("POST", "/uploads/<upload_id>/complete", "completeUpload", complete_upload, "Upload",
          "CompleteUploadRequest", beta=False),
    Route("POST", "/uploads/<upload_id>/cancel", "cancelUpload", cancel_upload, "Upload", beta=False),
    Route("POST", "/vector_stores", "createVectorStore", create_vector_store, "VectorStoreObject",
          "CreateVectorStoreRequest", beta=False),
    Route("GET", "/vector_stores", "listVectorStores", list_vector_stores, "ListVectorStoresResponse", beta=False),
    Route("GET", "/vector_stores/<vector_store_id>", "getVectorStore", retrieve_vector_store, "VectorStoreObject", beta=False),
    Route("POST", "/vector_stores/<vector_store_id>", "modifyVectorStore", modify_vector_store, "VectorStoreObject",
          "UpdateVectorStoreRequest", beta=False),
    Route("DELETE", "/vector_stores/<vector_store_id>", "deleteVectorStore", delete_vector_store, "DeleteVectorStoreResponse", beta=False),
    Route("POST", "/vector_stores/<vector_store_id>/search", "searchVectorStore", search_vector_store, "VectorStoreSearchResultsPage",
          "VectorStoreSearchRequest", beta=False, read=True),
    Route("POST", "/vector_stores/<vector_store_id>/files", "createVectorStoreFile", create_vector_store_file, "VectorStoreFileObject",
          "CreateVectorStoreFileRequest", beta=False, polled=True),
    Route("GET", "/vector_stores/<vector_store_id>/files", "listVectorStoreFiles", list_vector_store_files, "ListVectorStoreFilesResponse",
          beta=False),
    Route("GET", "/vector_stores/<vector_store_id>/files/<file_id>", "getVectorStoreFile", retrieve_vector_store_file,
          "VectorStoreFileObject", beta=False, polled=True),
    Route("POST", "/vector_stores/<vector_store_id>/files/<file_id>", "updateVectorStoreFileAttributes", update_vector_store_file,
          "VectorStoreFileObject", "UpdateVectorStoreFileAttributesRequest", beta=False),
    Route("DELETE", "/vector_stores/<vector_store_id>/files/<file_id>", "deleteVectorStoreFile", delete_vector_store_file,
          "DeleteVectorStoreFileResponse", beta=False),
    Route("GET", "/vector_stores/<vector_store_id>/files/<file_id>/content", "retrieveVectorStoreFileContent",
          retrieve_vector_store_file_content, "VectorStoreFileContentResponse", beta=False),
    Route("POST", "/vector_stores/<vector_store_id>/file_batches", "createVectorStoreFileBatch", create_file_batch,
          "VectorStoreFileBatchObject", "CreateVectorStoreFileBatchRequest", beta=False, polled=True),
    Route("GET", "/vector_stores/<vector_store_id>/file_batches/<batch_id>", "getVectorStoreFileBatch", retrieve_file_batch,
          "VectorStoreFileBatchObject", beta=False, polled=True),
    Route("POST", "/vector_stores/<vector_store_id>/file_batches/<batch_id>/cancel", "cancelVectorStoreFileBatch", cancel_file_batch,
          "VectorStoreFileBatchObject", beta=False, polled=True),
    Route("GET", "/vector_stores/<vector_store_id>/file_batches/<batch_id>/files", "listFilesInVectorStoreBatch", list_batch_files,
          "ListVectorStoreFilesResponse", beta=False),
)
