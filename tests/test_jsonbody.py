"""fakeai writes its JSON with orjson, and the bytes are those the standard library writes, which
fakeai has always sent: ``json.dumps(value, indent=2, ensure_ascii=False)`` for an answer and
``separators=(',', ':')`` for a stream event. The standard library is the oracle here."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fakeai import jsonbody


def stdlib_indented(value) -> bytes:
    return json.dumps(value, indent=2, ensure_ascii=False).encode()


def stdlib_compact(value) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


text = st.text(st.characters(blacklist_categories=["Cs"]))
scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70),
                    st.floats(allow_nan=False, allow_infinity=False), text)
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(text, inner, max_size=4)), max_leaves=30)


@settings(max_examples=600, deadline=None)
@given(values)
def test_any_json_value_is_written_as_the_standard_library_writes_it(value):
    assert jsonbody.indented(value) == stdlib_indented(value)
    assert jsonbody.compact(value) == stdlib_compact(value)


def test_floats_of_every_decimal_exponent_are_written_as_python_writes_them():
    for exponent in range(-330, 309):
        draw = random.Random(exponent)
        floats = [float(f"{mantissa}e{exponent}") for mantissa in ("1", "-1", "2.5", "9.999999999999999")]
        floats += [draw.uniform(1, 10) * 10.0 ** exponent for _ in range(20)]
        floats = [number for number in floats if number not in (float("inf"), float("-inf"))]
        value = {"floats": floats, "nested": [{"x": number} for number in floats[:3]]}
        assert jsonbody.indented(value) == stdlib_indented(value), exponent
        assert jsonbody.compact(value) == stdlib_compact(value), exponent


@pytest.mark.parametrize("value", [
    {"a": {}, "b": [], "c": [1, {"x": None}], "d": True, "e": "é 😀 \u2028 \x7f \x00 \x1f \"\\ \b\f\n\r\t"},
    {"big": 2**64, "bigger": -(2**100)},
    {1: "int key", None: "null key"},
    "text that looks like a float: 0.00001 and 1e-7",
    [[[[[[[[[[]]]]]]]]]],
])
def test_values_orjson_writes_otherwise_or_not_at_all_come_out_as_always(value):
    assert jsonbody.indented(value) == stdlib_indented(value)
    assert jsonbody.compact(value) == stdlib_compact(value)


def test_nesting_past_orjsons_limit_is_written_too():
    value: list = []
    for _ in range(300):
        value = [value]
    assert jsonbody.indented(value) == stdlib_indented(value)


def test_a_lone_surrogate_fails_as_it_always_did():
    with pytest.raises(UnicodeEncodeError):
        stdlib_indented({"text": "\ud800"})
    with pytest.raises(UnicodeEncodeError):
        jsonbody.indented({"text": "\ud800"})
