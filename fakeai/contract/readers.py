"""Recorded traffic files -> Interactions, whatever wrote them. ``load`` takes files, folders and
globs and picks each file's reader by what the file holds, never by its name: fakeai's JSON Lines
(interaction.py), vcrpy and Ruby VCR cassettes in YAML or JSON (cassettes.py), HAR 1.2 (har.py)."""

from __future__ import annotations

import glob
import json
from pathlib import Path
from typing import Iterable, Iterator

from .cassette_yaml import NotYAML, load_yaml
from .cassettes import interactions_of, read_cassette
from .har import is_har, read_har
from .interaction import FORMAT_KEY, Interaction, read_jsonl

#: What ``load`` reads, as an error about a file it cannot read names them.
KNOWN_FORMATS = ("fakeai JSON Lines, vcrpy / pytest-recording cassettes (YAML or JSON), "
                 "Ruby VCR cassettes (YAML or JSON), HAR 1.2")


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
    """The interactions of one file, by the reader its content calls for. An empty file holds none."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UnreadableTraffic(f"{path}: not UTF-8 text, so none of {KNOWN_FORMATS}") from None
    except OSError as error:
        raise UnreadableTraffic(f"{path}: {error.strerror or error}") from None
    if not text.strip():
        return
    try:
        first, _, rest = text.lstrip().partition("\n")
        record = first_record(first)
        if isinstance(record, dict) and FORMAT_KEY in record:
            yield from read_jsonl(path)
            return
        document = record if record is not None and not rest.strip() else parsed(text)  # one line: parsed once
        if is_har(document):
            yield from read_har(document, path)
        elif interactions_of(document) is not None:
            yield from read_cassette(document, path)
        else:
            raise UnreadableTraffic(f"{path}: not a traffic file fakeai reads ({KNOWN_FORMATS})")
    except UnreadableTraffic:
        raise
    except (ValueError, UnicodeDecodeError) as error:
        raise UnreadableTraffic(f"{path}: {error}") from None


def first_record(line: str):
    """The JSON object on a file's first line, or None (fakeai's JSON Lines: one marked as its traffic)."""
    if not line.startswith("{"):
        return None
    try:
        record = json.loads(line)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def parsed(text: str):
    """The JSON document of a file, or its YAML one (JSON first: it is also YAML, and faster)."""
    if text.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(text)
        except ValueError:
            pass
    try:
        return load_yaml(text)
    except NotYAML as error:
        raise ValueError(f"neither JSON nor YAML ({error}), so none of {KNOWN_FORMATS}") from None


def load(paths: Iterable[str]) -> Iterator[Interaction]:
    """The interactions of every file the arguments name, file after file, each in recorded order."""
    for path in files_of(paths):
        yield from read_file(path)
