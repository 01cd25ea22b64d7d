"""YAML cassettes read as ``yaml.safe_load`` reads them, about three times faster, plus the few
harmless tags cassettes hold.

A cassette is mostly small scalars (every header is a one-item list), and ``safe_load`` spends most
of its time building a node object for each before building its value. Here the values are built
straight from the parser's events (libyaml's, when PyYAML has it): a plain scalar is resolved by
PyYAML's own resolver and built by SafeLoader's own constructor for its tag, so every value is the
one ``safe_load`` gives. Besides safe_load's tags, these are read, never as Python objects: old
vcrpy's ``!!python/str``, ``!!python/unicode`` and ``!!python/tuple``, a request body it kept as
``!!python/object/new:_io.BytesIO`` or ``!!python/object/apply:builtins.iter`` (read as the bytes it
held), and Ruby's ``!binary``. Any other tag (``!!python/object:...``, ``!ruby/object:...``) is
refused, as safe_load refuses it.
"""

from __future__ import annotations

import base64

import yaml
from yaml.events import (AliasEvent, MappingEndEvent, MappingStartEvent, ScalarEvent, SequenceEndEvent,
                         SequenceStartEvent)

from .wire import body_bytes

_Parser = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when PyYAML has it
#: Resolves and builds plain scalars exactly as safe_load does (its resolver, its constructors).
_SAFE = yaml.SafeLoader("")
PREFIX = "tag:yaml.org,2002:"
TEXT_TAGS = {PREFIX + "str", PREFIX + "python/str", PREFIX + "python/unicode"}
BINARY_TAGS = {PREFIX + "binary", "!binary"}
SEQUENCE_TAGS = {None, "!", PREFIX + "seq", PREFIX + "python/tuple"}
MAPPING_TAGS = {None, "!", PREFIX + "map"}
#: Request bodies old vcrpy pickled: the mapping key that holds the bytes (its first item).
BODY_TAGS = {PREFIX + "python/object/new:_io.BytesIO": "state", PREFIX + "python/object/apply:builtins.iter": "args"}
NO_KEY = object()


class NotYAML(ValueError):
    """Text that does not parse as YAML at all (says the line)."""


class UnsafeTag(ValueError):
    """A tag that would build an object (says the line and the tag)."""


def refused(tag: str, event) -> UnsafeTag:
    return UnsafeTag(f"line {event.start_mark.line + 1}: the tag {tag!r} would build an object; fakeai reads "
                     "cassettes as yaml.safe_load does and builds no Python or Ruby objects")


def scalar(event: ScalarEvent, resolved: dict):
    """A scalar's value; ``resolved`` caches the tag of each plain text (a cassette repeats its
    header names thousands of times)."""
    tag = event.tag
    if tag is None or tag == "!":
        if not event.implicit[0]:  # quoted: a string, as the resolver would say
            return event.value
        tag = resolved.get(event.value)
        if tag is None:
            tag = resolved[event.value] = _SAFE.resolve(yaml.ScalarNode, event.value, event.implicit)
    if tag in TEXT_TAGS:
        return event.value
    if tag in BINARY_TAGS:
        return base64.b64decode(event.value)
    if tag == PREFIX + "merge":
        raise NotYAML(f"line {event.start_mark.line + 1}: a merge key (<<), which no cassette has")
    construct = _SAFE.yaml_constructors.get(tag)
    if construct is None:
        raise refused(tag, event)
    try:
        return construct(_SAFE, yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style))
    except yaml.constructor.ConstructorError as error:
        raise UnsafeTag(f"line {event.start_mark.line + 1}: {error.problem}") from None


def load_yaml(text: str):
    """The document of a YAML cassette (None for an empty one); NotYAML when the text is not YAML,
    UnsafeTag for a tag that would build an object."""
    parser = _Parser(text)
    try:
        return build(iter(parser.get_event, None))  # no generator between the parser and the builder
    except yaml.MarkedYAMLError as error:
        where = f"line {error.problem_mark.line + 1}: " if error.problem_mark else ""
        raise NotYAML(f"{where}{error.problem or error.context}") from None
    except yaml.YAMLError as error:
        raise NotYAML(str(error).splitlines()[0]) from None
    finally:
        parser.dispose()


def build(events):
    """The value of the one document of ``events``. A stack of open collections, each with its tag,
    anchor and, for a mapping, the key waiting for its value."""
    stack: list[list] = []
    anchors: dict = {}
    resolved: dict = {}
    documents = []
    for event in events:
        kind = type(event)
        if kind is ScalarEvent:
            value = scalar(event, resolved)
        elif kind is MappingStartEvent:
            if event.tag not in MAPPING_TAGS and event.tag not in BODY_TAGS:
                raise refused(event.tag, event)
            stack.append([{}, event.tag, event.anchor, NO_KEY])
            continue
        elif kind is SequenceStartEvent:
            if event.tag not in SEQUENCE_TAGS:
                raise refused(event.tag, event)
            stack.append([[], event.tag, event.anchor, NO_KEY])
            continue
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            value, tag, anchor, key = stack.pop()
            if tag in BODY_TAGS:
                held = value.get(BODY_TAGS[tag]) or [b""]
                value = body_bytes(held[0])
            if anchor is not None:
                anchors[anchor] = value
        elif kind is AliasEvent:
            if event.anchor not in anchors:
                raise NotYAML(f"line {event.start_mark.line + 1}: the alias *{event.anchor} names no anchor")
            value = anchors[event.anchor]
        else:  # the stream's and the document's start and end
            continue
        if kind is ScalarEvent and event.anchor is not None:
            anchors[event.anchor] = value
        if not stack:
            documents.append(value)
            continue
        top = stack[-1]
        if isinstance(top[0], list):
            top[0].append(value)
        elif top[3] is NO_KEY:
            if isinstance(value, (dict, list)):
                raise NotYAML(f"line {event.start_mark.line + 1}: a mapping as a mapping's key, which no cassette has")
            top[3] = value
        else:
            top[0][top[3]] = value
            top[3] = NO_KEY
    if len(documents) > 1:
        raise NotYAML("more than one YAML document in the file; a cassette is one")
    return documents[0] if documents else None
