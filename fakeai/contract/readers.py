"""Recorded traffic files -> Interactions, whatever wrote them. ``load`` takes files, folders and
globs and picks each file's reader by what the file holds, not by its name alone."""

from __future__ import annotations

import glob
from pathlib import Path
from typing import Iterable, Iterator

from .interaction import Interaction, read_jsonl


class UnreadableTraffic(ValueError):
    """A file that no reader knows, or one that a reader could not make sense of (says which and why)."""


def files_of(paths: Iterable[str]) -> list[Path]:
    """Every file the arguments name, in a stable order: a folder gives the files under it (sorted),
    a glob the files it matches; an argument that names nothing is an error, not silence."""
    found: list[Path] = []
    for argument in paths:
        path = Path(argument)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file())
        elif path.is_file():
            found.append(path)
        else:
            matches = sorted(Path(p) for p in glob.glob(argument, recursive=True) if Path(p).is_file())
            if not matches:
                raise UnreadableTraffic(f"{argument}: no such file, folder or matching glob")
            found += matches
    return found


def read_file(path: Path) -> Iterator[Interaction]:
    """The interactions of one file, by its reader."""
    try:
        yield from read_jsonl(path)
    except (ValueError, UnicodeDecodeError) as error:
        raise UnreadableTraffic(f"{path}: {error}") from None


def load(paths: Iterable[str]) -> Iterator[Interaction]:
    """The interactions of every file the arguments name, file after file, each in recorded order."""
    for path in files_of(paths):
        yield from read_file(path)
