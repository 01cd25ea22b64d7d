"""How far things that take time in the real API (runs, file ingestion) move when touched.

``immediate``: to their next resting state at the first touch; ``reads:N``: on the N-th read;
``seconds:N``: once fakeai's clock is N seconds past the moment they began.
"""

from __future__ import annotations


def parse_progression(value: str) -> tuple[str, int]:
    """'immediate' | 'reads:N' | 'seconds:N' -> (kind, N)."""
    if value == "immediate":
        return "immediate", 0
    kind, _, count = value.partition(":")
    if kind in ("reads", "seconds") and count.isdigit() and int(count) >= 1:
        return kind, int(count)
    raise ValueError(f"progression must be 'immediate', 'reads:N' or 'seconds:N' (N >= 1), not {value!r}")


def is_due(progression: str, *, reads: int, since: int, now: int) -> bool:
    """Has something that began at ``since`` and was read ``reads`` times since reached its end?"""
    kind, count = parse_progression(progression)
    if kind == "immediate":
        return True
    return reads >= count if kind == "reads" else now - since >= count
