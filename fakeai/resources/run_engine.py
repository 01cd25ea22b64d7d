"""The run state machine (api-notes §8): a run carries out its plan, producing run steps,
assistant messages and the events a stream sends, with the API's timestamps and usage.

    queued -> in_progress -> (requires_action <-> queued) -> completed | incomplete | failed
    queued | in_progress | requires_action -> cancelling -> cancelled;  any active -> expired

How far a run moves when the thread is next touched is the emulator's *progression*:
``immediate`` (to the next resting state: requires_action or terminal), ``reads:N`` (the outcome
shows on the N-th read of the run, in_progress before it), ``seconds:N`` (the outcome shows once
the clock is N seconds past the run's last queueing). A create response is always ``queued``.

Usage is a documented count, not zeros: ``tokens(text)`` counts words and punctuation marks; a
step's prompt is the run's instructions plus every message of the thread (and tool outputs so far);
its completion is the text or the function arguments it wrote.
"""

from __future__ import annotations

import copy
import logging
import re
from collections import deque
from dataclasses import dataclass, field

from ..actions import (CallFunctions, CodeInterpreter, Expire, Fail, FileSearch, Incomplete, Reply, Respond,
                       ScriptError, StreamError, check_plan, checked)
from ..scripting import ThreadMessages, Turn
from .. import errors
from ..store import OrderedCollection, State
from ..tokens import TOKEN, tokens
from . import ingestion
from .common import text_part
from .files import store_file
from .vector_stores import searchable
from .search import search
from .progression import parse_progression

log = logging.getLogger("fakeai")

#: Where code_interpreter's sandbox writes files (their filenames and links say so).
SANDBOX = "/mnt/data/"
ACTIVE = frozenset({"queued", "in_progress", "requires_action", "cancelling"})
RESTING = frozenset({"requires_action", "completed", "incomplete", "failed", "cancelled", "expired"})
def first_tokens(text: str, count: int) -> str:
    """``text`` up to the end of its ``count``-th token (as ``tokens`` counts them)."""
    if count <= 0:
        return ""
    for number, match in enumerate(TOKEN.finditer(text), 1):
        if number == count:
            return text[:match.end()]
    return text


def usage(prompt: int, completion: int) -> dict:
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


@dataclass
class RunProgress:
    """Bookkeeping kept beside a run's wire object."""

    run: dict
    plan: deque
    steps: OrderedCollection = field(default_factory=OrderedCollection)
    since: int = 0  # when the run was last queued (seconds progression)
    reads: int = 0  # reads of the run since then (reads progression)
    waiting_step: dict | None = None  # the tool_calls step awaiting outputs
    open_message: dict | None = None  # a message being written when the run stops
    outputs: dict = field(default_factory=dict)  # call id -> submitted output
    events: list | None = None  # (event name, data) when someone streams this run
    search_results: list = field(default_factory=list)  # what this run's file searches found
    progression: str | None = None  # this run's own progression (scripted), else the emulator's
    #: Files code wrote that no reply has shown yet: image file ids, and (name, file id) of data files.
    new_images: list = field(default_factory=list)
    new_files: list = field(default_factory=list)
    #: Every status the run has had, oldest first, with fakeai's time it began ({"status", "at"}):
    #: the inspector's timeline (the API keeps no such history; no answer shows it).
    statuses: list = field(default_factory=list)

    def __post_init__(self):
        if not self.statuses:
            self.statuses.append({"status": self.run["status"], "at": self.run["created_at"]})


class Machine:
    """Moves one run of one thread. Every change goes through ``emit`` so a stream sees it."""

    def __init__(self, state: State, record, progress: RunProgress):
        self.state = state
        self.record = record
        self.progress = progress
        self.run = progress.run

    def now(self) -> int:
        return self.state.clock.now()

    def set_status(self, status: str, **changes) -> None:
        """Every status change of the run goes through here, so its history (``statuses``) is whole."""
        self.run.update(status=status, **changes)
        self.progress.statuses.append({"status": status, "at": self.now()})

    def emit(self, event: str, data: dict) -> None:
        """Record what happened while someone streams this run. ``thread.message.delta`` and
        ``thread.run.step.delta`` carry the finished message / step: streaming.py cuts them into
        the API's delta events."""
        if self.progress.events is not None:
            self.progress.events.append((event, copy.deepcopy(data)))

    # --- progression ----------------------------------------------------------------------

    def advance(self, *, read: bool = False) -> None:
        """Move the run as far as the progression allows for one touch of its thread. In
        ``immediate`` mode only a read of the run moves it: until then a write meets it active, as
        writes right after a run's create met the real API's run (api-notes §14.6)."""
        run, progress = self.run, self.progress
        if run["status"] not in ACTIVE:
            return
        if read:
            progress.reads += 1
        if run["expires_at"] is not None and self.now() >= run["expires_at"]:
            return self.expire()
        if run["status"] == "cancelling":
            return self.cancelled() if read else None  # the next read sees the cancel done
        if run["status"] == "requires_action":
            if progress.plan and isinstance(progress.plan[0], Expire):
                return self.expire()  # it was seen waiting; whatever comes next comes too late
            return
        kind, count = parse_progression(progress.progression or self.state.progression)
        if kind == "immediate":
            return self.to_rest() if read else None
        due = progress.reads >= count if kind == "reads" else self.now() - progress.since >= count
        started = progress.reads > 0 if kind == "reads" else self.now() > progress.since
        if due:
            self.to_rest()
        elif started and run["status"] == "queued":
            self.start()

    def to_rest(self) -> None:
        while self.step_once():
            pass

    def step_once(self) -> bool:
        """One transition towards the next resting state; False once there (a stream flushes the
        events of each transition before the next one runs)."""
        status = self.run["status"]
        if status == "queued":
            self.start()
        elif status == "in_progress":
            self.carry_out_next()
        elif status == "cancelling":
            self.cancelled()
        else:
            return False
        return True

    def start(self) -> None:
        self.set_status("in_progress", started_at=self.now())
        self.emit("thread.run.in_progress", self.run)
        if any(tool["type"] == "file_search" for tool in self.run["tools"]):
            self.use_vector_stores()

    # --- file search --------------------------------------------------------------------------

    def vector_stores(self) -> list:
        return stores_in_scope(self.state, self.run)

    def use_vector_stores(self) -> None:
        """The API's runs wait for files still being ingested, and fail on an expired store (F18)."""
        for record in self.vector_stores():
            ingestion.advance(self.state, record, now_or_never=True)
            if record.store["status"] == "expired":
                self.progress.plan.clear()
                return self.finish("failed", failed_at=self.now(),
                                   last_error=errors.expired_store_run_error(record.store["id"]))
            ingestion.touch(self.state, record)

    def carry_out_next(self) -> None:
        plan = self.progress.plan
        if not plan:
            return self.finish("completed", completed_at=self.now())
        action = plan.popleft()
        if isinstance(action, Respond):
            plan.extendleft(reversed(self.responded(action)))
        elif isinstance(action, Reply):
            self.reply_within_budget(action.text, action.annotations)
        elif isinstance(action, CallFunctions):
            self.call_functions(action)
        elif isinstance(action, CodeInterpreter):
            self.tool_step([self.code_call(action)])
        elif isinstance(action, FileSearch):
            self.tool_step([self.search_call(action)])
        elif isinstance(action, Fail):
            self.finish("failed", failed_at=self.now(), last_error={"code": action.code, "message": action.message})
        elif isinstance(action, StreamError):
            self.finish("failed", failed_at=self.now(), event=False,
                        last_error={"code": "server_error", "message": action.message})
            self.emit("error", {"error": {"message": action.message, "type": "server_error", "param": None,
                                          "code": None}})
        elif isinstance(action, Incomplete):
            self.write_message(action.text, (), incomplete="max_tokens")
            self.finish("incomplete", incomplete_details={"reason": action.reason})
        elif isinstance(action, Expire):
            self.expire()

    def responded(self, action: Respond) -> list:
        """The actions a responder callback computes from what the run sees now."""
        turn = Turn(messages=ThreadMessages(self.record.messages), run=copy.deepcopy(self.run),
                    thread=copy.deepcopy(self.record.thread), tool_outputs=dict(self.progress.outputs),
                    search_results=copy.deepcopy(self.progress.search_results))
        name = getattr(action.callback, "__qualname__", repr(action.callback))
        try:
            result = action.callback(turn)
        except Exception as error:  # the test's own code: its traceback is chained below
            raise ScriptError(f"the responder {name} raised {type(error).__name__}: {error} (run {self.run['id']}; "
                              "it is given a fakeai.scripting.Turn: messages are dicts, oldest first; see the "
                              "traceback above for the line)") from error
        planned = [checked(item) for item in (result if isinstance(result, (list, tuple)) else [result])]
        check_plan(planned, self.run["tools"], f"run {self.run['id']}")
        return planned

    # --- what a run produces ----------------------------------------------------------------

    def prompt_tokens(self) -> int:
        """The run's instructions, every message of its thread (a running total the thread keeps,
        so a long thread costs nothing to count) and the tool outputs so far."""
        texts = [self.run["instructions"] or "", *self.progress.outputs.values()]
        return self.record.messages.weight + sum(tokens(text) for text in texts)

    def new_step(self, kind: str, details: dict) -> dict:
        step = self.progress.steps.add({
            "id": self.state.ids.new("step_"),
            "object": "thread.run.step",
            "created_at": self.now(),
            "run_id": self.run["id"],
            "assistant_id": self.run["assistant_id"],
            "thread_id": self.run["thread_id"],
            "type": kind,
            "status": "in_progress",
            "cancelled_at": None,
            "completed_at": None,
            "expired_at": None,
            "failed_at": None,
            "last_error": None,
            "step_details": details,
            "usage": None,
            "metadata": {},
        })
        self.emit("thread.run.step.created", step)
        self.emit("thread.run.step.in_progress", step)
        return step

    def complete_step(self, step: dict, completion: int) -> None:
        step.update(status="completed", completed_at=self.now(), usage=usage(self.prompt_tokens(), completion))
        self.emit("thread.run.step.completed", step)

    def reply_within_budget(self, text: str, annotations) -> None:
        """A reply, unless the run's token limits stop it (api-notes §14.1: a run whose reply is
        longer than ``max_completion_tokens`` ended ``incomplete`` by itself, its message cut and
        ``incomplete``). A prompt over ``max_prompt_tokens`` stops the run before it writes."""
        limit = self.run["max_prompt_tokens"]
        if limit is not None and self.prompt_tokens() > limit:
            self.progress.plan.clear()
            return self.finish("incomplete", incomplete_details={"reason": "max_prompt_tokens"})
        limit = self.run["max_completion_tokens"]
        left = None if limit is None else limit - sum(
            step["usage"]["completion_tokens"] for step in self.progress.steps if step["usage"])
        if left is None or tokens(text) <= left:
            return self.write_message(text, annotations)
        cut = first_tokens(text, max(left, 0))
        self.write_message(cut, [note for note in annotations if note["text"] in cut], incomplete="max_tokens")
        self.progress.plan.clear()
        self.finish("incomplete", incomplete_details={"reason": "max_completion_tokens"})

    def write_message(self, text: str, annotations, incomplete: str | None = None) -> None:
        step_prompt = self.prompt_tokens()
        message = self.record.messages.add({
            "id": self.state.ids.new("msg_"),
            "object": "thread.message",
            "created_at": self.now(),
            "assistant_id": self.run["assistant_id"],
            "thread_id": self.run["thread_id"],
            "run_id": self.run["id"],
            "role": "assistant",
            "content": [],
            "attachments": [],
            "metadata": {},
            "status": "in_progress",
            "incomplete_details": None,
            "completed_at": None,
            "incomplete_at": None,
        })
        step = self.new_step("message_creation", {"type": "message_creation",
                                                  "message_creation": {"message_id": message["id"]}})
        self.emit("thread.message.created", message)
        self.emit("thread.message.in_progress", message)
        text, annotations = self.with_written_files(text, tuple(annotations))
        part = text_part(text)
        part["text"]["annotations"] = annotated(text, annotations)
        message["content"] = [{"type": "image_file", "image_file": {"file_id": file_id}}
                              for file_id in self.progress.new_images] + [part]
        self.record.messages.reweigh(message["id"])
        self.progress.new_images.clear()
        self.emit("thread.message.delta", {"text": text, "message": message})
        if incomplete:
            message.update(status="incomplete", incomplete_at=self.now(), incomplete_details={"reason": incomplete})
            self.emit("thread.message.incomplete", message)
        else:
            message.update(status="completed", completed_at=self.now())
            self.emit("thread.message.completed", message)
        step.update(status="completed", completed_at=self.now(),
                    usage=usage(step_prompt, tokens(text)))
        self.emit("thread.run.step.completed", step)

    def call_functions(self, action: CallFunctions) -> None:
        calls = [{"id": self.state.ids.new("call_"), "type": "function",
                  "function": {"name": call.name, "arguments": call.arguments, "output": None}}
                 for call in action.calls]
        step = self.new_step("tool_calls", {"type": "tool_calls", "tool_calls": []})
        step["step_details"]["tool_calls"] = calls
        self.emit("thread.run.step.delta", {"step": step})
        self.progress.waiting_step = step
        required = [{"id": c["id"], "type": "function",
                     "function": {"name": c["function"]["name"], "arguments": c["function"]["arguments"]}}
                    for c in calls]
        self.set_status("requires_action", required_action={
            "type": "submit_tool_outputs", "submit_tool_outputs": {"tool_calls": required}})
        self.emit("thread.run.requires_action", self.run)

    def tool_step(self, calls: list) -> None:
        step = self.new_step("tool_calls", {"type": "tool_calls", "tool_calls": []})
        step["step_details"]["tool_calls"] = calls
        self.emit("thread.run.step.delta", {"step": step})
        self.complete_step(step, sum(tokens(c.get("code_interpreter", {}).get("input", "")) for c in calls))

    def with_written_files(self, text: str, annotations: tuple) -> tuple[str, tuple]:
        """A reply after code wrote data files links each one (``sandbox:/mnt/data/<name>``,
        appended as a markdown link if the text does not already) with a file_path annotation."""
        for name, file_id in self.progress.new_files:
            link = f"sandbox:{SANDBOX}{name}"
            if link not in text:
                text += f"\n\n[{name}]({link})"
            annotations += ({"type": "file_path", "text": link, "file_id": file_id},)
        self.progress.new_files.clear()
        return text, annotations

    def code_call(self, action: CodeInterpreter) -> dict:
        """Files the code writes exist before the step that shows them (files-vector-stores 7.4)."""
        for file_id in action.image_file_ids:
            self.existing_file(file_id, "an image of run_code")
        written = [store_file(self.state, SANDBOX + name, data, "assistants_output")["id"]
                   for name, data in action.images]
        self.progress.new_images.extend(written)
        self.progress.new_files.extend(
            (name, store_file(self.state, SANDBOX + name, data, "assistants_output")["id"])
            for name, data in action.files)
        outputs = ([{"type": "logs", "logs": action.logs}] if action.logs else []) + [
            {"type": "image", "image": {"file_id": file_id}} for file_id in (*action.image_file_ids, *written)]
        return {"id": self.state.ids.new("call_"), "type": "code_interpreter",
                "code_interpreter": {"input": action.input, "outputs": outputs}}

    def existing_file(self, file_id: str, what: str) -> dict:
        file = self.state.files.get(file_id)
        if file is None:
            raise ScriptError(f"{what} names file {file_id!r}, which does not exist in this emulator "
                              f"(run {self.run['id']}): upload it first")
        return file

    def search_settings(self) -> tuple[int, float]:
        """(max results, score threshold) of the run's file_search tool: its own, else the model's
        default (5 for gpt-3.5-turbo, 20 for the others; the file-search guide)."""
        tool = next(t for t in self.run["tools"] if t["type"] == "file_search").get("file_search", {})
        default = 5 if self.run["model"].startswith("gpt-3.5-turbo") else 20
        return tool.get("max_num_results", default), tool.get("ranking_options", {}).get("score_threshold", 0.0)

    def search_call(self, action: FileSearch) -> dict:
        if action.results is None:
            limit, threshold = self.search_settings()
            query = action.query if action.query is not None else Turn(
                ThreadMessages(self.record.messages), self.run, self.record.thread, {}).last_user_text
            found = search(searchable(self.state, self.vector_stores()), [query], limit=limit, threshold=threshold)
            results = [{"file_id": file["id"], "file_name": file["filename"], "score": value,
                        "content": [{"type": "text", "text": chunk.text}]} for value, file, chunk in found]
        else:
            results = [{"file_id": r["file_id"],
                        "file_name": r.get("file_name") or self.existing_file(r["file_id"], "a search result")["filename"],
                        "score": r.get("score", 1.0),
                        **({"content": [{"type": "text", "text": r["content"]}]} if "content" in r else {})}
                       for r in action.results]
            for result in results:
                self.existing_file(result["file_id"], "a search result")
        self.progress.search_results.extend(results)
        threshold = self.search_settings()[1] if action.results is None else 0.0
        return {"id": self.state.ids.new("call_"), "type": "file_search",
                "file_search": {"ranking_options": {"ranker": "default_2024_08_21", "score_threshold": float(threshold)},
                                "results": results}}

    # --- tool outputs, cancelling, endings --------------------------------------------------

    def submit(self, outputs: dict) -> None:
        """Outputs for every waiting call (checked by the caller): the step completes, the run queues."""
        step = self.progress.waiting_step
        for call in step["step_details"]["tool_calls"]:
            call["function"]["output"] = outputs[call["id"]]
        self.progress.outputs.update(outputs)
        self.complete_step(step, sum(tokens(c["function"]["arguments"]) for c in step["step_details"]["tool_calls"]))
        self.progress.waiting_step = None
        self.set_status("queued", required_action=None)
        self.progress.since, self.progress.reads = self.now(), 0
        self.emit("thread.run.queued", self.run)

    def cancel(self) -> None:
        self.set_status("cancelling", required_action=None)
        self.emit("thread.run.cancelling", self.run)

    def cancelled(self) -> None:
        self.close_open_parts("cancelled", "run_cancelled")
        self.finish("cancelled", cancelled_at=self.now())

    def expire(self) -> None:
        self.close_open_parts("expired", "run_expired")
        self.finish("expired")

    def close_open_parts(self, step_status: str, message_reason: str) -> None:
        step = self.progress.waiting_step
        if step is not None:
            step.update(status=step_status, **{f"{step_status}_at": self.now()})
            self.emit(f"thread.run.step.{step_status}", step)
            self.progress.waiting_step = None

    def finish(self, status: str, *, event: bool = True, **changes) -> None:
        """A terminal status: expires_at and required_action clear, usage sums the steps."""
        steps = [s["usage"] for s in self.progress.steps if s["usage"]]
        total = usage(sum(u["prompt_tokens"] for u in steps), sum(u["completion_tokens"] for u in steps))
        self.set_status(status, expires_at=None, required_action=None, usage=total, **changes)
        if event:
            named = "completed" if status == "incomplete" and \
                "incomplete_run_streams_as_completed" in self.state.quirks else status
            self.emit(f"thread.run.{named}", self.run)


def annotated(text: str, annotations) -> list:
    """Scripted annotations ({'type', 'text', 'file_id'}) in the API's shape, indices computed."""
    out, start = [], 0
    for note in annotations:
        kind = note.get("type", "file_citation")
        begin = text.index(note["text"], start) if note["text"] in text[start:] else text.index(note["text"])
        start = begin + len(note["text"])
        out.append({"type": kind, "text": note["text"], kind: {"file_id": note["file_id"]},
                    "start_index": begin, "end_index": start})
    return out


def active_run(record) -> dict | None:
    for progress in record.progress.values():
        if progress.run["status"] in ACTIVE:
            return progress.run
    return None


#: ``read_run`` of a request that reads every run of the thread (listing them).
EVERY_RUN = "*"


def advance_runs(state: State, record, *, read_run: str | None = None) -> None:
    """Every touch of a thread lets its active run move (see the progression above); ``read_run``
    names the run the request reads (EVERY_RUN: all of them)."""
    for run_id, progress in list(record.progress.items()):
        if progress.run["status"] in ACTIVE:
            Machine(state, record, progress).advance(read=read_run in (run_id, EVERY_RUN))


def refuse_if_active(record, refusal) -> None:
    """E6/E7: a thread with an active run takes no new message and no new run."""
    run = active_run(record)
    if run is not None:
        raise refusal(record.thread["id"], run["id"])


def stores_in_scope(state: State, run: dict) -> list:
    """The records of the vector stores a run searches: its assistant's and its thread's."""
    holders = [state.assistants.get(run["assistant_id"]), state.threads[run["thread_id"]].thread]
    ids = [store_id for holder in holders if holder
           for store_id in holder["tool_resources"].get("file_search", {}).get("vector_store_ids", [])]
    return [state.store_records[i] for i in dict.fromkeys(ids) if i in state.store_records]


def notice_unscripted_functions(state: State, run: dict) -> None:
    """A run with function tools and no script replies by default, which a test rarely means: say so."""
    functions = [tool["function"]["name"] for tool in run["tools"] if tool["type"] == "function"]
    if functions:
        notice = (f"run {run['id']} replied with fakeai's default text although it has function tools "
                  f"({', '.join(functions)}) and nothing was scripted for it; script what the model does, "
                  f"e.g. fake_openai.script.call_function({functions[0]!r}, {{...}}) or "
                  f"fake_openai.script.reply('...')")
        state.notices.append(notice)
        log.warning("fakeai: %s", notice)


def take_plan(state: State, run: dict) -> tuple[deque, str | None]:
    """(actions, progression) of the run's scripted plan; with none, the default: a real file search
    first when the run has the file_search tool, then the default reply (which cites what the search
    found), at the emulator's progression."""
    plan = state.script.take(run["thread_id"], run["assistant_id"])
    if plan is None:
        notice_unscripted_functions(state, run)
        searches = any(tool["type"] == "file_search" for tool in run["tools"]) and stores_in_scope(state, run)
        actions, progression = ([FileSearch(None)] if searches else []) + [Respond(state.script.default)], None
    else:
        actions, progression = list(plan.actions), plan.progression
    check_plan(actions, run["tools"], f"run {run['id']}")
    return deque(actions), progression
