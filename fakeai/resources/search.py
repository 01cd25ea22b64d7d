"""The search index: how a file's text becomes chunks, and how chunks are scored against a query.

A deterministic lexical stand-in for the API's embeddings (files-vector-stores §6, [inferred]):
a token is a whitespace-separated word; a chunk's score is the share of the query's distinct
lower-case terms it contains (0..1, four decimals), the best over the queries of an array; ties
keep the order files were attached in, then the order of chunks in their file. Same query, same
results, every run.
"""

from __future__ import annotations

import re

from ..store import Chunk

TERM = re.compile(r"\w+")
#: What ``{"type": "auto"}`` means, and what a file attached without a strategy shows (api-notes 4.5).
AUTO_CHUNKING = {"type": "static", "static": {"max_chunk_size_tokens": 800, "chunk_overlap_tokens": 400}}
#: Bytes an embedding adds to each chunk's usage: 256 float32 dimensions (files-vector-stores 3.6).
EMBEDDING_BYTES = 1024


def terms(text: str) -> frozenset:
    return frozenset(TERM.findall(text.lower()))


def chunks_of(text: str, strategy: dict) -> list[Chunk]:
    """``text`` cut into windows of ``max_chunk_size_tokens`` words overlapping by
    ``chunk_overlap_tokens``; the words of a chunk are joined by single spaces. Each distinct word
    is tokenised once (a 10 MB file has few distinct words and millions of words)."""
    words = text.split()
    single: dict[str, str] = {}  # most words are one term ('Router,' -> 'router')
    several: dict[str, frozenset] = {}  # the others ("it's" -> it, s; '--' -> none)
    for word in set(words):
        found = terms(word)
        if len(found) == 1:
            single[word] = next(iter(found))
        else:
            several[word] = found
    size = strategy["static"]["max_chunk_size_tokens"]
    step = size - strategy["static"]["chunk_overlap_tokens"]
    chunks = []
    for start in range(0, len(words), step):
        window = words[start:start + size]
        distinct = set(window)
        found = set(map(single.get, distinct))
        found.discard(None)
        for word in distinct.intersection(several):
            found |= several[word]
        chunks.append(Chunk(" ".join(window), frozenset(found)))
        if start + size >= len(words):
            break
    return chunks


def usage_bytes(chunks: list[Chunk]) -> int:
    """A completed file's size in the store: each chunk's UTF-8 bytes plus its embedding."""
    return sum(len(chunk.text.encode("utf-8")) + EMBEDDING_BYTES for chunk in chunks)


def score(query_terms: list[frozenset], chunk: Chunk) -> float:
    best = 0.0
    for wanted in query_terms:
        if wanted:
            best = max(best, len(wanted & chunk.terms) / len(wanted))
    return round(best, 4)


def matches(condition: dict | None, attributes: dict) -> bool:
    """A ComparisonFilter or CompoundFilter against a file's attributes; a missing key never matches."""
    if condition is None:
        return True
    kind = condition["type"]
    if kind in ("and", "or"):
        results = (matches(part, attributes) for part in condition["filters"])
        return all(results) if kind == "and" else any(results)
    if condition["key"] not in attributes:
        return False
    have, want = attributes[condition["key"]], condition["value"]
    if kind in ("in", "nin"):
        found = have in want if isinstance(want, list) else have == want
        return found if kind == "in" else not found
    if kind == "eq":
        return have == want
    if kind == "ne":
        return have != want
    try:
        return {"gt": have > want, "gte": have >= want, "lt": have < want, "lte": have <= want}[kind]
    except TypeError:  # a string against a number: no order between them
        return False


def search(files, queries: list[str], *, limit: int, threshold: float = 0.0, condition: dict | None = None):
    """(score, file entry, chunk) of the best chunks, best first. ``files``: (entry, attributes,
    chunks) in attach order, where ``entry`` is whatever the caller wants back for the file."""
    query_terms = [terms(query) for query in queries]
    found = []
    for order, (entry, attributes, chunks) in enumerate(files):
        if not matches(condition, attributes or {}):
            continue
        for index, chunk in enumerate(chunks):
            value = score(query_terms, chunk)
            if value > 0 and value >= threshold:
                found.append((-value, order, index, entry, chunk))
    found.sort(key=lambda item: item[:3])
    return [(-negative, entry, chunk) for negative, _, _, entry, chunk in found[:limit]]
