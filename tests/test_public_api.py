"""The public API is typed, validated when configured, and says how to fix a missing piece."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from fakeai import FakeOpenAI

USER_FILE = '''
from fakeai import FakeOpenAI


def test_scripts_a_reply(fake_openai: FakeOpenAI) -> None:
    fake_openai.script.reply("Paris is the capital of France.", optional=True)
    plan = fake_openai.script.call_function("get_weather", {"city": "Paris"}, optional=True)
    plan.then_reply("Sunny.")
    fake_openai.script.replly("typo")
'''


def test_mypy_strict_checks_a_users_script_and_flags_a_misspelt_method(tmp_path):
    pytest.importorskip("mypy")
    user_file = tmp_path / "test_user.py"
    user_file.write_text(USER_FILE)

    checked = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent",
                              "--cache-dir", str(tmp_path / "cache"), str(user_file)],
                             capture_output=True, text=True, timeout=300, cwd=tmp_path)  # as installed

    assert checked.returncode == 1, checked.stdout + checked.stderr
    errors = [line for line in checked.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 1, checked.stdout
    assert errors[0].endswith('test_user.py:9: error: "Script" has no attribute "replly"; maybe "reply"?  [attr-defined]')


@pytest.mark.parametrize("option, value, message", [
    ("stream_chunk_size", 0, "FakeOpenAI(stream_chunk_size=0): expected a whole number >= 1"),
    ("poll_after_ms", -1, "FakeOpenAI(poll_after_ms=-1): expected a whole number >= 0"),
    ("max_file_bytes", "big", "FakeOpenAI(max_file_bytes='big'): expected a whole number >= 1"),
    ("bugs", "ignore", "FakeOpenAI(bugs='ignore'): expected 'raise' or 'respond'"),
])
def test_an_option_out_of_range_is_refused_when_given(option, value, message):
    with pytest.raises(ValueError) as refused:
        FakeOpenAI(**{option: value})

    assert str(refused.value) == message


def test_the_server_refuses_a_stream_chunk_size_of_zero():
    started = subprocess.run([sys.executable, "-m", "fakeai", "serve", "--port", "0", "--stream-chunk-size", "0"],
                             capture_output=True, text=True, timeout=60)

    assert started.returncode == 2
    assert "argument --stream-chunk-size: expected a whole number >= 1, not '0'" in started.stderr


def test_a_ready_client_without_the_openai_sdk_says_how_to_install_it():
    program = textwrap.dedent("""
        import sys
        sys.modules["openai"] = None  # as if the SDK were not installed
        from fakeai import FakeOpenAI
        try:
            FakeOpenAI().client
        except ModuleNotFoundError as missing:
            print(missing)
    """)
    ran = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60)

    assert ran.stdout.strip() == ("fakeai's ready clients (FakeOpenAI().client, .async_client) are clients of the "
                                  "openai SDK, which is not installed here: pip install openai")


def test_every_public_method_of_the_classes_tests_use_says_what_it_does():
    from fakeai.faults import Faults
    from fakeai.journal import Entry, Journal
    from fakeai.scripting import Plan, Script, Turn

    undocumented = [f"{cls.__name__}.{name}" for cls in (FakeOpenAI, Script, Plan, Turn, Journal, Entry, Faults)
                    for name, member in vars(cls).items()
                    if not name.startswith("_") and (callable(member) or isinstance(member, property))
                    and name != "discard" and not (member.__doc__ or "").strip()]

    assert undocumented == []


def test_pytest_markers_lists_every_option_the_marker_takes(pytester):
    listed = pytester.runpytest_subprocess("--markers", "-p", "no:cacheprovider")

    line = next(text for text in listed.stdout.lines if text.startswith("@pytest.mark.fake_openai("))
    options = line[len("@pytest.mark.fake_openai("):line.index(")")].split(", ")
    assert sorted(options) == sorted([
        "seed", "start_time", "real_clock", "api_keys", "models", "progression", "poll_after_ms", "namespaced",
        "stream_chunk_size", "bugs", "max_file_bytes", "max_body", "quirks", "journal_size", "tenant_ttl",
        "hosts", "base_urls", "allow_hosts", "block_network", "allow_unused_plans"])
