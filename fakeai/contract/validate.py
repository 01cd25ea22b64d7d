"""``fakeai validate``'s checks: each recorded interaction against the documented contract.

A request is matched by the pipeline's own router and checked by the pipeline's own functions, in
the pipeline's order (the OpenAI-Beta header, the path ids' prefixes, the query, the body), so its
first problem is the refusal the real API answers it with (errors.py's catalog). Its recorded answer
is checked against the operation's response schema (a stream event by event, by the schema of each
event's name; an error against the error envelope) and a problem is placed at its JSON path.

Requests to another host, or to an endpoint fakeai does not emulate, are counted, never failed.
Whatever the recording cannot tell (no request headers, no answer) is said in the verdict's notes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from .. import errors
from ..app import RawRequest, check_beta_header, checked_query, form_fields, parse_body, parse_form
from ..resources.paths import check_prefixes
from ..router import Router
from ..streaming import schema_of
from ..validation import Schemas, load_schemas
from .interaction import Interaction

#: Hosts whose traffic is the API's: OpenAI's, and loopback (fakeai itself, or a local proxy).
DEFAULT_API_HOSTS = ("api.openai.com", "localhost", "127.0.0.1", "::1")

PASSED, VIOLATED, NOT_EMULATED = "passed", "violated", "not emulated"
#: A request that breaks the contract, answered in the recording with exactly the API's refusal of
#: it (a test of that refusal): the contract held, so it is not a violation.
REFUSED = "refused as the API refuses"


@dataclass(frozen=True)
class Problem:
    """One way an interaction departs from the contract.

    where    request header / request path / request query / request body / request form /
             response body / response event N (its name)
    path     the JSON path in that body or query ($.metadata.key), the header, or the path id
    refusal  for a request: the API's answer to it (status, message, type, param, code)
    """

    where: str
    path: str
    message: str
    refusal: dict | None = None

    def describe(self) -> str:
        text = f"{self.where} {self.path}: {self.message}"
        if self.refusal:
            text += f" (the API answers {self.refusal['status']} {self.refusal['type']}"
            text += f", param {self.refusal['param']}" if self.refusal["param"] else ""
            text += f", code {self.refusal['code']})" if self.refusal["code"] else ")"
        return text


@dataclass
class Verdict:
    interaction: Interaction
    outcome: str  # PASSED, REFUSED, VIOLATED or NOT_EMULATED
    operation: str | None = None  # the spec's operationId of the endpoint
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # why not emulated; what could not be checked


class ContractCheck:
    """Checks interactions one at a time; built once (the router and the schemas are reused)."""

    def __init__(self, schemas: Schemas | None = None, api_hosts: Iterable[str] = DEFAULT_API_HOSTS):
        self.schemas = schemas or load_schemas()
        self.router = Router()
        self.api_hosts = frozenset(host.lower() for host in api_hosts)

    def __call__(self, interaction: Interaction) -> Verdict:
        host = interaction.host
        if host and host not in self.api_hosts:
            return Verdict(interaction, NOT_EMULATED,
                           notes=[f"{host} is not the API's host (--api-host {host} if it serves the API)"])
        matched = self.router.match(interaction.method, interaction.path)
        if matched is None:
            return Verdict(interaction, NOT_EMULATED,
                           notes=[f"{interaction.method} {interaction.path} is not an endpoint fakeai emulates"])
        route, params = matched
        verdict = Verdict(interaction, PASSED, route.operation)
        refused = self.request_problem(route, params, interaction, verdict.notes)
        if refused is not None:
            verdict.problems.append(refused)
        if refused is not None and refused.refusal["message"] == errors.v1_beta_header().message:
            verdict.notes.append("answer not checked: it was given by the retired v1 Assistants API")
        else:
            if refused is not None and interaction.status is not None and 200 <= interaction.status < 300:
                verdict.notes.append(f"the recorded answer is {interaction.status}: if the real API gave it, it "
                                     "accepted this request and fakeai's rule is stricter than the API was "
                                     "(please report it)")
            verdict.problems += self.response_problems(route, interaction, verdict.notes)
        if verdict.problems == [refused] and refused is not None and answered_with(interaction, refused.refusal):
            verdict.outcome = REFUSED
        else:
            verdict.outcome = VIOLATED if verdict.problems else PASSED
        return verdict

    # --- the request ----------------------------------------------------------------------

    def request_problem(self, route, params: dict, interaction: Interaction, notes: list) -> Problem | None:
        """The request's first problem, in the pipeline's order, with the API's refusal of it."""
        headers = interaction.request_headers
        request = RawRequest(interaction.method, interaction.path, interaction.query, headers,
                             interaction.request_body)
        steps = [("request path", lambda: check_prefixes(params)),
                 ("request query", lambda: checked_query(self.schemas, route, request.query))]
        if route.beta and not headers:
            notes.append("request headers not recorded: OpenAI-Beta not checked")
        elif route.beta:
            steps.insert(0, ("request header", lambda: check_beta_header(headers.get("openai-beta"))))
        if route.form:
            steps.append(("request form", lambda: self.schemas.check_form(
                route.body, form_fields(self.schemas, route, *parse_form(request)))))
        elif route.body:
            steps.append(("request body", lambda: self.schemas.check_request(route.body, parse_body(request))))
        for where, step in steps:
            try:
                step()
            except errors.APIError as refusal:
                return Problem(where, location(where, refusal.param), refusal.message, {
                    "status": refusal.status, "message": refusal.message, "type": refusal.type,
                    "param": refusal.param, "code": refusal.code})
        return None

    # --- the answer -----------------------------------------------------------------------

    def response_problems(self, route, interaction: Interaction, notes: list) -> list[Problem]:
        status = interaction.status
        if status is None:
            notes.append("no answer recorded")
            return []
        if status >= 400:
            return self.body_problems("ErrorResponse", interaction)
        if not 200 <= status < 300:
            notes.append(f"answer not checked: status {status}")
            return []
        if interaction.streamed:
            return self.event_problems(interaction)
        if route.response is None:  # a file's bytes, or an endpoint the spec gives no body schema
            return []
        return self.body_problems(route.response, interaction)

    def body_problems(self, schema: str, interaction: Interaction) -> list[Problem]:
        try:
            body = interaction.response_json()
        except ValueError:
            return [Problem("response body", "$", f"not JSON, where the API answers a {schema}")]
        if body is None:
            return [Problem("response body", "$", f"empty, where the API answers a {schema}")]
        found = self.schemas.response_problem(schema, body)
        return [Problem("response body", found[0], f"{found[1]} ({schema})")] if found else []

    def event_problems(self, interaction: Interaction) -> list[Problem]:
        """Each event's data against the schema of its name (as fakeai's own streams are checked)."""
        problems = []
        for number, (name, data) in enumerate(interaction.events(), 1):
            where = f"response event {number} ({name})"
            if name == "done":
                if data != "[DONE]":
                    problems.append(Problem(where, "$", f"the done event's data is {data!r}, not [DONE]"))
                continue
            try:
                schema = schema_of(name)
            except StopIteration:
                problems.append(Problem(where, "$", f"{name!r} is not an event of the API's streams"))
                continue
            if not isinstance(data, dict):
                problems.append(Problem(where, "$", f"data is not a JSON object, where the API sends a {schema}"))
                continue
            found = self.schemas.response_problem(schema, data)
            if found:
                problems.append(Problem(where, found[0], f"{found[1]} ({schema})"))
        return problems


def answered_with(interaction: Interaction, refusal: dict) -> bool:
    """Whether the recorded answer is ``refusal`` itself: its status and, literally, its error's
    message, type, param and code."""
    if interaction.status != refusal["status"]:
        return False
    try:
        error = (interaction.response_json() or {}).get("error")
    except (ValueError, AttributeError):
        return False
    return isinstance(error, dict) and all(error.get(key) == refusal[key] for key in ("message", "type", "param", "code"))


def location(where: str, param: str | None) -> str:
    """Where a refusal points: the header, the path id, or a JSON path in the query or body."""
    if where == "request header":
        return "OpenAI-Beta"
    if where == "request path":
        return param or "$"
    if not param:
        return "$"
    return "$" + param if param.startswith("[") else "$." + param
