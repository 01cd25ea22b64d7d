"""The benchmark command runs and prints its table (the figures themselves are read by people,
not asserted: a timed assertion would only make the suite flaky)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCHMARK = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"


def test_the_benchmark_prints_a_row_per_case_with_its_ratio():
    result = subprocess.run([sys.executable, str(BENCHMARK), "--quick"], capture_output=True, text=True,
                            timeout=300, check=True)

    lines = result.stdout.splitlines()
    assert lines[1].split("|")[0].strip() == "case"
    rows = [line for line in lines[3:] if "|" in line]
    assert len(rows) == 8
    for row in rows:
        ratio = float(row.split("|")[3])
        assert ratio > 0


def test_the_server_benchmark_prints_req_per_second_per_case_and_the_ratios():
    result = subprocess.run([sys.executable, str(BENCHMARK.with_name("server.py")), "--quick"], capture_output=True,
                            text=True, timeout=300, check=True)

    rows = [line for line in result.stdout.splitlines() if "|" in line][1:]
    assert [row.split("|")[0].strip() for row in rows] == [
        "fakeai on waitress", "fakeai on granian", "fakeai on granian --threads 4", "fakeai on werkzeug",
        "bare app on waitress", "bare app on granian", "bare app on granian --threads 4",
        "fakeai on waitress vs fakeai on werkzeug", "fakeai on waitress vs the bare app on waitress",
        "fakeai on granian vs fakeai on werkzeug", "fakeai on granian vs the bare app on granian",
        "fakeai on granian --threads 4 vs fakeai on werkzeug",
        "fakeai on granian --threads 4 vs the bare app on granian --threads 4"]
    for row in rows:
        post, get = (float(cell.strip().rstrip("/sx").replace(",", "")) for cell in row.split("|")[1:3])
        assert post > 0 and get > 0
    assert "not 200" not in result.stdout


def test_the_validate_benchmark_prints_a_row_per_format_with_its_seconds():
    result = subprocess.run([sys.executable, str(BENCHMARK.with_name("validate.py")), "--quick"], capture_output=True,
                            text=True, timeout=300, check=True)

    rows = [line for line in result.stdout.splitlines() if "|" in line][1:]
    assert [row.split("|")[0].strip() for row in rows] == [
        "vcrpy YAML cassette", "vcrpy JSON cassette", "HAR 1.2", "fakeai JSON Lines"]
    for row in rows:
        interactions, *seconds = (cell.strip() for cell in row.split("|")[1:])
        assert interactions == "200"
        assert all(cell.endswith(" s") and float(cell[:-2]) >= 0 for cell in seconds)
