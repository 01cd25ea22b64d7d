"""The admin API: a test in any language controls `fakeai serve` over HTTP, as a pytest test
controls the fixture. Everything lives under /_fakeai/ (at the server's root, not under /v1), a
path the OpenAI API never uses.

Admin calls are authenticated exactly like API calls (no key, or a key the server does not accept:
the API's 401), and act on the tenant the same key and OpenAI-Project header reach through the API,
so a key can neither read nor change another key's state. Every answer names that tenant
(``"tenant": {"key": <masked>, "project": ..., "shared": ...}``). Bodies are JSON whatever their
Content-Type says (curl's ``-d`` sends a form type).

    GET    /_fakeai/journal              the requests received, in order
    DELETE /_fakeai/journal              forget them
    GET    /_fakeai/faults               faults still pending
    POST   /_fakeai/faults               queue a fault            (schemas/admin/Fault.json)
    DELETE /_fakeai/faults               drop every pending fault
    POST   /_fakeai/script               queue what a run does    (schemas/admin/Script.json)
    GET    /_fakeai/script               plans no run has taken yet, per scope (schemas/admin/ScriptPlans.json)
    DELETE /_fakeai/script               drop them
    GET    /_fakeai/progression          how fast runs and ingestion move
    POST   /_fakeai/progression          set it for this key      (schemas/admin/Progression.json)
    POST   /_fakeai/ingestion_failures   a file's next ingestion fails (schemas/admin/IngestionFailure.json)
    POST   /_fakeai/expire_vector_store  a vector store expires now (schemas/admin/ExpireVectorStore.json)
    POST   /_fakeai/load                 create fixture objects   (fakeai/fixtures.py)
    POST   /_fakeai/reset                forget everything        (schemas/admin/Reset.json)
    GET    /_fakeai/clock                fakeai's time
    POST   /_fakeai/clock                set or advance it        (schemas/admin/Clock.json)
    POST   /_fakeai/snapshot             keep the state aside; answers its snapshot_id
    POST   /_fakeai/restore              bring a snapshot back    (schemas/admin/Restore.json)
    GET    /_fakeai/state                every object, as JSON, for debugging
    GET    /_fakeai/ui                   the same, as web pages (fakeai/inspector/web.py)
"""

from __future__ import annotations

import base64
import binascii
import copy
import dataclasses
import json

from . import errors, jsonbody
from .app import RawRequest, RawResponse, parse_body
from .credentials import bearer_key
from .errors import mask_api_key
from .fixtures import load as load_fixtures
from .inspector.web import Inspector
from .resources.vector_stores import expire_vector_store, get_vector_store
from .scripting import (CallFunctions, CodeInterpreter, Expire, Fail, FileSearch, Incomplete, Plan, Reply,
                        Respond, ScriptError, StreamError)
from .store import export_state

PREFIX = "/_fakeai/"
#: Admin answers with a hand-written schema of their own; every other answer is only checked for
#: its tenant (schemas/admin/Answered.json).
ANSWER_SCHEMAS = {("script", "GET"): "admin/ScriptPlans"}


def script_plan(plan: Plan, action: dict) -> None:
    """One action of schemas/admin/Script.json onto a plan."""
    [(kind, spec)] = action.items()
    if kind == "reply":
        spec = {"text": spec} if isinstance(spec, str) else spec
        plan.then_reply(spec["text"], annotations=spec.get("annotations", ()))
    elif kind == "call_function":
        plan.then_call_function(spec["name"], spec.get("arguments", {}))
    elif kind == "call_functions":
        plan.then_call_functions(*((call["name"], call.get("arguments", {})) for call in spec))
    elif kind == "run_code":
        plan.then_run_code(spec["input"], logs=spec.get("logs", ""), image_file_ids=spec.get("image_file_ids", ()),
                           images=[written(item) for item in spec.get("images", ())],
                           files=[written(item) for item in spec.get("files", ())])
    elif kind == "search_files":
        plan.then_search_files(*spec)
    elif kind == "search":
        plan.then_search(spec.get("query"))
    elif kind == "fail":
        plan.then_fail(**spec)
    elif kind == "stop_incomplete":
        plan.then_stop_incomplete(**spec)
    elif kind == "expire":
        plan.then_expire()
    elif kind == "stream_error":
        plan.then_stream_error(**spec)


def written(output: dict) -> tuple[str, bytes]:
    """A file code writes, as the Script schema gives it: its name and text or base64 bytes."""
    if "content" in output:
        return output["name"], output["content"].encode("utf-8")
    try:
        return output["name"], base64.b64decode(output["content_base64"], validate=True)
    except binascii.Error:
        raise errors.invalid_type("content_base64", "base64 text", "a string") from None


def described_plan(scope: tuple, plan: Plan) -> dict:
    """A queued plan as the POST /_fakeai/script body that would queue it again (a responder,
    which only Python can script, shows as ``{"respond": "<its name>"}``)."""
    body = {}
    if scope[0] != "any":
        body[f"{scope[0]}_id"] = scope[1]
    if plan.progression is not None:
        body["progression"] = plan.progression
    if plan.optional:
        body["optional"] = True
    body["actions"] = [described_action(action) for action in plan.actions]
    return body


def described_action(action) -> dict:
    """One action in its schemas/admin/Script.json form."""
    if isinstance(action, Reply):
        if not action.annotations:
            return {"reply": action.text}
        return {"reply": {"text": action.text, "annotations": [dict(note) for note in action.annotations]}}
    if isinstance(action, CallFunctions):
        calls = [{"name": call.name, "arguments": json.loads(call.arguments)} for call in action.calls]
        return {"call_function": calls[0]} if len(calls) == 1 else {"call_functions": calls}
    if isinstance(action, CodeInterpreter):
        return {"run_code": {"input": action.input, "logs": action.logs,
                             "image_file_ids": list(action.image_file_ids),
                             "images": [encoded(name, data) for name, data in action.images],
                             "files": [encoded(name, data) for name, data in action.files]}}
    if isinstance(action, FileSearch):
        if action.results is None:
            return {"search": {} if action.query is None else {"query": action.query}}
        return {"search_files": [dict(result) for result in action.results]}
    if isinstance(action, Fail):
        return {"fail": {"code": action.code, "message": action.message}}
    if isinstance(action, Incomplete):
        return {"stop_incomplete": {"reason": action.reason, "text": action.text}}
    if isinstance(action, Expire):
        return {"expire": {}}
    if isinstance(action, StreamError):
        return {"stream_error": {"message": action.message}}
    if isinstance(action, Respond):
        return {"respond": getattr(action.callback, "__qualname__", repr(action.callback))}
    raise TypeError(f"no HTTP form for the action {action!r}")


def encoded(name: str, data: bytes) -> dict:
    """A file code writes, in the Script schema's form (its bytes as base64)."""
    return {"name": name, "content_base64": base64.b64encode(data).decode("ascii")}


class Admin:
    def __init__(self, emulator):
        self.emulator = emulator
        self.app = emulator.app
        self.app.admin = self
        self.inspector = Inspector(self)

    def owns(self, path: str) -> bool:
        return path.startswith(PREFIX)

    def handle(self, request: RawRequest) -> RawResponse:
        if self.inspector.owns(request.path):  # pages for a browser: a cookie may carry the key
            return self.inspector.handle(request)
        header = request.headers.get("authorization")
        key, project = bearer_key(header), request.headers.get("openai-project")
        try:
            self.app.authenticate(header, key)  # before any tenant is looked up: a refused key has none
        except errors.APIError as error:
            return answered(error.status, error.body())
        tenant = self.app.tenant_for(key, project)
        with tenant.lock:
            try:
                if request.refused is not None:  # a body that did not arrive whole is not executed
                    raise request.refused
                status, body = 200, {**self.answer(tenant, request), "tenant": self.named(key, project)}
                self.check_answer(request, body)
            except errors.APIError as error:
                status, body = error.status, error.body()
            except ScriptError as error:
                status, body = 400, errors.BadRequestError(f"fakeai script error: {error}").body()
            return answered(status, body)  # encoded under the lock: the state as it is now

    def check_answer(self, request: RawRequest, body: dict) -> None:
        """Answers with a schema of their own are checked like the API's (a mismatch is a fakeai bug)."""
        schema = ANSWER_SCHEMAS.get((request.path[len(PREFIX):].strip("/"), request.method), "admin/Answered")
        problem = self.app.schemas.contract_problem(schema, body)
        if problem:
            raise self.app.bug_error(problem)

    def named(self, key: str, project: str | None) -> dict:
        """The tenant an answer acted on: the caller's key (masked) and project; ``shared`` when one
        state serves every key (in-process, or ``fakeai serve --shared``)."""
        return {"key": mask_api_key(key), "project": project, "shared": not self.app.namespaced}

    def checked(self, schema: str, request: RawRequest) -> dict:
        """The body, read as JSON whatever its Content-Type (curl ``-d`` says it is a form), checked
        against schemas/admin/<schema>.json."""
        headers = {name: value for name, value in request.headers.items() if name != "content-type"}
        body = parse_body(dataclasses.replace(request, headers=headers))
        error = self.app.schemas.first_error(f"admin/{schema}", body)
        if error is not None:
            raise error
        return body

    def answer(self, tenant, request: RawRequest) -> dict:
        name, method = request.path[len(PREFIX):].strip("/"), request.method
        state = tenant.state
        if (name, method) == ("journal", "GET"):
            return {"object": "list", "data": [entry.summary() for entry in tenant.journal]}
        if (name, method) == ("journal", "DELETE"):
            tenant.journal.clear()
            return {"deleted": True}
        if (name, method) == ("faults", "GET"):
            return {"object": "list", "data": [vars(fault) for fault in tenant.faults.pending]}
        if (name, method) == ("faults", "POST"):
            return vars(tenant.faults.add(**self.checked("Fault", request)))
        if (name, method) == ("faults", "DELETE"):
            tenant.faults.clear()
            return {"deleted": True}
        if (name, method) == ("script", "POST"):
            body = self.checked("Script", request)
            plan = state.script.plan(thread_id=body.get("thread_id"), assistant_id=body.get("assistant_id"),
                                     progression=body.get("progression"), optional=body.get("optional", False))
            for action in body["actions"]:
                script_plan(plan, action)
            return {"queued": len(plan.actions), "pending": state.script.pending()}
        if (name, method) == ("script", "GET"):
            return {"object": "list", "data": [described_plan(scope, plan) for scope, plan in state.script.queued()],
                    "pending": state.script.pending()}
        if (name, method) == ("script", "DELETE"):
            return {"deleted": True, "count": state.script.clear()}
        if name == "progression" and method in ("GET", "POST"):
            if method == "POST":
                state.progression = self.checked("Progression", request)["progression"]
            return {"progression": state.progression}
        if (name, method) == ("ingestion_failures", "POST"):
            body = self.checked("IngestionFailure", request)
            state.script.fail_ingestion(body["file_id"], body.get("code", "invalid_file"), body.get("message"))
            return {"queued": body["file_id"]}
        if (name, method) == ("expire_vector_store", "POST"):
            body = self.checked("ExpireVectorStore", request)
            return expire_vector_store(state, get_vector_store(state, body["vector_store_id"]))
        if (name, method) == ("load", "POST"):
            trial = copy.deepcopy(state)
            created = load_fixtures(trial, self.app.schemas, self.checked("Load", request))
            tenant.state = trial
            return created
        if (name, method) == ("reset", "POST"):
            body = self.checked("Reset", request)
            fresh = self.emulator.new_tenant(seed=body.get("seed"))
            tenant.state, tenant.faults, tenant.snapshots = fresh.state, fresh.faults, {}
            tenant.journal.clear()
            return {"reset": True}
        if name == "clock" and method in ("GET", "POST"):
            if method == "POST":
                body = self.checked("Clock", request)
                state.clock.set(body["set"]) if "set" in body else state.clock.advance(body["advance"])
            return {"now": state.clock.now()}
        if (name, method) == ("snapshot", "POST"):
            snapshot_id = f"snapshot_{len(tenant.snapshots) + 1}"
            tenant.snapshots[snapshot_id] = copy.deepcopy(state)
            return {"snapshot_id": snapshot_id}
        if (name, method) == ("restore", "POST"):
            body = self.checked("Restore", request)
            if body["snapshot_id"] not in tenant.snapshots:  # another key's snapshots are not found
                raise errors.NotFoundError(f"No snapshot found with id '{body['snapshot_id']}'.")
            tenant.state = copy.deepcopy(tenant.snapshots[body["snapshot_id"]])
            return {"restored": body["snapshot_id"]}
        if (name, method) == ("state", "GET"):
            return export_state(state)
        raise errors.invalid_url(method, request.path)


def answered(status: int, body: dict) -> RawResponse:
    return RawResponse(status, [("content-type", "application/json")],
                       jsonbody.indented(body))
