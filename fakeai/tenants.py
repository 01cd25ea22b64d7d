"""Tenants: on a shared server, each accepted API key (with its ``OpenAI-Project`` header) has a
state of its own, and a lock of its own, so one key's slow request never waits on another's.

A tenant is made the first time its key is *accepted*: a refused key never gets one (10,000 wrong
keys cost nothing that stays). With a ``ttl`` (``fakeai serve --tenant-ttl``), a tenant unused for
that many seconds of wall-clock time is forgotten, so a long-lived server's memory stays flat; it
goes between ``ttl`` and ``1.5 * ttl`` after its last request (expiry is looked for at most every
``ttl / 2`` seconds, when a request arrives). Off by default: a test's state never vanishes.
"""

from __future__ import annotations

import copy
import threading
import time
from dataclasses import dataclass, field, fields
from typing import Callable

from .faults import Faults
from .journal import Journal
from .store import State


@dataclass(eq=False)
class Tenant:
    """What one API key (and ``OpenAI-Project``) sees on a shared server: its own objects, script,
    journal and faults. In-process there is one tenant, whatever the key. ``lock`` serialises
    every request and admin call of this tenant (and nothing else)."""

    state: State
    journal: Journal = field(default_factory=Journal)
    faults: Faults = field(default_factory=Faults)
    snapshots: dict = field(default_factory=dict)  # taken through the admin API, by snapshot id
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    last_used: float = 0.0  # wall-clock (monotonic) time of its last request, for expiry
    #: Scripts of this tenant's test that no run could follow (server mode; in-process they raise).
    script_errors: list = field(default_factory=list)

    def __deepcopy__(self, memo) -> "Tenant":
        """A copy with a lock of its own (a lock cannot be copied, and must not be shared)."""
        return Tenant(**{f.name: copy.deepcopy(getattr(self, f.name), memo)
                         for f in fields(self) if f.name != "lock"})


class Tenants:
    """The tenants of a namespaced application, by (key, project)."""

    def __init__(self, new_tenant: Callable[[], Tenant], *, ttl: float | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.new_tenant = new_tenant
        self.ttl = ttl
        self.clock = clock  # wall-clock seconds; tests give their own
        self.lock = threading.Lock()  # held only to look up, add or drop: never during a request
        self._by_key: dict[tuple, Tenant] = {}
        self._swept: float | None = None  # when expiry was last looked for

    def get(self, key: str, project: str | None) -> Tenant:
        """The tenant of an accepted key, made on its first request."""
        now = self.clock()
        with self.lock:
            if self._swept is None:
                self._swept = now
            elif self.ttl is not None and now - self._swept >= self.ttl / 2:
                self._sweep(now)
            tenant = self._by_key.get((key, project))
            if tenant is None:
                tenant = self._by_key[(key, project)] = self.new_tenant()
            tenant.last_used = now
            return tenant

    def _sweep(self, now: float) -> None:
        self._swept = now
        for name, tenant in list(self._by_key.items()):
            if now - tenant.last_used >= self.ttl:
                del self._by_key[name]

    def drop(self, key: str, project: str | None = None) -> None:
        """Forget a tenant (the ``fake_openai_server`` fixture does, once its test is over)."""
        with self.lock:
            self._by_key.pop((key, project), None)

    def clear(self) -> None:
        with self.lock:
            self._by_key.clear()

    def copied(self) -> dict:
        """Every tenant, deep-copied (a snapshot of the emulator)."""
        with self.lock:
            tenants = dict(self._by_key)
        copies = {}
        for name, tenant in tenants.items():
            with tenant.lock:
                copies[name] = copy.deepcopy(tenant)
        return copies

    def replace(self, tenants: dict) -> None:
        with self.lock:
            self._by_key = dict(tenants)

    def __contains__(self, name: tuple) -> bool:
        return name in self._by_key

    def __len__(self) -> int:
        return len(self._by_key)
