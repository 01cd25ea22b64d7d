"""`fakeai serve` as a user starts it: a real process, a real socket, the real SDK."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

import httpx
import openai
import pytest

QUANTUM = "Explain quantum computing in simple terms."


class Served:
    """``fakeai serve --port 0 ...`` in a child process; ``base_url`` is its first printed line."""

    def __init__(self, *command: str):
        self.process = subprocess.Popen(list(command), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True)
        self.base_url = self.process.stdout.readline().strip()

    def stop(self, how=signal.SIGTERM) -> int:
        self.process.send_signal(how)
        return self.process.wait(timeout=10)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()
        self.process.stderr.close()


def fakeai_command() -> str:
    return shutil.which("fakeai", path=os.path.dirname(sys.executable)) or "fakeai"


@pytest.mark.parametrize("command", [[fakeai_command()], [sys.executable, "-m", "fakeai"]],
                         ids=["fakeai", "python -m fakeai"])
def test_serve_prints_the_base_url_first_and_answers_the_api_reference_example(command):
    with Served(*command, "serve", "--port", "0") as served:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/v1", served.base_url)
        client = openai.OpenAI(base_url=served.base_url, api_key="sk-anything")

        thread = client.beta.threads.create(messages=[{"role": "user", "content": QUANTUM}])

        assert thread.object == "thread"
        assert isinstance(thread.created_at, int)
        assert thread.metadata == {}
        assert client.beta.threads.with_raw_response.retrieve(thread.id).http_response.json()[
            "tool_resources"] == {}
        [message] = client.beta.threads.messages.list(thread.id)
        assert message.content[0].text.value == QUANTUM
        assert served.stop(signal.SIGTERM) == 0


def test_ctrl_c_stops_the_server_cleanly():
    with Served(fakeai_command(), "serve", "--port", "0", "--quiet") as served:
        assert served.stop(signal.SIGINT) == 0
        assert "Traceback" not in served.process.stderr.read()


def test_the_seed_option_makes_the_ids_of_two_servers_equal():
    def first_thread_id(seed: str) -> str:
        with Served(fakeai_command(), "serve", "--port", "0", "--seed", seed, "--quiet") as served:
            thread_id = openai.OpenAI(base_url=served.base_url, api_key="k").beta.threads.create().id
            served.stop()
            return thread_id

    assert first_thread_id("42") == first_thread_id("42") != first_thread_id("43")


def test_api_key_options_restrict_the_accepted_keys():
    with Served(fakeai_command(), "serve", "--port", "0", "--api-key", "sk-good", "--quiet") as served:
        openai.OpenAI(base_url=served.base_url, api_key="sk-good").beta.threads.create()
        with pytest.raises(openai.AuthenticationError) as refused:
            openai.OpenAI(base_url=served.base_url, api_key="sk-bad-key-123456").beta.threads.create()
        assert refused.value.code == "invalid_api_key"
        served.stop()


def test_sigint_stops_a_server_that_a_script_started_in_the_background():
    # A non-interactive shell starts a background job with SIGINT ignored; the server must still stop.
    script = f'"{fakeai_command()}" serve --port 0 --quiet & echo $!; wait $!; echo "exit $?"'
    with subprocess.Popen(["sh", "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as shell:
        pid = int(shell.stdout.readline())
        base_url = shell.stdout.readline().strip()
        openai.OpenAI(base_url=base_url, api_key="k").beta.threads.create()

        os.kill(pid, signal.SIGINT)

        try:
            said = shell.stdout.readline().strip()
        finally:
            if shell.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        errors = shell.stderr.read()
        assert said == "exit 0", errors
        assert "Traceback" not in errors


@pytest.mark.parametrize("engine", ["waitress", "werkzeug", "granian"])
@pytest.mark.parametrize("quiet", [True, False], ids=["quiet", "logging"])
def test_quiet_silences_the_log_of_each_request_with_every_engine(engine, quiet):
    with Served(fakeai_command(), "serve", "--port", "0", "--engine", engine, *(["--quiet"] if quiet else [])) as served:
        client = openai.OpenAI(base_url=served.base_url, api_key="k", max_retries=0)
        thread = client.beta.threads.create()
        with pytest.raises(openai.NotFoundError):
            client.beta.threads.retrieve("thread_" + "0" * 24)
        assert served.stop() == 0
        log = served.process.stderr.read()

    if quiet:
        assert log == ""
    else:
        assert re.search(r"^POST /v1/threads 200 ", log, re.MULTILINE)
        assert re.search(rf"^GET /v1/threads/thread_0{{24}} 404 ", log, re.MULTILINE)
        assert thread.id not in log


@pytest.mark.parametrize("engine", ["waitress", "granian"])
def test_threads_sets_how_many_requests_are_served_at_once(engine):
    # One thread, held by a request sleeping on a latency fault: another key's request waits for it.
    with Served(fakeai_command(), "serve", "--port", "0", "--quiet", "--engine", engine, "--threads", "1") as served:
        root = served.base_url.removesuffix("/v1")
        added = httpx.post(root + "/_fakeai/faults", headers={"Authorization": "Bearer sk-slow"},
                           json={"latency_ms": 4000, "sleep": True, "path": "/threads"})
        assert added.status_code == 200, added.text
        slow = openai.OpenAI(base_url=served.base_url, api_key="sk-slow", max_retries=0)
        answered = []
        sleeper = threading.Thread(target=lambda: answered.append(slow.beta.threads.create()), daemon=True)
        sleeper.start()
        time.sleep(1)  # the slow request is on the server's only thread by now
        other = openai.OpenAI(base_url=served.base_url, api_key="sk-other", max_retries=0, timeout=1.5)

        with pytest.raises(openai.APITimeoutError):
            other.beta.threads.create()

        sleeper.join(10)
        assert [thread.object for thread in answered] == ["thread"]
        assert other.beta.threads.create().object == "thread"  # served once the thread is free
        assert served.stop() == 0


def test_threads_is_refused_for_werkzeug_which_has_no_thread_count():
    finished = subprocess.run([fakeai_command(), "serve", "--engine", "werkzeug", "--threads", "4"],
                              capture_output=True, text=True, timeout=30)
    assert finished.returncode == 2
    assert "--threads" in finished.stderr and "--engine waitress" in finished.stderr
