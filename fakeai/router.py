"""The URL table (routes.ROUTES) as a router: the one router of the request pipeline and of
``fakeai validate``, so a recorded request is matched exactly as a live one is."""

from __future__ import annotations

from urllib.parse import unquote

from .routes import API_PREFIX, ROUTES


class Router:
    """Method and path -> (route, path params), or None for what the API does not have.

    It matches as werkzeug's router did (tests/test_router.py holds the two to the same answers,
    path by path), at the cost of a dict lookup and a few comparisons: leading slashes count as
    one, one trailing slash is ignored, a parameter is a whole non-empty segment, a literal segment
    wins over a parameter in the same place, and a GET route also answers HEAD.
    """

    def __init__(self, routes=ROUTES):
        #: (method, number of segments) -> [(segments, None where a parameter is; names; route)],
        #: literal-first, then in table order.
        self.table: dict[tuple[str, int], list] = {}
        for route in routes:
            segments = (API_PREFIX + route.path).strip("/").split("/")
            pattern = tuple(None if segment.startswith("<") else segment for segment in segments)
            names = tuple(segment[1:-1] for segment in segments if segment.startswith("<"))
            for method in (route.method, "HEAD") if route.method == "GET" else (route.method,):
                self.table.setdefault((method, len(pattern)), []).append((pattern, names, route))
        for candidates in self.table.values():
            candidates.sort(key=lambda candidate: tuple(segment is None for segment in candidate[0]))

    def match(self, method: str, path: str):
        segments = path.lstrip("/").split("/")
        if len(segments) > 1 and not segments[-1]:
            segments.pop()
        for pattern, names, route in self.table.get((method, len(segments)), ()):
            values = []
            for literal, segment in zip(pattern, segments):
                if literal is None:
                    if not segment:
                        break
                    values.append(segment)
                elif literal != segment:
                    break
            else:
                return route, dict(zip(names, values))
        return None


def decoded_path(raw: str) -> str:
    """The path routed on, from the path as sent: each segment decoded on its own, so an encoded
    slash (``%2F``) stays inside its segment instead of making a new one."""
    if "%" not in raw:  # nothing to decode (most paths)
        return raw.split("?", 1)[0]
    return "/".join(unquote(segment, encoding="latin-1").replace("/", "%2F")
                    for segment in raw.split("?", 1)[0].split("/"))
