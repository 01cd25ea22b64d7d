"""``fakeai replay``: a recording's requests sent again, in order, to a fresh in-process emulator,
and each answer compared with the recorded one (compare.py).

One fresh emulator per test id (per file for interactions without one); within it, one id map per
API key and project, as the recording masked them (each is a tenant of its own, as on the server).
Recorded ids in a request are read through the map (id_map.py); an id the replay never made is
not guessed: a request that needs one is *unreplayable* (not sent), unless its recorded answer is
an error (then it is sent as recorded, to be refused again). Runs are scripted from what the
recording shows them doing (run_scripts.py).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable, cast

from ..app import RawRequest
from ..scripting import Script
from ..credentials import bearer_key
from ..emulator import FakeOpenAI
from .compare import Difference, error_differences, event_differences, paired_events, shape_differences
from .id_map import IdMap
from .interaction import Interaction
from .readers import files_of, load
from .run_scripts import recorded_runs, run_created_by, script_of

MATCH, DIFFERS, UNREPLAYABLE, UNANSWERED = "match", "differs", "unreplayable", "unanswered"
#: Request headers not sent again: they describe the recorded body, not the one sent now.
NOT_SENT = frozenset({"content-length", "transfer-encoding"})
RUNS_OF_A_THREAD = re.compile(r"/v1/threads/([^/]+)/runs/?")


@dataclass
class Result:
    """The replay of one interaction."""

    interaction: Interaction
    outcome: str  # MATCH, DIFFERS, UNREPLAYABLE (not sent: why says why), UNANSWERED (nothing recorded to compare)
    replayed_status: int | None = None
    differences: list[Difference] = field(default_factory=list)
    why: str = ""
    notes: list[str] = field(default_factory=list)  # how the run it creates was scripted, or not


def media_type(headers: dict) -> str:
    return headers.get("content-type", "").split(";")[0].strip().lower()


def error_message(interaction: Interaction) -> str | None:
    try:
        body = interaction.response_json()
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    return error.get("message") if isinstance(error, dict) else None


class GroupReplay:
    """The interactions of one test (or file) against one fresh emulator."""

    def __init__(self, interactions: list[Interaction], progression: str = "immediate"):
        self.interactions = interactions
        self.emulator = FakeOpenAI(namespaced=True, bugs="respond", progression=progression)
        self.maps: dict[tuple, IdMap] = defaultdict(IdMap)
        self.runs = recorded_runs(interactions)

    def results(self) -> list[Result]:
        return [self.replay(interaction) for interaction in self.interactions]

    def replay(self, recorded: Interaction) -> Result:
        ids = self.maps[tenant_of(recorded.request_headers)]
        if recorded.request_body_omitted is not None:
            return Result(recorded, UNREPLAYABLE, why="the recording kept no body for it: "
                          + str(recorded.request_body_omitted.get("reason", "")))
        unknown: list[str] = []
        request = RawRequest(method=recorded.method, path=ids.path(recorded.path, unknown),
                             query=ids.query(recorded.query, unknown),
                             headers={name: value for name, value in recorded.request_headers.items()
                                      if name not in NOT_SENT},
                             body=ids.body(recorded.request_body, unknown))
        refused = recorded.status is not None and recorded.status >= 400
        if unknown and not refused:
            return Result(recorded, UNREPLAYABLE, why=f"it uses {', '.join(dict.fromkeys(unknown))}, which no "
                          "earlier answer of this replay created")
        notes, plan = self.script_run(recorded, request, ids)
        replayed = self.send(request)
        if plan is not None:
            plan.discard()  # a plan the run did not take must not be taken by a later one
        if recorded.status is None:
            return Result(recorded, UNANSWERED, replayed.status, notes=notes,
                          why="the recording has no answer to compare with" +
                              (f" ({recorded.interrupted})" if recorded.interrupted else ""))
        differences = compared(recorded, replayed, ids)
        if recorded.interrupted:
            notes.append(f"the recorded answer was interrupted: {recorded.interrupted}")
        return Result(recorded, DIFFERS if differences else MATCH, replayed.status, differences, notes=notes)

    def send(self, request: RawRequest) -> Interaction:
        response = self.emulator.app.handle(request)
        replayed = Interaction(method=request.method, path=request.path, status=response.status,
                               response_headers={name.lower(): value for name, value in response.headers})
        if isinstance(response.body, bytes):
            replayed.response_body = response.body
            return replayed
        sent = []
        try:
            for chunk in response.body:
                sent.append(chunk)
        except Exception as error:  # a broken stream is a finding, not the end of the replay
            replayed.interrupted = f"{type(error).__name__}: {error}"
        replayed.response_body = b"".join(sent)
        return replayed

    def script_run(self, recorded: Interaction, request: RawRequest, ids: IdMap):
        """The plan of the run this request creates, queued for it: (notes, plan or None)."""
        run_id = run_created_by(recorded)
        if run_id is None or run_id not in self.runs:
            return [], None
        script = script_of(self.runs[run_id], ids.replayed.get)
        notes = [f"run {run_id} not scripted: {reason}" for reason in script.unscripted]
        if not script.steps:
            return notes, None
        headers = request.headers
        tenant = self.emulator.app.tenant_for(bearer_key(headers.get("authorization")), headers.get("openai-project"))
        runs_script = cast(Script, tenant.state.script)
        of_thread = RUNS_OF_A_THREAD.fullmatch(request.path)  # else create-thread-and-run: the next run
        plan = runs_script.plan(thread_id=of_thread.group(1) if of_thread else None)
        try:
            script.apply(plan)
        except BaseException as error:  # a ScriptError: what the recording shows cannot be scripted
            plan.discard()
            return notes + [f"run {run_id} not scripted: {error}"], None
        return [f"run {run_id} scripted: {plan.describe()}", *notes], plan


def tenant_of(headers: dict) -> tuple:
    return headers.get("authorization"), headers.get("openai-project")


def compared(recorded: Interaction, replayed: Interaction, ids: IdMap) -> list[Difference]:
    """What differs, ids learnt on the way (a pairing that contradicts an earlier one is reported)."""
    status = replayed.status or 0
    if recorded.status != status:
        refusal = error_message(replayed) if status >= 400 else None
        return [Difference("status", "", recorded.status, f"{status} {refusal}" if refusal else status)]
    found: list[Difference] = []
    if media_type(recorded.response_headers) != media_type(replayed.response_headers):
        return [Difference("content-type", "", media_type(recorded.response_headers),
                           media_type(replayed.response_headers))]
    if replayed.interrupted:
        found.append(Difference("stream", "", None, f"the replayed stream broke off: {replayed.interrupted}"))
    if recorded.response_body_omitted is not None:
        return found
    if recorded.streamed:
        mine, theirs = recorded.events(), replayed.events()
        pairs, _ = paired_events(mine, theirs)
        for index, other in pairs:
            found += ids.learn(mine[index][1], theirs[other][1], f"events[{index}]({mine[index][0]})")
        return found + event_differences(mine, theirs, ids.text)
    try:
        mine, theirs = recorded.response_json(), replayed.response_json()
    except ValueError:
        return found  # a download: compared by its content type only
    if status >= 400:
        return found + error_differences(mine, theirs, ids.text)
    return found + ids.learn(mine, theirs) + shape_differences(mine, theirs)


def groups_of(interactions: Iterable[Interaction]) -> list[list[Interaction]]:
    """Interactions by test id, in the order each test first appears (those without one together)."""
    groups: dict = {}
    for interaction in interactions:
        groups.setdefault(interaction.test, []).append(interaction)
    return list(groups.values())


def replay_paths(paths: Iterable[str], progression: str = "immediate") -> list[Result]:
    """Every file's interactions replayed, file after file, a fresh emulator per test (or file)."""
    results = []
    for path in files_of(paths):
        for group in groups_of(load([str(path)])):
            results += GroupReplay(group, progression).results()
    return results
