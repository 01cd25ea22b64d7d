"""``fakeai validate PATH...``: recorded traffic checked against the documented contract, for CI.

Exit status: 0 when no interaction violates the contract, 1 when one does, 2 when an input cannot be
read (or nothing was found to check) or the JUnit file cannot be written: a one-line message, never
a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .readers import KNOWN_FORMATS, UnreadableTraffic, load
from .reports import as_json, github_annotations, junit_xml, table
from .validate import DEFAULT_API_HOSTS, VIOLATED, ContractCheck

EXIT_VIOLATED, EXIT_UNREADABLE = 1, 2


def add_parser(commands) -> None:
    """The ``validate`` subcommand of ``fakeai`` (cli.py)."""
    validate = commands.add_parser(
        "validate", help="check recorded traffic against the API's documented contract",
        description=f"Check recorded traffic ({KNOWN_FORMATS}) against the documented contract of the "
                    "Assistants API: each request as the real API would have judged it, each recorded "
                    "answer against its schema. Exit status 0: no violation; 1: violations; 2: unreadable "
                    "input.")
    validate.add_argument("paths", nargs="+", metavar="PATH", help="a traffic file, a folder of them, or a glob")
    validate.add_argument("--format", choices=("table", "json"), default="table",
                          help="what is printed: a table and a summary line (default), or JSON")
    validate.add_argument("--junit-xml", metavar="FILE", type=Path,
                          help="also write JUnit XML there: a test case per interaction")
    validate.add_argument("--api-host", action="append", dest="api_hosts", metavar="HOST",
                          help="a host that serves the API (repeatable; e.g. your proxy); requests to other "
                               f"hosts are counted as not emulated (default: {', '.join(DEFAULT_API_HOSTS)})")
    validate.set_defaults(run=run)


def run(args) -> int:
    check = ContractCheck(api_hosts=[*DEFAULT_API_HOSTS, *(args.api_hosts or ())])
    try:
        verdicts = [check(interaction) for interaction in load(args.paths)]
    except UnreadableTraffic as error:
        return fail(str(error))
    if not verdicts:
        return fail(f"no interactions in {' '.join(args.paths)}: nothing was checked")
    if args.junit_xml:
        try:
            args.junit_xml.parent.mkdir(parents=True, exist_ok=True)
            args.junit_xml.write_bytes(junit_xml(verdicts))
        except OSError as error:
            return fail(f"cannot write {args.junit_xml}: {error.strerror or error}")
    annotations = github_annotations(verdicts) if os.environ.get("GITHUB_ACTIONS") == "true" else ""
    if args.format == "json":
        sys.stderr.write(annotations)  # stdout is the JSON document; the runner reads both streams
        sys.stdout.write(as_json(verdicts))
    else:
        sys.stdout.write(annotations + table(verdicts))
    return EXIT_VIOLATED if any(verdict.outcome == VIOLATED for verdict in verdicts) else 0


def fail(message: str) -> int:
    print(f"fakeai validate: {message}", file=sys.stderr)
    return EXIT_UNREADABLE
