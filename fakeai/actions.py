"""What a scripted run can do: the actions, and the checked ways to build them.

``fakeai.actions.call_function("get_weather", {"city": "Paris"})`` builds the same action as
``script.call_function(...)`` with the same checks, for responders that compute a plan:

    def respond(turn):
        if "weather" in turn.last_user_text:
            return actions.call_function("get_weather", {"city": "Paris"})
        return actions.reply("Anything else?")

A mistake in a script (a function name the API would refuse, arguments that are not JSON, a
responder that raises) is a ``ScriptError``: the test's own mistake, raised into the test with the
fix, never counted as a fakeai bug.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Callable

from .errors import INGESTION_ERRORS

FUNCTION_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
LAST_ERROR_CODES = ("server_error", "rate_limit_exceeded", "invalid_prompt")
INCOMPLETE_REASONS = ("max_completion_tokens", "max_prompt_tokens")
INGESTION_ERROR_CODES = tuple(INGESTION_ERRORS)


class ScriptError(BaseException):
    """A scripted outcome no real run could produce, or a responder that failed: the test's own
    mistake, raised into the test that made it. A BaseException so the openai SDK cannot turn it
    into a retried connection error."""


# --- the actions --------------------------------------------------------------------------------

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


# --- checked constructors (the fluent Script API uses the same ones) ----------------------------

def function_call(name: str, arguments: Any = None) -> FunctionCall:
    """One call; ``arguments`` a dict (or any JSON value) or JSON text."""
    if not isinstance(name, str) or not FUNCTION_NAME.match(name):
        raise ScriptError(f"cannot script a call to {name!r}: function names are 1-64 characters of "
                          "a-z, A-Z, 0-9, '_' and '-'")
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, str):
        try:
            arguments = json.dumps(arguments)
        except (TypeError, ValueError) as error:
            raise ScriptError(f"cannot script a call to {name!r}: its arguments are not JSON-able: {error}") \
                from None
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


def reply(text: str, *, annotations=()) -> Reply:
    if not isinstance(text, str):
        raise ScriptError(f"a reply is text, not {text!r}")
    return Reply(text, tuple(annotations))


def call_function(name: str, arguments: Any = None) -> CallFunctions:
    return CallFunctions((function_call(name, arguments),))


def call_functions(*calls) -> CallFunctions:
    """Parallel calls in one step: ``call_functions(("a", {...}), ("b", {...}))``."""
    return CallFunctions(tuple(function_call(*call) for call in calls))


def run_code(code: str, *, logs: str = "", image_file_ids=(), images=(), files=()) -> CodeInterpreter:
    """``images``: PNG bytes or (name, bytes); ``files``: (name, bytes) pairs or a dict of them."""
    return CodeInterpreter(code, logs, tuple(image_file_ids), named_outputs(images, "image_{}.png"),
                           named_outputs(files, None))


def search_files(*results: dict) -> FileSearch:
    """A file_search step with exactly these results (each must name an existing file)."""
    for result in results:
        if not isinstance(result, dict) or "file_id" not in result:
            raise ScriptError(f"a scripted search result must be a dict with a file_id, not {result!r}")
    return FileSearch(tuple(results))


def search(query: str | None = None) -> FileSearch:
    """A file_search step that really searches the run's vector stores (default query: the last
    user message)."""
    return FileSearch(None, query)


def fail(code: str = "server_error", message: str = "Sorry, something went wrong.") -> Fail:
    if code not in LAST_ERROR_CODES:
        raise ScriptError(f"cannot script a failure with code {code!r}: a run's last_error code is "
                          f"one of {', '.join(LAST_ERROR_CODES)}")
    return Fail(code, message)


def stream_error(message: str = StreamError.message) -> StreamError:
    return StreamError(message)


def stop_incomplete(reason: str = "max_completion_tokens", text: str = "") -> Incomplete:
    if reason not in INCOMPLETE_REASONS:
        raise ScriptError(f"cannot script an incomplete run with reason {reason!r}: it is one of "
                          f"{', '.join(INCOMPLETE_REASONS)}")
    return Incomplete(reason, text)


def expire() -> Expire:
    return Expire()


def respond(callback: Callable) -> Respond:
    if not callable(callback):
        raise ScriptError(f"a responder must be callable (it is given the run's turn), not {callback!r}")
    return Respond(callback)


def checked(item) -> object:
    """An action a responder returned, as the checked constructors would have built it: a string is
    a reply, a call's dict arguments become JSON text."""
    if isinstance(item, str):
        return Reply(item)
    if isinstance(item, CallFunctions):
        return CallFunctions(tuple(function_call(call.name, call.arguments) for call in item.calls))
    if not isinstance(item, ACTIONS):
        raise ScriptError(f"a responder returned {item!r}: it must return a string, an action (build one "
                          "with fakeai.actions: reply, call_function, ...) or a list of them")
    return item


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


def describe(action) -> str:
    """One line naming an action, for lists of plans (teardown, the admin API)."""
    if isinstance(action, Reply):
        return f"reply {short(action.text)}"
    if isinstance(action, CallFunctions):
        return "call " + ", ".join(f"{call.name}({short(call.arguments)})" for call in action.calls)
    if isinstance(action, CodeInterpreter):
        return f"run code {short(action.input)}"
    if isinstance(action, FileSearch):
        return "search files" if action.results is None else f"search files ({len(action.results)} results)"
    if isinstance(action, Fail):
        return f"fail {action.code}"
    if isinstance(action, StreamError):
        return "break the stream"
    if isinstance(action, Incomplete):
        return f"stop incomplete ({action.reason})"
    if isinstance(action, Expire):
        return "expire"
    return f"respond with {getattr(action.callback, '__qualname__', repr(action.callback))}"


def short(text: str, limit: int = 40) -> str:
    return repr(text if len(text) <= limit else text[:limit - 1] + "…")
