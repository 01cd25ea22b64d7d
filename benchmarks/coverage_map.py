"""pytest plugin for ``benchmarks/mutation.py --by-coverage``: records which test runs which line.

Loaded with ``-p benchmarks.coverage_map`` in the unmutated run; each test's setup, call and teardown
are measured under a coverage context named by its node id, so a mutant later runs only the tests that
execute its line. Settings come from the environment (the runner sets them):
``FAKEAI_COVERAGE_DATA`` (the data file) and ``FAKEAI_COVERAGE_INCLUDE`` (globs of the mutated files,
separated by ``os.pathsep``).
"""

from __future__ import annotations

import os

import pytest

try:
    import coverage
except ImportError as missing:  # a benchmark-only tool: say how to get it
    raise ImportError("benchmarks/mutation.py --by-coverage needs coverage: pip install coverage") from missing

_measure = None


def pytest_configure(config):
    global _measure
    _measure = coverage.Coverage(data_file=os.environ["FAKEAI_COVERAGE_DATA"],
                                 include=os.environ["FAKEAI_COVERAGE_INCLUDE"].split(os.pathsep))
    _measure.start()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    _measure.switch_context(item.nodeid)
    yield
    _measure.switch_context("")


def pytest_unconfigure(config):
    _measure.stop()
    _measure.save()
