"""The inspector (/_fakeai/ui, and ``pytest --fakeai-html``) over real HTTP and in a real browser.

The state it shows is made with the real openai SDK against a real server: a scripted
function-calling run (requires_action -> submit_tool_outputs -> completed) and a refused request.
Expected texts come from the api-notes: the run's statuses (§8.2), E2's 404 for an unknown
assistant, E11/E12 for a missing or wrong key; masks follow E12's form, written out by hand.

Browser tests drive the system's Chromium through chromedriver (Debian: ``chromium`` and
``chromium-driver``), one browser for the module; they skip, saying so, where neither is installed.
With the openai 3.x SDK they also write docs/screenshots/ (the README shows one), twice each to check the bytes are the same.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import httpx
import openai
import pytest

from fakeai import FakeOpenAI
from fakeai.server import ServerThread

KEY_A, MASKED_A = "sk-alpha-0123456789abcdef-aaaa", "sk-alpha******************aaaa"
KEY_B = "sk-bravo-0123456789abcdef-bbbb"
KEY_SHOT = "sk-shots-0123456789abcdef-cccc"  # its own tenant: the screenshots see no other test's requests
WRONG_KEY, MASKED_WRONG = "sk-wrong-key-0123456789abcdef", "sk-wrong*****************cdef"
E11 = ("You didn't provide an API key. You need to provide your API key in an Authorization header using "
       "Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if "
       "you're accessing the API from your browser and are prompted for a username and password. You can "
       "obtain an API key from https://platform.openai.com/account/api-keys.")
E12 = (f"Incorrect API key provided: {MASKED_WRONG}. You can find your API key at "
       "https://platform.openai.com/account/api-keys.")
E2 = "No assistant found with id 'asst_missing'."
#: §8.2: create -> queued -> in_progress -> requires_action -> (outputs) queued -> in_progress -> completed
TIMELINE = ["queued", "in_progress", "requires_action", "queued", "in_progress", "completed"]
USER_TEXT = "What is the weather in <Paris> & Lyon?"
REPLY = "It is sunny in Paris: 22 C."
OUTPUT = '{"temperature": "22 C", "sky": "sunny"}'
WEATHER = {"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
#: The committed pictures are those of the SDK line the README installs (3.x): older lines send a
#: run's body keys in another order, which the journal shows as sent, so their pictures go elsewhere.
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots" \
    if int(openai.__version__.split(".")[0]) >= 3 else Path(tempfile.mkdtemp(prefix="fakeai-screenshots-"))


@pytest.fixture(scope="module")
def served():
    emulator = FakeOpenAI(namespaced=True, bugs="respond", api_keys=[KEY_A, KEY_B, KEY_SHOT])
    with ServerThread(emulator.app) as server:
        yield emulator, server.base_url.removesuffix("/v1")
    assert emulator.problems == []


def conversation(root: str, key: str) -> dict:
    """What a test with agent code leaves behind: a function call answered, a reply, a refusal."""
    client = openai.OpenAI(base_url=root + "/v1", api_key=key, max_retries=0)
    assistant = client.beta.assistants.create(model="gpt-4o", name="Weather", tools=[WEATHER])
    thread = client.beta.threads.create(messages=[{"role": "user", "content": USER_TEXT}])
    script = httpx.post(root + "/_fakeai/script", headers={"Authorization": f"Bearer {key}"}, json={
        "thread_id": thread.id, "actions": [{"call_function": {"name": "get_weather", "arguments": {"city": "Paris"}}},
                                            {"reply": REPLY}]})
    assert script.status_code == 200, script.text
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
    assert run.status == "requires_action"
    call = run.required_action.submit_tool_outputs.tool_calls[0]
    run = client.beta.threads.runs.submit_tool_outputs_and_poll(
        thread_id=thread.id, run_id=run.id, tool_outputs=[{"tool_call_id": call.id, "output": OUTPUT}])
    assert run.status == "completed"
    with pytest.raises(openai.NotFoundError):
        client.beta.threads.runs.create(thread_id=thread.id, assistant_id="asst_missing")
    return {"thread": thread.id, "run": run.id, "call": call.id}


@pytest.fixture(scope="module")
def made(served):
    """Tenant A's conversation, and one thread of tenant B's."""
    _, root = served
    ids = conversation(root, KEY_A)
    other = openai.OpenAI(base_url=root + "/v1", api_key=KEY_B, max_retries=0)
    # Every tenant draws ids from the same seed: B's first thread would have A's thread's id.
    other.beta.threads.delete(other.beta.threads.create().id)
    ids["other_thread"] = other.beta.threads.create(messages=[{"role": "user", "content": "Bravo's own thread"}]).id
    return ids


def get(root: str, path: str, key: str | None = KEY_A, **headers) -> httpx.Response:
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    return httpx.get(root + path, headers=headers)


# --- over HTTP ---------------------------------------------------------------------------------------

def test_the_overview_names_the_tenant_masked_and_counts_what_it_holds(served, made):
    _, root = served
    answer = get(root, "/_fakeai/ui?format=json").json()
    assert answer["tenant"] == {"key": MASKED_A, "project": None, "shared": False}
    assert answer["counts"] == {"assistants": 1, "threads": 1, "messages": 2, "runs": 1, "files": 0,
                                "vector_stores": 0, "requests": answer["counts"]["requests"], "requests_dropped": 0,
                                "refused_requests": 1, "faults_pending": 0, "plans_pending": 0}
    page = get(root, "/_fakeai/ui/").text
    assert MASKED_A in page and KEY_A not in page


def test_a_run_is_a_timeline_of_its_statuses_and_steps(served, made):
    _, root = served
    answer = get(root, f"/_fakeai/ui/threads/{made['thread']}/runs/{made['run']}",
                 Accept="application/json").json()
    assert [item["status"] for item in answer["statuses"]] == TIMELINE
    assert all(item["at"] == 1735689600 for item in answer["statuses"])  # fakeai's clock did not move
    calls, reply = answer["steps"]
    assert calls["step_details"]["tool_calls"] == [{"id": made["call"], "type": "function", "function": {
        "name": "get_weather", "arguments": '{"city": "Paris"}', "output": OUTPUT}}]
    assert answer["messages"][reply["step_details"]["message_creation"]["message_id"]]["content"][0]["text"][
        "value"] == REPLY
    page = get(root, f"/_fakeai/ui/threads/{made['thread']}/runs/{made['run']}").text
    assert "get_weather" in page and "&quot;temperature&quot;: &quot;22 C&quot;" in page
    assert "queued</strong>" in page and "requires_action</strong>" in page


def test_the_run_answer_of_the_api_does_not_show_the_timeline(served, made):
    _, root = served
    run = httpx.get(f"{root}/v1/threads/{made['thread']}/runs/{made['run']}",
                    headers={"Authorization": f"Bearer {KEY_A}", "OpenAI-Beta": "assistants=v2"}).json()
    assert "statuses" not in run and run["status"] == "completed"


def test_a_thread_is_a_chat_with_every_text_escaped(served, made):
    _, root = served
    page = get(root, f"/_fakeai/ui/threads/{made['thread']}").text
    assert "What is the weather in &lt;Paris&gt; &amp; Lyon?" in page
    assert "<Paris>" not in page
    assert page.index("What is the weather") < page.index(REPLY)  # oldest first, as a chat reads
    answer = get(root, f"/_fakeai/ui/threads/{made['thread']}?format=json").json()
    assert [message["role"] for message in answer["messages"]] == ["user", "assistant"]
    assert [run["id"] for run in answer["runs"]] == [made["run"]]


def test_threads_are_listed_newest_first_and_paged(served, made):
    emulator, root = served
    client = openai.OpenAI(base_url=root + "/v1", api_key=KEY_B, max_retries=0)
    newer = client.beta.threads.create(metadata={"n": "2"}).id
    first = get(root, "/_fakeai/ui/threads?limit=1&format=json", key=KEY_B).json()
    assert [item["id"] for item in first["data"]] == [newer] and first["has_more"] is True
    second = get(root, f"/_fakeai/ui/threads?limit=1&after={newer}&format=json", key=KEY_B).json()
    assert [item["id"] for item in second["data"]] == [made["other_thread"]] and second["has_more"] is False
    client.beta.threads.delete(newer)


def test_the_journal_marks_refusals_in_words_and_filters_them(served, made):
    _, root = served
    refused = get(root, "/_fakeai/ui/journal?status=refused&format=json").json()
    [entry] = refused["data"]
    assert (entry["method"], entry["status"], entry["error"]) == ("POST", 404, E2)
    assert entry["path"] == f"/v1/threads/{made['thread']}/runs"
    assert entry["body"] == {"assistant_id": "asst_missing"}
    page = get(root, "/_fakeai/ui/journal?status=4xx&method=post").text
    assert "refused 404" in page and f"Error: {E2}".replace("'", "&#x27;") in page
    by_path = get(root, "/_fakeai/ui/journal?path=/threads/*/runs/*/submit_tool_outputs&format=json").json()
    assert [(e["method"], e["status"]) for e in by_path["data"]] == [("POST", 200)]


@pytest.mark.parametrize("query, message", [
    ("status=abc", "status='abc' is not a status filter: give a status (404), a class (4xx) or 'refused' "
                   "(every status >= 400)"),
    ("limit=0", "limit='0' is not a whole number from 1 to 1000"),
    ("stauts=404", "Unknown query parameter 'stauts' for this page (it takes status, path, method, limit, before)."),
])
def test_a_filter_typed_wrong_is_refused_saying_how_to_fix_it(served, made, query, message):
    _, root = served
    answer = get(root, f"/_fakeai/ui/journal?{query}&format=json")
    assert answer.status_code == 400 and answer.json()["error"]["message"] == message
    page = get(root, f"/_fakeai/ui/journal?{query}")
    assert page.status_code == 400 and "Cannot show this page" in page.text


def test_without_an_accepted_key_the_answer_is_the_apis_401(served, made):
    _, root = served
    assert get(root, "/_fakeai/ui", key=None, Accept="application/json").json()["error"]["message"] == E11
    wrong = get(root, "/_fakeai/ui/threads", key=WRONG_KEY, Accept="application/json")
    assert wrong.status_code == 401 and wrong.json() == {"error": {
        "message": E12, "type": "invalid_request_error", "param": None, "code": "invalid_api_key"}}
    page = get(root, "/_fakeai/ui/threads", key=None)
    assert page.status_code == 401 and 'name="key"' in page.text and 'value="/_fakeai/ui/threads"' in page.text


def test_another_keys_objects_are_not_found(served, made):
    _, root = served
    answer = get(root, f"/_fakeai/ui/threads/{made['thread']}?format=json", key=KEY_B)
    assert answer.status_code == 404
    assert answer.json()["error"]["message"] == f"No thread found with id '{made['thread']}' for this key."
    assert made["thread"] not in get(root, "/_fakeai/ui/threads", key=KEY_B).text


def test_a_shared_server_shows_its_one_state_to_accepted_keys_only():
    emulator = FakeOpenAI(bugs="respond", api_keys=[KEY_A, KEY_B])  # fakeai serve --shared --api-key ...
    with ServerThread(emulator.app) as server:
        root = server.base_url.removesuffix("/v1")
        openai.OpenAI(base_url=server.base_url, api_key=KEY_A, max_retries=0).beta.threads.create()
        seen = get(root, "/_fakeai/ui/threads?format=json", key=KEY_B).json()
        assert seen["tenant"]["shared"] is True and seen["total"] == 1
        assert get(root, "/_fakeai/ui/threads?format=json", key=WRONG_KEY).status_code == 401


def test_the_login_form_sets_a_strict_httponly_cookie_for_the_inspector_only(served, made):
    _, root = served
    answer = httpx.post(root + "/_fakeai/ui/login", data={"key": KEY_A, "next": "/_fakeai/ui/journal"})
    assert answer.status_code == 303 and answer.headers["location"] == "/_fakeai/ui/journal"
    cookie = answer.headers.get_list("set-cookie")[0]
    assert cookie == f"fakeai_ui_key={KEY_A}; Path=/_fakeai/ui; HttpOnly; SameSite=Strict"
    with httpx.Client(base_url=root, cookies={"fakeai_ui_key": KEY_A}) as browser_like:
        assert browser_like.get("/_fakeai/ui?format=json").json()["tenant"]["key"] == MASKED_A
    away = httpx.post(root + "/_fakeai/ui/login", data={"key": KEY_A, "next": "//example.com/"})
    assert away.headers["location"] == "/_fakeai/ui/"
    refused = httpx.post(root + "/_fakeai/ui/login", data={"key": WRONG_KEY})
    assert refused.status_code == 401 and "set-cookie" not in refused.headers
    assert E12.replace("'", "&#x27;") in refused.text


def test_a_page_is_answered_304_while_it_is_unchanged(served, made):
    _, root = served
    first = get(root, "/_fakeai/ui/waiting?format=json")
    again = get(root, "/_fakeai/ui/waiting?format=json", **{"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and first.json()["version"] in first.headers["etag"]


def test_faults_and_plans_still_waiting_are_shown(served, made):
    _, root = served
    headers = {"Authorization": f"Bearer {KEY_B}"}
    httpx.post(root + "/_fakeai/faults", headers=headers, json={"status": 503, "path": "/vector_stores"})
    httpx.post(root + "/_fakeai/script", headers=headers, json={"optional": True, "actions": [{"reply": "Later."}]})
    try:
        answer = get(root, "/_fakeai/ui/waiting?format=json", key=KEY_B).json()
        assert [(f["status"], f["path"]) for f in answer["faults"]] == [(503, "/vector_stores")]
        assert answer["plans"] == [{"optional": True, "actions": [{"reply": "Later."}]}]
    finally:
        httpx.delete(root + "/_fakeai/faults", headers=headers)
        httpx.delete(root + "/_fakeai/script", headers=headers)


# --- in a browser ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if missing:
        pytest.skip(f"no browser installed ({', '.join(missing)} missing; Debian: apt-get install chromium "
                    "chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="fakeai-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={profile}", "--window-size=1100,1000", "--hide-scrollbars",
                 "--force-device-scale-factor=1", "--font-render-hinting=none", "--lang=en-US"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def log_in(driver, key: str) -> None:
    """Through the form, as a person does (the key field, then Enter)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    field = driver.find_element(By.ID, "login-key")
    field.clear()
    field.send_keys(key, Keys.ENTER)


def open_as(driver, root: str, key: str, page: str, title: str) -> None:
    """A fresh browser session: the key form, then ``page`` (its title shows ``title``)."""
    driver.delete_all_cookies()
    driver.get(f"{root}/_fakeai/ui/login?next={page}")
    log_in(driver, key)
    assert wait_for(lambda: title in driver.title), driver.title


def wait_for(check, seconds: float = 5.0):
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def text_of(driver) -> str:
    from selenium.webdriver.common.by import By
    return driver.find_element(By.TAG_NAME, "body").text


def test_in_a_browser_a_key_shows_its_thread_its_runs_timeline_and_refusals(browser, served, made):
    from selenium.webdriver.common.by import By

    _, root = served
    browser.delete_all_cookies()
    browser.get(f"{root}/_fakeai/ui/threads/{made['thread']}")
    assert "Enter an API key" in browser.title
    log_in(browser, KEY_A)
    assert wait_for(lambda: made["thread"] in browser.title)
    page = text_of(browser)
    assert USER_TEXT in page and REPLY in page and MASKED_A in page
    browser.find_element(By.LINK_TEXT, made["run"]).click()
    assert wait_for(lambda: made["run"] in browser.title)
    timeline = [item.text.split(": ")[-1] for item in browser.find_elements(By.CSS_SELECTOR, ".timeline li")]
    assert timeline == TIMELINE
    page = text_of(browser)
    assert "Function get_weather" in page and '"city": "Paris"' in page and '"sky": "sunny"' in page
    browser.find_element(By.LINK_TEXT, "Journal").click()
    assert wait_for(lambda: "Journal" in browser.title)
    page = text_of(browser)
    assert f"POST /v1/threads/{made['thread']}/runs refused 404" in page and f"Error: {E2}" in page


def test_in_a_browser_another_keys_tenant_shows_only_once_its_key_is_entered(browser, served, made):
    from selenium.webdriver.common.by import By

    _, root = served
    open_as(browser, root, KEY_A, "/_fakeai/ui/", "Overview")
    browser.get(f"{root}/_fakeai/ui/threads")
    assert made["other_thread"] not in text_of(browser)
    browser.get(f"{root}/_fakeai/ui/threads/{made['other_thread']}")
    assert "Not found" in browser.title
    browser.find_element(By.XPATH, "//button[text()='Forget key']").click()
    assert wait_for(lambda: "Enter an API key" in browser.title)
    log_in(browser, KEY_B)
    browser.get(f"{root}/_fakeai/ui/threads/{made['other_thread']}")
    assert "Bravo's own thread" in text_of(browser)


def test_in_a_browser_the_journal_filter_works_with_tab_and_enter(browser, served, made):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    _, root = served
    open_as(browser, root, KEY_A, "/_fakeai/ui/journal", "Journal")
    tabs = 0
    while browser.switch_to.active_element.get_attribute("id") != "filter-status":
        ActionChains(browser).send_keys(Keys.TAB).perform()
        tabs += 1
        assert tabs < 20, "Tab never reached the status filter"
    ActionChains(browser).send_keys("refused", Keys.ENTER).perform()
    assert wait_for(lambda: "status=refused" in browser.current_url)
    page = text_of(browser)
    assert "Showing 1 of 1 matching requests" in page and "refused 404" in page


def test_in_a_browser_the_page_follows_new_requests(browser, served, made):
    _, root = served
    open_as(browser, root, KEY_B, "/_fakeai/ui/journal", "Journal")
    client = openai.OpenAI(base_url=root + "/v1", api_key=KEY_B, max_retries=0)
    thread = client.beta.threads.create(metadata={"seen": "live"})
    assert wait_for(lambda: '"seen": "live"' in text_of(browser)), "the journal page did not update by itself"
    client.beta.threads.delete(thread.id)


def screenshot(driver, name: str) -> bytes:
    """The page as PNG, taken twice (the same bytes, or the picture is not deterministic), written to
    SCREENSHOTS only when it changed."""
    first, second = driver.get_screenshot_as_png(), driver.get_screenshot_as_png()
    assert first == second
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    if not path.exists() or path.read_bytes() != first:
        path.write_bytes(first)
    return first


def test_screenshots_of_the_thread_and_journal_views(browser):
    """A fresh server and tenant, so the pictures show only this conversation."""
    emulator = FakeOpenAI(namespaced=True, bugs="respond")
    with ServerThread(emulator.app) as server:
        root = server.base_url.removesuffix("/v1")
        ids = conversation(root, KEY_SHOT)
        open_as(browser, root, KEY_SHOT, f"/_fakeai/ui/threads/{ids['thread']}", ids["thread"])
        assert screenshot(browser, "inspector-thread.png").startswith(b"\x89PNG")
        browser.get(f"{root}/_fakeai/ui/threads/{ids['thread']}/runs/{ids['run']}")
        screenshot(browser, "inspector-run.png")
        browser.get(f"{root}/_fakeai/ui/journal?status=&path=%2Fruns&method=POST")
        screenshot(browser, "inspector-journal.png")


# --- pytest --fakeai-html ----------------------------------------------------------------------------

FAILING_TEST = '''
    import openai

    def test_agent_answers(fake_openai):
        client = openai.OpenAI(max_retries=0)
        fake_openai.script.call_function("get_weather", {"city": "Paris"}).then_reply("It is sunny in Paris.")
        assistant = client.beta.assistants.create(model="gpt-4o", tools=[%r])
        thread = client.beta.threads.create(messages=[{"role": "user", "content": "Weather in <Paris>?"}])
        run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
        call = run.required_action.submit_tool_outputs.tool_calls[0]
        client.beta.threads.runs.submit_tool_outputs_and_poll(
            thread_id=thread.id, run_id=run.id, tool_outputs=[{"tool_call_id": call.id, "output": "22 C"}])
        assert client.beta.threads.messages.list(thread_id=thread.id).data[0].content[0].text.value == "Rain"

    def test_passes(fake_openai):
        pass
''' % (WEATHER,)


def run_pytest(directory: Path, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly",
                           "-p", "no:xdist", "-p", "no:hypothesispytest", "-q", *arguments], cwd=directory, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}, timeout=120)


@pytest.fixture(scope="module")
def failing_suite(tmp_path_factory):
    directory = tmp_path_factory.mktemp("suite")
    (directory / "test_agent.py").write_text(textwrap.dedent(FAILING_TEST))
    done = run_pytest(directory, "--fakeai-html=reports", "test_agent.py")
    return directory, done


def test_fakeai_html_writes_one_file_per_failing_test_and_the_report_names_it(failing_suite):
    directory, done = failing_suite
    assert done.returncode == 1, done.stdout + done.stderr
    written = sorted(path.name for path in (directory / "reports").iterdir())
    assert written == ["test_agent.py__test_agent_answers.html"]
    report = directory / "reports" / written[0]
    assert "fakeai inspector" in done.stdout and str(report) in done.stdout
    text = report.read_text()
    assert "Weather in &lt;Paris&gt;?" in text and "<Paris>" not in text
    assert "<script" not in text and "http://" not in text and "https://" not in text.replace(
        "https://platform.openai.com/account/api-keys", "")


def test_fakeai_html_refuses_a_file_for_a_folder(pytester):
    pytester.makefile("", taken="")
    pytester.makepyfile(test_x="def test_x():\n    pass\n")
    done = pytester.runpytest("--fakeai-html=taken", "-p", "no:xdist")
    assert done.ret == pytest.ExitCode.USAGE_ERROR
    done.stderr.fnmatch_lines(["ERROR: --fakeai-html=taken: */taken is a file; give a folder (made if missing)"])


def test_the_fakeai_html_file_opens_offline_in_the_browser(browser, failing_suite):
    from selenium.webdriver.common.by import By

    directory, _ = failing_suite
    report = directory / "reports" / "test_agent.py__test_agent_answers.html"
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.emulateNetworkConditions", {
        "offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0})
    try:
        browser.get(report.as_uri())
        page = text_of(browser)
        assert "Weather in <Paris>?" in page and "It is sunny in Paris." in page
        assert "Function get_weather" in page and "refused" not in page.split("Journal", 1)[0]
        assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0
        timeline = [item.text.split(": ")[-1] for item in browser.find_elements(By.CSS_SELECTOR, ".timeline li")]
        assert timeline == TIMELINE
    finally:
        browser.execute_cdp_cmd("Network.emulateNetworkConditions", {
            "offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
