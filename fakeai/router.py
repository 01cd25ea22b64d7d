"""The URL table (routes.ROUTES) as werkzeug rules: the one router of the request pipeline and of
``fakeai validate``, so a recorded request is matched exactly as a live one is."""

from __future__ import annotations

from urllib.parse import unquote

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule

from .routes import API_PREFIX, ROUTES


class Router:
    """Method and path -> (route, path params), or None for what the API does not have."""

    def __init__(self, routes=ROUTES):
        self.url_map = Map([Rule(API_PREFIX + r.path, endpoint=r, methods=[r.method]) for r in routes],
                           strict_slashes=False, merge_slashes=False)
        self.urls = self.url_map.bind("api.openai.com")

    def match(self, method: str, path: str):
        try:
            return self.urls.match(path, method=method)
        except (NotFound, MethodNotAllowed):
            return None


def decoded_path(raw: str) -> str:
    """The path routed on, from the path as sent: each segment decoded on its own, so an encoded
    slash (``%2F``) stays inside its segment instead of making a new one."""
    return "/".join(unquote(segment, encoding="latin-1").replace("/", "%2F")
                    for segment in raw.split("?", 1)[0].split("/"))
