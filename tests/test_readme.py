"""Every fenced block of README.md runs as written; CONTRIBUTING.md ("The README runs as written")
states the conventions a block follows.

The README is what a user copies first, so a snippet that no longer runs is a bug a user meets before
any other. Expected outcomes are the README's own: a pytest file passes, a command exits 0, a curl
line gets a 2xx answer, an HTTP form of a script action is accepted.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml

from fakeai.validation import load_schemas
from tests.test_cli import Served, fakeai_command

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
#: Where the README's commands expect `fakeai serve --port 8000`; the test's server takes its place.
README_ADDRESS = "127.0.0.1:8000"
SERVER_LINE = re.compile(r"fakeai serve --port 8000( &)?")
#: Commands of the README's bash blocks that this test does not run, and why.
NOT_RUN = {
    'python3 -m venv .venv && . .venv/bin/activate && pip install -e ".[test]"':
        "creates and installs a new environment; this test runs in one set up by it",
    "pip install /path/to/fakeai": "installs from a path that stands for the reader's checkout",
    "python -m pytest": "fakeai's own suite, which this test is part of",
}
#: The predefined names of a python block that is not a test module (see CONTRIBUTING.md).
SNIPPET_TEST = '''
def test_readme_line_{line}(fake_openai):
    client = fake_openai.client
    assistant = client.beta.assistants.create(model="gpt-4o")
    thread = client.beta.threads.create(messages=[{{"role": "user", "content": "Hello!"}}])
{body}
'''
LANGUAGES = {"python", "bash", "ini", "json", "yaml"}


@dataclass(frozen=True)
class Block:
    language: str
    line: int  # the README line of the block's first line of code
    text: str

    @property
    def file_name(self) -> str | None:
        """``support_bot.py`` for a block whose first line is ``# support_bot.py``."""
        found = re.fullmatch(r"# ([\w.-]+\.(?:py|ini))", self.text.splitlines()[0])
        return found.group(1) if found else None

    def commands(self) -> list[tuple[int, str]]:
        """(README line, command) of each command of a bash block, continuation lines joined."""
        found, pending, start = [], "", None
        for number, line in enumerate(self.text.splitlines(), self.line):
            if not pending and (not line.strip() or line.lstrip().startswith("#")):
                continue
            start = number if not pending else start
            if line.endswith("\\"):
                pending += line[:-1]
                continue
            found.append((start, (pending + line).strip()))
            pending = ""
        return found


def readme_blocks() -> list[Block]:
    blocks, current = [], None
    for number, line in enumerate(README.read_text(encoding="utf-8").splitlines(), 1):
        if current is None and line.startswith("```"):
            current = (line[3:].strip(), number + 1, [])
        elif current is not None and line.startswith("```"):
            blocks.append(Block(current[0], current[1], "\n".join(current[2]) + "\n"))
            current = None
        elif current is not None:
            current[2].append(line)
    assert current is None, f"README line {current[1] - 1}: a code block is not closed"
    return blocks


def blocks_of(language: str) -> list[Block]:
    return [block for block in readme_blocks() if block.language == language]


def project_files() -> dict[str, str]:
    """The files of the README's small project: blocks whose first line names a file."""
    files = {}
    for block in readme_blocks():
        if block.file_name:
            assert block.file_name not in files, f"README line {block.line}: {block.file_name} again"
            files[block.file_name] = block.text
    return files


def write_project(directory: Path) -> None:
    for name, text in project_files().items():
        (directory / name).write_text(text, encoding="utf-8")


def environment() -> dict:
    """The reader's shell: this interpreter's commands first, this checkout's fakeai, no OpenAI
    settings of the machine running the tests."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "PYTEST_ADDOPTS", "PYTEST_XDIST_WORKER")}
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def passed_count(output: str) -> int:
    found = re.search(r"(\d+) passed", output)
    return int(found.group(1)) if found else 0


def test_every_block_is_of_a_kind_this_test_runs():
    blocks = readme_blocks()
    assert {block.language for block in blocks} <= LANGUAGES, [b for b in blocks if b.language not in LANGUAGES]
    for block in blocks_of("json"):
        json.loads(block.text)
    for block in blocks_of("yaml"):  # CI recipes: parsed, not run
        assert yaml.safe_load(block.text), f"README line {block.line}: an empty YAML block"
    assert "pytest.ini" in project_files() and any(name.startswith("test_") for name in project_files())


def test_the_readmes_python_runs(tmp_path):
    """The named files make a project; every other python block becomes a test module in it."""
    write_project(tmp_path)
    expected = sum(text.count("\ndef test_") + text.startswith("def test_")
                   for name, text in project_files().items() if name.startswith("test_"))
    for block in blocks_of("python"):
        if block.file_name:
            continue
        if re.search(r"^def test_", block.text, re.MULTILINE):
            module = block.text
            expected += len(re.findall(r"^def test_", block.text, re.MULTILINE))
        else:
            module = SNIPPET_TEST.format(line=block.line, body=textwrap.indent(block.text, "    "))
            expected += 1
        (tmp_path / f"test_readme_line_{block.line}.py").write_text(module, encoding="utf-8")

    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=tmp_path,
                          env=environment(), capture_output=True, text=True, timeout=300)

    assert done.returncode == 0 and passed_count(done.stdout) == expected, done.stdout + done.stderr


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_readmes_commands_run(tmp_path):
    write_project(tmp_path)
    ran, skipped = [], set()
    with Served(fakeai_command(), "serve", "--port", "0", "--quiet") as served:
        address = served.base_url.removeprefix("http://").removesuffix("/v1")
        for block in blocks_of("bash"):
            for line, command in block.commands():
                if command in NOT_RUN:
                    skipped.add(command)
                    continue
                if SERVER_LINE.fullmatch(command):
                    continue  # the server this test started
                run_command(line, command.replace(README_ADDRESS, address), tmp_path)
                ran.append(command)
        served.stop()

    assert skipped == set(NOT_RUN), "NOT_RUN names commands the README no longer has"
    assert any(command.startswith("curl") for command in ran) and any("pytest" in command for command in ran)


def run_command(line: int, command: str, project: Path) -> None:
    """A command as a reader runs it: from the repository's root, or in their project for pytest.
    A curl line must get a 2xx answer."""
    is_curl = command.startswith("curl ")
    done = subprocess.run(["bash", "-c", command + (" -w '\\n%{http_code}'" if is_curl else "")],
                          cwd=project if command.startswith("python -m pytest") else ROOT,
                          env=environment(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"README line {line}: {command}\n{done.stdout}{done.stderr}"
    if is_curl:
        status = done.stdout.rpartition("\n")[2]
        assert status.startswith("2"), f"README line {line}: {command}\nHTTP {status}: {done.stdout}"


# --- the table of script actions ----------------------------------------------------------------

def script_action_rows() -> list[list[str]]:
    """The cells of each row of the README's table of script actions (Python | HTTP | The run)."""
    text = README.read_text(encoding="utf-8")
    table = text.split("| Python | HTTP", 1)[1].split("\n\n", 1)[0]
    return [re.split(r"(?<!\\)\|", row.strip())[1:-1] for row in table.splitlines()[2:]]


def http_forms(cell: str) -> list[dict]:
    return [json.loads(span) for span in re.findall(r"`(\{.*?\})`(?=,|\s|$)", cell)]


def test_the_table_has_every_script_action_in_python_and_http_form():
    rows = script_action_rows()
    python_names = [re.match(r"\s*`(\w+)\(", row[0]).group(1) for row in rows]
    http_names = {name for row in rows for form in http_forms(row[1]) for name in form}
    schema = load_schemas().documents["admin/Script.json"]

    assert http_names == set(schema["properties"]["actions"]["items"]["properties"])
    assert set(python_names) == http_names | {"respond"}  # a responder is Python code: no HTTP form


@pytest.mark.fake_openai(allow_unused_plans=True)
def test_every_http_form_in_the_table_is_accepted(fake_openai):
    forms = [form for row in script_action_rows() for form in http_forms(row[1])]
    assert len(forms) >= 12

    for form in forms:
        answer = httpx.post("https://api.openai.com/_fakeai/script", json={"actions": [form]},
                            headers={"Authorization": "Bearer sk-readme"})
        assert answer.status_code == 200, (form, answer.text)
        assert answer.json()["queued"] == 1
