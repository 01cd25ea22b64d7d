"""``fakeai replay PATH...``: the command line of replay.py. A table by default, ``--format json``
for tools; exit status 0 only when every interaction matches, 1 when one does not, 2 for input
it cannot read."""

from __future__ import annotations

import json
import logging
import sys

from .readers import UnreadableTraffic
from .replay import DIFFERS, MATCH, UNANSWERED, UNREPLAYABLE, Result, replay_paths

OUTCOMES = (MATCH, DIFFERS, UNREPLAYABLE, UNANSWERED)


def add_command(commands, progression) -> None:
    """The ``replay`` subcommand of ``fakeai`` (cli.py); ``progression`` checks that option, as serve's."""
    replay = commands.add_parser(
        "replay", help="send recorded traffic to a fresh emulator and report how its answers differ",
        description="Send each recording's requests, in order, to a fresh in-process emulator (one per "
                    "test) and compare the answers with the recorded ones: status, missing and extra "
                    "keys, type mismatches, error fields, stream events. Exit status 0 only when every "
                    "interaction matches.")
    replay.add_argument("paths", nargs="+", metavar="PATH", help="recording files, folders or globs")
    replay.add_argument("--format", choices=("table", "json"), default="table",
                        help="a readable table (default) or one JSON document")
    replay.add_argument("--progression", default="immediate", type=progression,
                        help="how far the replay's runs move each time their thread is touched: immediate "
                             "(default), reads:N or seconds:N; use the one the recording was made with")
    replay.set_defaults(run=run)


def run(args) -> int:
    quiet(logging.getLogger("fakeai"))
    try:
        results = replay_paths(args.paths, args.progression)
    except UnreadableTraffic as error:
        print(f"fakeai replay: error: {error}", file=sys.stderr)
        return 2
    if not results:
        print(f"fakeai replay: error: {', '.join(args.paths)} holds no interactions to replay", file=sys.stderr)
        return 2
    print(as_json(results) if args.format == "json" else as_table(results))
    return 0 if all(result.outcome == MATCH for result in results) else 1


def quiet(logger: logging.Logger) -> None:
    """fakeai's warnings (a run replying by default...) stay out of the output: the report says it all."""
    if not any(isinstance(handler, logging.NullHandler) for handler in logger.handlers):
        logger.addHandler(logging.NullHandler())


def counts(results: list[Result]) -> dict:
    return {outcome: sum(result.outcome == outcome for result in results) for outcome in OUTCOMES}


def summary_line(results: list[Result]) -> str:
    return f"{len(results)} interactions: " + ", ".join(f"{count} {outcome}"
                                                         for outcome, count in counts(results).items())


def as_table(results: list[Result]) -> str:
    rows = [(result.interaction.source, f"{result.interaction.method} {result.interaction.path}"
             + (f"?{result.interaction.query}" if result.interaction.query else ""),
             status_cell(result), result.outcome) for result in results]
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    lines, test = [], object()
    for result, row in zip(results, rows):
        if result.interaction.test != test:
            test = result.interaction.test
            lines.append(test or "(no test id)")
        lines.append("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[3])
        details = ([result.why] if result.why else []) + result.notes + [d.describe() for d in result.differences]
        lines += [f"      {detail}" for detail in details]
    lines.append(summary_line(results))
    return "\n".join(lines)


def status_cell(result: Result) -> str:
    recorded = "-" if result.interaction.status is None else str(result.interaction.status)
    replayed = "-" if result.replayed_status is None else str(result.replayed_status)
    return f"{recorded} -> {replayed}"


def as_json(results: list[Result]) -> str:
    return json.dumps({
        "interactions": [{
            "source": result.interaction.source, "test": result.interaction.test,
            "method": result.interaction.method, "path": result.interaction.path,
            "query": result.interaction.query, "recorded_status": result.interaction.status,
            "replayed_status": result.replayed_status, "outcome": result.outcome, "why": result.why or None,
            "notes": result.notes, "differences": [difference.to_json() for difference in result.differences],
        } for result in results],
        "summary": {"interactions": len(results), **counts(results)},
    }, indent=2, ensure_ascii=False)
