"""The admin API (/_fakeai/) over real HTTP: authenticated like the API, acting only on the caller's
tenant and saying which, reading bodies as JSON whatever their Content-Type, listing and clearing
queued plans; and secrets masked wherever requests are shown (the journal, its exports, errors).

Expected messages are E11/E12 of api-notes §10; masks follow E12's form (first 8, a star for each
hidden character, last 4), written out by hand.
"""

from __future__ import annotations

import http.client
import json
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import openai
import pytest

from fakeai import FakeOpenAI
from fakeai.validation import load_schemas
from tests.test_cli import Served, fakeai_command

E11 = ("You didn't provide an API key. You need to provide your API key in an Authorization header using "
       "Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if "
       "you're accessing the API from your browser and are prompted for a username and password. You can "
       "obtain an API key from https://platform.openai.com/account/api-keys.")
KEYS_URL = "https://platform.openai.com/account/api-keys"
KEY_A, MASKED_A = "sk-alpha-0123456789abcdef-aaaa", "sk-alpha******************aaaa"
KEY_B, MASKED_B = "sk-bravo-0123456789abcdef-bbbb", "sk-bravo******************bbbb"
WRONG_KEY = "sk-wrong-key-0123456789abcdef"
BETA = {"OpenAI-Beta": "assistants=v2"}
#: One call per kind of admin action: reading, changing, injecting.
ADMIN_CALLS = [("GET", "journal", None), ("GET", "state", None), ("GET", "script", None),
               ("POST", "reset", {}), ("POST", "faults", {"status": 500, "path": "/threads"}),
               ("POST", "script", {"actions": [{"reply": "Injected."}]}), ("DELETE", "script", None),
               ("POST", "clock", {"advance": 60})]


def envelope(message: str, code: str | None = None) -> dict:
    return {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": code}}


def tenant(masked_key: str, project: str | None = None, shared: bool = False) -> dict:
    return {"key": masked_key, "project": project, "shared": shared}


@pytest.fixture
def server(live_server):
    """A namespaced emulator (one state per key and project, as `fakeai serve`) on a real socket."""
    live_server.emulator = emulator = FakeOpenAI(namespaced=True, bugs="respond")
    yield live_server
    live_server.emulator = None
    assert emulator.problems == []


@pytest.fixture
def admin(server):
    """``admin(key=None, project=None)``: an httpx client on /_fakeai/ with that key (none: no header)."""
    opened = []

    def open_admin(key: str | None = None, project: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key}".rstrip()} if key is not None else {}  # "": a bare Bearer
        if project:
            headers["OpenAI-Project"] = project
        opened.append(httpx.Client(base_url=server.base_url.removesuffix("/v1") + "/_fakeai/", headers=headers))
        return opened[-1]

    yield open_admin
    for client in opened:
        client.close()


def call(client: httpx.Client, method: str, name: str, body=None) -> httpx.Response:
    return client.request(method, name, json=body) if body is not None else client.request(method, name)


def ok(response: httpx.Response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()


# --- authentication -------------------------------------------------------------------------------

@pytest.mark.parametrize("method, name, body", ADMIN_CALLS, ids=[f"{m} {n}" for m, n, _ in ADMIN_CALLS])
def test_an_admin_call_without_a_key_is_refused_as_the_api_refuses_it(server, admin, method, name, body):
    refused = call(admin(), method, name, body)

    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/json"
    assert refused.json() == envelope(E11)
    emulator = server.emulator  # nothing reached the state a keyless call used to reach
    assert (emulator.faults.pending, emulator.script.pending(), emulator.now()) == ([], 0, 1_735_689_600)


@pytest.mark.parametrize("method, name, body", ADMIN_CALLS, ids=[f"{m} {n}" for m, n, _ in ADMIN_CALLS])
def test_an_admin_call_with_a_key_the_server_does_not_accept_is_refused_with_e12(server, admin, method, name,
                                                                                body):
    server.emulator.app.api_keys = {KEY_A}
    wrong = call(admin(WRONG_KEY), method, name, body)
    empty = call(admin(""), method, name, body)

    assert wrong.status_code == empty.status_code == 401
    assert wrong.json() == envelope(
        f"Incorrect API key provided: sk-wrong*****************cdef. You can find your API key at {KEYS_URL}.",
        "invalid_api_key")
    assert empty.json() == envelope(f"Incorrect API key provided: ''. You can find your API key at {KEYS_URL}.",
                                    "invalid_api_key")
    assert ok(admin(KEY_A).get("script")) == {"object": "list", "data": [], "pending": 0,
                                               "tenant": tenant(MASKED_A)}


def test_an_api_key_glued_to_bearer_is_no_key(admin):
    refused = admin().get("journal", headers={"Authorization": f"Bearer{KEY_A}"})

    assert (refused.status_code, refused.json()) == (401, envelope(E11))


def test_shared_serve_with_an_api_key_admits_only_that_key():
    """`fakeai serve --shared --api-key K`: one state for every accepted key, none for the others."""
    with Served(fakeai_command(), "serve", "--port", "0", "--quiet", "--shared", "--api-key", KEY_A) as served:
        root = served.base_url.removesuffix("/v1")
        with httpx.Client(base_url=root) as http:
            keyless = http.get("/_fakeai/state")
            wrong = http.post("/_fakeai/reset", json={}, headers={"Authorization": f"Bearer {KEY_B}"})
            accepted = http.get("/_fakeai/journal", headers={"Authorization": f"Bearer {KEY_A}"})
        served.stop()

    assert (keyless.status_code, keyless.json()) == (401, envelope(E11))
    assert (wrong.status_code, wrong.json()) == (401, envelope(
        f"Incorrect API key provided: {MASKED_B}. You can find your API key at {KEYS_URL}.", "invalid_api_key"))
    assert ok(accepted) == {"object": "list", "data": [], "tenant": tenant(MASKED_A, shared=True)}


def test_in_process_any_key_reaches_the_one_state_and_no_key_is_refused(fake_openai):
    fake_openai.script.reply("Scripted in Python.", optional=True)
    with httpx.Client(base_url="https://api.openai.com/_fakeai/") as http:
        listed = http.get("script", headers={"Authorization": "Bearer sk-anything-at-all-0123456789"})
        keyless = http.get("script")

    assert ok(listed) == {"object": "list", "data": [{"optional": True, "actions": [{"reply": "Scripted in Python."}]}],
                          "pending": 1, "tenant": tenant("sk-anyth*****************6789", shared=True)}
    assert (keyless.status_code, keyless.json()) == (401, envelope(E11))


# --- one key, one tenant ---------------------------------------------------------------------------

def test_a_key_cannot_read_reset_or_inject_into_another_keys_tenant(server, admin):
    a, b = admin(KEY_A), admin(KEY_B)
    with openai.OpenAI(base_url=server.base_url, api_key=KEY_A, max_retries=0) as sdk_a:
        thread = sdk_a.beta.threads.create(metadata={"owner": "a"})
        ok(a.post("script", json={"actions": [{"reply": "For A."}]}))

        state_b, journal_b, script_b = ok(b.get("state")), ok(b.get("journal")), ok(b.get("script"))
        assert (state_b["threads"], journal_b["data"], script_b["data"]) == ([], [], [])
        assert state_b["tenant"] == journal_b["tenant"] == script_b["tenant"] == tenant(MASKED_B)

        assert ok(b.post("reset", json={})) == {"reset": True, "tenant": tenant(MASKED_B)}
        assert ok(b.delete("journal")) == {"deleted": True, "tenant": tenant(MASKED_B)}
        assert ok(b.delete("script")) == {"deleted": True, "count": 0, "tenant": tenant(MASKED_B)}
        ok(b.post("faults", json={"status": 500, "path": "/threads/*", "times": None}))
        ok(b.post("clock", json={"advance": 3600}))

        assert sdk_a.beta.threads.retrieve(thread.id).metadata == {"owner": "a"}  # no fault of B's
    state_a = ok(a.get("state"))
    assert [record["thread"]["id"] for record in state_a["threads"]] == [thread.id]
    assert (state_a["now"], state_a["scripted_plans_pending"], state_a["tenant"]) == (
        1_735_689_600, 1, tenant(MASKED_A))
    assert [entry["operation"] for entry in ok(a.get("journal"))["data"]] == ["createThread", "getThread"]
    assert ok(a.get("faults"))["data"] == []


def test_the_same_key_with_another_project_is_another_tenant(server, admin):
    ok(admin(KEY_A).post("script", json={"actions": [{"reply": "No project."}]}))

    in_project = ok(admin(KEY_A, project="proj_one").get("script"))

    assert in_project == {"object": "list", "data": [], "pending": 0, "tenant": tenant(MASKED_A, "proj_one")}


def test_a_refused_admin_call_creates_no_tenant(server, admin):
    server.emulator.app.api_keys = {KEY_A}
    for key in (WRONG_KEY, "", None):
        call(admin(key), "POST", "script", {"actions": [{"reply": "Lost."}]})

    assert len(server.emulator.app.tenants) == 0


# --- bodies without Content-Type -------------------------------------------------------------------

def raw_post(base_url: str, path: str, body: bytes, headers: dict) -> tuple[int, dict]:
    """A POST with exactly these headers (http.client adds only Host, Accept-Encoding, Content-Length)."""
    url = urlsplit(base_url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


@pytest.mark.parametrize("content_type", [None, "application/x-www-form-urlencoded", "text/plain"],
                         ids=["no Content-Type", "curl -d's form type", "text/plain"])
def test_an_admin_body_is_json_whatever_its_content_type(server, admin, content_type):
    headers = {"Authorization": f"Bearer {KEY_A}", **({"Content-Type": content_type} if content_type else {})}

    status, answer = raw_post(server.base_url, "/_fakeai/script", b'{"actions": [{"reply": "Sent bare."}]}',
                              headers)

    assert (status, answer) == (200, {"queued": 1, "pending": 1, "tenant": tenant(MASKED_A)})
    assert ok(admin(KEY_A).get("script"))["data"] == [{"actions": [{"reply": "Sent bare."}]}]


def test_an_admin_body_that_is_not_json_is_the_apis_400_and_changes_nothing(server, admin):
    status, answer = raw_post(server.base_url, "/_fakeai/script", b"actions=reply",
                              {"Authorization": f"Bearer {KEY_A}"})

    assert (status, answer) == (400, envelope(
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP "
        "library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you "
        "have trouble figuring out how to fix this, please contact us through our help center at "
        "help.openai.com.)"))
    assert ok(admin(KEY_A).get("script"))["pending"] == 0


# --- GET / DELETE /_fakeai/script ------------------------------------------------------------------

SCRIPTED = [  # as posted, in an order that is not the listing's
    {"actions": [{"reply": "Any thread, first."}]},
    {"assistant_id": "asst_helper", "progression": "reads:2",
     "actions": [{"call_function": {"name": "lookup", "arguments": {"id": 7}}}, {"reply": "Found it."}]},
    {"thread_id": "thread_one", "actions": [{"fail": {"code": "rate_limit_exceeded", "message": "Slow down."}}]},
    {"actions": [{"search": {"query": "manual"}}, {"stop_incomplete": {"reason": "max_prompt_tokens"}}]},
    {"thread_id": "thread_one", "actions": [
        {"call_functions": [{"name": "a", "arguments": {}}, {"name": "b", "arguments": {"x": [1]}}]},
        {"run_code": {"input": "print(1)", "logs": "1", "files": [{"name": "out.txt", "content": "hi"}]}},
        {"expire": {}}]},
]
#: Thread scopes, then assistant scopes, then unscoped plans; each scope first in, first out; every
#: action written out with its defaults.
LISTED = [
    {"thread_id": "thread_one", "actions": [{"fail": {"code": "rate_limit_exceeded", "message": "Slow down."}}]},
    {"thread_id": "thread_one", "actions": [
        {"call_functions": [{"name": "a", "arguments": {}}, {"name": "b", "arguments": {"x": [1]}}]},
        {"run_code": {"input": "print(1)", "logs": "1", "image_file_ids": [], "images": [],
                      "files": [{"name": "out.txt", "content_base64": "aGk="}]}},
        {"expire": {}}]},
    {"assistant_id": "asst_helper", "progression": "reads:2",
     "actions": [{"call_function": {"name": "lookup", "arguments": {"id": 7}}}, {"reply": "Found it."}]},
    {"actions": [{"reply": "Any thread, first."}]},
    {"actions": [{"search": {"query": "manual"}}, {"stop_incomplete": {"reason": "max_prompt_tokens", "text": ""}}]},
]


def test_get_script_lists_the_queued_plans_per_scope_as_bodies_that_queue_them_again(server, admin):
    a = admin(KEY_A)
    for body in SCRIPTED:
        ok(a.post("script", json=body))

    listed = ok(a.get("script"))

    assert listed == {"object": "list", "data": LISTED, "pending": 5, "tenant": tenant(MASKED_A)}
    schemas = load_schemas()
    assert schemas.contract_problem("admin/ScriptPlans", listed) is None
    assert [schemas.first_error("admin/Script", plan) for plan in listed["data"]] == [None] * 5
    assert ok(a.delete("script")) == {"deleted": True, "count": 5, "tenant": tenant(MASKED_A)}
    for plan in listed["data"]:
        ok(a.post("script", json=plan))
    assert ok(a.get("script"))["data"] == LISTED


def test_delete_script_clears_every_plan_and_runs_then_reply_by_default(server, admin):
    a = admin(KEY_A)
    ok(a.post("script", json={"actions": [{"reply": "Never said."}]}))
    ok(a.post("script", json={"thread_id": "thread_x", "actions": [{"reply": "Nor this."}]}))

    assert ok(a.delete("script")) == {"deleted": True, "count": 2, "tenant": tenant(MASKED_A)}

    assert ok(a.get("script")) == {"object": "list", "data": [], "pending": 0, "tenant": tenant(MASKED_A)}
    with openai.OpenAI(base_url=server.base_url, api_key=KEY_A, max_retries=0) as sdk:
        assistant = sdk.beta.assistants.create(model="gpt-4o")
        run = sdk.beta.threads.create_and_run_poll(
            assistant_id=assistant.id, thread={"messages": [{"role": "user", "content": "Hi"}]})
        reply = sdk.beta.threads.messages.list(run.thread_id).data[0].content[0].text.value
    assert reply == "This is fakeai's default reply to: Hi"


def test_a_plan_scripted_in_python_is_listed_over_http(fake_openai_server):
    def shout(turn):
        return turn.last_user_text.upper()

    fake_openai_server.script.respond(shout, assistant_id="asst_loud")
    fake_openai_server.script.reply("Cited.", annotations=[{"type": "file_citation", "text": "Cited",
                                                            "file_id": "file-1"}])
    key = fake_openai_server.api_key
    root = fake_openai_server.base_url.removesuffix("/v1")

    listed = ok(httpx.get(f"{root}/_fakeai/script", headers={"Authorization": f"Bearer {key}"}))

    assert listed["data"] == [
        {"assistant_id": "asst_loud", "actions": [
            {"respond": "test_a_plan_scripted_in_python_is_listed_over_http.<locals>.shout"}]},
        {"actions": [{"reply": {"text": "Cited.", "annotations": [
            {"type": "file_citation", "text": "Cited", "file_id": "file-1"}]}}]},
    ]
    assert listed["tenant"] == tenant(key[:8] + "*" * (len(key) - 12) + key[-4:])
    fake_openai_server.script.clear()


# --- secrets in the journal and its exports --------------------------------------------------------

CREDENTIAL_HEADERS = {  # header: (value sent, as the journal shows it)
    "authorization": ("Bearer sk-abcdefg", "Bearer sk********"),  # a key of 10 characters
    "api-key": ("azure-key-0123456789abcdef", "azure-ke**************cdef"),
    "x-api-key": ("xk-0123456789", "xk***********"),
    "cookie": ("session=0123456789abcdef0123", "session=****************0123"),
    "proxy-authorization": ("Basic dXNlcjpwYXNzd29yZA==", "Basic dX******************"),
    "x-auth-token": ("tok-0123456789abcdef-zz", "to*********************"),
}


def test_every_credential_header_is_masked_in_the_journal_and_its_exports(server, admin):
    headers = {name: value for name, (value, _) in CREDENTIAL_HEADERS.items()}
    with httpx.Client(base_url=server.base_url, headers={**BETA, **headers}) as http:
        ok(http.post("/threads", json={}))
    a = admin("sk-abcdefg")

    [entry] = ok(a.get("journal"))["data"]

    assert {name: entry["headers"][name] for name in CREDENTIAL_HEADERS} == {
        name: shown for name, (_, shown) in CREDENTIAL_HEADERS.items()}
    assert entry["headers"]["openai-beta"] == "assistants=v2"  # other headers as sent
    [in_process] = server.emulator.app.tenant_for("sk-abcdefg", None).journal
    assert in_process.headers == entry["headers"]
    exported = a.get("journal").text + a.get("state").text + json.dumps(server.emulator.export_state())
    for value, _ in CREDENTIAL_HEADERS.values():
        assert value.split(" ")[-1] not in exported
    assert ok(a.get("state"))["tenant"] == tenant("sk********")


def test_a_key_after_bearer_and_a_tab_is_read_and_masked_like_one_after_a_space(server, admin):
    with httpx.Client(base_url=server.base_url, headers=BETA) as http:
        created = ok(http.post("/threads", json={}, headers={"Authorization": f"Bearer\t{KEY_A}"}))

    [entry] = ok(admin(KEY_A).get("journal"))["data"]  # the same tenant as the space-separated key

    assert entry["response"]["id"] == created["id"]
    assert entry["headers"]["authorization"] == f"Bearer {MASKED_A}"
    assert KEY_A not in json.dumps(entry)


def test_a_wrong_key_of_10_characters_is_masked_in_e12_and_in_the_journal(server, admin):
    server.emulator.app.api_keys = {KEY_A}
    with httpx.Client(base_url=server.base_url, headers={**BETA, "Authorization": "Bearer sk-abcdefg"}) as http:
        refused = http.post("/threads", json={})

    assert refused.json() == envelope(
        f"Incorrect API key provided: sk********. You can find your API key at {KEYS_URL}.", "invalid_api_key")
    journals = [server.emulator.requests, *(kept.journal for kept in server.emulator.app.tenants.copied().values())]
    journaled = json.dumps([entry.summary() for journal in journals for entry in journal])
    assert "sk-abcdefg" not in journaled  # a refused key is journaled nowhere (tests/test_tenants.py)


# --- the README's curl lines, as written -----------------------------------------------------------

README = Path(__file__).resolve().parent.parent / "README.md"
README_ROOT = "http://127.0.0.1:8000"


def readme_admin_commands() -> list[str]:
    """Each curl command of the README's shell blocks that calls /_fakeai/ (continuations joined)."""
    blocks = re.findall(r"```bash\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    lines = "\n".join(block for block in blocks if "/_fakeai/" in block).replace("\\\n", " ").splitlines()
    return [line for line in lines if line.startswith("curl") and "/_fakeai/" in line]


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_readmes_admin_curl_lines_work_as_written():
    commands = readme_admin_commands()
    assert len(commands) >= 4
    with Served(fakeai_command(), "serve", "--port", "0", "--quiet") as served:
        root = served.base_url.removesuffix("/v1")
        answers = []
        for command in commands:
            assert README_ROOT in command
            done = subprocess.run(["bash", "-c", command.replace(README_ROOT, root) + " -w '\\n%{http_code}'"],
                                  capture_output=True, text=True, timeout=30)
            body, _, status = done.stdout.rpartition("\n")
            answers.append((status, json.loads(body)))
        served.stop()

    assert [status for status, _ in answers] == ["200"] * len(commands), answers
    assert {json.dumps(answer["tenant"]) for _, answer in answers} == {
        '{"key": "sk*********", "project": null, "shared": false}'}
