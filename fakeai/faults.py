"""Fault injection: make the next matching requests fail, slow down or break off, on purpose.

    fake_openai.faults.add(status=429, path="/threads", retry_after_ms=1)       # once
    fake_openai.faults.add(status=500, method="POST", path="/threads/*/runs", times=2)
    fake_openai.faults.add(status=503, probability=0.2)                          # seeded, repeatable
    fake_openai.faults.add(latency_ms=1500)                                      # fakeai's clock moves
    fake_openai.faults.add(cut_stream_after=3, path="/threads/*/runs")           # the stream breaks

A fault answers with the real API's body for its status (errors.fault_error) and the retry
headers it is given; the SDK retries 408, 409, 429 and 5xx by itself (api-notes 10.1, 11.2).
Latency moves fakeai's clock instead of sleeping, unless ``sleep=True`` (a sleep holds no lock). Faults are checked in the
order they were added; the first that matches applies and uses up one of its ``times``.
"""

from __future__ import annotations

import fnmatch
import random
import time
from dataclasses import dataclass

from . import errors


@dataclass
class Fault:
    status: int | None = None  # None: no error (a latency or stream-cut fault)
    kind: str | None = None  # 429: 'rate_limit' (default) or 'quota'
    method: str | None = None
    path: str = "*"  # glob over the path after /v1
    times: int | None = 1  # None: every matching request
    probability: float | None = None  # drawn from the emulator's seeded generator
    retry_after_ms: int | None = None
    retry_after: float | None = None
    should_retry: bool | None = None
    latency_ms: int = 0
    sleep: bool = False  # really sleep the latency (for client timeouts) instead of moving the clock
    cut_stream_after: int | None = None  # a streamed answer stops after this many events, no [DONE]
    message: str | None = None
    type: str | None = None
    code: str | None = None

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method.upper() == method) and fnmatch.fnmatchcase(
            path.removeprefix("/v1"), self.path)

    def error(self, request_key: str, method: str, path: str, *, model: str | None = None,
              request_id: str = "") -> errors.APIError:
        error = errors.fault_error(self.status, kind=self.kind, key=request_key, method=method, path=path,
                                   model=model, retry_after_ms=self.retry_after_ms, request_id=request_id)
        for name in ("message", "type", "code"):
            if getattr(self, name) is not None:
                setattr(error, name, getattr(self, name))
        error.headers = self.headers()
        return error

    def headers(self) -> dict:
        out = {}
        if self.retry_after_ms is not None:
            out["retry-after-ms"] = str(self.retry_after_ms)
        if self.retry_after is not None:
            out["retry-after"] = f"{self.retry_after:g}"
        if self.should_retry is not None:
            out["x-should-retry"] = "true" if self.should_retry else "false"
        return out


class Faults:
    """``check(options)`` returns the APIError a fault's options deserve (schemas/admin/Fault.json),
    so a fault added in a test is refused exactly as one posted to the admin API."""

    def __init__(self, seed=0, check=lambda options: None):
        self.pending: list[Fault] = []
        self.random = random.Random(f"{seed}:faults")
        self.check = check

    def add(self, **options) -> Fault:
        """Queue a fault (options as the admin API's Fault schema: status, error, match, times, ...)."""
        error = self.check(options)
        if error is not None:
            raise error
        fault = Fault(**options)
        if fault.status is None and not fault.latency_ms and fault.cut_stream_after is None:
            raise errors.BadRequestError("A fault needs a status, a latency_ms or a cut_stream_after.")
        self.pending.append(fault)
        return fault

    def clear(self) -> None:
        """Forget every queued fault."""
        self.pending.clear()

    def take(self, method: str, path: str) -> Fault | None:
        """The fault this request meets, if any (using up one of its times)."""
        for fault in self.pending:
            if not fault.matches(method, path):
                continue
            if fault.probability is not None and self.random.random() >= fault.probability:
                continue
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self.pending.remove(fault)
            return fault
        return None


def apply_latency(fault: Fault, clock) -> None:
    if fault.latency_ms:
        if fault.sleep:
            time.sleep(fault.latency_ms / 1000)
        else:
            clock.advance(fault.latency_ms / 1000)
