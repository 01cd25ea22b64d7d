"""Recorded traffic for the contract-check tests, made by the tests themselves: the openai SDK's
requests to a real fakeai server, recorded by vcrpy (YAML and JSON cassettes) and by a HAR-writing
httpx transport, and small converters of a recorded vcrpy cassette into the other shapes recorders
write (Ruby VCR with text or base64 bodies, gzip-compressed answers, old vcrpy's Python tags,
fakeai's JSON Lines). Nothing here reads a format the way fakeai's readers do."""

from __future__ import annotations

import base64
import copy
import gzip
import io
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import openai
import yaml

#: A fixed time for every recorded entry, so two recordings of a session differ only in their ids.
RECORDED_AT = "2026-08-01T12:00:00.000Z"


def sdk_session(client: openai.OpenAI) -> None:
    """What a suite's cassettes typically hold: an assistant, a thread with messages, a run polled to
    the end, a page of messages, a streamed run, a file upload, and a 400 (a completed run cancelled)."""
    assistant = client.beta.assistants.create(model="gpt-4o", name="Contract check")
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "Hello"}], metadata={"team": "qa"})
    client.beta.threads.messages.create(thread.id, role="user", content="Tell me more", metadata={"source": "web"})
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
    client.beta.threads.messages.list(thread.id, limit=5)
    with client.beta.threads.runs.stream(thread_id=thread.id, assistant_id=assistant.id) as stream:
        stream.until_done()
    client.files.create(file=("notes.txt", b"Reset the router."), purpose="assistants")
    try:
        client.beta.threads.runs.cancel(run.id, thread_id=thread.id)
    except openai.BadRequestError:
        pass
    else:
        raise AssertionError("cancelling a completed run should have been refused")


class HarRecorder(httpx.BaseTransport):
    """An httpx transport that passes each request on and keeps the exchange as a HAR 1.2 entry,
    as a browser's or a proxy's export holds it (a streamed answer once it has ended)."""

    def __init__(self):
        self.inner = httpx.HTTPTransport()
        self.entries: list[dict] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        sent = request.read()
        response = self.inner.handle_request(request)
        content = response.read()
        response.close()
        self.entries.append(har_entry(request, sent, response, content))
        return httpx.Response(response.status_code, headers=response.headers, content=content,
                              extensions={"reason_phrase": response.extensions.get("reason_phrase", b"")})

    def document(self) -> dict:
        return {"log": {"version": "1.2", "creator": {"name": "fakeai tests", "version": "1"},
                        "entries": self.entries}}


def har_pairs(headers: httpx.Headers) -> list[dict]:
    return [{"name": name, "value": value} for name, value in headers.multi_items()]


def har_entry(request: httpx.Request, sent: bytes, response: httpx.Response, content: bytes) -> dict:
    har_request = {"method": request.method, "url": str(request.url), "httpVersion": "HTTP/1.1", "cookies": [],
                   "headers": har_pairs(request.headers),
                   "queryString": [{"name": k, "value": v} for k, v in request.url.params.multi_items()],
                   "headersSize": -1, "bodySize": len(sent)}
    if sent:
        har_request["postData"] = {"mimeType": request.headers.get("content-type", ""),
                                   "text": sent.decode("utf-8")}
    return {"startedDateTime": RECORDED_AT, "time": 0, "request": har_request,
            "response": {"status": response.status_code,
                         "statusText": response.extensions.get("reason_phrase", b"").decode(),
                         "httpVersion": "HTTP/1.1", "cookies": [], "headers": har_pairs(response.headers),
                         "content": {"size": len(content), "mimeType": response.headers.get("content-type", ""),
                                     "text": content.decode("utf-8")},
                         "redirectURL": "", "headersSize": -1, "bodySize": len(content)},
            "cache": {}, "timings": {"send": 0, "wait": 0, "receive": 0}}


def record(base_url: str, api_key: str, folder: Path) -> dict[str, Path]:
    """The SDK session recorded against a fakeai server: a vcrpy YAML cassette and a HAR file of the
    same requests, then a vcrpy JSON cassette of a second session."""
    import vcr  # the test extra's; imported here so that collecting tests never needs it

    har = HarRecorder()
    paths = {"vcrpy-yaml": folder / "session.yaml", "har": folder / "session.har",
             "vcrpy-json": folder / "session.json"}
    with vcr.use_cassette(str(paths["vcrpy-yaml"]), record_mode="all"), \
            openai.OpenAI(base_url=base_url, api_key=api_key, max_retries=0,
                          http_client=httpx.Client(transport=har)) as client:
        sdk_session(client)
    har.inner.close()
    paths["har"].write_text(json.dumps(har.document(), indent=2), encoding="utf-8")
    with vcr.VCR(serializer="json").use_cassette(str(paths["vcrpy-json"]), record_mode="all"), \
            openai.OpenAI(base_url=base_url, api_key=api_key, max_retries=0) as client:
        sdk_session(client)
    return paths


# --- converters of a vcrpy cassette (the dict yaml.safe_load gives) ------------------------------

def text(body) -> str:
    return body.decode("utf-8") if isinstance(body, bytes) else (body or "")


def ruby_body(body, base64_encoded: bool) -> dict:
    data = text(body).encode("utf-8")
    if base64_encoded:
        return {"encoding": "ASCII-8BIT", "base64_string": base64.encodebytes(data).decode("ascii")}
    return {"encoding": "UTF-8", "string": data.decode("utf-8")}


def title_case(headers: dict) -> dict:
    return {"-".join(part.capitalize() for part in name.split("-")): values for name, values in headers.items()}


def to_ruby_vcr(cassette: dict, *, base64_bodies: bool = False) -> dict:
    """The cassette as Ruby VCR writes one: http_interactions, lower-case methods, Title-Case headers,
    bodies with their encoding (``base64_string`` when ``base64_bodies``)."""
    return {"http_interactions": [{
        "request": {"method": item["request"]["method"].lower(), "uri": item["request"]["uri"],
                    "body": ruby_body(item["request"]["body"], base64_bodies),
                    "headers": title_case(item["request"]["headers"])},
        "response": {"status": item["response"]["status"], "headers": title_case(item["response"]["headers"]),
                     "body": ruby_body(item["response"]["body"]["string"], base64_bodies), "http_version": None},
        "recorded_at": "Sat, 01 Aug 2026 12:00:00 GMT"} for item in cassette["interactions"]],
        "recorded_with": "VCR 6.2.0"}


def gzipped(cassette: dict) -> dict:
    """The cassette as vcrpy keeps a compressed answer: gzip bytes (YAML !!binary) and the header."""
    changed = copy.deepcopy(cassette)
    for item in changed["interactions"]:
        response = item["response"]
        response["body"]["string"] = gzip.compress(text(response["body"]["string"]).encode("utf-8"), mtime=0)
        response["headers"]["content-encoding"] = ["gzip"]
    return changed


def as_first_httpx_cassettes(cassette: dict) -> dict:
    """The cassette as vcrpy's first httpx support wrote a response: ``status_code`` and ``content``."""
    changed = copy.deepcopy(cassette)
    for item in changed["interactions"]:
        response = item["response"]
        item["response"] = {"status_code": response["status"]["code"], "http_version": "HTTP/1.1",
                            "headers": response["headers"], "content": text(response["body"]["string"])}
    return changed


def with_python_tags(cassette: dict) -> str:
    """The cassette as old vcrpy versions dumped it, file-like request bodies included: PyYAML's full
    dumper writes them as ``!!python/object/new:_io.BytesIO`` with ``!!python/tuple`` state."""
    changed = copy.deepcopy(cassette)
    for item in changed["interactions"]:
        item["request"]["body"] = io.BytesIO(text(item["request"]["body"]).encode("utf-8"))
    return yaml.dump(changed, Dumper=yaml.Dumper)


def to_fakeai_jsonl(cassette: dict) -> str:
    """The cassette in fakeai's JSON Lines (fakeai/contract/interaction.py's docstring)."""
    lines = []
    for item in cassette["interactions"]:
        uri = urlsplit(item["request"]["uri"])
        request = {"method": item["request"]["method"], "path": uri.path, "query": uri.query,
                   "headers": {name.lower(): values[0] for name, values in item["request"]["headers"].items()}}
        response = {"status": item["response"]["status"]["code"],
                    "headers": {name.lower(): values[0] for name, values in item["response"]["headers"].items()}}
        for part, body in ((request, item["request"]["body"]), (response, item["response"]["body"]["string"])):
            try:
                part["body"] = json.loads(text(body))
            except ValueError:
                if text(body):
                    part["body_text"] = text(body)
        lines.append(json.dumps({"fakeai_traffic": 1, "request": request, "response": response}))
    return "\n".join(lines) + "\n"


# --- finding and breaking one interaction ---------------------------------------------------------

def interaction(cassette: dict, method: str, path_pattern: str, index: int = 0) -> dict:
    """The ``index``-th interaction whose method and URI path (a regular expression) match."""
    found = [item for item in cassette["interactions"] if item["request"]["method"] == method
             and re.fullmatch(path_pattern, urlsplit(item["request"]["uri"]).path)]
    return found[index]


def position(cassette: dict, item: dict) -> int:
    """The interaction's number as a cassette's source names it (#1 first)."""
    return cassette["interactions"].index(item) + 1


def edit_request_json(item: dict, change) -> None:
    body = json.loads(text(item["request"]["body"]))
    change(body)
    item["request"]["body"] = json.dumps(body)


def edit_response_json(item: dict, change) -> None:
    body = json.loads(text(item["response"]["body"]["string"]))
    change(body)
    item["response"]["body"]["string"] = json.dumps(body)


def edit_stream_event(item: dict, event: str, change) -> None:
    """Change the data of the first event of that name in a recorded stream."""
    blocks = text(item["response"]["body"]["string"]).split("\n\n")
    for number, block in enumerate(blocks):
        name_line, _, data_line = block.partition("\n")
        if name_line == f"event: {event}":
            data = json.loads(data_line.removeprefix("data: "))
            change(data)
            blocks[number] = f"{name_line}\ndata: {json.dumps(data)}"
            break
    else:
        raise AssertionError(f"no {event} event in the stream")
    item["response"]["body"]["string"] = "\n\n".join(blocks)


def write_yaml(path: Path, cassette: dict) -> Path:
    path.write_text(yaml.safe_dump(cassette), encoding="utf-8")
    return path
