"""What a recording shows each run doing, turned into the script of the replay's run.

Read from every run, message and run step object a recording's answers hold (bodies, list pages,
stream events): a run that reached ``requires_action`` calls the recorded functions with the
recorded arguments (one step per time it asked for outputs); a completed run whose assistant
message the recording shows replies with its text (and its file annotations); a failed, incomplete
or expired run ends that way. Whatever cannot be scripted is said, never made up: the replay's run
then does what fakeai does by default.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterator

from ..actions import INCOMPLETE_REASONS, LAST_ERROR_CODES
from ..scripting import Plan
from .interaction import Interaction

#: Tool steps the recording may show that a replay does not script (fakeai searches and runs code
#: its own way; their results are values, which replay does not compare).
UNSCRIPTED_TOOLS = ("code_interpreter", "file_search")


@dataclass
class RecordedRun:
    id: str
    status: str | None = None  # the last one the recording shows
    calls: list = field(default_factory=list)  # each time it asked for outputs: [(name, arguments), ...]
    asked: set = field(default_factory=set)  # the call ids of each of those times
    last_error: dict | None = None
    incomplete_reason: str | None = None
    messages: dict = field(default_factory=dict)  # id -> its assistant message, as last shown
    tools: set = field(default_factory=set)  # kinds of its tool steps fakeai does not script

    def saw_run(self, run: dict) -> None:
        self.status = run.get("status", self.status)
        self.last_error = run.get("last_error") or self.last_error
        self.incomplete_reason = (run.get("incomplete_details") or {}).get("reason") or self.incomplete_reason
        outputs = (run.get("required_action") or {}).get("submit_tool_outputs") or {}
        calls = [call for call in outputs.get("tool_calls") or [] if call.get("type") == "function"]
        asked = tuple(call.get("id") for call in calls)
        if calls and asked not in self.asked:
            self.asked.add(asked)
            self.calls.append([(call["function"]["name"], call["function"]["arguments"]) for call in calls])

    def saw_step(self, step: dict) -> None:
        details = step.get("step_details") or {}
        self.tools |= {call.get("type") for call in details.get("tool_calls") or []} & set(UNSCRIPTED_TOOLS)


def objects_in(value) -> Iterator[dict]:
    """Every JSON object with an ``object`` key in ``value``, outermost first."""
    if isinstance(value, dict):
        if isinstance(value.get("object"), str):
            yield value
        for item in value.values():
            yield from objects_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from objects_in(item)


def answers_of(interaction: Interaction) -> Iterator:
    """The JSON values of a recorded answer: its body, or each event's data."""
    if interaction.status is None or interaction.status >= 400:
        return
    if interaction.streamed:
        yield from (data for _, data in interaction.events())
        return
    try:
        yield interaction.response_json()
    except ValueError:
        return


def recorded_runs(interactions: list[Interaction]) -> dict[str, RecordedRun]:
    runs: dict[str, RecordedRun] = {}
    for interaction in interactions:
        for answer in answers_of(interaction):
            for obj in objects_in(answer):
                kind = obj["object"]
                run_id = obj.get("id") if kind == "thread.run" else obj.get("run_id")
                if not isinstance(run_id, str):
                    continue
                run = runs.setdefault(run_id, RecordedRun(run_id))
                if kind == "thread.run":
                    run.saw_run(obj)
                elif kind == "thread.run.step":
                    run.saw_step(obj)
                elif kind == "thread.message" and obj.get("role") == "assistant":
                    run.messages[obj["id"]] = obj
    return runs


def run_created_by(interaction: Interaction) -> str | None:
    """The id of the run a recorded create-run (or create-thread-and-run) answer made."""
    path = interaction.path.rstrip("/")
    if interaction.method != "POST" or not (path.endswith("/runs") and path.startswith("/v1/threads")):
        return None
    for answer in answers_of(interaction):
        for obj in objects_in(answer):
            if obj["object"] == "thread.run":
                return obj.get("id")
    return None


@dataclass
class RunScript:
    """The plan of one recorded run: ``steps`` applied to a Plan in order; ``unscripted`` says what
    the recording shows that the plan cannot do."""

    run_id: str
    steps: list = field(default_factory=list)  # (Plan method name, args, kwargs)
    unscripted: list = field(default_factory=list)

    def apply(self, plan: Plan) -> Plan:
        for method, args, kwargs in self.steps:
            getattr(plan, method)(*args, **kwargs)
        return plan


def script_of(run: RecordedRun, replayed_id: Callable[[str], str | None]) -> RunScript:
    """The RunScript of a recorded run; ``replayed_id`` reads a recorded file id as the replay's."""
    script = RunScript(run.id)
    for calls in run.calls:
        script.steps.append(("then_call_functions", tuple(calls), {}))
    text, annotations = final_text(run, script, replayed_id)
    if run.status == "completed":
        if text is None:
            script.unscripted.append("it completed, but the recording shows no message of it: fakeai's default "
                                     "reply was used")
        else:
            script.steps.append(("then_reply", (text,), {"annotations": annotations}))
    elif run.status == "failed":
        code, message = (run.last_error or {}).get("code"), (run.last_error or {}).get("message")
        if code in LAST_ERROR_CODES and isinstance(message, str):
            script.steps.append(("then_fail", (code, message), {}))
        else:
            script.unscripted.append(f"it failed with last_error {run.last_error!r}, which a script cannot give")
    elif run.status == "incomplete":
        if run.incomplete_reason in INCOMPLETE_REASONS:
            script.steps.append(("then_stop_incomplete", (run.incomplete_reason, text or ""), {}))
        else:
            script.unscripted.append(f"it stopped incomplete ({run.incomplete_reason!r}), which a script cannot give")
    elif run.status == "expired":
        script.steps.append(("then_expire", (), {}))
    elif run.status != "requires_action":
        script.unscripted.append(f"the recording does not show it end (last seen {run.status!r}): what it did "
                                 "after that is fakeai's default")
    script.unscripted += [f"its {tool} step is fakeai's own (not scripted)" for tool in sorted(run.tools)]
    return script


def final_text(run: RecordedRun, script: RunScript, replayed_id) -> tuple[str | None, tuple]:
    """(text, annotations) of the run's last assistant message, when it is text alone."""
    if not run.messages:
        return None, ()
    if len(run.messages) > 1:
        script.unscripted.append(f"it wrote {len(run.messages)} messages: only the last is scripted")
    message = list(run.messages.values())[-1]
    parts = message.get("content") or []
    if len(parts) != 1 or parts[0].get("type") != "text":
        script.unscripted.append(f"its message {message.get('id')} is not one text part")
        return None, ()
    text = parts[0]["text"]
    annotations = []
    for note in text.get("annotations") or []:
        kind = note.get("type")
        file_id = replayed_id((note.get(kind) or {}).get("file_id") or "")
        if file_id is None:
            script.unscripted.append(f"its annotation {note.get('text')!r} names a file this replay never made")
            continue
        annotations.append({"type": kind, "text": note.get("text"), "file_id": file_id})
    return text.get("value", ""), tuple(annotations)
