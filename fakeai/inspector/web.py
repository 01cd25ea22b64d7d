"""The inspector over HTTP, under /_fakeai/ui (mounted by the admin API, authenticated like it).

    GET  /_fakeai/ui/                                   the tenant, with counts
    GET  /_fakeai/ui/threads?after=&limit=              threads, newest first
    GET  /_fakeai/ui/threads/{thread_id}                its messages as a chat, and its runs
    GET  /_fakeai/ui/threads/{thread_id}/runs/{run_id}  the run as a timeline
    GET  /_fakeai/ui/journal?status=&path=&method=&limit=&before=   the requests received
    GET  /_fakeai/ui/waiting                            faults and scripted plans still waiting
    GET  /_fakeai/ui/login, POST (form: key, project)   the key form; sets the cookie
    POST /_fakeai/ui/logout                             forgets it

A key reaches the tenant it reaches through the API and the admin API, and nothing else. It comes
in the Authorization header (scripts, curl) or, since a browser cannot send that header when it
follows a link, in a cookie the login form sets: HttpOnly, SameSite=Strict, path /_fakeai/ui only,
never in a URL. A refused key gets the API's 401: its JSON envelope when JSON was asked for, else a
401 page with the form. Every page is also JSON (``Accept: application/json`` or ``?format=json``)
with a ``version`` (also its ETag) that changes when what it shows changes: the pages' script polls
it each second and re-renders only then.
"""

from __future__ import annotations

import hashlib
import json
from urllib.parse import parse_qs, parse_qsl, quote, unquote

from werkzeug.http import parse_cookie

from .. import errors, jsonbody
from ..app import RawRequest, RawResponse
from ..credentials import bearer_key
from . import render, views

UI = render.UI
KEY_COOKIE, PROJECT_COOKIE = "fakeai_ui_key", "fakeai_ui_project"
#: Query parameters each page takes (``format`` too, everywhere): any other is refused, not ignored.
PARAMETERS = {"overview": (), "threads": ("after", "limit"), "thread": (), "run": (),
              "journal": ("status", "path", "method", "limit", "before"), "waiting": ()}
SECURITY_HEADERS = [("x-content-type-options", "nosniff"), ("referrer-policy", "no-referrer"),
                    ("cache-control", "no-store"), ("x-frame-options", "DENY")]


class Inspector:
    def __init__(self, admin):
        self.admin = admin
        self.app = admin.app

    def owns(self, path: str) -> bool:
        return path == UI or path.startswith(UI + "/")

    def handle(self, request: RawRequest) -> RawResponse:
        route = request.path[len(UI):].strip("/")
        query = parse_qs(request.query, keep_blank_values=True)
        json_wanted = wants_json(request, query)
        if request.refused is not None:  # a body that did not arrive whole
            return json_answer(request.refused.status, request.refused.body())
        if route == "login":
            return self.login(request)
        if route == "logout" and request.method == "POST":
            return self.logout()
        key, project = self.credentials(request)
        try:
            self.app.authenticate(None, key)
        except errors.APIError as error:
            if json_wanted:
                return json_answer(error.status, error.body())
            return html_answer(error.status, render.login_page(error.message, next_path=here(request)))
        named = self.admin.named(key, project)
        try:
            if request.method not in ("GET", "HEAD"):
                raise errors.invalid_url(request.method, request.path)
            name, arguments = page_of(route, request.path)
            options = checked_query(name, query)
            tenant = self.app.tenant_for(key, project)
            with tenant.lock:  # gathered as a copy: rendered once the lock is let go
                view = gather(name, tenant, arguments, options)
                view["now"] = tenant.state.clock.now()
        except errors.APIError as error:
            if json_wanted:
                return json_answer(error.status, {**error.body(), "tenant": named})
            title = "Not found" if error.status == 404 else "Cannot show this page"
            return html_answer(error.status, render.message_page(error.status, title, error.message, tenant=named))
        version = version_of(view)
        if f'"{version}"' in request.headers.get("if-none-match", ""):
            return RawResponse(304, [("etag", f'"{version}"'), *SECURITY_HEADERS], b"")
        if json_wanted:
            return json_answer(200, {**view, "tenant": named, "version": version}, etag=version)
        return html_answer(200, render.view_page(view, tenant=named, version=version), etag=version, script=True)

    def credentials(self, request: RawRequest) -> tuple[str | None, str | None]:
        """(key, project): the Authorization header's when one is sent (a wrong one is not made right
        by a cookie), else the cookie's."""
        header = request.headers.get("authorization")
        if header is not None:
            return bearer_key(header), request.headers.get("openai-project")
        cookies = parse_cookie(request.headers.get("cookie", ""))
        key = cookies.get(KEY_COOKIE)
        return (unquote(key) if key else None), (unquote(cookies[PROJECT_COOKIE])
                                                if cookies.get(PROJECT_COOKIE) else None)

    def login(self, request: RawRequest) -> RawResponse:
        query = dict(parse_qsl(request.query))
        if request.method == "GET":
            return html_answer(200, render.login_page(next_path=local(query.get("next"))))
        if request.method != "POST":
            return json_answer(404, errors.invalid_url(request.method, request.path).body())
        form = dict(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
        key, project = form.get("key", "").strip() or None, form.get("project", "").strip() or None
        try:
            self.app.authenticate(None, key)
        except errors.APIError as error:
            return html_answer(error.status, render.login_page(error.message, next_path=local(form.get("next"))))
        cookies = [("set-cookie", cookie(KEY_COOKIE, key))]
        cookies.append(("set-cookie", cookie(PROJECT_COOKIE, project) if project else expired(PROJECT_COOKIE)))
        return RawResponse(303, [("location", local(form.get("next"))), *cookies, *SECURITY_HEADERS], b"")

    def logout(self) -> RawResponse:
        return RawResponse(303, [("location", f"{UI}/login"), ("set-cookie", expired(KEY_COOKIE)),
                                 ("set-cookie", expired(PROJECT_COOKIE)), *SECURITY_HEADERS], b"")


def page_of(route: str, path: str) -> tuple[str, tuple]:
    """(page name, its path arguments) of the part of the path after /_fakeai/ui."""
    parts = [unquote(part) for part in route.split("/")] if route else []
    if not parts:
        return "overview", ()
    if parts == ["threads"]:
        return "threads", ()
    if len(parts) == 2 and parts[0] == "threads":
        return "thread", (parts[1],)
    if len(parts) == 4 and parts[0] == "threads" and parts[2] == "runs":
        return "run", (parts[1], parts[3])
    if parts in (["journal"], ["waiting"]):
        return parts[0], ()
    raise errors.NotFoundError(f"The inspector has no page {path}: its pages are {UI}/, {UI}/threads, "
                               f"{UI}/threads/<thread id>, {UI}/threads/<thread id>/runs/<run id>, "
                               f"{UI}/journal and {UI}/waiting.")


def checked_query(name: str, query: dict) -> dict:
    """The page's query parameters; a misspelt one is refused, naming the ones the page takes."""
    allowed = PARAMETERS[name]
    options = {}
    for key, values in query.items():
        if key == "format":
            continue
        if key not in allowed:
            takes = ", ".join(allowed) if allowed else "none but format"
            raise errors.BadRequestError(f"Unknown query parameter {key!r} for this page (it takes {takes}).",
                                         param=key)
        options[key] = values[-1]
    return options


def gather(name: str, tenant, arguments: tuple, options: dict) -> dict:
    if name == "overview":
        return views.overview(tenant)
    if name == "threads":
        return views.thread_list(tenant, **options)
    if name == "thread":
        return views.thread_view(tenant, *arguments)
    if name == "run":
        return views.run_view(tenant, *arguments)
    if name == "journal":
        return views.journal_view(tenant, **options)
    return views.waiting_view(tenant)


def wants_json(request: RawRequest, query: dict) -> bool:
    formats = query.get("format")
    if formats:
        return formats[-1] == "json"
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def version_of(view: dict) -> str:
    """Changes exactly when what the page shows changes."""
    text = json.dumps(view, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def here(request: RawRequest) -> str:
    return local(request.path + (f"?{request.query}" if request.query else ""))


def local(target: str | None) -> str:
    """Where to go after the login: an inspector page only (never another site, ``//host``)."""
    if target and target.startswith(UI) and "//" not in target and "\\" not in target:
        return target
    return UI + "/"


def cookie(name: str, value: str) -> str:
    return f"{name}={quote(value, safe='')}; Path={UI}; HttpOnly; SameSite=Strict"


def expired(name: str) -> str:
    return f"{name}=; Path={UI}; HttpOnly; SameSite=Strict; Max-Age=0"


def json_answer(status: int, body: dict, *, etag: str | None = None) -> RawResponse:
    headers = [("content-type", "application/json"), *SECURITY_HEADERS]
    if etag:
        headers.append(("etag", f'"{etag}"'))
    return RawResponse(status, headers, jsonbody.indented(body))


def html_answer(status: int, text: str, *, etag: str | None = None, script: bool = False) -> RawResponse:
    headers = [("content-type", "text/html; charset=utf-8"),
               ("content-security-policy", render.content_policy(script=script)), *SECURITY_HEADERS]
    if etag:
        headers.append(("etag", f'"{etag}"'))
    return RawResponse(status, headers, text.encode("utf-8"))
