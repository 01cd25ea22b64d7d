"""Seeded, real-looking IDs and the emulator's clock.

IDs: each prefix draws from its own generator seeded with (seed, prefix), so adding a message to a
test does not change the ids of the threads it creates. Same seed, same calls -> same ids.

Clock rules (README "Time"):
1. While freezegun or time-machine controls time, fakeai reads ``time.time()`` at the moment of use.
2. Otherwise it uses its own clock, which starts at DEFAULT_EPOCH and moves only when told to
   (``set`` / ``advance``), so two runs of a suite give identical ``created_at`` values.
3. ``Clock(real=True)`` follows the wall clock instead (the server's ``--real-clock``).
"""

from __future__ import annotations

import random
import string
import sys
import time

BASE62 = string.digits + string.ascii_letters
HEX = "0123456789abcdef"
#: byte -> the hex digit of its high nibble
HIGH_NIBBLE_HEX = bytes(ord(HEX[byte >> 4]) for byte in range(256))

#: 2025-01-01T00:00:00Z, a day the Assistants API was live.
DEFAULT_EPOCH = 1_735_689_600


class IdFactory:
    def __init__(self, seed: int | str = 0):
        self.seed = seed
        self._streams: dict[str, random.Random] = {}

    def new(self, prefix: str, length: int = 24, alphabet: str = BASE62) -> str:
        """``prefix`` and ``length`` characters of ``alphabet``: the characters
        ``stream.choices(alphabet, k=length)`` picks (each ``alphabet[floor(random() * n)]``), picked
        here without its per-call overhead; the ids on record are these."""
        stream = self._streams.get(prefix)
        if stream is None:
            stream = self._streams[prefix] = random.Random(f"{self.seed}:{prefix}")
        draw, size = stream.random, len(alphabet)
        return prefix + "".join([alphabet[int(draw() * size)] for _ in range(length)])

    def request_id(self) -> str:
        """``req_`` and 32 hex digits: ``new("req_", 32, HEX)``, made from one draw of 64 words.

        ``random()`` uses two words of the stream and ``int(random() * 16)`` is the top four bits of
        the first (exact in floating point), so digit i is the high nibble of word 2i: the top byte
        of that word in ``getrandbits``' little-endian words, each 4 bytes."""
        stream = self._streams.get("req_")
        if stream is None:
            stream = self._streams["req_"] = random.Random(f"{self.seed}:req_")
        words = stream.getrandbits(64 * 32).to_bytes(256, "little")
        return "req_" + words[3::8].translate(HIGH_NIBBLE_HEX).decode("ascii")


def external_clock_active() -> bool:
    """True while freezegun or time-machine has taken over time (neither is imported by fakeai)."""
    freezegun = sys.modules.get("freezegun.api")
    if freezegun is not None and getattr(freezegun, "freeze_factories", None):
        return True
    time_machine = sys.modules.get("time_machine")
    return time_machine is not None and time_machine.escape_hatch.is_travelling()


class Clock:
    def __init__(self, start: int = DEFAULT_EPOCH, *, real: bool = False):
        self._now: float = int(start)
        self.real = real

    def now(self) -> int:
        """Unix seconds, read at the moment of use (never cached, so frozen clocks are obeyed)."""
        if self.real or external_clock_active():
            return int(time.time())
        return int(self._now)

    def set(self, timestamp: int) -> None:
        self._now = int(timestamp)

    def advance(self, seconds: float) -> None:
        """Fractions add up (two latencies of 0.5 s make a second) though timestamps are whole."""
        self._now += seconds
