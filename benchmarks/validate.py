"""How long ``fakeai validate`` takes on 10,000 recorded interactions, per format.

The traffic is the SDK session of tests/traffic.py (threads, messages, a polled run, a page of
messages, a streamed run, an upload, a 400), recorded once against a fakeai server by vcrpy and by
the HAR-writing transport, then repeated until each file holds the asked number of interactions:
a vcrpy YAML cassette, a vcrpy JSON cassette, a HAR file and fakeai's JSON Lines. Each row times
what the command does with a file: read it (load), check every interaction, write the table; the
median of a few repeats. The schemas are compiled once per process, before the rows (that cost
is printed under the table). Goal: under 5 s for 10,000 interactions in every format.

    python benchmarks/validate.py            # 10,000 interactions per format, 3 repeats
    python benchmarks/validate.py --quick    # 200 interactions, 1 repeat: proves the script runs
"""

from __future__ import annotations

import argparse
import copy
import json
import platform
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import yaml  # noqa: E402

from fakeai import FakeOpenAI  # noqa: E402
from fakeai.contract.readers import load  # noqa: E402
from fakeai.contract.reports import table  # noqa: E402
from fakeai.contract.validate import VIOLATED, ContractCheck  # noqa: E402
from fakeai.server import ServerThread  # noqa: E402
from tests import traffic  # noqa: E402

GOAL_SECONDS = 5.0
FULL_COUNT, QUICK_COUNT = 10_000, 200


def repeated(items: list, count: int) -> list:
    """``items`` over and over, each a copy (the same object twice would be a YAML alias)."""
    return [copy.deepcopy(items[index % len(items)]) for index in range(count)]


def traffic_files(folder: Path, count: int) -> dict[str, Path]:
    """The recorded session repeated to ``count`` interactions, in each format."""
    emulator = FakeOpenAI(namespaced=True, bugs="respond")
    with ServerThread(emulator.app) as server:
        recorded = traffic.record(server.base_url, "sk-benchmark", folder)
    cassette = yaml.safe_load(recorded["vcrpy-yaml"].read_text(encoding="utf-8"))
    cassette["interactions"] = repeated(cassette["interactions"], count)
    as_json = json.loads(recorded["vcrpy-json"].read_text(encoding="utf-8"))
    as_json["interactions"] = repeated(as_json["interactions"], count)
    har = json.loads(recorded["har"].read_text(encoding="utf-8"))
    har["log"]["entries"] = repeated(har["log"]["entries"], count)
    files = {"vcrpy YAML cassette": folder / "big.yaml", "vcrpy JSON cassette": folder / "big.json",
             "HAR 1.2": folder / "big.har", "fakeai JSON Lines": folder / "big.jsonl"}
    traffic.write_yaml(files["vcrpy YAML cassette"], cassette)
    files["vcrpy JSON cassette"].write_text(json.dumps(as_json, indent=4), encoding="utf-8")
    files["HAR 1.2"].write_text(json.dumps(har, indent=2), encoding="utf-8")
    files["fakeai JSON Lines"].write_text(traffic.to_fakeai_jsonl(cassette), encoding="utf-8")
    return files


def timed(path: Path, check: ContractCheck) -> tuple[float, float, float, int]:
    """(read, check, table) seconds and the number of interactions of one validation of ``path``."""
    started = time.perf_counter()
    interactions = list(load([str(path)]))
    read = time.perf_counter()
    verdicts = [check(interaction) for interaction in interactions]
    checked = time.perf_counter()
    table(verdicts)
    written = time.perf_counter()
    if any(verdict.outcome == VIOLATED for verdict in verdicts):
        raise SystemExit(f"{path}: the recorded traffic violates the contract; the benchmark needs it clean")
    return read - started, checked - read, written - checked, len(verdicts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_COUNT} interactions, one repeat")
    quick = parser.parse_args(argv).quick
    count, repeats = (QUICK_COUNT, 1) if quick else (FULL_COUNT, 3)
    warnings.simplefilter("ignore", DeprecationWarning)  # the SDK marks every Assistants call

    with tempfile.TemporaryDirectory() as folder:
        files = traffic_files(Path(folder), count)
        started = time.perf_counter()
        check = ContractCheck()
        timed(files["fakeai JSON Lines"].with_name("session.yaml"), check)  # compiles the schemas
        warm_up = time.perf_counter() - started
        rows = []
        for name, path in files.items():
            runs = [timed(path, check) for _ in range(repeats)]
            read, checked, written = (statistics.median(run[part] for run in runs) for part in range(3))
            rows.append((name, f"{runs[0][3]:,}", f"{read:.2f} s", f"{checked:.2f} s", f"{written:.2f} s",
                         f"{read + checked + written:.2f} s"))

    print(f"fakeai validate: Python {platform.python_version()}, libyaml {'yes' if yaml.__with_libyaml__ else 'no'}; "
          f"median of {repeats} repeat{'s' if repeats > 1 else ''}; goal: under {GOAL_SECONDS:g} s for "
          f"{FULL_COUNT:,} interactions")
    header = ("format", "interactions", "read", "check", "table", "total")
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(len(header))]
    print(" | ".join(cell.ljust(width) if column == 0 else cell.rjust(width)
                     for column, (cell, width) in enumerate(zip(header, widths))))
    print("-+-".join("-" * width for width in widths))
    for row in rows:
        print(" | ".join(cell.ljust(width) if column == 0 else cell.rjust(width)
                         for column, (cell, width) in enumerate(zip(row, widths))))
    print(f"\nCompiling the schemas (once per run, before the rows): {warm_up:.2f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
