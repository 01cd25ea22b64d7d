"""The admin API: a test in any language controls `fakeai serve` over HTTP, as a pytest test
controls the fixture. Everything lives under /_fakeai/, a path the OpenAI API never uses, and
acts on the tenant of the request's API key (and OpenAI-Project header), so parallel suites that
use different keys never touch each other's state.

    GET    /_fakeai/journal              the requests received, in order
    DELETE /_fakeai/journal              forget them
    GET    /_fakeai/faults               faults still pending
    POST   /_fakeai/faults               queue a fault            (schemas/admin/Fault.json)
    DELETE /_fakeai/faults               drop every pending fault
    POST   /_fakeai/script               queue what a run does    (schemas/admin/Script.json)
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
"""

from __future__ import annotations

import base64
import binascii
import copy
import json

from . import errors
from .fixtures import load as load_fixtures
from .app import RawRequest, RawResponse, bearer_key, parse_body
from .resources.vector_stores import expire_vector_store, get_vector_store
from .scripting import Plan, ScriptError
from .store import export_state

PREFIX = "/_fakeai/"


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


class Admin:
    def __init__(self, emulator):
        self.emulator = emulator
        self.app = emulator.app
        self.app.admin = self

    def owns(self, path: str) -> bool:
        return path.startswith(PREFIX)

    def handle(self, request: RawRequest) -> RawResponse:
        with self.app.lock:
            tenant = self.app.tenant_for(bearer_key(request.headers.get("authorization")),
                                         request.headers.get("openai-project"))
            try:
                if request.refused is not None:  # a body that did not arrive whole is not executed
                    raise request.refused
                status, body = 200, self.answer(tenant, request)
            except errors.APIError as error:
                status, body = error.status, error.body()
            except ScriptError as error:
                status, body = 400, errors.BadRequestError(f"fakeai script error: {error}").body()
        return RawResponse(status, [("content-type", "application/json")],
                           json.dumps(body, indent=2, ensure_ascii=False).encode())

    def checked(self, schema: str, request: RawRequest) -> dict:
        body = parse_body(request)
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
                                     progression=body.get("progression"))
            for action in body["actions"]:
                script_plan(plan, action)
            return {"queued": len(plan.actions), "pending": state.script.pending()}
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
