"""The router answers every method and path as werkzeug's router, which it replaced, answers: the
oracle here is werkzeug's Map built from the same URL table, as fakeai built it before."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule

from fakeai.router import Router
from fakeai.routes import API_PREFIX, ROUTES

ROUTER = Router()
ORACLE = Map([Rule(API_PREFIX + route.path, endpoint=route, methods=[route.method]) for route in ROUTES],
             strict_slashes=False, merge_slashes=False).bind("api.openai.com")
METHODS = ["GET", "POST", "DELETE", "HEAD", "PUT", "PATCH", "OPTIONS"]
LITERALS = sorted({segment for route in ROUTES for segment in (API_PREFIX + route.path).split("/")
                   if segment and not segment.startswith("<")})


def werkzeug_match(method: str, path: str):
    try:
        return ORACLE.match(path, method=method)
    except (NotFound, MethodNotAllowed):
        return None


def test_every_route_of_the_table_is_matched_with_its_parameters():
    for route in ROUTES:
        path = API_PREFIX + route.path.replace("<", "").replace(">", "_value")
        matched = ROUTER.match(route.method, path)
        assert matched is not None and matched[0] is route, path
        assert all(value.endswith("_value") for value in matched[1].values())


@pytest.mark.parametrize(("method", "path", "operation", "params"), [
    ("GET", "/v1/threads/thread_1", "getThread", {"thread_id": "thread_1"}),
    ("HEAD", "/v1/threads/thread_1", "getThread", {"thread_id": "thread_1"}),
    ("GET", "/v1/threads/thread_1/", "getThread", {"thread_id": "thread_1"}),
    ("GET", "//v1/assistants", "listAssistants", {}),
    ("POST", "/v1/threads/runs", "createThreadAndRun", {}),
    ("GET", "/v1/threads/runs", "getThread", {"thread_id": "runs"}),
    ("GET", "/v1/threads/a%2Fb", "getThread", {"thread_id": "a%2Fb"}),
    ("GET", "/v1/threads//", None, None),
    ("OPTIONS", "/v1/assistants", None, None),
    ("PUT", "/v1/threads/thread_1", None, None),
    ("GET", "/v1/threads/thread_1//", None, None),
    ("GET", "/v2/threads/thread_1", None, None),
])
def test_the_edges_werkzeug_drew(method, path, operation, params):
    matched = ROUTER.match(method, path)
    assert (matched[0].operation, matched[1]) == (operation, params) if operation else matched is None


segment = st.one_of(st.sampled_from(LITERALS + ["v1", "", "thread_1", "a%2Fb", "a b", "?x"]),
                    st.text(st.characters(blacklist_characters="/", blacklist_categories=["Cs"]), max_size=4))


@settings(max_examples=500, deadline=None)
@given(method=st.sampled_from(METHODS), leading=st.sampled_from(["", "/", "//"]),
       segments=st.lists(segment, min_size=0, max_size=8), trailing=st.sampled_from(["", "/", "//"]))
def test_any_path_is_matched_as_werkzeug_matches_it(method, leading, segments, trailing):
    path = leading + "/".join(segments) + trailing
    assert ROUTER.match(method, path) == werkzeug_match(method, path)


@st.composite
def route_like_path(draw):
    """A path of the table with each parameter filled by any segment (matches, mostly)."""
    route = draw(st.sampled_from(ROUTES))
    parts = [draw(segment) if part.startswith("<") else part for part in (API_PREFIX + route.path).split("/")]
    return draw(st.sampled_from(["", "/"])) + "/".join(parts) + draw(st.sampled_from(["", "/", "//"]))


@settings(max_examples=500, deadline=None)
@given(method=st.sampled_from(METHODS), path=route_like_path())
def test_any_path_shaped_like_a_route_is_matched_as_werkzeug_matches_it(method, path):
    assert ROUTER.match(method, path) == werkzeug_match(method, path)
