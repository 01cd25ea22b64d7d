"""Requests and responses checked against schemas/ (the only user of jsonschema).

Requests: every error jsonschema finds is translated into the API's own wording (errors.py) and the
one that the API would report is chosen by PRECEDENCE, not by jsonschema's ``best_match`` heuristic.
Responses: a body fakeai is about to send that its schema refuses is a bug in fakeai (ContractViolation).
Validators are compiled once per process and shared by every emulator. A compiled predicate
(schemacheck.py) answers "valid?" first; jsonschema runs only to word what is wrong.
"""

from __future__ import annotations

import functools
import threading
import json
import re
from pathlib import Path

from jsonschema import Draft202012Validator, ValidationError, validators
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from . import errors
from .schemacheck import Compiler, ecma_regex

#: Which error the API reports when a request has several problems: lowest rank first, then the
#: order they occur in. api-notes §10 recommends unknown -> missing -> type -> bounds -> enum
#: (a third-party measurement on other endpoints saw "missing" beat "unknown"; unverified here).
PRECEDENCE = ("unknown", "missing", "type", "bounds", "enum")

BOUNDS = {"maxLength", "minLength", "maxItems", "minItems", "maxProperties", "minProperties",
          "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "pattern"}

TYPE_LABELS = {"string": "a string", "integer": "an integer", "number": "a number",
               "boolean": "a boolean", "object": "an object", "array": "an array", "null": "null"}


def ecma_pattern(validator, pattern, instance, schema):
    """jsonschema's ``pattern`` keyword with ECMA-262 ``$`` (schemacheck.ecma_regex)."""
    if validator.is_type(instance, "string") and not ecma_regex(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


#: Draft 2020-12 as JSON Schema defines it: patterns are ECMA-262 regular expressions.
Validator = validators.extend(Draft202012Validator, {"pattern": ecma_pattern})


def schema_dir() -> Path:
    """schemas/ ships inside the wheel as fakeai/_schemas; a source checkout uses the top-level one."""
    packaged = Path(__file__).with_name("_schemas")
    return packaged if packaged.is_dir() else Path(__file__).resolve().parent.parent / "schemas"


class Schemas:
    """All schema files of one folder, each compiled on first use."""

    def __init__(self, folder: Path):
        self.documents: dict[str, dict] = {}
        for file in sorted(folder.rglob("*.json")):
            name = file.relative_to(folder).as_posix()
            self.documents[name] = json.loads(file.read_text(encoding="utf-8"))
        # jsonschema picks a referenced document's validator class from its "$schema"; without it every
        # document is checked by Validator (ECMA-262 patterns), all of them being 2020-12 anyway.
        self._bare = {name: {key: value for key, value in doc.items() if key != "$schema"}
                      for name, doc in self.documents.items()}
        self.registry = Registry().with_resources(
            (name, Resource.from_contents(doc, default_specification=DRAFT202012))
            for name, doc in self._bare.items())
        self._validators: dict[str, Validator] = {}
        self._compiler = Compiler(self.documents)
        self._predicates: dict = {}
        self._empty_queries: dict[str, dict] = {}  # operation -> its query when none is sent
        #: Schemas compile on first use, and requests of different keys are checked at the same time:
        #: a schema half compiled by one thread must not be used by another.
        self._compiling = threading.RLock()

    def validator(self, name: str) -> Validator:
        """'ThreadObject' or 'parameters/listMessages' -> its compiled validator."""
        found = self._validators.get(name)
        if found is None:
            found = self._validators[name] = Validator(
                self._bare[name + ".json"], registry=self.registry)
        return found

    def is_valid(self, name: str, instance) -> bool:
        """Fast: the compiled predicate when there is one, else jsonschema."""
        if name not in self._predicates:
            with self._compiling:
                if name not in self._predicates:
                    self._predicates[name] = self._compiler.predicate(name + ".json")
        predicate = self._predicates[name]
        return predicate(instance) if predicate is not None else self.validator(name).is_valid(instance)

    def first_error(self, name: str, instance) -> errors.APIError | None:
        """The error the API reports for ``instance`` (None if it is valid), by PRECEDENCE."""
        if self.is_valid(name, instance):
            return None
        found = []
        for error in self.validator(name).iter_errors(instance):
            found.extend(self.translate(error))
        if not found:
            return None
        found.sort(key=lambda ranked: PRECEDENCE.index(ranked[0]))
        return found[0][1]

    def resolve(self, schema: dict) -> dict:
        """Follow a top-level $ref (schemas here only ever point at whole files)."""
        while "$ref" in schema:
            schema = self.documents[schema["$ref"]]
        return schema

    # --- requests ---------------------------------------------------------------------------

    def check_request(self, name: str, body: dict) -> dict:
        """The body with explicit nulls of optional keys dropped; raises the API's 400 if refused."""
        body = self.drop_optional_nulls(body, self.documents[name + ".json"])
        error = self.first_error(name, body)
        if error is not None:
            raise error
        return body

    def check_query(self, operation_id: str, args) -> dict:
        """Query string (a werkzeug MultiDict) -> typed values with the spec's defaults."""
        if not args:  # most requests: the same answer every time (a refusal is made anew)
            known = self._empty_queries.get(operation_id)
            if known is None:
                known = self._empty_queries[operation_id] = self._check_query(operation_id, args)
            return dict(known)
        return self._check_query(operation_id, args)

    def _check_query(self, operation_id: str, args) -> dict:
        schema = self.documents[f"parameters/{operation_id}.json"]
        query = {}
        for name, spec in schema["properties"].items():
            if spec.get("type") == "array":
                values = args.getlist(name)
                if values:
                    query[name] = values
            elif name in args:
                query[name] = coerce_query_value(name, args[name], spec)
        error = self.first_error(f"parameters/{operation_id}", query)
        if error is not None:
            raise error
        for name, spec in schema["properties"].items():
            if name not in query and "default" in spec:
                query[name] = spec["default"]
        return query

    def check_form(self, name: str, fields) -> dict:
        """multipart/form-data fields -> the body they stand for, then checked like a JSON body.

        The SDKs flatten objects with brackets (``expires_after[seconds]=3600``) and every value is
        text: keys are nested back and values typed as schema ``name`` says."""
        schema = self.documents[name + ".json"]
        body: dict = {}
        for key, raw in fields.items():
            parts = FORM_KEY.findall(key) or [key]
            target, spec = body, schema
            for part in parts[:-1]:
                spec = self.resolve(spec).get("properties", {}).get(part, {})
                target = target.setdefault(part, {}) if isinstance(target.get(part, {}), dict) else {}
            spec = self.resolve(self.resolve(spec).get("properties", {}).get(parts[-1], {}))
            target[parts[-1]] = coerce_query_value(".".join(parts), raw, spec)
        return self.check_request(name, body)

    def drop_optional_nulls(self, value, schema: dict):
        """Real clients send null for "not given" (api-notes §0.1 #11); treat it as absent, except where
        an overlay says null means something (``x-fakeai-keep-null``: clearing a vector store's policy)."""
        schema = self.resolve(schema)
        if isinstance(value, dict) and "properties" in schema:
            required = set(schema.get("required", ()))
            properties = schema["properties"]
            return {key: (self.drop_optional_nulls(item, properties[key]) if key in properties else item)
                    for key, item in value.items()
                    if item is not None or key in required or properties.get(key, {}).get("x-fakeai-keep-null")}
        if isinstance(value, list) and isinstance(schema.get("items"), dict):
            return [self.drop_optional_nulls(item, schema["items"]) for item in value]
        return value

    def translate(self, error) -> list[tuple[str, errors.APIError]]:
        """One jsonschema error -> the (rank, APIError) pairs the API would report for it."""
        path = param_path(error.absolute_path)
        keyword, schema, instance = error.validator, error.schema, error.instance
        if keyword == "additionalProperties" and error.validator_value is False:
            known = schema.get("properties", {})
            return [("unknown", errors.unknown_parameter(join(path, key)))
                    for key in instance if key not in known]
        if keyword == "required":
            return [("missing", errors.missing_required_parameter(join(path, key)))
                    for key in error.validator_value if key not in instance]
        if "propertyNames" in error.relative_schema_path:
            return [("bounds", errors.property_name_too_long(path, instance, error.validator_value))]
        if keyword == "type":
            return [("type", errors.invalid_type(path, self.expected(schema), describe(instance)))]
        if keyword in ("anyOf", "oneOf"):
            return self.translate_choice(error, path)
        if keyword == "allOf":
            return [pair for sub in error.context for pair in self.translate(sub)]
        if keyword in ("enum", "const"):
            allowed = error.validator_value if keyword == "enum" else [error.validator_value]
            if schema.get("x-fakeai-wording") == "not_one_of":
                return [("enum", errors.not_one_of(path, instance, allowed))]
            return [("enum", errors.invalid_value(path, instance, [v for v in allowed if v is not None]))]
        if keyword in BOUNDS:
            return [("bounds", bound_error(keyword, path, instance, error.validator_value,
                                           integer=is_integer_typed(schema)))]
        return [("bounds", errors.BadRequestError(f"Invalid '{path}': {error.message}.", param=path,
                                                  code="invalid_value"))]

    def translate_choice(self, error, path: str) -> list[tuple[str, errors.APIError]]:
        """anyOf/oneOf: report what is wrong inside the branch the caller evidently meant."""
        instance = error.instance
        branches = [self.resolve(branch) for branch in error.validator_value]
        fitting = [i for i, branch in enumerate(branches) if admits_type(branch, instance)]
        if not fitting:
            return [("type", errors.invalid_type(path, self.expected(error.schema), describe(instance)))]
        if isinstance(instance, dict) and len(fitting) > 1:
            tags = {i: discriminator(branches[i]) for i in fitting}
            if all(tags.values()):
                chosen = [i for i in fitting if instance.get("type") in tags[i]]
                if not chosen:
                    if "type" not in instance:
                        return [("missing", errors.missing_required_parameter(join(path, "type")))]
                    allowed = [tag for i in fitting for tag in tags[i]]
                    return [("enum", errors.invalid_value(join(path, "type"), instance["type"], allowed))]
                fitting = chosen
        by_branch = {i: [] for i in fitting}
        for sub in error.context:
            if sub.relative_schema_path[0] in by_branch:
                by_branch[sub.relative_schema_path[0]].append(sub)
        best = min(fitting, key=lambda i: len(by_branch[i]))
        if not by_branch[best]:
            if all(set(branch) == {"required"} for branch in branches):  # "exactly one of these keys"
                names = [key for branch in branches for key in branch["required"]]
                return [("enum", errors.mutually_exclusive(path, names))]
            return []  # valid under several oneOf branches: an ambiguity of the spec, not of the caller
        return [pair for sub in by_branch[best] for pair in self.translate(sub)]

    def expected(self, schema: dict) -> str:
        """How the API names the type it wanted ('a string', 'a metadata object', ...)."""
        schema = self.resolve(schema)
        for choice in ("anyOf", "oneOf"):
            if choice in schema:
                labels = [self.expected(branch) for branch in schema[choice]]
                labels = list(dict.fromkeys(label for label in labels if label != "null"))
                return labels[0] if len(labels) == 1 else "one of " + " or ".join(labels)
        if "x-fakeai-expected" in schema:
            return schema["x-fakeai-expected"]
        kinds = schema.get("type", "object")
        kinds = [kinds] if isinstance(kinds, str) else [k for k in kinds if k != "null"]
        if kinds == ["array"] and self.resolve(schema.get("items", {})).get("type") == "object":
            return "an array of objects"
        return " or ".join(TYPE_LABELS[k] for k in kinds)

    # --- responses --------------------------------------------------------------------------

    def contract_problem(self, name: str, body) -> str | None:
        """None when ``body`` matches schema ``name``; otherwise what is wrong, for the bug report."""
        if self.is_valid(name, body):
            return None
        problems = [f"{param_path(e.absolute_path) or '<body>'}: {e.message}"
                    for e in self.validator(name).iter_errors(body)]
        if not problems:
            return None
        return f"response does not match {name}: " + "; ".join(problems[:5])


    def response_problem(self, name: str, body) -> tuple[str, str] | None:
        """(JSON path, what is wrong) of the most relevant place where ``body`` departs from schema
        ``name`` (jsonschema's best_match); None when it matches. A missing key is placed at the key."""
        if self.is_valid(name, body):
            return None
        error = best_match(self.validator(name).iter_errors(body))
        if error is None:
            return None
        parts = list(error.absolute_path)
        if error.validator == "required" and isinstance(error.instance, dict):
            missing = [key for key in error.validator_value if key not in error.instance]
            if missing:
                return json_path([*parts, missing[0]]), f"the required key '{missing[0]}' is missing"
        return json_path(parts), error.message


@functools.lru_cache(maxsize=None)
def load_schemas(folder: str | None = None) -> Schemas:
    """The process-wide compiled schemas (built once; every emulator shares them)."""
    return Schemas(Path(folder) if folder else schema_dir())


# --- helpers ------------------------------------------------------------------------------------

def param_path(parts) -> str:
    """deque(['thread', 'messages', 0, 'file_ids']) -> 'thread.messages[0].file_ids'."""
    out = ""
    for part in parts:
        out = f"{out}[{part}]" if isinstance(part, int) else join(out, part)
    return out


#: A key that a JSON path can write after a dot.
PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def json_path(parts) -> str:
    """deque(['data', 0, 'object']) -> '$.data[0].object' (an odd key: "$['a b']")."""
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif PLAIN_KEY.fullmatch(part):
            out += f".{part}"
        else:
            out += f"[{part!r}]"
    return out


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def describe(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a decimal number"
    return {str: "a string", dict: "an object", list: "an array"}.get(type(value), "a value")


JSON_TYPES = {"string": (str,), "object": (dict,), "array": (list,), "boolean": (bool,),
              "null": (type(None),), "number": (int, float), "integer": (int,)}


def admits_type(schema: dict, value) -> bool:
    kinds = schema.get("type")
    if kinds is None:
        return True
    kinds = [kinds] if isinstance(kinds, str) else kinds
    if isinstance(value, bool):
        return "boolean" in kinds
    return any(isinstance(value, JSON_TYPES[k]) for k in kinds) or (
        "integer" in kinds and isinstance(value, float) and value.is_integer())


def is_integer_typed(schema: dict) -> bool:
    """'integer' or ['integer', 'null'] (a nullable integer is still worded as an integer)."""
    kinds = schema.get("type")
    return kinds == "integer" or (isinstance(kinds, list) and "integer" in kinds)


def discriminator(schema: dict) -> list:
    """The values of a branch's 'type' property enum, if it has one (the API's tagged unions)."""
    tag = schema.get("properties", {}).get("type", {})
    return list(tag.get("enum", ())) if isinstance(tag, dict) else []


def bound_error(keyword: str, path: str, value, limit, *, integer: bool) -> errors.APIError:
    if keyword == "maxLength":
        return errors.string_too_long(path, limit, len(value))
    if keyword == "minLength":
        return errors.too_short(path, "string", limit, len(value))
    if keyword == "maxItems":
        return errors.array_too_long(path, limit, len(value))
    if keyword == "minItems":
        return errors.too_short(path, "array", limit, len(value))
    if keyword == "maxProperties":
        return errors.too_many_properties(path, limit, len(value))
    if keyword in ("maximum", "exclusiveMaximum"):
        return errors.number_out_of_range(path, value, limit, above=True, integer=integer)
    if keyword in ("minimum", "exclusiveMinimum"):
        return errors.number_out_of_range(path, value, limit, above=False, integer=integer)
    if keyword == "pattern":
        return errors.pattern_mismatch(path, value, limit)
    return errors.BadRequestError(f"Invalid '{path}'.", param=path, code="invalid_value")


#: The parts of a bracketed form key: 'expires_after[seconds]' -> ['expires_after', 'seconds'].
FORM_KEY = re.compile(r"[^\[\]]+")


def coerce_query_value(name: str, raw: str, spec: dict):
    """Query strings and form fields are text; the spec types some of them (limit is an integer)."""
    if spec.get("type") == "integer":
        try:
            return int(raw)
        except ValueError:
            raise errors.invalid_type(name, "an integer", "a string") from None
    return raw
