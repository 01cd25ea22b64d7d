"""Scripted outcomes: the test author says what the "model" does in the next runs.

    fake_openai.script.reply("Paris is the capital of France.")
    fake_openai.script.call_function("get_weather", {"city": "Paris"}).then_reply("Sunny, 21 C.")
    fake_openai.script.fail("rate_limit_exceeded", "Slow down.", thread_id=thread.id)
    fake_openai.script.stream_error()
    fake_openai.script.respond(lambda turn: f"You said: {turn.last_user_text}")

Each call queues one *plan* (a list of actions a run carries out in order) for the next run of a
thread, of an assistant, or of any thread, first in first out; a run takes the plan of the most
specific queue that has one (thread, then assistant, then any). With nothing scripted a run
replies with DEFAULT_REPLY. Plans are checked when scripted where the assistant is known, and
again when a run takes them (a function the run does not have is a ScriptError, raised into the
test).
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Callable

from .errors import INGESTION_ERRORS, EmulatorBug
from .resources.progression import parse_progression

INGESTION_ERROR_CODES = tuple(INGESTION_ERRORS)
FUNCTION_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
LAST_ERROR_CODES = ("server_error", "rate_limit_exceeded", "invalid_prompt")
INCOMPLETE_REASONS = ("max_completion_tokens", "max_prompt_tokens")


class ScriptError(EmulatorBug):
    """A scripted outcome that no real run could produce (raised into the test that scripted it)."""


def DEFAULT_REPLY(turn: "Turn"):
    """What a run answers when nothing is scripted: deterministic, and shows what it read. After a
    file search it cites each file found once, with the API's marker (``【<m>:<i>†source】``: m the
    number of thread messages, i the index of the file's first result)."""
    text = (f"This is fakeai's default reply to: {turn.last_user_text}" if turn.last_user_text
            else "This is fakeai's default reply.")
    first_result: dict = {}
    for index, result in enumerate(turn.search_results):
        first_result.setdefault(result["file_id"], index)
    if not first_result:
        return text
    markers = {file_id: f"【{len(turn.messages)}:{index}†source】" for file_id, index in first_result.items()}
    return Reply(text + "".join(markers.values()),
                 tuple({"type": "file_citation", "text": marker, "file_id": file_id}
                       for file_id, marker in markers.items()))


# --- actions ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Reply:
    """An assistant message. ``annotations``: file_citation / file_path dicts, each with ``text``
    (a substring of ``text``) and ``file_id``; their indices are computed."""

    text: str
    annotations: tuple = ()


@dataclass(frozen=True)
class FunctionCall:
    name: str
    arguments: str  # JSON text, as the API carries it


@dataclass(frozen=True)
class CallFunctions:
    """One tool_calls step; the run waits in requires_action for all outputs at once."""

    calls: tuple[FunctionCall, ...]


@dataclass(frozen=True)
class CodeInterpreter:
    """Code the run executes. ``image_file_ids`` name existing files shown as images; ``images``
    and ``files`` are ((name, bytes), ...) the code writes: each becomes a File (purpose
    ``assistants_output``, filename ``/mnt/data/<name>``), images in the step's outputs and the
    next reply's image parts, data files as ``file_path`` annotations of that reply."""

    input: str
    logs: str = ""
    image_file_ids: tuple[str, ...] = ()
    images: tuple = ()
    files: tuple = ()


@dataclass(frozen=True)
class FileSearch:
    """``results``: dicts with file_id, file_name, score (0..1) and optionally content (text).
    None: search the vector stores in the run's scope for ``query`` (default: the last user text)."""

    results: tuple | None = ()
    query: str | None = None


@dataclass(frozen=True)
class Fail:
    code: str = "server_error"
    message: str = "Sorry, something went wrong."


@dataclass(frozen=True)
class StreamError:
    """The stream breaks with an ``error`` event (the SDK raises APIError); the run is failed
    with a server_error, which is what a later retrieve shows (api-notes 9.9)."""

    message: str = "The server had an error while processing your request. Sorry about that!"


@dataclass(frozen=True)
class Incomplete:
    """The run stops on a token limit; ``text`` is the part of the reply written before it."""

    reason: str = "max_completion_tokens"
    text: str = ""


@dataclass(frozen=True)
class Expire:
    """The run expires: after a function call, it never gets its tool outputs in time."""


@dataclass(frozen=True)
class Respond:
    """Compute the plan when the run starts: ``callback(turn)`` returns a string (a reply), one
    action, or a list of actions."""

    callback: Callable


ACTIONS = (Reply, CallFunctions, CodeInterpreter, FileSearch, Fail, StreamError, Incomplete, Expire, Respond)


class ThreadMessages(Sequence):
    """A thread's messages, oldest first, as a responder sees them: a read-only sequence that
    copies a message only when it is read, so a run on a thread of 50,000 messages costs no more
    than one on a thread of 10. Read it during the callback: it follows the thread."""

    def __init__(self, collection):
        self._collection = collection

    def __len__(self) -> int:
        return len(self._collection)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if not -len(self) <= index < len(self):
            raise IndexError("message index out of range")
        return copy.deepcopy(self._collection.at(index))

    def __eq__(self, other) -> bool:
        return list(self) == list(other) if isinstance(other, (Sequence, list)) else NotImplemented

    def __repr__(self) -> str:
        return f"ThreadMessages({len(self)} messages)"


@dataclass
class Turn:
    """What a responder callback sees: the thread's messages (oldest first, a sequence that copies
    what is read of it), the run, the thread, and the tool outputs submitted to this run so far
    (call id -> output)."""

    messages: Sequence
    run: dict
    thread: dict
    tool_outputs: dict
    #: Results of this run's file_search steps so far (file_id, file_name, score, content).
    search_results: list = field(default_factory=list)

    @property
    def last_user_text(self) -> str:
        for message in reversed(self.messages):
            if message["role"] == "user":
                return " ".join(part["text"]["value"] for part in message["content"] if part["type"] == "text")
        return ""


# --- plans and queues ---------------------------------------------------------------------------

def function_call(name: str, arguments) -> FunctionCall:
    if not FUNCTION_NAME.match(name):
        raise ScriptError(f"cannot script a call to {name!r}: function names are 1-64 characters of "
                          "a-z, A-Z, 0-9, '_' and '-'")
    if not isinstance(arguments, str):
        arguments = json.dumps(arguments)
    try:
        json.loads(arguments)
    except ValueError:
        raise ScriptError(f"cannot script a call to {name!r}: its arguments are not JSON: {arguments!r}") \
            from None
    return FunctionCall(name, arguments)


def named_outputs(outputs, default_name: str | None) -> tuple:
    """What code writes as ((name, bytes), ...): pairs, a dict, or (for images) bare bytes."""
    items = list(outputs.items()) if isinstance(outputs, dict) else list(outputs)
    named = []
    for number, item in enumerate(items, 1):
        if isinstance(item, (bytes, bytearray)) and default_name:
            item = (default_name.format(number), item)
        if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str)
                and isinstance(item[1], (bytes, bytearray))):
            raise ScriptError(f"code output {item!r} must be a (name, bytes) pair")
        named.append((item[0], bytes(item[1])))
    return tuple(named)


def voided_on_error(method):
    """A refused action voids its whole plan: nothing of a failed script statement stays queued."""
    @functools.wraps(method)
    def checked(plan: "Plan", *args, **kwargs) -> "Plan":
        try:
            return method(plan, *args, **kwargs)
        except ScriptError:
            plan.discard()
            raise
    return checked


@dataclass
class Plan:
    """What one run does, in order. The ``then_*`` methods add to it and return it, for chaining."""

    actions: list = field(default_factory=list)
    check: Callable | None = None  # checks the plan against the assistant it is scoped to
    discard: Callable = lambda: None  # takes the plan off its queue
    progression: str | None = None  # how fast the run that takes it moves (None: the emulator's)

    def add(self, action) -> "Plan":
        self.actions.append(action)
        if self.check is not None:
            self.check(self)
        return self

    @voided_on_error
    def then_reply(self, text: str, *, annotations=()) -> "Plan":
        return self.add(Reply(text, tuple(annotations)))

    @voided_on_error
    def then_call_function(self, name: str, arguments=None) -> "Plan":
        return self.add(CallFunctions((function_call(name, arguments if arguments is not None else {}),)))

    @voided_on_error
    def then_call_functions(self, *calls) -> "Plan":
        """Parallel calls in one step: ``then_call_functions(("a", {...}), ("b", {...}))``."""
        return self.add(CallFunctions(tuple(function_call(name, args) for name, args in calls)))

    @voided_on_error
    def then_run_code(self, code: str, *, logs: str = "", image_file_ids=(), images=(), files=()) -> "Plan":
        """``images``: PNG bytes or (name, bytes); ``files``: (name, bytes) pairs or a dict of them."""
        return self.add(CodeInterpreter(code, logs, tuple(image_file_ids), named_outputs(images, "image_{}.png"),
                                        named_outputs(files, None)))

    @voided_on_error
    def then_search_files(self, *results: dict) -> "Plan":
        """A file_search step with exactly these results (each must name an existing file)."""
        for result in results:
            if not isinstance(result, dict) or "file_id" not in result:
                raise ScriptError(f"a scripted search result must be a dict with a file_id, not {result!r}")
        return self.add(FileSearch(tuple(results)))

    @voided_on_error
    def then_search(self, query: str | None = None) -> "Plan":
        """A file_search step that really searches the run's vector stores (default query: the last
        user message)."""
        return self.add(FileSearch(None, query))

    @voided_on_error
    def then_fail(self, code: str = "server_error", message: str = "Sorry, something went wrong.") -> "Plan":
        if code not in LAST_ERROR_CODES:
            raise ScriptError(f"cannot script a failure with code {code!r}: a run's last_error code is "
                              f"one of {', '.join(LAST_ERROR_CODES)}")
        return self.add(Fail(code, message))

    @voided_on_error
    def then_stream_error(self, message: str = StreamError.message) -> "Plan":
        return self.add(StreamError(message))

    @voided_on_error
    def then_stop_incomplete(self, reason: str = "max_completion_tokens", text: str = "") -> "Plan":
        if reason not in INCOMPLETE_REASONS:
            raise ScriptError(f"cannot script an incomplete run with reason {reason!r}: it is one of "
                              f"{', '.join(INCOMPLETE_REASONS)}")
        return self.add(Incomplete(reason, text))

    @voided_on_error
    def then_expire(self) -> "Plan":
        return self.add(Expire())

    @voided_on_error
    def then_respond(self, callback: Callable) -> "Plan":
        return self.add(Respond(callback))


class Script:
    """The queues of plans. Methods scope a plan with ``thread_id=`` or ``assistant_id=``."""

    def __init__(self, find_assistant: Callable[[str], dict | None] = lambda _: None,
                 find_file: Callable[[str], dict | None] = lambda _: {}):
        self._queues: dict[tuple, deque] = {}
        self._find_assistant = find_assistant
        self._find_file = find_file
        self.default: Callable = DEFAULT_REPLY
        #: file id -> (code, message) of its next ingestion (see fail_ingestion).
        self.ingestion_failures: dict = {}

    def plan(self, *, thread_id: str | None = None, assistant_id: str | None = None,
             progression: str | None = None) -> Plan:
        """An empty plan queued for the next run in scope; add actions with its ``then_*``.
        ``progression``: how fast that one run moves ('immediate', 'reads:N', 'seconds:N'), e.g. one
        slow run among fast ones."""
        if thread_id and assistant_id:
            raise ScriptError("scope a plan by thread_id or by assistant_id, not both")
        if progression is not None:
            try:
                parse_progression(progression)
            except ValueError as error:
                raise ScriptError(str(error)) from None
        key = ("thread", thread_id) if thread_id else ("assistant", assistant_id) if assistant_id else ("any",)
        queue = self._queues.setdefault(key, deque())
        plan = Plan(discard=lambda: queue.remove(plan) if plan in queue else None, progression=progression)
        if assistant_id:
            assistant = self._find_assistant(assistant_id)
            if assistant is not None:
                plan.check = lambda p: check_plan(p.actions, assistant["tools"], f"assistant {assistant_id}")
        queue.append(plan)
        return plan

    def reply(self, text: str, *, annotations=(), **scope) -> Plan:
        return self.plan(**scope).then_reply(text, annotations=annotations)

    def call_function(self, name: str, arguments=None, **scope) -> Plan:
        return self.plan(**scope).then_call_function(name, arguments)

    def call_functions(self, *calls, **scope) -> Plan:
        return self.plan(**scope).then_call_functions(*calls)

    def run_code(self, code: str, *, logs: str = "", image_file_ids=(), images=(), files=(), **scope) -> Plan:
        return self.plan(**scope).then_run_code(code, logs=logs, image_file_ids=image_file_ids, images=images,
                                                files=files)

    def search_files(self, *results: dict, **scope) -> Plan:
        return self.plan(**scope).then_search_files(*results)

    def search(self, query: str | None = None, **scope) -> Plan:
        return self.plan(**scope).then_search(query)

    def fail_ingestion(self, file_id: str, code: str = "invalid_file", message: str | None = None) -> None:
        """The next time ``file_id`` is ingested into a vector store, it fails with this last_error.
        The file must exist already: a failure scripted for an id no upload made would never happen."""
        if self._find_file(file_id) is None:
            raise ScriptError(f"cannot script an ingestion failure for {file_id!r}: no such file in this "
                              "emulator (upload it first)")
        if code not in INGESTION_ERROR_CODES:
            raise ScriptError(f"cannot script an ingestion failure with code {code!r}: a vector store "
                              f"file's last_error code is one of {', '.join(INGESTION_ERROR_CODES)}")
        self.ingestion_failures[file_id] = (code, message or INGESTION_ERRORS[code])

    def fail(self, code: str = "server_error", message: str = "Sorry, something went wrong.", **scope) -> Plan:
        return self.plan(**scope).then_fail(code, message)

    def stream_error(self, message: str = StreamError.message, **scope) -> Plan:
        return self.plan(**scope).then_stream_error(message)

    def stop_incomplete(self, reason: str = "max_completion_tokens", text: str = "", **scope) -> Plan:
        return self.plan(**scope).then_stop_incomplete(reason, text)

    def expire(self, **scope) -> Plan:
        return self.plan(**scope).then_expire()

    def respond(self, callback: Callable, **scope) -> Plan:
        return self.plan(**scope).then_respond(callback)

    def take(self, thread_id: str, assistant_id: str) -> Plan | None:
        """The plan of the next run of this thread and assistant (None: nothing is scripted)."""
        for key in (("thread", thread_id), ("assistant", assistant_id), ("any",)):
            queue = self._queues.get(key)
            if queue:
                return queue.popleft()
        return None

    def pending(self) -> int:
        return sum(len(queue) for queue in self._queues.values())


def check_plan(actions, tools: list, owner: str) -> None:
    """A plan may only call functions ``tools`` offers, and code/file tools only if enabled."""
    functions = {tool["function"]["name"] for tool in tools if tool["type"] == "function"}
    kinds = {tool["type"] for tool in tools}
    for action in actions:
        if isinstance(action, CallFunctions):
            for call in action.calls:
                if call.name not in functions:
                    offered = ", ".join(sorted(functions)) or "none"
                    raise ScriptError(f"cannot call function {call.name!r}: {owner} has no such function "
                                      f"tool (its functions: {offered})")
        elif isinstance(action, CodeInterpreter) and "code_interpreter" not in kinds:
            raise ScriptError(f"cannot run code: {owner} does not have the code_interpreter tool")
        elif isinstance(action, FileSearch) and "file_search" not in kinds:
            raise ScriptError(f"cannot search files: {owner} does not have the file_search tool")
        elif isinstance(action, Reply):
            for note in action.annotations:
                if note.get("text") not in action.text:
                    raise ScriptError(f"cannot annotate {note.get('text')!r}: it is not in the reply text")
