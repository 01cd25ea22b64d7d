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
