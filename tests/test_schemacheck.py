"""The compiled schema predicates (fakeai/schemacheck.py) say exactly what jsonschema says.

fakeai asks a predicate compiled from schemas/ whether a request or response is valid, and asks
jsonschema only to word the errors. A predicate that ACCEPTS what jsonschema refuses would let a bad
request or a broken response through unnoticed; one that refuses what jsonschema accepts only costs
time, but is a disagreement all the same. So for every schema file we generate instances from the
schema itself -- valid ones, then ones mutated just across a boundary (a required key dropped, an
unknown key added, one item too many, true where 1 is wanted, 17 metadata pairs, a 65-character
metadata key ...) -- plus random JSON, and demand that the predicate and jsonschema agree on each;
a second test tries every single defect of a generated instance in turn. A table of hand-picked
instances pins the JSON Schema semantics that are easy to get wrong (bool vs 1, 1.0, oneOf, ...).

NaN and Infinity are never generated: they are not JSON and the app refuses them while parsing
(fakeai/app.py). (NaN under ``minimum``/``maximum`` is still compared as jsonschema compares it:
accepted, since ``nan < 0`` is false.)
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from fakeai.schemacheck import ANNOTATIONS, KEYWORDS, Compiler
from fakeai.validation import Validator, load_schemas

SCHEMAS = load_schemas()
DOCUMENTS = SCHEMAS.documents
SCHEMA_NAMES = sorted(name.removesuffix(".json") for name in DOCUMENTS)

#: Array limits above this are not crossed by generated instances (the memory it would take).
LARGEST_ARRAY_LIMIT = 1_000

#: What fakeai sends back most: tested with more examples.
MAIN_RESPONSES = ["ThreadObject", "MessageObject", "AssistantObject", "ListMessagesResponse",
                  "RunObject", "RunStepObject"]

EXAMPLES = 25
EXAMPLES_FOR_MAIN = 100
SINGLE_DEFECT_EXAMPLES = 4
NEIGHBOURS = 150

#: How deep generation follows $ref from file to file before it just writes null.
MAX_REF_DEPTH = 6


def predicate(name: str):
    return SCHEMAS._compiler.predicate(name + ".json")


def jsonschema_is_valid(name: str, instance) -> bool:
    return SCHEMAS.validator(name).is_valid(instance)


def shown(instance) -> str:
    text = json.dumps(instance, ensure_ascii=False)
    return text if len(text) < 3000 else text[:3000] + " ..."


# --- which schemas compile -----------------------------------------------------------------------

def keywords_reachable(name: str) -> set[str]:
    """Every keyword schema file ``name`` uses, following $ref into other files."""
    found: set[str] = set()
    visited: set[str] = set()

    def walk(schema) -> None:
        if not isinstance(schema, dict):
            return
        found.update(schema)
        for keyword, sub in schema.items():
            if keyword == "$ref" and sub not in visited:
                visited.add(sub)
                walk(DOCUMENTS[sub])
            elif keyword == "properties":
                for each in sub.values():
                    walk(each)
            elif keyword in ("anyOf", "oneOf", "allOf"):
                for each in sub:
                    walk(each)
            elif keyword in ("items", "additionalProperties", "propertyNames"):
                walk(sub)

    visited.add(name + ".json")
    walk(DOCUMENTS[name + ".json"])
    return found


def test_every_schema_compiles_unless_it_uses_a_keyword_the_compiler_lacks():
    for name in SCHEMA_NAMES:
        unsupported = keywords_reachable(name) - KEYWORDS
        assert (predicate(name) is None) == bool(unsupported), (name, sorted(unsupported))


def test_schemas_are_many_and_all_compile_today():
    assert len(SCHEMA_NAMES) > 100
    assert [name for name in SCHEMA_NAMES if predicate(name) is None] == []


# --- JSON values that are not derived from a schema --------------------------------------------

FINITE_FLOATS = st.floats(allow_nan=False, allow_infinity=False)
JSON_SCALARS = st.none() | st.booleans() | st.integers() | FINITE_FLOATS | st.text(max_size=10)
RANDOM_JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8)

#: Values where type and equality checks go wrong: bool vs int, 1.0 vs 1, -0.0, huge numbers,
#: long strings, a trailing newline for ``$`` in patterns, empty containers.
ODD_VALUES = [None, True, False, 0, 1, -1, 1.0, -0.0, 0.5, 2**53 + 1, -(10**30), 1e300, "", "x", "1",
              "true", "null", "a" * 65, "a" * 513, "abc\n", "\u00e9\U0001f600", [], {}, [None], {"": None}]

ANY_ODD_VALUE = st.sampled_from(ODD_VALUES) | RANDOM_JSON


# --- instances generated from a schema -----------------------------------------------------------

def meaningful(schema) -> bool:
    """False for schemas that accept anything: true, {} and annotations only."""
    return isinstance(schema, dict) and bool(set(schema) - ANNOTATIONS)


def resolved(schema):
    while isinstance(schema, dict) and "$ref" in schema:
        schema = DOCUMENTS[schema["$ref"]]
    return schema


def merged(base: dict, extra):
    """``base`` with the constraints of ``extra`` added: the schema an anyOf/oneOf/allOf branch
    amounts to together with its siblings (properties and required are united, the rest replaced)."""
    if not meaningful(base):
        return extra
    extra = resolved(extra)
    if not isinstance(extra, dict):
        return base
    out = dict(base)
    for keyword, value in extra.items():
        if keyword == "properties":
            out[keyword] = {**base.get(keyword, {}), **value}
        elif keyword == "required":
            out[keyword] = list(dict.fromkeys([*base.get(keyword, ()), *value]))
        else:
            out[keyword] = value
    return out


def implied_kind(schema: dict) -> str | None:
    """The JSON type a schema without ``type`` is about, judged by its keywords."""
    if {"properties", "required", "additionalProperties", "minProperties", "maxProperties",
            "propertyNames"} & set(schema):
        return "object"
    if {"items", "minItems", "maxItems"} & set(schema):
        return "array"
    if {"minLength", "maxLength", "pattern"} & set(schema):
        return "string"
    if {"minimum", "maximum"} & set(schema):
        return "number"
    return None


def bounded(schema: dict) -> bool:
    """Does the schema draw a line that a value one step away can cross (a limit, a closed object)?"""
    return bool(BOUND_KEYWORDS & set(schema)) or schema.get("additionalProperties", True) is not True


BOUND_KEYWORDS = {"minLength", "maxLength", "pattern", "minItems", "maxItems", "minimum", "maximum",
                  "minProperties", "maxProperties", "propertyNames"}


def replaced(instance, path: tuple, new):
    """A copy of ``instance`` with the value at ``path`` (keys and indexes) replaced by ``new``."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(instance, dict):
        return {**instance, head: replaced(instance[head], rest, new)}
    copy = list(instance)
    copy[head] = replaced(copy[head], rest, new)
    return copy


@dataclass
class Node:
    """One value the builder made for one (sub)schema, and where it sits in the instance."""
    path: tuple
    schema: dict
    value: object
    depth: int


class InstanceBuilder:
    """Walks a schema drawing an instance that fits it, mutating a share of the values it makes
    (``mutation_rate`` percent) and remembering where each value went (``nodes``)."""

    def __init__(self, draw, mutation_rate: int = 0):
        self.draw = draw
        self.mutation_rate = mutation_rate
        self.nodes: list[Node] = []

    def chance(self, percent: int) -> bool:
        return percent > 0 and self.draw(st.integers(0, 99)) < percent

    def value(self, schema, depth: int = 0, path: tuple | None = ()):
        """An instance of ``schema``; ``path`` None means "not a value of the instance" (a key)."""
        if not meaningful(schema):
            return self.draw(RANDOM_JSON)
        if "$ref" in schema:
            if depth >= MAX_REF_DEPTH:
                return None
            return self.value(DOCUMENTS[schema["$ref"]], depth + 1, path)
        for keyword in ("allOf", "anyOf", "oneOf"):
            if keyword in schema:
                rest = {key: sub for key, sub in schema.items() if key != keyword}
                branches = schema[keyword]
                # allOf: the later branches in schemas/ only widen the first one to null.
                branch = branches[0] if keyword == "allOf" else self.draw(st.sampled_from(branches))
                return self.value(merged(rest, branch), depth, path)
        if "const" in schema:
            built = schema["const"]
        elif "enum" in schema:
            built = self.draw(st.sampled_from(schema["enum"]))
        else:
            kinds = schema.get("type") or implied_kind(schema)
            if kinds is None:
                return self.draw(RANDOM_JSON)
            kind = self.draw(st.sampled_from(kinds)) if isinstance(kinds, list) else kinds
            built = self.typed_value(schema, kind, depth, path)
        if path is not None:
            self.nodes.append(Node(path, schema, built, depth))
        if self.chance(self.mutation_rate):
            return self.mutated(Node(path, schema, built, depth))
        return built

    def typed_value(self, schema: dict, kind: str, depth: int, path):
        if kind == "object":
            return self.object_value(schema, depth, path)
        if kind == "array":
            return self.array_value(schema, depth, path)
        if kind == "string":
            return self.string_value(schema)
        if kind in ("integer", "number"):
            return self.number_value(schema, integer=kind == "integer")
        if kind == "boolean":
            return self.draw(st.booleans())
        return None

    def object_value(self, schema: dict, depth: int, path) -> dict:
        properties = schema.get("properties", {})
        result = {}
        for key in [*schema.get("required", ()), *self.optional_keys(schema)]:
            if key in properties:
                result[key] = self.value(properties[key], depth, below(path, key))
            else:  # required, with no schema of its own
                result[key] = self.draw(RANDOM_JSON)
        extra = schema.get("additionalProperties", True)
        if isinstance(extra, dict) or (extra is True and not properties):  # a map, like Metadata
            room = schema.get("maxProperties", 3) - len(result)
            for _ in range(self.draw(st.integers(0, max(0, min(3, room))))):
                key = self.property_name(schema, depth)
                if key not in properties:
                    result[key] = self.value(extra, depth, below(path, key))
        return result

    def optional_keys(self, schema: dict) -> list:
        """Which optional properties to give: each by a coin, or as many as min/maxProperties allow
        (the admin script's actions have exactly one of nine)."""
        required = schema.get("required", ())
        optional = [key for key in schema.get("properties", {}) if key not in required]
        if "minProperties" not in schema and "maxProperties" not in schema:
            return [key for key in optional if self.draw(st.booleans())]
        least = max(0, schema.get("minProperties", 0) - len(required))
        most = max(least, min(len(optional), schema.get("maxProperties", len(optional)) - len(required)))
        if not optional:
            return []
        return self.draw(st.lists(st.sampled_from(optional), unique=True,
                                  min_size=min(least, len(optional)), max_size=most))

    def property_name(self, schema: dict, depth: int) -> str:
        if "propertyNames" in schema:
            name = self.value(schema["propertyNames"], depth, path=None)
            return name if isinstance(name, str) else json.dumps(name)
        return self.draw(st.text(max_size=8))

    def array_value(self, schema: dict, depth: int, path) -> list:
        least, most = schema.get("minItems", 0), schema.get("maxItems")
        size = self.draw(st.integers(least, least + 2 if most is None else max(least, min(most, least + 2))))
        return [self.value(schema.get("items", True), depth, below(path, index)) for index in range(size)]

    def string_value(self, schema: dict) -> str:
        least, most = schema.get("minLength", 0), schema.get("maxLength")
        if "pattern" in schema:
            text = self.draw(st.from_regex(schema["pattern"], fullmatch=True))
            return text if most is None else text[:most]
        longest = least + 8 if most is None else max(least, min(most, least + 8))
        return self.draw(st.text(min_size=least, max_size=longest))

    def number_value(self, schema: dict, *, integer: bool):
        least, most = schema.get("minimum"), schema.get("maximum")
        whole = self.draw(st.integers(None if least is None else math.ceil(least),
                                      None if most is None else math.floor(most)))
        if integer:
            return self.draw(st.sampled_from([whole, float(whole)]))  # JSON's 1.0 is an integer too
        return self.draw(st.just(whole) | st.floats(least, most, allow_nan=False, allow_infinity=False))

    # --- defects: values just across (or exactly on) the schema's lines --------------------------

    def mutated(self, node: Node):
        """``node.value`` replaced by one of its near misses: half the time one that tests a line
        the schema draws there (a limit, a closed object, a required key), else any."""
        if self.draw(st.integers(0, 3)) == 0:
            return self.draw(ANY_ODD_VALUE)
        lines, others = self.near_misses(node)
        family = lines if lines and self.draw(st.booleans()) else lines + others
        return self.draw(st.sampled_from(family))

    def near_misses(self, node: Node) -> tuple[list, list]:
        """(values that test the lines ``node.schema`` draws, other values one step away)."""
        schema, value = node.schema, node.value
        lines = enum_near_misses(schema)
        others = list(TYPE_CONFUSIONS)
        if isinstance(value, dict):
            lines += object_near_misses(schema, value) + self.with_absent_properties(node)
            others += [{**value, "unknown_key": None}]
        if isinstance(value, list):
            lines += self.array_near_misses(node)
            others += [value[:-1], value + value[-1:], value + [None]]
        if isinstance(value, str):
            lines += string_near_misses(schema, value)
            others += [value + "x", value[:-1], value.upper()]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            lines += number_near_misses(schema, value)
            others += [-value, value + 1, value - 1]
        return lines, others

    def with_absent_properties(self, node: Node) -> list:
        """The object with each property it lacks added, and with all of them added (both keys of a
        oneOf of required ones; one key too many under maxProperties)."""
        properties = node.schema.get("properties", {})
        added = {key: self.value(sub, node.depth, path=None)
                 for key, sub in properties.items() if key not in node.value}
        one_more = [{**node.value, key: item} for key, item in added.items()]
        return one_more + [{**node.value, **added}] if len(added) > 1 else one_more

    def array_near_misses(self, node: Node) -> list:
        """Arrays one item shorter or longer than minItems/maxItems, and exactly at them (limits up to
        LARGEST_ARRAY_LIMIT: a vector store's 100,000,000 file ids would take gigabytes to cross)."""
        schema, value = node.schema, node.value
        limits = [limit for limit in (schema.get("minItems"), schema.get("maxItems"))
                  if limit is not None and limit <= LARGEST_ARRAY_LIMIT]
        if not limits:
            return []
        filler = value[0] if value else self.value(schema.get("items", True), node.depth, path=None)
        return [[filler] * size for limit in limits for size in (limit - 1, limit, limit + 1) if size >= 0]

    def with_one_defect(self, instance):
        """``instance`` (built by this builder, unmutated) with exactly one value replaced by a near
        miss, half the time at a value whose schema draws a line (limits, closed objects)."""
        if not self.nodes:
            return instance
        lined = [node for node in self.nodes if bounded(node.schema)]
        pool = lined if lined and self.draw(st.booleans()) else self.nodes
        node = self.draw(st.sampled_from(pool))
        return replaced(instance, node.path, self.mutated(node))

    def single_defects(self, instance) -> list:
        """Every instance that differs from ``instance`` in one value, by one listed near miss."""
        return [replaced(instance, node.path, miss) for node in self.nodes
                for family in self.near_misses(node) for miss in family]


def below(path: tuple | None, step) -> tuple | None:
    return None if path is None else (*path, step)


#: Type confusions: what a value of another JSON type may look like.
TYPE_CONFUSIONS = [None, True, False, 1, 1.0, -0.0, 0.5, "", "1", [], {}]


def enum_near_misses(schema: dict) -> list:
    """true, 1 and 1.0 where an enum or const is checked, and strings one edit away from an option."""
    if "enum" not in schema and "const" not in schema:
        return []
    near = [True, False, 0, 1, 1.0]
    for option in schema.get("enum", [schema.get("const")]):
        if isinstance(option, str):
            near += [option.upper(), option + " ", option[:-1]]
    return near


def object_near_misses(schema: dict, value: dict) -> list:
    """Each key dropped, an unknown key added, maps one pair short of or over min/maxProperties and
    at them, and Metadata's limits: 16 pairs are fine, 17 are not;
    keys of 64 characters are fine, 65 are not; values of 512 characters are fine, 513 are not."""
    near = [{key: item for key, item in value.items() if key != dropped} for dropped in value]
    near += [{**value, "unknown_key": "x"}]
    for limit in (schema.get("minProperties"), schema.get("maxProperties")):
        if limit is not None:
            near += [{f"key_{i}": "value" for i in range(size)}
                     for size in (limit - 1, limit, limit + 1) if size >= 0]
    longest_name = schema.get("propertyNames", {}).get("maxLength")
    if longest_name is not None:
        near += [{**value, "k" * size: "value"} for size in (longest_name, longest_name + 1)]
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        near += [{**value, "extra": miss} for miss in (1, None, True, "")]
        if "maxLength" in extra:
            near += [{**value, "extra": "v" * size} for size in (extra["maxLength"], extra["maxLength"] + 1)]
    return near


def string_near_misses(schema: dict, value: str) -> list:
    """Strings one character shorter or longer than the limits, at them, and pattern breakers."""
    near = []
    for limit in (schema.get("minLength"), schema.get("maxLength")):
        if limit is not None:
            near += ["a" * size for size in (limit - 1, limit, limit + 1) if size >= 0]
            near += [(value + "a" * (limit + 1))[:size] for size in (limit, limit + 1)]
    if "pattern" in schema:
        near += [value + "\n", value + "!", " " + value, value + "\u00e9", ""]
    return near


def number_near_misses(schema: dict, value) -> list:
    """Numbers at the limits, one (or a half) across them, fractions and floats of integers."""
    near = [value + 0.5, float(value), True, False]
    for limit in (schema.get("minimum"), schema.get("maximum")):
        if limit is not None:
            near += [limit, float(limit), limit - 1, limit + 1, limit - 0.5, limit + 0.5]
    return near


@st.composite
def near_instances(draw, name: str):
    """Instances of schema ``name``: unmutated ones, ones with exactly one defect, ones with a few
    or many defects (a share of all values mutated), and now and then plain random JSON."""
    mode = draw(st.sampled_from(MODES))
    if mode == "random JSON":
        return draw(RANDOM_JSON)
    builder = InstanceBuilder(draw, MUTATION_RATES.get(mode, 0))
    instance = builder.value(DOCUMENTS[name + ".json"])
    return builder.with_one_defect(instance) if mode == "one defect" else instance


MODES = ["unmutated", "one defect", "one defect", "a few defects", "many defects", "random JSON"]

#: Percent of the values a mode mutates while building.
MUTATION_RATES = {"a few defects": 10, "many defects": 40}


@st.composite
def unmutated_instances(draw, name: str):
    return InstanceBuilder(draw).value(DOCUMENTS[name + ".json"])


@dataclass
class SingleDefects:
    """An unmutated instance and instances that each differ from it in one value; shown briefly
    (hypothesis prints the falsifying example, and hundreds of instances help no one)."""
    instance: object
    neighbours: list

    def __repr__(self) -> str:
        return f"SingleDefects(instance={shown(self.instance)[:1000]}, {len(self.neighbours)} neighbours)"


@st.composite
def single_defects(draw, name: str) -> SingleDefects:
    """An unmutated instance of ``name`` and (a sample of at most NEIGHBOURS of) every instance that
    differs from it in one value by one listed near miss."""
    builder = InstanceBuilder(draw)
    instance = builder.value(DOCUMENTS[name + ".json"])
    neighbours = builder.single_defects(instance)
    if len(neighbours) > NEIGHBOURS:
        neighbours = draw(st.randoms(use_true_random=False)).sample(neighbours, NEIGHBOURS)
    return SingleDefects(instance, neighbours)


# --- the properties -------------------------------------------------------------------------------

def disagreement(name: str, instance) -> str | None:
    expected = jsonschema_is_valid(name, instance)
    if predicate(name)(instance) == expected:
        return None
    return (f"{name}: jsonschema says {'valid' if expected else 'invalid'}, the compiled predicate "
            f"the opposite, for {shown(instance)}")


def quick_settings(examples: int):
    """derandomize: every run of the suite draws the same instances (CI must not be a lottery)."""
    return settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.mark.filterwarnings("ignore:Generating overly large repr")  # a falsifying RunObject is big
@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_compiled_predicate_and_jsonschema_agree_on_generated_instances(name):
    if predicate(name) is None:
        pytest.skip(f"{name} is not compiled (jsonschema checks it alone)")
    verdicts = Counter()

    @quick_settings(EXAMPLES_FOR_MAIN if name in MAIN_RESPONSES else EXAMPLES)
    @given(instance=near_instances(name))
    def agree(instance):
        verdict = "valid" if jsonschema_is_valid(name, instance) else "invalid"
        verdicts[verdict] += 1
        event(verdict)
        problem = disagreement(name, instance)
        assert problem is None, problem

    agree()
    # Both answers must occur, or half the predicate went untested (the draws are derandomized, so
    # this fails only when the schema or the generator changes: teach the generator the schema).
    assert verdicts["valid"] > 0 and verdicts["invalid"] > 0, verdicts


@pytest.mark.parametrize("name", [name for name in SCHEMA_NAMES if not name.endswith("StreamEvent")])
def test_compiled_predicate_and_jsonschema_agree_on_every_single_defect_of_an_instance(name):
    """Systematic where the property above samples: each value of a generated instance in turn
    replaced by each of its near misses. (The *StreamEvent schemas are skipped: they only wrap
    the objects tested here in a oneOf, and jsonschema takes ~10 ms per event.)"""
    if predicate(name) is None:
        pytest.skip(f"{name} is not compiled (jsonschema checks it alone)")

    @quick_settings(SINGLE_DEFECT_EXAMPLES)
    @given(defects=single_defects(name))
    def agree(defects):
        problems = [disagreement(name, each) for each in [defects.instance, *defects.neighbours]]
        problems = [problem for problem in problems if problem]
        if problems:
            pytest.fail(f"{len(problems)} disagreements, the first: {problems[0]}")

    agree()


# --- hand-picked cases where JSON Schema semantics are easy to get wrong ---------------------------

METADATA = {"$ref": "Metadata.json"}
ONE_OF_OVERLAPPING = {"oneOf": [{"type": "integer"}, {"type": "number"}]}
CLOSED_OBJECT = {"type": "object", "properties": {"a": {}}, "additionalProperties": False}
NAMED_PATTERN = {"type": "string", "pattern": "^[a-zA-Z0-9_-]+$", "maxLength": 64}
NULLABLE_COUNT = {"type": ["integer", "null"], "minimum": 256}

TRICKY_CASES = [
    # booleans are not numbers, and true is not 1 (nor false 0) in enum and const
    ({"type": "integer"}, True, False),
    ({"type": "number"}, False, False),
    ({"enum": [1]}, True, False),
    ({"enum": [0]}, False, False),
    ({"const": False}, 0, False),
    ({"enum": [[1]]}, [True], False),
    ({"enum": [{"a": 1}]}, {"a": True}, False),
    ({"type": "boolean"}, 1, False),
    # 1.0 is an integer and equals 1; -0.0 equals 0
    ({"type": "integer"}, 1.0, True),
    ({"type": "integer"}, 1.5, False),
    ({"type": "integer"}, 1e300, True),
    ({"enum": [1]}, 1.0, True),
    ({"enum": [0]}, -0.0, True),
    ({"enum": [{"a": 1}]}, {"a": 1.0}, True),
    ({"type": "integer", "minimum": 0}, -0.0, True),
    ({"type": "number", "maximum": 2}, 2.0000001, False),
    (NULLABLE_COUNT, None, True),
    (NULLABLE_COUNT, 255.0, False),
    (NULLABLE_COUNT, 256.0, True),
    (NULLABLE_COUNT, "256", False),
    # oneOf: exactly one branch; matching two is invalid
    (ONE_OF_OVERLAPPING, 1, False),
    (ONE_OF_OVERLAPPING, 1.5, True),
    (ONE_OF_OVERLAPPING, "1", False),
    ({"$ref": "CreateThreadRequest.json"}, {"tool_resources": {"file_search": {"vector_store_ids": []}}}, True),
    ({"$ref": "CreateThreadRequest.json"},
     {"tool_resources": {"file_search": {"vector_store_ids": [], "vector_stores": []}}}, False),
    # closed objects; keywords that do not apply to the instance's type
    (CLOSED_OBJECT, {"a": 1, "b": 2}, False),
    (CLOSED_OBJECT, {"a": 1}, True),
    (CLOSED_OBJECT, [], False),
    ({"required": ["a"], "maxItems": 0, "maxLength": 0, "minimum": 5}, "", True),
    ({"type": "array", "required": ["a"]}, [], True),  # the spec's attachments do this
    # minProperties and maxProperties count every key, known or not
    ({"minProperties": 1}, {}, False),
    ({"minProperties": 1}, {"x": None}, True),
    ({"minProperties": 1}, [], True),
    ({"properties": {"a": {}, "b": {}}, "minProperties": 1, "maxProperties": 1}, {"a": 1, "b": 2}, False),
    ({"properties": {"a": {}, "b": {}}, "minProperties": 1, "maxProperties": 1}, {"c": 1}, True),
    # lengths count code points
    ({"maxLength": 2}, "\U0001f600\U0001f600", True),
    ({"maxLength": 2}, "\U0001f600\U0001f600\U0001f600", False),
    # pattern is a search with ECMA-262 semantics, as JSON Schema defines it ($ only at the very end)
    (NAMED_PATTERN, "get_weather", True),
    (NAMED_PATTERN, "get weather", False),
    (NAMED_PATTERN, "get_weather\n", False),  # ECMA-262 '$' (JSON Schema's): only at the very end
    (NAMED_PATTERN, "", False),
    (NAMED_PATTERN, "a" * 65, False),
    ({"pattern": "b"}, "abc", True),
    # Metadata: at most 16 pairs, keys up to 64 characters, values strings up to 512; or null
    (METADATA, None, True),
    (METADATA, {f"key_{i}": "v" for i in range(16)}, True),
    (METADATA, {f"key_{i}": "v" for i in range(17)}, False),
    (METADATA, {"k" * 64: "v"}, True),
    (METADATA, {"k" * 65: "v"}, False),
    (METADATA, {"k": "v" * 513}, False),
    (METADATA, {"k": 1}, False),
    (METADATA, [], False),
    # a $ref inside anyOf with null
    ({"anyOf": [METADATA, {"type": "null"}]}, None, True),
    ({"anyOf": [METADATA, {"type": "null"}]}, {"k": None}, False),
    ({"anyOf": [{"$ref": "TruncationObject.json"}, {"type": "null"}]}, {"type": "auto"}, True),
    ({"anyOf": [{"$ref": "TruncationObject.json"}, {"type": "null"}]}, {"type": "last_messages",
                                                                        "last_messages": 0}, False),
    ({"anyOf": [{"$ref": "TruncationObject.json"}, {"type": "null"}]}, {}, False),
    # allOf with a permissive second branch (tool_choice, truncation_strategy)
    ({"allOf": [{"$ref": "AssistantsApiToolChoiceOption.json"}, {"anyOf": [{}, {"type": "null"}]}]},
     "auto", True),
    ({"allOf": [{"$ref": "AssistantsApiToolChoiceOption.json"}, {"anyOf": [{}, {"type": "null"}]}]},
     None, False),
    # NaN and Infinity are not JSON (the app refuses them) but compare as in jsonschema all the same
    ({"minimum": 0, "maximum": 2}, math.nan, True),
    ({"type": "integer"}, math.nan, False),
    ({"type": "integer"}, math.inf, False),
    ({"maximum": 2}, math.inf, False),
    ({"minimum": 0}, -math.inf, False),
    # true/false and empty schemas
    ({"properties": {"a": False}}, {"a": 1}, False),
    ({"properties": {"a": True}}, {"a": 1}, True),
    ({"items": {}}, [None, 1, "x"], True),
]


def verdicts_for(schema, instance) -> tuple[bool, bool]:
    """(compiled predicate, jsonschema) for a schema that may $ref the files of schemas/."""
    documents = {**DOCUMENTS, "Case.json": schema}
    check = Compiler(documents).predicate("Case.json")
    assert check is not None, schema
    registry = Registry().with_resources(  # without "$schema", references are checked by Validator too
        (name, Resource.from_contents({k: v for k, v in doc.items() if k != "$schema"},
                                      default_specification=DRAFT202012))
        for name, doc in documents.items())
    return check(instance), Validator(schema, registry=registry).is_valid(instance)


@pytest.mark.parametrize(("schema", "instance", "valid"), TRICKY_CASES,
                         ids=[f"{i}-{shown(case[1])[:30]}" for i, case in enumerate(TRICKY_CASES)])
def test_compiled_predicate_and_jsonschema_agree_on_tricky_cases(schema, instance, valid):
    compiled, reference = verdicts_for(schema, instance)
    assert reference == valid, "the case's expectation is wrong about jsonschema"
    assert compiled == reference, (
        f"{shown(instance)} under {json.dumps(schema)}: "
        f"compiled predicate {compiled}, jsonschema {reference}")


@pytest.mark.parametrize("name", MAIN_RESPONSES)
def test_unmutated_instances_of_the_main_responses_are_mostly_valid(name):
    """The generator itself: without mutations most instances fit their schema, so the property
    above exercises the accepting paths too, not only the refusing ones."""
    results = Counter()

    @settings(max_examples=40, deadline=None, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(instance=unmutated_instances(name))
    def tally(instance):
        results["valid" if jsonschema_is_valid(name, instance) else "invalid"] += 1

    tally()
    assert results["valid"] >= results["invalid"], results
