"""JSON Schemas compiled into plain Python predicates: the fast "is this valid?" of every request
and response.

jsonschema walks a schema anew on every call (about 300 us for one message object); users send
thousands of requests, so fakeai asks a compiled predicate first and calls jsonschema only for a
body the predicate refuses, to word the error. The predicate covers exactly the keywords schemas/
uses (KEYWORDS); a schema with any other keyword is not compiled (``Compiler.predicate`` returns None)
and jsonschema checks it alone. tests/test_schemacheck.py proves the predicate and jsonschema
agree on generated instances.
"""

from __future__ import annotations

import functools
import re
from typing import Callable

Check = Callable[[object], bool]

#: Keywords that only annotate: they never make an instance invalid (format is not asserted by
#: jsonschema's default validators either).
ANNOTATIONS = {"$schema", "$comment", "default", "format", "x-fakeai-expected", "x-fakeai-wording",
               "x-fakeai-keep-null", "x-sdk-method", "title", "description"}
KEYWORDS = {"$ref", "type", "enum", "const", "properties", "required", "additionalProperties", "items",
            "minItems", "maxItems", "minLength", "maxLength", "minimum", "maximum", "pattern",
            "maxProperties", "minProperties", "propertyNames", "anyOf", "oneOf", "allOf"} | ANNOTATIONS


class Unsupported(Exception):
    """The schema uses a keyword this compiler does not know."""


@functools.lru_cache(maxsize=None)
def ecma_regex(pattern: str) -> re.Pattern:
    """A JSON Schema ``pattern`` with ECMA-262 semantics, as JSON Schema defines them: ``$`` (outside
    a character class) matches only at the very end, where Python's also matches before a final
    newline (so 'get_weather\\n' would pass '^[a-z_]+$')."""
    out, escaped, in_class = [], False, False
    for char in pattern:
        if escaped:
            out.append(char)
            escaped = False
        elif char == "\\":
            out.append(char)
            escaped = True
        elif char == "[":
            in_class = True
            out.append(char)
        elif char == "]":
            in_class = False
            out.append(char)
        else:
            out.append(r"\Z" if char == "$" and not in_class else char)
    return re.compile("".join(out))


def is_integer(value) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)) or (
        isinstance(value, float) and value.is_integer())


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


TYPE_TESTS = {
    "string": lambda v: isinstance(v, str),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "integer": is_integer,
    "number": is_number,
}


def json_equal(a, b) -> bool:
    """Equality as JSON Schema means it: true is not 1, 1.0 is 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if is_number(a) and is_number(b):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def every(checks: list) -> Check:
    """All of ``checks`` (a loop: the hot path of every body checked, cheaper than all() of a generator)."""
    def check(value) -> bool:
        for one in checks:
            if not one(value):
                return False
        return True
    return check


def any_of(checks: list) -> Check:
    def check(value) -> bool:
        for one in checks:
            if one(value):
                return True
        return False
    return check


def exactly_one(checks: list) -> Check:
    def check(value) -> bool:
        found = 0
        for one in checks:
            if one(value):
                found += 1
                if found > 1:
                    return False
        return found == 1
    return check


def one_of_values(allowed: list) -> Check:
    """``enum`` / ``const``. Strings and null (nearly every enum of the spec) are a set lookup: as JSON
    values, a string equals only the same string."""
    if all(option is None or isinstance(option, str) for option in allowed):
        strings = frozenset(option for option in allowed if option is not None)
        nullable = None in allowed
        return lambda value: (value is None and nullable) or (type(value) is str and value in strings)
    return lambda value: any(json_equal(value, option) for option in allowed)


class Compiler:
    """Compiles the schemas of one folder; ``$ref`` names another file of it (``X.json``)."""

    def __init__(self, documents: dict[str, dict]):
        self.documents = documents
        self.compiled: dict[str, Check] = {}

    def compile_file(self, name: str) -> Check:
        if name not in self.compiled:
            slot: list[Check] = []
            self.compiled[name] = lambda value: slot[0](value)  # lets a schema refer to itself
            try:
                slot.append(self.compile(self.documents[name]))
            except Unsupported:
                del self.compiled[name]
                raise
            self.compiled[name] = slot[0]
        return self.compiled[name]

    def predicate(self, name: str) -> Check | None:
        """The predicate of schema file ``name``, or None if it uses a keyword not compiled here."""
        try:
            return self.compile_file(name)
        except Unsupported:
            return None

    def compile(self, schema) -> Check:
        if schema is True or schema == {}:
            return lambda value: True
        if schema is False:
            return lambda value: False
        unknown = set(schema) - KEYWORDS
        if unknown:
            raise Unsupported(f"keywords {sorted(unknown)}")
        checks = [check for check in self.parts(schema) if check is not None]
        if len(checks) == 1:
            return checks[0]
        return every(checks)

    def parts(self, schema: dict):
        """One predicate per keyword group, each true for instances the group does not apply to."""
        if "$ref" in schema:
            yield self.compile_file(schema["$ref"])
        if "type" in schema:
            kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            tests = [TYPE_TESTS[kind] for kind in kinds]
            yield tests[0] if len(tests) == 1 else any_of(tests)
        if "enum" in schema:
            yield one_of_values(schema["enum"])
        if "const" in schema:
            yield one_of_values([schema["const"]])
        yield self.object_check(schema)
        yield self.array_check(schema)
        yield self.string_check(schema)
        yield self.number_check(schema)
        if "anyOf" in schema:
            yield any_of([self.compile(branch) for branch in schema["anyOf"]])
        if "allOf" in schema:
            yield every([self.compile(branch) for branch in schema["allOf"]])
        if "oneOf" in schema:
            yield exactly_one([self.compile(branch) for branch in schema["oneOf"]])

    def object_check(self, schema: dict) -> Check | None:
        properties = {key: self.compile(sub) for key, sub in schema.get("properties", {}).items()}
        required = list(schema.get("required", ()))
        extra = schema.get("additionalProperties", True)
        extra_check = None if extra is True or extra is False else self.compile(extra)
        most, least = schema.get("maxProperties"), schema.get("minProperties")
        names = self.compile(schema["propertyNames"]) if "propertyNames" in schema else None
        if not (properties or required or extra is not True or most is not None or least is not None or names):
            return None

        def check(value) -> bool:
            if not isinstance(value, dict):
                return True
            for key in required:
                if key not in value:
                    return False
            if (most is not None and len(value) > most) or (least is not None and len(value) < least):
                return False
            for key, item in value.items():
                if names is not None and not names(key):
                    return False
                sub = properties.get(key)
                if sub is not None:
                    if not sub(item):
                        return False
                elif extra is False or (extra_check is not None and not extra_check(item)):
                    return False
            return True
        return check

    def array_check(self, schema: dict) -> Check | None:
        items = self.compile(schema["items"]) if "items" in schema else None
        least, most = schema.get("minItems"), schema.get("maxItems")
        if items is None and least is None and most is None:
            return None

        def check(value) -> bool:
            if not isinstance(value, list):
                return True
            if (least is not None and len(value) < least) or (most is not None and len(value) > most):
                return False
            return items is None or all(items(item) for item in value)
        return check

    def string_check(self, schema: dict) -> Check | None:
        least, most = schema.get("minLength"), schema.get("maxLength")
        pattern = ecma_regex(schema["pattern"]) if "pattern" in schema else None
        if least is None and most is None and pattern is None:
            return None

        def check(value) -> bool:
            if not isinstance(value, str):
                return True
            if (least is not None and len(value) < least) or (most is not None and len(value) > most):
                return False
            return pattern is None or pattern.search(value) is not None
        return check

    def number_check(self, schema: dict) -> Check | None:
        least, most = schema.get("minimum"), schema.get("maximum")
        if least is None and most is None:
            return None

        def check(value) -> bool:
            if not is_number(value):
                return True
            # written as jsonschema compares, so even NaN gets its answer
            return (least is None or not value < least) and (most is None or not value > most)
        return check
