"""The inspector's views (views.py) as HTML: server pages and the self-contained report file.

Every text that comes from a tenant (ids, bodies, messages, metadata) goes through ``esc``: bodies
are whatever users' tests sent. States are said in words, not colour alone ("refused 400"); long
bodies fold into ``<details>``; pages have landmarks, labelled inputs and real links and buttons.
Nothing is loaded from anywhere: the style and the small script are inline (assets/).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import json
import time
from importlib import resources
from urllib.parse import quote, urlencode

#: A body longer than this (characters or lines) is folded into <details>.
FOLD_CHARS, FOLD_LINES = 300, 8
UI = "/_fakeai/ui"
PAGES = (("overview", "Overview"), ("threads", "Threads"), ("journal", "Journal"), ("waiting", "Waiting"))


def esc(value) -> str:
    return html.escape(str(value), quote=True)


@functools.lru_cache(maxsize=None)
def asset(name: str) -> str:
    return resources.files(__package__).joinpath("assets", name).read_text(encoding="utf-8")


def source_hash(text: str) -> str:
    """The CSP source of an inline style or script: only that exact text may run."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def content_policy(*, script: bool) -> str:
    """What a page may load: its own inline style (and script), requests to its own server, nothing else."""
    scripts = source_hash(asset("inspector.js")) if script else "'none'"
    return (f"default-src 'none'; style-src {source_hash(asset('inspector.css'))}; script-src {scripts}; "
            "connect-src 'self'; img-src 'none'; form-action 'self'; base-uri 'none'")


# --- links: pages on a server, or anchors of one report file ---------------------------------------

class ServerLinks:
    """Links between the server's pages."""

    report = False

    def overview(self) -> str:
        return UI + "/"

    def threads(self, **query) -> str:
        return with_query(f"{UI}/threads", query)

    def thread(self, thread_id: str) -> str:
        return f"{UI}/threads/{quote(thread_id, safe='')}"

    def run(self, thread_id: str, run_id: str) -> str:
        return f"{self.thread(thread_id)}/runs/{quote(run_id, safe='')}"

    def journal(self, **query) -> str:
        return with_query(f"{UI}/journal", query)

    def request(self, number: int) -> str:
        return f"{UI}/journal#request-{number}"

    def waiting(self) -> str:
        return f"{UI}/waiting"


class ReportLinks:
    """Links inside one report file: every view is a section of it."""

    report = True

    def overview(self) -> str:
        return "#overview"

    def threads(self, **query) -> str:
        return "#threads"

    def thread(self, thread_id: str) -> str:
        return "#" + anchor("thread", thread_id)

    def run(self, thread_id: str, run_id: str) -> str:
        return "#" + anchor("run", run_id)

    def journal(self, **query) -> str:
        return "#journal"

    def request(self, number: int) -> str:
        return f"#request-{number}"

    def waiting(self) -> str:
        return "#waiting"


def anchor(kind: str, object_id: str) -> str:
    return f"{kind}-" + "".join(c if c.isalnum() or c in "-_" else "_" for c in object_id)


def with_query(path: str, query: dict) -> str:
    given = {key: value for key, value in query.items() if value not in (None, "")}
    return f"{path}?{urlencode(given)}" if given else path


# --- small pieces -----------------------------------------------------------------------------------

def when(timestamp) -> str:
    """fakeai's clock time, readable and exact: ``2025-01-01 00:00:00 UTC (1735689600)``."""
    if timestamp is None:
        return '<span class="muted">never</span>'
    seconds = int(timestamp)
    shown = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(seconds))
    iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))
    return f'<time datetime="{iso}">{shown}</time> <span class="muted">({esc(timestamp)})</span>'


def pretty(value) -> str:
    """JSON as people read it; text as it is."""
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=2, ensure_ascii=False)


def maybe_json(text):
    """A tool call's arguments (a JSON string) pretty-printed when they parse."""
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def block(label: str, value, *, element_id: str | None = None) -> str:
    """A body in a <pre>, folded into <details> when long. ``None`` says so in words."""
    if value is None:
        return f'<p><strong>{esc(label)}:</strong> <span class="muted">none</span></p>'
    text = pretty(value)
    lines = text.count("\n") + 1
    if len(text) <= FOLD_CHARS and lines <= FOLD_LINES:
        return f'<p><strong>{esc(label)}:</strong></p><pre>{esc(text)}</pre>'
    ident = f' id="{esc(element_id)}"' if element_id else ""
    return (f"<details{ident}><summary>{esc(label)} ({lines} lines, {len(text):,} characters)</summary>"
            f"<pre>{esc(text)}</pre></details>")


def status_label(status) -> str:
    if status is None:
        return '<span class="status">no answer</span>'
    if status >= 400:
        return f'<span class="status refused">refused {esc(status)}</span>'
    return f'<span class="status ok">ok {esc(status)}</span>'


def facts(pairs) -> str:
    rows = "".join(f"<dt>{esc(name)}</dt><dd>{value}</dd>" for name, value in pairs)
    return f'<dl class="facts">{rows}</dl>'


def code(value) -> str:
    return f"<code>{esc(value)}</code>"


def file_ref(file_id: str, files: dict) -> str:
    name = files.get(file_id)
    return code(file_id) + (f" ({esc(name)})" if name else ' <span class="muted">(no such file now)</span>')


# --- pages ------------------------------------------------------------------------------------------

def page(title: str, current: str, body: str, *, tenant: dict, now, version: str = "", script: bool = True,
         links=None) -> str:
    """A whole page: landmarks, the tenant it shows, navigation, the view in #content."""
    links = links or ServerLinks()
    nav = "".join(
        f'<li><a href="{esc(getattr(links, name)())}"{" aria-current=page" if name == current else ""}>{label}</a></li>'
        for name, label in PAGES)
    live = ('<button type="button" id="live" aria-pressed="true" hidden>Live updates: on</button>'  # shown by the script
            '<span id="live-status" role="status"></span>' if script else "")
    forget = "" if links.report else ('<form method="post" action="/_fakeai/ui/logout">'
                                      '<button type="submit">Forget key</button></form>')
    live = f'<div class="live">{live}{forget}</div>' if live or forget else ""
    policy = (f'<meta http-equiv="Content-Security-Policy" content="{esc(content_policy(script=False))}">'
              if links.report else "")
    return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">{policy}'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(title)} - fakeai inspector</title><style>{asset('inspector.css')}</style></head>"
            f'<body data-version="{esc(version)}"><a class="skip" href="#main">Skip to content</a>'
            f'<header class="site"><p class="brand">fakeai inspector</p>'
            f'<p class="tenant">{tenant_text(tenant)}</p>'
            f'<nav aria-label="Inspector pages"><ul>{nav}</ul></nav>{live}</header>'
            f'<main id="main" tabindex="-1">{body}</main>'
            f'<footer class="site muted" style="padding: 0 20px 20px">fakeai clock: {when(now)}</footer>'
            + (f"<script>{asset('inspector.js')}</script>" if script else "") + "</body></html>")


def tenant_text(tenant: dict) -> str:
    if tenant.get("in_process"):
        return "Tenant: the in-process emulator of this test"
    project = f", project {code(tenant['project'])}" if tenant.get("project") else ""
    shared = " (shared: one state for every key)" if tenant.get("shared") else ""
    return f"Tenant: key {code(tenant['key'])}{project}{shared}"


def overview_body(view: dict, links) -> str:
    counts = view["counts"]
    rows = [("Assistants", counts["assistants"]), ("Threads", f'<a href="{esc(links.threads())}">{counts["threads"]}</a>'),
            ("Messages", counts["messages"]), ("Runs", counts["runs"]), ("Files", counts["files"]),
            ("Vector stores", counts["vector_stores"]),
            ("Requests journaled", f'<a href="{esc(links.journal())}">{counts["requests"]}</a>'
             + (f" ({counts['requests_dropped']:,} older ones dropped)" if counts["requests_dropped"] else "")),
            ("Refused requests (status 400 or more)",
             f'<a href="{esc(links.journal(status="refused"))}">{counts["refused_requests"]}</a>'),
            ("Faults waiting", f'<a href="{esc(links.waiting())}">{counts["faults_pending"]}</a>'),
            ("Scripted plans waiting", f'<a href="{esc(links.waiting())}">{counts["plans_pending"]}</a>')]
    table = "".join(f'<tr><th scope="row">{esc(name)}</th><td>{value if isinstance(value, str) else esc(value)}</td></tr>'
                    for name, value in rows)
    return f'<table><caption class="muted">What this tenant holds</caption>{table}</table>'


def threads_body(view: dict, links) -> str:
    if not view["data"]:
        return "<p>No threads yet.</p>" if not view["after"] else "<p>No more threads.</p>"
    rows = "".join(
        f'<tr><td><a href="{esc(links.thread(item["id"]))}">{esc(item["id"])}</a></td><td>{when(item["created_at"])}</td>'
        f'<td>{item["messages"]}</td><td>{item["runs"]}</td><td>{esc(item["last_run_status"] or "none")}</td>'
        f'<td>{esc(item["preview"])}</td></tr>' for item in view["data"])
    table = ('<table><caption class="muted">Newest first</caption><thead><tr><th scope="col">Thread</th>'
             '<th scope="col">Created</th><th scope="col">Messages</th><th scope="col">Runs</th>'
             f'<th scope="col">Last run</th><th scope="col">First message</th></tr></thead><tbody>{rows}</tbody></table>')
    more = ""
    if view.get("has_more") and not links.report:
        more = f'<p><a href="{esc(links.threads(after=view["data"][-1]["id"], limit=view["limit"]))}">Older threads</a></p>'
    return table + more


def part_html(part: dict, files: dict) -> str:
    """One content part of a message: text with its annotations, an image file by id, an image URL."""
    kind = part["type"]
    if kind == "text":
        notes = part["text"].get("annotations") or []
        listed = "".join(
            f"<li>{esc(note['type'])} {code(note['text'])} (characters {esc(note.get('start_index'))}"
            f"-{esc(note.get('end_index'))}): "
            f"{file_ref(note.get(note['type'], {}).get('file_id', ''), files)}</li>" for note in notes)
        return (f'<p class="text">{esc(part["text"]["value"])}</p>'
                + (f'<p class="muted">Annotations:</p><ul class="annotations">{listed}</ul>' if notes else ""))
    if kind == "image_file":
        detail = part["image_file"].get("detail")
        return f'<p>Image file: {file_ref(part["image_file"]["file_id"], files)}' + (
            f" (detail {esc(detail)})" if detail else "") + "</p>"
    if kind == "image_url":
        return f'<p>Image URL (not loaded): {code(part["image_url"]["url"])}</p>'
    if kind == "refusal":
        return f'<p class="text">Refusal: {esc(part.get("refusal"))}</p>'
    return block(f"{kind} part", part)


def message_html(message: dict, files: dict, links, *, element: str = "li") -> str:
    attachments = message.get("attachments") or []
    attached = "".join(
        f"<li>{file_ref(item.get('file_id', ''), files)}, tools: "
        f"{esc(', '.join(tool['type'] for tool in item.get('tools') or []) or 'none')}</li>" for item in attachments)
    run = (f' - written by run <a href="{esc(links.run(message["thread_id"], message["run_id"]))}">'
           f'{esc(message["run_id"])}</a>' if message.get("run_id") else "")
    status = message.get("status")
    return (f'<{element} class="role-{esc(message["role"])}" id="{esc(anchor("message", message["id"]))}">'
            f'<p><span class="role">{esc(message["role"])}</span> {code(message["id"])} {when(message["created_at"])}'
            f"{run}" + (f" - {esc(status)}" if status and status != "completed" else "") + "</p>"
            + "".join(part_html(part, files) for part in message["content"])
            + (f"<p>Attachments:</p><ul>{attached}</ul>" if attached else "")
            + (block("metadata", message["metadata"]) if message.get("metadata") else "")
            + f"</{element}>")


def statuses_text(statuses: list) -> str:
    return " &rarr; ".join(esc(item["status"]) for item in statuses)


def thread_body(view: dict, links) -> str:
    thread = view["thread"]
    chat = "".join(message_html(message, view["files"], links) for message in view["messages"])
    runs = "".join(
        f'<tr><td><a href="{esc(links.run(thread["id"], run["id"]))}">{esc(run["id"])}</a></td>'
        f'<td>{esc(run["status"])}</td><td>{when(run["created_at"])}</td><td>{code(run["assistant_id"])}</td>'
        f'<td>{statuses_text(run["statuses"])}</td></tr>' for run in view["runs"])
    return (facts([("Created", when(thread["created_at"])),
                   ("Metadata", code(json.dumps(thread["metadata"], ensure_ascii=False)))])
            + f'<h2 id="{esc(anchor("messages", thread["id"]))}">Messages ({len(view["messages"])}, oldest first)</h2>'
            + (f'<ol class="chat">{chat}</ol>' if chat else "<p>No messages.</p>")
            + f"<h2>Runs ({len(view['runs'])})</h2>"
            + ('<table><thead><tr><th scope="col">Run</th><th scope="col">Status</th><th scope="col">Created</th>'
               f'<th scope="col">Assistant</th><th scope="col">Statuses</th></tr></thead><tbody>{runs}</tbody></table>'
               if runs else "<p>No runs.</p>"))


def tool_call_html(call: dict, files: dict) -> str:
    kind = call["type"]
    head = f"<h4>{esc(kind)} call {code(call['id'])}</h4>"
    if kind == "function":
        function = call["function"]
        output = function.get("output")
        return (head + f"<p>Function {code(function['name'])}</p>"
                + block("Arguments", maybe_json(function["arguments"]))
                + (block("Output", output) if output is not None
                   else '<p><strong>Output:</strong> <span class="muted">not submitted yet</span></p>'))
    if kind == "code_interpreter":
        details = call["code_interpreter"]
        outputs = "".join(
            block("Logs", item["logs"]) if item["type"] == "logs"
            else f"<p>Image output: {file_ref(item['image']['file_id'], files)}</p>" for item in details["outputs"])
        return head + block("Input", details["input"]) + outputs
    if kind == "file_search":
        results = call["file_search"].get("results") or []
        found = "".join(
            f"<li>{file_ref(result['file_id'], files)} {esc(result.get('file_name', ''))}, score {esc(result['score'])}"
            + "".join(block("content", item.get("text")) for item in result.get("content") or []) + "</li>"
            for result in results)
        return head + (f"<ol>{found}</ol>" if found else "<p>No results.</p>")
    return head + block(kind, call)


def step_html(number: int, step: dict, view: dict, links) -> str:
    details = step["step_details"]
    if step["type"] == "message_creation":
        message_id = details["message_creation"]["message_id"]
        message = view["messages"].get(message_id)
        inner = (message_html(message, view["files"], links, element="div") if message
                 else f"<p>Message {code(message_id)} (deleted since)</p>")
    else:
        inner = "".join(tool_call_html(call, view["files"]) for call in details["tool_calls"])
    ends = [(name.removesuffix("_at"), step[name]) for name in ("completed_at", "failed_at", "cancelled_at", "expired_at")
            if step.get(name) is not None]
    usage = step.get("usage")
    return (f'<li id="{esc(anchor("step", step["id"]))}"><h3>Step {number}: {esc(step["type"])} - {esc(step["status"])}</h3>'
            + facts([("Id", code(step["id"])), ("Created", when(step["created_at"])),
                     *((name.capitalize(), when(at)) for name, at in ends),
                     ("Usage", esc(usage_text(usage)))] + ([("Last error", esc(error_text(step["last_error"])))]
                                                          if step.get("last_error") else []))
            + inner + "</li>")


def usage_text(usage) -> str:
    if not usage:
        return "none yet"
    return (f"{usage['prompt_tokens']} prompt + {usage['completion_tokens']} completion = "
            f"{usage['total_tokens']} tokens")


def error_text(error) -> str:
    if not error:
        return "none"
    return f"{error.get('code')}: {error.get('message')}"


def run_body(view: dict, links) -> str:
    run = view["run"]
    timeline = "".join(f"<li>{when(item['at'])}: <strong>{esc(item['status'])}</strong></li>" for item in view["statuses"])
    steps = "".join(step_html(number, step, view, links) for number, step in enumerate(view["steps"], 1))
    waiting = run.get("required_action")
    return (facts([("Thread", f'<a href="{esc(links.thread(view["thread_id"]))}">{esc(view["thread_id"])}</a>'),
                   ("Assistant", code(run["assistant_id"])), ("Model", code(run["model"])),
                   ("Status", f"<strong>{esc(run['status'])}</strong>"), ("Usage", esc(usage_text(run.get("usage")))),
                   ("Last error", esc(error_text(run.get("last_error")))),
                   ("Incomplete details", esc(json.dumps(run.get("incomplete_details"))))])
            + "<h2>Status changes</h2>" + f'<ol class="timeline">{timeline}</ol>'
            + (block("Required action (waiting for tool outputs)", waiting) if waiting else "")
            + f"<h2>Steps ({len(view['steps'])})</h2>"
            + (f'<ol class="steps">{steps}</ol>' if steps else "<p>No steps yet.</p>")
            + block("Instructions", run.get("instructions") or None))


def journal_filters(view: dict) -> str:
    """A GET form: works without JavaScript, and with Tab and Enter."""
    filters = view["filters"]
    methods = "".join(f'<option value="{m}"{" selected" if filters["method"] == m else ""}>{m or "any"}</option>'
                      for m in ("", "GET", "POST", "DELETE"))
    return ('<form class="filters" method="get" action="/_fakeai/ui/journal" role="search" aria-label="Filter requests">'
            f'<label for="filter-status">Status (404, 4xx or refused)<input id="filter-status" name="status" '
            f'value="{esc(filters["status"])}" size="10"></label>'
            f'<label for="filter-path">Path (text or glob, e.g. /threads/*/runs)<input id="filter-path" name="path" '
            f'value="{esc(filters["path"])}" size="30"></label>'
            f'<label for="filter-method">Method<select id="filter-method" name="method">{methods}</select></label>'
            '<button type="submit">Filter</button> <a href="/_fakeai/ui/journal">Clear filters</a></form>')


def entry_html(entry: dict, links) -> str:
    path = entry["path"] + (f"?{urlencode(entry['query'], doseq=True)}" if entry["query"] else "")
    error = (f'<p class="error-text">Error: {esc(entry["error"])}</p>' if entry["error"] else "")
    response = (block("Response body", entry["response"], element_id=f"response-{entry['number']}") if not entry["events"]
                else block("Streamed events", entry["events"], element_id=f"response-{entry['number']}"))
    return (f'<li id="request-{entry["number"]}" class="{"refused" if entry["refused"] else "ok"}">'
            f'<h3><a href="{esc(links.request(entry["number"]))}">#{entry["number"]}</a> '
            f'{esc(entry["method"])} {esc(path)} {status_label(entry["status"])}</h3>'
            f'<p class="muted">{when(entry["timestamp"])} - {esc(entry["operation"] or "no operation matched")} - '
            f'{code(entry["request_id"])}</p>{error}'
            + block("Request body", entry["body"], element_id=f"request-body-{entry['number']}") + response + "</li>")


def journal_body(view: dict, links) -> str:
    shown = len(view["data"])
    said = (f"Showing {shown} of {view['matching']} matching requests ({view['total']} journaled"
            + (f", {view['dropped']:,} older ones dropped" if view["dropped"] else "") + "), oldest first.")
    older = ""
    if view["before"] and not links.report:
        older = f' <a href="{esc(links.journal(**view["filters"], limit=view["limit"], before=view["before"]))}">Older requests</a>'
    entries = "".join(entry_html(entry, links) for entry in view["data"])
    return (f'<p role="status">{esc(said)}{older}</p>'
            + (f'<ol class="journal">{entries}</ol>' if entries else "<p>No request matches.</p>"))


def waiting_body(view: dict, links) -> str:
    faults = "".join(f"<li>{block('Fault', {k: v for k, v in fault.items() if v not in (None, False)})}</li>"
                     for fault in view["faults"])
    plans = "".join(f"<li>{block('Plan', plan)}</li>" for plan in view["plans"])
    return (f"<h2>Faults ({len(view['faults'])})</h2>" + (f"<ol>{faults}</ol>" if faults else "<p>No faults waiting.</p>")
            + f"<h2>Scripted plans ({len(view['plans'])}), in the order runs take them</h2>"
            + (f"<ol>{plans}</ol>" if plans else "<p>No plans waiting.</p>"))


BODIES = {"overview": ("Overview", overview_body), "threads": ("Threads", threads_body),
          "thread": ("Thread", thread_body), "run": ("Run", run_body), "journal": ("Journal", journal_body),
          "waiting": ("Waiting faults and plans", waiting_body)}
CURRENT = {"thread": "threads", "run": "threads"}


def view_page(view: dict, *, tenant: dict, version: str) -> str:
    """The server page of one view."""
    links = ServerLinks()
    name = view["view"]
    title, body = BODIES[name]
    if name == "thread":
        title = f"Thread {view['thread']['id']}"
    if name == "run":
        title = f"Run {view['run']['id']}"
    form = journal_filters(view) if name == "journal" else ""
    return page(title, CURRENT.get(name, name), f"<h1>{esc(title)}</h1>{form}<div id=\"content\">{body(view, links)}</div>",
                tenant=tenant, now=view["now"], version=version)


def message_page(status: int, title: str, message: str, *, tenant: dict | None = None) -> str:
    """An error page (a bad filter, an unknown thread): what was wrong, in words."""
    body = (f"<h1>{esc(title)}</h1><p class=\"notice\" role=\"alert\">{esc(message)}</p>"
            f'<p><a href="{UI}/">Back to the overview</a></p><div id="content"></div>')
    if tenant is None:
        return login_page(message, title=title)
    return page(title, "", body, tenant=tenant, now=None, script=False)


def login_page(problem: str | None = None, *, next_path: str = UI + "/", title: str = "Enter an API key") -> str:
    """The form that sets the inspector's cookie: a browser cannot send an Authorization header."""
    notice = f'<p class="notice" role="alert">{esc(problem)}</p>' if problem else ""
    return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(title)} - fakeai inspector</title><style>{asset('inspector.css')}</style></head>"
            f'<body><header class="site"><p class="brand">fakeai inspector</p></header><main id="main">'
            f"<h1>{esc(title)}</h1>{notice}"
            "<p>The inspector shows the objects and requests of the tenant an API key reaches, as the admin API "
            "does. The key is kept in a cookie for these pages only (HttpOnly, SameSite=Strict), never in a URL.</p>"
            '<form class="login" method="post" action="/_fakeai/ui/login">'
            '<label for="login-key">API key<input id="login-key" name="key" type="password" autocomplete="off" required></label>'
            '<label for="login-project">OpenAI-Project (optional)<input id="login-project" name="project" autocomplete="off"></label>'
            f'<input type="hidden" name="next" value="{esc(next_path)}">'
            '<button type="submit">Show this tenant</button></form></main></body></html>')


def report_page(view: dict, *, title: str) -> str:
    """Every view of a tenant in one self-contained file: no script, no fetch, in-page links."""
    links = ReportLinks()
    sections = [f'<h1 id="overview">{esc(title)}</h1>', overview_body(view, links),
                '<h2 id="threads">Threads, newest first</h2>',
                threads_body({"data": view["thread_list"], "after": None}, links)]
    for item in view["threads"]:
        thread_id = item["thread"]["id"]
        sections.append(f'<section aria-labelledby="{esc(anchor("thread", thread_id))}-title" id="{esc(anchor("thread", thread_id))}">'
                        f'<h2 id="{esc(anchor("thread", thread_id))}-title">Thread {esc(thread_id)}</h2>'
                        + thread_body(item, links) + "</section>")
        for run in item["run_views"]:
            sections.append(f'<section id="{esc(anchor("run", run["run"]["id"]))}" aria-label="Run {esc(run["run"]["id"])}">'
                            f'<h2>Run {esc(run["run"]["id"])}</h2>' + run_body(run, links) + "</section>")
    sections += ['<section id="journal" aria-label="Journal"><h2>Journal</h2>', journal_body(view["journal"], links),
                 "</section>", '<section id="waiting" aria-label="Waiting"><h2>Waiting faults and plans</h2>',
                 waiting_body(view["waiting"], links), "</section>"]
    return page(title, "", f'<div id="content">{"".join(sections)}</div>', tenant={"in_process": True},
                now=view["now"], script=False, links=links)

