"""JSON as fakeai sends it: answers indented by two spaces, stream events compact, non-ASCII text
as UTF-8, keys in the order they were made.

orjson writes these 20-40 times faster than the standard library (a run object: about 2 µs instead
of 80), which is most of what a request costs beyond its own work. The bytes are exactly those of
``json.dumps(value, indent=2 | separators=(',', ':'), ensure_ascii=False)``, which fakeai has always
sent (tests/test_jsonbody.py holds the two together), except for what orjson writes otherwise:

* floats from 1e-9 to 1e-5 (orjson writes ``0.00001`` and ``1e-7`` where Python writes ``1e-05``
  and ``1e-07``): found in orjson's output by ``OTHER_FLOAT_FORM``, which may also match text inside
  a string, where the standard library's answer is the same bytes;
* what orjson cannot write (an int past 64 bits, a key that is not a string, a lone surrogate,
  nesting past 255 levels).

Those bodies are written by the standard library, so they come out as they always did (or fail as
they always did). NaN and infinities would differ (orjson writes ``null``), but fakeai refuses them in
every request (strictjson.py), so no answer holds one.
"""

from __future__ import annotations

import json
import re

import orjson

#: orjson's forms of a float that Python's repr writes otherwise: ``0.0000...`` (repr: ``1e-05``) and
#: a one-digit negative exponent not followed by another digit (repr: ``e-07``).
OTHER_FLOAT_FORM = re.compile(rb"0\.0000|e-\d(?!\d)")


def indented(value) -> bytes:
    """An answer's body: ``json.dumps(value, indent=2, ensure_ascii=False)`` as UTF-8."""
    return written(value, orjson.OPT_INDENT_2, indent=2)


def compact(value) -> bytes:
    """A stream event's data: ``json.dumps(value, separators=(',', ':'), ensure_ascii=False)`` as UTF-8."""
    return written(value, 0, separators=(",", ":"))


def written(value, option: int, **layout) -> bytes:
    """orjson's bytes for ``value``, or the standard library's (with ``layout``) where they would differ."""
    try:
        fast = orjson.dumps(value, option=option)
    except TypeError:  # orjson.JSONEncodeError is one
        fast = None
    if fast is None or OTHER_FLOAT_FORM.search(fast):
        return json.dumps(value, ensure_ascii=False, **layout).encode()
    return fast
