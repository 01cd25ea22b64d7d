"""What each inspector page shows, gathered from one tenant as JSON-able dicts (deep copies: a page
is rendered after the tenant's lock is let go, while requests go on changing the objects).

The caller holds the tenant's lock. A parameter a user typed wrongly (a filter, a cursor, an id) is
an APIError that says what was wrong, never an empty page that looks like "nothing happened".
"""

from __future__ import annotations

import copy
import fnmatch
import re

from .. import errors

#: Threads per page unless ``limit`` says otherwise, and the most a page shows.
THREADS_PER_PAGE, MOST_THREADS = 20, 100
#: Journal entries per page (the newest that match) unless ``limit`` says otherwise, and the most.
ENTRIES_PER_PAGE, MOST_ENTRIES = 100, 1000
#: Characters of a thread's first message shown in the list of threads.
PREVIEW = 80
GLOB = re.compile(r"[*?\[]")


def overview(tenant) -> dict:
    """How much the tenant holds: the first page."""
    state = tenant.state
    records = list(state.threads.values())
    return {"view": "overview", "now": state.clock.now(), "counts": {
        "assistants": len(state.assistants),
        "threads": len(records),
        "messages": sum(len(record.messages) for record in records),
        "runs": sum(len(record.runs) for record in records),
        "files": len(state.files),
        "vector_stores": len(state.vector_stores),
        "requests": len(tenant.journal),
        "requests_dropped": tenant.journal.dropped,
        "refused_requests": sum(1 for entry in tenant.journal if is_refused(entry.status)),
        "faults_pending": len(tenant.faults.pending),
        "plans_pending": state.script.pending(),
    }}


def newest_first(state) -> list:
    """Threads newest first (ties: the one created later first), as the API lists objects."""
    records = list(state.threads.values())[::-1]
    return sorted(records, key=lambda record: -record.thread["created_at"])


def thread_list(tenant, *, after: str | None = None, limit: str | int | None = None) -> dict:
    """One page of threads, newest first; ``after`` is the last thread id of the previous page."""
    count = whole_number("limit", limit, THREADS_PER_PAGE, MOST_THREADS)
    records = newest_first(tenant.state)
    start = 0
    if after:
        ids = [record.thread["id"] for record in records]
        if after not in ids:
            raise errors.BadRequestError(f"after={after!r} names no thread of this tenant: start from the first "
                                         "page (leave 'after' out)", param="after")
        start = ids.index(after) + 1
    page = records[start:start + count]
    return {"view": "threads", "after": after or None, "limit": count,
            "has_more": start + count < len(records), "total": len(records),
            "data": [thread_summary(record) for record in page]}


def thread_summary(record) -> dict:
    runs = list(record.runs)
    first = next(iter(record.messages), None)
    return {"id": record.thread["id"], "created_at": record.thread["created_at"],
            "metadata": copy.deepcopy(record.thread["metadata"]), "messages": len(record.messages),
            "runs": len(runs), "last_run_status": runs[-1]["status"] if runs else None,
            "preview": message_text(first)[:PREVIEW] if first else ""}


def message_text(message: dict) -> str:
    return " ".join(part["text"]["value"] for part in message["content"] if part["type"] == "text")


def thread_record(tenant, thread_id: str):
    record = tenant.state.threads.get(thread_id)
    if record is None:
        raise errors.NotFoundError(f"No thread found with id '{thread_id}' for this key.")
    return record


def thread_view(tenant, thread_id: str) -> dict:
    """A thread's messages, oldest first (as a chat reads), and its runs."""
    record = thread_record(tenant, thread_id)
    messages = copy.deepcopy(list(record.messages))
    return {"view": "thread", "thread": copy.deepcopy(record.thread), "messages": messages,
            "runs": [run_summary(record, run) for run in record.runs],
            "files": file_names(tenant.state, referenced_files(messages))}


def run_summary(record, run: dict) -> dict:
    return {"id": run["id"], "status": run["status"], "created_at": run["created_at"],
            "assistant_id": run["assistant_id"], "model": run["model"],
            "statuses": copy.deepcopy(record.progress[run["id"]].statuses)}


def run_view(tenant, thread_id: str, run_id: str) -> dict:
    """A run as a timeline: its statuses with fakeai's times, its steps (tool calls with arguments
    and outputs, the messages it wrote), usage and last_error."""
    record = thread_record(tenant, thread_id)
    progress = record.progress.get(run_id)
    if progress is None:
        raise errors.NotFoundError(f"No run found with id '{run_id}' in thread '{thread_id}'.")
    steps = copy.deepcopy(list(progress.steps))
    written = [step["step_details"]["message_creation"]["message_id"] for step in steps
               if step["type"] == "message_creation"]
    messages = {message_id: copy.deepcopy(record.messages.get(message_id)) for message_id in written
                if record.messages.get(message_id) is not None}
    return {"view": "run", "thread_id": thread_id, "run": copy.deepcopy(progress.run),
            "statuses": copy.deepcopy(progress.statuses), "steps": steps, "messages": messages,
            "files": file_names(tenant.state, referenced_files(list(messages.values())))}


def referenced_files(messages: list) -> list[str]:
    """File ids a message names: image parts, annotations, attachments."""
    found = []
    for message in messages:
        for part in message["content"]:
            if part["type"] == "image_file":
                found.append(part["image_file"]["file_id"])
            if part["type"] == "text":
                for note in part["text"]["annotations"]:
                    found.append(note.get(note["type"], {}).get("file_id"))
        found += [attachment.get("file_id") for attachment in message.get("attachments") or ()]
    return [file_id for file_id in dict.fromkeys(found) if file_id]


def file_names(state, file_ids: list[str]) -> dict:
    """file id -> filename, for the ids that name a file this tenant still has."""
    return {file_id: state.files.get(file_id)["filename"] for file_id in file_ids if state.files.get(file_id)}


# --- the journal ----------------------------------------------------------------------------------

def is_refused(status) -> bool:
    return status is not None and status >= 400


def status_test(text: str):
    """``404``, ``4xx`` or ``refused`` (any status >= 400) -> a test of a status."""
    text = text.strip().lower()
    if text == "refused":
        return is_refused
    if re.fullmatch(r"[1-5]\d\d", text):
        return lambda status: status == int(text)
    if re.fullmatch(r"[1-5]xx", text):
        return lambda status: status is not None and status // 100 == int(text[0])
    raise errors.BadRequestError(f"status={text!r} is not a status filter: give a status (404), a class "
                                 "(4xx) or 'refused' (every status >= 400)", param="status")


def path_test(text: str):
    """A glob (``/threads/*/runs``, with or without /v1) or, without glob characters, any path that
    contains the text."""
    text = text.strip()
    if not GLOB.search(text):
        return lambda path: text in path
    return lambda path: fnmatch.fnmatchcase(path, text) or fnmatch.fnmatchcase(path.removeprefix("/v1"), text)


def journal_view(tenant, *, status: str = "", path: str = "", method: str = "",
                 limit: str | int | None = None, before: str | int | None = None) -> dict:
    """The newest requests that match the filters (shown oldest first), numbered from the first
    request the journal received; ``before`` (a number) pages back."""
    count = whole_number("limit", limit, ENTRIES_PER_PAGE, MOST_ENTRIES)
    tests = []
    if status:
        matches_status = status_test(status)
        tests.append(lambda number, entry: matches_status(entry.status))
    if path:
        matches_path = path_test(path)
        tests.append(lambda number, entry: matches_path(entry.path))
    if method.strip():
        wanted = method.strip().upper()
        tests.append(lambda number, entry: entry.method == wanted)
    if before not in (None, ""):
        last = whole_number("before", before, 0, None)
        tests.append(lambda number, entry: number < last)
    journal = tenant.journal
    numbered = [(journal.dropped + index + 1, entry) for index, entry in enumerate(journal)]
    matching = [(number, entry) for number, entry in numbered if all(test(number, entry) for test in tests)]
    shown = matching[-count:]
    return {"view": "journal", "filters": {"status": status.strip(), "path": path.strip(),
                                           "method": method.strip().upper()},
            "limit": count, "before": shown[0][0] if len(matching) > len(shown) else None,
            "matching": len(matching), "total": len(journal), "dropped": journal.dropped,
            "data": [journal_entry(number, entry) for number, entry in shown]}


def journal_entry(number: int, entry) -> dict:
    summary = entry.summary()
    response = summary["response"]
    error = response.get("error") if isinstance(response, dict) else None
    return {"number": number, **summary, "refused": is_refused(entry.status),
            "error": error.get("message") if isinstance(error, dict) else None}


# --- what is still waiting --------------------------------------------------------------------------

def waiting_view(tenant) -> dict:
    """Faults not yet used up and scripted plans no run has taken, in the admin API's forms."""
    from ..admin import described_plan  # admin mounts the inspector: imported when first used
    state = tenant.state
    return {"view": "waiting", "faults": [dict(vars(fault)) for fault in tenant.faults.pending],
            "plans": [described_plan(scope, plan) for scope, plan in state.script.queued()]}


def everything(tenant) -> dict:
    """Every view of a tenant at once (the self-contained report of a failing test)."""
    state = tenant.state
    threads = newest_first(state)
    return {"view": "report", **{key: value for key, value in overview(tenant).items() if key != "view"},
            "thread_list": [thread_summary(record) for record in threads],
            "threads": [{**thread_view(tenant, record.thread["id"]),
                         "run_views": [run_view(tenant, record.thread["id"], run["id"]) for run in record.runs]}
                        for record in threads],
            "journal": journal_view(tenant, limit=MOST_ENTRIES),
            "waiting": waiting_view(tenant)}


def whole_number(name: str, value, default: int, most: int | None) -> int:
    if value in (None, ""):
        return default
    text = str(value).strip()
    if not text.isdigit() or int(text) < 1 or (most is not None and int(text) > most):
        bound = f"from 1 to {most}" if most is not None else "of 1 or more"
        raise errors.BadRequestError(f"{name}={text!r} is not a whole number {bound}", param=name)
    return int(text)
