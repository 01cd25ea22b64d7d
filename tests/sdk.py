"""Drive an AsyncOpenAI client with the same calls as an OpenAI one, so one test body covers both.

``Synchronous(async_client, loop)`` forwards attribute access; coroutines it gets back are run on
``loop``, and async paginators become objects that iterate synchronously (all pages, via the SDK's
own ``async for``) and expose the first page's fields.
"""

from __future__ import annotations

import inspect
import threading

import openai
import pytest


class Synchronous:
    def __init__(self, target, loop):
        self._target = target
        self._loop = loop

    def __getattr__(self, name):
        value = getattr(self._target, name)
        if callable(value):
            def call(*args, **kwargs):
                return self._resolve(value(*args, **kwargs))
            return call
        if type(value).__module__.startswith("openai.resources"):
            return Synchronous(value, self._loop)
        return value

    def _resolve(self, result):
        if inspect.iscoroutine(result):
            return self._loop.run_until_complete(result)
        if type(result).__name__ == "AsyncPaginator":
            return Pages(result, self._loop)
        if type(result).__module__.startswith("openai.resources"):
            return Synchronous(result, self._loop)
        return result


class Pages:
    """An AsyncPaginator seen synchronously: iterating walks every page with ``async for``."""

    def __init__(self, paginator, loop):
        self._paginator = paginator
        self._loop = loop
        self._first = None

    def __iter__(self):
        async def collect():
            return [item async for item in self._paginator]
        return iter(self._loop.run_until_complete(collect()))

    def __getattr__(self, name):
        if self._first is None:
            async def first():
                return await self._paginator
            self._first = self._loop.run_until_complete(first())
        return getattr(self._first, name)


def raw_body(content: bytes | None) -> dict:
    """The keyword that sends bytes as they are: ``content=`` since openai 2.x, ``body=`` before."""
    if content is None:
        return {}
    keyword = "content" if "content" in inspect.signature(openai.OpenAI.post).parameters else "body"
    return {keyword: content}


def expect_refusal(call, expected, exception=openai.BadRequestError):
    """``call()`` raises the SDK's ``exception`` carrying exactly ``expected`` (a fakeai.errors
    APIError built by the catalog): status, message, type, param and code."""
    with pytest.raises(exception) as refused:
        call()
    assert refused.value.status_code == expected.status
    assert refused.value.body == expected.body()["error"]
    assert (refused.value.code, refused.value.param) == (expected.code, expected.param)
    return refused.value


def wire(api, path: str) -> dict:
    """The JSON body the API sends for a GET, as a plain dict (no SDK model in between)."""
    return api.get(path, cast_to=object, options={"headers": {"OpenAI-Beta": "assistants=v2"}})


#: The README's pytest filter lines for suites that run with warnings as errors (the SDK marks every
#: Assistants method deprecated); inner suites started by the tests use them too.
README_FILTER_LINES = """
[pytest]
filterwarnings =
    error
    ignore:The Assistants API is deprecated:DeprecationWarning
    ignore:deprecated:DeprecationWarning
"""


def failure_over_a_fresh_connection(backend, call) -> openai.APIError:
    """The APIError ``call(client)`` raises on a new client of the server, once the server thread
    that served it has ended. (A server thread that dies prints its traceback; formatting tracebacks
    in two threads at once can trip CPython 3.11's ast module and crash pytest itself.)"""
    before = set(threading.enumerate())
    with openai.OpenAI(**backend.client_options()) as client:
        with pytest.raises(openai.APIError) as raised:
            call(client)
    for thread in set(threading.enumerate()) - before:
        thread.join(timeout=10)
    return raised.value
