"""Credentials in request headers: the API key a request carries, and headers with every secret
masked, so a journal, an export or a failing test's report never shows one whole.

One parser serves both, so the key fakeai authenticates is always the text it masks (a key after
``Bearer<TAB>`` is read, and masked, like one after ``Bearer <SPACE>``).
"""

from __future__ import annotations

import functools
import re

from .errors import mask_api_key

#: ``<scheme> <credentials>``; HTTP separates them with spaces or tabs.
SCHEMED = re.compile(r"([^ \t]+)[ \t]+(.*)", re.DOTALL)
#: A scheme alone carries no secret (``Authorization: Bearer`` is an empty key, E12 shows '').
BARE_SCHEMES = frozenset({"bearer", "basic", "digest", "token"})
#: Header names that carry a secret, whole or in part (``x-api-key``, ``x-auth-token``, ...).
CREDENTIAL_WORDS = ("authorization", "api-key", "apikey", "api_key", "token", "secret", "password",
                    "cookie", "credential", "session", "signature")


@functools.lru_cache(maxsize=1024)  # a client sends the same header on every request
def bearer_key(header: str | None) -> str | None:
    """The key of ``Authorization: Bearer <key>`` ('' for an empty one), None without one (another
    scheme, or ``Bearer`` run into the key, is no Bearer key)."""
    if header is None:
        return None
    header = header.strip(" \t")
    if header == "Bearer":
        return ""
    found = SCHEMED.fullmatch(header)
    if found is None or found.group(1) != "Bearer":
        return None
    return found.group(2).strip(" \t")


@functools.lru_cache(maxsize=1024)  # header names repeat on every request
def is_credential(name: str) -> bool:
    name = name.lower()
    return any(word in name for word in CREDENTIAL_WORDS)


@functools.lru_cache(maxsize=1024)  # a client sends the same key on every request
def masked_value(name: str, value: str) -> str:
    """``Bearer sk-abc...`` -> ``Bearer sk-abc12****...wxyz``: a scheme stays readable, what follows
    it is masked as the API masks a key; a header without a scheme is masked whole."""
    value = value.strip(" \t")
    if "authorization" in name.lower():
        if value.lower() in BARE_SCHEMES:
            return value
        found = SCHEMED.fullmatch(value)
        if found is not None:
            scheme, secret = found.group(1), found.group(2).strip(" \t")
            return f"{scheme} {mask_api_key(secret)}"
    return mask_api_key(value)


def masked(headers: dict) -> dict:
    """The headers with every credential masked (names are lower-case)."""
    return {name: masked_value(name, value) if is_credential(name) else value for name, value in headers.items()}
