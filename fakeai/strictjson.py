"""Request bodies decoded as strictly as JSON is written (RFC 8259), not as leniently as Python's json
module reads it.

Python accepts what JSON does not have and what fakeai could not answer afterwards: ``NaN`` and
``Infinity``; ``1e400``, which it reads as an infinite float that a 200 then writes back as
``Infinity``; a lone surrogate escape (``"\\ud800"``), a string that cannot be encoded again, so
every later read of the object it lands in would fail; and nesting deep enough to exhaust the stack.
Each is refused here, before anything is stored.
"""

from __future__ import annotations

import json
import math
import re

#: Deepest nesting of arrays and objects a body may have. The deepest a schema needs is a function's
#: ``parameters`` (a JSON Schema), a few levels per nested property; 64 is far beyond any real one
#: and far below the recursion limit of any code that walks the body afterwards.
MAX_DEPTH = 64

#: A JSON string (skipped whole, brackets inside it do not count) or a bracket.
STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)
#: A \uD800-\uDFFF escape: the only way a JSON text can carry a surrogate (UTF-8 cannot).
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class NotJSON(ValueError):
    """The body is not a JSON text (or not one made of encodable strings and finite numbers)."""


class TooDeep(ValueError):
    """The body nests arrays and objects deeper than MAX_DEPTH."""


def loads(raw: bytes, max_depth: int = MAX_DEPTH):
    """The value of a UTF-8 JSON body; NotJSON or TooDeep when it is not one fakeai can keep."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise NotJSON("the body is not UTF-8") from None
    # depth() is exact; a body with fewer brackets than the limit cannot nest deeper (most bodies)
    if text.count("[") + text.count("{") > max_depth and depth(text) > max_depth:
        raise TooDeep(f"nested deeper than {max_depth}")
    try:
        value = DECODER.decode(text)
    except (ValueError, RecursionError) as error:
        raise NotJSON(str(error)) from None
    if SURROGATE_ESCAPE.search(text):
        try:  # a pair of escapes makes one character; only a lone one cannot be encoded
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise NotJSON("a string holds a lone surrogate") from None
    return value


def depth(text: str) -> int:
    """How deep arrays and objects nest in ``text`` (counted without parsing it)."""
    deepest = level = 0
    for match in STRING_OR_BRACKET.finditer(text):
        token = match.group()
        if token in "[{":
            level += 1
            deepest = max(deepest, level)
        elif token in "]}":
            level -= 1
    return deepest


def not_a_number(name: str):
    raise ValueError(f"{name} is not JSON")


def finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is too large a number")
    return value


DECODER = json.JSONDecoder(parse_constant=not_a_number, parse_float=finite_float)
