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
test). The actions themselves, and checked ways to build them for responders, are in actions.py.

A plan no run takes is a forgotten expectation: the fake_openai fixture fails the test at teardown
listing it, unless the plan was scripted with ``optional=True`` (or the test's marker says
``allow_unused_plans=True``).
"""

from __future__ import annotations

import copy
import functools
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Callable

from . import actions
from .actions import (  # noqa: F401  (the names scripts and tests have always imported from here)
    ACTIONS, INCOMPLETE_REASONS, INGESTION_ERROR_CODES, LAST_ERROR_CODES, CallFunctions, CodeInterpreter,
    Expire, Fail, FileSearch, FunctionCall, Incomplete, Reply, Respond, ScriptError, StreamError, check_plan,
    function_call, named_outputs)
from .errors import INGESTION_ERRORS
from .resources.progression import parse_progression


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
    """What a responder callback is given when its run starts (and again after each submission of
    tool outputs). Every field is JSON data, a copy: changing it changes nothing stored.

    messages        the thread's messages as the API shows them (dicts), OLDEST first: a read-only
                    sequence that copies a message only when it is read (index it, slice it, loop)
    run             the run (a dict, as ``runs.retrieve`` shows it)
    thread          the thread (a dict)
    tool_outputs    the outputs submitted to this run so far: tool call id -> output text
    search_results  results of this run's file_search steps so far (file_id, file_name, score, content)
    last_user_text  (property) the text of the newest user message, '' when there is none
    """

    messages: Sequence
    run: dict
    thread: dict
    tool_outputs: dict
    search_results: list = field(default_factory=list)

    @property
    def last_user_text(self) -> str:
        """The text of the newest user message ('' when there is none)."""
        for message in reversed(self.messages):
            if message["role"] == "user":
                return " ".join(part["text"]["value"] for part in message["content"] if part["type"] == "text")
        return ""


# --- plans and queues ---------------------------------------------------------------------------

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
    optional: bool = False  # True: no run taking it is fine (no teardown failure)
    scope: str = "the next run of any thread"

    def add(self, action) -> "Plan":
        """Append an action built with fakeai.actions (checked against the assistant, if scoped to one)."""
        self.actions.append(action)
        if self.check is not None:
            self.check(self)
        return self

    def describe(self) -> str:
        """``reply 'Paris.'`` then ...: one line, for the lists of plans no run took."""
        return " then ".join(actions.describe(action) for action in self.actions) or "(no actions)"

    @voided_on_error
    def then_reply(self, text: str, *, annotations=()) -> "Plan":
        """The run writes an assistant message with ``text`` (and these annotations) and completes."""
        return self.add(actions.reply(text, annotations=annotations))

    @voided_on_error
    def then_call_function(self, name: str, arguments=None) -> "Plan":
        """The run asks for one function call (requires_action); ``arguments`` a dict or JSON text."""
        return self.add(actions.call_function(name, arguments))

    @voided_on_error
    def then_call_functions(self, *calls) -> "Plan":
        """Parallel calls in one step: ``then_call_functions(("a", {...}), ("b", {...}))``."""
        return self.add(actions.call_functions(*calls))

    @voided_on_error
    def then_run_code(self, code: str, *, logs: str = "", image_file_ids=(), images=(), files=()) -> "Plan":
        """A code_interpreter step. ``images``: PNG bytes or (name, bytes); ``files``: (name, bytes)
        pairs or a dict of them."""
        return self.add(actions.run_code(code, logs=logs, image_file_ids=image_file_ids, images=images,
                                         files=files))

    @voided_on_error
    def then_search_files(self, *results: dict) -> "Plan":
        """A file_search step with exactly these results (each must name an existing file)."""
        return self.add(actions.search_files(*results))

    @voided_on_error
    def then_search(self, query: str | None = None) -> "Plan":
        """A file_search step that really searches the run's vector stores (default query: the last
        user message)."""
        return self.add(actions.search(query))

    @voided_on_error
    def then_fail(self, code: str = "server_error", message: str = "Sorry, something went wrong.") -> "Plan":
        """The run fails with this last_error (code: server_error, rate_limit_exceeded, invalid_prompt)."""
        return self.add(actions.fail(code, message))

    @voided_on_error
    def then_stream_error(self, message: str = StreamError.message) -> "Plan":
        """A stream of the run breaks with an ``error`` event; the run is failed."""
        return self.add(actions.stream_error(message))

    @voided_on_error
    def then_stop_incomplete(self, reason: str = "max_completion_tokens", text: str = "") -> "Plan":
        """The run stops on a token limit after writing ``text``."""
        return self.add(actions.stop_incomplete(reason, text))

    @voided_on_error
    def then_expire(self) -> "Plan":
        """The run expires (after a function call, its outputs never come in time)."""
        return self.add(actions.expire())

    @voided_on_error
    def then_respond(self, callback: Callable) -> "Plan":
        """``callback(turn)`` decides when the run gets there: it returns a string (a reply), an
        action built with fakeai.actions, or a list of them. ``turn`` is a ``Turn``."""
        return self.add(actions.respond(callback))


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
             progression: str | None = None, optional: bool = False) -> Plan:
        """An empty plan queued for the next run in scope; add actions with its ``then_*``.
        ``progression``: how fast that one run moves ('immediate', 'reads:N', 'seconds:N'), e.g. one
        slow run among fast ones. ``optional``: no run taking it does not fail the test.

        Every shortcut below (``reply``, ``call_function``, ...) takes the same keywords."""
        if thread_id and assistant_id:
            raise ScriptError("scope a plan by thread_id or by assistant_id, not both")
        if progression is not None:
            try:
                parse_progression(progression)
            except ValueError as error:
                raise ScriptError(str(error)) from None
        key = ("thread", thread_id) if thread_id else ("assistant", assistant_id) if assistant_id else ("any",)
        queue = self._queues.setdefault(key, deque())
        scope = (f"the next run of thread {thread_id}" if thread_id else f"the next run of assistant {assistant_id}"
                 if assistant_id else "the next run of any thread")
        plan = Plan(discard=lambda: queue.remove(plan) if plan in queue else None, progression=progression,
                    optional=optional, scope=scope)
        if assistant_id:
            assistant = self._find_assistant(assistant_id)
            if assistant is not None:
                plan.check = lambda p: check_plan(p.actions, assistant["tools"], f"assistant {assistant_id}")
        queue.append(plan)
        return plan

    def reply(self, text: str, *, annotations=(), **scope) -> Plan:
        """Queue a plan: the next run in scope writes ``text`` as the assistant's reply and completes."""
        return self.plan(**scope).then_reply(text, annotations=annotations)

    def call_function(self, name: str, arguments=None, **scope) -> Plan:
        """Queue a plan: the next run in scope calls function ``name`` (arguments a dict or JSON text)
        and waits in requires_action for its output. Chain ``.then_reply(...)`` for what follows."""
        return self.plan(**scope).then_call_function(name, arguments)

    def call_functions(self, *calls, **scope) -> Plan:
        """Queue a plan: parallel calls in one step, ``call_functions(("a", {...}), ("b", {...}))``."""
        return self.plan(**scope).then_call_functions(*calls)

    def run_code(self, code: str, *, logs: str = "", image_file_ids=(), images=(), files=(), **scope) -> Plan:
        """Queue a plan: a code_interpreter step (see ``Plan.then_run_code``)."""
        return self.plan(**scope).then_run_code(code, logs=logs, image_file_ids=image_file_ids, images=images,
                                                files=files)

    def search_files(self, *results: dict, **scope) -> Plan:
        """Queue a plan: a file_search step with exactly these results (dicts with file_id, score, ...)."""
        return self.plan(**scope).then_search_files(*results)

    def search(self, query: str | None = None, **scope) -> Plan:
        """Queue a plan: a file_search step that really searches the run's vector stores."""
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
        """Queue a plan: the next run in scope fails with this last_error code and message."""
        return self.plan(**scope).then_fail(code, message)

    def stream_error(self, message: str = StreamError.message, **scope) -> Plan:
        """Queue a plan: a stream of the next run breaks with an ``error`` event; the run fails."""
        return self.plan(**scope).then_stream_error(message)

    def stop_incomplete(self, reason: str = "max_completion_tokens", text: str = "", **scope) -> Plan:
        """Queue a plan: the next run stops incomplete on a token limit after writing ``text``."""
        return self.plan(**scope).then_stop_incomplete(reason, text)

    def expire(self, **scope) -> Plan:
        """Queue a plan: the next run expires (after a function call it never gets its outputs)."""
        return self.plan(**scope).then_expire()

    def respond(self, callback: Callable, **scope) -> Plan:
        """Queue a plan computed when the run starts: ``callback(turn)`` returns a string, an action
        (fakeai.actions) or a list of them. ``turn`` is a ``Turn``."""
        return self.plan(**scope).then_respond(callback)

    def take(self, thread_id: str, assistant_id: str) -> Plan | None:
        """The plan of the next run of this thread and assistant (None: nothing is scripted)."""
        for key in (("thread", thread_id), ("assistant", assistant_id), ("any",)):
            queue = self._queues.get(key)
            if queue:
                return queue.popleft()
        return None

    def pending(self) -> int:
        """How many plans no run has taken yet."""
        return sum(len(queue) for queue in self._queues.values())

    def queued(self) -> list[tuple[tuple, Plan]]:
        """Every plan no run has taken yet, with its scope (``("thread", id)``, ``("assistant", id)``
        or ``("any",)``): thread scopes first, then assistant scopes, then any (the order a run looks
        in), each scope's plans in the order its runs will take them."""
        order = {"thread": 0, "assistant": 1, "any": 2}
        scopes = sorted(self._queues, key=lambda scope: order[scope[0]])  # stable: first scripted first
        return [(scope, plan) for scope in scopes for plan in self._queues[scope]]

    def clear(self) -> int:
        """Drop every queued plan (ingestion failures stay); how many there were."""
        dropped = self.pending()
        self._queues.clear()
        return dropped

    def unused(self) -> list[str]:
        """One line per plan no run took that was not scripted ``optional=True``."""
        return [f"{plan.scope}: {plan.describe()}" for _, plan in self.queued() if not plan.optional]


