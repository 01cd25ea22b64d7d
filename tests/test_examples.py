"""Every file in examples/ runs as a user would run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_cli import Served, fakeai_command

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run(command, **env) -> str:
    result = subprocess.run(command, capture_output=True, text=True, timeout=120,
                            env={**os.environ, **env}, cwd=EXAMPLES)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_every_example_is_covered_here():
    covered = {"pytest_quickstart", "sdk_against_server.py", "curl_against_server.sh", "in_process_script.py"}
    assert {path.name for path in EXAMPLES.iterdir()} == covered


def test_the_pytest_quickstart_passes():
    out = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "pytest_quickstart"],
              OPENAI_API_KEY="")
    assert "3 passed" in out


@pytest.fixture
def server_env():
    with Served(fakeai_command(), "serve", "--port", "0", "--quiet") as served:
        yield {"OPENAI_BASE_URL": served.base_url, "OPENAI_API_KEY": "sk-anything"}
        served.stop()


def test_the_sdk_script_runs_unchanged_against_the_server(server_env):
    out = run([sys.executable, "sdk_against_server.py"], **server_env)
    assert "user : Explain quantum computing in simple terms." in out
    assert out.strip().endswith("deleted True")


def test_the_curl_script_runs_against_the_server(server_env):
    out = run(["bash", "curl_against_server.sh"], **server_env)
    assert '"object": "thread.deleted"' in out
    assert '"value": "Hello, what is AI?"' in out


def test_the_in_process_script_runs():
    assert "60 seconds later: One minute later." in run([sys.executable, "in_process_script.py"])
