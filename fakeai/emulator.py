"""FakeOpenAI: the object tests, the pytest fixture and the server hold."""

from __future__ import annotations

import copy
import json

from .admin import Admin
from .app import Application, RawRequest, RawResponse, Tenant
from .determinism import DEFAULT_EPOCH, Clock, IdFactory
from .errors import EmulatorBug
from .faults import Faults
from .fixtures import load as load_fixtures
from .journal import DEFAULT_JOURNAL_SIZE, Journal
from .quirks import checked as checked_quirks
from .resources.progression import parse_progression
from .resources.vector_stores import expire_vector_store, get_vector_store
from .scripting import Script
from .store import MAX_FILE_BYTES, State, export_state
from .streaming import DEFAULT_CHUNK_SIZE
from .validation import load_schemas

DEFAULT_API_KEY = "sk-fakeai-0000000000000000000000000000"


def spec_models(schemas) -> list[str]:
    """The model names the spec lists for assistants (AssistantSupportedModels)."""
    return schemas.documents["AssistantSupportedModels.json"]["enum"]


def other_api_models(schemas) -> frozenset:
    """Models the API knows (the spec's ModelIdsShared) that Assistants does not list: refused as
    unusable with the Assistants API (E28), not as unknown (E27)."""
    listed = {name for branch in schemas.documents["ModelIdsShared.json"]["anyOf"] for name in branch.get("enum", ())}
    return frozenset(listed - set(spec_models(schemas)))


def check_options(*, stream_chunk_size, poll_after_ms, max_file_bytes, bugs, journal_size) -> None:
    """Options are refused when given, not when they first break a stream or a poll."""
    for name, value, least in (("stream_chunk_size", stream_chunk_size, 1), ("poll_after_ms", poll_after_ms, 0),
                               ("max_file_bytes", max_file_bytes, 1), ("journal_size", journal_size, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise ValueError(f"FakeOpenAI({name}={value!r}): expected a whole number >= {least}")
    if bugs not in ("raise", "respond"):
        raise ValueError(f"FakeOpenAI(bugs={bugs!r}): expected 'raise' or 'respond'")


class FakeOpenAI:
    """An in-memory Assistants/Threads API.

    seed        ids (and request ids) are drawn from generators seeded with it
    start_time  where fakeai's own clock starts (Unix seconds); see determinism.py for the rules
    real_clock  follow the wall clock instead of fakeai's own
    api_keys    accepted keys; by default any non-empty key is accepted
    models      model names assistants and runs may use; by default every model the spec lists
    progression how far a run moves each time its thread is touched: 'immediate', 'reads:N' or
                'seconds:N' (resources/run_engine.py)
    poll_after_ms  the openai-poll-after-ms header of run answers (the SDK's poll helpers sleep it)
    stream_chunk_size  characters of text (or function arguments) per streamed delta
    namespaced  one state per API key and OpenAI-Project header (what a shared server does), instead
                of one for every client; made only for a key that is accepted
    tenant_ttl  with ``namespaced``: forget a key's state once it has been unused for this many
                seconds of wall-clock time (fakeai/tenants.py); None, the default: never
    journal_size  requests each journal keeps, the oldest dropped first (fakeai/journal.py)
    quirks      observed forms of the real API to use instead of the default ones (fakeai/quirks.py)
    max_file_bytes  the largest file an upload may carry (the API's 512 MB by default); a larger one
                is refused, and over HTTP its body is not even read
    max_body    the largest JSON request body (app.MAX_JSON_BODY, 25 MiB, by default); a larger one is
                refused with a 413, and over HTTP its body is not read
    bugs        'raise' (a fakeai bug fails the calling test) or 'respond' (a 500 saying so)
    """

    def __init__(self, *, seed: int | str = 0, start_time: int = DEFAULT_EPOCH, real_clock: bool = False,
                 api_keys=None, models=None, progression: str = "immediate", poll_after_ms: int = 1,
                 namespaced: bool = False, stream_chunk_size: int = DEFAULT_CHUNK_SIZE, bugs: str = "raise",
                 max_file_bytes: int = MAX_FILE_BYTES, max_body: int = 0, quirks=(),
                 journal_size: int = DEFAULT_JOURNAL_SIZE, tenant_ttl: float | None = None):
        parse_progression(progression)
        check_options(stream_chunk_size=stream_chunk_size, poll_after_ms=poll_after_ms,
                      max_file_bytes=max_file_bytes, bugs=bugs, journal_size=journal_size)
        if tenant_ttl is not None and not 0 < tenant_ttl < float("inf"):
            raise ValueError(f"FakeOpenAI(tenant_ttl={tenant_ttl!r}): expected a number of seconds > 0")
        self.seed = seed
        self.start_time = start_time
        self.real_clock = real_clock
        schemas = load_schemas()
        self.models = frozenset(models if models is not None else spec_models(schemas))
        self.other_models = other_api_models(schemas) - self.models
        self.progression = progression
        self.max_file_bytes = max_file_bytes
        self.quirks = checked_quirks(quirks)
        self.journal_size = journal_size
        self.app = Application(self.new_tenant, schemas, api_keys=api_keys, bugs=bugs,
                               poll_after_ms=poll_after_ms, namespaced=namespaced, tenant_ttl=tenant_ttl,
                               stream_chunk_size=stream_chunk_size, max_body=max_body)
        Admin(self)
        self._clients: dict = {}

    def new_tenant(self, seed=None) -> Tenant:
        """A fresh state with this emulator's options: what a reset, or a new API key, starts from."""
        seed = self.seed if seed is None else seed
        state = State(IdFactory(seed), Clock(self.start_time, real=self.real_clock), models=self.models,
                      other_models=self.other_models,
                      progression=self.progression, max_file_bytes=self.max_file_bytes, quirks=self.quirks)
        state.script = Script(state.assistants.get, state.files.get)
        return Tenant(state, journal=Journal(size=self.journal_size), faults=Faults(
            seed, check=lambda options: self.app.schemas.first_error("admin/Fault", options)))

    @property
    def lock(self):
        """The lock of the default tenant: held, no request of it runs (in-process, none at all).
        Each key of a namespaced emulator has a lock of its own (fakeai/tenants.py)."""
        return self.app.lock

    # --- what tests read and control (the default tenant: all of it, in-process) ---------------

    @property
    def state(self) -> State:
        """The default tenant's objects (threads, runs, files...), as fakeai holds them."""
        return self.app.default.state

    @property
    def script(self) -> Script:
        """What the next runs do (fakeai/scripting.py)."""
        return self.app.default.state.script

    @property
    def requests(self) -> Journal:
        """Every request received, in order (fakeai/journal.py)."""
        return self.app.default.journal

    @property
    def faults(self) -> Faults:
        """Failures, latency and broken streams to inject (fakeai/faults.py)."""
        return self.app.default.faults

    @property
    def clock(self) -> Clock:
        """fakeai's own clock (see determinism.py): what ``created_at`` and friends read."""
        return self.app.default.state.clock

    def reset(self, *, seed=None) -> None:
        """Forget everything (objects, script, journal, faults, tenants); ids and clock start over."""
        with self.lock:
            if seed is not None:
                self.seed = seed
            fresh, default = self.new_tenant(), self.app.default
            default.state, default.journal, default.faults, default.snapshots = (
                fresh.state, fresh.journal, fresh.faults, {})
            self.app.tenants.clear()

    def load(self, source) -> dict:
        """Start from known objects: a dict or a JSON/YAML file (fakeai/fixtures.py). All or nothing."""
        with self.lock:
            trial = copy.deepcopy(self.app.default.state)
            created = load_fixtures(trial, self.app.schemas, source)
            self.app.default.state = trial
            return created

    def export_state(self) -> dict:
        """Every object of the default tenant as JSON-able data, for debugging a failing test."""
        with self.lock:
            return json.loads(json.dumps(export_state(self.state)))

    def snapshot(self):
        """The whole state, to ``restore`` later (a deep copy; the journal is not part of it)."""
        with self.lock:
            return copy.deepcopy(self.app.default.state), self.app.tenants.copied()

    def restore(self, snapshot) -> None:
        """Go back to a ``snapshot()``: every object as it was then (the journal stays)."""
        with self.lock:
            state, tenants = copy.deepcopy(snapshot)
            self.app.default.state = state
            self.app.tenants.replace(tenants)

    def expire_vector_store(self, vector_store_id: str) -> dict:
        """Expire a vector store of the default tenant now (runs that use it then fail)."""
        with self.lock:
            state = self.state
            return copy.deepcopy(expire_vector_store(state, get_vector_store(state, vector_store_id)))

    # --- serving ------------------------------------------------------------------------------

    def handle(self, request: RawRequest) -> RawResponse:
        """Answer one raw request (what the in-process transport and the server call)."""
        return self.app.handle(request)

    @property
    def problems(self) -> list[str]:
        """Every fakeai bug met so far (contract violations included); the fixture fails on them."""
        return self.app.problems

    def check(self) -> None:
        """Raise if fakeai met a bug of its own, even one that user code swallowed."""
        if self.problems:
            raise EmulatorBug("fakeai met bugs of its own during this test:\n" + "\n".join(self.problems))

    # --- time ---------------------------------------------------------------------------------

    def set_time(self, timestamp: int) -> None:
        """Move fakeai's own clock to ``timestamp`` (ignored while freezegun/time-machine rule)."""
        self.clock.set(timestamp)

    def advance_time(self, seconds: int) -> None:
        """Move fakeai's own clock forward (runs on ``seconds:N`` progression move with it)."""
        self.clock.advance(seconds)

    def now(self) -> int:
        """fakeai's current time, in Unix seconds."""
        return self.clock.now()

    # --- ready clients ------------------------------------------------------------------------

    @property
    def client(self):
        """An ``openai.OpenAI`` served by this emulator in-process (no socket, no key needed)."""
        return self._client("sync")

    @property
    def async_client(self):
        """An ``openai.AsyncOpenAI`` served by this emulator in-process."""
        return self._client("async")

    def _client(self, kind: str):
        if kind not in self._clients:
            from .transport import make_client  # openai is imported only where it is needed
            self._clients[kind] = make_client(self, asynchronous=kind == "async")
        return self._clients[kind]
